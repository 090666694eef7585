/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ABI between the hypervisor and the Service VM (HSM, device model):
 * CPUID detection leaves, hypercall numbers and the hypercall parameter
 * structures.  Only fixed-width types, so that the freestanding hypervisor,
 * the Linux kernel module and user space can all include it; every
 * structure's size and field offsets are checked at compile time.  Values
 * and layouts follow upstream ACRN's ABI.
 */
#ifndef ACRN_ABI_H
#define ACRN_ABI_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#endif

#define ACRN_ABI_CHECK_SIZE(type, size)                                                            \
	_Static_assert(sizeof(type) == (size), #type " must be " #size " bytes")
#define ACRN_ABI_CHECK_OFFSET(type, field, off)                                                    \
	_Static_assert(__builtin_offsetof(type, field) == (off), #type "." #field " at " #off)

/* CPUID leaves of the hypervisor range. */
#define ACRN_CPUID_SIGNATURE 0x40000000U /* EAX: max leaf; EBX,ECX,EDX: signature */
#define ACRN_CPUID_FEATURES  0x40000001U /* EAX: guest capability bits */
#define ACRN_CPUID_TIMING    0x40000010U /* EAX: TSC frequency in kHz */
#define ACRN_CPUID_MAX_LEAF  ACRN_CPUID_TIMING
/*
 * This project's, beyond ACRN's maximum leaf, for the Service VM only:
 * EAX free hypervisor pages, EBX pool size, ECX free VPIDs, EDX VMs in the
 * table (leak checks of the tests); zero for every other VM.
 */
#define ACRN_CPUID_HV_COUNTERS	   0x40000020U
#define ACRN_SIGNATURE		   "ACRNACRNACRN"
#define ACRN_SIGNATURE_REG	   0x4e524341U /* "ACRN" as one little-endian register */
#define ACRN_FEATURE_PRIVILEGED_VM (1U << 0)

/* Hypercall API version reported by GET_API_VERSION. */
#define ACRN_API_MAJOR 1U
#define ACRN_API_MINOR 0U

/*
 * Hypercalls: `vmcall` at CPL 0, id in R8, parameters in RDI and RSI,
 * signed result in RAX (0 or -errno).  An id is ACRN_HC_BASE | index.
 */
#define ACRN_HC_BASE		       0x80000000U
#define ACRN_HC_ID(index)	       (ACRN_HC_BASE | (index))
#define ACRN_HC_GET_API_VERSION	       ACRN_HC_ID(0x00)
#define ACRN_HC_SERVICE_VM_OFFLINE_CPU ACRN_HC_ID(0x01)
#define ACRN_HC_SET_CALLBACK_VECTOR    ACRN_HC_ID(0x02)
#define ACRN_HC_CREATE_VM	       ACRN_HC_ID(0x10)
#define ACRN_HC_DESTROY_VM	       ACRN_HC_ID(0x11)
#define ACRN_HC_START_VM	       ACRN_HC_ID(0x12)
#define ACRN_HC_PAUSE_VM	       ACRN_HC_ID(0x13)
#define ACRN_HC_RESET_VM	       ACRN_HC_ID(0x15)
#define ACRN_HC_SET_VCPU_REGS	       ACRN_HC_ID(0x16)
#define ACRN_HC_INJECT_MSI	       ACRN_HC_ID(0x23)
#define ACRN_HC_SET_IRQLINE	       ACRN_HC_ID(0x25)
#define ACRN_HC_SET_IOREQ_BUFFER       ACRN_HC_ID(0x30)
#define ACRN_HC_NOTIFY_REQUEST_FINISH  ACRN_HC_ID(0x31)
#define ACRN_HC_VM_SET_MEMORY_REGIONS  ACRN_HC_ID(0x42)

/* HSM (hsm/): the two VM hypercalls its ioctls also reach, and the
 * operations of a VM_SET_MEMORY_REGIONS entry. */
#define ACRN_HC_VM_INTR_MONITOR	 ACRN_HC_ID(0x24)
#define ACRN_HC_PM_GET_CPU_STATE ACRN_HC_ID(0x80)
#define ACRN_MEM_REGION_ADD	 0U
#define ACRN_MEM_REGION_DEL	 2U

/* VM ids as the Service VM sees them (relative to its own); 0xffff: none */
#define ACRN_INVALID_VMID    0xffffU
#define ACRN_MAX_VM_NAME_LEN 16

/* acrn_vm_creation.vm_flag: the bits the device model may set */
#define ACRN_GUEST_FLAG_SECURE_WORLD	      (1ULL << 0)
#define ACRN_GUEST_FLAG_LAPIC_PASSTHROUGH     (1ULL << 1)
#define ACRN_GUEST_FLAG_IO_COMPLETION_POLLING (1ULL << 2)
#define ACRN_GUEST_FLAG_RT		      (1ULL << 4)

/*
 * Hypercall parameter structures.  Their layouts are those of upstream
 * ACRN's hypervisor and of <linux/acrn.h> (tests/test-abi compares them);
 * the names carry an acrn_hc_ prefix so that a kernel module can include
 * this header next to <linux/acrn.h>, whose acrn_* names they would clash
 * with.
 */

/* CREATE_VM's parameter (in and out) */
struct acrn_hc_vm_creation {
	uint16_t vmid;			    /* out: the new VM, ACRN_INVALID_VMID on failure */
	uint16_t reserved0;		    /* must be 0 */
	uint16_t vcpu_num;		    /* out */
	uint16_t reserved1;		    /* must be 0 */
	uint8_t name[ACRN_MAX_VM_NAME_LEN]; /* NUL-terminated */
	uint64_t vm_flag;
	uint64_t ioreq_buf;    /* the HSM's; ignored by the hypervisor */
	uint64_t cpu_affinity; /* bit n: a vCPU on pCPU n; 0: one vCPU */
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_vm_creation, 48);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vm_creation, vcpu_num, 4);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vm_creation, name, 8);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vm_creation, vm_flag, 24);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vm_creation, ioreq_buf, 32);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vm_creation, cpu_affinity, 40);

/* ---- User VM hypercalls (hypervisor II): parameters and constants ---- */
#define ACRN_HC_CREATE_VCPU ACRN_HC_ID(0x14) /* obsolete in ACRN */
#define ACRN_HC_VM_GPA2HPA  ACRN_HC_ID(0x41)

/* SET_VCPU_REGS: a descriptor-table register (GDTR/IDTR), 16 bytes packed */
struct acrn_hc_desc_ptr {
	uint16_t limit;
	uint64_t base;
	uint16_t reserved[3]; /* must be 0 */
} __attribute__((packed));
ACRN_ABI_CHECK_SIZE(struct acrn_hc_desc_ptr, 16);

/* A vCPU's start state; GPRs in the VMX exit-qualification order */
struct acrn_hc_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	struct acrn_hc_desc_ptr gdt;
	struct acrn_hc_desc_ptr idt;
	uint64_t rip;
	uint64_t cs_base;
	uint64_t cr0;
	uint64_t cr4;
	uint64_t cr3;
	uint64_t ia32_efer;
	uint64_t rflags;
	uint64_t reserved_64[4]; /* must be 0 */
	uint32_t cs_ar;
	uint32_t cs_limit;
	uint32_t reserved_32[3]; /* must be 0 */
	uint16_t cs_sel, ss_sel, ds_sel, es_sel, fs_sel, gs_sel, ldt_sel, tr_sel;
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_regs, 288);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, gdt, 128);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, idt, 144);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, rip, 160);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, cr0, 176);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, ia32_efer, 200);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, reserved_64, 216);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, cs_ar, 248);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, reserved_32, 256);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, cs_sel, 268);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_regs, tr_sel, 282);

/* SET_VCPU_REGS (RSI) */
struct acrn_hc_vcpu_regs {
	uint16_t vcpu_id;
	uint16_t reserved[3]; /* must be 0 */
	struct acrn_hc_regs regs;
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_vcpu_regs, 296);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_vcpu_regs, regs, 8);

/* VM_SET_MEMORY_REGIONS: attributes of a region */
#define ACRN_HC_MEM_ACCESS_READ	 0x1U
#define ACRN_HC_MEM_ACCESS_WRITE 0x2U
#define ACRN_HC_MEM_ACCESS_EXEC	 0x4U
#define ACRN_HC_MEM_ACCESS_RWX	 0x7U
#define ACRN_HC_MEM_TYPE_WB	 0x040U
#define ACRN_HC_MEM_TYPE_WT	 0x080U
#define ACRN_HC_MEM_TYPE_UC	 0x100U
#define ACRN_HC_MEM_TYPE_WC	 0x200U
#define ACRN_HC_MEM_TYPE_WP	 0x400U
#define ACRN_HC_MEM_TYPE_MASK	 0x7c0U

/* One region: Service VM physical range -> User VM physical range */
struct acrn_hc_mem_region {
	uint32_t type; /* ACRN_MEM_REGION_ADD or ACRN_MEM_REGION_DEL */
	uint32_t attr; /* ACRN_HC_MEM_ACCESS_* | one ACRN_HC_MEM_TYPE_* (none: UC) */
	uint64_t user_vm_pa;
	uint64_t service_vm_pa;
	uint64_t size; /* a multiple of 4 KiB */
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_mem_region, 32);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_mem_region, user_vm_pa, 8);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_mem_region, size, 24);

/* VM_SET_MEMORY_REGIONS (RDI): the batch; the VM id is inside */
struct acrn_hc_mem_regions {
	uint16_t vmid;
	uint16_t reserved0[3]; /* must be 0 */
	uint32_t regions_num;
	uint32_t reserved1;   /* must be 0 */
	uint64_t regions_gpa; /* Service VM GPA of regions_num acrn_hc_mem_region */
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_mem_regions, 24);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_mem_regions, regions_num, 8);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_mem_regions, regions_gpa, 16);

