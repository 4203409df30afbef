/* test_hot.c - unit tests for tiering/hot.c, the in-memory hot tier.
 *
 * The table is exercised through its public API only (hot.h); where a test
 * needs an entry to look old or hot, it edits the lru / lfu / lfu_time fields
 * of the entry hot_get() returned, as the header exposes them.
 *
 * Memory accounting is checked independently of the implementation: every
 * entry the test puts is measured with malloc_usable_size() (via hot_get), the
 * test keeps the sum for the live ones, and whatever stats.bytes reports on
 * top of that must look like bucket arrays (one power-of-two array of at
 * least 16 pointers, or two of them, n and 2n, while a rehash is running),
 * no more than the keys need: after a delete, outside a rehash, at most 8
 * buckets per key (sparse tables shrink).
 *
 * Random inputs come from a fixed-seed generator and the tier gets a fixed
 * seed too, so every run does the same thing.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "hot.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

static const uint8_t SEED[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static uint64_t rng_state;

static uint64_t rnd64(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double rnd01(void) { return (rnd64() >> 11) * (1.0 / 9007199254740992.0); }

static int setup(void **state) {
    hot_init(SEED);
    hot_set_lfu_params(10, 1);
    hot_stats_reset();
    rng_state = 0x5eed5eed12345678ULL;
    return 0;
}

static int teardown(void **state) {
    hot_free_all();
    return 0;
}

/* A meta record: [type][flags][expire_ms if any][body]. */
static size_t make_rec(char *out, int64_t expire_ms, const char *body, size_t blen) {
    size_t n = enc_meta_header(out, ENC_TYPE_STRING, expire_ms);
    memcpy(out + n, body, blen);
    return n + blen;
}

static void put_str(uint16_t pdb, const char *key, size_t klen, int64_t expire_ms, const char *val) {
    char rec[512];
    size_t n = make_rec(rec, expire_ms, val, strlen(val));
    hot_put(pdb, key, klen, rec, n, 0);
}

static void put_s(uint16_t pdb, const char *key, int64_t expire_ms, const char *val) {
    put_str(pdb, key, strlen(key), expire_ms, val);
}

static uint64_t st_bytes(void) {
    hot_stats s;
    hot_stats_get(&s);
    return s.bytes;
}

static uint64_t st_keys(void) {
    hot_stats s;
    hot_stats_get(&s);
    return s.keys;
}

/* The body of a resident string record, NUL-terminated in buf, or NULL. */
static const char *get_body(uint16_t pdb, const char *key, size_t klen, char *buf, size_t cap) {
    hot_entry *e = hot_get(pdb, key, klen);
    if (!e) return NULL;
    enc_meta m;
    assert_int_equal(enc_meta_parse(hot_record(e), e->rlen, &m), 0);
    assert_true(m.bodylen < cap);
    memcpy(buf, m.body, m.bodylen);
    buf[m.bodylen] = 0;
    return buf;
}

static int resident(uint16_t pdb, const char *key) { return hot_get(pdb, key, strlen(key)) != NULL; }

/* Bytes of bucket arrays that `b` can be: 16 * 2^k pointers, or while
 * rehashing two arrays, n and 2n pointers. Returns the number of buckets
 * (0 if b is no such amount); *rehashing says which of the two it is. */
static uint64_t bucket_shape(uint64_t b, int *rehashing) {
    *rehashing = 0;
    if (b == 0) return 0;
    if (b % sizeof(hot_entry *)) return 0;
    uint64_t n = b / sizeof(hot_entry *);
    if (n >= 16 && (n & (n - 1)) == 0) return n;
    if (n % 3 == 0) {
        uint64_t m = n / 3;
        if (m >= 16 && (m & (m - 1)) == 0) {
            *rehashing = 1;
            return n;
        }
    }
    return 0;
}

static uint64_t lru_now(void) { return (uint64_t)time(NULL) & 0xFFFFFF; }
static uint16_t minutes_now(void) { return (uint16_t)((time(NULL) / 60) & 0xFFFF); }

/* ------------------------------------------------------------------------
 * Basic operations
 * ---------------------------------------------------------------------- */

static void test_put_get_del_replace(void **state) {
    char buf[256];
    assert_null(hot_get(0, "a", 1));
    put_s(0, "a", 0, "one");
    assert_string_equal(get_body(0, "a", 1, buf, sizeof(buf)), "one");
    assert_int_equal(st_keys(), 1);

    /* replace: same key, new record (longer, with an expiry) */
    put_s(0, "a", 1234567, "a much longer value than before");
    hot_entry *e = hot_get(0, "a", 1);
    assert_non_null(e);
    assert_int_equal(e->klen, 1);
    assert_memory_equal(hot_key(e), "a", 1);
    enc_meta m;
    assert_int_equal(enc_meta_parse(hot_record(e), e->rlen, &m), 0);
    assert_int_equal(m.expire_ms, 1234567);
    assert_int_equal(m.bodylen, strlen("a much longer value than before"));
    assert_memory_equal(m.body, "a much longer value than before", m.bodylen);
    assert_int_equal(st_keys(), 1);

    /* a prefix or extension of the key is another key */
    assert_null(hot_get(0, "", 0));
    assert_null(hot_get(0, "aa", 2));

    hot_del(0, "a", 1);
    assert_null(hot_get(0, "a", 1));
    assert_int_equal(st_keys(), 0);
    hot_del(0, "a", 1); /* deleting a missing key is a no-op */
    hot_del(3, "zz", 2);
    assert_int_equal(st_keys(), 0);
}

