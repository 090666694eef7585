/* Where a guest serial line (COM1, virtio-console) goes on the host:
 * stdio, a new pty (its path is reported to acrnd), an append-only file,
 * or a TCP port on 127.0.0.1 (one client at a time).
 *
 * Output never blocks the guest: bytes a slow reader cannot take are
 * dropped, as a real UART's would be with nobody listening.  Input is read
 * only while the device has room (dm_serial_backend_set_input). */
#pragma once

#include "dm-options.h"

G_BEGIN_DECLS

typedef struct DmSerialBackend DmSerialBackend;

/* Input for the device; returns how many bytes it took. */
typedef gsize (*DmSerialInput)(gpointer ctx, const guint8 *buf, gsize len);

DmSerialBackend *dm_serial_backend_open(const DmSerialConfig *cfg, GError **error);
void dm_serial_backend_free(DmSerialBackend *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmSerialBackend, dm_serial_backend_free)

/* The pty's path for a pty backend, else NULL. */
const char *dm_serial_backend_pty(const DmSerialBackend *b);
void dm_serial_backend_write(DmSerialBackend *b, const guint8 *buf, gsize len);
/* Starts delivering input to @fn in the thread-default main context; the
 * device calls dm_serial_backend_resume() when it has room again. */
void dm_serial_backend_set_input(DmSerialBackend *b, DmSerialInput fn, gpointer ctx, GMutex *lock);
void dm_serial_backend_resume(DmSerialBackend *b);

G_END_DECLS
