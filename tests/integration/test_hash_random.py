"""Hash behaviour that a byte-for-byte diff script cannot pin: random picks
(HRANDFIELD), HSCAN's guarantee under concurrent changes and across a
restart, and reply contents that come in a different order than Redis's
(compared as maps). Each check runs against strata and, where it checks the
test itself, against the reference Redis too."""

import collections
import random

import pytest


def fill(r, key, n, prefix="f"):
    """HSET key with n fields prefix0000.. -> their index as the value."""
    fields = {"%s%04d" % (prefix, i): str(i) for i in range(n)}
    items = list(fields.items())
    for i in range(0, len(items), 500):
        r.hset(key, mapping=dict(items[i:i + 500]))
    return {k.encode(): v.encode() for k, v in fields.items()}


@pytest.fixture(params=["strata", "redis"])
def server(request, strata, oracle_clean):
    return strata if request.param == "strata" else oracle_clean


# ---------------------------------------------------------------------------
# HRANDFIELD
# ---------------------------------------------------------------------------

# 5 and 300 fields: a listpack in Redis; 600 and 2000: a hashtable (and, in
# strata, picks by random seeks rather than from the loaded hash).
@pytest.mark.parametrize("size", [5, 300, 600, 2000])
def test_hrandfield_members_and_counts(server, size):
    r = server.redis()
    h = fill(r, "h", size)
    for _ in range(20):
        assert r.hrandfield("h") in h
    for count in sorted({1, 2, size // 5, size // 3, size // 2, size - 1, size, size + 7}):
        if count <= 0:
            continue
        got = r.hrandfield("h", count)
        assert len(got) == min(count, size)
        assert len(set(got)) == len(got), "positive count: fields must be distinct"
        assert set(got) <= set(h)
        pairs = r.hrandfield("h", count, withvalues=True)
        assert len(pairs) == 2 * min(count, size)
        fields = pairs[0::2]
        assert len(set(fields)) == len(fields)
        assert all(h[f] == v for f, v in zip(pairs[0::2], pairs[1::2]))
    for count in sorted({1, 3, size // 5, size, 3 * size}):
        if count <= 0:
            continue
        got = r.hrandfield("h", -count)
        assert len(got) == count
        assert set(got) <= set(h)
        pairs = r.hrandfield("h", -count, withvalues=True)
        assert len(pairs) == 2 * count
        assert all(h[f] == v for f, v in zip(pairs[0::2], pairs[1::2]))
    # the whole hash when count >= size
    assert sorted(r.hrandfield("h", size)) == sorted(h)


def test_hrandfield_after_changes(server):
    """Picks follow deletions and additions at once (no stale fields)."""
    r = server.redis()
    h = fill(r, "h", 1200)
    gone = [f for i, f in enumerate(sorted(h)) if i % 2]
    r.hdel("h", *gone)
    live = set(h) - set(gone)
    for _ in range(50):
        assert r.hrandfield("h") in live
    assert set(r.hrandfield("h", -20)) <= live
    assert set(r.hrandfield("h", -100)) <= live
    assert set(r.hrandfield("h", -2000)) <= live
    assert set(r.hrandfield("h", 20)) <= live
    assert set(r.hrandfield("h", 50)) <= live
    assert set(r.hrandfield("h", 500)) <= live
    assert sorted(r.hrandfield("h", 1000)) == sorted(live)


def test_hrandfield_distribution_small(server):
    r = server.redis()
    fill(r, "h", 10)
    counts = collections.Counter(r.hrandfield("h", -10000))
    assert len(counts) == 10
    # 1000 expected each; a uniform draw stays well within +-15%
    assert all(850 < n < 1150 for n in counts.values()), sorted(counts.values())
    singles = collections.Counter(r.hrandfield("h") for _ in range(1000))
    assert len(singles) == 10


def test_hrandfield_distribution_big(server):
    """Random seeks into a big hash still reach every field, roughly evenly
    (Redis's own picks from a hashtable are only roughly even too)."""
    r = server.redis()
    h = fill(r, "h", 1000)
    counts = collections.Counter()
    for _ in range(600):
        counts.update(r.hrandfield("h", -60))  # 60 < 1000/16: strata seeks
    assert set(counts) == set(h)
    expected = 600 * 60 / 1000
    assert max(counts.values()) < 3 * expected, sorted(counts.values())[-5:]
    distinct = collections.Counter()
    for _ in range(100):
        got = r.hrandfield("h", 60)  # distinct picks, by seeks too
        assert len(set(got)) == 60
        distinct.update(got)
    assert len(distinct) > 0.9 * 1000


# ---------------------------------------------------------------------------
# HSCAN
# ---------------------------------------------------------------------------

def hscan_all(r, key, **kw):
    cursor, seen, calls = 0, {}, 0
    while True:
        cursor, page = r.hscan(key, cursor, **kw)
        seen.update(page)
        calls += 1
        if cursor == 0:
            return seen, calls
        assert calls < 100000


def test_hscan_small_hash_is_one_call(strata, oracle_clean):
    """Up to 512 short fields: everything at once, cursor 0, COUNT ignored."""
    for srv in (strata, oracle_clean):
        r = srv.redis()
        h = fill(r, "h", 512)
        for cursor in (0, 1, 987654321):
            nxt, page = r.hscan("h", cursor, count=1)
            assert nxt == 0
            assert page == h
        nxt, page = r.hscan("h", 0, match="f00*")
        assert nxt == 0 and sorted(page) == sorted(f for f in h if f.startswith(b"f00"))
        # one more field and the hash is paged
        r.hset("h", "extra", "x")
        nxt, page = r.hscan("h", 0, count=5)
        assert nxt != 0 and len(page) < 513
        # and stays paged after going back to 512 (Redis never converts back)
        r.hdel("h", "extra")
        nxt, page = r.hscan("h", 0, count=5)
        assert nxt != 0


def test_hscan_long_value_pages(strata, oracle_clean):
    """A value over 64 bytes makes even a small hash a paged one."""
    for srv in (strata, oracle_clean):
        r = srv.redis()
        h = fill(r, "h", 100)
        r.hset("h", "long", "x" * 65)
        nxt, page = r.hscan("h", 0, count=5)
        assert nxt != 0
        seen, _ = hscan_all(r, "h", count=5)
        assert len(seen) == 101


def test_hscan_returns_every_field_present_throughout(server):
    r = server.redis()
    keep = fill(r, "h", 1000)
    rnd = random.Random(7)
    added = []
    cursor, seen, calls = 0, set(), 0
    while True:
        cursor, page = r.hscan("h", cursor, count=rnd.choice([1, 5, 20]))
        seen.update(page)
        calls += 1
        # change the hash between calls: new fields come and go, kept ones
        # change values
        for _ in range(5):
            f = "new%06d" % rnd.randrange(10 ** 6)
            r.hset("h", f, "x")
            added.append(f.encode())
        for f in rnd.sample(added, min(3, len(added))):
            r.hdel("h", f)
        r.hincrby("h", "f%04d" % rnd.randrange(1000), 1)
        if cursor == 0:
            break
    assert set(keep) <= seen
    assert seen <= set(keep) | set(added)
    assert calls > 10


def test_hscan_cursor_survives_restart(strata):
    r = strata.redis()
    h = fill(r, "h", 700)
    cursor, seen = 0, {}
    for _ in range(5):
        cursor, page = r.hscan("h", cursor, count=50)
        seen.update(page)
    assert cursor != 0
    strata.restart()
    r = strata.redis()
    while cursor != 0:
        cursor, page = r.hscan("h", cursor, count=50)
        seen.update(page)
    assert seen == h


# ---------------------------------------------------------------------------
# Unordered replies compared as maps, over a random workload
# ---------------------------------------------------------------------------

def test_random_workload_matches_redis(strata, oracle_clean):
    """Random HSET/HDEL/HINCRBY/HSETNX/... on a few keys: every reply is
    compared (unordered ones as maps or sorted lists)."""
    rs, ro = strata.redis(), oracle_clean.redis()
    rnd = random.Random(12345)
    keys = ["k1", "k2", "k3"]

    def field():
        return rnd.choice(["a", "b", "c", "", "\x00", "long" * 20, "f%d" % rnd.randrange(200)])

    def value():
        return rnd.choice(["1", "-3", "x", "", "2.5", "v" * rnd.randrange(100)])

    def both(name, *args):
        out = []
        for r in (rs, ro):
            try:
                out.append(("ok", getattr(r, name)(*args)))
            except Exception as e:  # redis-py raises on error replies
                out.append(("err", str(e)))
        return out

    for step in range(3000):
        k = rnd.choice(keys)
        op = rnd.randrange(10)
        if op < 3:
            n = rnd.randrange(1, 6)
            mapping = {field(): value() for _ in range(n)}
            s, o = both("hset", k, None, None, None, mapping)
        elif op == 3:
            s, o = both("hdel", k, *[field() for _ in range(rnd.randrange(1, 4))])
        elif op == 4:
            s, o = both("hincrby", k, field(), rnd.randrange(-5, 6))
        elif op == 5:
            s, o = both("hincrbyfloat", k, field(), rnd.choice([0.5, -1.25, 3]))
        elif op == 6:
            s, o = both("hsetnx", k, field(), value())
        elif op == 7:
            s, o = both("hmget", k, [field() for _ in range(3)])
        elif op == 8:
            s, o = both("hget", k, field())
        else:
            s, o = both("hlen", k)
        assert s == o, "step %d" % step
        if step % 100 == 0:
            for key in keys:
                assert rs.hgetall(key) == ro.hgetall(key)
                assert sorted(rs.hkeys(key)) == sorted(ro.hkeys(key))
                assert sorted(rs.hvals(key)) == sorted(ro.hvals(key))
                assert rs.exists(key) == ro.exists(key)
                assert hscan_all(rs, key)[0] == rs.hgetall(key)
    assert rs.dbsize() == ro.dbsize()


def test_keyspace_hits_and_misses_match_redis(strata, oracle_clean):
    """Reads count a keyspace hit or miss; writes (lookupKeyWrite) do not."""
    def stats(r):
        info = r.info("stats")
        return info["keyspace_hits"], info["keyspace_misses"]

    out = []
    for srv in (strata, oracle_clean):
        r = srv.redis()
        before = stats(r)
        r.hset("k", "a", 1)
        r.hsetnx("k", "a", 1)
        r.hdel("k", "zz")
        r.hdel("nokey", "zz")
        r.hincrby("k", "n", 1)
        r.hincrbyfloat("k", "n", 1)
        r.hget("k", "a")
        r.hget("nokey", "a")
        r.hmget("k", ["a", "b"])
        r.hgetall("k")
        r.hscan("k", 0)
        r.hrandfield("k")
        r.hrandfield("k", 2)
        r.hlen("nokey")
        r.hexists("k", "a")
        r.hstrlen("k", "a")
        after = stats(r)
        out.append((after[0] - before[0], after[1] - before[1]))
    assert out[0] == out[1]