/* INJECT_MSI (RSI) */
struct acrn_hc_msi_entry {
	uint64_t msi_addr; /* 0xFEExxxxx: [19:12] destination APIC ID */
	uint64_t msi_data; /* [7:0] vector, [10:8] delivery mode */
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_msi_entry, 16);

/* VM_GPA2HPA (RSI, in and out) */
struct acrn_hc_gpa2hpa {
	uint64_t gpa; /* in: User VM physical address */
	uint64_t hpa; /* out */
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_gpa2hpa, 16);

/* SET_IRQLINE (RSI, a value): GSI in bits 31:0, operation in bits 63:32 */
#define ACRN_HC_IRQLINE(gsi, op) (((uint64_t)(op) << 32) | (uint32_t)(gsi))
#define ACRN_HC_IRQ_ASSERT	 0U
#define ACRN_HC_IRQ_DEASSERT	 1U
#define ACRN_HC_IRQ_PULSE_RAISE	 2U
#define ACRN_HC_IRQ_PULSE_FALL	 3U
#define ACRN_HC_USER_VM_GSIS	 48U /* vIOAPIC pins of a User VM */

/* PM_GET_CPU_STATE (RDI): [31:24] VM, [23:16] vCPU, [15:8] index, [7:0] type */
#define ACRN_HC_PMCMD_PX_CNT  0U
#define ACRN_HC_PMCMD_PX_DATA 1U
#define ACRN_HC_PMCMD_CX_CNT  2U
#define ACRN_HC_PMCMD_CX_DATA 3U

/*
 * The notification device: a PCI function the hypervisor shows the Service
 * VM on bus 0 (config space only: class "other system peripheral", one MSI
 * vector, no BARs).  The hypervisor raises its MSI when it posts an I/O
 * request; the HSM binds to it as a PCI driver.  The vendor id is a
 * placeholder of this project (not assigned by the PCI-SIG).
 */
#define ACRN_NOTIFY_PCI_VENDOR 0xaca0U
#define ACRN_NOTIFY_PCI_DEVICE 0x0001U
#define ACRN_NOTIFY_PCI_CLASS  0x088000U /* base 0x08, sub-class 0x80, prog-if 0 */

/* The I/O request page (SET_IOREQ_BUFFER): 16 slots of 256 bytes, slot = vCPU id */
#define ACRN_HC_IOREQ_SLOTS	       16U
#define ACRN_HC_IOREQ_STATE_PENDING    0U
#define ACRN_HC_IOREQ_STATE_COMPLETE   1U
#define ACRN_HC_IOREQ_STATE_PROCESSING 2U
#define ACRN_HC_IOREQ_STATE_FREE       3U
#define ACRN_HC_IOREQ_TYPE_PORTIO      0U
#define ACRN_HC_IOREQ_TYPE_MMIO	       1U
#define ACRN_HC_IOREQ_TYPE_PCICFG      2U
#define ACRN_HC_IOREQ_DIR_READ	       0U
#define ACRN_HC_IOREQ_DIR_WRITE	       1U

struct acrn_hc_pio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address; /* port */
	uint64_t size;	  /* 1, 2, 4 */
	uint32_t value;
	uint32_t pad;
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_pio_request, 32);

struct acrn_hc_mmio_request {
	uint32_t direction;
	uint32_t reserved;
	uint64_t address; /* User VM physical address */
	uint64_t size;	  /* 1, 2, 4, 8 */
	uint64_t value;
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_mmio_request, 32);

/*
 * Our extension, in a word upstream keeps reserved (and zero): the
 * hypervisor's own S5 write for a VM one of whose vCPUs died (triple
 * fault, failed entry, unhandled exit) carries this flag, so that a device
 * model can report a crash rather than a poweroff.  Upstream ACRN posts
 * the same S5 write without it; a device model that ignores the word
 * powers the VM off, as with upstream.
 */
#define ACRN_HC_IOREQ_FLAG_FATAL (1U << 0)

struct acrn_hc_io_request {
	uint32_t type;
	uint32_t completion_polling;
	uint32_t hv_flags; /* ACRN_HC_IOREQ_FLAG_*; upstream's reserved0[0] */
	uint32_t reserved0[13];
	union {
		struct acrn_hc_pio_request pio;
		struct acrn_hc_mmio_request mmio;
		uint64_t data[8];
	} reqs;
	uint32_t reserved1;
	uint32_t kernel_handled;
	uint32_t processed; /* ACRN_HC_IOREQ_STATE_* */
	uint32_t reserved2[29];
};
ACRN_ABI_CHECK_SIZE(struct acrn_hc_io_request, 256);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_io_request, hv_flags, 8);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_io_request, reqs, 64);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_io_request, kernel_handled, 132);
ACRN_ABI_CHECK_OFFSET(struct acrn_hc_io_request, processed, 136);

#endif /* ACRN_ABI_H */
