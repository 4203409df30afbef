/* t_hash.c - hash commands: HSET/HGET and friends, counters, HRANDFIELD,
 * HSCAN.
 *
 * Representation
 * --------------
 * A hash is a compound value of the keyspace layer (keyspace.h). Its
 * metadata record holds the version, the number of fields (so HLEN is O(1))
 * and, in the type-specific `extra` bytes:
 *
 *     extra = [salt: 16 bytes][flags u8]
 *
 * Every field is one element of the sub CF:
 *
 *     element key   = [fh u64 big-endian][field bytes]
 *     element value = the value's bytes
 *     fh            = SipHash-2-4(field) keyed with the hash's salt
 *
 * so a hash's fields are stored in fh order: a pseudo-random order, as in
 * Redis's dict. Why the 8-byte prefix rather than the field alone:
 *
 *  - HSCAN gets a numeric, stateless cursor, the way SCAN does over the
 *    keyspace (docs/architecture.md): the cursor is the next fh to visit. A
 *    field sits before or after the cursor whatever else is added or
 *    removed, so a full iteration returns every field present throughout
 *    (fields sharing an fh are never split across calls), and cursors stay
 *    valid across restarts. Fields kept in their own order would need the
 *    whole field, of any length, in the cursor.
 *  - HRANDFIELD on a big hash seeks to a random fh: O(log n) a pick instead
 *    of walking the hash.
 *
 * HGET is still one point read: the element key is computed from the field.
 * The cost is 8 bytes per element key and one SipHash per field access
 * (tens of nanoseconds). The salt is random per hash and never shown to a
 * client, so nobody can craft fields that pile up on one fh (one HSCAN call
 * returns all fields of an fh). It lives in the metadata, so COPY, RENAME
 * and MOVE, which copy element keys verbatim, keep working.
 *
 * Flags: HASH_BIG mirrors Redis's one-way conversion of a hash from the
 * listpack to the hashtable encoding: it is set once the hash holds more
 * than 512 fields or is given a field or value longer than 64 bytes, and is
 * cleared only by deleting the hash. Redis's HSCAN returns a listpack hash
 * whole in one call (cursor 0, COUNT ignored); so do we for a hash without
 * the flag, and those replies match Redis's byte for byte up to field order.
 * A hash with the flag is paged by COUNT.
 *
 * Writes are read-modify-write per field: a field's element is read (is it
 * new?) and written, which the turn's indexed batch makes consistent even
 * when one command names a field twice (HSET k f 1 f 2 adds one field).
 * The count in the metadata always matches the elements written, also when
 * a store error stops a command half-way.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

/* Redis's defaults of hash-max-listpack-entries / hash-max-listpack-value. */
#define HASH_LISTPACK_ENTRIES 512
#define HASH_LISTPACK_VALUE 64

#define HASH_SALT_LEN 16
#define HASH_EXTRA_LEN (HASH_SALT_LEN + 1)
#define HASH_BIG 0x01 /* flags: "hashtable" encoding in Redis's terms */
#define FH_LEN 8      /* the fh prefix of an element key */

/* ---------------------------------------------------------------------------
 * Random numbers: salts and HRANDFIELD
 * ------------------------------------------------------------------------ */

static struct {
    int ready;
    uint8_t key[16];  /* secret key of the salt generator */
    uint64_t counter; /* salts are SipHash(counter) under key */
    uint64_t state;   /* splitmix64 state for random picks */
} rnd;

static void rnd_init(void) {
    if (rnd.ready) return;
    util_random_bytes(rnd.key, sizeof(rnd.key));
    util_random_bytes(&rnd.state, sizeof(rnd.state));
    rnd.ready = 1;
}

/* splitmix64: fast and well mixed; the picks need no secrecy. */
static uint64_t rnd_next(void) {
    rnd_init();
    uint64_t z = (rnd.state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A uniform number in [0, n), n > 0. */
static uint64_t rnd_below(uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;
    do r = rnd_next(); while (r >= limit);
    return r % n;
}

/* A fresh salt: a keyed PRF of a counter, so salts are unpredictable
 * without reading /dev/urandom for every new hash. */
static void rnd_salt(uint8_t salt[HASH_SALT_LEN]) {
    rnd_init();
    for (int i = 0; i < HASH_SALT_LEN; i += 8) {
        uint64_t n = rnd.counter++, h = enc_siphash(&n, sizeof(n), rnd.key);
        memcpy(salt + i, &h, 8);
    }
}

/* ---------------------------------------------------------------------------
 * Hash type API
 * ------------------------------------------------------------------------ */

/* One hash as a command sees it: the key, the lookup result and the salt.
 * Open with hash_open(), release with hash_close(). */
typedef struct hash {
    int db;
    const char *key;
    size_t klen;
    tier_obj o; /* o.exists = 0: no such key (or not created yet) */
    uint8_t salt[HASH_SALT_LEN];
    int meta_dirty; /* the metadata (count, flags) changed: hash_save() writes it */
} hash;

/* An element key, on the stack when small. */
typedef struct hkey {
    char *p;
    size_t len;
    char small[128];
} hkey;

static void hkey_release(hkey *k) {
    if (k->p != k->small) free(k->p);
}

static uint64_t hash_fh(const hash *h, const char *field, size_t flen) {
    return enc_siphash(field, flen, h->salt);
}

/* The element key of field: [fh][field]. Release with hkey_release(). */
static void hash_elem_key(const hash *h, const char *field, size_t flen, hkey *k) {
    k->len = FH_LEN + flen;
    k->p = k->len <= sizeof(k->small) ? k->small : malloc(k->len);
    enc_put_u64(k->p, hash_fh(h, field, flen));
    if (flen) memcpy(k->p + FH_LEN, field, flen);
}

static int hash_flags(const hash *h) {
    return h->o.extralen >= HASH_EXTRA_LEN ? (unsigned char)h->o.extra[HASH_SALT_LEN] : 0;
}

static void hash_set_flags(hash *h, int flags) {
    if (h->o.extralen < HASH_EXTRA_LEN) {
        /* Not made by hash_create(): hash_open() used a zero salt unless
         * a whole one was there; keep what was used. */
        size_t keep = h->o.extralen >= HASH_SALT_LEN ? HASH_SALT_LEN : 0;
        memset(h->o.extra + keep, 0, HASH_EXTRA_LEN - keep);
        h->o.extralen = HASH_EXTRA_LEN;
        h->meta_dirty = 1;
    }
    if (hash_flags(h) != flags) h->meta_dirty = 1;
    h->o.extra[HASH_SALT_LEN] = (char)flags;
}

/* What Redis 7.0's OBJECT ENCODING would say of the hash o (a lookup
 * result of type OBJ_HASH): "hashtable" once it had more than 512 fields
 * or a field or value over 64 bytes, else "listpack". For db.c's OBJECT;
 * not declared in server.h yet. */
static int hash_is_big(const tier_obj *o) {
    int big = o->extralen >= HASH_EXTRA_LEN && ((unsigned char)o->extra[HASH_SALT_LEN] & HASH_BIG);
    return big || o->count > HASH_LISTPACK_ENTRIES;
}

const char *hash_object_encoding(const tier_obj *o) { return hash_is_big(o) ? "hashtable" : "listpack"; }

/* Look up argv[i] as a hash. Replies (WRONGTYPE or a store error) and
 * returns -1 when the command cannot go on; an absent key is not an error.
 * A lookup for a write does not count as a keyspace hit or miss, as in
 * Redis (lookupKeyWrite). */
enum { FOR_READ, FOR_WRITE };

static int hash_open(client *c, int i, int mode, hash *h) {
    memset(h, 0, sizeof(*h));
    h->db = c->db;
    h->key = c->argv[i].ptr;
    h->klen = c->argv[i].len;
    if (mode == FOR_READ) {
        if (db_lookup_typed(c, h->key, h->klen, OBJ_HASH, &h->o) < 0) return -1;
    } else {
        if (tier_lookup(c->db, h->key, h->klen, server_mstime(), &h->o) != TIER_OK) {
            reply_store_error(c);
            return -1;
        }
        if (h->o.exists && h->o.type != OBJ_HASH) {
            reply_error(c, ERR_WRONGTYPE);
            tier_obj_free(&h->o);
            return -1;
        }
    }
    if (h->o.exists && h->o.extralen >= HASH_SALT_LEN) memcpy(h->salt, h->o.extra, HASH_SALT_LEN);
    return 0;
}

static void hash_close(hash *h) { tier_obj_free(&h->o); }

/* Make h, which must not exist, a new empty hash with a fresh salt. Nothing
 * is stored before hash_save(). */
static void hash_create(hash *h) {
    tier_compound_create(h->db, h->key, h->klen, OBJ_HASH, &h->o);
    rnd_salt(h->salt);
    memcpy(h->o.extra, h->salt, HASH_SALT_LEN);
    h->o.extra[HASH_SALT_LEN] = 0;
    h->o.extralen = HASH_EXTRA_LEN;
    h->meta_dirty = 1;
}

/* The value of field: 1 (found; *val to free with tier_free), 0 (no such
 * field or key) or TIER_ERR. */
static int hash_get(const hash *h, const char *field, size_t flen, char **val, size_t *vlen) {
    if (!h->o.exists) return 0;
    hkey k;
    hash_elem_key(h, field, flen, &k);
    int r = tier_sub_get(h->db, h->key, h->klen, &h->o, k.p, k.len, val, vlen);
    hkey_release(&k);
    return r;
}

static int hash_exists(const hash *h, const char *field, size_t flen) {
    char *v;
    size_t vlen;
    int r = hash_get(h, field, flen, &v, &vlen);
    if (r == 1) tier_free(v);
    return r;
}

/* Set field to val in the existing (or just created) hash h. Returns 1 if
 * the field is new, 0 if it was updated, TIER_ERR on a store error. The
 * count is updated here; hash_save() stores it. */
static int hash_set(hash *h, const char *field, size_t flen, const char *val, size_t vlen) {
    int exists = hash_exists(h, field, flen);
    if (exists == TIER_ERR) return TIER_ERR;
    hkey k;
    hash_elem_key(h, field, flen, &k);
    tier_sub_put(h->db, h->key, h->klen, &h->o, k.p, k.len, val, vlen);
    hkey_release(&k);
    if (!exists) {
        h->o.count++;
        h->meta_dirty = 1;
    }
    if (flen > HASH_LISTPACK_VALUE || vlen > HASH_LISTPACK_VALUE) hash_set_flags(h, hash_flags(h) | HASH_BIG);
    return !exists;
}

/* Delete field. Returns 1 if it was there, 0 if not, TIER_ERR. */
static int hash_del(hash *h, const char *field, size_t flen) {
    int exists = hash_exists(h, field, flen);
    if (exists != 1) return exists;
    hkey k;
    hash_elem_key(h, field, flen, &k);
    tier_sub_del(h->db, h->key, h->klen, &h->o, k.p, k.len);
    hkey_release(&k);
    h->o.count--;
    h->meta_dirty = 1;
    return 1;
}

/* Store h's metadata if changes moved it (updating a field's value does
 * not); a hash left empty is deleted. */
static void hash_save(hash *h) {
    if (h->o.count > HASH_LISTPACK_ENTRIES) hash_set_flags(h, hash_flags(h) | HASH_BIG);
    if (!h->meta_dirty) return;
    tier_compound_save(h->db, h->key, h->klen, &h->o);
    h->meta_dirty = 0;
}

/* Iteration in fh order. The element accessors strip the fh prefix. No
 * write may happen while an iterator is open. */
static tier_iter *hash_iter(const hash *h) { return tier_iter_new(h->db, h->key, h->klen, &h->o, 0); }

static uint64_t hash_iter_fh(tier_iter *it) {
    size_t len;
    const char *k = tier_iter_sub(it, &len);
    return len >= FH_LEN ? enc_get_u64(k) : 0;
}

static const char *hash_iter_field(tier_iter *it, size_t *flen) {
    size_t len;
    const char *k = tier_iter_sub(it, &len);
    if (len < FH_LEN) { /* cannot happen: every element key has its fh */
        *flen = 0;
        return "";
    }
    *flen = len - FH_LEN;
    return k + FH_LEN;
}

/* Position it at fh `from` or the first field after it. */
static void hash_iter_seek_fh(tier_iter *it, uint64_t from) {
    char k[FH_LEN];
    enc_put_u64(k, from);
    tier_iter_seek(it, k, FH_LEN);
}

/* Position it on a random field of its hash (which has fields), in
 * O(log n). Seeking to a random fh lands on a field with a chance
 * proportional to the gap before it, and gaps between random points vary
 * a lot (a field right after another is almost never hit). Stepping on by
 * a random 0 to HRAND_SPREAD-1 fields (wrapping around) spreads each
 * landing over that many fields, so a field's chance follows the sum of
 * HRAND_SPREAD gaps: within about 1/sqrt(HRAND_SPREAD) of uniform. Redis's
 * pick from a big dict (dictGetFairRandomKey) evens out its chains the
 * same way, among 15 neighbours. */
#define HRAND_SPREAD 16

static void hash_iter_random(tier_iter *it) {
    hash_iter_seek_fh(it, rnd_next());
    if (!tier_iter_valid(it)) tier_iter_seek_first(it);
    for (uint64_t steps = rnd_below(HRAND_SPREAD); steps > 0 && tier_iter_valid(it); steps--) {
        tier_iter_next(it);
        if (!tier_iter_valid(it)) tier_iter_seek_first(it);
    }
}

/* A copy of fields (and values) read from a hash. */
typedef struct hpair {
    char *field, *value;
    size_t flen, vlen;
} hpair;

typedef struct hpairs {
    hpair *v;
    size_t n, cap;
} hpairs;

static void hpairs_add(hpairs *l, const char *f, size_t flen, const char *v, size_t vlen) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    hpair *p = &l->v[l->n++];
    p->field = malloc(flen + vlen + 1);
    memcpy(p->field, f, flen);
    p->value = p->field + flen;
    if (vlen) memcpy(p->value, v, vlen);
    p->flen = flen;
    p->vlen = vlen;
}

static void hpairs_free(hpairs *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].field);
    free(l->v);
}

