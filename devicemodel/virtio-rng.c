/* virtio-rng; see virtio-rng.h. */
#include "config.h"

#include <errno.h>
#include <sys/random.h>

#include "virtio-rng.h"

#define QUEUE_SIZE 64
/* Per request: a guest asking for megabytes gets them in pieces. */
#define MAX_PER_REQUEST 4096

struct DmVirtioRng {
	DmVirtioDevice *dev;
};

static void rng_notify(DmVirtioDevice *dev, guint q)
{
	g_autofree DmVqChain *c = g_new(DmVqChain, 1);
	gboolean pushed = FALSE;

	for (;;) {
		g_autoptr(GError) error = NULL;
		guint8 buf[MAX_PER_REQUEST];
		gsize want;
		ssize_t n;
		int got = dm_vq_pop(&dev->vq[0], dev->mem, c, &error);

		if (got == 0)
			break;
		if (got < 0) {
			g_autofree char *why = g_strdup_printf("virtio-rng: %s", error->message);

			dm_virtio_set_broken(dev, why);
			break;
		}
		want = MIN(c->in_bytes, sizeof(buf));
		do
			n = getrandom(buf, want, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = 0;
		dm_vq_chain_write(c, 0, buf, (gsize)n);
		if (!dm_vq_push(&dev->vq[0], dev->mem, c->head, (guint32)n, &error)) {
			dm_virtio_set_broken(dev, error->message);
			break;
		}
		pushed = TRUE;
	}
	if (pushed)
		dm_virtio_notify_queue(dev, 0);
}

static const DmVirtioOps rng_ops = {
    .name = "virtio-rnd",
    .device_id = VIRTIO_ID_RNG,
    .class_code = 0x00FF00,
    .n_queues = 1,
    .queue_size = QUEUE_SIZE,
    .cfg_size = 0,
    .notify = rng_notify,
};

DmVirtioRng *dm_virtio_rng_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       GError **error)
{
	DmVirtioRng *rng = g_new0(DmVirtioRng, 1);

	rng->dev = dm_virtio_pci_new(pci, cfg->slot, cfg->func, &rng_ops, 0, rng, mem, error);
	if (!rng->dev) {
		g_free(rng);
		return NULL;
	}
	return rng;
}

void dm_virtio_rng_free(DmVirtioRng *rng)
{
	if (!rng)
		return;
	dm_virtio_pci_free(rng->dev);
	g_free(rng);
}

DmVirtioDevice *dm_virtio_rng_device(DmVirtioRng *rng)
{
	return rng->dev;
}
