// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the page allocator: every page can be allocated once, comes
 * back zeroed, can be freed and reused; double frees and foreign pointers
 * are refused; page tables built on it give every page back when destroyed.
 */
#include <glib.h>
#include <stdlib.h>
#include "page_alloc.h"
#include "pgtable.h"
#include "log.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

#define NR 70 /* more than one bitmap word, not a multiple of 64 */

static u8 *mem;
static u64 used[(NR + 63) / 64];
static struct page_pool pool;

static void setup(void)
{
	if (!mem)
		mem = aligned_alloc(PAGE_SIZE, NR * PAGE_SIZE);
	memset(mem, 0x5a, NR * PAGE_SIZE);
	page_pool_init(&pool, mem, NR, used);
}

static void test_exhaust_and_refill(void)
{
	void *pages[NR];
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	u32 i, j;

	setup();
	g_assert_cmpuint(page_pool_free_count(&pool), ==, NR);
	for (i = 0; i < NR; i++) {
		u8 *p = page_pool_alloc(&pool);

		g_assert_nonnull(p);
		g_assert_true(p >= mem && p < mem + NR * PAGE_SIZE);
		g_assert_cmpuint((uintptr_t)p % PAGE_SIZE, ==, 0);
		g_assert_false(g_hash_table_contains(seen, p));
		g_hash_table_add(seen, p);
		for (j = 0; j < PAGE_SIZE; j++)
			g_assert_cmpuint(p[j], ==, 0);
		memset(p, 0xee, PAGE_SIZE); /* dirty: must come back zeroed */
		pages[i] = p;
	}
	g_assert_cmpuint(page_pool_free_count(&pool), ==, 0);
	g_assert_null(page_pool_alloc(&pool));
	for (i = 0; i < NR; i += 2)
		g_assert_cmpint(page_pool_free(&pool, pages[i]), ==, 0);
	g_assert_cmpuint(page_pool_free_count(&pool), ==, NR / 2);
	for (i = 0; i < NR; i += 2) {
		u8 *p = page_pool_alloc(&pool);

		g_assert_nonnull(p);
		for (j = 0; j < PAGE_SIZE; j++)
			g_assert_cmpuint(p[j], ==, 0);
	}
	g_assert_null(page_pool_alloc(&pool));
	g_hash_table_destroy(seen);
}

static void test_bad_frees(void)
{
	u8 *p;

	setup();
	p = page_pool_alloc(&pool);
	g_assert_cmpint(page_pool_free(&pool, p + 8), ==, -HV_EINVAL);
	g_assert_cmpint(page_pool_free(&pool, mem + NR * PAGE_SIZE), ==, -HV_EINVAL);
	g_assert_cmpint(page_pool_free(&pool, mem - PAGE_SIZE), ==, -HV_EINVAL);
	g_assert_cmpint(page_pool_free(&pool, p), ==, 0);
	g_assert_cmpint(page_pool_free(&pool, p), ==, -HV_ENOENT);
	g_assert_cmpint(page_pool_free(&pool, mem + 5 * PAGE_SIZE), ==, -HV_ENOENT);
	g_assert_cmpuint(page_pool_free_count(&pool), ==, NR);
}

static void *test_alloc(void *ctx)
{
	return page_pool_alloc(ctx);
}

static void test_free(void *ctx, void *page)
{
	g_assert_cmpint(page_pool_free(ctx, page), ==, 0);
}

/* Map, split, replace and destroy: the pool ends where it started. */
static void test_pgtable_gives_back(void)
{
	struct pgtable pt = {
	    .present_mask = 7,
	    .table_flags = 7,
	    .allow_1g = true,
	    .alloc_page = test_alloc,
	    .free_page = test_free,
	    .ctx = &pool,
	};
	u32 round;

	setup();
	for (round = 0; round < 100; round++) {
		g_assert_cmpint(pt_init(&pt), ==, 0);
		/* 4 KiB pages at 1 MiB, 2 MiB pages above, a 1 GiB page */
		g_assert_cmpint(pt_map(&pt, 0x100000, 0x100000, 0x10000, 7), ==, 0);
		g_assert_cmpint(pt_map(&pt, MiB(4), MiB(4), MiB(6), 7), ==, 0);
		g_assert_cmpint(pt_map(&pt, GiB(1), GiB(1), GiB(1), 7), ==, 0);
		/* splitting the 1 GiB page, then covering the split tables with one leaf again */
		g_assert_cmpint(pt_map(&pt, GiB(1) + MiB(2), 0, 4096, 7), ==, 0);
		g_assert_cmpint(pt_map(&pt, GiB(1), GiB(1), GiB(1), 7), ==, 0);
		g_assert_cmpint(pt_map(&pt, 0, 0, GiB(1), 0), ==, 0);
		pt_destroy(&pt);
		g_assert_null(pt.root);
		g_assert_cmpuint(page_pool_free_count(&pool), ==, NR);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/page-alloc/exhaust-and-refill", test_exhaust_and_refill);
	g_test_add_func("/page-alloc/bad-frees", test_bad_frees);
	g_test_add_func("/page-alloc/pgtable-gives-back", test_pgtable_gives_back);
	return g_test_run();
}
