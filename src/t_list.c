/* t_list.c - the list type: LPUSH/RPUSH and friends, pops, ranges, LINSERT,
 * LREM, LPOS, LMOVE, LMPOP, and the blocking pops (BLPOP, BRPOP, BLMPOP,
 * BLMOVE, BRPOPLPUSH; how clients wait is blocking.c's business).
 *
 * Representation
 * --------------
 * A list is a compound value (OBJ_LIST, see tiering/keyspace.h). Each element
 * is one record in the sub CF whose element key is a 64-bit big-endian
 * *index*, so the store's byte order is list order. The metadata's `extra`
 * holds two big-endian u64s, head and tail: the indexes of the first and the
 * last element. The invariant everything here relies on:
 *
 *     every index in head..tail holds an element, and no other index does;
 *     count == tail - head + 1
 *
 * so element i (0-based from the left) lives at index head + i:
 *   - LPUSH writes head-1, RPUSH writes tail+1, pops delete head or tail: O(1);
 *   - LINDEX and LSET are one point read or write at head + i: O(1);
 *   - LRANGE seeks straight to head + start and reads forwards.
 * A new list starts empty at head = 2^63, tail = 2^63 - 1, the middle of the
 * index range, so either end can grow by 2^63 elements (centuries of pushes
 * at ten million a second) before it could wrap.
 *
 * Tombstones: a queue (RPUSH + LPOP) leaves one deleted record below head per
 * pop until compaction drops it (RPUSH + RPOP leaves them above tail). No
 * read ever starts from either end of the value's key range: every read
 * seeks to the index of the first element it needs (head + i; a backward
 * walk seeks to the start of each chunk it reads) and stops at the last one,
 * so those tombstones are never scanned, and a list that saw a million pops
 * answers LPOP and LRANGE as fast as a new one.
 *
 * Middle operations keep the indexes contiguous (so LINDEX stays O(1)) by
 * sliding elements: LINSERT moves the shorter side of the insertion point by
 * one slot; LREM closes the holes it makes by moving the survivors on the
 * side that costs fewer writes. That is O(N) in the worst case, as in Redis.
 * Elements are moved in chunks: a chunk is read with an iterator, the iterator
 * is freed, then the chunk is written (never write while an iterator is open),
 * and writes always land behind the read position so later chunks still read
 * the original elements. LTRIM only deletes the trimmed ends.
 *
 * Elements that are not where head/tail say (a damaged store) make the
 * command fail with ERR_LIST_CORRUPT rather than answer wrong data; a slide
 * that fails half-way may leave the elements it already moved.
 *
 * All changes of one command go to the turn's batch; the metadata (count,
 * head, tail) is saved last, and an emptied list is deleted, as in Redis.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

enum { LIST_HEAD = 0, LIST_TAIL = 1 }; /* LEFT and RIGHT */

#define LIST_START_INDEX (UINT64_C(1) << 63)
#define LIST_EXTRA_LEN 16
#define LIST_SLIDE_CHUNK 256
#define LIST_WALK_CHUNK 128 /* elements read at once by a backward walk */

static const char *ERR_LIST_CORRUPT = "ERR storage error: list elements do not match the list's metadata";

/* ---------------------------------------------------------------------------
 * Pure helpers (no store access; exported for tests/unit/test_list_index.c)
 * ------------------------------------------------------------------------ */

/* The element key of index idx: 8 bytes big-endian. */
void list_index_key(char out[8], uint64_t idx) { enc_put_u64(out, idx); }

/* LRANGE/LTRIM's reading of start and end (negative counts from the end,
 * out-of-range ends are clamped) for a list of len elements. Returns the
 * number of selected elements (0 if the range is empty) and the first one's
 * position in *first. */
uint64_t list_range_select(long long start, long long end, uint64_t len, uint64_t *first) {
    long long llen = len > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)len;
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    *first = 0;
    if (start > end || start >= llen) return 0;
    if (end >= llen) end = llen - 1;
    *first = (uint64_t)start;
    return (uint64_t)(end - start) + 1;
}

/* LINDEX/LSET's index: negative counts from the end. Returns 1 and the
 * position in *pos when it is inside a list of len elements, else 0. */
int list_index_select(long long index, uint64_t len, uint64_t *pos) {
    long long llen = len > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)len;
    if (index < 0) index += llen;
    if (index < 0 || index >= llen) return 0;
    *pos = (uint64_t)index;
    return 1;
}

/* Where LINSERT makes room for a new element at position pos (0..len): move
 * the elements before it one slot towards the head (LIST_HEAD) or the ones
 * from it on one slot towards the tail (LIST_TAIL), whichever moves fewer. */
int list_insert_side(uint64_t len, uint64_t pos) { return pos <= len - pos ? LIST_HEAD : LIST_TAIL; }

/* Which side LREM slides to close the holes left by removing the elements at
 * positions first..last (the first and the last removed, in a list of len):
 * LIST_TAIL moves the survivors after `first` towards the head (len-first-1
 * reads), LIST_HEAD moves those before `last` towards the tail (last reads). */
