#!/bin/bash
# The shape of the v3 configurator's launch_user_vm_id*.sh: helper functions
# that echo acrn-dm options, called through `...` inside a bash array, with
# side effects (tap creation, CPU offlining) that go to stderr or are
# skipped; mac_seed= as a virtio-net option; a relative disk path.

function make_tap() {
    tap=$1
    tap_exist=$(ip a show dev $tap)
    if [ "$tap_exist"x != "x" ]; then
        echo "$tap TAP device already available, reusing it."
    else
        ip tuntap add dev $tap mode tap
    fi
}

function cpu_options() {
    if [ "${vm_type}" = "RTVM" ] || [ "${own_pcpu}" = "y" ]; then
        for i in $*; do
            echo 0 > /sys/devices/system/cpu/cpu${i}/online
        done
    fi

    cpu_list=$(local IFS=, ; echo "$*")
    echo -n "--cpu_affinity ${cpu_list}"
}

function log_options() {
    loggers=()
    for conf in $*; do
        loggers+=("${conf%=*},level=${conf#*=}")
    done
    cmd_param=$(local IFS=';' ; echo "${loggers[*]}")
    echo -n "--logger_setting ${cmd_param}"
}

function device() {
    slot=$1
    kind=$2
    options=$3

    if [ "${kind}" = "virtio-net" ]; then
        if [[ ${options} =~ tap=([^,]+) ]]; then
            make_tap "${BASH_REMATCH[1]}" >&2
        fi
    fi
    if [ "${kind}" = "virtio-input" ]; then
        options=$(grep -l "${options}" /sys/class/input/event*/device/name)
        return
    fi

    echo -n "-s ${slot},${kind}"
    if [ -n "${options}" ]; then
        echo -n ",${options}"
    fi
}

vm_type='STANDARD_VM'
own_pcpu='n'

modprobe pci_stub
mac=$(cat /sys/class/net/e*/address)

dm_params=(
    `cpu_options                     2 4`
    -m 2048M
    --ovmf /usr/share/acrn/bios/OVMF.fd
    `device                          1:0 lpc`
    `device                          0:0 hostbridge`
    `device                          3 virtio-console @stdio:stdio_port`
    `device                          4 virtio-net tap=tap_vm1,mac_seed=${mac:0:17}-POST_VM1`
    `device                          5 virtio-blk ./images/ubuntu.img`
    `log_options                     console=4 kmsg=3 disk=5`
    POST_VM1
)

echo "Launch device model with parameters: ${dm_params[@]}"
acrn-dm "${dm_params[@]}"
