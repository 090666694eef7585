/* virtio-console (virtio 1.x, 5.3) with one port and no multiport
 * support: queue 0 receives (host -> guest), queue 1 transmits.  The
 * serial backend is glued on by vm.c, like COM1's. */
#pragma once

#include "dm-options.h"
#include "uart.h"
#include "virtio-pci.h"

G_BEGIN_DECLS

#define VIRTIO_ID_CONSOLE 3

typedef struct DmVirtioConsole DmVirtioConsole;

/* @ops: tx gets the guest's output, rx_space says the guest posted
 * receive buffers again (as for the UART). */
DmVirtioConsole *dm_virtio_console_new(DmPci *pci, const DmPciDeviceConfig *cfg,
				       const DmGuestMem *mem, const DmUartBackendOps *ops,
				       GError **error);
void dm_virtio_console_free(DmVirtioConsole *con);
DmVirtioDevice *dm_virtio_console_device(DmVirtioConsole *con);
/* Input for the guest; returns how many bytes fit into posted buffers. */
gsize dm_virtio_console_receive(DmVirtioConsole *con, const guint8 *buf, gsize len);

G_END_DECLS
