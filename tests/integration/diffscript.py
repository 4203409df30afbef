"""Differential test scripts: parsing and running (used by test_differential.py
and by the dump tool `python3 tests/integration/diffscript.py FILE...`).

Script format (tests/integration/diff/*.txt):
  * one command per line; blank lines are skipped
  * lines starting with '#' are comments; a first line "#!requires NAME"
    marks the script as needing feature NAME (env STRATA_<NAME>=1, e.g.
    "#!requires types" -> STRATA_TYPES=1); otherwise the test is skipped
  * arguments are split shell-like:
      - whitespace separates arguments; adjacent quoted/unquoted parts join
      - '...'  literal, no escapes at all (as in sh)
      - "..."  with escapes \\xHH \\n \\r \\t \\0 \\a \\b \\\\ \\" (any other
               \\c gives c), so binary data can be written: "a\\x00b\\r\\n"
      - outside quotes a backslash takes the next character literally
      - "" is an empty argument
  * directives, as prefixes of the command (several may be stacked):
      !sort CMD...          reply is an array: compare its elements as a
                            sorted multiset (KEYS, SMEMBERS-like replies)
      !type CMD...          compare only the type (and nil-ness, and for
                            arrays the length): RANDOMKEY, TIME, ...
      !noreply-check CMD... send, read the reply, don't compare
      !approx N CMD...      integers (also inside arrays) may differ by <= N;
                            everything else exact (PTTL, ...)
      !scanall CMD...       SCAN-like: iterate to cursor 0 on both servers
                            (the cursor is argument 1 for SCAN, 2 for
                            SSCAN/HSCAN/ZSCAN) and compare the sorted set of
                            returned elements (pairs for HSCAN/ZSCAN)
      !conn NAME CMD...     run on connection NAME (created on first use, on
                            both servers); the default connection is "main"
      !sleep SECONDS        (alone on its line) sleep
      !send CMD...          send, read nothing: a command that answers
                            nothing (CLIENT REPLY OFF/SKIP, and what they
                            silence); a later line reads what comes next
      !read                 send nothing, read (and compare) one more reply
                            on the connection: the second of the two replies
                            a RESP3 client gets when it publishes to a
                            channel it is subscribed to (push, then :N);
                            may follow !conn NAME
  * before a script runs, FLUSHALL is sent to both servers; each script gets
    fresh connections (so db 0 is selected).
  * replies may be RESP2 or RESP3 (a script may send HELLO 3; use !type on
    HELLO itself, whose id and version differ). test_differential.py also
    runs every script a second time with HELLO 3 sent first on each new
    connection (run_script(..., resp=3)), so every command's RESP3 reply is
    compared too; a first line "#!resp2-only" keeps a script out of that run.
"""

import os
import socket
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIFF_DIR = HERE / "diff"

_SIMPLE_ESCAPES = {"n": 0x0A, "r": 0x0D, "t": 0x09, "a": 0x07, "b": 0x08, "0": 0x00,
                   "\\": 0x5C, '"': 0x22}
_WS = " \t\r\n\f\v"


class ScriptError(Exception):
    pass


def split_args(line):
    """Split a script line into a list of bytes arguments (see module doc)."""
    args = []
    i = 0
    n = len(line)
    while True:
        while i < n and line[i] in _WS:
            i += 1
        if i >= n:
            return args
        cur = bytearray()
        while i < n and line[i] not in _WS:
            c = line[i]
            if c == '"':
                i += 1
                while True:
                    if i >= n:
                        raise ScriptError("unbalanced double quotes")
                    c = line[i]
                    if c == '"':
                        i += 1
                        break
                    if c == "\\":
                        if i + 1 >= n:
                            raise ScriptError("backslash at end of line")
                        e = line[i + 1]
                        if e == "x":
                            hx = line[i + 2:i + 4]
                            try:
                                if len(hx) != 2:
                                    raise ValueError
                                cur.append(int(hx, 16))
                            except ValueError:
                                raise ScriptError("bad \\x escape")
                            i += 4
                            continue
                        if e in _SIMPLE_ESCAPES:
                            cur.append(_SIMPLE_ESCAPES[e])
                        else:
                            cur += e.encode("utf-8")
                        i += 2
                        continue
                    cur += c.encode("utf-8")
                    i += 1
            elif c == "'":
                i += 1
                while True:
                    if i >= n:
                        raise ScriptError("unbalanced single quotes")
                    c = line[i]
                    if c == "'":
                        i += 1
                        break
                    cur += c.encode("utf-8")
                    i += 1
            elif c == "\\":
                if i + 1 >= n:
                    raise ScriptError("backslash at end of line")
                cur += line[i + 1].encode("utf-8")
                i += 2
            else:
                cur += c.encode("utf-8")
                i += 1
        args.append(bytes(cur))


