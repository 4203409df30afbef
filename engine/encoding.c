/* encoding.c - the byte layouts of every stored key and value.
 *
 * Kept free of RocksDB and of any allocation so it can be unit-tested on its
 * own and read in one sitting. See encoding.h and docs/encoding.md.
 */
#include "encoding.h"

#include <string.h>

/* ---------------------------------------------------------------------------
 * Big-endian integers
 * ------------------------------------------------------------------------ */

void enc_put_u16(char *p, uint16_t v) {
    p[0] = (char)(v >> 8);
    p[1] = (char)v;
}

void enc_put_u32(char *p, uint32_t v) {
    for (int i = 3; i >= 0; i--, v >>= 8) p[i] = (char)v;
}

void enc_put_u64(char *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (char)v;
}

uint16_t enc_get_u16(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)((u[0] << 8) | u[1]);
}

uint32_t enc_get_u32(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

uint64_t enc_get_u64(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | u[i];
    return v;
}

/* ---------------------------------------------------------------------------
 * SipHash-2-4: the key hash that orders the meta CF. Part of the on-disk
 * format (the order of stored keys depends on it): never change it.
 * ------------------------------------------------------------------------ */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load_le64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32);                              \
        v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2;                                                   \
        v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0;                                                   \
        v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32);                              \
    } while (0)

uint64_t enc_siphash(const void *in, size_t len, const uint8_t key[16]) {
    const uint8_t *m = in;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    size_t left = len & 7;
    const uint8_t *end = m + (len - left);

    for (; m != end; m += 8) {
        uint64_t w = load_le64(m);
        v3 ^= w;
        SIPROUND;
        SIPROUND;
        v0 ^= w;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < left; i++) b |= (uint64_t)m[i] << (8 * i);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t enc_key_hash(const uint8_t seed[16], const char *key, size_t klen) {
    return enc_siphash(key, klen, seed);
}

/* ---------------------------------------------------------------------------
 * meta CF
 * ------------------------------------------------------------------------ */

size_t enc_meta_key_len(size_t klen) { return ENC_META_KEY_PREFIX + klen; }

size_t enc_meta_key(char *out, uint16_t db, uint64_t hash, const char *key, size_t klen) {
    enc_put_u16(out, db);
    enc_put_u64(out + 2, hash);
    if (klen) memcpy(out + ENC_META_KEY_PREFIX, key, klen);
    return ENC_META_KEY_PREFIX + klen;
}

size_t enc_meta_seek(char *out, uint16_t db, uint64_t hash) {
    enc_put_u16(out, db);
    enc_put_u64(out + 2, hash);
    return ENC_META_KEY_PREFIX;
}

int enc_meta_key_parse(const char *k, size_t klen, uint16_t *db, uint64_t *hash,
                       const char **key, size_t *keylen) {
    if (klen < ENC_META_KEY_PREFIX) return -1;
    *db = enc_get_u16(k);
    *hash = enc_get_u64(k + 2);
    *key = k + ENC_META_KEY_PREFIX;
    *keylen = klen - ENC_META_KEY_PREFIX;
    return 0;
}

size_t enc_meta_header_len(int64_t expire_ms) { return expire_ms ? 10 : 2; }

size_t enc_meta_header(char *out, uint8_t type, int64_t expire_ms) {
    out[0] = (char)type;
    out[1] = expire_ms ? ENC_META_EXPIRES : 0;
    if (!expire_ms) return 2;
    enc_put_u64(out + 2, (uint64_t)expire_ms);
    return 10;
}

int enc_meta_parse(const char *v, size_t vlen, enc_meta *m) {
    if (vlen < 2) return -1;
    m->type = (uint8_t)v[0];
    m->flags = (uint8_t)v[1];
    size_t off = 2;
    m->expire_ms = 0;
    if (m->flags & ENC_META_EXPIRES) {
        if (vlen < 10) return -1;
        m->expire_ms = (int64_t)enc_get_u64(v + 2);
        off = 10;
    }
    m->body = v + off;
    m->bodylen = vlen - off;
    return 0;
}

/* ---------------------------------------------------------------------------
 * compound values: meta body, sub and zscore keys
 * ------------------------------------------------------------------------ */

size_t enc_compound_body(char *out, uint64_t version, uint64_t count) {
    enc_put_u64(out, version);
    enc_put_u64(out + 8, count);
    return ENC_COMPOUND_BODY;
}

int enc_compound_parse(const char *body, size_t len, uint64_t *version, uint64_t *count,
                       const char **extra, size_t *extralen) {
    if (len < ENC_COMPOUND_BODY) return -1;
    *version = enc_get_u64(body);
    *count = enc_get_u64(body + 8);
    *extra = body + ENC_COMPOUND_BODY;
    *extralen = len - ENC_COMPOUND_BODY;
    return 0;
}

size_t enc_sub_prefix_len(size_t klen) { return 2 + 4 + klen + 8; }

size_t enc_sub_prefix(char *out, uint16_t db, const char *key, size_t klen, uint64_t version) {
    enc_put_u16(out, db);
    enc_put_u32(out + 2, (uint32_t)klen);
    if (klen) memcpy(out + 6, key, klen);
    enc_put_u64(out + 6 + klen, version);
    return 6 + klen + 8;
}

void enc_prefix_successor(char *prefix, size_t len) {
    for (size_t i = len; i-- > 0;) {
        unsigned char b = (unsigned char)prefix[i];
        prefix[i] = (char)(b + 1);
        if (b != 0xff) return;
    }
}

void enc_put_score(char *out, double score) {
    uint64_t bits;
    memcpy(&bits, &score, 8);
    /* Positive: set the sign bit so they sort above negatives. Negative:
     * flip all bits so larger magnitudes sort lower. */
    bits = (bits & 0x8000000000000000ULL) ? ~bits : bits | 0x8000000000000000ULL;
    enc_put_u64(out, bits);
}

double enc_get_score(const char *p) {
    uint64_t bits = enc_get_u64(p);
    bits = (bits & 0x8000000000000000ULL) ? bits & ~0x8000000000000000ULL : ~bits;
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* ---------------------------------------------------------------------------
 * expire CF
 * ------------------------------------------------------------------------ */

size_t enc_expire_key_len(size_t klen) { return 10 + klen; }

size_t enc_expire_key(char *out, int64_t expire_ms, uint16_t db, const char *key, size_t klen) {
    enc_put_u64(out, (uint64_t)expire_ms);
    enc_put_u16(out + 8, db);
    if (klen) memcpy(out + 10, key, klen);
    return 10 + klen;
}

int enc_expire_key_parse(const char *k, size_t klen, int64_t *expire_ms, uint16_t *db,
                         const char **key, size_t *keylen) {
    if (klen < 10) return -1;
    *expire_ms = (int64_t)enc_get_u64(k);
    *db = enc_get_u16(k + 8);
    *key = k + 10;
    *keylen = klen - 10;
    return 0;
}

/* ---------------------------------------------------------------------------
 * default CF
 * ------------------------------------------------------------------------ */

size_t enc_keycount_key(char *out, uint16_t db) {
    memcpy(out, "keys", 4);
    enc_put_u16(out + 4, db);
    return 6;
}
