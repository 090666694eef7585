#!/bin/sh
# The Debian 12 Service VM (acrn-platform test --svm debian): systemd is PID 1
# on the hypervisor, the project is installed by `make install` with its
# units enabled, systemd-modules-load loaded the HSM, acrnd.service runs
# (Type=notify, started at boot because /dev/acrn_hsm exists), acrnctl
# reaches it over the real system bus, stock virsh reaches virtacrnd through
# socket activation, and restarting acrnd keeps a defined VM. The run then
# ends with systemd's own poweroff, which the runner checks reaches the
# hypervisor as ACPI S5.
. /scenarios/lib.sh

pid1=$(readlink /proc/1/exe)
check "PID 1 is systemd ($pid1)" sh -c 'case "$0" in */systemd) exit 0 ;; *) exit 1 ;; esac' "$pid1"
note "systemd $(systemctl --version | head -n 1)"
check "multi-user.target reached" systemctl is-active --quiet multi-user.target
systemctl list-units --failed --no-legend --plain >/tmp/failed 2>&1
check "no failed units" test ! -s /tmp/failed
sed 's/^/# failed: /' /tmp/failed
check "systemd-logind runs" systemctl is-active --quiet systemd-logind.service
check "dbus runs" systemctl is-active --quiet dbus.service
check "systemd-modules-load loaded the HSM (/dev/acrn_hsm)" test -c /dev/acrn_hsm
check "sysusers made the acrn group" getent group acrn
check "acrnd.service is active (Type=notify, enabled at boot)" systemctl is-active --quiet acrnd.service
acrnctl list >/tmp/list.out 2>&1
check "acrnctl list answers over the system bus" grep -q NAME /tmp/list.out

cat >/tmp/svm-vm1.xml <<'XML'
<domain type='acrn'>
  <name>svm-vm1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type><kernel>/usr/lib/acrn-platform/no-kernel-yet</kernel></os>
</domain>
XML
check "acrnctl add stores a VM from domain XML" acrnctl add /tmp/svm-vm1.xml
check "acrnd wrote the definition under /var/lib/acrn" grep -rqs svm-vm1 /var/lib/acrn
check "systemctl restart acrnd succeeds" systemctl restart acrnd.service
acrnctl list >/tmp/list2.out 2>&1
check "the VM is still defined after the restart" grep -q svm-vm1 /tmp/list2.out

uri='acrn:///system?socket=/run/libvirt/virtacrnd-sock'
check "virtacrnd.socket listens" systemctl is-active --quiet virtacrnd.socket
virsh -c "$uri" list --all >/tmp/virsh.out 2>&1
check "stock virsh lists the VM through virtacrnd" grep -q svm-vm1 /tmp/virsh.out
check "virtacrnd.service was started by its socket" systemctl is-active --quiet virtacrnd.service
check "acrnctl del removes the VM" acrnctl del svm-vm1
exit 0
