/* db.c - keyspace commands: existence, deletion, renaming, copying, moving,
 * iteration (KEYS, SCAN, RANDOMKEY), expiry and whole-database commands.
 *
 * These work on keys of any type through the keyspace layer; nothing here
 * knows how a value is stored.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

/* ---------------------------------------------------------------------------
 * Lookup helpers shared with the type files
 * ------------------------------------------------------------------------ */

int db_lookup(client *c, const char *key, size_t klen, tier_obj *o) {
    if (tier_lookup(c->db, key, klen, server_mstime(), o) != TIER_OK) {
        reply_store_error(c);
        return -1;
    }
    /* Redis counts hits and misses of reads only. */
    if (c->cmd && (c->cmd->flags & CMD_READONLY)) {
        if (o->exists) {
            server.stat_keyspace_hits++;
        } else {
            server.stat_keyspace_misses++;
            db_keymiss(c, key, klen);
        }
    }
    return 0;
}

void db_keymiss(client *c, const char *key, size_t klen) {
    notify_keyspace_event(NOTIFY_KEY_MISS, "keymiss", key, klen, c->db);
}

int db_lookup_typed(client *c, const char *key, size_t klen, int type, tier_obj *o) {
    if (db_lookup(c, key, klen, o) < 0) return -1;
    if (o->exists && o->type != type) {
        reply_error(c, ERR_WRONGTYPE);
        tier_obj_free(o);
        return -1;
    }
    return 0;
}

/* Redis's getIntFromObjectOrReply: a long long that also fits an int. */
static int arg_int(client *c, int i, int *out, const char *err) {
    long long v;
    if (!util_str2ll(c->argv[i].ptr, c->argv[i].len, &v) || v < INT_MIN || v > INT_MAX) {
        reply_error(c, err ? err : ERR_NOT_INTEGER);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int valid_db(int id) { return id >= 0 && id < server_config.databases; }

/* ---------------------------------------------------------------------------
 * DEL, UNLINK, EXISTS, TYPE, TOUCH
 * ------------------------------------------------------------------------ */

static void del_generic(client *c) {
    long long deleted = 0;
    for (int i = 1; i < c->argc; i++) {
        tier_obj o;
        if (tier_lookup(c->db, KEY(i), server_mstime(), &o) != TIER_OK) {
            reply_store_error(c);
            return;
        }
        if (o.exists) {
            tier_delete(c->db, KEY(i), &o);
            deleted++;
            notify_keyspace_event(NOTIFY_GENERIC, "del", KEY(i), c->db);
        }
        tier_obj_free(&o);
    }
    server_dirty(c, deleted);
    reply_longlong(c, deleted);
}

void delCommand(client *c) { del_generic(c); }
/* Deleting is already O(1) per key (see the versioned encoding), so UNLINK
 * needs no background thread. */
void unlinkCommand(client *c) { del_generic(c); }

static void count_existing(client *c) {
    long long n = 0;
    for (int i = 1; i < c->argc; i++) {
        tier_obj o;
        if (db_lookup(c, KEY(i), &o) < 0) return;
        n += o.exists;
        tier_obj_free(&o);
    }
    reply_longlong(c, n);
}

void existsCommand(client *c) { count_existing(c); }
void touchCommand(client *c) { count_existing(c); }

void typeCommand(client *c) {
    tier_obj o;
    if (db_lookup(c, KEY(1), &o) < 0) return;
    reply_status(c, o.exists ? tier_type_name(o.type) : "none");
    tier_obj_free(&o);
}

/* ---------------------------------------------------------------------------
 * RENAME, RENAMENX, COPY, MOVE
 * ------------------------------------------------------------------------ */

static void rename_generic(client *c, int nx) {
    tier_obj src, dst;
    if (db_lookup(c, KEY(1), &src) < 0) return;
    if (!src.exists) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    int same = c->argv[1].len == c->argv[2].len && memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0;
    if (same) {
        if (nx) reply_longlong(c, 0); else reply_ok(c);
        tier_obj_free(&src);
        return;
    }
    if (db_lookup(c, KEY(2), &dst) < 0) {
        tier_obj_free(&src);
        return;
    }
    if (dst.exists && nx) {
        reply_longlong(c, 0);
    } else if (tier_copy(c->db, KEY(1), &src, c->db, KEY(2), &dst) != TIER_OK) {
        reply_store_error(c);
    } else {
        tier_delete(c->db, KEY(1), &src);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "rename_from", KEY(1), c->db);
        notify_keyspace_event(NOTIFY_GENERIC, "rename_to", KEY(2), c->db);
        if (nx) reply_longlong(c, 1); else reply_ok(c);
    }
    tier_obj_free(&src);
    tier_obj_free(&dst);
}

void renameCommand(client *c) { rename_generic(c, 0); }
void renamenxCommand(client *c) { rename_generic(c, 1); }

void copyCommand(client *c) {
    int dbid = c->db, replace = 0;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c, j, "REPLACE")) {
            replace = 1;
        } else if (arg_is(c, j, "DB") && j + 1 < c->argc) {
            if (arg_int(c, j + 1, &dbid, NULL) < 0) return;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (!valid_db(dbid)) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (dbid == c->db && c->argv[1].len == c->argv[2].len &&
        memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    tier_obj src, dst;
    if (db_lookup(c, KEY(1), &src) < 0) return;
    if (!src.exists) {
        db_keymiss(c, KEY(1)); /* COPY reads its source */
        reply_longlong(c, 0);
        return;
    }
    if (tier_lookup(dbid, KEY(2), server_mstime(), &dst) != TIER_OK) {
        reply_store_error(c);
        tier_obj_free(&src);
        return;
    }
    if (dst.exists && !replace) {
        reply_longlong(c, 0);
    } else if (tier_copy(c->db, KEY(1), &src, dbid, KEY(2), &dst) != TIER_OK) {
        reply_store_error(c);
    } else {
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "copy_to", KEY(2), dbid);
        reply_longlong(c, 1);
    }
    tier_obj_free(&src);
    tier_obj_free(&dst);
}

