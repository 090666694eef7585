#!/bin/sh
acrn-dm -m 1G -k /boot/vmlinuz 1vm
