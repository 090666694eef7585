/* One exported VM: org.acrn.Acrnd1.VM on /org/acrn/Acrnd1/vms/<hex32>. */
#include "config.h"

#include <string.h>

#include "acrn-dbus-errors.h"
#include "dbus-service.h"

struct AcrnDbusVm {
	AcrnMachine *vm;
	AcrnSupervisor *sup;
	AcrnDbusAuth *auth;
	AcrnManager *manager;
	AcrnObjectSkeleton *obj;
	AcrnVM *iface;
	gulong changed_id, event_id;
};

static const AcrnDbusOption stop_options[] = {
    {"wait", "b"},
    {"timeout-sec", "u"},
    {"force-after-timeout", "b"},
    {NULL, NULL},
};

#define DEFAULT_STOP_TIMEOUT_SEC 60

static void sync_properties(AcrnDbusVm *dvm)
{
	const AcrnVmDef *def = acrn_machine_get_def(dvm->vm);

	acrn_vm_set_name(dvm->iface, def->name);
	acrn_vm_set_state(dvm->iface,
			  acrn_machine_state_to_string(acrn_machine_get_state(dvm->vm)));
	acrn_vm_set_state_reason(dvm->iface, acrn_machine_get_state_reason(dvm->vm));
	acrn_vm_set_autostart(dvm->iface, def->autostart);
	acrn_vm_set_persistent(dvm->iface, acrn_machine_is_persistent(dvm->vm));
	acrn_vm_set_leader_pid(dvm->iface, acrn_machine_get_leader_pid(dvm->vm));
	acrn_vm_set_vcpus(dvm->iface, def->vcpus);
	acrn_vm_set_memory_bytes(dvm->iface, def->memory_bytes);
	acrn_vm_set_state_changed_usec(dvm->iface, acrn_machine_get_state_changed_usec(dvm->vm));
}

/* PropertiesChanged must reach clients before the VMEvent signal and before
 * method replies, so that a client reacting to either sees the new state. */
static void flush(AcrnDbusVm *dvm)
{
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(dvm->iface));
}

static void on_changed(AcrnMachine *vm, gpointer data)
{
	sync_properties(data);
}

static void on_event(AcrnMachine *vm, const char *event, const char *detail, gpointer data)
{
	AcrnDbusVm *dvm = data;
	g_autofree char *path = acrn_dbus_vm_path(acrn_machine_get_uuid(vm));

	sync_properties(dvm);
	flush(dvm);
	acrn_manager_emit_vmevent(dvm->manager, path, acrn_machine_get_name(vm), event, detail);
}

/* ---- asynchronous completion ---- */

/* A pending call.  It does not point at the AcrnDbusVm: a transient VM's
 * object may be unexported before its operation completes.  Properties are
 * flushed before replies by the "event" handler, which runs before every
 * state-changing completion. */
typedef struct {
	GDBusMethodInvocation *inv;
	AcrnMachine *vm;
} Call;

static Call *call_new(AcrnDbusVm *dvm, GDBusMethodInvocation *inv)
{
	Call *c = g_new0(Call, 1);

	c->inv = inv;
	c->vm = g_object_ref(dvm->vm);
	return c;
}

static void on_op_done(GObject *src, GAsyncResult *res, gpointer data)
{
	Call *c = data;
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(ACRN_MACHINE(src), res, &error))
		acrn_dbus_return_error(c->inv, error);
	else
		g_dbus_method_invocation_return_value(c->inv, NULL);
	g_object_unref(c->vm);
	g_free(c);
}

static gboolean start_checks(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, GVariant *options,
			     const AcrnDbusOption *allowed)
{
	return acrn_dbus_check_options(inv, options, allowed) &&
	       acrn_dbus_auth_check(dvm->auth, inv);
}

static gboolean on_start(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			 gpointer data)
{
	AcrnDbusVm *dvm = data;

	if (start_checks(dvm, inv, options, NULL))
		acrn_machine_start_async(dvm->vm, "booted", on_op_done, call_new(dvm, inv));
	return TRUE;
}

