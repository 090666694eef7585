#!/bin/bash
# acrn-dm >= 3.0 syntax (tap=), an empty disk slot for blkrescan, a
# read-only disk, OVMF boot and the VM number taken from `acrnctl add`'s
# extra arguments.
set -e
id=$1
shift
name="post_vm${id}"
bios=/usr/share/acrn/bios/OVMF.fd
disk_dir=/var/lib/acrn/images

export DM_LOG=/var/log/acrn-dm-${name}.log
exec /usr/bin/acrn-dm --memsize=2G \
	--cpu_affinity=3 \
	--ovmf "$bios" \
	-s 0:0,hostbridge -s 1:0,lpc \
	-l com1,pty \
	-s 5,virtio-blk,${disk_dir}/${name}.img \
	-s 6,virtio-blk,nodisk \
	-s 7,virtio-blk,'/var/lib/acrn/iso/install media.iso',ro \
	-s 8,virtio-net,tap=tap_${name},mac=AA:BB:CC:00:00:0${id} \
	--logger_setting console,level=4\;kmsg,level=3 \
	"$@" \
	"$name" >>"$DM_LOG" 2>&1
