/* hot.c - the hot tier's table, access clocks and eviction. See hot.h.
 *
 * Two bucket arrays during a resize, as Redis's dict: new entries go to the
 * new one, every operation moves a few buckets, lookups check both. A table
 * that deletes or eviction leave less than 1/8 full shrinks at once (there
 * are few entries to move): its bucket arrays count against maxmemory.
 */
#include "hot.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoding.h"

#define REHASH_STEP 4
#define LFU_INIT 5

typedef struct table {
    hot_entry **b;
    uint64_t size, used; /* size is 0 or a power of two */
} table;

static struct {
    table t[2];
    int64_t rehashidx; /* -1: not rehashing */
    uint8_t seed[16];
    hot_stats st;
    uint64_t volatile_keys; /* entries whose record has an expiry */
    int log_factor, decay_minutes;
    uint64_t rng;
    /* admission (hot_admit): the limit, and the doorkeeper's fingerprints */
    uint64_t limit;
    uint32_t *door;
} H = {.rehashidx = -1, .log_factor = 10, .decay_minutes = 1};

/* ---------------------------------------------------------------------------
 * Clocks and counters
 * ------------------------------------------------------------------------ */

static uint32_t lru_clock(void) { return (uint32_t)time(NULL) & 0xFFFFFF; }
static uint16_t minutes_clock(void) { return (uint16_t)((time(NULL) / 60) & 0xFFFF); }

static uint64_t next_random(void) {
    /* xorshift64*: cheap and good enough for sampling and LFU coin flips. */
    H.rng ^= H.rng >> 12;
    H.rng ^= H.rng << 25;
    H.rng ^= H.rng >> 27;
    return H.rng * 0x2545F4914F6CDD1DULL;
}

static double random01(void) { return (next_random() >> 11) * (1.0 / 9007199254740992.0); }

/* Redis's logarithmic counter: the more hits, the less likely each one
 * increments it, so 255 means "very hot" rather than "255 hits". */
uint8_t hot_lfu_increment(uint8_t counter, int log_factor, double r) {
    if (counter == 255) return 255;
    double base = counter > LFU_INIT ? counter - LFU_INIT : 0;
    double p = 1.0 / (base * log_factor + 1);
    return r < p ? (uint8_t)(counter + 1) : counter;
}

/* One step down per decay period elapsed since the last decrement. */
uint8_t hot_lfu_decay(uint8_t counter, uint16_t last, uint16_t now, int decay_minutes) {
    if (decay_minutes <= 0) return counter;
    uint16_t elapsed = (uint16_t)(now - last); /* the clock wraps every ~45 days */
    unsigned periods = elapsed / (unsigned)decay_minutes;
    return periods >= counter ? 0 : (uint8_t)(counter - periods);
}

static void touch(hot_entry *e) {
    uint16_t now = minutes_clock();
    uint8_t decayed = hot_lfu_decay(e->lfu, e->lfu_time, now, H.decay_minutes);
    /* Restart the decay period once it elapsed; also whenever the counter
     * is at 0, where it cannot show: else the hit added below would be taken
     * back at the next look (touch or eviction) by the stale period. */
    if (decayed != e->lfu || decayed == 0) e->lfu_time = now;
    e->lfu = hot_lfu_increment(decayed, H.log_factor, random01());
    e->lru = lru_clock();
}

void hot_set_lfu_params(int log_factor, int decay_minutes) {
    H.log_factor = log_factor;
    H.decay_minutes = decay_minutes;
}

/* ---------------------------------------------------------------------------
 * Table
 * ------------------------------------------------------------------------ */

void hot_init(const uint8_t seed[16]) {
    hot_free_all();
    memcpy(H.seed, seed, 16);
    memcpy(&H.rng, seed, 8);
    if (!H.rng) H.rng = 0x9E3779B97F4A7C15ULL;
}

static uint64_t entry_hash(uint16_t pdb, const char *key, size_t klen) {
    return enc_siphash(key, klen, H.seed) ^ ((uint64_t)pdb * 0x9E3779B97F4A7C15ULL);
}

static size_t entry_bytes(const hot_entry *e) { return malloc_usable_size((void *)e); }

static int64_t entry_expire(const hot_entry *e) {
    enc_meta m;
    if (enc_meta_parse(hot_record(e), e->rlen, &m) < 0) return 0;
    return m.expire_ms;
}

