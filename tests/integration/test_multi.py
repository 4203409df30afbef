"""Transactions (MULTI/EXEC/DISCARD/WATCH/UNWATCH) where a diff script is
not enough: several clients at once, OOM while queueing, CLIENT LIST, big
pipelined transactions, hot-tier eviction under WATCH, and kill -9 while
transactions commit (every EXEC all or nothing, every acknowledged one
there after the restart).

The diff scripts diff/multi_*.txt pin the single-client replies.
"""

import random
import threading
import time

import pytest

from conftest import RespClient

OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = str(a)
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_n(c, n):
    return [c.read_reply() for _ in range(n)]


def client_field(line, name):
    for part in line.split(" "):
        if part.startswith(name + "="):
            return part[len(name) + 1:]
    return None


def own_client_line(c):
    """This connection's line of CLIENT LIST (CLIENT INFO's text)."""
    return c.call_reply("CLIENT", "INFO").value.decode().strip()


# ---------------------------------------------------------------------------
# Several clients
# ---------------------------------------------------------------------------

def test_watch_optimistic_counter(strata):
    """Four clients increment one counter with WATCH/GET/MULTI/SET/EXEC and
    retry on a null EXEC: no increment may be lost or doubled."""
    per_client, nclients = 150, 4
    retries = [0] * nclients
    errors = []

    def worker(i):
        try:
            with strata.client() as c:
                done = 0
                while done < per_client:
                    assert c.call("WATCH", "counter") == b"+OK\r\n"
                    v = c.call_reply("GET", "counter").value
                    n = int(v) if v is not None else 0
                    c.send_raw(encode("MULTI") + encode("SET", "counter", n + 1) + encode("EXEC"))
                    r = read_n(c, 3)
                    assert r[0].raw == b"+OK\r\n" and r[1].raw == b"+QUEUED\r\n", r
                    if r[2].raw == b"*-1\r\n":
                        retries[i] += 1
                        continue
                    assert r[2].raw == b"*1\r\n+OK\r\n", r[2].raw
                    done += 1
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(nclients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert strata.call("GET", "counter") == b"$3\r\n600\r\n"


def test_exec_is_isolated_from_other_clients(strata):
    """While one client's big pipelined transaction runs, another client
    never sees half of it."""
    stop = threading.Event()
    torn = []

    def reader():
        with strata.client() as c:
            while not stop.is_set():
                r = c.call_reply("MGET", "x", "y").py()
                if r[0] != r[1]:
                    torn.append(r)

    t = threading.Thread(target=reader)
    t.start()
    try:
        with strata.client() as c:
            for gen in range(30):
                cmds = [encode("MULTI")]
                for j in range(200):
                    cmds.append(encode("SET", "x", "%d-%d" % (gen, j)))
                    cmds.append(encode("SET", "y", "%d-%d" % (gen, j)))
                cmds.append(encode("EXEC"))
                c.send_raw(b"".join(cmds))
                replies = read_n(c, len(cmds))
                assert replies[-1].raw.startswith(b"*400\r\n")
    finally:
        stop.set()
        t.join(30)
    assert not torn, torn[:5]


def test_disconnect_forgets_transaction_and_watches(strata):
    with strata.client() as a:
        a.call("SET", "k", "1")
        assert a.call("WATCH", "k", "other") == b"+OK\r\n"
        assert a.call("MULTI") == b"+OK\r\n"
        assert a.call("SET", "k", "from-a") == b"+QUEUED\r\n"
    # a is gone: its queue never runs, and watching still works for others
    with strata.client() as b:
        assert b.call("WATCH", "k") == b"+OK\r\n"
        assert b.call("GET", "k") == b"$1\r\n1\r\n"
        b.call("MULTI")
        b.call("INCR", "k")
        assert b.call("EXEC") == b"*1\r\n:2\r\n"


def test_client_list_shows_multi(strata, oracle_clean):
    """flags=x and multi=<queued> while queueing, flags=d once a watched key
    changed, multi=-1 otherwise: the same fields as Redis."""
    def fields(srv):
        with srv.client() as a, srv.client() as b:
            out = []
            line = own_client_line(a)
            out.append((client_field(line, "flags"), client_field(line, "multi")))
            a.call("WATCH", "k")
            b.call("SET", "k", "1")
            line = own_client_line(a)
            out.append((client_field(line, "flags"), client_field(line, "multi")))
            a.call("MULTI")
            a.call("SET", "a", "1")
            a.call("GET", "a")
            # seen from the other connection
            lst = b.call_reply("CLIENT", "LIST").value.decode().splitlines()
            mine = [l for l in lst if client_field(l, "cmd") == "get" or client_field(l, "cmd") == "set"]
            out.append(sorted((client_field(l, "flags"), client_field(l, "multi")) for l in mine))
            a.call("DISCARD")
            line = own_client_line(a)
            out.append((client_field(line, "flags"), client_field(line, "multi")))
            a.call("MULTI")
            a.call("PING")
            out.append(a.call("EXEC"))
            return out

    assert fields(strata) == fields(oracle_clean)


# ---------------------------------------------------------------------------
# OOM while queueing and at EXEC (compared with Redis)
# ---------------------------------------------------------------------------

def oom_sequence(srv):
    out = []
    with srv.client() as a, srv.client() as b:
        b.call("CONFIG", "SET", "maxmemory-policy", "noeviction")
        a.call("SET", "pad", "1")
        out += [a.call("MULTI"), a.call("SET", "x", "1"), a.call("GET", "x")]
        out.append(b.call("CONFIG", "SET", "maxmemory", "1"))
        # the queue holds a write (denyoom): EXEC itself is refused
        out.append(a.call("EXEC"))
        out.append(a.call("DISCARD"))
        # while out of memory, every command queued is refused (reads too)
        out += [a.call("MULTI"), a.call("GET", "x"), a.call("PING"), a.call("EXEC")]
        # a read-only queue still runs
        out += [a.call("MULTI")]
        out.append(b.call("CONFIG", "SET", "maxmemory", "0"))
        out.append(a.call("GET", "pad"))
        out.append(b.call("CONFIG", "SET", "maxmemory", "1"))
        out.append(a.call("EXEC"))
        # DISCARD and QUIT work when out of memory
        out += [a.call("MULTI")]
        out.append(a.call("DISCARD"))
        b.call("CONFIG", "SET", "maxmemory", "0")
    return out


def test_oom_inside_multi_like_redis(strata, oracle_clean):
    got = oom_sequence(strata)
    assert OOM in got
    assert got == oom_sequence(oracle_clean)


# ---------------------------------------------------------------------------
# Big transactions
# ---------------------------------------------------------------------------

def test_big_pipelined_transaction_like_redis(strata, oracle_clean):
    """Thousands of commands of every family in one EXEC, with errors in
    the middle; byte-identical to Redis."""
    rng = random.Random(7)
    cmds = [encode("MULTI")]
    for i in range(3000):
        k = rng.randrange(40)
        op = rng.randrange(8)
        if op == 0:
            cmds.append(encode("SET", "s%d" % k, i))
        elif op == 1:
            cmds.append(encode("INCR", "s%d" % k))
        elif op == 2:
            cmds.append(encode("RPUSH", "l%d" % k, i))
        elif op == 3:
            cmds.append(encode("HSET", "h%d" % k, "f%d" % (i % 50), i))
        elif op == 4:
            cmds.append(encode("SADD", "t%d" % k, i % 70))
        elif op == 5:
            cmds.append(encode("ZADD", "z%d" % k, i % 13, "m%d" % (i % 30)))
        elif op == 6:
            cmds.append(encode("DEL", "s%d" % k))
        else:
            cmds.append(encode("LPOP", "l%d" % k))
    cmds.append(encode("EXEC"))
    payload = b"".join(cmds)

    def run(srv):
        with srv.client() as c:
            c.send_raw(payload)
            replies = [r.raw for r in read_n(c, len(cmds))]
            state = []
            for prefix, cmd in (("s", "GET"), ("l", "LRANGE"), ("h", "HGETALL"), ("t", "SMEMBERS"),
                                ("z", "ZRANGE")):
                for k in range(40):
                    args = [cmd, "%s%d" % (prefix, k)] + (["0", "-1"] if cmd in ("LRANGE", "ZRANGE") else [])
                    r = c.call_reply(*args).py()
                    if cmd == "SMEMBERS" or cmd == "HGETALL":
                        r = sorted(r) if isinstance(r, list) else r
                    state.append(r)
            return replies, state

    s_replies, s_state = run(strata)
    o_replies, o_state = run(oracle_clean)
    assert s_replies[-1].startswith(b"*3000\r\n")
    assert s_replies == o_replies
    assert s_state == o_state


def test_eviction_does_not_touch_watched_keys(strata_factory, self_mode):
    """Dropping a key from the hot tier changes no data: a WATCH on it holds."""
    if self_mode:
        pytest.skip("strata's hot tier")
    srv = strata_factory(["--maxmemory", "4kb", "--maxmemory-policy", "allkeys-lru"])
    with srv.client() as a, srv.client() as b:
        a.call("SET", "watched", "v")
        assert a.call("WATCH", "watched") == b"+OK\r\n"

        def evicted():
            for line in b.call_reply("INFO", "stats").value.decode().splitlines():
                if line.startswith("evicted_keys:"):
                    return int(line.split(":")[1])
            return 0

        before = evicted()
        for i in range(2000):
            b.call("SET", "fill:%d" % i, "x" * 100)
        assert evicted() > before + 100
        a.call("MULTI")
        a.call("GET", "watched")
        assert a.call("EXEC") == b"*1\r\n$1\r\nv\r\n"


# ---------------------------------------------------------------------------
# kill -9 while transactions commit
# ---------------------------------------------------------------------------

def txn_commands(tid, t, n):
    """Transaction t of writer tid: n units, each INCR c + RPUSH l + HSET h,
    then COPY h hc and SET last (so 'last' names the newest transaction
    applied)."""
    cmds = [encode("MULTI")]
    for j in range(n):
        cmds.append(encode("INCR", "c:%d" % tid))
        cmds.append(encode("RPUSH", "l:%d" % tid, "%d:%d" % (t, j)))
        cmds.append(encode("HSET", "h:%d" % tid, "f:%d:%d" % (t, j), t))
    # COPY of a compound value used to commit in the middle of the turn;
    # inside EXEC it must not split the transaction
    cmds.append(encode("COPY", "h:%d" % tid, "hc:%d" % tid, "REPLACE"))
    cmds.append(encode("SET", "last:%d" % tid, t))
    cmds.append(encode("EXEC"))
    return cmds


def flush_txn_commands(tid, t, n):
    """Writer tid works alone in db tid+1: each transaction empties it with
    FLUSHDB and builds it again (FLUSHDB used to commit at once, in the
    middle of the transaction)."""
    cmds = [encode("MULTI"), encode("SET", "before", t), encode("FLUSHDB")]
    for j in range(n):
        cmds.append(encode("RPUSH", "l", "%d:%d" % (t, j)))
    cmds.append(encode("SET", "last", t))
    cmds.append(encode("EXEC"))
    return cmds


class TxnWriter(threading.Thread):
    def __init__(self, srv, tid, rng, start_t, sizes, make=txn_commands, db=0):
        super().__init__(daemon=True)
        self.make, self.db = make, db
        self.srv, self.tid, self.rng = srv, tid, rng
        self.t = start_t          # next transaction number
        self.sizes = sizes        # transaction number -> units (shared record)
        self.acked = start_t - 1  # last acknowledged transaction
        self.stop = threading.Event()
        self.error = None

    def run(self):
        try:
            c = RespClient(self.srv.host, self.srv.port, timeout=30)
        except OSError:
            return
        try:
            if self.db:
                c.call("SELECT", self.db)
            while not self.stop.is_set():
                n = self.rng.choice([1, 2, 5, 20]) if self.rng.random() < 0.8 else self.rng.randrange(1000, 2500)
                self.sizes[self.t] = n
                cmds = self.make(self.tid, self.t, n)
                c.send_raw(b"".join(cmds))
                replies = read_n(c, len(cmds))
                ex = replies[-1].raw
                if not ex.startswith(b"*%d\r\n" % (len(cmds) - 2)):
                    self.error = "bad EXEC reply %r" % ex[:100]
                    return
                self.acked = self.t
                self.t += 1
        except Exception:
            return  # the server was killed under us
        finally:
            c.close()


def check_writer_state(c, tid, sizes, acked, sent):
    """After a restart: exactly transactions 0..L applied, acked <= L <= sent."""
    r = c.call_reply("GET", "last:%d" % tid).value
    last = int(r) if r is not None else -1
    assert acked <= last <= sent, (tid, acked, last, sent)
    units = sum(sizes[t] for t in range(last + 1))
    cnt = c.call_reply("GET", "c:%d" % tid).value
    assert int(cnt or 0) == units, (tid, last, cnt, units)
    assert c.call_reply("LLEN", "l:%d" % tid).value == units
    assert c.call_reply("HLEN", "h:%d" % tid).value == units
    assert c.call_reply("HLEN", "hc:%d" % tid).value == units
    if last >= 0:
        n = sizes[last]
        tail = c.call_reply("LRANGE", "l:%d" % tid, -n, -1).py()
        assert tail == [b"%d:%d" % (last, j) for j in range(n)]
        fields = ["f:%d:%d" % (last, j) for j in (0, n - 1)]
        assert c.call_reply("HMGET", "h:%d" % tid, *fields).py() == [b"%d" % last] * 2
    nxt = last + 1
    assert c.call_reply("HEXISTS", "h:%d" % tid, "f:%d:0" % nxt).value == 0
    return last


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_kill9_transactions_all_or_nothing(strata_factory, self_mode, fsync):
    if self_mode:
        pytest.skip("kill -9 durability is strata's promise (see README)")
    srv = strata_factory(["--appendfsync", fsync])
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    print("seed", seed)
    rng.seed(seed)
    nwriters = 3
    sizes = [dict() for _ in range(nwriters)]
    next_t = [0] * nwriters
    for cycle in range(4):
        writers = [TxnWriter(srv, i, random.Random(rng.random()), next_t[i], sizes[i]) for i in range(nwriters)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.5, 1.5))
        srv.kill9()
        for w in writers:
            w.stop.set()
            w.join(30)
            assert w.error is None, w.error
        srv.start()
        with srv.client() as c:
            for i, w in enumerate(writers):
                last = check_writer_state(c, i, sizes[i], w.acked, w.t)
                print("cycle %d writer %d: acked %d, applied %d, in flight %s units" %
                      (cycle, i, w.acked, last, sizes[i].get(w.t) if w.t > w.acked else None))
                next_t[i] = last + 1
                # transactions after the one applied were never acknowledged
                for t in list(sizes[i]):
                    if t > last:
                        del sizes[i][t]
    assert sum(next_t) > 3 * nwriters, next_t


