// SPDX-License-Identifier: BSD-3-Clause
/*
 * CPUID exits: the CPU's answer with VMX and SMX hidden, the hypervisor bit
 * set and OSXSAVE/OSPKE following the guest's CR4; the hypervisor leaves
 * 0x40000000-0x400000ff from include/acrn_abi.h.
 */
#include "hv.h"
#include "cpuid.h"
#include "page_alloc.h"
#include "virq_io.h"
#include "vm.h"
#include "vpid.h"
#include "vmx.h"
#include "acrn_abi.h"

/*
 * CPUID 0x15 of a User VM: TSC = core crystal clock x 1/1, crystal = the
 * TSC frequency.  Linux's native_calibrate_tsc() then knows the TSC
 * frequency without PIT calibration and takes the crystal for the LAPIC
 * timer's clock (lapic_timer_period), which is what the vLAPIC timer
 * counts: the TSC (vlapic_emul.h).  The CPU's own leaf (Bochs's
 * skylake_x: ratio 292/2, no crystal; 0x16: 3500 MHz) would make Linux
 * derive a 24 MHz crystal, i.e. expect an APIC timer 146 times slower
 * than the vLAPIC's, and it would not mark the frequency as known.
 * A TSC above 4.29 GHz does not fit in ECX: the leaf is then all zero
 * and Linux calibrates against the PIT.
 */
static void user_vm_tsc_leaf(u32 *a, u32 *b, u32 *c, u32 *d)
{
	u64 hz = hv.tsc_khz * 1000;

	*a = *b = *c = *d = 0;
	if (hz && hz <= 0xffffffffULL) {
		*a = *b = 1;
		*c = (u32)hz;
	}
}

int vmexit_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx, a, b, c, d;
	u64 cr4 = vmread(GUEST_CR4);

	if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
		a = b = c = d = 0;
		if (leaf == ACRN_CPUID_SIGNATURE) {
			a = ACRN_CPUID_MAX_LEAF;
			b = c = d = ACRN_SIGNATURE_REG;
		} else if (leaf == ACRN_CPUID_FEATURES) {
			a = (v->vm->flags & VM_FLAG_PRIVILEGED) ? ACRN_FEATURE_PRIVILEGED_VM : 0;
		} else if (leaf == ACRN_CPUID_TIMING) {
			a = (u32)hv.tsc_khz;
		} else if (leaf == ACRN_CPUID_HV_COUNTERS && (v->vm->flags & VM_FLAG_PRIVILEGED)) {
			a = hv_free_pages();
			b = hv_pool_pages();
			c = vpid_free_count();
			d = vm_count();
		}
	} else {
		cpuid_count(leaf, sub, &a, &b, &c, &d);
		if (leaf == 1) {
			/* no VMX, no SMX; no debug store, PEBS or PMU capabilities (msr.c) */
			c &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_DTES64 |
			       CPUID1_ECX_DS_CPL | CPUID1_ECX_PDCM);
			d &= ~CPUID1_EDX_DS;
			c |= CPUID1_ECX_HV;
			/*
			 * No MONITOR/MWAIT for any VM (as ACRN): guests idle in
			 * HLT. A User VM's HLT exits, so the hypervisor knows
			 * the vCPU waits for an interrupt (uvm_handle_hlt); and
			 * under Bochs a Service VM vCPU asleep in MWAIT in VMX
			 * non-root mode missed the store that should wake it
			 * (a 3-CPU Service VM hung in stop_machine at the switch
			 * to the TSC clocksource, and 2-CPU boots now and then).
			 */
			c &= ~CPUID1_ECX_MONITOR;
			/* OSXSAVE reflects the guest's CR4, not ours */
			c = (c & ~CPUID1_ECX_OSXSAVE) |
			    ((cr4 & CR4_OSXSAVE) ? CPUID1_ECX_OSXSAVE : 0);
			/*
			 * A User VM's LAPIC is its vLAPIC, which has x2APIC mode
			 * and the TSC-deadline timer; the APIC ID is the
			 * vLAPIC's (the device model's MADT), one logical CPU
			 * per package.
			 */
			if (vm_is_isolated(v->vm)) {
				c |= CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DL;
				b = (b & 0x0000ffffU) | (1U << 16) |
				    ((vcpu_apic_id(v) & 0xff) << 24);
			}
		} else if (leaf == CPUID_LEAF_TOPO && vm_is_isolated(v->vm)) {
			d = vcpu_apic_id(v);
		} else if (leaf == CPUID_LEAF_TSC && vm_is_isolated(v->vm)) {
			user_vm_tsc_leaf(&a, &b, &c, &d);
		} else if (leaf == 7 && sub == 0) {
			c = (c & ~CPUID7_ECX_OSPKE) | ((cr4 & CR4_PKE) ? CPUID7_ECX_OSPKE : 0);
		} else if (leaf == CPUID_LEAF_PMU) {
			a = b = c = d = 0; /* no architectural PMU */
		}
	}
	v->regs.rax = a;
	v->regs.rbx = b;
	v->regs.rcx = c;
	v->regs.rdx = d;
	vcpu_skip_instruction(v);
	return 0;
}
