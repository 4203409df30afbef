#!/usr/bin/python3
"""Hot tier measurements: strata beside redis-server (the hot-tier issue).

    /usr/bin/python3 tools/bench_tiering.py --quick          # ~1.5 min
    /usr/bin/python3 tools/bench_tiering.py                  # full sizes, ~11 min
    /usr/bin/python3 tools/bench_tiering.py --sections 2,3   # some sections only

Four sections, each printing one compact table (numbers or names work with
--sections: 1 ltm, 2 skew, 3 bytes, 4 restart):

  1. ltm - larger than memory.  strata with maxmemory 64mb allkeys-lru and
     rocksdb-block-cache-size 64mb gets 2 GB (--quick 300 MB) of mixed data:
     strings of 768..1280 bytes (~1 KB) and, every fifth key, a hash of
     10..50 fields (~1.7 KB); pipelined by --workers client processes.
     Then every key is read back (GET / HGETALL) and compared: missing and
     wrong values must be 0.  The server's RSS (/proc/PID/status VmRSS) is
     sampled every 0.5 s throughout (and VmHWM, the kernel's own peak, read
     at the end); the peak is set against the budget maxmemory + block
     cache + memtables (5 column families x rocksdb-write-buffer-size x 2)
     + 50 MB, with INFO's hot tier, block cache and memtable bytes at the
     moment of the peak.
  2. skew - skewed reads.  1 KB strings, ~10x maxmemory (640 MB with
     maxmemory 64mb; --quick 100 MB with 10mb), strata's block cache the
     size of maxmemory (--s2-block-cache).  Three servers get the same keys:
     strata with maxmemory (allkeys-lru), a second strata with maxmemory 0
     (every key resident), redis-server with the same maxmemory and
     allkeys-lru.  Each server's keys are all read once after the load:
     "readable", "lost" (written - read back right) and the time of that
     full, mostly cold, read.  Then Zipf reads (s = 0.99, the YCSB constant;
     ranks scattered over the keys by a fixed permutation; the header shows
     the share of reads on the hottest 10% of keys), the same pre-drawn
     sequence for every server: --conns connections with one GET in flight
     each (closed loop) driven by one epoll loop; --warm seconds unmeasured
     per server, then --measure seconds per server in --rounds turns, the
     servers taking turns (drift on a shared machine hits all alike).
     Latency is from sending a GET to having parsed its reply, so it
     includes this Python client.  Hit ratio: strata's hot_tier_hits /
     (hits + misses), INFO deltas over the measured turns; for redis
     keyspace_hits / (hits + misses), the reads that found their key at
     all.  Servers are pinned to the first core and this process to the
     second while measuring (--no-pin: nothing pinned).
  3. bytes - bytes per resident small string key.  1M keys (--quick 200k),
     16-byte keys, 32-byte values, MSET; strata with maxmemory 0 (all
     resident): hot_tier_bytes/keys, RSS delta per key, and the RSS delta
     less the growth of RocksDB's memtables and block cache; redis-server:
     used_memory delta and RSS delta per key.
  4. restart - restart time with 10M keys on disk (--quick 1M; same keys as
     3, pipelined MSET), strata with maxmemory 64mb allkeys-lru.  kill -9
     right after the load (the WAL RocksDB kept is replayed) and start;
     then a tenth of the keys rewritten (same values), SHUTDOWN and start.
     Each start is timed from spawning the process to the first PONG, and
     to the answer of a GET of a random key (its value is checked); then
     DBSIZE and an MGET of 1000 random keys are checked.  The memtables
     before the stop and the WAL (*.log) and SST bytes on disk at each
     start are shown.

Run time is mostly strata's loads: on the 2-core dev VM section 1 writes
its 2 GB at ~12 MB/s (about 3 minutes; the hashes' HSETs are the slow part)
and section 4 its 10M keys at ~55-70k keys/s (about 3 minutes).
--s1-data 1gb, --s4-keys 3000000 or --sections for a shorter run.

Everything runs in one temporary directory (removed at the end, also on
Ctrl-C/SIGTERM), on free ports, with a copy of the strata binary (a rebuild
of build/ meanwhile does not matter).  The machine may be shared: compare
rows of one run, not absolute figures across runs.

Exit status 0 if every check passed; 1 if one failed (strata lost or
changed a key, RSS peak above the budget, a wrong reply, a restart that
lost keys); 2 on bad usage or a server that would not start.
"""

import argparse
import array
import itertools
import multiprocessing as mp
import os
import random
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Interrupted, RespError, _read_reply, free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1 << 20
SECTIONS = {"1": "ltm", "2": "skew", "3": "bytes", "4": "restart"}
ZIPF_S = 0.99
PERM_MUL = 2654435761  # prime: i -> (i * PERM_MUL + PERM_ADD) % n is a bijection for n < it
PERM_ADD = 12345

# Every value is a slice of one fixed random block chosen by the key's index,
# prefixed with the index: what was written can be recomputed to check reads.
BLOCK = random.Random(20240601).randbytes(1 << 20)
BLOCK_SPAN = len(BLOCK) - 8192


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def enc_list(args):
    return enc(*args)


class CheckFailed(Exception):
    pass


# -------------------------------------------------------------- data sets

def _off(i):
    return (i * PERM_MUL) % BLOCK_SPAN


# "mixed" (section 1): every fifth key a hash, the others ~1 KB strings.
def mixed_is_hash(i):
    return i % 5 == 4


def mixed_key(i):
    return (b"h:%010d" if i % 5 == 4 else b"s:%010d") % i


def mixed_string(i):
    n = 768 + (i * 7919) % 513  # 768..1280 bytes
    o = _off(i)
    return b"%012d|" % i + BLOCK[o:o + n - 13]


def mixed_hash(i):
    """[(field, value)] of hash i: 10..50 fields, values 8..88 bytes."""
    nf = 10 + (i * 31) % 41
    o = _off(i)
    out = []
    for j in range(nf):
        vl = 8 + (i + j * 13) % 81
        p = o + j * 97
        out.append((b"field:%02d" % j, BLOCK[p:p + vl]))
    return out


def mixed_size(i):
    if mixed_is_hash(i):
        return 12 + sum(len(f) + len(v) for f, v in mixed_hash(i))
    return 12 + len(mixed_string(i))


# "str1k" (section 2): 1 KB strings.
STR1K = 1024


def str1k_key(i):
    return b"z:%010d" % i


def str1k_val(i):
    o = _off(i)
    return b"%012d|" % i + BLOCK[o:o + STR1K - 13]


# "small" (sections 3, 4): 16-byte keys, 32-byte values.
def small_key(i):
    return b"k:%014d" % i


def small_val(i):
    o = _off(i)
    return b"v:%014d|" % i + BLOCK[o:o + 15]


