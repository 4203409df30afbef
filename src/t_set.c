/* t_set.c - set commands: SADD, SREM, SISMEMBER, SMISMEMBER, SMEMBERS, SCARD,
 * SPOP, SRANDMEMBER, SMOVE, SINTER/SINTERCARD/SINTERSTORE, SUNION/SUNIONSTORE,
 * SDIFF/SDIFFSTORE, SSCAN.
 *
 * Representation
 * --------------
 * A set is a compound value (tiering/keyspace.h): the metadata record holds
 * the version, the member count (so SCARD is O(1)) and this file's 17 bytes
 * of `extra`; every member is one element of the sub CF, with an empty
 * value, under the element key
 *
 *     hash u64 big-endian | member bytes
 *
 * where hash = SipHash-2-4(member) keyed with the set's own 16 random bytes
 * (its salt, in `extra`). Putting the hash first, instead of the member
 * alone, is what makes the commands cheap on sets of any size:
 *  - membership (SISMEMBER, SADD, SREM, SMOVE, the probes of SINTER/SDIFF) is
 *    one point read: the element key is computed from the member;
 *  - SSCAN iterates in hash order, so a cursor is simply the next hash to
 *    visit: a plain number, stateless, valid across restarts and across any
 *    adds and removes, and every member present for the whole iteration is
 *    returned (members sharing a hash are never split between calls), as
 *    Redis guarantees;
 *  - SPOP/SRANDMEMBER seek to a random hash and take the member found there:
 *    O(log n) for a random member, without counting or reading the set.
 * Hash order is also what Redis's hash table gives (a random-looking order).
 * The salt is random per set, so crafted members cannot be made to pile up
 * on one hash, and it is kept when a set is rewritten under a new version
 * (SPOP's rebuild, a *STORE over an existing set) so SSCAN cursors stay
 * valid. A copy (COPY, RENAME, MOVE) copies extra and elements together.
 *
 * extra: flags u8 | salt 16 bytes
 *   SET_F_INTSET: Redis 7.0 would hold this set as an intset: created with an
 *   integer member, never given a non-integer one, never above 512 members
 *   (or rebuilt since from integers only, as SINTERSTORE and SPOP do). For
 *   those sets Redis replies members in numeric order and SSCAN returns the
 *   whole set in one call with cursor 0: we do the same, so replies match
 *   Redis byte for byte. Such a set has at most 512 members, so sorting it
 *   for a reply is cheap.
 *
 * Commands on several sets choose how to work by cost, a point read
 * counting as about ten iterator steps: SINTER probes the other sets for
 * each member of the smallest, or reads them through against the smallest
 * held in memory; SDIFF probes, or holds the first set (or the others) in
 * memory and reads the rest through. SUNION reads everything through a
 * dedup table. Results destined for a key are written in element-key order.
 *
 * Writes never happen while an iterator is open: results are collected
 * (mvec below), the iterator freed, then written. An I/O error part-way
 * through a write command saves what was done (count consistent with the
 * elements written) before replying the error.
 */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

#define SET_F_INTSET 0x01
#define SET_EXTRA_LEN 17
#define SET_MAX_INTSET_ENTRIES 512 /* Redis's set-max-intset-entries default */
#define SET_SMALL 64               /* random picks read the whole set up to this size */

/* ---------------------------------------------------------------------------
 * Randomness: a fast generator for random picks, and unpredictable salts
 * ------------------------------------------------------------------------ */

static uint64_t rng_s[4];
static int rng_ready;
static uint8_t salt_key[16];
static uint64_t salt_counter;

static void rng_init(void) {
    util_random_bytes(rng_s, sizeof(rng_s));
    if (!(rng_s[0] | rng_s[1] | rng_s[2] | rng_s[3])) rng_s[0] = 1;
    util_random_bytes(salt_key, sizeof(salt_key));
    rng_ready = 1;
}

