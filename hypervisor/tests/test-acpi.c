// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for ACPI parsing over a synthetic physical memory image. */
#include <glib.h>
#include "acpi.h"

#define BASE 0xe0000ULL
#define SIZE 0x10000

static u8 mem[SIZE];

static const void *map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	if (pa < BASE || pa + len > BASE + SIZE || pa + len < pa)
		return NULL;
	return mem + (pa - BASE);
}

static void fix_sum(u8 *p, u32 len, u32 at)
{
	u8 s = 0;
	u32 i;

	p[at] = 0;
	for (i = 0; i < len; i++)
		s += p[i];
	p[at] = (u8)-s;
}

static u8 *sdt(u64 pa, const char *sig, u32 len)
{
	u8 *t = mem + (pa - BASE);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	*(u32 *)(t + 4) = len;
	return t;
}

/* DSDT with Name(\_S5, Package(2) { 0x05, Zero }) */
static void make_dsdt(u64 pa)
{
	static const u8 aml[] = {0x10, 0x05, '_', 'S',	'B',  '_',  0x08, '\\', '_',
				 'S',  '5',  '_', 0x12, 0x06, 0x02, 0x0a, 0x05, 0x00};
	u8 *t = sdt(pa, "DSDT", 36 + sizeof(aml));

	memcpy(t + 36, aml, sizeof(aml));
	fix_sum(t, 36 + sizeof(aml), 9);
}

static void build(bool xsdt)
{
	u8 *rsdp = mem, *root, *madt, *fadt;
	u32 off = 44;

	memset(mem, 0, sizeof(mem));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = xsdt ? 2 : 0;
	*(u32 *)(rsdp + 16) = (u32)(BASE + 0x100);
	if (xsdt) {
		*(u32 *)(rsdp + 20) = 36;
		*(u64 *)(rsdp + 24) = BASE + 0x200;
	}
	fix_sum(rsdp, 20, 8);
	if (xsdt)
		fix_sum(rsdp, 36, 32);
	if (xsdt) {
		root = sdt(BASE + 0x200, "XSDT", 36 + 16);
		*(u64 *)(root + 36) = BASE + 0x1000;
		*(u64 *)(root + 44) = BASE + 0x2000;
		fix_sum(root, 52, 9);
	} else {
		root = sdt(BASE + 0x100, "RSDT", 36 + 12);
		*(u32 *)(root + 36) = (u32)(BASE + 0x1000);
		*(u32 *)(root + 40) = 0xdead0000; /* unmappable: skipped */
		*(u32 *)(root + 44) = (u32)(BASE + 0x2000);
		fix_sum(root, 48, 9);
	}
	madt = sdt(BASE + 0x1000, "APIC", 44 + 8 * 3 + 12);
	*(u32 *)(madt + 36) = 0xfee00000;
	for (int i = 0; i < 3; i++, off += 8) {
		madt[off] = 0;
		madt[off + 1] = 8;
		madt[off + 2] = (u8)i;
		madt[off + 3] = (u8)(i * 2);
		*(u32 *)(madt + off + 4) = i == 1 ? 0 : 1; /* CPU 1 disabled */
	}
	madt[off] = 1;
	madt[off + 1] = 12;
	*(u32 *)(madt + off + 4) = 0xfec00000;
	fix_sum(madt, 44 + 8 * 3 + 12, 9);
	fadt = sdt(BASE + 0x2000, "FACP", 244);
	*(u32 *)(fadt + 40) = (u32)(BASE + 0x3000);
	*(u32 *)(fadt + 64) = 0xb004;
	*(u32 *)(fadt + 76) = 0xb008;
	*(u32 *)(fadt + 112) = 1U << 10;
	fadt[116] = 1;
	*(u64 *)(fadt + 120) = 0xcf9;
	fadt[128] = 6;
	fix_sum(fadt, 244, 9);
	make_dsdt(BASE + 0x3000);
}

static void test_rsdt(void)
{
	struct acpi_info ai;

	build(false);
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, 0);
	g_assert_cmpuint(ai.nr_cpus, ==, 2);
	g_assert_cmpuint(ai.apic_ids[0], ==, 0);
	g_assert_cmpuint(ai.apic_ids[1], ==, 4);
	g_assert_cmpuint(ai.lapic_addr, ==, 0xfee00000);
	g_assert_cmpuint(ai.ioapic_addr, ==, 0xfec00000);
	g_assert_true(ai.have_fadt);
	g_assert_cmpuint(ai.pm1a_cnt, ==, 0xb004);
	g_assert_cmpuint(ai.pm_tmr, ==, 0xb008);
	g_assert_true(ai.reset_supported);
	g_assert_cmpuint(ai.reset_addr, ==, 0xcf9);
	g_assert_cmpuint(ai.reset_value, ==, 6);
	g_assert_true(ai.have_s5);
	g_assert_cmpuint(ai.s5_typ_a, ==, 5);
	g_assert_cmpuint(ai.s5_typ_b, ==, 0);
	g_assert_cmpuint(acpi_scan_rsdp(map, NULL, BASE, SIZE), ==, BASE);
}

