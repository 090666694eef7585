/* virtio-net on a tap; see virtio-net.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtio-net.h"

#define RX	   0
#define TX	   1
#define QUEUE_SIZE 256
#define CFG_SIZE   10 /* mac[6], status, max_virtqueue_pairs */

struct DmVirtioNet {
	DmVirtioDevice *dev;
	int fd;
	guint8 mac[6];
	GMutex *lock;
	guint watch;
	gint resume_scheduled;
	guint8 frame[VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME];
	gsize frame_len; /* a received frame waiting for a buffer, or 0 */
	DmVqChain chain;
};

int dm_tap_open(const char *ifname, GError **error)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "/dev/net/tun: %s",
			    g_strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	g_strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "tap %s: %s", ifname,
			    g_strerror(e));
		return -1;
	}
	return fd;
}

static void broken(DmVirtioDevice *dev, const char *msg)
{
	g_autofree char *why = g_strdup_printf("virtio-net: %s", msg);

	dm_virtio_set_broken(dev, why);
}

static void net_cfg_read(DmVirtioDevice *dev, guint off, guint8 *buf, guint len)
{
	DmVirtioNet *n = dev->impl;
	guint8 cfg[CFG_SIZE] = {0};

	memcpy(cfg, n->mac, 6);
	cfg[6] = 1; /* VIRTIO_NET_S_LINK_UP */
	cfg[8] = 1; /* one queue pair */
	memcpy(buf, cfg + off, MIN(len, CFG_SIZE - off));
}

static void transmit(DmVirtioNet *n)
{
	DmVirtioDevice *dev = n->dev;
	g_autofree guint8 *frame = g_malloc(VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME);
	gboolean pushed = FALSE;

	for (;;) {
		g_autoptr(GError) error = NULL;
		gsize len;
		int got = dm_vq_pop(&dev->vq[TX], dev->mem, &n->chain, &error);

		if (got == 0)
			break;
		if (got < 0) {
			broken(dev, error->message);
			break;
		}
		len = dm_vq_chain_read(&n->chain, 0, frame,
				       VIRTIO_NET_HDR_LEN + VIRTIO_NET_MAX_FRAME);
		/* Runts and giants are the guest's problem: dropped. */
		if (len > VIRTIO_NET_HDR_LEN && n->chain.out_bytes == len) {
			ssize_t w;

			do
				w = write(n->fd, frame + VIRTIO_NET_HDR_LEN,
					  len - VIRTIO_NET_HDR_LEN);
			while (w < 0 && errno == EINTR);
		}
		if (!dm_vq_push(&dev->vq[TX], dev->mem, n->chain.head, 0, &error)) {
			broken(dev, error->message);
			break;
		}
		pushed = TRUE;
	}
	if (pushed)
		dm_virtio_notify_queue(dev, TX);
}

/* Puts the pending frame into the next receive buffer; FALSE when the
 * guest has none (the frame stays pending). */
static gboolean deliver(DmVirtioNet *n)
{
	DmVirtioDevice *dev = n->dev;
	g_autoptr(GError) error = NULL;
	int got;

	if (!dm_virtio_is_live(dev) || !dev->vq[RX].enabled)
		return FALSE;
	got = dm_vq_pop(&dev->vq[RX], dev->mem, &n->chain, &error);
	if (got <= 0) {
		if (got < 0)
			broken(dev, error->message);
		return FALSE;
	}
	/* Without mergeable buffers a frame must fit one buffer; a buffer
	 * too small gets the frame truncated, as virtio allows the device
	 * to drop it, and the driver counts a length error. */
	{
		gsize w = dm_vq_chain_write(&n->chain, 0, n->frame, n->frame_len);

		if (!dm_vq_push(&dev->vq[RX], dev->mem, n->chain.head, (guint32)w, &error)) {
			broken(dev, error->message);
			return FALSE;
		}
	}
	n->frame_len = 0;
	dm_virtio_notify_queue(dev, RX);
	return TRUE;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	DmVirtioNet *n = data;
	gboolean keep = TRUE;

	g_mutex_lock(n->lock);
	for (guint budget = 0; budget < 64; budget++) {
		if (!n->frame_len) {
			ssize_t r =
			    read(n->fd, n->frame + VIRTIO_NET_HDR_LEN, VIRTIO_NET_MAX_FRAME);

			if (r <= 0)
				break; /* EAGAIN: all read */
			/* The header: no offloads, one buffer. */
			memset(n->frame, 0, VIRTIO_NET_HDR_LEN);
			n->frame[10] = 1; /* num_buffers */
			n->frame_len = VIRTIO_NET_HDR_LEN + (gsize)r;
		}
		if (!deliver(n)) {
			/* No buffers: stop reading until the guest posts some. */
			n->watch = 0;
			keep = FALSE;
			break;
		}
	}
	g_mutex_unlock(n->lock);
	return keep;
}

static gboolean resume_idle(gpointer data)
{
	DmVirtioNet *n = data;

	g_atomic_int_set(&n->resume_scheduled, 0);
	if (!n->watch)
		n->watch = g_unix_fd_add(n->fd, G_IO_IN, on_readable, n);
	return G_SOURCE_REMOVE;
}

static void net_notify(DmVirtioDevice *dev, guint q)
{
	DmVirtioNet *n = dev->impl;

	if (q == TX) {
		transmit(n);
		return;
	}
	/* New receive buffers (we run in the request thread with the lock
	 * held): the pending frame goes now, reading resumes in the main
	 * loop. */
	if (n->frame_len)
		deliver(n);
	if (g_atomic_int_compare_and_exchange(&n->resume_scheduled, 0, 1))
		g_idle_add(resume_idle, n);
}

static void net_reset(DmVirtioDevice *dev)
{
	DmVirtioNet *n = dev->impl;

	n->frame_len = 0;
}

static const DmVirtioOps net_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .class_code = 0x020000,
    .n_queues = 2,
    .queue_size = QUEUE_SIZE,
    .cfg_size = CFG_SIZE,
    .cfg_read = net_cfg_read,
    .notify = net_notify,
    .reset = net_reset,
};

/* A stable, locally administered MAC from the VM name and the slot. */
static void default_mac(guint8 mac[6], const char *vm_name, guint slot)
{
	guint h = g_str_hash(vm_name) * 31 + slot;

	mac[0] = 0x02;
	mac[1] = 0xA0;
	mac[2] = (guint8)(h >> 24);
	mac[3] = (guint8)(h >> 16);
	mac[4] = (guint8)(h >> 8);
	mac[5] = (guint8)h;
}

DmVirtioNet *dm_virtio_net_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       int fd, const char *vm_name, GMutex *lock, GError **error)
{
	DmVirtioNet *n = g_new0(DmVirtioNet, 1);
	guint64 features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS);

	n->fd = fd;
	n->lock = lock;
	if (cfg->mac) {
		for (guint i = 0; i < 6; i++)
			n->mac[i] = (guint8)g_ascii_strtoull(cfg->mac + 3 * i, NULL, 16);
	} else {
		default_mac(n->mac, vm_name, cfg->slot);
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	n->dev = dm_virtio_pci_new(pci, cfg->slot, cfg->func, &net_ops, features, n, mem, error);
	if (!n->dev) {
		close(fd);
		g_free(n);
		return NULL;
	}
	n->watch = g_unix_fd_add(fd, G_IO_IN, on_readable, n);
	return n;
}

void dm_virtio_net_free(DmVirtioNet *n)
{
	if (!n)
		return;
	if (n->watch)
		g_source_remove(n->watch);
	close(n->fd);
	dm_virtio_pci_free(n->dev);
	g_free(n);
}

DmVirtioDevice *dm_virtio_net_device(DmVirtioNet *n)
{
	return n->dev;
}
