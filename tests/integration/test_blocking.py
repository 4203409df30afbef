"""Blocking commands with several clients (redis-py connections in threads,
raw sockets for pipelining): BLPOP/BRPOP/BLMOVE/BRPOPLPUSH/BLMPOP and
BZPOPMIN/BZPOPMAX/BZMPOP waiting for keys, order of service, timeouts,
wake-ups by RENAME/MOVE/COPY/SWAPDB, CLIENT UNBLOCK, CLIENT PAUSE, and
durability of popped elements across kill -9.

Most tests run against strata and against the real redis-server (the
`srv` fixture), so the expectations are Redis's own. The non-blocking paths
(errors, keys that already hold data) are pinned byte for byte by
diff/blocking_errors.txt."""

import socket
import threading
import time

import pytest
import redis

from conftest import RespClient, encode_command


@pytest.fixture(params=["strata", "redis"])
def srv(request):
    if request.param == "strata":
        yield request.getfixturevalue("strata")
        return
    o = request.getfixturevalue("oracle_clean")
    yield o
    o.call("CLIENT", "UNPAUSE")


def lists(v):
    """redis-py turns some replies into tuples; compare them as lists."""
    return [lists(x) for x in v] if isinstance(v, (list, tuple)) else v


class Bg:
    """Run one command on its own connection in a thread."""

    def __init__(self, server, *args, db=0, want_id=False):
        self.conn = server.redis(db=db)
        self.args = args
        self.result = self.error = None
        self.elapsed = self.end = None
        # CLIENT ID is a command too: under CLIENT PAUSE ALL it would wait
        self.id = self.conn.client_id() if want_id else None
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self):
        start = time.time()
        try:
            self.result = lists(self.conn.execute_command(*self.args))
        except Exception as e:  # noqa: BLE001 - the test inspects it
            self.error = e
        self.end = time.time()
        self.elapsed = self.end - start

    def join(self, timeout=5.0):
        self.t.join(timeout)
        assert not self.t.is_alive(), "still blocked: %r" % (self.args,)
        return self.result

    def done(self):
        return not self.t.is_alive()


def blocked(r):
    return r.info("clients")["blocked_clients"]


def wait_blocked(r, n, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        if blocked(r) == n:
            return
        time.sleep(0.005)
    raise AssertionError("blocked_clients never reached %d (now %d)" % (n, blocked(r)))


def block(srv, r, *args, db=0):
    """Start a blocking command and wait until the server has parked it."""
    before = blocked(r)
    b = Bg(srv, *args, db=db, want_id=True)
    wait_blocked(r, before + 1)
    return b


# ---------------------------------------------------------------------------
# Order of service
# ---------------------------------------------------------------------------


def test_fifo_per_key(srv):
    r = srv.redis()
    waiters = [block(srv, r, "BLPOP", "q", "0") for _ in range(3)]
    r.rpush("q", "a", "b", "c")
    assert [w.join() for w in waiters] == [[b"q", b"a"], [b"q", b"b"], [b"q", b"c"]]
    assert r.exists("q") == 0
    assert blocked(r) == 0


def test_one_element_serves_one_waiter_then_the_next(srv):
    r = srv.redis()
    a = block(srv, r, "BRPOP", "q", "0")
    b = block(srv, r, "BRPOP", "q", "0")
    r.lpush("q", "x")
    assert a.join() == [b"q", b"x"]
    time.sleep(0.05)
    assert not b.done()
    c = block(srv, r, "BRPOP", "q", "0")
    r.lpush("q", "y")
    assert b.join() == [b"q", b"y"]  # b blocked before c: it keeps its place
    r.lpush("q", "z")
    assert c.join() == [b"q", b"z"]


def test_multiple_keys_first_nonempty_wins(srv):
    r = srv.redis()
    r.rpush("k2", "x")
    r.rpush("k3", "y")
    assert lists(r.execute_command("BLPOP", "k1", "k2", "k3", "0")) == [b"k2", b"x"]
    r.delete("k3")
    w = block(srv, r, "BLPOP", "k1", "k2", "k3", "0")
    r.rpush("k3", "z")
    assert w.join() == [b"k3", b"z"]
    # the key that became ready serves, whichever was named first
    w = block(srv, r, "BRPOP", "a", "b", "0")
    r.rpush("b", "1")
    assert w.join() == [b"b", b"1"]


def test_one_push_feeds_waiters_on_several_keys(srv):
    r = srv.redis()
    w1 = block(srv, r, "BLPOP", "x", "y", "0")
    w2 = block(srv, r, "BLPOP", "y", "0")
    r.rpush("y", "1", "2")
    assert w1.join() == [b"y", b"1"]
    assert w2.join() == [b"y", b"2"]


def test_other_db_does_not_wake(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0", db=1)
    r.rpush("k", "db0")
    time.sleep(0.1)
    assert not w.done()
    srv.redis(db=1).rpush("k", "db1")
    assert w.join() == [b"k", b"db1"]
    assert r.lrange("k", 0, -1) == [b"db0"]


# ---------------------------------------------------------------------------
# Timeouts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("BLPOP", "k", "0.05"),
        ("BRPOP", "k1", "k2", "0.05"),
        ("BLMOVE", "a", "b", "LEFT", "RIGHT", "0.05"),
        ("BRPOPLPUSH", "a", "b", "0.05"),
        ("BLMPOP", "0.05", "2", "a", "b", "LEFT", "COUNT", "3"),
        ("BZPOPMIN", "z", "0.05"),
        ("BZPOPMAX", "z", "0.05"),
        ("BZMPOP", "0.05", "1", "z", "MIN"),
    ],
)
def test_timeout_replies_null_array(srv, args):
    # Redis 7.0 answers *-1 to every blocking timeout, BLMOVE included.
    c = srv.client()
    start = time.time()
    assert c.call(*args) == b"*-1\r\n"
    assert 0.045 <= time.time() - start < 2.0
    assert srv.redis().info("clients")["blocked_clients"] == 0


