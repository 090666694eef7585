// SPDX-License-Identifier: BSD-3-Clause
/*
 * VMX bring-up: capability checks, VMXON, EPT, VMCS set-up and the vCPU run
 * loop.  Every control the hypervisor needs is checked against the
 * capability MSRs, and a missing one is reported by name.
 */
#include "hv.h"
#include "vmx.h"

extern char vmx_exit_entry[];
u64 cpu_tss_base(u32 idx);
u64 cpu_idt_base(void);

static u32 pin_ctl, proc_ctl, proc2_ctl, exit_ctl, entry_ctl;
static u32 vmcs_revision;
static bool ept_1g, have_vpid;
static u32 true_pin_msr = 0x481;

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
	true_pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED : 0x481;
	ret = adjust(true_ctls ? MSR_VMX_TRUE_PINBASED : 0x481, 0, 0, "pin-based", NULL, &pin_ctl,
		     why, why_size);
	if (!ret)
		ret = adjust(true_ctls ? MSR_VMX_TRUE_PROCBASED : 0x482,
			     PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY, 0,
			     "processor-based", proc_names, &proc_ctl, why, why_size);
	if (!ret)
		ret = adjust(MSR_VMX_PROCBASED_CTLS2, PROC2_EPT | PROC2_UNRESTRICTED,
			     PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES,
			     "secondary processor-based", proc2_names, &proc2_ctl, why, why_size);
	if (!ret)
		ret = adjust(true_ctls ? MSR_VMX_TRUE_EXIT : 0x483,
			     EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_PAT |
				 EXIT_LOAD_PAT,
			     0, "VM-exit", exit_names, &exit_ctl, why, why_size);
	if (!ret)
		ret =
		    adjust(true_ctls ? MSR_VMX_TRUE_ENTRY : 0x484, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT,
			   ENTRY_IA32E, "VM-entry", entry_names, &entry_ctl, why, why_size);
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

void vm_init(struct vm *vm, const char *name, enum vm_type type, u32 nr_vcpus)
{
	u32 i;

	vm->name = name;
	vm->type = type;
	vm->nr_vcpus = nr_vcpus;
	vm->privileged = type == VM_SERVICE;
	vm->misc_enable = 0x1801; /* fast strings; BTS and PEBS unavailable */
	for (i = 0; i < MAX_PCPUS; i++) {
		memset(&vm->vcpu[i], 0, sizeof(vm->vcpu[i]));
		vm->vcpu[i].id = i;
		vm->vcpu[i].vm = vm;
	}
}

/*
 * Identity map [0, max(4 GiB, top of e820)): RAM write-back, the rest
 * uncacheable (pgtable.h explains the memory types); optionally leave the
 * hypervisor's own range unmapped.  With 1 GiB pages the first 512 GiB
 * cost no more than 4 GiB, so 64-bit PCI BARs above the RAM are covered.
 */
int vmx_build_ept(struct vm *vm, bool hide_hv)
{
	u64 top = pt_identity_top(&hv.boot.mmap);
	u32 a, b, c, d;
	int ret;

	if (ept_1g) {
		cpuid_count(0x80000008, 0, &a, &b, &c, &d);
		top = MAX(top, MIN(GiB(512), 1ULL << (a & 0xff)));
	}
	vm->ept.present_mask = 7;
	vm->ept.table_flags = EPT_RWX;
	vm->ept.allow_1g = ept_1g;
	vm->ept.alloc_page = alloc_page;
	vm->ept.ctx = NULL;
	ret = pt_init(&vm->ept);
	if (!ret)
		ret = pt_identity_map(&vm->ept, &hv.boot.mmap, top, EPT_RWX | EPT_WB,
				      EPT_RWX | EPT_UC);
	if (!ret && hide_hv)
		ret = pt_map(&vm->ept, hv.hv_start, hv.hv_start, hv.hv_end - hv.hv_start, 0);
	if (ret)
		return ret;
	/* write-back paging structures, 4-level walk */
	vm->eptp = (u64)(uintptr_t)vm->ept.root | (3 << 3) | 6;
	return 0;
}

static void setup_bitmaps(struct vm *vm)
{
	u32 msr;

	vm->io_bitmap = alloc_page(NULL);
	alloc_page(NULL); /* bitmap B must follow A: the pool is contiguous */
	vm->msr_bitmap = alloc_page(NULL);
	if (!vm->io_bitmap || !vm->msr_bitmap)
		hv_panic("out of pages for VMX bitmaps");
	/* MSR bitmap: read-low at 0, write-low at 2048 */
	for (msr = 0x480; msr <= 0x491; msr++) {
		vm->msr_bitmap[msr / 8] |= 1 << (msr % 8);
		vm->msr_bitmap[2048 + msr / 8] |= 1 << (msr % 8);
	}
	vm->msr_bitmap[MSR_FEATURE_CONTROL / 8] |= 1 << (MSR_FEATURE_CONTROL % 8);
	vm->msr_bitmap[2048 + MSR_FEATURE_CONTROL / 8] |= 1 << (MSR_FEATURE_CONTROL % 8);
	vm->msr_bitmap[MSR_MISC_ENABLE / 8] |= 1 << (MSR_MISC_ENABLE % 8);
	vm->msr_bitmap[2048 + MSR_MISC_ENABLE / 8] |= 1 << (MSR_MISC_ENABLE % 8);
	/* x2APIC ICR writes: INIT/STARTUP are emulated (vlapic.c) */
	vm->msr_bitmap[2048 + MSR_X2APIC_ICR / 8] |= 1 << (MSR_X2APIC_ICR % 8);
}

