/* acrn-dm's side of the control channel to acrnd
 * (docs/dm-control-protocol.md), on lib/dm-proto's codec.
 *
 * A listening AF_UNIX socket (mode 0600) created before the VM; one client
 * at a time, a new connection replaces the old one and gets a fresh
 * "hello".  Requests are answered in the main loop by the DmControlOps
 * handler, which sends any state event itself before returning, so events
 * always precede their reply as the protocol demands. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct DmControl DmControl;

typedef struct {
	/* Fills "state" and, if there is one, "console" of a hello. */
	void (*hello)(gpointer ctx, GVariantDict *hello);
	/* Handles request @name.  On success adds reply fields to @reply and
	 * returns TRUE; on failure sets *@code ("invalid-state", ...) and
	 * @error's message. */
	gboolean (*request)(gpointer ctx, const char *name, GVariant *msg, GVariantDict *reply,
			    const char **code, GError **error);
	gpointer ctx;
} DmControlOps;

DmControl *dm_control_new(const char *path, const char *vm_name, const DmControlOps *ops,
			  GError **error);
/* Closes the connection and removes the socket file. */
void dm_control_free(DmControl *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmControl, dm_control_free)

/* Sends {"event": @event, ...@fields} to the client, if any.  @fields is
 * an a{sv} or NULL; a floating reference is sunk. */
void dm_control_send_event(DmControl *c, const char *event, GVariant *fields);
/* Takes a connection that is already waiting, without blocking: used to
 * report a start-up failure to an acrnd that connected in time. */
void dm_control_accept_pending(DmControl *c);

/* Convenience: an a{sv} with one string field. */
GVariant *dm_control_field(const char *key, const char *value);

G_END_DECLS
