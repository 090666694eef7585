// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the emulated local APIC (vlapic_emul.c): the xAPIC
 * registers, priorities, EOI, the timer in its three modes, the x2APIC MSR
 * rules and IA32_APIC_BASE.  Logging is a test double that drops messages.
 */
#include <glib.h>
#include "hv.h"
#include "vlapic_emul.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

#define TSC_HZ 1000000000ULL /* 1 GHz: 1 tick = 1 ns */

static struct vlapic vl;
static struct vlapic_out out;

static void fresh(u32 vcpu, u32 id)
{
	vlapic_init(&vl, vcpu, id, TSC_HZ);
}

static u32 rd(u32 off)
{
	u32 v = 0xdeadbeef;

	g_assert_cmpint(vlapic_mmio_read(&vl, off, 4, 0, &v), ==, 0);
	return v;
}

static u32 rd_at(u32 off, u64 now)
{
	u32 v = 0xdeadbeef;

	g_assert_cmpint(vlapic_mmio_read(&vl, off, 4, now, &v), ==, 0);
	return v;
}

static void wr_at(u32 off, u32 val, u64 now)
{
	g_assert_cmpint(vlapic_mmio_write(&vl, off, 4, val, now, &out), ==, 0);
}

static void wr(u32 off, u32 val)
{
	wr_at(off, val, 0);
}

static void enable(void)
{
	wr(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

static u64 msr_rd(u32 msr, int expect)
{
	u64 v = 0x1234;

	g_assert_cmpint(vlapic_msr_read(&vl, msr, 0, &v), ==, expect);
	return v;
}

static void msr_wr(u32 msr, u64 val, int expect)
{
	g_assert_cmpint(vlapic_msr_write(&vl, msr, val, 0, &out), ==, expect);
}

static void to_x2apic(void)
{
	msr_wr(MSR_APIC_BASE, VLAPIC_MMIO_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC, 0);
}

static void test_reset_values(void)
{
	u32 i;

	fresh(0, 3);
	g_assert_cmphex(rd(APIC_ID), ==, 3U << 24);
	g_assert_cmphex(rd(APIC_VERSION), ==, 0x00050014);
	g_assert_cmphex(rd(APIC_SVR), ==, 0xff);
	g_assert_cmphex(rd(APIC_DFR), ==, 0xffffffff);
	g_assert_cmphex(rd(APIC_LDR), ==, 0);
	g_assert_cmphex(rd(APIC_TPR), ==, 0);
	for (i = 0; i < 6; i++)
		g_assert_cmphex(rd(APIC_LVT_TIMER + i * 16), ==, APIC_LVT_MASKED);
	g_assert_cmphex(msr_rd(MSR_APIC_BASE, 0), ==, 0xfee00900ULL); /* BSP, enabled */
	fresh(1, 4);
	g_assert_cmphex(msr_rd(MSR_APIC_BASE, 0), ==, 0xfee00800ULL); /* AP */
}

static void test_register_rw(void)
{
	fresh(0, 1);
	/* the ID is read-only (routing relies on the MADT's IDs) */
	wr(APIC_ID, 7U << 24);
	g_assert_cmphex(rd(APIC_ID), ==, 1U << 24);
	wr(APIC_VERSION, 0);
	g_assert_cmphex(rd(APIC_VERSION), ==, 0x00050014);
	wr(APIC_TPR, 0x1ab);
	g_assert_cmphex(rd(APIC_TPR), ==, 0xab);
	wr(APIC_LDR, 0x12345678);
	g_assert_cmphex(rd(APIC_LDR), ==, 0x12000000);
	wr(APIC_DFR, 0x0);
	g_assert_cmphex(rd(APIC_DFR), ==, 0x0fffffff);
	wr(APIC_ICR_HIGH, 0xffffffff);
	g_assert_cmphex(rd(APIC_ICR_HIGH), ==, 0xff000000);
	/* software-disabled: LVTs stay masked whatever is written */
	wr(APIC_LVT_TIMER + 0x30, 0x7ff); /* LINT0 */
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x30), ==, APIC_LVT_MASKED | 0x7ff);
	enable();
	g_assert_cmphex(rd(APIC_SVR), ==, 0x1ff);
	/* writable bits per LVT; delivery status (12) and remote IRR (14) are read-only */
	wr(APIC_LVT_TIMER, 0xffffffff);
	g_assert_cmphex(rd(APIC_LVT_TIMER), ==, 0x000700ff);
	wr(APIC_LVT_TIMER + 0x10, 0xffffffff); /* thermal */
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x10), ==, 0x000107ff);
	wr(APIC_LVT_TIMER + 0x20, 0xffffffff); /* PMC */
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x20), ==, 0x000107ff);
	wr(APIC_LVT_TIMER + 0x30, 0xffffffff); /* LINT0 */
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x30), ==, 0x0001a7ff);
	wr(APIC_LVT_TIMER + 0x40, 0x700); /* LINT1: unmasked ExtINT... */
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x40), ==, 0x700);
	wr(APIC_LVT_ERROR, 0xffffffff);
	g_assert_cmphex(rd(APIC_LVT_ERROR), ==, 0x000100ff);
	wr(APIC_TMR_DCR, 0xffffffff);
	g_assert_cmphex(rd(APIC_TMR_DCR), ==, 0xb);
	/* software disable masks every LVT */
	wr(APIC_SVR, 0xff);
	g_assert_cmphex(rd(APIC_LVT_TIMER + 0x40), ==, 0x10700);
	/* read-only registers ignore writes */
	wr(APIC_PPR, 0xff);
	g_assert_cmphex(rd(APIC_PPR), ==, 0xab);
}

