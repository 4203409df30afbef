/* t_zset.c - sorted sets: ZADD and friends, ranges by rank, score and lex,
 * pops (and their blocking forms), random members, ZUNION/ZINTER/ZDIFF and their STORE forms, ZSCAN.
 *
 * Representation
 * --------------
 * A sorted set is a compound value (tiering/keyspace.h) with one element per
 * member, kept twice in the same write batch:
 *
 *   sub CF     [member hash u64][member] -> score (8 bytes, enc_put_score)
 *   zscore CF  [sortable score][member]  -> empty  (the score index)
 *
 * The sub record answers "what is the score of m" with one point read
 * (ZSCORE on a million members reads one key). It is keyed by a 64-bit
 * SipHash of the member first so that ZSCAN can use a plain number as its
 * cursor: the hash to continue from, stateless and valid across restarts,
 * exactly as SCAN does for the keyspace; members that share a hash are
 * never split across calls. The same order gives ZRANDMEMBER a cheap random
 * position (seek to a random hash). The hash key is a constant: a collision
 * only makes one ZSCAN reply longer, and many-way 64-bit collisions cannot
 * be crafted.
 *
 * The score index is ordered like Redis's skiplist: by score, then by member
 * bytes. Ranges by score and by lex (all scores equal) are seeks; Redis
 * compares -0 and 0 as equal, so the index stores -0 as 0 and members tied
 * at zero stay in member order.
 *
 * Metadata `extra` holds two fields:
 *   [encoding u8]  0 while Redis would keep this set as a listpack (at most
 *                  128 members of at most 64 bytes, the defaults of
 *                  zset-max-listpack-entries/-value), 1 once Redis would
 *                  have converted it to a skiplist. Redis never converts
 *                  back (except when a *STORE builds a new value), and
 *                  neither does this flag. It decides what a client can
 *                  see: a small set answers ZSCAN in one reply in score
 *                  order with cursor 0, and its scores lose the sign of -0
 *                  (listpack stores "0"); a large set keeps -0.
 *   [negzero u64]  how many members score -0 (large sets only), so range
 *                  replies print "-0" where Redis does without a point read
 *                  per zero-scored member when there are none (the usual
 *                  case).
 *   [len u8][front] a lower bound of the live index keys (len 0: none)
 *   [len u8][back]  an upper bound of them (len 0: none), up to 24 bytes
 *                  each. Removing the lowest members (ZPOPMIN, ZMPOP,
 *                  ZREMRANGEBY* from the start: queues, sliding windows)
 *                  leaves their deletion markers at the front of the index
 *                  until compaction, and every seek from the front would
 *                  step over all of them: a queue drained by ZPOPMIN would
 *                  get slower with every pop. The bounds let seeks start
 *                  past them. A removal of a prefix (suffix) of the order
 *                  raises (lowers) the bound; an insert beyond a bound
 *                  moves it. They live in the metadata, written in the same
 *                  batch as the removals, so they are never ahead of the
 *                  data. ZREM of the lowest member moves the front too
 *                  (one seek per ZREM to know), for queues read with
 *                  ZRANGEBYSCORE ... LIMIT 0 1 and consumed with ZREM.
 *
 * Costs (N members, M returned or removed)
 *   ZADD/ZREM/ZSCORE/ZINCRBY/ZMSCORE   O(1) reads and writes per member
 *   ZRANGE BYSCORE/BYLEX, ZCOUNT, ...  one seek + O(M) (+ offset)
 *   ZRANGE by rank                     O(min(start, N - end) + M)
 *   ZRANK/ZREVRANK                     O(min(rank, N - rank)): counted by
 *                                      walking in from both ends at once.
 *                                      Redis is O(log N) (span counts in
 *                                      its skiplist); an ordered LSM index
 *                                      has no ranks.
 *   ZCOUNT                             O(min(M, N - M)) (Redis: O(log N))
 *   ZLEXCOUNT                          O(M)
 *   ZUNION/ZINTER/ZDIFF                O(total input) in memory, as Redis.
 *
 * Never write while a tier_iter is open: every command collects what it
 * needs, frees the iterator, then writes.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

/* Redis's defaults for zset-max-listpack-entries / zset-max-listpack-value. */
#define ZSET_SMALL_ENTRIES 128
#define ZSET_SMALL_VALUE 64

#define ZSET_EXTRA_FIXED 9 /* encoding + negzero; the bounds follow */
#define ZMARK_MAX 24

static const char *ERR_MINMAX_FLOAT = "ERR min or max is not a float";
static const char *ERR_MINMAX_LEX = "ERR min or max not valid string range item";
static const char *ERR_NAN_SCORE = "ERR resulting score is not a number (NaN)";

/* ===========================================================================
 * Element vectors: members and scores collected from an iterator before
 * the command replies or writes. Member bytes live in one arena.
 * ======================================================================== */

typedef struct zel {
    size_t off, len; /* member bytes: arena[off .. off+len) */
    double score;
} zel;

typedef struct zvec {
    zel *v;
    size_t n, cap;
    char *arena;
    size_t alen, acap;
    size_t maxlen; /* longest member */
} zvec;

static void zvec_push(zvec *a, const char *m, size_t len, double score) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = realloc(a->v, a->cap * sizeof(zel));
    }
    if (a->alen + len > a->acap) {
        size_t cap = a->acap ? a->acap : 256;
        while (cap < a->alen + len) cap *= 2;
        a->arena = realloc(a->arena, cap);
        a->acap = cap;
    }
    if (len) memcpy(a->arena + a->alen, m, len);
    a->v[a->n].off = a->alen;
    a->v[a->n].len = len;
    a->v[a->n].score = score;
    a->n++;
    a->alen += len;
    if (len > a->maxlen) a->maxlen = len;
}

/* (The arena is NULL while every member is empty: never hand out NULL.) */
static const char *zvec_member(const zvec *a, size_t i) { return a->arena ? a->arena + a->v[i].off : ""; }

static void zvec_free(zvec *a) {
    free(a->v);
    free(a->arena);
    memset(a, 0, sizeof(*a));
}

static void zvec_reverse(zvec *a) {
    for (size_t i = 0, j = a->n ? a->n - 1 : 0; i < j; i++, j--) {
        zel t = a->v[i];
        a->v[i] = a->v[j];
        a->v[j] = t;
    }
}

/* Redis's skiplist order: score (with -0 == 0), then member bytes. */
static int zel_cmp_members(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int r = n ? memcmp(a, b, n) : 0;
    if (r) return r;
    return alen < blen ? -1 : alen > blen;
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    return zel_cmp_members(a, alen, b, blen);
}

static const zvec *sort_vec; /* qsort has no context argument */
static int zel_cmp(const void *pa, const void *pb) {
    const zel *a = pa, *b = pb;
    if (a->score < b->score) return -1;
    if (a->score > b->score) return 1;
    const char *base = sort_vec->arena ? sort_vec->arena : "";
    return zel_cmp_members(base + a->off, a->len, base + b->off, b->len);
}

static void zvec_sort(zvec *a) {
    sort_vec = a;
    if (a->n > 1) qsort(a->v, a->n, sizeof(zel), zel_cmp);
    sort_vec = NULL;
}

/* ===========================================================================
 * A small hash table of members (index into a zvec), for ZUNION's
 * accumulator and ZRANDMEMBER's distinct picks. Keyed SipHash with a
 * per-process random key, so crafted members cannot make it a list.
 * ======================================================================== */

typedef struct zdict {
    zvec *vec;
    size_t *slot; /* index+1 into vec, 0 = empty */
    uint64_t *hash;
    size_t cap;   /* power of two */
} zdict;

static uint8_t dict_key[16];
static int dict_key_set;

static uint64_t dict_hash(const char *m, size_t len) {
    if (!dict_key_set) {
        util_random_bytes(dict_key, sizeof(dict_key));
        dict_key_set = 1;
    }
    return enc_siphash(m, len, dict_key);
}

static void zdict_init(zdict *d, zvec *vec, size_t hint) {
    d->vec = vec;
    d->cap = 16;
    while (d->cap < hint * 2) d->cap *= 2;
    d->slot = calloc(d->cap, sizeof(size_t));
    d->hash = calloc(d->cap, sizeof(uint64_t));
}

static void zdict_free(zdict *d) {
    free(d->slot);
    free(d->hash);
    memset(d, 0, sizeof(*d));
}

/* Position of member in the table: its slot, or the empty slot where it
 * would go. */
static size_t zdict_pos(const zdict *d, const char *m, size_t len, uint64_t h) {
    size_t mask = d->cap - 1, i = (size_t)h & mask;
    while (d->slot[i]) {
        size_t e = d->slot[i] - 1;
        if (d->hash[i] == h && d->vec->v[e].len == len && memcmp(zvec_member(d->vec, e), m, len) == 0) return i;
        i = (i + 1) & mask;
    }
    return i;
}

static void zdict_grow(zdict *d) {
    size_t oldcap = d->cap, *oldslot = d->slot;
    uint64_t *oldhash = d->hash;
    d->cap *= 2;
    d->slot = calloc(d->cap, sizeof(size_t));
    d->hash = calloc(d->cap, sizeof(uint64_t));
    for (size_t i = 0; i < oldcap; i++) {
        if (!oldslot[i]) continue;
        size_t j = (size_t)oldhash[i] & (d->cap - 1);
        while (d->slot[j]) j = (j + 1) & (d->cap - 1);
        d->slot[j] = oldslot[i];
        d->hash[j] = oldhash[i];
    }
    free(oldslot);
    free(oldhash);
}

/* Add member (appended to the vec) unless present. Returns its index and
 * sets *added. */
static size_t zdict_add(zdict *d, const char *m, size_t len, double score, int *added) {
    if ((d->vec->n + 1) * 2 > d->cap) zdict_grow(d);
    uint64_t h = dict_hash(m, len);
    size_t i = zdict_pos(d, m, len, h);
    if (d->slot[i]) {
        *added = 0;
        return d->slot[i] - 1;
    }
    zvec_push(d->vec, m, len, score);
    d->slot[i] = d->vec->n;
    d->hash[i] = h;
    *added = 1;
    return d->vec->n - 1;
}

/* ===========================================================================
 * Sorted-set type API
 * ======================================================================== */

/* A bound of the index keys (see the top); len 0 = none. */
typedef struct zmark {
    uint8_t len;
    char k[ZMARK_MAX];
} zmark;

typedef struct zset {
    int db;
    const char *key;
    size_t klen;
    tier_obj o;       /* the lookup; o.exists says whether there is a set */
    int large;        /* Redis would hold it as a skiplist (see the top) */
    uint64_t negzero; /* members scored -0 (large sets only) */
    zmark front, back;
} zset;

static int is_negzero(double d) { return d == 0 && signbit(d); }

/* The score as the index stores it: -0 is 0 (Redis compares them equal). */
static double index_score(double d) { return d == 0 ? 0.0 : d; }

static void zs_decode(zset *z) {
    z->large = 0;
    z->negzero = 0;
    z->front.len = z->back.len = 0;
    if (!z->o.exists) return;
    const char *e = z->o.extra;
    size_t n = z->o.extralen;
    if (n >= 1) z->large = e[0] != 0;
    if (n >= ZSET_EXTRA_FIXED) z->negzero = enc_get_u64(e + 1);
    size_t at = ZSET_EXTRA_FIXED;
    zmark *marks[2] = {&z->front, &z->back};
    for (int i = 0; i < 2 && at < n; i++) {
        size_t len = (uint8_t)e[at++];
        if (len > ZMARK_MAX || at + len > n) break; /* malformed: no bounds */
        marks[i]->len = (uint8_t)len;
        memcpy(marks[i]->k, e + at, len);
        at += len;
    }
}

/* Look up argv[i] for a command on sorted sets. Returns 0 (z->o.exists says
 * whether the key is there), or -1 after replying WRONGTYPE or a store
 * error. A lookup for a write does not count as a keyspace hit or miss, as
 * Redis's lookupKeyWrite. Release with zs_release(). */
static int zs_lookup_for(client *c, int i, zset *z, int for_write) {
    memset(z, 0, sizeof(*z));
    z->db = c->db;
    z->key = c->argv[i].ptr;
    z->klen = c->argv[i].len;
    if (!for_write) {
        if (db_lookup_typed(c, z->key, z->klen, OBJ_ZSET, &z->o) < 0) return -1;
    } else {
        if (tier_lookup(c->db, z->key, z->klen, server_mstime(), &z->o) != TIER_OK) {
            reply_store_error(c);
            return -1;
        }
        if (z->o.exists && z->o.type != OBJ_ZSET) {
            reply_error(c, ERR_WRONGTYPE);
            tier_obj_free(&z->o);
            return -1;
        }
    }
    zs_decode(z);
    return 0;
}

static int zs_lookup(client *c, int i, zset *z) { return zs_lookup_for(c, i, z, 0); }
static int zs_lookup_write(client *c, int i, zset *z) { return zs_lookup_for(c, i, z, 1); }

static void zs_release(zset *z) { tier_obj_free(&z->o); }

/* Make z a new, empty sorted set replacing whatever the key held. Nothing
 * is stored before zs_save(). */
static void zs_create(zset *z, int large) {
    tier_compound_create(z->db, z->key, z->klen, OBJ_ZSET, &z->o);
    z->large = large;
    z->negzero = 0;
    z->front.len = z->back.len = 0;
}

/* ---- index keys and the front/back bounds ---- */

/* An index key [score][member], on the stack when small. */
typedef struct ikey {
    char *p;
    size_t len;
    char stack[256];
} ikey;

static void ikey_make(ikey *k, double score, const char *m, size_t mlen) {
    k->len = 8 + mlen;
    k->p = k->len <= sizeof(k->stack) ? k->stack : malloc(k->len);
    enc_put_score(k->p, index_score(score));
    if (mlen) memcpy(k->p + 8, m, mlen);
}

