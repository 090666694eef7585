/* Authorization of mutating D-Bus calls inside acrnd: the second line of
 * defence behind the bus policy.  Allowed: uid 0, acrnd's own uid, and
 * callers whose process has the manage group (--manage-group, default
 * "acrn"), as the bus reports it (UnixGroupIDs); the group database only
 * when the bus does not say. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct AcrnDbusAuth AcrnDbusAuth;

AcrnDbusAuth *acrn_dbus_auth_new(const char *manage_group);
void acrn_dbus_auth_free(AcrnDbusAuth *auth);

/* Called once the caller may go ahead; it must answer @inv. */
typedef void (*AcrnDbusAuthAllowed)(GDBusMethodInvocation *inv, gpointer data);

/* Authorize the caller of @inv without blocking the main loop: the
 * credentials are asked of the bus asynchronously, so a slow bus reply
 * delays only this call.  If the caller may change things, @allowed runs
 * later from the main loop; otherwise @inv is answered with
 * org.acrn.Acrnd1.Error.AccessDenied (or an error saying why the caller
 * could not be identified).  Either way @destroy(@data) runs exactly once
 * afterwards.  Once @auth is freed, pending checks are cancelled: if the
 * main loop still runs, their invocations are answered with
 * org.acrn.Acrnd1.Error.Cancelled; @allowed never runs, and the
 * completion touches nothing but @inv and @data (through @destroy). */
void acrn_dbus_auth_check_async(AcrnDbusAuth *auth, GDBusMethodInvocation *inv,
				AcrnDbusAuthAllowed allowed, gpointer data, GDestroyNotify destroy);

G_END_DECLS
