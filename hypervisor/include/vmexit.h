/* SPDX-License-Identifier: BSD-3-Clause */
/* VM-exit dispatch: a table from exit reason to handler, and per-vCPU exit counters. */
#ifndef HV_VMEXIT_H
#define HV_VMEXIT_H

#include "lib.h"

struct vcpu;
struct vm;

/* Handle the exit that just happened on @v: 0 to re-enter, > 0 or < 0 to stop @v. */
int vmexit_handle(struct vcpu *v);
const char *exit_reason_name(u32 reason);
/* The VMCALL exit of a VM that speaks the hypercall ABI (CPL check, dispatch, RAX). */
int vmexit_hypercall(struct vcpu *v);
/* One `ACRN-HV: exit-stats` line per vCPU of @vm. */
void print_exit_stats(const struct vm *vm);

#endif
