#include "config.h"

#include "acrnd-client.h"

#include <errno.h>
#include <gio/gunixfdlist.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "acrn-dbus-errors.h"
#include "acrn-uuid.h"
#include "acrn-dbus-generated.h"
#include "rpc-error.h"

/* acrnd can take a while to start a device model; libvirt clients wait too. */
#define ACRND_CALL_TIMEOUT_MS (5 * 60 * 1000)

struct AcrndClient {
	GDBusConnection *bus;
	AcrnManager *manager;
	/* AcrnVM proxies by object path: building one costs a round trip.
	 * Slow calls run in worker threads (dispatch.c), hence the lock. */
	GHashTable *vm_proxies;
	GMutex lock;
	/* The last VM listing and acrnd's generation for it (acrnd_client_list). */
	GPtrArray *list;
	guint64 list_generation;
	/* acrnd's generation counter, shared (GetGenerationCounter): while it
	 * still equals list_generation and acrnd lives (no hang-up on the
	 * lifeline), the kept listing is current without asking acrnd. */
	const guint64 *counter;
	int lifeline;
	gboolean counter_tried; /* asked this acrnd for it already */
	AcrndEventFunc event_func;
	gpointer event_data;
};

static void counter_drop_locked(AcrndClient *client);

/* Without a bus connection (unit tests, fuzzing) every call fails cleanly. */
#define REQUIRE_CLIENT(client, error, ret)                                                         \
	do {                                                                                       \
		if (!(client)) {                                                                   \
			virt_error_set(error, VIR_ERR_OPERATION_FAILED, "not connected to acrnd"); \
			return ret;                                                                \
		}                                                                                  \
	} while (0)

void acrnd_vm_free(AcrndVm *vm)
{
	if (!vm || !g_atomic_int_dec_and_test(&vm->refs))
		return;
	g_free(vm->object_path);
	g_free(vm->uuid);
	g_free(vm->name);
	g_free(vm->state);
	g_free(vm->state_reason);
	g_free(vm);
}

gboolean acrnd_parse_uuid(const char *s, guint8 out[16])
{
	return acrn_uuid_parse(s, out);
}

char *acrnd_format_uuid(const guint8 u[16])
{
	char *out = g_malloc(ACRN_UUID_STRING_LEN);

	acrn_uuid_format(u, out);
	return out;
}

void acrnd_error_to_virt(GError **error, const char *what)
{
	GError *e;
	int code = VIR_ERR_OPERATION_FAILED;
	g_autofree char *msg = NULL;

	if (!error || !*error || (*error)->domain == VIRT_ERROR)
		return;
	e = *error;
	if (g_dbus_error_is_remote_error(e))
		g_dbus_error_strip_remote_error(e);
	if (e->domain == ACRN_ERROR) {
		switch (e->code) {
		case ACRN_ERROR_NO_SUCH_VM:
			code = VIR_ERR_NO_DOMAIN;
			break;
		case ACRN_ERROR_ALREADY_EXISTS:
			code = VIR_ERR_OPERATION_FAILED;
			break;
		case ACRN_ERROR_INVALID_STATE:
			code = VIR_ERR_OPERATION_INVALID;
			break;
		case ACRN_ERROR_INVALID_CONFIG:
			code = VIR_ERR_XML_ERROR;
			break;
		case ACRN_ERROR_TIMEOUT:
			code = VIR_ERR_OPERATION_TIMEOUT;
			break;
		case ACRN_ERROR_CANCELLED:
			code = VIR_ERR_OPERATION_ABORTED;
			break;
		case ACRN_ERROR_NOT_SUPPORTED:
			code = VIR_ERR_OPERATION_UNSUPPORTED;
			break;
		case ACRN_ERROR_ACCESS_DENIED:
			code = VIR_ERR_ACCESS_DENIED;
			break;
		default:
			code = VIR_ERR_OPERATION_FAILED;
			break;
		}
		msg = g_strdup(e->message);
	} else if (g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS)) {
		code = VIR_ERR_INVALID_ARG;
		msg = g_strdup(e->message);
	} else if (g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED)) {
		code = VIR_ERR_ACCESS_DENIED;
		msg = g_strdup(e->message);
	} else if (g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
		   g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
		   g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
		/* The VM's object vanished between lookup and call. */
		code = VIR_ERR_NO_DOMAIN;
		msg = g_strdup("no domain with matching uuid");
	} else {
		msg = g_strdup_printf("cannot reach acrnd (%s): %s", what, e->message);
	}
	g_clear_error(error);
	virt_error_set(error, code, "%s", msg);
}

