/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Interrupt injection for User VM vCPUs: the thin VMX layer over virq.h.
 * The software path: the vLAPIC is emulated on every access (its page is
 * not mapped, x2APIC MSRs are trapped), interrupts go in through the
 * VM-entry interruption-information field, and interrupt-window exiting
 * brings the vCPU back when the guest could not take one.  APIC-register
 * virtualization and virtual-interrupt delivery are not used yet (the
 * model would have to live in the virtual-APIC page).
 */
#ifndef HV_VINTR_H
#define HV_VINTR_H

#include "lib.h"
#include "virq.h"

struct vcpu;

/*
 * Call before each VM entry of a User VM vCPU, before the run loop's NMI
 * injection.  Injects the highest deliverable interrupt if the guest can
 * take it (RFLAGS.IF, no STI/MOV-SS blocking, no event being injected, no
 * NMI waiting), else enables interrupt-window exiting while one waits; an
 * NMI of the vLAPIC goes to vcpu_queue_nmi().  @ev tells the run loop the
 * rest: INIT or STARTUP received, and the guest TSC of the next timer
 * expiry (to arm the VMX preemption timer; 0: no timer).  An
 * interrupt-window exit needs no handling of its own: the next call here
 * does the work.
 */
void vcpu_inject_pending_interrupt(struct vcpu *v, struct virq_event *ev);

/*
 * The VMX-preemption timer value that makes the vCPU exit at guest TSC
 * @deadline (0: no timer) but no later than @max_tsc ticks after @now,
 * the periodic exit that keeps the hypervisor's requests and debug shell
 * alive; the timer counts TSC >> @rate.  Rounded up, so the exit never
 * comes before the deadline; an expired deadline gives 0 (exit at once).
 */
u32 vintr_preempt_value(u64 now, u64 deadline, u64 max_tsc, u32 rate);

#endif
