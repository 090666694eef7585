// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated local APIC (vlapic_emul.h).  Registers follow the SDM's
 * "Advanced Programmable Interrupt Controller" chapter: xAPIC through the
 * page, x2APIC through MSRs with the stricter rules of that mode (#GP on
 * reserved bits, read-only or write-only registers).  There is no CMCI LVT
 * (version register: max LVT 5) and no directed EOI (SVR bit 12 stays 0),
 * so every level-triggered EOI is broadcast to the vIOAPIC.
 */
#include "hv.h"
#include "vlapic_emul.h"
#include "x86.h"

#define APIC_VERSION_VALUE 0x00050014U /* integrated APIC, max LVT entry 5 */
#define VLAPIC_BASE_BSP	   (1ULL << 8)
#define APIC_BASE_ADDR	   0xfffffff000ULL /* bits 39:12 */
#define APIC_BASE_RESERVED                                                                         \
	(~(APIC_BASE_ADDR | VLAPIC_BASE_BSP | APIC_BASE_X2APIC | APIC_BASE_ENABLE))

#define ICR_DEST_LOGICAL (1U << 11)
#define ICR_LEVEL_ASSERT (1U << 14)
#define ICR_TRIGGER	 (1U << 15)
#define ICR_WRITABLE	 0x000ccfffU /* vector, mode, dest mode, level, trigger, shorthand */
#define LVT_TRIGGER	 (1U << 15)

/* writable bits of each LVT, in enum order (delivery status and remote IRR are read-only) */
static const u32 lvt_writable[VLAPIC_NR_LVT] = {
    0x000700ff, /* timer: vector, mask, mode */
    0x000107ff, /* thermal: vector, delivery mode, mask */
    0x000107ff, /* PMC */
    0x0001a7ff, /* LINT0: + polarity, trigger */
    0x0001a7ff, /* LINT1 */
    0x000100ff, /* error: vector, mask */
};

static bool test_vec(const u32 *r, u32 v)
{
	return r[v >> 5] & (1U << (v & 31));
}

static void set_vec(u32 *r, u32 v)
{
	r[v >> 5] |= 1U << (v & 31);
}

static void clear_vec(u32 *r, u32 v)
{
	r[v >> 5] &= ~(1U << (v & 31));
}

