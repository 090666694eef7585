#!/bin/sh
# acrnd scale benchmark: resident memory of acrnd (VmRSS) with 0, 10, 100
# and 1000 defined VMs, and the throughput of DefineVM+Undefine pairs.
#
# Runs acrnd on a private dbus-daemon with throw-away state/run directories
# (no root needed, nothing touches /var/lib/acrn).  Definitions are written
# with fsync, so the throughput includes the storage's sync latency.
#
# Usage: ACRND=build/acrnd/acrnd bench/acrnd-scale.sh [PAIRS]
#   ACRND        acrnd binary (default: ../acrnd/acrnd next to this script,
#                then acrnd in PATH)
#   DBUS_DAEMON  dbus-daemon binary (default: dbus-daemon)
#   PYTHON       python with gi (default /usr/bin/python3)
#   PAIRS        define+undefine pairs for the throughput (default 500)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
ACRND=${ACRND:-$here/../acrnd/acrnd}
[ -x "$ACRND" ] || ACRND=$(command -v acrnd)
DBUS_DAEMON=${DBUS_DAEMON:-dbus-daemon}
PAIRS=${1:-500}
# Debian's python3 has python3-gi (GLib/Gio bindings).
PYTHON=${PYTHON:-/usr/bin/python3}

tmp=$(mktemp -d)
bus_pid=
acrnd_pid=
cleanup() {
	[ -n "$acrnd_pid" ] && kill "$acrnd_pid" 2>/dev/null && wait "$acrnd_pid" 2>/dev/null
	[ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

"$DBUS_DAEMON" --config-file="$here/../tests/private-bus.conf" --address="unix:path=$tmp/bus" \
	--nofork >/dev/null 2>&1 &
bus_pid=$!
address="unix:path=$tmp/bus"
i=0
while [ ! -S "$tmp/bus" ]; do
	i=$((i + 1)); [ $i -gt 500 ] && { echo "dbus-daemon did not start" >&2; exit 1; }
	sleep 0.01
done

"$ACRND" --bus-address "$address" --state-dir "$tmp/state" --run-dir "$tmp/run" \
	--dm-path /bin/false --log-level warning 2>"$tmp/acrnd.log" &
acrnd_pid=$!

"$PYTHON" - "$address" "$acrnd_pid" "$PAIRS" "$ACRND" <<'PY'
import sys, time
from gi.repository import Gio, GLib

address, pid, pairs, binary = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
conn = Gio.DBusConnection.new_for_address_sync(
    address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
    Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)

def call(path, iface, method, args, reply=None):
    return conn.call_sync("org.acrn.Acrnd1", path, iface, method, args,
                          GLib.VariantType(reply) if reply else None,
                          Gio.DBusCallFlags.NONE, 60000, None)

# Wait for acrnd's name.
deadline = time.time() + 10
while True:
    try:
        call("/org/acrn/Acrnd1/Manager", "org.acrn.Acrnd1.Manager", "ListVMs", None, "(a(ssso))")
        break
    except GLib.Error:
        if time.time() > deadline:
            sys.exit("acrnd did not come up")
        time.sleep(0.02)

def xml(n):
    return ("<domain type='acrn'><name>bench-%05d</name><memory unit='MiB'>256</memory>"
            "<vcpu>1</vcpu><os><kernel>/var/lib/acrn/bzImage</kernel>"
            "<cmdline>console=ttyS0</cmdline></os><devices>"
            "<disk type='file'><source file='/var/lib/acrn/disk-%05d.img'/>"
            "<target dev='vda'/></disk>"
            "<interface type='bridge'><source bridge='br0'/><target dev='tap%d'/></interface>"
            "<serial type='pty'/></devices></domain>" % (n, n, n))

def define(n):
    return call("/org/acrn/Acrnd1/Manager", "org.acrn.Acrnd1.Manager", "DefineVM",
                GLib.Variant("(sa{sv})", (xml(n), {})), "(o)").unpack()[0]

def rss_kib():
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

print("acrnd: %s" % binary)
print("%-28s %10s" % ("defined VMs", "VmRSS KiB"))
print("%-28d %10d" % (0, rss_kib()))
defined = 0
for target in (10, 100, 1000):
    t0 = time.monotonic()
    while defined < target:
        define(defined)
        defined += 1
    print("%-28d %10d   (defined %d more in %.2f s)" %
          (target, rss_kib(), target - (10 if target == 100 else 100 if target == 1000 else 0),
           time.monotonic() - t0))

t0 = time.monotonic()
for i in range(pairs):
    path = define(100000 + i)
    call(path, "org.acrn.Acrnd1.VM", "Undefine", GLib.Variant("(a{sv})", ({},)))
dt = time.monotonic() - t0
print("define+undefine: %d pairs in %.2f s = %.0f pairs/s (%.0f ops/s)" %
      (pairs, dt, pairs / dt, 2 * pairs / dt))
t0 = time.monotonic()
n = 200
for i in range(n):
    call("/org/acrn/Acrnd1/Manager", "org.acrn.Acrnd1.Manager", "ListVMs", None, "(a(ssso))")
print("ListVMs with %d VMs: %.2f ms per call (D-Bus round trip included)" %
      (defined, (time.monotonic() - t0) * 1000 / n))
PY
