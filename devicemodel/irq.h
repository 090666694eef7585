/* Where device models send their interrupts: the HSM's SET_IRQLINE and
 * INJECT_MSI on the real path (vm-run.c), a recorder in the unit tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	void (*set_line)(gpointer ctx, guint gsi, gboolean asserted);
	void (*msi)(gpointer ctx, guint64 addr, guint32 data);
	gpointer ctx;
} DmIrqSink;

static inline void dm_irq_set(const DmIrqSink *s, guint gsi, gboolean asserted)
{
	if (s && s->set_line)
		s->set_line(s->ctx, gsi, asserted);
}

static inline void dm_irq_msi(const DmIrqSink *s, guint64 addr, guint32 data)
{
	if (s && s->msi)
		s->msi(s->ctx, addr, data);
}

/* Legacy GSIs (ISA IRQs through the hypervisor's vIOAPIC/vPIC). */
#define DM_GSI_PIT  2 /* ISA IRQ 0, routed to GSI 2 by the MADT override */
#define DM_GSI_COM1 4
#define DM_GSI_RTC  8
#define DM_GSI_SCI  9
/* PCI INTx: slot-based GSIs above the ISA range (the vIOAPIC has 48 pins). */
#define DM_GSI_PCI_BASE 16

G_END_DECLS
