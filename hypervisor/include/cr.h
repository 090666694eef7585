/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-register and XCR0 writes the guest makes that exit, emulated as the CPU would. */
#ifndef HV_CR_H
#define HV_CR_H

struct vcpu;

int vmexit_cr_access(struct vcpu *v);
int vmexit_xsetbv(struct vcpu *v);

#endif