static void parse_stop_options(GVariant *options, AcrnVmStopOptions *o)
{
	o->wait = FALSE;
	o->timeout_sec = DEFAULT_STOP_TIMEOUT_SEC;
	o->force_after_timeout = FALSE;
	g_variant_lookup(options, "wait", "b", &o->wait);
	g_variant_lookup(options, "timeout-sec", "u", &o->timeout_sec);
	g_variant_lookup(options, "force-after-timeout", "b", &o->force_after_timeout);
}

static gboolean on_shutdown(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			    gpointer data)
{
	AcrnDbusVm *dvm = data;
	AcrnVmStopOptions o;

	if (!start_checks(dvm, inv, options, stop_options))
		return TRUE;
	parse_stop_options(options, &o);
	acrn_machine_shutdown_async(dvm->vm, &o, on_op_done, call_new(dvm, inv));
	return TRUE;
}

static gboolean on_reboot(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			  gpointer data)
{
	AcrnDbusVm *dvm = data;
	AcrnVmStopOptions o;

	if (!start_checks(dvm, inv, options, stop_options))
		return TRUE;
	parse_stop_options(options, &o);
	acrn_machine_reboot_async(dvm->vm, &o, on_op_done, call_new(dvm, inv));
	return TRUE;
}

static gboolean on_force_stop(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			      gpointer data)
{
	AcrnDbusVm *dvm = data;

	if (start_checks(dvm, inv, options, NULL))
		acrn_machine_force_stop_async(dvm->vm, on_op_done, call_new(dvm, inv));
	return TRUE;
}

static void request(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, GVariant *options,
		    AcrnVmRequest req)
{
	if (start_checks(dvm, inv, options, NULL))
		acrn_machine_request_async(dvm->vm, req, on_op_done, call_new(dvm, inv));
}

static gboolean on_reset(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_RESET);
	return TRUE;
}

static gboolean on_pause(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_PAUSE);
	return TRUE;
}

static gboolean on_resume(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_RESUME);
	return TRUE;
}

static gboolean on_suspend(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_SUSPEND);
	return TRUE;
}

static gboolean on_wakeup(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_WAKEUP);
	return TRUE;
}

static gboolean on_block_rescan(AcrnVM *iface, GDBusMethodInvocation *inv, guint slot,
				const char *path, GVariant *options, gpointer data)
{
	AcrnDbusVm *dvm = data;

	if (!start_checks(dvm, inv, options, NULL))
		return TRUE;
	if (slot > 31 || (*path && path[0] != '/') || strchr(path, ',') || strchr(path, '\n')) {
		g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
						      "slot must be 0..31 and path absolute "
						      "without ','");
		return TRUE;
	}
	acrn_machine_blkrescan_async(dvm->vm, slot, path, on_op_done, call_new(dvm, inv));
	return TRUE;
}

static gboolean on_undefine(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			    gpointer data)
{
	AcrnDbusVm *dvm = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnMachine) vm = g_object_ref(dvm->vm);

	if (!start_checks(dvm, inv, options, NULL))
		return TRUE;
	/* dvm is freed inside this call when the object is unexported. */
	if (!acrn_supervisor_undefine(dvm->sup, vm, &error))
		acrn_dbus_return_error(inv, error);
	else
		g_dbus_method_invocation_return_value(inv, NULL);
	return TRUE;
}

static gboolean on_set_autostart(AcrnVM *iface, GDBusMethodInvocation *inv, gboolean autostart,
				 GVariant *options, gpointer data)
{
	AcrnDbusVm *dvm = data;
	g_autoptr(GError) error = NULL;

	if (!start_checks(dvm, inv, options, NULL))
		return TRUE;
	if (!acrn_supervisor_set_autostart(dvm->sup, dvm->vm, autostart, &error)) {
		acrn_dbus_return_error(inv, error);
		return TRUE;
	}
	flush(dvm);
	acrn_vm_complete_set_autostart(iface, inv);
	return TRUE;
}

