/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ABI between the hypervisor and the Service VM (HSM, device model):
 * CPUID detection leaves and hypercall numbers.  Constants only, no types,
 * so that the freestanding hypervisor, the Linux kernel module and user
 * space can all include it.  Values follow upstream ACRN's ABI.
 */
#ifndef ACRN_ABI_H
#define ACRN_ABI_H

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

#endif /* ACRN_ABI_H */
