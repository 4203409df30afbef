/* util.h - number conversions, glob matching and hashing, with Redis's exact
 * rules. Replies must be byte-identical to Redis 7, so every conversion here
 * follows what Redis accepts and prints (util.c in Redis is the reference for
 * behaviour; the code is ours).
 *
 * None of these functions allocate. Output functions write into a buffer the
 * caller provides and return the length written (excluding the NUL).
 */
#ifndef STRATA_UTIL_H
#define STRATA_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Strict integer parsing, as Redis's string2ll: optional '-', digits, no
 * leading '+', no spaces, no leading zeros ("0" alone is fine), no overflow,
 * not empty. Returns 1 on success, 0 otherwise. */
int util_str2ll(const char *s, size_t len, long long *out);
int util_str2ull(const char *s, size_t len, unsigned long long *out);

/* Redis's string2ull, which stream IDs (XADD, XRANGE, ...) are parsed with.
 * Much looser than util_str2ull: if util_str2ll accepts the text, a negative
 * value is rejected; otherwise strtoull rules apply, so leading spaces, a
 * '+', leading zeros are accepted and "-01" wraps to 18446744073709551615.
 * Trailing garbage and overflow are rejected. The text ends at the first NUL
 * byte, as Redis reads it as a C string. Returns 1 on success. */
int util_str2ull_lax(const char *s, size_t len, unsigned long long *out);

/* Redis's string2ld (used by INCRBYFLOAT / HINCRBYFLOAT): strtold over the
 * whole string, rejecting empty, leading space, trailing garbage, NaN and
 * inputs longer than 5k. Returns 1 on success. */
int util_str2ld(const char *s, size_t len, long double *out);

/* Redis's string2d (scores, timeouts with decimals): strtod over the whole
 * string, rejecting empty, leading space, trailing garbage and NaN; accepts
 * "inf", "+inf", "-inf" in any case. Returns 1 on success. */
int util_str2d(const char *s, size_t len, double *out);
/* (The one exception to "no allocation": Redis puts no length limit on
 * string2d, so inputs of 256 bytes or more are copied to a temporary heap
 * buffer, freed before returning; 0 is returned if that malloc fails.) */

/* Decimal text of v. buf must hold 21 bytes. */
size_t util_ll2str(char *buf, size_t cap, long long v);
size_t util_ull2str(char *buf, size_t cap, unsigned long long v);

/* Redis's ld2string in LD_STR_HUMAN mode (INCRBYFLOAT's reply): "%.17Lf" with
 * trailing zeros and a trailing '.' removed, "-0" printed as "0"; inf printed
 * as "inf"/"-inf". Returns 0 if it does not fit (cap >= 5*1024 always fits). */
size_t util_ld2str_human(char *buf, size_t cap, long double v);

/* Redis's double reply format (addReplyDouble / d2string): "%.17g", with
 * "inf", "-inf"; integral values in the safe range printed without exponent
 * as Redis 7 does. buf must hold 128 bytes. */
size_t util_d2str(char *buf, size_t cap, double v);

/* Redis's stringmatchlen: glob-style pattern with *, ?, [abc], [^a], [a-z],
 * and backslash escapes. nocase != 0 compares ASCII case-insensitively.
 * Returns 1 on match. Must not recurse without bound on hostile patterns. */
int util_globmatch(const char *pat, size_t plen, const char *s, size_t slen, int nocase);
/* As in Redis, an empty string matches only the empty pattern: "*" does not
 * match "". KEYS and SCAN in Redis test for a lone "*" pattern before calling
 * the matcher (and so match every key, "" included); callers must do the
 * same. Iterative, O(plen * slen) worst case. */

/* Milliseconds / microseconds since the Unix epoch (CLOCK_REALTIME). */
long long util_mstime(void);
long long util_ustime(void);
/* Monotonic microseconds, for durations. */
long long util_monotonic_us(void);

/* Fill buf with len random bytes from /dev/urandom (falls back to time and
 * pid mixing if it cannot be read). */
void util_random_bytes(void *buf, size_t len);

/* Bytes as INFO prints them for humans: "512B", "1.50K", "2.00G". */
void util_human_bytes(char *buf, size_t cap, double n);

#endif
