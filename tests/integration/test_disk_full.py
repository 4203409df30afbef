"""Write errors: when the disk fills up, writes answer MISCONF while reads
keep working; when space comes back, writes resume; nothing acknowledged is
lost or corrupted. Uses a small tmpfs, so it needs root (skipped otherwise)."""

import os
import subprocess
import time

import pytest
import redis

from conftest import SELF_MODE

pytestmark = pytest.mark.skipif(SELF_MODE, reason="strata-specific (MISCONF on store errors)")


@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.call(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mnt)],
                                            stderr=subprocess.DEVNULL) != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.call(["umount", "-l", str(mnt)])


def test_disk_full_then_recovers(strata_factory, small_fs):
    srv = strata_factory(extra_args=["--rocksdb-write-buffer-size", "4mb"], dir=str(small_fs / "data"))
    r = redis.Redis(port=srv.port)
    value = b"v" * 100_000
    acked = []
    with pytest.raises(redis.exceptions.ConnectionError):
        for i in range(1000):  # 100 MB: more than the file system holds
            r.set("k%d" % i, value)
            acked.append(i)
    assert acked, "nothing was written before the disk filled up"

    r = redis.Redis(port=srv.port)
    with pytest.raises(redis.exceptions.ResponseError, match="^MISCONF"):
        r.set("after", "x")
    with pytest.raises(redis.exceptions.ResponseError, match="^MISCONF"):
        r.incr("counter")
    assert r.get("k0") == value                    # reads keep working
    assert r.dbsize() == len(acked)
    assert r.info("persistence")["strata_store_status"] == "err"

    subprocess.check_call(["mount", "-o", "remount,size=256m", str(small_fs)])
    deadline = time.time() + 10
    while True:
        try:
            assert r.set("after", "x")
            break
        except redis.exceptions.ResponseError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    missing = [i for i in acked if r.get("k%d" % i) != value]
    assert not missing, "acknowledged keys lost: %r" % missing[:10]
    assert r.dbsize() == len(acked) + 1

    # And it all survives a restart.
    srv.restart()
    r = redis.Redis(port=srv.port)
    assert r.dbsize() == len(acked) + 1
    assert r.get("k%d" % acked[-1]) == value


def test_multi_while_store_refuses_writes(strata_factory, small_fs):
    """MISCONF inside MULTI, as Redis's disk-error rule: a write refused
    while queueing flags the transaction; an EXEC whose queue holds a write
    is refused with EXECABORT ... MISCONF; a read-only queue still runs."""
    srv = strata_factory(extra_args=["--rocksdb-write-buffer-size", "4mb"], dir=str(small_fs / "data"))
    queued = srv.client()
    assert queued.call("MULTI") == b"+OK\r\n"
    assert queued.call("SET", "a", "1") == b"+QUEUED\r\n"   # queued while healthy
    r = redis.Redis(port=srv.port)
    value = b"v" * 100_000
    with pytest.raises(redis.exceptions.ConnectionError):
        for i in range(1000):
            r.set("k%d" % i, value)
    with srv.client() as c:
        misconf = c.call("SET", "x", "1")
        assert misconf.startswith(b"-MISCONF ")
        # the queued write: EXEC itself is refused
        ex = queued.call("EXEC")
        assert ex == b"-EXECABORT Transaction discarded because of: " + misconf[1:], ex
        assert queued.call("EXEC") == b"-ERR EXEC without MULTI\r\n"
        # a write refused while queueing
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("SET", "x", "1") == misconf
        assert c.call("GET", "k0") == b"+QUEUED\r\n"
        assert c.call("EXEC") == b"-EXECABORT Transaction discarded because of previous errors.\r\n"
        # reads only: runs
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("GET", "k0") == b"+QUEUED\r\n"
        assert c.call("EXEC") == b"*1\r\n$100000\r\n" + value + b"\r\n"
    queued.close()
