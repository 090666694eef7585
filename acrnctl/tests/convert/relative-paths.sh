#!/bin/sh
# Relative paths are resolved against the script's directory, ~ against
# the home directory of the user running acrnctl (HOME=/home/tester in the
# test); each with a warning naming the result.
spare=~/disks/spare.img
acrn-dm -m 1G -k ./images/bzImage -r boot/../initrd.img \
  -s 3,virtio-blk,~/disks/root.img -s 4,virtio-blk,images/data.img -s 5,virtio-blk,$spare \
  -l com1,file:logs/console.log vm1
