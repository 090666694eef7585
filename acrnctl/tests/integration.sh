#!/bin/sh
# acrnctl against the real acrnd on a private bus, with the acrn-dm
# stand-in (a test double for acrn-dm; no hypervisor on test hosts) playing
# the guests.  Covers every command, the exit statuses and the error texts.
set -u
: "${top_builddir:?}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$srcdir/tests/lib.sh"

t_skip_unless_built
t_setup acrnctl-integration
t_start_bus session
# A manage group other than the default, so that messages naming it are tested.
t_start_acrnd --manage-group root

w=$t_work
echo "not a kernel: the stand-in only checks that it can read it" >"$w/bzImage"

vm_xml() { # NAME CMDLINE [EXTRA-DEVICES]
	printf "<domain type='acrn'>\n  <name>%s</name>\n  <memory unit='MiB'>256</memory>\n" "$1"
	printf "  <vcpu>1</vcpu>\n  <os><type>hvm</type><kernel>%s</kernel>" "$w/bzImage"
	printf "<cmdline>%s</cmdline></os>\n  <devices>%s</devices>\n</domain>\n" "$2" "${3:-}"
}

# ---- basics ----
expect 0 "--version" "$ACRNCTL" --version
expect_output out "acrnctl " "--version prints the version"
expect 0 "--help" "$ACRNCTL" --help
expect_output out "Exit status:" "--help documents the exit statuses"
expect_output out "continue" "--help lists continue"
expect 0 "help stop" "$ACRNCTL" help stop
expect_output out "--force" "per-command help shows stop's options"
expect 2 "unknown command is a usage error" "$ACRNCTL" frobnicate
expect 2 "start without a VM is a usage error" actl start
expect 0 "list with no VMs" actl list
expect_output out "NAME" "empty list has the header"
expect 0 "list --json with no VMs" actl list --json
if [ "$(tr -d ' \n' <"$w/out")" = "[]" ]; then t_ok "empty JSON list is []"; else t_not_ok "empty JSON list: $(cat "$w/out")"; fi

