/* ACPI PM1, SMI_CMD and reset register; see pm.h. */
#include "config.h"

#include "pm.h"

/* Only these status bits exist here; the guest clears them by writing 1. */
#define STS_MASK (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC | PM1_WAK)
#define EN_MASK	 (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_SLPBTN | PM1_RTC)

struct DmPm {
	const DmIrqSink *irq;
	void (*request)(gpointer, DmPmRequest);
	gpointer ctx;
	guint16 sts, en, cnt;
	guint8 reset_reg;
	gboolean sci;
};

DmPm *dm_pm_new(const DmIrqSink *irq, void (*request)(gpointer, DmPmRequest), gpointer ctx)
{
	DmPm *pm = g_new0(DmPm, 1);

	pm->irq = irq;
	pm->request = request;
	pm->ctx = ctx;
	return pm;
}

void dm_pm_free(DmPm *pm)
{
	g_free(pm);
}

static void update_sci(DmPm *pm)
{
	gboolean level = (pm->cnt & PM1_SCI_EN) && (pm->sts & pm->en & EN_MASK);

	if (level != pm->sci) {
		pm->sci = level;
		dm_irq_set(pm->irq, DM_GSI_SCI, level);
	}
}

gboolean dm_pm_acpi_enabled(const DmPm *pm)
{
	return (pm->cnt & PM1_SCI_EN) != 0;
}

/* Byte-granular access to a little-endian register of @width bytes. */
static void reg_access(guint16 *reg, guint64 off, guint size, gboolean write, guint64 *value,
		       guint16 *written)
{
	for (guint i = 0; i < size && off + i < 2; i++) {
		guint shift = 8 * (guint)(off + i);

		if (write)
			*written |= (guint16)(((*value >> (8 * i)) & 0xFF) << shift);
		else
			*value |= (guint64)((*reg >> shift) & 0xFF) << (8 * i);
	}
}

void dm_pm_evt_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPm *pm = opaque;

	/* 0x400-0x401 status, 0x402-0x403 enable. */
	for (guint i = 0; i < size && offset + i < 4; i++) {
		guint o = (guint)offset + i;
		guint16 *reg = o < 2 ? &pm->sts : &pm->en;
		guint shift = 8 * (o % 2);
		guint8 b = (guint8)(*value >> (8 * i));

		if (!write) {
			*value |= (guint64)((*reg >> shift) & 0xFF) << (8 * i);
			continue;
		}
		if (reg == &pm->sts)
			pm->sts &= (guint16) ~(((guint16)b << shift) & STS_MASK);
		else
			pm->en = (guint16)((pm->en & ~(0xFF << shift)) |
					   (((guint16)b << shift) & EN_MASK));
	}
	if (write)
		update_sci(pm);
}

void dm_pm_cnt_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPm *pm = opaque;
	guint16 w = 0, typ;

	if (!write) {
		reg_access(&pm->cnt, offset, size, FALSE, value, &w);
		return;
	}
	w = pm->cnt;
	/* Start from the current value for the bytes not written. */
	for (guint i = 0; i < size && offset + i < 2; i++) {
		guint shift = 8 * (guint)(offset + i);

		w = (guint16)((w & ~(0xFF << shift)) | (((*value >> (8 * i)) & 0xFF) << shift));
	}
	/* SCI_EN belongs to the SMI_CMD handshake, not to the OS. */
	pm->cnt = (guint16)((w & PM1_SLP_TYP_MASK) | (pm->cnt & PM1_SCI_EN));
	update_sci(pm);
	if (!(w & PM1_SLP_EN))
		return;
	typ = (w & PM1_SLP_TYP_MASK) >> PM1_SLP_TYP_SHIFT;
	if (typ == DM_SLP_TYP_S5 && pm->request)
		pm->request(pm->ctx, DM_PM_POWEROFF);
	else if (typ == DM_SLP_TYP_S3 && pm->request)
		pm->request(pm->ctx, DM_PM_SUSPEND);
	/* Other sleep types are not announced in the DSDT: ignored. */
}

void dm_pm_smi_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPm *pm = opaque;

	if (!write)
		return; /* reads as 0 */
	if ((guint8)*value == DM_ACPI_ENABLE)
		pm->cnt |= PM1_SCI_EN;
	else if ((guint8)*value == DM_ACPI_DISABLE)
		pm->cnt &= (guint16)~PM1_SCI_EN;
	update_sci(pm);
}

void dm_pm_reset_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmPm *pm = opaque;

	if (size != 1)
		return;
	if (!write) {
		*value = pm->reset_reg;
		return;
	}
	/* Bit 2 (RST_CPU) performs the reset (bit 3 asks for a full one);
	 * the FADT's reset value 0x06 sets both bit 1 and bit 2. */
	pm->reset_reg = (guint8)*value & 0x0A;
	if ((*value & 0x04) && pm->request)
		pm->request(pm->ctx, DM_PM_RESET);
}

void dm_pm_reset(DmPm *pm)
{
	pm->sts = pm->en = pm->cnt = 0;
	pm->reset_reg = 0;
	update_sci(pm);
}

void dm_pm_press_power_button(DmPm *pm)
{
	pm->sts |= PM1_PWRBTN;
	update_sci(pm);
}

void dm_pm_press_sleep_button(DmPm *pm)
{
	pm->sts |= PM1_SLPBTN;
	update_sci(pm);
}

void dm_pm_wake(DmPm *pm)
{
	pm->sts |= PM1_WAK;
	pm->cnt &= (guint16)~PM1_SLP_EN;
	update_sci(pm);
}
