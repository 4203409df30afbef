/* config.c - the option table, strata.conf / command-line parsing, and
 * CONFIG SET / GET / REWRITE with Redis 7's wording.
 *
 * One table (`options` below) describes every option: its name, type, where
 * it lives in server_config, default, accepted range and flags. Everything
 * else is generic code driven by the table, so adding an option is one table
 * row plus one strata_config field plus one line in strata.conf.
 *
 * Values move through a small tagged copy (config_value) so that CONFIG SET
 * can parse every argument before touching server_config, keep the old values
 * until the apply hooks have agreed, and put them back if one refuses. That is
 * what makes CONFIG SET with several pairs all-or-nothing, as in Redis 7.
 *
 * Redis behaviour reproduced on purpose (checked against redis-server 7.0.15):
 *  - integers are parsed like Redis's string2ll: no '+', no leading zeros, no
 *    spaces, no "-0" ("argument couldn't be parsed into an integer");
 *  - memory values like memtoull: digits plus an optional unit, "" counts as 0,
 *    and a number too large to hold is reported as out of range;
 *  - octal values (unixsocketperm) are parsed with strtoll base 8 and their
 *    bounds printed in octal;
 *  - hz accepts 0..INT_MAX and is clamped to 1..500;
 *  - on CONFIG SET the first problem found wins, in argument order, with
 *    unknown/immutable/duplicate names checked before any value is parsed.
 *    Name problems quote the name as typed, value problems the table name.
 *
 * Ownership: every string reachable from server_config, server_config_file and
 * config_value.s is malloc'd and owned by exactly one holder. Allocation
 * failure aborts (as Redis's zmalloc does): there is no useful way to run on.
 */
#include "config.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

strata_config server_config;
char *server_config_file = NULL;
void (*config_apply_hook)(const char *name) = NULL;
int (*config_try_apply_hook)(const char *name, char *err, size_t errlen) = NULL;
void (*config_rewrite_users_hook)(void (*emit)(const char *line, void *ctx), void *ctx) = NULL;

/* The "user" lines (see config_user_args). */
static struct user_line {
    char **argv;
    int argc;
} *user_lines;
static int nuser_lines;

/* ------------------------------------------------------------------------- *
 * Small helpers: allocation, a growable string, Redis's quoting.
 * ------------------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "strata: out of memory in config\n");
        abort();
    }
    return q;
}

static char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = xrealloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

typedef struct sbuf {
    char *p;    /* always NUL-terminated once anything was appended */
    size_t len;
    size_t cap;
} sbuf;

static void sb_catlen(sbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_cat(sbuf *b, const char *s) { sb_catlen(b, s, strlen(s)); }

static void sb_catc(sbuf *b, char c) { sb_catlen(b, &c, 1); }

/* Returns the buffer's string (caller frees); "" if nothing was appended. */
static char *sb_take(sbuf *b) {
    if (!b->p) return xstrdup("");
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* Redis's sdscatrepr: the value in double quotes with \\ \" \n \r \t \a \b
 * escaped and other non-printable bytes as \xHH, which split_args reads back
 * to the same bytes. Used by CONFIG REWRITE for string options. */
static void sb_catrepr(sbuf *b, const char *s) {
    sb_catc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\': sb_cat(b, "\\\\"); break;
        case '"': sb_cat(b, "\\\""); break;
        case '\n': sb_cat(b, "\\n"); break;
        case '\r': sb_cat(b, "\\r"); break;
        case '\t': sb_cat(b, "\\t"); break;
        case '\a': sb_cat(b, "\\a"); break;
        case '\b': sb_cat(b, "\\b"); break;
        default:
            if (isprint(*p)) {
                sb_catc(b, (char)*p);
            } else {
                char hex[5];
                snprintf(hex, sizeof(hex), "\\x%02x", *p);
                sb_cat(b, hex);
            }
        }
    }
    sb_catc(b, '"');
}

static void free_args(char **argv, int argc) {
    for (int i = 0; i < argc; i++) free(argv[i]);
    free(argv);
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

enum { SPLIT_OK = 0, SPLIT_UNBALANCED = -1, SPLIT_NUL = -2 };

/* Split a line into words the way Redis's sdssplitargs does: words separated
 * by blanks; "double quotes" with \n \r \t \b \a \xHH and \<any> escapes;
 * 'single quotes' with only \' escaped; a closing quote must be followed by a
 * blank or the end of the line. A quote may start in the middle of a word
 * (ab"c d" is the word "abc d"), as in Redis.
 * On success *argv (malloc'd array of malloc'd strings; free with free_args)
 * and *argc are set. Returns SPLIT_UNBALANCED for bad quoting, SPLIT_NUL if a
 * word would contain a NUL byte (\x00), which C strings cannot carry. */
static int split_args(const char *line, char ***argv_out, int *argc_out) {
    const char *p = line;
    char **argv = NULL;
    int argc = 0;
    int rc = SPLIT_OK;

    for (;;) {
        while (*p && isspace((unsigned char)*p)) p++;
        if (!*p) break;

        sbuf cur = {0};
        int inq = 0, insq = 0, done = 0;
        sb_catlen(&cur, "", 0);
        while (!done) {
            if (inq) {
                if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
                    char byte = (char)(hexval(p[2]) * 16 + hexval(p[3]));
                    if (byte == '\0') rc = SPLIT_NUL;
                    sb_catc(&cur, byte);
                    p += 3;
                } else if (p[0] == '\\' && p[1]) {
                    char c;
                    p++;
                    switch (*p) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: c = *p; break;
                    }
                    sb_catc(&cur, c);
                } else if (*p == '"') {
                    if (p[1] && !isspace((unsigned char)p[1])) rc = SPLIT_UNBALANCED;
                    done = 1;
                } else if (!*p) {
                    rc = SPLIT_UNBALANCED;
                    done = 1;
                } else {
                    sb_catc(&cur, *p);
                }
            } else if (insq) {
                if (p[0] == '\\' && p[1] == '\'') {
                    p++;
                    sb_catc(&cur, '\'');
                } else if (*p == '\'') {
                    if (p[1] && !isspace((unsigned char)p[1])) rc = SPLIT_UNBALANCED;
                    done = 1;
                } else if (!*p) {
                    rc = SPLIT_UNBALANCED;
                    done = 1;
                } else {
                    sb_catc(&cur, *p);
                }
            } else {
                switch (*p) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = 1; break;
                case '"': inq = 1; break;
                case '\'': insq = 1; break;
                default: sb_catc(&cur, *p); break;
                }
            }
            if (*p) p++;
        }
        argv = xrealloc(argv, sizeof(*argv) * (size_t)(argc + 1));
        argv[argc++] = sb_take(&cur);
        if (rc == SPLIT_UNBALANCED) break;
    }
    if (rc != SPLIT_OK) {
        free_args(argv, argc);
        return rc;
    }
    *argv_out = argv;
    *argc_out = argc;
    return SPLIT_OK;
}

/* Case-insensitive glob match with Redis's stringmatchlen rules: * ? [abc]
 * [^a] [a-z] and backslash escapes (an escaped character inside [...] is
 * compared case-sensitively, as in Redis). Iterative: '*' backtracks to the
 * last star only, so the cost is O(len(pat) * len(s)) whatever the pattern.
 * (A local copy so this module does not depend on src/util.c.) */
