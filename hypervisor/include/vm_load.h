/* SPDX-License-Identifier: BSD-3-Clause */
/* Loading the Service VM's Linux kernel and initrd from the multiboot2 modules. */
#ifndef HV_VM_LOAD_H
#define HV_VM_LOAD_H

#include "lib.h"
#include "e820.h"

/* Guest low-memory layout used by the Linux loader (all below the EBDA). */
#define GUEST_SELFTEST_CODE 0x7000ULL
#define AP_TRAMPOLINE_ADDR  0x8000ULL
#define GUEST_BOOT_PARAMS   0x90000ULL
#define GUEST_CMDLINE	    0x91000ULL
#define GUEST_GDT	    0x92000ULL
#define GUEST_GDT_DESC	    (GUEST_GDT + 0x20) /* lgdt operand for the native jump */
#define GUEST_RSDP_COPY	    (GUEST_GDT + 0x100)
#define GUEST_PML4	    0x93000ULL /* + PDPT + 4 PDs: identity map of 4 GiB */
#define GUEST_LOWMEM_END    0x99000ULL

/* Place kernel and initrd in @mmap's RAM and build boot_params; the entry point in @ret_entry. */
int sos_prepare(const struct e820_map *mmap, u64 *ret_entry);
/* The GDT, the 4 GiB identity page tables and the RSDP copy in guest low memory. */
void build_guest_lowmem(void);
/* The same for a guest whose physical 0 is host-physical @ram_base (no RSDP copy unless asked). */
void build_guest_lowmem_at(u64 ram_base, bool rsdp_copy);
/* entry.S: jump to a 64-bit kernel without VMX. */
void native_jump(u64 entry, u64 boot_params, u64 cr3, u64 gdt_desc) __attribute__((noreturn));

#endif
