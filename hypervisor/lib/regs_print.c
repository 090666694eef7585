// SPDX-License-Identifier: BSD-3-Clause
/* The general-purpose register dump shared by the exception handler and the
 * debug shell's vcpu_dumpreg, so both print the same layout. */
#include "hv.h"
#include "regs_print.h"
#include "vcpu.h"

void print_gprs(const struct guest_regs *r)
{
	hv_printf("RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n", (unsigned long long)r->rax,
		  (unsigned long long)r->rbx, (unsigned long long)r->rcx,
		  (unsigned long long)r->rdx);
	hv_printf("RSI=%016llx RDI=%016llx RBP=%016llx R8 =%016llx\n", (unsigned long long)r->rsi,
		  (unsigned long long)r->rdi, (unsigned long long)r->rbp,
		  (unsigned long long)r->r8);
	hv_printf("R9 =%016llx R10=%016llx R11=%016llx R12=%016llx\n", (unsigned long long)r->r9,
		  (unsigned long long)r->r10, (unsigned long long)r->r11,
		  (unsigned long long)r->r12);
	hv_printf("R13=%016llx R14=%016llx R15=%016llx\n", (unsigned long long)r->r13,
		  (unsigned long long)r->r14, (unsigned long long)r->r15);
}
