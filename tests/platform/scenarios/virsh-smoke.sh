#!/bin/sh
# needs: userland virsh
# Stock virsh in the Service VM under the hypervisor: virtacrnd on the system
# bus in front of acrnd (both reused from acrnd-smoke when it ran first in
# this boot), a VM's definition lifecycle, and the read-only socket.
# No VM is started: there is no acrn-dm yet to run one (see the end).
. /scenarios/lib.sh

for tool in acrnd acrnctl virtacrnd virsh; do
	if ! command -v $tool >/dev/null 2>&1; then
		not_ok "$tool is in the image (installed tree given with --staging/--builddir)"
		exit 0
	fi
done
start_system_bus || exit 0
start_acrnd || exit 0
start_virtacrnd || exit 0

URI="acrn:///system?socket=$VIRTACRND_SOCK_DIR/virtacrnd-sock"
RO_URI="acrn:///system?socket=$VIRTACRND_SOCK_DIR/virtacrnd-sock-ro"
UUID=6c1f0d2a-3b4e-4f50-9a61-7b8c9d0e1f2a
# virsh keeps history and a cache under $HOME.
export HOME=/tmp XDG_CACHE_HOME=/tmp/.cache XDG_CONFIG_HOME=/tmp/.config
unset LIBVIRT_DEFAULT_URI

# virsh_expect DESC PATTERN ARGS...: ok if `virsh ARGS` succeeds and its
# output matches the extended regex PATTERN.
virsh_expect() {
	desc=$1
	pattern=$2
	shift 2
	if virsh -c "$URI" "$@" >/tmp/virsh.out 2>&1 && grep -Eq "$pattern" /tmp/virsh.out; then
		ok "$desc"
	else
		not_ok "$desc"
		sed 's/^/# /' /tmp/virsh.out | head -n 20
	fi
}

# Any existing file does as the kernel: nothing boots it here.
cat >/tmp/vm1.xml <<XML
<domain type='acrn'>
  <name>vm1</name>
  <uuid>$UUID</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/init</kernel>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <devices>
    <serial type='pty'><target port='0'/></serial>
  </devices>
</domain>
XML

virsh_expect "virsh version reaches virtacrnd (hypervisor ACRN)" \
	'Running hypervisor: ACRN' version
virsh_expect "virsh define vm1 from a domain XML" \
	"Domain 'vm1' defined" define /tmp/vm1.xml
virsh_expect "virsh list --all shows vm1 shut off" \
	'^ *- +vm1 +shut off' list --all
check "acrnctl list shows the VM defined through virsh (acrnd holds it)" \
	sh -c 'acrnctl list | grep -q vm1'
virsh_expect "virsh dominfo vm1: shut off, its UUID, persistent" \
	"State: +shut off" dominfo vm1
check "virsh dominfo vm1 gives the defined UUID" grep -Eq "^UUID: +$UUID\$" /tmp/virsh.out
virsh_expect "virsh dumpxml vm1 gives back its name and UUID" \
	"<uuid>$UUID</uuid>" dumpxml vm1
check "virsh dumpxml vm1 keeps the kernel" grep -q '<kernel>/init</kernel>' /tmp/virsh.out
virsh_expect "virsh autostart vm1" 'marked as autostarted' autostart vm1
virsh_expect "virsh dominfo vm1 shows autostart enabled" 'Autostart: +enable' dominfo vm1
virsh_expect "virsh autostart --disable vm1" 'unmarked as autostarted' autostart --disable vm1

if virsh -c "$RO_URI" define /tmp/vm1.xml >/tmp/virsh.out 2>&1; then
	not_ok "the read-only socket refuses define"
else
	check "the read-only socket refuses define" grep -q 'read only' /tmp/virsh.out
fi
check "the read-only socket still lists vm1" \
	sh -c "virsh -c '$RO_URI' list --all --name | grep -qx vm1"
# Once acrn-dm runs a User VM, the lifecycle goes here, e.g.:
#   virsh_expect "virsh start vm1" "Domain 'vm1' started" start vm1
#   virsh_expect "virsh list shows vm1 running" '^ *[0-9]+ +vm1 +running' list
#   virsh_expect "virsh destroy vm1" "Domain 'vm1' destroyed" destroy vm1
virsh_expect "virsh undefine vm1" "Domain 'vm1' has been undefined" undefine vm1
if virsh -c "$URI" list --all --name >/tmp/virsh.out 2>&1 && ! grep -q vm1 /tmp/virsh.out; then
	ok "virsh list --all no longer shows vm1"
else
	not_ok "virsh list --all no longer shows vm1"
	sed 's/^/# /' /tmp/virsh.out | head -n 20
fi
check "virtacrnd still runs" pid_alive $ACRN_PLATFORM_RUN/virtacrnd.pid
stop_daemon virtacrnd
sed 's/^/# virtacrnd: /' /tmp/virtacrnd.log | tail -n 4
exit 0
