"""COMMAND DOCS "arguments"/"subcommands" (src/command_docs.c) against real
Redis, and the argument hints redis-cli 7 builds from them (typed into a
redis-cli running in tmux, read back with capture-pane).

Compared: name, type, token, flags and nesting of every argument. Not
compared: since, key_spec_index, summary, complexity, history (strata sends
only summary, since, group, arguments and subcommands; its summaries are the
newer redis.io wording).
"""

import os
import shutil
import subprocess
import time
import uuid

import pytest

from conftest import RespClient

REDIS_CLI = "redis-cli"
TMUX = shutil.which("tmux")

# Where strata's structure differs from Redis 7.0's on purpose: Redis's own
# structure is irregular there and cannot be written as a docs syntax string
# that also fits the rest (the text redis-cli shows is the same).
KNOWN_DIFFERENT = {
    "config|get",   # Redis: a multiple block holding one "parameter"
    "client|list",  # Redis: [ID client-id [client-id ...]] is a block with token ID
    "psubscribe",   # Redis: a multiple block holding one "pattern"
}

# The handful named in the brief, plus the type commands (whichever exist).
NAMED = ["set", "getex", "expire", "scan", "lcs", "mset", "copy", "flushall", "shutdown", "info", "ping"]
TYPE_COMMANDS = [
    "hset", "hmget", "hrandfield", "hscan", "hincrbyfloat",
    "sadd", "smove", "sintercard", "spop", "sscan",
    "zadd", "zrange", "zrangestore", "zrangebyscore", "zrevrangebyscore", "zunionstore", "zinter",
    "zmpop", "zrandmember", "zcount", "zincrby", "zscan",
    "lpush", "linsert", "lpos", "lmove", "lmpop", "lrange",
    "xadd", "xtrim", "xread", "xreadgroup", "xsetid", "xpending", "xclaim", "xautoclaim", "xrange", "xrevrange",
    "xdel", "xack", "xlen", "xgroup", "xinfo",
]


# ---------------------------------------------------------------------------
# RESP -> plain structures
# ---------------------------------------------------------------------------

def _s(rep):
    return rep.value.decode() if isinstance(rep.value, bytes) else rep.value


def pairs(rep):
    """A RESP2 flat map (array of 2n) as a list of (key, Reply)."""
    assert rep.kind == "*", rep
    assert len(rep.value) % 2 == 0, "odd map length: %r" % rep.raw[:200]
    return [(_s(rep.value[i]), rep.value[i + 1]) for i in range(0, len(rep.value), 2)]


def norm_arg(rep, where):
    """One argument map -> {name, type, token?, flags?, arguments?}, checking
    what redis-cli 7 relies on (it asserts on these types)."""
    out = {}
    for k, v in pairs(rep):
        if k in ("name", "type", "token"):
            assert v.kind == "$" and v.value is not None, "%s: %s must be a bulk string" % (where, k)
            out[k] = _s(v)
        elif k == "flags":
            assert v.kind == "*", where
            assert all(f.kind == "+" for f in v.value), "%s: flags must be status replies" % where
            out[k] = [_s(f) for f in v.value]
        elif k == "arguments":
            assert v.kind == "*", where
            out[k] = [norm_arg(a, where + "/" + out.get("name", "?")) for a in v.value]
    assert "name" in out and "type" in out, "%s: argument without name or type: %r" % (where, rep.raw[:200])
    return out


def norm_doc(rep, where):
    d = {}
    for k, v in pairs(rep):
        if k == "arguments":
            d[k] = [norm_arg(a, where) for a in v.value]
        elif k == "subcommands":
            d[k] = {name: norm_doc(sub, name) for name, sub in pairs(v)}
        elif v.kind == "$":
            d[k] = _s(v)
    return d


def docs(srv, *names):
    with srv.client() as c:
        rep = c.call_reply("COMMAND", "DOCS", *names)
    assert not rep.is_error, rep
    return {name: norm_doc(v, name) for name, v in pairs(rep)}


