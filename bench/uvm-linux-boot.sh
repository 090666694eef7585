#!/bin/sh
# acrn-dm's User VM against the same kernel booted natively, in guest TSC
# ticks (issue 11's benchmarks; results and method in bench/README.md):
#   boot    Debian's kernel to user space as a User VM, divided by the same
#           kernel, initramfs and command line booted natively in the
#           platform with the same RAM (160 MiB) and one CPU (target: at
#           most 1.25). Both sides: /proc/uptime when the initramfs's init
#           starts (tests/platform/uvm-guest/rc), i.e. guest time since the
#           kernel set up timekeeping; the kernel command lines of both runs
#           are printed and must be equal.
#   pio     a 16-bit read of acrn-dm's PM1a status port (0x400) from the
#           guest's user space: one I/O request answered by acrn-dm in the
#           Service VM, mean of 2000 (uvm-bench pio).
#   blk     16 MiB read sequentially in 1 MiB reads from a virtio-blk disk
#           backed by a tmpfs file of the Service VM, against the same read
#           of the same file in the Service VM (uvm-bench read).
#   rss     acrn-dm's resident memory beyond the guest-RAM memfd, from
#           /proc/PID/smaps with the guest up after its benchmarks (target:
#           under 5 MiB), with the largest mappings.
# Bochs's TSC counts emulated instructions (and jumps over time when every
# CPU halts), both kernels take it for 3.5 GHz, so the numbers do not
# depend on the host's speed or load; they say nothing about real hardware.
#   1. User VM: the 2-CPU busybox Service VM runs scenario uvm-linux with
#      uvm_linux.bench=1 (tests/platform/scenarios/uvm-linux.sh).
#   2. Native: GRUB -> hypervisor option `native` -> the same kernel image
#      with the guest's initramfs as its own (1 CPU, 160 MiB; Bochs's
#      devices instead of acrn-dm's).
#   BUILDDIR=build [KERNEL=bzimage] bench/uvm-linux-boot.sh
# KERNEL=bzimage boots the bzImage on both sides (acrn-dm's -k, the
# hypervisor's bzImage loader) instead of the uncompressed image; the
# decompression happens before timekeeping starts and is not counted.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILDDIR:-$top/build}
case "$build" in /*) ;; *) build=$top/$build ;; esac
kernel=${KERNEL:-elf}
case "$kernel" in
elf) fmt=flat uvm_kernel= ;;
bzimage) fmt=bzimage uvm_kernel=" uvm_linux.kernel=bzimage" ;;
*)
	echo "uvm-linux-boot: KERNEL must be elf or bzimage, not '$kernel'" >&2
	exit 2
	;;
esac
tool="python3 $top/tests/platform/acrn-platform"
work=$(mktemp -d "${TMPDIR:-/tmp}/uvm-linux-boot.XXXXXX")
# KEEP=1 keeps the runs' logs (serial.log, uvm.tap) in $work.
if [ "${KEEP:-0}" = 1 ]; then
	echo "uvm-linux-boot: logs kept in $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi
# The native side's words after the platform's own (console, quiet,
# acrn.ram_mb=160, acrn.cpus=1): scenario uvm-linux gives the User VM the
# same line in bench mode.
append="loglevel=6 no_timer_check tsc=reliable uvm.bench=1 uvm.mode=poweroff"

rm -rf "$work/staging"
make -C "$build" install DESTDIR="$work/staging" >/dev/null
$tool test --hv "$build/hypervisor/acrn.elf" --hsm "$build/hsm/acrn_hsm.ko" --staging "$work/staging" \
	--cpus 2 --megs 1024 --timeout 3000 --scenarios uvm-linux --rundir "$work/uvm" \
	--append "uvm_linux.bench=1$uvm_kernel" >"$work/uvm.tap" 2>&1 || true
uvm=$(sed -n 's/.*guest user space at uptime=\([0-9.]*\).*/\1/p' "$work/uvm.tap" | head -n 1)
if [ -z "$uvm" ] || grep -q '^not ok' "$work/uvm.tap"; then
	echo "uvm-linux-boot: the User VM run failed:" >&2
	grep -E '^not ok|FAILED' "$work/uvm.tap" >&2 || tail -n 20 "$work/uvm.tap" >&2
	exit 1
