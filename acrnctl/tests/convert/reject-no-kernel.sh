#!/bin/sh
acrn-dm -m 1G -s 3,virtio-blk,/img vm1