/* Every field and value of h (for small hashes and big random samples). */
static void hash_load(const hash *h, hpairs *out) {
    memset(out, 0, sizeof(*out));
    tier_iter *it = hash_iter(h);
    for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
        size_t flen, vlen;
        const char *f = hash_iter_field(it, &flen), *v = tier_iter_value(it, &vlen);
        hpairs_add(out, f, flen, v, vlen);
    }
    tier_iter_free(it);
}

/* ---------------------------------------------------------------------------
 * HSET, HSETNX, HMSET, HDEL
 * ------------------------------------------------------------------------ */

static void hset_generic(client *c, int reply_ok_status) {
    if (c->argc % 2 == 1) {
        reply_error_arity(c);
        return;
    }
    hash h;
    if (hash_open(c, 1, FOR_WRITE, &h) < 0) return;
    if (!h.o.exists) hash_create(&h);
    long long created = 0;
    int failed = 0;
    for (int i = 2; i < c->argc; i += 2) {
        int r = hash_set(&h, KEY(i), KEY(i + 1));
        if (r == TIER_ERR) {
            failed = 1;
            break;
        }
        created += r;
    }
    hash_save(&h); /* also after a failure: the count matches what was written */
    server_dirty(c, (c->argc - 2) / 2);
    notify_keyspace_event(NOTIFY_HASH, "hset", KEY(1), c->db);
    if (failed)
        reply_store_error(c);
    else if (reply_ok_status)
        reply_ok(c);
    else
        reply_longlong(c, created);
    hash_close(&h);
}

