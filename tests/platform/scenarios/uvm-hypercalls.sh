#!/bin/sh
# The User VM hypercalls made directly from a kernel module (acrn_hctest.ko,
# tests/platform/kmod) with what the HSM never passes: pointers into the
# hypervisor (acrn_hv_mem= on the command line), unaligned or outside RAM,
# reserved fields, unknown VM ids, wrong states, double destroy - each with
# ACRN's error - then 1000 create/set-up/start/pause/destroy rounds. The
# module prints TAP lines to the kernel log; this passes them on.
# needs: hctest
. /scenarios/lib.sh

if [ ! -f /lib/modules/acrn_hctest.ko ]; then
	skip "hypercall test module" "acrn_hctest.ko not built"
	exit 0
fi
hv=$(cmdline_value acrn_hv_mem)
if [ -z "$hv" ]; then
	not_ok "acrn_hv_mem= on the kernel command line"
	exit 0
fi
log0=$(dmesg | wc -l)
check "insmod acrn_hctest.ko hv_start=${hv%-*} hv_end=${hv#*-} rounds=1000" \
	insmod /lib/modules/acrn_hctest.ko hv_start=${hv%-*} hv_end=${hv#*-} rounds=1000
dmesg | tail -n +$((log0 + 1)) | sed -n 's/.*acrn_hctest: //p' | grep -E '^(not )?ok - '
dmesg | tail -n +$((log0 + 1)) | grep -q "acrn_hctest: done, 0 failed" &&
	ok "the module finished with no failed check" ||
	not_ok "the module finished with no failed check"
check "rmmod acrn_hctest" rmmod acrn_hctest
# the hypervisor still answers the HSM afterwards
if [ -f /lib/modules/acrn_hsm.ko ] && [ ! -c /dev/acrn_hsm ]; then
	check "insmod acrn_hsm.ko after the hypercall tests" insmod /lib/modules/acrn_hsm.ko
fi
exit 0
