"""Sets: what a byte-for-byte script cannot check.

SPOP and SRANDMEMBER are random: both servers run the same commands and the
replies are compared by shape, size and membership. SSCAN's guarantees
(every member present for the whole iteration is returned, even while the
set changes) are checked by iterating. Large sets exercise the strategies a
small script never reaches (random seeks, one-pass sampling, the rebuild of
a set SPOP empties mostly, both SDIFF strategies), and sets survive a
restart.
"""

import random

import pytest

from conftest import SELF_MODE


def members(n, prefix="m"):
    return [("%s%d" % (prefix, i)).encode() for i in range(n)]


def ordered_smembers(r, key):
    """SMEMBERS as the server ordered it (redis-py makes it a set)."""
    import redis
    r2 = redis.Redis(connection_pool=r.connection_pool)
    r2.set_response_callback("SMEMBERS", lambda resp, **kw: resp)
    return r2.smembers(key)


def fill(r, key, items, chunk=1000):
    for i in range(0, len(items), chunk):
        r.sadd(key, *items[i:i + chunk])


@pytest.fixture
def both(strata, oracle_clean):
    return [strata.redis(), oracle_clean.redis()]


# ---------------------------------------------------------------------------
# SRANDMEMBER
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 5, 64, 65, 300, 3000])
def test_srandmember_counts(both, size):
    items = members(size)
    universe = set(items)
    for r in both:
        fill(r, "s", items)
    for r in both:
        one = r.srandmember("s")
        assert one in universe
        for count in (1, 2, 3, size // 3, size // 3 + 1, size - 1, size, size + 5):
            if count <= 0:
                continue
            got = r.srandmember("s", count)
            assert len(got) == min(count, size), (count, size)
            assert len(set(got)) == len(got), "positive count must not repeat"
            assert set(got) <= universe
        for count in (1, 2, size, size * 2 + 3):
            got = r.srandmember("s", -count)
            assert len(got) == count
            assert set(got) <= universe
        assert r.scard("s") == size  # read-only


def test_srandmember_spreads(both):
    """Every member of a small set comes up; a large set's picks are
    spread (random seeks are close to uniform, not exactly)."""
    small = members(5)
    big = members(400, "b")
    for r in both:
        fill(r, "small", small)
        fill(r, "big", big)
    for r in both:
        picks = [r.srandmember("small") for _ in range(500)]
        counts = {m: picks.count(m) for m in small}
        assert min(counts.values()) > 40, counts
        picks = r.srandmember("small", -3000)
        counts = {m: picks.count(m) for m in small}
        assert min(counts.values()) > 400, counts
        pipe = r.pipeline(transaction=False)
        for _ in range(4000):
            pipe.srandmember("big")
        picks = pipe.execute()
        assert set(picks) <= set(big)
        assert len(set(picks)) > 300, len(set(picks))
        # unique samples of a fraction of a big set differ from call to call
        a = set(r.srandmember("big", 20))
        b = set(r.srandmember("big", 20))
        c = set(r.srandmember("big", 20))
        assert not (a == b == c)


def test_srandmember_negative_repeats(both):
    for r in both:
        r.sadd("s", "a", "b")
        got = r.srandmember("s", -50)
        assert len(got) == 50 and set(got) == {b"a", b"b"}


# ---------------------------------------------------------------------------
# SPOP
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size,count", [
    (10, 1), (10, 3), (10, 9), (10, 10), (10, 11),
    (100, 1), (100, 10), (100, 33), (100, 34), (100, 80), (100, 84), (100, 99),
    (2000, 7), (2000, 600), (2000, 1500), (2000, 1700), (2000, 1999),
])
def test_spop_count(both, size, count):
    items = members(size)
    for r in both:
        fill(r, "s", items)
        r.expire("s", 1000)
        got = r.spop("s", count)
        assert len(got) == min(count, size)
        assert len(set(got)) == len(got)
        assert set(got) <= set(items)
        rest = r.smembers("s")
        assert rest == set(items) - set(got)
        assert r.scard("s") == size - len(got)
        for m in got[:20]:
            assert not r.sismember("s", m)
        if count >= size:
            assert r.exists("s") == 0
        else:
            assert r.ttl("s") > 900, "SPOP keeps the TTL"


def test_spop_single(both):
    items = members(200)
    for r in both:
        fill(r, "s", items)
        popped = [r.spop("s") for _ in range(200)]
        assert sorted(popped) == sorted(items)
        assert r.exists("s") == 0
        assert r.spop("s") is None


def test_spop_rebuild_can_make_an_intset(both):
    """Redis rebuilds a set SPOP takes most of from the members left; a set
    of integers left after that is an intset again: numeric order."""
    for r in both:
        r.sadd("s", "x", *range(1, 101))
        r.srem("s", "x")
        r.spop("s", 95)
        left = ordered_smembers(r, "s")
        assert len(left) == 5
        assert left == sorted(left, key=int), left
        # SSCAN then returns it whole in one call, whatever the cursor
        cur, got = r.sscan("s", 0, count=1)
        assert cur == 0 and got == left


def test_spop_few_keeps_hash_table_order(both):
    """A few popped: the set keeps its encoding (not sorted again)."""
    for r in both:
        r.sadd("s", "x", *range(1, 101))
        r.srem("s", "x")
        r.spop("s", 10)
        assert r.scard("s") == 90


