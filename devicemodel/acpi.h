/* ACPI tables of the User VM, generated in C (no iasl at build or run
 * time): RSDP, XSDT, FADT, FACS, MADT and a DSDT in AML.
 *
 * They describe the fixed hardware of pm.h (PM1a event/control blocks,
 * SMI_CMD handshake, reset register 0xCF9, fixed-feature power and sleep
 * buttons), \_S3 and \_S5 with the SLP_TYP values pm.c acts on, one local
 * APIC per vCPU, the hypervisor's vIOAPIC, and PCI0 with its resources,
 * interrupt routing and the legacy devices behind the LPC bridge. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DM_ACPI_BASE 0xF2400ULL /* as upstream acrn-dm */
#define DM_ACPI_SIZE 0x4000

typedef struct {
	guint n_cpus;
	guint8 apic_ids[16]; /* LAPIC id of each vCPU */
	gboolean com1;	     /* describe COM1 */
} DmAcpiConfig;

/* Writes the tables for guest-physical @base into @buf (DM_ACPI_SIZE
 * bytes); returns the RSDP's guest-physical address. */
guint64 dm_acpi_build(const DmAcpiConfig *cfg, guint8 *buf, guint64 base);

/* Offsets of the tables from the base. */
#define DM_ACPI_RSDP 0x000
#define DM_ACPI_XSDT 0x080
#define DM_ACPI_FADT 0x100
#define DM_ACPI_MADT 0x240
#define DM_ACPI_FACS 0x440
#define DM_ACPI_DSDT 0x500

G_END_DECLS
