/* util.c - number conversions, glob matching and hashing, with Redis's exact
 * rules.
 *
 * Every function here mirrors the observable behaviour of a Redis 7.0 helper
 * (string2ll, string2ull, string2ld, string2d, ld2string, addReplyDouble,
 * stringmatchlen). Where Redis relies on libc (strtod, strtold, printf) we call
 * the same libc function, so the corner cases (hex floats, "infinity",
 * denormals, rounding of the 17th digit) come out the same. Where Redis
 * relies on its strings being NUL-terminated, we copy into a terminated
 * buffer first, because our callers hand us (pointer, length) slices of
 * network buffers that are not terminated.
 *
 * Locale: strtod/strtold/printf read LC_NUMERIC. Redis never changes it from
 * "C" and neither may we, or "1.5" would stop parsing in some locales.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * Integers
 * ---------------------------------------------------------------------- */

/* Redis rejects any integer text of 21 bytes or more before looking at it
 * (LONG_STR_SIZE): the longest valid one, "-9223372036854775808", has 20. */
#define UTIL_LL_MAXLEN 21

/* Parses the unsigned magnitude of a strict decimal: first digit 1-9 (the
 * caller handles a lone "0"), then digits, nothing else, no overflow. */
static int parse_strict_magnitude(const char *p, size_t len, unsigned long long *out)
{
    if (len == 0 || p[0] < '1' || p[0] > '9') return 0;
    unsigned long long v = (unsigned long long)(p[0] - '0');
    for (size_t i = 1; i < len; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        unsigned d = (unsigned)(p[i] - '0');
        if (v > ULLONG_MAX / 10) return 0;
        v *= 10;
        if (v > ULLONG_MAX - d) return 0;
        v += d;
    }
    *out = v;
    return 1;
}

int util_str2ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len >= UTIL_LL_MAXLEN) return 0;
    if (len == 1 && s[0] == '0') {
        if (out) *out = 0;
        return 1;
    }
    /* "-0" is rejected: after the sign the first digit must be 1-9. INCR on a
     * key holding "-0" therefore fails in Redis, and must fail here. */
    int negative = s[0] == '-';
    unsigned long long mag;
    if (!parse_strict_magnitude(s + negative, len - negative, &mag)) return 0;
    if (negative) {
        if (mag > (unsigned long long)LLONG_MAX + 1) return 0;
        /* Negate in unsigned arithmetic: -(LLONG_MIN) does not exist. */
        if (out) *out = mag == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)mag;
    } else {
        if (mag > (unsigned long long)LLONG_MAX) return 0;
        if (out) *out = (long long)mag;
    }
    return 1;
}

int util_str2ull(const char *s, size_t len, unsigned long long *out)
{
    if (len == 0 || len >= UTIL_LL_MAXLEN) return 0;
    if (len == 1 && s[0] == '0') {
        if (out) *out = 0;
        return 1;
    }
    unsigned long long v;
    if (!parse_strict_magnitude(s, len, &v)) return 0;
    if (out) *out = v;
    return 1;
}

static int is_c_space(unsigned char c)
{
    /* isspace() in the "C" locale, which is the one Redis runs under. */
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int util_str2ull_lax(const char *s, size_t len, unsigned long long *out)
{
    /* Redis's string2ull takes a C string: the text ends at the first NUL. */
    const char *nul = memchr(s, '\0', len);
    if (nul) len = (size_t)(nul - s);

    long long ll;
    if (util_str2ll(s, len, &ll)) {
        if (ll < 0) return 0;
        if (out) *out = (unsigned long long)ll;
        return 1;
    }

    /* Otherwise strtoull(s, &end, 10) semantics, done by hand so we need no
     * terminated copy: leading C-locale spaces, an optional sign, at least
     * one digit, then the end of the text. Overflow of the magnitude is
     * ERANGE (rejected); a '-' negates modulo 2^64, as strtoull does. */
    size_t i = 0;
    while (i < len && is_c_space((unsigned char)s[i])) i++;
    int negative = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (i == len || s[i] < '0' || s[i] > '9') return 0;
    unsigned long long v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > ULLONG_MAX / 10 || v * 10 > ULLONG_MAX - d) return 0;
        v = v * 10 + d;
    }
    if (out) *out = negative ? 0 - v : v;
    return 1;
}

size_t util_ull2str(char *buf, size_t cap, unsigned long long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n + 1 > cap) return 0;
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

size_t util_ll2str(char *buf, size_t cap, long long v)
{
    if (v >= 0) return util_ull2str(buf, cap, (unsigned long long)v);
    /* Magnitude in unsigned arithmetic so LLONG_MIN works. */
    unsigned long long mag = 0 - (unsigned long long)v;
    if (cap < 2) return 0;
    buf[0] = '-';
    size_t n = util_ull2str(buf + 1, cap - 1, mag);
    return n ? n + 1 : 0;
}

