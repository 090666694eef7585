// SPDX-License-Identifier: BSD-3-Clause
/* Host test of the I/O handler tables: registration rules and lookup. */
#include <glib.h>
#include "io_emul.h"

static int h1(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)a;
	(void)ctx;
	return 1;
}

static int h2(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)a;
	(void)ctx;
	return 2;
}

static void test_add_find(void)
{
	struct io_table t = {0};
	const struct io_range *r;
	int ctx;

	g_assert_cmpint(io_table_add(&t, 0xcf9, 1, h1, NULL), ==, 0);
	g_assert_cmpint(io_table_add(&t, 0xb004, 2, h2, &ctx), ==, 0);
	g_assert_null(io_table_find(&t, 0xcf8)); /* a 4-byte access at 0xCF8 is not 0xCF9's */
	r = io_table_find(&t, 0xcf9);
	g_assert_nonnull(r);
	g_assert_true(r->fn == h1);
	g_assert_null(io_table_find(&t, 0xcfa));
	g_assert_true(io_table_find(&t, 0xb004)->fn == h2);
	g_assert_true(io_table_find(&t, 0xb005)->ctx == &ctx);
	g_assert_null(io_table_find(&t, 0xb006));
	g_assert_null(io_table_find(&t, 0xb003));
}

static void test_rules(void)
{
	struct io_table t = {0};
	u32 i;

	g_assert_cmpint(io_table_add(&t, 0x3f8, 8, h1, NULL), ==, 0);
	/* overlaps at either end, inside, around */
	g_assert_cmpint(io_table_add(&t, 0x3f0, 9, h2, NULL), ==, -HV_EEXIST);
	g_assert_cmpint(io_table_add(&t, 0x3ff, 1, h2, NULL), ==, -HV_EEXIST);
	g_assert_cmpint(io_table_add(&t, 0x3fa, 2, h2, NULL), ==, -HV_EEXIST);
	g_assert_cmpint(io_table_add(&t, 0x300, 0x200, h2, NULL), ==, -HV_EEXIST);
	/* adjacent is fine */
	g_assert_cmpint(io_table_add(&t, 0x3f0, 8, h2, NULL), ==, 0);
	g_assert_cmpint(io_table_add(&t, 0x400, 1, h2, NULL), ==, 0);
	/* empty, wrapping, no handler */
	g_assert_cmpint(io_table_add(&t, 0x500, 0, h2, NULL), ==, -HV_EINVAL);
	g_assert_cmpint(io_table_add(&t, ~0ULL, 2, h2, NULL), ==, -HV_EINVAL);
	g_assert_cmpint(io_table_add(&t, 0x600, 1, NULL, NULL), ==, -HV_EINVAL);
	/* full */
	for (i = t.nr; i < IO_MAX_RANGES; i++)
		g_assert_cmpint(io_table_add(&t, 0x1000 + i, 1, h1, NULL), ==, 0);
	g_assert_cmpint(io_table_add(&t, 0x2000, 1, h1, NULL), ==, -HV_ENOSPC);
	/* remove frees a slot and the range */
	g_assert_cmpint(io_table_remove(&t, 0x3f8), ==, 0);
	g_assert_null(io_table_find(&t, 0x3f8));
	g_assert_cmpint(io_table_remove(&t, 0x3f8), ==, -HV_ENOENT);
	g_assert_cmpint(io_table_add(&t, 0x3f8, 8, h2, NULL), ==, 0);
	g_assert_true(io_table_find(&t, 0x3fc)->fn == h2);
	/* the others are still found */
	g_assert_true(io_table_find(&t, 0x3f7)->fn == h2);
	g_assert_true(io_table_find(&t, 0x1000 + IO_MAX_RANGES - 1)->fn == h1);
}

/* A catch-all range (a test guest's every port) and a 64-bit MMIO range. */
static void test_large_ranges(void)
{
	struct io_table t = {0};

	g_assert_cmpint(io_table_add(&t, 0, 0x10000, h1, NULL), ==, 0);
	g_assert_nonnull(io_table_find(&t, 0));
	g_assert_nonnull(io_table_find(&t, 0xffff));
	g_assert_null(io_table_find(&t, 0x10000));
	g_assert_cmpint(io_table_add(&t, 0xfee00000ULL, 4096, h2, NULL), ==, 0);
	g_assert_true(io_table_find(&t, 0xfee00300ULL)->fn == h2);
	g_assert_null(io_table_find(&t, 0xfee01000ULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/io-table/add-find", test_add_find);
	g_test_add_func("/io-table/rules", test_rules);
	g_test_add_func("/io-table/large-ranges", test_large_ranges);
	return g_test_run();
}
