/* SPDX-License-Identifier: BSD-3-Clause */
/* What the hypervisor learns from its boot loader (multiboot2). */
#ifndef HV_BOOTINFO_H
#define HV_BOOTINFO_H

#include "e820.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289U
#define BOOT_MAX_MODULES     8
#define BOOT_CMDLINE_MAX     1024

struct boot_module {
	u64 start;
	u64 end; /* exclusive */
	char string[BOOT_CMDLINE_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	struct e820_map mmap;
	u32 nr_modules;
	struct boot_module mods[BOOT_MAX_MODULES];
	/* copy of the RSDP as given by the loader (v1: 20 bytes, v2: 36) */
	u8 rsdp[36];
	u32 rsdp_len;
};

/*
 * Parse a multiboot2 information structure of at most @max_len bytes.
 * Returns 0, or -EINVAL for a malformed structure (bad sizes, overruns).
 */
int mb2_parse(const void *mbi, u64 max_len, struct boot_info *bi);

#endif
