"""client-output-buffer-limit: a client whose unsent output passes its
class's limit is disconnected, so a slow reader cannot grow the server's
memory without bound. The CONFIG SET/GET replies are compared with Redis in
diff/config_obuf_limit.txt."""

import socket
import time

from conftest import RespClient


def wait_closed(sock, timeout=10.0):
    """Drain sock until the server closes it; return how many bytes came."""
    sock.settimeout(timeout)
    got = 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            data = sock.recv(1 << 20)
        except ConnectionResetError:
            return got
        if not data:
            return got
        got += len(data)
    raise AssertionError("server did not close the connection")


def test_normal_hard_limit_closes_big_reply(strata):
    with strata.client() as c:
        assert c.call("SET", "big", "x" * (2 << 20)) == b"+OK\r\n"
        assert c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0") == b"+OK\r\n"
        # small replies are fine
        assert c.call("SET", "small", "y") == b"+OK\r\n"
        reader = RespClient("127.0.0.1", strata.port)
        reader.send_command("GET", "big")
        got = wait_closed(reader.sock)
        assert got < (2 << 20)
        # the server goes on; without a limit the same reply goes through
        assert c.call("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0") == b"+OK\r\n"
        with strata.client() as again:
            assert len(again.call("GET", "big")) > (2 << 20)


def test_slow_subscriber_is_disconnected(strata):
    with strata.client() as pub:
        assert pub.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 64kb 60") == b"+OK\r\n"
        sub = socket.create_connection(("127.0.0.1", strata.port))
        sub.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
        time.sleep(0.2)
        payload = "m" * 100000
        receivers = []
        for _ in range(200):  # 20 MB, far past what the socket buffers hold
            receivers.append(pub.call("PUBLISH", "ch", payload))
        # the subscriber was dropped along the way: later publishes reach nobody
        assert receivers[0] == b":1\r\n"
        assert receivers[-1] == b":0\r\n"
        assert pub.call("PUBSUB", "NUMSUB", "ch") == b"*2\r\n$2\r\nch\r\n:0\r\n"
        wait_closed(sub)
        sub.close()
