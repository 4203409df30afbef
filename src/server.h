/* server.h - the server's shared state: clients, the command table, reply
 * helpers and the shared error strings.
 *
 * One event-loop thread runs everything here. A turn of the loop reads from
 * ready clients and runs their commands; at the end of the turn the turn's
 * writes are committed to the store and only then are replies written to the
 * sockets (see server.c, server_end_of_turn). So no reply ever reveals a
 * write that is not in the store.
 */
#ifndef STRATA_SERVER_H
#define STRATA_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "config.h"
#include "keyspace.h"
#include "resp.h"

#define STRATA_VERSION "7.0.15"      /* the Redis version we answer as */
#define STRATA_OWN_VERSION "0.1.0"
#define PROTO_IOBUF_LEN (16 * 1024)
#define PROTO_INLINE_MAX_SIZE (64 * 1024)

/* Client flags. */
#define CLIENT_CLOSE_AFTER_REPLY (1 << 0) /* close once the output is written */
#define CLIENT_CLOSE_ASAP (1 << 1)        /* close at the end of this turn */
#define CLIENT_PENDING_WRITE (1 << 2)     /* on server.pending_writes */
#define CLIENT_UNIX_SOCKET (1 << 3)
#define CLIENT_WROTE (1 << 4)             /* wrote to the store this turn */
#define CLIENT_PUBSUB (1 << 5)            /* has (P|S)SUBSCRIBE subscriptions (pubsub.c) */
#define CLIENT_MULTI (1 << 6)             /* between MULTI and EXEC/DISCARD (multi.c) */
#define CLIENT_DENY_BLOCKING (1 << 7)     /* a blocking command must not block (inside EXEC) */
#define CLIENT_BLOCKED (1 << 8)           /* parked until a key is ready or a timeout (blocking.c) */
#define CLIENT_REPLY_OFF (1 << 9)         /* CLIENT REPLY OFF: no replies at all */
#define CLIENT_REPLY_SKIP_NEXT (1 << 10)  /* CLIENT REPLY SKIP: silence the next command */
#define CLIENT_REPLY_SKIP (1 << 11)       /* the command running now is that next command */
#define CLIENT_NO_EVICT (1 << 12)         /* CLIENT NO-EVICT ON (shown as flag 'e') */
#define CLIENT_PUSHING (1 << 13)          /* a pub/sub push is being written: not silenced by CLIENT REPLY */
#define CLIENT_DIRTY_CAS (1 << 14)        /* a WATCHed key changed: EXEC fails (multi.c) */
#define CLIENT_DIRTY_EXEC (1 << 15)       /* a command was refused while queueing: EXECABORT (multi.c) */

struct event;
struct command;

typedef struct client {
    uint64_t id;
    int fd;
    int flags;
    struct event *rev, *wev;
    /* input */
    char *qbuf;
    size_t qlen, qcap, qpos; /* unparsed bytes are qbuf[qpos..qlen) */
    resp_parser parser;
    int argc;
    resp_arg *argv;
    /* output: obuf[osent..olen) is waiting for the socket; only bytes below
     * out_safe may go now. Under appendfsync always, bytes produced while
     * writes were not yet synced wait for their WAL sync: marks[] says up to
     * where the output needs which sync ticket (oldest first). */
    char *obuf;
    size_t olen, ocap, osent, out_safe;
    struct out_mark {
        size_t end;
        uint64_t ticket;
    } *marks;
    int nmarks, capmarks;
    long long obuf_soft_since_ms; /* output at or over the soft limit since then (0: not) */
    /* state */
    int db;
    int resp;          /* protocol version: 2, or 3 after HELLO 3 (reply.c writes accordingly) */
    int authenticated; /* passed AUTH, or no password was required at connect */
    struct acl_user *user; /* runs as this user (acl.c owns it; never NULL once connected) */
    char *name; /* CLIENT SETNAME, malloc'd or NULL */
    char addr[46 + 32], laddr[46 + 32]; /* Redis's NET_ADDR_STR_LEN: a long unix socket path is cut where Redis cuts it */
    long long ctime_ms, last_ms;
    const struct command *lastcmd;
    const char *lastcmd_name; /* CLIENT LIST's cmd=: "get", "client|info" (static strings) */
    const struct command *cmd;    /* running now (inside EXEC: the queued one); NULL between commands */
    struct pubsub_client *pubsub; /* subscriptions (pubsub.c); NULL when none */
    struct tracking_client *tracking; /* CLIENT TRACKING state (tracking.c); NULL when off */
    struct multi_client *multi;   /* MULTI queue and WATCHed keys (multi.c); NULL when none */
    struct block_state *bstate;   /* why it is parked (blocking.c); NULL when not */
    struct client *prev, *next;     /* server.clients */
    struct client *pending_next;    /* server.pending_writes */
} client;

