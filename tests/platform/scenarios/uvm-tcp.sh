#!/bin/sh
# kmods: e1000
# libvirt clients on the build host reach virtacrnd in the Debian Service VM
# over the platform's emulated network (acrn-platform --net: an e1000 NIC
# on Bochs's slirp, the host's forwarded port -> the Service VM's 16509).
# This side brings the NIC up (10.0.2.15/24, static), turns on virtacrnd's
# TCP socket the way an administrator would (auth_tcp = "none" in
# virtacrnd.conf, systemctl start virtacrnd-tcp.socket), defines one VM
# the host must see, and then asks the runner for the host hook
# (uvm-tcp-host.py): from then on the HOST drives a real User VM with
# stock virsh and python-libvirt over TCP. The two sides hand over through
# domain definitions, which both see: the host starts net1; this side
# waits for the guest's own greeting on its COM1 and defines mark-hello;
# the host destroys net1 and defines host-done. Checked here on what the
# guest printed and on acrnd's state; on the host on domstate and events.
. /scenarios/lib.sh

guest=/usr/local/libexec/acrn/guests/pm-guest.bzImage
uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
conf=/usr/local/etc/acrn/virtacrnd.conf
if [ ! -f "$guest" ] || [ ! -e /sys/devices/system/cpu/cpu1 ]; then
	skip "User VMs from the host over TCP" "needs pm-guest.bzImage and a second CPU"
	exit 0
fi

# vm_xml NAME: a 128 MiB VM on CPU 1 running pm-guest (its COM1 in a file)
vm_xml() {
	cat <<XML
<domain type='acrn'>
  <name>$1</name>
  <memory unit='MiB'>128</memory>
  <vcpu cpuset='1'>1</vcpu>
  <os><type>hvm</type><kernel>$guest</kernel><cmdline>pm_guest.mode=button</cmdline></os>
  <devices>
    <serial type='file'><source path='/var/log/$1.console'/><target port='0'/></serial>
  </devices>
</domain>
XML
}
# defined NAME: acrnd knows the VM
defined() { [ -n "$(state "$1")" ]; }
# await DESCRIPTION COMMAND...: until COMMAND succeeds. The host's side runs
# at the host's pace while this one is emulated, so the bound is generous
# (3000 rounds of 0.2 s Service VM time); the runner's limits still apply.
await() {
	desc=$1
	shift
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 3000 ]; then
			not_ok "$desc"
			journalctl -b --no-pager -n 15 -u acrnd.service -u virtacrnd.service 2>/dev/null |
				sed 's/^/# journal: /'
			exit 0
		fi
		[ $((i % 10)) = 0 ] && note "waiting: $desc"
		sleep 0.2
	done
	ok "$desc"
}

# 1. The NIC: the e1000 the platform added, on slirp's 10.0.2.0/24.
nic=
for d in /sys/class/net/*; do
	[ -e "$d/device" ] && nic=${d##*/} && break
done
must "the Service VM has a NIC ($nic, driver $(basename "$(readlink /sys/class/net/$nic/device/driver 2>/dev/null)" 2>/dev/null))" \
	test -n "$nic"
must "ip: $nic up as 10.0.2.15/24, default route via slirp's 10.0.2.2" \
	sh -c "ip link set $nic up && ip addr add 10.0.2.15/24 dev $nic && ip route add default via 10.0.2.2"

# 2. virtacrnd's TCP socket, as an administrator turns it on. (Without
# auth_tcp virtacrnd refuses the socket; libvirt-driver/tests/test-tcp.py
# checks that on the host: here systemd's restarts of the refusing service
# would cost minutes of emulation.)
must "virtacrnd.conf is installed ($conf)" test -f $conf
printf '\n# uvm-tcp scenario: unauthenticated TCP for the build host\nauth_tcp = "none"\n' >>$conf
# systemd hands sockets over when it starts the service: the next client
# starts it again with the TCP socket too.
systemctl stop virtacrnd.service >/dev/null 2>&1
must "systemctl start virtacrnd-tcp.socket" systemctl start virtacrnd-tcp.socket
must "virtacrnd-tcp.socket is active" systemctl is-active --quiet virtacrnd-tcp.socket
must "something listens on TCP port 16509" sh -c "ss -Htln | grep -q ':16509 '"
must "virsh list through the local socket (virtacrnd started with the TCP socket)" virsh -c "$uri" list
vm_xml net0 >/tmp/net0.xml
must "acrnctl add net0 (for the host's virsh list)" acrnctl add /tmp/net0.xml
rm -f /var/log/net1.console

# 3. The host's turn (uvm-tcp-host.py): it defines and starts net1.
echo "ACRN-PLATFORM: host-hook"
await "the host defined net1 over TCP" defined net1
await "net1, started from the host, runs its guest: 'hello from a User VM' on its COM1" \
	grep -q 'hello from a User VM' /var/log/net1.console
expect "net1's guest waits for the power button" /var/log/net1.console 'waiting for the power button'
check "acrnctl list: net1 running" test "$(state net1)" = running
vm_xml mark-hello >/tmp/mark-hello.xml
must "acrnctl add mark-hello (tells the host the guest ran)" acrnctl add /tmp/mark-hello.xml

# 4. The host destroys net1 and says it is done.
await "the host destroyed net1 (acrnctl list: stopped)" sh -c "[ \"\$(acrnctl list 2>/dev/null | awk '\$1 == \"net1\" {print \$2}')\" = stopped ]"
await "the host is done (it defined host-done)" defined host-done
check "net1's guest was killed, not shut down: no power button on its COM1" \
	sh -c "! grep -q 'power button pressed' /var/log/net1.console"
virsh -c "$uri" domstate --reason net1 >/tmp/net1.state 2>&1
check "virsh domstate --reason net1 (local socket): shut off (destroyed) ($(cat /tmp/net1.state | tr -s '\n' ' '))" \
	grep -q 'shut off (destroyed)' /tmp/net1.state
note "what net1 printed on its COM1:"
grep -v tick /var/log/net1.console | sed 's/^/#   /'
for p in virtacrnd; do
	for d in /proc/[0-9]*; do
		read -r comm <$d/comm 2>/dev/null && [ "$comm" = $p ] &&
			note "bench: $p RSS $(sed -n 's/^VmRSS: *//p' $d/status) after the TCP clients"
	done
done
check "acrnctl del net0 net1 mark-hello host-done" acrnctl del net0 net1 mark-hello host-done
exit 0