static void test_binary_keys(void **state) {
    static const char *keys[] = {"", "\0", "\0\0", "a\0b", "a\0c", "\r\n", "\xff\xfe", "x"};
    static const size_t lens[] = {0, 1, 2, 3, 3, 2, 2, 1};
    const int n = (int)(sizeof(lens) / sizeof(lens[0]));
    char val[64];
    for (int i = 0; i < n; i++) {
        /* binary record bytes too */
        char rec[64];
        size_t vl = (size_t)snprintf(val, sizeof(val), "v%d", i);
        val[vl++] = 0;
        val[vl++] = '\xff';
        size_t rl = make_rec(rec, 0, val, vl);
        hot_put(0, keys[i], lens[i], rec, rl, 0);
    }
    assert_int_equal(st_keys(), n);
    for (int i = 0; i < n; i++) {
        hot_entry *e = hot_get(0, keys[i], lens[i]);
        assert_non_null(e);
        assert_int_equal(e->klen, lens[i]);
        if (lens[i]) assert_memory_equal(hot_key(e), keys[i], lens[i]);
        enc_meta m;
        assert_int_equal(enc_meta_parse(hot_record(e), e->rlen, &m), 0);
        size_t vl = (size_t)snprintf(val, sizeof(val), "v%d", i);
        val[vl++] = 0;
        val[vl++] = '\xff';
        assert_int_equal(m.bodylen, vl);
        assert_memory_equal(m.body, val, vl);
    }
    /* delete the embedded-NUL keys one at a time: the neighbours stay */
    hot_del(0, "a\0b", 3);
    assert_null(hot_get(0, "a\0b", 3));
    assert_non_null(hot_get(0, "a\0c", 3));
    assert_null(hot_get(0, "a", 1)); /* "a" alone was never put */
    hot_del(0, "", 0);
    assert_null(hot_get(0, "", 0));
    assert_non_null(hot_get(0, "\0", 1));
    assert_int_equal(st_keys(), n - 2);
}

static void test_same_key_two_dbs(void **state) {
    char buf[64];
    put_s(0, "k", 0, "db0");
    put_s(1, "k", 0, "db1");
    put_s(65535, "k", 0, "db65535");
    assert_int_equal(st_keys(), 3);
    assert_string_equal(get_body(0, "k", 1, buf, sizeof(buf)), "db0");
    assert_string_equal(get_body(1, "k", 1, buf, sizeof(buf)), "db1");
    assert_string_equal(get_body(65535, "k", 1, buf, sizeof(buf)), "db65535");
    assert_null(hot_get(2, "k", 1));
    assert_int_equal(hot_get(1, "k", 1)->pdb, 1);

    put_s(1, "k", 0, "db1-new"); /* replace in one db only */
    assert_string_equal(get_body(0, "k", 1, buf, sizeof(buf)), "db0");
    assert_string_equal(get_body(1, "k", 1, buf, sizeof(buf)), "db1-new");

    hot_del(0, "k", 1);
    assert_null(hot_get(0, "k", 1));
    assert_string_equal(get_body(1, "k", 1, buf, sizeof(buf)), "db1-new");
    assert_string_equal(get_body(65535, "k", 1, buf, sizeof(buf)), "db65535");
    assert_int_equal(st_keys(), 2);
}

static void test_stats_counters(void **state) {
    char rec[32];
    size_t n = make_rec(rec, 0, "v", 1);
    hot_put(0, "p", 1, rec, n, 1); /* promotion */
    hot_put(0, "w", 1, rec, n, 0); /* a write */
    assert_non_null(hot_get(0, "p", 1));
    assert_non_null(hot_get(0, "w", 1));
    assert_null(hot_get(0, "x", 1));
    hot_stats s;
    hot_stats_get(&s);
    assert_int_equal(s.hits, 2);
    assert_int_equal(s.misses, 1);
    assert_int_equal(s.promotions, 1);
    assert_int_equal(s.evictions, 0);
    assert_int_equal(s.keys, 2);
    assert_int_equal(hot_evict(0, HOT_ALLKEYS_RANDOM, 5), 2);
    hot_stats_get(&s);
    assert_int_equal(s.evictions, 2);
    hot_stats_reset();
    hot_stats_get(&s);
    assert_int_equal(s.hits + s.misses + s.promotions + s.evictions, 0);
}

/* ------------------------------------------------------------------------
 * Many keys, incremental rehash, memory accounting
 * ---------------------------------------------------------------------- */

#define BIG_N 200000

typedef struct {
    uint8_t *present;
    uint32_t *version;
    size_t *size; /* malloc_usable_size of the live entry */
    uint64_t live, entry_bytes;
    uint64_t rehash_seen, checks;
    uint64_t max_live;
} ref_set;

static size_t key_of(char *out, uint32_t i) {
    /* some keys carry binary bytes, lengths vary */
    size_t n = (size_t)snprintf(out, 32, "key:%u", i);
    if (i % 7 == 0) {
        out[n++] = 0;
        out[n++] = (char)(i & 0xFF);
    }
    return n;
}

static size_t val_of(char *out, uint32_t i, uint32_t ver) {
    return (size_t)snprintf(out, 64, "val-%u-%u%.*s", i, ver, (int)(i % 23), "xxxxxxxxxxxxxxxxxxxxxxxxxxx");
}

/* stats.bytes minus the entries must be bucket arrays, and keys the count. */
static void check_accounting(ref_set *r) {
    hot_stats s;
    hot_stats_get(&s);
    assert_int_equal(s.keys, r->live);
    assert_true(s.bytes >= r->entry_bytes);
    int rehashing;
    uint64_t buckets = bucket_shape(s.bytes - r->entry_bytes, &rehashing);
    if (buckets == 0) fail_msg("stats.bytes %llu - entries %llu = %llu is not bucket arrays",
                               (unsigned long long)s.bytes, (unsigned long long)r->entry_bytes,
                               (unsigned long long)(s.bytes - r->entry_bytes));
    /* enough buckets for the keys, and no runaway growth */
    assert_true(buckets >= r->live);
    assert_true(buckets <= 6 * (r->max_live + 16));
    r->rehash_seen += rehashing;
    r->checks++;
}

