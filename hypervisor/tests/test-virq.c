// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of a User VM's interrupt controllers together (virq.c): IPI
 * routing (physical, logical flat and cluster, broadcast, shorthands,
 * lowest priority, NMI, INIT/STARTUP), SET_IRQLINE to the vIOAPIC and
 * vPIC with ACRN's operations, INJECT_MSI, the EOI path back to the
 * vIOAPIC (level re-assertion), the vPIC's ExtINT to vCPU 0, and what
 * virq_next() decides at VM entry.  The kick callback records its calls.
 */
#include <glib.h>
#include "hv.h"
#include "virq.h"
#include "acrn_abi.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static struct virq q;
static u32 kicks[VIRQ_MAX_VCPUS];

static void kick(void *ctx, u32 vcpu)
{
	g_assert_true(ctx == &q);
	g_assert_cmpuint(vcpu, <, q.nr_vcpus);
	kicks[vcpu]++;
}

/* four vCPUs with APIC IDs 0, 2, 4, 6 (pCPUs with hyper-threads off), all enabled */
static void fresh(void)
{
	static const u32 ids[] = {0, 2, 4, 6};
	u32 i, svr = APIC_SVR_ENABLE | 0xff;

	g_assert_cmpint(virq_init(&q, 4, ids, 1000000000ULL), ==, 0);
	virq_set_kick(&q, kick, &q);
	memset(kicks, 0, sizeof(kicks));
	for (i = 0; i < 4; i++)
		g_assert_cmpint(virq_lapic_mmio(&q, i, APIC_SVR, 4, true, &svr, 0), ==, 0);
}

static void lapic_wr(u32 vcpu, u32 off, u32 val)
{
	g_assert_cmpint(virq_lapic_mmio(&q, vcpu, off, 4, true, &val, 0), ==, 0);
}

static int pending(u32 vcpu)
{
	return vlapic_pending(&q.lapic[vcpu]);
}

/* vCPU @vcpu takes its next interrupt as virq_next() hands it over; -1: none */
static int take(u32 vcpu)
{
	struct virq_event ev;

	virq_next(&q, vcpu, 0, true, &ev);
	return ev.vector;
}

static void eoi(u32 vcpu)
{
	lapic_wr(vcpu, APIC_EOI, 0);
}

static void ipi(u32 from, u32 dest8, u32 lo)
{
	lapic_wr(from, APIC_ICR_HIGH, dest8 << 24);
	lapic_wr(from, APIC_ICR_LOW, lo);
}

static void test_init_args(void)
{
	g_assert_cmpint(virq_init(&q, 0, NULL, 1), ==, -HV_EINVAL);
	g_assert_cmpint(virq_init(&q, VIRQ_MAX_VCPUS + 1, NULL, 1), ==, -HV_EINVAL);
	g_assert_cmpint(virq_init(&q, 2, NULL, 1), ==, 0);
	g_assert_cmpuint(q.lapic[1].id, ==, 1);
	fresh();
	g_assert_cmpint(virq_lapic_mmio(&q, 4, APIC_TPR, 4, false, &(u32){0}, 0), ==, -HV_EINVAL);
	g_assert_cmpint(virq_lapic_msr(&q, 9, MSR_APIC_BASE, false, &(u64){0}, 0), ==, -HV_EINVAL);
}

static void test_ipi_physical(void)
{
	fresh();
	ipi(0, 4, 0x4051); /* fixed 0x51 to APIC ID 4 = vCPU 2 */
	g_assert_cmpint(pending(2), ==, 0x51);
	g_assert_cmpint(pending(0), ==, -1);
	g_assert_cmpint(pending(1), ==, -1);
	g_assert_cmpuint(kicks[2], ==, 1);
	g_assert_cmpuint(kicks[0] + kicks[1] + kicks[3], ==, 0);
	ipi(0, 5, 0x4052); /* nobody has ID 5 */
	g_assert_cmpuint(kicks[0] + kicks[1] + kicks[2] + kicks[3], ==, 1);
	ipi(1, 0xff, 0x4053); /* physical broadcast */
	for (u32 i = 0; i < 4; i++)
		g_assert_cmpuint(kicks[i], ==, i == 2 ? 2 : 1);
	g_assert_cmpint(pending(3), ==, 0x53);
}

static void test_ipi_logical(void)
{
	fresh();
	/* flat: vCPU i has bit i */
	for (u32 i = 0; i < 4; i++)
		lapic_wr(i, APIC_LDR, (1U << i) << 24);
	ipi(0, 0x0a, 0x4861); /* logical, vCPUs 1 and 3 */
	g_assert_cmpint(pending(0), ==, -1);
	g_assert_cmpint(pending(1), ==, 0x61);
	g_assert_cmpint(pending(2), ==, -1);
	g_assert_cmpint(pending(3), ==, 0x61);
	/* cluster: vCPUs 0, 1 in cluster 1, vCPUs 2, 3 in cluster 2 */
	fresh();
	for (u32 i = 0; i < 4; i++) {
		lapic_wr(i, APIC_DFR, 0x0fffffff);
		lapic_wr(i, APIC_LDR, (((i / 2 + 1) << 4) | (1U << (i & 1))) << 24);
	}
	ipi(0, 0x22, 0x4862); /* cluster 2, member bit 1: vCPU 3 */
	g_assert_cmpint(pending(3), ==, 0x62);
	g_assert_cmpint(pending(2), ==, -1);
	ipi(0, 0x13, 0x4863); /* cluster 1, both */
	g_assert_cmpint(pending(0), ==, 0x63);
	g_assert_cmpint(pending(1), ==, 0x63);
	g_assert_cmpint(pending(2), ==, -1);
	ipi(0, 0xf1, 0x4864); /* every cluster, member bit 0: vCPUs 0 and 2 */
	g_assert_cmpint(pending(2), ==, 0x64);
	g_assert_cmpint(pending(0), ==, 0x64);
	g_assert_cmpint(pending(3), ==, 0x62);
}

static void test_ipi_shorthands(void)
{
	fresh();
	ipi(2, 0, 0x44071); /* self */
	g_assert_cmpint(pending(2), ==, 0x71);
	g_assert_cmpint(pending(0), ==, -1);
	ipi(2, 0, 0x84072); /* all including self */
	for (u32 i = 0; i < 4; i++)
		g_assert_cmpint(pending(i), ==, 0x72);
	fresh();
	ipi(2, 0, 0xc4073); /* all excluding self */
	g_assert_cmpint(pending(2), ==, -1);
	g_assert_cmpint(pending(0), ==, 0x73);
	g_assert_cmpint(pending(1), ==, 0x73);
	g_assert_cmpint(pending(3), ==, 0x73);
	g_assert_cmpuint(kicks[2], ==, 0);
	/* x2APIC SELF_IPI */
	g_assert_cmpint(
	    virq_lapic_msr(&q, 1, MSR_APIC_BASE, true,
			   &(u64){VLAPIC_MMIO_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC}, 0),
	    ==, 0);
	g_assert_cmpint(virq_lapic_msr(&q, 1, 0x83f, true, &(u64){0x90}, 0), ==, 0);
	g_assert_cmpint(pending(1), ==, 0x90);
	g_assert_cmpint(pending(0), ==, 0x73);
	/* x2APIC ICR: 32-bit destination */
	g_assert_cmpint(virq_lapic_msr(&q, 1, 0x830, true, &(u64){(6ULL << 32) | 0x40a1}, 0), ==,
			0);
	g_assert_cmpint(pending(3), ==, 0xa1);
}

static void test_ipi_lowest_priority_nmi_init_sipi(void)
{
	struct virq_event ev;

	fresh();
	lapic_wr(0, APIC_TPR, 0x50);
	lapic_wr(1, APIC_TPR, 0x20);
	lapic_wr(2, APIC_TPR, 0x10);
	lapic_wr(3, APIC_TPR, 0x30);
	ipi(0, 0xff, 0x4181); /* lowest priority to all: the lowest PPR, vCPU 2 */
	g_assert_cmpint(pending(2), ==, 0x81);
	g_assert_cmpint(pending(0) + pending(1) + pending(3), ==, -3);
	/* NMI to vCPU 1 (ID 2) */
	ipi(0, 2, 0x4400);
	virq_next(&q, 1, 0, true, &ev);
	g_assert_true(ev.nmi);
	g_assert_cmpint(ev.vector, ==, -1);
	virq_next(&q, 1, 0, true, &ev);
	g_assert_false(ev.nmi); /* consumed */
	/* INIT then STARTUP to vCPU 3 (ID 6): its APIC is reset, the run loop is told */
	g_assert_cmpint(pending(3), ==, -1);
	ipi(0, 0xff, 0x4073); /* fixed to all so vCPU 3 has something pending */
	ipi(0, 6, 0xc500);
	g_assert_cmpint(pending(3), ==, -1); /* INIT cleared IRR */
	g_assert_cmpuint(vlapic_ppr(&q.lapic[3]), ==, 0);
	ipi(0, 6, 0x0698);
	virq_next(&q, 3, 0, true, &ev);
	g_assert_true(ev.init);
	g_assert_cmpint(ev.sipi_vector, ==, 0x98);
	virq_next(&q, 3, 0, true, &ev);
	g_assert_false(ev.init);
	g_assert_cmpint(ev.sipi_vector, ==, -1);
	/* INIT level de-assert: nothing */
	ipi(0, 6, 0x8500);
	virq_next(&q, 3, 0, true, &ev);
	g_assert_false(ev.init);
}

static void ioapic_rte(u32 pin, u64 rte)
{
	u32 v;

	v = IOAPIC_REG_RTE0 + 2 * pin + 1;
	g_assert_cmpint(virq_ioapic_mmio(&q, VIOAPIC_REGSEL, 4, true, &v), ==, 0);
	v = (u32)(rte >> 32);
	g_assert_cmpint(virq_ioapic_mmio(&q, VIOAPIC_WINDOW, 4, true, &v), ==, 0);
	v = IOAPIC_REG_RTE0 + 2 * pin;
	g_assert_cmpint(virq_ioapic_mmio(&q, VIOAPIC_REGSEL, 4, true, &v), ==, 0);
	v = (u32)rte;
	g_assert_cmpint(virq_ioapic_mmio(&q, VIOAPIC_WINDOW, 4, true, &v), ==, 0);
}

