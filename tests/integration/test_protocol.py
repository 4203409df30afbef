"""RESP protocol handling, compared byte for byte with a real Redis: malformed
requests (the error text and the closed connection), pipelining, requests
split at every byte, inline commands, binary safety."""

import socket
import threading
import time

import pytest

from conftest import RespClient, encode_command


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def exchange(srv, data, timeout=5.0):
    """Send raw bytes on a new connection; return (everything received until
    the server closed the connection or `timeout` passed, closed?)."""
    c = RespClient(srv.host, srv.port)
    try:
        try:
            c.send_raw(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before it has read everything
        return c.read_until_closed(timeout)
    finally:
        c.close()


def exchange_replies(srv, data, n, timeout=10.0):
    """Send raw bytes, read exactly n replies; return the raw bytes of all."""
    with RespClient(srv.host, srv.port, timeout=timeout) as c:
        c.send_raw(data)
        return b"".join(c.read_raw() for _ in range(n))


def assert_serving(srv):
    """The server accepts a new connection and answers on it."""
    assert srv.alive(), "%s died" % srv.name
    with RespClient(srv.host, srv.port, timeout=5) as c:
        assert c.call("PING") == b"+PONG\r\n"
        assert c.call("ECHO", "still here") == b"$10\r\nstill here\r\n"


@pytest.fixture
def pair(strata, oracle_clean):
    return strata, oracle_clean


# ---------------------------------------------------------------------------
# malformed requests: "-ERR Protocol error: ..." then the connection closes
# ---------------------------------------------------------------------------

BIG = 70 * 1024

PROTOCOL_ERRORS = {
    "multibulk_count_not_a_number": b"*abc\r\n",
    "multibulk_count_trailing_junk": b"*1x\r\n$4\r\nPING\r\n",
    "multibulk_count_overflow": b"*99999999999999999999\r\n",
    "multibulk_count_above_int_max": b"*2147483648\r\n",
    "expected_dollar_got_colon": b"*3\r\n:1\r\n",
    "expected_dollar_got_letter": b"*1\r\nPING\r\n",
    "expected_dollar_second_arg": b"*2\r\n$4\r\nECHO\r\n+hi\r\n",
    "negative_bulk_length": b"*1\r\n$-1\r\n",
    "negative_bulk_length_big": b"*1\r\n$-100\r\n",
    "bulk_length_not_a_number": b"*1\r\n$abc\r\n",
    "bulk_length_empty": b"*1\r\n$\r\n",
    "bulk_length_above_proto_max_bulk_len": b"*1\r\n$536870913\r\n",
    "bulk_length_overflow": b"*2\r\n$3\r\nGET\r\n$99999999999999999999\r\n",
    "inline_unbalanced_double_quote": b'SET k "abc\r\n',
    "inline_unbalanced_single_quote": b"SET k 'abc\r\n",
    "inline_quote_not_followed_by_space": b'SET "k"v x\r\n',
    "inline_too_big": b"A" * BIG,
    "inline_too_big_with_spaces": b"SET k " + b"x" * BIG,
    "multibulk_count_line_too_big": b"*" + b"1" * BIG,
    "bulk_count_line_too_big": b"*1\r\n$" + b"1" * BIG,
    "good_commands_then_error": b"PING\r\n*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*x\r\n",
    "error_then_more_commands_ignored": b"*1\r\n$-1\r\nPING\r\nPING\r\n",
    "error_mid_multibulk": b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n:5\r\n",
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_ERRORS))
def test_protocol_error(pair, name):
    strata, oracle = pair
    data = PROTOCOL_ERRORS[name]
    o_got, o_closed = exchange(oracle, data)
    s_got, s_closed = exchange(strata, data)
    # sanity of the expectation itself
    assert b"-ERR Protocol error: " in o_got and o_closed, (o_got, o_closed)
    assert s_got == o_got, "reply differs:\n strata: %r\n oracle: %r" % (s_got[:300], o_got[:300])
    assert s_closed, "strata did not close the connection after a protocol error"
    assert_serving(strata)
    # nothing was stored by a half-parsed request
    assert strata.call("EXISTS", "k") == b":0\r\n"


