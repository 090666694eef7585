#!/bin/sh
# Prints the failing tests' logs and one closing line "N passed, N failed,
# N skipped" summed over every automake test-suite.log under DIR.
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
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
