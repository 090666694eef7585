#include "rpc-framing.h"

#include "xdr.h"

gboolean rpc_frame_length_valid(guint32 length, guint32 max, const char **why)
{
	if (length < RPC_LEN_SIZE + RPC_HEADER_SIZE) {
		*why = "packet length shorter than the header";
		return FALSE;
	}
	if (length > max) {
		*why = "packet length above the protocol maximum";
		return FALSE;
	}
	return TRUE;
}

guint32 rpc_frame_read_length(const guint8 *p)
{
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

gboolean rpc_frame_parse(const guint8 *packet, gsize len, RpcHeader *hdr, const guint8 **payload,
			 gsize *payload_len, const char **why)
{
	XdrReader r;

	if (len < RPC_LEN_SIZE + RPC_HEADER_SIZE || rpc_frame_read_length(packet) != len) {
		*why = "packet length does not match its length word";
		return FALSE;
	}
	xdr_reader_init(&r, packet + RPC_LEN_SIZE, RPC_HEADER_SIZE);
	hdr->prog = xdr_get_u32(&r);
	hdr->vers = xdr_get_u32(&r);
	hdr->proc = xdr_get_i32(&r);
	hdr->type = xdr_get_i32(&r);
	hdr->serial = xdr_get_u32(&r);
	hdr->status = xdr_get_i32(&r);
	*payload = packet + RPC_LEN_SIZE + RPC_HEADER_SIZE;
	*payload_len = len - RPC_LEN_SIZE - RPC_HEADER_SIZE;
	return TRUE;
}

GByteArray *rpc_frame_begin(const RpcHeader *hdr)
{
	GByteArray *w = g_byte_array_sized_new(64);

	xdr_put_u32(w, 0); /* length, patched by rpc_frame_finish() */
	xdr_put_u32(w, hdr->prog);
	xdr_put_u32(w, hdr->vers);
	xdr_put_i32(w, hdr->proc);
	xdr_put_i32(w, hdr->type);
	xdr_put_u32(w, hdr->serial);
	xdr_put_i32(w, hdr->status);
	return w;
}

GBytes *rpc_frame_finish(GByteArray *w)
{
	guint32 len = w->len;

	w->data[0] = len >> 24;
	w->data[1] = len >> 16;
	w->data[2] = len >> 8;
	w->data[3] = len;
	return g_byte_array_free_to_bytes(w);
}
