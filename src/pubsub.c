/* pubsub.c - PUBLISH / SUBSCRIBE: channels, patterns and shard channels.
 *
 * Three namespaces, as in Redis 7.0 without cluster: channels (SUBSCRIBE,
 * PUBLISH), patterns (PSUBSCRIBE; matched against PUBLISH's channel) and
 * shard channels (SSUBSCRIBE, SPUBLISH), which are a namespace of their own
 * and never match patterns.
 *
 * Representation. A subscription is one node (ps_node) that sits in two
 * lists at once: its channel's subscribers (oldest first, so messages go out
 * in subscription order, as Redis's lists do) and its client's subscriptions
 * in that namespace (oldest first, so UNSUBSCRIBE/PUNSUBSCRIBE with no
 * arguments answer in subscription order). Two kinds of hash table find the
 * nodes:
 *
 *   server:  name -> ps_chan   (a channel or pattern with >= 1 subscriber)
 *   client:  name -> ps_node   (that client's subscription)
 *
 * so SUBSCRIBE, UNSUBSCRIBE and disconnecting cost O(1) per channel, and
 * PUBLISH costs O(subscribers of the channel + patterns), patterns being
 * matched one by one as Redis does. The tables are strmaps (strmap.h:
 * SipHash-keyed, so a client cannot choose channel names that collide).
 *
 * Messages are appended to the subscribers' output buffers with the reply
 * helpers, so they leave after the end-of-turn commit like any reply. They
 * and the (un)subscribe confirmations are pushes: RESP3 clients get them as
 * ">" out-of-band replies and may run any command while subscribed; RESP2
 * clients get arrays and are held to subscribed mode (only (P|S)(UN)SUBSCRIBE,
 * PING and QUIT; pubsub_deny_command). A subscriber that does not read
 * would grow its buffer without bound: the pubsub class of
 * client-output-buffer-limit (default 32mb hard, 8mb for 60 s soft) closes
 * it (networking.c, client_check_output_limit).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "strmap.h"
#include "util.h"


/* ---------------------------------------------------------------------------
 * Namespaces, channels and subscriptions
 * ------------------------------------------------------------------------ */

enum { PS_CHANNEL, PS_PATTERN, PS_SHARD, PS_NSPACES };

typedef struct ps_node ps_node;

typedef struct ps_chan {
    ps_node *head, *tail; /* subscribers, oldest first */
    long nsubs;
    struct ps_chan *prev, *next; /* every channel of the namespace, oldest first */
    strmap_entry *entry;             /* ours in the namespace's table: the name */
} ps_chan;

struct ps_node {
    client *c;
    ps_chan *ch;
    ps_node *prev, *next;   /* in ch's subscribers */
    ps_node *cprev, *cnext; /* in the client's subscriptions of this namespace */
    strmap_entry *centry;       /* ours in the client's table */
};

/* What a client in subscribed mode holds (c->pubsub; NULL otherwise). */
struct pubsub_client {
    strmap subs[PS_NSPACES];                          /* name -> ps_node */
    ps_node *head[PS_NSPACES], *tail[PS_NSPACES]; /* oldest first */
};

static struct {
    strmap table;              /* name -> ps_chan */
    ps_chan *head, *tail;  /* oldest first */
} spaces[PS_NSPACES];

/* What the confirmations of each namespace are called. */
static const char *const sub_name[PS_NSPACES] = {"subscribe", "psubscribe", "ssubscribe"};
static const char *const unsub_name[PS_NSPACES] = {"unsubscribe", "punsubscribe", "sunsubscribe"};

/* The count in a confirmation: channels and patterns count together, shard
 * channels alone (Redis's clientSubscriptionsCount and
 * clientShardSubscriptionsCount). */
static long sub_count(client *c, int space) {
    struct pubsub_client *p = c->pubsub;
    if (!p) return 0;
    if (space == PS_SHARD) return (long)p->subs[PS_SHARD].n;
    return (long)(p->subs[PS_CHANNEL].n + p->subs[PS_PATTERN].n);
}

static long total_count(client *c) {
    return c->pubsub ? (long)(c->pubsub->subs[0].n + c->pubsub->subs[1].n + c->pubsub->subs[2].n) : 0;
}

