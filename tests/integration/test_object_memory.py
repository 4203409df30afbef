"""OBJECT IDLETIME / FREQ and MEMORY USAGE / STATS / DOCTOR / HELP.

What diff/object_memory.txt cannot check because the replies depend on time
or on memory layout:

  - IDLETIME grows while a key is left alone, OBJECT itself does not reset
    it (it is not an access), a GET does;
  - FREQ under allkeys-lfu grows with accesses and not with OBJECT calls
    (exactly one step per access with lfu-log-factor 0);
  - IDLETIME under an LFU policy and FREQ under any other are refused with
    Redis's exact text, the policy changed by CONFIG SET at run time;
  - MEMORY USAGE is positive and grows with the value;
  - MEMORY STATS is a flat map with keys.count.

strata-only (skipped under STRATA_DIFF_SELF=1): a key that is not resident
in the hot tier (after a restart) answers the server's uptime for IDLETIME,
stays non-resident through OBJECT and MEMORY USAGE, and MEMORY USAGE
predicts the size its entry takes once it is resident; MEMORY STATS has
strata's hot_tier.* and rocksdb.* fields.
"""

import time

import pytest

from conftest import SELF_MODE, encode_command

ERR_IDLE_LFU = (b"-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
                b"switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")
ERR_FREQ_NOT_LFU = (b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
                    b"that when switching between policies at runtime LRU and LFU data will take some time to "
                    b"adjust.\r\n")

strata_only = pytest.mark.skipif(SELF_MODE, reason="strata's hot tier only")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def num(c, *args):
    rep = c.call_reply(*args)
    assert rep.kind == ":", "%r -> %r" % (args, rep.raw)
    return rep.value


def info(c, section):
    text = c.call_reply("INFO", section).value.decode()
    fields = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            fields[k] = v
    return fields


def pipeline(c, cmds):
    c.send_raw(b"".join(encode_command(*a) for a in cmds))
    return [c.read_reply() for _ in cmds]


def flat_map(rep):
    """A RESP2 map (array of 2n, names are bulk strings) as a dict."""
    assert rep.kind == "*" and rep.value is not None, rep.raw[:200]
    assert len(rep.value) % 2 == 0, "odd map length"
    out = {}
    for i in range(0, len(rep.value), 2):
        name = rep.value[i]
        assert name.kind == "$" and name.value, "map key is not a bulk string: %r" % name.raw
        out[name.value.decode()] = rep.value[i + 1]
    return out


# ---------------------------------------------------------------------------
# OBJECT IDLETIME
# ---------------------------------------------------------------------------

def test_idletime_grows_and_resets_on_access_not_on_object(strata):
    with strata.client() as c:
        assert c.call("SET", "k", "v") == b"+OK\r\n"
        assert c.call("RPUSH", "l", "a", "b") == b":2\r\n"
        assert num(c, "OBJECT", "IDLETIME", "k") <= 1
        time.sleep(2.2)
        idle = num(c, "OBJECT", "IDLETIME", "k")
        assert 2 <= idle <= 4
        assert num(c, "OBJECT", "IDLETIME", "l") >= 2
        # OBJECT is not an access: none of its subcommands resets the clock
        for sub in ("IDLETIME", "ENCODING", "REFCOUNT", "FREQ"):
            c.call("OBJECT", sub, "k")
        assert c.call("MEMORY", "USAGE", "k").startswith(b":")
        assert num(c, "OBJECT", "IDLETIME", "k") >= 2
        # a read is
        assert c.call("GET", "k") == b"$1\r\nv\r\n"
        assert num(c, "OBJECT", "IDLETIME", "k") <= 1
        assert num(c, "OBJECT", "IDLETIME", "l") >= 2  # the other key still idle
        # so is a write to an existing value
        assert c.call("RPUSH", "l", "c") == b":3\r\n"
        assert num(c, "OBJECT", "IDLETIME", "l") <= 1


