/* XDR encoding and the strictly bounded decoder. */
#include "config.h"

#include <string.h>

#include "rpc-framing.h"
#include "xdr.h"

static void test_roundtrip(void)
{
	g_autoptr(GByteArray) w = g_byte_array_new();
	guint8 uuid[16], out[16];
	XdrReader r;
	g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL;

	for (int i = 0; i < 16; i++)
		uuid[i] = (guint8)(i * 17);
	xdr_put_u32(w, 0xdeadbeef);
	xdr_put_i32(w, -1);
	xdr_put_u64(w, G_GUINT64_CONSTANT(0x0102030405060708));
	xdr_put_string(w, "abcde");
	xdr_put_opt_string(w, NULL);
	xdr_put_opt_string(w, "acrn:///system");
	xdr_put_fixed_opaque(w, uuid, 16);
	/* "abcde" is padded to 8 bytes */
	g_assert_cmpuint(w->len, ==, 4 + 4 + 8 + 4 + 8 + 4 + 4 + 4 + 16 + 16);

	xdr_reader_init(&r, w->data, w->len);
	g_assert_cmpuint(xdr_get_u32(&r), ==, 0xdeadbeef);
	g_assert_cmpint(xdr_get_i32(&r), ==, -1);
	g_assert_cmpuint(xdr_get_u64(&r), ==, G_GUINT64_CONSTANT(0x0102030405060708));
	s1 = xdr_get_string(&r, 100);
	s2 = xdr_get_opt_string(&r, 100);
	s3 = xdr_get_opt_string(&r, 100);
	xdr_get_fixed_opaque(&r, out, 16);
	g_assert_true(xdr_reader_done(&r));
	g_assert_cmpstr(s1, ==, "abcde");
	g_assert_null(s2);
	g_assert_cmpstr(s3, ==, "acrn:///system");
	g_assert_cmpmem(out, 16, uuid, 16);
}

static void test_captured_connect_open(void)
{
	/* CONNECT_OPEN args as captured from virsh */
	static const guint8 raw[] = {0,	  0,   0,   1,	 0,   0,   0,	0x0e, 'a', 'c',
				     'r', 'n', ':', '/', '/', '/', 's', 'y',  's', 't',
				     'e', 'm', 0,   0,	 0,   0,   0,	0};
	g_autoptr(GByteArray) w = g_byte_array_new();
	XdrReader r;
	g_autofree char *name = NULL;

	xdr_put_opt_string(w, "acrn:///system");
	xdr_put_u32(w, 0);
	g_assert_cmpmem(w->data, w->len, raw, sizeof(raw));
	xdr_reader_init(&r, raw, sizeof(raw));
	name = xdr_get_opt_string(&r, 1000);
	g_assert_cmpuint(xdr_get_u32(&r), ==, 0);
	g_assert_true(xdr_reader_done(&r));
	g_assert_cmpstr(name, ==, "acrn:///system");
}

