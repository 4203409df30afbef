/* keyspace.c - logical databases of typed, expiring keys over the engine.
 *
 * Today every lookup reads through to the engine (RocksDB's block cache and
 * the OS page cache keep hot records in memory); the resident hot tier will
 * sit in front of these same functions, so command code does not change when
 * it arrives.
 *
 * Per-database key counts are kept in memory and written into the same batch
 * as the change that moved them, so DBSIZE is O(1) and exact after a crash.
 */
#include "keyspace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "hot.h"

static struct {
    eng *e;
    int ndb;            /* reachable logical dbs (the `databases` setting) */
    int nmap;           /* entries in dbmap: ndb, or more if the setting shrank */
    uint16_t *dbmap;    /* logical db -> physical id */
    uint64_t *keys;     /* key count per physical id */
    uint64_t *expires;  /* keys with an expiry, per physical id */
    uint8_t *keys_dirty; /* keys or expires changed since the last commit */
    int dbmap_dirty;
    uint64_t next_version; /* for the next new compound value */
    int version_dirty;
    int unsynced;          /* committed mid-turn without a WAL sync */
    uint64_t cold_reads;   /* metadata reads that missed the hot tier and found the key */
    int readonly;          /* the store failed a write: change nothing */
    char *commit_error;    /* a mid-turn commit failed: the message, until taken */
    int atomic;            /* inside tier_atomic_begin/end: nothing commits early */
    uint8_t seed[16];
    char lasterr[256];
    tier_change_fn *on_change; /* told about every change of a key (WATCH, blocking) */
    tier_change_fn *on_create; /* told when a key comes into existence (keyspace "new") */
} ks;

/* ---------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

/* Scratch space for an encoded key: on the stack when small. */
typedef struct keybuf {
    char *p;
    char small[256];
} keybuf;

static char *kb_alloc(keybuf *kb, size_t need) {
    kb->p = need <= sizeof(kb->small) ? kb->small : malloc(need);
    return kb->p;
}

static void kb_release(keybuf *kb) {
    if (kb->p != kb->small) free(kb->p);
}

static void set_error(const char *what, char *err) {
    snprintf(ks.lasterr, sizeof(ks.lasterr), "%s: %s", what, err ? err : "unknown error");
    if (err) eng_free(err);
}

const char *tier_last_error(void) { return ks.lasterr; }

static long long monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint16_t phys(int db) { return ks.dbmap[db]; }

/* Tell the upper layer that a key changed. The logical db is found by a
 * scan of the small db map: SWAPDB may have moved it. */
static void changed(uint16_t pdb, const char *key, size_t klen, int why) {
    if (!ks.on_change) return;
    for (int db = 0; db < ks.ndb; db++)
        if (ks.dbmap[db] == pdb) {
            ks.on_change(db, key, klen, why);
            return;
        }
}

void tier_set_change_hook(tier_change_fn *fn) { ks.on_change = fn; }
void tier_set_create_hook(tier_change_fn *fn) { ks.on_create = fn; }

static void created(uint16_t pdb, const char *key, size_t klen) {
    if (!ks.on_create) return;
    for (int db = 0; db < ks.ndb; db++)
        if (ks.dbmap[db] == pdb) {
            ks.on_create(db, key, klen, TIER_CHANGED);
            return;
        }
}

static void count_add(uint16_t pdb, int keys, int expires) {
    ks.keys[pdb] += keys;
    ks.expires[pdb] += expires;
    ks.keys_dirty[pdb] = 1;
}

/* Upper bound of physical db pdb's range in the meta CF: [pdb+1]. The last
 * id has no upper neighbour, so it gets no bound (it is last in the CF). */
static size_t db_upper(char *out, uint16_t pdb) {
    if (pdb == 0xFFFF) return 0;
    enc_put_u16(out, (uint16_t)(pdb + 1));
    return 2;
}

static int commit_pending(char **err);

/* ---------------------------------------------------------------------------
 * Open / close
 * ------------------------------------------------------------------------ */

static int read_record(const char *name, size_t nlen, char **val, size_t *vlen) {
    char *err;
    int r = eng_get(ks.e, ENG_CF_DEFAULT, name, nlen, val, vlen, &err);
    if (r < 0) set_error("read", err);
    return r;
}

static int load_seed(const tier_options *o) {
    char *v;
    size_t vlen;
    int r = read_record(ENC_REC_SEED, strlen(ENC_REC_SEED), &v, &vlen);
    if (r < 0) return -1;
    if (r == 1 && vlen == 16) {
        memcpy(ks.seed, v, 16);
        eng_free(v);
        return 0;
    }
    if (r == 1) eng_free(v);
    memcpy(ks.seed, o->fresh_seed, 16);
    eng_put(ks.e, ENG_CF_DEFAULT, ENC_REC_SEED, strlen(ENC_REC_SEED), (const char *)ks.seed, 16);
    char fmt[4];
    enc_put_u32(fmt, ENC_FORMAT_VERSION);
    eng_put(ks.e, ENG_CF_DEFAULT, ENC_REC_FORMAT, strlen(ENC_REC_FORMAT), fmt, 4);
    return 0;
}

/* The stored map may be shorter than `databases` (the setting grew): new
 * logical dbs get the next unused physical ids. */
static int load_dbmap(void) {
    char *v;
    size_t vlen;
    int r = read_record(ENC_REC_DBMAP, strlen(ENC_REC_DBMAP), &v, &vlen);
    if (r < 0) return -1;
    int stored = r == 1 ? (int)(vlen / 2) : 0;
    int total = stored > ks.ndb ? stored : ks.ndb;
    uint16_t *map = calloc(total, sizeof(uint16_t));
    uint8_t *used = calloc(65536, 1);
    for (int i = 0; i < stored; i++) {
        map[i] = enc_get_u16(v + 2 * i);
        used[map[i]] = 1;
    }
    int next = 0;
    for (int i = stored; i < total; i++) {
        while (used[next]) next++;
        map[i] = (uint16_t)next;
        used[next] = 1;
        ks.dbmap_dirty = 1;
    }
    if (r == 1) eng_free(v);
    free(used);
    ks.dbmap = map;
    /* Logical dbs beyond `databases` keep their ids in the stored map (so a
     * later restart with more databases finds them) but are not reachable. */
    ks.nmap = total;
    return 0;
}