# ---- monitor, in the background for everything below ----
"$ACRNCTL" --address "$BUS" monitor >"$w/monitor.out" 2>"$w/monitor.err" &
monitor_pid=$!
t_pids="$t_pids $monitor_pid"
i=0
until grep -q "monitoring VM events" "$w/monitor.err" 2>/dev/null || [ $i -gt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done

# ---- add: XML and launch script ----
vm_xml graceful "standin.shutdown=delay:0.3" \
	"<disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='0' slot='5' function='0'/></disk>" \
	>"$w/graceful.xml"
expect 0 "add domain XML" actl add "$w/graceful.xml"
expect_state graceful stopped "added VM is stopped"

{
	echo '#!/bin/bash'
	echo '# upstream-style launch script'
	echo 'vm_name=script$1'
	echo 'mem=384M'
	echo 'acrn-dm -A -m $mem -s 0:0,hostbridge -s 1:0,lpc \'
	echo "  -k $w/bzImage -B \"standin.shutdown=ignore console=ttyS0\" \\"
	echo '  $vm_name'
} >"$w/launch.sh"
expect 0 "add launch script with an argument" actl add "$w/launch.sh" 7
expect_output err "-A is obsolete" "add warns about dropped options"
expect_state script7 stopped "VM from the launch script is defined"
sed -i 's/^mem=384M/mem=512M/' "$w/launch.sh"
expect 0 "re-adding the edited script updates the VM" actl add "$w/launch.sh" 7
expect 0 "list after the update" actl list --json
if python3 -c '
import json, sys
vms = [v for v in json.load(open(sys.argv[1])) if v["name"] == "script7"]
assert len(vms) == 1 and vms[0]["memory_bytes"] == 512 << 20, vms
' "$w/out"; then t_ok "one script7, with the new memory size"; else t_not_ok "script7 after update: $(cat "$w/out")"; fi
sed -i 's/^mem=512M/mem=384M/' "$w/launch.sh"
expect 0 "and back" actl add "$w/launch.sh" 7
# The shape of upstream's samples (issue 14): a relative kernel path, a
# virtio-console, the MAC seed from the host, and the standard ending.
cat >"$w/upstream.sh" <<'EOF'
#!/bin/bash
run_container() { runc run -d vm1; exit; }
launch_vm() {
mac=$(cat /sys/class/net/e*/address)
acrn-dm -A -m 384M -s 0:0,hostbridge -s 1:0,lpc -s 5,virtio-console,@pty:pty_port \
  -k ./bzImage -B "standin.shutdown=ignore" --mac_seed ${mac:9:8}-up$1 up$1
}
if [ "$1" = "-C" ]; then run_container; else launch_vm 1; fi
EOF
expect 0 "add an upstream-style script from another directory" \
	sh -c "cd / && '$ACRNCTL' --address '$BUS' add '$w/upstream.sh'"
expect_output err "virtio-console is not supported by VM definitions yet; dropped" \
	"virtio-console is dropped with a warning"
expect_output err "resolved to $w/bzImage" "the relative kernel path is resolved against the script"
expect 0 "dumpxml of the upstream-style VM" actl dumpxml up1
expect_output out "<kernel>$w/bzImage</kernel>" "the definition has the resolved kernel path"
expect 0 "delete it again" actl del up1
printf 'acrn-dm -m 1G -k /k -s 2,passthru,0/2/0 vmx\n' >"$w/pt.sh"
expect 7 "add rejects a script with passthrough" actl add "$w/pt.sh"
expect_output err "passthru" "the rejection names the device"
printf '<domain><name>bad</name><memory unit="MiB">1</memory><os><kernel>/k</kernel></os></domain>\n' >"$w/bad.xml"
expect 7 "add rejects an invalid definition (acrnd's InvalidConfig)" actl add "$w/bad.xml"
expect_output err "add $w/bad.xml" "the error names the file"
expect 1 "add of a missing file fails" actl add "$w/does-not-exist.xml"
expect_output err "does-not-exist.xml" "the error names the missing file"
expect 7 "runC (-C) is refused" actl add "$w/launch.sh" 7 -C

# ---- list ----
expect 0 "ACRNCTL_BUS_ADDRESS selects the bus" env ACRNCTL_BUS_ADDRESS="$BUS" "$ACRNCTL" list --names
expect_output out "graceful" "list through ACRNCTL_BUS_ADDRESS"
expect 0 "list" actl list
expect_output out "graceful" "list shows the XML VM"
expect_output out "script7" "list shows the script VM"
expect 0 "list --names" actl list --names
if [ "$(cat "$w/out")" = "$(printf 'graceful\nscript7')" ]; then t_ok "list --names is sorted names only"; else t_not_ok "list --names: $(cat "$w/out")"; fi
expect 0 "list --json" actl list --json
if python3 -c '
import json, sys
vms = {v["name"]: v for v in json.load(open(sys.argv[1]))}
g = vms["graceful"]
assert g["state"] == "stopped", g
assert g["vcpus"] == 1 and g["memory_bytes"] == 256 << 20, g
assert g["autostart"] is False and g["persistent"] is True, g
assert len(g["uuid"]) == 36, g
assert vms["script7"]["memory_bytes"] == 384 << 20, vms["script7"]
' "$w/out"; then t_ok "list --json has the properties"; else t_not_ok "list --json content"; fi

# ---- dumpxml round trip ----
expect 0 "dumpxml" actl dumpxml graceful
expect_output out "<name>graceful</name>" "dumpxml prints the definition"
cp "$w/out" "$w/dumped.xml"
expect 0 "re-adding the dumped XML updates the VM" actl add "$w/dumped.xml"
uuid=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "$w/dumped.xml")
expect 0 "VMs can be named by UUID" actl dumpxml "$uuid"

# ---- lifecycle ----
expect 0 "start" actl start graceful
expect_state graceful running "started VM runs"
expect 4 "start of a running VM: invalid state" actl start graceful
expect_output err "graceful" "the invalid-state error names the VM"
expect 0 "pause" actl pause graceful
expect_state graceful paused "paused"
expect 0 "continue" actl continue graceful
expect_state graceful running "continue resumes the vCPUs"
expect 0 "suspend" actl suspend graceful
expect_state graceful suspended "suspended (S3)"
expect 4 "pause of a suspended VM: invalid state" actl pause graceful
expect 0 "resume (upstream spelling of wakeup)" actl resume graceful
expect_state graceful running "resume wakes the VM up"
expect 0 "reset" actl reset graceful
expect_state graceful running "VM runs after reset"
expect 0 "reboot (graceful stop, then start)" actl reboot graceful
expect_state graceful running "VM runs after reboot"
expect 0 "blkrescan into the empty slot" actl blkrescan graceful "5,$w/bzImage"
expect 2 "blkrescan needs SLOT,PATH" actl blkrescan graceful "$w/bzImage"
expect 0 "stop --wait --timeout (guest honours the power button)" actl stop --wait --timeout 10 graceful
if [ "$(vm_state graceful)" = stopped ]; then t_ok "stopped when stop --wait returns"; else t_not_ok "state after stop --wait: $(vm_state graceful)"; fi
expect 4 "stop of a stopped VM: invalid state" actl stop graceful
expect_output err "graceful" "the error names the VM"

