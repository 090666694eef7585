// SPDX-License-Identifier: BSD-3-Clause
/*
 * User VM vCPUs on given-up pCPUs (uvm_vcpu.h): the pCPU's loop, the
 * start/pause/stop hand-shake with the hypercalls, the vCPU's start state
 * from SET_VCPU_REGS, and I/O requests to the Service VM.
 */
#include "hv.h"
#include "uvm_vcpu.h"
#include "cpu.h"
#include "insn.h"
#include "io_emul.h"
#include "ioreq.h"
#include "notify_dev.h"
#include "smp.h"
#include "vcpu.h"
#include "vintr.h"
#include "virq.h"
#include "virq_io.h"
#include "vlapic.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

/* how long a hypercall waits for a pCPU to act on a request, and how often it kicks */
#define UVM_ACK_TIMEOUT_US 2000000U
#define UVM_KICK_EVERY_US  1000U
/* periodic exits of a User VM vCPU: requests are seen even without a kick */
#define UVM_TIMER_US 10000U

#define LAPIC_TPR	 0x80
#define LAPIC_EOI	 0xb0
#define LAPIC_SVR	 0xf0
#define LAPIC_LVT_FIRST	 0x320 /* timer, thermal, perf, LINT0, LINT1, error */
#define LAPIC_LVT_LAST	 0x370
#define LAPIC_LVT_MASKED (1U << 16)
#define LAPIC_SVR_ON	 0x1ffU /* enabled, spurious vector 0xff */

/* PM1a_CNT of a User VM (the device model's ACPI): SLP_EN with SLP_TYP 5 */
#define UVM_PM1A_CNT	0x404U
#define UVM_PM1A_S5_OFF ((5U << 10) | (1U << 13))

static bool x2apic_mode(void)
{
	return (rdmsr(MSR_APIC_BASE) & APIC_BASE_X2APIC) != 0;
}

/*
 * The LAPIC of a given-up pCPU is the hypervisor's now: software-enabled
 * (so it sends the notification IPIs and takes kicks) with every local
 * interrupt masked.  Linux soft-disabled it when it offlined the CPU.
 */
static void lapic_take_over(void)
{
	u32 off;

	if (x2apic_mode()) {
		for (off = LAPIC_LVT_FIRST; off <= LAPIC_LVT_LAST; off += 0x10)
			wrmsr(MSR_X2APIC_FIRST + (off >> 4), LAPIC_LVT_MASKED);
		wrmsr(MSR_X2APIC_FIRST + (LAPIC_TPR >> 4), 0);
		wrmsr(MSR_X2APIC_SVR, LAPIC_SVR_ON);
		return;
	}
	for (off = LAPIC_LVT_FIRST; off <= LAPIC_LVT_LAST; off += 0x10)
		mmio_write32(lapic_base() + off, LAPIC_LVT_MASKED);
	mmio_write32(lapic_base() + LAPIC_TPR, 0);
	mmio_write32(lapic_base() + LAPIC_SVR, LAPIC_SVR_ON);
}

/* An external interrupt a User VM vCPU exited for (acknowledged on exit): EOI it. */
static void lapic_eoi(void)
{
	if (x2apic_mode())
		wrmsr(MSR_X2APIC_EOI, 0);
	else
		mmio_write32(lapic_base() + LAPIC_EOI, 0);
}

static void set_state(struct vcpu *v, u32 st)
{
	__atomic_store_n(&v->uvm_state, st, __ATOMIC_RELEASE);
}

static u32 req_of(const struct vcpu *v)
{
	return __atomic_load_n(&v->uvm_req, __ATOMIC_ACQUIRE);
}