static int glob_token(const char *pat, size_t plen, size_t *tlen, unsigned char c) {
    size_t i = 0;
    if (pat[0] == '?') {
        *tlen = 1;
        return 1;
    }
    if (pat[0] == '[') {
        int neg, match = 0;
        i = 1;
        neg = i < plen && pat[i] == '^';
        if (neg) i++;
        for (;;) {
            if (i >= plen) break; /* unterminated class: ends with the pattern */
            if (pat[i] == '\\' && plen - i >= 2) {
                i++;
                if ((unsigned char)pat[i] == c) match = 1;
            } else if (pat[i] == ']') {
                i++;
                break;
            } else if (plen - i >= 3 && pat[i + 1] == '-') {
                int lo = tolower((unsigned char)pat[i]);
                int hi = tolower((unsigned char)pat[i + 2]);
                int cc = tolower(c);
                if (lo > hi) {
                    int t = lo;
                    lo = hi;
                    hi = t;
                }
                if (cc >= lo && cc <= hi) match = 1;
                i += 2;
            } else if (tolower((unsigned char)pat[i]) == tolower(c)) {
                match = 1;
            }
            i++;
        }
        *tlen = i;
        return neg ? !match : match;
    }
    if (pat[0] == '\\' && plen >= 2) i = 1;
    *tlen = i + 1;
    return tolower((unsigned char)pat[i]) == tolower(c);
}

static int glob_match(const char *pat, const char *s) {
    size_t plen = strlen(pat), slen = strlen(s);
    size_t p = 0, i = 0, star_p = 0, star_i = 0;
    int have_star = 0;

    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            while (p < plen && pat[p] == '*') p++;
            have_star = 1;
            star_p = p;
            star_i = i;
            continue;
        }
        size_t tlen;
        if (p < plen && glob_token(pat + p, plen - p, &tlen, (unsigned char)s[i])) {
            p += tlen;
            i++;
            continue;
        }
        if (!have_star) return 0;
        p = star_p; /* let the last star swallow one more character */
        i = ++star_i;
    }
    while (p < plen && pat[p] == '*') p++;
    return p == plen;
}

/* ------------------------------------------------------------------------- *
 * notify-keyspace-events: Redis's class letters.
 * ------------------------------------------------------------------------- */

static const struct {
    char letter;
    int flag;
} notify_letters[] = {
    {'g', NOTIFY_GENERIC}, {'$', NOTIFY_STRING}, {'l', NOTIFY_LIST},    {'s', NOTIFY_SET},
    {'h', NOTIFY_HASH},    {'z', NOTIFY_ZSET},   {'x', NOTIFY_EXPIRED}, {'e', NOTIFY_EVICTED},
    {'t', NOTIFY_STREAM},  {'d', NOTIFY_MODULE}, {'n', NOTIFY_NEW},     {'K', NOTIFY_KEYSPACE},
    {'E', NOTIFY_KEYEVENT}, {'m', NOTIFY_KEY_MISS},
};
#define NNOTIFY_LETTERS ((int)(sizeof(notify_letters) / sizeof(notify_letters[0])))

int config_notify_parse(const char *s, long long *out) {
    int flags = 0;
    for (; *s; s++) {
        int i;
        if (*s == 'A') {
            flags |= NOTIFY_ALL;
            continue;
        }
        for (i = 0; i < NNOTIFY_LETTERS && notify_letters[i].letter != *s; i++) {
        }
        if (i == NNOTIFY_LETTERS) return -1;
        flags |= notify_letters[i].flag;
    }
    *out = flags;
    return 0;
}

/* Redis's spelling: "A" when every class of A is on (and then, as Redis
 * does, 'n' is not shown even when set), else the class letters; then K,
 * E and m. */
void config_notify_format(int flags, char *buf, size_t cap) {
    size_t n = 0;
    int all = (flags & NOTIFY_ALL) == NOTIFY_ALL;
    if (all && n + 1 < cap) buf[n++] = 'A';
    for (int i = 0; i < NNOTIFY_LETTERS; i++) {
        int f = notify_letters[i].flag;
        int is_class = !(f & (NOTIFY_KEYSPACE | NOTIFY_KEYEVENT | NOTIFY_KEY_MISS));
        if (all && is_class) continue;
        if ((flags & f) && n + 1 < cap) buf[n++] = notify_letters[i].letter;
    }
    buf[n] = 0;
}

/* ------------------------------------------------------------------------- *
 * The option table.
 * ------------------------------------------------------------------------- */

typedef enum { CT_BOOL, CT_INT, CT_LL, CT_MEMORY, CT_STRING, CT_ENUM, CT_NOTIFY } config_type;

enum {
    CF_IMMUTABLE = 1 << 0, /* start-up only: "can't set immutable config" */
    CF_PROTECTED = 1 << 1, /* Redis's protected configs (enable-protected-configs
                              is off and we have no such switch):
                              "can't set protected config" */
    CF_APPLY = 1 << 2,     /* a change needs action: CONFIG SET calls the hooks */
    CF_MULTI_ARG = 1 << 3, /* CT_STRING holding a list of words (bind) */
    CF_OCTAL = 1 << 4,     /* CT_INT written and read in octal */
    CF_CLAMP = 1 << 5,     /* accepted in [min,max], stored clamped to
                              [clamp_min,clamp_max] */
    CF_ENUM_STR = 1 << 6,  /* CT_ENUM stored as its name (char *), not an int */
};

typedef struct config_enum {
    const char *name;
    int value;
} config_enum;

typedef struct config_option {
    const char *name;    /* lowercase, as in Redis */
    config_type type;
    unsigned flags;
    size_t offset;       /* field in strata_config; its C type follows `type`:
                            int for BOOL/INT/ENUM, long long for LL/MEMORY,
                            char * for STRING and CF_ENUM_STR */
    long long min, max;  /* accepted range (INT/LL/MEMORY) */
    long long clamp_min, clamp_max; /* CF_CLAMP only */
    long long def;       /* default of BOOL/INT/LL/MEMORY/ENUM */
    const char *def_str; /* default of STRING and CF_ENUM_STR */
    const config_enum *enums; /* CT_ENUM: names in Redis's order, NULL-ended */
    /* CF_MULTI_ARG only: turn the words given (argc may be 0) and the
     * current value into the value to store (*out malloc'd), or fail with
     * Redis's problem text. NULL: the words joined by spaces. */
    int (*normalize)(const char *cur, int argc, char **argv, char **out, char *err, size_t errlen);
} config_option;

static int obuf_normalize(const char *cur, int argc, char **argv, char **out, char *err, size_t errlen);

/* Redis lists enum names in this order in its error message. */
static const config_enum loglevel_enum[] = {
    {"debug", LOG_DEBUG}, {"verbose", LOG_VERBOSE}, {"notice", LOG_NOTICE},
    {"warning", LOG_WARNING}, {NULL, 0}};