static void on_vmevent(AcrnManager *manager, const char *vm, const char *name, const char *event,
		       const char *detail, gpointer data)
{
	AcrndClient *client = data;

	if (g_strcmp0(event, "undefined") == 0) {
		g_mutex_lock(&client->lock);
		g_hash_table_remove(client->vm_proxies, vm);
		g_mutex_unlock(&client->lock);
	}
	if (client->event_func)
		client->event_func(vm, name, event, detail, client->event_data);
}

/* acrnd (re)started or left the bus: its counter, if we had one, is dead
 * (the lifeline says so too), and a new acrnd may offer one. */
static void on_name_owner(GObject *proxy, GParamSpec *pspec, gpointer data)
{
	AcrndClient *client = data;

	g_mutex_lock(&client->lock);
	counter_drop_locked(client);
	g_mutex_unlock(&client->lock);
}

AcrndClient *acrnd_client_new(const char *bus_address, gboolean session, GError **error)
{
	g_autoptr(GDBusConnection) bus = NULL;
	AcrndClient *client;

	/* Make sure acrnd's D-Bus error names map to ACRN_ERROR codes. */
	(void)ACRN_ERROR;
	if (bus_address)
		bus = g_dbus_connection_new_for_address_sync(
		    bus_address,
		    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		    NULL, NULL, error);
	else
		bus = g_bus_get_sync(session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, error);
	if (!bus)
		return NULL;
	g_dbus_connection_set_exit_on_close(bus, FALSE);

	client = g_new0(AcrndClient, 1);
	client->lifeline = -1;
	g_mutex_init(&client->lock);
	client->bus = g_steal_pointer(&bus);
	client->vm_proxies = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	client->manager =
	    acrn_manager_proxy_new_sync(client->bus, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES,
					ACRN_DBUS_NAME, ACRN_DBUS_MANAGER_PATH, NULL, error);
	if (!client->manager) {
		acrnd_client_free(client);
		return NULL;
	}
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(client->manager), ACRND_CALL_TIMEOUT_MS);
	g_signal_connect(client->manager, "vmevent", G_CALLBACK(on_vmevent), client);
	g_signal_connect(client->manager, "notify::g-name-owner", G_CALLBACK(on_name_owner),
			 client);
	return client;
}

void acrnd_client_free(AcrndClient *client)
{
	if (!client)
		return;
	g_clear_object(&client->manager);
	g_clear_pointer(&client->vm_proxies, g_hash_table_unref);
	g_clear_pointer(&client->list, g_ptr_array_unref);
	counter_drop_locked(client);
	g_clear_object(&client->bus);
	g_mutex_clear(&client->lock);
	g_free(client);
}

void acrnd_client_set_event_handler(AcrndClient *client, AcrndEventFunc func, gpointer data)
{
	client->event_func = func;
	client->event_data = data;
}

