/* 16550A UART; see uart.h. */
#include "config.h"

#include "uart.h"

enum {
	REG_DATA = 0, /* RBR / THR, DLL with DLAB */
	REG_IER = 1,  /* DLM with DLAB */
	REG_IIR = 2,  /* FCR on write */
	REG_LCR = 3,
	REG_MCR = 4,
	REG_LSR = 5,
	REG_MSR = 6,
	REG_SCR = 7,
};

#define IER_RDI	   0x01
#define IER_THRI   0x02
#define IER_RLSI   0x04
#define IER_MSI	   0x08
#define IIR_NONE   0x01
#define IIR_MSI	   0x00
#define IIR_THRI   0x02
#define IIR_RDI	   0x04
#define IIR_RLSI   0x06
#define IIR_FIFO   0xC0
#define FCR_FIFO   0x01
#define FCR_CLR_RX 0x02
#define LCR_DLAB   0x80
#define MCR_DTR	   0x01
#define MCR_RTS	   0x02
#define MCR_OUT1   0x04
#define MCR_OUT2   0x08
#define MCR_LOOP   0x10
#define LSR_DR	   0x01
#define LSR_OE	   0x02
#define LSR_THRE   0x20
#define LSR_TEMT   0x40
#define MSR_DELTA  0x0F

struct DmUart {
	const DmIrqSink *irq;
	guint gsi;
	DmUartBackendOps ops;
	guint8 rx[DM_UART_FIFO];
	guint rx_head, rx_len;
	guint8 ier, lcr, mcr, msr, scr, dll, dlm;
	gboolean fifo_on, overrun, thre_pending, irq_level;
};

DmUart *dm_uart_new(const DmIrqSink *irq, guint gsi, const DmUartBackendOps *ops)
{
	DmUart *u = g_new0(DmUart, 1);

	u->irq = irq;
	u->gsi = gsi;
	if (ops)
		u->ops = *ops;
	u->dll = 12; /* 9600 baud */
	/* A connected line: carrier, data set ready, clear to send. */
	u->msr = 0xB0;
	return u;
}

void dm_uart_free(DmUart *u)
{
	g_free(u);
}

static guint rx_capacity(const DmUart *u)
{
	/* Without FIFOs the 16550 holds one received byte. */
	return u->fifo_on ? DM_UART_FIFO : 1;
}

gsize dm_uart_rx_room(const DmUart *u)
{
	return rx_capacity(u) > u->rx_len ? rx_capacity(u) - u->rx_len : 0;
}

static guint8 iir(const DmUart *u)
{
	guint8 id = IIR_NONE;

	if ((u->ier & IER_RLSI) && u->overrun)
		id = IIR_RLSI;
	else if ((u->ier & IER_RDI) && u->rx_len)
		id = IIR_RDI;
	else if ((u->ier & IER_THRI) && u->thre_pending)
		id = IIR_THRI;
	else if ((u->ier & IER_MSI) && (u->msr & MSR_DELTA))
		id = IIR_MSI;
	return id | (u->fifo_on ? IIR_FIFO : 0);
}

/* On a PC, OUT2 gates the UART's interrupt onto the ISA bus. */
static void update_irq(DmUart *u)
{
	gboolean level = (iir(u) & IIR_NONE) == 0 && (u->mcr & MCR_OUT2);

	if (level != u->irq_level) {
		u->irq_level = level;
		dm_irq_set(u->irq, u->gsi, level);
	}
}

static gboolean push_rx(DmUart *u, guint8 b)
{
	if (u->rx_len >= rx_capacity(u)) {
		u->overrun = TRUE;
		return FALSE;
	}
	u->rx[(u->rx_head + u->rx_len++) % DM_UART_FIFO] = b;
	return TRUE;
}

gsize dm_uart_receive(DmUart *u, const guint8 *buf, gsize len)
{
	gsize n = 0;

	/* In loopback mode the line is disconnected from the outside. */
	while (!(u->mcr & MCR_LOOP) && n < len && dm_uart_rx_room(u))
		push_rx(u, buf[n++]);
	update_irq(u);
	return n;
}

static guint8 pop_rx(DmUart *u)
{
	guint8 b;

	if (!u->rx_len)
		return 0;
	b = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % DM_UART_FIFO;
	u->rx_len--;
	if (u->rx_len == 0 && u->ops.rx_space)
		u->ops.rx_space(u->ops.ctx);
	return b;
}

static void set_loop_msr(DmUart *u)
{
	guint8 m = u->mcr, old = u->msr, msr = 0;

	if (!(m & MCR_LOOP))
		return;
	msr |= (m & MCR_RTS) ? 0x10 : 0;	    /* CTS */
	msr |= (m & MCR_DTR) ? 0x20 : 0;	    /* DSR */
	msr |= (m & MCR_OUT1) ? 0x40 : 0;	    /* RI */
	msr |= (m & MCR_OUT2) ? 0x80 : 0;	    /* DCD */
	msr |= (guint8)(((old ^ msr) >> 4) & 0x0B); /* deltas of CTS, DSR, DCD */
	if ((old & 0x40) && !(msr & 0x40))
		msr |= 0x04; /* trailing edge of RI */
	u->msr = msr | (old & MSR_DELTA);
}

static void write_reg(DmUart *u, guint reg, guint8 v)
{
	switch (reg) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			break;
		}
		if (u->mcr & MCR_LOOP)
			push_rx(u, v);
		else if (u->ops.tx)
			u->ops.tx(u->ops.ctx, v);
		/* Sent at once: THR is empty again. */
		u->thre_pending = TRUE;
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = v;
			break;
		}
		/* Enabling the THR interrupt with THR empty raises it. */
		if ((v & IER_THRI) && !(u->ier & IER_THRI))
			u->thre_pending = TRUE;
		u->ier = v & 0x0F;
		break;
	case REG_IIR: /* FCR */
		if ((v & FCR_FIFO) != u->fifo_on) {
			u->fifo_on = v & FCR_FIFO;
			u->rx_len = 0;
		}
		if (v & FCR_CLR_RX)
			u->rx_len = 0;
		break;
	case REG_LCR:
		u->lcr = v;
		break;
	case REG_MCR:
		u->mcr = v & 0x1F;
		if (u->mcr & MCR_LOOP)
			set_loop_msr(u);
		else
			u->msr = (u->msr & MSR_DELTA) | 0xB0;
		break;
	case REG_SCR:
		u->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

static guint8 read_reg(DmUart *u, guint reg)
{
	guint8 v;

	switch (reg) {
	case REG_DATA:
		return (u->lcr & LCR_DLAB) ? u->dll : pop_rx(u);
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR:
		v = iir(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if ((v & 0x0F) == IIR_THRI)
			u->thre_pending = FALSE;
		return v;
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = FALSE;
		return v;
	case REG_MSR:
		v = u->msr;
		u->msr &= (guint8)~MSR_DELTA;
		return v;
	default:
		return u->scr;
	}
}

void dm_uart_io(gpointer uart, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmUart *u = uart;

	/* The registers are bytes; wider accesses touch consecutive ones. */
	for (guint i = 0; i < size && offset + i < 8; i++) {
		if (write)
			write_reg(u, (guint)offset + i, (guint8)(*value >> (8 * i)));
		else
			*value |= (guint64)read_reg(u, (guint)offset + i) << (8 * i);
	}
	update_irq(u);
}
