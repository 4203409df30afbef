/* test_list_index.c - unit tests for the pure helpers of src/t_list.c: index
 * keys, LRANGE/LTRIM and LINDEX/LSET index arithmetic, the side LINSERT and
 * LREM slide, and LPOS's RANK.
 *
 * The LRANGE and LINDEX tables were captured from a real Redis 7.0.15 server
 * (RPUSH l7 0 1 2 3 4 5 6, then LRANGE / LINDEX with each pair), not derived
 * from our code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Exported by src/t_list.c for these tests (no header: nothing else uses
 * them). Keep in sync with the definitions there. */
void list_index_key(char out[8], uint64_t idx);
uint64_t list_range_select(long long start, long long end, uint64_t len, uint64_t *first);
int list_index_select(long long index, uint64_t len, uint64_t *pos);
int list_insert_side(uint64_t len, uint64_t pos);
int list_compact_side(uint64_t len, uint64_t first, uint64_t last);
void list_rank_plan(long long rank, int *from_tail, uint64_t *skip, int *unlimited);

enum { LIST_HEAD = 0, LIST_TAIL = 1 };

/* Index keys sort as numbers: the store's byte order is list order. */
static void test_index_key_order(void **state) {
    (void)state;
    uint64_t v[] = {0, 1, 255, 256, 65535, (UINT64_C(1) << 63) - 1, UINT64_C(1) << 63, (UINT64_C(1) << 63) + 1,
                    UINT64_MAX - 1, UINT64_MAX};
    size_t n = sizeof(v) / sizeof(v[0]);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            char a[8], b[8];
            list_index_key(a, v[i]);
            list_index_key(b, v[j]);
            int c = memcmp(a, b, 8);
            if (v[i] < v[j]) assert_true(c < 0);
            if (v[i] == v[j]) assert_int_equal(c, 0);
            if (v[i] > v[j]) assert_true(c > 0);
        }
    }
    char k[8];
    list_index_key(k, UINT64_C(0x0102030405060708));
    assert_memory_equal(k, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
}

/* LRANGE l7 start end on the 7-element list: first element and count. */
static const struct {
    long long start, end;
    uint64_t first, n;
} lrange_cases[] = {
    {0, -1, 0, 7},
    {0, 0, 0, 1},
    {1, 3, 1, 3},
    {-3, -1, 4, 3},
    {-100, 100, 0, 7},
    {5, 2, 0, 0},
    {7, 10, 0, 0},
    {6, 6, 6, 1},
    {-1, -2, 0, 0},
    {0, -8, 0, 0},
    {0, -7, 0, 1},
    {-7, -7, 0, 1},
    {-8, 0, 0, 1},
    {3, 100, 3, 4},
    {LLONG_MIN, LLONG_MAX, 0, 7},
    {LLONG_MAX, LLONG_MIN, 0, 0},
    {LLONG_MIN, LLONG_MIN, 0, 0},
    {2, -3, 2, 3},
    {6, -1, 6, 1},
    {7, -1, 0, 0},
};

static void test_range_select_matches_redis(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(lrange_cases) / sizeof(lrange_cases[0]); i++) {
        uint64_t first = 99;
        uint64_t n = list_range_select(lrange_cases[i].start, lrange_cases[i].end, 7, &first);
        assert_int_equal(n, lrange_cases[i].n);
        if (n) assert_int_equal(first, lrange_cases[i].first);
    }
}

/* Brute force against Redis's rule on small lists: every selected position
 * is in range and the selection is exactly [start', end'] clamped. */
static void test_range_select_brute_force(void **state) {
    (void)state;
    for (uint64_t len = 0; len < 12; len++) {
        for (long long s = -15; s <= 15; s++) {
            for (long long e = -15; e <= 15; e++) {
                uint64_t first;
                uint64_t n = list_range_select(s, e, len, &first);
                long long ss = s < 0 ? s + (long long)len : s, ee = e < 0 ? e + (long long)len : e;
                if (ss < 0) ss = 0;
                if (ee >= (long long)len) ee = (long long)len - 1;
                long long want = ee >= ss ? ee - ss + 1 : 0;
                assert_int_equal(n, (uint64_t)want);
                if (n) {
                    assert_int_equal(first, (uint64_t)ss);
                    assert_true(first + n <= len);
                }
            }
        }
    }
    uint64_t first;
    assert_int_equal(list_range_select(0, -1, 0, &first), 0);
}

