/* virtio-rng (virtio 1.x, 5.4): the guest's entropy requests are filled
 * from the host's getrandom(). */
#pragma once

#include "dm-options.h"
#include "virtio-pci.h"

G_BEGIN_DECLS

#define VIRTIO_ID_RNG 4

typedef struct DmVirtioRng DmVirtioRng;

DmVirtioRng *dm_virtio_rng_new(DmPci *pci, const DmPciDeviceConfig *cfg, const DmGuestMem *mem,
			       GError **error);
void dm_virtio_rng_free(DmVirtioRng *rng);
DmVirtioDevice *dm_virtio_rng_device(DmVirtioRng *rng);

G_END_DECLS
