/* engine.h - strata's storage engine: RocksDB opened with strata's column
 * families, a pending write batch per event-loop turn, and reads that see
 * that batch.
 *
 * Writes (eng_put/eng_del) go into the pending batch, which is indexed so
 * that eng_get and iterators see the turn's own writes before they are
 * committed. eng_commit() writes the batch atomically (and syncs the WAL when
 * asked); the server calls it once per event-loop turn, before any reply to
 * those writes is sent.
 *
 * Everything here runs on the event-loop thread except eng_sync_wal, which
 * may be called from another thread.
 *
 * Ownership: values returned by eng_get and error strings are malloc'd by
 * the engine; free them with eng_free(). Iterators are freed with
 * eng_iter_free(). Key/value pointers from an iterator are valid until it
 * moves.
 */
#ifndef STRATA_ENGINE_H
#define STRATA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ENG_CF_DEFAULT = 0, /* store-wide records (seed, db map, key counts) */
    ENG_CF_META,        /* one record per user key */
    ENG_CF_SUB,         /* elements of compound values */
    ENG_CF_ZSCORE,      /* score index of sorted sets */
    ENG_CF_EXPIRE,      /* (expire-at, db, key) for active expiry */
    ENG_CF_COUNT
} eng_cf;

typedef struct eng eng;
typedef struct eng_iter eng_iter;

typedef struct eng_options {
    const char *dir;
    uint64_t block_cache_size;
    uint64_t write_buffer_size;
    const char *compression; /* "none", "snappy", "lz4", "zstd" */
    int max_background_jobs;
} eng_options;

/* Open (creating if needed). Returns NULL and sets *err (free with eng_free)
 * on failure, e.g. when another process holds the directory's lock. */
eng *eng_open(const eng_options *opts, char **err);
/* Commit nothing further; flush the WAL and close. Pending writes that were
 * not committed are dropped. */
void eng_close(eng *e);
void eng_free(void *p);

/* Point read through the pending batch. Returns 1 and sets *val (free with
 * eng_free) and *vlen when found, 0 when absent, -1 on error (*err set). */
int eng_get(eng *e, eng_cf cf, const char *k, size_t klen, char **val, size_t *vlen, char **err);

void eng_put(eng *e, eng_cf cf, const char *k, size_t klen, const char *v, size_t vlen);
void eng_del(eng *e, eng_cf cf, const char *k, size_t klen);

/* Number of updates waiting in the pending batch. */
int eng_pending(eng *e);
/* Write the pending batch atomically; sync the WAL first if sync != 0.
 * On error the batch is dropped, -1 is returned and *err is set. */
int eng_commit(eng *e, int sync, char **err);
/* Make every committed write durable (fsync the WAL). Thread-safe. */
int eng_sync_wal(eng *e, char **err);

/* Delete [begin, end) in cf at the next eng_commit, atomically with the
 * pending batch. Reads do not see a range deletion before that commit, so
 * callers commit right after queueing one (FLUSHDB, FLUSHALL). */
void eng_delete_range(eng *e, eng_cf cf, const char *begin, size_t blen, const char *end,
                      size_t elen);

/* Iterators see committed data plus the pending batch. upper (exclusive) may
 * be NULL; the bytes are copied. */
eng_iter *eng_iter_new(eng *e, eng_cf cf, const char *upper, size_t ulen);
/* Both bounds: lower inclusive, upper exclusive; either may be NULL. */
eng_iter *eng_iter_new_range(eng *e, eng_cf cf, const char *lower, size_t llen, const char *upper,
                             size_t ulen);
void eng_iter_seek(eng_iter *it, const char *k, size_t klen);
/* Position at the last key <= k. */
void eng_iter_seek_for_prev(eng_iter *it, const char *k, size_t klen);
/* First / last key within the bounds. */
void eng_iter_seek_first(eng_iter *it);
void eng_iter_seek_last(eng_iter *it);
int eng_iter_valid(eng_iter *it);
void eng_iter_next(eng_iter *it);
void eng_iter_prev(eng_iter *it);
const char *eng_iter_key(eng_iter *it, size_t *len);
const char *eng_iter_value(eng_iter *it, size_t *len);
void eng_iter_free(eng_iter *it);

/* The key-hash seed of the store (encoding.h, enc_key_hash): the compaction
 * filter that drops elements of dead values needs it to find metadata, and
 * keeps everything until it is set. */
void eng_set_key_seed(eng *e, const uint8_t seed[16]);
/* Elements dropped by that filter since open. */
long long eng_gc_dropped(eng *e);
/* Compact a whole column family now (tests and tools). */
int eng_compact(eng *e, eng_cf cf, char **err);

/* Write a consistent copy of the committed store into path (which must not
 * exist): hard links for table files, a copy of the rest. Returns 0, or -1
 * with *err set (free with eng_free). */
int eng_checkpoint(eng *e, const char *path, char **err);

/* Resize the shared block cache (CONFIG SET rocksdb-block-cache-size). */
void eng_set_block_cache_capacity(eng *e, uint64_t bytes);

/* A RocksDB integer property ("rocksdb.estimate-num-keys", ...) summed over
 * all column families (block-cache figures, being shared, are taken once).
 * Returns 0 on success. */
int eng_property(eng *e, const char *name, uint64_t *out);
/* The same property for one column family only ("rocksdb.live-sst-files-size",
 * "rocksdb.estimate-num-keys", ...), as tools/strata_inspect reports them.
 * Returns 0 on success, -1 if RocksDB has no such integer property. */
int eng_property_cf(eng *e, eng_cf cf, const char *name, uint64_t *out);

#endif
