/* The Manager object and the registry of exported VM objects. */
#define _GNU_SOURCE /* memfd_create and file seals */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "acrn-dbus-errors.h"
#include "acrn-uuid.h"
#include "acrnd-error.h"
#include "dbus-service.h"

struct AcrnDbusService {
	GDBusConnection *conn;
	AcrnSupervisor *sup;
	AcrnDbusAuth *auth;
	GDBusObjectManagerServer *om;
	AcrnManager *manager;
	GHashTable *vms; /* AcrnMachine* -> AcrnDbusVm* */
	/* Counts changes of the VM set and of VM properties (ListVMDetailsSince);
	 * the last ListVMDetails reply is kept until it changes.  It lives in
	 * a shared page (GetGenerationCounter) when the kernel gives us one,
	 * so that clients keeping a listing check it without a round trip. */
	guint64 *generation;
	guint64 private_generation; /* without a shared page */
	int generation_fd;	    /* the page's memfd, -1 without one */
	int lifeline[2];	    /* a pipe; clients get the read end */
	GVariant *details;
	guint64 details_generation;
	gulong added_id, removed_id, changed_id, event_id;
};

char *acrn_dbus_machine_path(AcrnMachine *vm)
{
	guint8 uuid[16];

	/* Definitions are stored and loaded with canonical UUIDs only. */
	if (!acrn_uuid_parse(acrn_machine_get_uuid(vm), uuid))
		g_error("VM '%s': invalid UUID '%s'", acrn_machine_get_name(vm),
			acrn_machine_get_uuid(vm));
	return acrn_dbus_vm_path(uuid);
}

gboolean acrn_dbus_check_options(GDBusMethodInvocation *inv, GVariant *options,
				 const AcrnDbusOption *allowed)
{
	GVariantIter it;
	const char *key;
	GVariant *value;

	g_variant_iter_init(&it, options);
	while (g_variant_iter_loop(&it, "{&sv}", &key, &value)) {
		const AcrnDbusOption *o = allowed;

		while (o && o->key && strcmp(o->key, key) != 0)
			o++;
		if (!o || !o->key) {
			g_dbus_method_invocation_return_error(inv, G_DBUS_ERROR,
							      G_DBUS_ERROR_INVALID_ARGS,
							      "unknown option '%s'", key);
			g_variant_unref(value);
			return FALSE;
		}
		if (!g_variant_is_of_type(value, G_VARIANT_TYPE(o->type))) {
			g_dbus_method_invocation_return_error(
			    inv, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS,
			    "option '%s' must be of type '%s', not '%s'", key, o->type,
			    g_variant_get_type_string(value));
			g_variant_unref(value);
			return FALSE;
		}
	}
	return TRUE;
}

/* The model's codes (acrnd-error.h) and their org.acrn.Acrnd1.Error names. */
static const AcrnError model_to_dbus[] = {
    [ACRND_ERROR_FAILED] = ACRN_ERROR_FAILED,
    [ACRND_ERROR_NO_SUCH_VM] = ACRN_ERROR_NO_SUCH_VM,
    [ACRND_ERROR_ALREADY_EXISTS] = ACRN_ERROR_ALREADY_EXISTS,
    [ACRND_ERROR_INVALID_STATE] = ACRN_ERROR_INVALID_STATE,
    [ACRND_ERROR_INVALID_CONFIG] = ACRN_ERROR_INVALID_CONFIG,
    [ACRND_ERROR_BUSY] = ACRN_ERROR_BUSY,
    [ACRND_ERROR_TIMEOUT] = ACRN_ERROR_TIMEOUT,
    [ACRND_ERROR_CANCELLED] = ACRN_ERROR_CANCELLED,
    [ACRND_ERROR_DEVICE_MODEL_FAILED] = ACRN_ERROR_DEVICE_MODEL_FAILED,
};

void acrn_dbus_return_error(GDBusMethodInvocation *inv, const GError *error)
{
	AcrnError code = ACRN_ERROR_FAILED;

	if (error->domain == ACRN_ERROR || error->domain == G_DBUS_ERROR) {
		g_dbus_method_invocation_return_gerror(inv, error);
		return;
	}
	if (error->domain == ACRND_ERROR && error->code >= 0 &&
	    (gsize)error->code < G_N_ELEMENTS(model_to_dbus))
		code = model_to_dbus[error->code];
	g_dbus_method_invocation_return_error_literal(inv, ACRN_ERROR, code, error->message);
}

