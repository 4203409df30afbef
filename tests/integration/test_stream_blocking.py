"""XREAD / XREADGROUP with BLOCK: the client is parked on the stream keys
(src/blocking.c) and its command runs again once one of them is written.
These expectations hold for real Redis too (STRATA_DIFF_SELF=1)."""

import threading
import time


def call_later(srv, delay, *args):
    def run():
        time.sleep(delay)
        with srv.client() as c:
            c.call(*args)
    t = threading.Thread(target=run)
    t.start()
    return t


def test_xread_block_dollar_waits_for_new_entries(strata):
    with strata.client() as c:
        c.call("XADD", "s", "1-1", "f", "old")
        t = call_later(strata, 0.2, "XADD", "s", "2-1", "f", "new")
        start = time.time()
        r = c.call("XREAD", "BLOCK", "5000", "STREAMS", "s", "$")
        assert time.time() - start >= 0.15
        t.join()
        assert r == b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$3\r\nnew\r\n"


def test_xread_block_on_missing_key_and_several_streams(strata):
    with strata.client() as c:
        t = call_later(strata, 0.1, "XADD", "b", "5-1", "k", "v")
        r = c.call("XREAD", "COUNT", "10", "BLOCK", "5000", "STREAMS", "a", "b", "$", "$")
        t.join()
        assert r == b"*1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n"


def test_xread_block_timeout_and_data_at_once(strata):
    with strata.client() as c:
        start = time.time()
        assert c.call("XREAD", "BLOCK", "100", "STREAMS", "s", "$") == b"*-1\r\n"
        assert 0.08 <= time.time() - start < 2
        c.call("XADD", "s", "1-1", "f", "v")
        # an id below the last one: served at once, BLOCK or not
        assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "0").startswith(b"*1\r\n")


def test_xread_block_ignores_entries_not_newer(strata):
    with strata.client() as c, strata.client() as w:
        c.call("XADD", "s", "5-1", "f", "v")
        c.send_command("XREAD", "BLOCK", "3000", "STREAMS", "s", "$")
        time.sleep(0.1)
        # a write that adds nothing newer (XDEL) keeps it waiting
        assert w.call("XDEL", "s", "5-1") == b":1\r\n"
        time.sleep(0.1)
        assert w.call("XADD", "s", "6-1", "f", "w") == b"$3\r\n6-1\r\n"
        assert c.read_raw() == b"*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\nf\r\n$1\r\nw\r\n"


def test_xreadgroup_block_serves_waiters_in_order(strata):
    with strata.client() as a, strata.client() as b, strata.client() as w:
        assert w.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == b"+OK\r\n"
        a.send_command("XREADGROUP", "GROUP", "g", "ca", "COUNT", "1", "BLOCK", "5000", "STREAMS", "s", ">")
        time.sleep(0.05)
        b.send_command("XREADGROUP", "GROUP", "g", "cb", "COUNT", "1", "BLOCK", "5000", "STREAMS", "s", ">")
        time.sleep(0.05)
        w.call("XADD", "s", "1-1", "n", "1")
        assert b"1-1" in a.read_raw()
        w.call("XADD", "s", "2-1", "n", "2")
        assert b"2-1" in b.read_raw()
        # both are pending, each with its own consumer
        assert w.call("XPENDING", "s", "g") == (
            b"*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*2\r\n*2\r\n$2\r\nca\r\n$1\r\n1\r\n*2\r\n$2\r\ncb\r\n$1\r\n1\r\n")


def test_xread_block_inside_multi_does_not_block(strata):
    with strata.client() as c:
        assert c.call("MULTI") == b"+OK\r\n"
        assert c.call("XREAD", "BLOCK", "0", "STREAMS", "s", "$") == b"+QUEUED\r\n"
        assert c.call("EXEC") == b"*1\r\n*-1\r\n"


def test_xread_block_client_unblock(strata):
    with strata.client() as c, strata.client() as w:
        cid = int(c.call("CLIENT", "ID")[1:-2])
        c.send_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        time.sleep(0.1)
        assert w.call("CLIENT", "UNBLOCK", str(cid)) == b":1\r\n"
        assert c.read_raw() == b"*-1\r\n"
