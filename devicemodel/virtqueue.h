/* Split virtqueues (virtio 1.x, 2.7): taking descriptor chains the guest
 * made available, validating every one, and returning them as used.
 *
 * The guest controls every byte of the rings, so nothing in them is
 * trusted: each descriptor address must lie in guest RAM, chains may not
 * loop or exceed DM_VQ_MAX_CHAIN descriptors or DM_VQ_MAX_BYTES, indirect
 * tables may not nest, and writable descriptors may not precede readable
 * ones.  A violation makes dm_vq_pop() fail; the device is then marked
 * broken (virtio "needs reset") and stops touching the queue. */
#pragma once

#include <glib.h>

#include "guest-mem.h"

G_BEGIN_DECLS

#define VIRTQ_DESC_F_NEXT	   1
#define VIRTQ_DESC_F_WRITE	   2
#define VIRTQ_DESC_F_INDIRECT	   4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define DM_VQ_MAX_SIZE	256
#define DM_VQ_MAX_CHAIN 512	    /* descriptors in one chain, indirect included */
#define DM_VQ_MAX_BYTES (64U << 20) /* bytes in one chain */

typedef struct {
	guint16 size; /* 0: not configured */
	gboolean enabled;
	guint64 desc, avail, used; /* guest-physical ring addresses */
	guint16 last_avail;	   /* next avail entry to take */
	guint16 used_idx;	   /* next used entry to fill */
	guint16 msix_vector;
} DmVirtqueue;

typedef struct {
	guint8 *base;
	guint32 len;
} DmIov;

typedef struct {
	guint16 head;
	guint n_out, n_in; /* readable, then writable iovs */
	guint64 out_bytes, in_bytes;
	DmIov iov[DM_VQ_MAX_CHAIN]; /* out iovs first, then in iovs */
} DmVqChain;

void dm_vq_reset(DmVirtqueue *vq);

/* 1: @chain holds the next available chain; 0: none available; -1: the
 * rings or the chain are malformed (@error says how). */
int dm_vq_pop(DmVirtqueue *vq, const DmGuestMem *mem, DmVqChain *chain, GError **error);
/* Returns a chain as used, @written bytes written into its in iovs. */
gboolean dm_vq_push(DmVirtqueue *vq, const DmGuestMem *mem, guint16 head, guint32 written,
		    GError **error);
/* Whether the driver wants an interrupt for used buffers. */
gboolean dm_vq_wants_interrupt(const DmVirtqueue *vq, const DmGuestMem *mem);

/* Gather/scatter over a chain's out (readable) or in (writable) iovs. */
gsize dm_vq_chain_read(const DmVqChain *c, guint64 offset, void *dst, gsize len);
gsize dm_vq_chain_write(const DmVqChain *c, guint64 offset, const void *src, gsize len);

G_END_DECLS
