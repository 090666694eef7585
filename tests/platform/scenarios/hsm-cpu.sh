#!/bin/sh
# CPU hand-over through the HSM (issue 10): writing a CPU number to
# /sys/devices/virtual/misc/acrn_hsm/remove_cpu hot-removes that CPU from
# the Service VM and asks the hypervisor to take it (SERVICE_VM_OFFLINE_CPU).
# Today's hypervisor has no such hypercall: the write must fail with its
# -ENOTTY and CPU 1 must be back online and running tasks. Bad numbers are
# refused before anything happens. No sleeps (2 CPUs in Bochs: ~50x).
. /scenarios/lib.sh

ncpus() { grep -c '^processor' /proc/cpuinfo; }

if [ ! -f /lib/modules/acrn_hsm.ko ]; then
	skip "HSM CPU hand-over" "acrn_hsm.ko not built"
	exit 0
fi
[ -c /dev/acrn_hsm ] || insmod /lib/modules/acrn_hsm.ko
attr=/sys/devices/virtual/misc/acrn_hsm/remove_cpu
check "$attr exists" test -e $attr

# write_attr VALUE: writes VALUE to remove_cpu; prints the shell's error.
write_attr() {
	sh -c "echo $1 >$attr" 2>&1
}

for bad in 0 99 abc -1; do
	out=$(write_attr $bad)
	check "remove_cpu refuses '$bad' ($out)" sh -c "echo '$out' | grep -q 'Invalid argument'"
done

cpu1=/sys/devices/system/cpu/cpu1/online
if [ ! -e $cpu1 ]; then
	skip "remove_cpu 1" "no CPU 1 ($(ncpus) CPU(s))"
	exit 0
fi
out=$(write_attr 1)
note "echo 1 >remove_cpu: $out"
check "remove_cpu 1: the hypervisor's -ENOTTY comes back ($out)" \
	sh -c "echo '$out' | grep -q 'Inappropriate ioctl for device'"
state=$(cat $cpu1)
n=$(ncpus)
check "CPU 1 is back online after the refused hand-over (online $state, $n processors)" \
	test "$state" = 1 -a "$n" = 2
check "the HSM logged the refusal" sh -c "dmesg | grep -q 'SERVICE_VM_OFFLINE_CPU of CPU 1 failed (-25): CPU back online'"
if command -v taskset >/dev/null 2>&1; then
	out=$(timeout 5 taskset -c 1 sh -c '
		i=0
		while [ $i -lt 300 ]; do i=$((i + 1)); done
		stat=$(cat /proc/$$/stat)
		set -- ${stat##*) }
		shift 36
		echo "cpu=$1"' 2>&1)
	check "a task pinned to CPU 1 runs there ($out)" test "$out" = "cpu=1"
fi
# Twice: the CPU goes down and up again through the hypervisor's INIT/SIPI.
out=$(write_attr 1)
check "remove_cpu 1 a second time: refused the same way, CPU 1 online ($(cat $cpu1))" \
	sh -c "echo '$out' | grep -q 'Inappropriate ioctl for device' && test \$(cat $cpu1) = 1"
exit 0
