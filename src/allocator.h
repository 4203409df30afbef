/* allocator.h - what the memory allocator says about the process.
 *
 * Release builds link jemalloc (as Redis does): fewer holes with millions of
 * small hot-tier entries, exact sizes from malloc_usable_size, and cheap
 * process totals. Sanitizer builds keep the sanitizer's allocator, and any
 * build without jemalloc falls back to glibc's figures. Callers never need
 * to know which one is in use.
 */
#ifndef STRATA_ALLOCATOR_H
#define STRATA_ALLOCATOR_H

#include <stdio.h>

/* Bytes the process has allocated and not freed (INFO used_memory). It
 * includes RocksDB's own allocations (block cache, memtables). */
long long allocator_allocated(void);
/* Resident set size of the process, from /proc. */
long long allocator_rss(void);
/* "jemalloc-5.3.0" or "libc" (INFO mem_allocator). Static string. */
const char *allocator_name(void);
/* Write the allocator's own report to fp (MEMORY MALLOC-STATS). Returns 0,
 * or -1 when the allocator has none. */
int allocator_write_stats(FILE *fp);
/* Give free memory back to the system (MEMORY PURGE). */
void allocator_purge(void);

#endif
