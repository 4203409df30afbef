/* config.h - strata's configuration: one table of options, the parser for
 * strata.conf and command-line overrides, and CONFIG GET/SET/REWRITE.
 *
 * Every option lives in the table in config.c with its name, type, default,
 * bounds and whether CONFIG SET may change it at run time. The rest of the
 * server reads the values from the global `server_config`; an option that can
 * change at run time is read from there each time it is used, so CONFIG SET
 * needs no callback for it. Options whose change needs action (e.g. the
 * RocksDB block cache size) carry an "apply" flag in the table, and CONFIG SET
 * calls the server's hooks (config_try_apply_hook, config_apply_hook) for them.
 *
 * Ownership: strings in server_config are owned by the config module
 * (malloc'd); readers must not keep pointers across a CONFIG SET.
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include <stddef.h>

enum { LOG_DEBUG = 0, LOG_VERBOSE, LOG_NOTICE, LOG_WARNING };
enum { FSYNC_NO = 0, FSYNC_EVERYSEC, FSYNC_ALWAYS };
/* maxmemory-policy; the numbers are the hot tier's (tiering/hot.h). */
enum {
    MAXMEMORY_VOLATILE_LRU = 0,
    MAXMEMORY_VOLATILE_LFU,
    MAXMEMORY_VOLATILE_RANDOM,
    MAXMEMORY_VOLATILE_TTL,
    MAXMEMORY_ALLKEYS_LRU,
    MAXMEMORY_ALLKEYS_LFU,
    MAXMEMORY_ALLKEYS_RANDOM,
    MAXMEMORY_NO_EVICTION,
};

/* notify-keyspace-events classes (Redis's NOTIFY_* values and letters). */
#define NOTIFY_KEYSPACE (1 << 0)  /* K */
#define NOTIFY_KEYEVENT (1 << 1)  /* E */
#define NOTIFY_GENERIC (1 << 2)   /* g */
#define NOTIFY_STRING (1 << 3)    /* $ */
#define NOTIFY_LIST (1 << 4)      /* l */
#define NOTIFY_SET (1 << 5)       /* s */
#define NOTIFY_HASH (1 << 6)      /* h */
#define NOTIFY_ZSET (1 << 7)      /* z */
#define NOTIFY_EXPIRED (1 << 8)   /* x */
#define NOTIFY_EVICTED (1 << 9)   /* e */
#define NOTIFY_STREAM (1 << 10)   /* t */
#define NOTIFY_KEY_MISS (1 << 11) /* m */
#define NOTIFY_MODULE (1 << 13)   /* d */
#define NOTIFY_NEW (1 << 14)      /* n */
#define NOTIFY_ALL (NOTIFY_GENERIC | NOTIFY_STRING | NOTIFY_LIST | NOTIFY_SET | NOTIFY_HASH | NOTIFY_ZSET | \
                    NOTIFY_EXPIRED | NOTIFY_EVICTED | NOTIFY_STREAM | NOTIFY_MODULE) /* A */

/* Parse class letters ("KEA", "Kx$"): 0, or -1 on a letter Redis does not
 * know. Format them back as Redis's CONFIG GET spells them (cap >= 32). */
int config_notify_parse(const char *s, long long *out);
void config_notify_format(int flags, char *buf, size_t cap);

