/* uid / group check of D-Bus callers. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "acrn-dbus-errors.h"
#include "dbus-auth.h"

/* Verdicts by the caller's unique bus name.  The bus records a
 * connection's credentials (uid, SO_PEERGROUPS) when it connects and never
 * reuses a unique name, so a verdict stays what the bus would say again:
 * later calls of the same connection skip the GetConnectionCredentials
 * round trip.  Shared with pending checks, which may outlive the
 * AcrnDbusAuth. */
#define VERDICTS_MAX 1024

typedef struct {
	gint refcount;
	GHashTable *by_sender; /* unique name -> Verdict */
} Verdicts;

typedef struct {
	gboolean known; /* the bus has answered for this caller */
	guint32 uid;
	gboolean member;
	gboolean groups_from_bus;
	guint pending; /* this caller's checks waiting for the bus */
} Verdict;

static Verdict *verdict_for(Verdicts *v, const char *sender)
{
	Verdict *e = g_hash_table_lookup(v->by_sender, sender);

	if (e)
		return e;
	if (g_hash_table_size(v->by_sender) >= VERDICTS_MAX)
		g_hash_table_remove_all(v->by_sender);
	e = g_new0(Verdict, 1);
	g_hash_table_insert(v->by_sender, g_strdup(sender), e);
	return e;
}

static Verdicts *verdicts_ref(Verdicts *v)
{
	g_atomic_int_inc(&v->refcount);
	return v;
}

static void verdicts_unref(Verdicts *v)
{
	if (!g_atomic_int_dec_and_test(&v->refcount))
		return;
	g_hash_table_unref(v->by_sender);
	g_free(v);
}

struct AcrnDbusAuth {
	char *group;
	gboolean have_gid;
	gid_t gid;
	GCancellable *cancellable; /* cancels pending checks when acrnd stops */
	Verdicts *verdicts;
};

AcrnDbusAuth *acrn_dbus_auth_new(const char *manage_group)
{
	AcrnDbusAuth *auth = g_new0(AcrnDbusAuth, 1);
	struct group *gr = manage_group && *manage_group ? getgrnam(manage_group) : NULL;

	auth->group = g_strdup(manage_group);
	auth->cancellable = g_cancellable_new();
	auth->verdicts = g_new0(Verdicts, 1);
	auth->verdicts->refcount = 1;
	auth->verdicts->by_sender = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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
	g_cancellable_cancel(auth->cancellable);
	g_object_unref(auth->cancellable);
	verdicts_unref(auth->verdicts);
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

static gboolean gids_contain(GVariant *gids, gid_t wanted)
{
	gsize n;
	const guint32 *v = g_variant_get_fixed_array(gids, &n, sizeof(guint32));

	for (gsize i = 0; i < n; i++)
		if (v[i] == wanted)
			return TRUE;
	return FALSE;
}

/* One pending check.  It copies what it needs of the AcrnDbusAuth, which
 * may be freed before the bus answers. */
typedef struct {
	GDBusMethodInvocation *inv;
	Verdicts *verdicts;
	char *sender;
	gboolean counted; /* in verdicts->pending */
	char *group;
	gboolean have_gid;
	gid_t gid;
	AcrnDbusAuthAllowed allowed;
	gpointer data;
	GDestroyNotify destroy;
} Check;

static void check_free(Check *c)
{
	if (c->destroy)
		c->destroy(c->data);
	if (c->counted) {
		Verdict *e = g_hash_table_lookup(c->verdicts->by_sender, c->sender);

		if (e && e->pending)
			e->pending--;
	}
	verdicts_unref(c->verdicts);
	g_free(c->sender);
	g_free(c->group);
	g_free(c);
}

static void deny(Check *c, guint32 uid, gboolean groups_from_bus)
{
	GDBusMethodInvocation *inv = c->inv;

	g_info("denied %s.%s to uid %u (%s)", g_dbus_method_invocation_get_interface_name(inv),
	       g_dbus_method_invocation_get_method_name(inv), uid,
	       groups_from_bus ? "groups from the bus" : "groups from the group database");
	g_dbus_method_invocation_return_error(
	    inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
	    "uid %u may not call %s: only root and members of group '%s' may change VMs", uid,
	    g_dbus_method_invocation_get_method_name(inv), c->group ? c->group : "");
}

/* The bus's answer: the caller's uid and, if the bus reports them
 * (UnixGroupIDs, dbus-daemon >= 1.11.6 via SO_PEERGROUPS), the groups its
 * process has, the same ones the bus policy uses. */
static void on_credentials(GObject *src, GAsyncResult *res, gpointer data)
{
	Check *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) creds = NULL;
	g_autoptr(GVariant) gids = NULL;
	gboolean member = FALSE;
	guint32 uid;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (!reply) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_dbus_method_invocation_return_error_literal(
			    c->inv, ACRN_ERROR, ACRN_ERROR_CANCELLED,
			    "acrnd is shutting down; the call was not carried out");
		else
			g_dbus_method_invocation_return_error(
			    c->inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
			    "cannot identify the caller: %s", error->message);
		goto out;
	}
	creds = g_variant_get_child_value(reply, 0);
	if (!g_variant_lookup(creds, "UnixUserID", "u", &uid)) {
		g_dbus_method_invocation_return_error_literal(
		    c->inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED,
		    "cannot identify the caller: the bus does not know the caller's uid");
		goto out;
	}
	gids = g_variant_lookup_value(creds, "UnixGroupIDs", G_VARIANT_TYPE("au"));
	if (uid == 0 || uid == geteuid())
		member = TRUE;
	else if (c->have_gid)
		member = gids ? gids_contain(gids, c->gid) : user_in_group_db(uid, c->gid);
	{
		Verdict *e = verdict_for(c->verdicts, c->sender);

		e->known = TRUE;
		e->uid = uid;
		e->member = member;
		e->groups_from_bus = gids != NULL;
	}
	if (member)
		c->allowed(c->inv, c->data);
	else
		deny(c, uid, gids != NULL);
