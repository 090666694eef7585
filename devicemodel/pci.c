/* PCI bus 0; see pci.h. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "guest-mem.h"
#include "pci.h"

struct DmPci {
	DmIoBus *pio, *mmio;
	const DmIrqSink *irq;
	DmPciDevice *dev[32][8];
	guint32 cf8; /* address latch of the 0xCF8/0xCFC mechanism */
	DmIoHandler cf9;
	gpointer cf9_opaque;
	guint64 next_io, next_mem;
};

static void cf8_handler(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *v)
{
	DmPci *pci = opaque;

	/* Only whole-dword accesses to 0xCF8 are the address latch; the
	 * byte at 0xCF9 is the chipset's reset control register. */
	if (size == 1 && off == 1 && pci->cf9) {
		pci->cf9(pci->cf9_opaque, 0, 1, write, v);
		return;
	}
	if (size != 4 || off != 0) {
		if (!write)
			*v = (1ULL << (8 * size)) - 1;
		return;
	}
	if (write)
		pci->cf8 = (guint32)*v & 0x8FFFFFFC;
	else
		*v = pci->cf8;
}

static void cfc_handler(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *v)
{
	DmPci *pci = opaque;
	guint32 a = pci->cf8, v32 = (guint32)*v;

	if (!(a & 0x80000000) || (off & (size - 1))) {
		if (!write)
			*v = size == 4 ? 0xFFFFFFFF : (1U << (8 * size)) - 1;
		return;
	}
	dm_pci_cfg_access(pci, (a >> 16) & 0xFF, (a >> 11) & 0x1F, (a >> 8) & 7,
			  (a & 0xFC) + ((a >> 16) & 0xF00) + (guint)off, size, write, &v32);
	if (!write)
		*v = v32;
}

DmPci *dm_pci_new(DmIoBus *pio, DmIoBus *mmio, const DmIrqSink *irq, GError **error)
{
	g_autoptr(DmPci) pci = g_new0(DmPci, 1);

	pci->pio = pio;
	pci->mmio = mmio;
	pci->irq = irq;
	pci->next_io = DM_PCI_IO_BASE;
	pci->next_mem = DM_PCI_MMIO32_BASE;
	if (!dm_io_bus_register(pio, 0xCF8, 4, "pci-cf8", cf8_handler, pci, error) ||
	    !dm_io_bus_register(pio, 0xCFC, 4, "pci-cfc", cfc_handler, pci, error))
		return NULL;
	return g_steal_pointer(&pci);
}

static void unmap_bar(DmPciDevice *d, guint i)
{
	DmPciBar *b = &d->bar[i];

	if (b->mapped)
		dm_io_bus_unregister(b->is_io ? d->pci->pio : d->pci->mmio, b->mapped);
	b->mapped = 0;
}

void dm_pci_free(DmPci *pci)
{
	if (!pci)
		return;
	for (guint s = 0; s < 32; s++) {
		for (guint f = 0; f < 8; f++) {
			DmPciDevice *d = pci->dev[s][f];

			if (!d)
				continue;
			for (guint i = 0; i < 6; i++)
				unmap_bar(d, i);
			g_free(d->name);
			g_free(d);
		}
	}
	dm_io_bus_unregister(pci->pio, 0xCF8);
	dm_io_bus_unregister(pci->pio, 0xCFC);
	g_free(pci);
}

void dm_pci_set_cf9_handler(DmPci *pci, DmIoHandler fn, gpointer opaque)
{
	pci->cf9 = fn;
	pci->cf9_opaque = opaque;
}

const DmIrqSink *dm_pci_irq_sink(DmPci *pci)
{
	return pci->irq;
}

DmPciDevice *dm_pci_get(DmPci *pci, guint slot, guint func)
{
	return slot < 32 && func < 8 ? pci->dev[slot][func] : NULL;
}