void moveCommand(client *c) {
    int dbid;
    if (arg_int(c, 2, &dbid, NULL) < 0) return;
    if (!valid_db(dbid)) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (dbid == c->db) {
        reply_error(c, ERR_SAME_OBJECT);
        return;
    }
    tier_obj src, dst;
    if (db_lookup(c, KEY(1), &src) < 0) return;
    if (!src.exists) {
        reply_longlong(c, 0);
        return;
    }
    if (tier_lookup(dbid, KEY(1), server_mstime(), &dst) != TIER_OK) {
        reply_store_error(c);
        tier_obj_free(&src);
        return;
    }
    if (dst.exists) {
        reply_longlong(c, 0);
    } else if (tier_copy(c->db, KEY(1), &src, dbid, KEY(1), &dst) != TIER_OK) {
        reply_store_error(c);
    } else {
        tier_delete(c->db, KEY(1), &src);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "move_from", KEY(1), c->db);
        notify_keyspace_event(NOTIFY_GENERIC, "move_to", KEY(1), dbid);
        reply_longlong(c, 1);
    }
    tier_obj_free(&src);
    tier_obj_free(&dst);
}

/* ---------------------------------------------------------------------------
 * KEYS, SCAN, RANDOMKEY
 * ------------------------------------------------------------------------ */

/* Keys collected by an iteration, replied once the count is known. */
typedef struct key_list {
    resp_arg *keys;
    long n, cap;
    const char *pattern; /* NULL = all */
    size_t plen;
    const char *type;    /* SCAN TYPE filter, NULL = all */
    long long now;
    resp_arg *expired;   /* expired keys met on the way, deleted afterwards */
    long nexpired, capexpired;
} key_list;

static void push_key(resp_arg **arr, long *n, long *cap, const char *key, size_t klen) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *arr = realloc(*arr, sizeof(resp_arg) * *cap);
    }
    (*arr)[*n].ptr = malloc(klen + 1);
    memcpy((*arr)[*n].ptr, key, klen);
    (*arr)[*n].len = klen;
    (*n)++;
}

