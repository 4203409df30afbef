"""Real clients against strata: redis-cli (plain, --raw, --pipe, --scan, -x),
redis-py; plus CONFIG, CLIENT, INFO, COMMAND COUNT, DBSIZE and SHUTDOWN."""

import re
import subprocess
import threading
import time

import pytest

from conftest import RespClient, encode_command

REDIS_CLI = "redis-cli"


def cli(srv, *args, stdin=None, timeout=30):
    """Run redis-cli against srv; returns (exit code, stdout bytes, stderr bytes)."""
    p = subprocess.run([REDIS_CLI, "-h", srv.host, "-p", str(srv.port)] + [str(a) for a in args],
                       input=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def parse_info(text):
    """INFO text -> (sections list, {field: value})."""
    sections = []
    fields = {}
    for line in text.split("\r\n"):
        if line.startswith("# "):
            sections.append(line[2:].strip())
        elif ":" in line:
            k, _, v = line.partition(":")
            fields[k] = v
    return sections, fields


def parse_client_line(line):
    out = {}
    for part in line.strip().split(" "):
        k, _, v = part.partition("=")
        out[k] = v
    return out


# ---------------------------------------------------------------------------
# redis-cli
# ---------------------------------------------------------------------------

def test_redis_cli_basic(strata):
    assert cli(strata, "set", "a", "b")[:2] == (0, b"OK\n")
    assert cli(strata, "get", "a")[:2] == (0, b"b\n")
    assert cli(strata, "--raw", "get", "a")[:2] == (0, b"b\n")
    assert cli(strata, "--no-raw", "get", "a")[:2] == (0, b'"b"\n')
    assert cli(strata, "--no-raw", "get", "missing")[:2] == (0, b"(nil)\n")
    assert cli(strata, "--no-raw", "incr", "n")[:2] == (0, b"(integer) 1\n")
    assert cli(strata, "ping")[:2] == (0, b"PONG\n")
    assert cli(strata, "-n", "2", "set", "indb2", "x")[:2] == (0, b"OK\n")
    assert cli(strata, "-n", "2", "get", "indb2")[:2] == (0, b"x\n")
    assert cli(strata, "get", "indb2")[:2] == (0, b"\n")


CLI_SCRIPT = [
    ["set", "k", "hello world"],
    ["get", "k"],
    ["--no-raw", "get", "k"],
    ["--no-raw", "mget", "k", "nokey", "k"],
    ["--no-raw", "set", "k", "v", "EX", "0"],
    ["--no-raw", "nosuchcommand", "a"],
    ["nosuchcommand", "a"],
    ["--no-raw", "incrbyfloat", "f", "1.5"],
    ["--no-raw", "keys", "k*"],
    ["--no-raw", "exists", "k", "f", "nokey"],
    ["--no-raw", "append", "k", "\x01\x02"],
    ["--no-raw", "get", "k"],
    ["get", "k"],
    ["--no-raw", "type", "k"],
    ["--no-raw", "ttl", "k"],
    ["--no-raw", "getrange", "k", "0", "4"],
    ["--no-raw", "select", "99"],
    ["--no-raw", "lcs", "k", "f", "IDX"],
    ["--no-raw", "del", "k", "f"],
    ["--no-raw", "dbsize"],
]


def test_redis_cli_output_matches_redis(strata, oracle_clean):
    for args in CLI_SCRIPT:
        s = cli(strata, *args)
        o = cli(oracle_clean, *args)
        assert s[:2] == o[:2], "redis-cli %s:\n strata: %r\n oracle: %r" % (" ".join(args), s, o)


def test_redis_cli_stdin_x(strata):
    code, out, err = cli(strata, "-x", "set", "fromstdin", stdin=b"line1\nline2\x00end")
    assert (code, out) == (0, b"OK\n"), err
    assert strata.call("GET", "fromstdin") == b"$15\r\nline1\nline2\x00end\r\n"


def test_redis_cli_pipe(strata):
    n = 5000
    data = b"".join(encode_command("SET", "pipe:%d" % i, "value-%d" % i) for i in range(n))
    data += b"".join(encode_command("INCR", "pipecounter") for _ in range(n))
    code, out, err = cli(strata, "--pipe", stdin=data, timeout=60)
    assert code == 0, (out, err)
    text = out.decode()
    assert "errors: 0, replies: %d" % (2 * n) in text, text
    assert strata.call("DBSIZE") == b":%d\r\n" % (n + 1)
    assert strata.call("GET", "pipecounter") == b"$4\r\n5000\r\n"
    assert strata.call("GET", "pipe:4321") == b"$10\r\nvalue-4321\r\n"


def test_redis_cli_pipe_counts_errors(strata):
    data = encode_command("SET", "a", "1") + encode_command("INCR", "a") + encode_command("NOPE") \
        + encode_command("GET") + b"PING\r\n"
    code, out, err = cli(strata, "--pipe", stdin=data)
    assert "errors: 2, replies: 5" in out.decode(), out


def test_redis_cli_scan(strata):
    r = strata.redis()
    r.mset({"scan:%d" % i: i for i in range(300)})
    r.mset({"other:%d" % i: i for i in range(50)})
    code, out, err = cli(strata, "--scan", "--pattern", "scan:*")
    assert code == 0, err
    got = out.decode().split()
    assert sorted(got) == sorted("scan:%d" % i for i in range(300))
    code, out, err = cli(strata, "--scan")
    assert len(set(out.decode().split())) == 350


# ---------------------------------------------------------------------------
# redis-py
# ---------------------------------------------------------------------------

def test_redis_py_basics(strata):
    r = strata.redis(decode_responses=True)
    assert r.ping() is True
    assert r.echo("hi") == "hi"
    assert r.set("a", "1") is True
    assert r.get("a") == "1"
    assert r.incr("a") == 2
    assert r.incrby("a", 10) == 12
    assert r.decr("a") == 11
    assert r.incrbyfloat("f", 0.5) == 0.5
    assert r.append("s", "abc") == 3
    assert r.strlen("s") == 3
    assert r.getrange("s", 0, 1) == "ab"
    assert r.setrange("s", 1, "X") == 3
    assert r.get("s") == "aXc"
    assert r.mset({"m1": "x", "m2": "y"}) is True
    assert r.mget("m1", "m2", "nope") == ["x", "y", None]
    assert r.msetnx({"m1": "z", "m3": "w"}) is False
    assert r.set("nx", "1", nx=True) is True
    assert r.set("nx", "2", nx=True) is None
    assert r.set("ex", "v", ex=100) is True
    assert 99 <= r.ttl("ex") <= 100
    assert r.set("px", "v", px=100000) is True
    assert 99000 <= r.pttl("px") <= 100000
    assert r.expire("a", 50) is True
    assert r.persist("a") is True
    assert r.ttl("a") == -1
    assert r.getset("a", "new") == "11"
    assert r.getdel("a") == "new"
    assert r.get("a") is None
    assert r.getex("ex", persist=True) == "v"
    assert r.ttl("ex") == -1
    assert r.exists("m1", "m2", "nope") == 2
    assert r.type("m1") == "string"
    assert r.rename("m1", "m9") is True
    assert r.renamenx("m9", "m2") is False
    assert r.copy("m9", "m10") is True
    assert r.move("m10", 1) is True
    assert r.delete("m9", "m2", "nope") == 2
    assert r.unlink("m3") == 0
    assert r.touch("s", "f") == 2
    assert sorted(r.keys("*")) == sorted(["f", "s", "nx", "ex", "px"])
    assert sorted(r.scan_iter(match="*x")) == ["ex", "nx", "px"]
    assert r.randomkey() in ("f", "s", "nx", "ex", "px")
    assert r.dbsize() == 5
    assert r.flushdb() is True
    assert r.dbsize() == 0
    r1 = strata.redis(db=1, decode_responses=True)
    assert r1.get("m10") == "x"
    assert r.swapdb(0, 1) is True
    assert r.get("m10") == "x"
    assert r.flushall() is True
    assert r1.dbsize() == 0


def test_redis_py_binary(strata):
    r = strata.redis()
    blob = bytes(range(256)) * 100
    assert r.set(b"\x00bin\r\n", blob)
    assert r.get(b"\x00bin\r\n") == blob
    assert r.strlen(b"\x00bin\r\n") == len(blob)


def test_redis_py_pipeline(strata):
    r = strata.redis()
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.set("p%d" % i, i)
        p.incr("pc")
    res = p.execute()
    assert res[0::2] == [True] * 2000
    assert res[1::2] == list(range(1, 2001))
    p = r.pipeline(transaction=False)
    for i in range(2000):
        p.get("p%d" % i)
    assert p.execute() == [str(i).encode() for i in range(2000)]


def test_redis_py_errors(strata):
    import redis
    r = strata.redis()
    r.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("s")
    with pytest.raises(redis.ResponseError, match="unknown command"):
        r.execute_command("NOSUCHCMD", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("GET")
    assert r.get("s") == b"abc"


def test_redis_py_threads(strata):
    pool_client = strata.redis()
    errors = []

    def work(t):
        try:
            for i in range(300):
                pool_client.set("t%d:%d" % (t, i), i)
                pool_client.incr("shared")
        except Exception as e:  # pragma: no cover
            errors.append(e)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert pool_client.get("shared") == b"2400"
    assert pool_client.dbsize() == 2401


# ---------------------------------------------------------------------------
# CONFIG
# ---------------------------------------------------------------------------

def test_config_get_set(strata):
    with strata.client() as c:
        assert c.call_reply("CONFIG", "GET", "port").py() == [b"port", str(strata.port).encode()]
        assert c.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"0"]
        assert c.call("CONFIG", "SET", "timeout", "5") == b"+OK\r\n"
        assert c.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"5"]
        assert c.call("CONFIG", "SET", "TIMEOUT", "0") == b"+OK\r\n"
        assert c.call_reply("config", "get", "timeout").py() == [b"timeout", b"0"]
        assert c.call_reply("CONFIG", "GET", "nosuchoption").py() == []
        for name, value in (("databases", b"16"), ("appendfsync", b"everysec"),
                            ("proto-max-bulk-len", b"536870912"),
                            ("client-query-buffer-limit", b"1073741824"),
                            ("loglevel", b"notice"), ("requirepass", b""), ("bind", b"127.0.0.1")):
            assert c.call_reply("CONFIG", "GET", name).py() == [name.encode(), value], name
        d = dict(zip(*[iter(c.call_reply("CONFIG", "GET", "dir").py())] * 2))
        assert d[b"dir"].rstrip(b"/").endswith(strata.dir.name.encode())
        # glob patterns
        got = c.call_reply("CONFIG", "GET", "d*").py()
        names = got[0::2]
        assert b"databases" in names and b"dir" in names
        assert all(n.startswith(b"d") for n in names)
        assert c.call("CONFIG", "SET", "appendfsync", "always") == b"+OK\r\n"
        assert c.call_reply("CONFIG", "GET", "appendfsync").py() == [b"appendfsync", b"always"]
        assert c.call("CONFIG", "SET", "appendfsync", "everysec") == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "loglevel", "warning") == b"+OK\r\n"
        assert c.call_reply("CONFIG", "GET", "loglevel").py() == [b"loglevel", b"warning"]
        assert c.call("CONFIG", "SET", "proto-max-bulk-len", "2mb") == b"+OK\r\n"
        assert c.call_reply("CONFIG", "GET", "proto-max-bulk-len").py() == [b"proto-max-bulk-len", b"2097152"]


