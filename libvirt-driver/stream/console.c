#include "config.h"

#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <termios.h>
#include <unistd.h>

#include "rpc-error.h"
#include "rpc-server.h"
#include "xdr.h"

struct ConsoleStream {
	RpcClient *client;
	RpcHeader call;
	int fd;
	GSource *source;
	/* Bytes from the client not yet written to the pty. */
	GByteArray *to_guest;
	GSource *out_source;
	/* End of stream sent; waiting for the client to finish it. */
	gboolean eof;
	/* The VM's entry in server->consoles while the stream relays. */
	GBytes *uuid;
};

static void unregister(ConsoleStream *s)
{
	GHashTable *consoles = s->client->server->consoles;

	if (s->uuid && g_hash_table_lookup(consoles, s->uuid) == s)
		g_hash_table_remove(consoles, s->uuid);
	g_clear_pointer(&s->uuid, g_bytes_unref);
}

static void send_stream(ConsoleStream *s, RpcMessageStatus status, const guint8 *data, gsize len)
{
	RpcHeader hdr = s->call;
	GByteArray *w;

	hdr.type = RPC_TYPE_STREAM;
	hdr.status = status;
	w = rpc_frame_begin(&hdr);
	if (len)
		g_byte_array_append(w, data, len);
	rpc_client_send(s->client, rpc_frame_finish(w));
}

/* The guest side ended: tell the client with an empty data packet (like
 * libvirtd, data is always CONTINUE and zero length means end of stream);
 * the client then finishes the stream, which confirm_finish() answers. */
static void send_eof(ConsoleStream *s, const char *why)
{
	g_message("client %" G_GUINT64_FORMAT ": console stream ended: %s", s->client->id, why);
	if (s->source) {
		g_source_destroy(s->source);
		g_clear_pointer(&s->source, g_source_unref);
	}
	if (s->out_source) {
		g_source_destroy(s->out_source);
		g_clear_pointer(&s->out_source, g_source_unref);
	}
	g_byte_array_set_size(s->to_guest, 0);
	s->eof = TRUE;
	unregister(s);
	send_stream(s, RPC_STATUS_CONTINUE, NULL, 0);
}

/* The client finished the stream (virStreamFinish): confirm and drop it. */
static void confirm_finish(ConsoleStream *s)
{
	RpcClient *client = s->client;

	send_stream(s, RPC_STATUS_OK, NULL, 0);
	if (client->console == s)
		client->console = NULL;
	console_stream_free(s);
}

static gboolean on_pty_readable(gint fd, GIOCondition cond, gpointer data)
{
	ConsoleStream *s = data;
	guint8 buf[16384]; /* well below RPC_STREAM_CHUNK_MAX */
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0) {
		send_stream(s, RPC_STATUS_CONTINUE, buf, (gsize)n);
		return G_SOURCE_CONTINUE;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	/* EOF or EIO: the device model closed its side (VM stopped). */
	send_eof(s, n == 0 ? "end of file" : g_strerror(errno));
	return G_SOURCE_REMOVE;
}

static gboolean flush_to_guest(ConsoleStream *s)
{
	while (s->to_guest->len) {
		ssize_t n = write(s->fd, s->to_guest->data, s->to_guest->len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return TRUE;
			return FALSE;
		}
		g_byte_array_remove_range(s->to_guest, 0, (guint)n);
	}
	return TRUE;
}

static gboolean on_pty_writable(gint fd, GIOCondition cond, gpointer data)
{
	ConsoleStream *s = data;

	if (!flush_to_guest(s)) {
		send_eof(s, g_strerror(errno));
		return G_SOURCE_REMOVE;
	}
	if (s->to_guest->len)
		return G_SOURCE_CONTINUE;
	g_source_unref(s->out_source);
	s->out_source = NULL;
	return G_SOURCE_REMOVE;
}

