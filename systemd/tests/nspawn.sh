#!/bin/sh
# The shipped units under a real systemd: boots this host's own OS tree in
# systemd-nspawn (--volatile=yes: /usr read-only from the host, everything
# else a fresh tmpfs, so the host is never modified), with our files
# bind-mounted at /usr/local exactly where `make install` puts them for the
# default prefix, and runs nspawn-driver.sh inside.
# Checked there: sysusers/tmpfiles at boot, `systemctl enable` and D-Bus
# activation of acrnd (Type=notify), starting a VM under acrnd's hardening,
# VMs surviving `systemctl restart/stop acrnd` (KillMode=process), the bus
# policy on the real system bus, and virtacrnd's socket activation through
# stock virsh when virtacrnd is built.
#
# Needs root and systemd-nspawn; skipped (77) otherwise, or when the
# container cannot boot at all on this host (the reason is printed).
#
# Other scenarios reuse this script (nspawn-power.sh, bench/svm-power.sh):
# NSPAWN_DRIVER names the driver run inside (in tests/, or an absolute
# path), NSPAWN_HOOK a shell file sourced here
# that defines hook_setup (before the boot: more files under $l, more
# nspawn options in $extra_args) and hook_check (after the container is
# off: host-side checks, TAP lines through ok/not_ok).  KEEP_W=DIR keeps a
# copy of the results directory (logs the container left) for debugging.
set -u
driver_name=${NSPAWN_DRIVER:-nspawn-driver.sh}
extra_args=""
: "${top_builddir:?}"
: "${top_srcdir:?}"
: "${srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to run systemd-nspawn"
	exit 77
fi
if ! command -v systemd-nspawn >/dev/null || [ ! -x /lib/systemd/systemd ]; then
	echo "1..0 # SKIP systemd-nspawn or systemd not installed"
	exit 77
fi
acrnd=$top_builddir/acrnd/acrnd
acrnctl=$top_builddir/acrnctl/acrnctl
standin=$top_builddir/tests/doubles/acrn-dm-standin
virtacrnd=${VIRTACRND:-$top_builddir/libvirt-driver/virtacrnd}
for f in "$acrnd" "$acrnctl" "$standin"; do
	if [ ! -x "$f" ]; then
		echo "1..0 # SKIP $f is not built"
		exit 77
	fi
done

