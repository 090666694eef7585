/* DOMAIN_OPEN_CONSOLE: the reply, then the stream (stream/console.c). */
#include "config.h"

#include <libvirt/libvirt.h>

#include "acrnd-client.h"
#include "dispatch.h"
#include "domain-state.h"
#include "rpc-error.h"
#include "stream/console.h"

static gboolean open_console(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autofree char *dev_name = NULL;
	g_autofree char *pty = NULL;
	g_autoptr(AcrndVm) vm = NULL;
	ConsoleStream *stream;
	guint32 flags;

	dispatch_get_domain(&c->args, &dom);
	dev_name = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	if (dev_name && g_strcmp0(dev_name, "serial0") != 0 && g_strcmp0(dev_name, "console0")) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "cannot find character device %s",
			       dev_name);
		return FALSE;
	}
	vm = acrnd_client_lookup_uuid(c->acrnd, dom.uuid, error);
	if (!vm)
		return FALSE;
	if (!domain_state_is_active(vm->state)) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID, "domain is not running");
		return FALSE;
	}
	if (c->client->console) {
		/* libvirt's FORCE flag steals an open console; so do we. */
		if (!(flags & VIR_DOMAIN_CONSOLE_FORCE)) {
			virt_error_set(error, VIR_ERR_OPERATION_FAILED,
				       "a console stream is already open on this connection");
			return FALSE;
		}
		g_clear_pointer(&c->client->console, console_stream_free);
	}
	pty = acrnd_client_get_console_path(c->acrnd, vm->object_path, error);
	if (!pty)
		return FALSE;
	if (!*pty) {
		virt_error_set(error, VIR_ERR_OPERATION_UNSUPPORTED,
			       "domain %s has no pty console (define a <serial type='pty'>)",
			       vm->name);
		return FALSE;
	}
	stream = console_stream_open(c->client, &c->hdr, dom.uuid, pty,
				     flags & VIR_DOMAIN_CONSOLE_FORCE, error);
	if (!stream)
		return FALSE;
	/* The reply must precede the first stream packet. */
	rpc_client_reply(c->client, &c->hdr, c->ret);
	c->replied = TRUE;
	c->client->console = stream;
	console_stream_start(stream);
	return TRUE;
}

static const RpcProcedure procs[] = {
    {PROC_DOMAIN_OPEN_CONSOLE, "virDomainOpenConsole", open_console, RPC_PROC_MUTATING},
};

const RpcProcedureTable dispatch_console_table = {procs, G_N_ELEMENTS(procs)};
