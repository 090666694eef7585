/* Guest memory, e820 and the Linux loader: bzImage header fields, the zero
 * page, the initramfs placement and vCPU 0's registers, with kernels built
 * in the test. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "linux-loader.h"

#define MEM (128ULL << 20)

static guint32 rd32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint64 rd64(const guint8 *p)
{
	return rd32(p) | (guint64)rd32(p + 4) << 32;
}

static void wr16(guint8 *p, guint16 v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
}

static void wr32(guint8 *p, guint32 v)
{
	wr16(p, (guint16)v);
	wr16(p + 2, (guint16)(v >> 16));
}

/* A bzImage-shaped file: 3 setup sectors + boot sector, then a payload
 * of @payload bytes counting up. */
static GByteArray *fake_bzimage(guint16 version, gsize payload)
{
	GByteArray *a = g_byte_array_sized_new((guint)(2048 + payload));
	guint8 *k;

	g_byte_array_set_size(a, (guint)(2048 + payload));
	k = a->data;
	memset(k, 0, a->len);
	k[0x1F1] = 3;
	wr16(k + 0x1FE, 0xAA55);
	k[0x200] = 0xEB;
	k[0x201] = 0x6A; /* header ends at 0x26C */
	memcpy(k + 0x202, "HdrS", 4);
	wr16(k + 0x206, version);
	wr32(k + 0x22C, 0x7FFFFFFF);
	wr32(k + 0x230, 0x200000);
	k[0x234] = 1;
	k[0x236] = 1; /* XLF_KERNEL_64 */
	wr32(k + 0x238, 2047);
	wr32(k + 0x260, 0x400000);
	for (gsize i = 0; i < payload; i++)
		k[2048 + i] = (guint8)i;
	return a;
}

static void test_e820(void)
{
	DmE820Entry e[DM_E820_MAX];
	guint n = dm_e820_build(256ULL << 20, e);

	g_assert_cmpuint(n, ==, 4);
	g_assert_cmphex(e[0].base, ==, 0);
	g_assert_cmphex(e[0].len, ==, 0xA0000);
	g_assert_cmpuint(e[0].type, ==, DM_E820_RAM);
	g_assert_cmphex(e[2].base, ==, 0x100000);
	g_assert_cmphex(e[2].base + e[2].len, ==, 256ULL << 20);
	g_assert_cmpuint(e[3].type, ==, DM_E820_RESERVED);
	g_assert_cmphex(e[3].base, ==, DM_PCI_ECAM_BASE);

	/* 3 GiB: 2 GiB low, the PCI hole, 1 GiB above 4 GiB. */
	n = dm_e820_build(3ULL << 30, e);
	g_assert_cmpuint(n, ==, 5);
	g_assert_cmphex(e[2].base + e[2].len, ==, DM_LOWMEM_LIMIT);
	g_assert_cmphex(e[4].base, ==, DM_HIGHMEM_BASE);
	g_assert_cmphex(e[4].len, ==, 1ULL << 30);
}

static void test_mem_bounds(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = dm_guest_mem_new(MEM, &error);

	g_assert_no_error(error);
	g_assert_nonnull(dm_guest_mem_ptr(m, 0, MEM));
	g_assert_nonnull(dm_guest_mem_ptr(m, MEM - 1, 1));
	g_assert_null(dm_guest_mem_ptr(m, MEM - 1, 2));
	g_assert_null(dm_guest_mem_ptr(m, MEM, 0));
	g_assert_null(dm_guest_mem_ptr(m, G_MAXUINT64 - 1, 4)); /* wraps */
	g_assert_null(dm_guest_mem_ptr(m, DM_HIGHMEM_BASE, 1));
	/* Writes through one mapping are seen at the same guest address. */
	g_assert_true(dm_guest_mem_write(m, 0x1234, "abc", 3));
	g_assert_cmpmem(dm_guest_mem_ptr(m, 0x1234, 3), 3, "abc", 3);
	g_assert_false(dm_guest_mem_write(m, MEM - 2, "abc", 3));
}

