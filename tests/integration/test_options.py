"""Start-up options and the config file, each compared with a real Redis
started with the same options: databases, requirepass, timeout, maxclients,
logfile, loglevel, appendfsync, bad options."""

import time

import pytest

from conftest import RespClient, ServerProcess, new_strata


def run_both(strata_srv, oracle_srv, cmds):
    """Run cmds on one connection per server; return the two lists of raw replies."""
    res = []
    for srv in (strata_srv, oracle_srv):
        with srv.client() as c:
            res.append([c.call(*cmd) for cmd in cmds])
    return res


def assert_same(strata_srv, oracle_srv, cmds):
    s, o = run_both(strata_srv, oracle_srv, cmds)
    for cmd, a, b in zip(cmds, s, o):
        assert a == b, "%r:\n strata: %r\n oracle: %r" % (cmd, a, b)


def test_databases_option(strata_factory, redis_factory):
    args = ["--databases", "4"]
    s, o = strata_factory(args), redis_factory(args)
    assert_same(s, o, [
        ("CONFIG", "GET", "databases"),
        ("SELECT", "3"),
        ("SET", "k", "v"),
        ("SELECT", "4"),
        ("SELECT", "0"),
        ("SWAPDB", "0", "3"),
        ("SWAPDB", "0", "4"),
        ("GET", "k"),
        ("MOVE", "k", "4"),
        ("MOVE", "k", "2"),
        ("COPY", "k", "k", "DB", "4"),
        ("COPY", "k", "k", "DB", "1"),
        ("INFO", "keyspace"),
    ])


def test_requirepass(strata_factory, redis_factory):
    args = ["--requirepass", "s3cret"]
    s, o = strata_factory(args), redis_factory(args)
    assert_same(s, o, [
        ("PING",),
        ("GET", "k"),
        ("SET", "k", "v"),
        ("NOSUCHCOMMAND",),
        ("AUTH",),
        ("AUTH", "wrong"),
        ("AUTH", "default", "wrong"),
        ("AUTH", "a", "b", "c"),
        ("GET", "k"),
        ("AUTH", "s3cret"),
        ("GET", "k"),
        ("SET", "k", "v"),
        ("AUTH", "wrong"),
        ("GET", "k"),
        ("AUTH", "default", "s3cret"),
        ("CONFIG", "GET", "requirepass"),
    ])
    # each connection authenticates by itself
    assert_same(s, o, [("GET", "k"), ("AUTH", "s3cret"), ("GET", "k")])


def test_auth_without_password(strata, oracle_clean):
    assert_same(strata, oracle_clean, [("AUTH", "x"), ("AUTH", "default", "x"), ("AUTH", "default", "")])


def test_requirepass_set_at_runtime(strata_factory, redis_factory):
    s, o = strata_factory(), redis_factory()
    for srv in (s, o):
        with srv.client() as c:
            assert c.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
            assert c.call("PING") == b"+PONG\r\n"  # this connection stays authenticated
    assert_same(s, o, [("PING",), ("AUTH", "pw"), ("PING",)])


def test_timeout_closes_idle_clients(strata_factory, redis_factory):
    args = ["--timeout", "1"]
    s, o = strata_factory(args), redis_factory(args)
    results = {}
    conns = {}
    for name, srv in (("strata", s), ("oracle", o)):
        idle = srv.client()
        busy = srv.client()
        assert idle.call("PING") == b"+PONG\r\n"
        conns[name] = (idle, busy)
    deadline = time.time() + 3.5
    while time.time() < deadline:
        for name, (idle, busy) in conns.items():
            assert busy.call("PING") == b"+PONG\r\n", name
        time.sleep(0.2)
    for name, (idle, busy) in conns.items():
        data, closed = idle.read_until_closed(0.5)
        results[name] = (data, closed)
        assert busy.call("PING") == b"+PONG\r\n", "%s closed a busy client" % name
        idle.close()
        busy.close()
    assert results["oracle"] == (b"", True)
    assert results["strata"] == results["oracle"], "idle client not closed after timeout"