@strata_only
def test_idletime_of_a_key_not_resident_is_the_uptime(strata):
    """After a restart nothing is resident: IDLETIME answers the seconds since
    start-up, and neither OBJECT nor MEMORY USAGE makes the key resident."""
    big = "x" * 500
    with strata.client() as c:
        c.call("SET", "k", big)
        c.call("HSET", "h", "f1", "v1", "f2", "v2")
    strata.restart()
    time.sleep(2.2)
    with strata.client() as c:
        assert int(info(c, "memory")["hot_tier_keys"]) == 0
        up = int(info(c, "server")["uptime_in_seconds"])
        idle = num(c, "OBJECT", "IDLETIME", "k")
        assert idle >= 2 and abs(idle - up) <= 1
        assert num(c, "OBJECT", "IDLETIME", "h") >= 2
        assert c.call("OBJECT", "ENCODING", "h") == b"$8\r\nlistpack\r\n"
        cold_usage = num(c, "MEMORY", "USAGE", "k")
        cold_hash = num(c, "MEMORY", "USAGE", "h")
        assert int(info(c, "memory")["hot_tier_keys"]) == 0, "OBJECT/MEMORY made a key resident"
        # an access makes it resident and fresh; its entry is as predicted
        assert c.call("GET", "k") == b"$500\r\n" + big.encode() + b"\r\n"
        assert int(info(c, "memory")["hot_tier_keys"]) == 1
        assert num(c, "OBJECT", "IDLETIME", "k") <= 1
        assert num(c, "MEMORY", "USAGE", "k") == cold_usage
        assert c.call("HLEN", "h") == b":2\r\n"
        assert num(c, "MEMORY", "USAGE", "h") == cold_hash


# ---------------------------------------------------------------------------
# OBJECT FREQ
# ---------------------------------------------------------------------------

def test_freq_under_lfu_counts_accesses_not_object_calls(strata):
    with strata.client() as c:
        # log factor 0: every access adds one; no decay during the test
        for name, value in (("maxmemory-policy", "allkeys-lfu"), ("lfu-log-factor", "0"),
                            ("lfu-decay-time", "0")):
            assert c.call("CONFIG", "SET", name, value) == b"+OK\r\n"
        time.sleep(0.3)  # strata hands the LFU settings to the hot tier from its cron
        c.call("SET", "k", "v")
        f0 = num(c, "OBJECT", "FREQ", "k")
        assert 0 <= f0 <= 10
        for _ in range(20):
            assert num(c, "OBJECT", "FREQ", "k") == f0
        replies = pipeline(c, [("GET", "k")] * 30)
        assert all(r.raw == b"$1\r\nv\r\n" for r in replies)
        assert num(c, "OBJECT", "FREQ", "k") == f0 + 30
        assert c.call("OBJECT", "FREQ", "nokey") == b"$-1\r\n"


def test_freq_grows_with_default_log_factor(strata):
    with strata.client() as c:
        assert c.call("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu") == b"+OK\r\n"
        c.call("SET", "hot", "v")
        c.call("SET", "cold", "v")
        f0 = num(c, "OBJECT", "FREQ", "hot")
        pipeline(c, [("GET", "hot")] * 2000)
        f1 = num(c, "OBJECT", "FREQ", "hot")
        assert f1 > f0
        # logarithmic: 2000 hits are far from 2000 steps
        assert f1 < 60
        assert num(c, "OBJECT", "FREQ", "cold") < f1


# ---------------------------------------------------------------------------
# Policy errors, compared with Redis
# ---------------------------------------------------------------------------