static void ref_put(ref_set *r, uint32_t i) {
    char k[32], v[64], rec[96];
    size_t kl = key_of(k, i);
    uint32_t ver = ++r->version[i];
    size_t rl = make_rec(rec, (i % 3 == 0) ? 1700000000000LL + i : 0, v, val_of(v, i, ver));
    hot_put((uint16_t)(i % 4), k, kl, rec, rl, 0);
    hot_entry *e = hot_get((uint16_t)(i % 4), k, kl);
    assert_non_null(e);
    if (r->present[i]) {
        r->entry_bytes -= r->size[i];
    } else {
        r->present[i] = 1;
        r->live++;
        if (r->live > r->max_live) r->max_live = r->live;
    }
    r->size[i] = malloc_usable_size(e);
    r->entry_bytes += r->size[i];
}

static void ref_del(ref_set *r, uint32_t i) {
    char k[32];
    size_t kl = key_of(k, i);
    hot_del((uint16_t)(i % 4), k, kl);
    if (r->present[i]) {
        r->present[i] = 0;
        r->live--;
        r->entry_bytes -= r->size[i];
    }
    /* a sparse table shrank */
    int rehashing;
    uint64_t buckets = bucket_shape(st_bytes() - r->entry_bytes, &rehashing);
    if (!rehashing && buckets > 16 && buckets > 8 * r->live)
        fail_msg("%llu buckets for %llu keys after a delete", (unsigned long long)buckets,
                 (unsigned long long)r->live);
}

static void ref_check_key(ref_set *r, uint32_t i) {
    char k[32], v[64];
    size_t kl = key_of(k, i);
    hot_entry *e = hot_get((uint16_t)(i % 4), k, kl);
    if (!r->present[i]) {
        if (e) fail_msg("key %u was deleted but is found", i);
        /* not in another db either: the db is part of the identity */
        assert_null(hot_get((uint16_t)((i + 1) % 4), k, kl));
        return;
    }
    if (!e) fail_msg("key %u is missing", i);
    assert_int_equal(e->pdb, i % 4);
    assert_int_equal(e->klen, kl);
    assert_memory_equal(hot_key(e), k, kl);
    enc_meta m;
    assert_int_equal(enc_meta_parse(hot_record(e), e->rlen, &m), 0);
    size_t vl = val_of(v, i, r->version[i]);
    assert_int_equal(m.bodylen, vl);
    assert_memory_equal(m.body, v, vl);
    assert_int_equal(m.expire_ms, (i % 3 == 0) ? 1700000000000LL + i : 0);
    assert_int_equal(malloc_usable_size(e), r->size[i]);
}

static void ref_check_all(ref_set *r, uint32_t upto) {
    for (uint32_t i = 0; i < upto; i++) ref_check_key(r, i);
    check_accounting(r);
}

static void test_many_keys_with_rehash(void **state) {
    ref_set r = {0};
    r.present = calloc(BIG_N, 1);
    r.version = calloc(BIG_N, sizeof(uint32_t));
    r.size = calloc(BIG_N, sizeof(size_t));
    assert_non_null(r.present);
    assert_non_null(r.version);
    assert_non_null(r.size);

    assert_int_equal(st_bytes(), 0);
    for (uint32_t i = 0; i < BIG_N; i++) {
        ref_put(&r, i);
        /* random deletes of earlier keys (present or not), and rewrites */
        if (rnd64() % 10 < 3) ref_del(&r, (uint32_t)(rnd64() % (i + 1)));
        if (rnd64() % 10 == 0) {
            uint32_t j = (uint32_t)(rnd64() % (i + 1));
            if (r.present[j]) ref_put(&r, j);
        }
        /* lookups in the middle of any rehash: a random earlier key, found
         * or not as the reference says */
        ref_check_key(&r, (uint32_t)(rnd64() % (i + 1)));
        check_accounting(&r);
        if (i % 50000 == 49999) ref_check_all(&r, i + 1);
    }
    ref_check_all(&r, BIG_N);
    /* the table grew many times, and lookups ran while it was moving */
    assert_true(r.rehash_seen > 1000);

    /* delete everything, in random order, checking as we go */
    uint32_t *order = malloc(BIG_N * sizeof(uint32_t));
    for (uint32_t i = 0; i < BIG_N; i++) order[i] = i;
    for (uint32_t i = BIG_N - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(rnd64() % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (uint32_t i = 0; i < BIG_N; i++) {
        ref_del(&r, order[i]);
        if ((i & 4095) == 0) {
            ref_check_key(&r, order[i]);
            ref_check_key(&r, order[BIG_N - 1 - i]);
            check_accounting(&r);
        }
    }
    free(order);
    assert_int_equal(r.live, 0);
    assert_int_equal(r.entry_bytes, 0);
    /* nothing left but the smallest bucket array */
    check_accounting(&r);
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *));
    for (uint32_t i = 0; i < BIG_N; i += 997) ref_check_key(&r, i);

    /* and it still works afterwards */
    ref_put(&r, 5);
    ref_check_key(&r, 5);
    check_accounting(&r);
    hot_clear();
    assert_int_equal(st_bytes(), 0);
    assert_int_equal(st_keys(), 0);
    free(r.present);
    free(r.version);
    free(r.size);
}

