/* virtio-blk (virtio 1.x, 5.2) on a raw file or block device: read, write,
 * flush, get-id, discard (hole punching / BLKDISCARD); read-only disks; "nodisk" slots whose medium
 * arrives later through the control channel's blkrescan.
 *
 * Requests are served synchronously in the I/O request thread: the vCPU
 * that kicked the queue waits for its disk I/O, and a bad request gets an
 * I/O error status while a malformed chain breaks the device (virtqueue.h). */
#pragma once

#include "dm-options.h"
#include "virtio-pci.h"

G_BEGIN_DECLS

#define VIRTIO_ID_BLOCK 2

#define VIRTIO_BLK_T_IN	     0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_GET_ID  8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_S_OK	     0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2

#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO	      5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9
#define VIRTIO_BLK_F_DISCARD  13

typedef struct DmVirtioBlk DmVirtioBlk;

DmVirtioBlk *dm_virtio_blk_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       GError **error);
void dm_virtio_blk_free(DmVirtioBlk *blk);
DmVirtioDevice *dm_virtio_blk_device(DmVirtioBlk *blk);
/* blkrescan: a new medium for a nodisk slot ("" empties it). */
gboolean dm_virtio_blk_change_medium(DmVirtioBlk *blk, const char *path, GError **error);
gboolean dm_virtio_blk_is_nodisk(const DmVirtioBlk *blk);

G_END_DECLS
