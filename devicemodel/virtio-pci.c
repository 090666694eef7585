/* virtio-pci modern transport; see virtio-pci.h. */
#include "config.h"

#include <string.h>

#include "virtio-pci.h"

#define PCI_VENDOR_VIRTIO 0x1AF4
#define CAP_VENDOR	  0x09
#define CAP_MSIX	  0x11
#define CFG_COMMON	  1
#define CFG_NOTIFY	  2
#define CFG_ISR		  3
#define CFG_DEVICE	  4
#define MSIX_ENABLE	  0x8000
#define MSIX_MASKALL	  0x4000
#define MSIX_PBA_OFFSET	  0x800
#define BAR1_SIZE	  0x1000
#define NO_VECTOR	  0xFFFF

static guint n_vectors(const DmVirtioDevice *d)
{
	return d->ops->n_queues + 1;
}

static void put_le(guint8 *p, guint64 v, guint n)
{
	for (guint i = 0; i < n; i++)
		p[i] = (guint8)(v >> (8 * i));
}

static guint64 get_le(const guint8 *p, guint n)
{
	guint64 v = 0;

	for (guint i = 0; i < n; i++)
		v |= (guint64)p[i] << (8 * i);
	return v;
}

static gboolean msix_enabled(const DmVirtioDevice *d, gboolean *masked)
{
	guint16 ctl = dm_pci_cfg16(d->pci, d->msix_cap + 2);

	*masked = (ctl & MSIX_MASKALL) != 0;
	return (ctl & MSIX_ENABLE) != 0;
}

static void send_vector(DmVirtioDevice *d, guint16 v)
{
	gboolean all_masked;
	const guint8 *e;

	if (v == NO_VECTOR || v >= n_vectors(d))
		return;
	msix_enabled(d, &all_masked);
	e = d->msix_table + 16 * v;
	if (all_masked || (get_le(e + 12, 4) & 1)) {
		d->msix_pending |= 1ULL << v;
		return;
	}
	d->msix_pending &= ~(1ULL << v);
	dm_irq_msi(dm_pci_irq_sink(d->pci->pci), get_le(e, 8), (guint32)get_le(e + 8, 4));
}

static void interrupt(DmVirtioDevice *d, guint8 isr_bit, guint16 vector)
{
	gboolean masked;

	if (msix_enabled(d, &masked)) {
		send_vector(d, vector);
		return;
	}
	d->isr |= isr_bit;
	dm_pci_set_intx(d->pci, TRUE);
}

void dm_virtio_notify_queue(DmVirtioDevice *d, guint q)
{
	if (q < d->ops->n_queues && dm_vq_wants_interrupt(&d->vq[q], d->mem))
		interrupt(d, 1, d->vq[q].msix_vector);
}

void dm_virtio_notify_config(DmVirtioDevice *d)
{
	d->cfg_generation++;
	if (d->status & VIRTIO_STATUS_DRIVER_OK)
		interrupt(d, 2, d->msix_config);
}

void dm_virtio_set_broken(DmVirtioDevice *d, const char *reason)
{
	if (d->broken)
		return;
	d->broken = g_strdup(reason);
	d->status |= VIRTIO_STATUS_NEEDS_RESET;
	dm_virtio_notify_config(d);
}

gboolean dm_virtio_is_live(const DmVirtioDevice *d)
{
	return !d->broken && (d->status & VIRTIO_STATUS_DRIVER_OK);
}

static void reset(DmVirtioDevice *d)
{
	d->driver_features = 0;
	d->dfselect = d->gfselect = 0;
	d->status = 0;
	d->isr = 0;
	d->queue_select = 0;
	d->msix_config = NO_VECTOR;
	for (guint i = 0; i < DM_VIRTIO_MAX_QUEUES; i++) {
		dm_vq_reset(&d->vq[i]);
		d->vq[i].size = d->ops->queue_size;
	}
	g_clear_pointer(&d->broken, g_free);
	dm_pci_set_intx(d->pci, FALSE);
	if (d->ops->reset)
		d->ops->reset(d);
}