/* The start state SET_VCPU_REGS gave (long, protected or real mode, as the fields say). */
static void load_boot_state(struct vcpu *v, const struct acrn_hc_regs *r)
{
	static const u32 data_f[] = {GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL,
				     GUEST_GS_SEL};
	const u16 data_sel[] = {r->es_sel, r->ss_sel, r->ds_sel, r->fs_sel, r->gs_sel};
	bool pe = r->cr0 & CR0_PE, lma = r->ia32_efer & EFER_LMA;
	u32 i;

	for (i = 0; i < ARRAY_SIZE(data_f); i++) {
		if (pe)
			vcpu_set_segment(data_f[i], data_sel[i], 0, 0xffffffff, 0xc093);
		else
			vcpu_set_segment(data_f[i], data_sel[i], (u64)data_sel[i] << 4, 0xffff,
					 0x93);
	}
	vcpu_set_segment(GUEST_CS_SEL, r->cs_sel, r->cs_base, r->cs_limit,
			 r->cs_ar ? r->cs_ar
			 : pe	  ? 0xc09b
				  : 0x9b);
	vmwrite(GUEST_LDTR_SEL, r->ldt_sel);
	vmwrite(GUEST_LDTR_LIMIT, 0);
	vmwrite(GUEST_LDTR_AR, 0x10000); /* unusable */
	vmwrite(GUEST_LDTR_BASE, 0);
	vmwrite(GUEST_TR_SEL, r->tr_sel);
	vmwrite(GUEST_TR_LIMIT, 0xffff);
	vmwrite(GUEST_TR_AR, 0x8b);
	vmwrite(GUEST_TR_BASE, 0);
	vmwrite(GUEST_GDTR_BASE, r->gdt.base);
	vmwrite(GUEST_GDTR_LIMIT, r->gdt.limit);
	vmwrite(GUEST_IDTR_BASE, r->idt.base);
	vmwrite(GUEST_IDTR_LIMIT, r->idt.limit);
	vmwrite(GUEST_CR0, r->cr0 | CR0_NE);
	vmwrite(CR0_SHADOW, r->cr0);
	vmwrite(GUEST_CR3, r->cr3);
	vmwrite(GUEST_CR4, r->cr4 | CR4_VMXE);
	vmwrite(CR4_SHADOW, r->cr4);
	vmwrite(GUEST_EFER, r->ia32_efer);
	vmwrite(ENTRY_CONTROLS,
		lma ? vmx_entry_controls() | ENTRY_IA32E : vmx_entry_controls() & ~ENTRY_IA32E);
	vmwrite(GUEST_RFLAGS, r->rflags | 2);
	vmwrite(GUEST_RIP, r->rip);
	vmwrite(GUEST_RSP, r->rsp);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	v->regs = (struct guest_regs){
	    .rax = r->rax,
	    .rcx = r->rcx,
	    .rdx = r->rdx,
	    .rbx = r->rbx,
	    .rbp = r->rbp,
	    .rsi = r->rsi,
	    .rdi = r->rdi,
	    .r8 = r->r8,
	    .r9 = r->r9,
	    .r10 = r->r10,
	    .r11 = r->r11,
	    .r12 = r->r12,
	    .r13 = r->r13,
	    .r14 = r->r14,
	    .r15 = r->r15,
	};
}

/*
 * Wait-for-SIPI of a User VM AP, as INIT leaves it.  The vCPU is not put
 * in the VMX wait-for-SIPI activity state: there only a real SIPI ends it,
 * and nothing would bring the pCPU back for the vLAPIC's STARTUP.  It
 * waits in the HLT activity state with interrupts off instead, which
 * sleeps the same way but exits on the kick vector and the preemption
 * timer; v->wait_sipi keeps every event out until the STARTUP.
 */
static void park_for_sipi(struct vcpu *v)
{
	vcpu_set_realmode_state(v, 0, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_HLT);
	v->wait_sipi = true;
}

/* The vCPU's VMCS on this pCPU, with the start state; the EPT may have been used before. */
static int setup_vcpu(struct vcpu *v)
{
	struct vm *vm = v->vm;
	int ret = vcpu_setup_vmcs(v);

	if (!ret)
		ret = vmx_setup_user_vm_controls();
	if (ret)
		return ret;
	vmx_enable_preemption_timer(UVM_TIMER_US);
	/* a freed EPT's root page may come back as this one: no stale translations */
	vmx_invept_all();
	v->wait_sipi = false;
	if (vm->boot_regs_set & (1U << v->id))
		load_boot_state(v, &vm->boot_regs[v->id]);
	else if (v->id == 0)
		vcpu_set_realmode_state(v, 0xf000, 0xfff0); /* the reset vector, below 1 MiB */
	else
		park_for_sipi(v); /* vCPU 0's INIT/STARTUP (its vLAPIC) will start it */
	v->dead_why = NULL;
	return 0;
}

static void release_vcpu(struct vcpu *v)
{
	vcpu_release_vmcs(v);
	set_state(v, UVM_ST_IDLE);
}

/* Park in root operation until @v's request is no longer @req (an NMI kick ends the HLT;
 * vmexit.c unblocks NMIs after the kick that made the vCPU exit). */
static void park_while(struct vcpu *v, u32 req)
{
	while (req_of(v) == req)
		__asm__ volatile("hlt" ::: "memory");
}