def shape(args):
    """Compact text of an argument list: name:type@TOKEN{flags}(...)."""
    parts = []
    for a in args or []:
        s = "%s:%s" % (a["name"], a["type"])
        if "token" in a:
            s += "@" + a["token"]
        if a.get("flags"):
            s += "{" + ",".join(a["flags"]) + "}"
        if a.get("arguments"):
            s += "(" + shape(a["arguments"]) + ")"
        parts.append(s)
    return " ".join(parts)


def cli_hint(args):
    """The hint text redis-cli 7.0 builds (cliAddArgument), for reference."""
    out = []
    for a in args or []:
        tok = a.get("token")
        tok = ('""' if tok == "" else tok) if tok is not None else ""
        t = a["type"]
        if t == "oneof":
            rep = cli_hint_join(a["arguments"], "|")
        elif t == "block":
            rep = cli_hint_join(a["arguments"], " ")
        elif t == "pure-token":
            rep = ""
        else:
            rep = a["name"] or '""'
        if tok and t != "pure-token":
            tok += " "
        flags = a.get("flags", [])
        s = tok + rep
        if "multiple" in flags:
            s += " [" + (tok if "multiple_token" in flags else "") + rep + " ...]"
        if "optional" in flags:
            s = "[" + s + "]"
        out.append(s)
    return " ".join(out)


def cli_hint_join(args, sep):
    return sep.join(cli_hint([a]) for a in args)


# ---------------------------------------------------------------------------
# Structure, compared with Redis
# ---------------------------------------------------------------------------

def strata_commands(srv):
    with srv.client() as c:
        return sorted(_s(r) for r in c.call_reply("COMMAND", "LIST").value)


@pytest.mark.parametrize("name", NAMED)
def test_named_commands_match_redis(strata, oracle, name):
    mine = docs(strata, name)
    ref = docs(oracle, name)
    assert name in mine, "strata has no COMMAND DOCS for %s" % name
    assert "arguments" in mine[name], "strata sends no arguments for %s" % name
    assert shape(mine[name]["arguments"]) == shape(ref[name].get("arguments"))


@pytest.mark.parametrize("name", TYPE_COMMANDS)
def test_type_commands_match_redis(strata, oracle, name):
    mine = docs(strata, name)
    if name not in mine:
        pytest.skip("strata has no %s (yet)" % name.upper())
    ref = docs(oracle, name)
    assert shape(mine[name].get("arguments")) == shape(ref[name].get("arguments"))


def test_every_command_matches_redis(strata, oracle):
    """All of strata's commands and subcommands at once (one line per
    difference, so a wrong row is easy to spot)."""
    names = strata_commands(strata)
    mine = docs(strata, *names)
    ref = docs(oracle, *names)
    diffs = []
    checked = 0

    def compare(name, m, r):
        nonlocal checked
        checked += 1
        if name in KNOWN_DIFFERENT:
            # the redis-cli text is still the same
            if cli_hint(m.get("arguments")) != cli_hint(r.get("arguments")):
                diffs.append("%s hint: strata %r, redis %r" % (name, cli_hint(m.get("arguments")),
                                                               cli_hint(r.get("arguments"))))
            return
        ms, rs = shape(m.get("arguments")), shape(r.get("arguments"))
        if ms != rs:
            diffs.append("%s:\n   strata %s\n   redis  %s" % (name, ms, rs))

    for name in names:
        if name not in ref:
            continue  # not a Redis 7.0 command
        compare(name, mine[name], ref[name])
        for sub, sdoc in mine[name].get("subcommands", {}).items():
            assert sub in ref[name].get("subcommands", {}), "%s is not a Redis subcommand" % sub
            compare(sub, sdoc, ref[name]["subcommands"][sub])
    assert not diffs, "%d of %d differ:\n%s" % (len(diffs), checked, "\n".join(diffs))
    assert checked >= 100


