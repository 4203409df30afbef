/* keyspace.h - the keyspace as commands see it: logical databases of keys
 * with a type, an optional expiry and a value, whatever tier holds them.
 *
 * This layer owns the store (engine + encoding) and hides both from the
 * command code: a command looks a key up, checks its type, and asks for a
 * change. Every change goes into the engine's pending batch (write-through);
 * tier_commit() at the end of an event-loop turn makes the turn's changes
 * durable before replies leave the server.
 *
 * Expiry: a lookup never returns an expired key (it is deleted on the spot,
 * "lazy expiry"); tier_expire_cycle() deletes due keys found through the
 * expire index within a time budget ("active expiry").
 *
 * Databases: logical numbers 0..n-1 map to physical ids stored in keys, so
 * SWAPDB swaps two map entries instead of rewriting data.
 */
#ifndef STRATA_KEYSPACE_H
#define STRATA_KEYSPACE_H

#include <stddef.h>
#include <stdint.h>

#include "encoding.h"

/* Key types (same numbers as the on-disk type byte). */
enum {
    OBJ_STRING = ENC_TYPE_STRING,
    OBJ_LIST = ENC_TYPE_LIST,
    OBJ_SET = ENC_TYPE_SET,
    OBJ_ZSET = ENC_TYPE_ZSET,
    OBJ_HASH = ENC_TYPE_HASH,
    OBJ_STREAM = ENC_TYPE_STREAM,
};

#define TIER_EXTRA_MAX 64

/* What a lookup finds. Owns its buffer: release with tier_obj_free().
 * For a compound value (not a string) the type layer reads and changes
 * count and extra, then calls tier_compound_save(). */
typedef struct tier_obj {
    int exists;
    int type;
    int64_t expire_ms;  /* absolute unix ms; 0 = no expiry */
    const char *val;    /* strings: the value's bytes (points into raw) */
    size_t len;
    char *raw;          /* the stored record, engine-allocated */
    /* compound values */
    uint64_t version;   /* names the value's elements in the sub/zscore CFs */
    uint64_t count;     /* number of elements */
    char extra[TIER_EXTRA_MAX]; /* type-specific fields (list head/tail, ...) */
    size_t extralen;
    /* what the store holds now, for bookkeeping when this is saved */
    int stored;
    int64_t stored_expire_ms;
} tier_obj;

typedef struct tier_options {
    const char *dir;
    int databases;
    uint64_t block_cache_size;
    uint64_t write_buffer_size;
    const char *compression;
    int max_background_jobs;
    uint8_t fresh_seed[16]; /* random bytes; used only when the store is new */
} tier_options;

/* Status codes of this layer. */
enum { TIER_OK = 0, TIER_ERR = -1 };

/* Open the store. Returns TIER_OK, or TIER_ERR with *err set (free()). */
int tier_open(const tier_options *o, char **err);
void tier_close(void);
/* Close and open the store again with the same options (after a write
 * error). TIER_ERR with *err set if it cannot be opened. */
int tier_reopen(char **err);
/* While on, nothing is changed on the way: lazy and active expiry still hide
 * expired keys but do not delete them (the store is refusing writes). */
void tier_set_readonly(int on);
/* A tiny synced write: does the store take writes? */
int tier_probe_write(char **err);

/* Text of the last engine error (static storage, "" if none). */
const char *tier_last_error(void);

/* Look up key in logical db at time now_ms. Returns TIER_OK (out->exists
 * tells whether it is there) or TIER_ERR on an I/O error. An expired key is
 * deleted and reported absent. */
int tier_lookup(int db, const char *key, size_t klen, int64_t now_ms, tier_obj *out);
void tier_obj_free(tier_obj *o);

/* What the hot tier knows of one key (OBJECT IDLETIME/FREQ, MEMORY USAGE). */
typedef struct tier_key_info {
    int resident;          /* the key's metadata is in the hot tier */
    uint64_t idle_seconds; /* resident: seconds since its last access (LRU clock) */
    int lfu;               /* resident: LFU counter, decayed to now (as OBJECT FREQ) */
    uint64_t entry_bytes;  /* its hot-tier entry as allocated; for a key that is
                              not resident, what the entry would take */
} tier_key_info;
/* Like tier_lookup, but not an access, as Redis's OBJECT looks keys up: the
 * hot tier's LRU clock and LFU counter are left alone, no hot-tier hit, miss
 * or cold read is counted, and a key that is not resident is read from the
 * store without becoming resident. Lazy expiry still applies (an expired key
 * is deleted and reported absent). info (may be NULL) is filled when the key
 * exists. */
