#!/bin/sh
# Real User VMs under systemd in the Debian Service VM (Bochs, 2 CPUs): runs
# tests/platform/uvm-systemd.test once from a build tree and prints its
# numbers. Times are Service VM seconds (its clock follows Bochs's
# instruction count; one is 50-100 s of wall time here) or emulator-s
# (tests/platform/README.md):
#   - boot -> the autostart VM running, and acrnd's start -> the same;
#   - `systemctl poweroff` (the scenario unit's) -> the hypervisor's
#     platform poweroff, with one running VM stopped gracefully on the way;
#   - resident memory of acrnd, virtacrnd and acrn-dm with one running VM.
# Needs root (the Debian image). Usage: bench/uvm-systemd.sh [BUILDDIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
make -C "$build/tests/platform" check TESTS=uvm-systemd.test >/dev/null 2>&1 || true
log=$build/tests/platform/uvm-systemd.log
if [ ! -f "$log" ] || grep -q '^not ok' "$log"; then
	echo "uvm-systemd: the platform run failed, see $log" >&2
	exit 1
fi
grep -E '# (uvm-systemd: )?bench:|^# pace:' "$log" | sed -E 's/^# (uvm-systemd: )?//' | sort -u
