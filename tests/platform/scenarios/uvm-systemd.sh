#!/bin/sh
# The systemd side of real User VMs, in the Debian Service VM with two CPUs
# (one pCPU for User VMs, so one runs at a time), checked on what the guest
# itself prints (tests/guests' pm-guest on a COM1 file or pty), acrnctl
# list, virsh domstate --reason, virsh event, machinectl and systemd:
#
# - autostart at boot: the image carries two definitions (uvm-systemd.root):
#   as-broken (order 1, its kernel is missing) fails and is reported, and
#   as-good (order 2) starts anyway;
# - machinectl list shows the VM; `systemctl restart acrnd` while it runs
#   leaves the guest ticking and acrnd re-attached;
# - reset through acrnctl and virsh (the guest boots again);
# - guest S3 through acrnctl suspend/resume (pm-guest enters S3 with a
#   real-mode waking vector and says so when it runs there);
# - machinectl poweroff presses the power button;
# - virsh define/start/console/shutdown of a VM with a pty console, and
#   virsh event --loop seeing all of it;
# - an upstream-style launch script imported with acrnctl add, started,
#   stopped through the power button and deleted;
# - a Service VM suspend through the real logind (systemctl suspend with
#   systemd-suspend.service masked, so that nothing really sleeps): acrnd
#   (--host-sleep=suspend) puts the guest into S3 and wakes it again;
# - at the end a VM is left running: the scenario unit's `systemctl
#   poweroff` must make acrnd shut it down gracefully before the Service VM
#   goes; uvm-systemd.test reads the proof from the disk image afterwards.
. /scenarios/lib.sh

guest=/usr/local/libexec/acrn/guests/pm-guest.bzImage
uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
if [ ! -f "$guest" ] || [ ! -e /sys/devices/system/cpu/cpu1 ]; then
	skip "User VMs under systemd" "needs pm-guest.bzImage and a second CPU"
	exit 0
fi



reason() { acrnctl list --json 2>/dev/null | tr '{' '\n' | sed -n "s/.*\"name\": \"$1\".*\"state_reason\": \"\([^\"]*\)\".*/\1/p"; }
ticks() { grep -c 'pm-guest: tick' "$1" 2>/dev/null || echo 0; }
# dm_pid NAME: the pid of the VM's acrn-dm, as acrnd reports it
dm_pid() { acrnctl list --json 2>/dev/null | tr '{' '\n' | sed -n "s/.*\"name\": \"$1\".*\"pid\": \([0-9]*\)}.*/\1/p"; }
# leader NAME: the machine's leader process, as machined reports it
leader() { machinectl show "$1" -p Leader --value 2>/dev/null; }


# domstate NAME: virsh domstate --reason
domstate() { virsh -c "$uri" domstate --reason "$1" 2>&1 | sed '/^$/d'; }
# matches STRING PATTERN: a shell pattern match, for check
matches() {
	case "$1" in $2) return 0 ;; esac
	return 1
}

check "acrnd.service is active" systemctl is-active --quiet acrnd.service
# Every lifecycle event from here on, as a libvirt client sees it.
virsh -c "$uri" event --event lifecycle --loop >/tmp/events.out 2>&1 &
events_pid=$!

# 1. Autostart at boot: order 1 failed, order 2 runs.
con=/var/log/as-good.console
expect "autostart at boot: as-good's guest prints on its COM1" $con 'hello from a User VM'
wait_state as-good running
check "acrnctl list: as-good running" test "$(state as-good)" = running
r=$(reason as-broken)
check "acrnctl list: as-broken stopped ($(state as-broken)), reason start-failed naming the kernel ($r)" \
	matches "$(state as-broken) $r" 'stopped start-failed:*no-such-kernel*'
s=$(domstate as-broken)
check "virsh domstate --reason as-broken: shut off (failed) ($s)" matches "$s" 'shut off (failed)'
journalctl -b -o short-monotonic --no-pager -u acrnd.service >/tmp/acrnd.journal 2>&1
broken_at=$(grep -n "autostart of 'as-broken' failed" /tmp/acrnd.journal | head -n 1 | cut -d: -f1)
good_at=$(grep -n "autostarting VM 'as-good'" /tmp/acrnd.journal | head -n 1 | cut -d: -f1)
check "journal: as-broken (order 1) failed before as-good (order 2) was started (lines ${broken_at:-?} < ${good_at:-?})" \
	test "${broken_at:-999999}" -lt "${good_at:-0}"
# Benchmark: Service VM seconds (emulated time) from kernel start and from
# acrnd's start to the autostart VM running.
up=$(sed -n "s/^\[ *\([0-9.]*\)\] .*VM 'as-good': starting -> running.*/\1/p" /tmp/acrnd.journal | head -n 1)
acrnd_start=$(systemctl show acrnd.service -p ExecMainStartTimestampMonotonic --value)
note "bench: autostart VM running at ${up:-?} s after kernel start (Service VM time); acrnd started at $(awk -v u="$acrnd_start" 'BEGIN { printf "%.2f", u / 1e6 }') s"

# 2. systemd-machined and an acrnd restart under a running VM.
machinectl list --no-legend >/tmp/machines.out 2>&1
check "machinectl list shows as-good" grep -q '^as-good *vm *acrn' /tmp/machines.out
pid=$(dm_pid as-good)
check "as-good's acrn-dm runs ($pid)" test "$(cat /proc/${pid:-0}/comm 2>/dev/null)" = acrn-dm
check "machinectl show as-good: leader $(leader as-good) is that acrn-dm" test "$(leader as-good)" = "${pid:-none}"
check "machinectl show as-good: Class=vm Service=acrn" \
	test "$(machinectl show as-good -p Class -p Service | sort | tr '\n' ' ')" = "Class=vm Service=acrn "
# The scope's name is escaped as a unit name: as-good -> as\x2dgood.
scope="machine-$(systemd-escape as-good).scope"
check "acrn-dm runs in machine.slice/$scope" grep -qF "machine.slice/$scope" /proc/${pid:-0}/cgroup
check "systemd-inhibit --list: acrnd holds the delay lock" \
	sh -c "systemd-inhibit --list --no-legend | grep -q 'acrnd.*shutdown:sleep.*delay'"
acrnd_pid=$(systemctl show acrnd.service -p MainPID --value)
must "systemctl restart acrnd while as-good runs" systemctl restart acrnd.service
check "acrnd is a new process ($acrnd_pid -> $(systemctl show acrnd.service -p MainPID --value))" \
	test "$(systemctl show acrnd.service -p MainPID --value)" != "$acrnd_pid"
check "as-good's acrn-dm survived the restart ($pid)" test "$(cat /proc/${pid:-0}/comm 2>/dev/null)" = acrn-dm
t0=$(ticks $con)
expect "the guest keeps ticking after the acrnd restart (tick $((t0 + 2)))" $con "pm-guest: tick $((t0 + 2))"
wait_state as-good running
check "acrnctl list: as-good running after the restart (re-attached)" test "$(state as-good)" = running
check "journal: acrnd re-attached to the same acrn-dm" \
	sh -c "journalctl -b --no-pager -u acrnd.service | grep -q \"VM 'as-good': re-attaching to acrn-dm pid ${pid:-none}\$\""
journalctl -b --no-pager -u acrnd.service >/tmp/acrnd.journal 2>&1
check "autostart ran once this boot: the restarted acrnd did not try as-broken again ($(grep -c "autostarting VM 'as-broken'" /tmp/acrnd.journal) tries)" \
	test "$(grep -c "autostarting VM 'as-broken'" /tmp/acrnd.journal)" = 1
check "acrnctl list: as-broken still stopped" test "$(state as-broken)" = stopped
check "acrnd reports the same acrn-dm ($(dm_pid as-good))" test "$(dm_pid as-good)" = "${pid:-none}"
check "machinectl still shows as-good, same leader ($(leader as-good))" test "$(leader as-good)" = "${pid:-none}"

# 3. Reset: the guest boots again in the same acrn-dm.
must "acrnctl reset as-good" acrnctl reset as-good
expect "after acrnctl reset the guest prints its greeting again" $con 'hello from a User VM' 2
must "virsh reset as-good" virsh -c "$uri" reset as-good
expect "after virsh reset the guest prints its greeting again" $con 'hello from a User VM' 3
check "still the same acrn-dm after two resets" test "$(dm_pid as-good)" = "${pid:-none}"
expect "the reset guest waits for the power button" $con 'waiting for the power button' 3

