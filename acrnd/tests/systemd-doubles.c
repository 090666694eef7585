/* TEST DOUBLES for logind, machined and systemd's manager (see the header). */
#define _GNU_SOURCE /* pipe2 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "systemd-doubles.h"

static GDBusConnection *connect_to(const char *address)
{
	g_autoptr(GError) error = NULL;
	GDBusConnection *c = g_dbus_connection_new_for_address_sync(
	    address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);

	g_assert_no_error(error);
	return c;
}

static void on_acquired(GDBusConnection *c, const char *name, gpointer data)
{
	*(gboolean *)data = TRUE;
}

/* Own @name on @conn; returns when owned. */
static guint own(GDBusConnection *conn, const char *name, gboolean *owned)
{
	guint id = g_bus_own_name_on_connection(conn, name, G_BUS_NAME_OWNER_FLAGS_NONE,
						on_acquired, NULL, owned, NULL);

	while (!*owned)
		g_main_context_iteration(NULL, TRUE);
	return id;
}

static GDBusInterfaceInfo *iface_info(const char *xml, const char *name)
{
	g_autoptr(GError) error = NULL;
	GDBusNodeInfo *node = g_dbus_node_info_new_for_xml(xml, &error);
	GDBusInterfaceInfo *info;

	g_assert_no_error(error);
	info = g_dbus_interface_info_ref(g_dbus_node_info_lookup_interface(node, name));
	g_dbus_node_info_unref(node);
	return info;
}

/* ---- logind ---- */

static const char logind_xml[] =
    "<node><interface name='org.freedesktop.login1.Manager'>"
    "<method name='Inhibit'><arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='h' direction='out'/></method>"
    "<signal name='PrepareForShutdown'><arg type='b'/></signal>"
    "<signal name='PrepareForSleep'><arg type='b'/></signal>"
    "</interface></node>";

static void logind_call(GDBusConnection *c, const char *sender, const char *path, const char *iface,
			const char *method, GVariant *params, GDBusMethodInvocation *inv,
			gpointer data)
{
	FakeLogind *l = data;
	const char *what, *who, *why, *mode;
	g_autoptr(GUnixFDList) fds = g_unix_fd_list_new();
	int p[2];
	gint idx;

	g_variant_get(params, "(&s&s&s&s)", &what, &who, &why, &mode);
	g_ptr_array_add(l->inhibit_calls, g_strdup_printf("%s|%s|%s|%s", what, who, why, mode));
	g_assert_cmpint(pipe2(p, O_CLOEXEC), ==, 0);
	idx = g_unix_fd_list_append(fds, p[1], NULL);
	close(p[1]); /* the list holds its own copy */
	g_array_append_val(l->lock_fds, p[0]);
	g_dbus_method_invocation_return_value_with_unix_fd_list(inv, g_variant_new("(h)", idx),
								fds);
}

static const GDBusInterfaceVTable logind_vtable = {logind_call, NULL, NULL, {0}};

FakeLogind *fake_logind_new(const char *address)
{
	FakeLogind *l = g_new0(FakeLogind, 1);
	g_autoptr(GError) error = NULL;
	GDBusInterfaceInfo *info = iface_info(logind_xml, "org.freedesktop.login1.Manager");

	l->conn = connect_to(address);
	l->inhibit_calls = g_ptr_array_new_with_free_func(g_free);
	l->lock_fds = g_array_new(FALSE, FALSE, sizeof(int));
	l->reg_id = g_dbus_connection_register_object(l->conn, "/org/freedesktop/login1", info,
						      &logind_vtable, l, NULL, &error);
	g_assert_no_error(error);
	g_dbus_interface_info_unref(info);
	l->own_id = own(l->conn, "org.freedesktop.login1", &l->owned);
	return l;
}

void fake_logind_emit(FakeLogind *l, const char *signal, gboolean start)
{
	g_autoptr(GError) error = NULL;

	g_dbus_connection_emit_signal(l->conn, NULL, "/org/freedesktop/login1",
				      "org.freedesktop.login1.Manager", signal,
				      g_variant_new("(b)", start), &error);
	g_assert_no_error(error);
	g_dbus_connection_flush_sync(l->conn, NULL, NULL);
}

guint fake_logind_locks_held(FakeLogind *l)
{
	guint n = 0;

	for (guint i = 0; i < l->lock_fds->len; i++) {
		struct pollfd pfd = {g_array_index(l->lock_fds, int, i), POLLIN, 0};

		/* All write ends closed: the read end reports hang-up. */
		if (poll(&pfd, 1, 0) == 0 || !(pfd.revents & POLLHUP))
			n++;
	}
	return n;
}

void fake_logind_free(FakeLogind *l)
{
	if (!l)
		return;
	g_bus_unown_name(l->own_id);
	g_dbus_connection_unregister_object(l->conn, l->reg_id);
	g_dbus_connection_close_sync(l->conn, NULL, NULL);
	g_object_unref(l->conn);
	for (guint i = 0; i < l->lock_fds->len; i++)
		close(g_array_index(l->lock_fds, int, i));
	g_array_unref(l->lock_fds);
	g_ptr_array_unref(l->inhibit_calls);
	g_free(l);
}

/* ---- systemd manager ---- */

static const char systemd_xml[] = "<node><interface name='org.freedesktop.systemd1.Manager'>"
				  "<property name='SystemState' type='s' access='read'/>"
				  "</interface></node>";

static GVariant *systemd_get(GDBusConnection *c, const char *sender, const char *path,
			     const char *iface, const char *prop, GError **error, gpointer data)
{
	FakeSystemd *s = data;

	s->state_queries++;
	return g_variant_new_string(s->system_state);
}

