/* Split virtqueues; see virtqueue.h. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "virtqueue.h"

typedef struct {
	guint64 addr;
	guint32 len;
	guint16 flags, next;
} Desc;

void dm_vq_reset(DmVirtqueue *vq)
{
	memset(vq, 0, sizeof(*vq));
	vq->msix_vector = 0xFFFF;
}

static gboolean bad(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean bad(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *m = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, m);
	return FALSE;
}

static guint16 load16(const guint8 *p)
{
	guint16 v;

	memcpy(&v, p, 2);
	return GUINT16_FROM_LE(v);
}

static void read_desc(const guint8 *table, guint i, Desc *d)
{
	const guint8 *p = table + 16 * (gsize)i;
	guint64 a;
	guint32 l;

	memcpy(&a, p, 8);
	memcpy(&l, p + 8, 4);
	d->addr = GUINT64_FROM_LE(a);
	d->len = GUINT32_FROM_LE(l);
	d->flags = load16(p + 12);
	d->next = load16(p + 14);
}

static gboolean add_iov(DmVqChain *c, const DmGuestMem *mem, const Desc *d, GError **error)
{
	gboolean write = d->flags & VIRTQ_DESC_F_WRITE;
	guint8 *p;

	if (c->n_out + c->n_in >= DM_VQ_MAX_CHAIN)
		return bad(error, "descriptor chain longer than %d", DM_VQ_MAX_CHAIN);
	if (!write && c->n_in)
		return bad(error, "readable descriptor after a writable one");
	if ((guint64)d->len + c->out_bytes + c->in_bytes > DM_VQ_MAX_BYTES)
		return bad(error, "descriptor chain larger than %u bytes", DM_VQ_MAX_BYTES);
	p = dm_guest_mem_ptr(mem, d->addr, d->len);
	if (!p)
		return bad(error, "descriptor 0x%" G_GINT64_MODIFIER "x+%u is outside guest RAM",
			   d->addr, d->len);
	c->iov[c->n_out + c->n_in] = (DmIov){p, d->len};
	if (write) {
		c->n_in++;
		c->in_bytes += d->len;
	} else {
		c->n_out++;
		c->out_bytes += d->len;
	}
	return TRUE;
}

/* Walks a chain in a descriptor table of @n entries.  Every step must be
 * a new descriptor, so more than @n steps means a loop. */
static gboolean walk(DmVqChain *c, const DmGuestMem *mem, const guint8 *table, guint n,
		     guint16 first, gboolean indirect, GError **error)
{
	guint16 i = first;

	for (guint steps = 0;; steps++) {
		Desc d;

		if (steps >= n)
			return bad(error, "descriptor chain loops");
		if (i >= n)
			return bad(error, "descriptor index %u out of a table of %u", i, n);
		read_desc(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			const guint8 *sub;

			if (indirect)
				return bad(error, "nested indirect descriptor table");
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return bad(error, "indirect descriptor with NEXT set");
			if (d.len == 0 || d.len % 16 || d.len / 16 > DM_VQ_MAX_CHAIN)
				return bad(error, "indirect table of %u bytes", d.len);
			sub = dm_guest_mem_ptr(mem, d.addr, d.len);
			if (!sub)
				return bad(error, "indirect table outside guest RAM");
			return walk(c, mem, sub, d.len / 16, 0, TRUE, error);
		}
		if (!add_iov(c, mem, &d, error))
			return FALSE;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return TRUE;
		i = d.next;
	}
}

int dm_vq_pop(DmVirtqueue *vq, const DmGuestMem *mem, DmVqChain *c, GError **error)
{
	const guint8 *avail, *table;
	guint16 avail_idx, head;

	if (!vq->enabled || !vq->size)
		return 0;
	avail = dm_guest_mem_ptr(mem, vq->avail, 4 + 2 * (guint64)vq->size);
	table = dm_guest_mem_ptr(mem, vq->desc, 16 * (guint64)vq->size);
	if (!avail || !table)
		return bad(error, "virtqueue rings outside guest RAM") ? 0 : -1;
	avail_idx = load16(avail + 2);
	/* Read the ring entries only after the index (pairs with the
	 * driver's write barrier). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if ((guint16)(avail_idx - vq->last_avail) > vq->size)
		return bad(error, "available index moved by more than the queue size") ? 0 : -1;
	if (avail_idx == vq->last_avail)
		return 0;
	head = load16(avail + 4 + 2 * (vq->last_avail % vq->size));
	memset(c, 0, offsetof(DmVqChain, iov));
	c->head = head;
	if (!walk(c, mem, table, vq->size, head, FALSE, error))
		return -1;
	vq->last_avail++;
	return 1;
}

gboolean dm_vq_push(DmVirtqueue *vq, const DmGuestMem *mem, guint16 head, guint32 written,
		    GError **error)
{
	guint8 *used = dm_guest_mem_ptr(mem, vq->used, 4 + 8 * (guint64)vq->size);
	guint8 *e;
	guint32 id = GUINT32_TO_LE(head), len = GUINT32_TO_LE(written);
	guint16 idx;

	if (!used)
		return bad(error, "used ring outside guest RAM");
	e = used + 4 + 8 * (vq->used_idx % vq->size);
	memcpy(e, &id, 4);
	memcpy(e + 4, &len, 4);
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	idx = GUINT16_TO_LE(vq->used_idx);
	memcpy(used + 2, &idx, 2);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return TRUE;
}

gboolean dm_vq_wants_interrupt(const DmVirtqueue *vq, const DmGuestMem *mem)
{
	const guint8 *avail = dm_guest_mem_ptr(mem, vq->avail, 2);

	return !avail || !(load16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

gsize dm_vq_chain_read(const DmVqChain *c, guint64 offset, void *dst, gsize len)
{
	gsize done = 0;

	for (guint i = 0; i < c->n_out && done < len; i++) {
		const DmIov *v = &c->iov[i];
		gsize n;

		if (offset >= v->len) {
			offset -= v->len;
			continue;
		}
		n = MIN(len - done, v->len - offset);
		memcpy((guint8 *)dst + done, v->base + offset, n);
		done += n;
		offset = 0;
	}
	return done;
}

gsize dm_vq_chain_write(const DmVqChain *c, guint64 offset, const void *src, gsize len)
{
	gsize done = 0;

	for (guint i = c->n_out; i < c->n_out + c->n_in && done < len; i++) {
		const DmIov *v = &c->iov[i];
		gsize n;

		if (offset >= v->len) {
			offset -= v->len;
			continue;
		}
		n = MIN(len - done, v->len - offset);
		memcpy(v->base + offset, (const guint8 *)src + done, n);
		done += n;
		offset = 0;
	}
	return done;
}
