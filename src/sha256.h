/* sha256.h - SHA-256 of a buffer, as hex (sha256.c). No allocation. */
#ifndef STRATA_SHA256_H
#define STRATA_SHA256_H

#include <stddef.h>

/* The 64 lowercase hex digits of SHA-256(p[0..n)), NUL-terminated, into out. */
void sha256_hex(const char *p, size_t n, char out[65]);

#endif
