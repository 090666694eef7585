/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Page allocator: a pool of 4 KiB pages with a bitmap, so every page can
 * be given back (VMs come and go; their EPT, bitmaps and VMCS return to the
 * pool).  The pool logic is pure and host-tested; the hypervisor's own pool
 * lives in its BSS.
 */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include "lib.h"
#include "x86.h"

#define PAGE_SIZE 4096
/*
 * The hypervisor's pool, in its image (BSS): 8 MiB, enough for the EPTs of
 * MAX_VMS User VMs of a few hundred MiB in scattered 4 KiB pages (a 256 MiB
 * guest needs about 130 table pages) plus VMCSs and bitmaps.  The image must
 * end below 16 MiB, where a flat Service VM kernel is loaded.
 */
#define HV_POOL_PAGES 2048

struct page_pool {
	u8 *base;
	u32 nr_pages;
	u32 nr_free;
	u32 hint;  /* where the next search starts */
	u64 *used; /* bitmap, 1 = allocated */
	struct spinlock lock;
};

/* @base: @nr_pages page-aligned pages; @used: (nr_pages + 63) / 64 words. */
void page_pool_init(struct page_pool *p, void *base, u32 nr_pages, u64 *used);
/* A zeroed page, or NULL when the pool is empty. */
void *page_pool_alloc(struct page_pool *p);
/* -EINVAL: not a page of this pool; -ENOENT: not allocated (double free). */
int page_pool_free(struct page_pool *p, void *page);
u32 page_pool_free_count(const struct page_pool *p);

/* The hypervisor's pool (pgtable callbacks: @ctx is unused). */
void *alloc_page(void *ctx);
void free_page(void *ctx, void *page);
u32 hv_free_pages(void);
/* The pool's size in pages. */
u32 hv_pool_pages(void);

#endif