/*
 * Tell the Service VM's device model that the VM is off: an S5 write, as
 * ACRN does after a triple fault, flagged as the hypervisor's so that our
 * acrn-dm reports a crash (acrn_abi.h).
 */
static void post_poweroff(struct vcpu *v)
{
	struct acrn_hc_io_request *page = v->vm->ioreq_page;

	if (page && !ioreq_post_fatal_write(&page[v->id], UVM_PM1A_CNT, 2, UVM_PM1A_S5_OFF))
		notify_dev_raise();
}

int uvm_vcpu_dead(struct vcpu *v, const char *why)
{
	v->dead_why = why;
	return 1;
}

/*
 * Before each VM entry of @v: what its interrupt controllers have for it
 * (INIT, STARTUP, an interrupt, an NMI; vintr.c) and the preemption timer
 * for the vLAPIC timer's next expiry, so that a vCPU in HLT sleeps in the
 * guest until its timer, an interrupt (the kick vector makes it exit) or
 * the periodic exit, and never spins its pCPU.
 */
static void prepare_entry(struct vcpu *v)
{
	struct virq_event ev;
	u64 max = (hv.tsc_khz ? hv.tsc_khz : 1000000) * UVM_TIMER_US / 1000;

	if (!v->vm->virq)
		return;
	vcpu_inject_pending_interrupt(v, &ev);
	if (ev.init) {
		/* INIT resets the vCPU (an interrupt taken with it is lost, as natively) */
		park_for_sipi(v);
		pr_dbg("VM %u vcpu %u: INIT, waiting for STARTUP\n", v->vm->id, v->id);
	}
	if (ev.sipi_vector >= 0 && v->wait_sipi) {
		/* real mode at vector << 12, CS = vector << 8, IP 0 (SDM) */
		vcpu_set_realmode_state(v, (u16)(ev.sipi_vector << 8), 0);
		v->wait_sipi = false;
		pr_dbg("VM %u vcpu %u: STARTUP at %x:0000\n", v->vm->id, v->id,
		       (u32)ev.sipi_vector << 8);
	}
	if (v->wait_sipi) {
		/* nothing reaches a CPU waiting for SIPI (NMIs are dropped, as natively) */
		__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
		vmwrite(ENTRY_INTR_INFO, 0);
		vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) & ~(u64)PROC_INTR_WINDOW);
	}
	if (vmread(PIN_CONTROLS) & PIN_PREEMPT_TIMER)
		vmwrite(GUEST_PREEMPT_TIMER, vintr_preempt_value(vcpu_guest_tsc(v), ev.deadline,
								 max, vmx_preemption_rate()));
}

/*
 * The controllers' kick: vCPU @vcpu_id of VM @ctx has something new.  A
 * fixed-vector IPI to its pCPU, not an NMI: the hypervisor runs with
 * interrupts off, so the IPI stays pending until the pCPU enters the guest
 * again and makes it exit at once (external-interrupt exiting), even from
 * HLT - it cannot be lost between the check before entry and VMRESUME,
 * where an NMI would be taken in root operation and gone.
 */
static void virq_kick(void *ctx, u32 vcpu_id)
{
	struct vm *vm = ctx;
	struct vcpu *v;

	if (vcpu_id >= vm->nr_vcpus)
		return;
	v = &vm->vcpu[vcpu_id];
	if (v->pcpu >= hv.nr_pcpus || hv.pcpu[v->pcpu].uvm != v || v->pcpu == this_pcpu()->idx)
		return; /* not running anywhere, or on this pCPU: it looks before its next entry */
	smp_send_ipi(hv.pcpu[v->pcpu].apic_id, UVM_KICK_VECTOR);
}