static inline uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** */
static uint64_t rand64(void) {
    if (!rng_ready) rng_init();
    uint64_t r = rotl64(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl64(rng_s[3], 45);
    return r;
}

/* Uniform in [0, n), n > 0. */
static uint64_t rand_below(uint64_t n) {
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;
    do r = rand64();
    while (r >= limit);
    return r % n;
}

/* A new set's salt: a keyed PRF of a counter, so salts reveal nothing of the
 * generator that random picks expose, and cost no system call. */
static void new_salt(char out[16]) {
    if (!rng_ready) rng_init();
    for (int i = 0; i < 2; i++) {
        uint64_t n = ++salt_counter, h = enc_siphash(&n, sizeof(n), salt_key);
        memcpy(out + 8 * i, &h, 8);
    }
}

/* ---------------------------------------------------------------------------
 * Member vectors and a member hash table (results, dedup for SUNION/SDIFF)
 * ------------------------------------------------------------------------ */

/* Members appended into one buffer; member i is buf[off[i] .. off[i+1]). */
typedef struct mvec {
    char *buf;
    size_t blen, bcap;
    size_t *off; /* n + 1 entries once anything was pushed */
    size_t n, cap;
} mvec;

static void mv_push(mvec *v, const char *p, size_t len) {
    if (v->n + 2 > v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->off = realloc(v->off, v->cap * sizeof(size_t));
        if (v->n == 0) v->off[0] = 0;
    }
    if (v->blen + len > v->bcap || !v->buf) { /* buf is never NULL: "" is a member too */
        size_t cap = v->bcap ? v->bcap : 256;
        while (cap < v->blen + len) cap *= 2;
        v->buf = realloc(v->buf, cap);
        v->bcap = cap;
    }
    if (len) memcpy(v->buf + v->blen, p, len);
    v->blen += len;
    v->off[++v->n] = v->blen;
}

static const char *mv_get(const mvec *v, size_t i, size_t *len) {
    *len = v->off[i + 1] - v->off[i];
    return v->buf + v->off[i];
}

static void mv_free(mvec *v) {
    free(v->buf);
    free(v->off);
    memset(v, 0, sizeof(*v));
}

/* Open addressing over an mvec's members (slot = index + 1, 0 = empty).
 * Keyed with the process's random salt key: client data picks no slots. */
typedef struct mtable {
    size_t *slot;
    size_t mask;
} mtable;

static uint64_t mt_hash(const char *p, size_t len) {
    if (!rng_ready) rng_init();
    return enc_siphash(p, len, salt_key);
}

static void mt_init(mtable *t, size_t expect) {
    size_t n = 16;
    while (n < expect * 2) n *= 2;
    t->slot = calloc(n, sizeof(size_t));
    t->mask = n - 1;
}

/* Index of the member equal to p in v, or SIZE_MAX. *pos gets the slot
 * where it is or would go. */
static size_t mt_find(const mtable *t, const mvec *v, const char *p, size_t len, size_t *pos) {
    size_t i = mt_hash(p, len) & t->mask;
    for (;; i = (i + 1) & t->mask) {
        if (!t->slot[i]) break;
        size_t ml;
        const char *m = mv_get(v, t->slot[i] - 1, &ml);
        if (ml == len && memcmp(m, p, len) == 0) {
            if (pos) *pos = i;
            return t->slot[i] - 1;
        }
    }
    if (pos) *pos = i;
    return SIZE_MAX;
}

static void mt_grow(mtable *t, const mvec *v) {
    size_t n = (t->mask + 1) * 2;
    free(t->slot);
    t->slot = calloc(n, sizeof(size_t));
    t->mask = n - 1;
    for (size_t k = 0; k < v->n; k++) {
        size_t ml;
        const char *m = mv_get(v, k, &ml);
        size_t i = mt_hash(m, ml) & t->mask;
        while (t->slot[i]) i = (i + 1) & t->mask;
        t->slot[i] = k + 1;
    }
}

/* Append p to v unless it is there already. Returns 1 if added. */
static int mt_add(mtable *t, mvec *v, const char *p, size_t len) {
    size_t pos;
    if (mt_find(t, v, p, len, &pos) != SIZE_MAX) return 0;
    mv_push(v, p, len);
    t->slot[pos] = v->n;
    if (v->n * 2 > t->mask + 1) mt_grow(t, v);
    return 1;
}

static void mt_free(mtable *t) {
    free(t->slot);
    t->slot = NULL;
}

/* ---------------------------------------------------------------------------
 * Set type API
 * ------------------------------------------------------------------------ */

/* A set key as the type API sees it: where it lives and its metadata. */
typedef struct setval {
    int db;
    const char *key;
    size_t klen;
    tier_obj o; /* exists == 0: no such key (an empty set) */
} setval;

static int is_integer(const char *p, size_t len) {
    long long v;
    return util_str2ll(p, len, &v);
}

static int set_flags(const setval *s) { return s->o.extralen >= 1 ? (uint8_t)s->o.extra[0] : 0; }
static int set_is_intset(const setval *s) { return (set_flags(s) & SET_F_INTSET) != 0; }

static void set_set_intset(setval *s, int on) {
    uint8_t f = (uint8_t)set_flags(s);
    s->o.extra[0] = (char)(on ? f | SET_F_INTSET : f & ~SET_F_INTSET);
}

static uint64_t set_member_hash(const setval *s, const char *m, size_t mlen) {
    uint8_t salt[16];
    memcpy(salt, s->o.extra + 1, 16);
    return enc_siphash(m, mlen, salt);
}

/* Element key of member m: on the stack when small. */
typedef struct subkey {
    char *p;
    size_t len;
    char small[128];
} subkey;

static void subkey_make(subkey *k, const setval *s, const char *m, size_t mlen) {
    k->len = 8 + mlen;
    k->p = k->len <= sizeof(k->small) ? k->small : malloc(k->len);
    enc_put_u64(k->p, set_member_hash(s, m, mlen));
    if (mlen) memcpy(k->p + 8, m, mlen);
}

static void subkey_release(subkey *k) {
    if (k->p != k->small) free(k->p);
}

static void setval_init(setval *s, client *c, int i) {
    s->db = c->db;
    s->key = c->argv[i].ptr;
    s->klen = c->argv[i].len;
    memset(&s->o, 0, sizeof(s->o));
}

/* Look key argv[i] up for a read (counts keyspace hits/misses) or a write
 * (does not, as Redis's lookupKeyWrite). Replies and returns -1 on a store
 * error or when the key holds another type. */
static int set_lookup(client *c, int i, setval *s, int for_write) {
    setval_init(s, c, i);
    if (!for_write) return db_lookup_typed(c, KEY(i), OBJ_SET, &s->o);
    if (tier_lookup(c->db, KEY(i), server_mstime(), &s->o) != TIER_OK) {
        reply_store_error(c);
        return -1;
    }
    if (s->o.exists && s->o.type != OBJ_SET) {
        reply_error(c, ERR_WRONGTYPE);
        tier_obj_free(&s->o);
        return -1;
    }
    return 0;
}

/* Turn s (absent, or a key being replaced) into a new empty set. The salt
 * of a set being replaced is kept, so its SSCAN cursors stay meaningful. */
static void set_type_create(setval *s, int intset) {
    char salt[16];
    int keep = s->o.exists && s->o.type == OBJ_SET && s->o.extralen >= SET_EXTRA_LEN;
    if (keep)
        memcpy(salt, s->o.extra + 1, 16);
    else
        new_salt(salt);
    tier_compound_create(s->db, s->key, s->klen, OBJ_SET, &s->o);
    s->o.extralen = SET_EXTRA_LEN;
    s->o.extra[0] = (char)(intset ? SET_F_INTSET : 0);
    memcpy(s->o.extra + 1, salt, 16);
}

/* Write s's metadata; a set left empty is deleted. */
static void set_type_save(setval *s) { tier_compound_save(s->db, s->key, s->klen, &s->o); }

static void setval_free(setval *s) { tier_obj_free(&s->o); }

/* Keyspace notification of a set event; "del" too when it emptied the set
 * (set_type_save deleted it). */
static void set_notify(const setval *s, const char *event) {
    notify_keyspace_event(NOTIFY_SET, event, s->key, s->klen, s->db);
    if (s->o.count == 0) notify_keyspace_event(NOTIFY_GENERIC, "del", s->key, s->klen, s->db);
}

/* 1 if m is a member, 0 if not, TIER_ERR on a store error. */
static int set_type_is_member(const setval *s, const char *m, size_t mlen) {
    if (!s->o.exists) return 0;
    subkey k;
    subkey_make(&k, s, m, mlen);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k.p, k.len, &v, &vlen);
    if (r == 1) tier_free(v);
    subkey_release(&k);
    return r;
}

