/* SPDX-License-Identifier: BSD-3-Clause */
/* Platform power-off (ACPI S5) and reset. */
#ifndef HV_POWER_H
#define HV_POWER_H

#include "lib.h"

#define PM1_SLP_EN	  (1U << 13)
#define PM1_SLP_TYP_SHIFT 10

void platform_poweroff(void) __attribute__((noreturn));
void platform_reset(void) __attribute__((noreturn));
/* Is @value, written to PM1a_CNT, the S5 (soft-off) request? */
bool pm1a_write_is_s5(u32 value);

#endif
