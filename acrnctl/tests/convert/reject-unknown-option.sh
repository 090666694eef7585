#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz --turbo_mode vm1
