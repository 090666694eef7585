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

/* A PC-like map: low RAM, legacy hole, RAM to 0x7fff0000, ACPI, the PCI hole, RAM above 4 GiB. */
static void pc_map(struct e820_map *m, bool high_ram)
{
	memset(m, 0, sizeof(*m));
	e820_add(m, 0, 0x9fc00, E820_RAM);
	e820_add(m, 0x9fc00, 0x400, E820_RESERVED);
	e820_add(m, 0xf0000, 0x10000, E820_RESERVED);
	e820_add(m, 0x100000, 0x7fef0000, E820_RAM);
	e820_add(m, 0x7fff0000, 0x10000, E820_ACPI);
	e820_add(m, 0xfffc0000, 0x40000, E820_RESERVED);
	if (high_ram)
		e820_add(m, GiB(4), GiB(2) + MiB(3), E820_RAM);
	e820_normalize(m);
}

static u64 flags_at(const struct pgtable *pt, u64 va)
{
	u64 pa = 0, fl = 0;

	g_assert_cmpint(pt_lookup(pt, va, &pa, &fl), ==, 0);
	g_assert_cmpuint(pa, ==, va);
	return fl;
}

/* The hypervisor's own tables: RAM write-back, everything else uncached. */
static void test_host_identity(void)
{
	const u64 wb = PTE_P | PTE_RW, uc = PTE_P | PTE_RW | PTE_UC;
	struct e820_map m;
	struct pgtable pt;
	struct pool pool;
	u64 pa, fl, top;

	pc_map(&m, true);
	top = pt_identity_top(&m);
	g_assert_cmpuint(top, ==, GiB(7)); /* 6 GiB + 3 MiB, rounded up to a GiB */
	init(&pt, &pool, false, true);
	pt.table_flags = PTE_P | PTE_RW;
	g_assert_cmpint(pt_identity_map(&pt, &m, top, wb, uc), ==, 0);
	g_assert_cmpuint(flags_at(&pt, 0), ==, wb);
	g_assert_cmpuint(flags_at(&pt, 0x9e000), ==, wb);
	g_assert_cmpuint(flags_at(&pt, 0x9f000), ==, uc); /* partly RAM, partly EBDA */
	g_assert_cmpuint(flags_at(&pt, 0xb8000), ==, uc); /* VGA hole */
	g_assert_cmpuint(flags_at(&pt, 0xf0000), ==, uc);
	g_assert_cmpuint(flags_at(&pt, 0x100000), ==, wb);
	g_assert_cmpuint(flags_at(&pt, 0x200000), ==, wb); /* hypervisor image */
	g_assert_cmpuint(flags_at(&pt, 0x7ffef000), ==, wb);
	g_assert_cmpuint(flags_at(&pt, 0x7fff0000), ==, uc); /* ACPI tables */
	g_assert_cmpuint(flags_at(&pt, 0xc0000000), ==, uc); /* PCI hole */
	g_assert_cmpuint(flags_at(&pt, 0xfec00000), ==, uc); /* IOAPIC */
	g_assert_cmpuint(flags_at(&pt, 0xfee00000), ==, uc); /* LAPIC */
	g_assert_cmpuint(flags_at(&pt, GiB(4)), ==, wb);     /* RAM above 4 GiB */
	g_assert_cmpuint(flags_at(&pt, GiB(6) + MiB(3) - 4096), ==, wb);
	g_assert_cmpuint(flags_at(&pt, GiB(6) + MiB(3)), ==, uc);
	g_assert_cmpuint(flags_at(&pt, GiB(7) - 4096), ==, uc);
	g_assert_cmpint(pt_lookup(&pt, GiB(7), &pa, &fl), ==, -HV_ENOENT);
	/*
	 * 1 GiB pages where the type is uniform: PML4, PDPT, PD+PT for the
	 * low GiB, PD+PT around 0x7fff0000 and PD+PT at 6 GiB; the reserved
	 * range at 0xfffc0000 is already uncached and splits nothing.
	 */
	g_assert_cmpuint(pool.used, ==, 8);
}

