#!/bin/sh
# The bash completion: commands and options without a daemon, VM names from
# a real acrnd on a private bus.
set -u
: "${top_builddir:?}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$srcdir/tests/lib.sh"

if ! command -v bash >/dev/null; then
	echo "1..0 # SKIP bash not installed"
	exit 77
fi
t_setup acrnctl-completion

# complete WORDS...: prints the sorted completions of the last word.
complete_words() {
	bash -c '
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_acrnctl
		[ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
	' completion "$srcdir/completion/acrnctl" "$@"
}

check() { # description expected words...
	desc=$1
	want=$2
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		t_ok "$desc"
	else
		t_not_ok "$desc: got '$got', expected '$want'"
	fi
}

check "commands starting with s" "start stop suspend " acrnctl s
check "commands starting with re" "reboot reset resume " acrnctl re
check "global options" "--session --system " acrnctl --s
check "nothing after --address" "" acrnctl --address ""
check "list options" "--json " acrnctl list --j
check "stop options" "--force --force-after-timeout " acrnctl stop --forc
check "autostart on/off" "off on " acrnctl autostart vm1 o
check "help completes commands" "dumpxml " acrnctl help du

if [ -x "$ACRNCTL" ] && [ -x "$ACRND" ] && [ -x "$DM_STANDIN" ]; then
	t_start_bus session
	t_start_acrnd
	for name in alpha beta gamma; do
		printf "<domain type='acrn'><name>%s</name><memory unit='MiB'>256</memory><os><type>hvm</type><kernel>/k</kernel></os></domain>\n" \
			"$name" >"$t_work/$name.xml"
		actl add "$t_work/$name.xml" || t_not_ok "add $name"
	done
	check "VM names for start" "alpha beta gamma " "$ACRNCTL" --address "$BUS" start ""
	check "VM names with a prefix" "beta " "$ACRNCTL" --address "$BUS" stop -f b
	check "VM names for dumpxml" "gamma " "$ACRNCTL" --address "$BUS" dumpxml g
	check "no VM after dumpxml's VM" "" "$ACRNCTL" --address "$BUS" dumpxml alpha ""
else
	echo "# SKIP VM-name completion: acrnctl, acrnd or the acrn-dm stand-in not built"
fi
t_done
