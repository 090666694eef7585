#!/bin/sh
# needs: userland
# A User VM's virtual interrupt controllers (issue 9): acrn-dm runs
# tests/guests' vintr-guest on CPU 1 (which acrn-dm gives to the
# hypervisor), and the guest checks from the inside, in guest TSC ticks,
# that its vLAPIC's one-shot, periodic and TSC-deadline timers interrupt it
# (HLT sleeps until they do), that self-IPIs arrive and TPR holds them back,
# that the UART's IRQ 4 from acrn-dm comes through the vIOAPIC, that the PIC
# ports are the vPIC's, that string I/O (REP OUTSB/INSB) reaches acrn-dm and
# that x2APIC mode works. Every line it prints
# on COM1 is relayed here as a check.
. /scenarios/lib.sh

guest=$(ls /usr/local/libexec/acrn/guests/vintr-guest.bzImage /usr/libexec/acrn/guests/vintr-guest.bzImage \
	2>/dev/null | head -n 1)
if [ -z "$guest" ] || ! command -v acrn-dm >/dev/null 2>&1 || [ ! -e /sys/devices/system/cpu/cpu1 ] ||
	[ ! -f /lib/modules/acrn_hsm.ko ]; then
	skip "User VM interrupts" "needs vintr-guest.bzImage, acrn-dm, CPU 1 and acrn_hsm.ko"
	exit 0
fi
[ -c /dev/acrn_hsm ] || check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
i=0
while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done

# CPU 1 (and CPU 2 with three CPUs: then the guest has two vCPUs and also
# starts the second with INIT/STARTUP and sends it an IPI)
apicid() { awk -v n="$1" '/^processor/ {p = $3} /^apicid/ && p == n {print $3}' /proc/cpuinfo; }
affinity=$(apicid 1)
args=
if [ -e /sys/devices/system/cpu/cpu2 ]; then
	affinity="$affinity,$(apicid 2)"
	args="vintr.cpus=2"
fi
note "acrn-dm --cpu_affinity $affinity (local APIC IDs) -B '$args'"
console=/tmp/vintr.console
rm -f $console
acrn-dm -m 128M --cpu_affinity "$affinity" -s 0:0,hostbridge -s 1:0,lpc -l com1,file:$console \
	-k "$guest" ${args:+-B "$args"} vintr >/tmp/vintr-dm.log 2>&1 &
dm=$!

# Wait for the guest's last line, at most 3 s of Service VM time (the guest
# needs about 20 ms of it; a lost interrupt leaves it in HLT for ever).
i=0
while ! grep -q 'vintr-guest: done' $console 2>/dev/null && kill -0 $dm 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 150 ] && break
	[ $((i % 25)) = 0 ] && note "waiting for vintr-guest ($((i * 2)) cs): $(tail -n 1 $console 2>/dev/null)"
	sleep 0.02
done
check "vintr-guest ran to its end" grep -q 'vintr-guest: done' $console
sed -n -e 's/^vintr-guest: ok [0-9]* - /ok - guest: /p' \
	-e 's/^vintr-guest: not ok [0-9]* - /not ok - guest: /p' $console
grep '^vintr-guest: ' $console | grep -v -e '^vintr-guest: ok ' -e '^vintr-guest: not ok ' |
	sed 's/^/# /'
# 33 checks, 4 more with the second vCPU: a check that silently did not run fails too
want=33
[ -n "$args" ] && want=37
check "vintr-guest: all $want checks ran and passed ($(sed -n 's/^vintr-guest: done //p' $console))" \
	grep -q "^vintr-guest: done $want passed 0 failed" $console
# one of them is printed by REP OUTSB: every line must have arrived
check "vintr-guest: $want 'ok' lines on COM1 ($(grep -c '^vintr-guest: ok ' $console))" \
	test "$(grep -c '^vintr-guest: ok ' $console)" = $want

# the guest powers off with S5: acrn-dm ends by itself
i=0
while kill -0 $dm 2>/dev/null && [ $i -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
if kill -0 $dm 2>/dev/null; then
	not_ok "acrn-dm exits after the guest's S5"
	kill $dm
else
	wait $dm
	rc=$?
	check "acrn-dm exits after the guest's S5 (status $rc)" test $rc = 0
fi
sed 's/^/# acrn-dm: /' /tmp/vintr-dm.log | tail -n 5
check "the Service VM still answers on CPU 0 alone" test "$(grep -c '^processor' /proc/cpuinfo)" = 1
exit 0
