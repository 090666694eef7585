// SPDX-License-Identifier: BSD-3-Clause
/*
 * MSR exits.  The bitmap traps IA32_FEATURE_CONTROL (reads "locked, VMX
 * off", writes #GP), the VMX capability MSRs (#GP), IA32_MISC_ENABLE
 * (emulated), x2APIC ICR writes and IA32_APIC_BASE writes; MSRs outside the
 * bitmap's ranges always exit: reads are tried on the CPU, writes #GP.
 */
#include "hv.h"
#include "msr.h"
#include "msr_safe.h"
#include "vm.h"
#include "virq_io.h"
#include "vlapic.h"
#include "vmx.h"

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

static const u32 denied[] = {
    MSR_FIXED_CTR0,	 MSR_FIXED_CTR0 + 1,	 MSR_FIXED_CTR0 + 2,   MSR_PERF_CAPABILITIES,
    MSR_FIXED_CTR_CTRL,	 MSR_PERF_GLOBAL_STATUS, MSR_PERF_GLOBAL_CTRL, MSR_PERF_GLOBAL_OVF_CTRL,
    MSR_PEBS_ENABLE,	 MSR_PEBS_DATA_CFG,	 MSR_PEBS_LD_LAT,      MSR_DS_AREA,
    MSR_SMM_MONITOR_CTL,
};

static const u32 mtrr_fixed[MTRR_NR_FIXED] = {
    MSR_MTRR_FIX64K_00000,    MSR_MTRR_FIX16K_80000,	MSR_MTRR_FIX16K_A0000,
    MSR_MTRR_FIX4K_C0000,     MSR_MTRR_FIX4K_C0000 + 1, MSR_MTRR_FIX4K_C0000 + 2,
    MSR_MTRR_FIX4K_C0000 + 3, MSR_MTRR_FIX4K_C0000 + 4, MSR_MTRR_FIX4K_C0000 + 5,
    MSR_MTRR_FIX4K_C0000 + 6, MSR_MTRR_FIX4K_F8000,
};

/* @vm's copy of MTRR @msr, or NULL if @msr is not an MTRR of this CPU. */
static u64 *mtrr_slot(struct vm *vm, u32 msr)
{
	u32 i;

	if (!vm->mtrr.present)
		return NULL;
	if (msr == MSR_MTRR_DEF_TYPE)
		return &vm->mtrr.def_type;
	if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * vm->mtrr.vcnt)
		return &vm->mtrr.var[msr - MSR_MTRR_PHYSBASE0];
	for (i = 0; i < MTRR_NR_FIXED; i++)
		if (msr == mtrr_fixed[i])
			return &vm->mtrr.fixed[i];
	return NULL;
}

/* The guest starts with the firmware's MTRRs. */
static void mtrr_init(struct vm *vm)
{
	u32 a, b, c, d, msr;
	u64 cap, *slot;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_MTRR) || rdmsr_safe(MSR_MTRRCAP, &cap))
		return;
	vm->mtrr.vcnt = MIN((u32)cap & 0xff, MTRR_MAX_VAR);
	vm->mtrr.present = true;
	for (msr = MSR_MTRR_PHYSBASE0; msr <= MSR_MTRR_DEF_TYPE; msr++)
		if ((slot = mtrr_slot(vm, msr)) && rdmsr_safe(msr, slot))
			*slot = 0;
}

