/* networking.c - listening sockets, client connections, reading and parsing
 * requests, and writing replies.
 *
 * Output is never written from inside a command. Replies collect in the
 * client's buffer and the client joins server.pending_writes; after the turn's
 * writes are committed, net_flush_pending() writes them out. A socket that
 * cannot take everything gets a write event, whose callback only puts the
 * client back on the pending list: the actual write again happens after a
 * commit, so ordering "commit, then reply" holds for every byte.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"
#include "util.h"

static struct event *listen_events[16];
static int listen_unix_sock[16];

/* ---------------------------------------------------------------------------
 * Client lifecycle
 * ------------------------------------------------------------------------ */

static void read_cb(int fd, short what, void *arg);
static void write_cb(int fd, short what, void *arg);

static void sockaddr_string(struct sockaddr_storage *sa, int unix_sock, const char *path, char *out,
                            size_t cap) {
    if (unix_sock) {
        snprintf(out, cap, "%s:0", path ? path : "");
        return;
    }
    char host[INET6_ADDRSTRLEN];
    int port;
    if (sa->ss_family == AF_INET6) {
        struct sockaddr_in6 *s = (struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
        port = ntohs(s->sin6_port);
    } else {
        struct sockaddr_in *s = (struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
        port = ntohs(s->sin_port);
    }
    snprintf(out, cap, "%s:%d", host, port);
}

static client *client_create(int fd, int unix_sock) {
    client *c = calloc(1, sizeof(*c));
    c->id = ++server.next_client_id;
    c->fd = fd;
    c->resp = 2;
    c->user = acl_default_user();
    c->authenticated = acl_default_user_open();
    c->ctime_ms = c->last_ms = util_mstime();
    if (unix_sock) c->flags |= CLIENT_UNIX_SOCKET;
    resp_limits lim = {
        .max_bulk_len = server_config.proto_max_bulk_len,
        .max_args = 1024 * 1024,
        .max_inline_len = PROTO_INLINE_MAX_SIZE,
    };
    resp_parser_init(&c->parser, &lim);

    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    if (getpeername(fd, (struct sockaddr *)&sa, &salen) == 0)
        sockaddr_string(&sa, unix_sock, server.unixsocket_path, c->addr, sizeof(c->addr));
    salen = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0)
        sockaddr_string(&sa, unix_sock, server.unixsocket_path, c->laddr, sizeof(c->laddr));

    c->rev = event_new(server.base, fd, EV_READ | EV_PERSIST, read_cb, c);
    c->wev = event_new(server.base, fd, EV_WRITE, write_cb, c);
    event_add(c->rev, NULL);
    c->next = server.clients;
    if (server.clients) server.clients->prev = c;
    server.clients = c;
    server.nclients++;
    return c;
}

static void pending_remove(client *c) {
    if (!(c->flags & CLIENT_PENDING_WRITE)) return;
    for (client **pp = &server.pending_writes; *pp; pp = &(*pp)->pending_next) {
        if (*pp == c) {
            *pp = c->pending_next;
            break;
        }
    }
    c->flags &= ~CLIENT_PENDING_WRITE;
}

void client_free(client *c) {
    block_client_free(c);
    pubsub_client_free(c);
    tracking_client_free(c);
    multi_client_free(c);
    pending_remove(c);
    if (c->prev)
        c->prev->next = c->next;
    else
        server.clients = c->next;
    if (c->next) c->next->prev = c->prev;
    server.nclients--;
    event_free(c->rev);
    event_free(c->wev);
    close(c->fd);
    resp_parser_free(&c->parser);
    free(c->qbuf);
    free(c->obuf);
    free(c->marks);
    free(c->name);
    free(c);
}

void client_close_after_reply(client *c) { c->flags |= CLIENT_CLOSE_AFTER_REPLY; }

/* Close at the end of the turn (a client must not be freed while one of its
 * own callbacks runs). */
void client_mark_pending(client *c) {
    if (c->flags & CLIENT_PENDING_WRITE) return;
    c->flags |= CLIENT_PENDING_WRITE;
    c->pending_next = server.pending_writes;
    server.pending_writes = c;
}

#define PROTO_REPLY_CHUNK_BYTES (16 * 1024)

static obuf_limit output_limits[OBUF_CLASSES];
static int output_limits_loaded;

void net_load_output_limits(void) {
    config_obuf_limits(output_limits);
    output_limits_loaded = 1;
}

/* Redis's checkClientOutputBufferLimits + closeClientOnOutputBufferLimitReached
 * (asynchronously: the client is freed at the end of the turn and takes no
 * more output meanwhile). Replicas do not exist here: two classes apply. */
void client_check_output_limit(client *c) {
    if (!output_limits_loaded) net_load_output_limits();
    const obuf_limit *l = &output_limits[(c->flags & CLIENT_PUBSUB) ? OBUF_PUBSUB : OBUF_NORMAL];
    if ((!l->hard && !l->soft) || (c->flags & CLIENT_CLOSE_ASAP)) return;
    /* Redis counts only the reply list beyond its 16k static buffer, so a
     * small reply never trips a tiny limit: count the same way. */
    long long used = (long long)(c->olen - c->osent) - PROTO_REPLY_CHUNK_BYTES;
    if (used < 0) used = 0;
    int over = l->hard && used >= l->hard;
    if (!over && l->soft && used >= l->soft) {
        long long now = util_mstime();
        if (!c->obuf_soft_since_ms)
            c->obuf_soft_since_ms = now;
        else if ((now - c->obuf_soft_since_ms) / 1000 > l->soft_seconds)
            over = 1;
    } else if (!over) {
        c->obuf_soft_since_ms = 0;
    }
    if (!over) return;
    char *info = client_info_string(c);
    server_log(LOG_WARNING, "Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", info);
    free(info);
    client_close_asap(c);
}

void client_close_asap(client *c) {
    c->flags |= CLIENT_CLOSE_ASAP;
    client_mark_pending(c);
}

/* ---------------------------------------------------------------------------
 * Input
 * ------------------------------------------------------------------------ */

/* A parked client (CLIENT_BLOCKED, see blocking.c) keeps reading, so a
 * disconnect is noticed, but runs nothing until released: its current argv
 * stays with the parser for the command to run again, and what follows
 * waits in qbuf. */
/* The current request is over (run, or empty): forget it, and let CLIENT
 * REPLY SKIP move on, as it silences the request after it (even an empty
 * one, as Redis's resetClient counts those). */
static void request_done(client *c) {
    c->argc = 0;
    c->argv = NULL;
    c->flags &= ~CLIENT_REPLY_SKIP;
    if (c->flags & CLIENT_REPLY_SKIP_NEXT) c->flags = (c->flags & ~CLIENT_REPLY_SKIP_NEXT) | CLIENT_REPLY_SKIP;
    resp_parser_reset(&c->parser);
}

static void process_input(client *c) {
    while (c->qpos < c->qlen && !(c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP | CLIENT_BLOCKED))) {
        size_t used = 0;
        /* Before AUTH, requests are limited in size as Redis 7.0.15 does. */
        c->parser.unauthenticated = !c->authenticated;
        int r = resp_parse(&c->parser, c->qbuf + c->qpos, c->qlen - c->qpos, &used);
        c->qpos += used;
        if (r == RESP_ERR) {
            reply_errorf(c, "ERR %s", c->parser.err);
            client_close_after_reply(c);
            server_log(LOG_VERBOSE, "Protocol error (%s) from client: id=%llu addr=%s", c->parser.err,
                       (unsigned long long)c->id, c->addr);
            break;
        }
        if (r == RESP_AGAIN) break;
        if (c->parser.argc > 0) {
            c->argc = c->parser.argc;
            c->argv = c->parser.argv;
            command_process(c);
            if (c->flags & CLIENT_BLOCKED) break; /* the request stays until it is served */
        }
        request_done(c);
    }
    /* Drop consumed bytes; keep a partial request at the front. */
    if (c->qpos == c->qlen) {
        c->qpos = c->qlen = 0;
    } else if (c->qpos > 0 && (c->qpos > c->qcap / 2 || c->qcap - c->qlen < PROTO_IOBUF_LEN)) {
        memmove(c->qbuf, c->qbuf + c->qpos, c->qlen - c->qpos);
        c->qlen -= c->qpos;
        c->qpos = 0;
    }
}