int list_compact_side(uint64_t len, uint64_t first, uint64_t last) {
    return last <= len - first - 1 ? LIST_HEAD : LIST_TAIL;
}

/* LPOS's RANK: the direction of the search and how many matches to skip.
 * Redis 7.0 negates the rank in a long, so LLONG_MIN stays negative there:
 * it searches from the tail, skips nothing and no COUNT ever stops it
 * (*unlimited = 1). rank must not be 0. */
void list_rank_plan(long long rank, int *from_tail, uint64_t *skip, int *unlimited) {
    *from_tail = rank < 0;
    *unlimited = rank == LLONG_MIN;
    if (rank == LLONG_MIN)
        *skip = 0;
    else
        *skip = (uint64_t)(rank < 0 ? -rank : rank) - 1;
}

/* ---------------------------------------------------------------------------
 * List type API
 * ------------------------------------------------------------------------ */

/* A list as one command works on it: the key, its lookup result and the
 * decoded head/tail. Release with list_release(). */
typedef struct list {
    int db;
    const char *key;
    size_t klen;
    tier_obj o;     /* o.exists == 0: no such key (yet) */
    uint64_t head;  /* index of the first element */
    uint64_t tail;  /* index of the last element (head - 1 when empty) */
} list;

static uint64_t list_len(const list *l) { return l->o.exists ? l->o.count : 0; }

static void list_release(list *l) { tier_obj_free(&l->o); }

/* Look key up as a list. Replies (WRONGTYPE, store error, corrupt record)
 * and returns -1 on failure; on success l->o.exists tells whether it is
 * there. */
static int list_lookup(client *c, const char *key, size_t klen, list *l) {
    memset(l, 0, sizeof(*l));
    l->db = c->db;
    l->key = key;
    l->klen = klen;
    if (db_lookup_typed(c, key, klen, OBJ_LIST, &l->o) < 0) return -1;
    if (!l->o.exists) return 0;
    if (l->o.extralen != LIST_EXTRA_LEN) {
        list_release(l);
        reply_error(c, ERR_LIST_CORRUPT);
        return -1;
    }
    l->head = enc_get_u64(l->o.extra);
    l->tail = enc_get_u64(l->o.extra + 8);
    if (l->tail - l->head + 1 != l->o.count) {
        list_release(l);
        reply_error(c, ERR_LIST_CORRUPT);
        return -1;
    }
    return 0;
}

/* Make l (absent) a new, empty list. Nothing is stored before list_save(). */
static void list_create(list *l) {
    tier_compound_create(l->db, l->key, l->klen, OBJ_LIST, &l->o);
    l->head = LIST_START_INDEX;
    l->tail = LIST_START_INDEX - 1;
}

/* Store the metadata; an empty list is deleted. */
static void list_save(list *l) {
    l->o.count = l->tail - l->head + 1;
    enc_put_u64(l->o.extra, l->head);
    enc_put_u64(l->o.extra + 8, l->tail);
    l->o.extralen = LIST_EXTRA_LEN;
    tier_compound_save(l->db, l->key, l->klen, &l->o);
}

/* Keyspace notification of a list event; "del" too when it emptied the
 * list (the type layer deleted it on save). */
static void list_notify(list *l, const char *event) {
    notify_keyspace_event(NOTIFY_LIST, event, l->key, l->klen, l->db);
    if (list_len(l) == 0) notify_keyspace_event(NOTIFY_GENERIC, "del", l->key, l->klen, l->db);
}

static const char *pop_event(int where) { return where == LIST_HEAD ? "lpop" : "rpop"; }
static const char *push_event(int where) { return where == LIST_HEAD ? "lpush" : "rpush"; }

static void list_put_at(list *l, uint64_t idx, const char *v, size_t vlen) {
    char k[8];
    list_index_key(k, idx);
    tier_sub_put(l->db, l->key, l->klen, &l->o, k, 8, v, vlen);
}

static void list_del_at(list *l, uint64_t idx) {
    char k[8];
    list_index_key(k, idx);
    tier_sub_del(l->db, l->key, l->klen, &l->o, k, 8);
}

static void list_push(list *l, int where, const char *v, size_t vlen) {
    if (where == LIST_HEAD)
        list_put_at(l, --l->head, v, vlen);
    else
        list_put_at(l, ++l->tail, v, vlen);
    l->o.count++;
}

/* The element at position pos (< length). Returns 1 (*v to free with
 * tier_free), or TIER_ERR (store error, or the element is missing). */
static int list_get(list *l, uint64_t pos, char **v, size_t *vlen) {
    char k[8];
    list_index_key(k, l->head + pos);
    int r = tier_sub_get(l->db, l->key, l->klen, &l->o, k, 8, v, vlen);
    return r == 1 ? 1 : TIER_ERR;
}

/* Delete n elements at one end (already read by the caller). */
static void list_drop(list *l, int where, uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        if (where == LIST_HEAD)
            list_del_at(l, l->head++);
        else
            list_del_at(l, l->tail--);
    }
    l->o.count -= n;
}

