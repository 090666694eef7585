// SPDX-License-Identifier: BSD-3-Clause
/*
 * VMX bring-up: capability checks, VMXON, and the VMCS of a vCPU (controls
 * and host state).  Every control the hypervisor needs is checked against
 * the capability MSRs, and a missing one is reported by name.
 */
#include "hv.h"
#include "cpu.h"
#include "vm.h"
#include "vmx.h"
#include "page_alloc.h"

static u32 pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl;
static u32 vmcs_revision;
static bool ept_1g, have_vpid;
static u32 true_pin_msr = MSR_VMX_PINBASED;

bool vmx_ept_1g(void)
{
	return ept_1g;
}

bool vmx_have_vpid(void)
{
	return have_vpid;
}

u32 vmx_entry_controls(void)
{
	return entry_ctl;
}

u64 vmread(u64 field)
{
	u64 v = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"(field) : "cc");
	return v;
}

void vmwrite(u64 field, u64 value)
{
	u8 fail;

	__asm__ volatile("vmwrite %1, %2; setna %0" : "=q"(fail) : "rm"(value), "r"(field) : "cc");
	if (fail)
		pr_err("vmwrite %llx <- %llx failed (error %llu)\n", (unsigned long long)field,
		       (unsigned long long)value, (unsigned long long)vmread(VM_INSTR_ERROR));
}

struct ctl_bit {
	u32 bit;
	const char *name;
};

/*
 * Combine the wanted bits with the capability MSR: must-be-one bits are
 * forced on; a required bit that may not be one is an error.
 */
static int adjust(u32 msr, u32 required, u32 optional, const char *what,
		  const struct ctl_bit *names, u32 *ret, char *why, size_t why_size)
{
	u64 cap = rdmsr(msr);
	u32 must1 = (u32)cap, may1 = (u32)(cap >> 32);
	u32 missing = required & ~may1;

	if (missing) {
		char list[96] = "";
		u32 i, n = 0;

		for (i = 0; names && names[i].name; i++)
			if (missing & names[i].bit)
				n += hv_snprintf(list + n, sizeof(list) - MIN(n, sizeof(list)),
						 "%s%s", n ? ", " : "", names[i].name);
		hv_snprintf(why, why_size, "VMX %s control missing: %s (wanted %08x, allowed %08x)",
			    what, n ? list : "?", required, may1);
		return -HV_ENODEV;
	}
	*ret = (required | (optional & may1) | must1) & may1;
	return 0;
}

int vmx_check_caps(char *why, size_t why_size)
{
	static const struct ctl_bit pin_names[] = {
	    {PIN_NMI_EXITING, "NMI exiting"}, {PIN_VIRTUAL_NMIS, "virtual NMIs"}, {0, NULL}};
	static const struct ctl_bit proc_names[] = {{PROC_USE_IO_BITMAPS, "use I/O bitmaps"},
						    {PROC_USE_MSR_BITMAPS, "use MSR bitmaps"},
						    {PROC_SECONDARY, "activate secondary controls"},
						    {0, NULL}};
	static const struct ctl_bit proc2_names[] = {
	    {PROC2_EPT, "enable EPT"}, {PROC2_UNRESTRICTED, "unrestricted guest"}, {0, NULL}};
	static const struct ctl_bit exit_names[] = {
	    {EXIT_HOST_64, "host address-space size"},
	    {EXIT_SAVE_EFER | EXIT_LOAD_EFER, "save/load IA32_EFER"},
	    {EXIT_SAVE_PAT | EXIT_LOAD_PAT, "save/load IA32_PAT"},
	    {0, NULL}};
	static const struct ctl_bit entry_names[] = {
	    {ENTRY_LOAD_EFER, "load IA32_EFER"}, {ENTRY_LOAD_PAT, "load IA32_PAT"}, {0, NULL}};
	u32 a, b, c, d;
	u64 fc, basic, ept;
	bool true_ctls;
	int ret;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & (1U << 5))) {
		hv_snprintf(why, why_size, "CPU has no VMX (CPUID.1:ECX[5]=0)");
		return -HV_ENODEV;
	}
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & 1)) {
		wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);
	} else if (!(fc & 4)) {
		hv_snprintf(why, why_size,
			    "VMX disabled by firmware (IA32_FEATURE_CONTROL=%llx locked)",
			    (unsigned long long)fc);
		return -HV_ENODEV;
	}
	basic = rdmsr(MSR_VMX_BASIC);
	vmcs_revision = (u32)basic & 0x7fffffff;
	true_ctls = (basic >> 55) & 1;
	true_pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED;
	ret = adjust(true_pin_msr, PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, 0, "pin-based", pin_names,
		     &pin_ctl, why, why_size);
	if (!ret)
		ret = adjust(true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED,
			     PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY,
			     PROC_TSC_OFFSET, "processor-based", proc_names, &proc_ctl, why,
			     why_size);
	if (!ret)
		ret = adjust(MSR_VMX_PROCBASED_CTLS2, PROC2_EPT | PROC2_UNRESTRICTED,
			     PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES,
			     "secondary processor-based", proc2_names, &proc2_ctl, why, why_size);
	if (!ret)
		ret = adjust(true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT,
			     EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
				 EXIT_LOAD_PAT,
			     0, "VM-exit", exit_names, &exit_ctl, why, why_size);
	if (!ret)
		ret = adjust(true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY,
			     ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, ENTRY_IA32E, "VM-entry", entry_names,
			     &entry_ctl, why, why_size);
	if (ret)
		return ret;
	/* the IA-32e bit is chosen per guest; keep it out of the default */
	entry_ctl &= ~ENTRY_IA32E;
	ept = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!(ept & (1ULL << 6)) || !(ept & (1ULL << 14))) {
		hv_snprintf(why, why_size, "EPT lacks 4-level walks or write-back (cap %llx)",
			    (unsigned long long)ept);
		return -HV_ENODEV;
	}
	ept_1g = (ept >> 17) & 1;
	have_vpid = (proc2_ctl & PROC2_VPID) != 0;
	if (!(rdmsr(MSR_VMX_MISC) & (1ULL << 8)))
		pr_warn("VMX: no wait-for-SIPI activity state; guest APs cannot start\n");
	pr_info("VMX: rev %x pin=%08x proc=%08x proc2=%08x exit=%08x entry=%08x ept=%llx\n",
		vmcs_revision, pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl,
		(unsigned long long)ept);
	return 0;
}

