#!/bin/sh
# The bus policy org.acrn.Acrnd1.conf, enforced by a private dbus-daemon
# whose configuration is derived from the system bus', with the real acrnd on it:
#  - root may do everything;
#  - nobody may read (list, properties, introspection, definitions) but
#    start/define/undefine/... are refused by the bus with AccessDenied and
#    acrnctl exits with status 5;
#  - nobody with the supplementary group acrn may do everything.
# Needs root (to run as nobody and to own the name): skipped otherwise.
# If group acrn does not exist it is created, and nobody is made a member
# for the test (acrnd checks the caller's groups from the group database);
# both are undone at the end.
set -u
: "${top_builddir:?}"
: "${top_srcdir:?}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/acrnctl/tests/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP the policy test needs root (to act as nobody and own the name)"
	exit 77
fi
for tool in setpriv busctl getent groupadd gpasswd; do
	if ! command -v $tool >/dev/null; then
		echo "1..0 # SKIP $tool is not installed"
		exit 77
	fi
done
if ! getent passwd nobody >/dev/null; then
	echo "1..0 # SKIP no user nobody"
	exit 77
fi
t_skip_unless_built
t_setup acrn-policy

created_group=0
added_member=0
policy_cleanup() {
	[ $added_member = 1 ] && gpasswd -d nobody acrn >/dev/null 2>&1
	[ $created_group = 1 ] && groupdel acrn 2>/dev/null
	t_cleanup
}
trap policy_cleanup EXIT
if ! getent group acrn >/dev/null; then
	groupadd --system acrn && created_group=1
fi
if ! getent group acrn | cut -d: -f4 | tr ',' '\n' | grep -qx nobody; then
	gpasswd -a nobody acrn >/dev/null && added_member=1
fi
acrn_gid=$(getent group acrn | cut -d: -f3)
nobody_gid=$(getent passwd nobody | cut -d: -f4)

t_start_bus system "$srcdir/org.acrn.Acrnd1.conf" "$srcdir/org.acrn.Acrnd1.service"
# The system bus accepts the activation file (name, User=, SystemdService=).
expect 0 "ListActivatableNames" busctl --address="$BUS" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus ListActivatableNames
expect_output out '"org.acrn.Acrnd1"' "the bus loaded the activation file org.acrn.Acrnd1.service"
t_start_acrnd --manage-group acrn
w=$t_work
chmod 755 "$w"
echo "stand-in kernel" >"$w/bzImage"
chmod 644 "$w/bzImage"
for name in rootvm nobodyvm membervm; do
	printf "<domain type='acrn'><name>%s</name><memory unit='MiB'>256</memory><os><type>hvm</type><kernel>%s</kernel></os></domain>\n" \
		"$name" "$w/bzImage" >"$w/$name.xml"
	chmod 644 "$w/$name.xml"
done

as_nobody() {
	setpriv --reuid=65534 --regid="$nobody_gid" --clear-groups "$@"
}
as_member() {
	setpriv --reuid=65534 --regid="$nobody_gid" --groups="$acrn_gid" "$@"
}
bus_call() { # path interface member [signature args...]
	busctl --address="$BUS" call org.acrn.Acrnd1 "$@"
}

# ---- root ----
expect 0 "root: add" actl add "$w/rootvm.xml"
expect 0 "root: start" actl start rootvm
expect 0 "root: stop -f" actl stop -f rootvm
expect 0 "root: autostart" actl autostart rootvm on
expect 0 "root: list" actl list
expect 0 "root: del" actl del rootvm
expect 0 "root: add for the others" actl add "$w/nobodyvm.xml"

# ---- nobody: read-only members allowed ----
expect 0 "nobody: list (ObjectManager.GetManagedObjects)" as_nobody "$ACRNCTL" --address "$BUS" list
expect_output out "nobodyvm" "nobody sees the VMs"
expect 0 "nobody: dumpxml (GetVM, VM.GetConfig)" as_nobody "$ACRNCTL" --address "$BUS" dumpxml nobodyvm
expect 0 "nobody: autostart query (Properties.GetAll)" as_nobody "$ACRNCTL" --address "$BUS" autostart nobodyvm
expect 0 "nobody: Manager.ListVMs" as_nobody busctl --address="$BUS" call org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.acrn.Acrnd1.Manager ListVMs
expect 0 "nobody: Manager.ListVMDetails" as_nobody busctl --address="$BUS" call org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.acrn.Acrnd1.Manager ListVMDetails
expect 0 "nobody: Properties.Get" as_nobody busctl --address="$BUS" get-property org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.acrn.Acrnd1.Manager Version
expect 0 "nobody: Introspect" as_nobody busctl --address="$BUS" introspect org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager
expect 0 "nobody: Peer.Ping" as_nobody busctl --address="$BUS" call org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.freedesktop.DBus.Peer Ping

# ---- nobody: everything that changes a VM is refused by the bus ----
for cmd in "start nobodyvm" "stop -f nobodyvm" "pause nobodyvm" "autostart nobodyvm on" \
	"del nobodyvm" "add $w/membervm.xml"; do
	# shellcheck disable=SC2086
	expect 5 "nobody: $cmd denied, exit status 5" as_nobody "$ACRNCTL" --address "$BUS" $cmd
	expect_output err "permission denied" "nobody: $cmd says permission denied"
	# dbus-daemon's own denial text: the bus refused it, not acrnd.
	expect_output err "Rejected send message" "nobody: $cmd was refused by the bus policy"
done
expect 1 "nobody: Properties.Set denied" as_nobody busctl --address="$BUS" set-property org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.acrn.Acrnd1.Manager HostState s running
expect_output err "ccess denied" "Properties.Set is refused with AccessDenied"
expect 1 "nobody: CreateVM denied" as_nobody busctl --address="$BUS" call org.acrn.Acrnd1 /org/acrn/Acrnd1/Manager org.acrn.Acrnd1.Manager CreateVM 'sa{sv}' '<domain/>' 0
expect_output err "ccess denied" "CreateVM is refused with AccessDenied"
expect 0 "the VM is untouched" actl list --no-header
if awk '$1 == "nobodyvm" && $2 == "stopped" && $6 == "no" { f = 1 } END { exit !f }' "$w/out"; then
	t_ok "nobodyvm still stopped, autostart off"
else
	t_not_ok "nobodyvm changed: $(cat "$w/out")"
fi

# ---- nobody in group acrn: allowed ----
expect 0 "member: add" as_member "$ACRNCTL" --address "$BUS" add "$w/membervm.xml"
expect 0 "member: start" as_member "$ACRNCTL" --address "$BUS" start membervm
expect 0 "member: pause" as_member "$ACRNCTL" --address "$BUS" pause membervm
expect 0 "member: continue" as_member "$ACRNCTL" --address "$BUS" continue membervm
expect 0 "member: stop -f" as_member "$ACRNCTL" --address "$BUS" stop -f membervm
expect 0 "member: autostart" as_member "$ACRNCTL" --address "$BUS" autostart membervm on
expect 0 "member: del" as_member "$ACRNCTL" --address "$BUS" del membervm
expect 0 "member: del another VM" as_member "$ACRNCTL" --address "$BUS" del nobodyvm

t_done
