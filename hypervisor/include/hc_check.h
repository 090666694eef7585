/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks of the User VM hypercalls' parameters and of the VM state rules:
 * pure functions of the copied-in values (host-tested by test-hc-check).
 */
#ifndef HV_HC_CHECK_H
#define HV_HC_CHECK_H

#include "lib.h"
#include "acrn_abi.h"

enum vm_state;

/* What a hypercall does to a VM, for vm_state_check(). */
enum vm_op {
	VM_OP_START,	  /* CREATED (needs the I/O request page) or PAUSED -> RUNNING */
	VM_OP_PAUSE,	  /* any but POWERED_OFF -> PAUSED */
	VM_OP_RESET,	  /* PAUSED -> CREATED */
	VM_OP_DESTROY,	  /* PAUSED -> POWERED_OFF */
	VM_OP_SET_REGS,	  /* CREATED or PAUSED */
	VM_OP_SET_IOREQ,  /* CREATED */
	VM_OP_SET_MEMORY, /* any but POWERED_OFF */
	VM_OP_IRQ,	  /* any but POWERED_OFF */
};

/* 0 if @op is allowed in @state, else -EINVAL; *@ret_next is the state afterwards. */
int vm_state_check(enum vm_op op, enum vm_state state, bool ioreq_set, enum vm_state *ret_next);
/* SET_VCPU_REGS: reserved fields zero, a CR0/CR4/EFER/RFLAGS combination a VM entry accepts. */
int hc_check_vcpu_regs(const struct acrn_hc_vcpu_regs *r, u32 nr_vcpus);
/*
 * One VM_SET_MEMORY_REGIONS entry: ADD or DEL, known attribute bits and at
 * most one memory type, 4 KiB-aligned non-empty ranges that do not wrap and
 * stay below @gpa_limit.  For ADD, *@ret_ept gets the EPT leaf flags.
 */
int hc_check_mem_region(const struct acrn_hc_mem_region *r, u64 gpa_limit, u64 *ret_ept);
/* SET_IRQLINE's value: a GSI below ACRN_HC_USER_VM_GSIS and a known operation. */
int hc_check_irqline(u64 value, u32 *ret_gsi, u32 *ret_op);
/* INJECT_MSI: an address in the 0xFEExxxxx window, a data word with a usable vector/mode. */
int hc_check_msi(const struct acrn_hc_msi_entry *m);
/* PM_GET_CPU_STATE's command: known type, bits 63:32 clear. */
int hc_check_pm_cmd(u64 cmd, u16 *ret_vmid);

#endif
