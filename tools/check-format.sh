#!/bin/sh
# make check: the C files of the given directories (relative to the top
# source directory) must be exactly as clang-format formats them with the
# tree's .clang-format.  Prints a diff of each file that is not.
#
# The formatting is that of clang-format 14 (Debian 12); other versions
# format some constructs differently, so the check is skipped (77) with
# them and without clang-format.
#
# FORMAT_TAP=1 reports in TAP (for automake's TAP driver): one test
# point, "1..0 # SKIP" instead of exit status 77.
#
# Files listed in FORMAT_EXCLUDE (space-separated, relative to the top
# source directory) are left out: files another branch is moving right now,
# so that the move merges cleanly.  Format them once it has.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}

skip() {
	if [ -n "${FORMAT_TAP:-}" ]; then
		echo "1..0 # SKIP $*"
		exit 0
	fi
	echo "SKIP: $*"
	exit 77
}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	skip "$CLANG_FORMAT not installed"
fi
major=$("$CLANG_FORMAT" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
[ "$major" = 14 ] || skip "clang-format $major; the tree is formatted with clang-format 14"

cd "$top_srcdir" || exit 99
status=0
checked=0
for dir in "$@"; do
	for f in $(find "$dir" -name '*.[ch]' ! -name '*-generated.[ch]' ! -name '*.mod.c' | sort); do
		case " ${FORMAT_EXCLUDE:-} " in
		*" $f "*) continue ;;
		esac
		checked=$((checked + 1))
		if ! "$CLANG_FORMAT" --style=file "$f" | diff -u "$f" - >/dev/null; then
			echo "# not formatted: $f (fix: $CLANG_FORMAT -i $f)"
			"$CLANG_FORMAT" --style=file "$f" | diff -u "$f" - | head -n 40 | sed 's/^/# /'
			status=1
		fi
	done
done
if [ -n "${FORMAT_TAP:-}" ]; then
	echo "1..1"
	[ $status = 0 ] && echo "ok 1 - $checked files formatted as .clang-format says" ||
		echo "not ok 1 - files not formatted as .clang-format says (see above)"
	exit 0
fi
echo "checked $checked files"
exit $status