static void collect_key(const char *key, size_t klen, int type, int64_t expire_ms, void *ctx) {
    key_list *l = ctx;
    if (expire_ms && expire_ms < l->now) {
        push_key(&l->expired, &l->nexpired, &l->capexpired, key, klen);
        return;
    }
    if (l->type && strcasecmp(l->type, tier_type_name(type)) != 0) return;
    if (l->pattern && !util_globmatch(l->pattern, l->plen, key, klen, 0)) return;
    push_key(&l->keys, &l->n, &l->cap, key, klen);
}

/* As Redis does, an iteration deletes the expired keys it walks over (a
 * lookup of an expired key deletes it). */
static void delete_expired_seen(client *c, key_list *l) {
    for (long i = 0; i < l->nexpired; i++) {
        tier_obj o;
        tier_lookup(c->db, l->expired[i].ptr, l->expired[i].len, l->now, &o);
        tier_obj_free(&o);
        free(l->expired[i].ptr);
    }
    free(l->expired);
}

static void reply_and_free_keys(client *c, key_list *l) {
    delete_expired_seen(c, l);
    reply_array_len(c, l->n);
    for (long i = 0; i < l->n; i++) {
        reply_bulk(c, l->keys[i].ptr, l->keys[i].len);
        free(l->keys[i].ptr);
    }
    free(l->keys);
}

void keysCommand(client *c) {
    key_list l = {.now = server_mstime()};
    int all = c->argv[1].len == 1 && c->argv[1].ptr[0] == '*';
    if (!all) {
        l.pattern = c->argv[1].ptr;
        l.plen = c->argv[1].len;
    }
    uint64_t next;
    tier_scan(c->db, 0, LONG_MAX, collect_key, &l, &next);
    reply_and_free_keys(c, &l);
}

/* The SCAN family's cursor, parsed as Redis does (strtoul rules: "" is 0,
 * a sign is allowed, a leading space is not). */
int scan_parse_cursor(client *c, int i, uint64_t *out) {
    const char *cur = c->argv[i].ptr;
    char *end;
    errno = 0;
    unsigned long long cursor = strtoull(cur, &end, 10);
    if (isspace((unsigned char)cur[0]) || *end != '\0' || errno == ERANGE) {
        reply_error(c, "ERR invalid cursor");
        return -1;
    }
    *out = cursor;
    return 0;
}

