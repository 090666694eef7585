/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercall wrappers of the HSM: `vmcall` with the id in R8, parameters in
 * RDI (and RSI) and the result in RAX (include/acrn_abi.h).  Written here
 * rather than taken from <asm/acrn.h> so that the HSM depends only on our
 * own ABI header and on no kernel configuration (Debian's kernel is built
 * without CONFIG_ACRN_GUEST).
 *
 * Pointer parameters are Service VM physical addresses: the structures they
 * point to are kmalloc'ed (physically contiguous, never on the stack).
 */
#ifndef HSM_HYPERCALL_H
#define HSM_HYPERCALL_H

#include <linux/types.h>
#include <linux/build_bug.h>

#include "acrn_abi.h"

static inline long hsm_hypercall1(unsigned long id, unsigned long param1)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall" : "=a"(result) : "r"(r8), "D"(param1) : "memory");
	return result;
}

static inline long hsm_hypercall2(unsigned long id, unsigned long param1, unsigned long param2)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall" : "=a"(result) : "r"(r8), "D"(param1), "S"(param2) : "memory");
	return result;
}

/* Parameter of VM_SET_MEMORY_REGIONS (P1): a batch of region operations. */
struct hsm_hc_region {
	u32 type; /* ACRN_MEM_REGION_ADD / _DEL */
	u32 attr; /* ACRN_MEM_ACCESS_* | ACRN_MEM_TYPE_* */
	u64 user_vm_pa;
	u64 service_vm_pa;
	u64 size;
};
static_assert(sizeof(struct hsm_hc_region) == 32);

struct hsm_hc_region_batch {
	u16 vmid;
	u16 reserved[3];
	u32 regions_num;
	u32 reserved1;
	u64 regions_gpa; /* Service VM physical address of the hsm_hc_region array */
};
static_assert(sizeof(struct hsm_hc_region_batch) == 24);

#endif /* HSM_HYPERCALL_H */
