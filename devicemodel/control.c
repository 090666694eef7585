/* Control channel; see control.h. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "dm-proto.h"

struct DmControl {
	char *path, *name;
	DmControlOps ops;
	int listen_fd, fd;
	guint listen_watch, watch;
	GString *in;
	gboolean discarding; /* inside an overlong line */
};

static void send_msg(DmControl *c, GVariantDict *d)
{
	g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_dict_end(d));
	g_autoptr(GError) error = NULL;
	g_autofree char *line = acrn_dm_proto_encode(v, &error);
	g_autofree char *framed = NULL;
	const char *p;
	gsize left;

	if (!line || c->fd < 0)
		return;
	framed = g_strconcat(line, "\n", NULL);
	/* Lines are small and acrnd reads continuously; a blocking write
	 * keeps events and replies in order without a queue. */
	for (p = framed, left = strlen(framed); left;) {
		ssize_t n = send(c->fd, p, left, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the reader is gone; the HUP watch cleans up */
		p += n;
		left -= (gsize)n;
	}
}

GVariant *dm_control_field(const char *key, const char *value)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

	g_variant_dict_insert(&d, key, "s", value);
	return g_variant_dict_end(&d);
}

void dm_control_send_event(DmControl *c, const char *event, GVariant *fields)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

	if (fields) {
		GVariantIter it;
		const char *k;
		GVariant *v;

		g_variant_ref_sink(fields);
		g_variant_iter_init(&it, fields);
		while (g_variant_iter_next(&it, "{&sv}", &k, &v)) {
			g_variant_dict_insert_value(&d, k, v);
			g_variant_unref(v);
		}
		g_variant_unref(fields);
	}
	g_variant_dict_insert(&d, "event", "s", event);
	send_msg(c, &d);
}

static void protocol_error(DmControl *c, const char *msg)
{
	dm_control_send_event(c, "protocol-error", dm_control_field("message", msg));
}

static void handle_line(DmControl *c, const char *line)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) msg = acrn_dm_proto_decode(line, &error);
	g_auto(GVariantDict) reply = G_VARIANT_DICT_INIT(NULL);
	const char *name, *code = "failed";
	gint64 id;

	if (!msg) {
		protocol_error(c, error->message);
		return;
	}
	id = acrn_dm_proto_get_int(msg, "id", -1);
	name = acrn_dm_proto_get_str(msg, "request", NULL);
	if (id < 0 || !name) {
		protocol_error(c, "a request needs \"id\" and \"request\"");
		return;
	}
	if (c->ops.request(c->ops.ctx, name, msg, &reply, &code, &error)) {
		g_variant_dict_insert(&reply, "ok", "b", TRUE);
	} else {
		g_variant_dict_insert(&reply, "ok", "b", FALSE);
		g_variant_dict_insert(&reply, "error", "s", code);
		g_variant_dict_insert(&reply, "message", "s",
				      error ? error->message : "request failed");
	}
	g_variant_dict_insert(&reply, "id", "x", id);
	send_msg(c, &reply);
}

static void drop_client(DmControl *c)
{
	if (c->watch)
		g_source_remove(c->watch);
	c->watch = 0;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	g_string_truncate(c->in, 0);
	c->discarding = FALSE;
}

static gboolean on_data(gint fd, GIOCondition cond, gpointer data)
{
	DmControl *c = data;
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		c->watch = 0;
		drop_client(c);
		return G_SOURCE_REMOVE;
	}
	g_string_append_len(c->in, buf, n);
	while (c->fd == fd && (nl = memchr(c->in->str, '\n', c->in->len))) {
		g_autofree char *line = g_strndup(c->in->str, (gsize)(nl - c->in->str));

		g_string_erase(c->in, 0, nl - c->in->str + 1);
		if (c->discarding)
			c->discarding = FALSE;
		else
			handle_line(c, line);
	}
	if (c->in->len >= ACRN_DM_PROTO_MAX_LINE) {
		g_string_truncate(c->in, 0);
		if (!c->discarding)
			protocol_error(c, "line longer than 65536 bytes");
		c->discarding = TRUE;
	}
	return G_SOURCE_CONTINUE;
}

static void send_hello(DmControl *c)
{
	g_auto(GVariantDict) d = G_VARIANT_DICT_INIT(NULL);

	g_variant_dict_insert(&d, "event", "s", "hello");
	g_variant_dict_insert(&d, "protocol", "x", (gint64)ACRN_DM_PROTOCOL_VERSION);
	g_variant_dict_insert(&d, "pid", "x", (gint64)getpid());
	g_variant_dict_insert(&d, "name", "s", c->name);
	c->ops.hello(c->ops.ctx, &d);
	send_msg(c, &d);
}

static gboolean accept_one(DmControl *c)
{
	int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return FALSE;
	/* One client: a restarted acrnd takes over from the old one. */
	drop_client(c);
	c->fd = fd;
	c->watch = g_unix_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_data, c);
	send_hello(c);
	return TRUE;
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	accept_one(data);
	return G_SOURCE_CONTINUE;
}

void dm_control_accept_pending(DmControl *c)
{
	int fl = fcntl(c->listen_fd, F_GETFL);

	fcntl(c->listen_fd, F_SETFL, fl | O_NONBLOCK);
	while (accept_one(c))
		;
	fcntl(c->listen_fd, F_SETFL, fl);
}

DmControl *dm_control_new(const char *path, const char *vm_name, const DmControlOps *ops,
			  GError **error)
{
	g_autoptr(DmControl) c = g_new0(DmControl, 1);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	mode_t old;
	int r;

	c->listen_fd = c->fd = -1;
	c->path = g_strdup(path);
	c->name = g_strdup(vm_name);
	c->ops = *ops;
	c->in = g_string_new(NULL);
	if (strlen(path) >= sizeof(a.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
			    "--control-socket %s: path too long", path);
		return NULL;
	}
	strcpy(a.sun_path, path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0)
		goto fail;
	/* A stale socket of a previous run would make bind fail. */
	g_unlink(path);
	old = umask(0177); /* mode 0600 from the start, no window */
	r = bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a));
	umask(old);
	if (r < 0 || listen(c->listen_fd, 4) < 0)
		goto fail;
	c->listen_watch = g_unix_fd_add(c->listen_fd, G_IO_IN, on_accept, c);
	return g_steal_pointer(&c);
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "--control-socket %s: %s",
		    path, g_strerror(errno));
	g_clear_pointer(&c->path, g_free); /* not ours to unlink */
	return NULL;
}

void dm_control_free(DmControl *c)
{
	if (!c)
		return;
	drop_client(c);
	if (c->listen_watch)
		g_source_remove(c->listen_watch);
	if (c->listen_fd >= 0)
		close(c->listen_fd);
	if (c->path)
		g_unlink(c->path);
	g_string_free(c->in, TRUE);
	g_free(c->path);
	g_free(c->name);
	g_free(c);
}