/* LINDEX l7 index: the element (= its position) or -1 for nil. */
static const struct {
    long long index;
    long long pos;
} lindex_cases[] = {
    {0, 0}, {3, 3}, {6, 6}, {7, -1}, {-1, 6}, {-7, 0}, {-8, -1}, {LLONG_MAX, -1}, {LLONG_MIN, -1},
};

static void test_index_select_matches_redis(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(lindex_cases) / sizeof(lindex_cases[0]); i++) {
        uint64_t pos = 99;
        int ok = list_index_select(lindex_cases[i].index, 7, &pos);
        if (lindex_cases[i].pos < 0) {
            assert_int_equal(ok, 0);
        } else {
            assert_int_equal(ok, 1);
            assert_int_equal(pos, (uint64_t)lindex_cases[i].pos);
        }
    }
    uint64_t pos;
    assert_int_equal(list_index_select(0, 0, &pos), 0);
    assert_int_equal(list_index_select(-1, 0, &pos), 0);
}

/* LINSERT moves the fewer elements: pos before the slot, or len - pos
 * from it on. The ends degenerate to a push (no element moves). */
static void test_insert_side_moves_fewer(void **state) {
    (void)state;
    for (uint64_t len = 1; len < 40; len++) {
        for (uint64_t pos = 0; pos <= len; pos++) {
            int side = list_insert_side(len, pos);
            uint64_t moved = side == LIST_HEAD ? pos : len - pos;
            uint64_t other = side == LIST_HEAD ? len - pos : pos;
            assert_true(moved <= other);
        }
        assert_int_equal(list_insert_side(len, 0), LIST_HEAD);
        assert_int_equal(list_insert_side(len, len), LIST_TAIL);
    }
}

/* LREM reads the elements on the cheaper side of the removed span: up to
 * `last` from the head, or from `first` to the end. */
static void test_compact_side_reads_fewer(void **state) {
    (void)state;
    for (uint64_t len = 1; len < 30; len++) {
        for (uint64_t first = 0; first < len; first++) {
            for (uint64_t last = first; last < len; last++) {
                int side = list_compact_side(len, first, last);
                uint64_t head_cost = last, tail_cost = len - first - 1;
                assert_true((side == LIST_HEAD ? head_cost : tail_cost) <=
                            (side == LIST_HEAD ? tail_cost : head_cost));
            }
        }
    }
    /* removing the first element moves nothing; the last one too */
    assert_int_equal(list_compact_side(1000, 0, 0), LIST_HEAD);
    assert_int_equal(list_compact_side(1000, 999, 999), LIST_TAIL);
}

/* LPOS l a RANK r on [a b c a b c a] answered 0, 3, 6 / 6, 3, 0; RANK
 * LLONG_MIN answered like -1 and COUNT 2 did not stop it (all 3 matches). */
static void test_rank_plan(void **state) {
    (void)state;
    int tail, unlimited;
    uint64_t skip;
    list_rank_plan(1, &tail, &skip, &unlimited);
    assert_int_equal(tail, 0);
    assert_int_equal(skip, 0);
    assert_int_equal(unlimited, 0);
    list_rank_plan(2, &tail, &skip, &unlimited);
    assert_int_equal(tail, 0);
    assert_int_equal(skip, 1);
    list_rank_plan(-1, &tail, &skip, &unlimited);
    assert_int_equal(tail, 1);
    assert_int_equal(skip, 0);
    list_rank_plan(-3, &tail, &skip, &unlimited);
    assert_int_equal(tail, 1);
    assert_int_equal(skip, 2);
    assert_int_equal(unlimited, 0);
    list_rank_plan(LLONG_MAX, &tail, &skip, &unlimited);
    assert_int_equal(tail, 0);
    assert_int_equal(skip, (uint64_t)LLONG_MAX - 1);
    list_rank_plan(-LLONG_MAX, &tail, &skip, &unlimited);
    assert_int_equal(tail, 1);
    assert_int_equal(skip, (uint64_t)LLONG_MAX - 1);
    assert_int_equal(unlimited, 0);
    list_rank_plan(LLONG_MIN, &tail, &skip, &unlimited);
    assert_int_equal(tail, 1);
    assert_int_equal(skip, 0);
    assert_int_equal(unlimited, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_key_order),
        cmocka_unit_test(test_range_select_matches_redis),
        cmocka_unit_test(test_range_select_brute_force),
        cmocka_unit_test(test_index_select_matches_redis),
        cmocka_unit_test(test_insert_side_moves_fewer),
        cmocka_unit_test(test_compact_side_reads_fewer),
        cmocka_unit_test(test_rank_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
