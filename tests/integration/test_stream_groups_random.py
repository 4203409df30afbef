"""Randomized differential test of consumer groups: XADD, XDEL, XTRIM,
XGROUP (CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER), XREADGROUP (">"
and history, COUNT, NOACK), XACK, XCLAIM, XAUTOCLAIM, XPENDING and XINFO
GROUPS/CONSUMERS, sent to strata and to a real redis-server with every reply
compared. Idle times and delivery timestamps depend on each server's clock,
so they are blanked before comparing (XPENDING's idle, XINFO CONSUMERS'
idle); everything else must match byte for byte. Min-idle arguments are 0
or huge, so what is claimed does not depend on timing either.

    STRATA_RANDOM_SEED=123 /usr/bin/python3 -m pytest tests/integration/test_stream_groups_random.py
    STRATA_STREAM_OPS=50000 ...   # longer run (default 10000)
"""

import os
import random

OPS = int(os.environ.get("STRATA_STREAM_OPS", "10000")) // 2

KEYS = ["q1", "q2"]
GROUPS = ["g1", "g2", "g3"]
CONSUMERS = ["c1", "c2", "c3", "c4"]


def blank_idle(cmd, rep):
    """The reply as plain data with the clock-dependent numbers zeroed."""
    v = rep.py()
    name = cmd[0].upper()
    if name == "XPENDING" and len(cmd) > 3 and isinstance(v, list):
        return [[e[0], e[1], 0, e[3]] if isinstance(e, list) else e for e in v]
    if name == "XINFO" and cmd[1].upper() == "CONSUMERS" and isinstance(v, list):
        return [[x if i != 5 else 0 for i, x in enumerate(c)] for c in v]
    return rep.raw


class Gen:
    def __init__(self, rnd):
        self.r = rnd
        self.top = {k: 0 for k in KEYS}

    def anyid(self, key):
        return "%d-1" % self.r.randrange(0, self.top[key] + 3)

    def command(self):
        r = self.r
        key = r.choice(KEYS)
        g = r.choice(GROUPS)
        c = r.choice(CONSUMERS)
        p = r.random()
        if p < 0.22:
            self.top[key] += 1
            return ["XADD", key, "%d-1" % self.top[key], "n", str(self.top[key])]
        if p < 0.25:
            return ["XDEL", key] + [self.anyid(key) for _ in range(r.choice([1, 2]))]
        if p < 0.26:
            return ["XTRIM", key, "MINID", self.anyid(key)]
        if p < 0.30:
            extra = r.choice([[], ["MKSTREAM"], ["ENTRIESREAD", str(r.randrange(0, 5))]])
            return ["XGROUP", "CREATE", key, g, r.choice(["0", "$", self.anyid(key)])] + extra
        if p < 0.31:
            return ["XGROUP", "SETID", key, g, r.choice(["0", "$", self.anyid(key)])]
        if p < 0.315:
            return ["XGROUP", "DESTROY", key, g]
        if p < 0.33:
            return ["XGROUP", r.choice(["CREATECONSUMER", "DELCONSUMER"]), key, g, c]
        if p < 0.50:
            cmd = ["XREADGROUP", "GROUP", g, c]
            if r.random() < 0.6:
                cmd += ["COUNT", str(r.choice([1, 2, 5]))]
            if r.random() < 0.1:
                cmd.append("NOACK")
            return cmd + ["STREAMS", key, r.choice([">", ">", ">", "0", self.anyid(key)])]
        if p < 0.62:
            return ["XACK", key, g] + [self.anyid(key) for _ in range(r.choice([1, 2, 4]))]
        if p < 0.70:
            cmd = ["XCLAIM", key, g, c, r.choice(["0", "0", "100000000"])] + \
                  [self.anyid(key) for _ in range(r.choice([1, 2, 3]))]
            if r.random() < 0.3:
                cmd.append("JUSTID")
            if r.random() < 0.1:
                cmd.append("FORCE")
            if r.random() < 0.1:
                cmd += ["RETRYCOUNT", str(r.randrange(0, 9))]
            if r.random() < 0.05:
                cmd += ["LASTID", self.anyid(key)]
            return cmd
        if p < 0.78:
            cmd = ["XAUTOCLAIM", key, g, c, r.choice(["0", "0", "100000000"]),
                   r.choice(["0", "-", self.anyid(key), "(" + self.anyid(key)])]
            if r.random() < 0.6:
                cmd += ["COUNT", str(r.choice([1, 2, 3, 10]))]
            if r.random() < 0.3:
                cmd.append("JUSTID")
            return cmd
        if p < 0.86:
            if r.random() < 0.4:
                return ["XPENDING", key, g]
            cmd = ["XPENDING", key, g]
            if r.random() < 0.2:
                cmd += ["IDLE", "0"]
            cmd += [r.choice(["-", self.anyid(key)]), r.choice(["+", self.anyid(key)]), str(r.choice([1, 3, 100]))]
            if r.random() < 0.4:
                cmd.append(c)
            return cmd
        if p < 0.93:
            return ["XINFO", "GROUPS", key]
        if p < 0.98:
            return ["XINFO", "CONSUMERS", key, g]
        return ["XLEN", key]


def test_stream_groups_random(strata, oracle_clean):
    seed = int(os.environ.get("STRATA_RANDOM_SEED", random.randrange(1 << 30)))
    print("seed", seed)
    gen = Gen(random.Random(seed))
    a, b = strata.client(), oracle_clean.client()
    for n in range(OPS):
        cmd = gen.command()
        ra, rb = a.call_reply(*cmd), b.call_reply(*cmd)
        va, vb = blank_idle(cmd, ra), blank_idle(cmd, rb)
        assert va == vb, "seed %d, op %d: %r\nstrata: %r\nredis:  %r" % (seed, n, cmd, ra.raw, rb.raw)
    for key in KEYS:
        for g in GROUPS:
            cmd = ["XPENDING", key, g, "-", "+", "100000"]
            assert blank_idle(cmd, a.call_reply(*cmd)) == blank_idle(cmd, b.call_reply(*cmd))