void hsetCommand(client *c) { hset_generic(c, 0); }
void hmsetCommand(client *c) { hset_generic(c, 1); }

void hsetnxCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_WRITE, &h) < 0) return;
    int exists = hash_exists(&h, KEY(2));
    if (exists == TIER_ERR) {
        reply_store_error(c);
    } else if (exists) {
        reply_longlong(c, 0);
    } else {
        if (!h.o.exists) hash_create(&h);
        int r = hash_set(&h, KEY(2), KEY(3));
        hash_save(&h);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_HASH, "hset", KEY(1), c->db);
        if (r == TIER_ERR) reply_store_error(c); else reply_longlong(c, 1);
    }
    hash_close(&h);
}

void hdelCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_WRITE, &h) < 0) return;
    long long deleted = 0;
    int failed = 0;
    if (h.o.exists) {
        for (int i = 2; i < c->argc && h.o.count > 0; i++) {
            int r = hash_del(&h, KEY(i));
            if (r == TIER_ERR) {
                failed = 1;
                break;
            }
            deleted += r;
        }
        if (deleted) {
            hash_save(&h); /* deletes the key when no field is left */
            notify_keyspace_event(NOTIFY_HASH, "hdel", KEY(1), c->db);
            if (h.o.count == 0) notify_keyspace_event(NOTIFY_GENERIC, "del", KEY(1), c->db);
        }
    }
    server_dirty(c, deleted);
    if (failed) reply_store_error(c); else reply_longlong(c, deleted);
    hash_close(&h);
}