/* Called for each element a walk visits, with its position from the head;
 * return nonzero to stop. v is valid only during the call. */
typedef int list_visit_fn(uint64_t pos, const char *v, size_t vlen, void *ctx);

/* Read n elements forwards from position start with an open iterator,
 * checking that each one sits at the index the invariant says. Stops early
 * (returning TIER_OK) when fn asks to. */
static int walk_forward(list *l, tier_iter *it, uint64_t start, uint64_t n, list_visit_fn *fn, void *ctx) {
    char k[8];
    list_index_key(k, l->head + start);
    tier_iter_seek(it, k, 8);
    for (uint64_t i = 0; i < n; i++) {
        size_t sl, vl;
        const char *s;
        if (!tier_iter_valid(it) || (s = tier_iter_sub(it, &sl), sl != 8) || enc_get_u64(s) != l->head + start + i)
            return TIER_ERR;
        const char *v = tier_iter_value(it, &vl);
        if (fn(start + i, v, vl, ctx)) break;
        /* not past the last element: whatever lies beyond is not ours to scan */
        if (i + 1 < n) tier_iter_next(it);
    }
    return TIER_OK;
}

/* Elements of one backward chunk, copied in list order. */
typedef struct walk_chunk {
    char *buf;
    size_t used, cap;
    size_t off[LIST_WALK_CHUNK], len[LIST_WALK_CHUNK];
    int n;
} walk_chunk;

static int chunk_collect(uint64_t pos, const char *v, size_t vlen, void *ctx) {
    walk_chunk *ch = ctx;
    if (ch->used + vlen > ch->cap) {
        while (ch->used + vlen > ch->cap) ch->cap *= 2;
        ch->buf = realloc(ch->buf, ch->cap);
    }
    if (vlen) memcpy(ch->buf + ch->used, v, vlen);
    ch->off[ch->n] = ch->used;
    ch->len[ch->n] = vlen;
    ch->used += vlen;
    ch->n++;
    return 0;
}

/* Visit up to n elements from position start towards the tail (dir = +1) or
 * the head (dir = -1). The caller keeps the walk inside the list. The walk
 * seeks to its first element and never moves past its last, so tombstones
 * beyond either end are not scanned.
 *
 * Backward walks read chunks forwards and visit each chunk in reverse: a
 * RocksDB memtable cannot step back without a new search, so Prev() costs
 * O(log n) key comparisons where Next() costs one; this made RPOP with a
 * count five times slower than LPOP. Returns TIER_OK, or TIER_ERR when the
 * stored elements do not match head/tail. */
static int list_walk(list *l, uint64_t start, int dir, uint64_t n, list_visit_fn *fn, void *ctx) {
    if (n == 0) return TIER_OK;
    tier_iter *it = tier_iter_new(l->db, l->key, l->klen, &l->o, 0);
    int rc = TIER_OK;
    if (dir > 0) {
        rc = walk_forward(l, it, start, n, fn, ctx);
    } else {
        walk_chunk *ch = calloc(1, sizeof(*ch));
        ch->cap = 4096;
        ch->buf = malloc(ch->cap);
        uint64_t pos = start; /* the next position to visit */
        int stop = 0;
        while (n > 0 && !stop && rc == TIER_OK) {
            uint64_t m = n < LIST_WALK_CHUNK ? n : LIST_WALK_CHUNK, lo = pos - (m - 1);
            ch->n = 0;
            ch->used = 0;
            rc = walk_forward(l, it, lo, m, chunk_collect, ch);
            for (int i = ch->n - 1; i >= 0 && rc == TIER_OK && !stop; i--)
                stop = fn(lo + (uint64_t)i, ch->buf + ch->off[i], ch->len[i], ctx);
            pos = lo - 1;
            n -= m;
        }
        free(ch->buf);
        free(ch);
    }
    tier_iter_free(it);
    return rc;
}

/* One chunk of a slide: copies of the elements to write, with their new
 * index. */
typedef struct slide_chunk {
    struct {
        char *v;
        size_t vlen;
        uint64_t to;
    } e[LIST_SLIDE_CHUNK];
    int n;
    const uint64_t *skip; /* positions not to copy, in walking order */
    size_t nskip, si;
    uint64_t w;           /* next index to write */
    int dir;
    uint64_t head;
} slide_chunk;

static int slide_visit(uint64_t pos, const char *v, size_t vlen, void *ctx) {
    slide_chunk *ch = ctx;
    if (ch->si < ch->nskip && ch->skip[ch->si] == pos) {
        ch->si++;
        return 0;
    }
    if (ch->w != ch->head + pos) { /* an element that does not move is not rewritten */
        ch->e[ch->n].v = malloc(vlen ? vlen : 1);
        if (vlen) memcpy(ch->e[ch->n].v, v, vlen);
        ch->e[ch->n].vlen = vlen;
        ch->e[ch->n].to = ch->w;
        ch->n++;
    }
    ch->w += ch->dir;
    return 0;
}

