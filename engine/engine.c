/* engine.c - RocksDB behind a narrow interface: open with strata's column
 * families and options, an indexed pending batch per event-loop turn,
 * commit, point reads and iterators that see the pending batch.
 *
 * Why a WriteBatchWithIndex: commands run one after another within a turn
 * and a pipelined "SET k v; GET k" must see its own write before the turn's
 * batch is committed. The index makes the batch readable, so the command
 * layer never has to know whether a write is committed yet.
 */
#include "engine.h"

#include <pthread.h>
#include <rocksdb/c.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

static const char *cf_names[ENG_CF_COUNT] = {"default", "meta", "sub", "zscore", "expire"};

struct eng {
    rocksdb_t *db;
    rocksdb_options_t *dbopts;
    rocksdb_options_t *cfopts[ENG_CF_COUNT];
    rocksdb_column_family_handle_t *cf[ENG_CF_COUNT];
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
    rocksdb_filterpolicy_t *bloom; /* owned by `table` once set */
    rocksdb_readoptions_t *ropts;
    rocksdb_writeoptions_t *wopts;      /* sync = 0 */
    rocksdb_writeoptions_t *wopts_sync; /* sync = 1 */
    rocksdb_writebatch_wi_t *batch;
    /* After a failed write, RocksDB (built with assertions, as Debian's is)
     * aborts if the WAL file is touched again, so every write and sync
     * holds wal_lock and nothing touches the WAL once write_failed is set,
     * until the store is reopened. */
    pthread_mutex_t wal_lock;
    int write_failed;
    /* Compaction filters of the sub and zscore CFs (see "Garbage"). They
     * keep everything until eng_set_key_seed() made them ready. */
    rocksdb_compactionfilterfactory_t *gc_factory[ENG_CF_COUNT];
    rocksdb_readoptions_t *gc_ropts;
    uint8_t gc_seed[16];
    atomic_int gc_ready;
    atomic_llong gc_dropped;
    /* Range deletions queued for the next commit (the indexed batch cannot
     * hold them). */
    struct range_del {
        eng_cf cf;
        char *begin, *end;
        size_t blen, elen;
    } *ranges;
    int nranges;
};

struct eng_iter {
    rocksdb_iterator_t *it;
    rocksdb_readoptions_t *ropts;
    char *lower, *upper; /* copies: RocksDB keeps pointers to its bounds */
    size_t llen, ulen;
};

static void drop_ranges(eng *e);
static rocksdb_compactionfilter_t *gc_create_filter(void *state, rocksdb_compactionfiltercontext_t *ctx);
static const char *gc_factory_name(void *state);
static void gc_factory_destroy(void *state);

static char *dup_bytes(const char *p, size_t n) {
    char *d = malloc(n ? n : 1);
    if (n) memcpy(d, p, n);
    return d;
}

void eng_free(void *p) { rocksdb_free(p); }

static int compression_type(const char *name) {
    if (!name || !strcmp(name, "none")) return rocksdb_no_compression;
    if (!strcmp(name, "snappy")) return rocksdb_snappy_compression;
    if (!strcmp(name, "zstd")) return rocksdb_zstd_compression;
    return rocksdb_lz4_compression;
}

static void destroy(eng *e) {
    if (e->batch) rocksdb_writebatch_wi_destroy(e->batch);
    drop_ranges(e);
    /* RocksDB asserts that column-family handles die before the DB. */
    for (int i = 0; i < ENG_CF_COUNT; i++)
        if (e->cf[i]) rocksdb_column_family_handle_destroy(e->cf[i]);
    if (e->db) rocksdb_close(e->db);
    for (int i = 0; i < ENG_CF_COUNT; i++)
        if (e->cfopts[i]) rocksdb_options_destroy(e->cfopts[i]);
    if (e->dbopts) rocksdb_options_destroy(e->dbopts);
    if (e->table) rocksdb_block_based_options_destroy(e->table);
    if (e->cache) rocksdb_cache_destroy(e->cache);
    if (e->ropts) rocksdb_readoptions_destroy(e->ropts);
    if (e->gc_ropts) rocksdb_readoptions_destroy(e->gc_ropts);
    if (e->wopts) rocksdb_writeoptions_destroy(e->wopts);
    if (e->wopts_sync) rocksdb_writeoptions_destroy(e->wopts_sync);
    pthread_mutex_destroy(&e->wal_lock);
    free(e);
}

