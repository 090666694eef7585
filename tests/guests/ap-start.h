/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ap-start.h: how a test guest's vCPU 0 starts another vCPU, as a
 * firmware or kernel would: a real-mode trampoline copied to TRAMP_ADDR,
 * then INIT and STARTUP IPIs.  For guests with one translation unit (the
 * trampoline is a top-level asm block); include after guest-io.h.
 */
#pragma once

/*
 * The other vCPU's start: INIT and STARTUP (vector 8) from vCPU 0 start it
 * in real mode at 0x8000, where vCPU 0 copied this; it goes through protected
 * mode into long mode on vCPU 0's page tables (the identity map the loader built)
 * with a GDT laid out like the boot loader's (code 0x10, data 0x18, so the
 * shared IDT's gates work) and calls tramp_entry on tramp_rsp.
 */
__asm__(".section .rodata.tramp, \"a\"\n"
	".set TRAMP, 0x8000\n"
	".globl ap_tramp, ap_tramp_end, tramp_cr3, tramp_rsp, tramp_entry\n"
	".code16\n"
	"ap_tramp:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	lgdtl tramp_gdtr - ap_tramp\n"
	"	mov %cr0, %eax\n"
	"	or $1, %eax\n"
	"	mov %eax, %cr0\n"
	"	ljmpl $0x08, $(TRAMP + pm32 - ap_tramp)\n"
	".code32\n"
	"pm32:\n"
	"	mov $0x18, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %es\n"
	"	mov %ax, %ss\n"
	"	mov (TRAMP + tramp_cr3 - ap_tramp), %eax\n"
	"	mov %eax, %cr3\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n" /* PAE */
	"	mov %eax, %cr4\n"
	"	mov $0xc0000080, %ecx\n"
	"	rdmsr\n"
	"	or $0x100, %eax\n" /* EFER.LME */
	"	wrmsr\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000000, %eax\n"
	"	mov %eax, %cr0\n"
	"	ljmpl $0x10, $(TRAMP + lm64 - ap_tramp)\n"
	".code64\n"
	"lm64:\n"
	"	mov (TRAMP + tramp_rsp - ap_tramp), %rsp\n"
	"	mov (TRAMP + tramp_entry - ap_tramp), %rax\n"
	"	call *%rax\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".balign 8\n"
	"tramp_gdt:\n"
	"	.quad 0, 0x00cf9b000000ffff, 0x00af9b000000ffff, 0x00cf93000000ffff\n"
	"tramp_gdtr:\n"
	"	.word 31\n"
	"	.long TRAMP + tramp_gdt - ap_tramp\n"
	"tramp_cr3:\n"
	"	.long 0\n"
	".balign 8\n"
	"tramp_rsp:\n"
	"	.quad 0\n"
	"tramp_entry:\n"
	"	.quad 0\n"
	"ap_tramp_end:\n"
	".text\n");
extern const uint8_t ap_tramp[], ap_tramp_end[], tramp_cr3[], tramp_rsp[], tramp_entry[];
#define TRAMP_ADDR	 0x8000UL
#define SIPI_VEC	 (TRAMP_ADDR >> 12)
#define AP_ICR_LO	 0x300
#define AP_ICR_HI	 0x310
#define ICR_ALL_BUT_SELF (3U << 18)
#define ICR_ASSERT	 (1U << 14)
#define ICR_INIT	 (5U << 8)
#define ICR_STARTUP	 (6U << 8)

/* STARTUP to every other vCPU (a second one to a running vCPU is ignored). */
static inline void ap_send_startup(void)
{
	lapic_wr(AP_ICR_HI, 0);
	lapic_wr(AP_ICR_LO, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | SIPI_VEC);
}

/*
 * Start every other vCPU at @entry on @stack_top (one stack: meant for one
 * other vCPU): the trampoline goes to TRAMP_ADDR with this vCPU's page
 * tables; INIT and STARTUP go to all but self, so no APIC ID is needed.
 */
static inline void ap_start(void (*entry)(void), void *stack_top)
{
	uint8_t *dst = (uint8_t *)TRAMP_ADDR;
	uint64_t cr3;

	for (const uint8_t *p = ap_tramp; p < ap_tramp_end; p++)
		*dst++ = *p;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	*(uint32_t *)(TRAMP_ADDR + (tramp_cr3 - ap_tramp)) = (uint32_t)cr3;
	*(uint64_t *)(TRAMP_ADDR + (tramp_rsp - ap_tramp)) = (uint64_t)(uintptr_t)stack_top;
	*(uint64_t *)(TRAMP_ADDR + (tramp_entry - ap_tramp)) = (uint64_t)(uintptr_t)entry;
	lapic_wr(AP_ICR_HI, 0);
	lapic_wr(AP_ICR_LO, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	ap_send_startup();
}