/* Walk n positions from `from` in direction dir, copying every element whose
 * position is not in skip[] (sorted in walking order) to the index *w, then
 * *w += dir. The write index must never be ahead of the read position in the
 * walking direction, so a later chunk never reads a moved element. At the
 * end *w is the next index that would have been written. head/tail are not
 * changed: the caller fixes them and deletes what was vacated. */
static int list_slide(list *l, uint64_t from, uint64_t n, int dir, const uint64_t *skip, size_t nskip,
                      uint64_t *w) {
    slide_chunk *ch = malloc(sizeof(*ch));
    ch->skip = skip;
    ch->nskip = nskip;
    ch->si = 0;
    ch->w = *w;
    ch->dir = dir;
    ch->head = l->head;
    int rc = TIER_OK;
    uint64_t pos = from;
    while (n > 0 && rc == TIER_OK) {
        uint64_t step = n < LIST_SLIDE_CHUNK ? n : LIST_SLIDE_CHUNK;
        ch->n = 0;
        rc = list_walk(l, pos, dir, step, slide_visit, ch);
        for (int i = 0; i < ch->n; i++) {
            if (rc == TIER_OK) list_put_at(l, ch->e[i].to, ch->e[i].v, ch->e[i].vlen);
            free(ch->e[i].v);
        }
        pos += dir > 0 ? step : -step;
        n -= step;
    }
    *w = ch->w;
    free(ch);
    return rc;
}

/* Insert v at position pos (0..length): the shorter side slides one slot. */
static int list_insert_at(list *l, uint64_t pos, const char *v, size_t vlen) {
    uint64_t len = list_len(l), w;
    if (list_insert_side(len, pos) == LIST_HEAD) {
        w = l->head - 1;
        if (list_slide(l, 0, pos, +1, NULL, 0, &w) != TIER_OK) return TIER_ERR;
        l->head--;
    } else {
        w = l->tail + 1;
        if (list_slide(l, len - 1, len - pos, -1, NULL, 0, &w) != TIER_OK) return TIER_ERR;
        l->tail++;
    }
    /* w is now the free slot, which is position pos under the new head */
    list_put_at(l, w, v, vlen);
    l->o.count++;
    return TIER_OK;
}

/* Remove the elements at the k positions pos[] (ascending), closing the
 * holes from the cheaper side. */
static int list_remove_positions(list *l, const uint64_t *pos, size_t k) {
    if (k == 0) return TIER_OK;
    uint64_t len = list_len(l), first = pos[0], last = pos[k - 1], w;
    if (list_compact_side(len, first, last) == LIST_HEAD) {
        /* survivors before `last` move towards the tail; walk backwards */
        uint64_t *rev = malloc(sizeof(uint64_t) * k);
        for (size_t i = 0; i < k; i++) rev[i] = pos[k - 1 - i];
        w = l->head + last;
        int rc = list_slide(l, last, last + 1, -1, rev, k, &w);
        free(rev);
        if (rc != TIER_OK) return TIER_ERR;
        /* indexes head..w are vacated */
        while (l->head <= w) list_del_at(l, l->head++);
    } else {
        w = l->head + first;
        if (list_slide(l, first, len - first, +1, pos, k, &w) != TIER_OK) return TIER_ERR;
        while (l->tail >= w) list_del_at(l, l->tail--);
    }
    l->o.count -= k;
    return TIER_OK;
}

/* ---------------------------------------------------------------------------
 * Reply helpers
 * ------------------------------------------------------------------------ */

/* Replies already appended are taken back when a walk finds the stored
 * elements wrong half-way, so the client gets one clean error instead. */
static void reply_rollback(client *c, size_t mark, const char *err) {
    if (c->olen >= mark) c->olen = mark;
    reply_error(c, err);
}

static int reply_visit(uint64_t pos, const char *v, size_t vlen, void *ctx) {
    reply_bulk((client *)ctx, v, vlen);
    return 0;
}

/* Reply n elements from position start walking in dir (no array header).
 * Returns -1 (nothing replied) if the walk failed. */
static int list_reply_elements(client *c, list *l, uint64_t start, int dir, uint64_t n, size_t mark) {
    if (list_walk(l, start, dir, n, reply_visit, c) != TIER_OK) {
        reply_rollback(c, mark, ERR_LIST_CORRUPT);
        return -1;
    }
    return 0;
}

/* Pop up to `count` elements from one end of l (which exists), reply them
 * as an array (preceded by the key when with_key, as LMPOP does) and delete
 * them. The caller saves l. */
static int list_pop_reply(client *c, list *l, int where, uint64_t count, int with_key) {
    uint64_t len = list_len(l), n = count < len ? count : len;
    size_t mark = c->olen;
    if (with_key) {
        reply_array_len(c, 2);
        reply_bulk(c, l->key, l->klen);
    }
    reply_array_len(c, (long)n);
    int rc = where == LIST_HEAD ? list_reply_elements(c, l, 0, +1, n, mark)
                                : list_reply_elements(c, l, len - 1, -1, n, mark);
    if (rc < 0) return -1;
    list_drop(l, where, n);
    return 0;
}

