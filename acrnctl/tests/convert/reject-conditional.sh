#!/bin/bash
if [ -e /dev/acrn_hsm ]; then mem=2G; else mem=1G; fi
acrn-dm -m $mem -k /boot/vmlinuz vm1