/* Add m. Returns 1 (added), 0 (was there) or TIER_ERR. Keeps the count and
 * the intset flag as Redis's encoding conversions would leave them. */
static int set_type_add(setval *s, const char *m, size_t mlen) {
    int r = set_type_is_member(s, m, mlen);
    if (r != 0) return r == 1 ? 0 : r;
    subkey k;
    subkey_make(&k, s, m, mlen);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, "", 0);
    subkey_release(&k);
    s->o.count++;
    if (set_is_intset(s) && (s->o.count > SET_MAX_INTSET_ENTRIES || !is_integer(m, mlen))) set_set_intset(s, 0);
    return 1;
}

/* Put a member known to be absent (a set being built). */
static void set_type_put_new(setval *s, const char *m, size_t mlen) {
    subkey k;
    subkey_make(&k, s, m, mlen);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, "", 0);
    subkey_release(&k);
    s->o.count++;
}

typedef struct hashidx {
    uint64_t h;
    size_t i;
} hashidx;

static int hashidx_cmp(const void *a, const void *b) {
    uint64_t x = ((const hashidx *)a)->h, y = ((const hashidx *)b)->h;
    return x < y ? -1 : x > y;
}

/* Put every member of v (distinct, all absent) into the new set s. They go
 * in element-key order: the pending batch's index and the memtable take
 * sorted keys much faster than random ones (measured: a 1M-member
 * SINTERSTORE took a third of the CPU time it took unsorted). */
static void set_type_put_all(setval *s, const mvec *v) {
    hashidx *order = malloc((v->n ? v->n : 1) * sizeof(*order));
    for (size_t i = 0; i < v->n; i++) {
        size_t ml;
        const char *m = mv_get(v, i, &ml);
        order[i].h = set_member_hash(s, m, ml);
        order[i].i = i;
    }
    qsort(order, v->n, sizeof(*order), hashidx_cmp);
    for (size_t k = 0; k < v->n; k++) {
        size_t ml;
        const char *m = mv_get(v, order[k].i, &ml);
        set_type_put_new(s, m, ml);
    }
    free(order);
}

/* Remove m. Returns 1 (removed), 0 (absent) or TIER_ERR. */
static int set_type_remove(setval *s, const char *m, size_t mlen) {
    int r = set_type_is_member(s, m, mlen);
    if (r != 1) return r;
    subkey k;
    subkey_make(&k, s, m, mlen);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k.p, k.len);
    subkey_release(&k);
    if (s->o.count) s->o.count--;
    return 1;
}

/* Iteration in hash order. */
static tier_iter *set_iter_new(const setval *s) { return tier_iter_new(s->db, s->key, s->klen, &s->o, 0); }

/* The member under the iterator (and its hash). NULL for a malformed
 * element key (skipped by callers). */
static const char *set_iter_member(tier_iter *it, size_t *len, uint64_t *hash) {
    size_t sl;
    const char *sub = tier_iter_sub(it, &sl);
    if (sl < 8) return NULL;
    if (hash) *hash = enc_get_u64(sub);
    *len = sl - 8;
    return sub + 8;
}

/* Append every member of s to out (hash order). */
static void set_type_load(const setval *s, mvec *out) {
    if (!s->o.exists) return;
    tier_iter *it = set_iter_new(s);
    for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
        size_t ml;
        const char *m = set_iter_member(it, &ml, NULL);
        if (m) mv_push(out, m, ml);
    }
    tier_iter_free(it);
}

/* Random members with repeats. For a small set, or when more picks are
 * asked than there are members, the set is read once and picked from
 * uniformly; otherwise each pick seeks to a random hash (the chance of a
 * member is the share of hash space before it: close to uniform, as Redis's
 * own random picks are). */
typedef struct picker {
    const setval *s;
    mvec all;
    int loaded;
    tier_iter *it;
} picker;

static void picker_init(picker *p, const setval *s, uint64_t picks) {
    memset(p, 0, sizeof(*p));
    p->s = s;
    if (s->o.count <= SET_SMALL || picks >= s->o.count) {
        set_type_load(s, &p->all);
        p->loaded = 1;
    } else {
        p->it = set_iter_new(s);
    }
}

/* The next random member (valid until the next call), or NULL if the set
 * turned out empty. */
static const char *picker_next(picker *p, size_t *len) {
    if (p->loaded) {
        if (!p->all.n) return NULL;
        return mv_get(&p->all, rand_below(p->all.n), len);
    }
    char at[8];
    enc_put_u64(at, rand64());
    tier_iter_seek(p->it, at, 8);
    if (!tier_iter_valid(p->it)) tier_iter_seek_first(p->it);
    while (tier_iter_valid(p->it)) {
        const char *m = set_iter_member(p->it, len, NULL);
        if (m) return m;
        tier_iter_next(p->it);
    }
    return NULL;
}

static void picker_free(picker *p) {
    mv_free(&p->all);
    tier_iter_free(p->it);
}

/* Choose k distinct members (0 < k < count) at random into out. When `rest`
 * is given and the whole set was read, the members not chosen go there and
 * 1 is returned (0 otherwise). A large share of the set is chosen in one
 * pass (selection sampling: exact and uniform); a small share by random
 * seeks with a dedup table, falling back to the pass if seeks keep finding
 * the same members. */
