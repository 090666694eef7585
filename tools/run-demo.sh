#!/bin/sh
# The README's main command: installs the Debian packages, builds the tree in
# build/, and boots the stack in the Bochs test platform with the Service VM
# console streamed live: GRUB -> hypervisor -> Debian's stock kernel as a
# Debian 12 Service VM with systemd (acrnd.service, the HSM loaded at boot)
# -> scenario svm-systemd (acrnctl and stock virsh over the system bus) ->
# scenario uvm-chain: a User VM (tests/guests' pm-guest) defined, started,
# listed by acrnctl and virsh, paused and continued, stopped through its
# ACPI power button, force-stopped and killed, with what the guest printed
# on its COM1; a last one is left running, and when systemd powers the
# Service VM off, acrnd first stops that VM through its power button: its
# console and acrnd's host-shutdown.record are read back from the Service
# VM's disk image (kept in build/demo-run) and shown at the end.
# Exits 0 when every check of the run passed.
# Options are passed to `acrn-platform test` (e.g. --cpus 2, --keep).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tools/build.sh
cd build

# The Debian Service VM (systemd, acrnd.service) with two CPUs: CPU 1 runs
# a User VM (tests/guests' pm-guest) that acrnctl and virsh manage.
set -- --hv hypervisor/acrn.elf --svm debian --cpus 2 --timeout 900 \
	--scenarios svm-systemd,uvm-chain --builddir "$PWD" \
	--rundir "$PWD/demo-run" --console stdout --keep "$@"
if [ -f hsm/acrn_hsm.ko ]; then
	set -- "$@" --hsm hsm/acrn_hsm.ko
fi
echo "run-demo: booting the stack in Bochs with a Debian Service VM and a User VM" \
	"(about 6 minutes; the console follows)"
status=0
python3 "$top/tests/platform/acrn-platform" test "$@" || status=$?
disk=$PWD/demo-run/svm-disk.img
if [ "$status" -eq 0 ] && [ -s "$disk" ]; then
	# what survived the Service VM's poweroff (debugfs reads ext4 without a mount)
	echo "run-demo: the User VM left running, as its console file was at the Service VM's poweroff:"
	debugfs -R "cat /var/log/chain3.console" "$disk" 2>/dev/null | grep -v tick | sed 's/^/  chain3: /'
	echo "run-demo: acrnd's host-shutdown.record:"
	debugfs -R "cat /var/lib/acrn/host-shutdown.record" "$disk" 2>/dev/null | sed 's/^/  /'
	if ! debugfs -R "cat /var/log/chain3.console" "$disk" 2>/dev/null | grep -q 'powering off (S5)'; then
		echo "run-demo: FAILED: the running User VM was not shut down with the Service VM" >&2
		status=1
	fi
fi
if [ "$status" -eq 0 ]; then
	echo "run-demo: the stack booted, ran the demo and powered off cleanly"
else
	echo "run-demo: FAILED (logs kept in build/demo-run)" >&2
fi
exit "$status"
