/* virtio over PCI, modern transport only (virtio 1.x, 4.1): the common,
 * notify, ISR and device-specific configuration structures in BAR 0, an
 * MSI-X table in BAR 1, and INTx as the fallback when MSI-X is off.
 *
 * Device models (virtio-blk.c, ...) supply a DmVirtioOps; this file does
 * feature negotiation, queue setup, interrupts and the "needs reset" state
 * a device enters when its driver hands it malformed descriptors. */
#pragma once

#include "guest-mem.h"
#include "pci.h"
#include "virtqueue.h"

G_BEGIN_DECLS

#define VIRTIO_F_VERSION_1 32

#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER	  0x02
#define VIRTIO_STATUS_DRIVER_OK	  0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED	  0x80

/* BAR 0 layout. */
#define VIRTIO_PCI_COMMON	 0x0000
#define VIRTIO_PCI_ISR		 0x1000
#define VIRTIO_PCI_DEVICE	 0x2000
#define VIRTIO_PCI_NOTIFY	 0x3000
#define VIRTIO_PCI_BAR0_SIZE	 0x4000
#define VIRTIO_NOTIFY_MULTIPLIER 4
/* Common configuration offsets. */
#define VIRTIO_COMMON_DFSELECT 0
#define VIRTIO_COMMON_DF       4
#define VIRTIO_COMMON_GFSELECT 8
#define VIRTIO_COMMON_GF       12
#define VIRTIO_COMMON_MSIX     16
#define VIRTIO_COMMON_NUMQ     18
#define VIRTIO_COMMON_STATUS   20
#define VIRTIO_COMMON_CFGGEN   21
#define VIRTIO_COMMON_Q_SELECT 22
#define VIRTIO_COMMON_Q_SIZE   24
#define VIRTIO_COMMON_Q_MSIX   26
#define VIRTIO_COMMON_Q_ENABLE 28
#define VIRTIO_COMMON_Q_NOFF   30
#define VIRTIO_COMMON_Q_DESC   32
#define VIRTIO_COMMON_Q_AVAIL  40
#define VIRTIO_COMMON_Q_USED   48
#define VIRTIO_COMMON_SIZE     56

#define DM_VIRTIO_MAX_QUEUES 4

typedef struct DmVirtioDevice DmVirtioDevice;

typedef struct {
	const char *name;
	guint16 device_id; /* virtio device type, e.g. 2 for block */
	guint32 class_code;
	guint n_queues;
	guint16 queue_size;
	guint cfg_size; /* bytes of device-specific configuration */
	/* Device-specific configuration space, byte-wise. */
	void (*cfg_read)(DmVirtioDevice *dev, guint offset, guint8 *buf, guint len);
	void (*cfg_write)(DmVirtioDevice *dev, guint offset, const guint8 *buf, guint len);
	/* The driver kicked queue @q. */
	void (*notify)(DmVirtioDevice *dev, guint q);
	/* Device reset (status 0 written): forget in-flight state. */
	void (*reset)(DmVirtioDevice *dev);
} DmVirtioOps;

struct DmVirtioDevice {
	const DmVirtioOps *ops;
	gpointer impl;
	DmPciDevice *pci;
	const DmGuestMem *mem;
	guint64 host_features, driver_features;
	guint32 dfselect, gfselect;
	guint8 status, cfg_generation, isr;
	guint16 queue_select, msix_config;
	DmVirtqueue vq[DM_VIRTIO_MAX_QUEUES];
	guint8 msix_cap;
	guint8 msix_table[(DM_VIRTIO_MAX_QUEUES + 1) * 16];
	guint64 msix_pending; /* PBA bits */
	char *broken;	      /* why the device needs a reset, or NULL */
};

DmVirtioDevice *dm_virtio_pci_new(DmPci *pci, guint slot, guint func, const DmVirtioOps *ops,
				  guint64 features, gpointer impl, const DmGuestMem *mem,
				  GError **error);
void dm_virtio_pci_free(DmVirtioDevice *dev);

/* Used buffers were added to queue @q: interrupt the driver if it wants. */
void dm_virtio_notify_queue(DmVirtioDevice *dev, guint q);
/* The device-specific configuration changed (e.g. a new disk). */
void dm_virtio_notify_config(DmVirtioDevice *dev);
/* Marks the device as needing a reset and tells the driver; the device
 * then ignores its queues until the driver resets it. */
void dm_virtio_set_broken(DmVirtioDevice *dev, const char *reason);
gboolean dm_virtio_is_live(const DmVirtioDevice *dev);
/* A system reset: the device forgets its driver, as after status 0, and
 * MSI-X is switched off. */
void dm_virtio_system_reset(DmVirtioDevice *dev);

G_END_DECLS
