#!/bin/sh
# needs: userland
# The README's demo: what the Service VM sees of the hypervisor, then the
# user-space stack (dbus-daemon, acrnd, acrnctl, virtacrnd with stock virsh)
# when the build produced it.
. /scenarios/lib.sh

say() { echo "demo: $*"; }

say "Service VM kernel $(uname -r), $(grep -c '^processor' /proc/cpuinfo) CPU(s)," \
	"$(sed -n 's/^MemTotal:[[:space:]]*//p' /proc/meminfo) memory"
eval "$(cpuid-probe)"
say "CPUID 0x40000000 signature '$hv_signature', 0x40000001 eax=$hv_features (privileged=$hv_privileged)," \
	"0x40000010 TSC $hv_tsc_khz kHz"
check "the Service VM runs under ACRN" test "$hv_signature" = ACRNACRNACRN
say "kernel command line: $(cat /proc/cmdline)"

if [ -f /lib/modules/acrn_hsm.ko ]; then
	check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
	i=0
	while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	check "/dev/acrn_hsm exists" test -c /dev/acrn_hsm
fi
say "dmesg | grep -i acrn:"
dmesg | grep -i acrn | grep -v -i 'command line' | sed 's/^/demo:   /'
say "lsmod:"
lsmod | sed 's/^/demo:   /'

if command -v acrnd >/dev/null 2>&1; then
	start_system_bus
	start_acrnd
	say "acrnctl list:"
	acrnctl list 2>&1 | sed 's/^/demo:   /'
	if command -v virtacrnd >/dev/null 2>&1 && command -v virsh >/dev/null 2>&1 &&
		start_virtacrnd; then
		# Stock virsh, same VMs: virtacrnd speaks libvirt's protocol to
		# acrnd, which owns the VM state.
		uri="acrn:///system?socket=$VIRTACRND_SOCK_DIR/virtacrnd-sock"
		say "virsh -c '$uri' list --all:"
		if HOME=/tmp virsh -c "$uri" list --all >/tmp/virsh-list.out 2>&1; then
			ok "virsh list --all talks to acrnd through virtacrnd"
		else
			not_ok "virsh list --all talks to acrnd through virtacrnd"
		fi
		sed 's/^/demo:   /' /tmp/virsh-list.out
		stop_daemon virtacrnd
	else
		say "virtacrnd or virsh is not in this image: skipping virsh"
	fi
	# A User VM lifecycle (acrnctl add/start/stop, virsh start) goes here
	# once acrn-dm runs one.
	sed "s/^/# acrnd: /" /tmp/acrnd.log | tail -n 5
	stop_daemon acrnd
else
	say "acrnd is not in this image (not built yet): skipping the user-space stack"
fi
exit 0