int scan_parse_options(client *c, int first, scan_opts *o, int allow_type) {
    o->count = 10;
    o->pattern = NULL;
    o->plen = 0;
    o->type = NULL;
    for (int j = first; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(c, j, "COUNT") && more) {
            if (arg_longlong(c, j + 1, &o->count, NULL) < 0) return -1;
            if (o->count < 1) {
                reply_error(c, ERR_SYNTAX);
                return -1;
            }
            j++;
        } else if (arg_is(c, j, "MATCH") && more) {
            o->pattern = c->argv[j + 1].ptr;
            o->plen = c->argv[j + 1].len;
            /* "*" matches everything, the empty string too: drop it. */
            if (o->plen == 1 && o->pattern[0] == '*') o->pattern = NULL;
            j++;
        } else if (allow_type && arg_is(c, j, "TYPE") && more) {
            o->type = c->argv[j + 1].ptr;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

void scanCommand(client *c) {
    uint64_t cursor;
    scan_opts so;
    if (scan_parse_cursor(c, 1, &cursor) < 0 || scan_parse_options(c, 2, &so, 1) < 0) return;
    key_list l = {.now = server_mstime(), .pattern = so.pattern, .plen = so.plen, .type = so.type};
    uint64_t next = 0;
    if (tier_scan(c->db, cursor, (long)so.count, collect_key, &l, &next) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    reply_array_len(c, 2);
    char buf[32];
    reply_bulk(c, buf, util_ull2str(buf, sizeof(buf), next));
    reply_and_free_keys(c, &l);
}

void randomkeyCommand(client *c) {
    char *key;
    size_t klen;
    int found;
    if (tier_randomkey(c->db, server_mstime(), &key, &klen, &found) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    if (!found) {
        reply_null(c);
        return;
    }
    reply_bulk(c, key, klen);
    free(key);
}

/* ---------------------------------------------------------------------------
 * Expiry
 * ------------------------------------------------------------------------ */

#define EXPIRE_NX (1 << 0)
#define EXPIRE_XX (1 << 1)
#define EXPIRE_GT (1 << 2)
#define EXPIRE_LT (1 << 3)

static void expire_generic(client *c, long long basetime, int unit_seconds) {
    int flags = 0;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c, j, "NX")) flags |= EXPIRE_NX;
        else if (arg_is(c, j, "XX")) flags |= EXPIRE_XX;
        else if (arg_is(c, j, "GT")) flags |= EXPIRE_GT;
        else if (arg_is(c, j, "LT")) flags |= EXPIRE_LT;
        else {
            reply_errorf(c, "ERR Unsupported option %s", c->argv[j].ptr);
            return;
        }
    }
    if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
        reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) {
        reply_error(c, "ERR GT and LT options at the same time are not compatible");
        return;
    }
    long long when;
    if (arg_longlong(c, 2, &when, NULL) < 0) return;
    char name[16];
    size_t n = c->argv[0].len < sizeof(name) - 1 ? c->argv[0].len : sizeof(name) - 1;
    for (size_t i = 0; i < n; i++) name[i] = (char)tolower((unsigned char)c->argv[0].ptr[i]);
    name[n] = 0;
    if (unit_seconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
            reply_errorf(c, "ERR invalid expire time in '%s' command", name);
            return;
        }
        when *= 1000;
    }
    if (when > LLONG_MAX - basetime) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", name);
        return;
    }
    when += basetime;
    tier_obj o;
    if (db_lookup(c, KEY(1), &o) < 0) return;
    if (!o.exists) {
        reply_longlong(c, 0);
        return;
    }
    long long cur = o.expire_ms ? o.expire_ms : -1;
    if (((flags & EXPIRE_NX) && cur != -1) || ((flags & EXPIRE_XX) && cur == -1) ||
        ((flags & EXPIRE_GT) && (when <= cur || cur == -1)) || ((flags & EXPIRE_LT) && cur != -1 && when >= cur)) {
        reply_longlong(c, 0);
        tier_obj_free(&o);
        return;
    }
    int gone = when <= server_mstime();
    if (gone)
        tier_delete(c->db, KEY(1), &o);
    else
        tier_set_expire(c->db, KEY(1), &o, when);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_GENERIC, gone ? "del" : "expire", KEY(1), c->db);
    reply_longlong(c, 1);
    tier_obj_free(&o);
}

void expireCommand(client *c) { expire_generic(c, server_mstime(), 1); }
void pexpireCommand(client *c) { expire_generic(c, server_mstime(), 0); }
void expireatCommand(client *c) { expire_generic(c, 0, 1); }
void pexpireatCommand(client *c) { expire_generic(c, 0, 0); }

/* TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
static void ttl_generic(client *c, int ms, int absolute) {
    tier_obj o;
    if (db_lookup(c, KEY(1), &o) < 0) return;
    if (!o.exists) {
        reply_longlong(c, -2);
    } else if (!o.expire_ms) {
        reply_longlong(c, -1);
    } else if (absolute) {
        /* Redis rounds in unsigned arithmetic, so even INT64_MAX rounds up. */
        reply_longlong(c, ms ? o.expire_ms : (long long)(((unsigned long long)o.expire_ms + 500) / 1000));
    } else {
        long long ttl = o.expire_ms - server_mstime();
        if (ttl < 0) ttl = 0;
        reply_longlong(c, ms ? ttl : (ttl + 500) / 1000);
    }
    tier_obj_free(&o);
}

