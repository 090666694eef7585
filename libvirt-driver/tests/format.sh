#!/bin/sh
# make check: virtacrnd's C files are exactly as clang-format formats them
# (tools/check-format.sh).
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../../tools/check-format.sh" libvirt-driver