static void test_irqline_ioapic_level_eoi(void)
{
	fresh();
	/* GSI 9 level, to APIC ID 2 (vCPU 1) */
	ioapic_rte(9, (2ULL << 56) | IOAPIC_RTE_LEVEL | 0x49);
	g_assert_cmpint(virq_set_irqline(&q, 9, ACRN_HC_IRQ_ASSERT), ==, 0);
	g_assert_cmpint(take(1), ==, 0x49);
	g_assert_cmpuint(kicks[1], ==, 1);
	/* the guest's handler did not clear the source: after EOI it comes again */
	eoi(1);
	g_assert_cmpint(take(1), ==, 0x49);
	g_assert_cmpuint(kicks[1], ==, 2);
	g_assert_cmpint(virq_set_irqline(&q, 9, ACRN_HC_IRQ_DEASSERT), ==, 0);
	eoi(1);
	g_assert_cmpint(take(1), ==, -1);
	g_assert_cmphex(q.ioapic.rte[9] & IOAPIC_RTE_REMOTE_IRR, ==, 0);
	/* pulses: a raising pulse is one edge; a falling pulse leaves the line high */
	ioapic_rte(4, 0x34);
	g_assert_cmpint(virq_set_irqline(&q, 4, ACRN_HC_IRQ_PULSE_RAISE), ==, 0);
	g_assert_cmpint(take(0), ==, 0x34);
	eoi(0);
	g_assert_false(q.ioapic.lines & (1ULL << 4));
	g_assert_cmpint(virq_set_irqline(&q, 4, ACRN_HC_IRQ_PULSE_FALL), ==, 0);
	g_assert_true(q.ioapic.lines & (1ULL << 4));
	g_assert_cmpint(take(0), ==, 0x34); /* low -> high is an edge */
	eoi(0);
	/* GSI 47 (the last pin), bad GSI and op */
	ioapic_rte(47, 0x3a);
	g_assert_cmpint(virq_set_irqline(&q, 47, ACRN_HC_IRQ_ASSERT), ==, 0);
	g_assert_cmpint(take(0), ==, 0x3a);
	eoi(0);
	g_assert_cmpint(virq_set_irqline(&q, 48, ACRN_HC_IRQ_ASSERT), ==, -HV_EINVAL);
	g_assert_cmpint(virq_set_irqline(&q, 4, 4), ==, -HV_EINVAL);
	/* an edge EOI does not touch the vIOAPIC's level pins */
	ioapic_rte(10, IOAPIC_RTE_LEVEL | 0x3b);
	g_assert_cmpint(virq_set_irqline(&q, 10, ACRN_HC_IRQ_ASSERT), ==, 0);
	g_assert_cmpint(take(0), ==, 0x3b);
	g_assert_cmphex(q.ioapic.rte[10] & IOAPIC_RTE_REMOTE_IRR, ==, IOAPIC_RTE_REMOTE_IRR);
	eoi(0);
	g_assert_cmpint(take(0), ==, 0x3b); /* still asserted */
}

/* Linux's 8259 programming: vectors 0x30/0x38, IRQ @irq unmasked with the cascade */
static void pic_setup(u16 unmask)
{
	static const u8 seq[][2] = {{0x20, 0x11}, {0x21, 0x30}, {0x21, 0x04}, {0x21, 0x01},
				    {0xa0, 0x11}, {0xa1, 0x38}, {0xa1, 0x02}, {0xa1, 0x01}};
	u32 v;

	for (size_t i = 0; i < G_N_ELEMENTS(seq); i++) {
		v = seq[i][1];
		g_assert_cmpint(virq_pic_pio(&q, seq[i][0], 1, true, &v), ==, 0);
	}
	v = (u8)~unmask;
	g_assert_cmpint(virq_pic_pio(&q, 0x21, 1, true, &v), ==, 0);
	v = (u8)(~unmask >> 8);
	g_assert_cmpint(virq_pic_pio(&q, 0xa1, 1, true, &v), ==, 0);
}

static void test_pic_extint(void)
{
	struct virq_event ev;

	fresh();
	pic_setup(0x0015); /* IRQ 0, 2, 4 */
	/* LINT0 masked: the PIC's INTR does not reach vCPU 0 */
	g_assert_cmpint(virq_set_irqline(&q, 2, ACRN_HC_IRQ_PULSE_RAISE), ==, 0);
	g_assert_true(vpic_intr(&q.pic));
	g_assert_cmpuint(kicks[0], ==, 1); /* INTR rose: vCPU 0 woken to look */
	g_assert_cmpint(take(0), ==, -1);
	/* LINT0 as ExtINT: GSI 2 is PIC pin 0 (the PIT behind its override) */
	lapic_wr(0, APIC_LVT_TIMER + 0x30, 0x700);
	g_assert_cmpint(take(1), ==, -1); /* only vCPU 0 */
	g_assert_cmpint(take(0), ==, 0x30);
	/* IRQ 0 in service blocks IRQ 4 until its EOI */
	g_assert_cmpint(virq_set_irqline(&q, 4, ACRN_HC_IRQ_PULSE_RAISE), ==, 0);
	g_assert_false(vpic_intr(&q.pic));
	g_assert_cmpint(take(0), ==, -1);
	{
		u32 v = 0x20;

		g_assert_cmpint(virq_pic_pio(&q, 0x20, 1, true, &v), ==, 0);
	}
	/* IF clear: a window, and nothing is taken */
	virq_next(&q, 0, 0, false, &ev);
	g_assert_true(ev.window);
	g_assert_cmpint(ev.vector, ==, -1);
	g_assert_true(vpic_intr(&q.pic));
	g_assert_cmpint(take(0), ==, 0x34);
	/* the vIOAPIC saw the same lines (masked there: nothing) */
	g_assert_true(q.ioapic.lines == 0);
	g_assert_cmpint(pending(0), ==, -1);
	/* GSI >= 16 does not reach the PIC */
	g_assert_cmpint(virq_set_irqline(&q, 16, ACRN_HC_IRQ_ASSERT), ==, 0);
	g_assert_false(vpic_intr(&q.pic));
	/* a disabled vLAPIC passes INTR through */
	fresh();
	pic_setup(0x0002);
	g_assert_cmpint(virq_lapic_msr(&q, 0, MSR_APIC_BASE, true, &(u64){VLAPIC_MMIO_BASE}, 0), ==,
			0);
	g_assert_cmpint(virq_set_irqline(&q, 1, ACRN_HC_IRQ_PULSE_RAISE), ==, 0);
	g_assert_cmpint(take(0), ==, 0x31);
}

