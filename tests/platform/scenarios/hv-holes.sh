#!/bin/sh
# What a hostile Service VM kernel could do to the hypervisor (issue 9,
# part 3), tried from the Service VM's user space through the msr driver
# (/dev/cpu/N/msr: WRMSR/RDMSR at CPL 0 on the kernel's behalf) and /dev/mem.
# Each attempt must be refused or contained as the hardware would refuse it,
# and the hypervisor must stay up: the runner then still sees a clean
# `platform poweroff` with exit statistics.
# - IA32_APIC_BASE: moving the LAPIC page (over hypervisor memory) is
#   refused (#GP -> EIO); rewriting the current value is fine.
# - PMU, debug store/PEBS: the MSRs that make the hardware write memory or
#   raise NMIs on its own are refused; MTRRs and TSC_ADJUST are emulated
#   (the value reads back, the hardware is untouched); a microcode-update
#   trigger pointing into the hypervisor is ignored.
# - NMIs (two CPUs): SysRq-l has CPU 0 send an NMI IPI to CPU 1 (the ICR
#   write is replayed by the hypervisor); with NMI exiting the NMI exits on
#   CPU 1, or lands in the hypervisor if CPU 1 is in VMX root operation at
#   that moment, and is injected into the vCPU. The root-operation case is
#   made certain by the hypervisor selftest (it NMIs itself while handling a
#   guest's VMCALL); a user-space test cannot choose the moment.
# kmods: msr
. /scenarios/lib.sh

msr=/dev/cpu/0/msr

# rdmsr MSR: the value in hex (no 0x), empty on failure
rdmsr() {
	dd if=$msr bs=8 count=1 skip=$(($1)) iflag=skip_bytes 2>/dev/null | od -An -tx8 | tr -d ' '
}

# wrmsr MSR VALUE: write 8 little-endian bytes; dd's status is the verdict,
# its messages are left in /tmp/wrmsr.err
wrmsr() {
	v=$(($2))
	s=
	i=0
	while [ $i -lt 8 ]; do
		s="$s\\$(printf %03o $(((v >> (8 * i)) & 255)))"
		i=$((i + 1))
	done
	printf "$s" | dd of=$msr bs=8 count=1 seek=$(($1)) oflag=seek_bytes conv=notrunc \
		2>/tmp/wrmsr.err
}

# refused DESC MSR VALUE: the write must fail with EIO (#GP in the guest)
refused() {
	if wrmsr "$2" "$3"; then
		not_ok "$1: WRMSR $2 <- $3 succeeded"
	elif grep -E -q 'I/O error|Input/output error' /tmp/wrmsr.err; then
		ok "$1: WRMSR $2 <- $3 refused (EIO)"
	else
		not_ok "$1: WRMSR $2 <- $3 failed, but not with EIO: $(tr '\n' ' ' </tmp/wrmsr.err)"
	fi
}

if [ ! -c $msr ]; then
	not_ok "the msr driver gives $msr"
	exit 0
fi
hv_mem=$(cmdline_value acrn_hv_mem)
hv_start=$((${hv_mem%-*}))
note "hypervisor memory $hv_mem, kernel taint $(cat /proc/sys/kernel/tainted)"
dmesg | grep -A4 'WARNING\|unchecked MSR' | head -n 10 | sed 's/^/# boot dmesg: /'

# ---- IA32_APIC_BASE (0x1b) ----
base=$(rdmsr 0x1b)
note "IA32_APIC_BASE=0x$base"
refused "LAPIC moved over hypervisor memory" 0x1b $(((0x$base & 0xfff) | hv_start))
refused "LAPIC moved to another MMIO page" 0x1b $(((0x$base & 0xfff) | 0xfed00000))
check "IA32_APIC_BASE unchanged (0x$(rdmsr 0x1b))" test "$(rdmsr 0x1b)" = "$base"
check "rewriting IA32_APIC_BASE with its value works" wrmsr 0x1b 0x$base
# the LAPIC timer still ticks: local timer interrupts keep coming
loc() { awk '/^ *LOC:/ { print $2 }' /proc/interrupts; }
loc1=$(loc)
i=0
while [ $i -lt 20000 ]; do i=$((i + 1)); done
loc2=$(loc)
check "the LAPIC timer still interrupts CPU 0 (LOC $loc1 -> $loc2)" test "$loc2" -gt "$loc1"

# ---- PMU, debug store, PEBS ----
refused "IA32_DS_AREA (debug store) into hypervisor memory" 0x600 $hv_start
refused "IA32_PEBS_ENABLE" 0x3f1 1
refused "IA32_PERFEVTSEL0" 0x186 0x4300c0
refused "IA32_PERF_GLOBAL_CTRL" 0x38f 1
refused "IA32_FIXED_CTR_CTRL" 0x38d 0xb
refused "IA32_PMC0" 0xc1 0x7fffffff
shown=
for f in dts dtes64 ds_cpl pdcm arch_perfmon pebs bts; do
	has_flag $f && shown="$shown $f"
done
check "CPUID hides the debug store, PEBS and the PMU (shown:${shown:- none})" test -z "$shown"

# ---- MTRRs: emulated per VM ----
def=$(rdmsr 0x2ff)
note "IA32_MTRR_DEF_TYPE=0x$def"
if [ -z "$def" ]; then
	skip "MTRR writes are emulated" "no IA32_MTRR_DEF_TYPE"
else
	# all memory uncached: natively it would slow the whole machine down, the
	# hypervisor included
	check "IA32_MTRR_DEF_TYPE write (MTRRs on, default UC) accepted" wrmsr 0x2ff 0x800
	check "IA32_MTRR_DEF_TYPE reads back what was written ($(rdmsr 0x2ff))" \
		test "$(rdmsr 0x2ff)" = 0000000000000800
	refused "IA32_MTRR_DEF_TYPE with a reserved memory type" 0x2ff 0x802
	check "IA32_MTRR_DEF_TYPE restored" wrmsr 0x2ff 0x$def
fi

# ---- TSC_ADJUST: emulated through the VMCS TSC offset ----
if wrmsr 0x3b 0x1000; then
	check "IA32_TSC_ADJUST reads back 0x1000 ($(rdmsr 0x3b))" test "$(rdmsr 0x3b)" = 0000000000001000
else
	not_ok "IA32_TSC_ADJUST write: $(tr '\n' ' ' </tmp/wrmsr.err)"
fi

# ---- microcode update trigger pointing into the hypervisor ----
check "IA32_BIOS_UPDT_TRIG at hypervisor memory is ignored" wrmsr 0x79 $((hv_start + 0x1000))

# ---- NMIs ----
if [ -e /sys/devices/system/cpu/cpu1/online ] && [ -e /proc/sysrq-trigger ]; then
	dmesg -c >/dev/null
	echo l >/proc/sysrq-trigger
	dmesg | grep -i 'nmi\|cpu1\|CPU: 1' | sed 's/^/# dmesg: /' | head -n 4
	# the CPU that runs the shell prints its own backtrace; the other one's
	# comes from its NMI handler
	check "SysRq-l: both CPUs answered the NMI backtrace request" \
		sh -c "dmesg | grep -q 'NMI backtrace for cpu 0' && dmesg | grep -q 'NMI backtrace for cpu 1'"
else
	skip "SysRq-l: CPU 1 answers an NMI" "one CPU (the hypervisor selftest covers NMIs)"
fi
check "CPU 0 still answers MSR reads" test -n "$(rdmsr 0x1b)"
exit 0
