/* strmap.h - a small chained hash table: byte-string keys -> void *.
 *
 * For the server's in-memory indexes keyed by client-chosen names (pub/sub
 * channels, tracked keys, ...). Keys are hashed with SipHash under a random
 * per-process key, so a client cannot pick names that all collide. The
 * table doubles when full and halves when 1/8 full, rehashing at once
 * (amortised O(1)): these tables stay small next to the keyspace.
 *
 * Ownership: the table owns its entries and their key copies (NUL-terminated
 * for convenience); the values are the caller's. A zeroed strmap is empty.
 * An entry pointer stays valid until that entry is removed (resizes move
 * entries between buckets, never in memory).
 */
#ifndef STRATA_STRMAP_H
#define STRATA_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct strmap_entry {
    struct strmap_entry *next;
    uint64_t hash;
    void *val;
    size_t len;
    char key[];
} strmap_entry;

typedef struct strmap {
    strmap_entry **b; /* cap buckets (a power of two), or NULL when empty */
    size_t cap, n;
} strmap;

uint64_t strmap_hash(const char *key, size_t len);
/* h must be strmap_hash(key, len). NULL when absent. */
strmap_entry *strmap_find(const strmap *m, const char *key, size_t len, uint64_t h);
/* The key must not be present. */
strmap_entry *strmap_insert(strmap *m, const char *key, size_t len, uint64_t h, void *val);
/* Remove and free e (which must be in m); e->val is left to the caller. */
void strmap_remove(strmap *m, strmap_entry *e);
/* Remove every entry, calling free_val (if not NULL) on each value. */
void strmap_clear(strmap *m, void (*free_val)(void *));

#endif
