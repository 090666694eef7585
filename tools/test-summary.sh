#!/bin/sh
# Prints the failing tests' logs, every test's wall time (slowest first, from
# tools/test-timer's NAME.time files), how long each Bochs run waited for a
# slot, and one closing line "N passed, N failed, N skipped" summed over
# every automake test-suite.log under DIR.
dir=${1:-.}
pass=0; fail=0; skip=0
for log in $(find "$dir" -name test-suite.log -not -path '*/_build/*'); do
	p=$(sed -n 's/^# PASS: *//p' "$log"); f=$(sed -n 's/^# FAIL: *//p' "$log")
	x=$(sed -n 's/^# XPASS: *//p' "$log"); e=$(sed -n 's/^# ERROR: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0} + ${x:-0} + ${e:-0})); skip=$((skip + ${s:-0}))
	if [ "${f:-0}${x:-0}${e:-0}" != 000 ]; then
		echo "==== failures in $log ===="; cat "$log"
	fi
done
times=$(find "$dir" -name '*.time' -not -path '*/_build/*' | sort)
if [ -n "$times" ]; then
	echo "==== wall time per test (s), slowest first ===="
	for t in $times; do
		name=${t#"$dir"/}
		name=${name%.time}
		waited=$(sed -n 's/^\(# | \)\{0,1\}# bochs: Bochs slot .*, waited \([0-9.]*\) s for it$/\2/p' \
			"${t%.time}.log" 2>/dev/null | awk '{ w += $1 } END { if (NR) printf "%.1f", w }')
		printf '%8s  %s%s\n' "$(cat "$t")" "$name" "${waited:+ (waited $waited s for a Bochs slot)}"
	done | sort -rn
	awk '{ s += $1 } END { printf "%8.1f  sum of all tests (they run in parallel)\n", s }' $times
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