MSET_KEYS = 100  # keys per MSET


def load_commands(kind, lo, hi):
    """Yields (RESP bytes, payload bytes) writing keys lo..hi-1: one reply each."""
    if kind == "mixed":
        for i in range(lo, hi):
            if mixed_is_hash(i):
                args = [b"HSET", mixed_key(i)]
                fv = mixed_hash(i)
                for f, v in fv:
                    args += (f, v)
                yield enc_list(args), 12 + sum(len(f) + len(v) for f, v in fv)
            else:
                v = mixed_string(i)
                yield enc(b"SET", mixed_key(i), v), 12 + len(v)
    elif kind == "str1k":
        for i in range(lo, hi):
            yield enc(b"SET", str1k_key(i), str1k_val(i)), 12 + STR1K
    elif kind == "small":
        for b in range(lo, hi, MSET_KEYS):
            args = [b"MSET"]
            for i in range(b, min(hi, b + MSET_KEYS)):
                args += (small_key(i), small_val(i))
            yield enc_list(args), 48 * (len(args) // 2)
    else:
        raise ValueError(kind)


def read_commands(kind, ids):
    """[(RESP bytes, check)] reading keys `ids`; check(reply) -> (good,
    missing, wrong) counts."""
    out = []
    if kind == "mixed":
        for i in ids:
            if mixed_is_hash(i):
                exp = dict(mixed_hash(i))

                def chk(r, exp=exp):
                    if isinstance(r, RespError):
                        raise CheckFailed("HGETALL -> %s" % r)
                    if not r:
                        return 0, 1, 0
                    got = dict(zip(r[0::2], r[1::2]))
                    return (1, 0, 0) if got == exp else (0, 0, 1)
                out.append((enc(b"HGETALL", mixed_key(i)), chk))
            else:
                exp = mixed_string(i)

                def chk(r, exp=exp):
                    if isinstance(r, RespError):
                        raise CheckFailed("GET -> %s" % r)
                    if r is None:
                        return 0, 1, 0
                    return (1, 0, 0) if r == exp else (0, 0, 1)
                out.append((enc(b"GET", mixed_key(i)), chk))
    elif kind in ("str1k",):
        for i in ids:
            exp = str1k_val(i)

            def chk(r, exp=exp):
                if isinstance(r, RespError):
                    raise CheckFailed("GET -> %s" % r)
                if r is None:
                    return 0, 1, 0
                return (1, 0, 0) if r == exp else (0, 0, 1)
            out.append((enc(b"GET", str1k_key(i)), chk))
    elif kind == "small":
        ids = list(ids)
        for b in range(0, len(ids), MSET_KEYS):
            part = ids[b:b + MSET_KEYS]
            exp = [small_val(i) for i in part]

            def chk(r, exp=exp):
                if isinstance(r, RespError) or not isinstance(r, list) or len(r) != len(exp):
                    raise CheckFailed("MGET -> %r" % (r,))
                g = m = w = 0
                for x, e in zip(r, exp):
                    if x is None:
                        m += 1
                    elif x == e:
                        g += 1
                    else:
                        w += 1
                return g, m, w
            out.append((enc_list([b"MGET"] + [small_key(i) for i in part]), chk))
    else:
        raise ValueError(kind)
    return out


# ----------------------------------------------------------------- client

class Client:
    def __init__(self, port, timeout=600.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb", buffering=1 << 20)

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

    def info(self, section=None):
        r = self.ok(*(["INFO"] + ([section] if section else [])))
        d = {}
        for line in r.decode(errors="replace").splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                d[k] = v
        return d


def info_int(d, k, default=0):
    try:
        return int(d.get(k, default))
    except ValueError:
        return int(float(d[k]))


# ------------------------------------------------------- worker processes

PIPE_BYTES = 256 << 10  # bytes of commands sent before reading their replies


def w_load(port, kind, lo, hi):
    """Write keys lo..hi-1 pipelined; returns (errors, first error, payload bytes)."""
    c = Client(port)
    errors, first, payload = 0, None, 0
    buf, size = [], 0

    def flush():
        nonlocal errors, first, buf, size
        c.sock.sendall(b"".join(buf))
        for _ in range(len(buf)):
            line = c.f.readline()
            if not line.endswith(b"\r\n"):
                raise ConnectionError("connection closed during load")
            if line[:1] == b"-":
                errors += 1
                first = first or line.decode(errors="replace").strip()
        buf, size = [], 0

    for cmd, n in load_commands(kind, lo, hi):
        buf.append(cmd)
        size += len(cmd)
        payload += n
        if size >= PIPE_BYTES:
            flush()
    if buf:
        flush()
    c.close()
    return errors, first, payload


def w_verify(port, kind, ids, chunk=128):
    """Read keys `ids` back pipelined; returns [good, missing, wrong]."""
    c = Client(port)
    tot = [0, 0, 0]
    ids = list(ids)
    step = chunk * (MSET_KEYS if kind == "small" else 1)
    for b in range(0, len(ids), step):
        cmds = read_commands(kind, ids[b:b + step])
        c.sock.sendall(b"".join(p for p, _ in cmds))
        for _, chk in cmds:
            g, m, w = chk(_read_reply(c.f))
            tot[0] += g
            tot[1] += m
            tot[2] += w
    c.close()
    return tot


_children = []


def _worker_main(fn, args, q):
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        q.put(("ok", fn(*args)))
    except BaseException as e:  # reported to the parent
        q.put(("err", "%s: %s" % (type(e).__name__, e)))


def parallel(fn, arglist):
    """Run fn(*args) for each args in its own process; returns the results."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    procs = [ctx.Process(target=_worker_main, args=(fn, a, q), daemon=True) for a in arglist]
    for p in procs:
        p.start()
        _children.append(p)
    out = []
    try:
        for _ in procs:
            st, r = q.get()
            if st != "ok":
                raise CheckFailed("worker failed: %s" % r)
            out.append(r)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()
            _children.remove(p)
    return out


def split(lo, hi, parts, align=1):
    step = max(align, -(-(hi - lo) // parts // align) * align)
    return [(a, min(hi, a + step)) for a in range(lo, hi, step)]


def load(port, kind, n, workers):
    """Write keys 0..n-1 of `kind`; returns (seconds, payload bytes)."""
    t0 = time.monotonic()
    res = parallel(w_load, [(port, kind, a, b) for a, b in split(0, n, workers, MSET_KEYS)])
    el = time.monotonic() - t0
    errs = sum(r[0] for r in res)
    if errs:
        first = next(r[1] for r in res if r[1])
        raise CheckFailed("%d write(s) refused during the load, first: %s" % (errs, first))
    return el, sum(r[2] for r in res)


def verify(port, kind, n, workers):
    """Read keys 0..n-1 back; returns (seconds, good, missing, wrong)."""
    t0 = time.monotonic()
    res = parallel(w_verify, [(port, kind, range(a, b)) for a, b in split(0, n, workers)])
    el = time.monotonic() - t0
    return (el,) + tuple(sum(r[k] for r in res) for k in range(3))


# ----------------------------------------------------------------- servers

class Srv:
    """One server process on a fixed port and data dir; can be restarted."""

    def __init__(self, kind, argv, workdir, pin=None):
        self.kind, self.workdir = kind, workdir
        self.port = free_port()
        self.argv = (pin or []) + argv(self.port, workdir)
        self.logpath = workdir + ".log"
        self.proc = None
        self._cl = None
        os.makedirs(workdir, exist_ok=True)

    @property
    def pid(self):
        return self.proc.pid

    def spawn(self):
        logf = open(self.logpath, "ab")
        try:
            self.proc = subprocess.Popen(self.argv, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            logf.close()
        self._cl = None
        return time.perf_counter()

    def wait_pong(self, t_spawn, timeout=60.0, poll=0.002):
        """Seconds from t_spawn until a PING gets PONG; other replies
        (LOADING...) are waited through."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with status %s at start\n%s"
                                   % (self.kind, self.proc.returncode, self.log_tail()))
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    r = s.recv(64)
                    if r.startswith(b"+PONG"):
                        return time.perf_counter() - t_spawn
            except OSError:
                pass
            time.sleep(poll)
        raise RuntimeError("%s did not answer PING within %.0fs\n%s"
                           % (self.kind, timeout, self.log_tail()))

    def start(self, timeout=60.0):
        return self.wait_pong(self.spawn(), timeout)

    @property
    def cl(self):
        if self._cl is None:
            self._cl = Client(self.port)
        return self._cl

    def info(self, section=None):
        return self.cl.info(section)

    def proc_status(self):
        """(VmRSS, VmHWM) in bytes."""
        rss = hwm = 0
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
        return rss, hwm

    def rss(self):
        return self.proc_status()[0]

    def log_tail(self, n=15):
        try:
            with open(self.logpath, errors="replace") as f:
                return "".join("    | " + l for l in f.readlines()[-n:])
        except OSError:
            return ""

    def _drop_client(self):
        if self._cl:
            self._cl.close()
            self._cl = None

    def shutdown(self, timeout=300.0):
        """SHUTDOWN (redis: NOSAVE); returns seconds until the process exited."""
        self._drop_client()
        t0 = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
                s.sendall(enc(*(["SHUTDOWN", "NOSAVE"] if self.kind == "redis" else ["SHUTDOWN"])))
                try:
                    s.recv(64)
                except OSError:
                    pass
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("%s did not exit within %.0fs of SHUTDOWN" % (self.kind, timeout))
        return time.perf_counter() - t0

    def kill9(self):
        self._drop_client()
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        """Cleanup: whatever state it is in."""
        self._drop_client()
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            self.shutdown(timeout=20)
        except (RuntimeError, OSError):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


# ------------------------------------------------------------------ helpers

def fmt_mb(b):
    return "%.1f" % (b / MB)


def fmt_int(n):
    return "{:,}".format(int(n))


def fmt_s(s):
    return "%.2f" % s if s < 10 else "%.1f" % s


def table(head, rows, indent="  "):
    rows = [[str(x) for x in r] for r in rows]
    w = [max(len(str(r[i])) for r in [head] + rows) for i in range(len(head))]
    line = lambda r: indent + "  ".join(str(v).ljust(w[i]) if i == 0 else str(v).rjust(w[i])
                                        for i, v in enumerate(r))
    print(line(head))
    print(indent + "  ".join("-" * x for x in w))
    for r in rows:
        print(line(r))


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    return sorted_vals[min(len(sorted_vals) - 1, int(len(sorted_vals) * p))]


def rocksdb_cpu(pid):
    """CPU seconds used so far by the RocksDB threads of pid (None if unknown)."""
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
            tot += int(w[11]) + int(w[12])
        except (OSError, IndexError, ValueError):
            pass
    return tot / os.sysconf("SC_CLK_TCK")


def proc_cpu(pid):
    """CPU seconds (user + system) used so far by process pid."""
    with open("/proc/%d/stat" % pid) as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / os.sysconf("SC_CLK_TCK")


def settle(srv, limit):
    """Wait (at most `limit` s) until strata's RocksDB threads were idle for
    a second (flushes and compactions after a load would compete with the
    measured reads). A small write first: RocksDB schedules the flush of a
    full memtable at the next write. Returns the seconds waited."""
    srv.cl.ok("SET", "tiering:settle", "x")
    t0 = time.monotonic()
    prev = rocksdb_cpu(srv.pid)
    quiet = 0
    while prev is not None and time.monotonic() - t0 < limit:
        time.sleep(0.5)
        cur = rocksdb_cpu(srv.pid)
        if cur is None:
            break
        quiet = quiet + 1 if cur - prev < 0.02 else 0
        prev = cur
        if quiet >= 2:
            break
    srv.cl.ok("DEL", "tiering:settle")
    return time.monotonic() - t0


def dir_bytes(path, suffix=None):
    tot = 0
    for dp, _, fs in os.walk(path):
        for f in fs:
            if suffix is None or f.endswith(suffix):
                try:
                    tot += os.path.getsize(os.path.join(dp, f))
                except OSError:
                    pass
    return tot


class Sampler:
    """VmRSS every `period` s in one thread; INFO memory every `period` s in
    another (a busy server may answer INFO late, which must not delay the
    RSS samples)."""

    FIELDS = ("hot_tier_bytes", "hot_tier_keys", "rocksdb_block_cache_usage", "rocksdb_memtables")

    def __init__(self, srv, period=0.5):
        self.srv, self.period = srv, period
        self.stop_ev = threading.Event()
        self.rss = []   # (t, bytes)
        self.info = []  # (t, {field: int})
        self.threads = [threading.Thread(target=self._rss, daemon=True),
                        threading.Thread(target=self._info, daemon=True)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_ev.set()
        for t in self.threads:
            t.join()

    def _rss(self):
        while True:
            try:
                self.rss.append((time.monotonic(), self.srv.rss()))
            except (OSError, ValueError):
                pass
            if self.stop_ev.wait(self.period):
                return

    def _info(self):
        try:
            c = Client(self.srv.port, timeout=30)
        except OSError:
            return
        try:
            while True:
                try:
                    d = c.info("memory")
                    self.info.append((time.monotonic(), {k: info_int(d, k) for k in self.FIELDS}))
                except (OSError, CheckFailed, ValueError):
                    return
                if self.stop_ev.wait(self.period):
                    return
        finally:
            c.close()

    def peak(self):
        """(peak RSS, time, INFO sample nearest to it)."""
        if not self.rss:
            return 0, 0, {}
        t, b = max(self.rss, key=lambda x: x[1])
        near = min(self.info, key=lambda x: abs(x[0] - t))[1] if self.info else {}
        return b, t, near

    def max_of(self, field):
        return max((d[field] for _, d in self.info), default=0)


# ------------------------------------------------------------- Zipf reads

class Zipf:
    """Ranks 0..n-1 with P(rank r) ~ 1/(r+1)^s (inverse CDF on cumulative
    weights), each rank mapped to a key index by a fixed permutation so the
    hot keys are scattered over the write order."""

    def __init__(self, n, s=ZIPF_S, seed=1):
        self.n = n
        self.cum = list(itertools.accumulate(1.0 / (r + 1) ** s for r in range(n)))
        self.rng = random.Random(seed)
        self.ranks = range(n)

    def top_share(self, frac=0.10):
        return self.cum[max(0, int(self.n * frac) - 1)] / self.cum[-1]

    def key_of_rank(self, r):
        return (r * PERM_MUL + PERM_ADD) % self.n

    def samples(self, k):
        n = self.n
        return [(r * PERM_MUL + PERM_ADD) % n
                for r in self.rng.choices(self.ranks, cum_weights=self.cum, k=k)]

    def pool(self, k):
        """k samples drawn once; every driver cycles through the same ones
        (drawing in the measured loop would stall it), so each server gets
        the same sequence of reads."""
        if getattr(self, "_pool", None) is None or len(self._pool) != k:
            self._pool = self.samples(k)
        return self._pool


class ZipfDriver:
    """`conns` connections, each with one GET in flight (closed loop), all
    driven by one epoll loop. Latency: from the request's send to its whole
    reply being parsed here."""

    def __init__(self, port, zipf, conns, key_fn, pool, check_prefix=True):
        self.key_fn, self.check_prefix = key_fn, check_prefix
        self.pool = zipf.pool(pool)
        self.pos = 0
        self.ep = select.epoll()
        self.conns = {}
        for _ in range(conns):
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.setblocking(False)
            self.conns[s.fileno()] = {"sock": s, "buf": bytearray(), "t0": 0.0, "id": -1}
            self.ep.register(s.fileno(), select.EPOLLIN)
        self.outstanding = 0

    def close(self):
        self.ep.close()
        for c in self.conns.values():
            c["sock"].close()

    def _send(self, c):
        i = self.pool[self.pos]
        self.pos += 1
        if self.pos == len(self.pool):
            self.pos = 0
        k = self.key_fn(i)
        c["id"] = i
        c["t0"] = time.perf_counter()
        c["sock"].sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k))
        self.outstanding += 1

    def run(self, seconds, record=True):
        """Returns dict ops, seconds, lat (array of s), nil, wrong, errors."""
        lat = array.array("d")
        ops = nil = wrong = errors = 0
        pc = time.perf_counter
        for c in self.conns.values():
            if c["id"] < 0:
                self._send(c)
        t_start = pc()
        deadline = t_start + seconds
        sending = True
        while self.outstanding:
            if sending and pc() >= deadline:
                sending = False
            for fd, _ in self.ep.poll(0.2):
                c = self.conns[fd]
                data = c["sock"].recv(1 << 18)
                if not data:
                    raise ConnectionError("server closed a connection")
                b = c["buf"]
                b += data
                e = b.find(b"\r\n")
                if e < 0:
                    continue
                t = b[0]
                if t == 36:  # '$'
                    n = int(b[1:e])
                    total = e + 2 if n < 0 else e + 4 + n
                    if len(b) < total:
                        continue
                    if n < 0:
                        nil += 1
                    elif self.check_prefix and b[e + 2:e + 15] != b"%012d|" % c["id"]:
                        wrong += 1
                else:
                    total = e + 2
                    errors += 1
                t1 = pc()
                ops += 1
                if record:
                    lat.append(t1 - c["t0"])
                del b[:total]
                self.outstanding -= 1
                c["id"] = -1
                if sending:
                    self._send(c)
        el = pc() - t_start
        return {"ops": ops, "seconds": el, "lat": lat, "nil": nil, "wrong": wrong, "errors": errors}


