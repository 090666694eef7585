#include "config.h"

#include "rpc-test-client.h"

#include <errno.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xdr.h"

void test_conn_open(TestConn *t, RpcServer *server, RpcSocketKind kind)
{
	int sv[2];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), ==,
			0);
	t->server = server;
	t->fd = sv[0];
	t->serial = 0;
	rpc_server_adopt(server, sv[1], kind);
}

void test_conn_close(TestConn *t)
{
	close(t->fd);
	t->fd = -1;
	/* Let the server notice and free the client. */
	for (int i = 0; i < 100; i++)
		g_main_context_iteration(NULL, FALSE);
}

void test_conn_send_raw(TestConn *t, const void *data, gsize len)
{
	const guint8 *p = data;

	while (len) {
		ssize_t n = send(t->fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			g_main_context_iteration(NULL, FALSE);
			continue;
		}
		if (n < 0)
			return; /* peer closed: the caller checks with test_conn_read() */
		p += n;
		len -= (gsize)n;
	}
}

guint32 test_conn_call(TestConn *t, int proc, const GByteArray *args)
{
	RpcHeader hdr = {RPC_REMOTE_PROGRAM, 1, proc, RPC_TYPE_CALL, t->serial++, 0};
	GByteArray *w = rpc_frame_begin(&hdr);
	g_autoptr(GBytes) b = NULL;
	gsize len;
	const void *data;

	if (args)
		g_byte_array_append(w, args->data, args->len);
	b = rpc_frame_finish(w);
	data = g_bytes_get_data(b, &len);
	test_conn_send_raw(t, data, len);
	return hdr.serial;
}

/* Reads exactly n bytes, running the server meanwhile. */
static gboolean read_exact(TestConn *t, guint8 *buf, gsize n)
{
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	while (n) {
		ssize_t r = recv(t->fd, buf, n, MSG_DONTWAIT);

		if (r == 0)
			return FALSE;
		if (r < 0) {
			if (errno != EAGAIN)
				return FALSE;
			g_assert_cmpint(g_get_monotonic_time(), <, deadline);
			if (!g_main_context_iteration(NULL, FALSE))
				g_usleep(1000);
			continue;
		}
		buf += r;
		n -= (gsize)r;
	}
	return TRUE;
}

gboolean test_conn_read(TestConn *t, RpcHeader *hdr, GByteArray **payload)
{
	guint8 lenbuf[4];
	g_autoptr(GByteArray) packet = g_byte_array_new();
	const guint8 *p;
	gsize plen;
	const char *why;
	guint32 len;

	if (!read_exact(t, lenbuf, 4))
		return FALSE;
	len = rpc_frame_read_length(lenbuf);
	g_assert_cmpuint(len, >=, 28);
	g_byte_array_set_size(packet, len);
	memcpy(packet->data, lenbuf, 4);
	if (!read_exact(t, packet->data + 4, len - 4))
		return FALSE;
	g_assert_true(rpc_frame_parse(packet->data, packet->len, hdr, &p, &plen, &why));
	*payload = g_byte_array_new();
	g_byte_array_append(*payload, p, (guint)plen);
	return TRUE;
}

GByteArray *test_conn_rpc(TestConn *t, int proc, const GByteArray *args, int *status)
{
	guint32 serial = test_conn_call(t, proc, args);
	RpcHeader hdr;
	GByteArray *payload = NULL;

	for (;;) {
		if (!test_conn_read(t, &hdr, &payload))
			return NULL;
		if (hdr.type == RPC_TYPE_REPLY && hdr.serial == serial)
			break;
		g_byte_array_unref(payload); /* events etc. */
	}
	g_assert_cmpint(hdr.proc, ==, proc);
	*status = hdr.status;
	return payload;
}

int test_error_code(const GByteArray *payload, char **message)
{
	XdrReader r;
	int code;

	xdr_reader_init(&r, payload->data, payload->len);
	code = xdr_get_i32(&r);
	xdr_get_i32(&r);
	*message = xdr_get_opt_string(&r, RPC_STRING_MAX);
	g_assert_true(xdr_reader_ok(&r));
	return code;
}
