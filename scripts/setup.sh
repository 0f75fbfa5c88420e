#!/bin/sh
# Installs everything villani needs on Debian 12, as root. Idempotent and
# non-interactive: runs apt-get update once, and only when something is missing.
set -eu
PKGS="build-essential cmake ninja-build pkg-config git
libboost-dev libmpfr-dev libmpfi-dev libgmp-dev libeigen3-dev libspectra-dev
libtorch-dev catch2 libfmt-dev nlohmann-json3-dev libginac-dev libbenchmark-dev
libcli11-dev libgloo-dev libzip-dev gnuplot-nox fortunes-min fortunes clang-14 libfuzzer-14-dev
libopenblas0-pthread"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing:$missing" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
else
  echo "setup: all packages present" >&2
fi
