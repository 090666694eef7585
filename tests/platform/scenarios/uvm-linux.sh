#!/bin/sh
# Debian's own kernel as a User VM (issue 11): acrn-dm started by hand in the
# busybox Service VM (two CPUs; acrn-dm gives CPU 1 to the hypervisor) boots
# the Service VM's kernel with a busybox initramfs (tests/platform/uvm-guest,
# built by acrnplatform/uvmguest.py), a virtio-blk disk and a virtio-console,
# and COM1 in a file. Checks what the guest prints there: the kernel banner,
# user space, a token read from the disk, a line it wrote to hvc0; pause
# and resume through the control socket (its clock-driven ticks stop and
# go on); stop -> busybox acpid sees the power button -> the guest powers
# off and acrn-dm exits 0; a guest booted from the bzImage (-k) that powers
# itself off; force-stop of a guest that ignores the button; kill -9 of
# acrn-dm leaving no VM in the HSM or the hypervisor. Waits for what the
# guest prints, never for time.
# needs: userland uvm-linux
. /scenarios/lib.sh

G=/usr/share/acrn-tests/linux-uvm
if [ ! -f $G/vmlinux ] || [ ! -e /sys/devices/system/cpu/cpu1 ] || ! command -v acrn-dm >/dev/null; then
	skip "Linux User VM" "needs the guest files, acrn-dm and a second CPU"
	exit 0
fi
[ -c /dev/acrn_hsm ] || check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
[ -d /sys/kernel/debug/acrn_hsm ] || mount -t debugfs debugfs /sys/kernel/debug
eval "$(dm-ctl hv-counters)"
vms0=$hv_vms
note "before any User VM: $vms0 VM(s) in the hypervisor's table, $hv_free_pages free pages"

# Guest time runs at the Service VM's pace: Bochs advances the TSC once per
# instruction, both kernels take it for 3.5 GHz. The cheap-boot parameters
# are explained in docs/devicemodel.md.
UVM_CMDLINE=${UVM_CMDLINE:-"console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200 nokaslr mitigations=off no_timer_check tsc=reliable panic=-1"}
UVM_EXTRA=


# start_uvm NAME MODE [KERNEL-OPTION KERNEL]: acrn-dm in the background
start_uvm() {
	name=$1
	mode=$2
	kopt=${3:---elf_file}
	kernel=${4:-$G/vmlinux}
	rm -f /tmp/$name.com1 /tmp/$name.hvc /tmp/$name.sock /tmp/$name.dm
	acrn-dm -m 160M --cpu_affinity 1 -s 0:0,hostbridge -s 1:0,lpc \
		-s 3,virtio-blk,$G/disk.iso,ro -s 4,virtio-console,file:/tmp/$name.hvc $UVM_EXTRA \
		-l com1,file:/tmp/$name.com1 $kopt $kernel -r $G/initrd \
		-B "$UVM_CMDLINE uvm.mode=$mode" --control-socket /tmp/$name.sock $name \
		>/tmp/$name.dm 2>&1 &
	dm_pid=$!
	t_start=$(uptime_cs)
	note "acrn-dm $name (pid $dm_pid, mode $mode, $kopt $kernel)"
}

# guest_log NAME: the guest's COM1 and acrn-dm's log, for a failure
guest_log() {
	tail -n 25 /tmp/$1.com1 2>/dev/null | sed 's/^/# guest: /'
	tail -n 10 /tmp/$1.dm 2>/dev/null | sed 's/^/# acrn-dm: /'
}

# expect DESCRIPTION NAME PATTERN: ok once the guest printed PATTERN on COM1.
# Gives up when acrn-dm has ended or after 60 s of Service VM time (an hour
# of wall time: the platform's time limit stops a hung run long before);
# prints the last guest line every 0.5 s so that the platform sees progress.
# On failure the scenario ends: what follows needs the guest.
expect() {
	end=$(($(uptime_cs) + 6000))
	next=$(($(uptime_cs) + 50))
	while ! grep -q "$3" /tmp/$2.com1 2>/dev/null; do
		now=$(uptime_cs)
		if [ "$now" -gt "$end" ] || ! kill -0 "$dm_pid" 2>/dev/null; then
			not_ok "$1"
			guest_log "$2"
			exit 0
		fi
		if [ "$now" -gt "$next" ]; then
			note "waiting for '$3': $(tail -n 1 /tmp/$2.com1 2>/dev/null | cut -c 1-100)"
			next=$((now + 50))
		fi
		sleep 0.01
	done
	ok "$1 (at $(($(uptime_cs) - t_start)) cs of Service VM time)"
}

ticks() { grep -c 'UVM-LINUX: tick' "/tmp/$1.com1" 2>/dev/null; }

