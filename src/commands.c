/* commands.c - the command table, dispatch, and argument helpers.
 *
 * Every command strata implements has one row here; a command not in the
 * table answers Redis's "unknown command" error. Arity follows Redis's
 * convention (N exact, -N at least N, counting the command name), and the
 * key positions and flags are what COMMAND INFO reports.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define W CMD_WRITE
#define R CMD_READONLY
#define F CMD_FAST
#define M CMD_DENYOOM
#define A CMD_ADMIN
#define S CMD_STALE
#define L CMD_LOADING
#define NS CMD_NOSCRIPT

static command table[] = {
    /* strings (t_string.c) */
    {"get", getCommand, 2, R | F, 1, 1, 1, "string", "1.0.0", "Returns the string value of a key.", "read string fast"},
    {"set", setCommand, -3, W | M, 1, 1, 1, "string", "1.0.0", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", "write string slow"},
    {"setnx", setnxCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Set the string value of a key only when the key doesn't exist.", "write string fast"},
    {"setex", setexCommand, 4, W | M, 1, 1, 1, "string", "2.0.0", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", "write string slow"},
    {"psetex", psetexCommand, 4, W | M, 1, 1, 1, "string", "2.6.0", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", "write string slow"},
    {"getset", getsetCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Returns the previous string value of a key after setting it to a new value.", "write string fast"},
    {"getdel", getdelCommand, 2, W | F, 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after deleting the key.", "write string fast"},
    {"getex", getexCommand, -2, W | F, 1, 1, 1, "string", "6.2.0", "Returns the string value of a key after setting its expiration time.", "write string fast"},
    {"mget", mgetCommand, -2, R | F, 1, -1, 1, "string", "1.0.0", "Atomically returns the string values of one or more keys.", "read string fast"},
    {"mset", msetCommand, -3, W | M, 1, -1, 2, "string", "1.0.1", "Atomically creates or modifies the string values of one or more keys.", "write string slow"},
    {"msetnx", msetnxCommand, -3, W | M, 1, -1, 2, "string", "1.0.1", "Atomically modifies the string values of one or more keys only when all keys don't exist.", "write string slow"},
    {"append", appendCommand, 3, W | M | F, 1, 1, 1, "string", "2.0.0", "Appends a string to the value of a key. Creates the key if it doesn't exist.", "write string fast"},
    {"strlen", strlenCommand, 2, R | F, 1, 1, 1, "string", "2.2.0", "Returns the length of a string value.", "read string fast"},
    {"incr", incrCommand, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"decr", decrCommand, 2, W | M | F, 1, 1, 1, "string", "1.0.0", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"incrby", incrbyCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"decrby", decrbyCommand, 3, W | M | F, 1, 1, 1, "string", "1.0.0", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"incrbyfloat", incrbyfloatCommand, 3, W | M | F, 1, 1, 1, "string", "2.6.0", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", "write string fast"},
    {"getrange", getrangeCommand, 4, R, 1, 1, 1, "string", "2.4.0", "Returns a substring of the string stored at a key.", "read string slow"},
    {"substr", getrangeCommand, 4, R, 1, 1, 1, "string", "1.0.0", "Returns a substring from a string value.", "read string slow"},
    {"setrange", setrangeCommand, 4, W | M, 1, 1, 1, "string", "2.2.0", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", "write string slow"},
    {"lcs", lcsCommand, -3, R, 1, 2, 1, "string", "7.0.0", "Finds the longest common substring.", "read string slow"},
    /* hashes (t_hash.c) */
    /* end of hashes */
    /* sets (t_set.c) */
    /* end of sets */
    /* sorted sets (t_zset.c) */
    /* end of sorted sets */
    /* lists (t_list.c) */
    /* end of lists */
    /* keyspace (db.c) */
    {"del", delCommand, -2, W, 1, -1, 1, "generic", "1.0.0", "Deletes one or more keys.", "keyspace write slow"},
    {"unlink", unlinkCommand, -2, W | F, 1, -1, 1, "generic", "4.0.0", "Asynchronously deletes one or more keys.", "keyspace write fast"},
    {"exists", existsCommand, -2, R | F, 1, -1, 1, "generic", "1.0.0", "Determines whether one or more keys exist.", "keyspace read fast"},
    {"type", typeCommand, 2, R | F, 1, 1, 1, "generic", "1.0.0", "Determines the type of value stored at a key.", "keyspace read fast"},
    {"rename", renameCommand, 3, W, 1, 2, 1, "generic", "1.0.0", "Renames a key and overwrites the destination.", "keyspace write slow"},
    {"renamenx", renamenxCommand, 3, W | F, 1, 2, 1, "generic", "1.0.0", "Renames a key only when the target key name doesn't exist.", "keyspace write fast"},
    {"copy", copyCommand, -3, W | M, 1, 2, 1, "generic", "6.2.0", "Copies the value of a key to a new key.", "keyspace write slow"},
    {"move", moveCommand, 3, W | F, 1, 1, 1, "generic", "1.0.0", "Moves a key to another database.", "keyspace write fast"},
    {"keys", keysCommand, 2, R, 0, 0, 0, "generic", "1.0.0", "Returns all key names that match a pattern.", "keyspace read slow dangerous"},
    {"scan", scanCommand, -2, R, 0, 0, 0, "generic", "2.8.0", "Iterates over the key names in the database.", "keyspace read slow"},
    {"randomkey", randomkeyCommand, 1, R, 0, 0, 0, "generic", "1.0.0", "Returns a random key name from the database.", "keyspace read slow"},
    {"touch", touchCommand, -2, R | F, 1, -1, 1, "generic", "3.2.1", "Returns the number of existing keys out of those specified after updating the time they were last accessed.", "keyspace read fast"},
    {"expire", expireCommand, -3, W | F, 1, 1, 1, "generic", "1.0.0", "Sets the expiration time of a key in seconds.", "keyspace write fast"},
    {"pexpire", pexpireCommand, -3, W | F, 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key in milliseconds.", "keyspace write fast"},
    {"expireat", expireatCommand, -3, W | F, 1, 1, 1, "generic", "1.2.0", "Sets the expiration time of a key to a Unix timestamp.", "keyspace write fast"},
    {"pexpireat", pexpireatCommand, -3, W | F, 1, 1, 1, "generic", "2.6.0", "Sets the expiration time of a key to a Unix milliseconds timestamp.", "keyspace write fast"},
    {"ttl", ttlCommand, 2, R | F, 1, 1, 1, "generic", "1.0.0", "Returns the expiration time in seconds of a key.", "keyspace read fast"},
    {"pttl", pttlCommand, 2, R | F, 1, 1, 1, "generic", "2.6.0", "Returns the expiration time in milliseconds of a key.", "keyspace read fast"},
    {"expiretime", expiretimeCommand, 2, R | F, 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix timestamp.", "keyspace read fast"},
    {"pexpiretime", pexpiretimeCommand, 2, R | F, 1, 1, 1, "generic", "7.0.0", "Returns the expiration time of a key as a Unix milliseconds timestamp.", "keyspace read fast"},
    {"persist", persistCommand, 2, W | F, 1, 1, 1, "generic", "2.2.0", "Removes the expiration time of a key.", "keyspace write fast"},
    {"object", objectCommand, -2, R, 2, 2, 1, "generic", "2.2.3", "A container for object introspection commands.", "keyspace read slow"},
    {"select", selectCommand, 2, L | S | F, 0, 0, 0, "connection", "1.0.0", "Changes the selected database.", "fast connection"},
    {"dbsize", dbsizeCommand, 1, R | F, 0, 0, 0, "server", "1.0.0", "Returns the number of keys in the database.", "keyspace read fast"},
    {"flushdb", flushdbCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from the current database.", "keyspace write slow dangerous"},
    {"flushall", flushallCommand, -1, W, 0, 0, 0, "server", "1.0.0", "Removes all keys from all databases.", "keyspace write slow dangerous"},
    {"swapdb", swapdbCommand, 3, W | F, 0, 0, 0, "server", "4.0.0", "Swaps two Redis databases.", "keyspace write fast dangerous"},
    /* connection and server (cmd_server.c) */
    {"ping", pingCommand, -1, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the server's liveliness response.", "fast connection"},
    {"echo", echoCommand, 2, F | S | L, 0, 0, 0, "connection", "1.0.0", "Returns the given string.", "fast connection"},
    {"quit", quitCommand, -1, F | S | L | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Closes the connection.", "fast connection"},
    {"time", timeCommand, 1, F | S | L, 0, 0, 0, "server", "2.6.0", "Returns the server time.", "fast"},
    {"info", infoCommand, -1, S | L, 0, 0, 0, "server", "1.0.0", "Returns information and statistics about the server.", "slow dangerous"},
    {"shutdown", shutdownCommand, -1, A | NS | L | S, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk and shuts down the Redis server.", "admin slow dangerous"},
    {"command", commandCommand, -1, S | L, 0, 0, 0, "server", "2.8.13", "Returns detailed information about all commands.", "slow connection"},
    {"config", configCommand, -2, A | NS | L | S, 0, 0, 0, "server", "2.0.0", "A container for server configuration commands.", "admin slow dangerous"},
    {"client", clientCommand, -2, NS | L | S, 0, 0, 0, "connection", "2.4.0", "A container for client connection commands.", "slow connection"},
    {"auth", authCommand, -2, NS | L | S | F | CMD_NOAUTH, 0, 0, 0, "connection", "1.0.0", "Authenticates the connection.", "fast connection"},
    {"save", saveCommand, 1, A | NS, 0, 0, 0, "server", "1.0.0", "Synchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"bgsave", bgsaveCommand, -1, A | NS, 0, 0, 0, "server", "1.0.0", "Asynchronously saves the database(s) to disk.", "admin slow dangerous"},
    {"lastsave", lastsaveCommand, 1, F | L | S, 0, 0, 0, "server", "1.0.0", "Returns the Unix timestamp of the last successful save to disk.", "fast admin dangerous"},
};

#undef W
#undef R
#undef F
#undef M
#undef A
#undef S
#undef L
#undef NS

int command_count(void) { return (int)(sizeof(table) / sizeof(table[0])); }

const command *command_at(int i) { return &table[i]; }

const command *command_lookup(const char *name, size_t len) {
    /* Linear over ~60 names is a few hundred ns; a hash table can come with
     * the next hundred commands. */
    for (int i = 0; i < command_count(); i++) {
        if (strlen(table[i].name) == len && strncasecmp(table[i].name, name, len) == 0) return &table[i];
    }
    return NULL;
}

/* ---------------------------------------------------------------------------
 * Dispatch
 * ------------------------------------------------------------------------ */

/* Redis's text: the name (cut at 128 bytes) and the first arguments quoted,
 * up to about 128 bytes of them. */
static void reply_unknown_command(client *c) {
    char args[512];
    size_t len = 0;
    args[0] = 0;
    for (int i = 1; i < c->argc && len < 128; i++) {
        int room = 128 - (int)len;
        int n = snprintf(args + len, sizeof(args) - len, "'%.*s' ", room, c->argv[i].ptr);
        if (n < 0) break;
        len += (size_t)n < sizeof(args) - len ? (size_t)n : sizeof(args) - len - 1;
    }
    reply_errorf(c, "ERR unknown command '%.128s', with args beginning with: %s", c->argv[0].ptr, args);
}

void command_process(client *c) {
    const command *cmd = command_lookup(c->argv[0].ptr, c->argv[0].len);
    if (!cmd) {
        reply_unknown_command(c);
        return;
    }
    if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity)) {
        reply_error_arity(c);
        return;
    }
    if (!c->authenticated && !(cmd->flags & CMD_NOAUTH)) {
        reply_error(c, "NOAUTH Authentication required.");
        return;
    }
    if (server.store_error && (cmd->flags & CMD_WRITE)) {
        reply_errorf(c, "MISCONF Errors writing to the store (%s). Commands that may modify the data set are "
                        "disabled until the disk recovers; reads keep working.", server.store_error_msg);
        return;
    }
    server_update_time();
    int before = tier_pending();
    long long start = util_ustime();
    c->lastcmd = cmd;
    cmd->proc(c);
    command *mcmd = (command *)cmd;
    mcmd->calls++;
    mcmd->usec += util_ustime() - start;
    server.stat_numcommands++;
    if (tier_pending() != before) c->flags |= CLIENT_WROTE;
}

/* ---------------------------------------------------------------------------
 * Argument helpers
 * ------------------------------------------------------------------------ */

int arg_longlong(client *c, int i, long long *out, const char *err) {
    if (util_str2ll(c->argv[i].ptr, c->argv[i].len, out)) return 0;
    reply_error(c, err ? err : ERR_NOT_INTEGER);
    return -1;
}

int arg_double(client *c, int i, double *out, const char *err) {
    if (util_str2d(c->argv[i].ptr, c->argv[i].len, out)) return 0;
    reply_error(c, err ? err : ERR_NOT_FLOAT);
    return -1;
}

int arg_is(client *c, int i, const char *word) {
    return i < c->argc && strlen(word) == c->argv[i].len && strcasecmp(c->argv[i].ptr, word) == 0;
}