static bool mtrr_type_ok(u64 type)
{
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

/* What WRMSR to MTRR @msr would #GP on: reserved bits, undefined memory types. */
static bool mtrr_value_ok(u32 msr, u64 val)
{
	u32 a, b, c, d, i;
	u64 above;

	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	above = ~((1ULL << (a & 0xff)) - 1);
	if (msr == MSR_MTRR_DEF_TYPE)
		return !(val & ~0xcffULL) && mtrr_type_ok(val & 0xff);
	if (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_PHYSBASE0 + 2 * MTRR_MAX_VAR) {
		if ((msr - MSR_MTRR_PHYSBASE0) & 1) /* PhysMask */
			return !(val & (above | 0x7ffULL));
		return !(val & (above | 0xf00ULL)) && mtrr_type_ok(val & 0xff);
	}
	for (i = 0; i < 8; i++)
		if (!mtrr_type_ok((val >> (8 * i)) & 0xff))
			return false;
	return true;
}

static int tsc_offset_set(struct vcpu *v, u64 offset)
{
	if (!(vmread(PROC_CONTROLS) & PROC_TSC_OFFSET))
		return -HV_EIO;
	v->tsc_offset = offset;
	vmwrite(TSC_OFFSET, offset);
	return 0;
}

void msr_bitmap_init(struct vm *vm)
{
	u32 msr;

	mtrr_init(vm);
	for (msr = MSR_VMX_BASIC; msr <= MSR_VMX_VMFUNC; msr++)
		trap(vm, msr, true, true);
	trap(vm, MSR_FEATURE_CONTROL, true, true);
	trap(vm, MSR_MISC_ENABLE, true, true);
	/* x2APIC ICR writes: INIT/STARTUP are emulated (vlapic.c) */
	trap(vm, MSR_X2APIC_ICR, false, true);
	/* moving the LAPIC page could put it over hypervisor memory */
	trap(vm, MSR_APIC_BASE, false, true);
	/*
	 * Hardware that writes memory or raises NMIs on its own: the PMU
	 * (counters keep running and interrupting in VMX root operation),
	 * PEBS and the debug store (records written at a linear address that
	 * means hypervisor memory once the CPU is in root operation), and the
	 * SMM-monitor control.  CPUID hides them; the MSRs #GP.
	 */
	for (msr = 0; msr < ARRAY_SIZE(denied); msr++)
		trap(vm, denied[msr], true, true);
	for (msr = 0; msr < 8; msr++) {
		trap(vm, MSR_PMC0 + msr, true, true);
		trap(vm, MSR_A_PMC0 + msr, true, true);
		trap(vm, MSR_PERFEVTSEL0 + msr, true, true);
	}
	/* the TSC is the hypervisor's clock: writes go to the VMCS TSC offset */
	trap(vm, MSR_TSC, true, true);
	trap(vm, MSR_TSC_ADJUST, true, true);
	/* a microcode update would be read from a guest-chosen address */
	trap(vm, MSR_BIOS_UPDT_TRIG, false, true);
	/* the MTRRs type the hypervisor's own accesses (with EPT, not the guest's) */
	for (msr = MSR_MTRR_PHYSBASE0; msr <= MSR_MTRR_DEF_TYPE; msr++)
		if (mtrr_slot(vm, msr))
			trap(vm, msr, true, true);
	/*
	 * A User VM never reaches the physical LAPIC of the pCPU it runs on
	 * (the hypervisor's own now): the x2APIC registers, the TSC deadline
	 * and IA32_APIC_BASE exit.  The vLAPIC will answer them; until then
	 * they are what a CPU without x2APIC would do (user_vm_lapic_msr()).
	 */
	if (vm->type == VM_USER) {
		for (msr = MSR_X2APIC_FIRST; msr <= MSR_X2APIC_LAST; msr++)
			trap(vm, msr, true, true);
		trap(vm, MSR_TSC_DEADLINE, true, true);
		trap(vm, MSR_APIC_BASE, true, true);
	}
}

/*
 * The LAPIC MSRs of a User VM vCPU go to its vLAPIC (IA32_APIC_BASE,
 * IA32_TSC_DEADLINE, the x2APIC registers, with the model's #GP rules).
 * Returns false if @msr is not one of them.
 */
static bool user_vm_lapic_msr(struct vcpu *v, u32 msr, bool write, u64 *val, bool *gp)
{
	int ret;

	if (v->vm->type != VM_USER)
		return false;
	ret = vlapic_handle_msr(v, msr, write, val);
	if (ret == -HV_ENOENT)
		return false;
	*gp = ret != 0;
	return true;
}

/*
 * IA32_APIC_BASE: the only change allowed is the one a passed-through LAPIC
 * needs, xAPIC -> x2APIC mode.  The base address, the enable bit and the
 * mode otherwise stay as they are (a base over hypervisor memory would
 * have the CPU serve APIC registers there); anything else #GPs.
 */
static bool apic_base_write_ok(u64 val)
{
	u64 cur = rdmsr(MSR_APIC_BASE);

	if (val == cur)
		return true;
	return (cur & APIC_BASE_ENABLE) && !(cur & APIC_BASE_X2APIC) &&
	       val == (cur | APIC_BASE_X2APIC);
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

static bool denied_msr(u32 msr)
{
	u32 i;

	if ((msr >= MSR_PMC0 && msr < MSR_PMC0 + 8) ||
	    (msr >= MSR_A_PMC0 && msr < MSR_A_PMC0 + 8) ||
	    (msr >= MSR_PERFEVTSEL0 && msr < MSR_PERFEVTSEL0 + 8))
		return true;
	for (i = 0; i < ARRAY_SIZE(denied); i++)
		if (msr == denied[i])
			return true;
	return false;
}

int vmexit_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = 0, *mtrr;
	bool gp = false;

	if (user_vm_lapic_msr(v, msr, false, &val, &gp))
		;
	else if (msr == MSR_MISC_ENABLE)
		val = v->vm->misc_enable;
	else if (msr == MSR_TSC)
		val = rdtsc() + v->tsc_offset;
	else if (msr == MSR_TSC_ADJUST)
		val = v->tsc_adjust;
	else if ((mtrr = mtrr_slot(v->vm, msr)))
		val = *mtrr;
	else if (denied_msr(msr))
		gp = true;
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
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax, *mtrr;
	bool gp = true;

	if (user_vm_lapic_msr(v, msr, true, &val, &gp)) {
		;
	} else if (msr == MSR_MISC_ENABLE) {
		v->vm->misc_enable = val;
		gp = false;
	} else if (msr == MSR_TSC) {
		/* natively the write moves TSC_ADJUST by as much as it moves the TSC */
		u64 old = v->tsc_offset;

		gp = tsc_offset_set(v, val - rdtsc()) != 0;
		if (!gp)
			v->tsc_adjust += v->tsc_offset - old;
	} else if (msr == MSR_TSC_ADJUST) {
		gp = tsc_offset_set(v, v->tsc_offset + (val - v->tsc_adjust)) != 0;
		if (!gp)
			v->tsc_adjust = val;
	} else if (msr == MSR_BIOS_UPDT_TRIG) {
		/* as if the update were rejected: the revision stays */
		pr_warn("vcpu %u: microcode update from %llx ignored\n", v->id,
			(unsigned long long)val);
		gp = false;
	} else if ((mtrr = mtrr_slot(v->vm, msr))) {
		gp = !mtrr_value_ok(msr, val);
		if (!gp)
			*mtrr = val;
	} else if (msr == MSR_X2APIC_ICR && (v->vm->flags & VM_FLAG_LAPIC_PASSTHROUGH)) {
		gp = vlapic_x2apic_icr_write(v, val) != 0;
	} else if (msr == MSR_APIC_BASE && (v->vm->flags & VM_FLAG_LAPIC_PASSTHROUGH)) {
		gp = !apic_base_write_ok(val) || wrmsr_safe(MSR_APIC_BASE, val) != 0;
		if (gp)
			pr_warn("vcpu %u: IA32_APIC_BASE %llx -> %llx refused\n", v->id,
				(unsigned long long)rdmsr(MSR_APIC_BASE), (unsigned long long)val);
	}
	return msr_done(v, msr, true, gp, val);
}