/* The highest set vector of a 256-bit register, or -1. */
static int highest(const u32 *r)
{
	int i;

	for (i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

bool vlapic_hw_enabled(const struct vlapic *vl)
{
	return vl->base_msr & APIC_BASE_ENABLE;
}

bool vlapic_x2apic(const struct vlapic *vl)
{
	return (vl->base_msr & APIC_BASE_X2APIC) && vlapic_hw_enabled(vl);
}

static bool sw_enabled(const struct vlapic *vl)
{
	return vl->svr & APIC_SVR_ENABLE;
}

void vlapic_reset(struct vlapic *vl)
{
	u32 i;

	vl->tpr = vl->esr = vl->esr_pending = vl->icr_lo = vl->icr_hi = 0;
	vl->dfr = 0xffffffff;
	vl->svr = 0xff;
	vl->ldr = vlapic_x2apic(vl) ? ((vl->id >> 4) << 16) | (1U << (vl->id & 15)) : 0;
	for (i = 0; i < VLAPIC_NR_LVT; i++)
		vl->lvt[i] = APIC_LVT_MASKED;
	vl->tmr_icr = vl->tmr_dcr = 0;
	vl->tmr_base = vl->tmr_deadline = vl->tsc_deadline = 0;
	memset(vl->irr, 0, sizeof(vl->irr));
	memset(vl->isr, 0, sizeof(vl->isr));
	memset(vl->tmr, 0, sizeof(vl->tmr));
	vl->nmi = vl->init = vl->sipi = false;
}

void vlapic_init(struct vlapic *vl, u32 vcpu_id, u32 apic_id, u64 tsc_hz)
{
	memset(vl, 0, sizeof(*vl));
	vl->vcpu_id = vcpu_id;
	vl->id = apic_id;
	vl->tsc_hz = tsc_hz;
	vl->base_msr = VLAPIC_MMIO_BASE | APIC_BASE_ENABLE | (vcpu_id ? 0 : VLAPIC_BASE_BSP);
	vlapic_reset(vl);
}

u32 vlapic_ppr(const struct vlapic *vl)
{
	int isrv = highest(vl->isr);
	u32 isr_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (vl->tpr & 0xf0) >= isr_class ? vl->tpr & 0xff : isr_class;
}

int vlapic_pending(const struct vlapic *vl)
{
	int irrv = highest(vl->irr);

	if (irrv < 0 || ((u32)irrv & 0xf0) <= (vlapic_ppr(vl) & 0xf0))
		return -1;
	return irrv;
}

void vlapic_ack(struct vlapic *vl, u8 vector)
{
	clear_vec(vl->irr, vector);
	set_vec(vl->isr, vector);
}

/* An error the APIC detected: latched for the next ESR write, signalled by the error LVT. */
static void set_error(struct vlapic *vl, u32 bit)
{
	u32 lvt = vl->lvt[LVT_ERROR];

	if (vl->esr_pending & bit)
		return;
	vl->esr_pending |= bit;
	if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16)
		set_vec(vl->irr, lvt & 0xff);
}

int vlapic_set_intr(struct vlapic *vl, u8 vector, bool level)
{
	if (vector < 16) {
		set_error(vl, APIC_ESR_RECV_ILLEGAL);
		return -HV_EINVAL;
	}
	/* a software-disabled APIC drops what it is sent (as ACRN's) */
	if (!vlapic_hw_enabled(vl) || !sw_enabled(vl))
		return -HV_ENODEV;
	set_vec(vl->irr, vector);
	if (level)
		set_vec(vl->tmr, vector);
	else
		clear_vec(vl->tmr, vector);
	return 0;
}

bool vlapic_takes_extint(const struct vlapic *vl)
{
	u32 lint0 = vl->lvt[LVT_LINT0];

	if (!vlapic_hw_enabled(vl))
		return true; /* a disabled APIC passes INTR straight to the CPU */
	return !(lint0 & APIC_LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_DM_EXTINT;
}

bool vlapic_match(const struct vlapic *vl, const struct apic_msg *m)
{
	u32 bcast = m->x2apic ? 0xffffffffU : 0xffU, dest = m->x2apic ? m->dest : m->dest & 0xff;

	if (!vlapic_hw_enabled(vl))
		return false;
	if (dest == bcast)
		return true;
	if (!m->logical)
		return m->x2apic ? vl->id == dest : (vl->id & 0xff) == dest;
	if (vlapic_x2apic(vl))
		return (dest >> 16) == (vl->ldr >> 16) && (dest & vl->ldr & 0xffff);
	if ((vl->dfr >> 28) == 0xf) /* flat: 8 bits, one per APIC */
		return dest & (vl->ldr >> 24);
	/* cluster: 4-bit cluster (15 = all clusters), 4 bits of members */
	return ((dest >> 4) == 15 || (dest >> 4) == (vl->ldr >> 28)) &&
	       (dest & (vl->ldr >> 24) & 15);
}

/* ---- the timer ---- */

u32 vlapic_timer_mode(const struct vlapic *vl)
{
	u32 mode = (vl->lvt[LVT_TIMER] >> 17) & 3;

	return mode == 3 ? APIC_TIMER_ONESHOT : mode; /* 3 is reserved: one-shot */
}

static u32 timer_div(const struct vlapic *vl)
{
	u32 v = ((vl->tmr_dcr & 8) >> 1) | (vl->tmr_dcr & 3);

	return v == 7 ? 1 : 2U << v;
}

/* TSC ticks from one reload of the count to the next expiry */
static u64 timer_period(const struct vlapic *vl)
{
	u64 p = (u64)vl->tmr_icr * timer_div(vl);
	u64 min = vl->tsc_hz / (1000000 / VLAPIC_MIN_PERIOD_US);

	if (vlapic_timer_mode(vl) == APIC_TIMER_PERIODIC && p < min)
		p = min;
	return p;
}

static void timer_start(struct vlapic *vl, u64 now)
{
	vl->tmr_base = now;
	vl->tmr_deadline = vl->tmr_icr ? now + timer_period(vl) : 0;
}

static u32 timer_current(const struct vlapic *vl, u64 now)
{
	u64 ticks;

	if (!vl->tmr_deadline || vlapic_timer_mode(vl) == APIC_TIMER_DEADLINE)
		return 0;
	ticks = now - vl->tmr_base;
	if (vlapic_timer_mode(vl) == APIC_TIMER_PERIODIC)
		ticks %= timer_period(vl);
	ticks /= timer_div(vl);
	return ticks >= vl->tmr_icr ? 0 : vl->tmr_icr - (u32)ticks;
}

static void timer_fire(struct vlapic *vl)
{
	u32 lvt = vl->lvt[LVT_TIMER];

	if (!(lvt & APIC_LVT_MASKED))
		vlapic_set_intr(vl, lvt & 0xff, false);
}

u64 vlapic_timer_update(struct vlapic *vl, u64 now)
{
	if (vlapic_timer_mode(vl) == APIC_TIMER_DEADLINE) {
		if (vl->tsc_deadline && now >= vl->tsc_deadline) {
			vl->tsc_deadline = 0;
			timer_fire(vl);
		}
		return vl->tsc_deadline;
	}
	if (!vl->tmr_deadline || now < vl->tmr_deadline)
		return vl->tmr_deadline;
	timer_fire(vl); /* once, however many periods were missed (as a late CPU would) */
	if (vlapic_timer_mode(vl) == APIC_TIMER_PERIODIC) {
		u64 period = timer_period(vl);

		vl->tmr_base += (now - vl->tmr_base) / period * period;
		vl->tmr_deadline = vl->tmr_base + period;
	} else {
		vl->tmr_deadline = 0;
	}
	return vl->tmr_deadline;
}

static void write_dcr(struct vlapic *vl, u32 val, u64 now)
{
	u32 cur = timer_current(vl, now);

	vl->tmr_dcr = val & 0xb;
	if (!vl->tmr_deadline)
		return;
	/* the count goes on from where it is, at the new rate */
	vl->tmr_base = now - (u64)(vl->tmr_icr - cur) * timer_div(vl);
	vl->tmr_deadline = vl->tmr_base + timer_period(vl);
	if (vl->tmr_deadline <= now)
		vl->tmr_deadline = now + 1;
}

static void write_lvt(struct vlapic *vl, u32 idx, u32 val)
{
	u32 old_mode = vlapic_timer_mode(vl);

	val &= lvt_writable[idx];
	if (!sw_enabled(vl))
		val |= APIC_LVT_MASKED; /* cannot be unmasked while software-disabled */
	vl->lvt[idx] = (vl->lvt[idx] & ~lvt_writable[idx]) | val;
	if (idx == LVT_TIMER && vlapic_timer_mode(vl) != old_mode) {
		/* a mode change disarms the timer */
		vl->tmr_deadline = 0;
		vl->tsc_deadline = 0;
	}
}

static void write_svr(struct vlapic *vl, u32 val)
{
	u32 i;

	vl->svr = val & 0x3ff; /* vector, enable, focus checking */
	if (!sw_enabled(vl))
		for (i = 0; i < VLAPIC_NR_LVT; i++)
			vl->lvt[i] |= APIC_LVT_MASKED;
}

/* EOI: the highest in-service vector retires. */
static void do_eoi(struct vlapic *vl, struct vlapic_out *out)
{
	int v = highest(vl->isr);

	if (v < 0)
		return;
	clear_vec(vl->isr, (u32)v);
	out->eoi = true;
	out->eoi_vector = (u8)v;
	out->eoi_level = test_vec(vl->tmr, (u32)v);
	if (out->eoi_level)
		clear_vec(vl->tmr, (u32)v);
}

/* The ICR was written: turn it into a message (nothing for SMI or a de-assert INIT). */
static void send_ipi(struct vlapic *vl, u32 lo, u32 dest, bool x2apic, struct vlapic_out *out)
{
	struct apic_msg *m = &out->msg;

	m->vector = lo & 0xff;
	m->mode = (lo >> 8) & 7;
	m->logical = lo & ICR_DEST_LOGICAL;
	m->level = lo & ICR_TRIGGER;
	m->assert = lo & ICR_LEVEL_ASSERT;
	m->shorthand = (lo >> 18) & 3;
	m->dest = dest;
	m->x2apic = x2apic;
	m->src = vl->vcpu_id;
	if ((m->mode == APIC_DM_FIXED || m->mode == APIC_DM_LOWPRI) && m->vector < 16) {
		set_error(vl, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (m->mode == APIC_DM_SMI || m->mode == 3 || m->mode == APIC_DM_EXTINT)
		return; /* no SMM in a User VM; 3 and ExtINT are not IPIs */
	if (m->mode == APIC_DM_INIT && m->level && !m->assert)
		return; /* INIT level de-assert: a no-op since the Pentium 4 */
	if (m->shorthand == APIC_SH_SELF && m->mode != APIC_DM_FIXED)
		return; /* only fixed IPIs may go to self */
	out->ipi = true;
}

/* The 256-bit registers: ISR, TMR, IRR (8 dwords 16 bytes apart). */
static const u32 *bank(const struct vlapic *vl, u32 off)
{
	if (off >= APIC_ISR0 && off < APIC_ISR0 + 0x80)
		return vl->isr;
	if (off >= APIC_TMR0 && off < APIC_TMR0 + 0x80)
		return vl->tmr;
	if (off >= APIC_IRR0 && off < APIC_IRR0 + 0x80)
		return vl->irr;
	return NULL;
}

static bool is_lvt(u32 off)
{
	return off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR;
}

/* A register read in either mode; false: no such register. */
static bool reg_read(struct vlapic *vl, u32 off, u64 now, u32 *val)
{
	const u32 *b = bank(vl, off);

	if (b) {
		*val = b[(off & 0x7f) >> 4];
		return true;
	}
	if (is_lvt(off)) {
		*val = vl->lvt[(off - APIC_LVT_TIMER) >> 4];
		return true;
	}
	switch (off) {
	case APIC_ID:
		*val = vlapic_x2apic(vl) ? vl->id : vl->id << 24;
		break;
	case APIC_VERSION:
		*val = APIC_VERSION_VALUE;
		break;
	case APIC_TPR:
		*val = vl->tpr;
		break;
	case APIC_PPR:
		*val = vlapic_ppr(vl);
		break;
	case APIC_LDR:
		*val = vl->ldr;
		break;
	case APIC_SVR:
		*val = vl->svr;
		break;
	case APIC_ESR:
		*val = vl->esr;
		break;
	case APIC_ICR_LOW:
		*val = vl->icr_lo; /* delivery status: always idle, delivery is immediate */
		break;
	case APIC_TMR_ICR:
		*val = vl->tmr_icr;
		break;
	case APIC_TMR_CCR:
		*val = timer_current(vl, now);
		break;
	case APIC_TMR_DCR:
		*val = vl->tmr_dcr;
		break;
	default:
		return false;
	}
	return true;
}

static bool mmio_ok(u32 off, u32 size)
{
	return size == 4 && off < 4096 && !(off & 15);
}

int vlapic_mmio_read(struct vlapic *vl, u32 off, u32 size, u64 now, u32 *val)
{
	if (!mmio_ok(off, size))
		return -HV_EINVAL;
	if (!vlapic_hw_enabled(vl) || vlapic_x2apic(vl))
		return -HV_ENODEV;
	vlapic_timer_update(vl, now);
	if (reg_read(vl, off, now, val))
		return 0;
	switch (off) {
	case APIC_DFR:
		*val = vl->dfr;
		return 0;
	case APIC_ICR_HIGH:
		*val = vl->icr_hi;
		return 0;
	case APIC_APR: /* arbitration is not modelled; the bus would read 0 */
	case APIC_EOI: /* write-only: reads 0 */
	case APIC_RRD:
		*val = 0;
		return 0;
	}
	*val = 0;
	set_error(vl, APIC_ESR_ILLEGAL_REG);
	return 0;
}

int vlapic_mmio_write(struct vlapic *vl, u32 off, u32 size, u32 val, u64 now,
		      struct vlapic_out *out)
{
	memset(out, 0, sizeof(*out));
	if (!mmio_ok(off, size))
		return -HV_EINVAL;
	if (!vlapic_hw_enabled(vl) || vlapic_x2apic(vl))
		return -HV_ENODEV;
	vlapic_timer_update(vl, now);
	if (is_lvt(off)) {
		write_lvt(vl, (off - APIC_LVT_TIMER) >> 4, val);
		return 0;
	}
	switch (off) {
	case APIC_TPR:
		vl->tpr = val & 0xff;
		break;
	case APIC_EOI:
		do_eoi(vl, out);
		break;
	case APIC_LDR:
		vl->ldr = val & 0xff000000;
		break;
	case APIC_DFR:
		vl->dfr = val | 0x0fffffff;
		break;
	case APIC_SVR:
		write_svr(vl, val);
		break;
	case APIC_ESR:
		vl->esr = vl->esr_pending;
		vl->esr_pending = 0;
		break;
	case APIC_ICR_HIGH:
		vl->icr_hi = val & 0xff000000;
		break;
	case APIC_ICR_LOW:
		vl->icr_lo = val & ICR_WRITABLE;
		send_ipi(vl, vl->icr_lo, vl->icr_hi >> 24, false, out);
		break;
	case APIC_TMR_ICR:
		if (vlapic_timer_mode(vl) == APIC_TIMER_DEADLINE)
			break; /* ignored in TSC-deadline mode */
		vl->tmr_icr = val;
		timer_start(vl, now);
		break;
	case APIC_TMR_DCR:
		write_dcr(vl, val, now);
		break;
	default:
		/*
		 * The ID is read-only here (as ACRN's): the device model's
		 * MADT gives each vCPU its pCPU's APIC ID and routing relies
		 * on it.  Read-only registers ignore writes; reserved
		 * offsets flag an illegal register address.
		 */
		if (!reg_read(vl, off, now, &val) && off != APIC_APR && off != APIC_RRD)
			set_error(vl, APIC_ESR_ILLEGAL_REG);
	}
	return 0;
}

/* IA32_APIC_BASE: disabled -> xAPIC -> x2APIC, back only through disabled; no move. */
static int write_apic_base(struct vlapic *vl, u64 val)
{
	u64 mode_bits = APIC_BASE_ENABLE | APIC_BASE_X2APIC;
	u64 old = vl->base_msr & mode_bits, new = val &mode_bits;

	if ((val & APIC_BASE_RESERVED) || (val & APIC_BASE_ADDR) != VLAPIC_MMIO_BASE)
		return -HV_EINVAL; /* relocation refused: the page is fixed in the EPT */
	if (new == APIC_BASE_X2APIC)
		return -HV_EINVAL; /* x2APIC without enable */
	if (old == mode_bits && new == APIC_BASE_ENABLE)
		return -HV_EINVAL; /* x2APIC -> xAPIC */
	if (!old && new == mode_bits)
		return -HV_EINVAL; /* disabled -> x2APIC */
	if (old == new)
		return 0;
	vl->base_msr = (vl->base_msr & ~mode_bits) | new;
	if (!new)
		vlapic_reset(vl); /* a disabled APIC comes back in its power-on state */
	else if (new == mode_bits)
		vl->ldr = ((vl->id >> 4) << 16) | (1U << (vl->id & 15)); /* x2APIC: derived */
	return 0;
}

static int x2apic_read(struct vlapic *vl, u32 off, u64 now, u64 *val)
{
	u32 v;

	if (off == APIC_ICR_LOW) {
		*val = ((u64)vl->icr_hi << 32) | vl->icr_lo;
		return 0;
	}
	if (off == APIC_APR || off == APIC_RRD || !reg_read(vl, off, now, &v))
		return -HV_EINVAL;
	*val = v;
	return 0;
}

static int x2apic_write(struct vlapic *vl, u32 off, u64 val, u64 now, struct vlapic_out *out)
{
	u32 v = (u32)val;

	if (off != APIC_ICR_LOW && (val >> 32))
		return -HV_EINVAL;
	if (is_lvt(off)) {
		if (v & ~lvt_writable[(off - APIC_LVT_TIMER) >> 4])
			return -HV_EINVAL;
		write_lvt(vl, (off - APIC_LVT_TIMER) >> 4, v);
		return 0;
	}
	switch (off) {
	case APIC_TPR:
		if (v > 0xff)
			return -HV_EINVAL;
		vl->tpr = v;
		return 0;
	case APIC_EOI:
		if (v)
			return -HV_EINVAL;
		do_eoi(vl, out);
		return 0;
	case APIC_SVR:
		if (v > 0x3ff)
			return -HV_EINVAL;
		write_svr(vl, v);
		return 0;
	case APIC_ESR:
		if (v)
			return -HV_EINVAL;
		vl->esr = vl->esr_pending;
		vl->esr_pending = 0;
		return 0;
	case APIC_ICR_LOW:
		if (v & ~ICR_WRITABLE)
			return -HV_EINVAL;
		vl->icr_lo = v;
		vl->icr_hi = (u32)(val >> 32);
		send_ipi(vl, v, vl->icr_hi, true, out);
		return 0;
	case APIC_TMR_ICR:
		if (vlapic_timer_mode(vl) != APIC_TIMER_DEADLINE) {
			vl->tmr_icr = v;
			timer_start(vl, now);
		}
		return 0;
	case APIC_TMR_DCR:
		if (v & ~0xbU)
			return -HV_EINVAL;
		write_dcr(vl, v, now);
		return 0;
	case APIC_SELF_IPI:
		if (v > 0xff)
			return -HV_EINVAL;
		send_ipi(vl, v | (APIC_SH_SELF << 18), 0, true, out);
		return 0;
	}
	return -HV_EINVAL; /* read-only or reserved */
}

int vlapic_msr_read(struct vlapic *vl, u32 msr, u64 now, u64 *val)
{
	vlapic_timer_update(vl, now);
	if (msr == MSR_APIC_BASE) {
		*val = vl->base_msr;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		*val = vlapic_timer_mode(vl) == APIC_TIMER_DEADLINE ? vl->tsc_deadline : 0;
		return 0;
	}
	if (msr < VLAPIC_MSR_FIRST || msr > VLAPIC_MSR_LAST)
		return -HV_ENOENT;
	if (!vlapic_x2apic(vl))
		return -HV_EINVAL;
	return x2apic_read(vl, (msr - VLAPIC_MSR_FIRST) << 4, now, val);
}

int vlapic_msr_write(struct vlapic *vl, u32 msr, u64 val, u64 now, struct vlapic_out *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	vlapic_timer_update(vl, now);
	if (msr == MSR_APIC_BASE)
		return write_apic_base(vl, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* ignored outside TSC-deadline mode; 0 disarms */
		if (vlapic_timer_mode(vl) == APIC_TIMER_DEADLINE) {
			vl->tsc_deadline = val;
			vlapic_timer_update(vl, now);
		}
		return 0;
	}
	if (msr < VLAPIC_MSR_FIRST || msr > VLAPIC_MSR_LAST)
		return -HV_ENOENT;
	if (!vlapic_x2apic(vl))
		return -HV_EINVAL;
	ret = x2apic_write(vl, (msr - VLAPIC_MSR_FIRST) << 4, val, now, out);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
