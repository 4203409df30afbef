/* persistence.c - SAVE, BGSAVE and LASTSAVE: checkpoints of the store.
 *
 * Every acknowledged write is already in RocksDB, so "saving" here means
 * something else than in Redis: a checkpoint, a consistent copy of the
 * store made of hard links (cheap and instant), that can be backed up
 * elsewhere or started from with --dir. Both SAVE and BGSAVE make one at
 * once; there is nothing to do in the background.
 *
 * The new checkpoint is written beside the old one and renamed into place,
 * so a crash at any moment leaves a complete checkpoint (old or new).
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "util.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    return remove(path);
}

/* rm -rf path (absent is fine). */
static int remove_tree(const char *path) {
    if (access(path, F_OK) != 0) return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void sync_parent_dir(const char *path) {
    char *copy = strdup(path), *slash = strrchr(copy, '/');
    if (slash == copy)
        slash[1] = 0;
    else if (slash)
        *slash = 0;
    else
        strcpy(copy, ".");
    int fd = open(copy, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

const char *persistence_checkpoint_path(char *buf, size_t cap) {
    if (server_config.checkpoint_dir && server_config.checkpoint_dir[0])
        snprintf(buf, cap, "%s", server_config.checkpoint_dir);
    else
        snprintf(buf, cap, "%s/checkpoint", server_config.dir);
    return buf;
}

int persistence_save(char *err, size_t errlen) {
    char path[4096], tmp[4200], old[4200];
    persistence_checkpoint_path(path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    snprintf(old, sizeof(old), "%s.old", path);
    char *terr = NULL;
    remove_tree(tmp);
    long long start = util_ustime();
    if (tier_checkpoint(tmp, &terr) != TIER_OK) {
        snprintf(err, errlen, "checkpoint failed: %s", terr ? terr : "unknown error");
        free(terr);
        remove_tree(tmp);
        server.lastsave_ok = 0;
        return -1;
    }
    remove_tree(old);
    if ((access(path, F_OK) == 0 && rename(path, old) != 0) || rename(tmp, path) != 0) {
        snprintf(err, errlen, "checkpoint failed: renaming into %s: %s", path, strerror(errno));
        server.lastsave_ok = 0;
        return -1;
    }
    sync_parent_dir(path);
    remove_tree(old);
    server.lastsave = util_mstime() / 1000;
    server.lastsave_ok = 1;
    server.dirty = 0;
    server_log(LOG_NOTICE, "Checkpoint written to %s in %.3f seconds", path, (util_ustime() - start) / 1e6);
    return 0;
}

void saveCommand(client *c) {
    char err[512];
    if (persistence_save(err, sizeof(err)) < 0) {
        server_log(LOG_WARNING, "SAVE: %s", err);
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_ok(c);
}

void bgsaveCommand(client *c) {
    if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "SCHEDULE"))) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    char err[512];
    if (persistence_save(err, sizeof(err)) < 0) {
        server_log(LOG_WARNING, "BGSAVE: %s", err);
        reply_errorf(c, "ERR %s", err);
        return;
    }
    reply_status(c, "Background saving started");
}

void lastsaveCommand(client *c) { reply_longlong(c, server.lastsave); }