typedef struct strata_config {
    /* network */
    char *bind;                 /* "127.0.0.1"; space-separated list of up to 16
                                   addresses; "" = no TCP listener (Redis 7) */
    int port;                   /* 6379; 0 = no TCP listener */
    char *unixsocket;           /* "" = none */
    int unixsocketperm;         /* octal, e.g. 0700; 0 = leave umask default */
    int tcp_backlog;            /* 511 */
    int maxclients;             /* 10000; CONFIG SET accepts 1..4294967295 as
                                   Redis does, the stored value is capped at
                                   INT_MAX (the fd limit caps it far lower) */
    int timeout;                /* seconds idle before close; 0 = never */
    int tcp_keepalive;          /* 300 */
    long long proto_max_bulk_len;          /* 512mb */
    long long client_query_buffer_limit;   /* 1gb */
    /* general */
    int databases;              /* 16, 1..65536 */
    int daemonize;              /* yes/no */
    char *pidfile;              /* "" = none */
    int loglevel;               /* LOG_* ; "debug|verbose|notice|warning" */
    char *logfile;              /* "" = stdout */
    char *dir;                  /* data directory: "./strata-data" by default */
    char *requirepass;          /* "" = none: the default user's password (acl.c) */
    char *aclfile;              /* "" = none: users load from / save to this file */
    int acllog_max_len;         /* 128: ACL LOG entries kept */
    int protected_mode;         /* yes: no password on the default user means
                                   only loopback clients are served */
    int hz;                     /* 10; like Redis any 0..INT_MAX is accepted and
                                   the stored value is clamped to 1..500 */
    /* persistence */
    int appendfsync;            /* FSYNC_*; "always|everysec|no", default everysec */
    char *checkpoint_dir;       /* SAVE/BGSAVE target; "" = <dir>/checkpoint */
    /* RocksDB */
    long long rocksdb_block_cache_size;    /* bytes, 256mb */
    long long rocksdb_write_buffer_size;   /* bytes, 64mb (at least 64kb) */
    char *rocksdb_compression;             /* "lz4" (none|snappy|lz4|zstd), always
                                              one of these lowercase names */
    int rocksdb_max_background_jobs;       /* 2, 1..256 */
    /* expiry */
    int active_expire_effort;   /* 1..10, default 1 */
    /* hot tier */
    long long maxmemory;        /* bytes the hot tier may hold; 0 = no limit */
    int maxmemory_policy;       /* MAXMEMORY_*, default noeviction */
    int maxmemory_samples;      /* 5 */
    int lfu_log_factor;         /* 10 */
    int lfu_decay_time;         /* minutes, 1 */
    /* clients */
    char *client_output_buffer_limit; /* "normal h s sec slave h s sec pubsub h s sec", bytes
                                         (config_obuf_limits() reads it) */
    /* client-side caching */
    long long tracking_table_max_keys; /* keys CLIENT TRACKING remembers, 1000000; 0 = no limit */
    /* keyspace notifications */
    int notify_keyspace_events; /* NOTIFY_* flags; "" (0) by default */
} strata_config;

/* After config_init_defaults() every char * field is non-NULL (an empty
 * string means "none"). The module is not thread-safe: load, set, get and
 * rewrite run on the main thread. */
extern strata_config server_config;

/* Path of the config file loaded at start-up (NULL if none): CONFIG REWRITE
 * writes there. Made absolute with realpath() when loaded, so it stays valid
 * if the process changes directory. Owned by the config module. */
extern char *server_config_file;

/* Fill server_config with defaults. Call once before anything else (calling
 * it again frees the current strings and resets everything but
 * server_config_file). */
void config_init_defaults(void);

/* Free every string the module owns (server_config's strings and
 * server_config_file) and reset them to NULL. For clean shutdown and tests. */
void config_free(void);

/* Parse a whole config file (Redis syntax: "name value [value ...]" per line,
 * '#' comment lines, "double" and 'single' quoted values with Redis's escapes,
 * names case-insensitive; a later line overrides an earlier one). On error
 * returns -1 and writes a message naming the file, line number and the problem
 * into err (e.g. "strata.conf:12: unknown option 'portt'",
 * "strata.conf:3: option 'port': argument must be between 0 and 65535
 * inclusive"). Lines before the bad one stay applied; start-up must stop.
 * On success sets server_config_file. */
int config_load_file(const char *path, char *err, size_t errlen);

/* Apply argv-style overrides "--port 7000 --dir /tmp/x" (argv excludes the
 * program name and the config file path). Each --name takes the following
 * arguments up to the next one starting with "--"; "--port 7000" given as a
 * single argument is split like redis-server does. Same error rules, with
 * "command line" in place of file:line. */
int config_load_args(int argc, char **argv, char *err, size_t errlen);

/* CONFIG SET name value: returns 0, or -1 with err holding the whole error
 * reply text after the "-" (it starts with "ERR "), exactly as Redis 7 words
 * it, e.g.
 *   "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
 *   "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"
 * Names are case-insensitive. Same as config_set_multi(1, ...). */
int config_set(const char *name, const char *value, char *err, size_t errlen);

/* Redis 7 CONFIG SET name value [name value ...]: all or nothing. Every name
 * is checked (unknown, immutable, protected, duplicate) and every value parsed
 * before anything changes; then all are stored; then the apply hooks run. If
 * config_try_apply_hook refuses, every option of the call gets its previous
 * value back (and the hook is called again for those it had applied).
 * Returns 0 or -1 with err as for config_set. The caller checks that
 * arguments come in pairs (Redis: "wrong number of arguments for
 * 'config|set' command"). */
