// SPDX-License-Identifier: BSD-3-Clause
/* Page allocator over a fixed pool with a bitmap (pure; host-tested). */
#include "page_alloc.h"
#include "log.h"

void page_pool_init(struct page_pool *p, void *base, u32 nr_pages, u64 *used)
{
	p->base = base;
	p->nr_pages = nr_pages;
	p->nr_free = nr_pages;
	p->hint = 0;
	p->used = used;
	memset(used, 0, ((nr_pages + 63) / 64) * sizeof(u64));
	p->lock.locked = 0;
}

void *page_pool_alloc(struct page_pool *p)
{
	void *page = NULL;
	u32 n, i;

	spin_lock(&p->lock);
	for (n = 0; n < p->nr_pages && p->nr_free; n++) {
		i = (p->hint + n) % p->nr_pages;
		if (!(p->used[i / 64] & (1ULL << (i % 64)))) {
			p->used[i / 64] |= 1ULL << (i % 64);
			p->nr_free--;
			p->hint = (i + 1) % p->nr_pages;
			page = p->base + (u64)i * PAGE_SIZE;
			break;
		}
	}
	spin_unlock(&p->lock);
	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

int page_pool_free(struct page_pool *p, void *page)
{
	u8 *pg = page;
	u64 off;
	u32 i;
	int ret = 0;

	if (pg < p->base || (off = (u64)(pg - p->base)) % PAGE_SIZE ||
	    off / PAGE_SIZE >= p->nr_pages)
		return -HV_EINVAL;
	i = (u32)(off / PAGE_SIZE);
	spin_lock(&p->lock);
	if (!(p->used[i / 64] & (1ULL << (i % 64)))) {
		ret = -HV_ENOENT;
	} else {
		p->used[i / 64] &= ~(1ULL << (i % 64));
		p->nr_free++;
	}
	spin_unlock(&p->lock);
	return ret;
}

u32 page_pool_free_count(const struct page_pool *p)
{
	return __atomic_load_n(&p->nr_free, __ATOMIC_RELAXED);
}

static u8 hv_pool_mem[HV_POOL_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u64 hv_pool_used[(HV_POOL_PAGES + 63) / 64];
static struct page_pool hv_pool;
static bool hv_pool_ready;

static struct page_pool *pool(void)
{
	/* the BSP allocates first, before any AP runs */
	if (!hv_pool_ready) {
		page_pool_init(&hv_pool, hv_pool_mem, HV_POOL_PAGES, hv_pool_used);
		hv_pool_ready = true;
	}
	return &hv_pool;
}

void *alloc_page(void *ctx)
{
	(void)ctx;
	return page_pool_alloc(pool());
}

void free_page(void *ctx, void *page)
{
	int ret;

	(void)ctx;
	if (!page)
		return;
	ret = page_pool_free(pool(), page);
	if (ret)
		pr_err("free_page(%p): %s\n", page,
		       ret == -HV_ENOENT ? "double free" : "not a pool page");
}

u32 hv_free_pages(void)
{
	return page_pool_free_count(pool());
}

u32 hv_pool_pages(void)
{
	return HV_POOL_PAGES;
}
