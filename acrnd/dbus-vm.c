/* One exported VM: org.acrn.Acrnd1.VM on /org/acrn/Acrnd1/vms/<hex32>. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "acrn-dbus-errors.h"
#include "dbus-service.h"

struct AcrnDbusVm {
	/* Pending authorizations hold references: the object may be
	 * unexported (Undefine, a transient VM stopping) before the bus
	 * reports who the caller is. */
	gint refcount;
	gboolean removed; /* unexported; calls still pending fail */
	AcrnMachine *vm;
	AcrnSupervisor *sup;
	AcrnDbusAuth *auth;
	AcrnManager *manager;
	AcrnObjectSkeleton *obj;
	AcrnVM *iface;
	guint64 *generation; /* the service's change counter */
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

void acrn_dbus_vm_changed(AcrnDbusVm *dvm)
{
	acrn_dbus_generation_bump(dvm->generation);
	sync_properties(dvm);
}

void acrn_dbus_vm_event(AcrnDbusVm *dvm, const char *event, const char *detail)
{
	AcrnMachine *vm = dvm->vm;
	g_autofree char *path = acrn_dbus_machine_path(vm);

	acrn_dbus_generation_bump(dvm->generation);
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

/* ---- authorization, then the operation ---- */

static AcrnDbusVm *dvm_ref(AcrnDbusVm *dvm)
{
	g_atomic_int_inc(&dvm->refcount);
	return dvm;
}

static void dvm_unref(AcrnDbusVm *dvm)
{
	if (!g_atomic_int_dec_and_test(&dvm->refcount))
		return;
	g_object_unref(dvm->obj);
	g_object_unref(dvm->iface);
	g_object_unref(dvm->vm);
	g_free(dvm);
}

typedef struct Pending Pending;
/* Runs once the caller is authorized; must answer @inv. */
typedef void (*Authorized)(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p);

/* A method call waiting for its caller's authorization, with the
 * arguments the operation needs (already validated). */
struct Pending {
	AcrnDbusVm *dvm; /* a reference */
	Authorized run;
	AcrnVmStopOptions stop;
	AcrnVmRequest req;
	guint slot;
	char *path;
	gboolean autostart;
};

static Pending *pending_new(AcrnDbusVm *dvm, Authorized run)
{
	Pending *p = g_new0(Pending, 1);

	p->dvm = dvm_ref(dvm);
	p->run = run;
	return p;
}

static void pending_free(gpointer data)
{
	Pending *p = data;

	dvm_unref(p->dvm);
	g_free(p->path);
	g_free(p);
}

static void on_authorized(GDBusMethodInvocation *inv, gpointer data)
{
	Pending *p = data;

	if (p->dvm->removed) {
		g_dbus_method_invocation_return_error(
		    inv, ACRN_ERROR, ACRN_ERROR_NO_SUCH_VM,
		    "VM '%s' was removed while the call was being authorized",
		    acrn_machine_get_name(p->dvm->vm));
		return;
	}
	p->run(p->dvm, inv, p);
}

/* Hands @p over: it is freed once the call has been answered. */
static void authorize(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_dbus_auth_check_async(dvm->auth, inv, on_authorized, p, pending_free);
}

/* Validates @options, then authorizes and runs @run. */
static void handle(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, GVariant *options,
		   const AcrnDbusOption *allowed, Authorized run)
{
	if (acrn_dbus_check_options(inv, options, allowed))
		authorize(dvm, inv, pending_new(dvm, run));
}

static void do_start(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_start_async(dvm->vm, "booted", on_op_done, call_new(dvm, inv));
}

static gboolean on_start(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			 gpointer data)
{
	handle(data, inv, options, NULL, do_start);
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

static void do_shutdown(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_shutdown_async(dvm->vm, &p->stop, on_op_done, call_new(dvm, inv));
}

static void do_reboot(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_reboot_async(dvm->vm, &p->stop, on_op_done, call_new(dvm, inv));
}

static void handle_stop(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, GVariant *options,
			Authorized run)
{
	Pending *p;

	if (!acrn_dbus_check_options(inv, options, stop_options))
		return;
	p = pending_new(dvm, run);
	parse_stop_options(options, &p->stop);
	if (p->stop.timeout_sec == 0) {
		/* 0 used to become 1 s without a word; a caller that wants no
		 * grace period wants ForceStop. */
		g_dbus_method_invocation_return_error_literal(
		    inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
		    "timeout-sec must be at least 1 (use ForceStop for an immediate power-off)");
		pending_free(p);
		return;
	}
	authorize(dvm, inv, p);
}

static gboolean on_shutdown(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			    gpointer data)
{
	handle_stop(data, inv, options, do_shutdown);
	return TRUE;
}

static gboolean on_reboot(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			  gpointer data)
{
	handle_stop(data, inv, options, do_reboot);
	return TRUE;
}

static void do_force_stop(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_force_stop_async(dvm->vm, on_op_done, call_new(dvm, inv));
}

static gboolean on_force_stop(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			      gpointer data)
{
	handle(data, inv, options, NULL, do_force_stop);
	return TRUE;
}

static void do_request(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_request_async(dvm->vm, p->req, on_op_done, call_new(dvm, inv));
}

static void request(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, GVariant *options,
		    AcrnVmRequest req)
{
	Pending *p;

	if (!acrn_dbus_check_options(inv, options, NULL))
		return;
	p = pending_new(dvm, do_request);
	p->req = req;
	authorize(dvm, inv, p);
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

static const AcrnDbusOption suspend_options[] = {
    {"managed-save", "b"},
    {"timeout-sec", "u"},
    {NULL, NULL},
};

#define DEFAULT_SAVE_TIMEOUT_SEC 30

static void do_managed_save(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_managed_save_async(dvm->vm, p->stop.timeout_sec, on_op_done,
					call_new(dvm, inv));
}

static gboolean on_suspend(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	AcrnDbusVm *dvm = data;
	gboolean managed_save = FALSE, has_timeout;
	guint timeout_sec = DEFAULT_SAVE_TIMEOUT_SEC;
	Pending *p;

	if (!acrn_dbus_check_options(inv, o, suspend_options))
		return TRUE;
	g_variant_lookup(o, "managed-save", "b", &managed_save);
	has_timeout = g_variant_lookup(o, "timeout-sec", "u", &timeout_sec);
	if (!managed_save) {
		if (has_timeout) {
			g_dbus_method_invocation_return_error_literal(
			    inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
			    "timeout-sec goes with managed-save");
			return TRUE;
		}
		p = pending_new(dvm, do_request);
		p->req = ACRN_VM_REQUEST_SUSPEND;
		authorize(dvm, inv, p);
		return TRUE;
	}
	if (timeout_sec == 0) {
		g_dbus_method_invocation_return_error_literal(
		    inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS, "timeout-sec must be at least 1");
		return TRUE;
	}
	p = pending_new(dvm, do_managed_save);
	p->stop.timeout_sec = timeout_sec;
	authorize(dvm, inv, p);
	return TRUE;
}

static gboolean on_wakeup(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o, gpointer data)
{
	request(data, inv, o, ACRN_VM_REQUEST_WAKEUP);
	return TRUE;
}

static void do_block_rescan(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	acrn_machine_blkrescan_async(dvm->vm, p->slot, p->path, on_op_done, call_new(dvm, inv));
}

static gboolean on_block_rescan(AcrnVM *iface, GDBusMethodInvocation *inv, guint slot,
				const char *path, GVariant *options, gpointer data)
{
	AcrnDbusVm *dvm = data;
	Pending *p;

	if (!acrn_dbus_check_options(inv, options, NULL))
		return TRUE;
	/* Bad arguments are reported before the caller's authorization, as
	 * bad options are: neither reveals anything about the VM. */
	if (slot > 31 || (*path && !acrn_vm_def_check_path("path", path, NULL)) ||
	    strlen(path) >= PATH_MAX) {
		/* PATH_MAX keeps the request (even with every byte escaped
		 * as \uXXXX) within the control protocol's line limit. */
		g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
						      "slot must be 0..31 and path absolute, "
						      "without ',' and shorter than %d bytes",
						      PATH_MAX);
		return TRUE;
	}
	p = pending_new(dvm, do_block_rescan);
	p->slot = slot;
	p->path = g_strdup(path);
	authorize(dvm, inv, p);
	return TRUE;
}

static void do_undefine(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	g_autoptr(GError) error = NULL;

	/* This unexports the object; the pending call's reference keeps dvm. */
	if (!acrn_supervisor_undefine(dvm->sup, dvm->vm, &error))
		acrn_dbus_return_error(inv, error);
	else
		g_dbus_method_invocation_return_value(inv, NULL);
}

static gboolean on_undefine(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
			    gpointer data)
{
	handle(data, inv, options, NULL, do_undefine);
	return TRUE;
}

static void do_set_autostart(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	g_autoptr(GError) error = NULL;

	if (!acrn_supervisor_set_autostart(dvm->sup, dvm->vm, p->autostart, &error)) {
		acrn_dbus_return_error(inv, error);
		return;
	}
	flush(dvm);
	acrn_vm_complete_set_autostart(dvm->iface, inv);
}

static gboolean on_set_autostart(AcrnVM *iface, GDBusMethodInvocation *inv, gboolean autostart,
				 GVariant *options, gpointer data)
{
	AcrnDbusVm *dvm = data;
	Pending *p;

	if (!acrn_dbus_check_options(inv, options, NULL))
		return TRUE;
	p = pending_new(dvm, do_set_autostart);
	p->autostart = autostart;
	authorize(dvm, inv, p);
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

static void do_get_console_path(AcrnDbusVm *dvm, GDBusMethodInvocation *inv, Pending *p)
{
	const char *path = acrn_machine_get_console_path(dvm->vm);

	acrn_vm_complete_get_console_path(dvm->iface, inv, path ? path : "");
}

static gboolean on_get_console_path(AcrnVM *iface, GDBusMethodInvocation *inv, GVariant *options,
				    gpointer data)
{
	/* The console is guest access: as privileged as changing the VM. */
	handle(data, inv, options, NULL, do_get_console_path);
	return TRUE;
}

/* ---- the exported interface ---- */

/* The generated skeleton, with the method handlers as its interface's
 * virtual functions instead of 14 signal handlers (each a closure) per
 * VM: with a thousand VMs that was about 2 MiB of acrnd's heap. */
typedef struct {
	AcrnVMSkeleton parent;
	AcrnDbusVm *dvm; /* NULL once the VM's object is gone */
} VmSkeleton;

typedef struct {
	AcrnVMSkeletonClass parent_class;
} VmSkeletonClass;

GType vm_skeleton_get_type(void);
static void vm_skeleton_iface_init(AcrnVMIface *iface);

G_DEFINE_TYPE_WITH_CODE(VmSkeleton, vm_skeleton, ACRN_TYPE_VM_SKELETON,
			G_IMPLEMENT_INTERFACE(ACRN_TYPE_VM, vm_skeleton_iface_init))

static void vm_skeleton_init(VmSkeleton *self)
{
}

static void vm_skeleton_class_init(VmSkeletonClass *klass)
{
}

/* A call that reaches an interface whose VM object is already gone (it
 * was being removed) fails as a call to a removed object would. */
static AcrnDbusVm *dvm_of(AcrnVM *iface, GDBusMethodInvocation *inv)
{
	AcrnDbusVm *dvm = ((VmSkeleton *)iface)->dvm;

	if (!dvm)
		g_dbus_method_invocation_return_error_literal(
		    inv, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT, "the VM's object is gone");
	return dvm;
}

#define VM_METHOD(name)                                                                            \
	static gboolean vm_##name(AcrnVM *i, GDBusMethodInvocation *inv, GVariant *o)              \
	{                                                                                          \
		AcrnDbusVm *dvm = dvm_of(i, inv);                                                  \
		return dvm ? on_##name(i, inv, o, dvm) : TRUE;                                     \
	}
VM_METHOD(start)
VM_METHOD(shutdown)
VM_METHOD(force_stop)
VM_METHOD(reboot)
VM_METHOD(reset)
VM_METHOD(pause)
VM_METHOD(resume)
VM_METHOD(suspend)
VM_METHOD(wakeup)
VM_METHOD(undefine)
VM_METHOD(get_config)
VM_METHOD(get_console_path)
#undef VM_METHOD

static gboolean vm_set_autostart(AcrnVM *i, GDBusMethodInvocation *inv, gboolean autostart,
				 GVariant *o)
{
	AcrnDbusVm *dvm = dvm_of(i, inv);

	return dvm ? on_set_autostart(i, inv, autostart, o, dvm) : TRUE;
}

static gboolean vm_block_rescan(AcrnVM *i, GDBusMethodInvocation *inv, guint slot, const char *path,
				GVariant *o)
{
	AcrnDbusVm *dvm = dvm_of(i, inv);

	return dvm ? on_block_rescan(i, inv, slot, path, o, dvm) : TRUE;
}

static void vm_skeleton_iface_init(AcrnVMIface *iface)
{
	/* The vtable starts as a copy of the parent's (property getters). */
	iface->handle_start = vm_start;
	iface->handle_shutdown = vm_shutdown;
	iface->handle_force_stop = vm_force_stop;
	iface->handle_reboot = vm_reboot;
	iface->handle_reset = vm_reset;
	iface->handle_pause = vm_pause;
	iface->handle_resume = vm_resume;
	iface->handle_suspend = vm_suspend;
	iface->handle_wakeup = vm_wakeup;
	iface->handle_undefine = vm_undefine;
	iface->handle_set_autostart = vm_set_autostart;
	iface->handle_get_config = vm_get_config;
	iface->handle_block_rescan = vm_block_rescan;
	iface->handle_get_console_path = vm_get_console_path;
}

AcrnDbusVm *acrn_dbus_vm_new(AcrnMachine *vm, AcrnSupervisor *sup, AcrnDbusAuth *auth,
			     AcrnManager *manager, guint64 *generation)
{
	AcrnDbusVm *dvm = g_new0(AcrnDbusVm, 1);
	g_autofree char *path = acrn_dbus_machine_path(vm);

	dvm->refcount = 1;
	dvm->vm = g_object_ref(vm);
	dvm->sup = sup;
	dvm->auth = auth;
	dvm->manager = manager;
	dvm->generation = generation;
	dvm->iface = g_object_new(vm_skeleton_get_type(), NULL);
	((VmSkeleton *)dvm->iface)->dvm = dvm;
	acrn_vm_set_uuid(dvm->iface, acrn_machine_get_uuid(vm));
	sync_properties(dvm);
	dvm->obj = acrn_object_skeleton_new(path);
	acrn_object_skeleton_set_vm(dvm->obj, dvm->iface);
	return dvm;
}

GDBusObjectSkeleton *acrn_dbus_vm_get_object(AcrnDbusVm *dvm)
{
	return G_DBUS_OBJECT_SKELETON(dvm->obj);
}

void acrn_dbus_vm_free(AcrnDbusVm *dvm)
{
	((VmSkeleton *)dvm->iface)->dvm = NULL;
	dvm->removed = TRUE;
	dvm_unref(dvm);
}
