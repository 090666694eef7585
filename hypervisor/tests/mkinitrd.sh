#!/bin/sh
# Build a busybox initramfs for hypervisor bring-up boots (developer tool).
# Usage: mkinitrd.sh OUT.cpio [poweroff|reboot]
# /init prints USERSPACE-START, a few facts the hypervisor tests care about,
# tries to write the hypervisor's memory through /dev/mem, then powers off.
set -eu
out=$1
final=${2:-poweroff}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proc" "$work/sys" "$work/dev"
cp /bin/busybox "$work/bin/busybox"
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
echo USERSPACE-END
@FINAL@ -f
INIT
sed -i "s/@FINAL@/$final/" "$work/init"
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) > "$out"
