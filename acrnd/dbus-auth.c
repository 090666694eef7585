/* uid / group check of D-Bus callers. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "acrn-dbus-errors.h"
#include "dbus-auth.h"

struct AcrnDbusAuth {
	char *group;
	gboolean have_gid;
	gid_t gid;
};

AcrnDbusAuth *acrn_dbus_auth_new(const char *manage_group)
{
	AcrnDbusAuth *auth = g_new0(AcrnDbusAuth, 1);
	struct group *gr = manage_group && *manage_group ? getgrnam(manage_group) : NULL;

	auth->group = g_strdup(manage_group);
	if (gr) {
		auth->have_gid = TRUE;
		auth->gid = gr->gr_gid;
	} else if (manage_group && *manage_group) {
		g_warning("manage group '%s' does not exist: only root may change VMs",
			  manage_group);
	}
	return auth;
}

void acrn_dbus_auth_free(AcrnDbusAuth *auth)
{
	if (!auth)
		return;
	g_free(auth->group);
	g_free(auth);
}

static gboolean user_in_group(uid_t uid, gid_t wanted)
{
	struct passwd *pw = getpwuid(uid);
	int n = 64;

	if (!pw)
		return FALSE;
	for (int attempt = 0; attempt < 2; attempt++) {
		g_autofree gid_t *groups = g_new(gid_t, n);
		int count = n;

		if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &count) >= 0) {
			for (int i = 0; i < count; i++)
				if (groups[i] == wanted)
					return TRUE;
			return FALSE;
		}
		n = count + 1;	/* too small: count now holds the real number */
	}
	return FALSE;
}

gboolean acrn_dbus_auth_check(AcrnDbusAuth *auth, GDBusMethodInvocation *inv)
{
	GDBusConnection *conn = g_dbus_method_invocation_get_connection(inv);
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	guint32 uid;

	if (!sender) {
		/* Peer-to-peer connection: no bus to vouch for the caller. */
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
						      "cannot identify the caller");
		return FALSE;
	}
	reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "GetConnectionUnixUser",
					    g_variant_new("(s)", sender), G_VARIANT_TYPE("(u)"),
					    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
	if (!reply) {
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
						      "cannot identify the caller: %s",
						      error->message);
		return FALSE;
	}
	g_variant_get(reply, "(u)", &uid);
	if (uid == 0 || uid == geteuid() || (auth->have_gid && user_in_group(uid, auth->gid)))
		return TRUE;
	g_info("denied %s.%s to uid %u", g_dbus_method_invocation_get_interface_name(inv),
	       g_dbus_method_invocation_get_method_name(inv), uid);
	g_dbus_method_invocation_return_error(
		inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
		"uid %u may not call %s: only root and members of group '%s' may change VMs", uid,
		g_dbus_method_invocation_get_method_name(inv), auth->group ? auth->group : "");
	return FALSE;
}