/* LEFT / RIGHT, or -1 after a syntax error reply. */
static int parse_where(client *c, int i) {
    if (arg_is(c, i, "LEFT")) return LIST_HEAD;
    if (arg_is(c, i, "RIGHT")) return LIST_TAIL;
    reply_error(c, ERR_SYNTAX);
    return -1;
}

/* Redis's getRangeLongFromObjectOrReply(min..LONG_MAX) and
 * getPositiveLongFromObjectOrReply: any failure replies "ERR " + msg. */
static int arg_long_min(client *c, int i, long long min, const char *msg, long long *out) {
    long long v;
    if (!util_str2ll(c->argv[i].ptr, c->argv[i].len, &v) || v < min) {
        reply_errorf(c, "ERR %s", msg);
        return -1;
    }
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------
 * Push
 * ------------------------------------------------------------------------ */

/* LPUSH/RPUSH (xx = 0) and LPUSHX/RPUSHX (xx = 1). */
static void push_generic(client *c, int where, int xx) {
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        if (xx) {
            reply_longlong(c, 0);
            list_release(&l);
            return;
        }
        list_create(&l);
    }
    for (int j = 2; j < c->argc; j++) list_push(&l, where, KEY(j));
    list_save(&l);
    server_dirty(c, c->argc - 2);
    list_notify(&l, push_event(where));
    reply_longlong(c, (long long)list_len(&l));
    list_release(&l);
}

void lpushCommand(client *c) { push_generic(c, LIST_HEAD, 0); }
void rpushCommand(client *c) { push_generic(c, LIST_TAIL, 0); }
void lpushxCommand(client *c) { push_generic(c, LIST_HEAD, 1); }
void rpushxCommand(client *c) { push_generic(c, LIST_TAIL, 1); }

/* ---------------------------------------------------------------------------
 * Pop
 * ------------------------------------------------------------------------ */

/* LPOP/RPOP key [count]. Without count: a bulk (nil if no key). With count:
 * an array, nil array if no key, empty array for count 0 (Redis 7.0). */
static void pop_generic(client *c, int where) {
    if (c->argc > 3) {
        reply_error_arity(c);
        return;
    }
    long long count = 1;
    int hascount = c->argc == 3;
    if (hascount && arg_long_min(c, 2, 0, "value is out of range, must be positive", &count) < 0) return;
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        if (hascount) reply_null_array(c); else reply_null(c);
        return;
    }
    if (hascount && count == 0) {
        reply_array_len(c, 0);
        list_release(&l);
        return;
    }
    uint64_t len = list_len(&l), n = (uint64_t)count < len ? (uint64_t)count : len;
    if (!hascount) {
        char *v;
        size_t vlen;
        if (list_get(&l, where == LIST_HEAD ? 0 : len - 1, &v, &vlen) != 1) {
            reply_error(c, ERR_LIST_CORRUPT);
            list_release(&l);
            return;
        }
        reply_bulk(c, v, vlen);
        tier_free(v);
        list_drop(&l, where, 1);
    } else if (list_pop_reply(c, &l, where, n, 0) < 0) {
        list_release(&l);
        return;
    }
    list_save(&l);
    server_dirty(c, (long long)n);
    list_notify(&l, pop_event(where));
    list_release(&l);
}

void lpopCommand(client *c) { pop_generic(c, LIST_HEAD); }
void rpopCommand(client *c) { pop_generic(c, LIST_TAIL); }

/* LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]. The arguments from
 * numkeys_idx on are parsed here so BLMPOP can share this. Returns 0 and
 * fills the outputs, or -1 after an error reply. */