CONFIG_COMPARED = [
    ("CONFIG", "GET", "TIMEOUT"),
    ("CONFIG", "GET", "Databases"),
    ("CONFIG", "GET", "nosuchoption"),
    ("CONFIG", "GET", "appendfsync"),
    ("CONFIG", "SET", "TimeOut", "0"),
    ("CONFIG", "SET", "nosuchoption", "1"),
    ("CONFIG", "SET", "timeout", "abc"),
    ("CONFIG", "SET", "timeout", "-1"),
    ("CONFIG", "SET", "appendfsync", "sometimes"),
    ("CONFIG", "SET", "loglevel", "loud"),
    ("CONFIG", "SET", "databases", "3"),
    ("CONFIG", "SET", "dir"),
    ("CONFIG", "SET", "timeout"),
    ("CONFIG", "GET"),
    ("CONFIG", "NOSUCHSUB"),
    ("CONFIG",),
    ("CONFIG", "REWRITE"),
]


def test_config_replies_match_redis(strata, oracle_clean):
    with strata.client() as s, oracle_clean.client() as o:
        for cmd in CONFIG_COMPARED:
            sr, orr = s.call(*cmd), o.call(*cmd)
            assert sr == orr, "%r:\n strata: %r\n oracle: %r" % (cmd, sr, orr)
        assert s.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"0"]


def test_config_set_several_at_once(strata, oracle_clean):
    """Redis 7: CONFIG SET name value [name value ...], all or nothing."""
    with strata.client() as c:
        assert c.call("CONFIG", "SET", "timeout", "7", "loglevel", "verbose") == b"+OK\r\n"
        assert c.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"7"]
        assert c.call_reply("CONFIG", "GET", "loglevel").py() == [b"loglevel", b"verbose"]
        bad = ("CONFIG", "SET", "timeout", "9", "loglevel", "nonsense")
        err = c.call(*bad)
        assert err.startswith(b"-ERR")
        assert c.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"7"]
    with oracle_clean.client() as o:
        assert err == o.call(*bad)


# ---------------------------------------------------------------------------
# CLIENT
# ---------------------------------------------------------------------------

def test_client_commands(strata, oracle_clean):
    with strata.client() as c, strata.client() as other:
        assert c.call("CLIENT", "GETNAME") == b"$-1\r\n"
        assert c.call("CLIENT", "SETNAME", "tester") == b"+OK\r\n"
        assert c.call("CLIENT", "GETNAME") == b"$6\r\ntester\r\n"
        my_id = c.call_reply("CLIENT", "ID").value
        other_id = other.call_reply("CLIENT", "ID").value
        assert isinstance(my_id, int) and my_id > 0 and other_id != my_id
        with strata.client() as newer:
            assert newer.call_reply("CLIENT", "ID").value > max(my_id, other_id)
        assert other.call("SELECT", "3") == b"+OK\r\n"
        assert other.call("CLIENT", "SETNAME", "second") == b"+OK\r\n"

        lst = c.call_reply("CLIENT", "LIST")
        assert lst.kind == "$"
        lines = [l for l in lst.value.decode().split("\n") if l.strip()]
        assert len(lines) >= 2
        clients = [parse_client_line(l) for l in lines]
        for cl in clients:
            for field in ("id", "addr", "name", "age", "idle", "db", "cmd"):
                assert field in cl, (field, cl)
            assert re.fullmatch(r"127\.0\.0\.1:\d+", cl["addr"]), cl["addr"]
        me = [cl for cl in clients if cl["id"] == str(my_id)]
        assert len(me) == 1
        assert me[0]["name"] == "tester" and me[0]["db"] == "0"
        assert me[0]["cmd"] in ("client|list", "client")
        them = [cl for cl in clients if cl["id"] == str(other_id)][0]
        assert them["name"] == "second" and them["db"] == "3"

        info = c.call_reply("CLIENT", "INFO")
        assert info.kind == "$"
        text = info.value.decode()
        assert text.endswith("\n") and text.count("\n") == 1
        ci = parse_client_line(text)
        assert ci["id"] == str(my_id) and ci["name"] == "tester"

        assert c.call("CLIENT", "SETNAME", "") == b"+OK\r\n"
        assert c.call("CLIENT", "GETNAME") == b"$-1\r\n"

    errors = [
        ("CLIENT", "SETNAME", "has space"),
        ("CLIENT", "SETNAME", "new\nline"),
        ("CLIENT", "SETNAME"),
        ("CLIENT", "SETNAME", "a", "b"),
        ("CLIENT", "GETNAME", "x"),
        ("CLIENT", "NOSUCH"),
        ("CLIENT",),
        ("CLIENT", "ID", "x"),
    ]
    with strata.client() as s, oracle_clean.client() as o:
        for cmd in errors:
            assert s.call(*cmd) == o.call(*cmd), cmd


