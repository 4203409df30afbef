/* strata_inspect.c - what a stopped strata store holds on disk, per column
 * family.
 *
 *     strata-inspect DIR [--compact] [--count]
 *
 * Prints, for each column family (default, meta, sub, zscore, expire), the
 * live SST bytes, RocksDB's estimate of its keys and what sits in its
 * memtables. With --compact every column family is compacted first
 * (eng_compact), so the compaction filter drops the elements of deleted,
 * overwritten and expired compound values, and the figures are printed
 * before and after. With --count every column family is also iterated and
 * its keys counted exactly (slow on a big store).
 *
 * The server must be stopped: RocksDB's lock on DIR makes the open fail
 * otherwise. Nothing is changed but the physical layout: opening replays the
 * WAL into table files, as the server does at start, and --compact rewrites
 * table files without the garbage. The key-hash seed is read from the
 * store's "seed" record and handed to the engine only right before the
 * manual compaction: the flushes and automatic compactions that opening
 * starts keep everything and are waited for, so the "before" figures are
 * what the server left and the drop count is the manual compaction's. A
 * directory that is not a strata store is refused.
 *
 * Exit status: 0, 1 on a store error, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "encoding.h"
#include "engine.h"

static const char *cf_names[ENG_CF_COUNT] = {"default", "meta", "sub", "zscore", "expire"};

typedef struct cf_figures {
    uint64_t sst_bytes;  /* rocksdb.live-sst-files-size */
    uint64_t est_keys;   /* rocksdb.estimate-num-keys */
    uint64_t mem_bytes;  /* rocksdb.cur-size-all-mem-tables */
    uint64_t live_data;  /* rocksdb.estimate-live-data-size */
    long long exact;     /* --count: keys seen by an iterator, -1 if not counted */
} cf_figures;

