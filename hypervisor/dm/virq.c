// SPDX-License-Identifier: BSD-3-Clause
/*
 * A User VM's interrupt controllers together (virq.h).  Routing follows
 * the APIC bus: a message goes to every vLAPIC its destination (or
 * shorthand) names; lowest priority goes to the one of those with the
 * lowest PPR (the lowest vCPU index on a tie), which is what the SDM
 * allows and keeps the choice deterministic.
 */
#include "hv.h"
#include "virq.h"
#include "acrn_abi.h"

#define MSI_ADDR_DEST(a)  (((a) >> 12) & 0xff)
#define MSI_ADDR_LOGICAL  (1ULL << 2)
#define MSI_DATA_LEVEL	  (1ULL << 15)
#define MSI_ADDR_WINDOW	  0xfee00000ULL
#define MSI_ADDR_WIN_MASK 0xfff00000ULL

static void kick(struct virq *q, u32 vcpu)
{
	if (q->kick)
		q->kick(q->kick_ctx, vcpu);
}

static void deliver(struct virq *q, u32 i, const struct apic_msg *m)
{
	struct vlapic *vl = &q->lapic[i];

	switch (m->mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWPRI:
		if (vlapic_set_intr(vl, m->vector, m->level))
			return;
		break;
	case APIC_DM_NMI:
		vl->nmi = true;
		break;
	case APIC_DM_INIT:
		vlapic_reset(vl);
		vl->init = true;
		vl->sipi = false;
		break;
	case APIC_DM_STARTUP:
		vl->sipi = true;
		vl->sipi_vector = m->vector;
		break;
	default:
		return; /* SMI, ExtINT through the IOAPIC: not delivered */
	}
	kick(q, i);
}

static void route(struct virq *q, const struct apic_msg *m)
{
	u32 targets = 0, i;
	int best = -1;

	for (i = 0; i < q->nr_vcpus; i++) {
		bool hit;

		switch (m->shorthand) {
		case APIC_SH_SELF:
			hit = i == m->src;
			break;
		case APIC_SH_ALL:
			hit = true;
			break;
		case APIC_SH_ALL_BUT_SELF:
			hit = i != m->src;
			break;
		default:
			hit = vlapic_match(&q->lapic[i], m);
		}
		if (hit)
			targets |= 1U << i;
	}
	if (m->mode == APIC_DM_LOWPRI) {
		for (i = 0; i < q->nr_vcpus; i++)
			if ((targets & (1U << i)) &&
			    (best < 0 || vlapic_ppr(&q->lapic[i]) < vlapic_ppr(&q->lapic[best])))
				best = (int)i;
		targets = best < 0 ? 0 : 1U << best;
	}
	for (i = 0; i < q->nr_vcpus; i++)
		if (targets & (1U << i))
			deliver(q, i, m);
}

/* the vIOAPIC's delivery callback (called with the lock held) */
static void ioapic_deliver(void *ctx, const struct apic_msg *m)
{
	route(ctx, m);
}

/* the vPIC's INTR rose: vCPU 0 has something to look at */
static void pic_notify(void *ctx)
{
	kick(ctx, 0);
}

static void init_controllers(struct virq *q)
{
	u32 i;

	for (i = 0; i < q->nr_vcpus; i++)
		vlapic_init(&q->lapic[i], i, q->lapic[i].id, q->lapic[i].tsc_hz);
	vioapic_init(&q->ioapic, ioapic_deliver, q);
	vpic_init(&q->pic, pic_notify, q);
}

int virq_init(struct virq *q, u32 nr_vcpus, const u32 *apic_ids, u64 tsc_hz)
{
	u32 i;

	if (!nr_vcpus || nr_vcpus > VIRQ_MAX_VCPUS)
		return -HV_EINVAL;
	memset(q, 0, sizeof(*q));
	q->nr_vcpus = nr_vcpus;
	for (i = 0; i < nr_vcpus; i++) {
		q->lapic[i].id = apic_ids ? apic_ids[i] : i;
		q->lapic[i].tsc_hz = tsc_hz;
	}
	init_controllers(q);
	return 0;
}

void virq_reset(struct virq *q)
{
	spin_lock(&q->lock);
	init_controllers(q);
	spin_unlock(&q->lock);
}

void virq_set_kick(struct virq *q, virq_kick_fn fn, void *ctx)
{
	spin_lock(&q->lock);
	q->kick = fn;
	q->kick_ctx = ctx;
	spin_unlock(&q->lock);
}

void virq_route(struct virq *q, const struct apic_msg *m)
{
	spin_lock(&q->lock);
	route(q, m);
	spin_unlock(&q->lock);
}

static void set_line(struct virq *q, u32 gsi, bool level)
{
	if (gsi < VPIC_PINS)
		vpic_set_line(&q->pic, gsi == 2 ? 0 : gsi, level);
	vioapic_set_line(&q->ioapic, gsi, level);
}