static const GDBusInterfaceVTable systemd_vtable = {NULL, systemd_get, NULL, {0}};

FakeSystemd *fake_systemd_new(const char *address, const char *state)
{
	FakeSystemd *s = g_new0(FakeSystemd, 1);
	g_autoptr(GError) error = NULL;
	GDBusInterfaceInfo *info = iface_info(systemd_xml, "org.freedesktop.systemd1.Manager");

	s->conn = connect_to(address);
	s->system_state = g_strdup(state);
	s->reg_id = g_dbus_connection_register_object(s->conn, "/org/freedesktop/systemd1", info,
						      &systemd_vtable, s, NULL, &error);
	g_assert_no_error(error);
	g_dbus_interface_info_unref(info);
	s->own_id = own(s->conn, "org.freedesktop.systemd1", &s->owned);
	return s;
}

void fake_systemd_free(FakeSystemd *s)
{
	if (!s)
		return;
	g_bus_unown_name(s->own_id);
	g_dbus_connection_unregister_object(s->conn, s->reg_id);
	g_dbus_connection_close_sync(s->conn, NULL, NULL);
	g_object_unref(s->conn);
	g_free(s->system_state);
	g_free(s);
}

/* ---- machined ---- */

static const char machined_xml[] =
    "<node><interface name='org.freedesktop.machine1.Manager'>"
    "<method name='CreateMachine'><arg type='s' direction='in'/>"
    "<arg type='ay' direction='in'/><arg type='s' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='u' direction='in'/>"
    "<arg type='s' direction='in'/><arg type='a(sv)' direction='in'/>"
    "<arg type='o' direction='out'/></method>"
    "<method name='TerminateMachine'><arg type='s' direction='in'/></method>"
    "<method name='GetMachineByPID'><arg type='u' direction='in'/>"
    "<arg type='o' direction='out'/></method>"
    "</interface></node>";

static void machined_call(GDBusConnection *c, const char *sender, const char *path,
			  const char *iface, const char *method, GVariant *params,
			  GDBusMethodInvocation *inv, gpointer data)
{
	FakeMachined *m = data;

	if (strcmp(method, "TerminateMachine") == 0) {
		const char *name;

		g_variant_get(params, "(&s)", &name);
		g_ptr_array_add(m->terminate_calls, g_strdup(name));
		g_dbus_method_invocation_return_value(inv, NULL);
	} else if (strcmp(method, "GetMachineByPID") == 0) {
		guint32 pid;
		const char *name;

		g_variant_get(params, "(u)", &pid);
		m->by_pid_queries++;
		name = g_hash_table_lookup(m->by_pid, GUINT_TO_POINTER(pid));
		if (!name) {
			g_dbus_method_invocation_return_dbus_error(
			    inv, "org.freedesktop.machine1.NoMachineForPID",
			    "PID does not belong to any known machine");
			return;
		}
		g_dbus_method_invocation_return_value(
		    inv, g_variant_new("(o)", "/org/freedesktop/machine1/machine/x"));
	} else {
		const char *name, *service, *klass, *root;
		g_autoptr(GVariant) id = NULL;
		g_autoptr(GVariant) props = NULL;
		g_autofree char *props_text = NULL;
		g_autoptr(GString) hex = g_string_new(NULL);
		guint32 leader;
		gsize n = 0;
		const guint8 *bytes;

		g_variant_get(params, "(&s@ay&s&su&s@a(sv))", &name, &id, &service, &klass, &leader,
			      &root, &props);
		bytes = g_variant_get_fixed_array(id, &n, 1);
		for (gsize i = 0; i < n; i++)
			g_string_append_printf(hex, "%02x", bytes[i]);
		props_text = g_variant_print(props, FALSE);
		g_ptr_array_add(m->create_calls,
				g_strdup_printf("%s|%s|%s|%s|%u|%s", name, hex->str, service, klass,
						leader, props_text));
		g_hash_table_insert(m->by_pid, GUINT_TO_POINTER(leader), g_strdup(name));
		g_dbus_method_invocation_return_value(
		    inv, g_variant_new("(o)", "/org/freedesktop/machine1/machine/x"));
	}
}

static const GDBusInterfaceVTable machined_vtable = {machined_call, NULL, NULL, {0}};

FakeMachined *fake_machined_new(const char *address)
{
	FakeMachined *m = g_new0(FakeMachined, 1);
	g_autoptr(GError) error = NULL;
	GDBusInterfaceInfo *info = iface_info(machined_xml, "org.freedesktop.machine1.Manager");

	m->conn = connect_to(address);
	m->create_calls = g_ptr_array_new_with_free_func(g_free);
	m->terminate_calls = g_ptr_array_new_with_free_func(g_free);
	m->by_pid = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	m->reg_id = g_dbus_connection_register_object(m->conn, "/org/freedesktop/machine1", info,
						      &machined_vtable, m, NULL, &error);
	g_assert_no_error(error);
	g_dbus_interface_info_unref(info);
	m->own_id = own(m->conn, "org.freedesktop.machine1", &m->owned);
	return m;
}

void fake_machined_free(FakeMachined *m)
{
	if (!m)
		return;
	g_bus_unown_name(m->own_id);
	g_dbus_connection_unregister_object(m->conn, m->reg_id);
	g_dbus_connection_close_sync(m->conn, NULL, NULL);
	g_object_unref(m->conn);
	g_ptr_array_unref(m->create_calls);
	g_ptr_array_unref(m->terminate_calls);
	g_hash_table_unref(m->by_pid);
	g_free(m);
}