static void test_msi(void)
{
	struct virq_event ev;

	fresh();
	g_assert_cmpint(virq_inject_msi(&q, 0xfee04000, 0x4061), ==, 0); /* dest 4 = vCPU 2 */
	g_assert_cmpint(pending(2), ==, 0x61);
	g_assert_cmpuint(kicks[2], ==, 1);
	/* logical: flat LDR bit 3 on vCPU 3 */
	lapic_wr(3, APIC_LDR, 0x08000000);
	g_assert_cmpint(virq_inject_msi(&q, 0xfee08004, 0x62), ==, 0);
	g_assert_cmpint(pending(3), ==, 0x62);
	/* lowest priority among 1 and 3 (logical 0x0a after LDR bit 1 on vCPU 1) */
	lapic_wr(1, APIC_LDR, 0x02000000);
	lapic_wr(3, APIC_TPR, 0x40);
	g_assert_cmpint(virq_inject_msi(&q, 0xfee0a004, 0x0163), ==, 0);
	g_assert_cmpint(pending(1), ==, 0x63);
	/* level-triggered MSI sets TMR */
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000, 0xc064), ==, 0);
	g_assert_true(q.lapic[0].tmr[0x64 / 32] & (1U << (0x64 % 32)));
	/* NMI */
	g_assert_cmpint(virq_inject_msi(&q, 0xfee02000, 0x0400), ==, 0);
	virq_next(&q, 1, 0, true, &ev);
	g_assert_true(ev.nmi);
	g_assert_cmpint(ev.vector, ==, -1); /* the NMI goes first, the interrupt waits */
	g_assert_true(ev.window);
	/* what the model refuses by itself */
	g_assert_cmpint(virq_inject_msi(&q, 0xfed00000, 0x41), ==, -HV_EINVAL);
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000, 0x0541), ==, -HV_EINVAL); /* INIT */
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000, 0x0005), ==, -HV_EINVAL);
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000, 0x10041), ==, -HV_EINVAL);
}

