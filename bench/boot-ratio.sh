#!/bin/sh
# Service VM boot time to userspace under the hypervisor divided by the same
# boot in --native mode (same emulator, same ISO contents, alternating runs),
# plus VM exits per boot by reason. Target: ratio <= 1.05.
#   bench/boot-ratio.sh [-n RUNS] [--hv ELF] [--cpus N]
# Wall times are Bochs's; only the ratio and the exit counts mean anything
# about the hypervisor (Bochs does not model VM-exit latency, see docs).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
runs=1
hv=${ACRN_HV_ELF:-$top/build/hypervisor/acrn.elf}
cpus=1
while [ $# -gt 0 ]; do
	case "$1" in
	-n) runs=$2; shift 2 ;;
	--hv) hv=$2; shift 2 ;;
	--cpus) cpus=$2; shift 2 ;;
	*) echo "usage: $0 [-n RUNS] [--hv ELF] [--cpus N]" >&2; exit 2 ;;
	esac
done
tool="python3 $top/tests/platform/acrn-platform"
work=$(mktemp -d "${TMPDIR:-/tmp}/boot-ratio.XXXXXX")
trap 'rm -rf "$work"' EXIT

# timing_of FILE KEY: seconds of a phase from the runner's "# timing" line.
timing_of() {
	sed -n "s/^# timing .*$2=\([0-9.]*\).*/\1/p" "$1" | tail -n 1
}

i=1
while [ "$i" -le "$runs" ]; do
	for mode in hv native; do
		flag=
		[ "$mode" = native ] && flag=--native
		out=$work/$mode-$i.tap
		if ! $tool test --hv "$hv" $flag --cpus "$cpus" --rundir "$work/run-$mode-$i" >"$out" 2>&1; then
			echo "boot-ratio: $mode run $i failed:" >&2
			grep -E '^not ok|^# (FAILED|serial)' "$out" >&2 || cat "$out" >&2
			exit 1
		fi
		printf '%-6s run %d: GRUB %5.2f s, kernel start %6.2f s, userspace %6.2f s, total %6.2f s\n' \
			"$mode" "$i" "$(timing_of "$out" grub)" "$(timing_of "$out" kstart)" \
			"$(timing_of "$out" userspace)" "$(timing_of "$out" end)"
	done
	i=$((i + 1))
done

# Means over the runs and the ratios (awk for the floating point).
for mode in hv native; do
	for key in kstart userspace; do
		for f in "$work"/$mode-*.tap; do timing_of "$f" $key; done |
			awk '{ s += $1; n++ } END { printf "%.3f\n", s / n }' >"$work/$mode.$key"
	done
done
awk -v hu="$(cat "$work/hv.userspace")" -v nu="$(cat "$work/native.userspace")" \
    -v hk="$(cat "$work/hv.kstart")" -v nk="$(cat "$work/native.kstart")" -v n="$runs" 'BEGIN {
	printf "mean of %d run(s): userspace hv %.2f s, native %.2f s\n", n, hu, nu
	printf "boot ratio (wall time to userspace, hv/native): %.3f (target <= 1.05)\n", hu / nu
	printf "kernel-to-userspace ratio (hv/native): %.3f (%.2f s vs %.2f s)\n", (hu - hk) / (nu - nk), hu - hk, nu - nk
}'
echo "VM exits per boot (last hv run), by reason:"
last=$work/hv-$runs.tap
sed -n 's/^# ACRN-HV: exit-stats /  /p' "$last"