static const config_enum appendfsync_enum[] = {
    {"everysec", FSYNC_EVERYSEC}, {"always", FSYNC_ALWAYS}, {"no", FSYNC_NO}, {NULL, 0}};
static const config_enum maxmemory_policy_enum[] = {
    {"volatile-lru", MAXMEMORY_VOLATILE_LRU}, {"volatile-lfu", MAXMEMORY_VOLATILE_LFU},
    {"volatile-random", MAXMEMORY_VOLATILE_RANDOM}, {"volatile-ttl", MAXMEMORY_VOLATILE_TTL},
    {"allkeys-lru", MAXMEMORY_ALLKEYS_LRU}, {"allkeys-lfu", MAXMEMORY_ALLKEYS_LFU},
    {"allkeys-random", MAXMEMORY_ALLKEYS_RANDOM}, {"noeviction", MAXMEMORY_NO_EVICTION}, {NULL, 0}};
static const config_enum compression_enum[] = {
    {"none", 0}, {"snappy", 1}, {"lz4", 2}, {"zstd", 3}, {NULL, 0}};

#define BIND_MAX 16 /* Redis's CONFIG_BINDADDR_MAX */
#define OFF(f) offsetof(strata_config, f)

/* Ranges follow Redis 7.0's createXxxConfig() calls for the options Redis
 * has, so that out-of-range replies name the same bounds. */
static const config_option options[] = {
    /* network */
    {.name = "bind", .type = CT_STRING, .flags = CF_MULTI_ARG | CF_APPLY, .offset = OFF(bind),
     .def_str = "127.0.0.1"},
    {.name = "port", .type = CT_INT, .flags = CF_APPLY, .offset = OFF(port), .min = 0,
     .max = 65535, .def = 6379},
    {.name = "unixsocket", .type = CT_STRING, .flags = CF_IMMUTABLE, .offset = OFF(unixsocket),
     .def_str = ""},
    {.name = "unixsocketperm", .type = CT_INT, .flags = CF_IMMUTABLE | CF_OCTAL,
     .offset = OFF(unixsocketperm), .min = 0, .max = 0777, .def = 0},
    {.name = "tcp-backlog", .type = CT_INT, .flags = CF_IMMUTABLE, .offset = OFF(tcp_backlog),
     .min = 0, .max = INT_MAX, .def = 511},
    {.name = "maxclients", .type = CT_INT, .flags = CF_APPLY | CF_CLAMP,
     .offset = OFF(maxclients), .min = 1, .max = UINT_MAX, .clamp_min = 1,
     .clamp_max = INT_MAX, .def = 10000},
    {.name = "timeout", .type = CT_INT, .offset = OFF(timeout), .min = 0, .max = INT_MAX,
     .def = 0},
    {.name = "tcp-keepalive", .type = CT_INT, .offset = OFF(tcp_keepalive), .min = 0,
     .max = INT_MAX, .def = 300},
    {.name = "proto-max-bulk-len", .type = CT_MEMORY, .offset = OFF(proto_max_bulk_len),
     .min = 1024 * 1024, .max = LLONG_MAX, .def = 512LL * 1024 * 1024},
    {.name = "client-query-buffer-limit", .type = CT_MEMORY,
     .offset = OFF(client_query_buffer_limit), .min = 1024 * 1024, .max = LLONG_MAX,
     .def = 1024LL * 1024 * 1024},
    /* general */
    {.name = "databases", .type = CT_INT, .flags = CF_IMMUTABLE, .offset = OFF(databases),
     .min = 1, .max = 65536, .def = 16},
    {.name = "daemonize", .type = CT_BOOL, .flags = CF_IMMUTABLE, .offset = OFF(daemonize),
     .def = 0},
    {.name = "pidfile", .type = CT_STRING, .flags = CF_IMMUTABLE, .offset = OFF(pidfile),
     .def_str = ""},
    {.name = "loglevel", .type = CT_ENUM, .offset = OFF(loglevel), .def = LOG_NOTICE,
     .enums = loglevel_enum},
    {.name = "logfile", .type = CT_STRING, .flags = CF_IMMUTABLE, .offset = OFF(logfile),
     .def_str = ""},
    /* We never chdir() into dir and RocksDB cannot move at run time; Redis
     * refuses CONFIG SET dir by default too (protected config). */
    {.name = "dir", .type = CT_STRING, .flags = CF_PROTECTED, .offset = OFF(dir),
     .def_str = "./strata-data"},
    {.name = "requirepass", .type = CT_STRING, .flags = CF_APPLY, .offset = OFF(requirepass),
     .def_str = ""},
    {.name = "aclfile", .type = CT_STRING, .flags = CF_IMMUTABLE, .offset = OFF(aclfile), .def_str = ""},
    {.name = "acllog-max-len", .type = CT_INT, .flags = CF_CLAMP, .offset = OFF(acllog_max_len), .min = 0,
     .max = LONG_MAX, .clamp_min = 0, .clamp_max = INT_MAX, .def = 128},
    {.name = "protected-mode", .type = CT_BOOL, .offset = OFF(protected_mode), .def = 1},
    {.name = "hz", .type = CT_INT, .flags = CF_CLAMP, .offset = OFF(hz), .min = 0,
     .max = INT_MAX, .clamp_min = 1, .clamp_max = 500, .def = 10},
    /* persistence */
    {.name = "checkpoint-dir", .type = CT_STRING, .offset = OFF(checkpoint_dir), .def_str = ""},
    {.name = "appendfsync", .type = CT_ENUM, .flags = CF_APPLY, .offset = OFF(appendfsync),
     .def = FSYNC_EVERYSEC, .enums = appendfsync_enum},
    /* RocksDB */
    {.name = "rocksdb-block-cache-size", .type = CT_MEMORY, .flags = CF_APPLY,
     .offset = OFF(rocksdb_block_cache_size), .min = 0, .max = LLONG_MAX,
     .def = 256LL * 1024 * 1024},
    {.name = "rocksdb-write-buffer-size", .type = CT_MEMORY, .flags = CF_IMMUTABLE,
     .offset = OFF(rocksdb_write_buffer_size), .min = 64 * 1024, .max = LLONG_MAX,
     .def = 16LL * 1024 * 1024},
    {.name = "rocksdb-compression", .type = CT_ENUM, .flags = CF_IMMUTABLE | CF_ENUM_STR,
     .offset = OFF(rocksdb_compression), .def_str = "lz4", .enums = compression_enum},
    {.name = "rocksdb-max-background-jobs", .type = CT_INT, .flags = CF_IMMUTABLE,
     .offset = OFF(rocksdb_max_background_jobs), .min = 1, .max = 256, .def = 2},
    /* expiry */
    {.name = "active-expire-effort", .type = CT_INT, .offset = OFF(active_expire_effort),
     .min = 1, .max = 10, .def = 1},
    /* hot tier */
    {.name = "maxmemory", .type = CT_MEMORY, .flags = CF_APPLY, .offset = OFF(maxmemory), .min = 0,
     .max = LLONG_MAX, .def = 0},
    {.name = "maxmemory-policy", .type = CT_ENUM, .flags = CF_APPLY, .offset = OFF(maxmemory_policy),
     .def = MAXMEMORY_NO_EVICTION, .enums = maxmemory_policy_enum},
    {.name = "maxmemory-samples", .type = CT_INT, .offset = OFF(maxmemory_samples), .min = 1, .max = 64,
     .def = 5},
    {.name = "lfu-log-factor", .type = CT_INT, .flags = CF_APPLY, .offset = OFF(lfu_log_factor), .min = 0, .max = INT_MAX,
     .def = 10},
    /* keyspace notifications (pubsub.c) */
    {.name = "notify-keyspace-events", .type = CT_NOTIFY, .offset = OFF(notify_keyspace_events), .def = 0},
    {.name = "lfu-decay-time", .type = CT_INT, .flags = CF_APPLY, .offset = OFF(lfu_decay_time), .min = 0, .max = INT_MAX,
     .def = 1},
    {.name = "client-output-buffer-limit", .type = CT_STRING, .flags = CF_MULTI_ARG | CF_APPLY,
     .offset = OFF(client_output_buffer_limit),
     .def_str = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", .normalize = obuf_normalize},
    {.name = "tracking-table-max-keys", .type = CT_LL, .offset = OFF(tracking_table_max_keys), .min = 0,
     .max = LLONG_MAX, .def = 1000000},
};

#define NOPTIONS ((int)(sizeof(options) / sizeof(options[0])))

static int is_string_option(const config_option *o) {
    return o->type == CT_STRING || (o->type == CT_ENUM && (o->flags & CF_ENUM_STR));
}

static void *field_of(const config_option *o) { return (char *)&server_config + o->offset; }

static int lookup_option(const char *name) {
    for (int i = 0; i < NOPTIONS; i++)
        if (!strcasecmp(options[i].name, name)) return i;
    return -1;
}

/* ------------------------------------------------------------------------- *
 * Typed values: parse, read, store, compare, format.
 * ------------------------------------------------------------------------- */

typedef struct config_value {
    long long n; /* BOOL/INT/LL/MEMORY/ENUM(int) */
    char *s;     /* STRING and CF_ENUM_STR: malloc'd, owned by the holder */
} config_value;

/* Redis's string2ll rules, on a NUL-terminated string. */
static int parse_ll_strict(const char *s, long long *out) { return util_str2ll(s, strlen(s), out); }

enum { MEM_OK = 0, MEM_BAD = -1, MEM_OVERFLOW = -2 };

/* Redis's memtoull, but an overflow is reported (MEM_OVERFLOW) instead of
 * wrapping. CONFIG SET turns it into the range error Redis prints for huge
 * numbers. */
static int parse_memory(const char *s, long long *out) {
    const char *u = s;
    unsigned long long mul, v = 0;

    if (*s == '-') return MEM_BAD;
    while (*u >= '0' && *u <= '9') u++;
    if (*u == '\0' || !strcasecmp(u, "b")) mul = 1;
    else if (!strcasecmp(u, "k")) mul = 1000;
    else if (!strcasecmp(u, "kb")) mul = 1024;
    else if (!strcasecmp(u, "m")) mul = 1000ULL * 1000;
    else if (!strcasecmp(u, "mb")) mul = 1024ULL * 1024;
    else if (!strcasecmp(u, "g")) mul = 1000ULL * 1000 * 1000;
    else if (!strcasecmp(u, "gb")) mul = 1024ULL * 1024 * 1024;
    else return MEM_BAD;
    if (u - s >= 128) return MEM_BAD; /* Redis's digit buffer */

    int overflow = 0;
    for (const char *p = s; p < u; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (ULLONG_MAX - d) / 10) overflow = 1;
        else v = v * 10 + d;
    }
    if (overflow || v > (unsigned long long)LLONG_MAX / mul) return MEM_OVERFLOW;
    *out = (long long)(v * mul);
    return MEM_OK;
}