int virq_set_irqline(struct virq *q, u32 gsi, u32 op)
{
	if (gsi >= VIOAPIC_PINS || op > ACRN_HC_IRQ_PULSE_FALL)
		return -HV_EINVAL;
	spin_lock(&q->lock);
	switch (op) {
	case ACRN_HC_IRQ_ASSERT:
		set_line(q, gsi, true);
		break;
	case ACRN_HC_IRQ_DEASSERT:
		set_line(q, gsi, false);
		break;
	case ACRN_HC_IRQ_PULSE_RAISE:
		set_line(q, gsi, true);
		set_line(q, gsi, false);
		break;
	default: /* falling pulse: low, then high again */
		set_line(q, gsi, false);
		set_line(q, gsi, true);
	}
	spin_unlock(&q->lock);
	return 0;
}

int virq_inject_msi(struct virq *q, u64 addr, u64 data)
{
	struct apic_msg m = {0};

	m.mode = (data >> 8) & 7;
	m.vector = data & 0xff;
	if ((addr & MSI_ADDR_WIN_MASK) != MSI_ADDR_WINDOW || (data >> 16) ||
	    (m.mode != APIC_DM_FIXED && m.mode != APIC_DM_LOWPRI && m.mode != APIC_DM_NMI) ||
	    (m.mode != APIC_DM_NMI && m.vector < 16))
		return -HV_EINVAL;
	m.dest = MSI_ADDR_DEST(addr);
	m.logical = addr & MSI_ADDR_LOGICAL;
	m.level = data & MSI_DATA_LEVEL;
	m.assert = true;
	virq_route(q, &m);
	return 0;
}

/* What a vLAPIC access means beyond the vLAPIC: EOIs to the vIOAPIC, IPIs routed. */
static void lapic_effects(struct virq *q, const struct vlapic_out *out)
{
	if (out->eoi && out->eoi_level)
		vioapic_eoi(&q->ioapic, out->eoi_vector);
	if (out->ipi)
		route(q, &out->msg);
}

int virq_lapic_mmio(struct virq *q, u32 vcpu, u32 off, u32 size, bool write, u32 *val, u64 now)
{
	struct vlapic_out out;
	int ret;

	if (vcpu >= q->nr_vcpus)
		return -HV_EINVAL;
	spin_lock(&q->lock);
	if (write) {
		ret = vlapic_mmio_write(&q->lapic[vcpu], off, size, *val, now, &out);
		if (!ret)
			lapic_effects(q, &out);
	} else {
		ret = vlapic_mmio_read(&q->lapic[vcpu], off, size, now, val);
	}
	spin_unlock(&q->lock);
	return ret;
}

int virq_lapic_msr(struct virq *q, u32 vcpu, u32 msr, bool write, u64 *val, u64 now)
{
	struct vlapic_out out;
	int ret;

	if (vcpu >= q->nr_vcpus)
		return -HV_EINVAL;
	spin_lock(&q->lock);
	if (write) {
		ret = vlapic_msr_write(&q->lapic[vcpu], msr, *val, now, &out);
		if (!ret)
			lapic_effects(q, &out);
	} else {
		ret = vlapic_msr_read(&q->lapic[vcpu], msr, now, val);
	}
	spin_unlock(&q->lock);
	return ret;
}

int virq_ioapic_mmio(struct virq *q, u32 off, u32 size, bool write, u32 *val)
{
	int ret;

	spin_lock(&q->lock);
	ret = vioapic_mmio(&q->ioapic, off, size, write, val);
	spin_unlock(&q->lock);
	return ret;
}

int virq_pic_pio(struct virq *q, u16 port, u32 size, bool write, u32 *val)
{
	int ret;

	spin_lock(&q->lock);
	ret = vpic_pio(&q->pic, port, size, write, val);
	spin_unlock(&q->lock);
	return ret;
}

void virq_next(struct virq *q, u32 vcpu, u64 now, bool intr_ok, struct virq_event *ev)
{
	struct vlapic *vl;
	bool extint;
	int vec;

	ev->nmi = ev->window = ev->init = false;
	ev->vector = ev->sipi_vector = -1;
	ev->deadline = 0;
	if (vcpu >= q->nr_vcpus)
		return;
	vl = &q->lapic[vcpu];
	spin_lock(&q->lock);
	ev->deadline = vlapic_timer_update(vl, now);
	ev->nmi = vl->nmi;
	ev->init = vl->init;
	if (vl->sipi)
		ev->sipi_vector = vl->sipi_vector;
	vl->nmi = vl->init = vl->sipi = false;
	if (ev->nmi)
		intr_ok = false; /* the NMI goes first; the interrupt waits for the window */
	/* the PIC is wired to vCPU 0's LINT0 only (as ACRN) */
	extint = vcpu == 0 && vpic_intr(&q->pic) && vlapic_takes_extint(vl);
	vec = vlapic_pending(vl);
	if (extint || vec >= 0) {
		if (!intr_ok) {
			ev->window = true;
		} else if (extint) {
			ev->vector = vpic_ack(&q->pic);
		} else {
			vlapic_ack(vl, (u8)vec);
			ev->vector = vec;
		}
		/* more behind it: ask for the window that follows its handler */
		ev->window = ev->window || vlapic_pending(vl) >= 0 ||
			     (vcpu == 0 && vpic_intr(&q->pic) && vlapic_takes_extint(vl));
	}
	spin_unlock(&q->lock);
}
