/* SPDX-License-Identifier: BSD-3-Clause */
/* Hypervisor-wide types: physical CPUs, VMs, vCPUs, and the arch contract. */
#ifndef HV_HV_H
#define HV_HV_H

#include "lib.h"
#include "log.h"
#include "x86.h"
#include "acpi.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "pgtable.h"

#define HV_VERSION	"0.1"
#define MAX_PCPUS	8
#define HV_STACK_SIZE	KiB(16)
#define NR_EXIT_REASONS 70

/* Guest low-memory layout used by the Linux loader (all below the EBDA). */
#define GUEST_SELFTEST_CODE 0x7000ULL
#define AP_TRAMPOLINE_ADDR  0x8000ULL
#define GUEST_BOOT_PARAMS   0x90000ULL
#define GUEST_CMDLINE	    0x91000ULL
#define GUEST_GDT	    0x92000ULL
#define GUEST_PML4	    0x93000ULL /* + PDPT + 4 PDs: identity map of 4 GiB */
#define GUEST_LOWMEM_END    0x99000ULL

/* General-purpose registers in the VMX exit-qualification order. */
struct guest_regs {
	u64 rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Prints RAX..R15 (rsp_unused is not printed) on the console. */
void print_gprs(const struct guest_regs *r);

struct vm;

struct vcpu {
	u32 id;
	u32 pcpu;
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
	u32 sipi_vector;
	u32 icr_hi;
	u8 *vmcs;
	u64 exits_total;
	u64 exits[NR_EXIT_REASONS];
	/* last values seen by the selftest guests' exit handlers */
	u64 last_io_value;
	u32 last_io_port;
	u64 last_vmcall;
	u32 gp_injected;
	/* guest state at the last exit, for the debug shell */
	struct {
		u64 rip, rsp, rflags, cr0, cr3, cr4;
	} snap;
};

enum vm_type { VM_SERVICE, VM_SELFTEST };

struct vm {
	const char *name;
	enum vm_type type;
	u32 nr_vcpus;
	struct vcpu vcpu[MAX_PCPUS];
	struct pgtable ept;
	u64 eptp;
	u8 *io_bitmap;	/* 8 KiB: ports 0-0xffff */
	u8 *msr_bitmap; /* 4 KiB */
	bool privileged;
	bool done;	 /* selftest guest finished */
	u64 misc_enable; /* emulated IA32_MISC_ENABLE */
};

struct pcpu {
	struct pcpu *self; /* %gs:0 */
	u32 idx;
	u32 apic_id;
	u64 stack_top;
	struct vcpu *vcpu;
	volatile bool online;
	volatile bool vmx_on;
	volatile bool launched;
	u8 *vmxon_region;
};

struct hv_state {
	struct hv_options opt;
	struct boot_info boot;
	struct acpi_info acpi;
	bool have_acpi;
	u64 hv_start, hv_end; /* reserved physical range, end exclusive */
	struct e820_map sos_e820;
	struct pgtable host_pt; /* the hypervisor's own identity map */
	u32 nr_pcpus;
	struct pcpu pcpu[MAX_PCPUS];
	struct vm sos;
	u64 tsc_khz;
};

extern struct hv_state hv;
extern char _hv_start[], _hv_end[];

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* cpu.c */
void cpu_init_tables(u32 idx);
void cpu_set_percpu(struct pcpu *p);
void *alloc_page(void *ctx);
u64 tsc_khz_detect(void);
u32 cpu_apic_id(void);
void udelay(u32 us);
extern u64 hv_gdt[];

/* vmx.c */
int vmx_check_caps(char *why, size_t why_size);
int vmx_on(struct pcpu *p);
void vmx_off(void);
int vmx_build_ept(struct vm *vm, bool hide_hv);
void vm_setup_io_policy(struct vm *vm);
void vmx_enable_preemption_timer(u32 us);
int vcpu_setup_vmcs(struct vcpu *v);
void vcpu_set_linux_state(struct vcpu *v, u64 entry, u64 boot_params);
void vcpu_set_realmode_state(struct vcpu *v, u16 cs, u16 ip);
void vcpu_set_long_mode_state(struct vcpu *v, u64 rip, u64 rsp);
void vcpu_set_wait_for_sipi(struct vcpu *v);
int vcpu_run_loop(struct vcpu *v);
u64 vmread(u64 field);
void vmwrite(u64 field, u64 value);
void vcpu_inject_exception(struct vcpu *v, u32 vector, bool has_err, u32 err);
void vm_init(struct vm *vm, const char *name, enum vm_type type, u32 nr_vcpus);

/* vmexit.c */
int vmexit_handle(struct vcpu *v);
const char *exit_reason_name(u32 reason);
void print_exit_stats(const struct vm *vm);

/* hypercall.c */
s64 hypercall_dispatch(struct vcpu *v, u64 id, u64 p1, u64 p2);
int copy_to_gpa(struct vm *vm, u64 gpa, const void *src, u64 len);
int copy_from_gpa(struct vm *vm, void *dst, u64 gpa, u64 len);

/* vlapic.c */
u64 lapic_base(void);
int vlapic_write_exit(struct vcpu *v, u64 gpa);
void vlapic_wait_for_startup(struct vcpu *v);
bool vlapic_check_init(struct vcpu *v);
int vlapic_x2apic_icr_write(struct vcpu *v, u64 val);

/* power.c */
void platform_poweroff(void) __attribute__((noreturn));
void platform_reset(void) __attribute__((noreturn));
bool pm1a_write_is_s5(u32 value);

/* smp.c */
int smp_start_aps(void);
void ap_main(u32 idx);

/* loader (main.c) */
int sos_prepare(u64 *entry);
void native_jump(u64 entry, u64 boot_params, u64 cr3, u64 gdt_desc) __attribute__((noreturn));

/* selftest.c */
void selftest_run(void) __attribute__((noreturn));

/* shell (debug/ or release/) */
void shell_init(void);
void shell_poll(void);
bool shell_enabled(void);

/* asm */
int vmx_enter(struct guest_regs *regs, int launched);
extern char ap_trampoline_start[], ap_trampoline_end[];
extern char guest_rm_start[], guest_rm_end[];
extern char guest_lm_start[], guest_lm_end[];

#endif