static void test_accounting_small(void **state) {
    assert_int_equal(st_bytes(), 0);
    put_s(0, "a", 0, "1");
    hot_entry *e = hot_get(0, "a", 1);
    uint64_t ea = malloc_usable_size(e);
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *) + ea);
    put_s(0, "b", 42, "a longer value, so a bigger block");
    uint64_t eb = malloc_usable_size(hot_get(0, "b", 1));
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *) + ea + eb);
    /* replace with a bigger record: the old block leaves the count */
    put_s(0, "a", 0, "now a rather long value, much longer than one byte: 0123456789012345678901234567890123");
    uint64_t ea2 = malloc_usable_size(hot_get(0, "a", 1));
    assert_true(ea2 > ea);
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *) + ea2 + eb);
    hot_del(0, "a", 1);
    hot_del(0, "b", 1);
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *));
    hot_clear();
    assert_int_equal(st_bytes(), 0);
}

/* ------------------------------------------------------------------------
 * hot_clear, hot_clear_db
 * ---------------------------------------------------------------------- */

static void test_clear(void **state) {
    char k[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(k, sizeof(k), "c%d", i);
        put_s((uint16_t)(i % 3), k, 0, "v");
    }
    assert_int_equal(st_keys(), 5000);
    hot_clear();
    assert_int_equal(st_keys(), 0);
    assert_int_equal(st_bytes(), 0);
    for (int i = 0; i < 5000; i += 37) {
        snprintf(k, sizeof(k), "c%d", i);
        assert_false(resident((uint16_t)(i % 3), k));
    }
    /* usable again, and with the same hashing (lookups find new puts) */
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "d%d", i);
        put_s(0, k, 0, "w");
    }
    for (int i = 0; i < 3000; i++) {
        snprintf(k, sizeof(k), "d%d", i);
        assert_true(resident(0, k));
    }
    assert_int_equal(st_keys(), 3000);
}

static void test_clear_db(void **state) {
    char k[32];
    uint64_t sizes[3] = {0};
    const int n = 6000;
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "c%d", i);
        put_s((uint16_t)(i % 3), k, 0, "value");
    }
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "c%d", i);
        sizes[i % 3] += malloc_usable_size(hot_get((uint16_t)(i % 3), k, strlen(k)));
    }
    uint64_t before = st_bytes();
    hot_clear_db(1);
    assert_int_equal(st_keys(), n - n / 3);
    assert_int_equal(st_bytes(), before - sizes[1]);
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "c%d", i);
        assert_int_equal(resident((uint16_t)(i % 3), k), i % 3 != 1);
    }
    hot_clear_db(1); /* nothing left there */
    hot_clear_db(7); /* never used */
    assert_int_equal(st_keys(), n - n / 3);
    hot_clear_db(0);
    hot_clear_db(2);
    assert_int_equal(st_keys(), 0);
    assert_int_equal(st_bytes(), 16 * sizeof(hot_entry *)); /* shrunk */
}

/* hot_clear_db in the middle of a rehash: entries sit in both arrays. */
static void test_clear_db_during_rehash(void **state) {
    char k[32];
    int n = 0;
    uint64_t entries = 0;
    int rehashing = 0;
    while (n < 100000) {
        snprintf(k, sizeof(k), "r%d", n);
        put_s((uint16_t)(n & 1), k, 0, "v");
        entries += malloc_usable_size(hot_get((uint16_t)(n & 1), k, strlen(k)));
        n++;
        bucket_shape(st_bytes() - entries, &rehashing);
        if (rehashing && n > 1000) break;
    }
    assert_true(rehashing);
    hot_clear_db(0);
    assert_int_equal(st_keys(), n / 2);
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "r%d", i);
        assert_int_equal(resident((uint16_t)(i & 1), k), i & 1);
    }
}

/* ------------------------------------------------------------------------
 * LFU
 * ---------------------------------------------------------------------- */

static void test_lfu_increment(void **state) {
    /* saturates */
    assert_int_equal(hot_lfu_increment(255, 10, 0.0), 255);
    assert_int_equal(hot_lfu_increment(255, 0, 0.0), 255);
    assert_int_equal(hot_lfu_increment(254, 0, 0.999), 255);
    /* at or below the initial value every hit counts */
    assert_int_equal(hot_lfu_increment(0, 10, 0.999), 1);
    assert_int_equal(hot_lfu_increment(5, 10, 0.999), 6);
    /* above it, p = 1 / ((c - 5) * factor + 1): c=6, factor 10 -> 1/11 */
    assert_int_equal(hot_lfu_increment(6, 10, 0.09), 7);
    assert_int_equal(hot_lfu_increment(6, 10, 0.091), 6);
    assert_int_equal(hot_lfu_increment(15, 10, 1.0 / 101 - 1e-9), 16);
    assert_int_equal(hot_lfu_increment(15, 10, 1.0 / 101 + 1e-9), 15);

    /* statistics: 1000 hits with factor 10 (Redis's table: ~18), with
     * factor 0 straight to 255 */
    int sum = 0;
    for (int run = 0; run < 20; run++) {
        uint8_t c = 5;
        for (int i = 0; i < 1000; i++) c = hot_lfu_increment(c, 10, rnd01());
        assert_true(c >= 10);
        assert_true(c <= 40);
        sum += c;
    }
    assert_true(sum / 20 >= 12 && sum / 20 <= 28);
    uint8_t c = 5;
    for (int i = 0; i < 1000; i++) c = hot_lfu_increment(c, 0, rnd01());
    assert_int_equal(c, 255);
    /* a larger factor grows more slowly */
    uint8_t c1 = 5, c100 = 5;
    for (int i = 0; i < 100000; i++) {
        c1 = hot_lfu_increment(c1, 1, rnd01());
        c100 = hot_lfu_increment(c100, 100, rnd01());
    }
    assert_true(c1 > c100);
    assert_true(c100 < 100);
}

