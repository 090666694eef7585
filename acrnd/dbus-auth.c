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

/* Fallback when the bus does not report the caller's groups: the group
 * database, which may differ from the groups the caller actually has. */
static gboolean user_in_group_db(uid_t uid, gid_t wanted)
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
		n = count + 1; /* too small: count now holds the real number */
	}
	return FALSE;
}

/* The caller's uid and, if the bus reports them (UnixGroupIDs, dbus-daemon
 * >= 1.11.6 via SO_PEERGROUPS), the groups its process has: the same ones
 * the bus policy uses.  *@gids is NULL when the bus does not say. */
static gboolean get_caller(GDBusConnection *conn, const char *sender, guint32 *uid, GVariant **gids,
			   GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) creds = NULL;

	reply = g_dbus_connection_call_sync(conn, "org.freedesktop.DBus", "/org/freedesktop/DBus",
					    "org.freedesktop.DBus", "GetConnectionCredentials",
					    g_variant_new("(s)", sender), G_VARIANT_TYPE("(a{sv})"),
					    G_DBUS_CALL_FLAGS_NONE, 5000, NULL, error);
	if (!reply)
		return FALSE;
	creds = g_variant_get_child_value(reply, 0);
	if (!g_variant_lookup(creds, "UnixUserID", "u", uid)) {
		g_set_error(error, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
			    "the bus does not know the caller's uid");
		return FALSE;
	}
	*gids = g_variant_lookup_value(creds, "UnixGroupIDs", G_VARIANT_TYPE("au"));
	return TRUE;
}

static gboolean gids_contain(GVariant *gids, gid_t wanted)
{
	gsize n;
	const guint32 *v = g_variant_get_fixed_array(gids, &n, sizeof(guint32));

	for (gsize i = 0; i < n; i++)
		if (v[i] == wanted)
			return TRUE;
	return FALSE;
}

gboolean acrn_dbus_auth_check(AcrnDbusAuth *auth, GDBusMethodInvocation *inv)
{
	GDBusConnection *conn = g_dbus_method_invocation_get_connection(inv);
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	g_autoptr(GVariant) gids = NULL;
	g_autoptr(GError) error = NULL;
	gboolean member = FALSE;
	guint32 uid;

	if (!sender) {
		/* Peer-to-peer connection: no bus to vouch for the caller. */
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
						      "cannot identify the caller");
		return FALSE;
	}
	if (!get_caller(conn, sender, &uid, &gids, &error)) {
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
						      "cannot identify the caller: %s",
						      error->message);
		return FALSE;
	}
	if (uid == 0 || uid == geteuid())
		return TRUE;
	if (auth->have_gid)
		member = gids ? gids_contain(gids, auth->gid) : user_in_group_db(uid, auth->gid);
	if (member)
		return TRUE;
	g_info("denied %s.%s to uid %u (%s)", g_dbus_method_invocation_get_interface_name(inv),
	       g_dbus_method_invocation_get_method_name(inv), uid,
	       gids ? "groups from the bus" : "groups from the group database");
	g_dbus_method_invocation_return_error(
	    inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
	    "uid %u may not call %s: only root and members of group '%s' may change VMs", uid,
	    g_dbus_method_invocation_get_method_name(inv), auth->group ? auth->group : "");
	return FALSE;
}