static void test_bad_accesses(void)
{
	u32 v = 0x55;

	fresh(0, 0);
	g_assert_cmpint(vlapic_mmio_read(&vl, APIC_TPR, 2, 0, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_mmio_read(&vl, APIC_TPR, 8, 0, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_mmio_read(&vl, APIC_TPR + 4, 4, 0, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_mmio_read(&vl, 4096, 4, 0, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_mmio_read(&vl, 0xfffffff0, 4, 0, &v), ==, -HV_EINVAL);
	g_assert_cmpuint(v, ==, 0x55);
	g_assert_cmpint(vlapic_mmio_write(&vl, APIC_TPR + 1, 1, 0xff, 0, &out), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_mmio_write(&vl, APIC_TPR, 2, 0xff, 0, &out), ==, -HV_EINVAL);
	g_assert_cmphex(rd(APIC_TPR), ==, 0);
	/* a reserved register reads 0 and is an illegal register address in ESR */
	g_assert_cmphex(rd(0x2f0), ==, 0); /* no CMCI LVT */
	g_assert_cmphex(rd(0x400), ==, 0);
	g_assert_cmphex(rd(APIC_ESR), ==, 0); /* latched at the next ESR write */
	wr(APIC_ESR, 0);
	g_assert_cmphex(rd(APIC_ESR), ==, APIC_ESR_ILLEGAL_REG);
	wr(APIC_ESR, 0);
	g_assert_cmphex(rd(APIC_ESR), ==, 0);
	/* x2APIC MSRs in xAPIC mode: #GP */
	msr_rd(0x802, -HV_EINVAL);
	msr_wr(0x808, 0, -HV_EINVAL);
	/* not an APIC MSR */
	msr_rd(0x10, -HV_ENOENT);
	msr_wr(0x900, 0, -HV_ENOENT);
}

static void test_priority(void)
{
	fresh(0, 0);
	enable();
	g_assert_cmpint(vlapic_set_intr(&vl, 15, false), ==, -HV_EINVAL);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x41, false), ==, 0);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x35, false), ==, 0);
	g_assert_cmphex(rd(APIC_IRR0 + 0x20), ==, 1U << 1);  /* 0x41: dword 2, bit 1 */
	g_assert_cmphex(rd(APIC_IRR0 + 0x10), ==, 1U << 21); /* 0x35: dword 1, bit 21 */
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x41);
	/* TPR class 4 blocks class 4 and below */
	wr(APIC_TPR, 0x40);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmphex(rd(APIC_PPR), ==, 0x40);
	wr(APIC_TPR, 0x3f);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x41);
	g_assert_cmphex(rd(APIC_PPR), ==, 0x3f);
	wr(APIC_TPR, 0);
	vlapic_ack(&vl, 0x41);
	g_assert_cmphex(rd(APIC_ISR0 + 0x20), ==, 1U << 1);
	g_assert_cmphex(rd(APIC_IRR0 + 0x20), ==, 0);
	/* in service 0x41: PPR = 0x40, so 0x35 waits, a higher class does not */
	g_assert_cmphex(rd(APIC_PPR), ==, 0x40);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x4f, false), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1); /* same class as in service */
	g_assert_cmpint(vlapic_set_intr(&vl, 0x90, false), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x90);
	vlapic_ack(&vl, 0x90);
	g_assert_cmphex(rd(APIC_PPR), ==, 0x90);
	/* TPR above ISR class: PPR = TPR */
	wr(APIC_TPR, 0xa5);
	g_assert_cmphex(rd(APIC_PPR), ==, 0xa5);
	wr(APIC_TPR, 0);
	/* EOIs retire the highest in service first */
	wr(APIC_EOI, 0);
	g_assert_true(out.eoi);
	g_assert_cmpuint(out.eoi_vector, ==, 0x90);
	g_assert_false(out.eoi_level);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1); /* 0x4f still below ISR 0x41's class */
	wr(APIC_EOI, 0);
	g_assert_cmpuint(out.eoi_vector, ==, 0x41);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x4f);
	vlapic_ack(&vl, 0x4f);
	wr(APIC_EOI, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x35);
	vlapic_ack(&vl, 0x35);
	wr(APIC_EOI, 0);
	/* EOI with nothing in service: nothing */
	wr(APIC_EOI, 0);
	g_assert_false(out.eoi);
	g_assert_cmphex(rd(APIC_PPR), ==, 0);
}

