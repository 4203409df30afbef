/* command_docs.c - the "arguments" (and "subcommands") of COMMAND DOCS.
 *
 * redis-cli 7 builds its help and its grey argument hints ("set foo " ->
 * "value [NX|XX] [GET] [EX seconds|...]") from the "arguments" field of
 * COMMAND DOCS; without it a command gets no hint at all.
 *
 * The table below holds, per command, its syntax as Redis's documentation
 * shows it (without the command name), e.g.
 *
 *     key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]
 *
 * and doc_parse() turns such a string into the nested argument structure
 * Redis reports:
 *
 *   word in lowercase   an argument ("key", "unix-time-seconds", "ip:port")
 *   WORD in capitals    a token: alone it is a pure-token argument ([GET]);
 *                       before one argument it is that argument's token
 *                       ([EX seconds]); before several, a block's ([LIMIT
 *                       offset count])
 *   [ ... ]             optional;  < ... >  required (used around a oneof)
 *   a | b               oneof
 *   x [x ...]           x is "multiple"; "T x [T x ...]" also
 *                       "multiple_token"; "a b [a b ...]" is a multiple block
 *   several items in one bracket (or alternative) without a token: a block
 *
 * What the syntax cannot say comes from two optional strings per row:
 *   groups  names of the oneof/block arguments in pre-order ("-" keeps the
 *           default, which is the children's names joined with '_', like
 *           Redis's "field_value" or "offset_count")
 *   notes   "name:type" sets the type of the arguments called name (the
 *           default is guessed from the name, see default_type());
 *           "TOKEN=name" renames a pure-token argument (default: the token
 *           in lowercase)
 *
 * The structure matches Redis 7.0's COMMAND DOCS in names, types, tokens,
 * flags and nesting (tests/integration/test_command_docs.py compares them),
 * except for three spots where Redis itself is irregular: CONFIG GET and
 * PSUBSCRIBE (Redis: a multiple block of one "parameter" / "pattern") and
 * CLIENT LIST ... [ID client-id [client-id ...]] (Redis: a block with token
 * ID). None changes the text redis-cli shows. "since", "key_spec_index" and per-argument summaries are
 * not reported.
 *
 * Rows named "parent|sub" document the subcommands of a container command
 * (CONFIG, CLIENT, OBJECT, MEMORY, COMMAND, ACL): COMMAND DOCS reports them under
 * "subcommands", which is how redis-cli gets hints for "config get ". Only
 * the subcommands strata implements are listed.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"

/* ---------------------------------------------------------------------------
 * The table
 * ------------------------------------------------------------------------ */