# 4. Guest S3: the sleep button, S3, the waking vector.
check "acrnctl suspend as-good" acrnctl suspend as-good
expect "the guest saw the sleep button and entered S3" $con 'entering S3'
wait_state as-good suspended
check "acrnctl list: as-good suspended" test "$(state as-good)" = suspended
s=$(domstate as-good)
check "virsh domstate --reason: pmsuspended ($s)" matches "$s" 'pmsuspended*'
check "acrnctl resume as-good" acrnctl resume as-good
expect "the guest runs again at its waking vector" $con 'woke from S3 (real mode at the waking vector)'
wait_state as-good running
check "acrnctl list: as-good running after resume" test "$(state as-good)" = running

# 5. machinectl poweroff: SIGRTMIN+4 to acrn-dm, the power button.
n=$(grep -c 'power button pressed' $con)
must "machinectl poweroff as-good" machinectl poweroff as-good
expect "the guest saw the power button" $con 'power button pressed' $((n + 1))
expect "the guest powered itself off" $con 'powering off (S5)' $((n + 1))
wait_state as-good stopped
check "acrnctl list: as-good stopped, reason guest-poweroff ($(state as-good), $(reason as-good))" \
	test "$(state as-good) $(reason as-good)" = "stopped guest-poweroff"
i=0
while machinectl show as-good >/dev/null 2>&1 && [ $i -lt 100 ]; do
	i=$((i + 1))
	sleep 0.02
done
check "machinectl: as-good is gone" sh -c "! machinectl list --no-legend | grep -q '^as-good '"
note "what as-good printed on its COM1:"
grep -v 'tick' $con | sed 's/^/#   /'

# 6. Stock virsh on a VM with a pty console.
cat >/tmp/vcon.xml <<XML
<domain type='acrn'>
  <name>vcon</name>
  <memory unit='MiB'>128</memory>
  <vcpu cpuset='1'>1</vcpu>
  <os><type>hvm</type><kernel>$guest</kernel><cmdline>pm_guest.mode=button</cmdline></os>
  <devices><serial type='pty'><target port='0'/></serial></devices>
</domain>
XML
must "virsh define vcon (pty console)" virsh -c "$uri" define /tmp/vcon.xml
must "virsh start vcon" virsh -c "$uri" start vcon
# virsh console wants a terminal: script(1) gives it one; its input is a
# FIFO held open so that it never sees end-of-file.
rm -f /tmp/vcon.in /tmp/vcon.out
mkfifo /tmp/vcon.in
script -qfc "virsh -c '$uri' console vcon" /tmp/vcon.out </tmp/vcon.in >/dev/null 2>&1 &
console_pid=$!
exec 7>/tmp/vcon.in
expect "virsh console reads the guest's COM1 (its ticks)" /tmp/vcon.out 'pm-guest: tick'
kill $console_pid 2>/dev/null
exec 7>&-
must "virsh shutdown vcon" virsh -c "$uri" shutdown vcon
wait_state vcon stopped
s=$(domstate vcon)
check "virsh domstate --reason vcon: shut off (shutdown) ($s)" matches "$s" 'shut off (shutdown)'
check "virsh undefine vcon" virsh -c "$uri" undefine vcon