def test_command_docs_valid_for_every_command(strata):
    """COMMAND DOCS with no names: one well-formed entry per command, with
    what redis-cli 7 reads (it asserts on the reply's types and would crash
    on a missing summary/group or a subcommand name without '|')."""
    with strata.client() as c:
        count = c.call_reply("COMMAND", "COUNT").value
        rep = c.call_reply("COMMAND", "DOCS")
        # unknown names are left out, known ones kept, in order
        some = c.call_reply("COMMAND", "DOCS", "nosuchcommand", "GET", "set")
    entries = pairs(rep)
    assert len(entries) == count
    with_args = 0
    for name, v in entries:
        d = norm_doc(v, name)
        for field in ("summary", "since", "group"):
            assert isinstance(d.get(field), str) and d[field], "%s: no %s" % (name, field)
        with_args += "arguments" in d
        for sub, sd in d.get("subcommands", {}).items():
            assert sub.startswith(name + "|"), sub
            for field in ("summary", "since", "group"):
                assert isinstance(sd.get(field), str) and sd[field], "%s: no %s" % (sub, field)
            assert sd["group"] == d["group"]
    assert with_args >= count // 2
    assert [k for k, _ in pairs(some)] == ["get", "set"]
    # commands without arguments get no "arguments" field, like Redis
    assert "arguments" not in docs(strata, "dbsize")["dbsize"]
    assert "arguments" not in docs(strata, "config")["config"]
    assert set(docs(strata, "config")["config"]["subcommands"]) >= {"config|get", "config|set"}


def test_command_docs_resp3(strata, self_mode):
    """Under HELLO 3 the same structure arrives as real maps."""
    if self_mode:
        pytest.skip("Redis sends more fields (complexity, history)")
    with strata.client() as c:
        hello = c.call_reply("HELLO", "3")
        if hello.is_error:
            pytest.skip("no HELLO 3")
        rep = c.call_reply("COMMAND", "DOCS", "set")
    data = rep.raw
    assert data.startswith(b"%1\r\n$3\r\nset\r\n%4\r\n")
    assert b"$9\r\narguments\r\n*5\r\n%2\r\n$4\r\nname\r\n$3\r\nkey\r\n" in data
    # an argument's flags are a set in RESP3, as Redis sends them
    args = rep.py()[b"set"][b"arguments"]
    cond = [a for a in args if a[b"name"] == b"condition"][0]
    assert cond[b"flags"] == [b"optional"]
    assert b"$5\r\nflags\r\n~1\r\n+optional\r\n" in data


# ---------------------------------------------------------------------------
# redis-cli in tmux
# ---------------------------------------------------------------------------

def _redis_cli_major():
    try:
        out = subprocess.run([REDIS_CLI, "--version"], stdout=subprocess.PIPE, timeout=10).stdout.decode()
        return int(out.split()[1].split(".")[0])
    except Exception:
        return 0


needs_tmux = pytest.mark.skipif(TMUX is None or _redis_cli_major() < 7,
                                reason="needs tmux and redis-cli 7")