def test_kill9_flushdb_inside_transactions(strata_factory, self_mode):
    """FLUSHDB inside EXEC deletes key by key into the transaction's batch:
    after kill -9 each db holds exactly one whole transaction's keys."""
    if self_mode:
        pytest.skip("kill -9 durability is strata's promise (see README)")
    srv = strata_factory(["--appendfsync", "everysec"])
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    print("seed", seed)
    rng.seed(seed)
    nwriters = 3
    sizes = [dict() for _ in range(nwriters)]
    next_t = [0] * nwriters
    for cycle in range(3):
        writers = [TxnWriter(srv, i, random.Random(rng.random()), next_t[i], sizes[i], flush_txn_commands, i + 1)
                   for i in range(nwriters)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.5, 1.2))
        srv.kill9()
        for w in writers:
            w.stop.set()
            w.join(30)
            assert w.error is None, w.error
        srv.start()
        with srv.client() as c:
            for i, w in enumerate(writers):
                c.call("SELECT", i + 1)
                r = c.call_reply("GET", "last").value
                last = int(r) if r is not None else -1
                assert w.acked <= last <= w.t, (i, w.acked, last, w.t)
                if last < 0:
                    assert c.call_reply("DBSIZE").value == 0
                    continue
                n = sizes[i][last]
                assert c.call_reply("DBSIZE").value == 2          # l and last; "before" was flushed
                assert c.call_reply("LLEN", "l").value == n
                assert c.call_reply("LRANGE", "l", 0, -1).py() == [b"%d:%d" % (last, j) for j in range(n)]
                next_t[i] = last + 1
                for t in list(sizes[i]):
                    if t > last:
                        del sizes[i][t]
