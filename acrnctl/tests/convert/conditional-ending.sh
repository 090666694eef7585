#!/bin/bash
# The shape of upstream's NUC samples (v1.2 to v3.1): two functions and the
# standard ending that calls one of them; a MAC seed computed from the host
# at run time for an option that is dropped anyway; virtio-console, which
# is dropped with a warning, and virtio-rnd, which becomes <rng>.

function run_container()
{
vm_name=vm1
input=$(runc list -f table | awk '{print $1}''{print $3}')
arr=(${input// / })
for((i=0;i<${#arr[@]};i++))
do
	if [ "$vm_name" = "${arr[$i]}" ]; then
		runc kill ${arr[$i]}
	fi
done
runc run --bundle /usr/share/acrn/conf/add/runc/$vm_name -d $vm_name
exit
}

function launch_clear()
{
mac=$(cat /sys/class/net/e*/address)
vm_name=vm$1
mac_seed=${mac:9:8}-${vm_name}

#check if the vm is running or not
vm_ps=$(pgrep -a -f acrn-dm)
result=$(echo $vm_ps | grep -w "${vm_name}")
if [[ "$result" != "" ]]; then
  echo "$vm_name is running, can't create twice!"
  exit
fi

logger_setting="--logger_setting console,level=4;kmsg,level=3;disk,level=5"
mem_size=2048M

acrn-dm -A -m $mem_size -s 0:0,hostbridge \
  -s 5,virtio-console,@stdio:stdio_port \
  -s 3,virtio-blk,/home/clear/user_vm/user_vm.img \
  -s 4,virtio-net,tap0 \
  -s 7,virtio-rnd \
  --ovmf /usr/share/acrn/bios/OVMF.fd \
  $logger_setting \
  --mac_seed $mac_seed \
  $vm_name
}

# offline Service VM CPUs except BSP before launching the User VM
for i in `ls -d /sys/devices/system/cpu/cpu[1-99]`; do
        online=`cat $i/online`
        idx=`echo $i | tr -cd "[1-99]"`
        if [ "$online" = "1" ]; then
                echo 0 > $i/online
                while [ "$online" = "1" ]; do
                        sleep 1
                        online=`cat $i/online`
                done
                echo $idx > /sys/devices/virtual/misc/acrn_hsm/remove_cpu
        fi
done

if [ "$1" = "-C" ];then
	echo "runc_container"
	run_container
else
	launch_clear 1 "64 448 8" 0x070F00
fi
