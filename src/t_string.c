/* t_string.c - string commands: GET/SET and friends, counters, ranges, LCS.
 *
 * A string is stored inline in its key's metadata record, so every command
 * here is one lookup and at most one put. Integers are stored as their
 * decimal text, as Redis shows them; INCR parses, adds and writes back.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

/* ---------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

#define KEY(i) c->argv[i].ptr, c->argv[i].len

/* A string of size + append bytes must stay within proto-max-bulk-len;
 * the sum is checked for overflow too (SETRANGE takes any offset). */
static int check_string_size(client *c, long long size, long long append) {
    long long total = (long long)((uint64_t)size + (uint64_t)append);
    if (total > server_config.proto_max_bulk_len || total < size || total < append) {
        reply_error(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return -1;
    }
    return 0;
}

/* Options of SET and GETEX, parsed as Redis's parseExtendedStringArguments. */
#define OPT_NX (1 << 0)
#define OPT_XX (1 << 1)
#define OPT_GET (1 << 2)
#define OPT_KEEPTTL (1 << 3)
#define OPT_PERSIST (1 << 4)
#define OPT_EX (1 << 5)
#define OPT_PX (1 << 6)
#define OPT_EXAT (1 << 7)
#define OPT_PXAT (1 << 8)
#define OPT_ANY_EXPIRE (OPT_EX | OPT_PX | OPT_EXAT | OPT_PXAT)

enum { FOR_SET, FOR_GETEX };

/* Turn an expire argument into absolute ms, replying Redis's errors.
 * unit_seconds: EX/EXAT/SETEX; relative: EX/PX/SETEX/PSETEX. */
static int parse_expire(client *c, int i, int unit_seconds, int relative, const char *cmdname,
                        int64_t *out) {
    long long v;
    if (arg_longlong(c, i, &v, NULL) < 0) return -1;
    if (v <= 0 || (unit_seconds && v > LLONG_MAX / 1000)) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
        return -1;
    }
    if (unit_seconds) v *= 1000;
    if (relative && __builtin_add_overflow(v, server_mstime(), &v)) v = -1;
    if (v <= 0) {
        reply_errorf(c, "ERR invalid expire time in '%s' command", cmdname);
        return -1;
    }
    *out = v;
    return 0;
}

static int expire_option(client *c, int j) {
    if (arg_is(c, j, "EX")) return OPT_EX;
    if (arg_is(c, j, "PX")) return OPT_PX;
    if (arg_is(c, j, "EXAT")) return OPT_EXAT;
    if (arg_is(c, j, "PXAT")) return OPT_PXAT;
    return 0;
}

/* Parse the flags; *expire_arg gets the index of the expire value (or -1),
 * which the caller validates with expire_from_options() at the moment Redis
 * does (before the lookup for SET, after it for GETEX). */
