#!/usr/bin/env bash
# Install what is missing, build (release and ASan+UBSan), and run every
# test: cmocka unit tests, then the integration suite (redis-py, redis-cli,
# differential against a real redis-server, persistence and kill -9) against
# both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh

PY=/usr/bin/python3
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# RocksDB and libevent are not built with ASan; their allocations are not ours to judge.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"

echo "== release build"
tools/build.sh release
echo "== unit tests (release)"
ctest --test-dir build --output-on-failure
echo "== integration and crash tests (release)"
STRATA_SERVER="$PWD/build/strata-server" $PY -m pytest -q tests/integration tests/crash

echo "== ASan+UBSan build"
tools/build.sh asan
echo "== unit tests (sanitizers)"
ctest --test-dir build-asan --output-on-failure
echo "== integration and crash tests (sanitizers)"
STRATA_SERVER="$PWD/build-asan/strata-server" STRATA_SANITIZED=1 $PY -m pytest -q tests/integration tests/crash