static gboolean on_get_config(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			      gpointer data)
{
	AcrnDbusVm *dvm = data;
	g_autofree char *xml = NULL;

	/* A read: allowed for everybody the bus policy lets through. */
	if (!acrn_dbus_check_options(inv, options, NULL))
		return TRUE;
	xml = acrn_vm_def_to_xml(acrn_machine_get_def(dvm->vm));
	acrn_vm_complete_get_config(iface, inv, xml);
	return TRUE;
}

static gboolean on_get_console_path(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
				    gpointer data)
{
	AcrnDbusVm *dvm = data;
	const char *path;

	/* The console is guest access: as privileged as changing the VM. */
	if (!start_checks(dvm, inv, options, NULL))
		return TRUE;
	path = acrn_machine_get_console_path(dvm->vm);
	acrn_vm_complete_get_console_path(iface, inv, path ? path : "");
	return TRUE;
}

AcrnDbusVm *acrn_dbus_vm_new(AcrnMachine *vm, AcrnSupervisor *sup, AcrnDbusAuth *auth,
			     AcrnManager *manager)
{
	AcrnDbusVm *dvm = g_new0(AcrnDbusVm, 1);
	g_autofree char *path = acrn_dbus_vm_path(acrn_machine_get_uuid(vm));

	dvm->vm = g_object_ref(vm);
	dvm->sup = sup;
	dvm->auth = auth;
	dvm->manager = manager;
	dvm->iface = acrn_vm_skeleton_new();
	acrn_vm_set_uuid(dvm->iface, acrn_machine_get_uuid(vm));
	sync_properties(dvm);
	g_signal_connect(dvm->iface, "handle-start", G_CALLBACK(on_start), dvm);
	g_signal_connect(dvm->iface, "handle-shutdown", G_CALLBACK(on_shutdown), dvm);
	g_signal_connect(dvm->iface, "handle-force-stop", G_CALLBACK(on_force_stop), dvm);
	g_signal_connect(dvm->iface, "handle-reboot", G_CALLBACK(on_reboot), dvm);
	g_signal_connect(dvm->iface, "handle-reset", G_CALLBACK(on_reset), dvm);
	g_signal_connect(dvm->iface, "handle-pause", G_CALLBACK(on_pause), dvm);
	g_signal_connect(dvm->iface, "handle-resume", G_CALLBACK(on_resume), dvm);
	g_signal_connect(dvm->iface, "handle-suspend", G_CALLBACK(on_suspend), dvm);
	g_signal_connect(dvm->iface, "handle-wakeup", G_CALLBACK(on_wakeup), dvm);
	g_signal_connect(dvm->iface, "handle-undefine", G_CALLBACK(on_undefine), dvm);
	g_signal_connect(dvm->iface, "handle-set-autostart", G_CALLBACK(on_set_autostart), dvm);
	g_signal_connect(dvm->iface, "handle-get-config", G_CALLBACK(on_get_config), dvm);
	g_signal_connect(dvm->iface, "handle-block-rescan", G_CALLBACK(on_block_rescan), dvm);
	g_signal_connect(dvm->iface, "handle-get-console-path", G_CALLBACK(on_get_console_path),
			 dvm);
	dvm->obj = acrn_object_skeleton_new(path);
	acrn_object_skeleton_set_vm(dvm->obj, dvm->iface);
	dvm->changed_id = g_signal_connect(vm, "changed", G_CALLBACK(on_changed), dvm);
	dvm->event_id = g_signal_connect(vm, "event", G_CALLBACK(on_event), dvm);
	return dvm;
}

GDBusObjectSkeleton *acrn_dbus_vm_get_object(AcrnDbusVm *dvm)
{
	return G_DBUS_OBJECT_SKELETON(dvm->obj);
}

void acrn_dbus_vm_free(AcrnDbusVm *dvm)
{
	g_signal_handler_disconnect(dvm->vm, dvm->changed_id);
	g_signal_handler_disconnect(dvm->vm, dvm->event_id);
	g_signal_handlers_disconnect_by_data(dvm->iface, dvm);
	g_object_unref(dvm->obj);
	g_object_unref(dvm->iface);
	g_object_unref(dvm->vm);
	g_free(dvm);
}
