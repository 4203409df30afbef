#!/usr/bin/python3
"""One big stream on disk: XADD stays O(1), XRANGE seeks, XLEN is O(1), memory bounded.

    /usr/bin/python3 tools/bench_stream_scale.py --quick         # 500k entries, ~1 min
    /usr/bin/python3 tools/bench_stream_scale.py                 # 10M entries
    /usr/bin/python3 tools/bench_stream_scale.py --entries 3000000

strata alone, with maxmemory 64mb allkeys-lru, rocksdb-block-cache-size 64mb
(--block-cache) and appendfsync everysec:

  fill     --entries XADDs (`XADD big * f <16 bytes>`) into one stream by
           --workers client processes, each with --batch commands in flight
           per write.  The fill is cut into 10 windows of a tenth of the
           entries each; per window: the fill rate, the latency of single
           unpipelined XADDs to the same stream sent every few ms by a probe
           beside the load (p50 / p99; they queue behind the load's batches,
           so they show the loop's turn time, which must not grow with the
           stream), and the peak RSS / memtables / block cache in the window.
  queries  after the fill (and RocksDB's flushes/compactions settled), each
           query --reps times on one connection, unpipelined, µs median and
           p99, on the big stream and on a stream of 10,000 entries (the two
           take turns call by call):
           XLEN, XRANGE - + COUNT 10, XRANGE <middle id> + COUNT 10 (the
           same id every time), XRANGE <random id> + COUNT 10 (a new
           position every time: not cached), XREVRANGE + - COUNT 10, and
           XADD.  PING shows what the client and TCP cost alone.
  memory   peak RSS (sampled VmRSS every 0.5 s and the kernel's VmHWM)
           against maxmemory + block cache + memtables (5 column families x
           rocksdb-write-buffer-size x 2) + 50 MB, as bench_tiering.py.
  restart  SHUTDOWN and start: seconds from spawn to PONG, to XLEN and to
           a first (cold) XRANGE from the middle; then --restart-extra more
           entries, kill -9 and start (RocksDB replays its WAL); XLEN is
           checked after each start.

Everything runs in a temporary directory (removed at the end, also after
Ctrl-C/SIGTERM) with a copy of the strata binary. Exit status 1 if a check
failed (XLEN wrong, RSS peak above the budget).
"""

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Interrupted, RespError, _read_reply  # noqa: E402
from bench_blocking import enc  # noqa: E402
from bench_tiering import (MB, Client, Sampler, Srv, dir_bytes, fmt_int, fmt_mb, info_int,  # noqa: E402
                           parse_size, percentile, settle, table)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIG, SMALL = "big", "small"
SMALL_N = 10000


def chunks(batch, pool=64, seed=7):
    """`pool` pre-encoded writes of `batch` XADDs each, 16-byte values."""
    rnd = random.Random(seed)
    out = []
    for _ in range(pool):
        out.append(b"".join(enc("XADD", BIG, "*", "f", rnd.randbytes(8).hex()) for _ in range(batch)))
    return out


def count_replies(buf):
    """Replies in buf (XADD answers `$N\\r\\nid\\r\\n`; an error is one line)."""
    errs = buf.count(b"\r\n-") + (1 if buf.startswith(b"-") else 0)
    return (buf.count(b"\r\n") - errs) // 2 + errs, errs


def w_fill(port, n, batch, counter, errq):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pool = chunks(batch, seed=port ^ os.getpid())
    done, i, errors = 0, 0, 0
    while done < n:
        k = min(batch, n - done)
        data = pool[i % len(pool)] if k == batch else chunks(k, pool=1)[0]
        i += 1
        s.sendall(data)
        buf = b""
        while True:
            d = s.recv(1 << 20)
            if not d:
                raise ConnectionError("closed")
            buf += d
            if buf.endswith(b"\r\n"):
                got, errs = count_replies(buf)
                if got >= k:
                    break
        if errs:
            errors += errs
            errq.put(buf[:200])
        done += k
        with counter.get_lock():
            counter.value += k
    s.close()


