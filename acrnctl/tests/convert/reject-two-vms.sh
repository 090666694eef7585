#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz vm1 &
acrn-dm -m 1G -k /boot/vmlinuz vm2 &
wait
