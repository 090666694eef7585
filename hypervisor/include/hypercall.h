/* SPDX-License-Identifier: BSD-3-Clause */
/* The hypercall ABI (include/acrn_abi.h): id in R8, parameters in RDI/RSI, result in RAX. */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include "lib.h"

struct vcpu;

/* Run hypercall @id for @v's VM; -EPERM for a VM without VM_FLAG_HYPERCALLS, -ENOTTY for an unknown
 * id. */
s64 hypercall_dispatch(struct vcpu *v, u64 id, u64 p1, u64 p2);

#endif
