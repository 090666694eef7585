#!/bin/sh
# A User VM's interrupt costs, in guest TSC ticks (Bochs's TSC counts
# emulated instructions: stable numbers that say nothing about real
# hardware): tests/guests' vintr-guest measures a self-IPI from its ICR
# write to its handler (mean of 100), and how long after its programmed
# expiry a one-shot, a periodic (5th period) and a TSC-deadline timer
# interrupt reaches its handler while the vCPU sleeps in HLT. Boots the
# 2-CPU platform with scenario uvm-vintr (acrn-dm runs the guest on CPU 1).
#   bench/uvm-vintr.sh [--hv ELF] [--builddir DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/build
hv=
while [ $# -gt 0 ]; do
	case "$1" in
	--hv) hv=$2; shift 2 ;;
	--builddir) build=$2; shift 2 ;;
	*) echo "usage: $0 [--hv ELF] [--builddir DIR]" >&2; exit 2 ;;
	esac
done
hv=${hv:-${ACRN_HV_ELF:-$build/hypervisor/acrn.elf}}
work=$(mktemp -d "${TMPDIR:-/tmp}/uvm-vintr.XXXXXX")
trap 'rm -rf "$work"' EXIT
set -- --hv "$hv" --hsm "$build/hsm/acrn_hsm.ko" --builddir "$build" --cpus 2 \
	--scenarios uvm-vintr --rundir "$work/run"
if ! python3 "$top/tests/platform/acrn-platform" test "$@" >"$work/out.tap" 2>&1; then
	echo "uvm-vintr: the platform run failed:" >&2
	grep -E '^not ok|^# (FAILED|serial)' "$work/out.tap" >&2 || cat "$work/out.tap" >&2
	exit 1
fi
sed -n 's/^# vintr-guest: bench //p' "$work/out.tap"
