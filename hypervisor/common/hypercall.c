// SPDX-License-Identifier: BSD-3-Clause
/*
 * Hypercall entry: ID in R8 (0x800000xx), parameters in RDI/RSI, result in
 * RAX (0 or -errno).  Pointer parameters are Service VM guest-physical
 * addresses and are validated before use.
 */
#include "hv.h"
#include "acrn_abi.h"

#define HC_ID_MASK  0xff000000U
#define HC_INDEX(id) ((id) & 0xffU)

typedef s64 (*hc_handler)(struct vcpu *v, u64 p1, u64 p2);

/*
 * A guest range is usable if it is RAM the Service VM owns: not the
 * hypervisor's (also carved out of sos_e820, checked again because a
 * mistake here would let a guest write into the hypervisor), and inside
 * one RAM entry.
 */
static bool gpa_ok(struct vm *vm, u64 gpa, u64 len)
{
	(void)vm;
	if (len == 0 || gpa + len < gpa)
		return false;
	if (gpa < hv.hv_end && gpa + len > hv.hv_start)
		return false;
	return e820_is_ram(&hv.sos_e820, gpa, gpa + len);
}

/* The Service VM is identity-mapped, so a checked GPA is the HPA. */
int copy_to_gpa(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	if (!gpa_ok(vm, gpa, len))
		return -HV_EFAULT;
	memcpy((void *)(uintptr_t)gpa, src, len);
	return 0;
}

int copy_from_gpa(struct vm *vm, void *dst, u64 gpa, u64 len)
{
	if (!gpa_ok(vm, gpa, len))
		return -HV_EFAULT;
	memcpy(dst, (const void *)(uintptr_t)gpa, len);
	return 0;
}

/*
 * A hypercall's structure parameter: 8-byte aligned (as the kernel
 * allocates them; it also keeps a structure from straddling two RAM
 * entries by accident) and wholly in Service VM RAM.  -EINVAL otherwise.
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

static const hc_handler handlers[] = {
    [HC_INDEX(ACRN_HC_GET_API_VERSION)] = hc_get_api_version,
};

s64 hypercall_dispatch(struct vcpu *v, u64 id, u64 p1, u64 p2)
{
	u32 idx = HC_INDEX((u32)id);

	if (!v->vm->privileged && v->vm->type != VM_SELFTEST)
		return -HV_EPERM;
	if ((id >> 32) || ((u32)id & HC_ID_MASK) != ACRN_HC_BASE || (u32)id & 0x00ffff00U ||
	    idx >= ARRAY_SIZE(handlers) || !handlers[idx]) {
		pr_dbg("vcpu %u: unknown hypercall %llx\n", v->id, (unsigned long long)id);
		return -HV_ENOTTY;
	}
	return handlers[idx](v, p1, p2);
}