static void test_lfu_decay(void **state) {
    assert_int_equal(hot_lfu_decay(10, 100, 100, 1), 10);
    assert_int_equal(hot_lfu_decay(10, 100, 103, 1), 7);
    assert_int_equal(hot_lfu_decay(10, 100, 105, 2), 8); /* 2 whole periods */
    assert_int_equal(hot_lfu_decay(10, 100, 101, 2), 10); /* less than one period */
    assert_int_equal(hot_lfu_decay(10, 100, 110, 1), 0);
    assert_int_equal(hot_lfu_decay(10, 100, 5000, 1), 0);
    assert_int_equal(hot_lfu_decay(255, 0, 255, 1), 0);
    assert_int_equal(hot_lfu_decay(255, 0, 254, 1), 1);
    /* decay-time 0: never decays */
    assert_int_equal(hot_lfu_decay(10, 100, 60000, 0), 10);
    /* the 16-bit minutes clock wraps */
    assert_int_equal(hot_lfu_decay(20, 65530, 3, 1), 11);
    assert_int_equal(hot_lfu_decay(20, 65535, 0, 1), 19);
    assert_int_equal(hot_lfu_decay(20, 65530, 3, 3), 17);
    assert_int_equal(hot_lfu_decay(200, 65000, 100, 10), 200 - (636 / 10));
}

/* Accesses through hot_get apply decay then increment, and a rewrite keeps
 * the key's history. */
static void test_lfu_touch(void **state) {
    hot_set_lfu_params(10, 1);
    put_s(0, "k", 0, "v");
    hot_entry *e = hot_get(0, "k", 1);
    assert_true(e->lfu >= 5 && e->lfu <= 7); /* new keys start at 5, +1 per early hit */

    uint16_t now = minutes_now();
    e->lfu = 50;
    e->lfu_time = (uint16_t)(now - 10);
    e = hot_get(0, "k", 1);
    /* 10 periods elapsed: 40, then maybe +1 */
    assert_true(e->lfu == 40 || e->lfu == 41);
    uint16_t t = e->lfu_time;
    assert_true((uint16_t)(minutes_now() - t) <= 1);

    /* a rewrite keeps the counter */
    e->lfu = 100;
    e->lfu_time = minutes_now();
    put_s(0, "k", 0, "new value");
    e = hot_get(0, "k", 1);
    assert_true(e->lfu >= 100 && e->lfu <= 102);

    /* a counter that decayed to 0 and is hit once is 1, and stays 1 for the
     * next period: the decrement time restarts with the hit */
    for (int attempt = 0; attempt < 3; attempt++) {
        uint16_t m0 = minutes_now();
        e->lfu = 0;
        e->lfu_time = (uint16_t)(m0 - 100);
        e = hot_get(0, "k", 1);
        uint8_t first = e->lfu;
        uint16_t stamp = e->lfu_time;
        e = hot_get(0, "k", 1);
        uint8_t second = e->lfu;
        if (minutes_now() != m0) continue; /* a minute tick in between: again */
        assert_int_equal(first, 1);
        assert_int_equal(stamp, m0);
        assert_int_equal(second, 2);
        return;
    }
    fail_msg("the minutes clock kept ticking");
}

/* ------------------------------------------------------------------------
 * Eviction
 * ---------------------------------------------------------------------- */

static void fill(int n, const char *prefix, int64_t expire_base, int every_nth_volatile) {
    char k[32];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "%s%05d", prefix, i);
        int64_t exp = (every_nth_volatile && i % every_nth_volatile == 0) ? expire_base + i : 0;
        put_s(0, k, exp, "some value of moderate length");
    }
}

static hot_entry *get_i(const char *prefix, int i) {
    char k[32];
    snprintf(k, sizeof(k), "%s%05d", prefix, i);
    return hot_get(0, k, strlen(k));
}

static int resident_i(const char *prefix, int i) {
    char k[32];
    snprintf(k, sizeof(k), "%s%05d", prefix, i);
    /* a hit updates lru/lfu: call this only once those no longer matter */
    return hot_get(0, k, strlen(k)) != NULL;
}

static uint64_t entry_size_i(const char *prefix, int i) { return malloc_usable_size(get_i(prefix, i)); }

static void check_evict_result(long evicted, uint64_t keys_before, uint64_t limit, uint64_t max_entry) {
    hot_stats s;
    hot_stats_get(&s);
    assert_int_equal(s.keys, keys_before - (uint64_t)evicted);
    assert_true(s.bytes <= limit);
    /* it stopped at the limit: one entry fewer evicted would be over it */
    assert_true(s.bytes + max_entry > limit);
}

static void test_evict_allkeys_lru(void **state) {
    const int n = 1000;
    fill(n, "k", 0, 0);
    uint32_t now = (uint32_t)lru_now();
    /* all old (ages 1000 s and up), then touch the odd ones: they are recent */
    for (int i = 0; i < n; i++) {
        hot_entry *e = get_i("k", i);
        e->lru = (now - 1000 - (uint32_t)i) & 0xFFFFFF;
    }
    for (int i = 1; i < n; i += 2) assert_non_null(get_i("k", i));
    uint64_t esize = entry_size_i("k", 0);
    uint64_t bytes = st_bytes();
    uint64_t limit = bytes - 300 * esize; /* room for 700 entries */
    hot_stats_reset();
    long ev = hot_evict(limit, HOT_ALLKEYS_LRU, 10);
    assert_int_equal(ev, 300);
    hot_stats s;
    hot_stats_get(&s);
    assert_int_equal(s.evictions, 300);
    check_evict_result(ev, n, limit, esize);
    int old_gone = 0, recent_gone = 0;
    for (int i = 0; i < n; i++) {
        hot_entry *e = NULL;
        e = get_i("k", i);
        if (!e) {
            if (i & 1)
                recent_gone++;
            else
                old_gone++;
        }
    }
    assert_int_equal(old_gone + recent_gone, 300);
    /* the best of 10 samples is a recent one only if all 10 are recent */
    assert_true(recent_gone <= 10);
}

