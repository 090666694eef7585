#!/bin/sh
# User VM lifecycle (issue 9 part 2) from the Service VM, through the HSM's
# ioctls to the hypervisor's hypercalls: create, start, what a running VM
# refuses, pause, resume, reset, destroy; the hypervisor's own errors passed
# back (bad vCPU registers, memory over the hypervisor, bad IRQ lines and
# MSIs, PM_GET_CPU_STATE not supported); 1000 create/start/pause/destroy
# rounds and then a full VM table (a leaked page, VPID or table slot would
# make CREATE_VM fail); afterwards the HSM unloads and loads again.
# needs: uvm-test
. /scenarios/lib.sh

if [ ! -f /lib/modules/acrn_hsm.ko ]; then
	skip "User VM lifecycle" "acrn_hsm.ko not built"
	exit 0
fi
if [ ! -c /dev/acrn_hsm ]; then
	check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
fi
i=0
while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
check "/dev/acrn_hsm exists" test -c /dev/acrn_hsm

# acrn_hv_mem=0x<start>-0x<end>: the hypervisor's range
hv=$(cmdline_value acrn_hv_mem)
hv_start=${hv%-*}
note "hypervisor range: ${hv:-unknown}"
log0=$(dmesg | wc -l)
uvm-lifecycle 1000 "${hv_start:-0}"
note "uvm-lifecycle exit status $?"

check "rmmod acrn_hsm (no VM left behind)" rmmod acrn_hsm
check "insmod acrn_hsm.ko again: the hypervisor still answers hypercalls" insmod /lib/modules/acrn_hsm.ko
if dmesg | tail -n +$((log0 + 1)) | grep -E "WARNING|BUG|Oops|DESTROY_VM failed" >/tmp/uvm-dmesg; then
	not_ok "kernel log since the start: no WARNING/BUG/Oops, no failed destroy"
	sed 's/^/# /' /tmp/uvm-dmesg | head -n 20
else
	ok "kernel log since the start: no WARNING/BUG/Oops, no failed destroy"
fi
exit 0
