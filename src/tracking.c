/* tracking.c - server-assisted client-side caching: CLIENT TRACKING,
 * CACHING, GETREDIR, TRACKINGINFO and the invalidation messages.
 *
 * Two modes, as in Redis 7.0:
 *
 *   default  the keys a tracking client reads (read-only commands) are
 *            remembered in one table, key name -> ids of the clients that
 *            read it. The first change of such a key, in any db (the table
 *            knows names only, as Redis's), sends "invalidate [key]" to
 *            each of them and forgets the key, until they read it again.
 *            OPTIN tracks only the command after CLIENT CACHING YES, OPTOUT
 *            all but the one after CLIENT CACHING NO.
 *   BCAST    nothing is remembered: a client registers prefixes (none means
 *            "" = every key); the keys changed under a prefix during one
 *            event-loop turn go out at the end of the turn, as one message
 *            per prefix (Redis does it before sleeping).
 *
 * Changes reach us through tracking_key_changed(), which server.c calls for
 * every change the tier layer reports (writes, deletes, expiry; hot-tier
 * eviction changes no data and invalidates nothing). A change made by the
 * tracking client itself is sent after that command's reply, not in the
 * middle of it; NOLOOP skips those altogether.
 *
 * Delivery: a RESP3 client gets a push ">2 invalidate [keys]". With
 * REDIRECT the messages go to another client: as a push if it speaks RESP3,
 * or as a pub/sub message on __redis__:invalidate if it is a RESP2 client
 * subscribed there. A RESP2 client without redirection gets nothing (RESP2
 * has no pushes). FLUSHDB/FLUSHALL send "invalidate" with a null to every
 * tracking client (after the reply, for the one that flushed) and clear the
 * table. When the redirection target is gone,
 * a RESP3 client is told once per message ("tracking-redir-broken").
 *
 * Memory: the table holds at most tracking-table-max-keys keys (0: no
 * limit); past it, arbitrary keys are invalidated early, as Redis does.
 *
 * Ownership: every structure here is owned by this file; a client's state
 * (c->tracking) is freed by tracking_client_free().
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "strmap.h"
#include "util.h"

/* Per-client state (c->tracking; NULL when tracking is off). */
#define TRK_BCAST (1 << 0)
#define TRK_OPTIN (1 << 1)
#define TRK_OPTOUT (1 << 2)
#define TRK_NOLOOP (1 << 3)
#define TRK_CACHING (1 << 4)       /* CLIENT CACHING given for the next command */
#define TRK_BROKEN_REDIR (1 << 5)  /* the redirection target went away */

struct tracking_client {
    int flags;
    uint64_t redirect;    /* client id, 0 = none */
    strmap prefixes;      /* BCAST: prefix -> bcast_prefix (the shared one) */
    /* keys this client changed while running a command: sent after its
     * reply (Redis's tracking_pending_keys) */
    char **pending;
    size_t *pending_len;
    int npending, cappending;
};

/* Clients that read a key (default mode): their ids, in arrival order. */
typedef struct key_readers {
    uint64_t *ids;
    int n, cap;
} key_readers;

/* One BCAST prefix: its clients and the keys changed under it this turn
 * (key -> the client that changed it last, for NOLOOP; NULL when that
 * client is gone). */
typedef struct bcast_prefix {
    client **clients;
    int n, cap;
    strmap changed;
} bcast_prefix;

static strmap table;        /* key -> key_readers */
static size_t table_items;  /* (key, client) pairs in the table */
static strmap prefixes;     /* prefix -> bcast_prefix */
static long tracking_clients;
static long long bcast_changes; /* keys waiting in some bcast_prefix.changed */

static const char INVALIDATE_CHANNEL[] = "__redis__:invalidate";

/* ---------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------ */

static client *client_with_id(uint64_t id) {
    for (client *c = server.clients; c; c = c->next)
        if (c->id == id) return c;
    return NULL;
}

/* Start an invalidation message for tracking client c: returns the client
 * that receives it with the header written (the value comes next), or NULL
 * when nothing can be sent. The caller ends with push_done(). */
