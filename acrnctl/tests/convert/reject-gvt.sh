#!/bin/sh
acrn-dm -A -m 2G -s 0:0,hostbridge -s 2,pci-gvt -G "64 448 8" -k /boot/vmlinuz vm1
