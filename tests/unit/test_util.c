/* test_util.c - unit tests for src/util.c.
 *
 * The expected outputs below were captured from a real Redis 7.0.15 server
 * (redis-server --port 7777, redis-cli and a raw RESP client), not derived
 * from our code. Each table says which command produced it. Doubles were read
 * back from a skiplist-encoded zset (zset-max-listpack-entries 0), since the
 * listpack encoding stores -0 as the integer 0 and loses the sign.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ------------------------------------------------------------------------
 * Observed Redis 7.0.15 replies
 * ---------------------------------------------------------------------- */

/* INCRBYFLOAT k 1e308 on a missing key. */
#define INCR_1E308                                                                                 \
    "999999999999999999966858796558456456605600998474155672077970479949217348"                     \
    "688380618721001269218885393204467472250540132231521347495939605835974208"                     \
    "144301964187679591000196031907786631096045071066679391533957889389145605"                     \
    "435630612683649016186302170865892534448816237913008557573181424245104527"                     \
    "28255046343928578048"

/* ZADD z <in> a; ZSCORE z a (skiplist encoding). out NULL: ZADD replied
 * "ERR value is not a valid float". */
static const struct {
    const char *in;
    size_t len;
    const char *out;
} zscore_cases[] = {
    {"1.5", 3, "1.5"},
    {"0.1", 3, "0.10000000000000001"},
    {"1e20", 4, "1e+20"},
    {"100", 3, "100"},
    {"inf", 3, "inf"},
    {"-inf", 4, "-inf"},
    {"+inf", 4, "inf"},
    {"Inf", 3, "inf"},
    {"INFINITY", 8, "inf"},
    {"-0.0", 4, "-0"},
    {"-0", 2, "-0"},
    {"0", 1, "0"},
    {"1e15", 4, "1000000000000000"},
    {"1e16", 4, "10000000000000000"},
    {"1e17", 4, "1e+17"},
    {"123456789012345678", 18, "1.2345678901234568e+17"},
    {"0.5", 3, "0.5"},
    {"1e-5", 4, "1.0000000000000001e-05"},
    {"3.14159", 7, "3.1415899999999999"},
    {"1e308", 5, "1e+308"},
    {"2.5e-310", 8, "2.5000000000000171e-310"},
    {"-1.5", 4, "-1.5"},
    {"9007199254740992", 16, "9007199254740992"},
    {"9007199254740993", 16, "9007199254740992"},
    {"1e21", 4, "1e+21"},
    {"12345678901234567890", 20, "1.2345678901234567e+19"},
    {"0.3", 3, "0.29999999999999999"},
    {"1e-7", 4, "9.9999999999999995e-08"},
    {"123.456", 7, "123.456"},
    {"+1", 2, "1"},
    {"0x10", 4, "16"},
    {"5.0e3", 5, "5000"},
    {".5", 2, "0.5"},
    {"5.", 2, "5"},
    {"-.5", 3, "-0.5"},
    {"4.9e-324", 8, "4.9406564584124654e-324"},
    {"1.7976931348623157e308", 22, "1.7976931348623157e+308"},
    {"0x1p3", 5, "8"},
    {"-4503599627370497", 17, "-4503599627370497"},
    {"123456789012345.6", 17, "123456789012345.59"},
    {"-1e-300", 7, "-1e-300"},
    {"-1.5e-7", 7, "-1.4999999999999999e-07"},
    {"0.0001", 6, "0.0001"},
    {"0.00001", 7, "1.0000000000000001e-05"},
    {"1e-320", 6, "9.9998886718268301e-321"},
    {"0e-400", 6, "0"},
    {" 1", 2, NULL},
    {"1 ", 2, NULL},
    {"1e", 2, NULL},
    {"nan", 3, NULL},
    {"-nan", 4, NULL},
    {"1e400", 5, NULL},
    {"1e-400", 6, NULL},
    {"", 0, NULL},
    {"\t1", 2, NULL},
    {"\v1", 2, NULL},
    {"infinit", 7, NULL},
    {"1_0", 3, NULL},
    {"2e-324", 6, NULL},
    {"1.7976931348623159e308", 22, NULL},
    {"1\0abc", 5, NULL},
    {"abc", 3, NULL},
    {"0x", 2, NULL},
    {"e5", 2, NULL},
    {".", 1, NULL},
};

/* INCRBYFLOAT k <in> on a missing key. out NULL: "ERR value is not a valid
 * float"; "!": "ERR increment would produce NaN or Infinity". */
