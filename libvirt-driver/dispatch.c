#include "config.h"

#include "dispatch.h"

#include "acrnd-client.h"
#include "domain-state.h"
#include "rpc-error.h"
#include "state-cache.h"

/* Highest procedure number of libvirt 9.0's remote program is ~443. */
#define DISPATCH_MAX_PROC 1024

static const RpcProcedure *remote_index[DISPATCH_MAX_PROC];

static void build_index(void)
{
	static gsize done;
	static const RpcProcedureTable *const tables[] = {
	    &dispatch_connect_table, &dispatch_domain_table, &dispatch_events_table,
	    &dispatch_console_table, &dispatch_tuning_table, &dispatch_stats_table,
	};

	if (!g_once_init_enter(&done))
		return;
	for (gsize t = 0; t < G_N_ELEMENTS(tables); t++)
		for (gsize i = 0; i < tables[t]->n_procs; i++) {
			const RpcProcedure *p = &tables[t]->procs[i];

			g_assert(p->proc > 0 && p->proc < DISPATCH_MAX_PROC);
			g_assert(!remote_index[p->proc]);
			remote_index[p->proc] = p;
		}
	g_once_init_leave(&done, 1);
}

const RpcProcedure *dispatch_lookup(int proc)
{
	build_index();
	if (proc <= 0 || proc >= DISPATCH_MAX_PROC)
		return NULL;
	return remote_index[proc];
}

static const RpcProcedure *admin_lookup(int proc)
{
	for (gsize i = 0; i < dispatch_admin_table.n_procs; i++)
		if (dispatch_admin_table.procs[i].proc == proc)
			return &dispatch_admin_table.procs[i];
	return NULL;
}

gboolean dispatch_args_end(RpcCall *call)
{
	return xdr_reader_done(&call->args);
}

void dispatch_get_domain(XdrReader *r, RpcDomainRef *dom)
{
	dom->name = xdr_get_string(r, RPC_STRING_MAX);
	xdr_get_fixed_opaque(r, dom->uuid, 16);
	dom->id = xdr_get_i32(r);
}

void rpc_domain_ref_clear(RpcDomainRef *dom)
{
	g_clear_pointer(&dom->name, g_free);
}

void dispatch_put_domain(GByteArray *w, const AcrndVm *vm)
{
	xdr_put_string(w, vm->name);
	xdr_put_fixed_opaque(w, vm->uuid_bytes, 16);
	xdr_put_i32(w, domain_state_id(vm));
}

/* A call handed to the worker pool, and its result coming back. */
typedef struct {
	RpcCall call;
	const RpcProcedure *proc;
	GBytes *payload;
	gboolean ok;
	GError *error;
} DeferredCall;

static void finish_call(RpcCall *call, const RpcProcedure *proc, gboolean ok, GError *error)
{
	RpcClient *client = call->client;

	if (proc->flags & RPC_PROC_MUTATING)
		state_cache_invalidate(client->server->state_cache);
	if (client->dead)
		return;
	if (call->args.failed) {
		g_autofree char *why = g_strdup_printf("malformed arguments of procedure %d: %s",
						       call->hdr.proc, call->args.why);

		rpc_client_close(client, why);
		return;
	}
	if (!ok) {
		g_autoptr(GError) fallback = NULL;

		if (!error) {
			virt_error_set(&fallback, VIR_ERR_INTERNAL_ERROR, "procedure %d failed",
				       call->hdr.proc);
			error = fallback;
		}
		g_debug("client %" G_GUINT64_FORMAT ": procedure %d: %s", client->id,
			call->hdr.proc, error->message);
		rpc_client_reply_error(client, &call->hdr, error);
		return;
	}
	if (!call->replied)
		rpc_client_reply(client, &call->hdr, call->ret);
}

static gboolean deferred_done(gpointer data)
{
	DeferredCall *d = data;

	finish_call(&d->call, d->proc, d->ok, d->error);
	rpc_client_unref(d->call.client);
	g_clear_error(&d->error);
	g_byte_array_unref(d->call.ret);
	g_bytes_unref(d->payload);
	g_free(d);
	return G_SOURCE_REMOVE;
}

void dispatch_worker(gpointer job, gpointer server)
{
	DeferredCall *d = job;

	d->ok = d->proc->handler(&d->call, &d->error);
	g_idle_add(deferred_done, d);
}

void dispatch_call(RpcClient *client, const RpcHeader *hdr, const guint8 *payload, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GByteArray) ret = g_byte_array_new();
	RpcCall call = {
	    .client = client,
	    .server = client->server,
	    .acrnd = client->server->acrnd,
	    .hdr = *hdr,
	    .ret = ret,
	};
	const RpcProcedure *proc;
	gboolean ok;

	xdr_reader_init(&call.args, payload, len);
	proc =
	    client->kind == RPC_SOCKET_ADMIN ? admin_lookup(hdr->proc) : dispatch_lookup(hdr->proc);

	if (!client->authorized) {
		virt_error_set(&error, VIR_ERR_AUTH_FAILED,
			       "uid %u may not use this socket (only root and the configured "
			       "group may)",
			       (unsigned)client->uid);
		goto reply_error;
	}
	if (!proc) {
		/* Exactly what libvirtd sends; the client turns it into
		 * VIR_ERR_NO_SUPPORT so optional calls degrade cleanly. */
		virt_error_set(&error, VIR_ERR_RPC, "unknown procedure: %d", hdr->proc);
		goto reply_error;
	}
	if (!client->opened && !(proc->flags & RPC_PROC_BEFORE_OPEN)) {
		virt_error_set(&error, VIR_ERR_INTERNAL_ERROR, "connection not open");
		goto reply_error;
	}
	if (client->readonly && (proc->flags & RPC_PROC_MUTATING)) {
		virt_error_set(&error, VIR_ERR_OPERATION_DENIED, "read only access prevents %s",
			       proc->name);
		goto reply_error;
	}

	/* A change through us must never be hidden by the listing snapshot,
	 * whether acrnd's event about it arrived yet or not (again when the
	 * call finished, in finish_call()). */
	if (proc->flags & RPC_PROC_MUTATING)
		state_cache_invalidate(client->server->state_cache);
	if ((proc->flags & RPC_PROC_SLOW) && client->server->workers) {
		DeferredCall *d = g_new0(DeferredCall, 1);
		gsize plen;
		const guint8 *pdata;

		d->proc = proc;
		d->payload = g_bytes_new(payload, len);
		pdata = g_bytes_get_data(d->payload, &plen);
		d->call = call;
		d->call.ret = g_byte_array_new();
		d->call.client = rpc_client_ref(client);
		xdr_reader_init(&d->call.args, pdata, plen);
		g_thread_pool_push(client->server->workers, d, NULL);
		return;
	}
	ok = proc->handler(&call, &error);
	finish_call(&call, proc, ok, error);
	return;

reply_error:
	g_debug("client %" G_GUINT64_FORMAT ": procedure %d: %s", client->id, hdr->proc,
		error->message);
	rpc_client_reply_error(client, hdr, error);
}