/* Returns a new reference to the VM's proxy (callers unref it). */
static AcrnVM *vm_proxy(AcrndClient *client, const char *path, GError **error)
{
	AcrnVM *proxy;

	REQUIRE_CLIENT(client, error, NULL);
	g_mutex_lock(&client->lock);
	proxy = g_hash_table_lookup(client->vm_proxies, path);
	if (proxy)
		g_object_ref(proxy);
	g_mutex_unlock(&client->lock);
	if (proxy)
		return proxy;
	proxy = acrn_vm_proxy_new_sync(client->bus,
				       G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
					   G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
				       ACRN_DBUS_NAME, path, NULL, error);
	if (!proxy) {
		acrnd_error_to_virt(error, "VM proxy");
		return NULL;
	}
	g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(proxy), ACRND_CALL_TIMEOUT_MS);
	g_mutex_lock(&client->lock);
	g_hash_table_replace(client->vm_proxies, g_strdup(path), g_object_ref(proxy));
	g_mutex_unlock(&client->lock);
	return proxy;
}

/* acrnd's managed save is a guest S3 with the reason "managed-save"; to
 * libvirt the domain is shut off with a managed-save image ("saved"). */
static void settle_state(AcrndVm *vm)
{
	if (g_strcmp0(vm->state, "suspended") == 0 &&
	    g_strcmp0(vm->state_reason, "managed-save") == 0) {
		g_free(vm->state);
		vm->state = g_strdup("saved");
	}
}

static AcrndVm *vm_new(const char *path, const char *uuid, const char *name, const char *state)
{
	AcrndVm *vm = g_new0(AcrndVm, 1);

	vm->refs = 1;
	vm->object_path = g_strdup(path);
	vm->uuid = g_strdup(uuid);
	vm->name = g_strdup(name);
	vm->state = g_strdup(state);
	if (uuid && acrnd_parse_uuid(uuid, vm->uuid_bytes)) {
		g_free(vm->uuid);
		vm->uuid = acrnd_format_uuid(vm->uuid_bytes);
	}
	return vm;
}

/* The listing's entries all have their details: shared, never changed. */
static AcrndVm *vm_ref(AcrndVm *vm)
{
	g_atomic_int_inc(&vm->refs);
	return vm;
}

static GPtrArray *parse_details(GVariant *vms)
{
	GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)acrnd_vm_free);
	const char *uuid, *name, *state, *reason, *path;
	gboolean persistent, autostart;
	guint32 pid, vcpus;
	guint64 memory;
	GVariantIter it;

	g_variant_iter_init(&it, vms);
	while (g_variant_iter_next(&it, "(&s&s&s&s&obbuut)", &uuid, &name, &state, &reason, &path,
				   &persistent, &autostart, &pid, &vcpus, &memory)) {
		AcrndVm *vm = vm_new(path, uuid, name, state);

		vm->have_details = TRUE;
		vm->state_reason = g_strdup(reason);
		vm->persistent = persistent;
		vm->autostart = autostart;
		vm->leader_pid = pid;
		vm->vcpus = vcpus;
		vm->memory_bytes = memory;
		settle_state(vm);
		g_ptr_array_add(list, vm);
	}
	return list;
}

static void counter_drop_locked(AcrndClient *client)
{
	if (client->counter)
		munmap((void *)client->counter, sizeof(guint64));
	if (client->lifeline >= 0)
		close(client->lifeline);
	client->counter = NULL;
	client->lifeline = -1;
	/* A new acrnd may offer a counter again. */
	client->counter_tried = FALSE;
}

/* Whether the kept listing is still acrnd's, without a round trip. */
static gboolean counter_current_locked(AcrndClient *client)
{
	struct pollfd p = {.fd = client->lifeline, .events = POLLIN};
	guint64 now;

	if (!client->counter || !client->list)
		return FALSE;
	now = __atomic_load_n(client->counter, __ATOMIC_ACQUIRE);
	/* Read before looking at the lifeline: if acrnd still lives, the
	 * value read was its current one. */
	if (poll(&p, 1, 0) != 0) {
		g_debug("acrnd's generation counter: acrnd is gone");
		counter_drop_locked(client);
		return FALSE;
	}
	return now == client->list_generation;
}

/* Maps acrnd's shared generation counter; without it (an older acrnd, no
 * descriptor passing) every sync asks acrnd. */