/* Command flags. */
#define CMD_WRITE (1 << 0)
#define CMD_READONLY (1 << 1)
#define CMD_FAST (1 << 2)
#define CMD_ADMIN (1 << 3)
#define CMD_NOSCRIPT (1 << 4)
#define CMD_LOADING (1 << 5)
#define CMD_STALE (1 << 6)
#define CMD_DENYOOM (1 << 7)
#define CMD_PUBSUB (1 << 8)
#define CMD_NOAUTH (1 << 9)
#define CMD_SENTINEL (1 << 10)
#define CMD_NO_MULTI (1 << 11) /* refused inside MULTI ("Command not allowed inside a transaction") */
#define CMD_BLOCKING (1 << 12)      /* may block the client (COMMAND INFO "blocking") */
#define CMD_MAY_REPLICATE (1 << 13) /* not a write, but paused by CLIENT PAUSE WRITE (PUBLISH) */

typedef void command_proc(client *c);

typedef struct command {
    const char *name;
    command_proc *proc;
    int arity;       /* Redis convention: N exact, -N at least N */
    int flags;
    int firstkey, lastkey, keystep;
    const char *group;   /* COMMAND DOCS group: "string", "generic", ... */
    const char *since;
    const char *summary;
    const char *acl;     /* ACL categories, space-separated, without '@' */
    /* Counters for INFO commandstats. */
    long long calls, usec;
    int subcommands; /* 0: not looked up yet; 1: none; 2: a container (CONFIG, CLIENT, ...) */
} command;

typedef struct server_state {
    struct event_base *base;
    client *clients;            /* all connected clients */
    client *pending_writes;     /* clients with output to write after commit */
    client *current_client;     /* the client whose command runs now (NULL: none, e.g. the cron) */
    long nclients;
    uint64_t next_client_id;
    int shutdown_asap;
    int shutdown_nosave;
    long long start_ms;
    /* store health: when a commit fails, writes are refused until one works */
    int store_error;
    char store_error_msg[256];
    /* stats */
    long long stat_numcommands, stat_numconnections, stat_rejected_conn;
    long long stat_expiredkeys, stat_keyspace_hits, stat_keyspace_misses, stat_evictedkeys;
    long long stat_net_input_bytes, stat_net_output_bytes;
    long long stat_commits, stat_commit_usec;
    long long dirty;             /* changes since the last checkpoint (rdb_changes_since_last_save) */
    long long lastsave;          /* unix time of the last checkpoint (start time before one) */
    int lastsave_ok;             /* the last SAVE/BGSAVE worked */
    long long last_sync_ms;
    /* appendfsync always: every turn that wrote takes a ticket; the sync
     * thread syncs the WAL and publishes the last ticket it covered. */
    uint64_t write_ticket;
    int listen_fds[16];
    int nlisten;
    char *unixsocket_path;
} server_state;

extern server_state server;