eng *eng_open(const eng_options *o, char **err) {
    eng *e = calloc(1, sizeof(*e));
    if (!e) return NULL;
    *err = NULL;

    e->cache = rocksdb_cache_create_lru(o->block_cache_size ? o->block_cache_size : (8 << 20));
    e->table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_block_cache(e->table, e->cache);
    e->bloom = rocksdb_filterpolicy_create_bloom(10);
    rocksdb_block_based_options_set_filter_policy(e->table, e->bloom);
    rocksdb_block_based_options_set_cache_index_and_filter_blocks(e->table, 1);
    rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(e->table, 1);
    /* Partitioned index and filters: a big table file's filter (megabytes)
     * can be larger than one block-cache shard, and then it is never cached
     * and every point read pays for reading it (measured: ~1 ms a read once
     * a file held ~3.4M keys). In 4 KB partitions under a small pinned top
     * level, a read loads only the partition it needs. */
    rocksdb_block_based_options_set_index_type(e->table, 2 /* kTwoLevelIndexSearch */);
    rocksdb_block_based_options_set_partition_filters(e->table, 1);
    rocksdb_block_based_options_set_metadata_block_size(e->table, 4096);
    rocksdb_block_based_options_set_pin_top_level_index_and_filter(e->table, 1);

    e->dbopts = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(e->dbopts, 1);
    rocksdb_options_set_create_missing_column_families(e->dbopts, 1);
    rocksdb_options_set_max_background_jobs(e->dbopts, o->max_background_jobs > 0 ? o->max_background_jobs : 2);
    /* Point-in-time recovery: after a crash, replay the WAL up to the first
     * damaged record and stop there. Everything acknowledged under
     * appendfsync always was synced, so it lies before any torn tail. */
    rocksdb_options_set_wal_recovery_mode(e->dbopts, 2);
    /* RocksDB's own LOG file gets only its start-up header. A LOG write that
     * fails (disk full) leaves the logger in an error state, and Debian's
     * RocksDB, built with assertions, aborts on the next log line; strata
     * reports store errors in its own log instead. */
    rocksdb_options_set_info_log_level(e->dbopts, 5 /* HEADER_LEVEL */);
    rocksdb_options_set_keep_log_file_num(e->dbopts, 3);
    /* A WAL file lives until every column family's data in it is flushed;
     * a CF written a little (key counts, expiry index) would keep old WALs
     * for ever (measured: 365 MB of WAL beside 306 MB of tables). Past this
     * total, RocksDB flushes the CFs that hold the oldest WAL back. It also
     * bounds the replay after a crash. */
    rocksdb_options_set_max_total_wal_size(e->dbopts, 128ULL << 20);
    /* Start-up must not read every table file: by default RocksDB opens
     * each one to refresh the statistics its compaction picker uses, which
     * made opening a 10M-key store cost most of a second. The statistics
     * catch up as files are read. */
    rocksdb_options_set_skip_stats_update_on_db_open(e->dbopts, 1);
    rocksdb_options_set_skip_checking_sst_file_sizes_on_db_open(e->dbopts, 1);

    int comp = compression_type(o->compression);
    for (int i = 0; i < ENG_CF_COUNT; i++) {
        rocksdb_options_t *co = rocksdb_options_create_copy(e->dbopts);
        rocksdb_options_set_block_based_table_factory(co, e->table);
        rocksdb_options_set_compression(co, comp);
        if (comp != rocksdb_no_compression) rocksdb_options_set_bottommost_compression(co, rocksdb_zstd_compression);
        uint64_t wb = o->write_buffer_size ? o->write_buffer_size : (16 << 20);
        if (i == ENG_CF_DEFAULT || i == ENG_CF_EXPIRE || i == ENG_CF_ZSCORE) wb = wb / 4 > (4 << 20) ? wb / 4 : (4 << 20);
        rocksdb_options_set_write_buffer_size(co, wb);
        if (i == ENG_CF_META || i == ENG_CF_SUB) {
            /* A bloom filter over memtable keys: a lookup of an absent key
             * (every new key's first write) skips the skiplist search. */
            rocksdb_options_set_memtable_whole_key_filtering(co, 1);
            rocksdb_options_set_memtable_prefix_bloom_size_ratio(co, 0.05);
        }
        if (i == ENG_CF_SUB || i == ENG_CF_ZSCORE) {
            /* The options take ownership of the factory. */
            e->gc_factory[i] = rocksdb_compactionfilterfactory_create(e, gc_factory_destroy, gc_create_filter,
                                                                      gc_factory_name);
            rocksdb_options_set_compaction_filter_factory(co, e->gc_factory[i]);
        }
        e->cfopts[i] = co;
    }

    const rocksdb_options_t *cfo[ENG_CF_COUNT];
    for (int i = 0; i < ENG_CF_COUNT; i++) cfo[i] = e->cfopts[i];
    e->db = rocksdb_open_column_families(e->dbopts, o->dir, ENG_CF_COUNT, cf_names, cfo, e->cf, err);
    if (!e->db) {
        memset(e->cf, 0, sizeof(e->cf));
        destroy(e);
        return NULL;
    }
    e->ropts = rocksdb_readoptions_create();
    e->gc_ropts = rocksdb_readoptions_create();
    rocksdb_readoptions_set_fill_cache(e->gc_ropts, 0);
    e->wopts = rocksdb_writeoptions_create();
    e->wopts_sync = rocksdb_writeoptions_create();
    rocksdb_writeoptions_set_sync(e->wopts_sync, 1);
    e->batch = rocksdb_writebatch_wi_create(0, 1 /* overwrite_key: reads see the last write */);
    pthread_mutex_init(&e->wal_lock, NULL);
    return e;
}