static void counter_fetch(AcrndClient *client)
{
	g_autoptr(GVariant) counter_h = NULL;
	g_autoptr(GVariant) lifeline_h = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GError) error = NULL;
	int fd = -1, lifeline = -1;
	void *page = MAP_FAILED;

	if (!acrn_manager_call_get_generation_counter_sync(client->manager, NULL, &counter_h,
							   &lifeline_h, &fds, NULL, &error) ||
	    !fds) {
		g_debug("no shared generation counter: %s",
			error ? error->message : "no descriptors");
		return;
	}
	fd = g_unix_fd_list_get(fds, g_variant_get_handle(counter_h), &error);
	if (fd >= 0)
		lifeline = g_unix_fd_list_get(fds, g_variant_get_handle(lifeline_h), &error);
	if (lifeline >= 0)
		page = mmap(NULL, sizeof(guint64), PROT_READ, MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (page == MAP_FAILED) {
		g_debug("cannot map acrnd's generation counter: %s",
			error ? error->message : g_strerror(errno));
		if (lifeline >= 0)
			close(lifeline);
		return;
	}
	g_mutex_lock(&client->lock);
	if (!client->counter) {
		client->counter = page;
		client->lifeline = lifeline;
		page = MAP_FAILED;
		lifeline = -1;
	}
	g_mutex_unlock(&client->lock);
	if (page != MAP_FAILED) /* another thread was quicker */
		munmap(page, sizeof(guint64));
	if (lifeline >= 0)
		close(lifeline);
}

/* Brings the kept listing up to date: no round trip while acrnd's shared
 * counter says nothing changed, else one, and acrnd sends the listing only
 * when something changed since the generation kept here.
 * Returns TRUE with the lock held and client->list current. */
static gboolean sync_list_locked(AcrndClient *client, GError **error)
{
	gboolean fetch;

	g_mutex_lock(&client->lock);
	if (counter_current_locked(client))
		return TRUE;
	fetch = !client->counter && !client->counter_tried;
	client->counter_tried = TRUE;
	g_mutex_unlock(&client->lock);
	/* Before the listing: a counter mapped after it could miss a change. */
	if (fetch)
		counter_fetch(client);

	for (int attempt = 0; attempt < 2; attempt++) {
		g_autoptr(GVariant) packed = NULL;
		g_autoptr(GVariant) vms = NULL;
		guint64 known, generation;
		gboolean changed;

		g_mutex_lock(&client->lock);
		known = client->list && attempt == 0 ? client->list_generation : 0;
		g_mutex_unlock(&client->lock);
		if (!acrn_manager_call_list_vmdetails_packed_since_sync(
			client->manager, known, &generation, &changed, &packed, NULL, error)) {
			acrnd_error_to_virt(error, "ListVMDetailsPackedSince");
			return FALSE;
		}
		if (changed) {
			/* Read in place: no object per value (ListVMDetailsPackedSince). */
			g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(packed);

			vms = g_variant_ref_sink(g_variant_new_from_bytes(
			    G_VARIANT_TYPE("a(ssssobbuut)"), bytes, FALSE));
		}
		g_mutex_lock(&client->lock);
		if (changed) {
			g_clear_pointer(&client->list, g_ptr_array_unref);
			client->list = parse_details(vms);
			client->list_generation = generation;
			return TRUE;
		}
		if (client->list && client->list_generation == generation)
			return TRUE;
		/* Another thread replaced the copy meanwhile: ask for all. */
		g_mutex_unlock(&client->lock);
	}
	virt_error_set(error, VIR_ERR_INTERNAL_ERROR, "acrnd's VM listing keeps changing");
	return FALSE;
}

gboolean acrnd_client_has_counter(AcrndClient *client)
{
	gboolean has;

	if (!client)
		return FALSE;
	g_mutex_lock(&client->lock);
	has = client->counter != NULL;
	g_mutex_unlock(&client->lock);
	return has;
}