/* ---- Manager methods ---- */

static gboolean on_list_vms(AcrnManager *mgr, GDBusMethodInvocation *inv, gpointer data)
{
	AcrnDbusService *svc = data;
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(svc->sup);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(ssso)"));
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];
		g_autofree char *path = acrn_dbus_machine_path(vm);

		g_variant_builder_add(
		    &b, "(ssso)", acrn_machine_get_uuid(vm), acrn_machine_get_name(vm),
		    acrn_machine_state_to_string(acrn_machine_get_state(vm)), path);
	}
	acrn_manager_complete_list_vms(mgr, inv, g_variant_builder_end(&b));
	return TRUE;
}

static GVariant *vm_details(AcrnDbusService *svc)
{
	g_autoptr(GPtrArray) vms = NULL;
	g_autofree GVariant **entries = NULL;

	if (svc->details && svc->details_generation == *svc->generation)
		return g_variant_ref(svc->details);
	vms = acrn_supervisor_list(svc->sup);

	/* Each entry is serialized as soon as it is built, and the list then
	 * once more: a GVariantBuilder would hold 11 GVariant objects per VM
	 * until the end (over 1 MiB for 1000 VMs), and that much short-lived
	 * memory among long-lived blocks stays in the heap. */
	entries = g_new(GVariant *, vms->len ? vms->len : 1);
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];
		const AcrnVmDef *def = acrn_machine_get_def(vm);
		g_autofree char *path = acrn_dbus_machine_path(vm);

		entries[i] = g_variant_ref_sink(g_variant_new(
		    "(ssssobbuut)", acrn_machine_get_uuid(vm), acrn_machine_get_name(vm),
		    acrn_machine_state_to_string(acrn_machine_get_state(vm)),
		    acrn_machine_get_state_reason(vm) ? acrn_machine_get_state_reason(vm) : "",
		    path, acrn_machine_is_persistent(vm), def->autostart,
		    acrn_machine_get_leader_pid(vm), def->vcpus, (guint64)def->memory_bytes));
		g_variant_get_data(entries[i]); /* serialized: the 10 children go */
	}
	g_clear_pointer(&svc->details, g_variant_unref);
	svc->details = g_variant_ref_sink(
	    g_variant_new_array(G_VARIANT_TYPE("(ssssobbuut)"), entries, vms->len));
	for (guint i = 0; i < vms->len; i++)
		g_variant_unref(entries[i]);
	/* Kept serialized (ListVMDetailsPackedSince sends it as it is). */
	g_variant_get_data(svc->details);
	svc->details_generation = *svc->generation;
	return g_variant_ref(svc->details);
}

static gboolean on_list_vm_details(AcrnManager *mgr, GDBusMethodInvocation *inv, gpointer data)
{
	g_autoptr(GVariant) details = vm_details(data);

	acrn_manager_complete_list_vmdetails(mgr, inv, details);
	return TRUE;
}

static gboolean on_list_vm_details_since(AcrnManager *mgr, GDBusMethodInvocation *inv,
					 guint64 known, gpointer data)
{
	AcrnDbusService *svc = data;
	g_autoptr(GVariant) details = NULL;

	if (known == *svc->generation) {
		acrn_manager_complete_list_vmdetails_since(
		    mgr, inv, *svc->generation, FALSE,
		    g_variant_new_array(G_VARIANT_TYPE("(ssssobbuut)"), NULL, 0));
		return TRUE;
	}
	details = vm_details(svc);
	acrn_manager_complete_list_vmdetails_since(mgr, inv, *svc->generation, TRUE, details);
	return TRUE;
}

static gboolean on_list_vm_details_packed_since(AcrnManager *mgr, GDBusMethodInvocation *inv,
						guint64 known, gpointer data)
{
	AcrnDbusService *svc = data;
	g_autoptr(GVariant) details = NULL;
	g_autoptr(GBytes) bytes = NULL;

	if (known == *svc->generation) {
		acrn_manager_complete_list_vmdetails_packed_since(
		    mgr, inv, *svc->generation, FALSE,
		    g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, NULL, 0, 1));
		return TRUE;
	}
	details = vm_details(svc);
	/* The kept (serialized) listing itself, not a copy. */
	bytes = g_variant_get_data_as_bytes(details);
	acrn_manager_complete_list_vmdetails_packed_since(
	    mgr, inv, *svc->generation, TRUE,
	    g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, bytes, TRUE));
	return TRUE;
}

