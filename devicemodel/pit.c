/* i8254 PIT; see pit.h. */
#include "config.h"

#include "pit.h"

typedef struct {
	guint8 mode;	    /* 0..5 */
	guint8 rw;	    /* 1 LSB, 2 MSB, 3 LSB then MSB */
	guint32 reload;	    /* 1..65536 */
	gint64 start_ns;    /* when counting began; -1: no count written yet */
	gboolean write_msb; /* next byte written is the MSB (rw 3) */
	guint8 write_lsb;
	gboolean read_msb; /* next byte read is the MSB (rw 3) */
	gboolean latched;
	guint16 latch;
	gboolean latched_msb; /* latch half-read */
	gboolean status_latched;
	guint8 status;
	gboolean gate;
} Channel;

struct DmPit {
	const DmIrqSink *irq;
	DmPitClock clock;
	Channel ch[3];
	guint8 port61; /* speaker and gate bits */
	gint64 next_irq;
};

static gint64 mono_ns(gpointer ctx)
{
	return g_get_monotonic_time() * 1000;
}

DmPit *dm_pit_new(const DmIrqSink *irq, const DmPitClock *clock)
{
	DmPit *p = g_new0(DmPit, 1);

	p->irq = irq;
	if (clock)
		p->clock = *clock;
	if (!p->clock.now_ns)
		p->clock.now_ns = mono_ns;
	for (guint i = 0; i < 3; i++) {
		p->ch[i].start_ns = -1;
		p->ch[i].rw = 3;
		p->ch[i].reload = 65536;
		p->ch[i].gate = i != 2; /* channel 2's gate is port 0x61 bit 0 */
	}
	p->next_irq = -1;
	return p;
}

void dm_pit_free(DmPit *p)
{
	g_free(p);
}

static guint64 ticks_since(const DmPit *p, const Channel *c)
{
	gint64 dt = p->clock.now_ns(p->clock.ctx) - c->start_ns;

	if (c->start_ns < 0 || dt <= 0)
		return 0;
	/* 128-bit free: dt < 2^63 ns and DM_PIT_HZ < 2^21 would overflow
	 * after ~50 days, so split seconds and the remainder. */
	return (guint64)(dt / 1000000000) * DM_PIT_HZ +
	       (guint64)(dt % 1000000000) * DM_PIT_HZ / 1000000000;
}

static guint16 count_now(const DmPit *p, const Channel *c)
{
	guint64 t = ticks_since(p, c);
	guint32 n = c->reload;

	if (c->start_ns < 0 || !c->gate)
		return (guint16)n;
	switch (c->mode) {
	case 2: /* rate generator: n, n-1, ..., 1, n, ... */
		return (guint16)(n - t % n);
	case 3: /* square wave: counts down by two, twice per period */
		return (guint16)((n - (2 * t) % n) & ~1U);
	default: /* one-shot modes count down through zero and wrap */
		return (guint16)((n - t) & 0xFFFF);
	}
}

static gboolean out_now(const DmPit *p, const Channel *c)
{
	guint64 t = ticks_since(p, c);

	if (c->start_ns < 0)
		return c->mode != 0;
	switch (c->mode) {
	case 0: /* interrupt on terminal count: high once it reached 0 */
		return t >= c->reload;
	case 2:
		return t % c->reload != c->reload - 1;
	case 3:
		return t % c->reload < (c->reload + 1) / 2;
	default:
		return TRUE;
	}
}

static void arm(DmPit *p)
{
	Channel *c = &p->ch[0];
	gint64 period, deadline = -1;

	if (c->start_ns >= 0) {
		period = (gint64)c->reload * 1000000000 / (gint64)DM_PIT_HZ;
		if (c->mode == 2 || c->mode == 3) {
			gint64 now = p->clock.now_ns(p->clock.ctx);
			gint64 k = (now - c->start_ns) / period + 1;

			deadline = c->start_ns + k * period;
		} else if (c->mode == 0 && p->next_irq != -2) {
			deadline = c->start_ns + period;
		}
	}
	p->next_irq = deadline;
	if (p->clock.arm)
		p->clock.arm(p->clock.ctx, deadline);
}

void dm_pit_expire(DmPit *p)
{
	Channel *c = &p->ch[0];

	if (p->next_irq < 0 || p->clock.now_ns(p->clock.ctx) < p->next_irq)
		return;
	/* ISA IRQ 0 is edge-triggered: a pulse. */
	dm_irq_set(p->irq, DM_GSI_PIT, TRUE);
	dm_irq_set(p->irq, DM_GSI_PIT, FALSE);
	if (c->mode == 0) {
		p->next_irq = -2; /* one-shot: done until the next count */
		if (p->clock.arm)
			p->clock.arm(p->clock.ctx, -1);
		return;
	}
	arm(p);
}

