/* The protocol layer end to end over a socketpair, without acrnd: the
 * connection handshake stock clients perform, error replies, read-only
 * enforcement, keepalive and the handling of malformed packets. */
#include "config.h"

#include <libvirt/virterror.h>
#include <string.h>
#include <unistd.h>

#include "rpc-protocol.h"
#include "rpc-test-client.h"
#include "xdr.h"

static RpcServer *new_server(void)
{
	RpcServerConfig config = {.hv_version = 8002000, .lib_version = 9000000};

	return rpc_server_new(&config, NULL);
}

static GByteArray *args_new(void)
{
	return g_byte_array_new();
}

static void open_conn(TestConn *t, RpcServer *server, RpcSocketKind kind, guint32 flags)
{
	g_autoptr(GByteArray) args = args_new();
	g_autoptr(GByteArray) ret = NULL;
	int status = -1;

	test_conn_open(t, server, kind);
	xdr_put_opt_string(args, "acrn:///system");
	xdr_put_u32(args, flags);
	ret = test_conn_rpc(t, PROC_CONNECT_OPEN, args, &status);
	g_assert_nonnull(ret);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(ret->len, ==, 0);
}

static int call_error(TestConn *t, int proc, const GByteArray *args, char **message)
{
	int status = -1;
	g_autoptr(GByteArray) ret = test_conn_rpc(t, proc, args, &status);

	g_assert_nonnull(ret);
	g_assert_cmpint(status, ==, RPC_STATUS_ERROR);
	return test_error_code(ret, message);
}

