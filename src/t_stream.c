/* t_stream.c - streams and consumer groups: XADD, XRANGE, XREAD, XTRIM,
 * XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO, XSETID.
 *
 * Representation
 * --------------
 * A stream is a compound value of the keyspace layer (keyspace.h). Its
 * metadata record's count is the number of entries (XLEN is O(1)) and its
 * `extra` bytes hold what XADD needs, so an append reads nothing else:
 *
 *     extra = [last id 16][first id 16][entries added u64]
 *             [tail node u48, tail fill u16][live nodes u64]
 *
 * An id is [ms u64][seq u64], big-endian, so byte order is id order.
 * Everything else is an element in the sub CF, under a tag byte:
 *
 *     'E' id                              -> entry: [node u64][n u32]
 *                                            then n times [len u32][bytes]
 *                                            (field, value, field, value...)
 *     'A'                                 -> [max deleted id 16][groups u64]
 *     'G' group                           -> [last delivered id 16]
 *                                            [entries read i64][pending u64]
 *                                            [consumers u64]
 *     'C' glen:u32 group consumer         -> [seen ms i64][pending u64]
 *     'P' glen:u32 group id               -> [delivery ms i64][deliveries u64]
 *                                            [consumer bytes]
 *     'Q' glen:u32 group clen:u32 consumer id -> empty (the consumer's PEL)
 *
 * so entries are in id order (XRANGE from the middle is a seek, XADD an
 * append), groups and consumers in name order (as Redis's radix trees
 * list them), and a group's PEL and each consumer's PEL in id order: XPENDING,
 * XCLAIM, XAUTOCLAIM and XREADGROUP's history seek to their start.
 *
 * Nodes: Redis keeps entries in radix-tree nodes of up to 100 entries
 * (stream-node-max-entries) and approximate trimming (MAXLEN ~, MINID ~)
 * removes only whole nodes, so its counts depend on node boundaries. Each
 * entry records the node Redis would have put it in: appends fill the tail
 * node up to 100 entries (live or deleted), a node whose entries are all
 * gone is dropped, and the next append after the tail node was dropped
 * opens a new one, as Redis does. The metadata tracks the tail node and
 * the number of live nodes (XINFO STREAM's radix-tree-keys). Redis also
 * closes a node at 4096 bytes (stream-node-max-bytes); we do not, so `~`
 * counts differ from Redis's for streams whose entries are bigger than
 * about 40 bytes (docs/encoding.md).
 *
 * Fronts: entries trimmed from the front leave tombstones in RocksDB until
 * compaction; every forward walk starts at the first id recorded in the
 * metadata, never at the start of the tag, so it does not wade through them.
 *
 * A stream with no entries stays (XDEL of everything, MAXLEN 0, XGROUP
 * CREATE MKSTREAM), as in Redis: the keyspace layer keeps streams at count 0.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "util.h"

#define KEY(i) c->argv[i].ptr, c->argv[i].len

#define STREAM_EXTRA_LEN 56
#define STREAM_NODE_MAX 100 /* Redis's stream-node-max-entries default */
#define ID_LEN 16

#define TAG_ENTRY 'E'
#define TAG_AUX 'A'
#define TAG_GROUP 'G'
#define TAG_CONSUMER 'C'
#define TAG_PEL 'P'
#define TAG_CPEL 'Q'
#define TAG_NODE 'N' /* N | node (u64): the last id a closed node ever held */

static const char *ERR_INVALID_ID = "ERR Invalid stream ID specified as stream command argument";

/* ---------------------------------------------------------------------------
 * Stream IDs (exported for tests/unit/test_stream.c)
 * ------------------------------------------------------------------------ */

typedef struct streamid {
    uint64_t ms, seq;
} streamid;

static const streamid ID_ZERO = {0, 0};
static const streamid ID_MAX = {UINT64_MAX, UINT64_MAX};

int stream_id_cmp(const streamid *a, const streamid *b) {
    if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

/* The next / previous id. -1 (and no change) at the end of the space. */
int stream_id_incr(streamid *id) {
    if (id->seq == UINT64_MAX) {
        if (id->ms == UINT64_MAX) return -1;
        id->ms++;
        id->seq = 0;
    } else {
        id->seq++;
    }
    return 0;
}

int stream_id_decr(streamid *id) {
    if (id->seq == 0) {
        if (id->ms == 0) return -1;
        id->ms--;
        id->seq = UINT64_MAX;
    } else {
        id->seq--;
    }
    return 0;
}

void stream_id_encode(char out[ID_LEN], const streamid *id) {
    enc_put_u64(out, id->ms);
    enc_put_u64(out + 8, id->seq);
}

void stream_id_decode(const char *in, streamid *id) {
    id->ms = enc_get_u64(in);
    id->seq = enc_get_u64(in + 8);
}

/* Parse an id as Redis does: "-" and "+" (unless strict), "ms" (seq =
 * missing_seq) or "ms-seq"; with seq_given non-NULL also "ms-*", which sets
 * *seq_given to 0. Numbers follow Redis's string2ull (util_str2ull_lax);
 * the text ends at a NUL byte and is at most 127 bytes. 0 or -1. */
int stream_id_parse(const char *s, size_t len, streamid *id, uint64_t missing_seq, int strict, int *seq_given) {
    char buf[128];
    if (len > sizeof(buf) - 1) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    len = strlen(buf);
    if (strict && len == 1 && (buf[0] == '-' || buf[0] == '+')) return -1;
    if (seq_given) *seq_given = 1;
    if (len == 1 && buf[0] == '-') {
        *id = ID_ZERO;
        return 0;
    }
    if (len == 1 && buf[0] == '+') {
        *id = ID_MAX;
        return 0;
    }
    unsigned long long ms, seq;
    char *dash = strchr(buf, '-');
    if (dash) *dash = 0;
    if (!util_str2ull_lax(buf, strlen(buf), &ms)) return -1;
    if (dash) {
        const char *sp = dash + 1;
        if (seq_given && sp[0] == '*' && sp[1] == 0) {
            seq = 0;
            *seq_given = 0;
        } else if (!util_str2ull_lax(sp, strlen(sp), &seq)) {
            return -1;
        }
    } else {
        seq = missing_seq;
    }
    id->ms = ms;
    id->seq = seq;
    return 0;
}

static size_t id_format(char *buf, const streamid *id) {
    return (size_t)snprintf(buf, 48, "%llu-%llu", (unsigned long long)id->ms, (unsigned long long)id->seq);
}

static void reply_id(client *c, const streamid *id) {
    char buf[48];
    reply_bulk(c, buf, id_format(buf, id));
}

static int is_zero(const streamid *id) { return id->ms == 0 && id->seq == 0; }

/* Argument parsers that reply Redis's error. */
static int arg_id(client *c, int i, streamid *id, uint64_t missing_seq) {
    if (stream_id_parse(KEY(i), id, missing_seq, 0, NULL) == 0) return 0;
    reply_error(c, ERR_INVALID_ID);
    return -1;
}

static int arg_strict_id(client *c, int i, streamid *id) {
    if (stream_id_parse(KEY(i), id, 0, 1, NULL) == 0) return 0;
    reply_error(c, ERR_INVALID_ID);
    return -1;
}

/* An interval bound: "(" before an id excludes it (then the id itself is
 * strict). Sets *id to the inclusive bound. start: 1 for a start bound. */
static int arg_interval(client *c, int i, streamid *id, int start) {
    const char *p = c->argv[i].ptr;
    size_t len = c->argv[i].len;
    int ex = len > 1 && p[0] == '(';
    uint64_t missing = start ? 0 : UINT64_MAX;
    if (ex) {
        if (stream_id_parse(p + 1, len - 1, id, missing, 1, NULL) < 0) {
            reply_error(c, ERR_INVALID_ID);
            return -1;
        }
        if ((start ? stream_id_incr(id) : stream_id_decr(id)) < 0) {
            reply_error(c, start ? "ERR invalid start ID for the interval" : "ERR invalid end ID for the interval");
            return -1;
        }
        return 0;
    }
    return arg_id(c, i, id, missing);
}

/* ---------------------------------------------------------------------------
 * Element keys
 * ------------------------------------------------------------------------ */

/* A sub key, on the stack when small. */
typedef struct skey {
    char *p;
    size_t len, cap;
    char small[160];
} skey;

static void sk_init(skey *k) {
    k->p = k->small;
    k->len = 0;
    k->cap = sizeof(k->small);
}

static void sk_need(skey *k, size_t more) {
    if (k->len + more <= k->cap) return;
    size_t cap = (k->len + more) * 2;
    char *p = malloc(cap);
    memcpy(p, k->p, k->len);
    if (k->p != k->small) free(k->p);
    k->p = p;
    k->cap = cap;
}

static void sk_byte(skey *k, char b) {
    sk_need(k, 1);
    k->p[k->len++] = b;
}

static void sk_bytes(skey *k, const char *s, size_t n) {
    sk_need(k, n);
    if (n) memcpy(k->p + k->len, s, n);
    k->len += n;
}

static void sk_u32(skey *k, uint32_t v) {
    sk_need(k, 4);
    enc_put_u32(k->p + k->len, v);
    k->len += 4;
}

static void sk_u64(skey *k, uint64_t v) {
    sk_need(k, 8);
    enc_put_u64(k->p + k->len, v);
    k->len += 8;
}

static void sk_id(skey *k, const streamid *id) {
    sk_u64(k, id->ms);
    sk_u64(k, id->seq);
}

static void sk_release(skey *k) {
    if (k->p != k->small) free(k->p);
}

/* [tag][glen][group] */
static void sk_group_prefix(skey *k, char tag, const char *g, size_t glen) {
    sk_init(k);
    sk_byte(k, tag);
    sk_u32(k, (uint32_t)glen);
    sk_bytes(k, g, glen);
}

/* [Q][glen][group][clen][consumer] */
static void sk_cpel_prefix(skey *k, const char *g, size_t glen, const char *cn, size_t clen) {
    sk_group_prefix(k, TAG_CPEL, g, glen);
    sk_u32(k, (uint32_t)clen);
    sk_bytes(k, cn, clen);
}

static void entry_key(char out[1 + ID_LEN], const streamid *id) {
    out[0] = TAG_ENTRY;
    stream_id_encode(out + 1, id);
}

/* ---------------------------------------------------------------------------
 * Stream type API
 * ------------------------------------------------------------------------ */

typedef struct stream {
    int db;
    const char *key;
    size_t klen;
    tier_obj o; /* o.exists = 0: no such key */
    streamid last, first;
    uint64_t added;
    uint64_t tail_node, tail_fill, live_nodes; /* Redis's nodes, mimicked */
    int meta_dirty;
    /* the 'A' record, loaded on demand (stream_load_aux) */
    int aux_loaded, aux_dirty;
    streamid maxdel;
    uint64_t ngroups;
} stream;

static void stream_unpack(stream *s) {
    s->last = s->first = ID_ZERO;
    s->added = s->tail_node = s->tail_fill = s->live_nodes = 0;
    if (s->o.extralen < STREAM_EXTRA_LEN) return;
    const char *e = s->o.extra;
    stream_id_decode(e, &s->last);
    stream_id_decode(e + 16, &s->first);
    s->added = enc_get_u64(e + 32);
    uint64_t tail = enc_get_u64(e + 40);
    s->tail_node = tail >> 16;
    s->tail_fill = tail & 0xffff;
    s->live_nodes = enc_get_u64(e + 48);
}

static void stream_pack(stream *s) {
    char *e = s->o.extra;
    stream_id_encode(e, &s->last);
    stream_id_encode(e + 16, &s->first);
    enc_put_u64(e + 32, s->added);
    enc_put_u64(e + 40, (s->tail_node << 16) | (s->tail_fill & 0xffff));
    enc_put_u64(e + 48, s->live_nodes);
    s->o.extralen = STREAM_EXTRA_LEN;
}

enum { FOR_READ, FOR_WRITE };

/* Look up argv[i] as a stream. Replies (WRONGTYPE or a store error) and
 * returns -1 when the command cannot go on; an absent key is not an error. */
static int stream_open(client *c, int i, int mode, stream *s) {
    memset(s, 0, sizeof(*s));
    s->db = c->db;
    s->key = c->argv[i].ptr;
    s->klen = c->argv[i].len;
    if (mode == FOR_READ) {
        if (db_lookup_typed(c, s->key, s->klen, OBJ_STREAM, &s->o) < 0) return -1;
    } else {
        if (tier_lookup(c->db, s->key, s->klen, server_mstime(), &s->o) != TIER_OK) {
            reply_store_error(c);
            return -1;
        }
        if (s->o.exists && s->o.type != OBJ_STREAM) {
            reply_error(c, ERR_WRONGTYPE);
            tier_obj_free(&s->o);
            return -1;
        }
    }
    if (s->o.exists) stream_unpack(s);
    return 0;
}

static void stream_close(stream *s) { tier_obj_free(&s->o); }

static void stream_create(stream *s) {
    tier_compound_create(s->db, s->key, s->klen, OBJ_STREAM, &s->o);
    s->last = s->maxdel = s->first = ID_ZERO;
    s->added = s->ngroups = 0;
    s->aux_loaded = 1;
    s->tail_node = s->tail_fill = s->live_nodes = 0;
    s->meta_dirty = 1;
}

/* Load the 'A' record (max deleted id, number of groups): what only
 * XDEL, XSETID, XGROUP, XINFO and the lag arithmetic need. 0 or -1. */
static int stream_load_aux(stream *s) {
    if (s->aux_loaded || !s->o.exists) return 0;
    char k = TAG_AUX, *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, &k, 1, &v, &vlen);
    if (r == TIER_ERR) return -1;
    s->maxdel = ID_ZERO;
    s->ngroups = 0;
    if (r == 1) {
        if (vlen >= 24) {
            stream_id_decode(v, &s->maxdel);
            s->ngroups = enc_get_u64(v + 16);
        }
        tier_free(v);
    }
    s->aux_loaded = 1;
    return 0;
}

/* Store what changed. */
static void stream_save(stream *s) {
    if (s->aux_dirty) {
        char k = TAG_AUX, v[24];
        stream_id_encode(v, &s->maxdel);
        enc_put_u64(v + 16, s->ngroups);
        tier_sub_put(s->db, s->key, s->klen, &s->o, &k, 1, v, sizeof(v));
        s->aux_dirty = 0;
    }
    if (s->meta_dirty) {
        stream_pack(s);
        tier_compound_save(s->db, s->key, s->klen, &s->o);
        s->meta_dirty = 0;
    }
}

static uint64_t stream_len(const stream *s) { return s->o.exists ? s->o.count : 0; }

/* An iterator over the elements under one key prefix (a tag, a group's
 * PEL, ...): bounded, so it never steps over the deleted elements of the
 * ranges around it (RocksDB keeps them as tombstones until compaction). */
static tier_iter *siter(stream *s, const char *prefix, size_t plen) {
    return tier_iter_new_prefix(s->db, s->key, s->klen, &s->o, 0, prefix, plen);
}

static const char ETAG = TAG_ENTRY;

/* ---- entries ---- */

/* One entry copied out of the store: id and the encoded value. */
typedef struct sentry {
    streamid id;
    char *val; /* malloc'd; NULL for "no such entry" */
    size_t vlen;
} sentry;

typedef struct sentries {
    sentry *v;
    size_t n, cap;
} sentries;

static void sentries_add(sentries *l, const streamid *id, const char *val, size_t vlen) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    sentry *e = &l->v[l->n++];
    e->id = *id;
    if (val) {
        e->val = malloc(vlen ? vlen : 1);
        if (vlen) memcpy(e->val, val, vlen);
    } else {
        e->val = NULL;
    }
    e->vlen = vlen;
}

static void sentries_free(sentries *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].val);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static uint64_t entry_node(const char *val, size_t vlen) { return vlen >= 8 ? enc_get_u64(val) : 0; }

/* Reply one entry: [id, [field, value, ...]]; a NULL value (the entry is
 * gone) as [id, nil]. */
static void reply_entry(client *c, const sentry *e) {
    reply_array_len(c, 2);
    reply_id(c, &e->id);
    if (!e->val) {
        reply_null_array(c);
        return;
    }
    const char *p = e->val, *end = e->val + e->vlen;
    if (e->vlen < 12) {
        reply_array_len(c, 0);
        return;
    }
    uint32_t n = enc_get_u32(p + 8);
    p += 12;
    reply_array_len(c, (long)n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = 0;
        if (p + 4 <= end) {
            len = enc_get_u32(p);
            p += 4;
        }
        if (p + len > end) len = (uint32_t)(end - p); /* damaged: keep the framing */
        reply_bulk(c, p, len);
        p += len;
    }
}

static void reply_entries(client *c, const sentries *l) {
    reply_array_len(c, (long)l->n);
    for (size_t i = 0; i < l->n; i++) reply_entry(c, &l->v[i]);
}

/* Is the iterator on an entry? Fills *id. */
static int iter_entry(tier_iter *it, streamid *id) {
    if (!tier_iter_valid(it)) return 0;
    size_t len;
    const char *k = tier_iter_sub(it, &len);
    if (len != 1 + ID_LEN || k[0] != TAG_ENTRY) return 0;
    stream_id_decode(k + 1, id);
    return 1;
}

/* Collect entries with start <= id <= end, up to count (0: all), in id
 * order or reversed. TIER_OK or TIER_ERR. */
static int stream_range(stream *s, streamid start, streamid end, uint64_t count, int rev, sentries *out) {
    if (!s->o.exists || s->o.count == 0 || stream_id_cmp(&start, &end) > 0) return TIER_OK;
    /* Nothing lives before the first id: start there (past the tombstones
     * trimming leaves). */
    if (stream_id_cmp(&start, &s->first) < 0) start = s->first;
    if (stream_id_cmp(&start, &end) > 0) return TIER_OK;
    tier_iter *it = siter(s, &ETAG, 1);
    char k[1 + ID_LEN];
    streamid id;
    if (!rev) {
        entry_key(k, &start);
        for (tier_iter_seek(it, k, sizeof(k)); iter_entry(it, &id); tier_iter_next(it)) {
            if (stream_id_cmp(&id, &end) > 0) break;
            size_t vlen;
            const char *v = tier_iter_value(it, &vlen);
            sentries_add(out, &id, v, vlen);
            if (count && out->n >= count) break;
        }
    } else {
        entry_key(k, &end);
        for (tier_iter_seek_for_prev(it, k, sizeof(k)); iter_entry(it, &id); tier_iter_prev(it)) {
            if (stream_id_cmp(&id, &start) < 0) break;
            size_t vlen;
            const char *v = tier_iter_value(it, &vlen);
            sentries_add(out, &id, v, vlen);
            if (count && out->n >= count) break;
        }
    }
    tier_iter_free(it);
    return TIER_OK;
}

/* The id of the last entry (Redis's streamLastValidID): 0-0 when empty. */
static streamid stream_last_valid(stream *s) {
    sentries l = {0};
    streamid r = ID_ZERO;
    stream_range(s, ID_ZERO, ID_MAX, 1, 1, &l);
    if (l.n) r = l.v[0].id;
    sentries_free(&l);
    return r;
}

/* The first entry at or after id (1 and *out) or 0. */
static int stream_first_from(stream *s, streamid from, streamid *out) {
    sentries l = {0};
    stream_range(s, from, ID_MAX, 1, 0, &l);
    int found = l.n > 0;
    if (found) *out = l.v[0].id;
    sentries_free(&l);
    return found;
}

/* Read one entry: 1 (copied into *e), 0 (absent) or TIER_ERR. */
static int stream_get(stream *s, const streamid *id, sentry *e) {
    char k[1 + ID_LEN];
    entry_key(k, id);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k, sizeof(k), &v, &vlen);
    e->id = *id;
    e->val = NULL;
    e->vlen = 0;
    if (r != 1) return r;
    e->val = malloc(vlen ? vlen : 1);
    memcpy(e->val, v, vlen);
    e->vlen = vlen;
    tier_free(v);
    return 1;
}

static int stream_exists_entry(stream *s, const streamid *id) {
    sentry e;
    int r = stream_get(s, id, &e);
    free(e.val);
    return r;
}

/* The id a new entry gets: explicit (seq_given: whole; else ms-*) or from
 * the clock. -1 when it would not be above the last id. */
static int stream_next_id(stream *s, const streamid *given, int seq_given, streamid *out) {
    if (given) {
        if (seq_given) {
            *out = *given;
        } else if (given->ms == s->last.ms) {
            if (s->last.seq == UINT64_MAX) return -1;
            out->ms = given->ms;
            out->seq = s->last.seq + 1;
        } else {
            out->ms = given->ms;
            out->seq = 0;
        }
        return stream_id_cmp(out, &s->last) > 0 ? 0 : -1;
    }
    uint64_t now = (uint64_t)server_mstime();
    if (now > s->last.ms) {
        out->ms = now;
        out->seq = 0;
        return 0;
    }
    *out = s->last;
    return stream_id_incr(out);
}

/* Append an entry of n field/value pairs from argv[first..]. The id was
 * checked by stream_next_id. TIER_ERR on a store error. */
/* The 'N' record of node `node`. */
static void sk_node(skey *k, uint64_t node) {
    sk_init(k);
    sk_byte(k, TAG_NODE);
    sk_u64(k, node);
}

static int stream_append(client *c, stream *s, const streamid *id, int first, int n) {
    if (s->tail_node == 0 || s->tail_fill >= STREAM_NODE_MAX) {
        /* The tail node closes with s->last as its last id, deleted or not:
         * Redis's MINID ~ judges a node by it (stream_trim). */
        if (s->tail_node && s->tail_fill <= STREAM_NODE_MAX) {
            skey k;
            char v[ID_LEN];
            sk_node(&k, s->tail_node);
            stream_id_encode(v, &s->last);
            tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, v, sizeof(v));
            sk_release(&k);
        }
        s->tail_node++;
        s->tail_fill = 0;
        s->live_nodes++;
    }
    s->tail_fill++;
    size_t vlen = 12;
    for (int i = first; i < first + 2 * n; i++) vlen += 4 + c->argv[i].len;
    char *v = malloc(vlen), *p = v;
    enc_put_u64(p, s->tail_node);
    enc_put_u32(p + 8, (uint32_t)(2 * n));
    p += 12;
    for (int i = first; i < first + 2 * n; i++) {
        enc_put_u32(p, (uint32_t)c->argv[i].len);
        memcpy(p + 4, c->argv[i].ptr, c->argv[i].len);
        p += 4 + c->argv[i].len;
    }
    char k[1 + ID_LEN];
    entry_key(k, id);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k, sizeof(k), v, vlen);
    free(v);
    if (s->o.count == 0) s->first = *id;
    s->o.count++;
    s->added++;
    s->last = *id;
    s->meta_dirty = 1;
    return TIER_OK;
}

/* Does node `node` still have an entry next to id (after id was deleted)? */
static int node_has_neighbour(stream *s, const streamid *id, uint64_t node) {
    tier_iter *it = siter(s, &ETAG, 1);
    char k[1 + ID_LEN];
    entry_key(k, id);
    streamid nid;
    int found = 0;
    tier_iter_seek(it, k, sizeof(k));
    if (iter_entry(it, &nid)) {
        size_t vlen;
        const char *v = tier_iter_value(it, &vlen);
        found = entry_node(v, vlen) == node;
    }
    if (!found) {
        tier_iter_seek_for_prev(it, k, sizeof(k));
        if (iter_entry(it, &nid)) {
            size_t vlen;
            const char *v = tier_iter_value(it, &vlen);
            found = entry_node(v, vlen) == node;
        }
    }
    tier_iter_free(it);
    return found;
}

/* A node lost its last entry: Redis frees it, and once the tail node is
 * gone the next append opens a new one. */
static void node_dropped(stream *s, uint64_t node) {
    skey k;
    sk_node(&k, node);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k.p, k.len);
    sk_release(&k);
    if (s->live_nodes) s->live_nodes--;
    if (node == s->tail_node) s->tail_fill = STREAM_NODE_MAX + 1; /* gone: the next append opens a node */
    s->meta_dirty = 1;
}

/* XDEL of one id: 1 deleted, 0 absent, TIER_ERR. */
static int stream_delete(stream *s, const streamid *id) {
    sentry e;
    int r = stream_get(s, id, &e);
    if (r != 1) return r;
    uint64_t node = entry_node(e.val, e.vlen);
    free(e.val);
    char k[1 + ID_LEN];
    entry_key(k, id);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k, sizeof(k));
    s->o.count--;
    s->meta_dirty = 1;
    if (!node_has_neighbour(s, id, node)) node_dropped(s, node);
    return 1;
}

/* Refresh the first id after deletions at the front (0-0 when empty, as
 * Redis reports an emptied stream). */
static void stream_refresh_first(stream *s, streamid from) {
    streamid f;
    if (s->o.count == 0)
        s->first = ID_ZERO;
    else if (stream_first_from(s, from, &f))
        s->first = f;
    s->meta_dirty = 1;
}

enum { TRIM_NONE, TRIM_MAXLEN, TRIM_MINID };

typedef struct trim_args {
    int strategy;
    int approx;
    long long maxlen;
    streamid minid;
    long long limit; /* 0: no limit */
} trim_args;

/* Trim as Redis's streamTrim: whole nodes from the front while the rule
 * allows; then, unless approximate, single entries of the next node.
 * Costs what it removes plus one node. Returns the number removed, or
 * -1 on a store error. */
/* The last id node `node` ever held (deleted entries included, as they stay
 * in a Redis listpack): s->last for the tail node, else its 'N' record;
 * live_last when there is none (a node closed before the record existed). */
static streamid node_last_id(stream *s, uint64_t node, const streamid *live_last) {
    if (node == s->tail_node) return s->last;
    skey k;
    sk_node(&k, node);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k.p, k.len, &v, &vlen);
    sk_release(&k);
    streamid id = *live_last;
    if (r == 1 && vlen == ID_LEN) stream_id_decode(v, &id);
    if (r == 1) tier_free(v);
    return id;
}

