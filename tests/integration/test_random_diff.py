"""Randomized differential test: random command sequences over a small key
space, sent to strata and to a real redis-server, every reply compared.

    /usr/bin/python3 -m pytest tests/integration/test_random_diff.py -q
    STRATA_RANDOM_SEED=123 /usr/bin/python3 -m pytest tests/integration/test_random_diff.py
    STRATA_RANDOM_OPS=1000000 ...          # longer run (default 100000)
    STRATA_DIFF_SELF=1 ...                 # harness check: Redis against Redis

Environment:
  STRATA_RANDOM_OPS   operations of the main test (default 100000); the
                      multi-db test runs a quarter of that (at least 1000)
  STRATA_RANDOM_SEED  seed (default: random); printed at the start of each
                      test and in every failure message. The whole command
                      sequence is a function of the seed and of the command
                      families strata implements (detected at start-up).
  STRATA_RANDOM_MAX_MISMATCHES
                      stop after this many mismatches (default 1). Above 1,
                      after a mismatch both servers are FLUSHALLed and the
                      run goes on, to list several bugs in one run (the
                      later ones may be echoes of the first).

How replies are compared (see `compare`):
  exact   byte for byte (the default: every deterministic Redis reply)
  sort    an array compared as a multiset of its elements (SMEMBERS, KEYS,
          HKEYS, HVALS, SINTER/SUNION/SDIFF, SPOP/SRANDMEMBER/HRANDFIELD with
          a count larger than any collection here: the whole collection)
  pairs   an array compared as a multiset of (field, value) pairs (HGETALL,
          HRANDFIELD ... WITHVALUES with a large count)
  rand    replies Redis picks at random (RANDOMKEY, and SRANDMEMBER,
          HRANDFIELD, ZRANDMEMBER with small counts of either sign): the
          command is followed by a read of the whole collection (KEYS *,
          SMEMBERS, HKEYS, HGETALL, ZRANGE 0 -1 [WITHSCORES]), itself compared
          normally; the random replies must have the same shape (type,
          nil-ness, length, element types) on both servers, and on each
          server every pick must be in the collection (with its own value or
          score for WITHVALUES/WITHSCORES), distinct for a positive count,
          as many as Redis's rules say. None of the random commands used
          changes the data (SPOP only with a count above any set's size,
          which pops the whole set), so both servers stay in the same state.
  type    only the shape: the few random commands with invalid arguments
          that are not errors. Errors are always compared exactly.
  approx  integers may differ by a tolerance (TTL, PTTL, EXPIRETIME,
          PEXPIRETIME: the two servers run a command at slightly different
          moments); -1 and -2 must match exactly.

Key space: 11 keys (k0..k8, "" and "bin\x00\r\n\xff") in the main test, 4
(a, b, c, "") in the multi-db one. Each implemented type gets its own keys
(chosen by the seed), which that type's commands use 92% of the time: so
collections grow and type-specific paths run, while the other picks, RENAME,
COPY, MSET and SET over any type give WRONGTYPE errors and type changes.

Nothing may expire during a run: relative TTLs are >= 3000 s and absolute
ones are >= 6000 s in the future, and the two sets are far apart, so that
EXPIREAT ... GT/LT decide the same way on both servers. (GT/LT are only used
with absolute times: two relative EXPIREs of the same TTL would compare by
the millisecond at which each server ran them.) Times in the past are used
only where Redis deletes the key at once (EXPIRE with a negative TTL,
EXPIREAT in the past), never with SET/GETEX EXAT, which would leave an
expired key counted by DBSIZE until Redis's active expiry finds it.

Transactions (when strata has MULTI): now and then MULTI, 1-6 random
commands whose replies compare exactly, then EXEC (or DISCARD), sometimes
after a WATCH of a key that the same connection then writes (EXEC: nil).
Refused commands inside (wrong arity, unknown) make EXEC answer EXECABORT.

ZRANGEBYLEX and friends are only defined when all members of the sorted set
have the same score, so they run on their own keys (lex0, lex1; in the
multi-db test "lex") which only ever get members with score 0.

Command families strata does not implement yet are detected up front (e.g.
"HSET __probe f v" answering "ERR unknown command" means no hashes) and left
out of the mix, with a printed note; within an implemented family, each
command is probed on its own (a bare "HSTRLEN": "wrong number of arguments"
means it exists), so the test passes today and covers every type and command
as soon as it lands.

On a mismatch the test stops and reports the seed, the op index, the last
commands sent and both replies; the whole sequence up to the failing op is
also written as a diff script (tests/integration/diff format) next to the
server logs, runnable with `python3 tests/integration/diffscript.py FILE`
against two redis-servers or reusable as a regression script.
"""

import bisect
import gc
import os
import random
import re
import select
import socket
import time

import pytest

from conftest import Incomplete, SELF_MODE, encode_command, parse_reply

OPS = int(os.environ.get("STRATA_RANDOM_OPS", "100000"))
_SEED_ENV = os.environ.get("STRATA_RANDOM_SEED")
SEED = int(_SEED_ENV) if _SEED_ENV else random.SystemRandom().randrange(1, 2 ** 31)
BATCH = 200
HISTORY = 20
MAX_MISMATCHES = max(1, int(os.environ.get("STRATA_RANDOM_MAX_MISMATCHES", "1")))
IO_TIMEOUT = 60.0

# tolerances of the time-dependent replies
TTL_TOL_S = 3
TTL_TOL_MS = 3000


# ---------------------------------------------------------------------------
# Value pools
# ---------------------------------------------------------------------------

MAIN_KEYS = [b"k%d" % i for i in range(9)] + [b"", b"bin\x00\r\n\xff"]
MAIN_LEX_KEYS = [b"lex0", b"lex1"]
TINY_KEYS = [b"a", b"b", b"c", b""]
TINY_LEX_KEYS = [b"lex"]

# string values: numbers that INCR accepts or must refuse, floats, binary
VALUES = [b"", b"0", b"1", b"-1", b"42", b"007", b"-0", b"+1", b" 1", b"1 ",
          b"9223372036854775806", b"9223372036854775807", b"-9223372036854775807",
          b"-9223372036854775808", b"9223372036854775808", b"1.5", b"-2.25", b"3e2",
          b"1e300", b"0.1", b"10.50", b"inf", b"nan", b"abc", b"hello world",
          b"\x00\xff\r\n", b"caf\xc3\xa9", b"x"]
INT_ARGS_OK = [b"0", b"1", b"-1", b"2", b"5", b"-7", b"100", b"-100", b"12345"]
INT_ARGS_EDGE = [b"9223372036854775807", b"-9223372036854775808", b"9223372036854775806",
                 b"-9223372036854775807", b"9223372036854775808", b"-9223372036854775809",
                 b"abc", b"", b"1.5", b" 1", b"+2", b"-0", b"007", b"1e3", b"0x10"]
FLOAT_ARGS_OK = [b"0.1", b"-1.5", b"2.0e2", b"1e10", b"5", b"3", b"-0.25", b".5", b"1.",
                 b"1e-3", b"-7", b"10.5"]
FLOAT_ARGS_EDGE = [b"abc", b"", b"inf", b"-inf", b"nan", b"1e300", b"-1e300", b" 1",
                   b"1e", b"-0", b"0x10", b"1e5000", b"+inf"]
HFIELDS = [b"f0", b"f1", b"f2", b"f3", b"", b"f\x00\n"]
SMEMBERS_POOL = [b"m0", b"m1", b"m2", b"m3", b"1", b"2", b"10", b"-5", b"", b"\xff\x00"]
ZMEMBERS = [b"a", b"b", b"c", b"d", b"e", b"", b"\x00z"]
LEX_MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"f", b"", b"\xff", b"aa"]
LVALUES = [b"a", b"b", b"c", b"1", b"", b"\x00\r\n"]
SCORES_OK = [b"0", b"1", b"2", b"3", b"-1", b"1.5", b"0.1", b"10", b"-2.5", b"1e-5", b"100"]
SCORES_EDGE = [b"inf", b"-inf", b"+inf", b"-0", b"abc", b"nan", b"", b" 1", b"1e400", b"0x10"]
SCORE_BOUNDS = [b"-inf", b"+inf", b"inf", b"0", b"1", b"2", b"-1", b"1.5", b"(1", b"(0",
                b"(2", b"(-inf", b"(+inf", b"10", b"3", b"(1.5", b"-0"]
SCORE_BOUNDS_BAD = [b"abc", b"(", b"(abc", b"[1", b"", b"nan", b"(nan"]
LEX_BOUNDS = [b"-", b"+", b"[a", b"(a", b"[b", b"(c", b"[d", b"(e", b"[", b"(", b"[aa",
              b"a", b"[\xff", b"(\xff"]
