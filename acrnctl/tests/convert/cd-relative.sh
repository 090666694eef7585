#!/bin/sh
# Relative paths count from where the script changed directory to; a cd
# inside $(...) or ( ... ) does not last.
cd images
version=$(cd /boot && ls vmlinuz-* | tail -n 1)
(cd /tmp && rm -f stale.log)
acrn-dm -m 1G -k ./bzImage -s 3,virtio-blk,../disks/root.img vm1
