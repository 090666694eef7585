#!/bin/sh
# The README's main command: installs the Debian packages, builds the tree in
# build/, and boots the stack in the Bochs test platform with the Service VM
# console streamed live: GRUB -> hypervisor -> Debian's stock kernel as the
# Service VM -> the demo scenario (tests/platform/scenarios/demo.sh), which
# shows what the Service VM sees of the hypervisor and, once built, drives
# acrnd with acrnctl (`acrnctl list`) and, through virtacrnd, with stock
# virsh (`virsh -c 'acrn:///system?socket=/run/libvirt/virtacrnd-sock' list
# --all`); then the Service VM powers the platform off.
# Exits 0 when every check of the run passed.
# Options are passed to `acrn-platform test` (e.g. --cpus 2, --keep).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh tools/build.sh
cd build

set -- --hv hypervisor/acrn.elf --scenarios demo --builddir "$PWD" \
	--rundir "$PWD/demo-run" --console stdout "$@"
if [ -f hsm/acrn_hsm.ko ]; then
	set -- "$@" --hsm hsm/acrn_hsm.ko
fi
echo "run-demo: booting the stack in Bochs (about a minute; the console follows)"
status=0
python3 "$top/tests/platform/acrn-platform" test "$@" || status=$?
if [ "$status" -eq 0 ]; then
	echo "run-demo: the stack booted, ran the demo and powered off cleanly"
else
	echo "run-demo: FAILED (logs kept in build/demo-run)" >&2
fi
exit "$status"
