// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the injection glue (vintr.c) over the real controllers
 * (virq.c and the models).  Test doubles for what only runs in VMX root
 * operation: vmread()/vmwrite() on a fake VMCS of the fields the glue
 * uses, vcpu_queue_nmi() (records the call) and vcpu_guest_tsc() (a clock
 * the test sets).
 */
#include <glib.h>
#include "hv.h"
#include "vintr.h"
#include "virq_io.h"
#include "vcpu.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* ---- test doubles ---- */

static struct {
	u64 field, value;
} vmcs[16];
static u32 vmcs_n, nmi_queued;
static u64 fake_now;

u64 vmread(u64 field)
{
	for (u32 i = 0; i < vmcs_n; i++)
		if (vmcs[i].field == field)
			return vmcs[i].value;
	g_assert_not_reached(); /* a field the test did not set up */
	return 0;
}

void vmwrite(u64 field, u64 value)
{
	for (u32 i = 0; i < vmcs_n; i++)
		if (vmcs[i].field == field) {
			vmcs[i].value = value;
			return;
		}
	g_assert_cmpuint(vmcs_n, <, G_N_ELEMENTS(vmcs));
	vmcs[vmcs_n].field = field;
	vmcs[vmcs_n++].value = value;
}

void vcpu_queue_nmi(struct vcpu *v)
{
	(void)v;
	nmi_queued++;
}

u64 vcpu_guest_tsc(const struct vcpu *v)
{
	(void)v;
	return fake_now;
}

/* ---- the test ---- */

static struct vm vm;
static struct virq q;
static struct virq_event ev;

static void fresh(void)
{
	u32 svr = APIC_SVR_ENABLE | 0xff;

	memset(&vm, 0, sizeof(vm));
	g_assert_cmpint(virq_init(&q, 2, NULL, 1000000000ULL), ==, 0);
	vm.virq = &q;
	vm.nr_vcpus = 2;
	for (u32 i = 0; i < 2; i++) {
		vm.vcpu[i].id = i;
		vm.vcpu[i].vm = &vm;
		g_assert_cmpint(virq_lapic_mmio(&q, i, APIC_SVR, 4, true, &svr, 0), ==, 0);
	}
	vmcs_n = 0;
	nmi_queued = 0;
	fake_now = 0;
	/* an interruptible guest; an unrelated control bit that must survive */
	vmwrite(GUEST_RFLAGS, 2 | RFLAGS_IF);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmwrite(PROC_CONTROLS, PROC_USE_MSR_BITMAPS | PROC_INTR_WINDOW);
}

static void send(u32 vcpu, u8 vector)
{
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000 | (vcpu << 12), vector), ==, 0);
}

static void entry(u32 vcpu)
{
	vcpu_inject_pending_interrupt(&vm.vcpu[vcpu], &ev);
}

static void test_nothing_pending(void)
{
	fresh();
	entry(0);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0);
	g_assert_cmphex(vmread(PROC_CONTROLS), ==, PROC_USE_MSR_BITMAPS); /* window off */
	g_assert_cmpint(ev.vector, ==, -1);
	g_assert_cmpuint(nmi_queued, ==, 0);
}

static void test_inject(void)
{
	fresh();
	send(1, 0x41);
	entry(0);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0); /* not vCPU 0's */
	entry(1);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, INTR_INFO_VALID | 0x41);
	g_assert_cmphex(vmread(PROC_CONTROLS), ==, PROC_USE_MSR_BITMAPS);
	g_assert_cmpint(vlapic_pending(&q.lapic[1]), ==, -1);
	g_assert_true(q.lapic[1].isr[2] & (1U << 1)); /* in service */
}

static void test_window_when_blocked(void)
{
	static const struct {
		u64 field, value;
	} blockers[] = {
	    {GUEST_RFLAGS, 2},						      /* IF clear */
	    {GUEST_INTERRUPTIBILITY, GUEST_INTR_BLOCK_STI},		      /* STI shadow */
	    {GUEST_INTERRUPTIBILITY, GUEST_INTR_BLOCK_MOVSS},		      /* MOV SS shadow */
	    {ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | 14}, /* #PF re-delivery */
	};

	for (size_t i = 0; i < G_N_ELEMENTS(blockers); i++) {
		fresh();
		send(0, 0x51);
		vmwrite(blockers[i].field, blockers[i].value);
		entry(0);
		g_assert_cmphex(vmread(PROC_CONTROLS), ==, PROC_USE_MSR_BITMAPS | PROC_INTR_WINDOW);
		g_assert_true(ev.window);
		g_assert_cmpint(vlapic_pending(&q.lapic[0]), ==, 0x51); /* still waiting */
		if (blockers[i].field == ENTRY_INTR_INFO)
			g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, blockers[i].value);
		else
			g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0);
		/* the window opens: the next entry injects and turns the window off */
		vmwrite(GUEST_RFLAGS, 2 | RFLAGS_IF);
		vmwrite(GUEST_INTERRUPTIBILITY, 0);
		vmwrite(ENTRY_INTR_INFO, 0);
		entry(0);
		g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, INTR_INFO_VALID | 0x51);
		g_assert_cmphex(vmread(PROC_CONTROLS), ==, PROC_USE_MSR_BITMAPS);
	}
}

