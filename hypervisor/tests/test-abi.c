// SPDX-License-Identifier: BSD-3-Clause
/*
 * include/acrn_abi.h's hypercall structures against the layouts Linux's
 * HSM passes (<linux/acrn.h>): same sizes and field offsets, checked at
 * compile time; it also proves the header compiles next to <linux/acrn.h>
 * (no name clashes), as it must in a kernel module.
 */
#include <glib.h>
#include <stddef.h>
#include <linux/acrn.h>
#include "acrn_abi.h"

#define SAME_SIZE(a, b) _Static_assert(sizeof(struct a) == sizeof(struct b), #a " vs " #b)
#define SAME_OFF(a, fa, b, fb)                                                                     \
	_Static_assert(offsetof(struct a, fa) == offsetof(struct b, fb), #a "." #fa)

SAME_SIZE(acrn_hc_vm_creation, acrn_vm_creation);
SAME_OFF(acrn_hc_vm_creation, name, acrn_vm_creation, uuid);
SAME_OFF(acrn_hc_vm_creation, vm_flag, acrn_vm_creation, vm_flag);
SAME_OFF(acrn_hc_vm_creation, cpu_affinity, acrn_vm_creation, cpu_affinity);
SAME_SIZE(acrn_hc_vcpu_regs, acrn_vcpu_regs);
SAME_OFF(acrn_hc_vcpu_regs, regs, acrn_vcpu_regs, vcpu_regs);
SAME_SIZE(acrn_hc_regs, acrn_regs);
SAME_OFF(acrn_hc_regs, gdt, acrn_regs, gdt);
SAME_OFF(acrn_hc_regs, idt, acrn_regs, idt);
SAME_OFF(acrn_hc_regs, rip, acrn_regs, rip);
SAME_OFF(acrn_hc_regs, cr0, acrn_regs, cr0);
SAME_OFF(acrn_hc_regs, cr4, acrn_regs, cr4);
SAME_OFF(acrn_hc_regs, cr3, acrn_regs, cr3);
SAME_OFF(acrn_hc_regs, ia32_efer, acrn_regs, ia32_efer);
SAME_OFF(acrn_hc_regs, rflags, acrn_regs, rflags);
SAME_OFF(acrn_hc_regs, reserved_64, acrn_regs, reserved_64);
SAME_OFF(acrn_hc_regs, cs_ar, acrn_regs, cs_ar);
SAME_OFF(acrn_hc_regs, reserved_32, acrn_regs, reserved_32);
SAME_OFF(acrn_hc_regs, cs_sel, acrn_regs, cs_sel);
SAME_OFF(acrn_hc_regs, tr_sel, acrn_regs, tr_sel);
SAME_OFF(acrn_hc_regs, r15, acrn_regs, gprs.r15);
SAME_SIZE(acrn_hc_desc_ptr, acrn_descriptor_ptr);
SAME_SIZE(acrn_hc_msi_entry, acrn_msi_entry);
SAME_SIZE(acrn_hc_io_request, acrn_io_request);
SAME_OFF(acrn_hc_io_request, reqs, acrn_io_request, reqs);
SAME_OFF(acrn_hc_io_request, reqs.pio.value, acrn_io_request, reqs.pio_request.value);
SAME_OFF(acrn_hc_io_request, reqs.mmio.value, acrn_io_request, reqs.mmio_request.value);
SAME_OFF(acrn_hc_io_request, kernel_handled, acrn_io_request, kernel_handled);
SAME_OFF(acrn_hc_io_request, processed, acrn_io_request, processed);
_Static_assert(ACRN_HC_IOREQ_SLOTS == ACRN_IO_REQUEST_MAX, "slots");
_Static_assert(ACRN_HC_IOREQ_STATE_FREE == ACRN_IOREQ_STATE_FREE, "FREE");
_Static_assert(ACRN_HC_IOREQ_STATE_PROCESSING == ACRN_IOREQ_STATE_PROCESSING, "PROCESSING");
_Static_assert(ACRN_HC_MEM_TYPE_MASK == ACRN_MEM_TYPE_MASK, "memory types");
_Static_assert(ACRN_HC_MEM_TYPE_WB == ACRN_MEM_TYPE_WB, "WB");

static void test_layouts(void)
{
	/* the checks are the _Static_asserts above; this only reports them */
	g_assert_cmpuint(sizeof(struct acrn_hc_vcpu_regs), ==, 296);
	g_assert_cmpuint(sizeof(struct acrn_io_request_buffer), ==,
			 ACRN_HC_IOREQ_SLOTS * sizeof(struct acrn_hc_io_request));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/abi/linux-layouts", test_layouts);
	return g_test_run();
}