w=$(mktemp -d "${TMPDIR:-/tmp}/acrn-nspawn.XXXXXX")
nspawn_pid=""
cleanup() {
	[ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null && wait "$nspawn_pid" 2>/dev/null
	[ -n "${KEEP_W:-}" ] && cp -r "$w/results" "$KEEP_W"; rm -rf "$w"
}
trap cleanup EXIT

# /usr/local as `make install` (prefix /usr/local) lays it out.
l=$w/local
mkdir -p "$l/sbin" "$l/bin" "$l/libexec" "$l/lib/systemd/system/acrnd.service.d" \
	"$l/lib/tmpfiles.d" "$l/lib/sysusers.d" "$l/share/dbus-1/system-services" \
	"$w/policy" "$w/results"
cp "$acrnd" "$l/sbin/acrnd"
cp "$acrnctl" "$l/bin/acrnctl"
cp "$standin" "$l/libexec/acrn-dm-standin"
[ -x "$virtacrnd" ] && cp "$virtacrnd" "$l/sbin/virtacrnd"
for unit in acrnd.service virtacrnd.service; do
	sed -e 's|@sbindir[@]|/usr/local/sbin|g' -e 's|@bindir[@]|/usr/local/bin|g' \
		"$srcdir/$unit.in" >"$l/lib/systemd/system/$unit"
done
cp "$srcdir/virtacrnd.socket" "$srcdir/virtacrnd-ro.socket" "$srcdir/virtacrnd-admin.socket" \
	"$l/lib/systemd/system/"
cp "$srcdir/acrn.tmpfiles" "$l/lib/tmpfiles.d/acrn.conf"
cp "$srcdir/acrn.sysusers" "$l/lib/sysusers.d/acrn.conf"
mkdir -p "$l/lib/systemd/logind.conf.d"
cp "$srcdir/acrn-logind.conf" "$l/lib/systemd/logind.conf.d/acrn.conf"
cp "$srcdir/org.acrn.Acrnd1.service" "$l/share/dbus-1/system-services/"
# dbus-daemon reads policies from /usr/share/dbus-1/system.d and
# /etc/dbus-1/system.d only; /etc is the container's own tmpfs.
cp "$srcdir/org.acrn.Acrnd1.conf" "$w/policy/"

# The only changes to acrnd.service for the test: no /dev/acrn_hsm here,
# and the acrn-dm stand-in (a test double) instead of acrn-dm.
exec_start=$(grep '^ExecStart=' "$l/lib/systemd/system/acrnd.service")
printf '[Unit]\nConditionPathExists=\n[Service]\nExecStart=\n%s --dm-path=%s\n' \
	"$exec_start" /usr/local/libexec/acrn-dm-standin >"$l/lib/systemd/system/acrnd.service.d/test.conf"
case $driver_name in
/*) cp "$driver_name" "$l/libexec/acrn-nspawn-driver.sh" ;;
*) cp "$srcdir/tests/$driver_name" "$l/libexec/acrn-nspawn-driver.sh" ;;
esac
chmod +x "$l/libexec/acrn-nspawn-driver.sh"
cat >"$l/lib/systemd/system/acrn-test-driver.service" <<'EOF'
[Unit]
Description=acrn systemd integration test driver
After=multi-user.target dbus.service
[Service]
Type=oneshot
ExecStart=/usr/local/libexec/acrn-nspawn-driver.sh
StandardOutput=journal+console
EOF

# On first boot systemd enables units by preset ("enable *" on Debian):
# keep ours disabled so that the driver tests enabling and activation.
mkdir -p "$w/preset"
printf 'disable %s\n' acrnd.service virtacrnd.service virtacrnd.socket \
	virtacrnd-ro.socket virtacrnd-admin.socket >"$w/preset/00-acrn-test.preset"

if [ -n "${NSPAWN_HOOK:-}" ]; then
	. "$NSPAWN_HOOK"
	hook_setup
fi

# Boot.  firstboot would ask questions; console-getty would take the
# console; the driver is pulled in from the kernel command line.
# systemd-suspend.service is masked so that no test can ever suspend the
# host (logind still announces a `systemctl suspend`; /sys is read-only
# in the container anyway).
timeout 180 systemd-nspawn -q -D / --volatile=yes --register=no --keep-unit \
	--bind-ro="$l:/usr/local" --bind-ro="$w/policy:/etc/dbus-1/system.d" \
	--bind="$w/results:/acrn-results" --bind-ro="$w/preset:/etc/systemd/system-preset" \
	$extra_args -b -- systemd.firstboot=off systemd.mask=console-getty.service \
	systemd.mask=systemd-suspend.service \
	systemd.unit=multi-user.target systemd.wants=acrn-test-driver.service \
	>"$w/boot.log" 2>&1 </dev/null &
nspawn_pid=$!
wait "$nspawn_pid"
status=$?
off_ns=$(date +%s%N)
nspawn_pid=""

if [ ! -f "$w/results/tap" ]; then
	if ! grep -q "Reached target" "$w/boot.log"; then
		echo "1..0 # SKIP the container did not boot on this host (nspawn exit $status):"
		tail -n 15 "$w/boot.log" | sed 's/^/# /'
		exit 77
	fi
	echo "not ok 1 - the test driver did not run (nspawn exit $status)"
	tail -n 40 "$w/boot.log" | sed 's/^/# /'
	echo "1..1"
	exit 1
fi
# The driver numbered its tests; host-side checks continue the count.
n=$(grep -c '^\(not \)\{0,1\}ok ' "$w/results/tap")
ok() { n=$((n + 1)); echo "ok $n - $*" >>"$w/results/tap"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $*" >>"$w/results/tap"; }
if [ -n "${NSPAWN_HOOK:-}" ] && [ -f "$w/results/finished" ]; then
	hook_check
fi
echo "1..$n" >>"$w/results/tap"
cat "$w/results/tap"
if [ ! -f "$w/results/finished" ] || grep -q '^not ok' "$w/results/tap"; then
	echo "# ---- journal of acrnd and virtacrnd inside the container"
	sed 's/^/# /' "$w/results/journal.txt" 2>/dev/null | tail -n 60
	[ -f "$w/results/finished" ] || echo "not ok - the driver did not finish"
	exit 1
fi
exit 0