void eng_close(eng *e) {
    if (!e) return;
    char *err = NULL;
    if (!e->write_failed) rocksdb_flush_wal(e->db, 1, &err);
    if (err) rocksdb_free(err);
    destroy(e);
}

static char *failed_error(void) {
    const char *msg = "the store refuses writes after an earlier write error";
    char *err = malloc(strlen(msg) + 1);
    strcpy(err, msg);
    return err;
}

int eng_get(eng *e, eng_cf cf, const char *k, size_t klen, char **val, size_t *vlen, char **err) {
    *err = NULL;
    char *v = rocksdb_writebatch_wi_get_from_batch_and_db_cf(e->batch, e->db, e->ropts, e->cf[cf], k,
                                                             klen, vlen, err);
    if (*err) return -1;
    *val = v;
    return v != NULL;
}

void eng_put(eng *e, eng_cf cf, const char *k, size_t klen, const char *v, size_t vlen) {
    rocksdb_writebatch_wi_put_cf(e->batch, e->cf[cf], k, klen, v, vlen);
}

void eng_del(eng *e, eng_cf cf, const char *k, size_t klen) {
    rocksdb_writebatch_wi_delete_cf(e->batch, e->cf[cf], k, klen);
}

int eng_pending(eng *e) { return rocksdb_writebatch_wi_count(e->batch) + e->nranges; }

static void drop_ranges(eng *e) {
    for (int i = 0; i < e->nranges; i++) {
        free(e->ranges[i].begin);
        free(e->ranges[i].end);
    }
    free(e->ranges);
    e->ranges = NULL;
    e->nranges = 0;
}

/* Pending batch plus queued range deletions, as one plain batch. */
static void commit_with_ranges(eng *e, const rocksdb_writeoptions_t *wo, char **err) {
    size_t size;
    const char *rep = rocksdb_writebatch_wi_data(e->batch, &size);
    rocksdb_writebatch_t *b = rocksdb_writebatch_create_from(rep, size);
    for (int i = 0; i < e->nranges; i++) {
        struct range_del *r = &e->ranges[i];
        rocksdb_writebatch_delete_range_cf(b, e->cf[r->cf], r->begin, r->blen, r->end, r->elen);
    }
    rocksdb_write(e->db, wo, b, err);
    rocksdb_writebatch_destroy(b);
}

int eng_commit(eng *e, int sync, char **err) {
    *err = NULL;
    if (eng_pending(e) == 0) return 0;
    const rocksdb_writeoptions_t *wo = sync ? e->wopts_sync : e->wopts;
    pthread_mutex_lock(&e->wal_lock);
    if (e->write_failed)
        *err = failed_error();
    else if (e->nranges)
        commit_with_ranges(e, wo, err);
    else
        rocksdb_write_writebatch_wi(e->db, wo, e->batch, err);
    if (*err) e->write_failed = 1;
    pthread_mutex_unlock(&e->wal_lock);
    rocksdb_writebatch_wi_clear(e->batch);
    drop_ranges(e);
    return *err ? -1 : 0;
}

int eng_sync_wal(eng *e, char **err) {
    *err = NULL;
    pthread_mutex_lock(&e->wal_lock);
    if (e->write_failed)
        *err = failed_error();
    else
        rocksdb_flush_wal(e->db, 1, err);
    if (*err) e->write_failed = 1;
    pthread_mutex_unlock(&e->wal_lock);
    return *err ? -1 : 0;
}


void eng_delete_range(eng *e, eng_cf cf, const char *begin, size_t blen, const char *end,
                      size_t elen) {
    e->ranges = realloc(e->ranges, sizeof(*e->ranges) * (e->nranges + 1));
    struct range_del *r = &e->ranges[e->nranges++];
    r->cf = cf;
    r->begin = dup_bytes(begin, blen);
    r->blen = blen;
    r->end = dup_bytes(end, elen);
    r->elen = elen;
}

