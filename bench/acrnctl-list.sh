#!/bin/sh
# Latency of `acrnctl list` (and `list --json`) with 10, 100 and 1000 VMs
# defined in the real acrnd on a private bus (VMs are defined, not started;
# acrnd drives the acrn-dm stand-in, a test double, but nothing runs here).
# Also prints how fast `acrnctl add` defines VMs.
#
# Usage: bench/acrnctl-list.sh [BUILD_DIR] [RUNS]
#   BUILD_DIR  configured build tree (default: ./build or .)
#   RUNS       measured runs per size (default 30)
# Uses hyperfine when installed, else a shell loop; prints medians in ms.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/.." && pwd)
build=${1:-}
if [ -z "$build" ]; then
	if [ -x "$top_srcdir/build/acrnctl/acrnctl" ]; then build=$top_srcdir/build; else build=.; fi
fi
top_builddir=$(cd "$build" && pwd)
runs=${2:-30}
export top_builddir
. "$top_srcdir/acrnctl/tests/lib.sh"

if [ ! -x "$ACRNCTL" ] || [ ! -x "$ACRND" ]; then
	echo "acrnctl-list: build acrnctl and acrnd first (make), then run: $0 BUILD_DIR" >&2
	exit 1
fi
[ -x "$DM_STANDIN" ] || make -C "$top_builddir/tests/doubles" acrn-dm-standin >/dev/null

t_setup acrnctl-bench
t_start_bus session
t_start_acrnd --log-level warning
echo "kernel" >"$t_work/bzImage"

# now_ms: milliseconds since the epoch (GNU date).
now_ms() { date +%s%3N; }

median_loop() { # runs command... -> median ms over the runs
	n=$1
	shift
	: >"$t_work/times"
	i=0
	while [ $i -lt "$n" ]; do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		echo $(((e - s) / 1000)) >>"$t_work/times"
		i=$((i + 1))
	done
	sort -n "$t_work/times" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f ms (min %.2f, max %.2f)", m / 1000, v[1] / 1000, v[NR] / 1000 }'
}

median_hyperfine() { # runs command-string -> median ms
	hyperfine --style none --warmup 3 --runs "$1" --export-json "$t_work/hf.json" "$2" \
		>/dev/null 2>&1
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f ms (min %.2f, max %.2f)" % (r["median"] * 1e3, r["min"] * 1e3, r["max"] * 1e3))
' "$t_work/hf.json"
}

measure() { # label command-string
	if command -v hyperfine >/dev/null; then
		median_hyperfine "$runs" "$2"
	else
		# shellcheck disable=SC2086
		median_loop "$runs" $2
	fi
}

tool=loop
command -v hyperfine >/dev/null && tool=hyperfine
echo "acrnctl list latency, median of $runs runs ($tool); acrnd on a private bus"
defined=0
for target in 10 100 1000; do
	s=$(now_ms)
	while [ $defined -lt "$target" ]; do
		name=$(printf 'bench%04d' $defined)
		printf "<domain type='acrn'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type><kernel>%s</kernel></os></domain>\n" \
			"$name" "$t_work/bzImage" | actl add - >/dev/null
		defined=$((defined + 1))
	done
	e=$(now_ms)
	added=$((target - ${prev:-0}))
	prev=$target
	count=$(actl list --names | wc -l)
	[ "$count" -eq "$target" ] || { echo "expected $target VMs, acrnd has $count" >&2; exit 1; }
	table=$(measure "list" "$ACRNCTL --address $BUS list")
	json=$(measure "json" "$ACRNCTL --address $BUS list --json")
	names=$(measure "names" "$ACRNCTL --address $BUS list --names")
	rss=$(ps -o rss= -p "$ACRND_PID" | tr -d ' ')
	printf '%5d VMs: list %s | list --json %s | list --names %s | add: %d VMs in %d ms (%.1f ms each) | acrnd RSS %d KiB\n' \
		"$target" "$table" "$json" "$names" "$added" $((e - s)) \
		"$(echo "$((e - s)) $added" | awk '{ printf "%.2f", $1 / $2 }')" "$rss"
done
