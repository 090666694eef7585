#!/bin/sh
# Shell features launch scripts use: defaults, quoting, escapes, a
# here-document that mentions acrn-dm, wrappers and redirections.
: "${KERNEL_DIR:=/opt/acrn/kernels}"
export CMDLINE='console=ttyS0 root=/dev/vda1 quiet "quoted"'
NAME=${VM_NAME:-quoting-vm}
readonly DISK=/srv/images/$NAME.raw

cat >/tmp/unused <<-'END'
	acrn-dm -m 9G this-is-not-a-command
	END

taskset -c 0 nohup acrn-dm \
	-m 512M \
	-k "$KERNEL_DIR/bzImage" -r "${KERNEL_DIR}"/initrd.img \
	-B "$CMDLINE" \
	-s 3,virtio-blk,$DISK \
	-s 4,virtio-net,tap=tap\_0 \
	-l com1,tcp:4444 \
	--acpi \
	"$NAME" 2>&1 | tee /var/log/$NAME.log