static int load_version(void) {
    char *v;
    size_t vlen;
    int r = read_record(ENC_REC_VERSION, strlen(ENC_REC_VERSION), &v, &vlen);
    if (r < 0) return -1;
    ks.next_version = 1;
    if (r == 1) {
        if (vlen == 8) ks.next_version = enc_get_u64(v);
        eng_free(v);
    }
    return 0;
}

static int load_counts(void) {
    ks.keys = calloc(65536, sizeof(uint64_t));
    ks.expires = calloc(65536, sizeof(uint64_t));
    ks.keys_dirty = calloc(65536, 1);
    /* Every mapped db, reachable or not: the active expiry cycle also
     * deletes keys of dbs beyond `databases`, and their counts must move
     * from the stored figures (put_bookkeeping writes them back). */
    for (int i = 0; i < ks.nmap; i++) {
        char k[6], *v;
        size_t vlen;
        uint16_t pdb = phys(i);
        int r = read_record(k, enc_keycount_key(k, pdb), &v, &vlen);
        if (r < 0) return -1;
        if (r == 1) {
            if (vlen == 16) {
                ks.keys[pdb] = enc_get_u64(v);
                ks.expires[pdb] = enc_get_u64(v + 8);
            }
            eng_free(v);
        }
    }
    return 0;
}

/* The options of the last open, for tier_reopen(). */
static tier_options opened_with;
static char *opened_dir, *opened_compression;

static void remember_options(const tier_options *o) {
    if (o == &opened_with) return;
    free(opened_dir);
    free(opened_compression);
    opened_with = *o;
    opened_dir = strdup(o->dir ? o->dir : ".");
    opened_compression = o->compression ? strdup(o->compression) : NULL;
    opened_with.dir = opened_dir;
    opened_with.compression = opened_compression;
}

int tier_open(const tier_options *o, char **err) {
    remember_options(o);
    o = &opened_with;
    eng_options eo = {
        .dir = o->dir,
        .block_cache_size = o->block_cache_size,
        .write_buffer_size = o->write_buffer_size,
        .compression = o->compression,
        .max_background_jobs = o->max_background_jobs,
    };
    char *e_err = NULL;
    memset(&ks, 0, sizeof(ks));
    ks.ndb = o->databases;
    ks.e = eng_open(&eo, &e_err);
    if (!ks.e) {
        *err = strdup(e_err ? e_err : "cannot open the store");
        if (e_err) eng_free(e_err);
        return TIER_ERR;
    }
    if (load_seed(o) < 0 || load_dbmap() < 0 || load_counts() < 0 || load_version() < 0) {
        *err = strdup(ks.lasterr);
        tier_close();
        return TIER_ERR;
    }
    eng_set_key_seed(ks.e, ks.seed);
    /* The in-memory table gets a seed of its own, new every start. */
    hot_init(o->fresh_seed);
    if (tier_commit(1, &e_err) != TIER_OK) {
        *err = e_err;
        tier_close();
        return TIER_ERR;
    }
    return TIER_OK;
}

/* RocksDB stops taking writes after a failed WAL write until it is resumed;
 * the C API has no Resume(), so the store is closed and opened again (the
 * WAL replays everything that was committed). */
int tier_reopen(char **err) {
    tier_close();
    return tier_open(&opened_with, err);
}

void tier_set_readonly(int on) { ks.readonly = on; }

void tier_close(void) {
    free(ks.commit_error);
    hot_free_all();
    eng_close(ks.e);
    free(ks.dbmap);
    free(ks.keys);
    free(ks.expires);
    free(ks.keys_dirty);
    memset(&ks, 0, sizeof(ks));
}

/* ---------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------ */

const char *tier_type_name(int type) {
    switch (type) {
    case OBJ_STRING: return "string";
    case OBJ_LIST: return "list";
    case OBJ_SET: return "set";
    case OBJ_ZSET: return "zset";
    case OBJ_HASH: return "hash";
    case OBJ_STREAM: return "stream";
    }
    return "none";
}

void tier_obj_free(tier_obj *o) {
    if (o->raw) eng_free(o->raw);
    memset(o, 0, sizeof(*o));
}

static void put_expire_entry(uint16_t pdb, const char *key, size_t klen, int64_t when, int add) {
    keybuf kb;
    char *k = kb_alloc(&kb, enc_expire_key_len(klen));
    size_t n = enc_expire_key(k, when, pdb, key, klen);
    if (add)
        eng_put(ks.e, ENG_CF_EXPIRE, k, n, "", 0);
    else
        eng_del(ks.e, ENG_CF_EXPIRE, k, n);
    kb_release(&kb);
}

/* Fill out from a stored metadata record v (taking ownership of v). */
static int parse_record(char *v, size_t vlen, tier_obj *out) {
    enc_meta m;
    if (enc_meta_parse(v, vlen, &m) < 0) {
        eng_free(v);
        snprintf(ks.lasterr, sizeof(ks.lasterr), "corrupt metadata record");
        return TIER_ERR;
    }
    out->exists = out->stored = 1;
    out->type = m.type;
    out->expire_ms = out->stored_expire_ms = m.expire_ms;
    out->val = m.body;
    out->len = m.bodylen;
    out->raw = v;
    if (m.type != OBJ_STRING) {
        const char *extra;
        if (enc_compound_parse(m.body, m.bodylen, &out->version, &out->count, &extra, &out->extralen) < 0 ||
            out->extralen > TIER_EXTRA_MAX) {
            tier_obj_free(out);
            snprintf(ks.lasterr, sizeof(ks.lasterr), "corrupt metadata record");
            return TIER_ERR;
        }
        memcpy(out->extra, extra, out->extralen);
    }
    return TIER_OK;
}

/* out from a resident entry (a copy: the entry may go before out does). */
static int parse_resident(const hot_entry *he, tier_obj *out) {
    char *v = malloc(he->rlen ? he->rlen : 1); /* released by eng_free, which is free */
    memcpy(v, hot_record(he), he->rlen);
    return parse_record(v, he->rlen, out);
}

