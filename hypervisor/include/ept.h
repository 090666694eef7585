/* SPDX-License-Identifier: BSD-3-Clause */
/* Extended page tables of a VM. */
#ifndef HV_EPT_H
#define HV_EPT_H

struct vm;

/* An empty EPT (nothing mapped) for @vm. */
int ept_init(struct vm *vm);
/*
 * Identity map of the platform for @vm: RAM write-back, everything else
 * uncacheable, the hypervisor's own range not mapped.
 */
int ept_build_identity(struct vm *vm);
/* Free every table page of @vm's EPT. */
void ept_destroy(struct vm *vm);

#endif