GPtrArray *acrnd_client_list(AcrndClient *client, GError **error)
{
	GPtrArray *copy;
	REQUIRE_CLIENT(client, error, NULL);

	/* One call for the whole listing, details included (no GetAll per
	 * VM), and usually a small one: the answer still current. */
	if (!sync_list_locked(client, error))
		return NULL;
	/* Callers may drop entries from the array they get: a new array. */
	copy = g_ptr_array_new_full(client->list->len, (GDestroyNotify)acrnd_vm_free);
	for (guint i = 0; i < client->list->len; i++)
		g_ptr_array_add(copy, vm_ref(client->list->pdata[i]));
	g_mutex_unlock(&client->lock);
	return copy;
}

/* A lookup answered from the kept listing once acrnd confirmed it current
 * (ListVMDetailsSince: nothing changed, or here is the new listing): one
 * small round trip, and the answer as current as a query of the VM's
 * object.  Without a kept listing there is nothing to confirm; NULL with
 * no error then, and the caller asks acrnd about the VM itself. */
static AcrndVm *lookup_listed(AcrndClient *client, const guint8 *uuid, const char *name,
			      gboolean *answered, GError **error)
{
	AcrndVm *found = NULL;

	*answered = FALSE;
	g_mutex_lock(&client->lock);
	if (!client->list) {
		g_mutex_unlock(&client->lock);
		return NULL;
	}
	g_mutex_unlock(&client->lock);
	if (!sync_list_locked(client, error))
		return NULL;
	*answered = TRUE;
	for (guint i = 0; i < client->list->len && !found; i++) {
		const AcrndVm *vm = client->list->pdata[i];

		if (uuid ? memcmp(vm->uuid_bytes, uuid, 16) == 0 : g_strcmp0(vm->name, name) == 0)
			found = vm_ref((AcrndVm *)vm);
	}
	g_mutex_unlock(&client->lock);
	if (!found) {
		g_autofree char *s = uuid ? acrnd_format_uuid(uuid) : NULL;

		virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching %s '%s'",
			       uuid ? "uuid" : "name", uuid ? s : name);
	}
	return found;
}

static void apply_property(AcrndVm *vm, const char *key, GVariant *v)
{
#define IS(k, t) (strcmp(key, k) == 0 && g_variant_is_of_type(v, t))
	if (IS("UUID", G_VARIANT_TYPE_STRING)) {
		g_free(vm->uuid);
		vm->uuid = g_variant_dup_string(v, NULL);
		if (acrnd_parse_uuid(vm->uuid, vm->uuid_bytes)) {
			g_free(vm->uuid);
			vm->uuid = acrnd_format_uuid(vm->uuid_bytes);
		}
	} else if (IS("Name", G_VARIANT_TYPE_STRING)) {
		g_free(vm->name);
		vm->name = g_variant_dup_string(v, NULL);
	} else if (IS("State", G_VARIANT_TYPE_STRING)) {
		g_free(vm->state);
		vm->state = g_variant_dup_string(v, NULL);
	} else if (IS("StateReason", G_VARIANT_TYPE_STRING)) {
		g_free(vm->state_reason);
		vm->state_reason = g_variant_dup_string(v, NULL);
	} else if (IS("Autostart", G_VARIANT_TYPE_BOOLEAN)) {
		vm->autostart = g_variant_get_boolean(v);
	} else if (IS("Persistent", G_VARIANT_TYPE_BOOLEAN)) {
		vm->persistent = g_variant_get_boolean(v);
	} else if (IS("LeaderPID", G_VARIANT_TYPE_UINT32)) {
		vm->leader_pid = g_variant_get_uint32(v);
	} else if (IS("VCPUs", G_VARIANT_TYPE_UINT32)) {
		vm->vcpus = g_variant_get_uint32(v);
	} else if (IS("MemoryBytes", G_VARIANT_TYPE_UINT64)) {
		vm->memory_bytes = g_variant_get_uint64(v);
	}
#undef IS
}