class Line:
    def __init__(self, lineno, text):
        self.lineno = lineno
        self.text = text
        self.sort = False
        self.type = False
        self.noreply = False
        self.approx = None
        self.scanall = False
        self.conn = "main"
        self.sleep = None
        self.read = False
        self.send_only = False
        self.args = []

    def __repr__(self):
        return "Line(%d, %r)" % (self.lineno, self.text)


class Script:
    def __init__(self, path):
        self.path = Path(path)
        self.name = self.path.name
        self.requires = []
        self.resp2_only = False
        self.lines = []
        self._parse()

    def _parse(self):
        raw = self.path.read_text(encoding="utf-8")
        for lineno, text in enumerate(raw.splitlines(), 1):
            s = text.strip()
            if not s:
                continue
            if s.startswith("#"):
                if s.startswith("#!requires"):
                    self.requires += s.split()[1:]
                elif s.startswith("#!resp2-only"):
                    self.resp2_only = True
                continue
            ln = Line(lineno, s)
            rest = s
            try:
                while rest.startswith("!"):
                    word, _, rest = rest.partition(" ")
                    rest = rest.lstrip()
                    if word == "!sort":
                        ln.sort = True
                    elif word == "!type":
                        ln.type = True
                    elif word == "!noreply-check":
                        ln.noreply = True
                    elif word == "!scanall":
                        ln.scanall = True
                    elif word == "!read":
                        ln.read = True
                    elif word == "!send":
                        ln.send_only = True
                    elif word in ("!approx", "!conn", "!sleep"):
                        val, _, rest = rest.partition(" ")
                        rest = rest.lstrip()
                        if not val:
                            raise ScriptError("%s needs a value" % word)
                        if word == "!approx":
                            ln.approx = int(val)
                        elif word == "!conn":
                            ln.conn = val
                        else:
                            ln.sleep = float(val)
                    else:
                        raise ScriptError("unknown directive %s" % word)
                if ln.sleep is not None:
                    if rest:
                        raise ScriptError("!sleep must be alone on its line")
                elif ln.read:
                    if rest:
                        raise ScriptError("!read takes no command")
                else:
                    ln.args = split_args(rest)
                    if not ln.args:
                        raise ScriptError("no command")
            except (ScriptError, ValueError) as e:
                raise ScriptError("%s:%d: %s: %r" % (self.name, lineno, e, text))
            self.lines.append(ln)

    def missing_requirements(self):
        return [r for r in self.requires if os.environ.get("STRATA_%s" % r.upper()) != "1"]


def all_scripts():
    return sorted(DIFF_DIR.glob("*.txt"))


# ---------------------------------------------------------------------------
# comparison
# ---------------------------------------------------------------------------

def _approx_equal(a, b, tol):
    if a.kind != b.kind:
        return False
    if a.kind == ":":
        return abs(a.value - b.value) <= tol
    if a.is_aggregate and b.is_aggregate:
        return len(a.value) == len(b.value) and all(
            _approx_equal(x, y, tol) for x, y in zip(a.value, b.value))
    return a.raw == b.raw


def compare(line, s, o):
    """Return None if replies s and o (conftest.Reply) match under line's
    directives, else a short reason."""
    if line.noreply:
        return None
    if line.type:
        return None if s.signature() == o.signature() else "type/shape differs (%s vs %s)" % (
            s.signature(), o.signature())
    if line.sort and s.kind == o.kind and s.is_aggregate and o.is_aggregate:
        if sorted(x.raw for x in s.value) == sorted(x.raw for x in o.value):
            return None
        return "sorted elements differ"
    if line.approx is not None:
        return None if _approx_equal(s, o, line.approx) else "differs by more than %d" % line.approx
    return None if s.raw == o.raw else "bytes differ"


def _show(raw, limit=600):
    r = repr(raw)
    return r if len(r) <= limit else r[:limit] + "...(%d bytes)" % len(raw)


class Mismatch:
    def __init__(self, script, line, reason, s_raw, o_raw):
        self.script = script
        self.line = line
        self.reason = reason
        self.s_raw = s_raw
        self.o_raw = o_raw

    def __str__(self):
        return ("%s:%d: %s\n    command: %s\n    strata:  %s\n    oracle:  %s"
                % (self.script, self.line.lineno, self.reason, self.line.text,
                   _show(self.s_raw), _show(self.o_raw)))


def _scan_cursor_index(args):
    return 2 if args[0].upper() in (b"SSCAN", b"HSCAN", b"ZSCAN") else 1


def _scan_all(client, args, max_iter=100000):
    """Iterate a SCAN-like command; returns ('ok', sorted elements) or
    ('reply', Reply) when a reply is not [cursor, [elements]]."""
    args = list(args)
    ci = _scan_cursor_index(args)
    pairs = args[0].upper() in (b"HSCAN", b"ZSCAN")
    seen = set()
    cursor = b"0"
    for _ in range(max_iter):
        args[ci] = cursor
        client.send_command(*args)
        rep = client.read_reply()
        if (rep.kind != "*" or rep.value is None or len(rep.value) != 2
                or rep.value[0].kind != "$" or rep.value[1].kind != "*"
                or rep.value[1].value is None):
            return "reply", rep
        elems = [e.raw for e in rep.value[1].value]
        if pairs:
            elems = [a + b for a, b in zip(elems[0::2], elems[1::2])]
        seen.update(elems)
        cursor = rep.value[0].value
        if cursor == b"0":
            return "ok", sorted(seen)
    raise AssertionError("SCAN did not finish after %d calls" % max_iter)