DmPciDevice *dm_pci_add(DmPci *pci, guint slot, guint func, const char *name, guint16 vendor,
			guint16 device, guint32 class_code, GError **error)
{
	DmPciDevice *d;

	g_return_val_if_fail(slot < 32 && func < 8, NULL);
	if (pci->dev[slot][func]) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "PCI %u:%u is already %s", slot,
			    func, pci->dev[slot][func]->name);
		return NULL;
	}
	d = g_new0(DmPciDevice, 1);
	d->pci = pci;
	d->name = g_strdup(name);
	d->slot = slot;
	d->func = func;
	d->cap_end = 0x40;
	dm_pci_set_cfg16(d, PCI_VENDOR_ID, vendor);
	dm_pci_set_cfg16(d, PCI_DEVICE_ID, device);
	d->cfg[PCI_CLASS_PROG] = (guint8)class_code;
	d->cfg[PCI_CLASS_PROG + 1] = (guint8)(class_code >> 8);
	d->cfg[PCI_CLASS_PROG + 2] = (guint8)(class_code >> 16);
	/* Command: I/O, memory, bus master, INTx disable are writable. */
	d->wmask[PCI_COMMAND] = PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER;
	d->wmask[PCI_COMMAND + 1] = PCI_CMD_INTX_OFF >> 8;
	d->wmask[PCI_INTERRUPT_LINE] = 0xFF;
	/* Status: the error bits are write-1-to-clear; nothing sets them. */
	d->w1cmask[PCI_STATUS + 1] = 0xF9;
	pci->dev[slot][func] = d;
	return d;
}

gboolean dm_pci_add_bar(DmPciDevice *d, guint idx, gboolean is_io, guint64 size, DmIoHandler fn,
			gpointer opaque, GError **error)
{
	DmPci *pci = d->pci;
	guint64 *next = is_io ? &pci->next_io : &pci->next_mem;
	guint64 limit = is_io ? 0x10000 : DM_PCI_MMIO32_LIMIT;
	guint64 addr = (*next + size - 1) & ~(size - 1);
	guint32 mask = (guint32) ~(size - 1);

	g_return_val_if_fail(idx < 6 && size >= (is_io ? 4 : 16) && (size & (size - 1)) == 0,
			     FALSE);
	if (addr + size > limit) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
			    "%s: no room for a %" G_GUINT64_FORMAT "-byte %s BAR", d->name, size,
			    is_io ? "I/O" : "memory");
		return FALSE;
	}
	*next = addr + size;
	d->bar[idx] = (DmPciBar){TRUE, is_io, size, 0, fn, opaque};
	dm_pci_set_cfg32(d, PCI_BAR0 + 4 * idx, (guint32)addr | (is_io ? 1 : 0));
	/* Only the address bits above the size are writable: writing all
	 * ones reads back the size, as BAR sizing expects. */
	mask &= is_io ? ~3U : ~15U;
	for (guint b = 0; b < 4; b++)
		d->wmask[PCI_BAR0 + 4 * idx + b] = (guint8)(mask >> (8 * b));
	return TRUE;
}

guint8 dm_pci_add_cap(DmPciDevice *d, guint8 id, guint len)
{
	guint8 off = (guint8)((d->cap_end + 3) & ~3);

	if (off < 0x40 || off + len > DM_PCI_CFG_SIZE)
		return 0;
	d->cfg[off] = id;
	d->cfg[off + 1] = 0;
	if (d->last_cap)
		d->cfg[d->last_cap + 1] = off;
	else
		d->cfg[PCI_CAP_PTR] = off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAPS;
	d->last_cap = off;
	d->cap_end = (guint8)MIN(off + len, 0xFF);
	return off;
}

