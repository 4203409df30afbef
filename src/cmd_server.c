/* cmd_server.c - connection and server commands: PING, ECHO, QUIT, TIME,
 * LASTSAVE, INFO, SHUTDOWN, COMMAND, CONFIG, CLIENT, AUTH and HELLO.
 *
 * AUTH and HELLO ... AUTH share one password check, auth_check_password(),
 * the single place that knows who may log in (the ACL work replaces its
 * body, not its callers).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "allocator.h"
#include "server.h"
#include "util.h"

/* ---------------------------------------------------------------------------
 * Small commands
 * ------------------------------------------------------------------------ */

void pingCommand(client *c) {
    if (c->argc > 2) {
        reply_error_arity(c);
        return;
    }
    if (c->argc == 1)
        reply_status(c, "PONG");
    else
        reply_bulk(c, c->argv[1].ptr, c->argv[1].len);
}

void echoCommand(client *c) { reply_bulk(c, c->argv[1].ptr, c->argv[1].len); }

void quitCommand(client *c) {
    reply_ok(c);
    client_close_after_reply(c);
}

void timeCommand(client *c) {
    long long us = util_ustime();
    reply_array_len(c, 2);
    reply_bulk_longlong(c, us / 1000000);
    reply_bulk_longlong(c, us % 1000000);
}

static const char *ERR_WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";

/* AUTH [username] password: the user check itself is auth_check_password
 * (acl.c), shared with HELLO AUTH. The one-argument form is the default
 * user's, and an error when that user needs no password (as Redis 7.0). */
void authCommand(client *c) {
    if (c->argc > 3) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    if (c->argc == 2 && acl_default_user_nopass()) {
        reply_error(c, "ERR AUTH <password> called without any password configured for the default user. "
                       "Are you sure your configuration is correct?");
        return;
    }
    const resp_arg *given = &c->argv[c->argc - 1];
    const char *user = c->argc == 3 ? c->argv[1].ptr : "default";
    size_t ulen = c->argc == 3 ? c->argv[1].len : 7;
    if (auth_check_password(c, user, ulen, given->ptr, given->len) < 0) {
        reply_error(c, ERR_WRONGPASS);
        return;
    }
    reply_ok(c);
}

static int valid_client_name(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (s[i] < '!' || s[i] > '~') return 0;
    return 1;
}

/* CLIENT SETNAME and HELLO ... SETNAME: an empty name clears it. Returns 0
 * (with the error sent) for a name Redis refuses. */
static int set_client_name(client *c, const resp_arg *name) {
    if (!valid_client_name(name->ptr, name->len)) {
        reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
        return 0;
    }
    free(c->name);
    c->name = name->len ? strdup(name->ptr) : NULL;
    return 1;
}

/* HELLO [protover [AUTH username password] [SETNAME clientname]].
 *
 * As Redis 7.0 does, the options take effect one by one from the left: a
 * SETNAME before a bad option (or before a failed AUTH) has set the name
 * already, and an AUTH that worked stays done when a later option is bad.
 * The protocol switches only once everything passed, so the reply (a map of
 * who we are) comes in the protocol asked for. */
void helloCommand(client *c) {
    long long ver = 0;
    int j = 1;
    if (c->argc >= 2) {
        if (!util_str2ll(c->argv[1].ptr, c->argv[1].len, &ver)) {
            reply_error(c, "ERR Protocol version is not an integer or out of range");
            return;
        }
        if (ver < 2 || ver > 3) {
            reply_error(c, "NOPROTO unsupported protocol version");
            return;
        }
        j = 2;
    }
    for (; j < c->argc; j++) {
        int more = c->argc - 1 - j;
        if (arg_is(c, j, "AUTH") && more >= 2) {
            const resp_arg *u = &c->argv[j + 1], *p = &c->argv[j + 2];
            if (auth_check_password(c, u->ptr, u->len, p->ptr, p->len) < 0) {
                reply_error(c, ERR_WRONGPASS);
                return;
            }
            j += 2;
        } else if (arg_is(c, j, "SETNAME") && more >= 1) {
            if (!set_client_name(c, &c->argv[j + 1])) return;
            j++;
        } else {
            /* Redis quotes the whole option, however long. */
            const char *fmt = "ERR Syntax error in HELLO option '%s'";
            size_t cap = strlen(fmt) + c->argv[j].len + 1;
            char *msg = malloc(cap);
            snprintf(msg, cap, fmt, c->argv[j].ptr);
            reply_error(c, msg);
            free(msg);
            return;
        }
    }
    if (!c->authenticated) {
        reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
                       "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
                       "the RESP protocol version at the same time");
        return;
    }
    if (ver) c->resp = (int)ver;
    reply_map_len(c, 7);
    reply_bulk_cstr(c, "server");
    reply_bulk_cstr(c, "redis");
    reply_bulk_cstr(c, "version");
    reply_bulk_cstr(c, STRATA_VERSION);
    reply_bulk_cstr(c, "proto");
    reply_longlong(c, c->resp);
    reply_bulk_cstr(c, "id");
    reply_longlong(c, (long long)c->id);
    reply_bulk_cstr(c, "mode");
    reply_bulk_cstr(c, "standalone");
    reply_bulk_cstr(c, "role");
    reply_bulk_cstr(c, "master");
    reply_bulk_cstr(c, "modules");
    reply_array_len(c, 0);
}

/* Reply with a help array of status lines, as Redis's addReplyHelp does. */
static void reply_help(client *c, const char *cmd, const char **lines, int n) {
    reply_array_len(c, n + 2);
    char head[128];
    snprintf(head, sizeof(head), "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmd);
    reply_status(c, head);
    for (int i = 0; i < n; i++) reply_status(c, lines[i]);
    reply_status(c, "HELP");
    reply_status(c, "    Prints this help.");
}

static void reply_unknown_subcommand(client *c, const char *cmd) {
    reply_errorf(c, "ERR unknown subcommand '%.128s'. Try %s HELP.", c->argv[1].ptr, cmd);
}

static void reply_sub_arity(client *c, const char *cmd, const char *sub) {
    reply_errorf(c, "ERR wrong number of arguments for '%s|%s' command", cmd, sub);
}

/* ---------------------------------------------------------------------------
 * SHUTDOWN
 * ------------------------------------------------------------------------ */

void shutdownCommand(client *c) {
    int abort = 0;
    for (int j = 1; j < c->argc; j++) {
        if (arg_is(c, j, "NOSAVE") || arg_is(c, j, "SAVE") || arg_is(c, j, "NOW") || arg_is(c, j, "FORCE")) {
            continue;
        } else if (arg_is(c, j, "ABORT")) {
            abort = 1;
        } else {
            reply_error(c, ERR_SYNTAX);
            return;
        }
    }
    if (abort) {
        if (c->argc != 2) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        reply_error(c, "ERR No shutdown in progress.");
        return;
    }
    /* Every write is already durable: shutting down only has to commit the
     * current turn and close. The client sees its connection close. */
    server.shutdown_asap = 1;
    client_close_asap(c);
}

/* ---------------------------------------------------------------------------
 * INFO
 * ------------------------------------------------------------------------ */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void text_add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(text *t, const char *fmt, ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
        t->p = realloc(t->p, t->cap);
    }
}


static int section_wanted(client *c, const char *name, int is_default) {
    if (c->argc == 1) return is_default;
    for (int i = 1; i < c->argc; i++) {
        if (arg_is(c, i, name) || arg_is(c, i, "all") || arg_is(c, i, "everything")) return 1;
        if (arg_is(c, i, "default") && is_default) return 1;
    }
    return 0;
}

static void info_server(text *t) {
    struct utsname name;
    uname(&name);
    long long now = util_mstime(), up = (now - server.start_ms) / 1000;
    static char run_id[41];
    if (!run_id[0]) {
        unsigned char b[20];
        util_random_bytes(b, sizeof(b));
        for (int i = 0; i < 20; i++) snprintf(run_id + 2 * i, 3, "%02x", b[i]);
    }
    char exe[512] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) exe[n] = 0;
    text_add(t,
             "# Server\r\nredis_version:%s\r\nstrata_version:%s\r\nredis_git_sha1:00000000\r\n"
             "redis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
             "arch_bits:%d\r\nmultiplexing_api:libevent\r\natomicvar_api:c11-builtin\r\n"
             "gcc_version:%d.%d.%d\r\nprocess_id:%d\r\nprocess_supervised:no\r\nrun_id:%s\r\n"
             "tcp_port:%d\r\nserver_time_usec:%lld\r\nuptime_in_seconds:%lld\r\nuptime_in_days:%lld\r\n"
             "hz:%d\r\nconfigured_hz:%d\r\nlru_clock:%lld\r\nexecutable:%s\r\nconfig_file:%s\r\n"
             "io_threads_active:0\r\n",
             STRATA_VERSION, STRATA_OWN_VERSION, name.sysname, name.release, name.machine,
             (int)sizeof(long) * 8, __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__, (int)getpid(), run_id,
             server_config.port, util_ustime(), up, up / 86400, server_config.hz, server_config.hz,
             (now / 1000) & ((1 << 24) - 1), exe, server_config_file ? server_config_file : "");
}