def _hello3(cs, co):
    """Switch a new pair of connections to RESP3; both must answer HELLO 3
    with a map of the same shape (id and version differ)."""
    s = cs.call_reply("HELLO", "3")
    o = co.call_reply("HELLO", "3")
    if s.signature() != o.signature() or s.kind != "%":
        raise AssertionError("HELLO 3 answered differently: strata %r, oracle %r" % (s.raw, o.raw))


def run_script(script, strata, oracle, on_line=None, resp=2):
    """Run a Script against two ServerProcess objects. Returns a list of
    Mismatch (empty when everything matched). on_line(line, s_raw, o_raw) is
    called for every command (for the dump tool). resp=3 sends HELLO 3 on
    every connection before its first command."""
    from conftest import RespClient

    conns = {}
    mismatches = []

    def conn(name):
        if name not in conns:
            conns[name] = (RespClient(strata.host, strata.port), RespClient(oracle.host, oracle.port))
            if resp == 3:
                _hello3(*conns[name])
        return conns[name]

    try:
        cs, co = conn("main")
        for c, who in ((cs, "strata"), (co, "oracle")):
            r = c.call("FLUSHALL")
            if r != b"+OK\r\n":
                raise AssertionError("%s: FLUSHALL before script failed: %r" % (who, r))
        for line in script.lines:
            if line.sleep is not None:
                time.sleep(line.sleep)
                continue
            cs, co = conn(line.conn)
            try:
                if line.scanall:
                    sk, sv = _scan_all(cs, line.args)
                    ok, ov = _scan_all(co, line.args)
                    s_raw = sv.raw if sk == "reply" else b"SCANALL:" + repr(sv).encode()
                    o_raw = ov.raw if ok == "reply" else b"SCANALL:" + repr(ov).encode()
                    if on_line:
                        on_line(line, s_raw, o_raw)
                    if s_raw != o_raw:
                        mismatches.append(Mismatch(script.name, line, "SCAN results differ", s_raw, o_raw))
                    continue
                if not line.read:
                    cs.send_command(*line.args)
                    co.send_command(*line.args)
                if line.send_only:
                    if on_line:
                        on_line(line, b"<not read>", b"<not read>")
                    continue
                s = cs.read_reply()
                o = co.read_reply()
            except (ConnectionError, socket.timeout) as e:
                what = "timeout waiting for a reply" if isinstance(e, socket.timeout) else "connection error"
                mismatches.append(Mismatch(script.name, line, "%s: %s" % (what, e),
                                           b"<no reply>", b""))
                if not strata.alive():
                    mismatches.append(Mismatch(script.name, line, "strata process died (exit %s)"
                                               % strata.wait_exit(1), b"", b""))
                break
            if on_line:
                on_line(line, s.raw, o.raw)
            why = compare(line, s, o)
            if why:
                mismatches.append(Mismatch(script.name, line, why, s.raw, o.raw))
    finally:
        for cs, co in conns.values():
            cs.close()
            co.close()
    return mismatches


def format_mismatches(script, mismatches, limit=15):
    out = ["%d mismatch(es) in %s; first one:" % (len(mismatches), script.name)]
    for m in mismatches[:limit]:
        out.append(str(m))
    if len(mismatches) > limit:
        out.append("... and %d more" % (len(mismatches) - limit))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# dump tool: show what Redis answers to a script (to write/review scripts)
#   python3 tests/integration/diffscript.py [--resp3] tests/integration/diff/strings_incr.txt
# ---------------------------------------------------------------------------

def _main(argv):
    import tempfile
    sys.path.insert(0, str(HERE))
    from conftest import ServerProcess
    resp = 2
    if argv and argv[0] == "--resp3":
        resp = 3
        argv = argv[1:]
    paths = [Path(p) for p in argv] or all_scripts()
    with tempfile.TemporaryDirectory() as td:
        a = ServerProcess("redis", Path(td) / "a", name="a", persistent=False).start()
        b = ServerProcess("redis", Path(td) / "b", name="b", persistent=False).start()
        try:
            for p in paths:
                sc = Script(p)
                print("=== %s" % sc.name)

                def show(line, s_raw, o_raw):
                    print("%4d %-60s -> %s" % (line.lineno, line.text[:60], _show(o_raw, 300)))
                mm = run_script(sc, a, b, on_line=show, resp=resp)
                for m in mm:
                    print("NONDETERMINISTIC? " + str(m))
        finally:
            a.stop()
            b.stop()


if __name__ == "__main__":
    _main(sys.argv[1:])
