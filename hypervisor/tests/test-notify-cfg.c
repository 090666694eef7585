// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for the notification device's PCI config space and its MSI. */
#include <glib.h>
#include "notify_dev.h"
#include "acrn_abi.h"

static void test_identity(void)
{
	struct notify_cfg c;
	u32 bar;

	notify_cfg_init(&c);
	g_assert_cmphex(notify_cfg_read(&c, 0, 4), ==,
			ACRN_NOTIFY_PCI_DEVICE << 16 | ACRN_NOTIFY_PCI_VENDOR);
	g_assert_cmphex(notify_cfg_read(&c, 8, 4) >> 8, ==, ACRN_NOTIFY_PCI_CLASS);
	g_assert_cmphex(notify_cfg_read(&c, 0x0e, 1), ==, 0);	     /* type 0, one function */
	g_assert_cmphex(notify_cfg_read(&c, 6, 2) & 0x10, ==, 0x10); /* capability list */
	g_assert_cmphex(notify_cfg_read(&c, 0x34, 1), ==, 0x40);
	g_assert_cmphex(notify_cfg_read(&c, 0x40, 2), ==, 0x0005); /* MSI, last capability */
	g_assert_cmphex(notify_cfg_read(&c, 0x3d, 1), ==, 0);	   /* no INTx pin */
	/* BAR sizing finds nothing: no BARs */
	for (bar = 0x10; bar < 0x28; bar += 4) {
		notify_cfg_write(&c, bar, 4, ~0U);
		g_assert_cmphex(notify_cfg_read(&c, bar, 4), ==, 0);
	}
	/* ids and class are read-only */
	notify_cfg_write(&c, 0, 4, 0);
	notify_cfg_write(&c, 8, 4, 0);
	g_assert_cmphex(notify_cfg_read(&c, 0, 2), ==, ACRN_NOTIFY_PCI_VENDOR);
	g_assert_cmphex(notify_cfg_read(&c, 8, 4) >> 8, ==, ACRN_NOTIFY_PCI_CLASS);
	/* bad sizes, offsets crossing a dword, beyond the space */
	g_assert_cmphex(notify_cfg_read(&c, 3, 2), ==, ~0U);
	g_assert_cmphex(notify_cfg_read(&c, 0, 3), ==, ~0U);
	g_assert_cmphex(notify_cfg_read(&c, 256, 1), ==, ~0U);
	notify_cfg_write(&c, 0x43, 4, ~0U); /* ignored */
	g_assert_cmphex(notify_cfg_read(&c, 0x40, 4), ==, 0x0005);
}

static void test_msi(void)
{
	struct notify_cfg c;
	u32 dest, icr;

	notify_cfg_init(&c);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr)); /* disabled */
	/* what Linux writes: address, data, then the enable bit */
	notify_cfg_write(&c, 0x44, 4, 0xfee01000);
	notify_cfg_write(&c, 0x48, 2, 0x0041);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr));
	notify_cfg_write(&c, 0x42, 2, 0x0001);
	g_assert_true(notify_cfg_msi(&c, &dest, &icr));
	g_assert_cmpuint(dest, ==, 1);
	g_assert_cmphex(icr, ==, 0x41); /* fixed, physical */
	/* logical destination (Linux's flat mode), lowest priority sent as fixed */
	notify_cfg_write(&c, 0x44, 4, 0xfee01004);
	notify_cfg_write(&c, 0x48, 2, 0x0122);
	g_assert_true(notify_cfg_msi(&c, &dest, &icr));
	g_assert_cmphex(icr, ==, 0x822);
	/* an address outside the LAPIC window, a vector below 16, NMI mode: nothing sent */
	notify_cfg_write(&c, 0x44, 4, 0xfe001000);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr));
	notify_cfg_write(&c, 0x44, 4, 0xfee00000);
	notify_cfg_write(&c, 0x48, 2, 0x000f);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr));
	notify_cfg_write(&c, 0x48, 2, 0x0430);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr));
	/* disabling stops it; the address's low bits stay clear */
	notify_cfg_write(&c, 0x48, 2, 0x0030);
	notify_cfg_write(&c, 0x42, 2, 0);
	g_assert_false(notify_cfg_msi(&c, &dest, &icr));
	notify_cfg_write(&c, 0x44, 4, 0xfee00003);
	g_assert_cmphex(notify_cfg_read(&c, 0x44, 4), ==, 0xfee00000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/notify-cfg/identity", test_identity);
	g_test_add_func("/notify-cfg/msi", test_msi);
	return g_test_run();
}