static void test_level_and_tmr(void)
{
	fresh(0, 0);
	enable();
	g_assert_cmpint(vlapic_set_intr(&vl, 0x61, true), ==, 0);
	g_assert_cmphex(rd(APIC_TMR0 + 0x30), ==, 1U << 1);
	vlapic_ack(&vl, 0x61);
	wr(APIC_EOI, 0);
	g_assert_true(out.eoi);
	g_assert_true(out.eoi_level);
	g_assert_cmpuint(out.eoi_vector, ==, 0x61);
	g_assert_cmphex(rd(APIC_TMR0 + 0x30), ==, 0);
	/* an edge interrupt on a vector clears its TMR bit */
	g_assert_cmpint(vlapic_set_intr(&vl, 0x62, true), ==, 0);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x62, false), ==, 0);
	g_assert_cmphex(rd(APIC_TMR0 + 0x30), ==, 0);
	/* a software-disabled APIC drops interrupts */
	wr(APIC_SVR, 0xff);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x70, false), ==, -HV_ENODEV);
	g_assert_cmphex(rd(APIC_IRR0 + 0x30), ==, 1U << 2); /* only 0x62 */
}

static void test_esr_and_error_lvt(void)
{
	fresh(0, 0);
	enable();
	wr(APIC_LVT_ERROR, 0xfe);
	/* a fixed IPI with vector < 16: send illegal vector, error LVT fires */
	wr(APIC_ICR_LOW, 0x0005);
	g_assert_false(out.ipi);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0xfe);
	g_assert_cmpint(vlapic_set_intr(&vl, 3, false), ==, -HV_EINVAL);
	wr(APIC_ESR, 0);
	g_assert_cmphex(rd(APIC_ESR), ==, APIC_ESR_SEND_ILLEGAL | APIC_ESR_RECV_ILLEGAL);
}

