#!/bin/sh
# The Service VM's side of a pre-launched VM (prelaunch.test): the
# hypervisor took a pCPU and a block of RAM for the VM before the Service VM
# booted. The Service VM must not see that CPU, must not have that RAM, and
# must not read the secret the VM left in it through /dev/mem. The VM's own
# checks arrive on the hypervisor console and are judged by the runner.
. /scenarios/lib.sh

cpus=$(grep -c '^processor' /proc/cpuinfo)
check "the Service VM sees 1 CPU (the others are the pre-launched VM's; saw $cpus)" [ "$cpus" = 1 ]
range=$(cmdline_value acrn_prelaunched_mem)
if [ -z "$range" ]; then
	not_ok "hypervisor passed acrn_prelaunched_mem= (needed to aim at the VM's RAM)"
	exit 0
fi
start=$((${range%-*}))
end=$((${range#*-}))
note "pre-launched VM RAM $range ($(((end - start) >> 20)) MiB)"
hexstart=$(printf %x "$start")
if grep -i "^ *0*$hexstart-.*System RAM" /proc/iomem >/dev/null; then
	not_ok "its RAM is not System RAM in the Service VM (/proc/iomem)"
else
	ok "its RAM is not System RAM in the Service VM (/proc/iomem)"
fi
total_kb=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)
note "Service VM MemTotal ${total_kb} kB"
# the guest wrote PRELAUNCH-SECRET-... at its guest-physical 0x1800000
page=$(((start + 0x1800000) / 4096))
dd if=/dev/mem bs=4096 skip=$page count=1 of=/tmp/secret-page 2>/tmp/dd.err
status=$?
note "dd read of the page: status $status: $(tr '\n' ' ' </tmp/dd.err)"
if grep -q PRELAUNCH-SECRET /tmp/secret-page 2>/dev/null; then
	not_ok "/dev/mem does not show the pre-launched VM's secret"
else
	ok "/dev/mem does not show the pre-launched VM's secret"
fi
dd if=/dev/zero of=/dev/mem bs=4096 seek=$page count=1 >/tmp/dd-w.out 2>&1
note "dd write to the page: status $?: $(tr '\n' ' ' </tmp/dd-w.out)"
ok "the Service VM still runs after reaching for the pre-launched VM's RAM"
exit 0