int config_set_multi(int n, const char **names, const char **values, char *err, size_t errlen);

/* CONFIG GET pattern: calls emit(name, value, ctx) for every option whose
 * name matches the glob pattern (case-insensitive), in table order. value is
 * formatted as Redis formats it (yes/no, numbers in bytes, octal for
 * unixsocketperm, enums by lowercase name, "dir" as an absolute path). As in
 * Redis, a pattern with none of "[*?" is looked up as a name and reported
 * with the name as the caller spelled it ("CONFIG GET PORT" gives "PORT").
 * name and value are valid only during the call to emit. */
void config_get(const char *pattern, void (*emit)(const char *name, const char *value, void *ctx),
                void *ctx);

/* Redis 7 CONFIG GET pattern [pattern ...]: like config_get for each pattern
 * in turn, but an option is reported once even if several patterns match it
 * (Redis replies with a map). */
void config_get_multi(int n, const char **patterns,
                      void (*emit)(const char *name, const char *value, void *ctx), void *ctx);

/* CONFIG REWRITE, as Redis does it: comments and blank lines are kept (runs
 * of blank lines become one), each option's first line is rewritten in place
 * with the current value, later duplicates are removed, lines we cannot parse
 * or do not know are kept commented out as "# ??? <line>", and options that
 * differ from their default but are not in the file are appended after a
 * "# Generated by CONFIG REWRITE" line. The new file is written to a
 * temporary file next to it, fsync'd and renamed over the old one (it keeps
 * the old file's permissions), then the directory is fsync'd. Returns 0 or -1
 * with err holding the whole error reply text (starting with "ERR "):
 * "ERR The server is running without a config file" when none was loaded,
 * "ERR Rewriting config file: <strerror>" on I/O errors. */
int config_rewrite(char *err, size_t errlen);

/* "user <name> <rule> ..." lines of the config file (or --user on the
 * command line), kept as given for the ACL module, which applies them at
 * start-up: config_user_args(i, &argc) is line i's words after "user"
 * (owned by the config module). */
int config_user_count(void);
char **config_user_args(int i, int *argc);

/* CONFIG REWRITE asks this hook (set by the server; may be NULL) for the
 * "user ..." lines to write in place of the file's: it calls emit once per
 * line. NULL leaves the file's user lines as they are. */
extern void (*config_rewrite_users_hook)(void (*emit)(const char *line, void *ctx), void *ctx);

/* Parse a memory size like Redis: "1gb", "64mb", "100k", "1024" (bytes).
 * Units (case-insensitive): b, k=1000, kb=1024, m=1000^2, mb=1024^2,
 * g=1000^3, gb=1024^3. No sign, no spaces, no fractions. As in Redis, an
 * empty number counts as 0 ("" and "mb" are 0). Returns 0 and sets *out, or -1
 * (also when the value does not fit in a long long). */
int config_parse_memory(const char *s, long long *out);

/* Hook called after CONFIG SET changes an option flagged as needing action
 * (bind, port, maxclients, appendfsync and the rocksdb-* options), once per
 * changed option, after the whole set succeeded. The server installs it
 * (e.g. to resize the block cache). May be NULL. */
extern void (*config_apply_hook)(const char *name);

/* Optional hook for changes that can fail (Redis: a new bind/port that cannot
 * be listened on). Called during CONFIG SET for each changed option flagged as
 * needing action, with the new values already in server_config. Return 0, or
 * -1 with a problem text in err (e.g. "Failed to bind to specified
 * addresses."); CONFIG SET then restores the old values, calls this hook again
 * for the options it had applied, and fails with
 * "ERR CONFIG SET failed (possibly related to argument '<name>') - <problem>".
 * May be NULL. */
extern int (*config_try_apply_hook)(const char *name, char *err, size_t errlen);

/* client-output-buffer-limit, per client class, in Redis's class order. */
enum { OBUF_NORMAL, OBUF_REPLICA, OBUF_PUBSUB, OBUF_CLASSES };
typedef struct obuf_limit {
    long long hard, soft;  /* bytes; 0 = none */
    long long soft_seconds;
} obuf_limit;
/* The limits server_config.client_output_buffer_limit holds. */
void config_obuf_limits(obuf_limit out[OBUF_CLASSES]);

#endif
