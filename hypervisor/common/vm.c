// SPDX-License-Identifier: BSD-3-Clause
/*
 * The VM table.  vm_create() takes a free slot and builds everything a VM
 * needs (VPIDs, VMX bitmaps, EPT); a failure unwinds in reverse order, and
 * vm_destroy() gives every page and VPID back, so VMs can come and go.
 */
#include "hv.h"
#include "vm.h"
#include "ept.h"
#include "msr.h"
#include "page_alloc.h"
#include "virq_io.h"
#include "vmexit.h"
#include "vmx.h"
#include "vpid.h"

/* fast strings; BTS and PEBS unavailable (Bochs has no IA32_MISC_ENABLE) */
#define MISC_ENABLE_DEFAULT 0x1801

static struct vm vms[MAX_VMS];
static struct spinlock vm_table_lock;

struct vm *vm_get(u16 id)
{
	return id < MAX_VMS && vms[id].used ? &vms[id] : NULL;
}

u32 vm_count(void)
{
	u32 n = 0, i;

	for (i = 0; i < MAX_VMS; i++)
		n += vms[i].used;
	return n;
}

static struct vm *take_slot(void)
{
	struct vm *vm = NULL;
	u16 i;

	spin_lock(&vm_table_lock);
	for (i = 0; i < MAX_VMS && !vm; i++) {
		if (!vms[i].used) {
			vm = &vms[i];
			memset(vm, 0, sizeof(*vm));
			vm->id = i;
			vm->used = true;
		}
	}
	spin_unlock(&vm_table_lock);
	return vm;
}

static void free_vpids(struct vm *vm)
{
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpu[i].vpid)
			vpid_free(vm->vcpu[i].vpid);
		vm->vcpu[i].vpid = 0;
	}
}

static int alloc_vpids(struct vm *vm)
{
	u32 i;
	int ret;

	if (!vmx_have_vpid())
		return 0;
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vpid_alloc(&vm->vcpu[i].vpid);
		if (ret) {
			free_vpids(vm);
			return ret;
		}
	}
	return 0;
}

static void free_bitmaps(struct vm *vm)
{
	free_page(NULL, vm->msr_bitmap);
	free_page(NULL, vm->io_bitmap[1]);
	free_page(NULL, vm->io_bitmap[0]);
	vm->msr_bitmap = vm->io_bitmap[1] = vm->io_bitmap[0] = NULL;
}

static int alloc_bitmaps(struct vm *vm)
{
	vm->io_bitmap[0] = alloc_page(NULL);
	vm->io_bitmap[1] = alloc_page(NULL);
	vm->msr_bitmap = alloc_page(NULL);
	if (!vm->io_bitmap[0] || !vm->io_bitmap[1] || !vm->msr_bitmap) {
		free_bitmaps(vm);
		return -HV_ENOMEM;
	}
	msr_bitmap_init(vm);
	return 0;
}

int vm_create(const struct vm_config *cfg, struct vm **ret_vm)
{
	struct vm *vm;
	u32 i;
	int ret;

	if (!cfg->nr_vcpus || cfg->nr_vcpus > MAX_VCPUS_PER_VM)
		return -HV_EINVAL;
	vm = take_slot();
	if (!vm)
		return -HV_ENOSPC;
	hv_strlcpy(vm->name, cfg->name ? cfg->name : "", sizeof(vm->name));
	vm->type = cfg->type;
	vm->isolated = cfg->type != VM_SERVICE && !cfg->identity_ept;
	vm->flags = cfg->flags;
	vm->guest_flags = cfg->guest_flags;
	if (cfg->mmap)
		vm->mmap = *cfg->mmap;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->misc_enable = MISC_ENABLE_DEFAULT;
	vm->vmcall = vmexit_hypercall;
	for (i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpu[i].id = i;
		vm->vcpu[i].vm = vm;
	}
	ret = alloc_vpids(vm);
	if (ret)
		goto err_slot;
	ret = alloc_bitmaps(vm);
	if (ret)
		goto err_vpids;
	ret = cfg->identity_ept ? ept_build_identity(vm) : ept_init(vm);
	if (ret)
		goto err_bitmaps;
	if (vm_is_isolated(vm)) {
		ret = vm_virq_create(vm);
		if (ret)
			goto err_ept;
	}
	vm->state = VM_CREATED;
	*ret_vm = vm;
	return 0;

err_ept:
	ept_destroy(vm);
err_bitmaps:
	free_bitmaps(vm);
err_vpids:
	free_vpids(vm);
err_slot:
	__atomic_store_n(&vm->used, false, __ATOMIC_RELEASE);
	return ret;
}

void vm_destroy(struct vm *vm)
{
	u32 i;

	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_release_vmcs(&vm->vcpu[i]);
	vm_virq_destroy(vm);
	ept_destroy(vm);
	free_bitmaps(vm);
	free_vpids(vm);
	vm->state = VM_POWERED_OFF;
	__atomic_store_n(&vm->used, false, __ATOMIC_RELEASE);
}
