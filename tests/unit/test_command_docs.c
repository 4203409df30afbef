/* test_command_docs.c - unit tests for src/command_docs.c: the parser that
 * turns Redis docs' syntax strings into COMMAND DOCS argument trees, the
 * renderers, the table and the RESP encoding.
 *
 * Expected structures are Redis 7.0.15's (redis-cli COMMAND DOCS <cmd>);
 * expected hints are what redis-cli 7.0.15 shows against a real Redis.
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
 * Helpers
 * ---------------------------------------------------------------------- */

static doc_arg *parse_ok(const char *syntax, const char *groups, const char *notes, int *n) {
    doc_arg *args = NULL;
    char err[256];
    int rc = doc_parse(syntax, groups, notes, &args, n, err, sizeof(err));
    if (rc != 0) fail_msg("doc_parse(\"%s\") failed: %s", syntax, err);
    return args;
}

static void parse_fails(const char *syntax, const char *groups) {
    doc_arg *args = NULL;
    int n = -1;
    char err[256] = "";
    int rc = doc_parse(syntax, groups, NULL, &args, &n, err, sizeof(err));
    if (rc == 0) fail_msg("doc_parse(\"%s\") should fail", syntax);
    assert_null(args);
    assert_int_equal(n, 0);
    assert_true(strlen(err) > 0);
}

/* One argument's shape in the compact form name:type@TOKEN{flags}(...),
 * the same one the integration test prints for Redis. */
static void compact(char *buf, size_t cap, const doc_arg *args, int n) {
    size_t len = strlen(buf);
    for (int i = 0; i < n; i++) {
        const doc_arg *a = &args[i];
        len += snprintf(buf + len, cap - len, "%s%s:%s", i ? " " : "", a->name, doc_arg_type_name(a->type));
        if (a->token) len += snprintf(buf + len, cap - len, "@%s", a->token);
        if (a->flags) {
            len += snprintf(buf + len, cap - len, "{%s%s%s}", (a->flags & DOC_ARG_OPTIONAL) ? "o" : "",
                            (a->flags & DOC_ARG_MULTIPLE) ? "m" : "", (a->flags & DOC_ARG_MULTIPLE_TOKEN) ? "t" : "");
        }
        if (a->nargs) {
            len += snprintf(buf + len, cap - len, "(");
            compact(buf, cap, a->args, a->nargs);
            len = strlen(buf);
            len += snprintf(buf + len, cap - len, ")");
        }
    }
}

static void check_shape(const char *syntax, const char *groups, const char *notes, const char *want) {
    int n = 0;
    doc_arg *args = parse_ok(syntax, groups, notes, &n);
    char buf[4096] = "";
    compact(buf, sizeof(buf), args, n);
    if (strcmp(buf, want) != 0) fail_msg("\"%s\"\n  got  %s\n  want %s", syntax, buf, want);
    /* and it renders back to the same syntax */
    char *again = doc_render_syntax(args, n);
    if (strcmp(again, syntax) != 0) fail_msg("render(\"%s\") = \"%s\"", syntax, again);
    free(again);
    doc_args_free(args, n);
}

static void check_hint(const char *syntax, const char *groups, const char *want) {
    int n = 0;
    doc_arg *args = parse_ok(syntax, groups, NULL, &n);
    char *hint = doc_render_hint(args, n);
    assert_string_equal(hint, want);
    free(hint);
    doc_args_free(args, n);
}

/* ------------------------------------------------------------------------
 * Parser
 * ---------------------------------------------------------------------- */

static void test_plain_words(void **state) {
    (void)state;
    check_shape("key value", NULL, NULL, "key:key value:string");
    check_shape("key seconds value", NULL, NULL, "key:key seconds:integer value:string");
    check_shape("source destination member", NULL, NULL, "source:key destination:key member:string");
    check_shape("pattern", NULL, NULL, "pattern:pattern");
    check_shape("key unix-time-seconds", NULL, NULL, "key:key unix-time-seconds:unix-time");
    check_shape("ip:port yes/no", NULL, NULL, "ip:port:string yes/no:string");
    int n = -1;
    doc_arg *args = parse_ok("", NULL, NULL, &n);
    assert_null(args);
    assert_int_equal(n, 0);
    args = parse_ok(NULL, NULL, NULL, &n);
    assert_null(args);
}

