/* server.c - the event loop, the end-of-turn commit, the periodic cron and
 * the WAL sync thread.
 *
 * libevent has no "before sleep" hook, so the loop is ours: each
 * event_base_loop(EVLOOP_ONCE) runs one turn of ready callbacks, and
 * server_end_of_turn() then commits the turn's writes as one batch and only
 * after that writes replies to sockets.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "util.h"

server_state server;

static struct event *cron_event, *sigterm_event, *sigint_event;
static long long cached_now_ms;

/* ---------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------ */

void server_log(int level, const char *fmt, ...) {
    if (level < server_config.loglevel) return;
    FILE *fp = stdout;
    int to_file = server_config.logfile && server_config.logfile[0];
    if (to_file && !(fp = fopen(server_config.logfile, "a"))) return;
    char msg[1024], when[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t off = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
    snprintf(when + off, sizeof(when) - off, "%03d", (int)(tv.tv_usec / 1000));
    const char *marks = ".-*#";
    fprintf(fp, "%d:M %s %c %s\n", (int)getpid(), when, marks[level], msg);
    fflush(fp);
    if (to_file) fclose(fp);
}

/* ---------------------------------------------------------------------------
 * Key changes
 * ------------------------------------------------------------------------ */

/* The tier layer calls this for every change of a key (tier_set_change_hook):
 * by a command, or by lazy or active expiry. What reacts to changes of
 * particular keys (WATCH, clients blocked on a key, ...) hangs off here. It
 * runs often (once per element written), so each reaction must be cheap
 * when nobody is interested in the key. */
static void key_changed(int db, const char *key, size_t klen, int why) {
    if (why == TIER_EXPIRED) {
        server.stat_expiredkeys++;
        notify_keyspace_event(NOTIFY_EXPIRED, "expired", key, klen, db);
    } else {
        block_key_changed(db, key, klen); /* a write may feed blocked clients */
    }
    multi_key_changed(db, key, klen);
    tracking_key_changed(server.current_client, key, klen);
}

/* A write created a key (tier_set_create_hook). */
static void key_created(int db, const char *key, size_t klen, int why) {
    (void)why;
    notify_keyspace_event(NOTIFY_NEW, "new", key, klen, db);
}

/* ---------------------------------------------------------------------------
 * Time
 * ------------------------------------------------------------------------ */

long long server_mstime(void) { return cached_now_ms ? cached_now_ms : util_mstime(); }

/* Commands see one "now" each, as in Redis, so that a key cannot expire
 * halfway through a command. commands.c calls this before each command. */
void server_update_time(void) { cached_now_ms = util_mstime(); }

void server_dirty(client *c, long long n) { server.dirty += n; }

/* ---------------------------------------------------------------------------
 * Everysec WAL sync
 * ------------------------------------------------------------------------ */

/* Held by the sync thread while it uses the store, and by the loop while it
 * reopens the store (recover_store). */
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t sync_thread;
static int sync_thread_running;
static pthread_mutex_t sync_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sync_cond = PTHREAD_COND_INITIALIZER;
static int sync_stop;

/* The WAL sync thread.
 *
 * appendfsync everysec: the batch is written (not synced) before the reply,
 * so a process crash loses nothing; this thread syncs once a second, which
 * bounds what a power loss can take.
 *
 * appendfsync always: the loop writes each turn's batch without syncing,
 * takes a ticket, and holds every reply produced from then on (networking.c)
 * until a sync covers that ticket. This thread syncs as soon as a ticket is
 * waiting and publishes the last ticket it covered; one sync covers every
 * turn written before it started, so many clients share each sync, and the
 * loop keeps reading and running commands while the disk works. */
static _Atomic uint64_t synced_ticket; /* written by the thread */
static uint64_t wanted_ticket;          /* under sync_lock: the loop's latest ticket */
static int sync_failed;                 /* under sync_lock */
static char sync_error[256];
static int notify_pipe[2] = {-1, -1};   /* thread -> loop: a sync finished */
static struct event *notify_event;

/* synced_ticket only moves forward (a late, smaller value is ignored). */
static void publish_synced(uint64_t t) {
    uint64_t cur = atomic_load(&synced_ticket);
    while (cur < t && !atomic_compare_exchange_weak(&synced_ticket, &cur, t)) {
    }
}

static void *sync_main(void *arg) {
    pthread_mutex_lock(&sync_lock);
    long long last_everysec = util_mstime();
    while (!sync_stop) {
        if (wanted_ticket <= atomic_load(&synced_ticket)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&sync_cond, &sync_lock, &ts);
            if (sync_stop) break;
        }
        uint64_t target = wanted_ticket;
        int for_ticket = target > atomic_load(&synced_ticket);
        int everysec = server_config.appendfsync == FSYNC_EVERYSEC && util_mstime() - last_everysec >= 1000;
        if (!for_ticket && !everysec) continue;
        pthread_mutex_unlock(&sync_lock);
        char *err = NULL;
        pthread_mutex_lock(&engine_lock);
        int rc = server.store_error ? TIER_ERR : tier_sync_wal(&err);
        pthread_mutex_unlock(&engine_lock);
        last_everysec = util_mstime();
        pthread_mutex_lock(&sync_lock);
        if (rc == TIER_OK) {
            server.last_sync_ms = last_everysec;
            if (for_ticket) publish_synced(target);
        } else if (for_ticket) {
            sync_failed = 1;
            snprintf(sync_error, sizeof(sync_error), "%s", err ? err : "the store is in a failed state");
        } else if (err) {
            server_log(LOG_WARNING, "WAL sync failed: %s", err);
        }
        free(err);
        if (for_ticket) {
            char b = 1;
            ssize_t ignored = write(notify_pipe[1], &b, 1);
            (void)ignored;
        }
    }
    pthread_mutex_unlock(&sync_lock);
    return NULL;
}

