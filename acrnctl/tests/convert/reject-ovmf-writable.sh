#!/bin/sh
acrn-dm -m 1G --ovmf w,/usr/share/acrn/bios/OVMF.fd vm1
