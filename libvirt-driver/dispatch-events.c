/* Domain event callback registration (the per-callback protocol clients
 * use once REMOTE_EVENT_CALLBACK is advertised). */
#define VIR_ENUM_SENTINELS
#include "config.h"

#include <libvirt/libvirt.h>
#include <string.h>

#include "dispatch.h"
#include "rpc-error.h"

/* Cap per connection so a client cannot grow our tables without bound. */
#define MAX_CALLBACKS_PER_CLIENT 1024

static gboolean register_any(RpcCall *c, GError **error)
{
	gint32 event_id = xdr_get_i32(&c->args);
	gboolean has_dom = xdr_get_bool(&c->args);
	g_auto(RpcDomainRef) dom = {0};
	RpcEventCallback cb = {0};

	if (has_dom)
		dispatch_get_domain(&c->args, &dom);
	if (!dispatch_args_end(c))
		return FALSE;
	if (event_id < 0 || event_id >= VIR_DOMAIN_EVENT_ID_LAST) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported event ID %d", event_id);
		return FALSE;
	}
	if (c->client->callbacks->len >= MAX_CALLBACKS_PER_CLIENT) {
		virt_error_set(error, VIR_ERR_OPERATION_FAILED, "too many event callbacks");
		return FALSE;
	}
	cb.callback_id = c->server->next_callback_id++;
	if (c->server->next_callback_id <= 0)
		c->server->next_callback_id = 1;
	cb.event_id = event_id;
	cb.has_filter = has_dom;
	if (has_dom)
		memcpy(cb.filter_uuid, dom.uuid, 16);
	g_array_append_val(c->client->callbacks, cb);
	xdr_put_i32(c->ret, cb.callback_id);
	return TRUE;
}

static gboolean deregister_any(RpcCall *c, GError **error)
{
	gint32 id = xdr_get_i32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	for (guint i = 0; i < c->client->callbacks->len; i++) {
		if (g_array_index(c->client->callbacks, RpcEventCallback, i).callback_id == id) {
			g_array_remove_index(c->client->callbacks, i);
			return TRUE;
		}
	}
	virt_error_set(error, VIR_ERR_INVALID_ARG, "event callback %d not registered", id);
	return FALSE;
}

static const RpcProcedure procs[] = {
    {PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, "virConnectDomainEventRegisterAny",
     register_any, 0},
    {PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, "virConnectDomainEventDeregisterAny",
     deregister_any, 0},
};

const RpcProcedureTable dispatch_events_table = {procs, G_N_ELEMENTS(procs)};