static client *push_start(client *c) {
    client *to = c;
    int redirected = 0;
    if (c->tracking->redirect) {
        to = client_with_id(c->tracking->redirect);
        if (!to) {
            c->tracking->flags |= TRK_BROKEN_REDIR;
            if (c->resp >= 3) {
                c->flags |= CLIENT_PUSHING;
                reply_push_len(c, 2);
                reply_bulk_cstr(c, "tracking-redir-broken");
                reply_longlong(c, (long long)c->tracking->redirect);
                c->flags &= ~CLIENT_PUSHING;
                client_mark_pending(c);
            }
            return NULL;
        }
        redirected = 1;
    }
    if (to->resp >= 3) {
        to->flags |= CLIENT_PUSHING;
        reply_push_len(to, 2);
        reply_bulk_cstr(to, "invalidate");
    } else if (redirected && (to->flags & CLIENT_PUBSUB)) {
        to->flags |= CLIENT_PUSHING;
        reply_push_len(to, 3);
        reply_bulk_cstr(to, "message");
        reply_bulk_cstr(to, INVALIDATE_CHANNEL);
    } else {
        return NULL; /* RESP2 without a subscribed redirection: no pushes */
    }
    return to;
}

static void push_done(client *to) {
    to->flags &= ~CLIENT_PUSHING;
    client_mark_pending(to);
}

static void send_key(client *c, const char *key, size_t klen) {
    client *to = push_start(c);
    if (!to) return;
    reply_array_len(to, 1);
    reply_bulk(to, key, klen);
    push_done(to);
}

/* FLUSHDB/FLUSHALL: the value is a null, in the tracking client's protocol
 * (Redis writes its shared null for c, not for the receiver). */
static void send_null(client *c) {
    client *to = push_start(c);
    if (!to) return;
    if (c->resp >= 3)
        reply_raw(to, "_\r\n", 3);
    else
        reply_raw(to, "$-1\r\n", 5);
    push_done(to);
}

/* ---------------------------------------------------------------------------
 * The key table (default mode)
 * ------------------------------------------------------------------------ */

static void readers_free(void *p) {
    key_readers *r = p;
    if (!r) return;
    free(r->ids);
    free(r);
}

static void remember_key(client *c, const char *key, size_t klen) {
    uint64_t h = strmap_hash(key, klen);
    strmap_entry *e = strmap_find(&table, key, klen, h);
    if (!e) e = strmap_insert(&table, key, klen, h, calloc(1, sizeof(key_readers)));
    key_readers *r = e->val;
    for (int i = 0; i < r->n; i++)
        if (r->ids[i] == c->id) return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 2;
        r->ids = realloc(r->ids, r->cap * sizeof(*r->ids));
    }
    r->ids[r->n++] = c->id;
    table_items++;
}

/* key NULL queues a flush (a null invalidation). */
static void queue_own_change(client *c, const char *key, size_t klen) {
    struct tracking_client *t = c->tracking;
    if (t->npending == t->cappending) {
        t->cappending = t->cappending ? t->cappending * 2 : 4;
        t->pending = realloc(t->pending, t->cappending * sizeof(*t->pending));
        t->pending_len = realloc(t->pending_len, t->cappending * sizeof(*t->pending_len));
    }
    t->pending[t->npending] = key ? malloc(klen ? klen : 1) : NULL;
    if (key) memcpy(t->pending[t->npending], key, klen);
    t->pending_len[t->npending++] = klen;
}

/* Send "invalidate key" to every client that read it, and forget it. */
static void invalidate_entry(strmap_entry *e, client *current) {
    key_readers *r = e->val;
    for (int i = 0; i < r->n; i++) {
        client *c = client_with_id(r->ids[i]);
        /* gone, tracking turned off, or switched to BCAST since the read */
        if (!c || !c->tracking || (c->tracking->flags & TRK_BCAST)) continue;
        if (c == current) {
            if (!(c->tracking->flags & TRK_NOLOOP)) queue_own_change(c, e->key, e->len);
            continue;
        }
        send_key(c, e->key, e->len);
    }
    table_items -= (size_t)r->n;
    readers_free(r);
    strmap_remove(&table, e);
}

/* Keep the table within tracking-table-max-keys by invalidating keys early
 * (from a random bucket on, so no key is favoured). */