static void ikey_release(ikey *k) {
    if (k->p != k->stack) free(k->p);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Lower bound from key k: k itself, or its first ZMARK_MAX bytes. */
static void mark_lower(zmark *m, const char *k, size_t n) {
    m->len = (uint8_t)(n < ZMARK_MAX ? n : ZMARK_MAX);
    memcpy(m->k, k, m->len);
}

/* Upper bound from key k: k itself, or its first ZMARK_MAX bytes plus one
 * (as a big-endian number), which is above every key with that prefix. */
static void mark_upper(zmark *m, const char *k, size_t n) {
    if (n <= ZMARK_MAX) {
        m->len = (uint8_t)n;
        memcpy(m->k, k, n);
        return;
    }
    memcpy(m->k, k, ZMARK_MAX);
    m->len = ZMARK_MAX;
    for (int i = ZMARK_MAX - 1; i >= 0; i--) {
        if (++m->k[i] != 0) return;
    }
    m->len = 0; /* all 0xff: no bound */
}

static void mark_from(zmark *m, int upper, double score, const char *member, size_t mlen) {
    ikey k;
    ikey_make(&k, score, member, mlen);
    if (upper)
        mark_upper(m, k.p, k.len);
    else
        mark_lower(m, k.p, k.len);
    ikey_release(&k);
}

/* A new index key: move a bound it falls outside of. */
static void marks_include(zset *z, const char *k, size_t n) {
    if (z->front.len && key_cmp(k, n, z->front.k, z->front.len) < 0) mark_lower(&z->front, k, n);
    if (z->back.len && key_cmp(k, n, z->back.k, z->back.len) > 0) mark_upper(&z->back, k, n);
}

/* Store the metadata; a set left empty is deleted. */
/* Keyspace notification of a sorted-set event; "del" too when it emptied
 * the set (zs_save deleted it). */
static void zs_notify(const zset *z, const char *event) {
    notify_keyspace_event(NOTIFY_ZSET, event, z->key, z->klen, z->db);
    if (z->o.count == 0) notify_keyspace_event(NOTIFY_GENERIC, "del", z->key, z->klen, z->db);
}

static void zs_save(zset *z) {
    char *e = z->o.extra;
    e[0] = (char)z->large;
    enc_put_u64(e + 1, z->negzero);
    size_t at = ZSET_EXTRA_FIXED;
    if (z->front.len || z->back.len) {
        e[at++] = (char)z->front.len;
        memcpy(e + at, z->front.k, z->front.len);
        at += z->front.len;
        e[at++] = (char)z->back.len;
        memcpy(e + at, z->back.k, z->back.len);
        at += z->back.len;
    }
    z->o.extralen = at;
    tier_compound_save(z->db, z->key, z->klen, &z->o);
}

/* The sub-CF element key of a member: [hash u64][member]. */
static const uint8_t member_hash_key[16] = {0x73, 0x74, 0x72, 0x61, 0x74, 0x61, 0x2d, 0x7a,
                                            0x73, 0x65, 0x74, 0x2d, 0x6b, 0x65, 0x79, 0x31};

typedef struct mkey {
    char *p;
    size_t len;
    char stack[256];
} mkey;

static void mkey_make(mkey *k, const char *m, size_t mlen) {
    k->len = 8 + mlen;
    k->p = k->len <= sizeof(k->stack) ? k->stack : malloc(k->len);
    enc_put_u64(k->p, enc_siphash(m, mlen, member_hash_key));
    if (mlen) memcpy(k->p + 8, m, mlen);
}

static void mkey_release(mkey *k) {
    if (k->p != k->stack) free(k->p);
}

/* Score of member: 1 (found, *score set), 0 (absent) or TIER_ERR. */
static int zs_score(zset *z, const char *m, size_t mlen, double *score) {
    if (!z->o.exists) return 0;
    mkey k;
    mkey_make(&k, m, mlen);
    char *v;
    size_t vlen;
    int r = tier_sub_get(z->db, z->key, z->klen, &z->o, k.p, k.len, &v, &vlen);
    mkey_release(&k);
    if (r != 1) return r;
    *score = vlen == 8 ? enc_get_score(v) : 0;
    tier_free(v);
    return 1;
}

/* Set member's score. `exists` says whether it is a member now (with score
 * `old`). A new member turns a small set large exactly when Redis would
 * convert its listpack; a small set stores -0 as 0, as a listpack does. */
static void zs_put(zset *z, const char *m, size_t mlen, double score, int exists, double old) {
    if (!exists && !z->large && (z->o.count + 1 > ZSET_SMALL_ENTRIES || mlen > ZSET_SMALL_VALUE)) z->large = 1;
    if (!z->large) score = index_score(score);
    mkey k;
    mkey_make(&k, m, mlen);
    char v[8];
    enc_put_score(v, score);
    tier_sub_put(z->db, z->key, z->klen, &z->o, k.p, k.len, v, 8);
    mkey_release(&k);
    int moved = 1;
    if (exists) {
        if (is_negzero(old)) z->negzero--;
        moved = index_score(old) != index_score(score);
        if (moved) tier_zindex_del(z->db, z->key, z->klen, &z->o, index_score(old), m, mlen);
    } else {
        z->o.count++;
    }
    if (moved) {
        tier_zindex_put(z->db, z->key, z->klen, &z->o, index_score(score), m, mlen);
        if (z->front.len || z->back.len) {
            ikey ik;
            ikey_make(&ik, score, m, mlen);
            marks_include(z, ik.p, ik.len);
            ikey_release(&ik);
        }
    }
    if (is_negzero(score)) z->negzero++;
}

/* Remove a member whose score is `score`. */
static void zs_remove(zset *z, const char *m, size_t mlen, double score) {
    mkey k;
    mkey_make(&k, m, mlen);
    tier_sub_del(z->db, z->key, z->klen, &z->o, k.p, k.len);
    mkey_release(&k);
    tier_zindex_del(z->db, z->key, z->klen, &z->o, index_score(score), m, mlen);
    if (is_negzero(score)) z->negzero--;
    z->o.count--;
}

/* ---- the score index ---- */

static tier_iter *zs_index_iter(zset *z) { return tier_iter_new(z->db, z->key, z->klen, &z->o, 1); }

/* The element under an index iterator. */
static void index_cur(tier_iter *it, double *score, const char **m, size_t *mlen) {
    size_t n;
    const char *k = tier_iter_sub(it, &n);
    if (n < 8) { /* cannot happen: every index key starts with a score */
        *score = 0;
        *m = "";
        *mlen = 0;
        return;
    }
    *score = enc_get_score(k);
    *m = k + 8;
    *mlen = n - 8;
}

/* The stored score of an index entry: the index holds -0 as 0. */
static double zs_true_score(zset *z, double s, const char *m, size_t mlen) {
    if (s != 0 || z->negzero == 0) return s;
    double t;
    return zs_score(z, m, mlen, &t) == 1 ? t : s;
}

/* Seeks that start past the deletion markers outside the bounds. */
static void zseek_first(zset *z, tier_iter *it) {
    if (z->front.len)
        tier_iter_seek(it, z->front.k, z->front.len);
    else
        tier_iter_seek_first(it);
}

static void zseek_last(zset *z, tier_iter *it) {
    if (z->back.len)
        tier_iter_seek_for_prev(it, z->back.k, z->back.len);
    else
        tier_iter_seek_last(it);
}

/* A seek to k (first >= k) lands on the first live member when nothing
 * live can be below k. */
static int at_front(zset *z, const char *k, size_t n) {
    if (z->front.len) return key_cmp(k, n, z->front.k, z->front.len) <= 0;
    char lowest[8];
    enc_put_score(lowest, -INFINITY);
    return key_cmp(k, n, lowest, 8) <= 0;
}

static void zseek_ge(zset *z, tier_iter *it, const char *k, size_t n) {
    if (z->front.len && key_cmp(k, n, z->front.k, z->front.len) < 0)
        zseek_first(z, it);
    else
        tier_iter_seek(it, k, n);
}

static void zseek_le(zset *z, tier_iter *it, const char *k, size_t n) {
    if (z->back.len && key_cmp(k, n, z->back.k, z->back.len) > 0)
        zseek_last(z, it);
    else
        tier_iter_seek_for_prev(it, k, n);
}

/* Seek to [s][m]: first >= it, or (for_prev) last <= it. Returns whether
 * the landing is the first live member (forward seeks only). */
static int seek_element(zset *z, tier_iter *it, double s, const char *m, size_t mlen, int for_prev) {
    ikey k;
    ikey_make(&k, s, m, mlen);
    int front = 0;
    if (for_prev) {
        zseek_le(z, it, k.p, k.len);
    } else {
        front = at_front(z, k.p, k.len);
        zseek_ge(z, it, k.p, k.len);
    }
    ikey_release(&k);
    return front;
}

/* A copy of the first (or last) live index key into *k (free() it), or 0
 * when the set is empty. */
static int zs_edge_key(zset *z, int last, char **k, size_t *n) {
    tier_iter *it = zs_index_iter(z);
    if (last)
        zseek_last(z, it);
    else
        zseek_first(z, it);
    int found = tier_iter_valid(it);
    if (found) {
        const char *p = tier_iter_sub(it, n);
        *k = malloc(*n ? *n : 1);
        memcpy(*k, p, *n);
    }
    tier_iter_free(it);
    return found;
}

/* Whether member m (score s) is the first (last) live member. */
static int zs_is_edge(zset *z, int last, double s, const char *m, size_t mlen) {
    char *k;
    size_t n;
    if (!zs_edge_key(z, last, &k, &n)) return 0;
    ikey ik;
    ikey_make(&ik, s, m, mlen);
    int r = key_cmp(k, n, ik.p, ik.len) == 0;
    ikey_release(&ik);
    free(k);
    return r;
}

/* Rank (0-based, ascending) of a member with score s. Walks in from both
 * ends at once and stops at whichever reaches it first. */
static long long zs_rank(zset *z, const char *m, size_t mlen, double s) {
    size_t tlen = 8 + mlen;
    char stack[256], *target = tlen <= sizeof(stack) ? stack : malloc(tlen);
    enc_put_score(target, index_score(s));
    if (mlen) memcpy(target + 8, m, mlen);
    tier_iter *fw = zs_index_iter(z), *bw = zs_index_iter(z);
    zseek_first(z, fw);
    zseek_last(z, bw);
    long long rank = -1, n = 0, total = (long long)z->o.count;
    while (tier_iter_valid(fw) || tier_iter_valid(bw)) {
        size_t len;
        const char *k;
        if (tier_iter_valid(fw)) {
            k = tier_iter_sub(fw, &len);
            if (len == tlen && memcmp(k, target, tlen) == 0) {
                rank = n;
                break;
            }
            tier_iter_next(fw);
        }
        if (tier_iter_valid(bw)) {
            k = tier_iter_sub(bw, &len);
            if (len == tlen && memcmp(k, target, tlen) == 0) {
                rank = total - 1 - n;
                break;
            }
            tier_iter_prev(bw);
        }
        n++;
    }
    tier_iter_free(fw);
    tier_iter_free(bw);
    if (target != stack) free(target);
    return rank;
}

/* ---- ranges ---- */

typedef struct zrange_score {
    double min, max;
    int minex, maxex;
} zrange_score;

typedef struct lex_bound {
    const char *p;
    size_t len;
    int inf; /* -1: "-" (below every member), 1: "+" (above), 0: p/len */
    int ex;
} lex_bound;

typedef struct zrange_lex {
    lex_bound min, max;
} zrange_lex;

/* Redis's zslParseRange: strtod over the C string, "(" for exclusive. Note
 * what it lets through, kept on purpose: leading spaces, "" and "(" (0),
 * hex, overflow to inf; only NaN and trailing bytes are refused. */
static int parse_score_bound(const resp_arg *a, double *v, int *ex) {
    const char *s = a->ptr;
    *ex = 0;
    if (s[0] == '(') {
        s++;
        *ex = 1;
    }
    char *end;
    double d = strtod(s, &end);
    if (*end != '\0' || isnan(d)) return -1;
    *v = d;
    return 0;
}

static int parse_score_range(client *c, int mini, int maxi, zrange_score *r) {
    if (parse_score_bound(&c->argv[mini], &r->min, &r->minex) < 0 ||
        parse_score_bound(&c->argv[maxi], &r->max, &r->maxex) < 0)
        return -1;
    return 0;
}

/* Redis's zslParseLexRangeItem: "-", "+", "(member" or "[member". Like
 * Redis it looks at the C string: "+" followed by a NUL byte is "+". */
static int parse_lex_bound(const resp_arg *a, lex_bound *b) {
    const char *s = a->ptr;
    b->p = NULL;
    b->len = 0;
    b->inf = 0;
    switch (s[0]) {
    case '+':
    case '-':
        if (s[1] != '\0') return -1;
        b->inf = s[0] == '+' ? 1 : -1;
        b->ex = 1;
        return 0;
    case '(':
    case '[':
        b->ex = s[0] == '(';
        b->p = s + 1;
        b->len = a->len - 1;
        return 0;
    default:
        return -1;
    }
}

static int parse_lex_range(client *c, int mini, int maxi, zrange_lex *r) {
    if (parse_lex_bound(&c->argv[mini], &r->min) < 0 || parse_lex_bound(&c->argv[maxi], &r->max) < 0) return -1;
    return 0;
}

/* Member against a bound, as Redis's sdscmplex: "-" is below every member
 * and "+" above. */
static int lex_cmp(const char *m, size_t mlen, const lex_bound *b) {
    if (b->inf) return -b->inf;
    return zel_cmp_members(m, mlen, b->p, b->len);
}

static int lex_gte_min(const char *m, size_t mlen, const zrange_lex *r) {
    int c = lex_cmp(m, mlen, &r->min);
    return r->min.ex ? c > 0 : c >= 0;
}

static int lex_lte_max(const char *m, size_t mlen, const zrange_lex *r) {
    int c = lex_cmp(m, mlen, &r->max);
    return r->max.ex ? c < 0 : c <= 0;
}

/* A range that can hold nothing, whatever the set (Redis tests this first). */
static int lex_range_empty(const zrange_lex *r) {
    int c;
    if (r->min.inf && r->min.inf == r->max.inf)
        c = 0;
    else if (r->min.inf < 0 || r->max.inf > 0)
        c = -1;
    else if (r->min.inf > 0 || r->max.inf < 0)
        c = 1;
    else
        c = zel_cmp_members(r->min.p, r->min.len, r->max.p, r->max.len);
    return c > 0 || (c == 0 && (r->min.ex || r->max.ex));
}

static int score_gte_min(double s, const zrange_score *r) { return r->minex ? s > r->min : s >= r->min; }
static int score_lte_max(double s, const zrange_score *r) { return r->maxex ? s < r->max : s <= r->max; }

/* Visitor of a range walk: return 0 to stop. */
typedef int zvisit_fn(void *ctx, double score, const char *m, size_t mlen);

/* What a forward walk learnt about where its members sit in the set: the
 * first visited is the first live member, and none is live after the last
 * visited. A removal of what was visited then moves the bounds. */
typedef struct zwalk_info {
    int from_front, to_end;
} zwalk_info;

/* Walk the members whose score is in r, ascending (or descending when rev),
 * skipping the first `offset` and visiting at most `limit` (< 0: no limit).
 * A negative offset visits nothing, as in Redis. */
static void zs_walk_score(zset *z, const zrange_score *r, int rev, long long offset, long long limit,
                          zvisit_fn *fn, void *ctx, zwalk_info *info) {
    zwalk_info dummy;
    if (!info) info = &dummy;
    info->from_front = info->to_end = 0;
    if (!z->o.exists || offset < 0 || limit == 0) return;
    tier_iter *it = zs_index_iter(z);
    double s;
    const char *m;
    size_t mlen;
    if (!rev) {
        double lo = index_score(r->min);
        if (r->minex && lo == INFINITY) goto done;
        info->from_front = seek_element(z, it, r->minex ? nextafter(lo, INFINITY) : lo, "", 0, 0) && !offset;
    } else {
        double hi = index_score(r->max);
        if (!r->maxex && hi == INFINITY)
            zseek_last(z, it);
        else
            seek_element(z, it, r->maxex ? hi : nextafter(hi, INFINITY), "", 0, 1);
        /* seek_for_prev may land on the key [bound][""]: step off it */
        while (tier_iter_valid(it)) {
            index_cur(it, &s, &m, &mlen);
            if (score_lte_max(s, r)) break;
            tier_iter_prev(it);
        }
    }
    for (;; rev ? tier_iter_prev(it) : tier_iter_next(it)) {
        if (!tier_iter_valid(it)) {
            info->to_end = !rev;
            break;
        }
        index_cur(it, &s, &m, &mlen);
        if (rev ? !score_gte_min(s, r) : !score_lte_max(s, r)) break;
        if (offset > 0) {
            offset--;
            continue;
        }
        if (!fn(ctx, zs_true_score(z, s, m, mlen), m, mlen)) break;
        if (limit > 0 && --limit == 0) break;
    }
done:
    tier_iter_free(it);
}

/* Walk the members in a lex range. Redis defines lex ranges for sets whose
 * scores are all equal; then this is a seek. With mixed scores it follows
 * what Redis does for a listpack (the only deterministic case): check the
 * last member >= min and the first <= max, take the first member in score
 * order that is >= min, and go on while members are <= max. */
static void zs_walk_lex(zset *z, const zrange_lex *r, int rev, long long offset, long long limit, zvisit_fn *fn,
                        void *ctx, zwalk_info *info) {
    zwalk_info dummy;
    if (!info) info = &dummy;
    info->from_front = info->to_end = 0;
    if (!z->o.exists || offset < 0 || limit == 0 || lex_range_empty(r)) return;
    tier_iter *it = zs_index_iter(z);
    double s, first_score, last_score;
    const char *m;
    size_t mlen;
    zseek_last(z, it);
    if (!tier_iter_valid(it)) goto done;
    index_cur(it, &last_score, &m, &mlen);
    if (!lex_gte_min(m, mlen, r)) goto done;
    zseek_first(z, it);
    if (!tier_iter_valid(it)) goto done;
    index_cur(it, &first_score, &m, &mlen);
    if (!lex_lte_max(m, mlen, r)) goto done;
    int seekable = first_score == last_score;
    if (!rev) {
        int front = 1;
        if (seekable && r->min.inf == 0) front = seek_element(z, it, first_score, r->min.p, r->min.len, 0);
        while (tier_iter_valid(it)) {
            index_cur(it, &s, &m, &mlen);
            if (lex_gte_min(m, mlen, r)) break;
            front = 0;
            tier_iter_next(it);
        }
        info->from_front = front && !offset;
    } else {
        if (seekable && r->max.inf == 0)
            seek_element(z, it, first_score, r->max.p, r->max.len, 1);
        else
            zseek_last(z, it);
        while (tier_iter_valid(it)) {
            index_cur(it, &s, &m, &mlen);
            if (lex_lte_max(m, mlen, r)) break;
            tier_iter_prev(it);
        }
    }
    for (;; rev ? tier_iter_prev(it) : tier_iter_next(it)) {
        if (!tier_iter_valid(it)) {
            info->to_end = !rev;
            break;
        }
        index_cur(it, &s, &m, &mlen);
        if (rev ? !lex_gte_min(m, mlen, r) : !lex_lte_max(m, mlen, r)) break;
        if (offset > 0) {
            offset--;
            continue;
        }
        if (!fn(ctx, zs_true_score(z, s, m, mlen), m, mlen)) break;
        if (limit > 0 && --limit == 0) break;
    }
done:
    tier_iter_free(it);
}

/* Collect the members at ascending ranks lo..hi (0 <= lo <= hi < count)
 * into out, in ascending order, walking in from the nearer end. */
static void zs_collect_ranks(zset *z, long long lo, long long hi, zvec *out) {
    long long count = (long long)z->o.count;
    tier_iter *it = zs_index_iter(z);
    double s;
    const char *m;
    size_t mlen;
    if (lo <= count - 1 - hi) {
        zseek_first(z, it);
        for (long long i = 0; i < lo && tier_iter_valid(it); i++) tier_iter_next(it);
        for (long long i = lo; i <= hi && tier_iter_valid(it); i++, tier_iter_next(it)) {
            index_cur(it, &s, &m, &mlen);
            zvec_push(out, m, mlen, zs_true_score(z, s, m, mlen));
        }
    } else {
        zseek_last(z, it);
        for (long long i = count - 1; i > hi && tier_iter_valid(it); i--) tier_iter_prev(it);
        size_t first = out->n;
        for (long long i = hi; i >= lo && tier_iter_valid(it); i--, tier_iter_prev(it)) {
            index_cur(it, &s, &m, &mlen);
            zvec_push(out, m, mlen, zs_true_score(z, s, m, mlen));
        }
        for (size_t i = first, j = out->n ? out->n - 1 : 0; i < j; i++, j--) {
            zel t = out->v[i];
            out->v[i] = out->v[j];
            out->v[j] = t;
        }
    }
    tier_iter_free(it);
}

/* ZCOUNT: the number of members in r. Walks the range and, in lockstep,
 * the members outside it (from the first member up to min, and from max
 * to the last member, all forward: a backward step is the dearer one in
 * RocksDB); whichever finishes first gives the count, so it costs
 * O(min(M, N - M)) instead of O(M): ZCOUNT key -inf +inf on a big set stops
 * at once. The outside walks start only after ZCOUNT_ALONE members, so a
 * small range costs no more than a plain walk. */
#define ZCOUNT_ALONE 128

static long long zs_count_score(zset *z, const zrange_score *r) {
    if (!z->o.exists) return 0;
    double lo = index_score(r->min);
    if (r->minex && lo == INFINITY) return 0;
    tier_iter *a = zs_index_iter(z), *b = NULL, *c = NULL;
    seek_element(z, a, r->minex ? nextafter(lo, INFINITY) : lo, "", 0, 0);
    long long na = 0, nb = 0, nc = 0, result;
    int bdone = 0, cdone = 0;
    double s;
    const char *m;
    size_t mlen;
    for (;;) {
        if (!tier_iter_valid(a)) {
            result = na;
            break;
        }
        index_cur(a, &s, &m, &mlen);
        if (!score_lte_max(s, r)) {
            result = na;
            break;
        }
        na++;
        tier_iter_next(a);
        if (na < ZCOUNT_ALONE) continue;
        if (!b) {
            b = zs_index_iter(z);
            c = zs_index_iter(z);
            zseek_first(z, b);
            double hi = index_score(r->max);
            if (!r->maxex && hi == INFINITY)
                cdone = 1;
            else /* the first member above max */
                seek_element(z, c, r->maxex ? hi : nextafter(hi, INFINITY), "", 0, 0);
        }
        if (!bdone) {
            if (tier_iter_valid(b) && (index_cur(b, &s, &m, &mlen), !score_gte_min(s, r))) {
                nb++;
                tier_iter_next(b);
            } else {
                bdone = 1;
            }
        }
        if (!cdone) {
            if (tier_iter_valid(c)) {
                nc++;
                tier_iter_next(c);
            } else {
                cdone = 1;
            }
        }
        /* the range is not empty (a member is in it), so below and above
         * are disjoint */
        if (bdone && cdone) {
            result = (long long)z->o.count - nb - nc;
            break;
        }
    }
    tier_iter_free(a);
    tier_iter_free(b); /* (NULL is fine) */
    tier_iter_free(c);
    return result;
}

/* Every member in ascending order. */
static void zs_collect_all(zset *z, zvec *out) {
    if (z->o.exists && z->o.count) zs_collect_ranks(z, 0, (long long)z->o.count - 1, out);
}

static int visit_collect(void *ctx, double score, const char *m, size_t mlen) {
    zvec_push(ctx, m, mlen, score);
    return 1;
}

static int visit_count(void *ctx, double score, const char *m, size_t mlen) {
    (*(long long *)ctx)++;
    return 1;
}

/* Remove every member in v (ascending, with their scores) from z. When
 * they were a prefix (from_front) or a suffix (to_end) of the order, the
 * bounds move past them. */
static void zs_remove_all(zset *z, const zvec *v, int from_front, int to_end) {
    if (v->n == 0) return;
    if (from_front) mark_from(&z->front, 0, v->v[v->n - 1].score, zvec_member(v, v->n - 1), v->v[v->n - 1].len);
    if (to_end) mark_from(&z->back, 1, v->v[0].score, zvec_member(v, 0), v->v[0].len);
    for (size_t i = 0; i < v->n; i++) zs_remove(z, zvec_member(v, i), v->v[i].len, v->v[i].score);
}

/* ===========================================================================
 * Reply helpers
 * ======================================================================== */

/* Members (and scores): RESP2 a flat array, RESP3 an array of pairs when
 * there are scores, as Redis's ZRANGE. */
static void reply_zvec(client *c, const zvec *v, int withscores) {
    reply_array_len(c, (long)(withscores && c->resp == 2 ? v->n * 2 : v->n));
    for (size_t i = 0; i < v->n; i++) {
        if (withscores && c->resp > 2) reply_array_len(c, 2);
        reply_bulk(c, zvec_member(v, i), v->v[i].len);
        if (withscores) reply_double(c, v->v[i].score);
    }
}

/* Replace key argv[dsti] with a sorted set of v's members (in v's order of
 * insertion), or delete it when v is empty. `large` is how Redis starts
 * the new value (members still convert it as they arrive). Returns the
 * number of members stored. */
static long long store_zvec(client *c, int dsti, const zvec *v, int large, const char *event) {
    zset d;
    memset(&d, 0, sizeof(d));
    d.db = c->db;
    d.key = c->argv[dsti].ptr;
    d.klen = c->argv[dsti].len;
    if (tier_lookup(c->db, d.key, d.klen, server_mstime(), &d.o) != TIER_OK) {
        reply_store_error(c);
        return -1;
    }
    if (v->n == 0) {
        if (d.o.exists) {
            tier_delete(c->db, d.key, d.klen, &d.o);
            server_dirty(c, 1);
            notify_keyspace_event(NOTIFY_GENERIC, "del", d.key, d.klen, c->db);
        }
        tier_obj_free(&d.o);
        return 0;
    }
    zs_create(&d, large);
    for (size_t i = 0; i < v->n; i++) zs_put(&d, zvec_member(v, i), v->v[i].len, v->v[i].score, 0, 0);
    zs_save(&d);
    server_dirty(c, 1);
    notify_keyspace_event(NOTIFY_ZSET, event, d.key, d.klen, c->db);
    long long n = (long long)d.o.count;
    tier_obj_free(&d.o);
    return n;
}

/* ===========================================================================
 * ZADD, ZINCRBY
 * ======================================================================== */

#define ZADD_NX (1 << 0)
#define ZADD_XX (1 << 1)
#define ZADD_GT (1 << 2)
#define ZADD_LT (1 << 3)
#define ZADD_CH (1 << 4)
#define ZADD_INCR (1 << 5)

/* ZADD and ZINCRBY, as Redis's zaddGenericCommand: options, then every
 * score is validated before anything changes. */
static void zadd_generic(client *c, int flags) {
    int si = 2;
    for (; si < c->argc; si++) {
        if (arg_is(c, si, "nx"))
            flags |= ZADD_NX;
        else if (arg_is(c, si, "xx"))
            flags |= ZADD_XX;
        else if (arg_is(c, si, "ch"))
            flags |= ZADD_CH;
        else if (arg_is(c, si, "incr"))
            flags |= ZADD_INCR;
        else if (arg_is(c, si, "gt"))
            flags |= ZADD_GT;
        else if (arg_is(c, si, "lt"))
            flags |= ZADD_LT;
        else
            break;
    }
    int nx = flags & ZADD_NX, xx = flags & ZADD_XX, gt = flags & ZADD_GT, lt = flags & ZADD_LT;
    int incr = flags & ZADD_INCR;
    int elements = c->argc - si;
    if (elements % 2 || !elements) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    elements /= 2;
    if (nx && xx) {
        reply_error(c, "ERR XX and NX options at the same time are not compatible");
        return;
    }
    if ((gt && nx) || (lt && nx) || (gt && lt)) {
        reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if (incr && elements > 1) {
        reply_error(c, "ERR INCR option supports a single increment-element pair");
        return;
    }
    double *scores = malloc(sizeof(double) * (size_t)elements);
    for (int j = 0; j < elements; j++) {
        if (arg_double(c, si + j * 2, &scores[j], NULL) < 0) {
            free(scores);
            return;
        }
    }
    zset z;
    if (zs_lookup_write(c, 1, &z) < 0) {
        free(scores);
        return;
    }
    long long added = 0, updated = 0, processed = 0;
    double score = 0;
    if (!z.o.exists) {
        if (xx) goto reply;
        zs_create(&z, 0);
    }
    for (int j = 0; j < elements; j++) {
        const resp_arg *m = &c->argv[si + 1 + j * 2];
        double cur, s = scores[j];
        int r = zs_score(&z, m->ptr, m->len, &cur);
        if (r < 0) {
            if (added || updated) zs_save(&z);
            reply_store_error(c);
            goto cleanup;
        }
        if (r == 1) {
            if (nx) continue;
            if (incr) {
                s += cur;
                if (isnan(s)) {
                    reply_error(c, ERR_NAN_SCORE);
                    goto cleanup;
                }
            }
            if ((lt && s >= cur) || (gt && s <= cur)) continue;
            score = s;
            processed++;
            if (s != cur) {
                zs_put(&z, m->ptr, m->len, s, 1, cur);
                updated++;
            }
        } else if (!xx) {
            score = s;
            processed++;
            zs_put(&z, m->ptr, m->len, s, 0, 0);
            added++;
        }
    }
    if (added || updated) {
        zs_save(&z);
        server_dirty(c, added + updated);
        notify_keyspace_event(NOTIFY_ZSET, incr ? "zincr" : "zadd", KEY(1), c->db);
    }
reply:
    if (incr) {
        if (processed)
            reply_double(c, score);
        else
            reply_null(c);
    } else {
        reply_longlong(c, (flags & ZADD_CH) ? added + updated : added);
    }
cleanup:
    zs_release(&z);
    free(scores);
}

void zaddCommand(client *c) { zadd_generic(c, 0); }
void zincrbyCommand(client *c) { zadd_generic(c, ZADD_INCR); }

/* ===========================================================================
 * ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK
 * ======================================================================== */

/* ZREM. When it removes the lowest member (a queue consumed with
 * ZRANGEBYSCORE ... LIMIT 0 1 + ZREM) the front bound moves past it, or
 * the deletion markers would pile up where every such read starts: one
 * extra seek per command to know. */
void zremCommand(client *c) {
    zset z;
    if (zs_lookup_write(c, 1, &z) < 0) return;
    long long deleted = 0;
    char *first = NULL;
    size_t firstlen = 0;
    int removed_first = 0;
    if (z.o.exists && !zs_edge_key(&z, 0, &first, &firstlen)) first = NULL;
    for (int j = 2; j < c->argc && z.o.exists; j++) {
        double s;
        int r = zs_score(&z, KEY(j), &s);
        if (r < 0) {
            if (deleted) zs_save(&z);
            reply_store_error(c);
            zs_release(&z);
            free(first);
            return;
        }
        if (r == 1) {
            if (first && !removed_first) {
                ikey ik;
                ikey_make(&ik, s, KEY(j));
                removed_first = key_cmp(ik.p, ik.len, first, firstlen) == 0;
                ikey_release(&ik);
            }
            zs_remove(&z, KEY(j), s);
            deleted++;
        }
    }
    /* every member left is above the removed first one */
    if (removed_first) mark_lower(&z.front, first, firstlen);
    free(first);
    if (deleted) {
        zs_save(&z);
        server_dirty(c, deleted);
        zs_notify(&z, "zrem");
    }
    reply_longlong(c, deleted);
    zs_release(&z);
}

void zcardCommand(client *c) {
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    reply_longlong(c, z.o.exists ? (long long)z.o.count : 0);
    zs_release(&z);
}

void zscoreCommand(client *c) {
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    double s;
    int r = zs_score(&z, KEY(2), &s);
    if (r < 0)
        reply_store_error(c);
    else if (r == 1)
        reply_double(c, s);
    else
        reply_null(c);
    zs_release(&z);
}

void zmscoreCommand(client *c) {
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    reply_array_len(c, c->argc - 2);
    for (int j = 2; j < c->argc; j++) {
        double s;
        if (zs_score(&z, KEY(j), &s) == 1)
            reply_double(c, s);
        else
            reply_null(c);
    }
    zs_release(&z);
}

static void zrank_generic(client *c, int rev) {
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    double s;
    int r = zs_score(&z, KEY(2), &s);
    if (r < 0) {
        reply_store_error(c);
    } else if (r == 0) {
        reply_null(c);
    } else {
        long long rank = zs_rank(&z, KEY(2), s);
        if (rank < 0)
            reply_null(c); /* index and elements disagree: cannot happen */
        else
            reply_longlong(c, rev ? (long long)z.o.count - 1 - rank : rank);
    }
    zs_release(&z);
}

void zrankCommand(client *c) { zrank_generic(c, 0); }
void zrevrankCommand(client *c) { zrank_generic(c, 1); }

/* ===========================================================================
 * ZCOUNT, ZLEXCOUNT
 * ======================================================================== */

void zcountCommand(client *c) {
    zrange_score r;
    if (parse_score_range(c, 2, 3, &r) < 0) {
        reply_error(c, ERR_MINMAX_FLOAT);
        return;
    }
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    reply_longlong(c, zs_count_score(&z, &r));
    zs_release(&z);
}

void zlexcountCommand(client *c) {
    zrange_lex r;
    if (parse_lex_range(c, 2, 3, &r) < 0) {
        reply_error(c, ERR_MINMAX_LEX);
        return;
    }
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    long long n = 0;
    zs_walk_lex(&z, &r, 0, 0, -1, visit_count, &n, NULL);
    reply_longlong(c, n);
    zs_release(&z);
}

/* ===========================================================================
 * ZRANGE and its older forms, ZRANGESTORE
 * ======================================================================== */

enum { ZR_AUTO, ZR_RANK, ZR_SCORE, ZR_LEX };
enum { ZD_AUTO, ZD_FORWARD, ZD_REVERSE };

/* Sanitize start/end as Redis does; returns 0 when the range is empty,
 * else 1 with *lo and *hi the ascending ranks to visit. */
static int rank_range(long long start, long long end, long long len, int rev, long long *lo, long long *hi) {
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) return 0;
    if (end >= len) end = len - 1;
    if (rev) {
        *lo = len - 1 - end;
        *hi = len - 1 - start;
    } else {
        *lo = start;
        *hi = end;
    }
    return 1;
}

/* Redis's zrangeGenericCommand: `first` is the source key's position
 * (ZRANGESTORE: 2, its destination at 1); the fixed range type and
 * direction of the older commands make their spelled-out options errors. */
static void zrange_generic(client *c, int first, int store, int type, int dir) {
    int mini = first + 1, maxi = first + 2;
    int withscores = 0;
    long long offset = 0, limit = -1;
    for (int j = first + 3; j < c->argc; j++) {
        int left = c->argc - j - 1;
        if (!store && arg_is(c, j, "withscores")) {
            withscores = 1;
        } else if (arg_is(c, j, "limit") && left >= 2) {
            if (arg_longlong(c, j + 1, &offset, NULL) < 0 || arg_longlong(c, j + 2, &limit, NULL) < 0) return;
            j += 2;
        } else if (dir == ZD_AUTO && arg_is(c, j, "rev")) {
            dir = ZD_REVERSE;
        } else if (type == ZR_AUTO && arg_is(c, j, "bylex")) {
            type = ZR_LEX;
        } else if (type == ZR_AUTO && arg_is(c, j, "byscore")) {
            type = ZR_SCORE;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (dir == ZD_AUTO) dir = ZD_FORWARD;
    if (type == ZR_AUTO) type = ZR_RANK;
    int rev = dir == ZD_REVERSE;
    if (limit != -1 && type == ZR_RANK) {
        reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
        return;
    }
    if (withscores && type == ZR_LEX) {
        reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return;
    }
    if (rev && type != ZR_RANK) {
        int t = mini;
        mini = maxi;
        maxi = t;
    }
    long long start = 0, end = 0;
    zrange_score sr;
    zrange_lex lr;
    if (type == ZR_RANK) {
        if (arg_longlong(c, mini, &start, NULL) < 0 || arg_longlong(c, maxi, &end, NULL) < 0) return;
    } else if (type == ZR_SCORE) {
        if (parse_score_range(c, mini, maxi, &sr) < 0) {
            reply_error(c, ERR_MINMAX_FLOAT);
            return;
        }
    } else {
        if (parse_lex_range(c, mini, maxi, &lr) < 0) {
            reply_error(c, ERR_MINMAX_LEX);
            return;
        }
    }
    zset z;
    if (zs_lookup(c, first, &z) < 0) return;
    if (store && !z.o.exists) db_keymiss(c, KEY(first)); /* ZRANGESTORE's source is a read */
    zvec v = {0};
    int large = 0; /* how ZRANGESTORE starts its result, as Redis */
    if (z.o.exists) {
        long long len = (long long)z.o.count, lo, hi;
        if (type == ZR_RANK) {
            if (rank_range(start, end, len, rev, &lo, &hi)) {
                zs_collect_ranks(&z, lo, hi, &v);
                if (rev) zvec_reverse(&v);
                large = hi - lo + 1 > ZSET_SMALL_ENTRIES;
            }
        } else if (!(offset > 0 && offset >= len)) {
            if (type == ZR_SCORE)
                zs_walk_score(&z, &sr, rev, offset, limit, visit_collect, &v, NULL);
            else
                zs_walk_lex(&z, &lr, rev, offset, limit, visit_collect, &v, NULL);
        }
    }
    zs_release(&z);
    if (store) {
        long long n = store_zvec(c, 1, &v, large, "zrangestore");
        if (n >= 0) reply_longlong(c, n);
    } else {
        reply_zvec(c, &v, withscores);
    }
    zvec_free(&v);
}

void zrangeCommand(client *c) { zrange_generic(c, 1, 0, ZR_AUTO, ZD_AUTO); }
void zrevrangeCommand(client *c) { zrange_generic(c, 1, 0, ZR_RANK, ZD_REVERSE); }
void zrangebyscoreCommand(client *c) { zrange_generic(c, 1, 0, ZR_SCORE, ZD_FORWARD); }
void zrevrangebyscoreCommand(client *c) { zrange_generic(c, 1, 0, ZR_SCORE, ZD_REVERSE); }
void zrangebylexCommand(client *c) { zrange_generic(c, 1, 0, ZR_LEX, ZD_FORWARD); }
void zrevrangebylexCommand(client *c) { zrange_generic(c, 1, 0, ZR_LEX, ZD_REVERSE); }
void zrangestoreCommand(client *c) { zrange_generic(c, 2, 1, ZR_AUTO, ZD_AUTO); }

/* ===========================================================================
 * ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX
 * ======================================================================== */

static void zremrange_generic(client *c, int type) {
    long long start = 0, end = 0;
    zrange_score sr;
    zrange_lex lr;
    if (type == ZR_RANK) {
        if (arg_longlong(c, 2, &start, NULL) < 0 || arg_longlong(c, 3, &end, NULL) < 0) return;
    } else if (type == ZR_SCORE) {
        if (parse_score_range(c, 2, 3, &sr) < 0) {
            reply_error(c, ERR_MINMAX_FLOAT);
            return;
        }
    } else if (parse_lex_range(c, 2, 3, &lr) < 0) {
        reply_error(c, ERR_MINMAX_LEX);
        return;
    }
    zset z;
    if (zs_lookup_write(c, 1, &z) < 0) return;
    zvec v = {0};
    zwalk_info info = {0, 0};
    if (z.o.exists) {
        long long lo, hi;
        if (type == ZR_RANK) {
            if (rank_range(start, end, (long long)z.o.count, 0, &lo, &hi)) {
                zs_collect_ranks(&z, lo, hi, &v);
                info.from_front = lo == 0;
                info.to_end = hi == (long long)z.o.count - 1;
            }
        } else if (type == ZR_SCORE) {
            zs_walk_score(&z, &sr, 0, 0, -1, visit_collect, &v, &info);
        } else {
            zs_walk_lex(&z, &lr, 0, 0, -1, visit_collect, &v, &info);
        }
    }
    if (v.n) {
        /* A range that starts at the first member (ZREMRANGEBYSCORE key 0
         * now: a sliding window) or ends at the last one moves a bound:
         * one seek to tell when the walk could not. */
        if (!info.from_front) info.from_front = zs_is_edge(&z, 0, v.v[0].score, zvec_member(&v, 0), v.v[0].len);
        if (!info.to_end)
            info.to_end = zs_is_edge(&z, 1, v.v[v.n - 1].score, zvec_member(&v, v.n - 1), v.v[v.n - 1].len);
        zs_remove_all(&z, &v, info.from_front, info.to_end);
        zs_save(&z);
        server_dirty(c, (long long)v.n);
        zs_notify(&z, type == ZR_RANK ? "zremrangebyrank" : type == ZR_SCORE ? "zremrangebyscore" : "zremrangebylex");
    }
    reply_longlong(c, (long long)v.n);
    zvec_free(&v);
    zs_release(&z);
}

void zremrangebyrankCommand(client *c) { zremrange_generic(c, ZR_RANK); }
void zremrangebyscoreCommand(client *c) { zremrange_generic(c, ZR_SCORE); }
void zremrangebylexCommand(client *c) { zremrange_generic(c, ZR_LEX); }

/* ===========================================================================
 * ZPOPMIN, ZPOPMAX, ZMPOP
 * ======================================================================== */

/* When blocking.c reruns a waiter, a key that now holds another type is
 * passed over as if empty: Redis 7.0 serves a waiter from the key that
 * became ready without looking at its other keys. */
static int rerun_skips(client *c, int k) {
    if (!block_is_rerun(c)) return 0;
    tier_obj o;
    if (tier_peek(c->db, KEY(k), server_mstime(), &o, NULL) != TIER_OK) return 0;
    int skip = o.exists && o.type != OBJ_ZSET;
    tier_obj_free(&o);
    return skip;
}

/* What zpop_generic does when every key is missing. */
enum { ZPOP_EMPTY_ARRAY = 0, ZPOP_NULL_ARRAY = 1, ZPOP_NO_REPLY = 2 };

/* Redis's genericZpopCommand: pop up to count (-1: one, flat reply) from
 * the first non-empty key of argv[first .. first+nkeys). Returns 1 when
 * something was popped, 0 when every key was missing, -1 after an error. */
static int zpop_generic(client *c, int first, int nkeys, int max, int emitkey, long long count, int nested,
                        int when_empty) {
    zset z;
    int found = 0;
    for (int i = 0; i < nkeys; i++) {
        if (rerun_skips(c, first + i)) continue;
        if (zs_lookup_write(c, first + i, &z) < 0) return -1;
        if (z.o.exists) {
            found = 1;
            break;
        }
        zs_release(&z);
    }
    if (!found) {
        if (when_empty == ZPOP_NULL_ARRAY)
            reply_null_array(c);
        else if (when_empty == ZPOP_EMPTY_ARRAY)
            reply_array_len(c, 0);
        return 0;
    }
    if (count == 0) {
        reply_array_len(c, 0);
        zs_release(&z);
        return 1;
    }
    if (count == -1) count = 1;
    long long len = (long long)z.o.count;
    long long n = count > len ? len : count;
    zvec v = {0};
    if (max)
        zs_collect_ranks(&z, len - n, len - 1, &v);
    else
        zs_collect_ranks(&z, 0, n - 1, &v);
    zs_remove_all(&z, &v, !max, max);
    if (max) zvec_reverse(&v);
    zs_save(&z);
    server_dirty(c, (long long)v.n);
    zs_notify(&z, max ? "zpopmax" : "zpopmin");

    if (!nested && !emitkey) {
        reply_array_len(c, (long)v.n * 2);
    } else if (nested && !emitkey) {
        reply_array_len(c, (long)v.n);
    } else if (!nested && emitkey) {
        reply_array_len(c, (long)v.n * 2 + 1);
        reply_bulk(c, z.key, z.klen);
    } else {
        reply_array_len(c, 2);
        reply_bulk(c, z.key, z.klen);
        reply_array_len(c, (long)v.n);
    }
    for (size_t i = 0; i < v.n; i++) {
        if (nested) reply_array_len(c, 2);
        reply_bulk(c, zvec_member(&v, i), v.v[i].len);
        reply_double(c, v.v[i].score);
    }
    zvec_free(&v);
    zs_release(&z);
    return 1;
}

static void zpopminmax(client *c, int max) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    long long count = -1;
    if (c->argc == 3) {
        /* Redis says "must be positive" for a non-integer too. */
        if (!util_str2ll(KEY(2), &count) || count < 0) {
            reply_error(c, "ERR value is out of range, must be positive");
            return;
        }
    }
    zpop_generic(c, 1, 1, max, 0, count, c->resp > 2 && count != -1, ZPOP_EMPTY_ARRAY);
}

void zpopminCommand(client *c) { zpopminmax(c, 0); }
void zpopmaxCommand(client *c) { zpopminmax(c, 1); }

/* [ZMPOP] numkeys key [key ...] MIN|MAX [COUNT count], numkeys at argv[i]
 * (BZMPOP has its timeout first). 0, or -1 after the error reply. */
static int zmpop_parse(client *c, int i, long long *numkeys, int *max, long long *count) {
    *count = -1;
    if (!util_str2ll(KEY(i), numkeys) || *numkeys < 1 || *numkeys > LONG_MAX) {
        reply_error(c, "ERR numkeys should be greater than 0");
        return -1;
    }
    if (*numkeys > c->argc - i - 2) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    int where = i + 1 + (int)*numkeys;
    if (arg_is(c, where, "MIN")) {
        *max = 0;
    } else if (arg_is(c, where, "MAX")) {
        *max = 1;
    } else {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    for (int j = where + 1; j < c->argc; j++) {
        if (*count == -1 && arg_is(c, j, "COUNT") && j + 1 < c->argc) {
            j++;
            if (!util_str2ll(KEY(j), count) || *count < 1) {
                reply_error(c, "ERR count should be greater than 0");
                return -1;
            }
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (*count == -1) *count = 1;
    return 0;
}

void zmpopCommand(client *c) {
    long long numkeys, count;
    int max;
    if (zmpop_parse(c, 1, &numkeys, &max, &count) < 0) return;
    zpop_generic(c, 2, (int)numkeys, max, 1, count, 1, ZPOP_NULL_ARRAY);
}

/* ---------------------------------------------------------------------------
 * BZPOPMIN, BZPOPMAX, BZMPOP: as their twins when a key has members,
 * otherwise the client waits (blocking.c) and the command runs again when
 * one of the keys is written.
 * ------------------------------------------------------------------------ */

/* BZPOPMIN/BZPOPMAX key [key ...] timeout: [key, member, score]. */
static void bzpop_generic(client *c, int max) {
    long long timeout;
    if (block_parse_timeout(c, c->argc - 1, &timeout) < 0) return;
    if (zpop_generic(c, 1, c->argc - 2, max, 1, -1, 0, ZPOP_NO_REPLY) == 0)
        block_for_key_range(c, 1, c->argc - 2, OBJ_ZSET, timeout, BLOCK_REPLY_NULL_ARRAY);
}

void bzpopminCommand(client *c) { bzpop_generic(c, 0); }
void bzpopmaxCommand(client *c) { bzpop_generic(c, 1); }

/* BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] */
void bzmpopCommand(client *c) {
    long long numkeys, count, timeout;
    int max;
    if (zmpop_parse(c, 2, &numkeys, &max, &count) < 0) return;
    if (block_parse_timeout(c, 1, &timeout) < 0) return;
    if (zpop_generic(c, 3, (int)numkeys, max, 1, count, 1, ZPOP_NO_REPLY) == 0)
        block_for_key_range(c, 3, (int)numkeys, OBJ_ZSET, timeout, BLOCK_REPLY_NULL_ARRAY);
}

/* ===========================================================================
 * ZRANDMEMBER
 * ======================================================================== */

static uint64_t rand64(void) {
    static uint64_t s;
    if (!s) {
        util_random_bytes(&s, sizeof(s));
        s |= 1;
    }
    /* xorshift64* */
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
}

static uint64_t rand_below(uint64_t n) { return n ? rand64() % n : 0; }

/* Random members of a large set without reading it: seek to a random
 * position of the hash-ordered element records, then step a uniform 0..15
 * records further (wrapping). Landing alone would favour members after a
 * wide gap between hashes (a member just after a close neighbour would
 * almost never come up); the extra step makes each member's odds the
 * average of 16 gaps, fair enough for a random pick, as Redis's own
 * dictGetFairRandomKey samples a few keys for the same reason. Sets up to
 * ZRAND_LOAD_ALL members are read whole and picked from uniformly. */
#define ZRAND_WINDOW 16
#define ZRAND_LOAD_ALL 256

typedef struct zpicker {
    tier_iter *it;
} zpicker;

static void picker_next(zpicker *p, const char **m, size_t *mlen, double *score) {
    char k[8];
    enc_put_u64(k, rand64());
    tier_iter_seek(p->it, k, 8);
    if (!tier_iter_valid(p->it)) tier_iter_seek_first(p->it);
    for (uint64_t steps = rand_below(ZRAND_WINDOW); steps > 0; steps--) {
        tier_iter_next(p->it);
        if (!tier_iter_valid(p->it)) tier_iter_seek_first(p->it);
    }
    size_t n, vl;
    const char *sub = tier_iter_sub(p->it, &n);
    const char *v = tier_iter_value(p->it, &vl);
    *m = sub + 8;
    *mlen = n >= 8 ? n - 8 : 0;
    *score = vl == 8 ? enc_get_score(v) : 0;
}

static void reply_pairs_start(client *c, long long n, int withscores) {
    reply_array_len(c, (long)(withscores && c->resp == 2 ? n * 2 : n));
}

static void reply_pair(client *c, const char *m, size_t mlen, double score, int withscores) {
    if (withscores && c->resp > 2) reply_array_len(c, 2);
    reply_bulk(c, m, mlen);
    if (withscores) reply_double(c, score);
}

static void zrandmember_count(client *c, long long count, int withscores) {
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    if (!z.o.exists || count == 0) {
        reply_array_len(c, 0);
        zs_release(&z);
        return;
    }
    long long size = (long long)z.o.count;
    int uniq = count > 0;
    if (!uniq) count = -count;

    /* Repetitions allowed (or one member): independent picks. */
    if (!uniq || count == 1) {
        reply_pairs_start(c, count, withscores);
        if (size <= ZRAND_LOAD_ALL || size <= count) {
            zvec all = {0};
            zs_collect_all(&z, &all);
            for (long long i = 0; i < count; i++) {
                size_t k = (size_t)rand_below(all.n);
                reply_pair(c, zvec_member(&all, k), all.v[k].len, all.v[k].score, withscores);
            }
            zvec_free(&all);
        } else {
            zpicker p = {tier_iter_new(z.db, z.key, z.klen, &z.o, 0)};
            for (long long i = 0; i < count; i++) {
                const char *m;
                size_t mlen;
                double s;
                picker_next(&p, &m, &mlen, &s);
                reply_pair(c, m, mlen, s, withscores);
            }
            tier_iter_free(p.it);
        }
        zs_release(&z);
        return;
    }

    /* The whole set: Redis answers it from the top down. */
    if (count >= size) {
        zvec all = {0};
        zs_collect_all(&z, &all);
        zvec_reverse(&all);
        reply_pairs_start(c, (long long)all.n, withscores);
        for (size_t i = 0; i < all.n; i++)
            reply_pair(c, zvec_member(&all, i), all.v[i].len, all.v[i].score, withscores);
        zvec_free(&all);
        zs_release(&z);
        return;
    }

    zvec out = {0};
    if (count * 3 > size || !z.large || size <= ZRAND_LOAD_ALL) {
        /* Many of them, or not many members: load it. A few of a small
         * set (a listpack in Redis) come in set order, as Redis gives
         * them; otherwise the order is random too. */
        zvec all = {0};
        zs_collect_all(&z, &all);
        if (count * 3 > size || z.large) {
            for (long long i = 0; i < count; i++) {
                size_t k = (size_t)i + (size_t)rand_below((uint64_t)(all.n - (size_t)i));
                zel t = all.v[i];
                all.v[i] = all.v[k];
                all.v[k] = t;
            }
            for (long long i = 0; i < count; i++)
                zvec_push(&out, zvec_member(&all, (size_t)i), all.v[i].len, all.v[i].score);
        } else {
            /* selection sampling: each member in order with the right odds */
            long long need = count;
            for (size_t i = 0; i < all.n && need > 0; i++) {
                if ((long long)rand_below(all.n - i) < need) {
                    zvec_push(&out, zvec_member(&all, i), all.v[i].len, all.v[i].score);
                    need--;
                }
            }
        }
        zvec_free(&all);
    } else {
        /* A few of many: random picks, skipping repeats. */
        zdict seen;
        zdict_init(&seen, &out, (size_t)count);
        zpicker p = {tier_iter_new(z.db, z.key, z.klen, &z.o, 0)};
        while ((long long)out.n < count) {
            const char *m;
            size_t mlen;
            double s;
            int added;
            picker_next(&p, &m, &mlen, &s);
            zdict_add(&seen, m, mlen, s, &added);
        }
        tier_iter_free(p.it);
        zdict_free(&seen);
    }
    reply_pairs_start(c, (long long)out.n, withscores);
    for (size_t i = 0; i < out.n; i++) reply_pair(c, zvec_member(&out, i), out.v[i].len, out.v[i].score, withscores);
    zvec_free(&out);
    zs_release(&z);
}

void zrandmemberCommand(client *c) {
    if (c->argc >= 3) {
        long long l;
        if (arg_longlong(c, 2, &l, NULL) < 0) return;
        if (l < -LLONG_MAX) {
            reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
                           "9223372036854775807");
            return;
        }
        int withscores = 0;
        if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "withscores"))) {
            reply_error(c, ERR_SYNTAX);
            return;
        } else if (c->argc == 4) {
            withscores = 1;
            if (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2) {
                reply_error(c, "ERR value is out of range");
                return;
            }
        }
        zrandmember_count(c, l, withscores);
        return;
    }
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    if (!z.o.exists) {
        reply_null(c);
        zs_release(&z);
        return;
    }
    zvec v = {0};
    if (z.o.count > ZRAND_LOAD_ALL) {
        zpicker p = {tier_iter_new(z.db, z.key, z.klen, &z.o, 0)};
        const char *m;
        size_t mlen;
        double s;
        picker_next(&p, &m, &mlen, &s);
        zvec_push(&v, m, mlen, s);
        tier_iter_free(p.it);
    } else {
        long long r = (long long)rand_below(z.o.count);
        zs_collect_ranks(&z, r, r, &v);
    }
    if (v.n)
        reply_bulk(c, zvec_member(&v, 0), v.v[0].len);
    else
        reply_null(c);
    zvec_free(&v);
    zs_release(&z);
}

/* ===========================================================================
 * ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD
 * ======================================================================== */

/* An input: a sorted set, a set (every member scores 1), or a missing key.
 * Sets are read through their documented layout (t_set.c): element key
 * [SipHash(member) keyed with the set's salt, extra[1..17)][member]. */
typedef struct zsrc {
    zset z;        /* the lookup; z.o.type says zset or set */
    double weight;
} zsrc;

#define SET_EXTRA_SALT 1

static uint64_t src_len(const zsrc *s) { return s->z.o.exists ? s->z.o.count : 0; }

/* Every element of a source, in storage order. */
static void src_collect(zsrc *s, zvec *out) {
    if (!s->z.o.exists) return;
    int zs = s->z.o.type == OBJ_ZSET;
    tier_iter *it = tier_iter_new(s->z.db, s->z.key, s->z.klen, &s->z.o, 0);
    for (tier_iter_seek_first(it); tier_iter_valid(it); tier_iter_next(it)) {
        size_t n, vl;
        const char *k = tier_iter_sub(it, &n), *v = tier_iter_value(it, &vl);
        if (n < 8) continue;
        zvec_push(out, k + 8, n - 8, zs ? (vl == 8 ? enc_get_score(v) : 0) : 1.0);
    }
    tier_iter_free(it);
}

/* Score of m in a source: 1 (found), 0 (absent) or TIER_ERR. */
static int src_find(zsrc *s, const char *m, size_t mlen, double *score) {
    if (!s->z.o.exists) return 0;
    if (s->z.o.type == OBJ_ZSET) return zs_score(&s->z, m, mlen, score);
    if (s->z.o.extralen < SET_EXTRA_SALT + 16) return 0;
    uint8_t salt[16];
    memcpy(salt, s->z.o.extra + SET_EXTRA_SALT, 16);
    size_t n = 8 + mlen;
    char stack[256], *k = n <= sizeof(stack) ? stack : malloc(n);
    enc_put_u64(k, enc_siphash(m, mlen, salt));
    if (mlen) memcpy(k + 8, m, mlen);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->z.db, s->z.key, s->z.klen, &s->z.o, k, n, &v, &vlen);
    if (k != stack) free(k);
    if (r == 1) {
        tier_free(v);
        *score = 1.0;
    }
    return r;
}

