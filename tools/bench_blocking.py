#!/usr/bin/python3
"""Queue benchmark: LPUSH producers and BRPOP consumers, strata vs. redis-server.

    /usr/bin/python3 tools/bench_blocking.py [--quick] [--fsync everysec|always|no]

Starts redis-server (--save '' --appendonly yes --appendfsync POLICY) and
strata (--appendfsync POLICY) the way tools/bench.py does, then on each:

  throughput  P producer processes LPUSH as fast as they can (pipelined
              --batch deep, one element per LPUSH) into one list while C
              consumer processes loop on BRPOP; elements consumed per second
              over --seconds, and the push-to-pop latency of every element
              (p50 / p99; each element carries the monotonic time it was
              sent at, and CLOCK_MONOTONIC is one clock for all processes).
  latency     one producer sends one LPUSH every 1/--rate s (unpipelined)
              while the consumers wait in BRPOP: the time from sending the
              LPUSH to the consumer holding the element, p50 / p99 / max.
              This is the "consumer is already blocked" path: the push wakes
              the waiter within the same turn of the event loop.

Both runs alternate servers (redis, strata, then strata, redis with
--repeat 2 ...) and print medians with the ratio strata/redis. The machine
is shared: read the ratios.
"""

import argparse
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ROOT, Server, resp_call  # noqa: E402


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A minimal RESP client: enough for LPUSH/BRPOP replies."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        v, self.buf = self.buf[:n], self.buf[n + 2:]
        return v

    def reply(self):
        line = self._line()
        t = line[:1]
        if t in (b"+", b":"):
            return line[1:]
        if t == b"-":
            raise RuntimeError(line[1:].decode())
        if t == b"$":
            n = int(line[1:])
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(line[1:])
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)


def producer(port, key, stop_at, batch, rate, out):
    c = Conn(port)
    sent = 0
    if rate:
        gap = 1.0 / rate
        nxt = time.monotonic()
        while time.monotonic() < stop_at:
            c.send(enc("LPUSH", key, str(time.monotonic_ns())))
            c.reply()
            sent += 1
            nxt += gap
            d = nxt - time.monotonic()
            if d > 0:
                time.sleep(d)
    else:
        while time.monotonic() < stop_at:
            c.send(b"".join(enc("LPUSH", key, str(time.monotonic_ns())) for _ in range(batch)))
            for _ in range(batch):
                c.reply()
            sent += batch
    out.put(("sent", sent))


def consumer(port, key, stop_at, out):
    c = Conn(port)
    lat = []
    while True:
        c.send(enc("BRPOP", key, "0.2"))
        r = c.reply()
        now = time.monotonic_ns()
        if r is not None:
            lat.append(now - int(r[1]))
        elif time.monotonic() >= stop_at:
            break
    out.put(("lat", lat))


def run(port, key, seconds, producers, consumers, batch, rate):
    out = mp.Queue()
    stop_at = time.monotonic() + seconds
    cs = [mp.Process(target=consumer, args=(port, key, stop_at, out)) for _ in range(consumers)]
    for p in cs:
        p.start()
    time.sleep(0.2)  # consumers are blocked before the first push
    stop_at = time.monotonic() + seconds
    ps = [mp.Process(target=producer, args=(port, key, stop_at, batch, rate, out)) for _ in range(producers)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    sent, lat = 0, []
    for _ in range(producers + consumers):
        kind, v = out.get(timeout=seconds + 60)
        if kind == "sent":
            sent += v
        else:
            lat.extend(v)
    elapsed = time.monotonic() - t0
    for p in ps + cs:
        p.join()
    lat.sort()
    pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] / 1e6) if lat else (lambda q: float("nan"))
    return {"popped_per_s": len(lat) / elapsed, "sent": sent, "popped": len(lat),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def server_pair(tmp, strata_bin, fsync):
    """redis-server (AOF on) and strata with the same appendfsync, data dirs
    under tmp; not started yet."""
    return [
        Server("redis", lambda port, d: ["redis-server", "--port", str(port), "--dir", d, "--save", "",
                                         "--appendonly", "yes", "--appendfsync", fsync],
               os.path.join(tmp, "redis"), []),
        Server("strata", lambda port, d: [strata_bin, "--port", str(port), "--dir", d, "--appendfsync", fsync],
               os.path.join(tmp, "strata"), []),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fsync", choices=("everysec", "always", "no"), default="everysec")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--producers", type=int, default=2)
    ap.add_argument("--consumers", type=int, default=4)
    ap.add_argument("--batch", type=int, default=1, help="LPUSHes per pipelined write (throughput run)")
    ap.add_argument("--rate", type=int, default=2000, help="LPUSHes per second (latency run)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="2 s runs")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"))
    a = ap.parse_args()
    if a.quick:
        a.seconds = 2.0
    tmp = tempfile.mkdtemp(prefix="bench_blocking.")
    servers = server_pair(tmp, a.strata, a.fsync)
    try:
        for s in servers:
            s.start()
        print("fsync %s, %d producers, %d consumers, %.0f s per run" % (a.fsync, a.producers, a.consumers, a.seconds))
        results = {("tput", s.name): [] for s in servers}
        results.update({("lat", s.name): [] for s in servers})
        for rep in range(a.repeat):
            order = servers if rep % 2 == 0 else servers[::-1]
            for s in order:
                results[("tput", s.name)].append(run(s.port, "q:tput", a.seconds, a.producers, a.consumers, a.batch, 0))
                resp_call(s.port, "DEL", "q:tput")
            for s in order:
                results[("lat", s.name)].append(run(s.port, "q:lat", a.seconds, 1, a.consumers, 1, a.rate))
        med = lambda kind, name, f: statistics.median(r[f] for r in results[(kind, name)])  # noqa: E731
        print("%-34s %12s %12s %8s" % ("", "redis", "strata", "s/r"))
        for kind, fields in (("tput", ("popped_per_s", "p50_ms", "p99_ms")),
                             ("lat", ("p50_ms", "p99_ms", "max_ms"))):
            for f in fields:
                rv, sv = med(kind, "redis", f), med(kind, "strata", f)
                print("%-34s %12.3f %12.3f %8.2f" % ("%s %s" % ("throughput" if kind == "tput" else
                                                                 "latency @%d/s" % a.rate, f), rv, sv,
                                                      sv / rv if rv else float("nan")))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
