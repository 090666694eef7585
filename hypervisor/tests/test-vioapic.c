// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the emulated I/O APIC (vioapic.c): the IOREGSEL/IOWIN
 * window, ID/version/arbitration, redirection entries, edge and level pins
 * with Remote IRR, EOI and re-assertion, masking, polarity.  Delivery goes
 * to a recording callback (the test's stand-in for the vLAPIC routing).
 */
#include <glib.h>
#include "hv.h"
#include "vioapic.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static struct vioapic io;
static struct apic_msg sent[16];
static u32 nsent;

static void record(void *ctx, const struct apic_msg *m)
{
	g_assert_true(ctx == &io);
	g_assert_cmpuint(nsent, <, G_N_ELEMENTS(sent));
	sent[nsent++] = *m;
}

static void fresh(void)
{
	vioapic_init(&io, record, &io);
	nsent = 0;
}

static u32 reg_rd(u32 reg)
{
	u32 v = reg;

	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 4, true, &v), ==, 0);
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_WINDOW, 4, false, &v), ==, 0);
	return v;
}

static void reg_wr(u32 reg, u32 val)
{
	u32 v = reg;

	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 4, true, &v), ==, 0);
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_WINDOW, 4, true, &val), ==, 0);
}

static void rte_wr(u32 pin, u64 rte)
{
	reg_wr(IOAPIC_REG_RTE0 + 2 * pin + 1, (u32)(rte >> 32));
	reg_wr(IOAPIC_REG_RTE0 + 2 * pin, (u32)rte);
}

static u64 rte_rd(u32 pin)
{
	return ((u64)reg_rd(IOAPIC_REG_RTE0 + 2 * pin + 1) << 32) |
	       reg_rd(IOAPIC_REG_RTE0 + 2 * pin);
}

static void test_registers(void)
{
	u32 v = 0, pin;

	fresh();
	g_assert_cmphex(reg_rd(IOAPIC_REG_VER), ==, 0x002f0011); /* 48 pins */
	g_assert_cmphex(reg_rd(IOAPIC_REG_ID), ==, 0);
	reg_wr(IOAPIC_REG_ID, 0xffffffff);
	g_assert_cmphex(reg_rd(IOAPIC_REG_ID), ==, 0x0f000000);
	g_assert_cmphex(reg_rd(IOAPIC_REG_ARB), ==, 0x0f000000);
	reg_wr(IOAPIC_REG_VER, 0);
	g_assert_cmphex(reg_rd(IOAPIC_REG_VER), ==, 0x002f0011);
	/* IOREGSEL reads back its low byte */
	v = 0x1234;
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 4, true, &v), ==, 0);
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 4, false, &v), ==, 0);
	g_assert_cmphex(v, ==, 0x34);
	/* reset: every pin masked */
	for (pin = 0; pin < VIOAPIC_PINS; pin++)
		g_assert_cmphex(rte_rd(pin), ==, IOAPIC_RTE_MASKED);
	/* writable bits; delivery status and Remote IRR are read-only */
	rte_wr(5, ~0ULL);
	g_assert_cmphex(rte_rd(5), ==, 0xff0000000001afffULL);
	/* past the last pin: reads 0, writes go nowhere */
	reg_wr(IOAPIC_REG_RTE0 + 2 * 48, 0x55);
	g_assert_cmphex(reg_rd(IOAPIC_REG_RTE0 + 2 * 48), ==, 0);
	g_assert_cmphex(reg_rd(0x03), ==, 0);
	g_assert_cmphex(reg_rd(0xff), ==, 0);
	g_assert_cmphex(rte_rd(47), ==, IOAPIC_RTE_MASKED);
}

