/* test_strmap.c - the byte-string hash table (src/strmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "strmap.h"

static strmap_entry *find(strmap *m, const char *k, size_t len) { return strmap_find(m, k, len, strmap_hash(k, len)); }

static void test_insert_find_remove(void **state) {
    strmap m = {0};
    assert_null(find(&m, "a", 1));
    char k[32];
    for (long i = 0; i < 10000; i++) {
        size_t n = (size_t)snprintf(k, sizeof(k), "key:%ld", i);
        strmap_insert(&m, k, n, strmap_hash(k, n), (void *)(i + 1));
    }
    assert_int_equal(m.n, 10000);
    assert_true(m.cap >= 10000 && (m.cap & (m.cap - 1)) == 0);
    for (long i = 0; i < 10000; i++) {
        size_t n = (size_t)snprintf(k, sizeof(k), "key:%ld", i);
        strmap_entry *e = find(&m, k, n);
        assert_non_null(e);
        assert_int_equal((long)e->val, i + 1);
        assert_string_equal(e->key, k); /* NUL-terminated copy */
    }
    assert_null(find(&m, "key:10000", 9));
    /* remove all but a few: the table shrinks, the rest stays findable */
    for (long i = 0; i < 9990; i++) {
        size_t n = (size_t)snprintf(k, sizeof(k), "key:%ld", i);
        strmap_remove(&m, find(&m, k, n));
    }
    assert_int_equal(m.n, 10);
    assert_true(m.cap <= 128);
    for (long i = 9990; i < 10000; i++) {
        size_t n = (size_t)snprintf(k, sizeof(k), "key:%ld", i);
        assert_non_null(find(&m, k, n));
    }
    strmap_clear(&m, NULL);
    assert_int_equal(m.n, 0);
    assert_null(m.b);
}

static void test_binary_keys(void **state) {
    strmap m = {0};
    strmap_insert(&m, "a\0b", 3, strmap_hash("a\0b", 3), (void *)1);
    strmap_insert(&m, "a", 1, strmap_hash("a", 1), (void *)2);
    strmap_insert(&m, "", 0, strmap_hash("", 0), (void *)3);
    assert_int_equal((long)find(&m, "a\0b", 3)->val, 1);
    assert_int_equal((long)find(&m, "a", 1)->val, 2);
    assert_int_equal((long)find(&m, "", 0)->val, 3);
    assert_null(find(&m, "a\0c", 3));
    strmap_remove(&m, find(&m, "a", 1));
    strmap_remove(&m, find(&m, "", 0));
    strmap_remove(&m, find(&m, "a\0b", 3));
    assert_int_equal(m.n, 0);
    assert_null(m.b);
}

static int freed;
static void count_free(void *v) { freed += (int)(long)v; }

static void test_clear_frees_values(void **state) {
    strmap m = {0};
    for (long i = 1; i <= 100; i++) {
        char k[16];
        size_t n = (size_t)snprintf(k, sizeof(k), "%ld", i);
        strmap_insert(&m, k, n, strmap_hash(k, n), (void *)i);
    }
    freed = 0;
    strmap_clear(&m, count_free);
    assert_int_equal(freed, 5050);
    assert_int_equal(m.n, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_find_remove),
        cmocka_unit_test(test_binary_keys),
        cmocka_unit_test(test_clear_frees_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