void ttlCommand(client *c) { ttl_generic(c, 0, 0); }
void pttlCommand(client *c) { ttl_generic(c, 1, 0); }
void expiretimeCommand(client *c) { ttl_generic(c, 0, 1); }
void pexpiretimeCommand(client *c) { ttl_generic(c, 1, 1); }

void persistCommand(client *c) {
    tier_obj o;
    if (db_lookup(c, KEY(1), &o) < 0) return;
    if (o.exists && o.expire_ms) {
        tier_set_expire(c->db, KEY(1), &o, 0);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "persist", KEY(1), c->db);
        reply_longlong(c, 1);
    } else {
        reply_longlong(c, 0);
    }
    tier_obj_free(&o);
}

/* ---------------------------------------------------------------------------
 * Databases
 * ------------------------------------------------------------------------ */

void selectCommand(client *c) {
    int id;
    if (arg_int(c, 1, &id, NULL) < 0) return;
    if (!valid_db(id)) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    c->db = id;
    reply_ok(c);
}

void dbsizeCommand(client *c) { reply_longlong(c, (long long)tier_dbsize(c->db)); }

/* FLUSHDB/FLUSHALL [ASYNC|SYNC]: both are range deletions, instant either
 * way, so the two modes behave the same. */
static int flush_args_ok(client *c) {
    if (c->argc == 1) return 1;
    if (c->argc == 2 && (arg_is(c, 1, "ASYNC") || arg_is(c, 1, "SYNC"))) return 1;
    reply_error(c, ERR_SYNTAX);
    return 0;
}

