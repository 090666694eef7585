/* acrnctl monitor: print acrnd's VMEvent signals, one line per event, until
 * interrupted. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "acrnctl.h"

typedef struct {
	GMainLoop *loop;
	char **filter;	/* VM names to show, NULL = all */
	gint remaining; /* events left before exiting, -1 = unlimited */
	gboolean had_owner;
	int status;
} Monitor;

static gboolean wanted(Monitor *m, const char *name)
{
	if (!m->filter || !m->filter[0])
		return TRUE;
	return g_strv_contains((const char *const *)m->filter, name);
}

static void on_vm_event(AcrnManager *manager, const char *path, const char *name, const char *event,
			const char *detail, gpointer user_data)
{
	Monitor *m = user_data;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");

	if (!wanted(m, name))
		return;
	/* Fields: time, VM, event, detail (possibly empty); the detail is
	 * last because it may contain spaces. */
	printf("%s %s %s%s%s\n", stamp, name, event, *detail ? " " : "", detail);
	fflush(stdout);
	if (m->remaining > 0 && --m->remaining == 0)
		g_main_loop_quit(m->loop);
}

static void on_owner_changed(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	Monitor *m = user_data;
	g_autofree char *owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(object));

	/* Keep stdout one line per VM event; daemon restarts go to stderr. */
	if (owner && !m->had_owner)
		fprintf(stderr, "acrnctl: acrnd is on the bus (%s)\n", owner);
	else if (!owner && m->had_owner)
		fprintf(stderr, "acrnctl: acrnd left the bus; waiting for it to come back\n");
	m->had_owner = owner != NULL;
}

static gboolean on_signal(gpointer user_data)
{
	Monitor *m = user_data;

	g_main_loop_quit(m->loop);
	return G_SOURCE_CONTINUE;
}

int acrnctl_cmd_monitor(Acrnctl *ctl, int argc, char **argv)
{
	gint count = 0;
	const GOptionEntry entries[] = {
	    {"count", 'c', 0, G_OPTION_ARG_INT, &count, "Exit after N events", "N"},
	    {NULL},
	};
	int r = acrnctl_parse_options(
	    "monitor", "[VM...]", "Print VM lifecycle events as they happen.",
	    "One line per event: TIME VM EVENT DETAIL, e.g.\n"
	    "  2026-01-01T10:00:00.000000Z vm1 started booted\n"
	    "Events: defined, undefined, started, stopped, paused, resumed, suspended,\n"
	    "woken, crashed, rebooted, reset, shutdown-requested. Runs until interrupted.",
	    entries, &argc, &argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnManager) manager = NULL;
	g_autoptr(GVariant) owner = NULL;
	GDBusConnection *bus;
	Monitor m = {0};
	guint sigint, sigterm;

	if (r >= 0)
		return r;
	if (count < 0)
		return acrnctl_usage_error("monitor", "--count must not be negative");
	bus = acrnctl_bus(ctl, &error);
	if (!bus)
		return acrnctl_fail("monitor", error);
	/* A proxy of our own with signals (the shared one has none). */
	manager = acrn_manager_proxy_new_sync(
	    bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
	    ACRN_DBUS_NAME, ACRN_DBUS_MANAGER_PATH, NULL, &error);
	if (!manager)
		return acrnctl_fail("monitor", error);

	m.loop = g_main_loop_new(NULL, FALSE);
	m.filter = argc > 1 ? argv + 1 : NULL;
	m.remaining = count > 0 ? count : -1;
	g_signal_connect(manager, "vmevent", G_CALLBACK(on_vm_event), &m);
	g_signal_connect(manager, "notify::g-name-owner", G_CALLBACK(on_owner_changed), &m);

	/* The bus handles our messages in order: once this reply is back, the
	 * proxy's match rule is active and no event can be missed.  Only then
	 * say that we are listening (tests wait for this line). */
	owner = g_dbus_connection_call_sync(
	    bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
	    "NameHasOwner", g_variant_new("(s)", ACRN_DBUS_NAME), G_VARIANT_TYPE("(b)"),
	    G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
	if (!owner) {
		g_main_loop_unref(m.loop);
		return acrnctl_fail("monitor", error);
	}
	g_variant_get(owner, "(b)", &m.had_owner);
	fprintf(stderr, "acrnctl: monitoring VM events%s; press Ctrl-C to stop\n",
		m.had_owner ? "" : " (acrnd is not running yet)");

	sigint = g_unix_signal_add(SIGINT, on_signal, &m);
	sigterm = g_unix_signal_add(SIGTERM, on_signal, &m);
	g_main_loop_run(m.loop);
	g_source_remove(sigint);
	g_source_remove(sigterm);
	g_main_loop_unref(m.loop);
	return ACRNCTL_EXIT_OK;
}
