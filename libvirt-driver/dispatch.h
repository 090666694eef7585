/* Procedure dispatch: finds the handler of a CALL, enforces the
 * connection rules (authorised peer, opened connection, read-only) and
 * sends the reply.  Handlers live in dispatch-*.c, one file per area. */
#pragma once

#include <glib.h>

#include "acrnd-client.h"
#include "rpc-client.h"
#include "rpc-server.h"
#include "xdr.h"

typedef struct {
	RpcClient *client;
	RpcServer *server;
	AcrndClient *acrnd;
	RpcHeader hdr;
	XdrReader args;
	GByteArray *ret;
	/* Set by handlers that send their reply themselves (console). */
	gboolean replied;
} RpcCall;

/* Returns FALSE with *error set to fail the call, or FALSE without an error
 * when the arguments did not decode (the connection is then dropped). */
typedef gboolean (*RpcHandler)(RpcCall *call, GError **error);

enum {
	/* Changes state: refused on read-only connections. */
	RPC_PROC_MUTATING = 1 << 0,
	/* Allowed before CONNECT_OPEN. */
	RPC_PROC_BEFORE_OPEN = 1 << 1,
	/* May wait for a VM to start or stop: runs in the worker pool so that
	 * the main loop keeps serving other clients (and keepalives).  Such
	 * handlers may only use call->acrnd, call->args and call->ret. */
	RPC_PROC_SLOW = 1 << 2,
};

typedef struct {
	int proc;
	const char *name;
	RpcHandler handler;
	guint flags;
} RpcProcedure;

typedef struct {
	const RpcProcedure *procs;
	gsize n_procs;
} RpcProcedureTable;

extern const RpcProcedureTable dispatch_connect_table;
extern const RpcProcedureTable dispatch_domain_table;
extern const RpcProcedureTable dispatch_events_table;
extern const RpcProcedureTable dispatch_console_table;
extern const RpcProcedureTable dispatch_tuning_table;
extern const RpcProcedureTable dispatch_stats_table;
extern const RpcProcedureTable dispatch_admin_table;

void dispatch_call(RpcClient *client, const RpcHeader *hdr, const guint8 *payload, gsize len);
/* GThreadPool function running RPC_PROC_SLOW handlers (rpc-server.c owns the pool). */
void dispatch_worker(gpointer job, gpointer server);
/* The procedure entry for a REMOTE program number, NULL when unknown. */
const RpcProcedure *dispatch_lookup(int proc);

/* Decodes the end of the arguments; FALSE when malformed. */
gboolean dispatch_args_end(RpcCall *call);

/* remote_nonnull_domain as sent by clients. */
typedef struct {
	char *name;
	guint8 uuid[16];
	int id;
} RpcDomainRef;

void dispatch_get_domain(XdrReader *r, RpcDomainRef *dom);
void rpc_domain_ref_clear(RpcDomainRef *dom);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RpcDomainRef, rpc_domain_ref_clear)
/* Looks the domain up in acrnd (VIR_ERR_NO_DOMAIN naming it if missing). */
AcrndVm *dispatch_lookup_domain(RpcCall *c, const RpcDomainRef *dom, GError **error);
/* VIR_ERR_OPERATION_INVALID unless the domain is (not) running. */
gboolean dispatch_require_active(const AcrndVm *vm, GError **error);
gboolean dispatch_require_inactive(const AcrndVm *vm, GError **error);
/* Writes a remote_nonnull_domain for an acrnd VM. */
void dispatch_put_domain(GByteArray *w, const AcrndVm *vm);