# 6b. An upstream-style launch script (the shape of the configurator's
# launch_user_vm_id*.sh: options echoed by helper functions into a bash
# array) imported with acrnctl add, then run by acrnd's acrn-dm.
cat >/tmp/launch_user_vm_id1.sh <<SH
#!/bin/bash
function cpu_options() {
    cpu_list=\$(local IFS=, ; echo "\$*")
    echo -n "--cpu_affinity \${cpu_list}"
}
function device() {
    echo -n "-s \$1,\$2"
    if [ -n "\$3" ]; then
        echo -n ",\$3"
    fi
}
dm_params=(
    \`cpu_options 1\`
    -m 128M
    \`device 0:0 hostbridge\`
    \`device 1:0 lpc\`
    -l com1,file:/var/log/ls-vm.console
    -k $guest
    -B "pm_guest.mode=button"
    ls-vm
)
echo "Launch device model with parameters: \${dm_params[@]}"
acrn-dm "\${dm_params[@]}"
SH
lcon=/var/log/ls-vm.console
rm -f $lcon
acrnctl add /tmp/launch_user_vm_id1.sh >/tmp/add.out 2>&1
check "acrnctl add launch_user_vm_id1.sh (status $?: $(tr '\n' ' ' </tmp/add.out))" \
	test "$(state ls-vm)" = stopped
must "acrnctl start ls-vm (from the launch script)" acrnctl start ls-vm
expect "the launch script's guest prints on the COM1 file the script named" $lcon 'hello from a User VM'
expect "the guest got the script's -B command line" $lcon 'command line: pm_guest.mode=button'
expect "the guest waits for the power button" $lcon 'waiting for the power button'
check "acrnctl list: ls-vm running" test "$(state ls-vm)" = running
s=$(domstate ls-vm)
check "virsh domstate --reason ls-vm: running ($s)" matches "$s" 'running*'
must "acrnctl stop ls-vm" acrnctl stop ls-vm
expect "ls-vm's guest powered itself off on the power button" $lcon 'powering off (S5)'
wait_state ls-vm stopped
check "acrnctl del ls-vm" acrnctl del ls-vm
check "acrnctl list: ls-vm is gone" test -z "$(state ls-vm)"

kill $events_pid 2>/dev/null
wait $events_pid 2>/dev/null
sed 's/^/# virsh event: /' /tmp/events.out
for e in "as-good': PMSuspended Memory" "as-good': Started Event wakeup" "as-good': Stopped Shutdown" "vcon': Defined Added" \
	"vcon': Started Booted" "vcon': Stopped Shutdown" "vcon': Undefined Removed"; do
	check "virsh event --loop: '$e" grep -q "$e" /tmp/events.out
done

# 7. A VM left running for the Service VM's poweroff (checked on the host).
rm -f /var/log/as-good.console
must "acrnctl start as-good (left running for systemctl poweroff)" acrnctl start as-good
expect "as-good runs and waits for the power button" $con 'waiting for the power button'
for p in acrnd virtacrnd acrn-dm; do
	for d in /proc/[0-9]*; do
		read -r comm <$d/comm 2>/dev/null && [ "$comm" = $p ] &&
			note "bench: $p RSS $(sed -n 's/^VmRSS: *//p' $d/status) with 1 running VM"
	done
done
# 8. Service VM suspend through the real logind. The kernel offers S3 and
# logind would really suspend, but the hypervisor passes the Service VM's S3
# through to Bochs instead of handling it, so systemd-suspend.service is
# masked for this boot: `systemctl suspend` then runs logind's whole
# announcement (PrepareForSleep(true), waiting for acrnd's delay lock),
# fails to start the masked unit and announces the resume
# (PrepareForSleep(false)) without anything sleeping. acrnd runs with
# --host-sleep=suspend (uvm-systemd.root/etc/default/acrnd): the guest
# enters S3 and is woken again.
note "Service VM S3: /sys/power/state='$(cat /sys/power/state 2>&1)'" \
	"mem_sleep='$(cat /sys/power/mem_sleep 2>&1)'" \
	"logind CanSuspend=$(busctl call org.freedesktop.login1 /org/freedesktop/login1 \
		org.freedesktop.login1.Manager CanSuspend 2>&1)"
systemctl mask --runtime systemd-suspend.service >/dev/null 2>&1
if [ "$(systemctl is-enabled systemd-suspend.service 2>&1)" = masked-runtime ]; then
	ok "systemd-suspend.service masked for this boot (nothing can really suspend)"
	systemctl suspend >/tmp/suspend.out 2>&1
	note "systemctl suspend: status $? $(cat /tmp/suspend.out)"
	expect "host suspend: acrnd pressed the guest's sleep button, the guest entered S3" $con 'entering S3'
	expect "host resume: acrnd woke the guest (it runs at its waking vector)" $con 'woke from S3'
	wait_state as-good running
	check "acrnctl list: as-good running again after the host's suspend and resume" \
		test "$(state as-good)" = running
	journalctl -b --no-pager -u systemd-logind.service -u acrnd.service >/tmp/sleep.journal 2>&1
	grep -iE 'suspend|sleep' /tmp/sleep.journal | tail -n 8 | sed 's/^/# journal: /'
	check "journal: logind announced the suspend" grep -q 'The system will suspend now' /tmp/sleep.journal
	systemctl unmask --runtime systemd-suspend.service >/dev/null 2>&1
else
	not_ok "systemd-suspend.service masked for this boot ($(systemctl is-enabled systemd-suspend.service 2>&1)): host suspend not tried"
fi

note "leaving as-good running: the scenario unit now runs systemctl poweroff"
exit 0
