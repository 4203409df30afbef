"""Run every diff/*.txt script against strata and a real Redis, comparing the
replies byte for byte (see diffscript.py for the script format)."""

import pytest

from diffscript import Script, ScriptError, all_scripts, format_mismatches, run_script


SCRIPTS = all_scripts()


def _params():
    out = []
    for p in SCRIPTS:
        marks = []
        try:
            missing = Script(p).missing_requirements()
        except ScriptError:
            missing = []  # reported by the test itself
        if missing:
            marks.append(pytest.mark.skip(
                reason="needs %s" % ", ".join("STRATA_%s=1" % m.upper() for m in missing)))
        out.append(pytest.param(p, id=p.stem, marks=marks))
    return out


def test_scripts_exist():
    assert len(SCRIPTS) >= 10, "diff scripts missing from tests/integration/diff/"


@pytest.mark.parametrize("path", _params())
def test_script(path, strata, oracle_clean):
    try:
        script = Script(path)
    except ScriptError as e:
        pytest.fail("script parse error: %s" % e, pytrace=False)
    assert script.lines, "empty script"
    mismatches = run_script(script, strata, oracle_clean)
    if mismatches:
        pytest.fail(format_mismatches(script, mismatches), pytrace=False)


@pytest.mark.parametrize("path", _params())
def test_script_resp3(path, strata, oracle_clean):
    """The same script with every connection switched to RESP3 first: maps,
    sets, doubles, nulls and pushes compared byte for byte."""
    script = Script(path)
    if script.resp2_only:
        pytest.skip("#!resp2-only")
    mismatches = run_script(script, strata, oracle_clean, resp=3)
    if mismatches:
        pytest.fail(format_mismatches(script, mismatches), pytrace=False)


# --- the script format itself (no server needed) ---

def test_split_args_quoting():
    from diffscript import split_args
    assert split_args('SET k v') == [b"SET", b"k", b"v"]
    assert split_args('  SET   "a b"  \'c d\' ') == [b"SET", b"a b", b"c d"]
    assert split_args('SET "" x') == [b"SET", b"", b"x"]
    assert split_args(r'SET "a\x00b\r\n" "\"q\"\\"') == [b"SET", b"a\x00b\r\n", b'"q"\\']
    assert split_args(r"KEYS 'h\*llo'") == [b"KEYS", b"h\\*llo"]
    assert split_args(r"KEYS h\*llo") == [b"KEYS", b"h*llo"]
    assert split_args('SET a"b"c x') == [b"SET", b"abc", b"x"]
    assert split_args('SET "\\xff\\xFE" é') == [b"SET", b"\xff\xfe", "é".encode()]
    for bad in ['SET "a', "SET 'a", r'SET "\x1"', 'SET a\\']:
        with pytest.raises(ScriptError):
            split_args(bad)


def test_script_directives(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("#!requires types\n# comment\n\nPING\n!sort KEYS *\n!type TIME\n"
                 "!noreply-check DEBUG x\n!sleep 0.1\n!approx 5 PTTL k\n"
                 "!scanall SCAN 0 MATCH a*\n!conn c2 !sort KEYS *\n")
    s = Script(p)
    assert s.requires == ["types"]
    ls = s.lines
    assert [l.lineno for l in ls] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert ls[1].sort and ls[1].args == [b"KEYS", b"*"]
    assert ls[2].type and ls[3].noreply
    assert ls[4].sleep == 0.1 and ls[4].args == []
    assert ls[5].approx == 5 and ls[5].args == [b"PTTL", b"k"]
    assert ls[6].scanall
    assert ls[7].conn == "c2" and ls[7].sort
    p.write_text("!read\n!conn c2 !read\n!send CLIENT REPLY OFF\n")
    ls = Script(p).lines
    assert ls[0].read and ls[0].args == [] and ls[1].read and ls[1].conn == "c2"
    assert ls[2].send_only and ls[2].args == [b"CLIENT", b"REPLY", b"OFF"]
    p.write_text("#!resp2-only\nPING\n")
    assert Script(p).resp2_only and not Script(p).requires
    p.write_text("!read PING\n")
    with pytest.raises(ScriptError):
        Script(p)
    p.write_text("!bogus PING\n")
    with pytest.raises(ScriptError):
        Script(p)


def test_compare_rules():
    from conftest import parse_reply
    from diffscript import Line, compare

    def r(b):
        return parse_reply(b)[0]
    ln = Line(1, "x")
    assert compare(ln, r(b"+OK\r\n"), r(b"+OK\r\n")) is None
    assert compare(ln, r(b":1\r\n"), r(b":2\r\n"))
    ln.sort = True
    a = r(b"*2\r\n$1\r\na\r\n$1\r\nb\r\n")
    b = r(b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert compare(ln, a, b) is None
    assert compare(ln, a, r(b"*2\r\n$1\r\nb\r\n$1\r\nb\r\n"))
    ln = Line(1, "x")
    ln.type = True
    assert compare(ln, r(b"$1\r\na\r\n"), r(b"$2\r\nbb\r\n")) is None
    assert compare(ln, r(b"$1\r\na\r\n"), r(b"$-1\r\n"))
    assert compare(ln, r(b"*1\r\n:1\r\n"), r(b"*2\r\n:1\r\n:2\r\n"))
    ln = Line(1, "x")
    ln.approx = 10
    assert compare(ln, r(b":100\r\n"), r(b":95\r\n")) is None
    assert compare(ln, r(b":100\r\n"), r(b":89\r\n"))
    assert compare(ln, r(b":-2\r\n"), r(b":100\r\n"))


def test_parse_reply_nested_and_incomplete():
    from conftest import Incomplete, parse_reply
    raw = b"*3\r\n*2\r\n:1\r\n$-1\r\n*-1\r\n-ERR x\r\n+tail"
    rep, end = parse_reply(raw)
    assert end == len(raw) - len(b"+tail")
    assert rep.py() == [[1, None], None, ("ERR", b"ERR x")]
    for i in range(len(raw) - 5):
        with pytest.raises(Incomplete):
            parse_reply(raw[:i])
