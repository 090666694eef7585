#!/bin/bash
# A launch script in the style of upstream ACRN's samples: a function that
# builds the acrn-dm command line from variables and its own arguments.

offline_path="/sys/class/vhm/acrn_vhm"

function launch_clear()
{
	mac=$(cat /sys/class/net/e*/address)
	vm_name=vm$1

	# check if the vm is running or not
	vm_ps=$(pgrep -a -f acrn-dm)
	result=$(echo $vm_ps | grep -w "${vm_name}")
	if [[ "$result" != "" ]]; then
		echo "$vm_name is running, can't create twice!"
		exit
	fi

	#for memsize setting
	mem_size=1024M

	acrn-dm -A -m $mem_size -s 0:0,hostbridge \
	  -s 3,virtio-blk,/home/clear/uos/uos.img \
	  -s 4,virtio-net,tap0,mac=00:16:3E:5d:9a:01 \
	  --cpu_affinity 1,2 \
	  -l com1,stdio \
	  -s 1:0,lpc \
	  -k /usr/lib/kernel/default-iot-lts2018 \
	  -B "root=/dev/vda3 rw rootwait maxcpus=$2 nohpet console=tty0 console=ttyS0 \
no_timer_check ignore_loglevel log_buf_len=16M \
consoleblank=0 tsc=reliable" $vm_name
}

# offline SOS CPUs except BSP before launching the UOS
for i in `ls -d /sys/devices/system/cpu/cpu[1-99]`; do
	online=`cat $i/online`
	idx=`echo $i | tr -cd "[1-99]"`
	echo cpu$idx online=$online
done

launch_clear 1 2