void dm_virtio_system_reset(DmVirtioDevice *d)
{
	guint16 ctl = dm_pci_cfg16(d->pci, d->msix_cap + 2);

	dm_pci_set_cfg16(d->pci, d->msix_cap + 2, ctl & (guint16) ~(MSIX_ENABLE | MSIX_MASKALL));
	d->msix_pending = 0;
	for (guint v = 0; v < n_vectors(d); v++)
		d->msix_table[16 * v + 12] = 1;
	reset(d);
}

static guint64 common_read(DmVirtioDevice *d, guint off, guint size)
{
	DmVirtqueue *q = d->queue_select < d->ops->n_queues ? &d->vq[d->queue_select] : NULL;
	guint8 buf[VIRTIO_COMMON_SIZE] = {0};

	put_le(buf + VIRTIO_COMMON_DFSELECT, d->dfselect, 4);
	put_le(buf + VIRTIO_COMMON_DF,
	       d->dfselect < 2 ? (guint32)(d->host_features >> (32 * d->dfselect)) : 0, 4);
	put_le(buf + VIRTIO_COMMON_GFSELECT, d->gfselect, 4);
	put_le(buf + VIRTIO_COMMON_GF,
	       d->gfselect < 2 ? (guint32)(d->driver_features >> (32 * d->gfselect)) : 0, 4);
	put_le(buf + VIRTIO_COMMON_MSIX, d->msix_config, 2);
	put_le(buf + VIRTIO_COMMON_NUMQ, d->ops->n_queues, 2);
	buf[VIRTIO_COMMON_STATUS] = d->status;
	buf[VIRTIO_COMMON_CFGGEN] = d->cfg_generation;
	put_le(buf + VIRTIO_COMMON_Q_SELECT, d->queue_select, 2);
	if (q) {
		put_le(buf + VIRTIO_COMMON_Q_SIZE, q->size, 2);
		put_le(buf + VIRTIO_COMMON_Q_MSIX, q->msix_vector, 2);
		put_le(buf + VIRTIO_COMMON_Q_ENABLE, q->enabled, 2);
		put_le(buf + VIRTIO_COMMON_Q_NOFF, d->queue_select, 2);
		put_le(buf + VIRTIO_COMMON_Q_DESC, q->desc, 8);
		put_le(buf + VIRTIO_COMMON_Q_AVAIL, q->avail, 8);
		put_le(buf + VIRTIO_COMMON_Q_USED, q->used, 8);
	}
	return off + size <= VIRTIO_COMMON_SIZE ? get_le(buf + off, size) : 0;
}

static void set_status(DmVirtioDevice *d, guint8 v)
{
	if (v == 0) {
		reset(d);
		return;
	}
	/* FEATURES_OK only sticks for a feature set we can live with. */
	if ((v & VIRTIO_STATUS_FEATURES_OK) &&
	    (!(d->driver_features & (1ULL << VIRTIO_F_VERSION_1)) ||
	     (d->driver_features & ~d->host_features)))
		v &= (guint8)~VIRTIO_STATUS_FEATURES_OK;
	d->status = (guint8)(v | (d->status & VIRTIO_STATUS_NEEDS_RESET));
}

/* Writes into a 64-bit queue address, 32 bits at a time as drivers do. */
static void set_part(guint64 *field, guint off_in_field, guint size, guint64 v)
{
	guint64 mask = (size == 8 ? G_MAXUINT64 : ((1ULL << (8 * size)) - 1)) << (8 * off_in_field);

	*field = (*field & ~mask) | ((v << (8 * off_in_field)) & mask);
}

