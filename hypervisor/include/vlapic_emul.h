/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated local APIC of a User VM vCPU: a pure model of the xAPIC
 * register page, the x2APIC MSRs, IA32_APIC_BASE, the APIC timer and
 * IA32_TSC_DEADLINE.  No VMX in here: the caller passes the guest's TSC
 * ("now") to every call that can touch the timer, and gets back what the
 * access means beyond the APIC itself (an EOI for the vIOAPIC, an IPI to
 * route) in struct vlapic_out.  virq.h routes, vintr.h injects.
 *
 * The APIC timer counts at the TSC rate (bus clock = TSC, divided by the
 * divide configuration), as ACRN's does; a periodic timer never fires more
 * often than every VLAPIC_MIN_PERIOD_US so a guest cannot storm its pCPU.
 */
#ifndef HV_VLAPIC_EMUL_H
#define HV_VLAPIC_EMUL_H

#include "lib.h"

#define VLAPIC_MMIO_BASE      0xfee00000ULL
#define VLAPIC_MIN_PERIOD_US  100
#define MSR_IA32_TSC_DEADLINE 0x6e0
#define VLAPIC_MSR_FIRST      0x800
#define VLAPIC_MSR_LAST	      0x8ff

/* xAPIC register offsets (x2APIC MSR = 0x800 + offset / 16) */
#define APIC_ID	       0x20
#define APIC_VERSION   0x30
#define APIC_TPR       0x80
#define APIC_APR       0x90
#define APIC_PPR       0xa0
#define APIC_EOI       0xb0
#define APIC_RRD       0xc0
#define APIC_LDR       0xd0
#define APIC_DFR       0xe0
#define APIC_SVR       0xf0
#define APIC_ISR0      0x100
#define APIC_TMR0      0x180
#define APIC_IRR0      0x200
#define APIC_ESR       0x280
#define APIC_ICR_LOW   0x300
#define APIC_ICR_HIGH  0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_ERROR 0x370
#define APIC_TMR_ICR   0x380
#define APIC_TMR_CCR   0x390
#define APIC_TMR_DCR   0x3e0
#define APIC_SELF_IPI  0x3f0 /* x2APIC only */

/* LVT entries in register order: timer, thermal, PMC, LINT0, LINT1, error */
enum { LVT_TIMER, LVT_THERMAL, LVT_PMC, LVT_LINT0, LVT_LINT1, LVT_ERROR, VLAPIC_NR_LVT };

#define APIC_LVT_MASKED	      (1U << 16)
#define APIC_SVR_ENABLE	      (1U << 8)
#define APIC_TIMER_ONESHOT    0U
#define APIC_TIMER_PERIODIC   1U
#define APIC_TIMER_DEADLINE   2U
#define APIC_ESR_SEND_ILLEGAL (1U << 5)
#define APIC_ESR_RECV_ILLEGAL (1U << 6)
#define APIC_ESR_ILLEGAL_REG  (1U << 7)

/* delivery modes (ICR, LVT, IOAPIC redirection entry, MSI data) */
#define APIC_DM_FIXED	0U
#define APIC_DM_LOWPRI	1U
#define APIC_DM_SMI	2U
#define APIC_DM_NMI	4U
#define APIC_DM_INIT	5U
#define APIC_DM_STARTUP 6U
#define APIC_DM_EXTINT	7U

/* destination shorthands of the ICR */
#define APIC_SH_NONE	     0U
#define APIC_SH_SELF	     1U
#define APIC_SH_ALL	     2U
#define APIC_SH_ALL_BUT_SELF 3U

/* An interrupt message: an IPI from an ICR, an IOAPIC redirection or an MSI. */
struct apic_msg {
	u32 dest; /* APIC ID or logical destination */
	u32 src;  /* sending vCPU index (for shorthands) */
	u8 vector;
	u8 mode;      /* APIC_DM_* */
	u8 shorthand; /* APIC_SH_* */
	bool logical;
	bool level;  /* level-triggered: sets the TMR bit, the EOI goes to the vIOAPIC */
	bool assert; /* ICR level bit: an INIT level de-assert does nothing */
	bool x2apic; /* @dest is 32 bits wide (an x2APIC ICR), else 8 */
};