static void test_xsdt(void)
{
	struct acpi_info ai;

	build(true);
	g_assert_cmpint(acpi_parse(mem, 36, map, NULL, &ai), ==, 0);
	g_assert_cmpuint(ai.nr_cpus, ==, 2);
	g_assert_cmpuint(ai.pm1a_cnt, ==, 0xb004);
}

static void test_broken(void)
{
	struct acpi_info ai;

	build(false);
	mem[9]++; /* RSDP checksum */
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, -HV_EINVAL);
	g_assert_cmpuint(acpi_scan_rsdp(map, NULL, BASE, SIZE), ==, 0);
	g_assert_cmpint(acpi_parse(mem, 19, map, NULL, &ai), ==, -HV_EINVAL);
	build(false);
	mem[0x1000 + 50]++; /* MADT checksum: table skipped */
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, -HV_ENOENT);
	g_assert_true(ai.have_fadt);
	build(false);
	*(u32 *)(mem + 0x1000 + 4) = 0xffffff; /* MADT length beyond memory */
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, -HV_ENOENT);
	build(false);
	mem[0x1000 + 44 + 1] = 0; /* zero-length MADT entry: stop, no loop */
	fix_sum(mem + 0x1000, 44 + 36, 9);
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, 0);
	g_assert_cmpuint(ai.nr_cpus, ==, 0);
	build(false);
	memcpy(mem + 0x100, "XXXX", 4); /* RSDT signature */
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, -HV_EINVAL);
}

static void test_s5_forms(void)
{
	static const u8 one[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01};
	static const u8 none[] = {0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x01, 0x01, 0, 0};
	static const u8 cut[] = {0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a};
	u8 a = 9, b = 9;

	{
		u8 buf[16] = {0};

		memcpy(buf, one, sizeof(one));
		g_assert_cmpint(acpi_find_s5(buf, sizeof(buf), &a, &b), ==, 0);
		g_assert_cmpuint(a, ==, 1);
		g_assert_cmpuint(b, ==, 1);
	}
	g_assert_cmpint(acpi_find_s5(none, sizeof(none), &a, &b), ==, -HV_ENOENT);
	g_assert_cmpint(acpi_find_s5(cut, sizeof(cut), &a, &b), ==, -HV_ENOENT);
}

/* A pre-launched VM's pCPU disappears from the MADT the Service VM parses. */
static void test_madt_hide_cpu(void)
{
	struct acpi_info ai;
	u8 *madt = mem + 0x1000;

	build(false);
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, 0);
	g_assert_cmpuint(ai.madt_addr, ==, BASE + 0x1000);
	g_assert_cmpint(acpi_madt_disable_cpu(madt, 4), ==, 0);
	g_assert_cmpint(acpi_parse(mem, 20, map, NULL, &ai), ==, 0); /* checksum still valid */
	g_assert_cmpuint(ai.nr_cpus, ==, 1);
	g_assert_cmpuint(ai.apic_ids[0], ==, 0);
	/* already disabled, never listed, not a MADT */
	g_assert_cmpint(acpi_madt_disable_cpu(madt, 4), ==, -HV_ENOENT);
	g_assert_cmpint(acpi_madt_disable_cpu(madt, 2), ==, -HV_ENOENT);
	g_assert_cmpint(acpi_madt_disable_cpu(madt, 7), ==, -HV_ENOENT);
	g_assert_cmpint(acpi_madt_disable_cpu(mem + 0x2000, 0), ==, -HV_EINVAL);
	/* an entry running past the table's end */
	madt[44 + 1] = 200;
	g_assert_cmpint(acpi_madt_disable_cpu(madt, 0), ==, -HV_EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/acpi/rsdt", test_rsdt);
	g_test_add_func("/acpi/xsdt", test_xsdt);
	g_test_add_func("/acpi/broken", test_broken);
	g_test_add_func("/acpi/madt-hide-cpu", test_madt_hide_cpu);
	g_test_add_func("/acpi/s5-forms", test_s5_forms);
	return g_test_run();
}