static void info_clients(text *t) {
    text_add(t,
             "# Clients\r\nconnected_clients:%ld\r\ncluster_connections:0\r\nmaxclients:%d\r\n"
             "client_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\n"
             "blocked_clients:%ld\r\ntracking_clients:%ld\r\nclients_in_timeout_table:%ld\r\n",
             server.nclients, server_config.maxclients, block_blocked_count(), tracking_client_count(),
             block_timeout_count());
}

static const char *maxmemory_policy_name(int policy) {
    static const char *names[] = {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
                                  "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
    return policy >= 0 && policy < 8 ? names[policy] : "noeviction";
}

/* used_memory is what the process has allocated (the hot tier, client
 * buffers, RocksDB's own allocations); maxmemory bounds the hot tier, whose
 * share is hot_tier_bytes. RSS is about that plus RocksDB's block cache and
 * memtables (reported below, with their own budget). */
static void info_memory(text *t) {
    long long used = allocator_allocated(), rss = allocator_rss();
    uint64_t cache = 0, memtables = 0, sst = 0;
    tier_engine_property("rocksdb.block-cache-usage", &cache);
    tier_engine_property("rocksdb.cur-size-all-mem-tables", &memtables);
    tier_engine_property("rocksdb.total-sst-files-size", &sst);
    tier_hot_info hi;
    tier_hot_stats(&hi);
    char h_used[32], h_rss[32], h_max[32], h_hot[32];
    util_human_bytes(h_used, sizeof(h_used), (double)used);
    util_human_bytes(h_rss, sizeof(h_rss), (double)rss);
    util_human_bytes(h_max, sizeof(h_max), (double)server_config.maxmemory);
    util_human_bytes(h_hot, sizeof(h_hot), (double)hi.bytes);
    text_add(t,
             "# Memory\r\nused_memory:%lld\r\nused_memory_human:%s\r\nused_memory_rss:%lld\r\n"
             "used_memory_rss_human:%s\r\nmaxmemory:%lld\r\nmaxmemory_human:%s\r\n"
             "maxmemory_policy:%s\r\nmem_allocator:%s\r\n"
             "hot_tier_keys:%llu\r\nhot_tier_bytes:%llu\r\nhot_tier_bytes_human:%s\r\n"
             "rocksdb_block_cache_usage:%llu\r\nrocksdb_block_cache_capacity:%lld\r\n"
             "rocksdb_memtables:%llu\r\nrocksdb_sst_bytes:%llu\r\n",
             used, h_used, rss, h_rss, server_config.maxmemory, h_max,
             maxmemory_policy_name(server_config.maxmemory_policy), allocator_name(), (unsigned long long)hi.keys,
             (unsigned long long)hi.bytes, h_hot, (unsigned long long)cache, server_config.rocksdb_block_cache_size,
             (unsigned long long)memtables, (unsigned long long)sst);
}

static void info_persistence(text *t) {
    static const char *fsync_names[] = {"no", "everysec", "always"};
    uint64_t pending = 0;
    tier_engine_property("rocksdb.estimate-pending-compaction-bytes", &pending);
    text_add(t,
             "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:%lld\r\n"
             "rdb_bgsave_in_progress:0\r\nrdb_last_save_time:%lld\r\nrdb_last_bgsave_status:%s\r\n"
             "aof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_last_write_status:%s\r\n"
             "strata_appendfsync:%s\r\nstrata_commits:%lld\r\nstrata_commit_avg_usec:%lld\r\n"
             "strata_store_status:%s\r\nrocksdb_pending_compaction_bytes:%llu\r\n",
             server.dirty, server.lastsave, server.lastsave_ok ? "ok" : "err", server.store_error ? "err" : "ok",
             fsync_names[server_config.appendfsync], server.stat_commits,
             server.stat_commits ? server.stat_commit_usec / server.stat_commits : 0,
             server.store_error ? "err" : "ok", (unsigned long long)pending);
}

static void info_stats(text *t) {
    tier_hot_info hi;
    tier_hot_stats(&hi);
    long long acl_auth, acl_cmd, acl_key, acl_channel;
    acl_info_stats(&acl_auth, &acl_cmd, &acl_key, &acl_channel);
    text_add(t,
             "# Stats\r\ntotal_connections_received:%lld\r\ntotal_commands_processed:%lld\r\n"
             "instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:%lld\r\ntotal_net_output_bytes:%lld\r\n"
             "rejected_connections:%lld\r\nexpired_keys:%lld\r\nevicted_keys:%lld\r\n"
             "keyspace_hits:%lld\r\nkeyspace_misses:%lld\r\npubsub_channels:%ld\r\npubsub_patterns:%ld\r\n"
             "pubsubshard_channels:%ld\r\ntracking_total_keys:%lld\r\ntracking_total_items:%lld\r\n"
             "tracking_total_prefixes:%lld\r\n"
             "acl_access_denied_auth:%lld\r\nacl_access_denied_cmd:%lld\r\nacl_access_denied_key:%lld\r\n"
             "acl_access_denied_channel:%lld\r\n"
             "hot_tier_hits:%llu\r\nhot_tier_misses:%llu\r\ncold_reads:%llu\r\npromotions:%llu\r\n"
             "promotions_deferred:%llu\r\n",
             server.stat_numconnections, server.stat_numcommands, server.stat_net_input_bytes,
             server.stat_net_output_bytes, server.stat_rejected_conn, server.stat_expiredkeys,
             server.stat_evictedkeys, server.stat_keyspace_hits, server.stat_keyspace_misses,
             pubsub_channel_count(), pubsub_pattern_count(), pubsub_shard_channel_count(),
             tracking_total_keys(), tracking_total_items(), tracking_total_prefixes(), acl_auth, acl_cmd,
             acl_key, acl_channel,
             (unsigned long long)hi.hits, (unsigned long long)hi.misses, (unsigned long long)hi.cold_reads,
             (unsigned long long)hi.promotions, (unsigned long long)hi.deferred);
}

static void info_replication(text *t) {
    text_add(t,
             "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
             "master_replid:0000000000000000000000000000000000000000\r\n"
             "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n"
             "second_repl_offset:-1\r\nrepl_backlog_active:0\r\n");
}

static void info_cpu(text *t) {
    struct rusage self;
    getrusage(RUSAGE_SELF, &self);
    text_add(t, "# CPU\r\nused_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n", (long)self.ru_stime.tv_sec,
             (long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec);
}

static void info_keyspace(text *t) {
    text_add(t, "# Keyspace\r\n");
    for (int i = 0; i < server_config.databases; i++) {
        uint64_t keys = tier_dbsize(i);
        if (keys == 0) continue;
        text_add(t, "db%d:keys=%llu,expires=%llu,avg_ttl=0\r\n", i, (unsigned long long)keys,
                 (unsigned long long)tier_dbexpires(i));
    }
}

void infoCommand(client *c) {
    static const struct {
        const char *name;
        void (*fn)(text *);
    } sections[] = {
        {"server", info_server},     {"clients", info_clients}, {"memory", info_memory},
        {"persistence", info_persistence}, {"stats", info_stats}, {"replication", info_replication},
        {"cpu", info_cpu},           {"keyspace", info_keyspace},
    };
    text t = {0};
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        if (!section_wanted(c, sections[i].name, 1)) continue;
        if (t.len) text_add(&t, "\r\n");
        sections[i].fn(&t);
    }
    reply_verbatim(c, t.p ? t.p : "", t.len);
    free(t.p);
}

/* ---------------------------------------------------------------------------
 * COMMAND
 * ------------------------------------------------------------------------ */

static void reply_command_flags(client *c, int flags) {
    static const struct {
        int flag;
        const char *name;
    } names[] = {
        {CMD_WRITE, "write"},     {CMD_READONLY, "readonly"}, {CMD_DENYOOM, "denyoom"},
        {CMD_ADMIN, "admin"},     {CMD_PUBSUB, "pubsub"},     {CMD_NOSCRIPT, "noscript"},
        {CMD_BLOCKING, "blocking"},
        {CMD_LOADING, "loading"}, {CMD_STALE, "stale"},       {CMD_FAST, "fast"},
        {CMD_NOAUTH, "no_auth"},  {CMD_NO_MULTI, "no_multi"},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) n += (flags & names[i].flag) != 0;
    reply_set_len(c, n);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (flags & names[i].flag) reply_status(c, names[i].name);
}

static void reply_acl_categories(client *c, const char *acl) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", acl);
    int n = 0;
    for (char *p = buf; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        n++;
        while (*p && *p != ' ') p++;
    }
    reply_set_len(c, n);
    char *save = NULL;
    for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char cat[64];
        snprintf(cat, sizeof(cat), "@%s", w);
        reply_status(c, cat);
    }
}

