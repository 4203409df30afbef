#!/usr/bin/python3
"""Crash test for strata: kill -9 under concurrent writes, restart, verify.

One run = K kill cycles on one data directory:

  1. strata runs on a free port with --appendfsync always|everysec|no.
  2. N writer threads (one connection each, pipelined 1..P deep) write their
     own keys and log every command before sending it and every reply as it
     arrives (an acknowledged write = a complete, expected reply was read):
       SET/DEL   string keys s:T:i          unique values (some 20-70 KB)
       INCR      counters c:T:j             reply must be previous + 1
       MSET      triples m:T:j:{a,b,c}      one generation value for all 3
     and, when the server implements them (probed once at start: an
     "ERR unknown command" reply means absent):
       RPUSH     list l:T                   1-3 increasing values per command
       HSET/HDEL hash h:T, field pairs f:i:a f:i:b set/deleted together
       SADD      set S:T                    1-3 unique members per command
       XADD      stream x:T                 one entry per command, explicit
                 increasing id <seq>-1, field "v" holding the id
       XREADGROUP/XACK   (feature group) group g on x:T, consumer c: read
                 new entries with >, acknowledge delivered ids (an XACK
                 that replied 1 is never pending again; a delivered id stays
                 pending until acknowledged; last-delivered-id never goes back)
       RPUSH/LPOP/LMOVE  queue q:T -> done list d:T: RPUSH 1-2 values, LPOP
                 one, LMOVE q:T d:T LEFT RIGHT (an acknowledged pop must stay
                 popped; a moved element is in exactly one of the two lists)
       BLPOP/BLMOVE      (feature bqueue) the same queue, popped and moved
                 with the blocking forms and a 1 ms timeout: served at once
                 when q has elements, else they block, time out (nil) and
                 the commands pipelined behind them wait
     and, only when asked for (--types ...,swapdb), writer 0 also runs
       SWAPDB 1 2                           marker key swap:marker holds
                                            "one" in db 1, "two" in db 2
     A reader thread reads the same keys meanwhile and remembers what it saw
     (a value that was visible must survive the crash: no reply may reveal a
     write before it is durable), and checks that MSET triples and HSET pairs
     are never seen torn.
  3. After a random delay (0.2..1 x --duration; 1 cycle in 10: < 50 ms) the
     server is stopped, one of
       kill   SIGKILL while the clients write (70%)
       quiet  the clients stop, 1-3 last writes go one at a time, each alone
              in its turn of the event loop, then SIGKILL (20%): a write
              must not need a later turn to become durable
       term   SIGTERM while the clients write, SIGKILL 0-30 ms later unless
              it has exited (with code 0) by then (10%)
     and in 15% of the cycles the restart itself is killed 0-300 ms in (a
     crash during recovery) before the real restart. The server is restarted
     on the same directory and everything is read back and checked:
       - every string key / MSET triple / hash pair holds its last acknowledged
         value or a later one that was sent (in flight at the kill); never an
         older one; never anything that was not written; a value the reader
         saw is not taken back
       - MSET triples and hash pairs are all-or-nothing (the 3 keys equal)
       - counter: acked <= value <= acked + in flight, >= what the reader saw
       - list = previous contents + a prefix of the RPUSH commands sent, at
         least every acknowledged one, cut only at a command boundary
       - set = previous members + whole SADD commands, a prefix of those sent,
         at least every acknowledged one
       - stream = previous entries + a prefix of the XADD commands sent, at
         least every acknowledged one (every acknowledged id is present, in
         order, with its field intact); XLEN never below what the reader saw
       - queue and done list together = the state after a prefix of the
         queue commands sent, at least every acknowledged one
       - DBSIZE equals the number of keys SCAN finds, and SCAN finds exactly
         the keys the checks above expect
       - the server log has no sanitizer report
     The state found becomes the starting point of the next cycle.
  4. After the last cycle: graceful SIGTERM (exit code 0), restart, and the
     state must be exactly what was there before.

With appendfsync always nothing acknowledged may be lost. A SIGKILL (process
crash, not power loss) must lose nothing under everysec and no either: the
write reaches the WAL (the OS) before the reply. So the same checks apply to
every policy.

CLI:
  /usr/bin/python3 tests/crash/crash_test.py --fsync always --cycles 20
  /usr/bin/python3 tests/crash/crash_test.py --fsync everysec --cycles 20 --threads 8
Exit status: 0 all good, 1 violation (details printed, data dir kept),
2 setup problem (binary missing, server does not start on a fresh dir).

Module: run_crash_test(...) -> CrashResult (see its docstring).
Environment: STRATA_SERVER = binary (default <repo>/build/strata-server).
"""

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_BINARY = os.environ.get("STRATA_SERVER") or str(REPO / "build" / "strata-server")

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")

# Model sizes (per writer thread).
N_STRINGS = 200
N_COUNTERS = 3
N_TRIPLES = 4
N_HASH_PAIRS = 40
LIST_MAX = 3000      # trimmed to LIST_KEEP before a cycle when longer
LIST_KEEP = 200
SET_MAX = 3000       # deleted before a cycle when bigger
BIG_VALUE_P = 0.01   # share of SET values of 20-70 KB


# ---------------------------------------------------------------------------
# Server process
# ---------------------------------------------------------------------------

def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _child_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "abort_on_error=1:halt_on_error=1:detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    supp = REPO / "tests" / "lsan.supp"
    if supp.exists():
        env.setdefault("LSAN_OPTIONS", "suppressions=%s:print_suppressions=0" % supp)
    return env


class ServerError(Exception):
    pass


