/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instructions run on a guest's behalf that may fault with #GP: the guest
 * chose the operands, so the CPU decides what is valid and a fault becomes
 * -EIO for the caller.  exception_dispatch() resumes a faulting *_insn at
 * its *_fixup.
 *
 * int rdmsr_safe(u32 msr, u64 *val)
 * int wrmsr_safe(u32 msr, u64 val)
 * int xsetbv_safe(u32 xcr, u64 val)
 */
	.text
	.globl rdmsr_safe, rdmsr_insn, rdmsr_fixup
rdmsr_safe:
	mov	%edi, %ecx
rdmsr_insn:
	rdmsr
	shl	$32, %rdx
	or	%rdx, %rax
	mov	%rax, (%rsi)
	xor	%eax, %eax
	ret
rdmsr_fixup:
	mov	$-5, %eax
	ret

	.globl wrmsr_safe, wrmsr_insn, wrmsr_fixup
wrmsr_safe:
	mov	%edi, %ecx
	mov	%esi, %eax
	mov	%rsi, %rdx
	shr	$32, %rdx
wrmsr_insn:
	wrmsr
	xor	%eax, %eax
	ret
wrmsr_fixup:
	mov	$-5, %eax
	ret

	.globl xsetbv_safe, xsetbv_insn, xsetbv_fixup
xsetbv_safe:
	mov	%edi, %ecx
	mov	%esi, %eax
	mov	%rsi, %rdx
	shr	$32, %rdx
xsetbv_insn:
	xsetbv
	xor	%eax, %eax
	ret
xsetbv_fixup:
	mov	$-5, %eax
	ret
