/* virtio-blk; see virtio-blk.h. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <limits.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio-blk.h"

#define SECTOR	   512
#define QUEUE_SIZE 256
#define SEG_MAX	   (QUEUE_SIZE - 2)
#define CFG_SIZE   48 /* up to discard_sector_alignment */
/* Discard: up to 32 ranges of up to 4 GiB each per request. */
#define MAX_DISCARD_SEG	    32
#define MAX_DISCARD_SECTORS (G_MAXUINT32 / SECTOR)

struct DmVirtioBlk {
	DmVirtioDevice *dev;
	int fd;
	gboolean read_only, nodisk, is_blockdev;
	guint64 capacity; /* sectors */
	char id[20];
};

static void put32(guint8 *p, guint32 v)
{
	for (guint i = 0; i < 4; i++)
		p[i] = (guint8)(v >> (8 * i));
}

/* Deallocates the ranges of a discard request; the data read from them
 * afterwards is unspecified by virtio, zeros here. */
static guint8 discard(DmVirtioBlk *b, const DmVqChain *c)
{
	guint64 n = (c->out_bytes - 16) / 16;

	if (b->fd < 0 || b->read_only || (c->out_bytes - 16) % 16 || n == 0 || n > MAX_DISCARD_SEG)
		return VIRTIO_BLK_S_IOERR;
	for (guint64 i = 0; i < n; i++) {
		guint8 seg[16];
		guint64 sector;
		guint32 count, flags;

		dm_vq_chain_read(c, 16 + 16 * i, seg, sizeof(seg));
		memcpy(&sector, seg, 8);
		memcpy(&count, seg + 8, 4);
		memcpy(&flags, seg + 12, 4);
		sector = GUINT64_FROM_LE(sector);
		count = GUINT32_FROM_LE(count);
		if (GUINT32_FROM_LE(flags) != 0 || sector > b->capacity ||
		    count > b->capacity - sector)
			return VIRTIO_BLK_S_UNSUPP;
		if (count == 0)
			continue;
		if (b->is_blockdev) {
			guint64 range[2] = {sector * SECTOR, (guint64)count * SECTOR};

			if (ioctl(b->fd, BLKDISCARD, range) < 0)
				return VIRTIO_BLK_S_IOERR;
		} else if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				     (off_t)(sector * SECTOR), (off_t)count * SECTOR) < 0) {
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

static void blk_cfg_read(DmVirtioDevice *dev, guint off, guint8 *buf, guint len)
{
	DmVirtioBlk *b = dev->impl;
	guint8 cfg[CFG_SIZE] = {0};

	for (guint i = 0; i < 8; i++)
		cfg[i] = (guint8)(b->capacity >> (8 * i));
	cfg[12] = (guint8)SEG_MAX; /* seg_max */
	cfg[21] = SECTOR >> 8;	   /* blk_size = 512 */
	cfg[34] = 1;		   /* num_queues */
	put32(cfg + 36, MAX_DISCARD_SECTORS);
	put32(cfg + 40, MAX_DISCARD_SEG);
	put32(cfg + 44, 1); /* discard_sector_alignment */
	memcpy(buf, cfg + off, MIN(len, CFG_SIZE - off));
}

static int open_medium(const char *path, gboolean ro, guint64 *sectors, gboolean *blockdev,
		       GError **error)
{
	struct stat st;
	guint64 bytes;
	int fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
			    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*blockdev = S_ISBLK(st.st_mode);
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &bytes) < 0)
			bytes = 0;
	} else {
		bytes = (guint64)st.st_size;
	}
	*sectors = bytes / SECTOR;
	return fd;
}

