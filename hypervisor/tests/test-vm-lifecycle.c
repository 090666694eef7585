// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the VM table and the VM-lifecycle hypercalls (CREATE_VM,
 * PAUSE_VM, RESET_VM, DESTROY_VM): parameter checks, state rules, ids
 * relative to the caller, and 1000 create/destroy rounds that must give
 * every page and VPID back.  The real VM table, page pool, VPID allocator,
 * EPT and hypercall code run; the VMX-only services (capabilities, the MSR
 * bitmap contents, VMCLEAR) are test doubles.  The Service VM's "RAM" is a
 * buffer of this process (it is identity-mapped).
 */
#include <glib.h>
#include <stdlib.h>
#include "hv.h"
#include "hypercall.h"
#include "msr.h"
#include "page_alloc.h"
#include "vm.h"
#include "vmexit.h"
#include "vmx.h"
#include "vpid.h"
#include "acrn_abi.h"

struct hv_state hv;
int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* ---- test doubles for the VMX side ---- */
bool vmx_ept_1g(void)
{
	return true;
}

bool vmx_have_vpid(void)
{
	return true;
}

void msr_bitmap_init(struct vm *vm)
{
	(void)vm;
}

void vcpu_release_vmcs(struct vcpu *v)
{
	free_page(NULL, v->vmcs);
	v->vmcs = NULL;
}

int vmexit_hypercall(struct vcpu *v)
{
	(void)v;
	return 0;
}

/* ---- set-up ---- */
#define RAM_SIZE 0x4000

static u8 *ram;
static u8 *hvmem;
static struct vm *sos;
static struct acrn_hc_vm_creation *param; /* in the Service VM's RAM */

static void setup(void)
{
	static struct e820_map mmap;
	struct vm_config cfg = {
	    .type = VM_SERVICE,
	    .name = "Service VM",
	    .nr_vcpus = 1,
	    .flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS,
	    .mmap = &mmap,
	    .identity_ept = true,
	};

	ram = aligned_alloc(4096, RAM_SIZE);
	hvmem = aligned_alloc(4096, 4096);
	hv.hv_start = (u64)(uintptr_t)hvmem;
	hv.hv_end = hv.hv_start + 4096;
	hv.nr_pcpus = 4;
	e820_add(&hv.boot.mmap, (u64)(uintptr_t)ram, RAM_SIZE, E820_RAM);
	e820_add(&hv.boot.mmap, hv.hv_start, 4096, E820_RAM);
	e820_normalize(&hv.boot.mmap);
	mmap = hv.boot.mmap;
	e820_set_type(&mmap, hv.hv_start, hv.hv_end, E820_RESERVED);
	vpid_init();
	g_assert_cmpint(vm_create(&cfg, &sos), ==, 0);
	g_assert_cmpuint(sos->id, ==, 0);
	param = (struct acrn_hc_vm_creation *)(ram + 0x100);
}

static s64 hc(u64 id, u64 p1)
{
	return hypercall_dispatch(&sos->vcpu[0], id, p1, 0);
}

static void fill(const char *name, u64 affinity)
{
	memset(param, 0, sizeof(*param));
	memcpy(param->name, name, MIN(strlen(name), sizeof(param->name)));
	param->cpu_affinity = affinity;
	param->vm_flag = ~0ULL; /* only the DM's bits may stay */
}

static s64 create(const char *name, u64 affinity)
{
	fill(name, affinity);
	return hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param);
}