ConsoleStream *console_stream_open(RpcClient *client, const RpcHeader *call, const guint8 uuid[16],
				   const char *pty_path, gboolean force, GError **error)
{
	g_autoptr(GBytes) key = g_bytes_new(uuid, 16);
	ConsoleStream *s, *other;
	struct termios tio;
	int fd;

	other = g_hash_table_lookup(client->server->consoles, key);
	if (other) {
		if (!force) {
			virt_error_set(error, VIR_ERR_OPERATION_FAILED,
				       "Active console session exists for this domain");
			return NULL;
		}
		/* --force: the other session ends, as with libvirtd. */
		send_eof(other, "console taken over by another session (force)");
	}
	fd = open(pty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		virt_error_set(error, VIR_ERR_OPERATION_FAILED, "cannot open console %s: %s",
			       pty_path, g_strerror(errno));
		return NULL;
	}
	if (!isatty(fd)) {
		close(fd);
		virt_error_set(error, VIR_ERR_OPERATION_FAILED, "console %s is not a terminal",
			       pty_path);
		return NULL;
	}
	/* Raw mode: the client's terminal does the line editing. */
	if (tcgetattr(fd, &tio) == 0) {
		cfmakeraw(&tio);
		tcsetattr(fd, TCSANOW, &tio);
	}
	s = g_new0(ConsoleStream, 1);
	s->client = client;
	s->call = *call;
	s->fd = fd;
	s->to_guest = g_byte_array_new();
	s->uuid = g_steal_pointer(&key);
	g_hash_table_insert(client->server->consoles, g_bytes_ref(s->uuid), s);
	return s;
}

void console_stream_start(ConsoleStream *s)
{
	s->source = g_unix_fd_source_new(s->fd, G_IO_IN | G_IO_HUP | G_IO_ERR);
	g_source_set_callback(s->source, G_SOURCE_FUNC(on_pty_readable), s, NULL);
	g_source_attach(s->source, NULL);
}

gboolean console_stream_matches(const ConsoleStream *s, const RpcHeader *hdr)
{
	return hdr->serial == s->call.serial && hdr->proc == s->call.proc;
}

void console_stream_handle_packet(ConsoleStream *s, const RpcHeader *hdr, const guint8 *payload,
				  gsize len)
{
	RpcClient *client = s->client;

	switch (hdr->status) {
	case RPC_STATUS_CONTINUE:
		if (s->eof)
			return; /* input that crossed our end of stream */
		if (len > RPC_STREAM_CHUNK_MAX || s->to_guest->len > 4 * RPC_STREAM_CHUNK_MAX) {
			rpc_client_close(client, "console stream data above the limit");
			return;
		}
		g_byte_array_append(s->to_guest, payload, (guint)len);
		if (!flush_to_guest(s)) {
			send_eof(s, g_strerror(errno));
			return;
		}
		if (s->to_guest->len && !s->out_source) {
			s->out_source = g_unix_fd_source_new(s->fd, G_IO_OUT);
			g_source_set_callback(s->out_source, G_SOURCE_FUNC(on_pty_writable), s,
					      NULL);
			g_source_attach(s->out_source, NULL);
		}
		return;
	case RPC_STATUS_OK:
		/* virStreamFinish: confirm and end. */
		confirm_finish(s);
		return;
	case RPC_STATUS_ERROR:
	default: {
		/* virStreamAbort waits for an answer (before, it hung): confirm
		 * it like a finish, so that the client's abort succeeds. */
		send_stream(s, RPC_STATUS_OK, NULL, 0);
		client->console = NULL;
		console_stream_free(s);
		return;
	}
	}
}

void console_stream_free(ConsoleStream *s)
{
	if (!s)
		return;
	unregister(s);
	if (s->source) {
		g_source_destroy(s->source);
		g_source_unref(s->source);
	}
	if (s->out_source) {
		g_source_destroy(s->out_source);
		g_source_unref(s->out_source);
	}
	close(s->fd);
	g_byte_array_unref(s->to_guest);
	g_free(s);
}
