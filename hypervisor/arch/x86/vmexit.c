// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM-exit dispatch and handlers.  Every exit is counted per vCPU and per
 * reason before it is handled; the counters are printed at Service VM S5 and
 * by the debug shell.
 */
#include "hv.h"
#include "vmx.h"
#include "acrn_abi.h"

#define SELFTEST_DONE 0x53454c46ULL /* "SELF": selftest guest finished */
#define SLP_EN	      (1U << 13)

int rdmsr_safe(u32 msr, u64 *val);
int xsetbv_safe(u32 xcr, u64 val);

static const char *const reason_names[NR_EXIT_REASONS] = {
    [0] = "EXCEPTION_NMI",
    [1] = "EXTERNAL_INTERRUPT",
    [2] = "TRIPLE_FAULT",
    [3] = "INIT_SIGNAL",
    [4] = "SIPI",
    [5] = "IO_SMI",
    [6] = "OTHER_SMI",
    [7] = "INTERRUPT_WINDOW",
    [8] = "NMI_WINDOW",
    [9] = "TASK_SWITCH",
    [10] = "CPUID",
    [11] = "GETSEC",
    [12] = "HLT",
    [13] = "INVD",
    [14] = "INVLPG",
    [15] = "RDPMC",
    [16] = "RDTSC",
    [17] = "RSM",
    [18] = "VMCALL",
    [19] = "VMCLEAR",
    [20] = "VMLAUNCH",
    [21] = "VMPTRLD",
    [22] = "VMPTRST",
    [23] = "VMREAD",
    [24] = "VMRESUME",
    [25] = "VMWRITE",
    [26] = "VMXOFF",
    [27] = "VMXON",
    [28] = "CR_ACCESS",
    [29] = "DR_ACCESS",
    [30] = "IO_INSTRUCTION",
    [31] = "RDMSR",
    [32] = "WRMSR",
    [33] = "ENTRY_FAIL_GUEST_STATE",
    [34] = "ENTRY_FAIL_MSR_LOAD",
    [36] = "MWAIT",
    [37] = "MONITOR_TRAP_FLAG",
    [39] = "MONITOR",
    [40] = "PAUSE",
    [41] = "ENTRY_FAIL_MCE",
    [43] = "TPR_BELOW_THRESHOLD",
    [44] = "APIC_ACCESS",
    [45] = "VIRTUALIZED_EOI",
    [46] = "GDTR_IDTR_ACCESS",
    [47] = "LDTR_TR_ACCESS",
    [48] = "EPT_VIOLATION",
    [49] = "EPT_MISCONFIG",
    [50] = "INVEPT",
    [51] = "RDTSCP",
    [52] = "PREEMPTION_TIMER",
    [53] = "INVVPID",
    [54] = "WBINVD",
    [55] = "XSETBV",
    [56] = "APIC_WRITE",
    [57] = "RDRAND",
    [58] = "INVPCID",
    [59] = "VMFUNC",
    [60] = "ENCLS",
    [61] = "RDSEED",
    [62] = "PML_FULL",
    [63] = "XSAVES",
    [64] = "XRSTORS",
};

const char *exit_reason_name(u32 reason)
{
	if (reason < NR_EXIT_REASONS && reason_names[reason])
		return reason_names[reason];
	return "UNKNOWN";
}

void print_exit_stats(const struct vm *vm)
{
	u32 i, r;

	for (i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = &vm->vcpu[i];
		char line[1024];
		int n;

		n = hv_snprintf(line, sizeof(line), "ACRN-HV: exit-stats vcpu=%u total=%llu", i,
				(unsigned long long)v->exits_total);
		for (r = 0; r < NR_EXIT_REASONS && n < (int)sizeof(line); r++)
			if (v->exits[r])
				n += hv_snprintf(line + n, sizeof(line) - n, " %s=%llu",
						 exit_reason_name(r),
						 (unsigned long long)v->exits[r]);
		hv_printf("%s\n", line);
	}
}

static void skip_instruction(void)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTR_LEN));
}

