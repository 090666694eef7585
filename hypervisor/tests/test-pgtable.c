// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for the page-table / EPT builder. */
#include <glib.h>
#include <stdlib.h>
#include "pgtable.h"

struct pool {
	u32 used, max;
};

static void *alloc(void *ctx)
{
	struct pool *p = ctx;
	void *pg;

	if (p->used == p->max)
		return NULL;
	p->used++;
	pg = aligned_alloc(4096, 4096); /* leaked: a test process */
	memset(pg, 0, 4096);
	return pg;
}

static void init(struct pgtable *pt, struct pool *pool, bool ept, bool g1)
{
	pool->used = 0;
	pool->max = 1000;
	pt->present_mask = ept ? 7 : 1;
	pt->table_flags = 7;
	pt->allow_1g = g1;
	pt->alloc_page = alloc;
	pt->ctx = pool;
	g_assert_cmpint(pt_init(pt), ==, 0);
}

static void test_identity_ept(void)
{
	struct pgtable pt;
	struct pool pool;
	u64 pa, fl;

	init(&pt, &pool, true, true);
	g_assert_cmpint(pt_map(&pt, 0, 0, GiB(4), EPT_RWX | EPT_UC), ==, 0);
	g_assert_cmpuint(pool.used, ==, 2); /* PML4 + PDPT: 1 GiB pages */
	g_assert_cmpint(pt_map(&pt, 0, 0, 0x9f000, EPT_RWX | EPT_WB), ==, 0);
	g_assert_cmpint(pt_map(&pt, 0x200000, 0x200000, 0x200000, 0), ==, 0);
	g_assert_cmpint(pt_lookup(&pt, 0x1234, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, 0x1234);
	g_assert_cmpuint(fl, ==, EPT_RWX | EPT_WB);
	g_assert_cmpint(pt_lookup(&pt, 0x9f000, &pa, &fl), ==, 0);
	g_assert_cmpuint(fl, ==, EPT_RWX | EPT_UC);
	g_assert_cmpint(pt_lookup(&pt, 0x200000, &pa, &fl), ==, -HV_ENOENT);
	g_assert_cmpint(pt_lookup(&pt, 0x3fffff, &pa, &fl), ==, -HV_ENOENT);
	g_assert_cmpint(pt_lookup(&pt, 0x400000, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, 0x400000);
	g_assert_cmpint(pt_lookup(&pt, 0xfee00000, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, 0xfee00000);
	g_assert_cmpint(pt_lookup(&pt, GiB(4), &pa, &fl), ==, -HV_ENOENT);
	/* a split 1 GiB page keeps its attributes in 2 MiB pieces */
	g_assert_cmpint(pt_lookup(&pt, 0x3fe00000, &pa, &fl), ==, 0);
	g_assert_cmpuint(fl, ==, EPT_RWX | EPT_UC);
}

static void test_no_1g(void)
{
	struct pgtable pt;
	struct pool pool;
	u64 pa, fl;

	init(&pt, &pool, true, false);
	g_assert_cmpint(pt_map(&pt, 0, 0, GiB(2), EPT_RWX), ==, 0);
	g_assert_cmpuint(pool.used, ==, 4); /* PML4, PDPT, 2 PDs */
	g_assert_cmpint(pt_lookup(&pt, GiB(1) + 5, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, GiB(1) + 5);
}

static void test_remap_offset(void)
{
	struct pgtable pt;
	struct pool pool;
	u64 pa, fl;

	init(&pt, &pool, false, true);
	g_assert_cmpint(pt_map(&pt, 0x7f0000000000ULL, 0x5000, 0x3000, PTE_P | PTE_RW), ==, 0);
	g_assert_cmpint(pt_lookup(&pt, 0x7f0000002abcULL, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, 0x7abc);
	g_assert_cmpuint(fl, ==, PTE_P | PTE_RW);
	g_assert_cmpint(pt_lookup(&pt, 0x7f0000003000ULL, &pa, &fl), ==, -HV_ENOENT);
	/* unmapping something never mapped allocates nothing */
	pool.used = 0;
	g_assert_cmpint(pt_map(&pt, GiB(8), 0, GiB(1), 0), ==, 0);
	g_assert_cmpuint(pool.used, ==, 0);
}

static void test_errors(void)
{
	struct pgtable pt;
	struct pool pool;

	init(&pt, &pool, true, true);
	g_assert_cmpint(pt_map(&pt, 0x1001, 0, 0x1000, EPT_RWX), ==, -HV_EINVAL);
	g_assert_cmpint(pt_map(&pt, 0, 0, 0x800, EPT_RWX), ==, -HV_EINVAL);
	g_assert_cmpint(pt_map(&pt, 1ULL << 48, 0, 0x1000, EPT_RWX), ==, -HV_EINVAL);
	pool.max = pool.used; /* exhausted */
	g_assert_cmpint(pt_map(&pt, 0, 0, 0x1000, EPT_RWX), ==, -HV_ENOMEM);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pgtable/identity-ept", test_identity_ept);
	g_test_add_func("/pgtable/no-1g", test_no_1g);
	g_test_add_func("/pgtable/remap-offset", test_remap_offset);
	g_test_add_func("/pgtable/errors", test_errors);
	return g_test_run();
}
