/* SPDX-License-Identifier: BSD-3-Clause */
/* VMCS field encodings, control bits and exit reasons (Intel SDM vol. 3, app. B/C). */
#ifndef HV_VMX_H
#define HV_VMX_H

/* 16-bit */
#define VMCS_VPID      0x0000
#define GUEST_ES_SEL   0x0800
#define GUEST_CS_SEL   0x0802
#define GUEST_SS_SEL   0x0804
#define GUEST_DS_SEL   0x0806
#define GUEST_FS_SEL   0x0808
#define GUEST_GS_SEL   0x080a
#define GUEST_LDTR_SEL 0x080c
#define GUEST_TR_SEL   0x080e
#define HOST_ES_SEL    0x0c00
#define HOST_CS_SEL    0x0c02
#define HOST_SS_SEL    0x0c04
#define HOST_DS_SEL    0x0c06
#define HOST_FS_SEL    0x0c08
#define HOST_GS_SEL    0x0c0a
#define HOST_TR_SEL    0x0c0c
/* 64-bit */
#define IO_BITMAP_A	0x2000
#define IO_BITMAP_B	0x2002
#define MSR_BITMAP	0x2004
#define TSC_OFFSET	0x2010
#define EPT_POINTER	0x201a
#define GUEST_PHYS_ADDR 0x2400
#define VMCS_LINK_PTR	0x2800
#define GUEST_DEBUGCTL	0x2802
#define GUEST_PAT	0x2804
#define GUEST_EFER	0x2806
#define GUEST_PDPTR0	0x280a
#define HOST_PAT	0x2c00
#define HOST_EFER	0x2c02
/* 32-bit */
#define PIN_CONTROLS	       0x4000
#define PROC_CONTROLS	       0x4002
#define EXCEPTION_BITMAP       0x4004
#define CR3_TARGET_COUNT       0x400a
#define EXIT_CONTROLS	       0x400c
#define EXIT_MSR_STORE_COUNT   0x400e
#define EXIT_MSR_LOAD_COUNT    0x4010
#define ENTRY_CONTROLS	       0x4012
#define ENTRY_MSR_LOAD_COUNT   0x4014
#define ENTRY_INTR_INFO	       0x4016
#define ENTRY_EXC_ERROR	       0x4018
#define ENTRY_INSTR_LEN	       0x401a
#define PROC2_CONTROLS	       0x401e
#define VM_INSTR_ERROR	       0x4400
#define EXIT_REASON	       0x4402
#define EXIT_INTR_INFO	       0x4404
#define EXIT_INTR_ERROR	       0x4406
#define IDT_VECTORING_INFO     0x4408
#define IDT_VECTORING_ERROR    0x440a
#define EXIT_INSTR_LEN	       0x440c
#define EXIT_INSTR_INFO	       0x440e
#define GUEST_ES_LIMIT	       0x4800
#define GUEST_CS_LIMIT	       0x4802
#define GUEST_SS_LIMIT	       0x4804
#define GUEST_DS_LIMIT	       0x4806
#define GUEST_FS_LIMIT	       0x4808
#define GUEST_GS_LIMIT	       0x480a
#define GUEST_LDTR_LIMIT       0x480c
#define GUEST_TR_LIMIT	       0x480e
#define GUEST_GDTR_LIMIT       0x4810
#define GUEST_IDTR_LIMIT       0x4812
#define GUEST_ES_AR	       0x4814
#define GUEST_CS_AR	       0x4816
#define GUEST_SS_AR	       0x4818
#define GUEST_DS_AR	       0x481a
#define GUEST_FS_AR	       0x481c
#define GUEST_GS_AR	       0x481e
#define GUEST_LDTR_AR	       0x4820
#define GUEST_TR_AR	       0x4822
#define GUEST_INTERRUPTIBILITY 0x4824
#define GUEST_ACTIVITY	       0x4826
#define GUEST_SYSENTER_CS      0x482a
#define GUEST_PREEMPT_TIMER    0x482e
#define HOST_SYSENTER_CS       0x4c00
/* natural width */
#define CR0_MASK	   0x6000
#define CR4_MASK	   0x6002
#define CR0_SHADOW	   0x6004
#define CR4_SHADOW	   0x6006
#define EXIT_QUALIFICATION 0x6400
#define GUEST_LINEAR_ADDR  0x640a
#define GUEST_CR0	   0x6800
#define GUEST_CR3	   0x6802
#define GUEST_CR4	   0x6804
#define GUEST_ES_BASE	   0x6806
#define GUEST_CS_BASE	   0x6808
#define GUEST_SS_BASE	   0x680a
#define GUEST_DS_BASE	   0x680c
#define GUEST_FS_BASE	   0x680e
#define GUEST_GS_BASE	   0x6810
#define GUEST_LDTR_BASE	   0x6812
#define GUEST_TR_BASE	   0x6814
#define GUEST_GDTR_BASE	   0x6816
#define GUEST_IDTR_BASE	   0x6818
#define GUEST_DR7	   0x681a
#define GUEST_RSP	   0x681c
#define GUEST_RIP	   0x681e
#define GUEST_RFLAGS	   0x6820
#define GUEST_PENDING_DBG  0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826
#define HOST_CR0	   0x6c00
#define HOST_CR3	   0x6c02
#define HOST_CR4	   0x6c04
#define HOST_FS_BASE	   0x6c06
#define HOST_GS_BASE	   0x6c08
#define HOST_TR_BASE	   0x6c0a
#define HOST_GDTR_BASE	   0x6c0c
#define HOST_IDTR_BASE	   0x6c0e
#define HOST_SYSENTER_ESP  0x6c10
#define HOST_SYSENTER_EIP  0x6c12
#define HOST_RSP	   0x6c14
#define HOST_RIP	   0x6c16