# expect_ticks DESCRIPTION NAME N: ok once the guest printed N ticks in all
# (the console ends lines with CR LF, so the count is what is compared).
expect_ticks() {
	end=$(($(uptime_cs) + 6000))
	while [ "$(ticks $2)" -lt "$3" ]; do
		if [ "$(uptime_cs)" -gt "$end" ] || ! kill -0 "$dm_pid" 2>/dev/null; then
			not_ok "$1"
			guest_log "$2"
			exit 0
		fi
		sleep 0.01
	done
	ok "$1 (at $(($(uptime_cs) - t_start)) cs of Service VM time)"
}

# guest_uptime NAME: the guest's /proc/uptime when its init started
guest_uptime() {
	sed -n 's/.*UVM-LINUX: userspace reached, uptime=\([0-9.]*\).*/\1/p' /tmp/$1.com1 | head -n 1
}

# bench/uvm-linux-boot.sh (uvm_linux.bench=1): one guest with the command
# line the platform gives the same kernel booted natively with
# `iso --megs 160 --cpus 1 --append "loglevel=6 ... uvm.mode=poweroff"` (the
# script compares the two "Kernel command line" lines), a second disk of
# 16 MiB that its rc reads whole, and PIO reads of acrn-dm's PM1a status;
# then acrn-dm's memory while the guest is up, the same read in the Service
# VM, and a stop. uvm_linux.kernel=bzimage boots the bzImage (-k) instead of
# the ELF (the guest's own decompressor runs first: minutes of emulation).
if [ "$(cmdline_value uvm_linux.bench)" = 1 ]; then
	UVM_CMDLINE="console=ttyS0,115200 nokaslr quiet mitigations=off panic=-1 acrn.ram_mb=160 acrn.cpus=1 loglevel=6 no_timer_check tsc=reliable uvm.bench=1"
	dd if=/dev/zero of=/tmp/bench.img bs=1M count=16 2>/dev/null
	UVM_EXTRA="-s 5,virtio-blk,/tmp/bench.img,ro"
	if [ "$(cmdline_value uvm_linux.kernel)" = bzimage ]; then
		start_uvm bench poweroff -k $G/vmlinuz
	else
		start_uvm bench poweroff
	fi
	expect "the guest reaches user space" bench 'UVM-LINUX: userspace reached'
	note "guest user space at uptime=$(guest_uptime bench)"
	note "guest $(grep -m 1 -o 'Kernel command line: .*' /tmp/bench.com1 | tr -d '\r')"
	expect "the guest ran its benchmarks" bench 'UVM-LINUX: bench done'
	grep 'UVM-BENCH:' /tmp/bench.com1 | tr -d '\r' | sed 's/^/# guest /'
	# Resident memory of acrn-dm with the guest up: the guest-RAM memfd
	# (shared memory) against the rest, per mapping from smaps.
	grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem|Threads):' /proc/$dm_pid/status |
		tr -s ' \t' ' ' | sed 's/^/# acrn-dm status /'
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = ($6 == "") ? "[anon]" : $6 }
		/^Rss:/ { rss[n] += $2; total += $2; if (n ~ /acrn-dm-guest/) guest += $2 }
		END {
			printf "# acrn-dm smaps: rss_total_kb=%d guest_ram_kb=%d beyond_guest_kb=%d\n", total, guest, total - guest
			for (n in rss) if (rss[n] >= 16 && n !~ /acrn-dm-guest/) printf "%d %s\n", rss[n], n
		}' /proc/$dm_pid/smaps >/tmp/bench.smaps
	grep '^#' /tmp/bench.smaps
	grep -v '^#' /tmp/bench.smaps | sort -rn | head -n 12 | sed 's/^/# acrn-dm rss_kb /'
	$G/uvm-bench read /tmp/bench.img 1024 | sed 's/^/# service-vm /'
	check "stop through the control socket" dm-ctl /tmp/bench.sock stop
	wait "$dm_pid"
	status=$?
	check "acrn-dm exits 0 after the guest's poweroff (got $status)" test "$status" = 0
	exit 0
fi

# 1. boot, devices, pause/resume, stop -> acpid -> poweroff
start_uvm uvm1 button
expect "acrn-dm boots Debian's kernel: banner on COM1" uvm1 'Linux version'
banner=$(grep -m 1 -o 'Linux version [^ ]*' /tmp/uvm1.com1)
check "the guest runs the Service VM's kernel ($banner)" test "${banner#Linux version }" = "$(uname -r)"
expect "the guest reaches user space" uvm1 'UVM-LINUX: userspace reached'
note "guest user space at uptime=$(guest_uptime uvm1) (guest seconds since timekeeping started)"
expect "the guest reads the file on its virtio-blk disk" uvm1 'UVM-LINUX: virtio-blk file:'
token=$(cat $G/token)
check "the file holds this build's token ($token)" grep -q "virtio-blk file: $token" /tmp/uvm1.com1
expect "the guest writes to hvc0" uvm1 'UVM-LINUX: wrote to hvc0'
check "acrn-dm's virtio-console backend got the line ($(head -c 80 /tmp/uvm1.hvc))" \
	grep -q 'UVM-LINUX: hello on hvc0 from uvm-linux' /tmp/uvm1.hvc