def test_protocol_error_texts(oracle_clean):
    """Pin the exact Redis texts (so a change of the reference is noticed)."""
    expect = {
        b"*abc\r\n": b"-ERR Protocol error: invalid multibulk length\r\n",
        b"*3\r\n:1\r\n": b"-ERR Protocol error: expected '$', got ':'\r\n",
        b"*1\r\n$-1\r\n": b"-ERR Protocol error: invalid bulk length\r\n",
        b"*1\r\n$536870913\r\n": b"-ERR Protocol error: invalid bulk length\r\n",
        b'SET k "abc\r\n': b"-ERR Protocol error: unbalanced quotes in request\r\n",
        b"A" * BIG: b"-ERR Protocol error: too big inline request\r\n",
        b"*" + b"1" * BIG: b"-ERR Protocol error: too big mbulk count string\r\n",
        b"*1\r\n$" + b"1" * BIG: b"-ERR Protocol error: too big bulk count string\r\n",
    }
    for data, reply in expect.items():
        got, closed = exchange(oracle_clean, data)
        assert (got, closed) == (reply, True), data[:40]


def test_many_protocol_errors_then_still_serving(pair):
    strata, oracle = pair
    for _ in range(50):
        got, closed = exchange(strata, b"*1\r\n$-1\r\n", timeout=2)
        assert closed and got == b"-ERR Protocol error: invalid bulk length\r\n"
    assert_serving(strata)


def test_bulk_limit_follows_proto_max_bulk_len(strata_factory, redis_factory):
    """With proto-max-bulk-len 1mb: a 1mb argument is fine, 1mb+1 is not."""
    args = ["--proto-max-bulk-len", "1048576"]
    s = strata_factory(args)
    o = redis_factory(args)
    one_mb = b"x" * 1048576
    for srv in (s, o):
        with srv.client() as c:
            assert c.call("SET", "big", one_mb) == b"+OK\r\n"
            assert c.call("STRLEN", "big") == b":1048576\r\n"
            # string-growing commands respect the limit too
            assert c.call("APPEND", "big", "y").startswith(b"-ERR string exceeds maximum allowed size")
            assert c.call("SETRANGE", "big", 1048576, "y").startswith(b"-ERR string exceeds maximum allowed size")
    s_got = exchange(s, b"*1\r\n$1048577\r\n")
    o_got = exchange(o, b"*1\r\n$1048577\r\n")
    assert o_got == (b"-ERR Protocol error: invalid bulk length\r\n", True)
    assert s_got == o_got
    assert_serving(s)


def test_client_query_buffer_limit(strata_factory, redis_factory):
    """A request bigger than client-query-buffer-limit gets the connection
    closed (Redis sends no reply) and stores nothing; the server lives on."""
    args = ["--client-query-buffer-limit", "1mb"]
    s = strata_factory(args)
    o = redis_factory(args)
    value = b"v" * (3 * 1024 * 1024)
    data = encode_command("SET", "toolong", value)
    res = {}
    for name, srv in (("strata", s), ("oracle", o)):
        res[name] = exchange(srv, data, timeout=5)
    assert res["oracle"][1], "reference redis did not close the connection"
    assert res["strata"][1], "strata did not close the connection"
    assert res["strata"][0] == res["oracle"][0]
    for srv in (s, o):
        assert srv.call("EXISTS", "toolong") == b":0\r\n"
        # a request under the limit is fine
        assert srv.call("SET", "ok", b"v" * 500000) == b"+OK\r\n"
    assert_serving(s)


# ---------------------------------------------------------------------------
# accepted oddities of the protocol
# ---------------------------------------------------------------------------

ODD_BUT_VALID = {
    "empty_and_negative_multibulk_are_skipped": (b"*0\r\n*-1\r\n*-5\r\nPING\r\n", 1),
    "empty_inline_lines_are_skipped": (b"\r\n\r\n\n  \r\nPING\r\n", 1),
    "inline_lf_only": (b"PING\nECHO abc\n", 2),
    "inline_quotes_and_escapes": (b'ECHO "a\\x41\\n\\t\\"b"\r\nECHO \'x y\'\r\n', 2),
    "inline_empty_quoted_arg": (b'SET k ""\r\nGET k\r\nSTRLEN k\r\n', 3),
    "inline_extra_spaces": (b"   SET    k2     v2   \r\nGET k2\r\n", 2),
    "inline_unknown_command": (b"NOSUCH a b\r\n", 1),
    "inline_wrong_arity": (b"GET\r\n", 1),
    "mixed_inline_and_multibulk": (b"SET a 1\r\n*2\r\n$4\r\nINCR\r\n$1\r\na\r\nGET a\r\n", 3),
    "multibulk_lowercase_command": (b"*1\r\n$4\r\nping\r\n", 1),
    "multibulk_zero_length_args": (b"*3\r\n$3\r\nSET\r\n$0\r\n\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n", 2),
    "multibulk_crlf_in_args": (encode_command("SET", "a\r\nb", "\r\n*1\r\n") + encode_command("GET", "a\r\nb"), 2),
}


