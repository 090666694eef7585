#!/bin/sh
# Service VM power benchmark under a real systemd (systemd-nspawn, as in
# systemd/tests/nspawn.sh; needs root), with the acrn-dm stand-in (a TEST
# DOUBLE for acrn-dm; its guests power off 0.2 s after the power button):
#   autostart_ms        `systemctl start acrnd` until every autostart VM runs
#   ready_ms            ... until acrnd reported READY (systemctl returned)
#   poweroff_to_off_ms  `systemctl poweroff` until the container is off
#                       (logind PrepareForShutdown, acrnd's parallel graceful
#                       stop, the rest of the container's shutdown)
# for 1 and 4 autostart VMs, REPEAT times each (default 3).
#
# Usage: top_builddir=build top_srcdir=. bench/svm-power.sh [REPEAT]
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$here/..}"
: "${top_builddir:=$top_srcdir/build}"
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
export srcdir=$top_srcdir/systemd
repeat=${1:-3}
for n in 1 4; do
	i=1
	while [ $i -le "$repeat" ]; do
		BENCH_N=$n NSPAWN_DRIVER=$here/svm-power-driver.sh NSPAWN_HOOK=$here/svm-power-hook.sh \
			sh "$srcdir/tests/nspawn.sh" >/tmp/svm-power-bench.$$ 2>&1
		st=$?
		grep '^# bench' /tmp/svm-power-bench.$$ || { echo "run failed (exit $st):"; cat /tmp/svm-power-bench.$$; }
		grep '^not ok' /tmp/svm-power-bench.$$
		i=$((i + 1))
	done
done
rm -f /tmp/svm-power-bench.$$