gboolean acrnd_client_load_details(AcrndClient *client, AcrndVm *vm, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) props = NULL;
	GVariantIter it;
	const char *key;
	GVariant *value;
	REQUIRE_CLIENT(client, error, FALSE);

	/* One GetAll round trip per query keeps the answer current without
	 * mirroring acrnd's state here. */
	reply = g_dbus_connection_call_sync(
	    client->bus, ACRN_DBUS_NAME, vm->object_path, "org.freedesktop.DBus.Properties",
	    "GetAll", g_variant_new("(s)", "org.acrn.Acrnd1.VM"), G_VARIANT_TYPE("(a{sv})"),
	    G_DBUS_CALL_FLAGS_NONE, ACRND_CALL_TIMEOUT_MS, NULL, error);
	if (!reply) {
		/* No object there: acrnd names VM objects after their UUID, so
		 * there is no such VM (acrnd itself answered). */
		if (g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
		    g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
		    g_error_matches(*error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE)) {
			g_clear_error(error);
			virt_error_set(error, VIR_ERR_NO_DOMAIN,
				       "no domain with matching uuid '%s'",
				       vm->uuid ? vm->uuid : vm->object_path);
			return FALSE;
		}
		acrnd_error_to_virt(error, "GetAll");
		return FALSE;
	}
	props = g_variant_get_child_value(reply, 0);
	if (g_variant_n_children(props) == 0) {
		virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching uuid '%s'",
			       vm->uuid ? vm->uuid : vm->object_path);
		return FALSE;
	}
	g_variant_iter_init(&it, props);
	while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
		apply_property(vm, key, value);
		g_variant_unref(value);
	}
	settle_state(vm);
	vm->have_details = TRUE;
	return TRUE;
}

AcrndVm *acrnd_client_get_vm(AcrndClient *client, const char *object_path, GError **error)
{
	g_autoptr(AcrndVm) vm = vm_new(object_path, NULL, NULL, NULL);

	if (!acrnd_client_load_details(client, vm, error))
		return NULL;
	return g_steal_pointer(&vm);
}

static AcrndVm *lookup(AcrndClient *client, const char *key, const char *what, GError **error)
{
	g_autofree char *path = NULL;
	REQUIRE_CLIENT(client, error, NULL);

	if (!acrn_manager_call_get_vm_sync(client->manager, key, &path, NULL, error)) {
		acrnd_error_to_virt(error, "GetVM");
		if (g_error_matches(*error, VIRT_ERROR, VIR_ERR_NO_DOMAIN)) {
			g_clear_error(error);
			virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching %s '%s'",
				       what, key);
		}
		return NULL;
	}
	return acrnd_client_get_vm(client, path, error);
}

AcrndVm *acrnd_client_lookup_name(AcrndClient *client, const char *name, GError **error)
{
	g_autoptr(AcrndVm) vm = NULL;
	guint8 dummy[16];
	gboolean answered;
	REQUIRE_CLIENT(client, error, NULL);

	vm = lookup_listed(client, NULL, name, &answered, error);
	if (answered)
		return g_steal_pointer(&vm);

	/* acrnd's GetVM also accepts UUIDs; a libvirt name lookup must not. */
	vm = lookup(client, name, "name", error);
	if (vm && acrnd_parse_uuid(name, dummy) && g_strcmp0(vm->name, name) != 0) {
		virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching name '%s'", name);
		return NULL;
	}
	return g_steal_pointer(&vm);
}

