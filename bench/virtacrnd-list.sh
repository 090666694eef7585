#!/bin/bash
# virtacrnd list benchmark: wall time of `virsh list --all` with N (default
# 1000) defined VMs, through virtacrnd (+ acrnd on a private dbus-daemon)
# and through Debian's own libvirtd (qemu driver, session instance run as
# user nobody in throw-away directories) holding the same N definitions.
# Both stacks run at once and every measurement alternates between them
# (ours, libvirtd's, ours, ...), so that load from other work on the host
# hits both alike; each line gives the medians of RUNS timings, the minima
# and the median of the per-pair ratios (ours / libvirtd's).  Measured:
# `virsh uri` (virsh's start and connection: the floor of every call),
# `virsh list --all`, `virsh list --all --name`, `virsh dominfo`, defining
# the N VMs with one virsh (once each), defining N more over one
# python-libvirt connection (one call after the other, in RUNS chunks,
# alternating), and the resident memory of the daemons holding the first N
# (acrnd + virtacrnd, with each one's anonymous part, and libvirtd).
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

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
minimum() { sort -n | head -1; }

# paired LABEL ARGS...: RUNS timings of `virsh ARGS` against each stack,
# alternating; prints medians, minima and the median per-pair ratio.
paired() {
	local label=$1 i a b as=() bs=() rs=()
	shift
	"$VIRSH" -c "$acrn_uri" "$@" >/dev/null # warm-up (and check that it works)
	as_nobody "$VIRSH" -c "$lv_uri" "$@" >/dev/null
	for ((i = 0; i < RUNS; i++)); do
		a=$(elapsed "$VIRSH" -c "$acrn_uri" "$@")
		b=$(elapsed as_nobody "$VIRSH" -c "$lv_uri" "$@")
		as+=("$a") bs+=("$b") rs+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
	done
	printf '%s (%d runs each, alternating):\n' "$label" "$RUNS"
	printf '  virtacrnd + acrnd:        median %s s  min %s s\n' \
		"$(printf '%s\n' "${as[@]}" | median)" "$(printf '%s\n' "${as[@]}" | minimum)"
	printf '  libvirtd (qemu driver):   median %s s  min %s s\n' \
		"$(printf '%s\n' "${bs[@]}" | median)" "$(printf '%s\n' "${bs[@]}" | minimum)"
	printf '  ratio ours/libvirtd:      median %s\n' "$(printf '%s\n' "${rs[@]}" | median)"
}

uuid_of() { printf '%08x-0000-4000-8000-%012x' "$1" "$1"; }

# definitions first..first+n-1 over one python-libvirt connection, one call
# after the other; prints the seconds they took.
cat > "$tmp/define.py" <<'PY'
import sys, time
import libvirt
uri, dtype, kernel, first, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
conn = libvirt.open(uri)
xmls = []
for i in range(first, first + n):
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
acrnd_pid=$!
sleep 0.5
"$VIRTACRND" --bus-address "unix:path=$tmp/bus" --socket-dir "$tmp/sock" >"$tmp/virtacrnd.log" 2>&1 </dev/null &
pids+=($!)
virtacrnd_pid=$!
wait_for "$tmp/sock/virtacrnd-admin-sock"
acrn_uri="acrn:///system?socket=$tmp/sock/virtacrnd-sock"

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
libvirtd_pid=$!
wait_for "$lv/run/libvirt/libvirt-sock"
lv_uri="qemu:///session?socket=$lv/run/libvirt/libvirt-sock"

# ---- the same N definitions in both, one virsh each ----
: > "$tmp/kernel"
cmds= lv_cmds=
for ((i = 1; i <= N; i++)); do
	cat > "$tmp/xml/vm$i.xml" <<XML
<domain type='acrn'><name>vm$i</name><uuid>$(uuid_of "$i")</uuid>
<memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>$tmp/kernel</kernel></os>
<devices><serial type='pty'/></devices></domain>
XML
	cat > "$lv/xml/vm$i.xml" <<XML
