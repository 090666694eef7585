// SPDX-License-Identifier: BSD-3-Clause
/*
 * Parameter and state checks of the User VM hypercalls (pure; see
 * hc_check.h).  The errors are ACRN's: -EINVAL for a value or a state the
 * call does not accept.
 */
#include "hv.h"
#include "x86.h"
#include "hc_check.h"
#include "pgtable.h"
#include "vm.h"

int vm_state_check(enum vm_op op, enum vm_state state, bool ioreq_set, enum vm_state *ret_next)
{
	enum vm_state next = state;
	bool ok;

	switch (op) {
	case VM_OP_START:
		/* PAUSED too: acrn-dm resumes a paused VM with START_VM */
		ok = (state == VM_CREATED && ioreq_set) || state == VM_PAUSED;
		next = VM_RUNNING;
		break;
	case VM_OP_PAUSE:
		ok = state != VM_POWERED_OFF;
		next = VM_PAUSED;
		break;
	case VM_OP_RESET:
		ok = state == VM_PAUSED;
		next = VM_CREATED;
		break;
	case VM_OP_DESTROY:
		ok = state == VM_PAUSED;
		next = VM_POWERED_OFF;
		break;
	case VM_OP_SET_REGS:
		ok = state == VM_CREATED || state == VM_PAUSED;
		break;
	case VM_OP_SET_IOREQ:
		ok = state == VM_CREATED;
		break;
	case VM_OP_SET_MEMORY:
	case VM_OP_IRQ:
		ok = state != VM_POWERED_OFF;
		break;
	default:
		ok = false;
	}
	if (!ok)
		return -HV_EINVAL;
	if (ret_next)
		*ret_next = next;
	return 0;
}

/* CR0 bits a guest may set: PE MP EM TS ET NE WP AM NW CD PG */
#define CR0_KNOWN 0xe005003fULL
/* CR4 bits a guest may set (VMXE/SMXE excluded: VMX is hidden) */
#define CR4_KNOWN  0x01ff1fffULL
#define EFER_KNOWN 0xd01ULL /* SCE, LME, LMA, NXE */
/* RFLAGS bits 63:22, 15, 5 and 3 are reserved */
#define RFLAGS_RESERVED 0xffffffffffc08028ULL

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

int hc_check_vcpu_regs(const struct acrn_hc_vcpu_regs *r, u32 nr_vcpus)
{
	const struct acrn_hc_regs *g = &r->regs;
	bool long_mode;

	if (r->vcpu_id >= nr_vcpus || !all_zero(r->reserved, sizeof(r->reserved)) ||
	    !all_zero(g->reserved_64, sizeof(g->reserved_64)) ||
	    !all_zero(g->reserved_32, sizeof(g->reserved_32)) ||
	    !all_zero(g->gdt.reserved, sizeof(g->gdt.reserved)) ||
	    !all_zero(g->idt.reserved, sizeof(g->idt.reserved)))
		return -HV_EINVAL;
	if ((g->cr0 & ~CR0_KNOWN) || (g->cr4 & ~CR4_KNOWN) || (g->ia32_efer & ~EFER_KNOWN) ||
	    (g->rflags & RFLAGS_RESERVED))
		return -HV_EINVAL;
	/* the SDM's invalid combinations: PG without PE, NW without CD */
	if (((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE)) || ((g->cr0 & CR0_NW) && !(g->cr0 & CR0_CD)))
		return -HV_EINVAL;
	long_mode = (g->cr0 & CR0_PG) && (g->ia32_efer & EFER_LME);
	/* LMA follows LME and PG; long mode needs PAE; PCIDE only in long mode */
	if (!!(g->ia32_efer & EFER_LMA) != long_mode || (long_mode && !(g->cr4 & CR4_PAE)) ||
	    ((g->cr4 & CR4_PCIDE) && !long_mode))
		return -HV_EINVAL;
	return 0;
}

