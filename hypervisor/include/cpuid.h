/* SPDX-License-Identifier: BSD-3-Clause */
/* CPUID as the guest sees it (VMX hidden, the hypervisor leaves 0x400000xx). */
#ifndef HV_CPUID_H
#define HV_CPUID_H

struct vcpu;

int vmexit_cpuid(struct vcpu *v);

#endif