static void reply_command_info(client *c, const command *cmd) {
    if (!cmd) {
        reply_null_array(c);
        return;
    }
    reply_array_len(c, 10);
    reply_bulk_cstr(c, cmd->name);
    reply_longlong(c, cmd->arity);
    reply_command_flags(c, cmd->flags);
    reply_longlong(c, cmd->firstkey);
    reply_longlong(c, cmd->lastkey);
    reply_longlong(c, cmd->keystep);
    reply_acl_categories(c, cmd->acl);
    /* Flags, categories, tips and key specs are sets in RESP3; so is an
     * empty subcommand list (Redis 7.0 answers a set when there are none). */
    reply_set_len(c, 0); /* tips */
    reply_set_len(c, 0); /* key specs */
    reply_set_len(c, 0); /* subcommands */
}

/* summary, since, group, and (from command_docs.c) "arguments" when the
 * command takes any and "subcommands" for a container command. redis-cli 7
 * builds its help and argument hints from these. */
static void reply_command_docs(client *c, const command *cmd) {
    int nargs = 0;
    const doc_arg *args = command_doc_args(cmd->name, &nargs);
    int nsubs = command_doc_subcommand_count(cmd->name);
    reply_bulk_cstr(c, cmd->name);
    reply_map_len(c, 3 + (args != NULL) + (nsubs > 0));
    reply_bulk_cstr(c, "summary");
    reply_bulk_cstr(c, cmd->summary);
    reply_bulk_cstr(c, "since");
    reply_bulk_cstr(c, cmd->since);
    reply_bulk_cstr(c, "group");
    reply_bulk_cstr(c, cmd->group);
    if (args) {
        reply_bulk_cstr(c, "arguments");
        reply_doc_args(c, args, nargs);
    }
    if (nsubs > 0) {
        reply_bulk_cstr(c, "subcommands");
        reply_doc_subcommands(c, cmd->name, cmd->group);
    }
}