static void test_bzimage(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = dm_guest_mem_new(MEM, &error);
	g_autoptr(GByteArray) k = fake_bzimage(0x020F, 8192);
	guint8 initrd[65536];
	DmBootImages img = {k->data, k->len, FALSE, initrd, sizeof(initrd), "console=ttyS0 quiet",
			    0xF2400};
	DmBootResult r;
	const guint8 *bp, *pd, *gdt;
	const struct acrn_regs *regs = &r.regs.vcpu_regs;

	memset(initrd, 0x5A, sizeof(initrd));
	g_assert_true(dm_linux_load(m, &img, &r, &error));
	g_assert_no_error(error);
	bp = dm_guest_mem_ptr(m, DM_BOOT_PARAMS, 4096);

	/* The protected-mode payload at 16 MiB. */
	g_assert_cmpmem(dm_guest_mem_ptr(m, DM_KERNEL_ADDR, 8192), 8192, k->data + 2048, 8192);
	/* The setup header, copied, plus what a boot loader fills in. */
	g_assert_cmpuint(bp[BP_SETUP_SECTS], ==, 3);
	g_assert_cmpmem(bp + BP_HEADER, 4, "HdrS", 4);
	g_assert_cmphex(bp[BP_BOOT_FLAG] | bp[BP_BOOT_FLAG + 1] << 8, ==, 0xAA55);
	g_assert_cmphex(bp[BP_TYPE_OF_LOADER], ==, 0xFF);
	g_assert_cmphex(rd64(bp + BP_ACPI_RSDP_ADDR), ==, 0xF2400);
	g_assert_cmphex(rd32(bp + BP_CODE32_START), ==, DM_KERNEL_ADDR);
	g_assert_cmphex(rd32(bp + BP_CMD_LINE_PTR), ==, DM_BOOT_CMDLINE);
	g_assert_cmpstr((const char *)dm_guest_mem_ptr(m, DM_BOOT_CMDLINE, 20), ==,
			"console=ttyS0 quiet");
	/* The initramfs: page aligned at the top of RAM, above the kernel. */
	g_assert_cmphex(rd32(bp + BP_RAMDISK_SIZE), ==, sizeof(initrd));
	g_assert_cmphex(rd32(bp + BP_RAMDISK_IMAGE), ==, MEM - sizeof(initrd));
	g_assert_cmphex(r.initrd_addr % 4096, ==, 0);
	g_assert_cmpuint(r.initrd_addr, >=, DM_KERNEL_ADDR + 0x400000);
	g_assert_cmpmem(dm_guest_mem_ptr(m, r.initrd_addr, sizeof(initrd)), sizeof(initrd), initrd,
			sizeof(initrd));
	/* The e820 map in the zero page matches dm_e820_build(). */
	g_assert_cmpuint(bp[BP_E820_ENTRIES], ==, 4);
	g_assert_cmphex(rd64(bp + BP_E820_TABLE + 8), ==, 0xA0000);
	g_assert_cmphex(rd64(bp + BP_E820_TABLE + 40), ==, 0x100000);
	g_assert_cmphex(rd64(bp + BP_E820_TABLE + 48), ==, MEM - 0x100000);
	g_assert_cmpuint(rd32(bp + BP_E820_TABLE + 56), ==, DM_E820_RAM);

	/* vCPU 0 enters startup_64 in long mode with RSI = zero page. */
	g_assert_cmphex(regs->rip, ==, DM_KERNEL_ADDR + 0x200);
	g_assert_cmphex(regs->gprs.rsi, ==, DM_BOOT_PARAMS);
	g_assert_cmphex(regs->cr0 & 0x80000001, ==, 0x80000001);
	g_assert_cmphex(regs->cr4 & 0x20, ==, 0x20);
	g_assert_cmphex(regs->ia32_efer & 0x500, ==, 0x500);
	g_assert_cmphex(regs->cs_sel, ==, DM_BOOT_CS);
	g_assert_cmphex(regs->ds_sel, ==, DM_BOOT_DS);
	g_assert_cmphex(regs->cs_ar & 0x2000, ==, 0x2000); /* L bit */
	g_assert_cmphex(regs->rflags & 0x200, ==, 0);	   /* IF clear */
	/* Identity mapping: the 2 MiB page of 16 MiB, and the GDT. */
	pd = dm_guest_mem_ptr(m, DM_BOOT_PD, 4 * 4096);
	g_assert_cmphex(rd64(pd + 8 * 8), ==, DM_KERNEL_ADDR | 0x83);
	g_assert_cmphex(rd64(pd + 8 * 2047), ==, (2047ULL << 21) | 0x83);
	gdt = dm_guest_mem_ptr(m, regs->gdt.base, 32);
	g_assert_cmphex(rd64(gdt + DM_BOOT_CS), ==, 0x00AF9B000000FFFFULL);
}

