/* hot.h - the hot tier: metadata records of recently used keys, in memory.
 *
 * A record here is byte for byte the one in the meta column family (type,
 * flags, expiry, body; a string's body is its value), so a lookup that hits
 * needs no RocksDB read. The store stays the source of truth: every change
 * is written to the engine and, when the key is resident, here as well
 * (write-through), so dropping an entry never loses anything.
 *
 * The table is a chained hash table keyed with SipHash under a random
 * per-process seed, growing by incremental rehash (a few buckets move with
 * every operation, so no single call pays for the whole table). Each entry
 * keeps an LRU clock and an LFU counter as Redis does; hot_evict() samples
 * entries and drops the worst by the configured policy.
 *
 * Ownership: the table owns its entries. A hot_entry pointer returned by
 * hot_get() is valid until the next call that changes the table.
 */
#ifndef STRATA_HOT_H
#define STRATA_HOT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hot_entry {
    struct hot_entry *next;
    uint64_t hash;
    uint32_t lru;      /* LRU clock of the last access, in seconds (24 bits used) */
    uint8_t lfu;       /* logarithmic access counter */
    uint16_t lfu_time; /* minutes clock when lfu was last decremented */
    uint16_t pdb;
    uint32_t klen, rlen;
    char data[];       /* key bytes, then record bytes */
} hot_entry;

static inline const char *hot_key(const hot_entry *e) { return e->data; }
static inline const char *hot_record(const hot_entry *e) { return e->data + e->klen; }

typedef struct hot_stats {
    uint64_t keys;
    uint64_t bytes;        /* entries plus bucket arrays, as allocated */
    uint64_t hits, misses; /* lookups served from memory / not resident */
    uint64_t promotions;   /* entries added from a read of the store */
    uint64_t deferred;     /* reads of the store not admitted (first sighting) */
    uint64_t evictions;
} hot_stats;

/* Eviction policies (same numbers as MAXMEMORY_* in conf/config.h). */
enum {
    HOT_VOLATILE_LRU = 0,
    HOT_VOLATILE_LFU,
    HOT_VOLATILE_RANDOM,
    HOT_VOLATILE_TTL,
    HOT_ALLKEYS_LRU,
    HOT_ALLKEYS_LFU,
    HOT_ALLKEYS_RANDOM,
    HOT_NO_EVICTION,
};

void hot_init(const uint8_t seed[16]);
void hot_free_all(void);

/* The entry for (pdb, key), counted as an access (LRU clock, LFU counter),
 * or NULL. */
hot_entry *hot_get(uint16_t pdb, const char *key, size_t klen);

/* ---- Per-key introspection (OBJECT IDLETIME/FREQ, MEMORY USAGE) ----
 * hot_peek() finds the entry for (pdb, key) without counting an access: the
 * LRU clock and LFU counter stay as they are, no hit or miss is counted and
 * the table is not changed (not even a rehash step). NULL if not resident.
 * The pointer is valid until the next call that changes the table. */
const hot_entry *hot_peek(uint16_t pdb, const char *key, size_t klen);
/* Seconds since the entry's last access, from the 24-bit LRU clock as Redis
 * computes it (the clock wraps every ~194 days). */
uint64_t hot_idle_seconds(const hot_entry *e);
/* The LFU counter as it stands now: decayed by the lfu-decay-time periods
 * elapsed since its last decrement, without storing the result (Redis's
 * LFUDecrAndReturn, what OBJECT FREQ reports). */
uint8_t hot_lfu_now(const hot_entry *e);
/* Bytes the entry takes as allocated (malloc_usable_size): what maxmemory
 * counts for it, bucket arrays aside. */
size_t hot_entry_bytes(const hot_entry *e);
/* Bytes an entry for a key of klen bytes with a record of rlen bytes would
 * take as allocated, for a key that is not resident (measured with a
 * trial allocation, so it matches hot_entry_bytes() of the real one). */
size_t hot_entry_bytes_for(size_t klen, size_t rlen);
/* Bytes of the bucket arrays (both during a rehash): the table's overhead,
 * included in hot_stats.bytes. */
uint64_t hot_bucket_bytes(void);
/* Insert or replace. promotion != 0 counts it as brought in by a read. */
void hot_put(uint16_t pdb, const char *key, size_t klen, const char *rec, size_t rlen, int promotion);
void hot_del(uint16_t pdb, const char *key, size_t klen);
/* Drop everything (after a failed commit, or FLUSHALL), or one db. */
void hot_clear(void);
void hot_clear_db(uint16_t pdb);

/* Admission of keys read from the store (writes are always resident: the
 * command just used the key). While the tier holds less than 90% of its
 * limit, every read is admitted: nothing would be pushed out. Above that, a
 * key is admitted on its second read within a window (a "doorkeeper" of
 * 2^17 fingerprints, about 512 KB, not counted in the tier's bytes), so a
 * single pass over many cold keys (a batch job, an export) cannot push the
 * hot set out. hot_set_limit(0) admits everything (no maxmemory, or
 * noeviction, which keeps everything resident). hot_admit() returns 1 to
 * admit; a refusal is counted in hot_stats.deferred. */
void hot_set_limit(uint64_t limit);
int hot_admit(uint16_t pdb, const char *key, size_t klen);

/* Evict by policy until the tier holds at most limit bytes or nothing more
 * can go (volatile policies only evict keys with an expiry). Returns the
 * number of entries evicted. */
long hot_evict(uint64_t limit, int policy, int samples);

void hot_stats_get(hot_stats *out);
void hot_stats_reset(void);

/* Tunables (lfu-log-factor, lfu-decay-time in minutes). */
void hot_set_lfu_params(int log_factor, int decay_minutes);

/* Pure helpers, exposed for unit tests. */
uint8_t hot_lfu_increment(uint8_t counter, int log_factor, double random01);
uint8_t hot_lfu_decay(uint8_t counter, uint16_t last_minutes, uint16_t now_minutes, int decay_minutes);

#endif