/* COMMAND GETKEYS command [arg ...]: the keys command_get_keys finds. */
static void command_getkeys(client *c) {
    if (c->argc < 4) return reply_sub_arity(c, "command", "getkeys");
    const command *cmd = command_lookup(c->argv[2].ptr, c->argv[2].len);
    int argc = c->argc - 2;
    const resp_arg *argv = c->argv + 2;
    if (!cmd) {
        reply_error(c, "ERR Invalid command specified");
        return;
    }
    if (!command_has_keys(cmd, argc, argv)) {
        reply_error(c, "ERR The command has no key arguments");
        return;
    }
    if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return;
    }
    key_ref *keys = NULL;
    int n = command_get_keys(cmd, argc, argv, &keys);
    if (n == 0) {
        reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    reply_array_len(c, n);
    for (int i = 0; i < n; i++) reply_bulk(c, argv[keys[i].pos].ptr, argv[keys[i].pos].len);
    free(keys);
}

void commandCommand(client *c) {
    int n = command_count();
    if (c->argc == 1) {
        reply_array_len(c, n);
        for (int i = 0; i < n; i++) reply_command_info(c, command_at(i));
    } else if (arg_is(c, 1, "HELP") && c->argc == 2) {
        static const char *help[] = {
            "(no subcommand)", "    Return details about all Redis commands.", "COUNT",
            "    Return the total number of commands in this Redis server.", "LIST",
            "    Return a list of all commands in this Redis server.", "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.", "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
        };
        reply_help(c, "COMMAND", help, (int)(sizeof(help) / sizeof(help[0])));
    } else if (arg_is(c, 1, "COUNT")) {
        if (c->argc != 2) return reply_sub_arity(c, "command", "count");
        reply_longlong(c, n);
    } else if (arg_is(c, 1, "LIST")) {
        reply_array_len(c, n);
        for (int i = 0; i < n; i++) reply_bulk_cstr(c, command_at(i)->name);
    } else if (arg_is(c, 1, "INFO")) {
        if (c->argc == 2) {
            reply_array_len(c, n);
            for (int i = 0; i < n; i++) reply_command_info(c, command_at(i));
            return;
        }
        reply_array_len(c, c->argc - 2);
        for (int i = 2; i < c->argc; i++) reply_command_info(c, command_lookup(c->argv[i].ptr, c->argv[i].len));
    } else if (arg_is(c, 1, "GETKEYS")) {
        command_getkeys(c);
    } else if (arg_is(c, 1, "DOCS")) {
        if (c->argc == 2) {
            reply_map_len(c, n);
            for (int i = 0; i < n; i++) reply_command_docs(c, command_at(i));
            return;
        }
        int found = 0;
        for (int i = 2; i < c->argc; i++) found += command_lookup(c->argv[i].ptr, c->argv[i].len) != NULL;
        reply_map_len(c, found);
        for (int i = 2; i < c->argc; i++) {
            const command *cmd = command_lookup(c->argv[i].ptr, c->argv[i].len);
            if (cmd) reply_command_docs(c, cmd);
        }
    } else {
        reply_unknown_subcommand(c, "COMMAND");
    }
}