static int parse_string_options(client *c, int first, int kind, int *flags, int *expire_arg) {
    *flags = 0;
    *expire_arg = -1;
    for (int j = first; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        int f = *flags, opt;
        if (arg_is(c, j, "NX") && !(f & (OPT_XX)) && kind == FOR_SET) {
            *flags |= OPT_NX;
        } else if (arg_is(c, j, "XX") && !(f & OPT_NX) && kind == FOR_SET) {
            *flags |= OPT_XX;
        } else if (arg_is(c, j, "GET") && kind == FOR_SET) {
            *flags |= OPT_GET;
        } else if (arg_is(c, j, "KEEPTTL") && !(f & (OPT_PERSIST | OPT_ANY_EXPIRE)) && kind == FOR_SET) {
            *flags |= OPT_KEEPTTL;
        } else if (arg_is(c, j, "PERSIST") && !(f & (OPT_KEEPTTL | OPT_ANY_EXPIRE)) && kind == FOR_GETEX) {
            *flags |= OPT_PERSIST;
        } else if (more && (opt = expire_option(c, j)) &&
                   !(f & (OPT_KEEPTTL | OPT_PERSIST | (OPT_ANY_EXPIRE & ~opt)))) {
            /* The same unit may repeat (the last value wins), as in Redis. */
            *flags |= opt;
            *expire_arg = ++j;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    return 0;
}

static int expire_from_options(client *c, int flags, int expire_arg, const char *cmdname, int64_t *expire) {
    *expire = 0;
    if (expire_arg < 0) return 0;
    int secs = (flags & (OPT_EX | OPT_EXAT)) != 0, rel = (flags & (OPT_EX | OPT_PX)) != 0;
    return parse_expire(c, expire_arg, secs, rel, cmdname, expire);
}

/* Look up a key that must be a string if present. Replies and returns -1 on
 * WRONGTYPE or a store error. */
static int lookup_string(client *c, int i, tier_obj *o) { return db_lookup_typed(c, KEY(i), OBJ_STRING, o); }

/* ---------------------------------------------------------------------------
 * GET / SET family
 * ------------------------------------------------------------------------ */

void getCommand(client *c) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    if (o.exists)
        reply_bulk(c, o.val, o.len);
    else
        reply_null(c);
    tier_obj_free(&o);
}

/* The common tail of SET, SETNX, SETEX, PSETEX, GETSET. */
static void set_generic(client *c, int flags, int64_t expire, int ok_reply_int) {
    tier_obj o;
    if (db_lookup(c, KEY(1), &o) < 0) return;
    if ((flags & OPT_GET) && !o.exists) db_keymiss(c, KEY(1)); /* the GET part is a read */
    if ((flags & OPT_GET) && o.exists && o.type != OBJ_STRING) {
        reply_error(c, ERR_WRONGTYPE);
        tier_obj_free(&o);
        return;
    }
    if ((flags & OPT_NX && o.exists) || (flags & OPT_XX && !o.exists)) {
        if (flags & OPT_GET) {
            if (o.exists) reply_bulk(c, o.val, o.len); else reply_null(c);
        } else if (ok_reply_int) {
            reply_longlong(c, 0);
        } else {
            reply_null(c);
        }
        tier_obj_free(&o);
        return;
    }
    if (flags & OPT_GET) {
        if (o.exists) reply_bulk(c, o.val, o.len); else reply_null(c);
    }
    int new_ttl = expire != 0;
    if ((flags & OPT_KEEPTTL) && o.exists) expire = o.expire_ms;
    tier_set_string(c->db, KEY(1), KEY(2), expire, &o);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_STRING, "set", KEY(1), c->db);
    if (new_ttl) notify_keyspace_event(NOTIFY_GENERIC, "expire", KEY(1), c->db);
    if (!(flags & OPT_GET)) {
        if (ok_reply_int) reply_longlong(c, 1); else reply_ok(c);
    }
    tier_obj_free(&o);
}

void setCommand(client *c) {
    int flags, expire_arg;
    int64_t expire;
    if (parse_string_options(c, 3, FOR_SET, &flags, &expire_arg) < 0) return;
    if (expire_from_options(c, flags, expire_arg, "set", &expire) < 0) return;
    set_generic(c, flags, expire, 0);
}

void setnxCommand(client *c) { set_generic(c, OPT_NX, 0, 1); }

static void setex_generic(client *c, int unit_seconds, const char *name) {
    int64_t expire;
    if (parse_expire(c, 2, unit_seconds, 1, name, &expire) < 0) return;
    /* SETEX's value is argv[3]: reuse set_generic by viewing it as argv[2]. */
    resp_arg saved = c->argv[2];
    c->argv[2] = c->argv[3];
    set_generic(c, 0, expire, 0);
    c->argv[2] = saved;
}

void setexCommand(client *c) { setex_generic(c, 1, "setex"); }
void psetexCommand(client *c) { setex_generic(c, 0, "psetex"); }
void getsetCommand(client *c) { set_generic(c, OPT_GET, 0, 0); }

void getdelCommand(client *c) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    if (o.exists) {
        reply_bulk(c, o.val, o.len);
        tier_delete(c->db, KEY(1), &o);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "del", KEY(1), c->db);
    } else {
        db_keymiss(c, KEY(1)); /* GETDEL reads as GET does */
        reply_null(c);
    }
    tier_obj_free(&o);
}

