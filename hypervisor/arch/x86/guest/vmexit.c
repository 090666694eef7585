// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM-exit dispatch: a table from exit reason to handler.  Every exit is
 * counted per vCPU and per reason before it is handled; the counters are
 * printed at Service VM S5 and by the debug shell.
 */
#include "hv.h"
#include "vmexit.h"
#include "cpuid.h"
#include "cr.h"
#include "hypercall.h"
#include "io_emul.h"
#include "msr.h"
#include "shell.h"
#include "vlapic.h"
#include "vm.h"
#include "vmx.h"
#include "power.h"
#include "uvm_vcpu.h"

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

#define SS_AR_DPL(ar) (((ar) >> 5) & 3)

int vmexit_hypercall(struct vcpu *v)
{
	if (!(v->vm->flags & VM_FLAG_HYPERCALLS)) { /* as ACRN: VMCALL is undefined there */
		vcpu_inject_ud(v);
		return 0;
	}
	if (SS_AR_DPL((u32)vmread(GUEST_SS_AR))) { /* CPL != 0 */
		vcpu_inject_gp(v);
		return 0;
	}
	v->regs.rax = (u64)hypercall_dispatch(v, v->regs.r8, v->regs.rdi, v->regs.rsi);
	vcpu_skip_instruction(v);
	return 0;
}

/* The VM's VMCALL handler: vmexit_hypercall, or a test guest's own. */
static int handle_vmcall(struct vcpu *v)
{
	return v->vm->vmcall(v);
}

static int handle_ept_violation(struct vcpu *v)
{
	u64 gpa = vmread(GUEST_PHYS_ADDR), q = vmread(EXIT_QUALIFICATION);
	bool hv_mem = hv_range_overlaps(gpa, 1);
	int ret;

	ret = io_emul_mmio_exit(v, gpa, q);
	if (ret != -HV_ENOENT)
		return ret;
	/* a User VM's access outside its RAM: an MMIO request to its device model */
	if (v->vm->type == VM_USER)
		return io_emul_mmio_request(v, gpa, q, uvm_mmio_request);
	/* a guest looping on a bad access must not flood the console */
	if (v->gp_injected < 16 || !(v->gp_injected & 1023))
		pr_warn("EPT violation vcpu=%u gpa=%llx rip=%llx %s%s%s%s: injecting #GP\n", v->id,
			(unsigned long long)gpa, (unsigned long long)vmread(GUEST_RIP),
			(q & EPT_QUAL_READ) ? "read" : "", (q & EPT_QUAL_WRITE) ? "write" : "",
			(q & EPT_QUAL_FETCH) ? "fetch" : "", hv_mem ? " (hypervisor memory)" : "");
	v->gp_injected++;
	vcpu_inject_gp(v);
	return 0;
}

static int handle_init(struct vcpu *v)
{
	/* Bochs reports "blocking by SMI" after an INIT exit; outside SMM it is invalid */
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~GUEST_INTR_BLOCK_SMI);
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

static int handle_triple_fault(struct vcpu *v)
{
	hv_printf("ACRN-HV: vcpu %u triple fault at rip=%llx\n", v->id,
		  (unsigned long long)vmread(GUEST_RIP));
	if (!is_service_vm(v->vm))
		uvm_vcpu_dead(v, "triple fault");
	if (is_service_vm(v->vm)) {
		/* what the platform would do natively */
		print_exit_stats(v->vm);
		hv_printf("ACRN-HV: platform reset\n");
		platform_reset();
	}
	return dump_and_stop(v, EXIT_TRIPLE_FAULT);
}

static int handle_ept_misconfig(struct vcpu *v)
{
	hv_printf("ACRN-HV: PANIC: EPT misconfiguration at gpa %llx\n",
		  (unsigned long long)vmread(GUEST_PHYS_ADDR));
	return dump_and_stop(v, EXIT_EPT_MISCONFIG);
}

/*
 * With NMI exiting, an NMI that arrives while the guest runs exits here and
 * is handed to the guest.  No exception is intercepted (the exception
 * bitmap is 0); one that exits anyway is given back to the guest.
 */
static int handle_exception_nmi(struct vcpu *v)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);

	if (!(info & INTR_INFO_VALID))
		return 0;
	if (INTR_INFO_TYPE(info) == INTR_TYPE_NMI) {
		/* a User VM's pCPU is the hypervisor's: its NMIs are kicks, and
		 * the next kick must wake it if it parks (nmi_unblock()) */
		if (!this_pcpu()->hosting)
			vcpu_queue_nmi(v);
		else
			nmi_unblock();
		return 0;
	}
	vcpu_inject_exception(v, INTR_INFO_VECTOR(info), info & INTR_ERR_VALID,
			      (u32)vmread(EXIT_INTR_ERROR));
	return 0;
}