/* The stored metadata record of key: 1 (*v to eng_free), 0 absent, -1 error. */
static int read_stored_meta(uint16_t pdb, const char *key, size_t klen, char **v, size_t *vlen) {
    keybuf kb;
    char *k = kb_alloc(&kb, enc_meta_key_len(klen));
    size_t n = enc_meta_key(k, pdb, enc_key_hash(ks.seed, key, klen), key, klen);
    char *err;
    int r = eng_get(ks.e, ENG_CF_META, k, n, v, vlen, &err);
    kb_release(&kb);
    if (r < 0) set_error("read", err);
    return r;
}

/* Read the meta record of key in physical db pdb into out: from the hot
 * tier when resident, else from the store (and then it becomes resident). */
static int read_meta(uint16_t pdb, const char *key, size_t klen, tier_obj *out) {
    memset(out, 0, sizeof(*out));
    hot_entry *he = hot_get(pdb, key, klen);
    if (he) return parse_resident(he, out);
    char *v;
    size_t vlen;
    int r = read_stored_meta(pdb, key, klen, &v, &vlen);
    if (r <= 0) return r < 0 ? TIER_ERR : TIER_OK;
    ks.cold_reads++;
    if (hot_admit(pdb, key, klen)) hot_put(pdb, key, klen, v, vlen, 1);
    return parse_record(v, vlen, out);
}

/* Delete the stored record `old` describes. A compound value's elements
 * stay behind under a version nothing refers to any more. */
static void delete_phys(uint16_t pdb, const char *key, size_t klen, const tier_obj *old, int why) {
    if (!old->stored) return;
    changed(pdb, key, klen, why);
    keybuf kb;
    char *k = kb_alloc(&kb, enc_meta_key_len(klen));
    size_t n = enc_meta_key(k, pdb, enc_key_hash(ks.seed, key, klen), key, klen);
    eng_del(ks.e, ENG_CF_META, k, n);
    kb_release(&kb);
    hot_del(pdb, key, klen);
    if (old->stored_expire_ms) put_expire_entry(pdb, key, klen, old->stored_expire_ms, 0);
    count_add(pdb, -1, old->stored_expire_ms ? -1 : 0);
}

int tier_lookup(int db, const char *key, size_t klen, int64_t now_ms, tier_obj *out) {
    uint16_t pdb = phys(db);
    if (read_meta(pdb, key, klen, out) != TIER_OK) return TIER_ERR;
    /* Redis's rule: expired once now is past the deadline (now > when). */
    if (out->exists && out->expire_ms && out->expire_ms < now_ms) {
        if (!ks.readonly) delete_phys(pdb, key, klen, out, TIER_EXPIRED);
        tier_obj_free(out);
    }
    return TIER_OK;
}

int tier_peek(int db, const char *key, size_t klen, int64_t now_ms, tier_obj *out, tier_key_info *info) {
    uint16_t pdb = phys(db);
    tier_key_info scratch;
    if (!info) info = &scratch;
    memset(out, 0, sizeof(*out));
    memset(info, 0, sizeof(*info));
    const hot_entry *he = hot_peek(pdb, key, klen);
    if (he) {
        info->resident = 1;
        info->idle_seconds = hot_idle_seconds(he);
        info->lfu = hot_lfu_now(he);
        info->entry_bytes = hot_entry_bytes(he);
        if (parse_resident(he, out) != TIER_OK) return TIER_ERR;
    } else {
        char *v;
        size_t vlen;
        int r = read_stored_meta(pdb, key, klen, &v, &vlen);
        if (r <= 0) return r < 0 ? TIER_ERR : TIER_OK;
        info->entry_bytes = hot_entry_bytes_for(klen, vlen);
        if (parse_record(v, vlen, out) != TIER_OK) return TIER_ERR;
    }
    if (out->exists && out->expire_ms && out->expire_ms < now_ms) {
        if (!ks.readonly) delete_phys(pdb, key, klen, out, TIER_EXPIRED);
        tier_obj_free(out);
        memset(info, 0, sizeof(*info));
    }
    return TIER_OK;
}

/* ---------------------------------------------------------------------------
 * Changes
 * ------------------------------------------------------------------------ */

/* Write a metadata record, replacing what `old` says is stored. */
static void write_meta(uint16_t pdb, const char *key, size_t klen, int type, int64_t expire_ms,
                       const char *body, size_t blen, const tier_obj *old) {
    keybuf kk, kv;
    char *k = kb_alloc(&kk, enc_meta_key_len(klen));
    size_t kn = enc_meta_key(k, pdb, enc_key_hash(ks.seed, key, klen), key, klen);
    size_t hl = enc_meta_header_len(expire_ms);
    char *v = kb_alloc(&kv, hl + blen);
    enc_meta_header(v, (uint8_t)type, expire_ms);
    if (blen) memcpy(v + hl, body, blen);
    eng_put(ks.e, ENG_CF_META, k, kn, v, hl + blen);
    hot_put(pdb, key, klen, v, hl + blen, 0);
    changed(pdb, key, klen, TIER_CHANGED);
    if (!old->stored) created(pdb, key, klen);
    kb_release(&kk);
    kb_release(&kv);

    int64_t old_exp = old->stored ? old->stored_expire_ms : 0;
    if (old_exp != expire_ms) {
        if (old_exp) put_expire_entry(pdb, key, klen, old_exp, 0);
        if (expire_ms) put_expire_entry(pdb, key, klen, expire_ms, 1);
    }
    count_add(pdb, old->stored ? 0 : 1, (expire_ms != 0) - (old_exp != 0));
}

/* The metadata body of a compound value: version, count, extra. */
static size_t compound_body(char *out, const tier_obj *o) {
    size_t n = enc_compound_body(out, o->version, o->count);
    memcpy(out + n, o->extra, o->extralen);
    return n + o->extralen;
}

void tier_set_string(int db, const char *key, size_t klen, const char *val, size_t vlen,
                     int64_t expire_ms, const tier_obj *old) {
    write_meta(phys(db), key, klen, OBJ_STRING, expire_ms, val, vlen, old);
}

void tier_delete(int db, const char *key, size_t klen, const tier_obj *old) {
    delete_phys(phys(db), key, klen, old, TIER_CHANGED);
}

void tier_set_expire(int db, const char *key, size_t klen, const tier_obj *old, int64_t expire_ms) {
    if (old->type == OBJ_STRING) {
        write_meta(phys(db), key, klen, old->type, expire_ms, old->val, old->len, old);
        return;
    }
    char body[ENC_COMPOUND_BODY + TIER_EXTRA_MAX];
    write_meta(phys(db), key, klen, old->type, expire_ms, body, compound_body(body, old), old);
}

/* ---------------------------------------------------------------------------
 * Compound values
 * ------------------------------------------------------------------------ */

void tier_compound_create(int db, const char *key, size_t klen, int type, tier_obj *o) {
    if (o->raw) eng_free(o->raw);
    o->raw = NULL;
    o->val = NULL;
    o->len = 0;
    o->exists = 1;
    o->type = type;
    o->expire_ms = 0;
    o->version = ks.next_version++;
    ks.version_dirty = 1;
    o->count = 0;
    o->extralen = 0;
}

void tier_compound_save(int db, const char *key, size_t klen, tier_obj *o) {
    uint16_t pdb = phys(db);
    /* Redis deletes emptied hashes, sets, sorted sets and lists; a stream
     * stays at length 0 (its ids and groups outlive its entries). */
    if (o->count == 0 && o->type != OBJ_STREAM) {
        delete_phys(pdb, key, klen, o, TIER_CHANGED);
        o->exists = o->stored = 0;
        o->stored_expire_ms = 0;
        return;
    }
    char body[ENC_COMPOUND_BODY + TIER_EXTRA_MAX];
    write_meta(pdb, key, klen, o->type, o->expire_ms, body, compound_body(body, o), o);
    o->stored = 1;
    o->stored_expire_ms = o->expire_ms;
}

/* [prefix][sub] of one element of o. */
static char *element_key(keybuf *kb, uint16_t pdb, const char *key, size_t klen, const tier_obj *o,
                         const char *sub, size_t sublen, size_t *n) {
    size_t pl = enc_sub_prefix_len(klen);
    char *k = kb_alloc(kb, pl + sublen);
    enc_sub_prefix(k, pdb, key, klen, o->version);
    if (sublen) memcpy(k + pl, sub, sublen);
    *n = pl + sublen;
    return k;
}

int tier_sub_get(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen,
                 char **val, size_t *vlen) {
    keybuf kb;
    size_t n;
    char *k = element_key(&kb, phys(db), key, klen, o, sub, sublen, &n), *err;
    int r = eng_get(ks.e, ENG_CF_SUB, k, n, val, vlen, &err);
    kb_release(&kb);
    if (r < 0) {
        set_error("read", err);
        return TIER_ERR;
    }
    return r;
}

void tier_sub_put(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen,
                  const char *val, size_t vlen) {
    keybuf kb;
    size_t n;
    char *k = element_key(&kb, phys(db), key, klen, o, sub, sublen, &n);
    eng_put(ks.e, ENG_CF_SUB, k, n, val, vlen);
    kb_release(&kb);
    changed(phys(db), key, klen, TIER_CHANGED);
}

void tier_sub_del(int db, const char *key, size_t klen, const tier_obj *o, const char *sub, size_t sublen) {
    keybuf kb;
    size_t n;
    char *k = element_key(&kb, phys(db), key, klen, o, sub, sublen, &n);
    eng_del(ks.e, ENG_CF_SUB, k, n);
    kb_release(&kb);
    changed(phys(db), key, klen, TIER_CHANGED);
}

static void zindex_change(int db, const char *key, size_t klen, const tier_obj *o, double score,
                          const char *member, size_t mlen, int put) {
    keybuf kb, sb;
    char *sub = kb_alloc(&sb, 8 + mlen);
    enc_put_score(sub, score);
    if (mlen) memcpy(sub + 8, member, mlen);
    size_t n;
    char *k = element_key(&kb, phys(db), key, klen, o, sub, 8 + mlen, &n);
    if (put)
        eng_put(ks.e, ENG_CF_ZSCORE, k, n, "", 0);
    else
        eng_del(ks.e, ENG_CF_ZSCORE, k, n);
    kb_release(&kb);
    kb_release(&sb);
}

void tier_zindex_put(int db, const char *key, size_t klen, const tier_obj *o, double score,
                     const char *member, size_t mlen) {
    zindex_change(db, key, klen, o, score, member, mlen, 1);
}

void tier_zindex_del(int db, const char *key, size_t klen, const tier_obj *o, double score,
                     const char *member, size_t mlen) {
    zindex_change(db, key, klen, o, score, member, mlen, 0);
}

void tier_free(void *p) { eng_free(p); }

struct tier_iter {
    eng_iter *it;
    char *prefix;
    size_t plen;
};

tier_iter *tier_iter_new(int db, const char *key, size_t klen, const tier_obj *o, int zindex) {
    tier_iter *t = calloc(1, sizeof(*t));
    t->plen = enc_sub_prefix_len(klen);
    t->prefix = malloc(t->plen);
    enc_sub_prefix(t->prefix, phys(db), key, klen, o->version);
    char *upper = malloc(t->plen);
    memcpy(upper, t->prefix, t->plen);
    enc_prefix_successor(upper, t->plen);
    t->it = eng_iter_new_range(ks.e, zindex ? ENG_CF_ZSCORE : ENG_CF_SUB, t->prefix, t->plen, upper, t->plen);
    free(upper);
    return t;
}

tier_iter *tier_iter_new_prefix(int db, const char *key, size_t klen, const tier_obj *o, int zindex,
                                const char *sub_prefix, size_t splen) {
    tier_iter *t = calloc(1, sizeof(*t));
    t->plen = enc_sub_prefix_len(klen);
    t->prefix = malloc(t->plen);
    enc_sub_prefix(t->prefix, phys(db), key, klen, o->version);
    size_t blen = t->plen + splen;
    char *lower = malloc(blen), *upper = malloc(blen);
    memcpy(lower, t->prefix, t->plen);
    if (splen) memcpy(lower + t->plen, sub_prefix, splen);
    memcpy(upper, lower, blen);
    enc_prefix_successor(upper, blen);
    t->it = eng_iter_new_range(ks.e, zindex ? ENG_CF_ZSCORE : ENG_CF_SUB, lower, blen, upper, blen);
    free(lower);
    free(upper);
    return t;
}

static void iter_position(tier_iter *t, const char *sub, size_t sublen, int for_prev) {
    keybuf kb;
    char *k = kb_alloc(&kb, t->plen + sublen);
    memcpy(k, t->prefix, t->plen);
    if (sublen) memcpy(k + t->plen, sub, sublen);
    if (for_prev)
        eng_iter_seek_for_prev(t->it, k, t->plen + sublen);
    else
        eng_iter_seek(t->it, k, t->plen + sublen);
    kb_release(&kb);
}

void tier_iter_seek(tier_iter *t, const char *sub, size_t sublen) { iter_position(t, sub, sublen, 0); }
void tier_iter_seek_for_prev(tier_iter *t, const char *sub, size_t sublen) { iter_position(t, sub, sublen, 1); }
void tier_iter_seek_first(tier_iter *t) { eng_iter_seek_first(t->it); }
void tier_iter_seek_last(tier_iter *t) { eng_iter_seek_last(t->it); }
int tier_iter_valid(tier_iter *t) { return eng_iter_valid(t->it); }
void tier_iter_next(tier_iter *t) { eng_iter_next(t->it); }
void tier_iter_prev(tier_iter *t) { eng_iter_prev(t->it); }

const char *tier_iter_sub(tier_iter *t, size_t *len) {
    size_t kl;
    const char *k = eng_iter_key(t->it, &kl);
    *len = kl - t->plen;
    return k + t->plen;
}

const char *tier_iter_value(tier_iter *t, size_t *len) { return eng_iter_value(t->it, len); }

void tier_iter_free(tier_iter *t) {
    if (!t) return;
    eng_iter_free(t->it);
    free(t->prefix);
    free(t);
}

/* Entries read from an iterator, kept so they can be written after it is
 * closed (the pending batch must not change under an open iterator). */
typedef struct chunk {
    char *buf;          /* keys and values, back to back */
    size_t len, cap;
    size_t *off;        /* per entry: key offset, key length, value offset, value length */
    int n, capn;
} chunk;

#define CHUNK_ENTRIES 512
#define CHUNK_BYTES (1 << 20)

static size_t chunk_add(chunk *ch, const char *p, size_t n) {
    if (ch->len + n > ch->cap) {
        size_t cap = ch->cap ? ch->cap : 4096;
        while (cap < ch->len + n) cap *= 2;
        ch->buf = realloc(ch->buf, cap);
        ch->cap = cap;
    }
    if (n) memcpy(ch->buf + ch->len, p, n);
    ch->len += n;
    return ch->len - n;
}

static void chunk_push(chunk *ch, const char *k, size_t kl, const char *v, size_t vl) {
    if (ch->n == ch->capn) {
        ch->capn = ch->capn ? ch->capn * 2 : 64;
        ch->off = realloc(ch->off, sizeof(size_t) * 4 * ch->capn);
    }
    size_t *o = ch->off + 4 * ch->n++;
    o[0] = chunk_add(ch, k, kl);
    o[1] = kl;
    o[2] = chunk_add(ch, v, vl);
    o[3] = vl;
}

static int chunk_full(const chunk *ch) { return ch->n >= CHUNK_ENTRIES || ch->len >= CHUNK_BYTES; }

/* Read the next chunk of [from, hi) in cf (hi NULL: to the end), skipping
 * `from` itself when skip_first. Returns the number of entries read. */
static int chunk_read(chunk *ch, eng_cf cf, const char *from, size_t flen, int skip_first, const char *hi,
                      size_t hl, int with_values) {
    ch->len = 0;
    ch->n = 0;
    eng_iter *it = eng_iter_new_range(ks.e, cf, from, flen, hi, hl);
    for (eng_iter_seek_first(it); eng_iter_valid(it) && !chunk_full(ch); eng_iter_next(it)) {
        size_t kl, vl = 0;
        const char *k = eng_iter_key(it, &kl), *v = with_values ? eng_iter_value(it, &vl) : "";
        if (skip_first && kl == flen && memcmp(k, from, kl) == 0) continue;
        chunk_push(ch, k, kl, v, vl);
    }
    eng_iter_free(it);
    return ch->n;
}

/* Where the next chunk_read starts: a copy of this chunk's last key (*from
 * is freed and replaced; the caller frees the last one). */
static void chunk_resume_point(const chunk *ch, char **from, size_t *flen) {
    const size_t *last = ch->off + 4 * (ch->n - 1);
    free(*from);
    *flen = last[1];
    *from = malloc(*flen ? *flen : 1);
    memcpy(*from, ch->buf + last[0], *flen);
}

static void chunk_free(chunk *ch) {
    free(ch->buf);
    free(ch->off);
}

/* Copy every element of one value's CF range to a new version, a chunk at a
 * time: the iterator reads through the pending batch (so it sees this
 * turn's writes, and a transaction's), and each chunk is written once the
 * iterator is closed. Nothing is committed here, so a COPY inside EXEC stays
 * in the transaction's one batch. */
static void copy_elements(eng_cf cf, uint16_t spdb, const char *skey, size_t slen, uint64_t sver, uint16_t dpdb,
                          const char *dkey, size_t dlen, uint64_t dver) {
    size_t spl = enc_sub_prefix_len(slen), dpl = enc_sub_prefix_len(dlen);
    char *lo = malloc(spl), *hi = malloc(spl);
    enc_sub_prefix(lo, spdb, skey, slen, sver);
    memcpy(hi, lo, spl);
    enc_prefix_successor(hi, spl);
    chunk ch = {0};
    char *from = NULL;
    size_t flen = 0;
    while (chunk_read(&ch, cf, from ? from : lo, from ? flen : spl, from != NULL, hi, spl, 1) > 0) {
        keybuf kb;
        for (int i = 0; i < ch.n; i++) {
            const size_t *o = ch.off + 4 * i;
            const char *k = ch.buf + o[0];
            char *nk = kb_alloc(&kb, dpl + (o[1] - spl));
            enc_sub_prefix(nk, dpdb, dkey, dlen, dver);
            memcpy(nk + dpl, k + spl, o[1] - spl);
            eng_put(ks.e, cf, nk, dpl + (o[1] - spl), ch.buf + o[2], o[3]);
            kb_release(&kb);
        }
        chunk_resume_point(&ch, &from, &flen);
    }
    chunk_free(&ch);
    free(from);
    free(lo);
    free(hi);
}

int tier_copy(int srcdb, const char *src_key, size_t slen, const tier_obj *src, int dstdb, const char *dst,
              size_t dlen, const tier_obj *old_dst) {
    if (src->type == OBJ_STRING) {
        write_meta(phys(dstdb), dst, dlen, src->type, src->expire_ms, src->val, src->len, old_dst);
        return TIER_OK;
    }
    tier_obj copy = *src;
    copy.raw = NULL;
    copy.version = ks.next_version++;
    ks.version_dirty = 1;
    copy_elements(ENG_CF_SUB, phys(srcdb), src_key, slen, src->version, phys(dstdb), dst, dlen, copy.version);
    copy_elements(ENG_CF_ZSCORE, phys(srcdb), src_key, slen, src->version, phys(dstdb), dst, dlen, copy.version);
    char body[ENC_COMPOUND_BODY + TIER_EXTRA_MAX];
    write_meta(phys(dstdb), dst, dlen, copy.type, copy.expire_ms, body, compound_body(body, &copy), old_dst);
    return TIER_OK;
}

/* ---------------------------------------------------------------------------
 * Whole databases
 * ------------------------------------------------------------------------ */

uint64_t tier_dbsize(int db) { return ks.keys[phys(db)]; }
uint64_t tier_dbexpires(int db) { return ks.expires[phys(db)]; }

/* Delete one by one the meta records from `from` to the end of the CF
 * (the part no range with a finite end can cover). A few at most. */
static void delete_meta_tail(const char *from, size_t flen) {
    for (;;) {
        /* A fresh iterator each time: it sees the deletes queued so far. */
        eng_iter *it = eng_iter_new(ks.e, ENG_CF_META, NULL, 0);
        eng_iter_seek(it, from, flen);
        if (!eng_iter_valid(it)) {
            eng_iter_free(it);
            return;
        }
        size_t kl;
        const char *k = eng_iter_key(it, &kl);
        keybuf kb;
        char *copy = kb_alloc(&kb, kl ? kl : 1);
        memcpy(copy, k, kl);
        eng_iter_free(it);
        eng_del(ks.e, ENG_CF_META, copy, kl);
        kb_release(&kb);
    }
}

/* Queue deletion of everything physical db pdb holds. Expire-index entries
 * are left: the active cycle drops them when they come due and find no key. */
static void queue_flush(uint16_t pdb) {
    char lo[2], hi[ENC_META_KEY_PREFIX];
    enc_put_u16(lo, pdb);
    size_t hl = db_upper(hi, pdb);
    if (!hl) {
        /* Last id, no [pdb+1]: [ff ff][ff x8] is past every meta key but
         * those whose hash is all ones (deleted one by one), and past every
         * sub/zscore key ([ff ff][keylen u32]...: no key is 2^32-1 long).
         * A 3-byte [ff ff ff] bound would leave 1/256 of the keys behind. */
        hl = enc_meta_seek(hi, pdb, UINT64_MAX);
        delete_meta_tail(hi, hl);
    }
    eng_delete_range(ks.e, ENG_CF_META, lo, 2, hi, hl);
    eng_delete_range(ks.e, ENG_CF_SUB, lo, 2, hi, hl);
    eng_delete_range(ks.e, ENG_CF_ZSCORE, lo, 2, hi, hl);
    ks.keys[pdb] = 0;
    ks.expires[pdb] = 0;
    ks.keys_dirty[pdb] = 1;
}

/* Inside an atomic section (EXEC) a flush cannot use range deletions: they
 * can only be committed at once (reads would not see them), which would
 * split the transaction in two writes. Instead every metadata record of the
 * range is deleted one by one into the pending batch, which reads see:
 * O(keys), but the transaction stays one write. The elements of the deleted
 * values become garbage that the compaction filter drops (their metadata is
 * gone); expire-index entries are left to the active cycle, as for a range
 * flush. hi NULL: to the end of the CF. */
static void delete_meta_range(const char *lo, size_t ll, const char *hi, size_t hl) {
    chunk ch = {0};
    char *from = NULL;
    size_t flen = 0;
    while (chunk_read(&ch, ENG_CF_META, from ? from : lo, from ? flen : ll, from != NULL, hi, hl, 0) > 0) {
        for (int i = 0; i < ch.n; i++) eng_del(ks.e, ENG_CF_META, ch.buf + ch.off[4 * i], ch.off[4 * i + 1]);
        chunk_resume_point(&ch, &from, &flen);
    }
    chunk_free(&ch);
    free(from);
}

static void flush_pdb_pointwise(uint16_t pdb) {
    char lo[2], hi[2];
    enc_put_u16(lo, pdb);
    size_t hl = db_upper(hi, pdb);
    delete_meta_range(lo, 2, hl ? hi : NULL, hl);
    ks.keys[pdb] = 0;
    ks.expires[pdb] = 0;
    ks.keys_dirty[pdb] = 1;
}

void tier_atomic_begin(void) { ks.atomic++; }
void tier_atomic_end(void) { ks.atomic--; }

int tier_flushdb(int db, int sync) {
    if (ks.atomic) {
        flush_pdb_pointwise(phys(db));
        hot_clear_db(phys(db));
        return TIER_OK;
    }
    queue_flush(phys(db));
    hot_clear_db(phys(db));
    char *err;
    return tier_commit(sync, &err) == TIER_OK ? TIER_OK : (set_error("flush", err), TIER_ERR);
}

/* Everything goes, in every database the map knows (also those beyond a
 * shrunk `databases` setting): one range per column family. */