static void test_icr(void)
{
	fresh(2, 5);
	enable();
	wr(APIC_ICR_HIGH, 0x07000000);
	wr(APIC_ICR_LOW, 0x00004831); /* fixed, logical, assert, vector 0x31 */
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.vector, ==, 0x31);
	g_assert_cmpuint(out.msg.mode, ==, APIC_DM_FIXED);
	g_assert_true(out.msg.logical);
	g_assert_cmpuint(out.msg.dest, ==, 7);
	g_assert_cmpuint(out.msg.src, ==, 2);
	g_assert_false(out.msg.x2apic);
	g_assert_cmphex(rd(APIC_ICR_LOW), ==, 0x4831); /* delivery status idle */
	wr(APIC_ICR_LOW, 0x000c0400);		       /* NMI, all but self */
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.mode, ==, APIC_DM_NMI);
	g_assert_cmpuint(out.msg.shorthand, ==, APIC_SH_ALL_BUT_SELF);
	wr(APIC_ICR_LOW, 0x0000c500); /* INIT level assert */
	g_assert_true(out.ipi);
	wr(APIC_ICR_LOW, 0x00008500); /* INIT level de-assert: nothing */
	g_assert_false(out.ipi);
	wr(APIC_ICR_LOW, 0x00000200); /* SMI: nothing */
	g_assert_false(out.ipi);
	wr(APIC_ICR_LOW, 0x00040500); /* INIT to self: not allowed */
	g_assert_false(out.ipi);
	wr(APIC_ICR_LOW, 0x00040040); /* fixed to self */
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.shorthand, ==, APIC_SH_SELF);
	wr(APIC_ICR_LOW, 0x00000699); /* STARTUP 0x99 */
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.mode, ==, APIC_DM_STARTUP);
	g_assert_cmpuint(out.msg.vector, ==, 0x99);
}

static bool match(u32 dest, bool logical, bool x2)
{
	struct apic_msg m = {.dest = dest, .logical = logical, .x2apic = x2};

	return vlapic_match(&vl, &m);
}

static void test_match(void)
{
	fresh(0, 0x12);
	/* physical */
	g_assert_true(match(0x12, false, false));
	g_assert_false(match(0x13, false, false));
	g_assert_true(match(0xff, false, false));
	/* logical flat */
	wr(APIC_LDR, 0x04000000);
	g_assert_true(match(0x06, true, false));
	g_assert_false(match(0x03, true, false));
	g_assert_true(match(0xff, true, false));
	/* logical cluster: cluster 2, member bit 1 */
	wr(APIC_DFR, 0x0fffffff);
	wr(APIC_LDR, 0x22000000);
	g_assert_true(match(0x22, true, false));
	g_assert_true(match(0x23, true, false));
	g_assert_false(match(0x32, true, false));
	g_assert_false(match(0x21, true, false));
	g_assert_true(match(0xf2, true, false)); /* all clusters */
	/* x2APIC: 32-bit IDs, LDR derived: cluster 1, bit 2 */
	to_x2apic();
	g_assert_cmphex(msr_rd(0x80d, 0), ==, 0x00010004);
	g_assert_true(match(0x12, false, true));
	g_assert_false(match(0x112, false, true));
	g_assert_true(match(0xffffffff, false, true));
	g_assert_true(match(0x00010006, true, true));
	g_assert_false(match(0x00020004, true, true));
	g_assert_false(match(0x00010001, true, true));
	/* disabled: nothing matches */
	msr_wr(MSR_APIC_BASE, VLAPIC_MMIO_BASE | 0x100, 0);
	g_assert_false(match(0xff, false, false));
}

