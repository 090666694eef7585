#!/bin/sh
# The README's test command: installs dependencies, builds everything out of
# tree in build/, runs every test (unit, integration, Bochs platform) and
# `make distcheck`. Exits non-zero on any failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tools/build.sh
cd build

status=0
start=$(date +%s)
# tools/test-timer records each test's wall time for the summary.
make -j"$(nproc)" check TESTS_ENVIRONMENT="$top/tools/test-timer" || status=$?
echo "run-tests: make check took $(($(date +%s) - start)) s"
"$top/tools/test-summary.sh" . > test-summary.txt || true
cat test-summary.txt
if [ "$status" -ne 0 ]; then
	echo "run-tests: make check failed" >&2
	exit "$status"
fi

if [ "${SKIP_DISTCHECK:-0}" != 1 ]; then
	make -j"$(nproc)" distcheck
fi
echo "run-tests: all tests passed; make check totals:"
# The totals again as the closing line, after distcheck's output.
tail -n 1 test-summary.txt