static void test_bad_accesses(void)
{
	u32 v = 0x10;

	fresh();
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 1, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 8, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_mmio(&io, 0x04, 4, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_mmio(&io, 0x20, 4, false, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_mmio(&io, 0x40, 4, true, &v), ==, -HV_EINVAL); /* no EOI register */
	g_assert_cmpint(vioapic_mmio(&io, 0xfff, 4, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_mmio(&io, VIOAPIC_REGSEL, 4, false, &v), ==, 0);
	g_assert_cmphex(v, ==, 0);
	g_assert_cmpint(vioapic_set_line(&io, 48, true), ==, -HV_EINVAL);
	g_assert_cmpint(vioapic_set_line(&io, ~0U, true), ==, -HV_EINVAL);
	g_assert_cmpuint(nsent, ==, 0);
}

static void test_edge(void)
{
	fresh();
	/* masked: nothing */
	g_assert_cmpint(vioapic_set_line(&io, 4, true), ==, 0);
	g_assert_cmpuint(nsent, ==, 0);
	vioapic_set_line(&io, 4, false);
	/* unmasked edge: one message per rising edge, with the entry's fields */
	rte_wr(4, (0x3ULL << 56) | IOAPIC_RTE_LOGICAL | (1U << 8) | 0x34);
	vioapic_set_line(&io, 4, true);
	g_assert_cmpuint(nsent, ==, 1);
	g_assert_cmpuint(sent[0].vector, ==, 0x34);
	g_assert_cmpuint(sent[0].mode, ==, APIC_DM_LOWPRI);
	g_assert_true(sent[0].logical);
	g_assert_false(sent[0].level);
	g_assert_cmpuint(sent[0].dest, ==, 3);
	vioapic_set_line(&io, 4, true); /* still high: no edge */
	g_assert_cmpuint(nsent, ==, 1);
	vioapic_set_line(&io, 4, false);
	g_assert_cmpuint(nsent, ==, 1);
	vioapic_set_line(&io, 4, true);
	g_assert_cmpuint(nsent, ==, 2);
	/* an edge pin has no Remote IRR */
	g_assert_cmphex(rte_rd(4) & IOAPIC_RTE_REMOTE_IRR, ==, 0);
	/* an EOI of its vector does nothing */
	vioapic_eoi(&io, 0x34);
	g_assert_cmpuint(nsent, ==, 2);
	/* active low: the falling edge asserts */
	rte_wr(6, IOAPIC_RTE_ACTIVE_LOW | 0x36);
	vioapic_set_line(&io, 6, true);
	g_assert_cmpuint(nsent, ==, 2);
	vioapic_set_line(&io, 6, false);
	g_assert_cmpuint(nsent, ==, 3);
	g_assert_cmpuint(sent[2].vector, ==, 0x36);
}

static void test_level(void)
{
	fresh();
	rte_wr(9, (1ULL << 56) | IOAPIC_RTE_LEVEL | 0x59);
	vioapic_set_line(&io, 9, true);
	g_assert_cmpuint(nsent, ==, 1);
	g_assert_true(sent[0].level);
	g_assert_cmphex(rte_rd(9) & IOAPIC_RTE_REMOTE_IRR, ==, IOAPIC_RTE_REMOTE_IRR);
	/* Remote IRR set: no second message while the line stays or goes up again */
	vioapic_set_line(&io, 9, true);
	vioapic_set_line(&io, 9, false);
	vioapic_set_line(&io, 9, true);
	g_assert_cmpuint(nsent, ==, 1);
	/* EOI of another vector: nothing */
	vioapic_eoi(&io, 0x58);
	g_assert_cmpuint(nsent, ==, 1);
	/* EOI while still asserted: Remote IRR cleared and the interrupt comes again */
	vioapic_eoi(&io, 0x59);
	g_assert_cmpuint(nsent, ==, 2);
	g_assert_cmphex(rte_rd(9) & IOAPIC_RTE_REMOTE_IRR, ==, IOAPIC_RTE_REMOTE_IRR);
	/* the guest cleared the source: EOI clears Remote IRR, nothing more */
	vioapic_set_line(&io, 9, false);
	vioapic_eoi(&io, 0x59);
	g_assert_cmpuint(nsent, ==, 2);
	g_assert_cmphex(rte_rd(9) & IOAPIC_RTE_REMOTE_IRR, ==, 0);
	/* masked while asserted: nothing until unmasked, then delivered */
	rte_wr(9, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x59);
	vioapic_set_line(&io, 9, true);
	g_assert_cmpuint(nsent, ==, 2);
	rte_wr(9, IOAPIC_RTE_LEVEL | 0x59);
	g_assert_cmpuint(nsent, ==, 3);
	/* Remote IRR is read-only to the guest */
	rte_wr(9, IOAPIC_RTE_LEVEL | 0x59);
	g_assert_cmphex(rte_rd(9) & IOAPIC_RTE_REMOTE_IRR, ==, IOAPIC_RTE_REMOTE_IRR);
	g_assert_cmpuint(nsent, ==, 3);
	/* two level pins sharing a vector: one EOI serves both */
	rte_wr(10, IOAPIC_RTE_LEVEL | 0x59);
	vioapic_set_line(&io, 10, true);
	g_assert_cmpuint(nsent, ==, 4);
	vioapic_set_line(&io, 9, false);
	vioapic_set_line(&io, 10, false);
	vioapic_eoi(&io, 0x59);
	g_assert_cmphex(rte_rd(9) & IOAPIC_RTE_REMOTE_IRR, ==, 0);
	g_assert_cmphex(rte_rd(10) & IOAPIC_RTE_REMOTE_IRR, ==, 0);
	/* active-low level pin (the SCI of some tables): asserted while low */
	rte_wr(20, IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW | 0x70);
	g_assert_cmpuint(nsent, ==, 5); /* line low = asserted as soon as unmasked */
	vioapic_set_line(&io, 20, true);
	vioapic_eoi(&io, 0x70);
	g_assert_cmpuint(nsent, ==, 5);
	/* the last pin works */
	rte_wr(47, 0x7f);
	vioapic_set_line(&io, 47, true);
	g_assert_cmpuint(nsent, ==, 6);
	g_assert_cmpuint(sent[5].vector, ==, 0x7f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vioapic/registers", test_registers);
	g_test_add_func("/vioapic/bad-accesses", test_bad_accesses);
	g_test_add_func("/vioapic/edge", test_edge);
	g_test_add_func("/vioapic/level", test_level);
	return g_test_run();
}
