/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 16550-compatible UART the hypervisor emulates for a VM without a
 * device model (a pre-launched VM's COM1).  Polled only: it raises no
 * interrupt.  What the guest transmits goes to the hypervisor console a
 * line at a time as "ACRN-HV: vm<ID> <NAME>: <line>"; what the debug
 * shell's vm_console types is what the guest receives.
 */
#ifndef HV_VUART_H
#define HV_VUART_H

#include "lib.h"
#include "x86.h"

#define VUART_LINE_MAX 120
#define VUART_RX_SIZE  64

struct vm;

struct vuart {
	struct spinlock lock;
	u16 vm_id;
	const char *vm_name;
	u8 ier, lcr, mcr, scr, dll, dlm;
	char line[VUART_LINE_MAX + 1];
	u32 line_len;
	u8 rx[VUART_RX_SIZE];
	u32 rx_head, rx_tail; /* free-running; rx_head - rx_tail bytes wait */
};

/* Initialise @u and make it @vm's UART at ports [@base, @base + 8). */
int vuart_attach(struct vuart *u, struct vm *vm, u16 base);
/* A byte typed at the hypervisor console for the guest; false if its buffer is full. */
bool vuart_receive(struct vuart *u, u8 c);
/* Register access at offset @reg (0-7), the pure part (host-tested). */
u8 vuart_read(struct vuart *u, u32 reg);
void vuart_write(struct vuart *u, u32 reg, u8 val);

#endif
