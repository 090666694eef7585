/* acrnctl list: one GetManagedObjects round trip gives every VM with all
 * its properties, which keeps `list` fast with many VMs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "acrnctl.h"
#include "dm-proto.h"

typedef struct {
	char *name;
	char *uuid;
	char *state;
	char *state_reason;
	guint32 vcpus;
	guint64 memory_bytes;
	gboolean autostart;
	gboolean persistent;
	guint32 pid;
} VmRow;

static void vm_row_clear(gpointer p)
{
	VmRow *r = p;

	g_free(r->name);
	g_free(r->uuid);
	g_free(r->state);
	g_free(r->state_reason);
}

static char *dup_string_prop(GVariant *props, const char *key)
{
	const char *s = NULL;

	if (g_variant_lookup(props, key, "&s", &s))
		return g_strdup(s);
	return g_strdup("");
}

static int compare_rows(gconstpointer a, gconstpointer b)
{
	const VmRow *ra = a, *rb = b;

	return strcmp(ra->name, rb->name);
}

/* Fetches every VM; returns NULL with @error set on failure. */
static GArray *fetch_vms(Acrnctl *ctl, GError **error)
{
	GDBusConnection *bus = acrnctl_bus(ctl, error);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) objects = NULL;
	GArray *rows;
	GVariantIter iter;
	const char *path;
	GVariant *ifaces;

	if (!bus)
		return NULL;
	reply = g_dbus_connection_call_sync(
	    bus, ACRN_DBUS_NAME, ACRN_DBUS_ROOT_PATH, "org.freedesktop.DBus.ObjectManager",
	    "GetManagedObjects", NULL, G_VARIANT_TYPE("(a{oa{sa{sv}}})"), G_DBUS_CALL_FLAGS_NONE,
	    -1, NULL, error);
	if (!reply)
		return NULL;

	rows = g_array_new(FALSE, TRUE, sizeof(VmRow));
	g_array_set_clear_func(rows, vm_row_clear);
	objects = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&iter, objects);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) props =
		    g_variant_lookup_value(ifaces, "org.acrn.Acrnd1.VM", G_VARIANT_TYPE("a{sv}"));
		VmRow row = {0};

		g_variant_unref(ifaces);
		if (!props)
			continue; /* the Manager object */
		row.name = dup_string_prop(props, "Name");
		row.uuid = dup_string_prop(props, "UUID");
		row.state = dup_string_prop(props, "State");
		row.state_reason = dup_string_prop(props, "StateReason");
		g_variant_lookup(props, "VCPUs", "u", &row.vcpus);
		g_variant_lookup(props, "MemoryBytes", "t", &row.memory_bytes);
		g_variant_lookup(props, "Autostart", "b", &row.autostart);
		g_variant_lookup(props, "Persistent", "b", &row.persistent);
		g_variant_lookup(props, "LeaderPID", "u", &row.pid);
		g_array_append_val(rows, row);
	}
	g_array_sort(rows, compare_rows);
	return rows;
}

static void print_json(GArray *rows)
{
	g_autoptr(GString) out = g_string_new("[");

	for (guint i = 0; i < rows->len; i++) {
		VmRow *r = &g_array_index(rows, VmRow, i);

		g_string_append(out, i ? ",\n  {" : "\n  {");
		g_string_append(out, "\"name\": ");
		acrn_json_append_string(out, r->name);
		g_string_append(out, ", \"uuid\": ");
		acrn_json_append_string(out, r->uuid);
		g_string_append(out, ", \"state\": ");
		acrn_json_append_string(out, r->state);
		g_string_append(out, ", \"state_reason\": ");
		acrn_json_append_string(out, r->state_reason);
		g_string_append_printf(out,
				       ", \"vcpus\": %u, \"memory_bytes\": %" G_GUINT64_FORMAT
				       ", \"autostart\": %s, \"persistent\": %s, \"pid\": %u}",
				       r->vcpus, r->memory_bytes, r->autostart ? "true" : "false",
				       r->persistent ? "true" : "false", r->pid);
	}
	g_string_append(out, rows->len ? "\n]\n" : "]\n");
	fputs(out->str, stdout);
}

static void print_table(GArray *rows, gboolean header)
{
	int wname = 4, wstate = 5;
	g_autoptr(GString) out = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++) {
		VmRow *r = &g_array_index(rows, VmRow, i);

		wname = MAX(wname, (int)g_utf8_strlen(r->name, -1));
		wstate = MAX(wstate, (int)strlen(r->state));
	}
	/* Name and state come first, as in upstream acrnctl's list. */
	if (header)
		g_string_append_printf(out, "%-*s  %-*s  %5s  %10s  %s\n", wname, "NAME", wstate,
				       "STATE", "VCPUS", "MEMORY", "AUTOSTART");
	for (guint i = 0; i < rows->len; i++) {
		VmRow *r = &g_array_index(rows, VmRow, i);
		int pad = wname - (int)g_utf8_strlen(r->name, -1);

		g_string_append_printf(out, "%s%*s  %-*s  %5u  %6" G_GUINT64_FORMAT " MiB  %s\n",
				       r->name, pad, "", wstate, r->state, r->vcpus,
				       r->memory_bytes >> 20, r->autostart ? "yes" : "no");
	}
	fputs(out->str, stdout);
}

/* Names only (used by the bash completion): Manager.ListVMs carries no
 * properties and is much cheaper for acrnd than GetManagedObjects. */
static int print_names(Acrnctl *ctl)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) vms = NULL;
	AcrnManager *manager = acrnctl_manager(ctl, &error);
	GVariantIter iter;
	const char *name;
	g_autoptr(GString) out = g_string_new(NULL);

	if (!manager || !acrn_manager_call_list_vms_sync(manager, &vms, NULL, &error))
		return acrnctl_fail("list", error);
	g_variant_iter_init(&iter, vms);
	while (g_variant_iter_next(&iter, "(&s&s&s&o)", NULL, &name, NULL, NULL))
		g_string_append_printf(out, "%s\n", name);
	fputs(out->str, stdout);
	return ACRNCTL_EXIT_OK;
}

int acrnctl_cmd_list(Acrnctl *ctl, int argc, char **argv)
{
	gboolean json = FALSE, names = FALSE, no_header = FALSE;
	const GOptionEntry entries[] = {
	    {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print a JSON array", NULL},
	    {"names", 'n', 0, G_OPTION_ARG_NONE, &names, "Print only the VM names", NULL},
	    {"no-header", 'H', 0, G_OPTION_ARG_NONE, &no_header,
	     "Leave the header line out of the table", NULL},
	    {NULL},
	};
	int r = acrnctl_parse_options("list", NULL, "List all VMs with their state.",
				      "Columns: name, state, vCPUs, memory, autostart.\n"
				      "States: stopped, starting, running, paused, suspended, "
				      "stopping, crashed.",
				      entries, &argc, &argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(GArray) rows = NULL;

	if (r >= 0)
		return r;
	if (argc > 1)
		return acrnctl_usage_error("list", "unexpected argument '%s'", argv[1]);
	if (json && names)
		return acrnctl_usage_error("list", "--json and --names exclude each other");
	if (names)
		return print_names(ctl);
	rows = fetch_vms(ctl, &error);
	if (!rows)
		return acrnctl_fail("list", error);
	if (json)
		print_json(rows);
	else
		print_table(rows, !no_header);
	return ACRNCTL_EXIT_OK;
}
