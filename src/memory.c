/* memory.c - MEMORY USAGE, STATS, DOCTOR and HELP.
 *
 * Redis's figures describe one process whose memory is its dataset. strata's
 * data lives in RocksDB; what is in memory is the hot tier (the metadata of
 * recently used keys, and a string's value with it: tiering/hot.h), RocksDB's
 * block cache and memtables, and the usual process overhead. So:
 *
 *   MEMORY USAGE  the key's hot-tier entry as allocated; for a compound value
 *                 (hash, set, sorted set, list) whose elements stay in RocksDB,
 *                 plus an estimate of its elements' bytes (below).
 *   MEMORY STATS  Redis's field names where they mean the same thing, the
 *                 dataset figures taken from the hot tier, and strata's own
 *                 (hot_tier.bytes, rocksdb.block-cache, rocksdb.memtables).
 *   MEMORY DOCTOR a short report of what can be judged from those figures.
 *   MALLOC-STATS  the allocator's own report (jemalloc's, as Redis; glibc's
 *                 malloc_info() XML in builds without jemalloc).
 *   PURGE         free memory goes back to the system (allocator.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocator.h"
#include "server.h"
#include "util.h"

#define USAGE_DEFAULT_SAMPLES 5 /* Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES */

/* ---------------------------------------------------------------------------
 * Process figures
 * ------------------------------------------------------------------------ */

static long long startup_allocated = -1; /* -1: memory_note_startup() not called */
static long long peak_allocated;

static long long allocated_now(void) { return allocator_allocated(); }

void memory_note_startup(void) {
    startup_allocated = allocated_now();
    if (startup_allocated > peak_allocated) peak_allocated = startup_allocated;
}

long long memory_sample_peak(void) {
    long long now = allocated_now();
    if (now > peak_allocated) peak_allocated = now;
    return now;
}

/* Client structures and their buffers (Redis's clients.normal). */
static long long clients_bytes(void) {
    long long n = 0;
    for (client *c = server.clients; c; c = c->next)
        n += (long long)(sizeof(*c) + c->qcap + c->ocap + (size_t)c->capmarks * sizeof(*c->marks));
    return n;
}

/* ---------------------------------------------------------------------------
 * MEMORY USAGE
 * ------------------------------------------------------------------------ */

/* Estimated bytes of a compound value's elements: each element's key (after
 * the value's prefix, which repeats the user key and which RocksDB's block
 * encoding shares between neighbours) and value as stored in the sub CF,
 * plus for sorted sets the score-index entry (8-byte score and the member,
 * the size of the element key). The first `samples` elements are read (all
 * when samples >= count) and their average is multiplied by the element
 * count from the metadata, as Redis samples the first elements of a big
 * aggregate. These bytes are in RocksDB (block cache or disk), not in the
 * hot tier: they are what the value would weigh if it were all in memory. */
static long long elements_estimate(client *c, const tier_obj *o, long long samples) {
    tier_iter *it = tier_iter_new(c->db, c->argv[2].ptr, c->argv[2].len, o, 0);
    long long seen = 0;
    long double bytes = 0;
    for (tier_iter_seek_first(it); tier_iter_valid(it) && seen < samples; tier_iter_next(it)) {
        size_t sl, vl;
        tier_iter_sub(it, &sl);
        tier_iter_value(it, &vl);
        bytes += (long double)(sl + vl);
        if (o->type == OBJ_ZSET) bytes += (long double)sl;
        seen++;
    }
    tier_iter_free(it);
    if (seen == 0) return 0;
    if ((uint64_t)seen < o->count) bytes = bytes / seen * (long double)o->count;
    return bytes > (long double)LLONG_MAX ? LLONG_MAX : (long long)bytes;
}

static void memory_usage(client *c) {
    long long samples = USAGE_DEFAULT_SAMPLES;
    for (int j = 3; j < c->argc; j++) {
        if (arg_is(c, j, "SAMPLES") && j + 1 < c->argc) {
            if (arg_longlong(c, j + 1, &samples, NULL) < 0) return;
            if (samples < 0) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            if (samples == 0) samples = LLONG_MAX;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    tier_obj o;
    tier_key_info info;
    /* Not an access (Redis reads the dict directly): a key that is not
     * resident stays so, and its size is what its entry would take. */
    if (tier_peek(c->db, c->argv[2].ptr, c->argv[2].len, server_mstime(), &o, &info) != TIER_OK) {
        reply_store_error(c);
        return;
    }
    if (!o.exists) {
        reply_null(c);
        return;
    }
    long long usage = (long long)info.entry_bytes;
    if (o.type != OBJ_STRING && o.count > 0) {
        long long el = elements_estimate(c, &o, samples);
        usage = el > LLONG_MAX - usage ? LLONG_MAX : usage + el;
    }
    tier_obj_free(&o);
    reply_longlong(c, usage);
}

/* ---------------------------------------------------------------------------
 * MEMORY STATS
 * ------------------------------------------------------------------------ */

typedef struct mem_figures {
    long long peak, total, startup, rss, clients;
    tier_hot_info hot;
    uint64_t block_cache, block_cache_capacity, memtables;
} mem_figures;

static void gather(mem_figures *f) {
    memset(f, 0, sizeof(*f));
    f->total = memory_sample_peak();
    f->peak = peak_allocated;
    f->startup = startup_allocated > 0 ? startup_allocated : 0;
    f->rss = allocator_rss();
    f->clients = clients_bytes();
    tier_hot_stats(&f->hot);
    tier_engine_property("rocksdb.block-cache-usage", &f->block_cache);
    f->block_cache_capacity = (uint64_t)server_config.rocksdb_block_cache_size;
    tier_engine_property("rocksdb.cur-size-all-mem-tables", &f->memtables);
}

/* A flat map, as Redis's (RESP2: name, value, name, value, ...).
 *
 *   peak.allocated      the most total.allocated was when sampled (every
 *                       MEMORY command samples it, and so does whoever calls
 *                       memory_sample_peak())
 *   total.allocated     what the process has allocated (INFO used_memory),
 *                       RocksDB's block cache and memtables included
 *   startup.allocated   total.allocated once the server had started (0 if
 *                       memory_note_startup() was not called)
 *   clients.normal      client structures and their query/output buffers
 *   overhead.total      startup + clients + the hot tier's bucket arrays
 *   keys.count          keys resident in the hot tier (not DBSIZE)
 *   keys.bytes-per-key  hot_tier.bytes / keys.count
 *   dataset.bytes       the hot tier's entries (hot_tier.bytes without the
 *                       bucket arrays): the dataset that is in memory
 *   dataset.percentage  dataset.bytes of (total - startup), as Redis
 *   peak.percentage     total of peak
 *   fragmentation       RSS / total.allocated, and .bytes = RSS - total
 *   hot_tier.bytes      what maxmemory bounds: entries plus bucket arrays
 *   hot_tier.maxmemory  the maxmemory setting (0: no limit)
 *   rocksdb.block-cache bytes in RocksDB's block cache
 *   rocksdb.memtables   bytes in RocksDB's memtables
 *
 * Left out because nothing in strata matches them: replication.backlog,
 * clients.slaves, cluster.links, aof.buffer, lua.caches, functions.caches,
 * the per-db hash table overheads (one table serves every db) and the
 * allocator.* figures (jemalloc's). */
static void memory_stats(client *c) {
    mem_figures f;
    gather(&f);
    long long buckets = (long long)f.hot.bucket_bytes;
    long long dataset = (long long)f.hot.bytes - buckets;
    long long net = f.total - f.startup;
    reply_map_len(c, 16);
    reply_bulk_cstr(c, "peak.allocated");
    reply_longlong(c, f.peak);
    reply_bulk_cstr(c, "total.allocated");
    reply_longlong(c, f.total);
    reply_bulk_cstr(c, "startup.allocated");
    reply_longlong(c, f.startup);
    reply_bulk_cstr(c, "clients.normal");
    reply_longlong(c, f.clients);
    reply_bulk_cstr(c, "overhead.total");
    reply_longlong(c, f.startup + f.clients + buckets);
    reply_bulk_cstr(c, "keys.count");
    reply_longlong(c, (long long)f.hot.keys);
    reply_bulk_cstr(c, "keys.bytes-per-key");
    reply_longlong(c, f.hot.keys ? (long long)(f.hot.bytes / f.hot.keys) : 0);
    reply_bulk_cstr(c, "dataset.bytes");
    reply_longlong(c, dataset);
    reply_bulk_cstr(c, "dataset.percentage");
    reply_double(c, net > 0 ? dataset * 100.0 / net : 0);
    reply_bulk_cstr(c, "peak.percentage");
    reply_double(c, f.peak > 0 ? f.total * 100.0 / f.peak : 0);
    reply_bulk_cstr(c, "fragmentation");
    reply_double(c, f.total > 0 ? (double)f.rss / f.total : 0);
    reply_bulk_cstr(c, "fragmentation.bytes");
    reply_longlong(c, f.rss - f.total);
    reply_bulk_cstr(c, "hot_tier.bytes");
    reply_longlong(c, (long long)f.hot.bytes);
    reply_bulk_cstr(c, "hot_tier.maxmemory");
    reply_longlong(c, server_config.maxmemory);
    reply_bulk_cstr(c, "rocksdb.block-cache");
    reply_longlong(c, (long long)f.block_cache);
    reply_bulk_cstr(c, "rocksdb.memtables");
    reply_longlong(c, (long long)f.memtables);
}

/* ---------------------------------------------------------------------------
 * MEMORY DOCTOR
 * ------------------------------------------------------------------------ */


static const char *policy_name(int policy) {
    static const char *names[] = {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                  "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
    return policy >= 0 && policy < 8 ? names[policy] : "noeviction";
}

/* What can be judged from the figures, in a few lines: the hot tier over
 * maxmemory with nothing evictable (writes get OOM), a hot tier that serves
 * few lookups while evicting (too small for the working set), and a large
 * gap between RSS and what is allocated. Otherwise the figures themselves. */
static void memory_doctor(client *c) {
    mem_figures f;
    gather(&f);
    char buf[2048];
    size_t len = 0;
    char hot[32], max[32], cache[32], cap[32], mem[32], rss[32], total[32];
    util_human_bytes(hot, sizeof(hot), (double)f.hot.bytes);
    util_human_bytes(max, sizeof(max), (double)server_config.maxmemory);
    util_human_bytes(cache, sizeof(cache), (double)f.block_cache);
    util_human_bytes(cap, sizeof(cap), (double)f.block_cache_capacity);
    util_human_bytes(mem, sizeof(mem), (double)f.memtables);
    util_human_bytes(rss, sizeof(rss), (double)f.rss);
    util_human_bytes(total, sizeof(total), (double)f.total);
    int policy = server_config.maxmemory_policy;
    int problems = 0;
#define SAY(...)                                                                                \
    do {                                                                                        \
        int n_ = snprintf(buf + len, sizeof(buf) - len, __VA_ARGS__);                           \
        if (n_ > 0) len = (size_t)n_ < sizeof(buf) - len ? len + (size_t)n_ : sizeof(buf) - 1;  \
    } while (0)
    if (server_config.maxmemory > 0 && f.hot.bytes > (uint64_t)server_config.maxmemory) {
        problems++;
        SAY("* The hot tier holds %s, more than maxmemory (%s), and nothing more can be evicted under "
            "maxmemory-policy %s: commands that may add data are refused with OOM. Raise maxmemory or choose "
            "an allkeys-* policy.\n",
            hot, max, policy_name(policy));
    }
    uint64_t lookups = f.hot.hits + f.hot.misses;
    if (lookups >= 1000 && f.hot.evictions > 0 && f.hot.hits * 2 < lookups) {
        problems++;
        SAY("* Only %.0f%% of lookups found their key in the hot tier, and %llu keys were evicted from it: "
            "the working set seems larger than maxmemory (%s). Each miss reads RocksDB.\n",
            f.hot.hits * 100.0 / lookups, (unsigned long long)f.hot.evictions, max);
    }
    if (f.total > 0 && f.rss > 64LL * 1024 * 1024 && f.rss > f.total * 3 / 2) {
        problems++;
        SAY("* The process's RSS (%s) is well above what it has allocated (%s): memory freed by the "
            "allocator is not returned to the system yet, or fragmentation.\n",
            rss, total);
    }
    if (!problems) SAY("No memory problems found.\n");
    SAY("Hot tier: %llu keys in %s (maxmemory %s, %s). RocksDB: block cache %s of %s, memtables %s.\n",
        (unsigned long long)f.hot.keys, hot, server_config.maxmemory ? max : "no limit", policy_name(policy),
        cache, cap, mem);
#undef SAY
    reply_verbatim(c, buf, len);
}

/* ---------------------------------------------------------------------------
 * MEMORY
 * ------------------------------------------------------------------------ */

void memoryCommand(client *c) {
    static const struct {
        const char *name;
        int arity; /* Redis convention: N exact, -N at least N */
    } subs[] = {{"doctor", 2}, {"help", 2}, {"malloc-stats", 2}, {"purge", 2}, {"stats", 2}, {"usage", -3}};
    int sub = -1;
    for (int i = 0; i < (int)(sizeof(subs) / sizeof(subs[0])); i++)
        if (arg_is(c, 1, subs[i].name)) sub = i;
    if (sub < 0) {
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try MEMORY HELP.", c->argv[1].ptr);
        return;
    }
    int arity = subs[sub].arity;
    if ((arity > 0 && c->argc != arity) || (arity < 0 && c->argc < -arity)) {
        reply_errorf(c, "ERR wrong number of arguments for 'memory|%s' command", subs[sub].name);
        return;
    }
    memory_sample_peak();
    const char *name = subs[sub].name;
    if (!strcmp(name, "usage")) {
        memory_usage(c);
    } else if (!strcmp(name, "stats")) {
        memory_stats(c);
    } else if (!strcmp(name, "doctor")) {
        memory_doctor(c);
    } else if (!strcmp(name, "malloc-stats")) {
        char *buf = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&buf, &len);
        if (fp) {
            if (allocator_write_stats(fp) < 0) len = 0;
            fclose(fp);
        }
        if (buf && len)
            reply_verbatim(c, buf, len);
        else
            reply_bulk_cstr(c, "Stats not supported for the current allocator");
        free(buf);
    } else if (!strcmp(name, "purge")) {
        allocator_purge();
        reply_ok(c);
    } else {
        static const char *help[] = {
            "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
            "HELP",
            "    Prints this help.",
        };
        int n = (int)(sizeof(help) / sizeof(help[0]));
        reply_array_len(c, n);
        for (int i = 0; i < n; i++) reply_status(c, help[i]);
    }
}
