// SPDX-License-Identifier: BSD-3-Clause
/*
 * Linux boot protocol: detect bzImage / ELF vmlinux / flat binary, compute
 * the layout, build boot_params from scratch.  Pure; host-tested.
 */
#include "linux_boot.h"

#define HDRS_MAGIC    0x53726448U /* "HdrS" */
#define XLF_KERNEL_64 (1 << 0)
#define LOADED_HIGH   0x01
#define CAN_USE_HEAP  0x80

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return rd16(p) | (u32)rd16(p + 2) << 16;
}

static u64 rd64(const u8 *p)
{
	return rd32(p) | (u64)rd32(p + 4) << 32;
}

static void wr16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void wr32(u8 *p, u32 v)
{
	wr16(p, (u16)v);
	wr16(p + 2, (u16)(v >> 16));
}

static void wr64(u8 *p, u64 v)
{
	wr32(p, (u32)v);
	wr32(p + 4, (u32)(v >> 32));
}

static int inspect_bzimage(const u8 *img, u64 len, struct linux_image *li)
{
	u32 setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
	u64 payload = (u64)(setup_sects + 1) * 512;
	u16 version = rd16(img + BP_VERSION);

	/* the 64-bit entry point exists from protocol 2.12 with XLF_KERNEL_64 */
	if (version < 0x20c || !(rd16(img + BP_XLOADFLAGS) & XLF_KERNEL_64) || payload >= len)
		return -HV_ENOEXEC;
	li->format = KERNEL_BZIMAGE;
	li->setup_hdr = img + BP_SETUP_SECTS;
	li->load_addr = rd64(img + BP_PREF_ADDRESS);
	if (!li->load_addr || (li->load_addr & (MiB(2) - 1)))
		li->load_addr = LINUX_LOAD_ADDR;
	li->mem_size = MAX((u64)rd32(img + BP_INIT_SIZE), len - payload);
	li->entry = li->load_addr + 0x200;
	li->initrd_max = rd32(img + BP_INITRD_ADDR_MAX);
	return 0;
}

static int inspect_elf(const u8 *img, u64 len, struct linux_image *li)
{
	u64 phoff = rd64(img + 32), lo = UINT64_MAX, hi = 0;
	u16 phentsize = rd16(img + 54), phnum = rd16(img + 56), i;

	/* ELFCLASS64, little endian, x86-64 */
	if (len < 64 || img[4] != 2 || img[5] != 1 || rd16(img + 18) != 62)
		return -HV_ENOEXEC;
	if (phentsize < 56 || phoff > len || (u64)phnum * phentsize > len - phoff)
		return -HV_ENOEXEC;
	for (i = 0; i < phnum; i++) {
		const u8 *ph = img + phoff + (u64)i * phentsize;
		u64 off = rd64(ph + 8), paddr = rd64(ph + 24), filesz = rd64(ph + 32);
		u64 memsz = rd64(ph + 40);

		if (rd32(ph) != 1) /* PT_LOAD */
			continue;
		if (off > len || filesz > len - off || filesz > memsz)
			return -HV_ENOEXEC;
		lo = MIN(lo, paddr);
		hi = MAX(hi, paddr + memsz);
	}
	if (lo >= hi)
		return -HV_ENOEXEC;
	li->format = KERNEL_ELF;
	li->load_addr = lo;
	li->mem_size = hi - lo;
	li->entry = rd64(img + 24);
	/* vmlinux's e_entry is the physical address of startup_64 */
	if (li->entry < lo || li->entry >= hi)
		return -HV_ENOEXEC;
	li->initrd_max = 0x7fffffff;
	return 0;
}

int linux_inspect(const u8 *img, u64 len, struct linux_image *li)
{
	memset(li, 0, sizeof(*li));
	li->image = img;
	li->image_len = len;
	if (len >= 0x300 && rd16(img + BP_BOOT_FLAG) == 0xaa55 &&
	    rd32(img + BP_HEADER) == HDRS_MAGIC)
		return inspect_bzimage(img, len, li);
	if (len >= 64 && !memcmp(img, "\177ELF", 4))
		return inspect_elf(img, len, li);
	if (len < 4096)
		return -HV_ENOEXEC;
	/* a flat binary of the decompressed kernel, entered at startup_64 */
	li->format = KERNEL_FLAT;
	li->load_addr = LINUX_LOAD_ADDR;
	li->mem_size = MAX(ALIGN_UP(len, MiB(2)) * 2, LINUX_DEFAULT_INIT_SIZE);
	li->entry = LINUX_LOAD_ADDR;
	li->initrd_max = 0x7fffffff;
	return 0;
}