static int mpop_parse(client *c, int numkeys_idx, long long *numkeys, int *where, long long *count) {
    if (arg_long_min(c, numkeys_idx, 1, "numkeys should be greater than 0", numkeys) < 0) return -1;
    /* where is at numkeys_idx + numkeys + 1, which must exist */
    if (*numkeys >= c->argc - numkeys_idx - 1) {
        reply_error(c, ERR_SYNTAX);
        return -1;
    }
    int where_idx = numkeys_idx + (int)*numkeys + 1;
    if ((*where = parse_where(c, where_idx)) < 0) return -1;
    *count = -1;
    for (int j = where_idx + 1; j < c->argc; j++) {
        if (*count == -1 && arg_is(c, j, "COUNT") && j + 1 < c->argc) {
            j++;
            if (arg_long_min(c, j, 1, "count should be greater than 0", count) < 0) return -1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (*count == -1) *count = 1;
    return 0;
}

/* Pop from the first non-empty list among the keys; reply [key, elements].
 * Returns 1 if something was popped, 0 if every key was missing (nothing
 * replied), -1 after an error reply. */
static int rerun_skips(client *c, int k);

static int mpop_keys(client *c, int first_key, long long numkeys, int where, long long count) {
    for (long long i = 0; i < numkeys; i++) {
        int k = first_key + (int)i;
        if (rerun_skips(c, k)) continue;
        list l;
        if (list_lookup(c, KEY(k), &l) < 0) return -1;
        if (!l.o.exists) continue;
        uint64_t n = (uint64_t)count < list_len(&l) ? (uint64_t)count : list_len(&l);
        if (list_pop_reply(c, &l, where, (uint64_t)count, 1) < 0) {
            list_release(&l);
            return -1;
        }
        list_save(&l);
        server_dirty(c, (long long)n);
        list_notify(&l, pop_event(where));
        list_release(&l);
        return 1;
    }
    return 0;
}

void lmpopCommand(client *c) {
    long long numkeys, count;
    int where;
    if (mpop_parse(c, 1, &numkeys, &where, &count) < 0) return;
    if (mpop_keys(c, 2, numkeys, where, count) == 0) reply_null_array(c);
}

/* ---------------------------------------------------------------------------
 * Length, index, range
 * ------------------------------------------------------------------------ */

void llenCommand(client *c) {
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    reply_longlong(c, (long long)list_len(&l));
    list_release(&l);
}

/* Redis looks the key up before it parses the index: a missing key answers
 * nil whatever the index says. */
void lindexCommand(client *c) {
    list l;
    long long index;
    uint64_t pos;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        reply_null(c);
        return;
    }
    if (arg_longlong(c, 2, &index, NULL) < 0) {
        list_release(&l);
        return;
    }
    if (!list_index_select(index, list_len(&l), &pos)) {
        reply_null(c);
    } else {
        char *v;
        size_t vlen;
        if (list_get(&l, pos, &v, &vlen) == 1) {
            reply_bulk(c, v, vlen);
            tier_free(v);
        } else {
            reply_error(c, ERR_LIST_CORRUPT);
        }
    }
    list_release(&l);
}

void lsetCommand(client *c) {
    list l;
    long long index;
    uint64_t pos;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        reply_error(c, ERR_NO_SUCH_KEY);
        return;
    }
    if (arg_longlong(c, 2, &index, NULL) < 0) {
        list_release(&l);
        return;
    }
    if (!list_index_select(index, list_len(&l), &pos)) {
        reply_error(c, "ERR index out of range");
    } else {
        list_put_at(&l, l.head + pos, KEY(3));
        server_dirty(c, 1);
        list_notify(&l, "lset");
        reply_ok(c);
    }
    list_release(&l);
}

void lrangeCommand(client *c) {
    long long start, end;
    if (arg_longlong(c, 2, &start, NULL) < 0 || arg_longlong(c, 3, &end, NULL) < 0) return;
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    uint64_t first, n = list_range_select(start, end, list_len(&l), &first);
    size_t mark = c->olen;
    reply_array_len(c, (long)n);
    list_reply_elements(c, &l, first, +1, n, mark);
    list_release(&l);
}

/* LTRIM deletes the elements outside the range; nothing else moves. */
void ltrimCommand(client *c) {
    long long start, end;
    if (arg_longlong(c, 2, &start, NULL) < 0 || arg_longlong(c, 3, &end, NULL) < 0) return;
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (l.o.exists) {
        uint64_t len = list_len(&l), first, n = list_range_select(start, end, len, &first);
        uint64_t removed = len - n;
        list_drop(&l, LIST_HEAD, n ? first : len);
        if (n) list_drop(&l, LIST_TAIL, len - first - n);
        list_save(&l);
        server_dirty(c, (long long)removed);
        list_notify(&l, "ltrim");
    }
    reply_ok(c);
    list_release(&l);
}

/* ---------------------------------------------------------------------------
 * Search: LPOS, LREM, LINSERT
 * ------------------------------------------------------------------------ */

/* Collects positions of the elements equal to `elem`. */
typedef struct match_ctx {
    const char *elem;
    size_t elen;
    uint64_t skip;    /* matches to pass over first (LPOS RANK) */
    uint64_t limit;   /* stop after this many collected; 0 = no limit */
    uint64_t *pos;
    size_t n, cap;
} match_ctx;

static int match_visit(uint64_t pos, const char *v, size_t vlen, void *ctx) {
    match_ctx *m = ctx;
    if (vlen != m->elen || memcmp(v, m->elem, vlen) != 0) return 0;
    if (m->skip) {
        m->skip--;
        return 0;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->pos = realloc(m->pos, sizeof(uint64_t) * m->cap);
    }
    m->pos[m->n++] = pos;
    return m->limit && m->n >= m->limit;
}

/* Walk from one end over at most maxlen elements (0 = all) collecting
 * matches. Returns TIER_OK / TIER_ERR; m->pos to free(). */
