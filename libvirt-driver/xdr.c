#include "xdr.h"

#include <string.h>

void xdr_reader_init(XdrReader *r, const guint8 *data, gsize len)
{
	r->data = data;
	r->len = len;
	r->pos = 0;
	r->failed = FALSE;
	r->why = NULL;
}

gboolean xdr_reader_ok(const XdrReader *r)
{
	return !r->failed;
}

gboolean xdr_reader_done(XdrReader *r)
{
	if (!r->failed && r->pos != r->len)
		xdr_reader_fail(r, "trailing bytes after the arguments");
	return !r->failed;
}

void xdr_reader_fail(XdrReader *r, const char *why)
{
	if (!r->failed) {
		r->failed = TRUE;
		r->why = why;
	}
}

static const guint8 *take(XdrReader *r, gsize n)
{
	const guint8 *p;

	if (r->failed)
		return NULL;
	if (n > r->len - r->pos) {
		xdr_reader_fail(r, "truncated XDR data");
		return NULL;
	}
	p = r->data + r->pos;
	r->pos += n;
	return p;
}

static gsize padded(gsize n)
{
	return (n + 3) & ~(gsize)3;
}

guint32 xdr_get_u32(XdrReader *r)
{
	const guint8 *p = take(r, 4);

	if (!p)
		return 0;
	return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

gint32 xdr_get_i32(XdrReader *r)
{
	return (gint32)xdr_get_u32(r);
}

guint64 xdr_get_u64(XdrReader *r)
{
	guint64 hi = xdr_get_u32(r);

	return hi << 32 | xdr_get_u32(r);
}

gint64 xdr_get_i64(XdrReader *r)
{
	return (gint64)xdr_get_u64(r);
}

gboolean xdr_get_bool(XdrReader *r)
{
	guint32 v = xdr_get_u32(r);

	if (v > 1)
		xdr_reader_fail(r, "XDR bool is neither 0 nor 1");
	return v == 1;
}

char *xdr_get_string(XdrReader *r, guint32 max)
{
	guint32 len = xdr_get_u32(r);
	const guint8 *p;

	if (r->failed)
		return NULL;
	if (len > max) {
		xdr_reader_fail(r, "string longer than the protocol limit");
		return NULL;
	}
	p = take(r, padded(len));
	if (!p)
		return NULL;
	if (memchr(p, 0, len)) {
		xdr_reader_fail(r, "string contains a NUL byte");
		return NULL;
	}
	return g_strndup((const char *)p, len);
}

char *xdr_get_opt_string(XdrReader *r, guint32 max)
{
	if (!xdr_get_bool(r))
		return NULL;
	return xdr_get_string(r, max);
}

void xdr_get_fixed_opaque(XdrReader *r, guint8 *out, gsize n)
{
	const guint8 *p = take(r, padded(n));

	if (p)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

guint32 xdr_get_count(XdrReader *r, guint32 max, gsize min_elem_size)
{
	guint32 count = xdr_get_u32(r);

	if (r->failed)
		return 0;
	if (count > max) {
		xdr_reader_fail(r, "array count above the protocol limit");
		return 0;
	}
	if (min_elem_size && (guint64)count * min_elem_size > r->len - r->pos) {
		xdr_reader_fail(r, "array count larger than the remaining data");
		return 0;
	}
	return count;
}

void xdr_put_u32(GByteArray *w, guint32 v)
{
	guint8 b[4] = {v >> 24, v >> 16, v >> 8, v};

	g_byte_array_append(w, b, 4);
}

void xdr_put_i32(GByteArray *w, gint32 v)
{
	xdr_put_u32(w, (guint32)v);
}

void xdr_put_u64(GByteArray *w, guint64 v)
{
	xdr_put_u32(w, (guint32)(v >> 32));
	xdr_put_u32(w, (guint32)v);
}

void xdr_put_i64(GByteArray *w, gint64 v)
{
	xdr_put_u64(w, (guint64)v);
}

void xdr_put_fixed_opaque(GByteArray *w, const void *data, gsize len)
{
	static const guint8 zeros[4];

	g_byte_array_append(w, data, len);
	g_byte_array_append(w, zeros, padded(len) - len);
}

void xdr_put_opaque(GByteArray *w, const void *data, gsize len)
{
	xdr_put_u32(w, (guint32)len);
	xdr_put_fixed_opaque(w, data, len);
}

void xdr_put_string(GByteArray *w, const char *s)
{
	xdr_put_opaque(w, s ? s : "", s ? strlen(s) : 0);
}

void xdr_put_opt_string(GByteArray *w, const char *s)
{
	xdr_put_u32(w, s != NULL);
	if (s)
		xdr_put_string(w, s);
}

void xdr_put_char_array_fixed(GByteArray *w, const char *s, gsize n)
{
	gsize len = strnlen(s, n);

	for (gsize i = 0; i < n; i++)
		xdr_put_i32(w, i < len ? (gint32)(signed char)s[i] : 0);
}

void xdr_put_char_array_var(GByteArray *w, const char *s)
{
	gsize len = strlen(s) + 1; /* libvirtd sends the terminating NUL */

	xdr_put_u32(w, (guint32)len);
	for (gsize i = 0; i < len; i++)
		xdr_put_i32(w, (gint32)(signed char)s[i]);
}

void xdr_put_double(GByteArray *w, double v)
{
	guint64 bits;

	G_STATIC_ASSERT(sizeof(bits) == sizeof(v));
	memcpy(&bits, &v, sizeof(bits));
	xdr_put_u64(w, bits);
}