INDEXES = [b"0", b"1", b"2", b"3", b"-1", b"-2", b"-3", b"-100", b"100", b"5"]
INDEXES_EDGE = [b"abc", b"9223372036854775807", b"-9223372036854775808", b"1.5", b""]
KEY_PATTERNS = [b"*", b"k*", b"k?", b"k[0-3]", b"k[^0-3]", b"*[0-9]", b"lex*", b"bin*",
                b"?", b"", b"a*", b"\\*", b"*\x00*", b"[a-c]"]

# relative TTLs (s / ms) and absolute offsets (s) from the start: far apart
REL_TTLS = [3000, 9000, 40000, 200000]
ABS_OFFSETS = [6000, 20000, 100000, 300000]


# ---------------------------------------------------------------------------
# Reply comparison
# ---------------------------------------------------------------------------

def _items(rep, pairs):
    """The elements of an aggregate reply (array, RESP3 set or map) as raw
    bytes; with pairs, as (field, value) tuples, whether the reply is flat
    (RESP2, RESP3 maps) or an array of [field, value] arrays (RESP3
    WITHSCORES/WITHVALUES)."""
    vals = rep.value
    if pairs and vals and all(x.kind == "*" and x.value is not None and len(x.value) == 2 for x in vals):
        return [(x.value[0].raw, x.value[1].raw) for x in vals]
    items = [x.raw for x in vals]
    if pairs:
        return list(zip(items[::2], items[1::2])) if len(items) % 2 == 0 else None
    return items


def compare(mode, a, b):
    """None if reply a (strata) matches reply b (Redis) under mode, else a
    short reason."""
    if a.raw == b.raw:
        return None
    if a.kind == "-" or b.kind == "-" or mode == "exact":
        return "replies differ"
    if mode == "type" or (isinstance(mode, tuple) and mode[0] == "rand"):
        sa, sb = shape(a), shape(b)
        if sa == sb:
            return None
        return "reply types/lengths differ (%s vs %s)" % (sa, sb)
    if mode in ("sort", "pairs"):
        if a.kind != b.kind or not a.is_aggregate or not b.is_aggregate:
            return "replies differ"
        ea = _items(a, mode == "pairs")
        eb = _items(b, mode == "pairs")
        if ea is None or eb is None:
            return "odd-length array where (field, value) pairs were expected"
        if sorted(ea) == sorted(eb):
            return None
        return "replies differ (compared as a multiset%s)" % (
            " of pairs" if mode == "pairs" else "")
    if isinstance(mode, tuple) and mode[0] == "approx":
        tol = mode[1]
        if a.kind == ":" and b.kind == ":":
            if a.value < 0 or b.value < 0:
                return "replies differ"
            if abs(a.value - b.value) <= tol:
                return None
            return "integers differ by more than %d" % tol
        return "replies differ"
    raise AssertionError("unknown compare mode %r" % (mode,))


def shape(rep):
    """Type, nil-ness, array length and the multiset of the elements' types."""
    sig = rep.signature()
    if rep.is_aggregate and rep.value:
        sig += "[%s]" % ",".join(sorted(shape(x) for x in rep.value))
    return sig


def check_random(mode, a, b, ca, cb):
    """A random command's replies a (strata) and b (Redis), given the replies
    ca, cb of the read that followed it (the whole collection: SMEMBERS,
    HKEYS, HGETALL, ZRANGE 0 -1 [WITHSCORES], KEYS *). Same shape on both,
    and on each server every pick must be in the collection (as a pair with
    its value/score for WITHVALUES/WITHSCORES), distinct for a positive
    count, as many as Redis's rules say."""
    why = compare(mode, a, b)
    if why:
        return why
    _, count, pairs = mode
    for name, rep, comp in (("strata", a, ca), ("redis", b, cb)):
        if rep.kind == "-" or not comp.is_aggregate:
            continue
        universe = set(_items(comp, pairs) or [])
        size = len(universe)
        if count is None:  # single pick: a bulk, nil when there is nothing
            if rep.kind not in "$_":
                return "%s: expected a bulk reply" % name
            if rep.value is None:
                if size:
                    return "%s: nil from a non-empty collection %s" % (name, short(comp.raw, 300))
            elif rep.raw not in universe:
                return "%s: %r is not in the collection %s" % (name, rep.raw, short(comp.raw, 300))
            continue
        if rep.kind != "*" or rep.value is None:
            return "%s: expected an array" % name
        picks = _items(rep, pairs)
        if picks is None:
            return "%s: odd-length array with pairs" % name
        want = 0 if size == 0 else (min(count, size) if count >= 0 else -count)
        if len(picks) != want:
            return "%s: %d picks, expected %d (collection of %d)" % (name, len(picks), want, size)
        for x in picks:
            if x not in universe:
                return "%s: pick %r is not in the collection %s" % (name, x, short(comp.raw, 300))
        if count > 0 and len(set(picks)) != len(picks):
            return "%s: repeated picks with a positive count" % name
    return None


# ---------------------------------------------------------------------------
# Formatting (diff-script quoting, so a report can be pasted into diff/*.txt)
# ---------------------------------------------------------------------------

_PLAIN = re.compile(rb"[A-Za-z0-9_.:+\-*?\[\]^,/=@%]+")


def quote_arg(b):
    if isinstance(b, str):
        b = b.encode()
    elif isinstance(b, int):
        b = str(b).encode()
    if _PLAIN.fullmatch(b):
        return b.decode()
    out = ['"']
    for ch in b:
        if ch == 0x22:
            out.append('\\"')
        elif ch == 0x5C:
            out.append("\\\\")
        elif 0x20 <= ch < 0x7F:
            out.append(chr(ch))
        else:
            out.append("\\x%02x" % ch)
    out.append('"')
    return "".join(out)


def format_cmd(args):
    return " ".join(quote_arg(a) for a in args)


def format_mode(mode):
    if mode == "exact":
        return ""
    if mode in ("sort", "pairs"):
        return "!sort "
    if mode == "type" or mode[0] == "rand":
        return "!type "
    return "!approx %d " % mode[1]


def describe_mode(mode):
    if isinstance(mode, str):
        return mode
    if mode[0] == "approx":
        return "integers within %d" % mode[1]
    return "random picks (count %s%s)" % (mode[1], ", pairs" if mode[2] else "")


def short(raw, limit=1500):
    r = repr(raw)
    return r if len(r) <= limit else r[:limit] + "... (%d bytes)" % len(raw)


# ---------------------------------------------------------------------------
# Pipelined connections
# ---------------------------------------------------------------------------

class ServerGone(Exception):
    def __init__(self, conn, got):
        super().__init__("%s closed the connection after %d replies of the batch" % (conn.name, got))
        self.conn = conn
        self.got = got


