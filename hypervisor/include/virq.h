/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A User VM's interrupt controllers together: one vLAPIC per vCPU, the
 * vIOAPIC and the vPIC, the routing of interrupt messages (IPIs, IOAPIC
 * redirections, MSIs) to vLAPICs, and the decision what a vCPU takes at
 * its next VM entry.  Pure logic under one lock, independent of struct vm
 * so that it is host-tested as a whole; virq_io.h attaches it to a VM.
 *
 * Every entry point takes the lock: vCPUs on different pCPUs and the
 * Service VM's SET_IRQLINE/INJECT_MSI use the same controllers.  The kick
 * callback runs under it and must only notify (e.g. send an IPI).
 */
#ifndef HV_VIRQ_H
#define HV_VIRQ_H

#include "lib.h"
#include "x86.h"
#include "vlapic_emul.h"
#include "vioapic.h"
#include "vpic.h"

#define VIRQ_MAX_VCPUS 8

typedef void (*virq_kick_fn)(void *ctx, u32 vcpu_id);

struct virq {
	struct spinlock lock;
	u32 nr_vcpus;
	struct vlapic lapic[VIRQ_MAX_VCPUS];
	struct vioapic ioapic;
	struct vpic pic;
	virq_kick_fn kick; /* NULL: nobody to wake (no vCPU runs) */
	void *kick_ctx;
};

/* What a vCPU takes at its next VM entry (virq_next()). */
struct virq_event {
	bool nmi;	 /* inject an NMI (the run loop's NMI path) */
	int vector;	 /* an external interrupt to inject now, or -1 */
	bool window;	 /* an interrupt waits for the guest to accept one */
	u64 deadline;	 /* guest TSC of the next timer expiry; 0: none */
	bool init;	 /* an INIT arrived: back to wait-for-SIPI */
	int sipi_vector; /* a STARTUP arrived, or -1 */
};

/* @apic_ids[i]: vCPU i's APIC ID (NULL: i).  -EINVAL for 0 or too many vCPUs. */
int virq_init(struct virq *q, u32 nr_vcpus, const u32 *apic_ids, u64 tsc_hz);
/* RESET_VM: every controller to its power-on state, lines low; APIC IDs and the kick stay. */
void virq_reset(struct virq *q);
void virq_set_kick(struct virq *q, virq_kick_fn fn, void *ctx);

/*
 * SET_IRQLINE: @op is ACRN_HC_IRQ_{ASSERT,DEASSERT,PULSE_RAISE,PULSE_FALL}.
 * GSI < 16 also drives the vPIC (GSI 2 is PIC pin 0: the PIT's, behind
 * the usual interrupt source override; PIC pin 2 is the cascade).
 */
int virq_set_irqline(struct virq *q, u32 gsi, u32 op);
/* INJECT_MSI: fixed, lowest priority or NMI to addr[19:12] (physical or logical). */
int virq_inject_msi(struct virq *q, u64 addr, u64 data);
/* Route an interrupt message to the vLAPICs it names (IPIs, IOAPIC, MSI). */
void virq_route(struct virq *q, const struct apic_msg *m);

/* Guest accesses; @now is the guest's TSC.  Errors as the models'. */
int virq_lapic_mmio(struct virq *q, u32 vcpu, u32 off, u32 size, bool write, u32 *val, u64 now);
int virq_lapic_msr(struct virq *q, u32 vcpu, u32 msr, bool write, u64 *val, u64 now);
int virq_ioapic_mmio(struct virq *q, u32 off, u32 size, bool write, u32 *val);
int virq_pic_pio(struct virq *q, u16 port, u32 size, bool write, u32 *val);

/*
 * Before VM entry of @vcpu: fire due timers and decide.  With
 * @intr_ok (RFLAGS.IF set, no STI/MOV-SS blocking, nothing else being
 * injected) the interrupt is acknowledged (PIC ExtINT first on vCPU 0,
 * then the vLAPIC's highest) and returned in @ev->vector; otherwise
 * @ev->window says one waits.  NMI, INIT and STARTUP are consumed.
 */
void virq_next(struct virq *q, u32 vcpu, u64 now, bool intr_ok, struct virq_event *ev);

#endif
