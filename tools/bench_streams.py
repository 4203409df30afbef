#!/usr/bin/python3
"""Stream benchmark: XADD throughput and consumer-group round trips, strata vs. redis-server.

    /usr/bin/python3 tools/bench_streams.py [--quick] [--fsync everysec|always|no]

Starts redis-server (--save '' --appendonly yes --appendfsync POLICY) and
strata (--appendfsync POLICY) the way tools/bench.py does, then on each:

  xadd        redis-benchmark -c CLIENTS -P 1 and -P 16 with the custom
              command `XADD bench:stream * field value` (bench.py's `xadd`
              test, run through its run_benchmark()): XADDs per second into
              one stream.
  group       --producers processes XADD one entry per round trip (--batch
              to pipeline) into one stream, each entry carrying the
              monotonic time it was sent at; --consumers processes, each a
              consumer of group g, loop on `XREADGROUP GROUP g cN COUNT 10
              STREAMS s >` and `XACK s g id...` for what they got. Entries
              acknowledged per second over --seconds, and the latency from
              sending the XADD to the XACK's reply (p50 / p99).
  latency     one producer sends one XADD every 1/--rate s (unpipelined) to
              the same consumers: the XADD-to-XACK latency at a light load.

The consumers read with BLOCK --block-ms (default 50): an empty stream parks
them until an XADD arrives. --block-ms 0 makes them poll instead (no BLOCK,
and a --poll-sleep sleep after an empty read).

Runs alternate servers (redis, strata, then strata, redis with --repeat 2
...) and print medians with the ratio strata/redis. The machine is shared:
read the ratios.
"""

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, resp_call, run_benchmark  # noqa: E402
from bench_blocking import Conn, enc, server_pair  # noqa: E402

STREAM = "bench:gstream"


def producer(port, stop_at, batch, rate, out):
    c = Conn(port)
    sent = 0
    if rate:
        gap = 1.0 / rate
        nxt = time.monotonic()
        while time.monotonic() < stop_at:
            c.send(enc("XADD", STREAM, "*", "t", str(time.monotonic_ns())))
            c.reply()
            sent += 1
            nxt += gap
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)
    else:
        while time.monotonic() < stop_at:
            c.send(b"".join(enc("XADD", STREAM, "*", "t", str(time.monotonic_ns()))
                            for _ in range(batch)))
            for _ in range(batch):
                c.reply()
            sent += batch
    out.put(("sent", sent))


def consumer(port, name, done, poll_sleep, out, block_ms=0):
    c = Conn(port)
    lat, polls, empty = [], 0, 0
    block = ("BLOCK", str(block_ms)) if block_ms > 0 else ()
    read = enc("XREADGROUP", "GROUP", "g", name, "COUNT", "10", *block, "STREAMS", STREAM, ">")
    while True:
        c.send(read)
        r = c.reply()
        polls += 1
        entries = r[0][1] if r else None
        if not entries:
            empty += 1
            if done.is_set():  # producers finished and nothing is left
                break
            if not block:
                time.sleep(poll_sleep)
            continue
        ids = [e[0] for e in entries]
        c.send(enc("XACK", STREAM, "g", *ids))
        n = int(c.reply())
        now = time.monotonic_ns()
        if n != len(ids):
            raise RuntimeError("XACK acknowledged %d of %d" % (n, len(ids)))
        for e in entries:
            f = e[1]
            lat.append(now - int(f[1]))
    out.put(("lat", (lat, polls, empty)))


