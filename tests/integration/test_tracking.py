"""CLIENT TRACKING beyond what a differential script can say: redirection
(ids differ between servers), a broken redirection, the table limit,
CLIENT LIST/INFO fields and a tracking client that disconnects. The
replies themselves are checked against real Redis in diff/tracking_*.txt.
"""

import pytest

from conftest import SELF_MODE


def inv(*keys):
    """RESP3 push: invalidate [keys]."""
    out = b">2\r\n$10\r\ninvalidate\r\n*%d\r\n" % len(keys)
    for k in keys:
        out += b"$%d\r\n%s\r\n" % (len(k), k)
    return out


def msg_inv(*keys):
    """RESP2 pub/sub message on __redis__:invalidate."""
    out = b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*%d\r\n" % len(keys)
    for k in keys:
        out += b"$%d\r\n%s\r\n" % (len(k), k)
    return out


def client_id(c):
    return int(c.call("CLIENT", "ID")[1:-2])


def info_field(c, section, name):
    text = c.call_reply("INFO", section).value.decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    raise KeyError(name)


def test_redirect_to_resp2_subscriber(strata):
    with strata.client() as sub, strata.client() as t, strata.client() as w:
        sid = client_id(sub)
        assert sub.call("SUBSCRIBE", "__redis__:invalidate").startswith(b"*3\r\n$9\r\nsubscribe")
        assert t.call("CLIENT", "TRACKING", "on", "REDIRECT", str(sid)) == b"+OK\r\n"
        assert t.call("CLIENT", "GETREDIR") == b":%d\r\n" % sid
        t.call("GET", "k")
        assert w.call("SET", "k", "v") == b"+OK\r\n"
        assert sub.read_raw() == msg_inv(b"k")
        # FLUSHALL: a null (in the tracking client's protocol: RESP2)
        t.call("GET", "k")
        assert w.call("FLUSHALL") == b"+OK\r\n"
        assert sub.read_raw() == b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n"


def test_redirect_to_resp3_client(strata):
    with strata.client() as r, strata.client() as t, strata.client() as w:
        assert r.call("HELLO", "3").startswith(b"%7")
        rid = client_id(r)
        assert t.call("CLIENT", "TRACKING", "on", "REDIRECT", str(rid), "BCAST", "PREFIX", "user:") == b"+OK\r\n"
        assert w.call("MSET", "user:2", "a", "user:1", "b", "other", "c") == b"+OK\r\n"
        assert r.read_raw() == inv(b"user:1", b"user:2")
        # the tracking client itself (RESP2) gets nothing
        assert t.call("PING") == b"+PONG\r\n"


def test_broken_redirect(strata):
    with strata.client() as t, strata.client() as w:
        assert t.call("HELLO", "3").startswith(b"%7")
        gone = strata.client()
        gid = client_id(gone)
        assert t.call("CLIENT", "TRACKING", "on", "REDIRECT", str(gid)) == b"+OK\r\n"
        gone.close()
        t.call("PING")  # let the server notice the close
        t.call("GET", "k")
        w.call("SET", "k", "v")
        assert t.read_raw() == b">2\r\n$21\r\ntracking-redir-broken\r\n:%d\r\n" % gid
        info = t.call("CLIENT", "TRACKINGINFO")
        assert b"broken_redirect" in info
        line = t.call_reply("CLIENT", "INFO").value
        assert b"flags=tR " in line and b"redir=%d " % gid in line


@pytest.mark.skipif(SELF_MODE, reason="strata only: Redis picks other keys")
def test_table_limit_invalidates_early(strata):
    with strata.client() as t:
        assert t.call("HELLO", "3").startswith(b"%7")
        assert t.call("CONFIG", "SET", "tracking-table-max-keys", "10") == b"+OK\r\n"
        assert t.call("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        t.send_raw(b"".join(b"*2\r\n$3\r\nGET\r\n$3\r\nk%02d\r\n" % i for i in range(30)))
        pushes = nulls = 0
        for _ in range(30 + 20):
            r = t.read_raw()
            if r.startswith(b">2"):
                pushes += 1
            else:
                assert r == b"_\r\n"
                nulls += 1
        assert (pushes, nulls) == (20, 30)
        assert int(info_field(t, "stats", "tracking_total_keys")) == 10
        assert int(info_field(t, "stats", "tracking_total_items")) == 10


def test_info_and_client_list(strata):
    with strata.client() as t, strata.client() as b:
        assert info_field(t, "clients", "tracking_clients") == "0"
        assert t.call("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        assert b.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x", "PREFIX", "y") == b"+OK\r\n"
        t.call("MGET", "a", "b", "c")
        assert info_field(t, "clients", "tracking_clients") == "2"
        assert info_field(t, "stats", "tracking_total_keys") == "3"
        assert info_field(t, "stats", "tracking_total_items") == "3"
        assert info_field(t, "stats", "tracking_total_prefixes") == "2"
        assert b"flags=t " in t.call_reply("CLIENT", "INFO").value
        assert b"flags=tB " in b.call_reply("CLIENT", "INFO").value
        assert b"redir=0 " in t.call_reply("CLIENT", "INFO").value
        b.close()
        assert t.call("CLIENT", "TRACKING", "off") == b"+OK\r\n"
        assert info_field(t, "clients", "tracking_clients") == "0"
        assert info_field(t, "stats", "tracking_total_prefixes") == "0"
        assert b"redir=-1 " in t.call_reply("CLIENT", "INFO").value


def test_disconnected_reader_is_skipped(strata):
    with strata.client() as w:
        t = strata.client()
        assert t.call("HELLO", "3").startswith(b"%7")
        assert t.call("CLIENT", "TRACKING", "on") == b"+OK\r\n"
        t.call("GET", "k")
        t.close()
        w.call("PING")
        # the key is still in the table; changing it must not touch the gone client
        assert w.call("SET", "k", "v") == b"+OK\r\n"
        assert w.call("GET", "k") == b"$1\r\nv\r\n"
