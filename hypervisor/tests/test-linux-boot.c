// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for kernel format detection, placement and boot_params. */
#include <glib.h>
#include "linux_boot.h"

#define FAKE_BASE 0x1000000ULL
#define FAKE_SIZE (4 * 1024 * 1024)
static u8 *fake_mem; /* stands for physical memory at FAKE_BASE */

static void *phys(u64 pa)
{
	g_assert_cmpuint(pa, >=, FAKE_BASE);
	g_assert_cmpuint(pa, <, FAKE_BASE + FAKE_SIZE);
	return fake_mem + (pa - FAKE_BASE);
}

static void w16(u8 *p, u16 v)
{
	memcpy(p, &v, 2);
}
static void w32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}
static void w64(u8 *p, u64 v)
{
	memcpy(p, &v, 8);
}
static u32 r32(const u8 *p)
{
	u32 v;
	memcpy(&v, p, 4);
	return v;
}
static u64 r64(const u8 *p)
{
	u64 v;
	memcpy(&v, p, 8);
	return v;
}

static u8 *make_bzimage(u64 *len)
{
	u8 *img = g_malloc0(0x10000);

	img[BP_SETUP_SECTS] = 3;
	w16(img + BP_BOOT_FLAG, 0xaa55);
	img[0x201] = 0x66; /* header end = 0x268 */
	w32(img + BP_HEADER, 0x53726448);
	w16(img + BP_VERSION, 0x20f);
	w16(img + BP_XLOADFLAGS, 1);
	w32(img + BP_INITRD_ADDR_MAX, 0x7fffffff);
	w64(img + BP_PREF_ADDRESS, 0x1000000);
	w32(img + BP_INIT_SIZE, 0x200000);
	memset(img + 4 * 512, 0xab, 0x10000 - 4 * 512); /* payload after 3+1 sectors */
	*len = 0x10000;
	return img;
}

static void test_bzimage(void)
{
	struct linux_image li;
	struct e820_map m = {0};
	u8 bp[LINUX_BOOT_PARAMS_SIZE];
	u64 len;
	u8 *img = make_bzimage(&len);

	g_assert_cmpint(linux_inspect(img, len, &li), ==, 0);
	g_assert_cmpint(li.format, ==, KERNEL_BZIMAGE);
	g_assert_cmpuint(li.load_addr, ==, 0x1000000);
	g_assert_cmpuint(li.entry, ==, 0x1000200);
	g_assert_cmpuint(li.mem_size, ==, 0x200000);
	fake_mem = g_malloc0(FAKE_SIZE);
	g_assert_cmpint(linux_place(&li, phys), ==, 0);
	g_assert_cmpuint(fake_mem[0], ==, 0xab);
	g_assert_cmpuint(fake_mem[len - 4 * 512 - 1], ==, 0xab);
	g_assert_cmpuint(fake_mem[len - 4 * 512], ==, 0);

	e820_add(&m, 0, 0x9f000, E820_RAM);
	e820_add(&m, 0x100000, 0x1ff00000, E820_RAM);
	e820_set_type(&m, 0x200000, 0x400000, E820_RESERVED);
	g_assert_cmpint(
	    linux_build_boot_params(bp, &li, &m, 0x91000, 10, 0x1f000000, 0x1234, 0x92100), ==, 0);
	g_assert_cmpuint(bp[BP_SETUP_SECTS], ==, 3);
	g_assert_cmpuint(bp[BP_TYPE_OF_LOADER], ==, 0xff);
	g_assert_cmpuint(bp[BP_LOADFLAGS] & 1, ==, 1);
	g_assert_cmpuint(r32(bp + BP_CMD_LINE_PTR), ==, 0x91000);
	g_assert_cmpuint(r32(bp + BP_RAMDISK_IMAGE), ==, 0x1f000000);
	g_assert_cmpuint(r32(bp + BP_RAMDISK_SIZE), ==, 0x1234);
	g_assert_cmpuint(r64(bp + BP_ACPI_RSDP), ==, 0x92100);
	g_assert_cmpuint(bp[BP_E820_ENTRIES], ==, 4);
	g_assert_cmpuint(r64(bp + BP_E820_TABLE + 20 * 2), ==, 0x200000);
	g_assert_cmpuint(r32(bp + BP_E820_TABLE + 20 * 2 + 16), ==, E820_RESERVED);
	/* bytes beyond the copied header stay zero */
	g_assert_cmpuint(bp[0x268], ==, 0);
	g_assert_cmpint(linux_build_boot_params(bp, &li, &m, 0x100000000ULL, 1, 0, 0, 0), ==,
			-HV_ERANGE);
	/* too old for the 64-bit entry */
	w16(img + BP_VERSION, 0x20b);
	g_assert_cmpint(linux_inspect(img, len, &li), ==, -HV_ENOEXEC);
	g_free(fake_mem);
	g_free(img);
}

