// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated 8259A pair (vpic.h).  Each chip keeps IRR/ISR/IMR and a
 * rotating priority; an edge pin latches a request in IRR on its rising
 * edge, a level pin (ELCR) requests while its line is high.  The master's
 * INTR is "some unmasked request outranks everything in service"; the
 * slave's INTR is the master's pin 2.  An acknowledge whose request went
 * away in between answers with IRQ7's vector without setting ISR - the
 * 8259's spurious interrupt, which guests know to ignore.  Not modelled:
 * buffered mode and the 8080 call-address format (MCS-80), and LTIM of
 * ICW1 (the ELCR sets level mode per pin on PC-compatible chipsets).
 */
#include "hv.h"
#include "vpic.h"

#define ICW1	    0x10
#define ICW1_ICW4   0x01
#define ICW1_SINGLE 0x02
#define OCW3	    0x08
#define ICW4_AEOI   0x02
#define ICW4_SFNM   0x10
#define ELCR_MASTER 0x4d0
#define ELCR_SLAVE  0x4d1
/* IRQ 0, 1, 2 (master) and 8, 13 (slave) are edge only on the PIIX/ICH ELCR */
#define ELCR_MASK_M 0xf8
#define ELCR_MASK_S 0xde

static void chip_reset(struct i8259 *c)
{
	u8 elcr = c->elcr, lines = c->lines;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr;
	c->lines = lines;
}

void vpic_init(struct vpic *p, void (*notify)(void *ctx), void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->notify = notify;
	p->ctx = ctx;
}

/* Priority (0 = highest) of the highest-priority bit of @mask, or 8. */
static u32 prio(const struct i8259 *c, u8 mask)
{
	u32 i;

	for (i = 0; i < 8; i++)
		if (mask & (1U << ((i + c->lowest) & 7)))
			return i;
	return 8;
}

/* The pin this chip would raise INTR for, or -1. */
static int chip_pending(const struct i8259 *c, bool master)
{
	u8 in_service = c->isr;
	u32 p = prio(c, c->irr & ~c->imr);

	if (p == 8)
		return -1;
	if (c->special_mask)
		in_service &= ~c->imr; /* masked in-service levels do not block */
	if (master && c->sfnm)
		in_service &= ~(1U << 2); /* the slave may nest its own requests */
	return p < prio(c, in_service) ? (int)((p + c->lowest) & 7) : -1;
}

