/* blocking.c - clients parked until something happens: blocking commands
 * waiting for keys (BLPOP, BLMOVE, BZPOPMIN, ..., XREAD/XREADGROUP BLOCK),
 * CLIENT UNBLOCK, and CLIENT PAUSE / UNPAUSE.
 *
 * Why one file: every kind of parking works the same way. A parked client
 * keeps its current request (the parser's argv is not reset), reads but does
 * not execute its pipelined input, and is flagged CLIENT_BLOCKED. When it is
 * released, either its command runs again from the start (a key it waits on
 * was written; a pause ended) or it gets its final reply at once (timeout,
 * CLIENT UNBLOCK); then the rest of its input runs, in order.
 *
 * Waiting for keys
 * ----------------
 * A table maps each (db, key) somebody waits on to the FIFO of its waiters;
 * a client waiting on n keys holds n queue nodes. The tier layer reports
 * every key change to server.c's key_changed(), which calls
 * block_key_changed(): a lookup in this table, nothing when nobody waits
 * (the common case costs one test of a counter). A changed key with waiters
 * is put on the ready list once.
 *
 * After each top-level command (and never inside one, so EXEC's commands
 * finish first), block_run_pending() serves the ready keys in the order they
 * became ready: for each key, while it exists, its waiters in the order they
 * blocked, skipping those that wait for another type (BZPOPMIN and BLPOP may
 * wait on one key name; a list serves only the latter). Serving a waiter means
 * running its command again from the start, as Redis 7.2 does; the
 * command's writes go into the turn's batch and its reply leaves after the
 * commit, like any other. A command that finds nothing again calls
 * block_for_keys() again, which then keeps the client where it was: same
 * queue positions, same deadline. Commands served here may write keys other
 * clients wait on (BLMOVE into a list someone BLPOPs); those keys join the
 * ready list and are served in the same pass, so chains complete within one
 * turn and in a deterministic order.
 *
 * Redis 7.0 serves a waiter from the key that became ready; a rerun starts
 * from the first key. The two differ only when an earlier key of the waiter
 * now holds another type: Redis 7.0 does not look at it, so a rerun treats
 * keys of the wrong type as empty (block_is_rerun()).
 *
 * A command that blocks must reply nothing before block_for_keys(), and
 * must mean the same thing when run again. One whose arguments depend on
 * the moment it first ran (XREAD ... $, "whatever is last now") rewrites its
 * argv before blocking, as Redis 7.2 does: argv[i].ptr is malloc'd and owned
 * by the parser, so free() it and store a malloc'd replacement.
 *
 * Timeouts: one libevent timer per blocked client (libevent keeps them in a
 * min-heap), so a timeout fires within a millisecond or so of its deadline
 * (Redis checks every 100 ms). A timeout answers *-1 for every command.
 * CLIENT UNBLOCK answers the same, or -UNBLOCKED with ERROR.
 *
 * Pause
 * -----
 * CLIENT PAUSE parks commands before they run: all of them (ALL), or those
 * that write or may replicate (WRITE). Parked clients wait in one FIFO and
 * run again, in order, when the pause ends (timer) or CLIENT UNPAUSE; a
 * blocking command parked this way only starts its timeout when it runs.
 * Clients already blocked on keys keep their deadlines during a pause, as
 * in Redis 7.0. While paused, expiry hides expired keys without deleting
 * them (tier_set_readonly), so the data set stands still.
 *
 * Only top-level commands are parked or followed by serving (commands.c
 * keeps a depth): EXEC's commands run as one, and what they wrote is served
 * when EXEC is done.
 *
 * Ownership: everything here is owned by this file. A client's block_state
 * is freed when the client is released or freed (block_client_free(), from
 * client_free()).
 */
#include <event2/event.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

/* ---------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------ */

enum { PARK_KEYS = 1, PARK_PAUSE = 2 };

typedef struct bkey bkey;

/* One client's place in one key's queue. */
typedef struct bwait {
    bkey *k;
    client *c;
    struct bwait *prev, *next;
} bwait;

/* A (db, key) with waiters. Stays allocated while on the ready list even if
 * its waiters left, so the ready list never points at freed memory. */