int hc_check_mem_region(const struct acrn_hc_mem_region *r, u64 gpa_limit, u64 *ret_ept)
{
	u32 type = r->attr & ACRN_HC_MEM_TYPE_MASK;
	u64 ept = 0;

	if (r->type != ACRN_MEM_REGION_ADD && r->type != ACRN_MEM_REGION_DEL)
		return -HV_EINVAL;
	if (!r->size || ((r->size | r->user_vm_pa) & 0xfff) || r->user_vm_pa + r->size < r->size ||
	    r->user_vm_pa + r->size > gpa_limit)
		return -HV_EINVAL;
	if (r->type == ACRN_MEM_REGION_DEL)
		return 0;
	if ((r->attr & ~(ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_MASK)) || (type & (type - 1)) ||
	    !(r->attr & ACRN_HC_MEM_ACCESS_RWX) || (r->service_vm_pa & 0xfff) ||
	    r->service_vm_pa + r->size < r->size)
		return -HV_EINVAL;
	if (r->attr & ACRN_HC_MEM_ACCESS_READ)
		ept |= EPT_R;
	if (r->attr & ACRN_HC_MEM_ACCESS_WRITE)
		ept |= EPT_W;
	if (r->attr & ACRN_HC_MEM_ACCESS_EXEC)
		ept |= EPT_X;
	/* write-only and write-execute are EPT misconfigurations */
	if ((ept & EPT_W) && !(ept & EPT_R))
		return -HV_EINVAL;
	switch (type) {
	case ACRN_HC_MEM_TYPE_WB:
		ept |= EPT_WB;
		break;
	case ACRN_HC_MEM_TYPE_WT:
		ept |= 4ULL << 3;
		break;
	case ACRN_HC_MEM_TYPE_WC:
		ept |= 1ULL << 3;
		break;
	case ACRN_HC_MEM_TYPE_WP:
		ept |= 5ULL << 3;
		break;
	default: /* UC, or no type (ACRN: UC) */
		ept |= EPT_UC;
	}
	*ret_ept = ept;
	return 0;
}

int hc_check_irqline(u64 value, u32 *ret_gsi, u32 *ret_op)
{
	u32 gsi = (u32)value, op = (u32)(value >> 32);

	if (gsi >= ACRN_HC_USER_VM_GSIS || op > ACRN_HC_IRQ_PULSE_FALL)
		return -HV_EINVAL;
	*ret_gsi = gsi;
	*ret_op = op;
	return 0;
}

#define MSI_ADDR_WINDOW_MASK 0xfff00000ULL
#define MSI_ADDR_WINDOW	     0xfee00000ULL
#define MSI_ADDR_RESERVED    0x3f0ULL /* bits 9:4 (bits 3:2 are RH/DM, 19:12 the destination) */
#define MSI_DATA_MODE(d)     (((d) >> 8) & 7)

int hc_check_msi(const struct acrn_hc_msi_entry *m)
{
	u32 mode = MSI_DATA_MODE(m->msi_data);

	if ((m->msi_addr >> 32) || (m->msi_addr & MSI_ADDR_WINDOW_MASK) != MSI_ADDR_WINDOW ||
	    (m->msi_addr & MSI_ADDR_RESERVED) || (m->msi_data >> 16))
		return -HV_EINVAL;
	/* fixed and lowest-priority need a vector above the exceptions; NMI ignores it */
	if (mode == 0 || mode == 1)
		return (m->msi_data & 0xff) >= 16 ? 0 : -HV_EINVAL;
	return mode == 4 ? 0 : -HV_EINVAL;
}

int hc_check_pm_cmd(u64 cmd, u16 *ret_vmid)
{
	if ((cmd >> 32) || (cmd & 0xff) > ACRN_HC_PMCMD_CX_DATA)
		return -HV_EINVAL;
	*ret_vmid = (u16)((cmd >> 24) & 0xff);
	return 0;
}