expect "busybox acpid waits for the power button" uvm1 'UVM-LINUX: waiting for the power button'
expect_ticks "the guest's clock ticks" uvm1 2
check "pause through the control socket" dm-ctl /tmp/uvm1.sock pause
# A request the vCPU made before the pause may still be answered: settle.
busy_wait_cs 5
t0=$(ticks uvm1)
busy_wait_cs 30
t1=$(ticks uvm1)
check "a paused guest does not tick ($t0 -> $t1 in 0.3 s; running it ticks every 0.05 s)" test "$t0" = "$t1"
check "resume through the control socket" dm-ctl /tmp/uvm1.sock resume
expect_ticks "the guest ticks again after resume" uvm1 $((t1 + 2))
check "stop through the control socket (ACPI power button)" dm-ctl /tmp/uvm1.sock stop
expect "the guest's acpid saw the power button" uvm1 'UVM-LINUX: power button pressed'
wait "$dm_pid"
status=$?
check "acrn-dm exits with the poweroff status 0 (got $status)" test "$status" = 0
check "acrn-dm logged the guest's poweroff" grep -q 'uvm1: poweroff' /tmp/uvm1.dm
note "what uvm1 printed on COM1 (without kernel messages):"
grep 'UVM-LINUX' /tmp/uvm1.com1 | grep -v tick | sed 's/^/#   /'

# 2. the guest powers itself off; booted from the bzImage through -k (the
# kernel's own decompressor runs in the guest first: the only bzImage User
# VM boot of the suite, as it costs tens of emulator-s more than the ELF)
start_uvm uvm2 poweroff -k $G/vmlinuz
expect "a second guest on the same pCPU boots the bzImage (-k): banner" uvm2 'Linux version'
expect "the bzImage guest reaches user space" uvm2 'UVM-LINUX: userspace reached'
note "bzImage guest user space at uptime=$(guest_uptime uvm2)"
expect "it powers itself off" uvm2 'UVM-LINUX: powering off'
wait "$dm_pid"
status=$?
check "acrn-dm exits 0 after the guest's poweroff (got $status)" test "$status" = 0

# 3. a guest that ignores the button: force-stop
start_uvm uvm3 ignore
expect "a guest without a button handler reaches user space" uvm3 'UVM-LINUX: ignoring the power button'
expect_ticks "it ticks" uvm3 1
check "stop through the control socket" dm-ctl /tmp/uvm3.sock stop
t0=$(ticks uvm3)
expect_ticks "the guest ignores the button and keeps running" uvm3 $((t0 + 2))
dm-ctl /tmp/uvm3.sock force-stop poweroff >/tmp/uvm3.ctl 2>&1
status=$?
check "force-stop through the control socket: ok, then the poweroff event (dm-ctl $status)" \
	test "$status" = 0
check "the poweroff event's reason is force-stop ($(grep poweroff /tmp/uvm3.ctl))" \
	grep -q '"reason":"force-stop"' /tmp/uvm3.ctl
wait "$dm_pid"
status=$?
check "acrn-dm exits 0 after force-stop (got $status)" test "$status" = 0

# 4. kill -9 of acrn-dm: the HSM's release destroys the VM
start_uvm uvm4 ignore
expect "a fourth guest reaches user space" uvm4 'UVM-LINUX: ignoring the power button'
check "the HSM holds its VM" grep -q 'name=uvm4 state=running' /sys/kernel/debug/acrn_hsm/vms
eval "$(dm-ctl hv-counters)"
note "with uvm4 running: $hv_vms VM(s) in the hypervisor, $hv_free_pages free pages"
kill -9 "$dm_pid"
wait "$dm_pid"
status=$?
check "acrn-dm was killed (status $status)" test "$status" = 137
check "no VM left in the HSM after kill -9" sh -c "! grep -q '^vm ' /sys/kernel/debug/acrn_hsm/vms"
vms_running=$hv_vms
eval "$(dm-ctl hv-counters)"
check "no VM left in the hypervisor ($vms0 before, $vms_running with uvm4, $hv_vms after)" \
	test "$hv_vms" = "$vms0"
check "no pinned or leaked pages in the HSM ($(tail -n 2 /sys/kernel/debug/acrn_hsm/vms | head -n 1))" \
	grep -q 'pinned_pages=0 leaked_pages=0' /sys/kernel/debug/acrn_hsm/vms
exit 0
