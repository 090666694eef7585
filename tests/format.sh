#!/bin/sh
# make check: every C file of the tree (each component's sources, tests,
# test doubles and benches; not generated code) is exactly as clang-format
# formats it with the tree's .clang-format (tools/check-format.sh).
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
cd "$top" || exit 99
# Every top-level directory that holds C sources, except build trees (an
# in-tree build/ or distcheck's _build/ hold only generated files).
dirs=
for d in */; do
	d=${d%/}
	case "$d" in
	build | build-* | _build | _inst | autom4te.cache) continue ;;
	esac
	[ -n "$(find "$d" -name '*.[ch]' -print -quit)" ] && dirs="$dirs $d"
done
# shellcheck disable=SC2086
exec "$top/tools/check-format.sh" $dirs