out:
	check_free(c);
}

/* A known caller: decided from the main loop, as a bus answer would be. */
static gboolean on_known_caller(gpointer data)
{
	Check *c = data;
	const Verdict *v = g_hash_table_lookup(c->verdicts->by_sender, c->sender);

	if (v && v->known && v->member)
		c->allowed(c->inv, c->data);
	else if (v && v->known)
		deny(c, v->uid, v->groups_from_bus);
	else
		g_dbus_method_invocation_return_error_literal(
		    c->inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED, "cannot identify the caller");
	check_free(c);
	return G_SOURCE_REMOVE;
}

void acrn_dbus_auth_check_async(AcrnDbusAuth *auth, GDBusMethodInvocation *inv,
				AcrnDbusAuthAllowed allowed, gpointer data, GDestroyNotify destroy)
{
	const char *sender = g_dbus_method_invocation_get_sender(inv);
	Check *c;

	if (!sender) {
		/* Peer-to-peer connection: no bus to vouch for the caller. */
		g_dbus_method_invocation_return_error_literal(
		    inv, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED, "cannot identify the caller");
		if (destroy)
			destroy(data);
		return;
	}
	c = g_new0(Check, 1);
	c->inv = inv;
	c->verdicts = verdicts_ref(auth->verdicts);
	c->sender = g_strdup(sender);
	c->group = g_strdup(auth->group);
	c->have_gid = auth->have_gid;
	c->gid = auth->gid;
	c->allowed = allowed;
	c->data = data;
	c->destroy = destroy;
	/* A known caller with no check waiting for the bus needs no round
	 * trip; otherwise ask, and the bus answers in order, so one caller's
	 * calls stay in order. */
	{
		Verdict *e = verdict_for(auth->verdicts, sender);

		if (e->known && e->pending == 0) {
			g_idle_add_full(G_PRIORITY_DEFAULT, on_known_caller, c, NULL);
			return;
		}
		e->pending++;
		c->counted = TRUE;
	}
	g_dbus_connection_call(g_dbus_method_invocation_get_connection(inv), "org.freedesktop.DBus",
			       "/org/freedesktop/DBus", "org.freedesktop.DBus",
			       "GetConnectionCredentials", g_variant_new("(s)", sender),
			       G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, 5000,
			       auth->cancellable, on_credentials, c);
}