/* With the default 5 samples the approximation is rougher, but the older an
 * entry, the likelier it goes. */
static void test_evict_allkeys_lru_age_order(void **state) {
    const int n = 2000;
    fill(n, "k", 0, 0);
    uint32_t now = (uint32_t)lru_now();
    for (int i = 0; i < n; i++) get_i("k", i)->lru = (now - 10 * (uint32_t)i) & 0xFFFFFF; /* k0 newest */
    uint64_t esize = entry_size_i("k", 0);
    uint64_t limit = st_bytes() - 1000 * esize;
    long ev = hot_evict(limit, HOT_ALLKEYS_LRU, 5);
    assert_int_equal(ev, 1000);
    int newest_gone = 0, oldest_gone = 0;
    for (int i = 0; i < 500; i++) newest_gone += !resident_i("k", i);
    for (int i = n - 500; i < n; i++) oldest_gone += !resident_i("k", i);
    assert_true(oldest_gone > 400);
    assert_true(newest_gone < 100);
}

static void test_evict_allkeys_lfu(void **state) {
    hot_set_lfu_params(10, 0); /* no decay during the test */
    const int n = 1000;
    fill(n, "f", 0, 0);
    for (int i = 0; i < n; i++) {
        hot_entry *e = get_i("f", i);
        e->lfu = (i % 2) ? 200 : 3;
        e->lfu_time = minutes_now();
    }
    uint64_t esize = entry_size_i("f", 0);
    uint64_t limit = st_bytes() - 300 * esize;
    long ev = hot_evict(limit, HOT_ALLKEYS_LFU, 10);
    assert_int_equal(ev, 300);
    check_evict_result(ev, n, limit, esize);
    int hot_gone = 0;
    for (int i = 1; i < n; i += 2) hot_gone += !resident_i("f", i);
    assert_true(hot_gone <= 10);
}

/* With decay on, a counter that was high long ago counts as low. */
static void test_evict_lfu_uses_decay(void **state) {
    hot_set_lfu_params(10, 1);
    fill(2, "d", 0, 0);
    hot_entry *a = get_i("d", 0), *b = get_i("d", 1);
    a->lfu = 100;
    a->lfu_time = (uint16_t)(minutes_now() - 95); /* decays to 5 */
    b->lfu = 50;
    b->lfu_time = minutes_now();
    assert_int_equal(hot_evict(st_bytes() - 1, HOT_ALLKEYS_LFU, 64), 1);
    assert_false(resident_i("d", 0));
    assert_true(resident_i("d", 1));
}

static void test_evict_volatile_only_with_expiry(void **state) {
    static const int policies[] = {HOT_VOLATILE_LRU, HOT_VOLATILE_LFU, HOT_VOLATILE_RANDOM, HOT_VOLATILE_TTL};
    for (size_t p = 0; p < sizeof(policies) / sizeof(policies[0]); p++) {
        hot_clear();
        const int n = 400;
        fill(n, "v", 1700000000000LL, 2); /* even ones have an expiry */
        /* make the persistent ones the "best" victims by every other
         * measure: oldest, least used */
        uint32_t now = (uint32_t)lru_now();
        for (int i = 1; i < n; i += 2) {
            hot_entry *e = get_i("v", i);
            e->lru = (now - 100000) & 0xFFFFFF;
            e->lfu = 0;
        }
        uint64_t before = st_keys();
        long ev = hot_evict(0, policies[p], 5); /* cannot be reached */
        assert_true(ev > 0);
        assert_int_equal(st_keys(), before - (uint64_t)ev);
        for (int i = 1; i < n; i += 2)
            if (!resident_i("v", i)) fail_msg("policy %d evicted v%d, which has no expiry", policies[p], i);
        int volatile_left = 0;
        for (int i = 0; i < n; i += 2) volatile_left += resident_i("v", i);
        assert_int_equal(volatile_left, n / 2 - ev);
        /* every key with an expiry went */
        assert_int_equal(volatile_left, 0);
        /* nothing to evict any more: a second call returns at once */
        assert_int_equal(hot_evict(0, policies[p], 5), 0);
    }
}

/* A few keys with an expiry among many without: eviction still finds them
 * ("until ... nothing more can go"). */
static void test_evict_volatile_rare(void **state) {
    const int n = 20000;
    fill(n, "r", 1700000000000LL, 2000); /* 10 volatile keys */
    long ev = hot_evict(0, HOT_VOLATILE_LRU, 5);
    assert_int_equal(ev, 10);
    for (int i = 0; i < n; i += 2000) assert_false(resident_i("r", i));
    assert_int_equal(st_keys(), n - 10);
}

static void test_evict_volatile_ttl_order(void **state) {
    /* two keys: the sooner expiry goes first */
    put_s(0, "late", 1700000009000LL, "v");
    put_s(0, "soon", 1700000001000LL, "v");
    put_s(0, "never", 0, "v");
    assert_int_equal(hot_evict(st_bytes() - 1, HOT_VOLATILE_TTL, 64), 1);
    assert_false(resident(0, "soon"));
    assert_true(resident(0, "late"));
    assert_true(resident(0, "never"));
    hot_clear();

    /* many: evicted ones come from the soonest among the samples */
    const int n = 200;
    char k[32];
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "t%05d", i);
        put_s(0, k, 1700000000000LL + 1000LL * ((i * 37) % n), "v"); /* expiry rank (i*37)%n */
        snprintf(k, sizeof(k), "p%05d", i);
        put_s(0, k, 0, "v");
    }
    uint64_t esize = entry_size_i("t", 0);
    uint64_t limit = st_bytes() - 40 * esize;
    assert_int_equal(hot_evict(limit, HOT_VOLATILE_TTL, 10), 40);
    int gone_late = 0, gone = 0;
    for (int i = 0; i < n; i++) {
        int rank = (i * 37) % n;
        if (!resident_i("t", i)) {
            gone++;
            if (rank >= n / 2) gone_late++;
        }
        assert_true(resident_i("p", i));
    }
    assert_int_equal(gone, 40);
    /* min of 10 samples lands in the later half with p ~ 2^-10 */
    assert_true(gone_late <= 2);
}