/* ------------------------------------------------------------------------
 * Floating point
 * ---------------------------------------------------------------------- */

/* Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses inputs of this length or
 * more, and ld2string's output always fits in it. */
#define UTIL_LD_MAXCHARS (5 * 1024)

int util_str2ld(const char *s, size_t len, long double *out)
{
    char buf[UTIL_LD_MAXCHARS];
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    /* Underflow to a denormal is accepted (the value is not zero); underflow
     * to zero and overflow to infinity are not. An explicit "inf" parses
     * without ERANGE and is accepted; INCRBYFLOAT rejects it later. */
    if (is_c_space((unsigned char)buf[0]) || (size_t)(end - buf) != len ||
        (errno == ERANGE && (isinf(v) || v == 0)) || errno == EINVAL || isnan(v))
        return 0;
    if (out) *out = v;
    return 1;
}

int util_str2d(const char *s, size_t len, double *out)
{
    /* Redis has no length limit here (a score may be written with ten
     * thousand leading zeros), so long inputs get a heap copy. */
    char small[256];
    char *buf = small;
    if (len == 0 || is_c_space((unsigned char)s[0])) return 0;
    if (len >= sizeof(small)) {
        buf = malloc(len + 1);
        if (!buf) return 0;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';

    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    /* An embedded NUL stops strtod early and fails the length test, as the
     * same check does in Redis. */
    int ok = (size_t)(end - buf) == len && !(errno == ERANGE && (isinf(v) || v == 0)) && !isnan(v);
    if (buf != small) free(buf);
    if (!ok) return 0;
    if (out) *out = v;
    return 1;
}

size_t util_ld2str_human(char *buf, size_t cap, long double v)
{
    size_t l;
    if (isinf(v)) {
        if (cap < 5) return 0; /* room for "-inf\0", as Redis requires */
        l = v > 0 ? 3 : 4;
        memcpy(buf, v > 0 ? "inf" : "-inf", l);
        buf[l] = '\0';
        return l;
    }
    /* 17 fractional digits: with 80-bit long doubles this rounds most short
     * decimals back to what the user typed (0.1 + 0.2 -> "0.3"). */
    int n = snprintf(buf, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n + 1 > cap) return 0;
    l = (size_t)n;
    if (memchr(buf, '.', l)) {
        while (buf[l - 1] == '0') l--;
        if (buf[l - 1] == '.') l--;
    }
    /* Tiny negatives print as "-0.00000000000000000" and trim to "-0". */
    if (l == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0';
        l = 1;
    }
    buf[l] = '\0';
    return l;
}

size_t util_d2str(char *buf, size_t cap, double v)
{
    const char *lit = NULL;
    /* Spelled out rather than left to printf, as Redis does, so the text
     * does not depend on the libc ("Infinity", "-nan", ...). */
    if (isinf(v))
        lit = v > 0 ? "inf" : "-inf";
    else if (isnan(v))
        lit = "nan";
    if (lit) {
        size_t l = strlen(lit);
        if (l + 1 > cap) return 0;
        memcpy(buf, lit, l + 1);
        return l;
    }
    /* "%.17g" round-trips every double. Integral values below 1e17 come out
     * without an exponent (100 -> "100", 1e16 -> "10000000000000000"),
     * -0.0 comes out as "-0". */
    int n = snprintf(buf, cap, "%.17g", v);
    if (n < 0 || (size_t)n + 1 > cap) return 0;
    return (size_t)n;
}

/* ------------------------------------------------------------------------
 * Glob matching
 *
 * Redis's stringmatchlen recurses once per '*' and prunes with
 * skipLongerMatches. We match the same language with the classic iterative
 * algorithm that remembers only the last '*': when the rest of the pattern
 * fails, resume one byte further from that star. This is sound because every
 * non-star token consumes exactly one byte and how far a token extends in the
 * pattern never depends on the subject string. Worst case O(plen * slen), no
 * recursion.
 *
 * Redis quirks kept on purpose (replies must match):
 *  - An empty subject matches only an empty pattern ("*" does not match "";
 *    Redis's KEYS/SCAN special-case a lone "*" before calling the matcher).
 *  - Inside [...], "\x" matches x case-sensitively even in nocase mode.
 *  - "[a-z]" ranges compare bytes as signed char (x86 Redis), endpoints are
 *    swapped when reversed, then lowered when nocase.
 *  - "x-" followed by anything is a range: "[a-]" is the range a..']' and
 *    leaves the class unterminated.
 *  - An unterminated class runs to the end of the pattern; "[^" matches any
 *    single byte.
 *  - A trailing lone '\' matches a '\'.
 *  - Since 7.0.9 Redis stops at 1000 nested stars: a pattern whose 1001st
 *    run of stars is followed by more pattern never matches.
 * ---------------------------------------------------------------------- */

#define GLOB_MAX_NESTING 1000

static int ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Matches the one-byte token at p[0..plen) (not a '*') against byte c.
 * Returns the token's length in the pattern; *ok says whether c matched. */
static size_t glob_token(const char *p, size_t plen, char c, int nocase, int *ok)
{
    if (p[0] == '?') {
        *ok = 1;
        return 1;
    }
    if (p[0] == '[') {
        size_t i = 1;
        int negate = i < plen && p[i] == '^';
        if (negate) i++;
        int match = 0;
        for (;;) {
            size_t rem = plen - i;
            if (rem == 0) {
                i = plen; /* unterminated: the class eats the rest */
                break;
            }
            if (p[i] == '\\' && rem >= 2) {
                if (p[i + 1] == c) match = 1;
                i += 2;
            } else if (p[i] == ']') {
                i++;
                break;
            } else if (rem >= 3 && p[i + 1] == '-') {
                int lo = (signed char)p[i], hi = (signed char)p[i + 2], x = (signed char)c;
                if (lo > hi) {
                    int t = lo;
                    lo = hi;
                    hi = t;
                }
                if (nocase) {
                    lo = ascii_lower(lo);
                    hi = ascii_lower(hi);
                    x = ascii_lower(x);
                }
                if (x >= lo && x <= hi) match = 1;
                i += 3;
            } else {
                if (nocase ? ascii_lower((unsigned char)p[i]) == ascii_lower((unsigned char)c)
                           : p[i] == c)
                    match = 1;
                i++;
            }
        }
        *ok = negate ? !match : match;
        return i;
    }
    size_t n = 1;
    if (p[0] == '\\' && plen >= 2) {
        p++;
        n = 2;
    }
    *ok = nocase ? ascii_lower((unsigned char)p[0]) == ascii_lower((unsigned char)c) : p[0] == c;
    return n;
}

/* True when Redis's nesting limit would make the pattern unmatchable: its
 * 1001st run of stars has something after it. */
static int glob_too_deep(const char *pat, size_t plen)
{
    size_t runs = 0, i = 0;
    while (i < plen) {
        if (pat[i] == '*') {
            while (i < plen && pat[i] == '*') i++;
            if (++runs > GLOB_MAX_NESTING) return i < plen;
            continue;
        }
        int ok;
        i += glob_token(pat + i, plen - i, 0, 0, &ok);
    }
    return 0;
}

int util_globmatch(const char *pat, size_t plen, const char *s, size_t slen, int nocase)
{
    if (slen == 0) return plen == 0;
    if (glob_too_deep(pat, plen)) return 0;

    size_t p = 0, i = 0;
    size_t star_p = 0, star_i = 0; /* resume point after the last star */
    int have_star = 0;
    while (i < slen) {
        if (p < plen && pat[p] == '*') {
            while (p < plen && pat[p] == '*') p++;
            if (p == plen) return 1; /* trailing star takes the rest */
            have_star = 1;
            star_p = p;
            star_i = i;
            continue;
        }
        if (p < plen) {
            int ok;
            size_t n = glob_token(pat + p, plen - p, s[i], nocase, &ok);
            if (ok) {
                p += n;
                i++;
                continue;
            }
        }
        if (!have_star) return 0;
        /* Let the last star swallow one more byte and retry after it. */
        p = star_p;
        i = ++star_i;
    }
    while (p < plen && pat[p] == '*') p++;
    return p == plen;
}


/* ------------------------------------------------------------------------
 * Clocks and randomness
 * ---------------------------------------------------------------------- */

long long util_ustime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

long long util_mstime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long long util_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* splitmix64: a good 64-bit mixer for the fallback path. */
static uint64_t mix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void util_random_bytes(void *buf, size_t len)
{
    unsigned char *out = buf;
    size_t got = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        while (got < len) {
            ssize_t n = read(fd, out + got, len - got);
            if (n > 0)
                got += (size_t)n;
            else if (n < 0 && errno == EINTR)
                continue;
            else
                break;
        }
        close(fd);
    }
    if (got == len) return;

    /* No /dev/urandom (chroot, fd exhaustion): not cryptographic, but
     * distinct across processes, calls and threads. */
    static uint64_t calls;
    uint64_t state = (uint64_t)util_ustime() ^ ((uint64_t)util_monotonic_us() << 20) ^
                     ((uint64_t)getpid() << 40) ^ (uint64_t)(uintptr_t)&state ^
                     __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) * 0xd1b54a32d192ed03ULL;
    while (got < len) {
        uint64_t r = mix64(&state);
        for (int k = 0; k < 8 && got < len; k++, r >>= 8) out[got++] = (unsigned char)r;
    }
}

void util_human_bytes(char *buf, size_t cap, double n) {
    const char *units = "BKMGTP";
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%.0fB", n);
    else
        snprintf(buf, cap, "%.2f%c", n, units[u]);
}