static int set_type_sample(const setval *s, uint64_t k, mvec *out, mvec *rest) {
    uint64_t n = s->o.count;
    if (n > SET_SMALL && k * 3 <= n) {
        mtable t;
        mt_init(&t, k);
        picker p;
        picker_init(&p, s, k);
        uint64_t tries = 0, budget = 4 * k + 64;
        while (out->n < k && tries++ < budget) {
            size_t ml;
            const char *m = picker_next(&p, &ml);
            if (!m) break;
            mt_add(&t, out, m, ml);
        }
        picker_free(&p);
        mt_free(&t);
        if (out->n == k) return 0;
        mv_free(out); /* unlucky: do it in one pass */
    }
    /* Algorithm S (Knuth): member i of n is taken with probability
     * (still needed) / (still to see). */
    tier_iter *it = set_iter_new(s);
    uint64_t seen = 0;
    for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
        size_t ml;
        const char *m = set_iter_member(it, &ml, NULL);
        if (!m) continue;
        uint64_t left = n > seen ? n - seen : 1;
        seen++;
        if (out->n < k && rand_below(left) < k - out->n)
            mv_push(out, m, ml);
        else if (rest)
            mv_push(rest, m, ml);
    }
    tier_iter_free(it);
    return rest != NULL;
}

/* ---------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

static int all_integers(const mvec *v) {
    for (size_t i = 0; i < v->n; i++) {
        size_t ml;
        const char *m = mv_get(v, i, &ml);
        if (!is_integer(m, ml)) return 0;
    }
    return 1;
}

/* Would a set built from exactly these members be an intset in Redis? */
static int intset_result(const mvec *v) { return v->n <= SET_MAX_INTSET_ENTRIES && all_integers(v); }

typedef struct numidx {
    long long v;
    size_t i;
} numidx;

static int numidx_cmp(const void *a, const void *b) {
    long long x = ((const numidx *)a)->v, y = ((const numidx *)b)->v;
    return x < y ? -1 : x > y;
}

/* Reply members of v (skipping those with skip[i]) as a set or an array;
 * in numeric order when `numeric` (every member an integer: an intset's
 * order in Redis). */
static void reply_members(client *c, const mvec *v, const uint8_t *skip, int numeric, int as_set) {
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++) n += !(skip && skip[i]);
    if (as_set)
        reply_set_len(c, (long)n);
    else
        reply_array_len(c, (long)n);
    numidx *order = NULL;
    if (numeric && v->n > 1) {
        order = malloc(v->n * sizeof(*order));
        for (size_t i = 0; i < v->n; i++) {
            size_t ml;
            const char *m = mv_get(v, i, &ml);
            order[i].i = i;
            if (!util_str2ll(m, ml, &order[i].v)) order[i].v = 0;
        }
        qsort(order, v->n, sizeof(*order), numidx_cmp);
    }
    for (size_t k = 0; k < v->n; k++) {
        size_t i = order ? order[k].i : k, ml;
        if (skip && skip[i]) continue;
        const char *m = mv_get(v, i, &ml);
        reply_bulk(c, m, ml);
    }
    free(order);
}

/* ---------------------------------------------------------------------------
 * SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS
 * ------------------------------------------------------------------------ */

/* The member arguments argv[first..] in element-key order, equal members
 * next to each other: sorted keys make the reads and writes of a large
 * SADD/SREM cheaper (see set_type_put_all). Free the result. */
static int arg_key_cmp(const void *a, const void *b, void *argv) {
    const hashidx *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    const resp_arg *av = argv;
    size_t xl = av[x->i].len, yl = av[y->i].len;
    int r = memcmp(av[x->i].ptr, av[y->i].ptr, xl < yl ? xl : yl);
    return r ? r : (xl > yl) - (xl < yl);
}

static hashidx *args_in_key_order(client *c, const setval *s, int first) {
    size_t n = (size_t)(c->argc - first);
    hashidx *order = malloc((n ? n : 1) * sizeof(*order));
    for (size_t k = 0; k < n; k++) {
        order[k].i = first + k;
        order[k].h = set_member_hash(s, KEY(first + k));
    }
    qsort_r(order, n, sizeof(*order), arg_key_cmp, c->argv);
    return order;
}

static int same_arg(client *c, int i, int j) {
    return c->argv[i].len == c->argv[j].len && memcmp(c->argv[i].ptr, c->argv[j].ptr, c->argv[i].len) == 0;
}

void saddCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 1) < 0) return;
    /* A new set has a fresh version: nothing to read, only equal arguments
     * to skip. */
    int fresh = !s.o.exists;
    if (fresh) set_type_create(&s, is_integer(KEY(2)));
    hashidx *order = args_in_key_order(c, &s, 2);
    long long added = 0;
    int err = 0, n = c->argc - 2;
    for (int k = 0; k < n && !err; k++) {
        int i = (int)order[k].i, r;
        if (fresh) {
            if (k > 0 && order[k].h == order[k - 1].h && same_arg(c, i, (int)order[k - 1].i)) continue;
            set_type_put_new(&s, KEY(i));
            if (set_is_intset(&s) && !is_integer(KEY(i))) set_set_intset(&s, 0);
            r = 1;
        } else {
            r = set_type_add(&s, KEY(i));
        }
        if (r == TIER_ERR)
            err = 1;
        else
            added += r;
    }
    free(order);
    if (s.o.count > SET_MAX_INTSET_ENTRIES) set_set_intset(&s, 0);
    if (added || !s.o.stored) set_type_save(&s);
    if (err)
        reply_store_error(c);
    else
        reply_longlong(c, added);
    server_dirty(c, added);
    if (added) set_notify(&s, "sadd");
    setval_free(&s);
}

void sremCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 1) < 0) return;
    if (!s.o.exists) {
        reply_longlong(c, 0);
        return;
    }
    hashidx *order = args_in_key_order(c, &s, 2);
    long long removed = 0;
    int err = 0, n = c->argc - 2;
    for (int k = 0; k < n && !err && s.o.count; k++) {
        int r = set_type_remove(&s, KEY((int)order[k].i));
        if (r == TIER_ERR)
            err = 1;
        else
            removed += r;
    }
    free(order);
    if (removed) set_type_save(&s);
    if (err)
        reply_store_error(c);
    else
        reply_longlong(c, removed);
    server_dirty(c, removed);
    if (removed) set_notify(&s, "srem");
    setval_free(&s);
}

void sismemberCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    int r = set_type_is_member(&s, KEY(2));
    if (r == TIER_ERR)
        reply_store_error(c);
    else
        reply_longlong(c, r);
    setval_free(&s);
}

void smismemberCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    /* Answers are collected first so a store error replies alone. */
    int n = c->argc - 2;
    uint8_t *found = malloc((size_t)n);
    for (int i = 0; i < n; i++) {
        int r = set_type_is_member(&s, KEY(i + 2));
        if (r == TIER_ERR) {
            reply_store_error(c);
            free(found);
            setval_free(&s);
            return;
        }
        found[i] = (uint8_t)r;
    }
    reply_array_len(c, n);
    for (int i = 0; i < n; i++) reply_longlong(c, found[i]);
    free(found);
    setval_free(&s);
}

void scardCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    reply_longlong(c, s.o.exists ? (long long)s.o.count : 0);
    setval_free(&s);
}

/* Reply every member of s (which exists). An intset's members come in
 * numeric order: when `union_order`, if they would form one (Redis builds
 * a new set for SPOP's whole-set case), else if s is one. Other sets are
 * streamed in hash order: the count in the metadata is exact. */
static void reply_whole_set(client *c, const setval *s, int union_order, int as_set) {
    int small = union_order ? s->o.count <= SET_MAX_INTSET_ENTRIES : set_is_intset(s);
    if (small) {
        mvec v = {0};
        set_type_load(s, &v);
        reply_members(c, &v, NULL, union_order ? intset_result(&v) : 1, as_set);
        mv_free(&v);
        return;
    }
    if (as_set)
        reply_set_len(c, (long)s->o.count);
    else
        reply_array_len(c, (long)s->o.count);
    uint64_t sent = 0;
    tier_iter *it = set_iter_new(s);
    for (tier_iter_seek_first(it); tier_iter_valid(it) && sent < s->o.count; tier_iter_next(it)) {
        size_t ml;
        const char *m = set_iter_member(it, &ml, NULL);
        if (!m) continue;
        reply_bulk(c, m, ml);
        sent++;
    }
    tier_iter_free(it);
    for (; sent < s->o.count; sent++) reply_null(c); /* elements fewer than the count: keep the protocol */
}

/* Redis 7.0 runs SMEMBERS as an intersection of one set: same replies. */
void smembersCommand(client *c) {
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    if (!s.o.exists)
        reply_set_len(c, 0);
    else
        reply_whole_set(c, &s, 0, 1);
    setval_free(&s);
}

/* ---------------------------------------------------------------------------
 * SMOVE
 * ------------------------------------------------------------------------ */

