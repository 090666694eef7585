#!/bin/sh
# The HSM's ioctl interface (issue 10) in the Service VM: every ioctl's
# error paths, the paths that reach the hypervisor (its error must come back
# cleanly), a 10,000-call random-argument fuzz loop, pinned memory returning
# to its starting count after close and after kill -9 of a holder, and
# afterwards a healthy Service VM and hypervisor (the module unloads, and
# loads again, which asks the hypervisor for its API version).
# needs: hsm-test
. /scenarios/lib.sh

if [ ! -f /lib/modules/acrn_hsm.ko ]; then
	skip "HSM ioctl tests" "acrn_hsm.ko not built"
	exit 0
fi
if [ ! -c /dev/acrn_hsm ]; then
	check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
fi
i=0
while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
check "/dev/acrn_hsm exists" test -c /dev/acrn_hsm

grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
VMS=/sys/kernel/debug/acrn_hsm/vms
check "debugfs shows the HSM's VMs ($VMS)" test -r $VMS

# hsm_totals: the last line of the debugfs view (open files, pinned pages).
hsm_totals() {
	tail -n 1 $VMS
}

# Only what the kernel logs from here on is judged (the boot has its own).
log0=$(dmesg | wc -l)
pins0=$(hsm-ioctl pins)
note "FOLL_PIN balance at start: $pins0; $(hsm_totals)"

# Two 2 MiB huge pages, for a hugetlbfs-backed I/O request page.
echo 2 >/proc/sys/vm/nr_hugepages 2>/dev/null
note "huge pages: $(cat /proc/sys/vm/nr_hugepages)"
hsm-ioctl errors

hsm-ioctl fuzz 10000 20261203
check "after the fuzz loop the HSM holds no file, no pinned and no leaked page ($(hsm_totals))" \
	grep -qx "open_files=0 pinned_pages=0 leaked_pages=0" $VMS

# A dispatch pass with no VM (what the hypervisor's notification will start).
check "debugfs dispatch: a request scan with no VM is harmless" \
	sh -c 'echo 1 >/sys/kernel/debug/acrn_hsm/dispatch'

# kill -9 of a process that holds the device (and would hold a VM if the
# hypervisor could create one), repeated.
kills=100
k=0
bad=0
while [ $k -lt $kills ]; do
	hsm-ioctl hold >/tmp/hold.out 2>&1 &
	pid=$!
	i=0
	while ! grep -q holding /tmp/hold.out 2>/dev/null && [ $i -lt 50 ]; do sleep 0.05; i=$((i + 1)); done
	kill -9 $pid
	wait $pid 2>/dev/null
	now=$(hsm-ioctl pins)
	if [ "$now" != "$pins0" ] || ! grep -qx "open_files=0 pinned_pages=0 leaked_pages=0" $VMS; then
		bad=$((bad + 1))
		note "after kill $k: FOLL_PIN balance $now (start $pins0), $(hsm_totals)"
	fi
	k=$((k + 1))
done
check "kill -9 of a device holder, $kills times: pins back to $pins0 and no file left each time" \
	test $bad = 0
check "FOLL_PIN balance back to its start ($pins0, now $(hsm-ioctl pins))" \
	test "$(hsm-ioctl pins)" = "$pins0"

# Health: the module unloads (nothing holds it) and loads again, which
# needs the hypervisor to answer GET_API_VERSION.
check "rmmod acrn_hsm (no file, no reference left)" rmmod acrn_hsm
check "insmod acrn_hsm.ko again: the hypervisor still answers hypercalls" \
	insmod /lib/modules/acrn_hsm.ko
check "/dev/acrn_hsm is back" test -c /dev/acrn_hsm

dmesg | tail -n +$((log0 + 1)) >/tmp/hsm-dmesg
warnings=$(grep -c -E 'WARNING:|BUG:|Oops|general protection|hung task|acrn_hsm: .*stay pinned' /tmp/hsm-dmesg)
check "kernel log since the start: no WARNING/BUG/Oops/hung task, no pages left pinned by the HSM" \
	test "$warnings" = 0
grep -E 'WARNING:|BUG:|Oops|general protection|hung task|acrn_hsm' /tmp/hsm-dmesg | tail -n 8 | sed 's/^/# /'
exit 0