static const struct {
    const char *in;
    size_t len;
    const char *out;
} incrbyfloat_cases[] = {
    {"0.1", 3, "0.1"},
    {"1e308", 5, INCR_1E308},
    {"5.0e3", 5, "5000"},
    {"  1", 3, NULL},
    {" 1", 2, NULL},
    {"1 ", 2, NULL},
    {"abc", 3, NULL},
    {"0x10", 4, "16"},
    {"inf", 3, "!"},
    {"-inf", 4, "!"},
    {"nan", 3, NULL},
    {"+1", 2, "1"},
    {"-0", 2, "0"},
    {"-0.0", 4, "0"},
    {"1e20", 4, "100000000000000000000"},
    {"1.5", 3, "1.5"},
    {"3.0", 3, "3"},
    {"10.50", 5, "10.5"},
    {"1e-20", 5, "0"},
    {"1e-17", 5, "0.00000000000000001"},
    {"1e-16", 5, "0.0000000000000001"},
    {"0.12345678901234567890", 22, "0.12345678901234568"},
    {"123456789.123456789", 19, "123456789.12345678899873747"},
    {"1e4933", 6, NULL},
    {".5", 2, "0.5"},
    {"5.", 2, "5"},
    {"", 0, NULL},
    {"12345678901234567890123", 23, "12345678901234567889920"},
    {"3.3333333333333333333", 21, "3.33333333333333333"},
    {"1e18", 4, "1000000000000000000"},
    {"100", 3, "100"},
    {"-100.25", 7, "-100.25"},
    {"1e25", 4, "10000000000000000000000000"},
    {"-1e-20", 6, "0"},
    {"1e-4940", 7, "0"},
    {"1e-5000", 7, NULL},
    {"-0.000000000000000009", 21, "-0.00000000000000001"},
    {"-0.000000000000000005", 21, "0"},
    {"0.000000000000000005", 20, "0"},
    {"0.000000000000000015", 20, "0.00000000000000002"},
    {"0e-5000", 7, "0"},
    {"0x1p-16446", 10, NULL},
    {"0x1p-16445", 10, "0"},
    {"infinity", 8, "!"},
    {"\t1", 2, NULL},
    {"\n1", 2, NULL},
    {"1\n", 2, NULL},
    {"1\0abc", 5, NULL},
    {"1e-4950", 7, "0"},
};

/* INCRBYFLOAT k 0.1, ten times. */
static const char *incr_tenth_seq[] = {"0.1", "0.2", "0.3", "0.4", "0.5",
                                       "0.6", "0.7", "0.8", "0.9", "1"};
/* SET k 1e308; INCRBYFLOAT k 1e308. */
static const char incr_2e308[] =
    "199999999999999999993371759311691291321120199694831134415594095989843469"
    "737676123744200253843777078640893494450108026446304269499187921167194841"
    "628860392837535918200039206381557326219209014213335878306791577877829121"
    "087126122536729803237260434173178506889763247582601711514636284849020905"
    "456510092687857156096";
/* SET k 5; INCRBYFLOAT k 1e-5. */
static const char incr_5_plus_1e5[] = "5.00001";
/* INCRBYFLOAT k 1e4931 on a missing key: 4932 digits. */
static const size_t incr_1e4931_len = 4932;

static const char incr_1e4931_prefix[] =
    "100000000000000000000601894938796389132383777425453311477378";
static const char incr_1e4931_suffix[] =
    "975474178335472858935087637937116314108653841811379188662272";
/* SET k <in>; INCRBY k 0. ok 0: "ERR value is not an integer or out of
 * range". */
static const struct {
    const char *in;
    size_t len;
    int ok;
    long long v;
} incrby_cases[] = {
    {"0", 1, 1, 0LL},
    {"1", 1, 1, 1LL},
    {"-1", 2, 1, -1LL},
    {"-0", 2, 0, 0},
    {"007", 3, 0, 0},
    {"00", 2, 0, 0},
    {"+1", 2, 0, 0},
    {" 1", 2, 0, 0},
    {"1 ", 2, 0, 0},
    {"", 0, 0, 0},
    {"-", 1, 0, 0},
    {"--1", 3, 0, 0},
    {"1-", 2, 0, 0},
    {"9223372036854775807", 19, 1, 9223372036854775807LL},
    {"9223372036854775808", 19, 0, 0},
    {"-9223372036854775808", 20, 1, LLONG_MIN},
    {"-9223372036854775809", 20, 0, 0},
    {"18446744073709551615", 20, 0, 0},
    {"99999999999999999999", 20, 0, 0},
    {"-99999999999999999999", 21, 0, 0},
    {"123456789012345678901", 21, 0, 0},
    {"0000000000000000000001", 22, 0, 0},
    {"1\0", 2, 0, 0},
    {"12a", 3, 0, 0},
    {"0x10", 4, 0, 0},
    {"1e3", 3, 0, 0},
    {"1.0", 3, 0, 0},
};

/* XADD st 1-<in> f v on a fresh stream (the sequence part goes through
 * string2ull). ok 0: "ERR Invalid stream ID specified as stream command
 * argument". */
