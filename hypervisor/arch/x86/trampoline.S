/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AP start-up code, copied to AP_TRAMPOLINE_ADDR (0x8000) and entered in
 * real mode by the SIPI.  Switches to long mode on the BSP's page tables,
 * takes a ticket for its per-CPU index and calls ap_main(idx).
 */
	.set TRAMP_BASE, 0x8000
	.set STACK_SIZE, 16384
#define T(sym) (TRAMP_BASE + (sym) - ap_trampoline_start)

	.section .rodata
	.code16
	.globl ap_trampoline_start
ap_trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	tramp_gdt_desc - ap_trampoline_start
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $T(tramp_pm32)

	.code32
tramp_pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%cr4, %eax
	or	$0x20, %eax
	mov	%eax, %cr4
	mov	T(tramp_cr3), %eax
	mov	%eax, %cr3
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x100, %eax
	wrmsr
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
	ljmp	$0x18, $T(tramp_lm64)

	.code64
tramp_lm64:
	mov	$1, %eax
	lock xadd %eax, T(tramp_ticket)
	inc	%eax			/* the BSP is index 0 */
	mov	%eax, %edi
	imul	$STACK_SIZE, %rax
	movabs	$ap_stacks, %rsp
	add	%rax, %rsp
	movabs	$ap_main, %rax
	call	*%rax
1:	cli
	hlt
	jmp	1b

	.balign 8
tramp_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.quad	0x00af9a000000ffff	/* 0x18: 64-bit code */
tramp_gdt_desc:
	.short	tramp_gdt_desc - tramp_gdt - 1
	.long	T(tramp_gdt)
	.globl tramp_cr3
tramp_cr3:
	.long	0
	.globl tramp_ticket
tramp_ticket:
	.long	0
	.globl ap_trampoline_end
ap_trampoline_end:
