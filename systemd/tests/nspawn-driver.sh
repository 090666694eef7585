#!/bin/sh
# Runs INSIDE the systemd-nspawn container booted by nspawn.sh (systemd as
# PID 1, the real system bus, logind), as the unit acrn-test-driver.service.
# Writes TAP lines to /acrn-results/tap and powers the container off.
# Paths: our files are under /usr/local (bind-mounted), the acrn-dm
# stand-in (a test double: no hypervisor in the container) is
# /usr/local/libexec/acrn-dm-standin, selected by a drop-in for acrnd.service.
set -u
out=/acrn-results/tap
n=0
ok() { n=$((n + 1)); echo "ok $n - $*" >>"$out"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*" >>"$out"; }
finish() {
	journalctl -b --no-pager -u acrnd.service -u virtacrnd.service >/acrn-results/journal.txt 2>&1
	# nspawn.sh prints the plan, after its own host-side checks.
	echo done >/acrn-results/finished
	systemctl poweroff --no-block
	exit 0
}
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
# A failed step the rest depends on: stop here rather than pile up timeouts.
require() {
	check "$@" || finish
}
# No awk: /usr/bin/awk is an alternatives link into the (empty) /etc.
state() { acrnctl list --no-header | sed -n "s/^$1  *\([a-z]*\) .*/\1/p"; }
wait_state() {
	i=0
	while [ "$(state "$1")" != "$2" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$(state "$1")" = "$2" ]
}
dm_pid() { acrnctl list --json | sed -n "s/.*\"name\": \"$1\".*\"pid\": \([0-9]*\).*/\1/p"; }

: >"$out"

# sysusers.d and tmpfiles.d ran at boot.
check "systemd-sysusers created group acrn" getent group acrn
check "/var/lib/acrn is 0750 root:acrn" sh -c 'stat -c "%a %U %G" /var/lib/acrn; [ "$(stat -c "%a %U %G" /var/lib/acrn)" = "750 root acrn" ]'
check "/run/acrn is 0755 root:root" sh -c 'stat -c "%a %U %G" /run/acrn; [ "$(stat -c "%a %U %G" /run/acrn)" = "755 root root" ]'

# D-Bus activation through the alias that `systemctl enable` creates.
check "acrnd is not running before first use" sh -c '! systemctl is-active --quiet acrnd.service'
check "systemctl enable acrnd (creates the dbus-org.acrn.Acrnd1 alias)" systemctl enable acrnd.service
check "the alias exists" test -L /etc/systemd/system/dbus-org.acrn.Acrnd1.service
require "acrnctl list activates acrnd over D-Bus" timeout 40 acrnctl list
check "acrnd.service is active (Type=notify reached READY)" systemctl is-active --quiet acrnd.service
check "acrnd reports its status with sd_notify" sh -c 'systemctl show -p StatusText acrnd.service | grep -q "StatusText=."'

# A VM, its device model spawned under acrnd's sandbox.
mkdir -p /var/lib/acrn-test
echo "stand-in kernel" >/var/lib/acrn-test/bzImage
cat >/var/lib/acrn-test/vm1.xml <<XML
<domain type='acrn'>
  <name>vm1</name>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type><kernel>/var/lib/acrn-test/bzImage</kernel><cmdline>standin.shutdown=delay:0.2</cmdline></os>
</domain>
XML
check "add a VM" acrnctl add /var/lib/acrn-test/vm1.xml
require "start it: the hardened acrnd can spawn its device model" acrnctl start vm1
require "it runs" wait_state vm1 running
pid=$(dm_pid vm1)
check "the device model has a pid ($pid)" test -n "$pid" -a "$pid" != 0

# KillMode=process: VMs survive acrnd restarts and are re-attached.
check "systemctl restart acrnd" systemctl restart acrnd.service
check "after the restart the VM still runs" wait_state vm1 running
check "with the same device model process ($pid)" test "$(dm_pid vm1)" = "$pid"
check "systemctl stop acrnd" systemctl stop acrnd.service
check "the device model survives acrnd being stopped" kill -0 "$pid"
check "the next acrnctl call re-activates acrnd, which re-attaches" wait_state vm1 running

# The bus policy on the real system bus.
check "nobody may list" setpriv --reuid=65534 --regid=65534 --clear-groups acrnctl list
check "nobody may not stop a VM (exit status 5)" sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups acrnctl stop -f vm1; [ $? -eq 5 ]'

check "graceful stop with --wait" acrnctl stop --wait --timeout 20 vm1
gone() { # pid: wait up to 5 s for the process to end (and be reaped)
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! kill -0 "$1" 2>/dev/null
}
check "the device model is gone" gone "$pid"
check "del" acrnctl del vm1
check "/var/lib/acrn is still 0750 root:acrn after acrnd ran" sh -c 'stat -c "%a %U %G" /var/lib/acrn; [ "$(stat -c "%a %U %G" /var/lib/acrn)" = "750 root acrn" ]'

# virtacrnd's socket activation, when virtacrnd is part of this build.
if [ -x /usr/local/sbin/virtacrnd ] && command -v virsh >/dev/null; then
	check "virtacrnd.service is inactive" sh -c '! systemctl is-active --quiet virtacrnd.service'
	check "enable and start the virtacrnd sockets" systemctl enable --now virtacrnd.socket virtacrnd-ro.socket virtacrnd-admin.socket
	check "rw socket /run/libvirt/virtacrnd-sock is 0666" sh -c '[ "$(stat -c %a /run/libvirt/virtacrnd-sock)" = 666 ]'
	check "admin socket is 0600" sh -c '[ "$(stat -c %a /run/libvirt/virtacrnd-admin-sock)" = 600 ]'
	check "virsh -c acrn:///system list --all activates virtacrnd" virsh -c acrn:///system list --all
	check "virtacrnd.service is active" systemctl is-active --quiet virtacrnd.service
	check "virsh -r uses the ro socket" virsh -r -c acrn:///system list --all
	check "add a VM for virsh" acrnctl add /var/lib/acrn-test/vm1.xml
	check "virsh lists it" sh -c 'virsh -c acrn:///system list --all | grep -q " vm1 "'
	check "the read-only socket refuses start" sh -c '! virsh -r -c acrn:///system start vm1'
	check "virsh start through virtacrnd and acrnd" virsh -c acrn:///system start vm1
	check "acrnctl sees it running" wait_state vm1 running
	check "virsh destroy" virsh -c acrn:///system destroy vm1
	check "acrnctl sees it stopped" wait_state vm1 stopped
	check "virsh undefine" virsh -c acrn:///system undefine vm1
else
	echo "# SKIP virtacrnd socket activation: virtacrnd not built in this tree" >>"$out"
fi

finish
