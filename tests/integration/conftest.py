"""Fixtures and helpers for strata's integration tests.

Run:  /usr/bin/python3 -m pytest tests/integration -q
Self-check (no strata needed; the `strata` fixture runs a redis-server):
      STRATA_DIFF_SELF=1 /usr/bin/python3 -m pytest tests/integration -q

Environment:
  STRATA_SERVER     path of the strata binary (default <repo>/build/strata-server)
  STRATA_DIFF_SELF  =1: every "strata" server is a redis-server (with AOF on,
                    so the persistence tests mean something) -- validates the
                    suite against Redis alone
  STRATA_TYPES      =1: also run scripts/tests that need lists, hashes, sets...
                    (diff scripts whose first line is "#!requires types")
  REDIS_SERVER      path of the reference redis-server (default: from PATH)

Fixtures (see the classes below for the full API):
  strata          a fresh ServerProcess (strata, or redis under STRATA_DIFF_SELF)
                  on a free port, data dir tmp_path/"data"; stopped afterwards
  strata_factory  callable(extra_args=None, dir=None, conf=None, wait=True,
                  port=None) -> ServerProcess; starts more strata servers
  oracle          a session-wide real redis-server 7 (--save '' --appendonly no)
  redis_factory   callable(extra_args=None, ...) -> ServerProcess; more real
                  redis-servers (for option-specific comparisons)
  self_mode       True under STRATA_DIFF_SELF=1

Helpers importable from conftest:
  RespClient      raw socket client: .call(*args) -> raw reply bytes (exactly
                  one complete RESP2/RESP3 reply), .send_raw(bytes), .read_raw(),
                  .read_until_closed()
  parse_reply(buf, pos=0) -> (Reply, end)   RESP2/RESP3 parser (raises Incomplete)
  encode_command(*args) -> bytes            multibulk encoding
"""

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

SELF_MODE = os.environ.get("STRATA_DIFF_SELF") == "1"
TYPES_ENABLED = os.environ.get("STRATA_TYPES") == "1"
STRATA_BIN = os.environ.get("STRATA_SERVER") or str(REPO / "build" / "strata-server")
REDIS_BIN = os.environ.get("REDIS_SERVER") or "redis-server"

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
LOG_TAIL_LINES = 60


# ---------------------------------------------------------------------------
# RESP2 and RESP3
# ---------------------------------------------------------------------------

class Incomplete(Exception):
    """The buffer does not yet hold one complete reply."""


class RespProtocolError(Exception):
    """The server sent something that is not RESP2/RESP3."""


# RESP3 aggregate types whose value is a list of Reply (a map's is flat:
# key, value, key, value, ...), and the types framed like a bulk string.
_AGGREGATES = "*%~>"
_BLOBS = "$=!"