static void test_evict_stops_at_limit(void **state) {
    fill(3000, "s", 0, 0);
    uint64_t esize = entry_size_i("s", 0);
    static const int policies[] = {HOT_ALLKEYS_LRU, HOT_ALLKEYS_LFU, HOT_ALLKEYS_RANDOM};
    for (size_t p = 0; p < 3; p++) {
        uint64_t keys = st_keys(), bytes = st_bytes();
        uint64_t limit = bytes - 10 * esize - esize / 2; /* needs 11 */
        long ev = hot_evict(limit, policies[p], 5);
        assert_int_equal(ev, 11);
        check_evict_result(ev, keys, limit, esize);
        /* already under the limit: nothing more */
        assert_int_equal(hot_evict(limit, policies[p], 5), 0);
        assert_int_equal(hot_evict(st_bytes(), policies[p], 5), 0);
    }
    /* a limit below the bucket arrays empties the table and stops */
    long ev = hot_evict(1, HOT_ALLKEYS_RANDOM, 5);
    assert_int_equal(ev, 3000 - 33);
    assert_int_equal(st_keys(), 0);
    assert_true(st_bytes() > 1);
    assert_int_equal(hot_evict(1, HOT_ALLKEYS_LRU, 5), 0);
}

static void test_evict_allkeys_random(void **state) {
    fill(1000, "x", 1700000000000LL, 3);
    uint64_t limit = st_bytes() / 2;
    long ev = hot_evict(limit, HOT_ALLKEYS_RANDOM, 5);
    assert_true(ev > 300 && ev < 700);
    assert_true(st_bytes() <= limit);
    /* both kinds went: random ignores expiry */
    int vol = 0, per = 0;
    for (int i = 0; i < 1000; i++) {
        if (resident_i("x", i)) continue;
        if (i % 3 == 0)
            vol++;
        else
            per++;
    }
    assert_true(vol > 0 && per > 0);
    assert_int_equal(vol + per, ev);
    /* samples <= 0 means the default */
    assert_true(hot_evict(limit / 2, HOT_ALLKEYS_RANDOM, 0) > 0);
    assert_true(st_bytes() <= limit / 2);
}

static void test_evict_noeviction(void **state) {
    fill(500, "n", 1700000000000LL, 2);
    uint64_t bytes = st_bytes(), keys = st_keys();
    assert_int_equal(hot_evict(0, HOT_NO_EVICTION, 5), 0);
    assert_int_equal(st_bytes(), bytes);
    assert_int_equal(st_keys(), keys);
    for (int i = 0; i < 500; i++) assert_true(resident_i("n", i));
    hot_stats s;
    hot_stats_get(&s);
    assert_int_equal(s.evictions, 0);
}

/* Eviction while the table is rehashing samples both arrays and leaves a
 * consistent table. */
static void test_evict_during_rehash(void **state) {
    char k[32];
    uint64_t entries = 0;
    int n = 0, rehashing = 0;
    while (n < 100000) {
        snprintf(k, sizeof(k), "e%d", n);
        put_s(0, k, 0, "v");
        entries += malloc_usable_size(hot_get(0, k, strlen(k)));
        n++;
        bucket_shape(st_bytes() - entries, &rehashing);
        if (rehashing && n > 4000) break;
    }
    assert_true(rehashing);
    uint64_t limit = st_bytes() - entries / 2;
    long ev = hot_evict(limit, HOT_ALLKEYS_RANDOM, 5);
    assert_true(ev > 0);
    assert_true(st_bytes() <= limit);
    int left = 0;
    uint64_t left_bytes = 0;
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "e%d", i);
        hot_entry *e = hot_get(0, k, strlen(k));
        if (e) {
            left++;
            left_bytes += malloc_usable_size(e);
        }
    }
    assert_int_equal(left, n - ev);
    assert_int_equal(st_keys(), (uint64_t)left);
    assert_true(bucket_shape(st_bytes() - left_bytes, &rehashing) > 0);
}

/* A table that held many keys gives its bucket arrays back as they go, so
 * they never hold the tier over a limit by themselves. */
static void test_shrink(void **state) {
    char k[32];
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "s%06d", i);
        put_s(0, k, 0, "v");
    }
    uint64_t esize = malloc_usable_size(hot_get(0, "s000000", 7));
    uint64_t full = st_bytes();
    assert_true(full - n * esize >= 131072 * sizeof(hot_entry *));
    /* delete all but every 100th */
    for (int i = 0; i < n; i++) {
        if (i % 100 == 0) continue;
        snprintf(k, sizeof(k), "s%06d", i);
        hot_del(0, k, strlen(k));
    }
    assert_int_equal(st_keys(), n / 100);
    int rehashing;
    uint64_t buckets = bucket_shape(st_bytes() - (n / 100) * esize, &rehashing);
    assert_true(buckets >= n / 100 && buckets <= 8 * (n / 100));
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "s%06d", i);
        assert_int_equal(hot_get(0, k, strlen(k)) != NULL, i % 100 == 0);
    }

    /* eviction to a limit below the grown arrays keeps some entries: the
     * table shrinks as it empties instead of being evicted to nothing */
    hot_clear();
    for (int i = 0; i < n; i++) {
        snprintf(k, sizeof(k), "s%06d", i);
        put_s(0, k, 0, "v");
    }
    uint64_t limit = 200 * 1024; /* the arrays alone are 1 MB */
    long ev = hot_evict(limit, HOT_ALLKEYS_LRU, 5);
    assert_true(st_bytes() <= limit);
    assert_true(st_keys() > 1000);
    assert_int_equal(st_keys(), n - ev);
}

