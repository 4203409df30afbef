/* encoding.h - every byte layout strata stores, in one place.
 *
 * The command layer never builds stored bytes; it calls the type layer
 * (tiering/), which calls these functions. docs/encoding.md describes the
 * same layouts for humans; change both together.
 *
 * All integers inside keys are big-endian so that the byte order RocksDB
 * sorts by is the numeric order. Builders write into a caller buffer that
 * must hold the size returned by the matching *_len() function; nothing here
 * allocates.
 */
#ifndef STRATA_ENCODING_H
#define STRATA_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Value types, as stored in the first byte of a metadata record. The numbers
 * are part of the on-disk format: never renumber. */
enum {
    ENC_TYPE_STRING = 0,
    ENC_TYPE_LIST = 1,
    ENC_TYPE_SET = 2,
    ENC_TYPE_ZSET = 3,
    ENC_TYPE_HASH = 4,
    ENC_TYPE_STREAM = 5,
};

/* Metadata flags (second byte). */
#define ENC_META_EXPIRES 0x01 /* an 8-byte expire-at (ms) follows the header */

/* ---- fixed-width big-endian integers ---- */
void enc_put_u16(char *p, uint16_t v);
void enc_put_u32(char *p, uint32_t v);
void enc_put_u64(char *p, uint64_t v);
uint16_t enc_get_u16(const char *p);
uint32_t enc_get_u32(const char *p);
uint64_t enc_get_u64(const char *p);

/* ---- meta CF: [db u16][hash u64][user key] ----
 * The 64-bit hash of the user key (SipHash-2-4 keyed with the store's own
 * random seed, fixed at creation) orders the keyspace like a hash table, so
 * a SCAN cursor can be the plain number "next hash to visit": stateless,
 * numeric as every client expects, and valid across restarts. */
#define ENC_META_KEY_PREFIX 10 /* db + hash */
size_t enc_meta_key_len(size_t klen);
size_t enc_meta_key(char *out, uint16_t db, uint64_t hash, const char *key, size_t klen);
/* Prefix of db's keys from position `hash` on: [db][hash]. out holds 10 bytes. */
size_t enc_meta_seek(char *out, uint16_t db, uint64_t hash);
/* Parse a meta key. Returns 0, or -1 if malformed. *key points into k. */
int enc_meta_key_parse(const char *k, size_t klen, uint16_t *db, uint64_t *hash,
                       const char **key, size_t *keylen);
uint64_t enc_key_hash(const uint8_t seed[16], const char *key, size_t klen);

/* ---- meta value: [type u8][flags u8][expire_ms u64 if ENC_META_EXPIRES][body] ----
 * For strings the body is the value's bytes. Compound types put their
 * version and element count at the start of the body (see docs). */
typedef struct enc_meta {
    uint8_t type;
    uint8_t flags;
    int64_t expire_ms;  /* 0 = no expiry */
    const char *body;   /* points into the parsed buffer */
    size_t bodylen;
} enc_meta;

size_t enc_meta_header_len(int64_t expire_ms);
/* Write the header; the caller appends the body right after it. */
size_t enc_meta_header(char *out, uint8_t type, int64_t expire_ms);
int enc_meta_parse(const char *v, size_t vlen, enc_meta *m);

/* ---- expire CF: [expire_ms u64][db u16][user key] -> empty ----
 * Time first, so the active expiry cycle reads due keys in order from the
 * start of the CF and stops at the first key in the future. */
size_t enc_expire_key_len(size_t klen);
size_t enc_expire_key(char *out, int64_t expire_ms, uint16_t db, const char *key, size_t klen);
int enc_expire_key_parse(const char *k, size_t klen, int64_t *expire_ms, uint16_t *db,
                         const char **key, size_t *keylen);

/* ---- compound meta body: [version u64][count u64][type-specific extra] ----
 * The version is unique across the store and fresh for every new compound
 * value, so a deleted or overwritten key's elements (keyed by the old
 * version) become unreachable at once, whatever their number. */
#define ENC_COMPOUND_BODY 16
size_t enc_compound_body(char *out, uint64_t version, uint64_t count); /* writes 16 bytes */
int enc_compound_parse(const char *body, size_t len, uint64_t *version, uint64_t *count,
                       const char **extra, size_t *extralen);

/* ---- sub CF: [db u16][keylen u32][user key][version u64][subkey] ----
 * zscore CF: the same prefix, then [sortable score u64][member].
 * All elements of one value share the prefix, so they are contiguous and a
 * value's range is [prefix, prefix+1). */
size_t enc_sub_prefix_len(size_t klen);
size_t enc_sub_prefix(char *out, uint16_t db, const char *key, size_t klen, uint64_t version);
/* The smallest key after every key that starts with prefix (same length:
 * the prefix incremented as a big-endian number; the version never is
 * all-ones, so this cannot overflow). */
void enc_prefix_successor(char *prefix, size_t len);

/* Doubles as 8 bytes whose unsigned big-endian order is numeric order:
 * -inf < negatives < -0 < +0 < positives < inf. NaN is never stored. */
void enc_put_score(char *out, double score);
double enc_get_score(const char *p);

/* ---- default CF: store-wide records ---- */
#define ENC_REC_SEED "seed"         /* 16 random bytes: key of enc_key_hash */
#define ENC_REC_DBMAP "dbmap"       /* u16 physical db per logical db (SWAPDB) */
#define ENC_REC_FORMAT "format"     /* u32 on-disk format version */
#define ENC_REC_VERSION "version"   /* u64: next version for a compound value */
#define ENC_FORMAT_VERSION 1
/* "keys" + physical db u16 -> u64 number of keys, u64 number of keys with
 * an expiry, in that db. */
size_t enc_keycount_key(char *out, uint16_t db); /* out holds 6 bytes */

uint64_t enc_siphash(const void *in, size_t len, const uint8_t key[16]);

#endif