class CliPane:
    """redis-cli running in a detached tmux session on a private socket."""

    def __init__(self, srv):
        self.sock = "strata-docs-%s" % uuid.uuid4().hex[:10]
        self.prompt = "%s:%d>" % (srv.host, srv.port)
        env = "REDISCLI_HISTFILE=/dev/null REDISCLI_RCFILE=/dev/null"
        self.tmux("new-session", "-d", "-s", "cli", "-x", "400", "-y", "30",
                  "env %s %s -h %s -p %d" % (env, REDIS_CLI, srv.host, srv.port))
        self.wait_for(lambda text: self.prompt in text, "the prompt")

    def tmux(self, *args):
        return subprocess.run([TMUX, "-L", self.sock] + list(args), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=10)

    def capture(self):
        return self.tmux("capture-pane", "-p", "-t", "cli").stdout.decode("utf-8", "replace")

    def wait_for(self, pred, what, timeout=5.0):
        deadline = time.time() + timeout
        text = ""
        while time.time() < deadline:
            text = self.capture()
            if pred(text):
                return text
            time.sleep(0.05)
        raise AssertionError("redis-cli did not show %s; screen:\n%s" % (what, text))

    def last_line(self):
        lines = [l for l in self.capture().splitlines() if l.strip()]
        return lines[-1] if lines else ""

    def hint_for(self, typed):
        """Type `typed` (no Enter) and return what follows it on the line
        (the grey hint), then clear the line."""
        self.tmux("send-keys", "-t", "cli", "C-u")
        self.wait_for(lambda t: [l for l in t.splitlines() if l.strip()][-1].rstrip() == self.prompt,
                      "an empty prompt")
        self.tmux("send-keys", "-t", "cli", "-l", typed)
        want = self.prompt + " " + typed
        self.wait_for(lambda t: want in t, "the typed text")
        # linenoise draws the hint in the same refresh as the text; wait for
        # the line to be stable anyway
        line, deadline = self.last_line(), time.time() + 2.0
        while time.time() < deadline:
            time.sleep(0.03)
            again = self.last_line()
            if again == line:
                break
            line = again
        assert line.startswith(want), line
        self.tmux("send-keys", "-t", "cli", "C-u")
        return line[len(want):].rstrip()

    def run(self, line):
        self.tmux("send-keys", "-t", "cli", "C-u")
        self.tmux("send-keys", "-t", "cli", "-l", line)
        self.tmux("send-keys", "-t", "cli", "Enter")
        time.sleep(0.3)
        return self.capture()

    def close(self):
        self.tmux("kill-server")


@pytest.fixture
def strata_cli(strata):
    pane = CliPane(strata)
    yield pane
    pane.close()


@pytest.fixture
def oracle_cli(oracle):
    pane = CliPane(oracle)
    yield pane
    pane.close()


SET_HINT = ("value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
            "PXAT unix-time-milliseconds|KEEPTTL]")


@needs_tmux
def test_redis_cli_shows_set_hint(strata_cli):
    assert strata_cli.hint_for("set foo ") == SET_HINT
    # without the trailing space the hint starts with one
    assert strata_cli.hint_for("set foo") == " " + SET_HINT
    assert strata_cli.hint_for("SET") == " key " + SET_HINT


# Typed text -> compared with what redis-cli shows against real Redis.
HINT_INPUTS = [
    "set foo ", "getex k ", "expire k 10 ", "scan 0 ", "lcs a ", "copy a b ", "info ", "ping ",
    "hset h ", "hrandfield h ", "sadd s ", "sintercard 2 ", "zadd z ", "zrange z ",
    "zunionstore d 2 a b ", "lpos l ", "linsert l ", "lmove a b ", "lmpop 1 l ",
    "config get ", "config set ", "client kill ", "object encoding ", "object freq ", "memory usage ",
]


@needs_tmux
def test_redis_cli_hints_match_redis(strata, strata_cli, oracle_cli):
    names = set(strata_commands(strata))
    checked = 0
    diffs = []
    for typed in HINT_INPUTS:
        if typed.split()[0] not in names:
            continue
        checked += 1
        mine, ref = strata_cli.hint_for(typed), oracle_cli.hint_for(typed)
        if mine != ref:
            diffs.append("%r:\n   strata %r\n   redis  %r" % (typed, mine, ref))
    assert not diffs, "\n".join(diffs)
    assert checked >= 10


@needs_tmux
def test_redis_cli_help_shows_arguments(strata_cli):
    screen = strata_cli.run("help set")
    assert "SET key " + SET_HINT in screen
    screen = strata_cli.run("help config get")
    assert "CONFIG GET parameter [parameter ...]" in screen
    # and the session still works
    screen = strata_cli.run("set foo bar")
    assert "OK" in screen.split("help config get")[-1]