static long long stream_trim(stream *s, const trim_args *t) {
    if (!s->o.exists || s->o.count == 0) return 0;
    if (t->strategy == TRIM_MAXLEN && s->o.count <= (uint64_t)t->maxlen) return 0;
    long long deleted = 0;
    streamid from = s->first;
    for (;;) {
        /* Read the first node: entries from `from` while the node is the same. */
        sentries node = {0};
        tier_iter *it = siter(s, &ETAG, 1);
        char k[1 + ID_LEN];
        entry_key(k, &from);
        streamid id;
        uint64_t nid = 0;
        for (tier_iter_seek(it, k, sizeof(k)); iter_entry(it, &id); tier_iter_next(it)) {
            size_t vlen;
            const char *v = tier_iter_value(it, &vlen);
            uint64_t n = entry_node(v, vlen);
            if (node.n && n != nid) break;
            nid = n;
            sentries_add(&node, &id, NULL, 0);
        }
        tier_iter_free(it);
        /* LIMIT bounds the work: stop before a node that would pass it. */
        if (node.n == 0 || (t->limit && deleted + (long long)node.n > t->limit)) {
            sentries_free(&node);
            break;
        }
        int remove_node;
        if (t->strategy == TRIM_MAXLEN) {
            remove_node = s->o.count - node.n >= (uint64_t)t->maxlen;
        } else {
            streamid last = node_last_id(s, nid, &node.v[node.n - 1].id);
            remove_node = stream_id_cmp(&last, &t->minid) < 0;
        }
        size_t ndel = 0;
        if (remove_node) {
            ndel = node.n;
        } else if (!t->approx) {
            while (ndel < node.n && (t->strategy == TRIM_MAXLEN ? s->o.count - ndel > (uint64_t)t->maxlen
                                                                 : stream_id_cmp(&node.v[ndel].id, &t->minid) < 0))
                ndel++;
        }
        for (size_t i = 0; i < ndel; i++) {
            entry_key(k, &node.v[i].id);
            tier_sub_del(s->db, s->key, s->klen, &s->o, k, sizeof(k));
        }
        s->o.count -= ndel;
        deleted += (long long)ndel;
        if (ndel) s->meta_dirty = 1;
        if (remove_node) node_dropped(s, nid);
        if (ndel < node.n) {
            from = node.v[ndel].id;
            sentries_free(&node);
            break;
        }
        from = node.v[node.n - 1].id;
        sentries_free(&node);
        if (stream_id_incr(&from) < 0 || s->o.count == 0) break;
    }
    if (deleted) stream_refresh_first(s, from);
    return deleted;
}

/* ---- consumer groups ---- */

typedef struct sgroup {
    const char *name;
    size_t nlen;
    streamid last;
    long long entries_read; /* -1: unknown */
    uint64_t pending, consumers;
    /* No pending entry is below floor, so PEL walks from "-" start there
     * rather than at the PEL's start, where acknowledged entries linger as
     * tombstones until compaction. Raised (at group_store) when the entry
     * at the floor leaves; lowered when an entry below it arrives. */
    streamid floor;
    int floor_stale;
} sgroup;

typedef struct sconsumer {
    const char *name;
    size_t nlen;
    long long seen;
    uint64_t pending;
    streamid floor; /* nothing of its PEL below it (as sgroup's floor) */
    int floor_stale;
} sconsumer;

typedef struct snack {
    long long delivery_time;
    uint64_t count;
    char *consumer; /* malloc'd */
    size_t clen;
} snack;

static void sk_group(skey *k, const char *g, size_t glen) {
    sk_init(k);
    sk_byte(k, TAG_GROUP);
    sk_bytes(k, g, glen);
}

/* 1 (found), 0 or TIER_ERR. */
static int group_load(stream *s, const char *name, size_t nlen, sgroup *g) {
    memset(g, 0, sizeof(*g));
    g->name = name;
    g->nlen = nlen;
    if (!s->o.exists) return 0;
    skey k;
    sk_group(&k, name, nlen);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k.p, k.len, &v, &vlen);
    sk_release(&k);
    if (r != 1) return r;
    if (vlen >= 40) {
        stream_id_decode(v, &g->last);
        g->entries_read = (long long)enc_get_u64(v + 16);
        g->pending = enc_get_u64(v + 24);
        g->consumers = enc_get_u64(v + 32);
    }
    if (vlen >= 56) stream_id_decode(v + 40, &g->floor);
    tier_free(v);
    return 1;
}

static void pel_refresh_floor(stream *s, sgroup *g);

static void group_store(stream *s, sgroup *g) {
    if (g->floor_stale) pel_refresh_floor(s, g);
    char v[56];
    stream_id_encode(v, &g->last);
    enc_put_u64(v + 16, (uint64_t)g->entries_read);
    enc_put_u64(v + 24, g->pending);
    enc_put_u64(v + 32, g->consumers);
    stream_id_encode(v + 40, &g->floor);
    skey k;
    sk_group(&k, g->name, g->nlen);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, v, sizeof(v));
    sk_release(&k);
}

static void sk_consumer(skey *k, const sgroup *g, const char *cn, size_t clen) {
    sk_group_prefix(k, TAG_CONSUMER, g->name, g->nlen);
    sk_bytes(k, cn, clen);
}

static int consumer_load(stream *s, const sgroup *g, const char *cn, size_t clen, sconsumer *out) {
    memset(out, 0, sizeof(*out));
    out->name = cn;
    out->nlen = clen;
    skey k;
    sk_consumer(&k, g, cn, clen);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k.p, k.len, &v, &vlen);
    sk_release(&k);
    if (r != 1) return r;
    if (vlen >= 16) {
        out->seen = (long long)enc_get_u64(v);
        out->pending = enc_get_u64(v + 8);
    }
    if (vlen >= 32) stream_id_decode(v + 16, &out->floor);
    tier_free(v);
    return 1;
}

static void cpel_ids(stream *s, const sgroup *g, const char *cn, size_t clen, streamid from, uint64_t count,
                     sentries *out);

static void consumer_store(stream *s, const sgroup *g, sconsumer *cs) {
    if (cs->floor_stale) {
        /* its entry at the floor left: the next one is the new floor */
        sentries first = {0};
        cpel_ids(s, g, cs->name, cs->nlen, cs->floor, 1, &first);
        cs->floor = first.n ? first.v[0].id : ID_MAX;
        cs->floor_stale = 0;
        sentries_free(&first);
    }
    char v[32];
    enc_put_u64(v, (uint64_t)cs->seen);
    enc_put_u64(v + 8, cs->pending);
    stream_id_encode(v + 16, &cs->floor);
    skey k;
    sk_consumer(&k, g, cs->name, cs->nlen);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, v, sizeof(v));
    sk_release(&k);
}

/* Keyspace notification (class 't') about stream s, as Redis names them. */
static void notify_stream(const stream *s, const char *event) {
    notify_keyspace_event(NOTIFY_STREAM, event, s->key, s->klen, s->db);
}

/* Look a consumer up, creating it (g->consumers counts it; the caller
 * stores g) when absent. refresh: its seen time becomes now, as Redis's
 * streamLookupConsumer does. Returns 1 created, 0 existed, TIER_ERR. */

static int consumer_get_or_create(stream *s, sgroup *g, const char *cn, size_t clen, int refresh, sconsumer *out) {
    int r = consumer_load(s, g, cn, clen, out);
    if (r == TIER_ERR) return r;
    if (r == 0) {
        out->seen = server_mstime();
        out->pending = 0;
        out->floor = ID_MAX; /* nothing pending */
        g->consumers++;
        consumer_store(s, g, out);
        notify_stream(s, "xgroup-createconsumer");
        return 1;
    }
    if (refresh) {
        out->seen = server_mstime();
        consumer_store(s, g, out);
    }
    return 0;
}

/* A consumer lost the pending entry id: one less pending (read-modify-
 * write: the turn's batch shows earlier changes). */
static int consumer_lost(stream *s, const sgroup *g, const char *cn, size_t clen, const streamid *id) {
    sconsumer cs;
    int r = consumer_load(s, g, cn, clen, &cs);
    if (r != 1) return r;
    if (cs.pending) cs.pending--;
    if (stream_id_cmp(id, &cs.floor) == 0) cs.floor_stale = 1;
    consumer_store(s, g, &cs);
    return 1;
}

static void sk_pel(skey *k, const sgroup *g, const streamid *id) {
    sk_group_prefix(k, TAG_PEL, g->name, g->nlen);
    sk_id(k, id);
}

static void sk_cpel(skey *k, const sgroup *g, const char *cn, size_t clen, const streamid *id) {
    sk_cpel_prefix(k, g->name, g->nlen, cn, clen);
    sk_id(k, id);
}

static void nack_free(snack *n) {
    free(n->consumer);
    n->consumer = NULL;
}

static void nack_parse(const char *v, size_t vlen, snack *n) {
    memset(n, 0, sizeof(*n));
    if (vlen < 16) {
        n->consumer = malloc(1);
        return;
    }
    n->delivery_time = (long long)enc_get_u64(v);
    n->count = enc_get_u64(v + 8);
    n->clen = vlen - 16;
    n->consumer = malloc(n->clen + 1);
    memcpy(n->consumer, v + 16, n->clen);
}

/* 1 (found; free with nack_free), 0 or TIER_ERR. */
static int nack_load(stream *s, const sgroup *g, const streamid *id, snack *n) {
    memset(n, 0, sizeof(*n));
    skey k;
    sk_pel(&k, g, id);
    char *v;
    size_t vlen;
    int r = tier_sub_get(s->db, s->key, s->klen, &s->o, k.p, k.len, &v, &vlen);
    sk_release(&k);
    if (r != 1) return r;
    nack_parse(v, vlen, n);
    tier_free(v);
    return 1;
}

static void nack_store(stream *s, const sgroup *g, const streamid *id, const snack *n) {
    size_t vlen = 16 + n->clen;
    char small[256], *v = vlen <= sizeof(small) ? small : malloc(vlen);
    enc_put_u64(v, (uint64_t)n->delivery_time);
    enc_put_u64(v + 8, n->count);
    if (n->clen) memcpy(v + 16, n->consumer, n->clen);
    skey k;
    sk_pel(&k, g, id);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, v, vlen);
    sk_release(&k);
    if (v != small) free(v);
}

static void cpel_put(stream *s, const sgroup *g, const char *cn, size_t clen, const streamid *id) {
    skey k;
    sk_cpel(&k, g, cn, clen, id);
    tier_sub_put(s->db, s->key, s->klen, &s->o, k.p, k.len, "", 0);
    sk_release(&k);
}

static void cpel_del(stream *s, const sgroup *g, const char *cn, size_t clen, const streamid *id) {
    skey k;
    sk_cpel(&k, g, cn, clen, id);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k.p, k.len);
    sk_release(&k);
}

/* Remove id from the group's PEL and its owner's (XACK, and entries found
 * deleted by XCLAIM/XAUTOCLAIM). g->pending changes; the caller stores g. */
static int nack_remove(stream *s, sgroup *g, const streamid *id, const snack *n, sconsumer *held) {
    skey k;
    sk_pel(&k, g, id);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k.p, k.len);
    sk_release(&k);
    cpel_del(s, g, n->consumer, n->clen, id);
    if (g->pending) g->pending--;
    if (stream_id_cmp(id, &g->floor) == 0) g->floor_stale = 1;
    /* held: a consumer this command keeps in memory and stores at its end;
     * its count is changed there, not in the store. */
    if (held && held->nlen == n->clen && memcmp(held->name, n->consumer, n->clen) == 0) {
        if (held->pending) held->pending--;
        if (stream_id_cmp(id, &held->floor) == 0) held->floor_stale = 1;
        return TIER_OK;
    }
    return consumer_lost(s, g, n->consumer, n->clen, id) == TIER_ERR ? TIER_ERR : TIER_OK;
}

/* Give the pending entry id (nack n, existing or new) to consumer cs:
 * moves it between consumer PELs as needed and stores the nack. */
static int nack_assign(stream *s, sgroup *g, const streamid *id, snack *n, int existed, sconsumer *cs) {
    int same = existed && n->clen == cs->nlen && memcmp(n->consumer, cs->name, cs->nlen) == 0;
    if (existed && !same) {
        cpel_del(s, g, n->consumer, n->clen, id);
        if (consumer_lost(s, g, n->consumer, n->clen, id) == TIER_ERR) return TIER_ERR;
    }
    if (!existed) {
        g->pending++;
        if (stream_id_cmp(id, &g->floor) < 0) g->floor = *id;
    }
    if (!same) {
        cpel_put(s, g, cs->name, cs->nlen, id);
        cs->pending++;
        if (stream_id_cmp(id, &cs->floor) < 0) cs->floor = *id;
        free(n->consumer);
        n->consumer = malloc(cs->nlen + 1);
        memcpy(n->consumer, cs->name, cs->nlen);
        n->clen = cs->nlen;
    }
    nack_store(s, g, id, n);
    return TIER_OK;
}

/* Walk keys under `prefix` collecting the full sub keys (for deletes:
 * nothing may be written while an iterator is open). */
typedef struct keylist {
    char **k;
    size_t *len;
    size_t n, cap;
} keylist;