void getexCommand(client *c) {
    int flags, expire_arg;
    int64_t expire;
    if (parse_string_options(c, 2, FOR_GETEX, &flags, &expire_arg) < 0) return;
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    if (!o.exists) {
        db_keymiss(c, KEY(1)); /* GETEX reads as GET does */
        reply_null(c);
        tier_obj_free(&o);
        return;
    }
    if (expire_from_options(c, flags, expire_arg, "getex", &expire) < 0) {
        tier_obj_free(&o);
        return;
    }
    reply_bulk(c, o.val, o.len);
    if (expire && expire <= server_mstime()) {
        tier_delete(c->db, KEY(1), &o);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "del", KEY(1), c->db);
    } else if (expire) {
        tier_set_expire(c->db, KEY(1), &o, expire);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "expire", KEY(1), c->db);
    } else if ((flags & OPT_PERSIST) && o.expire_ms) {
        tier_set_expire(c->db, KEY(1), &o, 0);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_GENERIC, "persist", KEY(1), c->db);
    }
    tier_obj_free(&o);
}

void mgetCommand(client *c) {
    reply_array_len(c, c->argc - 1);
    for (int i = 1; i < c->argc; i++) {
        tier_obj o;
        int r = tier_lookup(c->db, KEY(i), server_mstime(), &o);
        if (r == TIER_OK && !o.exists) db_keymiss(c, KEY(i));
        if (r != TIER_OK || !o.exists || o.type != OBJ_STRING)
            reply_null(c);
        else
            reply_bulk(c, o.val, o.len);
        tier_obj_free(&o);
    }
}

static void mset_generic(client *c, int nx) {
    if (c->argc % 2 == 0) {
        reply_error_arity(c);
        return;
    }
    if (nx) {
        for (int i = 1; i < c->argc; i += 2) {
            tier_obj o;
            if (db_lookup(c, KEY(i), &o) < 0) return;
            int exists = o.exists;
            tier_obj_free(&o);
            if (exists) {
                reply_longlong(c, 0);
                return;
            }
        }
    }
    /* Looked up one at a time: a key repeated in the arguments sees the
     * earlier assignment, and the last one wins, as in Redis. */
    for (int i = 1; i < c->argc; i += 2) {
        tier_obj o;
        if (tier_lookup(c->db, KEY(i), server_mstime(), &o) != TIER_OK) {
            reply_store_error(c);
            return;
        }
        tier_set_string(c->db, KEY(i), KEY(i + 1), 0, &o);
        tier_obj_free(&o);
        notify_keyspace_event(NOTIFY_STRING, "set", KEY(i), c->db);
    }
    server_dirty(c, (c->argc - 1) / 2);
    if (nx)
        reply_longlong(c, 1);
    else
        reply_ok(c);
}

void msetCommand(client *c) { mset_generic(c, 0); }
void msetnxCommand(client *c) { mset_generic(c, 1); }

void appendCommand(client *c) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    size_t total = o.len + c->argv[2].len;
    if (o.exists && check_string_size(c, (long long)o.len, (long long)c->argv[2].len) < 0) {
        tier_obj_free(&o);
        return;
    }
    if (!o.exists) {
        tier_set_string(c->db, KEY(1), KEY(2), 0, &o);
    } else {
        char *buf = malloc(total ? total : 1);
        memcpy(buf, o.val, o.len);
        memcpy(buf + o.len, c->argv[2].ptr, c->argv[2].len);
        tier_set_string(c->db, KEY(1), buf, total, o.expire_ms, &o);
        free(buf);
    }
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_STRING, "append", KEY(1), c->db);
    reply_longlong(c, (long long)total);
    tier_obj_free(&o);
}

void strlenCommand(client *c) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    reply_longlong(c, o.exists ? (long long)o.len : 0);
    tier_obj_free(&o);
}

/* ---------------------------------------------------------------------------
 * Counters
 * ------------------------------------------------------------------------ */

static void incr_generic(client *c, long long incr) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    long long value = 0;
    if (o.exists && !util_str2ll(o.val, o.len, &value)) {
        reply_error(c, ERR_NOT_INTEGER);
        tier_obj_free(&o);
        return;
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        reply_error(c, ERR_OVERFLOW);
        tier_obj_free(&o);
        return;
    }
    char buf[32];
    size_t len = util_ll2str(buf, sizeof(buf), value);
    tier_set_string(c->db, KEY(1), buf, len, o.exists ? o.expire_ms : 0, &o);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_STRING, "incrby", KEY(1), c->db);
    reply_longlong(c, value);
    tier_obj_free(&o);
}

