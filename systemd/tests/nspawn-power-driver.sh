#!/bin/sh
# Runs INSIDE the systemd-nspawn container booted by nspawn.sh for
# nspawn-power.sh: Service VM power coordination with the REAL logind and
# machined (systemd as PID 1).  The device models are the acrn-dm stand-in
# (/usr/local/libexec/acrn-dm-standin, a TEST DOUBLE for acrn-dm: no
# hypervisor in the container); its guest behaviour is chosen per VM with
# standin.* tokens.  Writes TAP lines to /acrn-results/tap, then shuts the
# container down the way /acrn-results/mode says:
#   logind   `systemctl poweroff` (logind's PrepareForShutdown path)
#   target   `systemctl start poweroff.target` (bypasses logind: acrnd
#            sees only SIGTERM while systemd's state is "stopping")
# nspawn-power-hook.sh checks on the host what survives the poweroff: the
# state directory (bind-mounted) and the stand-ins' logs and acrnd's
# journal, which acrn-test-collect.service copies out after acrnd stopped.
set -u
out=/acrn-results/tap
mode=$(cat /acrn-results/mode)
n=0
ok() { n=$((n + 1)); echo "ok $n - $*" >>"$out"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*" >>"$out"; }
check() { # description command...
	d=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		ok "$d"
	else
		not_ok "$d"
		head -n 10 /tmp/check.out | sed 's/^/#   /' >>"$out"
		return 1
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP" >>"$out"; }
bail() { # a step everything after depends on failed: power off now
	journalctl -b --no-pager -u acrnd.service >/acrn-results/journal.txt 2>&1
	systemctl poweroff --no-block
	exit 0
}
require() { check "$@" || bail; }
state() { acrnctl list --no-header | sed -n "s/^$1  *\([a-z]*\) .*/\1/p"; }
field() { # vm key: a field of `acrnctl list --json`
	acrnctl list --json | sed -n "s/.*\"name\": \"$1\".*\"$2\": \"\{0,1\}\([^\",}]*\).*/\1/p"
}
wait_until() { # tenths command...: poll until the command succeeds
	t=$1
	shift
	i=0
	until "$@" >/dev/null 2>&1; do
		[ $i -ge "$t" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
all_running() {
	for v in "$@"; do
		[ "$(state "$v")" = running ] || return 1
	done
}
now() { date +%s%N; }
since() { echo "$((($(now) - $1) / 1000000)) ms"; } # no awk/bc in the container

cat >"$out" <<'TAP'
# Real here: systemd (PID 1), dbus-daemon, systemd-logind, systemd-machined.
# Test doubles: acrn-dm-standin stands in for acrn-dm (no hypervisor);
# a plain file stands in for the kernel's /sys/power/state (host suspend).
TAP

# Evidence that must survive the poweroff; its stop runs after acrnd's.
systemctl start acrn-test-collect.service

# The shipped logind drop-in raises the delay limit (5 s by default).
check "logind read logind.conf.d/acrn.conf: InhibitDelayMaxUSec is 90 s" sh -c \
	'busctl get-property org.freedesktop.login1 /org/freedesktop/login1 org.freedesktop.login1.Manager InhibitDelayMaxUSec | grep -qx "t 90000000"'

# Definitions with autostart, written to the state directory before acrnd
# starts (as they would be from a previous boot).
# vm-name uuid cmdline autostart-order [host-shutdown metadata]
defvm() {
	meta="<acrn:autostart xmlns:acrn='urn:acrn:domain:1' enabled='$([ "$4" -gt 0 ] && echo yes || echo no)' order='$4'/>${5:-}"
	cat >"/var/lib/acrn/$2.xml" <<XML
<domain type='acrn'>
  <name>$1</name>
  <uuid>$2</uuid>
  <metadata>$meta</metadata>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type><kernel>/var/lib/acrn-test/bzImage</kernel><cmdline>$3</cmdline></os>
</domain>
XML
}
mkdir -p /var/lib/acrn-test
echo "stand-in kernel" >/var/lib/acrn-test/bzImage
leave="<acrn:host-shutdown xmlns:acrn='urn:acrn:domain:1' action='leave'/>"
deaf2s="<acrn:host-shutdown xmlns:acrn='urn:acrn:domain:1' action='shutdown' timeout='2'/>"
if [ "$mode" = logind ]; then
	defvm vm1 11111111-0000-4000-8000-000000000001 "standin.shutdown=delay:0.5" 1
	defvm broken 11111111-0000-4000-8000-000000000002 "standin.fail-start=no-bootable-disk" 2
	defvm vm2 11111111-0000-4000-8000-000000000003 "standin.shutdown=delay:0.5" 3
	defvm deaf 11111111-0000-4000-8000-000000000004 "standin.shutdown=ignore" 4 "$deaf2s"
	defvm keep 11111111-0000-4000-8000-000000000005 "" 5 "$leave"
	defvm idle 11111111-0000-4000-8000-000000000006 "" 0
	autostart="vm1 vm2 deaf keep"
else
	defvm vm1 11111111-0000-4000-8000-000000000001 "standin.shutdown=delay:0.5" 1
	defvm deaf 11111111-0000-4000-8000-000000000004 "standin.shutdown=ignore" 2 "$deaf2s"
	autostart="vm1 deaf"
fi
# Site settings through the unit's EnvironmentFile.
echo 'ACRND_OPTS="--autostart-delay=0.2 --host-shutdown-timeout=20"' >/etc/default/acrnd

t0=$(now)
require "systemctl start acrnd (definitions with autostart in /var/lib/acrn)" systemctl start acrnd.service
require "every autostart VM runs ($autostart)" wait_until 100 all_running $autostart
echo "autostart: $(since "$t0") from systemctl start acrnd to $autostart running" >/acrn-results/bench-autostart
if [ "$mode" = logind ]; then
	check "the VM that fails to start did not stop the others: broken is stopped, start-failed" \
		sh -c "acrnctl list --json | grep '\"name\": \"broken\"' | grep -q '\"state_reason\": \"start-failed'"
	check "idle (no autostart) stays stopped" test "$(state idle)" = stopped
fi

# machined: each device model in its own scope under machine.slice.
pid=$(field vm1 pid)
require "vm1 has a device model ($pid)" test -n "$pid" -a "$pid" != 0
check "machinectl list shows the running VMs (real systemd-machined)" sh -c \
	"machinectl list --no-legend | tee /dev/stderr | grep -c ' vm ' | grep -qx $(echo $autostart | wc -w)"
check "machinectl: vm1 is class vm, service acrn, leader = its acrn-dm ($pid)" sh -c \
	"machinectl show vm1 -p Class -p Service -p Leader | tee /dev/stderr | sort | tr '\n' ' ' | grep -qx 'Class=vm Leader=$pid Service=acrn '"
check "machinectl: the machine's UUID is the VM's" sh -c \
	"machinectl show vm1 -p Id | grep -qx 'Id=1111111100004000800000000000000[1]'"
check "vm1's acrn-dm is in machine.slice/machine-vm1.scope" grep -q 'machine.slice/machine-vm1.scope' "/proc/$pid/cgroup"
check "machine-vm1.scope: Slice=machine.slice, ordered before acrnd.service" sh -c \
	"systemctl show -p Slice -p Before machine-vm1.scope | tee /dev/stderr | tr '\n' ' ' | grep -q 'Slice=machine.slice.*acrnd.service'"

# logind: acrnd holds the delay inhibitor while VMs run.
inhibitor() { systemd-inhibit --list --no-pager --no-legend 2>/dev/null | grep 'acrnd' | grep 'User VMs running' | grep -q 'shutdown:sleep.*delay'; }
check "acrnd holds a logind delay inhibitor for shutdown:sleep (systemd-inhibit --list)" wait_until 30 inhibitor

if [ "$mode" = logind ]; then
	# systemctl stop acrnd is no host shutdown: VMs keep running.
	check "systemctl stop acrnd" systemctl stop acrnd.service
	check "vm1's device model survives it" kill -0 "$pid"
	check "machinectl still lists vm1" sh -c "machinectl list --no-legend | grep -q '^vm1 '"
	check "no host-shutdown.record was written" test ! -e /var/lib/acrn/host-shutdown.record
	check "systemctl start acrnd" systemctl start acrnd.service
	check "it re-attached vm1: running, same device model ($pid)" sh -c \
		"[ '$(field vm1 pid)' = $pid ] && [ '$(state vm1)' = running ]"
	check "the inhibitor is taken again" wait_until 30 inhibitor
	check "vm1 is still one machine with the same leader" sh -c \
		"[ \"\$(machinectl show vm1 -p Leader)\" = Leader=$pid ]"

	# A machine ends with its device model; and machinectl's own verbs.
	idle_log=/run/acrn/11111111-0000-4000-8000-000000000006.log
	check "start idle" acrnctl start idle
	check "machinectl lists idle" sh -c "machinectl list --no-legend | grep -q '^idle '"
	check "acrnctl stop --wait idle" acrnctl stop --wait --timeout 10 idle
	check "machinectl no longer lists idle" wait_until 30 sh -c "! machinectl list --no-legend | grep -q '^idle '"
	# machinectl poweroff sends SIGRTMIN+4 to the leader (systemd's
	# "power off gracefully"): acrn-dm presses the power button.
	check "start idle again" acrnctl start idle
	check "machinectl poweroff idle" machinectl poweroff idle
	check "idle is shut off gracefully (state stopped, guest-poweroff)" wait_until 50 sh -c \
		"acrnctl list --json | grep '\"name\": \"idle\"' | grep -q '\"state\": \"stopped\", \"state_reason\": \"guest-poweroff\"'"
	check "idle's stand-in logged the power button from SIGRTMIN+4" grep -q "power button pressed (SIGRTMIN+4)" $idle_log
	# machinectl terminate stops the scope: SIGTERM, also the power button
	# (SIGKILL only after the scope's stop timeout).
	check "start idle once more" acrnctl start idle
	check "machinectl terminate idle" machinectl terminate idle
	check "idle is shut off gracefully again" wait_until 50 sh -c \
		"acrnctl list --json | grep '\"name\": \"idle\"' | grep -q '\"state\": \"stopped\", \"state_reason\": \"guest-poweroff\"'"
	check "idle's stand-in logged the power button from SIGTERM" grep -q "power button pressed (SIGTERM)" $idle_log

	# Host suspend: logind's real PrepareForSleep.  Safety: only where
	# /sys/power/state is the plain file nspawn-power-hook.sh put there
	# (not sysfs) and systemd-suspend.service is masked (nspawn.sh's
	# command line), so that the host can never be suspended by this test.
	if [ "$(stat -f -c %T /sys/power/state)" = sysfs ] ||
		! systemctl is-enabled systemd-suspend.service 2>&1 | grep -q masked; then
		skip "host suspend through logind: /sys/power/state is the kernel's or systemd-suspend.service is not masked, not trying"
	else
		check "a user pauses keep before the host sleeps" acrnctl pause keep
		dbus-monitor --system "type='signal',member='VMEvent'" "type='signal',member='PrepareForSleep'" >/tmp/monitor.txt 2>&1 &
		mon=$!
		sleep 0.3
		systemctl suspend >/tmp/suspend.out 2>&1
		echo "suspend: exit $?" >>/tmp/suspend.out
		wait_until 50 grep -q 'boolean false' /tmp/monitor.txt
		sleep 0.5
		kill "$mon" 2>/dev/null
		cp /tmp/monitor.txt /acrn-results/sleep-monitor.txt
		cp /tmp/suspend.out /acrn-results/suspend.out
		if ! grep -q 'member=PrepareForSleep' /tmp/monitor.txt; then
			skip "logind emitted no PrepareForSleep in this container ($(tail -n 2 /tmp/suspend.out | tr '\n' ' '))"
		else
			ok "systemctl suspend: logind emitted PrepareForSleep(true) and (false) (real logind; the suspend itself fails in the container)"
			check "acrnd paused vm1 for the host sleep (VMEvent paused)" sh -c \
				"grep -A4 'member=VMEvent' /tmp/monitor.txt | grep -A1 '\"vm1\"' | grep -q '\"paused\"'"
			check "and resumed it after (VMEvent resumed)" sh -c \
				"grep -A4 'member=VMEvent' /tmp/monitor.txt | grep -A1 '\"vm1\"' | grep -q '\"resumed\"'"
			check "vm1 runs again" test "$(state vm1)" = running
			check "keep, paused by the user before, stays paused" test "$(state keep)" = paused
			check "the stand-in of vm1 saw pause then resume" sh -c \
				"grep -E 'guest (paused|resumed)' /run/acrn/11111111-0000-4000-8000-000000000001.log | tail -n 2 | tr '\n' ' ' | grep -q 'paused.*resumed'"
			check "the inhibitor is taken again after resume" wait_until 30 inhibitor
		fi
		check "continue keep" acrnctl continue keep
	fi
fi

journalctl -b --no-pager -u acrnd.service >/acrn-results/journal.txt 2>&1
echo done >/acrn-results/finished
# The poweroff under test; nspawn-power-hook.sh checks the outcome.
now >/acrn-results/poweroff-start
if [ "$mode" = logind ]; then
	systemctl poweroff --no-block
else
	systemctl start --no-block poweroff.target
fi
exit 0