static const command_doc docs_table[] = {
    /* strings */
    {"get", "key"},
    {"set", "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
     "condition expiration"},
    {"setnx", "key value"},
    {"setex", "key seconds value"},
    {"psetex", "key milliseconds value"},
    {"getset", "key value"},
    {"getdel", "key"},
    {"getex", "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]", "expiration"},
    {"mget", "key [key ...]"},
    {"mset", "key value [key value ...]"},
    {"msetnx", "key value [key value ...]"},
    {"append", "key value"},
    {"strlen", "key"},
    {"incr", "key"},
    {"decr", "key"},
    {"incrby", "key increment"},
    {"decrby", "key decrement"},
    {"incrbyfloat", "key increment", NULL, "increment:double"},
    {"getrange", "key start end"},
    {"substr", "key start end"},
    {"setrange", "key offset value"},
    {"lcs", "key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]"},
    /* hashes */
    {"hset", "key field value [field value ...]"},
    {"hsetnx", "key field value"},
    {"hmset", "key field value [field value ...]"},
    {"hget", "key field"},
    {"hmget", "key field [field ...]"},
    {"hdel", "key field [field ...]"},
    {"hlen", "key"},
    {"hstrlen", "key field"},
    {"hexists", "key field"},
    {"hkeys", "key"},
    {"hvals", "key"},
    {"hgetall", "key"},
    {"hincrby", "key field increment"},
    {"hincrbyfloat", "key field increment", NULL, "increment:double"},
    {"hrandfield", "key [count [WITHVALUES]]", "options"},
    {"hscan", "key cursor [MATCH pattern] [COUNT count]"},
    /* sets */
    {"sadd", "key member [member ...]"},
    {"srem", "key member [member ...]"},
    {"sismember", "key member"},
    {"smismember", "key member [member ...]"},
    {"smembers", "key"},
    {"scard", "key"},
    {"spop", "key [count]"},
    {"srandmember", "key [count]"},
    {"smove", "source destination member"},
    {"sinter", "key [key ...]"},
    {"sintercard", "numkeys key [key ...] [LIMIT limit]"},
    {"sinterstore", "destination key [key ...]"},
    {"sunion", "key [key ...]"},
    {"sunionstore", "destination key [key ...]"},
    {"sdiff", "key [key ...]"},
    {"sdiffstore", "destination key [key ...]"},
    {"sscan", "key cursor [MATCH pattern] [COUNT count]"},
    /* sorted sets */
    {"zadd", "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]", "condition comparison",
     "CH=change INCR=increment"},
    {"zincrby", "key increment member"},
    {"zrem", "key member [member ...]"},
    {"zcard", "key"},
    {"zscore", "key member"},
    {"zmscore", "key member [member ...]"},
    {"zrank", "key member"},
    {"zrevrank", "key member"},
    {"zcount", "key min max", NULL, "min:double max:double"},
    {"zlexcount", "key min max"},
    {"zrange", "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", "sortby",
     "start:string stop:string"},
    {"zrevrange", "key start stop [WITHSCORES]"},
    {"zrangestore", "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]", "sortby"},
    {"zrangebyscore", "key min max [WITHSCORES] [LIMIT offset count]", NULL, "min:double max:double"},
    {"zrevrangebyscore", "key max min [WITHSCORES] [LIMIT offset count]", NULL, "min:double max:double"},
    {"zrangebylex", "key min max [LIMIT offset count]"},
    {"zrevrangebylex", "key max min [LIMIT offset count]"},
    {"zremrangebyrank", "key start stop"},
    {"zremrangebyscore", "key min max", NULL, "min:double max:double"},
    {"zremrangebylex", "key min max"},
    {"zpopmin", "key [count]"},
    {"zpopmax", "key [count]"},
    {"zmpop", "numkeys key [key ...] <MIN | MAX> [COUNT count]", "where"},
    {"zrandmember", "key [count [WITHSCORES]]", "options"},
    {"zunion", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", "aggregate"},
    {"zinter", "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", "aggregate"},
    {"zdiff", "numkeys key [key ...] [WITHSCORES]"},
    {"zunionstore", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", "aggregate"},
    {"zinterstore", "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", "aggregate"},
    {"zdiffstore", "destination numkeys key [key ...]"},
    {"zintercard", "numkeys key [key ...] [LIMIT limit]"},
    {"zscan", "key cursor [MATCH pattern] [COUNT count]"},
    {"bzpopmin", "key [key ...] timeout", NULL, "timeout:double"},
    {"bzpopmax", "key [key ...] timeout", NULL, "timeout:double"},
    {"bzmpop", "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]", "where", "timeout:double"},
    /* lists */
    {"lpush", "key element [element ...]"},
    {"rpush", "key element [element ...]"},
    {"lpushx", "key element [element ...]"},
    {"rpushx", "key element [element ...]"},
    {"lpop", "key [count]"},
    {"rpop", "key [count]"},
    {"llen", "key"},
    {"lindex", "key index"},
    {"lset", "key index element"},
    {"lrange", "key start stop"},
    {"ltrim", "key start stop"},
    {"lrem", "key count element"},
    {"linsert", "key <BEFORE | AFTER> pivot element", "where"},
    {"lpos", "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"},
    {"lmove", "source destination <LEFT | RIGHT> <LEFT | RIGHT>", "wherefrom whereto"},
    {"rpoplpush", "source destination"},
    {"lmpop", "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", "where"},
    {"blpop", "key [key ...] timeout", NULL, "timeout:double"},
    {"brpop", "key [key ...] timeout", NULL, "timeout:double"},
    {"blmove", "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout", "wherefrom whereto", "timeout:double"},
    {"brpoplpush", "source destination timeout", NULL, "timeout:double"},
    {"blmpop", "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", "where", "timeout:double"},
    /* streams */
    {"xadd", "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
     "trim strategy operator id_or_auto -", "==equal ~=approximately *=auto_id"},
    {"xlen", "key"},
    {"xrange", "key start end [COUNT count]", NULL, "start:string end:string"},
    {"xrevrange", "key end start [COUNT count]", NULL, "start:string end:string"},
    {"xdel", "key id [id ...]"},
    {"xtrim", "key <<MAXLEN | MINID> [= | ~] threshold [LIMIT count]>", "trim strategy operator",
     "==equal ~=approximately"},
    {"xread", "[COUNT count] [BLOCK milliseconds] <STREAMS key [key ...] id [id ...]>", "streams"},
    {"xsetid", "key last-id [ENTRIESADDED entries_added] [MAXDELETEDID max_deleted_entry_id]", NULL,
     "entries_added:integer"},
    {"xgroup", ""},
    {"xgroup|create", "key groupname <id | $> [MKSTREAM] [ENTRIESREAD entries_read]", "id", "$=new_id entries_read:integer",
     "5.0.0", "Creates a consumer group.", -5},
    {"xgroup|createconsumer", "key groupname consumername", NULL, NULL, "6.2.0",
     "Creates a consumer in a consumer group.", 5},
    {"xgroup|delconsumer", "key groupname consumername", NULL, NULL, "5.0.0",
     "Deletes a consumer from a consumer group.", 5},
    {"xgroup|destroy", "key groupname", NULL, NULL, "5.0.0", "Destroys a consumer group.", 4},
    {"xgroup|setid", "key groupname <id | $> [ENTRIESREAD entries_read]", "id", "$=new_id entries_read:integer", "5.0.0",
     "Sets the last-delivered ID of a consumer group.", -5},
    {"xgroup|help", "", NULL, NULL, "5.0.0", "Returns helpful text about the different subcommands.", 2},
    {"xreadgroup", "<GROUP group consumer> [COUNT count] [BLOCK milliseconds] [NOACK] <STREAMS key [key ...] id [id ...]>",
     "group_consumer streams"},
    {"xack", "key group id [id ...]"},
    {"xpending", "key group [[IDLE min-idle-time] start end count [consumer]]", "filters",
     "min-idle-time:integer start:string end:string"},
    {"xclaim", "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] "
               "[FORCE] [JUSTID] [LASTID id]", NULL, "ms:integer"},
    {"xautoclaim", "key group consumer min-idle-time start [COUNT count] [JUSTID]", NULL, "start:string"},
    {"xinfo", ""},
    {"xinfo|consumers", "key groupname", NULL, NULL, "5.0.0", "Returns a list of the consumers in a consumer group.", 4},
    {"xinfo|groups", "key", NULL, NULL, "5.0.0", "Returns a list of the consumer groups of a stream.", 3},
    {"xinfo|stream", "key [FULL [COUNT count]]", "full", NULL, "5.0.0", "Returns information about a stream.", -3},
    {"xinfo|help", "", NULL, NULL, "5.0.0", "Returns helpful text about the different subcommands.", 2},
    /* keyspace */
    {"del", "key [key ...]"},
    {"unlink", "key [key ...]"},
    {"exists", "key [key ...]"},
    {"type", "key"},
    {"rename", "key newkey"},
    {"renamenx", "key newkey"},
    {"copy", "source destination [DB destination-db] [REPLACE]"},
    {"move", "key db"},
    {"keys", "pattern"},
    {"scan", "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
    {"randomkey", ""},
    {"touch", "key [key ...]"},
    {"expire", "key seconds [NX | XX | GT | LT]", "condition"},
    {"pexpire", "key milliseconds [NX | XX | GT | LT]", "condition"},
    {"expireat", "key unix-time-seconds [NX | XX | GT | LT]", "condition"},
    {"pexpireat", "key unix-time-milliseconds [NX | XX | GT | LT]", "condition"},
    {"ttl", "key"},
    {"pttl", "key"},
    {"expiretime", "key"},
    {"pexpiretime", "key"},
    {"persist", "key"},
    {"object", ""},
    {"object|encoding", "key", NULL, NULL, "2.2.3", "Returns the internal encoding of a Redis object.", 3},
    {"object|refcount", "key", NULL, NULL, "2.2.3", "Returns the reference count of a value of a key.", 3},
    {"object|freq", "key", NULL, NULL, "4.0.0", "Returns the logarithmic access frequency counter of a Redis object.", 3},
    {"object|idletime", "key", NULL, NULL, "2.2.3", "Returns the time since the last access to a Redis object.", 3},
    {"object|help", "", NULL, NULL, "6.2.0", "Returns helpful text about the different subcommands.", 2},
    {"select", "index"},
    {"dbsize", ""},
    {"flushdb", "[ASYNC | SYNC]", "async"},
    {"flushall", "[ASYNC | SYNC]", "async"},
    {"swapdb", "index1 index2"},
    /* pub/sub */
    {"subscribe", "channel [channel ...]"},
    {"unsubscribe", "[channel [channel ...]]"},
    {"psubscribe", "pattern [pattern ...]"},
    {"punsubscribe", "[pattern [pattern ...]]"},
    {"publish", "channel message"},
    {"ssubscribe", "shardchannel [shardchannel ...]"},
    {"sunsubscribe", "[shardchannel [shardchannel ...]]"},
    {"spublish", "shardchannel message"},
    {"pubsub", ""},
    {"pubsub|channels", "[pattern]", NULL, NULL, "2.8.0", "List active channels", -2},
    {"pubsub|numpat", "", NULL, NULL, "2.8.0", "Get the count of unique patterns pattern subscriptions", 2},
    {"pubsub|numsub", "[channel [channel ...]]", NULL, NULL, "2.8.0", "Get the count of subscribers for channels", -2},
    {"pubsub|shardchannels", "[pattern]", NULL, NULL, "7.0.0", "List active shard channels", -2},
    {"pubsub|shardnumsub", "[shardchannel [shardchannel ...]]", NULL, NULL, "7.0.0",
     "Get the count of subscribers for shard channels", -2},
    {"pubsub|help", "", NULL, NULL, "6.2.0", "Show helpful text about the different subcommands", 2},
    {"memory", ""},
    {"memory|doctor", "", NULL, NULL, "4.0.0", "Outputs a memory problems report.", 2},
    {"memory|help", "", NULL, NULL, "4.0.0", "Returns helpful text about the different subcommands.", 2},
    {"memory|malloc-stats", "", NULL, NULL, "4.0.0", "Returns the allocator statistics.", 2},
    {"memory|purge", "", NULL, NULL, "4.0.0", "Asks the allocator to release memory.", 2},
    {"memory|stats", "", NULL, NULL, "4.0.0", "Returns details about memory usage.", 2},
    {"memory|usage", "key [SAMPLES count]", NULL, NULL, "4.0.0", "Estimates the memory usage of a key.", -3},
    /* transactions */
    {"multi", ""},
    {"exec", ""},
    {"discard", ""},
    {"watch", "key [key ...]"},
    {"unwatch", ""},
    /* connection and server */
    {"ping", "[message]"},
    {"echo", "message"},
    {"quit", ""},
    {"time", ""},
    {"info", "[section [section ...]]"},
    {"shutdown", "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"},
    {"save", ""},
    {"bgsave", "[SCHEDULE]"},
    {"lastsave", ""},
    {"auth", "[username] password"},
    {"hello", "[protover [AUTH username password] [SETNAME clientname]]", "arguments username_password",
     "protover:integer"},
    {"command", ""},
    {"command|count", "", NULL, NULL, "2.8.13", "Returns a count of commands.", 2},
    {"command|list", "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", "filterby", NULL, "7.0.0",
     "Returns a list of command names.", -2},
    {"command|info", "[command-name [command-name ...]]", NULL, NULL, "2.8.13",
     "Returns information about one, multiple or all commands.", -2},
    {"command|docs", "[command-name [command-name ...]]", NULL, NULL, "7.0.0",
     "Returns documentary information about one, multiple or all commands.", -2},
    {"command|help", "", NULL, NULL, "5.0.0", "Returns helpful text about the different subcommands.", 2},
    {"command|getkeys", "", NULL, NULL, "2.8.13", "Extract keys given a full Redis command", -4},
    {"acl", ""},
    {"acl|cat", "[categoryname]", NULL, NULL, "6.0.0", "List the ACL categories or the commands inside a category", -2},
    {"acl|deluser", "username [username ...]", NULL, NULL, "6.0.0",
     "Remove the specified ACL users and the associated rules", -3},
    {"acl|dryrun", "username command [arg [arg ...]]", NULL, NULL, "7.0.0",
     "Returns whether the user can execute the given command without executing the command.", -4},
    {"acl|genpass", "[bits]", NULL, "bits:integer", "6.0.0", "Generate a pseudorandom secure password to use for ACL users", -2},
    {"acl|getuser", "username", NULL, NULL, "6.0.0", "Get the rules for a specific ACL user", 3},
    {"acl|help", "", NULL, NULL, "6.0.0", "Show helpful text about the different subcommands", 2},
    {"acl|list", "", NULL, NULL, "6.0.0", "List the current ACL rules in ACL config file format", 2},
    {"acl|load", "", NULL, NULL, "6.0.0", "Reload the ACLs from the configured ACL file", 2},
    {"acl|log", "[count | RESET]", "operation", NULL, "6.0.0", "List latest events denied because of ACLs in place", -2},
    {"acl|save", "", NULL, NULL, "6.0.0", "Save the current ACL rules in the configured ACL file", 2},
    {"acl|setuser", "username [rule [rule ...]]", NULL, NULL, "6.0.0",
     "Modify or create the rules for a specific ACL user", -3},
    {"acl|users", "", NULL, NULL, "6.0.0", "List the username of all the configured ACL rules", 2},
    {"acl|whoami", "", NULL, NULL, "6.0.0", "Return the name of the user associated to the current connection", 2},
    {"config", ""},
    {"config|get", "parameter [parameter ...]", NULL, NULL, "2.0.0", "Returns the effective values of configuration parameters.", -3},
    {"config|set", "parameter value [parameter value ...]", NULL, NULL, "2.0.0", "Sets configuration parameters in-flight.", -4},
    {"config|resetstat", "", NULL, NULL, "2.0.0", "Resets the server's statistics.", 2},
    {"config|rewrite", "", NULL, NULL, "2.8.0", "Persists the effective configuration to file.", 2},
    {"config|help", "", NULL, NULL, "5.0.0", "Returns helpful text about the different subcommands.", 2},
    {"client", ""},
    {"client|id", "", NULL, NULL, "5.0.0", "Returns the unique client ID of the connection.", 2},
    {"client|setname", "connection-name", NULL, NULL, "2.6.9", "Sets the connection name.", 3},
    {"client|getname", "", NULL, NULL, "2.6.9", "Returns the name of the connection.", 2},
    {"client|list", "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]", NULL, NULL, "2.4.0",
     "Lists open connections.", -2},
    {"client|info", "", NULL, NULL, "6.2.0", "Returns information about the connection.", 2},
    {"client|kill",
     "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | "
     "[ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]> [<[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | "
     "REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME yes/no]> ...]>",
     "filter new-format normal_master_slave_pubsub", NULL, "2.4.0", "Terminates open connections.", -3},
    {"client|reply", "<ON | OFF | SKIP>", "on_off_skip", NULL, "3.2.0", "Instructs the server whether to reply to commands.", 3},
    {"client|no-evict", "<ON | OFF>", "enabled", NULL, "7.0.0", "Sets the client eviction mode of the connection.", 3},
    {"client|tracking", "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]",
     "status", "client-id:integer", "6.0.0", "Controls server-assisted client-side caching for the connection.", -3},
    {"client|caching", "<YES | NO>", "mode", NULL, "6.0.0",
     "Instructs the server whether to track the keys in the next request.", 3},
    {"client|getredir", "", NULL, NULL, "6.0.0",
     "Returns the client ID to which the connection's tracking notifications are redirected.", 2},
    {"client|trackinginfo", "", NULL, NULL, "6.2.0",
     "Returns information about server-assisted client-side caching for the connection.", 2},
    {"client|pause", "timeout [WRITE | ALL]", "mode", "timeout:integer", "2.9.50",
     "Stop processing commands from clients for some time", -3},
    {"client|unpause", "", NULL, NULL, "6.2.0", "Resume processing of clients that were paused", 2},
    {"client|unblock", "client-id [TIMEOUT | ERROR]", "-", "client-id:integer", "5.0.0",
     "Unblock a client blocked in a blocking command from a different connection", -3},
    {"client|help", "", NULL, NULL, "5.0.0", "Returns helpful text about the different subcommands.", 2},
};

int command_doc_count(void) { return (int)(sizeof(docs_table) / sizeof(docs_table[0])); }

const command_doc *command_doc_at(int i) { return i >= 0 && i < command_doc_count() ? &docs_table[i] : NULL; }

static int doc_index(const char *name) {
    for (int i = 0; i < command_doc_count(); i++)
        if (!strcasecmp(docs_table[i].name, name)) return i;
    return -1;
}

const command_doc *command_doc_lookup(const char *name) {
    int i = doc_index(name);
    return i < 0 ? NULL : &docs_table[i];
}

/* ---------------------------------------------------------------------------
 * Small growable string
 * ------------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_addn(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_add(sbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }

static char *sb_take(sbuf *b) {
    if (!b->p) sb_addn(b, "", 0);
    return b->p;
}

/* ---------------------------------------------------------------------------
 * Argument nodes
 * ------------------------------------------------------------------------ */

/* While parsing: a capitalised word standing alone, which may still become
 * the token of the argument after it. Never set in a finished tree. */
#define DOC_ARG_BARE (1 << 8)

const char *doc_arg_type_name(doc_arg_type t) {
    static const char *names[] = {"string", "integer", "double", "key", "pattern",
                                  "unix-time", "pure-token", "oneof", "block"};
    return t >= 0 && t < (int)(sizeof(names) / sizeof(names[0])) ? names[t] : "string";
}

static void arg_clear(doc_arg *a) {
    free(a->name);
    free(a->token);
    doc_args_free(a->args, a->nargs);
    memset(a, 0, sizeof(*a));
}

void doc_args_free(doc_arg *args, int n) {
    if (!args) return;
    for (int i = 0; i < n; i++) arg_clear(&args[i]);
    free(args);
}

static int is_group(const doc_arg *a) { return a->type == DOC_ARG_ONEOF || a->type == DOC_ARG_BLOCK; }

/* A word of capitals (and digits, '-', '_'): a token, not an argument name.
 * So are the one-symbol tokens of the stream commands (= ~ * $). */
static int is_token_word(const char *w, size_t n) {
    if (n == 1 && strchr("=~*$", w[0])) return 1;
    int upper = 0;
    for (size_t i = 0; i < n; i++) {
        if (islower((unsigned char)w[i])) return 0;
        if (isupper((unsigned char)w[i])) upper = 1;
    }
    return upper;
}

/* Redis's types for the argument names its docs use; "notes" override. */
static doc_arg_type default_type(const char *name) {
    static const char *keys[] = {"key", "key1", "key2", "newkey", "source", "destination", "src", "dst", NULL};
    static const char *ints[] = {"seconds", "milliseconds", "count", "cursor", "numkeys", "index", "index1",
                                 "index2", "start", "stop", "end", "offset", "db", "destination-db", "timeout",
                                 "client-id", "rank", "num-matches", "len", "limit", "increment", "decrement",
                                 "weight", NULL};
    for (int i = 0; keys[i]; i++)
        if (!strcmp(name, keys[i])) return DOC_ARG_KEY;
    for (int i = 0; ints[i]; i++)
        if (!strcmp(name, ints[i])) return DOC_ARG_INTEGER;
    if (!strcmp(name, "pattern")) return DOC_ARG_PATTERN;
    if (!strcmp(name, "score")) return DOC_ARG_DOUBLE;
    if (!strncmp(name, "unix-time", 9)) return DOC_ARG_UNIX_TIME;
    return DOC_ARG_STRING;
}

/* A list of nodes under construction, each with the span of the syntax text
 * it came from (to recognise "x [x ...]"). */
typedef struct {
    doc_arg *a;
    size_t *start, *end;
    int n, cap;
} nodelist;

static void nl_push(nodelist *l, doc_arg a, size_t start, size_t end) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->a = realloc(l->a, sizeof(*l->a) * l->cap);
        l->start = realloc(l->start, sizeof(*l->start) * l->cap);
        l->end = realloc(l->end, sizeof(*l->end) * l->cap);
    }
    l->a[l->n] = a;
    l->start[l->n] = start;
    l->end[l->n] = end;
    l->n++;
}

static void nl_free(nodelist *l) {
    doc_args_free(l->a, l->n);
    free(l->start);
    free(l->end);
    memset(l, 0, sizeof(*l));
}

/* Move the nodes [from, n) out of l into a new array. */
static doc_arg *nl_cut(nodelist *l, int from, int *count) {
    *count = l->n - from;
    doc_arg *out = malloc(sizeof(*out) * (*count ? *count : 1));
    memcpy(out, l->a + from, sizeof(*out) * *count);
    l->n = from;
    return out;
}

/* ---------------------------------------------------------------------------
 * Parser
 * ------------------------------------------------------------------------ */

typedef struct {
    const char *s;
    size_t pos;
    char *err;
    size_t errcap;
    int failed;
} parser;

static void perr(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(parser *p, const char *fmt, ...) {
    if (p->failed) return;
    p->failed = 1;
    if (!p->err || !p->errcap) return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errcap, "%s at offset %zu of \"%s\"", msg, p->pos, p->s);
}

static void skip_space(parser *p) {
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t') p->pos++;
}

static int is_special(char ch) { return ch == '[' || ch == ']' || ch == '<' || ch == '>' || ch == '|'; }

static int parse_alternatives(parser *p, char closer, nodelist *alts, int *repeat);

/* A one-item-or-more sequence (a bracket's content or one alternative) as
 * one argument. */
static doc_arg fold_sequence(nodelist *seq) {
    doc_arg r = {0};
    if (seq->n == 1) {
        r = seq->a[0];
        seq->n = 0;
        return r;
    }
    doc_arg *first = &seq->a[0];
    if (first->flags & DOC_ARG_BARE) {
        char *token = first->token;
        first->token = NULL;
        arg_clear(first);
        if (seq->n == 2 && seq->a[1].type != DOC_ARG_PURE_TOKEN && !seq->a[1].token) {
            /* TOKEN arg: the argument, with its token */
            r = seq->a[1];
            r.token = token;
            seq->n = 0;
            return r;
        }
        /* TOKEN a b ...: a block with a token */
        int n;
        doc_arg *rest = nl_cut(seq, 1, &n);
        seq->n = 0; /* a[0] was cleared above */
        r.type = DOC_ARG_BLOCK;
        r.token = token;
        r.args = malloc(sizeof(*r.args) * n);
        memcpy(r.args, rest, sizeof(*r.args) * n);
        r.nargs = n;
        free(rest);
        return r;
    }
    r.type = DOC_ARG_BLOCK;
    r.args = nl_cut(seq, 0, &r.nargs);
    return r;
}

/* Fuse "TOKEN arg" pairs of a top-level sequence. */
static void fuse_tokens(nodelist *seq) {
    int w = 0;
    for (int i = 0; i < seq->n; i++) {
        doc_arg a = seq->a[i];
        if ((a.flags & DOC_ARG_BARE) && i + 1 < seq->n && seq->a[i + 1].type != DOC_ARG_PURE_TOKEN &&
            !seq->a[i + 1].token) {
            doc_arg next = seq->a[i + 1];
            next.token = a.token;
            a.token = NULL;
            arg_clear(&a);
            seq->a[w] = next;
            seq->start[w] = seq->start[i];
            seq->end[w] = seq->end[i + 1];
            w++;
            i++;
            continue;
        }
        seq->a[w] = a;
        seq->start[w] = seq->start[i];
        seq->end[w] = seq->end[i];
        w++;
    }
    seq->n = w;
}

/* "... x [x ...]": the repetition's content (rep, spanning [rs, re)) must
 * repeat the last rep->n items of seq. */
static void apply_repeat(parser *p, nodelist *seq, nodelist *rep, size_t rs, size_t re, size_t close) {
    int n = rep->n;
    if (n == 0 || n > seq->n) {
        perr(p, "'...' repeats nothing");
        return;
    }
    int k = seq->n - n;
    size_t ps = seq->start[k], pe = seq->end[seq->n - 1];
    if (pe - ps != re - rs || memcmp(p->s + ps, p->s + rs, re - rs) != 0) {
        perr(p, "'[%.*s ...]' does not repeat what precedes it", (int)(re - rs), p->s + rs);
        return;
    }
    if (n == 1) {
        seq->a[k].flags |= DOC_ARG_MULTIPLE;
        seq->a[k].flags &= ~DOC_ARG_BARE;
        seq->end[k] = close;
        return;
    }
    doc_arg r = {0};
    int m;
    doc_arg *items = nl_cut(seq, k, &m);
    if ((items[0].flags & DOC_ARG_BARE) && m == 2 && items[1].type != DOC_ARG_PURE_TOKEN && !items[1].token) {
        r = items[1];
        r.token = items[0].token;
        items[0].token = NULL;
        arg_clear(&items[0]);
        r.flags |= DOC_ARG_MULTIPLE | DOC_ARG_MULTIPLE_TOKEN;
        free(items);
    } else if (items[0].flags & DOC_ARG_BARE) {
        r.type = DOC_ARG_BLOCK;
        r.token = items[0].token;
        items[0].token = NULL;
        arg_clear(&items[0]);
        r.args = malloc(sizeof(*r.args) * (m - 1));
        memcpy(r.args, items + 1, sizeof(*r.args) * (m - 1));
        r.nargs = m - 1;
        r.flags = DOC_ARG_MULTIPLE | DOC_ARG_MULTIPLE_TOKEN;
        free(items);
    } else {
        r.type = DOC_ARG_BLOCK;
        r.args = items;
        r.nargs = m;
        r.flags = DOC_ARG_MULTIPLE;
    }
    nl_push(seq, r, ps, close);
}

/* Parse items until closer (or '|' inside a group, or the end of the string
 * when closer is 0). *ellipsis is set when the sequence ended with "...". */
static void parse_sequence(parser *p, char closer, nodelist *seq, int *ellipsis) {
    *ellipsis = 0;
    for (;;) {
        skip_space(p);
        char ch = p->s[p->pos];
        if (ch == 0) {
            if (closer) perr(p, "missing '%c'", closer);
            return;
        }
        if (ch == ']' || ch == '>') {
            if (ch != closer) perr(p, "unexpected '%c'", ch);
            return;
        }
        if (ch == '|') {
            if (!closer) perr(p, "'|' outside brackets");
            return;
        }
        if (*ellipsis) {
            perr(p, "'...' must end its bracket");
            return;
        }
        size_t start = p->pos;
        if (ch == '[' || ch == '<') {
            char close = ch == '[' ? ']' : '>';
            p->pos++;
            nodelist alts = {0};
            int repeat = 0;
            size_t inner = p->pos;
            if (parse_alternatives(p, close, &alts, &repeat) < 0) {
                nl_free(&alts);
                return;
            }
            size_t inner_end = p->pos; /* at the closer */
            p->pos++;
            if (repeat) {
                /* alts holds the repeated items (one alternative, unfolded) */
                size_t re = inner_end;
                while (re > inner && p->s[re - 1] == ' ') re--;
                re -= 3; /* "..." */
                while (re > inner && p->s[re - 1] == ' ') re--;
                while (p->s[inner] == ' ') inner++;
                apply_repeat(p, seq, &alts, inner, re, p->pos);
                nl_free(&alts);
                if (p->failed) return;
                continue;
            }
            doc_arg g;
            if (alts.n == 1) {
                g = alts.a[0];
                alts.n = 0;
            } else {
                memset(&g, 0, sizeof(g));
                g.type = DOC_ARG_ONEOF;
                g.args = nl_cut(&alts, 0, &g.nargs);
            }
            nl_free(&alts);
            g.flags &= ~DOC_ARG_BARE;
            if (ch == '[') {
                if (g.flags & DOC_ARG_OPTIONAL) {
                    perr(p, "'[[...]]' nests optional brackets");
                    arg_clear(&g);
                    return;
                }
                g.flags |= DOC_ARG_OPTIONAL;
            }
            nl_push(seq, g, start, p->pos);
            continue;
        }
        while (p->s[p->pos] && p->s[p->pos] != ' ' && p->s[p->pos] != '\t' && !is_special(p->s[p->pos])) p->pos++;
        size_t len = p->pos - start;
        if (len == 3 && !memcmp(p->s + start, "...", 3)) {
            *ellipsis = 1;
            continue;
        }
        doc_arg a = {0};
        if (is_token_word(p->s + start, len)) {
            a.type = DOC_ARG_PURE_TOKEN;
            a.token = strndup(p->s + start, len);
            a.name = strndup(p->s + start, len);
            for (char *q = a.name; *q; q++) *q = (char)tolower((unsigned char)*q);
            a.flags = DOC_ARG_BARE;
        } else {
            a.name = strndup(p->s + start, len);
            a.type = default_type(a.name);
        }
        nl_push(seq, a, start, p->pos);
    }
}

/* Parse "alt | alt | ..." up to closer (p->pos is left on it). Each
 * alternative is folded into one argument, except for a repetition
 * ("x ...]"), whose items are returned as they are with *repeat set. */
static int parse_alternatives(parser *p, char closer, nodelist *alts, int *repeat) {
    *repeat = 0;
    for (;;) {
        nodelist seq = {0};
        int ellipsis = 0;
        size_t start = p->pos;
        parse_sequence(p, closer, &seq, &ellipsis);
        if (p->failed) {
            nl_free(&seq);
            return -1;
        }
        if (ellipsis) {
            if (alts->n || p->s[p->pos] != closer || closer != ']') {
                perr(p, "'...' must be alone in a [...] repetition");
                nl_free(&seq);
                return -1;
            }
            *alts = seq;
            *repeat = 1;
            return 0;
        }
        if (seq.n == 0) {
            perr(p, "empty alternative");
            nl_free(&seq);
            return -1;
        }
        doc_arg a = fold_sequence(&seq);
        nl_free(&seq);
        a.flags &= ~DOC_ARG_BARE;
        nl_push(alts, a, start, p->pos);
        if (p->s[p->pos] == '|') {
            p->pos++;
            continue;
        }
        return 0;
    }
}

/* ---- naming and typing, after parsing ---- */

typedef struct {
    const char *groups; /* the row's group names, consumed in pre-order */
    const char *notes;
} annotations;

/* Next space-separated word of *s into buf; 0 at the end. */
static int next_word(const char **s, char *buf, size_t cap) {
    const char *p = *s;
    if (!p) return 0;
    while (*p == ' ') p++;
    if (!*p) return 0;
    size_t n = 0;
    while (p[n] && p[n] != ' ') n++;
    snprintf(buf, cap, "%.*s", (int)n, p);
    *s = p + n;
    return 1;
}

static void annotate(doc_arg *a, annotations *an) {
    char word[128];
    a->flags &= ~DOC_ARG_BARE;
    if (is_group(a)) {
        int named = 0;
        if (next_word(&an->groups, word, sizeof(word)) && strcmp(word, "-") != 0) {
            free(a->name);
            a->name = strdup(word);
            named = 1;
        }
        for (int i = 0; i < a->nargs; i++) annotate(&a->args[i], an);
        if (!named) {
            sbuf b = {0};
            for (int i = 0; i < a->nargs; i++) {
                if (i) sb_add(&b, "_");
                sb_add(&b, a->args[i].name);
            }
            free(a->name);
            a->name = sb_take(&b);
        }
        return;
    }
    const char *notes = an->notes;
    while (next_word(&notes, word, sizeof(word))) {
        /* the last '=': a token may itself be "=" ("==equal") */
        char *colon = strchr(word, ':'), *eq = strrchr(word, '=');
        if (colon && a->type != DOC_ARG_PURE_TOKEN) {
            *colon = 0;
            if (strcmp(word, a->name) != 0) continue;
            for (int t = DOC_ARG_STRING; t <= DOC_ARG_UNIX_TIME; t++)
                if (!strcmp(colon + 1, doc_arg_type_name((doc_arg_type)t))) a->type = (doc_arg_type)t;
        } else if (eq && a->type == DOC_ARG_PURE_TOKEN) {
            *eq = 0;
            if (strcmp(word, a->token) != 0) continue;
            free(a->name);
            a->name = strdup(eq + 1);
        }
    }
}

int doc_parse(const char *syntax, const char *groups, const char *notes, doc_arg **out, int *nout, char *err,
              size_t errcap) {
    parser p = {syntax ? syntax : "", 0, err, errcap, 0};
    nodelist seq = {0};
    int ellipsis = 0;
    *out = NULL;
    *nout = 0;
    if (err && errcap) err[0] = 0;
    parse_sequence(&p, 0, &seq, &ellipsis);
    if (!p.failed && ellipsis) perr(&p, "'...' outside brackets");
    if (p.failed) {
        nl_free(&seq);
        return -1;
    }
    fuse_tokens(&seq);
    annotations an = {groups, notes};
    for (int i = 0; i < seq.n; i++) {
        seq.a[i].flags &= ~DOC_ARG_BARE;
        annotate(&seq.a[i], &an);
    }
    char extra[128];
    if (next_word(&an.groups, extra, sizeof(extra))) {
        if (err && errcap) snprintf(err, errcap, "more group names than groups (\"%s\") in \"%s\"", extra, p.s);
        nl_free(&seq);
        return -1;
    }
    if (seq.n == 0) {
        nl_free(&seq);
        return 0;
    }
    *out = nl_cut(&seq, 0, nout);
    nl_free(&seq);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Rendering: back to the docs' syntax, and redis-cli's hint
 * ------------------------------------------------------------------------ */

static void render_syntax(sbuf *b, const doc_arg *a) {
    sbuf body = {0};
    int optional = (a->flags & DOC_ARG_OPTIONAL) != 0;
    if (a->type == DOC_ARG_PURE_TOKEN) {
        sb_add(&body, a->token);
    } else {
        if (a->token) {
            sb_add(&body, a->token);
            sb_add(&body, " ");
        }
        size_t after_token = body.len;
        /* A required block that is not a plain sequence (it has a token, as
         * XREAD's STREAMS, or opens with a oneof, as XTRIM's trim) is
         * written <...>, so it parses back as one block. */
        int angled = a->type == DOC_ARG_BLOCK && !optional && !(a->flags & DOC_ARG_MULTIPLE) && a->nargs > 0 &&
                     (a->token || a->args[0].type == DOC_ARG_ONEOF);
        if (angled) {
            body.len = 0;
            if (body.p) body.p[0] = 0;
            sb_add(&body, "<");
            if (a->token) {
                sb_add(&body, a->token);
                sb_add(&body, " ");
            }
            after_token = body.len;
        }
        if (a->type == DOC_ARG_ONEOF && (!optional || a->token)) sb_add(&body, "<");
        if (is_group(a)) {
            for (int i = 0; i < a->nargs; i++) {
                if (i) sb_add(&body, a->type == DOC_ARG_ONEOF ? " | " : " ");
                render_syntax(&body, &a->args[i]);
            }
        } else {
            sb_add(&body, a->name);
        }
        if (a->type == DOC_ARG_ONEOF && (!optional || a->token)) sb_add(&body, ">");
        if (angled) sb_add(&body, ">");
        if (a->flags & DOC_ARG_MULTIPLE) {
            char *one = strdup(sb_take(&body));
            sb_add(&body, " [");
            sb_add(&body, (a->flags & DOC_ARG_MULTIPLE_TOKEN) ? one : one + after_token);
            sb_add(&body, " ...]");
            free(one);
        }
    }
    if (optional) sb_add(b, "[");
    sb_add(b, sb_take(&body));
    if (optional) sb_add(b, "]");
    free(body.p);
}

char *doc_render_syntax(const doc_arg *args, int n) {
    sbuf b = {0};
    for (int i = 0; i < n; i++) {
        if (i) sb_add(&b, " ");
        render_syntax(&b, &args[i]);
    }
    return sb_take(&b);
}

/* As redis-cli 7.0 does it (cliAddArgument / cliConcatArguments). */
static void render_hint(sbuf *b, const doc_arg *a) {
    sbuf tok = {0}, rep = {0};
    if (a->token) sb_add(&tok, a->token[0] ? a->token : "\"\"");
    if (a->type == DOC_ARG_ONEOF || a->type == DOC_ARG_BLOCK) {
        for (int i = 0; i < a->nargs; i++) {
            if (i) sb_add(&rep, a->type == DOC_ARG_ONEOF ? "|" : " ");
            render_hint(&rep, &a->args[i]);
        }
    } else if (a->type != DOC_ARG_PURE_TOKEN) {
        sb_add(&rep, a->name[0] ? a->name : "\"\"");
    }
    if (tok.len && a->type != DOC_ARG_PURE_TOKEN) sb_add(&tok, " ");
    sb_take(&tok);
    sb_take(&rep);
    if (a->flags & DOC_ARG_OPTIONAL) sb_add(b, "[");
    sb_add(b, tok.p);
    sb_add(b, rep.p);
    if (a->flags & DOC_ARG_MULTIPLE) {
        sb_add(b, " [");
        if (a->flags & DOC_ARG_MULTIPLE_TOKEN) sb_add(b, tok.p);
        sb_add(b, rep.p);
        sb_add(b, " ...]");
    }
    if (a->flags & DOC_ARG_OPTIONAL) sb_add(b, "]");
    free(tok.p);
    free(rep.p);
}

char *doc_render_hint(const doc_arg *args, int n) {
    sbuf b = {0};
    for (int i = 0; i < n; i++) {
        if (i) sb_add(&b, " ");
        render_hint(&b, &args[i]);
    }
    return sb_take(&b);
}

/* ---------------------------------------------------------------------------
 * Parsed once, on first use
 * ------------------------------------------------------------------------ */

static struct parsed_doc {
    doc_arg *args;
    int nargs;
} *parsed;

static void parse_all(void) {
    int n = command_doc_count();
    parsed = calloc((size_t)n, sizeof(*parsed));
    for (int i = 0; i < n; i++) {
        char err[256];
        const command_doc *d = &docs_table[i];
        if (doc_parse(d->syntax, d->groups, d->notes, &parsed[i].args, &parsed[i].nargs, err, sizeof(err)) < 0)
            server_log(LOG_WARNING, "COMMAND DOCS: bad syntax for '%s': %s", d->name, err);
    }
}

const doc_arg *command_doc_args(const char *name, int *n) {
    *n = 0;
    int i = doc_index(name);
    if (i < 0) return NULL;
    if (!parsed) parse_all();
    *n = parsed[i].nargs;
    return parsed[i].nargs ? parsed[i].args : NULL;
}

/* ---------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

static void reply_doc_arg(client *c, const doc_arg *a) {
    int flags = a->flags & (DOC_ARG_OPTIONAL | DOC_ARG_MULTIPLE | DOC_ARG_MULTIPLE_TOKEN);
    reply_map_len(c, 2 + (a->token != NULL) + (flags != 0) + (a->nargs > 0));
    reply_bulk_cstr(c, "name");
    reply_bulk_cstr(c, a->name);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, doc_arg_type_name(a->type));
    if (a->token) {
        reply_bulk_cstr(c, "token");
        reply_bulk_cstr(c, a->token);
    }
    if (flags) {
        reply_bulk_cstr(c, "flags");
        reply_set_len(c, __builtin_popcount((unsigned)flags)); /* a set in RESP3, as Redis's */
        if (flags & DOC_ARG_OPTIONAL) reply_status(c, "optional");
        if (flags & DOC_ARG_MULTIPLE) reply_status(c, "multiple");
        if (flags & DOC_ARG_MULTIPLE_TOKEN) reply_status(c, "multiple_token");
    }
    if (a->nargs > 0) {
        reply_bulk_cstr(c, "arguments");
        reply_doc_args(c, a->args, a->nargs);
    }
}