class ZipfRun:
    """One server's Zipf reads, measured in slices (the servers take turns,
    so drift on a shared machine hits them alike); INFO deltas are summed
    over the measured slices only."""

    COUNTERS = ("hot_tier_hits", "hot_tier_misses", "cold_reads", "evicted_keys",
                "keyspace_hits", "keyspace_misses")

    def __init__(self, srv, label, zipf, a, key_fn):
        self.srv, self.label = srv, label
        self.drv = ZipfDriver(srv.port, zipf, a.conns, key_fn, a.pool)
        self.lat = array.array("d")
        self.ops = self.nil = self.wrong = self.errors = 0
        self.secs = 0.0
        self.slices = []  # ops/s of each slice
        self.delta = dict.fromkeys(self.COUNTERS, 0)

    def warm(self, seconds):
        self.drv.run(seconds, record=False)

    def measure(self, seconds):
        i0 = self.srv.info()
        r = self.drv.run(seconds, record=True)
        i1 = self.srv.info()
        for k in self.COUNTERS:
            self.delta[k] += info_int(i1, k) - info_int(i0, k)
        self.lat.extend(r["lat"])
        self.ops += r["ops"]
        self.secs += r["seconds"]
        self.nil += r["nil"]
        self.wrong += r["wrong"]
        self.errors += r["errors"]
        self.slices.append(r["ops"] / r["seconds"])
        self.last_info = i1

    def close(self):
        self.drv.close()

    def row(self):
        d = self.delta
        lat = sorted(self.lat)
        if self.srv.kind == "strata":
            h, m = d["hot_tier_hits"], d["hot_tier_misses"]
            resident = info_int(self.last_info, "hot_tier_keys")
            cold = d["cold_reads"]
        else:
            h, m = d["keyspace_hits"], d["keyspace_misses"]
            resident = info_int({"x": self.srv.cl.ok("DBSIZE")}, "x")
            cold = None
        return {"label": self.label, "ops": self.ops, "ops_s": self.ops / self.secs,
                "slices": self.slices,
                "p50": percentile(lat, 0.50) * 1e6, "p99": percentile(lat, 0.99) * 1e6,
                "p999": percentile(lat, 0.999) * 1e6, "nil": self.nil, "wrong": self.wrong,
                "errors": self.errors, "hit": h / (h + m) if h + m else float("nan"),
                "cold": cold, "evicted": d["evicted_keys"], "resident": resident}