/* ---------------------------------------------------------------------------
 * CONFIG
 * ------------------------------------------------------------------------ */

typedef struct config_pairs {
    char **names, **values;
    int n, cap;
} config_pairs;

static void collect_config(const char *name, const char *value, void *ctx) {
    config_pairs *p = ctx;
    for (int i = 0; i < p->n; i++)
        if (!strcmp(p->names[i], name)) return; /* several patterns may match one option */
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->names = realloc(p->names, sizeof(char *) * p->cap);
        p->values = realloc(p->values, sizeof(char *) * p->cap);
    }
    p->names[p->n] = strdup(name);
    p->values[p->n] = strdup(value);
    p->n++;
}

void configCommand(client *c) {
    char err[512];
    if (arg_is(c, 1, "GET")) {
        if (c->argc < 3) return reply_sub_arity(c, "config", "get");
        config_pairs p = {0};
        for (int i = 2; i < c->argc; i++) config_get(c->argv[i].ptr, collect_config, &p);
        reply_map_len(c, p.n);
        for (int i = 0; i < p.n; i++) {
            reply_bulk_cstr(c, p.names[i]);
            reply_bulk_cstr(c, p.values[i]);
            free(p.names[i]);
            free(p.values[i]);
        }
        free(p.names);
        free(p.values);
    } else if (arg_is(c, 1, "SET")) {
        if (c->argc < 4 || c->argc % 2 != 0) return reply_sub_arity(c, "config", "set");
        int n = (c->argc - 2) / 2;
        const char **names = malloc(sizeof(char *) * n), **values = malloc(sizeof(char *) * n);
        for (int i = 0; i < n; i++) {
            names[i] = c->argv[2 + 2 * i].ptr;
            values[i] = c->argv[3 + 2 * i].ptr;
        }
        if (config_set_multi(n, names, values, err, sizeof(err)) < 0)
            reply_error(c, err);
        else
            reply_ok(c);
        free(names);
        free(values);
    } else if (arg_is(c, 1, "RESETSTAT")) {
        if (c->argc != 2) return reply_sub_arity(c, "config", "resetstat");
        server.stat_numcommands = server.stat_numconnections = server.stat_rejected_conn = 0;
        server.stat_expiredkeys = server.stat_keyspace_hits = server.stat_keyspace_misses = 0;
        server.stat_evictedkeys = 0;
        acl_reset_stats();
        tier_hot_reset_stats();
        server.stat_net_input_bytes = server.stat_net_output_bytes = 0;
        server.stat_commits = server.stat_commit_usec = 0;
        for (int i = 0; i < command_count(); i++) {
            command *cmd = (command *)command_at(i);
            cmd->calls = cmd->usec = 0;
        }
        reply_ok(c);
    } else if (arg_is(c, 1, "REWRITE")) {
        if (c->argc != 2) return reply_sub_arity(c, "config", "rewrite");
        if (config_rewrite(err, sizeof(err)) < 0)
            reply_error(c, err);
        else
            reply_ok(c);
    } else if (arg_is(c, 1, "HELP") && c->argc == 2) {
        static const char *help[] = {
            "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
            "    Reset statistics reported by the INFO command.", "REWRITE",
            "    Rewrite the configuration file.",
        };
        reply_help(c, "CONFIG", help, (int)(sizeof(help) / sizeof(help[0])));
    } else {
        reply_unknown_subcommand(c, "CONFIG");
    }
}

/* ---------------------------------------------------------------------------
 * CLIENT
 * ------------------------------------------------------------------------ */

static client *client_by_id(uint64_t id) {
    for (client *o = server.clients; o; o = o->next)
        if (o->id == id) return o;
    return NULL;
}

/* Client types of CLIENT LIST/KILL TYPE, as Redis's getClientType sees
 * them: a client with subscriptions is "pubsub" (in RESP3 too), every other
 * one "normal"; there are no masters or replicas. */
