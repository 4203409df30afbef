/* reply.c - building RESP replies in a client's output buffer, and the
 * shared error strings.
 *
 * Replies are only appended here; they reach the socket at the end of the
 * event-loop turn, after the turn's writes are committed (networking.c).
 *
 * Every helper speaks the client's protocol (c->resp, set by HELLO): under
 * RESP3 the typed forms (null "_", map "%", set "~", double ",", boolean
 * "#", verbatim "=", push ">"), under RESP2 the forms Redis 7.0 falls back
 * to (null bulk or null array, flat arrays, bulk strings, integers). So a
 * command picks the helper that says what its reply *is* and never looks at
 * c->resp itself.
 *
 * CLIENT REPLY OFF/SKIP: reply_raw() drops everything while the client has
 * asked for silence, as Redis's prepareClientToWrite does, except pub/sub
 * pushes (CLIENT_PUSHING), which Redis 7.0 still delivers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "util.h"

const char *ERR_WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
const char *ERR_SYNTAX = "ERR syntax error";
const char *ERR_NOT_INTEGER = "ERR value is not an integer or out of range";
const char *ERR_NOT_FLOAT = "ERR value is not a valid float";
const char *ERR_OVERFLOW = "ERR increment or decrement would overflow";
const char *ERR_NO_SUCH_KEY = "ERR no such key";
const char *ERR_DB_INDEX = "ERR DB index is out of range";
const char *ERR_SAME_OBJECT = "ERR source and destination objects are the same";

void reply_raw(client *c, const char *s, size_t len) {
    if (c->flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) return;
    if ((c->flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP)) && !(c->flags & CLIENT_PUSHING)) return;
    if (c->olen + len > c->ocap) {
        size_t cap = c->ocap ? c->ocap : 1024;
        while (cap < c->olen + len) cap *= 2;
        c->obuf = realloc(c->obuf, cap);
        c->ocap = cap;
    }
    memcpy(c->obuf + c->olen, s, len);
    c->olen += len;
    client_mark_pending(c);
    client_check_output_limit(c);
}

void reply_str(client *c, const char *s) { reply_raw(c, s, strlen(s)); }

/* "<prefix><n>\r\n" */
static void reply_prefixed_ll(client *c, char prefix, long long n) {
    char buf[32];
    buf[0] = prefix;
    size_t len = 1 + util_ll2str(buf + 1, sizeof(buf) - 1, n);
    buf[len++] = '\r';
    buf[len++] = '\n';
    reply_raw(c, buf, len);
}

void reply_status(client *c, const char *s) {
    reply_raw(c, "+", 1);
    reply_str(c, s);
    reply_raw(c, "\r\n", 2);
}

/* Newlines inside an error would break the protocol: Redis replaces them. */
void reply_error(client *c, const char *s) {
    size_t len = strlen(s);
    reply_raw(c, "-", 1);
    if (memchr(s, '\r', len) || memchr(s, '\n', len)) {
        char *copy = strdup(s);
        for (char *p = copy; *p; p++)
            if (*p == '\r' || *p == '\n') *p = ' ';
        reply_raw(c, copy, len);
        free(copy);
    } else {
        reply_raw(c, s, len);
    }
    reply_raw(c, "\r\n", 2);
}

void reply_errorf(client *c, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    reply_error(c, buf);
}

void reply_ok(client *c) { reply_raw(c, "+OK\r\n", 5); }

void reply_null(client *c) {
    if (c->resp >= 3)
        reply_raw(c, "_\r\n", 3);
    else
        reply_raw(c, "$-1\r\n", 5);
}

void reply_null_array(client *c) {
    if (c->resp >= 3)
        reply_raw(c, "_\r\n", 3);
    else
        reply_raw(c, "*-1\r\n", 5);
}

void reply_longlong(client *c, long long v) {
    if (v == 0) {
        reply_raw(c, ":0\r\n", 4);
    } else if (v == 1) {
        reply_raw(c, ":1\r\n", 4);
    } else {
        reply_prefixed_ll(c, ':', v);
    }
}

void reply_bulk(client *c, const char *s, size_t len) {
    reply_prefixed_ll(c, '$', (long long)len);
    reply_raw(c, s, len);
    reply_raw(c, "\r\n", 2);
}

void reply_bulk_cstr(client *c, const char *s) {
    if (!s)
        reply_null(c);
    else
        reply_bulk(c, s, strlen(s));
}

void reply_bulk_longlong(client *c, long long v) {
    char buf[32];
    size_t len = util_ll2str(buf, sizeof(buf), v);
    reply_bulk(c, buf, len);
}

void reply_array_len(client *c, long n) { reply_prefixed_ll(c, '*', n); }

void reply_map_len(client *c, long n) {
    if (c->resp >= 3)
        reply_prefixed_ll(c, '%', n);
    else
        reply_prefixed_ll(c, '*', 2 * n);
}

void reply_set_len(client *c, long n) { reply_prefixed_ll(c, c->resp >= 3 ? '~' : '*', n); }

void reply_push_len(client *c, long n) { reply_prefixed_ll(c, c->resp >= 3 ? '>' : '*', n); }

/* RESP2 has no boolean: Redis answers :1 / :0. */
void reply_bool(client *c, int b) {
    if (c->resp >= 3)
        reply_raw(c, b ? "#t\r\n" : "#f\r\n", 4);
    else
        reply_raw(c, b ? ":1\r\n" : ":0\r\n", 4);
}

/* Redis 7.0's addReplyDouble: "%.17g", with inf/-inf spelled out (also
 * as ",inf" in RESP3); util_d2str does both. */
void reply_double(client *c, double d) {
    char buf[128];
    size_t len = util_d2str(buf, sizeof(buf), d);
    if (c->resp >= 3) {
        reply_raw(c, ",", 1);
        reply_raw(c, buf, len);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk(c, buf, len);
    }
}

void reply_verbatim(client *c, const char *s, size_t len) {
    if (c->resp >= 3) {
        reply_prefixed_ll(c, '=', (long long)len + 4);
        reply_raw(c, "txt:", 4);
        reply_raw(c, s, len);
        reply_raw(c, "\r\n", 2);
    } else {
        reply_bulk(c, s, len);
    }
}

/* The reply to HSCAN/SSCAN/ZSCAN of a missing key: cursor 0, no elements. */
void reply_empty_scan(client *c) { reply_raw(c, "*2\r\n$1\r\n0\r\n*0\r\n", 15); }

void reply_error_arity(client *c) {
    char name[128];
    size_t n = c->argv[0].len < sizeof(name) - 1 ? c->argv[0].len : sizeof(name) - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = c->argv[0].ptr[i];
        name[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    name[n] = 0;
    reply_errorf(c, "ERR wrong number of arguments for '%s' command", name);
}

void reply_store_error(client *c) { reply_errorf(c, "ERR storage error: %s", tier_last_error()); }
