#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz --rtvm --lapic_pt vm1