static void test_x2apic_msrs(void)
{
	fresh(0, 0x21);
	to_x2apic();
	/* the page is no longer decoded */
	{
		u32 v;

		g_assert_cmpint(vlapic_mmio_read(&vl, APIC_ID, 4, 0, &v), ==, -HV_ENODEV);
	}
	g_assert_cmphex(msr_rd(0x802, 0), ==, 0x21);
	g_assert_cmphex(msr_rd(0x803, 0), ==, 0x00050014);
	g_assert_cmphex(msr_rd(0x80d, 0), ==, 0x00020002);
	/* read-only registers: #GP on write */
	msr_wr(0x802, 0, -HV_EINVAL);
	msr_wr(0x803, 0, -HV_EINVAL);
	msr_wr(0x80a, 0, -HV_EINVAL);
	msr_wr(0x80d, 0, -HV_EINVAL);
	msr_wr(0x810, 0, -HV_EINVAL);
	msr_wr(0x839, 0, -HV_EINVAL);
	/* write-only registers: #GP on read */
	msr_rd(0x80b, -HV_EINVAL);
	msr_rd(0x83f, -HV_EINVAL);
	/* no DFR, no ICR high, no APR/RRD in x2APIC mode */
	msr_rd(0x80e, -HV_EINVAL);
	msr_wr(0x80e, 0, -HV_EINVAL);
	msr_rd(0x831, -HV_EINVAL);
	msr_rd(0x809, -HV_EINVAL);
	msr_rd(0x80c, -HV_EINVAL);
	msr_rd(0x82f, -HV_EINVAL);
	msr_rd(0x8ff, -HV_EINVAL);
	/* reserved bits: #GP and no change */
	msr_wr(0x808, 0x100, -HV_EINVAL);
	msr_wr(0x808, 1ULL << 32, -HV_EINVAL);
	msr_wr(0x808, 0x20, 0);
	g_assert_cmphex(msr_rd(0x808, 0), ==, 0x20);
	msr_wr(0x80b, 1, -HV_EINVAL);
	msr_wr(0x828, 1, -HV_EINVAL);
	msr_wr(0x80f, 0x1000, -HV_EINVAL);
	msr_wr(0x80f, 0x1ff, 0);
	msr_wr(0x832, 0x1000, -HV_EINVAL); /* delivery status is read-only */
	msr_wr(0x832, 0x20030, 0);
	g_assert_cmphex(msr_rd(0x832, 0), ==, 0x20030);
	msr_wr(0x83e, 0x4, -HV_EINVAL);
	msr_wr(0x83f, 0x100, -HV_EINVAL);
	msr_wr(0x830, 0x1000, -HV_EINVAL);
	msr_wr(0x830, 0x2000, -HV_EINVAL);
	g_assert_false(out.ipi);
	/* ICR: one 64-bit register, 32-bit destination */
	msr_wr(0x830, (0x123ULL << 32) | 0x4050, 0);
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.dest, ==, 0x123);
	g_assert_true(out.msg.x2apic);
	g_assert_cmpuint(out.msg.vector, ==, 0x50);
	g_assert_cmphex(msr_rd(0x830, 0), ==, (0x123ULL << 32) | 0x4050);
	/* SELF_IPI: a fixed edge IPI to self */
	msr_wr(0x83f, 0x66, 0);
	g_assert_true(out.ipi);
	g_assert_cmpuint(out.msg.shorthand, ==, APIC_SH_SELF);
	g_assert_cmpuint(out.msg.vector, ==, 0x66);
	g_assert_cmpuint(out.msg.mode, ==, APIC_DM_FIXED);
	/* EOI through the MSR */
	g_assert_cmpint(vlapic_set_intr(&vl, 0x66, true), ==, 0);
	vlapic_ack(&vl, 0x66);
	g_assert_cmphex(msr_rd(0x813, 0), ==, 1U << 6); /* ISR dword 3 */
	msr_wr(0x80b, 0, 0);
	g_assert_true(out.eoi);
	g_assert_true(out.eoi_level);
	g_assert_cmphex(msr_rd(0x813, 0), ==, 0);
}

