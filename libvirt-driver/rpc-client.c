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
 * without bound: past this much queued output it is dropped. */
#define RPC_CLIENT_OUTQ_MAX (64u * 1024u * 1024u)

static gboolean on_readable(gint fd, GIOCondition cond, gpointer data);
static gboolean on_writable(gint fd, GIOCondition cond, gpointer data);

RpcClient *rpc_client_new(RpcServer *server, int fd, RpcSocketKind kind)
{
	RpcClient *client = g_new0(RpcClient, 1);

	client->server = server;
	client->fd = fd;
	client->kind = kind;
	client->inbuf = g_byte_array_new();
	g_queue_init(&client->outq);
	client->callbacks = g_array_new(FALSE, FALSE, sizeof(RpcEventCallback));
	client->readonly = kind == RPC_SOCKET_RO;
	if (fd >= 0) {
		client->in_source = g_unix_fd_source_new(fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
		g_source_set_callback(client->in_source, G_SOURCE_FUNC(on_readable), client,
				      NULL);
		g_source_attach(client->in_source, NULL);
	}
	return client;
}

static void stop_sources(RpcClient *client)
{
	if (client->in_source) {
		g_source_destroy(client->in_source);
		g_clear_pointer(&client->in_source, g_source_unref);
	}
	if (client->out_source) {
		g_source_destroy(client->out_source);
		g_clear_pointer(&client->out_source, g_source_unref);
	}
}

void rpc_client_free(RpcClient *client)
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
	rpc_server_remove_client(client->server, client);
}

static gsize queued_bytes(RpcClient *client)
{
	gsize total = 0;

	for (GList *l = client->outq.head; l; l = l->next)
		total += g_bytes_get_size(l->data);
	return total - client->out_offset;
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

	if (want && !client->out_source) {
		client->out_source = g_unix_fd_source_new(client->fd, G_IO_OUT);
		g_source_set_callback(client->out_source, G_SOURCE_FUNC(on_writable), client,
				      NULL);
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
	g_queue_push_tail(&client->outq, packet);
	if (!flush_output(client))
		return;
	if (queued_bytes(client) > RPC_CLIENT_OUTQ_MAX) {
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
		return G_SOURCE_REMOVE;
	}
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
		RpcHeader pong = { RPC_KEEPALIVE_PROGRAM, RPC_KEEPALIVE_VERSION,
				   RPC_KEEPALIVE_PROC_PONG, RPC_TYPE_MESSAGE, 0, RPC_STATUS_OK };

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
	if (hdr.prog != program) {
		g_autofree char *msg = g_strdup_printf("unknown program 0x%08x", hdr.prog);

		rpc_client_close(client, msg);
		return;
	}
	if (hdr.vers != RPC_REMOTE_VERSION) {
		g_autofree char *msg = g_strdup_printf("unsupported program version %u", hdr.vers);

		rpc_client_close(client, msg);
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
			if (!rpc_frame_length_valid(client->inlen, client->server->config.max_packet,
						    &why)) {
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
	return !client->dead;
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
	if (!rpc_client_feed(client, buf, (gsize)n))
		return G_SOURCE_REMOVE;
	return G_SOURCE_CONTINUE;
}