expect 0 "start the VM that ignores the power button" actl start script7
expect_state script7 running "script VM runs"
expect 0 "graceful stop without --wait returns at once" actl stop script7
expect_state script7 stopping "the VM is stopping (its guest ignores the button)"
expect 8 "a second stop while stopping: busy" actl stop --timeout 1 script7
expect_output err "script7" "the busy error names the VM"
expect 0 "stop -f (upstream spelling) powers off" actl stop -f script7
expect_state script7 stopped "force-stopped"
expect 0 "start again" actl start script7
expect 6 "stop --timeout 1 times out when the guest ignores the button" actl stop --timeout 1 script7
expect_output err "script7" "the timeout error names the VM"
expect 0 "stop --force after the timeout" actl stop --force script7
expect_state script7 stopped "force-stopped after the timeout"
expect 0 "start once more" actl start script7
expect 0 "stop --timeout 1 --force-after-timeout escalates" actl stop --timeout 1 --force-after-timeout script7
expect_state script7 stopped "stopped after escalation"
expect 2 "--force with --timeout is a usage error" actl stop --force --timeout 3 script7

# ---- autostart ----
expect 0 "autostart on" actl autostart graceful on
expect 0 "autostart query" actl autostart graceful
expect_output out "on" "autostart reports on"
expect 0 "list after autostart" actl list --no-header
if awk '$1 == "graceful" && $6 == "yes" { f = 1 } END { exit !f }' "$w/out"; then t_ok "list shows autostart yes"; else t_not_ok "autostart column: $(cat "$w/out")"; fi
expect 0 "autostart off" actl autostart graceful off
expect 2 "autostart with a bad value" actl autostart graceful maybe

# ---- not found ----
expect 3 "start of an unknown VM: not found" actl start nosuchvm
expect_output err "nosuchvm" "the not-found error names the VM"
expect 3 "dumpxml of an unknown VM" actl dumpxml nosuchvm
expect 3 "stop -f of an unknown VM" actl stop -f nosuchvm
expect 3 "a VM name that is not UTF-8 is not found (no crash)" actl start "$(printf 'bad\377name')"
printf "<domain><name>x\377</name></domain>\n" >"$w/latin1.xml"
expect 7 "a definition that is not UTF-8 is refused" actl add "$w/latin1.xml"
expect_output err "not valid UTF-8" "and says why"

# ---- del ----
expect 0 "start before del" actl start graceful
expect 4 "del of a running VM: invalid state" actl del graceful
expect 0 "stop -f" actl stop -f graceful
expect_state graceful stopped "stopped before del"
expect 0 "del" actl del graceful
expect 3 "deleted VM is gone" actl dumpxml graceful
expect 0 "del the script VM" actl del script7
expect 0 "list after del" actl list --names
if [ ! -s "$w/out" ]; then t_ok "no VMs left"; else t_not_ok "VMs left: $(cat "$w/out")"; fi

# ---- monitor saw the events ----
sleep 0.3
kill -INT "$monitor_pid" 2>/dev/null
wait "$monitor_pid"
rc=$?
if [ $rc -eq 0 ]; then t_ok "monitor exits 0 on SIGINT"; else t_not_ok "monitor exit status $rc"; fi
for ev in "graceful defined" "script7 defined" "graceful started" "graceful paused" "graceful resumed" \
	"graceful suspended" "graceful woken" "graceful reset" "graceful rebooted" \
	"graceful stopped" \
	"script7 stopped" "graceful undefined"; do
	if grep -q " $ev" "$w/monitor.out"; then
		t_ok "monitor saw '$ev'"
	else
		t_not_ok "monitor did not see '$ev'"
		sed 's/^/#   monitor: /' "$w/monitor.out"
	fi
done
if awk 'NF < 3 { bad = 1 } END { exit bad }' "$w/monitor.out"; then t_ok "monitor prints TIME VM EVENT [DETAIL] lines"; else t_not_ok "malformed monitor lines"; fi

# ---- permission (acrnd's own check; the bus policy is tested by systemd/tests/policy.sh) ----
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && getent passwd nobody >/dev/null; then
	vm_xml permtest "" >"$w/permtest.xml"
	chmod 755 "$w"
	chmod 644 "$w/permtest.xml"
	expect 0 "root adds permtest" actl add "$w/permtest.xml"
	expect 0 "nobody may list" setpriv --reuid=65534 --regid=65534 --clear-groups "$ACRNCTL" --address "$BUS" list
	expect 5 "nobody may not start: permission exit status" setpriv --reuid=65534 --regid=65534 --clear-groups "$ACRNCTL" --address "$BUS" start permtest
	expect_output err "permission denied" "the error says permission denied"
	expect_output err "permtest" "and names the VM"
	expect_output err "group 'root'" "and names acrnd's configured --manage-group"
else
	echo "# SKIP permission checks: need root, setpriv and user nobody"
fi

# ---- acrnd gone ----
kill "$ACRND_PID"
wait "$ACRND_PID" 2>/dev/null
expect 9 "no acrnd on the bus: exit status 9" actl list
expect 9 "unreachable bus: exit status 9" "$ACRNCTL" --address "unix:path=$w/no-such-socket" list

t_done
