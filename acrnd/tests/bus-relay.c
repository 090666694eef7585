/* See bus-relay.h.  Two threads per client, one for each direction, with
 * blocking I/O: the test's main thread makes synchronous D-Bus calls that
 * do not iterate its main context, so the relay must not depend on it. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "bus-relay.h"

typedef struct {
	BusRelay *relay;
	GSocketConnection *client;
	GIOStream *bus;
	GThread *up, *down;
} Pair;

struct BusRelay {
	char *path, *address, *bus_address;
	GSocketListener *listener;
	GCancellable *cancel;
	GThread *acceptor;
	GMutex lock;
	GPtrArray *pairs;    /* Pair* */
	GHashTable *serials; /* serials of GetConnectionCredentials calls */
	gboolean hold;
	GPtrArray *held;	   /* GBytes* queued for the client */
	GOutputStream *client_out; /* where held answers go */
};

static int stream_fd(GIOStream *s)
{
	return g_socket_get_fd(g_socket_connection_get_socket(G_SOCKET_CONNECTION(s)));
}

/* Unblocks both directions' reads so that both threads end. */
static void pair_shutdown(Pair *p)
{
	shutdown(stream_fd(G_IO_STREAM(p->client)), SHUT_RDWR);
	shutdown(stream_fd(p->bus), SHUT_RDWR);
}

static gboolean write_all(GOutputStream *out, const void *buf, gsize len)
{
	return g_output_stream_write_all(out, buf, len, NULL, NULL, NULL);
}

/* The SASL lines before the binary protocol.  The client ends them with
 * BEGIN; the server's lines end where its first message starts ('l' or 'B',
 * which no server command starts with). */
static gboolean relay_auth(GDataInputStream *in, GOutputStream *out, gboolean from_client)
{
	if (from_client) {
		guchar nul;

		if (g_input_stream_read(G_INPUT_STREAM(in), &nul, 1, NULL, NULL) != 1 ||
		    !write_all(out, &nul, 1))
			return FALSE;
	}
	for (;;) {
		g_autofree char *line = NULL;
		gsize len;

		if (!from_client) {
			gsize avail;
			const guchar *peek;

			if (g_buffered_input_stream_fill(G_BUFFERED_INPUT_STREAM(in), 1, NULL,
							 NULL) <= 0 &&
			    g_buffered_input_stream_get_available(G_BUFFERED_INPUT_STREAM(in)) == 0)
				return FALSE;
			peek = g_buffered_input_stream_peek_buffer(G_BUFFERED_INPUT_STREAM(in),
								   &avail);
			if (avail && (peek[0] == 'l' || peek[0] == 'B'))
				return TRUE;
		}
		line = g_data_input_stream_read_line(in, &len, NULL, NULL);
		if (!line || !write_all(out, line, len) || !write_all(out, "\n", 1))
			return FALSE;
		if (from_client && strcmp(line, "BEGIN\r") == 0)
			return TRUE;
	}
}

static GBytes *read_message(GInputStream *in)
{
	guchar head[16];
	gssize need;
	gsize n;
	guchar *buf;

	if (!g_input_stream_read_all(in, head, sizeof(head), &n, NULL, NULL) || n != sizeof(head))
		return NULL;
	need = g_dbus_message_bytes_needed(head, sizeof(head), NULL);
	if (need < (gssize)sizeof(head))
		return NULL;
	buf = g_malloc(need);
	memcpy(buf, head, sizeof(head));
	if (!g_input_stream_read_all(in, buf + sizeof(head), need - sizeof(head), &n, NULL, NULL) ||
	    n != (gsize)need - sizeof(head)) {
		g_free(buf);
		return NULL;
	}
	return g_bytes_new_take(buf, need);
}

static GDBusMessage *parse(GBytes *bytes)
{
	gsize len;
	const guchar *data = g_bytes_get_data(bytes, &len);

	return g_dbus_message_new_from_blob((guchar *)data, len, G_DBUS_CAPABILITY_FLAGS_NONE,
					    NULL);
}

static gpointer up_thread(gpointer data)
{
	Pair *p = data;
	BusRelay *r = p->relay;
	g_autoptr(GDataInputStream) in =
	    g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(p->client)));
	GOutputStream *out = g_io_stream_get_output_stream(p->bus);

	if (relay_auth(in, out, TRUE)) {
		for (;;) {
			g_autoptr(GBytes) msg = read_message(G_INPUT_STREAM(in));
			g_autoptr(GDBusMessage) m = msg ? parse(msg) : NULL;

			if (!msg)
				break;
			/* Recorded before it leaves, so before its answer can come. */
			if (m &&
			    g_dbus_message_get_message_type(m) == G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
			    g_strcmp0(g_dbus_message_get_member(m), "GetConnectionCredentials") ==
				0) {
				g_mutex_lock(&r->lock);
				g_hash_table_add(r->serials,
						 GUINT_TO_POINTER(g_dbus_message_get_serial(m)));
				g_mutex_unlock(&r->lock);
			}
			if (!write_all(out, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg)))
				break;
		}
	}
	pair_shutdown(p);
	return NULL;
}