/* ---- server.c ---- */
int server_start(void);             /* open store, listen, start threads */
void server_run(void);              /* the event loop, until shutdown */
void server_stop(void);
long long server_mstime(void);      /* cached per command: a command sees one "now" */
void server_update_time(void);      /* refresh that "now" (before each command) */
void server_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Called by a command that changed the store (for INFO and SAVE accounting). */
void server_dirty(client *c, long long n);

/* ---- networking.c ---- */
void client_free(client *c);
void client_close_after_reply(client *c);
void client_close_asap(client *c); /* freed at the end of the turn */
/* Put c on server.pending_writes (its output is looked at after commit). */
void client_mark_pending(client *c);
/* client-output-buffer-limit: close c (at the end of the turn) when its
 * unsent output passes its class's hard limit, or its soft limit for longer
 * than allowed. reply.c calls it as output grows. */
void client_check_output_limit(client *c);
/* Re-read client-output-buffer-limit (at start and on CONFIG SET). */
void net_load_output_limits(void);
void net_flush_pending(void);
/* Output up to what sync ticket `synced` covers may now leave. */
void net_release_synced(uint64_t synced);
/* End of turn: hold the turn's new output until ticket is synced (or
 * release it at once when ticket == 0). */
void net_hold_output(uint64_t ticket);
/* Close every client that has output waiting for a sync (the sync failed). */
void net_drop_held(void);
int net_listen(void);
void net_close_listeners(void);
int net_relisten_tcp(void);
/* One CLIENT LIST line, without its newline. The caller frees it. */
char *client_info_string(client *c);
/* c's current command is over (it was parked by blocking.c and has got its
 * reply): reset the parser and run the rest of its input. */
void client_resume(client *c);

