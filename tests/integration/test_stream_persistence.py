"""Streams across kill -9 and restart: entries, ids, consumer groups, the
PELs and consumers come back exactly as they were acknowledged, and
XREADGROUP continues where it stopped. An entry acknowledged (XACK replied)
before the kill is never pending again. The checks run against strata only
(the reference Redis here has no persistence)."""

import pytest


class Raw:
    """Raw replies (redis-py would reshape the stream replies)."""

    def __init__(self, srv):
        self.c = srv.client()

    def execute_command(self, *args):
        return self.c.call_reply(*[str(a) if isinstance(a, int) else a for a in args]).py()


def xinfo_groups(r, key):
    out = []
    for g in r.execute_command("XINFO", "GROUPS", key):
        d = dict(zip(g[0::2], g[1::2]))
        out.append(d)
    return out


def consumers(r, key, group):
    out = {}
    for c in r.execute_command("XINFO", "CONSUMERS", key, group):
        d = dict(zip(c[0::2], c[1::2]))
        out[d[b"name"]] = d[b"pending"]
    return out


def pending_ids(r, key, group, consumer=None):
    args = ["XPENDING", key, group, "-", "+", 100000]
    if consumer:
        args.append(consumer)
    return [(p[0], p[1], p[3]) for p in r.execute_command(*args)]


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_stream_groups_survive_kill9(strata_factory, fsync):
    srv = strata_factory(["--appendfsync", fsync])
    r = Raw(srv)
    for i in range(1, 501):
        r.execute_command("XADD", "s", "1-%d" % i, "n", str(i))
    r.execute_command("XGROUP", "CREATE", "s", "g", "0")
    r.execute_command("XGROUP", "CREATE", "s", "h", "$")
    got = r.execute_command("XREADGROUP", "GROUP", "g", "alice", "COUNT", 100, "STREAMS", "s", ">")
    assert len(got[0][1]) == 100
    r.execute_command("XREADGROUP", "GROUP", "g", "bob", "COUNT", 50, "STREAMS", "s", ">")
    acked = ["1-%d" % i for i in range(1, 101, 3)]
    assert r.execute_command("XACK", "s", "g", *acked) == len(acked)
    r.execute_command("XCLAIM", "s", "g", "carol", 0, "1-2", "1-5", "1-110")
    r.execute_command("XDEL", "s", "1-400", "1-401")
    r.execute_command("XTRIM", "s", "MINID", "1-3")
    r.execute_command("XADD", "s", "MAXLEN", "1000", "2-1", "n", "last")
    before = {
        "len": r.execute_command("XLEN", "s"),
        "range": r.execute_command("XRANGE", "s", "-", "+"),
        "groups": xinfo_groups(r, "s"),
        "consumers": consumers(r, "s", "g"),
        "pending": pending_ids(r, "s", "g"),
        "summary": r.execute_command("XPENDING", "s", "g"),
        "info": r.execute_command("XINFO", "STREAM", "s"),
    }
    srv.kill9()
    srv.start()
    r = Raw(srv)
    assert r.execute_command("XLEN", "s") == before["len"] == 497
    assert r.execute_command("XRANGE", "s", "-", "+") == before["range"]
    assert xinfo_groups(r, "s") == before["groups"]
    assert consumers(r, "s", "g") == before["consumers"]
    assert pending_ids(r, "s", "g") == before["pending"]
    assert r.execute_command("XPENDING", "s", "g") == before["summary"]
    assert r.execute_command("XINFO", "STREAM", "s") == before["info"]
    # acknowledged entries are never pending again
    pend = {p[0] for p in before["pending"]}
    assert not pend & {a.encode() for a in acked}
    # XREADGROUP continues after the last delivered id
    nxt = r.execute_command("XREADGROUP", "GROUP", "g", "dave", "COUNT", 1, "STREAMS", "s", ">")
    assert nxt[0][1][0][0] == b"1-151"
    # history of alice: her pending entries, none acknowledged
    hist = r.execute_command("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0")
    ids = [e[0] for e in hist[0][1]]
    assert ids == [p[0] for p in pending_ids(r, "s", "g", "alice")]
    assert not set(ids) & {a.encode() for a in acked}
    # h was created at $ (1-500) and sees only what came after
    nxt = r.execute_command("XREADGROUP", "GROUP", "h", "eve", "STREAMS", "s", ">")
    assert [e[0] for e in nxt[0][1]] == [b"2-1"]


def test_stream_ack_then_kill_many_rounds(strata_factory):
    """Interleaved deliveries and acks, killed after each round: what was
    acknowledged stays acknowledged, what was delivered and not acked stays
    pending with its delivery count."""
    srv = strata_factory(["--appendfsync", "always"])
    r = Raw(srv)
    r.execute_command("XGROUP", "CREATE", "q", "g", "$", "MKSTREAM")
    acked, pending = set(), set()
    n = 0
    for rnd in range(5):
        for _ in range(40):
            n += 1
            r.execute_command("XADD", "q", "%d-1" % n, "job", str(n))
        got = r.execute_command("XREADGROUP", "GROUP", "g", "w%d" % (rnd % 2), "COUNT", 30, "STREAMS", "q", ">")
        ids = [e[0] for e in got[0][1]]
        ack = ids[::2]
        assert r.execute_command("XACK", "q", "g", *ack) == len(ack)
        acked |= set(ack)
        pending |= set(ids) - set(ack)
        srv.kill9()
        srv.start()
        r = Raw(srv)
        now = {p[0] for p in r.execute_command("XPENDING", "q", "g", "-", "+", 100000)}
        assert now == pending
        assert not now & acked
        assert r.execute_command("XLEN", "q") == n
    # an empty stream survives a restart too
    r.execute_command("XTRIM", "q", "MAXLEN", 0)
    srv.kill9()
    srv.start()
    r = Raw(srv)
    assert r.execute_command("TYPE", "q") == b"stream"
    assert r.execute_command("XLEN", "q") == 0
    assert xinfo_groups(r, "q")[0][b"pending"] == len(pending)