void smoveCommand(client *c) {
    setval src, dst;
    setval_init(&src, c, 1);
    setval_init(&dst, c, 2);
    /* Both looked up first, then checked in Redis's order: a missing source
     * answers 0 whatever the destination holds. */
    if (tier_lookup(c->db, KEY(1), server_mstime(), &src.o) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    if (tier_lookup(c->db, KEY(2), server_mstime(), &dst.o) != TIER_OK) {
        reply_store_error(c);
        setval_free(&src);
        return;
    }
    if (!src.o.exists) {
        reply_longlong(c, 0);
    } else if (src.o.type != OBJ_SET || (dst.o.exists && dst.o.type != OBJ_SET)) {
        reply_error(c, ERR_WRONGTYPE);
    } else if (c->argv[1].len == c->argv[2].len && memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0) {
        int r = set_type_is_member(&src, KEY(3));
        if (r == TIER_ERR)
            reply_store_error(c);
        else
            reply_longlong(c, r);
    } else {
        int r = set_type_remove(&src, KEY(3));
        if (r != 1) {
            if (r == TIER_ERR)
                reply_store_error(c);
            else
                reply_longlong(c, 0);
        } else {
            set_type_save(&src);
            set_notify(&src, "srem");
            if (!dst.o.exists) set_type_create(&dst, is_integer(KEY(3)));
            r = set_type_add(&dst, KEY(3));
            if (r == 1 || !dst.o.stored) set_type_save(&dst);
            if (r == 1) set_notify(&dst, "sadd");
            if (r == TIER_ERR)
                reply_store_error(c);
            else
                reply_longlong(c, 1);
            server_dirty(c, 1 + (r == 1));
        }
    }
    setval_free(&src);
    setval_free(&dst);
}

/* ---------------------------------------------------------------------------
 * SPOP, SRANDMEMBER
 * ------------------------------------------------------------------------ */

static const char *ERR_POSITIVE = "ERR value is out of range, must be positive";

/* Redis's getRangeLongFromObjectOrReply: one message for both failures
 * when msg is given. */
static int arg_range(client *c, int i, long long min, long long max, long long *out, const char *msg) {
    if (!util_str2ll(c->argv[i].ptr, c->argv[i].len, out)) {
        reply_error(c, msg ? msg : ERR_NOT_INTEGER);
        return -1;
    }
    if (*out < min || *out > max) {
        if (msg)
            reply_error(c, msg);
        else
            reply_errorf(c, "ERR value is out of range, value must between %lld and %lld", min, max);
        return -1;
    }
    return 0;
}

/* Store a set rebuilt from `keep` (same key, same salt, same TTL), as
 * Redis's SPOP does when it pops most of a set. */
static void set_rebuild(setval *s, const mvec *keep) {
    int64_t expire = s->o.expire_ms;
    set_type_create(s, intset_result(keep));
    s->o.expire_ms = expire;
    set_type_put_all(s, keep);
    set_type_save(s);
}

static void spop_with_count(client *c) {
    long long count;
    if (arg_range(c, 2, 0, LONG_MAX, &count, ERR_POSITIVE) < 0) return;
    setval s;
    if (set_lookup(c, 1, &s, 1) < 0) return;
    if (!s.o.exists || count == 0) {
        reply_set_len(c, 0);
        setval_free(&s);
        return;
    }
    uint64_t size = s.o.count;
    mvec out = {0}, rest = {0};
    if ((uint64_t)count >= size) {
        /* The whole set, in the order Redis's union of it would give. */
        reply_whole_set(c, &s, 1, 1);
        s.o.count = 0;
        set_type_save(&s);
        server_dirty(c, (long long)size);
        set_notify(&s, "spop");
    } else {
        uint64_t remaining = size - (uint64_t)count;
        /* Redis keeps the set when few are popped, and rebuilds it from
         * the remaining members when most are (which can turn it back
         * into an intset); the rebuild is also the cheaper write here. */
        int rebuild = remaining * 5 <= (uint64_t)count;
        int have_rest = set_type_sample(&s, (uint64_t)count, &out, rebuild ? &rest : NULL);
        if (rebuild && have_rest) {
            set_rebuild(&s, &rest);
        } else {
            for (size_t i = 0; i < out.n; i++) {
                size_t ml;
                const char *m = mv_get(&out, i, &ml);
                subkey k;
                subkey_make(&k, &s, m, ml);
                tier_sub_del(s.db, s.key, s.klen, &s.o, k.p, k.len);
                subkey_release(&k);
            }
            s.o.count = size - out.n;
            set_type_save(&s);
        }
        reply_members(c, &out, NULL, 0, 1);
        server_dirty(c, (long long)out.n);
        set_notify(&s, "spop");
    }
    mv_free(&out);
    mv_free(&rest);
    setval_free(&s);
}

void spopCommand(client *c) {
    if (c->argc == 3) {
        spop_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    setval s;
    if (set_lookup(c, 1, &s, 1) < 0) return;
    if (!s.o.exists) {
        reply_null(c);
        return;
    }
    picker p;
    picker_init(&p, &s, 1);
    size_t ml;
    const char *m = picker_next(&p, &ml);
    mvec one = {0};
    if (m) mv_push(&one, m, ml);
    picker_free(&p);
    if (!m) {
        reply_null(c);
    } else {
        m = mv_get(&one, 0, &ml);
        subkey k;
        subkey_make(&k, &s, m, ml);
        tier_sub_del(s.db, s.key, s.klen, &s.o, k.p, k.len);
        subkey_release(&k);
        s.o.count--;
        set_type_save(&s);
        reply_bulk(c, m, ml);
        server_dirty(c, 1);
        set_notify(&s, "spop");
    }
    mv_free(&one);
    setval_free(&s);
}

static void srandmember_with_count(client *c) {
    long long l;
    if (arg_range(c, 2, -LONG_MAX, LONG_MAX, &l, NULL) < 0) return;
    int uniq = l >= 0;
    uint64_t count = uniq ? (uint64_t)l : (uint64_t)-l;
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    if (!s.o.exists || count == 0) {
        reply_array_len(c, 0);
        setval_free(&s);
        return;
    }
    if (!uniq || count == 1) {
        /* Repeats allowed: each pick independent. Streamed. */
        picker p;
        picker_init(&p, &s, count);
        reply_array_len(c, (long)count);
        for (uint64_t i = 0; i < count; i++) {
            size_t ml;
            const char *m = picker_next(&p, &ml);
            if (m)
                reply_bulk(c, m, ml);
            else
                reply_null(c);
        }
        picker_free(&p);
    } else if (count >= s.o.count) {
        /* The whole set, in the set's own order. */
        reply_whole_set(c, &s, 0, 0);
    } else {
        mvec v = {0};
        set_type_sample(&s, count, &v, NULL);
        reply_members(c, &v, NULL, 0, 0);
        mv_free(&v);
    }
    setval_free(&s);
}

void srandmemberCommand(client *c) {
    if (c->argc == 3) {
        srandmember_with_count(c);
        return;
    }
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    if (!s.o.exists) {
        reply_null(c);
        return;
    }
    picker p;
    picker_init(&p, &s, 1);
    size_t ml;
    const char *m = picker_next(&p, &ml);
    if (m)
        reply_bulk(c, m, ml);
    else
        reply_null(c);
    picker_free(&p);
    setval_free(&s);
}

/* ---------------------------------------------------------------------------
 * SINTER, SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE
 * ------------------------------------------------------------------------ */

/* Look up argv[first .. first+n): every key is checked for its type before
 * anything else happens (a missing key is an empty set), as Redis does.
 * Returns the array (free with sets_free) or NULL after replying. */
static setval *sets_lookup(client *c, int first, int n, int for_write) {
    setval *sets = calloc((size_t)n, sizeof(*sets));
    for (int j = 0; j < n; j++) {
        if (set_lookup(c, first + j, &sets[j], for_write) < 0) {
            for (int k = 0; k < j; k++) setval_free(&sets[k]);
            free(sets);
            return NULL;
        }
        /* a *STORE's sources are reads, as in Redis */
        if (for_write && !sets[j].o.exists) db_keymiss(c, KEY(first + j));
    }
    return sets;
}

static void sets_free(setval *sets, int n) {
    for (int j = 0; j < n; j++) setval_free(&sets[j]);
    free(sets);
}

/* Replace dstkey with a set of exactly `members` (deleting it when empty);
 * replies the new cardinality. event: the keyspace event of a stored
 * result ("sinterstore", ...). */
static void store_result(client *c, int dst_arg, const mvec *members, const char *event) {
    setval d;
    setval_init(&d, c, dst_arg);
    if (tier_lookup(c->db, KEY(dst_arg), server_mstime(), &d.o) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    if (members->n == 0) {
        if (d.o.exists) {
            tier_delete(c->db, KEY(dst_arg), &d.o);
            server_dirty(c, 1);
            notify_keyspace_event(NOTIFY_GENERIC, "del", KEY(dst_arg), c->db);
        }
        reply_longlong(c, 0);
    } else {
        set_type_create(&d, intset_result(members));
        set_type_put_all(&d, members);
        set_type_save(&d);
        reply_longlong(c, (long long)members->n);
        server_dirty(c, 1);
        notify_keyspace_event(NOTIFY_SET, event, KEY(dst_arg), c->db);
    }
    setval_free(&d);
}

/* Relative costs for choosing a strategy: a point read of one element
 * costs about as much as ten steps of an iterator (measured: ~5 us against
 * ~0.5 us per element, reply included). */
#define COST_PROBE 10

/* Load s's members into v (hash order) and index them in t. */
static void load_indexed(const setval *s, mvec *v, mtable *t) {
    set_type_load(s, v);
    mt_init(t, v->n);
    for (size_t i = 0; i < v->n; i++) {
        size_t ml, pos;
        const char *m = mv_get(v, i, &ml);
        if (mt_find(t, v, m, ml, &pos) == SIZE_MAX) t->slot[pos] = i + 1;
    }
}

/* The intersection of sets[0..n). Members go to out (when not NULL); the
 * count is returned, stopping at limit (0 = no limit); -1 on a store error.
 * *order_set gets the set whose order the result has (the smallest, as in
 * Redis). Two ways, by cost: probe the other sets for each member of the
 * smallest (point reads), or hold the smallest in memory and read the
 * others through, counting in how many sets each member is. */
static long long set_inter(setval *sets, int n, mvec *out, unsigned long long limit, int *order_set) {
    int small = 0;
    uint64_t others = 0;
    for (int j = 0; j < n; j++) {
        if (!sets[j].o.exists) return 0;
        if (sets[j].o.count < sets[small].o.count) small = j;
        others += sets[j].o.count;
    }
    *order_set = small;
    uint64_t scount = sets[small].o.count;
    others -= scount;
    long long found = 0;
    if (n > 1 && scount + others < COST_PROBE * scount * (uint64_t)(n - 1)) {
        mvec v = {0};
        mtable t;
        load_indexed(&sets[small], &v, &t);
        uint32_t *hits = calloc(v.n ? v.n : 1, sizeof(uint32_t));
        uint32_t round = 0;
        for (int j = 0; j < n && v.n; j++) {
            if (j == small) continue;
            size_t alive = 0;
            tier_iter *it = set_iter_new(&sets[j]);
            for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
                size_t ml;
                const char *m = set_iter_member(it, &ml, NULL);
                if (!m) continue;
                size_t i = mt_find(&t, &v, m, ml, NULL);
                if (i != SIZE_MAX && hits[i] == round) {
                    hits[i]++;
                    alive++;
                }
            }
            tier_iter_free(it);
            round++;
            if (!alive) break; /* nothing is in every set so far */
        }
        for (size_t i = 0; i < v.n; i++) {
            if (hits[i] != (uint32_t)(n - 1)) continue;
            found++;
            if (out) {
                size_t ml;
                const char *m = mv_get(&v, i, &ml);
                mv_push(out, m, ml);
            }
            if (limit && (unsigned long long)found >= limit) break;
        }
        free(hits);
        mt_free(&t);
        mv_free(&v);
        return found;
    }
    tier_iter *it = set_iter_new(&sets[small]);
    for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
        size_t ml;
        const char *m = set_iter_member(it, &ml, NULL);
        if (!m) continue;
        int in_all = 1;
        for (int j = 0; j < n && in_all; j++) {
            if (j == small) continue;
            int r = set_type_is_member(&sets[j], m, ml);
            if (r == TIER_ERR) {
                tier_iter_free(it);
                return -1;
            }
            in_all = r;
        }
        if (!in_all) continue;
        found++;
        if (out) mv_push(out, m, ml);
        if (limit && (unsigned long long)found >= limit) break;
    }
    tier_iter_free(it);
    return found;
}

static void sinter_generic(client *c, int first, int n, int dst_arg) {
    setval *sets = sets_lookup(c, first, n, dst_arg >= 0);
    if (!sets) return;
    mvec out = {0};
    int order_set = 0;
    long long found = set_inter(sets, n, &out, 0, &order_set);
    int numeric = sets[order_set].o.exists && set_is_intset(&sets[order_set]);
    sets_free(sets, n);
    if (found < 0)
        reply_store_error(c);
    else if (dst_arg >= 0)
        store_result(c, dst_arg, &out, "sinterstore");
    else
        reply_members(c, &out, NULL, numeric, 1);
    mv_free(&out);
}

void sinterCommand(client *c) { sinter_generic(c, 1, c->argc - 1, -1); }
void sinterstoreCommand(client *c) { sinter_generic(c, 2, c->argc - 2, 1); }

void sintercardCommand(client *c) {
    long long numkeys, limit = 0;
    if (arg_range(c, 1, 1, LONG_MAX, &numkeys, "ERR numkeys should be greater than 0") < 0) return;
    if (numkeys > c->argc - 2) {
        reply_error(c, "ERR Number of keys can't be greater than number of args");
        return;
    }
    for (int j = 2 + (int)numkeys; j < c->argc; j++) {
        if (arg_is(c, j, "LIMIT") && j + 1 < c->argc) {
            if (arg_range(c, j + 1, 0, LONG_MAX, &limit, "ERR LIMIT can't be negative") < 0) return;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    setval *sets = sets_lookup(c, 2, (int)numkeys, 0);
    if (!sets) return;
    int order_set;
    long long found = set_inter(sets, (int)numkeys, NULL, (unsigned long long)limit, &order_set);
    sets_free(sets, (int)numkeys);
    if (found < 0)
        reply_store_error(c);
    else
        reply_longlong(c, found);
}

static void sunion_generic(client *c, int first, int n, int dst_arg) {
    setval *sets = sets_lookup(c, first, n, dst_arg >= 0);
    if (!sets) return;
    uint64_t total = 0;
    for (int j = 0; j < n; j++) total += sets[j].o.exists ? sets[j].o.count : 0;
    mvec out = {0};
    mtable t;
    mt_init(&t, total < (1u << 20) ? total : (1u << 20));
    for (int j = 0; j < n; j++) {
        if (!sets[j].o.exists) continue;
        tier_iter *it = set_iter_new(&sets[j]);
        for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
            size_t ml;
            const char *m = set_iter_member(it, &ml, NULL);
            if (m) mt_add(&t, &out, m, ml);
        }
        tier_iter_free(it);
    }
    mt_free(&t);
    sets_free(sets, n);
    if (dst_arg >= 0)
        store_result(c, dst_arg, &out, "sunionstore");
    else
        reply_members(c, &out, NULL, intset_result(&out), 1);
    mv_free(&out);
}

void sunionCommand(client *c) { sunion_generic(c, 1, c->argc - 1, -1); }
void sunionstoreCommand(client *c) { sunion_generic(c, 2, c->argc - 2, 1); }

/* SDIFF: the first set's members that no other set holds. Three ways, by
 * cost (Redis picks between the first two the same way):
 *  - probe every other set for each member of the first (point reads; best
 *    when the first set is small);
 *  - read the first set into memory and strike out the members of the
 *    others as they are read through;
 *  - read the others into memory and stream the first set past them (the
 *    same reads, less memory when the others are the smaller side). */
static int sdiff_compute(setval *sets, int n, mvec *out) {
    if (!sets[0].o.exists) return 0;
    uint64_t first = sets[0].o.count, others = 0, probes = 0;
    for (int j = 1; j < n; j++) {
        if (!sets[j].o.exists) continue;
        others += sets[j].o.count;
        probes += first;
    }
    if (COST_PROBE * probes <= first + others) {
        int err = 0;
        tier_iter *it = set_iter_new(&sets[0]);
        for (tier_iter_seek_first(it); tier_iter_valid(it) && !err; tier_iter_next(it)) {
            size_t ml;
            const char *m = set_iter_member(it, &ml, NULL);
            if (!m) continue;
            int keep = 1;
            for (int j = 1; j < n && keep; j++) {
                int r = set_type_is_member(&sets[j], m, ml);
                if (r == TIER_ERR) err = 1;
                keep = r == 0;
            }
            if (keep) mv_push(out, m, ml);
        }
        tier_iter_free(it);
        return err ? -1 : 0;
    }
    if (others < first) {
        mvec v = {0};
        mtable t;
        mt_init(&t, others);
        for (int j = 1; j < n; j++) {
            if (!sets[j].o.exists) continue;
            tier_iter *it = set_iter_new(&sets[j]);
            for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
                size_t ml;
                const char *m = set_iter_member(it, &ml, NULL);
                if (m) mt_add(&t, &v, m, ml);
            }
            tier_iter_free(it);
        }
        tier_iter *it = set_iter_new(&sets[0]);
        for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
            size_t ml;
            const char *m = set_iter_member(it, &ml, NULL);
            if (m && mt_find(&t, &v, m, ml, NULL) == SIZE_MAX) mv_push(out, m, ml);
        }
        tier_iter_free(it);
        mt_free(&t);
        mv_free(&v);
        return 0;
    }
    mvec v = {0};
    mtable t;
    load_indexed(&sets[0], &v, &t);
    uint8_t *dead = calloc(v.n ? v.n : 1, 1);
    size_t alive = v.n;
    for (int j = 1; j < n && alive; j++) {
        if (!sets[j].o.exists) continue;
        tier_iter *it = set_iter_new(&sets[j]);
        for (tier_iter_seek_first(it); tier_iter_valid(it) && alive; tier_iter_next(it)) {
            size_t ml;
            const char *m = set_iter_member(it, &ml, NULL);
            if (!m) continue;
            size_t i = mt_find(&t, &v, m, ml, NULL);
            if (i != SIZE_MAX && !dead[i]) {
                dead[i] = 1;
                alive--;
            }
        }
        tier_iter_free(it);
    }
    for (size_t i = 0; i < v.n; i++) {
        if (dead[i]) continue;
        size_t ml;
        const char *m = mv_get(&v, i, &ml);
        mv_push(out, m, ml);
    }
    free(dead);
    mt_free(&t);
    mv_free(&v);
    return 0;
}