static void test_bzimage_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = dm_guest_mem_new(MEM, &error);
	g_autoptr(GByteArray) old = fake_bzimage(0x0206, 4096);
	g_autoptr(GByteArray) ok = fake_bzimage(0x020F, 4096);
	g_autofree guint8 *big = g_malloc0(120ULL << 20);
	g_autofree char *cmd = g_strnfill(3000, 'x');
	DmBootResult r;
	struct {
		DmBootImages img;
		int code;
	} cases[] = {
	    {{(const guint8 *)"MZ not a kernel", 15, FALSE, NULL, 0, NULL, 0},
	     DM_LOADER_ERROR_FORMAT},
	    {{old->data, old->len, FALSE, NULL, 0, NULL, 0}, DM_LOADER_ERROR_FORMAT},
	    {{ok->data, 2048, FALSE, NULL, 0, NULL, 0}, DM_LOADER_ERROR_FORMAT},
	    {{ok->data, ok->len, FALSE, big, 120ULL << 20, NULL, 0}, DM_LOADER_ERROR_SPACE},
	    {{ok->data, ok->len, FALSE, NULL, 0, cmd, 0}, DM_LOADER_ERROR_SPACE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_clear_error(&error);
		g_assert_false(dm_linux_load(m, &cases[i].img, &r, &error));
		g_assert_error(error, DM_LOADER_ERROR, cases[i].code);
	}
}

/* A one-segment ELF vmlinux: 100 bytes of file, 200 of memory. */
static GByteArray *fake_elf(guint64 paddr, guint64 entry, guint64 filesz)
{
	GByteArray *a = g_byte_array_new();
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph = {0};
	guint8 body[100];

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_entry = entry;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_offset = sizeof(eh) + sizeof(ph);
	ph.p_paddr = paddr;
	ph.p_filesz = filesz;
	ph.p_memsz = 200;
	memset(body, 0xC3, sizeof(body));
	g_byte_array_append(a, (guint8 *)&eh, sizeof(eh));
	g_byte_array_append(a, (guint8 *)&ph, sizeof(ph));
	g_byte_array_append(a, body, sizeof(body));
	return a;
}

static void test_elf(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = dm_guest_mem_new(MEM, &error);
	g_autoptr(GByteArray) e = fake_elf(0x1000000, 0x1000010, 100);
	DmBootImages img = {e->data, e->len, TRUE, NULL, 0, "console=ttyS0", 0};
	DmBootResult r;
	const guint8 *p, *bp;

	memset(dm_guest_mem_ptr(m, 0x1000000, 200), 0xEE, 200);
	g_assert_true(dm_linux_load(m, &img, &r, &error));
	g_assert_no_error(error);
	p = dm_guest_mem_ptr(m, 0x1000000, 200);
	g_assert_cmphex(p[0], ==, 0xC3);
	g_assert_cmphex(p[99], ==, 0xC3);
	g_assert_cmphex(p[100], ==, 0); /* bss cleared */
	g_assert_cmphex(p[199], ==, 0);
	g_assert_cmphex(r.regs.vcpu_regs.rip, ==, 0x1000010);
	bp = dm_guest_mem_ptr(m, DM_BOOT_PARAMS, 4096);
	g_assert_cmpmem(bp + BP_HEADER, 4, "HdrS", 4);
	g_assert_cmphex(bp[BP_TYPE_OF_LOADER], ==, 0xFF);
	g_assert_cmpuint(bp[BP_E820_ENTRIES], ==, 4);
}

