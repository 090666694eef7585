/* The listening sockets (rw, ro, admin) and the set of connected clients.
 * Sockets come from systemd (socket activation) or are bound here. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "rpc-client.h"

typedef struct AcrndClient AcrndClient;

typedef struct {
	/* Group whose members may use the read-write socket (besides root
	 * and the daemon's own user). */
	gboolean have_rw_gid;
	gid_t rw_gid;
	gboolean session;
	guint64 hv_version;
	guint64 lib_version;
	/* Bound on incoming packet size (<= RPC_MESSAGE_MAX). */
	guint32 max_packet;
} RpcServerConfig;

struct RpcServer {
	RpcServerConfig config;
	AcrndClient *acrnd;
	GHashTable *clients; /* RpcClient* set */
	GSList *listeners;
	guint64 next_client_id;
	int next_callback_id;
	/* Called whenever the number of clients changes (idle timeout). */
	void (*clients_changed)(RpcServer *server, gpointer data);
	gpointer clients_changed_data;
};

RpcServer *rpc_server_new(const RpcServerConfig *config, AcrndClient *acrnd);
void rpc_server_free(RpcServer *server);
/* Starts accepting on a listening socket fd (takes ownership). */
void rpc_server_add_listener(RpcServer *server, int fd, RpcSocketKind kind);
/* Creates, binds and listens on a UNIX socket path with the given mode. */
int rpc_server_bind_unix(const char *path, mode_t mode, GError **error);
guint rpc_server_n_clients(RpcServer *server);
/* Adds an accepted connection; used by the listener and the fuzz target. */
RpcClient *rpc_server_adopt(RpcServer *server, int fd, RpcSocketKind kind);
/* Called by rpc_client_close() once the client is gone. */
void rpc_server_remove_client(RpcServer *server, RpcClient *client);