# ------------------------------------------------------------------ sections

class Ctx:
    def __init__(self, a, tmp, strata_bin, pin_srv, pin_client):
        self.a, self.tmp, self.strata_bin = a, tmp, strata_bin
        self.pin_srv, self.pin_client = pin_srv, pin_client
        self.servers = []
        self.failures = []

    def strata(self, name, opts, pin=False):
        s = Srv("strata", lambda port, d: [self.strata_bin, "--port", str(port), "--bind", "127.0.0.1",
                                           "--dir", d] + [str(x) for x in opts],
                os.path.join(self.tmp, name), self.pin_srv if pin else None)
        self.servers.append(s)
        return s

    def redis(self, name, opts, pin=False):
        s = Srv("redis", lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "no", "--dir", d,
                                          "--daemonize", "no", "--logfile", ""] + [str(x) for x in opts],
                os.path.join(self.tmp, name), self.pin_srv if pin else None)
        self.servers.append(s)
        return s

    def done(self, s):
        s.stop()
        shutil.rmtree(s.workdir, ignore_errors=True)
        self.servers.remove(s)

    def fail(self, msg):
        self.failures.append(msg)
        print("  CHECK FAILED: " + msg)


def parse_size(txt):
    t = txt.strip().lower()
    for suf, mul in (("gb", 1 << 30), ("mb", 1 << 20), ("kb", 1 << 10), ("g", 10 ** 9),
                     ("m", 10 ** 6), ("k", 10 ** 3), ("b", 1)):
        if t.endswith(suf):
            return int(float(t[:-len(suf)]) * mul)
    return int(t)