static void counter_authorized(GDBusMethodInvocation *inv, gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnManager *mgr = svc->manager;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autofree char *proc = NULL;
	g_autoptr(GError) error = NULL;
	int ro;

	if (svc->generation_fd < 0 || svc->lifeline[0] < 0) {
		g_dbus_method_invocation_return_error_literal(
		    inv, ACRN_ERROR, ACRN_ERROR_NOT_SUPPORTED,
		    "no shared generation counter (memfd or pipe failed at start)");
		return;
	}
	/* A read-only descriptor of the same memfd: the caller can map the
	 * page but never write it (nor resize it: the memfd is sealed). */
	proc = g_strdup_printf("/proc/self/fd/%d", svc->generation_fd);
	ro = open(proc, O_RDONLY | O_CLOEXEC);
	if (ro < 0) {
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_NOT_SUPPORTED,
						      "cannot reopen the generation counter: %s",
						      g_strerror(errno));
		return;
	}
	fds = g_unix_fd_list_new_from_array(&ro, 1);
	if (g_unix_fd_list_append(fds, svc->lifeline[0], &error) < 0) {
		acrn_dbus_return_error(inv, error);
		return;
	}
	acrn_manager_complete_get_generation_counter(mgr, inv, fds, g_variant_new_handle(0),
						     g_variant_new_handle(1));
}

/* Descriptors only for those who may manage VMs (the bus policy already
 * limits the call to root). */
static gboolean on_get_generation_counter(AcrnManager *mgr, GDBusMethodInvocation *inv,
					  GUnixFDList *unused, gpointer data)
{
	AcrnDbusService *svc = data;

	acrn_dbus_auth_check_async(svc->auth, inv, counter_authorized, svc, NULL);
	return TRUE;
}

static gboolean on_get_vm(AcrnManager *mgr, GDBusMethodInvocation *inv, const char *key,
			  gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnMachine *vm = acrn_supervisor_lookup(svc->sup, key);
	g_autofree char *path = NULL;

	if (!vm) {
		g_dbus_method_invocation_return_error(inv, ACRN_ERROR, ACRN_ERROR_NO_SUCH_VM,
						      "no VM named or with UUID '%s'", key);
		return TRUE;
	}
	path = acrn_dbus_machine_path(vm);
	acrn_manager_complete_get_vm(mgr, inv, path);
	return TRUE;
}

/* A DefineVM or CreateVM waiting for its caller's authorization.  The
 * service outlives every authorized call (acrnd frees it only after its
 * main loop ends), and a check cancelled by then never calls back here. */
typedef struct {
	AcrnDbusService *svc;
	char *config;
	gboolean keep_name;
} ManagerCall;

static ManagerCall *manager_call_new(AcrnDbusService *svc, const char *config)
{
	ManagerCall *mc = g_new0(ManagerCall, 1);

	mc->svc = svc;
	mc->config = g_strdup(config);
	return mc;
}

static void manager_call_free(gpointer data)
{
	ManagerCall *mc = data;

	g_free(mc->config);
	g_free(mc);
}

static void define_authorized(GDBusMethodInvocation *inv, gpointer data)
{
	ManagerCall *mc = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	AcrnMachine *vm;

	vm = acrn_supervisor_define(mc->svc->sup, mc->config, mc->keep_name, &error);
	if (!vm) {
		acrn_dbus_return_error(inv, error);
		return;
	}
	path = acrn_dbus_machine_path(vm);
	acrn_manager_complete_define_vm(mc->svc->manager, inv, path);
}

