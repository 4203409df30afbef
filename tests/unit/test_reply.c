/* test_reply.c - unit tests for src/reply.c: every typed reply helper in
 * RESP2 and RESP3 (the bytes Redis 7.0 sends for each), and CLIENT REPLY's
 * silence, which pub/sub pushes get through.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static client *fake_client(int resp) {
    client *c = calloc(1, sizeof(*c));
    c->resp = resp;
    c->fd = -1;
    return c;
}

static void free_fake_client(client *c) {
    server.pending_writes = NULL; /* reply_raw queued it there */
    free(c->obuf);
    free(c);
}

/* Run fn on a fresh client speaking `resp` and compare its whole output. */
#define EXPECT(resp, want, ...)                                   \
    do {                                                          \
        client *c = fake_client(resp);                            \
        __VA_ARGS__;                                              \
        assert_int_equal(c->olen, strlen(want));                  \
        assert_memory_equal(c->obuf ? c->obuf : "", want, c->olen); \
        free_fake_client(c);                                      \
    } while (0)

static void test_nulls(void **state) {
    (void)state;
    EXPECT(2, "$-1\r\n", reply_null(c));
    EXPECT(3, "_\r\n", reply_null(c));
    EXPECT(2, "*-1\r\n", reply_null_array(c));
    EXPECT(3, "_\r\n", reply_null_array(c));
    EXPECT(2, "$-1\r\n", reply_bulk_cstr(c, NULL));
    EXPECT(3, "_\r\n", reply_bulk_cstr(c, NULL));
}

static void test_aggregates(void **state) {
    (void)state;
    EXPECT(2, "*4\r\n", reply_map_len(c, 2));
    EXPECT(3, "%2\r\n", reply_map_len(c, 2));
    EXPECT(2, "*0\r\n", reply_map_len(c, 0));
    EXPECT(3, "%0\r\n", reply_map_len(c, 0));
    EXPECT(2, "*3\r\n", reply_set_len(c, 3));
    EXPECT(3, "~3\r\n", reply_set_len(c, 3));
    EXPECT(2, "*3\r\n", reply_push_len(c, 3));
    EXPECT(3, ">3\r\n", reply_push_len(c, 3));
    EXPECT(3, "*5\r\n", reply_array_len(c, 5)); /* arrays stay arrays */
}

static void test_booleans(void **state) {
    (void)state;
    EXPECT(2, ":1\r\n", reply_bool(c, 1));
    EXPECT(2, ":0\r\n", reply_bool(c, 0));
    EXPECT(3, "#t\r\n", reply_bool(c, 1));
    EXPECT(3, "#f\r\n", reply_bool(c, 0));
}

/* "%.17g", and inf/-inf spelled out, as Redis 7.0's addReplyDouble. */
static void test_doubles(void **state) {
    (void)state;
    EXPECT(2, "$3\r\n1.5\r\n", reply_double(c, 1.5));
    EXPECT(3, ",1.5\r\n", reply_double(c, 1.5));
    EXPECT(3, ",1\r\n", reply_double(c, 1.0));
    EXPECT(3, ",0.10000000000000001\r\n", reply_double(c, 0.1));
    EXPECT(3, ",-0\r\n", reply_double(c, -0.0));
    EXPECT(3, ",1.0000000000000001e+300\r\n", reply_double(c, 1e300));
    EXPECT(3, ",inf\r\n", reply_double(c, INFINITY));
    EXPECT(3, ",-inf\r\n", reply_double(c, -INFINITY));
    EXPECT(2, "$3\r\ninf\r\n", reply_double(c, INFINITY));
    EXPECT(2, "$4\r\n-inf\r\n", reply_double(c, -INFINITY));
    EXPECT(3, ",nan\r\n", reply_double(c, NAN));
}

static void test_verbatim(void **state) {
    (void)state;
    EXPECT(2, "$5\r\nhello\r\n", reply_verbatim(c, "hello", 5));
    EXPECT(3, "=9\r\ntxt:hello\r\n", reply_verbatim(c, "hello", 5));
    EXPECT(3, "=4\r\ntxt:\r\n", reply_verbatim(c, "", 0));
    EXPECT(3, "=8\r\ntxt:a\r\nb\r\n", reply_verbatim(c, "a\r\nb", 4));
}

/* CLIENT REPLY OFF/SKIP drop replies, errors included; pushes still go. */
static void test_reply_silenced(void **state) {
    (void)state;
    EXPECT(2, "", c->flags |= CLIENT_REPLY_OFF; reply_ok(c); reply_error(c, "ERR x"); reply_longlong(c, 5));
    EXPECT(3, "", c->flags |= CLIENT_REPLY_SKIP; reply_map_len(c, 1); reply_null(c));
    EXPECT(3, ">1\r\n$1\r\nm\r\n", c->flags |= CLIENT_REPLY_OFF; c->flags |= CLIENT_PUSHING;
           reply_push_len(c, 1); reply_bulk(c, "m", 1); c->flags &= ~CLIENT_PUSHING; reply_ok(c));
    /* SKIP_NEXT is only a note for the next command: this one still answers */
    EXPECT(2, "+OK\r\n", c->flags |= CLIENT_REPLY_SKIP_NEXT; reply_ok(c));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nulls),    cmocka_unit_test(test_aggregates),     cmocka_unit_test(test_booleans),
        cmocka_unit_test(test_doubles),  cmocka_unit_test(test_verbatim),       cmocka_unit_test(test_reply_silenced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
