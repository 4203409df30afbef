"""Sorted sets: what a byte-for-byte script cannot check.

- A seeded random command stream runs against strata and Redis and every
  reply is compared byte for byte: sets cross the small/large boundary (128
  members, 64-byte members) many times, so both of Redis's encodings are
  exercised, with ties, exclusive bounds, LIMIT, pops, removals and set
  algebra between the keys.
- ZRANDMEMBER is random: compared by shape, size, membership and the
  distinctness a positive count promises.
- ZSCAN over a large set: every member present for the whole iteration is
  returned, also while the set changes, and the scores are right.
- A large set answers one-member commands by point reads, and survives a
  restart.
"""

import random

import pytest

from conftest import RespClient, parse_reply


def pairs(reply):
    """A flat RESP2 [member, score, ...] reply as a list of (member, score)."""
    v = [x.value for x in reply.value]
    return list(zip(v[0::2], v[1::2]))


@pytest.fixture
def conns(strata, oracle_clean):
    s = RespClient(strata.host, strata.port)
    o = RespClient(oracle_clean.host, oracle_clean.port)
    yield s, o
    s.close()
    o.close()


# ---------------------------------------------------------------------------
# random command stream, compared byte for byte
# ---------------------------------------------------------------------------

SCORES = [b"0", b"1", b"2", b"-1", b"0.5", b"2.5", b"-3.25", b"10", b"100", b"7"]


def rand_score(rng):
    if rng.random() < 0.7:
        return rng.choice(SCORES)
    return str(rng.randint(-40, 40) / 2).encode()


def rand_member(rng, big):
    if rng.random() < 0.02:
        return b"L" * rng.randint(60, 70)   # may cross the 64-byte limit
    n = 400 if big else 40
    return ("m%d" % rng.randrange(n)).encode()


def rand_bound(rng):
    r = rng.random()
    if r < 0.1:
        return rng.choice([b"-inf", b"+inf", b"(-inf", b"(+inf"])
    b = rand_score(rng)
    return (b"(" + b) if rng.random() < 0.3 else b


def rand_lex_bound(rng):
    r = rng.random()
    if r < 0.15:
        return rng.choice([b"-", b"+"])
    m = ("m%d" % rng.randrange(60)).encode()
    return (b"(" if rng.random() < 0.5 else b"[") + m


