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

/* TRUE if the caller may change things.  Otherwise the invocation has been
 * answered with org.acrn.Acrnd1.Error.AccessDenied and FALSE returned. */
gboolean acrn_dbus_auth_check(AcrnDbusAuth *auth, GDBusMethodInvocation *inv);

G_END_DECLS