void client_resume(client *c) {
    request_done(c);
    process_input(c);
}

static void read_cb(int fd, short what, void *arg) {
    client *c = arg;
    if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) return;
    /* A big bulk arrives faster in big reads; otherwise 16k is plenty. */
    size_t want = PROTO_IOBUF_LEN;
    if (c->parser.bulklen >= PROTO_IOBUF_LEN) {
        size_t remaining = (size_t)c->parser.bulklen + 2;
        size_t have = c->qlen - c->qpos;
        if (remaining > have) want = remaining - have;
        if (want > (1 << 24)) want = 1 << 24;
    }
    if (c->qcap - c->qlen < want) {
        size_t cap = c->qcap ? c->qcap : PROTO_IOBUF_LEN;
        while (cap - c->qlen < want) cap *= 2;
        c->qbuf = realloc(c->qbuf, cap);
        c->qcap = cap;
    }
    ssize_t n = read(fd, c->qbuf + c->qlen, want);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        client_close_asap(c);
        return;
    }
    if (n == 0) {
        client_close_asap(c);
        return;
    }
    c->qlen += (size_t)n;
    server.stat_net_input_bytes += n;
    c->last_ms = util_mstime();
    if ((long long)(c->qlen - c->qpos) > server_config.client_query_buffer_limit) {
        server_log(LOG_WARNING, "Closing client that reached max query buffer length: id=%llu addr=%s",
                   (unsigned long long)c->id, c->addr);
        client_close_asap(c);
        return;
    }
    process_input(c);
}

