// SPDX-License-Identifier: BSD-3-Clause
/* Platform power-off (ACPI S5) and reset. */
#include "hv.h"
#include "power.h"

static u8 s5_typ_a(void)
{
	/* without \_S5 in the DSDT, 0 is what Bochs and QEMU use */
	return hv.acpi.have_s5 ? hv.acpi.s5_typ_a : 0;
}

bool pm1a_write_is_s5(u32 value)
{
	return (value & PM1_SLP_EN) && ((value >> PM1_SLP_TYP_SHIFT) & 7) == s5_typ_a();
}

void platform_poweroff(void)
{
	const char *msg = "Shutdown";

	console_drain();
	if (hv.acpi.pm1a_cnt) {
		if (hv.acpi.pm1b_cnt)
			outw((u16)hv.acpi.pm1b_cnt,
			     (u16)((hv.acpi.s5_typ_b << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		outw((u16)hv.acpi.pm1a_cnt, (u16)((s5_typ_a() << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
	}
	/* Bochs/QEMU debug shutdown port, for platforms without ACPI S5 */
	while (*msg)
		outb(0x8900, (u8)*msg++);
	halt_forever();
}

void platform_reset(void)
{
	console_drain();
	if (hv.acpi.reset_supported && hv.acpi.reset_space == ACPI_SPACE_IO)
		outb((u16)hv.acpi.reset_addr, hv.acpi.reset_value);
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
	halt_forever();
}
