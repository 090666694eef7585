// SPDX-License-Identifier: BSD-3-Clause
/*
 * The hypervisor's polled 16550 for VMs without a device model (vuart.h).
 * Enough of the chip for Linux's 8250 driver and for simple guests that
 * poll LSR: divisor latch, IER/LCR/MCR/SCR kept, FIFO control ignored,
 * transmitter always empty, a receive buffer fed by the debug shell.
 */
#include "hv.h"
#include "vuart.h"
#include "io_emul.h"
#include "vm.h"

#define UART_RBR_THR 0
#define UART_IER     1
#define UART_IIR_FCR 2
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7

#define LCR_DLAB     0x80
#define LSR_DR	     0x01
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define IIR_NONE     0x01
#define MCR_LOOP     0x10
#define MSR_CTS_DSR  0x30
#define MSR_DCD	     0x80
#define IER_WRITABLE 0x0f

static void flush_line(struct vuart *u)
{
	u->line[u->line_len] = '\0';
	hv_printf("ACRN-HV: vm%u %s: %s\n", u->vm_id, u->vm_name, u->line);
	u->line_len = 0;
}

/* Printable bytes and tabs are kept; CR is dropped; anything else shows as '?'. */
static void transmit(struct vuart *u, u8 c)
{
	if (c == '\n') {
		flush_line(u);
		return;
	}
	if (c == '\r')
		return;
	u->line[u->line_len++] = (c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '?';
	if (u->line_len == VUART_LINE_MAX)
		flush_line(u);
}

u8 vuart_read(struct vuart *u, u32 reg)
{
	bool dlab = u->lcr & LCR_DLAB;
	u8 val = 0xff;

	spin_lock(&u->lock);
	switch (reg) {
	case UART_RBR_THR:
		if (dlab) {
			val = u->dll;
		} else if (u->rx_head != u->rx_tail) {
			val = u->rx[u->rx_tail % VUART_RX_SIZE];
			u->rx_tail++;
		} else {
			val = 0;
		}
		break;
	case UART_IER:
		val = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		val = IIR_NONE;
		break;
	case UART_LCR:
		val = u->lcr;
		break;
	case UART_MCR:
		val = u->mcr;
		break;
	case UART_LSR:
		val = LSR_THRE | LSR_TEMT | (u->rx_head != u->rx_tail ? LSR_DR : 0);
		break;
	case UART_MSR:
		/* loopback mirrors MCR's outputs, as Linux's probe expects */
		val = (u->mcr & MCR_LOOP) ? (u8)((u->mcr & 0x0f) << 4) : MSR_CTS_DSR | MSR_DCD;
		break;
	case UART_SCR:
		val = u->scr;
		break;
	}
	spin_unlock(&u->lock);
	return val;
}

void vuart_write(struct vuart *u, u32 reg, u8 val)
{
	bool dlab = u->lcr & LCR_DLAB;

	spin_lock(&u->lock);
	switch (reg) {
	case UART_RBR_THR:
		if (dlab)
			u->dll = val;
		else if (!(u->mcr & MCR_LOOP))
			transmit(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & IER_WRITABLE;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default: /* FCR, LSR, MSR: nothing to keep */
		break;
	}
	spin_unlock(&u->lock);
}

bool vuart_receive(struct vuart *u, u8 c)
{
	bool ok;

	spin_lock(&u->lock);
	ok = u->rx_head - u->rx_tail < VUART_RX_SIZE;
	if (ok)
		u->rx[u->rx_head++ % VUART_RX_SIZE] = c;
	spin_unlock(&u->lock);
	return ok;
}

/* Byte-wide registers; a wider access touches consecutive ones, as on the bus. */
static int vuart_pio(struct vcpu *v, struct io_access *a, void *ctx)
{
	struct vuart *u = ctx;
	u32 base = (u32)(a->addr & 7), i;

	(void)v;
	if (!a->write)
		a->value = 0;
	for (i = 0; i < a->size && base + i < 8; i++) {
		if (a->write)
			vuart_write(u, base + i, (u8)(a->value >> (8 * i)));
		else
			a->value |= (u64)vuart_read(u, base + i) << (8 * i);
	}
	return 0;
}

int vuart_attach(struct vuart *u, struct vm *vm, u16 base)
{
	memset(u, 0, sizeof(*u));
	u->vm_id = vm->id;
	u->vm_name = vm->name;
	u->lcr = 0x03; /* 8N1, as firmware leaves it */
	return pio_register(vm, base, 8, vuart_pio, u);
}
