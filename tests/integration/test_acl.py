"""ACL and AUTH with several clients: what a restricted user may do, ACL LOG,
the INFO counters, the ACL file across restarts, requirepass, clients of a
deleted user, CLIENT LIST/KILL by user, and protected mode.

The reply texts themselves are compared with Redis in diff/acl_*.txt; these
tests cover what a script cannot say (several users at once, restarts, the
server log, a non-loopback address).
"""
import socket
import time

import pytest
import redis

PW = "s3cret-pw"


def noperm(fn, *args):
    with pytest.raises(redis.exceptions.NoPermissionError) as e:
        fn(*args)
    return str(e.value)


def make_users(r):
    r.execute_command("ACL", "SETUSER", "reader", "on", ">" + PW, "-@all", "+@read", "+ping", "%R~app:*",
                      "resetchannels")
    r.execute_command("ACL", "SETUSER", "writer", "on", ">" + PW, "+@all", "-@dangerous", "~app:*", "~tmp:*",
                      "&news.*")


def test_restricted_users_with_redis_py(strata):
    admin = strata.redis(decode_responses=True)
    make_users(admin)
    admin.set("app:1", "v1")
    admin.set("secret", "s")
    admin.rpush("app:list", "a", "b")

    rd = strata.redis(username="reader", password=PW, decode_responses=True)
    assert "'acl|whoami' command" in noperm(rd.execute_command, "ACL", "WHOAMI")
    assert rd.get("app:1") == "v1"
    assert rd.lrange("app:list", 0, -1) == ["a", "b"]
    assert rd.mget("app:1", "app:2") == ["v1", None]
    assert "keys used as arguments" in noperm(rd.get, "secret")
    assert "keys used as arguments" in noperm(rd.mget, "app:1", "secret")
    assert "'set' command" in noperm(rd.set, "app:1", "x")
    assert "'flushall' command" in noperm(rd.flushall)
    assert "'publish' command" in noperm(rd.publish, "news.x", "m")
    assert admin.get("app:1") == "v1" and admin.exists("secret") == 1

    wr = strata.redis(username="writer", password=PW, decode_responses=True)
    assert wr.execute_command("ACL", "WHOAMI") == "writer"
    assert wr.set("app:2", "x") is True
    assert wr.set("tmp:1", "y") is True
    assert wr.lpush("app:list", "z") == 3
    assert wr.publish("news.today", "hello") == 0
    assert "keys used as arguments" in noperm(wr.set, "other", "x")
    assert "keys used as arguments" in noperm(wr.rename, "app:2", "other")
    assert "keys used as arguments" in noperm(wr.zunionstore, "app:dst", ["app:z", "other"])
    assert "channels used as arguments" in noperm(wr.publish, "sports", "m")
    assert "'flushall' command" in noperm(wr.flushall)
    assert "'keys' command" in noperm(wr.keys, "*")
    assert "'config|set' command" in noperm(wr.config_set, "maxmemory", "0")
    # nothing refused happened
    assert admin.exists("other") == 0 and admin.get("app:2") == "x"
    # a wrong password for a real user, and an unknown user
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)):
        strata.redis(username="reader", password="nope").ping()
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)):
        strata.redis(username="nobody", password=PW).ping()


def test_subscriber_limited_to_its_channels(strata):
    admin = strata.redis(decode_responses=True)
    make_users(admin)
    sub = strata.client()
    assert sub.call("AUTH", "writer", PW) == b"+OK\r\n"
    assert sub.call("SUBSCRIBE", "sports").startswith(b"-NOPERM this user has no permissions to access one "
                                                      b"of the channels used as arguments")
    # a pattern must be one of the user's patterns, not merely inside one
    assert sub.call("PSUBSCRIBE", "news.t*").startswith(b"-NOPERM")
    assert sub.call("SUBSCRIBE", "news.today") == b"*3\r\n$9\r\nsubscribe\r\n$10\r\nnews.today\r\n:1\r\n"
    assert admin.publish("news.today", "hi") == 1
    assert sub.read_reply().py() == [b"message", b"news.today", b"hi"]
    # widening the channels keeps the subscriber; taking its channel away
    # disconnects it
    admin.execute_command("ACL", "SETUSER", "writer", "&more.*")
    assert admin.publish("news.today", "again") == 1
    assert sub.read_reply().py() == [b"message", b"news.today", b"again"]
    admin.execute_command("ACL", "SETUSER", "writer", "resetchannels", "&other.*")
    _, closed = sub.read_until_closed(5)
    assert closed
    assert admin.publish("news.today", "gone") == 0
    sub.close()


def log_entries(r, *args):
    out = []
    for e in r.execute_command("ACL", "LOG", *args):
        out.append(dict(zip(e[0::2], e[1::2])))
    return out


def test_acl_log_and_info_counters(strata, self_mode):
    r = strata.redis(decode_responses=True)
    make_users(r)
    r.execute_command("ACL", "LOG", "RESET")
    r.config_resetstat()
    rd = strata.client()
    assert rd.call("AUTH", "reader", PW) == b"+OK\r\n"
    assert rd.call("SET", "app:1", "x").startswith(b"-NOPERM")
    assert rd.call("GET", "secret").startswith(b"-NOPERM")
    assert rd.call("GET", "secret").startswith(b"-NOPERM")
    wr = strata.client()
    assert wr.call("AUTH", "writer", PW) == b"+OK\r\n"
    assert wr.call("PUBLISH", "sports", "m").startswith(b"-NOPERM")
    bad = strata.client()
    assert bad.call("AUTH", "reader", "wrong-password-xyz").startswith(b"-WRONGPASS")
    assert bad.call("AUTH", "ghost", "other-wrong-pw").startswith(b"-WRONGPASS")

    entries = log_entries(r)
    assert [(e["reason"], e["object"], e["username"], e["count"]) for e in entries] == [
        ("auth", "AUTH", "ghost", 1),
        ("auth", "AUTH", "reader", 1),
        ("channel", "sports", "writer", 1),
        ("key", "secret", "reader", 2),
        ("command", "set", "reader", 1),
    ]
    for e in entries:
        assert e["context"] == "toplevel"
        assert float(e["age-seconds"]) < 30
    assert "user=reader" in entries[3]["client-info"] and "cmd=get" in entries[3]["client-info"]
    # passwords are never logged, neither in ACL LOG nor in the server log
    text = repr(r.execute_command("ACL", "LOG")) + strata.log_text()
    assert "wrong-password-xyz" not in text and "other-wrong-pw" not in text and PW not in text
    assert len(log_entries(r, 2)) == 2
    assert log_entries(r, 0) == []

    if self_mode:  # Redis 7.0 has no such INFO fields (7.2 does)
        return
    info = r.info("stats")
    assert info["acl_access_denied_auth"] == 2
    assert info["acl_access_denied_cmd"] == 1
    assert info["acl_access_denied_key"] == 2
    assert info["acl_access_denied_channel"] == 1
    r.config_resetstat()
    assert r.info("stats")["acl_access_denied_key"] == 0

    # the log keeps at most acllog-max-len entries, newest first
    r.config_set("acllog-max-len", 2)
    assert rd.call("GET", "k1").startswith(b"-NOPERM")
    assert rd.call("GET", "k2").startswith(b"-NOPERM")
    assert rd.call("GET", "k3").startswith(b"-NOPERM")
    assert [e["object"] for e in log_entries(r)] == ["k3", "k2"]
    assert r.execute_command("ACL", "LOG", "RESET") == "OK"
    assert log_entries(r) == []
    for c in (rd, wr, bad):
        c.close()


def test_auth_and_requirepass(strata_factory):
    srv = strata_factory(["--requirepass", "firstpw"])
    c = srv.client()
    assert c.call("GET", "k") == b"-NOAUTH Authentication required.\r\n"
    assert c.call("AUTH", "wrong") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    assert c.call("AUTH", "default", "wrong").startswith(b"-WRONGPASS")
    assert c.call("AUTH", "a", "b", "c") == b"-ERR syntax error\r\n"
    assert c.call("AUTH", "firstpw") == b"+OK\r\n"
    assert c.call("ACL", "WHOAMI") == b"$7\r\ndefault\r\n"
    assert c.call("CONFIG", "SET", "requirepass", "secondpw") == b"+OK\r\n"
    assert c.call("PING") == b"+PONG\r\n"  # an authenticated connection stays so
    d = srv.client()
    assert d.call("AUTH", "firstpw").startswith(b"-WRONGPASS")
    assert d.call("AUTH", "secondpw") == b"+OK\r\n"
    assert c.call("ACL", "GETUSER", "default").count(b"$64\r\n") == 1
    # no password again: new connections start authenticated
    assert c.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    e = srv.client()
    assert e.call("PING") == b"+PONG\r\n"
    assert e.call("AUTH", "x").startswith(b"-ERR AUTH <password> called without any password configured")
    assert e.call("AUTH", "default", "anything") == b"+OK\r\n"
    for x in (c, d, e):
        x.close()


