/* Linux direct boot: a bzImage (64-bit boot protocol) or an ELF vmlinux is
 * written into guest memory together with the initramfs, the command line
 * and a zero page (boot_params) holding the e820 map; the result is the
 * register state of vCPU 0, ready for the HSM's SET_VCPU_REGS.
 *
 * vCPU 0 starts directly in 64-bit mode at the kernel's 64-bit entry, with
 * identity-mapped page tables for the first 4 GiB, a flat GDT and RSI
 * pointing at the zero page (Documentation/arch/x86/boot.rst, "64-bit boot
 * protocol").  This skips the real-mode setup code, which needs a BIOS. */
#pragma once

#include <glib.h>
#include <linux/acrn.h>

#include "guest-mem.h"

G_BEGIN_DECLS

#define DM_LOADER_ERROR (dm_loader_error_quark())
GQuark dm_loader_error_quark(void);
typedef enum {
	DM_LOADER_ERROR_FORMAT, /* not a kernel we can boot */
	DM_LOADER_ERROR_SPACE,	/* does not fit into guest RAM */
} DmLoaderError;

/* Guest-physical addresses of the boot structures (all below 640 KiB). */
#define DM_BOOT_GDT	0x1000ULL
#define DM_BOOT_PARAMS	0x7000ULL
#define DM_BOOT_PML4	0x9000ULL
#define DM_BOOT_PDPT	0xA000ULL
#define DM_BOOT_PD	0xB000ULL /* 4 pages: 0xB000..0xEFFF */
#define DM_BOOT_CMDLINE 0x20000ULL
#define DM_KERNEL_ADDR	0x1000000ULL /* 16 MiB, as upstream */
#define DM_BOOT_CS	0x10
#define DM_BOOT_DS	0x18

/* Offsets in boot_params (the zero page) and its setup header. */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0C0
#define BP_EXT_RAMDISK_SIZE  0x0C4
#define BP_EXT_CMD_LINE_PTR  0x0C8
#define BP_E820_ENTRIES	     0x1E8
#define BP_SETUP_SECTS	     0x1F1
#define BP_BOOT_FLAG	     0x1FE
#define BP_HEADER	     0x202
#define BP_VERSION	     0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS	     0x211
#define BP_CODE32_START	     0x214
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE	     0x21C
#define BP_CMD_LINE_PTR	     0x228
#define BP_INITRD_ADDR_MAX   0x22C
#define BP_KERNEL_ALIGNMENT  0x230
#define BP_RELOCATABLE	     0x234
#define BP_XLOADFLAGS	     0x236
#define BP_CMDLINE_SIZE	     0x238
#define BP_INIT_SIZE	     0x260
#define BP_E820_TABLE	     0x2D0
#define BP_E820_TABLE_MAX    128

typedef struct {
	const guint8 *kernel; /* whole file */
	gsize kernel_len;
	gboolean elf; /* ELF vmlinux rather than bzImage */
	const guint8 *initrd;
	gsize initrd_len;
	const char *cmdline; /* may be NULL */
	guint64 rsdp;	     /* ACPI RSDP for the zero page, 0: none */
} DmBootImages;

/* Where things went, for logs and tests. */
typedef struct {
	guint64 kernel_addr, kernel_end, entry;
	guint64 initrd_addr;
	struct acrn_vcpu_regs regs; /* vCPU 0 */
} DmBootResult;

gboolean dm_linux_load(const DmGuestMem *mem, const DmBootImages *img, DmBootResult *out,
		       GError **error);

G_END_DECLS