def test_policy_errors_match_redis(strata, oracle_clean):
    def run(srv):
        out = []
        with srv.client() as c:
            c.call("SET", "k", "v")
            for policy in ("noeviction", "allkeys-lfu", "volatile-lfu", "allkeys-lru", "volatile-lru",
                           "volatile-ttl", "allkeys-random", "volatile-random", "noeviction"):
                assert c.call("CONFIG", "SET", "maxmemory-policy", policy) == b"+OK\r\n"
                lfu = policy.endswith("-lfu")
                idle = c.call("OBJECT", "IDLETIME", "k")
                freq = c.call("OBJECT", "FREQ", "k")
                if lfu:
                    assert idle == ERR_IDLE_LFU, (policy, idle)
                    assert freq.startswith(b":"), (policy, freq)
                else:
                    assert idle.startswith(b":"), (policy, idle)
                    assert freq == ERR_FREQ_NOT_LFU, (policy, freq)
                # a missing key is null before the policy is looked at
                out.append((policy, idle if lfu else freq, c.call("OBJECT", "IDLETIME", "nokey"),
                            c.call("OBJECT", "FREQ", "nokey")))
        return out

    try:
        assert run(strata) == run(oracle_clean)
    finally:
        oracle_clean.call("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_help_texts_match_redis(strata, oracle_clean):
    for args in (("OBJECT", "HELP"), ("MEMORY", "HELP")):
        assert strata.call(*args) == oracle_clean.call(*args), args


# ---------------------------------------------------------------------------
# MEMORY USAGE
# ---------------------------------------------------------------------------

def test_memory_usage_positive_and_grows_with_value(strata):
    with strata.client() as c:
        assert c.call("MEMORY", "USAGE", "nokey") == b"$-1\r\n"
        sizes = []
        for n in (1, 100, 10000, 200000):
            c.call("SET", "s%d" % n, "x" * n)
            sizes.append(num(c, "MEMORY", "USAGE", "s%d" % n))
        assert sizes[0] > 0
        assert sizes == sorted(sizes) and len(set(sizes)) == 4, sizes
        assert sizes[2] >= 10000 and sizes[3] >= 200000
        # compound values: more and bigger elements weigh more
        c.call("HSET", "h", "f", "v")
        small = num(c, "MEMORY", "USAGE", "h")
        pipeline(c, [("HSET", "h", "field%d" % i, "value" * 20) for i in range(500)])
        grown = num(c, "MEMORY", "USAGE", "h")
        assert grown > small and grown >= 500 * 100
        exact = num(c, "MEMORY", "USAGE", "h", "SAMPLES", "0")
        assert exact >= 500 * 100
        assert abs(grown - exact) <= exact // 2, (grown, exact)  # sampling estimates it
        for cmd in (("RPUSH", "l"), ("SADD", "st"), ("ZADD", "z")):
            args = []
            for i in range(300):
                if cmd[0] == "ZADD":
                    args += [str(i), "member%d" % i]
                else:
                    args.append("element-%d" % i)
            c.call(*cmd, *args)
            assert num(c, "MEMORY", "USAGE", cmd[1]) >= 300 * 9, cmd
            assert num(c, "MEMORY", "USAGE", cmd[1], "SAMPLES", "0") >= 300 * 9, cmd


# ---------------------------------------------------------------------------
# MEMORY STATS, DOCTOR
# ---------------------------------------------------------------------------

def test_memory_stats_is_a_flat_map_with_keys_count(strata):
    with strata.client() as c:
        for i in range(10):
            c.call("SET", "key%d" % i, "v" * 100)
        stats = flat_map(c.call_reply("MEMORY", "STATS"))
        for name in ("peak.allocated", "total.allocated", "startup.allocated", "overhead.total",
                     "keys.count", "keys.bytes-per-key", "dataset.bytes", "dataset.percentage",
                     "peak.percentage", "fragmentation"):
            assert name in stats, name
        assert stats["keys.count"].kind == ":"
        assert stats["keys.count"].value >= 10
        assert stats["total.allocated"].value > 0
        assert stats["peak.allocated"].value >= stats["total.allocated"].value
        assert stats["keys.bytes-per-key"].value > 100
        assert float(stats["dataset.percentage"].value) >= 0
        if SELF_MODE:
            return
        # strata: the dataset in memory is the hot tier
        hot = info(c, "memory")
        assert stats["keys.count"].value == int(hot["hot_tier_keys"])
        assert stats["hot_tier.bytes"].value == int(hot["hot_tier_bytes"])
        assert 0 < stats["dataset.bytes"].value < stats["hot_tier.bytes"].value
        for name in ("hot_tier.maxmemory", "rocksdb.block-cache", "rocksdb.memtables"):
            assert stats[name].kind == ":", name


def test_memory_doctor_and_others(strata):
    with strata.client() as c:
        rep = c.call_reply("MEMORY", "DOCTOR")
        assert rep.kind == "$" and rep.value
        assert c.call("MEMORY", "PURGE") == b"+OK\r\n"
        rep = c.call_reply("MEMORY", "MALLOC-STATS")
        assert rep.kind == "$" and rep.value


@strata_only
def test_memory_doctor_reports_oom(strata):
    with strata.client() as c:
        for i in range(200):
            c.call("SET", "key%d" % i, "v" * 100)
        assert c.call("CONFIG", "SET", "maxmemory", "1000") == b"+OK\r\n"
        text = c.call_reply("MEMORY", "DOCTOR").value.decode()
        assert "more than maxmemory" in text and "noeviction" in text
        assert c.call("CONFIG", "SET", "maxmemory", "0") == b"+OK\r\n"
        text = c.call_reply("MEMORY", "DOCTOR").value.decode()
        assert text.startswith("No memory problems found.")