int tier_peek(int db, const char *key, size_t klen, int64_t now_ms, tier_obj *out, tier_key_info *info);
const char *tier_type_name(int type);

/* Change notification. The hook is called once for every change of a
 * key's record or elements (a command changing many elements calls it many
 * times), with the logical db, and why: TIER_CHANGED for a write or delete
 * by a command, TIER_EXPIRED when expiry deleted the key (lazy or active).
 * Eviction from the hot tier changes no data and is not reported. FLUSHDB,
 * FLUSHALL and SWAPDB are not reported key by key: their callers know. The
 * key bytes are only valid during the call. NULL turns it off. */
enum { TIER_CHANGED = 0, TIER_EXPIRED = 1 };
typedef void tier_change_fn(int db, const char *key, size_t klen, int why);
void tier_set_change_hook(tier_change_fn *fn);
/* Called (after the change hook, why = TIER_CHANGED) when a write creates
 * a key that was not in the store: Redis's keyspace "new" event. */
void tier_set_create_hook(tier_change_fn *fn);

/* Store a string value, replacing whatever `old` (this command's lookup of
 * the same key) describes. expire_ms 0 = no expiry. */
void tier_set_string(int db, const char *key, size_t klen, const char *val, size_t vlen,
                     int64_t expire_ms, const tier_obj *old);
/* Delete the key `old` describes (old->exists must be true). */
void tier_delete(int db, const char *key, size_t klen, const tier_obj *old);
/* Change only the expiry of an existing key (0 = persist). */
void tier_set_expire(int db, const char *key, size_t klen, const tier_obj *old, int64_t expire_ms);
/* Copy the value `src` (looked up in srcdb) to dst in dstdb, replacing
 * `old_dst`. Compound values are copied element by element under a new
 * version: O(elements), all into the pending batch (nothing is committed
 * on the way). Returns TIER_OK or TIER_ERR (store error). */
int tier_copy(int srcdb, const char *src_key, size_t slen, const tier_obj *src, int dstdb, const char *dst,
              size_t dlen, const tier_obj *old_dst);

/* ---- compound values (hash, set, zset, list, stream) ----
 * Elements live in the sub CF as (element key -> value); sorted sets also
 * keep (score, member) in the zscore CF. Changes go to the pending batch.
 * Never write while a tier_iter is open: collect first, then write. */

/* Turn o (a lookup result: absent, or a key being replaced) into an empty
 * value of `type` with a fresh version. Nothing is stored before
 * tier_compound_save(). */
void tier_compound_create(int db, const char *key, size_t klen, int type, tier_obj *o);
/* Store o's metadata (count, extra, expiry); a value whose count dropped to
 * 0 is deleted, as Redis deletes empty aggregates, except a stream: Redis
 * keeps an empty stream (its last id and groups live on). */
void tier_compound_save(int db, const char *key, size_t klen, tier_obj *o);

/* Element access. tier_sub_get returns 1 (found; *val to free with
 * tier_free), 0 (absent) or TIER_ERR. */
int tier_sub_get(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen,
                 char **val, size_t *vlen);
void tier_sub_put(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen,
                  const char *val, size_t vlen);
void tier_sub_del(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen);
/* Sorted-set score index: element key is [sortable score 8 bytes][member]. */
void tier_zindex_put(int db, const char *key, size_t klen, const tier_obj *o, double score,
                     const char *member, size_t mlen);
void tier_zindex_del(int db, const char *key, size_t klen, const tier_obj *o, double score,
                     const char *member, size_t mlen);
void tier_free(void *p);

/* Iterate one value's elements (zindex = 0: sub CF, 1: score index).
 * Element keys given and returned exclude the value's prefix. */
typedef struct tier_iter tier_iter;
tier_iter *tier_iter_new(int db, const char *key, size_t klen, const tier_obj *o, int zindex);
/* Only over the elements whose keys start with sub_prefix: the bounds stop
 * RocksDB at the end of that range, so deleted elements beyond it (not yet
 * compacted away) are never stepped over. */
