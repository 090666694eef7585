/* One client connection: non-blocking packet I/O on a socket, the
 * connection's protocol state (opened, read-only, event callbacks, console
 * stream) and the queue of outgoing packets. */
#pragma once

#include <glib.h>
#include <sys/types.h>

#include "rpc-framing.h"

typedef enum {
	RPC_SOCKET_RW,
	RPC_SOCKET_RO,
	RPC_SOCKET_ADMIN,
	/* listen_tcp with auth_tcp = "none": no peer credentials exist, so
	 * every client has the read-write socket's full access (libvirt's
	 * own rule for an unauthenticated TCP listener). */
	RPC_SOCKET_TCP,
} RpcSocketKind;

typedef struct RpcServer RpcServer;
typedef struct RpcClient RpcClient;
typedef struct ConsoleStream ConsoleStream;

typedef struct {
	int callback_id;
	int event_id;
	gboolean has_filter;
	guint8 filter_uuid[16];
} RpcEventCallback;

struct RpcClient {
	RpcServer *server;
	guint64 id;
	int fd;
	RpcSocketKind kind;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	/* The peer may use this socket at all (credentials checked at accept). */
	gboolean authorized;
	gboolean opened;
	gboolean readonly;
	/* Incoming packet being assembled: 4 length bytes, then the rest. */
	GByteArray *inbuf;
	guint32 inlen;
	GQueue outq; /* of GBytes */
	gsize out_offset;
	gsize out_bytes; /* not yet sent */
	/* NULL while reading is paused (output backlog) or after close. */
	GSource *in_source;
	GSource *out_source;
	/* Bounds the time to open the connection and to finish a packet. */
	GSource *timeout_source;
	/* Pings a client that asked for keepalive (CONNECT_SUPPORTS_FEATURE). */
	GSource *keepalive_source;
	gint64 last_rx; /* monotonic time of the last bytes received */
	guint keepalive_missed;
	GArray *callbacks; /* of RpcEventCallback */
	ConsoleStream *console;
	gboolean dead;
	/* The server holds one reference; calls running in the worker pool
	 * (dispatch.c) hold one each, so a closed client stays valid for them. */
	gint refcount;
};

/* Takes ownership of fd. */
RpcClient *rpc_client_new(RpcServer *server, int fd, RpcSocketKind kind);
/* Queues a finished packet for sending. */
void rpc_client_send(RpcClient *client, GBytes *packet);
/* Sends a REPLY (or STREAM) packet with status OK and payload `ret`. */
void rpc_client_reply(RpcClient *client, const RpcHeader *call, const GByteArray *ret);
void rpc_client_reply_error(RpcClient *client, const RpcHeader *call, const GError *error);
/* Drops the connection (logged with `why`); safe to call from callbacks. */
void rpc_client_close(RpcClient *client, const char *why);
RpcClient *rpc_client_ref(RpcClient *client);
/* Releases everything with the last reference. */
void rpc_client_unref(RpcClient *client);
/* Feeds received bytes through the packet decoder (used by the socket
 * reader and by the fuzz target).  FALSE when the connection was closed. */
gboolean rpc_client_feed(RpcClient *client, const guint8 *data, gsize len);
/* Starts or stops the request timeout after a state change. */
void rpc_client_arm_timeout(RpcClient *client);
/* Starts server-side keepalive pings (the client said it understands them). */
void rpc_client_start_keepalive(RpcClient *client);