static u64 *gpr(struct vcpu *v, u32 idx)
{
	return &((u64 *)&v->regs)[idx];
}

static int handle_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx, a, b, c, d;
	u64 cr4 = vmread(GUEST_CR4);

	if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
		a = b = c = d = 0;
		if (leaf == ACRN_CPUID_SIGNATURE) {
			a = ACRN_CPUID_MAX_LEAF;
			b = c = d = ACRN_SIGNATURE_REG;
		} else if (leaf == ACRN_CPUID_FEATURES) {
			a = v->vm->privileged ? ACRN_FEATURE_PRIVILEGED_VM : 0;
		} else if (leaf == ACRN_CPUID_TIMING) {
			a = (u32)hv.tsc_khz;
		}
	} else {
		cpuid_count(leaf, sub, &a, &b, &c, &d);
		if (leaf == 1) {
			c &= ~((1U << 5) | (1U << 6)); /* VMX, SMX */
			c |= 1U << 31;		       /* hypervisor present */
			/* OSXSAVE reflects the guest's CR4, not ours */
			c = (c & ~(1U << 27)) | ((cr4 & CR4_OSXSAVE) ? 1U << 27 : 0);
		} else if (leaf == 7 && sub == 0) {
			c = (c & ~(1U << 4)) | ((cr4 & CR4_PKE) ? 1U << 4 : 0);
		}
	}
	v->regs.rax = a;
	v->regs.rbx = b;
	v->regs.rcx = c;
	v->regs.rdx = d;
	skip_instruction();
	return 0;
}