static void test_nmi(void)
{
	fresh();
	/* the vLAPIC's NMI goes to the run loop's NMI path; an interrupt waits for the window */
	send(0, 0x61);
	g_assert_cmpint(virq_inject_msi(&q, 0xfee00000, 0x400), ==, 0);
	entry(0);
	g_assert_cmpuint(nmi_queued, ==, 1);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0);
	g_assert_true(vmread(PROC_CONTROLS) & PROC_INTR_WINDOW);
	/* an NMI the host queued also keeps the interrupt out */
	vm.vcpu[0].nmi_pending = true;
	entry(0);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0);
	g_assert_cmpuint(nmi_queued, ==, 1);
	vm.vcpu[0].nmi_pending = false;
	entry(0);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, INTR_INFO_VALID | 0x61);
}

static void test_hlt_and_timer(void)
{
	u32 v;

	fresh();
	/* a one-shot timer: the deadline comes back, and at expiry the interrupt ends HLT */
	v = 0x30;
	g_assert_cmpint(virq_lapic_mmio(&q, 0, APIC_LVT_TIMER, 4, true, &v, 0), ==, 0);
	v = 0xb;
	g_assert_cmpint(virq_lapic_mmio(&q, 0, APIC_TMR_DCR, 4, true, &v, 0), ==, 0);
	v = 5000;
	g_assert_cmpint(virq_lapic_mmio(&q, 0, APIC_TMR_ICR, 4, true, &v, 1000), ==, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_HLT);
	fake_now = 2000;
	entry(0);
	g_assert_cmpuint(ev.deadline, ==, 6000);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, 0);
	g_assert_cmpuint(vmread(GUEST_ACTIVITY), ==, ACTIVITY_HLT);
	fake_now = 6000;
	entry(0);
	g_assert_cmpuint(ev.deadline, ==, 0);
	g_assert_cmphex(vmread(ENTRY_INTR_INFO), ==, INTR_INFO_VALID | 0x30);
	g_assert_cmpuint(vmread(GUEST_ACTIVITY), ==, ACTIVITY_ACTIVE);
}

static void test_preempt_value(void)
{
	/* no timer: the periodic exit, in timer units (TSC >> rate) */
	g_assert_cmpuint(vintr_preempt_value(1000, 0, 35000000, 0), ==, 35000000);
	g_assert_cmpuint(vintr_preempt_value(1000, 0, 35000000, 5), ==, 35000000 >> 5);
	/* a deadline before the periodic exit: exactly it, rounded up, never early */
	g_assert_cmpuint(vintr_preempt_value(1000, 6000, 35000000, 0), ==, 5000);
	g_assert_cmpuint(vintr_preempt_value(1000, 6000, 35000000, 5), ==,
			 157); /* 5000/32 = 156.25 */
	g_assert_cmpuint(vintr_preempt_value(1000, 1032, 35000000, 5), ==, 1);
	/* a deadline after it: the periodic exit comes first */
	g_assert_cmpuint(vintr_preempt_value(1000, 1000 + 40000000, 35000000, 0), ==, 35000000);
	/* due or past: exit at once */
	g_assert_cmpuint(vintr_preempt_value(1000, 1000, 35000000, 0), ==, 0);
	g_assert_cmpuint(vintr_preempt_value(1000, 10, 35000000, 0), ==, 0);
	/* a periodic exit too far for the 32-bit field saturates */
	g_assert_cmpuint(vintr_preempt_value(0, 0, 1ULL << 40, 0), ==, 0xffffffffU);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vintr/nothing", test_nothing_pending);
	g_test_add_func("/vintr/inject", test_inject);
	g_test_add_func("/vintr/window", test_window_when_blocked);
	g_test_add_func("/vintr/nmi", test_nmi);
	g_test_add_func("/vintr/hlt-timer", test_hlt_and_timer);
	g_test_add_func("/vintr/preempt-value", test_preempt_value);
	return g_test_run();
}