static void table_free(table *t) {
    for (uint64_t i = 0; i < t->size; i++) {
        hot_entry *e = t->b[i];
        while (e) {
            hot_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    if (t->b) H.st.bytes -= t->size * sizeof(hot_entry *);
    free(t->b);
    memset(t, 0, sizeof(*t));
}

void hot_free_all(void) {
    free(H.door); /* the limit stays: a reopened store keeps its admission rule */
    H.door = NULL;
    table_free(&H.t[0]);
    table_free(&H.t[1]);
    H.rehashidx = -1;
    H.st.keys = 0;
    H.st.bytes = 0;
    H.volatile_keys = 0;
}

static void maybe_shrink(void);

static void rehash_step(int n) {
    if (H.rehashidx < 0) return;
    table *from = &H.t[0], *to = &H.t[1];
    while (n-- > 0 && (uint64_t)H.rehashidx < from->size) {
        hot_entry *e = from->b[H.rehashidx];
        while (e) {
            hot_entry *next = e->next;
            uint64_t i = e->hash & (to->size - 1);
            e->next = to->b[i];
            to->b[i] = e;
            from->used--;
            to->used++;
            e = next;
        }
        from->b[H.rehashidx++] = NULL;
    }
    if ((uint64_t)H.rehashidx >= from->size) {
        H.st.bytes -= from->size * sizeof(hot_entry *);
        free(from->b);
        H.t[0] = *to;
        memset(to, 0, sizeof(*to));
        H.rehashidx = -1;
        maybe_shrink(); /* deletes during the rehash may have left it sparse */
    }
}

static void maybe_grow(void) {
    if (H.rehashidx >= 0) return;
    table *t = &H.t[0];
    if (t->size == 0) {
        t->size = 16;
        t->b = calloc(t->size, sizeof(hot_entry *));
        H.st.bytes += t->size * sizeof(hot_entry *);
        return;
    }
    if (t->used < t->size) return;
    H.t[1].size = t->size * 2;
    H.t[1].b = calloc(H.t[1].size, sizeof(hot_entry *));
    H.st.bytes += H.t[1].size * sizeof(hot_entry *);
    H.rehashidx = 0;
}

/* Shrink a sparse table to about twice its entries (at least 16 buckets),
 * moving everything now: at under 1/8 full the entries are few, and the
 * scan of the old array is paid for by the deletes that emptied it. Without
 * this a tier that once held many keys keeps its big arrays after they go,
 * and they alone can hold it over maxmemory: every command evicts all
 * entries, or under noeviction every write is refused with nothing resident. */
static void maybe_shrink(void) {
    table *t = &H.t[0];
    if (H.rehashidx >= 0 || t->size <= 16 || t->used * 8 >= t->size) return;
    uint64_t size = 16;
    while (size < t->used * 2) size *= 2;
    hot_entry **b = calloc(size, sizeof(hot_entry *));
    if (!b) return;
    for (uint64_t i = 0; i < t->size; i++) {
        hot_entry *e = t->b[i];
        while (e) {
            hot_entry *next = e->next;
            uint64_t j = e->hash & (size - 1);
            e->next = b[j];
            b[j] = e;
            e = next;
        }
    }
    H.st.bytes -= t->size * sizeof(hot_entry *);
    H.st.bytes += size * sizeof(hot_entry *);
    free(t->b);
    t->b = b;
    t->size = size;
}

/* The link that points at the entry for (pdb, key), or NULL; *ti gets the
 * table that holds it. */
static hot_entry **find_link(uint64_t h, uint16_t pdb, const char *key, size_t klen, int *ti) {
    for (*ti = 0; *ti < 2; (*ti)++) {
        table *t = &H.t[*ti];
        if (t->size == 0) continue;
        hot_entry **link = &t->b[h & (t->size - 1)];
        for (; *link; link = &(*link)->next) {
            hot_entry *e = *link;
            if (e->hash == h && e->pdb == pdb && e->klen == klen && memcmp(e->data, key, klen) == 0) return link;
        }
        if (H.rehashidx < 0) break;
    }
    return NULL;
}

static void unlink_entry(hot_entry **link, int ti) {
    hot_entry *e = *link;
    *link = e->next;
    H.t[ti].used--;
    H.st.keys--;
    H.st.bytes -= entry_bytes(e);
    if (entry_expire(e)) H.volatile_keys--;
    free(e);
}

hot_entry *hot_get(uint16_t pdb, const char *key, size_t klen) {
    rehash_step(REHASH_STEP);
    int ti;
    hot_entry **link = find_link(entry_hash(pdb, key, klen), pdb, key, klen, &ti);
    if (!link) {
        H.st.misses++;
        return NULL;
    }
    H.st.hits++;
    touch(*link);
    return *link;
}

const hot_entry *hot_peek(uint16_t pdb, const char *key, size_t klen) {
    int ti;
    hot_entry **link = find_link(entry_hash(pdb, key, klen), pdb, key, klen, &ti);
    return link ? *link : NULL;
}

uint64_t hot_idle_seconds(const hot_entry *e) { return (lru_clock() - e->lru) & 0xFFFFFF; }

uint8_t hot_lfu_now(const hot_entry *e) {
    return hot_lfu_decay(e->lfu, e->lfu_time, minutes_clock(), H.decay_minutes);
}

size_t hot_entry_bytes(const hot_entry *e) { return entry_bytes(e); }

size_t hot_entry_bytes_for(size_t klen, size_t rlen) {
    size_t n = sizeof(hot_entry) + klen + rlen;
    void *p = malloc(n);
    if (!p) return n;
    size_t usable = malloc_usable_size(p);
    free(p);
    return usable;
}

uint64_t hot_bucket_bytes(void) { return (H.t[0].size + H.t[1].size) * sizeof(hot_entry *); }

void hot_put(uint16_t pdb, const char *key, size_t klen, const char *rec, size_t rlen, int promotion) {
    rehash_step(REHASH_STEP);
    uint64_t h = entry_hash(pdb, key, klen);
    int ti;
    hot_entry **link = find_link(h, pdb, key, klen, &ti);
    uint8_t lfu = LFU_INIT;
    uint16_t lfu_time = minutes_clock();
    if (link) { /* keep the access history of the key across a rewrite */
        lfu = (*link)->lfu;
        lfu_time = (*link)->lfu_time;
        unlink_entry(link, ti);
    }
    maybe_grow();
    hot_entry *e = malloc(sizeof(*e) + klen + rlen);
    e->hash = h;
    e->pdb = pdb;
    e->klen = (uint32_t)klen;
    e->rlen = (uint32_t)rlen;
    memcpy(e->data, key, klen);
    memcpy(e->data + klen, rec, rlen);
    e->lfu = lfu;
    e->lfu_time = lfu_time;
    /* A read that brought the key in is an access; a write is not one more:
     * the command's own lookup already counted it (a new key starts at
     * LFU_INIT, as in Redis). */
    if (promotion)
        touch(e);
    else
        e->lru = lru_clock();
    table *t = H.rehashidx >= 0 ? &H.t[1] : &H.t[0];
    uint64_t i = h & (t->size - 1);
    e->next = t->b[i];
    t->b[i] = e;
    t->used++;
    H.st.keys++;
    H.st.bytes += entry_bytes(e);
    if (entry_expire(e)) H.volatile_keys++;
    if (promotion) H.st.promotions++;
}

/* ---------------------------------------------------------------------------
 * Admission
 * ------------------------------------------------------------------------ */

/* The doorkeeper remembers the fingerprints of keys read from the store but
 * not admitted, one per slot (a newer key in the same slot overwrites it).
 * Small and fixed: a key must come back within roughly this many other
 * first-time reads to be admitted. */
#define DOOR_SLOTS (1u << 17)

void hot_set_limit(uint64_t limit) { H.limit = limit; }

int hot_admit(uint16_t pdb, const char *key, size_t klen) {
    /* Room to spare: nothing would be pushed out, so take everything. */
    if (!H.limit || H.st.bytes < H.limit / 10 * 9) return 1;
    if (!H.door && !(H.door = calloc(DOOR_SLOTS, sizeof(*H.door)))) return 1;
    uint64_t h = entry_hash(pdb, key, klen);
    uint32_t *slot = &H.door[h & (DOOR_SLOTS - 1)];
    uint32_t fp = (uint32_t)(h >> 32) | 1; /* never 0, the empty slot */
    if (*slot == fp) {
        *slot = 0;
        return 1;
    }
    *slot = fp;
    H.st.deferred++;
    return 0;
}

void hot_del(uint16_t pdb, const char *key, size_t klen) {
    rehash_step(REHASH_STEP);
    int ti;
    hot_entry **link = find_link(entry_hash(pdb, key, klen), pdb, key, klen, &ti);
    if (link) {
        unlink_entry(link, ti);
        maybe_shrink();
    }
}

void hot_clear(void) {
    uint8_t seed[16];
    memcpy(seed, H.seed, 16);
    hot_free_all();
    memcpy(H.seed, seed, 16);
}

void hot_clear_db(uint16_t pdb) {
    for (int ti = 0; ti < 2; ti++) {
        table *t = &H.t[ti];
        for (uint64_t i = 0; i < t->size; i++) {
            hot_entry **link = &t->b[i];
            while (*link) {
                if ((*link)->pdb == pdb)
                    unlink_entry(link, ti);
                else
                    link = &(*link)->next;
            }
        }
    }
    maybe_shrink();
}

/* ---------------------------------------------------------------------------
 * Eviction
 * ------------------------------------------------------------------------ */

static int is_volatile_policy(int policy) {
    return policy == HOT_VOLATILE_LRU || policy == HOT_VOLATILE_LFU || policy == HOT_VOLATILE_RANDOM ||
           policy == HOT_VOLATILE_TTL;
}

/* Higher is a better candidate for eviction. */
static double evict_score(const hot_entry *e, int policy, uint32_t now_lru, uint16_t now_min) {
    switch (policy) {
    case HOT_VOLATILE_LRU:
    case HOT_ALLKEYS_LRU:
        return (double)((now_lru - e->lru) & 0xFFFFFF);
    case HOT_VOLATILE_LFU:
    case HOT_ALLKEYS_LFU:
        return 255.0 - hot_lfu_decay(e->lfu, e->lfu_time, now_min, H.decay_minutes);
    case HOT_VOLATILE_TTL:
        return -(double)entry_expire(e);
    default:
        return 0; /* random: the first sampled candidate */
    }
}

typedef struct sampler {
    int policy, volatile_only, samples, seen;
    uint32_t now_lru;
    uint16_t now_min;
    hot_entry **best;
    double best_score;
    int best_ti;
} sampler;

/* Consider the entries of one chain (table ti) until enough are seen. */
static void sample_chain(sampler *s, hot_entry **link, int ti) {
    for (; *link && s->seen < s->samples; link = &(*link)->next) {
        if (s->volatile_only && entry_expire(*link) == 0) continue;
        s->seen++;
        double sc = evict_score(*link, s->policy, s->now_lru, s->now_min);
        if (!s->best || sc > s->best_score) {
            s->best = link;
            s->best_score = sc;
            s->best_ti = ti;
        }
    }
}

/* Sample up to `samples` candidates from random buckets and return the link
 * to the worst (its table in *best_ti), or NULL if none qualifies. */
static hot_entry **pick_victim(int policy, int samples, int *best_ti) {
    sampler s = {.policy = policy, .volatile_only = is_volatile_policy(policy), .samples = samples,
                 .now_lru = lru_clock(), .now_min = minutes_clock(), .best_score = -1e300};
    if (s.volatile_only && H.volatile_keys == 0) return NULL;
    for (int tries = 0; tries < samples * 16 && s.seen < samples; tries++) {
        int ti = (H.rehashidx >= 0 && (next_random() & 1)) ? 1 : 0;
        table *t = &H.t[ti];
        if (t->size == 0) continue;
        sample_chain(&s, &t->b[next_random() & (t->size - 1)], ti);
    }
    /* Random probes can all miss when the candidates are few for the
     * buckets: a volatile policy with few keys that expire, or a table that
     * could not shrink yet (emptied during a rehash). Then walk the buckets in
     * order from a random one, so eviction only stops when nothing
     * qualifies. */
    for (int ti = 0; ti < 2 && !s.best; ti++) {
        table *t = &H.t[ti];
        if (t->size == 0) continue;
        uint64_t start = next_random() & (t->size - 1);
        for (uint64_t j = 0; j < t->size && s.seen < samples; j++)
            sample_chain(&s, &t->b[(start + j) & (t->size - 1)], ti);
    }
    *best_ti = s.best_ti;
    return s.best;
}

long hot_evict(uint64_t limit, int policy, int samples) {
    if (policy == HOT_NO_EVICTION) return 0;
    long evicted = 0;
    while (H.st.bytes > limit && H.st.keys > 0) {
        int ti;
        hot_entry **victim = pick_victim(policy, samples > 0 ? samples : 5, &ti);
        if (!victim) break;
        unlink_entry(victim, ti);
        maybe_shrink();
        H.st.evictions++;
        evicted++;
    }
    return evicted;
}

void hot_stats_get(hot_stats *out) { *out = H.st; }

void hot_stats_reset(void) {
    H.st.hits = H.st.misses = H.st.promotions = H.st.evictions = H.st.deferred = 0;
}
