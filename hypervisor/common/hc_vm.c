// SPDX-License-Identifier: BSD-3-Clause
/*
 * VM-lifecycle hypercalls.  VM ids are relative to the calling Service VM,
 * as in ACRN; only User VMs can be targeted.  State rules: CREATE_VM needs
 * a free slot and an unused name and leaves the VM CREATED; PAUSE_VM works
 * in any state but powered off (idempotent); RESET_VM takes a PAUSED VM
 * back to CREATED; DESTROY_VM takes only a PAUSED VM and frees it.
 *
 * A User VM's vCPUs run on pCPUs the Service VM gave up (uvm_vcpu.c):
 * pausing parks them there, resetting and destroying clear and free their
 * VMCSs there first; a pCPU that does not answer makes the call fail and
 * leaves the VM as it was.
 */
#include "hv.h"
#include "hc_vm.h"
#include "hc_user_vm.h"
#include "guest_mem.h"
#include "io_emul.h"
#include "uvm_vcpu.h"
#include "virq_io.h"
#include "vm.h"
#include "acrn_abi.h"

#define DM_GUEST_FLAGS                                                                             \
	(ACRN_GUEST_FLAG_LAPIC_PASSTHROUGH | ACRN_GUEST_FLAG_IO_COMPLETION_POLLING |               \
	 ACRN_GUEST_FLAG_RT)

static struct spinlock lifecycle_lock;

static bool nul_terminated(const u8 *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i])
			return true;
	return false;
}

/* The User VM @rel_vmid names, relative to the caller's own id. */
static struct vm *target_vm(struct vcpu *v, u64 rel_vmid)
{
	struct vm *vm;

	if (rel_vmid >= MAX_VMS)
		return NULL;
	vm = vm_get((u16)(v->vm->id + rel_vmid));
	return vm && vm->type == VM_USER ? vm : NULL;
}

static bool name_in_use(const char *name)
{
	const struct vm *vm;
	u16 id;

	for (id = 0; id < MAX_VMS; id++)
		if ((vm = vm_get(id)) && !strncmp(vm->name, name, VM_NAME_MAX))
			return true;
	return false;
}

static s64 create(struct vcpu *v, struct acrn_hc_vm_creation *c)
{
	struct vm_config cfg = {.type = VM_USER};
	char name[ACRN_MAX_VM_NAME_LEN];
	u64 affinity = c->cpu_affinity;
	struct vm *vm;
	u32 i, n = 0;
	int ret;

	if (c->reserved0 || c->reserved1 || !nul_terminated(c->name, sizeof(c->name)) ||
	    !c->name[0])
		return -HV_EINVAL;
	memcpy(name, c->name, sizeof(name));
	for (i = 0; i < 64; i++) {
		if (!(affinity & (1ULL << i)))
			continue;
		if (i >= hv.nr_pcpus)
			return -HV_EINVAL;
		n++;
	}
	cfg.nr_vcpus = n ? n : 1;
	if (cfg.nr_vcpus > MAX_VCPUS_PER_VM)
		return -HV_EINVAL;
	if (name_in_use(name))
		return -HV_EEXIST;
	cfg.name = name;
	cfg.guest_flags = c->vm_flag & DM_GUEST_FLAGS; /* the rest is not the DM's to set */
	ret = vm_create(&cfg, &vm);
	if (ret)
		return ret;
	/* every port exits; the ones no hypervisor handler owns go to the device model */
	memset(vm->io_bitmap[0], 0xff, 4096);
	memset(vm->io_bitmap[1], 0xff, 4096);
	vm->pio_default = uvm_pio_request;
	/* vCPU i on the i-th pCPU of the affinity mask (pCPU 0 without one) */
	for (i = 0, n = 0; i < vm->nr_vcpus; i++, n++) {
		while (affinity && !(affinity & (1ULL << n)))
			n++;
		vm->vcpu[i].pcpu = affinity ? n : 0;
	}
	vm_virq_place(vm);
	c->vmid = (u16)(vm->id - v->vm->id);
	c->vcpu_num = (u16)vm->nr_vcpus;
	return 0;
}

s64 hc_create_vm(struct vcpu *v, u64 gpa, u64 unused)
{
	struct acrn_hc_vm_creation c;
	s64 ret;

	(void)unused;
	if ((gpa & 7) || copy_from_gpa(v->vm, &c, gpa, sizeof(c)))
		return -HV_EINVAL;
	spin_lock(&lifecycle_lock);
	ret = create(v, &c);
	spin_unlock(&lifecycle_lock);
	if (ret) {
		c.vmid = ACRN_INVALID_VMID;
		c.vcpu_num = 0;
	}
	/* the caller's own buffer: it was readable, it is writable */
	if (copy_to_gpa(v->vm, gpa, &c, sizeof(c)) && !ret) {
		struct vm *vm = vm_get((u16)(v->vm->id + c.vmid));

		if (vm)
			vm_destroy(vm);
		ret = -HV_EINVAL;
	}
	return ret;
}

/* Run @op on the target VM under the lifecycle lock. */
static s64 with_vm(struct vcpu *v, u64 vmid, s64 (*op)(struct vm *vm))
{
	struct vm *vm;
	s64 ret;

	spin_lock(&lifecycle_lock);
	vm = target_vm(v, vmid);
	ret = vm ? op(vm) : -HV_EINVAL;
	spin_unlock(&lifecycle_lock);
	return ret;
}

static s64 pause(struct vm *vm)
{
	int ret;

	if (vm->state == VM_POWERED_OFF)
		return -HV_EINVAL;
	ret = uvm_vm_pause(vm);
	if (ret)
		return ret;
	vm->state = VM_PAUSED;
	return 0;
}

static s64 reset(struct vm *vm)
{
	int ret;

	if (vm->state != VM_PAUSED)
		return -HV_EINVAL;
	ret = uvm_vm_stop(vm);
	if (ret)
		return ret;
	user_vm_reset(vm);
	vm->state = VM_CREATED;
	return 0;
}

static s64 destroy(struct vm *vm)
{
	int ret;

	if (vm->state != VM_PAUSED)
		return -HV_EINVAL;
	ret = uvm_vm_stop(vm);
	if (ret)
		return ret;
	vm_destroy(vm);
	return 0;
}

s64 hc_pause_vm(struct vcpu *v, u64 vmid, u64 unused)
{
	(void)unused;
	return with_vm(v, vmid, pause);
}

s64 hc_reset_vm(struct vcpu *v, u64 vmid, u64 unused)
{
	(void)unused;
	return with_vm(v, vmid, reset);
}

s64 hc_destroy_vm(struct vcpu *v, u64 vmid, u64 unused)
{
	(void)unused;
	return with_vm(v, vmid, destroy);
}

s64 hc_on_user_vm(struct vcpu *v, u64 vmid, s64 (*op)(struct vm *vm, void *arg), void *arg)
{
	struct vm *vm;
	s64 ret;

	spin_lock(&lifecycle_lock);
	vm = target_vm(v, vmid);
	ret = vm ? op(vm, arg) : -HV_EINVAL;
	spin_unlock(&lifecycle_lock);
	return ret;
}