static void usage(void) {
    fprintf(stderr,
            "usage: strata-inspect DIR [--compact] [--count]\n"
            "  per column family of a stopped strata store: live SST bytes, estimated keys,\n"
            "  memtable bytes; --compact compacts every column family first (drops the\n"
            "  elements of dead compound values) and prints before and after;\n"
            "  --count also counts every key exactly by iterating.\n");
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t prop(eng *e, eng_cf cf, const char *name) {
    uint64_t v = 0;
    if (eng_property_cf(e, cf, name, &v) != 0) return 0;
    return v;
}

/* Wait (up to a minute) until RocksDB runs no flush or compaction. */
static void wait_idle(eng *e) {
    for (int i = 0; i < 600; i++) {
        uint64_t c = 0, f = 0;
        if (eng_property_cf(e, ENG_CF_DEFAULT, "rocksdb.num-running-compactions", &c) != 0 ||
            eng_property_cf(e, ENG_CF_DEFAULT, "rocksdb.num-running-flushes", &f) != 0)
            return;
        if (c == 0 && f == 0) return;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void collect(eng *e, int count, cf_figures f[ENG_CF_COUNT]) {
    for (int i = 0; i < ENG_CF_COUNT; i++) {
        f[i].sst_bytes = prop(e, i, "rocksdb.live-sst-files-size");
        f[i].est_keys = prop(e, i, "rocksdb.estimate-num-keys");
        f[i].mem_bytes = prop(e, i, "rocksdb.cur-size-all-mem-tables");
        f[i].live_data = prop(e, i, "rocksdb.estimate-live-data-size");
        f[i].exact = -1;
        if (count) {
            long long n = 0;
            eng_iter *it = eng_iter_new(e, i, NULL, 0);
            for (eng_iter_seek_first(it); eng_iter_valid(it); eng_iter_next(it)) n++;
            eng_iter_free(it);
            f[i].exact = n;
        }
    }
}

static const char *human(uint64_t b, char *buf, size_t n) {
    if (b >= (1ull << 30))
        snprintf(buf, n, "%.2f GiB", b / (double)(1ull << 30));
    else if (b >= (1ull << 20))
        snprintf(buf, n, "%.2f MiB", b / (double)(1ull << 20));
    else if (b >= (1ull << 10))
        snprintf(buf, n, "%.1f KiB", b / 1024.0);
    else
        snprintf(buf, n, "%llu B", (unsigned long long)b);
    return buf;
}

/* One table; `before` may be NULL. Raw byte counts are printed too so that
 * scripts (tools/bench_compound.py) can parse the lines starting "cf ". */
static void print_table(const char *title, const cf_figures *f, const cf_figures *before) {
    char b1[32], b2[32];
    printf("%s\n", title);
    printf("  %-8s %14s %12s %14s %12s %14s%s\n", "cf", "sst_bytes", "sst", "est_keys", "memtable",
           "live_data_est", f[0].exact >= 0 ? "     exact_keys" : "");
    uint64_t tsst = 0, tkeys = 0, tmem = 0;
    for (int i = 0; i < ENG_CF_COUNT; i++) {
        printf("  %-8s %14llu %12s %14llu %12s %14llu", cf_names[i], (unsigned long long)f[i].sst_bytes,
               human(f[i].sst_bytes, b1, sizeof b1), (unsigned long long)f[i].est_keys,
               human(f[i].mem_bytes, b2, sizeof b2), (unsigned long long)f[i].live_data);
        if (f[i].exact >= 0) printf(" %14lld", f[i].exact);
        if (before && before[i].sst_bytes != f[i].sst_bytes) {
            long long d = (long long)f[i].sst_bytes - (long long)before[i].sst_bytes;
            printf("   (%+lld bytes)", d);
        }
        printf("\n");
        tsst += f[i].sst_bytes;
        tkeys += f[i].est_keys;
        tmem += f[i].mem_bytes;
    }
    printf("  %-8s %14llu %12s %14llu %12s\n", "total", (unsigned long long)tsst, human(tsst, b1, sizeof b1),
           (unsigned long long)tkeys, human(tmem, b2, sizeof b2));
}

/* Machine-readable lines: "cf PHASE NAME sst_bytes est_keys mem_bytes exact",
 * PHASE being now (no --compact), before or after; exact is -1 without --count. */
static void print_machine(const char *phase, const cf_figures *f) {
    for (int i = 0; i < ENG_CF_COUNT; i++)
        printf("cf %s %s %llu %llu %llu %lld\n", phase, cf_names[i], (unsigned long long)f[i].sst_bytes,
               (unsigned long long)f[i].est_keys, (unsigned long long)f[i].mem_bytes, f[i].exact);
}

int main(int argc, char **argv) {
    const char *dir = NULL;
    int compact = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--compact"))
            compact = 1;
        else if (!strcmp(argv[i], "--count"))
            count = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else if (argv[i][0] == '-' || dir) {
            usage();
            return 2;
        } else
            dir = argv[i];
    }
    if (!dir) {
        usage();
        return 2;
    }

    /* eng_open creates a missing store: make sure there is one first. */
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    if (stat(path, &st) != 0) {
        fprintf(stderr, "strata-inspect: %s: no RocksDB store here (%s)\n", dir, strerror(errno));
        return 1;
    }

    eng_options o = {.dir = dir, .block_cache_size = 64 << 20, .write_buffer_size = 64 << 20,
                     .compression = "lz4", .max_background_jobs = 2};
    char *err = NULL;
    eng *e = eng_open(&o, &err);
    if (!e) {
        fprintf(stderr, "strata-inspect: cannot open %s: %s\n", dir, err ? err : "?");
        if (err && strstr(err, "lock")) fprintf(stderr, "  (is a server still running on it? stop it first)\n");
        eng_free(err);
        return 1;
    }

    char *seed = NULL;
    size_t slen = 0;
    int r = eng_get(e, ENG_CF_DEFAULT, ENC_REC_SEED, strlen(ENC_REC_SEED), &seed, &slen, &err);
    if (r < 0) {
        fprintf(stderr, "strata-inspect: reading the seed record: %s\n", err);
        eng_free(err);
        eng_close(e);
        return 1;
    }
    if (r == 0 || slen != 16) {
        fprintf(stderr, "strata-inspect: %s has no 16-byte \"%s\" record: not a strata store\n", dir,
                ENC_REC_SEED);
        if (seed) eng_free(seed);
        eng_close(e);
        return 1;
    }
    uint8_t seed16[16];
    memcpy(seed16, seed, 16);
    eng_free(seed);

    printf("store %s\n", dir);
    cf_figures before[ENG_CF_COUNT], after[ENG_CF_COUNT];
    wait_idle(e);
    collect(e, count, before);
    print_table(compact ? "before compaction:" : "column families:", before, NULL);

    int status = 0;
    if (compact) {
        eng_set_key_seed(e, seed16);
        double t0 = now_s();
        for (int i = 0; i < ENG_CF_COUNT && !status; i++) {
            if (eng_compact(e, i, &err) != 0) {
                fprintf(stderr, "strata-inspect: compacting %s: %s\n", cf_names[i], err ? err : "?");
                eng_free(err);
                status = 1;
            }
        }
        wait_idle(e);
        double t1 = now_s();
        collect(e, count, after);
        printf("\ncompacted every column family in %.2f s; the filter dropped %lld dead elements\n",
               t1 - t0, eng_gc_dropped(e));
        print_table("after compaction:", after, before);
    }

    printf("\n");
    print_machine(compact ? "before" : "now", before);
    if (compact) print_machine("after", after);
    eng_close(e);
    return status;
}