void incrCommand(client *c) { incr_generic(c, 1); }
void decrCommand(client *c) { incr_generic(c, -1); }

void incrbyCommand(client *c) {
    long long incr;
    if (arg_longlong(c, 2, &incr, NULL) < 0) return;
    incr_generic(c, incr);
}

void decrbyCommand(client *c) {
    long long incr;
    if (arg_longlong(c, 2, &incr, NULL) < 0) return;
    if (incr == LLONG_MIN) {
        reply_error(c, "ERR decrement would overflow");
        return;
    }
    incr_generic(c, -incr);
}

void incrbyfloatCommand(client *c) {
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    long double value = 0, incr;
    if ((o.exists && !util_str2ld(o.val, o.len, &value)) ||
        !util_str2ld(c->argv[2].ptr, c->argv[2].len, &incr)) {
        reply_error(c, ERR_NOT_FLOAT);
        tier_obj_free(&o);
        return;
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        tier_obj_free(&o);
        return;
    }
    char buf[5 * 1024];
    size_t len = util_ld2str_human(buf, sizeof(buf), value);
    tier_set_string(c->db, KEY(1), buf, len, o.exists ? o.expire_ms : 0, &o);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_STRING, "incrbyfloat", KEY(1), c->db);
    reply_bulk(c, buf, len);
    tier_obj_free(&o);
}

/* ---------------------------------------------------------------------------
 * Ranges
 * ------------------------------------------------------------------------ */

void getrangeCommand(client *c) {
    long long start, end;
    if (arg_longlong(c, 2, &start, NULL) < 0 || arg_longlong(c, 3, &end, NULL) < 0) return;
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    long long len = (long long)o.len;
    if (!o.exists || (start < 0 && end < 0 && start > end)) {
        reply_bulk(c, "", 0);
        tier_obj_free(&o);
        return;
    }
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= len) end = len - 1;
    if (start > end || len == 0)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, o.val + start, (size_t)(end - start + 1));
    tier_obj_free(&o);
}

void setrangeCommand(client *c) {
    long long offset;
    if (arg_longlong(c, 2, &offset, NULL) < 0) return;
    if (offset < 0) {
        reply_error(c, "ERR offset is out of range");
        return;
    }
    tier_obj o;
    if (lookup_string(c, 1, &o) < 0) return;
    size_t vlen = c->argv[3].len;
    if (vlen == 0) { /* nothing to write: no key is created */
        reply_longlong(c, o.exists ? (long long)o.len : 0);
        tier_obj_free(&o);
        return;
    }
    if (check_string_size(c, offset, (long long)vlen) < 0) {
        tier_obj_free(&o);
        return;
    }
    size_t newlen = (size_t)offset + vlen;
    if (newlen < o.len) newlen = o.len;
    char *buf = calloc(1, newlen);
    if (o.exists) memcpy(buf, o.val, o.len);
    memcpy(buf + offset, c->argv[3].ptr, vlen);
    tier_set_string(c->db, KEY(1), buf, newlen, o.exists ? o.expire_ms : 0, &o);
    free(buf);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_STRING, "setrange", KEY(1), c->db);
    reply_longlong(c, (long long)newlen);
    tier_obj_free(&o);
}

/* ---------------------------------------------------------------------------
 * LCS
 * ------------------------------------------------------------------------ */

/* The dynamic-programming table is (alen+1)*(blen+1) cells; beyond this it
 * is refused instead of allocated (Redis fails the allocation instead). */
#define LCS_MAX_TABLE_BYTES (1ULL << 30)

typedef struct lcs_match {
    uint32_t a_start, a_end, b_start, b_end;
} lcs_match;

