/* XDR (RFC 4506) encoding and strictly bounded decoding of the types
 * libvirt's RPC uses.  The reader never reads past its buffer: the first
 * failure latches `failed`, later reads return zero values, and the caller
 * checks xdr_reader_ok() once after decoding a whole structure. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct {
	const guint8 *data;
	gsize len;
	gsize pos;
	gboolean failed;
	const char *why; /* first failure, for the log */
} XdrReader;

void xdr_reader_init(XdrReader *r, const guint8 *data, gsize len);
gboolean xdr_reader_ok(const XdrReader *r);
/* TRUE when decoding succeeded and consumed the whole buffer. */
gboolean xdr_reader_done(XdrReader *r);
void xdr_reader_fail(XdrReader *r, const char *why);

guint32 xdr_get_u32(XdrReader *r);
gint32 xdr_get_i32(XdrReader *r);
guint64 xdr_get_u64(XdrReader *r);
gint64 xdr_get_i64(XdrReader *r);
/* A 4-byte XDR bool: anything but 0/1 is a decoding error. */
gboolean xdr_get_bool(XdrReader *r);
/* string<max>: returns a newly allocated NUL-terminated copy; embedded NULs fail. */
char *xdr_get_string(XdrReader *r, guint32 max);
/* remote_string: optional string (bool + string); NULL when absent. */
char *xdr_get_opt_string(XdrReader *r, guint32 max);
/* opaque[n] (fixed length, padded). */
void xdr_get_fixed_opaque(XdrReader *r, guint8 *out, gsize n);
/* An array count, failing when above max or when the remaining bytes cannot
 * hold count elements of at least min_elem_size bytes each. */
guint32 xdr_get_count(XdrReader *r, guint32 max, gsize min_elem_size);

void xdr_put_u32(GByteArray *w, guint32 v);
void xdr_put_i32(GByteArray *w, gint32 v);
void xdr_put_u64(GByteArray *w, guint64 v);
void xdr_put_i64(GByteArray *w, gint64 v);
void xdr_put_string(GByteArray *w, const char *s);
void xdr_put_opt_string(GByteArray *w, const char *s);
void xdr_put_opaque(GByteArray *w, const void *data, gsize len);
void xdr_put_fixed_opaque(GByteArray *w, const void *data, gsize len);
/* rpcgen's `char x[n]`/`char x<n>` element: every char is a 4-byte int. */
void xdr_put_char_array_fixed(GByteArray *w, const char *s, gsize n);
void xdr_put_char_array_var(GByteArray *w, const char *s);
void xdr_put_double(GByteArray *w, double v);
