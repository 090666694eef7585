/* Bounded mutation fuzzer for the packet decoder: valid packets of every
 * implemented procedure are mutated and fed through the real connection
 * code (framing, header checks, argument decoding, dispatch) of a server
 * without acrnd.  It must never crash, hang or trip a sanitizer; a dropped
 * connection is the expected outcome for malformed input.
 *
 *   fuzz-packet [SECONDS [SEED]]
 *
 * Built with -DFUZZ_LIBFUZZER it instead provides LLVMFuzzerTestOneInput
 * for clang's libFuzzer. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "rpc-protocol.h"
#include "rpc-server.h"
#include "xdr.h"

static RpcServer *server;

static void init_server(void)
{
	RpcServerConfig config = {.hv_version = 8002000, .lib_version = 9000000};

	if (!server)
		server = rpc_server_new(&config, NULL);
}

static void feed(const guint8 *data, gsize len, gboolean open_first)
{
	RpcClient *client = rpc_server_adopt(server, -1, RPC_SOCKET_RW);

	client->authorized = TRUE;
	client->opened = open_first;
	rpc_client_feed(client, data, len);
	if (!client->dead)
		rpc_client_close(client, NULL);
	/* free closed clients */
	while (g_main_context_iteration(NULL, FALSE))
		;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const guint8 *data, size_t len);
int LLVMFuzzerTestOneInput(const guint8 *data, size_t len)
{
	init_server();
	feed(data, len, len > 0 && (data[0] & 1));
	return 0;
}
#else

static void add_packet(GPtrArray *seeds, guint32 prog, int proc, int type, const GByteArray *args)
{
	RpcHeader hdr = {prog, 1, proc, type, 1, 0};
	GByteArray *w = rpc_frame_begin(&hdr);

	if (args)
		g_byte_array_append(w, args->data, args->len);
	g_ptr_array_add(seeds, rpc_frame_finish(w));
}

static void put_dom(GByteArray *a)
{
	static const guint8 uuid[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

	xdr_put_string(a, "vm1");
	xdr_put_fixed_opaque(a, uuid, 16);
	xdr_put_i32(a, -1);
}

static GPtrArray *make_seeds(void)
{
	GPtrArray *seeds = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_autoptr(GByteArray) a = g_byte_array_new();

	for (int proc = 1; proc < 450; proc++) {
		const RpcProcedure *p = dispatch_lookup(proc);

		if (!p)
			continue;
		/* generic shapes: none, dom, dom+flags, string, string+flags, ints */
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, NULL);
		g_byte_array_set_size(a, 0);
		put_dom(a);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		xdr_put_u32(a, 0);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		g_byte_array_set_size(a, 0);
		xdr_put_opt_string(a, "acrn:///system");
		xdr_put_u32(a, 0);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		g_byte_array_set_size(a, 0);
		xdr_put_string(a, "<domain type='kvm'><name>a</name><devices><graphics/>"
				  "</devices></domain>");
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		xdr_put_u32(a, 1);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		g_byte_array_set_size(a, 0);
		xdr_put_i32(a, 1);
		xdr_put_i32(a, 3);
		xdr_put_u32(a, 0);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		g_byte_array_set_size(a, 0);
		xdr_put_i32(a, 0);
		xdr_put_u32(a, 1);
		put_dom(a);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_CALL, a);
		add_packet(seeds, RPC_REMOTE_PROGRAM, proc, RPC_TYPE_STREAM, a);
	}
	add_packet(seeds, RPC_KEEPALIVE_PROGRAM, 1, RPC_TYPE_MESSAGE, NULL);
	add_packet(seeds, RPC_ADMIN_PROGRAM, 1, RPC_TYPE_CALL, NULL);
	return seeds;
}