static const struct {
    const char *in;
    size_t len;
    int ok;
    unsigned long long v;
} xadd_seq_cases[] = {
    {"5", 1, 1, 5ULL},
    {"+5", 2, 1, 5ULL},
    {" 6", 2, 1, 6ULL},
    {"07", 2, 1, 7ULL},
    {"0", 1, 1, 0ULL},
    {"-0", 2, 1, 0ULL},
    {"-01", 3, 1, 18446744073709551615ULL},
    {"-1", 2, 0, 0},
    {"+-1", 3, 0, 0},
    {"1 ", 2, 0, 0},
    {"\t+0", 3, 1, 0ULL},
    {"18446744073709551615", 20, 1, 18446744073709551615ULL},
    {"18446744073709551616", 20, 0, 0},
    {"-18446744073709551615", 21, 1, 1ULL},
    {"0x20", 4, 0, 0},
    {"", 0, 0, 0},
    {"+", 1, 0, 0},
    {" ", 1, 0, 0},
    {"30\0zz", 5, 1, 30ULL},
    {"99999999999999999999999", 23, 0, 0},
};

/* SET <str> 1; KEYS <pat>: is <str> listed? (KEYS short-cuts a lone "*"
 * before matching; that row follows stringmatchlen's code instead.) */
static const struct {
    const char *pat;
    size_t plen;
    const char *str;
    size_t slen;
    int match;
} keys_cases[] = {
    {"*", 1, "abc", 3, 1},
    {"a*", 2, "abc", 3, 1},
    {"*c", 2, "abc", 3, 1},
    {"a?c", 3, "abc", 3, 1},
    {"a?c", 3, "ac", 2, 0},
    {"", 0, "a", 1, 0},
    {"**", 2, "", 0, 0},
    {"?", 1, "", 0, 0},
    {"a", 1, "", 0, 0},
    {"?", 1, "a", 1, 1},
    {"??", 2, "a", 1, 0},
    {"a*c", 3, "ac", 2, 1},
    {"a*c", 3, "abbbc", 5, 1},
    {"a*c", 3, "abbbd", 5, 0},
    {"*b*", 3, "abc", 3, 1},
    {"[abc]", 5, "b", 1, 1},
    {"[abc]", 5, "d", 1, 0},
    {"[^abc]", 6, "b", 1, 0},
    {"[^abc]", 6, "d", 1, 1},
    {"[a-c]", 5, "b", 1, 1},
    {"[c-a]", 5, "b", 1, 1},
    {"[z-a]", 5, "m", 1, 1},
    {"[a-c]", 5, "d", 1, 0},
    {"[\\]]", 4, "]", 1, 1},
    {"[]", 2, "]", 1, 0},
    {"[]]", 3, "]", 1, 0},
    {"[]a", 3, "a", 1, 0},
    {"[a-]", 4, "-", 1, 0},
    {"[a-]", 4, "_", 1, 1},
    {"[a-]", 4, "a", 1, 1},
    {"[a-]", 4, "]", 1, 1},
    {"[a-]x", 5, "ax", 2, 0},
    {"[abc", 4, "b", 1, 1},
    {"[abc", 4, "d", 1, 0},
    {"[abc", 4, "bx", 2, 0},
    {"[", 1, "a", 1, 0},
    {"[^", 2, "a", 1, 1},
    {"[^", 2, "ab", 2, 0},
    {"a[", 2, "a", 1, 0},
    {"a[b", 3, "ab", 2, 1},
    {"\\*", 2, "*", 1, 1},
    {"\\*", 2, "a", 1, 0},
    {"a\\", 2, "a\\", 2, 1},
    {"\\?", 2, "?", 1, 1},
    {"\\?", 2, "a", 1, 0},
    {"\\", 1, "\\", 1, 1},
    {"\\a", 2, "a", 1, 1},
    {"[\\-]", 4, "-", 1, 1},
    {"[\\^a]", 5, "^", 1, 1},
    {"[\\]", 3, "\\", 1, 0},
    {"[\\]", 3, "]", 1, 1},
    {"[\\", 2, "\\", 1, 1},
    {"[^a-c]x", 7, "dx", 2, 1},
    {"[^a-c]x", 7, "bx", 2, 0},
    {"[a-\xc3]", 5, "A", 1, 1},
    {"[a-\xc3]", 5, "b", 1, 0},
    {"[a-\xc3]", 5, "\xc3", 1, 1},
    {"[a-\xc3]", 5, "\xff", 1, 1},
    {"[\xc3]", 3, "\xc3", 1, 1},
    {"\xc3*", 2, "\xc3\xa9", 2, 1},
    {"h?llo", 5, "hello", 5, 1},
    {"h*llo", 5, "heeeello", 8, 1},
    {"h[ae]llo", 8, "hallo", 5, 1},
    {"h[^e]llo", 8, "hello", 5, 0},
    {"h[a-b]llo", 9, "hbllo", 5, 1},
};

/* COMMAND LIST FILTERBY PATTERN <pat> (the nocase matcher): is "get"
 * listed? */
static const struct {
    const char *pat;
    int match;
} nocase_get_cases[] = {
    {"GET", 1},    {"[Z-a]et", 0}, {"[\\G]et", 0}, {"[\\g]et", 1}, {"g[A-F]t", 1},
    {"G[^E]T", 0}, {"G[^e]T", 0},  {"?ET", 1},     {"*SET*EX", 0}, {"[F-H]eT", 1},
};