/* Run @v (placed on this pCPU) until it is stopped. */
static void host_vcpu(struct vcpu *v)
{
	for (;;) {
		u32 req = req_of(v), st = v->uvm_state;
		int ret;

		if (req == UVM_REQ_STOP) {
			release_vcpu(v);
			return;
		}
		if (req == UVM_REQ_PAUSE || st == UVM_ST_DEAD) {
			if (st == UVM_ST_RUNNING || st == UVM_ST_IDLE)
				set_state(v, UVM_ST_PAUSED);
			park_while(v, req);
			continue;
		}
		if (req != UVM_REQ_RUN) {
			cpu_relax();
			continue;
		}
		if (!v->vmcs) {
			ret = setup_vcpu(v);
			if (ret) {
				pr_err("vcpu %u of VM %u: cannot set up its VMCS (%d)\n", v->id,
				       v->vm->id, ret);
				uvm_vcpu_dead(v, "VMCS set-up failed");
				set_state(v, UVM_ST_DEAD);
				continue;
			}
		}
		if (st != UVM_ST_RUNNING)
			set_state(v, UVM_ST_RUNNING);
		prepare_entry(v);
		ret = vcpu_run_once(v);
		if (!ret || req_of(v) == UVM_REQ_STOP)
			continue;
		if (!v->dead_why)
			v->dead_why = ret < 0 ? "failed VM entry or unhandled exit" : "stopped";
		hv_printf("ACRN-HV: vcpu %u of VM %u (%s) stopped: %s (rip %llx); VM %u only\n",
			  v->id, v->vm->id, v->vm->name, v->dead_why,
			  (unsigned long long)vmread(GUEST_RIP), v->vm->id);
		set_state(v, UVM_ST_DEAD);
		if (ret < 0)
			post_poweroff(v);
	}
}

void uvm_pcpu_loop(void)
{
	struct pcpu *p = this_pcpu();

	p->vcpu = NULL; /* the Service VM's vCPU of this pCPU is gone for good */
	lapic_take_over();
	__atomic_store_n(&p->hosting, true, __ATOMIC_RELEASE);
	pr_info("pCPU %u waits for User VM vCPUs\n", p->idx);
	for (;;) {
		struct vcpu *v = __atomic_load_n(&p->uvm, __ATOMIC_ACQUIRE);

		/* a vCPU placed here (its VM may have been destroyed since we looked) */
		if (!v || v->pcpu != p->idx || req_of(v) == UVM_REQ_NONE) {
			cpu_relax();
			continue;
		}
		host_vcpu(v);
		/* stopped: wait until the hypercall let go of it, so it is never hosted twice */
		while (__atomic_load_n(&p->uvm, __ATOMIC_ACQUIRE) == v && req_of(v) == UVM_REQ_STOP)
			cpu_relax();
	}
}

/* Post @req to every vCPU of @vm that runs somewhere and wait until each pCPU took it. */
static int request_all(struct vm *vm, u32 req, u32 want_mask)
{
	u32 i, waited = 0, pending;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (hv.pcpu[v->pcpu].uvm != v)
			continue;
		__atomic_store_n(&v->uvm_req, req, __ATOMIC_RELEASE);
		smp_kick(v->pcpu);
	}
	do {
		pending = 0;
		for (i = 0; i < vm->nr_vcpus; i++) {
			struct vcpu *v = &vm->vcpu[i];

			if (hv.pcpu[v->pcpu].uvm != v ||
			    (want_mask & (1U << __atomic_load_n(&v->uvm_state, __ATOMIC_ACQUIRE))))
				continue;
			pending++;
			if (!(waited % UVM_KICK_EVERY_US))
				smp_kick(v->pcpu);
		}
		if (!pending)
			return 0;
		udelay(10);
		waited += 10;
	} while (waited < UVM_ACK_TIMEOUT_US);
	pr_err("VM %u: %u vCPU(s) did not answer request %u\n", vm->id, pending, req);
	return -HV_ETIMEDOUT;
}

int uvm_vm_run(struct vm *vm)
{
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct pcpu *p = &hv.pcpu[vm->vcpu[i].pcpu];

		if (p->uvm && p->uvm != &vm->vcpu[i])
			return -HV_EBUSY;
	}
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		struct pcpu *p = &hv.pcpu[v->pcpu];

		if (!__atomic_load_n(&p->given_up, __ATOMIC_ACQUIRE)) {
			pr_info(
			    "VM %u vcpu %u: pCPU %u is the Service VM's; the vCPU does not run\n",
			    vm->id, i, v->pcpu);
			continue;
		}
		__atomic_store_n(&p->uvm, v, __ATOMIC_RELEASE);
	}
	if (vm->virq)
		virq_set_kick(vm->virq, virq_kick, vm);
	/* a parked pCPU sleeps until a kick: kick until each vCPU runs (or is dead) */
	return request_all(vm, UVM_REQ_RUN, (1U << UVM_ST_RUNNING) | (1U << UVM_ST_DEAD));
}

int uvm_vm_pause(struct vm *vm)
{
	return request_all(vm, UVM_REQ_PAUSE,
			   (1U << UVM_ST_PAUSED) | (1U << UVM_ST_DEAD) | (1U << UVM_ST_IDLE));
}

