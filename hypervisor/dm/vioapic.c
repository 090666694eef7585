// SPDX-License-Identifier: BSD-3-Clause
/*
 * The emulated I/O APIC (vioapic.h).  A pin is asserted when its input
 * differs from its polarity's idle level.  Edge pins send a message on
 * the assertion edge; level pins send one when asserted and Remote IRR is
 * clear, set Remote IRR, and send again after the EOI if the line is still
 * asserted, which is how a level interrupt that the guest did not clear at
 * its source comes back.  Masked pins send nothing; unmasking an asserted
 * level pin delivers it.
 */
#include "hv.h"
#include "vioapic.h"

#define RTE_WRITABLE 0xff0000000001afffULL /* all but delivery status and Remote IRR */

void vioapic_init(struct vioapic *io, apic_deliver_fn deliver, void *ctx)
{
	u32 i;

	memset(io, 0, sizeof(*io));
	for (i = 0; i < VIOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
	io->deliver = deliver;
	io->ctx = ctx;
}

static bool asserted(const struct vioapic *io, u32 pin)
{
	bool high = io->lines & (1ULL << pin);

	return high != !!(io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW);
}

/* Send pin @pin's message if its entry allows it now. */
static void fire(struct vioapic *io, u32 pin)
{
	u64 rte = io->rte[pin];
	struct apic_msg m = {0};

	if (rte & IOAPIC_RTE_MASKED)
		return;
	if (rte & IOAPIC_RTE_LEVEL) {
		if (rte & IOAPIC_RTE_REMOTE_IRR)
			return;
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
	}
	m.vector = rte & 0xff;
	m.mode = (rte >> 8) & 7;
	m.logical = rte & IOAPIC_RTE_LOGICAL;
	m.level = rte & IOAPIC_RTE_LEVEL;
	m.assert = true;
	m.dest = (u32)(rte >> 56);
	io->deliver(io->ctx, &m);
}

int vioapic_set_line(struct vioapic *io, u32 pin, bool level)
{
	bool was;

	if (pin >= VIOAPIC_PINS)
		return -HV_EINVAL;
	was = asserted(io, pin);
	if (level)
		io->lines |= 1ULL << pin;
	else
		io->lines &= ~(1ULL << pin);
	if (asserted(io, pin) && (!was || (io->rte[pin] & IOAPIC_RTE_LEVEL)))
		fire(io, pin);
	return 0;
}

void vioapic_eoi(struct vioapic *io, u8 vector)
{
	u32 pin;

	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 rte = io->rte[pin];

		if ((rte & 0xff) != vector || !(rte & IOAPIC_RTE_LEVEL) ||
		    !(rte & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		if (asserted(io, pin))
			fire(io, pin);
	}
}

static u32 reg_read(const struct vioapic *io, u32 reg)
{
	u32 pin = (reg - IOAPIC_REG_RTE0) / 2;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: /* arbitration ID = ID */
		return io->id << 24;
	case IOAPIC_REG_VER:
		return ((VIOAPIC_PINS - 1) << 16) | VIOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_RTE0 || pin >= VIOAPIC_PINS)
		return 0; /* no register: reads 0 */
	return (u32)(io->rte[pin] >> ((reg & 1) * 32));
}

static void reg_write(struct vioapic *io, u32 reg, u32 val)
{
	u32 pin = (reg - IOAPIC_REG_RTE0) / 2, shift = (reg & 1) * 32;
	u64 mask = RTE_WRITABLE & (0xffffffffULL << shift);
	u64 old;

	if (reg == IOAPIC_REG_ID) {
		io->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_RTE0 || pin >= VIOAPIC_PINS)
		return; /* read-only or no register */
	old = io->rte[pin];
	io->rte[pin] = (old & ~mask) | (((u64)val << shift) & mask);
	/* an edge entry has no Remote IRR to keep */
	if (!(io->rte[pin] & IOAPIC_RTE_LEVEL))
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
	/* unmasked (or made level) while the line is asserted: a level interrupt is due */
	if ((io->rte[pin] & IOAPIC_RTE_LEVEL) && asserted(io, pin))
		fire(io, pin);
}

int vioapic_mmio(struct vioapic *io, u32 off, u32 size, bool write, u32 *val)
{
	if (size != 4 || (off != VIOAPIC_REGSEL && off != VIOAPIC_WINDOW))
		return -HV_EINVAL;
	if (off == VIOAPIC_REGSEL) {
		if (write)
			io->regsel = *val & 0xff;
		else
			*val = io->regsel;
	} else if (write) {
		reg_write(io, io->regsel, *val);
	} else {
		*val = reg_read(io, io->regsel);
	}
	return 0;
}