/* ------------------------------------------------------------------------
 * Integers
 * ---------------------------------------------------------------------- */

static void test_str2ll_matches_incrby(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(incrby_cases) / sizeof(incrby_cases[0]); i++) {
        long long v = 12345;
        int ok = util_str2ll(incrby_cases[i].in, incrby_cases[i].len, &v);
        if (ok != incrby_cases[i].ok)
            fail_msg("util_str2ll(\"%s\") = %d, Redis says %d", incrby_cases[i].in, ok,
                     incrby_cases[i].ok);
        if (ok) assert_int_equal(v, incrby_cases[i].v);
    }
}

static void test_str2ll_edges(void **state)
{
    (void)state;
    long long v;
    assert_true(util_str2ll("0", 1, &v));
    assert_int_equal(v, 0);
    assert_true(util_str2ll("-9", 2, &v));
    assert_int_equal(v, -9);
    assert_true(util_str2ll("9223372036854775807", 19, &v));
    assert_int_equal(v, LLONG_MAX);
    assert_true(util_str2ll("-9223372036854775808", 20, &v));
    assert_int_equal(v, LLONG_MIN);
    /* One past each end, and a value only the unsigned range holds. */
    assert_false(util_str2ll("9223372036854775808", 19, &v));
    assert_false(util_str2ll("-9223372036854775809", 20, &v));
    assert_false(util_str2ll("18446744073709551616", 20, &v));
    /* Length counts, not the NUL: a prefix of a longer buffer parses. */
    assert_true(util_str2ll("123456", 3, &v));
    assert_int_equal(v, 123);
    assert_false(util_str2ll("-", 1, &v));
    assert_false(util_str2ll("", 0, &v));
    assert_false(util_str2ll("0\0", 2, &v));
    assert_false(util_str2ll("\0", 1, &v));
    /* 21 bytes or more is rejected before parsing, even with a valid value. */
    assert_false(util_str2ll("-0000000000000000001", 20, &v));
    assert_false(util_str2ll("000000000000000000001", 21, &v));
    char longbuf[4096];
    memset(longbuf, '9', sizeof(longbuf));
    assert_false(util_str2ll(longbuf, sizeof(longbuf), &v));
    /* out may be NULL: just validate. */
    assert_true(util_str2ll("42", 2, NULL));
    assert_false(util_str2ll("042", 3, NULL));
}

static void test_str2ull_strict(void **state)
{
    (void)state;
    unsigned long long v;
    assert_true(util_str2ull("0", 1, &v));
    assert_int_equal(v, 0);
    assert_true(util_str2ull("18446744073709551615", 20, &v));
    assert_true(v == ULLONG_MAX);
    assert_true(util_str2ull("9223372036854775808", 19, &v));
    assert_true(v == 9223372036854775808ULL);
    assert_false(util_str2ull("18446744073709551616", 20, &v));
    assert_false(util_str2ull("99999999999999999999", 20, &v));
    assert_false(util_str2ull("-0", 2, &v));
    assert_false(util_str2ull("-1", 2, &v));
    assert_false(util_str2ull("+1", 2, &v));
    assert_false(util_str2ull("01", 2, &v));
    assert_false(util_str2ull(" 1", 2, &v));
    assert_false(util_str2ull("1 ", 2, &v));
    assert_false(util_str2ull("", 0, &v));
    assert_false(util_str2ull("000000000000000000001", 21, &v));
}

static void test_str2ull_lax_matches_xadd(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(xadd_seq_cases) / sizeof(xadd_seq_cases[0]); i++) {
        unsigned long long v = 12345;
        int ok = util_str2ull_lax(xadd_seq_cases[i].in, xadd_seq_cases[i].len, &v);
        if (ok != xadd_seq_cases[i].ok)
            fail_msg("util_str2ull_lax(\"%s\") = %d, Redis says %d", xadd_seq_cases[i].in, ok,
                     xadd_seq_cases[i].ok);
        if (ok) assert_true(v == xadd_seq_cases[i].v);
    }
}