enum { CLIENT_TYPE_NORMAL, CLIENT_TYPE_PUBSUB, CLIENT_TYPE_REPLICATION, CLIENT_TYPE_ANY };

/* argv[i] as a client type; replies Redis's error and returns -1 when it
 * is none. */
static int client_type_arg(client *c, int i) {
    if (arg_is(c, i, "normal")) return CLIENT_TYPE_NORMAL;
    if (arg_is(c, i, "pubsub")) return CLIENT_TYPE_PUBSUB;
    if (arg_is(c, i, "master") || arg_is(c, i, "replica") || arg_is(c, i, "slave")) return CLIENT_TYPE_REPLICATION;
    reply_errorf(c, "ERR Unknown client type '%s'", c->argv[i].ptr);
    return -1;
}

static int client_is_type(const client *o, int type) {
    if (type == CLIENT_TYPE_ANY) return 1;
    if (type == CLIENT_TYPE_REPLICATION) return 0;
    return (type == CLIENT_TYPE_PUBSUB) == ((o->flags & CLIENT_PUBSUB) != 0);
}

static void client_list(client *c) {
    text t = {0};
    char *line;
    int by_id = c->argc > 3 && arg_is(c, 2, "ID");
    int type = CLIENT_TYPE_ANY;
    if (c->argc > 2 && !by_id) {
        if (!(c->argc == 4 && arg_is(c, 2, "TYPE"))) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        if ((type = client_type_arg(c, 3)) < 0) return;
    }
    if (by_id) {
        for (int i = 3; i < c->argc; i++) {
            long long id;
            if (!util_str2ll(c->argv[i].ptr, c->argv[i].len, &id) || id <= 0) {
                reply_error(c, "ERR Invalid client ID");
                free(t.p);
                return;
            }
            client *o = client_by_id((uint64_t)id);
            if (!o) continue;
            line = client_info_string(o);
            text_add(&t, "%s\n", line);
            free(line);
        }
    } else {
        /* Oldest first, as Redis lists them. */
        client *last = server.clients;
        while (last && last->next) last = last->next;
        for (client *o = last; o; o = o->prev) {
            if (!client_is_type(o, type)) continue;
            line = client_info_string(o);
            text_add(&t, "%s\n", line);
            free(line);
        }
    }
    reply_verbatim(c, t.p ? t.p : "", t.len);
    free(t.p);
}

/* CLIENT KILL addr:port, or CLIENT KILL <filter> <value> ... */
static void client_kill(client *c) {
    const char *addr = NULL, *laddr = NULL;
    const resp_arg *user = NULL;
    long long id = 0;
    int skipme = 1, old_form = c->argc == 3, type = CLIENT_TYPE_ANY;
    if (old_form) {
        addr = c->argv[2].ptr;
        skipme = 0;
    } else {
        if (c->argc % 2 != 0) {
            reply_error(c, ERR_SYNTAX);
            return;
        }
        for (int i = 2; i < c->argc; i += 2) {
            if (arg_is(c, i, "ID")) {
                if (!util_str2ll(c->argv[i + 1].ptr, c->argv[i + 1].len, &id) || id <= 0) {
                    reply_error(c, "ERR client-id should be greater than 0");
                    return;
                }
            } else if (arg_is(c, i, "ADDR")) {
                addr = c->argv[i + 1].ptr;
            } else if (arg_is(c, i, "LADDR")) {
                laddr = c->argv[i + 1].ptr;
            } else if (arg_is(c, i, "TYPE")) {
                if ((type = client_type_arg(c, i + 1)) < 0) return;
            } else if (arg_is(c, i, "USER")) {
                if (!acl_user_exists(c->argv[i + 1].ptr, c->argv[i + 1].len)) {
                    reply_errorf(c, "ERR No such user '%s'", c->argv[i + 1].ptr);
                    return;
                }
                user = &c->argv[i + 1];
            } else if (arg_is(c, i, "SKIPME")) {
                if (arg_is(c, i + 1, "yes")) skipme = 1;
                else if (arg_is(c, i + 1, "no")) skipme = 0;
                else {
                    reply_error(c, ERR_SYNTAX);
                    return;
                }
            } else {
                reply_error(c, ERR_SYNTAX);
                return;
            }
        }
    }
    long killed = 0;
    for (client *o = server.clients; o; o = o->next) {
        if (addr && strcmp(o->addr, addr) != 0) continue;
        if (laddr && strcmp(o->laddr, laddr) != 0) continue;
        if (id && o->id != (uint64_t)id) continue;
        if (!client_is_type(o, type)) continue;
        if (user) {
            const char *un = acl_user_name(o->user);
            if (strlen(un) != user->len || memcmp(un, user->ptr, user->len) != 0) continue;
        }
        if (o == c && skipme) continue;
        killed++;
        if (o == c)
            client_close_after_reply(o);
        else
            client_close_asap(o);
    }
    if (old_form) {
        if (killed == 0)
            reply_error(c, "ERR No such client");
        else
            reply_ok(c);
        /* The reply must still reach a client that killed itself. */
        return;
    }
    reply_longlong(c, killed);
}