static int list_find(list *l, int from_tail, uint64_t maxlen, match_ctx *m) {
    uint64_t len = list_len(l), n = maxlen && maxlen < len ? maxlen : len;
    return from_tail ? list_walk(l, len - 1, -1, n, match_visit, m) : list_walk(l, 0, +1, n, match_visit, m);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
void lposCommand(client *c) {
    long long rank = 1, count = -1, maxlen = 0;
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(c, j, "RANK") && more) {
            if (arg_longlong(c, ++j, &rank, NULL) < 0) return;
            if (rank == 0) {
                reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the "
                               "second ... or use negative to start from the end of the list");
                return;
            }
        } else if (arg_is(c, j, "COUNT") && more) {
            if (arg_long_min(c, ++j, 0, "COUNT can't be negative", &count) < 0) return;
        } else if (arg_is(c, j, "MAXLEN") && more) {
            if (arg_long_min(c, ++j, 0, "MAXLEN can't be negative", &maxlen) < 0) return;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    int from_tail, unlimited;
    match_ctx m = {.elem = c->argv[2].ptr, .elen = c->argv[2].len};
    list_rank_plan(rank, &from_tail, &m.skip, &unlimited);
    m.limit = count < 0 ? 1 : unlimited ? 0 : (uint64_t)count;
    if (l.o.exists && list_find(&l, from_tail, (uint64_t)maxlen, &m) != TIER_OK) {
        reply_error(c, ERR_LIST_CORRUPT);
    } else if (count < 0) {
        if (m.n)
            reply_longlong(c, (long long)m.pos[0]);
        else
            reply_null(c);
    } else {
        reply_array_len(c, (long)m.n);
        for (size_t i = 0; i < m.n; i++) reply_longlong(c, (long long)m.pos[i]);
    }
    free(m.pos);
    list_release(&l);
}

/* LREM key count element: count > 0 removes the first count matches from
 * the head, count < 0 from the tail, 0 all of them. */
void lremCommand(client *c) {
    long long count;
    if (arg_longlong(c, 2, &count, NULL) < 0) return;
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        reply_longlong(c, 0);
        return;
    }
    match_ctx m = {.elem = c->argv[3].ptr, .elen = c->argv[3].len};
    m.limit = count == LLONG_MIN ? (uint64_t)LLONG_MAX + 1 : (uint64_t)(count < 0 ? -count : count);
    if (list_find(&l, count < 0, 0, &m) != TIER_OK) {
        reply_error(c, ERR_LIST_CORRUPT);
    } else {
        if (count < 0) { /* found tail first: make the positions ascending */
            for (size_t i = 0; i < m.n / 2; i++) {
                uint64_t t = m.pos[i];
                m.pos[i] = m.pos[m.n - 1 - i];
                m.pos[m.n - 1 - i] = t;
            }
        }
        if (list_remove_positions(&l, m.pos, m.n) != TIER_OK) {
            reply_error(c, ERR_LIST_CORRUPT);
        } else {
            if (m.n) {
                list_save(&l);
                server_dirty(c, (long long)m.n);
                list_notify(&l, "lrem");
            }
            reply_longlong(c, (long long)m.n);
        }
    }
    free(m.pos);
    list_release(&l);
}

/* LINSERT key BEFORE|AFTER pivot element: the new length, -1 when the pivot
 * is not there, 0 when the key is not. */