static void test_ll2str(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(util_ll2str(buf, sizeof(buf), 0), 1);
    assert_string_equal(buf, "0");
    assert_int_equal(util_ll2str(buf, sizeof(buf), -1), 2);
    assert_string_equal(buf, "-1");
    assert_int_equal(util_ll2str(buf, sizeof(buf), LLONG_MAX), 19);
    assert_string_equal(buf, "9223372036854775807");
    assert_int_equal(util_ll2str(buf, 21, LLONG_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");
    assert_int_equal(util_ull2str(buf, 21, ULLONG_MAX), 20);
    assert_string_equal(buf, "18446744073709551615");
    assert_int_equal(util_ull2str(buf, sizeof(buf), 1000), 4);
    assert_string_equal(buf, "1000");
    /* Too small a buffer: nothing fits, 0 returned. */
    assert_int_equal(util_ll2str(buf, 20, LLONG_MIN), 0);
    assert_int_equal(util_ll2str(buf, 1, 5), 0);
    assert_int_equal(util_ll2str(buf, 2, 5), 1);
    assert_int_equal(util_ll2str(buf, 2, -5), 0);
    assert_int_equal(util_ull2str(buf, 0, 0), 0);

    /* Round trip through the strict parser. */
    long long samples[] = {0,   1,         -1,         9,         10,        -10,          99,
                           100, 123456789, -987654321, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
    for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
        long long back;
        size_t n = util_ll2str(buf, sizeof(buf), samples[i]);
        assert_true(n > 0);
        assert_true(util_str2ll(buf, n, &back));
        assert_int_equal(back, samples[i]);
    }
}

/* ------------------------------------------------------------------------
 * Doubles (ZADD / ZSCORE)
 * ---------------------------------------------------------------------- */

static void test_str2d_and_d2str_match_zscore(void **state)
{
    (void)state;
    char buf[128];
    for (size_t i = 0; i < sizeof(zscore_cases) / sizeof(zscore_cases[0]); i++) {
        double d;
        int ok = util_str2d(zscore_cases[i].in, zscore_cases[i].len, &d);
        if (ok != (zscore_cases[i].out != NULL))
            fail_msg("util_str2d(\"%s\") = %d, Redis says %s", zscore_cases[i].in, ok,
                     zscore_cases[i].out ? "valid" : "invalid");
        if (!ok) continue;
        size_t n = util_d2str(buf, sizeof(buf), d);
        if (strcmp(buf, zscore_cases[i].out) != 0)
            fail_msg("ZSCORE of \"%s\": ours \"%s\", Redis \"%s\"", zscore_cases[i].in, buf,
                     zscore_cases[i].out);
        assert_int_equal(n, strlen(zscore_cases[i].out));
    }
}

static void test_zincrby_formatting(void **state)
{
    (void)state;
    /* ZADD z 2 a; ZINCRBY z 0.1 a -> "2.1000000000000001"; ZINCRBY z 0.2 a
     * -> "2.3000000000000003". Score arithmetic is plain double. */
    char buf[128];
    double s = 2, inc;
    assert_true(util_str2d("0.1", 3, &inc));
    s += inc;
    util_d2str(buf, sizeof(buf), s);
    assert_string_equal(buf, "2.1000000000000001");
    assert_true(util_str2d("0.2", 3, &inc));
    s += inc;
    util_d2str(buf, sizeof(buf), s);
    assert_string_equal(buf, "2.3000000000000003");
}

static void test_d2str_direct(void **state)
{
    (void)state;
    char buf[128];
    assert_int_equal(util_d2str(buf, sizeof(buf), -0.0), 2);
    assert_string_equal(buf, "-0");
    util_d2str(buf, sizeof(buf), 0.0);
    assert_string_equal(buf, "0");
    util_d2str(buf, sizeof(buf), INFINITY);
    assert_string_equal(buf, "inf");
    util_d2str(buf, sizeof(buf), -INFINITY);
    assert_string_equal(buf, "-inf");
    util_d2str(buf, sizeof(buf), NAN);
    assert_string_equal(buf, "nan");
    util_d2str(buf, sizeof(buf), -NAN);
    assert_string_equal(buf, "nan");
    /* The longest forms fit easily in 128 bytes. */
    assert_int_equal(util_d2str(buf, sizeof(buf), -2.2250738585072014e-308), 24);
    assert_string_equal(buf, "-2.2250738585072014e-308");
    /* Too small: 0. */
    assert_int_equal(util_d2str(buf, 3, 1.5), 0);
    assert_int_equal(util_d2str(buf, 4, 1.5), 3);
    assert_int_equal(util_d2str(buf, 4, -INFINITY), 0);
    assert_int_equal(util_d2str(buf, 5, -INFINITY), 4);
}

static void test_str2d_long_inputs(void **state)
{
    (void)state;
    /* Redis has no length limit for scores: ZADD z 000...0001 a (10000
     * zeros) succeeds and ZSCORE returns "1". */
    size_t n = 10001;
    char *s = malloc(n);
    assert_non_null(s);
    memset(s, '0', n - 1);
    s[n - 1] = '1';
    double d;
    assert_true(util_str2d(s, n, &d));
    assert_true(d == 1.0);
    s[5000] = 'x';
    assert_false(util_str2d(s, n, &d));
    free(s);

    /* Around the heap-copy threshold, and a slice of a longer buffer. */
    char b[300];
    for (size_t len = 250; len < 260; len++) {
        memset(b, '0', sizeof(b));
        b[len - 1] = '7';
        assert_true(util_str2d(b, len, &d));
        assert_true(d == 7.0);
    }
    assert_true(util_str2d("1.5xyz", 3, &d));
    assert_true(d == 1.5);
    assert_true(util_str2d("-inf", 4, &d));
    assert_true(isinf(d) && d < 0);
    assert_true(util_str2d("-InFiNiTy", 9, &d));
    assert_true(isinf(d) && d < 0);
    assert_false(util_str2d("\r1", 2, &d));
    assert_false(util_str2d("\f1", 2, &d));
    assert_false(util_str2d("nan(1)", 6, &d));
    assert_true(util_str2d("1", 1, NULL));
}

/* ------------------------------------------------------------------------
 * Long doubles (INCRBYFLOAT)
 * ---------------------------------------------------------------------- */

/* What INCRBYFLOAT k <text> replies on a missing key: parse, add to 0,
 * refuse NaN/inf, format. NULL for "not a valid float", "!" for the
 * NaN/Infinity error. */
static const char *incrbyfloat_missing(const char *in, size_t len, char *buf, size_t cap)
{
    long double v;
    if (!util_str2ld(in, len, &v)) return NULL;
    v = 0.0L + v;
    if (isnan(v) || isinf(v)) return "!";
    assert_true(util_ld2str_human(buf, cap, v) > 0);
    return buf;
}

static void test_incrbyfloat_cases(void **state)
{
    (void)state;
    static char buf[5 * 1024];
    for (size_t i = 0; i < sizeof(incrbyfloat_cases) / sizeof(incrbyfloat_cases[0]); i++) {
        const char *got = incrbyfloat_missing(incrbyfloat_cases[i].in, incrbyfloat_cases[i].len,
                                              buf, sizeof(buf));
        const char *want = incrbyfloat_cases[i].out;
        if (!got || !want) {
            if (got != want)
                fail_msg("INCRBYFLOAT \"%s\": ours %s, Redis %s", incrbyfloat_cases[i].in,
                         got ? got : "ERR", want ? want : "ERR");
            continue;
        }
        if (strcmp(got, want) != 0)
            fail_msg("INCRBYFLOAT \"%s\": ours \"%s\", Redis \"%s\"", incrbyfloat_cases[i].in, got,
                     want);
    }
}

static void test_incrbyfloat_sequences(void **state)
{
    (void)state;
    static char stored[5 * 1024], out[5 * 1024];
    long double cur, inc;

    /* INCRBYFLOAT k 0.1, ten times: each step parses the stored text. */
    strcpy(stored, "0");
    assert_true(util_str2ld("0.1", 3, &inc));
    for (size_t i = 0; i < 10; i++) {
        assert_true(util_str2ld(stored, strlen(stored), &cur));
        size_t n = util_ld2str_human(stored, sizeof(stored), cur + inc);
        assert_true(n > 0);
        assert_string_equal(stored, incr_tenth_seq[i]);
    }

    /* SET k 1e308; INCRBYFLOAT k 1e308: fine in a long double. */
    assert_true(util_str2ld("1e308", 5, &cur));
    assert_true(util_str2ld("1e308", 5, &inc));
    util_ld2str_human(out, sizeof(out), cur + inc);
    assert_string_equal(out, incr_2e308);

    /* SET k 5; INCRBYFLOAT k 1e-5. */
    assert_true(util_str2ld("5", 1, &cur));
    assert_true(util_str2ld("1e-5", 4, &inc));
    util_ld2str_human(out, sizeof(out), cur + inc);
    assert_string_equal(out, incr_5_plus_1e5);

    /* INCRBYFLOAT k 1e4931: 4932 digits, still under the 5k reply buffer. */
    assert_true(util_str2ld("1e4931", 6, &cur));
    size_t n = util_ld2str_human(out, sizeof(out), cur);
    assert_int_equal(n, incr_1e4931_len);
    assert_memory_equal(out, incr_1e4931_prefix, strlen(incr_1e4931_prefix));
    assert_string_equal(out + n - strlen(incr_1e4931_suffix), incr_1e4931_suffix);

    /* INCRBYFLOAT k 1e4932, twice: the second overflows to inf. */
    assert_true(util_str2ld("1e4932", 6, &cur));
    assert_true(isinf(cur + cur));
}

static void test_str2ld_edges(void **state)
{
    (void)state;
    static char s[6000];
    long double v;
    /* Length limit: Redis refuses 5120 bytes or more (checked with zeros). */
    memset(s, '0', sizeof(s));
    assert_true(util_str2ld(s, 5119, &v));
    assert_true(v == 0);
    assert_false(util_str2ld(s, 5120, &v));
    assert_false(util_str2ld(s, sizeof(s), &v));
    /* A lone inf parses; INCRBYFLOAT refuses it after the addition. */
    assert_true(util_str2ld("inf", 3, &v));
    assert_true(isinf(v));
    assert_true(util_str2ld("-Infinity", 9, &v));
    assert_true(isinf(v) && v < 0);
    assert_false(util_str2ld("nan", 3, &v));
    assert_false(util_str2ld("-nan", 4, &v));
    assert_false(util_str2ld("\v1", 2, &v));
    assert_true(util_str2ld("2.5abc", 3, &v));
    assert_true(v == 2.5L);
    assert_true(util_str2ld("1", 1, NULL));
}

static void test_ld2str_human_direct(void **state)
{
    (void)state;
    char buf[5 * 1024];
    assert_int_equal(util_ld2str_human(buf, sizeof(buf), -0.0L), 1);
    assert_string_equal(buf, "0");
    util_ld2str_human(buf, sizeof(buf), 0.0L);
    assert_string_equal(buf, "0");
    util_ld2str_human(buf, sizeof(buf), -1e-30L);
    assert_string_equal(buf, "0");
    util_ld2str_human(buf, sizeof(buf), 2.5L);
    assert_string_equal(buf, "2.5");
    util_ld2str_human(buf, sizeof(buf), 100.0L);
    assert_string_equal(buf, "100");
    util_ld2str_human(buf, sizeof(buf), -7.0L);
    assert_string_equal(buf, "-7");
    assert_int_equal(util_ld2str_human(buf, sizeof(buf), (long double)INFINITY), 3);
    assert_string_equal(buf, "inf");
    assert_int_equal(util_ld2str_human(buf, sizeof(buf), -(long double)INFINITY), 4);
    assert_string_equal(buf, "-inf");
    /* The largest long double fits in 5k. */
    size_t n = util_ld2str_human(buf, sizeof(buf), LDBL_MAX);
    assert_true(n > 4900 && n < sizeof(buf));
    assert_int_equal(strlen(buf), n);
    /* "%.17Lf" of 1.5 is "1.50000000000000000" (19 bytes + NUL) before
     * trimming: Redis needs room for the untrimmed text. */
    assert_int_equal(util_ld2str_human(buf, 19, 1.5L), 0);
    assert_int_equal(util_ld2str_human(buf, 20, 1.5L), 3);
    assert_string_equal(buf, "1.5");
    assert_int_equal(util_ld2str_human(buf, 4, (long double)INFINITY), 0);
    assert_int_equal(util_ld2str_human(buf, 5, -(long double)INFINITY), 4);
}

/* ------------------------------------------------------------------------
 * Glob matching
 * ---------------------------------------------------------------------- */

static void test_glob_matches_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(keys_cases) / sizeof(keys_cases[0]); i++) {
        int m = util_globmatch(keys_cases[i].pat, keys_cases[i].plen, keys_cases[i].str,
                               keys_cases[i].slen, 0);
        if (m != keys_cases[i].match)
            fail_msg("glob \"%s\" vs \"%s\": ours %d, Redis %d", keys_cases[i].pat,
                     keys_cases[i].str, m, keys_cases[i].match);
    }
}