static void enforce_table_limit(client *current) {
    long long max = server_config.tracking_table_max_keys;
    if (max <= 0 || (long long)table.n <= max) return;
    size_t start = (size_t)rand();
    while ((long long)table.n > max) {
        strmap_entry *victim = NULL;
        for (size_t i = 0; i < table.cap && !victim; i++) victim = table.b[(start + i) & (table.cap - 1)];
        if (!victim) break;
        invalidate_entry(victim, current);
    }
}

/* ---------------------------------------------------------------------------
 * BCAST prefixes
 * ------------------------------------------------------------------------ */

static void bcast_add_client(client *c, const char *p, size_t plen) {
    uint64_t h = strmap_hash(p, plen);
    strmap_entry *e = strmap_find(&prefixes, p, plen, h);
    if (!e) e = strmap_insert(&prefixes, p, plen, h, calloc(1, sizeof(bcast_prefix)));
    bcast_prefix *bp = e->val;
    if (strmap_find(&c->tracking->prefixes, p, plen, h)) return;
    if (bp->n == bp->cap) {
        bp->cap = bp->cap ? bp->cap * 2 : 2;
        bp->clients = realloc(bp->clients, bp->cap * sizeof(*bp->clients));
    }
    bp->clients[bp->n++] = c;
    strmap_insert(&c->tracking->prefixes, p, plen, h, bp);
}

/* Take c off every prefix it registered; a prefix nobody uses goes. */
static void bcast_remove_client(client *c) {
    strmap *mine = &c->tracking->prefixes;
    for (size_t i = 0; i < mine->cap; i++) {
        for (strmap_entry *e = mine->b[i]; e; e = e->next) {
            bcast_prefix *bp = e->val;
            for (int j = 0; j < bp->n; j++)
                if (bp->clients[j] == c) {
                    memmove(bp->clients + j, bp->clients + j + 1, (bp->n - j - 1) * sizeof(*bp->clients));
                    bp->n--;
                    break;
                }
            /* NOLOOP bookkeeping must not point at a freed client */
            for (size_t k = 0; k < bp->changed.cap; k++)
                for (strmap_entry *ch = bp->changed.b[k]; ch; ch = ch->next)
                    if (ch->val == c) ch->val = NULL;
            if (bp->n == 0) {
                bcast_changes -= (long long)bp->changed.n;
                strmap_clear(&bp->changed, NULL);
                free(bp->clients);
                free(bp);
                strmap_remove(&prefixes, strmap_find(&prefixes, e->key, e->len, e->hash));
            }
        }
    }
    strmap_clear(mine, NULL);
}

static void bcast_remember_change(client *current, const char *key, size_t klen) {
    for (size_t i = 0; i < prefixes.cap; i++) {
        for (strmap_entry *e = prefixes.b[i]; e; e = e->next) {
            if (e->len > klen || memcmp(e->key, key, e->len) != 0) continue;
            bcast_prefix *bp = e->val;
            uint64_t h = strmap_hash(key, klen);
            strmap_entry *ch = strmap_find(&bp->changed, key, klen, h);
            if (ch) {
                ch->val = current; /* the last change decides NOLOOP */
            } else {
                strmap_insert(&bp->changed, key, klen, h, current);
                bcast_changes++;
            }
        }
    }
}