class Reply:
    """One parsed RESP2 or RESP3 reply.

    kind:  RESP2 '+', '-', ':', '$', '*'; RESP3 also '_' (null), ','
           (double), '#' (boolean), '(' (big number), '=' (verbatim), '!'
           (blob error), '%' (map), '~' (set), '>' (push)
    value: bytes for '+'/'-'/'$'/'='/'!' (a verbatim keeps its "txt:"
           prefix), int for ':'/'(', bytes text for ',', bool for '#',
           None for '_' and the RESP2 nulls ($-1, *-1), a list of Reply for
           '*', '~', '>' and '%' (flat: key, value, key, value, ...)
    raw:   the exact bytes of the reply on the wire (an attribute '|' that
           came before it included)
    """

    __slots__ = ("kind", "value", "raw")

    def __init__(self, kind, value, raw):
        self.kind = kind
        self.value = value
        self.raw = raw

    @property
    def is_error(self):
        return self.kind in "-!"

    @property
    def is_null(self):
        return self.kind == "_" or (self.kind in "$*" and self.value is None)

    @property
    def is_aggregate(self):
        return self.kind in _AGGREGATES and self.value is not None

    def signature(self):
        """Type and shape only: '+', '-', ':', '$', '$nil', '*N', '*nil',
        '%N' (N pairs), '~N', '>N', '_', ',', '#', '(', '=', '!'."""
        if self.kind == "$":
            return "$nil" if self.value is None else "$"
        if self.kind == "*":
            return "*nil" if self.value is None else "*%d" % len(self.value)
        if self.kind == "%":
            return "%%%d" % (len(self.value) // 2)
        if self.kind in "~>":
            return "%s%d" % (self.kind, len(self.value))
        return self.kind

    def py(self):
        """Plain Python value (errors become ('ERR', text) tuples, maps
        dicts when their keys allow, doubles floats, verbatim strings their
        text without the format prefix)."""
        k = self.kind
        if k in "*~>":
            return None if self.value is None else [r.py() for r in self.value]
        if k == "%":
            pairs = [(self.value[i].py(), self.value[i + 1].py()) for i in range(0, len(self.value), 2)]
            try:
                return dict(pairs)
            except TypeError:
                return pairs
        if k in "-!":
            return ("ERR", self.value)
        if k == ",":
            return float(self.value)
        if k == "=":
            return self.value[4:]
        return self.value

    def __repr__(self):
        return "Reply(%r)" % self.raw


def _read_line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return buf[pos:end], end + 2


def _int_line(line, what, raw):
    try:
        return int(line)
    except ValueError:
        raise RespProtocolError("bad %s %r" % (what, raw))


def parse_reply(buf, pos=0):
    """Parse one RESP2 or RESP3 reply from buf[pos:]. Returns (Reply, end_pos).

    Raises Incomplete when more bytes are needed, RespProtocolError when the
    bytes are not valid RESP."""
    if pos >= len(buf):
        raise Incomplete()
    start = pos
    t = chr(buf[pos])
    line, pos = _read_line(buf, pos + 1)

    def raw():
        return bytes(buf[start:pos])

    if t in "+-":
        return Reply(t, bytes(line), raw()), pos
    if t in ":(":
        return Reply(t, _int_line(line, "integer reply", raw()), raw()), pos
    if t == "_":
        if line:
            raise RespProtocolError("bad null %r" % raw())
        return Reply(t, None, raw()), pos
    if t == ",":
        try:
            float(line)
        except ValueError:
            raise RespProtocolError("bad double %r" % raw())
        return Reply(t, bytes(line), raw()), pos
    if t == "#":
        if line not in (b"t", b"f"):
            raise RespProtocolError("bad boolean %r" % raw())
        return Reply(t, line == b"t", raw()), pos
    if t in _BLOBS:
        n = _int_line(line, "bulk length", raw())
        if n == -1 and t == "$":
            return Reply(t, None, raw()), pos
        if n < 0:
            raise RespProtocolError("bad bulk length %r" % raw())
        if len(buf) < pos + n + 2:
            raise Incomplete()
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise RespProtocolError("bulk not terminated by CRLF: %r" % bytes(buf[start:pos + n + 2]))
        data = bytes(buf[pos:pos + n])
        if t == "=" and (n < 4 or data[3:4] != b":"):
            raise RespProtocolError("verbatim string without a format: %r" % bytes(buf[start:pos + n + 2]))
        pos += n + 2
        return Reply(t, data, raw()), pos
    if t in _AGGREGATES or t == "|":
        n = _int_line(line, "aggregate length", raw())
        if n == -1 and t == "*":
            return Reply(t, None, raw()), pos
        if n < 0:
            raise RespProtocolError("bad aggregate length %r" % raw())
        items = []
        for _ in range(2 * n if t in "%|" else n):
            item, pos = parse_reply(buf, pos)
            items.append(item)
        if t == "|":
            # An attribute describes the reply that follows it: return that
            # reply, with the attribute's bytes in front of its raw.
            rep, pos = parse_reply(buf, pos)
            return Reply(rep.kind, rep.value, raw()), pos
        return Reply(t, items, raw()), pos
    raise RespProtocolError("unknown reply type byte %r in %r" % (t, bytes(buf[start:start + 80])))


def to_bytes(a):
    if isinstance(a, (bytes, bytearray)):
        return bytes(a)
    if isinstance(a, str):
        return a.encode("utf-8")
    if isinstance(a, (int, float)):
        return str(a).encode()
    raise TypeError("cannot send %r" % (a,))


def encode_command(*args):
    """Encode one command as a RESP multibulk."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = to_bytes(a)
        out.append(b"$%d\r\n" % len(b))
        out.append(b)
        out.append(b"\r\n")
    return b"".join(out)


class RespClient:
    """Minimal socket RESP client that keeps replies as raw bytes. It speaks
    whatever the server sends: after HELLO 3 replies are RESP3 (pushes
    included, each read as one reply)."""

    def __init__(self, host, port, timeout=10.0):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.closed_by_peer = False

    # -- sending --
    def send_raw(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.sock.sendall(encode_command(*args))

    # -- receiving --
    def _fill(self):
        try:
            chunk = self.sock.recv(1 << 16)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            self.closed_by_peer = True
            raise ConnectionError("connection closed by server (buffered: %r)" % bytes(self.buf[:200]))
        self.buf += chunk

    def read_reply(self):
        """Read exactly one complete reply; returns a Reply (with .raw)."""
        while True:
            try:
                rep, end = parse_reply(self.buf, 0)
            except Incomplete:
                self._fill()
                continue
            del self.buf[:end]
            return rep

    def read_raw(self):
        return self.read_reply().raw

    def call(self, *args):
        """Send one command, return its reply's raw bytes."""
        self.send_command(*args)
        return self.read_raw()

    def call_reply(self, *args):
        self.send_command(*args)
        return self.read_reply()

    def read_until_closed(self, timeout=5.0):
        """Read until the server closes the connection. Returns
        (all bytes received including what was buffered, closed: bool)."""
        deadline = time.time() + timeout
        data = bytearray(self.buf)
        self.buf.clear()
        closed = False
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        self.closed_by_peer = closed
        return bytes(data), closed

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------
# Server processes
# ---------------------------------------------------------------------------

_used_ports = set()
_port_lock = threading.Lock()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on (not handed out twice
    in this process)."""
    with _port_lock:
        for _ in range(200):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            if port not in _used_ports:
                _used_ports.add(port)
                return port
    raise RuntimeError("no free port found")


# servers started while a given test ran (for the log tails on failure)
_current_nodeid = [None]
_servers_by_test = {}


class ServerStartError(Exception):
    pass


class ServerProcess:
    """One strata-server or redis-server process.

    Attributes: kind ('strata' | 'redis'), name, host, port, dir (Path),
    log_path (Path), proc (Popen or None), extra_args, conf.

    Methods:
      start(wait=True)      start (again) with the same dir/port/args
      wait_ready(timeout)   poll PING until +PONG
      stop()                SIGTERM, then SIGKILL after STOP_TIMEOUT
      shutdown()            send SHUTDOWN, wait for exit, return exit code
      kill9()               SIGKILL and reap
      restart(new_port=False, graceful=True)  shutdown (or kill9) + start
      wait_exit(timeout)    wait for the process to end, return exit code
      alive()               process still running?
      client()              new RespClient
      redis(**kw)           new redis.Redis client (decode_responses etc. via kw)
      call(*args)           one-shot: new connection, one command, raw reply
      log_text() / log_tail(n)
    """

    def __init__(self, kind, workdir, name=None, extra_args=None, port=None,
                 data_dir=None, conf=None, persistent=True, binary=None):
        self.kind = kind
        self.name = name or kind
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.dir = Path(data_dir) if data_dir else self.workdir / "data"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / ("%s-%d.log" % (self.name, self.port))
        self.extra_args = [str(a) for a in (extra_args or [])]
        self.conf = conf
        self.persistent = persistent
        self.binary = binary or (STRATA_BIN if kind == "strata" else REDIS_BIN)
        self.proc = None
        self.starts = 0
        self.last_exit_code = None
        _servers_by_test.setdefault(_current_nodeid[0], []).append(self)

    # -- command line --
    def argv(self):
        argv = [self.binary]
        if self.conf:
            argv.append(str(self.conf))
        argv += ["--port", str(self.port), "--dir", str(self.dir), "--bind", "127.0.0.1"]
        if self.kind == "redis":
            argv += ["--save", "", "--daemonize", "no", "--protected-mode", "no"]
            if self.persistent:
                argv += ["--appendonly", "yes"]
            else:
                argv += ["--appendonly", "no"]
        argv += self.extra_args
        return argv

    # -- lifecycle --
    def start(self, wait=True):
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("%s already running" % self.name)
        if self.kind == "strata" and not os.path.exists(self.binary):
            raise ServerStartError(
                "strata binary not found at %s (build it, set STRATA_SERVER, or use "
                "STRATA_DIFF_SELF=1)" % self.binary)
        self.starts += 1
        logf = open(self.log_path, "ab")
        logf.write(("\n=== test harness: start #%d: %s\n" % (self.starts, " ".join(
            repr(a) if (a == "" or " " in a) else a for a in self.argv()))).encode())
        logf.flush()
        self.proc = subprocess.Popen(self.argv(), stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=str(self.workdir))
        logf.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=START_TIMEOUT):
        """Poll until PING answers +PONG (or -NOAUTH: up, but needs a password)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.last_exit_code = self.proc.returncode
                raise ServerStartError("%s exited with code %s during start-up\n--- log tail ---\n%s"
                                       % (self.name, self.proc.returncode, self.log_tail()))
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0) as s:
                    s.sendall(b"*1\r\n$4\r\nPING\r\n")
                    data = b""
                    while b"\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    if data.startswith(b"+PONG\r\n") or data.startswith(b"-NOAUTH"):
                        return
                    last = data
            except OSError as e:
                last = e
            time.sleep(0.02)
        raise ServerStartError("%s did not answer PING within %.0fs (last: %r)\n--- log tail ---\n%s"
                               % (self.name, timeout, last, self.log_tail()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_exit(self, timeout=STOP_TIMEOUT):
        if self.proc is None:
            return self.last_exit_code
        try:
            self.last_exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.last_exit_code

    def stop(self):
        """SIGTERM, wait, SIGKILL if needed. Returns the exit code."""
        if self.proc is None:
            return self.last_exit_code
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.last_exit_code = self.proc.returncode
        self.proc = None
        return self.last_exit_code

    def shutdown(self, *args, timeout=STOP_TIMEOUT):
        """Send SHUTDOWN [args]; wait for the process to exit; return code."""
        try:
            with RespClient(self.host, self.port) as c:
                pw = self.password()
                if pw is not None:
                    c.call("AUTH", pw)
                c.send_command("SHUTDOWN", *args)
                c.read_until_closed(timeout)
        except OSError:
            pass
        code = self.wait_exit(timeout)
        if code is None:
            raise AssertionError("%s did not exit within %ss after SHUTDOWN\n--- log tail ---\n%s"
                                 % (self.name, timeout, self.log_tail()))
        self.proc = None
        return code

    def kill9(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.last_exit_code = self.proc.returncode
            self.proc = None

    def restart(self, new_port=False, graceful=True, wait=True):
        """Stop (SHUTDOWN if graceful, else kill -9) and start on the same dir."""
        if self.alive():
            if graceful:
                self.shutdown()
            else:
                self.kill9()
        if new_port:
            self.port = free_port()
        return self.start(wait=wait)

    def password(self):
        """The --requirepass given on the command line, if any (last wins)."""
        pw = None
        for i, a in enumerate(self.extra_args[:-1]):
            if a == "--requirepass":
                pw = self.extra_args[i + 1]
        return pw or None

    # -- clients --
    def client(self, timeout=10.0):
        return RespClient(self.host, self.port, timeout=timeout)

    def redis(self, **kw):
        import redis
        kw.setdefault("socket_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def call(self, *args):
        with self.client() as c:
            return c.call(*args)

    # -- logs --
    def log_text(self):
        try:
            return self.log_path.read_bytes().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=LOG_TAIL_LINES):
        lines = self.log_text().splitlines()
        return "\n".join(lines[-n:])

    def sanitizer_report(self):
        text = self.log_text()
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            i = text.find(marker)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None

    def __repr__(self):
        return "<ServerProcess %s %s:%d dir=%s>" % (self.name, self.host, self.port, self.dir)


def new_strata(workdir, **kw):
    """A 'strata' server: strata-server, or redis-server under STRATA_DIFF_SELF."""
    kw.setdefault("name", "strata")
    if SELF_MODE:
        return ServerProcess("redis", workdir, persistent=True, **kw)
    return ServerProcess("strata", workdir, **kw)


# ---------------------------------------------------------------------------
# pytest plumbing
# ---------------------------------------------------------------------------

def pytest_report_header(config):
    if SELF_MODE:
        return "strata: SELF mode (STRATA_DIFF_SELF=1): 'strata' is %s" % REDIS_BIN
    return "strata: %s (types scripts %s)" % (STRATA_BIN, "on" if TYPES_ENABLED else "off")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _current_nodeid[0] = item.nodeid


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for srv in _servers_by_test.get(item.nodeid, []):
            if srv.name == "oracle":
                continue
            rep.sections.append(("log tail of %s (port %d, %s)" % (srv.name, srv.port, srv.log_path),
                                 srv.log_tail()))


class _Factory:
    def __init__(self, base, maker):
        self.base = Path(base)
        self.maker = maker
        self.servers = []

    def __call__(self, extra_args=None, dir=None, conf=None, wait=True, port=None, name=None):
        idx = len(self.servers)
        nm = name or ("%s%d" % (self.maker.__name__.replace("new_", ""), idx))
        srv = self.maker(self.base / nm, name=nm, extra_args=extra_args, data_dir=dir,
                         conf=conf, port=port)
        self.servers.append(srv)
        srv.start(wait=wait)
        return srv

    def cleanup(self):
        problems = []
        for s in self.servers:
            try:
                s.stop()
            except Exception as e:  # pragma: no cover
                problems.append("%s: stop failed: %s" % (s, e))
            rep = s.sanitizer_report() if s.kind == "strata" else None
            if rep:
                problems.append("%s: sanitizer report in log:\n%s" % (s, rep))
        return problems


def new_redis(workdir, **kw):
    kw.setdefault("name", "redis")
    return ServerProcess("redis", workdir, persistent=False, **kw)


@pytest.fixture
def self_mode():
    return SELF_MODE


@pytest.fixture
def strata_factory(tmp_path):
    f = _Factory(tmp_path, new_strata)
    yield f
    problems = f.cleanup()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def strata(tmp_path):
    srv = new_strata(tmp_path, name="strata")
    srv.start()
    yield srv
    srv.stop()
    rep = srv.sanitizer_report() if srv.kind == "strata" else None
    if rep:
        pytest.fail("sanitizer report in strata log:\n" + rep, pytrace=False)


@pytest.fixture
def redis_factory(tmp_path):
    f = _Factory(tmp_path, new_redis)
    yield f
    f.cleanup()


@pytest.fixture(scope="session")
def oracle(tmp_path_factory):
    base = tmp_path_factory.mktemp("oracle")
    srv = ServerProcess("redis", base, name="oracle", persistent=False)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def oracle_clean(oracle):
    """The session oracle, restarted if a test killed it, and flushed."""
    if not oracle.alive():
        oracle.start()
    oracle.call("FLUSHALL")
    return oracle