/* ---------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------ */

static void write_cb(int fd, short what, void *arg) { client_mark_pending(arg); }

/* Write what the socket takes of the output that may leave (below
 * out_safe). Returns 0 when everything that may leave went (or the client is
 * gone: *freed set), 1 when such output remains. */
static int write_some(client *c, int *freed) {
    *freed = 0;
    while (c->osent < c->out_safe) {
        ssize_t n = write(c->fd, c->obuf + c->osent, c->out_safe - c->osent);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return 1;
            client_free(c);
            *freed = 1;
            return 0;
        }
        c->osent += (size_t)n;
        server.stat_net_output_bytes += n;
    }
    if (c->osent == c->olen) {
        /* Everything went, so every mark was released: offsets restart. */
        c->osent = c->olen = c->out_safe = 0;
        c->nmarks = 0;
        if (c->ocap > (1 << 20)) { /* give back a buffer a big reply grew */
            free(c->obuf);
            c->obuf = NULL;
            c->ocap = 0;
        }
    }
    return 0;
}

void net_hold_output(uint64_t ticket) {
    for (client *c = server.pending_writes; c; c = c->pending_next) {
        if (c->olen <= c->out_safe) continue;
        if (ticket == 0) {
            /* Nothing is waiting for a sync any more (its notice may not
             * have been read yet): the older marks are covered too. */
            c->out_safe = c->olen;
            c->nmarks = 0;
            continue;
        }
        if (c->nmarks && c->marks[c->nmarks - 1].ticket == ticket) {
            c->marks[c->nmarks - 1].end = c->olen;
            continue;
        }
        if (c->nmarks == c->capmarks) {
            c->capmarks = c->capmarks ? c->capmarks * 2 : 4;
            c->marks = realloc(c->marks, sizeof(*c->marks) * c->capmarks);
        }
        c->marks[c->nmarks++] = (struct out_mark){c->olen, ticket};
    }
}

void net_release_synced(uint64_t synced) {
    for (client *c = server.clients; c; c = c->next) {
        int done = 0;
        while (done < c->nmarks && c->marks[done].ticket <= synced) done++;
        if (!done) continue;
        if (c->marks[done - 1].end > c->out_safe) c->out_safe = c->marks[done - 1].end;
        memmove(c->marks, c->marks + done, sizeof(*c->marks) * (c->nmarks - done));
        c->nmarks -= done;
        client_mark_pending(c);
    }
}

/* Their replies may acknowledge writes that are not durable: they must
 * never be sent. */
void net_drop_held(void) {
    for (client *c = server.clients; c; c = c->next)
        if (c->nmarks) client_close_asap(c);
}

void net_flush_pending(void) {
    client *c = server.pending_writes;
    server.pending_writes = NULL;
    while (c) {
        client *next = c->pending_next;
        c->flags &= ~CLIENT_PENDING_WRITE;
        c->pending_next = NULL;
        int freed = 0;
        if (c->flags & CLIENT_CLOSE_ASAP) {
            client_free(c);
        } else if (write_some(c, &freed)) {
            event_add(c->wev, NULL);
        } else if (!freed) {
            if ((c->flags & CLIENT_CLOSE_AFTER_REPLY) && c->olen == 0) client_free(c);
        }
        c = next;
    }
}

