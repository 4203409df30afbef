/* test_keyspace.c - unit tests for tiering/keyspace.c over a real RocksDB.
 *
 * Every test opens a fresh store with 16 databases in its own mkdtemp
 * directory and removes it afterwards. Time is passed in explicitly (the
 * keyspace takes now_ms as an argument), so expiry is tested without
 * sleeping. Where a property is about what is on disk (counts after a
 * reopen, no stale expire-index entries), the test closes the keyspace and
 * reads the column families with the engine directly.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "encoding.h"
#include "engine.h"
#include "keyspace.h"

#define NDB 16
#define T0 1700000000000LL /* "now" of these tests, unix ms */

static char dir[512];
static int databases = NDB;

/* ------------------------------------------------------------------------
 * Store lifecycle
 * ---------------------------------------------------------------------- */

static void open_store(void) {
    tier_options o = {
        .dir = dir,
        .databases = databases,
        .block_cache_size = 8 << 20,
        .write_buffer_size = 4 << 20,
        .compression = "lz4",
        .max_background_jobs = 2,
    };
    for (int i = 0; i < 16; i++) o.fresh_seed[i] = (uint8_t)(0xA0 + i);
    char *err = NULL;
    int r = tier_open(&o, &err);
    if (r != TIER_OK) fail_msg("tier_open(%s): %s", dir, err ? err : "?");
    assert_null(err);
}

static void commit(void) {
    char *err = NULL;
    assert_int_equal(tier_commit(0, &err), TIER_OK);
    assert_null(err);
    assert_int_equal(tier_pending(), 0);
}

static void reopen(void) {
    tier_close();
    open_store();
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* tmpfs when there is one: these tests sync the WAL on every open and
 * close, which costs real fsyncs on a disk shared with other jobs. */
static const char *temp_base(void) {
    const char *t = getenv("TMPDIR");
    if (t && *t) return t;
    return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof(dir), "%s/strata-test-ks-XXXXXX", temp_base());
    if (!mkdtemp(dir)) return -1;
    databases = NDB;
    open_store();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    tier_close();
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return access(dir, F_OK) == 0 ? -1 : 0;
}

/* Number of records in a column family, read with the engine directly
 * (the keyspace must be closed: RocksDB locks the directory). */
static long cf_count(eng_cf cf) {
    eng_options eo = {.dir = dir};
    char *err = NULL;
    eng *e = eng_open(&eo, &err);
    if (!e) fail_msg("eng_open: %s", err ? err : "?");
    eng_iter *it = eng_iter_new(e, cf, NULL, 0);
    long n = 0;
    for (eng_iter_seek(it, "", 0); eng_iter_valid(it); eng_iter_next(it)) n++;
    eng_iter_free(it);
    eng_close(e);
    return n;
}

/* Records in the expire CF, with the keyspace closed and reopened around. */
static long expire_entries(void) {
    tier_close();
    long n = cf_count(ENG_CF_EXPIRE);
    open_store();
    return n;
}

/* ------------------------------------------------------------------------
 * Key helpers (what a command would do: look up, then change)
 * ---------------------------------------------------------------------- */

static void setb(int db, const char *k, size_t kl, const char *v, size_t vl, int64_t exp) {
    tier_obj old;
    assert_int_equal(tier_lookup(db, k, kl, T0, &old), TIER_OK);
    tier_set_string(db, k, kl, v, vl, exp, &old);
    tier_obj_free(&old);
}

static void set(int db, const char *k, const char *v, int64_t exp) { setb(db, k, strlen(k), v, strlen(v), exp); }

/* 1 and the object if key exists at time now; 0 otherwise. */
static int lookup_at(int db, const char *k, size_t kl, int64_t now, tier_obj *o) {
    assert_int_equal(tier_lookup(db, k, kl, now, o), TIER_OK);
    if (!o->exists) {
        assert_null(o->raw);
        return 0;
    }
    return 1;
}

/* The key's string value must be v (NULL: the key must be absent). */
static void expect_at(int db, const char *k, size_t kl, const char *v, size_t vl, int64_t now) {
    tier_obj o;
    int r = lookup_at(db, k, kl, now, &o);
    if (!v) {
        if (r) fail_msg("db %d key '%.*s' exists, expected absent", db, (int)kl, k);
        return;
    }
    if (!r) fail_msg("db %d key '%.*s' absent, expected '%.*s'", db, (int)kl, k, (int)vl, v);
    assert_int_equal(o.type, OBJ_STRING);
    assert_int_equal(o.len, vl);
    if (vl) assert_memory_equal(o.val, v, vl);
    tier_obj_free(&o);
}

static void expect(int db, const char *k, const char *v) {
    expect_at(db, k, strlen(k), v, v ? strlen(v) : 0, T0);
}

static int64_t expire_of(int db, const char *k) {
    tier_obj o;
    assert_true(lookup_at(db, k, strlen(k), T0, &o));
    int64_t e = o.expire_ms;
    tier_obj_free(&o);
    return e;
}

static void del(int db, const char *k) {
    tier_obj o;
    assert_true(lookup_at(db, k, strlen(k), T0, &o));
    tier_delete(db, k, strlen(k), &o);
    tier_obj_free(&o);
}

static void set_expire(int db, const char *k, int64_t exp) {
    tier_obj o;
    assert_true(lookup_at(db, k, strlen(k), T0, &o));
    tier_set_expire(db, k, strlen(k), &o, exp);
    tier_obj_free(&o);
}

static void expect_counts(int db, uint64_t keys, uint64_t expires) {
    if (tier_dbsize(db) != keys || tier_dbexpires(db) != expires)
        fail_msg("db %d: dbsize %llu dbexpires %llu, expected %llu %llu", db, (unsigned long long)tier_dbsize(db),
                 (unsigned long long)tier_dbexpires(db), (unsigned long long)keys, (unsigned long long)expires);
}

static long cycle(int64_t now) { return tier_expire_cycle(now, 1000000, 10LL * 1000 * 1000); }

/* ------------------------------------------------------------------------
 * Basics
 * ---------------------------------------------------------------------- */