static void trap_port(struct vm *vm, u32 port, u32 count)
{
	for (; count; count--, port++)
		if (port < 0x10000)
			vm->io_bitmap[port / 8] |= 1 << (port % 8);
}

/* Trap only what the hypervisor owns or must see; pass the rest through. */
void vm_setup_io_policy(struct vm *vm)
{
	setup_bitmaps(vm);
	if (vm->type == VM_SELFTEST) {
		memset(vm->io_bitmap, 0xff, 8192);
		return;
	}
	if (hv.acpi.pm1a_cnt)
		trap_port(vm, hv.acpi.pm1a_cnt, 2);
	if (hv.acpi.pm1b_cnt)
		trap_port(vm, hv.acpi.pm1b_cnt, 2);
	trap_port(vm, 0xcf9, 1);
	trap_port(vm, 0x64, 1);
	if (hv.acpi.reset_supported && hv.acpi.reset_space == 1)
		trap_port(vm, (u32)hv.acpi.reset_addr, 1);
	/* COM1 is shared with the Service VM; any other hypervisor UART is hidden */
	if (console_port() && console_port() != 0x3f8)
		trap_port(vm, console_port(), 8);
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
	__asm__ volatile("vmclear %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (!fail)
		__asm__ volatile("vmptrld %1; setna %0" : "=q"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		return -HV_EIO;
	v->launched = false;

	if (!have_vpid)
		proc2 &= ~PROC2_VPID;
	vmwrite(PIN_CONTROLS, pin_ctl);
	vmwrite(PROC_CONTROLS, proc_ctl);
	vmwrite(PROC2_CONTROLS, proc2);
	vmwrite(EXIT_CONTROLS, exit_ctl);
	vmwrite(ENTRY_CONTROLS, entry_ctl);
	vmwrite(EXCEPTION_BITMAP, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(IO_BITMAP_A, (u64)(uintptr_t)vm->io_bitmap);
	vmwrite(IO_BITMAP_B, (u64)(uintptr_t)vm->io_bitmap + 4096);
	vmwrite(MSR_BITMAP, (u64)(uintptr_t)vm->msr_bitmap);
	vmwrite(EPT_POINTER, vm->eptp);
	if (proc2 & PROC2_VPID)
		vmwrite(VMCS_VPID, 1 + v->id + (vm->type == VM_SELFTEST ? 32 : 0));
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

static void set_seg(u32 sel_f, u16 sel, u64 base, u32 limit, u32 ar)
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

	set_seg(GUEST_CS_SEL, 0x10, 0, 0xffffffff, 0xa09b);
	for (ds = GUEST_ES_SEL; ds <= GUEST_GS_SEL; ds += 2)
		if (ds != GUEST_CS_SEL)
			set_seg(ds, 0x18, 0, 0xffffffff, 0xc093);
	set_common_tables(GUEST_GDT, 0x1f);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	vmwrite(GUEST_CR0, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	vmwrite(CR0_SHADOW, CR0_PG | CR0_NE | CR0_ET | CR0_PE);
	vmwrite(GUEST_CR3, GUEST_PML4);
	vmwrite(GUEST_CR4, CR4_PAE | CR4_VMXE);
	vmwrite(CR4_SHADOW, CR4_PAE);
	vmwrite(GUEST_EFER, 0x500); /* LME | LMA */
	vmwrite(ENTRY_CONTROLS, entry_ctl | ENTRY_IA32E);
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
		set_seg(s, s == GUEST_CS_SEL ? cs : 0, s == GUEST_CS_SEL ? (u64)cs << 4 : 0, 0xffff,
			s == GUEST_CS_SEL ? 0x9b : 0x93);
	set_common_tables(0, 0xffff);
	vmwrite(GUEST_CR0, CR0_NE | CR0_ET);
	vmwrite(CR0_SHADOW, CR0_ET);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, CR4_VMXE);
	vmwrite(CR4_SHADOW, 0);
	vmwrite(GUEST_EFER, 0);
	vmwrite(ENTRY_CONTROLS, entry_ctl & ~ENTRY_IA32E);
	vmwrite(GUEST_RFLAGS, 2);
	vmwrite(GUEST_RIP, ip);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	memset(&v->regs, 0, sizeof(v->regs));
}

void vcpu_set_wait_for_sipi(struct vcpu *v)
{
	vcpu_set_realmode_state(v, 0, 0);
	vmwrite(GUEST_ACTIVITY, ACTIVITY_WAIT_SIPI);
}

void vcpu_inject_exception(struct vcpu *v, u32 vector, bool has_err, u32 err)
{
	(void)v;
	vmwrite(ENTRY_INTR_INFO,
		vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID | (has_err ? INTR_ERR_VALID : 0));
	if (has_err)
		vmwrite(ENTRY_EXC_ERROR, err);
}

/* Run until a handler asks to stop (> 0) or entry fails (< 0). */
int vcpu_run_loop(struct vcpu *v)
{
	v->running = true;
	for (;;) {
		u32 reason;
		int ret;

		if (vmx_enter(&v->regs, v->launched)) {
			pr_err("VM entry failed on vcpu %u: VM-instruction error %llu\n", v->id,
			       (unsigned long long)vmread(VM_INSTR_ERROR));
			v->running = false;
			return -HV_EIO;
		}
		v->launched = true;
		reason = (u32)vmread(EXIT_REASON);
		if (reason & 0x80000000U) {
			pr_err("VM entry failed on vcpu %u: exit reason %x qualification %llx\n",
			       v->id, reason, (unsigned long long)vmread(EXIT_QUALIFICATION));
			v->running = false;
			return -HV_EIO;
		}
		ret = vmexit_handle(v);
		if (ret) {
			v->running = false;
			return ret < 0 ? ret : 0;
		}
	}
}