static void test_glob_empty_subject(void **state)
{
    (void)state;
    /* SUBSCRIBE ""; PUBSUB CHANNELS <pattern> (which calls the matcher even
     * for "*"): "" and "x" listed for no pattern; "*", "**", "?", "[^" list
     * only "x"; "" lists only "". */
    assert_int_equal(util_globmatch("", 0, "", 0, 0), 1);
    assert_int_equal(util_globmatch("*", 1, "", 0, 0), 0);
    assert_int_equal(util_globmatch("**", 2, "", 0, 0), 0);
    assert_int_equal(util_globmatch("?", 1, "", 0, 0), 0);
    assert_int_equal(util_globmatch("[^", 2, "", 0, 0), 0);
    assert_int_equal(util_globmatch("*", 1, "x", 1, 0), 1);
    assert_int_equal(util_globmatch("", 0, "x", 1, 0), 0);
}

static void test_glob_nocase(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(nocase_get_cases) / sizeof(nocase_get_cases[0]); i++) {
        const char *p = nocase_get_cases[i].pat;
        int m = util_globmatch(p, strlen(p), "get", 3, 1);
        if (m != nocase_get_cases[i].match)
            fail_msg("nocase glob \"%s\" vs \"get\": ours %d, Redis %d", p, m,
                     nocase_get_cases[i].match);
    }
    assert_int_equal(util_globmatch("ABC", 3, "abc", 3, 0), 0);
    assert_int_equal(util_globmatch("ABC", 3, "abc", 3, 1), 1);
    assert_int_equal(util_globmatch("a*C", 3, "AbbbC", 5, 1), 1);
    assert_int_equal(util_globmatch("[a-c]", 5, "B", 1, 1), 1);
    assert_int_equal(util_globmatch("[a-c]", 5, "B", 1, 0), 0);
    /* Only ASCII letters fold. */
    assert_int_equal(util_globmatch("\xc3\xa9", 2, "\xc3\x89", 2, 1), 0);
}