static void test_apic_base(void)
{
	u64 base = VLAPIC_MMIO_BASE, en = APIC_BASE_ENABLE, x2 = APIC_BASE_X2APIC;

	fresh(1, 2);
	/* relocation and reserved bits are refused */
	msr_wr(MSR_APIC_BASE, 0xfed00000ULL | en, -HV_EINVAL);
	msr_wr(MSR_APIC_BASE, base | en | 1, -HV_EINVAL);
	msr_wr(MSR_APIC_BASE, base | en | (1ULL << 9), -HV_EINVAL);
	msr_wr(MSR_APIC_BASE, base | en | (1ULL << 40), -HV_EINVAL);
	/* x2APIC without enable is invalid */
	msr_wr(MSR_APIC_BASE, base | x2, -HV_EINVAL);
	/* xAPIC -> x2APIC keeps the registers */
	enable();
	wr(APIC_TPR, 0x30);
	msr_wr(MSR_APIC_BASE, base | en | x2, 0);
	g_assert_cmphex(msr_rd(MSR_APIC_BASE, 0), ==, base | en | x2);
	g_assert_cmphex(msr_rd(0x808, 0), ==, 0x30);
	/* x2APIC -> xAPIC is invalid, x2APIC -> disabled is fine */
	msr_wr(MSR_APIC_BASE, base | en, -HV_EINVAL);
	msr_wr(MSR_APIC_BASE, base, 0);
	/* disabled: the page is gone, nothing is accepted, the state is reset */
	{
		u32 v;

		g_assert_cmpint(vlapic_mmio_read(&vl, APIC_TPR, 4, 0, &v), ==, -HV_ENODEV);
	}
	g_assert_cmpint(vlapic_set_intr(&vl, 0x40, false), ==, -HV_ENODEV);
	g_assert_true(vlapic_takes_extint(&vl));
	/* disabled -> x2APIC directly is invalid */
	msr_wr(MSR_APIC_BASE, base | en | x2, -HV_EINVAL);
	msr_wr(MSR_APIC_BASE, base | en, 0);
	g_assert_cmphex(rd(APIC_TPR), ==, 0);
	g_assert_cmphex(rd(APIC_SVR), ==, 0xff);
	g_assert_false(vlapic_takes_extint(&vl));
	/* LINT0 as ExtINT, unmasked: the PIC's INTR gets through */
	enable();
	wr(APIC_LVT_TIMER + 0x30, 0x700);
	g_assert_true(vlapic_takes_extint(&vl));
	/* the BSP bit is not the guest's to change */
	msr_wr(MSR_APIC_BASE, base | en | (1ULL << 8), 0);
	g_assert_cmphex(msr_rd(MSR_APIC_BASE, 0), ==, base | en);
}

/* ---- timer ---- */

