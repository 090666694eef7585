#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz vm$1