int config_parse_memory(const char *s, long long *out) {
    long long v;
    if (parse_memory(s, &v) != MEM_OK) return -1;
    *out = v;
    return 0;
}

/* ---- client-output-buffer-limit ----
 * Stored normalized, every class in Redis's order with plain byte counts,
 * so CONFIG GET prints what Redis prints; a setting names only the classes
 * it changes. */

static const char *const obuf_class_names[OBUF_CLASSES] = {"normal", "slave", "pubsub"};

static int obuf_class(const char *name) {
    if (!strcasecmp(name, "normal")) return OBUF_NORMAL;
    if (!strcasecmp(name, "slave") || !strcasecmp(name, "replica")) return OBUF_REPLICA;
    if (!strcasecmp(name, "pubsub")) return OBUF_PUBSUB;
    return -1;
}

static void obuf_parse_normalized(const char *s, obuf_limit out[OBUF_CLASSES]) {
    memset(out, 0, sizeof(obuf_limit) * OBUF_CLASSES);
    char name[16];
    long long h, so, sec;
    int used;
    while (s && sscanf(s, "%15s %lld %lld %lld%n", name, &h, &so, &sec, &used) == 4) {
        int cls = obuf_class(name);
        if (cls >= 0) out[cls] = (obuf_limit){h, so, sec};
        s += used;
    }
}

void config_obuf_limits(obuf_limit out[OBUF_CLASSES]) {
    obuf_parse_normalized(server_config.client_output_buffer_limit, out);
}