@pytest.mark.parametrize("name", sorted(ODD_BUT_VALID))
def test_valid_oddities(pair, name):
    strata, oracle = pair
    data, n = ODD_BUT_VALID[name]
    o = exchange_replies(oracle, data, n)
    s = exchange_replies(strata, data, n)
    assert s == o, "strata: %r\noracle: %r" % (s, o)
    assert_serving(strata)


# ---------------------------------------------------------------------------
# pipelining
# ---------------------------------------------------------------------------

def _pipeline(srv, data, n, timeout=30):
    """Send data from a thread while reading n replies (no deadlock on big
    pipelines); returns the concatenated raw replies."""
    c = RespClient(srv.host, srv.port, timeout=timeout)
    err = []

    def sender():
        try:
            c.send_raw(data)
        except OSError as e:  # pragma: no cover
            err.append(e)
    t = threading.Thread(target=sender)
    t.start()
    try:
        out = []
        for _ in range(n):
            out.append(c.read_raw())
        return b"".join(out)
    finally:
        t.join(timeout)
        c.close()
        assert not err, err


def test_pipeline_10000_pings(strata):
    data = encode_command("PING") * 10000
    got = _pipeline(strata, data, 10000)
    assert got == b"+PONG\r\n" * 10000


def test_pipeline_10000_inline_pings(strata):
    got = _pipeline(strata, b"PING\r\n" * 10000, 10000)
    assert got == b"+PONG\r\n" * 10000


def test_pipeline_ordered_mixed(pair):
    """Replies of a big mixed pipeline come back in order, identical to Redis."""
    strata, oracle = pair
    cmds = []
    for i in range(3000):
        k = "k%d" % (i % 97)
        m = i % 6
        if m == 0:
            cmds.append(encode_command("SET", k, i))
        elif m == 1:
            cmds.append(encode_command("INCR", k))
        elif m == 2:
            cmds.append(encode_command("GET", k))
        elif m == 3:
            cmds.append(encode_command("APPEND", k, "x"))
        elif m == 4:
            cmds.append(encode_command("ECHO", "e%d" % i))
        else:
            cmds.append(encode_command("DEL", "k%d" % ((i * 7) % 97)))
    data = b"".join(cmds)
    o = _pipeline(oracle, data, len(cmds))
    s = _pipeline(strata, data, len(cmds))
    assert s == o


def test_pipeline_big_values(pair):
    strata, oracle = pair
    cmds = [encode_command("SET", "big%d" % i, bytes([i]) * (100000 + i)) for i in range(20)]
    cmds += [encode_command("GET", "big%d" % i) for i in range(20)]
    data = b"".join(cmds)
    assert _pipeline(strata, data, 40) == _pipeline(oracle, data, 40)


# ---------------------------------------------------------------------------
# requests split across reads
# ---------------------------------------------------------------------------

def _split_run(srv, payload, n_replies, positions, pause=0.001):
    """For every position p: send payload[:p], pause, send payload[p:], read
    n_replies replies. Returns the list of replies per position."""
    out = []
    with RespClient(srv.host, srv.port) as c:
        for p in positions:
            c.send_raw(payload[:p])
            time.sleep(pause)
            c.send_raw(payload[p:])
            out.append(b"".join(c.read_raw() for _ in range(n_replies)))
    return out


SPLIT_PAYLOADS = {
    "multibulk_set": (encode_command("SET", "key\r\n", "va\x00l\r\nue") + encode_command("GET", "key\r\n"), 2),
    "inline": (b'SET ikey "in line"\r\nGET ikey\r\n', 2),
    "mixed": (b"PING\r\n" + encode_command("ECHO", "") + b"ECHO x\n" + encode_command("INCRBY", "n", "10"), 4),
}


@pytest.mark.parametrize("name", sorted(SPLIT_PAYLOADS))
def test_split_at_every_byte(pair, name):
    strata, oracle = pair
    payload, n = SPLIT_PAYLOADS[name]
    positions = list(range(1, len(payload)))
    o = _split_run(oracle, payload, n, positions)
    s = _split_run(strata, payload, n, positions)
    for p, a, b in zip(positions, s, o):
        assert a == b, "split at byte %d (%r | %r):\n strata: %r\n oracle: %r" % (
            p, payload[:p], payload[p:], a, b)


