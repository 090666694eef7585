/* SPDX-License-Identifier: BSD-3-Clause */
/* Virtual CPUs: guest register state, architectural start states, event injection, the run loop. */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include "lib.h"
#include "vmx.h"
#include "x86.h"

/* General-purpose registers in the VMX exit-qualification order. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

struct vm;

struct vcpu {
	u32 id;
	u32 pcpu;
	u16 vpid; /* 0: VPID not used */
	struct vm *vm;
	struct guest_regs regs;
	bool launched;
	bool running;
	bool sipi_fresh; /* started by SIPI, no exit since */
	/* emulated INIT/STARTUP (vlapic.c) */
	bool start_req; /* STARTUP received, vector in sipi_vector */
	bool init_req;	/* INIT received while running */
	bool init_seen; /* INIT received while waiting: STARTUP may start it */
	bool started;	/* running guest code since its last STARTUP */
	bool given_up;	/* SERVICE_VM_OFFLINE_CPU: its pCPU is no longer the Service VM's */
	u32 sipi_vector;
	u32 icr_hi;
	u8 *vmcs;
	u64 exits_total;
	u64 exits[NR_EXIT_REASONS];
	volatile bool nmi_pending; /* an NMI for the guest, from an exit or from the host */
	u32 gp_injected;	   /* #GPs for bad memory accesses (rate-limits the warning) */
	/* emulated IA32_TSC_ADJUST and the VMCS TSC offset that implements it */
	u64 tsc_adjust;
	u64 tsc_offset;
	/* a User VM vCPU on a given-up pCPU (uvm_vcpu.c) */
	volatile u32 uvm_req;	/* UVM_REQ_*: what the Service VM asked for */
	volatile u32 uvm_state; /* UVM_ST_*: where the pCPU is with it */
	volatile u32 uvm_kick;	/* bumped by hypercalls: the vCPU looks at uvm_req again */
	const char *dead_why;	/* UVM_ST_DEAD: why */
	bool wait_sipi;		/* a User VM AP between INIT and STARTUP (uvm_vcpu.c) */
	u64 ioreqs;		/* I/O requests posted */
	/* guest state at the last exit, for the debug shell */
	struct {
		u64 rip, rsp, rflags, cr0, cr3, cr4;
	} snap;
};

/* Load the VMCS of @v on this pCPU and fill in controls and host state. */
int vcpu_setup_vmcs(struct vcpu *v);
/* VMCLEAR @v's VMCS (on the pCPU that ran it) and free it. */
void vcpu_release_vmcs(struct vcpu *v);
/* One segment register of the current VMCS (@sel_f: its GUEST_*_SEL field). */
void vcpu_set_segment(u32 sel_f, u16 sel, u64 base, u32 limit, u32 ar);
void vcpu_set_linux_state(struct vcpu *v, u64 entry, u64 boot_params);
void vcpu_set_realmode_state(struct vcpu *v, u16 cs, u16 ip);
void vcpu_set_long_mode_state(struct vcpu *v, u64 rip, u64 rsp);
void vcpu_set_wait_for_sipi(struct vcpu *v);
void vcpu_inject_exception(struct vcpu *v, u32 vector, bool has_err, u32 err);
static inline void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_inject_exception(v, X86_VEC_GP, true, 0);
}
static inline void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_inject_exception(v, X86_VEC_UD, false, 0);
}
/* Deliver an NMI to @v as soon as the guest can take one. */
void vcpu_queue_nmi(struct vcpu *v);
/* Advance the guest RIP past the instruction that exited. */
void vcpu_skip_instruction(struct vcpu *v);
/* One VM entry and its exit's handling: 0 to go on, > 0 stop asked, < 0 failure. */
int vcpu_run_once(struct vcpu *v);
/* Run until an exit handler asks to stop (0) or something fails (< 0). */
int vcpu_run_loop(struct vcpu *v);
/* After vcpu_run_loop() returned for good: report it and idle this pCPU. */
void vcpu_stopped(struct vcpu *v, int ret) __attribute__((noreturn));

/* VMLAUNCH/VMRESUME (vmx_asm.S): 0 after a VM exit, 1 if the entry failed. */
int vmx_enter(struct guest_regs *regs, int launched);
/* where VM exits land (HOST_RIP) */
extern char vmx_exit_entry[];

#endif
