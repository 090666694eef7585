#!/bin/sh
# needs: userland
# The README's demo: what the Service VM sees of the hypervisor, then the
# user-space stack (dbus-daemon, acrnd, acrnctl) when the build produced it.
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
	mkdir -p /run/dbus /var/lib/acrn
	check "dbus-daemon (system bus) starts" dbus-daemon --config-file=/etc/dbus-1/acrn-system.conf
	acrnd --system --state-dir /var/lib/acrn --run-dir /run/acrn >/tmp/acrnd.log 2>&1 &
	i=0
	while ! acrnctl list >/tmp/list.out 2>&1 && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	check "acrnctl list talks to acrnd over D-Bus" acrnctl list
	say "acrnctl list:"
	sed 's/^/demo:   /' /tmp/list.out
	# A User VM lifecycle (acrnctl add/start/stop) goes here once acrn-dm runs one.
	sed "s/^/# acrnd: /" /tmp/acrnd.log | tail -n 5
	kill %1 2>/dev/null
else
	say "acrnd is not in this image (not built yet): skipping the user-space stack"
fi
exit 0