static gboolean on_define_vm(AcrnManager *mgr, GDBusMethodInvocation *inv, const char *config,
			     GVariant *options, gpointer data)
{
	static const AcrnDbusOption define_options[] = {{"keep-name", "b"}, {NULL, NULL}};
	AcrnDbusService *svc = data;
	ManagerCall *mc;

	if (!acrn_dbus_check_options(inv, options, define_options))
		return TRUE;
	mc = manager_call_new(svc, config);
	g_variant_lookup(options, "keep-name", "b", &mc->keep_name);
	acrn_dbus_auth_check_async(svc->auth, inv, define_authorized, mc, manager_call_free);
	return TRUE;
}

static void on_created(GObject *src, GAsyncResult *res, gpointer data)
{
	GDBusMethodInvocation *inv = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	AcrnMachine *vm;

	vm = acrn_supervisor_create_finish(ACRN_SUPERVISOR(src), res, &error);
	if (!vm) {
		acrn_dbus_return_error(inv, error);
		return;
	}
	path = acrn_dbus_machine_path(vm);
	g_dbus_method_invocation_return_value(inv, g_variant_new("(o)", path));
}

static void create_authorized(GDBusMethodInvocation *inv, gpointer data)
{
	ManagerCall *mc = data;

	acrn_supervisor_create_async(mc->svc->sup, mc->config, on_created, inv);
}

static gboolean on_create_vm(AcrnManager *mgr, GDBusMethodInvocation *inv, const char *config,
			     GVariant *options, gpointer data)
{
	AcrnDbusService *svc = data;

	if (!acrn_dbus_check_options(inv, options, NULL))
		return TRUE;
	acrn_dbus_auth_check_async(svc->auth, inv, create_authorized, manager_call_new(svc, config),
				   manager_call_free);
	return TRUE;
}

/* ---- the shared generation counter ---- */

#define ACRN_GENERATION_PAGE_SIZE 4096

/* A page of a sealed memfd mapped writable here; NULL (errno set) if the
 * kernel has no memfd or the page cannot be set up. */
static guint64 *generation_page_new(int *fd_out)
{
	int fd, saved;
	void *page;

	*fd_out = -1;
	fd = memfd_create("acrnd-generation", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, ACRN_GENERATION_PAGE_SIZE) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail;
	page = mmap(NULL, ACRN_GENERATION_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED)
		goto fail;
	*fd_out = fd;
	return page;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return NULL;
}

/* ---- VM objects come and go with the supervisor's VMs ---- */

static void update_count(AcrnDbusService *svc)
{
	acrn_manager_set_vmcount(svc->manager, acrn_supervisor_count(svc->sup));
	/* Before the DefineVM/Undefine reply goes out. */
	g_dbus_interface_skeleton_flush(G_DBUS_INTERFACE_SKELETON(svc->manager));
}

static void on_vm_added(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnDbusVm *dvm = acrn_dbus_vm_new(vm, sup, svc->auth, svc->manager, svc->generation);

	acrn_dbus_generation_bump(svc->generation);

	g_hash_table_insert(svc->vms, vm, dvm);
	g_dbus_object_manager_server_export(svc->om, acrn_dbus_vm_get_object(dvm));
	update_count(svc);
}

static void on_vm_changed(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnDbusVm *dvm = g_hash_table_lookup(svc->vms, vm);

	if (dvm)
		acrn_dbus_vm_changed(dvm);
}

static void on_vm_event(AcrnSupervisor *sup, AcrnMachine *vm, const char *event, const char *detail,
			gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnDbusVm *dvm = g_hash_table_lookup(svc->vms, vm);

	if (dvm)
		acrn_dbus_vm_event(dvm, event, detail);
}

static void on_vm_removed(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	AcrnDbusService *svc = data;
	AcrnDbusVm *dvm = g_hash_table_lookup(svc->vms, vm);

	if (!dvm)
		return;
	acrn_dbus_generation_bump(svc->generation);
	g_dbus_object_manager_server_unexport(
	    svc->om, g_dbus_object_get_object_path(G_DBUS_OBJECT(acrn_dbus_vm_get_object(dvm))));
	g_hash_table_remove(svc->vms, vm);
	update_count(svc);
}

AcrnDbusService *acrn_dbus_service_new(GDBusConnection *conn, AcrnSupervisor *sup,
				       const char *manage_group)
{
	AcrnDbusService *svc = g_new0(AcrnDbusService, 1);
	g_autoptr(AcrnObjectSkeleton) obj = NULL;
	g_autoptr(GPtrArray) vms = NULL;

	svc->conn = g_object_ref(conn);
	svc->sup = g_object_ref(sup);
	svc->auth = acrn_dbus_auth_new(manage_group);
	svc->vms = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)acrn_dbus_vm_free);
	svc->om = g_dbus_object_manager_server_new(ACRN_DBUS_ROOT_PATH);
	svc->generation = generation_page_new(&svc->generation_fd);
	if (!svc->generation || !g_unix_open_pipe(svc->lifeline, FD_CLOEXEC, NULL)) {
		g_warning("no shared generation counter (%s); clients ask for every listing",
			  g_strerror(errno));
		if (!svc->generation)
			svc->generation = &svc->private_generation;
		svc->lifeline[0] = svc->lifeline[1] = -1;
	}
	/* Not 1: a client may hold the generation of an acrnd before a restart. */
	*svc->generation = (guint64)g_get_real_time();

	svc->manager = acrn_manager_skeleton_new();
	acrn_manager_set_version(svc->manager, PACKAGE_VERSION);
	acrn_manager_set_host_state(svc->manager, "running");
	g_signal_connect(svc->manager, "handle-list-vms", G_CALLBACK(on_list_vms), svc);
	g_signal_connect(svc->manager, "handle-list-vmdetails", G_CALLBACK(on_list_vm_details),
			 svc);
	g_signal_connect(svc->manager, "handle-list-vmdetails-since",
			 G_CALLBACK(on_list_vm_details_since), svc);
	g_signal_connect(svc->manager, "handle-list-vmdetails-packed-since",
			 G_CALLBACK(on_list_vm_details_packed_since), svc);
	g_signal_connect(svc->manager, "handle-get-generation-counter",
			 G_CALLBACK(on_get_generation_counter), svc);
	g_signal_connect(svc->manager, "handle-get-vm", G_CALLBACK(on_get_vm), svc);
	g_signal_connect(svc->manager, "handle-define-vm", G_CALLBACK(on_define_vm), svc);
	g_signal_connect(svc->manager, "handle-create-vm", G_CALLBACK(on_create_vm), svc);
	obj = acrn_object_skeleton_new(ACRN_DBUS_MANAGER_PATH);
	acrn_object_skeleton_set_manager(obj, svc->manager);
	g_dbus_object_manager_server_export(svc->om, G_DBUS_OBJECT_SKELETON(obj));

	vms = acrn_supervisor_list(sup);
	for (guint i = 0; i < vms->len; i++)
		on_vm_added(sup, vms->pdata[i], svc);
	svc->added_id = g_signal_connect(sup, "vm-added", G_CALLBACK(on_vm_added), svc);
	svc->removed_id = g_signal_connect(sup, "vm-removed", G_CALLBACK(on_vm_removed), svc);
	svc->changed_id = g_signal_connect(sup, "vm-changed", G_CALLBACK(on_vm_changed), svc);
	svc->event_id = g_signal_connect(sup, "vm-event", G_CALLBACK(on_vm_event), svc);
	update_count(svc);
	g_dbus_object_manager_server_set_connection(svc->om, conn);
	return svc;
}

void acrn_dbus_service_free(AcrnDbusService *svc)
{
	if (!svc)
		return;
	g_signal_handler_disconnect(svc->sup, svc->added_id);
	g_signal_handler_disconnect(svc->sup, svc->removed_id);
	g_signal_handler_disconnect(svc->sup, svc->changed_id);
	g_signal_handler_disconnect(svc->sup, svc->event_id);
	g_dbus_object_manager_server_set_connection(svc->om, NULL);
	g_hash_table_unref(svc->vms);
	g_clear_pointer(&svc->details, g_variant_unref);
	g_object_unref(svc->om);
	g_object_unref(svc->manager);
	acrn_dbus_auth_free(svc->auth);
	if (svc->generation_fd >= 0) {
		munmap(svc->generation, ACRN_GENERATION_PAGE_SIZE);
		close(svc->generation_fd);
	}
	if (svc->lifeline[0] >= 0) {
		close(svc->lifeline[0]);
		close(svc->lifeline[1]);
	}
	g_object_unref(svc->sup);
	g_object_unref(svc->conn);
	g_free(svc);
}