def test_byte_by_byte(pair):
    strata, oracle = pair
    payload = (encode_command("SET", "slow", "a\r\nb") + b"GET slow\r\n"
               + encode_command("MGET", "slow", "nokey", "slow"))
    res = []
    for srv in (strata, oracle):
        with RespClient(srv.host, srv.port) as c:
            for i in range(len(payload)):
                c.send_raw(payload[i:i + 1])
                time.sleep(0.0005)
            res.append(b"".join(c.read_raw() for _ in range(3)))
    assert res[0] == res[1]


def test_large_bulk_in_small_chunks(strata):
    value = bytes(range(256)) * 4096  # 1 MiB, every byte value
    payload = encode_command("SET", "chunked", value)
    with strata.client() as c:
        for i in range(0, len(payload), 7919):
            c.send_raw(payload[i:i + 7919])
        assert c.read_raw() == b"+OK\r\n"
        got = c.call("GET", "chunked")
        assert got == b"$%d\r\n" % len(value) + value + b"\r\n"


# ---------------------------------------------------------------------------
# binary safety
# ---------------------------------------------------------------------------

BINARY_KEYS = [b"", b"\x00", b"a\x00b", b"\r\n", b"k\r\nv", b"*1\r\n$4\r\nPING\r\n", b"\xff\xfe",
               bytes(range(256)), b" ", b'"quoted"', b"x" * 1000]


def test_binary_keys_and_values(pair):
    strata, oracle = pair
    res = []
    for srv in (strata, oracle):
        out = []
        with srv.client() as c:
            for i, k in enumerate(BINARY_KEYS):
                v = k[::-1] + b"\x00\r\n" + bytes([i])
                out.append(c.call("SET", k, v))
                out.append(c.call("GET", k))
                out.append(c.call("STRLEN", k))
                out.append(c.call("EXISTS", k))
            out.append(c.call("DBSIZE"))
            out.append(c.call("MGET", *BINARY_KEYS))
        res.append(out)
    assert res[0] == res[1]
    # and the values are really what was sent
    with strata.client() as c:
        for i, k in enumerate(BINARY_KEYS):
            v = k[::-1] + b"\x00\r\n" + bytes([i])
            assert c.call("GET", k) == b"$%d\r\n" % len(v) + v + b"\r\n"


def test_empty_key(strata):
    with strata.client() as c:
        assert c.call("GET", "") == b"$-1\r\n"
        assert c.call("SET", "", "") == b"+OK\r\n"
        assert c.call("GET", "") == b"$0\r\n\r\n"
        assert c.call("EXISTS", "") == b":1\r\n"
        assert c.call("KEYS", "*") == b"*1\r\n$0\r\n\r\n"
        assert c.call("DEL", "") == b":1\r\n"
        assert c.call("DBSIZE") == b":0\r\n"


# ---------------------------------------------------------------------------
# connections
# ---------------------------------------------------------------------------

def test_quit(pair):
    strata, oracle = pair
    res = []
    for srv in (strata, oracle):
        res.append(exchange(srv, encode_command("QUIT") + encode_command("PING")))
    assert res[1] == (b"+OK\r\n", True)
    assert res[0] == res[1]
    assert_serving(strata)


def test_client_disconnect_mid_request(strata):
    """Clients that vanish in the middle of a request do not hurt the server."""
    partials = [b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc", b"*2\r\n", b"GET k", b"*1\r\n$4\r\nPI"]
    for p in partials * 5:
        s = socket.create_connection((strata.host, strata.port))
        s.sendall(p)
        s.close()
    # and with RST instead of FIN
    for p in partials:
        s = socket.create_connection((strata.host, strata.port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(p)
        s.close()
    assert_serving(strata)
    assert strata.call("EXISTS", "k") == b":0\r\n"


def test_many_concurrent_connections(strata):
    conns = [strata.client() for _ in range(200)]
    try:
        for i, c in enumerate(conns):
            c.send_command("SET", "c%d" % i, i)
        for c in conns:
            assert c.read_raw() == b"+OK\r\n"
        for i, c in enumerate(conns):
            assert c.call("GET", "c%d" % ((i + 1) % 200)) == b"$%d\r\n%d\r\n" % (
                len(str((i + 1) % 200)), (i + 1) % 200)
    finally:
        for c in conns:
            c.close()
    assert strata.call("DBSIZE") == b":200\r\n"