/* Without RAM above 4 GiB the map ends at 4 GiB; the same e820 also drives the EPT. */
static void test_ept_identity_types(void)
{
	struct e820_map m;
	struct pgtable pt;
	struct pool pool;
	u64 pa, fl;

	pc_map(&m, false);
	g_assert_cmpuint(pt_identity_top(&m), ==, GiB(4));
	init(&pt, &pool, true, false); /* no 1 GiB EPT pages (ivy bridge) */
	g_assert_cmpint(pt_identity_map(&pt, &m, GiB(4), EPT_RWX | EPT_WB, EPT_RWX | EPT_UC), ==,
			0);
	g_assert_cmpuint(flags_at(&pt, 0x1000), ==, EPT_RWX | EPT_WB);
	g_assert_cmpuint(flags_at(&pt, 0xa0000), ==, EPT_RWX | EPT_UC);
	g_assert_cmpuint(flags_at(&pt, 0x40000000), ==, EPT_RWX | EPT_WB);
	g_assert_cmpuint(flags_at(&pt, 0x7fff0000), ==, EPT_RWX | EPT_UC);
	g_assert_cmpuint(flags_at(&pt, 0xfee00000), ==, EPT_RWX | EPT_UC);
	g_assert_cmpint(pt_lookup(&pt, GiB(4), &pa, &fl), ==, -HV_ENOENT);
}

/* Firmware that reports RAM overlapping a reserved range: the overlap is uncached. */
static void test_identity_overlap(void)
{
	struct e820_map m;
	struct pgtable pt;
	struct pool pool;

	memset(&m, 0, sizeof(m));
	e820_add(&m, 0, GiB(1), E820_RAM);
	e820_add(&m, 0x3000000, 0x1800, E820_RESERVED);
	e820_normalize(&m);
	init(&pt, &pool, true, true);
	g_assert_cmpint(pt_identity_map(&pt, &m, GiB(4), EPT_RWX | EPT_WB, EPT_RWX | EPT_UC), ==,
			0);
	g_assert_cmpuint(flags_at(&pt, 0x2fff000), ==, EPT_RWX | EPT_WB);
	g_assert_cmpuint(flags_at(&pt, 0x3000000), ==, EPT_RWX | EPT_UC);
	g_assert_cmpuint(flags_at(&pt, 0x3001000), ==, EPT_RWX | EPT_UC);
	g_assert_cmpuint(flags_at(&pt, 0x3002000), ==, EPT_RWX | EPT_WB);
}

/* Re-mapping a range with the flags it already has keeps the large page. */
static void test_same_flags_no_split(void)
{
	struct pgtable pt;
	struct pool pool;

	init(&pt, &pool, true, true);
	g_assert_cmpint(pt_map(&pt, 0, 0, GiB(4), EPT_RWX | EPT_UC), ==, 0);
	g_assert_cmpuint(pool.used, ==, 2);
	g_assert_cmpint(pt_map(&pt, 0xfee00000, 0xfee00000, 4096, EPT_RWX | EPT_UC), ==, 0);
	g_assert_cmpuint(pool.used, ==, 2);
	/* a different target address or type still splits */
	g_assert_cmpint(pt_map(&pt, 0xfee00000, 0xfee00000, 4096, EPT_R | EPT_UC), ==, 0);
	g_assert_cmpuint(pool.used, ==, 4);
	g_assert_cmpuint(flags_at(&pt, 0xfee00000), ==, EPT_R | EPT_UC);
	g_assert_cmpuint(flags_at(&pt, 0xfee01000), ==, EPT_RWX | EPT_UC);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pgtable/identity-ept", test_identity_ept);
	g_test_add_func("/pgtable/no-1g", test_no_1g);
	g_test_add_func("/pgtable/remap-offset", test_remap_offset);
	g_test_add_func("/pgtable/errors", test_errors);
	g_test_add_func("/pgtable/host-identity", test_host_identity);
	g_test_add_func("/pgtable/ept-identity-types", test_ept_identity_types);
	g_test_add_func("/pgtable/identity-overlap", test_identity_overlap);
	g_test_add_func("/pgtable/same-flags-no-split", test_same_flags_no_split);
	return g_test_run();
}