static void keylist_add(keylist *l, const char *k, size_t len) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->k = realloc(l->k, l->cap * sizeof(*l->k));
        l->len = realloc(l->len, l->cap * sizeof(*l->len));
    }
    l->k[l->n] = malloc(len ? len : 1);
    memcpy(l->k[l->n], k, len);
    l->len[l->n++] = len;
}

static void keylist_free(keylist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->k[i]);
    free(l->k);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

static void collect_prefix(stream *s, const char *prefix, size_t plen, keylist *out) {
    tier_iter *it = siter(s, prefix, plen);
    for (tier_iter_seek(it, prefix, plen); tier_iter_valid(it); tier_iter_next(it)) {
        size_t len;
        const char *k = tier_iter_sub(it, &len);
        if (len < plen || memcmp(k, prefix, plen) != 0) break;
        keylist_add(out, k, len);
    }
    tier_iter_free(it);
}

static void delete_keys(stream *s, const keylist *l) {
    for (size_t i = 0; i < l->n; i++) tier_sub_del(s->db, s->key, s->klen, &s->o, l->k[i], l->len[i]);
}

/* XGROUP DESTROY: the group, its consumers and both PELs. */
static void group_destroy(stream *s, const sgroup *g) {
    char tags[] = {TAG_PEL, TAG_CONSUMER, TAG_CPEL};
    for (size_t i = 0; i < sizeof(tags); i++) {
        skey p;
        sk_group_prefix(&p, tags[i], g->name, g->nlen);
        keylist l = {0};
        collect_prefix(s, p.p, p.len, &l);
        delete_keys(s, &l);
        keylist_free(&l);
        sk_release(&p);
    }
    skey k;
    sk_group(&k, g->name, g->nlen);
    tier_sub_del(s->db, s->key, s->klen, &s->o, k.p, k.len);
    sk_release(&k);
}

/* The ids in a consumer's PEL from `from` on, up to count (0: all). */
static void cpel_ids(stream *s, const sgroup *g, const char *cn, size_t clen, streamid from, uint64_t count,
                     sentries *out) {
    skey p;
    sk_cpel_prefix(&p, g->name, g->nlen, cn, clen);
    size_t plen = p.len;
    sk_id(&p, &from);
    tier_iter *it = siter(s, p.p, plen);
    for (tier_iter_seek(it, p.p, p.len); tier_iter_valid(it); tier_iter_next(it)) {
        size_t len;
        const char *k = tier_iter_sub(it, &len);
        if (len != plen + ID_LEN || memcmp(k, p.p, plen) != 0) break;
        streamid id;
        stream_id_decode(k + plen, &id);
        sentries_add(out, &id, NULL, 0);
        if (count && out->n >= count) break;
    }
    tier_iter_free(it);
    sk_release(&p);
}

/* One pending entry of a group's PEL as read by pel_walk. */
typedef struct pel_item {
    streamid id;
    snack n;
} pel_item;

typedef struct pel_items {
    pel_item *v;
    size_t n, cap;
} pel_items;

/* Append a slot and return it (the caller fills it in). */
static pel_item *pel_items_push(pel_items *l) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
    }
    return &l->v[l->n++];
}

