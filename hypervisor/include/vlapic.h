/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local APIC passthrough with trapped writes (the Service VM): reads go to
 * the physical LAPIC, writes are replayed on it, INIT and STARTUP IPIs are
 * emulated.
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include "lib.h"

struct vcpu;
struct vm;

/* The physical LAPIC's MMIO base. */
u64 lapic_base(void);
/* Trap writes to the LAPIC page of @vm (reads stay direct). */
int vlapic_passthrough_init(struct vm *vm);
/* An AP vCPU waits here until the guest sends it INIT and STARTUP. */
void vlapic_wait_for_startup(struct vcpu *v);
/* Called at every exit of an AP vCPU: true if a pending INIT reset it. */
bool vlapic_check_init(struct vcpu *v);
/* WRMSR to the x2APIC ICR; -EIO where the CPU would #GP. */
int vlapic_x2apic_icr_write(struct vcpu *v, u64 val);

#endif
