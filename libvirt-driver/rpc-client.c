#include "config.h"

#include "rpc-client.h"

#include <errno.h>
#include <glib-unix.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dispatch.h"
#include "rpc-error.h"
#include "rpc-server.h"
#include "stream/console.h"
#include "xdr.h"

/* A client that does not read its replies/events cannot make us buffer
 * without bound: while this much output is queued, its requests are not
 * read (like libvirtd's max_client_requests), and past the OUTQ_MAX
 * limits (events keep coming) it is dropped. */
#define RPC_CLIENT_OUTQ_PAUSE		 (1024u * 1024u)
#define RPC_CLIENT_OUTQ_MAX		 (64u * 1024u * 1024u)
#define RPC_CLIENT_OUTQ_MAX_UNPRIVILEGED (8u * 1024u * 1024u)

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data);
static gboolean on_writable(gint fd, GIOCondition cond, gpointer data);

/* Root, the daemon's user or the group on a read-write connection it
 * opened: only such a client may send large packets. */
static gboolean client_privileged(RpcClient *client)
{
	return client->authorized && client->opened && !client->readonly;
}

static void start_reading(RpcClient *client)
{
	if (client->in_source || client->fd < 0 || client->dead)
		return;
	client->in_source = g_unix_fd_source_new(client->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(client->in_source, G_SOURCE_FUNC(on_readable), client, NULL);
	g_source_attach(client->in_source, NULL);
}

static void stop_reading(RpcClient *client)
{
	if (!client->in_source)
		return;
	g_source_destroy(client->in_source);
	g_clear_pointer(&client->in_source, g_source_unref);
}

RpcClient *rpc_client_new(RpcServer *server, int fd, RpcSocketKind kind)
{
	RpcClient *client = g_new0(RpcClient, 1);

	client->refcount = 1;
	client->server = server;
	client->fd = fd;
	client->kind = kind;
	client->inbuf = g_byte_array_new();
	g_queue_init(&client->outq);
	client->callbacks = g_array_new(FALSE, FALSE, sizeof(RpcEventCallback));
	client->readonly = kind == RPC_SOCKET_RO;
	start_reading(client);
	return client;
}

static void destroy_source(GSource **source)
{
	if (!*source)
		return;
	g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void stop_sources(RpcClient *client)
{
	stop_reading(client);
	destroy_source(&client->out_source);
	destroy_source(&client->timeout_source);
	destroy_source(&client->keepalive_source);
}

RpcClient *rpc_client_ref(RpcClient *client)
{
	g_atomic_int_inc(&client->refcount);
	return client;
}

static void client_free(RpcClient *client)
{
	stop_sources(client);
	g_clear_pointer(&client->console, console_stream_free);
	if (client->fd >= 0)
		close(client->fd);
	g_queue_clear_full(&client->outq, (GDestroyNotify)g_bytes_unref);
	g_byte_array_unref(client->inbuf);
	g_array_unref(client->callbacks);
	g_free(client);
}

void rpc_client_unref(RpcClient *client)
{
	if (g_atomic_int_dec_and_test(&client->refcount))
		client_free(client);
}

void rpc_client_close(RpcClient *client, const char *why)
{
	if (client->dead)
		return;
	client->dead = TRUE;
	if (why)
		g_message("client %" G_GUINT64_FORMAT " (pid %d uid %u): closing connection: %s",
			  client->id, (int)client->pid, (unsigned)client->uid, why);
	stop_sources(client);
	g_clear_pointer(&client->console, console_stream_free);
	/* The descriptor goes back at once, not when the last reference
	 * does: calls still running in workers never touch it. */
	if (client->fd >= 0) {
		close(client->fd);
		client->fd = -1;
	}
	g_queue_clear_full(&client->outq, (GDestroyNotify)g_bytes_unref);
	client->out_bytes = 0;
	client->out_offset = 0;
	g_byte_array_set_size(client->inbuf, 0);
	rpc_server_remove_client(client->server, client);
}

static gboolean on_request_timeout(gpointer data)
{
	RpcClient *client = data;
	g_autofree char *why =
	    g_strdup_printf(client->opened ? "did not send the rest of a packet within %u s"
					   : "did not open the connection within %u s",
			    client->server->config.request_timeout);

	g_clear_pointer(&client->timeout_source, g_source_unref);
	rpc_client_close(client, why);
	return G_SOURCE_REMOVE;
}

void rpc_client_arm_timeout(RpcClient *client)
{
	gboolean want = !client->dead && (!client->opened || client->inbuf->len > 0);
	guint secs = client->server->config.request_timeout;

	if (!want || !secs) {
		destroy_source(&client->timeout_source);
		return;
	}
	if (client->timeout_source)
		return;
	client->timeout_source = g_timeout_source_new_seconds(secs);
	g_source_set_callback(client->timeout_source, on_request_timeout, client, NULL);
	g_source_attach(client->timeout_source, NULL);
}

static gboolean on_keepalive(gpointer data)
{
	RpcClient *client = data;
	const RpcServerConfig *cfg = &client->server->config;
	gint64 idle = g_get_monotonic_time() - client->last_rx;
	RpcHeader ping = {RPC_KEEPALIVE_PROGRAM,
			  RPC_KEEPALIVE_VERSION,
			  RPC_KEEPALIVE_PROC_PING,
			  RPC_TYPE_MESSAGE,
			  0,
			  RPC_STATUS_OK};

	if (idle < (gint64)cfg->keepalive_interval * G_USEC_PER_SEC) {
		client->keepalive_missed = 0;
		return G_SOURCE_CONTINUE;
	}
	if (client->keepalive_missed >= cfg->keepalive_count) {
		g_autofree char *why = g_strdup_printf(
		    "no answer to %u keepalive pings in %u s", client->keepalive_missed,
		    client->keepalive_missed * cfg->keepalive_interval);

		g_clear_pointer(&client->keepalive_source, g_source_unref);
		rpc_client_close(client, why);
		return G_SOURCE_REMOVE;
	}
	client->keepalive_missed++;
	rpc_client_send(client, rpc_frame_finish(rpc_frame_begin(&ping)));
	return G_SOURCE_CONTINUE;
}

void rpc_client_start_keepalive(RpcClient *client)
{
	guint secs = client->server->config.keepalive_interval;

	if (client->keepalive_source || client->dead || !secs ||
	    !client->server->config.keepalive_count)
		return;
	client->last_rx = g_get_monotonic_time();
	client->keepalive_source = g_timeout_source_new_seconds(secs);
	g_source_set_callback(client->keepalive_source, on_keepalive, client, NULL);
	g_source_attach(client->keepalive_source, NULL);
}

/* Writes as much queued output as the socket takes; FALSE on a fatal error. */
static gboolean flush_output(RpcClient *client)
{
	while (!g_queue_is_empty(&client->outq)) {
		GBytes *b = g_queue_peek_head(&client->outq);
		gsize size;
		const guint8 *data = g_bytes_get_data(b, &size);
		ssize_t n;

		if (client->fd < 0) {
			/* fuzz/test clients without a socket: discard output */
			client->out_bytes -= size - client->out_offset;
			client->out_offset = 0;
			g_bytes_unref(g_queue_pop_head(&client->outq));
			continue;
		}
		n = send(client->fd, data + client->out_offset, size - client->out_offset,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return TRUE;
			rpc_client_close(client, g_strerror(errno));
			return FALSE;
		}
		client->out_offset += (gsize)n;
		client->out_bytes -= (gsize)n;
		if (client->out_offset == size) {
			g_bytes_unref(g_queue_pop_head(&client->outq));
			client->out_offset = 0;
		}
	}
	return TRUE;
}

static void update_out_source(RpcClient *client)
{
	gboolean want = !g_queue_is_empty(&client->outq) && !client->dead;

	/* Reading resumes once the client has taken most of its output. */
	if (client->out_bytes > RPC_CLIENT_OUTQ_PAUSE)
		stop_reading(client);
	else
		start_reading(client);

	if (want && !client->out_source) {
		client->out_source = g_unix_fd_source_new(client->fd, G_IO_OUT);
		g_source_set_callback(client->out_source, G_SOURCE_FUNC(on_writable), client, NULL);
		g_source_attach(client->out_source, NULL);
	} else if (!want && client->out_source) {
		g_source_destroy(client->out_source);
		g_clear_pointer(&client->out_source, g_source_unref);
	}
}

void rpc_client_send(RpcClient *client, GBytes *packet)
{
	if (client->dead) {
		g_bytes_unref(packet);
		return;
	}
	client->out_bytes += g_bytes_get_size(packet);
	g_queue_push_tail(&client->outq, packet);
	if (!flush_output(client))
		return;
	if (client->out_bytes >
	    (client_privileged(client) ? RPC_CLIENT_OUTQ_MAX : RPC_CLIENT_OUTQ_MAX_UNPRIVILEGED)) {
		rpc_client_close(client, "client does not read its replies");
		return;
	}
	update_out_source(client);
}

static gboolean on_writable(gint fd, GIOCondition cond, gpointer data)
{
	RpcClient *client = data;

	if (!flush_output(client))
		return G_SOURCE_REMOVE; /* closed: the source is already destroyed */
	if (g_queue_is_empty(&client->outq)) {
		g_clear_pointer(&client->out_source, g_source_unref);
		start_reading(client);
		return G_SOURCE_REMOVE;
	}
	if (client->out_bytes <= RPC_CLIENT_OUTQ_PAUSE)
		start_reading(client);
	return G_SOURCE_CONTINUE;
}

void rpc_client_reply(RpcClient *client, const RpcHeader *call, const GByteArray *ret)
{
	RpcHeader hdr = *call;
	GByteArray *w;

	hdr.type = call->type == RPC_TYPE_STREAM ? RPC_TYPE_STREAM : RPC_TYPE_REPLY;
	hdr.status = RPC_STATUS_OK;
	w = rpc_frame_begin(&hdr);
	if (ret)
		g_byte_array_append(w, ret->data, ret->len);
	rpc_client_send(client, rpc_frame_finish(w));
}

void rpc_client_reply_error(RpcClient *client, const RpcHeader *call, const GError *error)
{
	RpcHeader hdr = *call;
	GByteArray *w;

	hdr.type = call->type == RPC_TYPE_STREAM ? RPC_TYPE_STREAM : RPC_TYPE_REPLY;
	hdr.status = RPC_STATUS_ERROR;
	w = rpc_frame_begin(&hdr);
	rpc_error_encode(w, error);
	rpc_client_send(client, rpc_frame_finish(w));
}

static void handle_keepalive(RpcClient *client, const RpcHeader *hdr, gsize payload_len)
{
	if (hdr->vers != RPC_KEEPALIVE_VERSION || hdr->type != RPC_TYPE_MESSAGE ||
	    payload_len != 0) {
		rpc_client_close(client, "malformed keepalive message");
		return;
	}
	if (hdr->proc == RPC_KEEPALIVE_PROC_PING) {
		RpcHeader pong = {RPC_KEEPALIVE_PROGRAM,
				  RPC_KEEPALIVE_VERSION,
				  RPC_KEEPALIVE_PROC_PONG,
				  RPC_TYPE_MESSAGE,
				  0,
				  RPC_STATUS_OK};

		rpc_client_send(client, rpc_frame_finish(rpc_frame_begin(&pong)));
	} else if (hdr->proc != RPC_KEEPALIVE_PROC_PONG) {
		rpc_client_close(client, "unknown keepalive procedure");
	}
}

static void handle_packet(RpcClient *client, const guint8 *packet, gsize len)
{
	RpcHeader hdr;
	const guint8 *payload;
	gsize payload_len;
	const char *why = NULL;
	guint32 program = client->kind == RPC_SOCKET_ADMIN ? RPC_ADMIN_PROGRAM : RPC_REMOTE_PROGRAM;

	if (!rpc_frame_parse(packet, len, &hdr, &payload, &payload_len, &why)) {
		rpc_client_close(client, why);
		return;
	}
	if (hdr.prog == RPC_KEEPALIVE_PROGRAM) {
		handle_keepalive(client, &hdr, payload_len);
		return;
	}
	if (hdr.prog != program || hdr.vers != RPC_REMOTE_VERSION) {
		/* Like libvirtd: a call gets an RPC error and the connection
		 * stays (virsh qemu-monitor-command, lxc-enter-namespace ask
		 * programs we do not serve); anything else is dropped. */
		if (hdr.type == RPC_TYPE_CALL || hdr.type == RPC_TYPE_CALL_WITH_FDS) {
			g_autoptr(GError) error = NULL;

			g_debug("client %" G_GUINT64_FORMAT ": call to unknown program 0x%08x "
				"version %u",
				client->id, hdr.prog, hdr.vers);
			virt_error_set(&error, VIR_ERR_RPC, "Cannot find program %d version %d",
				       (int)hdr.prog, (int)hdr.vers);
			rpc_client_reply_error(client, &hdr, error);
		} else {
			g_message("client %" G_GUINT64_FORMAT ": dropping a message of type %d for "
				  "unknown program 0x%08x version %u",
				  client->id, hdr.type, hdr.prog, hdr.vers);
		}
		return;
	}
	switch (hdr.type) {
	case RPC_TYPE_CALL:
		if (hdr.status != RPC_STATUS_OK) {
			rpc_client_close(client, "call with a non-OK status");
			return;
		}
		dispatch_call(client, &hdr, payload, payload_len);
		return;
	case RPC_TYPE_STREAM:
		if (client->console && console_stream_matches(client->console, &hdr)) {
			console_stream_handle_packet(client->console, &hdr, payload, payload_len);
			return;
		}
		/* Data that was in flight when a stream ended: libvirtd drops it too. */
		g_debug("client %" G_GUINT64_FORMAT ": dropping packet for unknown stream %u",
			client->id, hdr.serial);
		return;
	default: {
		g_autofree char *msg = g_strdup_printf("unexpected message type %d", hdr.type);

		rpc_client_close(client, msg);
		return;
	}
	}
}

static guint32 client_max_packet(RpcClient *client)
{
	const RpcServerConfig *cfg = &client->server->config;

	return client_privileged(client) ? cfg->max_packet : cfg->max_unprivileged_packet;
}

gboolean rpc_client_feed(RpcClient *client, const guint8 *data, gsize len)
{
	while (len > 0 && !client->dead) {
		gsize want;

		if (client->inbuf->len < RPC_LEN_SIZE) {
			want = MIN(len, RPC_LEN_SIZE - client->inbuf->len);
			g_byte_array_append(client->inbuf, data, want);
			data += want;
			len -= want;
			if (client->inbuf->len < RPC_LEN_SIZE)
				break;
			const char *why = NULL;

			client->inlen = rpc_frame_read_length(client->inbuf->data);
			if (!rpc_frame_length_valid(client->inlen,
						    client->server->config.max_packet, &why) ||
			    (client->inlen > client_max_packet(client) &&
			     (why = "packet too large for a read-only, unopened or unauthorized "
				    "connection"))) {
				g_autofree char *msg =
				    g_strdup_printf("%s (%u bytes)", why, client->inlen);

				rpc_client_close(client, msg);
				break;
			}
		}
		want = MIN(len, client->inlen - client->inbuf->len);
		g_byte_array_append(client->inbuf, data, want);
		data += want;
		len -= want;
		if (client->inbuf->len == client->inlen) {
			g_autoptr(GByteArray) packet = client->inbuf;

			client->inbuf = g_byte_array_new();
			client->inlen = 0;
			handle_packet(client, packet->data, packet->len);
		}
	}
	if (client->dead)
		return FALSE;
	rpc_client_arm_timeout(client);
	return TRUE;
}

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data)
{
	RpcClient *client = data;
	guint8 buf[65536];
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return G_SOURCE_CONTINUE;
		rpc_client_close(client, g_strerror(errno));
		return G_SOURCE_REMOVE;
	}
	if (n == 0) {
		if (client->inbuf->len)
			rpc_client_close(client, "connection closed in the middle of a packet");
		else
			rpc_client_close(client, NULL);
		return G_SOURCE_REMOVE;
	}
	client->last_rx = g_get_monotonic_time();
	client->keepalive_missed = 0;
	if (!rpc_client_feed(client, buf, (gsize)n))
		return G_SOURCE_REMOVE;
	/* Feeding may have paused reading (output backlog). */
	return client->in_source ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}
