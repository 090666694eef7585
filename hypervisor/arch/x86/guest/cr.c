// SPDX-License-Identifier: BSD-3-Clause
/*
 * Control-register exits.  The guest may not clear CR0.NE nor see or set
 * CR4.VMXE (the guest/host masks), so writes that touch those bits exit and
 * are emulated here: the read shadows hold the guest's view, and a value
 * MOV to CR would reject gets #GP instead of a failed VM entry.  XSETBV
 * exits always and is validated here too.
 */
#include "hv.h"
#include "cr.h"
#include "guest_mem.h"
#include "msr_safe.h"
#include "vcpu.h"
#include "vmx.h"

/* CR-access exit qualification */
#define CR_QUAL_CR(q)	 ((u32)(q)&15)
#define CR_QUAL_TYPE(q)	 ((u32)((q) >> 4) & 3)
#define CR_QUAL_REG(q)	 ((u32)((q) >> 8) & 15)
#define CR_QUAL_LMSW(q)	 (((q) >> 16) & 0xf)
#define CR_TYPE_MOV_TO	 0
#define CR_TYPE_MOV_FROM 1
#define CR_TYPE_CLTS	 2
#define CR_TYPE_LMSW	 3
#define GPR_RSP		 4

#define SEG_AR_L    (1U << 13) /* 64-bit code segment */
#define PTE_PRESENT 1ULL
#define PDPTE_RSVD  0x1e6ULL /* bits 1, 2, 5-8 of a PAE PDPTE */

static u64 *gpr(struct vcpu *v, u32 idx)
{
	return &((u64 *)&v->regs)[idx];
}

/*
 * A CR0 write we emulate that toggles paging with EFER.LME set switches
 * IA-32e mode: the CPU would set EFER.LMA, so we do, and the VM-entry
 * control must follow.
 */
static void update_long_mode(u64 old_cr0, u64 new_cr0)
{
	u64 efer = vmread(GUEST_EFER), entry = vmread(ENTRY_CONTROLS);

	if (!(efer & EFER_LME) || !((old_cr0 ^ new_cr0) & CR0_PG))
		return;
	if (new_cr0 & CR0_PG) {
		vmwrite(GUEST_EFER, efer | EFER_LMA);
		vmwrite(ENTRY_CONTROLS, entry | ENTRY_IA32E);
	} else {
		vmwrite(GUEST_EFER, efer & ~EFER_LMA);
		vmwrite(ENTRY_CONTROLS, entry & ~(u64)ENTRY_IA32E);
	}
}

/*
 * What MOV to CR0 would #GP on (SDM vol. 2, MOV to control registers; vol.
 * 3, 4.10.1); VM entry would fail on most of these instead: reserved bits
 * 63:32, PG without PE, NW without CD, paging with EFER.LME but without
 * CR4.PAE, clearing PG in 64-bit mode or while CR4.PCIDE is set.
 */
