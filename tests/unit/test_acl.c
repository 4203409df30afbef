/* test_acl.c - unit tests for src/acl.c (password hashing, rules and their
 * description, the permission check, AUTH) and for command_get_keys() in
 * src/commands.c.
 *
 * Expected descriptions are what Redis 7.0.15 answers to the same rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ------------------------------------------------------------------------
 * Helpers: a client that is never connected, and commands run on it
 * ---------------------------------------------------------------------- */

static client *fake_client(void) {
    client *c = calloc(1, sizeof(*c));
    c->fd = -1;
    c->resp = 2;
    c->user = acl_default_user();
    c->authenticated = 1;
    return c;
}

/* Replies put the client on server.pending_writes; nothing flushes it here. */
static void free_client(client *c) {
    server.pending_writes = NULL;
    free(c->obuf);
    free(c);
}

static void set_args(client *c, int argc, const char **argv) {
    static resp_arg args[64];
    for (int i = 0; i < argc; i++) {
        args[i].ptr = (char *)argv[i];
        args[i].len = strlen(argv[i]);
    }
    c->argc = argc;
    c->argv = args;
}

/* Run proc with argv; returns the reply (valid until the next call). */
static const char *run(client *c, command_proc *proc, int argc, const char **argv) {
    static char out[8192];
    set_args(c, argc, argv);
    c->olen = 0;
    proc(c);
    size_t n = c->olen < sizeof(out) - 1 ? c->olen : sizeof(out) - 1;
    memcpy(out, c->obuf, n);
    out[n] = 0;
    return out;
}

#define RUN(c, proc, ...)                                                                                      \
    run(c, proc, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                         \
        (const char *[]){__VA_ARGS__})

static int check(client *c, int argc, const char **argv, int *errpos) {
    set_args(c, argc, argv);
    const command *cmd = command_lookup(argv[0], strlen(argv[0]));
    assert_non_null(cmd);
    return acl_check_command(c, cmd, c->argc, c->argv, errpos);
}

#define CHECK(c, pos, ...)                                                                                     \
    check(c, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *[]){__VA_ARGS__}, \
          pos)

static int setup(void **state) {
    (void)state;
    config_init_defaults();
    char err[256];
    assert_int_equal(acl_init(err, sizeof(err)), 0);
    acl_reset_stats();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    acl_free_all();
    config_free();
    return 0;
}

/* ------------------------------------------------------------------------
 * Tests
 * ---------------------------------------------------------------------- */

static void test_sha256(void **state) {
    (void)state;
    char hex[65];
    acl_hash_password("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    acl_hash_password("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    acl_hash_password(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    static char million[1000000];
    memset(million, 'a', sizeof(million));
    acl_hash_password(million, sizeof(million), hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_default_user(void **state) {
    (void)state;
    client *c = fake_client();
    assert_true(acl_default_user_open());
    assert_string_equal(RUN(c, aclCommand, "ACL", "LIST"), "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n");
    assert_string_equal(RUN(c, aclCommand, "ACL", "WHOAMI"), "$7\r\ndefault\r\n");
    int pos;
    assert_int_equal(CHECK(c, &pos, "FLUSHALL"), ACL_OK);
    free_client(c);
}

static void test_rules_and_description(void **state) {
    (void)state;
    client *c = fake_client();
    assert_string_equal(RUN(c, aclCommand, "ACL", "SETUSER", "u1", "on", ">p1", "+get", "~k*", "&ch*"), "+OK\r\n");
    assert_string_equal(RUN(c, aclCommand, "ACL", "LIST"),
                        "*2\r\n$34\r\nuser default on nopass ~* &* +@all\r\n$110\r\nuser u1 on "
                        "#f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a ~k* resetchannels &ch* "
                        "-@all +get\r\n");
    /* Redis 7.0 rebuilds the rules from the bitmap */
    assert_string_equal(RUN(c, aclCommand, "ACL", "SETUSER", "u2", "+@all", "-get", "+get", "-@string", "+set",
                            "+config|get", "-@hash", "+@hash", "~a", "%R~b", "%W~c", "%RW~d"),
                        "+OK\r\n");
    const char *r = RUN(c, aclCommand, "ACL", "GETUSER", "u2");
    assert_non_null(strstr(r, "$19\r\n+@all -@string +set\r\n"));
    assert_non_null(strstr(r, "$15\r\n~a %R~b %W~c ~d\r\n"));
    assert_string_equal(RUN(c, aclCommand, "ACL", "SETUSER", "u2", "+@all", "-@dangerous"), "+OK\r\n");
    assert_non_null(strstr(RUN(c, aclCommand, "ACL", "GETUSER", "u2"), "$17\r\n+@all -@dangerous\r\n"));
    /* a failing SETUSER changes nothing */
    assert_string_equal(RUN(c, aclCommand, "ACL", "SETUSER", "u1", "off", "+nosuch"),
                        "-ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL\r\n");
    assert_non_null(strstr(RUN(c, aclCommand, "ACL", "GETUSER", "u1"), "$2\r\non\r\n"));
    assert_string_equal(RUN(c, aclCommand, "ACL", "SETUSER", "u3", "on"), "+OK\r\n");
    assert_string_equal(RUN(c, aclCommand, "ACL", "DELUSER", "u1", "u2", "u3", "nosuch"), ":3\r\n");
    free_client(c);
}

static void test_permission_check(void **state) {
    (void)state;
    client *admin = fake_client(), *c = fake_client();
    assert_string_equal(RUN(admin, aclCommand, "ACL", "SETUSER", "r", "on", "nopass", "-@all", "+get", "+set",
                            "+zunionstore", "+publish", "+config|get", "%R~ro*", "~rw*", "&news.*"),
                        "+OK\r\n");
    assert_int_equal(auth_check_password(c, "r", 1, "x", 1), 0);
    int pos = -1;
    assert_int_equal(CHECK(c, &pos, "GET", "ro1"), ACL_OK);
    assert_int_equal(CHECK(c, &pos, "GET", "other"), ACL_DENIED_KEY);
    assert_int_equal(pos, 1);
    assert_int_equal(CHECK(c, &pos, "SET", "ro1", "v"), ACL_DENIED_KEY);
    assert_int_equal(CHECK(c, &pos, "SET", "rw1", "v", "GET"), ACL_OK);
    assert_int_equal(CHECK(c, &pos, "INCR", "rw1"), ACL_DENIED_CMD);
    assert_int_equal(CHECK(c, &pos, "CONFIG", "GET", "x"), ACL_OK);
    assert_int_equal(CHECK(c, &pos, "CONFIG", "SET", "x", "y"), ACL_DENIED_CMD);
    assert_int_equal(CHECK(c, &pos, "ZUNIONSTORE", "rw1", "2", "ro1", "rw2"), ACL_OK);
    assert_int_equal(CHECK(c, &pos, "ZUNIONSTORE", "rw1", "2", "ro1", "x"), ACL_DENIED_KEY);
    assert_int_equal(pos, 4);
    assert_int_equal(CHECK(c, &pos, "ZUNIONSTORE", "ro1", "1", "rw1"), ACL_DENIED_KEY);
    assert_int_equal(pos, 1);
    assert_int_equal(CHECK(c, &pos, "PUBLISH", "news.a", "m"), ACL_OK);
    assert_int_equal(CHECK(c, &pos, "PUBLISH", "sport", "m"), ACL_DENIED_CHANNEL);
    assert_int_equal(CHECK(c, &pos, "AUTH", "x"), ACL_OK); /* no-auth commands are always allowed */
    /* wrong passwords and disabled users */
    assert_string_equal(RUN(admin, aclCommand, "ACL", "SETUSER", "p", "on", ">right"), "+OK\r\n");
    set_args(c, 1, (const char *[]){"AUTH"});
    assert_int_equal(auth_check_password(c, "p", 1, "wrong", 5), -1);
    assert_int_equal(auth_check_password(c, "p", 1, "right", 5), 0);
    assert_string_equal(RUN(admin, aclCommand, "ACL", "SETUSER", "p", "off"), "+OK\r\n");
    set_args(c, 1, (const char *[]){"AUTH"});
    assert_int_equal(auth_check_password(c, "p", 1, "right", 5), -1);
    assert_int_equal(auth_check_password(c, "nosuch", 6, "right", 5), -1);
    long long a, cmd, key, ch;
    acl_info_stats(&a, &cmd, &key, &ch);
    assert_int_equal(a, 3);
    c->user = acl_default_user();
    assert_string_equal(RUN(admin, aclCommand, "ACL", "DELUSER", "r", "p"), ":2\r\n");
    free_client(admin);
    free_client(c);
}

static int keys_of(const char *line_args[], int argc, int *pos, int *flags) {
    resp_arg args[32];
    for (int i = 0; i < argc; i++) {
        args[i].ptr = (char *)line_args[i];
        args[i].len = strlen(line_args[i]);
    }
    const command *cmd = command_lookup(args[0].ptr, args[0].len);
    key_ref *keys;
    int n = command_get_keys(cmd, argc, args, &keys);
    for (int i = 0; i < n; i++) {
        pos[i] = keys[i].pos;
        if (flags) flags[i] = keys[i].flags;
    }
    free(keys);
    return n;
}

#define KEYS(pos, flags, ...)                                                                                  \
    keys_of((const char *[]){__VA_ARGS__}, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), \
            pos, flags)

static void test_command_get_keys(void **state) {
    (void)state;
    int pos[16], flags[16];
    assert_int_equal(KEYS(pos, flags, "GET", "k"), 1);
    assert_int_equal(pos[0], 1);
    assert_true(flags[0] & KS_ACCESS);
    assert_int_equal(KEYS(pos, NULL, "MSET", "a", "1", "b", "2"), 2);
    assert_int_equal(pos[1], 3);
    assert_int_equal(KEYS(pos, flags, "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"), 3);
    assert_int_equal(pos[0], 1);
    assert_int_equal(pos[2], 4);
    assert_true(!(flags[0] & KS_ACCESS) && (flags[2] & KS_ACCESS));
    assert_int_equal(KEYS(pos, NULL, "LMPOP", "2", "a", "b", "LEFT"), 2);
    assert_int_equal(KEYS(pos, NULL, "LMPOP", "0", "a", "LEFT"), 0);
    assert_int_equal(KEYS(pos, NULL, "LMPOP", "3", "a", "LEFT"), 0);
    assert_int_equal(KEYS(pos, NULL, "LMPOP", "-1", "a", "LEFT"), 0);
    assert_int_equal(KEYS(pos, NULL, "LMPOP", "99999999999999", "a", "LEFT"), 0);
    assert_int_equal(KEYS(pos, NULL, "SINTERCARD", "x", "a"), 0);
    assert_int_equal(KEYS(pos, flags, "SET", "k", "v"), 1);
    assert_int_equal(flags[0], KS_OW | KS_UPDATE);
    assert_int_equal(KEYS(pos, flags, "SET", "k", "v", "get"), 1);
    assert_true(flags[0] & KS_ACCESS);
    assert_int_equal(KEYS(pos, NULL, "OBJECT", "ENCODING", "k"), 1);
    assert_int_equal(pos[0], 2);
    assert_int_equal(KEYS(pos, NULL, "OBJECT", "HELP"), 0);
    assert_int_equal(KEYS(pos, NULL, "PING"), 0);
    assert_int_equal(KEYS(pos, NULL, "SPUBLISH", "ch", "m"), 0); /* a channel, not a key */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test_setup_teardown(test_default_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules_and_description, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permission_check, setup, teardown),
        cmocka_unit_test(test_command_get_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
