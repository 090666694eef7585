/* SPDX-License-Identifier: BSD-3-Clause */
/* Application processors: start-up, and the vCPU each one runs. */
#ifndef HV_SMP_H
#define HV_SMP_H

#include "lib.h"

struct vm;

/* Start every pCPU of the MADT (INIT-SIPI-SIPI); they wait for a vCPU to run. */
int smp_start_aps(void);
/* Give vCPU i of @vm to pCPU i (i >= 1) and wait until each is parked in VMX. */
void smp_run_vcpus(struct vm *vm);
/* An NMI to this pCPU through its LAPIC (the selftest's root-operation NMI). */
void smp_send_self_nmi(void);
/* An NMI to @pcpu: a User VM vCPU there exits (or its idle pCPU wakes) and looks at its requests.
 */
void smp_kick(u32 pcpu);
/* An edge IPI: @icr gives vector, delivery and destination mode; @dest the 8-bit destination. */
void smp_send_ipi(u32 dest, u32 icr);
/* trampoline.S entry, per AP */
void ap_main(u32 idx);
extern char ap_trampoline_start[], ap_trampoline_end[];
extern char tramp_cr3[], tramp_ticket[];

#endif
