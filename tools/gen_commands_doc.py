#!/usr/bin/python3
"""Regenerate docs/commands.md from the command table in src/commands.c.

Usage: /usr/bin/python3 tools/gen_commands_doc.py

Each row of the table names the command's proc; the file that defines the
proc is found by grepping src/. NOTES holds what the table cannot say.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTES = {
    "auth": "ACL users and the default user's requirepass",
    "acl": "SETUSER (with selectors), GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT, LOG, GENPASS, DRYRUN, "
           "SAVE, LOAD, HELP",
    "client": "ID, SETNAME, GETNAME, LIST, INFO, KILL (also by USER), UNBLOCK, PAUSE, UNPAUSE (`src/blocking.c`), REPLY, TRACKING, CACHING, GETREDIR, TRACKINGINFO (src/tracking.c), NO-EVICT (shown as flag e; the hot tier "
              "evicts keys, never clients), HELP",
    "hello": "RESP2 and RESP3; AUTH through the same password check as AUTH",
    "command": "COUNT, LIST, INFO, DOCS (with arguments, for redis-cli hints), GETKEYS, HELP",
    "blpop": "waiting and serving in `src/blocking.c`; a served waiter's command runs again",
    "brpop": "as BLPOP",
    "blmove": "waits on the source only; a timeout answers *-1 (as Redis 7.0), inside EXEC $-1",
    "brpoplpush": "as BLMOVE",
    "blmpop": "as BLPOP",
    "bzpopmin": "waiting and serving in `src/blocking.c`",
    "bzpopmax": "as BZPOPMIN",
    "bzmpop": "as BZPOPMIN",
    "config": "GET, SET, RESETSTAT, REWRITE, HELP",
    "flushdb": "ASYNC and SYNC are both instant (range deletion)",
    "flushall": "ASYNC and SYNC are both instant (range deletion)",
    "unlink": "same as DEL: deleting is O(1) per key",
    "rename": "O(1) for strings; O(elements) for other types (elements are re-keyed)",
    "shutdown": "every write is already durable; NOSAVE/SAVE/NOW/FORCE accepted",
    "save": "writes a RocksDB checkpoint to checkpoint-dir",
    "bgsave": "writes a RocksDB checkpoint at once (hard links); SCHEDULE accepted",
    "copy": "O(1) for strings; O(elements) for other types",
    "move": "O(1) for strings; O(elements) for other types",
    "object": "ENCODING (what Redis 7.0 would report), REFCOUNT, IDLETIME and FREQ (from the hot tier; "
              "not an access), HELP",
    "memory": "USAGE (hot-tier entry, plus an estimate of a compound value's elements from SAMPLES), STATS "
              "(hot-tier figures), DOCTOR, MALLOC-STATS (jemalloc's report), PURGE, HELP",
    "zrank": "O(min(rank, N - rank)): counted by walking the score index",
    "zrevrank": "O(min(rank, N - rank)): counted by walking the score index",
    "linsert": "O(N): shifts the shorter side",
    "lrem": "O(N)",
}

ROW = re.compile(r'^\s*\{"([a-z]+)",\s*(\w+)Command,\s*(-?\d+),[^"]*"(\w+)",\s*"([\d.]+)"')


def main():
    table = (ROOT / "src" / "commands.c").read_text()
    sources = {p: p.read_text() for p in sorted((ROOT / "src").glob("*.c"))}
    rows = []
    for line in table.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        name, proc, arity, group, since = m.groups()
        where = next((p.name for p, text in sources.items()
                      if re.search(r"^void %sCommand\(" % proc, text, re.M)), "?")
        rows.append((group, name, arity, where, NOTES.get(name, "")))
    rows.sort()
    out = ["# Command table", "",
           "Every command strata implements, the file that holds its code, and notes.",
           "Replies and error strings follow Redis 7.0; a command not listed answers",
           "`-ERR unknown command`. Generated from `src/commands.c` by",
           "`tools/gen_commands_doc.py`: edit the table (or the script's notes), then",
           "run the script.", "",
           "| command | group | arity | file | notes |", "| --- | --- | --- | --- | --- |"]
    for group, name, arity, where, note in rows:
        out.append("| %s | %s | %s | `src/%s` | %s |" % (name.upper(), group, arity, where, note))
    (ROOT / "docs" / "commands.md").write_text("\n".join(out) + "\n")
    print("docs/commands.md: %d commands" % len(rows))


if __name__ == "__main__":
    main()