tier_iter *tier_iter_new_prefix(int db, const char *key, size_t klen, const tier_obj *o, int zindex,
                                const char *sub_prefix, size_t splen);
void tier_iter_seek(tier_iter *it, const char *sub, size_t sublen);          /* first >= sub */
void tier_iter_seek_for_prev(tier_iter *it, const char *sub, size_t sublen); /* last <= sub */
void tier_iter_seek_first(tier_iter *it);
void tier_iter_seek_last(tier_iter *it);
int tier_iter_valid(tier_iter *it);
void tier_iter_next(tier_iter *it);
void tier_iter_prev(tier_iter *it);
const char *tier_iter_sub(tier_iter *it, size_t *len);
const char *tier_iter_value(tier_iter *it, size_t *len);
void tier_iter_free(tier_iter *it);

uint64_t tier_dbsize(int db);
uint64_t tier_dbexpires(int db); /* keys with an expiry */
int tier_flushdb(int db, int sync);
int tier_flushall(int sync);
void tier_swapdb(int a, int b);

/* SCAN step over db: visit keys from cursor on, calling fn for each (type
 * given), until about `count` keys were seen. Returns the next cursor (0 at
 * the end). Keys that share a hash are never split across calls. */
typedef void tier_scan_fn(const char *key, size_t klen, int type, int64_t expire_ms, void *ctx);
int tier_scan(int db, uint64_t cursor, long count, tier_scan_fn *fn, void *ctx, uint64_t *next);
/* A random live key, or *found = 0 when the db is empty. key is malloc'd. */
int tier_randomkey(int db, int64_t now_ms, char **key, size_t *klen, int *found);

/* Active expiry: delete up to max_keys due keys, stop after budget_us.
 * Returns the number of keys deleted. */
long tier_expire_cycle(int64_t now_ms, long max_keys, long long budget_us);

/* Atomic section (EXEC): until the matching end, nothing commits before
 * the end of the turn, so every change made in between reaches the store in
 * the turn's one batch (all or nothing after a crash). Inside it, FLUSHDB
 * and FLUSHALL delete key by key (O(keys) instead of range deletions) and a
 * checkpoint holds only what was committed before the section. Sections
 * nest. */
void tier_atomic_begin(void);
void tier_atomic_end(void);

/* Make the turn's changes durable (sync the WAL if sync). TIER_OK/TIER_ERR. */
int tier_commit(int sync, char **err);
int tier_pending(void);
/* A commit made in the middle of a turn (SAVE)
 * failed: returns 1 with *err (free()) once, so the end of the turn treats
 * the turn's writes as failed. */
int tier_take_commit_error(char **err);
/* Were writes committed without a WAL sync since the last call? (Clears
 * the flag: the caller takes charge of syncing them.) */
int tier_take_unsynced(void);
int tier_sync_wal(char **err);

void tier_set_block_cache_capacity(uint64_t bytes);

/* Commit what is pending, then write a checkpoint of the store into path
 * (must not exist). TIER_OK, or TIER_ERR with *err set (free()). */
int tier_checkpoint(const char *path, char **err);

/* ---- hot tier (tiering/hot.h): metadata of recently used keys in memory.
 * Lookups serve resident keys without reading the store; every change is
 * written through to both. */
typedef struct tier_hot_info {
    uint64_t keys, bytes;       /* resident keys and the memory they use */
    uint64_t hits, misses;      /* lookups served from memory / not resident */
    uint64_t promotions;        /* keys made resident by a read */
    uint64_t deferred;          /* reads not admitted yet (hot.h, hot_admit) */
    uint64_t evictions;         /* keys dropped from memory (never from disk) */
    uint64_t cold_reads;        /* lookups that read the store and found the key */
    uint64_t bucket_bytes;      /* the table's bucket arrays (part of bytes) */
} tier_hot_info;
void tier_hot_stats(tier_hot_info *out);
void tier_hot_reset_stats(void);
/* Drop resident keys by policy (MAXMEMORY_* numbers) until at most limit
 * bytes are resident. Returns how many were dropped. */
long tier_hot_evict(uint64_t limit, int policy, int samples);
/* LFU tunables, and the limit and policy that admission follows (hot.h). */
void tier_hot_config(int lfu_log_factor, int lfu_decay_minutes, uint64_t maxmemory, int policy);

/* Engine figures for INFO. */
int tier_engine_property(const char *name, uint64_t *out);

#endif
