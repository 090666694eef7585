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
. /scenarios/lib.sh

guest=$(ls /usr/local/libexec/acrn/guests/pm-guest.bzImage 2>/dev/null)
uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
if [ -z "$guest" ] || [ ! -e /sys/devices/system/cpu/cpu1 ]; then
	skip "User VM chain" "needs pm-guest.bzImage and a second CPU"
	exit 0
fi
check "acrnd.service is active" systemctl is-active --quiet acrnd.service
check "/dev/acrn_hsm exists" test -c /dev/acrn_hsm

# expect DESCRIPTION FILE PATTERN: ok once the guest printed PATTERN into
# FILE; gives up after ~60 s of Service VM time, printing a line every 5 s
# so that the platform sees progress. On failure the scenario ends (what
# follows needs the guest running): the file's tail goes to the log.
expect() {
	i=0
	while ! grep -q "$3" "$2" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			not_ok "$1"
			tail -n 5 "$2" 2>&1 | sed 's/^/# guest: /'
			journalctl -b --no-pager -n 15 -u acrnd.service 2>/dev/null | sed 's/^/# journal: /'
			exit 0
		fi
		[ $((i % 25)) = 0 ] && note "waiting for '$3' in $2 ($((i / 5)) s)"
		sleep 0.2
	done
	ok "$1"
}

# must DESCRIPTION COMMAND...: check, and end the scenario if it failed
must() {
	desc=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' /tmp/check.out | head -n 20
		journalctl -b --no-pager -n 15 -u acrnd.service 2>/dev/null | sed 's/^/# journal: /'
		exit 0
	fi
}

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

state() { acrnctl list 2>/dev/null | awk -v n="$1" '$1 == n {print $2}'; }

ticks() { grep -c 'pm-guest: tick' "$1" 2>/dev/null || echo 0; }

# 1. start, console, lists, pause/continue, graceful stop
define chain1 button
must "acrnctl start chain1" acrnctl start chain1
expect "the guest prints on its COM1" /var/log/chain1.console 'hello from a User VM'
check "the guest reads the host bridge through PCI configuration I/O requests" \
	grep -q 'PCI 00:00.0 vendor 8086' /var/log/chain1.console
check "the guest gets its command line" grep -q 'command line: pm_guest.mode=button' /var/log/chain1.console
expect "the guest waits for the power button" /var/log/chain1.console 'waiting for the power button'
check "acrnctl list: chain1 running" test "$(state chain1)" = running
virsh -c "$uri" list >/tmp/virsh-list.out 2>&1
check "virsh list: chain1 running" grep -q 'chain1 *running' /tmp/virsh-list.out
expect "the guest's clock ticks" /var/log/chain1.console 'pm-guest: tick 2'
check "acrnctl pause chain1" acrnctl pause chain1
check "acrnctl list: chain1 paused" test "$(state chain1)" = paused
t0=$(ticks /var/log/chain1.console)
sleep 3
t1=$(ticks /var/log/chain1.console)
check "a paused guest does not tick ($t0 -> $t1 over 3 s)" test "$t0" = "$t1"
check "acrnctl continue chain1" acrnctl continue chain1
expect "the guest ticks again after continue" /var/log/chain1.console "pm-guest: tick $((t1 + 2))"
check "acrnctl stop chain1 (ACPI power button)" acrnctl stop chain1
expect "the guest saw the power button" /var/log/chain1.console 'power button pressed'
check "the guest powered itself off" grep -q 'powering off (S5)' /var/log/chain1.console
i=0
while [ "$(state chain1)" != stopped ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "acrnctl list: chain1 stopped" test "$(state chain1)" = stopped
virsh -c "$uri" domstate --reason chain1 >/tmp/virsh-state.out 2>&1
check "virsh domstate --reason: shut off (shutdown) ($(cat /tmp/virsh-state.out))" \
	grep -q 'shut off (shutdown)' /tmp/virsh-state.out

# 2. a guest that ignores the button: force-stop
define chain2 ignore
must "acrnctl start chain2 (CPU 1 again: the given-up pCPU is reused)" acrnctl start chain2
expect "chain2 runs and ignores the button" /var/log/chain2.console 'ignoring the power button'
check "acrnctl stop -f chain2" acrnctl stop -f chain2
check "acrnctl list: chain2 stopped" test "$(state chain2)" = stopped

# 3. kill -9 of acrn-dm: a crash; on_crash=destroy leaves it shut off
must "acrnctl start chain2 again" acrnctl start chain2
expect "chain2 runs again" /var/log/chain2.console 'pm-guest: tick 1'
pid=
for d in /proc/[0-9]*; do
	tr '\0' ' ' <$d/cmdline 2>/dev/null | grep -q '^[^ ]*acrn-dm .*chain2' && pid=${d#/proc/}
done
check "acrn-dm of chain2 found ($pid)" test -n "$pid"
kill -9 "$pid"
i=0
while [ "$(state chain2)" != stopped ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
check "acrnctl list: chain2 stopped after kill -9 of its acrn-dm" test "$(state chain2)" = stopped
virsh -c "$uri" domstate --reason chain2 >/tmp/virsh-state2.out 2>&1
check "virsh domstate --reason: shut off (crashed) ($(cat /tmp/virsh-state2.out))" \
	grep -q 'shut off (crashed)' /tmp/virsh-state2.out
check "acrnctl del chain1 chain2" acrnctl del chain1 chain2
exit 0
