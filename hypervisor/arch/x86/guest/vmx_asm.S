/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * int vmx_enter(struct guest_regs *regs, int launched)
 * Loads the guest GPRs and does VMLAUNCH/VMRESUME.  Returns 0 after a VM
 * exit (guest GPRs saved back into *regs) or 1 if the VM entry failed.
 * The host RSP written into the VMCS points at the saved regs pointer.
 */
	.set HOST_RSP, 0x6c14
	.text
	.globl vmx_enter
vmx_enter:
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi
	mov	$HOST_RSP, %eax
	vmwrite	%rsp, %rax
	mov	%rdi, %rax
	test	%esi, %esi
	mov	0x08(%rax), %rcx
	mov	0x10(%rax), %rdx
	mov	0x18(%rax), %rbx
	mov	0x28(%rax), %rbp
	mov	0x30(%rax), %rsi
	mov	0x38(%rax), %rdi
	mov	0x40(%rax), %r8
	mov	0x48(%rax), %r9
	mov	0x50(%rax), %r10
	mov	0x58(%rax), %r11
	mov	0x60(%rax), %r12
	mov	0x68(%rax), %r13
	mov	0x70(%rax), %r14
	mov	0x78(%rax), %r15
	mov	0x00(%rax), %rax
	jnz	1f
	vmlaunch
	jmp	2f
1:	vmresume
2:	/* entry failed: host registers are whatever the guest's were */
	pop	%rdi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	mov	$1, %eax
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	push	%rax
	mov	8(%rsp), %rax
	mov	%rcx, 0x08(%rax)
	mov	%rdx, 0x10(%rax)
	mov	%rbx, 0x18(%rax)
	mov	%rbp, 0x28(%rax)
	mov	%rsi, 0x30(%rax)
	mov	%rdi, 0x38(%rax)
	mov	%r8, 0x40(%rax)
	mov	%r9, 0x48(%rax)
	mov	%r10, 0x50(%rax)
	mov	%r11, 0x58(%rax)
	mov	%r12, 0x60(%rax)
	mov	%r13, 0x68(%rax)
	mov	%r14, 0x70(%rax)
	mov	%r15, 0x78(%rax)
	pop	%rcx
	mov	%rcx, 0x00(%rax)
	pop	%rdi
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	xor	%eax, %eax
	ret
