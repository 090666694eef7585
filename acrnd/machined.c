/* Registration of running User VMs with systemd-machined (see machined.h). */
#include "config.h"

#include <string.h>

#include "machined.h"

#define MACHINED_NAME  "org.freedesktop.machine1"
#define MACHINED_PATH  "/org/freedesktop/machine1"
#define MACHINED_IFACE "org.freedesktop.machine1.Manager"

/* machined refuses names that are not host names; a VM may be called
 * anything vmdef allows. */
#define MACHINE_NAME_MAX 63

struct _AcrnMachined {
	GDBusConnection *conn;
	AcrnSupervisor *sup;
	GCancellable *cancel;
	guint watch_id;
	gulong event_id, changed_id; /* on the supervisor: every VM */
	gboolean present, said_absent;
	/* VM uuid -> Registered: machines this acrnd registered or found. */
	GHashTable *registered;
};

typedef struct {
	char *name;
	guint pid;
} Registered;

static void registered_free(gpointer p)
{
	Registered *r = p;

	g_free(r->name);
	g_free(r);
}

typedef struct {
	AcrnMachined *md;
	AcrnMachine *vm;
	guint pid;
	char *name;
	guint attempts;
} Registration;

static gboolean label_char_ok(char c)
{
	return g_ascii_isalnum(c) || c == '-';
}

char *acrn_machined_name_for(const char *vm_name, const char *uuid)
{
	size_t n = strlen(vm_name);
	gboolean ok = n > 0 && n <= MACHINE_NAME_MAX && vm_name[0] != '-' && vm_name[n - 1] != '-';
	char hex[33];
	guint j = 0;

	for (size_t i = 0; ok && i < n; i++)
		ok = label_char_ok(vm_name[i]);
	if (ok)
		return g_strdup(vm_name);
	for (const char *p = uuid; *p && j < 32; p++)
		if (*p != '-')
			hex[j++] = *p;
	hex[j] = '\0';
	return g_strdup_printf("acrn-%s", hex);
}

static void registration_free(Registration *r)
{
	g_object_unref(r->vm);
	g_free(r->name);
	g_free(r);
}

/* The same device model is still the VM's (not stopped, not replaced). */
static gboolean still_current(Registration *r)
{
	return acrn_machine_is_active(r->vm) && acrn_machine_get_leader_pid(r->vm) == r->pid;
}

static void create_machine(Registration *r);

static void on_terminated(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autofree char *name = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (!reply && !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_debug("TerminateMachine %s: %s", name, error->message);
}

/* The device model of @name ended.  Normally machined forgets the machine
 * by itself once the scope is empty; but a process that exits while its
 * scope is being created can leave an empty scope behind that systemd
 * never sees go empty.  Stopping the (empty) scope is harmless either
 * way. */
static void terminate_machine(AcrnMachined *md, const char *name)
{
	g_dbus_connection_call(md->conn, MACHINED_NAME, MACHINED_PATH, MACHINED_IFACE,
			       "TerminateMachine", g_variant_new("(s)", name), NULL,
			       G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, md->cancel, on_terminated,
			       g_strdup(name));
}

static void remember(Registration *r)
{
	Registered *reg = g_new0(Registered, 1);

	reg->name = g_strdup(r->name);
	reg->pid = r->pid;
	g_hash_table_replace(r->md->registered, g_strdup(acrn_machine_get_uuid(r->vm)), reg);
}

/* Called on every change of a VM: forget (and end) the machine of a
 * device model that is gone. */
static void check_gone(AcrnMachined *md, AcrnMachine *vm)
{
	Registered *reg = g_hash_table_lookup(md->registered, acrn_machine_get_uuid(vm));

	if (!reg || (acrn_machine_is_active(vm) && acrn_machine_get_leader_pid(vm) == reg->pid))
		return;
	g_info("VM '%s': device model %u ended; ending machine '%s'", acrn_machine_get_name(vm),
	       reg->pid, reg->name);
	terminate_machine(md, reg->name);
	g_hash_table_remove(md->registered, acrn_machine_get_uuid(vm));
}

static gboolean on_retry(gpointer data)
{
	create_machine(data);
	return G_SOURCE_REMOVE;
}

static void on_created(GObject *src, GAsyncResult *res, gpointer data)
{
	Registration *r = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (reply) {
		g_message("VM '%s': registered with systemd-machined as '%s' (leader %u)",
			  acrn_machine_get_name(r->vm), r->name, r->pid);
		remember(r);
		/* It may have ended while the call was out. */
		check_gone(r->md, r->vm);
		registration_free(r);
		return;
	}
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		registration_free(r);
		return;
	}
	/* The scope of the VM's previous run may still be going away. */
	if (still_current(r) && ++r->attempts < 5) {
		g_debug("VM '%s': CreateMachine: %s; retrying", acrn_machine_get_name(r->vm),
			error->message);
		g_timeout_add(300, on_retry, r);
		return;
	}
	g_warning("VM '%s': cannot register with systemd-machined: %s",
		  acrn_machine_get_name(r->vm), error->message);
	registration_free(r);
}

