// SPDX-License-Identifier: BSD-3-Clause
/*
 * Local APIC passthrough with trapped writes.  The Service VM reads its
 * pCPU's LAPIC directly; writes fault in the EPT (the page is mapped
 * read-only) and are replayed on the physical LAPIC, except INIT and
 * STARTUP IPIs, which are emulated: a physical INIT would hit a pCPU in VMX
 * operation, and the Service VM's APs are vCPUs that the hypervisor starts.
 */
#include "hv.h"
#include "vlapic.h"
#include "io_emul.h"
#include "msr_safe.h"
#include "uvm_vcpu.h"
#include "vm.h"
#include "vmx.h"

#define APIC_ICR_LO	   0x300
#define APIC_ICR_HI	   0x310
#define ICR_MODE(icr)	   (((icr) >> 8) & 7)
#define ICR_MODE_INIT	   5
#define ICR_MODE_STARTUP   6
#define ICR_LEVEL_ASSERT   (1U << 14)
#define ICR_TRIGGER_LEVEL  (1U << 15)
#define ICR_SHORTHAND(icr) (((icr) >> 18) & 3)
#define ICR_SHORTHAND_SELF 1

u64 lapic_base(void)
{
	return hv.acpi.lapic_addr ? hv.acpi.lapic_addr : LAPIC_DEFAULT_BASE;
}

/* With the LAPIC passed through, a vCPU's APIC ID is its pCPU's. */
static struct vcpu *vcpu_by_apic_id(struct vm *vm, u32 apic_id)
{
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++)
		if (hv.pcpu[vm->vcpu[i].pcpu].apic_id == apic_id)
			return &vm->vcpu[i];
	return NULL;
}

/*
 * INIT and STARTUP from @src to the AP vCPU @t.  Before its first start @t
 * waits in vlapic_wait_for_startup(); once running, an INIT is a request
 * that @t acts on at its next VM exit (vlapic_check_init(), at the latest
 * after a preemption-timer period): it goes back to waiting for STARTUP,
 * which is how the Service VM takes a CPU offline and online again.  A
 * STARTUP that overtakes the pending INIT is kept for it.
 */
static void deliver_init_sipi(struct vcpu *src, struct vcpu *t, u32 icr)
{
	u32 mode = ICR_MODE(icr);
	bool started = __atomic_load_n(&t->started, __ATOMIC_ACQUIRE);

	if (t == src || t->id == 0 || t->given_up)
		return; /* the BSP is never restarted this way, a given-up pCPU never again */
	if (mode == ICR_MODE_INIT) {
		/* level de-assert INITs are no-ops on modern CPUs */
		if ((icr & ICR_TRIGGER_LEVEL) && !(icr & ICR_LEVEL_ASSERT))
			return;
		__atomic_store_n(&t->start_req, false, __ATOMIC_RELEASE);
		if (!started)
			t->init_seen = true;
		else
			__atomic_store_n(&t->init_req, true, __ATOMIC_RELEASE);
	} else if ((t->init_seen && !started) || __atomic_load_n(&t->init_req, __ATOMIC_ACQUIRE)) {
		t->sipi_vector = icr & 0xff;
		__atomic_store_n(&t->start_req, true, __ATOMIC_RELEASE);
	}
}

/* INIT/STARTUP to @dest (an APIC ID) or to the shorthand's targets. */
static void icr_emulate(struct vcpu *v, u32 icr, u32 dest)
{
	u32 shorthand = ICR_SHORTHAND(icr), i;

	if (shorthand == 0) {
		struct vcpu *t = vcpu_by_apic_id(v->vm, dest);

		if (t)
			deliver_init_sipi(v, t, icr);
		return;
	}
	for (i = 0; i < v->vm->nr_vcpus; i++) {
		struct vcpu *t = &v->vm->vcpu[i];

		if (shorthand == ICR_SHORTHAND_SELF && t != v)
			continue;
		deliver_init_sipi(v, t, icr);
	}
}

static bool is_init_or_startup(u32 icr)
{
	u32 mode = ICR_MODE(icr);

	return mode == ICR_MODE_INIT || mode == ICR_MODE_STARTUP;
}

static void icr_write(struct vcpu *v, u32 icr)
{
	if (is_init_or_startup(icr)) {
		icr_emulate(v, icr, v->icr_hi >> 24);
		return;
	}
	mmio_write32(lapic_base() + APIC_ICR_HI, v->icr_hi);
	mmio_write32(lapic_base() + APIC_ICR_LO, icr);
}

/*
 * WRMSR to the x2APIC ICR (0x830), trapped through the MSR bitmap; -EIO
 * (the guest gets #GP) where the CPU would fault: LAPIC not in x2APIC mode,
 * reserved bits.
 */
int vlapic_x2apic_icr_write(struct vcpu *v, u64 val)
{
	if (!(rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC))
		return -HV_EIO;
	if (!is_init_or_startup((u32)val))
		return wrmsr_safe(MSR_X2APIC_ICR, val);
	icr_emulate(v, (u32)val, (u32)(val >> 32));
	return 0;
}

static void lapic_write(struct vcpu *v, u32 off, u32 val)
{
	if (off == APIC_ICR_HI) {
		v->icr_hi = val;
		mmio_write32(lapic_base() + off, val);
	} else if (off == APIC_ICR_LO) {
		icr_write(v, val);
	} else {
		mmio_write32(lapic_base() + off, val);
	}
}

/* The LAPIC page's MMIO handler: only writes exit (the EPT maps it read-only). */
static int lapic_mmio(struct vcpu *v, struct io_access *a, void *ctx)
{
	u32 off = (u32)(a->addr & 0xffc);

	(void)ctx;
	if (a->write)
		lapic_write(v, off, (u32)a->value);
	else
		a->value = mmio_read32(lapic_base() + off);
	return 0;
}

int vlapic_passthrough_init(struct vm *vm)
{
	vm->flags |= VM_FLAG_LAPIC_PASSTHROUGH;
	return mmio_register(vm, lapic_base(), 4096, EPT_R | EPT_UC, lapic_mmio, NULL);
}

/* An AP's vCPU starts when the Service VM sends it INIT and STARTUP. */
void vlapic_wait_for_startup(struct vcpu *v)
{
	while (!__atomic_exchange_n(&v->start_req, false, __ATOMIC_ACQUIRE)) {
		/* given up: the pCPU is the hypervisor's, for User VMs, for good */
		if (__atomic_load_n(&v->given_up, __ATOMIC_ACQUIRE))
			uvm_pcpu_loop();
		cpu_relax();
	}
	pr_info("vcpu %u: STARTUP vector %x, starting at %x:0000\n", v->id, v->sipi_vector,
		v->sipi_vector << 8);
	vcpu_set_realmode_state(v, (u16)(v->sipi_vector << 8), 0);
	v->init_seen = false;
	__atomic_store_n(&v->started, true, __ATOMIC_RELEASE);
}

/*
 * Called on @v's own pCPU at every VM exit: an INIT sent to it while it ran
 * resets it to wait-for-SIPI (the state of the exit is dropped, as the CPU
 * would drop it).  Returns true if that happened.
 */
bool vlapic_check_init(struct vcpu *v)
{
	if (!__atomic_load_n(&v->init_req, __ATOMIC_ACQUIRE))
		return false;
	pr_info("vcpu %u: INIT, waiting for STARTUP\n", v->id);
	__atomic_store_n(&v->started, false, __ATOMIC_RELEASE);
	v->init_seen = true;
	__atomic_store_n(&v->init_req, false, __ATOMIC_RELEASE);
	vlapic_wait_for_startup(v);
	return true;
}
