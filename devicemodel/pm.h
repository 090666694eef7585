/* ACPI fixed hardware of the User VM: PM1a event block (0x400: status,
 * 0x402: enable), PM1a control (0x404), SMI_CMD (0xB2) for the ACPI
 * enable/disable handshake, and the reset register (0xCF9).
 *
 * Outcomes the guest asks for (S5, S3, reset) are reported through
 * @request; the owner (vm-run.c) acts on them after the current I/O request
 * is answered.  The power and sleep buttons set their status bits and raise
 * the SCI (GSI 9, level) when enabled. */
#pragma once

#include "irq.h"

G_BEGIN_DECLS

#define DM_PM1A_EVT	0x400
#define DM_PM1A_CNT	0x404
#define DM_SMI_CMD	0xB2
#define DM_RESET_PORT	0xCF9
#define DM_ACPI_ENABLE	0xA0
#define DM_ACPI_DISABLE 0xA1

/* PM1 status/enable bits. */
#define PM1_TMR	   0x0001
#define PM1_GBL	   0x0020
#define PM1_PWRBTN 0x0100
#define PM1_SLPBTN 0x0200
#define PM1_RTC	   0x0400
#define PM1_WAK	   0x8000
/* PM1 control bits. */
#define PM1_SCI_EN	  0x0001
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK  0x1C00
#define PM1_SLP_EN	  0x2000

/* SLP_TYP values, as the DSDT's \_S3 and \_S5 packages announce them. */
#define DM_SLP_TYP_S3 3
#define DM_SLP_TYP_S5 5

typedef enum {
	DM_PM_POWEROFF, /* S5 */
	DM_PM_SUSPEND,	/* S3 */
	DM_PM_RESET,	/* reset register */
} DmPmRequest;

typedef struct DmPm DmPm;

DmPm *dm_pm_new(const DmIrqSink *irq, void (*request)(gpointer ctx, DmPmRequest r), gpointer ctx);
void dm_pm_free(DmPm *pm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmPm, dm_pm_free)

void dm_pm_evt_io(gpointer pm, guint64 offset, guint size, gboolean write, guint64 *value);
void dm_pm_cnt_io(gpointer pm, guint64 offset, guint size, gboolean write, guint64 *value);
void dm_pm_smi_io(gpointer pm, guint64 offset, guint size, gboolean write, guint64 *value);
void dm_pm_reset_io(gpointer pm, guint64 offset, guint size, gboolean write, guint64 *value);

void dm_pm_press_power_button(DmPm *pm);
void dm_pm_press_sleep_button(DmPm *pm);
/* Coming back from S3: sets WAK_STS and clears SLP_EN. */
void dm_pm_wake(DmPm *pm);
/* A system reset: back to legacy mode, no status, nothing enabled. */
void dm_pm_reset(DmPm *pm);
/* ACPI mode on (SCI_EN), i.e. the guest OS can take a button press. */
gboolean dm_pm_acpi_enabled(const DmPm *pm);

G_END_DECLS
