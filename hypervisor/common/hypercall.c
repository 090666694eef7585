// SPDX-License-Identifier: BSD-3-Clause
/*
 * Hypercall entry: ID in R8 (0x800000xx), parameters in RDI/RSI, result in
 * RAX (0 or -errno).  Pointer parameters are guest-physical addresses and
 * are validated before use.
 */
#include "hv.h"
#include "hypercall.h"
#include "guest_mem.h"
#include "hc_vm.h"
#include "hc_user_vm.h"
#include "vm.h"
#include "acrn_abi.h"

#define HC_ID_MASK     0xff000000U
#define HC_ID_RESERVED 0x00ffff00U
#define HC_INDEX(id)   ((id)&0xffU)

typedef s64 (*hc_handler)(struct vcpu *v, u64 p1, u64 p2);

struct hc_entry {
	hc_handler fn;
	bool service_vm_only; /* needs VM_FLAG_PRIVILEGED */
};

/*
 * A hypercall's structure parameter: 8-byte aligned (as the kernel
 * allocates them; it also keeps a structure from straddling two RAM
 * entries by accident) and wholly in the caller's RAM.  -EINVAL otherwise.
 */
static int hc_write_param(struct vcpu *v, u64 gpa, const void *src, u64 len)
{
	if (gpa & 7)
		return -HV_EINVAL;
	return copy_to_gpa(v->vm, gpa, src, len) ? -HV_EINVAL : 0;
}

static s64 hc_get_api_version(struct vcpu *v, u64 p1, u64 p2)
{
	u32 ver[2] = {ACRN_API_MAJOR, ACRN_API_MINOR};

	(void)p2;
	return hc_write_param(v, p1, ver, sizeof(ver));
}

static const struct hc_entry handlers[] = {
    [HC_INDEX(ACRN_HC_GET_API_VERSION)] = {hc_get_api_version, false},
    [HC_INDEX(ACRN_HC_CREATE_VM)] = {hc_create_vm, true},
    [HC_INDEX(ACRN_HC_DESTROY_VM)] = {hc_destroy_vm, true},
    [HC_INDEX(ACRN_HC_PAUSE_VM)] = {hc_pause_vm, true},
    [HC_INDEX(ACRN_HC_RESET_VM)] = {hc_reset_vm, true},
    [HC_INDEX(ACRN_HC_SERVICE_VM_OFFLINE_CPU)] = {hc_service_vm_offline_cpu, true},
    [HC_INDEX(ACRN_HC_START_VM)] = {hc_start_vm, true},
    [HC_INDEX(ACRN_HC_SET_VCPU_REGS)] = {hc_set_vcpu_regs, true},
    [HC_INDEX(ACRN_HC_INJECT_MSI)] = {hc_inject_msi, true},
    [HC_INDEX(ACRN_HC_SET_IRQLINE)] = {hc_set_irqline, true},
    [HC_INDEX(ACRN_HC_SET_IOREQ_BUFFER)] = {hc_set_ioreq_buffer, true},
    [HC_INDEX(ACRN_HC_NOTIFY_REQUEST_FINISH)] = {hc_notify_request_finish, true},
    [HC_INDEX(ACRN_HC_VM_GPA2HPA)] = {hc_gpa2hpa, true},
    [HC_INDEX(ACRN_HC_VM_SET_MEMORY_REGIONS)] = {hc_set_memory_regions, true},
    [HC_INDEX(ACRN_HC_PM_GET_CPU_STATE)] = {hc_pm_get_cpu_state, true},
};

s64 hypercall_dispatch(struct vcpu *v, u64 id, u64 p1, u64 p2)
{
	u32 idx = HC_INDEX((u32)id);

	if (!(v->vm->flags & VM_FLAG_HYPERCALLS))
		return -HV_EPERM;
	if ((id >> 32) || ((u32)id & HC_ID_MASK) != ACRN_HC_BASE || (u32)id & HC_ID_RESERVED ||
	    idx >= ARRAY_SIZE(handlers) || !handlers[idx].fn ||
	    (handlers[idx].service_vm_only && !(v->vm->flags & VM_FLAG_PRIVILEGED))) {
		pr_dbg("vcpu %u: unknown hypercall %llx\n", v->id, (unsigned long long)id);
		return -HV_ENOTTY;
	}
	return handlers[idx].fn(v, p1, p2);
}