static void commit_failed(const char *err);

/* On the loop: a sync finished. Release what it covers, or, if it failed,
 * drop every held reply with its client. */
static void sync_done_cb(int fd, short what, void *arg) {
    char buf[64];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    pthread_mutex_lock(&sync_lock);
    int failed = sync_failed;
    char err[256];
    snprintf(err, sizeof(err), "%s", sync_error);
    sync_failed = 0;
    pthread_mutex_unlock(&sync_lock);
    if (failed) {
        commit_failed(err);
        net_drop_held();
        /* Those clients are gone; nothing else waits for these tickets. */
        publish_synced(server.write_ticket);
        return;
    }
    net_release_synced(atomic_load(&synced_ticket));
}

/* Ask the sync thread to cover ticket (appendfsync always). */
static void request_sync(uint64_t ticket) {
    pthread_mutex_lock(&sync_lock);
    wanted_ticket = ticket;
    pthread_cond_signal(&sync_cond);
    pthread_mutex_unlock(&sync_lock);
}

/* ---------------------------------------------------------------------------
 * End of turn
 * ------------------------------------------------------------------------ */

/* A failed commit means the replies already built for those writes must not
 * be sent: the clients that wrote this turn are disconnected (they never see
 * an acknowledgement), and writes are refused until a commit works again. */
static void commit_failed(const char *err) {
    server.store_error = 1;
    tier_set_readonly(1);
    snprintf(server.store_error_msg, sizeof(server.store_error_msg), "%s", err);
    server_log(LOG_WARNING, "Commit to the store failed: %s", err);
    for (client *c = server.clients; c; c = c->next) {
        if (c->flags & CLIENT_WROTE) client_close_asap(c);
    }
}

static void server_end_of_turn(void) {
    tracking_end_of_turn();
    int always = server_config.appendfsync == FSYNC_ALWAYS && sync_thread_running;
    char *mid_err = NULL;
    if (tier_take_commit_error(&mid_err)) {
        commit_failed(mid_err);
        free(mid_err);
    }
    if (tier_pending() > 0) {
        long long start = util_ustime();
        char *err = NULL;
        /* Under always the sync thread does the sync (see sync_main). */
        if (tier_commit(0, &err) != TIER_OK) {
            commit_failed(err ? err : "unknown error");
            free(err);
        } else {
            server.stat_commits++;
            server.stat_commit_usec += util_ustime() - start;
        }
    }
    /* Writes not yet synced (this turn's, or a command's mid-turn commit):
     * under always, everything produced from now on waits for a sync. */
    if (tier_take_unsynced() && always) request_sync(++server.write_ticket);
    uint64_t hold = server.write_ticket > atomic_load(&synced_ticket) ? server.write_ticket : 0;
    net_hold_output(hold);
    for (client *c = server.clients; c; c = c->next) c->flags &= ~CLIENT_WROTE;
    net_flush_pending();
    cached_now_ms = 0;
}