static int obuf_normalize(const char *cur, int argc, char **argv, char **out, char *err, size_t errlen) {
    obuf_limit lim[OBUF_CLASSES];
    obuf_parse_normalized(cur, lim);
    if (argc % 4) {
        snprintf(err, errlen, "Wrong number of arguments in buffer limit configuration.");
        return -1;
    }
    /* Check every group before taking any, as Redis does. */
    obuf_limit next[OBUF_CLASSES];
    memcpy(next, lim, sizeof(next));
    for (int j = 0; j < argc; j += 4) {
        int cls = obuf_class(argv[j]);
        if (cls < 0) {
            snprintf(err, errlen, "Invalid client class specified in buffer limit configuration.");
            return -1;
        }
        long long hard, soft;
        long long secs;
        if (parse_memory(argv[j + 1], &hard) != MEM_OK || parse_memory(argv[j + 2], &soft) != MEM_OK ||
            !util_str2ll(argv[j + 3], strlen(argv[j + 3]), &secs) || secs < 0) {
            snprintf(err, errlen, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            return -1;
        }
        next[cls] = (obuf_limit){hard, soft, secs};
    }
    sbuf b = {0};
    char num[96];
    for (int c = 0; c < OBUF_CLASSES; c++) {
        snprintf(num, sizeof(num), "%s%s %lld %lld %lld", c ? " " : "", obuf_class_names[c], next[c].hard,
                 next[c].soft, next[c].soft_seconds);
        sb_cat(&b, num);
    }
    *out = sb_take(&b);
    return 0;
}

static void range_error(const config_option *o, char *err, size_t errlen) {
    if (o->flags & CF_OCTAL)
        snprintf(err, errlen, "argument must be between %llo and %llo inclusive",
                 (unsigned long long)o->min, (unsigned long long)o->max);
    else
        snprintf(err, errlen, "argument must be between %lld and %lld inclusive", o->min, o->max);
}

static void enum_error(const config_option *o, char *err, size_t errlen) {
    sbuf b = {0};
    sb_cat(&b, "argument(s) must be one of the following: ");
    for (const config_enum *e = o->enums; e->name; e++) {
        if (e != o->enums) sb_cat(&b, ", ");
        sb_cat(&b, e->name);
    }
    snprintf(err, errlen, "%s", b.p);
    free(b.p);
}

/* Parse the words of one option's value into *out (out->s malloc'd for
 * string options). argc is 1 except for CF_MULTI_ARG options, whose words are
 * joined with single spaces. Returns 0, or -1 with Redis's problem text in
 * err (no "ERR", no option name). */
static int parse_value(const config_option *o, int argc, char **argv, config_value *out,
                       char *err, size_t errlen) {
    const char *v = argc > 0 ? argv[0] : "";
    long long n = 0;

    out->n = 0;
    out->s = NULL;
    switch (o->type) {
    case CT_BOOL:
        if (!strcasecmp(v, "yes")) out->n = 1;
        else if (!strcasecmp(v, "no")) out->n = 0;
        else {
            snprintf(err, errlen, "argument must be 'yes' or 'no'");
            return -1;
        }
        return 0;
    case CT_ENUM:
        for (const config_enum *e = o->enums; e->name; e++) {
            if (!strcasecmp(v, e->name)) {
                if (o->flags & CF_ENUM_STR) out->s = xstrdup(e->name);
                else out->n = e->value;
                return 0;
            }
        }
        enum_error(o, err, errlen);
        return -1;
    case CT_NOTIFY:
        if (config_notify_parse(v, &out->n) < 0) {
            snprintf(err, errlen, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
            return -1;
        }
        return 0;
    case CT_STRING:
        if (o->normalize) return o->normalize(*(char **)field_of(o), argc, argv, &out->s, err, errlen);
        if (o->flags & CF_MULTI_ARG) {
            if (argc > BIND_MAX) {
                snprintf(err, errlen, "Too many bind addresses specified.");
                return -1;
            }
            sbuf b = {0};
            for (int i = 0; i < argc; i++) {
                if (i) sb_catc(&b, ' ');
                sb_cat(&b, argv[i]);
            }
            out->s = sb_take(&b);
        } else {
            out->s = xstrdup(v);
        }
        return 0;
    case CT_MEMORY: {
        int rc = parse_memory(v, &n);
        if (rc == MEM_BAD) {
            snprintf(err, errlen, "argument must be a memory value");
            return -1;
        }
        if (rc == MEM_OVERFLOW) {
            range_error(o, err, errlen);
            return -1;
        }
        break;
    }
    case CT_INT:
    case CT_LL:
        if (o->flags & CF_OCTAL) {
            char *end;
            errno = 0;
            n = strtoll(v, &end, 8);
            if (*end != '\0') {
                snprintf(err, errlen, "argument couldn't be parsed as an octal number");
                return -1;
            }
        } else if (!parse_ll_strict(v, &n)) {
            snprintf(err, errlen, "argument couldn't be parsed into an integer");
            return -1;
        }
        break;
    }
    if (n < o->min || n > o->max) {
        range_error(o, err, errlen);
        return -1;
    }
    if (o->flags & CF_CLAMP) {
        if (n < o->clamp_min) n = o->clamp_min;
        if (n > o->clamp_max) n = o->clamp_max;
    }
    out->n = n;
    return 0;
}

/* A copy of the current value (out->s malloc'd for string options). */
static void read_value(const config_option *o, config_value *out) {
    void *f = field_of(o);
    out->n = 0;
    out->s = NULL;
    if (is_string_option(o)) {
        const char *s = *(char **)f;
        out->s = xstrdup(s ? s : "");
    } else if (o->type == CT_LL || o->type == CT_MEMORY) {
        out->n = *(long long *)f;
    } else {
        out->n = *(int *)f;
    }
}

/* Move *v into the option's field (v->s changes hands). The previous value
 * moves into *old if old is not NULL, else its string is freed. */
static void store_value(const config_option *o, config_value *v, config_value *old) {
    void *f = field_of(o);
    if (old) {
        old->n = 0;
        old->s = NULL;
    }
    if (is_string_option(o)) {
        char **sp = (char **)f;
        if (old) old->s = *sp;
        else free(*sp);
        *sp = v->s;
        v->s = NULL;
    } else if (o->type == CT_LL || o->type == CT_MEMORY) {
        if (old) old->n = *(long long *)f;
        *(long long *)f = v->n;
    } else {
        if (old) old->n = *(int *)f;
        *(int *)f = (int)v->n;
    }
}

static int value_equal(const config_option *o, const config_value *a, const config_value *b) {
    if (is_string_option(o)) return strcmp(a->s ? a->s : "", b->s ? b->s : "") == 0;
    return a->n == b->n;
}

static int is_default(const config_option *o) {
    void *f = field_of(o);
    if (is_string_option(o)) {
        const char *s = *(char **)f;
        return strcmp(s ? s : "", o->def_str) == 0;
    }
    if (o->type == CT_LL || o->type == CT_MEMORY) return *(long long *)f == o->def;
    return *(int *)f == o->def;
}

static const char *enum_name(const config_option *o, int v) {
    for (const config_enum *e = o->enums; e->name; e++)
        if (e->value == v) return e->name;
    return "";
}

/* The value as CONFIG GET prints it. Returns either a pointer into
 * server_config (strings) or buf. buf must hold PATH_MAX + 2 bytes. */
static const char *format_value(const config_option *o, char *buf, size_t cap) {
    void *f = field_of(o);
    if (is_string_option(o)) {
        const char *s = *(char **)f;
        if (!s) s = "";
        /* Redis reports the working directory it chdir()ed into; we do not
         * chdir, so report the configured directory made absolute. */
        if (o->offset == OFF(dir) && s[0]) {
            char real[PATH_MAX];
            if (realpath(s, real)) {
                snprintf(buf, cap, "%s", real);
                return buf;
            }
            if (s[0] != '/' && getcwd(real, sizeof(real))) {
                const char *rel = (s[0] == '.' && s[1] == '/') ? s + 2 : s;
                snprintf(buf, cap, "%s/%s", real, rel);
                return buf;
            }
        }
        return s;
    }
    switch (o->type) {
    case CT_BOOL: return *(int *)f ? "yes" : "no";
    case CT_ENUM: return enum_name(o, *(int *)f);
    case CT_NOTIFY: config_notify_format(*(int *)f, buf, cap); break;
    case CT_LL:
    case CT_MEMORY: snprintf(buf, cap, "%lld", *(long long *)f); break;
    default:
        if (o->flags & CF_OCTAL) snprintf(buf, cap, "%o", (unsigned)*(int *)f);
        else snprintf(buf, cap, "%d", *(int *)f);
    }
    return buf;
}

/* The line CONFIG REWRITE writes for an option, as Redis writes it: memory in
 * the largest exact unit (gb/mb/kb), strings quoted, bind as bare words (or
 * "" when empty). Caller frees. */
static char *format_rewrite_line(const config_option *o) {
    sbuf b = {0};
    char num[64];
    void *f = field_of(o);

    sb_cat(&b, o->name);
    sb_catc(&b, ' ');
    if (o->type == CT_NOTIFY) {
        char flags[32];
        config_notify_format(*(int *)f, flags, sizeof(flags));
        sb_catrepr(&b, flags);
    } else if (o->type == CT_STRING) {
        const char *s = *(char **)f ? *(char **)f : "";
        if ((o->flags & CF_MULTI_ARG) && s[0]) sb_cat(&b, s);
        else sb_catrepr(&b, s);
    } else if (o->type == CT_MEMORY) {
        long long v = *(long long *)f;
        const long long gb = 1024LL * 1024 * 1024, mb = 1024 * 1024, kb = 1024;
        if (v && v % gb == 0) snprintf(num, sizeof(num), "%lldgb", v / gb);
        else if (v && v % mb == 0) snprintf(num, sizeof(num), "%lldmb", v / mb);
        else if (v && v % kb == 0) snprintf(num, sizeof(num), "%lldkb", v / kb);
        else snprintf(num, sizeof(num), "%lld", v);
        sb_cat(&b, num);
    } else {
        char buf[PATH_MAX + 2];
        sb_cat(&b, format_value(o, buf, sizeof(buf)));
    }
    return sb_take(&b);
}

/* ------------------------------------------------------------------------- *
 * Defaults and loading (config file and command line).
 * ------------------------------------------------------------------------- */

void config_init_defaults(void) {
    for (int i = 0; i < NOPTIONS; i++) {
        const config_option *o = &options[i];
        config_value v = {.n = o->def, .s = NULL};
        if (is_string_option(o)) v.s = xstrdup(o->def_str);
        store_value(o, &v, NULL);
    }
}

void config_free(void) {
    for (int i = 0; i < NOPTIONS; i++) {
        if (!is_string_option(&options[i])) continue;
        char **sp = (char **)field_of(&options[i]);
        free(*sp);
        *sp = NULL;
    }
    free(server_config_file);
    server_config_file = NULL;
    for (int i = 0; i < nuser_lines; i++) free_args(user_lines[i].argv, user_lines[i].argc);
    free(user_lines);
    user_lines = NULL;
    nuser_lines = 0;
}

int config_user_count(void) { return nuser_lines; }

char **config_user_args(int i, int *argc) {
    *argc = user_lines[i].argc;
    return user_lines[i].argv;
}

/* Apply one "name value..." line (argv[0] is the name). Writes the problem
 * (without location) into err. Start-up may set every option, immutable or
 * not, and hooks do not run: the server reads the values once loaded. */
static int load_directive(int argc, char **argv, char *err, size_t errlen) {
    if (!strcasecmp(argv[0], "user")) {
        /* Users are the ACL module's: keep the words for it. */
        if (argc < 2) {
            snprintf(err, errlen, "wrong number of arguments for 'user'");
            return -1;
        }
        user_lines = xrealloc(user_lines, sizeof(*user_lines) * (size_t)(nuser_lines + 1));
        user_lines[nuser_lines].argc = argc - 1;
        user_lines[nuser_lines].argv = xrealloc(NULL, sizeof(char *) * (size_t)argc);
        for (int i = 1; i < argc; i++) user_lines[nuser_lines].argv[i - 1] = xstrdup(argv[i]);
        nuser_lines++;
        return 0;
    }
    int idx = lookup_option(argv[0]);
    if (idx < 0) {
        snprintf(err, errlen, "unknown option '%s'", argv[0]);
        return -1;
    }
    const config_option *o = &options[idx];
    char **vals = argv + 1;
    int nvals = argc - 1;
    char **split = NULL;
    int nsplit = 0;

    if (!(o->flags & CF_MULTI_ARG) && argc != 2) {
        snprintf(err, errlen, "wrong number of arguments for '%s'", o->name);
        return -1;
    }
    /* Like Redis: a multi-word option given as one non-empty word is split,
     * so both `bind "a b"` and `--bind "a b"` work. */
    if ((o->flags & CF_MULTI_ARG) && nvals == 1 && vals[0][0]) {
        int rc = split_args(vals[0], &split, &nsplit);
        if (rc != SPLIT_OK) {
            snprintf(err, errlen, "option '%s': %s", o->name,
                     rc == SPLIT_NUL ? "values may not contain NUL bytes"
                                     : "unbalanced quotes in value");
            return -1;
        }
        vals = split;
        nvals = nsplit;
    }

    char problem[256];
    config_value v;
    int rc = parse_value(o, nvals, vals, &v, problem, sizeof(problem));
    if (split) free_args(split, nsplit);
    if (rc != 0) {
        snprintf(err, errlen, "option '%s': %s", o->name, problem);
        return -1;
    }
    store_value(o, &v, NULL);
    return 0;
}

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int config_load_file(const char *path, char *err, size_t errlen) {
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, errlen, "%s: can't open config file: %s", path, strerror(errno));
        return -1;
    }

    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int ret = 0;
    while (getline(&line, &cap, fp) != -1) {
        lineno++;
        char *s = trim(line);
        if (s[0] == '\0' || s[0] == '#') continue;

        char **argv;
        int argc;
        char problem[512];
        int rc = split_args(s, &argv, &argc);
        if (rc == SPLIT_UNBALANCED) {
            snprintf(err, errlen, "%s:%ld: unbalanced quotes in configuration line", path, lineno);
            ret = -1;
            break;
        }
        if (rc == SPLIT_NUL) {
            snprintf(err, errlen, "%s:%ld: values may not contain NUL bytes", path, lineno);
            ret = -1;
            break;
        }
        rc = load_directive(argc, argv, problem, sizeof(problem));
        free_args(argv, argc);
        if (rc != 0) {
            snprintf(err, errlen, "%s:%ld: %s", path, lineno, problem);
            ret = -1;
            break;
        }
    }
    if (ret == 0 && ferror(fp)) {
        snprintf(err, errlen, "%s: error reading config file: %s", path, strerror(errno));
        ret = -1;
    }
    free(line);
    fclose(fp);
    if (ret == 0) {
        char real[PATH_MAX];
        free(server_config_file);
        server_config_file = xstrdup(realpath(path, real) ? real : path);
    }
    return ret;
}

