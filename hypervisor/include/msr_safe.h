/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Instructions run with a guest's operands (msr_safe.S): a #GP becomes
 * -EIO for the caller instead of a hypervisor fault.
 */
#ifndef HV_MSR_SAFE_H
#define HV_MSR_SAFE_H

#include "lib.h"

int rdmsr_safe(u32 msr, u64 *val);
int wrmsr_safe(u32 msr, u64 val);
int xsetbv_safe(u32 xcr, u64 val);

/* the faulting instructions and where the exception handler resumes */
extern char rdmsr_insn[], rdmsr_fixup[], wrmsr_insn[], wrmsr_fixup[];
extern char xsetbv_insn[], xsetbv_fixup[];

#endif
