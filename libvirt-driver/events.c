#include "config.h"

#include "events.h"

#include <libvirt/libvirt.h>
#include <string.h>

#include "acrn-dbus-errors.h"
#include "acrnd-client.h"
#include "dispatch.h"
#include "domain-state.h"
#include "state-cache.h"

static void send_event(RpcClient *client, const RpcEventCallback *cb, const AcrndVm *vm, int event,
		       int detail)
{
	RpcHeader hdr = {
	    .prog = RPC_REMOTE_PROGRAM,
	    .vers = RPC_REMOTE_VERSION,
	    .proc = cb->event_id == VIR_DOMAIN_EVENT_ID_REBOOT
			? PROC_DOMAIN_EVENT_CALLBACK_REBOOT
			: PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE,
	    .type = RPC_TYPE_MESSAGE,
	    .serial = 1, /* like libvirtd; clients ignore it for events */
	    .status = RPC_STATUS_OK,
	};
	GByteArray *w = rpc_frame_begin(&hdr);

	xdr_put_i32(w, cb->callback_id);
	dispatch_put_domain(w, vm);
	if (cb->event_id == VIR_DOMAIN_EVENT_ID_LIFECYCLE) {
		xdr_put_i32(w, event);
		xdr_put_i32(w, detail);
	}
	rpc_client_send(client, rpc_frame_finish(w));
}

void events_broadcast(RpcServer *server, const AcrndVm *vm, int event_id, int event, int detail)
{
	g_autoptr(GPtrArray) clients = g_ptr_array_new();
	GHashTableIter it;
	gpointer key;

	/* Snapshot: sending may drop a slow client from the table. */
	g_hash_table_iter_init(&it, server->clients);
	while (g_hash_table_iter_next(&it, &key, NULL))
		g_ptr_array_add(clients, key);

	for (guint i = 0; i < clients->len; i++) {
		RpcClient *client = clients->pdata[i];

		if (client->dead || !client->opened)
			continue;
		for (guint j = 0; j < client->callbacks->len; j++) {
			const RpcEventCallback *cb =
			    &g_array_index(client->callbacks, RpcEventCallback, j);

			if (cb->event_id != event_id)
				continue;
			if (cb->has_filter && memcmp(cb->filter_uuid, vm->uuid_bytes, 16) != 0)
				continue;
			send_event(client, cb, vm, event, detail);
		}
	}
}

static gboolean anyone_listens(RpcServer *server)
{
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, server->clients);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (((RpcClient *)key)->callbacks->len)
			return TRUE;
	return FALSE;
}

static void on_acrnd_event(const char *object_path, const char *name, const char *event,
			   const char *detail, gpointer data)
{
	RpcServer *server = data;
	g_autoptr(AcrndVm) vm = NULL;
	int vir_event, vir_detail;
	DomainEventKind kind;
	const char *last;

	/* Any change makes the listing snapshot stale. */
	state_cache_invalidate(server->state_cache);
	kind = domain_state_event_to_libvirt(event, detail, &vir_event, &vir_detail);
	g_debug("acrnd event %s %s %s (%s)", name, event, detail, object_path);
	if (kind == DOMAIN_EVENT_NONE || !anyone_listens(server))
		return;

	/* The domain as it is after the transition: its id needs the VM's
	 * current properties, except when it is gone or stopped (id -1). */
	if (vir_event != VIR_DOMAIN_EVENT_UNDEFINED && vir_event != VIR_DOMAIN_EVENT_STOPPED)
		vm = acrnd_client_get_vm(server->acrnd, object_path, NULL);
	if (!vm) {
		vm = g_new0(AcrndVm, 1);
		vm->refs = 1;
		vm->object_path = g_strdup(object_path);
		vm->name = g_strdup(name);
		vm->state = g_strdup("stopped");
		last = strrchr(object_path, '/');
		if (!last || !acrnd_parse_uuid(last + 1, vm->uuid_bytes)) {
			g_warning("acrnd event for %s: cannot tell the UUID from %s", name,
				  object_path);
			return;
		}
	}
	if (kind == DOMAIN_EVENT_REBOOT)
		events_broadcast(server, vm, VIR_DOMAIN_EVENT_ID_REBOOT, 0, 0);
	else
		events_broadcast(server, vm, VIR_DOMAIN_EVENT_ID_LIFECYCLE, vir_event, vir_detail);
}

void events_attach(RpcServer *server)
{
	if (server->acrnd)
		acrnd_client_set_event_handler(server->acrnd, on_acrnd_event, server);
}
