/* SPDX-License-Identifier: BSD-3-Clause */
/* Linux x86 64-bit boot protocol: image formats and the zero page. */
#ifndef HV_LINUX_BOOT_H
#define HV_LINUX_BOOT_H

#include "e820.h"

enum kernel_format { KERNEL_BZIMAGE, KERNEL_ELF, KERNEL_FLAT };

#define LINUX_LOAD_ADDR		0x1000000ULL /* nokaslr default (CONFIG_PHYSICAL_START) */
#define LINUX_DEFAULT_INIT_SIZE MiB(64)	     /* flat images carry no header: assume */
#define LINUX_BOOT_PARAMS_SIZE	4096

/* Where a kernel image's pieces go and where it starts. */
struct linux_image {
	enum kernel_format format;
	const u8 *image; /* the module as loaded */
	u64 image_len;
	/* bzImage: protected-mode payload within the image */
	const u8 *setup_hdr; /* bzImage only: start of setup header (image + 0x1f1) */
	u64 load_addr;	     /* physical load address */
	u64 mem_size;	     /* bytes needed from load_addr (init_size) */
	u64 entry;	     /* 64-bit entry point (physical) */
	u64 initrd_max;	     /* highest allowed initrd end */
};

/* Identify a kernel image and fill @li; -ENOEXEC for unusable images. */
int linux_inspect(const u8 *image, u64 len, struct linux_image *li);
/*
 * Copy the kernel to its load address.  Handles overlap between the module
 * and the destination.  @copy is memmove in the hypervisor.
 */
int linux_place(const struct linux_image *li, void *(*phys)(u64 pa));
/*
 * Fill a zero page.  @bp must be LINUX_BOOT_PARAMS_SIZE bytes.
 */
int linux_build_boot_params(u8 *bp, const struct linux_image *li, const struct e820_map *e820,
			    u64 cmdline_pa, u32 cmdline_len, u64 initrd_pa, u64 initrd_size,
			    u64 rsdp_pa);

/* boot_params offsets used by the loader and the tests */
#define BP_ACPI_RSDP	     0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES	     0x1e8
#define BP_SETUP_SECTS	     0x1f1
#define BP_BOOT_FLAG	     0x1fe
#define BP_HEADER	     0x202
#define BP_VERSION	     0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS	     0x211
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE	     0x21c
#define BP_CMD_LINE_PTR	     0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_RELOCATABLE	     0x234
#define BP_XLOADFLAGS	     0x236
#define BP_CMDLINE_SIZE	     0x238
#define BP_PREF_ADDRESS	     0x258
#define BP_INIT_SIZE	     0x260
#define BP_E820_TABLE	     0x2d0

#endif
