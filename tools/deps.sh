#!/usr/bin/env bash
# Install what strata needs to build, run and test, from Debian's packages.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

PACKAGES=(
  gcc make cmake pkg-config
  librocksdb-dev libevent-dev libzstd-dev libcmocka-dev libjemalloc-dev
  redis-server redis-tools python3 python3-redis python3-pytest
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