/* ---------------------------------------------------------------------------
 * Garbage: elements of values that no longer exist
 *
 * Deleting or overwriting a compound value only rewrites its metadata; its
 * elements stay behind under the old version. While compacting the sub and
 * zscore CFs, RocksDB asks this filter about every element: it is dropped
 * when the metadata of its key is gone or names another version. Elements
 * of one value are contiguous, so the last answer is cached per prefix.
 * ------------------------------------------------------------------------ */

typedef struct gc_filter {
    eng *e;
    char *prefix; /* [db][keylen][key][version] of the last decision */
    size_t plen, pcap;
    int keep;
} gc_filter;

/* Is the value that owns element key k (sub/zscore layout) still live? */
static int gc_value_live(eng *e, const char *k, size_t klen, size_t *plen) {
    if (klen < 6) return 1;
    uint32_t keylen = enc_get_u32(k + 2);
    if ((size_t)6 + keylen + 8 > klen) return 1;
    *plen = 6 + (size_t)keylen + 8;
    uint16_t db = enc_get_u16(k);
    const char *key = k + 6;
    uint64_t version = enc_get_u64(k + 6 + keylen);

    size_t mlen = enc_meta_key_len(keylen);
    char small[256], *mk = mlen <= sizeof(small) ? small : malloc(mlen);
    enc_meta_key(mk, db, enc_key_hash(e->gc_seed, key, keylen), key, keylen);
    char *err = NULL;
    size_t vlen;
    char *v = rocksdb_get_cf(e->db, e->gc_ropts, e->cf[ENG_CF_META], mk, mlen, &vlen, &err);
    if (mk != small) free(mk);
    if (err) {
        rocksdb_free(err);
        return 1; /* when in doubt, keep */
    }
    int live = 0;
    enc_meta m;
    if (v && enc_meta_parse(v, vlen, &m) == 0 && m.type != ENC_TYPE_STRING && m.bodylen >= 8)
        live = enc_get_u64(m.body) == version;
    rocksdb_free(v);
    return live;
}

static unsigned char gc_filter_fn(void *state, int level, const char *k, size_t klen, const char *v,
                                  size_t vlen, char **new_value, size_t *new_vlen, unsigned char *changed) {
    gc_filter *f = state;
    eng *e = f->e;
    if (!atomic_load(&e->gc_ready)) return 0;
    if (f->plen && klen >= f->plen && memcmp(k, f->prefix, f->plen) == 0) {
        if (!f->keep) atomic_fetch_add(&e->gc_dropped, 1);
        return !f->keep;
    }
    size_t plen = 0;
    int keep = gc_value_live(e, k, klen, &plen);
    if (plen) {
        if (plen > f->pcap) {
            f->prefix = realloc(f->prefix, plen);
            f->pcap = plen;
        }
        memcpy(f->prefix, k, plen);
        f->plen = plen;
        f->keep = keep;
    }
    if (!keep) atomic_fetch_add(&e->gc_dropped, 1);
    return !keep;
}

static const char *gc_filter_name(void *state) { return "strata.dead-versions"; }

static void gc_filter_destroy(void *state) {
    gc_filter *f = state;
    free(f->prefix);
    free(f);
}

static rocksdb_compactionfilter_t *gc_create_filter(void *state, rocksdb_compactionfiltercontext_t *ctx) {
    gc_filter *f = calloc(1, sizeof(*f));
    f->e = state;
    return rocksdb_compactionfilter_create(f, gc_filter_destroy, gc_filter_fn, gc_filter_name);
}

static const char *gc_factory_name(void *state) { return "strata.dead-versions"; }
static void gc_factory_destroy(void *state) {}

void eng_set_key_seed(eng *e, const uint8_t seed[16]) {
    memcpy(e->gc_seed, seed, 16);
    atomic_store(&e->gc_ready, 1);
}

long long eng_gc_dropped(eng *e) { return atomic_load(&e->gc_dropped); }

int eng_compact(eng *e, eng_cf cf, char **err) {
    *err = NULL;
    rocksdb_compact_range_cf(e->db, e->cf[cf], NULL, 0, NULL, 0);
    return 0;
}

/* ---------------------------------------------------------------------------
 * Iterators
 * ------------------------------------------------------------------------ */