void reply_doc_args(client *c, const doc_arg *args, int n) {
    reply_array_len(c, n);
    for (int i = 0; i < n; i++) reply_doc_arg(c, &args[i]);
}

/* Rows "parent|sub" (case-insensitive parent). */
static int is_subcommand_of(const command_doc *d, const char *parent) {
    size_t n = strlen(parent);
    return strncasecmp(d->name, parent, n) == 0 && d->name[n] == '|';
}

int command_doc_subcommand_count(const char *parent) {
    int count = 0;
    for (int i = 0; i < command_doc_count(); i++) count += is_subcommand_of(&docs_table[i], parent);
    return count;
}

void reply_doc_subcommands(client *c, const char *parent, const char *group) {
    reply_map_len(c, command_doc_subcommand_count(parent));
    for (int i = 0; i < command_doc_count(); i++) {
        const command_doc *d = &docs_table[i];
        if (!is_subcommand_of(d, parent)) continue;
        int nargs;
        const doc_arg *args = command_doc_args(d->name, &nargs);
        reply_bulk_cstr(c, d->name);
        reply_map_len(c, 3 + (args != NULL));
        reply_bulk_cstr(c, "summary");
        reply_bulk_cstr(c, d->summary ? d->summary : "");
        reply_bulk_cstr(c, "since");
        reply_bulk_cstr(c, d->since ? d->since : "");
        reply_bulk_cstr(c, "group");
        reply_bulk_cstr(c, group);
        if (args) {
            reply_bulk_cstr(c, "arguments");
            reply_doc_args(c, args, nargs);
        }
    }
}
