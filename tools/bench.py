#!/usr/bin/python3
"""Side-by-side throughput benchmark: strata vs. redis-server.

    /usr/bin/python3 tools/bench.py [--quick] [--fsync everysec|always|no] ...

Starts a redis-server (--save '' --appendonly yes --appendfsync POLICY) and
strata (--appendfsync POLICY), each on a free port with its own temporary
data dir, runs redis-benchmark against both and prints one table row per
benchmark: redis ops/s, strata ops/s and the ratio strata/redis.  Absolute
figures drift on a shared machine; the ratio is the figure to read.

How it measures
  * Every test runs with each pipeline depth (default -P 1 and -P 16),
    50 clients and random keys (-r 100000).  Default -n: 100000 at -P 1,
    1000000 at deeper pipelines (--quick: 20000 / 200000).
  * The servers alternate run by run: redis then strata for a test, and with
    --repeat N the order flips each repetition (R S S R R S ...) and the
    median is reported, so drift hits both servers alike.
  * Tests that redis-benchmark has no -t name for (HGET, ZRANGE, ...) run
    in its custom-command mode, e.g. `redis-benchmark -r 100000 HGET
    bench:hash field:__rand_int__`, on a key that both servers got filled
    with the same data (KEYSPACE elements named like __rand_int__ expands,
    e.g. field:000000000042) just before the test; the row is named after
    the test (HGET).  These tests only read, so one fill serves every run.
  * Before each test both servers get a probe of the command(s) the test
    sends (e.g. LPUSH k v).  A server that answers with an error (normally
    "ERR unknown command") is shown as "n/a" for that test and not
    benchmarked: redis-benchmark would otherwise count error replies as
    fast operations.
  * With 2+ usable cores and taskset available, both servers are pinned to
    the first core and redis-benchmark to the second (the header says so).
    Without taskset, or with --no-pin or one core, nothing is pinned.
  * Servers and the temporary directory are removed on exit, also after
    Ctrl-C or SIGTERM.

Options: --fsync, --tests, --pipeline, --clients, --requests, --repeat,
--quick, --strata PATH (default build/strata-server), --keep-going (record a
failed run and go on instead of stopping), --csv FILE ("-" = stdout),
--timeout, --no-pin.  Exit status: 0 if every run worked ("n/a" is fine),
1 if any failed, 2 on bad usage or a server that would not start.
"""

import argparse
import csv
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_TESTS = "set,get,incr,lpush,lpop,sadd,hset,hget,zadd,zrange,lrange_100"
KEYSPACE = 100000  # -r

# redis-benchmark -t name -> commands it sends, as probes (key filled in).
PROBES = {
    "ping_inline": [["PING"]],
    "ping_mbulk": [["PING"]],
    "ping": [["PING"]],
    "set": [["SET", "{k}", "v"]],
    "get": [["GET", "{k}"]],
    "incr": [["INCR", "{k}"]],
    "lpush": [["LPUSH", "{k}", "v"]],
    "rpush": [["RPUSH", "{k}", "v"]],
    "lpop": [["LPOP", "{k}"]],
    "rpop": [["RPOP", "{k}"]],
    "sadd": [["SADD", "{k}", "m"]],
    "hset": [["HSET", "{k}", "f", "v"]],
    "spop": [["SPOP", "{k}"]],
    "zadd": [["ZADD", "{k}", "1", "m"]],
    "zpopmin": [["ZPOPMIN", "{k}"]],
    "mset": [["MSET", "{k}", "v", "{k}:2", "v"]],
    "lrange": [["LPUSH", "{k}", "v"], ["LRANGE", "{k}", "0", "99"]],
}
for _n in ("lrange_100", "lrange_300", "lrange_500", "lrange_600"):
    PROBES[_n] = PROBES["lrange"]

# Tests in redis-benchmark's custom-command mode: test name -> the command
# line (with __rand_int__, which -r KEYSPACE expands to a 12-digit number
# below KEYSPACE) and the key it reads, filled first on both servers with
# KEYSPACE elements (see prefill()). Every one of them only reads, except
# XADD, which appends to one stream (fill: None, nothing to prefill).
CUSTOM = {
    "hget": {"argv": ["HGET", "bench:hash", "field:__rand_int__"], "fill": "hash"},
    "hmget": {"argv": ["HMGET", "bench:hash", "field:__rand_int__", "field:000000000001"],
              "fill": "hash"},
    "hexists": {"argv": ["HEXISTS", "bench:hash", "field:__rand_int__"], "fill": "hash"},
    "sismember": {"argv": ["SISMEMBER", "bench:set", "member:__rand_int__"], "fill": "set"},
    "zscore": {"argv": ["ZSCORE", "bench:zset", "member:__rand_int__"], "fill": "zset"},
    "zrange": {"argv": ["ZRANGE", "bench:zset", "0", "9"], "fill": "zset"},
    "zrangebyscore": {"argv": ["ZRANGE", "bench:zset", "__rand_int__", "+inf", "BYSCORE",
                               "LIMIT", "0", "10"], "fill": "zset"},
    # An index cannot be random: __rand_int__'s leading zeros are not an
    # integer to Redis. The middle of the list, then.
    "lindex": {"argv": ["LINDEX", "bench:list", str(KEYSPACE // 2)], "fill": "list"},
    "xadd": {"argv": ["XADD", "bench:stream", "*", "field", "value"], "fill": None},
}
for _n, _c in CUSTOM.items():
    # Probe on a key of its own: the command must be known and accept its
    # arguments (a missing key answers nil, not an error).
    PROBES[_n] = [[a.replace(_c["argv"][1], "{k}").replace("__rand_int__", "000000000001")
                   for a in _c["argv"]]]


class Interrupted(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- RESP probe

class RespError(Exception):
    pass


def _read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed")
    t, body = line[:1], line[1:-2]
    if t == b"-":
        return RespError(body.decode(errors="replace"))
    if t in (b"+", b":"):
        return body.decode(errors="replace")
    if t == b"$":
        n = int(body)
        return None if n < 0 else f.read(n + 2)[:-2]
    if t == b"*":
        n = int(body)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise ConnectionError("bad reply type %r" % t)


def resp_call(port, *args, timeout=5.0):
    """One command on a fresh connection; returns the reply (RespError
    instance for an error reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        with s.makefile("rb") as f:
            return _read_reply(f)


def probe(port, test):
    """None if the server accepts what `test` sends, else a short reason."""
    key = "strata-bench:probe:" + test
    try:
        for cmd in PROBES[test]:
            reply = resp_call(port, *[a.format(k=key) for a in cmd])
            if isinstance(reply, RespError):
                msg = str(reply)
                if msg.lower().startswith("err unknown command"):
                    return "unknown command %s" % cmd[0]
                return "%s -> %s" % (cmd[0], msg[:60])
        resp_call(port, "DEL", key, key + ":2")
    except (OSError, ValueError) as e:
        return "probe failed: %s" % e
    return None


# ------------------------------------------------------------------ prefill

def _fill_element(kind, i):
    if kind == "hash":
        return [b"field:%012d" % i, b"value:%012d" % i]
    if kind == "zset":
        return [b"%d" % i, b"member:%012d" % i]
    if kind == "set":
        return [b"member:%012d" % i]
    return [b"element:%012d" % i]  # list: index i holds element i


FILL_CMD = {"hash": b"HSET", "set": b"SADD", "zset": b"ZADD", "list": b"RPUSH"}


def prefill(port, kind, key, n=KEYSPACE, batch=1000, depth=8, timeout=300.0):
    """Replace key with a `kind` value of n elements, i = 0..n-1 (hash
    field:i -> value:i, set member:i, zset member:i with score i, list
    element:i at index i; i as 12 digits, as __rand_int__ expands). Returns
    None, or a short reason if the server refused."""
    cmds = []
    for b in range(0, n, batch):
        args = [FILL_CMD[kind], key.encode()]
        for i in range(b, min(n, b + batch)):
            args += _fill_element(kind, i)
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        cmds.append(b"".join(out))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            with s.makefile("rb") as f:
                s.sendall(b"*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n" % (len(key), key.encode()))
                r = _read_reply(f)
                if isinstance(r, RespError):
                    return "DEL -> %s" % r
                for j in range(0, len(cmds), depth):
                    chunk = cmds[j:j + depth]
                    s.sendall(b"".join(chunk))
                    for _ in chunk:
                        r = _read_reply(f)
                        if isinstance(r, RespError):
                            return "%s -> %s" % (FILL_CMD[kind].decode(), str(r)[:60])
    except (OSError, ValueError) as e:
        return "fill failed: %s" % e
    return None


# ------------------------------------------------------------------ servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name, argv_fn, workdir, pin):
        self.name, self.workdir = name, workdir
        self.port = free_port()
        self.argv = pin + argv_fn(self.port, workdir)
        self.logpath = workdir + ".log"
        self.proc = None
        self.dead = None  # reason once it died
        self.tail_shown = False

    def start(self, timeout=20.0):
        os.makedirs(self.workdir, exist_ok=True)
        with open(self.logpath, "wb") as logf:
            # Own session: a Ctrl-C at the terminal reaches us, not the
            # server, so shutdown stays in our hands.
            self.proc = subprocess.Popen(self.argv, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with status %s at start\n%s"
                                   % (self.name, self.proc.returncode, self.log_tail()))
            try:
                if resp_call(self.port, "PING", timeout=1.0) == "PONG":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("%s did not answer PING within %.0fs\n%s"
                           % (self.name, timeout, self.log_tail()))

    def alive(self):
        if self.dead:
            return False
        if self.proc.poll() is not None:
            self.dead = "exited with status %s" % self.proc.returncode
            return False
        return True

    def log_tail(self, n=15):
        try:
            with open(self.logpath, errors="replace") as f:
                lines = f.readlines()[-n:]
        except OSError:
            return ""
        return "".join("    | " + l for l in lines)

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            resp_call(self.port, *(["SHUTDOWN", "NOSAVE"] if self.name == "redis"
                                   else ["SHUTDOWN"]), timeout=2.0)
        except (OSError, ValueError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- benchmark

def run_benchmark(bench_argv, server, test, pipeline, clients, requests, timeout):
    """Returns ([(row name, ops/s)], None) or (None, failure reason)."""
    argv = bench_argv + ["-h", "127.0.0.1", "-p", str(server.port), "-c", str(clients),
                         "-n", str(requests), "-P", str(pipeline), "-r", str(KEYSPACE),
                         "--csv", "-q"]
    # Custom-command mode: the command line instead of -t (its CSV row is
    # named after the command line; we name it after the test).
    argv += CUSTOM[test]["argv"] if test in CUSTOM else ["-t", test]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL)
    try:
        out, errout = p.communicate(timeout=timeout)
    except BaseException as e:  # timeout, Ctrl-C, SIGTERM: never leave it running
        p.kill()
        p.communicate()
        if not isinstance(e, subprocess.TimeoutExpired):
            raise
        server.alive()
        return None, "timeout after %ss" % timeout
    err = " ".join(l.strip() for l in errout.decode(errors="replace").splitlines()
                   if l.strip() and "Could not fetch server CONFIG" not in l)
    if not server.alive():
        return None, "server %s" % server.dead
    rows = []
    for rec in csv.reader(out.decode(errors="replace").splitlines()):
        if len(rec) >= 2 and rec[0] != "test":
            try:
                rows.append((test.upper() if test in CUSTOM else rec[0], float(rec[1])))
            except ValueError:
                pass
    if p.returncode != 0 or not rows or err:
        return None, "redis-benchmark exit %d: %s" % (p.returncode, err[:200] or "no output")
    return rows, None


def fmt_rps(v):
    return "%.0f" % v if isinstance(v, float) else v


def main():
    ap = argparse.ArgumentParser(
        description="Benchmark strata against redis-server side by side (see top of file).")
    ap.add_argument("--fsync", choices=("everysec", "always", "no"), default="everysec",
                    help="appendfsync policy for both servers (default everysec)")
    ap.add_argument("--tests", default=DEFAULT_TESTS,
                    help="comma-separated redis-benchmark -t names, or custom tests %s "
                         "(default %s)" % (",".join(CUSTOM), DEFAULT_TESTS))
    ap.add_argument("--pipeline", default="1,16", help="comma-separated -P depths (default 1,16)")
    ap.add_argument("--clients", type=int, default=50, help="-c (default 50)")
    ap.add_argument("--requests", type=int, default=None,
                    help="-n for every depth (default 100000 at -P 1, 1000000 deeper)")
    ap.add_argument("--repeat", type=int, default=None,
                    help="runs per server per row, alternating order; median shown (default 1)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: -n 20000 / 200000, one repetition")
    ap.add_argument("--strata", default=os.path.join(ROOT, "build", "strata-server"),
                    help="strata binary (default build/strata-server)")
    ap.add_argument("--keep-going", action="store_true",
                    help="on a failed run, record it and continue instead of stopping")
    ap.add_argument("--csv", metavar="FILE", help="also write results as CSV (- = stdout)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds allowed per redis-benchmark run (default 300)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin processes to cores")
    a = ap.parse_args()

    tests = [t.strip().lower() for t in a.tests.split(",") if t.strip()]
    unknown = [t for t in tests if t not in PROBES]
    if unknown:
        ap.error("unknown test(s) %s; known: %s" % (",".join(unknown), ",".join(PROBES)))
    try:
        pipelines = [int(p) for p in a.pipeline.split(",") if p.strip()]
    except ValueError:
        ap.error("--pipeline wants integers, e.g. 1,16")
    if not pipelines or min(pipelines) < 1 or a.clients < 1 or (a.repeat or 1) < 1 \
            or (a.requests is not None and a.requests < 1):
        ap.error("pipeline, clients, requests and repeat must be positive")
    repeat = a.repeat or 1

    def requests_for(p):
        if a.requests:
            return a.requests
        base = 20000 if a.quick else 100000
        return base if p == 1 else base * 10

    strata_bin = os.path.abspath(a.strata)
    missing = [n for n in ("redis-server", "redis-benchmark") if not shutil.which(n)]
    if missing:
        log("bench: not found on PATH: %s (package redis-tools / redis-server)" % ", ".join(missing))
        return 2
    if not os.access(strata_bin, os.X_OK):
        log("bench: %s is not an executable; build it with: bash tools/build.sh release"
            % strata_bin)
        return 2

    # Pinning.
    cores = sorted(os.sched_getaffinity(0))
    pin_srv, pin_bench = [], []
    if a.no_pin:
        pin_note = "not pinned (--no-pin)"
    elif len(cores) < 2:
        pin_note = "not pinned (only %d usable core)" % len(cores)
    elif not shutil.which("taskset"):
        pin_note = "not pinned (taskset not found; install util-linux)"
    else:
        pin_srv = ["taskset", "-c", str(cores[0])]
        pin_bench = ["taskset", "-c", str(cores[1])]
        pin_note = ("servers pinned to core %d, redis-benchmark to core %d (taskset); "
                    "%d usable cores" % (cores[0], cores[1], len(cores)))

    # Signals: SIGTERM/SIGHUP end the run like Ctrl-C does.
    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    tmp = tempfile.mkdtemp(prefix="strata-bench-")
    servers = {}
    status = 0
    results = []  # dicts, in run order
    try:
        servers["redis"] = Server(
            "redis", lambda port, d: ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "yes",
                                      "--appendfsync", a.fsync, "--dir", d,
                                      "--daemonize", "no", "--logfile", ""],
            os.path.join(tmp, "redis"), pin_srv)
        servers["strata"] = Server(
            "strata", lambda port, d: [strata_bin, "--port", str(port), "--dir", d,
                                       "--appendfsync", a.fsync, "--bind", "127.0.0.1"],
            os.path.join(tmp, "strata"), pin_srv)
        for s in servers.values():
            try:
                s.start()
            except RuntimeError as e:
                log("bench: %s" % e)
                return 2

        rv = subprocess.run(["redis-server", "--version"], stdout=subprocess.PIPE,
                            universal_newlines=True).stdout.split()
        rv = next((w[2:] for w in rv if w.startswith("v=")), "?")
        print("strata vs redis-server %s, appendfsync %s (redis: --save '' --appendonly yes)"
              % (rv, a.fsync))
        print("binary %s" % strata_bin)
        print("%s" % pin_note)
        print("redis-benchmark -c %d -r %d, -n %s, %d run(s) per server per row%s; "
              "order alternates, median shown"
              % (a.clients, KEYSPACE,
                 "/".join("%d@P%d" % (requests_for(p), p) for p in pipelines),
                 repeat, " (--quick)" if a.quick else ""))
        sys.stdout.flush()

        total = len(tests) * len(pipelines) * repeat * 2
        step = 0
        stop = False
        for test in tests:
            na = {}
            for name, s in servers.items():
                # A dead server is a failure (below), not "n/a".
                na[name] = probe(s.port, test) if s.alive() else None
                if na[name] and not s.alive():
                    na[name] = None
                if not na[name] and test in CUSTOM and CUSTOM[test]["fill"] and s.alive():
                    # Same data on both servers, filled before the first run.
                    t0 = time.monotonic()
                    na[name] = prefill(s.port, CUSTOM[test]["fill"], CUSTOM[test]["argv"][1])
                    if not na[name]:
                        log("  %-8s %-7s filled %s with %d elements in %.1f s"
                            % (test, name, CUSTOM[test]["argv"][1], KEYSPACE, time.monotonic() - t0))
                    elif not s.alive():
                        na[name] = None  # a crash is a failure (below), not "n/a"
                if na[name]:
                    log("  %-8s %-7s n/a: %s" % (test, name, na[name]))
            for p in pipelines:
                n = requests_for(p)
                samples = {"redis": {}, "strata": {}}  # name -> row -> [rps]
                fail = {"redis": None, "strata": None}
                rownames = []
                for rep in range(repeat):
                    order = ("redis", "strata") if rep % 2 == 0 else ("strata", "redis")
                    for name in order:
                        step += 1
                        s = servers[name]
                        if na[name] or fail[name]:
                            continue
                        if s.alive():
                            rows, why = run_benchmark(pin_bench + ["redis-benchmark"], s, test,
                                                      p, a.clients, n, a.timeout)
                        else:
                            rows, why = None, "server %s" % s.dead
                        if why:
                            fail[name] = why
                            status = 1
                            log("[%d/%d] %s -P%d %s FAILED: %s" % (step, total, test, p, name, why))
                            if not s.alive() and not s.tail_shown:
                                s.tail_shown = True
                                log("  last lines of the %s log:\n%s" % (name, s.log_tail()))
                            if not a.keep_going:
                                stop = True
                                break
                            continue
                        for row, rps in rows:
                            if row not in rownames:
                                rownames.append(row)
                            samples[name].setdefault(row, []).append(rps)
                        log("[%d/%d] %s -P%d %s: %s" % (step, total, test, p, name,
                                                       ", ".join("%s %.0f" % r for r in rows)))
                    if stop:
                        break
                if not rownames:
                    rownames = [test.upper()]
                for row in rownames:
                    r = {"test": row, "pipeline": p, "requests": n}
                    for name in ("redis", "strata"):
                        got = samples[name].get(row)
                        if na[name]:
                            r[name], r[name + "_note"] = "n/a", na[name]
                        elif fail[name]:
                            r[name], r[name + "_note"] = "FAIL", fail[name]
                        elif got:
                            r[name], r[name + "_note"] = statistics.median(got), ""
                        else:
                            r[name], r[name + "_note"] = "-", "not run"
                        r[name + "_samples"] = got or []
                    if isinstance(r["redis"], float) and isinstance(r["strata"], float):
                        r["ratio"] = r["strata"] / r["redis"]
                    else:
                        r["ratio"] = None
                    results.append(r)
                if stop:
                    break
            if stop:
                break

        # Table.
        head = ("test", "pipeline", "redis ops/s", "strata ops/s", "strata/redis")
        body = [(r["test"], "P%d" % r["pipeline"], fmt_rps(r["redis"]), fmt_rps(r["strata"]),
                 "%.2f" % r["ratio"] if r["ratio"] is not None else "-") for r in results]
        w = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
        line = lambda x: "  ".join(v.ljust(w[i]) if i == 0 else v.rjust(w[i])
                                   for i, v in enumerate(x))
        print()
        print(line(head))
        print("  ".join("-" * n for n in w))
        for x in body:
            print(line(x))
        for p in pipelines:
            rs = [r["ratio"] for r in results if r["pipeline"] == p and r["ratio"]]
            if rs:
                print("geometric mean strata/redis at P%d over %d row(s): %.2f"
                      % (p, len(rs), statistics.geometric_mean(rs)))
        notes = sorted({"%s: %s" % (n, r[n + "_note"]) for r in results
                        for n in ("redis", "strata") if r[n + "_note"]})
        for note in notes:
            print("note: " + note)
        if stop:
            print("stopped at the first failure (use --keep-going to continue past failures)")

        if a.csv:
            out = sys.stdout if a.csv == "-" else open(a.csv, "w", newline="")
            try:
                wr = csv.writer(out)
                wr.writerow(["fsync", "test", "pipeline", "clients", "requests",
                             "redis_rps", "strata_rps", "ratio", "redis_samples",
                             "strata_samples", "redis_note", "strata_note"])
                for r in results:
                    wr.writerow([a.fsync, r["test"], r["pipeline"], a.clients, r["requests"],
                                 fmt_rps(r["redis"]), fmt_rps(r["strata"]),
                                 "%.4f" % r["ratio"] if r["ratio"] is not None else "",
                                 " ".join("%.0f" % v for v in r["redis_samples"]),
                                 " ".join("%.0f" % v for v in r["strata_samples"]),
                                 r["redis_note"], r["strata_note"]])
            finally:
                if out is not sys.stdout:
                    out.close()
        return status
    except (KeyboardInterrupt, Interrupted) as e:
        log("\nbench: interrupted (%s); stopping servers" % (str(e) or "SIGINT"))
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for s in servers.values():
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
