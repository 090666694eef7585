#!/bin/sh
# The cost of a User VM's I/O, in guest TSC ticks (Bochs's TSC counts
# emulated instructions, so the numbers are stable; they say nothing about
# real hardware's exit latency): a CPUID exit the hypervisor handles and a
# PIO read that goes to the Service VM and back (hypervisor -> MSI -> HSM ->
# user-space client -> NOTIFY_REQUEST_FINISH -> hypervisor), measured by
# the test guest (tests/guests/uvm-hello.S) over 100 of each; and, from the
# Service VM, a PIO exit the hypervisor handles itself (a 0xCF8 read,
# trapped and passed through). Boots the 2-CPU platform with the
# uvm-offline-cpu and uvm-run scenarios (probe/uvm-run.c).
#   bench/uvm-ioreq.sh [--hv ELF] [--hsm KO]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
hv=${ACRN_HV_ELF:-$top/build/hypervisor/acrn.elf}
hsm=$top/build/hsm/acrn_hsm.ko
hctest=$top/build/tests/platform/kmod/acrn_hctest.ko
while [ $# -gt 0 ]; do
	case "$1" in
	--hv) hv=$2; shift 2 ;;
	--hsm) hsm=$2; shift 2 ;;
	*) echo "usage: $0 [--hv ELF] [--hsm KO]" >&2; exit 2 ;;
	esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/uvm-ioreq.XXXXXX")
trap 'rm -rf "$work"' EXIT
set -- --hv "$hv" --hsm "$hsm" --cpus 2 --scenarios uvm-offline-cpu,uvm-run --rundir "$work/run"
[ -f "$hctest" ] && set -- "$@" --hctest "$hctest"
if ! python3 "$top/tests/platform/acrn-platform" test "$@" >"$work/out.tap" 2>&1; then
	echo "uvm-ioreq: the platform run failed:" >&2
	grep -E '^not ok|^# (FAILED|serial)' "$work/out.tap" >&2 || cat "$work/out.tap" >&2
	exit 1
fi
sed -n 's/^# uvm-run: \(bench\|[0-9]* round trips\)/\1/p' "$work/out.tap"