void dm_pci_enable_intx(DmPciDevice *d)
{
	d->gsi = DM_GSI_PCI_BASE + d->slot % 32;
	d->cfg[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	d->cfg[PCI_INTERRUPT_LINE] = (guint8)d->gsi;
}

void dm_pci_set_intx(DmPciDevice *d, gboolean asserted)
{
	if (asserted)
		d->cfg[PCI_STATUS] |= PCI_STATUS_INTX;
	else
		d->cfg[PCI_STATUS] &= (guint8)~PCI_STATUS_INTX;
	if (dm_pci_cfg16(d, PCI_COMMAND) & PCI_CMD_INTX_OFF)
		asserted = FALSE;
	if (d->gsi)
		dm_irq_set(d->pci->irq, d->gsi, asserted);
}

/* Makes the bus follow the BARs and the command register's decode bits. */
static void update_bars(DmPciDevice *d)
{
	guint16 cmd = dm_pci_cfg16(d, PCI_COMMAND);

	for (guint i = 0; i < 6; i++) {
		DmPciBar *b = &d->bar[i];
		guint64 addr;
		gboolean on;

		if (!b->present)
			continue;
		addr = dm_pci_cfg32(d, PCI_BAR0 + 4 * i) & (b->is_io ? ~3U : ~15U);
		on = (cmd & (b->is_io ? PCI_CMD_IO : PCI_CMD_MEM)) && addr != 0 &&
		     addr + b->size <= (b->is_io ? 0x10000 : 0x100000000ULL);
		if (on && addr == b->mapped)
			continue;
		unmap_bar(d, i);
		/* A BAR moved onto another device's range stays unmapped
		 * rather than stealing the range. */
		if (on && dm_io_bus_register(b->is_io ? d->pci->pio : d->pci->mmio, addr, b->size,
					     d->name, b->fn, b->opaque, NULL))
			b->mapped = addr;
	}
}

void dm_pci_cfg_access(gpointer opaque, guint bus, guint slot, guint func, guint reg, guint size,
		       gboolean write, guint32 *value)
{
	DmPci *pci = opaque;
	DmPciDevice *d = bus == 0 ? dm_pci_get(pci, slot, func) : NULL;

	if (!d || reg + size > DM_PCI_CFG_SIZE) {
		/* No function, or extended space we do not implement. */
		if (!write)
			*value = d ? 0 : (size == 4 ? 0xFFFFFFFF : (1U << (8 * size)) - 1);
		return;
	}
	if (!write) {
		guint32 v = 0;

		for (guint i = 0; i < size; i++)
			v |= (guint32)d->cfg[reg + i] << (8 * i);
		/* Function 0 announces the others through the header type. */
		if (func == 0 && reg <= PCI_HEADER_TYPE && reg + size > PCI_HEADER_TYPE) {
			for (guint f = 1; f < 8; f++) {
				if (pci->dev[slot][f])
					v |= 0x80U << (8 * (PCI_HEADER_TYPE - reg));
			}
		}
		*value = v;
		return;
	}
	for (guint i = 0; i < size; i++) {
		guint8 b = (guint8)(*value >> (8 * i));
		guint r = reg + i;

		d->cfg[r] = (guint8)((d->cfg[r] & ~d->wmask[r]) | (b & d->wmask[r]));
		d->cfg[r] &= (guint8) ~(b & d->w1cmask[r]);
	}
	if (reg < PCI_BAR0 + 24 && reg + size > PCI_COMMAND)
		update_bars(d);
	if (reg <= PCI_COMMAND + 1 && reg + size > PCI_COMMAND + 1 && d->gsi)
		dm_pci_set_intx(d, (d->cfg[PCI_STATUS] & PCI_STATUS_INTX) != 0);
	if (d->cfg_written)
		d->cfg_written(d, reg, size);
}

DmPciDevice *dm_pci_add_hostbridge(DmPci *pci, guint slot, guint func, GError **error)
{
	/* IDs as upstream acrn-dm's host bridge; class: host bridge. */
	return dm_pci_add(pci, slot, func, "hostbridge", 0x1275, 0x1275, 0x060000, error);
}

DmPciDevice *dm_pci_add_lpc(DmPci *pci, guint slot, guint func, GError **error)
{
	/* An ISA bridge (Intel PIIX3 IDs, as upstream); the legacy devices
	 * behind it (COM1, RTC, PIT) are on the port I/O bus. */
	return dm_pci_add(pci, slot, func, "lpc", 0x8086, 0x7000, 0x060100, error);
}