# ---------------------------------------------------------------------------
# SSCAN
# ---------------------------------------------------------------------------

def scan_all(r, key, **kw):
    seen, cursor, calls = [], 0, 0
    while True:
        cursor, got = r.sscan(key, cursor, **kw)
        seen += got
        calls += 1
        if cursor == 0:
            return seen, calls
        assert calls < 100000


def test_sscan_small_sets_in_one_call(both):
    for r in both:
        r.sadd("h", "a", "b", "c", "d", "e")
        cur, got = r.sscan("h", 0)
        assert cur == 0 and sorted(got) == [b"a", b"b", b"c", b"d", b"e"]
        r.sadd("i", *range(500))
        cur, got = r.sscan("i", 0, count=1)
        assert cur == 0 and len(got) == 500


@pytest.mark.parametrize("count", [1, 3, 10, 100])
def test_sscan_full_iteration(both, count):
    items = members(3000)
    for r in both:
        fill(r, "s", items)
        seen, calls = scan_all(r, "s", count=count)
        assert set(seen) == set(items)
        if count == 1 and not SELF_MODE:
            assert calls > 100


def test_sscan_guarantee_while_changing(both):
    """Members present from start to end are all returned, while others are
    added and removed between the calls."""
    stable = members(1500, "stable")
    churn = members(1500, "churn")
    for r in both:
        fill(r, "s", stable + churn)
        rnd = random.Random(7)
        seen, cursor, step = set(), 0, 0
        while True:
            cursor, got = r.sscan("s", cursor, count=25)
            seen.update(got)
            step += 1
            victims = rnd.sample(churn, 20)
            r.srem("s", *victims)
            r.sadd("s", *[b"new%d-%d" % (step, i) for i in range(20)])
            if cursor == 0:
                break
        missing = set(stable) - seen
        assert not missing, "%d stable members never returned" % len(missing)
        assert seen <= set(stable) | set(churn) | {m for m in seen if m.startswith(b"new")}


def test_sscan_match(both):
    items = members(1000)
    for r in both:
        fill(r, "s", items)
        seen, _ = scan_all(r, "s", match="m1*", count=30)
        assert set(seen) == {m for m in items if m.startswith(b"m1")}


# ---------------------------------------------------------------------------
# Larger sets: algebra strategies, compared with Redis as sets
# ---------------------------------------------------------------------------

def test_large_algebra_matches_redis(both):
    rnd = random.Random(3)
    pool = members(20000, "p")
    sets = {
        "a": rnd.sample(pool, 8000),
        "b": rnd.sample(pool, 6000),
        "c": rnd.sample(pool, 300),
        "d": rnd.sample(pool, 12),
    }
    for r in both:
        for k, v in sets.items():
            fill(r, k, v)
    results = []
    for r in both:
        out = {}
        for keys in (("a", "b"), ("a", "b", "c"), ("c", "a"), ("d", "a", "b"), ("a", "d"), ("b", "a", "c", "d")):
            out[("inter",) + keys] = r.sinter(*keys)
            out[("union",) + keys] = r.sunion(*keys)
            out[("diff",) + keys] = r.sdiff(*keys)
            out[("card",) + keys] = r.sintercard(len(keys), keys)
            out[("card5",) + keys] = r.sintercard(len(keys), keys, limit=5)
            out[("istore",) + keys] = (r.sinterstore("dst", *keys), r.smembers("dst"))
            out[("ustore",) + keys] = (r.sunionstore("dst", *keys), r.smembers("dst"))
            out[("dstore",) + keys] = (r.sdiffstore("dst", *keys), r.smembers("dst"))
        results.append(out)
    s, o = results
    for k in o:
        assert s[k] == o[k], k
    # and against Python's own sets
    a, b, c = set(sets["a"]), set(sets["b"]), set(sets["c"])
    assert s[("diff", "a", "b", "c")] == a - b - c
    assert s[("inter", "a", "b", "c")] == a & b & c


def test_smembers_large(both):
    items = members(5000)
    for r in both:
        fill(r, "s", items)
        got = ordered_smembers(r, "s")
        assert len(got) == 5000 and set(got) == set(items)
        assert r.smismember("s", [b"m1", b"zz", b"m4999"]) == [1, 0, 1]


# ---------------------------------------------------------------------------
# Persistence
# ---------------------------------------------------------------------------

def test_sets_survive_restart(strata):
    r = strata.redis()
    items = members(3000)
    fill(r, "big", items)
    r.sadd("ints", 3, 1, 2)
    r.sadd("bin", b"\x00", b"", b"\xff" * 300)
    r.srem("big", "m0", "m1")
    r.expire("big", 1000)
    before = {k: r.smembers(k) for k in ("big", "ints", "bin")}
    strata.restart()
    r = strata.redis()
    for k, v in before.items():
        assert r.smembers(k) == v
    assert r.scard("big") == 2998
    assert ordered_smembers(r, "ints") == [b"1", b"2", b"3"]
    assert r.ttl("big") > 900
    seen, _ = scan_all(r, "big", count=50)
    assert set(seen) == set(items) - {b"m0", b"m1"}
    strata.restart(graceful=False)
    r = strata.redis()
    assert r.scard("big") == 2998 and r.sismember("bin", b"")
