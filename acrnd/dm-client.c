/* Control channel client.  One instance per running VM. */
#include "config.h"

#include <string.h>
#include <gio/gunixsocketaddress.h>

#include "acrnd-error.h"
#include "dm-client.h"
#include "dm-proto.h"

#define REQUEST_TIMEOUT_MS 5000
#define CONNECT_RETRY_MS   20

struct _AcrnDmClient {
	GObject parent;
	char *path;
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
	GCancellable *cancel; /* cancels the read loop on close */
	GTask *connect_task;
	guint connect_retry;
	guint connect_deadline;
	gint64 next_id;
	GHashTable *pending; /* id -> GTask */
};

G_DEFINE_TYPE(AcrnDmClient, acrn_dm_client, G_TYPE_OBJECT)

enum { SIG_EVENT, SIG_CLOSED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void fail_pending(AcrnDmClient *self, const char *why)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, self->pending);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		GTask *task = value;

		g_hash_table_iter_steal(&it);
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_DEVICE_MODEL_FAILED, "%s",
					why);
		g_object_unref(task);
	}
}

static void stop_connecting(AcrnDmClient *self)
{
	g_clear_handle_id(&self->connect_retry, g_source_remove);
	g_clear_handle_id(&self->connect_deadline, g_source_remove);
}

void acrn_dm_client_close(AcrnDmClient *self)
{
	gboolean was_connected = self->conn != NULL;

	stop_connecting(self);
	if (self->cancel)
		g_cancellable_cancel(self->cancel);
	if (self->connect_task) {
		GTask *t = g_steal_pointer(&self->connect_task);

		g_task_return_new_error(t, ACRND_ERROR, ACRND_ERROR_CANCELLED,
					"control channel closed while connecting");
		g_object_unref(t);
	}
	fail_pending(self, "control channel to the device model closed");
	g_clear_object(&self->in);
	self->out = NULL;
	if (self->conn)
		g_io_stream_close(G_IO_STREAM(self->conn), NULL, NULL);
	g_clear_object(&self->conn);
	if (was_connected)
		g_signal_emit(self, signals[SIG_CLOSED], 0);
}

gboolean acrn_dm_client_is_connected(AcrnDmClient *self)
{
	return self->conn != NULL && self->connect_task == NULL;
}

static void handle_message(AcrnDmClient *self, GVariant *msg)
{
	const char *event = acrn_dm_proto_get_str(msg, "event", NULL);
	gint64 id;
	GTask *task;

	if (event) {
		AcrnDmEvent kind = acrn_dm_event_parse(event);

		if (self->connect_task && kind == ACRN_DM_EVENT_HELLO) {
			GTask *t = g_steal_pointer(&self->connect_task);

			stop_connecting(self);
			g_task_return_pointer(t, g_variant_ref(msg),
					      (GDestroyNotify)g_variant_unref);
			g_object_unref(t);
			return;
		}
		if (kind == ACRN_DM_EVENT_UNKNOWN) {
			g_debug("%s: ignoring unknown event '%s'", self->path, event);
			return;
		}
		g_signal_emit(self, signals[SIG_EVENT], 0, (guint)kind, msg);
		return;
	}
	id = acrn_dm_proto_get_int(msg, "id", -1);
	task = g_hash_table_lookup(self->pending, &id);
	if (!task) {
		g_warning("%s: reply to unknown request %" G_GINT64_FORMAT, self->path, id);
		return;
	}
	g_hash_table_steal(self->pending, &id);
	if (acrn_dm_proto_get_bool(msg, "ok", FALSE)) {
		g_task_return_pointer(task, g_variant_ref(msg), (GDestroyNotify)g_variant_unref);
	} else {
		const char *code = acrn_dm_proto_get_str(msg, "error", "failed");
		const char *text = acrn_dm_proto_get_str(msg, "message", code);

		g_task_return_new_error(task, ACRND_ERROR,
					strcmp(code, "invalid-state") == 0
					    ? ACRND_ERROR_INVALID_STATE
					    : ACRND_ERROR_DEVICE_MODEL_FAILED,
					"device model: %s", text);
	}
	g_object_unref(task);
}