int linux_place(const struct linux_image *li, void *(*phys)(u64 pa))
{
	const u8 *img = li->image;

	if (li->format == KERNEL_BZIMAGE) {
		u32 setup_sects = img[BP_SETUP_SECTS] ? img[BP_SETUP_SECTS] : 4;
		u64 payload = (u64)(setup_sects + 1) * 512;

		memmove(phys(li->load_addr), img + payload, li->image_len - payload);
	} else if (li->format == KERNEL_FLAT) {
		memmove(phys(li->load_addr), img, li->image_len);
		/* the trimmed zero tail and bss/brk of a flat image: zero them */
		memset((u8 *)phys(li->load_addr) + li->image_len, 0, li->mem_size - li->image_len);
	} else {
		u64 phoff = rd64(img + 32);
		u16 phentsize = rd16(img + 54), phnum = rd16(img + 56);
		int i, step;

		/*
		 * Segments are ordered by address in both the file and memory.
		 * Moving up, copy the last one first so no source is clobbered.
		 */
		bool up = phys(LINUX_LOAD_ADDR) > (void *)img;

		for (i = up ? phnum - 1 : 0, step = up ? -1 : 1; i >= 0 && i < phnum; i += step) {
			const u8 *ph = img + phoff + (u64)i * phentsize;
			u64 off = rd64(ph + 8), paddr = rd64(ph + 24), filesz = rd64(ph + 32);
			u64 memsz = rd64(ph + 40);

			if (rd32(ph) != 1)
				continue;
			memmove(phys(paddr), img + off, filesz);
			memset((u8 *)phys(paddr) + filesz, 0, memsz - filesz);
		}
	}
	return 0;
}

int linux_build_boot_params(u8 *bp, const struct linux_image *li, const struct e820_map *e820,
			    u64 cmdline_pa, u32 cmdline_len, u64 initrd_pa, u64 initrd_size,
			    u64 rsdp_pa)
{
	u32 i;

	if (e820->nr > 128)
		return -HV_E2BIG;
	if (cmdline_pa >> 32 || (initrd_size && (initrd_pa + initrd_size) >> 32))
		return -HV_ERANGE;
	memset(bp, 0, LINUX_BOOT_PARAMS_SIZE);
	if (li->format == KERNEL_BZIMAGE) {
		/* copy the setup header: 0x1f1 up to the end given by byte 0x201 */
		u32 end = 0x202 + li->setup_hdr[0x201 - BP_SETUP_SECTS];

		if (end > 0x290)
			end = 0x290;
		memcpy(bp + BP_SETUP_SECTS, li->setup_hdr, end - BP_SETUP_SECTS);
	} else {
		wr16(bp + BP_BOOT_FLAG, 0xaa55);
		wr32(bp + BP_HEADER, HDRS_MAGIC);
		wr16(bp + BP_VERSION, 0x20f);
		wr32(bp + BP_CMDLINE_SIZE, 2047);
		wr32(bp + BP_INITRD_ADDR_MAX, 0x7fffffff);
	}
	bp[BP_TYPE_OF_LOADER] = 0xff; /* undefined loader id */
	bp[BP_LOADFLAGS] |= LOADED_HIGH;
	wr32(bp + BP_CMD_LINE_PTR, (u32)cmdline_pa);
	wr32(bp + BP_EXT_CMD_LINE_PTR, 0);
	(void)cmdline_len;
	wr32(bp + BP_RAMDISK_IMAGE, (u32)initrd_pa);
	wr32(bp + BP_RAMDISK_SIZE, (u32)initrd_size);
	wr64(bp + BP_ACPI_RSDP, rsdp_pa);
	bp[BP_E820_ENTRIES] = (u8)e820->nr;
	for (i = 0; i < e820->nr; i++) {
		u8 *e = bp + BP_E820_TABLE + i * 20;

		wr64(e, e820->e[i].addr);
		wr64(e + 8, e820->e[i].size);
		wr32(e + 16, e820->e[i].type);
	}
	return 0;
}