static void test_optional_and_pure_tokens(void **state) {
    (void)state;
    check_shape("[message]", NULL, NULL, "message:string{o}");
    check_shape("key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]", NULL, NULL,
                "key1:key key2:key len:pure-token@LEN{o} idx:pure-token@IDX{o} len:integer@MINMATCHLEN{o} "
                "withmatchlen:pure-token@WITHMATCHLEN{o}");
    check_shape("[SCHEDULE]", NULL, NULL, "schedule:pure-token@SCHEDULE{o}");
    /* a capitalised word with digits or '-' is still a token */
    check_shape("[PXAT unix-time-milliseconds]", NULL, NULL, "unix-time-milliseconds:unix-time@PXAT{o}");
}

static void test_oneof(void **state) {
    (void)state;
    /* default name: the members' names joined with '_' (Redis: nosave_save) */
    check_shape("[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", NULL, NULL,
                "nosave_save:oneof{o}(nosave:pure-token@NOSAVE save:pure-token@SAVE) now:pure-token@NOW{o} "
                "force:pure-token@FORCE{o} abort:pure-token@ABORT{o}");
    /* required: <...> */
    check_shape("key <BEFORE | AFTER> pivot element", "where", NULL,
                "key:key where:oneof(before:pure-token@BEFORE after:pure-token@AFTER) pivot:string element:string");
    /* group names are given in order; the members of a oneof may be tokened args */
    check_shape("key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT "
                "unix-time-milliseconds | KEEPTTL]",
                "condition expiration", NULL,
                "key:key value:string condition:oneof{o}(nx:pure-token@NX xx:pure-token@XX) get:pure-token@GET{o} "
                "expiration:oneof{o}(seconds:integer@EX milliseconds:integer@PX "
                "unix-time-seconds:unix-time@EXAT unix-time-milliseconds:unix-time@PXAT keepttl:pure-token@KEEPTTL)");
    check_shape("source destination <LEFT | RIGHT> <LEFT | RIGHT>", "wherefrom whereto", NULL,
                "source:key destination:key wherefrom:oneof(left:pure-token@LEFT right:pure-token@RIGHT) "
                "whereto:oneof(left:pure-token@LEFT right:pure-token@RIGHT)");
    /* "-" keeps the default name */
    check_shape("[A | B] [C | D]", "- second", NULL,
                "a_b:oneof{o}(a:pure-token@A b:pure-token@B) second:oneof{o}(c:pure-token@C d:pure-token@D)");
    /* a token before a oneof */
    check_shape("[AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", "aggregate", NULL,
                "aggregate:oneof@AGGREGATE{o}(sum:pure-token@SUM min:pure-token@MIN max:pure-token@MAX) "
                "withscores:pure-token@WITHSCORES{o}");
}

static void test_multiple(void **state) {
    (void)state;
    check_shape("key [key ...]", NULL, NULL, "key:key{m}");
    check_shape("destination key [key ...]", NULL, NULL, "destination:key key:key{m}");
    /* a repeated pair is a multiple block */
    check_shape("key field value [field value ...]", NULL, NULL,
                "key:key field_value:block{m}(field:string value:string)");
    check_shape("key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]", "condition comparison",
                "CH=change INCR=increment",
                "key:key condition:oneof{o}(nx:pure-token@NX xx:pure-token@XX) "
                "comparison:oneof{o}(gt:pure-token@GT lt:pure-token@LT) change:pure-token@CH{o} "
                "increment:pure-token@INCR{o} score_member:block{m}(score:double member:string)");
    /* optional and multiple */
    check_shape("[section [section ...]]", NULL, NULL, "section:string{om}");
    /* a token, then a repeated argument: the token is said once */
    check_shape("numkeys key [key ...] [WEIGHTS weight [weight ...]]", NULL, NULL,
                "numkeys:integer key:key{m} weight:integer@WEIGHTS{om}");
    /* the token repeated too: multiple_token */
    check_shape("[PREFIX prefix [PREFIX prefix ...]] [BCAST]", NULL, NULL,
                "prefix:string@PREFIX{omt} bcast:pure-token@BCAST{o}");
}