def section_ltm(cx):
    a = cx.a
    total = parse_size(a.s1_data)
    mm, bc = parse_size(a.s1_maxmemory), parse_size(a.s1_block_cache)
    avg = statistics.fmean(mixed_size(i) for i in range(100000))
    n = int(total / avg)
    print("\n== 1. larger than memory: %s MB of mixed data (%s keys, every 5th a hash of 10-50 "
          "fields), maxmemory %s allkeys-lru, block cache %s"
          % (fmt_mb(total), fmt_int(n), a.s1_maxmemory, a.s1_block_cache))
    sys.stdout.flush()
    s = cx.strata("ltm", ["--maxmemory", a.s1_maxmemory, "--maxmemory-policy", "allkeys-lru",
                          "--rocksdb-block-cache-size", a.s1_block_cache])
    s.start()
    wb = parse_size(s.cl.ok("CONFIG", "GET", "rocksdb-write-buffer-size")[1].decode())
    memtables = 5 * wb * 2
    budget = mm + bc + memtables + 50 * MB
    rss0 = s.rss()
    with Sampler(s) as smp:
        log("  [1] loading %s keys with %d workers" % (fmt_int(n), a.workers))
        t_load, payload = load(s.port, "mixed", n, a.workers)
        log("  [1] loaded %.0f MB in %.1f s; reading every key back" % (payload / MB, t_load))
        i_mid = s.info()
        t_read, good, missing, wrong = verify(s.port, "mixed", n, a.workers)
        log("  [1] read back in %.1f s" % t_read)
        time.sleep(1.0)
    cpu0 = proc_cpu(s.pid)
    time.sleep(2.0)
    idle_cpu = (proc_cpu(s.pid) - cpu0) / 2.0
    rss_end, hwm = s.proc_status()
    inf = s.info()
    peak, t_peak, at = smp.peak()
    dbsize = info_int({"x": s.cl.ok("DBSIZE")}, "x")
    hot_peak = smp.max_of("hot_tier_bytes")
    rows = [
        ("keys written / DBSIZE", "%s / %s" % (fmt_int(n), fmt_int(dbsize))),
        ("payload written (MB)", fmt_mb(payload)),
        ("load: s, MB/s", "%s, %.1f" % (fmt_s(t_load), payload / MB / t_load)),
        ("read back: s, keys/s", "%s, %s" % (fmt_s(t_read), fmt_int(n / t_read))),
        ("read back: good / missing / wrong", "%s / %d / %d" % (fmt_int(good), missing, wrong)),
        ("evicted_keys (load, total)", "%s, %s" % (fmt_int(info_int(i_mid, "evicted_keys")),
                                                    fmt_int(info_int(inf, "evicted_keys")))),
        ("cold_reads during read back", fmt_int(info_int(inf, "cold_reads") - info_int(i_mid, "cold_reads"))),
        ("hot tier at end: keys, MB", "%s, %s" % (fmt_int(info_int(inf, "hot_tier_keys")),
                                                  fmt_mb(info_int(inf, "hot_tier_bytes")))),
        ("hot_tier_bytes peak (MB) / maxmemory", "%s / %s" % (fmt_mb(hot_peak), fmt_mb(mm))),
        ("block cache peak (MB) / capacity", "%s / %s" % (fmt_mb(smp.max_of("rocksdb_block_cache_usage")),
                                                         fmt_mb(bc))),
        ("memtables peak (MB) / 5 CF x %s x 2" % fmt_mb(wb).rstrip("0").rstrip("."),
         "%s / %s" % (fmt_mb(smp.max_of("rocksdb_memtables")), fmt_mb(memtables))),
        ("SST on disk (MB), WAL files on disk (MB)", "%s, %s" % (fmt_mb(info_int(inf, "rocksdb_sst_bytes")),
                                                                fmt_mb(dir_bytes(s.workdir, ".log")))),
        ("RSS at start (MB)", fmt_mb(rss0)),
        ("RSS peak sampled (MB) [%d samples]" % len(smp.rss), fmt_mb(peak)),
        ("  at peak: hot tier + block cache + memtables (MB)",
         "%s + %s + %s" % (fmt_mb(at.get("hot_tier_bytes", 0)), fmt_mb(at.get("rocksdb_block_cache_usage", 0)),
                           fmt_mb(at.get("rocksdb_memtables", 0)))),
        ("  at peak: RSS - those three (MB)",
         fmt_mb(peak - at.get("hot_tier_bytes", 0) - at.get("rocksdb_block_cache_usage", 0)
                - at.get("rocksdb_memtables", 0)) if at else "-"),
        ("RSS peak VmHWM (MB)", fmt_mb(hwm)),
        ("RSS at end (MB)", fmt_mb(rss_end)),
        ("server CPU while idle, 2 s after the read back", "%.1f%%" % (100 * idle_cpu)),
        ("budget (MB): maxmemory + cache + memtables + 50", "%s = %s + %s + %s + 50"
         % (fmt_mb(budget), fmt_mb(mm), fmt_mb(bc), fmt_mb(memtables))),
        ("peak / budget", "%.2f" % (max(peak, hwm) / budget)),
    ]
    table(("measure", "value"), rows)
    if missing or wrong or good != n:
        cx.fail("larger than memory: %d missing, %d wrong of %d keys" % (missing, wrong, n))
    if dbsize != n:
        cx.fail("larger than memory: DBSIZE %d, %d keys written" % (dbsize, n))
    if max(peak, hwm) > budget:
        cx.fail("larger than memory: RSS peak %s MB above the budget %s MB"
                % (fmt_mb(max(peak, hwm)), fmt_mb(budget)))
    if hot_peak > mm * 1.05:
        cx.fail("larger than memory: hot_tier_bytes peaked at %s MB, maxmemory %s MB"
                % (fmt_mb(hot_peak), fmt_mb(mm)))
    cx.done(s)