static bool cr0_write_faults(u64 old, u64 val)
{
	u64 efer = vmread(GUEST_EFER), cr4 = vmread(GUEST_CR4);
	bool clears_pg = (old & CR0_PG) && !(val & CR0_PG);
	bool long_mode_cs = (efer & EFER_LMA) && (vmread(GUEST_CS_AR) & SEG_AR_L);

	return (val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	       ((val & CR0_NW) && !(val & CR0_CD)) ||
	       ((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE)) ||
	       (clears_pg && ((cr4 & CR4_PCIDE) || long_mode_cs));
}

/*
 * Turning on PAE paging outside long mode loads the four PDPTEs; with EPT
 * the CPU takes them from the VMCS at VM entry, so they are loaded here,
 * and reserved bits in a present one are a #GP as natively.
 */
static int load_pdptrs(struct vcpu *v)
{
	u64 pdpte[4], cr3 = vmread(GUEST_CR3) & ~0x1fULL, rsvd;
	u32 a, b, c, d, i;

	cpuid_count(0x80000008, 0, &a, &b, &c, &d);
	rsvd = PDPTE_RSVD | ~((1ULL << (a & 0xff)) - 1);
	if (copy_from_gpa(v->vm, pdpte, cr3, sizeof(pdpte)))
		return -HV_EFAULT;
	for (i = 0; i < 4; i++)
		if ((pdpte[i] & PTE_PRESENT) && (pdpte[i] & rsvd))
			return -HV_EINVAL;
	for (i = 0; i < 4; i++)
		vmwrite(GUEST_PDPTR0 + 2 * i, pdpte[i]);
	return 0;
}

static int mov_to_cr(struct vcpu *v, u32 cr, u64 val)
{
	if (cr == 0) {
		u64 old = vmread(GUEST_CR0);

		if (cr0_write_faults(old, val) ||
		    ((val & CR0_PG) && !(old & CR0_PG) && (vmread(GUEST_CR4) & CR4_PAE) &&
		     !(vmread(GUEST_EFER) & EFER_LME) && load_pdptrs(v))) {
			vcpu_inject_gp(v);
			return 0;
		}
		update_long_mode(old, val);
		vmwrite(GUEST_CR0, val | CR0_NE);
		vmwrite(CR0_SHADOW, val);
	} else if (cr == 4) {
		if ((val & CR4_VMXE) || (val & ~rdmsr(MSR_VMX_CR4_FIXED1))) {
			vcpu_inject_gp(v);
			return 0;
		}
		vmwrite(GUEST_CR4, val | CR4_VMXE);
		vmwrite(CR4_SHADOW, val);
	} else if (cr == 3) {
		vmwrite(GUEST_CR3, val);
	} else {
		pr_warn("vcpu %u: unexpected MOV to CR%u\n", v->id, cr);
		vcpu_inject_gp(v);
		return 0;
	}
	vcpu_skip_instruction(v);
	return 0;
}

int vmexit_cr_access(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 cr = CR_QUAL_CR(q), type = CR_QUAL_TYPE(q), reg = CR_QUAL_REG(q);
	u64 val = reg == GPR_RSP ? vmread(GUEST_RSP) : *gpr(v, reg);

	if (type == CR_TYPE_MOV_TO)
		return mov_to_cr(v, cr, val);
	if (type == CR_TYPE_MOV_FROM && cr == 3) {
		*gpr(v, reg) = vmread(GUEST_CR3);
	} else if (type == CR_TYPE_CLTS) {
		vmwrite(GUEST_CR0, vmread(GUEST_CR0) & ~CR0_TS);
		vmwrite(CR0_SHADOW, vmread(CR0_SHADOW) & ~CR0_TS);
	} else if (type == CR_TYPE_LMSW) { /* may set PE, never clear it */
		u64 src = CR_QUAL_LMSW(q), cr0 = vmread(GUEST_CR0);
		u64 low = CR0_PE | CR0_MP | CR0_EM | CR0_TS;

		cr0 = (cr0 & ~(low & ~CR0_PE)) | src | (cr0 & CR0_PE);
		vmwrite(GUEST_CR0, cr0 | CR0_NE);
		vmwrite(CR0_SHADOW, (vmread(CR0_SHADOW) & ~low) | (cr0 & low));
	} else {
		pr_warn("vcpu %u: unexpected CR access qual %llx\n", v->id, (unsigned long long)q);
		vcpu_inject_gp(v);
		return 0;
	}
	vcpu_skip_instruction(v);
	return 0;
}

int vmexit_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	u32 a, b, c, d;
	u64 supported;

	cpuid_count(0xd, 0, &a, &b, &c, &d);
	supported = a | (u64)d << 32;
	/* the obvious cases here; the CPU rejects the rest (e.g. AVX-512 bits without AVX) */
	if ((u32)v->regs.rcx != 0 || !(val & 1) || (val & ~supported) ||
	    ((val & 4) && !(val & 2)) || xsetbv_safe(0, val)) {
		vcpu_inject_gp(v);
		return 0;
	}
	vcpu_skip_instruction(v);
	return 0;
}
