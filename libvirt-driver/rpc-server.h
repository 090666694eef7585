/* The listening sockets (rw, ro, admin, and TCP when configured) and the
 * set of connected clients.  Sockets come from systemd (socket activation)
 * or are bound here. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "rpc-client.h"

typedef struct AcrndClient AcrndClient;
typedef struct StateCache StateCache;
typedef struct RpcListener RpcListener;

/* Defaults of the [server] settings in virtacrnd.conf (see virtacrnd.8).
 * max_clients stays well below the unit's LimitNOFILE=. */
#define RPC_DEFAULT_MAX_CLIENTS		    1000u
#define RPC_DEFAULT_MAX_ANONYMOUS_CLIENTS   20u
#define RPC_DEFAULT_MAX_UNPRIVILEGED_PACKET (64u * 1024u)
#define RPC_DEFAULT_REQUEST_TIMEOUT	    30u
#define RPC_DEFAULT_KEEPALIVE_INTERVAL	    5u
#define RPC_DEFAULT_KEEPALIVE_COUNT	    5u

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
	/* Bound on incoming packet size for a client that has not opened the
	 * connection, is read-only, or may not use its socket: none of their
	 * calls has large arguments. */
	guint32 max_unprivileged_packet;
	/* Connections at once; accepting pauses at the limit. */
	guint max_clients;
	/* Connections that have not opened the connection (CONNECT_OPEN) yet. */
	guint max_anonymous_clients;
	/* Seconds a client may take to open the connection, and to send the
	 * rest of a packet it started (0: the default). */
	guint request_timeout;
	/* Keepalive towards clients that asked for it (like libvirtd): a ping
	 * after keepalive_interval seconds of silence, the connection dropped
	 * after keepalive_count unanswered pings. */
	guint keepalive_interval;
	guint keepalive_count;
} RpcServerConfig;

struct RpcServer {
	RpcServerConfig config;
	AcrndClient *acrnd;
	GHashTable *clients; /* RpcClient* set */
	GSList *listeners;   /* RpcListener* */
	/* Clients that have not opened the connection (max_anonymous_clients). */
	guint n_clients_anonymous;
	gboolean accept_paused;
	/* accept() failed for lack of descriptors; retried by accept_retry_id
	 * or when a client leaves. */
	gboolean fds_exhausted;
	guint accept_retry_id;
	guint64 next_client_id;
	int next_callback_id;
	/* Runs slow procedures (dispatch.c). */
	GThreadPool *workers;
	/* Open console streams by VM UUID (GBytes -> ConsoleStream*): one per
	 * VM across all clients. */
	GHashTable *consoles;
	/* Snapshot of VM states from the last listing (state-cache.h). */
	StateCache *state_cache;
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
/* Binds and listens on every address `addr` resolves to (NULL or "" for all
 * local addresses) at TCP `port`, adding each as an RPC_SOCKET_TCP listener.
 * Returns the number of listeners added, or -1 with nothing added. */
int rpc_server_listen_tcp(RpcServer *server, const char *addr, guint16 port, GError **error);
guint rpc_server_n_clients(RpcServer *server);
/* Adds an accepted connection; used by the listener and the fuzz target. */
RpcClient *rpc_server_adopt(RpcServer *server, int fd, RpcSocketKind kind);
/* Called by rpc_client_close() once the client is gone. */
void rpc_server_remove_client(RpcServer *server, RpcClient *client);
/* Marks the client's connection opened or closed (CONNECT_OPEN/CLOSE). */
void rpc_server_client_opened(RpcServer *server, RpcClient *client, gboolean opened);
/* Pauses or resumes accepting according to the limits. */
void rpc_server_update_listening(RpcServer *server);