static void test_elf_errors(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = dm_guest_mem_new(MEM, &error);
	static const struct {
		guint64 paddr, entry, filesz;
		int code;
	} cases[] = {
	    {0x1000000, 0x2000000, 100, DM_LOADER_ERROR_FORMAT},  /* entry outside */
	    {0x1000000, 0x1000000, 5000, DM_LOADER_ERROR_FORMAT}, /* beyond the file */
	    {0x8000, 0x8000, 100, DM_LOADER_ERROR_FORMAT},	  /* over the zero page */
	    {MEM - 100, MEM - 100, 100, DM_LOADER_ERROR_SPACE},	  /* beyond RAM */
	};
	DmBootResult r;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GByteArray) e = fake_elf(cases[i].paddr, cases[i].entry, cases[i].filesz);
		DmBootImages img = {e->data, e->len, TRUE, NULL, 0, NULL, 0};

		g_clear_error(&error);
		g_assert_false(dm_linux_load(m, &img, &r, &error));
		g_assert_error(error, DM_LOADER_ERROR, cases[i].code);
	}
	/* A 32-bit ELF is refused. */
	{
		g_autoptr(GByteArray) e = fake_elf(0x1000000, 0x1000000, 100);
		DmBootImages img = {e->data, e->len, TRUE, NULL, 0, NULL, 0};

		e->data[EI_CLASS] = ELFCLASS32;
		g_clear_error(&error);
		g_assert_false(dm_linux_load(m, &img, &r, &error));
		g_assert_error(error, DM_LOADER_ERROR, DM_LOADER_ERROR_FORMAT);
	}
}

/* Debian's own kernel, when the platform tests have fetched it
 * (tests/platform/README.md: vmlinuz and vmlinux.elf under
 * /var/cache/acrn-platform/<ABI>/, or $ACRN_PLATFORM_CACHE). */
static char *debian_kernel_dir(void)
{
	const char *cache = g_getenv("ACRN_PLATFORM_CACHE");
	g_autoptr(GDir) d = g_dir_open(cache ? cache : "/var/cache/acrn-platform", 0, NULL);
	const char *e;

	while (d && (e = g_dir_read_name(d))) {
		g_autofree char *dir =
		    g_build_filename(cache ? cache : "/var/cache/acrn-platform", e, NULL);
		g_autofree char *z = g_build_filename(dir, "vmlinuz", NULL);
		g_autofree char *x = g_build_filename(dir, "vmlinux.elf", NULL);

		if (g_file_test(z, G_FILE_TEST_EXISTS) && g_file_test(x, G_FILE_TEST_EXISTS))
			return g_steal_pointer(&dir);
	}
	return NULL;
}

static void test_debian_kernel(void)
{
	g_autofree char *dir = debian_kernel_dir();
	g_autofree char *zpath = NULL, *xpath = NULL;
	g_autoptr(GMappedFile) z = NULL, x = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = NULL;
	DmBootResult r;
	const guint8 *bp, *k;

	if (!dir) {
		g_test_skip("Debian's kernel is not in /var/cache/acrn-platform");
		return;
	}
	zpath = g_build_filename(dir, "vmlinuz", NULL);
	xpath = g_build_filename(dir, "vmlinux.elf", NULL);
	z = g_mapped_file_new(zpath, FALSE, &error);
	g_assert_no_error(error);
	x = g_mapped_file_new(xpath, FALSE, &error);
	g_assert_no_error(error);
	m = dm_guest_mem_new(256ULL << 20, &error);
	g_assert_no_error(error);

	{
		DmBootImages img = {(const guint8 *)g_mapped_file_get_contents(z),
				    g_mapped_file_get_length(z),
				    FALSE,
				    (const guint8 *)"07070100",
				    8,
				    "console=ttyS0",
				    0xF2400};

		g_assert_true(dm_linux_load(m, &img, &r, &error));
		g_assert_no_error(error);
		k = img.kernel;
	}
	bp = dm_guest_mem_ptr(m, DM_BOOT_PARAMS, 4096);
	g_test_message("bzImage: protocol %x, init_size %u MiB",
		       bp[BP_VERSION] | bp[BP_VERSION + 1] << 8, rd32(bp + BP_INIT_SIZE) >> 20);
	g_assert_cmphex(bp[BP_VERSION] | bp[BP_VERSION + 1] << 8, >=, 0x020C);
	/* The header up to type_of_loader is the kernel's, copied. */
	g_assert_cmpmem(bp + BP_SETUP_SECTS, BP_TYPE_OF_LOADER - BP_SETUP_SECTS, k + BP_SETUP_SECTS,
			BP_TYPE_OF_LOADER - BP_SETUP_SECTS);
	g_assert_cmphex(r.regs.vcpu_regs.rip, ==, DM_KERNEL_ADDR + 0x200);
	g_assert_cmpuint(r.initrd_addr, >=, r.kernel_end);

	{
		DmBootImages img = {(const guint8 *)g_mapped_file_get_contents(x),
				    g_mapped_file_get_length(x),
				    TRUE,
				    NULL,
				    0,
				    "console=ttyS0",
				    0xF2400};
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img.kernel;
		Elf64_Phdr ph;

		g_assert_true(dm_linux_load(m, &img, &r, &error));
		g_assert_no_error(error);
		g_assert_cmphex(r.regs.vcpu_regs.rip, ==, eh->e_entry);
		/* The first segment is in guest memory at its physical address. */
		memcpy(&ph, img.kernel + eh->e_phoff, sizeof(ph));
		g_assert_cmpmem(dm_guest_mem_ptr(m, ph.p_paddr, 4096), 4096,
				img.kernel + ph.p_offset, 4096);
		g_test_message("vmlinux: entry 0x%" G_GINT64_MODIFIER
			       "x, loaded 0x%" G_GINT64_MODIFIER "x-0x%" G_GINT64_MODIFIER "x",
			       eh->e_entry, r.kernel_addr, r.kernel_end);
	}
}

