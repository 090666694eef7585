/* acrnd's side of the device-model control channel
 * (docs/dm-control-protocol.md): connects to acrn-dm's per-VM socket,
 * sends requests, matches replies and relays asynchronous events. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ACRN_TYPE_DM_CLIENT (acrn_dm_client_get_type())
G_DECLARE_FINAL_TYPE(AcrnDmClient, acrn_dm_client, ACRN, DM_CLIENT, GObject)

/* Signals:
 *   "event"  (guint AcrnDmEvent, GVariant *msg)  every message with a known
 *                                                "event" but hello (unknown
 *                                                names are logged, dropped)
 *   "closed" ()                                  the connection ended */

AcrnDmClient *acrn_dm_client_new(const char *socket_path);

/* Connect, retrying while the socket does not exist yet or refuses (the DM
 * is still starting), until the DM's "hello" arrives or @timeout_ms passes.
 * The result is the hello message (a{sv}). */
void acrn_dm_client_connect_async(AcrnDmClient *self, guint timeout_ms, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data);
GVariant *acrn_dm_client_connect_finish(AcrnDmClient *self, GAsyncResult *res, GError **error);

/* Send @request with extra fields @args (a{sv}, may be NULL; floating refs
 * are sunk).  Completes with the reply (a{sv}) when "ok" is true; a reply
 * with "ok": false becomes an ACRND_ERROR (invalid-state -> InvalidState,
 * others -> DeviceModelFailed); no reply within 5 s -> Timeout. */
void acrn_dm_client_request_async(AcrnDmClient *self, const char *request, GVariant *args,
				  GAsyncReadyCallback callback, gpointer user_data);
GVariant *acrn_dm_client_request_finish(AcrnDmClient *self, GAsyncResult *res, GError **error);

gboolean acrn_dm_client_is_connected(AcrnDmClient *self);
void acrn_dm_client_close(AcrnDmClient *self);

G_END_DECLS
