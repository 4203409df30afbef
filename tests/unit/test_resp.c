/* test_resp.c - unit tests for src/resp.c, the RESP2 request parser.
 *
 * Most tests go through run(), which plays the part of a connection: it
 * appends input in chunks of a chosen size to a query buffer, calls
 * resp_parse() until it wants more, drops the consumed bytes and records
 * every request (or error) in a transcript. Feeding the same input whole, a
 * byte at a time and in random chunks must give the same transcript.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

#define S(lit) lit, sizeof(lit) - 1

static resp_limits default_limits(void) {
    resp_limits lim = {512LL * 1024 * 1024, 1024 * 1024, 64 * 1024};
    return lim;
}

/* ------------------------------------------------------------------------
 * A growable byte buffer for transcripts and inputs
 * ------------------------------------------------------------------------ */

typedef struct dbuf {
    char *p;
    size_t len, cap;
} dbuf;

static void db_add(dbuf *b, const void *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void db_fmt(dbuf *b, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    db_add(b, tmp, (size_t)n);
}

static void db_free(dbuf *b) {
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* Transcript of one request: "[argc]" then "<len>:bytes" per argument. */
static void record_request(dbuf *t, const resp_parser *p) {
    db_fmt(t, "[%d]", p->argc);
    for (int i = 0; i < p->argc; i++) {
        /* The parser promises a NUL after every argument. */
        assert_int_equal(p->argv[i].ptr[p->argv[i].len], '\0');
        db_fmt(t, "%zu:", p->argv[i].len);
        db_add(t, p->argv[i].ptr, p->argv[i].len);
    }
    db_add(t, S("\n"));
}

/* ------------------------------------------------------------------------
 * The simulated connection
 * ------------------------------------------------------------------------ */

/* Feed in[0..len) to a fresh parser. chunk > 0: that many bytes per read;
 * chunk == 0: all at once; chunk < 0: random sizes 1..-chunk (fixed seed).
 * The transcript gets each request, then either "ERR <text>" for an error
 * (which ends the run; how much input had arrived by then depends on the
 * chunking, so nothing more is recorded) or "pending <n>" with the count of
 * bytes left unconsumed at the end.
 *
 * Small pending buffers are passed as an exactly sized heap copy, so ASan
 * catches any read past what was passed; big ones are passed in place to
 * keep byte-by-byte runs over 64k linear. */
static void run_lim(const char *in, size_t len, long chunk, resp_limits lim,
                    dbuf *t) {
    resp_parser p;
    dbuf q = {0};
    size_t off = 0;
    unsigned seed = 12345;
    int failed = 0;

    resp_parser_init(&p, &lim);
    while (!failed && off < len) {
        size_t n;
        if (chunk == 0) {
            n = len;
        } else if (chunk > 0) {
            n = (size_t)chunk;
        } else {
            seed = seed * 1103515245u + 12345u;
            n = 1 + (seed >> 8) % (unsigned long)(-chunk);
        }
        if (n > len - off) n = len - off;
        db_add(&q, in + off, n);
        off += n;

        for (;;) {
            size_t consumed = 12345678;
            int rc;
            if (q.len <= 4096) {
                char *copy = malloc(q.len ? q.len : 1);
                assert_non_null(copy);
                if (q.len) memcpy(copy, q.p, q.len);
                rc = resp_parse(&p, copy, q.len, &consumed);
                free(copy);
            } else {
                rc = resp_parse(&p, q.p, q.len, &consumed);
            }
            assert_true(consumed <= q.len);
            memmove(q.p, q.p + consumed, q.len - consumed);
            q.len -= consumed;
            if (rc == RESP_OK) {
                record_request(t, &p);
                resp_parser_reset(&p);
                continue;
            }
            if (rc == RESP_ERR) {
                db_fmt(t, "ERR %s\n", p.err);
                failed = 1;
                break;
            }
            assert_int_equal(rc, RESP_AGAIN);
            break;
        }
    }
    if (!failed) db_fmt(t, "pending %zu\n", q.len);
    resp_parser_free(&p);
    db_free(&q);
}

static void run(const char *in, size_t len, long chunk, dbuf *t) {
    run_lim(in, len, chunk, default_limits(), t);
}

/* Run in whole, byte by byte and in random chunks; all three transcripts
 * must be `expect`. */
static void check_lim(const char *in, size_t len, resp_limits lim,
                      const char *expect, size_t expect_len) {
    static const long chunks[] = {0, 1, -7, -100};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        dbuf t = {0};
        run_lim(in, len, chunks[i], lim, &t);
        if (t.len != expect_len || memcmp(t.p, expect, expect_len) != 0) {
            print_error("chunk %ld\nexpected:\n%.*s\ngot:\n%.*s\n", chunks[i],
                        (int)expect_len, expect, (int)t.len, t.p);
            db_free(&t);
            fail();
        }
        db_free(&t);
    }
}

static void check(const char *in, size_t len, const char *expect,
                  size_t expect_len) {
    check_lim(in, len, default_limits(), expect, expect_len);
}

/* One error, nothing before it. */
static void check_error(const char *in, size_t len, const char *err) {
    char expect[256];
    dbuf t = {0};
    snprintf(expect, sizeof(expect), "ERR %s\n", err);
    run(in, len, 0, &t);
    assert_string_equal(t.p, expect);
    db_free(&t);
}

/* Parse a whole buffer once with a fresh parser; returns rc and leaves the
 * parser for the caller to inspect and free. */
static int parse_once(resp_parser *p, const char *in, size_t len,
                      size_t *consumed) {
    resp_limits lim = default_limits();
    resp_parser_init(p, &lim);
    return resp_parse(p, in, len, consumed);
}

/* ------------------------------------------------------------------------
 * Multibulk
 * ------------------------------------------------------------------------ */

static void test_simple_multibulk(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;
    const char in[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";

    assert_int_equal(parse_once(&p, S(in), &consumed), RESP_OK);
    assert_int_equal(consumed, sizeof(in) - 1);
    assert_int_equal(p.argc, 3);
    assert_int_equal(p.argv[0].len, 3);
    assert_string_equal(p.argv[0].ptr, "SET");
    assert_string_equal(p.argv[1].ptr, "key");
    assert_int_equal(p.argv[2].len, 5);
    assert_string_equal(p.argv[2].ptr, "value");
    resp_parser_free(&p);
}

static void test_binary_args(void **state) {
    (void)state;
    /* CRLF, NUL, '$' and '*' inside arguments, a high byte, an empty bulk. */
    const char in[] = "*4\r\n$5\r\na\r\nb\0\r\n$0\r\n\r\n$4\r\n\0\0\0\0\r\n"
                      "$6\r\n*1\r\n$\xff\r\n";
    const char expect[] = "[4]5:a\r\nb\0" "0:" "4:\0\0\0\0" "6:*1\r\n$\xff\n"
                          "pending 0\n";
    check(S(in), S(expect));
}

static void test_pipelined(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;
    const char in[] = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING x\r\n*1\r\n$2\r\nab";

    assert_int_equal(parse_once(&p, S(in), &consumed), RESP_OK);
    assert_int_equal(consumed, 14); /* only the first request */
    assert_int_equal(p.argc, 1);
    assert_string_equal(p.argv[0].ptr, "PING");
    resp_parser_reset(&p);

    size_t off = consumed;
    assert_int_equal(resp_parse(&p, in + off, sizeof(in) - 1 - off, &consumed), RESP_OK);
    assert_int_equal(p.argc, 2);
    assert_string_equal(p.argv[1].ptr, "hi");
    off += consumed;
    resp_parser_reset(&p);

    assert_int_equal(resp_parse(&p, in + off, sizeof(in) - 1 - off, &consumed), RESP_OK);
    assert_int_equal(p.argc, 2);
    assert_string_equal(p.argv[0].ptr, "PING");
    assert_string_equal(p.argv[1].ptr, "x");
    off += consumed;
    resp_parser_reset(&p);

    /* A request still arriving: the header lines are consumed, the bulk is
     * not, and the parser says how much the bulk needs. */
    assert_int_equal(resp_parse(&p, in + off, sizeof(in) - 1 - off, &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 8); /* "*1\r\n$2\r\n" */
    assert_int_equal(p.bulklen, 2);
    assert_int_equal(p.argc, 0);
    resp_parser_free(&p);

    const char expect[] = "[1]4:PING\n[2]4:ECHO2:hi\n[2]4:PING1:x\npending 2\n";
    check(S(in), S(expect));
}

static void test_partial_bulk_consumed(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    assert_int_equal(parse_once(&p, S("*2\r\n$3\r\nfoo\r\n$5\r\nhel"), &consumed), RESP_AGAIN);
    /* "*2\r\n", "$3\r\nfoo\r\n" and "$5\r\n" are used; "hel" is left. */
    assert_int_equal(consumed, 17);
    assert_int_equal(p.argc, 1);
    assert_string_equal(p.argv[0].ptr, "foo");
    assert_int_equal(p.bulklen, 5);
    assert_int_equal(p.multibulk, 1);

    /* The data without its CRLF is still not enough. */
    assert_int_equal(resp_parse(&p, S("hello"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    assert_int_equal(resp_parse(&p, S("hello\r"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    assert_int_equal(resp_parse(&p, S("hello\r\n*1"), &consumed), RESP_OK);
    assert_int_equal(consumed, 7);
    assert_int_equal(p.argc, 2);
    assert_string_equal(p.argv[1].ptr, "hello");
    resp_parser_free(&p);
}

static void test_count_line_waits_for_lf(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    /* "*1\r" without the byte after '\r': nothing is consumed yet. */
    assert_int_equal(parse_once(&p, S("*1\r"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    assert_int_equal(resp_parse(&p, S("*1\r\n$1\r"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 4);
    assert_int_equal(p.bulklen, -1);
    resp_parser_free(&p);
}

static void test_crlf_not_checked(void **state) {
    (void)state;
    /* Like Redis, the byte after a header's '\r' and the two bytes after a
     * bulk's data are skipped without being looked at. */
    const char in[] = "*2\rX$3\r?fooAB$1\r\nz!!*1\r\n$4\r\nPING\r\n";
    const char expect[] = "[2]3:foo1:z\n[1]4:PING\npending 0\n";
    check(S(in), S(expect));
}

static void test_empty_requests(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    assert_int_equal(parse_once(&p, S("*0\r\n*1"), &consumed), RESP_OK);
    assert_int_equal(p.argc, 0);
    assert_int_equal(consumed, 4);
    resp_parser_free(&p);

    assert_int_equal(parse_once(&p, S("*-1\r\n"), &consumed), RESP_OK);
    assert_int_equal(p.argc, 0);
    assert_int_equal(consumed, 5);
    resp_parser_free(&p);

    assert_int_equal(parse_once(&p, S("\r\n"), &consumed), RESP_OK);
    assert_int_equal(p.argc, 0);
    assert_int_equal(consumed, 2);
    resp_parser_free(&p);

    assert_int_equal(parse_once(&p, S("\nPING\n"), &consumed), RESP_OK);
    assert_int_equal(p.argc, 0);
    assert_int_equal(consumed, 1);
    resp_parser_free(&p);

    /* Any count <= 0 is an empty request in Redis; blanks-only lines too. */
    const char in[] = "*0\r\n*-1\r\n*-7\r\n\r\n\n \t \r\n*1\r\n$1\r\nx\r\n";
    const char expect[] = "[0]\n[0]\n[0]\n[0]\n[0]\n[0]\n[1]1:x\npending 0\n";
    check(S(in), S(expect));
}

static void test_many_args(void **state) {
    (void)state;
    /* More than the 1024 preallocated argument slots. */
    enum { N = 3000 };
    dbuf in = {0}, expect = {0};
    db_fmt(&in, "*%d\r\n", N);
    db_fmt(&expect, "[%d]", N);
    for (int i = 0; i < N; i++) {
        char arg[16];
        int n = snprintf(arg, sizeof(arg), "a%d", i);
        db_fmt(&in, "$%d\r\n%s\r\n", n, arg);
        db_fmt(&expect, "%d:%s", n, arg);
    }
    db_fmt(&expect, "\npending 0\n");
    check(in.p, in.len, expect.p, expect.len);
    db_free(&in);
    db_free(&expect);
}

static void test_large_bulk(void **state) {
    (void)state;
    enum { N = 300 * 1000 };
    dbuf in = {0}, expect = {0};
    char *big = malloc(N);
    assert_non_null(big);
    for (int i = 0; i < N; i++) big[i] = (char)(i * 7);
    db_fmt(&in, "*2\r\n$3\r\nSET\r\n$%d\r\n", N);
    db_add(&in, big, N);
    db_add(&in, S("\r\n"));
    db_fmt(&expect, "[2]3:SET%d:", N);
    db_add(&expect, big, N);
    db_fmt(&expect, "\npending 0\n");
    static const long chunks[] = {0, 1000, 4096, 65536, -100000};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        dbuf t = {0};
        run(in.p, in.len, chunks[i], &t);
        assert_int_equal(t.len, expect.len);
        assert_memory_equal(t.p, expect.p, expect.len);
        db_free(&t);
    }
    free(big);
    db_free(&in);
    db_free(&expect);
}

/* ------------------------------------------------------------------------
 * Malformed multibulk
 * ------------------------------------------------------------------------ */

static void test_invalid_multibulk_length(void **state) {
    (void)state;
    static const char *bad[] = {
        "*abc\r\n", "*\r\n",    "*+1\r\n", "* 1\r\n",  "*1 \r\n",
        "*01\r\n",  "*-0\r\n",  "*-\r\n",  "*1x\r\n",  "*2000000\r\n",
        "*1048577\r\n", "*99999999999999999999\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_error(bad[i], strlen(bad[i]), "Protocol error: invalid multibulk length");
}

static void test_expected_dollar(void **state) {
    (void)state;
    check_error(S("*1\r\nfoo\r\n"), "Protocol error: expected '$', got 'f'");
    check_error(S("*2\r\n$1\r\na\r\n*1\r\n"), "Protocol error: expected '$', got '*'");
    check_error(S("*1\r\n:1\r\n"), "Protocol error: expected '$', got ':'");
    /* Redis's error formatter turns CR and LF into spaces. */
    check_error(S("*1\r\n\r\n"), "Protocol error: expected '$', got ' '");
    check_error(S("*1\r\n\n\r\n"), "Protocol error: expected '$', got ' '");
    /* Seen only once the line's '\r' is there. */
    dbuf t = {0};
    run(S("*1\r\nfoo"), 0, &t);
    assert_string_equal(t.p, "pending 3\n");
    db_free(&t);
}

static void test_invalid_bulk_length(void **state) {
    (void)state;
    static const char *bad[] = {
        "*1\r\n$-1\r\n",  "*1\r\n$abc\r\n", "*1\r\n$\r\n",   "*1\r\n$+3\r\n",
        "*1\r\n$ 3\r\n",  "*1\r\n$3 \r\n",  "*1\r\n$03\r\n",  "*1\r\n$-0\r\n",
        "*1\r\n$99999999999\r\n", "*1\r\n$9223372036854775808\r\n",
        "*1\r\n$536870913\r\n", /* one over 512mb */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        check_error(bad[i], strlen(bad[i]), "Protocol error: invalid bulk length");

    /* Exactly 512mb is accepted (and waited for). */
    dbuf t = {0};
    run(S("*1\r\n$536870912\r\n"), 0, &t);
    assert_string_equal(t.p, "pending 0\n");
    db_free(&t);
}

static void test_max_bulk_len(void **state) {
    (void)state;
    resp_limits lim = default_limits();
    lim.max_bulk_len = 10;
    const char ok[] = "*1\r\n$10\r\n0123456789\r\n";
    const char ok_expect[] = "[1]10:0123456789\npending 0\n";
    check_lim(S(ok), lim, S(ok_expect));
    const char bad[] = "*2\r\n$1\r\na\r\n$11\r\n01234567890\r\n";
    const char bad_expect[] = "ERR Protocol error: invalid bulk length\n";
    check_lim(S(bad), lim, S(bad_expect));
}

static void test_too_big_count_strings(void **state) {
    (void)state;
    const size_t max = 64 * 1024;
    dbuf in = {0};

    /* Exactly max_inline_len pending without '\r': still waiting. */
    db_add(&in, "*", 1);
    while (in.len < max) db_add(&in, "1", 1);
    dbuf t = {0};
    run(in.p, in.len, 0, &t);
    assert_string_equal(t.p, "pending 65536\n");
    db_free(&t);
    /* One more byte and it is too big, however the bytes arrived. */
    db_add(&in, "1", 1);
    const char e1[] = "ERR Protocol error: too big mbulk count string\n";
    check(in.p, in.len, S(e1));
    db_free(&in);

    db_add(&in, S("*1\r\n$"));
    while (in.len < 4 + max + 1) db_add(&in, "9", 1);
    const char e2[] = "ERR Protocol error: too big bulk count string\n";
    check(in.p, in.len, S(e2));
    db_free(&in);

    /* Pipelined bytes after an unterminated line count as pending, as in
     * Redis: a NUL hides the '\r' that follows it. */
    db_add(&in, S("*1\0\r\n"));
    t = (dbuf){0};
    run(in.p, in.len, 0, &t);
    assert_string_equal(t.p, "pending 5\n");
    db_free(&t);
    while (in.len <= max) db_add(&in, "x", 1);
    const char e3[] = "ERR Protocol error: too big mbulk count string\n";
    check(in.p, in.len, S(e3));
    db_free(&in);
}

static void test_huge_counts_do_not_allocate(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;
    resp_limits lim = default_limits();

    check_error(S("*2000000\r\n"), "Protocol error: invalid multibulk length");
    check_error(S("*1\r\n$99999999999\r\n"), "Protocol error: invalid bulk length");

    /* With the limits lifted, a count of INT_MAX reserves only 1024 slots and
     * grows with arguments that really arrive. */
    lim.max_args = LLONG_MAX;
    resp_parser_init(&p, &lim);
    assert_int_equal(resp_parse(&p, S("*2147483647\r\n$1\r\na\r\n$1\r\n"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 24);
    assert_int_equal(p.argc, 1);
    assert_true(p.argv_cap <= 1024);
    assert_int_equal(p.multibulk, 2147483646LL);
    resp_parser_free(&p);
    /* Past INT_MAX is invalid whatever max_args says (Redis's own limit). */
    resp_parser_init(&p, &lim);
    assert_int_equal(resp_parse(&p, S("*2147483648\r\n"), &consumed), RESP_ERR);
    assert_string_equal(p.err, "Protocol error: invalid multibulk length");
    resp_parser_free(&p);

    /* A bulk claiming ~2^63 bytes: accepted as a header, nothing allocated
     * for it (such a malloc would fail or abort under ASan), no overflow in
     * bulklen + 2. */
    lim = default_limits();
    lim.max_bulk_len = LLONG_MAX;
    resp_parser_init(&p, &lim);
    assert_int_equal(resp_parse(&p, S("*1\r\n$9223372036854775807\r\nabc"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 26);
    assert_int_equal(p.argc, 0);
    assert_int_equal(p.bulklen, LLONG_MAX);
    assert_int_equal(resp_parse(&p, S("abcdef"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    resp_parser_free(&p);
}

static void test_unauthenticated_limits(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;
    resp_limits lim = default_limits();

    resp_parser_init(&p, &lim);
    p.unauthenticated = 1;
    assert_int_equal(resp_parse(&p, S("*11\r\n"), &consumed), RESP_ERR);
    assert_string_equal(p.err, "Protocol error: unauthenticated multibulk length");
    resp_parser_free(&p);

    resp_parser_init(&p, &lim);
    p.unauthenticated = 1;
    assert_int_equal(resp_parse(&p, S("*abc\r\n"), &consumed), RESP_ERR);
    assert_string_equal(p.err, "Protocol error: invalid multibulk length");
    resp_parser_free(&p);

    resp_parser_init(&p, &lim);
    p.unauthenticated = 1;
    assert_int_equal(resp_parse(&p, S("*10\r\n$16384\r\n"), &consumed), RESP_AGAIN);
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, S("*1\r\n$16385\r\n"), &consumed), RESP_ERR);
    assert_string_equal(p.err, "Protocol error: unauthenticated bulk length");
    resp_parser_free(&p);
}

/* ------------------------------------------------------------------------
 * Inline
 * ------------------------------------------------------------------------ */

typedef struct inline_case {
    const char *line; /* without its newline */
    int argc;         /* -1: unbalanced quotes */
    const char *argv[4];
    size_t lens[4]; /* 0: strlen */
} inline_case;

static void test_inline_quoting(void **state) {
    (void)state;
    static const inline_case cases[] = {
        {"SET key value", 3, {"SET", "key", "value"}, {0}},
        {"  set \t key\tvalue  ", 3, {"set", "key", "value"}, {0}},
        {"SET k \"hello world\"", 3, {"SET", "k", "hello world"}, {0}},
        {"\"\\x41\\x4a\\n\\r\\t\\b\\a\\\\\\\"\\q\"", 1, {"AJ\n\r\t\b\a\\\"q"}, {0}},
        {"\"\\x00z\"", 1, {"\0z"}, {2}},
        {"\"\\xZZ\\x4\"", 1, {"xZZx4"}, {0}},
        {"'it\\'s' 'a\\nb' '\"'", 3, {"it's", "a\\nb", "\""}, {0}},
        {"\"\" '' x", 3, {"", "", "x"}, {0}},
        {"a\"b c\"", 1, {"ab c"}, {0}},  /* a quote may open mid-word */
        {"a'b c'", 1, {"ab c"}, {0}},
        {"\"a\"\tb", 2, {"a", "b"}, {0}},
        {"\"a\"\v", 1, {"a"}, {0}},       /* \v counts as a blank after a quote */
        {"\va\fb\v", 1, {"a\fb\v"}, {0}}, /* but ends a word only as " \t\r\n" do */
        {"a\rb", 2, {"a", "b"}, {0}},
        {"\xc3\xa9t\xc3\xa9", 1, {"\xc3\xa9t\xc3\xa9"}, {0}},
        {"\"abc", -1, {0}, {0}},
        {"'abc", -1, {0}, {0}},
        {"\"a\"b", -1, {0}, {0}},
        {"'a'b", -1, {0}, {0}},
        {"SET \"a\\\"", -1, {0}, {0}},
        {"x \"\\", -1, {0}, {0}},
    };

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const inline_case *ic = &cases[c];
        for (int crlf = 0; crlf < 2; crlf++) {
            dbuf in = {0}, expect = {0};
            db_add(&in, ic->line, strlen(ic->line));
            db_add(&in, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
            if (ic->argc < 0) {
                db_fmt(&expect, "ERR Protocol error: unbalanced quotes in request\n");
            } else {
                db_fmt(&expect, "[%d]", ic->argc);
                for (int i = 0; i < ic->argc; i++) {
                    size_t n = ic->lens[i] ? ic->lens[i] : strlen(ic->argv[i]);
                    db_fmt(&expect, "%zu:", n);
                    db_add(&expect, ic->argv[i], n);
                }
                db_fmt(&expect, "\npending 0\n");
            }
            check(in.p, in.len, expect.p, expect.len);
            db_free(&in);
            db_free(&expect);
        }
    }
}

static void test_inline_waits_for_newline(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    assert_int_equal(parse_once(&p, S("PING\r"), &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    assert_int_equal(resp_parse(&p, S("PING\r\nPI"), &consumed), RESP_OK);
    assert_int_equal(consumed, 6);
    assert_int_equal(p.argc, 1);
    assert_string_equal(p.argv[0].ptr, "PING");
    resp_parser_free(&p);
}

static void test_too_big_inline(void **state) {
    (void)state;
    const size_t max = 64 * 1024;
    dbuf in = {0}, t = {0};

    while (in.len < max) db_add(&in, "A", 1);
    run(in.p, in.len, 0, &t);
    assert_string_equal(t.p, "pending 65536\n");
    db_free(&t);

    db_add(&in, "A", 1);
    const char e[] = "ERR Protocol error: too big inline request\n";
    check(in.p, in.len, S(e));

    /* A longer line whose newline arrives in the same read is accepted, as
     * in Redis (the limit applies only while no newline is seen). */
    db_add(&in, "\n", 1);
    t = (dbuf){0};
    run(in.p, in.len, 0, &t);
    assert_int_equal(t.len, strlen("[1]65537:") + 65537 + strlen("\npending 0\n"));
    db_free(&t);
    db_free(&in);

    /* A NUL hides the newline after it (Redis searches with strchr), so the
     * line waits until it is too big. */
    db_add(&in, S("PI\0NG\r\n"));
    run(in.p, in.len, 0, &t);
    assert_string_equal(t.p, "pending 7\n");
    db_free(&t);
    while (in.len <= max) db_add(&in, "x", 1);
    check(in.p, in.len, S(e));
    db_free(&in);
}

/* ------------------------------------------------------------------------
 * Streams, byte by byte
 * ------------------------------------------------------------------------ */

static void test_byte_at_a_time_stream(void **state) {
    (void)state;
    const char in[] =
        "*3\r\n$3\r\nSET\r\n$5\r\nk\r\n\0y\r\n$10\r\n0123456789\r\n"
        "PING\r\n"
        "*0\r\n"
        "\r\n"
        "set \"a b\" 'c\\'d' \"\\x00\\n\"\n"
        "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
        "*1\r\n$4\r\nQUIT\r\n"
        "*2\r\n$3\r\nGET\r\n$5\r\npart";
    const char expect[] = "[3]3:SET5:k\r\n\0y10:0123456789\n"
                          "[1]4:PING\n"
                          "[0]\n"
                          "[0]\n"
                          "[4]3:set3:a b3:c'd2:\0\n\n"
                          "[2]4:ECHO0:\n"
                          "[1]4:QUIT\n"
                          "pending 4\n";
    check(S(in), S(expect));

    /* The same stream with exact argv checks on the byte-at-a-time run. */
    dbuf t = {0};
    run(S(in), 1, &t);
    assert_int_equal(t.len, sizeof(expect) - 1);
    assert_memory_equal(t.p, expect, sizeof(expect) - 1);
    db_free(&t);
}

static void test_byte_at_a_time_errors(void **state) {
    (void)state;
    /* Requests before the bad one still come out; the error is the same
     * whatever the chunking. */
    const char in1[] = "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n";
    const char ex1[] = "[1]4:PING\n[1]4:PING\nERR Protocol error: invalid bulk length\n";
    check(S(in1), S(ex1));
    const char in2[] = "*1\r\n$1\r\na\r\n*1\r\n#1\r\n";
    const char ex2[] = "[1]1:a\nERR Protocol error: expected '$', got '#'\n";
    check(S(in2), S(ex2));
    const char in3[] = "ECHO \"x\"y\r\n";
    const char ex3[] = "ERR Protocol error: unbalanced quotes in request\n";
    check(S(in3), S(ex3));
    const char in4[] = "*1\r\n*1\r\n";
    const char ex4[] = "ERR Protocol error: expected '$', got '*'\n";
    check(S(in4), S(ex4));
    const char in5[] = "*3000000\r\n";
    const char ex5[] = "ERR Protocol error: invalid multibulk length\n";
    check(S(in5), S(ex5));
}

/* ------------------------------------------------------------------------
 * API contract
 * ------------------------------------------------------------------------ */

static void test_take_ownership(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    assert_int_equal(parse_once(&p, S("*2\r\n$3\r\nSET\r\n$3\r\nval\r\n"), &consumed), RESP_OK);
    char *mine = p.argv[1].ptr;
    p.argv[1].ptr = NULL;
    resp_parser_reset(&p);
    assert_string_equal(mine, "val"); /* still ours, not freed by reset */
    free(mine);
    resp_parser_free(&p);
}

static void test_auto_reset_and_sticky_error(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;

    assert_int_equal(parse_once(&p, S("A\nB C\n"), &consumed), RESP_OK);
    assert_int_equal(consumed, 2);
    /* Called again without reset: the old request is dropped first. */
    assert_int_equal(resp_parse(&p, S("B C\n"), &consumed), RESP_OK);
    assert_int_equal(p.argc, 2);
    assert_string_equal(p.argv[0].ptr, "B");

    assert_int_equal(resp_parse(&p, S("*x\r\n"), &consumed), RESP_ERR);
    assert_int_equal(resp_parse(&p, S("PING\r\n"), &consumed), RESP_ERR);
    assert_int_equal(consumed, 0);
    assert_string_equal(p.err, "Protocol error: invalid multibulk length");
    resp_parser_reset(&p);
    assert_int_equal(resp_parse(&p, S("PING\r\n"), &consumed), RESP_OK);
    resp_parser_free(&p);

    /* Nothing to parse. */
    resp_parser_init(&p, NULL);
    assert_int_equal(resp_parse(&p, NULL, 0, &consumed), RESP_AGAIN);
    assert_int_equal(consumed, 0);
    assert_int_equal(p.lim.max_inline_len, 64 * 1024);
    resp_parser_free(&p);
}

static void test_error_mid_request_frees(void **state) {
    (void)state;
    resp_parser p;
    size_t consumed;
    /* Two arguments already copied when the third header is bad: free must
     * release them (checked by ASan/valgrind leak detection). */
    assert_int_equal(parse_once(&p, S("*3\r\n$1\r\na\r\n$1\r\nb\r\n$z\r\n"), &consumed),
                     RESP_ERR);
    assert_int_equal(consumed, 18);
    resp_parser_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_multibulk),
        cmocka_unit_test(test_binary_args),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_partial_bulk_consumed),
        cmocka_unit_test(test_count_line_waits_for_lf),
        cmocka_unit_test(test_crlf_not_checked),
        cmocka_unit_test(test_empty_requests),
        cmocka_unit_test(test_many_args),
        cmocka_unit_test(test_large_bulk),
        cmocka_unit_test(test_invalid_multibulk_length),
        cmocka_unit_test(test_expected_dollar),
        cmocka_unit_test(test_invalid_bulk_length),
        cmocka_unit_test(test_max_bulk_len),
        cmocka_unit_test(test_too_big_count_strings),
        cmocka_unit_test(test_huge_counts_do_not_allocate),
        cmocka_unit_test(test_unauthenticated_limits),
        cmocka_unit_test(test_inline_quoting),
        cmocka_unit_test(test_inline_waits_for_newline),
        cmocka_unit_test(test_too_big_inline),
        cmocka_unit_test(test_byte_at_a_time_stream),
        cmocka_unit_test(test_byte_at_a_time_errors),
        cmocka_unit_test(test_take_ownership),
        cmocka_unit_test(test_auto_reset_and_sticky_error),
        cmocka_unit_test(test_error_mid_request_frees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