/* ---------------------------------------------------------------------------
 * HGET, HMGET, HEXISTS, HSTRLEN, HLEN
 * ------------------------------------------------------------------------ */

void hgetCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    char *v;
    size_t vlen;
    int r = hash_get(&h, KEY(2), &v, &vlen);
    if (r == TIER_ERR) {
        reply_store_error(c);
    } else if (r == 1) {
        reply_bulk(c, v, vlen);
        tier_free(v);
    } else {
        reply_null(c);
    }
    hash_close(&h);
}

void hmgetCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    reply_array_len(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        char *v;
        size_t vlen;
        /* A store error mid-reply cannot become an error reply (the array
         * is started): that field reads as absent. */
        if (hash_get(&h, KEY(i), &v, &vlen) == 1) {
            reply_bulk(c, v, vlen);
            tier_free(v);
        } else {
            reply_null(c);
        }
    }
    hash_close(&h);
}

void hexistsCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    int r = hash_exists(&h, KEY(2));
    if (r == TIER_ERR) reply_store_error(c); else reply_longlong(c, r);
    hash_close(&h);
}

void hstrlenCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    char *v;
    size_t vlen = 0;
    int r = hash_get(&h, KEY(2), &v, &vlen);
    if (r == TIER_ERR) {
        reply_store_error(c);
    } else {
        reply_longlong(c, r == 1 ? (long long)vlen : 0);
        if (r == 1) tier_free(v);
    }
    hash_close(&h);
}

void hlenCommand(client *c) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    reply_longlong(c, h.o.exists ? (long long)h.o.count : 0);
    hash_close(&h);
}

/* ---------------------------------------------------------------------------
 * HKEYS, HVALS, HGETALL
 * ------------------------------------------------------------------------ */

#define WANT_FIELDS 1
#define WANT_VALUES 2

static void getall_generic(client *c, int what) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    long long n = h.o.exists ? (long long)h.o.count : 0;
    if (what == (WANT_FIELDS | WANT_VALUES))
        reply_map_len(c, n);
    else
        reply_array_len(c, n);
    if (n == 0) {
        hash_close(&h);
        return;
    }
    /* Streamed straight from the iterator: the reply is as long as the
     * metadata's count says, which the writes keep equal to the number of
     * elements; should the store disagree, the reply is padded or cut so
     * the protocol stays intact. */
    tier_iter *it = hash_iter(&h);
    tier_iter_seek_first(it);
    for (long long i = 0; i < n; i++) {
        if (!tier_iter_valid(it)) {
            if (what & WANT_FIELDS) reply_null(c);
            if (what & WANT_VALUES) reply_null(c);
            continue;
        }
        size_t flen, vlen;
        const char *f = hash_iter_field(it, &flen), *v = tier_iter_value(it, &vlen);
        if (what & WANT_FIELDS) reply_bulk(c, f, flen);
        if (what & WANT_VALUES) reply_bulk(c, v, vlen);
        tier_iter_next(it);
    }
    tier_iter_free(it);
    hash_close(&h);
}

void hkeysCommand(client *c) { getall_generic(c, WANT_FIELDS); }
void hvalsCommand(client *c) { getall_generic(c, WANT_VALUES); }
void hgetallCommand(client *c) { getall_generic(c, WANT_FIELDS | WANT_VALUES); }

/* ---------------------------------------------------------------------------
 * HINCRBY, HINCRBYFLOAT
 * ------------------------------------------------------------------------ */