/* ---------------------------------------------------------------------------
 * Listening
 * ------------------------------------------------------------------------ */

/* Redis 7.0's protected mode: with protected-mode yes and no password on
 * the default user, only loopback clients are served (whatever bind says). */
#define PROTECTED_MODE_DENIED                                                                                   \
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "  \
    "the default user. In this mode connections are only accepted from the loopback interface. If you want to " \
    "connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable "   \
    "protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by "         \
    "connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly "    \
    "accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) "             \
    "Alternatively you can just disable the protected mode by editing the Redis configuration file, and "      \
    "setting the protected mode option to 'no', and then restarting the server. 3) If you started the server " \
    "manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an "              \
    "authentication password for the default user. NOTE: You only need to do one of the above things in "     \
    "order for the server to start accepting connections from the outside.\r\n"

static int protected_mode_denies(int fd) {
    if (!server_config.protected_mode || !acl_default_user_nopass()) return 0;
    struct sockaddr_storage sa;
    socklen_t salen = sizeof(sa);
    if (getpeername(fd, (struct sockaddr *)&sa, &salen) < 0) return 0;
    char host[INET6_ADDRSTRLEN] = "";
    if (sa.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof(host));
    else if (sa.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof(host));
    return strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0;
}

static void accept_common(int fd, int unix_sock) {
    if (server.nclients >= server_config.maxclients) {
        const char *msg = "-ERR max number of clients reached\r\n";
        ssize_t ignored = write(fd, msg, strlen(msg));
        (void)ignored;
        close(fd);
        server.stat_rejected_conn++;
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (!unix_sock) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (server_config.tcp_keepalive > 0) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    }
    if (!unix_sock && protected_mode_denies(fd)) {
        ssize_t ignored = write(fd, PROTECTED_MODE_DENIED, strlen(PROTECTED_MODE_DENIED));
        (void)ignored;
        close(fd);
        server.stat_rejected_conn++;
        return;
    }
    client_create(fd, unix_sock);
    server.stat_numconnections++;
}

static void accept_cb(int lfd, short what, void *arg) {
    int unix_sock = (int)(intptr_t)arg;
    for (int i = 0; i < 1000; i++) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != EWOULDBLOCK)
                server_log(LOG_WARNING, "Accepting client connection: %s", strerror(errno));
            return;
        }
        accept_common(fd, unix_sock);
    }
}

static int add_listener(int fd, int unix_sock) {
    if (server.nlisten >= 16) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    listen_unix_sock[server.nlisten] = unix_sock;
    listen_events[server.nlisten] =
        event_new(server.base, fd, EV_READ | EV_PERSIST, accept_cb, (void *)(intptr_t)unix_sock);
    event_add(listen_events[server.nlisten], NULL);
    server.listen_fds[server.nlisten++] = fd;
    return 0;
}

