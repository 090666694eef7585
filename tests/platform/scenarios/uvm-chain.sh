#!/bin/sh
# The whole chain on a real User VM, in the Debian Service VM (systemd,
# acrnd.service, the HSM loaded at boot) with two CPUs: acrnctl and stock
# virsh -> acrnd -> acrn-dm -> HSM -> hypervisor, running tests/guests'
# pm-guest (a bzImage that talks only through port I/O, so every line it
# prints is an I/O request acrn-dm answered). Checks what the guest itself
# prints on its COM1 (a file in the Service VM), not our daemons' logs:
# start, pause (its ticks stop) and continue (they go on), graceful stop
# (the guest sees the ACPI power button and powers itself off), force-stop
# of a guest that ignores the button, and kill -9 of acrn-dm seen as a
# crash. CPU 1 is given to the hypervisor by acrn-dm (--cpu_affinity 1).
# It ends with a VM running, for the Service VM's poweroff to stop.
. /scenarios/lib.sh

guest=$(ls /usr/local/libexec/acrn/guests/pm-guest.bzImage 2>/dev/null)
uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
if [ -z "$guest" ] || [ ! -e /sys/devices/system/cpu/cpu1 ]; then
	skip "User VM chain" "needs pm-guest.bzImage and a second CPU"
	exit 0
fi
check "acrnd.service is active" systemctl is-active --quiet acrnd.service
check "/dev/acrn_hsm exists" test -c /dev/acrn_hsm



# define NAME MODE: a 128 MiB VM (acrnd's minimum) on CPU 1 running pm-guest in MODE
define() {
	cat >/tmp/$1.xml <<XML
<domain type='acrn'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu cpuset='1'>1</vcpu>
  <os><type>hvm</type><kernel>$guest</kernel><cmdline>pm_guest.mode=$2</cmdline></os>
  <devices>
    <serial type='file'><source path='/var/log/$1.console'/><target port='0'/></serial>
  </devices>
  <on_crash>destroy</on_crash>
</domain>
XML
	rm -f /var/log/$1.console
	must "acrnctl add $1 (pm-guest, mode $2)" acrnctl add /tmp/$1.xml
}



ticks() { grep -c 'pm-guest: tick' "$1" 2>/dev/null || echo 0; }

# 1. start, console, lists, pause/continue, graceful stop
define chain1 button
must "acrnctl start chain1" acrnctl start chain1
expect "the guest prints on its COM1" /var/log/chain1.console 'hello from a User VM'
check "the guest reads the host bridge through PCI configuration I/O requests" \
	grep -q 'PCI 00:00.0 vendor 1275 device 1275' /var/log/chain1.console
check "the guest gets its command line" grep -q 'command line: pm_guest.mode=button' /var/log/chain1.console
expect "the guest waits for the power button" /var/log/chain1.console 'waiting for the power button'
check "acrnctl list: chain1 running" test "$(state chain1)" = running
virsh -c "$uri" list >/tmp/virsh-list.out 2>&1
check "virsh list: chain1 running" grep -q 'chain1 *running' /tmp/virsh-list.out
expect "the guest's clock ticks" /var/log/chain1.console 'pm-guest: tick 2'
check "acrnctl pause chain1" acrnctl pause chain1
check "acrnctl list: chain1 paused" test "$(state chain1)" = paused
t0=$(ticks /var/log/chain1.console)
busy_wait_cs 20
t1=$(ticks /var/log/chain1.console)
check "a paused guest does not tick ($t0 -> $t1 while a running one would have ticked ~5 times)" \
	test "$t0" = "$t1"
check "acrnctl continue chain1" acrnctl continue chain1
expect "the guest ticks again after continue" /var/log/chain1.console "pm-guest: tick $((t1 + 2))"
check "acrnctl stop chain1 (ACPI power button)" acrnctl stop chain1
expect "the guest saw the power button" /var/log/chain1.console 'power button pressed'
check "the guest powered itself off" grep -q 'powering off (S5)' /var/log/chain1.console
wait_state chain1 stopped
check "acrnctl list: chain1 stopped" test "$(state chain1)" = stopped
virsh -c "$uri" domstate --reason chain1 >/tmp/virsh-state.out 2>&1
check "virsh domstate --reason: shut off (shutdown) ($(cat /tmp/virsh-state.out))" \
	grep -q 'shut off (shutdown)' /tmp/virsh-state.out

note "what chain1 printed on its COM1:"
sed 's/^/#   /' /var/log/chain1.console

# 2. a guest that ignores the button: force-stop
define chain2 ignore
must "acrnctl start chain2 (CPU 1 again: the given-up pCPU is reused)" acrnctl start chain2
expect "chain2 runs and ignores the button" /var/log/chain2.console 'ignoring the power button'
check "acrnctl stop -f chain2" acrnctl stop -f chain2
check "acrnctl list: chain2 stopped" test "$(state chain2)" = stopped

# 3. kill -9 of acrn-dm: a crash; with on_crash=destroy acrnd's state is
# crashed (no device model left), which libvirt calls shut off (crashed)
must "acrnctl start chain2 again" acrnctl start chain2
expect "chain2 runs again" /var/log/chain2.console 'pm-guest: tick 1'
pid=
for d in /proc/[0-9]*; do
	# builtins only: forks are slow in emulation; chain2's is the only acrn-dm
	read -r comm <$d/comm 2>/dev/null && [ "$comm" = acrn-dm ] && pid=${d#/proc/}
done
check "acrn-dm of chain2 found ($pid)" test -n "$pid"
kill -9 "$pid"
wait_state chain2 crashed
check "acrnctl list: chain2 crashed after kill -9 of its acrn-dm" test "$(state chain2)" = crashed
[ "$(state chain2)" = crashed ] ||
	journalctl -b --no-pager -n 20 -u acrnd.service | sed 's/^/# journal: /'
virsh -c "$uri" domstate --reason chain2 >/tmp/virsh-state2.out 2>&1
check "virsh domstate --reason: shut off (crashed) ($(cat /tmp/virsh-state2.out))" \
	grep -q 'shut off (crashed)' /tmp/virsh-state2.out
check "acrnctl del chain1 chain2" acrnctl del chain1 chain2

# 4. a VM left running: the scenario unit's `systemctl poweroff` then goes
# through acrnd's logind delay lock, which stops it gracefully before the
# Service VM goes down (tools/run-demo.sh shows its console from the disk
# image afterwards; uvm-systemd.test checks the same on the image)
define chain3 button
must "acrnctl start chain3 (left running for the Service VM's poweroff)" acrnctl start chain3
expect "chain3 waits for its power button" /var/log/chain3.console 'waiting for the power button'
acrnctl list 2>&1 | sed 's/^/# acrnctl list: /'
virsh -c "$uri" list 2>&1 | sed 's/^/# virsh list: /'
exit 0
