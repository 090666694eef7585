#!/bin/sh
# Boot the hypervisor in Bochs (developer tool, used before tests/platform
# existed).  Usage:
#   boot-bochs.sh -e acrn.elf -k KERNEL [-i INITRD] [-a "hv args"]
#                 [-c "kernel args"] [-n CPUS] [-t TIMEOUT] [-o OUTDIR] [-s TCPPORT]
# -m picks the Bochs CPU model; -s puts COM2 on a TCP socket (Bochs waits for a client), for the debug shell.
# Prints the serial log with wall-clock offsets; exit status is Bochs's.
set -eu
elf= kernel= initrd= hvargs= kargs="console=ttyS0,115200 nokaslr quiet mitigations=off panic=-1"
cpus=1 tmo=300 out= com2= model=corei7_skylake_x
while getopts e:k:i:a:c:n:t:o:s:m: opt; do
	case $opt in
	e) elf=$OPTARG ;; k) kernel=$OPTARG ;; i) initrd=$OPTARG ;; a) hvargs=$OPTARG ;;
	c) kargs=$OPTARG ;; n) cpus=$OPTARG ;; t) tmo=$OPTARG ;; o) out=$OPTARG ;;
	s) com2=$OPTARG ;; m) model=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -n "$elf" ] || { echo "need -e acrn.elf" >&2; exit 2; }
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out/iso/boot/grub"
cp "$elf" "$out/iso/boot/acrn.elf"
{
	echo "set timeout=0"
	echo "serial --unit=0 --speed=115200"
	echo "terminal_input serial"
	echo "terminal_output serial"
	echo "menuentry acrn {"
	echo "  multiboot2 /boot/acrn.elf $hvargs"
	if [ -n "$kernel" ]; then
		cp "$kernel" "$out/iso/boot/kernel"
		echo "  module2 /boot/kernel $kargs"
	fi
	if [ -n "$initrd" ]; then
		cp "$initrd" "$out/iso/boot/initrd"
		echo "  module2 /boot/initrd"
	fi
	echo "}"
} > "$out/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$out/platform.iso" "$out/iso" >/dev/null 2>&1
cat > "$out/bochsrc" <<RC
megs: 512
cpu: model=$model, count=$cpus, ips=50000000
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0-master: type=cdrom, path=platform.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=serial.log
log: bochs.log
panic: action=fatal
error: action=report
clock: sync=none, time0=local
display_library: rfb, options="timeout=0"
port_e9_hack: enabled=1
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
RC
[ -z "$com2" ] || echo "com2: enabled=1, mode=socket-server, dev=localhost:$com2" >> "$out/bochsrc"
echo c > "$out/cont.rc"
start=$(date +%s.%N)
rc=0
(cd "$out" && timeout "$tmo" bochs-bin -q -f bochsrc -rc cont.rc < /dev/null > bochs.stdout 2>&1) || rc=$?
end=$(date +%s.%N)
tr -d '\r' < "$out/serial.log"
echo "--- bochs exit $rc after $(echo "$end - $start" | bc) s (output in $out)"
exit $rc