static void test_open_empty(void **state) {
    (void)state;
    for (int db = 0; db < NDB; db++) expect_counts(db, 0, 0);
    assert_int_equal(tier_pending(), 0);
    expect(0, "nope", NULL);
    assert_string_equal(tier_type_name(OBJ_STRING), "string");
    assert_string_equal(tier_type_name(OBJ_HASH), "hash");
    assert_string_equal(tier_type_name(99), "none");
    /* A store reopened without changes is still empty. */
    reopen();
    for (int db = 0; db < NDB; db++) expect_counts(db, 0, 0);
}

/* A store that cannot be opened is an error with a message, not a crash. */
static void test_open_errors(void **state) {
    (void)state;
    /* The directory is locked while the keyspace holds it. */
    eng_options eo = {.dir = dir};
    char *err = NULL;
    eng *e = eng_open(&eo, &err);
    assert_null(e);
    assert_non_null(err);
    eng_free(err);

    /* A path that is a regular file. */
    char file[600];
    snprintf(file, sizeof(file), "%s/not-a-dir", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    tier_close();
    tier_options o = {.dir = file, .databases = NDB};
    err = NULL;
    assert_int_equal(tier_open(&o, &err), TIER_ERR);
    assert_non_null(err);
    free(err);
    tier_close(); /* harmless after a failed open */
    remove(file);
    open_store();
    set(0, "still", "works", 0);
    commit();
    expect(0, "still", "works");
}

static void test_set_lookup_delete(void **state) {
    (void)state;
    set(0, "k", "v1", 0);
    expect(0, "k", "v1");
    expect(1, "k", NULL); /* databases are separate */
    assert_true(expire_of(0, "k") == 0);
    set(0, "k", "second value", 0);
    expect(0, "k", "second value");
    set(1, "k", "in db1", 0);
    expect(0, "k", "second value");
    expect(1, "k", "in db1");
    del(0, "k");
    expect(0, "k", NULL);
    expect(1, "k", "in db1");
    commit();
    expect(0, "k", NULL);
    expect(1, "k", "in db1");

    /* Empty value and a large value (both outside the stack scratch). */
    set(2, "empty", "", 0);
    expect(2, "empty", "");
    char *big = malloc(200000);
    for (int i = 0; i < 200000; i++) big[i] = (char)(i * 7);
    char longkey[1000];
    memset(longkey, 'L', sizeof(longkey));
    setb(2, longkey, sizeof(longkey), big, 200000, T0 + 5000);
    expect_at(2, longkey, sizeof(longkey), big, 200000, T0);
    commit();
    reopen();
    expect_at(2, longkey, sizeof(longkey), big, 200000, T0);
    expect(2, "empty", "");
    expect_counts(2, 2, 1);
    free(big);
}

static void test_uncommitted_writes_visible(void **state) {
    (void)state;
    set(0, "a", "1", 0);
    assert_true(tier_pending() > 0);
    expect(0, "a", "1");
    set(0, "a", "2", 0);
    expect(0, "a", "2");
    set(0, "b", "x", T0 + 1000);
    assert_true(expire_of(0, "b") == T0 + 1000);
    del(0, "b");
    expect(0, "b", NULL);
    expect_counts(0, 1, 0);
    commit();
    expect(0, "a", "2");
    /* A delete of a committed key is seen before its commit too. */
    del(0, "a");
    expect(0, "a", NULL);
    expect_counts(0, 0, 0);
}

static void test_commit_and_reopen(void **state) {
    (void)state;
    set(0, "kept", "yes", 0);
    set(3, "kept3", "yes3", T0 + 100000);
    commit();
    /* Uncommitted changes: a new key, a delete, an overwrite, a TTL. */
    set(0, "dropped", "no", 0);
    del(3, "kept3");
    set(0, "kept", "overwritten", T0 + 5);
    set(5, "dropped5", "no", T0 + 7);
    expect_counts(0, 2, 1);
    reopen();
    expect(0, "kept", "yes");
    assert_true(expire_of(0, "kept") == 0);
    expect(3, "kept3", "yes3");
    assert_true(expire_of(3, "kept3") == T0 + 100000);
    expect(0, "dropped", NULL);
    expect(5, "dropped5", NULL);
    /* Counts are the committed ones, not the dropped in-memory ones. */
    expect_counts(0, 1, 0);
    expect_counts(3, 1, 1);
    expect_counts(5, 0, 0);
    /* ...and the dropped TTLs left no index entries. */
    assert_int_equal(expire_entries(), 1);
    /* A synced commit works too. */
    set(0, "synced", "s", 0);
    char *err = NULL;
    assert_int_equal(tier_commit(1, &err), TIER_OK);
    assert_int_equal(tier_sync_wal(&err), TIER_OK);
    reopen();
    expect(0, "synced", "s");
}

static void test_counts_exact(void **state) {
    (void)state;
    int db = 7;
    set(db, "a", "1", 0);
    expect_counts(db, 1, 0);
    set(db, "a", "2", 0); /* overwrite */
    expect_counts(db, 1, 0);
    set(db, "b", "1", T0 + 100); /* new with expiry */
    expect_counts(db, 2, 1);
    set(db, "b", "2", T0 + 200); /* overwrite, new expiry */
    expect_counts(db, 2, 1);
    set(db, "b", "3", 0); /* overwrite clears expiry */
    expect_counts(db, 2, 0);
    set_expire(db, "a", T0 + 300); /* EXPIRE */
    expect_counts(db, 2, 1);
    set_expire(db, "a", T0 + 400); /* EXPIRE again */
    expect_counts(db, 2, 1);
    set_expire(db, "a", 0); /* PERSIST */
    expect_counts(db, 2, 0);
    set(db, "c", "1", T0 + 50);
    set(db, "d", "1", T0 + 60);
    expect_counts(db, 4, 2);
    del(db, "c"); /* delete a key with expiry */
    expect_counts(db, 3, 1);
    del(db, "b"); /* and one without */
    expect_counts(db, 2, 1);
    commit();
    reopen();
    expect_counts(db, 2, 1);
    for (int i = 0; i < NDB; i++)
        if (i != db) expect_counts(i, 0, 0);

    /* Lazy expiry of "d". */
    expect_at(db, "d", 1, NULL, 0, T0 + 61);
    expect_counts(db, 1, 0);
    commit();
    reopen();
    expect_counts(db, 1, 0);

    /* Active expiry. */
    set(db, "e", "1", T0 + 10);
    set(db, "f", "1", T0 + 10000);
    expect_counts(db, 3, 2);
    assert_int_equal(cycle(T0 + 11), 1);
    expect_counts(db, 2, 1);
    commit();
    reopen();
    expect_counts(db, 2, 1);

    /* FLUSHDB. */
    assert_int_equal(tier_flushdb(db, 0), TIER_OK);
    expect_counts(db, 0, 0);
    reopen();
    expect_counts(db, 0, 0);
    set(db, "g", "1", T0 + 10000);
    commit();
    reopen();
    expect_counts(db, 1, 1);

    /* FLUSHALL. */
    set(0, "x", "1", 0);
    set(15, "y", "1", T0 + 5);
    commit();
    assert_int_equal(tier_flushall(0), TIER_OK);
    for (int i = 0; i < NDB; i++) expect_counts(i, 0, 0);
    reopen();
    for (int i = 0; i < NDB; i++) expect_counts(i, 0, 0);
    expect(0, "x", NULL);
    expect(db, "g", NULL);
}

/* ------------------------------------------------------------------------
 * Expiry
 * ---------------------------------------------------------------------- */

static void test_lazy_expiry(void **state) {
    (void)state;
    set(0, "t", "v", T0 + 100);
    set(0, "keep", "v", 0);
    commit();
    expect_counts(0, 2, 1);
    /* Before its time the key is there and nothing changes. */
    expect_at(0, "t", 1, "v", 1, T0 + 99);
    assert_int_equal(tier_pending(), 0);
    expect_counts(0, 2, 1);
    /* After it, the lookup reports it absent and deletes it. */
    expect_at(0, "t", 1, NULL, 0, T0 + 101);
    expect_counts(0, 1, 0);
    assert_true(tier_pending() > 0);
    /* Absent for every later lookup, even one with an earlier clock. */
    expect_at(0, "t", 1, NULL, 0, T0);
    commit();
    reopen();
    expect_at(0, "t", 1, NULL, 0, T0);
    expect_counts(0, 1, 0);
    /* The delete took the index entry with it. */
    assert_int_equal(expire_entries(), 0);
    assert_int_equal(cycle(T0 + 1000000), 0);

    /* SET over a key that expired: the lookup deletes it, the write
     * creates it anew (as a command's lookup-then-write does). */
    set(0, "again", "old", T0 + 10);
    commit();
    tier_obj o;
    assert_false(lookup_at(0, "again", 5, T0 + 20, &o));
    tier_set_string(0, "again", 5, "new", 3, T0 + 5000, &o);
    tier_obj_free(&o);
    expect_counts(0, 2, 1);
    commit();
    reopen();
    expect_counts(0, 2, 1);
    expect_at(0, "again", 5, "new", 3, T0 + 20);
    assert_int_equal(expire_entries(), 1);
    assert_int_equal(cycle(T0 + 4999), 0);
    assert_int_equal(cycle(T0 + 5001), 1);
    expect_counts(0, 1, 0);
}

/* At exactly the expiry time the lookup and the active cycle must agree on
 * whether the key is due (whichever boundary is chosen). */
static void test_expiry_boundary_consistent(void **state) {
    (void)state;
    set(0, "edge", "v", T0 + 100);
    commit();
    assert_int_equal(cycle(T0 + 99), 0);
    tier_obj o;
    int alive_lookup = lookup_at(0, "edge", 4, T0 + 100, &o);
    tier_obj_free(&o);
    tier_close(); /* drop whatever the lookup did */
    open_store();
    long deleted = cycle(T0 + 100);
    assert_int_equal(deleted, alive_lookup ? 0 : 1);
}

static void test_expire_cycle(void **state) {
    (void)state;
    /* Due keys in several dbs (including the last), future keys, and keys
     * without expiry. */
    set(0, "due0", "v", T0 + 10);
    set(5, "due5", "v", T0 + 20);
    set(15, "due15", "v", T0 + 30);
    set(15, "due15b", "v", T0 + 30); /* same time, same db */
    set(0, "future0", "v", T0 + 1000000);
    set(5, "future5", "v", T0 + 40);
    set(0, "plain", "v", 0);
    commit();
    assert_int_equal(cycle(T0), 0);
    assert_int_equal(cycle(T0 + 30), 2); /* Redis: expired once now > deadline */
    assert_int_equal(cycle(T0 + 31), 2);
    expect_counts(0, 2, 1);
    expect_counts(5, 1, 1);
    expect_counts(15, 0, 0);
    /* The deleted keys are gone even for a lookup with an old clock. */
    expect_at(0, "due0", 4, NULL, 0, T0);
    expect_at(15, "due15b", 6, NULL, 0, T0);
    expect_at(5, "future5", 7, "v", 1, T0);
    expect(0, "future0", "v");
    expect(0, "plain", "v");
    /* Nothing further is due yet; then the next one is. */
    assert_int_equal(cycle(T0 + 39), 0);
    assert_int_equal(cycle(T0 + 41), 1);
    commit();
    reopen();
    expect(5, "future5", NULL);
    expect(0, "future0", "v");
    expect_counts(0, 2, 1);
    expect_counts(5, 0, 0);
    assert_int_equal(expire_entries(), 1);
    /* Keys that are due but not committed yet are found too. */
    set(3, "fresh", "v", T0 + 1);
    assert_int_equal(cycle(T0 + 2), 1);
    expect_counts(3, 0, 0);
}

static void test_expire_cycle_limits(void **state) {
    (void)state;
    char k[32];
    for (int i = 0; i < 150; i++) {
        snprintf(k, sizeof(k), "k%03d", i);
        set(i % NDB, k, "v", T0 + 1 + i);
    }
    commit();
    /* max_keys bounds the work of one call. */
    long n = tier_expire_cycle(T0 + 1000, 10, 10LL * 1000 * 1000);
    assert_int_equal(n, 10);
    n = tier_expire_cycle(T0 + 1000, 1, 10LL * 1000 * 1000);
    assert_int_equal(n, 1);
    /* Due keys go in time order: the earliest ones went first. */
    expect_at(0, "k000", 4, NULL, 0, T0);
    /* No time budget: one round (at most 64 keys), not nothing. */
    n = tier_expire_cycle(T0 + 1000, 1000, 0);
    assert_true(n >= 1 && n <= 64);
    /* The rest, in rounds of 64 and a partial one. */
    n += cycle(T0 + 1000);
    assert_int_equal(n, 139);
    uint64_t total = 0;
    for (int db = 0; db < NDB; db++) total += tier_dbsize(db) + tier_dbexpires(db);
    assert_int_equal(total, 0);
    commit();
    assert_int_equal(expire_entries(), 0);
}

/* Changing a key's expiry moves its index entry: the key is not deleted at
 * the old time, and no entry is left behind. */
static void test_expire_changed_not_deleted(void **state) {
    (void)state;
    set(0, "later", "v", T0 + 10);
    set(0, "persisted", "v", T0 + 10);
    set(0, "overwritten", "v", T0 + 10);
    set(0, "earlier", "v", T0 + 1000);
    set(0, "reset_same", "v", T0 + 10);
    commit();
    set_expire(0, "later", T0 + 500);   /* EXPIRE later */
    set_expire(0, "persisted", 0);      /* PERSIST */
    set(0, "overwritten", "w", 0);      /* SET without options clears the TTL */
    set_expire(0, "earlier", T0 + 20);  /* EXPIRE earlier */
    set(0, "reset_same", "x", T0 + 10); /* SET with the same deadline */
    commit();
    expect_counts(0, 5, 3);
    assert_int_equal(expire_entries(), 3);

    assert_int_equal(cycle(T0 + 30), 2); /* "earlier" and "reset_same" */
    expect(0, "later", "v");
    expect(0, "persisted", "v");
    expect(0, "overwritten", "w");
    expect(0, "earlier", NULL);
    expect(0, "reset_same", NULL);
    assert_int_equal(cycle(T0 + 999), 1); /* "later" */
    assert_int_equal(cycle(T0 + 100000000), 0);
    expect(0, "persisted", "v");
    expect(0, "overwritten", "w");
    commit();
    expect_counts(0, 2, 0);
    assert_int_equal(expire_entries(), 0);

    /* Same within one uncommitted batch. */
    set(1, "k", "v", T0 + 10);
    set_expire(1, "k", T0 + 50);
    assert_int_equal(cycle(T0 + 20), 0);
    expect(1, "k", "v");
    commit();
    assert_int_equal(expire_entries(), 1);
}

/* FLUSHDB leaves index entries behind by design; the cycle must drop them
 * without touching a new key of the same name. */
static void test_expire_after_flush(void **state) {
    (void)state;
    set(2, "k", "old", T0 + 10);
    set(2, "j", "old", T0 + 10);
    commit();
    assert_int_equal(tier_flushdb(2, 0), TIER_OK);
    set(2, "k", "new", 0);           /* same name, no expiry */
    set(2, "j", "new", T0 + 100000); /* same name, later expiry */
    commit();
    expect_counts(2, 2, 1);
    assert_int_equal(cycle(T0 + 20), 0);
    expect(2, "k", "new");
    expect(2, "j", "new");
    expect_counts(2, 2, 1);
    commit();
    assert_int_equal(expire_entries(), 1);
}

/* ------------------------------------------------------------------------
 * Whole databases
 * ---------------------------------------------------------------------- */

static void test_swapdb(void **state) {
    (void)state;
    set(0, "a", "0a", 0);
    set(0, "b", "0b", T0 + 100000);
    set(1, "c", "1c", T0 + 50);
    commit();
    tier_swapdb(0, 1);
    expect(0, "c", "1c");
    expect(0, "a", NULL);
    expect(1, "a", "0a");
    expect(1, "b", "0b");
    expect_counts(0, 1, 1);
    expect_counts(1, 2, 1);
    commit(); /* only the map changed */
    reopen();
    expect(0, "c", "1c");
    expect(1, "a", "0a");
    expect(1, "b", "0b");
    expect(0, "a", NULL);
    expect_counts(0, 1, 1);
    expect_counts(1, 2, 1);

    /* Writes after the swap land in the swapped db and survive. */
    set(0, "d", "new0", 0);
    set(1, "e", "new1", 0);
    commit();
    reopen();
    expect(0, "d", "new0");
    expect(1, "e", "new1");
    expect_counts(0, 2, 1);
    expect_counts(1, 3, 1);

    /* Active expiry after a swap counts against the right db. */
    assert_int_equal(cycle(T0 + 60), 1);
    expect(0, "c", NULL);
    expect_counts(0, 1, 0);
    expect_counts(1, 3, 1);

    /* Swap with an empty db, swap back, and a db with itself. */
    tier_swapdb(1, 9);
    expect_counts(1, 0, 0);
    expect_counts(9, 3, 1);
    tier_swapdb(4, 4);
    expect_counts(4, 0, 0);
    commit();
    reopen();
    expect(9, "a", "0a");
    expect(1, "a", NULL);
    tier_swapdb(9, 1);
    commit();
    reopen();
    expect(1, "a", "0a");
    expect_counts(1, 3, 1);
    expect_counts(9, 0, 0);
    /* FLUSHDB after a swap clears the logical db, not the old physical one. */
    assert_int_equal(tier_flushdb(1, 0), TIER_OK);
    expect(1, "a", NULL);
    expect(0, "d", "new0");
    reopen();
    expect(1, "a", NULL);
    expect(0, "d", "new0");
    expect_counts(0, 1, 0);
}

static void test_flushdb(void **state) {
    (void)state;
    char k[16];
    for (int i = 0; i < 100; i++) {
        snprintf(k, sizeof(k), "k%d", i);
        set(0, k, "zero", i % 2 ? T0 + 100000 : 0);
        set(1, k, "one", i % 3 ? 0 : T0 + 100000);
        set(15, k, "fifteen", 0);
    }
    commit();
    /* Pending writes to the flushed db and to another one. */
    set(0, "pending0", "p", 0);
    set(1, "pending1", "p", 0);
    assert_int_equal(tier_flushdb(0, 1), TIER_OK);
    assert_int_equal(tier_pending(), 0);
    expect_counts(0, 0, 0);
    expect_counts(1, 101, 34);
    expect_counts(15, 100, 0);
    expect(0, "k5", NULL);
    expect(0, "pending0", NULL);
    expect(1, "k5", "one");
    expect(1, "pending1", "p");
    expect(15, "k99", "fifteen");
    reopen();
    expect_counts(0, 0, 0);
    expect_counts(1, 101, 34);
    expect_counts(15, 100, 0);
    expect(0, "k5", NULL);
    expect(1, "pending1", "p");
    /* The last db of the map can be flushed too. */
    assert_int_equal(tier_flushdb(15, 0), TIER_OK);
    expect(15, "k0", NULL);
    expect_counts(15, 0, 0);
    reopen();
    expect(15, "k0", NULL);
    expect(1, "k0", "one");
    expect_counts(15, 0, 0);
    /* The flushed db is usable again. */
    set(0, "again", "yes", 0);
    commit();
    expect(0, "again", "yes");
    expect_counts(0, 1, 0);
}

/* The `databases` setting may shrink and grow: dbs beyond it keep their
 * data (and exact counts) for a later restart that reaches them again. */
static void test_databases_setting_changes(void **state) {
    (void)state;
    set(15, "hi", "v", 0);
    set(15, "ttl", "v", T0 + 10);
    set(2, "lo", "v", 0);
    commit();
    databases = 4;
    reopen();
    expect(2, "lo", "v");
    expect_counts(2, 1, 0);
    /* The active cycle reaches keys of dbs that are not reachable now. */
    assert_int_equal(cycle(T0 + 20), 1);
    commit();
    databases = 20;
    reopen();
    expect(15, "hi", "v");
    expect(15, "ttl", NULL);
    expect_counts(15, 1, 0);
    expect(2, "lo", "v");
    for (int db = 16; db < 20; db++) expect_counts(db, 0, 0);
    set(19, "new", "v", 0);
    commit();
    expect(15, "new", NULL);
    databases = NDB;
    reopen();
    expect(15, "hi", "v");
    expect_counts(15, 1, 0);
}

/* ------------------------------------------------------------------------
 * SCAN
 * ---------------------------------------------------------------------- */

#define NSCAN 10000

typedef struct {
    unsigned char *seen; /* visits per key index */
    long visits, foreign, calls;
    int last_type;
} scan_ctx;

static void scan_fn(const char *key, size_t klen, int type, int64_t expire_ms, void *p) {
    scan_ctx *c = p;
    char buf[32];
    int idx;
    c->visits++;
    c->last_type = type;
    if (klen >= sizeof(buf) || klen < 5 || memcmp(key, "scan:", 5)) {
        c->foreign++;
        return;
    }
    memcpy(buf, key, klen);
    buf[klen] = 0;
    idx = atoi(buf + 5);
    assert_true(idx >= 0 && idx < NSCAN);
    assert_int_equal(type, OBJ_STRING);
    assert_true(expire_ms == (idx % 10 == 0 ? T0 + 1000000 + idx : 0));
    c->seen[idx]++;
}

/* Scan db from cursor until it returns 0 or `max_calls` calls were made.
 * Returns the cursor to continue from. */
static uint64_t scan_from(int db, uint64_t cursor, long count, scan_ctx *c, long max_calls) {
    for (long i = 0; i < max_calls; i++) {
        uint64_t next = 12345;
        long before = c->visits;
        assert_int_equal(tier_scan(db, cursor, count, scan_fn, c, &next), TIER_OK);
        c->calls++;
        /* About `count` per call: more only when keys share a hash. */
        assert_true(c->visits - before <= count + 1);
        if (next == 0) return 0;
        assert_true(c->visits - before >= count);
        /* The cursor moves forward through the hash space. */
        assert_true(next > cursor);
        cursor = next;
    }
    return cursor;
}

static void fill_scan(int db, int from, int to) {
    char k[32];
    for (int i = from; i < to; i++) {
        int n = snprintf(k, sizeof(k), "scan:%d", i);
        setb(db, k, (size_t)n, "v", 1, i % 10 == 0 ? T0 + 1000000 + i : 0);
    }
}

static void expect_each_once(scan_ctx *c, int n) {
    for (int i = 0; i < n; i++)
        if (c->seen[i] != 1) fail_msg("scan:%d visited %d times", i, c->seen[i]);
    assert_int_equal(c->foreign, 0);
}

static void test_scan_all_once(void **state) {
    (void)state;
    fill_scan(2, 0, NSCAN);
    /* Neighbouring dbs must not leak into the scan. */
    set(1, "other1", "v", 0);
    set(3, "other3", "v", 0);
    commit();
    scan_ctx c = {.seen = calloc(NSCAN, 1)};
    assert_int_equal(scan_from(2, 0, 7, &c, 1000000), 0);
    expect_each_once(&c, NSCAN);
    assert_int_equal(c.visits, NSCAN);
    assert_true(c.calls >= NSCAN / 7 && c.calls <= NSCAN / 7 + 2);

    /* Empty db: one call, cursor 0, nothing visited. */
    memset(c.seen, 0, NSCAN);
    c.visits = c.calls = 0;
    assert_int_equal(scan_from(4, 0, 7, &c, 10), 0);
    assert_int_equal(c.visits, 0);
    assert_int_equal(c.calls, 1);

    /* One big count visits everything in one call. */
    c.visits = 0;
    assert_int_equal(scan_from(2, 0, NSCAN * 2, &c, 1), 0);
    assert_int_equal(c.visits, NSCAN);
    free(c.seen);
}

static void test_scan_resumes_after_reopen(void **state) {
    (void)state;
    fill_scan(5, 0, NSCAN);
    commit();
    scan_ctx c = {.seen = calloc(NSCAN, 1)};
    uint64_t cursor = scan_from(5, 0, 7, &c, 600);
    assert_true(cursor != 0);
    assert_int_equal(c.visits, 600 * 7);
    reopen();
    assert_int_equal(scan_from(5, cursor, 7, &c, 1000000), 0);
    expect_each_once(&c, NSCAN);
    assert_int_equal(c.visits, NSCAN);
    free(c.seen);
}

/* Keys in the pending batch are scanned along with committed ones, and
 * pending deletes hide committed keys. */
static void test_scan_sees_pending_batch(void **state) {
    (void)state;
    fill_scan(6, 0, NSCAN / 2);
    set(7, "next-db", "v", 0);
    commit();
    fill_scan(6, NSCAN / 2, NSCAN);
    char k[32];
    set(6, "doomed", "v", 0);
    commit();
    del(6, "doomed");
    for (int i = 0; i < 50; i++) { /* delete and re-create some committed keys */
        int n = snprintf(k, sizeof(k), "scan:%d", i * 7);
        setb(6, k, (size_t)n, "w", 1, i * 7 % 10 == 0 ? T0 + 1000000 + i * 7 : 0);
    }
    set(7, "next-db-pending", "v", 0);
    assert_true(tier_pending() > 0);
    scan_ctx c = {.seen = calloc(NSCAN, 1)};
    assert_int_equal(scan_from(6, 0, 7, &c, 1000000), 0);
    expect_each_once(&c, NSCAN);
    assert_int_equal(c.visits, NSCAN);
    free(c.seen);
}

/* Write a string meta record with a chosen hash straight into the store
 * (the keyspace must be closed), to stage hash collisions and extreme
 * hashes that real keys would take ages to produce. */
static void put_raw_meta(eng *e, uint16_t pdb, uint64_t hash, const char *key) {
    char k[64], v[8];
    size_t kn = enc_meta_key(k, pdb, hash, key, strlen(key));
    size_t hl = enc_meta_header(v, ENC_TYPE_STRING, 0);
    v[hl] = 'v';
    eng_put(e, ENG_CF_META, k, kn, v, hl + 1);
}

static void commit_raw(eng *e) {
    char *err = NULL;
    assert_int_equal(eng_commit(e, 1, &err), 0);
}

typedef struct {
    char keys[16][8];
    int n;
} key_list;

static void collect_fn(const char *key, size_t klen, int type, int64_t exp, void *p) {
    key_list *l = p;
    assert_true(klen < 8 && l->n < 16);
    memcpy(l->keys[l->n], key, klen);
    l->keys[l->n][klen] = 0;
    l->n++;
}

static void expect_scan_step(int db, uint64_t cursor, long count, const char *want, uint64_t want_next) {
    key_list l = {.n = 0};
    uint64_t next = 777;
    assert_int_equal(tier_scan(db, cursor, count, collect_fn, &l, &next), TIER_OK);
    char got[128] = "";
    for (int i = 0; i < l.n; i++) {
        strcat(got, l.keys[i]);
        if (i + 1 < l.n) strcat(got, ",");
    }
    assert_string_equal(got, want);
    assert_true(next == want_next);
}

/* Keys sharing a hash are returned by the same call (the cursor is a hash
 * and cannot point between them). */
static void test_scan_same_hash_not_split(void **state) {
    (void)state;
    tier_close(); /* logical db 0 is physical 0 in a new store */
    eng_options eo = {.dir = dir};
    char *err = NULL;
    eng *e = eng_open(&eo, &err);
    assert_non_null(e);
    put_raw_meta(e, 0, 5, "a");
    put_raw_meta(e, 0, 5, "b");
    put_raw_meta(e, 0, 5, "c");
    put_raw_meta(e, 0, 9, "d");
    put_raw_meta(e, 0, 9, "e");
    put_raw_meta(e, 0, 12, "f");
    put_raw_meta(e, 0, UINT64_MAX, "g");
    put_raw_meta(e, 0, UINT64_MAX, "h");
    put_raw_meta(e, 1, 0, "x"); /* next db, lowest hash */
    commit_raw(e);
    eng_close(e);
    open_store();
    expect_scan_step(0, 0, 1, "a,b,c", 9);
    expect_scan_step(0, 9, 1, "d,e", 12);
    expect_scan_step(0, 12, 1, "f", UINT64_MAX);
    expect_scan_step(0, UINT64_MAX, 1, "g,h", 0);
    expect_scan_step(0, 0, 2, "a,b,c", 9);
    expect_scan_step(0, 0, 4, "a,b,c,d,e", 12);
    expect_scan_step(0, 6, 3, "d,e,f", UINT64_MAX); /* a cursor between hashes */
    expect_scan_step(0, 13, 100, "g,h", 0);
    expect_scan_step(0, 0, 100, "a,b,c,d,e,f,g,h", 0);
    expect_scan_step(1, 0, 100, "x", 0);
}

/* The last physical id (65535) has no [id+1] to bound its range: FLUSHDB
 * must still clear all of it. */
static void test_flush_last_physical_db(void **state) {
    (void)state;
    databases = 65536;
    reopen(); /* logical 16..65535 get physical ids 16..65535 */
    const int last = 65535;
    char k[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof(k), "key:%d", i);
        set(last, k, "v", 0);
        if (i < 10) set(last - 1, k, "w", 0);
    }
    commit();
    expect_counts(last, 2000, 0);
    /* A key whose hash is all ones: the very end of the meta CF. */
    tier_close();
    eng_options eo = {.dir = dir};
    char *err = NULL;
    eng *e = eng_open(&eo, &err);
    assert_non_null(e);
    put_raw_meta(e, 0xFFFF, UINT64_MAX, "zz");
    commit_raw(e);
    eng_close(e);
    open_store();
    expect_scan_step(last, UINT64_MAX, 10, "zz", 0);

    assert_int_equal(tier_flushdb(last, 0), TIER_OK);
    expect_counts(last, 0, 0);
    for (int i = 0; i < 2000; i++) {
        snprintf(k, sizeof(k), "key:%d", i);
        tier_obj o;
        if (lookup_at(last, k, strlen(k), T0, &o)) fail_msg("%s survived FLUSHDB", k);
    }
    expect_scan_step(last, 0, 100000, "", 0);
    expect_counts(last - 1, 10, 0);
    expect(last - 1, "key:3", "w");
    reopen();
    expect_scan_step(last, 0, 100000, "", 0);
    expect(last - 1, "key:3", "w");
}