static void test_next_window_and_timer(void)
{
	struct virq_event ev;
	u32 v;

	fresh();
	/* two pending: the higher is taken, a window is asked for the next */
	ipi(0, 0, 0x44041);
	ipi(0, 0, 0x44091);
	virq_next(&q, 0, 0, true, &ev);
	g_assert_cmpint(ev.vector, ==, 0x91);
	g_assert_false(ev.window); /* 0x41 is below the in-service class */
	eoi(0);
	virq_next(&q, 0, 0, false, &ev);
	g_assert_true(ev.window);
	g_assert_cmpint(ev.vector, ==, -1);
	g_assert_cmpint(pending(0), ==, 0x41); /* not taken */
	ipi(0, 0, 0x44095);
	virq_next(&q, 0, 0, true, &ev);
	g_assert_cmpint(ev.vector, ==, 0x95);
	g_assert_false(ev.window);
	eoi(0);
	virq_next(&q, 0, 0, true, &ev);
	g_assert_cmpint(ev.vector, ==, 0x41);
	eoi(0);
	/* the timer: virq_next fires it and reports the next deadline */
	v = 0x20000 | 0xef; /* periodic, vector 0xef */
	lapic_wr(0, APIC_LVT_TIMER, v);
	v = 0xb;
	lapic_wr(0, APIC_TMR_DCR, v);
	v = 1000000;
	g_assert_cmpint(virq_lapic_mmio(&q, 0, APIC_TMR_ICR, 4, true, &v, 500), ==, 0);
	virq_next(&q, 0, 600, true, &ev);
	g_assert_cmpuint(ev.deadline, ==, 1000500);
	g_assert_cmpint(ev.vector, ==, -1);
	virq_next(&q, 0, 1000500, true, &ev);
	g_assert_cmpint(ev.vector, ==, 0xef);
	g_assert_cmpuint(ev.deadline, ==, 2000500);
	/* bad vCPU index: nothing */
	virq_next(&q, 7, 0, true, &ev);
	g_assert_cmpint(ev.vector, ==, -1);
	g_assert_false(ev.window);
}

static void test_eoi_broadcast_x2apic_and_reset(void)
{
	fresh();
	ioapic_rte(11, (4ULL << 56) | IOAPIC_RTE_LEVEL | 0x5b);
	g_assert_cmpint(
	    virq_lapic_msr(&q, 2, MSR_APIC_BASE, true,
			   &(u64){VLAPIC_MMIO_BASE | APIC_BASE_ENABLE | APIC_BASE_X2APIC}, 0),
	    ==, 0);
	g_assert_cmpint(virq_set_irqline(&q, 11, ACRN_HC_IRQ_ASSERT), ==, 0);
	g_assert_cmpint(take(2), ==, 0x5b);
	g_assert_cmpint(virq_lapic_msr(&q, 2, 0x80b, true, &(u64){0}, 0), ==, 0);
	g_assert_cmpint(take(2), ==, 0x5b); /* re-asserted after the x2APIC EOI */
	/* a #GP write changes nothing and routes nothing */
	g_assert_cmpint(virq_lapic_msr(&q, 2, 0x80b, true, &(u64){1}, 0), ==, -HV_EINVAL);
	g_assert_cmphex(q.ioapic.rte[11] & IOAPIC_RTE_REMOTE_IRR, ==, IOAPIC_RTE_REMOTE_IRR);
	/* RESET_VM: power-on state, lines low, IDs kept */
	virq_reset(&q);
	g_assert_cmphex(q.ioapic.rte[11], ==, IOAPIC_RTE_MASKED);
	g_assert_cmphex(q.ioapic.lines, ==, 0);
	g_assert_cmpuint(q.lapic[3].id, ==, 6);
	g_assert_false(vlapic_x2apic(&q.lapic[2]));
	g_assert_cmpint(pending(2), ==, -1);
	g_assert_true(q.kick == kick);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/virq/init-args", test_init_args);
	g_test_add_func("/virq/ipi-physical", test_ipi_physical);
	g_test_add_func("/virq/ipi-logical", test_ipi_logical);
	g_test_add_func("/virq/ipi-shorthands", test_ipi_shorthands);
	g_test_add_func("/virq/ipi-lowpri-nmi-init-sipi", test_ipi_lowest_priority_nmi_init_sipi);
	g_test_add_func("/virq/irqline-ioapic", test_irqline_ioapic_level_eoi);
	g_test_add_func("/virq/pic-extint", test_pic_extint);
	g_test_add_func("/virq/msi", test_msi);
	g_test_add_func("/virq/next-window-timer", test_next_window_and_timer);
	g_test_add_func("/virq/eoi-x2apic-reset", test_eoi_broadcast_x2apic_and_reset);
	return g_test_run();
}
