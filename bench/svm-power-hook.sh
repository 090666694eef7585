# Sourced by systemd/tests/nspawn.sh for bench/svm-power.sh.
hook_setup() {
	echo "$BENCH_N" >"$w/results/bench-n"
	mkdir -p "$w/state"
	extra_args="--bind=$w/state:/var/lib/acrn"
}
hook_check() {
	po=$(((off_ns - $(cat "$w/results/poweroff-start")) / 1000000))
	echo "# bench vms=$BENCH_N $(cat "$w/results/bench-autostart") poweroff_to_off_ms=$po" >>"$w/results/tap"
	if grep -q "result=shut-down" "$w/state/host-shutdown.record" 2>/dev/null; then
		ok "every VM was shut down by acrnd ($(grep -c result=shut-down "$w/state/host-shutdown.record"))"
	else
		not_ok "every VM was shut down by acrnd"
	fi
}
