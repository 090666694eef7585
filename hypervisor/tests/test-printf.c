// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for the hypervisor's printf subset and number parsing. */
#include <glib.h>
#include "lib.h"

static void check(const char *want, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	g_assert_cmpstr(buf, ==, want);
	g_assert_cmpint(n, ==, (int)strlen(want));
}

static void test_formats(void)
{
	check("a 42 -7 ff FF", "a %d %i %x %X", 42, -7, 255, 255);
	check("0000beef|   12|12   |", "%08x|%5u|%-5d|", 0xbeef, 12, 12);
	check("18446744073709551615 -9223372036854775808", "%llu %lld", ~0ULL,
	      (long long)(-9223372036854775807LL - 1));
	check("s=hi c=x %", "s=%s c=%c %%", "hi", 'x');
	check("(null)", "%s", (char *)NULL);
	check("0x1000", "%p", (void *)0x1000);
	check("-0005", "%05d", -5);
}

static void test_truncation(void)
{
	char buf[4];

	g_assert_cmpint(hv_snprintf(buf, sizeof(buf), "abcdef"), ==, 6);
	g_assert_cmpstr(buf, ==, "abc");
	g_assert_cmpint(hv_snprintf(NULL, 0, "%d", 1234), ==, 4);
}

static void test_parse(void)
{
	u64 v = 0;

	g_assert_cmpint(hv_parse_u64("0x2F8", 5, &v), ==, 0);
	g_assert_cmpuint(v, ==, 0x2f8);
	g_assert_cmpint(hv_parse_u64("123", 3, &v), ==, 0);
	g_assert_cmpuint(v, ==, 123);
	g_assert_cmpint(hv_parse_u64("0x", 2, &v), ==, -HV_EINVAL);
	g_assert_cmpint(hv_parse_u64("12a", 3, &v), ==, -HV_EINVAL);
	g_assert_cmpint(hv_parse_u64("", 0, &v), ==, -HV_EINVAL);
	g_assert_cmpint(hv_parse_u64("0x10000000000000000", 19, &v), ==, -HV_ERANGE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/printf/formats", test_formats);
	g_test_add_func("/printf/truncation", test_truncation);
	g_test_add_func("/printf/parse-u64", test_parse);
	return g_test_run();
}
