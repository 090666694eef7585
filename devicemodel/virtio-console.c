/* virtio-console; see virtio-console.h. */
#include "config.h"

#include <string.h>

#include "virtio-console.h"

#define RX	   0
#define TX	   1
#define QUEUE_SIZE 64
#define CFG_SIZE   12

struct DmVirtioConsole {
	DmVirtioDevice *dev;
	DmUartBackendOps ops;
};

static void broken(DmVirtioDevice *dev, GError *error)
{
	g_autofree char *why = g_strdup_printf("virtio-console: %s", error->message);

	dm_virtio_set_broken(dev, why);
}

static void con_notify(DmVirtioDevice *dev, guint q)
{
	DmVirtioConsole *con = dev->impl;
	DmVqChain *c;
	gboolean pushed = FALSE;

	if (q == RX) {
		/* New receive buffers: the backend may send again. */
		if (con->ops.rx_space)
			con->ops.rx_space(con->ops.ctx);
		return;
	}
	c = g_new(DmVqChain, 1);
	for (;;) {
		g_autoptr(GError) error = NULL;
		int got = dm_vq_pop(&dev->vq[TX], dev->mem, c, &error);

		if (got == 0)
			break;
		if (got < 0) {
			broken(dev, error);
			break;
		}
		for (guint i = 0; i < c->n_out; i++) {
			for (guint32 b = 0; b < c->iov[i].len && con->ops.tx; b++)
				con->ops.tx(con->ops.ctx, c->iov[i].base[b]);
		}
		if (!dm_vq_push(&dev->vq[TX], dev->mem, c->head, 0, &error)) {
			broken(dev, error);
			break;
		}
		pushed = TRUE;
	}
	g_free(c);
	if (pushed)
		dm_virtio_notify_queue(dev, TX);
}

gsize dm_virtio_console_receive(DmVirtioConsole *con, const guint8 *buf, gsize len)
{
	DmVirtioDevice *dev = con->dev;
	g_autofree DmVqChain *c = NULL;
	gsize done = 0;

	if (!dm_virtio_is_live(dev) || !dev->vq[RX].enabled)
		return 0;
	c = g_new(DmVqChain, 1);
	while (done < len) {
		g_autoptr(GError) error = NULL;
		gsize n;
		int got = dm_vq_pop(&dev->vq[RX], dev->mem, c, &error);

		if (got == 0)
			break; /* no buffers: the rest waits for the next kick */
		if (got < 0) {
			broken(dev, error);
			break;
		}
		n = dm_vq_chain_write(c, 0, buf + done, len - done);
		if (!dm_vq_push(&dev->vq[RX], dev->mem, c->head, (guint32)n, &error)) {
			broken(dev, error);
			break;
		}
		done += n;
		if (n == 0)
			break; /* a buffer without room: do not spin on it */
	}
	if (done)
		dm_virtio_notify_queue(dev, RX);
	return done;
}

static void con_cfg_read(DmVirtioDevice *dev, guint off, guint8 *buf, guint len)
{
	/* cols, rows, max_nr_ports, emerg_wr: unused without their
	 * features, read as zero. */
	memset(buf, 0, len);
}

static const DmVirtioOps con_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .class_code = 0x078000,
    .n_queues = 2,
    .queue_size = QUEUE_SIZE,
    .cfg_size = CFG_SIZE,
    .cfg_read = con_cfg_read,
    .notify = con_notify,
};

DmVirtioConsole *dm_virtio_console_new(DmPci *pci, const DmPciDeviceConfig *cfg,
				       const DmGuestMem *mem, const DmUartBackendOps *ops,
				       GError **error)
{
	DmVirtioConsole *con = g_new0(DmVirtioConsole, 1);

	if (ops)
		con->ops = *ops;
	con->dev = dm_virtio_pci_new(pci, cfg->slot, cfg->func, &con_ops, 0, con, mem, error);
	if (!con->dev) {
		g_free(con);
		return NULL;
	}
	return con;
}

void dm_virtio_console_free(DmVirtioConsole *con)
{
	if (!con)
		return;
	dm_virtio_pci_free(con->dev);
	g_free(con);
}

DmVirtioDevice *dm_virtio_console_device(DmVirtioConsole *con)
{
	return con->dev;
}
