#!/bin/sh
img=$(ls /var/lib/acrn/*.img | head -n 1)
acrn-dm -m 1G -k /boot/vmlinuz -s 3,virtio-blk,$img vm1