void flushdbCommand(client *c) {
    if (!flush_args_ok(c)) return;
    uint64_t n = tier_dbsize(c->db);
    multi_touch_flush(c->db);
    if (tier_flushdb(c->db, server_config.appendfsync == FSYNC_ALWAYS) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    server_dirty(c, (long long)n);
    tracking_flush();
    reply_ok(c);
}

void flushallCommand(client *c) {
    if (!flush_args_ok(c)) return;
    multi_touch_flush(-1);
    if (tier_flushall(server_config.appendfsync == FSYNC_ALWAYS) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    server_dirty(c, 1);
    tracking_flush();
    reply_ok(c);
}

void swapdbCommand(client *c) {
    int a, b;
    if (arg_int(c, 1, &a, "ERR invalid first DB index") < 0) return;
    if (arg_int(c, 2, &b, "ERR invalid second DB index") < 0) return;
    if (!valid_db(a) || !valid_db(b)) {
        reply_error(c, ERR_DB_INDEX);
        return;
    }
    if (a != b) {
        multi_touch_swap(a, b);
        tier_swapdb(a, b);
        block_dbs_swapped(a, b); /* as Redis: waiters may find their keys now */
        server_dirty(c, 1);
    }
    reply_ok(c);
}

/* ---------------------------------------------------------------------------
 * OBJECT
 * ------------------------------------------------------------------------ */

/* The encoding Redis would report for a string of this content. */
static const char *string_encoding(const tier_obj *o) {
    long long v;
    if (o->len <= 20 && util_str2ll(o->val, o->len, &v)) return "int";
    return o->len <= 44 ? "embstr" : "raw";
}

/* Redis shares the objects of small integers (0..9999) and reports them
 * with INT_MAX references; every other value has one. */
static long long object_refcount(const tier_obj *o) {
    long long v;
    if (o->type == OBJ_STRING && o->len <= 20 && util_str2ll(o->val, o->len, &v) && v >= 0 && v < 10000)
        return INT_MAX;
    return 1;
}

/* The encoding Redis 7.0 would report: hashes, sets and sorted sets keep a
 * flag in their metadata that follows Redis's one-way conversions. */
static const char *object_encoding(const tier_obj *o) {
    switch (o->type) {
    case OBJ_STRING: return string_encoding(o);
    case OBJ_LIST: return "quicklist";
    case OBJ_HASH: return hash_object_encoding(o);
    case OBJ_ZSET: return o->extralen >= 1 && o->extra[0] ? "skiplist" : "listpack";
    case OBJ_SET: return set_encoding(o);
    case OBJ_STREAM: return "stream";
    }
    return "unknown";
}

static int lfu_policy(void) {
    return server_config.maxmemory_policy == MAXMEMORY_VOLATILE_LFU ||
           server_config.maxmemory_policy == MAXMEMORY_ALLKEYS_LFU;
}

/* OBJECT's lookup: like Redis's (LOOKUP_NOTOUCH), it is not an access. The
 * hot tier's LRU clock and LFU counter stay as they were, and a key that is
 * not resident stays so (made resident, it would look freshly used). It
 * still counts as a keyspace hit or miss and still expires the key, as in
 * Redis. */
static int object_lookup(client *c, tier_obj *o, tier_key_info *info) {
    if (tier_peek(c->db, KEY(2), server_mstime(), o, info) != TIER_OK) {
        reply_store_error(c);
        return -1;
    }
    if (o->exists)
        server.stat_keyspace_hits++;
    else
        server.stat_keyspace_misses++;
    return 0;
}

/* OBJECT IDLETIME: seconds since the last access, from the hot tier's LRU
 * clock. Every access makes a key resident, so a key that is not resident
 * has not been used since it was evicted, or since the server started; when
 * its last access was is not kept anywhere. We answer the seconds since the
 * server started: exact for a key this process never touched, and an upper
 * bound for an evicted one (its last access lies between start-up and its
 * eviction). */
static long long object_idletime(const tier_key_info *info) {
    if (info->resident) return (long long)info->idle_seconds;
    long long up = (server_mstime() - server.start_ms) / 1000;
    return up > 0 ? up : 0;
}

/* OBJECT FREQ: the LFU counter decayed to now, as Redis computes it for
 * OBJECT FREQ (without storing the decay). The counter lives in the hot-tier
 * entry; a key that is not resident has had no access since its entry went
 * (or since start-up), and a counter left that long decays to 0: we answer
 * 0. A key becomes resident again with Redis's initial counter (5). */
static long long object_freq(const tier_key_info *info) { return info->resident ? info->lfu : 0; }

void objectCommand(client *c) {
    static const struct {
        const char *name;
        int arity;
    } subs[] = {{"encoding", 3}, {"freq", 3}, {"help", 2}, {"idletime", 3}, {"refcount", 3}};
    int sub = -1;
    for (int i = 0; i < (int)(sizeof(subs) / sizeof(subs[0])); i++)
        if (arg_is(c, 1, subs[i].name)) sub = i;
    if (sub < 0) {
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try OBJECT HELP.", c->argv[1].ptr);
        return;
    }
    if (c->argc != subs[sub].arity) {
        reply_errorf(c, "ERR wrong number of arguments for 'object|%s' command", subs[sub].name);
        return;
    }
    const char *name = subs[sub].name;
    if (!strcmp(name, "help")) {
        static const char *help[] = {
            "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
            "HELP",
            "    Prints this help.",
        };
        int n = (int)(sizeof(help) / sizeof(help[0]));
        reply_array_len(c, n);
        for (int i = 0; i < n; i++) reply_status(c, help[i]);
        return;
    }
    tier_obj o;
    tier_key_info info;
    if (object_lookup(c, &o, &info) < 0) return;
    if (!o.exists) {
        reply_null(c);
    } else if (!strcmp(name, "encoding")) {
        reply_bulk_cstr(c, object_encoding(&o));
    } else if (!strcmp(name, "refcount")) {
        reply_longlong(c, object_refcount(&o));
    } else if (!strcmp(name, "idletime")) {
        if (lfu_policy())
            reply_error(c, "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
                           "when switching between policies at runtime LRU and LFU data will take some time to "
                           "adjust.");
        else
            reply_longlong(c, object_idletime(&info));
    } else { /* freq */
        if (!lfu_policy())
            reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
                           "note that when switching between policies at runtime LRU and LFU data will take "
                           "some time to adjust.");
        else
            reply_longlong(c, object_freq(&info));
    }
    tier_obj_free(&o);
}