def section_skew(cx):
    a = cx.a
    total = parse_size(a.s2_data)
    mm = a.s2_maxmemory
    bc = a.s2_block_cache or mm
    n = total // (12 + STR1K)
    zipf = Zipf(n, ZIPF_S, seed=a.seed)
    print("\n== 2. skewed reads: %s keys of 1 KB (%s MB), maxmemory %s, strata block cache %s; "
          "Zipf s=%.2f: hottest 10%% of keys get %.1f%% of reads, hottest 1%% %.1f%%"
          % (fmt_int(n), fmt_mb(n * (12 + STR1K)), mm, bc, ZIPF_S, 100 * zipf.top_share(0.10),
             100 * zipf.top_share(0.01)))
    print("   GET by %d connections, 1 in flight each; per server %.0f s warm-up, then %d rounds "
          "of %.1f s measured, servers in turn; %s"
          % (a.conns, a.warm, a.rounds, a.measure / a.rounds, cx.pin_note))
    sys.stdout.flush()

    def load_and_scan(srv, label):
        log("  [2] %s: loading %s keys" % (label, fmt_int(n)))
        t_load, _ = load(srv.port, "str1k", n, a.workers)
        if srv.kind == "strata":
            log("  [2] %s: settling (RocksDB flushes/compactions)" % label)
            settle(srv, a.settle)
        dbsize = info_int({"x": srv.cl.ok("DBSIZE")}, "x")
        log("  [2] %s: reading every key once" % label)
        t_scan, good, missing, wrong = verify(srv.port, "str1k", n, a.workers)
        return {"load_s": t_load, "dbsize": dbsize, "scan_s": t_scan, "good": good,
                "missing": missing, "scan_wrong": wrong}

    servers = [
        ("strata maxmemory %s" % mm,
         cx.strata("skew", ["--maxmemory", mm, "--maxmemory-policy", "allkeys-lru",
                            "--rocksdb-block-cache-size", bc], pin=True)),
        ("strata maxmemory 0 (resident)",
         cx.strata("skew-resident", ["--maxmemory", "0", "--rocksdb-block-cache-size", bc], pin=True)),
        ("redis maxmemory %s lru" % mm,
         cx.redis("skew-redis", ["--maxmemory", mm, "--maxmemory-policy", "allkeys-lru"], pin=True)),
    ]
    pre = {}
    for label, srv in servers:
        srv.start()
        pre[label] = load_and_scan(srv, label)
    res_keys = info_int(servers[1][1].info("memory"), "hot_tier_keys")
    log("  [2] resident strata holds %s keys in its hot tier; drawing %s Zipf samples"
        % (fmt_int(res_keys), fmt_int(a.pool)))
    zipf.pool(a.pool)
    old_aff = os.sched_getaffinity(0)
    runs = []
    try:
        if cx.pin_client is not None:
            os.sched_setaffinity(0, {cx.pin_client})
        runs = [ZipfRun(srv, label, zipf, a, str1k_key) for label, srv in servers]
        for r in runs:
            log("  [2] %s: warm-up" % r.label)
            r.warm(a.warm)
        for k in range(a.rounds):
            order = runs[k % len(runs):] + runs[:k % len(runs)]
            log("  [2] round %d/%d" % (k + 1, a.rounds))
            for r in order:
                r.measure(a.measure / a.rounds)
        rows = []
        for r in runs:
            row = r.row()
            row.update(pre[r.label])
            rows.append(row)
    finally:
        for r in runs:
            r.close()
        os.sched_setaffinity(0, old_aff)
    for _, srv in servers:
        cx.done(srv)

    table(("server", "DBSIZE", "readable", "lost", "wrong", "full read s", "resident",
           "hit ratio", "cold/op", "ops/s", "(rounds)", "p50 us", "p99 us", "p99.9 us", "nil"),
          [(r["label"], fmt_int(r["dbsize"]), fmt_int(r["good"]), fmt_int(n - r["good"]),
            r["wrong"] + r["scan_wrong"], fmt_s(r["scan_s"]),
            fmt_int(r["resident"]), "%.3f" % r["hit"],
            "%.3f" % (r["cold"] / r["ops"]) if r["cold"] is not None else "-",
            fmt_int(r["ops_s"]), "/".join("%.0fk" % (x / 1000) for x in r["slices"]),
            "%.0f" % r["p50"], "%.0f" % r["p99"], "%.0f" % r["p999"], fmt_int(r["nil"]))
           for r in rows])
    base, res, red = rows
    print("  strata %s / resident: ops/s %.2f, p50 %.2f, p99 %.2f;  strata %s / redis: ops/s %.2f, "
          "p50 %.2f, p99 %.2f"
          % (mm, base["ops_s"] / res["ops_s"], base["p50"] / res["p50"], base["p99"] / res["p99"],
             mm, base["ops_s"] / red["ops_s"], base["p50"] / red["p50"], base["p99"] / red["p99"]))
    print("  hit ratio: strata hot_tier_hits/(hits+misses); redis keyspace_hits/(hits+misses), i.e. reads "
          "that found their key.  lost = written - read back right (full read before the Zipf runs).")
    for r in rows[:2]:
        if r["good"] != n or r["wrong"] or r["scan_wrong"] or r["nil"] or r["errors"]:
            cx.fail("skewed reads, %s: %d of %d keys readable, %d wrong, %d nil, %d errors in the Zipf run"
                    % (r["label"], r["good"], n, r["wrong"] + r["scan_wrong"], r["nil"], r["errors"]))
    if res["resident"] < n:
        cx.fail("skewed reads: the maxmemory 0 strata holds %d of %d keys resident" % (res["resident"], n))
    if red["wrong"] or red["scan_wrong"] or red["errors"]:
        cx.fail("skewed reads, redis: %d wrong values, %d errors"
                % (red["wrong"] + red["scan_wrong"], red["errors"]))


