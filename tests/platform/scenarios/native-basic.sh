#!/bin/sh
# The same kernel booted natively (hypervisor option `native`): it must see
# the bare CPU, i.e. VMX and no hypervisor.
. /scenarios/lib.sh

eval "$(cpuid-probe)"
note "cpuid: leaf1 ecx=$leaf1_ecx 0x40000000 sig=$hv_signature"
check "/proc/cpuinfo has no hypervisor flag" sh -c '! grep -qw hypervisor /proc/cpuinfo'
check "CPUID.1:ECX shows VMX and no hypervisor bit" test "$leaf1_vmx" = 1 -a "$leaf1_hypervisor" = 0
check "CPUID 0x40000000 is not ACRN's" test "$hv_signature" != ACRNACRNACRN
check "no acrn_hv_mem on the command line" sh -c "! grep -q acrn_hv_mem= /proc/cmdline"
exit 0