static void pel_items_free(pel_items *l) {
    for (size_t i = 0; i < l->n; i++) nack_free(&l->v[i].n);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Read the group's PEL from `from` to `to` (inclusive), at most max items
 * (0: all). *more (may be NULL) tells whether an item follows. */
static void pel_walk(stream *s, const sgroup *g, streamid from, streamid to, uint64_t max, pel_items *out,
                     int *more, streamid *next) {
    skey p;
    sk_group_prefix(&p, TAG_PEL, g->name, g->nlen);
    size_t plen = p.len;
    if (stream_id_cmp(&from, &g->floor) < 0) from = g->floor;
    sk_id(&p, &from);
    if (more) *more = 0;
    tier_iter *it = siter(s, p.p, plen);
    for (tier_iter_seek(it, p.p, p.len); tier_iter_valid(it); tier_iter_next(it)) {
        size_t len, vlen;
        const char *k = tier_iter_sub(it, &len);
        if (len != plen + ID_LEN || memcmp(k, p.p, plen) != 0) break;
        streamid id;
        stream_id_decode(k + plen, &id);
        if (stream_id_cmp(&id, &to) > 0) break;
        if (max && out->n >= max) {
            if (more) *more = 1;
            if (next) *next = id;
            break;
        }
        const char *v = tier_iter_value(it, &vlen);
        pel_item *item = pel_items_push(out);
        item->id = id;
        nack_parse(v, vlen, &item->n);
    }
    tier_iter_free(it);
    sk_release(&p);
}

/* The entry at the floor left the PEL: the new floor is the first pending
 * entry from there on (the tombstones in between are stepped over once),
 * or the top of the id space when the PEL is empty. */
static void pel_refresh_floor(stream *s, sgroup *g) {
    g->floor_stale = 0;
    pel_items first = {0};
    pel_walk(s, g, g->floor, ID_MAX, 1, &first, NULL, NULL);
    g->floor = first.n ? first.v[0].id : ID_MAX;
    pel_items_free(&first);
}

/* ---- lag (Redis 7.0's entries-read arithmetic) ---- */

static int range_has_tombstones(stream *s, const streamid *start) {
    stream_load_aux(s); /* on a store error: no tombstones known */
    if (s->o.count == 0 || is_zero(&s->maxdel)) return 0;
    if (stream_id_cmp(&s->first, &s->maxdel) > 0) return 0;
    streamid st = start ? *start : ID_ZERO;
    return stream_id_cmp(&st, &s->maxdel) <= 0;
}

/* The logical read counter of id, or -1 when it cannot be known. */
static long long estimate_distance(stream *s, const streamid *id) {
    if (!s->added) return 0;
    stream_load_aux(s);
    if (s->o.count == 0 && stream_id_cmp(id, &s->last) < 1) return (long long)s->added;
    int cmp_last = stream_id_cmp(id, &s->last);
    if (cmp_last == 0) return (long long)s->added;
    if (cmp_last > 0) return -1;
    int cmp_first = stream_id_cmp(id, &s->first);
    if (is_zero(&s->maxdel) || stream_id_cmp(&s->maxdel, &s->first) < 0) {
        if (cmp_first < 0) return (long long)(s->added - s->o.count);
        if (cmp_first == 0) return (long long)(s->added - s->o.count + 1);
    }
    return -1;
}

static void reply_lag(client *c, stream *s, const sgroup *g) {
    if (!s->added) {
        reply_longlong(c, 0);
        return;
    }
    /* Unsigned arithmetic: ENTRIESADDED/ENTRIESREAD can set any values,
     * and the difference wraps as Redis's does. */
    if (g->entries_read != -1 && !range_has_tombstones(s, &g->last)) {
        reply_longlong(c, (long long)(s->added - (uint64_t)g->entries_read));
        return;
    }
    long long er = estimate_distance(s, &g->last);
    if (er != -1)
        reply_longlong(c, (long long)(s->added - (uint64_t)er));
    else
        reply_null(c);
}

static void reply_entries_read(client *c, const sgroup *g) {
    if (g->entries_read != -1)
        reply_longlong(c, g->entries_read);
    else
        reply_null(c);
}

/* ---------------------------------------------------------------------------
 * XADD, XTRIM, XDEL, XLEN, XSETID
 * ------------------------------------------------------------------------ */

/* Parse MAXLEN/MINID/LIMIT (and for XADD NOMKSTREAM and the id) from
 * argv[2]. Returns the index of the id (XADD) or argc, or -1 after
 * replying. */
static int parse_add_trim(client *c, int xadd, trim_args *t, int *nomkstream, streamid *id, int *id_given,
                          int *seq_given) {
    memset(t, 0, sizeof(*t));
    int limit_given = 0;
    *id_given = 0;
    *seq_given = 1;
    if (nomkstream) *nomkstream = 0;
    int i = 2;
    for (; i < c->argc; i++) {
        int more = c->argc - 1 - i;
        const char *opt = c->argv[i].ptr;
        if (xadd && c->argv[i].len == 1 && opt[0] == '*') {
            break;
        } else if ((!strcasecmp(opt, "maxlen") || !strcasecmp(opt, "minid")) && more) {
            int by_len = !strcasecmp(opt, "maxlen");
            if (t->strategy != TRIM_NONE) {
                reply_error(c, "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                return -1;
            }
            t->approx = 0;
            const char *next = c->argv[i + 1].ptr;
            if (more >= 2 && c->argv[i + 1].len == 1 && next[0] == '~') {
                t->approx = 1;
                i++;
            } else if (more >= 2 && c->argv[i + 1].len == 1 && next[0] == '=') {
                i++;
            }
            if (by_len) {
                if (arg_longlong(c, i + 1, &t->maxlen, NULL) < 0) return -1;
                if (t->maxlen < 0) {
                    reply_error(c, "ERR The MAXLEN argument must be >= 0.");
                    return -1;
                }
            } else if (arg_strict_id(c, i + 1, &t->minid) < 0) {
                return -1;
            }
            i++;
            t->strategy = by_len ? TRIM_MAXLEN : TRIM_MINID;
        } else if (!strcasecmp(opt, "limit") && more) {
            if (arg_longlong(c, i + 1, &t->limit, NULL) < 0) return -1;
            if (t->limit < 0) {
                reply_error(c, "ERR The LIMIT argument must be >= 0.");
                return -1;
            }
            limit_given = 1;
            i++;
        } else if (xadd && !strcasecmp(opt, "nomkstream")) {
            *nomkstream = 1;
        } else if (xadd) {
            if (stream_id_parse(KEY(i), id, 0, 1, seq_given) < 0) {
                reply_error(c, ERR_INVALID_ID);
                return -1;
            }
            *id_given = 1;
            break;
        } else {
            reply_error(c, ERR_SYNTAX);
            return -1;
        }
    }
    if (t->limit && t->strategy == TRIM_NONE) {
        reply_error(c, "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return -1;
    }
    if (!xadd && t->strategy == TRIM_NONE) {
        reply_error(c, "ERR syntax error, XTRIM must be called with a trimming strategy");
        return -1;
    }
    if (t->approx) {
        /* Redis bounds the work of a `~` trim: 100 nodes' worth unless
         * LIMIT says otherwise (LIMIT 0: no bound). */
        if (!limit_given) t->limit = 100 * STREAM_NODE_MAX;
    } else {
        if (limit_given) {
            reply_error(c, "ERR syntax error, LIMIT cannot be used without the special ~ option");
            return -1;
        }
        t->limit = 0;
    }
    return i;
}

void xaddCommand(client *c) {
    trim_args t;
    int nomk, id_given, seq_given;
    streamid given;
    int idpos = parse_add_trim(c, 1, &t, &nomk, &given, &id_given, &seq_given);
    if (idpos < 0) return;
    int field = idpos + 1;
    if (c->argc - field < 2 || (c->argc - field) % 2 == 1) {
        reply_error_arity(c);
        return;
    }
    if (id_given && seq_given && given.ms == 0 && given.seq == 0) {
        reply_error(c, "ERR The ID specified in XADD must be greater than 0-0");
        return;
    }
    stream s;
    if (stream_open(c, 1, FOR_WRITE, &s) < 0) return;
    if (!s.o.exists) {
        if (nomk) {
            reply_null(c);
            stream_close(&s);
            return;
        }
        stream_create(&s);
    }
    streamid id;
    if (s.last.ms == UINT64_MAX && s.last.seq == UINT64_MAX) {
        reply_error(c, "ERR The stream has exhausted the last possible ID, unable to add more items");
        goto done;
    }
    if (stream_next_id(&s, id_given ? &given : NULL, seq_given, &id) < 0) {
        reply_error(c, "ERR The ID specified in XADD is equal or smaller than the target stream top item");
        goto done;
    }
    if (stream_append(c, &s, &id, field, (c->argc - field) / 2) != TIER_OK) {
        reply_store_error(c);
        goto done;
    }
    long long trimmed = t.strategy != TRIM_NONE ? stream_trim(&s, &t) : 0;
    if (trimmed < 0) {
        stream_save(&s);
        reply_store_error(c);
        goto done;
    }
    stream_save(&s);
    server_dirty(c, 1);
    notify_stream(&s, "xadd");
    if (trimmed) notify_stream(&s, "xtrim");
    reply_id(c, &id);
done:
    /* A stream created for an XADD that failed is not stored (nothing was
     * saved), as Redis leaves no key behind. */
    stream_close(&s);
}

void xtrimCommand(client *c) {
    trim_args t;
    int id_given, seq_given;
    streamid unused;
    if (parse_add_trim(c, 0, &t, NULL, &unused, &id_given, &seq_given) < 0) return;
    stream s;
    if (stream_open(c, 1, FOR_WRITE, &s) < 0) return;
    if (!s.o.exists) {
        reply_longlong(c, 0);
        stream_close(&s);
        return;
    }
    long long n = stream_trim(&s, &t);
    stream_save(&s);
    if (n < 0) {
        reply_store_error(c);
    } else {
        if (n) {
            server_dirty(c, n);
            notify_stream(&s, "xtrim");
        }
        reply_longlong(c, n);
    }
    stream_close(&s);
}

void xdelCommand(client *c) {
    int n = c->argc - 2;
    streamid *ids = malloc(sizeof(*ids) * (size_t)n);
    stream s;
    if (stream_open(c, 1, FOR_WRITE, &s) < 0) goto out;
    if (!s.o.exists) {
        reply_longlong(c, 0);
        stream_close(&s);
        goto out;
    }
    /* All ids are checked before anything is deleted. */
    for (int j = 0; j < n; j++) {
        if (arg_strict_id(c, 2 + j, &ids[j]) < 0) {
            stream_close(&s);
            goto out;
        }
    }
    long long deleted = 0;
    int first_entry = 0, failed = 0;
    if (stream_load_aux(&s) < 0) {
        reply_store_error(c);
        stream_close(&s);
        goto out;
    }
    for (int j = 0; j < n; j++) {
        int r = stream_delete(&s, &ids[j]);
        if (r == TIER_ERR) {
            failed = 1;
            break;
        }
        if (r == 1) {
            if (stream_id_cmp(&ids[j], &s.first) == 0) first_entry = 1;
            if (stream_id_cmp(&ids[j], &s.maxdel) > 0) {
                s.maxdel = ids[j];
                s.aux_dirty = 1;
            }
            deleted++;
        }
    }
    if (deleted) {
        if (s.o.count == 0)
            s.first = ID_ZERO;
        else if (first_entry)
            stream_refresh_first(&s, s.first);
        s.meta_dirty = 1;
    }
    stream_save(&s);
    if (failed) {
        reply_store_error(c);
    } else {
        if (deleted) {
            server_dirty(c, deleted);
            notify_stream(&s, "xdel");
        }
        reply_longlong(c, deleted);
    }
    stream_close(&s);
out:
    free(ids);
}

void xlenCommand(client *c) {
    stream s;
    if (stream_open(c, 1, FOR_READ, &s) < 0) return;
    reply_longlong(c, (long long)stream_len(&s));
    stream_close(&s);
}

void xsetidCommand(client *c) {
    streamid id, maxdel = ID_ZERO;
    long long added = -1;
    if (arg_strict_id(c, 2, &id) < 0) return;
    for (int i = 3; i < c->argc;) {
        int more = c->argc - 1 - i;
        if (arg_is(c, i, "ENTRIESADDED") && more) {
            if (arg_longlong(c, i + 1, &added, NULL) < 0) return;
            if (added < 0) {
                reply_error(c, "ERR entries_added must be positive");
                return;
            }
            i += 2;
        } else if (arg_is(c, i, "MAXDELETEDID") && more) {
            if (arg_strict_id(c, i + 1, &maxdel) < 0) return;
            if (stream_id_cmp(&id, &maxdel) < 0) {
                reply_error(c, "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
                return;
            }
            i += 2;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    stream s;
    if (stream_open(c, 1, FOR_WRITE, &s) < 0) return;
    if (!s.o.exists) {
        reply_error(c, ERR_NO_SUCH_KEY);
        goto done;
    }
    if (stream_load_aux(&s) < 0) {
        reply_store_error(c);
        goto done;
    }
    if (s.o.count > 0) {
        streamid top = stream_last_valid(&s);
        if (stream_id_cmp(&id, &top) < 0) {
            reply_error(c, "ERR The ID specified in XSETID is smaller than the target stream top item");
            goto done;
        }
        if (added != -1 && s.o.count > (uint64_t)added) {
            reply_error(c, "ERR The entries_added specified in XSETID is smaller than the target stream length");
            goto done;
        }
    }
    if (stream_id_cmp(&id, &s.maxdel) < 0) {
        reply_error(c, "ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
        goto done;
    }
    s.last = id;
    if (added != -1) s.added = (uint64_t)added;
    if (!is_zero(&maxdel)) {
        s.maxdel = maxdel;
        s.aux_dirty = 1;
    }
    s.meta_dirty = 1;
    stream_save(&s);
    server_dirty(c, 1);
    notify_stream(&s, "xsetid");
    reply_ok(c);
done:
    stream_close(&s);
}

/* ---------------------------------------------------------------------------
 * XRANGE, XREVRANGE
 * ------------------------------------------------------------------------ */

static void range_generic(client *c, int rev) {
    streamid start, end;
    long long count = -1;
    if (arg_interval(c, rev ? 3 : 2, &start, 1) < 0) return;
    if (arg_interval(c, rev ? 2 : 3, &end, 0) < 0) return;
    for (int j = 4; j < c->argc; j++) {
        if (arg_is(c, j, "COUNT") && c->argc - j - 1 >= 1) {
            if (arg_longlong(c, j + 1, &count, NULL) < 0) return;
            if (count < 0) count = 0;
            j++;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    stream s;
    if (stream_open(c, 1, FOR_READ, &s) < 0) return;
    if (!s.o.exists) {
        reply_array_len(c, 0);
    } else if (count == 0) {
        reply_null_array(c);
    } else {
        sentries l = {0};
        stream_range(&s, start, end, count == -1 ? 0 : (uint64_t)count, rev, &l);
        reply_entries(c, &l);
        sentries_free(&l);
    }
    stream_close(&s);
}

void xrangeCommand(client *c) { range_generic(c, 0); }
void xrevrangeCommand(client *c) { range_generic(c, 1); }

/* ---------------------------------------------------------------------------
 * XREAD, XREADGROUP
 * ------------------------------------------------------------------------ */

/* What one stream of an XREAD/XREADGROUP call asks for. */
typedef struct read_target {
    stream s;
    int opened;
    streamid gt;  /* serve entries above this id */
    int newest;   /* ">" */
    int has_group;
    sgroup g;
} read_target;

/* Nothing to serve to any stream of an XREAD/XREADGROUP. ids are the
 * concrete ids waited on ("$" already resolved to the stream's last id,
 * ">" is 18446744073709551615-18446744073709551615). Without BLOCK
 * (timeout_ms -1) Redis replies a null array. With BLOCK the client is
 * parked on the stream keys (blocking.c) until one of them is written, and
 * the command then runs again from the start; so a "$" is first rewritten
 * to the id it stands for now, or the rerun would wait for entries after
 * the new last one (Redis 7.2 rewrites its argv the same way). */
static void xread_nothing_to_serve(client *c, long long timeout_ms, const streamid *ids, int streams_arg,
                                   int nstreams) {
    if (timeout_ms < 0) {
        reply_null_array(c);
        return;
    }
    for (int k = 0; k < nstreams; k++) {
        resp_arg *a = &c->argv[streams_arg + nstreams + k];
        if (a->len != 1 || a->ptr[0] != '$') continue;
        char buf[48];
        size_t n = id_format(buf, &ids[k]);
        free(a->ptr);
        a->ptr = malloc(n + 1);
        memcpy(a->ptr, buf, n + 1);
        a->len = n;
    }
    block_for_key_range(c, streams_arg, nstreams, OBJ_STREAM, timeout_ms, BLOCK_REPLY_NULL_ARRAY);
}

/* BLOCK's argument as Redis's getTimeoutFromObjectOrReply in milliseconds. */
static int arg_timeout(client *c, int i, long long *out) {
    long long t;
    if (!util_str2ll(c->argv[i].ptr, c->argv[i].len, &t)) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return -1;
    }
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    *out = t;
    return 0;
}

/* Deliver entries to a consumer of a group (">"): advance the group's last
 * id and read counter, and put each entry in the PELs unless noack. */
static int deliver_new(stream *s, sgroup *g, sconsumer *cs, const sentries *l, int noack) {
    long long now = server_mstime();
    for (size_t i = 0; i < l->n; i++) {
        const streamid *id = &l->v[i].id;
        if (stream_id_cmp(id, &g->last) > 0) {
            if (g->entries_read != -1 && !range_has_tombstones(s, id))
                g->entries_read = (long long)((uint64_t)g->entries_read + 1); /* wraps as Redis's does */
            else if (s->added)
                g->entries_read = estimate_distance(s, id);
            g->last = *id;
        }
        if (noack) continue;
        snack n;
        int r = nack_load(s, g, id, &n);
        if (r == TIER_ERR) return TIER_ERR;
        n.delivery_time = now;
        n.count = 1;
        if (r == 0) n.consumer = NULL, n.clen = 0;
        r = nack_assign(s, g, id, &n, r == 1, cs);
        nack_free(&n);
        if (r == TIER_ERR) return TIER_ERR;
    }
    return TIER_OK;
}

/* A consumer's history: its pending entries above gt, each re-delivered
 * (delivery time now, one more delivery) if the entry still exists, else
 * reported as [id, nil]. */
static int deliver_history(stream *s, sgroup *g, sconsumer *cs, streamid from, uint64_t count, sentries *out) {
    sentries ids = {0};
    if (stream_id_cmp(&from, &cs->floor) < 0) from = cs->floor;
    cpel_ids(s, g, cs->name, cs->nlen, from, count, &ids);
    long long now = server_mstime();
    int rc = TIER_OK;
    for (size_t i = 0; i < ids.n; i++) {
        sentry e;
        int r = stream_get(s, &ids.v[i].id, &e);
        if (r == TIER_ERR) {
            rc = TIER_ERR;
            break;
        }
        sentries_add(out, &e.id, e.val, e.vlen);
        if (r == 0) continue; /* gone: listed with a nil body */
        free(e.val);
        snack n;
        if ((r = nack_load(s, g, &e.id, &n)) == TIER_ERR) {
            rc = TIER_ERR;
            break;
        }
        if (r == 1) {
            n.delivery_time = now;
            n.count++;
            nack_store(s, g, &e.id, &n);
            nack_free(&n);
        }
    }
    /* The nil-bodied ones: sentries_add copied NULL for them. */
    sentries_free(&ids);
    return rc;
}

static void read_generic(client *c, int group_mode) {
    long long timeout = -1, count = 0;
    int streams_arg = 0, nstreams = 0, noack = 0;
    int gname = 0, cname = 0; /* argv positions */
    for (int i = 1; i < c->argc; i++) {
        int more = c->argc - i - 1;
        if (arg_is(c, i, "BLOCK") && more) {
            i++;
            if (arg_timeout(c, i, &timeout) < 0) return;
        } else if (arg_is(c, i, "COUNT") && more) {
            i++;
            if (arg_longlong(c, i, &count, NULL) < 0) return;
            if (count < 0) count = 0;
        } else if (arg_is(c, i, "STREAMS") && more) {
            streams_arg = i + 1;
            nstreams = c->argc - streams_arg;
            if (nstreams % 2 != 0) {
                /* The same text for XREADGROUP, as Redis 7.0 has it. */
                reply_error(c, "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
                               "specified.");
                return;
            }
            nstreams /= 2;
            break;
        } else if (arg_is(c, i, "GROUP") && more >= 2) {
            if (!group_mode) {
                reply_error(c, "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            gname = i + 1;
            cname = i + 2;
            i += 2;
        } else if (arg_is(c, i, "NOACK")) {
            if (!group_mode) {
                reply_error(c, "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
                return;
            }
            noack = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (streams_arg == 0) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (group_mode && gname == 0) {
        reply_error(c, "ERR Missing GROUP option for XREADGROUP");
        return;
    }
    read_target *tg = calloc((size_t)nstreams, sizeof(*tg));
    streamid *ids = calloc((size_t)nstreams, sizeof(*ids));
    int served = 0, failed = 0;
    for (int k = 0; k < nstreams; k++) {
        int ki = streams_arg + k, ii = streams_arg + nstreams + k;
        read_target *t = &tg[k];
        if (stream_open(c, ki, group_mode ? FOR_WRITE : FOR_READ, &t->s) < 0) goto cleanup;
        t->opened = 1;
        if (group_mode) {
            int r = t->s.o.exists ? group_load(&t->s, KEY(gname), &t->g) : 0;
            if (r == TIER_ERR) {
                reply_store_error(c);
                goto cleanup;
            }
            if (r == 0) {
                reply_errorf(c, "NOGROUP No such key '%.*s' or consumer group '%.*s' in XREADGROUP with GROUP "
                                "option", (int)c->argv[ki].len, c->argv[ki].ptr, (int)c->argv[gname].len,
                             c->argv[gname].ptr);
                goto cleanup;
            }
            t->has_group = 1;
        }
        if (c->argv[ii].len == 1 && c->argv[ii].ptr[0] == '$') {
            if (group_mode) {
                reply_error(c, "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
                               "history of this consumer by specifying a proper ID, or use the > ID to get new "
                               "messages. The $ ID would just return an empty result set.");
                goto cleanup;
            }
            t->gt = t->s.o.exists ? t->s.last : ID_ZERO;
        } else if (c->argv[ii].len == 1 && c->argv[ii].ptr[0] == '>') {
            if (!group_mode) {
                reply_error(c, "ERR The > ID can be specified only when calling XREADGROUP using the GROUP "
                               "<group> <consumer> option.");
                goto cleanup;
            }
            t->gt = ID_MAX;
            t->newest = 1;
        } else if (arg_strict_id(c, ii, &t->gt) < 0) {
            goto cleanup;
        }
        ids[k] = t->gt;
    }
    /* Serve the streams in order, each seeing what the ones before it
     * wrote (a key named twice is served once, as in Redis); the replies
     * are collected first, as their number is only known at the end. */
    int *serve = calloc((size_t)nstreams, sizeof(int));
    sentries *res = calloc((size_t)nstreams, sizeof(*res));
    for (int k = 0; k < nstreams && !failed; k++) {
        read_target *t = &tg[k];
        if (!t->s.o.exists) continue;
        if (group_mode) {
            sconsumer cs;
            if (group_load(&t->s, KEY(gname), &t->g) != 1) {
                failed = 1;
                break;
            }
            if (!t->newest) {
                serve[k] = 1;
            } else if (t->s.o.count) {
                streamid top = stream_last_valid(&t->s);
                if (stream_id_cmp(&top, &t->g.last) > 0) {
                    serve[k] = 1;
                    t->gt = t->g.last;
                }
            }
            if (serve[k]) {
                /* Redis 7.0 looks the consumer up (creating it, refreshing
                 * its seen time) only for a stream it serves. */
                if (consumer_get_or_create(&t->s, &t->g, KEY(cname), 1, &cs) == TIER_ERR) {
                    failed = 1;
                    break;
                }
                streamid start = t->gt;
                int r;
                if (!t->newest) {
                    if (stream_id_incr(&start) < 0) start = ID_MAX; /* nothing above the last id */
                    r = deliver_history(&t->s, &t->g, &cs, start, (uint64_t)count, &res[k]);
                } else {
                    stream_id_incr(&start); /* below the top: cannot overflow */
                    stream_range(&t->s, start, ID_MAX, (uint64_t)count, 0, &res[k]);
                    r = deliver_new(&t->s, &t->g, &cs, &res[k], noack);
                }
                if (r == TIER_ERR) failed = 1;
                server_dirty(c, 1);
                consumer_store(&t->s, &t->g, &cs);
                group_store(&t->s, &t->g);
            }
        } else if (t->s.o.count) {
            streamid top = stream_last_valid(&t->s);
            if (stream_id_cmp(&top, &t->gt) > 0) {
                serve[k] = 1;
                streamid start = t->gt;
                stream_id_incr(&start); /* below the top: cannot overflow */
                stream_range(&t->s, start, ID_MAX, (uint64_t)count, 0, &res[k]);
            }
        }
        served += serve[k];
    }
    if (failed) {
        reply_store_error(c);
    } else if (served == 0) {
        xread_nothing_to_serve(c, timeout, ids, streams_arg, nstreams);
    } else {
        if (c->resp >= 3)
            reply_map_len(c, served);
        else
            reply_array_len(c, served);
        for (int k = 0; k < nstreams; k++) {
            if (!serve[k]) continue;
            if (c->resp < 3) reply_array_len(c, 2);
            reply_bulk(c, KEY(streams_arg + k));
            reply_entries(c, &res[k]);
        }
    }
    for (int k = 0; k < nstreams; k++) sentries_free(&res[k]);
    free(res);
    free(serve);
cleanup:
    for (int k = 0; k < nstreams; k++)
        if (tg[k].opened) stream_close(&tg[k].s);
    free(tg);
    free(ids);
}

void xreadCommand(client *c) { read_generic(c, 0); }
void xreadgroupCommand(client *c) { read_generic(c, 1); }

/* ---------------------------------------------------------------------------
 * XGROUP
 * ------------------------------------------------------------------------ */

static void reply_help(client *c, const char *const *lines) {
    long n = 0;
    while (lines[n]) n++;
    reply_array_len(c, n);
    for (long i = 0; i < n; i++) reply_status(c, lines[i]);
}

/* Subcommand dispatch as Redis 7's command table does it: an unknown name
 * and a wrong count are caught before the subcommand runs. */
typedef struct subcmd {
    const char *name;
    int arity;
} subcmd;

static int check_subcommand(client *c, const char *parent, const subcmd *subs) {
    for (const subcmd *s = subs; s->name; s++) {
        if (!arg_is(c, 1, s->name)) continue;
        if ((s->arity > 0 && c->argc != s->arity) || (s->arity < 0 && c->argc < -s->arity)) {
            reply_errorf(c, "ERR wrong number of arguments for '%s|%s' command", parent, s->name);
            return -1;
        }
        return 0;
    }
    char up[16];
    size_t n = strlen(parent);
    for (size_t i = 0; i <= n; i++) up[i] = (char)(parent[i] >= 'a' && parent[i] <= 'z' ? parent[i] - 32 : parent[i]);
    reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr, up);
    return -1;
}

static void reply_subcommand_syntax(client *c, const char *parent) {
    reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.",
                 c->argv[1].ptr, parent);
}

static void reply_nogroup_for_key(client *c, int gi, int ki) {
    reply_errorf(c, "NOGROUP No such consumer group '%.*s' for key name '%.*s'", (int)c->argv[gi].len,
                 c->argv[gi].ptr, (int)c->argv[ki].len, c->argv[ki].ptr);
}

void xgroupCommand(client *c) {
    static const subcmd subs[] = {{"create", -5},         {"setid", -5},       {"destroy", 4},
                                  {"createconsumer", 5}, {"delconsumer", 5}, {"help", 2},
                                  {NULL, 0}};
    if (check_subcommand(c, "xgroup", subs) < 0) return;
    if (arg_is(c, 1, "HELP")) {
        static const char *const help[] = {
            "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
            "HELP",
            "    Prints this help.",
            NULL};
        reply_help(c, help);
        return;
    }
    int create = arg_is(c, 1, "CREATE"), setid = arg_is(c, 1, "SETID");
    int mkstream = 0;
    long long entries_read = -1;
    for (int i = 5; i < c->argc;) {
        if (create && arg_is(c, i, "MKSTREAM")) {
            mkstream = 1;
            i++;
        } else if ((create || setid) && arg_is(c, i, "ENTRIESREAD") && i + 1 < c->argc) {
            if (arg_longlong(c, i + 1, &entries_read, NULL) < 0) return;
            if (entries_read < 0 && entries_read != -1) {
                reply_error(c, "ERR value for ENTRIESREAD must be positive or -1");
                return;
            }
            i += 2;
        } else {
            reply_subcommand_syntax(c, "XGROUP");
            return;
        }
    }
    stream s;
    if (stream_open(c, 2, FOR_WRITE, &s) < 0) return;
    if (!s.o.exists && !(create && mkstream)) {
        reply_error(c, "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
                       "use the MKSTREAM option to create an empty stream automatically.");
        goto done;
    }
    sgroup g;
    int found = group_load(&s, KEY(3), &g);
    if (found == TIER_ERR) {
        reply_store_error(c);
        goto done;
    }
    if (!found && (setid || arg_is(c, 1, "CREATECONSUMER") || arg_is(c, 1, "DELCONSUMER"))) {
        reply_nogroup_for_key(c, 3, 2);
        goto done;
    }
    if (create) {
        if (c->argc > 8) {
            reply_subcommand_syntax(c, "XGROUP");
            goto done;
        }
        streamid id;
        if (c->argv[4].len == 1 && c->argv[4].ptr[0] == '$') {
            id = s.o.exists ? s.last : ID_ZERO;
        } else if (arg_strict_id(c, 4, &id) < 0) {
            goto done;
        }
        if (found) {
            reply_error(c, "BUSYGROUP Consumer Group name already exists");
            goto done;
        }
        if (!s.o.exists) stream_create(&s);
        g.last = id;
        g.entries_read = entries_read;
        g.pending = g.consumers = 0;
        g.floor = ID_MAX; /* nothing pending */
        group_store(&s, &g);
        if (stream_load_aux(&s) < 0) {
            reply_store_error(c);
            goto done;
        }
        s.ngroups++;
        s.aux_dirty = 1;
        stream_save(&s);
        server_dirty(c, 1);
        notify_stream(&s, "xgroup-create");
        reply_ok(c);
    } else if (setid) {
        if (c->argc != 5 && c->argc != 7) {
            reply_subcommand_syntax(c, "XGROUP");
            goto done;
        }
        streamid id;
        if (c->argv[4].len == 1 && c->argv[4].ptr[0] == '$') {
            id = s.last;
        } else if (arg_id(c, 4, &id, 0) < 0) {
            goto done;
        }
        g.last = id;
        g.entries_read = entries_read;
        group_store(&s, &g);
        server_dirty(c, 1);
        notify_stream(&s, "xgroup-setid");
        reply_ok(c);
    } else if (arg_is(c, 1, "DESTROY")) {
        if (found) {
            group_destroy(&s, &g);
            if (stream_load_aux(&s) == 0 && s.ngroups) s.ngroups--;
            s.aux_dirty = 1;
            stream_save(&s);
            server_dirty(c, 1);
            notify_stream(&s, "xgroup-destroy");
        }
        reply_longlong(c, found ? 1 : 0);
    } else if (arg_is(c, 1, "CREATECONSUMER")) {
        sconsumer cs;
        int r = consumer_load(&s, &g, KEY(4), &cs);
        if (r == TIER_ERR) {
            reply_store_error(c);
        } else if (r == 1) {
            reply_longlong(c, 0);
        } else {
            cs.seen = server_mstime();
            cs.pending = 0;
            cs.floor = ID_MAX; /* nothing pending */
            consumer_store(&s, &g, &cs);
            g.consumers++;
            group_store(&s, &g);
            server_dirty(c, 1);
            notify_stream(&s, "xgroup-createconsumer");
            reply_longlong(c, 1);
        }
    } else { /* DELCONSUMER */
        sconsumer cs;
        int r = consumer_load(&s, &g, KEY(4), &cs);
        if (r == TIER_ERR) {
            reply_store_error(c);
        } else if (r == 0) {
            reply_longlong(c, 0);
        } else {
            /* Its pending entries leave the group's PEL too. */
            sentries ids = {0};
            cpel_ids(&s, &g, KEY(4), cs.floor, 0, &ids);
            for (size_t i = 0; i < ids.n; i++) {
                skey k;
                sk_pel(&k, &g, &ids.v[i].id);
                tier_sub_del(s.db, s.key, s.klen, &s.o, k.p, k.len);
                sk_release(&k);
                cpel_del(&s, &g, KEY(4), &ids.v[i].id);
            }
            g.pending -= ids.n < g.pending ? ids.n : g.pending;
            if (ids.n) g.floor_stale = 1;
            skey k;
            sk_consumer(&k, &g, KEY(4));
            tier_sub_del(s.db, s.key, s.klen, &s.o, k.p, k.len);
            sk_release(&k);
            if (g.consumers) g.consumers--;
            group_store(&s, &g);
            server_dirty(c, 1);
            notify_stream(&s, "xgroup-delconsumer");
            reply_longlong(c, (long long)ids.n);
            sentries_free(&ids);
        }
    }
done:
    stream_close(&s);
}

/* ---------------------------------------------------------------------------
 * XACK, XPENDING, XCLAIM, XAUTOCLAIM
 * ------------------------------------------------------------------------ */

void xackCommand(client *c) {
    stream s;
    if (stream_open(c, 1, FOR_WRITE, &s) < 0) return;
    sgroup g;
    int found = s.o.exists ? group_load(&s, KEY(2), &g) : 0;
    if (found == TIER_ERR) {
        reply_store_error(c);
        goto done;
    }
    if (!found) {
        reply_longlong(c, 0);
        goto done;
    }
    int n = c->argc - 3;
    streamid *ids = malloc(sizeof(*ids) * (size_t)n);
    for (int j = 0; j < n; j++) {
        if (arg_strict_id(c, 3 + j, &ids[j]) < 0) {
            free(ids);
            goto done;
        }
    }
    long long acked = 0;
    int failed = 0;
    /* The consumer owning the ids: kept in memory while consecutive ids are
     * its (the usual case) and stored once, so acknowledging n ids costs
     * one consumer update and one floor search, not n. */
    sconsumer held;
    char *held_name = NULL;
    int held_ok = 0;
    for (int j = 0; j < n && !failed; j++) {
        snack nk;
        int r = nack_load(&s, &g, &ids[j], &nk);
        if (r == TIER_ERR) {
            failed = 1;
        } else if (r == 1) {
            if (!held_name || held.nlen != nk.clen || memcmp(held_name, nk.consumer, nk.clen) != 0) {
                if (held_ok) consumer_store(&s, &g, &held);
                free(held_name);
                held_name = malloc(nk.clen + 1);
                memcpy(held_name, nk.consumer, nk.clen);
                int cr = consumer_load(&s, &g, held_name, nk.clen, &held);
                if (cr == TIER_ERR) failed = 1;
                held_ok = cr == 1;
            }
            if (!failed && nack_remove(&s, &g, &ids[j], &nk, held_ok ? &held : NULL) == TIER_ERR) failed = 1;
            acked++;
            nack_free(&nk);
        }
    }
    if (held_ok) consumer_store(&s, &g, &held);
    free(held_name);
    free(ids);
    if (acked) {
        group_store(&s, &g);
        server_dirty(c, acked);
    }
    if (failed)
        reply_store_error(c);
    else
        reply_longlong(c, acked);
done:
    stream_close(&s);
}

static void reply_nogroup_key_group(client *c) {
    reply_errorf(c, "NOGROUP No such key '%.*s' or consumer group '%.*s'", (int)c->argv[1].len, c->argv[1].ptr,
                 (int)c->argv[2].len, c->argv[2].ptr);
}

/* Open the stream at argv[1] (FOR_READ or FOR_WRITE) and load its group
 * argv[2]. 0: both ready (the caller closes the stream); -1: replied
 * (store error, or NOGROUP when the key or the group is missing) and
 * nothing is left open. */
static int group_open(client *c, int mode, stream *s, sgroup *g) {
    if (stream_open(c, 1, mode, s) < 0) return -1;
    int found = s->o.exists ? group_load(s, KEY(2), g) : 0;
    if (found == 1) return 0;
    if (found == TIER_ERR)
        reply_store_error(c);
    else
        reply_nogroup_key_group(c);
    stream_close(s);
    return -1;
}

/* XPENDING's extended form: [id, consumer, idle ms, deliveries] per entry. */
static void reply_pel_items(client *c, const pel_items *items, long long now) {
    reply_array_len(c, (long)items->n);
    for (size_t i = 0; i < items->n; i++) {
        long long el = now - items->v[i].n.delivery_time;
        reply_array_len(c, 4);
        reply_id(c, &items->v[i].id);
        reply_bulk(c, items->v[i].n.consumer, items->v[i].n.clen);
        reply_longlong(c, el < 0 ? 0 : el);
        reply_longlong(c, (long long)items->v[i].n.count);
    }
}

/* The consumers of a group with pending entries, in name order. */
static void xpending_summary(client *c, stream *s, const sgroup *g) {
    reply_array_len(c, 4);
    reply_longlong(c, (long long)g->pending);
    if (g->pending == 0) {
        reply_null(c);
        reply_null(c);
        reply_null_array(c);
        return;
    }
    skey p;
    sk_group_prefix(&p, TAG_PEL, g->name, g->nlen);
    size_t plen = p.len;
    streamid first = ID_ZERO, last = ID_ZERO, id;
    tier_iter *it = siter(s, p.p, plen);
    size_t len;
    const char *k;
    sk_id(&p, &g->floor); /* nothing pending below the floor */
    tier_iter_seek(it, p.p, p.len);
    if (tier_iter_valid(it) && (k = tier_iter_sub(it, &len)) && len == plen + ID_LEN && !memcmp(k, p.p, plen))
        stream_id_decode(k + plen, &first);
    p.len = plen;
    sk_id(&p, &ID_MAX);
    tier_iter_seek_for_prev(it, p.p, p.len);
    if (tier_iter_valid(it) && (k = tier_iter_sub(it, &len)) && len == plen + ID_LEN && !memcmp(k, p.p, plen))
        stream_id_decode(k + plen, &last);
    reply_id(c, &first);
    reply_id(c, &last);
    /* consumers with a pending count */
    tier_iter_free(it);
    skey cp;
    sk_group_prefix(&cp, TAG_CONSUMER, g->name, g->nlen);
    it = siter(s, cp.p, cp.len);
    keylist names = {0};
    uint64_t *counts = NULL;
    size_t cap = 0;
    for (tier_iter_seek(it, cp.p, cp.len); tier_iter_valid(it); tier_iter_next(it)) {
        k = tier_iter_sub(it, &len);
        if (len < cp.len || memcmp(k, cp.p, cp.len) != 0) break;
        size_t vlen;
        const char *v = tier_iter_value(it, &vlen);
        uint64_t pend = vlen >= 16 ? enc_get_u64(v + 8) : 0;
        if (!pend) continue;
        if (names.n == cap) {
            cap = cap ? cap * 2 : 8;
            counts = realloc(counts, cap * sizeof(*counts));
        }
        counts[names.n] = pend;
        keylist_add(&names, k + cp.len, len - cp.len);
    }
    tier_iter_free(it);
    reply_array_len(c, (long)names.n);
    for (size_t i = 0; i < names.n; i++) {
        reply_array_len(c, 2);
        reply_bulk(c, names.k[i], names.len[i]);
        reply_bulk_longlong(c, (long long)counts[i]);
    }
    (void)id;
    keylist_free(&names);
    free(counts);
    sk_release(&cp);
    sk_release(&p);
}

void xpendingCommand(client *c) {
    int summary = c->argc == 3;
    streamid start = ID_ZERO, end = ID_MAX;
    long long count = 0, minidle = 0;
    int cons = 0;
    if (c->argc != 3 && (c->argc < 6 || c->argc > 9)) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc >= 6) {
        int si = 3;
        if (arg_is(c, 3, "IDLE")) {
            if (arg_longlong(c, 4, &minidle, NULL) < 0) return;
            if (c->argc < 8) {
                reply_error(c, ERR_SYNTAX);
                return;
            }
            si += 2;
        }
        if (arg_longlong(c, si + 2, &count, NULL) < 0) return;
        if (count < 0) count = 0;
        if (arg_interval(c, si, &start, 1) < 0) return;
        if (arg_interval(c, si + 1, &end, 0) < 0) return;
        if (si + 3 < c->argc) cons = si + 3;
    }
    stream s;
    sgroup g;
    if (group_open(c, FOR_READ, &s, &g) < 0) return;
    if (summary) {
        xpending_summary(c, &s, &g);
        goto done;
    }
    long long now = server_mstime();
    if (cons) {
        sconsumer cs;
        int r = consumer_load(&s, &g, KEY(cons), &cs);
        if (r == TIER_ERR) {
            reply_store_error(c);
            goto done;
        }
        if (r == 0) {
            reply_array_len(c, 0);
            goto done;
        }
        /* Walk the consumer's own PEL, reading each nack. */
        sentries ids = {0};
        pel_items items = {0};
        skey p;
        sk_cpel_prefix(&p, g.name, g.nlen, KEY(cons));
        size_t plen = p.len;
        sk_id(&p, stream_id_cmp(&start, &cs.floor) < 0 ? &cs.floor : &start);
        tier_iter *it = siter(&s, p.p, plen);
        uint64_t want = (uint64_t)count;
        for (tier_iter_seek(it, p.p, p.len); want && tier_iter_valid(it); tier_iter_next(it)) {
            size_t len;
            const char *k = tier_iter_sub(it, &len);
            if (len != plen + ID_LEN || memcmp(k, p.p, plen) != 0) break;
            streamid id;
            stream_id_decode(k + plen, &id);
            if (stream_id_cmp(&id, &end) > 0) break;
            sentries_add(&ids, &id, NULL, 0);
            if (!minidle) want--; /* with IDLE the filter needs the nack first */
            if (minidle && ids.n > 1000000) break;
        }
        tier_iter_free(it);
        sk_release(&p);
        want = (uint64_t)count;
        for (size_t i = 0; i < ids.n && items.n < want; i++) {
            snack n;
            if (nack_load(&s, &g, &ids.v[i].id, &n) != 1) continue;
            if (minidle && now - n.delivery_time < minidle) {
                nack_free(&n);
                continue;
            }
            pel_item *item = pel_items_push(&items);
            item->id = ids.v[i].id;
            item->n = n;
        }
        sentries_free(&ids);
        reply_pel_items(c, &items, now);
        pel_items_free(&items);
        goto done;
    }
    /* The group's PEL in id order, filtered by idle time. */
    pel_items items = {0};
    if (count) {
        if (!minidle) {
            pel_walk(&s, &g, start, end, (uint64_t)count, &items, NULL, NULL);
        } else {
            /* Walk in chunks until count entries pass the filter. */
            streamid from = start;
            for (;;) {
                pel_items chunk = {0};
                int more = 0;
                streamid next;
                pel_walk(&s, &g, from, end, 1024, &chunk, &more, &next);
                for (size_t i = 0; i < chunk.n; i++) {
                    if ((uint64_t)items.n >= (uint64_t)count || now - chunk.v[i].n.delivery_time < minidle) {
                        nack_free(&chunk.v[i].n);
                        continue;
                    }
                    *pel_items_push(&items) = chunk.v[i];
                }
                free(chunk.v);
                if (!more || (uint64_t)items.n >= (uint64_t)count) break;
                from = next;
            }
        }
    }
    reply_pel_items(c, &items, now);
    pel_items_free(&items);
done:
    stream_close(&s);
}

/* Claim the pending entry id (nack n) for consumer name: loads or creates
 * the consumer on first use (*cs_ready). */
static int claim_one(stream *s, sgroup *g, const streamid *id, snack *n, int existed, const char *cn, size_t clen,
                     sconsumer *cs, int *cs_ready) {
    if (!*cs_ready) {
        if (consumer_get_or_create(s, g, cn, clen, 1, cs) == TIER_ERR) return TIER_ERR;
        *cs_ready = 1;
    }
    return nack_assign(s, g, id, n, existed, cs);
}

void xclaimCommand(client *c) {
    stream s;
    sgroup g;
    if (group_open(c, FOR_WRITE, &s, &g) < 0) return;
    long long minidle, retrycount = -1, deliverytime = -1;
    int force = 0, justid = 0;
    streamid *ids = NULL;
    if (arg_longlong(c, 4, &minidle, "ERR Invalid min-idle-time argument for XCLAIM") < 0) goto done;
    if (minidle < 0) minidle = 0;
    int j, nids;
    ids = malloc(sizeof(*ids) * (size_t)c->argc);
    for (j = 5; j < c->argc; j++)
        if (stream_id_parse(KEY(j), &ids[j - 5], 0, 1, NULL) < 0) break;
    nids = j - 5;
    long long now = server_mstime();
    streamid lastid = ID_ZERO;
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(c, j, "FORCE")) {
            force = 1;
        } else if (arg_is(c, j, "JUSTID")) {
            justid = 1;
        } else if (arg_is(c, j, "IDLE") && more) {
            j++;
            if (arg_longlong(c, j, &deliverytime, "ERR Invalid IDLE option argument for XCLAIM") < 0) goto done;
            /* A bogus idle time (the result out of range) means "now",
             * as any delivery time outside [0, now] does below. */
            if (__builtin_sub_overflow(now, deliverytime, &deliverytime)) deliverytime = now;
        } else if (arg_is(c, j, "TIME") && more) {
            j++;
            if (arg_longlong(c, j, &deliverytime, "ERR Invalid TIME option argument for XCLAIM") < 0) goto done;
        } else if (arg_is(c, j, "RETRYCOUNT") && more) {
            j++;
            if (arg_longlong(c, j, &retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM") < 0)
                goto done;
        } else if (arg_is(c, j, "LASTID") && more) {
            j++;
            if (arg_strict_id(c, j, &lastid) < 0) goto done;
        } else {
            reply_errorf(c, "ERR Unrecognized XCLAIM option '%.*s'", (int)c->argv[j].len, c->argv[j].ptr);
            goto done;
        }
    }
    int gdirty = 0;
    if (stream_id_cmp(&lastid, &g.last) > 0) {
        g.last = lastid;
        gdirty = 1;
    }
    if (deliverytime != -1) {
        if (deliverytime < 0 || deliverytime > now) deliverytime = now;
    } else {
        deliverytime = now;
    }
    sconsumer cs;
    int cs_ready = 0, failed = 0;
    sentries out = {0};
    for (int i = 0; i < nids && !failed; i++) {
        streamid *id = &ids[i];
        snack n;
        int r = nack_load(&s, &g, id, &n);
        if (r == TIER_ERR) {
            failed = 1;
            break;
        }
        int exists = stream_exists_entry(&s, id);
        if (exists == TIER_ERR) {
            if (r == 1) nack_free(&n);
            failed = 1;
            break;
        }
        if (!exists) {
            /* The entry is gone: drop it from the PEL. */
            if (r == 1) {
                if (nack_remove(&s, &g, id, &n, cs_ready ? &cs : NULL) == TIER_ERR) failed = 1;
                gdirty = 1;
                nack_free(&n);
            }
            continue;
        }
        int existed = r == 1;
        if (force && !existed) {
            memset(&n, 0, sizeof(n));
            n.delivery_time = now;
            n.count = 1;
            r = 1;
        }
        if (r != 1) continue;
        if (existed && minidle && now - n.delivery_time < minidle) {
            nack_free(&n);
            continue;
        }
        n.delivery_time = deliverytime;
        if (retrycount >= 0)
            n.count = (uint64_t)retrycount;
        else if (!justid)
            n.count++;
        if (claim_one(&s, &g, id, &n, existed, KEY(3), &cs, &cs_ready) == TIER_ERR) failed = 1;
        gdirty = 1;
        nack_free(&n);
        if (justid) {
            sentries_add(&out, id, NULL, 0);
        } else {
            sentry e;
            if (stream_get(&s, id, &e) == TIER_ERR) failed = 1;
            sentries_add(&out, id, e.val, e.vlen);
            free(e.val);
        }
    }
    if (cs_ready) consumer_store(&s, &g, &cs);
    if (gdirty) {
        group_store(&s, &g);
        server_dirty(c, 1);
    }
    if (failed) {
        reply_store_error(c);
    } else {
        reply_array_len(c, (long)out.n);
        for (size_t i = 0; i < out.n; i++) {
            if (justid)
                reply_id(c, &out.v[i].id);
            else if (out.v[i].val)
                reply_entry(c, &out.v[i]);
            else
                reply_null(c);
        }
    }
    sentries_free(&out);
done:
    free(ids);
    stream_close(&s);
}

void xautoclaimCommand(client *c) {
    long long minidle, count = 100;
    streamid start;
    int justid = 0;
    const long long attempts_factor = 10;
    if (arg_longlong(c, 4, &minidle, "ERR Invalid min-idle-time argument for XAUTOCLAIM") < 0) return;
    if (minidle < 0) minidle = 0;
    if (arg_interval(c, 5, &start, 1) < 0) return;
    for (int j = 6; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(c, j, "COUNT") && more) {
            long long max = LONG_MAX / attempts_factor;
            long long v;
            if (!util_str2ll(c->argv[j + 1].ptr, c->argv[j + 1].len, &v) || v < 1 || v > max) {
                reply_error(c, "ERR COUNT must be > 0");
                return;
            }
            count = v;
            j++;
        } else if (arg_is(c, j, "JUSTID")) {
            justid = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    stream s;
    sgroup g;
    if (group_open(c, FOR_WRITE, &s, &g) < 0) return;
    long long now = server_mstime();
    long long attempts = count * attempts_factor;
    sentries out = {0}, deleted = {0};
    sconsumer cs;
    int cs_ready = 0, failed = 0, gdirty = 0;
    streamid from = start, cursor = ID_ZERO;
    /* Read the PEL a chunk at a time (writes must wait for the iterator). */
    int done_walk = 0;
    while (!done_walk && !failed) {
        pel_items chunk = {0};
        int more = 0;
        streamid next;
        uint64_t want = (uint64_t)(attempts < count ? attempts : count);
        if (want > 1024) want = 1024;
        if (want == 0) want = 1;
        pel_walk(&s, &g, from, ID_MAX, want, &chunk, &more, &next);
        size_t i = 0;
        for (; i < chunk.n; i++) {
            if (!(attempts > 0 && count > 0)) break;
            attempts--;
            pel_item *it = &chunk.v[i];
            int exists = stream_exists_entry(&s, &it->id);
            if (exists == TIER_ERR) {
                failed = 1;
                break;
            }
            if (!exists) {
                if (nack_remove(&s, &g, &it->id, &it->n, cs_ready ? &cs : NULL) == TIER_ERR) failed = 1;
                gdirty = 1;
                sentries_add(&deleted, &it->id, NULL, 0);
                count--;
                continue;
            }
            if (minidle && now - it->n.delivery_time < minidle) continue;
            it->n.delivery_time = now;
            if (!justid) it->n.count++;
            if (claim_one(&s, &g, &it->id, &it->n, 1, KEY(3), &cs, &cs_ready) == TIER_ERR) failed = 1;
            gdirty = 1;
            if (justid) {
                sentries_add(&out, &it->id, NULL, 0);
            } else {
                sentry e;
                if (stream_get(&s, &it->id, &e) == TIER_ERR) failed = 1;
                sentries_add(&out, &it->id, e.val, e.vlen);
                free(e.val);
            }
            count--;
        }
        if (i < chunk.n) {
            /* stopped inside the chunk: the cursor is the next unvisited */
            cursor = chunk.v[i].id;
            done_walk = 1;
        } else if (!more) {
            cursor = ID_ZERO;
            done_walk = 1;
        } else if (!(attempts > 0 && count > 0)) {
            cursor = next;
            done_walk = 1;
        } else {
            from = next;
        }
        pel_items_free(&chunk);
    }
    if (cs_ready) consumer_store(&s, &g, &cs);
    if (gdirty) {
        group_store(&s, &g);
        server_dirty(c, 1);
    }
    if (failed) {
        reply_store_error(c);
    } else {
        reply_array_len(c, 3);
        reply_id(c, &cursor);
        reply_array_len(c, (long)out.n);
        for (size_t i = 0; i < out.n; i++) {
            if (justid)
                reply_id(c, &out.v[i].id);
            else
                reply_entry(c, &out.v[i]);
        }
        reply_array_len(c, (long)deleted.n);
        for (size_t i = 0; i < deleted.n; i++) reply_id(c, &deleted.v[i].id);
    }
    sentries_free(&out);
    sentries_free(&deleted);
    stream_close(&s);
}

/* ---------------------------------------------------------------------------
 * XINFO
 * ------------------------------------------------------------------------ */

/* Redis's radix tree of nodes: radix-tree-keys is the number of nodes;
 * radix-tree-nodes depends on how the keys' bytes share prefixes. For
 * nodes whose ids differ only in the last bytes (the common case: one
 * producer), the tree is the root, a branch and a leaf per key. */
static long long rax_nodes_estimate(uint64_t keys) {
    if (keys == 0) return 1;
    if (keys == 1) return 2;
    return (long long)keys + 2;
}

static void group_list(stream *s, keylist *names) {
    char tag = TAG_GROUP;
    collect_prefix(s, &tag, 1, names);
}

static void xinfo_stream(client *c, stream *s) {
    int full = 0;
    long long count = 10;
    if (c->argc > 3) {
        if (!arg_is(c, 3, "FULL")) {
            reply_subcommand_syntax(c, "XINFO");
            return;
        }
        full = 1;
        if (c->argc > 4) {
            if (c->argc != 6 || !arg_is(c, 4, "COUNT")) {
                reply_subcommand_syntax(c, "XINFO");
                return;
            }
            if (arg_longlong(c, 5, &count, NULL) < 0) return;
            if (count < 0) count = 10;
        }
    }
    if (stream_load_aux(s) < 0) {
        reply_store_error(c);
        return;
    }
    reply_map_len(c, full ? 9 : 10);
    reply_bulk_cstr(c, "length");
    reply_longlong(c, (long long)s->o.count);
    reply_bulk_cstr(c, "radix-tree-keys");
    reply_longlong(c, (long long)s->live_nodes);
    reply_bulk_cstr(c, "radix-tree-nodes");
    reply_longlong(c, rax_nodes_estimate(s->live_nodes));
    reply_bulk_cstr(c, "last-generated-id");
    reply_id(c, &s->last);
    reply_bulk_cstr(c, "max-deleted-entry-id");
    reply_id(c, &s->maxdel);
    reply_bulk_cstr(c, "entries-added");
    reply_longlong(c, (long long)s->added);
    reply_bulk_cstr(c, "recorded-first-entry-id");
    reply_id(c, &s->first);
    if (!full) {
        reply_bulk_cstr(c, "groups");
        reply_longlong(c, (long long)s->ngroups);
        for (int rev = 0; rev < 2; rev++) {
            reply_bulk_cstr(c, rev ? "last-entry" : "first-entry");
            sentries l = {0};
            stream_range(s, ID_ZERO, ID_MAX, 1, rev, &l);
            if (l.n)
                reply_entry(c, &l.v[0]);
            else
                reply_null(c);
            sentries_free(&l);
        }
        return;
    }
    reply_bulk_cstr(c, "entries");
    sentries l = {0};
    stream_range(s, ID_ZERO, ID_MAX, (uint64_t)count, 0, &l);
    reply_entries(c, &l);
    sentries_free(&l);
    reply_bulk_cstr(c, "groups");
    keylist names = {0};
    group_list(s, &names);
    reply_array_len(c, (long)names.n);
    for (size_t i = 0; i < names.n; i++) {
        sgroup g;
        group_load(s, names.k[i] + 1, names.len[i] - 1, &g);
        reply_map_len(c, 7);
        reply_bulk_cstr(c, "name");
        reply_bulk(c, g.name, g.nlen);
        reply_bulk_cstr(c, "last-delivered-id");
        reply_id(c, &g.last);
        reply_bulk_cstr(c, "entries-read");
        reply_entries_read(c, &g);
        reply_bulk_cstr(c, "lag");
        reply_lag(c, s, &g);
        reply_bulk_cstr(c, "pel-count");
        reply_longlong(c, (long long)g.pending);
        reply_bulk_cstr(c, "pending");
        pel_items items = {0};
        pel_walk(s, &g, ID_ZERO, ID_MAX, (uint64_t)count, &items, NULL, NULL);
        reply_array_len(c, (long)items.n);
        for (size_t j = 0; j < items.n; j++) {
            reply_array_len(c, 4);
            reply_id(c, &items.v[j].id);
            reply_bulk(c, items.v[j].n.consumer, items.v[j].n.clen);
            reply_longlong(c, items.v[j].n.delivery_time);
            reply_longlong(c, (long long)items.v[j].n.count);
        }
        pel_items_free(&items);
        reply_bulk_cstr(c, "consumers");
        skey cp;
        sk_group_prefix(&cp, TAG_CONSUMER, g.name, g.nlen);
        keylist cons = {0};
        collect_prefix(s, cp.p, cp.len, &cons);
        reply_array_len(c, (long)cons.n);
        for (size_t j = 0; j < cons.n; j++) {
            sconsumer cs;
            const char *cn = cons.k[j] + cp.len;
            size_t clen = cons.len[j] - cp.len;
            consumer_load(s, &g, cn, clen, &cs);
            reply_map_len(c, 4);
            reply_bulk_cstr(c, "name");
            reply_bulk(c, cn, clen);
            reply_bulk_cstr(c, "seen-time");
            reply_longlong(c, cs.seen);
            reply_bulk_cstr(c, "pel-count");
            reply_longlong(c, (long long)cs.pending);
            reply_bulk_cstr(c, "pending");
            sentries pids = {0};
            cpel_ids(s, &g, cn, clen, cs.floor, (uint64_t)count, &pids);
            reply_array_len(c, (long)pids.n);
            for (size_t m = 0; m < pids.n; m++) {
                snack n;
                int r = nack_load(s, &g, &pids.v[m].id, &n);
                reply_array_len(c, 3);
                reply_id(c, &pids.v[m].id);
                reply_longlong(c, r == 1 ? n.delivery_time : 0);
                reply_longlong(c, r == 1 ? (long long)n.count : 0);
                if (r == 1) nack_free(&n);
            }
            sentries_free(&pids);
        }
        keylist_free(&cons);
        sk_release(&cp);
    }
    keylist_free(&names);
}

void xinfoCommand(client *c) {
    static const subcmd subs[] = {{"consumers", 4}, {"groups", 3}, {"stream", -3}, {"help", 2}, {NULL, 0}};
    if (check_subcommand(c, "xinfo", subs) < 0) return;
    if (arg_is(c, 1, "HELP")) {
        static const char *const help[] = {"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                                           "CONSUMERS <key> <groupname>",
                                           "    Show consumers of <groupname>.",
                                           "GROUPS <key>",
                                           "    Show the stream consumer groups.",
                                           "STREAM <key> [FULL [COUNT <count>]",
                                           "    Show information about the stream.",
                                           "HELP",
                                           "    Prints this help.",
                                           NULL};
        reply_help(c, help);
        return;
    }
    stream s;
    if (stream_open(c, 2, FOR_READ, &s) < 0) return;
    if (!s.o.exists) {
        reply_error(c, ERR_NO_SUCH_KEY);
        stream_close(&s);
        return;
    }
    if (arg_is(c, 1, "CONSUMERS")) {
        sgroup g;
        int r = group_load(&s, KEY(3), &g);
        if (r != 1) {
            if (r == TIER_ERR)
                reply_store_error(c);
            else
                reply_nogroup_for_key(c, 3, 2);
            goto done;
        }
        skey cp;
        sk_group_prefix(&cp, TAG_CONSUMER, g.name, g.nlen);
        keylist cons = {0};
        collect_prefix(&s, cp.p, cp.len, &cons);
        long long now = server_mstime();
        reply_array_len(c, (long)cons.n);
        for (size_t j = 0; j < cons.n; j++) {
            sconsumer cs;
            const char *cn = cons.k[j] + cp.len;
            size_t clen = cons.len[j] - cp.len;
            consumer_load(&s, &g, cn, clen, &cs);
            long long idle = now - cs.seen;
            reply_map_len(c, 3);
            reply_bulk_cstr(c, "name");
            reply_bulk(c, cn, clen);
            reply_bulk_cstr(c, "pending");
            reply_longlong(c, (long long)cs.pending);
            reply_bulk_cstr(c, "idle");
            reply_longlong(c, idle < 0 ? 0 : idle);
        }
        keylist_free(&cons);
        sk_release(&cp);
    } else if (arg_is(c, 1, "GROUPS")) {
        keylist names = {0};
        group_list(&s, &names);
        reply_array_len(c, (long)names.n);
        for (size_t i = 0; i < names.n; i++) {
            sgroup g;
            group_load(&s, names.k[i] + 1, names.len[i] - 1, &g);
            reply_map_len(c, 6);
            reply_bulk_cstr(c, "name");
            reply_bulk(c, g.name, g.nlen);
            reply_bulk_cstr(c, "consumers");
            reply_longlong(c, (long long)g.consumers);
            reply_bulk_cstr(c, "pending");
            reply_longlong(c, (long long)g.pending);
            reply_bulk_cstr(c, "last-delivered-id");
            reply_id(c, &g.last);
            reply_bulk_cstr(c, "entries-read");
            reply_entries_read(c, &g);
            reply_bulk_cstr(c, "lag");
            reply_lag(c, &s, &g);
        }
        keylist_free(&names);
    } else {
        xinfo_stream(c, &s);
    }
done:
    stream_close(&s);
}
