// SPDX-License-Identifier: BSD-3-Clause
/*
 * Application processors: INIT-SIPI-SIPI through the local APIC, then each
 * AP does VMXON and parks its Service VM vCPU in wait-for-SIPI, so the
 * Service VM's own INIT/SIPI (passed through the LAPIC) starts it.
 */
#include "hv.h"
#include "smp.h"
#include "cpu.h"
#include "vcpu.h"
#include "uvm_vcpu.h"
#include "vlapic.h"
#include "vm.h"
#include "vm_load.h"

#define APIC_ICR_LO	 0x300
#define APIC_ICR_HI	 0x310
#define ICR_ALL_BUT_SELF (3U << 18)
#define ICR_NMI		 (4U << 8)
#define ICR_ASSERT	 (1U << 14)
#define ICR_INIT	 (5U << 8)
#define ICR_SIPI	 (6U << 8)
/* vector, delivery mode, destination mode: what a caller of smp_send_ipi() chooses */
#define ICR_VECTOR_MODE_DEST 0xfffU

static volatile u32 aps_online;

static void send_ipi_to(u32 icr, u32 dest)
{
	u64 base = lapic_base();

	if (rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) {
		wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | icr);
		return;
	}
	mmio_write32(base + APIC_ICR_HI, dest << 24);
	mmio_write32(base + APIC_ICR_LO, icr);
	while (mmio_read32(base + APIC_ICR_LO) & (1U << 12)) /* delivery pending */
		cpu_relax();
}

static void send_ipi(u32 icr)
{
	send_ipi_to(icr, 0);
}

/* The self shorthand is for fixed interrupts only: NMIs go to our own APIC ID. */
void smp_send_self_nmi(void)
{
	send_ipi_to(ICR_ASSERT | ICR_NMI, this_pcpu()->apic_id);
}

void smp_kick(u32 pcpu)
{
	if (pcpu < hv.nr_pcpus && pcpu != this_pcpu()->idx)
		send_ipi_to(ICR_ASSERT | ICR_NMI, hv.pcpu[pcpu].apic_id);
}

void smp_send_ipi(u32 dest, u32 icr)
{
	send_ipi_to(ICR_ASSERT | (icr & ICR_VECTOR_MODE_DEST), dest);
}

int smp_start_aps(void)
{
	u8 *t = (u8 *)(uintptr_t)AP_TRAMPOLINE_ADDR;
	u32 want, waited;

	if (!hv.have_acpi || hv.acpi.nr_cpus <= 1)
		return 0;
	want = MIN(hv.acpi.nr_cpus, MAX_PCPUS) - 1;
	memcpy(t, ap_trampoline_start, ap_trampoline_end - ap_trampoline_start);
	*(u32 *)(t + (tramp_cr3 - ap_trampoline_start)) = (u32)read_cr3();
	*(u32 *)(t + (tramp_ticket - ap_trampoline_start)) = 0;

	send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	udelay(10000);
	send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI | (AP_TRAMPOLINE_ADDR >> 12));
	udelay(200);
	send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_SIPI | (AP_TRAMPOLINE_ADDR >> 12));
	for (waited = 0; aps_online < want && waited < 2000; waited++)
		udelay(1000);
	hv.nr_pcpus = 1 + aps_online;
	pr_info("SMP: %u of %u pCPUs online\n", hv.nr_pcpus, want + 1);
	return 0;
}

void smp_run_vcpus(struct vm *vm)
{
	u32 i, waited;

	for (i = 1; i < vm->nr_vcpus && i < hv.nr_pcpus; i++)
		hv.pcpu[i].assigned = &vm->vcpu[i];
	/* wait until the APs have parked their vCPUs in VMX operation */
	for (waited = 0; waited < 2000; waited++) {
		u32 n = 0;

		for (i = 1; i < hv.nr_pcpus; i++)
			n += hv.pcpu[i].launched;
		if (n == hv.nr_pcpus - 1)
			break;
		udelay(1000);
	}
}

void ap_main(u32 idx)
{
	struct pcpu *p;
	struct vcpu *v;
	u32 a, b, c, d;
	int ret;

	if (idx >= MAX_PCPUS)
		halt_forever();
	p = &hv.pcpu[idx];
	p->idx = idx;
	cpu_init_tables(idx);
	cpu_set_percpu(p);
	p->apic_id = cpu_apic_id();
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	wrmsr(MSR_PAT, PAT_POWER_ON); /* as on the BSP: the page tables rely on it */
	p->online = true;
	__atomic_fetch_add(&aps_online, 1, __ATOMIC_SEQ_CST);
	if (hv.opt.selftest) {
		/* selftest: prove VMXON works here, then park */
		if (!vmx_on(p)) {
			vmx_off();
			p->launched = true;
		}
		halt_forever();
	}
	/* a Service VM vCPU, or a pre-launched VM's pCPU (given up from the start) */
	while (!(v = p->assigned) && !__atomic_load_n(&p->given_up, __ATOMIC_ACQUIRE))
		cpu_relax();
	ret = vmx_on(p);
	if (ret)
		hv_panic("VMXON failed on pCPU %u (%d)", idx, ret);
	if (!v) {
		p->launched = true;
		uvm_pcpu_loop();
	}
	ret = vcpu_setup_vmcs(v);
	if (ret)
		hv_panic("cannot set up the VMCS of vcpu %u (%d)", idx, ret);
	/* periodic exits: an INIT sent to the running vCPU is seen within 10 ms */
	vmx_enable_preemption_timer(10000);
	p->launched = true;
	v->running = true; /* in wait-for-SIPI until the Service VM starts it */
	vlapic_wait_for_startup(v);
	ret = vcpu_run_loop(v);
	vcpu_stopped(v, ret);
}