class PipeConn:
    """A non-blocking connection that sends a batch and collects its replies."""

    def __init__(self, name, server, resp=2):
        self.name = name
        self.sock = socket.create_connection((server.host, server.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if resp == 3:
            self.sock.sendall(encode_command("HELLO", "3"))
            data = b""
            while True:
                data += self.sock.recv(4096)
                try:
                    rep, _ = parse_reply(data)
                    break
                except Incomplete:
                    continue
            assert rep.kind == "%", "%s: HELLO 3 answered %r" % (name, rep.raw)
        self.sock.setblocking(False)
        self.buf = bytearray()
        self.out = b""
        self.replies = []
        self.want = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _parse(self):
        pos = 0
        buf = self.buf
        try:
            while len(self.replies) < self.want:
                rep, pos = parse_reply(buf, pos)
                self.replies.append(rep)
        except Incomplete:
            pass
        if pos:
            del buf[:pos]


def exchange(conns, payload, n):
    """Send payload (n commands) to every connection at once and read n
    replies from each. Returns a list of reply lists (one per conn)."""
    for c in conns:
        c.out = memoryview(payload)
        c.replies = []
        c.want = n
    deadline = time.time() + IO_TIMEOUT
    while True:
        rl = [c.sock for c in conns if len(c.replies) < c.want]
        wl = [c.sock for c in conns if len(c.out)]
        if not rl and not wl:
            break
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError("no complete replies within %.0fs: %s" % (IO_TIMEOUT, ", ".join(
                "%s got %d/%d" % (c.name, len(c.replies), n) for c in conns)))
        r, w, _ = select.select(rl, wl, [], left)
        for c in conns:
            if c.sock in w:
                try:
                    sent = c.sock.send(c.out)
                except BlockingIOError:
                    sent = 0
                except (BrokenPipeError, ConnectionResetError):
                    raise ServerGone(c, len(c.replies))
                c.out = c.out[sent:]
            if c.sock in r:
                try:
                    data = c.sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    data = b""
                if not data:
                    c._parse()
                    raise ServerGone(c, len(c.replies))
                c.buf += data
                c._parse()
    return [c.replies for c in conns]


# ---------------------------------------------------------------------------
# Command generator
# ---------------------------------------------------------------------------

FAMILY_PROBES = {
    # family: (probe command, cleanup command)
    "hash": ([b"HSET", b"__strata_probe__", b"f", b"v"], [b"DEL", b"__strata_probe__"]),
    "set": ([b"SADD", b"__strata_probe__", b"m"], [b"DEL", b"__strata_probe__"]),
    "zset": ([b"ZADD", b"__strata_probe__", b"1", b"m"], [b"DEL", b"__strata_probe__"]),
    "list": ([b"RPUSH", b"__strata_probe__", b"v"], [b"DEL", b"__strata_probe__"]),
    "multi": ([b"MULTI"], [b"DISCARD"]),
}

FAMILY_NAMES = {"hash": "hashes", "set": "sets", "zset": "sorted sets", "list": "lists", "multi": "transactions"}

FAMILY_WEIGHTS = {"string": 26, "keyspace": 20, "hash": 12, "set": 12, "zset": 15,
                  "list": 14, "error": 2, "db": 8, "multi": 3}


class Gen:
    """Random commands. Each op method returns (args, compare mode), or a list
    of them (a random command and the read that checks it)."""

    def __init__(self, rng, keys, lex_keys, families, commands, arity, multidb=False, now=None):
        self.r = rng
        self.keys = keys
        self.lex_keys = lex_keys
        self.multidb = multidb
        self.arity = arity
        now = int(time.time()) if now is None else now
        self.abs_s = [now + o for o in ABS_OFFSETS]
        self.abs_ms = [(now + o) * 1000 + 123 for o in ABS_OFFSETS]
        table = self.table()
        # keep only available commands of available families
        self.families = []
        self.fam_ops = {}
        for fam in ["string", "keyspace", "hash", "set", "zset", "list", "error", "db", "multi"]:
            if fam not in families:
                continue
            ops = [(w, name, fn) for (w, name, fn) in table[fam]
                   if name is None or name in commands]
            if not ops:
                continue
            cum = []
            tot = 0
            for w, _, _ in ops:
                tot += w
                cum.append(tot)
            self.fam_ops[fam] = (cum, [fn for (_, _, fn) in ops])
            self.families.append(fam)
        self.commands = sorted(commands)
        # key affinity: each type family has its own keys (most of the time)
        # so collections grow and type-specific paths run; WRONGTYPE and type
        # changes come from the 8% of picks that take any key (and from RENAME,
        # COPY, MSET, SET...)
        types = [f for f in ("string", "hash", "set", "zset", "list") if f in self.families]
        order = list(keys)
        self.r.shuffle(order)
        n = len(order)
        self.pools = {}
        for i, f in enumerate(types):
            if n >= 2 * len(types):
                self.pools[f] = [order[j] for j in range(n) if j % len(types) == i]
            else:
                self.pools[f] = [order[i % n], order[(i + 1) % n]]
        self.pool_list = [self.pools[f] for f in types]
        self.pool = None
        cum = []
        tot = 0
        for fam in self.families:
            tot += FAMILY_WEIGHTS[fam]
            cum.append(tot)
        self.fam_cum = cum

    def next(self, queued=False):
        r = self.r
        while True:
            fi = bisect.bisect_right(self.fam_cum, r.random() * self.fam_cum[-1])
            fam = self.families[fi]
            if not (queued and fam == "multi"):
                break
        cum, fns = self.fam_ops[fam]
        oi = bisect.bisect_right(cum, r.random() * cum[-1])
        if fam in self.pools:
            self.pool = self.pools[fam]
        elif r.random() < 0.8:  # keyspace, db, errors: keys of one type, mostly
            self.pool = r.choice(self.pool_list)
        else:
            self.pool = None
        out = fns[oi]()
        if not isinstance(out, list):
            out = [out]
        args = out[0][0]
        if r.random() < 0.05:
            args[0] = "".join(ch.upper() if r.random() < 0.5 else ch.lower()
                              for ch in args[0].decode()).encode()
        return out

    # --- pools ---
    def k(self):
        if self.pool is not None and self.r.random() < 0.92:
            return self.r.choice(self.pool)
        return self.r.choice(self.keys)

    def ks(self, lo=1, hi=4):
        return [self.k() for _ in range(self.r.randint(lo, hi))]

    def val(self):
        r = self.r
        x = r.random()
        if x < 0.45:
            return r.choice(VALUES)
        if x < 0.8:
            return str(r.randint(-50, 50)).encode()
        return bytes(r.choice(b"abcxyz\x00\r\n\xff") for _ in range(r.randint(0, 12)))

    def int_arg(self):
        return self.r.choice(INT_ARGS_OK) if self.r.random() < 0.85 else self.r.choice(INT_ARGS_EDGE)

    def float_arg(self):
        return self.r.choice(FLOAT_ARGS_OK) if self.r.random() < 0.85 else self.r.choice(FLOAT_ARGS_EDGE)

    def idx(self):
        return self.r.choice(INDEXES) if self.r.random() < 0.93 else self.r.choice(INDEXES_EDGE)

    def count(self):
        r = self.r.random()
        if r < 0.8:
            return str(self.r.randint(0, 4)).encode()
        return self.r.choice([b"-1", b"abc", b"100", b"9223372036854775807", b"-9223372036854775808", b""])

    def score(self):
        return self.r.choice(SCORES_OK) if self.r.random() < 0.9 else self.r.choice(SCORES_EDGE)

    def range_args(self):
        """start, stop: often the whole thing or a plausible window."""
        x = self.r.random()
        if x < 0.3:
            return [b"0", b"-1"]
        if x < 0.55:
            a = self.r.randint(-4, 3)
            return [str(a).encode(), str(a + self.r.randint(0, 4) if a >= 0 else -1).encode()]
        return [self.idx(), self.idx()]

    def score_range(self):
        x = self.r.random()
        if x < 0.25:
            return [b"-inf", b"+inf"]
        a, b = self.sbound(), self.sbound()
        if x < 0.6:
            try:
                if float(a.lstrip(b"(")) > float(b.lstrip(b"(")):
                    a, b = b, a
            except ValueError:
                pass
        return [a, b]

    def op_ltrim(self):
        x = self.r.random()
        if x < 0.6:
            rng = [self.r.choice([b"0", b"0", b"1", b"-8"]), self.r.choice([b"-1", b"7", b"9", b"-2"])]
        else:
            rng = [self.idx(), self.idx()]
        return [b"LTRIM", self.k()] + rng, "exact"

    def sbound(self):
        if self.r.random() < 0.06:
            return self.r.choice(SCORE_BOUNDS_BAD)
        return self.r.choice(SCORE_BOUNDS)

    def field(self):
        return self.r.choice(HFIELDS)

    def member(self):
        return self.r.choice(SMEMBERS_POOL)

    def zmember(self):
        return self.r.choice(ZMEMBERS)

    def lval(self):
        return self.r.choice(LVALUES)

    def rel_s(self):
        return str(self.r.choice(REL_TTLS)).encode()

    def rel_ms(self):
        return str(self.r.choice(REL_TTLS) * 1000 + self.r.randint(0, 999)).encode()

    def bad_ttl(self):
        return self.r.choice([b"0", b"-1", b"abc", b"", b"9223372036854775807",
                              b"-9223372036854775808", b"1.5", b"9223372036854775"])

    def expire_opts(self, absolute):
        r = self.r
        x = r.random()
        if x < 0.6:
            return []
        pool = [b"NX", b"XX", b"GT", b"LT"] if absolute else [b"NX", b"XX"]
        if x < 0.95:
            return [r.choice(pool)]
        return [r.choice(pool + [b"BOGUS"]), r.choice(pool)]

    # --- the op table: family -> [(weight, command name or None, fn)] ---
    def table(self):
        return {
            "string": [
                (10, b"SET", self.op_set), (10, b"GET", lambda: ([b"GET", self.k()], "exact")),
                (2, b"SETNX", lambda: ([b"SETNX", self.k(), self.val()], "exact")),
                (2, b"SETEX", self.op_setex), (1, b"PSETEX", self.op_psetex),
                (2, b"GETSET", lambda: ([b"GETSET", self.k(), self.val()], "exact")),
                (3, b"MGET", lambda: ([b"MGET"] + self.ks(1, 5), "exact")),
                (3, b"MSET", self.op_mset), (1, b"MSETNX", self.op_msetnx),
                (4, b"INCR", lambda: ([b"INCR", self.k()], "exact")),
                (2, b"DECR", lambda: ([b"DECR", self.k()], "exact")),
                (4, b"INCRBY", lambda: ([b"INCRBY", self.k(), self.int_arg()], "exact")),
                (3, b"DECRBY", lambda: ([b"DECRBY", self.k(), self.int_arg()], "exact")),
                (4, b"INCRBYFLOAT", lambda: ([b"INCRBYFLOAT", self.k(), self.float_arg()], "exact")),
                (3, b"APPEND", lambda: ([b"APPEND", self.k(), self.val()], "exact")),
                (3, b"STRLEN", lambda: ([b"STRLEN", self.k()], "exact")),
                (3, b"SETRANGE", self.op_setrange), (3, b"GETRANGE", self.op_getrange),
                (1, b"SUBSTR", lambda: ([b"SUBSTR", self.k(), self.idx(), self.idx()], "exact")),
                (3, b"GETDEL", lambda: ([b"GETDEL", self.k()], "exact")),
                (3, b"GETEX", self.op_getex), (1, b"LCS", self.op_lcs),
            ],
            "keyspace": [
                (2, b"DEL", lambda: ([b"DEL"] + self.ks(1, 3), "exact")),
                (1, b"UNLINK", lambda: ([b"UNLINK"] + self.ks(1, 3), "exact")),
                (5, b"EXISTS", lambda: ([b"EXISTS"] + self.ks(1, 4), "exact")),
                (6, b"TYPE", lambda: ([b"TYPE", self.k()], "exact")),
                (1, b"TOUCH", lambda: ([b"TOUCH"] + self.ks(1, 3), "exact")),
                (3, b"RENAME", lambda: ([b"RENAME", self.k(), self.k()], "exact")),
                (2, b"RENAMENX", lambda: ([b"RENAMENX", self.k(), self.k()], "exact")),
                (3, b"COPY", self.op_copy),
                (3, b"EXPIRE", self.op_expire), (2, b"PEXPIRE", self.op_pexpire),
                (2, b"EXPIREAT", self.op_expireat), (2, b"PEXPIREAT", self.op_pexpireat),
                (3, b"PERSIST", lambda: ([b"PERSIST", self.k()], "exact")),
                (4, b"TTL", lambda: ([b"TTL", self.k()], ("approx", TTL_TOL_S))),
                (2, b"PTTL", lambda: ([b"PTTL", self.k()], ("approx", TTL_TOL_MS))),
                (1, b"EXPIRETIME", lambda: ([b"EXPIRETIME", self.k()], ("approx", TTL_TOL_S))),
                (1, b"PEXPIRETIME", lambda: ([b"PEXPIRETIME", self.k()], ("approx", TTL_TOL_MS))),
                (3, b"DBSIZE", lambda: ([b"DBSIZE"], "exact")),
                (2, b"KEYS", lambda: ([b"KEYS", self.r.choice(KEY_PATTERNS)], "sort")),
                (1, b"RANDOMKEY", lambda: [([b"RANDOMKEY"], ("rand", None, False)), ([b"KEYS", b"*"], "sort")]),
                (1, b"ECHO", lambda: ([b"ECHO", self.val()], "exact")),
            ],
            "hash": [
                (12, b"HSET", self.op_hset), (1, b"HMSET", self.op_hmset),
                (2, b"HSETNX", lambda: ([b"HSETNX", self.k(), self.field(), self.val()], "exact")),
                (6, b"HGET", lambda: ([b"HGET", self.k(), self.field()], "exact")),
                (3, b"HMGET", lambda: ([b"HMGET", self.k()] + [self.field() for _ in range(self.r.randint(1, 4))], "exact")),
                (4, b"HDEL", lambda: ([b"HDEL", self.k()] + [self.field() for _ in range(self.r.randint(1, 3))], "exact")),
                (3, b"HLEN", lambda: ([b"HLEN", self.k()], "exact")),
                (3, b"HEXISTS", lambda: ([b"HEXISTS", self.k(), self.field()], "exact")),
                (2, b"HSTRLEN", lambda: ([b"HSTRLEN", self.k(), self.field()], "exact")),
                (4, b"HINCRBY", lambda: ([b"HINCRBY", self.k(), self.field(), self.int_arg()], "exact")),
                (3, b"HINCRBYFLOAT", lambda: ([b"HINCRBYFLOAT", self.k(), self.field(), self.float_arg()], "exact")),
                (2, b"HKEYS", lambda: ([b"HKEYS", self.k()], "sort")),
                (2, b"HVALS", lambda: ([b"HVALS", self.k()], "sort")),
                (3, b"HGETALL", lambda: ([b"HGETALL", self.k()], "pairs")),
                (2, b"HRANDFIELD", self.op_hrandfield),
                (1, b"DEL", lambda: ([b"DEL", self.k()], "exact")),
            ],
            "set": [
                (12, b"SADD", lambda: ([b"SADD", self.k()] + [self.member() for _ in range(self.r.randint(1, 4))], "exact")),
                (5, b"SREM", lambda: ([b"SREM", self.k()] + [self.member() for _ in range(self.r.randint(1, 3))], "exact")),
                (4, b"SISMEMBER", lambda: ([b"SISMEMBER", self.k(), self.member()], "exact")),
                (1, b"SMISMEMBER", lambda: ([b"SMISMEMBER", self.k()] + [self.member() for _ in range(self.r.randint(1, 3))], "exact")),
                (3, b"SCARD", lambda: ([b"SCARD", self.k()], "exact")),
                (3, b"SMEMBERS", lambda: ([b"SMEMBERS", self.k()], "sort")),
                (2, b"SINTER", lambda: ([b"SINTER"] + self.ks(1, 3), "sort")),
                (2, b"SUNION", lambda: ([b"SUNION"] + self.ks(1, 3), "sort")),
                (2, b"SDIFF", lambda: ([b"SDIFF"] + self.ks(1, 3), "sort")),
                (2, b"SINTERSTORE", lambda: ([b"SINTERSTORE", self.k()] + self.ks(1, 3), "exact")),
                (1, b"SUNIONSTORE", lambda: ([b"SUNIONSTORE", self.k()] + self.ks(1, 3), "exact")),
                (1, b"SDIFFSTORE", lambda: ([b"SDIFFSTORE", self.k()] + self.ks(1, 3), "exact")),
                (1, b"SINTERCARD", self.op_sintercard),
                (3, b"SMOVE", lambda: ([b"SMOVE", self.k(), self.k(), self.member()], "exact")),
                (2, b"SRANDMEMBER", self.op_srandmember),
                (1, b"SPOP", lambda: ([b"SPOP", self.k(), b"100"], "sort")),
                (1, b"DEL", lambda: ([b"DEL", self.k()], "exact")),
            ],
            "zset": [
                (14, b"ZADD", self.op_zadd),
                (3, b"ZINCRBY", lambda: ([b"ZINCRBY", self.k(), self.score(), self.zmember()], "exact")),
                (3, b"ZREM", lambda: ([b"ZREM", self.k()] + [self.zmember() for _ in range(self.r.randint(1, 3))], "exact")),
                (4, b"ZSCORE", lambda: ([b"ZSCORE", self.k(), self.zmember()], "exact")),
                (1, b"ZMSCORE", lambda: ([b"ZMSCORE", self.k()] + [self.zmember() for _ in range(self.r.randint(1, 3))], "exact")),
                (3, b"ZRANK", lambda: ([b"ZRANK", self.k(), self.zmember()], "exact")),
                (1, b"ZREVRANK", lambda: ([b"ZREVRANK", self.k(), self.zmember()], "exact")),
                (3, b"ZCARD", lambda: ([b"ZCARD", self.k()], "exact")),
                (3, b"ZCOUNT", lambda: ([b"ZCOUNT", self.k()] + self.score_range(), "exact")),
                (6, b"ZRANGE", self.op_zrange), (1, b"ZREVRANGE", self.op_zrevrange),
                (3, b"ZRANGEBYSCORE", lambda: self.op_zrangebyscore(b"ZRANGEBYSCORE")),
                (1, b"ZREVRANGEBYSCORE", lambda: self.op_zrangebyscore(b"ZREVRANGEBYSCORE")),
                (2, b"ZPOPMIN", lambda: self.op_zpop(b"ZPOPMIN")),
                (1, b"ZPOPMAX", lambda: self.op_zpop(b"ZPOPMAX")),
                (1, b"ZREMRANGEBYSCORE", lambda: ([b"ZREMRANGEBYSCORE", self.k(), self.sbound(), self.sbound()], "exact")),
                (1, b"ZREMRANGEBYRANK", lambda: ([b"ZREMRANGEBYRANK", self.k(), self.idx(), self.idx()], "exact")),
                (1, b"ZRANDMEMBER", self.op_zrandmember),
                (1, b"ZRANGESTORE", self.op_zrangestore),
                (1, b"ZUNIONSTORE", lambda: self.op_zstore(b"ZUNIONSTORE")),
                (1, b"ZINTERSTORE", lambda: self.op_zstore(b"ZINTERSTORE")),
                (1, b"DEL", lambda: ([b"DEL", self.k()], "exact")),
                # lexicographic commands, on the lex keys only (all scores 0)
                (3, b"ZADD", self.op_lex_zadd),
                (1, b"ZREM", lambda: ([b"ZREM", self.lk(), self.r.choice(LEX_MEMBERS)], "exact")),
                (2, b"ZRANGEBYLEX", lambda: self.op_zrangebylex(b"ZRANGEBYLEX")),
                (1, b"ZREVRANGEBYLEX", lambda: self.op_zrangebylex(b"ZREVRANGEBYLEX")),
                (1, b"ZLEXCOUNT", lambda: ([b"ZLEXCOUNT", self.lk(), self.lbound(), self.lbound()], "exact")),
                (1, b"ZREMRANGEBYLEX", lambda: ([b"ZREMRANGEBYLEX", self.lk(), self.lbound(), self.lbound()], "exact")),
                (2, b"ZRANGE", self.op_zrange_bylex),
                (1, b"ZRANGE", lambda: ([b"ZRANGE", self.lk(), self.idx(), self.idx()] + ([b"WITHSCORES"] if self.r.random() < 0.3 else []), "exact")),
                (1, b"COPY", lambda: ([b"COPY", self.lk(), self.lk()] + ([b"REPLACE"] if self.r.random() < 0.5 else []), "exact")),
                (1, b"DEL", lambda: ([b"DEL", self.lk()], "exact")),
            ],
            "list": [
                (8, b"LPUSH", lambda: ([b"LPUSH", self.k()] + [self.lval() for _ in range(self.r.randint(1, 3))], "exact")),
                (8, b"RPUSH", lambda: ([b"RPUSH", self.k()] + [self.lval() for _ in range(self.r.randint(1, 3))], "exact")),
                (1, b"LPUSHX", lambda: ([b"LPUSHX", self.k(), self.lval()], "exact")),
                (1, b"RPUSHX", lambda: ([b"RPUSHX", self.k(), self.lval()], "exact")),
                (4, b"LPOP", lambda: self.op_pop(b"LPOP")), (4, b"RPOP", lambda: self.op_pop(b"RPOP")),
                (5, b"LRANGE", lambda: ([b"LRANGE", self.k()] + self.range_args(), "exact")),
                (3, b"LINDEX", lambda: ([b"LINDEX", self.k(), self.idx()], "exact")),
                (2, b"LSET", lambda: ([b"LSET", self.k(), self.idx(), self.lval()], "exact")),
                (3, b"LTRIM", self.op_ltrim),
                (2, b"LREM", lambda: ([b"LREM", self.k(), self.r.choice([b"0", b"1", b"2", b"-1", b"-2", b"100", b"abc"]), self.lval()], "exact")),
                (2, b"LINSERT", self.op_linsert),
                (3, b"LLEN", lambda: ([b"LLEN", self.k()], "exact")),
                (3, b"LMOVE", lambda: ([b"LMOVE", self.k(), self.k(), self.side(), self.side()], "exact")),
                (1, b"RPOPLPUSH", lambda: ([b"RPOPLPUSH", self.k(), self.k()], "exact")),
                (2, b"LPOS", self.op_lpos),
                (1, b"DEL", lambda: ([b"DEL", self.k()], "exact")),
            ],
            "multi": [
                (1, b"EXEC", self.op_multi),
            ],
            "error": [
                (6, None, self.op_wrong_arity),
                (1, None, self.op_unknown),
            ],
            "db": [
                (10, b"SELECT", lambda: ([b"SELECT", self.r.choice([b"0", b"1"])], "exact")),
                (1, b"SELECT", lambda: ([b"SELECT", self.r.choice([b"16", b"-1", b"x", b"", b"1.0"])], "exact")),
                (4, b"SWAPDB", lambda: ([b"SWAPDB"] + self.r.choice([[b"0", b"1"], [b"1", b"0"], [b"0", b"0"], [b"1", b"1"]]), "exact")),
                (1, b"SWAPDB", lambda: ([b"SWAPDB"] + self.r.choice([[b"0", b"16"], [b"x", b"1"], [b"0", b"-1"], [b"1", b""]]), "exact")),
                (1, b"FLUSHDB", self.op_flushdb),
                (4, b"MOVE", lambda: ([b"MOVE", self.k(), self.r.choice([b"0", b"1", b"0", b"1", b"16", b"x"])], "exact")),
                (3, b"COPY", lambda: ([b"COPY", self.k(), self.k(), b"DB", self.r.choice([b"0", b"1", b"1", b"16"])] + ([b"REPLACE"] if self.r.random() < 0.4 else []), "exact")),
                (3, b"DBSIZE", lambda: ([b"DBSIZE"], "exact")),
                (2, b"KEYS", lambda: ([b"KEYS", b"*"], "sort")),
            ],
        }

    # --- transactions ---
    def op_multi(self):
        """MULTI, 1-6 random commands whose replies compare exactly (the
        EXEC array is compared byte for byte), EXEC (or DISCARD); sometimes
        after a WATCH, and a write of the watched key by this same
        connection before MULTI (EXEC then answers nil)."""
        r = self.r
        out = []
        if r.random() < 0.3:
            key = self.k()
            out.append(([b"WATCH", key], "exact"))
            if r.random() < 0.5:
                out.append(([b"SET", key, self.val()], "exact"))
        out.append(([b"MULTI"], "exact"))
        want = r.randint(1, 6)
        tries = 0
        while want and tries < 50:
            tries += 1
            ops = self.next(queued=True)
            if len(ops) != 1 or ops[0][1] != "exact" or ops[0][0][0].upper() in (b"MULTI", b"WATCH"):
                continue
            out.append(ops[0])
            want -= 1
        out.append(([b"DISCARD"] if r.random() < 0.1 else [b"EXEC"], "exact"))
        return out

    # --- db ---
    def op_flushdb(self):
        if self.r.random() < 0.1:  # rarely: 1 op in ~6000
            return [b"FLUSHDB"] + self.r.choice([[], [b"SYNC"], [b"ASYNC"]]), "exact"
        return [b"DBSIZE"], "exact"

    # --- strings ---
    def expiry_opt(self):
        r = self.r
        x = r.random()
        if x < 0.3:
            return [b"EX", self.rel_s()]
        if x < 0.55:
            return [b"PX", self.rel_ms()]
        if x < 0.7:
            return [b"EXAT", str(r.choice(self.abs_s)).encode()]
        if x < 0.85:
            return [b"PXAT", str(r.choice(self.abs_ms)).encode()]
        if x < 0.95:
            return [r.choice([b"EX", b"PX", b"EXAT", b"PXAT"]), self.bad_ttl()]
        return [r.choice([b"EX", b"PX"])]  # missing value: syntax error

    def op_set(self):
        r = self.r
        args = [b"SET", self.k(), self.val()]
        if r.random() < 0.5:
            for _ in range(r.choice([1, 1, 1, 2, 2, 3])):
                x = r.random()
                if x < 0.4:
                    args += self.expiry_opt()
                elif x < 0.95:
                    args.append(r.choice([b"NX", b"XX", b"GET", b"KEEPTTL"]))
                else:
                    args.append(r.choice([b"BOGUS", b"ex", b"px"]))
        return args, "exact"

    def op_setex(self):
        ttl = self.rel_s() if self.r.random() < 0.9 else self.bad_ttl()
        return [b"SETEX", self.k(), ttl, self.val()], "exact"

    def op_psetex(self):
        ttl = self.rel_ms() if self.r.random() < 0.9 else self.bad_ttl()
        return [b"PSETEX", self.k(), ttl, self.val()], "exact"

    def op_mset(self):
        args = [b"MSET"]
        for _ in range(self.r.randint(1, 3)):
            args += [self.k(), self.val()]
        if self.r.random() < 0.05:
            args.pop()
        return args, "exact"

    def op_msetnx(self):
        args = [b"MSETNX"]
        for _ in range(self.r.randint(1, 3)):
            args += [self.k(), self.val()]
        return args, "exact"

    def op_setrange(self):
        r = self.r
        x = r.random()
        if x < 0.9:
            off = str(r.randint(0, 24)).encode()
        else:
            off = r.choice([b"-1", b"abc", b"536870912", b"4294967296", b"9223372036854775807"])
        return [b"SETRANGE", self.k(), off, self.val()], "exact"

    def op_getrange(self):
        return [b"GETRANGE", self.k(), self.idx(), self.idx()], "exact"

    def op_getex(self):
        r = self.r
        args = [b"GETEX", self.k()]
        x = r.random()
        if x < 0.3:
            pass
        elif x < 0.8:
            args += self.expiry_opt()
        elif x < 0.9:
            args.append(b"PERSIST")
        else:
            args += r.choice([[b"PERSIST", b"EX", b"100"], [b"EX", b"3000", b"PX", b"3000000"],
                              [b"BOGUS"], [b"EX"], [b"PERSIST", b"PERSIST"], [b"KEEPTTL"]])
        return args, "exact"

    def op_lcs(self):
        args = [b"LCS", self.k(), self.k()]
        x = self.r.random()
        if x < 0.3:
            args.append(b"LEN")
        elif x < 0.6:
            args.append(b"IDX")
            if self.r.random() < 0.5:
                args += [b"MINMATCHLEN", self.r.choice([b"0", b"1", b"2", b"-1", b"x"])]
            if self.r.random() < 0.5:
                args.append(b"WITHMATCHLEN")
        elif x < 0.65:
            args += [b"LEN", b"IDX"]
        return args, "exact"

    # --- keyspace ---
    def op_copy(self):
        args = [b"COPY", self.k(), self.k()]
        if args[1] == args[2]:
            args[2] = self.k()
        if self.r.random() < 0.4:
            args.append(b"REPLACE")
        if self.r.random() < 0.03:
            args.append(b"BOGUS")
        return args, "exact"

    def op_expire(self):
        r = self.r
        x = r.random()
        if x < 0.8:
            t = self.rel_s()
        elif x < 0.9:
            t = r.choice([b"-1", b"-100", b"0"])  # deletes the key at once
        else:
            t = self.bad_ttl()
        return [b"EXPIRE", self.k(), t] + self.expire_opts(False), "exact"

    def op_pexpire(self):
        r = self.r
        x = r.random()
        if x < 0.85:
            t = self.rel_ms()
        elif x < 0.92:
            t = r.choice([b"-1", b"0"])
        else:
            t = self.bad_ttl()
        return [b"PEXPIRE", self.k(), t] + self.expire_opts(False), "exact"

    def op_expireat(self):
        r = self.r
        x = r.random()
        if x < 0.85:
            t = str(r.choice(self.abs_s)).encode()
        elif x < 0.93:
            t = r.choice([b"1", b"0", b"-5", b"1000000000"])  # in the past: deletes
        else:
            t = self.bad_ttl()
        return [b"EXPIREAT", self.k(), t] + self.expire_opts(True), "exact"

    def op_pexpireat(self):
        r = self.r
        x = r.random()
        if x < 0.85:
            t = str(r.choice(self.abs_ms)).encode()
        elif x < 0.93:
            t = r.choice([b"1", b"0", b"1000000000000"])
        else:
            t = self.bad_ttl()
        return [b"PEXPIREAT", self.k(), t] + self.expire_opts(True), "exact"

    # --- hashes ---
    def op_hset(self):
        args = [b"HSET", self.k()]
        for _ in range(self.r.randint(1, 3)):
            args += [self.field(), self.val()]
        if self.r.random() < 0.04:
            args.pop()
        return args, "exact"

    def op_hmset(self):
        args, mode = self.op_hset()
        args[0] = b"HMSET"
        return args, mode

    def rand_count(self):
        """A count for *RANDMEMBER/HRANDFIELD: small, either sign."""
        return self.r.choice([0, 1, 2, 3, -1, -3, -10])

    def op_hrandfield(self):
        r = self.r
        k = self.k()
        x = r.random()
        if x < 0.2:
            return [([b"HRANDFIELD", k], ("rand", None, False)), ([b"HKEYS", k], "sort")]
        if x < 0.35:
            return [b"HRANDFIELD", k, b"100"], "sort"
        if x < 0.45:
            return [b"HRANDFIELD", k, b"100", b"WITHVALUES"], "pairs"
        if x < 0.95:
            n = self.rand_count()
            if r.random() < 0.5:
                return [([b"HRANDFIELD", k, str(n).encode(), b"WITHVALUES"], ("rand", n, True)),
                        ([b"HGETALL", k], "pairs")]
            return [([b"HRANDFIELD", k, str(n).encode()], ("rand", n, False)), ([b"HKEYS", k], "sort")]
        return [b"HRANDFIELD", k, r.choice([b"x", b"1", b"-9223372036854775808", b""]),
                r.choice([b"WITHVALUES", b"BOGUS"])], "type"

    # --- sets ---
    def op_sintercard(self):
        keys = self.ks(1, 3)
        args = [b"SINTERCARD", str(len(keys)).encode()] + keys
        x = self.r.random()
        if x < 0.3:
            args += [b"LIMIT", self.r.choice([b"0", b"1", b"2", b"-1", b"x"])]
        elif x < 0.35:
            args[1] = self.r.choice([b"0", b"-1", b"5", b"x"])
        return args, "exact"

    def op_srandmember(self):
        r = self.r
        k = self.k()
        x = r.random()
        if x < 0.3:
            return [([b"SRANDMEMBER", k], ("rand", None, False)), ([b"SMEMBERS", k], "sort")]
        if x < 0.5:
            return [b"SRANDMEMBER", k, b"100"], "sort"
        if x < 0.95:
            n = self.rand_count()
            return [([b"SRANDMEMBER", k, str(n).encode()], ("rand", n, False)), ([b"SMEMBERS", k], "sort")]
        return [b"SRANDMEMBER", k, r.choice([b"x", b"", b"-9223372036854775808", b"1.5"])], "type"

    # --- sorted sets ---
    def op_zadd(self):
        r = self.r
        args = [b"ZADD", self.k()]
        if r.random() < 0.4:
            flags = [b"NX", b"XX", b"GT", b"LT", b"CH", b"INCR"]
            for _ in range(r.randint(1, 2)):
                args.append(r.choice(flags))
        incr = b"INCR" in args
        n = 1 if (incr and r.random() < 0.9) else r.randint(1, 3)
        for _ in range(n):
            args += [self.score(), self.zmember()]
        if r.random() < 0.03:
            args.pop()
        return args, "exact"

    def limit(self):
        return [b"LIMIT", self.r.choice([b"0", b"1", b"2", b"-1", b"5"]),
                self.r.choice([b"0", b"1", b"2", b"-1", b"3", b"100"])]

    def op_zrange(self):
        r = self.r
        x = r.random()
        args = [b"ZRANGE", self.k()]
        groups = []
        if x < 0.45:
            args += self.range_args()
        else:
            args += self.score_range()
            groups.append([b"BYSCORE"])
        if r.random() < 0.3:
            groups.append([b"REV"])
        if r.random() < (0.45 if x >= 0.45 else 0.1):
            groups.append(self.limit())  # without BYSCORE/BYLEX: an error
        if r.random() < 0.4:
            groups.append([b"WITHSCORES"])
        if r.random() < 0.2:
            r.shuffle(groups)
        for g in groups:
            args += g
        return args, "exact"

    def op_zrevrange(self):
        args = [b"ZREVRANGE", self.k(), self.idx(), self.idx()]
        if self.r.random() < 0.4:
            args.append(b"WITHSCORES")
        return args, "exact"

    def op_zrangebyscore(self, name):
        args = [name, self.k()] + self.score_range()
        if name == b"ZREVRANGEBYSCORE":
            args[2], args[3] = args[3], args[2]
        if self.r.random() < 0.4:
            args.append(b"WITHSCORES")
        if self.r.random() < 0.3:
            args += self.limit()
        return args, "exact"

    def op_zpop(self, name):
        args = [name, self.k()]
        if self.r.random() < 0.6:
            args.append(self.count())
        return args, "exact"

    def op_zrandmember(self):
        r = self.r
        k = self.k()
        x = r.random()
        if x < 0.25:
            return [([b"ZRANDMEMBER", k], ("rand", None, False)), ([b"ZRANGE", k, b"0", b"-1"], "exact")]
        if x < 0.4:
            return [b"ZRANDMEMBER", k, b"100"], "sort"
        if x < 0.5:
            return [b"ZRANDMEMBER", k, b"100", b"WITHSCORES"], "pairs"
        if x < 0.95:
            n = self.rand_count()
            if r.random() < 0.5:
                return [([b"ZRANDMEMBER", k, str(n).encode(), b"WITHSCORES"], ("rand", n, True)),
                        ([b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"], "exact")]
            return [([b"ZRANDMEMBER", k, str(n).encode()], ("rand", n, False)),
                    ([b"ZRANGE", k, b"0", b"-1"], "exact")]
        return [b"ZRANDMEMBER", k, r.choice([b"x", b"", b"-9223372036854775808"]),
                r.choice([b"WITHSCORES", b"BOGUS"])], "type"

    def op_zrangestore(self):
        r = self.r
        args = [b"ZRANGESTORE", self.k(), self.k()]
        if r.random() < 0.5:
            args += [self.idx(), self.idx()]
        else:
            args += [self.sbound(), self.sbound(), b"BYSCORE"]
            if r.random() < 0.3:
                args += self.limit()
        if r.random() < 0.3:
            args.append(b"REV")
        return args, "exact"

    def op_zstore(self, name):
        r = self.r
        keys = self.ks(1, 3)
        args = [name, self.k(), str(len(keys)).encode()] + keys
        if r.random() < 0.3:
            args.append(b"WEIGHTS")
            args += [r.choice([b"1", b"2", b"0.5", b"-1", b"0"]) for _ in keys]
        if r.random() < 0.3:
            args += [b"AGGREGATE", r.choice([b"SUM", b"MIN", b"MAX", b"AVG"])]
        if r.random() < 0.04:
            args[2] = r.choice([b"0", b"-1", b"9", b"x"])
        return args, "exact"

    # lexicographic ops on the lex keys
    def lk(self):
        return self.r.choice(self.lex_keys)

    def lbound(self):
        return self.r.choice(LEX_BOUNDS)

    def op_lex_zadd(self):
        r = self.r
        args = [b"ZADD", self.lk()]
        if r.random() < 0.2:
            args.append(r.choice([b"NX", b"XX", b"CH"]))
        for _ in range(r.randint(1, 3)):
            args += [b"0", r.choice(LEX_MEMBERS)]
        return args, "exact"

    def op_zrangebylex(self, name):
        args = [name, self.lk(), self.lbound(), self.lbound()]
        if self.r.random() < 0.3:
            args += self.limit()
        return args, "exact"

    def op_zrange_bylex(self):
        r = self.r
        args = [b"ZRANGE", self.lk(), self.lbound(), self.lbound(), b"BYLEX"]
        if r.random() < 0.3:
            args.append(b"REV")
        if r.random() < 0.3:
            args += self.limit()
        if r.random() < 0.05:
            args.append(b"WITHSCORES")  # an error with BYLEX
        return args, "exact"

    # --- lists ---
    def side(self):
        return self.r.choice([b"LEFT", b"RIGHT", b"LEFT", b"RIGHT", b"left", b"UP"]) \
            if self.r.random() < 0.05 else self.r.choice([b"LEFT", b"RIGHT"])

    def op_pop(self, name):
        args = [name, self.k()]
        if self.r.random() < 0.5:
            args.append(self.count())
        return args, "exact"

    def op_linsert(self):
        where = self.r.choice([b"BEFORE", b"AFTER"]) if self.r.random() < 0.97 else b"MIDDLE"
        return [b"LINSERT", self.k(), where, self.lval(), self.lval()], "exact"

    def op_lpos(self):
        r = self.r
        args = [b"LPOS", self.k(), self.lval()]
        bad = r.random() < 0.1
        opts = [[b"RANK", r.choice([b"0", b"x", b"-9223372036854775808", b"9223372036854775807"]
                                   if bad else [b"1", b"2", b"-1", b"-2", b"3"])],
                [b"COUNT", r.choice([b"-1", b"x"] if bad else [b"0", b"1", b"2", b"5"])],
                [b"MAXLEN", r.choice([b"-1", b"x"] if bad else [b"0", b"1", b"3", b"10"])]]
        for o in opts:
            if r.random() < 0.35:
                args += o
        return args, "exact"

    # --- errors ---
    def op_wrong_arity(self):
        r = self.r
        name = r.choice(self.commands)
        a = self.arity.get(name)
        if a is None or a == -1:
            return [b"GET"], "exact"
        if a > 0:
            n = r.choice([a - 1, a + 1]) if a > 1 else 2
        else:
            n = r.randint(1, -a - 1)
        args = [name]
        for _ in range(n - 1):
            args.append(r.choice([self.k(), self.val(), b"1"]))
        return args, "exact"

    def op_unknown(self):
        args = [self.r.choice([b"NOSUCHCMD", b"HSETX", b"getx", b"", b"\x00x"])]
        for _ in range(self.r.randint(0, 3)):
            args.append(self.val())
        return args, "exact"


# ---------------------------------------------------------------------------
# Feature detection
# ---------------------------------------------------------------------------

def _is_unknown(reply):
    return reply.startswith(b"-ERR unknown command")


def detect(strata, oracle, gen_probe_table):
    """Which families and commands strata implements. Returns (families,
    commands, arity, notes). strata must be empty (probes leave nothing)."""
    notes = []
    families = {"string", "keyspace", "error"}
    with strata.client() as c:
        for fam, (probe, cleanup) in FAMILY_PROBES.items():
            rep = c.call(*probe)
            c.call(*cleanup)
            if _is_unknown(rep):
                notes.append("no %s in strata yet (%s -> %r): left out" % (
                    FAMILY_NAMES[fam], format_cmd(probe), rep.strip()))
            else:
                families.add(fam)
        wanted = sorted({name for fam, ops in gen_probe_table.items() if fam in families
                         for (_, name, _) in ops if name is not None})
        commands = set()
        missing = []
        for name in wanted:
            rep = c.call(name)  # bare name: "wrong number of arguments" if it exists
            if _is_unknown(rep):
                missing.append(name.decode())
            else:
                commands.add(name)
        if missing:
            notes.append("commands strata lacks (left out): %s" % " ".join(missing))
        c.call("FLUSHALL")
    arity = {}
    with oracle.client() as c:
        rep = c.call_reply("COMMAND", "INFO", *sorted(commands))
        for item in rep.value:
            if item.value is None:
                continue
            arity[item.value[0].value.upper()] = item.value[1].value
    return families, commands, arity, notes


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

def run_random(strata, oracle, tmp_path, capsys, ops, keys, lex_keys, multidb, label, resp=2):
    rng_seed = SEED if not multidb else SEED ^ 0x5EED0DB
    oracle.call("FLUSHALL")
    strata.call("FLUSHALL")
    probe_gen = Gen(random.Random(0), keys, lex_keys, {"string"}, set(), {}, multidb)
    table = probe_gen.table()
    if not multidb:
        table.pop("db")
    families, commands, arity, notes = detect(strata, oracle, table)
    if multidb:
        families.add("db")
    gen = Gen(random.Random(rng_seed), keys, lex_keys, families, commands, arity, multidb)
    header = ("random-diff %s: seed=%d ops=%d families: %s%s (replay: STRATA_RANDOM_SEED=%d "
              "/usr/bin/python3 -m pytest tests/integration/test_random_diff.py)" % (
                  label, SEED, ops, ", ".join(gen.families), " [self mode]" if SELF_MODE else "",
                  SEED))
    with capsys.disabled():
        print("\n" + header)
        for n in notes:
            print("random-diff %s: note: %s" % (label, n))

    all_keys = set(keys) | set(lex_keys)
    conns = [PipeConn("strata", strata, resp), PipeConn("redis", oracle, resp)]
    prelude = ["!type HELLO 3"] if resp == 3 else []  # first line of a replay script
    history = []  # (args, mode) of every op sent
    reports = []
    t0 = time.time()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the history makes millions of small objects; nothing here makes cycles
    try:
        done = 0
        while done < ops:
            batch = []
            want = min(BATCH, ops - done)
            while len(batch) < want:
                batch.extend(gen.next())  # a random command comes with its companion read
            n = len(batch)
            payload = b"".join(encode_command(*a) for a, _ in batch)
            base = len(history)
            history.extend(batch)
            try:
                rs, ro = exchange(conns, payload, n)
            except ServerGone as e:
                reports.append(report(tmp_path, header, prelude, history, base + e.got, None, None, all_keys,
                                      "%s; the op that killed it is probably #%d" % (e, base + e.got),
                                      not reports))
                break
            except Exception as e:  # a timeout (a stuck server), a protocol error
                got = len(conns[0].replies)
                reports.append(report(tmp_path, header, prelude, history, base + got, None, None, all_keys,
                                      "%s: %s (strata had answered %d of the batch's %d commands; "
                                      "op #%d is the first unanswered one)"
                                      % (type(e).__name__, e, got, n, base + got), not reports))
                break
            for i in range(n):
                mode = batch[i][1]
                if isinstance(mode, tuple) and mode[0] == "rand":
                    why = check_random(mode, rs[i], ro[i], rs[i + 1], ro[i + 1])
                else:
                    why = compare(mode, rs[i], ro[i])
                if why:
                    reports.append(report(tmp_path, header, prelude, history, base + i, rs[i], ro[i],
                                          all_keys, why, not reports))
                    break
            done += n
            if reports and reports[-1][0] >= base:
                if len(reports) >= MAX_MISMATCHES:
                    break
                # keep going: start both servers again from empty (the rest of
                # this batch ran on diverged data and is not compared)
                exchange(conns, encode_command("FLUSHALL") + encode_command("SELECT", "0"), 2)
                history.append(([b"FLUSHALL"], "exact"))
                history.append(([b"SELECT", b"0"], "exact"))
    finally:
        if gc_was_enabled:
            gc.enable()
        for c in conns:
            c.close()
    elapsed = time.time() - t0
    if reports:
        text = "\n\n".join(r[1] for r in reports)
        if len(reports) > 1:
            text = "%d mismatches (STRATA_RANDOM_MAX_MISMATCHES=%d; after each one both servers "\
                   "were flushed):\n\n%s" % (len(reports), MAX_MISMATCHES, text)
        pytest.fail(header + "\n\n" + text, pytrace=False)
    with capsys.disabled():
        print("random-diff %s: %d commands, all replies matched, %.1fs (%.0f/s)"
              % (label, done, elapsed, done / max(elapsed, 1e-9)))


def report(tmp_path, header, prelude, history, index, rs, ro, all_keys, why, write_script):
    """The text of one mismatch (and, for the first, the replay script)."""
    hist = history[:index + 1]
    out = ["%s at op #%d: %s" % ("MISMATCH" if rs is not None else "FAILURE", index, why)]
    if index < len(hist):
        args, m = hist[index]
        out.append("  command:  %s    (compare: %s)" % (format_cmd(args), describe_mode(m)))
        if isinstance(m, tuple) and m[0] == "rand" and index + 1 < len(history):
            out.append("  followed by: %s (the collection the picks must come from)"
                       % format_cmd(history[index + 1][0]))
    if rs is not None:
        out.append("  strata:   %s" % short(rs.raw))
        out.append("  redis:    %s" % short(ro.raw))
    out.append("")
    out.append("last %d commands (op index: command):" % HISTORY)
    first_shown = max(0, len(hist) - HISTORY)
    for i in range(first_shown, len(hist)):
        args, m = hist[i]
        out.append("  %s#%d: %s%s" % (">" if i == index else " ", i, format_mode(m), format_cmd(args)))
    # the earlier commands on the keys of the failing command: how they got there
    if index < len(hist):
        mine = set(hist[index][0][1:]) & all_keys
        earlier = []
        for i in range(first_shown - 1, -1, -1):
            args, m = hist[i]
            if args[0].upper() in (b"FLUSHALL", b"FLUSHDB", b"SWAPDB", b"SELECT"):
                earlier.append((i, m, args))
                if args[0].upper() == b"FLUSHALL":
                    break
                continue
            if mine & set(args[1:]):
                earlier.append((i, m, args))
                if len(earlier) >= 3 * HISTORY:
                    break
        if mine and earlier:
            out.append("")
            out.append("before those, the last %d commands naming %s (or switching/flushing dbs):"
                       % (len(earlier), " ".join(quote_arg(k) for k in sorted(mine))))
            for i, m, args in reversed(earlier):
                out.append("   #%d: %s%s" % (i, format_mode(m), format_cmd(args)))
    if write_script:
        lines = ["# " + header, "# generated by test_random_diff.py; op #%d failed: %s" % (index, why)]
        lines += prelude
        for args, m in hist:
            lines.append(format_mode(m) + format_cmd(args))
        script = tmp_path / "random_diff_replay.txt"
        script.write_bytes(("\n".join(lines) + "\n").encode())
        out.append("")
        out.append("full sequence as a diff script: %s" % script)
    return index, "\n".join(out)


def test_random_differential(strata, oracle_clean, tmp_path, capsys):
    """OPS random commands over 11 keys (incl. "" and a binary key) and the
    two lex keys, every reply compared with Redis."""
    run_random(strata, oracle_clean, tmp_path, capsys, OPS, MAIN_KEYS, MAIN_LEX_KEYS,
               multidb=False, label="main")


def test_random_differential_resp3(strata, oracle_clean, tmp_path, capsys):
    """The main run's generator with both connections in RESP3 (HELLO 3):
    maps, sets, doubles and nulls compared byte for byte, random picks by
    membership as in RESP2."""
    run_random(strata, oracle_clean, tmp_path, capsys, OPS, MAIN_KEYS, MAIN_LEX_KEYS,
               multidb=False, label="resp3", resp=3)


def test_random_differential_multidb(strata, oracle_clean, tmp_path, capsys):
    """The same generator on 3 keys (+1 lex key), with SELECT 0/1, SWAPDB,
    MOVE, COPY ... DB and, rarely, FLUSHDB in the mix."""
    run_random(strata, oracle_clean, tmp_path, capsys, max(1000, OPS // 4), TINY_KEYS, TINY_LEX_KEYS,
               multidb=True, label="multidb")


# --- the harness itself (no server needed) ---

def test_compare_modes():
    def r(b):
        return parse_reply(b)[0]
    a = r(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n")
    b = r(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert compare("exact", a, b)
    assert compare("sort", a, b) is None
    assert compare("sort", a, r(b"*2\r\n$1\r\na\r\n$1\r\na\r\n"))
    p1 = r(b"*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n")
    p2 = r(b"*4\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n")
    p3 = r(b"*4\r\n$1\r\ng\r\n$1\r\n1\r\n$1\r\nf\r\n$1\r\n2\r\n")
    assert compare("pairs", p1, p2) is None
    assert compare("pairs", p1, p3)
    assert compare("sort", p1, p3) is None
    assert compare("type", r(b"$1\r\na\r\n"), r(b"$1\r\nb\r\n")) is None
    assert compare("type", r(b"$1\r\na\r\n"), r(b"$-1\r\n"))
    assert compare("type", r(b"-ERR a\r\n"), r(b"-ERR b\r\n"))
    assert compare(("approx", 3), r(b":100\r\n"), r(b":97\r\n")) is None
    assert compare(("approx", 3), r(b":100\r\n"), r(b":96\r\n"))
    assert compare(("approx", 3), r(b":-1\r\n"), r(b":1\r\n"))
    assert compare(("approx", 3), r(b":-2\r\n"), r(b":-1\r\n"))
    assert compare("sort", r(b"*-1\r\n"), r(b"*0\r\n"))
    assert compare("type", r(b"*2\r\n$1\r\na\r\n$-1\r\n"), r(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"))


def test_compare_modes_resp3():
    def r(b):
        return parse_reply(b)[0]
    m1 = r(b"%2\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n")
    m2 = r(b"%2\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n")
    assert compare("pairs", m1, m2) is None
    a1 = r(b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n")
    a2 = r(b"*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n")
    a3 = r(b"*2\r\n*2\r\n$1\r\nb\r\n,1\r\n*2\r\n$1\r\na\r\n,2\r\n")
    assert compare("pairs", a1, a2) is None
    assert compare("pairs", a1, a3)
    s1 = r(b"~2\r\n$1\r\na\r\n$1\r\nb\r\n")
    s2 = r(b"~2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert compare("sort", s1, s2) is None
    assert compare("sort", s1, r(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n"))  # a set is not an array
    assert compare("type", r(b"_\r\n"), r(b"$1\r\na\r\n"))
    # a RESP3 pick among [member, score] pairs
    assert check_random(("rand", 1, True), r(b"*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"),
                        r(b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"), a1, a1) is None
    assert check_random(("rand", 1, True), r(b"*1\r\n*2\r\n$1\r\nb\r\n,1\r\n"),
                        r(b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"), a1, a1)
    assert check_random(("rand", None, False), r(b"_\r\n"), r(b"_\r\n"), r(b"~0\r\n"), r(b"~0\r\n")) is None


def test_check_random():
    def r(b):
        return parse_reply(b)[0]

    def arr(*items):
        return r(b"*%d\r\n" % len(items) + b"".join(b"$%d\r\n%s\r\n" % (len(x), x) for x in items))
    keys = arr(b"f0", b"f1", b"f2")
    allpairs = arr(b"f0", b"a", b"f1", b"b")
    ok = arr(b"f1", b"f0")
    assert check_random(("rand", 2, False), ok, arr(b"f2", b"f1"), keys, keys) is None
    assert check_random(("rand", 2, False), arr(b"f1", b"f1"), ok, keys, keys)  # repeated
    assert check_random(("rand", -2, False), arr(b"f1", b"f1"), ok, keys, keys) is None
    assert check_random(("rand", 2, False), arr(b"f1", b"zz"), ok, keys, keys)  # not a member
    assert check_random(("rand", 5, False), ok, ok, keys, keys)  # 2 picks, want 3
    assert check_random(("rand", 1, True), arr(b"f1", b"b"), arr(b"f0", b"a"), allpairs, allpairs) is None
    assert check_random(("rand", 1, True), arr(b"f1", b"a"), arr(b"f0", b"a"), allpairs, allpairs)
    assert check_random(("rand", None, False), r(b"$2\r\nf2\r\n"), r(b"$2\r\nf0\r\n"), keys, keys) is None
    assert check_random(("rand", None, False), r(b"$-1\r\n"), r(b"$-1\r\n"), keys, keys)
    assert check_random(("rand", None, False), r(b"$-1\r\n"), r(b"$-1\r\n"), arr(), arr()) is None
    assert check_random(("rand", -3, False), arr(), arr(), arr(), arr()) is None


def test_quote_roundtrip():
    from diffscript import split_args
    samples = [[b"SET", b"", b"a b"], [b"SET", b"bin\x00\r\n\xff", b'q"\\'],
               [b"KEYS", b"k[0-3]"], [b"ZADD", b"z", b"-inf", b"(1"], [b"X", b"\\*", b"a#b"],
               [b"SET", b"a\n", b"\n"], [b"SET", b"k", b"x\r\n"]]
    for args in samples:
        assert split_args(format_cmd(args)) == args


def test_generator_is_deterministic():
    fams = {"string", "keyspace", "hash", "set", "zset", "list", "error", "db"}
    g0 = Gen(random.Random(0), MAIN_KEYS, MAIN_LEX_KEYS, fams, set(), {}, True)
    cmds = {name for ops in g0.table().values() for (_, name, _) in ops if name}
    seqs = []
    for _ in range(2):
        g = Gen(random.Random(42), MAIN_KEYS, MAIN_LEX_KEYS, fams, cmds, {b"GET": 2}, True,
                now=1700000000)
        seqs.append([g.next() for _ in range(3000)])
    assert seqs[0] == seqs[1]
    names = {a[0].upper() for group in seqs[0] for a, _ in group}
    assert {b"SET", b"HSET", b"SADD", b"ZADD", b"LPUSH", b"SELECT"} <= names
