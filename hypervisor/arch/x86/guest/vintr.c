// SPDX-License-Identifier: BSD-3-Clause
/* Interrupt injection for User VM vCPUs (vintr.h). */
#include "hv.h"
#include "vintr.h"
#include "virq_io.h"
#include "vcpu.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

#define INTR_TYPE_EXTERNAL (0U << 8)

void vcpu_inject_pending_interrupt(struct vcpu *v, struct virq_event *ev)
{
	u64 block = GUEST_INTR_BLOCK_STI | GUEST_INTR_BLOCK_MOVSS;
	u64 proc = vmread(PROC_CONTROLS) & ~(u64)PROC_INTR_WINDOW;
	bool ok;

	ok = (vmread(GUEST_RFLAGS) & RFLAGS_IF) && !(vmread(GUEST_INTERRUPTIBILITY) & block) &&
	     !(vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	     !__atomic_load_n(&v->nmi_pending, __ATOMIC_ACQUIRE);
	virq_next(v->vm->virq, v->id, vcpu_guest_tsc(v), ok, ev);
	if (ev->nmi)
		vcpu_queue_nmi(v);
	if (ev->vector >= 0) {
		/* an interrupt ends HLT, as on hardware (RIP is already past the HLT) */
		if (vmread(GUEST_ACTIVITY) == ACTIVITY_HLT)
			vmwrite(GUEST_ACTIVITY, ACTIVITY_ACTIVE);
		vmwrite(ENTRY_INTR_INFO, (u32)ev->vector | INTR_TYPE_EXTERNAL | INTR_INFO_VALID);
	}
	if (ev->window)
		proc |= PROC_INTR_WINDOW;
	vmwrite(PROC_CONTROLS, proc);
}

u32 vintr_preempt_value(u64 now, u64 deadline, u64 max_tsc, u32 rate)
{
	u64 delta = max_tsc, ticks;

	if (deadline && deadline <= now)
		return 0;
	if (deadline && deadline - now < delta)
		delta = deadline - now;
	ticks = (delta >> rate) + ((delta & ((1ULL << rate) - 1)) != 0);
	return ticks > 0xffffffffULL ? 0xffffffffU : (u32)ticks;
}
