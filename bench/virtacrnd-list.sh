#!/bin/bash
# virtacrnd list benchmark: wall time of `virsh list --all` with N (default
# 1000) defined VMs, through virtacrnd (+ acrnd on a private dbus-daemon)
# and through Debian's own libvirtd (qemu driver, session instance run as
# user nobody in throw-away directories) holding the same N definitions.
# Prints the median and the minimum of RUNS runs for each, the same for
# `virsh list --all --name` and `virsh dominfo`, the time to define the N
# VMs over one connection (virsh, then another N over one python-libvirt
# connection, one call after the other), and the resident memory of the
# daemons holding the first N (acrnd + virtacrnd, libvirtd).
#
# Usage (as root, from anywhere): BUILDDIR=build bench/virtacrnd-list.sh [N [RUNS]]
#   BUILDDIR     top build directory (default: the directory above this script)
#   VIRTACRND, ACRND, ACRN_DM_STANDIN override the binaries
#   VIRSH, LIBVIRTD, DBUS_DAEMON   stock tools (defaults from PATH)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BUILDDIR=${BUILDDIR:-$here/..}
BUILDDIR=$(cd "$BUILDDIR" && pwd)
VIRTACRND=${VIRTACRND:-$BUILDDIR/libvirt-driver/virtacrnd}
ACRND=${ACRND:-$BUILDDIR/acrnd/acrnd}
ACRN_DM_STANDIN=${ACRN_DM_STANDIN:-$BUILDDIR/tests/doubles/acrn-dm-standin}
VIRSH=${VIRSH:-virsh}
LIBVIRTD=${LIBVIRTD:-libvirtd}
DBUS_DAEMON=${DBUS_DAEMON:-dbus-daemon}
N=${1:-1000}
RUNS=${2:-5}

for b in "$VIRTACRND" "$ACRND"; do
	[ -x "$b" ] || { echo "virtacrnd-list: $b not built (set BUILDDIR)" >&2; exit 1; }
done
# libvirtd's qemu driver refuses definitions without a QEMU binary
command -v qemu-system-x86_64 >/dev/null ||
	{ echo "virtacrnd-list: needs qemu-system-x86_64 (Debian qemu-system-x86) for libvirtd" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "virtacrnd-list: run as root (libvirtd runs as nobody)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/virtacrnd-bench.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# seconds (float) taken by a command
elapsed() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1e6 }'
}

# median and minimum of RUNS timings of a command
measure() {
	local i times=()
	"$@" >/dev/null # warm-up (and check that it works)
	for ((i = 0; i < RUNS; i++)); do times+=("$(elapsed "$@")"); done
	printf '%s\n' "${times[@]}" | sort -n |
		awk '{ v[NR] = $1 } END { printf "median %.3f s  min %.3f s", v[int((NR + 1) / 2)], v[1] }'
}

uuid_of() { printf '%08x-0000-4000-8000-%012x' "$1" "$1"; }

# N more definitions (numbers N+1..2N) over one python-libvirt connection,
# one call after the other; prints the seconds they took.
cat > "$tmp/define.py" <<'PY'
import sys, time
import libvirt
uri, dtype, kernel, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = libvirt.open(uri)
xmls = []
for i in range(n + 1, 2 * n + 1):
    u = '%08x-0000-4000-8000-%012x' % (i, i)
    k = "<kernel>%s</kernel>" % kernel if kernel else ""
    xmls.append("<domain type='%s'><name>vm%d</name><uuid>%s</uuid>"
                "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
                "<os><type arch='x86_64' machine='pc'>hvm</type>%s</os>"
                "<devices><serial type='pty'/></devices></domain>" % (dtype, i, u, k))
t0 = time.monotonic()
for x in xmls:
    conn.defineXML(x)
print("%.3f" % (time.monotonic() - t0))
PY
chmod 644 "$tmp/define.py"

wait_for() { # path
	for _ in $(seq 200); do [ -e "$1" ] && return 0; sleep 0.05; done
	echo "virtacrnd-list: $1 did not appear" >&2
	exit 1
}

# ---- virtacrnd + acrnd ----
"$DBUS_DAEMON" --config-file="$here/../tests/private-bus.conf" --address="unix:path=$tmp/bus" \
	--nofork --nopidfile --nosyslog >/dev/null 2>&1 </dev/null &
pids+=($!)
wait_for "$tmp/bus"
mkdir -p "$tmp/state" "$tmp/run" "$tmp/sock" "$tmp/xml"
"$ACRND" --bus-address "unix:path=$tmp/bus" --state-dir "$tmp/state" --run-dir "$tmp/run" \
	--dm-path "$ACRN_DM_STANDIN" --log-level warning >"$tmp/acrnd.log" 2>&1 </dev/null &
pids+=($!)
sleep 0.5
"$VIRTACRND" --bus-address "unix:path=$tmp/bus" --socket-dir "$tmp/sock" >"$tmp/virtacrnd.log" 2>&1 </dev/null &
pids+=($!)
wait_for "$tmp/sock/virtacrnd-admin-sock"
acrn_uri="acrn:///system?socket=$tmp/sock/virtacrnd-sock"

: > "$tmp/kernel"
cmds=
for ((i = 1; i <= N; i++)); do
	cat > "$tmp/xml/vm$i.xml" <<XML
<domain type='acrn'><name>vm$i</name><uuid>$(uuid_of "$i")</uuid>
<memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>$tmp/kernel</kernel></os>
<devices><serial type='pty'/></devices></domain>
XML
	cmds+="define $tmp/xml/vm$i.xml;"
done
t=$(elapsed "$VIRSH" -q -c "$acrn_uri" "$cmds")
echo "virtacrnd: defined $N VMs in $t s"
count=$("$VIRSH" -c "$acrn_uri" list --all --name | grep -c . || true)
[ "$count" = "$N" ] || { echo "virtacrnd-list: expected $N VMs, virsh lists $count" >&2; exit 1; }
acrn_result=$(measure "$VIRSH" -c "$acrn_uri" list --all)
acrn_names=$(measure "$VIRSH" -c "$acrn_uri" list --all --name)
acrn_dominfo=$(measure "$VIRSH" -c "$acrn_uri" dominfo "vm$(( (N + 1) / 2 ))")
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
acrn_rss=$(( $(rss_kib "${pids[1]}") + $(rss_kib "${pids[2]}") ))
acrn_pydef=$(/usr/bin/python3 "$tmp/define.py" "$acrn_uri" acrn "$tmp/kernel" "$N")

# ---- Debian's libvirtd (qemu driver, session instance as nobody) ----
lv=$tmp/libvirtd
mkdir -p "$lv/run" "$lv/cfg" "$lv/cache" "$lv/home" "$lv/xml"
chown -R nobody:nogroup "$lv"
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$lv/home" \
		XDG_RUNTIME_DIR="$lv/run" XDG_CONFIG_HOME="$lv/cfg" XDG_CACHE_HOME="$lv/cache" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
# started directly (not through the shell function) so that $! is libvirtd
setpriv --reuid=65534 --regid=65534 --clear-groups env -i HOME="$lv/home" \
	XDG_RUNTIME_DIR="$lv/run" XDG_CONFIG_HOME="$lv/cfg" XDG_CACHE_HOME="$lv/cache" \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin "$LIBVIRTD" >"$tmp/libvirtd.log" 2>&1 </dev/null &
pids+=($!)
wait_for "$lv/run/libvirt/libvirt-sock"
lv_uri="qemu:///session?socket=$lv/run/libvirt/libvirt-sock"
cmds=
for ((i = 1; i <= N; i++)); do
	cat > "$lv/xml/vm$i.xml" <<XML
<domain type='qemu'><name>vm$i</name><uuid>$(uuid_of "$i")</uuid>
<memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><serial type='pty'/></devices></domain>
XML
	cmds+="define $lv/xml/vm$i.xml;"
done
chown -R nobody:nogroup "$lv/xml"
t=$(elapsed as_nobody "$VIRSH" -q -c "$lv_uri" "$cmds")
echo "libvirtd:  defined $N VMs in $t s"
count=$(as_nobody "$VIRSH" -c "$lv_uri" list --all --name | grep -c . || true)
[ "$count" = "$N" ] || { echo "virtacrnd-list: libvirtd lists $count VMs, expected $N" >&2; exit 1; }
lv_result=$(measure as_nobody "$VIRSH" -c "$lv_uri" list --all)
lv_names=$(measure as_nobody "$VIRSH" -c "$lv_uri" list --all --name)
lv_dominfo=$(measure as_nobody "$VIRSH" -c "$lv_uri" dominfo "vm$(( (N + 1) / 2 ))")
lv_rss=$(rss_kib "${pids[3]}")
lv_pydef=$(as_nobody /usr/bin/python3 "$tmp/define.py" "$lv_uri" qemu "" "$N")

echo "virsh list --all with $N VMs ($RUNS runs):"
echo "  virtacrnd + acrnd:        $acrn_result"
echo "  libvirtd (qemu driver):   $lv_result"
echo "virsh list --all --name:"
echo "  virtacrnd + acrnd:        $acrn_names"
echo "  libvirtd (qemu driver):   $lv_names"
echo "virsh dominfo:"
echo "  virtacrnd + acrnd:        $acrn_dominfo"
echo "  libvirtd (qemu driver):   $lv_dominfo"
echo "defining $N more VMs over one python-libvirt connection:"
echo "  virtacrnd + acrnd:        $acrn_pydef s"
echo "  libvirtd (qemu driver):   $lv_pydef s"
echo "resident memory with $N definitions:"
echo "  acrnd + virtacrnd:        $((acrn_rss / 1024)) MiB ($acrn_rss KiB)"
echo "  libvirtd:                 $((lv_rss / 1024)) MiB ($lv_rss KiB)"