static int listen_tcp(const char *host, int port) {
    struct addrinfo hints = {0}, *res, *p;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    hints.ai_family = strchr(host, ':') ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rv = getaddrinfo(host, portstr, &hints, &res);
    if (rv != 0) {
        server_log(LOG_WARNING, "Could not resolve bind address %s: %s", host, gai_strerror(rv));
        return -1;
    }
    int fd = -1;
    for (p = res; p; p = p->ai_next) {
        fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (p->ai_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, server_config.tcp_backlog) == 0) break;
        server_log(LOG_WARNING, "Could not create server TCP listening socket %s:%d: %s", host, port,
                   strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    return add_listener(fd, 0);
}

static int listen_unix(const char *path) {
    struct sockaddr_un sa = {0};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        server_log(LOG_WARNING, "unixsocket path too long: %s", path);
        return -1;
    }
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, server_config.tcp_backlog) < 0) {
        server_log(LOG_WARNING, "Could not create server unix socket %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (server_config.unixsocketperm) chmod(path, (mode_t)server_config.unixsocketperm);
    server.unixsocket_path = strdup(path);
    return add_listener(fd, 1);
}

static int listen_all_tcp(void) {
    if (server_config.port > 0) {
        char *binds = strdup(server_config.bind ? server_config.bind : "127.0.0.1");
        char *save = NULL;
        for (char *h = strtok_r(binds, " ", &save); h; h = strtok_r(NULL, " ", &save)) {
            const char *host = h[0] == '-' ? h + 1 : h; /* "-::1": optional address */
            if (listen_tcp(host, server_config.port) < 0 && h[0] != '-') {
                free(binds);
                return -1;
            }
        }
        free(binds);
    }
    return 0;
}

static void close_listener(int i) {
    event_free(listen_events[i]);
    close(server.listen_fds[i]);
}

/* CONFIG SET port/bind: drop the TCP listeners and listen again with the
 * new values. On failure the caller restores the old values and calls this
 * again. */
int net_relisten_tcp(void) {
    int kept = 0;
    for (int i = 0; i < server.nlisten; i++) {
        if (listen_unix_sock[i]) {
            listen_events[kept] = listen_events[i];
            server.listen_fds[kept] = server.listen_fds[i];
            listen_unix_sock[kept] = 1;
            kept++;
        } else {
            close_listener(i);
        }
    }
    server.nlisten = kept;
    return listen_all_tcp();
}

int net_listen(void) {
    if (listen_all_tcp() < 0) return -1;
    if (server_config.unixsocket && server_config.unixsocket[0] && listen_unix(server_config.unixsocket) < 0)
        return -1;
    if (server.nlisten == 0) {
        server_log(LOG_WARNING, "Configured to not listen anywhere, exiting.");
        return -1;
    }
    return 0;
}

void net_close_listeners(void) {
    for (int i = 0; i < server.nlisten; i++) close_listener(i);
    server.nlisten = 0;
    if (server.unixsocket_path) {
        unlink(server.unixsocket_path);
        free(server.unixsocket_path);
        server.unixsocket_path = NULL;
    }
}

/* CLIENT LIST's flags, in Redis 7.0's order, for the states strata has
 * ("N" when none). */
static void client_flags_string(const client *c, char *out) {
    char *p = out;
    if (c->flags & CLIENT_PUBSUB) *p++ = 'P';
    if (c->flags & CLIENT_MULTI) *p++ = 'x';
    if (c->flags & CLIENT_BLOCKED) *p++ = 'b';
    tracking_client_flags(c, &p);
    if (c->flags & CLIENT_DIRTY_CAS) *p++ = 'd';
    if (c->flags & CLIENT_CLOSE_AFTER_REPLY) *p++ = 'c';
    if (c->flags & CLIENT_CLOSE_ASAP) *p++ = 'A';
    if (c->flags & CLIENT_UNIX_SOCKET) *p++ = 'U';
    if (c->flags & CLIENT_NO_EVICT) *p++ = 'e';
    if (p == out) *p++ = 'N';
    *p = 0;
}

/* printf into a malloc'd string of the size it needs (the caller frees). */
static char *format_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format_alloc(const char *fmt, ...) {
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc(n < 0 ? 1 : (size_t)n + 1);
    if (n < 0)
        s[0] = 0;
    else
        vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

/* One CLIENT LIST line, as Redis 7 prints it (fields we do not track are
 * printed with the neutral values Redis uses for an idle client). A client
 * name has no length limit, so neither has the line: it is malloc'd. */
char *client_info_string(client *c) {
    long long now = util_mstime();
    const char *cmd = c->lastcmd_name ? c->lastcmd_name : "NULL";
    long sub, psub, ssub;
    char flags[16];
    pubsub_client_counts(c, &sub, &psub, &ssub);
    client_flags_string(c, flags);
    return format_alloc(
             "id=%llu addr=%s laddr=%s fd=%d name=%s age=%lld idle=%lld flags=%s db=%d sub=%ld psub=%ld "
             "ssub=%ld multi=%ld qbuf=%zu qbuf-free=%zu argv-mem=0 multi-mem=%zu rbs=%zu rbp=0 obl=0 "
             "oll=0 omem=0 tot-mem=%zu events=r cmd=%s user=%s redir=%lld resp=%d",
             (unsigned long long)c->id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
             (now - c->ctime_ms) / 1000, (now - c->last_ms) / 1000, flags,
             c->db, sub, psub, ssub, multi_queued_count(c), c->qlen - c->qpos,
             c->qcap - c->qlen, multi_queued_mem(c), c->qcap, c->qcap + c->ocap + sizeof(*c) + multi_queued_mem(c), cmd, acl_user_name(c->user), tracking_redirect_of(c), c->resp);
}
