#!/usr/bin/python3
"""The long crash run: many kill -9 cycles on one data directory.

    bash tools/build.sh release
    /usr/bin/python3 tools/crashloop.py --cycles 1000 --fsync always
    /usr/bin/python3 tools/crashloop.py --cycles 1000 --fsync everysec --threads 8
    /usr/bin/python3 tools/crashloop.py --cycles 300 --server-arg=--rocksdb-write-buffer-size --server-arg=64kb

Each cycle: writers hammer strata, SIGKILL at a random moment, restart on the
same dir, check every acknowledged write (tests/crash/crash_test.py says
exactly what is checked). One progress line per cycle. Stops at the first
cycle with a violation and keeps the work dir: data/ (after the restart),
data.at-kill/ (as the kill left it, before the restart replayed it) and
strata.log (every start, all server output). Exit status 0 / 1 violation /
2 setup problem. Ctrl-C stops the server and keeps the work dir.
"""

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "crash"))

import crash_test  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    crash_test.add_arguments(ap, cycles=1000)
    args = ap.parse_args(argv)
    if args.workdir is None:
        args.workdir = str(Path(os.environ.get("TMPDIR", "/tmp")) /
                           ("strata-crashloop-%s-%s" % (args.fsync, time.strftime("%Y%m%d-%H%M%S"))))
    t0 = time.time()
    cycles = args.cycles

    def progress(line):
        if args.quiet:
            return
        el = time.time() - t0
        eta = ""
        if line.startswith("cycle "):
            try:
                done = int(line.split()[1].split("/")[0])
                eta = "  eta %ds" % (el / done * (cycles - done))
            except (ValueError, ZeroDivisionError):
                pass
        print("[%7.1fs] %s%s" % (el, line, eta), flush=True)

    try:
        res = crash_test.run_from_args(args, progress)
    except KeyboardInterrupt:
        print("interrupted; work dir kept: %s" % args.workdir, flush=True)
        return 130
    if res.ok and not args.keep:
        shutil.rmtree(res.workdir, ignore_errors=True)
        res.kept = False
    print(res.summary(), flush=True)
    if res.setup_error:
        return 2
    if not res.ok:
        print("FIRST VIOLATION at cycle %d; everything kept in %s" % (res.cycles, res.workdir), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