AcrndVm *acrnd_client_lookup_uuid(AcrndClient *client, const guint8 uuid[16], GError **error)
{
	g_autofree char *s = NULL;
	g_autofree char *path = NULL;
	g_autoptr(AcrndVm) vm = NULL;
	g_autoptr(GError) direct_error = NULL;
	gboolean answered;
	REQUIRE_CLIENT(client, error, NULL);

	/* The common case (virsh list: one GetState per domain) allocates
	 * nothing here. */
	vm = lookup_listed(client, uuid, NULL, &answered, error);
	if (answered)
		return g_steal_pointer(&vm);
	s = acrnd_format_uuid(uuid);
	path = acrn_dbus_vm_path(uuid);
	vm = vm_new(path, s, NULL, NULL);

	/* The contract names VM objects after their UUID: one round trip,
	 * and no object there means no such VM. */
	if (acrnd_client_load_details(client, vm, &direct_error) && vm->have_details &&
	    memcmp(vm->uuid_bytes, uuid, 16) == 0)
		return g_steal_pointer(&vm);
	if (g_error_matches(direct_error, VIRT_ERROR, VIR_ERR_NO_DOMAIN)) {
		g_propagate_error(error, g_steal_pointer(&direct_error));
		return NULL;
	}
	return lookup(client, s, "uuid", error);
}

char *acrnd_client_define(AcrndClient *client, const char *xml, GError **error)
{
	char *path = NULL;
	GVariantBuilder b;
	REQUIRE_CLIENT(client, error, NULL);

	/* libvirt refuses to rename a domain through define. */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "keep-name", g_variant_new_boolean(TRUE));
	if (!acrn_manager_call_define_vm_sync(client->manager, xml, g_variant_builder_end(&b),
					      &path, NULL, error)) {
		acrnd_error_to_virt(error, "DefineVM");
		return NULL;
	}
	return path;
}

char *acrnd_client_create(AcrndClient *client, const char *xml, GError **error)
{
	char *path = NULL;
	REQUIRE_CLIENT(client, error, NULL);

	if (!acrn_manager_call_create_vm_sync(client->manager, xml,
					      g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0),
					      &path, NULL, error)) {
		acrnd_error_to_virt(error, "CreateVM");
		return NULL;
	}
	return path;
}

static GVariant *no_options(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

/* Like libvirt's per-domain job lock: an operation that finds the VM busy
 * with another one (acrnd's Busy error) waits for it instead of failing. */
#define ACRND_BUSY_WAIT_USEC (30 * G_USEC_PER_SEC)
#define ACRND_BUSY_POLL_USEC (50 * 1000)

static gboolean vm_action_once(AcrndClient *client, const char *object_path, AcrndVmAction action,
			       GError **error);

static const char *action_name(AcrndVmAction action)
{
	static const char *const names[] = {
	    [ACRND_VM_START] = "Start",		 [ACRND_VM_SHUTDOWN] = "Shutdown",
	    [ACRND_VM_FORCE_STOP] = "ForceStop", [ACRND_VM_REBOOT] = "Reboot",
	    [ACRND_VM_RESET] = "Reset",		 [ACRND_VM_PAUSE] = "Pause",
	    [ACRND_VM_RESUME] = "Resume",	 [ACRND_VM_SUSPEND] = "Suspend",
	    [ACRND_VM_WAKEUP] = "Wakeup",	 [ACRND_VM_MANAGED_SAVE] = "Suspend",
	    [ACRND_VM_UNDEFINE] = "Undefine",
	};

	return (guint)action < G_N_ELEMENTS(names) ? names[action] : "VM call";
}

gboolean acrnd_client_vm_action(AcrndClient *client, const char *object_path, AcrndVmAction action,
				GError **error)
{
	gint64 deadline = g_get_monotonic_time() + ACRND_BUSY_WAIT_USEC;

	for (;;) {
		g_autoptr(GError) e = NULL;

		if (vm_action_once(client, object_path, action, &e))
			return TRUE;
		if (!g_error_matches(e, ACRN_ERROR, ACRN_ERROR_BUSY) ||
		    g_get_monotonic_time() > deadline) {
			acrnd_error_to_virt(&e, action_name(action));
			g_propagate_error(error, g_steal_pointer(&e));
			return FALSE;
		}
		g_usleep(ACRND_BUSY_POLL_USEC);
	}
}

static gboolean vm_action_once(AcrndClient *client, const char *object_path, AcrndVmAction action,
			       GError **error)
{
	g_autoptr(AcrnVM) vm = vm_proxy(client, object_path, error);
	gboolean ok = FALSE;

	if (!vm)
		return FALSE;
	switch (action) {
	case ACRND_VM_START:
		ok = acrn_vm_call_start_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_SHUTDOWN:
		ok = acrn_vm_call_shutdown_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_FORCE_STOP:
		ok = acrn_vm_call_force_stop_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_REBOOT:
		ok = acrn_vm_call_reboot_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_RESET:
		ok = acrn_vm_call_reset_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_PAUSE:
		ok = acrn_vm_call_pause_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_RESUME:
		ok = acrn_vm_call_resume_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_SUSPEND:
		ok = acrn_vm_call_suspend_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_MANAGED_SAVE: {
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&b, "{sv}", "managed-save", g_variant_new_boolean(TRUE));
		ok = acrn_vm_call_suspend_sync(vm, g_variant_builder_end(&b), NULL, error);
		break;
	}
	case ACRND_VM_WAKEUP:
		ok = acrn_vm_call_wakeup_sync(vm, no_options(), NULL, error);
		break;
	case ACRND_VM_UNDEFINE:
		ok = acrn_vm_call_undefine_sync(vm, no_options(), NULL, error);
		if (ok) {
			g_mutex_lock(&client->lock);
			g_hash_table_remove(client->vm_proxies, object_path);
			g_mutex_unlock(&client->lock);
		}
		break;
	}
	if (!ok && g_dbus_error_is_remote_error(*error))
		g_dbus_error_strip_remote_error(*error);
	return ok;
}

