/* 16550A UART register model (COM1 at 0x3F8, IRQ 4).
 *
 * Transmission is instantaneous: a byte written to THR goes straight to the
 * backend, so THR is always empty again and the TX FIFO never fills.  The
 * receive side has a 16-byte FIFO that the backend fills through
 * dm_uart_receive(); when the guest drains it, @rx_space tells the backend
 * to read more, so input is never dropped. */
#pragma once

#include "irq.h"

G_BEGIN_DECLS

#define DM_UART_COM1_BASE 0x3F8
#define DM_UART_FIFO	  16

typedef struct DmUart DmUart;

typedef struct {
	void (*tx)(gpointer ctx, guint8 byte);
	void (*rx_space)(gpointer ctx); /* the RX FIFO has room again */
	gpointer ctx;
} DmUartBackendOps;

DmUart *dm_uart_new(const DmIrqSink *irq, guint gsi, const DmUartBackendOps *ops);
void dm_uart_free(DmUart *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmUart, dm_uart_free)

/* DmIoHandler for the 8 registers. */
void dm_uart_io(gpointer uart, guint64 offset, guint size, gboolean write, guint64 *value);
/* Queues received bytes; returns how many fit into the FIFO. */
gsize dm_uart_receive(DmUart *u, const guint8 *buf, gsize len);
gsize dm_uart_rx_room(const DmUart *u);

G_END_DECLS
