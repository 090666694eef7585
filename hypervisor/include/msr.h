/* SPDX-License-Identifier: BSD-3-Clause */
/* Guest MSR access: which MSRs exit (the MSR bitmap) and how trapped ones behave. */
#ifndef HV_MSR_H
#define HV_MSR_H

#include "lib.h"

struct vcpu;
struct vm;

/* Fill @vm's (zeroed) MSR bitmap: every MSR that must exit; take the MTRRs' boot values. */
void msr_bitmap_init(struct vm *vm);
int vmexit_rdmsr(struct vcpu *v);
int vmexit_wrmsr(struct vcpu *v);

#endif