struct bkey {
    bkey *hnext;
    uint64_t hash;
    int db;
    bwait *head, *tail;
    int ready;   /* on the ready list */
    int serving; /* serve_key() is walking its waiters */
    bkey *ready_next;
    size_t klen;
    char key[];
};

/* Why and how a client is parked (c->bstate). */
typedef struct block_state {
    int kind;          /* PARK_KEYS or PARK_PAUSE */
    int type;          /* PARK_KEYS: the key type it waits for (OBJ_LIST, ...) */
    long long deadline_ms; /* 0: none */
    int reblocked;     /* set when a rerun called block_for_keys() again */
    int nwait;
    bwait *waits;      /* nwait nodes, one per key */
    struct event *timer;
    client *pause_next; /* PARK_PAUSE: the FIFO of paused clients */
} block_state;

static struct {
    bkey **table;
    size_t cap, nkeys;
    uint8_t seed[16];
    int seeded;
    bkey *ready_head, *ready_tail;
    long nblocked;     /* PARK_KEYS clients */
    long npaused;      /* PARK_PAUSE clients */
    long ntimeouts;    /* PARK_KEYS clients with a deadline */
    client *serving;   /* the client whose command is being rerun */
    int running;       /* inside block_run_pending() */
    /* clients released whose input must go on, FIFO; rerun = run the
     * current command first (a pause ended) */
    struct pending {
        client *c;
        int rerun;
    } *pend;
    size_t npend, pend_first, pend_cap;
    /* pause */
    int pause_type;    /* 0, PAUSE_WRITE, PAUSE_ALL */
    long long pause_end_ms;
    struct event *pause_timer;
    client *paused_head, *paused_tail;
} B;

enum { PAUSE_WRITE = 1, PAUSE_ALL = 2 };

/* ---------------------------------------------------------------------------
 * The key table
 * ------------------------------------------------------------------------ */

static uint64_t key_hash(int db, const char *key, size_t klen) {
    if (!B.seeded) {
        util_random_bytes(B.seed, sizeof(B.seed));
        B.seeded = 1;
    }
    return enc_siphash(key, klen, B.seed) ^ ((uint64_t)db * 0x9E3779B97F4A7C15ULL);
}

static bkey *key_find(int db, const char *key, size_t klen, uint64_t h) {
    if (!B.cap) return NULL;
    for (bkey *k = B.table[h & (B.cap - 1)]; k; k = k->hnext)
        if (k->hash == h && k->db == db && k->klen == klen && memcmp(k->key, key, klen) == 0) return k;
    return NULL;
}

static void table_resize(size_t cap) {
    bkey **t = calloc(cap, sizeof(*t));
    for (size_t i = 0; i < B.cap; i++) {
        for (bkey *k = B.table[i], *next; k; k = next) {
            next = k->hnext;
            k->hnext = t[k->hash & (cap - 1)];
            t[k->hash & (cap - 1)] = k;
        }
    }
    free(B.table);
    B.table = t;
    B.cap = cap;
}

static bkey *key_get_or_add(int db, const char *key, size_t klen) {
    uint64_t h = key_hash(db, key, klen);
    bkey *k = key_find(db, key, klen, h);
    if (k) return k;
    if (B.nkeys >= B.cap) table_resize(B.cap ? B.cap * 2 : 16);
    k = calloc(1, sizeof(*k) + klen + 1);
    k->hash = h;
    k->db = db;
    k->klen = klen;
    memcpy(k->key, key, klen);
    k->hnext = B.table[h & (B.cap - 1)];
    B.table[h & (B.cap - 1)] = k;
    B.nkeys++;
    return k;
}

/* Free k if nobody waits on it and nothing holds a pointer to it (the ready
 * list, serve_key()). */
static void key_maybe_free(bkey *k) {
    if (k->head || k->ready || k->serving) return;
    for (bkey **pp = &B.table[k->hash & (B.cap - 1)]; *pp; pp = &(*pp)->hnext) {
        if (*pp == k) {
            *pp = k->hnext;
            break;
        }
    }
    B.nkeys--;
    free(k);
    if (B.nkeys == 0 && B.cap > 1024) { /* give back a table a burst grew */
        free(B.table);
        B.table = NULL;
        B.cap = 0;
    }
}

