#!/usr/bin/python3
"""Huge compound values: strata beside redis-server (issue 3's measurements).

    /usr/bin/python3 tools/bench_compound.py [--quick] [--elements N] [--types hash,set,zset,list]

For each type, a fresh redis-server and a fresh strata (temporary data dirs,
free ports) get the same keys, one server at a time (the other is not
running, so neither steals the other's CPU), and the tool measures:

  a. DEL, UNLINK, overwrite (SET key x) and expiry (PEXPIRE key 1, then a
     read, which is where the value is deleted) of a key with N elements
     (default 1,000,000): one command's latency, on both servers.  strata
     must stay under 10 ms (it only rewrites metadata); redis frees the
     value in the command (UNLINK: in a background thread).
  b. strata's `sub`/`zscore` column families before and after a manual
     compaction: strata is stopped and `strata-inspect DIR --compact --count`
     runs on its data dir; the dead versions' elements must be gone.
  c. point reads on the N-element key against a 10-element key of the same
     type (HGET, SISMEMBER, ZSCORE, ZRANGE BYSCORE LIMIT 0 10, LINDEX
     0/-1/middle): microseconds per command, one connection, no pipelining,
     over --ops commands (default 20000) or --budget seconds, whichever ends
     first.  They should cost about the same: one element is touched.  Two
     "info" rows show O(N) commands (ZRANK, ZRANGE by rank from the
     middle) that an LSM index answers by walking, by design.
  d. no tombstone stalls: a list after N LPOPs and a zset after N ZPOPMINs
     (popped in batches of 1000) against a fresh key of the same size:
     LRANGE 0 9, LINDEX 0, LPOP; ZRANGE 0 9, ZRANGE BYSCORE LIMIT 0 10,
     ZPOPMIN.  And for every type, reads next to the huge keys before and
     right after they were deleted: a full SCAN of the keyspace (10,000
     string keys plus the test keys), GET of random string keys, and a
     whole read (HGETALL, SMEMBERS, ZRANGE 0 -1, LRANGE 0 -1) of the small
     keys whose element ranges border the dead elements, and of a deleted
     key's name recreated as a small value.

Big keys are filled with the type's own command (HSET, SADD, ZADD, RPUSH)
in pipelined batches of 1000 elements; the later big keys of the same type
are COPYs of the first where COPY was faster than that fill (decided per
server; the fill table says which way each went).  Fill times are shown.

Every latency includes the client's own cost (Python, loopback TCP); the
PING row shows that floor.  The machine may be shared: read ratios (big vs
small, after vs fresh) more than absolute numbers.

strata gets a small write and a wait until its RocksDB threads are idle
(--settle) after the fill and after the pops, so that flushes and
compactions the bulk writes left behind neither steal CPU from the
measured commands nor start in the middle of a before/after comparison.

Options: --elements N, --quick (N = 100,000, --ops 5000), --types, --ops,
--budget (default 2 s), --settle, --strata PATH, --inspect PATH, --seed,
--pin (servers on the first core, this client on the second).  Exit status 0 if every check
passed, 1 if a check failed (a strata deletion >= 10 ms, elements still on
disk after compaction, a wrong reply), 2 on bad usage or a server that
would not start.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Interrupted, RespError, Server, _read_reply, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPES = ("hash", "set", "zset", "list")
SMALL = 10           # elements of the small keys
STRINGS = 10000      # string keys around, for SCAN and GET
BATCH = 1000         # elements per fill command / per pop command
DEPTH = 8            # fill commands in flight
DELETE_LIMIT_MS = 10.0


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class CheckFailed(Exception):
    pass


def stats(lat):
    """Mean, median and 99th percentile in microseconds of latencies in s."""
    if not lat:
        return None
    lat = sorted(lat)
    n = len(lat)
    return {"n": n, "mean": statistics.fmean(lat) * 1e6, "p50": lat[n // 2] * 1e6,
            "p99": lat[min(n - 1, int(n * 0.99))] * 1e6}


# ------------------------------------------------------------------ client

class Client:
    """One connection, raw RESP: timing without a client library's cost."""

    def __init__(self, port, timeout=600.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb", buffering=1 << 16)

    def close(self):
        try:
            self.f.close()
            self.sock.close()
        except OSError:
            pass

    def call(self, *args):
        self.sock.sendall(enc(*args))
        return _read_reply(self.f)

    def ok(self, *args):
        r = self.call(*args)
        if isinstance(r, RespError):
            raise CheckFailed("%s -> %s" % (" ".join(map(str, args))[:80], r))
        return r

    def timed(self, *args):
        """(milliseconds, reply) of one command."""
        p = enc(*args)
        t0 = time.perf_counter()
        self.sock.sendall(p)
        r = _read_reply(self.f)
        return (time.perf_counter() - t0) * 1000.0, r

    def latency_raw(self, payloads, budget):
        """Send pre-encoded commands one at a time until done or `budget`
        seconds passed. Returns the latencies in seconds."""
        lat = []
        deadline = time.perf_counter() + budget
        sock, f, pc = self.sock, self.f, time.perf_counter
        for p in payloads:
            t0 = pc()
            sock.sendall(p)
            r = _read_reply(f)
            t1 = pc()
            lat.append(t1 - t0)
            if isinstance(r, RespError):
                raise CheckFailed("%s -> %s" % (p[:60], r))
            if t1 > deadline:
                break
        return lat

    def latency(self, payloads, budget):
        return stats(self.latency_raw(payloads, budget))

    def latency_pair(self, pa, pb, budget, rounds=4):
        """Two command streams measured in alternating slices (a, b, a,
        b, ...), so that drift on a shared machine hits both alike."""
        la, lb = [], []
        step = max(1, max(len(pa), len(pb)) // rounds)
        for r in range(rounds):
            la += self.latency_raw(pa[r * step:(r + 1) * step], budget / (2 * rounds))
            lb += self.latency_raw(pb[r * step:(r + 1) * step], budget / (2 * rounds))
        return stats(la), stats(lb)

    def pipeline(self, payloads, depth=DEPTH):
        """Send pre-encoded commands `depth` at a time; returns the replies."""
        out = []
        for i in range(0, len(payloads), depth):
            chunk = payloads[i:i + depth]
            self.sock.sendall(b"".join(chunk))
            for _ in chunk:
                r = _read_reply(self.f)
                if isinstance(r, RespError):
                    raise CheckFailed("pipelined command -> %s" % r)
                out.append(r)
        return out


# ------------------------------------------------------------------- types

def member(i):
    return b"m:%012d" % i


def field(i):
    return b"f:%012d" % i


SPEC = {
    "hash": {"add": b"HSET", "len": "HLEN", "read_all": ["HGETALL"], "per": 2},
    "set": {"add": b"SADD", "len": "SCARD", "read_all": ["SMEMBERS"], "per": 1},
    "zset": {"add": b"ZADD", "len": "ZCARD", "read_all": ["ZRANGE", "{k}", "0", "-1", "WITHSCORES"],
             "per": 2},
    "list": {"add": b"RPUSH", "len": "LLEN", "read_all": ["LRANGE", "{k}", "0", "-1"], "per": 1},
}


def elem_bytes(typ, i):
    """The RESP arguments of element i for the type's add command."""
    if typ == "hash":
        return b"$14\r\nf:%012d\r\n$14\r\nv:%012d\r\n" % (i, i)
    if typ == "zset":
        s = b"%d" % i
        return b"$%d\r\n%s\r\n$14\r\nm:%012d\r\n" % (len(s), s, i)
    return b"$14\r\nm:%012d\r\n" % i  # set members, list values


_bodies = {}


def bodies(typ, start, n):
    """Pre-encoded argument runs of BATCH elements, shared by every key and
    server (building them costs more than sending them)."""
    k = (typ, start, n)
    if k not in _bodies:
        per = SPEC[typ]["per"]
        out = []
        for b in range(start, start + n, BATCH):
            e = min(start + n, b + BATCH)
            out.append(((e - b) * per, b"".join(elem_bytes(typ, i) for i in range(b, e))))
        _bodies[k] = out
    return _bodies[k]


def fill(cl, typ, key, start, n):
    """Add elements start..start+n-1 to key; returns seconds."""
    cmd = SPEC[typ]["add"]
    kb = key.encode()
    head = lambda nargs: b"*%d\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (nargs + 2, len(cmd), cmd, len(kb), kb)
    payloads = [head(nargs) + body for nargs, body in bodies(typ, start, n)]
    t0 = time.perf_counter()
    cl.pipeline(payloads)
    return time.perf_counter() - t0


def read_all_cmd(typ, key):
    return [a.format(k=key) for a in SPEC[typ]["read_all"]] if len(SPEC[typ]["read_all"]) > 1 \
        else SPEC[typ]["read_all"] + [key]


def check_len(cl, typ, key, want):
    got = cl.ok(SPEC[typ]["len"], key)
    if int(got) != want:
        raise CheckFailed("%s %s has %s elements, expected %d" % (SPEC[typ]["len"], key, got, want))


# ----------------------------------------------------------------- phases

def keyname(typ, i):
    # Same length for all: their element ranges are neighbours in the sub
    # and zscore CFs ([db][keylen][key][version]...), 0 and 6 bracket 1..5.
    return "cb:%s:%d" % (typ, i)


def make_bigs(cl, typ, keys, n, res):
    """Fill keys[0] with the type's command, keys[1] by COPY, the rest the
    faster way. Records the timings in res['fill']."""
    info = res["fill"]
    t = fill(cl, typ, keys[0], 0, n)
    info["native_s"] = t
    log("    fill %s with %d elements: %.1f s (%.0f elements/s)" % (keys[0], n, t, n / t))
    check_len(cl, typ, keys[0], n)
    info["copies"] = 0
    info["refill"] = 0
    copy_s = None
    for k in keys[1:]:
        if copy_s is None or copy_s < t:
            ms, r = cl.timed("COPY", keys[0], k)
            if r != 1 and r != "1":
                raise CheckFailed("COPY %s %s -> %r" % (keys[0], k, r))
            copy_s = ms / 1000.0 if copy_s is None else min(copy_s, ms / 1000.0)
            info["copy_s"] = copy_s
            info["copies"] += 1
            log("    COPY to %s: %.1f s" % (k, ms / 1000.0))
        else:
            t2 = fill(cl, typ, k, 0, n)
            info["refill"] += 1
            log("    fill %s: %.1f s" % (k, t2))
        check_len(cl, typ, k, n)


def point_tests(typ, n, rng, ops):
    """[(label, big payloads, small payloads, info?)] for section c."""
    big, small = keyname(typ, 1), keyname(typ, 0)

    def rand_payloads(fn, key, count):
        return [fn(key, rng.randrange(count)) for _ in range(ops)]

    tests = []
    if typ == "hash":
        f = lambda k, i: enc("HGET", k, field(i))
        tests.append(("HGET", rand_payloads(f, big, n), rand_payloads(f, small, SMALL), False))
    elif typ == "set":
        f = lambda k, i: enc("SISMEMBER", k, member(i))
        tests.append(("SISMEMBER", rand_payloads(f, big, n), rand_payloads(f, small, SMALL), False))
    elif typ == "zset":
        f = lambda k, i: enc("ZSCORE", k, member(i))
        tests.append(("ZSCORE", rand_payloads(f, big, n), rand_payloads(f, small, SMALL), False))
        f = lambda k, i: enc("ZRANGE", k, i, "+inf", "BYSCORE", "LIMIT", 0, 10)
        tests.append(("ZRANGE s +inf BYSCORE LIMIT 0 10", rand_payloads(f, big, n),
                      rand_payloads(f, small, SMALL), False))
        f = lambda k, i: enc("ZRANK", k, member(i))
        tests.append(("ZRANK (random member)", rand_payloads(f, big, n),
                      rand_payloads(f, small, SMALL), True))
        tests.append(("ZRANGE mid mid+9 (by rank)", [enc("ZRANGE", big, n // 2, n // 2 + 9)] * ops,
                      [enc("ZRANGE", small, SMALL // 2, SMALL // 2 + 9)] * ops, True))
    elif typ == "list":
        for label, bi, si in (("LINDEX 0", 0, 0), ("LINDEX -1", -1, -1),
                              ("LINDEX middle", n // 2, SMALL // 2)):
            tests.append((label, [enc("LINDEX", big, bi)] * ops, [enc("LINDEX", small, si)] * ops,
                          False))
        f = lambda k, i: enc("LINDEX", k, i)
        tests.append(("LINDEX random", rand_payloads(f, big, n), rand_payloads(f, small, SMALL), False))
    return tests


def neighbour_reads(cl, typ, rng, ops, budget, extra_keys=()):
    """SCAN of the whole keyspace, GET of random string keys, whole reads of
    the small keys that border the big ones (and of extra_keys)."""
    out = {}
    # SCAN: full passes until the budget is spent (at least one).
    passes, keys_seen, t0 = 0, 0, time.perf_counter()
    while True:
        cursor = b"0"
        while True:
            r = cl.ok("SCAN", cursor, "COUNT", 100)
            cursor, keys_seen = r[0], keys_seen + len(r[1])
            if cursor in (b"0", "0"):
                break
        passes += 1
        if time.perf_counter() - t0 > budget / 2:
            break
    out["SCAN whole keyspace (ms/pass)"] = {"n": passes,
                                            "mean": (time.perf_counter() - t0) * 1000 / passes,
                                            "unit": "ms"}
    out["GET random string key"] = cl.latency(
        [enc("GET", "cb:str:%05d" % rng.randrange(STRINGS)) for _ in range(ops)], budget / 4)
    for k in (keyname(typ, 0), keyname(typ, 6)) + tuple(extra_keys):
        cmd = read_all_cmd(typ, k)
        out["%s %s" % (cmd[0], k)] = cl.latency([enc(*cmd)] * min(ops, 5000), budget / 8)
    return out


def drain_tests(cl, typ, n, k_left, ops, budget):
    """Section d's pops: a key after n pops against a fresh key. Returns
    {label: (after stats, fresh stats)} and the drain time."""
    after, fresh = keyname(typ, 5), keyname(typ, 7)
    res = {}
    popcmd = "LPOP" if typ == "list" else "ZPOPMIN"
    payloads = [enc(popcmd, after, BATCH)] * (n // BATCH)
    if n % BATCH:
        payloads.append(enc(popcmd, after, n % BATCH))
    t0 = time.perf_counter()
    replies = cl.pipeline(payloads, depth=4)
    drain_s = time.perf_counter() - t0
    popped = sum(len(r) for r in replies) // (1 if typ == "list" else 2)
    if popped != n:
        raise CheckFailed("%s popped %d elements, expected %d" % (popcmd, popped, n))
    check_len(cl, typ, after, k_left)
    check_len(cl, typ, fresh, k_left)
    if typ == "list":
        tests = [("LRANGE 0 9", lambda k: [enc("LRANGE", k, 0, 9)] * ops),
                 ("LINDEX 0", lambda k: [enc("LINDEX", k, 0)] * ops),
                 ("LPOP", lambda k: [enc("LPOP", k)] * ops)]
    else:
        tests = [("ZRANGE 0 9", lambda k: [enc("ZRANGE", k, 0, 9)] * ops),
                 ("ZRANGE -inf +inf BYSCORE LIMIT 0 10",
                  lambda k: [enc("ZRANGE", k, "-inf", "+inf", "BYSCORE", "LIMIT", 0, 10)] * ops),
                 ("ZPOPMIN", lambda k: [enc("ZPOPMIN", k)] * ops)]
    for label, mk in tests:
        res[label] = cl.latency_pair(mk(after), mk(fresh), 2 * budget)
    return res, drain_s


def deletions(cl, typ, res):
    """Section a on keys 1..4. Returns {op: ms}."""
    k = [keyname(typ, i) for i in range(1, 5)]
    out = {}
    ms, r = cl.timed("DEL", k[0])
    out["DEL"] = ms
    if r not in (1, "1"):
        raise CheckFailed("DEL %s -> %r" % (k[0], r))
    ms, r = cl.timed("UNLINK", k[1])
    out["UNLINK"] = ms
    if r not in (1, "1"):
        raise CheckFailed("UNLINK %s -> %r" % (k[1], r))
    ms, r = cl.timed("SET", k[2], "x")
    out["SET (overwrite)"] = ms
    if r != "OK":
        raise CheckFailed("SET %s -> %r" % (k[2], r))
    ms, r = cl.timed("PEXPIRE", k[3], 1)
    out["PEXPIRE 1"] = ms
    if r not in (1, "1"):
        raise CheckFailed("PEXPIRE %s -> %r" % (k[3], r))
    time.sleep(0.003)
    ms, r = cl.timed("EXISTS", k[3])
    out["read after expiry"] = ms
    if r not in (0, "0"):
        raise CheckFailed("EXISTS %s after expiry -> %r" % (k[3], r))
    for key in (k[0], k[1]):
        if cl.ok("EXISTS", key) not in (0, "0"):
            raise CheckFailed("%s still exists after deletion" % key)
    if cl.ok("TYPE", k[2]) != "string":
        raise CheckFailed("%s is not a string after SET" % k[2])
    return out


def rocksdb_cpu(pid):
    """CPU seconds used so far by the RocksDB threads (flush, compaction) of
    process pid, from /proc; None where /proc cannot tell."""
    tot = 0
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return None
    for t in tasks:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                if not f.read().startswith("rocksdb"):
                    continue
            with open("/proc/%d/task/%s/stat" % (pid, t)) as f:
                w = f.read().rsplit(")", 1)[1].split()
            tot += int(w[11]) + int(w[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return tot / os.sysconf("SC_CLK_TCK")


def settle(srv, cl, limit):
    """Wait (up to `limit` seconds) until strata's RocksDB threads have been
    idle for a second: flushes and compactions started by the fill would
    otherwise compete with the measured commands for the CPU, and the store
    is measured in the shape it keeps. Returns the seconds waited.

    A write comes first: RocksDB schedules the flush of a memtable that a
    big batch filled at the start of the *next* write, so without it the
    first write after the fill (in a measured phase: a DEL) would start a
    64 MB flush and the compactions after it."""
    cl.ok("SET", "cb:settle", "x")
    t0 = time.monotonic()
    pid = srv.proc.pid
    quiet = 0
    prev = rocksdb_cpu(pid)
    if prev is None:
        return 0.0
    while time.monotonic() - t0 < limit:
        time.sleep(0.5)
        cur = rocksdb_cpu(pid)
        if cur is None:
            break
        quiet = quiet + 1 if cur - prev < 0.02 else 0
        prev = cur
        if quiet >= 2:
            break
    return time.monotonic() - t0


def info_field(cl, name):
    txt = cl.ok("INFO")
    txt = txt.decode() if isinstance(txt, bytes) else txt
    m = re.search(r"^%s:(\S+)" % re.escape(name), txt, re.M)
    return m.group(1) if m else None


def run_server(name, srv, typ, a, rngseed):
    """Everything for one type on one server; returns a result dict."""
    res = {"fill": {}, "point": {}, "nb_before": {}, "nb_after": {}, "drain": {}, "del": {}}
    n, ops, budget = a.elements, a.ops, a.budget
    k_left = ops + 10
    cl = Client(srv.port)
    try:
        log("  %s: setup" % name)
        for i in range(0, STRINGS, 1000):
            cl.ok("MSET", *[x for j in range(i, min(STRINGS, i + 1000))
                            for x in ("cb:str:%05d" % j, "value-%05d" % j)])
        for i in (0, 6):
            fill(cl, typ, keyname(typ, i), 0, SMALL)
        bigs = [keyname(typ, i) for i in range(1, 5)]
        if typ in ("list", "zset"):
            bigs.append(keyname(typ, 5))
        make_bigs(cl, typ, bigs, n, res)
        if typ in ("list", "zset"):
            fill(cl, typ, keyname(typ, 5), n, k_left)           # n + k_left, popped down to k_left
            fill(cl, typ, keyname(typ, 7), n, k_left)           # fresh, k_left elements
        if name == "redis":
            res["mem_full"] = info_field(cl, "used_memory")
        else:
            res["settle_s"] = settle(srv, cl, a.settle)
            log("    background flush/compaction done after %.1f s" % res["settle_s"])

        log("  %s: point reads, big vs small (c)" % name)
        rng = random.Random(rngseed)
        res["point"]["PING"] = (cl.latency([enc("PING")] * ops, budget), None, False)
        for label, bigp, smallp, is_info in point_tests(typ, n, rng, ops):
            b, s = cl.latency_pair(bigp, smallp, budget if is_info else 2 * budget)
            res["point"][label] = (b, s, is_info)
            log("    %-36s big %8.1f us (%d ops)  small %8.1f us" % (label, b["mean"], b["n"], s["mean"]))

        if typ in ("list", "zset"):
            log("  %s: %d pops, then pops and ranges on what is left (d)" % (name, n))
            res["drain"], res["drain_s"] = drain_tests(cl, typ, n, k_left, ops, budget)
            log("    drained in %.1f s" % res["drain_s"])
            cl.ok("DEL", keyname(typ, 5), keyname(typ, 7))
            if name == "strata":
                settle(srv, cl, a.settle)

        # Before and after differ by the deletions only.
        log("  %s: neighbours before deletion (d)" % name)
        res["nb_before"] = neighbour_reads(cl, typ, random.Random(rngseed + 1), ops, budget)

        log("  %s: deletions (a)" % name)
        res["del"] = deletions(cl, typ, res)
        log("    " + ", ".join("%s %.2f ms" % kv for kv in res["del"].items()))

        # The deleted DEL key's name, recreated small: its elements sort
        # right after the dead ones.
        fill(cl, typ, keyname(typ, 1), 0, SMALL)
        res["nb_after"] = neighbour_reads(cl, typ, random.Random(rngseed + 1), ops, budget,
                                          extra_keys=(keyname(typ, 1),))
        if name == "redis":
            time.sleep(0.2)  # UNLINK's background free
            res["mem_after"] = info_field(cl, "used_memory")
    finally:
        cl.close()
    return res


def inspect(inspect_bin, datadir):
    """strata-inspect --compact --count; returns ({(phase, cf): (sst, est, exact)}, text)."""
    p = subprocess.run([inspect_bin, datadir, "--compact", "--count"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True, timeout=1800)
    if p.returncode != 0:
        raise CheckFailed("strata-inspect exit %d:\n%s" % (p.returncode, p.stdout))
    figs = {}
    for line in p.stdout.splitlines():
        w = line.split()
        if len(w) == 7 and w[0] == "cf" and w[1] in ("before", "after", "now"):
            figs[(w[1], w[2])] = (int(w[3]), int(w[4]), int(w[6]))
    m = re.search(r"dropped (\d+) dead elements", p.stdout)
    t = re.search(r"compacted every column family in ([\d.]+) s", p.stdout)
    return figs, (int(m.group(1)) if m else None), (float(t.group(1)) if t else None)


# ------------------------------------------------------------------ output

def table(head, rows, title=None):
    if title:
        print()
        print(title)
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "  ".join(str(v).ljust(w[i]) if i < 2 or i == len(r) - 1 and not head[i]
                              else str(v).rjust(w[i]) for i, v in enumerate(r)).rstrip()
    print(fmt(head))
    print("  ".join("-" * x for x in w))
    for r in rows:
        print(fmt(r))


def us(st):
    if st is None:
        return "-"
    if st.get("unit") == "ms":
        return "%.1f" % st["mean"]
    return "%.1f" % st["mean"] if st["mean"] < 1000 else "%.0f" % st["mean"]


def ratio(a, b):
    return "%.2f" % (a["mean"] / b["mean"]) if a and b and b["mean"] > 0 else "-"


def human_bytes(b):
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= div:
            return "%.1f %s" % (b / div, unit)
    return "%d B" % b


def report(results, a):
    types = [t for t in a.types if t in results]
    print()
    print("strata vs redis-server, compound keys of %d elements (%s)"
          % (a.elements, ", ".join(types)))
    print("latencies: one connection, no pipelining, client cost included (see PING)")

    # Fill.
    rows = []
    for t in types:
        for name in ("redis", "strata"):
            f = results[t][name]["fill"]
            rows.append((t, name, "%.1f" % f["native_s"], "%.0f" % (a.elements / f["native_s"]),
                         "%.1f" % f["copy_s"] if "copy_s" in f else "-",
                         "%d COPY, %d filled" % (f["copies"], f["refill"])))
    table(("type", "server", "fill s", "elements/s", "COPY s", "other big keys"), rows,
          "fill (one big key with the type's command, 1000 per command, 8 in flight)")

    # a.
    rows = []
    for t in types:
        r, s = results[t]["redis"]["del"], results[t]["strata"]["del"]
        for op in r:
            ok = "ok" if s[op] < DELETE_LIMIT_MS else "SLOW"
            rows.append((t, op, "%.2f" % r[op], "%.2f" % s[op], ok))
    table(("type", "command", "redis ms", "strata ms", "strata < %.0f ms" % DELETE_LIMIT_MS), rows,
          "a. deleting a %d-element key (one command's latency)" % a.elements)

    # b.
    rows = []
    for t in types:
        s = results[t]["strata"]
        figs = s.get("inspect") or {}
        for cf in ("sub", "zscore"):
            b, af = figs.get(("before", cf)), figs.get(("after", cf))
            if not b or not af:
                continue
            rows.append((t, cf, human_bytes(b[0]), b[2], human_bytes(af[0]), af[2], ""))
        note = "filter dropped %s in %s s" % (s.get("dropped", "?"), s.get("compact_s", "?"))
        for cf in ("sub", "zscore") if t == "zset" else ("sub",):
            if figs.get(("before", cf), (0, 0, 0))[2] < a.elements:
                note += "; %s: the server's own compactions had dropped them" % cf
        rows.append((t, "", "", "", "", "", note))
    table(("type", "cf", "SST before", "keys before", "SST after", "keys after", ""), rows,
          "b. strata's element CFs after those deletions, before/after strata-inspect --compact"
          " (keys: exact count)")
    for t in types:
        r = results[t]["redis"]
        if r.get("mem_full") and r.get("mem_after"):
            print("   redis %s: used_memory %s with the big keys, %s after the deletions"
                  % (t, human_bytes(int(r["mem_full"])), human_bytes(int(r["mem_after"]))))

    # c.
    rows = []
    for t in types:
        rp, sp = results[t]["redis"]["point"], results[t]["strata"]["point"]
        for label in rp:
            rb, rs, info = rp[label]
            sb, ss, _ = sp[label]
            name = label + (" [O(N)]" if info else "")
            if rs is None:
                rows.append((t, name, us(rb), "", us(sb), "", "", "%.0f" % sb["p99"], sb["n"]))
            else:
                rows.append((t, name, us(rb), us(rs), us(sb), us(ss), ratio(sb, ss),
                             "%.0f" % sb["p99"], sb["n"]))
    table(("type", "command", "redis big", "redis small", "strata big", "strata small",
           "strata big/small", "strata p99 big", "strata ops"), rows,
          "c. point reads, us per command: %d-element key (big) vs %d-element key (small)"
          % (a.elements, SMALL))
    if any(info for t in types for (_, _, info) in results[t]["strata"]["point"].values()):
        print("   [O(N)]: for information; strata walks its score index from the nearer end"
              " (t_zset.c), Redis has ranks in its skiplist")

    # d: pops.
    rows = []
    for t in types:
        rd, sd = results[t]["redis"]["drain"], results[t]["strata"]["drain"]
        for label in rd:
            ra, rf = rd[label]
            sa, sf = sd[label]
            rows.append((t, label, us(rf), us(ra), us(sf), us(sa), ratio(sa, sf), sa["n"]))
        if rd:
            rows.append((t, "(drain of %d, s)" % a.elements, "", "%.1f" % results[t]["redis"]["drain_s"],
                         "", "%.1f" % results[t]["strata"]["drain_s"], "", ""))
    if rows:
        table(("type", "command", "redis fresh", "redis after", "strata fresh", "strata after",
               "strata after/fresh", "ops"), rows,
              "d. after %d pops (popped 1000 at a time) vs a fresh key of the same length, us"
              % a.elements)

    # d: neighbours.
    rows = []
    for t in types:
        rb, ra = results[t]["redis"]["nb_before"], results[t]["redis"]["nb_after"]
        sb, sa = results[t]["strata"]["nb_before"], results[t]["strata"]["nb_after"]
        for label in sa:
            rows.append((t, label.replace("cb:%s:1" % t, "cb:%s:1 (recreated)" % t),
                         us(rb.get(label)), us(ra.get(label)), us(sb.get(label)), us(sa.get(label)),
                         ratio(sa.get(label), sb.get(label) or sb.get("%s %s" % (
                             read_all_cmd(t, keyname(t, 0))[0], keyname(t, 0))))))
    table(("type", "read", "redis before", "redis after", "strata before", "strata after",
           "strata after/before"), rows,
          "d. reads next to the big keys before and right after they were deleted"
          " (us; SCAN: ms per pass)")


# -------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(
        description="Huge compound keys on strata and redis-server (see top of file).")
    ap.add_argument("--elements", type=int, default=None, help="elements per big key (default 1000000)")
    ap.add_argument("--quick", action="store_true", help="100000 elements, --ops 5000")
    ap.add_argument("--types", default=",".join(TYPES), help="comma-separated subset of %s" % ",".join(TYPES))
    ap.add_argument("--ops", type=int, default=None, help="commands per latency figure (default 20000)")
    ap.add_argument("--budget", type=float, default=2.0,
                    help="seconds allowed per latency figure (default 2)")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"))
    ap.add_argument("--inspect", default=None, help="strata-inspect (default: next to --strata)")
    ap.add_argument("--seed", type=int, default=1, help="random seed of the read keys")
    ap.add_argument("--settle", type=float, default=120,
                    help="seconds to wait at most for strata's compactions after the fill "
                         "(default 120; 0: do not wait)")
    ap.add_argument("--pin", action="store_true",
                    help="pin the servers to the first usable core and this client to the second")
    a = ap.parse_args()
    a.elements = a.elements or (100000 if a.quick else 1000000)
    a.ops = a.ops or (5000 if a.quick else 20000)
    a.types = [t.strip() for t in a.types.split(",") if t.strip()]
    bad = [t for t in a.types if t not in TYPES]
    if bad or not a.types:
        ap.error("--types takes a subset of %s" % ",".join(TYPES))
    if a.elements < 2 * BATCH or a.ops < 1 or a.budget <= 0:
        ap.error("--elements must be >= %d, --ops and --budget positive" % (2 * BATCH))
    strata_bin = os.path.abspath(a.strata)
    inspect_bin = os.path.abspath(a.inspect or os.path.join(os.path.dirname(strata_bin), "strata-inspect"))
    for b in (strata_bin, inspect_bin):
        if not os.access(b, os.X_OK):
            log("bench_compound: %s is not an executable; build with: bash tools/build.sh release" % b)
            return 2
    if not shutil.which("redis-server"):
        log("bench_compound: redis-server not found")
        return 2

    pin_srv = []
    if a.pin:
        cores = sorted(os.sched_getaffinity(0))
        if len(cores) >= 2 and shutil.which("taskset"):
            pin_srv = ["taskset", "-c", str(cores[0])]
            os.sched_setaffinity(0, {cores[1]})
        else:
            log("bench_compound: --pin needs 2 cores and taskset; not pinned")

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    tmp = tempfile.mkdtemp(prefix="strata-bench-compound-")
    running = []
    results = {}
    status = 0
    t_start = time.monotonic()
    try:
        for typ in a.types:
            log("%s (%d elements)" % (typ, a.elements))
            _bodies.clear()
            results[typ] = {}
            for name in ("redis", "strata"):
                d = os.path.join(tmp, "%s-%s" % (name, typ))
                if name == "redis":
                    argv = lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no", "--dir", d,
                                            "--daemonize", "no", "--logfile", ""]
                else:
                    argv = lambda port, d: [strata_bin, "--port", str(port), "--dir", d,
                                            "--bind", "127.0.0.1"]
                srv = Server(name, argv, d, pin_srv)
                try:
                    srv.start()
                except RuntimeError as e:
                    log("bench_compound: %s" % e)
                    return 2
                running.append(srv)
                try:
                    res = run_server(name, srv, typ, a, a.seed)
                except (CheckFailed, OSError, ConnectionError) as e:
                    if not srv.alive():
                        log("  %s died: %s\n%s" % (name, srv.dead, srv.log_tail()))
                    log("bench_compound: %s %s: %s" % (name, typ, e))
                    return 1
                srv.stop()
                running.remove(srv)
                if name == "strata":
                    log("  strata: stopped; strata-inspect --compact --count (b)")
                    figs, dropped, secs = inspect(inspect_bin, d)
                    res["inspect"], res["dropped"], res["compact_s"] = figs, dropped, secs
                    for cf in ("sub", "zscore"):
                        if ("after", cf) in figs:
                            log("    %s: %d -> %d keys, %s -> %s"
                                % (cf, figs[("before", cf)][2], figs[("after", cf)][2],
                                   human_bytes(figs[("before", cf)][0]),
                                   human_bytes(figs[("after", cf)][0])))
                results[typ][name] = res
                shutil.rmtree(d, ignore_errors=True)
        report(results, a)

        # Checks.
        fails = []
        for t in a.types:
            s = results[t]["strata"]
            for op, ms in s["del"].items():
                if ms >= DELETE_LIMIT_MS:
                    fails.append("%s %s took %.1f ms on strata" % (t, op, ms))
            figs = s.get("inspect", {})
            # What may stay: the small keys (3 of them, 10 elements each).
            left = sum(figs.get(("after", cf), (0, 0, 0))[2] for cf in ("sub", "zscore"))
            if left > 3 * SMALL * 2:
                fails.append("%s: %d elements left in sub+zscore after compaction" % (t, left))
        print()
        print("total time %.0f s" % (time.monotonic() - t_start))
        for f in fails:
            print("CHECK FAILED: " + f)
        if fails:
            status = 1
        return status
    except (KeyboardInterrupt, Interrupted) as e:
        log("\nbench_compound: interrupted (%s); stopping servers" % (str(e) or "SIGINT"))
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in running:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