static ps_chan *chan_lookup(int space, const char *name, size_t len, uint64_t h) {
    strmap_entry *e = strmap_find(&spaces[space].table, name, len, h);
    return e ? e->val : NULL;
}

/* Returns 1 when the client was not yet subscribed. */
static int subscribe(client *c, int space, const char *name, size_t len) {
    uint64_t h = strmap_hash(name, len);
    if (!c->pubsub) c->pubsub = calloc(1, sizeof(*c->pubsub));
    struct pubsub_client *p = c->pubsub;
    if (strmap_find(&p->subs[space], name, len, h)) return 0;

    ps_chan *ch = chan_lookup(space, name, len, h);
    if (!ch) {
        ch = calloc(1, sizeof(*ch));
        ch->entry = strmap_insert(&spaces[space].table, name, len, h, ch);
        ch->prev = spaces[space].tail;
        if (ch->prev)
            ch->prev->next = ch;
        else
            spaces[space].head = ch;
        spaces[space].tail = ch;
    }
    ps_node *n = calloc(1, sizeof(*n));
    n->c = c;
    n->ch = ch;
    n->prev = ch->tail;
    if (n->prev)
        n->prev->next = n;
    else
        ch->head = n;
    ch->tail = n;
    ch->nsubs++;
    n->cprev = p->tail[space];
    if (n->cprev)
        n->cprev->cnext = n;
    else
        p->head[space] = n;
    p->tail[space] = n;
    n->centry = strmap_insert(&p->subs[space], name, len, h, n);
    return 1;
}

static void node_remove(client *c, int space, ps_node *n) {
    struct pubsub_client *p = c->pubsub;
    ps_chan *ch = n->ch;
    if (n->prev)
        n->prev->next = n->next;
    else
        ch->head = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        ch->tail = n->prev;
    if (--ch->nsubs == 0) {
        if (ch->prev)
            ch->prev->next = ch->next;
        else
            spaces[space].head = ch->next;
        if (ch->next)
            ch->next->prev = ch->prev;
        else
            spaces[space].tail = ch->prev;
        strmap_remove(&spaces[space].table, ch->entry);
        free(ch);
    }
    if (n->cprev)
        n->cprev->cnext = n->cnext;
    else
        p->head[space] = n->cnext;
    if (n->cnext)
        n->cnext->cprev = n->cprev;
    else
        p->tail[space] = n->cprev;
    strmap_remove(&p->subs[space], n->centry);
    free(n);
}

/* Leaves subscribed mode once nothing is left, as Redis clears
 * CLIENT_PUBSUB. */
static void maybe_leave_pubsub(client *c) {
    if (total_count(c) > 0) return;
    c->flags &= ~CLIENT_PUBSUB;
    if (c->pubsub) {
        for (int s = 0; s < PS_NSPACES; s++) free(c->pubsub->subs[s].b);
        free(c->pubsub);
        c->pubsub = NULL;
    }
}

/* ---------------------------------------------------------------------------
 * Replies and delivery
 * ------------------------------------------------------------------------ */

/* Confirmations and messages are pushes: out-of-band ">" in RESP3 (plain
 * arrays in RESP2), and never silenced by CLIENT REPLY OFF/SKIP, as Redis
 * 7.0 writes them with CLIENT_PUSHING set. */
static void push_begin(client *c, long n) {
    c->flags |= CLIENT_PUSHING;
    reply_push_len(c, n);
}

static void push_end(client *c) { c->flags &= ~CLIENT_PUSHING; }

static void reply_confirmation(client *c, const char *kind, const char *name, size_t len, long count) {
    push_begin(c, 3);
    reply_bulk_cstr(c, kind);
    if (name)
        reply_bulk(c, name, len);
    else
        reply_null(c);
    reply_longlong(c, count);
    push_end(c);
}

