/* strmap.c - chained hash table of byte-string keys (strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "util.h"

#define MIN_CAP 4

static uint8_t seed[16];
static int seeded;

uint64_t strmap_hash(const char *key, size_t len) {
    if (!seeded) {
        util_random_bytes(seed, sizeof(seed));
        seeded = 1;
    }
    return enc_siphash(key, len, seed);
}

strmap_entry *strmap_find(const strmap *m, const char *key, size_t len, uint64_t h) {
    if (!m->b) return NULL;
    for (strmap_entry *e = m->b[h & (m->cap - 1)]; e; e = e->next)
        if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0) return e;
    return NULL;
}

static void resize(strmap *m, size_t cap) {
    strmap_entry **nb = calloc(cap, sizeof(*nb));
    for (size_t i = 0; i < m->cap; i++) {
        strmap_entry *e = m->b[i];
        while (e) {
            strmap_entry *next = e->next;
            size_t j = e->hash & (cap - 1);
            e->next = nb[j];
            nb[j] = e;
            e = next;
        }
    }
    free(m->b);
    m->b = nb;
    m->cap = cap;
}

strmap_entry *strmap_insert(strmap *m, const char *key, size_t len, uint64_t h, void *val) {
    if (!m->b) {
        m->b = calloc(MIN_CAP, sizeof(*m->b));
        m->cap = MIN_CAP;
    } else if (m->n >= m->cap) {
        resize(m, m->cap * 2);
    }
    strmap_entry *e = malloc(sizeof(*e) + len + 1);
    e->hash = h;
    e->val = val;
    e->len = len;
    memcpy(e->key, key, len);
    e->key[len] = 0;
    size_t i = h & (m->cap - 1);
    e->next = m->b[i];
    m->b[i] = e;
    m->n++;
    return e;
}

void strmap_remove(strmap *m, strmap_entry *e) {
    for (strmap_entry **pp = &m->b[e->hash & (m->cap - 1)]; *pp; pp = &(*pp)->next) {
        if (*pp == e) {
            *pp = e->next;
            break;
        }
    }
    free(e);
    m->n--;
    if (m->n == 0) {
        free(m->b);
        m->b = NULL;
        m->cap = 0;
    } else if (m->cap > MIN_CAP && m->n < m->cap / 8) {
        resize(m, m->cap / 2);
    }
}

void strmap_clear(strmap *m, void (*free_val)(void *)) {
    for (size_t i = 0; i < m->cap; i++) {
        strmap_entry *e = m->b[i];
        while (e) {
            strmap_entry *next = e->next;
            if (free_val) free_val(e->val);
            free(e);
            e = next;
        }
    }
    free(m->b);
    m->b = NULL;
    m->cap = m->n = 0;
}
