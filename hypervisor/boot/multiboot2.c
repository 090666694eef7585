// SPDX-License-Identifier: BSD-3-Clause
/*
 * Multiboot2 boot information parsing.  Everything is copied out, so the
 * loader's structure may be overwritten once this returns.
 */
#include "bootinfo.h"

#define MB2_TAG_END	 0
#define MB2_TAG_CMDLINE	 1
#define MB2_TAG_LOADER	 2
#define MB2_TAG_MODULE	 3
#define MB2_TAG_MMAP	 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

static void copy_str(char *dst, size_t size, const u8 *src, u32 len)
{
	u32 n = 0;

	while (n < len && src[n] && n + 1 < size) {
		dst[n] = (char)src[n];
		n++;
	}
	dst[n] = '\0';
}

static int parse_mmap(const u8 *tag, u32 size, struct boot_info *bi)
{
	u32 entry_size = *(const u32 *)(tag + 8), off;

	if (size < 16 || entry_size < 24 || (entry_size & 7))
		return -HV_EINVAL;
	for (off = 16; off + entry_size <= size; off += entry_size) {
		const u8 *e = tag + off;
		u32 type = *(const u32 *)(e + 16);
		int ret;

		/* multiboot2 uses the ACPI numbering; anything unknown is reserved */
		if (type < E820_RAM || type > E820_UNUSABLE)
			type = E820_RESERVED;
		ret = e820_add(&bi->mmap, *(const u64 *)e, *(const u64 *)(e + 8), type);
		if (ret)
			return ret;
	}
	return 0;
}

int mb2_parse(const void *mbi, u64 max_len, struct boot_info *bi)
{
	const u8 *p = mbi;
	u32 total, off;

	memset(bi, 0, sizeof(*bi));
	if (max_len < 16)
		return -HV_EINVAL;
	total = *(const u32 *)p;
	if (total < 16 || total > max_len)
		return -HV_EINVAL;
	for (off = 8; off + 8 <= total; off = (u32)ALIGN_UP(off + *(const u32 *)(p + off + 4), 8)) {
		const u8 *tag = p + off;
		u32 type = *(const u32 *)tag, size = *(const u32 *)(tag + 4);
		int ret = 0;

		if (size < 8 || size > total - off)
			return -HV_EINVAL;
		switch (type) {
		case MB2_TAG_END:
			e820_normalize(&bi->mmap);
			return bi->mmap.nr ? 0 : -HV_EINVAL;
		case MB2_TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), tag + 8, size - 8);
			break;
		case MB2_TAG_LOADER:
			copy_str(bi->loader, sizeof(bi->loader), tag + 8, size - 8);
			break;
		case MB2_TAG_MODULE: {
			struct boot_module *m;

			if (size < 16)
				return -HV_EINVAL;
			if (bi->nr_modules >= BOOT_MAX_MODULES)
				break;
			m = &bi->mods[bi->nr_modules++];
			m->start = *(const u32 *)(tag + 8);
			m->end = *(const u32 *)(tag + 12);
			if (m->end < m->start)
				return -HV_EINVAL;
			copy_str(m->string, sizeof(m->string), tag + 16, size - 16);
			break;
		}
		case MB2_TAG_MMAP:
			ret = parse_mmap(tag, size, bi);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW: {
			u32 len = size - 8;

			/* prefer the ACPI 2.0 RSDP when both are given */
			if (bi->rsdp_len == 36 && type == MB2_TAG_ACPI_OLD)
				break;
			if (len > sizeof(bi->rsdp))
				len = sizeof(bi->rsdp);
			if (len < 20)
				return -HV_EINVAL;
			memcpy(bi->rsdp, tag + 8, len);
			bi->rsdp_len = len;
			break;
		}
		default:
			break;
		}
		if (ret)
			return ret;
	}
	/* no end tag */
	return -HV_EINVAL;
}
