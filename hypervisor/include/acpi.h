/* SPDX-License-Identifier: BSD-3-Clause */
/* The few ACPI facts the hypervisor needs, parsed from firmware tables. */
#ifndef HV_ACPI_H
#define HV_ACPI_H

#include "lib.h"

#define ACPI_MAX_CPUS 64

#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO	  1

struct acpi_info {
	u64 rsdp_addr;
	u64 madt_addr; /* physical address of the MADT (for hiding pCPUs) */
	u64 lapic_addr;
	u32 nr_cpus;
	u32 apic_ids[ACPI_MAX_CPUS]; /* enabled LAPIC / x2APIC ids */
	u64 ioapic_addr;
	u32 nr_ioapics;
	/* FADT */
	bool have_fadt;
	u32 pm1a_cnt; /* I/O port, 0 if none */
	u32 pm1b_cnt;
	u32 pm_tmr; /* I/O port of the PM timer, 0 if none */
	bool reset_supported;
	u8 reset_space; /* GAS address space: ACPI_SPACE_MEMORY or ACPI_SPACE_IO */
	u64 reset_addr;
	u8 reset_value;
	u64 dsdt;
	/* \_S5 sleep type values for PM1a/PM1b (from the DSDT AML) */
	bool have_s5;
	u8 s5_typ_a;
	u8 s5_typ_b;
};

/*
 * Map @len bytes of physical memory at @pa for reading; NULL if not
 * available.  The hypervisor maps identically; tests map a fake memory image.
 */
typedef const void *(*acpi_map_fn)(void *ctx, u64 pa, u64 len);

/*
 * Parse from an RSDP (given as bytes, e.g. the copy from multiboot2) whose
 * physical address is unknown.  Returns 0 or -errno (-EINVAL for a bad
 * checksum or signature, -ENOENT if no MADT).  Missing FADT is not an error.
 */
int acpi_parse(const u8 *rsdp, u32 rsdp_len, acpi_map_fn map, void *ctx, struct acpi_info *ai);
/*
 * Mark the enabled LAPIC or x2APIC entry of @apic_id in the MADT @madt
 * (writable, its length from its header) disabled and not online-capable,
 * and fix the checksum, so that an OS reading it never starts that CPU.
 * -ENOENT if no enabled entry has that id, -EINVAL for a malformed table.
 */
int acpi_madt_disable_cpu(u8 *madt, u32 apic_id);
/* Find \_S5's package in AML; returns 0 and the SLP_TYP values or -ENOENT. */
int acpi_find_s5(const u8 *aml, u64 len, u8 *typ_a, u8 *typ_b);
/* Search for an RSDP in [pa, pa+len) on 16-byte boundaries; returns its address or 0. */
u64 acpi_scan_rsdp(acpi_map_fn map, void *ctx, u64 pa, u64 len);

#endif