static void test_bounds(void)
{
	g_autoptr(GByteArray) w = g_byte_array_new();
	XdrReader r;
	char *s;

	/* truncated integer */
	xdr_reader_init(&r, (const guint8 *)"\0\0\0", 3);
	g_assert_cmpuint(xdr_get_u32(&r), ==, 0);
	g_assert_false(xdr_reader_ok(&r));
	/* failure latches: later reads return zero */
	g_assert_cmpuint(xdr_get_u32(&r), ==, 0);
	g_assert_false(xdr_reader_ok(&r));

	/* string above its limit */
	xdr_put_string(w, "0123456789");
	xdr_reader_init(&r, w->data, w->len);
	s = xdr_get_string(&r, 9);
	g_assert_null(s);
	g_assert_false(xdr_reader_ok(&r));

	/* string length beyond the buffer */
	g_byte_array_set_size(w, 0);
	xdr_put_u32(w, 1000);
	xdr_reader_init(&r, w->data, w->len);
	g_assert_null(xdr_get_string(&r, 4096));
	g_assert_false(xdr_reader_ok(&r));

	/* embedded NUL */
	g_byte_array_set_size(w, 0);
	xdr_put_opaque(w, "a\0b", 3);
	xdr_reader_init(&r, w->data, w->len);
	g_assert_null(xdr_get_string(&r, 4096));
	g_assert_false(xdr_reader_ok(&r));

	/* array count above its limit and above what the data can hold */
	g_byte_array_set_size(w, 0);
	xdr_put_u32(w, 21);
	xdr_reader_init(&r, w->data, w->len);
	g_assert_cmpuint(xdr_get_count(&r, 20, 4), ==, 0);
	g_assert_false(xdr_reader_ok(&r));
	g_byte_array_set_size(w, 0);
	xdr_put_u32(w, 3);
	xdr_put_u32(w, 0);
	xdr_reader_init(&r, w->data, w->len);
	g_assert_cmpuint(xdr_get_count(&r, 20, 4), ==, 0);
	g_assert_false(xdr_reader_ok(&r));

	/* bool other than 0/1 */
	g_byte_array_set_size(w, 0);
	xdr_put_u32(w, 2);
	xdr_reader_init(&r, w->data, w->len);
	xdr_get_bool(&r);
	g_assert_false(xdr_reader_ok(&r));

	/* trailing bytes */
	g_byte_array_set_size(w, 0);
	xdr_put_u32(w, 1);
	xdr_put_u32(w, 2);
	xdr_reader_init(&r, w->data, w->len);
	xdr_get_u32(&r);
	g_assert_false(xdr_reader_done(&r));
}

static void test_char_arrays(void)
{
	g_autoptr(GByteArray) w = g_byte_array_new();

	/* rpcgen char[N]: N 4-byte ints */
	xdr_put_char_array_fixed(w, "x86_64", 32);
	g_assert_cmpuint(w->len, ==, 128);
	g_assert_cmpuint(w->data[3], ==, 'x');
	g_assert_cmpuint(w->data[7], ==, '8');
	g_assert_cmpuint(w->data[27], ==, 0);
	/* char<N>: count (with the NUL) + ints */
	g_byte_array_set_size(w, 0);
	xdr_put_char_array_var(w, "ab");
	g_assert_cmpuint(w->len, ==, 4 + 3 * 4);
	g_assert_cmpuint(w->data[3], ==, 3);
}

static void test_framing(void)
{
	RpcHeader hdr = {0x20008086, 1, 66, 0, 0, 0}, out;
	g_autoptr(GBytes) b = rpc_frame_finish(rpc_frame_begin(&hdr));
	/* AUTH_LIST call as captured: 28 bytes */
	static const guint8 captured[] = {0, 0,	   0, 0x1c, 0x20, 0, 0x80, 0x86, 0, 0, 0, 1, 0, 0,
					  0, 0x42, 0, 0,    0,	  0, 0,	   0,	 0, 0, 0, 0, 0, 0};
	gsize len;
	const guint8 *data = g_bytes_get_data(b, &len);
	const guint8 *payload;
	gsize plen;
	const char *why;

	g_assert_cmpmem(data, len, captured, sizeof(captured));
	g_assert_true(rpc_frame_parse(data, len, &out, &payload, &plen, &why));
	g_assert_cmpuint(out.prog, ==, 0x20008086);
	g_assert_cmpint(out.proc, ==, 66);
	g_assert_cmpuint(plen, ==, 0);
	g_assert_false(rpc_frame_length_valid(27, RPC_MESSAGE_MAX, &why));
	g_assert_true(rpc_frame_length_valid(28, RPC_MESSAGE_MAX, &why));
	g_assert_true(rpc_frame_length_valid(RPC_MESSAGE_MAX, RPC_MESSAGE_MAX, &why));
	g_assert_false(rpc_frame_length_valid(RPC_MESSAGE_MAX + 1, RPC_MESSAGE_MAX, &why));
	/* length word disagreeing with the buffer */
	g_assert_false(rpc_frame_parse(data, len - 1, &out, &payload, &plen, &why));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/xdr/roundtrip", test_roundtrip);
	g_test_add_func("/xdr/captured-connect-open", test_captured_connect_open);
	g_test_add_func("/xdr/bounds", test_bounds);
	g_test_add_func("/xdr/char-arrays", test_char_arrays);
	g_test_add_func("/xdr/framing", test_framing);
	return g_test_run();
}
