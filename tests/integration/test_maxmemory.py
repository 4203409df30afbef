"""maxmemory and the hot tier: eviction only drops in-memory copies.

strata keeps the metadata records of recently used keys in memory (the hot
tier) and evicts them by maxmemory-policy when INFO memory's hot_tier_bytes
would pass maxmemory. Every key stays on disk, so unlike Redis no data is
ever lost to eviction -- these tests check exactly that:

  - allkeys-lru at 200kb: 20,000 strings plus hashes/sets/lists all read back
    intact, while hot_tier_bytes stays at the limit and evicted_keys grows;
  - a randomized differential run (the generator of test_random_diff.py)
    against a strata at 64kb allkeys-lfu: every reply equals real Redis's
    (which runs without a limit) while strata evicts constantly;
  - noeviction: writes get Redis's exact OOM error, reads keep working;
  - CONFIG SET maxmemory / maxmemory-policy at run time.

The differential runs take their seed from STRATA_RANDOM_SEED like
test_random_diff.py (printed at the start of each run); replay one with
  STRATA_RANDOM_SEED=N /usr/bin/python3 -m pytest tests/integration/test_maxmemory.py -k random

Under STRATA_DIFF_SELF=1 ("strata" is a redis-server) the module is skipped:
a Redis at 200kb really loses keys, and has no hot_tier_* fields.
"""

import random
import time

import pytest

from conftest import SELF_MODE, encode_command

pytestmark = pytest.mark.skipif(SELF_MODE, reason="strata's hot tier only: Redis evicts data")

OOM = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def pipeline(c, cmds, chunk=1000):
    """Send commands in pipelined chunks; return the list of Reply objects."""
    out = []
    for i in range(0, len(cmds), chunk):
        part = cmds[i:i + chunk]
        c.send_raw(b"".join(encode_command(*a) for a in part))
        for _ in part:
            out.append(c.read_reply())
    return out


def info(c, section):
    text = c.call_reply("INFO", section).value.decode()
    fields = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def hot_bytes(c):
    return int(info(c, "memory")["hot_tier_bytes"])


def hot_keys(c):
    return int(info(c, "memory")["hot_tier_keys"])


def evicted(c):
    return int(info(c, "stats")["evicted_keys"])


def has_command(c, *probe):
    rep = c.call(*probe)
    c.call("DEL", probe[1])
    return not rep.startswith(b"-ERR unknown command")


def value_for(i, rng):
    return b"v%d:" % i + bytes(rng.choice(b"abcdefghij") for _ in range(rng.randint(8, 60)))


# ---------------------------------------------------------------------------
# allkeys-lru: nothing is lost
# ---------------------------------------------------------------------------