def gen_command(rng):
    # z1..z3: mixed scores; lx: every score 0 (lex ranges are defined there)
    key = rng.choice([b"z1", b"z2", b"z3"])
    big = rng.random() < 0.5
    op = rng.random()
    if op < 0.22:
        n = rng.choice([1, 1, 2, 5, 50, 150])
        flags = []
        for f in (b"NX", b"XX", b"GT", b"LT", b"CH"):
            if rng.random() < 0.08:
                flags.append(f)
        args = [b"ZADD", key] + flags
        for _ in range(n):
            args += [rand_score(rng), rand_member(rng, big)]
        return args
    if op < 0.27:
        return [b"ZINCRBY", key, rand_score(rng), rand_member(rng, big)]
    if op < 0.33:
        return [b"ZREM", key] + [rand_member(rng, big) for _ in range(rng.choice([1, 3, 30]))]
    if op < 0.36:
        return [b"ZADD", b"lx"] + sum(([b"0", ("m%d" % rng.randrange(60)).encode()]
                                       for _ in range(rng.choice([1, 10, 80]))), [])
    if op < 0.42:
        a, b = rng.randint(-20, 200), rng.randint(-20, 200)
        args = [rng.choice([b"ZRANGE", b"ZREVRANGE"]), key, str(a).encode(), str(b).encode()]
        if rng.random() < 0.5:
            args.append(b"WITHSCORES")
        return args
    if op < 0.52:
        cmd = rng.choice([b"ZRANGEBYSCORE", b"ZREVRANGEBYSCORE"])
        args = [cmd, key, rand_bound(rng), rand_bound(rng)]
        if rng.random() < 0.4:
            args.append(b"WITHSCORES")
        if rng.random() < 0.4:
            args += [b"LIMIT", str(rng.randint(-1, 30)).encode(), str(rng.randint(-1, 30)).encode()]
        return args
    if op < 0.57:
        cmd = rng.choice([b"ZRANGEBYLEX", b"ZREVRANGEBYLEX"])
        args = [cmd, b"lx", rand_lex_bound(rng), rand_lex_bound(rng)]
        if rng.random() < 0.4:
            args += [b"LIMIT", str(rng.randint(0, 10)).encode(), str(rng.randint(-1, 10)).encode()]
        return args
    if op < 0.60:
        return [b"ZLEXCOUNT", b"lx", rand_lex_bound(rng), rand_lex_bound(rng)]
    if op < 0.64:
        return [b"ZCOUNT", key, rand_bound(rng), rand_bound(rng)]
    if op < 0.70:
        return [rng.choice([b"ZRANK", b"ZREVRANK", b"ZSCORE"]), key, rand_member(rng, big)]
    if op < 0.72:
        return [b"ZMSCORE", key] + [rand_member(rng, big) for _ in range(4)]
    if op < 0.74:
        return [b"ZCARD", key]
    if op < 0.78:
        args = [rng.choice([b"ZPOPMIN", b"ZPOPMAX"]), key]
        if rng.random() < 0.6:
            args.append(str(rng.choice([0, 1, 2, 10, 100])).encode())
        return args
    if op < 0.80:
        return [b"ZMPOP", b"2", b"nokey", key, rng.choice([b"MIN", b"MAX"]), b"COUNT",
                str(rng.randint(1, 20)).encode()]
    if op < 0.84:
        r = rng.random()
        if r < 0.33:
            return [b"ZREMRANGEBYRANK", key, str(rng.randint(-50, 50)).encode(),
                    str(rng.randint(-50, 50)).encode()]
        if r < 0.66:
            return [b"ZREMRANGEBYSCORE", key, rand_bound(rng), rand_bound(rng)]
        return [b"ZREMRANGEBYLEX", b"lx", rand_lex_bound(rng), rand_lex_bound(rng)]
    if op < 0.92:
        cmd = rng.choice([b"ZUNION", b"ZINTER", b"ZDIFF", b"ZUNIONSTORE", b"ZINTERSTORE",
                          b"ZDIFFSTORE", b"ZINTERCARD"])
        keys = rng.sample([b"z1", b"z2", b"z3", b"lx", b"nokey"], rng.randint(1, 3))
        args = [cmd]
        if cmd.endswith(b"STORE"):
            args.append(rng.choice([b"z1", b"z2", b"z3", b"d"]))
        args += [str(len(keys)).encode()] + keys
        if cmd in (b"ZUNION", b"ZINTER", b"ZUNIONSTORE", b"ZINTERSTORE"):
            if rng.random() < 0.4:
                args += [b"WEIGHTS"] + [rng.choice([b"1", b"2", b"-1", b"0.5", b"0"]) for _ in keys]
            if rng.random() < 0.4:
                args += [b"AGGREGATE", rng.choice([b"SUM", b"MIN", b"MAX"])]
        if not cmd.endswith(b"STORE") and cmd != b"ZINTERCARD" and rng.random() < 0.5:
            args.append(b"WITHSCORES")
        if cmd == b"ZINTERCARD" and rng.random() < 0.5:
            args += [b"LIMIT", str(rng.randint(0, 5)).encode()]
        return args
    if op < 0.96:
        cmd = [b"ZRANGESTORE", rng.choice([b"z1", b"z2", b"z3", b"d"]), key]
        r = rng.random()
        if r < 0.4:
            return cmd + [str(rng.randint(-20, 150)).encode(), str(rng.randint(-20, 150)).encode()]
        if r < 0.8:
            return cmd + [rand_bound(rng), rand_bound(rng), b"BYSCORE"]
        return [b"ZRANGESTORE", b"d", b"lx", rand_lex_bound(rng), rand_lex_bound(rng), b"BYLEX"]
    if op < 0.98:
        return [b"ZRANDMEMBER", key, str(rng.choice([100000, 0])).encode(), b"WITHSCORES"]
    # a small set's ZSCAN is exact (one reply, score order)
    return [b"ZSCAN", key, b"0", b"COUNT", b"1000"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_commands_match_redis(conns, seed):
    s, o = conns
    rng = random.Random(seed)
    for i in range(1500):
        args = gen_command(rng)
        rs = s.call_reply(*args)
        ro = o.call_reply(*args)
        if args[0] == b"ZSCAN" and o.call(b"OBJECT", b"ENCODING", args[1]) == b"$8\r\nskiplist\r\n":
            # a skiplist is scanned in hash-table order: compare the contents
            assert sorted(pairs(rs.value[1])) == sorted(pairs(ro.value[1])), (i, args)
            continue
        assert rs.raw == ro.raw, "step %d: %r\n strata: %r\n redis:  %r" % (
            i, args, rs.raw[:400], ro.raw[:400])
    # the final contents agree too
    for key in (b"z1", b"z2", b"z3", b"lx", b"d"):
        assert s.call(b"ZRANGE", key, b"0", b"-1", b"WITHSCORES") == \
            o.call(b"ZRANGE", key, b"0", b"-1", b"WITHSCORES")
        assert s.call(b"TYPE", key) == o.call(b"TYPE", key)


# ---------------------------------------------------------------------------
# ZRANDMEMBER by shape
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 5, 128, 129, 1000])
def test_zrandmember_shapes(conns, size):
    members = {("m%d" % i).encode(): str(i * 1.5).encode() for i in range(size)}
    for c in conns:
        items = list(members.items())
        for k in range(0, len(items), 500):
            args = [b"ZADD", b"z"]
            for m, sc in items[k:k + 500]:
                args += [sc, m]
            c.call(*args)
    scores = {m: float(s) for m, s in members.items()}
    for c in conns:
        one = c.call_reply(b"ZRANDMEMBER", b"z")
        assert one.kind == "$" and one.value in members
        for count in (1, 2, 3, size // 3, size // 3 + 1, size - 1, size, size + 5):
            if count <= 0:
                continue
            got = c.call_reply(b"ZRANDMEMBER", b"z", str(count).encode())
            ms = [x.value for x in got.value]
            assert len(ms) == min(count, size)
            assert len(set(ms)) == len(ms), "a positive count never repeats"
            assert set(ms) <= set(members)
            got = c.call_reply(b"ZRANDMEMBER", b"z", str(count).encode(), b"WITHSCORES")
            ps = pairs(got)
            assert len(ps) == min(count, size)
            assert len({m for m, _ in ps}) == len(ps)
            for m, sc in ps:
                assert float(sc) == scores[m]
        for count in (1, 5, size, 3 * size):
            got = c.call_reply(b"ZRANDMEMBER", b"z", str(-count).encode(), b"WITHSCORES")
            ps = pairs(got)
            assert len(ps) == count, "a negative count gives exactly that many"
            for m, sc in ps:
                assert float(sc) == scores[m]
    # every member comes up eventually
    s = conns[0]
    if size <= 129:
        seen = set()
        for _ in range(60):
            seen.update(x.value for x in s.call_reply(b"ZRANDMEMBER", b"z", b"-100").value)
        assert seen == set(members)


def test_zrandmember_large_picks_are_spread(strata):
    c = RespClient(strata.host, strata.port)
    n = 5000
    for k in range(0, n, 1000):
        args = [b"ZADD", b"z"]
        for i in range(k, k + 1000):
            args += [str(i).encode(), ("m%d" % i).encode()]
        c.call(*args)
    got = [x.value for x in c.call_reply(b"ZRANDMEMBER", b"z", b"-20000").value]
    assert len(set(got)) > n * 0.8, "random picks should reach most members"
    distinct = [x.value for x in c.call_reply(b"ZRANDMEMBER", b"z", b"1000").value]
    assert len(set(distinct)) == 1000
    c.close()


# ---------------------------------------------------------------------------
# ZSCAN guarantees on a large set
# ---------------------------------------------------------------------------

def scan_all(c, key, count=b"10", during=None):
    cursor = b"0"
    seen = {}
    calls = 0
    while True:
        rep = c.call_reply(b"ZSCAN", key, cursor, b"COUNT", count)
        cursor = rep.value[0].value
        for m, sc in pairs(rep.value[1]):
            seen[m] = sc
        calls += 1
        if during:
            during(calls)
        if cursor == b"0":
            return seen, calls


def test_zscan_large_set_is_complete_while_changing(strata):
    c = RespClient(strata.host, strata.port)
    n = 3000
    args = [b"ZADD", b"z"]
    for i in range(n):
        args += [str(i).encode(), ("m%d" % i).encode()]
    c.call(*args)
    seen, calls = scan_all(c, b"z")
    assert set(seen) == {("m%d" % i).encode() for i in range(n)}
    assert all(seen[("m%d" % i).encode()] == str(i).encode() for i in range(n))
    assert calls > 100, "a large set is iterated in steps"

    # members added or removed during the iteration may or may not appear;
    # the ones there all along must
    rng = random.Random(7)

    def churn(step):
        c.call(b"ZADD", b"z", b"1", ("new%d" % step).encode())
        c.call(b"ZREM", b"z", ("m%d" % rng.randrange(0, 100)).encode())
        c.call(b"ZINCRBY", b"z", b"1000", ("m%d" % rng.randrange(2000, 3000)).encode())

    seen, _ = scan_all(c, b"z", b"25", churn)
    stable = {("m%d" % i).encode() for i in range(100, n)}
    assert stable <= set(seen)
    c.close()


# ---------------------------------------------------------------------------
# large sets: point reads, ranks from both ends, restart
# ---------------------------------------------------------------------------

def test_large_set_commands_and_restart(strata):
    c = RespClient(strata.host, strata.port)
    n = 20000
    for k in range(0, n, 2000):
        args = [b"ZADD", b"big"]
        for i in range(k, k + 2000):
            args += [str(i * 2).encode(), ("m%05d" % i).encode()]
        c.call(*args)
    assert c.call(b"ZCARD", b"big") == b":%d\r\n" % n
    assert c.call(b"ZSCORE", b"big", b"m12345") == b"$5\r\n24690\r\n"
    assert c.call(b"ZRANK", b"big", b"m00003") == b":3\r\n"
    assert c.call(b"ZRANK", b"big", b"m19990") == b":19990\r\n"
    assert c.call(b"ZREVRANK", b"big", b"m19990") == b":9\r\n"
    assert c.call(b"ZRANK", b"big", b"m10000") == b":10000\r\n"
    rep = c.call_reply(b"ZRANGEBYSCORE", b"big", b"(39990", b"+inf", b"WITHSCORES")
    assert pairs(rep) == [(b"m19996", b"39992"), (b"m19997", b"39994"), (b"m19998", b"39996"),
                          (b"m19999", b"39998")]
    rep = c.call_reply(b"ZRANGE", b"big", b"-2", b"-1")
    assert [x.value for x in rep.value] == [b"m19998", b"m19999"]
    rep = c.call_reply(b"ZRANGE", b"big", b"+inf", b"-inf", b"BYSCORE", b"REV", b"LIMIT", b"1", b"2")
    assert [x.value for x in rep.value] == [b"m19998", b"m19997"]
    assert c.call(b"ZCOUNT", b"big", b"100", b"(200") == b":50\r\n"
    assert c.call(b"ZADD", b"big", b"-0", b"negzero") == b":1\r\n"
    c.close()

    strata.restart()
    c = RespClient(strata.host, strata.port)
    assert c.call(b"ZCARD", b"big") == b":%d\r\n" % (n + 1)
    assert c.call(b"ZSCORE", b"big", b"negzero") == b"$2\r\n-0\r\n"
    assert c.call(b"ZSCORE", b"big", b"m00007") == b"$2\r\n14\r\n"
    rep = c.call_reply(b"ZRANGE", b"big", b"0", b"1", b"WITHSCORES")
    assert pairs(rep) == [(b"m00000", b"0"), (b"negzero", b"-0")]  # -0 == 0: member order
    assert c.call(b"ZREMRANGEBYRANK", b"big", b"0", b"-1") == b":%d\r\n" % (n + 1)
    assert c.call(b"EXISTS", b"big") == b":0\r\n"
    assert c.call(b"DBSIZE") == b":0\r\n"
    c.close()
