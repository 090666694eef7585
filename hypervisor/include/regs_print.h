/* SPDX-License-Identifier: BSD-3-Clause */
/* The general-purpose register dump of the exception handler and the debug shell. */
#ifndef HV_REGS_PRINT_H
#define HV_REGS_PRINT_H

struct guest_regs;

/* Prints RAX..R15 (rsp_unused is not printed) on the console. */
void print_gprs(const struct guest_regs *r);

#endif