eng_iter *eng_iter_new_range(eng *e, eng_cf cf, const char *lower, size_t llen, const char *upper,
                             size_t ulen) {
    eng_iter *it = calloc(1, sizeof(*it));
    it->ropts = rocksdb_readoptions_create();
    if (lower) {
        it->lower = dup_bytes(lower, llen);
        it->llen = llen;
        rocksdb_readoptions_set_iterate_lower_bound(it->ropts, it->lower, llen);
    }
    if (upper) {
        it->upper = dup_bytes(upper, ulen);
        it->ulen = ulen;
        rocksdb_readoptions_set_iterate_upper_bound(it->ropts, it->upper, ulen);
    }
    rocksdb_iterator_t *base = rocksdb_create_iterator_cf(e->db, it->ropts, e->cf[cf]);
    if (rocksdb_writebatch_wi_count(e->batch) > 0)
        it->it = rocksdb_writebatch_wi_create_iterator_with_base_cf(e->batch, base, e->cf[cf]);
    else
        it->it = base;
    return it;
}

eng_iter *eng_iter_new(eng *e, eng_cf cf, const char *upper, size_t ulen) {
    return eng_iter_new_range(e, cf, NULL, 0, upper, ulen);
}

void eng_iter_seek(eng_iter *it, const char *k, size_t klen) { rocksdb_iter_seek(it->it, k, klen); }

void eng_iter_seek_for_prev(eng_iter *it, const char *k, size_t klen) {
    rocksdb_iter_seek_for_prev(it->it, k, klen);
}

void eng_iter_seek_first(eng_iter *it) {
    if (it->lower)
        rocksdb_iter_seek(it->it, it->lower, it->llen);
    else
        rocksdb_iter_seek_to_first(it->it);
}

/* The last key below the (exclusive) upper bound. */
void eng_iter_seek_last(eng_iter *it) {
    if (!it->upper) {
        rocksdb_iter_seek_to_last(it->it);
        return;
    }
    rocksdb_iter_seek_for_prev(it->it, it->upper, it->ulen);
    if (rocksdb_iter_valid(it->it)) {
        size_t klen;
        const char *k = rocksdb_iter_key(it->it, &klen);
        if (klen == it->ulen && memcmp(k, it->upper, klen) == 0) rocksdb_iter_prev(it->it);
    }
}

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    if (c) return c;
    return alen < blen ? -1 : alen > blen;
}

/* The batch side of a merged iterator does not know the bounds, so they
 * are checked here as well. */
int eng_iter_valid(eng_iter *it) {
    if (!rocksdb_iter_valid(it->it)) return 0;
    size_t klen;
    const char *k = rocksdb_iter_key(it->it, &klen);
    if (it->upper && bytes_cmp(k, klen, it->upper, it->ulen) >= 0) return 0;
    if (it->lower && bytes_cmp(k, klen, it->lower, it->llen) < 0) return 0;
    return 1;
}

void eng_iter_next(eng_iter *it) { rocksdb_iter_next(it->it); }
void eng_iter_prev(eng_iter *it) { rocksdb_iter_prev(it->it); }

const char *eng_iter_key(eng_iter *it, size_t *len) { return rocksdb_iter_key(it->it, len); }

const char *eng_iter_value(eng_iter *it, size_t *len) { return rocksdb_iter_value(it->it, len); }

void eng_iter_free(eng_iter *it) {
    if (!it) return;
    rocksdb_iter_destroy(it->it);
    rocksdb_readoptions_destroy(it->ropts);
    free(it->lower);
    free(it->upper);
    free(it);
}

int eng_property(eng *e, const char *name, uint64_t *out) {
    uint64_t sum = 0, v;
    /* The block cache is shared: every CF reports the same figure. */
    int ncf = strncmp(name, "rocksdb.block-cache-", 20) == 0 ? 1 : ENG_CF_COUNT;
    for (int i = 0; i < ncf; i++) {
        if (rocksdb_property_int_cf(e->db, e->cf[i], name, &v) != 0) return -1;
        sum += v;
    }
    *out = sum;
    return 0;
}

int eng_property_cf(eng *e, eng_cf cf, const char *name, uint64_t *out) {
    return rocksdb_property_int_cf(e->db, e->cf[cf], name, out) == 0 ? 0 : -1;
}

void eng_set_block_cache_capacity(eng *e, uint64_t bytes) { rocksdb_cache_set_capacity(e->cache, bytes); }

int eng_checkpoint(eng *e, const char *path, char **err) {
    *err = NULL;
    if (e->write_failed) {
        *err = failed_error();
        return -1;
    }
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(e->db, err);
    if (!cp) return -1;
    /* 0: always flush the memtables first, so the copy needs no WAL replay. */
    rocksdb_checkpoint_create(cp, path, 0, err);
    rocksdb_checkpoint_object_destroy(cp);
    return *err ? -1 : 0;
}
