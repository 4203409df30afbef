/* allocator.c - process memory figures from jemalloc or glibc (allocator.h).
 *
 * glibc's mallinfo2() walks every arena; with a fragmented heap that took
 * milliseconds, so nothing calls these on a timer: only INFO, MEMORY and
 * the like, on request.
 */
#include "allocator.h"

#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#ifdef STRATA_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

long long allocator_rss(void) {
    FILE *fp = fopen("/proc/self/statm", "r");
    long long pages = 0, rss = 0;
    if (fp) {
        if (fscanf(fp, "%lld %lld", &pages, &rss) != 2) rss = 0;
        fclose(fp);
    }
    return rss * sysconf(_SC_PAGESIZE);
}

#ifdef STRATA_JEMALLOC

long long allocator_allocated(void) {
    /* jemalloc's totals are a snapshot refreshed by advancing the epoch. */
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, NULL, 0) != 0) return allocator_rss();
    return (long long)allocated;
}

const char *allocator_name(void) {
    static char name[64];
    if (!name[0]) {
        const char *v = NULL;
        size_t sz = sizeof(v);
        if (mallctl("version", &v, &sz, NULL, 0) == 0 && v) {
            /* "5.3.0-0-g54eaed1d8b56..." -> "jemalloc-5.3.0" */
            size_t n = strcspn(v, "-");
            snprintf(name, sizeof(name), "jemalloc-%.*s", (int)n, v);
        } else {
            snprintf(name, sizeof(name), "jemalloc");
        }
    }
    return name;
}

static void write_cb(void *fp, const char *s) { fputs(s, fp); }

int allocator_write_stats(FILE *fp) {
    malloc_stats_print(write_cb, fp, NULL);
    return 0;
}

void allocator_purge(void) {
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "arena.%u.purge", (unsigned)MALLCTL_ARENAS_ALL);
    mallctl(cmd, NULL, NULL, NULL, 0);
}

#else

long long allocator_allocated(void) {
    struct mallinfo2 mi = mallinfo2();
    long long used = (long long)(mi.uordblks + mi.hblkhd);
    return used ? used : allocator_rss(); /* sanitizer allocators have no mallinfo */
}

const char *allocator_name(void) { return "libc"; }

int allocator_write_stats(FILE *fp) { return malloc_info(0, fp) == 0 ? 0 : -1; }

void allocator_purge(void) { malloc_trim(0); }

#endif