def test_maxclients(strata_factory, redis_factory):
    args = ["--maxclients", "3"]
    s, o = strata_factory(args), redis_factory(args)
    res = {}
    for name, srv in (("strata", s), ("oracle", o)):
        held = [srv.client() for _ in range(3)]
        for c in held:
            assert c.call("PING") == b"+PONG\r\n"
        extra = RespClient(srv.host, srv.port)
        try:
            extra.send_command("PING")
        except OSError:
            pass
        res[name] = extra.read_until_closed(3)
        extra.close()
        held[0].close()
        # a slot is free again
        ok = False
        deadline = time.time() + 3
        while time.time() < deadline and not ok:
            with srv.client() as again:
                try:
                    ok = again.call("PING") == b"+PONG\r\n"
                except ConnectionError:
                    time.sleep(0.05)
        assert ok, name
        for c in held[1:]:
            c.close()
    assert res["oracle"] == (b"-ERR max number of clients reached\r\n", True)
    assert res["strata"] == res["oracle"]


def test_logfile_and_loglevel(strata_factory, tmp_path):
    logfile = tmp_path / "custom.log"
    srv = strata_factory(["--logfile", str(logfile), "--loglevel", "verbose"])
    assert srv.call("CONFIG", "GET", "loglevel") == b"*2\r\n$8\r\nloglevel\r\n$7\r\nverbose\r\n"
    srv.shutdown()
    assert logfile.exists() and logfile.stat().st_size > 0, "nothing written to --logfile"


@pytest.mark.parametrize("mode", ["always", "everysec", "no"])
def test_appendfsync_option(strata_factory, mode):
    srv = strata_factory(["--appendfsync", mode])
    assert srv.call("CONFIG", "GET", "appendfsync") == b"*2\r\n$11\r\nappendfsync\r\n$%d\r\n%s\r\n" % (
        len(mode), mode.encode())
    assert srv.call("SET", "k", "v") == b"+OK\r\n"
    srv.restart()
    assert srv.call("GET", "k") == b"$1\r\nv\r\n"


def test_config_file_and_command_line_override(strata_factory, tmp_path):
    conf = tmp_path / "strata.conf"
    conf.write_text("# a comment\n\n"
                    "databases 5\n"
                    "timeout 30\n"
                    "loglevel warning\n"
                    "proto-max-bulk-len 2mb\n")
    srv = strata_factory(["--timeout", "40"], conf=conf)
    with srv.client() as c:
        assert c.call_reply("CONFIG", "GET", "databases").py() == [b"databases", b"5"]
        assert c.call_reply("CONFIG", "GET", "timeout").py() == [b"timeout", b"40"]
        assert c.call_reply("CONFIG", "GET", "loglevel").py() == [b"loglevel", b"warning"]
        assert c.call_reply("CONFIG", "GET", "proto-max-bulk-len").py() == [b"proto-max-bulk-len", b"2097152"]
        assert c.call("SELECT", "5") == b"-ERR DB index is out of range\r\n"


BAD_STARTS = {
    "unknown_option": ["--nosuchoption", "1"],
    "bad_appendfsync": ["--appendfsync", "sometimes"],
    "bad_databases": ["--databases", "0"],
    "bad_port": ["--port", "notaport"],
    "bad_loglevel": ["--loglevel", "shouty"],
}


@pytest.mark.parametrize("name", sorted(BAD_STARTS))
def test_bad_options_refuse_to_start(tmp_path, name):
    srv = new_strata(tmp_path, name="bad")
    srv.extra_args = BAD_STARTS[name]
    try:
        srv.start(wait=False)
        code = srv.wait_exit(10)
        assert code is not None, "server with %r is still running" % BAD_STARTS[name]
        assert code != 0
        body = [l for l in srv.log_text().splitlines() if not l.startswith("=== test harness")]
        assert any(l.strip() for l in body), "no error message"
    finally:
        srv.stop()


def test_config_file_with_error_refuses_to_start(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("databases 4\nportt 1234\n")
    srv = new_strata(tmp_path, name="badconf", conf=conf)
    try:
        srv.start(wait=False)
        code = srv.wait_exit(10)
        assert code not in (None, 0)
        out = srv.log_text().split("=== test harness", 1)[-1].split("\n", 1)[-1]
        assert "portt" in out, "the message should name the bad line: %r" % out[-500:]
    finally:
        srv.stop()
