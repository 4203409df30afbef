/* resp.c - incremental RESP2 request parser (multibulk and inline).
 *
 * Behaviour follows Redis 7's processMultibulkBuffer() / processInlineBuffer()
 * and sdssplitargs(), so a client sees the same requests accepted and the same
 * "Protocol error: ..." texts. The code is ours; the differences from Redis
 * are only in memory handling: Redis grows its query buffer to a big bulk's
 * claimed size before the bytes arrive, while here the caller owns the input
 * and an argument is allocated only once all its bytes are in it.
 *
 * Redis quirks kept on purpose, because clients can observe them:
 *
 *  - Line ends are found as Redis finds them, with strchr() on a NUL-terminated
 *    query buffer: '\r' for multibulk lines, '\n' for inline ones. A NUL byte
 *    before the terminator hides it, so such a line waits until the pending
 *    bytes pass max_inline_len and then fails as "too big".
 *  - After the '\r' of a "*"/"$" line any byte is taken as the '\n', and after
 *    a bulk's data any two bytes are skipped as its CRLF.
 *  - A multibulk count <= 0 ("*0", "*-1", "*-7") is an empty request.
 *  - The "too big ... string/request" errors fire only when no line end has
 *    been seen and more than max_inline_len bytes are pending, so an over-long
 *    but terminated count line that arrives in one read is "invalid multibulk
 *    length" instead. Which one a client gets depends on how its bytes were
 *    split, exactly as with Redis; valid input never depends on it.
 *  - "expected '$', got 'X'" shows the offending byte, with '\r' and '\n'
 *    shown as a space (Redis's addReplyErrorFormat() maps them).
 */
#include "resp.h"
#include "util.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* req_type values (see resp.h). */
enum {
    REQ_UNKNOWN = 0,
    REQ_MULTIBULK = 1,
    REQ_INLINE = 2,
    REQ_DONE = 3,
    REQ_FAILED = 4
};

/* Redis preallocates argv for at most this many arguments of a multibulk
 * count and grows it as arguments actually arrive. */
#define RESP_ARGV_PREALLOC 1024
/* reset() keeps an argv array this small for the next request. */
#define RESP_ARGV_KEEP 16
/* Redis 7.2 limits for a client that has not authenticated. */
#define RESP_UNAUTH_MAX_ARGS 10
#define RESP_UNAUTH_MAX_BULK 16384

#define ERR_TOO_BIG_INLINE "Protocol error: too big inline request"
#define ERR_TOO_BIG_MBULK "Protocol error: too big mbulk count string"
#define ERR_TOO_BIG_BULK "Protocol error: too big bulk count string"
#define ERR_UNBALANCED "Protocol error: unbalanced quotes in request"
#define ERR_INVALID_MBULK "Protocol error: invalid multibulk length"
#define ERR_UNAUTH_MBULK "Protocol error: unauthenticated multibulk length"
#define ERR_INVALID_BULK "Protocol error: invalid bulk length"
#define ERR_UNAUTH_BULK "Protocol error: unauthenticated bulk length"
#define ERR_OOM "out of memory"

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* isspace() in the C locale, which is what Redis runs its ctype calls in. */
static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
           c == '\r';
}

static int is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
           (c >= 'A' && c <= 'F');
}