class Server:
    """strata-server on 127.0.0.1, a new free port at every start, output
    appended to log_path."""

    def __init__(self, binary, data_dir, log_path, fsync, extra_args=(), start_timeout=60.0):
        self.binary = str(binary)
        self.dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.fsync = fsync
        self.extra_args = [str(a) for a in extra_args]
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port = None
        self.proc = None
        self.starts = 0

    def argv(self):
        return [self.binary, "--port", str(self.port), "--dir", str(self.dir), "--bind", self.host,
                "--appendfsync", self.fsync] + self.extra_args

    def note(self, text):
        with open(self.log_path, "ab") as f:
            f.write(("\n=== crash test %s: %s\n" % (time.strftime("%H:%M:%S"), text)).encode())

    def start(self):
        if self.alive():
            raise RuntimeError("server already running")
        self.dir.mkdir(parents=True, exist_ok=True)
        last_err = None
        for _attempt in range(3):
            self.port = free_port()
            self.starts += 1
            self.note("start #%d: %s" % (self.starts, " ".join(self.argv())))
            logf = open(self.log_path, "ab")
            self.proc = subprocess.Popen(self.argv(), stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(self.dir.parent),
                                         env=_child_env())
            logf.close()
            try:
                self._wait_ready()
                return
            except ServerError as e:
                last_err = e
                # A port taken between free_port() and bind: try another one.
                if self.proc.poll() is not None and "ddress already in use" in self.log_tail(5):
                    continue
                raise
        raise last_err

    def _wait_ready(self):
        deadline = time.time() + self.start_timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise ServerError("server exited with code %s during start-up\n--- log tail ---\n%s"
                                  % (self.proc.returncode, self.log_tail()))
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = b""
                    while b"\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"+PONG\r\n"):
                        return
                    last = data
            except OSError as e:
                last = e
            time.sleep(0.01)
        raise ServerError("server did not answer PING within %.0fs (last: %r)\n--- log tail ---\n%s"
                          % (self.start_timeout, last, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        """SIGKILL and reap. Returns None if it was running, else the exit
        code it had already died with (a crash of its own)."""
        if self.proc is None:
            return "not started"
        early = self.proc.poll()
        if early is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None
        self.note("killed with SIGKILL" if early is None else "found dead (exit code %s)" % early)
        return early

    def term_then_kill(self, grace):
        """SIGTERM, then SIGKILL after grace seconds if still running.
        Returns (exit code, "exited") or (None, "killed"); (code, "dead")
        if it had died before."""
        early = self.proc.poll()
        if early is not None:
            self.proc = None
            self.note("found dead (exit code %s)" % early)
            return early, "dead"
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(grace)
            self.proc = None
            self.note("SIGTERM: exited with code %s within %.3fs" % (rc, grace))
            return rc, "exited"
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
            self.proc = None
            self.note("SIGTERM, then SIGKILL after %.3fs" % grace)
            return None, "killed"

    def start_and_kill(self, delay):
        """Start, and SIGKILL after delay seconds whether or not it is ready
        (a crash during recovery). Returns None, or the exit code if it
        exited by itself first."""
        self.port = free_port()
        self.starts += 1
        self.note("start #%d (to be killed after %.3fs): %s" % (self.starts, delay, " ".join(self.argv())))
        logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv(), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=str(self.dir.parent), env=_child_env())
        logf.close()
        time.sleep(delay)
        return self.kill9()

    def terminate(self, timeout=60.0):
        """SIGTERM (graceful shutdown); returns the exit code, or None if it
        had to be killed after timeout."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            rc = None
        self.proc = None
        self.note("stopped with SIGTERM, exit code %s" % rc)
        return rc

    def ensure_dead(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None

    def log_text(self):
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=60):
        return "\n".join(self.log_text().splitlines()[-n:])

    def sanitizer_report(self):
        return sanitizer_report(self.log_text())

    def client(self, timeout=60.0):
        return redis.Redis(host=self.host, port=self.port, socket_timeout=timeout,
                           socket_connect_timeout=10)

    def connection(self, timeout=60.0):
        c = redis.Connection(host=self.host, port=self.port, socket_timeout=timeout,
                             socket_connect_timeout=10)
        c.connect()
        return c


def sanitizer_report(text):
    for marker in SANITIZER_MARKERS:
        i = text.find(marker)
        if i >= 0:
            return text[max(0, i - 300):i + 4000]
    return None


# ---------------------------------------------------------------------------
# Model: what each writer sent and what was acknowledged
# ---------------------------------------------------------------------------

def short(v, n=60):
    """Readable form of a value for reports."""
    if v is None:
        return "nil"
    if isinstance(v, (bytes, bytearray)):
        v = bytes(v)
        if len(v) > n:
            return "%r...(%d bytes)" % (v[:n], len(v))
        return repr(v)
    return repr(v)


class Register:
    """A value with exactly one writer: a string key, an MSET triple, a
    hash field pair. States: base (found at the cycle start) followed by
    every value sent this cycle, in order (None = deleted). The server
    applies a prefix of them, at least the `acked` first."""

    __slots__ = ("name", "base", "sent", "acked", "seen")

    def __init__(self, name, base=None):
        self.name = name
        self.reset(base)

    def reset(self, base):
        self.base = base
        self.sent = []
        self.acked = 0
        self.seen = []  # values the reader saw this cycle

    def last(self):
        return self.sent[-1] if self.sent else self.base

    def states(self):
        return [self.base] + self.sent

    def position(self, value):
        """Latest position (0 = base) whose state is value, or None."""
        st = self.states()
        for i in range(len(st) - 1, -1, -1):
            if st[i] == value:
                return i
        return None

    def min_seen_position(self):
        """Lowest position the found state may have because of what the
        reader saw (a value it saw must not be taken back)."""
        best = 0
        for v in self.seen:
            if v is None:
                continue  # nil is ambiguous (base or a DEL)
            p = self.position(v)
            if p is not None:
                best = max(best, p)
        return best

    def check(self, found):
        """Violation text or None. Also returns the position found."""
        st = self.states()
        lo = max(self.acked, self.min_seen_position())
        for p in range(len(st) - 1, lo - 1, -1):
            if st[p] == found:
                return None, p
        # Not allowed: say why.
        pos = self.position(found)
        if pos is None:
            why = "a value that was never written"
        elif pos < self.acked:
            why = "an OLDER value (state %d of %d; %d acknowledged) -> acknowledged write lost" % (
                pos, len(st) - 1, self.acked)
        else:
            why = "state %d, older than state %d seen by a reader before the kill" % (pos, lo)
        lines = ["%s: found %s: %s" % (self.name, short(found), why),
                 "    at cycle start: %s" % short(self.base)]
        first = max(0, self.acked - 4)
        for i in range(first, len(self.sent)):
            tag = "acked" if i < self.acked else "in flight"
            lines.append("    write %d: %s (%s)" % (i + 1, short(self.sent[i]), tag))
        if self.seen:
            lines.append("    reader saw: %s" % ", ".join(short(v) for v in self.seen[-5:]))
        return "\n".join(lines), pos


class Counter:
    __slots__ = ("name", "base", "sent", "acked", "seen")

    def __init__(self, name, base=0):
        self.name = name
        self.reset(base)

    def reset(self, base):
        self.base = base
        self.sent = 0
        self.acked = 0
        self.seen = 0

    def check(self, found):
        lo = max(self.base + self.acked, self.seen)
        hi = self.base + self.sent
        if found is None or not (lo <= found <= hi):
            return ("%s: found %s, expected %d..%d (cycle start %d, %d INCR acknowledged, %d in flight, "
                    "reader saw %d)%s" % (self.name, found, lo, hi, self.base, self.acked,
                                          self.sent - self.acked, self.seen,
                                          " -> acknowledged INCR lost" if found is not None and found < lo else ""))
        return None


class ListModel:
    """RPUSH-only list: base + a prefix of the commands sent."""
    __slots__ = ("name", "base", "cmds", "acked", "seen_len")

    def __init__(self, name, base=()):
        self.name = name
        self.reset(list(base))

    def reset(self, base):
        self.base = list(base)
        self.cmds = []
        self.acked = 0
        self.seen_len = 0

    def length_after(self, n):
        return len(self.base) + sum(len(c) for c in self.cmds[:n])

    def check(self, found):
        nb = len(self.base)
        if found[:nb] != self.base:
            i = next((i for i in range(min(nb, len(found))) if found[i] != self.base[i]), min(nb, len(found)))
            return ("%s: the list's earlier contents changed: at index %d expected %s, found %s "
                    "(expected length >= %d, found %d)" % (
                        self.name, i, short(self.base[i]) if i < nb else "end",
                        short(found[i]) if i < len(found) else "end", nb, len(found))), None
        rest = found[nb:]
        pos = 0
        applied = 0
        for c in self.cmds:
            if pos == len(rest):
                break
            if rest[pos:pos + len(c)] != c:
                break
            pos += len(c)
            applied += 1
        problem = None
        if pos != len(rest):
            problem = ("elements %s at index %d are not the next RPUSH sent (next: %s) or a command "
                       "was split" % (short(rest[pos:pos + 3]), nb + pos,
                                      short(self.cmds[applied]) if applied < len(self.cmds) else "none"))
        elif applied < self.acked:
            problem = ("only %d of %d acknowledged RPUSH commands present -> acknowledged write lost"
                       % (applied, self.acked))
        elif len(found) < self.seen_len:
            problem = "length %d < length %d a reader saw before the kill" % (len(found), self.seen_len)
        if problem:
            lines = ["%s: %s" % (self.name, problem),
                     "    cycle start length %d, found length %d, %d RPUSH sent (%d acked), "
                     "expected length %d..%d" % (nb, len(found), len(self.cmds), self.acked,
                                                 self.length_after(self.acked), self.length_after(len(self.cmds)))]
            for i in range(max(0, self.acked - 3), min(len(self.cmds), self.acked + 3)):
                lines.append("    RPUSH %d: %s (%s)" % (i + 1, [short(x) for x in self.cmds[i]],
                                                         "acked" if i < self.acked else "in flight"))
            lines.append("    found tail: %s" % [short(x) for x in found[-6:]])
            return "\n".join(lines), None
        return None, applied


class SetModel:
    """SADD-only set: base + whole commands, a prefix of those sent."""
    __slots__ = ("name", "base", "cmds", "acked", "seen_card")

    def __init__(self, name, base=()):
        self.name = name
        self.reset(set(base))

    def reset(self, base):
        self.base = set(base)
        self.cmds = []
        self.acked = 0
        self.seen_card = 0

    def check(self, found):
        problems = []
        missing_base = self.base - found
        if missing_base:
            problems.append("%d members present at the cycle start are gone, e.g. %s"
                            % (len(missing_base), short(sorted(missing_base)[0])))
        extra = found - self.base
        applied = 0
        for c in self.cmds:
            present = [m in found for m in c]
            if all(present):
                applied += 1
                extra -= set(c)
                continue
            break
        # Nothing after the first command that is not (fully) there.
        for i in range(applied, len(self.cmds)):
            c = self.cmds[i]
            present = [m in found for m in c]
            if any(present):
                problems.append("SADD %d %s is %s although SADD %d is not complete (not a prefix / torn)"
                                % (i + 1, [short(m) for m in c],
                                   "partly present" if not all(present) else "present", applied + 1))
                extra -= set(c)
        if extra:
            problems.append("%d members never sent, e.g. %s" % (len(extra), short(sorted(extra)[0])))
        if applied < self.acked:
            problems.append("only %d of %d acknowledged SADD commands present -> acknowledged write lost"
                            % (applied, self.acked))
        if len(found) < self.seen_card:
            problems.append("cardinality %d < %d a reader saw" % (len(found), self.seen_card))
        if problems:
            lines = ["%s: %s" % (self.name, p) for p in problems]
            lines.append("    cycle start %d members, found %d, %d SADD sent (%d acked)"
                         % (len(self.base), len(found), len(self.cmds), self.acked))
            for i in range(max(0, self.acked - 2), min(len(self.cmds), self.acked + 3)):
                lines.append("    SADD %d: %s (%s)" % (i + 1, [short(x) for x in self.cmds[i]],
                                                        "acked" if i < self.acked else "in flight"))
            return "\n".join(lines), None
        return None, applied


class StreamModel:
    """XADD-only stream: base entries + a prefix of the XADDs sent."""
    __slots__ = ("name", "base", "cmds", "acked", "seen_len")

    def __init__(self, name):
        self.name = name
        self.reset([])

    def reset(self, base):
        self.base = list(base)
        self.cmds = []   # ids sent, in order
        self.acked = 0
        self.seen_len = 0

    def check(self, found):
        """found: [(id, fields)] as XRANGE - + gives them."""
        problems = []
        ids = [e[0] for e in found]
        bad = [e for e in found if e[1] != [b"v", e[0]]]
        if bad:
            problems.append("entry %s has fields %s (expected v %s)" % (short(bad[0][0]), bad[0][1], short(bad[0][0])))
        n = len(self.base)
        if ids[:n] != self.base:
            problems.append("entries present at the cycle start changed: %d then, first difference near %s"
                            % (n, short(next((a for a, b in zip(ids, self.base) if a != b), b"(end)"))))
        rest = ids[n:]
        applied = len(rest)
        if rest != self.cmds[:applied]:
            problems.append("entries after the cycle start are not a prefix of the XADDs sent: %s"
                            % [short(x) for x in rest[:5]])
        if applied < self.acked:
            problems.append("only %d of %d acknowledged XADD commands present -> acknowledged write lost"
                            % (applied, self.acked))
        if len(ids) < self.seen_len:
            problems.append("XLEN %d < %d a reader saw" % (len(ids), self.seen_len))
        if problems:
            lines = ["%s: %s" % (self.name, p) for p in problems]
            lines.append("    cycle start %d entries, found %d, %d XADD sent (%d acked)"
                         % (n, len(ids), len(self.cmds), self.acked))
            return "\n".join(lines), None
        return None, applied


def _id_key(i):
    ms, _, seq = i.partition(b"-")
    return (int(ms), int(seq))


class GroupModel:
    """Consumer group g on the thread's stream, one consumer c, reading
    with XREADGROUP ... > and acknowledging with XACK. What must survive a
    kill: an XACK that replied 1 (the id never pending again), a delivery
    whose reply arrived (the id stays pending until acknowledged, and the
    group's last-delivered-id never goes back, so > never hands it out
    again), and a creation that replied OK."""
    __slots__ = ("created", "create_sent", "delivered", "ack_sent", "acked", "base_pending")

    def __init__(self):
        self.reset(False, [])

    def reset(self, exists, pending):
        self.created = self.create_sent = exists
        self.base_pending = list(pending)
        self.delivered = []   # ids a delivery reply carried, this cycle
        self.ack_sent = set()
        self.acked = set()    # XACK replied 1

    def unacked(self):
        """A delivered id no XACK was sent for yet, or None."""
        for i in self.base_pending + self.delivered:
            if i not in self.ack_sent:
                return i
        return None

    def check(self, found):
        """found: (exists, pending ids, last-delivered-id)."""
        exists, pending, last = found
        problems = []
        if self.created and not exists:
            problems.append("group g acknowledged as created is gone")
        if exists:
            pend = set(pending)
            back = [a for a in self.acked if a in pend]
            if back:
                problems.append("XACK acknowledged, yet pending again after restart: %s" % short(back[0]))
            lost = [d for d in self.base_pending + self.delivered if d not in self.ack_sent and d not in pend]
            if lost:
                problems.append("delivered and never acknowledged, yet no longer pending: %s" % short(lost[0]))
            if self.delivered and _id_key(last) < max(_id_key(d) for d in self.delivered):
                problems.append("last-delivered-id %s is below an id delivered before the kill (%s): > would "
                                "deliver it again" % (short(last), short(max(self.delivered, key=_id_key))))
        if problems:
            return "\n".join("stream group g: " + p for p in problems)
        return None


class QueueModel:
    """Queue q (RPUSH at the tail, LPOP / LMOVE from the head) and the done
    list d that LMOVE appends to. S: every value ever in q this cycle, in
    order; D: d's contents at the start followed by every moved value. A
    state (h, t, n) means q = S[h:t] and d = D[:n]; states[0] is the cycle
    start and states[i] follows the i-th command sent."""
    __slots__ = ("qname", "dname", "S", "D", "states", "ops", "acked")

    def __init__(self, qname, dname):
        self.qname = qname
        self.dname = dname
        self.reset([], [])

    def reset(self, q, d):
        self.S = list(q)
        self.D = list(d)
        self.states = [(0, len(self.S), len(self.D))]
        self.ops = []
        self.acked = 0

    def push(self, vals):
        h, t, n = self.states[-1]
        assert t == len(self.S)
        self.S.extend(vals)
        self.states.append((h, t + len(vals), n))
        self.ops.append("RPUSH %s" % [short(v) for v in vals])
        return t + len(vals) - h

    def pop(self):
        h, t, n = self.states[-1]
        if h == t:
            self.states.append((h, t, n))
            self.ops.append("LPOP -> nil")
            return None
        self.states.append((h + 1, t, n))
        self.ops.append("LPOP -> %s" % short(self.S[h]))
        return self.S[h]

    def move(self):
        h, t, n = self.states[-1]
        if h == t:
            self.states.append((h, t, n))
            self.ops.append("LMOVE -> nil")
            return None
        assert n == len(self.D)
        self.D.append(self.S[h])
        self.states.append((h + 1, t, n + 1))
        self.ops.append("LMOVE -> %s" % short(self.S[h]))
        return self.S[h]

    def check(self, q, d):
        for p in range(len(self.states) - 1, self.acked - 1, -1):
            h, t, n = self.states[p]
            if t - h == len(q) and n == len(d) and self.S[h:t] == q and self.D[:n] == d:
                return None, p
        h, t, n = self.states[self.acked]
        lines = ["%s / %s: queue state is not the state after %d..%d of the commands sent "
                 "(%d acknowledged)" % (self.qname, self.dname, self.acked, len(self.ops), self.acked)]
        lines.append("    found queue (%d): %s ... %s" % (len(q), [short(x) for x in q[:3]], [short(x) for x in q[-2:]]))
        lines.append("    found done list (%d): ... %s" % (len(d), [short(x) for x in d[-3:]]))
        lines.append("    expected at least: queue (%d) %s ..., done list (%d) ... %s"
                     % (t - h, [short(x) for x in self.S[h:h + 3]], n, [short(x) for x in self.D[max(0, n - 3):n]]))
        qset = set(q)
        lost = [x for x in self.S[:h] if x in qset]
        if lost:
            lines.append("    acknowledged pops came back: %s" % [short(x) for x in lost[:5]])
        for i in range(max(0, self.acked - 4), min(len(self.ops), self.acked + 3)):
            lines.append("    cmd %d: %s (%s)" % (i + 1, self.ops[i], "acked" if i < self.acked else "in flight"))
        return "\n".join(lines), None


class ThreadModel:
    """Keys owned by writer thread tid."""

    def __init__(self, tid, features):
        self.tid = tid
        self.features = features
        t = tid
        self.strings = [Register(b"s:%d:%d" % (t, i)) for i in range(N_STRINGS)]
        self.counters = [Counter(b"c:%d:%d" % (t, j)) for j in range(N_COUNTERS)]
        self.triples = [Register(b"m:%d:%d" % (t, j)) for j in range(N_TRIPLES)]
        self.list = ListModel(b"l:%d" % t) if "list" in features else None
        self.hash_key = b"h:%d" % t
        self.pairs = ([Register(b"f:%d" % i) for i in range(N_HASH_PAIRS)]
                      if "hash" in features else [])
        self.set = SetModel(b"S:%d" % t) if "set" in features else None
        self.stream = StreamModel(b"x:%d" % t) if "stream" in features else None
        self.group = GroupModel() if (self.stream and "group" in features) else None
        self.queue = QueueModel(b"q:%d" % t, b"d:%d" % t) if "queue" in features else None
        # SWAPDB 1 2: state = the marker's value in db 1.
        self.swap = Register(b"swapdb 1 2 (swap:marker in db 1)") if ("swapdb" in features and t == 0) else None
        self.seq = 0

    @staticmethod
    def triple_keys(reg):
        return [reg.name + b":a", reg.name + b":b", reg.name + b":c"]

    @staticmethod
    def pair_fields(reg):
        return [reg.name + b":a", reg.name + b":b"]

    def all_keys(self):
        """Every key name this thread may create."""
        keys = [r.name for r in self.strings] + [c.name for c in self.counters]
        for r in self.triples:
            keys += self.triple_keys(r)
        if self.list:
            keys.append(self.list.name)
        if self.pairs:
            keys.append(self.hash_key)
        if self.set:
            keys.append(self.set.name)
        if self.stream:
            keys.append(self.stream.name)
        if self.queue:
            keys += [self.queue.qname, self.queue.dname]
        return keys


# ---------------------------------------------------------------------------
# Reading the state back
# ---------------------------------------------------------------------------

def _int_or_none(v):
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        return v


def _flat_fields(f):
    """An entry's fields as [field, value, ...] (redis-py may give a dict)."""
    if isinstance(f, dict):
        return [x for kv in f.items() for x in kv]
    return list(f)


def read_state(r, m):
    """Current state of thread model m's keys via redis.Redis r, in the
    shapes the checks take. Triples come back as (a, b, c) tuples."""
    st = {}
    st["strings"] = r.mget([x.name for x in m.strings])
    st["counters"] = [_int_or_none(v) for v in r.mget([c.name for c in m.counters])]
    flat = r.mget([k for reg in m.triples for k in m.triple_keys(reg)])
    st["triples"] = [tuple(flat[3 * i:3 * i + 3]) for i in range(len(m.triples))]
    if m.list:
        st["list"] = r.lrange(m.list.name, 0, -1)
    if m.pairs:
        h = r.hgetall(m.hash_key)
        st["pairs"] = [tuple(h.get(f) for f in m.pair_fields(reg)) for reg in m.pairs]
        known = set(f for reg in m.pairs for f in m.pair_fields(reg))
        st["hash_extra"] = sorted(set(h) - known)
    if m.set:
        st["set"] = set(r.smembers(m.set.name))
    if m.stream:
        st["stream"] = [(i, _flat_fields(f)) for i, f in r.execute_command("XRANGE", m.stream.name, "-", "+")]
    if m.group:
        groups = r.xinfo_groups(m.stream.name) if r.exists(m.stream.name) else []
        g = [x for x in groups if x["name"] in (b"g", "g")]
        if g:
            last = g[0]["last-delivered-id"]
            pend = [e["message_id"] for e in r.xpending_range(m.stream.name, "g", "-", "+", 1000000)]
            st["group"] = (True, pend, last)
        else:
            st["group"] = (False, [], b"0-0")
    if m.queue:
        st["queue"] = (r.lrange(m.queue.qname, 0, -1), r.lrange(m.queue.dname, 0, -1))
    if m.swap:
        kw = r.connection_pool.connection_kwargs
        with redis.Redis(host=kw["host"], port=kw["port"], db=1, socket_timeout=60) as r1:
            st["swap"] = r1.get(SWAP_MARKER)
    return st


SWAP_MARKER = b"swap:marker"


def swap_setup(server):
    """Marker "one" in db 1 and "two" in db 2 unless already there."""
    with redis.Redis(host=server.host, port=server.port, db=1, socket_timeout=60) as r1:
        if r1.get(SWAP_MARKER) is None:
            r1.set(SWAP_MARKER, b"one")
    with redis.Redis(host=server.host, port=server.port, db=2, socket_timeout=60) as r2:
        if r2.get(SWAP_MARKER) is None:
            r2.set(SWAP_MARKER, b"two")


def _tuple_state(t):
    """(v, v, v) -> v; (None, None, None) -> None; anything torn -> 'torn'."""
    if all(x == t[0] for x in t):
        return t[0]
    return "torn"


def verify_thread(m, st):
    """Check model m against state st. Returns (violations, stats)."""
    out = []
    stats = {"inflight_applied": 0, "inflight_lost": 0}

    def account(applied_pos, acked, sent):
        if applied_pos is None:
            return
        stats["inflight_applied"] += max(0, applied_pos - acked)
        stats["inflight_lost"] += max(0, sent - max(applied_pos, acked))

    for reg, found in zip(m.strings, st["strings"]):
        v, pos = reg.check(found)
        if v:
            out.append(v)
        account(pos, reg.acked, len(reg.sent))
    for c, found in zip(m.counters, st["counters"]):
        if found is None and c.base == 0 and c.acked == 0 and c.seen == 0:
            found = 0
        v = c.check(found if isinstance(found, int) else None)
        if v:
            out.append(v if isinstance(found, int) or found is None else v + " (not an integer: %s)" % short(found))
        elif isinstance(found, int):
            stats["inflight_applied"] += found - c.base - c.acked
            stats["inflight_lost"] += c.base + c.sent - found
    for reg, t in zip(m.triples, st["triples"]):
        val = _tuple_state(t)
        if val == "torn":
            out.append("%s: MSET triple torn after restart: a=%s b=%s c=%s\n    last writes: %s (acked %d of %d)"
                       % (reg.name, short(t[0]), short(t[1]), short(t[2]),
                          ", ".join(short(x) for x in reg.sent[-3:]), reg.acked, len(reg.sent)))
            continue
        v, pos = reg.check(val)
        if v:
            out.append("MSET " + v)
        account(pos, reg.acked, len(reg.sent))
    if m.list:
        v, applied = m.list.check(st["list"])
        if v:
            out.append(v)
        account(applied, m.list.acked, len(m.list.cmds))
    if m.pairs:
        for reg, t in zip(m.pairs, st["pairs"]):
            val = _tuple_state(t)
            if val == "torn":
                out.append("%s %s: HSET/HDEL pair torn after restart: a=%s b=%s\n    last writes: %s (acked %d of %d)"
                           % (m.hash_key, reg.name, short(t[0]), short(t[1]),
                              ", ".join(short(x) for x in reg.sent[-3:]), reg.acked, len(reg.sent)))
                continue
            v, pos = reg.check(val)
            if v:
                out.append("%s field %s" % (m.hash_key, v))
            account(pos, reg.acked, len(reg.sent))
        if st["hash_extra"]:
            out.append("%s: fields never written: %s" % (m.hash_key, [short(f) for f in st["hash_extra"][:5]]))
    if m.set:
        v, applied = m.set.check(st["set"])
        if v:
            out.append(v)
        account(applied, m.set.acked, len(m.set.cmds))
    if m.stream:
        v, applied = m.stream.check(st["stream"])
        if v:
            out.append(v)
        account(applied, m.stream.acked, len(m.stream.cmds))
    if m.group:
        v = m.group.check(st["group"])
        if v:
            out.append(v)
    if m.queue:
        v, pos = m.queue.check(*st["queue"])
        if v:
            out.append(v)
        account(pos, m.queue.acked, len(m.queue.ops))
    if m.swap:
        v, pos = m.swap.check(st["swap"])
        if v:
            out.append(v)
        account(pos, m.swap.acked, len(m.swap.sent))
    return out, stats


def rebase(m, st):
    """The state found becomes the start of the next cycle."""
    for reg, found in zip(m.strings, st["strings"]):
        reg.reset(found)
    for c, found in zip(m.counters, st["counters"]):
        c.reset(found if isinstance(found, int) else 0)
    for reg, t in zip(m.triples, st["triples"]):
        reg.reset(t[0] if _tuple_state(t) != "torn" else ("torn", t))
    if m.list:
        m.list.reset(st["list"])
    if m.pairs:
        for reg, t in zip(m.pairs, st["pairs"]):
            reg.reset(t[0] if _tuple_state(t) != "torn" else ("torn", t))
    if m.set:
        m.set.reset(st["set"])
    if m.stream:
        m.stream.reset([e[0] for e in st["stream"]])
    if m.group:
        m.group.reset(st["group"][0], st["group"][1])
    if m.queue:
        m.queue.reset(*st["queue"])
    if m.swap:
        m.swap.reset(st["swap"])


def expected_keys(m, st):
    keys = set()
    for reg, v in zip(m.strings, st["strings"]):
        if v is not None:
            keys.add(reg.name)
    for c, v in zip(m.counters, st["counters"]):
        if v is not None:
            keys.add(c.name)
    for reg, t in zip(m.triples, st["triples"]):
        for k, v in zip(m.triple_keys(reg), t):
            if v is not None:
                keys.add(k)
    if m.list and st["list"]:
        keys.add(m.list.name)
    if m.pairs and (any(x is not None for t in st["pairs"] for x in t) or st["hash_extra"]):
        keys.add(m.hash_key)
    if m.set and st["set"]:
        keys.add(m.set.name)
    if m.stream and st["stream"]:
        keys.add(m.stream.name)
    if m.queue:
        if st["queue"][0]:
            keys.add(m.queue.qname)
        if st["queue"][1]:
            keys.add(m.queue.dname)
    return keys


# ---------------------------------------------------------------------------
# Writers and reader
# ---------------------------------------------------------------------------

CONN_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError, EOFError)


