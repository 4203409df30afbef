/* test_blocking.c - unit tests for src/blocking.c: the timeout argument
 * (Redis 7.0.15's rounding and errors), a blocking command that may not
 * block (inside EXEC), and the bookkeeping of waiters and ready keys when
 * clients leave. Serving waiters needs the store and the event loop: the
 * integration tests (tests/integration/test_blocking.py) cover it.
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

#include "server.h"

/* A client with argv set as the parser would leave it. Free with
 * free_client(). */
static client *make_client(int argc, const char **argv) {
    client *c = calloc(1, sizeof(*c));
    c->resp = 2;
    c->argc = argc;
    c->argv = calloc((size_t)argc, sizeof(resp_arg));
    for (int i = 0; i < argc; i++) {
        c->argv[i].len = strlen(argv[i]);
        c->argv[i].ptr = strdup(argv[i]);
    }
    return c;
}

static void free_client(client *c) {
    block_client_free(c);
    /* reply_raw queued it for writing */
    for (client **pp = &server.pending_writes; *pp; pp = &(*pp)->pending_next) {
        if (*pp == c) {
            *pp = c->pending_next;
            break;
        }
    }
    for (int i = 0; i < c->argc; i++) free(c->argv[i].ptr);
    free(c->argv);
    free(c->obuf);
    free(c);
}

static const char *output(client *c) {
    static char buf[256];
    size_t n = c->olen < sizeof(buf) - 1 ? c->olen : sizeof(buf) - 1;
    memcpy(buf, c->obuf ? c->obuf : "", n);
    buf[n] = 0;
    return buf;
}

/* block_parse_timeout on one value: the milliseconds, or -1 with the error
 * reply in *err (static). */
static long long timeout_of(const char *arg, const char **err) {
    const char *argv[] = {"blpop", "k", arg};
    client *c = make_client(3, argv);
    long long ms = -2;
    int rc = block_parse_timeout(c, 2, &ms);
    static char e[256];
    snprintf(e, sizeof(e), "%s", output(c));
    *err = e;
    free_client(c);
    return rc == 0 ? ms : -1;
}

static void test_timeout_parsing(void **state) {
    (void)state;
    const char *err;
    static const struct {
        const char *in;
        long long ms;
    } ok[] = {
        {"0", 0},          {"1", 1000},       {"0.5", 500},      {"1.5", 1500},
        {"0.0001", 1},     /* rounded up: a tiny timeout is not "forever" */
        {"-0.0001", 0},    /* rounds to -0: forever */
        {"-0", 0},         {"+2", 2000},      {"0x10", 16000},   {"1e3", 1000000},
        {"1e-400", 1},     /* a long double still holds it */
        {"1e15", 1000000000000000000LL},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        long long ms = timeout_of(ok[i].in, &err);
        if (ms != ok[i].ms) fail_msg("timeout %s: %lld, expected %lld (%s)", ok[i].in, ms, ok[i].ms, err);
        assert_string_equal(err, "");
    }
    static const struct {
        const char *in, *err;
    } bad[] = {
        {"abc", "-ERR timeout is not a float or out of range\r\n"},
        {"", "-ERR timeout is not a float or out of range\r\n"},
        {" 1", "-ERR timeout is not a float or out of range\r\n"},
        {"1 ", "-ERR timeout is not a float or out of range\r\n"},
        {"nan", "-ERR timeout is not a float or out of range\r\n"},
        {"-1", "-ERR timeout is negative\r\n"},
        {"-0.5", "-ERR timeout is negative\r\n"},
        /* milliseconds past the long long range: what x86 converts them to */
        {"inf", "-ERR timeout is negative\r\n"},
        {"-inf", "-ERR timeout is negative\r\n"},
        {"1e16", "-ERR timeout is negative\r\n"},
        {"9223372036854775807", "-ERR timeout is negative\r\n"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long long ms = timeout_of(bad[i].in, &err);
        if (ms != -1) fail_msg("timeout %s: %lld, expected an error", bad[i].in, ms);
        assert_string_equal(err, bad[i].err);
    }
}

static void test_deny_blocking_answers_at_once(void **state) {
    (void)state;
    const char *argv[] = {"blpop", "k", "0"};
    static const struct {
        int resp, how;
        const char *out;
    } cases[] = {
        {2, BLOCK_REPLY_NULL_ARRAY, "*-1\r\n"},
        {2, BLOCK_REPLY_NULL_BULK, "$-1\r\n"},
        {3, BLOCK_REPLY_NULL_ARRAY, "_\r\n"},
        {3, BLOCK_REPLY_NULL_BULK, "_\r\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        client *c = make_client(3, argv);
        c->resp = cases[i].resp;
        c->flags |= CLIENT_DENY_BLOCKING;
        block_for_key_range(c, 1, 1, OBJ_LIST, 0, cases[i].how);
        assert_string_equal(output(c), cases[i].out);
        assert_false(c->flags & CLIENT_BLOCKED);
        assert_null(c->bstate);
        assert_int_equal(block_blocked_count(), 0);
        free_client(c);
    }
}

/* Waiters come and go; a key marked ready whose waiters left is dropped
 * when the ready list is run (under ASan: nothing leaks or dangles). */
static void test_waiters_leave_cleanly(void **state) {
    (void)state;
    const char *argv[] = {"blpop", "a", "b", "a", "0"};
    client *c1 = make_client(5, argv), *c2 = make_client(5, argv);
    block_for_key_range(c1, 1, 3, OBJ_LIST, 0, BLOCK_REPLY_NULL_ARRAY);
    block_for_key_range(c2, 1, 3, OBJ_LIST, 0, BLOCK_REPLY_NULL_ARRAY);
    assert_true(c1->flags & CLIENT_BLOCKED);
    assert_int_equal(block_blocked_count(), 2);
    assert_int_equal(block_timeout_count(), 0);
    assert_string_equal(output(c1), ""); /* nothing replied while waiting */
    block_key_changed(0, "a", 1);
    block_key_changed(0, "zzz", 3); /* nobody waits: ignored */
    block_key_changed(1, "a", 1);   /* another db */
    free_client(c1);
    free_client(c2);
    assert_int_equal(block_blocked_count(), 0);
    block_run_pending(); /* "a" was ready; nobody is left to serve */
    block_key_changed(0, "a", 1);
    block_run_pending();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_parsing),
        cmocka_unit_test(test_deny_blocking_answers_at_once),
        cmocka_unit_test(test_waiters_leave_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
