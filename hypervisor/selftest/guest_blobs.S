/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tiny guests for the selftest, copied to GUEST_SELFTEST_CODE (0x7000).
 *
 * Real-mode guest: CPUID 0x40000000, reports the signature check on port
 * 0x80 (1 = "ACRN" seen), then VMCALL with EAX="SELF".
 *
 * Protected-mode guest: a task switch (see below).
 *
 * 64-bit guest: CPUID signature check, HC_GET_API_VERSION, an unknown
 * hypercall and bad pointers (out of range, unaligned, into the hypervisor)
 * through VMCALL, a read of hypervisor memory (EPT violation ->
 * the hypervisor injects #GP -> our handler continues), IA32_FEATURE_CONTROL
 * and a VMX MSR, an attempt to set CR4.VMXE, invalid XCR0 values through
 * XSETBV and a CR0 value with a reserved bit (each must #GP), an NMI the
 * hypervisor takes in root operation while handling a VMCALL (handed to
 * the guest's NMI handler), CR0 writes clearing NE and PG in 64-bit mode,
 * without and with CR4.PCIDE (#GP each), a VMCALL the hypervisor treats as
 * coming from a VM without the hypercall ABI (#UD), then VMCALL "SELF" with
 * a bitmask of passed checks in RDI.
 */
	.set BASE, 0x7000
	.set SELF, 0x53454c46
	.set SELF_NMI, 0x4e4d4921	/* "NMI!": the hypervisor NMIs itself */
	.set SELF_NOHC, 0x4e4f4843	/* "NOHC": VMCALL as a VM without hypercalls */
	.section .rodata

	.code16
	.globl guest_rm_start, guest_rm_end
guest_rm_start:
	mov	$0x40000000, %eax
	cpuid
	xor	%al, %al
	cmp	$0x4e524341, %ebx
	jne	1f
	mov	$1, %al
1:	out	%al, $0x80
	mov	$SELF, %eax
	vmcall
	hlt
guest_rm_end:

/*
 * Protected-mode guest: from real mode into 32-bit protected mode, then a
 * far jump to a TSS, i.e. a task switch, which VMX does not allow in a
 * guest.  The hypervisor must answer with a fault (our #GP handler then
 * reports 1), not stop.
 */
	.balign 16
	.globl guest_pm_start, guest_pm_end
#define P(sym) (BASE + (sym) - guest_pm_start)
guest_pm_start:
	cli
	lgdtl	%cs:(pm_gdt_desc - guest_pm_start)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$0x08, $P(pm32)
	.code32
pm32:
	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$P(pm_stack_top), %esp
	lidt	P(pm_idt_desc)
	ljmp	$0x18, $0		/* task switch: VM exit */
	xor	%edi, %edi		/* resumed after it: not what we want */
	jmp	1f
pm_gp_handler:
	mov	$1, %edi
1:	mov	$SELF, %eax
	vmcall
	hlt
	.balign 8
pm_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff	/* 0x10: data */
	.word	0x67			/* 0x18: available 32-bit TSS */
	.word	P(pm_tss) & 0xffff
	.byte	(P(pm_tss) >> 16) & 0xff
	.byte	0x89, 0
	.byte	(P(pm_tss) >> 24) & 0xff
pm_idt:
	.fill	13, 8, 0
	.word	P(pm_gp_handler) & 0xffff, 0x08, 0x8e00, (P(pm_gp_handler) >> 16) & 0xffff
pm_idt_desc:
	.word	14 * 8 - 1
	.long	P(pm_idt)
pm_gdt_desc:
	.word	4 * 8 - 1
	.long	P(pm_gdt)
pm_tss:
	.fill	104, 1, 0
	.fill	64, 1, 0
pm_stack_top:
guest_pm_end:
#undef P

	.code64
	.balign 16			/* .balign below is then relative to BASE */
	.globl guest_lm_start, guest_lm_end
#define L(sym) (BASE + (sym) - guest_lm_start)
guest_lm_start:
	xor	%r15d, %r15d		/* bitmask of passed checks */
	lidt	L(lm_idt_desc)
	mov	$0x40000000, %eax
	cpuid
	cmp	$0x4e524341, %ecx
	jne	1f
	or	$1, %r15d
1:	mov	$0x40000001, %eax	/* privileged bit: 0 for this guest */
	cpuid
	test	$1, %eax
	jnz	2f
	or	$2, %r15d
2:	mov	$0x80000000, %r8d	/* HC_GET_API_VERSION */
	mov	$L(lm_version), %edi
	vmcall
	test	%rax, %rax
	jnz	3f
	cmpl	$1, L(lm_version)
	jne	3f
	or	$4, %r15d
3:	mov	$0x800000ee, %r8d	/* unknown id: -ENOTTY */
	vmcall
	cmp	$-25, %rax
	jne	4f
	or	$8, %r15d
4:	mov	$0x80000000, %r8d	/* bad parameter: -EINVAL */
	mov	$0xfffffffff000, %rdi
	vmcall
	cmp	$-22, %rax
	jne	5f
	or	$16, %r15d
5:	mov	$0x80000000, %r8d	/* unaligned pointer: -EINVAL */
	mov	$L(lm_version) + 4, %edi
	vmcall
	cmp	$-22, %rax
	jne	13f
	mov	$0x80000000, %r8d	/* pointer into the hypervisor: -EINVAL */
	mov	L(lm_hv_addr), %rdi
	vmcall
	cmp	$-22, %rax
	jne	13f
	or	$512, %r15d
13:	movq	$L(6f), L(lm_gp_next)
	mov	L(lm_hv_addr), %rbx
	mov	(%rbx), %al		/* hypervisor memory: #GP expected */
	jmp	7f
6:	or	$32, %r15d
7:	mov	$0x3a, %ecx		/* IA32_FEATURE_CONTROL: locked, VMX off */
	rdmsr
	and	$5, %eax
	cmp	$1, %eax
	jne	8f
	or	$64, %r15d
8:	movq	$L(9f), L(lm_gp_next)
	mov	$0x480, %ecx		/* IA32_VMX_BASIC: hidden, #GP */
	rdmsr
	jmp	10f
9:	or	$128, %r15d
10:	movq	$L(11f), L(lm_gp_next)
	mov	%cr4, %rax		/* setting CR4.VMXE: #GP */
	or	$0x2000, %rax
	mov	%rax, %cr4
	jmp	12f
11:	mov	%cr4, %rax		/* and the guest still sees VMXE clear */
	test	$0x2000, %eax
	jnz	12f
	or	$256, %r15d
12:	mov	$1, %eax		/* invalid XCR0 values: #GP, hypervisor alive */
	cpuid
	bt	$26, %ecx		/* no XSAVE: nothing to check */
	jnc	16f
	movq	$L(14f), L(lm_gp_next)
	mov	%cr4, %rax
	or	$0x40000, %rax		/* CR4.OSXSAVE */
	mov	%rax, %cr4
	xor	%ecx, %ecx
	xor	%edx, %edx
	mov	$0x21, %eax		/* x87 + AVX-512 opmask, no SSE/AVX */
	xsetbv
	jmp	17f
14:	movq	$L(15f), L(lm_gp_next)
	xor	%ecx, %ecx
	xor	%edx, %edx
	mov	$0x9, %eax		/* x87 + MPX BNDREGS without BNDCSR */
	xsetbv
	jmp	17f
15:	movq	$L(16f), L(lm_gp_next)
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%eax, %eax		/* x87 clear */
	xsetbv
	jmp	17f
16:	or	$1024, %r15d
17:	movq	$L(18f), L(lm_gp_next)
	mov	%cr0, %rax		/* CR0 with a reserved bit: #GP, CR0 unchanged */
	mov	%rax, %rbx
	btr	$5, %rax		/* clearing NE makes the write exit */
	bts	$32, %rax
	mov	%rax, %cr0
	jmp	19f
18:	mov	%cr0, %rax
	cmp	%rax, %rbx
	jne	19f
	or	$2048, %r15d
19:	movl	$0, L(lm_nmi_seen)	/* an NMI taken in VMX root operation */
	mov	$SELF_NMI, %r8d		/* reaches us after this VMCALL */
	vmcall
	cmpl	$1, L(lm_nmi_seen)
	jne	20f
	or	$4096, %r15d
20:	movq	$L(21f), L(lm_gp_next)
	mov	%cr0, %rax		/* clearing NE and PG in 64-bit mode: #GP */
	mov	%rax, %rbx
	btr	$31, %rax
	btr	$5, %rax
	mov	%rax, %cr0
	jmp	22f
21:	mov	%cr0, %rax
	cmp	%rax, %rbx
	jne	22f
	or	$8192, %r15d
22:	mov	$1, %eax		/* the same with CR4.PCIDE set, if there are PCIDs */
	cpuid
	bt	$17, %ecx
	jnc	25f
	mov	%cr4, %rax
	bts	$17, %rax
	mov	%rax, %cr4
	mov	%cr0, %rbx		/* CPUID clobbered it */
	movq	$L(23f), L(lm_gp_next)
	mov	%cr0, %rax
	btr	$31, %rax
	btr	$5, %rax
	mov	%rax, %cr0
	jmp	24f
23:	mov	%cr0, %rax
	cmp	%rax, %rbx
	jne	24f
	or	$16384, %r15d
24:	mov	%cr4, %rax
	btr	$17, %rax
	mov	%rax, %cr4
	jmp	26f
25:	or	$32768, %r15d		/* no PCID: nothing to check */
26:	movq	$L(27f), L(lm_gp_next)	/* a VM without the hypercall ABI: #UD */
	mov	$SELF_NOHC, %r8d
	vmcall
	jmp	28f
27:	or	$65536, %r15d
28:	mov	$SELF, %r8d
	mov	%r15, %rdi
	vmcall
	hlt

lm_ud_handler:
	/* frame: RIP, CS, RFLAGS, RSP, SS (no error code); resume at lm_gp_next */
	push	%rax
	mov	L(lm_gp_next), %rax
	mov	%rax, 8(%rsp)
	pop	%rax
	iretq

lm_nmi_handler:
	movl	$1, L(lm_nmi_seen)
	iretq

lm_gp_handler:
	/* frame: error code, RIP, CS, RFLAGS, RSP, SS; resume at lm_gp_next */
	push	%rax
	mov	L(lm_gp_next), %rax
	mov	%rax, 16(%rsp)
	pop	%rax
	add	$8, %rsp
	iretq

	.balign 8
lm_version:
	.long	0, 0
lm_gp_next:
	.quad	0
lm_nmi_seen:
	.long	0, 0
	.globl guest_lm_hv_addr
lm_hv_addr:
guest_lm_hv_addr:
	.quad	0
lm_idt_desc:
	.short	14 * 16 - 1
	.quad	BASE + 0x800
guest_lm_gp_off:
	.globl guest_lm_gp_off
	.quad	lm_gp_handler - guest_lm_start
guest_lm_nmi_off:
	.globl guest_lm_nmi_off
	.quad	lm_nmi_handler - guest_lm_start
guest_lm_ud_off:
	.globl guest_lm_ud_off
	.quad	lm_ud_handler - guest_lm_start
guest_lm_end:
