#!/bin/sh
# CPU hand-over through the HSM (issue 10): writing a CPU number to
# /sys/devices/virtual/misc/acrn_hsm/remove_cpu hot-removes that CPU from
# the Service VM and asks the hypervisor to take it (SERVICE_VM_OFFLINE_CPU,
# as upstream does to give a pCPU to User VMs). Bad numbers are refused
# before anything happens; CPU 1 is then handed over for good: the write
# succeeds, CPU 1 stays offline and the Service VM carries on with CPU 0.
# No sleeps (2 CPUs in Bochs: ~50x).
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
note "echo 1 >remove_cpu: ${out:-no error}"
check "remove_cpu 1: the hypervisor takes CPU 1 (no error)" test -z "$out"
state=$(cat $cpu1)
n=$(ncpus)
check "CPU 1 stays offline in the Service VM (online $state, $n processor(s))" \
	test "$state" = 0 -a "$n" = 1
check "the HSM logged no refusal" sh -c "! dmesg | grep -q 'SERVICE_VM_OFFLINE_CPU of CPU 1 failed'"
check "the Service VM still runs tasks on CPU 0" sh -c 'i=0; while [ $i -lt 300 ]; do i=$((i + 1)); done'
exit 0
