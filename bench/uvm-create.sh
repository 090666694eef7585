#!/bin/sh
# User VM creation and destruction rate: the uvm-lifecycle scenario's 1000
# rounds of open /dev/acrn_hsm, CREATE_VM (with its I/O request page),
# START_VM, PAUSE_VM, DESTROY_VM, close, from a Service VM process through
# the HSM to the hypervisor's hypercalls, on the 1-CPU platform. Prints the
# Service VM TSC ticks per round (Bochs's TSC counts emulated instructions,
# so the number is stable across hosts; it says nothing about the exit
# latency of real hardware) and the hypervisor's free pages and VPIDs
# before and after (they must match).
#   bench/uvm-create.sh [--hv ELF] [--hsm KO]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
hv=${ACRN_HV_ELF:-$top/build/hypervisor/acrn.elf}
hsm=$top/build/hsm/acrn_hsm.ko
while [ $# -gt 0 ]; do
	case "$1" in
	--hv) hv=$2; shift 2 ;;
	--hsm) hsm=$2; shift 2 ;;
	*) echo "usage: $0 [--hv ELF] [--hsm KO]" >&2; exit 2 ;;
	esac
done
work=$(mktemp -d "${TMPDIR:-/tmp}/uvm-create.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! python3 "$top/tests/platform/acrn-platform" test --hv "$hv" --hsm "$hsm" --cpus 1 \
	--scenarios uvm-lifecycle --rundir "$work/run" >"$work/out.tap" 2>&1; then
	echo "uvm-create: the platform run failed:" >&2
	grep -E '^not ok|^# (FAILED|serial)' "$work/out.tap" >&2 || cat "$work/out.tap" >&2
	exit 1
fi
sed -n 's/^# uvm-lifecycle: bench \(.*\)/\1/p' "$work/out.tap"
grep -o "free pages [0-9]* -> [0-9]*, free VPIDs [0-9]* -> [0-9]*" "$work/out.tap" | head -n 1
