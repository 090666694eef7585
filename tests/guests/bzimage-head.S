/* The bzImage setup block and the 64-bit entry of a test guest (see
 * bzimage.ld). Only the fields a 64-bit boot loader reads are set; there is
 * no real-mode setup code (the guest cannot be booted by BIOS). */
	.section .setup, "a"
	.org 0x1f1
	.byte 1			/* setup_sects: 1 + 1 sectors of setup */
	.org 0x1fe
	.word 0xaa55		/* boot_flag */
	.byte 0xeb, 0x66	/* jump over the header: it ends at 0x268 */
	.ascii "HdrS"		/* header */
	.word 0x020f		/* version 2.15 */
	.org 0x211
	.byte 0x01		/* loadflags: LOADED_HIGH */
	.org 0x214
	.long 0x100000		/* code32_start (unused: 64-bit entry) */
	.org 0x230
	.long 0x200000		/* kernel_alignment */
	.byte 0			/* relocatable_kernel: no, loads at 16 MiB */
	.byte 0			/* min_alignment */
	.word 0x0001		/* xloadflags: XLF_KERNEL_64 */
	.long 2047		/* cmdline_size */
	.org 0x260
	.long _end - 0x1000000	/* init_size: image and bss */
	.org 0x400

	.section .head, "ax"
	.code64
	.org 0x200
	.globl startup_64
startup_64:
	/* RSI = boot_params (the zero page); interrupts are off */
	cli
	lea guest_stack_top(%rip), %rsp
	mov %rsi, %rdi
	call guest_main
1:	hlt
	jmp 1b

	.section .bss
	.balign 16
	.skip 16384
guest_stack_top:
