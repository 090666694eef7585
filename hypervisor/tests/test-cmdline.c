// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for hypervisor command-line parsing. */
#include <glib.h>
#include "cmdline.h"

static void test_defaults(void)
{
	struct hv_options o;
	char err[64];

	g_assert_cmpint(hv_parse_cmdline("", &o, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(o.uart_port, ==, 0x3f8);
	g_assert_cmpint(o.loglevel, ==, HV_DEFAULT_LOGLEVEL);
	g_assert_false(o.native || o.selftest || o.e9);
	g_assert_cmpint(hv_parse_cmdline(NULL, &o, err, sizeof(err)), ==, 0);
}

static void test_options(void)
{
	struct hv_options o;
	char err[64];

	g_assert_cmpint(hv_parse_cmdline("  uart=0x2f8\tloglevel=6 native  e9 selftest foo=bar", &o,
					 err, sizeof(err)),
			==, 0);
	g_assert_cmpuint(o.uart_port, ==, 0x2f8);
	g_assert_cmpint(o.loglevel, ==, 6);
	g_assert_true(o.native && o.selftest && o.e9);
	g_assert_cmpint(hv_parse_cmdline("uart=none", &o, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(o.uart_port, ==, 0);
	g_assert_cmpint(hv_parse_cmdline("uart=3e8", &o, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(o.uart_port, ==, 0x3e8);
	g_assert_cmpint(hv_parse_cmdline("uart=port@0x2e8", &o, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(o.uart_port, ==, 0x2e8);
	/* "nativex" is not "native" */
	g_assert_cmpint(hv_parse_cmdline("nativex", &o, err, sizeof(err)), ==, 0);
	g_assert_false(o.native);
}

static void test_bad_values(void)
{
	struct hv_options o;
	char err[64];

	g_assert_cmpint(hv_parse_cmdline("loglevel=9 uart=0x2f8", &o, err, sizeof(err)), ==, 1);
	g_assert_cmpint(o.loglevel, ==, HV_DEFAULT_LOGLEVEL);
	g_assert_cmpuint(o.uart_port, ==, 0x2f8);
	g_assert_cmpstr(err, ==, "bad option 'loglevel=9'");
	g_assert_cmpint(
	    hv_parse_cmdline("uart=0xzz loglevel= uart=0x10000 uart=", &o, err, sizeof(err)), ==,
	    4);
	g_assert_cmpuint(o.uart_port, ==, 0x3f8);
	g_assert_cmpint(hv_parse_cmdline("loglevel=99999999999999999999999", &o, err, sizeof(err)),
			==, 1);
}

static void test_skip_path(void)
{
	g_assert_cmpstr(cmdline_skip_path("/boot/acrn.elf uart=0x2f8"), ==, "uart=0x2f8");
	g_assert_cmpstr(cmdline_skip_path("  /boot/vmlinux  console=ttyS0"), ==, "console=ttyS0");
	g_assert_cmpstr(cmdline_skip_path("console=ttyS0 root=/dev/sda"), ==,
			"console=ttyS0 root=/dev/sda");
	g_assert_cmpstr(cmdline_skip_path("/only/a/path"), ==, "");
	g_assert_cmpstr(cmdline_skip_path(""), ==, "");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cmdline/defaults", test_defaults);
	g_test_add_func("/cmdline/options", test_options);
	g_test_add_func("/cmdline/bad-values", test_bad_values);
	g_test_add_func("/cmdline/skip-path", test_skip_path);
	return g_test_run();
}
