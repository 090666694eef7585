// SPDX-License-Identifier: BSD-3-Clause
/* Extended page tables: the identity map a VM runs on today. */
#include "hv.h"
#include "ept.h"
#include "vm.h"
#include "vmx.h"
#include "page_alloc.h"

#define EPTP_WB	    6ULL
#define EPTP_4LEVEL (3ULL << 3)

/*
 * Identity map [0, max(4 GiB, top of e820)): RAM write-back, the rest
 * uncacheable (pgtable.h explains the memory types); the hypervisor's own
 * range and the pre-launched VMs' RAM are left unmapped.  With 1 GiB pages the first 512 GiB cost
 * no more than 4 GiB, so 64-bit PCI BARs above the RAM are covered.
 */
int ept_init(struct vm *vm)
{
	int ret;

	vm->ept.present_mask = EPT_RWX;
	vm->ept.table_flags = EPT_RWX;
	vm->ept.allow_1g = vmx_ept_1g();
	vm->ept.alloc_page = alloc_page;
	vm->ept.free_page = free_page;
	vm->ept.ctx = NULL;
	ret = pt_init(&vm->ept);
	if (!ret)
		vm->eptp = (u64)(uintptr_t)vm->ept.root | EPTP_4LEVEL | EPTP_WB;
	return ret;
}

int ept_build_identity(struct vm *vm)
{
	u64 top = pt_identity_top(&hv.boot.mmap);
	u32 a, b, c, d, i;
	int ret;

	if (vmx_ept_1g()) {
		cpuid_count(0x80000008, 0, &a, &b, &c, &d);
		top = MAX(top, MIN(GiB(512), 1ULL << (a & 0xff)));
	}
	ret = ept_init(vm);
	if (ret)
		return ret;
	ret = pt_identity_map(&vm->ept, &hv.boot.mmap, top, EPT_RWX | EPT_WB, EPT_RWX | EPT_UC);
	if (!ret)
		ret = pt_map(&vm->ept, hv.hv_start, hv.hv_start, hv.hv_end - hv.hv_start, 0);
	for (i = 0; !ret && i < hv.nr_hidden; i++)
		ret = pt_map(&vm->ept, hv.hidden[i].start, hv.hidden[i].start,
			     hv.hidden[i].end - hv.hidden[i].start, 0);
	if (ret)
		ept_destroy(vm);
	return ret;
}

void ept_destroy(struct vm *vm)
{
	pt_destroy(&vm->ept);
	vm->eptp = 0;
}
