// SPDX-License-Identifier: BSD-3-Clause
/* Host test of the VPID allocator: unique non-zero tags, exhaustion, reuse, bad frees. */
#include <glib.h>
#include "vpid.h"

static void test_alloc_all(void)
{
	bool seen[VPID_MAX + 1] = {false};
	u16 v;
	u32 i;

	vpid_init();
	g_assert_cmpuint(vpid_free_count(), ==, VPID_MAX);
	for (i = 0; i < VPID_MAX; i++) {
		g_assert_cmpint(vpid_alloc(&v), ==, 0);
		g_assert_cmpuint(v, >=, 1);
		g_assert_cmpuint(v, <=, VPID_MAX);
		g_assert_false(seen[v]);
		seen[v] = true;
	}
	g_assert_cmpuint(vpid_free_count(), ==, 0);
	g_assert_cmpint(vpid_alloc(&v), ==, -HV_ENOSPC);
	g_assert_cmpint(vpid_free(42), ==, 0);
	g_assert_cmpint(vpid_alloc(&v), ==, 0);
	g_assert_cmpuint(v, ==, 42);
}

static void test_bad_frees(void)
{
	u16 v;

	vpid_init();
	g_assert_cmpint(vpid_free(0), ==, -HV_EINVAL);
	g_assert_cmpint(vpid_free(VPID_MAX + 1), ==, -HV_EINVAL);
	g_assert_cmpint(vpid_free(7), ==, -HV_ENOENT);
	g_assert_cmpint(vpid_alloc(&v), ==, 0);
	g_assert_cmpint(vpid_free(v), ==, 0);
	g_assert_cmpint(vpid_free(v), ==, -HV_ENOENT);
	g_assert_cmpuint(vpid_free_count(), ==, VPID_MAX);
}

/* A VM of 8 vCPUs created and destroyed many times leaks nothing. */
static void test_churn(void)
{
	u16 v[8];
	u32 round, i;

	vpid_init();
	for (round = 0; round < 1000; round++) {
		for (i = 0; i < 8; i++)
			g_assert_cmpint(vpid_alloc(&v[i]), ==, 0);
		for (i = 0; i < 8; i++)
			g_assert_cmpint(vpid_free(v[i]), ==, 0);
	}
	g_assert_cmpuint(vpid_free_count(), ==, VPID_MAX);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vpid/alloc-all", test_alloc_all);
	g_test_add_func("/vpid/bad-frees", test_bad_frees);
	g_test_add_func("/vpid/churn", test_churn);
	return g_test_run();
}
