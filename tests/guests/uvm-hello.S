/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A tiny User VM test guest, entered the way acrn-dm's ELF loader enters a
 * vmlinux: 64-bit mode, identity-mapped page tables, RSI = boot_params,
 * interrupts off, no stack.  It talks only through I/O requests:
 *
 *  1. "Hello from the User VM\n" to COM1's data port 0x3F8, byte by byte;
 *  2. IN  dword from port 0x5F0 must read 0xC0FFEE01;
 *  3. MMIO at 0xD0000000 (no RAM there): a 32-bit immediate store of
 *     0xA5A55A5A at +0, a 64-bit register store of 0x0123456789ABCDEF at +8,
 *     a 32-bit load at +0 that must read 0xFEEDBEEF, a MOVZX byte load at +4
 *     that must read 0x42, a 64-bit load at +16 that must read
 *     0x1122334455667788;
 *  4. "OK\n", or "FAIL <digit>\n" naming the first wrong value, to 0x3F8;
 *  5. measurements: N = IN dword from port 0x5F4; if N > 0, the TSC ticks of
 *     N CPUID exits (handled by the hypervisor) and of N more IN dword from
 *     0x5F4 (I/O requests to the Service VM and back) go out as two OUT
 *     dwords to port 0x5FC;
 *  6. heartbeats: IN dword from port 0x5F8 until it reads non-zero;
 *  7. OUT word SLP_EN | SLP_TYP 5 to PM1a_CNT 0x404 (S5), then CLI; HLT.
 */
	.set	COM1, 0x3f8
	.set	PORT_PIO_TEST, 0x5f0
	.set	PORT_HEARTBEAT, 0x5f8
	.set	PORT_BENCH_N, 0x5f4
	.set	PORT_BENCH_OUT, 0x5fc
	.set	PM1A_CNT, 0x404
	.set	MMIO_BASE, 0xd0000000

	.section .text.uvm_hello, "ax"
	.code64
	.globl	uvm_hello_start
uvm_hello_start:
	cli
	lea	greeting(%rip), %rsi
	mov	$COM1, %dx
1:	lodsb
	test	%al, %al
	jz	2f
	out	%al, %dx
	jmp	1b
2:
	/* 2: PIO read */
	mov	$'1', %r15b
	mov	$PORT_PIO_TEST, %dx
	in	%dx, %eax
	cmp	$0xc0ffee01, %eax
	jne	fail
	/* 3: MMIO stores and loads */
	mov	$MMIO_BASE, %edi
	movl	$0xa5a55a5a, (%rdi)
	movabs	$0x0123456789abcdef, %rax
	mov	%rax, 8(%rdi)
	mov	$'2', %r15b
	mov	(%rdi), %ebx
	cmp	$0xfeedbeef, %ebx
	jne	fail
	mov	$'3', %r15b
	movzbl	4(%rdi), %ecx
	cmp	$0x42, %ecx
	jne	fail
	mov	$'4', %r15b
	mov	16(%rdi), %rdx
	movabs	$0x1122334455667788, %rax
	cmp	%rax, %rdx
	jne	fail
	lea	ok(%rip), %rsi
	mov	$COM1, %dx
3:	lodsb
	test	%al, %al
	jz	bench
	out	%al, %dx
	jmp	3b

bench:
	mov	$PORT_BENCH_N, %dx
	in	%dx, %eax
	test	%eax, %eax
	jz	heartbeat
	mov	%eax, %r12d		/* N */
	mov	%r12d, %r13d
	rdtsc
	mov	%eax, %r14d
7:	xor	%eax, %eax
	xor	%ecx, %ecx
	cpuid
	dec	%r13d
	jnz	7b
	rdtsc
	sub	%r14d, %eax
	mov	$PORT_BENCH_OUT, %dx
	out	%eax, %dx
	mov	%r12d, %r13d
	rdtsc
	mov	%eax, %r14d
	mov	$PORT_BENCH_N, %dx
8:	in	%dx, %eax
	dec	%r13d
	jnz	8b
	rdtsc
	sub	%r14d, %eax
	mov	$PORT_BENCH_OUT, %dx
	out	%eax, %dx

fail:
	lea	failmsg(%rip), %rsi
	mov	$COM1, %dx
4:	lodsb
	test	%al, %al
	jz	5f
	out	%al, %dx
	jmp	4b
5:	mov	%r15b, %al
	out	%al, %dx
	mov	$'\n', %al
	out	%al, %dx

heartbeat:
	mov	$PORT_HEARTBEAT, %dx
	in	%dx, %eax
	test	%eax, %eax
	jz	heartbeat

	mov	$PM1A_CNT, %dx
	mov	$0x3400, %ax
	out	%ax, %dx
	cli
6:	hlt
	jmp	6b

greeting:
	.asciz	"Hello from the User VM\n"
ok:
	.asciz	"OK\n"
failmsg:
	.asciz	"FAIL "
	.globl	uvm_hello_end
uvm_hello_end:
