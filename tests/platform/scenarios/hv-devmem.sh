#!/bin/sh
# A guest-triggered bad access: the Service VM writes to the hypervisor's own
# memory through /dev/mem. Debian's CONFIG_STRICT_DEVMEM refuses RAM but
# allows reserved ranges, so the write may reach the hypervisor's EPT, which
# must not map that memory. Whatever happens to dd, the hypervisor must stay
# up: the runner then checks that the boot continues and powers off cleanly.
. /scenarios/lib.sh

hv_mem=$(cmdline_value acrn_hv_mem)
if [ -z "$hv_mem" ]; then
	not_ok "hypervisor passed acrn_hv_mem= (needed to aim the write)"
	exit 0
fi
hv_start=$((${hv_mem%-*}))
page=$((hv_start / 4096))
note "writing one page of zeros to /dev/mem at $(printf 0x%x "$hv_start")"
dd if=/dev/zero of=/dev/mem bs=4096 seek=$page count=1 >/tmp/dd.out 2>&1
status=$?
note "dd write: exit status $status: $(tr '\n' ' ' </tmp/dd.out)"
dd if=/dev/mem bs=4096 skip=$page count=1 2>/tmp/dd-read.err | od -A x -t x1 | head -n 3 >/tmp/dd-read.out
note "dd read back: $(tr '\n' ' ' </tmp/dd-read.err)"
sed 's/^/# /' /tmp/dd-read.out
dmesg | tail -n 8 | sed 's/^/# dmesg: /'
ok "Service VM still runs after writing to hypervisor memory (dd status $status)"
exit 0