static void sdiff_generic(client *c, int first, int n, int dst_arg) {
    setval *sets = sets_lookup(c, first, n, dst_arg >= 0);
    if (!sets) return;
    mvec out = {0};
    int err = sdiff_compute(sets, n, &out);
    sets_free(sets, n);
    if (err)
        reply_store_error(c);
    else if (dst_arg >= 0)
        store_result(c, dst_arg, &out, "sdiffstore");
    else
        reply_members(c, &out, NULL, intset_result(&out), 1);
    mv_free(&out);
}

void sdiffCommand(client *c) { sdiff_generic(c, 1, c->argc - 1, -1); }
void sdiffstoreCommand(client *c) { sdiff_generic(c, 2, c->argc - 2, 1); }

/* ---------------------------------------------------------------------------
 * SSCAN
 * ------------------------------------------------------------------------ */


void sscanCommand(client *c) {
    uint64_t cursor;
    if (scan_parse_cursor(c, 2, &cursor) < 0) return;
    setval s;
    if (set_lookup(c, 1, &s, 0) < 0) return;
    if (!s.o.exists) {
        reply_empty_scan(c);
        return;
    }
    scan_opts so;
    if (scan_parse_options(c, 3, &so, 0) < 0) goto done;
    long long count = so.count;
    const char *pat = so.pattern;
    size_t plen = so.plen;
    mvec v = {0};
    uint64_t next = 0;
    if (set_is_intset(&s)) {
        /* Redis returns an intset whole, in order, whatever the cursor. */
        set_type_load(&s, &v);
    } else {
        tier_iter *it = set_iter_new(&s);
        char at[8];
        enc_put_u64(at, cursor);
        long long seen = 0;
        uint64_t last = 0;
        for (tier_iter_seek(it, at, 8); tier_iter_valid(it); tier_iter_next(it)) {
            size_t ml;
            uint64_t h;
            const char *m = set_iter_member(it, &ml, &h);
            if (!m) continue;
            if (seen >= count && h != last) {
                next = h;
                break;
            }
            seen++;
            last = h;
            mv_push(&v, m, ml);
        }
        tier_iter_free(it);
    }
    uint8_t *skip = NULL;
    if (pat && v.n) {
        skip = calloc(v.n, 1);
        for (size_t i = 0; i < v.n; i++) {
            size_t ml;
            const char *m = mv_get(&v, i, &ml);
            skip[i] = !util_globmatch(pat, plen, m, ml, 0);
        }
    }
    reply_array_len(c, 2);
    char buf[32];
    reply_bulk(c, buf, util_ull2str(buf, sizeof(buf), next));
    reply_members(c, &v, skip, set_is_intset(&s), 0);
    free(skip);
    mv_free(&v);
done:
    setval_free(&s);
}

/* OBJECT ENCODING of a set: the intset flag tracks what Redis would hold. */
const char *set_encoding(const tier_obj *o) {
    return o->extralen > 0 && (o->extra[0] & SET_F_INTSET) ? "intset" : "hashtable";
}
