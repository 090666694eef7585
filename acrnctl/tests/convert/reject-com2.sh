#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz -l com2,stdio vm1