/* tests/guests' bzImages go through the loader as Linux does: the header
 * is accepted, the payload lands at 16 MiB with the entry 0x200 into it,
 * and the command line reaches the guest. */
static void test_guest_bzimage(void)
{
	const char *path = g_getenv("PM_GUEST_BZIMAGE");
	g_autoptr(GMappedFile) f = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(DmGuestMem) m = NULL;
	const char *cmdline = "pm_guest.mode=button";
	const guint8 *bp, *k;
	DmBootResult r;

	g_assert_nonnull(path);
	f = g_mapped_file_new(path, FALSE, &error);
	g_assert_no_error(error);
	m = dm_guest_mem_new(64ULL << 20, &error);
	g_assert_no_error(error);
	{
		DmBootImages img = {(const guint8 *)g_mapped_file_get_contents(f),
				    g_mapped_file_get_length(f),
				    FALSE,
				    NULL,
				    0,
				    cmdline,
				    0xF2400};

		g_assert_true(dm_linux_load(m, &img, &r, &error));
		g_assert_no_error(error);
		k = img.kernel;
	}
	g_assert_cmphex(r.regs.vcpu_regs.rip, ==, DM_KERNEL_ADDR + 0x200);
	/* the payload (after 2 setup sectors) is at 16 MiB, bss included in init_size */
	g_assert_cmpmem(dm_guest_mem_ptr(m, DM_KERNEL_ADDR, 0x210), 0x210, k + 0x400, 0x210);
	bp = dm_guest_mem_ptr(m, DM_BOOT_PARAMS, 4096);
	g_assert_cmpuint(r.kernel_end - DM_KERNEL_ADDR, ==, rd32(bp + BP_INIT_SIZE));
	g_assert_cmpuint(rd32(bp + BP_INIT_SIZE), >, g_mapped_file_get_length(f) - 0x400);
	g_assert_cmpstr((const char *)dm_guest_mem_ptr(m, rd32(bp + BP_CMD_LINE_PTR), 64), ==,
			cmdline);
}

/* clang-format once turned the quark name into "dm - loader - error - quark" */
static void test_error_domain(void)
{
	g_assert_cmpstr(g_quark_to_string(DM_LOADER_ERROR), ==, "dm_loader_error_quark");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/loader/error-domain", test_error_domain);
	g_test_add_func("/loader/e820", test_e820);
	g_test_add_func("/loader/mem-bounds", test_mem_bounds);
	g_test_add_func("/loader/bzimage", test_bzimage);
	g_test_add_func("/loader/bzimage-errors", test_bzimage_errors);
	g_test_add_func("/loader/elf", test_elf);
	g_test_add_func("/loader/elf-errors", test_elf_errors);
	g_test_add_func("/loader/debian-kernel", test_debian_kernel);
	g_test_add_func("/loader/test-guest-bzimage", test_guest_bzimage);
	return g_test_run();
}
