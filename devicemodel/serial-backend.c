/* Serial backends; see serial-backend.h. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "serial-backend.h"

struct DmSerialBackend {
	DmSerialKind kind;
	int in_fd, out_fd; /* -1 when absent */
	int listen_fd;	   /* tcp */
	char *pty_path;
	guint in_watch, accept_watch;
	DmSerialInput input;
	gpointer input_ctx;
	GMutex *lock; /* the device lock, held while calling @input */
	gint resume_scheduled;
	guint8 pending[256];
	gsize pending_len;
};

static gboolean set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

static gboolean sys_fail(GError **error, const char *what)
{
	int e = errno;

	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s", what, g_strerror(e));
	return FALSE;
}

static gboolean open_pty(DmSerialBackend *b, GError **error)
{
	struct termios t;
	int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 || grantpt(fd) < 0 || unlockpt(fd) < 0) {
		if (fd >= 0)
			close(fd);
		return sys_fail(error, "pty");
	}
	/* Raw, so that the reader gets the guest's bytes unchanged. */
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	b->pty_path = g_strdup(ptsname(fd));
	b->in_fd = b->out_fd = fd;
	return TRUE;
}

static gboolean open_tcp(DmSerialBackend *b, guint16 port, GError **error)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int one = 1;

	b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (b->listen_fd < 0)
		return sys_fail(error, "tcp");
	setsockopt(b->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(b->listen_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(b->listen_fd, 1) < 0) {
		g_autofree char *what = g_strdup_printf("tcp:%u", port);

		return sys_fail(error, what);
	}
	return TRUE;
}

DmSerialBackend *dm_serial_backend_open(const DmSerialConfig *cfg, GError **error)
{
	g_autoptr(DmSerialBackend) b = g_new0(DmSerialBackend, 1);

	b->kind = cfg->kind;
	b->in_fd = b->out_fd = b->listen_fd = -1;
	switch (cfg->kind) {
	case DM_SERIAL_NONE:
		break;
	case DM_SERIAL_STDIO:
		b->in_fd = dup(STDIN_FILENO);
		b->out_fd = dup(STDOUT_FILENO);
		break;
	case DM_SERIAL_PTY:
		if (!open_pty(b, error))
			return NULL;
		break;
	case DM_SERIAL_FILE:
		b->out_fd = open(cfg->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (b->out_fd < 0)
			return sys_fail(error, cfg->path), NULL;
		break;
	case DM_SERIAL_TCP:
		if (!open_tcp(b, cfg->port, error))
			return NULL;
		break;
	}
	if (b->in_fd >= 0)
		set_nonblock(b->in_fd);
	if (b->out_fd >= 0 && b->out_fd != b->in_fd)
		set_nonblock(b->out_fd);
	return g_steal_pointer(&b);
}

static void close_client(DmSerialBackend *b)
{
	if (b->in_watch)
		g_source_remove(b->in_watch);
	b->in_watch = 0;
	if (b->in_fd >= 0)
		close(b->in_fd);
	if (b->out_fd >= 0 && b->out_fd != b->in_fd)
		close(b->out_fd);
	b->in_fd = b->out_fd = -1;
}

void dm_serial_backend_free(DmSerialBackend *b)
{
	if (!b)
		return;
	close_client(b);
	if (b->accept_watch)
		g_source_remove(b->accept_watch);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	g_free(b->pty_path);
	g_free(b);
}

const char *dm_serial_backend_pty(const DmSerialBackend *b)
{
	return b->pty_path;
}

void dm_serial_backend_write(DmSerialBackend *b, const guint8 *buf, gsize len)
{
	while (b->out_fd >= 0 && len) {
		ssize_t n = write(b->out_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* full or gone: drop, never stall the guest */
		buf += n;
		len -= (gsize)n;
	}
}

/* Hands buffered input to the device; FALSE when it is full. */
static gboolean deliver(DmSerialBackend *b)
{
	gsize took;

	if (!b->pending_len)
		return TRUE;
	if (b->lock)
		g_mutex_lock(b->lock);
	took = b->input(b->input_ctx, b->pending, b->pending_len);
	if (b->lock)
		g_mutex_unlock(b->lock);
	memmove(b->pending, b->pending + took, b->pending_len - took);
	b->pending_len -= took;
	return b->pending_len == 0;
}

static gboolean on_input(gint fd, GIOCondition cond, gpointer data)
{
	DmSerialBackend *b = data;
	ssize_t n = read(fd, b->pending, sizeof(b->pending));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		/* EOF: a TCP client left; stdin or the pty has no reader. */
		b->in_watch = 0;
		if (b->kind == DM_SERIAL_TCP)
			close_client(b);
		return G_SOURCE_REMOVE;
	}
	b->pending_len = (gsize)n;
	if (deliver(b))
		return G_SOURCE_CONTINUE;
	/* The device is full: wait for dm_serial_backend_resume(). */
	b->in_watch = 0;
	return G_SOURCE_REMOVE;
}

static void watch_input(DmSerialBackend *b)
{
	if (b->in_fd >= 0 && b->input && !b->in_watch)
		b->in_watch = g_unix_fd_add(b->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, b);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	DmSerialBackend *b = data;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (c < 0)
		return G_SOURCE_CONTINUE;
	/* One client at a time: the newest wins. */
	close_client(b);
	b->in_fd = b->out_fd = c;
	watch_input(b);
	return G_SOURCE_CONTINUE;
}

void dm_serial_backend_set_input(DmSerialBackend *b, DmSerialInput fn, gpointer ctx, GMutex *lock)
{
	b->input = fn;
	b->input_ctx = ctx;
	b->lock = lock;
	if (b->listen_fd >= 0 && !b->accept_watch)
		b->accept_watch = g_unix_fd_add(b->listen_fd, G_IO_IN, on_accept, b);
	watch_input(b);
}

/* Main loop: deliver what is buffered, then read again. */
static gboolean resume_idle(gpointer data)
{
	DmSerialBackend *b = data;

	g_atomic_int_set(&b->resume_scheduled, 0);
	if (!b->in_watch && deliver(b))
		watch_input(b);
	return G_SOURCE_REMOVE;
}

void dm_serial_backend_resume(DmSerialBackend *b)
{
	/* Called by the device with its lock held, in the request thread:
	 * the delivery, which takes that lock, happens in the main loop. */
	if (b->input && g_atomic_int_compare_and_exchange(&b->resume_scheduled, 0, 1))
		g_idle_add(resume_idle, b);
}