# ---------------------------------------------------------------------------
# INFO, DBSIZE, COMMAND
# ---------------------------------------------------------------------------

def test_info(strata):
    extra = [strata.client() for _ in range(3)]
    try:
        for c in extra:
            assert c.call("PING") == b"+PONG\r\n"
        with strata.client() as c:
            assert c.call("SET", "a", "1") == b"+OK\r\n"
            assert c.call("SET", "b", "2", "EX", "100") == b"+OK\r\n"
            assert c.call("SET", "c", "3") == b"+OK\r\n"
            assert c.call("SELECT", "2") == b"+OK\r\n"
            assert c.call("SET", "x", "1") == b"+OK\r\n"
            rep = c.call_reply("INFO")
            assert rep.kind == "$"
            text = rep.value.decode()
            assert "\r\n" in text
            sections, f = parse_info(text)
            for s in ("Server", "Clients", "Memory", "Stats", "Keyspace"):
                assert s in sections, (s, sections)
            assert re.fullmatch(r"\d+\.\d+\.\d+", f["redis_version"]), f.get("redis_version")
            assert f.get("tcp_port") == str(strata.port)
            assert int(f["uptime_in_seconds"]) >= 0
            assert int(f["connected_clients"]) >= 4
            assert int(f["used_memory"]) > 0
            assert f["db0"].startswith("keys=3,expires=1,avg_ttl="), f["db0"]
            assert f["db2"].startswith("keys=1,expires=0,"), f["db2"]
            assert "db1" not in f
            ks = c.call_reply("INFO", "keyspace").value.decode()
            ksec, kf = parse_info(ks)
            assert ksec == ["Keyspace"]
            assert set(kf) == {"db0", "db2"}
            srv = c.call_reply("INFO", "server").value.decode()
            ssec, sf = parse_info(srv)
            assert ssec == ["Server"] and "redis_version" in sf
            cl = c.call_reply("INFO", "clients").value.decode()
            assert parse_info(cl)[0] == ["Clients"]
            assert c.call("INFO", "nosuchsection") == b"$0\r\n\r\n"
    finally:
        for c in extra:
            c.close()
    # connected_clients goes down again
    deadline = time.time() + 3
    while time.time() < deadline:
        f = parse_info(strata.call("INFO", "clients").split(b"\r\n", 1)[1].decode())[1]
        if int(f["connected_clients"]) == 1:
            break
        time.sleep(0.05)
    assert int(f["connected_clients"]) == 1


def test_dbsize_after_operations(strata):
    with strata.client() as c:
        assert c.call("DBSIZE") == b":0\r\n"
        assert c.call("MSET", *sum((["k%d" % i, i] for i in range(10)), [])) == b"+OK\r\n"
        assert c.call("DBSIZE") == b":10\r\n"
        assert c.call("DEL", "k0", "k1", "k2", "nokey") == b":3\r\n"
        assert c.call("DBSIZE") == b":7\r\n"
        assert c.call("EXPIRE", "k3", "-1") == b":1\r\n"
        assert c.call("PEXPIREAT", "k4", "1") == b":1\r\n"
        assert c.call("DBSIZE") == b":5\r\n"
        assert c.call("RENAME", "k5", "k50") == b"+OK\r\n"
        assert c.call("MOVE", "k6", "1") == b":1\r\n"
        assert c.call("COPY", "k7", "k70") == b":1\r\n"
        assert c.call("DBSIZE") == b":5\r\n"
        assert c.call("SET", "k8", "over") == b"+OK\r\n"
        assert c.call("DBSIZE") == b":5\r\n"
        assert c.call("SELECT", "1") == b"+OK\r\n"
        assert c.call("DBSIZE") == b":1\r\n"
        assert c.call("FLUSHDB") == b"+OK\r\n"
        assert c.call("SELECT", "0") == b"+OK\r\n"
        assert c.call("DBSIZE") == b":5\r\n"
        assert c.call("FLUSHALL") == b"+OK\r\n"
        assert c.call("DBSIZE") == b":0\r\n"


def test_command_count(strata):
    rep = strata.call("COMMAND", "COUNT")
    assert rep.startswith(b":")
    assert int(rep[1:-2]) > 0


# ---------------------------------------------------------------------------
# SHUTDOWN
# ---------------------------------------------------------------------------

def test_shutdown_closes_server(strata):
    with strata.client() as watcher:
        assert watcher.call("PING") == b"+PONG\r\n"
        with strata.client() as c:
            c.send_command("SHUTDOWN")
            data, closed = c.read_until_closed(10)
            assert closed
            assert not data.startswith(b"-"), data
        code = strata.wait_exit(10)
        assert code == 0, "exit code %r" % code
        data, closed = watcher.read_until_closed(5)
        assert closed, "other clients' connections were not closed"
    with pytest.raises(OSError):
        RespClient(strata.host, strata.port, timeout=2)


def test_shutdown_via_redis_cli(strata):
    code, out, err = cli(strata, "shutdown")
    assert strata.wait_exit(10) == 0
    assert b"ERR" not in out, out
