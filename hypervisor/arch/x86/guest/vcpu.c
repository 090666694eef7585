// SPDX-License-Identifier: BSD-3-Clause
/*
 * vCPUs: the architectural states the hypervisor starts them in (Linux's
 * 64-bit boot protocol, real mode after SIPI, wait-for-SIPI), event
 * injection, and the run loop.
 */
#include "hv.h"
#include "vcpu.h"
#include "vmexit.h"
#include "vm.h"
#include "vm_load.h"

void vcpu_set_segment(u32 sel_f, u16 sel, u64 base, u32 limit, u32 ar)
{
	/* selector, limit, AR and base fields are at fixed offsets per segment */
	u32 n = (sel_f - GUEST_ES_SEL) / 2;

	vmwrite(sel_f, sel);
	vmwrite(GUEST_ES_LIMIT + 2 * n, limit);
	vmwrite(GUEST_ES_AR + 2 * n, ar);
	vmwrite(GUEST_ES_BASE + 2 * n, base);
}

static void set_common_tables(u64 gdt_base, u32 gdt_limit)
{
	vmwrite(GUEST_LDTR_SEL, 0);
	vmwrite(GUEST_LDTR_LIMIT, 0);
	vmwrite(GUEST_LDTR_AR, 0x10000); /* unusable */
	vmwrite(GUEST_LDTR_BASE, 0);
	vmwrite(GUEST_TR_SEL, 0);
	vmwrite(GUEST_TR_LIMIT, 0xffff);
	vmwrite(GUEST_TR_AR, 0x8b); /* busy TSS */
	vmwrite(GUEST_TR_BASE, 0);
	vmwrite(GUEST_GDTR_BASE, gdt_base);
	vmwrite(GUEST_GDTR_LIMIT, gdt_limit);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
}

/* Linux 64-bit boot protocol: long mode, __BOOT_CS=0x10, __BOOT_DS=0x18, RSI=boot_params. */
void vcpu_set_linux_state(struct vcpu *v, u64 entry, u64 boot_params)
{
	u32 ds;

	vcpu_set_segment(GUEST_CS_SEL, 0x10, 0, 0xffffffff, 0xa09b);
	for (ds = GUEST_ES_SEL; ds <= GUEST_GS_SEL; ds += 2)
		if (ds != GUEST_CS_SEL)
			vcpu_set_segment(ds, 0x18, 0, 0xffffffff, 0xc093);
	set_common_tables(GUEST_GDT, 0x1f);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	vmwrite(GUEST_CR0, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	vmwrite(CR0_SHADOW, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	vmwrite(GUEST_CR3, GUEST_PML4);
	vmwrite(GUEST_CR4, CR4_PAE | CR4_VMXE);
	vmwrite(CR4_SHADOW, CR4_PAE);
	vmwrite(GUEST_EFER, EFER_LME | EFER_LMA);
	vmwrite(ENTRY_CONTROLS, vmx_entry_controls() | ENTRY_IA32E);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_RIP, entry);
	vmwrite(GUEST_RSP, GUEST_BOOT_PARAMS);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rsi = boot_params;
}

/* 64-bit guest on the given flat segments (used by the selftest guest). */
void vcpu_set_long_mode_state(struct vcpu *v, u64 rip, u64 rsp)
{
	vcpu_set_linux_state(v, rip, 0);
	vmwrite(GUEST_RSP, rsp);
}

/* Real mode at CS:IP, as after a SIPI (needs unrestricted guest). */
void vcpu_set_realmode_state(struct vcpu *v, u16 cs, u16 ip)
{
	u32 s;

	for (s = GUEST_ES_SEL; s <= GUEST_GS_SEL; s += 2)
		vcpu_set_segment(s, s == GUEST_CS_SEL ? cs : 0,
				 s == GUEST_CS_SEL ? (u64)cs << 4 : 0, 0xffff,
				 s == GUEST_CS_SEL ? 0x9b : 0x93);
	set_common_tables(0, 0xffff);
	vmwrite(GUEST_CR0, CR0_NE | CR0_ET);
	vmwrite(CR0_SHADOW, CR0_ET);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, CR4_VMXE);
	vmwrite(CR4_SHADOW, 0);
	vmwrite(GUEST_EFER, 0);
	vmwrite(ENTRY_CONTROLS, vmx_entry_controls() & ~ENTRY_IA32E);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_RIP, ip);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	/* nothing pending from before: no event, no NMI */
	vmwrite(ENTRY_INTR_INFO, 0);
	memset(&v->regs, 0, sizeof(v->regs));
	__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
}

void vcpu_set_wait_for_sipi(struct vcpu *v)
{
	vcpu_set_realmode_state(v, 0, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_WAIT_SIPI);
}

void vcpu_skip_instruction(struct vcpu *v)
{
	(void)v;
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTR_LEN));
}

void vcpu_inject_exception(struct vcpu *v, u32 vector, bool has_err, u32 err)
{
	(void)v;
	vmwrite(ENTRY_INTR_INFO,
		vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID | (has_err ? INTR_ERR_VALID : 0));
	if (has_err)
		vmwrite(ENTRY_EXC_ERROR, err);
}

void vcpu_queue_nmi(struct vcpu *v)
{
	__atomic_store_n(&v->nmi_pending, true, __ATOMIC_RELEASE);
}

/*
 * A pending NMI goes in with this entry if the guest can take it (no event
 * injected yet, no NMI, STI or MOV-SS blocking); otherwise NMI-window
 * exiting brings the vCPU back as soon as it can.  NMIs that arrive while
 * one is pending collapse into it, as on hardware.
 */
static void inject_pending_nmi(struct vcpu *v)
{
	u64 block = GUEST_INTR_BLOCK_STI | GUEST_INTR_BLOCK_MOVSS | GUEST_INTR_BLOCK_NMI;
	u64 proc = vmread(PROC_CONTROLS) & ~(u64)PROC_NMI_WINDOW;
	u64 activity = vmread(GUEST_ACTIVITY);

	if (!__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE))
		goto out;
	if (activity == ACTIVITY_WAIT_SIPI) {
		/* blocked in wait-for-SIPI, as natively */
		__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
		goto out;
	}
	if ((vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & block)) {
		proc |= PROC_NMI_WINDOW;
		goto out;
	}
	__atomic_store_n(&v->nmi_pending, false, __ATOMIC_RELEASE);
	if (activity == ACTIVITY_HLT) /* the NMI wakes it; RIP is past the HLT */
		vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmwrite(ENTRY_INTR_INFO, X86_VEC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID);
out:
	vmwrite(PROC_CONTROLS, proc);
}

/*
 * An exit that interrupted the delivery of an event (IDT-vectoring
 * information valid) would lose that event: deliver it again with the next
 * entry.  A handler that injects something itself overrides it.
 */
static void redeliver_event(void)
{
	u32 info = (u32)vmread(IDT_VECTORING_INFO), type = INTR_INFO_TYPE(info);

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(ENTRY_INTR_INFO, info & (INTR_INFO_VALID | INTR_ERR_VALID | 0x7ff));
	if (info & INTR_ERR_VALID)
		vmwrite(ENTRY_EXC_ERROR, vmread(IDT_VECTORING_ERROR));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		vmwrite(ENTRY_INSTR_LEN, vmread(EXIT_INSTR_LEN));
}

/* One VM entry and the handling of its exit: 0 to go on, else what the handler or entry said. */
int vcpu_run_once(struct vcpu *v)
{
	u32 reason;

	inject_pending_nmi(v);
	if (vmx_enter(&v->regs, v->launched)) {
		pr_err("VM entry failed on vcpu %u: VM-instruction error %llu\n", v->id,
		       (unsigned long long)vmread(VM_INSTR_ERROR));
		return -HV_EIO;
	}
	v->launched = true;
	reason = (u32)vmread(EXIT_REASON);
	if (reason & EXIT_REASON_ENTRY_FAIL) {
		pr_err("VM entry failed on vcpu %u: exit reason %x qualification %llx\n", v->id,
		       reason, (unsigned long long)vmread(EXIT_QUALIFICATION));
		return -HV_EIO;
	}
	redeliver_event();
	return vmexit_handle(v);
}

/* Run until a handler asks to stop (> 0: returns 0) or entry fails (< 0). */
int vcpu_run_loop(struct vcpu *v)
{
	int ret;

	v->running = true;
	do
		ret = vcpu_run_once(v);
	while (!ret);
	v->running = false;
	return ret < 0 ? ret : 0;
}

/*
 * A vCPU that cannot go on (a failed VM entry, an event the hypervisor
 * cannot handle) stops; only its pCPU idles from then on, the hypervisor and
 * the other pCPUs carry on.
 */
void vcpu_stopped(struct vcpu *v, int ret)
{
	hv_printf("ACRN-HV: vcpu %u of VM %u (%s) stopped (%d); pCPU %u idles\n", v->id, v->vm->id,
		  v->vm->name, ret, this_pcpu()->idx);
	v->running = false;
	this_pcpu()->vcpu = NULL;
	console_drain();
	halt_forever();
}