static int hex_val(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

static int fail(resp_parser *p, const char *msg) {
    snprintf(p->err, sizeof(p->err), "%s", msg);
    p->req_type = REQ_FAILED;
    return RESP_ERR;
}

/* Free the arguments still owned by the parser; keeps the argv array. */
static void free_args(resp_parser *p) {
    for (int i = 0; i < p->argc; i++) free(p->argv[i].ptr);
    p->argc = 0;
}

/* Make room for at least `cap` arguments. Returns 0 on allocation failure. */
static int argv_reserve(resp_parser *p, int cap) {
    resp_arg *nv;

    if (cap <= p->argv_cap) return 1;
    if ((size_t)cap > SIZE_MAX / sizeof(resp_arg)) return 0;
    nv = realloc(p->argv, (size_t)cap * sizeof(resp_arg));
    if (nv == NULL) return 0;
    p->argv = nv;
    p->argv_cap = cap;
    return 1;
}

/* Append a copy of s[0..len) to argv; argv must have room. */
static int push_arg(resp_parser *p, const char *s, size_t len) {
    char *copy;

    assert(p->argc < p->argv_cap);
    if (len == SIZE_MAX || (copy = malloc(len + 1)) == NULL) return 0;
    if (len) memcpy(copy, s, len);
    copy[len] = '\0';
    p->argv[p->argc].ptr = copy;
    p->argv[p->argc].len = len;
    p->argc++;
    return 1;
}

/* The scan memo describes the line starting at the current position; it is
 * stale as soon as anything is consumed. */
static void advance(resp_parser *p, size_t *pos, size_t n) {
    *pos += n;
    p->scanned = 0;
    p->scan_nul = 0;
}

/* Find the first `term` in line[0..avail) the way strchr() finds it in Redis's
 * NUL-terminated query buffer: a NUL byte ends the search unsuccessfully.
 * Bytes already searched on an earlier call (the caller passes them again)
 * are not searched twice. */
static const char *find_line_end(resp_parser *p, const char *line,
                                 size_t avail, char term) {
    const char *hit, *nul;
    size_t from, end;

    if (p->scanned > avail) { /* caller passed fewer bytes than before */
        p->scanned = 0;
        p->scan_nul = 0;
    }
    if (p->scan_nul) return NULL;
    from = p->scanned;
    if (from == avail) return NULL;
    hit = memchr(line + from, term, avail - from);
    end = hit ? (size_t)(hit - line) : avail;
    nul = end > from ? memchr(line + from, '\0', end - from) : NULL;
    if (nul) {
        p->scanned = (size_t)(nul - line);
        p->scan_nul = 1;
        return NULL;
    }
    p->scanned = end;
    return hit;
}

/* ------------------------------------------------------------------------
 * Multibulk: "*<n>\r\n" then n times "$<len>\r\n<bytes>\r\n"
 * ------------------------------------------------------------------------ */

/* Look for a complete "*"/"$" header line at buf[*pos]. Returns its length
 * without the CRLF in *linelen and 1, or 0 when it is not complete yet
 * (too_big is the error if that already means the line is too long). */
static int header_line(resp_parser *p, const char *buf, size_t len,
                       size_t pos, size_t *linelen, int *rc,
                       const char *too_big) {
    const char *line = buf + pos;
    size_t avail = len - pos;
    const char *cr = find_line_end(p, line, avail, '\r');

    if (cr == NULL) {
        *rc = avail > p->lim.max_inline_len ? fail(p, too_big) : RESP_AGAIN;
        return 0;
    }
    *linelen = (size_t)(cr - line);
    /* One more byte, taken as the '\n' without looking at it. */
    if (*linelen + 2 > avail) {
        *rc = RESP_AGAIN;
        return 0;
    }
    return 1;
}

static int parse_multibulk(resp_parser *p, const char *buf, size_t len,
                           size_t *pos) {
    size_t linelen;
    long long ll;
    int rc;

    if (p->multibulk == 0) {
        /* The request starts here, with '*' (that is how we chose this path). */
        assert(p->argc == 0 && buf[*pos] == '*');
        if (!header_line(p, buf, len, *pos, &linelen, &rc, ERR_TOO_BIG_MBULK))
            return rc;
        if (!util_str2ll(buf + *pos + 1, linelen - 1, &ll) || ll > INT_MAX ||
            ll > p->lim.max_args)
            return fail(p, ERR_INVALID_MBULK);
        if (ll > RESP_UNAUTH_MAX_ARGS && p->unauthenticated)
            return fail(p, ERR_UNAUTH_MBULK);
        advance(p, pos, linelen + 2);
        if (ll <= 0) {
            p->req_type = REQ_DONE;
            return RESP_OK;
        }
        p->multibulk = ll;
        if (!argv_reserve(p, ll < RESP_ARGV_PREALLOC ? (int)ll
                                                     : RESP_ARGV_PREALLOC))
            return fail(p, ERR_OOM);
    }

    while (p->multibulk > 0) {
        size_t avail;

        if (p->bulklen == -1) {
            char got;
            if (!header_line(p, buf, len, *pos, &linelen, &rc, ERR_TOO_BIG_BULK))
                return rc;
            got = buf[*pos];
            if (got != '$') {
                if (got == '\r' || got == '\n') got = ' ';
                snprintf(p->err, sizeof(p->err),
                         "Protocol error: expected '$', got '%c'", got);
                p->req_type = REQ_FAILED;
                return RESP_ERR;
            }
            if (!util_str2ll(buf + *pos + 1, linelen - 1, &ll) || ll < 0 ||
                ll > p->lim.max_bulk_len)
                return fail(p, ERR_INVALID_BULK);
            if (ll > RESP_UNAUTH_MAX_BULK && p->unauthenticated)
                return fail(p, ERR_UNAUTH_BULK);
            advance(p, pos, linelen + 2);
            p->bulklen = ll;
        }

        /* Wait, unconsumed, until the data and its two trailing bytes are
         * all here; only then is anything allocated for it. Written to not
         * overflow when bulklen is near LLONG_MAX. */
        avail = len - *pos;
        if (avail < 2 || (unsigned long long)(avail - 2) <
                             (unsigned long long)p->bulklen)
            return RESP_AGAIN;

        if (p->argc == p->argv_cap) {
            /* Double, but never past what the count still promises: the
             * array grows only with arguments that really arrived. */
            long long want = p->argv_cap < INT_MAX / 2 ? (long long)p->argv_cap * 2
                                                       : INT_MAX;
            if (want < 1) want = 1;
            if (want > p->argc + p->multibulk) want = p->argc + p->multibulk;
            if (!argv_reserve(p, (int)want)) return fail(p, ERR_OOM);
        }
        if (!push_arg(p, buf + *pos, (size_t)p->bulklen)) return fail(p, ERR_OOM);
        advance(p, pos, (size_t)p->bulklen + 2);
        p->bulklen = -1;
        p->multibulk--;
    }
    p->req_type = REQ_DONE;
    return RESP_OK;
}

/* ------------------------------------------------------------------------
 * Inline: one line split like sdssplitargs()
 * ------------------------------------------------------------------------ */

static int push_inline_arg(resp_parser *p, const char *s, size_t len) {
    if (p->argc == p->argv_cap) {
        int want;
        if (p->argv_cap == INT_MAX) return 0;
        want = p->argv_cap < 8 ? 8
               : p->argv_cap < INT_MAX / 2 ? p->argv_cap * 2
                                           : INT_MAX;
        if (!argv_reserve(p, want)) return 0;
    }
    return push_arg(p, s, len);
}

/* Split s[0..n) into argv with sdssplitargs()'s rules: blanks separate
 * arguments; "double quotes" take \n \r \t \b \a \xHH and \<any> escapes;
 * 'single quotes' take only \'; a quote may open in the middle of a word but
 * a closing quote must be followed by a blank or the end. s holds no NUL (the
 * line search stops at one), so "past the end" plays the role of Redis's
 * terminating NUL. */
static int split_inline(resp_parser *p, const char *s, size_t n) {
#define AT(k) ((k) < n ? s[(k)] : '\0')
    char *tok = NULL; /* one scratch buffer: a token never outgrows its line */
    size_t i = 0;

    for (;;) {
        size_t out = 0;
        int inq = 0, insq = 0, done = 0;

        while (i < n && is_space(s[i])) i++;
        if (i >= n) break;
        if (tok == NULL && (tok = malloc(n)) == NULL) goto oom;

        while (!done) {
            char c = AT(i);
            if (inq) {
                if (c == '\\' && AT(i + 1) == 'x' && is_hex(AT(i + 2)) &&
                    is_hex(AT(i + 3))) {
                    tok[out++] = (char)(hex_val(AT(i + 2)) * 16 + hex_val(AT(i + 3)));
                    i += 3;
                } else if (c == '\\' && AT(i + 1) != '\0') {
                    i++;
                    switch (s[i]) {
                    case 'n': c = '\n'; break;
                    case 'r': c = '\r'; break;
                    case 't': c = '\t'; break;
                    case 'b': c = '\b'; break;
                    case 'a': c = '\a'; break;
                    default: c = s[i]; break;
                    }
                    tok[out++] = c;
                } else if (c == '"') {
                    if (AT(i + 1) != '\0' && !is_space(AT(i + 1))) goto unbalanced;
                    done = 1;
                } else if (c == '\0') {
                    goto unbalanced;
                } else {
                    tok[out++] = c;
                }
            } else if (insq) {
                if (c == '\\' && AT(i + 1) == '\'') {
                    i++;
                    tok[out++] = '\'';
                } else if (c == '\'') {
                    if (AT(i + 1) != '\0' && !is_space(AT(i + 1))) goto unbalanced;
                    done = 1;
                } else if (c == '\0') {
                    goto unbalanced;
                } else {
                    tok[out++] = c;
                }
            } else {
                switch (c) {
                case ' ':
                case '\n':
                case '\r':
                case '\t':
                case '\0': done = 1; break;
                case '"': inq = 1; break;
                case '\'': insq = 1; break;
                default: tok[out++] = c; break;
                }
            }
            if (i < n) i++;
        }
        assert(out <= n);
        if (!push_inline_arg(p, tok, out)) goto oom;
    }
    free(tok);
    return RESP_OK;

unbalanced:
    free(tok);
    free_args(p);
    return fail(p, ERR_UNBALANCED);
oom:
    free(tok);
    free_args(p);
    return fail(p, ERR_OOM);
#undef AT
}

static int parse_inline(resp_parser *p, const char *buf, size_t len,
                        size_t *pos) {
    const char *line = buf + *pos;
    size_t avail = len - *pos;
    const char *nl = find_line_end(p, line, avail, '\n');
    size_t linelen, eol = 1;
    int rc;

    if (nl == NULL)
        return avail > p->lim.max_inline_len ? fail(p, ERR_TOO_BIG_INLINE)
                                             : RESP_AGAIN;
    linelen = (size_t)(nl - line);
    if (linelen > 0 && line[linelen - 1] == '\r') {
        linelen--;
        eol++;
    }
    rc = split_inline(p, line, linelen);
    if (rc != RESP_OK) return rc;
    advance(p, pos, linelen + eol);
    p->req_type = REQ_DONE;
    return RESP_OK;
}

/* ------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------ */

void resp_parser_init(resp_parser *p, const resp_limits *lim) {
    memset(p, 0, sizeof(*p));
    if (lim) {
        p->lim = *lim;
    } else {
        p->lim.max_bulk_len = 512LL * 1024 * 1024;
        p->lim.max_args = 1024 * 1024;
        p->lim.max_inline_len = 64 * 1024;
    }
    p->bulklen = -1;
}

int resp_parse(resp_parser *p, const char *buf, size_t len, size_t *consumed) {
    size_t pos = 0;
    int rc;

    *consumed = 0;
    if (p->req_type == REQ_FAILED) return RESP_ERR;
    if (p->req_type == REQ_DONE) resp_parser_reset(p);
    if (p->req_type == REQ_UNKNOWN) {
        if (len == 0) return RESP_AGAIN;
        p->req_type = buf[0] == '*' ? REQ_MULTIBULK : REQ_INLINE;
    }
    if (p->req_type == REQ_MULTIBULK)
        rc = parse_multibulk(p, buf, len, &pos);
    else
        rc = parse_inline(p, buf, len, &pos);
    *consumed = pos;
    return rc;
}

void resp_parser_reset(resp_parser *p) {
    free_args(p);
    if (p->argv_cap > RESP_ARGV_KEEP) {
        free(p->argv);
        p->argv = NULL;
        p->argv_cap = 0;
    }
    p->req_type = REQ_UNKNOWN;
    p->multibulk = 0;
    p->bulklen = -1;
    p->scanned = 0;
    p->scan_nul = 0;
    p->err[0] = '\0';
}

void resp_parser_free(resp_parser *p) {
    free_args(p);
    free(p->argv);
    p->argv = NULL;
    p->argv_cap = 0;
    resp_parser_reset(p);
}
