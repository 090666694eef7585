// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for multiboot2 information parsing, on synthetic structures. */
#include <glib.h>
#include "bootinfo.h"

struct mbi {
	u8 buf[4096] __attribute__((aligned(8)));
	u32 len;
};

static void *tag(struct mbi *m, u32 type, u32 size)
{
	u8 *t = m->buf + m->len;

	memset(t, 0, ALIGN_UP(size, 8));
	*(u32 *)t = type;
	*(u32 *)(t + 4) = size;
	m->len += (u32)ALIGN_UP(size, 8);
	*(u32 *)m->buf = m->len;
	return t;
}

static void str_tag(struct mbi *m, u32 type, const char *s)
{
	u8 *t = tag(m, type, 8 + (u32)strlen(s) + 1);

	memcpy(t + 8, s, strlen(s) + 1);
}

static void module_tag(struct mbi *m, u32 start, u32 end, const char *s)
{
	u8 *t = tag(m, 3, 16 + (u32)strlen(s) + 1);

	*(u32 *)(t + 8) = start;
	*(u32 *)(t + 12) = end;
	memcpy(t + 16, s, strlen(s) + 1);
}

static void build(struct mbi *m, bool with_end)
{
	u8 *t;

	m->len = 8;
	str_tag(m, 1, "/boot/acrn.elf uart=0x2f8");
	str_tag(m, 2, "GRUB 2.06");
	module_tag(m, 0x400000, 0x800000, "console=ttyS0 quiet");
	module_tag(m, 0x800000, 0x900000, "");
	t = tag(m, 6, 16 + 3 * 24);
	*(u32 *)(t + 8) = 24;
	*(u64 *)(t + 16) = 0;
	*(u64 *)(t + 24) = 0x9f000;
	*(u32 *)(t + 32) = 1;
	*(u64 *)(t + 40) = 0x100000;
	*(u64 *)(t + 48) = 0x1ff00000;
	*(u32 *)(t + 56) = 1;
	*(u64 *)(t + 64) = 0xfffc0000;
	*(u64 *)(t + 72) = 0x40000;
	*(u32 *)(t + 80) = 17; /* unknown type: reserved */
	t = tag(m, 14, 8 + 20);
	memcpy(t + 8, "RSD PTR ", 8);
	if (with_end)
		tag(m, 0, 8);
}

static void test_parse(void)
{
	static struct mbi m;
	static struct boot_info bi;

	build(&m, true);
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, 0);
	g_assert_cmpstr(bi.cmdline, ==, "/boot/acrn.elf uart=0x2f8");
	g_assert_cmpstr(bi.loader, ==, "GRUB 2.06");
	g_assert_cmpuint(bi.nr_modules, ==, 2);
	g_assert_cmpuint(bi.mods[0].start, ==, 0x400000);
	g_assert_cmpuint(bi.mods[0].end, ==, 0x800000);
	g_assert_cmpstr(bi.mods[0].string, ==, "console=ttyS0 quiet");
	g_assert_cmpstr(bi.mods[1].string, ==, "");
	g_assert_cmpuint(bi.mmap.nr, ==, 3);
	g_assert_cmpuint(bi.mmap.e[2].type, ==, E820_RESERVED);
	g_assert_cmpuint(e820_ram_total(&bi.mmap), ==, 0x9f000 + 0x1ff00000);
	g_assert_cmpuint(bi.rsdp_len, ==, 20);
	g_assert_cmpint(memcmp(bi.rsdp, "RSD PTR ", 8), ==, 0);
}

static void test_malformed(void)
{
	static struct mbi m;
	static struct boot_info bi;

	build(&m, false);
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, -HV_EINVAL); /* no end tag */
	build(&m, true);
	g_assert_cmpint(mb2_parse(m.buf, m.len - 1, &bi), ==, -HV_EINVAL); /* too long */
	g_assert_cmpint(mb2_parse(m.buf, 8, &bi), ==, -HV_EINVAL);
	*(u32 *)(m.buf + 8 + 4) = 0xffff; /* first tag overruns */
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, -HV_EINVAL);
	build(&m, true);
	*(u32 *)(m.buf + 8 + 4) = 4; /* tag smaller than its header */
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, -HV_EINVAL);
	/* a module whose end precedes its start */
	m.len = 8;
	module_tag(&m, 0x900000, 0x800000, "x");
	tag(&m, 0, 8);
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, -HV_EINVAL);
	/* no memory map at all */
	m.len = 8;
	str_tag(&m, 1, "x");
	tag(&m, 0, 8);
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, -HV_EINVAL);
}

static void test_long_strings(void)
{
	static struct mbi m;
	static struct boot_info bi;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	build(&m, false);
	str_tag(&m, 1, big);
	tag(&m, 0, 8);
	g_assert_cmpint(mb2_parse(m.buf, sizeof(m.buf), &bi), ==, 0);
	g_assert_cmpuint(strlen(bi.cmdline), ==, BOOT_CMDLINE_MAX - 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/mb2/parse", test_parse);
	g_test_add_func("/mb2/malformed", test_malformed);
	g_test_add_func("/mb2/long-strings", test_long_strings);
	return g_test_run();
}