static void common_write(DmVirtioDevice *d, guint off, guint size, guint64 v)
{
	DmVirtqueue *q = d->queue_select < d->ops->n_queues ? &d->vq[d->queue_select] : NULL;
	/* Queue registers only change while the queue is disabled. */
	gboolean q_writable = q && !q->enabled;

	switch (off) {
	case VIRTIO_COMMON_DFSELECT:
		d->dfselect = (guint32)v;
		return;
	case VIRTIO_COMMON_GFSELECT:
		d->gfselect = (guint32)v;
		return;
	case VIRTIO_COMMON_GF:
		if (d->gfselect < 2 && !(d->status & VIRTIO_STATUS_FEATURES_OK)) {
			guint shift = 32 * d->gfselect;

			d->driver_features = (d->driver_features & ~(0xFFFFFFFFULL << shift)) |
					     ((v & 0xFFFFFFFF) << shift);
		}
		return;
	case VIRTIO_COMMON_MSIX:
		d->msix_config = (guint16)v < n_vectors(d) ? (guint16)v : NO_VECTOR;
		return;
	case VIRTIO_COMMON_STATUS:
		set_status(d, (guint8)v);
		return;
	case VIRTIO_COMMON_Q_SELECT:
		d->queue_select = (guint16)v;
		return;
	case VIRTIO_COMMON_Q_SIZE:
		/* A power of two no larger than what we offer. */
		if (q_writable && v && v <= d->ops->queue_size && !(v & (v - 1)))
			q->size = (guint16)v;
		return;
	case VIRTIO_COMMON_Q_MSIX:
		if (q)
			q->msix_vector = (guint16)v < n_vectors(d) ? (guint16)v : NO_VECTOR;
		return;
	case VIRTIO_COMMON_Q_ENABLE:
		if (q_writable && v == 1)
			q->enabled = TRUE;
		return;
	default:
		break;
	}
	if (!q_writable)
		return;
	if (off >= VIRTIO_COMMON_Q_DESC && off + size <= VIRTIO_COMMON_Q_DESC + 8)
		set_part(&q->desc, off - VIRTIO_COMMON_Q_DESC, size, v);
	else if (off >= VIRTIO_COMMON_Q_AVAIL && off + size <= VIRTIO_COMMON_Q_AVAIL + 8)
		set_part(&q->avail, off - VIRTIO_COMMON_Q_AVAIL, size, v);
	else if (off >= VIRTIO_COMMON_Q_USED && off + size <= VIRTIO_COMMON_Q_USED + 8)
		set_part(&q->used, off - VIRTIO_COMMON_Q_USED, size, v);
}

static void bar0_io(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *value)
{
	DmVirtioDevice *d = opaque;

	if (off < VIRTIO_PCI_ISR) {
		if (write)
			common_write(d, (guint)off, size, *value);
		else
			*value = common_read(d, (guint)off, size);
	} else if (off < VIRTIO_PCI_DEVICE) {
		/* Reading the ISR acknowledges the interrupt. */
		if (!write && off == VIRTIO_PCI_ISR) {
			*value = d->isr;
			d->isr = 0;
			dm_pci_set_intx(d->pci, FALSE);
		}
	} else if (off < VIRTIO_PCI_NOTIFY) {
		guint o = (guint)(off - VIRTIO_PCI_DEVICE);
		guint8 buf[8] = {0};

		if (o + size > d->ops->cfg_size)
			return;
		if (write) {
			put_le(buf, *value, size);
			if (d->ops->cfg_write)
				d->ops->cfg_write(d, o, buf, size);
		} else if (d->ops->cfg_read) {
			d->ops->cfg_read(d, o, buf, size);
			*value = get_le(buf, size);
		}
	} else if (write) {
		guint q = (guint)(off - VIRTIO_PCI_NOTIFY) / VIRTIO_NOTIFY_MULTIPLIER;

		if (q < d->ops->n_queues && d->vq[q].enabled && dm_virtio_is_live(d))
			d->ops->notify(d, q);
	}
}

static void bar1_io(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *value)
{
	DmVirtioDevice *d = opaque;
	guint table_len = 16 * n_vectors(d);

	if (off + size <= table_len) {
		guint v = (guint)off / 16;
		gboolean was_masked = get_le(d->msix_table + 16 * v + 12, 4) & 1;

		if (!write) {
			*value = get_le(d->msix_table + off, size);
			return;
		}
		put_le(d->msix_table + off, *value, size);
		/* Unmasking delivers what was held back. */
		if (was_masked && !(get_le(d->msix_table + 16 * v + 12, 4) & 1) &&
		    (d->msix_pending & (1ULL << v)))
			send_vector(d, (guint16)v);
	} else if (!write && off >= MSIX_PBA_OFFSET && off + size <= MSIX_PBA_OFFSET + 8) {
		*value = d->msix_pending >> (8 * (off - MSIX_PBA_OFFSET));
	}
}