/* "message"/"smessage" (pattern NULL) or "pmessage" to one subscriber. */
static void deliver(client *c, const char *kind, const ps_chan *pattern, const resp_arg *channel,
                    const resp_arg *msg) {
    if (c->flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) return;
    push_begin(c, pattern ? 4 : 3);
    reply_bulk_cstr(c, kind);
    if (pattern) reply_bulk(c, pattern->entry->key, pattern->entry->len);
    reply_bulk(c, channel->ptr, channel->len);
    reply_bulk(c, msg->ptr, msg->len);
    push_end(c);
}

/* Returns the number of receivers, counting a client once per matching
 * subscription (as Redis's PUBLISH does). */
static long publish(int space, const resp_arg *channel, const resp_arg *msg) {
    long receivers = 0;
    ps_chan *ch = chan_lookup(space, channel->ptr, channel->len, strmap_hash(channel->ptr, channel->len));
    if (ch) {
        const char *kind = space == PS_SHARD ? "smessage" : "message";
        for (ps_node *n = ch->head; n; n = n->next, receivers++) deliver(n->c, kind, NULL, channel, msg);
    }
    if (space == PS_CHANNEL) {
        for (ps_chan *pat = spaces[PS_PATTERN].head; pat; pat = pat->next) {
            if (!util_globmatch(pat->entry->key, pat->entry->len, channel->ptr, channel->len, 0)) continue;
            for (ps_node *n = pat->head; n; n = n->next, receivers++) deliver(n->c, "pmessage", pat, channel, msg);
        }
    }
    return receivers;
}

/* ---------------------------------------------------------------------------
 * Keyspace notifications
 *
 * Commands call notify_keyspace_event() after they changed a key, with the
 * class (NOTIFY_*) and Redis's event name; when notify-keyspace-events
 * enables the class, the event is published as ordinary messages on
 * __keyspace@<db>__:<key> (message: the event) and/or
 * __keyevent@<db>__:<event> (message: the key).
 * ------------------------------------------------------------------------ */

static void publish_prefixed(const char *prefix, int db, const char *suffix, size_t slen, const char *msg,
                             size_t mlen) {
    char small[256], head[64];
    int hl = snprintf(head, sizeof(head), "%s@%d__:", prefix, db);
    size_t len = (size_t)hl + slen;
    char *buf = len <= sizeof(small) ? small : malloc(len);
    memcpy(buf, head, (size_t)hl);
    if (slen) memcpy(buf + hl, suffix, slen);
    resp_arg channel = {buf, len}, message = {(char *)msg, mlen};
    publish(PS_CHANNEL, &channel, &message);
    if (buf != small) free(buf);
}

void notify_keyspace_event(int type, const char *event, const char *key, size_t klen, int db) {
    int flags = server_config.notify_keyspace_events;
    if (!(flags & type)) return;
    if (flags & NOTIFY_KEYSPACE) publish_prefixed("__keyspace", db, key, klen, event, strlen(event));
    if (flags & NOTIFY_KEYEVENT) publish_prefixed("__keyevent", db, event, strlen(event), key, klen);
}

/* ---------------------------------------------------------------------------
 * Interface (server.h)
 * ------------------------------------------------------------------------ */

int pubsub_client_any(const client *c, int (*pred)(void *ctx, int is_pattern, const char *name, size_t len),
                      void *ctx) {
    const struct pubsub_client *p = c->pubsub;
    if (!p) return 0;
    for (int s = 0; s < PS_NSPACES; s++)
        for (const ps_node *n = p->head[s]; n; n = n->cnext)
            if (pred(ctx, s == PS_PATTERN, n->ch->entry->key, n->ch->entry->len)) return 1;
    return 0;
}

void pubsub_client_free(client *c) {
    if (!c->pubsub) return;
    for (int s = 0; s < PS_NSPACES; s++)
        while (c->pubsub->head[s]) node_remove(c, s, c->pubsub->head[s]);
    maybe_leave_pubsub(c);
}

long pubsub_channel_count(void) { return (long)spaces[PS_CHANNEL].table.n; }
long pubsub_pattern_count(void) { return (long)spaces[PS_PATTERN].table.n; }
long pubsub_shard_channel_count(void) { return (long)spaces[PS_SHARD].table.n; }