/* VMX cannot switch tasks for a guest: the attempt faults as an invalid TSS would. */
static int handle_task_switch(struct vcpu *v)
{
	pr_warn("vcpu %u of %s: task switch (qual %llx) at rip %llx: injecting #GP\n", v->id,
		v->vm->name, (unsigned long long)vmread(EXIT_QUALIFICATION),
		(unsigned long long)vmread(GUEST_RIP));
	vcpu_inject_gp(v);
	return 0;
}

static int handle_nothing(struct vcpu *v)
{
	(void)v;
	return 0;
}

/* Only User VMs exit on external interrupts (acknowledged on exit) and HLT. */
static int handle_ext_intr(struct vcpu *v)
{
	return v->vm->type == VM_USER ? uvm_handle_ext_intr(v) : 0;
}

static int handle_hlt(struct vcpu *v)
{
	if (v->vm->type == VM_USER)
		return uvm_handle_hlt(v);
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_skip(struct vcpu *v)
{
	vcpu_skip_instruction(v);
	return 0;
}

static int handle_ud(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return 0;
}

/* Exits caused by an instruction (the others are events or entry failures). */
static bool instruction_exit(u32 reason)
{
	static const u64 not_insn =
	    (1ULL << EXIT_EXCEPTION) | (1ULL << EXIT_EXT_INTR) | (1ULL << EXIT_TRIPLE_FAULT) |
	    (1ULL << EXIT_INIT) | (1ULL << EXIT_SIPI) | (1ULL << 5) | (1ULL << 6) |
	    (1ULL << EXIT_INTR_WINDOW) | (1ULL << EXIT_NMI_WINDOW) | (1ULL << EXIT_TASK_SWITCH) |
	    (0x7ULL << EXIT_ENTRY_FAIL_GUEST) | (1ULL << 37) | (1ULL << 41) | (0x7ULL << 43) |
	    (1ULL << EXIT_EPT_VIOLATION) | (1ULL << EXIT_EPT_MISCONFIG) |
	    (1ULL << EXIT_PREEMPT_TIMER) | (1ULL << 56) | (1ULL << 62);

	return reason < 64 ? !(not_insn & (1ULL << reason)) : reason < NR_EXIT_REASONS;
}

/*
 * An exit nothing handles: an instruction the hypervisor does not emulate
 * is undefined for the guest (#UD); any other event stops this vCPU only.
 */
static int handle_unknown(struct vcpu *v, u32 reason)
{
	if (!instruction_exit(reason))
		return dump_and_stop(v, reason);
	if (v->gp_injected < 16 || !(v->gp_injected & 1023))
		pr_warn("vcpu %u of %s: unhandled exit %s (%u) at rip %llx: injecting #UD\n", v->id,
			v->vm->name, exit_reason_name(reason), reason,
			(unsigned long long)vmread(GUEST_RIP));
	v->gp_injected++;
	vcpu_inject_ud(v);
	return 0;
}

typedef int (*exit_handler)(struct vcpu *v);

static const exit_handler handlers[NR_EXIT_REASONS] = {
    [EXIT_CPUID] = vmexit_cpuid,
    [EXIT_RDMSR] = vmexit_rdmsr,
    [EXIT_WRMSR] = vmexit_wrmsr,
    [EXIT_CR_ACCESS] = vmexit_cr_access,
    [EXIT_IO] = io_emul_pio_exit,
    [EXIT_XSETBV] = vmexit_xsetbv,
    [EXIT_VMCALL] = handle_vmcall,
    [EXIT_EPT_VIOLATION] = handle_ept_violation,
    [EXIT_INIT] = handle_init,
    [EXIT_SIPI] = handle_sipi,
    [EXIT_EXCEPTION] = handle_exception_nmi,
    [EXIT_EXT_INTR] = handle_ext_intr,
    [EXIT_HLT] = handle_hlt,
    /* the pending NMI goes in with the next entry (vcpu.c) */
    [EXIT_NMI_WINDOW] = handle_nothing,
    /* a User VM's interrupt: vcpu_inject_pending_interrupt() before the next entry */
    [EXIT_INTR_WINDOW] = handle_nothing,
    /* only there to poll the shell and see INITs */
    [EXIT_PREEMPT_TIMER] = handle_nothing,
    [EXIT_INVD] = handle_skip,
    [EXIT_WBINVD] = handle_skip,
    /* GETSEC and the VMX instructions: no SMX, no nested VMX */
    [EXIT_GETSEC] = handle_ud,
    [EXIT_VMCLEAR... EXIT_VMXON] = handle_ud,
    [EXIT_INVEPT] = handle_ud,
    [EXIT_INVVPID] = handle_ud,
    [EXIT_TASK_SWITCH] = handle_task_switch,
    [EXIT_TRIPLE_FAULT] = handle_triple_fault,
    [EXIT_EPT_MISCONFIG] = handle_ept_misconfig,
};

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
	if ((v->vm->flags & VM_FLAG_LAPIC_PASSTHROUGH) && v->id && vlapic_check_init(v))
		return 0;
	if (reason < NR_EXIT_REASONS && handlers[reason])
		return handlers[reason](v);
	return handle_unknown(v, reason);
}