/* ------------------------------------------------------------------------
 * RANDOMKEY, COPY, binary keys
 * ---------------------------------------------------------------------- */

static void test_randomkey(void **state) {
    (void)state;
    char *k = NULL;
    size_t kl = 0;
    int found = -1;
    assert_int_equal(tier_randomkey(0, T0, &k, &kl, &found), TIER_OK);
    assert_int_equal(found, 0);

    set(1, "only", "v", 0);
    for (int pending = 1; pending >= 0; pending--) {
        for (int i = 0; i < 20; i++) {
            assert_int_equal(tier_randomkey(1, T0, &k, &kl, &found), TIER_OK);
            assert_int_equal(found, 1);
            assert_int_equal(kl, 4);
            assert_memory_equal(k, "only", 4);
            assert_int_equal(k[kl], 0);
            free(k);
        }
        if (pending) commit();
    }
    assert_int_equal(tier_randomkey(0, T0, &k, &kl, &found), TIER_OK);
    assert_int_equal(found, 0);

    /* Many keys: every answer is a key of the db, and they vary. */
    char name[16];
    for (int i = 0; i < 50; i++) {
        snprintf(name, sizeof(name), "r%02d", i);
        set(2, name, "v", 0);
    }
    commit();
    int hits[50] = {0}, distinct = 0;
    for (int i = 0; i < 500; i++) {
        assert_int_equal(tier_randomkey(2, T0, &k, &kl, &found), TIER_OK);
        assert_int_equal(found, 1);
        assert_int_equal(kl, 3);
        assert_int_equal(k[0], 'r');
        int idx = atoi(k + 1);
        assert_true(idx >= 0 && idx < 50);
        distinct += hits[idx]++ == 0;
        free(k);
    }
    assert_true(distinct >= 25);

    /* Expired keys are never returned; only-expired means none found. */
    set(3, "dead1", "v", T0 + 1);
    set(3, "dead2", "v", T0 + 2);
    set(3, "live", "v", 0);
    commit();
    for (int i = 0; i < 30; i++) {
        assert_int_equal(tier_randomkey(3, T0 + 10, &k, &kl, &found), TIER_OK);
        assert_int_equal(found, 1);
        assert_int_equal(kl, 4);
        assert_memory_equal(k, "live", 4);
        free(k);
    }
    del(3, "live");
    assert_int_equal(tier_randomkey(3, T0 + 10, &k, &kl, &found), TIER_OK);
    assert_int_equal(found, 0);
    /* The db itself is empty after a delete. */
    tier_obj o;
    assert_false(lookup_at(3, "dead1", 5, T0 + 10, &o));
    assert_false(lookup_at(3, "dead2", 5, T0 + 10, &o));
    commit();
    expect_counts(3, 0, 0);
    assert_int_equal(tier_randomkey(3, T0, &k, &kl, &found), TIER_OK);
    assert_int_equal(found, 0);
}

static void copy_key(int sdb, const char *src, int ddb, const char *dst) {
    tier_obj s, d;
    assert_true(lookup_at(sdb, src, strlen(src), T0, &s));
    assert_int_equal(tier_lookup(ddb, dst, strlen(dst), T0, &d), TIER_OK);
    assert_int_equal(tier_copy(sdb, src, strlen(src), &s, ddb, dst, strlen(dst), &d), TIER_OK);
    tier_obj_free(&s);
    tier_obj_free(&d);
}

static void test_copy(void **state) {
    (void)state;
    set(0, "src", "payload", T0 + 500);
    set(0, "plain", "p", 0);
    commit();
    copy_key(0, "src", 4, "dst");
    expect(4, "dst", "payload");
    assert_true(expire_of(4, "dst") == T0 + 500);
    expect(0, "src", "payload"); /* the source stays */
    expect_counts(4, 1, 1);
    expect_counts(0, 2, 1);
    /* Copy within one db. */
    copy_key(0, "src", 0, "src2");
    expect(0, "src2", "payload");
    assert_true(expire_of(0, "src2") == T0 + 500);
    expect_counts(0, 3, 2);
    /* Copy onto an existing key with another expiry (COPY ... REPLACE). */
    set(5, "target", "old", T0 + 50);
    copy_key(0, "plain", 5, "target");
    expect(5, "target", "p");
    assert_true(expire_of(5, "target") == 0);
    expect_counts(5, 1, 0);
    commit();
    reopen();
    expect(4, "dst", "payload");
    assert_true(expire_of(4, "dst") == T0 + 500);
    expect_counts(4, 1, 1);
    expect_counts(0, 3, 2);
    expect_counts(5, 1, 0);
    /* The replaced key's old deadline deletes nothing; the copies expire. */
    assert_int_equal(cycle(T0 + 100), 0);
    expect(5, "target", "p");
    assert_int_equal(cycle(T0 + 501), 3);
    expect(4, "dst", NULL);
    expect(0, "src", NULL);
    expect(0, "src2", NULL);
    commit();
    assert_int_equal(expire_entries(), 0);
}

/* Keys with NUL bytes, keys that are prefixes of each other, the empty key. */
static const struct {
    const char *k;
    size_t kl;
    const char *v;
    size_t vl;
} bin_kv[] = {
    {"", 0, "empty key", 9},
    {"a", 1, "a", 1},
    {"a\0", 2, "a-nul", 5},
    {"a\0b", 3, "a-nul-b", 7},
    {"a\0c", 3, "a-nul-c", 7},
    {"\0", 1, "nul", 3},
    {"\0\0\0", 3, "\0v\0", 3},
    {"\xff\xfe", 2, "", 0},
};
#define NBIN (sizeof(bin_kv) / sizeof(bin_kv[0]))

/* Counts scan visits per bin_kv entry, matched by (bytes, length). */
static void scan_bin(const char *key, size_t klen, int type, int64_t exp, void *p) {
    int *seen = p;
    assert_int_equal(type, OBJ_STRING);
    assert_true(exp == 0);
    for (size_t i = 0; i < NBIN; i++) {
        if (bin_kv[i].kl == klen && (!klen || !memcmp(bin_kv[i].k, key, klen))) {
            seen[i]++;
            return;
        }
    }
    fail_msg("scan returned an unknown key of %zu bytes", klen);
}

static void test_binary_keys(void **state) {
    (void)state;
    size_t n = NBIN;
    for (size_t i = 0; i < n; i++) setb(0, bin_kv[i].k, bin_kv[i].kl, bin_kv[i].v, bin_kv[i].vl, 0);
    expect_counts(0, n, 0);
    for (size_t i = 0; i < n; i++) expect_at(0, bin_kv[i].k, bin_kv[i].kl, bin_kv[i].v, bin_kv[i].vl, T0);
    commit();
    reopen();
    for (size_t i = 0; i < n; i++) expect_at(0, bin_kv[i].k, bin_kv[i].kl, bin_kv[i].v, bin_kv[i].vl, T0);
    expect_counts(0, n, 0);

    /* SCAN returns every key with its exact length, once. */
    int seen[NBIN] = {0};
    uint64_t next = 1;
    assert_int_equal(tier_scan(0, 0, 100, scan_bin, seen, &next), TIER_OK);
    assert_true(next == 0);
    for (size_t i = 0; i < n; i++) assert_int_equal(seen[i], 1);
    /* ...also one key per call. */
    memset(seen, 0, sizeof(seen));
    uint64_t cur = 0;
    int calls = 0;
    do {
        assert_int_equal(tier_scan(0, cur, 1, scan_bin, seen, &cur), TIER_OK);
        calls++;
    } while (cur != 0 && calls < 100);
    assert_int_equal(calls, (int)n);
    for (size_t i = 0; i < n; i++) assert_int_equal(seen[i], 1);

    /* Expiry and delete of binary keys, including the empty key. */
    tier_obj o;
    assert_true(lookup_at(0, "", 0, T0, &o));
    tier_set_expire(0, "", 0, &o, T0 + 5);
    tier_obj_free(&o);
    assert_true(lookup_at(0, "a\0b", 3, T0, &o));
    tier_set_expire(0, "a\0b", 3, &o, T0 + 5);
    tier_obj_free(&o);
    expect_counts(0, n, 2);
    assert_int_equal(cycle(T0 + 10), 2);
    expect_at(0, "", 0, NULL, 0, T0);
    expect_at(0, "a\0b", 3, NULL, 0, T0);
    expect_at(0, "a\0c", 3, "a-nul-c", 7, T0);
    expect_at(0, "a", 1, "a", 1, T0);
    expect_at(0, "a\0", 2, "a-nul", 5, T0);
    assert_true(lookup_at(0, "\0", 1, T0, &o));
    tier_delete(0, "\0", 1, &o);
    tier_obj_free(&o);
    expect_at(0, "\0", 1, NULL, 0, T0);
    expect_at(0, "\0\0\0", 3, "\0v\0", 3, T0);
    commit();
    reopen();
    expect_counts(0, n - 3, 0);
    expect_at(0, "", 0, NULL, 0, T0);
    expect_at(0, "\0\0\0", 3, "\0v\0", 3, T0);
    assert_int_equal(expire_entries(), 0);

    /* The empty key can be copied with its expiry, and is a RANDOMKEY answer. */
    setb(1, "", 0, "e", 1, T0 + 100);
    tier_obj s, d;
    assert_true(lookup_at(1, "", 0, T0, &s));
    assert_int_equal(tier_lookup(2, "\0", 1, T0, &d), TIER_OK);
    assert_int_equal(tier_copy(1, "", 0, &s, 2, "\0", 1, &d), TIER_OK);
    tier_obj_free(&s);
    tier_obj_free(&d);
    commit();
    expect_at(2, "\0", 1, "e", 1, T0);
    expect_counts(2, 1, 1);
    char *rk;
    size_t rkl;
    int found;
    assert_int_equal(tier_randomkey(1, T0, &rk, &rkl, &found), TIER_OK);
    assert_int_equal(found, 1);
    assert_int_equal(rkl, 0);
    assert_int_equal(rk[0], 0);
    free(rk);
    assert_int_equal(cycle(T0 + 101), 2); /* due once now > deadline */
    expect_counts(1, 0, 0);
    expect_counts(2, 0, 0);
}

/* tier_peek: the lookup of OBJECT and MEMORY USAGE. Not an access: a key
 * that is not resident stays so, nothing is counted, and what the hot tier
 * knows of a resident key is reported. Lazy expiry still applies. */
static void test_peek_not_an_access(void **state) {
    set(0, "a", "hello", 0);
    set(0, "b", "bye", T0 + 100);
    commit();
    reopen(); /* the hot tier starts empty */
    tier_hot_info h0, h1;
    tier_hot_stats(&h0);
    assert_int_equal(h0.keys, 0);
    tier_obj o;
    tier_key_info info;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tier_peek(0, "a", 1, T0, &o, &info), TIER_OK);
        assert_true(o.exists);
        assert_int_equal(o.type, OBJ_STRING);
        assert_memory_equal(o.val, "hello", 5);
        assert_false(info.resident);
        assert_true(info.entry_bytes >= 5 + 1 + 2); /* key, header and value at least */
        tier_obj_free(&o);
    }
    assert_int_equal(tier_peek(0, "nokey", 5, T0, &o, &info), TIER_OK);
    assert_false(o.exists);
    assert_false(info.resident);
    assert_int_equal(info.entry_bytes, 0);
    assert_int_equal(tier_peek(0, "a", 1, T0, &o, NULL), TIER_OK); /* info may be NULL */
    assert_true(o.exists);
    tier_obj_free(&o);
    tier_hot_stats(&h1);
    assert_int_equal(h1.keys, 0);
    assert_int_equal(h1.hits + h1.misses + h1.promotions + h1.cold_reads,
                     h0.hits + h0.misses + h0.promotions + h0.cold_reads);

    /* a lookup makes it resident; the peek then reports the entry */
    tier_obj l;
    assert_true(lookup_at(0, "a", 1, T0, &l));
    tier_obj_free(&l);
    uint64_t cold_bytes = 0;
    assert_int_equal(tier_peek(0, "a", 1, T0, &o, &info), TIER_OK);
    assert_true(o.exists && info.resident);
    assert_true(info.idle_seconds <= 1);
    assert_int_equal(info.lfu, 6); /* LFU_INIT, plus the lookup's access */
    cold_bytes = info.entry_bytes;
    tier_obj_free(&o);
    tier_hot_stats(&h1);
    assert_int_equal(h1.keys, 1);
    assert_int_equal(h1.bytes - h1.bucket_bytes, cold_bytes); /* the same size as predicted */

    /* expired: deleted and reported absent, as a lookup does */
    assert_int_equal(tier_peek(0, "b", 1, T0 + 101, &o, &info), TIER_OK);
    assert_false(o.exists);
    assert_false(info.resident);
    expect_counts(0, 1, 0);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_empty),
        T(test_open_errors),
        T(test_set_lookup_delete),
        T(test_uncommitted_writes_visible),
        T(test_commit_and_reopen),
        T(test_counts_exact),
        T(test_lazy_expiry),
        T(test_expiry_boundary_consistent),
        T(test_expire_cycle),
        T(test_expire_cycle_limits),
        T(test_expire_changed_not_deleted),
        T(test_expire_after_flush),
        T(test_swapdb),
        T(test_flushdb),
        T(test_databases_setting_changes),
        T(test_scan_all_once),
        T(test_scan_resumes_after_reopen),
        T(test_scan_sees_pending_batch),
        T(test_scan_same_hash_not_split),
        T(test_flush_last_physical_db),
        T(test_randomkey),
        T(test_copy),
        T(test_binary_keys),
        T(test_peek_not_an_access),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
