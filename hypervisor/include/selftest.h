/* SPDX-License-Identifier: BSD-3-Clause */
/* The `selftest` boot mode: TAP checks of the platform and of VMX, then power-off. */
#ifndef HV_SELFTEST_H
#define HV_SELFTEST_H

#include "e820.h"

/* @sos_mmap: the memory map a Service VM would get (hypervisor carved out). */
void selftest_run(const struct e820_map *sos_mmap) __attribute__((noreturn));

/* selftest/guest_blobs.S */
extern char guest_rm_start[], guest_rm_end[];
extern char guest_pm_start[], guest_pm_end[];
extern char guest_lm_start[], guest_lm_end[];
extern char guest_lm_hv_addr[], guest_lm_gp_off[], guest_lm_nmi_off[], guest_lm_ud_off[];

#endif
