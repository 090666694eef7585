#!/bin/sh
# acrn-dm as a program: the man page matches --help, usage errors exit 2
# and create nothing, and without a hypervisor the start fails with exit 1
# and a message naming /dev/acrn_hsm.  Prints TAP.
# Environment: ACRN_DM (the program), ACRN_DM_MAN (the page).
set -u
dm=${ACRN_DM:-acrn-dm}
page=${ACRN_DM_MAN:-acrn-dm.1}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else notok "$1"; fi; }

echo "1..10"
"$dm" --help > "$tmp/help" || { echo "Bail out! $dm --help failed"; exit 1; }
sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z_-]*\).*/\2/p' "$tmp/help" | sort -u > "$tmp/help-opts"
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | sed 's/\\-/-/g' |
	grep -o -- '--[a-z][a-z_-]*' | sort -u > "$tmp/man-opts"
if diff -u "$tmp/help-opts" "$tmp/man-opts" > "$tmp/diff"; then
	ok "the same options in --help and the man page ($(wc -l < "$tmp/help-opts"))"
else
	notok "options differ (- only in --help, + only in the man page)"
	sed 's/^/# /' "$tmp/diff"
fi
if command -v groff > /dev/null; then
	LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" > "$tmp/groff" 2>&1
	check "groff -man -ww: no warnings" '[ ! -s "$tmp/groff" ]'
	sed 's/^/# /' "$tmp/groff"
else
	ok "# SKIP groff is not installed"
fi

check "--version" '"$dm" --version | grep -q "^acrn-dm "'

# Usage errors: status 2, the culprit named, no control socket left.
usage() { # expected-in-message, args...
	want=$1
	shift
	"$dm" "$@" --control-socket "$tmp/ctl.sock" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" "$tmp/err" && [ ! -e "$tmp/ctl.sock" ]
}
check "unknown option: status 2, named" 'usage --frob -k /k --frob vm1'
check "malformed -s: status 2, named" 'usage "-s 40,virtio-blk" -k /k -s 40,virtio-blk,/d vm1'
check "malformed -l: status 2, named" 'usage "-l com1,udp:5" -k /k -l com1,udp:5 vm1'
check "missing VM name: status 2" 'usage VM_NAME -k /k'

# Start-up failures: status 1, one clear line, the socket removed.
echo kernel > "$tmp/kernel"
"$dm" -k "$tmp/nokernel" --control-socket "$tmp/ctl.sock" vm1 2> "$tmp/err"
rc=$?
check "missing kernel: status 1, named" '[ $rc -eq 1 ] && grep -q "nokernel" "$tmp/err"'
if [ -e /dev/acrn_hsm ]; then
	ok "# SKIP /dev/acrn_hsm exists on this host"
	ok "# SKIP /dev/acrn_hsm exists on this host"
else
	"$dm" -m 256M -k "$tmp/kernel" -s 0:0,hostbridge -s 1:0,lpc -l com1,stdio \
		--control-socket "$tmp/ctl.sock" vm1 < /dev/null > "$tmp/out" 2> "$tmp/err"
	rc=$?
	sed 's/^/# /' "$tmp/err"
	check "no HSM: status 1" '[ $rc -eq 1 ]'
	check "no HSM: the error names /dev/acrn_hsm, the socket is gone" \
		'tail -n 1 "$tmp/err" | grep -q "/dev/acrn_hsm: " && [ ! -e "$tmp/ctl.sock" ]'
fi
exit $fail
