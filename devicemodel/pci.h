/* PCI bus 0: configuration space (through HSM PCICFG requests or ports
 * 0xCF8/0xCFC), BAR sizing and placement, capabilities, and the host
 * bridge and LPC bridge functions.
 *
 * BARs get fixed addresses at creation (I/O from 0x2000, memory from the
 * 32-bit window at 2 GiB, as upstream acrn-dm places them) so the guest need not
 * assign any; when it moves one, the device's handler follows it on the
 * I/O bus as soon as decoding is enabled in the command register. */
#pragma once

#include "io-bus.h"
#include "irq.h"

G_BEGIN_DECLS

#define DM_PCI_CFG_SIZE 256

/* Standard header offsets used here and by the device models. */
#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08
#define PCI_CLASS_PROG	   0x09
#define PCI_HEADER_TYPE	   0x0E
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2C
#define PCI_SUBSYS_ID	   0x2E
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN  0x3D
#define PCI_CMD_IO	   0x1
#define PCI_CMD_MEM	   0x2
#define PCI_CMD_MASTER	   0x4
#define PCI_CMD_INTX_OFF   0x400
#define PCI_STATUS_INTX	   0x08
#define PCI_STATUS_CAPS	   0x10

#define DM_PCI_IO_BASE 0x2000

typedef struct DmPci DmPci;
typedef struct DmPciDevice DmPciDevice;

typedef struct {
	gboolean present, is_io;
	guint64 size;
	guint64 mapped; /* address registered on the bus, 0 when not decoded */
	DmIoHandler fn;
	gpointer opaque;
} DmPciBar;

struct DmPciDevice {
	DmPci *pci;
	char *name;
	guint slot, func;
	guint8 cfg[DM_PCI_CFG_SIZE];
	guint8 wmask[DM_PCI_CFG_SIZE];	 /* writable bits */
	guint8 w1cmask[DM_PCI_CFG_SIZE]; /* write-1-to-clear bits */
	DmPciBar bar[6];
	guint8 cap_end; /* next free byte for a capability */
	guint8 last_cap;
	guint gsi; /* INTx line */
	/* Called after every configuration write, e.g. for MSI-X enable. */
	void (*cfg_written)(DmPciDevice *dev, guint reg, guint size);
	gpointer opaque;
};

DmPci *dm_pci_new(DmIoBus *pio, DmIoBus *mmio, const DmIrqSink *irq, GError **error);
void dm_pci_free(DmPci *pci);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmPci, dm_pci_free)

/* Byte accesses to port 0xCF9, inside the 0xCF8 address latch, go to
 * @fn (the reset control register of pm.c). */
void dm_pci_set_cf9_handler(DmPci *pci, DmIoHandler fn, gpointer opaque);

/* Where the devices on this bus send interrupts. */
const DmIrqSink *dm_pci_irq_sink(DmPci *pci);

/* The DmPciCfgHandler of io-bus.h. */
void dm_pci_cfg_access(gpointer pci, guint bus, guint dev, guint func, guint reg, guint size,
		       gboolean write, guint32 *value);

DmPciDevice *dm_pci_add(DmPci *pci, guint slot, guint func, const char *name, guint16 vendor,
			guint16 device, guint32 class_code, GError **error);
DmPciDevice *dm_pci_get(DmPci *pci, guint slot, guint func);

/* Adds BAR @idx (memory BARs are 32-bit, @size a power of two >= 16). */
gboolean dm_pci_add_bar(DmPciDevice *dev, guint idx, gboolean is_io, guint64 size, DmIoHandler fn,
			gpointer opaque, GError **error);
/* Appends a capability of @len bytes (id and next pointer included) and
 * returns its offset; 0 if the configuration space is full. */
guint8 dm_pci_add_cap(DmPciDevice *dev, guint8 id, guint len);
/* Uses INTA# on a slot-based GSI. */
void dm_pci_enable_intx(DmPciDevice *dev);
void dm_pci_set_intx(DmPciDevice *dev, gboolean asserted);

static inline guint16 dm_pci_cfg16(const DmPciDevice *d, guint reg)
{
	return (guint16)(d->cfg[reg] | d->cfg[reg + 1] << 8);
}

static inline void dm_pci_set_cfg16(DmPciDevice *d, guint reg, guint16 v)
{
	d->cfg[reg] = (guint8)v;
	d->cfg[reg + 1] = (guint8)(v >> 8);
}

static inline guint32 dm_pci_cfg32(const DmPciDevice *d, guint reg)
{
	return dm_pci_cfg16(d, reg) | (guint32)dm_pci_cfg16(d, reg + 2) << 16;
}

static inline void dm_pci_set_cfg32(DmPciDevice *d, guint reg, guint32 v)
{
	dm_pci_set_cfg16(d, reg, (guint16)v);
	dm_pci_set_cfg16(d, reg + 2, (guint16)(v >> 16));
}

/* The two bridges every VM has (-s 0:0,hostbridge and -s 1:0,lpc). */
DmPciDevice *dm_pci_add_hostbridge(DmPci *pci, guint slot, guint func, GError **error);
DmPciDevice *dm_pci_add_lpc(DmPci *pci, guint slot, guint func, GError **error);

G_END_DECLS