/* ------------------------------------------------------------------------
 * Introspection without access (OBJECT IDLETIME/FREQ, MEMORY USAGE)
 * ---------------------------------------------------------------------- */

static void test_peek_is_not_an_access(void **state) {
    put_s(0, "k", 0, "value");
    hot_entry *e = hot_get(0, "k", 1);
    assert_non_null(e);
    /* make it look idle and warm, with a decay period just started */
    e->lru = (uint32_t)((lru_now() - 100) & 0xFFFFFF);
    e->lfu = 20;
    e->lfu_time = minutes_now();
    hot_stats before, after;
    hot_stats_get(&before);
    for (int i = 0; i < 50; i++) {
        const hot_entry *p = hot_peek(0, "k", 1);
        assert_ptr_equal(p, e);
        assert_true(hot_idle_seconds(p) >= 100 && hot_idle_seconds(p) <= 102);
        assert_int_equal(hot_lfu_now(p), 20);
    }
    assert_null(hot_peek(0, "nokey", 5));
    assert_null(hot_peek(1, "k", 1)); /* another db */
    hot_stats_get(&after);
    assert_int_equal(after.hits, before.hits);
    assert_int_equal(after.misses, before.misses);
    assert_int_equal(after.bytes, before.bytes);
    assert_int_equal(e->lfu, 20);
    assert_true(hot_idle_seconds(e) >= 100);
    /* a real access resets the idle time */
    hot_get(0, "k", 1);
    assert_true(hot_idle_seconds(e) <= 1);
}

static void test_lfu_now_decays_without_storing(void **state) {
    put_s(0, "k", 0, "v");
    hot_entry *e = hot_get(0, "k", 1);
    e->lfu = 10;
    e->lfu_time = (uint16_t)(minutes_now() - 3); /* three 1-minute periods ago */
    assert_int_equal(hot_lfu_now(e), 7);
    assert_int_equal(e->lfu, 10);
    assert_int_equal(hot_lfu_now(e), 7);
    e->lfu_time = (uint16_t)(minutes_now() - 30);
    assert_int_equal(hot_lfu_now(e), 0);
    hot_set_lfu_params(10, 0); /* lfu-decay-time 0: never decays */
    assert_int_equal(hot_lfu_now(e), 10);
}

static void test_entry_bytes(void **state) {
    char val[300];
    memset(val, 'x', sizeof(val) - 1);
    val[sizeof(val) - 1] = 0;
    put_s(0, "key", 0, val);
    const hot_entry *e = hot_peek(0, "key", 3);
    assert_int_equal(hot_entry_bytes(e), malloc_usable_size((void *)e));
    assert_int_equal(hot_entry_bytes_for(e->klen, e->rlen), hot_entry_bytes(e));
    assert_true(hot_entry_bytes_for(3, 1000) >= sizeof(hot_entry) + 1003);
    /* the bucket arrays are what stats.bytes holds beyond the entries */
    assert_int_equal(st_bytes() - hot_entry_bytes(e), hot_bucket_bytes());
    assert_int_equal(hot_bucket_bytes(), 16 * sizeof(hot_entry *));
}

/* ------------------------------------------------------------------------
 * Admission
 * ---------------------------------------------------------------------- */

static uint64_t st_deferred(void) {
    hot_stats st;
    hot_stats_get(&st);
    return st.deferred;
}

static void test_admission(void **state) {
    /* no limit: every read is admitted */
    hot_set_limit(0);
    assert_int_equal(hot_admit(0, "x", 1), 1);
    fill(1000, "s", 0, 0);
    /* plenty of room (below 90% of the limit): admitted at once */
    hot_set_limit(st_bytes() * 2);
    assert_int_equal(hot_admit(0, "x", 1), 1);
    assert_int_equal(st_deferred(), 0);
    /* near the limit: the second read within the window is admitted */
    hot_set_limit(st_bytes());
    assert_int_equal(hot_admit(0, "x", 1), 0);
    assert_int_equal(hot_admit(0, "y", 1), 0);
    assert_int_equal(hot_admit(0, "x", 1), 1);
    assert_int_equal(hot_admit(0, "y", 1), 1);
    /* admitting forgets the key: a later read is a first sighting again */
    assert_int_equal(hot_admit(0, "x", 1), 0);
    /* the same key in another db is another key */
    assert_int_equal(hot_admit(1, "y", 1), 0);
    assert_int_equal(st_deferred(), 4);
    /* a one-off pass over many keys admits none of them */
    int admitted = 0;
    char k[32];
    for (int i = 0; i < 10000; i++) admitted += hot_admit(0, k, (size_t)snprintf(k, sizeof(k), "pass%d", i));
    assert_int_equal(admitted, 0);
    hot_set_limit(0);
    assert_int_equal(hot_admit(0, "z", 1), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_get_del_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_key_two_dbs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_counters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accounting_small, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_keys_with_rehash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shrink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_db, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clear_db_during_rehash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lfu_increment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lfu_decay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lfu_touch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_allkeys_lru, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_allkeys_lru_age_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_allkeys_lfu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_lfu_uses_decay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_volatile_only_with_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_volatile_rare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_volatile_ttl_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_stops_at_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_allkeys_random, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_noeviction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evict_during_rehash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peek_is_not_an_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lfu_now_decays_without_storing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admission, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
