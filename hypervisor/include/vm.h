/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM table: every VM the hypervisor runs (the Service VM, User VMs,
 * pre-launched VMs such as the selftest guest) with its memory map, EPT,
 * vCPUs and I/O handler tables.
 */
#ifndef HV_VM_H
#define HV_VM_H

#include "lib.h"
#include "e820.h"
#include "pgtable.h"
#include "vcpu.h"
#include "io_emul.h"
#include "acrn_abi.h"

#define MAX_VMS		 4
#define MAX_VCPUS_PER_VM 8
#define VM_NAME_MAX	 32
#define MTRR_NR_FIXED	 11
#define MTRR_MAX_VAR	 16

enum vm_type { VM_SERVICE, VM_USER, VM_PRELAUNCHED };
enum vm_state { VM_POWERED_OFF, VM_CREATED, VM_RUNNING, VM_PAUSED };

/* CPUID 0x40000001 says "privileged" */
#define VM_FLAG_PRIVILEGED (1U << 0)
/* may use the hypercall ABI */
#define VM_FLAG_HYPERCALLS (1U << 1)
/* owns its pCPUs' local APICs (reads pass through, writes are replayed) */
#define VM_FLAG_LAPIC_PASSTHROUGH (1U << 2)

struct virq;

struct vm_config {
	enum vm_type type;
	const char *name;
	u32 nr_vcpus;
	u32 flags;
	const struct e820_map *mmap; /* guest-physical memory map; NULL: none yet */
	bool identity_ept;	     /* EPT = the platform minus the hypervisor; else empty */
	u64 guest_flags;	     /* ACRN_GUEST_FLAG_* */
};

struct vm {
	u16 id;
	bool used;
	enum vm_type type;
	bool isolated; /* see vm_is_isolated() */
	enum vm_state state;
	char name[VM_NAME_MAX];
	u32 flags;
	u64 guest_flags;
	struct e820_map mmap;
	struct pgtable ept;
	u64 eptp;
	u32 nr_vcpus;
	struct vcpu vcpu[MAX_VCPUS_PER_VM];
	u8 *io_bitmap[2]; /* ports 0-0x7fff, 0x8000-0xffff */
	u8 *msr_bitmap;
	struct io_table pio, mmio;
	io_handler_fn
	    pio_default; /* a trapped port no range owns; NULL: reads ~0, writes dropped */
	int (*vmcall)(struct vcpu *v);
	u64 misc_enable; /* emulated IA32_MISC_ENABLE */
	/* User VMs (common/hc_user_vm.c) */
	struct acrn_hc_io_request *ioreq_page; /* in Service VM RAM; NULL: not set yet */
	struct virq *virq;		       /* User VMs: vLAPICs, vIOAPIC, vPIC (virq_io.h) */
	u32 boot_regs_set;		       /* bit i: boot_regs[i] came from SET_VCPU_REGS */
	struct acrn_hc_regs boot_regs[MAX_VCPUS_PER_VM];
	/* emulated MTRRs: the guest's view; the hardware's stay the hypervisor's */
	struct {
		bool present;
		u32 vcnt; /* variable ranges */
		u64 def_type;
		u64 fixed[MTRR_NR_FIXED];
		u64 var[2 * MTRR_MAX_VAR];
	} mtrr;
};

/* Take a free slot of the VM table and build the VM; unwinds on error. */
int vm_create(const struct vm_config *cfg, struct vm **ret_vm);
/* Free everything vm_create() took; the slot becomes free. */
void vm_destroy(struct vm *vm);
/* VMs in the table. */
u32 vm_count(void);
/* The VM in slot @id, or NULL if the slot is free. */
struct vm *vm_get(u16 id);

static inline bool is_service_vm(const struct vm *vm)
{
	return vm->type == VM_SERVICE;
}

/*
 * A VM with its own memory (an EPT of what it was given), its own pCPUs
 * and virtual interrupt controllers: User VMs and pre-launched VMs, not
 * the Service VM or the selftest's guest, which see the platform.
 */
static inline bool vm_is_isolated(const struct vm *vm)
{
	return vm->isolated;
}

#endif