void linsertCommand(client *c) {
    int after;
    if (arg_is(c, 2, "AFTER"))
        after = 1;
    else if (arg_is(c, 2, "BEFORE"))
        after = 0;
    else {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    list l;
    if (list_lookup(c, KEY(1), &l) < 0) return;
    if (!l.o.exists) {
        reply_longlong(c, 0);
        return;
    }
    match_ctx m = {.elem = c->argv[3].ptr, .elen = c->argv[3].len, .limit = 1};
    if (list_find(&l, 0, 0, &m) != TIER_OK) {
        reply_error(c, ERR_LIST_CORRUPT);
    } else if (m.n == 0) {
        reply_longlong(c, -1);
    } else if (list_insert_at(&l, m.pos[0] + after, KEY(4)) != TIER_OK) {
        reply_error(c, ERR_LIST_CORRUPT);
    } else {
        list_save(&l);
        server_dirty(c, 1);
        list_notify(&l, "linsert");
        reply_longlong(c, (long long)list_len(&l));
    }
    free(m.pos);
    list_release(&l);
}

/* ---------------------------------------------------------------------------
 * LMOVE, RPOPLPUSH
 * ------------------------------------------------------------------------ */

/* Pop from one end of src and push onto one end of dst, replying the
 * element (nil when src does not exist; dst's type is then not checked, as
 * in Redis). src == dst rotates the list in place. */
static void lmove_generic(client *c, int wherefrom, int whereto) {
    list src, dstl, *dst = &dstl;
    if (list_lookup(c, KEY(1), &src) < 0) return;
    if (!src.o.exists) {
        reply_null(c);
        return;
    }
    int same = c->argv[1].len == c->argv[2].len && memcmp(c->argv[1].ptr, c->argv[2].ptr, c->argv[1].len) == 0;
    if (same) {
        dst = &src;
    } else if (list_lookup(c, KEY(2), &dstl) < 0) {
        list_release(&src);
        return;
    }
    char *v;
    size_t vlen;
    if (list_get(&src, wherefrom == LIST_HEAD ? 0 : list_len(&src) - 1, &v, &vlen) != 1) {
        reply_error(c, ERR_LIST_CORRUPT);
    } else {
        list_drop(&src, wherefrom, 1);
        if (!dst->o.exists) list_create(dst);
        list_push(dst, whereto, v, vlen);
        /* a rotated one-element list went through count 0: save only once */
        list_save(&src);
        if (!same) list_save(dst);
        server_dirty(c, 1);
        /* Redis's order: the push on dst, then the pop on src (and its
         * "del" when it emptied). */
        notify_keyspace_event(NOTIFY_LIST, push_event(whereto), dst->key, dst->klen, dst->db);
        list_notify(&src, pop_event(wherefrom));
        reply_bulk(c, v, vlen);
        tier_free(v);
    }
    list_release(&src);
    if (!same) list_release(&dstl);
}

void lmoveCommand(client *c) {
    int from, to;
    if ((from = parse_where(c, 3)) < 0 || (to = parse_where(c, 4)) < 0) return;
    lmove_generic(c, from, to);
}

void rpoplpushCommand(client *c) { lmove_generic(c, LIST_TAIL, LIST_HEAD); }

/* ---------------------------------------------------------------------------
 * Blocking pops: BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH
 *
 * Each does what its non-blocking twin does when a key has elements, and
 * otherwise parks the client with block_for_keys(); when one of the keys is
 * written, blocking.c runs the command again from the start.
 * ------------------------------------------------------------------------ */

/* When blocking.c reruns a waiter, a key that now holds another type is
 * passed over as if empty: Redis 7.0 serves a waiter from the key that
 * became ready without looking at its other keys. */
static int rerun_skips(client *c, int k) {
    if (!block_is_rerun(c)) return 0;
    tier_obj o;
    if (tier_peek(c->db, KEY(k), server_mstime(), &o, NULL) != TIER_OK) return 0;
    int skip = o.exists && o.type != OBJ_LIST;
    tier_obj_free(&o);
    return skip;
}

/* BLPOP/BRPOP key [key ...] timeout: [key, element] from the first key
 * that has one. */
static void bpop_generic(client *c, int where) {
    long long timeout;
    if (block_parse_timeout(c, c->argc - 1, &timeout) < 0) return;
    for (int k = 1; k < c->argc - 1; k++) {
        if (rerun_skips(c, k)) continue;
        list l;
        if (list_lookup(c, KEY(k), &l) < 0) return;
        if (!l.o.exists) continue;
        char *v;
        size_t vlen;
        if (list_get(&l, where == LIST_HEAD ? 0 : list_len(&l) - 1, &v, &vlen) != 1) {
            reply_error(c, ERR_LIST_CORRUPT);
            list_release(&l);
            return;
        }
        reply_array_len(c, 2);
        reply_bulk(c, KEY(k));
        reply_bulk(c, v, vlen);
        tier_free(v);
        list_drop(&l, where, 1);
        list_save(&l);
        server_dirty(c, 1);
        list_release(&l);
        return;
    }
    block_for_key_range(c, 1, c->argc - 2, OBJ_LIST, timeout, BLOCK_REPLY_NULL_ARRAY);
}

void blpopCommand(client *c) { bpop_generic(c, LIST_HEAD); }
void brpopCommand(client *c) { bpop_generic(c, LIST_TAIL); }

/* BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: the
 * arguments after the timeout are checked first, as in Redis. */
void blmpopCommand(client *c) {
    long long numkeys, count, timeout;
    int where;
    if (mpop_parse(c, 2, &numkeys, &where, &count) < 0) return;
    if (block_parse_timeout(c, 1, &timeout) < 0) return;
    int r = mpop_keys(c, 3, numkeys, where, count);
    if (r == 0) block_for_key_range(c, 3, (int)numkeys, OBJ_LIST, timeout, BLOCK_REPLY_NULL_ARRAY);
}

/* BLMOVE/BRPOPLPUSH: only the source is waited on; the destination's type
 * is checked when there is something to move. */
static void bmove_generic(client *c, int wherefrom, int whereto, int timeout_idx) {
    long long timeout;
    if (block_parse_timeout(c, timeout_idx, &timeout) < 0) return;
    list src;
    if (list_lookup(c, KEY(1), &src) < 0) return;
    int exists = src.o.exists;
    list_release(&src);
    if (exists)
        lmove_generic(c, wherefrom, whereto);
    else
        block_for_key_range(c, 1, 1, OBJ_LIST, timeout, BLOCK_REPLY_NULL_BULK);
}

void blmoveCommand(client *c) {
    int from, to;
    if ((from = parse_where(c, 3)) < 0 || (to = parse_where(c, 4)) < 0) return;
    bmove_generic(c, from, to, 5);
}

void brpoplpushCommand(client *c) { bmove_generic(c, LIST_TAIL, LIST_HEAD, 3); }