static void test_handshake(void)
{
	RpcServer *server = new_server();
	TestConn t;
	g_autoptr(GByteArray) ret = NULL;
	g_autoptr(GByteArray) args = args_new();
	g_autofree char *msg = NULL;
	int status;
	XdrReader r;

	test_conn_open(&t, server, RPC_SOCKET_RW);
	/* AUTH_LIST before open: [REMOTE_AUTH_NONE] */
	ret = test_conn_rpc(&t, PROC_AUTH_LIST, NULL, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(ret->len, ==, 8);
	xdr_reader_init(&r, ret->data, ret->len);
	g_assert_cmpuint(xdr_get_u32(&r), ==, 1);
	g_assert_cmpint(xdr_get_i32(&r), ==, 0);
	g_clear_pointer(&ret, g_byte_array_unref);

	/* keepalive is supported, fd passing is not */
	xdr_put_i32(args, RPC_FEATURE_PROGRAM_KEEPALIVE);
	ret = test_conn_rpc(&t, PROC_CONNECT_SUPPORTS_FEATURE, args, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(ret->data[3], ==, 1);
	g_clear_pointer(&ret, g_byte_array_unref);
	g_byte_array_set_size(args, 0);
	xdr_put_i32(args, 8);
	ret = test_conn_rpc(&t, PROC_CONNECT_SUPPORTS_FEATURE, args, &status);
	g_assert_cmpuint(ret->data[3], ==, 0);
	g_clear_pointer(&ret, g_byte_array_unref);

	/* Anything else before CONNECT_OPEN fails. */
	g_assert_cmpint(call_error(&t, PROC_CONNECT_GET_TYPE, NULL, &msg), ==,
			VIR_ERR_INTERNAL_ERROR);
	g_clear_pointer(&msg, g_free);

	/* A foreign URI is refused. */
	g_byte_array_set_size(args, 0);
	xdr_put_opt_string(args, "qemu:///system");
	xdr_put_u32(args, 0);
	g_assert_cmpint(call_error(&t, PROC_CONNECT_OPEN, args, &msg), ==, VIR_ERR_NO_CONNECT);
	g_clear_pointer(&msg, g_free);

	g_byte_array_set_size(args, 0);
	xdr_put_opt_string(args, "acrn:///system");
	xdr_put_u32(args, 0);
	ret = test_conn_rpc(&t, PROC_CONNECT_OPEN, args, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_clear_pointer(&ret, g_byte_array_unref);
	/* second open on the same connection */
	g_assert_cmpint(call_error(&t, PROC_CONNECT_OPEN, args, &msg), ==, VIR_ERR_INTERNAL_ERROR);
	g_assert_nonnull(strstr(msg, "already open"));
	g_clear_pointer(&msg, g_free);

	ret = test_conn_rpc(&t, PROC_CONNECT_GET_TYPE, NULL, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	xdr_reader_init(&r, ret->data, ret->len);
	{
		g_autofree char *type = xdr_get_string(&r, 100);

		g_assert_cmpstr(type, ==, "ACRN");
	}
	g_clear_pointer(&ret, g_byte_array_unref);

	ret = test_conn_rpc(&t, PROC_CONNECT_GET_VERSION, NULL, &status);
	xdr_reader_init(&r, ret->data, ret->len);
	g_assert_cmpuint(xdr_get_u64(&r), ==, 8002000);
	g_clear_pointer(&ret, g_byte_array_unref);

	ret = test_conn_rpc(&t, PROC_CONNECT_GET_LIB_VERSION, NULL, &status);
	xdr_reader_init(&r, ret->data, ret->len);
	g_assert_cmpuint(xdr_get_u64(&r), ==, 9000000);
	g_clear_pointer(&ret, g_byte_array_unref);

	/* nodeinfo: char model[32] is 32 XDR ints (captured reply: 160 bytes) */
	ret = test_conn_rpc(&t, PROC_NODE_GET_INFO, NULL, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(ret->len, ==, 160);
	g_assert_cmpuint(ret->data[3], ==, 'x');
	g_clear_pointer(&ret, g_byte_array_unref);

	ret = test_conn_rpc(&t, PROC_CONNECT_GET_CAPABILITIES, NULL, &status);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	xdr_reader_init(&r, ret->data, ret->len);
	{
		g_autofree char *caps = xdr_get_string(&r, RPC_STRING_MAX);

		g_assert_nonnull(strstr(caps, "<domain type='kvm'/>"));
		g_assert_nonnull(strstr(caps, "<machine maxCpus="));
		g_assert_nonnull(strstr(caps, "<arch>x86_64</arch>"));
	}
	g_clear_pointer(&ret, g_byte_array_unref);

	test_conn_close(&t);
	rpc_server_free(server);
}

static void test_unknown_procedure(void)
{
	RpcServer *server = new_server();
	TestConn t;
	g_autofree char *msg = NULL;

	open_conn(&t, server, RPC_SOCKET_RW, 0);
	/* libvirtd's exact form, which clients map to VIR_ERR_NO_SUPPORT */
	g_assert_cmpint(call_error(&t, 312, NULL, &msg), ==, VIR_ERR_RPC);
	g_assert_cmpstr(msg, ==, "unknown procedure: 312");
	g_clear_pointer(&msg, g_free);
	g_assert_cmpint(call_error(&t, 100000, NULL, &msg), ==, VIR_ERR_RPC);
	test_conn_close(&t);
	rpc_server_free(server);
}

static GByteArray *define_args(void)
{
	GByteArray *args = g_byte_array_new();

	xdr_put_string(args, "<domain type='acrn'><name>x</name></domain>");
	return args;
}

static void test_readonly(void)
{
	RpcServer *server = new_server();
	TestConn ro, rw_ro;
	g_autoptr(GByteArray) args = define_args();
	g_autofree char *msg = NULL;

	/* on the -ro socket */
	open_conn(&ro, server, RPC_SOCKET_RO, 0);
	g_assert_cmpint(call_error(&ro, PROC_DOMAIN_DEFINE_XML, args, &msg), ==,
			VIR_ERR_OPERATION_DENIED);
	g_assert_nonnull(strstr(msg, "read only access prevents virDomainDefineXML"));
	g_clear_pointer(&msg, g_free);
	/* read-only queries still work there (they fail later, without acrnd) */
	{
		g_autoptr(GByteArray) list_args = g_byte_array_new();

		xdr_put_i32(list_args, 1);
		xdr_put_u32(list_args, 3);
		g_assert_cmpint(call_error(&ro, PROC_CONNECT_LIST_ALL_DOMAINS, list_args, &msg), ==,
				VIR_ERR_OPERATION_FAILED);
	}
	g_clear_pointer(&msg, g_free);

	/* or opened with VIR_CONNECT_RO on the rw socket */
	open_conn(&rw_ro, server, RPC_SOCKET_RW, RPC_CONNECT_OPEN_RO);
	g_assert_cmpint(call_error(&rw_ro, PROC_DOMAIN_DEFINE_XML, args, &msg), ==,
			VIR_ERR_OPERATION_DENIED);
	test_conn_close(&ro);
	test_conn_close(&rw_ro);
	rpc_server_free(server);
}

static void test_no_acrnd(void)
{
	RpcServer *server = new_server();
	TestConn t;
	g_autoptr(GByteArray) args = define_args();
	g_autofree char *msg = NULL;

	open_conn(&t, server, RPC_SOCKET_RW, 0);
	g_assert_cmpint(call_error(&t, PROC_DOMAIN_DEFINE_XML, args, &msg), ==,
			VIR_ERR_OPERATION_FAILED);
	g_assert_nonnull(strstr(msg, "acrnd"));
	test_conn_close(&t);
	rpc_server_free(server);
}

static void test_keepalive(void)
{
	RpcServer *server = new_server();
	TestConn t;
	RpcHeader ping = {RPC_KEEPALIVE_PROGRAM, 1, RPC_KEEPALIVE_PROC_PING,
			  RPC_TYPE_MESSAGE,	 0, 0};
	g_autoptr(GBytes) b = rpc_frame_finish(rpc_frame_begin(&ping));
	g_autoptr(GByteArray) payload = NULL;
	RpcHeader hdr;
	gsize len;
	const void *data = g_bytes_get_data(b, &len);

	open_conn(&t, server, RPC_SOCKET_RW, 0);
	test_conn_send_raw(&t, data, len);
	g_assert_true(test_conn_read(&t, &hdr, &payload));
	g_assert_cmpuint(hdr.prog, ==, RPC_KEEPALIVE_PROGRAM);
	g_assert_cmpint(hdr.proc, ==, RPC_KEEPALIVE_PROC_PONG);
	g_assert_cmpint(hdr.type, ==, RPC_TYPE_MESSAGE);
	g_assert_cmpuint(payload->len, ==, 0);
	test_conn_close(&t);
	rpc_server_free(server);
}

/* Sends `bytes` on a fresh connection and checks that the server drops
 * it, while another connection keeps working. */
static void expect_dropped(const guint8 *bytes, gsize len)
{
	RpcServer *server = new_server();
	TestConn bad, good;
	RpcHeader hdr;
	GByteArray *payload = NULL;
	g_autoptr(GByteArray) ret = NULL;
	int status;

	open_conn(&good, server, RPC_SOCKET_RW, 0);
	open_conn(&bad, server, RPC_SOCKET_RW, 0);
	g_assert_cmpuint(rpc_server_n_clients(server), ==, 2);
	test_conn_send_raw(&bad, bytes, len);
	g_assert_false(test_conn_read(&bad, &hdr, &payload));
	ret = test_conn_rpc(&good, PROC_CONNECT_GET_TYPE, NULL, &status);
	g_assert_nonnull(ret);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(rpc_server_n_clients(server), ==, 1);
	test_conn_close(&bad);
	test_conn_close(&good);
	rpc_server_free(server);
}

static GBytes *packet(guint32 prog, guint32 vers, int proc, int type, int status,
		      const GByteArray *payload)
{
	RpcHeader hdr = {prog, vers, proc, type, 7, status};
	GByteArray *w = rpc_frame_begin(&hdr);

	if (payload)
		g_byte_array_append(w, payload->data, payload->len);
	return rpc_frame_finish(w);
}

static void expect_dropped_packet(GBytes *b)
{
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);

	expect_dropped(data, len);
	g_bytes_unref(b);
}

/* Issue 13, item 9: like libvirtd, a call to a program we do not serve
 * (qemu, lxc) gets "Cannot find program" and the connection stays. */
static void test_unknown_program(void)
{
	static const struct {
		guint32 prog, vers;
		const char *msg;
	} cases[] = {
	    {0x20008087, 1, "Cannot find program 536903815 version 1"}, /* qemu */
	    {0x00068000, 1, "Cannot find program 425984 version 1"},	/* lxc */
	    {RPC_REMOTE_PROGRAM, 2, "Cannot find program 536903814 version 2"},
	};
	RpcServer *server = new_server();
	TestConn t;
	g_autoptr(GByteArray) ret = NULL;
	int status = -1;

	open_conn(&t, server, RPC_SOCKET_RW, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GBytes) b =
		    packet(cases[i].prog, cases[i].vers, 1, RPC_TYPE_CALL, 0, NULL);
		gsize len;
		const guint8 *data = g_bytes_get_data(b, &len);
		RpcHeader hdr;
		g_autoptr(GByteArray) payload = NULL;
		g_autofree char *msg = NULL;

		test_conn_send_raw(&t, data, len);
		g_assert_true(test_conn_read(&t, &hdr, &payload));
		g_assert_cmpuint(hdr.prog, ==, cases[i].prog);
		g_assert_cmpuint(hdr.vers, ==, cases[i].vers);
		g_assert_cmpint(hdr.type, ==, RPC_TYPE_REPLY);
		g_assert_cmpint(hdr.status, ==, RPC_STATUS_ERROR);
		g_assert_cmpuint(hdr.serial, ==, 7);
		g_assert_cmpint(test_error_code(payload, &msg), ==, VIR_ERR_RPC);
		g_assert_cmpstr(msg, ==, cases[i].msg);
	}
	/* a message (not a call) to an unknown program is dropped quietly */
	{
		g_autoptr(GBytes) b = packet(0x20008087, 1, 1, RPC_TYPE_MESSAGE, 0, NULL);
		gsize len;
		const guint8 *data = g_bytes_get_data(b, &len);

		test_conn_send_raw(&t, data, len);
	}
	/* the connection still works */
	ret = test_conn_rpc(&t, PROC_CONNECT_GET_TYPE, NULL, &status);
	g_assert_nonnull(ret);
	g_assert_cmpint(status, ==, RPC_STATUS_OK);
	g_assert_cmpuint(rpc_server_n_clients(server), ==, 1);
	test_conn_close(&t);
	rpc_server_free(server);
}

static void test_malformed(void)
{
	static const guint8 short_len[] = {0, 0, 0, 8, 1, 2, 3, 4};
	static const guint8 huge_len[] = {0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0};
	g_autoptr(GByteArray) p = g_byte_array_new();

	g_test_message("length below the header size");
	expect_dropped(short_len, sizeof(short_len));
	g_test_message("length above 32 MiB");
	expect_dropped(huge_len, sizeof(huge_len));
	g_test_message("reply type from a client");
	expect_dropped_packet(packet(RPC_REMOTE_PROGRAM, 1, 3, RPC_TYPE_REPLY, 0, NULL));
	g_test_message("truncated arguments");
	xdr_put_u32(p, 1);
	xdr_put_u32(p, 100); /* string of 100 bytes, none sent */
	expect_dropped_packet(
	    packet(RPC_REMOTE_PROGRAM, 1, PROC_DOMAIN_LOOKUP_BY_NAME, RPC_TYPE_CALL, 0, p));
	g_test_message("huge string length");
	g_byte_array_set_size(p, 0);
	xdr_put_u32(p, 0xfffffff0);
	expect_dropped_packet(
	    packet(RPC_REMOTE_PROGRAM, 1, PROC_DOMAIN_DEFINE_XML, RPC_TYPE_CALL, 0, p));
	g_test_message("trailing garbage after the arguments");
	g_byte_array_set_size(p, 0);
	xdr_put_i32(p, 10);
	xdr_put_i32(p, 10);
	expect_dropped_packet(
	    packet(RPC_REMOTE_PROGRAM, 1, PROC_CONNECT_SUPPORTS_FEATURE, RPC_TYPE_CALL, 0, p));
	g_test_message("bad bool in an optional string");
	g_byte_array_set_size(p, 0);
	xdr_put_u32(p, 7);
	xdr_put_u32(p, 0);
	expect_dropped_packet(
	    packet(RPC_REMOTE_PROGRAM, 1, PROC_CONNECT_OPEN, RPC_TYPE_CALL, 0, p));
	g_test_message("malformed keepalive");
	expect_dropped_packet(packet(RPC_KEEPALIVE_PROGRAM, 1, 9, RPC_TYPE_MESSAGE, 0, NULL));
	g_test_message("random garbage");
	expect_dropped((const guint8 *)"GET / HTTP/1.1\r\n\r\n", 18);
}

static void test_pipelined(void)
{
	RpcServer *server = new_server();
	TestConn t;
	GByteArray *all = g_byte_array_new();
	RpcHeader hdr;

	/* Several calls in one write, some split across writes: answered in order. */
	test_conn_open(&t, server, RPC_SOCKET_RW);
	for (guint32 i = 0; i < 5; i++) {
		RpcHeader h = {RPC_REMOTE_PROGRAM, 1, PROC_AUTH_LIST, RPC_TYPE_CALL, i, 0};
		g_autoptr(GBytes) b = rpc_frame_finish(rpc_frame_begin(&h));
		gsize len;
		const guint8 *d = g_bytes_get_data(b, &len);

		g_byte_array_append(all, d, (guint)len);
	}
	for (guint off = 0; off < all->len; off += 3)
		test_conn_send_raw(&t, all->data + off, MIN(3u, all->len - off));
	for (guint32 i = 0; i < 5; i++) {
		g_autoptr(GByteArray) payload = NULL;

		g_assert_true(test_conn_read(&t, &hdr, &payload));
		g_assert_cmpuint(hdr.serial, ==, i);
		g_assert_cmpint(hdr.status, ==, RPC_STATUS_OK);
	}
	g_byte_array_unref(all);
	test_conn_close(&t);
	rpc_server_free(server);
}

static void test_admin(void)
{
	RpcServer *server = new_server();
	TestConn t;
	RpcHeader hdr;
	g_autoptr(GByteArray) payload = NULL;
	g_autoptr(GByteArray) args = g_byte_array_new();
	GBytes *b;
	gsize len;
	const void *data;

	test_conn_open(&t, server, RPC_SOCKET_ADMIN);
	xdr_put_u32(args, 0);
	b = packet(RPC_ADMIN_PROGRAM, 1, 1, RPC_TYPE_CALL, 0, args);
	data = g_bytes_get_data(b, &len);
	test_conn_send_raw(&t, data, len);
	g_bytes_unref(b);
	g_assert_true(test_conn_read(&t, &hdr, &payload));
	/* the test runs as the daemon's own user, who may use the admin socket */
	g_assert_cmpint(hdr.status, ==, RPC_STATUS_OK);
	g_clear_pointer(&payload, g_byte_array_unref);
	b = packet(RPC_ADMIN_PROGRAM, 1, 5, RPC_TYPE_CALL, 0, NULL);
	data = g_bytes_get_data(b, &len);
	test_conn_send_raw(&t, data, len);
	g_bytes_unref(b);
	g_assert_true(test_conn_read(&t, &hdr, &payload));
	g_assert_cmpint(hdr.status, ==, RPC_STATUS_ERROR);
	{
		g_autofree char *msg = NULL;

		g_assert_cmpint(test_error_code(payload, &msg), ==, VIR_ERR_RPC);
	}
	test_conn_close(&t);
	rpc_server_free(server);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/dispatch/handshake", test_handshake);
	g_test_add_func("/dispatch/unknown-procedure", test_unknown_procedure);
	g_test_add_func("/dispatch/readonly", test_readonly);
	g_test_add_func("/dispatch/no-acrnd", test_no_acrnd);
	g_test_add_func("/dispatch/keepalive", test_keepalive);
	g_test_add_func("/dispatch/unknown-program", test_unknown_program);
	g_test_add_func("/dispatch/malformed", test_malformed);
	g_test_add_func("/dispatch/pipelined", test_pipelined);
	g_test_add_func("/dispatch/admin", test_admin);
	return g_test_run();
}
