/* resp.h - incremental RESP2 request parser (multibulk and inline).
 *
 * Requests look the same under RESP3 (HELLO 3 changes only what the server
 * sends back, see reply.c), so this one parser serves both protocols.
 *
 * A client's query buffer is fed to resp_parse() as bytes arrive. The parser
 * keeps its state between calls, so a request split across reads at any byte
 * position parses the same as one that arrived whole. Every length is checked
 * against the limits before anything is allocated, so hostile input can cost
 * at most what the limits allow.
 *
 * Ownership: the parser owns argv and every argument's bytes. They stay valid
 * until resp_parser_reset() (call it after the command ran) or
 * resp_parser_free(). A caller may take an argument's buffer by setting
 * argv[i].ptr to NULL after copying the pointer; the parser then will not
 * free it (the caller frees it with free()).
 *
 * The input buffer stays the caller's. The parser never keeps a pointer into
 * it and copies an argument out only once all of its bytes are there, so a
 * bulk that is still arriving is left unconsumed at the front of the caller's
 * buffer (see resp_parse()).
 */
#ifndef STRATA_RESP_H
#define STRATA_RESP_H

#include <stddef.h>

typedef struct resp_arg {
    char *ptr;  /* malloc'd, NUL-terminated for convenience (len excludes it) */
    size_t len;
} resp_arg;

typedef struct resp_limits {
    long long max_bulk_len;  /* proto-max-bulk-len (Redis default 512mb) */
    long long max_args;      /* largest multibulk count accepted (1024*1024) */
    size_t max_inline_len;   /* longest inline request / count line (64k) */
} resp_limits;

enum {
    RESP_AGAIN = 0,  /* need more bytes; everything given so far is consumed or kept */
    RESP_OK = 1,     /* a whole request is in argv/argc */
    RESP_ERR = -1    /* protocol error: err holds Redis's text, e.g.
                        "Protocol error: invalid bulk length" */
};

typedef struct resp_parser {
    resp_limits lim;
    /* Finished request (valid when resp_parse returned RESP_OK). */
    resp_arg *argv;
    int argc;
    int argv_cap;
    /* Set by the caller while the client must authenticate first: requests
     * are then limited as Redis 7.2 limits them (at most 10 arguments of at
     * most 16384 bytes; "unauthenticated multibulk length" / "unauthenticated
     * bulk length"). May change between requests. */
    int unauthenticated;
    /* In-progress multibulk state. */
    int req_type;          /* 0 unknown, 1 multibulk, 2 inline, 3 request
                              complete, 4 failed (sticky until reset) */
    long long multibulk;   /* args still expected */
    long long bulklen;     /* -1: expecting a "$<len>" line; else the length of
                              the bulk whose data we wait for */
    /* Line search memo: the first `scanned` bytes of the pending line hold no
     * terminator (scan_nul: a NUL sits at `scanned`, which hides the line end
     * as it does in Redis). Spares rescanning on every byte of a slow line. */
    size_t scanned;
    int scan_nul;
    char err[128];
} resp_parser;

/* lim == NULL gives Redis's defaults: 512mb bulks, 1024*1024 args, 64k
 * lines. Allocates nothing. */
void resp_parser_init(resp_parser *p, const resp_limits *lim);

/* Parse from buf[0..len). Sets *consumed to the number of bytes the parser
 * has used (the caller drops them from its buffer); bytes not consumed must
 * be passed again, followed by newer ones, on the next call.
 * Returns RESP_OK once a whole request is available (argc may be 0 for an
 * empty inline line or "*0": the caller skips those), RESP_AGAIN when more
 * input is needed, RESP_ERR on a protocol error (the connection should get
 * "-ERR <p->err>" and be closed).
 *
 * What is consumed: on RESP_OK, exactly the request (pipelined bytes after it
 * are left; call again after resp_parser_reset()). On RESP_AGAIN, every
 * complete line and complete bulk so far: "*<n>\r\n" and "$<len>\r\n" lines
 * are consumed once parsed, a bulk only once its data and the two bytes after
 * it are all present. So while a bulk is arriving, p->bulklen >= 0 and the
 * caller's buffer starts with that bulk's data and needs p->bulklen + 2
 * bytes before the parser can move on (a caller may size its read buffer
 * from this, as Redis does for big arguments). Inline lines and partial
 * count lines are never consumed in part. On RESP_ERR, *consumed is where the
 * bad line starts; it does not matter, since the connection closes.
 *
 * Calling it again after RESP_OK without resp_parser_reset() resets first.
 * After RESP_ERR it keeps returning RESP_ERR until reset. Out of memory is a
 * RESP_ERR with err "out of memory". */
int resp_parse(resp_parser *p, const char *buf, size_t len, size_t *consumed);

/* Drop the finished request's arguments, ready for the next one. Keeps the
 * limits and p->unauthenticated. */
void resp_parser_reset(resp_parser *p);
/* Free everything the parser holds; p may be init'ed again afterwards. */
void resp_parser_free(resp_parser *p);

#endif
