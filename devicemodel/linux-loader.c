/* Linux direct boot; see linux-loader.h. */
#include "config.h"

#include <elf.h>
#include <string.h>

#include "linux-loader.h"

G_DEFINE_QUARK(dm_loader_error_quark, dm_loader_error)

#define XLF_KERNEL_64 (1 << 0)
#define LOADED_HIGH   (1 << 0)
#define PAGE	      4096ULL

static guint16 rd16(const guint8 *p)
{
	return (guint16)(p[0] | p[1] << 8);
}

static guint32 rd32(const guint8 *p)
{
	return (guint32)rd16(p) | (guint32)rd16(p + 2) << 16;
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

static void wr64(guint8 *p, guint64 v)
{
	wr32(p, (guint32)v);
	wr32(p + 4, (guint32)(v >> 32));
}

static gboolean fail(GError **error, DmLoaderError code, const char *msg)
{
	g_set_error_literal(error, DM_LOADER_ERROR, code, msg);
	return FALSE;
}

/* Protected-mode part of a bzImage at DM_KERNEL_ADDR; the setup header is
 * copied into the zero page, as the boot protocol asks. */
static gboolean load_bzimage(const DmGuestMem *mem, const DmBootImages *img, guint8 *bp,
			     DmBootResult *out, GError **error)
{
	const guint8 *k = img->kernel;
	gsize setup_len, hdr_end;
	guint64 init_size;
	guint32 align;

	if (img->kernel_len < 0x270 || rd16(k + BP_BOOT_FLAG) != 0xAA55 ||
	    memcmp(k + BP_HEADER, "HdrS", 4) != 0)
		return fail(error, DM_LOADER_ERROR_FORMAT, "not a bzImage (no HdrS setup header)");
	if (rd16(k + BP_VERSION) < 0x020C || !(k[BP_XLOADFLAGS] & XLF_KERNEL_64))
		return fail(error, DM_LOADER_ERROR_FORMAT,
			    "bzImage has no 64-bit entry point (boot protocol 2.12+ with "
			    "XLF_KERNEL_64 needed)");
	setup_len = ((gsize)(k[BP_SETUP_SECTS] ? k[BP_SETUP_SECTS] : 4) + 1) * 512;
	if (setup_len >= img->kernel_len)
		return fail(error, DM_LOADER_ERROR_FORMAT,
			    "bzImage is truncated after its setup code");
	align = rd32(k + BP_KERNEL_ALIGNMENT);
	if (align && (DM_KERNEL_ADDR % align) != 0 && !k[BP_RELOCATABLE])
		return fail(error, DM_LOADER_ERROR_FORMAT,
			    "bzImage is neither relocatable nor loadable at 16 MiB");
	init_size = MAX(rd32(k + BP_INIT_SIZE), img->kernel_len - setup_len);
	if (!dm_guest_mem_ptr(mem, DM_KERNEL_ADDR, init_size))
		return fail(error, DM_LOADER_ERROR_SPACE, "the kernel does not fit into guest RAM");
	dm_guest_mem_write(mem, DM_KERNEL_ADDR, k + setup_len, img->kernel_len - setup_len);
	/* The header runs from 0x1F1 to 0x202 plus the jump offset at 0x201. */
	hdr_end = MIN(0x202 + (gsize)k[0x201], MIN(img->kernel_len, (gsize)0x280));
	memcpy(bp + BP_SETUP_SECTS, k + BP_SETUP_SECTS, hdr_end - BP_SETUP_SECTS);
	wr32(bp + BP_CODE32_START, (guint32)DM_KERNEL_ADDR);
	out->kernel_addr = DM_KERNEL_ADDR;
	out->kernel_end = DM_KERNEL_ADDR + init_size;
	out->entry = DM_KERNEL_ADDR + 0x200; /* startup_64 */
	return TRUE;
}

/* An ELF vmlinux: PT_LOAD segments at their physical addresses, entry at
 * e_entry (a physical address in x86-64 vmlinux).  The zero page gets a
 * minimal setup header of our own. */
static gboolean load_elf(const DmGuestMem *mem, const DmBootImages *img, guint8 *bp,
			 DmBootResult *out, GError **error)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->kernel;
	guint64 lo = G_MAXUINT64, hi = 0;
	gboolean entry_ok = FALSE;

	if (img->kernel_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return fail(error, DM_LOADER_ERROR_FORMAT, "not an x86-64 ELF executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phoff > img->kernel_len ||
	    (guint64)eh->e_phnum * sizeof(Elf64_Phdr) > img->kernel_len - eh->e_phoff)
		return fail(error, DM_LOADER_ERROR_FORMAT,
			    "ELF program headers are out of the file");
	for (guint i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		guint8 *dst;

		memcpy(&ph, img->kernel + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > img->kernel_len ||
		    ph.p_filesz > img->kernel_len - ph.p_offset)
			return fail(error, DM_LOADER_ERROR_FORMAT,
				    "ELF segment is out of the file");
		if (ph.p_paddr < 0x100000)
			return fail(error, DM_LOADER_ERROR_FORMAT,
				    "ELF segment below 1 MiB would overwrite boot structures");
		dst = dm_guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return fail(error, DM_LOADER_ERROR_SPACE,
				    "ELF segment does not fit into guest RAM");
		memcpy(dst, img->kernel + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		lo = MIN(lo, ph.p_paddr);
		hi = MAX(hi, ph.p_paddr + ph.p_memsz);
		if (eh->e_entry >= ph.p_paddr && eh->e_entry < ph.p_paddr + ph.p_memsz)
			entry_ok = TRUE;
	}
	if (hi == 0)
		return fail(error, DM_LOADER_ERROR_FORMAT, "ELF file has no loadable segment");
	if (!entry_ok)
		return fail(error, DM_LOADER_ERROR_FORMAT,
			    "ELF entry point is not inside a loaded segment");
	wr16(bp + BP_BOOT_FLAG, 0xAA55);
	memcpy(bp + BP_HEADER, "HdrS", 4);
	wr16(bp + BP_VERSION, 0x020F);
	bp[BP_LOADFLAGS] = LOADED_HIGH;
	wr32(bp + BP_KERNEL_ALIGNMENT, 0x200000);
	wr32(bp + BP_INITRD_ADDR_MAX, 0x7fffffff);
	out->kernel_addr = lo;
	out->kernel_end = hi;
	out->entry = eh->e_entry;
	return TRUE;
}

/* Identity map of the first 4 GiB with 2 MiB pages, and a flat GDT whose
 * selectors 0x10/0x18 are the boot protocol's __BOOT_CS/__BOOT_DS. */
static void write_page_tables_and_gdt(const DmGuestMem *mem)
{
	guint8 *pml4 = dm_guest_mem_ptr(mem, DM_BOOT_PML4, PAGE);
	guint8 *pdpt = dm_guest_mem_ptr(mem, DM_BOOT_PDPT, PAGE);
	guint8 *pd = dm_guest_mem_ptr(mem, DM_BOOT_PD, 4 * PAGE);
	guint8 *gdt = dm_guest_mem_ptr(mem, DM_BOOT_GDT, 32);

	memset(pml4, 0, PAGE);
	memset(pdpt, 0, PAGE);
	wr64(pml4, DM_BOOT_PDPT | 0x3); /* present, writable */
	for (guint i = 0; i < 4; i++)
		wr64(pdpt + 8 * i, (DM_BOOT_PD + i * PAGE) | 0x3);
	for (guint i = 0; i < 4 * 512; i++)
		wr64(pd + 8 * i, ((guint64)i << 21) | 0x83); /* present, writable, 2 MiB */
	wr64(gdt + 0, 0);
	wr64(gdt + 8, 0);
	wr64(gdt + 16, 0x00AF9B000000FFFFULL); /* 64-bit code */
	wr64(gdt + 24, 0x00CF93000000FFFFULL); /* data */
}

static void set_regs(DmBootResult *out)
{
	struct acrn_regs *r = &out->regs.vcpu_regs;

	memset(&out->regs, 0, sizeof(out->regs));
	out->regs.vcpu_id = 0;
	r->gprs.rsi = DM_BOOT_PARAMS;
	r->rip = out->entry;
	r->gdt.base = DM_BOOT_GDT;
	r->gdt.limit = 31;
	r->cr0 = 0x80050033ULL; /* PG, AM, WP, NE, ET, MP, PE */
	r->cr3 = DM_BOOT_PML4;
	r->cr4 = 0x20;	      /* PAE */
	r->ia32_efer = 0x500; /* LMA, LME */
	r->rflags = 0x2;      /* interrupts off */
	r->cs_ar = 0xA09B;    /* present, code, L */
	r->cs_limit = 0xFFFFFFFF;
	r->cs_sel = DM_BOOT_CS;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = DM_BOOT_DS;
}

gboolean dm_linux_load(const DmGuestMem *mem, const DmBootImages *img, DmBootResult *out,
		       GError **error)
{
	guint8 *bp = dm_guest_mem_ptr(mem, DM_BOOT_PARAMS, PAGE);
	DmE820Entry e820[DM_E820_MAX];
	gsize cmdlen = img->cmdline ? strlen(img->cmdline) : 0;
	guint n;

	memset(out, 0, sizeof(*out));
	memset(bp, 0, PAGE);
	if (!(img->elf ? load_elf(mem, img, bp, out, error)
		       : load_bzimage(mem, img, bp, out, error)))
		return FALSE;

	if (cmdlen >= 0x10000)
		return fail(error, DM_LOADER_ERROR_SPACE, "kernel command line is too long");
	if (!img->elf && rd16(bp + BP_VERSION) >= 0x0206 && cmdlen > rd32(bp + BP_CMDLINE_SIZE))
		return fail(error, DM_LOADER_ERROR_SPACE,
			    "kernel command line is longer than the kernel accepts");
	dm_guest_mem_write(mem, DM_BOOT_CMDLINE, img->cmdline ? img->cmdline : "", cmdlen + 1);
	wr32(bp + BP_CMD_LINE_PTR, (guint32)DM_BOOT_CMDLINE);
	wr32(bp + BP_CMDLINE_SIZE, (guint32)cmdlen);

	if (img->initrd_len) {
		/* Top of lowmem, page aligned, below what the kernel can reach. */
		guint64 top = MIN(mem->lowmem, (guint64)rd32(bp + BP_INITRD_ADDR_MAX) + 1);
		guint64 addr = (top - img->initrd_len) & ~(PAGE - 1);

		if (img->initrd_len > top || addr < out->kernel_end)
			return fail(error, DM_LOADER_ERROR_SPACE,
				    "the initramfs does not fit between the kernel and the end of "
				    "low RAM");
		dm_guest_mem_write(mem, addr, img->initrd, img->initrd_len);
		wr32(bp + BP_RAMDISK_IMAGE, (guint32)addr);
		wr32(bp + BP_RAMDISK_SIZE, (guint32)img->initrd_len);
		out->initrd_addr = addr;
	}
	bp[BP_TYPE_OF_LOADER] = 0xFF; /* undefined boot loader */
	/* Saves the kernel its scan of the BIOS area for the RSDP. */
	wr64(bp + BP_ACPI_RSDP_ADDR, img->rsdp);

	n = dm_e820_build(mem->lowmem + mem->highmem, e820);
	bp[BP_E820_ENTRIES] = (guint8)n;
	for (guint i = 0; i < n; i++) {
		guint8 *e = bp + BP_E820_TABLE + 20 * i;

		wr64(e, e820[i].base);
		wr64(e + 8, e820[i].len);
		wr32(e + 16, e820[i].type);
	}
	write_page_tables_and_gdt(mem);
	set_regs(out);
	return TRUE;
}