/* CLIENT REPLY ON|OFF|SKIP. OFF and SKIP answer nothing (they silence
 * themselves); SKIP silences the next command too: networking.c turns
 * CLIENT_REPLY_SKIP_NEXT into CLIENT_REPLY_SKIP once this command is done,
 * and clears that after the next one. Pub/sub messages and confirmations
 * still go out (pubsub.c pushes them), as in Redis 7.0. */
static void client_reply(client *c) {
    if (arg_is(c, 2, "ON")) {
        c->flags &= ~(CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP);
        reply_ok(c);
    } else if (arg_is(c, 2, "OFF")) {
        c->flags |= CLIENT_REPLY_OFF;
    } else if (arg_is(c, 2, "SKIP")) {
        if (!(c->flags & CLIENT_REPLY_OFF)) c->flags |= CLIENT_REPLY_SKIP_NEXT;
    } else {
        reply_error(c, ERR_SYNTAX);
    }
}

void clientCommand(client *c) {
    if (tracking_client_subcommand(c)) return;
    if (arg_is(c, 1, "ID")) {
        if (c->argc != 2) return reply_sub_arity(c, "client", "id");
        reply_longlong(c, (long long)c->id);
    } else if (arg_is(c, 1, "SETNAME")) {
        if (c->argc != 3) return reply_sub_arity(c, "client", "setname");
        if (set_client_name(c, &c->argv[2])) reply_ok(c);
    } else if (arg_is(c, 1, "GETNAME")) {
        if (c->argc != 2) return reply_sub_arity(c, "client", "getname");
        reply_bulk_cstr(c, c->name);
    } else if (arg_is(c, 1, "LIST")) {
        client_list(c);
    } else if (arg_is(c, 1, "INFO")) {
        if (c->argc != 2) return reply_sub_arity(c, "client", "info");
        text t = {0};
        char *line = client_info_string(c);
        text_add(&t, "%s\n", line);
        reply_verbatim(c, t.p, t.len);
        free(line);
        free(t.p);
    } else if (arg_is(c, 1, "KILL")) {
        if (c->argc < 3) return reply_sub_arity(c, "client", "kill");
        client_kill(c);
    } else if (arg_is(c, 1, "REPLY")) {
        if (c->argc != 3) return reply_sub_arity(c, "client", "reply");
        client_reply(c);
    } else if (arg_is(c, 1, "NO-EVICT")) {
        if (c->argc != 3) return reply_sub_arity(c, "client", "no-evict");
        /* Redis exempts such a client from maxmemory-clients eviction.
         * strata's hot tier evicts keys, never clients, so no client is
         * ever evicted and the flag only shows (as 'e' in CLIENT LIST);
         * it is kept so clients that set it work unchanged. */
        if (arg_is(c, 2, "ON")) {
            c->flags |= CLIENT_NO_EVICT;
            reply_ok(c);
        } else if (arg_is(c, 2, "OFF")) {
            c->flags &= ~CLIENT_NO_EVICT;
            reply_ok(c);
        } else {
            reply_error(c, ERR_SYNTAX);
        }
    } else if (block_client_subcommand(c)) {
        /* PAUSE, UNPAUSE, UNBLOCK (blocking.c) */
    } else if (arg_is(c, 1, "HELP") && c->argc == 2) {
        static const char *help[] = {
            "GETNAME", "    Return the name of the current connection.", "ID",
            "    Return the ID of the current connection.", "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>", "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:", "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
            "    * USER <username>", "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
            "    * ID <client-id>", "      Kill connections by client id.",
            "LIST [options ...]", "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Return clients of specified type.",
            "    * ID <client-id> [<client-id> ...]", "      Return clients of specified IDs only.",
            "REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
            "SETNAME <name>", "    Assign the name <name> to the current connection.",
            "NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "UNPAUSE", "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
        };
        reply_help(c, "CLIENT", help, (int)(sizeof(help) / sizeof(help[0])));
    } else {
        reply_unknown_subcommand(c, "CLIENT");
    }
}
