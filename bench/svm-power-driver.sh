#!/bin/sh
# Runs INSIDE the container of bench/svm-power.sh (booted by
# systemd/tests/nspawn.sh): N autostart VMs on the acrn-dm stand-in (a TEST
# DOUBLE for acrn-dm; each guest takes 0.2 s to power off after the power
# button), times `systemctl start acrnd` until all of them run, then
# starts `systemctl poweroff` (the host side times it to container off).
set -u
r=/acrn-results
n=$(cat $r/bench-n)
now() { date +%s%N; }
state() { acrnctl list --no-header | sed -n "s/^$1  *\([a-z]*\) .*/\1/p"; }
mkdir -p /var/lib/acrn-test
echo "stand-in kernel" >/var/lib/acrn-test/bzImage
i=1
while [ $i -le "$n" ]; do
	cat >"/var/lib/acrn/22222222-0000-4000-8000-00000000000$i.xml" <<XML
<domain type='acrn'>
  <name>bench$i</name>
  <uuid>22222222-0000-4000-8000-00000000000$i</uuid>
  <metadata><acrn:autostart xmlns:acrn='urn:acrn:domain:1' enabled='yes' order='$i'/></metadata>
  <memory unit='MiB'>256</memory>
  <os><type>hvm</type><kernel>/var/lib/acrn-test/bzImage</kernel><cmdline>standin.shutdown=delay:0.2</cmdline></os>
</domain>
XML
	i=$((i + 1))
done
echo "ok 1 - $n definitions written" >$r/tap
t0=$(now)
systemctl start acrnd.service
started=$(now)
until [ "$(acrnctl list --no-header | grep -c ' running ')" -ge "$n" ]; do
	[ $((($(now) - t0) / 1000000000)) -ge 30 ] && break
	sleep 0.01
done
t1=$(now)
if [ "$(acrnctl list --no-header | grep -c ' running ')" -ge "$n" ]; then
	echo "ok 2 - all $n autostart VMs running" >>$r/tap
else
	echo "not ok 2 - all $n autostart VMs running" >>$r/tap
fi
echo "autostart_ms=$(((t1 - t0) / 1000000)) ready_ms=$(((started - t0) / 1000000))" >$r/bench-autostart
echo done >$r/finished
now >$r/poweroff-start
systemctl poweroff --no-block