static void test_create_destroy(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count();
	struct vm *vm;

	g_assert_cmpint(create("uvm1", 0x6), ==, 0);
	g_assert_cmpuint(param->vmid, ==, 1);
	g_assert_cmpuint(param->vcpu_num, ==, 2);
	vm = vm_get(1);
	g_assert_nonnull(vm);
	g_assert_cmpstr(vm->name, ==, "uvm1");
	g_assert_cmpint(vm->type, ==, VM_USER);
	g_assert_cmpint(vm->state, ==, VM_CREATED);
	g_assert_cmpuint(vm->guest_flags, ==,
			 ACRN_GUEST_FLAG_LAPIC_PASSTHROUGH | ACRN_GUEST_FLAG_IO_COMPLETION_POLLING |
			     ACRN_GUEST_FLAG_RT);
	g_assert_cmpuint(vm->vcpu[0].pcpu, ==, 1);
	g_assert_cmpuint(vm->vcpu[1].pcpu, ==, 2);
	g_assert_cmpuint(vm->vcpu[0].vpid, !=, 0);
	g_assert_cmpuint(vm->vcpu[0].vpid, !=, vm->vcpu[1].vpid);
	g_assert_cmpuint(vpid_free_count(), ==, vpids - 2);
	/* a User VM's EPT maps nothing: not the Service VM's RAM, not the hypervisor */
	{
		u64 pa, flags;

		g_assert_cmpint(pt_lookup(&vm->ept, (u64)(uintptr_t)ram, &pa, &flags), ==,
				-HV_ENOENT);
		g_assert_cmpint(pt_lookup(&vm->ept, hv.hv_start, &pa, &flags), ==, -HV_ENOENT);
	}
	/* DESTROY only when PAUSED; PAUSE is idempotent; RESET goes back to CREATED */
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_RESET_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_PAUSED);
	g_assert_cmpint(hc(ACRN_HC_RESET_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_CREATED);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, 0);
	g_assert_null(vm_get(1));
	/* double destroy, unknown ids, the Service VM itself */
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 0), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 0), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 0xffff), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, ~0ULL), ==, -HV_EINVAL);
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
}

static void test_bad_parameters(void)
{
	u64 pages = hv_free_pages(), base = (u64)(uintptr_t)ram;

	/* the structure: unaligned, outside RAM, straddling its end, in the hypervisor, null */
	fill("x", 0);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + 0x104), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + RAM_SIZE - 40), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + RAM_SIZE), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, 0), ==, -HV_EINVAL);
	/* its fields: reserved, name, affinity; vmid says "none" */
	fill("x", 0);
	param->reserved0 = 1;
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	fill("x", 0);
	param->reserved1 = 1;
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	fill("", 0);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	fill("0123456789abcdef", 0); /* 16 characters: no NUL */
	memcpy(param->name, "0123456789abcdef", 16);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	g_assert_cmpint(create("x", 1ULL << 4), ==, -HV_EINVAL); /* no pCPU 4 */
	g_assert_cmpint(create("x", 1ULL << 63), ==, -HV_EINVAL);
	g_assert_cmpint(create("Service VM", 0), ==, -HV_EEXIST);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	g_assert_cmpuint(hv_free_pages(), ==, pages);
}

static void test_table_full_and_names(void)
{
	u64 pages = hv_free_pages();
	u32 i;

	g_assert_cmpint(create("a", 0), ==, 0);
	g_assert_cmpint(create("a", 0), ==, -HV_EEXIST);
	g_assert_cmpint(create("b", 0), ==, 0);
	g_assert_cmpint(create("c", 0), ==, 0);
	g_assert_cmpuint(param->vmid, ==, MAX_VMS - 1);
	g_assert_cmpint(create("d", 0), ==, -HV_ENOSPC);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	for (i = 1; i < MAX_VMS; i++) {
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, i), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, i), ==, 0);
	}
	g_assert_cmpuint(hv_free_pages(), ==, pages);
}

/* Only the Service VM may run the lifecycle: to anyone else they do not exist. */
static void test_unprivileged(void)
{
	sos->flags &= ~VM_FLAG_PRIVILEGED;
	g_assert_cmpint(create("u", 0), ==, -HV_ENOTTY);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_ENOTTY);
	sos->flags |= VM_FLAG_PRIVILEGED;
}

static void test_churn(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count();
	u32 i;

	for (i = 0; i < 1000; i++) {
		g_assert_cmpint(create("churn", 0xf), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, param->vmid), ==, 0);
	}
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	setup();
	g_test_add_func("/vm-lifecycle/create-destroy", test_create_destroy);
	g_test_add_func("/vm-lifecycle/bad-parameters", test_bad_parameters);
	g_test_add_func("/vm-lifecycle/table-full-and-names", test_table_full_and_names);
	g_test_add_func("/vm-lifecycle/unprivileged", test_unprivileged);
	g_test_add_func("/vm-lifecycle/churn", test_churn);
	return g_test_run();
}
