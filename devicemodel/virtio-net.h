/* virtio-net (virtio 1.x, 5.1) on a tap device: one receive and one
 * transmit queue, a MAC address, link status; no offloads, no mergeable
 * receive buffers, no control queue.
 *
 * Frames are moved between the tap's file descriptor and the queues: the
 * transmit side in the I/O request thread when the guest kicks, the
 * receive side in the main loop when the tap is readable and the guest has
 * posted buffers (otherwise the tap is not read, and the host's queue
 * holds the frames). */
#pragma once

#include "dm-options.h"
#include "virtio-pci.h"

G_BEGIN_DECLS

#define VIRTIO_ID_NET	     1
#define VIRTIO_NET_F_MAC     5
#define VIRTIO_NET_F_STATUS  16
#define VIRTIO_NET_HDR_LEN   12 /* with VIRTIO_F_VERSION_1 */
#define VIRTIO_NET_MAX_FRAME 65550

typedef struct DmVirtioNet DmVirtioNet;

/* Opens tap @ifname (needs CAP_NET_ADMIN); returns the fd or -1. */
int dm_tap_open(const char *ifname, GError **error);

/* @fd: a tap (or, in tests, a datagram socket) whose reads and writes are
 * whole Ethernet frames; the device owns it.  @lock is the device lock
 * the main loop takes around receiving. */
DmVirtioNet *dm_virtio_net_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       int fd, const char *vm_name, GMutex *lock, GError **error);
void dm_virtio_net_free(DmVirtioNet *net);
DmVirtioDevice *dm_virtio_net_device(DmVirtioNet *net);

G_END_DECLS