static GByteArray *mutate(GRand *rng, GPtrArray *seeds)
{
	GBytes *seed = seeds->pdata[g_rand_int_range(rng, 0, (gint32)seeds->len)];
	gsize len;
	const guint8 *d = g_bytes_get_data(seed, &len);
	GByteArray *m = g_byte_array_new();
	int rounds = g_rand_int_range(rng, 1, 8);

	g_byte_array_append(m, d, (guint)len);
	for (int i = 0; i < rounds; i++) {
		guint pos = m->len ? (guint)g_rand_int_range(rng, 0, (gint32)m->len) : 0;

		switch (g_rand_int_range(rng, 0, 8)) {
		case 0: /* flip a bit */
			if (m->len)
				m->data[pos] ^= (guint8)(1u << g_rand_int_range(rng, 0, 8));
			break;
		case 1: /* interesting 32-bit value at an aligned offset */
			if (m->len >= 4) {
				static const guint32 vals[] = {
				    0,		1,     2,     0x7fffffff, 0x80000000, 0xffffffff,
				    0xfffffff0, 16384, 16385, 4194304,	  33554432};
				guint32 v = vals[g_rand_int_range(rng, 0, G_N_ELEMENTS(vals))];
				guint off = (pos & ~3u) <= m->len - 4 ? pos & ~3u : m->len - 4;

				m->data[off] = v >> 24;
				m->data[off + 1] = v >> 16;
				m->data[off + 2] = v >> 8;
				m->data[off + 3] = v;
			}
			break;
		case 2: /* truncate */
			g_byte_array_set_size(m, pos);
			break;
		case 3: /* insert random bytes */
		{
			guint8 buf[16];
			int n = g_rand_int_range(rng, 1, 16);

			for (int k = 0; k < n; k++)
				buf[k] = (guint8)g_rand_int(rng);
			g_byte_array_set_size(m, m->len + (guint)n);
			memmove(m->data + pos + n, m->data + pos, m->len - (guint)n - pos);
			memcpy(m->data + pos, buf, (gsize)n);
			break;
		}
		case 4: /* fix the length word so the header checks pass */
			if (m->len >= 4) {
				m->data[0] = (guint8)(m->len >> 24);
				m->data[1] = (guint8)(m->len >> 16);
				m->data[2] = (guint8)(m->len >> 8);
				m->data[3] = (guint8)m->len;
			}
			break;
		case 5: /* splice another seed after this one (pipelining) */
		{
			GBytes *o = seeds->pdata[g_rand_int_range(rng, 0, (gint32)seeds->len)];
			gsize olen;
			const guint8 *od = g_bytes_get_data(o, &olen);

			g_byte_array_append(m, od, (guint)olen);
			break;
		}
		case 6: /* random byte */
			if (m->len)
				m->data[pos] = (guint8)g_rand_int(rng);
			break;
		default: /* delete a range */
		{
			guint n = (guint)g_rand_int_range(rng, 1, 9);

			if (m->len)
				g_byte_array_remove_range(m, pos, MIN(m->len - pos, n));
			break;
		}
		}
	}
	return m;
}

static GLogWriterOutput quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
				     gpointer data)
{
	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return g_log_writer_default(level, fields, n_fields, data);
	return G_LOG_WRITER_HANDLED;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 10.0;
	guint32 seed = argc > 2 ? (guint32)strtoul(argv[2], NULL, 0) : (guint32)g_random_int();
	g_autoptr(GPtrArray) seeds = NULL;
	g_autoptr(GRand) rng = g_rand_new_with_seed(seed);
	gint64 end = g_get_monotonic_time() + (gint64)(seconds * G_USEC_PER_SEC);
	guint64 runs = 0;

	/* The server logs every dropped connection; only keep serious ones. */
	g_log_set_writer_func(quiet_writer, NULL, NULL);
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
	init_server();
	seeds = make_seeds();
	printf("fuzz-packet: seed %u, %u seed packets, %.1f s\n", seed, seeds->len, seconds);
	fflush(stdout);
	while (g_get_monotonic_time() < end) {
		for (int i = 0; i < 64; i++) {
			g_autoptr(GByteArray) m = mutate(rng, seeds);

			feed(m->data, m->len, g_rand_boolean(rng));
			runs++;
		}
	}
	printf("fuzz-packet: %" G_GUINT64_FORMAT " inputs, no crash\n", runs);
	g_assert_cmpuint(rpc_server_n_clients(server), ==, 0);
	rpc_server_free(server);
	return 0;
}
#endif