/* The current value of argv[2] in h, for the counters: returns 1 (found),
 * 0 (absent) or -1 after replying a store error. */
static int counter_value(client *c, hash *h, char **v, size_t *vlen) {
    int r = hash_get(h, KEY(2), v, vlen);
    if (r == TIER_ERR) reply_store_error(c);
    return r;
}

/* Store the counter's new text and save. Returns -1 after replying a
 * store error. */
static int counter_store(client *c, hash *h, const char *val, size_t vlen, const char *event) {
    if (!h->o.exists) hash_create(h);
    int r = hash_set(h, KEY(2), val, vlen);
    hash_save(h);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_HASH, event, KEY(1), c->db);
    if (r != TIER_ERR) return 0;
    reply_store_error(c);
    return -1;
}

void hincrbyCommand(client *c) {
    long long incr, value = 0;
    if (arg_longlong(c, 3, &incr, NULL) < 0) return;
    hash h;
    if (hash_open(c, 1, FOR_WRITE, &h) < 0) return;
    char *v;
    size_t vlen;
    int r = counter_value(c, &h, &v, &vlen);
    if (r < 0) goto done;
    if (r == 1) {
        int ok = util_str2ll(v, vlen, &value);
        tier_free(v);
        if (!ok) {
            reply_error(c, "ERR hash value is not an integer");
            goto done;
        }
    }
    if (__builtin_add_overflow(value, incr, &value)) {
        reply_error(c, ERR_OVERFLOW);
        goto done;
    }
    char buf[32];
    size_t len = util_ll2str(buf, sizeof(buf), value);
    if (counter_store(c, &h, buf, len, "hincrby") == 0) reply_longlong(c, value);
done:
    hash_close(&h);
}

void hincrbyfloatCommand(client *c) {
    long double incr, value = 0;
    if (!util_str2ld(c->argv[3].ptr, c->argv[3].len, &incr)) {
        reply_error(c, ERR_NOT_FLOAT);
        return;
    }
    if (isnan(incr) || isinf(incr)) {
        reply_error(c, "ERR value is NaN or Infinity");
        return;
    }
    hash h;
    if (hash_open(c, 1, FOR_WRITE, &h) < 0) return;
    char *v;
    size_t vlen;
    int r = counter_value(c, &h, &v, &vlen);
    if (r < 0) goto done;
    if (r == 1) {
        int ok = util_str2ld(v, vlen, &value);
        tier_free(v);
        if (!ok) {
            reply_error(c, "ERR hash value is not a float");
            goto done;
        }
    }
    value += incr;
    if (isnan(value) || isinf(value)) {
        reply_error(c, "ERR increment would produce NaN or Infinity");
        goto done;
    }
    char buf[5 * 1024]; /* Redis's MAX_LONG_DOUBLE_CHARS: any long double fits */
    size_t len = util_ld2str_human(buf, sizeof(buf), value);
    if (counter_store(c, &h, buf, len, "hincrbyfloat") == 0) reply_bulk(c, buf, len);
done:
    hash_close(&h);
}

/* ---------------------------------------------------------------------------
 * HRANDFIELD
 * ------------------------------------------------------------------------ */

/* One element of an HRANDFIELD reply: the field, or with values the field
 * and its value (a pair array of its own in RESP3). */
static void reply_pick(client *c, const char *f, size_t flen, const char *v, size_t vlen, int withvalues) {
    if (withvalues && c->resp >= 3) reply_array_len(c, 2);
    reply_bulk(c, f, flen);
    if (withvalues) reply_bulk(c, v, vlen);
}

static void reply_picks_len(client *c, long long n, int withvalues) {
    reply_array_len(c, withvalues && c->resp < 3 ? n * 2 : n);
}

/* Picks are made from the loaded hash when it has at most HRAND_LOAD_MAX
 * fields (Redis too walks a listpack) or at most HRAND_LOAD_RATIO times as
 * many fields as picks are asked for: reading a field in order costs about
 * a microsecond, a random pick (a seek and some steps) tens of them, and
 * the memory stays within a small multiple of the reply's. */
#define HRAND_LOAD_MAX HASH_LISTPACK_ENTRIES
#define HRAND_LOAD_RATIO 16

