#!/bin/sh
# Golden tests of launch-script conversion (`acrnctl convert`, which is what
# `acrnctl add` sends to acrnd): for every tests/convert/NAME.sh,
#  - NAME.xml present: the output must equal it (with the UUID the golden
#    file has), and stderr must equal NAME.warnings (or be empty);
#  - otherwise the conversion must fail with exit status 7 and stderr must
#    contain the text of NAME.err.
# NAME.args holds extra arguments for the script ($1, $2, ...).
set -u
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${builddir:=.}"
acrnctl=$(cd "$builddir" && pwd)/acrnctl
work=$(mktemp -d "${TMPDIR:-/tmp}/acrnctl-golden.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$srcdir/tests/convert" || exit 1
# Relative paths in scripts resolve against this directory and ~ against
# HOME: the golden files say @DIR@ and /home/tester.
dir=$(pwd -P)
HOME=/home/tester
export HOME
n=0
failures=0
for script in *.sh; do
	name=${script%.sh}
	n=$((n + 1))
	args=""
	[ -f "$name.args" ] && args=$(cat "$name.args")
	if [ -f "$name.xml" ]; then
		uuid=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$name.xml")
		# shellcheck disable=SC2086 # args are words
		"$acrnctl" convert --uuid "$uuid" "$script" $args >"$work/out.raw" 2>"$work/err.raw"
		rc=$?
		sed "s|$dir|@DIR@|g" "$work/out.raw" >"$work/out"
		sed "s|$dir|@DIR@|g" "$work/err.raw" >"$work/err"
		if [ -f "$name.warnings" ]; then
			cp "$name.warnings" "$work/expected-err"
		else
			: >"$work/expected-err"
		fi
		if [ $rc -eq 0 ] && cmp -s "$work/out" "$name.xml" &&
			cmp -s "$work/err" "$work/expected-err"; then
			echo "ok $n - $name converts to $name.xml"
		else
			echo "not ok $n - $name (exit $rc)"
			diff -u "$name.xml" "$work/out"
			diff -u "$work/expected-err" "$work/err"
			failures=$((failures + 1))
		fi
	else
		# shellcheck disable=SC2086
		"$acrnctl" convert "$script" $args >"$work/out" 2>"$work/err"
		rc=$?
		expected=$(cat "$name.err")
		if [ $rc -eq 7 ] && [ ! -s "$work/out" ] && grep -qF -- "$expected" "$work/err"; then
			echo "ok $n - $name is rejected: $(cat "$work/err")"
		else
			echo "not ok $n - $name: exit $rc, expected 7 and an error containing: $expected"
			cat "$work/err"
			failures=$((failures + 1))
		fi
	fi
done
echo "1..$n"
[ "$failures" -eq 0 ]