/* Builds rep copies of unit followed by tail into a fresh heap buffer.
 * Caller frees. */
static char *repeat(const char *unit, size_t rep, const char *tail, size_t *len)
{
    size_t ul = strlen(unit), tl = strlen(tail);
    char *p = malloc(ul * rep + tl + 1);
    assert_non_null(p);
    for (size_t i = 0; i < rep; i++) memcpy(p + i * ul, unit, ul);
    memcpy(p + ul * rep, tail, tl + 1);
    *len = ul * rep + tl;
    return p;
}

static void test_glob_hostile_and_nesting(void **state)
{
    (void)state;
    /* Each row was checked with SET <str> 1; KEYS <pat> on Redis 7.0.15. */
    static const struct {
        const char *punit;
        size_t prep;
        const char *ptail;
        const char *sunit;
        size_t srep;
        const char *stail;
        int match;
    } rows[] = {
        {"*a", 4, "*a*a*a*a*b", "a", 3000, "", 0},
        {"*a", 4, "*a*a*a*a*b", "a", 3000, "b", 1},
        {"a*", 9, "b", "a", 2999, "c", 0},
        /* Redis gives up beyond 1000 nested stars (CVE-2022-36021 fix). */
        {"*a", 999, "*b", "a", 1200, "b", 1},
        {"*a", 1000, "*b", "a", 1200, "b", 0},
        {"*a", 1001, "*b", "a", 1200, "b", 0},
        {"*a", 1000, "*", "a", 1200, "b", 1},
        {"*a", 1001, "*", "a", 1200, "b", 0},
        {"a*", 1001, "", "a", 1001, "", 1},
        {"a*", 1002, "", "a", 1002, "", 0},
        {"*", 5000, "b", "a", 1, "b", 1},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t pl, sl;
        char *p = repeat(rows[i].punit, rows[i].prep, rows[i].ptail, &pl);
        char *s = repeat(rows[i].sunit, rows[i].srep, rows[i].stail, &sl);
        int m = util_globmatch(p, pl, s, sl, 0);
        if (m != rows[i].match) fail_msg("row %zu: ours %d, Redis %d", i, m, rows[i].match);
        free(p);
        free(s);
    }

    /* Worst case for naive backtracking: must finish quickly (the iterative
     * matcher is O(plen * slen)). */
    size_t sl, pl;
    char *s = repeat("a", 200000, "", &sl);
    char *p = repeat("*a", 30, "*b", &pl);
    long long t0 = util_monotonic_us();
    assert_int_equal(util_globmatch(p, pl, s, sl, 0), 0);
    assert_true(util_monotonic_us() - t0 < 5 * 1000 * 1000);
    free(p);
    free(s);
}