gboolean acrnd_client_set_autostart(AcrndClient *client, const char *object_path,
				    gboolean autostart, GError **error)
{
	g_autoptr(AcrnVM) vm = vm_proxy(client, object_path, error);

	if (!vm)
		return FALSE;
	if (!acrn_vm_call_set_autostart_sync(vm, autostart, no_options(), NULL, error)) {
		acrnd_error_to_virt(error, "SetAutostart");
		return FALSE;
	}
	return TRUE;
}

char *acrnd_client_get_config(AcrndClient *client, const char *object_path, GError **error)
{
	g_autoptr(AcrnVM) vm = vm_proxy(client, object_path, error);
	char *config = NULL;

	if (!vm)
		return NULL;
	if (!acrn_vm_call_get_config_sync(vm, no_options(), &config, NULL, error)) {
		acrnd_error_to_virt(error, "GetConfig");
		return NULL;
	}
	return config;
}

char *acrnd_client_get_console_path(AcrndClient *client, const char *object_path, GError **error)
{
	g_autoptr(AcrnVM) vm = vm_proxy(client, object_path, error);
	char *path = NULL;

	if (!vm)
		return NULL;
	if (!acrn_vm_call_get_console_path_sync(vm, no_options(), &path, NULL, error)) {
		acrnd_error_to_virt(error, "GetConsolePath");
		return NULL;
	}
	return path;
}

char *acrnd_client_get_version(AcrndClient *client, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) v = NULL;
	REQUIRE_CLIENT(client, error, NULL);

	reply = g_dbus_connection_call_sync(
	    client->bus, ACRN_DBUS_NAME, ACRN_DBUS_MANAGER_PATH, "org.freedesktop.DBus.Properties",
	    "Get", g_variant_new("(ss)", "org.acrn.Acrnd1.Manager", "Version"),
	    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
	if (!reply) {
		acrnd_error_to_virt(error, "Version");
		return NULL;
	}
	g_variant_get(reply, "(v)", &v);
	if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
		virt_error_set(error, VIR_ERR_INTERNAL_ERROR, "acrnd reported a bad version");
		return NULL;
	}
	return g_variant_dup_string(v, NULL);
}