enum { AGG_SUM, AGG_MIN, AGG_MAX };
enum { OP_UNION, OP_INTER, OP_DIFF };

static void aggregate(double *target, double val, int agg) {
    if (agg == AGG_SUM) {
        *target = *target + val;
        if (isnan(*target)) *target = 0.0; /* inf + -inf: Redis's convention */
    } else if (agg == AGG_MIN) {
        *target = val < *target ? val : *target;
    } else {
        *target = val > *target ? val : *target;
    }
}

/* Redis's zunionInterDiffGenericCommand. dsti: destination key position
 * (0: reply instead); numi: position of numkeys. */
static void zsetop_generic(client *c, int dsti, int numi, int op, int card_only) {
    long long setnum;
    if (arg_longlong(c, numi, &setnum, NULL) < 0) return;
    if (setnum < 1) {
        reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", (c->cmd ? c->cmd : c->lastcmd)->name);
        return;
    }
    if (setnum > c->argc - (numi + 1)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    int n = (int)setnum, j = numi + 1, i;
    zsrc *src = calloc((size_t)n, sizeof(zsrc));
    zvec res = {0};
    int withscores = 0, agg = AGG_SUM;
    long long limit = 0, card = 0;

    /* Keys first: a wrong type is reported before any option error. */
    for (i = 0; i < n; i++, j++) {
        zset *z = &src[i].z;
        z->db = c->db;
        z->key = c->argv[j].ptr;
        z->klen = c->argv[j].len;
        src[i].weight = 1.0;
        if (db_lookup(c, z->key, z->klen, &z->o) < 0) goto cleanup;
        if (dsti && !z->o.exists) db_keymiss(c, z->key, z->klen); /* a *STORE's source is a read */
        if (z->o.exists && z->o.type != OBJ_ZSET && z->o.type != OBJ_SET) {
            reply_error(c, ERR_WRONGTYPE);
            goto cleanup;
        }
        if (z->o.type == OBJ_ZSET) zs_decode(z);
    }
    while (j < c->argc) {
        int remaining = c->argc - j;
        if (op != OP_DIFF && !card_only && remaining >= n + 1 && arg_is(c, j, "weights")) {
            j++;
            for (i = 0; i < n; i++, j++) {
                if (arg_double(c, j, &src[i].weight, "ERR weight value is not a float") < 0) goto cleanup;
            }
        } else if (op != OP_DIFF && !card_only && remaining >= 2 && arg_is(c, j, "aggregate")) {
            j++;
            if (arg_is(c, j, "sum")) {
                agg = AGG_SUM;
            } else if (arg_is(c, j, "min")) {
                agg = AGG_MIN;
            } else if (arg_is(c, j, "max")) {
                agg = AGG_MAX;
            } else {
                reply_error(c, ERR_SYNTAX);
                goto cleanup;
            }
            j++;
        } else if (!dsti && !card_only && arg_is(c, j, "withscores")) {
            j++;
            withscores = 1;
        } else if (card_only && remaining >= 2 && arg_is(c, j, "limit")) {
            j++;
            if (!util_str2ll(KEY(j), &limit) || limit < 0) {
                reply_error(c, "ERR LIMIT can't be negative");
                goto cleanup;
            }
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto cleanup;
        }
    }

    /* Smallest inputs first (a stable sort, as glibc's qsort is here): the
     * order decides the order of floating-point sums, so it must be
     * Redis's. */
    if (op != OP_DIFF) {
        for (i = 1; i < n; i++) {
            zsrc t = src[i];
            int k = i - 1;
            while (k >= 0 && src_len(&src[k]) > src_len(&t)) {
                src[k + 1] = src[k];
                k--;
            }
            src[k + 1] = t;
        }
    }

    if (op == OP_INTER) {
        if (src_len(&src[0]) > 0) {
            zvec first = {0};
            src_collect(&src[0], &first);
            for (size_t e = 0; e < first.n; e++) {
                const char *m = zvec_member(&first, e);
                size_t mlen = first.v[e].len;
                double score = src[0].weight * first.v[e].score, value;
                if (isnan(score)) score = 0;
                for (i = 1; i < n; i++) {
                    if (src_find(&src[i], m, mlen, &value) != 1) break;
                    aggregate(&score, value * src[i].weight, agg);
                }
                if (i < n) continue;
                if (card_only) {
                    card++;
                    if (limit && card >= limit) break;
                } else {
                    zvec_push(&res, m, mlen, score);
                }
            }
            zvec_free(&first);
        }
    } else if (op == OP_UNION) {
        zdict acc;
        zdict_init(&acc, &res, (size_t)src_len(&src[n - 1]));
        for (i = 0; i < n; i++) {
            if (!src_len(&src[i])) continue;
            zvec elems = {0};
            src_collect(&src[i], &elems);
            for (size_t e = 0; e < elems.n; e++) {
                double score = src[i].weight * elems.v[e].score;
                if (isnan(score)) score = 0;
                int added;
                size_t at = zdict_add(&acc, zvec_member(&elems, e), elems.v[e].len, score, &added);
                if (!added) aggregate(&res.v[at].score, score, agg);
            }
            zvec_free(&elems);
        }
        zdict_free(&acc);
    } else if (src_len(&src[0]) > 0) {
        zvec first = {0};
        src_collect(&src[0], &first);
        for (size_t e = 0; e < first.n; e++) {
            const char *m = zvec_member(&first, e);
            size_t mlen = first.v[e].len;
            double value;
            for (i = 1; i < n; i++)
                if (src_find(&src[i], m, mlen, &value) == 1) break;
            if (i == n) zvec_push(&res, m, mlen, first.v[e].score);
        }
        zvec_free(&first);
    }

    if (card_only) {
        reply_longlong(c, card);
        goto cleanup;
    }
    zvec_sort(&res);
    if (dsti) {
        int large = !(res.n <= ZSET_SMALL_ENTRIES && res.maxlen <= ZSET_SMALL_VALUE);
        long long stored = store_zvec(c, dsti, &res, large,
                                    op == OP_UNION ? "zunionstore" : op == OP_INTER ? "zinterstore" : "zdiffstore");
        if (stored >= 0) reply_longlong(c, stored);
    } else {
        reply_zvec(c, &res, withscores);
    }
cleanup:
    for (i = 0; i < n; i++) tier_obj_free(&src[i].z.o);
    free(src);
    zvec_free(&res);
}

void zunionCommand(client *c) { zsetop_generic(c, 0, 1, OP_UNION, 0); }
void zinterCommand(client *c) { zsetop_generic(c, 0, 1, OP_INTER, 0); }
void zdiffCommand(client *c) { zsetop_generic(c, 0, 1, OP_DIFF, 0); }
void zunionstoreCommand(client *c) { zsetop_generic(c, 1, 2, OP_UNION, 0); }
void zinterstoreCommand(client *c) { zsetop_generic(c, 1, 2, OP_INTER, 0); }
void zdiffstoreCommand(client *c) { zsetop_generic(c, 1, 2, OP_DIFF, 0); }
void zintercardCommand(client *c) { zsetop_generic(c, 0, 1, OP_INTER, 1); }

/* ===========================================================================
 * ZSCAN
 * ======================================================================== */

/* A small set (a listpack in Redis) answers in one call, in score order,
 * with cursor 0, as Redis does. A large one is walked in member-hash order
 * from the cursor: the next cursor is the hash to continue from, and
 * members sharing a hash are never split across calls. */
void zscanCommand(client *c) {
    uint64_t cursor;
    if (scan_parse_cursor(c, 2, &cursor) < 0) return;
    zset z;
    if (zs_lookup(c, 1, &z) < 0) return;
    if (!z.o.exists) {
        reply_empty_scan(c);
        zs_release(&z);
        return;
    }
    scan_opts so;
    if (scan_parse_options(c, 3, &so, 0) < 0) goto done;
    long long count = so.count;
    const char *pat = so.pattern;
    size_t plen = so.plen;
    zvec v = {0};
    uint64_t next = 0;
    if (!z.large) {
        zs_collect_all(&z, &v);
    } else {
        tier_iter *it = tier_iter_new(z.db, z.key, z.klen, &z.o, 0);
        char k[8];
        enc_put_u64(k, cursor);
        long long seen = 0;
        uint64_t last = 0;
        for (tier_iter_seek(it, k, 8); tier_iter_valid(it); tier_iter_next(it)) {
            size_t n, vl;
            const char *sub = tier_iter_sub(it, &n), *val = tier_iter_value(it, &vl);
            if (n < 8) continue;
            uint64_t h = enc_get_u64(sub);
            if (seen >= count && h != last) {
                next = h;
                break;
            }
            last = h;
            seen++;
            zvec_push(&v, sub + 8, n - 8, vl == 8 ? enc_get_score(val) : 0);
        }
        tier_iter_free(it);
    }
    size_t kept = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (pat && !util_globmatch(pat, plen, zvec_member(&v, i), v.v[i].len, 0)) continue;
        v.v[kept++] = v.v[i];
    }
    v.n = kept;
    reply_array_len(c, 2);
    char buf[128];
    reply_bulk(c, buf, util_ull2str(buf, sizeof(buf), next));
    reply_array_len(c, (long)v.n * 2);
    for (size_t i = 0; i < v.n; i++) {
        reply_bulk(c, zvec_member(&v, i), v.v[i].len);
        reply_bulk(c, buf, util_d2str(buf, sizeof(buf), v.v[i].score));
    }
    zvec_free(&v);
done:
    zs_release(&z);
}