static void chip_line(struct i8259 *c, u32 pin, bool level)
{
	u8 bit = 1U << pin;

	if (c->elcr & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= ~bit;
	} else if (level && !(c->lines & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
}

/* Propagate the slave's INTR to master pin 2, the master's to the CPU. */
static void update(struct vpic *p)
{
	bool was = p->intr;

	/* the cascade: each look at a requesting slave is a fresh edge on master pin 2 */
	if (chip_pending(&p->chip[1], false) >= 0) {
		chip_line(&p->chip[0], 2, true);
		chip_line(&p->chip[0], 2, false);
	}
	p->intr = chip_pending(&p->chip[0], true) >= 0;
	if (p->intr && !was && p->notify)
		p->notify(p->ctx);
}

int vpic_set_line(struct vpic *p, u32 pin, bool level)
{
	if (pin >= VPIC_PINS || pin == 2)
		return -HV_EINVAL; /* pin 2 is the cascade */
	chip_line(&p->chip[pin >> 3], pin & 7, level);
	update(p);
	return 0;
}

bool vpic_intr(const struct vpic *p)
{
	return p->intr;
}

/* Take @pin of @c into service (or not, with auto-EOI). */
static void chip_ack(struct i8259 *c, u32 pin)
{
	u8 bit = 1U << pin;

	if (c->auto_eoi) {
		if (c->rotate_aeoi)
			c->lowest = (pin + 1) & 7;
	} else {
		c->isr |= bit;
	}
	/* an edge request is consumed; a level one stays while its line is high */
	if (!(c->elcr & bit))
		c->irr &= ~bit;
}

u8 vpic_ack(struct vpic *p)
{
	struct i8259 *m = &p->chip[0], *s = &p->chip[1];
	int pin = chip_pending(m, true), spin;
	u8 vec;

	if (pin < 0) {
		vec = m->base + 7; /* spurious IRQ7 */
	} else if (pin == 2) {
		chip_ack(m, 2);
		spin = chip_pending(s, false);
		if (spin >= 0) {
			chip_ack(s, (u32)spin);
			vec = s->base + (u8)spin;
		} else {
			vec = s->base + 7; /* spurious IRQ15 */
		}
	} else {
		chip_ack(m, (u32)pin);
		vec = m->base + (u8)pin;
	}
	update(p);
	return vec;
}

/* OCW2: EOIs and rotation. */
static void ocw2(struct i8259 *c, u8 val)
{
	u32 cmd = val >> 5, pin;

	switch (cmd) {
	case 0: /* clear rotate in auto-EOI mode */
	case 4: /* set */
		c->rotate_aeoi = cmd == 4;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		if (prio(c, c->isr) == 8)
			break;
		pin = (prio(c, c->isr) + c->lowest) & 7;
		c->isr &= ~(1U << pin);
		if (cmd == 5)
			c->lowest = (pin + 1) & 7;
		break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1U << (val & 7));
		if (cmd == 7)
			c->lowest = ((val & 7) + 1) & 7;
		break;
	case 6: /* set priority: the given pin becomes the lowest */
		c->lowest = ((val & 7) + 1) & 7;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void cmd_write(struct i8259 *c, u8 val)
{
	if (val & ICW1) {
		chip_reset(c);
		c->init_step = 1;
		c->need_icw4 = val & ICW1_ICW4;
		c->single = val & ICW1_SINGLE;
		/* initialisation clears the edge latches; level requests stay with their lines */
		c->irr = c->lines & c->elcr;
	} else if (val & OCW3) {
		if (val & 0x04)
			c->poll = true;
		if (val & 0x02)
			c->read_isr = val & 0x01;
		if (val & 0x40)
			c->special_mask = (val >> 5) & 1;
	} else {
		ocw2(c, val);
	}
}

static void data_write(struct i8259 *c, u8 val)
{
	switch (c->init_step) {
	case 0: /* OCW1 */
		c->imr = val;
		break;
	case 1: /* ICW2: the vector base (its low 3 bits are the pin's) */
		c->base = val & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 3 : 0) : 2;
		break;
	case 2: /* ICW3: cascade wiring, fixed here (slave on IRQ2) */
		c->init_step = c->need_icw4 ? 3 : 0;
		break;
	default: /* ICW4 */
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->init_step = 0;
	}
}

/* A poll read: the highest request, taken into service as an acknowledge would. */
static u8 poll_read(struct vpic *p, u32 idx)
{
	struct i8259 *c = &p->chip[idx];
	int pin = chip_pending(c, idx == 0);

	c->poll = false;
	if (pin < 0)
		return 0;
	chip_ack(c, (u32)pin);
	return 0x80 | (u8)pin;
}

int vpic_pio(struct vpic *p, u16 port, u32 size, bool write, u32 *val)
{
	u32 idx = port >= 0xa0 && port <= 0xa1;
	struct i8259 *c = &p->chip[idx];

	if (size != 1)
		return -HV_EINVAL;
	if (port == ELCR_MASTER || port == ELCR_SLAVE) {
		struct i8259 *e = &p->chip[port - ELCR_MASTER];
		u8 mask = port == ELCR_MASTER ? ELCR_MASK_M : ELCR_MASK_S;

		if (!write) {
			*val = e->elcr;
			return 0;
		}
		/* a level request is the line itself: it follows the pin's new mode */
		e->irr &= ~e->elcr;
		e->elcr = (u8)*val & mask;
		e->irr |= e->lines & e->elcr;
		update(p);
		return 0;
	}
	if (port != 0x20 && port != 0x21 && port != 0xa0 && port != 0xa1)
		return -HV_EINVAL;
	if (write) {
		if (port & 1)
			data_write(c, (u8)*val);
		else
			cmd_write(c, (u8)*val);
		update(p);
	} else if (c->poll) {
		*val = poll_read(p, idx);
		update(p);
	} else if (port & 1) {
		*val = c->imr;
	} else {
		*val = c->read_isr ? c->isr : c->irr;
	}
	return 0;
}