def test_deleted_user_clients_are_closed_and_client_list_shows_user(strata):
    r = strata.redis(decode_responses=True)
    make_users(r)
    a = strata.client()
    assert a.call("AUTH", "writer", PW) == b"+OK\r\n"
    lines = r.execute_command("CLIENT", "LIST").splitlines()
    assert any("user=writer" in l for l in lines)
    assert any("user=default" in l for l in lines)
    info = a.call("CLIENT", "INFO")
    assert b"user=writer" in info
    b = strata.client()
    assert b.call("AUTH", "writer", PW) == b"+OK\r\n"
    with pytest.raises(redis.exceptions.ResponseError, match="No such user 'nosuch'"):
        r.execute_command("CLIENT", "KILL", "USER", "nosuch")
    assert r.execute_command("CLIENT", "KILL", "USER", "writer") == 2
    _, closed = a.read_until_closed(5)
    assert closed
    # deleting a user closes the connections authenticated as it
    c = strata.client()
    assert c.call("AUTH", "reader", PW) == b"+OK\r\n"
    assert r.execute_command("ACL", "DELUSER", "reader", "writer") == 2
    _, closed = c.read_until_closed(5)
    assert closed
    assert r.execute_command("ACL", "USERS") == ["default"]
    b.close()


def test_aclfile_load_save_across_restart(strata_factory, tmp_path):
    aclfile = tmp_path / "users.acl"
    aclfile.write_text(
        "user default on nopass ~* &* +@all\n"
        "user alice on >alicepw ~a:* -@all +get +set (~b:* +get)\n"
        "\n"
        "user bob off #%s ~* +@read\n" % ("a" * 64))
    srv = strata_factory(["--aclfile", str(aclfile)])
    r = srv.redis(decode_responses=True)
    assert r.execute_command("ACL", "USERS") == ["alice", "bob", "default"]
    al = srv.redis(username="alice", password="alicepw", decode_responses=True)
    assert al.set("a:1", "v") is True
    noperm(al.set, "b:1", "v")
    assert al.get("b:1") is None  # through the selector
    # changes survive a restart only through ACL SAVE
    r.execute_command("ACL", "SETUSER", "carol", "on", ">carolpw", "~*", "+@all")
    r.execute_command("ACL", "SETUSER", "alice", "+incr")
    assert r.execute_command("ACL", "SAVE") == "OK"
    before = acl_list(r)
    srv.restart()
    r = srv.redis(decode_responses=True)
    assert acl_list(r) == before
    assert srv.redis(username="carol", password="carolpw").ping() is True
    assert srv.redis(username="alice", password="alicepw").execute_command("INCR", "a:n") == 1
    # after kill -9 too
    srv.kill9()
    srv.start()
    r = srv.redis(decode_responses=True)
    assert acl_list(r) == before

    # ACL LOAD: a bad file changes nothing; a good one replaces the users
    # and closes the connections of the users it replaced
    conn = srv.client()
    assert conn.call("AUTH", "carol", "carolpw") == b"+OK\r\n"
    aclfile.write_text("user dave on nopass +@all ~*\nuser eve on +nosuchcommand\n")
    with pytest.raises(redis.exceptions.ResponseError) as e:
        r.execute_command("ACL", "LOAD")
    assert ("users.acl:2: Error in applying operation '+nosuchcommand': Unknown command or category name in "
            "ACL. WARNING: ACL errors detected, no change" in str(e.value))
    assert acl_list(r) == before
    aclfile.write_text("user dave on nopass +@all ~*\n")
    assert r.execute_command("ACL", "LOAD") == "OK"
    assert r.execute_command("ACL", "USERS") == ["dave", "default"]
    assert r.execute_command("ACL", "LIST")[1] == "user default on nopass ~* &* +@all"
    _, closed = conn.read_until_closed(5)
    assert closed
    # without an ACL file, SAVE and LOAD explain themselves
    other = strata_factory()
    with pytest.raises(redis.exceptions.ResponseError, match="not configured to use an ACL file"):
        other.redis().execute_command("ACL", "SAVE")