static int cmp_entries(const void *a, const void *b) {
    const strmap_entry *x = *(strmap_entry *const *)a, *y = *(strmap_entry *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int r = memcmp(x->key, y->key, n);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* The keys of one prefix to one client: in byte order (as Redis's radix
 * tree gives them), without those the client itself changed under NOLOOP. */
static void bcast_send(client *c, strmap_entry **keys, size_t n) {
    int noloop = c->tracking->flags & TRK_NOLOOP;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (!noloop || keys[i]->val != c) count++;
    if (!count) return;
    client *to = push_start(c);
    if (!to) return;
    reply_array_len(to, (long)count);
    for (size_t i = 0; i < n; i++)
        if (!noloop || keys[i]->val != c) reply_bulk(to, keys[i]->key, keys[i]->len);
    push_done(to);
}

void tracking_end_of_turn(void) {
    if (!bcast_changes) return;
    /* prefixes in byte order too: the messages come out as Redis's do */
    strmap_entry **order = malloc(prefixes.n * sizeof(*order));
    size_t np = 0;
    for (size_t i = 0; i < prefixes.cap; i++)
        for (strmap_entry *e = prefixes.b[i]; e; e = e->next) order[np++] = e;
    qsort(order, np, sizeof(*order), cmp_entries);
    for (size_t p = 0; p < np; p++) {
        bcast_prefix *bp = order[p]->val;
        if (!bp->changed.n) continue;
        strmap_entry **keys = malloc(bp->changed.n * sizeof(*keys));
        size_t nk = 0;
        for (size_t i = 0; i < bp->changed.cap; i++)
            for (strmap_entry *e = bp->changed.b[i]; e; e = e->next) keys[nk++] = e;
        qsort(keys, nk, sizeof(*keys), cmp_entries);
        for (int j = 0; j < bp->n; j++) bcast_send(bp->clients[j], keys, nk);
        free(keys);
        strmap_clear(&bp->changed, NULL);
    }
    free(order);
    bcast_changes = 0;
}

/* ---------------------------------------------------------------------------
 * Hooks called by the rest of the server
 * ------------------------------------------------------------------------ */

void tracking_key_changed(client *current, const char *key, size_t klen) {
    if (!tracking_clients && !table.n) return;
    if (prefixes.n) bcast_remember_change(current, key, klen);
    if (!table.n) return;
    strmap_entry *e = strmap_find(&table, key, klen, strmap_hash(key, klen));
    if (e) invalidate_entry(e, current);
}

void tracking_flush(void) {
    if (!tracking_clients && !table.n) return;
    for (client *c = server.clients; c; c = c->next) {
        if (!c->tracking) continue;
        if (c == server.current_client)
            queue_own_change(c, NULL, 0); /* after its reply */
        else
            send_null(c);
    }
    strmap_clear(&table, readers_free);
    table_items = 0;
}

void tracking_after_command(client *c, const command *cmd) {
    struct tracking_client *t = c->tracking;
    if (!t) return;
    /* Remember what a read-only command read (default mode). OPTIN tracks
     * only after CACHING YES, OPTOUT all but after CACHING NO. */
    if ((cmd->flags & CMD_READONLY) && !(t->flags & TRK_BCAST)) {
        int caching = t->flags & TRK_CACHING;
        if (!((t->flags & TRK_OPTIN) && !caching) && !((t->flags & TRK_OPTOUT) && caching)) {
            key_ref *keys = NULL;
            int n = command_get_keys(cmd, c->argc, c->argv, &keys);
            for (int i = 0; i < n; i++) remember_key(c, c->argv[keys[i].pos].ptr, c->argv[keys[i].pos].len);
            free(keys);
            enforce_table_limit(c);
        }
    }
    /* Changes of its own keys go out after the reply. */
    for (int i = 0; i < t->npending; i++) {
        if (t->pending[i])
            send_key(c, t->pending[i], t->pending_len[i]);
        else
            send_null(c);
        free(t->pending[i]);
    }
    t->npending = 0;
    /* CACHING applies to the next command only (CLIENT itself excepted, so
     * CLIENT CACHING YES can be followed by CLIENT TRACKINGINFO). */
    if (cmd->proc != clientCommand && !(c->flags & CLIENT_MULTI)) t->flags &= ~TRK_CACHING;
}

static void disable(client *c) {
    struct tracking_client *t = c->tracking;
    if (!t) return;
    if (t->flags & TRK_BCAST) bcast_remove_client(c);
    for (int i = 0; i < t->npending; i++) free(t->pending[i]);
    free(t->pending);
    free(t->pending_len);
    free(t);
    c->tracking = NULL;
    tracking_clients--;
}

void tracking_client_free(client *c) { disable(c); }

long tracking_client_count(void) { return tracking_clients; }
long long tracking_total_keys(void) { return (long long)table.n; }
long long tracking_total_items(void) { return (long long)table_items; }
long long tracking_total_prefixes(void) { return (long long)prefixes.n; }

/* CLIENT LIST: flags t (tracking), R (broken redirection), B (BCAST). */
void tracking_client_flags(const client *c, char **p) {
    if (!c->tracking) return;
    *(*p)++ = 't';
    if (c->tracking->flags & TRK_BROKEN_REDIR) *(*p)++ = 'R';
    if (c->tracking->flags & TRK_BCAST) *(*p)++ = 'B';
}

long long tracking_redirect_of(const client *c) { return c->tracking ? (long long)c->tracking->redirect : -1; }

/* ---------------------------------------------------------------------------
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO
 * ------------------------------------------------------------------------ */

/* BCAST prefixes must not overlap one another, nor those c already has. */
static int check_prefixes(client *c, int *idx, int n) {
    for (int i = 0; i < n; i++) {
        const resp_arg *a = &c->argv[idx[i]];
        if (c->tracking) {
            strmap *mine = &c->tracking->prefixes;
            for (size_t b = 0; b < mine->cap; b++)
                for (strmap_entry *e = mine->b[b]; e; e = e->next) {
                    size_t m = a->len < e->len ? a->len : e->len;
                    if (memcmp(a->ptr, e->key, m) == 0) {
                        reply_errorf(c,
                                     "ERR Prefix '%s' overlaps with an existing prefix '%s'. Prefixes for a "
                                     "single client must not overlap.",
                                     a->ptr, e->key);
                        return -1;
                    }
                }
        }
        for (int j = i + 1; j < n; j++) {
            const resp_arg *b = &c->argv[idx[j]];
            size_t m = a->len < b->len ? a->len : b->len;
            if (memcmp(a->ptr, b->ptr, m) == 0) {
                reply_errorf(c,
                             "ERR Prefix '%s' overlaps with another provided prefix '%s'. Prefixes for a single "
                             "client must not overlap.",
                             a->ptr, b->ptr);
                return -1;
            }
        }
    }
    return 0;
}

static void client_tracking(client *c) {
    long long redirect = 0;
    int opts = 0, nprefix = 0;
    int *prefix_idx = malloc(sizeof(int) * (size_t)c->argc);
    for (int j = 3; j < c->argc; j++) {
        int more = j + 1 < c->argc;
        if (arg_is(c, j, "REDIRECT") && more) {
            j++;
            if (redirect) {
                reply_error(c, "ERR A client can only redirect to a single other client");
                goto done;
            }
            if (arg_longlong(c, j, &redirect, NULL) < 0) goto done;
            if (!client_with_id((uint64_t)redirect)) {
                reply_error(c, "ERR The client ID you want redirect to does not exist");
                goto done;
            }
        } else if (arg_is(c, j, "BCAST")) {
            opts |= TRK_BCAST;
        } else if (arg_is(c, j, "OPTIN")) {
            opts |= TRK_OPTIN;
        } else if (arg_is(c, j, "OPTOUT")) {
            opts |= TRK_OPTOUT;
        } else if (arg_is(c, j, "NOLOOP")) {
            opts |= TRK_NOLOOP;
        } else if (arg_is(c, j, "PREFIX") && more) {
            prefix_idx[nprefix++] = ++j;
        } else {
            reply_error(c, ERR_SYNTAX);
            goto done;
        }
    }
    if (arg_is(c, 2, "OFF")) {
        disable(c);
        reply_ok(c);
        goto done;
    }
    if (!arg_is(c, 2, "ON")) {
        reply_error(c, ERR_SYNTAX);
        goto done;
    }
    struct tracking_client *t = c->tracking;
    if (!(opts & TRK_BCAST) && nprefix) {
        reply_error(c, "ERR PREFIX option requires BCAST mode to be enabled");
    } else if (t && !!(t->flags & TRK_BCAST) != !!(opts & TRK_BCAST)) {
        reply_error(c, "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
                       "then re-enabling it with a different mode.");
    } else if ((opts & TRK_BCAST) && (opts & (TRK_OPTIN | TRK_OPTOUT))) {
        reply_error(c, "ERR OPTIN and OPTOUT are not compatible with BCAST");
    } else if ((opts & TRK_OPTIN) && (opts & TRK_OPTOUT)) {
        reply_error(c, "ERR You can't specify both OPTIN mode and OPTOUT mode");
    } else if (t && (((opts & TRK_OPTIN) && (t->flags & TRK_OPTOUT)) ||
                     ((opts & TRK_OPTOUT) && (t->flags & TRK_OPTIN)))) {
        reply_error(c, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
                       "then re-enabling it with a different mode.");
    } else if ((opts & TRK_BCAST) && check_prefixes(c, prefix_idx, nprefix) < 0) {
        /* replied */
    } else {
        if (!t) {
            t = c->tracking = calloc(1, sizeof(*t));
            tracking_clients++;
        }
        /* ON again replaces the options (prefixes accumulate, as Redis's) */
        t->flags = (t->flags & TRK_CACHING) | opts;
        t->redirect = (uint64_t)redirect;
        if (opts & TRK_BCAST) {
            if (!nprefix) bcast_add_client(c, "", 0);
            for (int i = 0; i < nprefix; i++)
                bcast_add_client(c, c->argv[prefix_idx[i]].ptr, c->argv[prefix_idx[i]].len);
        }
        reply_ok(c);
    }
done:
    free(prefix_idx);
}

static void client_caching(client *c) {
    struct tracking_client *t = c->tracking;
    if (!t || !(t->flags & (TRK_OPTIN | TRK_OPTOUT))) {
        reply_error(c, "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
                       "OPTOUT mode enabled");
    } else if (arg_is(c, 2, "YES")) {
        if (t->flags & TRK_OPTIN) {
            t->flags |= TRK_CACHING;
            reply_ok(c);
        } else {
            reply_error(c, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        }
    } else if (arg_is(c, 2, "NO")) {
        if (t->flags & TRK_OPTOUT) {
            t->flags |= TRK_CACHING;
            reply_ok(c);
        } else {
            reply_error(c, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        }
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

static void client_trackinginfo(client *c) {
    struct tracking_client *t = c->tracking;
    reply_map_len(c, 3);
    reply_bulk_cstr(c, "flags");
    if (!t) {
        reply_set_len(c, 1);
        reply_bulk_cstr(c, "off");
    } else {
        const char *names[6];
        int n = 0;
        names[n++] = "on";
        if (t->flags & TRK_BCAST) names[n++] = "bcast";
        if (t->flags & TRK_OPTIN) {
            names[n++] = "optin";
            if (t->flags & TRK_CACHING) names[n++] = "caching-yes";
        }
        if (t->flags & TRK_OPTOUT) {
            names[n++] = "optout";
            if (t->flags & TRK_CACHING) names[n++] = "caching-no";
        }
        if (t->flags & TRK_NOLOOP) names[n++] = "noloop";
        if (t->flags & TRK_BROKEN_REDIR) names[n++] = "broken_redirect";
        reply_set_len(c, n);
        for (int i = 0; i < n; i++) reply_bulk_cstr(c, names[i]);
    }
    reply_bulk_cstr(c, "redirect");
    reply_longlong(c, tracking_redirect_of(c));
    reply_bulk_cstr(c, "prefixes");
    if (!t) {
        reply_array_len(c, 0);
        return;
    }
    strmap_entry **order = malloc((t->prefixes.n + 1) * sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < t->prefixes.cap; i++)
        for (strmap_entry *e = t->prefixes.b[i]; e; e = e->next) order[n++] = e;
    qsort(order, n, sizeof(*order), cmp_entries);
    reply_array_len(c, (long)n);
    for (size_t i = 0; i < n; i++) reply_bulk(c, order[i]->key, order[i]->len);
    free(order);
}

/* CLIENT TRACKING|CACHING|GETREDIR|TRACKINGINFO; returns 0 when argv[1] is
 * none of those. Arity is checked here. */
int tracking_client_subcommand(client *c) {
    if (arg_is(c, 1, "TRACKING")) {
        if (c->argc < 3) reply_error(c, "ERR wrong number of arguments for 'client|tracking' command");
        else client_tracking(c);
    } else if (arg_is(c, 1, "CACHING")) {
        if (c->argc != 3) reply_error(c, "ERR wrong number of arguments for 'client|caching' command");
        else client_caching(c);
    } else if (arg_is(c, 1, "GETREDIR")) {
        if (c->argc != 2) reply_error(c, "ERR wrong number of arguments for 'client|getredir' command");
        else reply_longlong(c, tracking_redirect_of(c));
    } else if (arg_is(c, 1, "TRACKINGINFO")) {
        if (c->argc != 2) reply_error(c, "ERR wrong number of arguments for 'client|trackinginfo' command");
        else client_trackinginfo(c);
    } else {
        return 0;
    }
    return 1;
}