/* A set of 64-bit fh values (open addressing; 0 is stored as a flag). */
typedef struct fhset {
    uint64_t *slot;
    size_t mask;
    int has_zero;
} fhset;

static void fhset_init(fhset *s, size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    s->slot = calloc(cap, sizeof(uint64_t));
    s->mask = cap - 1;
    s->has_zero = 0;
}

/* Add v; returns 1 if it was not there. */
static int fhset_add(fhset *s, uint64_t v) {
    if (v == 0) {
        int added = !s->has_zero;
        s->has_zero = 1;
        return added;
    }
    for (size_t i = (v * 0x9e3779b97f4a7c15ULL) & s->mask;; i = (i + 1) & s->mask) {
        if (s->slot[i] == v) return 0;
        if (s->slot[i] == 0) {
            s->slot[i] = v;
            return 1;
        }
    }
}

static void hrandfield_count(client *c, long long l, int withvalues) {
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    uint64_t size = h.o.exists ? h.o.count : 0;
    if (size == 0 || l == 0) {
        reply_array_len(c, 0);
        hash_close(&h);
        return;
    }
    tier_iter *it = hash_iter(&h);
    hpairs all = {0};
    if (l < 0) {
        /* Repetitions allowed: exactly -l picks. */
        unsigned long long n = (unsigned long long)-l;
        reply_picks_len(c, (long long)n, withvalues);
        if (size <= HRAND_LOAD_MAX || size / HRAND_LOAD_RATIO <= n) {
            hash_load(&h, &all);
            for (unsigned long long i = 0; i < n; i++) {
                if (all.n == 0) { /* the store lost the hash: keep the framing */
                    reply_pick(c, "", 0, "", 0, withvalues);
                    continue;
                }
                hpair *p = &all.v[rnd_below(all.n)];
                reply_pick(c, p->field, p->flen, p->value, p->vlen, withvalues);
            }
        } else {
            for (unsigned long long i = 0; i < n; i++) {
                size_t flen = 0, vlen = 0;
                const char *f = "", *v = "";
                hash_iter_random(it);
                if (tier_iter_valid(it)) { /* else the store lost the hash: keep the framing */
                    f = hash_iter_field(it, &flen);
                    v = tier_iter_value(it, &vlen);
                }
                reply_pick(c, f, flen, v, vlen, withvalues);
            }
        }
    } else if ((uint64_t)l >= size) {
        /* The whole hash. */
        reply_picks_len(c, (long long)size, withvalues);
        tier_iter_seek_first(it);
        for (uint64_t i = 0; i < size; i++) {
            size_t flen = 0, vlen = 0;
            const char *f = "", *v = "";
            int valid = tier_iter_valid(it);
            if (valid) {
                f = hash_iter_field(it, &flen);
                v = tier_iter_value(it, &vlen);
            }
            reply_pick(c, f, flen, v, vlen, withvalues);
            if (valid) tier_iter_next(it); /* f and v point into the iterator */
        }
    } else if (size <= HRAND_LOAD_MAX || size / HRAND_LOAD_RATIO <= (uint64_t)l) {
        /* Distinct fields: a partial shuffle of the loaded hash. */
        hash_load(&h, &all);
        size_t n = (size_t)l < all.n ? (size_t)l : all.n;
        reply_picks_len(c, (long long)n, withvalues);
        for (size_t i = 0; i < n; i++) {
            size_t j = i + rnd_below(all.n - i);
            hpair t = all.v[i];
            all.v[i] = all.v[j];
            all.v[j] = t;
            reply_pick(c, all.v[i].field, all.v[i].flen, all.v[i].value, all.v[i].vlen, withvalues);
        }
    } else {
        /* Distinct fields, few of a big hash: random seeks, skipping fields
         * already picked (a field is known by its fh; fields sharing one
         * are all reached through the first). */
        fhset seen;
        fhset_init(&seen, (size_t)l);
        reply_picks_len(c, l, withvalues);
        /* l < size/16, so a fresh field takes little more than one pick;
         * the bound only guards against a store that lost fields. */
        long long got = 0;
        for (long long tries = 0; got < l && tries < 64 * l + 1024; tries++) {
            hash_iter_random(it);
            if (!tier_iter_valid(it)) break;
            if (!fhset_add(&seen, hash_iter_fh(it))) continue;
            size_t flen, vlen;
            const char *f = hash_iter_field(it, &flen), *v = tier_iter_value(it, &vlen);
            reply_pick(c, f, flen, v, vlen, withvalues);
            got++;
        }
        for (; got < l; got++) reply_pick(c, "", 0, "", 0, withvalues);
        free(seen.slot);
    }
    hpairs_free(&all);
    tier_iter_free(it);
    hash_close(&h);
}

