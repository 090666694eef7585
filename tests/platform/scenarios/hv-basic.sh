#!/bin/sh
# The Service VM under the hypervisor (issue 3): the CPU it sees, the memory
# it is given, and the HSM module.
. /scenarios/lib.sh

uname_r=$(uname -r)
note "kernel $uname_r, $(grep -c '^processor' /proc/cpuinfo) CPU(s)"

check "/proc/cpuinfo shows the hypervisor flag" has_flag hypervisor
if has_flag vmx; then not_ok "/proc/cpuinfo hides vmx"; else ok "/proc/cpuinfo hides vmx"; fi

eval "$(cpuid-probe)"
note "cpuid: leaf1 ecx=$leaf1_ecx 0x40000000 eax=$hv_max_leaf sig=$hv_signature 0x40000001 eax=$hv_features 0x40000010 eax=$hv_tsc_khz"
check "CPUID.1:ECX hypervisor bit set, VMX bit clear" \
	test "$leaf1_hypervisor" = 1 -a "$leaf1_vmx" = 0
check "CPUID 0x40000000 signature is ACRNACRNACRN (got $hv_signature)" \
	test "$hv_signature" = ACRNACRNACRN
check "CPUID 0x40000000 max leaf >= 0x40000010 (got $hv_max_leaf)" \
	test $((hv_max_leaf)) -ge $((0x40000010))
check "CPUID 0x40000001 has the privileged-VM bit (eax=$hv_features)" test "$hv_privileged" = 1
check "CPUID 0x40000010 reports a TSC frequency (got $hv_tsc_khz kHz)" test "$hv_tsc_khz" -gt 0

want_cpus=$(cmdline_value acrn.cpus)
if [ -n "$want_cpus" ]; then
	got=$(grep -c '^processor' /proc/cpuinfo)
	check "Service VM runs on all $want_cpus pCPU(s) (sees $got)" test "$got" = "$want_cpus"
fi

# Memory: the hypervisor tells where it lives (acrn_hv_mem=0xSTART-0xEND);
# the Service VM must not own that range and must see less than the machine.
hv_mem=$(cmdline_value acrn_hv_mem)
ram_mb=$(cmdline_value acrn.ram_mb)
if [ -z "$hv_mem" ]; then
	not_ok "hypervisor passed acrn_hv_mem=0xSTART-0xEND on the command line"
else
	ok "hypervisor passed acrn_hv_mem=$hv_mem on the command line"
	hv_start=$((${hv_mem%-*}))
	hv_end=$((${hv_mem#*-}))
	hv_size=$((hv_end - hv_start))
	note "hypervisor memory: $hv_size bytes"
	check "hypervisor memory range is not empty" test "$hv_size" -gt 0

	# /sys/firmware/memmap is the e820 table the kernel was booted with.
	overlap=0
	ram_total=0
	for d in /sys/firmware/memmap/*; do
		[ "$(cat "$d/type")" = "System RAM" ] || continue
		s=$(($(cat "$d/start")))
		e=$(($(cat "$d/end") + 1))
		ram_total=$((ram_total + e - s))
		if [ "$s" -lt "$hv_end" ] && [ "$hv_start" -lt "$e" ]; then
			overlap=1
			note "e820 RAM $(cat "$d/start")-$(cat "$d/end") overlaps the hypervisor"
		fi
	done
	check "e820 RAM given to the Service VM excludes the hypervisor memory" test "$overlap" = 0
	if grep -qi "system ram" /proc/iomem; then
		busy=0
		while IFS= read -r line; do
			case "$line" in
			[0-9a-f]*"System RAM"*)
				r=${line%% :*}
				s=$((0x${r%-*}))
				e=$((0x${r#*-} + 1))
				if [ "$s" -lt "$hv_end" ] && [ "$hv_start" -lt "$e" ]; then busy=1; fi
				;;
			esac
		done < /proc/iomem
		check "/proc/iomem has no System RAM inside the hypervisor memory" test "$busy" = 0
	fi
	memtotal_kb=$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)
	note "MemTotal ${memtotal_kb} kB, e820 RAM $((ram_total / 1024)) kB, machine ${ram_mb:-?} MB"
	if [ -n "$ram_mb" ]; then
		ram=$((ram_mb * 1024 * 1024))
		check "e820 RAM + hypervisor memory <= machine RAM" \
			test $((ram_total + hv_size)) -le "$ram"
		check "MemTotal is below machine RAM by at least the hypervisor's reservation" \
			test $((memtotal_kb * 1024 + hv_size)) -le "$ram"
	fi
fi

# The HSM module, when the build produced one.
if [ -f /lib/modules/acrn_hsm.ko ]; then
	check "insmod acrn_hsm.ko" insmod /lib/modules/acrn_hsm.ko
	i=0
	while [ ! -c /dev/acrn_hsm ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
	check "/dev/acrn_hsm appears" test -c /dev/acrn_hsm
	dmesg | grep -i hsm | tail -n 5 | sed 's/^/# /'
else
	skip "HSM module loads" "acrn_hsm.ko not built"
fi

warnings=$(dmesg | grep -c -E 'WARNING:|BUG:|Oops')
note "kernel log: $warnings WARNING/BUG/Oops line(s)"
dmesg | grep -E 'WARNING:|BUG:|Oops' | head -n 5 | sed 's/^/# /'
exit 0
