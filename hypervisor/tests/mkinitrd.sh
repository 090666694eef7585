#!/bin/sh
# Build a busybox initramfs for hypervisor bring-up boots (developer tool).
# Usage: mkinitrd.sh OUT.cpio [poweroff|reboot] [hotplug] [msr]
# /init prints USERSPACE-START, a few facts the hypervisor tests care about,
# tries to write the hypervisor's memory through /dev/mem, then powers off.
# `hotplug` also takes CPU 1 offline and online twice (INIT/STARTUP to a
# running vCPU) and runs a task on it.  `msr` (needs MSR_KO=path/to/the
# Service VM kernel's msr.ko) writes the x2APIC ICR MSR while the LAPIC is
# in xAPIC mode: the write must fail (#GP -> EIO), the hypervisor survive.
set -eu
out=$1
final=${2:-poweroff}
shift $(($# < 2 ? $# : 2))
checks=" $* "
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proc" "$work/sys" "$work/dev"
cp /bin/busybox "$work/bin/busybox"
case $checks in *" msr "*) cp "${MSR_KO:?msr needs MSR_KO=path/to/msr.ko}" "$work/msr.ko" ;; esac
cat > "$work/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
echo USERSPACE-START
echo "CPUS=$(grep -c ^processor /proc/cpuinfo)"
echo "HYPERVISOR_FLAG=$(grep -c -w hypervisor /proc/cpuinfo)"
echo "VMX_FLAG=$(grep -c -w vmx /proc/cpuinfo)"
echo "MEMTOTAL=$(grep MemTotal /proc/meminfo)"
echo "CMDLINE=$(cat /proc/cmdline)"
hvmem=$(sed -n 's/.*acrn_hv_mem=\(0x[0-9a-f]*\)-.*/\1/p' /proc/cmdline)
if [ -n "$hvmem" ]; then
	off=$(($hvmem + 0x1000))
	echo "DEVMEM-WRITE at $off"
	printf 'XXXXXXXX' | dd of=/dev/mem bs=1 seek=$off count=8 conv=notrunc 2>&1 | tail -1
	echo "DEVMEM-WRITE-DONE"
fi
cpu1=/sys/devices/system/cpu/cpu1/online
if [ -e /msr.ko ]; then
	insmod /msr.ko
	echo "MSR-ICR-WRITE $(printf '\0\0\0\0\0\0\0\0' |
		dd of=/dev/cpu/0/msr bs=8 seek=$((0x830 / 8)) count=1 2>&1 | head -1)"
	echo "MSR-ICR-WRITE-DONE"
fi
if [ -n "@HOTPLUG@" ] && [ -e $cpu1 ]; then
	for round in 1 2; do
		echo 0 > $cpu1
		echo "HOTPLUG-OFF-$round cpu1=$(cat $cpu1) online=$(cat /sys/devices/system/cpu/online)"
		echo 1 > $cpu1
		echo "HOTPLUG-ON-$round cpu1=$(cat $cpu1) online=$(cat /sys/devices/system/cpu/online)"
	done
	taskset -c 1 sh -c 'echo "HOTPLUG-TASK on cpu $(sed -n "s/^[^)]*) \([^ ]* \)\{36\}\([0-9]*\).*/\2/p" /proc/self/stat)"'
fi
echo USERSPACE-END
@FINAL@ -f
INIT
hotplug=
case $checks in *" hotplug "*) hotplug=yes ;; esac
sed -i "s/@FINAL@/$final/; s/@HOTPLUG@/$hotplug/" "$work/init"
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) > "$out"