static void test_blocks(void **state) {
    (void)state;
    /* a token before several arguments: a block with that token */
    check_shape("key min max [WITHSCORES] [LIMIT offset count]", NULL, "min:double max:double",
                "key:key min:double max:double withscores:pure-token@WITHSCORES{o} "
                "offset_count:block@LIMIT{o}(offset:integer count:integer)");
    /* several arguments in one bracket without a token, nested optional */
    check_shape("key [count [WITHVALUES]]", "options", NULL,
                "key:key options:block{o}(count:integer withvalues:pure-token@WITHVALUES{o})");
    /* a oneof of tokened arguments, under a token */
    check_shape("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]", "filterby", NULL,
                "filterby:oneof@FILTERBY{o}(module-name:string@MODULE category:string@ACLCAT "
                "pattern:pattern@PATTERN)");
}

static void test_deep_nesting(void **state) {
    (void)state;
    /* CLIENT KILL: a oneof whose second member is a repeated oneof of
     * optional tokened arguments, one of them a tokened oneof */
    const command_doc *d = command_doc_lookup("client|kill");
    assert_non_null(d);
    check_shape(d->syntax, d->groups, d->notes,
                "filter:oneof(ip:port:string new-format:oneof{m}(client-id:integer@ID{o} "
                "normal_master_slave_pubsub:oneof@TYPE{o}(normal:pure-token@NORMAL master:pure-token@MASTER "
                "slave:pure-token@SLAVE replica:pure-token@REPLICA pubsub:pure-token@PUBSUB) "
                "username:string@USER{o} ip:port:string@ADDR{o} ip:port:string@LADDR{o} yes/no:string@SKIPME{o}))");
}

static void test_notes(void **state) {
    (void)state;
    /* name:type applies to every argument of that name, at any depth */
    check_shape("key increment", NULL, "increment:double", "key:key increment:double");
    check_shape("key start stop [LIMIT offset count]", NULL, "start:string stop:string offset:double",
                "key:key start:string stop:string offset_count:block@LIMIT{o}(offset:double count:integer)");
    /* unknown names and types change nothing */
    check_shape("key", NULL, "nosuch:double key:nosuchtype", "key:key");
    check_shape("[CH]", NULL, "CH=change", "change:pure-token@CH{o}");
}

static void test_errors(void **state) {
    (void)state;
    parse_fails("[key", NULL);
    parse_fails("key]", NULL);
    parse_fails("<A | B", NULL);
    parse_fails("[A | B>", NULL);
    parse_fails("a | b", NULL);
    parse_fails("[]", NULL);
    parse_fails("[a | ]", NULL);
    parse_fails("[key ...]", NULL);        /* repeats nothing */
    parse_fails("key [member ...]", NULL); /* repeats something else */
    parse_fails("key ...", NULL);          /* ellipsis outside a bracket */
    parse_fails("key [key ... more]", NULL);
    parse_fails("key [key | x ...]", NULL);
    parse_fails("[[key]]", NULL);
    parse_fails("[A | B]", "one two"); /* more group names than groups */
}

/* ------------------------------------------------------------------------
 * Hints (redis-cli 7.0's cliAddArgument)
 * ---------------------------------------------------------------------- */

static void test_hints(void **state) {
    (void)state;
    const command_doc *set = command_doc_lookup("SET");
    assert_non_null(set);
    check_hint(set->syntax, set->groups,
               "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT "
               "unix-time-milliseconds|KEEPTTL]");
    check_hint("key field value [field value ...]", NULL, "key field value [field value ...]");
    check_hint("[PREFIX prefix [PREFIX prefix ...]]", NULL, "[PREFIX prefix [PREFIX prefix ...]]");
    check_hint("numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]", "aggregate",
               "numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]");
    check_hint("key <BEFORE | AFTER> pivot element", NULL, "key BEFORE|AFTER pivot element");
    check_hint("key [count [WITHVALUES]]", NULL, "key [count [WITHVALUES]]");

    /* the table's own, through command_doc_args */
    int n = 0;
    const doc_arg *args = command_doc_args("zrangebyscore", &n);
    assert_non_null(args);
    char *hint = doc_render_hint(args, n);
    assert_string_equal(hint, "key min max [WITHSCORES] [LIMIT offset count]");
    free(hint);
}

/* ------------------------------------------------------------------------
 * The table
 * ---------------------------------------------------------------------- */

static void test_table_parses_and_round_trips(void **state) {
    (void)state;
    for (int i = 0; i < command_doc_count(); i++) {
        const command_doc *d = command_doc_at(i);
        doc_arg *args = NULL;
        int n = 0;
        char err[256];
        if (doc_parse(d->syntax, d->groups, d->notes, &args, &n, err, sizeof(err)) != 0)
            fail_msg("row %s: %s", d->name, err);
        char *again = doc_render_syntax(args, n);
        if (strcmp(again, d->syntax) != 0) fail_msg("row %s: \"%s\" renders as \"%s\"", d->name, d->syntax, again);
        free(again);
        doc_args_free(args, n);
        /* one row per name */
        assert_ptr_equal(command_doc_lookup(d->name), d);
        /* subcommand rows: a parent row and the fields redis-cli needs */
        const char *bar = strchr(d->name, '|');
        if (bar) {
            char parent[64];
            snprintf(parent, sizeof(parent), "%.*s", (int)(bar - d->name), d->name);
            assert_non_null(command_doc_lookup(parent));
            assert_non_null(command_lookup(parent, strlen(parent)));
            assert_non_null(d->since);
            assert_non_null(d->summary);
        }
    }
    assert_null(command_doc_lookup("nosuchcommand"));
    assert_null(command_doc_at(-1));
    assert_null(command_doc_at(command_doc_count()));
}

/* Every command in the command table has a row (a missing row only loses
 * the redis-cli hint, but it is easy to forget: add one to
 * src/command_docs.c, with the syntax from Redis's docs). */
static void test_every_command_has_a_row(void **state) {
    (void)state;
    char missing[2048] = "";
    for (int i = 0; i < command_count(); i++) {
        const char *name = command_at(i)->name;
        if (!command_doc_lookup(name))
            snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), " %s", name);
    }
    if (missing[0]) fail_msg("commands without a row in src/command_docs.c:%s", missing);
}

/* pubsub.c checks a subcommand's arity before refusing it in RESP2
 * subscribed mode, as Redis does: every subcommand row needs one. */
static void test_subcommand_arity(void **state) {
    (void)state;
    for (int i = 0; i < command_doc_count(); i++) {
        const command_doc *d = command_doc_at(i);
        if (strchr(d->name, '|') && d->arity == 0) fail_msg("subcommand row %s has no arity", d->name);
    }
    assert_int_equal(command_doc_lookup("client|id")->arity, 2);
    assert_int_equal(command_doc_lookup("config|set")->arity, -4);
}

static void test_args_cache(void **state) {
    (void)state;
    int n = -1;
    assert_null(command_doc_args("randomkey", &n)); /* known, no arguments */
    assert_int_equal(n, 0);
    assert_null(command_doc_args("nosuchcommand", &n));
    assert_int_equal(n, 0);
    const doc_arg *a1 = command_doc_args("SET", &n);
    assert_int_equal(n, 5);
    const doc_arg *a2 = command_doc_args("set", &n);
    assert_ptr_equal(a1, a2);
    assert_int_equal(command_doc_subcommand_count("config"), 5);
    assert_true(command_doc_subcommand_count("CLIENT") >= 16);
    assert_int_equal(command_doc_subcommand_count("object"), 5);
    assert_int_equal(command_doc_subcommand_count("memory"), 6);
    assert_int_equal(command_doc_subcommand_count("set"), 0);
    assert_int_equal(command_doc_subcommand_count("conf"), 0); /* a prefix is not a parent */
}