int uvm_vm_stop(struct vm *vm)
{
	int ret = request_all(vm, UVM_REQ_STOP, 1U << UVM_ST_IDLE);
	u32 i;

	if (ret)
		return ret;
	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		struct pcpu *p = &hv.pcpu[v->pcpu];

		if (p->uvm == v)
			__atomic_store_n(&p->uvm, NULL, __ATOMIC_RELEASE);
		__atomic_store_n(&v->uvm_req, UVM_REQ_NONE, __ATOMIC_RELEASE);
	}
	return 0;
}

bool uvm_vcpu_notify(struct vcpu *v)
{
	if (hv.pcpu[v->pcpu].uvm != v)
		return false;
	__atomic_fetch_add(&v->uvm_kick, 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * Post one I/O request in @v's slot, raise the notification and wait in
 * root operation until the Service VM completed it (COMPLETE, then
 * NOTIFY_REQUEST_FINISH; the slot is taken back here, as it may only be by
 * its vCPU).  A pause while waiting parks the vCPU with the request still
 * outstanding; a stop abandons it (RESET_VM frees every slot).
 */
static int ioreq_roundtrip(struct vcpu *v, bool mmio, u64 addr, u32 size, bool write, u64 *value)
{
	struct acrn_hc_io_request *page = v->vm->ioreq_page, *slot;
	int ret;

	if (!page) { /* no device model: reads as nothing, writes dropped */
		if (!write)
			*value = ~0ULL;
		return 0;
	}
	slot = &page[v->id];
	ret = mmio ? ioreq_post_mmio(slot, addr, size, write, *value)
		   : ioreq_post_pio(slot, (u16)addr, size, write, (u32)*value);
	if (ret)
		return uvm_vcpu_dead(v, "its I/O request slot was not free");
	v->ioreqs++;
	notify_dev_raise();
	for (;;) {
		u32 st = __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
		u32 req = req_of(v);

		if (st == ACRN_HC_IOREQ_STATE_COMPLETE)
			break;
		if (st != ACRN_HC_IOREQ_STATE_PENDING && st != ACRN_HC_IOREQ_STATE_PROCESSING)
			return uvm_vcpu_dead(v, "the Service VM corrupted its I/O request slot");
		if (req == UVM_REQ_STOP)
			return 1;
		if (req == UVM_REQ_PAUSE) {
			set_state(v, UVM_ST_PAUSED);
			while (req_of(v) == UVM_REQ_PAUSE)
				cpu_relax();
			set_state(v, UVM_ST_RUNNING);
			continue;
		}
		cpu_relax();
	}
	ret = ioreq_complete(slot, value);
	return ret ? uvm_vcpu_dead(v, "its I/O request slot was not complete") : 0;
}

int uvm_pio_request(struct vcpu *v, struct io_access *a, void *ctx)
{
	u64 value = a->value;
	int ret;

	(void)ctx;
	ret = ioreq_roundtrip(v, false, a->addr, a->size, a->write, &value);
	if (!ret && !a->write)
		a->value = value;
	return ret;
}

int uvm_mmio_request(struct vcpu *v, struct io_access *a, void *ctx)
{
	u64 value = a->value;
	int ret;

	(void)ctx;
	ret = ioreq_roundtrip(v, true, a->addr, a->size, a->write, &value);
	if (!ret && !a->write)
		a->value = value;
	return ret;
}

/* Exits only User VM vCPUs have (vmexit.c calls them for User VMs). */
int uvm_handle_ext_intr(struct vcpu *v)
{
	(void)v;
	lapic_eoi(); /* a kick or a stray interrupt: the guest gets nothing from the pCPU */
	return 0;
}

int uvm_handle_hlt(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	/* the STI or MOV-SS shadow ends with the HLT (an entry in HLT must not carry it) */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) &
					    ~(u64)(GUEST_INTR_BLOCK_STI | GUEST_INTR_BLOCK_MOVSS));
	if (!(vmread(GUEST_RFLAGS) & RFLAGS_IF))
		return uvm_vcpu_dead(v, "HLT with interrupts off");
	/*
	 * Sleep in the guest (HLT activity state): the next entry injects an
	 * interrupt that is already pending, which ends the HLT at once;
	 * otherwise the pCPU sleeps until the vLAPIC timer's deadline (the
	 * preemption timer), a kick or the periodic exit (prepare_entry()).
	 */
	vmwrite(GUEST_ACTIVITY, ACTIVITY_HLT);
	return 0;
}
