/* multi.c - transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
 *
 * MULTI puts a client in queueing mode. command_process (commands.c) checks
 * every command as if it were to run now (unknown, arity, auth, "not allowed
 * inside a transaction", OOM, MISCONF); a refused command flags the
 * transaction (EXEC then answers EXECABORT), an accepted one is queued here
 * with its argument buffers, taken from the parser, and answered +QUEUED.
 *
 * EXEC runs the queue in one go. Everything happens within one event-loop
 * turn, and the turn's writes reach RocksDB as one batch at the end of it,
 * so a transaction's writes survive a crash all together or not at all.
 * FLUSHDB and FLUSHALL normally commit at once (range deletions): EXEC
 * opens a tier atomic section in which they do not (tiering/keyspace.h,
 * tier_atomic_begin). COPY/RENAME/MOVE never commit early. While EXEC runs,
 * CLIENT_DENY_BLOCKING tells blocking commands to answer as if timed out.
 *
 * WATCH is optimistic locking. A table maps each watched (db, key) to the
 * clients watching it; server.c's key_changed() reports every change of a
 * key (commands, lazy and active expiry; never hot-tier eviction, which
 * changes no data) and the watchers of a changed key get CLIENT_DIRTY_CAS,
 * which makes their EXEC answer a null array. When nobody watches, the
 * table is empty and the hook costs one comparison. As in Redis 7.0, a key
 * that exists with a TTL when watched and is expired by EXEC time fails the
 * EXEC too, even if nothing deleted it yet; a key already expired when
 * watched is deleted by the WATCH's lookup and so watched as absent.
 *
 * Ownership: a client's multi_client (c->multi) owns the queued argument
 * buffers and its watch records; the table owns its entries, each freed
 * when its last watcher goes. multi_client_free() releases all of a
 * client's state.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

/* ---------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------ */

typedef struct queued {
    const command *cmd;
    int argc;
    resp_arg *argv; /* malloc'd array of malloc'd arguments */
} queued;

/* A watched (db, key): one per key however many clients watch it. */
typedef struct wkey {
    int db;
    char *key;
    size_t klen;
    uint64_t hash;
    client **watchers;
    int nwatchers, capwatchers;
    struct wkey *next; /* bucket chain */
} wkey;

typedef struct watched {
    wkey *k;
    int64_t expire_ms; /* the key's TTL when watched (0: none, or absent) */
} watched;

typedef struct multi_client {
    queued *q;
    int nq, capq;
    int cmd_flags; /* union of the queued commands' flags */
    size_t qmem;   /* bytes held by the queue, for CLIENT LIST multi-mem */
    watched *w;
    int nw, capw;
} multi_client;

static struct {
    wkey **b; /* cap buckets, a power of two; NULL when empty */
    size_t cap, n;
} wt;

static uint8_t hash_seed[16];
static int hash_seeded;

static uint64_t wkey_hash(int db, const char *key, size_t klen) {
    if (!hash_seeded) {
        util_random_bytes(hash_seed, sizeof(hash_seed));
        hash_seeded = 1;
    }
    return enc_siphash(key, klen, hash_seed) ^ ((uint64_t)(unsigned)db * 0x9E3779B97F4A7C15ULL);
}

static multi_client *mc_get(client *c) {
    if (!c->multi) c->multi = calloc(1, sizeof(*c->multi));
    return c->multi;
}

/* Free c's state once it holds nothing. */
static void mc_release_if_empty(client *c) {
    multi_client *m = c->multi;
    if (!m || m->nq || m->nw || (c->flags & CLIENT_MULTI)) return;
    free(m->q);
    free(m->w);
    free(m);
    c->multi = NULL;
}

/* ---------------------------------------------------------------------------
 * The watched-keys table
 * ------------------------------------------------------------------------ */

static wkey *wt_find(int db, const char *key, size_t klen, uint64_t h) {
    if (!wt.b) return NULL;
    for (wkey *k = wt.b[h & (wt.cap - 1)]; k; k = k->next)
        if (k->hash == h && k->db == db && k->klen == klen && memcmp(k->key, key, klen) == 0) return k;
    return NULL;
}

static void wt_resize(size_t cap) {
    wkey **b = calloc(cap, sizeof(*b));
    for (size_t i = 0; i < wt.cap; i++) {
        wkey *k = wt.b[i];
        while (k) {
            wkey *next = k->next;
            k->next = b[k->hash & (cap - 1)];
            b[k->hash & (cap - 1)] = k;
            k = next;
        }
    }
    free(wt.b);
    wt.b = b;
    wt.cap = cap;
}

static wkey *wt_add(int db, const char *key, size_t klen, uint64_t h) {
    if (wt.n + 1 > wt.cap) wt_resize(wt.cap ? wt.cap * 2 : 16);
    wkey *k = calloc(1, sizeof(*k));
    k->db = db;
    k->key = malloc(klen ? klen : 1);
    if (klen) memcpy(k->key, key, klen);
    k->klen = klen;
    k->hash = h;
    size_t i = h & (wt.cap - 1);
    k->next = wt.b[i];
    wt.b[i] = k;
    wt.n++;
    return k;
}

static void wt_remove(wkey *k) {
    wkey **pp = &wt.b[k->hash & (wt.cap - 1)];
    while (*pp != k) pp = &(*pp)->next;
    *pp = k->next;
    wt.n--;
    free(k->key);
    free(k->watchers);
    free(k);
    if (wt.n == 0) {
        free(wt.b);
        wt.b = NULL;
        wt.cap = 0;
    } else if (wt.cap > 16 && wt.n < wt.cap / 8) {
        wt_resize(wt.cap / 2);
    }
}

static void mark_watchers(wkey *k) {
    for (int i = 0; i < k->nwatchers; i++) k->watchers[i]->flags |= CLIENT_DIRTY_CAS;
}

static void watch_key(client *c, const char *key, size_t klen) {
    uint64_t h = wkey_hash(c->db, key, klen);
    wkey *k = wt_find(c->db, key, klen, h);
    if (k) {
        for (int i = 0; i < k->nwatchers; i++)
            if (k->watchers[i] == c) return; /* already watched: nothing to do */
    }
    /* The lookup first: an expired key is deleted by it (and reported to
     * the watchers it may already have), so it is watched as absent. */
    tier_obj o;
    int64_t expire_ms = 0;
    if (tier_peek(c->db, key, klen, server_mstime(), &o, NULL) == TIER_OK) {
        if (o.exists) expire_ms = o.expire_ms;
        tier_obj_free(&o);
    }
    if (!k) k = wt_add(c->db, key, klen, h);
    if (k->nwatchers == k->capwatchers) {
        k->capwatchers = k->capwatchers ? k->capwatchers * 2 : 2;
        k->watchers = realloc(k->watchers, sizeof(*k->watchers) * k->capwatchers);
    }
    k->watchers[k->nwatchers++] = c;
    multi_client *m = mc_get(c);
    if (m->nw == m->capw) {
        m->capw = m->capw ? m->capw * 2 : 4;
        m->w = realloc(m->w, sizeof(*m->w) * m->capw);
    }
    m->w[m->nw].k = k;
    m->w[m->nw].expire_ms = expire_ms;
    m->nw++;
}

static void unwatch_all(client *c) {
    multi_client *m = c->multi;
    if (!m) return;
    for (int i = 0; i < m->nw; i++) {
        wkey *k = m->w[i].k;
        for (int j = 0; j < k->nwatchers; j++) {
            if (k->watchers[j] == c) {
                k->watchers[j] = k->watchers[--k->nwatchers];
                break;
            }
        }
        if (k->nwatchers == 0) wt_remove(k);
    }
    m->nw = 0;
    mc_release_if_empty(c);
}

/* Redis 7.0: a watched key that had a TTL and is past it now fails EXEC,
 * whether or not expiry deleted it yet. */
static int watched_key_expired(client *c) {
    multi_client *m = c->multi;
    if (!m) return 0;
    long long now = server_mstime();
    for (int i = 0; i < m->nw; i++)
        if (m->w[i].expire_ms && m->w[i].expire_ms <= now) return 1;
    return 0;
}

void multi_key_changed(int db, const char *key, size_t klen) {
    if (wt.n == 0) return;
    wkey *k = wt_find(db, key, klen, wkey_hash(db, key, klen));
    if (k) mark_watchers(k);
}

/* Does key exist in db (without counting it as an access)? */
static int key_exists(int db, const char *key, size_t klen) {
    tier_obj o;
    if (tier_peek(db, key, klen, server_mstime(), &o, NULL) != TIER_OK) return 1; /* when in doubt, touch */
    int exists = o.exists;
    tier_obj_free(&o);
    return exists;
}

void multi_touch_flush(int db) {
    for (size_t i = 0; i < wt.cap; i++)
        for (wkey *k = wt.b[i]; k; k = k->next)
            if ((db < 0 || k->db == db) && key_exists(k->db, k->key, k->klen)) mark_watchers(k);
}

/* A key watched in either db is touched when it exists in either: its
 * value changes, or it appears or disappears. */
void multi_touch_swap(int a, int b) {
    for (size_t i = 0; i < wt.cap; i++)
        for (wkey *k = wt.b[i]; k; k = k->next)
            if ((k->db == a || k->db == b) && (key_exists(a, k->key, k->klen) || key_exists(b, k->key, k->klen)))
                mark_watchers(k);
}

/* ---------------------------------------------------------------------------
 * The queue
 * ------------------------------------------------------------------------ */

static void queue_clear(multi_client *m) {
    for (int i = 0; i < m->nq; i++) {
        for (int j = 0; j < m->q[i].argc; j++) free(m->q[i].argv[j].ptr);
        free(m->q[i].argv);
    }
    m->nq = 0;
    m->cmd_flags = 0;
    m->qmem = 0;
}

