// SPDX-License-Identifier: BSD-3-Clause
/*
 * MSR exits.  The bitmap traps IA32_FEATURE_CONTROL (reads "locked, VMX
 * off", writes #GP), the VMX capability MSRs (#GP), IA32_MISC_ENABLE
 * (emulated) and x2APIC ICR writes; MSRs outside the bitmap's ranges always
 * exit: reads are tried on the CPU, writes #GP.
 */
#include "hv.h"
#include "msr.h"
#include "msr_safe.h"
#include "vm.h"
#include "vlapic.h"

/* MSR bitmap layout: read-low, read-high, write-low, write-high (1 KiB each) */
#define BITMAP_READ  0
#define BITMAP_WRITE 2048

static void trap(struct vm *vm, u32 msr, bool read, bool write)
{
	u32 off = (msr >= 0xc0000000U ? 1024 : 0) + (msr & 0x1fff) / 8;
	u8 bit = (u8)(1U << (msr % 8));

	if (read)
		vm->msr_bitmap[BITMAP_READ + off] |= bit;
	if (write)
		vm->msr_bitmap[BITMAP_WRITE + off] |= bit;
}

void msr_bitmap_init(struct vm *vm)
{
	u32 msr;

	for (msr = MSR_VMX_BASIC; msr <= MSR_VMX_VMFUNC; msr++)
		trap(vm, msr, true, true);
	trap(vm, MSR_FEATURE_CONTROL, true, true);
	trap(vm, MSR_MISC_ENABLE, true, true);
	/* x2APIC ICR writes: INIT/STARTUP are emulated (vlapic.c) */
	trap(vm, MSR_X2APIC_ICR, false, true);
}

static int msr_done(struct vcpu *v, u32 msr, bool write, bool gp, u64 val)
{
	if (gp) {
		pr_dbg("vcpu %u: %s %x -> #GP\n", v->id, write ? "WRMSR" : "RDMSR", msr);
		vcpu_inject_gp(v);
		return 0;
	}
	if (!write) {
		v->regs.rax = (u32)val;
		v->regs.rdx = val >> 32;
	}
	vcpu_skip_instruction(v);
	return 0;
}

int vmexit_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = 0;
	bool gp = false;

	if (msr == MSR_MISC_ENABLE)
		val = v->vm->misc_enable;
	else if (msr == MSR_FEATURE_CONTROL)
		val = 1; /* locked, VMX off: matches CPUID hiding VMX */
	else if (msr >= MSR_VMX_BASIC && msr <= MSR_VMX_VMFUNC)
		gp = true;
	else /* outside the bitmap ranges: let the CPU decide, #GP if it faults */
		gp = rdmsr_safe(msr, &val) != 0;
	return msr_done(v, msr, false, gp, val);
}

int vmexit_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	bool gp = true;

	if (msr == MSR_MISC_ENABLE) {
		v->vm->misc_enable = val;
		gp = false;
	} else if (msr == MSR_X2APIC_ICR && (v->vm->flags & VM_FLAG_LAPIC_PASSTHROUGH)) {
		gp = vlapic_x2apic_icr_write(v, val) != 0;
	}
	return msr_done(v, msr, true, gp, val);
}
