/* Building acrn_io_requests as the HSM hands them to acrn-dm, and an
 * interrupt recorder, for the device tests. */
#pragma once

#include <string.h>

#include "io-bus.h"
#include "irq.h"

static inline guint64 pio(DmIoDispatcher *d, gboolean write, guint16 port, guint size,
			  guint32 value)
{
	struct acrn_io_request req;

	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_PORTIO;
	req.reqs.pio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	req.reqs.pio_request.address = port;
	req.reqs.pio_request.size = size;
	req.reqs.pio_request.value = write ? value : 0xDEADBEEF;
	dm_io_dispatch(d, &req);
	return req.reqs.pio_request.value;
}

#define inb(d, port)	 ((guint8)pio(d, FALSE, port, 1, 0))
#define inw(d, port)	 ((guint16)pio(d, FALSE, port, 2, 0))
#define inl(d, port)	 ((guint32)pio(d, FALSE, port, 4, 0))
#define outb(d, port, v) pio(d, TRUE, port, 1, v)
#define outw(d, port, v) pio(d, TRUE, port, 2, v)
#define outl(d, port, v) pio(d, TRUE, port, 4, v)

static inline guint64 mmio(DmIoDispatcher *d, gboolean write, guint64 addr, guint size,
			   guint64 value)
{
	struct acrn_io_request req;

	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_MMIO;
	req.reqs.mmio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	req.reqs.mmio_request.address = addr;
	req.reqs.mmio_request.size = size;
	req.reqs.mmio_request.value = write ? value : 0xDEADBEEF;
	dm_io_dispatch(d, &req);
	return req.reqs.mmio_request.value;
}

static inline guint32 pcicfg(DmIoDispatcher *d, gboolean write, guint dev, guint func, guint reg,
			     guint size, guint32 value)
{
	struct acrn_io_request req;

	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_PCICFG;
	req.reqs.pci_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	req.reqs.pci_request.size = size;
	req.reqs.pci_request.value = write ? value : 0xDEADBEEF;
	req.reqs.pci_request.bus = 0;
	req.reqs.pci_request.dev = dev;
	req.reqs.pci_request.func = func;
	req.reqs.pci_request.reg = reg;
	dm_io_dispatch(d, &req);
	return req.reqs.pci_request.value;
}

/* Records line levels and MSIs. */
typedef struct {
	gboolean level[64];
	guint edges[64]; /* rising edges per GSI */
	guint n_msi;
	guint64 msi_addr;
	guint32 msi_data;
} IrqLog;

static void irqlog_set(gpointer ctx, guint gsi, gboolean asserted)
{
	IrqLog *l = ctx;

	if (asserted && !l->level[gsi])
		l->edges[gsi]++;
	l->level[gsi] = asserted;
}

static void irqlog_msi(gpointer ctx, guint64 addr, guint32 data)
{
	IrqLog *l = ctx;

	l->n_msi++;
	l->msi_addr = addr;
	l->msi_data = data;
}

static inline DmIrqSink irqlog_sink(IrqLog *l)
{
	return (DmIrqSink){irqlog_set, irqlog_msi, l};
}