static void mark_ready(bkey *k) {
    if (k->ready) return;
    k->ready = 1;
    k->ready_next = NULL;
    if (B.ready_tail)
        B.ready_tail->ready_next = k;
    else
        B.ready_head = k;
    B.ready_tail = k;
}

void block_key_changed(int db, const char *key, size_t klen) {
    if (B.nkeys == 0) return;
    bkey *k = key_find(db, key, klen, key_hash(db, key, klen));
    if (k && k->head) mark_ready(k);
}

/* SWAPDB: every waited key of either db may now hold something else. */
void block_dbs_swapped(int a, int b) {
    for (size_t i = 0; i < B.cap; i++)
        for (bkey *k = B.table[i]; k; k = k->hnext)
            if ((k->db == a || k->db == b) && k->head) mark_ready(k);
}

/* ---------------------------------------------------------------------------
 * Parking and releasing
 * ------------------------------------------------------------------------ */

static void pend_push(client *c, int rerun) {
    if (B.pend_first + B.npend == B.pend_cap) {
        if (B.pend_first > 0) {
            memmove(B.pend, B.pend + B.pend_first, B.npend * sizeof(*B.pend));
            B.pend_first = 0;
        }
        if (B.npend == B.pend_cap) {
            B.pend_cap = B.pend_cap ? B.pend_cap * 2 : 16;
            B.pend = realloc(B.pend, B.pend_cap * sizeof(*B.pend));
        }
    }
    B.pend[B.pend_first + B.npend++] = (struct pending){c, rerun};
}

static void timeout_cb(int fd, short what, void *arg);

/* Drop c's parking state (queues, timer, pause FIFO); the caller decides
 * what happens to its input. */
static void unpark(client *c) {
    block_state *bs = c->bstate;
    if (!bs) return;
    if (bs->kind == PARK_KEYS) {
        for (int i = 0; i < bs->nwait; i++) {
            bwait *w = &bs->waits[i];
            if (w->prev)
                w->prev->next = w->next;
            else
                w->k->head = w->next;
            if (w->next)
                w->next->prev = w->prev;
            else
                w->k->tail = w->prev;
            key_maybe_free(w->k);
        }
        B.nblocked--;
        if (bs->deadline_ms) B.ntimeouts--;
    } else {
        client **pp = &B.paused_head, *prev = NULL;
        while (*pp && *pp != c) {
            prev = *pp;
            pp = &(*pp)->bstate->pause_next;
        }
        if (*pp) {
            *pp = bs->pause_next;
            if (B.paused_tail == c) B.paused_tail = prev;
        }
        B.npaused--;
    }
    if (bs->timer) event_free(bs->timer);
    free(bs->waits);
    free(bs);
    c->bstate = NULL;
    c->flags &= ~CLIENT_BLOCKED;
}

/* c got its final reply: release it and let its pipelined input run. */
static void release_done(client *c) {
    unpark(c);
    pend_push(c, 0);
}

/* A timeout answers *-1 whatever the command (Redis 7.0). */
static void reply_timeout(client *c) { reply_null_array(c); }

void block_for_keys(client *c, const int *key_argv_indexes, int nkeys, int type, long long timeout_ms,
                    int deny_reply) {
    if (B.serving == c) { /* a rerun found nothing: keep place and deadline */
        c->bstate->reblocked = 1;
        c->flags |= CLIENT_BLOCKED;
        return;
    }
    if (c->flags & CLIENT_DENY_BLOCKING) {
        if (deny_reply == BLOCK_REPLY_NULL_BULK)
            reply_null(c);
        else
            reply_null_array(c);
        return;
    }
    block_state *bs = calloc(1, sizeof(*bs));
    bs->kind = PARK_KEYS;
    bs->type = type;
    bs->waits = calloc((size_t)nkeys, sizeof(bwait));
    for (int i = 0; i < nkeys; i++) {
        const resp_arg *a = &c->argv[key_argv_indexes[i]];
        bkey *k = key_get_or_add(c->db, a->ptr, a->len);
        /* BLPOP k k: one place in the queue is enough. c's nodes are
         * appended last, so a key c already waits on has c at its tail. */
        if (k->tail && k->tail->c == c) continue;
        bwait *w = &bs->waits[bs->nwait++];
        w->k = k;
        w->c = c;
        w->prev = k->tail;
        if (k->tail)
            k->tail->next = w;
        else
            k->head = w;
        k->tail = w;
    }
    if (timeout_ms > 0) {
        long long now = server_mstime();
        bs->deadline_ms = timeout_ms > LLONG_MAX - now ? LLONG_MAX : now + timeout_ms;
        bs->timer = event_new(server.base, -1, 0, timeout_cb, c);
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        /* libevent counts from the time it cached when this turn began,
         * which may be a while ago: a timeout must never fire early. */
        event_base_update_cache_time(server.base);
        event_add(bs->timer, &tv);
        B.ntimeouts++;
    }
    c->bstate = bs;
    c->flags |= CLIENT_BLOCKED;
    B.nblocked++;
}

void block_for_key_range(client *c, int first, int nkeys, int type, long long timeout_ms, int deny_reply) {
    int *idx = malloc(sizeof(int) * (size_t)(nkeys > 0 ? nkeys : 1));
    for (int i = 0; i < nkeys; i++) idx[i] = first + i;
    block_for_keys(c, idx, nkeys, type, timeout_ms, deny_reply);
    free(idx);
}

int block_is_rerun(const client *c) { return B.serving == c; }

static void timeout_cb(int fd, short what, void *arg) {
    client *c = arg;
    if (!c->bstate || c->bstate->kind != PARK_KEYS) return;
    long long left = c->bstate->deadline_ms - util_mstime();
    if (left > 0) { /* the wall clock says it is early: never time out early */
        struct timeval tv = {left / 1000, (left % 1000) * 1000};
        event_add(c->bstate->timer, &tv);
        return;
    }
    reply_timeout(c);
    release_done(c);
    block_run_pending();
}

/* ---------------------------------------------------------------------------
 * Serving ready keys
 * ------------------------------------------------------------------------ */

/* The type key k holds now, or -1 when it is absent (or unreadable). */
static int key_type(bkey *k) {
    tier_obj o;
    server_update_time();
    if (tier_peek(k->db, k->key, k->klen, server_mstime(), &o, NULL) != TIER_OK) return -1;
    int type = o.exists ? o.type : -1;
    tier_obj_free(&o);
    return type;
}

/* Rerun c's command. Returns 1 if it finished (c released), 0 if it
 * blocked again. */
static int rerun(client *c) {
    c->bstate->reblocked = 0;
    c->flags &= ~CLIENT_BLOCKED; /* set again if it blocks again */
    B.serving = c;
    command_reprocess(c);
    B.serving = NULL;
    if (c->bstate && c->bstate->reblocked) return 0;
    release_done(c);
    return 1;
}

static void serve_key(bkey *k) {
    /* Snapshot the queue: serving a waiter unlinks it (and can free k when
     * it was the last one, but not while k->ready is set). */
    size_t n = 0;
    for (bwait *w = k->head; w; w = w->next) n++;
    if (!n) return;
    client **cs = malloc(n * sizeof(*cs));
    n = 0;
    for (bwait *w = k->head; w; w = w->next) cs[n++] = w->c;
    /* Waiters of other types may share the key (BLPOP and BZPOPMIN on k):
     * only those waiting for what it holds now run. */
    int type = key_type(k);
    for (size_t i = 0; i < n && type != -1; i++) {
        client *c = cs[i];
        block_state *bs = c->bstate;
        if (!bs || bs->kind != PARK_KEYS || bs->type != type) continue;
        /* A client about to be closed must not take data it would never
         * receive. */
        if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) continue;
        rerun(c);
        type = key_type(k);
    }
    free(cs);
}

/* Run what parked clients have waiting: ready keys first (their waiters'
 * commands), then released clients' next commands, until nothing is left.
 * Called after every top-level command and from timer callbacks; does
 * nothing when called from inside itself. */
void block_run_pending(void) {
    if (B.running) return;
    B.running = 1;
    while (B.ready_head || B.npend) {
        while (B.ready_head) {
            bkey *k = B.ready_head;
            B.ready_head = k->ready_next;
            if (!B.ready_head) B.ready_tail = NULL;
            k->ready = 0; /* written again while served: it goes back on the list */
            k->ready_next = NULL;
            k->serving = 1;
            serve_key(k);
            k->serving = 0;
            key_maybe_free(k);
        }
        if (B.npend) {
            struct pending p = B.pend[B.pend_first++];
            B.npend--;
            if (B.npend == 0) B.pend_first = 0;
            if (p.rerun) {
                command_process(p.c);
                if (p.c->flags & CLIENT_BLOCKED) continue;
            }
            client_resume(p.c);
        }
    }
    B.running = 0;
}

/* ---------------------------------------------------------------------------
 * Disconnects, introspection
 * ------------------------------------------------------------------------ */

void block_client_free(client *c) {
    unpark(c);
    for (size_t i = 0; i < B.npend; i++) {
        struct pending *p = &B.pend[B.pend_first + i];
        if (p->c == c) {
            memmove(p, p + 1, (B.npend - i - 1) * sizeof(*p));
            B.npend--;
            i--;
        }
    }
}

/* Redis 7.0.15 counts clients parked by a pause as blocked too. */
long block_blocked_count(void) { return B.nblocked + B.npaused; }
long block_timeout_count(void) { return B.ntimeouts; }

/* ---------------------------------------------------------------------------
 * Timeouts as blocking commands give them
 * ------------------------------------------------------------------------ */

/* Redis's getTimeoutFromObjectOrReply in seconds: a long double, times
 * 1000, rounded up to whole milliseconds (0.0001 waits 1 ms, -0.0001 is 0:
 * forever). A value whose milliseconds do not fit a long long is what x86
 * makes of the conversion there (LLONG_MIN): "negative". */
int block_parse_timeout(client *c, int i, long long *timeout_ms) {
    long double v;
    if (!util_str2ld(c->argv[i].ptr, c->argv[i].len, &v)) {
        reply_error(c, "ERR timeout is not a float or out of range");
        return -1;
    }
    long double ms = ceill(v * 1000.0L);
    long long t = (ms >= -9223372036854775808.0L && ms < 9223372036854775808.0L) ? (long long)ms : LLONG_MIN;
    if (t < 0) {
        reply_error(c, "ERR timeout is negative");
        return -1;
    }
    *timeout_ms = t;
    return 0;
}

/* ---------------------------------------------------------------------------
 * CLIENT PAUSE / UNPAUSE
 * ------------------------------------------------------------------------ */

/* While paused, expiry hides expired keys but deletes nothing (as Redis
 * pauses expiry and eviction): a pause means the data set does not change. */
static void pause_expiry(int on) { tier_set_readonly(on || server.store_error); }

int block_paused(void) { return B.pause_type != 0; }

static void pause_end(void) {
    pause_expiry(0);
    B.pause_type = 0;
    B.pause_end_ms = 0;
    if (B.pause_timer) event_del(B.pause_timer);
    /* In the order they were parked; each runs its command again. */
    while (B.paused_head) {
        client *c = B.paused_head;
        unpark(c);
        pend_push(c, 1);
    }
}

static void pause_timer_cb(int fd, short what, void *arg) {
    if (!B.pause_type) return;
    if (util_mstime() < B.pause_end_ms) { /* woke early (clock steps) */
        long long left = B.pause_end_ms - util_mstime();
        struct timeval tv = {left / 1000, (left % 1000) * 1000};
        event_add(B.pause_timer, &tv);
        return;
    }
    pause_end();
    block_run_pending();
}

int block_pause_parks(client *c, int cmd_flags) {
    if (!B.pause_type) return 0;
    if (B.pause_type == PAUSE_WRITE && !(cmd_flags & (CMD_WRITE | CMD_MAY_REPLICATE))) return 0;
    block_state *bs = calloc(1, sizeof(*bs));
    bs->kind = PARK_PAUSE;
    c->bstate = bs;
    c->flags |= CLIENT_BLOCKED;
    B.npaused++;
    if (B.paused_tail)
        B.paused_tail->bstate->pause_next = c;
    else
        B.paused_head = c;
    B.paused_tail = c;
    return 1;
}

/* CLIENT PAUSE timeout [WRITE|ALL]. While a pause lasts, another one only
 * extends it (the later end, the stricter mode), as in Redis 7.0. */
static void client_pause(client *c) {
    int type = PAUSE_ALL;
    if (c->argc == 4) {
        if (arg_is(c, 3, "WRITE")) {
            type = PAUSE_WRITE;
        } else if (!arg_is(c, 3, "ALL")) {
            reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    long long ms;
    if (!util_str2ll(c->argv[2].ptr, c->argv[2].len, &ms)) {
        reply_error(c, "ERR timeout is not an integer or out of range");
        return;
    }
    if (ms < 0) {
        reply_error(c, "ERR timeout is negative");
        return;
    }
    long long now = server_mstime();
    /* Redis adds now to a positive timeout in a long long: past the end of
     * the range it wraps to a time long gone, so such a pause is over. */
    long long end = ms > 0 && ms <= LLONG_MAX - now ? now + ms : 0;
    if (B.pause_type) {
        if (type > B.pause_type) B.pause_type = type;
        if (end > B.pause_end_ms) B.pause_end_ms = end;
    } else {
        B.pause_type = type;
        B.pause_end_ms = end;
    }
    reply_ok(c);
    if (B.pause_end_ms <= now) {
        pause_end();
        return;
    }
    pause_expiry(1);
    if (!B.pause_timer) B.pause_timer = event_new(server.base, -1, 0, pause_timer_cb, NULL);
    long long left = B.pause_end_ms - now;
    struct timeval tv = {left / 1000, (left % 1000) * 1000};
    event_base_update_cache_time(server.base);
    event_add(B.pause_timer, &tv);
}

/* ---------------------------------------------------------------------------
 * CLIENT UNBLOCK
 * ------------------------------------------------------------------------ */

/* CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked on keys
 * (it gets its timeout reply, or the UNBLOCKED error), else 0. A client
 * parked by a pause is not blocked on anything it could be released from. */
static void client_unblock(client *c) {
    int error = 0;
    if (c->argc == 4) {
        if (arg_is(c, 3, "ERROR"))
            error = 1;
        else if (!arg_is(c, 3, "TIMEOUT")) {
            reply_error(c, "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
            return;
        }
    }
    long long id;
    if (arg_longlong(c, 2, &id, NULL) < 0) return;
    client *t = NULL;
    for (client *o = server.clients; o; o = o->next)
        if ((long long)o->id == id) t = o;
    if (!t || !t->bstate || t->bstate->kind != PARK_KEYS) {
        reply_longlong(c, 0);
        return;
    }
    if (error)
        reply_error(t, "UNBLOCKED client unblocked via CLIENT UNBLOCK");
    else
        reply_timeout(t);
    release_done(t);
    reply_longlong(c, 1);
}

/* The CLIENT subcommands that live here; 1 if argv[1] was one of them. */
int block_client_subcommand(client *c) {
    const char *sub = NULL;
    int ok_arity = 0;
    if (arg_is(c, 1, "PAUSE")) {
        sub = "pause";
        ok_arity = c->argc == 3 || c->argc == 4;
    } else if (arg_is(c, 1, "UNPAUSE")) {
        sub = "unpause";
        ok_arity = c->argc == 2;
    } else if (arg_is(c, 1, "UNBLOCK")) {
        sub = "unblock";
        ok_arity = c->argc == 3 || c->argc == 4;
    } else {
        return 0;
    }
    if (!ok_arity) {
        /* Too few: the subcommand's arity; too many: Redis's fallback. */
        if (c->argc < 3 && strcmp(sub, "unpause") != 0)
            reply_errorf(c, "ERR wrong number of arguments for 'client|%s' command", sub);
        else if (!strcmp(sub, "unpause"))
            reply_error(c, "ERR wrong number of arguments for 'client|unpause' command");
        else
            reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try CLIENT HELP.",
                         c->argv[1].ptr);
        return 1;
    }
    if (!strcmp(sub, "pause")) {
        client_pause(c);
    } else if (!strcmp(sub, "unpause")) {
        if (B.pause_type) pause_end();
        reply_ok(c);
    } else {
        client_unblock(c);
    }
    return 1;
}
