#!/bin/sh
# OpenStack Nova on the build host (uvm-tcp-nova.py, the second part of
# uvm-chain.test's host hook) spawns an instance over acrn+tcp:// that runs
# here as a real User VM: its kernel is pm-guest, at the path Nova wrote it
# to on the host, which the test seeded into this image. This side reads the
# guest's own console through virsh console (Nova's serial is a pty), tells
# the host through a definition (mark-nova), then sees the guest get the
# ACPI power button from Nova's power_off and power itself off, and the
# instance deleted.
. /scenarios/lib.sh

guest=/usr/local/libexec/acrn/guests/pm-guest.bzImage
uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
vm=instance-00000001
if [ ! -f "$guest" ] || [ ! -e /sys/devices/system/cpu/cpu1 ]; then
	skip "a Nova instance from the host over TCP" "needs pm-guest.bzImage and a second CPU"
	exit 0
fi
# await DESCRIPTION COMMAND...: as in uvm-tcp.sh, bounded by 3000 rounds of
# 0.2 s Service VM time (the host's side runs at the host's pace).
await() {
	desc=$1
	shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 3000 ]; then
			not_ok "$desc"
			journalctl -b --no-pager -n 15 -u acrnd.service 2>/dev/null | sed 's/^/# journal: /'
			exit 0
		fi
		[ $((i % 10)) = 0 ] && note "waiting: $desc"
		sleep 0.2
	done
	ok "$desc"
}
running() { [ "$(state $vm)" = running ]; }
gone() { [ -z "$(state $vm)" ]; }

await "Nova's driver.spawn on the host: $vm runs here" running
virsh -c "$uri" dumpxml $vm >/tmp/nova.xml 2>&1
kernel=$(sed -n 's|.*<kernel>\(.*\)</kernel>.*|\1|p' /tmp/nova.xml)
check "its kernel is the file Nova wrote on the host, seeded here at the same path: pm-guest ($kernel)" \
	cmp "$kernel" "$guest"
rm -f /tmp/nova.in /tmp/nova.out
mkfifo /tmp/nova.in
script -qfc "virsh -c '$uri' console $vm" /tmp/nova.out </tmp/nova.in >/dev/null 2>&1 &
exec 7>/tmp/nova.in
expect "virsh console $vm: the guest runs (its ticks)" /tmp/nova.out 'pm-guest: tick'
cat >/tmp/mark-nova.xml <<XML
<domain type='acrn'>
  <name>mark-nova</name>
  <memory unit='MiB'>128</memory>
  <vcpu cpuset='1'>1</vcpu>
  <os><type>hvm</type><kernel>$guest</kernel></os>
</domain>
XML
must "acrnctl add mark-nova (tells the host the guest runs)" acrnctl add /tmp/mark-nova.xml
await "Nova's power_off: the guest saw the power button and powered itself off" \
	grep -q 'powering off (S5)' /tmp/nova.out
check "... after the power button" grep -q 'power button pressed' /tmp/nova.out
exec 7>&-
await "Nova's destroy: $vm is undefined" gone
note "what $vm printed on its console:"
grep -v tick /tmp/nova.out | tr -d '\r' | sed 's/^/#   /'
check "acrnctl del mark-nova" acrnctl del mark-nova
exit 0