/* ---- reply.c: append to a client's output ---- */
void reply_raw(client *c, const char *s, size_t len);
void reply_str(client *c, const char *s);            /* raw NUL-terminated protocol text */
void reply_status(client *c, const char *s);         /* +s\r\n */
void reply_error(client *c, const char *s);          /* -s\r\n ; s includes "ERR " etc. */
void reply_errorf(client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void reply_ok(client *c);
void reply_null(client *c);                          /* RESP3 _; RESP2: null bulk $-1 */
void reply_null_array(client *c);                    /* RESP3 _; RESP2: null array *-1 */
void reply_longlong(client *c, long long v);
void reply_bulk(client *c, const char *s, size_t len);
void reply_bulk_cstr(client *c, const char *s);
void reply_bulk_longlong(client *c, long long v);
void reply_array_len(client *c, long n);
void reply_map_len(client *c, long n);               /* RESP3 %n; RESP2: array of 2n */
void reply_set_len(client *c, long n);               /* RESP3 ~n; RESP2: array */
void reply_push_len(client *c, long n);              /* RESP3 >n (out-of-band); RESP2: array */
void reply_bool(client *c, int b);                   /* RESP3 #t/#f; RESP2: :1/:0 */
void reply_double(client *c, double d);              /* RESP3 ,d; RESP2: bulk string */
void reply_verbatim(client *c, const char *s, size_t len); /* RESP3 =txt:; RESP2: bulk */
void reply_error_arity(client *c);
void reply_empty_scan(client *c);                    /* [ "0", [] ] */
/* Reply with a store error (I/O failure of the engine). */
void reply_store_error(client *c);

/* Shared error texts (without the leading '-'). */
extern const char *ERR_WRONGTYPE;
extern const char *ERR_SYNTAX;
extern const char *ERR_NOT_INTEGER;
extern const char *ERR_NOT_FLOAT;
extern const char *ERR_OVERFLOW;
extern const char *ERR_NO_SUCH_KEY;
extern const char *ERR_DB_INDEX;
extern const char *ERR_SAME_OBJECT;

/* ---- commands.c ---- */
const command *command_lookup(const char *name, size_t len);
void command_process(client *c); /* run c->argv; reply; never frees c */
/* Run cmd on c->argv now (no checks) and count it in the command stats:
 * EXEC runs its queue through this. */
void command_call(client *c, const command *cmd);
/* Run c's current command again, without the checks command_process made
 * the first time (blocking.c serves a waiter this way). */
void command_reprocess(client *c);
int command_count(void);
const command *command_at(int i);

/* Key specifications (keyspecs.c, generated by tools/gen_keyspecs.py): which
 * arguments are keys and what is done with them, as Redis 7.0 says. */
#define KS_RO (1 << 0)
#define KS_RW (1 << 1)
#define KS_OW (1 << 2)
#define KS_RM (1 << 3)
#define KS_ACCESS (1 << 4)
#define KS_UPDATE (1 << 5)
#define KS_INSERT (1 << 6)
#define KS_DELETE (1 << 7)
#define KS_NOT_KEY (1 << 8)
#define KS_INCOMPLETE (1 << 9)
#define KS_VARIABLE_FLAGS (1 << 10)
enum { KS_RANGE = 0, KS_KEYNUM = 1 };
typedef struct key_spec {
    const char *name;   /* "get", or "object|encoding" for a subcommand */
    int flags;          /* KS_* */
    int index;          /* begin search: the first key's argument index */
    int kind;           /* KS_RANGE: a = lastkey, b = keystep, c = limit;
                           KS_KEYNUM: a = keynumidx, b = firstkey, c = keystep */
    int a, b, c;
} key_spec;
extern const key_spec keyspec_table[];  /* ends with a NULL name */
typedef struct subcommand_acl {
    const char *name;   /* "config|get" */
    const char *acl;    /* its ACL categories, as command.acl */
} subcommand_acl;
extern const subcommand_acl subcommand_acl_table[];

/* A key of a call: its argument index and KS_* flags. */
typedef struct key_ref {
    int pos;
    int flags;
} key_ref;
/* The keys of argv (argv[0] the command name; for a container command the
 * subcommand's keys). Returns how many; *out is malloc'd (caller frees; NULL
 * when none). Malformed counts (numkeys) give no keys: the command itself
 * reports the error. */
int command_get_keys(const command *cmd, int argc, const resp_arg *argv, key_ref **out);
/* Does the command (the subcommand argv[1] of a container) take keys at all
 * (COMMAND GETKEYS: "The command has no key arguments")? */
int command_has_keys(const command *cmd, int argc, const resp_arg *argv);

/* ---- command_docs.c: the "arguments"/"subcommands" of COMMAND DOCS ---- */
typedef enum {
    DOC_ARG_STRING, DOC_ARG_INTEGER, DOC_ARG_DOUBLE, DOC_ARG_KEY, DOC_ARG_PATTERN,
    DOC_ARG_UNIX_TIME, DOC_ARG_PURE_TOKEN, DOC_ARG_ONEOF, DOC_ARG_BLOCK
} doc_arg_type;
#define DOC_ARG_OPTIONAL (1 << 0)
#define DOC_ARG_MULTIPLE (1 << 1)
#define DOC_ARG_MULTIPLE_TOKEN (1 << 2)
typedef struct doc_arg {
    char *name;
    doc_arg_type type;
    char *token;           /* NULL when none */
    int flags;             /* DOC_ARG_OPTIONAL | ... */
    struct doc_arg *args;  /* oneof/block members */
    int nargs;
} doc_arg;
typedef struct command_doc {
    const char *name;    /* "set", or "config|get" for a subcommand */
    const char *syntax;  /* Redis docs' syntax without the name: "key value [NX | XX] ..." */
    const char *groups;  /* names of the oneof/block arguments, pre-order ("-": default) */
    const char *notes;   /* "name:type" and "TOKEN=name" adjustments */
    const char *since, *summary; /* subcommand rows only */
    int arity; /* subcommand rows only: Redis's arity, counting both names ("client|id": 2) */
} command_doc;
/* Parse a docs syntax string; 0 on success (*out NULL when no arguments),
 * -1 with a message in err. Free with doc_args_free. */
int doc_parse(const char *syntax, const char *groups, const char *notes, doc_arg **out, int *nout, char *err,
              size_t errcap);
void doc_args_free(doc_arg *args, int n);
const char *doc_arg_type_name(doc_arg_type t);
char *doc_render_syntax(const doc_arg *args, int n); /* malloc'd: docs' syntax again */
char *doc_render_hint(const doc_arg *args, int n);   /* malloc'd: what redis-cli 7.0 shows */
int command_doc_count(void);
const command_doc *command_doc_at(int i);
const command_doc *command_doc_lookup(const char *name);
/* The parsed arguments of a command ("set", "config|get"); NULL when it
 * has none or no row. Parsed once, owned by command_docs.c. */
const doc_arg *command_doc_args(const char *name, int *n);
int command_doc_subcommand_count(const char *parent);
void reply_doc_args(client *c, const doc_arg *args, int n);
void reply_doc_subcommands(client *c, const char *parent, const char *group);

/* ---- tracking.c: CLIENT TRACKING (client-side caching) ---- */
/* CLIENT TRACKING|CACHING|GETREDIR|TRACKINGINFO: 0 when argv[1] is none. */
int tracking_client_subcommand(client *c);
/* A key changed (current: the client whose command changed it, or NULL). */
void tracking_key_changed(client *current, const char *key, size_t klen);
/* FLUSHDB/FLUSHALL: every tracking client is told to drop everything. */
void tracking_flush(void);
/* After each command of c: remember the keys it read; send what it changed. */
void tracking_after_command(client *c, const command *cmd);
/* End of the event-loop turn: BCAST messages for the turn's changes. */
void tracking_end_of_turn(void);
void tracking_client_free(client *c);
void tracking_client_flags(const client *c, char **p); /* CLIENT LIST flags */
long long tracking_redirect_of(const client *c);       /* -1 when not tracking */
long tracking_client_count(void);
long long tracking_total_keys(void);
long long tracking_total_items(void);
long long tracking_total_prefixes(void);

/* ---- argument helpers (commands.c) ---- */
/* Parse argv[i] as an integer; on failure reply with err (or the standard
 * "value is not an integer" error when err is NULL) and return -1. */
int arg_longlong(client *c, int i, long long *out, const char *err);
int arg_double(client *c, int i, double *out, const char *err);
int arg_is(client *c, int i, const char *word); /* case-insensitive equality */

/* ---- command procs (one file per family) ---- */
#define DECLARE(name) void name##Command(client *c)
/* t_string.c */
DECLARE(get); DECLARE(set); DECLARE(setnx); DECLARE(setex); DECLARE(psetex); DECLARE(getset);
DECLARE(getdel); DECLARE(getex); DECLARE(mget); DECLARE(mset); DECLARE(msetnx); DECLARE(append);
DECLARE(strlen); DECLARE(incr); DECLARE(decr); DECLARE(incrby); DECLARE(decrby);
DECLARE(incrbyfloat); DECLARE(getrange); DECLARE(setrange); DECLARE(lcs);
/* t_hash.c */
DECLARE(hset); DECLARE(hsetnx); DECLARE(hmset); DECLARE(hget); DECLARE(hmget); DECLARE(hdel); DECLARE(hlen);
DECLARE(hstrlen); DECLARE(hexists); DECLARE(hkeys); DECLARE(hvals); DECLARE(hgetall); DECLARE(hincrby);
DECLARE(hincrbyfloat); DECLARE(hrandfield); DECLARE(hscan);
/* t_set.c */
DECLARE(sadd); DECLARE(srem); DECLARE(sismember); DECLARE(smismember); DECLARE(smembers); DECLARE(scard);
DECLARE(spop); DECLARE(srandmember); DECLARE(smove); DECLARE(sinter); DECLARE(sintercard); DECLARE(sinterstore);
DECLARE(sunion); DECLARE(sunionstore); DECLARE(sdiff); DECLARE(sdiffstore); DECLARE(sscan);
/* t_zset.c */
DECLARE(zadd); DECLARE(zincrby); DECLARE(zrem); DECLARE(zcard); DECLARE(zscore); DECLARE(zmscore);
DECLARE(zrank); DECLARE(zrevrank); DECLARE(zcount); DECLARE(zlexcount); DECLARE(zrange); DECLARE(zrevrange);
DECLARE(zrangestore); DECLARE(zrangebyscore); DECLARE(zrevrangebyscore); DECLARE(zrangebylex);
DECLARE(zrevrangebylex); DECLARE(zremrangebyrank); DECLARE(zremrangebyscore); DECLARE(zremrangebylex);
DECLARE(zpopmin); DECLARE(zpopmax); DECLARE(zmpop); DECLARE(zrandmember); DECLARE(zunion); DECLARE(zinter);
DECLARE(zdiff); DECLARE(zunionstore); DECLARE(zinterstore); DECLARE(zdiffstore); DECLARE(zintercard);
DECLARE(zscan); DECLARE(bzpopmin); DECLARE(bzpopmax); DECLARE(bzmpop);
/* t_list.c */
DECLARE(lpush); DECLARE(rpush); DECLARE(lpushx); DECLARE(rpushx); DECLARE(lpop); DECLARE(rpop);
DECLARE(llen); DECLARE(lindex); DECLARE(lset); DECLARE(lrange); DECLARE(ltrim); DECLARE(lrem);
DECLARE(linsert); DECLARE(lpos); DECLARE(lmove); DECLARE(rpoplpush); DECLARE(lmpop);
/* t_stream.c */
DECLARE(xadd); DECLARE(xlen); DECLARE(xrange); DECLARE(xrevrange); DECLARE(xdel); DECLARE(xtrim); DECLARE(xread);
DECLARE(xsetid); DECLARE(xgroup); DECLARE(xreadgroup); DECLARE(xack); DECLARE(xpending); DECLARE(xclaim);
DECLARE(xautoclaim); DECLARE(xinfo);
/* blocking list commands (t_list.c) */
DECLARE(blpop); DECLARE(brpop); DECLARE(blmove); DECLARE(brpoplpush); DECLARE(blmpop);
/* db.c */
DECLARE(del); DECLARE(unlink); DECLARE(exists); DECLARE(type); DECLARE(rename); DECLARE(renamenx);
DECLARE(copy); DECLARE(move); DECLARE(keys); DECLARE(scan); DECLARE(randomkey); DECLARE(touch);
DECLARE(expire); DECLARE(pexpire); DECLARE(expireat); DECLARE(pexpireat); DECLARE(ttl);
DECLARE(pttl); DECLARE(expiretime); DECLARE(pexpiretime); DECLARE(persist); DECLARE(select);
DECLARE(dbsize); DECLARE(flushdb); DECLARE(flushall); DECLARE(swapdb); DECLARE(object);
/* cmd_server.c */
DECLARE(ping); DECLARE(echo); DECLARE(quit); DECLARE(time); DECLARE(info); DECLARE(shutdown);
DECLARE(command); DECLARE(config); DECLARE(client); DECLARE(auth); DECLARE(hello);
/* acl.c (auth_check_password, shared by AUTH and HELLO ... AUTH, is in acl.h) */
DECLARE(acl);
/* persistence.c */
DECLARE(save); DECLARE(bgsave); DECLARE(lastsave);
int persistence_save(char *err, size_t errlen);
const char *persistence_checkpoint_path(char *buf, size_t cap);
/* pubsub.c */
DECLARE(subscribe); DECLARE(unsubscribe); DECLARE(psubscribe); DECLARE(punsubscribe); DECLARE(publish);
DECLARE(ssubscribe); DECLARE(sunsubscribe); DECLARE(spublish); DECLARE(pubsub);
/* Does pred hold for one of c's subscriptions (is_pattern: a PSUBSCRIBE
 * pattern)? acl.c asks when a user's channels shrink. */
int pubsub_client_any(const client *c, int (*pred)(void *ctx, int is_pattern, const char *name, size_t len),
                      void *ctx);
/* Keyspace notification: key (in logical db) had `event` ("set", "del",
 * "expired", ...) of class type (NOTIFY_*); published when
 * notify-keyspace-events enables it. Cheap when it does not. */
void notify_keyspace_event(int type, const char *event, const char *key, size_t klen, int db);
/* Drop every subscription of c (client_free calls it). */
void pubsub_client_free(client *c);
/* RESP2 subscribed mode: when cmd may not run, reply Redis's error and
 * return 1. */
int pubsub_deny_command(client *c, const struct command *cmd);
/* PING in RESP2 subscribed mode: ["pong", message]. */
void pubsub_ping(client *c);
/* For INFO and CLIENT LIST. */
long pubsub_channel_count(void);
long pubsub_pattern_count(void);
long pubsub_shard_channel_count(void);
void pubsub_client_counts(const client *c, long *sub, long *psub, long *ssub);
/* multi.c */
DECLARE(multi); DECLARE(exec); DECLARE(discard); DECLARE(watch); DECLARE(unwatch);
/* Inside MULTI, queue c->argv for EXEC (taking its buffers from the parser)
 * and answer +QUEUED. */
void multi_queue(client *c, const struct command *cmd);
/* A command was refused while c queues: EXEC will answer EXECABORT. */
void multi_flag(client *c);
/* EXEC refused before it ran (OOM, MISCONF, arity): discard the transaction
 * and answer "EXECABORT Transaction discarded because of: <err>". */
void multi_exec_abort(client *c, const char *err);
/* The union of the flags of c's queued commands (0 outside MULTI). */
int multi_queued_flags(const client *c);
/* Queued commands and the bytes they hold, for CLIENT LIST (-1 / 0 outside MULTI). */
long multi_queued_count(const client *c);
size_t multi_queued_mem(const client *c);
/* Drop the transaction and every WATCH of c (client_free calls it). */
void multi_client_free(client *c);
/* A key changed (server.c's key_changed): its watchers' EXEC will fail. */
void multi_key_changed(int db, const char *key, size_t klen);
/* Before FLUSHDB (db) / FLUSHALL (db -1) and SWAPDB (a, b): invalidate the
 * watches of keys that exist there, as Redis 7.0 does. */
void multi_touch_flush(int db);
void multi_touch_swap(int a, int b);
/* blocking.c: clients parked until a key is written, a timeout, CLIENT
 * UNBLOCK, or the end of a CLIENT PAUSE. Nothing here allocates anything
 * the caller must free; a client's parking state is freed with the client
 * (client_free calls block_client_free). */
/* What the client gets when it may not wait. A timeout (and CLIENT UNBLOCK
 * TIMEOUT) answers *-1 for every blocking command in Redis 7.0, BLMOVE
 * included; only the answer inside EXEC differs. */
#define BLOCK_REPLY_NULL_ARRAY 0 /* inside EXEC: *-1 (BLPOP, BZPOPMIN, BLMPOP, XREAD) */
#define BLOCK_REPLY_NULL_BULK 1  /* inside EXEC: $-1, as LMOVE on a missing source (BLMOVE, BRPOPLPUSH) */
/* Park c until one of the keys at argv[key_argv_indexes[0..nkeys)] (in
 * c->db) is written and then holds a value of `type` (OBJ_LIST, OBJ_ZSET,
 * OBJ_STREAM), or timeout_ms (0: forever) passes. The command then runs
 * again from the start; if it calls block_for_keys() again, the client
 * keeps its queue places and deadline. Under CLIENT_DENY_BLOCKING (inside
 * EXEC) it replies deny_reply (BLOCK_REPLY_*) at once instead. The command must have
 * replied nothing when it calls this. */
void block_for_keys(client *c, const int *key_argv_indexes, int nkeys, int type, long long timeout_ms,
                    int deny_reply);
/* The same for the nkeys keys at argv[first ..]. */
void block_for_key_range(client *c, int first, int nkeys, int type, long long timeout_ms, int deny_reply);
/* Is c's command being run again because a key it waits on was written?
 * (A rerun treats keys of another type as empty, as Redis 7.0 serves only
 * the key that became ready.) */
int block_is_rerun(const client *c);
/* A blocking command's timeout argument: seconds as a double. 0 and the
 * milliseconds in *timeout_ms, or -1 after Redis's error reply. */
int block_parse_timeout(client *c, int i, long long *timeout_ms);
/* server.c's key_changed calls this for every key a command writes. */
void block_key_changed(int db, const char *key, size_t klen);
/* SWAPDB a b: waiters on keys of either db are served if they can be. */
void block_dbs_swapped(int a, int b);
/* After each top-level command and in timer callbacks: serve ready keys,
 * run released clients' input. Reentrant calls return at once. */
void block_run_pending(void);
/* Is a CLIENT PAUSE in force? (Expiry deletes nothing meanwhile.) */
int block_paused(void);
/* CLIENT PAUSE in force for a command with these flags (for EXEC: with
 * its queue's): parks c (returns 1), or returns 0. */
int block_pause_parks(client *c, int cmd_flags);
/* CLIENT PAUSE, UNPAUSE, UNBLOCK: returns 1 if argv[1] is one of them (and
 * it ran), 0 otherwise. */
int block_client_subcommand(client *c);
void block_client_free(client *c);
long block_blocked_count(void);  /* parked clients: on keys or by a pause (INFO blocked_clients) */
long block_timeout_count(void);  /* of those, the ones with a timeout */
/* memory.c */
DECLARE(memory);
/* MEMORY STATS' startup.allocated: call once the server has started (the
 * store open, before clients). Until then it reports 0. */
void memory_note_startup(void);
/* Sample the allocated bytes for MEMORY STATS' peak.allocated (every MEMORY
 * command does; the cron may too). Returns the bytes allocated now. */
long long memory_sample_peak(void);

/* ---- t_set.c: "intset" or "hashtable", as Redis 7.0 would hold the set ---- */
const char *set_encoding(const tier_obj *o);
/* ---- t_hash.c: "listpack" or "hashtable", as Redis 7.0 would hold the hash ---- */
const char *hash_object_encoding(const tier_obj *o);

/* ---- db.c: helpers shared by the type files ---- */
/* SCAN, HSCAN, SSCAN, ZSCAN: the cursor at argv[i] and the options from
 * argv[first] on (COUNT, MATCH; TYPE only when allow_type). Reply Redis's
 * error and return -1 when malformed. pattern is NULL for "match all". */
typedef struct scan_opts {
    long long count;
    const char *pattern;
    size_t plen;
    const char *type;
} scan_opts;
int scan_parse_cursor(client *c, int i, uint64_t *out);
int scan_parse_options(client *c, int first, scan_opts *o, int allow_type);
/* Look up key for a command: replies with a store error and returns -1 on
 * I/O failure. Counts keyspace hits/misses. */
int db_lookup(client *c, const char *key, size_t klen, tier_obj *o);
/* Like db_lookup but for a read: also replies WRONGTYPE (and returns -1)
 * when the key exists with a type other than `type`. */
int db_lookup_typed(client *c, const char *key, size_t klen, int type, tier_obj *o);
/* Keyspace "keymiss" event for a read lookup that found nothing (Redis's
 * lookupKeyRead). db_lookup emits it for read-only commands; write
 * commands that read a key the way Redis reads it (SET ... GET, GETDEL,
 * COPY's source, the sources of *STORE) call it themselves. */
void db_keymiss(client *c, const char *key, size_t klen);

#endif
