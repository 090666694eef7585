#!/bin/sh
# The platform suite on a slow, busy host: every Bochs run held to a
# fraction of a core by a CPU-quota cgroup (root needed), then each test's
# wall time and, per Bochs run, the CPU it got and the emulator seconds it
# used. The suite must pass: its limits are in emulator seconds (Bochs CPU
# time / this host's speed factor), not wall time.
#   bench/platform-slow.sh [-q QUOTA] [BUILDDIR]    (QUOTA default 0.33)
# For the whole README test command under the same quota:
#   ACRN_PLATFORM_CPU_QUOTA=0.33 sh tools/run-tests.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
quota=0.33
if [ "${1:-}" = -q ]; then
	quota=$2
	shift 2
fi
build=${1:-$top/build}
[ -f "$build/tests/platform/Makefile" ] || { echo "usage: $0 [-q QUOTA] [BUILDDIR] (a configured build)" >&2; exit 2; }
cd "$build/tests/platform"
rm -f ./*.time
start=$(date +%s)
status=0
ACRN_PLATFORM_CPU_QUOTA=$quota make -j"$(nproc)" check TESTS_ENVIRONMENT="$top/tools/test-timer" \
	>platform-slow.out 2>&1 || status=$?
echo "platform suite, every Bochs at $quota of a core: $(($(date +%s) - start)) s wall, make check status $status"
for log in *.log; do
	[ "$log" = test-suite.log ] && continue
	sed -n "s/^# pace: /${log%.log}: /p" "$log"
done
"$top/tools/test-summary.sh" . | grep -v '^====.*failures' | tail -n 20
exit "$status"
