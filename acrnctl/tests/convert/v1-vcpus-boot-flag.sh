#!/bin/bash
# acrn-dm up to v1.3: -c gives the vCPU count; virtio-blk takes the boot
# flag 'b' before the path (as acrn-dm through v3.x accepts it); the memory
# size may come from an option of the script.

boot_dev_flag=",b"
mem_size=2G
if [ "$setup_mem" != "" ]; then
    mem_size=$setup_mem
fi

launch() {
acrn-dm -A -m 1G -c $2 -s 0:0,hostbridge -s 1:0,lpc -l com1,stdio \
  -s 3,virtio-blk$boot_dev_flag,/data/$5/$5.img \
  -s 4,virtio-net,tap_$6 \
  -k /usr/lib/kernel/default-iot-lts2018 \
  -B "root=/dev/vda2 rw rootwait maxcpus=$2 nohpet console=ttyS0" vm$1
}

launch 1 2 "64 448 8" 0x070F00 clearlinux LaaG