static int handle_msr(struct vcpu *v, bool write)
{
	u32 msr = (u32)v->regs.rcx;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	bool gp = false;

	if (msr == MSR_MISC_ENABLE) {
		if (write)
			v->vm->misc_enable = val;
		else
			val = v->vm->misc_enable;
	} else if (msr == MSR_FEATURE_CONTROL) {
		/* locked, VMX off: matches CPUID hiding VMX */
		gp = write;
		val = 1;
	} else if (msr == MSR_X2APIC_ICR && write && v->vm->type == VM_SERVICE) {
		gp = vlapic_x2apic_icr_write(v, val) != 0;
	} else if (msr >= MSR_VMX_BASIC && msr <= MSR_VMX_VMFUNC) {
		gp = true;
	} else if (!write) {
		/* outside the bitmap ranges: let the CPU decide, #GP if it faults */
		gp = rdmsr_safe(msr, &val) != 0;
	} else {
		gp = true;
	}
	if (gp) {
		pr_dbg("vcpu %u: %s %x -> #GP\n", v->id, write ? "WRMSR" : "RDMSR", msr);
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	if (!write) {
		v->regs.rax = (u32)val;
		v->regs.rdx = val >> 32;
	}
	skip_instruction();
	return 0;
}

/*
 * A CR0 write we emulate that toggles paging with EFER.LME set switches
 * IA-32e mode: the CPU would set EFER.LMA, so we do, and the VM-entry
 * control must follow.
 */
static void update_long_mode(u64 old_cr0, u64 new_cr0)
{
	u64 efer = vmread(GUEST_EFER), entry = vmread(ENTRY_CONTROLS);

	if (!(efer & 0x100) || !((old_cr0 ^ new_cr0) & CR0_PG))
		return;
	if (new_cr0 & CR0_PG) {
		vmwrite(GUEST_EFER, efer | 0x400);
		vmwrite(ENTRY_CONTROLS, entry | ENTRY_IA32E);
	} else {
		vmwrite(GUEST_EFER, efer & ~0x400ULL);
		vmwrite(ENTRY_CONTROLS, entry & ~(u64)ENTRY_IA32E);
	}
}

static int handle_cr(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	u64 val = reg == 4 ? vmread(GUEST_RSP) : *gpr(v, reg);

	if (type == 0 && cr == 0) {
		/* what MOV to CR0 would #GP on; VM entry would fail on it instead */
		if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
		    ((val & CR0_NW) && !(val & CR0_CD)) ||
		    ((val & CR0_PG) && (vmread(GUEST_EFER) & 0x100) &&
		     !(vmread(GUEST_CR4) & CR4_PAE))) {
			vcpu_inject_exception(v, 13, true, 0);
			return 0;
		}
		update_long_mode(vmread(GUEST_CR0), val);
		vmwrite(GUEST_CR0, val | CR0_NE);
		vmwrite(CR0_SHADOW, val);
	} else if (type == 0 && cr == 4) {
		if ((val & CR4_VMXE) || (val & ~rdmsr(MSR_VMX_CR4_FIXED1))) {
			vcpu_inject_exception(v, 13, true, 0);
			return 0;
		}
		vmwrite(GUEST_CR4, val | CR4_VMXE);
		vmwrite(CR4_SHADOW, val);
	} else if (type == 0 && cr == 3) {
		vmwrite(GUEST_CR3, val);
	} else if (type == 1 && cr == 3) {
		*gpr(v, reg) = vmread(GUEST_CR3);
	} else if (type == 2) { /* CLTS */
		vmwrite(GUEST_CR0, vmread(GUEST_CR0) & ~8ULL);
		vmwrite(CR0_SHADOW, vmread(CR0_SHADOW) & ~8ULL);
	} else if (type == 3) { /* LMSW: may set PE, never clear it */
		u64 src = (q >> 16) & 0xf, cr0 = vmread(GUEST_CR0);

		cr0 = (cr0 & ~0xeULL) | src | (cr0 & 1);
		vmwrite(GUEST_CR0, cr0 | CR0_NE);
		vmwrite(CR0_SHADOW, (vmread(CR0_SHADOW) & ~0xfULL) | (cr0 & 0xf));
	} else {
		pr_warn("vcpu %u: unexpected CR access qual %llx\n", v->id, (unsigned long long)q);
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	skip_instruction();
	return 0;
}

static u32 port_in(u16 port, u32 size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_out(u16 port, u32 size, u32 val)
{
	if (size == 1)
		outb(port, (u8)val);
	else if (size == 2)
		outw(port, (u16)val);
	else
		outl(port, val);
}

static void service_vm_poweroff(struct vcpu *v)
{
	print_exit_stats(v->vm);
	hv_printf("ACRN-HV: platform poweroff\n");
	platform_poweroff();
}

static void service_vm_reset(struct vcpu *v)
{
	(void)v;
	hv_printf("ACRN-HV: platform reset\n");
	platform_reset();
}

static int handle_io(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 size = (q & 7) + 1, port = (u32)(q >> 16);
	bool in = q & 8, string = q & 16;
	u32 mask = size == 4 ? 0xffffffffU : (1U << (size * 8)) - 1;
	u32 val = (u32)v->regs.rax & mask;
	u16 uart = console_port();

	if (string) {
		pr_warn("vcpu %u: string I/O on trapped port %x ignored\n", v->id, port);
		skip_instruction();
		return 0;
	}
	if (v->vm->type == VM_SELFTEST) {
		if (in) {
			val = mask;
		} else {
			v->last_io_port = port;
			v->last_io_value = val;
		}
	} else if (!in && hv.acpi.pm1a_cnt &&
		   (port == hv.acpi.pm1a_cnt || (port == hv.acpi.pm1a_cnt + 1 && size == 1))) {
		u32 cnt = port == hv.acpi.pm1a_cnt ? val : val << 8;

		if (pm1a_write_is_s5(cnt))
			service_vm_poweroff(v);
		port_out((u16)port, size, val);
	} else if (!in && port == 0x64 && (val & 0xff) == 0xfe) {
		/* i8042 pulse-reset: Linux's second reboot method after ACPI */
		service_vm_reset(v);
	} else if (!in &&
		   (port == 0xcf9 || (hv.acpi.reset_supported && hv.acpi.reset_space == 1 &&
				      port == hv.acpi.reset_addr && val == hv.acpi.reset_value))) {
		if (port != 0xcf9 || (val & 4))
			service_vm_reset(v);
		port_out((u16)port, size, val);
	} else if (uart && uart != 0x3f8 && port >= uart && port < uart + 8u) {
		/* the hypervisor's own UART: invisible to the Service VM */
		val = mask;
	} else if (in) {
		val = port_in((u16)port, size);
	} else {
		port_out((u16)port, size, val);
	}
	if (in) {
		if (size == 4)
			v->regs.rax = val;
		else
			v->regs.rax = (v->regs.rax & ~(u64)mask) | val;
	}
	skip_instruction();
	return 0;
}

static int handle_xsetbv(struct vcpu *v)
{
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	u32 a, b, c, d;
	u64 supported;

	cpuid_count(0xd, 0, &a, &b, &c, &d);
	supported = a | (u64)d << 32;
	/* the obvious cases here; the CPU rejects the rest (e.g. AVX-512 bits without AVX) */
	if ((u32)v->regs.rcx != 0 || !(val & 1) || (val & ~supported) ||
	    ((val & 4) && !(val & 2)) || xsetbv_safe(0, val)) {
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	skip_instruction();
	return 0;
}

static int handle_vmcall(struct vcpu *v)
{
	u32 ss_ar = (u32)vmread(GUEST_SS_AR);

	if (v->vm->type == VM_SELFTEST &&
	    (v->regs.r8 == SELFTEST_DONE || (u32)v->regs.rax == SELFTEST_DONE)) {
		v->last_vmcall = v->regs.rdi;
		v->vm->done = true;
		skip_instruction();
		return 1;
	}
	if ((ss_ar >> 5) & 3) { /* CPL != 0 */
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	v->regs.rax = (u64)hypercall_dispatch(v, v->regs.r8, v->regs.rdi, v->regs.rsi);
	skip_instruction();
	return 0;
}

static int handle_ept_violation(struct vcpu *v)
{
	u64 gpa = vmread(GUEST_PHYS_ADDR), q = vmread(EXIT_QUALIFICATION);
	bool hv_mem = gpa >= hv.hv_start && gpa < hv.hv_end;

	if (v->vm->type == VM_SERVICE && (q & 2) && ALIGN_DOWN(gpa, 4096) == lapic_base())
		return vlapic_write_exit(v, gpa);

	/* a guest looping on a bad access must not flood the console */
	if (v->gp_injected < 16 || !(v->gp_injected & 1023))
		pr_warn("EPT violation vcpu=%u gpa=%llx rip=%llx %s%s%s%s: injecting #GP\n", v->id,
			(unsigned long long)gpa, (unsigned long long)vmread(GUEST_RIP),
			(q & 1) ? "read" : "", (q & 2) ? "write" : "", (q & 4) ? "fetch" : "",
			hv_mem ? " (hypervisor memory)" : "");
	v->gp_injected++;
	vcpu_inject_exception(v, 13, true, 0);
	return 0;
}

static int handle_init(struct vcpu *v)
{
	/* Bochs reports "blocking by SMI" after an INIT exit; outside SMM it is invalid */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~4ULL);
	if (v->id == 0) {
		pr_warn("vcpu 0 received INIT: ignored\n");
		return 0;
	}
	/*
	 * An INIT latched while the vCPU waited for SIPI is delivered right
	 * after the SIPI starts it (seen on Bochs): it belongs to the same
	 * INIT-SIPI-SIPI sequence, so it must not stop the vCPU again.
	 */
	if (v->sipi_fresh) {
		pr_dbg("vcpu %u: stale INIT after SIPI ignored\n", v->id);
		return 0;
	}
	vcpu_set_wait_for_sipi(v);
	return 0;
}

static int handle_sipi(struct vcpu *v)
{
	u32 vector = (u32)vmread(EXIT_QUALIFICATION) & 0xff;

	pr_info("vcpu %u: SIPI vector %x, starting at %x:0000\n", v->id, vector, vector << 8);
	vcpu_set_realmode_state(v, (u16)(vector << 8), 0);
	v->sipi_fresh = true;
	return 0;
}

static int dump_and_stop(struct vcpu *v, u32 reason)
{
	hv_printf("ACRN-HV: vcpu %u unhandled exit %s (%u) qual=%llx rip=%llx rsp=%llx "
		  "cr0=%llx cr3=%llx cr4=%llx\n",
		  v->id, exit_reason_name(reason), reason,
		  (unsigned long long)vmread(EXIT_QUALIFICATION),
		  (unsigned long long)vmread(GUEST_RIP), (unsigned long long)vmread(GUEST_RSP),
		  (unsigned long long)vmread(GUEST_CR0), (unsigned long long)vmread(GUEST_CR3),
		  (unsigned long long)vmread(GUEST_CR4));
	hv_printf("ACRN-HV: rax=%llx rbx=%llx rcx=%llx rdx=%llx rsi=%llx rdi=%llx\n",
		  (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
		  (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx,
		  (unsigned long long)v->regs.rsi, (unsigned long long)v->regs.rdi);
	return -HV_EIO;
}

int vmexit_handle(struct vcpu *v)
{
	u32 reason = (u32)vmread(EXIT_REASON) & 0xffff;

	v->exits_total++;
	if (reason < NR_EXIT_REASONS)
		v->exits[reason]++;
	v->snap.rip = vmread(GUEST_RIP);
	v->snap.rsp = vmread(GUEST_RSP);
	v->snap.rflags = vmread(GUEST_RFLAGS);
	v->snap.cr0 = vmread(CR0_SHADOW);
	v->snap.cr3 = vmread(GUEST_CR3);
	v->snap.cr4 = vmread(CR4_SHADOW);
	if (hv_loglevel >= LOG_VERBOSE)
		hv_log(LOG_VERBOSE, "vcpu %u exit %s qual %llx rip %llx\n", v->id,
		       exit_reason_name(reason), (unsigned long long)vmread(EXIT_QUALIFICATION),
		       (unsigned long long)v->snap.rip);
	if (reason != EXIT_INIT && reason != EXIT_SIPI)
		v->sipi_fresh = false;
	shell_poll();
	if (v->vm->type == VM_SERVICE && v->id && vlapic_check_init(v))
		return 0;
	switch (reason) {
	case EXIT_CPUID:
		return handle_cpuid(v);
	case EXIT_RDMSR:
		return handle_msr(v, false);
	case EXIT_WRMSR:
		return handle_msr(v, true);
	case EXIT_CR_ACCESS:
		return handle_cr(v);
	case EXIT_IO:
		return handle_io(v);
	case EXIT_XSETBV:
		return handle_xsetbv(v);
	case EXIT_VMCALL:
		return handle_vmcall(v);
	case EXIT_EPT_VIOLATION:
		return handle_ept_violation(v);
	case EXIT_INIT:
		return handle_init(v);
	case EXIT_SIPI:
		return handle_sipi(v);
	case EXIT_EXT_INTR:
		return 0;
	case EXIT_PREEMPT_TIMER: /* only there to poll the shell and see INITs */
		return 0;
	case EXIT_INVD:
	case EXIT_WBINVD:
		skip_instruction();
		return 0;
	case 11:	/* GETSEC */
	case 19 ... 27: /* VMX instructions */
	case 50:
	case 53:
		vcpu_inject_exception(v, 6, false, 0);
		return 0;
	case EXIT_TRIPLE_FAULT:
		hv_printf("ACRN-HV: vcpu %u triple fault at rip=%llx\n", v->id,
			  (unsigned long long)vmread(GUEST_RIP));
		if (v->vm->type == VM_SERVICE) {
			print_exit_stats(v->vm);
			service_vm_reset(v);
		}
		return dump_and_stop(v, reason);
	case EXIT_EPT_MISCONFIG:
		hv_printf("ACRN-HV: PANIC: EPT misconfiguration at gpa %llx\n",
			  (unsigned long long)vmread(GUEST_PHYS_ADDR));
		return dump_and_stop(v, reason);
	default:
		return dump_and_stop(v, reason);
	}
}