static void test_elf(void)
{
	u8 *img = g_malloc0(0x6000);
	struct linux_image li;
	u8 *ph;

	memcpy(img, "\177ELF", 4);
	img[4] = 2;
	img[5] = 1;
	w16(img + 18, 62);
	w64(img + 24, 0x1000000);
	w64(img + 32, 64);
	w16(img + 54, 56);
	w16(img + 56, 2);
	ph = img + 64;
	w32(ph, 1);
	w64(ph + 8, 0x1000);
	w64(ph + 24, 0x1000000);
	w64(ph + 32, 0x2000);
	w64(ph + 40, 0x2000);
	ph += 56;
	w32(ph, 1);
	w64(ph + 8, 0x3000);
	w64(ph + 24, 0x1200000);
	w64(ph + 32, 0x1000);
	w64(ph + 40, 0x3000); /* bss */
	memset(img + 0x1000, 0x11, 0x2000);
	memset(img + 0x3000, 0x22, 0x1000);
	g_assert_cmpint(linux_inspect(img, 0x6000, &li), ==, 0);
	g_assert_cmpint(li.format, ==, KERNEL_ELF);
	g_assert_cmpuint(li.load_addr, ==, 0x1000000);
	g_assert_cmpuint(li.mem_size, ==, 0x203000);
	g_assert_cmpuint(li.entry, ==, 0x1000000);
	fake_mem = g_malloc(FAKE_SIZE);
	memset(fake_mem, 0x77, FAKE_SIZE);
	g_assert_cmpint(linux_place(&li, phys), ==, 0);
	g_assert_cmpuint(fake_mem[0x1fff], ==, 0x11);
	g_assert_cmpuint(fake_mem[0x200000], ==, 0x22);
	g_assert_cmpuint(fake_mem[0x201000], ==, 0); /* bss cleared */
	g_assert_cmpuint(fake_mem[0x202fff], ==, 0);
	g_assert_cmpuint(fake_mem[0x203000], ==, 0x77);
	g_free(fake_mem);
	/* a segment pointing outside the file */
	w64(ph + 8, 0x5800);
	g_assert_cmpint(linux_inspect(img, 0x6000, &li), ==, -HV_ENOEXEC);
	g_free(img);
}

static void test_flat_and_junk(void)
{
	u8 *img = g_malloc0(0x20000);
	struct linux_image li;
	struct e820_map m = {0};
	u8 bp[LINUX_BOOT_PARAMS_SIZE];

	g_assert_cmpint(linux_inspect(img, 100, &li), ==, -HV_ENOEXEC);
	g_assert_cmpint(linux_inspect(img, 0x20000, &li), ==, 0);
	g_assert_cmpint(li.format, ==, KERNEL_FLAT);
	g_assert_cmpuint(li.entry, ==, LINUX_LOAD_ADDR);
	g_assert_cmpuint(li.mem_size, >=, LINUX_DEFAULT_INIT_SIZE);
	e820_add(&m, 0, 0x9f000, E820_RAM);
	g_assert_cmpint(linux_build_boot_params(bp, &li, &m, 0x91000, 3, 0, 0, 0), ==, 0);
	g_assert_cmpuint(r32(bp + BP_HEADER), ==, 0x53726448);
	g_assert_cmpuint(bp[BP_VERSION] | bp[BP_VERSION + 1] << 8, ==, 0x20f);
	g_free(img);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/linux-boot/bzimage", test_bzimage);
	g_test_add_func("/linux-boot/elf", test_elf);
	g_test_add_func("/linux-boot/flat-and-junk", test_flat_and_junk);
	return g_test_run();
}
