"""pytest wrapper of the crash test (crash_test.py): a short form.

    /usr/bin/python3 -m pytest tests/crash -q

  - 10 kill cycles with appendfsync always and 10 with everysec, up to ~1 s of
    writes each (ASan build, STRATA_SANITIZED=1: 3 + 3), nothing acknowledged
    may be lost, MSET/HSET pairs/RPUSH/SADD/LMOVE/XADD commands all-or-nothing
    (crash_test.py's docstring has the whole list of checks);
  - SWAPDB must survive kill -9 and SHUTDOWN when it is the last write;
  - the checker itself catches lost writes (against redis-server without
    persistence, when redis-server is installed).

Environment: STRATA_SERVER (default <repo>/build/strata-server),
STRATA_SANITIZED=1 for a sanitizer build (fewer cycles; reports in the log
fail the test either way). The long run is tools/crashloop.py.
"""

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import crash_test  # noqa: E402

STRATA_BIN = os.environ.get("STRATA_SERVER") or str(REPO / "build" / "strata-server")
SANITIZED = os.environ.get("STRATA_SANITIZED") == "1"
CYCLES = 3 if SANITIZED else 10
DURATION = 1.0


def need_binary():
    if not os.path.exists(STRATA_BIN):
        pytest.fail("strata binary not found at %s (build it: bash tools/build.sh release, or set "
                    "STRATA_SERVER)" % STRATA_BIN, pytrace=False)