int tier_flushall(int sync) {
    if (ks.atomic) {
        for (int i = 0; i < ks.nmap; i++) flush_pdb_pointwise(phys(i));
        hot_clear();
        return TIER_OK;
    }
    char lo[ENC_META_KEY_PREFIX] = {0}, hi[ENC_META_KEY_PREFIX], ehi[9];
    size_t hl = enc_meta_seek(hi, 0xFFFF, UINT64_MAX);
    delete_meta_tail(hi, hl);
    eng_delete_range(ks.e, ENG_CF_META, lo, 2, hi, hl);
    eng_delete_range(ks.e, ENG_CF_SUB, lo, 2, hi, hl);
    eng_delete_range(ks.e, ENG_CF_ZSCORE, lo, 2, hi, hl);
    memset(ehi, 0xff, sizeof(ehi));
    eng_delete_range(ks.e, ENG_CF_EXPIRE, lo, 8, ehi, sizeof(ehi));
    for (int i = 0; i < ks.nmap; i++) {
        uint16_t pdb = phys(i);
        ks.keys[pdb] = ks.expires[pdb] = 0;
        ks.keys_dirty[pdb] = 1;
    }
    hot_clear();
    char *err;
    return tier_commit(sync, &err) == TIER_OK ? TIER_OK : (set_error("flush", err), TIER_ERR);
}

void tier_swapdb(int a, int b) {
    uint16_t t = ks.dbmap[a];
    ks.dbmap[a] = ks.dbmap[b];
    ks.dbmap[b] = t;
    ks.dbmap_dirty = 1;
}

/* ---------------------------------------------------------------------------
 * Iteration
 * ------------------------------------------------------------------------ */

static eng_iter *db_iter(uint16_t pdb, uint64_t from) {
    char hi[2], seek[ENC_META_KEY_PREFIX];
    size_t hl = db_upper(hi, pdb);
    eng_iter *it = eng_iter_new(ks.e, ENG_CF_META, hl ? hi : NULL, hl);
    eng_iter_seek(it, seek, enc_meta_seek(seek, pdb, from));
    return it;
}

int tier_scan(int db, uint64_t cursor, long count, tier_scan_fn *fn, void *ctx, uint64_t *next) {
    uint16_t pdb = phys(db);
    eng_iter *it = db_iter(pdb, cursor);
    long seen = 0;
    uint64_t last = 0;
    *next = 0;
    for (; eng_iter_valid(it); eng_iter_next(it)) {
        size_t kl, vl;
        const char *k = eng_iter_key(it, &kl), *v = eng_iter_value(it, &vl);
        uint16_t d;
        uint64_t h;
        const char *key;
        size_t keylen;
        enc_meta m;
        if (enc_meta_key_parse(k, kl, &d, &h, &key, &keylen) < 0 || d != pdb) break;
        if (seen >= count && h != last) {
            *next = h;
            break;
        }
        if (enc_meta_parse(v, vl, &m) == 0) fn(key, keylen, m.type, m.expire_ms, ctx);
        seen++;
        last = h;
    }
    eng_iter_free(it);
    return TIER_OK;
}

int tier_randomkey(int db, int64_t now_ms, char **key, size_t *klen, int *found) {
    uint16_t pdb = phys(db);
    *found = 0;
    if (ks.keys[pdb] == 0) return TIER_OK;
    /* Seek to a random hash and take the first live key from there on,
     * wrapping around once. Keys sit at random hash positions, so this is
     * close to uniform. */
    uint64_t r;
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)rand();
    memcpy(&r, b, 8);
    for (int pass = 0; pass < 2 && !*found; pass++) {
        eng_iter *it = db_iter(pdb, pass == 0 ? r : 0);
        for (; eng_iter_valid(it); eng_iter_next(it)) {
            size_t kl, vl;
            const char *k = eng_iter_key(it, &kl), *v = eng_iter_value(it, &vl);
            uint16_t d;
            uint64_t h;
            const char *kp;
            size_t kpl;
            enc_meta m;
            if (enc_meta_key_parse(k, kl, &d, &h, &kp, &kpl) < 0 || enc_meta_parse(v, vl, &m) < 0)
                continue;
            if (m.expire_ms && m.expire_ms < now_ms) continue;
            *key = malloc(kpl + 1);
            memcpy(*key, kp, kpl);
            (*key)[kpl] = 0;
            *klen = kpl;
            *found = 1;
            break;
        }
        eng_iter_free(it);
    }
    return TIER_OK;
}

/* ---------------------------------------------------------------------------
 * Active expiry
 * ------------------------------------------------------------------------ */

/* Due entries are collected first and deleted after the iterator is gone:
 * the iterator reads the pending batch, which must not change under it. */
typedef struct due_key {
    int64_t when;
    uint16_t pdb;
    char *key;
    size_t klen;
} due_key;

long tier_expire_cycle(int64_t now_ms, long max_keys, long long budget_us) {
    if (ks.readonly) return 0;
    long long start = monotonic_us();
    long deleted = 0;
    char hi[8];
    enc_put_u64(hi, (uint64_t)now_ms); /* due: expire-at < now */
    while (deleted < max_keys) {
        due_key due[64];
        /* Never collect more than may still be deleted: max_keys bounds
         * the work of one call. */
        int n = 0, cap = max_keys - deleted < 64 ? (int)(max_keys - deleted) : 64;
        eng_iter *it = eng_iter_new(ks.e, ENG_CF_EXPIRE, hi, 8);
        eng_iter_seek(it, "", 0);
        for (; n < cap && eng_iter_valid(it); eng_iter_next(it)) {
            size_t kl;
            const char *k = eng_iter_key(it, &kl), *key;
            if (enc_expire_key_parse(k, kl, &due[n].when, &due[n].pdb, &key, &due[n].klen) < 0)
                continue;
            due[n].key = malloc(due[n].klen + 1);
            memcpy(due[n].key, key, due[n].klen);
            n++;
        }
        eng_iter_free(it);
        for (int i = 0; i < n; i++) {
            tier_obj o;
            if (read_meta(due[i].pdb, due[i].key, due[i].klen, &o) == TIER_OK && o.exists &&
                o.expire_ms == due[i].when) {
                delete_phys(due[i].pdb, due[i].key, due[i].klen, &o, TIER_EXPIRED);
                deleted++;
            } else {
                /* Stale entry: the key was flushed or its expiry moved. */
                put_expire_entry(due[i].pdb, due[i].key, due[i].klen, due[i].when, 0);
            }
            tier_obj_free(&o);
            free(due[i].key);
        }
        if (n < cap || monotonic_us() - start > budget_us) break;
    }
    return deleted;
}

/* ---------------------------------------------------------------------------
 * Commit
 * ------------------------------------------------------------------------ */

static void put_bookkeeping(void) {
    if (ks.version_dirty) {
        char v[8];
        enc_put_u64(v, ks.next_version);
        eng_put(ks.e, ENG_CF_DEFAULT, ENC_REC_VERSION, strlen(ENC_REC_VERSION), v, 8);
        ks.version_dirty = 0;
    }
    if (ks.dbmap_dirty) {
        char *v = malloc(2 * (size_t)ks.nmap);
        for (int i = 0; i < ks.nmap; i++) enc_put_u16(v + 2 * i, ks.dbmap[i]);
        eng_put(ks.e, ENG_CF_DEFAULT, ENC_REC_DBMAP, strlen(ENC_REC_DBMAP), v, 2 * (size_t)ks.nmap);
        free(v);
        ks.dbmap_dirty = 0;
    }
    for (int i = 0; i < ks.nmap; i++) {
        uint16_t pdb = phys(i);
        if (!ks.keys_dirty[pdb]) continue;
        char k[6], v[16];
        enc_put_u64(v, ks.keys[pdb]);
        enc_put_u64(v + 8, ks.expires[pdb]);
        eng_put(ks.e, ENG_CF_DEFAULT, k, enc_keycount_key(k, pdb), v, 16);
        ks.keys_dirty[pdb] = 0;
    }
}

int tier_commit(int sync, char **err) {
    *err = NULL;
    if (eng_pending(ks.e) == 0 && !ks.dbmap_dirty && !ks.version_dirty) {
        /* A mid-turn commit wrote without syncing: sync now if asked. */
        if (sync && ks.unsynced) {
            ks.unsynced = 0;
            return tier_sync_wal(err);
        }
        return TIER_OK;
    }
    put_bookkeeping();
    char *e_err;
    if (eng_commit(ks.e, sync, &e_err) < 0) {
        *err = strdup(e_err ? e_err : "commit failed");
        set_error("write", e_err);
        /* The hot tier holds the dropped writes too. */
        hot_clear();
        /* The batch is gone: in-memory bookkeeping must match the disk again.
         * SWAPDB's map change is lost with it, as the batch was. */
        free(ks.dbmap);
        ks.dbmap = NULL;
        free(ks.keys);
        free(ks.expires);
        free(ks.keys_dirty);
        load_dbmap();
        load_counts();
        load_version();
        return TIER_ERR;
    }
    ks.unsynced = !sync;
    return TIER_OK;
}

/* Commit in the middle of a turn (no sync: the end of the turn takes care
 * of syncing, see tier_take_unsynced). A failure is also kept for the end
 * of the turn, which must not acknowledge the dropped writes of others. */
static int commit_pending(char **err) {
    int rc = tier_commit(0, err);
    if (rc != TIER_OK && !ks.commit_error) ks.commit_error = strdup(*err ? *err : "commit failed");
    return rc;
}

/* Engine updates plus bookkeeping (SWAPDB's map, the version counter) that
 * the next commit writes: anything here needs a commit. */
int tier_pending(void) { return eng_pending(ks.e) + ks.dbmap_dirty + ks.version_dirty; }

int tier_take_commit_error(char **err) {
    if (!ks.commit_error) return 0;
    *err = ks.commit_error;
    ks.commit_error = NULL;
    return 1;
}

int tier_take_unsynced(void) {
    int was = ks.unsynced;
    ks.unsynced = 0;
    return was;
}

int tier_sync_wal(char **err) {
    char *e_err;
    *err = NULL;
    if (eng_sync_wal(ks.e, &e_err) < 0) {
        *err = strdup(e_err ? e_err : "sync failed");
        eng_free(e_err);
        return TIER_ERR;
    }
    return TIER_OK;
}

int tier_engine_property(const char *name, uint64_t *out) { return eng_property(ks.e, name, out); }

void tier_set_block_cache_capacity(uint64_t bytes) { eng_set_block_cache_capacity(ks.e, bytes); }

int tier_checkpoint(const char *path, char **err) {
    /* Inside an atomic section the pending writes stay pending (committing
     * them would split a transaction): the checkpoint holds what was
     * committed before it. */
    if (!ks.atomic && commit_pending(err) != TIER_OK) return TIER_ERR;
    char *e_err;
    if (eng_checkpoint(ks.e, path, &e_err) < 0) {
        *err = strdup(e_err ? e_err : "checkpoint failed");
        eng_free(e_err);
        return TIER_ERR;
    }
    return TIER_OK;
}

int tier_probe_write(char **err) {
    eng_put(ks.e, ENG_CF_DEFAULT, "probe", 5, "", 0);
    char *e_err;
    if (eng_commit(ks.e, 1, &e_err) < 0) {
        *err = strdup(e_err ? e_err : "write failed");
        eng_free(e_err);
        return TIER_ERR;
    }
    return TIER_OK;
}

void tier_hot_stats(tier_hot_info *out) {
    hot_stats st;
    hot_stats_get(&st);
    out->keys = st.keys;
    out->bytes = st.bytes;
    out->hits = st.hits;
    out->misses = st.misses;
    out->promotions = st.promotions;
    out->deferred = st.deferred;
    out->evictions = st.evictions;
    out->cold_reads = ks.cold_reads;
    out->bucket_bytes = hot_bucket_bytes();
}

long tier_hot_evict(uint64_t limit, int policy, int samples) { return hot_evict(limit, policy, samples); }

void tier_hot_config(int lfu_log_factor, int lfu_decay_minutes, uint64_t maxmemory, int policy) {
    hot_set_lfu_params(lfu_log_factor, lfu_decay_minutes);
    hot_set_limit(policy == HOT_NO_EVICTION ? 0 : maxmemory);
}

void tier_hot_reset_stats(void) {
    hot_stats_reset();
    ks.cold_reads = 0;
}