/* controls */
#define PROC_TSC_OFFSET	     (1U << 3)
#define PROC_USE_IO_BITMAPS  (1U << 25)
#define PROC_USE_MSR_BITMAPS (1U << 28)
#define PROC_SECONDARY	     (1U << 31)
#define PROC2_EPT	     (1U << 1)
#define PROC2_RDTSCP	     (1U << 3)
#define PROC2_VPID	     (1U << 5)
#define PROC2_UNRESTRICTED   (1U << 7)
#define PROC2_INVPCID	     (1U << 12)
#define PROC2_XSAVES	     (1U << 20)
#define PIN_NMI_EXITING	     (1U << 3)
#define PIN_VIRTUAL_NMIS     (1U << 5)
#define PIN_PREEMPT_TIMER    (1U << 6)
#define PROC_NMI_WINDOW	     (1U << 22)
#define PROC_INTR_WINDOW     (1U << 2)
#define PIN_EXT_INTR_EXITING (1U << 0)
#define PROC_HLT_EXITING     (1U << 7)
#define PROC_MWAIT_EXITING   (1U << 10)
#define PROC_MONITOR_EXITING (1U << 29)
#define EXIT_ACK_INTR	     (1U << 15)
#define EXIT_HOST_64	     (1U << 9)
#define EXIT_SAVE_PAT	     (1U << 18)
#define EXIT_LOAD_PAT	     (1U << 19)
#define EXIT_SAVE_EFER	     (1U << 20)
#define EXIT_LOAD_EFER	     (1U << 21)
#define ENTRY_IA32E	     (1U << 9)
#define ENTRY_LOAD_PAT	     (1U << 14)
#define ENTRY_LOAD_EFER	     (1U << 15)

#define ACTIVITY_ACTIVE	   0
#define ACTIVITY_HLT	   1
#define ACTIVITY_WAIT_SIPI 3

