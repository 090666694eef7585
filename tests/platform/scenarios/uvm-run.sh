#!/bin/sh
# A User VM runs (issue 9, the notification of issue 10): CPU 1 is offlined
# and given to the hypervisor through the HSM's remove_cpu (unless an earlier
# scenario of this boot did it), then probe/uvm-run runs the test guest
# tests/guests/uvm-hello.S on it through the HSM's ioctls: greeting, PIO and
# MMIO values, pause/resume, power-off, reset, destroy, 20 more
# create/run/destroy rounds with the hypervisor's free pages and VPIDs
# compared; then fd-guest with an ioeventfd and an irqfd, and 100 kill -9
# of a process whose VM runs (VM table, pages, VPIDs, pins all back). The
# HSM's requests come from the notification device's MSI:
# the scenario checks the PCI function is bound and /proc/interrupts grows.
# needs: uvm-run
. /scenarios/lib.sh

cpu1=/sys/devices/system/cpu/cpu1/online
if [ ! -e $cpu1 ] || [ ! -f /lib/modules/acrn_hsm.ko ]; then
	skip "User VM run" "needs CPU 1 and acrn_hsm.ko"
	exit 0
fi
[ -c /dev/acrn_hsm ] || check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
i=0
while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done

dev=$(grep -il "^PCI_ID=ACA0:0001" /sys/bus/pci/devices/*/uevent 2>/dev/null | head -n 1)
check "the hypervisor's notification function is on PCI bus 0 (${dev:-none})" test -n "$dev"
drv=$(readlink "${dev%/uevent}/driver" 2>/dev/null)
check "the HSM's PCI driver is bound to it (${drv##*/})" test "${drv##*/}" = acrn_hsm_notify
check "its MSI is in /proc/interrupts" grep -q acrn_hsm /proc/interrupts

# the pCPU the User VM gets: pCPU 1 (CPU 1), given up once per boot
if [ "$(cat $cpu1)" = 1 ]; then
	check "remove_cpu 1: CPU 1 given to the hypervisor" \
		sh -c 'echo 1 >/sys/devices/virtual/misc/acrn_hsm/remove_cpu'
else
	note "CPU 1 is already offline (given up by an earlier scenario)"
fi
log0=$(dmesg | wc -l)
uvm-run /usr/share/acrn-tests/uvm-hello.elf 0x2 20 /usr/share/acrn-tests/fd-guest.elf 100
note "uvm-run exit status $?"
check "the Service VM still answers on CPU 0" test "$(grep -c '^processor' /proc/cpuinfo)" = 1
if dmesg | tail -n +$((log0 + 1)) | grep -E "WARNING|BUG|Oops" >/tmp/uvm-run-dmesg; then
	not_ok "kernel log: no WARNING/BUG/Oops"
	sed 's/^/# /' /tmp/uvm-run-dmesg | head -n 20
else
	ok "kernel log: no WARNING/BUG/Oops"
fi
exit 0