static gpointer down_thread(gpointer data)
{
	Pair *p = data;
	BusRelay *r = p->relay;
	g_autoptr(GDataInputStream) in =
	    g_data_input_stream_new(g_io_stream_get_input_stream(p->bus));
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(p->client));

	if (relay_auth(in, out, FALSE)) {
		for (;;) {
			g_autoptr(GBytes) msg = read_message(G_INPUT_STREAM(in));
			g_autoptr(GDBusMessage) m = msg ? parse(msg) : NULL;
			gboolean ok = TRUE;

			if (!msg)
				break;
			g_mutex_lock(&r->lock);
			r->client_out = out;
			if (r->hold && m &&
			    g_dbus_message_get_message_type(m) != G_DBUS_MESSAGE_TYPE_METHOD_CALL &&
			    g_dbus_message_get_message_type(m) != G_DBUS_MESSAGE_TYPE_SIGNAL &&
			    g_hash_table_contains(
				r->serials, GUINT_TO_POINTER(g_dbus_message_get_reply_serial(m))))
				g_ptr_array_add(r->held, g_bytes_ref(msg));
			else
				ok = write_all(out, g_bytes_get_data(msg, NULL),
					       g_bytes_get_size(msg));
			g_mutex_unlock(&r->lock);
			if (!ok)
				break;
		}
	}
	pair_shutdown(p);
	return NULL;
}

static gpointer accept_thread(gpointer data)
{
	BusRelay *r = data;

	for (;;) {
		g_autoptr(GError) error = NULL;
		GSocketConnection *client =
		    g_socket_listener_accept(r->listener, NULL, r->cancel, &error);
		GIOStream *bus;
		Pair *p;

		if (!client)
			break;
		bus = g_dbus_address_get_stream_sync(r->bus_address, NULL, NULL, &error);
		if (!bus) {
			g_printerr("bus relay: cannot reach the bus: %s\n", error->message);
			g_object_unref(client);
			continue;
		}
		p = g_new0(Pair, 1);
		p->relay = r;
		p->client = client;
		p->bus = bus;
		g_mutex_lock(&r->lock);
		g_ptr_array_add(r->pairs, p);
		g_mutex_unlock(&r->lock);
		p->up = g_thread_new("relay-up", up_thread, p);
		p->down = g_thread_new("relay-down", down_thread, p);
	}
	return NULL;
}

BusRelay *bus_relay_new(const char *dir, const char *bus_address)
{
	BusRelay *r = g_new0(BusRelay, 1);
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GError) error = NULL;

	r->path = g_build_filename(dir, "relay.sock", NULL);
	r->address = g_strdup_printf("unix:path=%s", r->path);
	r->bus_address = g_strdup(bus_address);
	r->listener = g_socket_listener_new();
	r->cancel = g_cancellable_new();
	g_mutex_init(&r->lock);
	r->pairs = g_ptr_array_new();
	r->serials = g_hash_table_new(NULL, NULL);
	r->held = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	addr = g_unix_socket_address_new(r->path);
	g_assert_true(g_socket_listener_add_address(r->listener, addr, G_SOCKET_TYPE_STREAM,
						    G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, &error));
	g_assert_no_error(error);
	r->acceptor = g_thread_new("relay-accept", accept_thread, r);
	return r;
}

const char *bus_relay_get_address(BusRelay *r)
{
	return r->address;
}

void bus_relay_hold_credentials(BusRelay *r)
{
	g_mutex_lock(&r->lock);
	r->hold = TRUE;
	g_mutex_unlock(&r->lock);
}

guint bus_relay_held(BusRelay *r)
{
	guint n;

	g_mutex_lock(&r->lock);
	n = r->held->len;
	g_mutex_unlock(&r->lock);
	return n;
}

void bus_relay_release(BusRelay *r)
{
	g_mutex_lock(&r->lock);
	r->hold = FALSE;
	for (guint i = 0; i < r->held->len; i++) {
		GBytes *b = r->held->pdata[i];

		write_all(r->client_out, g_bytes_get_data(b, NULL), g_bytes_get_size(b));
	}
	g_ptr_array_set_size(r->held, 0);
	g_mutex_unlock(&r->lock);
}

void bus_relay_free(BusRelay *r)
{
	if (!r)
		return;
	g_cancellable_cancel(r->cancel);
	g_thread_join(r->acceptor);
	for (guint i = 0; i < r->pairs->len; i++) {
		Pair *p = r->pairs->pdata[i];

		pair_shutdown(p);
		g_thread_join(p->up);
		g_thread_join(p->down);
		g_object_unref(p->client);
		g_object_unref(p->bus);
		g_free(p);
	}
	g_ptr_array_unref(r->pairs);
	g_ptr_array_unref(r->held);
	g_hash_table_unref(r->serials);
	g_socket_listener_close(r->listener);
	g_object_unref(r->listener);
	g_object_unref(r->cancel);
	g_mutex_clear(&r->lock);
	g_free(r->path);
	g_free(r->address);
	g_free(r->bus_address);
	g_free(r);
}