def test_allkeys_lru_keeps_everything(strata_factory):
    limit = 200 * 1024
    srv = strata_factory(["--maxmemory", "200kb", "--maxmemory-policy", "allkeys-lru"])
    rng = random.Random(1234)
    with srv.client() as c:
        assert c.call("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$6\r\n204800\r\n"
        types = {
            "hash": has_command(c, "HSET", "__probe__", "f", "v"),
            "set": has_command(c, "SADD", "__probe__", "m"),
            "list": has_command(c, "RPUSH", "__probe__", "x"),
        }
        strings = {}
        hashes, sets, lists = {}, {}, {}
        samples = []
        n = 20000
        batch = []
        for i in range(n):
            k = b"key:%06d" % i
            v = value_for(i, rng)
            strings[k] = v
            batch.append((b"SET", k, v))
            # a few hundred collection elements, spread over the run so the
            # collections' records get evicted and come back from disk
            if i % 50 == 7:
                j = i // 50
                if types["hash"]:
                    hk = b"hash:%d" % (j % 12)
                    f, fv = b"f%d" % j, b"hv%d" % i
                    hashes.setdefault(hk, {})[f] = fv
                    batch.append((b"HSET", hk, f, fv))
                if types["set"]:
                    sk = b"set:%d" % (j % 12)
                    m = b"m%d" % (j * 7 % 100)
                    sets.setdefault(sk, set()).add(m)
                    batch.append((b"SADD", sk, m))
                if types["list"]:
                    lk = b"list:%d" % (j % 12)
                    e = b"e%d" % i
                    lists.setdefault(lk, []).append(e)
                    batch.append((b"RPUSH", lk, e))
            if len(batch) >= 500:
                for rep in pipeline(c, batch):
                    assert not rep.is_error, rep
                batch = []
                samples.append(hot_bytes(c))
        for rep in pipeline(c, batch):
            assert not rep.is_error, rep

        # the tier stayed at the limit: INFO runs after eviction, so at most
        # maxmemory, and full (not emptied by over-eager eviction)
        assert max(samples) <= limit, samples
        assert min(samples[10:]) >= limit * 0.6, samples
        ev = evicted(c)
        assert ev > 10000
        assert hot_keys(c) < n // 4

        # nothing lost: every string, element and order as written
        keys = list(strings)
        rng.shuffle(keys)
        reps = pipeline(c, [(b"GET", k) for k in keys])
        bad = [(k, r.value, strings[k]) for k, r in zip(keys, reps) if r.value != strings[k]]
        assert not bad, "%d keys differ, e.g. %r" % (len(bad), bad[:3])
        for hk, fields in hashes.items():
            got = c.call_reply("HGETALL", hk).py()
            assert dict(zip(got[0::2], got[1::2])) == fields, hk
            assert c.call_reply("HLEN", hk).value == len(fields)
        for sk, members in sets.items():
            assert set(c.call_reply("SMEMBERS", sk).py()) == members, sk
            assert c.call_reply("SCARD", sk).value == len(members)
        for lk, elems in lists.items():
            assert c.call_reply("LRANGE", lk, 0, -1).py() == elems, lk
        total = n + len(hashes) + len(sets) + len(lists)
        assert c.call_reply("DBSIZE").value == total

        # read-modify-write of keys that are not resident any more
        picks = rng.sample(keys, 2000)
        reps = pipeline(c, [(b"APPEND", k, b"+") for k in picks])
        for k, r in zip(picks, reps):
            strings[k] += b"+"
            assert r.value == len(strings[k]), (k, r)
        reps = pipeline(c, [(b"GET", k) for k in picks])
        assert [r.value for r in reps] == [strings[k] for k in picks]

        # reading everything back evicted more, and still within the limit
        st = info(c, "stats")
        assert int(st["evicted_keys"]) > ev
        assert int(st["cold_reads"]) > 10000
        assert hot_bytes(c) <= limit


# ---------------------------------------------------------------------------
# randomized differential run while evicting constantly
# ---------------------------------------------------------------------------

def test_random_diff_allkeys_lfu(strata_factory, oracle_clean, tmp_path, capsys):
    from test_random_diff import MAIN_KEYS, MAIN_LEX_KEYS, run_random

    srv = strata_factory(["--maxmemory", "64kb", "--maxmemory-policy", "allkeys-lfu",
                          "--lfu-log-factor", "1"])
    # The generator's 11 keys alone fit in 64kb; 4000 more keep the tier
    # over the limit, so records are evicted and read back cold all the time.
    keys = MAIN_KEYS + [b"mm:%d" % i for i in range(4000)]
    with srv.client() as c:
        before = evicted(c)
    run_random(srv, oracle_clean, tmp_path, capsys, 20000, keys, MAIN_LEX_KEYS,
               multidb=False, label="maxmemory-64kb-allkeys-lfu")
    with srv.client() as c:
        ev = evicted(c) - before
        st = info(c, "stats")
        assert ev > 2000, "strata evicted only %d keys during the run" % ev
        assert int(st["cold_reads"]) > 1000
        assert hot_bytes(c) <= 64 * 1024


@pytest.mark.parametrize("policy", ["allkeys-random", "allkeys-lru"])
def test_random_diff_multidb(strata_factory, oracle_clean, tmp_path, capsys, policy):
    """The multi-db mix (SELECT, SWAPDB, MOVE, COPY ... DB, FLUSHDB) with a
    limit of a few records: nearly every record is evicted before the next
    command. (A volatile policy would refuse writes here once the keys
    without a TTL fill the limit, as Redis does: see the test below.)"""
    from test_random_diff import TINY_KEYS, TINY_LEX_KEYS, run_random

    srv = strata_factory(["--maxmemory", "2kb", "--maxmemory-policy", policy])
    keys = TINY_KEYS + [b"t:%d" % i for i in range(40)]
    run_random(srv, oracle_clean, tmp_path, capsys, 5000, keys, TINY_LEX_KEYS,
               multidb=True, label="maxmemory-2kb-" + policy)
    with srv.client() as c:
        assert evicted(c) > 200


# ---------------------------------------------------------------------------
# noeviction
# ---------------------------------------------------------------------------

def fill_until_oom(c, prefix, limit_keys=20000):
    """SET prefix:i until the OOM error; returns {key: value} written."""
    written = {}
    for i in range(limit_keys):
        k = b"%s:%d" % (prefix, i)
        v = b"value-%d-" % i + b"x" * 40
        rep = c.call("SET", k, v)
        if rep == OOM:
            return written
        assert rep == b"+OK\r\n", rep
        written[k] = v
    raise AssertionError("no OOM after %d writes" % limit_keys)


def test_oom_text_is_redis(redis_factory):
    """The OOM error strata sends is the one Redis sends (a Redis whose
    maxmemory is 1 byte refuses every write)."""
    r = redis_factory(["--maxmemory", "1", "--maxmemory-policy", "noeviction"])
    with r.client() as c:
        assert c.call("SET", "a", "b") == OOM
        assert c.call("GET", "a") == b"$-1\r\n"
        assert c.call("DEL", "a") == b":0\r\n"


def test_noeviction_oom(strata_factory):
    limit = 20 * 1024
    srv = strata_factory(["--maxmemory", "20kb", "--maxmemory-policy", "noeviction"])
    with srv.client() as c:
        written = fill_until_oom(c, b"k")
        assert 50 < len(written) < 400
        assert hot_bytes(c) > limit
        assert evicted(c) == 0
        # every command that may grow memory is refused, with Redis's text
        has_hash = has_command(c, "HSET", "__probe__", "f", "v")
        denied = [("SET", "new", "v"), ("SET", "k:0", "overwrite"), ("APPEND", "k:0", "x"),
                  ("INCR", "counter"), ("MSET", "a", "1", "b", "2"), ("SETNX", "n", "v")]
        if has_hash:
            denied += [("HSET", "h", "f", "v")]
        if has_command(c, "SADD", "__probe__", "m"):
            denied += [("SADD", "s", "m")]
        if has_command(c, "RPUSH", "__probe__", "x"):
            denied += [("RPUSH", "l", "x"), ("LPUSH", "l", "x")]
        for cmd in denied:
            assert c.call(*cmd) == OOM, cmd
        # reads work, and nothing was half-written
        for k, v in written.items():
            assert c.call_reply("GET", k).value == v
        assert c.call("GET", "new") == b"$-1\r\n"
        assert c.call("EXISTS", "new", "counter", "a", "n") == b":0\r\n"
        assert c.call_reply("DBSIZE").value == len(written)
        assert c.call("PING") == b"+PONG\r\n"
        assert c.call_reply("STRLEN", "k:0").value == len(written[b"k:0"])
        # DEL is not refused (it frees), and frees enough to write again
        keys = list(written)
        assert c.call_reply("DEL", *keys[: len(keys) // 2]).value == len(keys) // 2
        assert hot_bytes(c) < limit
        assert c.call("SET", "new", "v") == b"+OK\r\n"
        assert c.call("GET", "new") == b"$1\r\nv\r\n"
        assert evicted(c) == 0


def test_noeviction_after_delete_all(strata_factory):
    """A hot tier that grew big (no limit yet) and was then emptied by DEL
    must not keep refusing writes: empty tables are not 'used memory'."""
    srv = strata_factory(["--maxmemory-policy", "noeviction"])
    with srv.client() as c:
        keys = [b"big:%d" % i for i in range(20000)]
        for rep in pipeline(c, [(b"SET", k, b"v") for k in keys]):
            assert rep.raw == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "maxmemory", "100kb") == b"+OK\r\n"
        assert c.call("SET", "x", "y") == OOM
        for i in range(0, len(keys), 1000):
            assert c.call_reply("DEL", *keys[i:i + 1000]).value == 1000
        assert c.call_reply("DBSIZE").value == 0
        assert c.call("SET", "x", "y") == b"+OK\r\n"
        assert hot_bytes(c) <= 100 * 1024


def test_volatile_policy_without_ttls_refuses_writes(strata_factory, redis_factory):
    for srv in (redis_factory(["--maxmemory", "1", "--maxmemory-policy", "volatile-lru"]),
                strata_factory(["--maxmemory", "20kb", "--maxmemory-policy", "volatile-lru"])):
        with srv.client() as c:
            reps = pipeline(c, [(b"SET", b"k%d" % i, b"v" * 40) for i in range(2000)])
            assert reps[-1].raw == OOM, srv.kind
            assert c.call("GET", "k0") in (b"$-1\r\n", b"$40\r\n" + b"v" * 40 + b"\r\n")


# ---------------------------------------------------------------------------
# CONFIG SET at run time
# ---------------------------------------------------------------------------

def test_config_set_maxmemory(strata_factory):
    srv = strata_factory(["--maxmemory-policy", "allkeys-lru"])
    with srv.client() as c:
        assert c.call("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
        vals = {b"c:%d" % i: b"val-%d-" % i + b"y" * 50 for i in range(5000)}
        for rep in pipeline(c, [(b"SET", k, v) for k, v in vals.items()]):
            assert rep.raw == b"+OK\r\n"
        assert hot_keys(c) == 5000
        assert hot_bytes(c) > 300 * 1024
        assert evicted(c) == 0

        # lower the limit: the next command evicts down to it
        assert c.call("CONFIG", "SET", "maxmemory", "100kb") == b"+OK\r\n"
        assert c.call("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$6\r\n102400\r\n"
        m = info(c, "memory")
        assert m["maxmemory"] == "102400"
        assert int(m["hot_tier_bytes"]) <= 100 * 1024
        assert int(m["hot_tier_keys"]) > 100
        ev = evicted(c)
        assert ev > 3000
        reps = pipeline(c, [(b"GET", k) for k in vals])
        assert [r.value for r in reps] == list(vals.values())
        assert hot_bytes(c) <= 100 * 1024

        # another policy at run time: noeviction refuses instead
        ev = evicted(c)
        assert c.call("CONFIG", "SET", "maxmemory-policy", "noeviction") == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "maxmemory", "1kb") == b"+OK\r\n"
        assert c.call("SET", "c:0", "new") == OOM
        assert c.call_reply("GET", "c:0").value == vals[b"c:0"]
        assert evicted(c) == ev

        # and back to an eviction policy: writes work, the tier shrinks to fit
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-random") == b"+OK\r\n"
        assert c.call("SET", "c:0", "new") == b"+OK\r\n"
        assert hot_bytes(c) <= 1024 or hot_keys(c) == 0
        assert evicted(c) > ev

        # no limit: nothing is evicted any more
        assert c.call("CONFIG", "SET", "maxmemory", "0") == b"+OK\r\n"
        ev = evicted(c)
        reps = pipeline(c, [(b"GET", k) for k in vals])
        assert [r.value for r in reps][1:] == list(vals.values())[1:]
        assert evicted(c) == ev
        assert hot_keys(c) >= 5000
        assert c.call_reply("GET", "c:0").value == b"new"


def test_one_pass_read_keeps_hot_set(strata_factory):
    """Admission: near the limit, a key read from disk becomes resident only
    on its second read, so one pass of GETs over many cold keys does not
    push the hot set out (INFO promotions_deferred counts the refusals)."""
    srv = strata_factory(["--maxmemory", "300kb", "--maxmemory-policy", "allkeys-lru"])
    with srv.client() as c:
        pipeline(c, [(b"SET", b"cold:%05d" % i, b"x" * 40) for i in range(20000)])
        # the LRU clock counts seconds: let the hot set be a second younger
        # than every cold key, so eviction does not pick hot keys at random
        time.sleep(1.1)
        # the hot set: written last, read a few times, so resident
        hot = [b"hot:%03d" % i for i in range(300)]
        pipeline(c, [(b"SET", k, b"y" * 40) for k in hot])
        for _ in range(3):
            assert all(r.value == b"y" * 40 for r in pipeline(c, [(b"GET", k) for k in hot]))
        assert int(info(c, "memory")["hot_tier_bytes"]) > 300 * 1024 * 0.9
        # one pass over the cold keys (all evicted by now: 20,000 keys do not fit)
        replies = pipeline(c, [(b"GET", b"cold:%05d" % i) for i in range(20000)])
        assert all(r.value == b"x" * 40 for r in replies)
        stats = info(c, "stats")
        assert int(stats["promotions_deferred"]) > 15000
        # the hot set is still in memory: its reads are hot-tier hits (all
        # but a few: sampled LRU is approximate; without admission the pass
        # would have pushed nearly all of them out)
        before = int(info(c, "stats")["hot_tier_hits"])
        assert all(r.value == b"y" * 40 for r in pipeline(c, [(b"GET", k) for k in hot]))
        assert int(info(c, "stats")["hot_tier_hits"]) - before >= len(hot) - 5
