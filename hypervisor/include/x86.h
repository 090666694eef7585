/* SPDX-License-Identifier: BSD-3-Clause */
/* Thin wrappers around x86 instructions used by the hypervisor. */
#ifndef HV_X86_H
#define HV_X86_H

#include "lib.h"

#define CR0_PE	    (1UL << 0)
#define CR0_MP	    (1UL << 1)
#define CR0_EM	    (1UL << 2)
#define CR0_TS	    (1UL << 3)
#define CR0_ET	    (1UL << 4)
#define CR0_NE	    (1UL << 5)
#define CR0_NW	    (1UL << 29)
#define CR0_CD	    (1UL << 30)
#define CR0_PG	    (1UL << 31)
#define CR4_PAE	    (1UL << 5)
#define CR4_VMXE    (1UL << 13)
#define CR4_PCIDE   (1UL << 17)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_PKE	    (1UL << 22)

/* exception vectors */
#define X86_VEC_NMI 2
#define X86_VEC_UD  6
#define X86_VEC_GP  13

#define RFLAGS_IF (1ULL << 9)
#define RFLAGS_DF (1ULL << 10)

#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* IA32_APIC_BASE */
#define APIC_BASE_BSP	   (1ULL << 8)
#define APIC_BASE_X2APIC   (1ULL << 10)
#define APIC_BASE_ENABLE   (1ULL << 11)
#define LAPIC_DEFAULT_BASE 0xfee00000ULL

/* CPUID feature bits the hypervisor looks at or hides */
#define CPUID1_ECX_VMX	   (1U << 5)
#define CPUID1_ECX_SMX	   (1U << 6)
#define CPUID1_ECX_XSAVE   (1U << 26)
#define CPUID1_ECX_OSXSAVE (1U << 27)
#define CPUID1_ECX_HV	   (1U << 31)
#define CPUID7_ECX_OSPKE   (1U << 4)
#define CPUID1_ECX_DTES64  (1U << 2)
#define CPUID1_ECX_MONITOR (1U << 3)
#define CPUID1_ECX_DS_CPL  (1U << 4)
#define CPUID1_ECX_PDCM	   (1U << 15)
#define CPUID1_ECX_X2APIC  (1U << 21)
#define CPUID1_ECX_TSC_DL  (1U << 24)
#define CPUID1_EDX_MTRR	   (1U << 12)
#define CPUID1_EDX_DS	   (1U << 21)
#define CPUID_LEAF_PMU	   0xa
#define CPUID_LEAF_TOPO	   0xb
#define CPUID_LEAF_TSC	   0x15

#define MSR_TSC			 0x10
#define MSR_APIC_BASE		 0x1b
#define MSR_FEATURE_CONTROL	 0x3a
#define MSR_TSC_ADJUST		 0x3b
#define MSR_BIOS_UPDT_TRIG	 0x79
#define MSR_SMM_MONITOR_CTL	 0x9b
#define MSR_PMC0		 0xc1
#define MSR_MTRRCAP		 0xfe
#define MSR_PERFEVTSEL0		 0x186
#define MSR_MTRR_PHYSBASE0	 0x200
#define MSR_MTRR_FIX64K_00000	 0x250
#define MSR_MTRR_FIX16K_80000	 0x258
#define MSR_MTRR_FIX16K_A0000	 0x259
#define MSR_MTRR_FIX4K_C0000	 0x268
#define MSR_MTRR_FIX4K_F8000	 0x26f
#define MSR_MTRR_DEF_TYPE	 0x2ff
#define MSR_FIXED_CTR0		 0x309
#define MSR_PERF_CAPABILITIES	 0x345
#define MSR_FIXED_CTR_CTRL	 0x38d
#define MSR_PERF_GLOBAL_STATUS	 0x38e
#define MSR_PERF_GLOBAL_CTRL	 0x38f
#define MSR_PERF_GLOBAL_OVF_CTRL 0x390
#define MSR_PEBS_ENABLE		 0x3f1
#define MSR_PEBS_DATA_CFG	 0x3f2
#define MSR_PEBS_LD_LAT		 0x3f6
#define MSR_A_PMC0		 0x4c1
#define MSR_DS_AREA		 0x600
#define MSR_MISC_ENABLE		 0x1a0
#define MSR_PAT			 0x277
#define MSR_VMX_BASIC		 0x480
#define MSR_VMX_PINBASED	 0x481
#define MSR_VMX_PROCBASED	 0x482
#define MSR_VMX_EXIT		 0x483
#define MSR_VMX_ENTRY		 0x484
#define MSR_VMX_MISC		 0x485
#define MSR_VMX_CR0_FIXED0	 0x486
#define MSR_VMX_CR0_FIXED1	 0x487
#define MSR_VMX_CR4_FIXED0	 0x488
#define MSR_VMX_CR4_FIXED1	 0x489
#define MSR_VMX_PROCBASED_CTLS2	 0x48b
#define MSR_VMX_EPT_VPID_CAP	 0x48c
#define MSR_VMX_TRUE_PINBASED	 0x48d
#define MSR_VMX_TRUE_PROCBASED	 0x48e
#define MSR_VMX_TRUE_EXIT	 0x48f
#define MSR_VMX_TRUE_ENTRY	 0x490
#define MSR_VMX_VMFUNC		 0x491
#define MSR_X2APIC_ICR		 0x830
#define MSR_X2APIC_FIRST	 0x800
#define MSR_X2APIC_LAST		 0x8ff
#define MSR_X2APIC_EOI		 0x80b
#define MSR_X2APIC_SVR		 0x80f
#define MSR_TSC_DEADLINE	 0x6e0
#define MSR_EFER		 0xc0000080
#define MSR_FS_BASE		 0xc0000100
#define MSR_GS_BASE		 0xc0000101

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo | (u64)hi << 32;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (u64)hi << 32;
}

#define DEFINE_CR(n)                                                                               \
	static inline u64 read_cr##n(void)                                                         \
	{                                                                                          \
		u64 v;                                                                             \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static inline void write_cr##n(u64 v)                                                      \
	{                                                                                          \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");                           \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/*
 * A VM exit caused by an NMI leaves NMIs blocked in root operation until the
 * next IRET (SDM: event blocking after VM exits), and the hypervisor takes
 * no NMI through its IDT then.  A pCPU that goes on in root operation (and
 * sleeps until the next NMI kick) must unblock them: an IRET to the next
 * instruction, with the current stack and flags.
 */
static inline void nmi_unblock(void)
{
	__asm__ volatile("mov %%ss, %%rax\n\t"
			 "push %%rax\n\t"
			 "push %%rsp\n\t"
			 "addq $8, (%%rsp)\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %%rax\n\t"
			 "push %%rax\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 :
			 : "rax", "memory", "cc");
}

__attribute__((noreturn)) static inline void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static inline void xsetbv(u32 idx, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(idx), "a"((u32)v), "d"((u32)(v >> 32)));
}

static inline u32 mmio_read32(u64 pa)
{
	return *(volatile u32 *)(uintptr_t)pa;
}

static inline void mmio_write32(u64 pa, u32 v)
{
	*(volatile u32 *)(uintptr_t)pa = v;
}

struct spinlock {
	volatile u32 locked;
};

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (l->locked)
			cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
