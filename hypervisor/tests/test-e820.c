// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for e820 building and carving. */
#include <glib.h>
#include "e820.h"

static void bochs_map(struct e820_map *m)
{
	m->nr = 0;
	e820_add(m, 0x100000, 0x1fef0000, E820_RAM); /* unsorted on purpose */
	e820_add(m, 0, 0x9f000, E820_RAM);
	e820_add(m, 0x9f000, 0x1000, E820_RESERVED);
	e820_add(m, 0xe8000, 0x18000, E820_RESERVED);
	e820_add(m, 0x1fff0000, 0x10000, E820_ACPI);
	e820_add(m, 0xfffc0000, 0x40000, E820_RESERVED);
	e820_normalize(m);
}

static void test_normalize(void)
{
	struct e820_map m = {0};

	e820_add(&m, 0x2000, 0x1000, E820_RAM);
	e820_add(&m, 0x0, 0x1000, E820_RAM);
	e820_add(&m, 0x1000, 0x1000, E820_RAM);
	e820_add(&m, 0x5000, 0, E820_RAM);
	e820_add(&m, 0x3000, 0x1000, E820_RESERVED);
	e820_normalize(&m);
	g_assert_cmpuint(m.nr, ==, 2);
	g_assert_cmpuint(m.e[0].addr, ==, 0);
	g_assert_cmpuint(m.e[0].size, ==, 0x3000);
	g_assert_cmpuint(m.e[1].type, ==, E820_RESERVED);
}

static void test_carve_middle(void)
{
	struct e820_map m;

	bochs_map(&m);
	g_assert_cmpint(e820_set_type(&m, 0x200000, 0x400000, E820_RESERVED), ==, 0);
	g_assert_true(e820_is_ram(&m, 0x100000, 0x200000));
	g_assert_false(e820_is_ram(&m, 0x1ff000, 0x201000));
	g_assert_false(e820_is_ram(&m, 0x200000, 0x200001));
	g_assert_true(e820_is_ram(&m, 0x400000, 0x1fff0000));
	g_assert_cmpuint(e820_ram_total(&m), ==, 0x9f000 + 0x1fef0000 - 0x200000);
	g_assert_cmpuint(e820_max_addr(&m), ==, 0x100000000ULL);
}

static void test_carve_edges(void)
{
	struct e820_map m;
	u64 before;

	bochs_map(&m);
	before = e820_ram_total(&m);
	/* a range straddling RAM and ACPI data turns both into the new type */
	g_assert_cmpint(e820_set_type(&m, 0x1ffe0000, 0x20000000, E820_UNUSABLE), ==, 0);
	g_assert_cmpuint(e820_ram_total(&m), ==, before - 0x10000);
	/* a hole stays a hole */
	g_assert_cmpint(e820_set_type(&m, 0x30000000, 0x40000000, E820_RESERVED), ==, 0);
	g_assert_false(e820_is_ram(&m, 0x30000000, 0x30001000));
	g_assert_cmpuint(e820_max_addr(&m), ==, 0x100000000ULL);
	g_assert_cmpint(e820_set_type(&m, 0x5000, 0x5000, E820_RAM), ==, -HV_EINVAL);
}

static void test_find_top(void)
{
	struct e820_map m;
	u64 a = 0;

	bochs_map(&m);
	g_assert_cmpint(e820_find_top(&m, 0x200000, 0x1000, 0, 0x100000000ULL, &a), ==, 0);
	g_assert_cmpuint(a, ==, 0x1fff0000 - 0x200000);
	g_assert_cmpint(e820_find_top(&m, 0x1000, 0x1000, 0, 0x9f000, &a), ==, 0);
	g_assert_cmpuint(a, ==, 0x9e000);
	g_assert_cmpint(e820_find_top(&m, 0x40000000, 0x1000, 0, ~0ULL, &a), ==, -HV_ENOMEM);
	/* floor above all RAM */
	g_assert_cmpint(e820_find_top(&m, 0x1000, 0x1000, 0x20000000, ~0ULL, &a), ==, -HV_ENOMEM);
}

static void test_full(void)
{
	struct e820_map m = {0};
	int i;

	for (i = 0; i < E820_MAX; i++)
		g_assert_cmpint(e820_add(&m, (u64)i * 0x2000, 0x1000, E820_RAM), ==, 0);
	g_assert_cmpint(e820_add(&m, 0x10000000, 0x1000, E820_RAM), ==, -HV_ENOSPC);
	/* splitting an entry of a full table must fail cleanly, table unchanged */
	g_assert_cmpint(e820_set_type(&m, 0x400, 0x800, E820_RESERVED), ==, -HV_ENOSPC);
	g_assert_cmpuint(m.nr, ==, E820_MAX);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/e820/normalize", test_normalize);
	g_test_add_func("/e820/carve-middle", test_carve_middle);
	g_test_add_func("/e820/carve-edges", test_carve_edges);
	g_test_add_func("/e820/find-top", test_find_top);
	g_test_add_func("/e820/full", test_full);
	return g_test_run();
}
