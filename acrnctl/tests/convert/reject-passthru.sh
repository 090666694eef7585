#!/bin/sh
acrn-dm -m 1G -s 0:0,hostbridge -s 1:0,lpc -s 2,passthru,0/1f/0 -k /boot/vmlinuz vm1
