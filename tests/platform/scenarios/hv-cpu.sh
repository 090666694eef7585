#!/bin/sh
# The Service VM's CPUs under the hypervisor (the hand checks of
# hypervisor/tests/mkinitrd.sh `hotplug` and `msr`):
# - CPU hotplug: taking cpu1 offline and online again goes through the
#   hypervisor's INIT/STARTUP emulation for a vCPU that already ran; two
#   rounds, then a task pinned to CPU 1 must run there.
# - A write to the x2APIC ICR MSR (0x830) while the LAPIC is in xAPIC mode
#   must fail in the guest (#GP, which the msr driver turns into EIO) and
#   leave the hypervisor running (the runner then still sees a clean
#   `platform poweroff`).
# Everything here is synchronous (sysfs online writes return once the CPU is
# up or down): no sleeps, which cost ~50x wall time with 2 CPUs in Bochs.
# kmods: msr
. /scenarios/lib.sh

ncpus() { grep -c '^processor' /proc/cpuinfo; }

# ---- CPU hotplug ----
cpu1=/sys/devices/system/cpu/cpu1/online
if [ ! -e $cpu1 ]; then
	skip "CPU 1 offline/online" "no $cpu1 ($(ncpus) CPU(s), online $(cat /sys/devices/system/cpu/online))"
else
	for round in 1 2; do
		echo 0 >$cpu1 2>/tmp/hotplug.err
		state=$(cat $cpu1)
		n=$(ncpus)
		note "round $round off: cpu1/online=$state, online=$(cat /sys/devices/system/cpu/online), cpuinfo processors=$n"
		sed 's/^/# /' /tmp/hotplug.err
		check "round $round: cpu1 goes offline (online reads $state, /proc/cpuinfo shows $n processor(s))" \
			test "$state" = 0 -a "$n" = 1
		echo 1 >$cpu1 2>/tmp/hotplug.err
		state=$(cat $cpu1)
		n=$(ncpus)
		note "round $round on: cpu1/online=$state, online=$(cat /sys/devices/system/cpu/online), cpuinfo processors=$n"
		sed 's/^/# /' /tmp/hotplug.err
		check "round $round: cpu1 comes back online (online reads $state, /proc/cpuinfo shows $n processors)" \
			test "$state" = 1 -a "$n" = 2
	done

	# The pinned shell spins a little so that it is scheduled for real, then
	# reports the CPU it last ran on (field 39 of /proc/<pid>/stat; the
	# fields after "pid (comm) " start at field 3) and its affinity.
	# timeout: a CPU 1 that never runs the task must not hang the boot.
	if command -v taskset >/dev/null 2>&1; then
		out=$(timeout 5 taskset -c 1 sh -c '
			i=0
			while [ $i -lt 300 ]; do i=$((i + 1)); done
			stat=$(cat /proc/$$/stat)
			set -- ${stat##*) }
			shift 36
			allowed=$(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/$$/status)
			echo "cpu=$1 allowed=$allowed"' 2>&1)
		note "pinned task: $out"
		check "a task pinned to CPU 1 runs there ($out)" test "$out" = "cpu=1 allowed=1"
	else
		# Without taskset nothing can pin; look where a busy loop runs.
		sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done' &
		pid=$!
		i=0
		seen=
		while [ $i -lt 200 ] && kill -0 $pid 2>/dev/null; do
			stat=$(cat /proc/$pid/stat 2>/dev/null) || break
			set -- ${stat##*) }
			shift 36
			case " $seen " in *" $1 "*) ;; *) seen="$seen $1" ;; esac
			i=$((i + 1))
		done
		wait $pid
		note "busy loop ran on CPU(s):$seen"
		skip "a task pinned to CPU 1 runs there" "no taskset in busybox (unpinned loop ran on:$seen)"
	fi
fi

# ---- x2APIC ICR MSR write in xAPIC mode ----
msr=/dev/cpu/0/msr
if [ ! -c $msr ]; then
	skip "write to x2APIC ICR MSR 0x830 in xAPIC mode fails with EIO" "no $msr (msr module not loaded)"
else
	# IA32_APIC_BASE (0x1b): bit 11 = LAPIC enabled, bit 10 = x2APIC mode.
	# The msr driver takes the file offset as the MSR index.
	base=$(dd if=$msr bs=8 count=1 skip=$((0x1b)) iflag=skip_bytes 2>/dev/null | od -An -tx8 | tr -d ' ')
	note "IA32_APIC_BASE=0x$base"
	if [ -z "$base" ]; then
		not_ok "read IA32_APIC_BASE (MSR 0x1b) through $msr"
	elif [ $(((0x$base >> 10) & 1)) = 1 ]; then
		skip "write to x2APIC ICR MSR 0x830 in xAPIC mode fails with EIO" \
			"the Service VM runs its LAPIC in x2APIC mode (IA32_APIC_BASE=0x$base)"
	else
		ok "LAPIC is in xAPIC mode (IA32_APIC_BASE=0x$base)"
		# 0x830 is a multiple of 8, so bs=8 seek=0x830/8 lands on it.
		head -c 8 /dev/zero | dd of=$msr bs=8 seek=$((0x830 / 8)) count=1 conv=notrunc \
			>/tmp/msr.out 2>&1
		status=$?
		sed 's/^/# /' /tmp/msr.out
		check "write to x2APIC ICR MSR 0x830 in xAPIC mode fails (dd status $status)" \
			test "$status" != 0
		check "the failure is EIO (Input/output error)" grep -E -q 'I/O error|Input/output error' /tmp/msr.out
		# The hypervisor survived: both CPUs still answer.
		again=$(dd if=$msr bs=8 count=1 skip=$((0x1b)) iflag=skip_bytes 2>/dev/null | od -An -tx8 | tr -d ' ')
		check "the Service VM still reads IA32_APIC_BASE after the fault (0x$again)" \
			test "$again" = "$base"
		if [ -c /dev/cpu/1/msr ]; then
			check "CPU 1 still answers MSR reads after the fault" \
				dd if=/dev/cpu/1/msr of=/dev/null bs=8 count=1 skip=$((0x1b)) iflag=skip_bytes
		fi
	fi
fi
exit 0