static void read_next(AcrnDmClient *self);

static void on_line(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnDmClient) self = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GVariant) msg = NULL;
	gsize len = 0;

	line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, &len, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->in != (gpointer)src)
		return;
	if (!line) {
		g_debug("%s: control channel ended%s%s", self->path, error ? ": " : "",
			error ? error->message : "");
		acrn_dm_client_close(self);
		return;
	}
	if (len >= ACRN_DM_PROTO_MAX_LINE || strlen(line) != len) {
		g_warning("%s: oversized or binary line from the device model; closing",
			  self->path);
		acrn_dm_client_close(self);
		return;
	}
	msg = acrn_dm_proto_decode(line, &error);
	if (!msg)
		g_warning("%s: ignoring bad message from the device model: %s", self->path,
			  error->message);
	else
		handle_message(self, msg);
	if (self->in == (gpointer)src)
		read_next(self);
}

static void read_next(AcrnDmClient *self)
{
	g_data_input_stream_read_line_async(self->in, G_PRIORITY_DEFAULT, self->cancel, on_line,
					    g_object_ref(self));
}

static void try_connect(AcrnDmClient *self);

static gboolean on_connect_retry(gpointer data)
{
	AcrnDmClient *self = data;

	self->connect_retry = 0;
	try_connect(self);
	return G_SOURCE_REMOVE;
}

static void on_connected(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnDmClient) self = data;
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn;

	conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &error);
	if (!self->connect_task) { /* closed or timed out meanwhile */
		if (conn)
			g_object_unref(conn);
		return;
	}
	if (!conn) {
		/* ENOENT / ECONNREFUSED: the DM has not created its socket yet. */
		g_debug("%s: not yet: %s", self->path, error->message);
		self->connect_retry = g_timeout_add(CONNECT_RETRY_MS, on_connect_retry, self);
		return;
	}
	self->conn = conn;
	self->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_set_newline_type(self->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	self->out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_clear_object(&self->cancel);
	self->cancel = g_cancellable_new();
	read_next(self);
}

static void try_connect(AcrnDmClient *self)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(self->path);

	g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(addr), NULL, on_connected,
				      g_object_ref(self));
}

static gboolean on_connect_deadline(gpointer data)
{
	AcrnDmClient *self = data;
	GTask *t = g_steal_pointer(&self->connect_task);

	self->connect_deadline = 0;
	g_clear_handle_id(&self->connect_retry, g_source_remove);
	if (self->cancel)
		g_cancellable_cancel(self->cancel);
	g_clear_object(&self->in);
	self->out = NULL;
	g_clear_object(&self->conn);
	g_task_return_new_error(t, ACRND_ERROR, ACRND_ERROR_TIMEOUT,
				"no answer on the device model's control socket %s", self->path);
	g_object_unref(t);
	return G_SOURCE_REMOVE;
}

void acrn_dm_client_connect_async(AcrnDmClient *self, guint timeout_ms, GCancellable *cancellable,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(self, cancellable, callback, user_data);

	if (self->conn || self->connect_task) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_BUSY, "already connected");
		g_object_unref(task);
		return;
	}
	self->connect_task = task;
	self->connect_deadline = g_timeout_add(timeout_ms, on_connect_deadline, self);
	try_connect(self);
}

GVariant *acrn_dm_client_connect_finish(AcrnDmClient *self, GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

static gboolean on_request_timeout(gpointer data)
{
	GTask *task = data;
	AcrnDmClient *self = g_task_get_source_object(task);
	gint64 *id = g_task_get_task_data(task);

	if (g_hash_table_steal(self->pending, id)) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_TIMEOUT,
					"the device model did not answer '%s' within %d s",
					(const char *)g_object_get_data(G_OBJECT(task), "request"),
					REQUEST_TIMEOUT_MS / 1000);
		g_object_unref(task);
	}
	return G_SOURCE_REMOVE;
}