def fill(srv, n, workers, batch, smp):
    """Returns (seconds, window rows, probes added)."""
    counter = mp.Value("q", 0)
    errq = mp.Queue()
    per = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
    ps = [mp.Process(target=w_fill, args=(srv.port, per[i], batch, counter, errq)) for i in range(workers)]
    bounds = [n * (k + 1) // 10 for k in range(10)]
    t_cross = [None] * 10
    probes = [[] for _ in range(10)]
    c = Client(srv.port)
    probe = enc("XADD", BIG, "*", "f", "probe-0123456789")
    t0 = time.monotonic()
    for p in ps:
        p.start()
    nprobe = 0
    last_log = t0
    while True:
        v = counter.value
        now = time.monotonic()
        for k in range(10):
            if t_cross[k] is None and v >= bounds[k]:
                t_cross[k] = now
        if v >= n:
            break
        if not any(p.is_alive() for p in ps) and counter.value < n:
            raise RuntimeError("fill workers exited at %d of %d entries" % (counter.value, n))
        w = min(9, v * 10 // n)
        t1 = time.perf_counter()
        c.sock.sendall(probe)
        r = _read_reply(c.f)
        probes[w].append(time.perf_counter() - t1)
        if isinstance(r, RespError):
            raise RuntimeError("probe XADD -> %s" % r)
        nprobe += 1
        if now - last_log > 10:
            last_log = now
            print("    ... %s entries, %.0f/s" % (fmt_int(v), v / (now - t0)), file=sys.stderr, flush=True)
        time.sleep(0.003)
    el = time.monotonic() - t0
    for p in ps:
        p.join()
    c.close()
    if not errq.empty():
        raise RuntimeError("XADD errors in the fill: %r" % errq.get())
    rows = []
    prev = t0
    for k in range(10):
        t = t_cross[k]
        lat = sorted(probes[k])
        rss = [b for (ts, b) in smp.rss if prev <= ts <= t]
        mt = [d["rocksdb_memtables"] for (ts, d) in smp.info if prev <= ts <= t]
        bcu = [d["rocksdb_block_cache_usage"] for (ts, d) in smp.info if prev <= ts <= t]
        rows.append((("%d-%d%%" % (10 * k, 10 * k + 10)), fmt_int((bounds[k] - (bounds[k - 1] if k else 0)) / (t - prev)),
                     "%d" % len(lat), "%.0f" % (percentile(lat, 0.5) * 1e6), "%.0f" % (percentile(lat, 0.99) * 1e6),
                     fmt_mb(max(rss)) if rss else "-", fmt_mb(max(mt)) if mt else "-",
                     fmt_mb(max(bcu)) if bcu else "-"))
        prev = t
    return el, rows, nprobe


def first_last(c, key):
    a = c.ok("XRANGE", key, "-", "+", "COUNT", "1")[0][0].decode()
    b = c.ok("XREVRANGE", key, "+", "-", "COUNT", "1")[0][0].decode()
    return a, b


def timed(c, argv, check=None):
    data = enc(*argv)
    t1 = time.perf_counter()
    c.sock.sendall(data)
    r = _read_reply(c.f)
    el = time.perf_counter() - t1
    if isinstance(r, RespError):
        raise RuntimeError("%s -> %s" % (" ".join(map(str, argv)), r))
    if check:
        check(argv[1], r)
    return el


def ten(key, r):
    if not isinstance(r, list) or len(r) != 10:
        raise RuntimeError("%s: expected 10 entries, got %r" % (key, r if not isinstance(r, list) else len(r)))


def queries(c, reps, keys, seed=1):
    """{query: {key: (p50 µs, p99 µs)}}, and the middle id of each key. The
    keys take turns call by call, so drift on the machine hits all alike."""
    mids, rand_ids = {}, {}
    rnd = random.Random(seed)
    for key in keys:
        first, last = first_last(c, key)
        fms, lms = int(first.split("-")[0]), int(last.split("-")[0])
        mids[key] = "%d-0" % ((fms + lms) // 2)
        rand_ids[key] = ["%d-0" % rnd.randint(fms, lms) for _ in range(reps)]
    qs = [
        ("PING", lambda k, i: ["PING", k], None),
        ("XLEN", lambda k, i: ["XLEN", k], None),
        ("XRANGE - + COUNT 10", lambda k, i: ["XRANGE", k, "-", "+", "COUNT", "10"], ten),
        ("XRANGE <middle> + COUNT 10", lambda k, i: ["XRANGE", k, mids[k], "+", "COUNT", "10"], ten),
        ("XRANGE <random> + COUNT 10", lambda k, i: ["XRANGE", k, rand_ids[k][i], "+", "COUNT", "10"], None),
        ("XREVRANGE + - COUNT 10", lambda k, i: ["XREVRANGE", k, "+", "-", "COUNT", "10"], ten),
        ("XADD (one, unpipelined)", lambda k, i: ["XADD", k, "*", "f", "after-0123456789"], None),
    ]
    for _ in range(200):  # warm-up: the first calls of a connection are slower
        timed(c, ["PING"])
    out = {}
    for name, fn, check in qs:
        lat = {k: [] for k in keys}
        for i in range(reps):
            for k in (keys if i % 2 == 0 else keys[::-1]):
                argv = fn(k, i)
                if argv[0] == "PING":
                    argv = ["PING"]
                lat[k].append(timed(c, argv, check))
        out[name] = {k: (statistics.median(v) * 1e6, percentile(sorted(v), 0.99) * 1e6) for k, v in lat.items()}
    return out, mids


def fill_small(c):
    for b in range(0, SMALL_N, 1000):
        c.sock.sendall(b"".join(enc("XADD", SMALL, "*", "f", "%016d" % i) for i in range(b, b + 1000)))
        for _ in range(1000):
            r = _read_reply(c.f)
            if isinstance(r, RespError):
                raise RuntimeError("XADD small -> %s" % r)


def timed_start(srv, mid):
    t_spawn = srv.spawn()
    t_pong = srv.wait_pong(t_spawn, timeout=600)
    c = Client(srv.port)
    xlen = int(c.ok("XLEN", BIG))
    t_xlen = time.perf_counter() - t_spawn
    t1 = time.perf_counter()
    r = c.ok("XRANGE", BIG, mid, "+", "COUNT", "10")
    t_range = time.perf_counter() - t1
    c.close()
    if len(r) != 10:
        raise RuntimeError("XRANGE after restart: %d entries" % len(r))
    return t_pong, t_xlen, t_range, xlen


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--entries", type=int, default=10000000)
    ap.add_argument("--quick", action="store_true", help="500,000 entries, 500 reps")
    ap.add_argument("--workers", type=int, default=3, help="fill connections (processes)")
    ap.add_argument("--batch", type=int, default=1000, help="XADDs per pipelined write in the fill")
    ap.add_argument("--reps", type=int, default=3000, help="runs of each query")
    ap.add_argument("--maxmemory", default="64mb")
    ap.add_argument("--block-cache", default="64mb")
    ap.add_argument("--fsync", choices=("everysec", "always", "no"), default="everysec")
    ap.add_argument("--restart-extra", type=int, default=100000,
                    help="entries added before the kill -9 restart")
    ap.add_argument("--settle", type=float, default=120.0, help="max seconds to wait for RocksDB to go idle")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"))
    a = ap.parse_args()
    if a.quick:
        a.entries, a.reps = 500000, 500
    mm, bc = parse_size(a.maxmemory), parse_size(a.block_cache)

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, on_signal)

    tmp = tempfile.mkdtemp(prefix="strata-streamscale-")
    binp = os.path.join(tmp, "strata-server")
    shutil.copy2(a.strata, binp)
    srv = Srv("strata", lambda port, d: [binp, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                                         "--maxmemory", a.maxmemory, "--maxmemory-policy", "allkeys-lru",
                                         "--rocksdb-block-cache-size", a.block_cache,
                                         "--appendfsync", a.fsync], os.path.join(tmp, "strata"))
    failures = []

    def fail(msg):
        failures.append(msg)
        print("  CHECK FAILED: " + msg)

    t_all = time.monotonic()
    try:
        srv.start()
        wb = parse_size(srv.cl.ok("CONFIG", "GET", "rocksdb-write-buffer-size")[1].decode())
        memtables = 5 * wb * 2
        budget = mm + bc + memtables + 50 * MB
        print("bench_stream_scale: %s entries, %d fill workers x %d in flight, maxmemory %s allkeys-lru, "
              "block cache %s, write buffer %s, appendfsync %s, %s"
              % (fmt_int(a.entries), a.workers, a.batch, a.maxmemory, a.block_cache, fmt_mb(wb), a.fsync,
                 time.strftime("%Y-%m-%d %H:%M")), flush=True)
        fill_small(srv.cl)
        rss0 = srv.rss()
        with Sampler(srv) as smp:
            el, rows, nprobe = fill(srv, a.entries, a.workers, a.batch, smp)
            print("\n== fill: %s entries in %.1f s, %s entries/s (%d probe XADDs beside)"
                  % (fmt_int(a.entries), el, fmt_int(a.entries / el), nprobe))
            table(("window", "fill entries/s", "probes", "XADD p50 µs", "XADD p99 µs", "RSS max MB",
                   "memtables max MB", "block cache max MB"), rows)
            sys.stdout.flush()
            waited = settle(srv, a.settle)
            xlen = int(srv.cl.ok("XLEN", BIG))
            if xlen != a.entries + nprobe:
                fail("XLEN %d after the fill, expected %d" % (xlen, a.entries + nprobe))
            print("\n== queries (settled %.1f s; %d reps each, one connection, µs)" % (waited, a.reps))
            q, mids = queries(srv.cl, a.reps, [SMALL, BIG])
            mid = mids[BIG]
            qrows = []
            for k, v in q.items():
                (sp50, sp99), (bp50, bp99) = v[SMALL], v[BIG]
                qrows.append((k, "%.0f" % sp50, "%.0f" % sp99, "%.0f" % bp50, "%.0f" % bp99, "%.2f" % (bp50 / sp50)))
            table(("query", "10k p50", "10k p99", "%s p50" % fmt_int(xlen), "%s p99" % fmt_int(xlen),
                   "big/small p50"), qrows)
            sys.stdout.flush()
            time.sleep(1.0)
        rss_end, hwm = srv.proc_status()
        inf = srv.info()
        peak, _, at = smp.peak()
        sst = info_int(inf, "rocksdb_sst_bytes")
        print("\n== memory")
        table(("measure", "value"), [
            ("RSS at start (MB), with the 10k stream", fmt_mb(rss0)),
            ("RSS peak sampled (MB) [%d samples]" % len(smp.rss), fmt_mb(peak)),
            ("  at peak: hot tier + block cache + memtables (MB)",
             "%s + %s + %s" % (fmt_mb(at.get("hot_tier_bytes", 0)), fmt_mb(at.get("rocksdb_block_cache_usage", 0)),
                               fmt_mb(at.get("rocksdb_memtables", 0)))),
            ("VmHWM (MB)", fmt_mb(hwm)),
            ("RSS at end (MB)", fmt_mb(rss_end)),
            ("hot_tier_bytes peak (MB) / maxmemory", "%s / %s" % (fmt_mb(smp.max_of("hot_tier_bytes")), fmt_mb(mm))),
            ("block cache peak (MB) / capacity", "%s / %s" % (fmt_mb(smp.max_of("rocksdb_block_cache_usage")),
                                                             fmt_mb(bc))),
            ("memtables peak (MB) / 5 CF x %s x 2" % fmt_mb(wb), "%s / %s" % (fmt_mb(smp.max_of("rocksdb_memtables")),
                                                                           fmt_mb(memtables))),
            ("budget (MB): maxmemory + cache + memtables + 50", "%s = %s + %s + %s + 50"
             % (fmt_mb(budget), fmt_mb(mm), fmt_mb(bc), fmt_mb(memtables))),
            ("peak / budget", "%.2f" % (max(peak, hwm) / budget)),
            ("SST on disk (MB) / bytes per entry", "%s / %.1f" % (fmt_mb(sst), sst / xlen)),
            ("WAL files on disk (MB)", fmt_mb(dir_bytes(srv.workdir, ".log"))),
        ])
        if max(peak, hwm) > budget:
            fail("RSS peak %s MB above the budget %s MB" % (fmt_mb(max(peak, hwm)), fmt_mb(budget)))
        sys.stdout.flush()

        # Restart 1: SHUTDOWN, start.
        xlen = int(srv.cl.ok("XLEN", BIG))
        t_down = srv.shutdown()
        t_pong, t_xlen, t_range, xl = timed_start(srv, mid)
        rows = [("SHUTDOWN, start", "%.2f" % t_down, "%.2f" % t_pong, "%.2f" % t_xlen, "%.1f" % (t_range * 1e3),
                 fmt_int(xl), fmt_mb(dir_bytes(srv.workdir, ".log")))]
        if xl != xlen:
            fail("XLEN %d after SHUTDOWN and start, %d before" % (xl, xlen))
        # Restart 2: more entries, kill -9, start (WAL replay).
        c = srv.cl
        pool = chunks(1000, pool=4)
        for i in range(a.restart_extra // 1000):
            c.sock.sendall(pool[i % 4])
            for _ in range(1000):
                _read_reply(c.f)
        xlen = int(c.ok("XLEN", BIG))
        srv.kill9()
        wal = dir_bytes(srv.workdir, ".log")
        t_pong, t_xlen, t_range, xl = timed_start(srv, mid)
        rows.append(("+%s entries, kill -9, start" % fmt_int(a.restart_extra), "-", "%.2f" % t_pong,
                     "%.2f" % t_xlen, "%.1f" % (t_range * 1e3), fmt_int(xl), fmt_mb(wal)))
        if xl != xlen:
            fail("XLEN %d after kill -9 and start, %d acknowledged before (appendfsync %s)" % (xl, xlen, a.fsync))
        print("\n== restart with the stream on disk")
        table(("restart", "stop s", "to PONG s", "to XLEN s", "1st XRANGE mid ms", "XLEN", "WAL MB at start"), rows)
        print("\ntotal %.0f s; %s" % (time.monotonic() - t_all,
                                      "all checks passed" if not failures else "%d check(s) FAILED" % len(failures)))
        return 1 if failures else 0
    except (KeyboardInterrupt, Interrupted) as e:
        print("\nbench_stream_scale: interrupted (%s); stopping" % (str(e) or "SIGINT"), file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for p in mp.active_children():
            p.terminate()
            p.join()
        srv.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