void multi_queue(client *c, const command *cmd) {
    c->lastcmd = cmd; /* CLIENT LIST shows the command queued last */
    /* A transaction that can only fail keeps nothing (Redis does the same:
     * a pipelining client may not read the replies before EXEC). */
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
        reply_status(c, "QUEUED");
        return;
    }
    multi_client *m = mc_get(c);
    if (m->nq == m->capq) {
        m->capq = m->capq ? m->capq * 2 : 8;
        m->q = realloc(m->q, sizeof(*m->q) * m->capq);
    }
    queued *q = &m->q[m->nq++];
    q->cmd = cmd;
    q->argc = c->argc;
    q->argv = malloc(sizeof(*q->argv) * c->argc);
    for (int i = 0; i < c->argc; i++) {
        /* Take the buffer: the parser will not free a NULL pointer (resp.h). */
        q->argv[i] = c->argv[i];
        c->argv[i].ptr = NULL;
        m->qmem += c->argv[i].len + sizeof(resp_arg);
    }
    m->qmem += sizeof(*q);
    m->cmd_flags |= cmd->flags;
    reply_status(c, "QUEUED");
}

void multi_flag(client *c) {
    if (c->flags & CLIENT_MULTI) c->flags |= CLIENT_DIRTY_EXEC;
}

int multi_queued_flags(const client *c) { return c->multi && (c->flags & CLIENT_MULTI) ? c->multi->cmd_flags : 0; }

long multi_queued_count(const client *c) {
    if (!(c->flags & CLIENT_MULTI)) return -1;
    return c->multi ? c->multi->nq : 0;
}

size_t multi_queued_mem(const client *c) { return c->multi ? c->multi->qmem : 0; }

/* Back to normal mode: drop the queue and the watches (Redis's
 * discardTransaction). */
static void discard_transaction(client *c) {
    if (c->multi) queue_clear(c->multi);
    c->flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
    unwatch_all(c);
    mc_release_if_empty(c);
}

void multi_exec_abort(client *c, const char *err) {
    discard_transaction(c);
    /* Redis drops the error's code word only when it is ERR ("OOM ..."
     * and "MISCONF ..." keep theirs). */
    if (strncmp(err, "ERR ", 4) == 0) err += 4;
    reply_errorf(c, "EXECABORT Transaction discarded because of: %s", err);
}

void multi_client_free(client *c) {
    if (!c->multi) return;
    c->flags &= ~CLIENT_MULTI;
    discard_transaction(c);
}

/* ---------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

void multiCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR MULTI calls can not be nested");
        return;
    }
    mc_get(c);
    c->flags |= CLIENT_MULTI;
    reply_ok(c);
}

void discardCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR DISCARD without MULTI");
        return;
    }
    discard_transaction(c);
    reply_ok(c);
}

void execCommand(client *c) {
    if (!(c->flags & CLIENT_MULTI)) {
        reply_error(c, "ERR EXEC without MULTI");
        return;
    }
    if (watched_key_expired(c)) c->flags |= CLIENT_DIRTY_CAS;
    if (c->flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) {
        if (c->flags & CLIENT_DIRTY_EXEC)
            reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
        else
            reply_null_array(c);
        discard_transaction(c);
        return;
    }
    multi_client *m = c->multi;
    /* Unwatch first: the transaction's own writes need not be tracked. */
    unwatch_all(c);
    int saved_argc = c->argc;
    resp_arg *saved_argv = c->argv;
    int deny_was_set = c->flags & CLIENT_DENY_BLOCKING;
    c->flags |= CLIENT_DENY_BLOCKING;
    tier_atomic_begin();
    /* CLIENT_MULTI stays set while the queue runs, as in Redis (CLIENT LIST
     * inside EXEC shows flags=x and the queue's length). */
    reply_array_len(c, m->nq);
    for (int i = 0; i < m->nq; i++) {
        c->argc = m->q[i].argc;
        c->argv = m->q[i].argv;
        int errpos, reason = acl_check_command(c, m->q[i].cmd, c->argc, c->argv, &errpos);
        if (reason != ACL_OK) {
            acl_reply_denied(c, m->q[i].cmd, c->argc, c->argv, reason, errpos, ACL_CTX_MULTI);
            continue;
        }
        command_call(c, m->q[i].cmd);
    }
    tier_atomic_end();
    c->argc = saved_argc;
    c->argv = saved_argv;
    if (!deny_was_set) c->flags &= ~CLIENT_DENY_BLOCKING;
    discard_transaction(c);
}

void watchCommand(client *c) {
    if (c->flags & CLIENT_MULTI) {
        reply_error(c, "ERR WATCH inside MULTI is not allowed");
        return;
    }
    /* Already dirty: EXEC will fail whatever is watched now. */
    if (!(c->flags & CLIENT_DIRTY_CAS))
        for (int i = 1; i < c->argc; i++) watch_key(c, c->argv[i].ptr, c->argv[i].len);
    reply_ok(c);
}

void unwatchCommand(client *c) {
    unwatch_all(c);
    c->flags &= ~CLIENT_DIRTY_CAS;
    reply_ok(c);
}