void acrn_dm_client_request_async(AcrnDmClient *self, const char *request, GVariant *args,
				  GAsyncReadyCallback callback, gpointer user_data)
{
	GTask *task = g_task_new(self, NULL, callback, user_data);
	g_autoptr(GVariant) sunk = args ? g_variant_ref_sink(args) : NULL;
	g_autoptr(GVariant) msg = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_autofree char *nl = NULL;
	GVariantBuilder b;
	gint64 *id;

	g_object_set_data_full(G_OBJECT(task), "request", g_strdup(request), g_free);
	if (!acrn_dm_client_is_connected(self)) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_DEVICE_MODEL_FAILED,
					"no control channel to the device model");
		g_object_unref(task);
		return;
	}
	id = g_new(gint64, 1);
	*id = ++self->next_id;
	g_task_set_task_data(task, id, g_free);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_int64(*id));
	g_variant_builder_add(&b, "{sv}", "request", g_variant_new_string(request));
	if (sunk) {
		GVariantIter it;
		const char *k;
		GVariant *v;

		g_variant_iter_init(&it, sunk);
		while (g_variant_iter_loop(&it, "{&sv}", &k, &v))
			g_variant_builder_add(&b, "{sv}", k, v);
	}
	msg = g_variant_ref_sink(g_variant_builder_end(&b));
	line = acrn_dm_proto_encode(msg, &error);
	if (!line) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	nl = g_strconcat(line, "\n", NULL);
	/* Requests are a few dozen bytes on a local socket: a blocking write
	 * cannot stall unless the DM stopped reading, which the timeout covers. */
	if (!g_output_stream_write_all(self->out, nl, strlen(nl), NULL, NULL, &error)) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_DEVICE_MODEL_FAILED,
					"cannot send '%s' to the device model: %s", request,
					error->message);
		g_object_unref(task);
		return;
	}
	g_hash_table_insert(self->pending, id, task);
	g_timeout_add_full(G_PRIORITY_DEFAULT, REQUEST_TIMEOUT_MS, on_request_timeout,
			   g_object_ref(task), g_object_unref);
}

GVariant *acrn_dm_client_request_finish(AcrnDmClient *self, GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

AcrnDmClient *acrn_dm_client_new(const char *socket_path)
{
	AcrnDmClient *self = g_object_new(ACRN_TYPE_DM_CLIENT, NULL);

	self->path = g_strdup(socket_path);
	return self;
}

static void acrn_dm_client_dispose(GObject *obj)
{
	AcrnDmClient *self = ACRN_DM_CLIENT(obj);

	stop_connecting(self);
	if (self->cancel)
		g_cancellable_cancel(self->cancel);
	g_clear_object(&self->cancel);
	g_clear_object(&self->in);
	self->out = NULL;
	g_clear_object(&self->conn);
	G_OBJECT_CLASS(acrn_dm_client_parent_class)->dispose(obj);
}

static void acrn_dm_client_finalize(GObject *obj)
{
	AcrnDmClient *self = ACRN_DM_CLIENT(obj);

	g_hash_table_unref(self->pending);
	g_free(self->path);
	G_OBJECT_CLASS(acrn_dm_client_parent_class)->finalize(obj);
}

static void acrn_dm_client_init(AcrnDmClient *self)
{
	self->pending = g_hash_table_new(g_int64_hash, g_int64_equal);
}

static void acrn_dm_client_class_init(AcrnDmClientClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);

	oc->dispose = acrn_dm_client_dispose;
	oc->finalize = acrn_dm_client_finalize;
	signals[SIG_EVENT] =
	    g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
			 G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_VARIANT);
	signals[SIG_CLOSED] = g_signal_new("closed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
					   NULL, NULL, NULL, G_TYPE_NONE, 0);
}
