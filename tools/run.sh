#!/usr/bin/env bash
# Install what is missing, build, and start strata in the foreground with
# conf/strata.conf (port 6379, data in ./strata-data). Extra arguments are
# passed to the server, e.g. tools/run.sh --port 7000
set -euo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh
tools/build.sh release
exec build/strata-server conf/strata.conf "$@"
