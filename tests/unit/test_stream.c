/* test_stream.c - unit tests for the pure helpers of src/t_stream.c: stream
 * id parsing (Redis's rules: "-", "+", "ms", "ms-seq", "ms-*", strictness,
 * string2ull's leniency), increment/decrement at the edges of the id space,
 * and the 16-byte encoding whose byte order must be id order.
 *
 * The accepted/rejected inputs were checked against a real Redis 7.0.15
 * (XADD / XRANGE / XDEL with each), not derived from our code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

/* Exported by src/t_stream.c for these tests (no header: nothing else uses
 * them). Keep in sync with the definitions there. */
typedef struct streamid {
    uint64_t ms, seq;
} streamid;
int stream_id_cmp(const streamid *a, const streamid *b);
int stream_id_incr(streamid *id);
int stream_id_decr(streamid *id);
void stream_id_encode(char out[16], const streamid *id);
void stream_id_decode(const char *in, streamid *id);
int stream_id_parse(const char *s, size_t len, streamid *id, uint64_t missing_seq, int strict, int *seq_given);

static int parse(const char *s, streamid *id, uint64_t missing, int strict, int *seq_given) {
    return stream_id_parse(s, strlen(s), id, missing, strict, seq_given);
}

static void test_parse_forms(void **state) {
    (void)state;
    streamid id;
    int given;
    assert_int_equal(parse("5-7", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 5 && id.seq == 7);
    assert_int_equal(parse("5", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 5 && id.seq == 0);
    assert_int_equal(parse("5", &id, UINT64_MAX, 0, NULL), 0);
    assert_true(id.ms == 5 && id.seq == UINT64_MAX);
    assert_int_equal(parse("-", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 0 && id.seq == 0);
    assert_int_equal(parse("+", &id, 0, 0, NULL), 0);
    assert_true(id.ms == UINT64_MAX && id.seq == UINT64_MAX);
    assert_int_equal(parse("18446744073709551615-18446744073709551615", &id, 0, 0, NULL), 0);
    assert_true(id.ms == UINT64_MAX && id.seq == UINT64_MAX);
    /* ms-* only where a seq may be generated (XADD) */
    assert_int_equal(parse("9-*", &id, 0, 1, &given), 0);
    assert_true(id.ms == 9 && given == 0);
    assert_int_equal(parse("9-3", &id, 0, 1, &given), 0);
    assert_true(id.seq == 3 && given == 1);
    assert_int_equal(parse("9-*", &id, 0, 0, NULL), -1);
    assert_int_equal(parse("9-**", &id, 0, 1, &given), -1);
    /* strict: no "-" or "+" */
    assert_int_equal(parse("-", &id, 0, 1, NULL), -1);
    assert_int_equal(parse("+", &id, 0, 1, NULL), -1);
}

static void test_parse_numbers(void **state) {
    (void)state;
    streamid id;
    const char *bad[] = {"", "abc", "1-", "-1", "1-2-3", "-1-1", "18446744073709551616", "1-18446744073709551616",
                         "--", "++", "1 ", "1-x", NULL};
    for (int i = 0; bad[i]; i++)
        if (parse(bad[i], &id, 0, 0, NULL) != -1) fail_msg("\"%s\" should be rejected", bad[i]);
    /* string2ull's strtoull fallback: a '+', leading spaces and zeros */
    assert_int_equal(parse("+5", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 5);
    assert_int_equal(parse(" 6", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 6);
    assert_int_equal(parse("007-1", &id, 0, 0, NULL), 0);
    assert_true(id.ms == 7 && id.seq == 1);
    /* the text ends at a NUL byte, and is at most 127 bytes */
    assert_int_equal(stream_id_parse("12\0xyz", 6, &id, 0, 0, NULL), 0);
    assert_true(id.ms == 12);
    char longid[200];
    memset(longid, '0', sizeof(longid));
    longid[127] = 0;
    assert_int_equal(parse(longid, &id, 0, 0, NULL), 0);
    longid[127] = '0';
    longid[128] = 0;
    assert_int_equal(parse(longid, &id, 0, 0, NULL), -1);
}

static void test_incr_decr_edges(void **state) {
    (void)state;
    streamid id = {1, UINT64_MAX};
    assert_int_equal(stream_id_incr(&id), 0);
    assert_true(id.ms == 2 && id.seq == 0);
    assert_int_equal(stream_id_decr(&id), 0);
    assert_true(id.ms == 1 && id.seq == UINT64_MAX);
    streamid max = {UINT64_MAX, UINT64_MAX}, zero = {0, 0};
    assert_int_equal(stream_id_incr(&max), -1);
    assert_true(max.ms == UINT64_MAX && max.seq == UINT64_MAX);
    assert_int_equal(stream_id_decr(&zero), -1);
    assert_true(zero.ms == 0 && zero.seq == 0);
}

/* The encoding sorts as the ids do: the store's byte order is id order. */
static void test_encoding_order(void **state) {
    (void)state;
    streamid v[] = {{0, 0}, {0, 1}, {0, UINT64_MAX}, {1, 0}, {255, 7}, {256, 0}, {UINT64_MAX - 1, UINT64_MAX},
                    {UINT64_MAX, 0}, {UINT64_MAX, UINT64_MAX}};
    size_t n = sizeof(v) / sizeof(v[0]);
    for (size_t i = 0; i < n; i++) {
        char a[16];
        stream_id_encode(a, &v[i]);
        streamid back;
        stream_id_decode(a, &back);
        assert_int_equal(stream_id_cmp(&back, &v[i]), 0);
        for (size_t j = 0; j < n; j++) {
            char b[16];
            stream_id_encode(b, &v[j]);
            int bytes = memcmp(a, b, 16), ids = stream_id_cmp(&v[i], &v[j]);
            assert_true((bytes < 0) == (ids < 0) && (bytes == 0) == (ids == 0));
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),
        cmocka_unit_test(test_parse_numbers),
        cmocka_unit_test(test_incr_decr_edges),
        cmocka_unit_test(test_encoding_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