/* ------------------------------------------------------------------------
 * RESP
 * ---------------------------------------------------------------------- */

static client *fake_client(int resp) {
    client *c = calloc(1, sizeof(*c));
    c->resp = resp;
    c->fd = -1;
    return c;
}

static void free_fake_client(client *c) {
    /* reply_raw queued it on server.pending_writes */
    server.pending_writes = NULL;
    free(c->obuf);
    free(c);
}

static void test_reply_encoding(void **state) {
    (void)state;
    int n = 0;
    doc_arg *args = parse_ok("[EX seconds | KEEPTTL] key [key ...]", "expiration", NULL, &n);
    const char *want = "*2\r\n"
                       /* expiration: name, type, flags, arguments */
                       "*8\r\n$4\r\nname\r\n$10\r\nexpiration\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
                       "$5\r\nflags\r\n*1\r\n+optional\r\n$9\r\narguments\r\n*2\r\n"
                       "*6\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n"
                       "$5\r\ntoken\r\n$2\r\nEX\r\n"
                       "*6\r\n$4\r\nname\r\n$7\r\nkeepttl\r\n$4\r\ntype\r\n$10\r\npure-token\r\n"
                       "$5\r\ntoken\r\n$7\r\nKEEPTTL\r\n"
                       /* key: name, type, flags (a status reply, as Redis sends it) */
                       "*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
                       "$5\r\nflags\r\n*1\r\n+multiple\r\n";
    client *c = fake_client(2);
    reply_doc_args(c, args, n);
    assert_int_equal(c->olen, strlen(want));
    assert_memory_equal(c->obuf, want, strlen(want));
    free_fake_client(c);

    /* all three flags, in Redis's order */
    doc_args_free(args, n);
    args = parse_ok("[PREFIX prefix [PREFIX prefix ...]]", NULL, NULL, &n);
    c = fake_client(2);
    reply_doc_args(c, args, n);
    const char *flags = "$5\r\nflags\r\n*3\r\n+optional\r\n+multiple\r\n+multiple_token\r\n";
    assert_non_null(strstr(c->obuf, flags));
    assert_memory_equal(c->obuf, "*1\r\n*8\r\n", 8);
    free_fake_client(c);
    doc_args_free(args, n);

    /* RESP3: maps are maps */
    args = parse_ok("key", NULL, NULL, &n);
    c = fake_client(3);
    reply_doc_args(c, args, n);
    want = "*1\r\n%2\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n";
    assert_int_equal(c->olen, strlen(want));
    assert_memory_equal(c->obuf, want, strlen(want));
    free_fake_client(c);
    doc_args_free(args, n);
}

static void test_reply_subcommands(void **state) {
    (void)state;
    client *c = fake_client(2);
    reply_doc_subcommands(c, "object", "generic");
    /* 5 rows: a map of 5 */
    assert_memory_equal(c->obuf, "*10\r\n$15\r\nobject|encoding\r\n*8\r\n$7\r\nsummary\r\n", 44);
    assert_non_null(strstr(c->obuf, "$11\r\nobject|help\r\n*6\r\n")); /* no arguments field */
    assert_non_null(strstr(c->obuf, "$5\r\ngroup\r\n$7\r\ngeneric\r\n$9\r\narguments\r\n"));
    free_fake_client(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_words),
        cmocka_unit_test(test_optional_and_pure_tokens),
        cmocka_unit_test(test_oneof),
        cmocka_unit_test(test_multiple),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_notes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_table_parses_and_round_trips),
        cmocka_unit_test(test_every_command_has_a_row),
        cmocka_unit_test(test_args_cache),
        cmocka_unit_test(test_subcommand_arity),
        cmocka_unit_test(test_reply_encoding),
        cmocka_unit_test(test_reply_subcommands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