static void test_timer_oneshot(void)
{
	fresh(0, 0);
	enable();
	wr(APIC_LVT_TIMER, 0x30); /* one-shot, vector 0x30 */
	wr(APIC_TMR_DCR, 0x3);	  /* divide by 16 */
	wr_at(APIC_TMR_ICR, 1000, 5000);
	g_assert_cmpuint(vlapic_timer_update(&vl, 5000), ==, 5000 + 16000);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 5000), ==, 1000);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 5000 + 160), ==, 990);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 5000 + 15999), ==, 1);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmpuint(vlapic_timer_update(&vl, 5000 + 16000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x30);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 5000 + 16001), ==, 0);
	g_assert_cmpuint(rd_at(APIC_TMR_ICR, 5000 + 16001), ==, 1000);
	/* it does not fire twice */
	vlapic_ack(&vl, 0x30);
	wr(APIC_EOI, 0);
	g_assert_cmpuint(vlapic_timer_update(&vl, 100000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	/* writing 0 stops a running timer */
	wr_at(APIC_TMR_ICR, 50, 200000);
	wr_at(APIC_TMR_ICR, 0, 200010);
	g_assert_cmpuint(vlapic_timer_update(&vl, 300000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	/* masked: counts but does not interrupt */
	wr(APIC_LVT_TIMER, APIC_LVT_MASKED | 0x30);
	wr_at(APIC_TMR_ICR, 10, 400000);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 400016), ==, 9);
	g_assert_cmpuint(vlapic_timer_update(&vl, 400160), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
}

static void test_timer_divide(void)
{
	static const struct {
		u32 dcr, div;
	} t[] = {{0x0, 2},  {0x1, 4},  {0x2, 8},   {0x3, 16},
		 {0x8, 32}, {0x9, 64}, {0xa, 128}, {0xb, 1}};
	size_t i;

	fresh(0, 0);
	enable();
	wr(APIC_LVT_TIMER, 0x30);
	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		wr(APIC_TMR_DCR, t[i].dcr);
		wr_at(APIC_TMR_ICR, 100, 1000);
		g_assert_cmpuint(vlapic_timer_update(&vl, 1000), ==, 1000 + 100 * t[i].div);
		g_assert_cmpuint(rd_at(APIC_TMR_CCR, 1000 + 10 * t[i].div), ==, 90);
	}
	/* changing the divider while running: the count goes on at the new rate */
	wr(APIC_TMR_DCR, 0x0); /* 2 */
	wr_at(APIC_TMR_ICR, 100, 0);
	wr_at(APIC_TMR_DCR, 0x1, 100); /* 50 counted; 50 left at 4 ticks each */
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 100), ==, 50);
	g_assert_cmpuint(vlapic_timer_update(&vl, 100), ==, 300);
}

static void test_timer_periodic(void)
{
	u64 next;

	fresh(0, 0);
	enable();
	wr(APIC_LVT_TIMER, (APIC_TIMER_PERIODIC << 17) | 0x31);
	wr(APIC_TMR_DCR, 0xb);		 /* by 1 */
	wr_at(APIC_TMR_ICR, 1000000, 0); /* 1 ms at 1 GHz */
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 250000), ==, 750000);
	g_assert_cmpuint(vlapic_timer_update(&vl, 999999), ==, 1000000);
	next = vlapic_timer_update(&vl, 1000000);
	g_assert_cmpuint(next, ==, 2000000); /* reloaded */
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x31);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 1250000), ==, 750000);
	vlapic_ack(&vl, 0x31);
	wr(APIC_EOI, 0);
	/* three periods late: one interrupt, the next deadline stays on the grid */
	next = vlapic_timer_update(&vl, 4500000);
	g_assert_cmpuint(next, ==, 5000000);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x31);
	/* a tiny period is raised to the floor (100 us) */
	wr_at(APIC_TMR_ICR, 1, 10000000);
	g_assert_cmpuint(vlapic_timer_update(&vl, 10000000), ==, 10000000 + 100000);
	/* a mode change disarms */
	wr(APIC_LVT_TIMER, 0x31);
	g_assert_cmpuint(vlapic_timer_update(&vl, 10000000), ==, 0);
	g_assert_cmpuint(rd_at(APIC_TMR_CCR, 10000000), ==, 0);
}

