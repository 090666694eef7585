/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multiboot2 header and the 32-bit entry: clear BSS, identity-map 4 GiB with
 * 2 MiB pages, enable long mode and call hv_main(magic, mbi).
 */
	.set MB2_MAGIC, 0xe85250d6

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* i386 */
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + (mb2_header_end - mb2_header))
	.balign 8
	.short 0, 0			/* end tag */
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	mov	%eax, %ebp		/* multiboot2 magic */
	mov	%ebx, %esi		/* boot information */

	/* BSS holds the page tables and the stacks */
	mov	$_bss_start, %edi
	mov	$_bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* PD entries: 2048 x 2 MiB, present + writable + large */
	mov	$boot_pd, %edi
	mov	$0x83, %eax
	xor	%edx, %edx
	mov	$2048, %ecx
1:	mov	%eax, (%edi)
	mov	%edx, 4(%edi)
	add	$0x200000, %eax
	adc	$0, %edx
	add	$8, %edi
	loop	1b
	/* PDPT[0..3] -> the four PDs */
	mov	$boot_pdpt, %edi
	mov	$boot_pd + 3, %eax
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	add	$4096, %eax
	add	$8, %edi
	loop	2b
	movl	$boot_pdpt + 3, boot_pml4

	mov	$boot_pml4, %eax
	mov	%eax, %cr3
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$0xc0000080, %ecx
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000001, %eax	/* PG | PE */
	mov	%eax, %cr0
	lgdt	boot_gdt_desc
	ljmp	$0x08, $long_entry

	.code64
long_entry:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$boot_stack + 16384, %rsp
	mov	%ebp, %edi
	mov	%esi, %esi
	call	hv_main
3:	cli
	hlt
	jmp	3b

	/* lgdt/lidt helpers that also reload the segment registers */
	.text
	.globl load_gdt
load_gdt:				/* rdi = descriptor address */
	lgdt	(%rdi)
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	pushq	$0x08
	lea	1f(%rip), %rax
	push	%rax
	lretq
1:	ret

	/*
	 * native_jump(entry, boot_params, cr3, gdt_desc): leave the hypervisor
	 * for good and enter Linux's startup_64 as a boot loader would.
	 */
	.globl native_jump
native_jump:
	mov	%rdi, %r12
	mov	%rsi, %r13
	lgdt	(%rcx)
	mov	%rdx, %cr3
	mov	$0x18, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$0x90000, %rsp
	pushq	$0x10
	lea	1f(%rip), %rax
	push	%rax
	lretq
1:	mov	%r13, %rsi
	xor	%ebp, %ebp
	xor	%edi, %edi
	jmp	*%r12

	.section .rodata
	.balign 8
boot_gdt:
	.quad	0
	.quad	0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
boot_gdt_desc:
	.short	boot_gdt_desc - boot_gdt - 1
	.quad	boot_gdt

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096 * 4
	.globl boot_stack
boot_stack:	.skip 16384