class Writer(threading.Thread):
    def __init__(self, run, m, rng, cycle):
        super().__init__(name="writer-%d" % m.tid, daemon=True)
        self.run_ = run
        self.m = m
        self.rng = rng
        self.cycle = cycle
        self.acked = 0
        self.sent = 0
        self.errors = []  # unexpected replies (violations)
        self.conn_error = None
        ops = [("set", 30), ("del", 3), ("incr", 20), ("mset", 15)]
        if m.list:
            ops.append(("rpush", 12))
        if m.pairs:
            ops += [("hset", 12), ("hdel", 2)]
        if m.set:
            ops.append(("sadd", 8))
        if m.stream:
            ops.append(("xadd", 8))
        if m.group:
            ops += [("xread", 4), ("xack", 3)]
        if m.queue:
            ops += [("qpush", 4), ("qpop", 3), ("qmove", 3)]
            if "bqueue" in m.features:
                ops += [("qbpop", 2), ("qbmove", 2)]
        if m.swap:
            ops.append(("swapdb", 2))
        self.ops = [o for o, _ in ops]
        self.weights = [w for _, w in ops]

    def value(self, kind, big_ok=False):
        self.m.seq += 1
        tag = b"%s:%d:%d:%d" % (kind, self.cycle, self.m.tid, self.m.seq)
        rng = self.rng
        if big_ok and rng.random() < BIG_VALUE_P:
            n = rng.randint(20000, 70000)
        else:
            n = rng.randint(0, 120)
        if n:
            c = 97 + self.m.seq % 26
            tag += b"|" + (bytes(range(c, 123)) + bytes(range(97, c))) * (n // 26 + 1)
            tag = tag[:len(tag) - (26 * (n // 26 + 1) - n)]
        return tag

    def make_op(self, force=None):
        """Record one command as sent; return (args, on_reply)."""
        m, rng = self.m, self.rng
        op = force or rng.choices(self.ops, self.weights)[0]
        if op in ("set", "del"):
            reg = rng.choice(m.strings)
            prev = reg.last()
            if op == "set":
                v = self.value(b"s", big_ok=True)
                reg.sent.append(v)
                args = (b"SET", reg.name, v)
                expect = b"OK"
            else:
                reg.sent.append(None)
                args = (b"DEL", reg.name)
                expect = 0 if prev is None else 1
            return args, self._reg_ack(reg, expect)
        if op == "incr":
            c = rng.choice(m.counters)
            c.sent += 1
            expect = c.base + c.sent
            def on(reply, c=c, expect=expect):
                if reply != expect:
                    return "INCR %s replied %r, expected %d" % (c.name, reply, expect)
                c.acked += 1
            return (b"INCR", c.name), on
        if op == "mset":
            reg = rng.choice(m.triples)
            v = self.value(b"m")
            reg.sent.append(v)
            a, b, c = m.triple_keys(reg)
            return (b"MSET", a, v, b, v, c, v), self._reg_ack(reg, b"OK")
        if op == "rpush":
            lm = m.list
            vals = []
            for _ in range(rng.randint(1, 3)):
                m.seq += 1
                vals.append(b"%d" % m.seq)
            lm.cmds.append(vals)
            expect = lm.length_after(len(lm.cmds))
            def on(reply, lm=lm, expect=expect):
                if reply != expect:
                    return "RPUSH %s replied %r, expected length %d" % (lm.name, reply, expect)
                lm.acked += 1
            return (b"RPUSH", lm.name) + tuple(vals), on
        if op in ("hset", "hdel"):
            reg = rng.choice(m.pairs)
            prev = reg.last()
            fa, fb = m.pair_fields(reg)
            if op == "hset":
                v = self.value(b"h")
                reg.sent.append(v)
                args = (b"HSET", m.hash_key, fa, v, fb, v)
                expect = 2 if prev is None else 0
            else:
                reg.sent.append(None)
                args = (b"HDEL", m.hash_key, fa, fb)
                expect = 0 if prev is None else 2
            return args, self._reg_ack(reg, expect)
        if op == "sadd":
            sm = m.set
            members = []
            for _ in range(rng.randint(1, 3)):
                m.seq += 1
                members.append(b"%d:%d" % (self.cycle, m.seq))
            sm.cmds.append(members)
            expect = len(members)
            def on(reply, sm=sm, expect=expect):
                if reply != expect:
                    return "SADD %s replied %r, expected %d" % (sm.name, reply, expect)
                sm.acked += 1
            return (b"SADD", sm.name) + tuple(members), on
        if op == "xadd":
            xm = m.stream
            m.seq += 1
            xid = b"%d-1" % m.seq
            xm.cmds.append(xid)
            def on(reply, xm=xm, xid=xid):
                if reply != xid:
                    return "XADD %s replied %r, expected %r" % (xm.name, reply, xid)
                xm.acked += 1
            return (b"XADD", xm.name, xid, b"v", xid), on
        if op in ("xread", "xack"):
            return self._group_op(op)
        if op in ("qpush", "qpop", "qmove", "qbpop", "qbmove"):
            qm = m.queue
            if op == "qpush":
                vals = [self.value(b"q") for _ in range(rng.randint(1, 2))]
                expect = qm.push(vals)
                args = (b"RPUSH", qm.qname) + tuple(vals)
            elif op == "qpop":
                expect = qm.pop()
                args = (b"LPOP", qm.qname)
            elif op == "qbpop":
                v = qm.pop()
                expect = None if v is None else [qm.qname, v]
                args = (b"BLPOP", qm.qname, b"0.001")
            elif op == "qbmove":
                expect = qm.move()
                args = (b"BLMOVE", qm.qname, qm.dname, b"LEFT", b"RIGHT", b"0.001")
            else:
                expect = qm.move()
                args = (b"LMOVE", qm.qname, qm.dname, b"LEFT", b"RIGHT")
            def on(reply, qm=qm, expect=expect, what=args[0]):
                if reply != expect:
                    return "%s %s replied %s, expected %s" % (what, qm.qname, short(reply), short(expect))
                qm.acked += 1
            return args, on
        if op == "swapdb":
            reg = m.swap
            reg.sent.append(b"two" if reg.last() == b"one" else b"one")
            return (b"SWAPDB", b"1", b"2"), self._reg_ack(reg, b"OK")
        raise AssertionError(op)

    def _group_op(self, op):
        """XGROUP CREATE (once the stream surely exists), XREADGROUP ... >
        or XACK of a delivered id."""
        m = self.m
        gm, xm = m.group, m.stream
        if not gm.create_sent:
            if not (xm.acked or xm.base):
                return self.make_op("xadd")
            gm.create_sent = True
            def on(reply, gm=gm):
                if reply != b"OK" and not (isinstance(reply, Exception) and "BUSYGROUP" in str(reply)):
                    return "XGROUP CREATE replied %r" % (reply,)
                gm.created = True
            return (b"XGROUP", b"CREATE", xm.name, b"g", b"0"), on
        i = gm.unacked() if op == "xack" else None
        if i is not None:
            gm.ack_sent.add(i)
            def on(reply, gm=gm, i=i):
                if reply != 1:
                    return "XACK %s of a delivered id replied %r, expected 1" % (short(i), reply)
                gm.acked.add(i)
            return (b"XACK", xm.name, b"g", i), on
        def on(reply, gm=gm):
            if reply is None:
                return None
            try:
                entries = reply[0][1]
            except (TypeError, IndexError):
                return "XREADGROUP replied %r" % (reply,)
            for e in entries:
                gm.delivered.append(e[0])
            return None
        return (b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"2", b"STREAMS", xm.name, b">"), on

    @staticmethod
    def _reg_ack(reg, expect):
        def on(reply):
            if reply != expect:
                return "%s: write %d replied %r, expected %r" % (reg.name, reg.acked + 1, reply, expect)
            reg.acked += 1
        return on

    def run(self):
        stop = self.run_.stop_writers
        try:
            conn = self.run_.server.connection()
        except CONN_ERRORS as e:
            self.conn_error = e
            return
        try:
            while not stop.is_set():
                depth = self.rng.randint(1, self.run_.pipeline)
                batch = [self.make_op() for _ in range(depth)]
                self.sent += depth
                try:
                    conn.send_packed_command(conn.pack_commands([a for a, _ in batch]), check_health=False)
                    for args, on in batch:
                        try:
                            reply = conn.read_response()
                        except redis.ResponseError as e:
                            reply = e
                        err = on(reply)
                        if err:
                            self.errors.append("unexpected reply: %s (command %s)" % (err, short(args[0])))
                            return
                        self.acked += 1
                except CONN_ERRORS as e:
                    self.conn_error = e
                    return
        finally:
            try:
                conn.disconnect()
            except Exception:
                pass


    def solitary_op(self, force=None):
        """One command on a new connection while nothing else runs, waiting
        for its reply: the write is alone in its turn of the event loop."""
        args, on = self.make_op(force)
        self.sent += 1
        try:
            conn = self.run_.server.connection()
            try:
                conn.send_packed_command(conn.pack_commands([args]), check_health=False)
                try:
                    reply = conn.read_response()
                except redis.ResponseError as e:
                    reply = e
            finally:
                conn.disconnect()
        except CONN_ERRORS as e:
            self.conn_error = e
            return
        err = on(reply)
        if err:
            self.errors.append("unexpected reply: %s (command %s)" % (err, short(args[0])))
        else:
            self.acked += 1


class Reader(threading.Thread):
    """Reads the writers' keys while they write; what it sees must survive."""

    def __init__(self, run, models, rng):
        super().__init__(name="reader", daemon=True)
        self.run_ = run
        self.models = models
        self.rng = rng
        self.reads = 0
        self.errors = []

    def run(self):
        stop = self.run_.stop_writers
        try:
            conn = self.run_.server.connection()
        except CONN_ERRORS:
            return
        rng = self.rng
        try:
            while not stop.is_set():
                m = rng.choice(self.models)
                kind = rng.choice(["s", "s", "c", "m"] + (["l"] if m.list else []) +
                                  (["h"] if m.pairs else []) + (["S"] if m.set else []) +
                                  (["x"] if m.stream else []))
                try:
                    if kind == "s":
                        reg = rng.choice(m.strings)
                        conn.send_command("GET", reg.name)
                        reg.seen.append(conn.read_response())
                    elif kind == "c":
                        c = rng.choice(m.counters)
                        conn.send_command("GET", c.name)
                        v = conn.read_response()
                        if v is not None:
                            c.seen = max(c.seen, int(v))
                    elif kind == "m":
                        reg = rng.choice(m.triples)
                        conn.send_command("MGET", *m.triple_keys(reg))
                        t = conn.read_response()
                        if _tuple_state(t) == "torn":
                            self.errors.append("reader saw a torn MSET triple %s: %s" % (
                                reg.name, [short(x) for x in t]))
                        else:
                            reg.seen.append(t[0])
                    elif kind == "l":
                        conn.send_command("LLEN", m.list.name)
                        m.list.seen_len = max(m.list.seen_len, conn.read_response())
                    elif kind == "h":
                        reg = rng.choice(m.pairs)
                        conn.send_command("HMGET", m.hash_key, *m.pair_fields(reg))
                        t = conn.read_response()
                        if _tuple_state(t) == "torn":
                            self.errors.append("reader saw a torn HSET pair %s %s: %s" % (
                                m.hash_key, reg.name, [short(x) for x in t]))
                        else:
                            reg.seen.append(t[0])
                    elif kind == "S":
                        conn.send_command("SCARD", m.set.name)
                        m.set.seen_card = max(m.set.seen_card, conn.read_response())
                    elif kind == "x":
                        conn.send_command("XLEN", m.stream.name)
                        m.stream.seen_len = max(m.stream.seen_len, conn.read_response())
                    self.reads += 1
                except redis.ResponseError as e:
                    self.errors.append("reader: unexpected error reply %s" % e)
                    return
                except CONN_ERRORS:
                    return
        finally:
            try:
                conn.disconnect()
            except Exception:
                pass


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

FEATURE_PROBES = {
    # feature: (write probe, reads it needs)
    "list": ([b"RPUSH", b"crash:probe:list", b"x"],
             [[b"LRANGE", b"crash:probe:list", b"0", b"-1"], [b"LLEN", b"crash:probe:list"]]),
    "hash": ([b"HSET", b"crash:probe:hash", b"f", b"v"],
             [[b"HGETALL", b"crash:probe:hash"], [b"HMGET", b"crash:probe:hash", b"f"],
              [b"HDEL", b"crash:probe:hash", b"f"]]),
    "set": ([b"SADD", b"crash:probe:set", b"x"],
            [[b"SMEMBERS", b"crash:probe:set"], [b"SCARD", b"crash:probe:set"]]),
    "stream": ([b"XADD", b"crash:probe:stream", b"1-1", b"v", b"x"],
               [[b"XRANGE", b"crash:probe:stream", b"-", b"+"], [b"XLEN", b"crash:probe:stream"]]),
    "group": ([b"XADD", b"crash:probe:group", b"1-1", b"v", b"x"],
              [[b"XGROUP", b"CREATE", b"crash:probe:group", b"g", b"0"],
               [b"XREADGROUP", b"GROUP", b"g", b"c", b"COUNT", b"1", b"STREAMS", b"crash:probe:group", b">"],
               [b"XACK", b"crash:probe:group", b"g", b"1-1"], [b"XINFO", b"GROUPS", b"crash:probe:group"],
               [b"XPENDING", b"crash:probe:group", b"g", b"-", b"+", b"10"]]),
    "queue": ([b"RPUSH", b"crash:probe:queue", b"x", b"y"],
              [[b"LMOVE", b"crash:probe:queue", b"crash:probe:queue", b"LEFT", b"RIGHT"],
               [b"LPOP", b"crash:probe:queue"], [b"LRANGE", b"crash:probe:queue", b"0", b"-1"]]),
    "bqueue": ([b"RPUSH", b"crash:probe:bqueue", b"x", b"y"],
               [[b"BLPOP", b"crash:probe:bqueue", b"0.001"],
                [b"BLMOVE", b"crash:probe:bqueue", b"crash:probe:bqueue", b"LEFT", b"RIGHT", b"0.001"]]),
}


def probe_features(r, wanted):
    """Which of the wanted features the server implements. An 'unknown
    command' error means absent; the probe keys are deleted again."""
    have, notes = [], []
    for feat in wanted:
        write, reads = FEATURE_PROBES[feat]
        ok = True
        for cmd in [write] + reads:
            try:
                r.execute_command(*cmd)
            except redis.ResponseError as e:
                ok = False
                if "unknown command" not in str(e).lower():
                    notes.append("%s: %s -> %s (feature disabled)" % (feat, cmd[0].decode(), e))
                else:
                    notes.append("%s: %s not implemented" % (feat, cmd[0].decode()))
                break
        r.delete(write[1])
        if ok:
            have.append(feat)
    return have, notes


class CrashResult:
    """ok: no violation. violations: list of texts. cycles: completed kill
    cycles. stats: totals. workdir, data_dir, log_path: where things are
    (kept when not ok, or keep=True). summary(): printable text."""

    def __init__(self):
        self.ok = True
        self.violations = []
        self.cycles = 0
        self.stats = {"acked": 0, "sent": 0, "reads": 0, "inflight_applied": 0, "inflight_lost": 0,
                      "write_s": 0.0, "restart_s": 0.0, "verify_s": 0.0, "max_restart_s": 0.0}
        self.features = []
        self.feature_notes = []
        self.workdir = None
        self.data_dir = None
        self.log_path = None
        self.elapsed = 0.0
        self.fsync = None
        self.setup_error = None
        self.kept = False
        self.seed = None
        self.binary = None

    def summary(self):
        s = self.stats
        lines = ["strata crash test: appendfsync %s, %d kill cycles, %.1fs, seed %s: %s" % (
            self.fsync, self.cycles, self.elapsed, self.seed,
            "OK" if self.ok else "FAILED (%d violations)" % len(self.violations))]
        lines.append("  binary: %s" % self.binary)
        lines.append("  types: strings, counters, MSET triples%s" % "".join(", " + f for f in self.features))
        for n in self.feature_notes:
            lines.append("  note: %s" % n)
        lines.append("  writes: %d acknowledged, %d sent; in flight at the kills: %d found applied, %d lost; %d reads"
                     % (s["acked"], s["sent"], s["inflight_applied"], s["inflight_lost"], s["reads"]))
        if self.cycles:
            lines.append("  time per cycle: writing %.2fs, restart %.3fs (max %.3fs), verify %.3fs"
                         % (s["write_s"] / self.cycles, s["restart_s"] / self.cycles, s["max_restart_s"],
                            s["verify_s"] / self.cycles))
        if self.setup_error:
            lines.append("  SETUP ERROR: %s" % self.setup_error)
        for v in self.violations[:40]:
            lines.append("  VIOLATION: " + v.replace("\n", "\n  "))
        if len(self.violations) > 40:
            lines.append("  ... %d more violations" % (len(self.violations) - 40))
        if self.kept:
            lines.append("  kept for inspection: data dir %s, server log %s" % (self.data_dir, self.log_path))
            snap = self.workdir / "data.at-kill" if self.workdir else None
            if snap and snap.exists():
                lines.append("  the data dir as the last kill left it (before the restart replayed it): %s" % snap)
        return "\n".join(lines)


class _Run:
    def __init__(self, server, pipeline):
        self.server = server
        self.pipeline = pipeline
        self.stop_writers = threading.Event()


def run_crash_test(binary=DEFAULT_BINARY, fsync="always", cycles=10, threads=4, duration=1.0,
                   pipeline=8, readers=1, seed=None, workdir=None, keep=False,
                   stop_on_violation=True, progress=None, extra_args=(),
                   features=("list", "hash", "set", "queue", "bqueue", "stream", "group"),
                   start_timeout=60.0, snapshot=True):
    """Run `cycles` kill cycles. duration: the longest time writes run before
    the kill (the kill comes at a random moment within it). progress:
    callable(str) for one line per cycle, or None. workdir: where the data
    dir and log go (default: a new temp dir, removed afterwards unless the run
    failed or keep=True). snapshot: copy the data dir as the kill left it to
    <workdir>/data.at-kill before each restart (the restart replays and
    changes it), so a failure can be inspected or replayed. features: the
    optional types to use if the server has them (list, hash, set, queue, bqueue)
    and swapdb (used unconditionally). Returns a CrashResult."""
    res = CrashResult()
    res.fsync = fsync
    res.binary = binary
    t_start = time.time()
    seed = seed if seed is not None else random.randrange(1 << 30)
    res.seed = seed
    rng = random.Random(seed)
    say = progress or (lambda s: None)
    own_workdir = workdir is None
    workdir = Path(workdir or tempfile.mkdtemp(prefix="strata-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    res.workdir = workdir
    res.data_dir = workdir / "data"
    res.log_path = workdir / "strata.log"
    if not os.path.exists(binary):
        res.ok = False
        res.setup_error = "strata binary not found: %s" % binary
        return res
    server = Server(binary, res.data_dir, res.log_path, fsync, extra_args, start_timeout)
    say("seed %d, binary %s, appendfsync %s, workdir %s" % (seed, binary, fsync, workdir))
    run = _Run(server, pipeline)

    def fail(text):
        res.ok = False
        res.violations.append(text)

    try:
        try:
            server.start()
        except ServerError as e:
            res.ok = False
            res.setup_error = str(e)
            return res
        r = server.client()
        res.features, res.feature_notes = probe_features(r, [f for f in features if f in FEATURE_PROBES])
        if "swapdb" in features:
            res.features.append("swapdb")
            swap_setup(server)
        models = [ThreadModel(t, res.features) for t in range(threads)]
        known_keys = set(k for m in models for k in m.all_keys())
        # Start from whatever is there (a fresh dir: nothing).
        for m in models:
            rebase(m, read_state(r, m))
        r.close()

        for cycle in range(1, cycles + 1):
            # -- maintenance: keep lists and sets bounded (acknowledged, so durable)
            r = server.client()
            for m in models:
                if m.list and len(m.list.base) > LIST_MAX:
                    r.ltrim(m.list.name, -LIST_KEEP, -1)
                    m.list.reset(r.lrange(m.list.name, 0, -1))
                if m.set and len(m.set.base) > SET_MAX:
                    r.delete(m.set.name)
                    m.set.reset(set())
                if m.stream and len(m.stream.base) > LIST_MAX:
                    r.execute_command("XTRIM", m.stream.name, "MAXLEN", LIST_KEEP)
                    m.stream.reset([e[0] for e in r.execute_command("XRANGE", m.stream.name, "-", "+")])
                if m.queue and len(m.queue.D) > LIST_MAX:
                    r.delete(m.queue.dname)
                    m.queue.reset(m.queue.S, [])
            r.close()

            # -- write, then kill at a random moment
            run.stop_writers.clear()
            writers = [Writer(run, m, random.Random(rng.random()), cycle) for m in models]
            rdrs = [Reader(run, models, random.Random(rng.random())) for _ in range(readers)]
            if rng.random() < 0.1:
                delay = rng.uniform(0.0, min(0.05, duration))  # right after the clients connect
            else:
                delay = rng.uniform(0.2 * duration, duration)
            # kill:  SIGKILL while the clients write.
            # quiet: the clients stop, a few last writes go one at a time
            #        (each alone in its turn; the last one is followed by
            #        nothing), then SIGKILL. A write must not need a later
            #        turn to become durable.
            # term:  SIGTERM while the clients write, SIGKILL 0-30 ms later
            #        if it has not exited yet (a graceful exit must be code 0).
            mode = rng.choices(["kill", "quiet", "term"], [70, 20, 10])[0]
            quiet = mode == "quiet"
            t0 = time.time()
            for w in writers + rdrs:
                w.start()
            time.sleep(delay)
            if quiet:
                run.stop_writers.set()
                for w in writers + rdrs:
                    w.join(60)
                n_final = rng.randint(1, 3)
                for i in range(n_final):
                    w = rng.choice(writers)
                    force = None
                    if i == n_final - 1 and writers[0].m.swap and rng.random() < 0.3:
                        w, force = writers[0], "swapdb"
                    w.solitary_op(force)
                time.sleep(rng.uniform(0.0, 0.05))
            if mode == "term":
                early, how = server.term_then_kill(rng.uniform(0.0, 0.03))
                if how == "exited" and early == 0:
                    early = None
                    mode = "term (exited)"
                elif how == "exited":
                    fail("cycle %d: SIGTERM: the server exited with code %s\n--- log tail ---\n%s"
                         % (cycle, early, server.log_tail()))
                    early = None
                else:
                    mode = "term+kill"
            else:
                early = server.kill9()
            t_kill = time.time()
            run.stop_writers.set()
            for w in writers + rdrs:
                w.join(60)
                if w.is_alive():
                    fail("cycle %d: %s still running 60s after the kill" % (cycle, w.name))
            res.stats["write_s"] += t_kill - t0
            if early is not None:
                fail("cycle %d: the server was already dead before the kill (exit code %s)\n--- log tail ---\n%s"
                     % (cycle, early, server.log_tail()))
            cyc_acked = sum(w.acked for w in writers)
            cyc_sent = sum(w.sent for w in writers)
            res.stats["acked"] += cyc_acked
            res.stats["sent"] += cyc_sent
            res.stats["reads"] += sum(x.reads for x in rdrs)
            for w in writers + rdrs:
                for e in w.errors:
                    fail("cycle %d: %s: %s" % (cycle, w.name, e))

            # -- restart on the same dir and verify
            if snapshot:
                snap = workdir / "data.at-kill"
                shutil.rmtree(snap, ignore_errors=True)
                shutil.copytree(res.data_dir, snap)
            # Sometimes a second crash while the store recovers.
            if rng.random() < 0.15:
                early = server.start_and_kill(rng.uniform(0.0, 0.3))
                mode += ", killed in recovery"
                if early is not None:
                    fail("cycle %d: the server exited with code %s during start-up (before the kill)\n"
                         "--- log tail ---\n%s" % (cycle, early, server.log_tail()))
            t1 = time.time()
            try:
                server.start()
            except ServerError as e:
                fail("cycle %d: restart after kill -9 failed: %s" % (cycle, e))
                break
            rs = time.time() - t1
            res.stats["restart_s"] += rs
            res.stats["max_restart_s"] = max(res.stats["max_restart_s"], rs)
            t2 = time.time()
            cyc_viol = []
            cyc_stats = {"inflight_applied": 0, "inflight_lost": 0}
            r = server.client()
            expected = set()
            states = []
            for m in models:
                st = read_state(r, m)
                states.append(st)
                v, s = verify_thread(m, st)
                cyc_viol += v
                for k in cyc_stats:
                    cyc_stats[k] += s[k]
                expected |= expected_keys(m, st)
            cyc_viol += check_keyspace(r, expected, known_keys)
            r.close()
            rep = server.sanitizer_report()
            if rep:
                cyc_viol.append("sanitizer report in the server log:\n" + rep)
            for m, st in zip(models, states):
                rebase(m, st)
            res.stats["verify_s"] += time.time() - t2
            for k in cyc_stats:
                res.stats[k] += cyc_stats[k]
            res.cycles = cycle
            for v in cyc_viol:
                fail("cycle %d: %s" % (cycle, v))
            say("cycle %d/%d: %s after %.2fs, %d writes acked, %d in flight (%d applied), "
                "restart %.2fs, %s" % (cycle, cycles, mode, t_kill - t0, cyc_acked, cyc_sent - cyc_acked,
                                       cyc_stats["inflight_applied"], rs,
                                       "ok" if not cyc_viol else "%d VIOLATIONS" % len(cyc_viol)))
            if not res.ok and stop_on_violation:
                break

        if res.cycles and res.stats["acked"] == 0:
            fail("no write was acknowledged in %d cycles: the test tested nothing" % res.cycles)

        # -- graceful stop and restart: nothing may change
        if res.ok or not stop_on_violation:
            r = server.client()
            before = [read_state(r, m) for m in models]
            r.close()
            rc = server.terminate()
            if rc != 0:
                fail("graceful shutdown (SIGTERM) exited with code %s\n--- log tail ---\n%s" % (rc, server.log_tail()))
            try:
                server.start()
                r = server.client()
                after = [read_state(r, m) for m in models]
                r.close()
                for m, b, a in zip(models, before, after):
                    for key in b:
                        if b[key] != a[key]:
                            fail("thread %d %s changed across a graceful restart" % (m.tid, key))
                rc = server.terminate()
                if rc != 0:
                    fail("graceful shutdown (SIGTERM) exited with code %s\n--- log tail ---\n%s"
                         % (rc, server.log_tail()))
            except ServerError as e:
                fail("restart after graceful shutdown failed: %s" % e)
            rep = server.sanitizer_report()
            if rep and not any("sanitizer report" in v for v in res.violations):
                fail("sanitizer report in the server log:\n" + rep)
    except redis.RedisError as e:
        fail("client error while checking: %r\n--- log tail ---\n%s" % (e, server.log_tail()))
    finally:
        server.ensure_dead()
        res.elapsed = time.time() - t_start
        if res.ok and not keep and own_workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            res.kept = True
    return res


def check_keyspace(r, expected, known):
    """DBSIZE agrees with SCAN, and SCAN finds exactly the expected keys."""
    out = []
    found = set()
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, count=1000)
        found.update(keys)
        if cursor == 0:
            break
    n = r.dbsize()
    if n != len(found):
        out.append("DBSIZE says %d keys, SCAN finds %d" % (n, len(found)))
    missing = expected - found
    extra = found - expected
    if missing:
        out.append("SCAN misses %d keys that GET finds, e.g. %s" % (len(missing), sorted(missing)[:5]))
    if extra:
        stranger = sorted(extra - known)
        if stranger:
            out.append("keys nobody wrote: %s" % stranger[:5])
        if extra & known:
            out.append("SCAN returns %d keys that reads say are absent, e.g. %s"
                       % (len(extra & known), sorted(extra & known)[:5]))
    return out


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------

def add_arguments(ap, cycles=10):
    ap.add_argument("--binary", default=DEFAULT_BINARY, help="strata-server (default $STRATA_SERVER or build/strata-server)")
    ap.add_argument("--fsync", default="always", choices=["always", "everysec", "no"], help="appendfsync policy")
    ap.add_argument("--cycles", type=int, default=cycles, help="kill cycles (default %d)" % cycles)
    ap.add_argument("--threads", type=int, default=4, help="writer threads (default 4)")
    ap.add_argument("--readers", type=int, default=1, help="reader threads (default 1)")
    ap.add_argument("--duration", type=float, default=1.0,
                    help="longest write phase per cycle, seconds; the kill comes at a random moment within it")
    ap.add_argument("--pipeline", type=int, default=8, help="max pipeline depth per writer (default 8)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--workdir", default=None, help="data dir and log go here (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the workdir even when everything passed")
    ap.add_argument("--types", default="list,hash,set,queue,bqueue,stream,group",
                    help="optional types to use when the server has them: list,hash,set,queue,bqueue,stream,group,"
                         "swapdb (default list,hash,set,queue,bqueue,stream,group; '' = none)")
    ap.add_argument("--server-arg", action="append", default=[], metavar="ARG",
                    help="extra strata-server argument, repeat for each word "
                         "(e.g. --server-arg=--rocksdb-write-buffer-size --server-arg=64kb)")
    ap.add_argument("--keep-going", action="store_true", help="do not stop at the first cycle with a violation")
    ap.add_argument("--no-snapshot", action="store_true",
                    help="do not copy the data dir to <workdir>/data.at-kill before each restart")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-cycle lines")


def run_from_args(args, progress=None):
    return run_crash_test(binary=args.binary, fsync=args.fsync, cycles=args.cycles, threads=args.threads,
                          duration=args.duration, pipeline=args.pipeline, readers=args.readers, seed=args.seed,
                          workdir=args.workdir, keep=args.keep, stop_on_violation=not args.keep_going,
                          progress=progress, features=[t for t in args.types.split(",") if t],
                          extra_args=args.server_arg, snapshot=not args.no_snapshot)


def main(argv=None):
    ap = argparse.ArgumentParser(description="kill -9 crash test for strata")
    add_arguments(ap)
    args = ap.parse_args(argv)
    progress = None if args.quiet else (lambda s: print(s, flush=True))
    res = run_from_args(args, progress)
    print(res.summary(), flush=True)
    if res.setup_error:
        return 2
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
