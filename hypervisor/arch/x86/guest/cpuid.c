// SPDX-License-Identifier: BSD-3-Clause
/*
 * CPUID exits: the CPU's answer with VMX and SMX hidden, the hypervisor bit
 * set and OSXSAVE/OSPKE following the guest's CR4; the hypervisor leaves
 * 0x40000000-0x400000ff from include/acrn_abi.h.
 */
#include "hv.h"
#include "cpuid.h"
#include "page_alloc.h"
#include "vm.h"
#include "vpid.h"
#include "vmx.h"
#include "acrn_abi.h"

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
			/* OSXSAVE reflects the guest's CR4, not ours */
			c = (c & ~CPUID1_ECX_OSXSAVE) |
			    ((cr4 & CR4_OSXSAVE) ? CPUID1_ECX_OSXSAVE : 0);
			/*
			 * A User VM's LAPIC is virtual (msr.c traps its MSRs): no
			 * x2APIC, no TSC deadline until the vLAPIC offers them;
			 * its APIC ID is its vCPU id, one logical CPU per package.
			 */
			if (vm_is_isolated(v->vm)) {
				c &= ~(CPUID1_ECX_X2APIC | CPUID1_ECX_TSC_DL);
				b = (b & 0x0000ffffU) | (1U << 16) | (v->id << 24);
			}
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
