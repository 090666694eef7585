/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hypercall wrappers of the HSM: `vmcall` with the id in R8, parameters in
 * RDI (and RSI) and the result in RAX (include/acrn_abi.h).  Written here
 * rather than taken from <asm/acrn.h> so that the HSM depends only on our
 * own ABI header and on no kernel configuration (Debian's kernel is built
 * without CONFIG_ACRN_GUEST).
 */
#ifndef HSM_HYPERCALL_H
#define HSM_HYPERCALL_H

#include <linux/types.h>

static inline long hsm_hypercall1(unsigned long id, unsigned long param1)
{
	register unsigned long r8 asm("r8") = id;
	long result;

	asm volatile("vmcall" : "=a"(result) : "r"(r8), "D"(param1) : "memory");
	return result;
}

#endif /* HSM_HYPERCALL_H */