<domain type='qemu'><name>vm$i</name><uuid>$(uuid_of "$i")</uuid>
<memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><serial type='pty'/></devices></domain>
XML
	cmds+="define $tmp/xml/vm$i.xml;"
	lv_cmds+="define $lv/xml/vm$i.xml;"
done
chown -R nobody:nogroup "$lv/xml"
t=$(elapsed "$VIRSH" -q -c "$acrn_uri" "$cmds")
echo "virtacrnd: defined $N VMs in $t s"
t=$(elapsed as_nobody "$VIRSH" -q -c "$lv_uri" "$lv_cmds")
echo "libvirtd:  defined $N VMs in $t s"
count=$("$VIRSH" -c "$acrn_uri" list --all --name | grep -c . || true)
[ "$count" = "$N" ] || { echo "virtacrnd-list: expected $N VMs, virsh lists $count" >&2; exit 1; }
count=$(as_nobody "$VIRSH" -c "$lv_uri" list --all --name | grep -c . || true)
[ "$count" = "$N" ] || { echo "virtacrnd-list: libvirtd lists $count VMs, expected $N" >&2; exit 1; }

# the floor of every virsh call: its start and the connection, no domain call
paired "virsh uri (connect only)" uri
paired "virsh list --all with $N VMs" list --all
paired "virsh list --all --name" list --all --name
paired "virsh dominfo" dominfo "vm$(( (N + 1) / 2 ))"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
acrn_rss=$(( $(rss_kib "$acrnd_pid") + $(rss_kib "$virtacrnd_pid") ))
acrn_anon="acrnd $(rss_kib "$acrnd_pid") KiB ($(anon_kib "$acrnd_pid") anonymous), virtacrnd $(rss_kib "$virtacrnd_pid") KiB ($(anon_kib "$virtacrnd_pid") anonymous)"
lv_rss=$(rss_kib "$libvirtd_pid")

# N more over one python-libvirt connection each, in RUNS chunks, alternating
chunk=$(( (N + RUNS - 1) / RUNS ))
acrn_def=0 lv_def=0 wo=0 rs=() ac=() lc=()
for ((first = N + 1; first <= 2 * N; first += chunk)); do
	n=$(( first + chunk - 1 > 2 * N ? 2 * N - first + 1 : chunk ))
	a=$(/usr/bin/python3 "$tmp/define.py" "$acrn_uri" acrn "$tmp/kernel" "$first" "$n")
	# acrnd writes the definition files once defines stop for a moment
	# (acrnd/journal.h): not while libvirtd's chunk runs.
	t0=$(date +%s%N)
	for _ in $(seq 400); do [ -e "$tmp/state/definitions.journal" ] || break; sleep 0.05; done
	wo=$(awk -v s="$wo" -v t="$(( ($(date +%s%N) - t0) / 1000 ))" 'BEGIN { printf "%.3f", s + t / 1e6 }')
	b=$(as_nobody /usr/bin/python3 "$tmp/define.py" "$lv_uri" qemu "" "$first" "$n")
	acrn_def=$(awk -v s="$acrn_def" -v a="$a" 'BEGIN { printf "%.3f", s + a }')
	lv_def=$(awk -v s="$lv_def" -v b="$b" 'BEGIN { printf "%.3f", s + b }')
	rs+=("$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')")
	ac+=("$a") lc+=("$b")
done

echo "defining $N more VMs over one python-libvirt connection ($RUNS chunks each, alternating):"
echo "  virtacrnd + acrnd:        $acrn_def s (then $wo s until acrnd had written the files)"
echo "  libvirtd (qemu driver):   $lv_def s"
echo "  ratio ours/libvirtd:      median $(printf '%s\n' "${rs[@]}" | median) (per chunk)"
echo "  chunks (s), ours:         ${ac[*]}"
echo "  chunks (s), libvirtd:     ${lc[*]}"
echo "resident memory with $N definitions:"
echo "  acrnd + virtacrnd:        $((acrn_rss / 1024)) MiB ($acrn_rss KiB): $acrn_anon"
echo "  libvirtd:                 $((lv_rss / 1024)) MiB ($lv_rss KiB)"
