/* main.c - start-up: configuration, daemonizing, pidfile, then the server.
 *
 *   strata-server [/path/to/strata.conf] [--option value ...]
 *
 * as redis-server is invoked. Bad configuration stops start-up with a
 * message naming the file and line.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "server.h"

static void usage(void) {
    fprintf(stderr,
            "Usage: ./strata-server [/path/to/strata.conf] [options]\n"
            "       ./strata-server -v or --version\n"
            "       ./strata-server -h or --help\n\n"
            "Examples:\n"
            "       ./strata-server (run with defaults: port 6379, data in ./strata-data)\n"
            "       ./strata-server conf/strata.conf\n"
            "       ./strata-server --port 7777 --dir /var/lib/strata\n");
    exit(1);
}

static void daemonize(void) {
    if (fork() != 0) exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

static void write_pidfile(void) {
    if (!server_config.pidfile || !server_config.pidfile[0]) return;
    FILE *fp = fopen(server_config.pidfile, "w");
    if (!fp) {
        server_log(LOG_WARNING, "Failed to write PID file: %s", server_config.pidfile);
        return;
    }
    fprintf(fp, "%d\n", (int)getpid());
    fclose(fp);
}

int main(int argc, char **argv) {
    char err[512];
    config_init_defaults();
    int first_opt = 1;
    if (argc >= 2) {
        if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")) {
            printf("strata server v=%s (redis-compatible %s)\n", STRATA_OWN_VERSION, STRATA_VERSION);
            return 0;
        }
        if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage();
        if (argv[1][0] != '-') {
            if (config_load_file(argv[1], err, sizeof(err)) < 0) {
                fprintf(stderr, "*** FATAL CONFIG FILE ERROR ***\n%s\n", err);
                return 1;
            }
            first_opt = 2;
        }
    }
    if (config_load_args(argc - first_opt, argv + first_opt, err, sizeof(err)) < 0) {
        fprintf(stderr, "*** FATAL CONFIG ERROR ***\n%s\n", err);
        return 1;
    }
    if (mkdir(server_config.dir, 0755) < 0 && access(server_config.dir, W_OK) < 0) {
        fprintf(stderr, "Can't create or write the data directory '%s'\n", server_config.dir);
        return 1;
    }
    if (server_config.daemonize) daemonize();
    if (server_start() < 0) return 1;
    write_pidfile();
    server_run();
    server_stop();
    return 0;
}