def log_tail(path, n=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_kill9_cycles(fsync, tmp_path):
    need_binary()
    lines = []
    res = crash_test.run_crash_test(binary=STRATA_BIN, fsync=fsync, cycles=CYCLES, threads=4,
                                    duration=DURATION, workdir=tmp_path / "crash", progress=lines.append)
    report = res.summary() + "\n--- cycles ---\n" + "\n".join(lines)
    print(report)
    rep = crash_test.sanitizer_report(res.log_path.read_text(errors="replace") if res.log_path.exists() else "")
    assert rep is None, "sanitizer report in the server log %s:\n%s" % (res.log_path, rep)
    assert res.setup_error is None, report
    assert res.ok, report + "\n--- server log tail ---\n" + log_tail(res.log_path)
    assert res.cycles == CYCLES, report
    assert res.stats["acked"] > 0, report


def _swapdb_last_write(tmp_path, fsync, graceful):
    srv = crash_test.Server(STRATA_BIN, tmp_path / "data", tmp_path / "strata.log", fsync)
    srv.start()
    try:
        r = srv.client()
        r.set("k", "was-in-db0")
        assert r.swapdb(0, 1) is True
        assert r.get("k") is None  # the swap is visible...
        r.close()
        time.sleep(0.2)
        if graceful:
            assert srv.terminate() == 0
        else:
            assert srv.kill9() is None
        srv.start()
        with srv.client() as r0:
            in_db0 = r0.get("k")
        with crash_test.redis.Redis(host=srv.host, port=srv.port, db=1) as r1:
            in_db1 = r1.get("k")
        return in_db0, in_db1
    finally:
        srv.ensure_dead()
        rep = srv.sanitizer_report()
        assert rep is None, "sanitizer report in %s:\n%s" % (srv.log_path, rep)


@pytest.mark.parametrize("graceful", [False, True], ids=["kill9", "shutdown"])
@pytest.mark.parametrize("fsync", ["always", "everysec"])
def test_swapdb_alone_is_durable(fsync, graceful, tmp_path):
    need_binary()
    in_db0, in_db1 = _swapdb_last_write(tmp_path, fsync, graceful)
    assert (in_db0, in_db1) == (None, b"was-in-db0"), \
        "acknowledged SWAPDB 0 1 lost after %s: db0 k=%r db1 k=%r" % (
            "SIGTERM" if graceful else "kill -9", in_db0, in_db1)


def test_checker_catches_lost_writes(tmp_path):
    """The checker must fail a server that loses acknowledged writes (and
    pass one that does not): redis-server without / with an fsync'd AOF."""
    redis_bin = shutil.which("redis-server")
    if not redis_bin:
        pytest.skip("redis-server not installed")
    bad = crash_test.run_crash_test(binary=redis_bin, fsync="always", cycles=1, duration=0.5,
                                    workdir=tmp_path / "bad", snapshot=False,
                                    extra_args=["--appendonly", "no", "--save", ""])
    assert not bad.ok and any("acknowledged" in v for v in bad.violations), bad.summary()
    good = crash_test.run_crash_test(binary=redis_bin, fsync="always", cycles=2, duration=0.5,
                                     workdir=tmp_path / "good", snapshot=False,
                                     extra_args=["--appendonly", "yes", "--save", ""],
                                     features=("list", "hash", "set", "stream", "swapdb"))
    assert good.ok, good.summary()


# ---------------------------------------------------------------------------
# The checks themselves, on made-up states (no server)
# ---------------------------------------------------------------------------

def test_register_check():
    reg = crash_test.Register(b"k", base=b"v0")
    reg.sent += [b"v1", b"v2", None, b"v3"]
    reg.acked = 2
    assert reg.check(b"v2")[0] is None       # last acked
    assert reg.check(None)[0] is None        # in-flight DEL applied
    assert reg.check(b"v3")[0] is None       # in-flight applied
    assert "OLDER" in reg.check(b"v1")[0]    # acknowledged v2 lost
    assert "OLDER" in reg.check(b"v0")[0]
    assert "never written" in reg.check(b"zz")[0]
    reg.seen.append(b"v3")                   # a reader saw v3: it must stay
    assert "seen by a reader" in reg.check(b"v2")[0]


def test_counter_check():
    c = crash_test.Counter(b"c", base=10)
    c.sent, c.acked = 5, 3
    assert c.check(13) is None and c.check(15) is None
    assert "lost" in c.check(12)
    assert c.check(16) is not None
    c.seen = 14
    assert c.check(13) is not None


def test_list_check():
    lm = crash_test.ListModel(b"l", base=[b"1", b"2"])
    lm.cmds = [[b"3"], [b"4", b"5"], [b"6", b"7", b"8"]]
    lm.acked = 2
    assert lm.check([b"1", b"2", b"3", b"4", b"5"])[0] is None
    assert lm.check([b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8"])[0] is None
    assert "acknowledged" in lm.check([b"1", b"2", b"3"])[0]
    assert "split" in lm.check([b"1", b"2", b"3", b"4", b"5", b"6"])[0]           # torn RPUSH
    assert "split" in lm.check([b"1", b"2", b"3", b"5"])[0]
    assert "earlier contents" in lm.check([b"2", b"3", b"4", b"5"])[0]


def test_set_check():
    sm = crash_test.SetModel(b"S", base={b"a"})
    sm.cmds = [[b"b"], [b"c", b"d"], [b"e"]]
    sm.acked = 2
    assert sm.check({b"a", b"b", b"c", b"d"})[0] is None
    assert sm.check({b"a", b"b", b"c", b"d", b"e"})[0] is None
    assert "acknowledged" in sm.check({b"a", b"b"})[0]
    assert "torn" in sm.check({b"a", b"b", b"c", b"d", b"e"} - {b"d"})[0]
    assert "never sent" in sm.check({b"a", b"b", b"c", b"d", b"x"})[0]
    assert "gone" in sm.check({b"b", b"c", b"d"})[0]


def test_queue_check():
    qm = crash_test.QueueModel(b"q", b"d")
    qm.reset([b"a"], [b"z"])
    assert qm.push([b"b", b"c"]) == 3
    assert qm.pop() == b"a"
    assert qm.move() == b"b"
    assert qm.push([b"d"]) == 2
    assert qm.pop() == b"c"
    assert qm.pop() == b"d"
    assert qm.pop() is None
    qm.acked = 3
    assert qm.check([b"c"], [b"z", b"b"])[0] is None          # after the acked LMOVE
    assert qm.check([b"c", b"d"], [b"z", b"b"])[0] is None    # + in-flight RPUSH
    assert qm.check([], [b"z", b"b"])[0] is None              # everything applied
    assert "came back" in qm.check([b"b", b"c"], [b"z"])[0]   # acknowledged LMOVE lost
    assert qm.check([b"c"], [b"z"])[0] is not None            # moved element vanished (torn LMOVE)
    assert qm.check([b"b", b"c"], [b"z", b"b"])[0] is not None  # moved element in both lists


def test_group_check():
    gm = crash_test.GroupModel()
    gm.reset(True, [b"1-1"])
    gm.delivered = [b"2-1", b"3-1"]
    gm.ack_sent = {b"1-1", b"2-1"}
    gm.acked = {b"1-1"}
    assert gm.check((True, [b"3-1"], b"3-1")) is None                  # XACK of 2-1 applied
    assert gm.check((True, [b"2-1", b"3-1"], b"3-1")) is None          # ... or in flight, lost
    assert "pending again" in gm.check((True, [b"1-1", b"3-1"], b"3-1"))
    assert "no longer pending" in gm.check((True, [], b"3-1"))
    assert "deliver it again" in gm.check((True, [b"3-1"], b"2-1"))
    assert "gone" in gm.check((False, [], b"0-0"))


def test_triple_and_pair_tearing_detected():
    m = crash_test.ThreadModel(0, ["list", "hash", "set"])
    st = {"strings": [None] * len(m.strings), "counters": [None] * len(m.counters),
          "triples": [(None, None, None)] * len(m.triples), "list": [],
          "pairs": [(None, None)] * len(m.pairs), "hash_extra": [], "set": set()}
    m.triples[1].sent.append(b"g1")
    m.triples[1].acked = 1
    st["triples"][1] = (b"g1", b"g1", None)
    st["pairs"][2] = (b"x", None)
    out, _ = crash_test.verify_thread(m, st)
    assert any("MSET triple torn" in v for v in out), out
    assert any("pair torn" in v for v in out), out
