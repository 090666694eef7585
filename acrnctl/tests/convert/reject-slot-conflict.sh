#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz -s 1,virtio-blk,/img vm1
