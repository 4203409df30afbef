/* test_encoding.c - unit tests for engine/encoding.c.
 *
 * Two kinds of checks:
 *   - round trips: every builder's output parses back to what went in, and
 *     parsers reject buffers too short to hold their fixed part;
 *   - byte order: RocksDB sorts keys with a bytewise comparator (memcmp over
 *     the common length, then the shorter key first), and the server relies
 *     on that order being the numeric/structural order documented in
 *     encoding.h (expire keys by time, meta keys by db then hash, SCAN
 *     cursors as seek positions). Those properties are checked on random
 *     inputs from a fixed-seed generator, so a failure is reproducible.
 *
 * The SipHash-2-4 vectors are the published ones of the reference
 * implementation (veorq/SipHash vectors.h, vectors_sip64): key 00 01 .. 0f,
 * message i = 00 01 .. (i-1), digest bytes little-endian.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

/* ------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------- */

/* splitmix64: small, fixed-seed, good enough to spread test inputs. */
static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint64_t rnd64(void) {
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A random value with a random number of significant bits, so small values,
 * values differing only in low bytes and full-width values all show up. */
static uint64_t rnd_width64(void) {
    unsigned bits = (unsigned)(rnd64() % 65);
    if (bits == 0) return 0;
    uint64_t v = rnd64();
    return bits == 64 ? v : v & ((1ULL << bits) - 1);
}

static int sign(long long x) { return (x > 0) - (x < 0); }

/* RocksDB's default (bytewise) comparator. */
static int bytewise(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return sign(c);
    return sign((long long)alen - (long long)blen);
}

static int ucmp(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

/* A random key of 0..maxlen bytes over a small alphabet that includes NUL,
 * so equal prefixes and prefix-of relations are common. */
static size_t rnd_key(char *out, size_t maxlen) {
    size_t len = (size_t)(rnd64() % (maxlen + 1));
    static const char alphabet[] = {'\0', 'a', 'b', '\xff', '\x7f', '\x80'};
    for (size_t i = 0; i < len; i++) out[i] = alphabet[rnd64() % sizeof(alphabet)];
    return len;
}

/* ------------------------------------------------------------------------
 * Fixed-width integers
 * ---------------------------------------------------------------------- */

static void test_u16_roundtrip(void **state) {
    (void)state;
    char b[2];
    /* Every value: the space is small. */
    for (uint32_t v = 0; v <= 0xFFFF; v++) {
        enc_put_u16(b, (uint16_t)v);
        assert_int_equal(enc_get_u16(b), v);
    }
    enc_put_u16(b, 0x1234);
    assert_memory_equal(b, "\x12\x34", 2);
    enc_put_u16(b, 0xFF80);
    assert_memory_equal(b, "\xff\x80", 2);
}

static void test_u32_roundtrip(void **state) {
    (void)state;
    char b[4];
    static const uint32_t fixed[] = {0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        enc_put_u32(b, fixed[i]);
        assert_int_equal(enc_get_u32(b), fixed[i]);
    }
    for (int i = 0; i < 100000; i++) {
        uint32_t v = (uint32_t)rnd_width64();
        enc_put_u32(b, v);
        assert_int_equal(enc_get_u32(b), v);
    }
    enc_put_u32(b, 0x01020304);
    assert_memory_equal(b, "\x01\x02\x03\x04", 4);
    enc_put_u32(b, 0xFEDCBA98);
    assert_memory_equal(b, "\xfe\xdc\xba\x98", 4);
}

static void test_u64_roundtrip(void **state) {
    (void)state;
    char b[8];
    static const uint64_t fixed[] = {0,
                                     1,
                                     0x7F,
                                     0x80,
                                     0xFF,
                                     0x100,
                                     0xFFFFFFFFULL,
                                     0x100000000ULL,
                                     0x7FFFFFFFFFFFFFFFULL,
                                     0x8000000000000000ULL,
                                     0xFFFFFFFFFFFFFFFFULL};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        enc_put_u64(b, fixed[i]);
        assert_true(enc_get_u64(b) == fixed[i]);
    }
    for (int i = 0; i < 100000; i++) {
        uint64_t v = rnd_width64();
        enc_put_u64(b, v);
        assert_true(enc_get_u64(b) == v);
    }
    enc_put_u64(b, 0x0102030405060708ULL);
    assert_memory_equal(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    enc_put_u64(b, 0xF0E0D0C0B0A09080ULL);
    assert_memory_equal(b, "\xf0\xe0\xd0\xc0\xb0\xa0\x90\x80", 8);
}

/* Writers touch exactly their width: neighbours stay intact, and a reader
 * at an odd offset works (no alignment assumptions). */
static void test_int_width_and_alignment(void **state) {
    (void)state;
    char buf[16];
    memset(buf, 0xAA, sizeof(buf));
    enc_put_u16(buf + 1, 0xFFFF);
    assert_int_equal((unsigned char)buf[0], 0xAA);
    assert_int_equal((unsigned char)buf[3], 0xAA);
    assert_int_equal(enc_get_u16(buf + 1), 0xFFFF);

    memset(buf, 0xAA, sizeof(buf));
    enc_put_u32(buf + 3, 0);
    assert_int_equal((unsigned char)buf[2], 0xAA);
    assert_int_equal((unsigned char)buf[7], 0xAA);
    assert_int_equal(enc_get_u32(buf + 3), 0);

    memset(buf, 0xAA, sizeof(buf));
    enc_put_u64(buf + 5, 0);
    assert_int_equal((unsigned char)buf[4], 0xAA);
    assert_int_equal((unsigned char)buf[13], 0xAA);
    assert_true(enc_get_u64(buf + 5) == 0);
}

static void test_u64_byte_order(void **state) {
    (void)state;
    char a[8], b[8];
    for (int i = 0; i < 200000; i++) {
        uint64_t x = rnd_width64(), y;
        switch (i % 4) {
        case 0: y = rnd_width64(); break;
        case 1: y = x + (rnd64() % 512) - 256; break; /* neighbours, wrapping */
        case 2: y = x ^ (1ULL << (rnd64() % 64)); break; /* one bit apart */
        default: y = x; break;
        }
        enc_put_u64(a, x);
        enc_put_u64(b, y);
        assert_int_equal(sign(memcmp(a, b, 8)), ucmp(x, y));
    }
    /* The edges: the sign bit must not flip the order. */
    enc_put_u64(a, 0x7FFFFFFFFFFFFFFFULL);
    enc_put_u64(b, 0x8000000000000000ULL);
    assert_true(memcmp(a, b, 8) < 0);
    enc_put_u64(a, 0);
    enc_put_u64(b, UINT64_MAX);
    assert_true(memcmp(a, b, 8) < 0);
}

static void test_u32_byte_order(void **state) {
    (void)state;
    char a[4], b[4];
    for (int i = 0; i < 100000; i++) {
        uint32_t x = (uint32_t)rnd_width64(), y = i & 1 ? (uint32_t)rnd_width64() : x + (uint32_t)(rnd64() % 64) - 32;
        enc_put_u32(a, x);
        enc_put_u32(b, y);
        assert_int_equal(sign(memcmp(a, b, 4)), ucmp(x, y));
    }
}

static void test_u16_byte_order(void **state) {
    (void)state;
    char a[2], b[2];
    for (int i = 0; i < 200000; i++) {
        uint16_t x = (uint16_t)rnd64(), y = (uint16_t)rnd64();
        if (i % 3 == 0) y = (uint16_t)(x + 1);
        if (i % 5 == 0) y = (uint16_t)(x ^ (1u << (rnd64() % 16)));
        enc_put_u16(a, x);
        enc_put_u16(b, y);
        assert_int_equal(sign(memcmp(a, b, 2)), ucmp(x, y));
    }
    /* Every neighbour pair, exhaustively. */
    for (uint32_t v = 0; v < 0xFFFF; v++) {
        enc_put_u16(a, (uint16_t)v);
        enc_put_u16(b, (uint16_t)(v + 1));
        assert_true(memcmp(a, b, 2) < 0);
    }
}

/* ------------------------------------------------------------------------
 * meta CF keys
 * ---------------------------------------------------------------------- */

static void check_meta_roundtrip(uint16_t db, uint64_t hash, const char *key, size_t klen) {
    size_t need = enc_meta_key_len(klen);
    assert_int_equal(need, ENC_META_KEY_PREFIX + klen);
    /* Guard bytes after the buffer catch an overrun. */
    char *buf = malloc(need + 4);
    memset(buf, 0x5A, need + 4);
    size_t n = enc_meta_key(buf, db, hash, key, klen);
    assert_int_equal(n, need);
    assert_memory_equal(buf + need, "\x5a\x5a\x5a\x5a", 4);

    uint16_t pdb = 0xBEEF;
    uint64_t ph = 0;
    const char *pk = NULL;
    size_t pklen = 12345;
    assert_int_equal(enc_meta_key_parse(buf, n, &pdb, &ph, &pk, &pklen), 0);
    assert_int_equal(pdb, db);
    assert_true(ph == hash);
    assert_int_equal(pklen, klen);
    assert_ptr_equal(pk, buf + ENC_META_KEY_PREFIX);
    if (klen) assert_memory_equal(pk, key, klen);

    /* The layout is the documented one: [db u16][hash u64][key]. */
    assert_int_equal(enc_get_u16(buf), db);
    assert_true(enc_get_u64(buf + 2) == hash);

    /* The seek prefix is the key's first 10 bytes. */
    char seek[ENC_META_KEY_PREFIX];
    assert_int_equal(enc_meta_seek(seek, db, hash), ENC_META_KEY_PREFIX);
    assert_memory_equal(seek, buf, ENC_META_KEY_PREFIX);
    free(buf);
}

static void test_meta_key_roundtrip(void **state) {
    (void)state;
    check_meta_roundtrip(0, 0, "", 0);
    check_meta_roundtrip(0, 0, "k", 1);
    check_meta_roundtrip(15, 0x0123456789ABCDEFULL, "hello", 5);
    check_meta_roundtrip(0xFFFF, UINT64_MAX, "a\0b\0", 4);
    check_meta_roundtrip(1, 1, NULL, 0); /* empty key may come with no pointer */

    char big[1000];
    for (size_t i = 0; i < sizeof(big); i++) big[i] = (char)i;
    check_meta_roundtrip(3, 42, big, sizeof(big));

    char key[40];
    for (int i = 0; i < 5000; i++) {
        size_t klen = rnd_key(key, sizeof(key));
        check_meta_roundtrip((uint16_t)rnd64(), rnd_width64(), key, klen);
    }
}

static void test_meta_key_parse_rejects_short(void **state) {
    (void)state;
    char buf[ENC_META_KEY_PREFIX];
    enc_meta_seek(buf, 7, 99);
    uint16_t db;
    uint64_t h;
    const char *k;
    size_t kl;
    for (size_t len = 0; len < ENC_META_KEY_PREFIX; len++)
        assert_int_equal(enc_meta_key_parse(buf, len, &db, &h, &k, &kl), -1);
    /* Exactly the prefix: a valid meta key of the empty user key. */
    assert_int_equal(enc_meta_key_parse(buf, ENC_META_KEY_PREFIX, &db, &h, &k, &kl), 0);
    assert_int_equal(db, 7);
    assert_true(h == 99);
    assert_int_equal(kl, 0);
}

/* ------------------------------------------------------------------------
 * Metadata records
 * ---------------------------------------------------------------------- */

static void check_meta_value(uint8_t type, int64_t expire_ms, const char *body, size_t blen) {
    size_t hl = enc_meta_header_len(expire_ms);
    assert_int_equal(hl, expire_ms ? 10u : 2u);
    char *v = malloc(hl + blen + 4);
    memset(v, 0x5A, hl + blen + 4);
    assert_int_equal(enc_meta_header(v, type, expire_ms), hl);
    assert_memory_equal(v + hl, "\x5a\x5a\x5a\x5a", 4); /* header wrote no further */
    if (blen) memcpy(v + hl, body, blen);

    enc_meta m;
    memset(&m, 0x77, sizeof(m));
    assert_int_equal(enc_meta_parse(v, hl + blen, &m), 0);
    assert_int_equal(m.type, type);
    assert_true(m.expire_ms == expire_ms);
    assert_int_equal(m.flags & ENC_META_EXPIRES, expire_ms ? ENC_META_EXPIRES : 0);
    assert_int_equal(m.bodylen, blen);
    assert_ptr_equal(m.body, v + hl);
    if (blen) assert_memory_equal(m.body, body, blen);

    /* Documented bytes: type, flags, big-endian expire-at. */
    assert_int_equal((uint8_t)v[0], type);
    assert_int_equal((uint8_t)v[1], expire_ms ? ENC_META_EXPIRES : 0);
    if (expire_ms) assert_true((int64_t)enc_get_u64(v + 2) == expire_ms);
    free(v);
}

static void test_meta_value_roundtrip(void **state) {
    (void)state;
    static const uint8_t types[] = {ENC_TYPE_STRING, ENC_TYPE_LIST, ENC_TYPE_SET,
                                    ENC_TYPE_ZSET,   ENC_TYPE_HASH, ENC_TYPE_STREAM};
    static const int64_t exps[] = {0, 1, 1700000000000LL, 253402300799999LL, INT64_MAX};
    for (size_t t = 0; t < sizeof(types); t++) {
        for (size_t e = 0; e < sizeof(exps) / sizeof(exps[0]); e++) {
            check_meta_value(types[t], exps[e], "", 0);
            check_meta_value(types[t], exps[e], "v", 1);
            check_meta_value(types[t], exps[e], "\0\0\x01\xff", 4);
            /* A body that looks like an expiry must not be taken for one. */
            check_meta_value(types[t], exps[e], "\x00\x00\x01\x8b\xcf\xe5\x68\x00", 8);
        }
    }
    char body[300];
    for (int i = 0; i < 2000; i++) {
        size_t bl = (size_t)(rnd64() % sizeof(body));
        for (size_t j = 0; j < bl; j++) body[j] = (char)rnd64();
        int64_t e = (int64_t)(rnd64() >> 1); /* non-negative */
        if (i % 3 == 0) e = 0;
        check_meta_value((uint8_t)(rnd64() % 6), e, body, bl);
    }
}

static void test_meta_value_rejects_short(void **state) {
    (void)state;
    enc_meta m;
    /* Fewer than the two fixed bytes. */
    assert_int_equal(enc_meta_parse("", 0, &m), -1);
    assert_int_equal(enc_meta_parse("\x00", 1, &m), -1);
    /* The flag promises an expiry that is not (all) there. */
    char v[10];
    enc_meta_header(v, ENC_TYPE_STRING, 1700000000000LL);
    for (size_t len = 2; len < 10; len++) assert_int_equal(enc_meta_parse(v, len, &m), -1);
    assert_int_equal(enc_meta_parse(v, 10, &m), 0);
    assert_true(m.expire_ms == 1700000000000LL);
    assert_int_equal(m.bodylen, 0);
    /* No flag: two bytes are a whole record with an empty body. */
    enc_meta_header(v, ENC_TYPE_HASH, 0);
    assert_int_equal(enc_meta_parse(v, 2, &m), 0);
    assert_int_equal(m.type, ENC_TYPE_HASH);
    assert_true(m.expire_ms == 0);
    assert_int_equal(m.bodylen, 0);
}

/* ------------------------------------------------------------------------
 * expire CF keys
 * ---------------------------------------------------------------------- */

static void check_expire_roundtrip(int64_t when, uint16_t db, const char *key, size_t klen) {
    size_t need = enc_expire_key_len(klen);
    assert_int_equal(need, 10 + klen);
    char *buf = malloc(need + 4);
    memset(buf, 0x5A, need + 4);
    assert_int_equal(enc_expire_key(buf, when, db, key, klen), need);
    assert_memory_equal(buf + need, "\x5a\x5a\x5a\x5a", 4);
    int64_t pw = -1;
    uint16_t pdb = 0;
    const char *pk = NULL;
    size_t pkl = 999;
    assert_int_equal(enc_expire_key_parse(buf, need, &pw, &pdb, &pk, &pkl), 0);
    assert_true(pw == when);
    assert_int_equal(pdb, db);
    assert_int_equal(pkl, klen);
    assert_ptr_equal(pk, buf + 10);
    if (klen) assert_memory_equal(pk, key, klen);
    assert_true((int64_t)enc_get_u64(buf) == when);
    assert_int_equal(enc_get_u16(buf + 8), db);
    free(buf);
}

static void test_expire_key_roundtrip(void **state) {
    (void)state;
    check_expire_roundtrip(0, 0, "", 0);
    check_expire_roundtrip(1700000000000LL, 3, "key", 3);
    check_expire_roundtrip(INT64_MAX, 0xFFFF, "\0\0", 2);
    check_expire_roundtrip(5, 1, NULL, 0);
    char key[40];
    for (int i = 0; i < 5000; i++) {
        size_t kl = rnd_key(key, sizeof(key));
        check_expire_roundtrip((int64_t)(rnd_width64() >> 1), (uint16_t)rnd64(), key, kl);
    }
}

static void test_expire_key_rejects_short(void **state) {
    (void)state;
    char buf[10];
    enc_expire_key(buf, 123, 4, NULL, 0);
    int64_t w;
    uint16_t db;
    const char *k;
    size_t kl;
    for (size_t len = 0; len < 10; len++) assert_int_equal(enc_expire_key_parse(buf, len, &w, &db, &k, &kl), -1);
    assert_int_equal(enc_expire_key_parse(buf, 10, &w, &db, &k, &kl), 0);
    assert_true(w == 123);
    assert_int_equal(db, 4);
    assert_int_equal(kl, 0);
}

/* ------------------------------------------------------------------------
 * default CF records
 * ---------------------------------------------------------------------- */

static void test_keycount_key(void **state) {
    (void)state;
    char a[6 + 2], b[6];
    memset(a, 0x5A, sizeof(a));
    assert_int_equal(enc_keycount_key(a, 0x0102), 6);
    assert_memory_equal(a, "keys\x01\x02", 6);
    assert_memory_equal(a + 6, "\x5a\x5a", 2);
    assert_int_equal(enc_get_u16(a + 4), 0x0102);
    /* Distinct per db, and in db order (no two dbs share a record). */
    for (uint32_t d = 0; d < 0xFFFF; d++) {
        enc_keycount_key(a, (uint16_t)d);
        enc_keycount_key(b, (uint16_t)(d + 1));
        assert_true(memcmp(a, b, 6) < 0);
        assert_int_equal(enc_get_u16(a + 4), d);
    }
    /* None of the store-wide record names collides with a keycount key. */
    const char *names[] = {ENC_REC_SEED, ENC_REC_DBMAP, ENC_REC_FORMAT};
    for (size_t i = 0; i < 3; i++) assert_false(strlen(names[i]) == 6 && !memcmp(names[i], "keys", 4));
}

/* ------------------------------------------------------------------------
 * Byte order of composite keys
 * ---------------------------------------------------------------------- */

typedef struct {
    int64_t when;
    uint16_t db;
    uint64_t hash;
    char key[24];
    size_t klen;
} tuple;

static void rnd_tuple(tuple *t, const tuple *near) {
    /* Draw from small ranges half the time so that equal times / dbs /
     * hashes are frequent and the later fields decide the order. */
    int small = rnd64() & 1;
    t->when = small ? (int64_t)(rnd64() % 4) : (int64_t)(rnd64() >> 1);
    t->db = small ? (uint16_t)(rnd64() % 3) : (uint16_t)rnd64();
    t->hash = small ? rnd64() % 4 : rnd64();
    t->klen = rnd_key(t->key, small ? 3 : sizeof(t->key));
    if (near && rnd64() % 4 == 0) { /* same prefix fields, different key */
        t->when = near->when;
        t->db = near->db;
        t->hash = near->hash;
    }
}

static void test_expire_key_order(void **state) {
    (void)state;
    char ka[64], kb[64];
    for (int i = 0; i < 100000; i++) {
        tuple a, b;
        rnd_tuple(&a, NULL);
        rnd_tuple(&b, &a);
        size_t la = enc_expire_key(ka, a.when, a.db, a.key, a.klen);
        size_t lb = enc_expire_key(kb, b.when, b.db, b.key, b.klen);
        int want = a.when != b.when ? (a.when < b.when ? -1 : 1)
                 : a.db != b.db     ? ucmp(a.db, b.db)
                                    : bytewise(a.key, a.klen, b.key, b.klen);
        assert_int_equal(bytewise(ka, la, kb, lb), want);
    }
    /* Time dominates: an earlier time sorts first whatever the db and key. */
    size_t la = enc_expire_key(ka, 1000, 0xFFFF, "\xff\xff\xff", 3);
    size_t lb = enc_expire_key(kb, 1001, 0, "", 0);
    assert_true(bytewise(ka, la, kb, lb) < 0);
    /* Times across a byte boundary (255 -> 256 ms) keep numeric order. */
    la = enc_expire_key(ka, 255, 0, "a", 1);
    lb = enc_expire_key(kb, 256, 0, "a", 1);
    assert_true(bytewise(ka, la, kb, lb) < 0);
}

/* The active expiry cycle reads [start, u64(now + 1)): every key due at or
 * before now sorts below that bound and every later one at or above it. */
static void test_expire_key_due_bound(void **state) {
    (void)state;
    char k[64], hi[8];
    for (int i = 0; i < 20000; i++) {
        int64_t now = (int64_t)(rnd64() >> 2);
        enc_put_u64(hi, (uint64_t)now + 1);
        tuple t;
        rnd_tuple(&t, NULL);
        int64_t when = now + (int64_t)(rnd64() % 5) - 2;
        size_t l = enc_expire_key(k, when, t.db, t.key, t.klen);
        assert_int_equal(bytewise(k, l, hi, 8) < 0, when <= now);
    }
}

static void test_meta_key_order(void **state) {
    (void)state;
    char ka[64], kb[64];
    for (int i = 0; i < 100000; i++) {
        tuple a, b;
        rnd_tuple(&a, NULL);
        rnd_tuple(&b, &a);
        size_t la = enc_meta_key(ka, a.db, a.hash, a.key, a.klen);
        size_t lb = enc_meta_key(kb, b.db, b.hash, b.key, b.klen);
        int want = a.db != b.db     ? ucmp(a.db, b.db)
                 : a.hash != b.hash ? ucmp(a.hash, b.hash)
                                    : bytewise(a.key, a.klen, b.key, b.klen);
        assert_int_equal(bytewise(ka, la, kb, lb), want);
    }
    /* db dominates hash. */
    size_t la = enc_meta_key(ka, 1, UINT64_MAX, "\xff", 1);
    size_t lb = enc_meta_key(kb, 2, 0, "", 0);
    assert_true(bytewise(ka, la, kb, lb) < 0);
}

/* SCAN resumes with a seek to enc_meta_seek(db, cursor): that position must
 * be at or before every key of db with hash >= cursor, after every key of db
 * with a smaller hash, and inside db's range. */
static void test_meta_seek_order(void **state) {
    (void)state;
    char seek[ENC_META_KEY_PREFIX], k[64];
    for (int i = 0; i < 100000; i++) {
        uint16_t db = (uint16_t)(rnd64() % 4);
        uint64_t h = i % 2 ? rnd64() : rnd64() % 8;
        assert_int_equal(enc_meta_seek(seek, db, h), ENC_META_KEY_PREFIX);
        tuple t;
        rnd_tuple(&t, NULL);
        t.db = i % 3 ? db : (uint16_t)(rnd64() % 4);
        if (i % 5 == 0) t.hash = h; /* the boundary itself */
        if (i % 7 == 0) t.hash = h - 1;
        size_t l = enc_meta_key(k, t.db, t.hash, t.key, t.klen);
        int c = bytewise(seek, ENC_META_KEY_PREFIX, k, l);
        if (t.db == db) {
            if (t.hash >= h)
                assert_true(c <= 0);
            else
                assert_true(c > 0);
            /* Equal only for the empty key exactly at the cursor. */
            assert_int_equal(c == 0, t.hash == h && t.klen == 0);
        } else {
            assert_int_equal(c, ucmp(db, t.db));
        }
    }
    /* Seek to 0 is the start of the db: before its smallest possible key. */
    enc_meta_seek(seek, 5, 0);
    size_t l = enc_meta_key(k, 5, 0, "", 0);
    assert_true(bytewise(seek, ENC_META_KEY_PREFIX, k, l) <= 0);
    l = enc_meta_key(k, 4, UINT64_MAX, "\xff\xff", 2);
    assert_true(bytewise(seek, ENC_META_KEY_PREFIX, k, l) > 0);
}

/* ------------------------------------------------------------------------
 * SipHash-2-4
 * ---------------------------------------------------------------------- */

static const uint8_t sip64_vectors[64][8] = {
    {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74},
    {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}, {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85},
    {0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}, {0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18},
    {0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab},
    {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}, {0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e},
    {0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a}, {0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4},
    {0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75}, {0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14},
    {0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7}, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1},
    {0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f}, {0x94, 0x47, 0xbe, 0x2c, 0xf5, 0xe9, 0x9a, 0x69},
    {0x9c, 0xd3, 0x8d, 0x96, 0xf0, 0xb3, 0xc1, 0x4b}, {0xbd, 0x61, 0x79, 0xa7, 0x1d, 0xc9, 0x6d, 0xbb},
    {0x98, 0xee, 0xa2, 0x1a, 0xf2, 0x5c, 0xd6, 0xbe}, {0xc7, 0x67, 0x3b, 0x2e, 0xb0, 0xcb, 0xf2, 0xd0},
    {0x88, 0x3e, 0xa3, 0xe3, 0x95, 0x67, 0x53, 0x93}, {0xc8, 0xce, 0x5c, 0xcd, 0x8c, 0x03, 0x0c, 0xa8},
    {0x94, 0xaf, 0x49, 0xf6, 0xc6, 0x50, 0xad, 0xb8}, {0xea, 0xb8, 0x85, 0x8a, 0xde, 0x92, 0xe1, 0xbc},
    {0xf3, 0x15, 0xbb, 0x5b, 0xb8, 0x35, 0xd8, 0x17}, {0xad, 0xcf, 0x6b, 0x07, 0x63, 0x61, 0x2e, 0x2f},
    {0xa5, 0xc9, 0x1d, 0xa7, 0xac, 0xaa, 0x4d, 0xde}, {0x71, 0x65, 0x95, 0x87, 0x66, 0x50, 0xa2, 0xa6},
    {0x28, 0xef, 0x49, 0x5c, 0x53, 0xa3, 0x87, 0xad}, {0x42, 0xc3, 0x41, 0xd8, 0xfa, 0x92, 0xd8, 0x32},
    {0xce, 0x7c, 0xf2, 0x72, 0x2f, 0x51, 0x27, 0x71}, {0xe3, 0x78, 0x59, 0xf9, 0x46, 0x23, 0xf3, 0xa7},
    {0x38, 0x12, 0x05, 0xbb, 0x1a, 0xb0, 0xe0, 0x12}, {0xae, 0x97, 0xa1, 0x0f, 0xd4, 0x34, 0xe0, 0x15},
    {0xb4, 0xa3, 0x15, 0x08, 0xbe, 0xff, 0x4d, 0x31}, {0x81, 0x39, 0x62, 0x29, 0xf0, 0x90, 0x79, 0x02},
    {0x4d, 0x0c, 0xf4, 0x9e, 0xe5, 0xd4, 0xdc, 0xca}, {0x5c, 0x73, 0x33, 0x6a, 0x76, 0xd8, 0xbf, 0x9a},
    {0xd0, 0xa7, 0x04, 0x53, 0x6b, 0xa9, 0x3e, 0x0e}, {0x92, 0x59, 0x58, 0xfc, 0xd6, 0x42, 0x0c, 0xad},
    {0xa9, 0x15, 0xc2, 0x9b, 0xc8, 0x06, 0x73, 0x18}, {0x95, 0x2b, 0x79, 0xf3, 0xbc, 0x0a, 0xa6, 0xd4},
    {0xf2, 0x1d, 0xf2, 0xe4, 0x1d, 0x45, 0x35, 0xf9}, {0x87, 0x57, 0x75, 0x19, 0x04, 0x8f, 0x53, 0xa9},
    {0x10, 0xa5, 0x6c, 0xf5, 0xdf, 0xcd, 0x9a, 0xdb}, {0xeb, 0x75, 0x09, 0x5c, 0xcd, 0x98, 0x6c, 0xd0},
    {0x51, 0xa9, 0xcb, 0x9e, 0xcb, 0xa3, 0x12, 0xe6}, {0x96, 0xaf, 0xad, 0xfc, 0x2c, 0xe6, 0x66, 0xc7},
    {0x72, 0xfe, 0x52, 0x97, 0x5a, 0x43, 0x64, 0xee}, {0x5a, 0x16, 0x45, 0xb2, 0x76, 0xd5, 0x92, 0xa1},
    {0xb2, 0x74, 0xcb, 0x8e, 0xbf, 0x87, 0x87, 0x0a}, {0x6f, 0x9b, 0xb4, 0x20, 0x3d, 0xe7, 0xb3, 0x81},
    {0xea, 0xec, 0xb2, 0xa3, 0x0b, 0x22, 0xa8, 0x7f}, {0x99, 0x24, 0xa4, 0x3c, 0xc1, 0x31, 0x57, 0x24},
    {0xbd, 0x83, 0x8d, 0x3a, 0xaf, 0xbf, 0x8d, 0xb7}, {0x0b, 0x1a, 0x2a, 0x32, 0x65, 0xd5, 0x1a, 0xea},
    {0x13, 0x50, 0x79, 0xa3, 0x23, 0x1c, 0xe6, 0x60}, {0x93, 0x2b, 0x28, 0x46, 0xe4, 0xd7, 0x06, 0x66},
    {0xe1, 0x91, 0x5f, 0x5c, 0xb1, 0xec, 0xa4, 0x6c}, {0xf3, 0x25, 0x96, 0x5c, 0xa1, 0x6d, 0x62, 0x9f},
    {0x57, 0x5f, 0xf2, 0x8e, 0x60, 0x38, 0x1b, 0xe5}, {0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95},
};

static uint64_t le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void test_siphash_reference(void **state) {
    (void)state;
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;

    /* The two vectors quoted in the paper and the brief. */
    assert_true(enc_siphash(msg, 15, key) == 0xa129ca6149be45e5ULL);
    assert_true(enc_siphash(msg, 0, key) == 0x726fdb47dd0e0e31ULL);
    assert_true(enc_siphash(NULL, 0, key) == 0x726fdb47dd0e0e31ULL);

    /* Every length 0..63: all tail lengths, one to seven full blocks. */
    for (int len = 0; len < 64; len++) {
        uint64_t want = le64(sip64_vectors[len]);
        uint64_t got = enc_siphash(msg, (size_t)len, key);
        if (got != want) fail_msg("siphash len %d: got %016llx want %016llx", len, (unsigned long long)got,
                                  (unsigned long long)want);
    }

    /* Unaligned input gives the same answer (no word loads of the message). */
    uint8_t shifted[65];
    memcpy(shifted + 1, msg, 64);
    for (int len = 0; len < 64; len++)
        assert_true(enc_siphash(shifted + 1, (size_t)len, key) == le64(sip64_vectors[len]));
}

static void test_key_hash_is_keyed_siphash(void **state) {
    (void)state;
    uint8_t seed[16];
    for (int i = 0; i < 16; i++) seed[i] = (uint8_t)i;
    uint8_t msg[64];
    for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
    /* enc_key_hash is SipHash keyed with the store seed: same vectors. */
    for (int len = 0; len < 64; len++)
        assert_true(enc_key_hash(seed, (const char *)msg, (size_t)len) == le64(sip64_vectors[len]));

    /* The seed matters: another seed, another order. */
    uint8_t seed2[16];
    memcpy(seed2, seed, 16);
    seed2[15] ^= 1;
    int differ = 0;
    for (int len = 0; len < 64; len++)
        differ += enc_key_hash(seed, (const char *)msg, len) != enc_key_hash(seed2, (const char *)msg, len);
    assert_int_equal(differ, 64);

    /* Keys that differ only after a NUL byte hash differently. */
    assert_true(enc_key_hash(seed, "a\0b", 3) != enc_key_hash(seed, "a\0c", 3));
    assert_true(enc_key_hash(seed, "a", 1) != enc_key_hash(seed, "a\0", 2));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u16_roundtrip),
        cmocka_unit_test(test_u32_roundtrip),
        cmocka_unit_test(test_u64_roundtrip),
        cmocka_unit_test(test_int_width_and_alignment),
        cmocka_unit_test(test_u64_byte_order),
        cmocka_unit_test(test_u32_byte_order),
        cmocka_unit_test(test_u16_byte_order),
        cmocka_unit_test(test_meta_key_roundtrip),
        cmocka_unit_test(test_meta_key_parse_rejects_short),
        cmocka_unit_test(test_meta_value_roundtrip),
        cmocka_unit_test(test_meta_value_rejects_short),
        cmocka_unit_test(test_expire_key_roundtrip),
        cmocka_unit_test(test_expire_key_rejects_short),
        cmocka_unit_test(test_keycount_key),
        cmocka_unit_test(test_expire_key_order),
        cmocka_unit_test(test_expire_key_due_bound),
        cmocka_unit_test(test_meta_key_order),
        cmocka_unit_test(test_meta_seek_order),
        cmocka_unit_test(test_siphash_reference),
        cmocka_unit_test(test_key_hash_is_keyed_siphash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
