# Sourced by nspawn.sh for nspawn-power.sh (see there): sets up the power
# scenario (nspawn-power-driver.sh) and checks on the host what the
# container's poweroff left behind.  NSPAWN_POWER_MODE: logind or target.

hook_setup() {
	mode=${NSPAWN_POWER_MODE:-logind}
	echo "$mode" >"$w/results/mode"
	# The state directory outlives the container: the record of the
	# host shutdown is checked after the poweroff.
	mkdir -p "$w/state"
	extra_args="--bind=$w/state:/var/lib/acrn"
	# This host's kernel offers no sleep state (/sys/power/state is
	# empty), so logind would refuse `systemctl suspend` before announcing
	# it (it also wants to be able to write it).  A plain file that lists
	# "freeze mem" stands in for
	# /sys/power/state (a test double for the kernel's answer): the real
	# logind then emits the real PrepareForSleep(true), waits for acrnd's
	# delay lock, fails to start the masked systemd-suspend.service and
	# emits PrepareForSleep(false).  Nothing can be suspended: a write
	# would only change this file.
	printf 'freeze mem\n' >"$w/fake-power-state"
	extra_args="$extra_args --bind=$w/fake-power-state:/sys/power/state"
	# Test-only unit: stopped after acrnd at shutdown (Before=), it copies
	# the stand-ins' logs (in /run, lost with the container) and acrnd's
	# journal out.
	cat >"$l/lib/systemd/system/acrn-test-collect.service" <<'UNIT'
[Unit]
Description=acrn test: keep the evidence of the host shutdown (test only)
Before=acrnd.service
RequiresMountsFor=/acrn-results /run/acrn
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sh -c 'mkdir -p /acrn-results/dm && cp /run/acrn/*.log /acrn-results/dm/; journalctl -b --no-pager -o short-precise -u acrnd.service >/acrn-results/journal-shutdown.txt 2>&1; date +%%s%%N >/acrn-results/collected'
UNIT
}

# record_value VM KEY: from the host-shutdown.record key file
record_value() {
	sed -n "/^\[vm $1\]/,/^\[/s/^$2=//p" "$w/state/host-shutdown.record"
}
record_is() { # VM KEY VALUE
	v=$(record_value "$1" "$2")
	if [ "$v" = "$3" ]; then
		ok "host-shutdown.record: $1 $2=$3"
	else
		not_ok "host-shutdown.record: $1 $2=$3 (is '$v')"
	fi
}
dm_log() { echo "$w/results/dm/11111111-0000-4000-8000-00000000000$1.log"; }
# press_time N: wall-clock time (µs) the stand-in of VM N saw the power button
press_time() {
	sed -n 's/.*power button pressed (control request) at \([0-9]*\)\.\([0-9]*\);.*/\1\2/p' "$(dm_log "$1")" | head -n 1
}

hook_check() {
	mode=${NSPAWN_POWER_MODE:-logind}
	if [ ! -f "$w/state/host-shutdown.record" ]; then
		not_ok "acrnd wrote host-shutdown.record before the poweroff"
		return
	fi
	ok "acrnd wrote host-shutdown.record before the poweroff"
	sed 's/^/# /' "$w/state/host-shutdown.record" >>"$w/results/tap"
	trig=$(sed -n '/^\[host-shutdown\]/,/^\[/s/^trigger=//p' "$w/state/host-shutdown.record")
	if [ "$mode" = logind ]; then want=logind; else want=sigterm; fi
	if [ "$trig" = "$want" ]; then
		ok "the VMs were stopped on the $want path (trigger=$trig)"
	else
		not_ok "the VMs were stopped on the $want path (trigger=$trig)"
	fi
	record_is vm1 result shut-down
	record_is vm1 state stopped
	record_is vm1 reason shutdown
	record_is deaf result force-stopped
	record_is deaf state stopped
	for i in 1 4; do
		if grep -q "power button pressed" "$(dm_log $i)" 2>/dev/null; then
			ok "the acrn-dm stand-in (test double) of VM $i logged the power-button request"
		else
			not_ok "the acrn-dm stand-in (test double) of VM $i logged the power-button request"
		fi
	done
	if grep -q "guest powered off (guest)" "$(dm_log 1)"; then
		ok "vm1's stand-in guest powered itself off (graceful, not killed)"
	else
		not_ok "vm1's stand-in guest powered itself off (graceful, not killed)"
	fi
	if [ "$mode" = logind ]; then
		record_is vm2 result shut-down
		record_is keep policy leave
		record_is keep result left-running
		record_is idle result not-running
		record_is broken result not-running
		# Its scope is stopped by systemd at the very end (SIGTERM
		# presses the button); acrnd itself must not have pressed it.
		if grep -q "power button pressed (control request)" "$(dm_log 5)"; then
			not_ok "keep (policy leave) got no power button from acrnd"
		else
			ok "keep (policy leave) got no power button from acrnd"
		fi
		# In parallel: vm1's guest takes 0.5 s, so a one-by-one stop
		# would press vm2's button at least 0.5 s after vm1's.
		t1=$(press_time 1)
		t3=$(press_time 3)
		t4=$(press_time 4)
		if [ -n "$t1" ] && [ -n "$t3" ] && [ -n "$t4" ]; then
			lo=$t1 hi=$t1
			for t in $t3 $t4; do
				[ "$t" -lt "$lo" ] && lo=$t
				[ "$t" -gt "$hi" ] && hi=$t
			done
			spread=$(((hi - lo) / 1000))
			if [ "$spread" -lt 300 ]; then
				ok "the power buttons of vm1, vm2 and deaf were pressed within ${spread} ms (in parallel)"
			else
				not_ok "the power buttons of vm1, vm2 and deaf were pressed within 300 ms (spread ${spread} ms)"
			fi
		else
			not_ok "the stand-ins' logs show when the power buttons were pressed"
			grep -h "power button" "$w"/results/dm/*.log | sed 's/^/#   /' >>"$w/results/tap"
		fi
	fi
	if [ -f "$w/results/poweroff-start" ] && [ -n "${off_ns:-}" ]; then
		echo "# poweroff ($mode) to container off: $(((off_ns - $(cat "$w/results/poweroff-start")) / 1000000)) ms" >>"$w/results/tap"
	fi
	[ -f "$w/results/bench-autostart" ] && sed 's/^/# /' "$w/results/bench-autostart" >>"$w/results/tap"
}