static int is_option_arg(const char *a) { return a[0] == '-' && a[1] == '-'; }

int config_load_args(int argc, char **argv, char *err, size_t errlen) {
    int i = 0;
    while (i < argc) {
        if (!is_option_arg(argv[i])) {
            snprintf(err, errlen, "command line: unexpected argument '%s' (expected --option)",
                     argv[i]);
            return -1;
        }
        /* "--name" alone, or "--name value..." in one argument as
         * redis-server accepts: split it into words. */
        char **words;
        int nwords;
        int rc = split_args(argv[i] + 2, &words, &nwords);
        if (rc != SPLIT_OK || nwords == 0) {
            if (rc == SPLIT_OK) free_args(words, nwords);
            snprintf(err, errlen, "command line: bad option '%s'", argv[i]);
            return -1;
        }
        i++;
        while (i < argc && !is_option_arg(argv[i])) {
            words = xrealloc(words, sizeof(*words) * (size_t)(nwords + 1));
            words[nwords++] = xstrdup(argv[i++]);
        }
        char problem[512];
        rc = load_directive(nwords, words, problem, sizeof(problem));
        free_args(words, nwords);
        if (rc != 0) {
            snprintf(err, errlen, "command line: %s", problem);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------- *
 * CONFIG SET
 * ------------------------------------------------------------------------- */

static void set_error(char *err, size_t errlen, const char *argname, const char *problem) {
    snprintf(err, errlen, "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
             argname, problem);
}

/* CONFIG SET splits a multi-word value on spaces (Redis uses sdssplitlen on
 * " "; we also drop empty words so "a  b" means "a b"). Caller frees. */
static char **split_spaces(const char *s, int *argc_out) {
    char **argv = NULL;
    int argc = 0;
    while (*s) {
        while (*s == ' ') s++;
        if (!*s) break;
        const char *e = strchr(s, ' ');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char *w = xrealloc(NULL, n + 1);
        memcpy(w, s, n);
        w[n] = '\0';
        argv = xrealloc(argv, sizeof(*argv) * (size_t)(argc + 1));
        argv[argc++] = w;
        s += n;
    }
    *argc_out = argc;
    return argv;
}

int config_set(const char *name, const char *value, char *err, size_t errlen) {
    return config_set_multi(1, &name, &value, err, errlen);
}

/* One name/value pair of a CONFIG SET call while it is carried out. */
typedef struct set_item {
    int idx;            /* option index, -1 if unknown */
    int changed;        /* the new value differs from the old one */
    config_value newv;  /* parsed value; moves into server_config in step 3 */
    config_value oldv;  /* previous value, kept until the hooks agreed */
} set_item;

static int set_multi(int n, set_item *it, const char **names, const char **values, char *err,
                     size_t errlen);

int config_set_multi(int n, const char **names, const char **values, char *err, size_t errlen) {
    /* n comes from a client: the items go on the heap, not the stack. */
    set_item *it = xrealloc(NULL, sizeof(*it) * (size_t)(n > 0 ? n : 1));
    memset(it, 0, sizeof(*it) * (size_t)(n > 0 ? n : 1));
    int rc = set_multi(n, it, names, values, err, errlen);
    free(it);
    return rc;
}

static int set_multi(int n, set_item *it, const char **names, const char **values, char *err,
                     size_t errlen) {
    const char *unknown = NULL, *errname = NULL, *errstr = NULL;
    char problem[512];

    /* 1. Names, in order; the first problem wins, as in Redis's
     *    configSetCommand (an unknown name after an immutable one is not
     *    reported, and vice versa). */
    for (int i = 0; i < n; i++) {
        it[i].idx = lookup_option(names[i]);
        if (unknown || errstr) continue;
        if (it[i].idx < 0) {
            unknown = names[i];
            continue;
        }
        const config_option *o = &options[it[i].idx];
        if (o->flags & (CF_IMMUTABLE | CF_PROTECTED)) {
            errstr = (o->flags & CF_IMMUTABLE) ? "can't set immutable config"
                                               : "can't set protected config";
            errname = names[i];
            continue;
        }
        for (int j = 0; j < i; j++) {
            if (it[j].idx == it[i].idx) {
                errstr = "duplicate parameter";
                errname = names[i];
                break;
            }
        }
    }
    if (unknown) {
        snprintf(err, errlen, "ERR Unknown option or number of arguments for CONFIG SET - '%s'",
                 unknown);
        return -1;
    }
    if (errstr) {
        set_error(err, errlen, errname, errstr);
        return -1;
    }

    /* 2. Parse every value before changing anything. */
    for (int i = 0; i < n; i++) {
        const config_option *o = &options[it[i].idx];
        int rc;
        if (o->flags & CF_MULTI_ARG) {
            int wc;
            char **words = split_spaces(values[i], &wc);
            rc = parse_value(o, wc, words, &it[i].newv, problem, sizeof(problem));
            free_args(words, wc);
        } else {
            char *one = (char *)values[i];
            rc = parse_value(o, 1, &one, &it[i].newv, problem, sizeof(problem));
        }
        if (rc != 0) {
            for (int j = 0; j < i; j++) free(it[j].newv.s);
            set_error(err, errlen, o->name, problem);
            return -1;
        }
    }

    /* 3. Store them all, keeping the old values. */
    for (int i = 0; i < n; i++) {
        const config_option *o = &options[it[i].idx];
        config_value cur;
        read_value(o, &cur);
        it[i].changed = !value_equal(o, &cur, &it[i].newv);
        free(cur.s);
        store_value(o, &it[i].newv, &it[i].oldv);
    }

    /* 4. Let the server act on the changes; undo everything if it cannot. */
    for (int i = 0; i < n; i++) {
        const config_option *o = &options[it[i].idx];
        if (!it[i].changed || !(o->flags & CF_APPLY) || !config_try_apply_hook) continue;
        problem[0] = '\0';
        if (config_try_apply_hook(o->name, problem, sizeof(problem)) == 0) continue;

        set_error(err, errlen, o->name, problem[0] ? problem : "failed to apply");
        for (int j = 0; j < n; j++) store_value(&options[it[j].idx], &it[j].oldv, NULL);
        for (int j = 0; j <= i; j++) {
            char ignored[256];
            if (it[j].changed && (options[it[j].idx].flags & CF_APPLY))
                config_try_apply_hook(options[it[j].idx].name, ignored, sizeof(ignored));
        }
        return -1;
    }

    for (int i = 0; i < n; i++) free(it[i].oldv.s);
    for (int i = 0; i < n; i++) {
        const config_option *o = &options[it[i].idx];
        if (it[i].changed && (o->flags & CF_APPLY) && config_apply_hook) config_apply_hook(o->name);
    }
    return 0;
}

/* ------------------------------------------------------------------------- *
 * CONFIG GET
 * ------------------------------------------------------------------------- */

/* Report the options matching one pattern that are not yet in seen[]. */
static void get_pattern(const char *pattern, unsigned char *seen,
                        void (*emit)(const char *name, const char *value, void *ctx), void *ctx) {
    char buf[PATH_MAX + 2];

    /* Redis: a name without glob characters is looked up directly and
     * reported as spelled by the caller. */
    if (!strpbrk(pattern, "[*?")) {
        int i = lookup_option(pattern);
        if (i < 0 || seen[i]) return;
        seen[i] = 1;
        emit(pattern, format_value(&options[i], buf, sizeof(buf)), ctx);
        return;
    }
    for (int i = 0; i < NOPTIONS; i++) {
        if (seen[i] || !glob_match(pattern, options[i].name)) continue;
        seen[i] = 1;
        emit(options[i].name, format_value(&options[i], buf, sizeof(buf)), ctx);
    }
}

void config_get(const char *pattern, void (*emit)(const char *name, const char *value, void *ctx),
                void *ctx) {
    config_get_multi(1, &pattern, emit, ctx);
}

void config_get_multi(int n, const char **patterns,
                      void (*emit)(const char *name, const char *value, void *ctx), void *ctx) {
    unsigned char seen[NOPTIONS];
    memset(seen, 0, sizeof(seen));
    for (int i = 0; i < n; i++) get_pattern(patterns[i], seen, emit, ctx);
}

/* ------------------------------------------------------------------------- *
 * CONFIG REWRITE
 * ------------------------------------------------------------------------- */

#define REWRITE_SIGNATURE "# Generated by CONFIG REWRITE"

#define RW_USER_LINE 100000 /* rewrite_state.opt of a "user" line */

typedef struct rewrite_state {
    char **lines;   /* malloc'd, without '\n' */
    int *opt;       /* per line: index of the option it sets, or -1 */
    int nlines;
    int has_tail;   /* the file already has REWRITE_SIGNATURE */
} rewrite_state;

static void rw_append(rewrite_state *st, char *line, int opt) {
    st->lines = xrealloc(st->lines, sizeof(*st->lines) * (size_t)(st->nlines + 1));
    st->opt = xrealloc(st->opt, sizeof(*st->opt) * (size_t)(st->nlines + 1));
    st->lines[st->nlines] = line;
    st->opt[st->nlines] = opt;
    st->nlines++;
}

static void rw_free(rewrite_state *st) {
    for (int i = 0; i < st->nlines; i++) free(st->lines[i]);
    free(st->lines);
    free(st->opt);
}

/* Read the current file into st. A missing file is an empty one. Like Redis
 * (which splits the file on "\n"), a final newline counts as one more, empty
 * line: that is where the blank line before REWRITE_SIGNATURE comes from. */
static int rw_read(const char *path, rewrite_state *st) {
    FILE *fp = fopen(path, "r");
    if (!fp) return errno == ENOENT ? 0 : -1;

    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    int ends_with_newline = 0;
    while ((got = getline(&buf, &cap, fp)) != -1) {
        ends_with_newline = got > 0 && buf[got - 1] == '\n';
        char *s = trim(buf);
        if (s[0] == '\0' || s[0] == '#') {
            if (!strcmp(s, REWRITE_SIGNATURE)) st->has_tail = 1;
            rw_append(st, xstrdup(s), -1);
            continue;
        }
        char **argv;
        int argc, idx = -1;
        if (split_args(s, &argv, &argc) == SPLIT_OK) {
            idx = lookup_option(argv[0]);
            if (idx < 0 && argc > 0 && !strcasecmp(argv[0], "user")) idx = RW_USER_LINE;
            free_args(argv, argc);
        }
        if (idx == RW_USER_LINE && !config_rewrite_users_hook) {
            rw_append(st, xstrdup(s), -1);
        } else if (idx < 0) {
            /* Redis keeps lines it cannot use, commented out. */
            sbuf b = {0};
            sb_cat(&b, "# ??? ");
            sb_cat(&b, s);
            rw_append(st, sb_take(&b), -1);
        } else {
            rw_append(st, xstrdup(s), idx);
        }
    }
    int saved = errno, bad = ferror(fp);
    free(buf);
    fclose(fp);
    if (bad) {
        errno = saved ? saved : EIO;
        return -1;
    }
    if (ends_with_newline) rw_append(st, xstrdup(""), -1);
    return 0;
}

/* Put the option's line over its first line in the file, or append it if it
 * is not in the file and differs from the default. */
static void rw_option(rewrite_state *st, int idx) {
    const config_option *o = &options[idx];
    for (int i = 0; i < st->nlines; i++) {
        if (st->opt[i] != idx) continue;
        free(st->lines[i]);
        st->lines[i] = format_rewrite_line(o);
        st->opt[i] = -1;
        return;
    }
    if (is_default(o)) return;
    if (!st->has_tail) {
        rw_append(st, xstrdup(REWRITE_SIGNATURE), -1);
        st->has_tail = 1;
    }
    rw_append(st, format_rewrite_line(o), -1);
}

static void rw_collect_user(const char *line, void *ctx) {
    sbuf *b = ctx;
    if (b->len) sb_catc(b, '\n');
    sb_cat(b, line);
}

/* The users' lines go where the first "user" line was (or at the end); the
 * other "user" lines are dropped. */
static void rw_users(rewrite_state *st) {
    if (!config_rewrite_users_hook) return;
    sbuf b = {0};
    config_rewrite_users_hook(rw_collect_user, &b);
    for (int i = 0; i < st->nlines; i++) {
        if (st->opt[i] != RW_USER_LINE) continue;
        free(st->lines[i]);
        st->lines[i] = b.p ? b.p : xstrdup("");
        b.p = NULL;
        st->opt[i] = -1;
        for (int j = i + 1; j < st->nlines; j++) {
            if (st->opt[j] != RW_USER_LINE) continue;
            st->lines[j][0] = '\0';
            st->opt[j] = -1;
        }
        return;
    }
    if (!b.p) return;
    if (!st->has_tail) {
        rw_append(st, xstrdup(REWRITE_SIGNATURE), -1);
        st->has_tail = 1;
    }
    rw_append(st, b.p, -1);
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_parent_dir(const char *path) {
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 0 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = xrealloc(NULL, n + 2);
    if (n) memcpy(dir, path, n);
    else dir[n++] = '.';
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY);
    free(dir);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* Write content to path atomically: temp file in the same directory, fsync,
 * rename, fsync the directory. The new file keeps the old one's mode. */
static int replace_file(const char *path, const char *content, size_t len) {
    struct stat st;
    mode_t mode = 0644;
    if (stat(path, &st) == 0) mode = st.st_mode & 07777;

    static const char suffix[] = ".tmp-XXXXXX";
    size_t plen = strlen(path);
    char *tmp = xrealloc(NULL, plen + sizeof(suffix));
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof(suffix));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    if (write_all(fd, content, len) != 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        errno = saved;
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        free(tmp);
        errno = saved;
        return -1;
    }
    free(tmp);
    return fsync_parent_dir(path);
}

int config_rewrite(char *err, size_t errlen) {
    if (!server_config_file) {
        snprintf(err, errlen, "ERR The server is running without a config file");
        return -1;
    }

    rewrite_state st = {0};
    if (rw_read(server_config_file, &st) != 0) {
        snprintf(err, errlen, "ERR Rewriting config file: %s", strerror(errno));
        rw_free(&st);
        return -1;
    }
    for (int i = 0; i < NOPTIONS; i++) rw_option(&st, i);
    rw_users(&st);
    /* Later lines for an option already written are duplicates: drop them. */
    for (int i = 0; i < st.nlines; i++) {
        if (st.opt[i] < 0) continue;
        st.lines[i][0] = '\0';
        st.opt[i] = -1;
    }

    sbuf out = {0};
    int was_empty = 0;
    for (int i = 0; i < st.nlines; i++) {
        int empty = st.lines[i][0] == '\0';
        if (empty && was_empty) continue; /* runs of blank lines become one */
        was_empty = empty;
        sb_cat(&out, st.lines[i]);
        sb_catc(&out, '\n');
    }
    rw_free(&st);

    int rc = replace_file(server_config_file, out.p ? out.p : "", out.len);
    if (rc != 0) snprintf(err, errlen, "ERR Rewriting config file: %s", strerror(errno));
    free(out.p);
    return rc;
}