void hrandfieldCommand(client *c) {
    if (c->argc >= 3) {
        long long l;
        int withvalues = 0;
        if (arg_longlong(c, 2, &l, NULL) < 0) return;
        if (l == LLONG_MIN) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807");
            return;
        }
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "WITHVALUES"))) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if (c->argc == 4) {
            withvalues = 1;
            /* Redis's limit: the reply's length, 2*count, must fit a long. */
            if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
                reply_error(c, "ERR value is out of range");
                return;
            }
        }
        hrandfield_count(c, l, withvalues);
        return;
    }
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    if (!h.o.exists) {
        reply_null(c);
        hash_close(&h);
        return;
    }
    tier_iter *it = hash_iter(&h);
    if (h.o.count <= HRAND_LOAD_MAX) {
        /* Walk to a uniform position. */
        uint64_t skip = rnd_below(h.o.count);
        tier_iter_seek_first(it);
        for (uint64_t i = 0; i < skip && tier_iter_valid(it); i++) tier_iter_next(it);
        if (!tier_iter_valid(it)) tier_iter_seek_first(it);
    } else {
        hash_iter_random(it);
    }
    if (tier_iter_valid(it)) {
        size_t flen;
        const char *f = hash_iter_field(it, &flen);
        reply_bulk(c, f, flen);
    } else {
        reply_null(c);
    }
    tier_iter_free(it);
    hash_close(&h);
}

/* ---------------------------------------------------------------------------
 * HSCAN
 * ------------------------------------------------------------------------ */


void hscanCommand(client *c) {
    uint64_t cursor;
    if (scan_parse_cursor(c, 2, &cursor) < 0) return;
    hash h;
    if (hash_open(c, 1, FOR_READ, &h) < 0) return;
    if (!h.o.exists) { /* options are not even parsed, as in Redis */
        reply_empty_scan(c);
        hash_close(&h);
        return;
    }
    scan_opts so;
    if (scan_parse_options(c, 3, &so, 0) < 0) goto done;
    long long count = so.count;
    const char *pat = so.pattern;
    size_t plen = so.plen;
    /* A small hash (a listpack in Redis) is returned whole, whatever the
     * cursor and COUNT. A big one from `cursor` on until COUNT fields were
     * visited, finishing the fh reached last; the next cursor is the next
     * fh (never 0: it is above a visited one). */
    int whole = !hash_is_big(&h.o);
    uint64_t next = 0, last = 0;
    long long seen = 0;
    hpairs found = {0};
    tier_iter *it = hash_iter(&h);
    if (whole)
        tier_iter_seek_first(it);
    else
        hash_iter_seek_fh(it, cursor);
    for (; tier_iter_valid(it); tier_iter_next(it)) {
        uint64_t fh = hash_iter_fh(it);
        if (!whole && seen >= count && fh != last) {
            next = fh;
            break;
        }
        seen++;
        last = fh;
        size_t flen, vlen;
        const char *f = hash_iter_field(it, &flen), *v = tier_iter_value(it, &vlen);
        if (pat && !util_globmatch(pat, plen, f, flen, 0)) continue;
        hpairs_add(&found, f, flen, v, vlen);
    }
    tier_iter_free(it);
    char buf[32];
    reply_array_len(c, 2);
    reply_bulk(c, buf, util_ull2str(buf, sizeof(buf), next));
    reply_array_len(c, (long)found.n * 2);
    for (size_t i = 0; i < found.n; i++) {
        reply_bulk(c, found.v[i].field, found.v[i].flen);
        reply_bulk(c, found.v[i].value, found.v[i].vlen);
    }
    hpairs_free(&found);
done:
    hash_close(&h);
}