void pubsub_client_counts(const client *c, long *sub, long *psub, long *ssub) {
    const struct pubsub_client *p = c->pubsub;
    *sub = p ? (long)p->subs[PS_CHANNEL].n : 0;
    *psub = p ? (long)p->subs[PS_PATTERN].n : 0;
    *ssub = p ? (long)p->subs[PS_SHARD].n : 0;
}

/* In RESP2 subscribed mode only these may run (Redis 7.0's processCommand). */
static int allowed_in_pubsub(const command *cmd) {
    command_proc *p = cmd->proc;
    return p == pingCommand || p == subscribeCommand || p == ssubscribeCommand || p == unsubscribeCommand ||
           p == sunsubscribeCommand || p == psubscribeCommand || p == punsubscribeCommand || p == quitCommand;
}

int pubsub_deny_command(client *c, const command *cmd) {
    if (!(c->flags & CLIENT_PUBSUB) || c->resp != 2 || allowed_in_pubsub(cmd)) return 0;
    /* Redis names a container's subcommand ("config|get"), and rejects an
     * unknown subcommand (and a wrong subcommand arity) before this check. */
    char full[256];
    snprintf(full, sizeof(full), "%s", cmd->name);
    if (command_doc_subcommand_count(cmd->name) > 0 && c->argc >= 2) {
        snprintf(full, sizeof(full), "%s|%.128s", cmd->name, c->argv[1].ptr);
        const command_doc *sub = command_doc_lookup(full);
        if (!sub) {
            char upper[64];
            size_t i = 0;
            for (; cmd->name[i] && i < sizeof(upper) - 1; i++)
                upper[i] = (char)(cmd->name[i] >= 'a' && cmd->name[i] <= 'z' ? cmd->name[i] - 32 : cmd->name[i]);
            upper[i] = 0;
            reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr, upper);
            return 1;
        }
        /* and a subcommand's arity, also before this check */
        if ((sub->arity > 0 && c->argc != sub->arity) || (sub->arity < 0 && c->argc < -sub->arity)) {
            reply_errorf(c, "ERR wrong number of arguments for '%s' command", sub->name);
            return 1;
        }
        for (char *q = full; *q; q++)
            if (*q >= 'A' && *q <= 'Z') *q = (char)(*q + 32);
    }
    reply_errorf(c,
                 "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                 "allowed in this context",
                 full);
    return 1;
}

/* PING in RESP2 subscribed mode: ["pong", message or ""]. */
void pubsub_ping(client *c) {
    if (c->argc > 2) {
        reply_error_arity(c);
        return;
    }
    reply_array_len(c, 2);
    reply_bulk(c, "pong", 4);
    if (c->argc == 1)
        reply_bulk(c, "", 0);
    else
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

/* ---------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

static void subscribe_generic(client *c, int space) {
    for (int j = 1; j < c->argc; j++) {
        subscribe(c, space, c->argv[j].ptr, c->argv[j].len);
        reply_confirmation(c, sub_name[space], c->argv[j].ptr, c->argv[j].len, sub_count(c, space));
    }
    c->flags |= CLIENT_PUBSUB;
}

static void unsubscribe_generic(client *c, int space) {
    struct pubsub_client *p = c->pubsub;
    if (c->argc == 1) {
        /* All of them, oldest first; when there were none, one reply with a
         * null name. */
        if (!p || !p->head[space]) {
            reply_confirmation(c, unsub_name[space], NULL, 0, sub_count(c, space));
        } else {
            while (p->head[space]) {
                ps_node *n = p->head[space];
                /* Reply with the name before the node (and its key) goes. */
                char *name = n->centry->key;
                size_t len = n->centry->len;
                long after = sub_count(c, space) - 1;
                reply_confirmation(c, unsub_name[space], name, len, after);
                node_remove(c, space, n);
            }
        }
    } else {
        for (int j = 1; j < c->argc; j++) {
            const resp_arg *a = &c->argv[j];
            if (p) {
                strmap_entry *e = strmap_find(&p->subs[space], a->ptr, a->len, strmap_hash(a->ptr, a->len));
                if (e) node_remove(c, space, e->val);
            }
            reply_confirmation(c, unsub_name[space], a->ptr, a->len, sub_count(c, space));
        }
    }
    maybe_leave_pubsub(c);
}

