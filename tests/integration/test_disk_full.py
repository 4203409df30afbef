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