def test_timeout_is_precise(strata):
    # Redis checks timeouts every 100 ms; strata keeps one timer per client.
    # The best of three tries, so that one stall of a loaded machine does
    # not decide.
    c = strata.client()
    for t in (0.01, 0.05, 0.1):
        tries = []
        for _ in range(3):
            start = time.time()
            assert c.call("BLPOP", "k", repr(t)) == b"*-1\r\n"
            tries.append(time.time() - start)
        assert t - 0.001 <= min(tries) < t + 0.03, (t, tries)


def test_zero_waits_forever_then_push(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0")
    time.sleep(0.3)
    assert not w.done()
    r.lpush("k", "late")
    assert w.join() == [b"k", b"late"]


def test_tiny_timeouts_round_up(srv):
    # 0.0001 s is one millisecond (not "forever"); -0.0001 rounds to 0: forever
    c = srv.client()
    assert c.call("BLPOP", "k", "0.0001") == b"*-1\r\n"
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "-0.0001")
    time.sleep(0.2)
    assert not w.done()
    r.rpush("k", "v")
    assert w.join() == [b"k", b"v"]


def test_timeout_keeps_other_waiters(srv):
    r = srv.redis()
    short = block(srv, r, "BLPOP", "k", "0.05")
    long_ = block(srv, r, "BLPOP", "k", "0")
    assert short.join() is None
    r.rpush("k", "v")
    assert long_.join() == [b"k", b"v"]


# ---------------------------------------------------------------------------
# What wakes a waiter
# ---------------------------------------------------------------------------


def test_blmove_chain(srv):
    r = srv.redis()
    mover = block(srv, r, "BLMOVE", "a", "b", "RIGHT", "LEFT", "0")
    mover2 = block(srv, r, "BRPOPLPUSH", "b", "c", "0")
    popper = block(srv, r, "BLPOP", "c", "0")
    r.rpush("a", "x")
    assert mover.join() == b"x"
    assert mover2.join() == b"x"
    assert popper.join() == [b"c", b"x"]
    assert r.exists("a", "b", "c") == 0