static void cfg_written(DmPciDevice *pci, guint reg, guint size)
{
	DmVirtioDevice *d = pci->opaque;
	gboolean masked;

	/* Clearing the function mask delivers pending vectors. */
	if (reg <= d->msix_cap + 3u && reg + size > d->msix_cap + 2u && msix_enabled(d, &masked) &&
	    !masked) {
		for (guint v = 0; v < n_vectors(d); v++) {
			if (d->msix_pending & (1ULL << v))
				send_vector(d, (guint16)v);
		}
	}
}

static void add_vendor_cap(DmPciDevice *p, guint8 type, guint32 offset, guint32 length,
			   gboolean notify)
{
	guint8 c = dm_pci_add_cap(p, CAP_VENDOR, notify ? 20 : 16);

	p->cfg[c + 2] = notify ? 20 : 16;
	p->cfg[c + 3] = type;
	p->cfg[c + 4] = 0; /* BAR 0 */
	dm_pci_set_cfg32(p, c + 8, offset);
	dm_pci_set_cfg32(p, c + 12, length);
	if (notify)
		dm_pci_set_cfg32(p, c + 16, VIRTIO_NOTIFY_MULTIPLIER);
}

DmVirtioDevice *dm_virtio_pci_new(DmPci *pci, guint slot, guint func, const DmVirtioOps *ops,
				  guint64 features, gpointer impl, const DmGuestMem *mem,
				  GError **error)
{
	DmVirtioDevice *d = g_new0(DmVirtioDevice, 1);
	DmPciDevice *p;

	g_assert(ops->n_queues <= DM_VIRTIO_MAX_QUEUES);
	d->ops = ops;
	d->impl = impl;
	d->mem = mem;
	d->host_features = features | (1ULL << VIRTIO_F_VERSION_1);
	p = dm_pci_add(pci, slot, func, ops->name, PCI_VENDOR_VIRTIO, 0x1040 + ops->device_id,
		       ops->class_code, error);
	if (!p) {
		g_free(d);
		return NULL;
	}
	d->pci = p;
	p->opaque = d;
	p->cfg_written = cfg_written;
	p->cfg[PCI_REVISION] = 1; /* modern only */
	dm_pci_set_cfg16(p, PCI_SUBSYS_VENDOR, PCI_VENDOR_VIRTIO);
	dm_pci_set_cfg16(p, PCI_SUBSYS_ID, 0x40 + ops->device_id);
	if (!dm_pci_add_bar(p, 0, FALSE, VIRTIO_PCI_BAR0_SIZE, bar0_io, d, error) ||
	    !dm_pci_add_bar(p, 1, FALSE, BAR1_SIZE, bar1_io, d, error)) {
		/* The PCI bus owns @p and frees it; it must not call back. */
		p->cfg_written = NULL;
		p->bar[0].present = p->bar[1].present = FALSE;
		g_free(d);
		return NULL;
	}
	add_vendor_cap(p, CFG_COMMON, VIRTIO_PCI_COMMON, VIRTIO_COMMON_SIZE, FALSE);
	add_vendor_cap(p, CFG_ISR, VIRTIO_PCI_ISR, 1, FALSE);
	add_vendor_cap(p, CFG_DEVICE, VIRTIO_PCI_DEVICE, MAX(ops->cfg_size, 4), FALSE);
	add_vendor_cap(p, CFG_NOTIFY, VIRTIO_PCI_NOTIFY, ops->n_queues * VIRTIO_NOTIFY_MULTIPLIER,
		       TRUE);
	d->msix_cap = dm_pci_add_cap(p, CAP_MSIX, 12);
	dm_pci_set_cfg16(p, d->msix_cap + 2, (guint16)(n_vectors(d) - 1));
	dm_pci_set_cfg32(p, d->msix_cap + 4, 0 | 1);		   /* table at BAR 1 + 0 */
	dm_pci_set_cfg32(p, d->msix_cap + 8, MSIX_PBA_OFFSET | 1); /* PBA at BAR 1 + 0x800 */
	p->wmask[d->msix_cap + 3] = (MSIX_ENABLE | MSIX_MASKALL) >> 8;
	dm_pci_enable_intx(p);
	/* Vectors start masked, as after a PCI reset. */
	for (guint v = 0; v < n_vectors(d); v++)
		d->msix_table[16 * v + 12] = 1;
	reset(d);
	return d;
}

void dm_virtio_pci_free(DmVirtioDevice *d)
{
	if (!d)
		return;
	g_free(d->broken);
	g_free(d);
}