/* guest interruptibility state */
#define GUEST_INTR_BLOCK_STI   (1U << 0)
#define GUEST_INTR_BLOCK_MOVSS (1U << 1)
#define GUEST_INTR_BLOCK_SMI   (1U << 2)
#define GUEST_INTR_BLOCK_NMI   (1U << 3)

/* exit reasons (SDM vol. 3, appendix C) */
#define EXIT_EXCEPTION	       0
#define EXIT_EXT_INTR	       1
#define EXIT_TRIPLE_FAULT      2
#define EXIT_INIT	       3
#define EXIT_SIPI	       4
#define EXIT_INTR_WINDOW       7
#define EXIT_NMI_WINDOW	       8
#define EXIT_TASK_SWITCH       9
#define EXIT_CPUID	       10
#define EXIT_GETSEC	       11
#define EXIT_HLT	       12
#define EXIT_INVD	       13
#define EXIT_VMCALL	       18
#define EXIT_VMCLEAR	       19
#define EXIT_VMXON	       27
#define EXIT_CR_ACCESS	       28
#define EXIT_IO		       30
#define EXIT_RDMSR	       31
#define EXIT_WRMSR	       32
#define EXIT_ENTRY_FAIL_GUEST  33
#define EXIT_ENTRY_FAIL_MSR    34
#define EXIT_EPT_VIOLATION     48
#define EXIT_EPT_MISCONFIG     49
#define EXIT_INVEPT	       50
#define EXIT_PREEMPT_TIMER     52
#define EXIT_INVVPID	       53
#define EXIT_WBINVD	       54
#define EXIT_XSETBV	       55
#define NR_EXIT_REASONS	       70
#define EXIT_REASON_ENTRY_FAIL (1U << 31)

#define INTR_INFO_VALID	       (1U << 31)
#define INTR_INFO_VECTOR(i)    ((i)&0xff)
#define INTR_INFO_TYPE(i)      ((i) & (7U << 8))
#define INTR_TYPE_NMI	       (2U << 8)
#define INTR_TYPE_HW_EXCEPTION (3U << 8)
#define INTR_TYPE_SW_INTR      (4U << 8)
#define INTR_TYPE_PRIV_SW_EXC  (5U << 8)
#define INTR_TYPE_SW_EXC       (6U << 8)
#define INTR_ERR_VALID	       (1U << 11)

/* exit qualification of I/O instructions */
#define IO_QUAL_SIZE(q) (((u32)(q)&7) + 1)
#define IO_QUAL_IN	(1U << 3)
#define IO_QUAL_STRING	(1U << 4)
#define IO_QUAL_REP	(1U << 5)
#define IO_QUAL_PORT(q) ((u32)((q) >> 16) & 0xffff)
/* exit qualification of EPT violations */
#define EPT_QUAL_READ  (1U << 0)
#define EPT_QUAL_WRITE (1U << 1)
#define EPT_QUAL_FETCH (1U << 2)

#ifndef __ASSEMBLER__
#include "lib.h"

struct pcpu;

/* Check the capability MSRs; on failure @why names the missing control. */
int vmx_check_caps(char *why, size_t why_size);
int vmx_on(struct pcpu *p);
void vmx_off(void);
/* EPT capabilities found by vmx_check_caps(). */
bool vmx_ept_1g(void);
bool vmx_have_vpid(void);
u32 vmx_entry_controls(void);
u64 vmread(u64 field);
void vmwrite(u64 field, u64 value);
/* Periodic exits every @us of TSC time on the current VMCS. */
void vmx_enable_preemption_timer(u32 us);
/* The preemption timer counts TSC >> this (IA32_VMX_MISC[4:0]). */
u32 vmx_preemption_rate(void);
/* User VM vCPU controls on the current VMCS; -ENODEV if the CPU lacks one. */
int vmx_setup_user_vm_controls(void);
/* Forget every EPT-derived translation of this pCPU. */
void vmx_invept_all(void);
#endif

#endif