fi

python3 - "$top/tests/platform" "$work/native-initrd" <<'EOF'
import sys
sys.path.insert(0, sys.argv[1])
sys.dont_write_bytecode = True
from acrnplatform import kernel, uvmguest
uvmguest.build_initrd(sys.argv[2], sys.argv[1], kernel.prepare())
EOF
$tool iso -o "$work/native.iso" --hv "$build/hypervisor/acrn.elf" --hv-cmdline native \
	--kernel-format "$fmt" --megs 160 --cpus 1 --initrd "$work/native-initrd" --append "$append" \
	>/dev/null 2>&1
# The runner's checks expect the platform's own init; only the console counts.
$tool run --iso "$work/native.iso" --mode native --megs 160 --cpus 1 --rundir "$work/native" \
	>/dev/null 2>&1 || true
native=$(sed -n 's/.*UVM-LINUX: userspace reached, uptime=\([0-9.]*\).*/\1/p' "$work/native/serial.log" |
	head -n 1)
if [ -z "$native" ]; then
	echo "uvm-linux-boot: the native run gave no uptime:" >&2
	tail -n 20 "$work/native/serial.log" >&2
	exit 1
fi

# The scenario's notes, without the runner's "# uvm-linux: " prefix.
sed -n 's/^# uvm-linux: //p' "$work/uvm.tap" >"$work/uvm.notes"
uvm_cmd=$(sed -n 's/^guest Kernel command line: //p' "$work/uvm.notes" | head -n 1)
native_cmd=$(tr -d '\r' <"$work/native/serial.log" | sed -n 's/.*Kernel command line: //p' | head -n 1)
echo "kernel command line, User VM: $uvm_cmd"
echo "kernel command line, native:  $native_cmd"
if [ "$uvm_cmd" != "$native_cmd" ]; then
	echo "uvm-linux-boot: the two command lines differ" >&2
	exit 1
fi
awk -v u="$uvm" -v n="$native" -v k="$kernel" 'BEGIN {
	printf "boot (%s) kernel to user space, guest time: User VM %.2f s (%.3g TSC ticks), native %.2f s (%.3g ticks)\n",
		k, u, u * 3.5e9, n, n * 3.5e9
	printf "boot ratio User VM / native: %.2f (target <= 1.25)\n", u / n
}'
sed -n 's/^guest UVM-BENCH: pio .*reads=\([0-9]*\).*per_read=\([0-9]*\).*/pio: PM1a status read answered by acrn-dm: \2 ticks (mean of \1)/p' \
	"$work/uvm.notes"
g=$(sed -n 's/^guest UVM-BENCH: read .*bytes=\([0-9]*\) ticks=\([0-9]*\).*/\1 \2/p' "$work/uvm.notes")
s=$(sed -n 's/^service-vm UVM-BENCH: read .*bytes=\([0-9]*\) ticks=\([0-9]*\).*/\1 \2/p' "$work/uvm.notes")
echo "$g $s" | awk '{
	if (NF != 4 || $2 == 0 || $4 == 0) { print "blk: no numbers"; exit }
	gm = $1 / 1048576 / ($2 / 3.5e9); sm = $3 / 1048576 / ($4 / 3.5e9)
	printf "blk: 16 MiB sequential (MiB per second of guest time at 3.5 GHz), guest virtio-blk %.1f MiB/s (%d ticks), Service VM %.1f MiB/s (%d ticks): %.2f of the Service VM\n",
		gm, $2, sm, $4, gm / sm
}'
sed -n 's/^acrn-dm smaps: //p; s/^acrn-dm status //p' "$work/uvm.notes" | sed 's/^/rss: /'
sed -n 's/^acrn-dm rss_kb /rss: largest kB /p' "$work/uvm.notes"