static void test_timer_tsc_deadline(void)
{
	u64 v;

	fresh(0, 0);
	enable();
	/* outside deadline mode the MSR reads 0 and ignores writes */
	msr_wr(MSR_IA32_TSC_DEADLINE, 5000, 0);
	g_assert_cmpuint(msr_rd(MSR_IA32_TSC_DEADLINE, 0), ==, 0);
	g_assert_cmpuint(vlapic_timer_update(&vl, 0), ==, 0);
	wr(APIC_LVT_TIMER, (APIC_TIMER_DEADLINE << 17) | 0x32);
	g_assert_cmpuint(vlapic_timer_mode(&vl), ==, APIC_TIMER_DEADLINE);
	g_assert_cmpint(vlapic_msr_write(&vl, MSR_IA32_TSC_DEADLINE, 5000, 1000, &out), ==, 0);
	g_assert_cmpuint(msr_rd(MSR_IA32_TSC_DEADLINE, 0), ==, 5000);
	g_assert_cmpuint(vlapic_timer_update(&vl, 4999), ==, 5000);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmpuint(vlapic_timer_update(&vl, 5000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x32);
	g_assert_cmpint(vlapic_msr_read(&vl, MSR_IA32_TSC_DEADLINE, 5001, &v), ==, 0);
	g_assert_cmpuint(v, ==, 0); /* disarmed after firing */
	vlapic_ack(&vl, 0x32);
	wr(APIC_EOI, 0);
	/* a deadline in the past fires at once */
	g_assert_cmpint(vlapic_msr_write(&vl, MSR_IA32_TSC_DEADLINE, 100, 6000, &out), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, 0x32);
	vlapic_ack(&vl, 0x32);
	wr(APIC_EOI, 0);
	/* 0 disarms; the initial-count register is ignored in this mode */
	g_assert_cmpint(vlapic_msr_write(&vl, MSR_IA32_TSC_DEADLINE, 9000, 6000, &out), ==, 0);
	g_assert_cmpint(vlapic_msr_write(&vl, MSR_IA32_TSC_DEADLINE, 0, 6000, &out), ==, 0);
	wr_at(APIC_TMR_ICR, 10, 6000);
	g_assert_cmpuint(rd_at(APIC_TMR_ICR, 6000), ==, 0);
	g_assert_cmpuint(vlapic_timer_update(&vl, 20000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	/* leaving deadline mode disarms it */
	g_assert_cmpint(vlapic_msr_write(&vl, MSR_IA32_TSC_DEADLINE, 90000, 6000, &out), ==, 0);
	wr(APIC_LVT_TIMER, 0x32);
	g_assert_cmpuint(vlapic_timer_update(&vl, 100000), ==, 0);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
}

static void test_reset_keeps_id_and_mode(void)
{
	fresh(1, 9);
	enable();
	wr(APIC_TPR, 0x50);
	g_assert_cmpint(vlapic_set_intr(&vl, 0x80, false), ==, 0);
	vlapic_reset(&vl);
	g_assert_cmphex(rd(APIC_ID), ==, 9U << 24);
	g_assert_cmphex(rd(APIC_TPR), ==, 0);
	g_assert_cmphex(rd(APIC_SVR), ==, 0xff);
	g_assert_cmpint(vlapic_pending(&vl), ==, -1);
	g_assert_cmphex(msr_rd(MSR_APIC_BASE, 0), ==, 0xfee00800ULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vlapic/reset-values", test_reset_values);
	g_test_add_func("/vlapic/register-rw", test_register_rw);
	g_test_add_func("/vlapic/bad-accesses", test_bad_accesses);
	g_test_add_func("/vlapic/priority", test_priority);
	g_test_add_func("/vlapic/level-tmr", test_level_and_tmr);
	g_test_add_func("/vlapic/esr", test_esr_and_error_lvt);
	g_test_add_func("/vlapic/icr", test_icr);
	g_test_add_func("/vlapic/match", test_match);
	g_test_add_func("/vlapic/x2apic-msrs", test_x2apic_msrs);
	g_test_add_func("/vlapic/apic-base", test_apic_base);
	g_test_add_func("/vlapic/timer-oneshot", test_timer_oneshot);
	g_test_add_func("/vlapic/timer-divide", test_timer_divide);
	g_test_add_func("/vlapic/timer-periodic", test_timer_periodic);
	g_test_add_func("/vlapic/timer-tsc-deadline", test_timer_tsc_deadline);
	g_test_add_func("/vlapic/init-reset", test_reset_keeps_id_and_mode);
	return g_test_run();
}