static void create_machine(Registration *r)
{
	const AcrnVmDef *def = acrn_machine_get_def(r->vm);
	GVariantBuilder props;
	guint8 id[16] = {0};
	g_autofree char *desc = g_strdup_printf("ACRN User VM %s", def->name);
	const char *before[] = {"acrnd.service", NULL};
	guint j = 0;

	if (!still_current(r)) {
		registration_free(r);
		return;
	}
	for (const char *p = def->uuid; p[0] && p[1] && j < 16; p++) {
		if (*p == '-')
			continue;
		id[j++] = (guint8)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
		p++;
	}
	g_variant_builder_init(&props, G_VARIANT_TYPE("a(sv)"));
	g_variant_builder_add(&props, "(sv)", "Description", g_variant_new_string(desc));
	/* Stopped after acrnd at host shutdown, so that acrnd's graceful stop
	 * runs before systemd would signal the device model. */
	g_variant_builder_add(&props, "(sv)", "Before", g_variant_new_strv(before, -1));
	g_dbus_connection_call(
	    r->md->conn, MACHINED_NAME, MACHINED_PATH, MACHINED_IFACE, "CreateMachine",
	    g_variant_new("(s@ayssusa(sv))", r->name,
			  g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, id, 16, 1), "acrn", "vm",
			  r->pid, "", &props),
	    G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, r->md->cancel,
	    on_created, r);
}

static void on_by_pid(GObject *src, GAsyncResult *res, gpointer data)
{
	Registration *r = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		registration_free(r);
		return;
	}
	if (reply) {
		/* Re-attached after an acrnd restart: still in its scope. */
		g_info("VM '%s': already registered with systemd-machined",
		       acrn_machine_get_name(r->vm));
		remember(r);
		check_gone(r->md, r->vm);
		registration_free(r);
		return;
	}
	create_machine(r);
}

static void register_vm(AcrnMachined *md, AcrnMachine *vm)
{
	Registration *r;

	if (!md->present || acrn_machine_get_leader_pid(vm) == 0)
		return;
	r = g_new0(Registration, 1);
	r->md = md;
	r->vm = g_object_ref(vm);
	r->pid = acrn_machine_get_leader_pid(vm);
	r->name = acrn_machined_name_for(acrn_machine_get_name(vm), acrn_machine_get_uuid(vm));
	g_dbus_connection_call(md->conn, MACHINED_NAME, MACHINED_PATH, MACHINED_IFACE,
			       "GetMachineByPID", g_variant_new("(u)", r->pid),
			       G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000,
			       md->cancel, on_by_pid, r);
}

static void on_vm_event(AcrnSupervisor *sup, AcrnMachine *vm, const char *event, const char *detail,
			gpointer data)
{
	/* "starting" follows every spawn of acrn-dm (start, restart after a
	 * crash or guest reboot); "reattached" every acrnd restart. */
	if (strcmp(event, "starting") == 0 || strcmp(event, "reattached") == 0)
		register_vm(data, vm);
}

static void on_vm_changed(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	check_gone(data, vm);
}

static void on_appeared(GDBusConnection *conn, const char *name, const char *owner, gpointer data)
{
	AcrnMachined *md = data;
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(md->sup);

	md->present = TRUE;
	/* VMs that started while machined was away (or before acrnd saw it). */
	for (guint i = 0; i < vms->len; i++)
		if (acrn_machine_is_active(vms->pdata[i]))
			register_vm(md, vms->pdata[i]);
}

static void on_vanished(GDBusConnection *conn, const char *name, gpointer data)
{
	AcrnMachined *md = data;

	if (!md->said_absent && !md->present)
		g_message("systemd-machined (%s) is not on the bus: VMs are not registered as "
			  "machines",
			  MACHINED_NAME);
	md->said_absent = TRUE;
	md->present = FALSE;
}

AcrnMachined *acrn_machined_new(GDBusConnection *conn, AcrnSupervisor *sup)
{
	AcrnMachined *md = g_new0(AcrnMachined, 1);

	md->conn = g_object_ref(conn);
	md->sup = g_object_ref(sup);
	md->cancel = g_cancellable_new();
	md->registered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, registered_free);
	md->event_id = g_signal_connect(sup, "vm-event", G_CALLBACK(on_vm_event), md);
	md->changed_id = g_signal_connect(sup, "vm-changed", G_CALLBACK(on_vm_changed), md);
	md->watch_id = g_bus_watch_name_on_connection(
	    conn, MACHINED_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE, on_appeared, on_vanished, md, NULL);
	return md;
}

void acrn_machined_free(AcrnMachined *md)
{
	if (!md)
		return;
	g_cancellable_cancel(md->cancel);
	g_bus_unwatch_name(md->watch_id);
	g_clear_signal_handler(&md->event_id, md->sup);
	g_clear_signal_handler(&md->changed_id, md->sup);
	g_object_unref(md->cancel);
	g_hash_table_unref(md->registered);
	g_object_unref(md->sup);
	g_object_unref(md->conn);
	g_free(md);
}