def run_group(port, seconds, producers, consumers, batch, rate, poll_sleep, block_ms=0):
    resp_call(port, "DEL", STREAM)
    r = resp_call(port, "XGROUP", "CREATE", STREAM, "g", "$", "MKSTREAM")
    if r != "OK":
        raise RuntimeError("XGROUP CREATE -> %r" % r)
    out, done = mp.Queue(), mp.Event()
    cs = [mp.Process(target=consumer, args=(port, "c%d" % i, done, poll_sleep, out, block_ms))
          for i in range(consumers)]
    for p in cs:
        p.start()
    time.sleep(0.2)  # consumers are polling before the first XADD
    stop_at = time.monotonic() + seconds
    ps = [mp.Process(target=producer, args=(port, stop_at, batch, rate, out)) for _ in range(producers)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    sent, lat, polls, empty = 0, [], 0, 0
    for _ in range(producers):  # consumers report only after `done`
        kind, v = out.get(timeout=seconds + 120)
        sent += v
    done.set()
    for _ in range(consumers):
        kind, v = out.get(timeout=120)
        lat.extend(v[0])
        polls += v[1]
        empty += v[2]
    elapsed = time.monotonic() - t0
    for p in ps + cs:
        p.join()
    pending = resp_call(port, "XPENDING", STREAM, "g")[0]
    xlen = int(resp_call(port, "XLEN", STREAM))
    resp_call(port, "DEL", STREAM)
    lat.sort()
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1e6) if lat else (lambda q: float("nan"))
    return {"acked_per_s": len(lat) / elapsed, "sent": sent, "acked": len(lat), "xlen": xlen,
            "pending": int(pending), "empty_polls": empty / polls if polls else 0.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fsync", choices=("everysec", "always", "no"), default="everysec")
    ap.add_argument("--clients", type=int, default=50, help="redis-benchmark -c for the xadd run")
    ap.add_argument("--requests", type=int, default=None,
                    help="redis-benchmark -n (default 100000 at -P 1, 500000 at -P 16)")
    ap.add_argument("--pipeline", default="1,16")
    ap.add_argument("--seconds", type=float, default=5.0, help="length of a group / latency run")
    ap.add_argument("--producers", type=int, default=2)
    ap.add_argument("--consumers", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1, help="XADDs per pipelined write (group run)")
    ap.add_argument("--rate", type=int, default=1000, help="XADDs per second (latency run)")
    ap.add_argument("--block-ms", type=int, default=50, help="XREADGROUP BLOCK for the consumers (0: poll)")
    ap.add_argument("--poll-sleep", type=float, default=0.001, help="with --block-ms 0: seconds a consumer sleeps "
                                                                     "after an empty read")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="2 s runs, -n 20000 / 100000")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"))
    a = ap.parse_args()
    if a.quick:
        a.seconds = 2.0
    pipelines = [int(x) for x in a.pipeline.split(",") if x]
    nreq = lambda p: a.requests or ((20000 if p == 1 else 100000) if a.quick  # noqa: E731
                                    else (100000 if p == 1 else 500000))
    tmp = tempfile.mkdtemp(prefix="bench_streams.")
    servers = server_pair(tmp, a.strata, a.fsync)
    try:
        for s in servers:
            s.start()
        print("fsync %s; xadd: redis-benchmark -c %d; group: %d producers (batch %d), %d consumers "
              "(XREADGROUP COUNT 10 %s), %.0f s per run"
              % (a.fsync, a.clients, a.producers, a.batch, a.consumers,
                 ("BLOCK %d" % a.block_ms) if a.block_ms > 0 else "polling, %.1f ms sleep when empty" % (
                     a.poll_sleep * 1e3), a.seconds))
        res = {}
        add = lambda k, v: res.setdefault(k, []).append(v)  # noqa: E731
        for rep in range(a.repeat):
            order = servers if rep % 2 == 0 else servers[::-1]
            for p in pipelines:
                for s in order:
                    rows, why = run_benchmark(["redis-benchmark"], s, "xadd", p, a.clients, nreq(p), 600)
                    if why:
                        raise RuntimeError("%s xadd -P%d: %s" % (s.name, p, why))
                    add(("XADD -P%d ops/s" % p, s.name), rows[0][1])
                    print("  [%d] %-6s XADD -P%-2d %10.0f ops/s" % (rep, s.name, p, rows[0][1]), flush=True)
                    resp_call(s.port, "DEL", "bench:stream")
            for s in order:
                r = run_group(s.port, a.seconds, a.producers, a.consumers, a.batch, 0, a.poll_sleep, a.block_ms)
                print("  [%d] %-6s group: %s" % (rep, s.name, r), flush=True)
                for f in ("acked_per_s", "p50_ms", "p99_ms", "empty_polls"):
                    add(("group " + f, s.name), r[f])
            for s in order:
                r = run_group(s.port, a.seconds, 1, a.consumers, 1, a.rate, a.poll_sleep, a.block_ms)
                print("  [%d] %-6s latency: %s" % (rep, s.name, r), flush=True)
                for f in ("p50_ms", "p99_ms", "max_ms"):
                    add(("latency @%d/s %s" % (a.rate, f), s.name), r[f])
        print()
        print("%-34s %12s %12s %8s" % ("", "redis", "strata", "s/r"))
        seen = []
        for k, _ in res:
            if k not in seen:
                seen.append(k)
        for k in seen:
            rv, sv = statistics.median(res[(k, "redis")]), statistics.median(res[(k, "strata")])
            print("%-34s %12.3f %12.3f %8.2f" % (k, rv, sv, sv / rv if rv else float("nan")))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