void lcsCommand(client *c) {
    tier_obj oa, ob;
    if (db_lookup(c, KEY(1), &oa) < 0) return;
    if (db_lookup(c, KEY(2), &ob) < 0) {
        tier_obj_free(&oa);
        return;
    }
    int getlen = 0, getidx = 0, withmatchlen = 0;
    long long minmatchlen = 0;
    uint32_t *dp = NULL;
    char *result = NULL;
    lcs_match *matches = NULL;
    if ((oa.exists && oa.type != OBJ_STRING) || (ob.exists && ob.type != OBJ_STRING)) {
        reply_error(c, "ERR The specified keys must contain string values");
        goto done;
    }
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(c, j, "IDX")) {
            getidx = 1;
        } else if (arg_is(c, j, "LEN")) {
            getlen = 1;
        } else if (arg_is(c, j, "WITHMATCHLEN")) {
            withmatchlen = 1;
        } else if (arg_is(c, j, "MINMATCHLEN") && more) {
            if (arg_longlong(c, j + 1, &minmatchlen, NULL) < 0) goto done;
            if (minmatchlen < 0) minmatchlen = 0;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    if (getidx && getlen) {
        reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
        goto done;
    }
    const char *a = oa.exists ? oa.val : "", *b = ob.exists ? ob.val : "";
    uint32_t alen = (uint32_t)oa.len, blen = (uint32_t)ob.len;
    unsigned long long cells = (unsigned long long)(alen + 1ULL) * (blen + 1ULL);
    if (oa.len >= UINT32_MAX - 1 || ob.len >= UINT32_MAX - 1 || cells * sizeof(uint32_t) > LCS_MAX_TABLE_BYTES ||
        !(dp = malloc(cells * sizeof(uint32_t)))) {
        reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
        goto done;
    }
#define LCS(I, J) dp[(J) + (size_t)(I) * (blen + 1)]
    for (uint32_t i = 0; i <= alen; i++) {
        for (uint32_t j = 0; j <= blen; j++) {
            if (i == 0 || j == 0)
                LCS(i, j) = 0;
            else if (a[i - 1] == b[j - 1])
                LCS(i, j) = LCS(i - 1, j - 1) + 1;
            else
                LCS(i, j) = LCS(i - 1, j) > LCS(i, j - 1) ? LCS(i - 1, j) : LCS(i, j - 1);
        }
    }
    uint32_t total = LCS(alen, blen), idx = total;
    result = malloc(total + 1);
    size_t nmatches = 0, capmatches = 0;
    /* Walk back from the end, collecting the LCS and, for IDX, the ranges
     * of contiguous matches, in the same order and with the same quirks as
     * Redis (a match that does not continue the current range ends it). */
    uint32_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;
    uint32_t i = alen, j = blen;
    while (i > 0 && j > 0) {
        int emit = 0;
        if (a[i - 1] == b[j - 1]) {
            result[idx - 1] = a[i - 1];
            if (a_start == alen) {
                a_start = a_end = i - 1;
                b_start = b_end = j - 1;
            } else if (a_start == i && b_start == j) {
                a_start--;
                b_start--;
            } else {
                emit = 1;
            }
            if (a_start == 0 || b_start == 0) emit = 1;
            idx--;
            i--;
            j--;
        } else {
            if (LCS(i - 1, j) > LCS(i, j - 1))
                i--;
            else
                j--;
            if (a_start != alen) emit = 1;
        }
        if (emit) {
            uint32_t mlen = a_end - a_start + 1;
            if (getidx && (minmatchlen == 0 || mlen >= minmatchlen)) {
                if (nmatches == capmatches) {
                    capmatches = capmatches ? capmatches * 2 : 16;
                    matches = realloc(matches, capmatches * sizeof(*matches));
                }
                matches[nmatches++] = (lcs_match){a_start, a_end, b_start, b_end};
            }
            a_start = alen;
        }
    }
#undef LCS
    if (getidx) {
        reply_map_len(c, 2);
        reply_bulk_cstr(c, "matches");
        reply_array_len(c, (long)nmatches);
        for (size_t m = 0; m < nmatches; m++) {
            reply_array_len(c, 2 + withmatchlen);
            reply_array_len(c, 2);
            reply_longlong(c, matches[m].a_start);
            reply_longlong(c, matches[m].a_end);
            reply_array_len(c, 2);
            reply_longlong(c, matches[m].b_start);
            reply_longlong(c, matches[m].b_end);
            if (withmatchlen) reply_longlong(c, matches[m].a_end - matches[m].a_start + 1);
        }
        reply_bulk_cstr(c, "len");
        reply_longlong(c, total);
    } else if (getlen) {
        reply_longlong(c, total);
    } else {
        reply_bulk(c, result, total);
    }
done:
    free(dp);
    free(result);
    free(matches);
    tier_obj_free(&oa);
    tier_obj_free(&ob);
}