def test_bad_aclfile_stops_start_up(strata_factory, tmp_path):
    aclfile = tmp_path / "bad.acl"
    aclfile.write_text("user alice on +@nosuchcategory\n")
    srv = strata_factory(["--aclfile", str(aclfile)], wait=False)
    assert srv.wait_exit(10) not in (0, None)
    assert "Unknown command or category name in ACL" in srv.log_text()


def acl_list(r):
    """ACL LIST with each line's words sorted: Redis names single commands
    in its hash table's order, which changes from one process to the next."""
    return [sorted(line.split()) for line in r.execute_command("ACL", "LIST")]


def non_loopback_ip():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        ip = s.getsockname()[0]
    except OSError:
        return None
    finally:
        s.close()
    return None if ip.startswith("127.") else ip


def test_protected_mode_refuses_remote_clients(strata_factory):
    ip = non_loopback_ip()
    if not ip:
        pytest.skip("this machine has no non-loopback IPv4 address")
    srv = strata_factory(["--bind", "127.0.0.1", ip, "--protected-mode", "yes"])

    def remote_reply():
        # The refusal is sent at once; sending nothing lets the close be clean.
        with socket.create_connection((ip, srv.port), timeout=5) as s:
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data
                data += chunk

    data = remote_reply()
    assert data.startswith(b"-DENIED Redis is running in protected mode because protected mode is enabled")
    assert data.endswith(b"start accepting connections from the outside.\r\n")
    assert srv.call("PING") == b"+PONG\r\n"  # loopback is served
    # a password on the default user lifts it
    assert srv.call("CONFIG", "SET", "requirepass", "pw") == b"+OK\r\n"
    with socket.create_connection((ip, srv.port), timeout=5) as s:
        s.sendall(b"AUTH pw\r\nPING\r\n")
        time.sleep(0.3)
        assert s.recv(1000) == b"+OK\r\n+PONG\r\n"
    # and so does protected-mode no
    c = srv.client()
    assert c.call("AUTH", "pw") == b"+OK\r\n"
    assert c.call("CONFIG", "SET", "requirepass", "") == b"+OK\r\n"
    assert remote_reply().startswith(b"-DENIED")
    assert c.call("CONFIG", "SET", "protected-mode", "no") == b"+OK\r\n"
    with socket.create_connection((ip, srv.port), timeout=5) as s:
        s.sendall(b"PING\r\n")
        assert s.recv(100) == b"+PONG\r\n"
    c.close()


def test_users_in_config_file_and_config_rewrite(strata_factory, tmp_path):
    conf = tmp_path / "strata.conf"
    conf.write_text("user alice on >alicepw ~a:* -@all +get +set\n"
                    "user default on >defpw ~* &* +@all\n")
    srv = strata_factory(conf=conf)
    c = srv.client()
    assert c.call("PING") == b"-NOAUTH Authentication required.\r\n"
    assert c.call("AUTH", "defpw") == b"+OK\r\n"
    al = srv.redis(username="alice", password="alicepw")
    assert al.set("a:1", "x") is True
    noperm(al.get, "b")
    # users made at run time reach the file through CONFIG REWRITE
    assert c.call("ACL", "SETUSER", "carol", "on", ">carolpw", "~*", "+@read") == b"+OK\r\n"
    assert c.call("ACL", "DELUSER", "alice") == b":1\r\n"
    assert c.call("CONFIG", "REWRITE") == b"+OK\r\n"
    text = conf.read_text()
    assert "user carol on #" in text and "alice" not in text
    assert "user default on sanitize-payload #" in text
    c.close()
    srv.kill9()
    srv.start()
    assert srv.redis(username="carol", password="carolpw").get("a:1") == b"x"
    assert srv.redis(password="defpw").execute_command("ACL", "USERS") == [b"carol", b"default"]
    with pytest.raises((redis.exceptions.AuthenticationError, redis.exceptions.ResponseError)):
        srv.redis(username="alice", password="alicepw").ping()


def test_config_users_and_aclfile_together_refuse_to_start(strata_factory, tmp_path):
    conf = tmp_path / "both.conf"
    aclfile = tmp_path / "u.acl"
    aclfile.write_text("user bob on nopass ~* +@all\n")
    conf.write_text("user alice on nopass\naclfile %s\n" % aclfile)
    srv = strata_factory(conf=conf, wait=False)
    assert srv.wait_exit(10) not in (0, None)
    assert "users defined in redis.conf and at the same setting an ACL file path is invalid" in srv.log_text()
