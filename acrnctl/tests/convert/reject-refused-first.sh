#!/bin/sh
# A refused option is reported before a value only known at run time that
# an earlier option needs (upstream's RT-VM scripts take the memory size
# from getopts and use --lapic_pt).
mem_size=1024M
while getopts B: opt; do
	case $opt in B) mem_size=$OPTARG ;; esac
done
acrn-dm -A -m $mem_size -s 0:0,hostbridge -k /boot/vmlinuz --lapic_pt --rtvm hard_rtvm