/* ---------------------------------------------------------------------------
 * Cron
 * ------------------------------------------------------------------------ */

static void close_idle_clients(long long now) {
    if (server_config.timeout <= 0) return;
    for (client *c = server.clients; c; c = c->next) {
        if (c->flags & CLIENT_BLOCKED) continue; /* waiting is not idling (Redis) */
        if (now - c->last_ms > (long long)server_config.timeout * 1000) {
            server_log(LOG_VERBOSE, "Closing idle client");
            client_close_asap(c);
        }
    }
}

/* After a failed commit: once a second, and only when the disk has room
 * again, reopen the store (RocksDB refuses writes after a failed WAL write
 * until reopened) and check that a synced write goes through. */
static void recover_store(long long now) {
    static long long last_try;
    if (now - last_try < 1000) return;
    last_try = now;
    struct statvfs fs;
    if (statvfs(server_config.dir, &fs) == 0 && (unsigned long long)fs.f_bavail * fs.f_frsize < (16ULL << 20))
        return;
    char *err = NULL;
    pthread_mutex_lock(&engine_lock);
    int rc = tier_reopen(&err);
    pthread_mutex_unlock(&engine_lock);
    if (rc != TIER_OK) {
        server_log(LOG_WARNING, "The store could not be reopened after a write error: %s. Exiting.", err);
        exit(1);
    }
    tier_set_readonly(1);
    if (tier_probe_write(&err) != TIER_OK) {
        server_log(LOG_WARNING, "The store still refuses writes: %s", err);
        free(err);
        return;
    }
    server.store_error = 0;
    tier_set_readonly(block_paused()); /* a CLIENT PAUSE keeps expiry still */
    server_log(LOG_WARNING, "The store accepts writes again.");
}

static void cron_cb(int fd, short what, void *arg) {
    long long now = util_mstime();
    if (server.store_error) recover_store(now);
    /* No memory_sample_peak() here: mallinfo2() walks the whole heap (8 ms a
     * tick once eviction has fragmented it); the peak is sampled when MEMORY
     * or INFO asks. */
    /* Active expiry: a slice of each tick, as Redis's slow cycle (25% of
     * the tick at effort 1, a little more per effort step). */
    long long tick_us = 1000000 / (server_config.hz > 0 ? server_config.hz : 10);
    long long budget = tick_us * (25 + 2 * (server_config.active_expire_effort - 1)) / 100;
    tier_expire_cycle(now, 20000, budget); /* counted in key_changed() */
    close_idle_clients(now);
}

static void schedule_cron(void) {
    int hz = server_config.hz > 0 ? server_config.hz : 10;
    struct timeval tv = {0, 1000000 / hz};
    event_add(cron_event, &tv);
}