def section_bytes(cx):
    a = cx.a
    n = a.s3_keys
    print("\n== 3. bytes per resident small string key: %s keys, 16-byte keys, 32-byte values (MSET)"
          % fmt_int(n))
    sys.stdout.flush()
    out = {}
    s = cx.strata("bytes", ["--maxmemory", "0"])
    s.start()
    time.sleep(0.5)
    i0, rss0 = s.info(), s.rss()
    log("  [3] strata: loading %s keys" % fmt_int(n))
    t_load, _ = load(s.port, "small", n, 1)
    time.sleep(1.0)
    i1, rss1 = s.info(), s.rss()
    d = lambda k: info_int(i1, k) - info_int(i0, k)
    out["strata"] = {"load_s": t_load, "dbsize": info_int({"x": s.cl.ok("DBSIZE")}, "x"),
                     "keys": info_int(i1, "hot_tier_keys"), "hot": info_int(i1, "hot_tier_bytes"),
                     "rss": rss1 - rss0, "mem": d("rocksdb_memtables"),
                     "bc": d("rocksdb_block_cache_usage"), "used": d("used_memory")}
    cx.done(s)
    rd = cx.redis("bytes-redis", [])
    rd.start()
    time.sleep(0.5)
    i0, rss0 = rd.info(), rd.rss()
    log("  [3] redis: loading %s keys" % fmt_int(n))
    t_load, _ = load(rd.port, "small", n, 1)
    time.sleep(1.0)
    i1, rss1 = rd.info(), rd.rss()
    out["redis"] = {"load_s": t_load, "dbsize": info_int({"x": rd.cl.ok("DBSIZE")}, "x"),
                    "used": info_int(i1, "used_memory") - info_int(i0, "used_memory"),
                    "rss": rss1 - rss0}
    cx.done(rd)
    st, re_ = out["strata"], out["redis"]
    pk = lambda b: "%.1f" % (b / n)
    table(("", "strata", "redis"), [
        ("DBSIZE", fmt_int(st["dbsize"]), fmt_int(re_["dbsize"])),
        ("load s", fmt_s(st["load_s"]), fmt_s(re_["load_s"])),
        ("hot_tier_keys", fmt_int(st["keys"]), "-"),
        ("B/key: hot_tier_bytes / hot_tier_keys", "%.1f" % (st["hot"] / max(1, st["keys"])), "-"),
        ("B/key: used_memory delta", pk(st["used"]), pk(re_["used"])),
        ("B/key: RSS delta", pk(st["rss"]), pk(re_["rss"])),
        ("B/key: RSS delta less RocksDB growth", pk(st["rss"] - st["mem"] - st["bc"]), "-"),
        ("RocksDB growth MB: memtables, block cache", "%s, %s" % (fmt_mb(st["mem"]), fmt_mb(st["bc"])),
         "-"),
    ])
    print("  strata hot tier / redis used_memory per key: %.2f; RSS delta ratio: %.2f"
          % ((st["hot"] / max(1, st["keys"])) / (re_["used"] / n), st["rss"] / max(1, re_["rss"])))
    if st["dbsize"] != n or st["keys"] != n:
        cx.fail("bytes per key: strata DBSIZE %d, hot_tier_keys %d, %d written (maxmemory 0: all resident)"
                % (st["dbsize"], st["keys"], n))


def timed_restart(s, n, rng, timeout):
    """Start s on its data dir; time to PONG and to the first GET."""
    wal = dir_bytes(s.workdir, ".log")
    sst = dir_bytes(s.workdir, ".sst")
    t_spawn = s.spawn()
    t_ping = s.wait_pong(t_spawn, timeout=timeout, poll=0.002)
    i = rng.randrange(n)
    c = Client(s.port)
    t0 = time.perf_counter()
    v = c.call("GET", small_key(i))
    t1 = time.perf_counter()
    c.close()
    rss = s.rss()
    dbsize = info_int({"x": s.cl.ok("DBSIZE")}, "x")
    ids = [rng.randrange(n) for _ in range(1000)]
    _, good, missing, wrong = (0,) + tuple(w_verify(s.port, "small", ids))
    return {"wal": wal, "sst": sst, "ping": t_ping, "get": t1 - t_spawn, "get_only": t1 - t0,
            "get_ok": v == small_val(i), "dbsize": dbsize, "sample": (good, missing, wrong), "rss": rss}