static void load(DmPit *p, guint i, guint32 v)
{
	Channel *c = &p->ch[i];

	c->reload = v ? v : 65536;
	/* Mode 2 and 3 with a count of 1 would interrupt at 1.19 MHz. */
	if ((c->mode == 2 || c->mode == 3) && c->reload < 2)
		c->reload = 2;
	c->start_ns = p->clock.now_ns(p->clock.ctx);
	if (i == 0) {
		p->next_irq = -1;
		arm(p);
	}
}

static void control(DmPit *p, guint8 v)
{
	guint sel = v >> 6;

	if (sel == 3) { /* read-back: bit 5 clear latches counts, bit 4 clear status */
		for (guint i = 0; i < 3; i++) {
			Channel *c = &p->ch[i];

			if (!(v & (2 << i)))
				continue;
			if (!(v & 0x20) && !c->latched) {
				c->latched = TRUE;
				c->latch = count_now(p, c);
				c->latched_msb = FALSE;
			}
			if (!(v & 0x10) && !c->status_latched) {
				c->status_latched = TRUE;
				c->status = (guint8)((out_now(p, c) ? 0x80 : 0) |
						     (c->start_ns < 0 ? 0x40 : 0) | c->rw << 4 |
						     c->mode << 1);
			}
		}
		return;
	}
	Channel *c = &p->ch[sel];
	if ((v & 0x30) == 0) { /* counter latch command */
		if (!c->latched) {
			c->latched = TRUE;
			c->latch = count_now(p, c);
			c->latched_msb = FALSE;
		}
		return;
	}
	c->rw = (v >> 4) & 3;
	c->mode = (v >> 1) & 7;
	if (c->mode > 5)
		c->mode -= 4; /* 6 and 7 alias 2 and 3 */
	c->write_msb = c->read_msb = FALSE;
	c->latched = c->status_latched = FALSE;
	/* A new mode stops the counter until a count is written. */
	c->start_ns = -1;
	if (sel == 0) {
		p->next_irq = -1;
		if (p->clock.arm)
			p->clock.arm(p->clock.ctx, -1);
	}
}

static guint8 read_counter(DmPit *p, Channel *c)
{
	guint16 v;
	guint8 b;

	if (c->status_latched) {
		c->status_latched = FALSE;
		return c->status;
	}
	if (c->latched) {
		v = c->latch;
		if (c->rw == 3 && !c->latched_msb) {
			c->latched_msb = TRUE;
			return (guint8)v;
		}
		c->latched = FALSE;
		return c->rw == 2 || c->rw == 3 ? (guint8)(v >> 8) : (guint8)v;
	}
	v = count_now(p, c);
	switch (c->rw) {
	case 1:
		return (guint8)v;
	case 2:
		return (guint8)(v >> 8);
	default:
		b = c->read_msb ? (guint8)(v >> 8) : (guint8)v;
		c->read_msb = !c->read_msb;
		return b;
	}
}

static void write_counter(DmPit *p, guint i, guint8 v)
{
	Channel *c = &p->ch[i];

	switch (c->rw) {
	case 1:
		load(p, i, v);
		break;
	case 2:
		load(p, i, (guint32)v << 8);
		break;
	default:
		if (!c->write_msb) {
			c->write_lsb = v;
			c->write_msb = TRUE;
		} else {
			c->write_msb = FALSE;
			load(p, i, c->write_lsb | (guint32)v << 8);
		}
		break;
	}
}

void dm_pit_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPit *p = opaque;

	if (size != 1) {
		/* The 8254 has byte registers only: nothing answers. */
		if (!write)
			*value = (1ULL << (8 * size)) - 1;
		return;
	}
	if (offset == 3) {
		if (write)
			control(p, (guint8)*value);
		else
			*value = 0xFF; /* the control word is write-only */
		return;
	}
	if (write)
		write_counter(p, (guint)offset, (guint8)*value);
	else
		*value = read_counter(p, &p->ch[offset]);
}

void dm_pit_port61_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPit *p = opaque;
	Channel *c = &p->ch[2];

	if (write) {
		gboolean gate = *value & 1;

		/* A rising gate restarts channel 2 (modes 1 and 5 trigger,
		 * the others resume); Linux's PIT calibration relies on it. */
		if (gate && !c->gate && c->start_ns >= 0)
			c->start_ns = p->clock.now_ns(p->clock.ctx);
		c->gate = gate;
		p->port61 = (guint8)(*value & 0x0F);
		return;
	}
	*value = p->port61 | (out_now(p, c) && c->gate ? 0x20 : 0);
}
