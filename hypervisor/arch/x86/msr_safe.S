/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * int rdmsr_safe(u32 msr, u64 *val): 0, or -EIO if the MSR faults (#GP).
 * exception_dispatch() resumes a faulting rdmsr at rdmsr_fixup.
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
