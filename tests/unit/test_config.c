/* test_config.c - unit tests for conf/config.c.
 *
 * The CONFIG SET error texts asserted here were taken from redis-server
 * 7.0.15 (redis-cli -p 7778 config set ...), so a failure in those tests means
 * we no longer answer as Redis does.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* ---------------------------------------------------------------- helpers */

typedef struct kv_list {
    int n;
    char name[64][64];
    char value[64][PATH_MAX + 2];
} kv_list;

static void collect(const char *name, const char *value, void *ctx) {
    kv_list *l = ctx;
    assert_true(l->n < 64);
    snprintf(l->name[l->n], sizeof(l->name[0]), "%s", name);
    snprintf(l->value[l->n], sizeof(l->value[0]), "%s", value);
    l->n++;
}

/* CONFIG GET of one name; returns the value (static buffer) or NULL. */
static const char *get1(const char *name) {
    static kv_list l;
    memset(&l, 0, sizeof(l));
    config_get(name, collect, &l);
    if (l.n == 0) return NULL;
    assert_int_equal(l.n, 1);
    return l.value[0];
}

static char tmpdir[64];

static void make_tmpdir(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/strata-test-config-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void) {
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const char *content) {
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(content, fp);
    fclose(fp);
}

/* Whole file content; caller frees. */
static char *read_file(const char *path) {
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Load `content` as a config file named <tmpdir>/<name>; returns the result
 * and leaves the error in err. */
static int load_text(const char *name, const char *content, char *err, size_t errlen) {
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    write_file(path, content);
    return config_load_file(path, err, errlen);
}

static int setup(void **state) {
    (void)state;
    config_init_defaults();
    config_apply_hook = NULL;
    config_try_apply_hook = NULL;
    make_tmpdir();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    config_free();
    config_apply_hook = NULL;
    config_try_apply_hook = NULL;
    remove_tmpdir();
    return 0;
}

/* ---------------------------------------------------------------- defaults */

static void test_defaults(void **state) {
    (void)state;
    assert_string_equal(server_config.bind, "127.0.0.1");
    assert_int_equal(server_config.port, 6379);
    assert_string_equal(server_config.unixsocket, "");
    assert_int_equal(server_config.unixsocketperm, 0);
    assert_int_equal(server_config.tcp_backlog, 511);
    assert_int_equal(server_config.maxclients, 10000);
    assert_int_equal(server_config.timeout, 0);
    assert_int_equal(server_config.tcp_keepalive, 300);
    assert_true(server_config.proto_max_bulk_len == 512LL * 1024 * 1024);
    assert_true(server_config.client_query_buffer_limit == 1024LL * 1024 * 1024);
    assert_int_equal(server_config.databases, 16);
    assert_int_equal(server_config.daemonize, 0);
    assert_string_equal(server_config.pidfile, "");
    assert_int_equal(server_config.loglevel, LOG_NOTICE);
    assert_string_equal(server_config.logfile, "");
    assert_string_equal(server_config.dir, "./strata-data");
    assert_string_equal(server_config.requirepass, "");
    assert_int_equal(server_config.hz, 10);
    assert_int_equal(server_config.appendfsync, FSYNC_EVERYSEC);
    assert_true(server_config.rocksdb_block_cache_size == 256LL * 1024 * 1024);
    assert_true(server_config.rocksdb_write_buffer_size == 16LL * 1024 * 1024);
    assert_string_equal(server_config.rocksdb_compression, "lz4");
    assert_int_equal(server_config.rocksdb_max_background_jobs, 2);
    assert_int_equal(server_config.active_expire_effort, 1);
    assert_null(server_config_file);
}

/* Calling config_init_defaults again resets values without leaking. */
static void test_defaults_reset(void **state) {
    (void)state;
    char err[256];
    assert_int_equal(config_set("requirepass", "secret", err, sizeof(err)), 0);
    assert_int_equal(config_set("port", "7000", err, sizeof(err)), 0);
    config_init_defaults();
    assert_string_equal(server_config.requirepass, "");
    assert_int_equal(server_config.port, 6379);
}

/* ---------------------------------------------------------------- memory */

static void test_parse_memory(void **state) {
    (void)state;
    long long v;
    struct {
        const char *s;
        long long want;
    } ok[] = {
        {"0", 0},
        {"1024", 1024},
        {"1b", 1},
        {"1k", 1000},
        {"1K", 1000},
        {"1kb", 1024},
        {"1KB", 1024},
        {"1kB", 1024},
        {"1m", 1000000},
        {"1mb", 1048576},
        {"64MB", 64LL * 1048576},
        {"1g", 1000000000},
        {"1gb", 1073741824},
        {"3Gb", 3LL * 1073741824},
        {"007", 7},                /* memtoull uses strtoull: leading zeros ok */
        {"", 0},                   /* Redis quirk: empty number is 0 */
        {"9223372036854775807", LLONG_MAX},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        v = -42;
        assert_int_equal(config_parse_memory(ok[i].s, &v), 0);
        assert_true(v == ok[i].want);
    }
    const char *bad[] = {"-1", "1x", "1.5gb", "10kk", " 1", "1 k", "+5", "1tb", "abc",
                         "9223372036854775808", "99999999999gb", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(config_parse_memory(bad[i], &v), -1);
}

/* ---------------------------------------------------------------- file */

static void test_load_file(void **state) {
    (void)state;
    char err[512] = "";
    const char *text =
        "# a comment\n"
        "   # an indented comment\n"
        "\n"
        "PORT 7001\n"
        "  Timeout   30  \r\n"
        "bind 10.0.0.1 \"::1\"\n"
        "dir \"/tmp/with space\"\n"
        "requirepass 'it\\'s'\n"
        "logfile \"a\\tb\\x41\\\"\"\n"
        "proto-max-bulk-len 2MB\n"
        "client-query-buffer-limit 1g\n"
        "rocksdb-block-cache-size 1024\n"
        "daemonize YES\n"
        "loglevel Warning\n"
        "appendfsync always\n"
        "rocksdb-compression ZSTD\n"
        "unixsocketperm 770\n"
        "hz 1000\n"
        "port 7002\n"; /* a later line wins */
    assert_int_equal(load_text("a.conf", text, err, sizeof(err)), 0);
    assert_int_equal(server_config.port, 7002);
    assert_int_equal(server_config.timeout, 30);
    assert_string_equal(server_config.bind, "10.0.0.1 ::1");
    assert_string_equal(server_config.dir, "/tmp/with space");
    assert_string_equal(server_config.requirepass, "it's");
    assert_string_equal(server_config.logfile, "a\tbA\"");
    assert_true(server_config.proto_max_bulk_len == 2 * 1048576);
    assert_true(server_config.client_query_buffer_limit == 1000000000);
    assert_true(server_config.rocksdb_block_cache_size == 1024);
    assert_int_equal(server_config.daemonize, 1);
    assert_int_equal(server_config.loglevel, LOG_WARNING);
    assert_int_equal(server_config.appendfsync, FSYNC_ALWAYS);
    assert_string_equal(server_config.rocksdb_compression, "zstd");
    assert_int_equal(server_config.unixsocketperm, 0770);
    assert_int_equal(server_config.hz, 500); /* clamped like Redis */

    /* The path is remembered, absolute. */
    assert_non_null(server_config_file);
    char want[PATH_MAX], real[PATH_MAX];
    snprintf(want, sizeof(want), "%s/a.conf", tmpdir);
    assert_non_null(realpath(want, real));
    assert_string_equal(server_config_file, real);
}

static void test_load_file_bind_forms(void **state) {
    (void)state;
    char err[512];
    assert_int_equal(load_text("b1.conf", "bind \"1.1.1.1 2.2.2.2\"\n", err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "1.1.1.1 2.2.2.2");
    assert_int_equal(load_text("b2.conf", "bind \"\"\n", err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "");
    char *bad_split[] = {"--bind", "1.1.1.1 \"2.2"};
    assert_int_equal(config_load_args(2, bad_split, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: option 'bind': unbalanced quotes in value");
    assert_int_equal(load_text("b3.conf", "bind\n", err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "");
    assert_int_equal(
        load_text("b4.conf", "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", err, sizeof(err)),
        -1);
    char want[512];
    snprintf(want, sizeof(want), "%s/b4.conf:1: option 'bind': Too many bind addresses specified.",
             tmpdir);
    assert_string_equal(err, want);
}

static void check_file_error(const char *content, int line, const char *problem) {
    char err[512] = "", want[512];
    assert_int_equal(load_text("bad.conf", content, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s/bad.conf:%d: %s", tmpdir, line, problem);
    assert_string_equal(err, want);
}

static void test_load_file_errors(void **state) {
    (void)state;
    check_file_error("# c\nport 7000\nportt 7001\n", 3, "unknown option 'portt'");
    check_file_error("Portt 1\n", 1, "unknown option 'Portt'");
    check_file_error("port abc\n", 1, "option 'port': argument couldn't be parsed into an integer");
    check_file_error("port 70000\n", 1,
                     "option 'port': argument must be between 0 and 65535 inclusive");
    check_file_error("timeout 1.5\n", 1,
                     "option 'timeout': argument couldn't be parsed into an integer");
    check_file_error("timeout +5\n", 1,
                     "option 'timeout': argument couldn't be parsed into an integer");
    check_file_error("port\n", 1, "wrong number of arguments for 'port'");
    check_file_error("port 1 2\n", 1, "wrong number of arguments for 'port'");
    check_file_error("port 6379 # trailing comment\n", 1, "wrong number of arguments for 'port'");
    check_file_error("daemonize maybe\n", 1, "option 'daemonize': argument must be 'yes' or 'no'");
    check_file_error("loglevel bogus\n", 1,
                     "option 'loglevel': argument(s) must be one of the following: "
                     "debug, verbose, notice, warning");
    check_file_error("rocksdb-compression gzip\n", 1,
                     "option 'rocksdb-compression': argument(s) must be one of the following: "
                     "none, snappy, lz4, zstd");
    check_file_error("proto-max-bulk-len 1.5gb\n", 1,
                     "option 'proto-max-bulk-len': argument must be a memory value");
    check_file_error("proto-max-bulk-len 1000\n", 1,
                     "option 'proto-max-bulk-len': argument must be between 1048576 and "
                     "9223372036854775807 inclusive");
    check_file_error("unixsocketperm 79\n", 1,
                     "option 'unixsocketperm': argument couldn't be parsed as an octal number");
    check_file_error("unixsocketperm 1000\n", 1,
                     "option 'unixsocketperm': argument must be between 0 and 777 inclusive");
    check_file_error("databases 0\n", 1,
                     "option 'databases': argument must be between 1 and 65536 inclusive");
    check_file_error("active-expire-effort 11\n", 1,
                     "option 'active-expire-effort': argument must be between 1 and 10 inclusive");
    check_file_error("\n\ndir \"/tmp\n", 3, "unbalanced quotes in configuration line");
    check_file_error("dir \"/tmp\"x\n", 1, "unbalanced quotes in configuration line");
    check_file_error("dir 'abc\n", 1, "unbalanced quotes in configuration line");
    check_file_error("dir \"a\\x00b\"\n", 1, "values may not contain NUL bytes");

    /* A failed load does not replace the remembered file. */
    assert_null(server_config_file);

    char err[512];
    assert_int_equal(config_load_file("/nonexistent/strata.conf", err, sizeof(err)), -1);
    assert_string_equal(err,
                        "/nonexistent/strata.conf: can't open config file: No such file or directory");
}

/* The shipped conf/strata.conf sets every option, to its default. */
static void test_shipped_conf(void **state) {
    (void)state;
    /* Find the repository root from this file's path (works for relative and
     * absolute __FILE__). */
    char path[PATH_MAX];
    const char *suffix = "tests/unit/test_config.c";
    size_t flen = strlen(__FILE__), slen = strlen(suffix);
    if (flen < slen || strcmp(__FILE__ + flen - slen, suffix) != 0) skip();
    snprintf(path, sizeof(path), "%.*sconf/strata.conf", (int)(flen - slen), __FILE__);
    if (access(path, R_OK) != 0) skip();

    kv_list before, after;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    config_get("*", collect, &before);

    /* Change everything that can change, so that loading must restore it. */
    char err[512];
    assert_int_equal(config_set("port", "1", err, sizeof(err)), 0);
    assert_int_equal(config_set("loglevel", "debug", err, sizeof(err)), 0);
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    config_get("*", collect, &after);
    assert_int_equal(before.n, after.n);
    for (int i = 0; i < before.n; i++) {
        assert_string_equal(before.name[i], after.name[i]);
        assert_string_equal(before.value[i], after.value[i]);
    }

    /* Every option appears as a line of its own. */
    char *text = read_file(path);
    for (int i = 0; i < before.n; i++) {
        char needle[128];
        snprintf(needle, sizeof(needle), "\n%s ", before.name[i]);
        if (!strstr(text, needle)) fail_msg("strata.conf lacks option '%s'", before.name[i]);
    }
    free(text);
}

/* ---------------------------------------------------------------- args */

static void test_load_args(void **state) {
    (void)state;
    char err[512] = "";
    char *argv[] = {"--port", "7000", "--dir", "/tmp/x", "--bind", "1.2.3.4", "::1",
                    "--DAEMONIZE", "yes", "--maxclients 50", "--requirepass", "a b"};
    assert_int_equal(config_load_args(12, argv, err, sizeof(err)), 0);
    assert_int_equal(server_config.port, 7000);
    assert_string_equal(server_config.dir, "/tmp/x");
    assert_string_equal(server_config.bind, "1.2.3.4 ::1");
    assert_int_equal(server_config.daemonize, 1);
    assert_int_equal(server_config.maxclients, 50);
    assert_string_equal(server_config.requirepass, "a b"); /* taken literally */

    char *argv2[] = {"--bind", "5.6.7.8 ::1", "--unixsocket", "/tmp/s.sock"};
    assert_int_equal(config_load_args(4, argv2, err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "5.6.7.8 ::1");
    assert_string_equal(server_config.unixsocket, "/tmp/s.sock");

    /* A negative number is a value, not an option. */
    char *argv3[] = {"--port", "-1"};
    assert_int_equal(config_load_args(2, argv3, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "command line: option 'port': argument must be between 0 and 65535 inclusive");

    assert_int_equal(config_load_args(0, NULL, err, sizeof(err)), 0);
}

static void test_load_args_errors(void **state) {
    (void)state;
    char err[512];
    char *a1[] = {"--portt", "1"};
    assert_int_equal(config_load_args(2, a1, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: unknown option 'portt'");

    char *a2[] = {"--port", "--timeout", "5"};
    assert_int_equal(config_load_args(3, a2, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: wrong number of arguments for 'port'");

    char *a3[] = {"--port", "1", "2"};
    assert_int_equal(config_load_args(3, a3, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: wrong number of arguments for 'port'");

    char *a4[] = {"7000"};
    assert_int_equal(config_load_args(1, a4, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: unexpected argument '7000' (expected --option)");

    char *a5[] = {"--hz", "abc"};
    assert_int_equal(config_load_args(2, a5, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: option 'hz': argument couldn't be parsed into an integer");

    char *a6[] = {"--"};
    assert_int_equal(config_load_args(1, a6, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: bad option '--'");
}

/* ---------------------------------------------------------------- CONFIG SET */

static void check_set_error(const char *name, const char *value, const char *want) {
    char err[512] = "";
    assert_int_equal(config_set(name, value, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

/* Error texts copied from redis-server 7.0.15. */
static void test_set_redis_errors(void **state) {
    (void)state;
    check_set_error("foo", "bar", "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    check_set_error("port", "abc",
                    "ERR CONFIG SET failed (possibly related to argument 'port') - argument "
                    "couldn't be parsed into an integer");
    check_set_error("PORT", "abc",
                    "ERR CONFIG SET failed (possibly related to argument 'port') - argument "
                    "couldn't be parsed into an integer");
    check_set_error("port", "99999",
                    "ERR CONFIG SET failed (possibly related to argument 'port') - argument must "
                    "be between 0 and 65535 inclusive");
    check_set_error("port", "-1",
                    "ERR CONFIG SET failed (possibly related to argument 'port') - argument must "
                    "be between 0 and 65535 inclusive");
    check_set_error("maxclients", "-5",
                    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                    "must be between 1 and 4294967295 inclusive");
    check_set_error("maxclients", "0",
                    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                    "must be between 1 and 4294967295 inclusive");
    check_set_error("maxclients", "5000000000",
                    "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
                    "must be between 1 and 4294967295 inclusive");
    check_set_error("daemonize", "yes",
                    "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
                    "immutable config");
    check_set_error("daemonize", "maybe",
                    "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
                    "immutable config");
    check_set_error("loglevel", "bogus",
                    "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) "
                    "must be one of the following: debug, verbose, notice, warning");
    check_set_error("appendfsync", "sometimes",
                    "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - "
                    "argument(s) must be one of the following: everysec, always, no");
    const char *not_int[] = {"1.5", "", " 5", "5abc", "007", "+5", "-0", "0x10"};
    for (size_t i = 0; i < sizeof(not_int) / sizeof(not_int[0]); i++)
        check_set_error("timeout", not_int[i],
                        "ERR CONFIG SET failed (possibly related to argument 'timeout') - argument "
                        "couldn't be parsed into an integer");
    check_set_error("tcp-keepalive", "-1",
                    "ERR CONFIG SET failed (possibly related to argument 'tcp-keepalive') - "
                    "argument must be between 0 and 2147483647 inclusive");
    check_set_error("hz", "-1",
                    "ERR CONFIG SET failed (possibly related to argument 'hz') - argument must be "
                    "between 0 and 2147483647 inclusive");
    check_set_error("active-expire-effort", "11",
                    "ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - "
                    "argument must be between 1 and 10 inclusive");
    check_set_error("active-expire-effort", "0",
                    "ERR CONFIG SET failed (possibly related to argument 'active-expire-effort') - "
                    "argument must be between 1 and 10 inclusive");
    const char *not_mem[] = {"1x", "-1", "10kk", "1.5gb"};
    for (size_t i = 0; i < sizeof(not_mem) / sizeof(not_mem[0]); i++)
        check_set_error("proto-max-bulk-len", not_mem[i],
                        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') "
                        "- argument must be a memory value");
    const char *small_or_huge[] = {"1", "1b", "9999999999999999999999", "99999999999gb"};
    for (size_t i = 0; i < sizeof(small_or_huge) / sizeof(small_or_huge[0]); i++)
        check_set_error("proto-max-bulk-len", small_or_huge[i],
                        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') "
                        "- argument must be between 1048576 and 9223372036854775807 inclusive");
    check_set_error("client-query-buffer-limit", "1",
                    "ERR CONFIG SET failed (possibly related to argument "
                    "'client-query-buffer-limit') - argument must be between 1048576 and "
                    "9223372036854775807 inclusive");
    check_set_error("dir", "/tmp",
                    "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set "
                    "protected config");
    check_set_error("bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
                    "ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind "
                    "addresses specified.");

    /* Nothing above changed anything. */
    assert_int_equal(server_config.port, 6379);
    assert_int_equal(server_config.timeout, 0);
    assert_int_equal(server_config.maxclients, 10000);
    assert_true(server_config.proto_max_bulk_len == 512LL * 1024 * 1024);
}

static void test_set_immutables(void **state) {
    (void)state;
    const char *imm[] = {"unixsocket", "unixsocketperm", "tcp-backlog", "databases",
                         "daemonize", "pidfile", "logfile"};
    for (size_t i = 0; i < sizeof(imm) / sizeof(imm[0]); i++) {
        char want[256];
        snprintf(want, sizeof(want),
                 "ERR CONFIG SET failed (possibly related to argument '%s') - can't set "
                 "immutable config",
                 imm[i]);
        check_set_error(imm[i], "1", want);
    }
    /* The name is quoted as typed. */
    check_set_error("DataBases", "4",
                    "ERR CONFIG SET failed (possibly related to argument 'DataBases') - can't set "
                    "immutable config");
    assert_int_equal(server_config.databases, 16);
}

static void test_set_values(void **state) {
    (void)state;
    char err[512];
    assert_int_equal(config_set("Timeout", "15", err, sizeof(err)), 0);
    assert_int_equal(server_config.timeout, 15);
    assert_int_equal(config_set("port", "0", err, sizeof(err)), 0);
    assert_int_equal(server_config.port, 0);
    assert_int_equal(config_set("loglevel", "NOTICE", err, sizeof(err)), 0);
    assert_string_equal(get1("loglevel"), "notice");
    assert_int_equal(config_set("loglevel", "debug", err, sizeof(err)), 0);
    assert_int_equal(server_config.loglevel, LOG_DEBUG);
    assert_int_equal(config_set("appendfsync", "EVERYSEC", err, sizeof(err)), 0);
    assert_int_equal(server_config.appendfsync, FSYNC_EVERYSEC);
    assert_int_equal(config_set("appendfsync", "no", err, sizeof(err)), 0);
    assert_int_equal(server_config.appendfsync, FSYNC_NO);
    assert_int_equal(config_set("proto-max-bulk-len", "1GB", err, sizeof(err)), 0);
    assert_string_equal(get1("proto-max-bulk-len"), "1073741824");
    assert_int_equal(config_set("proto-max-bulk-len", "2097152b", err, sizeof(err)), 0);
    assert_string_equal(get1("proto-max-bulk-len"), "2097152");
    assert_int_equal(config_set("rocksdb-block-cache-size", "", err, sizeof(err)), 0);
    assert_true(server_config.rocksdb_block_cache_size == 0); /* Redis: "" is 0 */
    /* Column-family options are fixed once RocksDB is open. */
    assert_int_equal(config_set("rocksdb-write-buffer-size", "1m", err, sizeof(err)), -1);
    assert_string_equal(err, "ERR CONFIG SET failed (possibly related to argument "
                             "'rocksdb-write-buffer-size') - can't set immutable config");
    assert_int_equal(config_set("rocksdb-compression", "Snappy", err, sizeof(err)), -1);
    assert_int_equal(config_set("requirepass", "s3cret", err, sizeof(err)), 0);
    assert_string_equal(server_config.requirepass, "s3cret");
    assert_int_equal(config_set("requirepass", "", err, sizeof(err)), 0);
    assert_string_equal(server_config.requirepass, "");
    assert_int_equal(config_set("bind", "1.2.3.4  ::1", err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "1.2.3.4 ::1");
    assert_int_equal(config_set("bind", "", err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "");

    /* hz: Redis accepts 0..INT_MAX and clamps to 1..500. */
    assert_int_equal(config_set("hz", "1000", err, sizeof(err)), 0);
    assert_int_equal(server_config.hz, 500);
    assert_string_equal(get1("hz"), "500");
    assert_int_equal(config_set("hz", "0", err, sizeof(err)), 0);
    assert_int_equal(server_config.hz, 1);

    /* maxclients: Redis's range, stored within an int. */
    assert_int_equal(config_set("maxclients", "4294967295", err, sizeof(err)), 0);
    assert_int_equal(server_config.maxclients, INT_MAX);
    assert_int_equal(config_set("maxclients", "1", err, sizeof(err)), 0);
    assert_int_equal(server_config.maxclients, 1);
}

/* ---------------------------------------------------------------- multi SET */

static void check_multi_error(int n, const char **names, const char **values, const char *want) {
    char err[512] = "";
    assert_int_equal(config_set_multi(n, names, values, err, sizeof(err)), -1);
    assert_string_equal(err, want);
}

static void test_set_multi(void **state) {
    (void)state;
    char err[512];
    const char *n1[] = {"timeout", "port", "loglevel"};
    const char *v1[] = {"5", "7000", "warning"};
    assert_int_equal(config_set_multi(3, n1, v1, err, sizeof(err)), 0);
    assert_int_equal(server_config.timeout, 5);
    assert_int_equal(server_config.port, 7000);
    assert_int_equal(server_config.loglevel, LOG_WARNING);

    /* All or nothing: a bad value leaves the good ones unapplied. */
    const char *n2[] = {"timeout", "requirepass", "port"};
    const char *v2[] = {"6", "pw", "abc"};
    check_multi_error(3, n2, v2,
                      "ERR CONFIG SET failed (possibly related to argument 'port') - argument "
                      "couldn't be parsed into an integer");
    assert_int_equal(server_config.timeout, 5);
    assert_string_equal(server_config.requirepass, "");

    /* The outputs below are what redis-server 7.0.15 replies. */
    const char *n3[] = {"timeout", "TIMEOUT"};
    const char *v3[] = {"5", "6"};
    check_multi_error(2, n3, v3,
                      "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate "
                      "parameter");
    const char *n4[] = {"timeout", "foo"};
    const char *v4[] = {"5", "bar"};
    check_multi_error(2, n4, v4, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    const char *n5[] = {"daemonize", "foo"};
    const char *v5[] = {"yes", "bar"};
    check_multi_error(2, n5, v5,
                      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
                      "immutable config");
    const char *n6[] = {"foo", "daemonize"};
    const char *v6[] = {"bar", "yes"};
    check_multi_error(2, n6, v6, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    /* Names are checked before values. */
    const char *n7[] = {"timeout", "daemonize"};
    const char *v7[] = {"abc", "yes"};
    check_multi_error(2, n7, v7,
                      "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
                      "immutable config");
    const char *n8[] = {"timeout", "timeout"};
    const char *v8[] = {"5", "abc"};
    check_multi_error(2, n8, v8,
                      "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate "
                      "parameter");
    /* The first bad value wins. */
    const char *n9[] = {"loglevel", "port"};
    const char *v9[] = {"bogus", "abc"};
    check_multi_error(2, n9, v9,
                      "ERR CONFIG SET failed (possibly related to argument 'loglevel') - "
                      "argument(s) must be one of the following: debug, verbose, notice, warning");
    assert_int_equal(server_config.timeout, 5);
    assert_int_equal(server_config.port, 7000);
    assert_int_equal(server_config.loglevel, LOG_WARNING);

    assert_int_equal(config_set_multi(0, NULL, NULL, err, sizeof(err)), 0);
}

/* Hooks: record calls; the try hook refuses port 1. */
static char hook_log[1024];

static void apply_hook(const char *name) {
    strcat(hook_log, "apply:");
    strcat(hook_log, name);
    strcat(hook_log, ";");
}

static int try_hook(const char *name, char *err, size_t errlen) {
    char entry[128];
    snprintf(entry, sizeof(entry), "try:%s=%d;", name, server_config.port);
    strcat(hook_log, entry);
    if (!strcmp(name, "port") && server_config.port == 1) {
        snprintf(err, errlen, "Unable to listen on this port. Check server logs.");
        return -1;
    }
    return 0;
}

static void test_set_hooks(void **state) {
    (void)state;
    char err[512];
    config_apply_hook = apply_hook;
    config_try_apply_hook = try_hook;

    /* Only changed options flagged for action reach the hooks, after the
     * whole set succeeded. timeout needs no action; maxclients is unchanged. */
    hook_log[0] = '\0';
    const char *n1[] = {"timeout", "maxclients", "port", "rocksdb-block-cache-size"};
    const char *v1[] = {"9", "10000", "7000", "1gb"};
    assert_int_equal(config_set_multi(4, n1, v1, err, sizeof(err)), 0);
    assert_string_equal(hook_log,
                        "try:port=7000;try:rocksdb-block-cache-size=7000;"
                        "apply:port;apply:rocksdb-block-cache-size;");

    /* A refused change rolls back every option of the call and re-applies
     * the old values of what was already applied. */
    hook_log[0] = '\0';
    const char *n2[] = {"rocksdb-block-cache-size", "requirepass", "port", "bind"};
    const char *v2[] = {"2gb", "pw", "1", "0.0.0.0"};
    assert_int_equal(config_set_multi(4, n2, v2, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to "
                        "listen on this port. Check server logs.");
    assert_string_equal(hook_log, "try:rocksdb-block-cache-size=1;try:port=1;"
                                  "try:rocksdb-block-cache-size=7000;try:port=7000;");
    assert_int_equal(server_config.port, 7000);
    assert_true(server_config.rocksdb_block_cache_size == 1024LL * 1024 * 1024);
    assert_string_equal(server_config.requirepass, "");
    assert_string_equal(server_config.bind, "127.0.0.1");

    /* Setting the same value again is not a change. */
    hook_log[0] = '\0';
    assert_int_equal(config_set("port", "7000", err, sizeof(err)), 0);
    assert_string_equal(hook_log, "");
}

/* ---------------------------------------------------------------- CONFIG GET */

static void test_get(void **state) {
    (void)state;
    kv_list l;

    memset(&l, 0, sizeof(l));
    config_get("*", collect, &l);
    assert_int_equal(l.n, 31);
    assert_string_equal(l.name[0], "bind"); /* table order */
    assert_string_equal(l.value[0], "127.0.0.1");

    assert_string_equal(get1("port"), "6379");
    assert_string_equal(get1("daemonize"), "no");
    assert_string_equal(get1("loglevel"), "notice");
    assert_string_equal(get1("appendfsync"), "everysec");
    assert_string_equal(get1("proto-max-bulk-len"), "536870912");
    assert_string_equal(get1("client-query-buffer-limit"), "1073741824");
    assert_string_equal(get1("unixsocketperm"), "0");
    assert_string_equal(get1("unixsocket"), "");
    assert_string_equal(get1("rocksdb-compression"), "lz4");
    assert_null(get1("nonexistent"));
    assert_null(get1(""));

    /* Exact names are reported as spelled, like Redis ("PORT" -> "PORT"). */
    memset(&l, 0, sizeof(l));
    config_get("PORT", collect, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.name[0], "PORT");
    assert_string_equal(l.value[0], "6379");

    /* Globs, case-insensitive, report the table name. */
    memset(&l, 0, sizeof(l));
    config_get("*PORT*", collect, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.name[0], "port");
    memset(&l, 0, sizeof(l));
    config_get("[pq]ort", collect, &l);
    assert_int_equal(l.n, 1);
    memset(&l, 0, sizeof(l));
    config_get("[^a-o]ort", collect, &l);
    assert_int_equal(l.n, 1);
    memset(&l, 0, sizeof(l));
    config_get("[a-o]ort", collect, &l);
    assert_int_equal(l.n, 0);
    memset(&l, 0, sizeof(l));
    config_get("tcp-keep?live", collect, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.name[0], "tcp-keepalive");
    assert_string_equal(l.value[0], "300");
    memset(&l, 0, sizeof(l));
    config_get("rocksdb-*", collect, &l);
    assert_int_equal(l.n, 4);
    memset(&l, 0, sizeof(l));
    config_get("unixsocket*", collect, &l);
    assert_int_equal(l.n, 2);
    memset(&l, 0, sizeof(l));
    config_get("*o*o*o*", collect, &l); /* several stars backtrack */
    for (int i = 0; i < l.n; i++) {
        int os = 0;
        for (const char *p = l.name[i]; *p; p++) os += *p == 'o';
        assert_true(os >= 3);
    }
    assert_true(l.n >= 2); /* rocksdb-compression, rocksdb-max-background-jobs */
    memset(&l, 0, sizeof(l));
    config_get("h\\z*", collect, &l); /* escaped literal */
    assert_int_equal(l.n, 1);
    assert_string_equal(l.name[0], "hz");
    memset(&l, 0, sizeof(l));
    config_get("[p", collect, &l); /* unterminated class */
    assert_int_equal(l.n, 0);

    /* A pathological pattern finishes quickly. */
    clock_t t0 = clock();
    memset(&l, 0, sizeof(l));
    config_get("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", collect, &l);
    assert_int_equal(l.n, 0);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
}

static void test_get_multi(void **state) {
    (void)state;
    kv_list l;
    memset(&l, 0, sizeof(l));
    const char *pats[] = {"timeout", "port", "p*rt", "PORT", "*out"};
    config_get_multi(5, pats, collect, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.name[0], "timeout");
    assert_string_equal(l.name[1], "port");
}

static void test_get_dir_absolute(void **state) {
    (void)state;
    char err[512], path[256], real[PATH_MAX];
    /* An existing directory is reported through realpath. */
    snprintf(path, sizeof(path), "%s/data/../data", tmpdir);
    char mk[256];
    snprintf(mk, sizeof(mk), "%s/data", tmpdir);
    assert_int_equal(mkdir(mk, 0700), 0);
    char *argv[] = {"--dir", path};
    assert_int_equal(config_load_args(2, argv, err, sizeof(err)), 0);
    assert_non_null(realpath(mk, real));
    assert_string_equal(get1("dir"), real);

    /* A relative one that does not exist yet is made absolute by hand. */
    char cwd[PATH_MAX], want[PATH_MAX + 64];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    char *argv2[] = {"--dir", "./no-such-dir-strata"};
    assert_int_equal(config_load_args(2, argv2, err, sizeof(err)), 0);
    snprintf(want, sizeof(want), "%s/no-such-dir-strata", cwd);
    assert_string_equal(get1("dir"), want);
    assert_string_equal(server_config.dir, "./no-such-dir-strata"); /* stored as given */
}

/* ---------------------------------------------------------------- REWRITE */

static void test_rewrite_no_file(void **state) {
    (void)state;
    char err[512];
    assert_int_equal(config_rewrite(err, sizeof(err)), -1);
    assert_string_equal(err, "ERR The server is running without a config file");
}

static void test_rewrite_round_trip(void **state) {
    (void)state;
    char err[512], path[256];
    snprintf(path, sizeof(path), "%s/rw.conf", tmpdir);
    write_file(path, "# top comment\n"
                     "port 7001\n"
                     "  TIMEOUT 10\n"
                     "hz 1000\n"
                     "\n"
                     "# dup\n"
                     "timeout 20\n"
                     "\n"
                     "bind 127.0.0.1 \"::1\"\n"
                     "daemonize no\n"
                     "proto-max-bulk-len 2mb\n"
                     "dir \"/tmp/rw\"\n");
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    assert_int_equal(server_config.timeout, 20);

    /* Lines the server would no longer accept are kept, commented out. */
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs("save 900 1\n", fp);
    fputs("maxclients \"oops\n", fp);
    fclose(fp);

    const char *names[] = {"client-query-buffer-limit", "maxclients", "loglevel", "requirepass",
                           "port", "rocksdb-block-cache-size"};
    const char *values[] = {"2gb", "500", "warning", "a\"b c\n", "7002", "100000"};
    assert_int_equal(config_set_multi(6, names, values, err, sizeof(err)), 0);
    assert_int_equal(config_rewrite(err, sizeof(err)), 0);

    char *text = read_file(path);
    assert_string_equal(text, "# top comment\n"
                              "port 7002\n"
                              "timeout 20\n"
                              "hz 500\n"
                              "\n"
                              "# dup\n"
                              "\n" /* the duplicate timeout line went, blanks merged */
                              "bind 127.0.0.1 ::1\n"
                              "daemonize no\n"
                              "proto-max-bulk-len 2mb\n"
                              "dir \"/tmp/rw\"\n"
                              "# ??? save 900 1\n"
                              "# ??? maxclients \"oops\n"
                              "\n" /* Redis: the old file's final newline */
                              "# Generated by CONFIG REWRITE\n"
                              "maxclients 500\n"
                              "client-query-buffer-limit 2gb\n"
                              "loglevel warning\n"
                              "requirepass \"a\\\"b c\\n\"\n"
                              "rocksdb-block-cache-size 100000\n");
    free(text);

    /* Permissions survive and no temp file is left behind. */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep -q tmp-", tmpdir);
    assert_int_not_equal(system(cmd), 0);

    /* Rewriting again adds no second signature. As in Redis 7.0.15, the
     * second rewrite ends the file with one blank line (the final newline
     * read as an empty line) and from then on the file is stable. */
    text = read_file(path);
    assert_int_equal(config_rewrite(err, sizeof(err)), 0);
    char *again = read_file(path);
    size_t tl = strlen(text);
    assert_int_equal(strlen(again), tl + 1);
    assert_memory_equal(again, text, tl);
    assert_int_equal(again[tl], '\n');
    assert_int_equal(config_rewrite(err, sizeof(err)), 0);
    char *third = read_file(path);
    assert_string_equal(third, again);
    assert_non_null(strstr(again, "CONFIG REWRITE"));
    assert_null(strstr(strstr(again, "CONFIG REWRITE") + 1, "CONFIG REWRITE"));
    free(text);
    free(again);
    free(third);

    /* The rewritten file (minus the lines we commented out) loads back to the
     * same values. */
    kv_list before, after;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    config_get("*", collect, &before);
    config_init_defaults();
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    config_get("*", collect, &after);
    assert_int_equal(before.n, after.n);
    for (int i = 0; i < before.n; i++) {
        assert_string_equal(before.name[i], after.name[i]);
        assert_string_equal(before.value[i], after.value[i]);
    }
    assert_string_equal(server_config.requirepass, "a\"b c\n");
}

/* An empty or deleted file gets the non-default options only. */
static void test_rewrite_fresh_file(void **state) {
    (void)state;
    char err[512], path[256];
    snprintf(path, sizeof(path), "%s/fresh.conf", tmpdir);
    write_file(path, "");
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(config_set("bind", "", err, sizeof(err)), 0);
    assert_int_equal(config_set("appendfsync", "always", err, sizeof(err)), 0);
    assert_int_equal(config_set("rocksdb-block-cache-size", "1mb", err, sizeof(err)), 0);
    assert_int_equal(config_rewrite(err, sizeof(err)), 0);
    char *text = read_file(path);
    assert_string_equal(text, "# Generated by CONFIG REWRITE\n"
                              "bind \"\"\n"
                              "appendfsync always\n"
                              "rocksdb-block-cache-size 1mb\n");
    free(text);
    config_init_defaults();
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    assert_string_equal(server_config.bind, "");
    assert_int_equal(server_config.appendfsync, FSYNC_ALWAYS);
}

/* Works as root too: the directory of the config file has gone. */
static void test_rewrite_missing_dir(void **state) {
    (void)state;
    char err[512];
    server_config_file = strdup("/nonexistent-strata-dir/x.conf");
    assert_int_equal(config_rewrite(err, sizeof(err)), -1);
    assert_string_equal(err, "ERR Rewriting config file: No such file or directory");
}

static void test_rewrite_io_error(void **state) {
    (void)state;
    char err[512], path[256], sub[256];
    if (geteuid() == 0) skip(); /* root ignores directory permissions */
    snprintf(sub, sizeof(sub), "%s/ro", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(path, sizeof(path), "%s/ro/x.conf", tmpdir);
    write_file(path, "port 7000\n");
    assert_int_equal(config_load_file(path, err, sizeof(err)), 0);
    assert_int_equal(chmod(sub, 0500), 0);
    assert_int_equal(config_rewrite(err, sizeof(err)), -1);
    assert_string_equal(err, "ERR Rewriting config file: Permission denied");
    assert_int_equal(chmod(sub, 0700), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file_bind_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shipped_conf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_args_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_redis_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_immutables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_hooks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_multi, setup, teardown),
        cmocka_unit_test_setup_teardown(test_get_dir_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_no_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_fresh_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_missing_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewrite_io_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
