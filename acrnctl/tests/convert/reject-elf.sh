#!/bin/sh
acrn-dm -m 1G -E /boot/zephyr.elf vm1
