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
#define ACRN_CPUID_FEATURES 0x40000001U  /* EAX: guest capability bits */
#define ACRN_CPUID_TIMING 0x40000010U    /* EAX: TSC frequency in kHz */
#define ACRN_CPUID_MAX_LEAF ACRN_CPUID_TIMING
#define ACRN_SIGNATURE "ACRNACRNACRN"
#define ACRN_SIGNATURE_REG 0x4e524341U /* "ACRN" as one little-endian register */
#define ACRN_FEATURE_PRIVILEGED_VM (1U << 0)

/* Hypercall API version reported by GET_API_VERSION. */
#define ACRN_API_MAJOR 1U
#define ACRN_API_MINOR 0U

/*
 * Hypercalls: `vmcall` at CPL 0, id in R8, parameters in RDI and RSI,
 * signed result in RAX (0 or -errno).  An id is ACRN_HC_BASE | index.
 */
#define ACRN_HC_BASE 0x80000000U
#define ACRN_HC_ID(index) (ACRN_HC_BASE | (index))
#define ACRN_HC_GET_API_VERSION ACRN_HC_ID(0x00)
#define ACRN_HC_SERVICE_VM_OFFLINE_CPU ACRN_HC_ID(0x01)
#define ACRN_HC_SET_CALLBACK_VECTOR ACRN_HC_ID(0x02)
#define ACRN_HC_CREATE_VM ACRN_HC_ID(0x10)
#define ACRN_HC_DESTROY_VM ACRN_HC_ID(0x11)
#define ACRN_HC_START_VM ACRN_HC_ID(0x12)
#define ACRN_HC_PAUSE_VM ACRN_HC_ID(0x13)
#define ACRN_HC_RESET_VM ACRN_HC_ID(0x15)
#define ACRN_HC_SET_VCPU_REGS ACRN_HC_ID(0x16)
#define ACRN_HC_INJECT_MSI ACRN_HC_ID(0x23)
#define ACRN_HC_SET_IRQLINE ACRN_HC_ID(0x25)
#define ACRN_HC_SET_IOREQ_BUFFER ACRN_HC_ID(0x30)
#define ACRN_HC_NOTIFY_REQUEST_FINISH ACRN_HC_ID(0x31)
#define ACRN_HC_VM_SET_MEMORY_REGIONS ACRN_HC_ID(0x42)

/* HSM (hsm/): the two VM hypercalls its ioctls also reach, and the
 * operations of a VM_SET_MEMORY_REGIONS entry. */
#define ACRN_HC_VM_INTR_MONITOR ACRN_HC_ID(0x24)
#define ACRN_HC_PM_GET_CPU_STATE ACRN_HC_ID(0x80)
#define ACRN_MEM_REGION_ADD 0U
#define ACRN_MEM_REGION_DEL 2U

/* VM ids as the Service VM sees them (relative to its own); 0xffff: none */
#define ACRN_INVALID_VMID    0xffffU
#define ACRN_MAX_VM_NAME_LEN 16

/* acrn_vm_creation.vm_flag: the bits the device model may set */
#define ACRN_GUEST_FLAG_SECURE_WORLD	      (1ULL << 0)
#define ACRN_GUEST_FLAG_LAPIC_PASSTHROUGH     (1ULL << 1)
#define ACRN_GUEST_FLAG_IO_COMPLETION_POLLING (1ULL << 2)
#define ACRN_GUEST_FLAG_RT		      (1ULL << 4)

/* CREATE_VM's parameter (in and out) */
struct acrn_vm_creation {
	uint16_t vmid;			    /* out: the new VM, ACRN_INVALID_VMID on failure */
	uint16_t reserved0;		    /* must be 0 */
	uint16_t vcpu_num;		    /* out */
	uint16_t reserved1;		    /* must be 0 */
	uint8_t name[ACRN_MAX_VM_NAME_LEN]; /* NUL-terminated */
	uint64_t vm_flag;
	uint64_t ioreq_buf;    /* the HSM's; ignored by the hypervisor */
	uint64_t cpu_affinity; /* bit n: a vCPU on pCPU n; 0: one vCPU */
};
ACRN_ABI_CHECK_SIZE(struct acrn_vm_creation, 48);
ACRN_ABI_CHECK_OFFSET(struct acrn_vm_creation, vcpu_num, 4);
ACRN_ABI_CHECK_OFFSET(struct acrn_vm_creation, name, 8);
ACRN_ABI_CHECK_OFFSET(struct acrn_vm_creation, vm_flag, 24);
ACRN_ABI_CHECK_OFFSET(struct acrn_vm_creation, ioreq_buf, 32);
ACRN_ABI_CHECK_OFFSET(struct acrn_vm_creation, cpu_affinity, 40);

#endif /* ACRN_ABI_H */