static void test_glob_slices(void **state)
{
    (void)state;
    /* Neither pattern nor subject is NUL-terminated at its length. */
    assert_int_equal(util_globmatch("ab*XYZ", 3, "abcdefXYZ", 6, 0), 1);
    assert_int_equal(util_globmatch("a[bc", 4, "ab]", 2, 0), 1);
    assert_int_equal(util_globmatch("a\\*", 2, "a\\*", 2, 0), 1);
    /* Only "[a-z" is seen: an unterminated class, still the range a..z. */
    assert_int_equal(util_globmatch("[a-z]", 4, "b", 1, 0), 1);
    assert_int_equal(util_globmatch("[a-z]", 4, "]", 1, 0), 0);
}

/* ------------------------------------------------------------------------
 * Clocks and randomness
 * ---------------------------------------------------------------------- */

static void test_clocks(void **state)
{
    (void)state;
    long long ms = util_mstime(), us = util_ustime();
    assert_true(ms > 1600000000000LL); /* after Sep 2020 */
    assert_true(us / 1000 - ms >= 0 && us / 1000 - ms < 1000);
    long long m0 = util_monotonic_us();
    for (int i = 0; i < 1000; i++) {
        long long m1 = util_monotonic_us();
        assert_true(m1 >= m0);
        m0 = m1;
    }
}

static void test_random_bytes(void **state)
{
    (void)state;
    unsigned char a[64], b[64], zero[64];
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    memset(zero, 0, sizeof(zero));
    util_random_bytes(a, sizeof(a));
    util_random_bytes(b, sizeof(b));
    /* 2^-512 chance of a false failure. */
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    util_random_bytes(a, 0);
    unsigned char *big = malloc(1 << 20);
    assert_non_null(big);
    util_random_bytes(big, 1 << 20);
    size_t zeros = 0;
    for (size_t i = 0; i < (1 << 20); i++) zeros += big[i] == 0;
    assert_true(zeros < 8192); /* expected ~4096 */
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_str2ll_matches_incrby),
        cmocka_unit_test(test_str2ll_edges),
        cmocka_unit_test(test_str2ull_strict),
        cmocka_unit_test(test_str2ull_lax_matches_xadd),
        cmocka_unit_test(test_ll2str),
        cmocka_unit_test(test_str2d_and_d2str_match_zscore),
        cmocka_unit_test(test_zincrby_formatting),
        cmocka_unit_test(test_d2str_direct),
        cmocka_unit_test(test_str2d_long_inputs),
        cmocka_unit_test(test_incrbyfloat_cases),
        cmocka_unit_test(test_incrbyfloat_sequences),
        cmocka_unit_test(test_str2ld_edges),
        cmocka_unit_test(test_ld2str_human_direct),
        cmocka_unit_test(test_glob_matches_keys),
        cmocka_unit_test(test_glob_empty_subject),
        cmocka_unit_test(test_glob_nocase),
        cmocka_unit_test(test_glob_hostile_and_nesting),
        cmocka_unit_test(test_glob_slices),
        cmocka_unit_test(test_clocks),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
