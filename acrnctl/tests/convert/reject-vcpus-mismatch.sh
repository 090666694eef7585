#!/bin/sh
acrn-dm -m 1G -c 2 --cpu_affinity 1,2,3 -k /boot/vmlinuz vm1