static void signal_cb(int sig, short what, void *arg) {
    server_log(LOG_WARNING, "Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.shutdown_asap = 1;
}

/* ---------------------------------------------------------------------------
 * CONFIG SET hooks
 * ------------------------------------------------------------------------ */

/* The hot tier's tunables: LFU parameters, and the limit and policy its
 * admission rule follows. At start and on every CONFIG SET of them. */
static void apply_hot_config(void) {
    tier_hot_config(server_config.lfu_log_factor, server_config.lfu_decay_time, (uint64_t)server_config.maxmemory,
                    server_config.maxmemory_policy);
}

static int config_try_apply(const char *name, char *err, size_t errlen) {
    if (!strcmp(name, "port") || !strcmp(name, "bind")) {
        if (net_relisten_tcp() < 0) {
            snprintf(err, errlen, "Unable to listen on this port");
            return -1;
        }
    } else if (!strcmp(name, "requirepass")) {
        acl_apply_requirepass();
    } else if (!strcmp(name, "rocksdb-block-cache-size")) {
        tier_set_block_cache_capacity((uint64_t)server_config.rocksdb_block_cache_size);
    } else if (!strcmp(name, "client-output-buffer-limit")) {
        net_load_output_limits();
    } else if (!strcmp(name, "maxmemory") || !strcmp(name, "maxmemory-policy") || !strncmp(name, "lfu-", 4)) {
        apply_hot_config();
    }
    return 0;
}

/* ---------------------------------------------------------------------------
 * Start / run / stop
 * ------------------------------------------------------------------------ */

int server_start(void) {
    /* Precise timers: blocking commands' timeouts of 10 ms must not be off by
     * the 4 ms of a coarse clock (one clock_gettime per loop turn). */
    struct event_config *evcfg = event_config_new();
    event_config_set_flag(evcfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    server.base = event_base_new_with_config(evcfg);
    event_config_free(evcfg);
    server.start_ms = util_mstime();
    server.lastsave = server.start_ms / 1000;
    server.lastsave_ok = 1;
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)(util_ustime() ^ getpid()));

    tier_options to = {
        .dir = server_config.dir,
        .databases = server_config.databases,
        .block_cache_size = (uint64_t)server_config.rocksdb_block_cache_size,
        .write_buffer_size = (uint64_t)server_config.rocksdb_write_buffer_size,
        .compression = server_config.rocksdb_compression,
        .max_background_jobs = server_config.rocksdb_max_background_jobs,
    };
    util_random_bytes(to.fresh_seed, sizeof(to.fresh_seed));
    char *err = NULL;
    long long t0 = util_ustime();
    if (tier_open(&to, &err) != TIER_OK) {
        server_log(LOG_WARNING, "Can't open the data directory '%s': %s", server_config.dir,
                   err ? err : "unknown error");
        fprintf(stderr, "Can't open the data directory '%s': %s\n", server_config.dir, err ? err : "");
        free(err);
        return -1;
    }
    server_log(LOG_NOTICE, "Store opened in %.3f seconds (%s)", (util_ustime() - t0) / 1e6, server_config.dir);
    memory_note_startup();
    char aclerr[4096];
    if (acl_init(aclerr, sizeof(aclerr)) < 0) {
        server_log(LOG_WARNING, "Aborting Redis startup because of ACL errors: %s", aclerr);
        tier_close();
        return -1;
    }
    tier_set_change_hook(key_changed);
    tier_set_create_hook(key_created);
    apply_hot_config();
    if (net_listen() < 0) {
        tier_close();
        return -1;
    }
    config_try_apply_hook = config_try_apply;
    config_rewrite_users_hook = acl_rewrite_users;
    cron_event = event_new(server.base, -1, EV_PERSIST, cron_cb, NULL);
    schedule_cron();
    sigterm_event = evsignal_new(server.base, SIGTERM, signal_cb, NULL);
    sigint_event = evsignal_new(server.base, SIGINT, signal_cb, NULL);
    event_add(sigterm_event, NULL);
    event_add(sigint_event, NULL);
    sync_stop = 0;
    if (pipe(notify_pipe) == 0) {
        fcntl(notify_pipe[0], F_SETFL, O_NONBLOCK);
        notify_event = event_new(server.base, notify_pipe[0], EV_READ | EV_PERSIST, sync_done_cb, NULL);
        event_add(notify_event, NULL);
        if (pthread_create(&sync_thread, NULL, sync_main, NULL) == 0) sync_thread_running = 1;
    }
    server_log(LOG_NOTICE, "Ready to accept connections on port %d", server_config.port);
    return 0;
}

void server_run(void) {
    while (!server.shutdown_asap) {
        event_base_loop(server.base, EVLOOP_ONCE);
        server_end_of_turn();
    }
}

void server_stop(void) {
    server_log(LOG_WARNING, "User requested shutdown...");
    server_end_of_turn();
    /* Held replies go out once the last writes are synced. */
    char *err = NULL;
    if (server.write_ticket > atomic_load(&synced_ticket) && tier_sync_wal(&err) == TIER_OK) {
        publish_synced(server.write_ticket);
        net_release_synced(server.write_ticket);
        net_flush_pending();
    }
    free(err);
    while (server.clients) client_free(server.clients);
    acl_free_all();
    net_close_listeners();
    if (sync_thread_running) {
        pthread_mutex_lock(&sync_lock);
        sync_stop = 1;
        pthread_cond_signal(&sync_cond);
        pthread_mutex_unlock(&sync_lock);
        pthread_join(sync_thread, NULL);
        sync_thread_running = 0;
    }
    if (notify_event) event_free(notify_event);
    if (notify_pipe[0] >= 0) close(notify_pipe[0]);
    if (notify_pipe[1] >= 0) close(notify_pipe[1]);
    tier_close();
    event_free(cron_event);
    event_free(sigterm_event);
    event_free(sigint_event);
    event_base_free(server.base);
    if (server_config.pidfile && server_config.pidfile[0]) unlink(server_config.pidfile);
    server_log(LOG_WARNING, "strata is now ready to exit, bye bye...");
}