/* What an access means beyond the APIC's own registers. */
struct vlapic_out {
	bool eoi; /* an EOI retired @eoi_vector */
	bool eoi_level;
	u8 eoi_vector;
	bool ipi; /* @msg must be routed */
	struct apic_msg msg;
};

struct vlapic {
	u32 id;	     /* APIC ID: the pCPU's, as the device model's MADT says */
	u32 vcpu_id; /* index in the VM */
	u64 base_msr;
	u64 tsc_hz;
	u32 tpr, ldr, dfr, svr, esr, esr_pending, icr_lo, icr_hi;
	u32 lvt[VLAPIC_NR_LVT];
	u32 tmr_icr, tmr_dcr;
	u64 tmr_base;	  /* TSC at which the current count equalled the initial count */
	u64 tmr_deadline; /* TSC of the next expiry (one-shot, periodic); 0: not armed */
	u64 tsc_deadline; /* IA32_TSC_DEADLINE as armed; 0: not armed */
	u32 irr[8], isr[8], tmr[8];
	/* events for the vCPU itself (the run loop consumes them) */
	bool nmi;
	bool init;
	bool sipi;
	u8 sipi_vector;
};

/* Power-on state; vCPU 0 is the BSP. */
void vlapic_init(struct vlapic *vl, u32 vcpu_id, u32 apic_id, u64 tsc_hz);
/* INIT: the registers return to their power-on values; ID, mode and base stay. */
void vlapic_reset(struct vlapic *vl);

/*
 * The xAPIC page: @off within the 4 KiB page; only 32-bit accesses to the
 * first dword of a 16-byte register are valid (-EINVAL otherwise, nothing
 * changes).  -ENODEV when the APIC is disabled or in x2APIC mode (the page
 * is not decoded).  A reserved offset reads 0 and sets ESR bit 7.
 */
int vlapic_mmio_read(struct vlapic *vl, u32 off, u32 size, u64 now, u32 *val);
int vlapic_mmio_write(struct vlapic *vl, u32 off, u32 size, u32 val, u64 now,
		      struct vlapic_out *out);

/*
 * IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC MSRs.  -ENOENT: not an
 * APIC MSR; -EINVAL: the CPU would raise #GP (x2APIC MSRs outside x2APIC
 * mode, reads of write-only and writes of read-only registers, reserved
 * bits, invalid APIC_BASE transitions, a moved APIC base).
 */
int vlapic_msr_read(struct vlapic *vl, u32 msr, u64 now, u64 *val);
int vlapic_msr_write(struct vlapic *vl, u32 msr, u64 val, u64 now, struct vlapic_out *out);

/* Accept a fixed/lowest-priority interrupt: IRR (and TMR for level). -EINVAL: vector < 16. */
int vlapic_set_intr(struct vlapic *vl, u8 vector, bool level);
/* The highest IRR vector whose priority class is above the PPR's, or -1. */
int vlapic_pending(const struct vlapic *vl);
/* The CPU takes @vector: IRR -> ISR. */
void vlapic_ack(struct vlapic *vl, u8 vector);
u32 vlapic_ppr(const struct vlapic *vl);
/* Would @vl take @m by its destination (shorthands excluded)? */
bool vlapic_match(const struct vlapic *vl, const struct apic_msg *m);
/* LINT0 passes the PIC's INTR (ExtINT unmasked, or the APIC disabled). */
bool vlapic_takes_extint(const struct vlapic *vl);
bool vlapic_hw_enabled(const struct vlapic *vl);
bool vlapic_x2apic(const struct vlapic *vl);

/*
 * Fire the timer if it expired by @now; returns the TSC of the next expiry
 * (0: none) for the VMX preemption timer.
 */
u64 vlapic_timer_update(struct vlapic *vl, u64 now);
u32 vlapic_timer_mode(const struct vlapic *vl);

#endif
