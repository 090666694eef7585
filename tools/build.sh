#!/bin/sh
# Shared first half of the README's two commands: installs the Debian
# packages and builds the whole tree out of tree in build/.
# Extra arguments go to configure on the first run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./tools/install-deps.sh
autoreconf -fi
mkdir -p build
cd build
[ -f Makefile ] || ../configure "$@"
make -j"$(nproc)"
