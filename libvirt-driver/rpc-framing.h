/* Packet framing of libvirt's RPC: a 4-byte big-endian length that counts
 * itself, a 24-byte header, then the XDR payload. */
#pragma once

#include <glib.h>

#include "rpc-protocol.h"

typedef struct {
	guint32 prog;
	guint32 vers;
	gint32 proc;
	gint32 type;
	guint32 serial;
	gint32 status;
} RpcHeader;

/* Validates the length word of an incoming packet (first 4 bytes).  Returns
 * FALSE with *why set when it is outside 28..max bytes. */
gboolean rpc_frame_length_valid(guint32 length, guint32 max, const char **why);
guint32 rpc_frame_read_length(const guint8 *p);

/* Decodes the header of a complete packet (length word included) and points
 * payload/payload_len at the rest.  FALSE when the packet is too short. */
gboolean rpc_frame_parse(const guint8 *packet, gsize len, RpcHeader *hdr, const guint8 **payload,
			 gsize *payload_len, const char **why);

/* Starts a packet: reserves the length word and writes the header. */
GByteArray *rpc_frame_begin(const RpcHeader *hdr);
/* Patches the length word; returns the packet as GBytes (frees `w`). */
GBytes *rpc_frame_finish(GByteArray *w);