void subscribeCommand(client *c) { subscribe_generic(c, PS_CHANNEL); }
void psubscribeCommand(client *c) { subscribe_generic(c, PS_PATTERN); }
void ssubscribeCommand(client *c) { subscribe_generic(c, PS_SHARD); }
void unsubscribeCommand(client *c) { unsubscribe_generic(c, PS_CHANNEL); }
void punsubscribeCommand(client *c) { unsubscribe_generic(c, PS_PATTERN); }
void sunsubscribeCommand(client *c) { unsubscribe_generic(c, PS_SHARD); }

void publishCommand(client *c) { reply_longlong(c, publish(PS_CHANNEL, &c->argv[1], &c->argv[2])); }
void spublishCommand(client *c) { reply_longlong(c, publish(PS_SHARD, &c->argv[1], &c->argv[2])); }

/* PUBSUB CHANNELS / SHARDCHANNELS [pattern]: active channels, oldest first
 * (Redis: hash order). */
static void reply_channels(client *c, int space) {
    const resp_arg *pat = c->argc == 3 ? &c->argv[2] : NULL;
    long n = 0;
    for (ps_chan *ch = spaces[space].head; ch; ch = ch->next)
        if (!pat || util_globmatch(pat->ptr, pat->len, ch->entry->key, ch->entry->len, 0)) n++;
    reply_array_len(c, n);
    for (ps_chan *ch = spaces[space].head; ch; ch = ch->next)
        if (!pat || util_globmatch(pat->ptr, pat->len, ch->entry->key, ch->entry->len, 0))
            reply_bulk(c, ch->entry->key, ch->entry->len);
}

static void reply_numsub(client *c, int space) {
    reply_array_len(c, (long)(c->argc - 2) * 2);
    for (int j = 2; j < c->argc; j++) {
        const resp_arg *a = &c->argv[j];
        ps_chan *ch = chan_lookup(space, a->ptr, a->len, strmap_hash(a->ptr, a->len));
        reply_bulk(c, a->ptr, a->len);
        reply_longlong(c, ch ? ch->nsubs : 0);
    }
}

static const char *pubsub_help[] = {
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

void pubsubCommand(client *c) {
    /* Subcommands and their arities (Redis's subcommand table): the lookup
     * and arity errors come first, then pubsubCommand's own checks. */
    static const struct {
        const char *name;
        int arity;
    } subs[] = {{"channels", -2}, {"numpat", 2}, {"numsub", -2}, {"shardchannels", -2},
                {"shardnumsub", -2}, {"help", 2}};
    int found = -1;
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (arg_is(c, 1, subs[i].name)) found = (int)i;
    if (found < 0) {
        reply_errorf(c, "ERR unknown subcommand '%.128s'. Try PUBSUB HELP.", c->argv[1].ptr);
        return;
    }
    int ar = subs[found].arity;
    if ((ar > 0 && c->argc != ar) || (ar < 0 && c->argc < -ar)) {
        reply_errorf(c, "ERR wrong number of arguments for 'pubsub|%s' command", subs[found].name);
        return;
    }
    if (arg_is(c, 1, "help")) {
        int n = (int)(sizeof(pubsub_help) / sizeof(pubsub_help[0]));
        reply_array_len(c, n + 1);
        reply_status(c, "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (int i = 0; i < n; i++) reply_status(c, pubsub_help[i]);
    } else if (arg_is(c, 1, "channels") && c->argc <= 3) {
        reply_channels(c, PS_CHANNEL);
    } else if (arg_is(c, 1, "numsub")) {
        reply_numsub(c, PS_CHANNEL);
    } else if (arg_is(c, 1, "numpat")) {
        reply_longlong(c, pubsub_pattern_count());
    } else if (arg_is(c, 1, "shardchannels") && c->argc <= 3) {
        reply_channels(c, PS_SHARD);
    } else if (arg_is(c, 1, "shardnumsub")) {
        reply_numsub(c, PS_SHARD);
    } else {
        reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try PUBSUB HELP.",
                     c->argv[1].ptr);
    }
}