/* Serves one request; returns the status byte. */
static guint8 handle(DmVirtioBlk *b, const DmVqChain *c, guint32 *written)
{
	guint8 hdr[16];
	guint32 type;
	guint64 sector, off, data_len;
	struct iovec iov[DM_VQ_MAX_CHAIN];
	guint n = 0;
	ssize_t r;

	if (dm_vq_chain_read(c, 0, hdr, sizeof(hdr)) < sizeof(hdr))
		return VIRTIO_BLK_S_IOERR;
	memcpy(&type, hdr, 4);
	memcpy(&sector, hdr + 8, 8);
	type = GUINT32_FROM_LE(type);
	sector = GUINT64_FROM_LE(sector);

	switch (type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		gboolean in = type == VIRTIO_BLK_T_IN;
		guint64 skip = in ? 0 : sizeof(hdr);
		guint64 left;

		data_len = in ? c->in_bytes - 1 : c->out_bytes - sizeof(hdr);
		if (b->fd < 0 || (!in && b->read_only) || data_len % SECTOR ||
		    sector > b->capacity || data_len / SECTOR > b->capacity - sector)
			return VIRTIO_BLK_S_IOERR;
		/* The data iovs: readable after the header, or writable
		 * before the status byte. */
		left = data_len;
		for (guint i = in ? c->n_out : 0; i < (in ? c->n_out + c->n_in : c->n_out) && left;
		     i++) {
			guint64 l = c->iov[i].len;
			guint8 *base = c->iov[i].base;

			if (skip >= l) {
				skip -= l;
				continue;
			}
			base += skip;
			l -= skip;
			skip = 0;
			l = MIN(l, left);
			iov[n++] = (struct iovec){base, l};
			left -= l;
		}
		off = sector * SECTOR;
		for (guint i = 0; i < n;) {
			r = in ? preadv(b->fd, iov + i, (int)MIN(n - i, IOV_MAX), (off_t)off)
			       : pwritev(b->fd, iov + i, (int)MIN(n - i, IOV_MAX), (off_t)off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return VIRTIO_BLK_S_IOERR;
			off += (guint64)r;
			/* Advance over what was transferred. */
			while (i < n && (gsize)r >= iov[i].iov_len) {
				r -= (ssize_t)iov[i].iov_len;
				i++;
			}
			if (i < n) {
				iov[i].iov_base = (guint8 *)iov[i].iov_base + r;
				iov[i].iov_len -= (gsize)r;
			}
		}
		if (in)
			*written = (guint32)data_len;
		return VIRTIO_BLK_S_OK;
	}
	case VIRTIO_BLK_T_FLUSH:
		if (b->fd >= 0 && !b->read_only && fdatasync(b->fd) < 0)
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_DISCARD:
		return discard(b, c);
	case VIRTIO_BLK_T_GET_ID:
		*written =
		    (guint32)dm_vq_chain_write(c, 0, b->id, MIN(sizeof(b->id), c->in_bytes - 1));
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static void blk_notify(DmVirtioDevice *dev, guint q)
{
	DmVirtioBlk *b = dev->impl;
	DmVqChain *c = g_new(DmVqChain, 1);
	gboolean pushed = FALSE;

	for (;;) {
		g_autoptr(GError) error = NULL;
		guint32 written = 0;
		guint8 status;
		int got = dm_vq_pop(&dev->vq[q], dev->mem, c, &error);

		if (got == 0)
			break;
		/* The status byte is the last writable byte; without one
		 * the request cannot even fail properly. */
		if (got < 0 || c->in_bytes == 0) {
			g_autofree char *why = g_strdup_printf(
			    "virtio-blk: %s",
			    error ? error->message : "request without a status byte");
			dm_virtio_set_broken(dev, why);
			break;
		}
		status = handle(b, c, &written);
		dm_vq_chain_write(c, c->in_bytes - 1, &status, 1);
		if (!dm_vq_push(&dev->vq[q], dev->mem, c->head, written + 1, &error)) {
			dm_virtio_set_broken(dev, error->message);
			break;
		}
		pushed = TRUE;
	}
	g_free(c);
	if (pushed)
		dm_virtio_notify_queue(dev, q);
}

static const DmVirtioOps blk_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .class_code = 0x018000,
    .n_queues = 1,
    .queue_size = QUEUE_SIZE,
    .cfg_size = CFG_SIZE,
    .cfg_read = blk_cfg_read,
    .notify = blk_notify,
};

DmVirtioBlk *dm_virtio_blk_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       GError **error)
{
	DmVirtioBlk *b = g_new0(DmVirtioBlk, 1);
	guint64 features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			   (1ULL << VIRTIO_BLK_F_FLUSH);

	b->fd = -1;
	b->read_only = cfg->read_only;
	b->nodisk = cfg->path == NULL;
	g_snprintf(b->id, sizeof(b->id), "acrn-blk-%u", cfg->slot);
	if (cfg->path) {
		b->fd = open_medium(cfg->path, b->read_only, &b->capacity, &b->is_blockdev, error);
		if (b->fd < 0) {
			g_prefix_error(error, "-s %s: ", cfg->spec);
			g_free(b);
			return NULL;
		}
	}
	if (b->read_only)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	else
		features |= 1ULL << VIRTIO_BLK_F_DISCARD;
	b->dev = dm_virtio_pci_new(pci, cfg->slot, cfg->func, &blk_ops, features, b, mem, error);
	if (!b->dev) {
		dm_virtio_blk_free(b);
		return NULL;
	}
	return b;
}

void dm_virtio_blk_free(DmVirtioBlk *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	dm_virtio_pci_free(b->dev);
	g_free(b);
}

DmVirtioDevice *dm_virtio_blk_device(DmVirtioBlk *b)
{
	return b->dev;
}

gboolean dm_virtio_blk_is_nodisk(const DmVirtioBlk *b)
{
	return b->nodisk;
}

gboolean dm_virtio_blk_change_medium(DmVirtioBlk *b, const char *path, GError **error)
{
	guint64 sectors = 0;
	gboolean blockdev = FALSE;
	int fd = -1;

	if (!b->nodisk) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "the slot was not started as nodisk");
		return FALSE;
	}
	if (*path) {
		fd = open_medium(path, b->read_only, &sectors, &blockdev, error);
		if (fd < 0)
			return FALSE;
	}
	if (b->fd >= 0)
		close(b->fd);
	b->fd = fd;
	b->capacity = sectors;
	b->is_blockdev = blockdev;
	dm_virtio_notify_config(b->dev);
	return TRUE;
}
