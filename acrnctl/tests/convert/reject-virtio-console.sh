#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz -s 5,virtio-console,@stdio:stdio_port vm1