/*
 * Periodic exits on the current vCPU (every @us of TSC time) so the debug
 * shell can poll its UART and an AP vCPU sees an emulated INIT without
 * interrupts.  The timer is reloaded at every VM entry.
 */
void vmx_enable_preemption_timer(u32 us)
{
	u64 cap = rdmsr(true_pin_msr);
	u32 rate = rdmsr(MSR_VMX_MISC) & 0x1f;
	u64 ticks = (hv.tsc_khz ? hv.tsc_khz : 1000000) * us / 1000;

	if (!((cap >> 32) & PIN_PREEMPT_TIMER)) {
		pr_warn("no VMX preemption timer: no debug shell polling, no AP re-INIT\n");
		return;
	}
	vmwrite(PIN_CONTROLS, vmread(PIN_CONTROLS) | PIN_PREEMPT_TIMER);
	vmwrite(GUEST_PREEMPT_TIMER, MIN(ticks >> rate, 0xffffffffULL));
}

u32 vmx_preemption_rate(void)
{
	static u32 rate = ~0U;

	if (rate == ~0U)
		rate = rdmsr(MSR_VMX_MISC) & 0x1f;
	return rate;
}

/*
 * The controls only User VM vCPUs have, on the current VMCS: external
 * interrupts exit and are acknowledged on exit (the pCPU and its LAPIC are
 * the hypervisor's; nothing physical reaches the guest), HLT exits.
 */
int vmx_setup_user_vm_controls(void)
{
	u32 pin_may1 = (u32)(rdmsr(true_pin_msr) >> 32);
	u32 exit_may1 = (u32)(rdmsr(MSR_VMX_EXIT) >> 32);
	u32 proc_may1 = (u32)(rdmsr(MSR_VMX_PROCBASED) >> 32);

	if (!(pin_may1 & PIN_EXT_INTR_EXITING) || !(exit_may1 & EXIT_ACK_INTR) ||
	    !(proc_may1 & PROC_HLT_EXITING))
		return -HV_ENODEV;
	vmwrite(PIN_CONTROLS, vmread(PIN_CONTROLS) | PIN_EXT_INTR_EXITING);
	vmwrite(EXIT_CONTROLS, vmread(EXIT_CONTROLS) | EXIT_ACK_INTR);
	vmwrite(PROC_CONTROLS, vmread(PROC_CONTROLS) | PROC_HLT_EXITING);
	/* CPUID hides MONITOR/MWAIT from User VMs: the instructions #UD (vmexit.c) */
	if ((proc_may1 & (PROC_MWAIT_EXITING | PROC_MONITOR_EXITING)) ==
	    (PROC_MWAIT_EXITING | PROC_MONITOR_EXITING))
		vmwrite(PROC_CONTROLS,
			vmread(PROC_CONTROLS) | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING);
	return 0;
}

void vmx_invept_all(void)
{
	struct {
		u64 eptp, zero;
	} desc = {0, 0};
	u64 type = 2; /* all contexts */

	if (!(rdmsr(MSR_VMX_EPT_VPID_CAP) & (1ULL << 26)))
		return; /* no all-context INVEPT: a fresh VPID keeps the TLB apart */
	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(type) : "cc", "memory");
}

int vmx_on(struct pcpu *p)
{
	u64 pa;
	u8 fail;

	p->vmxon_region = alloc_page(NULL);
	if (!p->vmxon_region)
		return -HV_ENOMEM;
	*(u32 *)p->vmxon_region = vmcs_revision;
	write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
	write_cr4((read_cr4() | CR4_VMXE | rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
	pa = (u64)(uintptr_t)p->vmxon_region;
	__asm__ volatile("vmxon %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		return -HV_EIO;
	p->vmx_on = true;
	return 0;
}

void vmx_off(void)
{
	__asm__ volatile("vmxoff" ::: "cc");
	write_cr4(read_cr4() & ~CR4_VMXE);
	this_pcpu()->vmx_on = false;
}

static int vmclear(u8 *vmcs)
{
	u64 pa = (u64)(uintptr_t)vmcs;
	u8 fail;

	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	return fail ? -HV_EIO : 0;
}

void vcpu_release_vmcs(struct vcpu *v)
{
	struct pcpu *p = &hv.pcpu[v->pcpu];

	if (!v->vmcs)
		return;
	if (p->vcpu == v)
		p->vcpu = NULL;
	if (p->vmx_on)
		vmclear(v->vmcs);
	free_page(NULL, v->vmcs);
	v->vmcs = NULL;
	v->launched = false;
}

int vcpu_setup_vmcs(struct vcpu *v)
{
	struct pcpu *p = this_pcpu();
	struct vm *vm = v->vm;
	u64 pa;
	u8 fail;
	u32 proc2 = proc2_ctl;

	v->pcpu = p->idx;
	p->vcpu = v;
	if (!v->vmcs) {
		v->vmcs = alloc_page(NULL);
		if (!v->vmcs)
			return -HV_ENOMEM;
	}
	*(u32 *)v->vmcs = vmcs_revision;
	pa = (u64)(uintptr_t)v->vmcs;
	fail = vmclear(v->vmcs) != 0;
	if (!fail)
		__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		return -HV_EIO;
	v->launched = false;

	if (!have_vpid)
		proc2 &= ~PROC2_VPID;
	vmwrite(PIN_CONTROLS, pin_ctl);
	vmwrite(PROC_CONTROLS, proc_ctl);
	vmwrite(EXIT_CONTROLS, exit_ctl);
	vmwrite(ENTRY_CONTROLS, entry_ctl);
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(IO_BITMAP_A, (u64)(uintptr_t)vm->io_bitmap[0]);
	vmwrite(IO_BITMAP_B, (u64)(uintptr_t)vm->io_bitmap[1]);
	vmwrite(MSR_BITMAP, (u64)(uintptr_t)vm->msr_bitmap);
	vmwrite(TSC_OFFSET, v->tsc_offset);
	vmwrite(EPT_POINTER, vm->eptp);
	if (!v->vpid)
		proc2 &= ~PROC2_VPID;
	vmwrite(PROC2_CONTROLS, proc2);
	if (proc2 & PROC2_VPID)
		vmwrite(VMCS_VPID, v->vpid);
	/* the guest may not see or clear CR4.VMXE, nor clear CR0.NE */
	vmwrite(CR0_MASK, CR0_NE);
	vmwrite(CR4_MASK, CR4_VMXE);

	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, 0x08);
	vmwrite(HOST_SS_SEL, 0x10);
	vmwrite(HOST_DS_SEL, 0x10);
	vmwrite(HOST_ES_SEL, 0x10);
	vmwrite(HOST_FS_SEL, 0x10);
	vmwrite(HOST_GS_SEL, 0x10);
	vmwrite(HOST_TR_SEL, 0x18 + 16 * p->idx);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, (u64)(uintptr_t)p);
	vmwrite(HOST_TR_BASE, cpu_tss_base(p->idx));
	vmwrite(HOST_GDTR_BASE, (u64)(uintptr_t)hv_gdt);
	vmwrite(HOST_IDTR_BASE, cpu_idt_base());
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RIP, (u64)(uintptr_t)vmx_exit_entry);

	vmwrite(VMCS_LINK_PTR, ~0ULL);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_PAT, 0x0007040600070406ULL);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	return 0;
}