def section_restart(cx):
    a = cx.a
    n = a.s4_keys
    n_re = max(MSET_KEYS, n // 10 // MSET_KEYS * MSET_KEYS)
    print("\n== 4. restart with %s keys on disk (16-byte keys, 32-byte values), maxmemory 64mb allkeys-lru"
          % fmt_int(n))
    print("   load, kill -9, start; rewrite %s keys (same values), SHUTDOWN, start" % fmt_int(n_re))
    sys.stdout.flush()
    s = cx.strata("restart", ["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
    s.start()
    log("  [4] loading %s keys with %d workers" % (fmt_int(n), a.workers))
    t_load, payload = load(s.port, "small", n, a.workers)
    dbsize0 = info_int({"x": s.cl.ok("DBSIZE")}, "x")
    mem0 = info_int(s.info("memory"), "rocksdb_memtables")
    log("  [4] loaded in %.1f s; kill -9" % t_load)
    rng = random.Random(a.seed)
    s.kill9()
    r_kill = timed_restart(s, n, rng, a.restart_timeout)
    r_kill["memtables"] = mem0
    log("  [4] after kill -9: PONG after %.2f s; rewriting %s keys" % (r_kill["ping"], fmt_int(n_re)))
    t_re, _ = load(s.port, "small", n_re, a.workers)
    mem1 = info_int(s.info("memory"), "rocksdb_memtables")
    wal1 = dir_bytes(s.workdir, ".log")
    t_shut = s.shutdown()
    r_clean = timed_restart(s, n, rng, a.restart_timeout)
    r_clean["memtables"] = mem1
    log("  [4] after SHUTDOWN: PONG after %.2f s" % r_clean["ping"])
    print("  load: %s s, %s keys/s, DBSIZE %s; rewrite: %s s; SHUTDOWN took %s s (WAL before it %s MB)"
          % (fmt_s(t_load), fmt_int(n / t_load), fmt_int(dbsize0), fmt_s(t_re), fmt_s(t_shut),
             fmt_mb(wal1)))
    table(("start", "memtables MB at stop", "WAL MB", "SST MB", "to PONG s", "to 1st GET s", "GET alone ms",
           "GET ok", "DBSIZE", "1000 random keys ok/missing/wrong", "RSS MB"),
          [(lbl, fmt_mb(r["memtables"]), fmt_mb(r["wal"]), fmt_mb(r["sst"]), "%.3f" % r["ping"],
            "%.3f" % r["get"], "%.2f" % (r["get_only"] * 1000), "yes" if r["get_ok"] else "NO",
            fmt_int(r["dbsize"]), "%d/%d/%d" % r["sample"], fmt_mb(r["rss"]))
           for lbl, r in (("after kill -9", r_kill), ("after SHUTDOWN", r_clean))])
    print("  (to PONG / to 1st GET: from spawning the process; WAL/SST: bytes of *.log/*.sst in the dir at start)")
    for lbl, r in (("kill -9", r_kill), ("SHUTDOWN", r_clean)):
        if r["dbsize"] != n or not r["get_ok"] or r["sample"][0] != 1000:
            cx.fail("restart after %s: DBSIZE %d of %d, GET %s, sample %d/%d/%d"
                    % ((lbl, r["dbsize"], n, "ok" if r["get_ok"] else "wrong") + r["sample"]))
    cx.done(s)


RUN = {"ltm": section_ltm, "skew": section_skew, "bytes": section_bytes, "restart": section_restart}


def main():
    ap = argparse.ArgumentParser(description="Hot tier measurements (see the top of the file).")
    ap.add_argument("--quick", action="store_true", help="small sizes, ~1-2 minutes")
    ap.add_argument("--sections", default="1,2,3,4",
                    help="comma-separated: 1/ltm, 2/skew, 3/bytes, 4/restart (default all)")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"),
                    help="strata binary (copied to the temp dir first)")
    ap.add_argument("--workers", type=int, default=2, help="client processes for loads and full reads")
    ap.add_argument("--conns", type=int, default=8, help="Zipf connections (one GET in flight each)")
    ap.add_argument("--warm", type=float, default=None, help="Zipf warm-up seconds (5; quick 2)")
    ap.add_argument("--measure", type=float, default=None,
                    help="Zipf measured seconds per server (15; quick 6)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="the measured seconds are split in this many turns per server (3)")
    ap.add_argument("--pool", type=int, default=None,
                    help="Zipf samples drawn up front and cycled through (2000000; quick 500000)")
    ap.add_argument("--settle", type=float, default=None,
                    help="most seconds to wait for RocksDB to go idle after a load (60; quick 20)")
    ap.add_argument("--s1-data", default=None, help="section 1 data size (2gb; quick 300mb)")
    ap.add_argument("--s1-maxmemory", default="64mb")
    ap.add_argument("--s1-block-cache", default="64mb")
    ap.add_argument("--s2-data", default=None, help="section 2 data size (640mb; quick 100mb)")
    ap.add_argument("--s2-maxmemory", default=None, help="section 2 maxmemory (64mb; quick 10mb)")
    ap.add_argument("--s2-block-cache", default=None, help="strata block cache in 2 (= maxmemory)")
    ap.add_argument("--s3-keys", type=int, default=None, help="section 3 keys (1000000; quick 200000)")
    ap.add_argument("--s4-keys", type=int, default=None, help="section 4 keys (10000000; quick 1000000)")
    ap.add_argument("--restart-timeout", type=float, default=600.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-pin", action="store_true", help="do not pin servers/driver in section 2")
    a = ap.parse_args()

    q = a.quick
    a.warm = a.warm if a.warm is not None else (2.0 if q else 5.0)
    a.measure = a.measure if a.measure is not None else (6.0 if q else 15.0)
    a.pool = a.pool or (500000 if q else 2000000)
    a.settle = a.settle if a.settle is not None else (20.0 if q else 60.0)
    a.s1_data = a.s1_data or ("300mb" if q else "2gb")
    a.s2_data = a.s2_data or ("100mb" if q else "640mb")
    a.s2_maxmemory = a.s2_maxmemory or ("10mb" if q else "64mb")
    a.s3_keys = a.s3_keys or (200000 if q else 1000000)
    a.s4_keys = a.s4_keys or (1000000 if q else 10000000)
    secs = []
    for x in a.sections.split(","):
        x = x.strip().lower()
        if not x:
            continue
        x = SECTIONS.get(x, x)
        if x not in RUN:
            ap.error("unknown section %r (1/ltm, 2/skew, 3/bytes, 4/restart)" % x)
        if x not in secs:
            secs.append(x)
    if a.workers < 1 or a.conns < 1 or a.rounds < 1:
        ap.error("--workers, --conns and --rounds must be positive")
    for opt in ("s1_data", "s1_maxmemory", "s1_block_cache", "s2_data", "s2_maxmemory"):
        try:
            parse_size(getattr(a, opt))
        except ValueError:
            ap.error("--%s: not a size: %r" % (opt.replace("_", "-"), getattr(a, opt)))
    if not os.access(a.strata, os.X_OK):
        log("bench_tiering: %s is not an executable; build it with: bash tools/build.sh release" % a.strata)
        return 2
    if not shutil.which("redis-server"):
        log("bench_tiering: redis-server not found on PATH")
        return 2

    cores = sorted(os.sched_getaffinity(0))
    pin_srv, pin_client = None, None
    if a.no_pin:
        pin_note = "not pinned (--no-pin)"
    elif len(cores) < 2 or not shutil.which("taskset"):
        pin_note = "not pinned (need 2 cores and taskset)"
    else:
        pin_srv, pin_client = ["taskset", "-c", str(cores[0])], cores[1]
        pin_note = "server on core %d, Zipf driver on core %d" % (cores[0], cores[1])

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    tmp = tempfile.mkdtemp(prefix="strata-tiering-")
    strata_bin = os.path.join(tmp, "strata-server")
    shutil.copy2(a.strata, strata_bin)
    cx = Ctx(a, tmp, strata_bin, pin_srv, pin_client)
    cx.pin_note = pin_note
    rv = subprocess.run(["redis-server", "--version"], stdout=subprocess.PIPE,
                        universal_newlines=True).stdout.split()
    rv = next((w[2:] for w in rv if w.startswith("v=")), "?")
    print("bench_tiering%s: strata %s (copy of %s) vs redis-server %s; %s; sections %s"
          % (" --quick" if q else "", time.strftime("%Y-%m-%d %H:%M"), os.path.abspath(a.strata), rv,
             "%d cores" % len(cores), ",".join(secs)))
    sys.stdout.flush()
    t_all = time.monotonic()
    status = 0
    try:
        for name in secs:
            t0 = time.monotonic()
            try:
                RUN[name](cx)
            except (CheckFailed, RuntimeError, OSError) as e:
                cx.fail("%s: %s" % (name, e))
                for s in list(cx.servers):
                    if s.proc and s.proc.poll() is not None and s.proc.returncode:
                        print("  %s exited with status %s; its log ends:\n%s"
                              % (s.kind, s.proc.returncode, s.log_tail()))
                    cx.done(s)
            print("  (section %s: %.0f s)" % (name, time.monotonic() - t0))
            sys.stdout.flush()
        print("\ntotal %.0f s; %s" % (time.monotonic() - t_all,
                                      "all checks passed" if not cx.failures
                                      else "%d check(s) FAILED" % len(cx.failures)))
        status = 1 if cx.failures else 0
    except (KeyboardInterrupt, Interrupted) as e:
        log("\nbench_tiering: interrupted (%s); stopping servers" % (str(e) or "SIGINT"))
        status = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in list(_children):
            if p.is_alive():
                p.terminate()
            p.join()
        for s in list(cx.servers):
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
