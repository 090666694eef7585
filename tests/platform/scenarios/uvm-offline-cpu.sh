#!/bin/sh
# SERVICE_VM_OFFLINE_CPU (issue 9 part 2) with two CPUs: Linux offlines CPU 1,
# the test module gives it to the hypervisor (the HSM's remove_cpu would), and
# the Service VM carries on on CPU 0: processes run, the HSM still gets
# answers, and the platform powers off cleanly. The CPU is not onlined again:
# a given-up pCPU stays with the hypervisor (as in ACRN). No sleeps.
# needs: hctest
. /scenarios/lib.sh

cpu1=/sys/devices/system/cpu/cpu1/online
if [ ! -e $cpu1 ] || [ ! -f /lib/modules/acrn_hctest.ko ]; then
	skip "SERVICE_VM_OFFLINE_CPU" "needs CPU 1 and acrn_hctest.ko"
	exit 0
fi
apic1=$(awk '/^processor/ {p = $3} /^apicid/ && p == 1 {print $3}' /proc/cpuinfo)
note "CPU 1 has APIC ID ${apic1:-unknown}"
check "offline CPU 1 in Linux" sh -c "echo 0 >$cpu1"
check "CPU 1 is offline" test "$(cat $cpu1)" = 0
hv=$(cmdline_value acrn_hv_mem)
log0=$(dmesg | wc -l)
check "insmod acrn_hctest.ko offline_apicid=$apic1" \
	insmod /lib/modules/acrn_hctest.ko hv_start=${hv%-*} hv_end=${hv#*-} offline_apicid=$apic1
dmesg | tail -n +$((log0 + 1)) | sed -n 's/.*acrn_hctest: //p' | grep -E '^(not )?ok - '
check "rmmod acrn_hctest" rmmod acrn_hctest
i=0
while [ $i -lt 2000 ]; do i=$((i + 1)); done
check "the Service VM runs on CPU 0 afterwards ($i loop rounds, $(grep -c '^processor' /proc/cpuinfo) processor online)" \
	test "$(grep -c '^processor' /proc/cpuinfo)" = 1
if [ -f /lib/modules/acrn_hsm.ko ]; then
	[ -c /dev/acrn_hsm ] && rmmod acrn_hsm
	check "insmod acrn_hsm.ko: the hypervisor still answers hypercalls" insmod /lib/modules/acrn_hsm.ko
fi
exit 0