def test_blmove_rotation_and_destination(srv):
    r = srv.redis()
    w = block(srv, r, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
    r.rpush("src", "1", "2")
    assert w.join() == b"1"
    assert r.lrange("src", 0, -1) == [b"2"]
    assert r.lrange("dst", 0, -1) == [b"1"]


def test_blmove_onto_itself_while_others_wait(srv):
    r = srv.redis()
    rot = block(srv, r, "BLMOVE", "k", "k", "LEFT", "RIGHT", "0")
    pop = block(srv, r, "BLPOP", "k", "0")
    r.rpush("k", "a", "b")
    assert rot.join() == b"a"  # k is now b a
    assert pop.join() == [b"k", b"b"]
    assert r.lrange("k", 0, -1) == [b"a"]


def test_blmove_destination_of_wrong_type(srv):
    r = srv.redis()
    w = block(srv, r, "BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
    r.set("dst", "string")
    r.rpush("src", "x")
    w.join()
    assert isinstance(w.error, redis.ResponseError) and "WRONGTYPE" in str(w.error)
    assert r.lrange("src", 0, -1) == [b"x"]  # nothing was moved


@pytest.mark.parametrize("how", ["rename", "move", "copy", "swapdb", "lmove", "rpoplpush"])
def test_key_filled_by_other_commands_wakes(srv, how):
    r = srv.redis()
    db = 1 if how in ("move", "swapdb") else 0
    w = block(srv, r, "BLPOP", "k", "0", db=db)
    r.rpush("src", "v")
    if how == "rename":
        r.rename("src", "k")
    elif how == "move":
        r.execute_command("MOVE", "src", 1)
        r.rpush("k", "v")  # MOVE of src into db 1 is not key k; fill k in db 0 and move it
        r.execute_command("MOVE", "k", 1)
    elif how == "copy":
        r.copy("src", "k")
    elif how == "swapdb":
        r.rpush("k", "v")
        r.swapdb(0, 1)
    elif how == "lmove":
        r.lmove("src", "k", "LEFT", "RIGHT")
    elif how == "rpoplpush":
        r.rpoplpush("src", "k")
    assert w.join() == [b"k", b"v"]


def test_zset_waiters(srv):
    r = srv.redis()
    wmin = block(srv, r, "BZPOPMIN", "z", "0")
    wmax = block(srv, r, "BZPOPMAX", "z", "0")
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert wmin.join() == [b"z", b"a", 1.0]  # redis-py parses the score
    assert wmax.join() == [b"z", b"c", 3.0]
    wm = block(srv, r, "BZMPOP", "0", "2", "w", "y", "MAX", "COUNT", "5")
    r.zadd("y", {"p": 1.5, "q": 2.5})
    assert wm.join() == [b"y", [[b"q", b"2.5"], [b"p", b"1.5"]]]
    assert r.zrange("z", 0, -1) == [b"b"]


@pytest.mark.parametrize("how", ["zunionstore", "zrangestore", "rename"])
def test_zset_filled_by_other_commands_wakes(srv, how):
    r = srv.redis()
    w = block(srv, r, "BZPOPMAX", "z", "0")
    r.zadd("src", {"a": 1, "b": 2})
    if how == "zunionstore":
        r.zunionstore("z", ["src"])
    elif how == "zrangestore":
        r.execute_command("ZRANGESTORE", "z", "src", "0", "-1")
    else:
        r.rename("src", "z")
    assert w.join() == [b"z", b"b", 2.0]
    assert r.zrange("z", 0, -1) == [b"a"]


def test_blmpop_count(srv):
    r = srv.redis()
    w = block(srv, r, "BLMPOP", "0", "2", "l1", "l2", "RIGHT", "COUNT", "2")
    r.rpush("l2", "a", "b", "c")
    assert w.join() == [b"l2", [b"c", b"b"]]
    assert r.lrange("l2", 0, -1) == [b"a"]


def test_many_consumers_each_element_once(strata):
    # 16 consumers on random key subsets with short timeouts (BLPOP, BRPOP,
    # BLMPOP, and BLMOVE into a list another consumer drains), 4 producers:
    # every element pushed is received exactly once or still in a list.
    import random
    keys = ["q%d" % i for i in range(6)]
    got, lock, stop = [], threading.Lock(), threading.Event()

    def consume(seed):
        rng = random.Random(seed)
        c = strata.redis()
        while not stop.is_set():
            ks = rng.sample(keys, rng.randint(1, 3))
            kind = rng.randrange(4)
            if kind == 0:
                v = c.blpop(ks, 0.02)
                vs = [v[1]] if v else []
            elif kind == 1:
                v = c.brpop(ks, 0.02)
                vs = [v[1]] if v else []
            elif kind == 2:
                v = c.execute_command("BLMPOP", "0.02", len(ks), *ks, "LEFT", "COUNT", 3)
                vs = v[1] if v else []
            else:
                c.execute_command("BLMOVE", ks[0], "moved", "LEFT", "RIGHT", "0.02")
                v = c.blpop("moved", 0.02)
                vs = [v[1]] if v else []
            with lock:
                got.extend(vs)

    pushed = []

    def produce(p):
        rng = random.Random(100 + p)
        c = strata.redis()
        for i in range(300):
            vals = [b"%d:%d:%d" % (p, i, j) for j in range(rng.randint(1, 3))]
            c.rpush(rng.choice(keys), *vals)
            with lock:
                pushed.extend(vals)

    cs = [threading.Thread(target=consume, args=(i,)) for i in range(16)]
    ps = [threading.Thread(target=produce, args=(i,)) for i in range(4)]
    for t in cs + ps:
        t.start()
    for t in ps:
        t.join(60)
    time.sleep(0.3)
    stop.set()
    for t in cs:
        t.join(10)
    r = strata.redis()
    left = [v for k in keys + ["moved"] for v in r.lrange(k, 0, -1)]
    assert len(got) == len(set(got)), "an element was received twice"
    assert sorted(got + left) == sorted(pushed)
    assert blocked(r) == 0


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


def test_wrongtype_at_once(srv):
    r = srv.redis()
    r.set("s", "x")
    r.rpush("l", "x")
    for args in (("BLPOP", "s", "0"), ("BRPOP", "nokey", "s", "0"), ("BZPOPMIN", "l", "0"),
                 ("BLMOVE", "s", "d", "LEFT", "LEFT", "0"), ("BLMPOP", "0", "1", "s", "LEFT"),
                 ("BZMPOP", "0", "1", "l", "MIN")):
        with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
            r.execute_command(*args)
    assert blocked(r) == 0


def test_key_changing_type_keeps_waiter_blocked(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0")
    r.set("k", "string")
    time.sleep(0.1)
    assert not w.done()
    r.delete("k")
    r.zadd("k", {"m": 1})  # a sorted set does not serve a list waiter
    time.sleep(0.1)
    assert not w.done()
    r.delete("k")
    r.rpush("k", "v")
    assert w.join() == [b"k", b"v"]


def test_waiters_of_different_types_on_one_key(srv):
    r = srv.redis()
    wl = block(srv, r, "BLPOP", "k", "0")
    wz = block(srv, r, "BZPOPMIN", "k", "0")
    r.zadd("k", {"m": 1})
    assert wz.join() == [b"k", b"m", 1.0]
    assert not wl.done()
    r.rpush("k", "v")
    assert wl.join() == [b"k", b"v"]


def test_other_key_of_wrong_type_does_not_spoil_service(srv):
    # BLPOP k1 k2; k1 becomes a string, then k2 gets an element: served from k2
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k1", "k2", "0")
    r.set("k1", "s")
    r.rpush("k2", "x")
    assert w.join() == [b"k2", b"x"]


# ---------------------------------------------------------------------------
# CLIENT UNBLOCK, disconnects, pipelining, introspection
# ---------------------------------------------------------------------------


def test_client_unblock_timeout_and_error(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0")
    assert r.execute_command("CLIENT", "UNBLOCK", w.id) == 1
    assert w.join() is None and w.error is None
    w = block(srv, r, "BLMOVE", "a", "b", "LEFT", "LEFT", "0")
    c = srv.client()
    assert c.call("CLIENT", "UNBLOCK", str(w.id), "TIMEOUT") == b":1\r\n"
    assert w.join() is None
    w = block(srv, r, "BZPOPMIN", "z", "0")
    assert r.execute_command("CLIENT", "UNBLOCK", w.id, "ERROR") == 1
    w.join()
    assert str(w.error) == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    # not blocked (any more): 0
    assert r.execute_command("CLIENT", "UNBLOCK", w.id) == 0
    assert r.execute_command("CLIENT", "UNBLOCK", r.client_id()) == 0
    assert blocked(r) == 0
    # the unblocked clients left their queues: a push stays in the list
    r.rpush("k", "v")
    assert r.lrange("k", 0, -1) == [b"v"]


def test_unblocked_raw_reply(srv):
    c = srv.client()
    cid = int(c.call("CLIENT", "ID")[1:-2])
    c.send_command("BLPOP", "k", "0")
    r = srv.redis()
    wait_blocked(r, 1)
    r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR")
    assert c.read_raw() == b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n"


def test_disconnect_while_blocked_leaves_no_trace(srv):
    r = srv.redis()
    s = socket.create_connection((srv.host, srv.port))
    s.sendall(encode_command("BLPOP", "k", "0"))
    wait_blocked(r, 1)
    s.close()
    wait_blocked(r, 0)
    r.rpush("k", "v")
    assert r.lrange("k", 0, -1) == [b"v"]  # nobody took it
    # many waiters coming and going
    socks = []
    for _ in range(20):
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(encode_command("BLPOP", "q", "x", "0"))
        socks.append(s)
    wait_blocked(r, 20)
    for s in socks:
        s.close()
    wait_blocked(r, 0)
    r.rpush("q", "1")
    assert r.llen("q") == 1


def test_pipelined_commands_wait_for_the_blocking_one(srv):
    c = srv.client()
    c.send_raw(encode_command("BLPOP", "k", "0") + encode_command("SET", "after", "1")
               + encode_command("GET", "after") + encode_command("BLPOP", "k", "0")
               + encode_command("INCR", "n"))
    r = srv.redis()
    wait_blocked(r, 1)
    time.sleep(0.05)
    assert r.get("after") is None  # nothing after the BLPOP ran
    r.rpush("k", "v1")
    assert c.read_raw() == b"*2\r\n$1\r\nk\r\n$2\r\nv1\r\n"
    assert c.read_raw() == b"+OK\r\n"
    assert c.read_raw() == b"$1\r\n1\r\n"
    wait_blocked(r, 1)  # the second BLPOP
    assert r.get("n") is None
    r.rpush("k", "v2")
    assert c.read_raw() == b"*2\r\n$1\r\nk\r\n$2\r\nv2\r\n"
    assert c.read_raw() == b":1\r\n"


def test_idle_timeout_spares_blocked_clients(srv):
    r = srv.redis()
    r.config_set("timeout", "1")
    try:
        w = block(srv, r, "BLPOP", "k", "0")
        time.sleep(2.2)
        r.rpush("k", "v")
        assert w.join() == [b"k", b"v"]
    finally:
        r.config_set("timeout", "0")


def test_many_keys_and_repeated_keys(srv):
    r = srv.redis()
    keys = ["k%d" % (i % 1000) for i in range(100000)]  # each key 100 times
    c = srv.client(timeout=30)
    start = time.time()
    assert c.call("BLPOP", *keys, "0.05") == b"*-1\r\n"
    assert time.time() - start < 5
    w = block(srv, r, "BRPOP", *keys, "0")
    r.rpush("k999", "v")
    assert w.join() == [b"k999", b"v"]
    w = block(srv, r, "BLPOP", "k", "k", "k", "0")
    r.rpush("k", "1", "2")
    assert w.join() == [b"k", b"1"]
    assert r.lrange("k", 0, -1) == [b"2"]


def test_pipelined_commands_after_a_timeout(srv):
    c = srv.client()
    c.send_raw(encode_command("BRPOPLPUSH", "a", "b", "0.05") + encode_command("BZPOPMIN", "z", "0.01")
               + encode_command("PING") + encode_command("BLMPOP", "0.01", "1", "k", "LEFT"))
    assert c.read_raw() == b"*-1\r\n"
    assert c.read_raw() == b"*-1\r\n"
    assert c.read_raw() == b"+PONG\r\n"
    assert c.read_raw() == b"*-1\r\n"


def test_blocked_client_introspection(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "5")
    w2 = block(srv, r, "BLPOP", "k2", "0")
    info = r.info("clients")
    assert info["blocked_clients"] == 2
    assert info["clients_in_timeout_table"] == 1 or srv.kind != "strata"
    line = [c for c in r.client_list() if int(c["id"]) == w.id][0]
    assert line["flags"] == "b" and line["cmd"] == "blpop"
    r.rpush("k", "v")
    r.rpush("k2", "v")
    w.join()
    w2.join()
    assert r.info("clients")["blocked_clients"] == 0


# ---------------------------------------------------------------------------
# CLIENT PAUSE
# ---------------------------------------------------------------------------


def test_pause_write_lets_reads_through(srv):
    r = srv.redis()
    r.set("k", "v")
    other = srv.redis()
    assert r.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    start = time.time()
    assert other.get("k") == b"v"
    assert other.lrange("nolist", 0, -1) == []
    assert time.time() - start < 0.2
    w = Bg(srv, "SET", "k", "new")
    p = Bg(srv, "PUBLISH", "ch", "m")
    time.sleep(0.1)
    assert not w.done() and not p.done()
    info = other.info("clients")  # Redis 7.0 counts paused clients as blocked
    assert (info["blocked_clients"], info["clients_in_timeout_table"]) == (2, 0)
    line = [c for c in other.client_list() if c["cmd"] == "set"]
    assert len(line) == 1 and line[0]["flags"] == "b"  # the parked SET
    assert other.get("k") == b"v"
    w.join()
    p.join()
    assert w.elapsed >= 0.2
    assert other.get("k") == b"new"


def test_pause_all_parks_everything_until_it_ends(srv):
    r = srv.redis()
    assert r.execute_command("CLIENT", "PAUSE", "400", "ALL")
    start = time.time()
    g = Bg(srv, "GET", "k")
    s1 = Bg(srv, "RPUSH", "l", "1")
    time.sleep(0.05)
    s2 = Bg(srv, "RPUSH", "l", "2")
    u = Bg(srv, "CLIENT", "UNPAUSE")  # a command like the others: parked too
    time.sleep(0.1)
    assert not g.done() and not s1.done() and not u.done()
    for b in (g, s1, s2, u):
        b.join()
        assert b.error is None
    assert time.time() - start >= 0.35
    assert r.lrange("l", 0, -1) == [b"1", b"2"]  # in the order they were parked


def test_unpause_releases_parked_writes_in_order(srv):
    r = srv.redis()
    assert r.execute_command("CLIENT", "PAUSE", "10000", "WRITE")
    ws = []
    for i in range(5):
        ws.append(Bg(srv, "RPUSH", "l", str(i)))
        time.sleep(0.02)
    time.sleep(0.05)
    assert not any(w.done() for w in ws)
    assert r.execute_command("CLIENT", "UNPAUSE")  # not a write: runs at once
    for w in ws:
        w.join()
    assert r.lrange("l", 0, -1) == [b"0", b"1", b"2", b"3", b"4"]


def test_pause_extends_but_never_shortens(srv):
    r = srv.redis()
    assert r.execute_command("CLIENT", "PAUSE", "500", "WRITE")
    assert r.execute_command("CLIENT", "PAUSE", "50", "WRITE")
    w = Bg(srv, "SET", "k", "v")
    w.join()
    assert w.elapsed >= 0.35


def test_blocking_command_parked_by_pause_starts_its_timeout_later(srv):
    r = srv.redis()
    start = time.time()
    assert r.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    w = Bg(srv, "BLPOP", "k", "0.1")  # a write: parked before it runs
    w.join()
    assert w.result is None and w.end - start >= 0.39


def test_blocked_client_times_out_during_pause(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0.2")
    assert r.execute_command("CLIENT", "PAUSE", "800", "ALL")
    w.join()
    assert w.result is None and w.elapsed < 0.6


def test_pause_then_push_serves_waiter_after_pause(srv):
    r = srv.redis()
    w = block(srv, r, "BLPOP", "k", "0")
    assert r.execute_command("CLIENT", "PAUSE", "200", "WRITE")
    p = Bg(srv, "RPUSH", "k", "v")
    time.sleep(0.1)
    assert not w.done()
    assert p.join() == 1
    assert w.join() == [b"k", b"v"]


def test_client_unblock_of_a_paused_client(strata):
    # Redis 7.0.15 crashes here (assertion "Unknown btype in
    # replyToBlockedClientTimedOut"); later Redis answers 0 and the command
    # runs when the pause ends. strata does the latter.
    r = strata.redis()
    assert r.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    w = Bg(strata, "SET", "k", "v", want_id=True)
    time.sleep(0.1)
    assert r.execute_command("CLIENT", "UNBLOCK", w.id) == 0
    assert r.execute_command("CLIENT", "UNBLOCK", w.id, "ERROR") == 0
    assert w.join() is True and w.elapsed >= 0.15
    assert r.get("k") == b"v"


def test_pause_stops_expiry(srv):
    # An expired key is not returned during a pause, but not deleted either.
    r = srv.redis()
    r.set("k", "v", px=100)
    r.set("other", "v")
    assert r.execute_command("CLIENT", "PAUSE", "600", "WRITE")
    time.sleep(0.3)
    assert r.get("k") is None
    assert r.dbsize() == 2
    time.sleep(0.5)  # the pause is over: expiry deletes it
    r.get("k")
    assert r.dbsize() == 1


# ---------------------------------------------------------------------------
# Durability
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_popped_elements_never_come_back_after_kill9(strata_factory, fsync):
    """A consumer BRPOPs while a producer LPUSHes; kill -9; restart: every
    element whose BRPOP reply arrived is gone, every acknowledged push is
    either popped or still there."""
    s = strata_factory(["--appendfsync", fsync])
    r = s.redis()
    pushed, popped = [], []
    stop = threading.Event()

    def consume():
        c = s.redis()
        while not stop.is_set():
            try:
                v = c.brpop("q", 0.05)
            except redis.ConnectionError:
                return
            if v:
                popped.append(v[1])

    def produce():
        c = s.redis()
        i = 0
        while not stop.is_set():
            try:
                c.lpush("q", b"e%d" % i)
            except redis.ConnectionError:
                return
            pushed.append(b"e%d" % i)
            i += 1
            if i % 3 == 0:
                time.sleep(0.001)

    ts = [threading.Thread(target=consume), threading.Thread(target=consume), threading.Thread(target=produce)]
    for t in ts:
        t.start()
    time.sleep(0.7)
    s.kill9()
    stop.set()
    for t in ts:
        t.join(5)
    assert len(popped) > 50
    s.start()
    left = s.redis().lrange("q", 0, -1)
    assert not set(left) & set(popped), "popped elements came back"
    missing = set(pushed) - set(left) - set(popped)
    assert not missing, "acknowledged pushes lost: %d" % len(missing)
    assert len(set(popped)) == len(popped), "an element was popped twice"


def test_served_reply_waits_for_sync_under_always(strata_factory):
    # The served BLPOP's pop is in the same turn's batch as the push: with
    # appendfsync always its reply leaves only after the sync; after kill -9
    # the element is not there again.
    s = strata_factory(["--appendfsync", "always"])
    r = s.redis()
    for i in range(20):
        w = block(s, r, "BLPOP", "k", "0")
        r.rpush("k", "v%d" % i)
        assert w.join() == [b"k", b"v%d" % i]
    s.kill9()
    s.start()
    assert s.redis().exists("k") == 0


# ---------------------------------------------------------------------------
# With MULTI/EXEC
# ---------------------------------------------------------------------------


def test_exec_fills_key_and_wakes_after_exec(srv):
    r = srv.redis()
    a = block(srv, r, "BLPOP", "q", "0")
    p = r.pipeline(transaction=True)
    p.rpush("q", "x", "y")
    p.lpop("q")  # inside EXEC the waiter is not served between commands
    assert p.execute() == [2, b"x"]
    assert a.join() == [b"q", b"y"]
    assert r.exists("q") == 0


def test_blocking_commands_inside_exec_do_not_block(srv):
    r = srv.redis()
    p = r.pipeline(transaction=True)
    p.execute_command("BLPOP", "empty", "0")
    p.execute_command("BLMOVE", "empty", "dst", "LEFT", "RIGHT", "0")
    p.execute_command("BZPOPMIN", "zempty", "0")
    p.execute_command("XREAD", "BLOCK", "0", "STREAMS", "sempty", "$")
    # (redis-py turns XREAD's null array into [])
    assert lists(p.execute()) == [None, None, None, []]
