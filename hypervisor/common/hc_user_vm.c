// SPDX-License-Identifier: BSD-3-Clause
/*
 * User VM hypercalls (hc_user_vm.h).  Every parameter is copied out of the
 * Service VM's RAM first (8-byte aligned, wholly in one RAM entry, never
 * hypervisor memory: -EINVAL otherwise), checked (hc_check.c), and only
 * then applied to the target VM under the lifecycle lock.  State rules and
 * errors follow ACRN (docs/hypervisor.md has the table).
 *
 * START_VM runs the vCPUs on their given-up pCPUs (uvm_vcpu.c).
 * SET_IRQLINE and INJECT_MSI drive the VM's virtual interrupt controllers
 * (virq.h), which hold the interrupt until a vCPU takes it (the run loop
 * does not inject them yet).
 */
#include "hv.h"
#include "hc_user_vm.h"
#include "hc_check.h"
#include "hc_vm.h"
#include "guest_mem.h"
#include "ioreq.h"
#include "pgtable.h"
#include "uvm_vcpu.h"
#include "virq.h"
#include "vm.h"

/* User VM physical addresses and Service VM ranges it may be given: below 512 GiB */
#define USER_VM_GPA_LIMIT (1ULL << 39)

static int copy_param(struct vcpu *v, void *dst, u64 gpa, u64 len)
{
	if (gpa & 7)
		return -HV_EINVAL;
	return copy_from_gpa(v->vm, dst, gpa, len) ? -HV_EINVAL : 0;
}

static s64 start(struct vm *vm, void *arg)
{
	enum vm_state next;
	int ret = vm_state_check(VM_OP_START, vm->state, vm->ioreq_page != NULL, &next);

	(void)arg;
	if (!ret)
		ret = uvm_vm_run(vm);
	if (!ret)
		vm->state = next;
	return ret;
}

s64 hc_start_vm(struct vcpu *v, u64 vmid, u64 unused)
{
	(void)unused;
	return hc_on_user_vm(v, vmid, start, NULL);
}

static s64 set_regs(struct vm *vm, void *arg)
{
	const struct acrn_hc_vcpu_regs *r = arg;
	int ret = vm_state_check(VM_OP_SET_REGS, vm->state, false, NULL);

	if (!ret)
		ret = hc_check_vcpu_regs(r, vm->nr_vcpus);
	if (ret)
		return ret;
	vm->boot_regs[r->vcpu_id] = r->regs;
	vm->boot_regs_set |= 1U << r->vcpu_id;
	return 0;
}

s64 hc_set_vcpu_regs(struct vcpu *v, u64 vmid, u64 gpa)
{
	struct acrn_hc_vcpu_regs r;
	int ret = copy_param(v, &r, gpa, sizeof(r));

	return ret ? ret : hc_on_user_vm(v, vmid, set_regs, &r);
}

/*
 * May the Service VM hand [pa, pa + size) over?  Its RAM (within one
 * entry) or a range with no RAM in it (device memory); never the
 * hypervisor's.  -EFAULT otherwise, as ACRN.
 */
static int service_vm_range_ok(const struct vm *sos, u64 pa, u64 size)
{
	u32 i;

	if (hv_hidden_overlaps(pa, size))
		return -HV_EFAULT;
	if (gpa_is_guest_ram(sos, pa, size))
		return 0;
	/* device memory: what the Service VM's EPT can map at most */
	if (pa + size > USER_VM_GPA_LIMIT)
		return -HV_EFAULT;
	for (i = 0; i < sos->mmap.nr; i++) {
		const struct e820_entry *e = &sos->mmap.e[i];

		if (e->type == E820_RAM && pa < e->addr + e->size && pa + size > e->addr)
			return -HV_EFAULT; /* part RAM, part not */
	}
	return 0;
}

struct regions_arg {
	struct vcpu *caller;
	const struct acrn_hc_mem_regions *batch;
};

static s64 set_regions(struct vm *vm, void *arg)
{
	const struct regions_arg *a = arg;
	struct acrn_hc_mem_region r;
	u32 i;
	int ret = vm_state_check(VM_OP_SET_MEMORY, vm->state, false, NULL);

	if (ret)
		return ret;
	/* applied in order; the first bad entry stops the batch (those before it stay, as ACRN) */
	for (i = 0; i < a->batch->regions_num; i++) {
		u64 ept = 0;

		ret = copy_param(a->caller, &r, a->batch->regions_gpa + (u64)i * sizeof(r),
				 sizeof(r));
		if (ret)
			return -HV_EFAULT;
		ret = hc_check_mem_region(&r, USER_VM_GPA_LIMIT, &ept);
		if (ret)
			return ret;
		if (r.type == ACRN_MEM_REGION_ADD) {
			ret = service_vm_range_ok(a->caller->vm, r.service_vm_pa, r.size);
			if (!ret)
				ret = pt_map(&vm->ept, r.user_vm_pa, r.service_vm_pa, r.size, ept);
		} else {
			ret = pt_map(&vm->ept, r.user_vm_pa, 0, r.size, 0);
		}
		if (ret)
			return ret;
	}
	/* no vCPU of a User VM runs yet, so no TLB holds its old translations (no INVEPT) */
	return 0;
}

s64 hc_set_memory_regions(struct vcpu *v, u64 gpa, u64 unused)
{
	struct acrn_hc_mem_regions batch;
	struct regions_arg a = {v, &batch};

	(void)unused;
	if (copy_param(v, &batch, gpa, sizeof(batch)))
		return -HV_EFAULT;
	if (batch.reserved0[0] || batch.reserved0[1] || batch.reserved0[2] || batch.reserved1 ||
	    !batch.regions_num)
		return -HV_EINVAL;
	/* the whole array must be the caller's RAM before anything is mapped */
	if ((batch.regions_gpa & 7) ||
	    !gpa_is_guest_ram(v->vm, batch.regions_gpa,
			      (u64)batch.regions_num * sizeof(struct acrn_hc_mem_region)))
		return -HV_EFAULT;
	return hc_on_user_vm(v, batch.vmid, set_regions, &a);
}

static s64 gpa2hpa(struct vm *vm, void *arg)
{
	struct acrn_hc_gpa2hpa *g = arg;
	u64 pa, flags;

	if (pt_lookup(&vm->ept, g->gpa, &pa, &flags))
		return -HV_EINVAL;
	g->hpa = pa;
	return 0;
}

s64 hc_gpa2hpa(struct vcpu *v, u64 vmid, u64 gpa)
{
	struct acrn_hc_gpa2hpa g;
	s64 ret = copy_param(v, &g, gpa, sizeof(g));

	if (!ret)
		ret = hc_on_user_vm(v, vmid, gpa2hpa, &g);
	if (!ret && copy_to_gpa(v->vm, gpa, &g, sizeof(g)))
		ret = -HV_EINVAL;
	return ret;
}

static s64 set_ioreq(struct vm *vm, void *arg)
{
	int ret = vm_state_check(VM_OP_SET_IOREQ, vm->state, false, NULL);

	if (ret)
		return ret;
	vm->ioreq_page = arg;
	ioreq_reset_all(vm->ioreq_page);
	return 0;
}

s64 hc_set_ioreq_buffer(struct vcpu *v, u64 vmid, u64 gpa)
{
	u64 page;
	int ret = copy_param(v, &page, gpa, sizeof(page));

	if (ret)
		return ret;
	/* one whole page of the Service VM's RAM (identity-mapped: GPA = HPA) */
	if ((page & 0xfff) || !gpa_is_guest_ram(v->vm, page, 4096))
		return -HV_EINVAL;
	return hc_on_user_vm(v, vmid, set_ioreq, (void *)(uintptr_t)page);
}

static s64 notify_finish(struct vm *vm, void *arg)
{
	u64 vcpu_id = *(const u64 *)arg, value;

	if (!vm->ioreq_page || vcpu_id >= vm->nr_vcpus)
		return -HV_EINVAL;
	/*
	 * A wake-up.  A vCPU that waits for its slot takes it back itself (it
	 * needs the value); otherwise the slot is taken back here if the HSM
	 * completed it.
	 */
	if (!uvm_vcpu_notify(&vm->vcpu[vcpu_id]))
		(void)ioreq_complete(&vm->ioreq_page[vcpu_id], &value);
	return 0;
}

s64 hc_notify_request_finish(struct vcpu *v, u64 vmid, u64 vcpu_id)
{
	return hc_on_user_vm(v, vmid, notify_finish, &vcpu_id);
}

static s64 set_irqline(struct vm *vm, void *arg)
{
	u64 value = *(const u64 *)arg;
	u32 gsi, op;
	int ret = vm_state_check(VM_OP_IRQ, vm->state, false, NULL);

	if (!ret)
		ret = hc_check_irqline(value, &gsi, &op);
	if (ret)
		return ret;
	return virq_set_irqline(vm->virq, gsi, op);
}

s64 hc_set_irqline(struct vcpu *v, u64 vmid, u64 value)
{
	return hc_on_user_vm(v, vmid, set_irqline, &value);
}

static s64 inject_msi(struct vm *vm, void *arg)
{
	const struct acrn_hc_msi_entry *m = arg;
	int ret = vm_state_check(VM_OP_IRQ, vm->state, false, NULL);

	if (!ret)
		ret = hc_check_msi(m);
	if (!ret)
		ret = virq_inject_msi(vm->virq, m->msi_addr, m->msi_data);
	return ret;
}

s64 hc_inject_msi(struct vcpu *v, u64 vmid, u64 gpa)
{
	struct acrn_hc_msi_entry m;
	int ret = copy_param(v, &m, gpa, sizeof(m));

	return ret ? ret : hc_on_user_vm(v, vmid, inject_msi, &m);
}

static s64 no_pm_data(struct vm *vm, void *arg)
{
	(void)vm;
	(void)arg;
	/* vCPUs have no P- or C-state data here (ACRN too keeps P-states off) */
	return -HV_ENODEV;
}

s64 hc_pm_get_cpu_state(struct vcpu *v, u64 cmd, u64 gpa)
{
	u16 vmid;
	int ret = hc_check_pm_cmd(cmd, &vmid);

	(void)gpa; /* nothing is ever written there */
	return ret ? ret : hc_on_user_vm(v, vmid, no_pm_data, NULL);
}

s64 hc_service_vm_offline_cpu(struct vcpu *v, u64 lapic_id, u64 unused)
{
	struct vm *sos = v->vm;
	u32 i;

	(void)unused;
	for (i = 0; i < sos->nr_vcpus; i++) {
		struct vcpu *t = &sos->vcpu[i];

		if (t->pcpu >= hv.nr_pcpus || hv.pcpu[t->pcpu].apic_id != lapic_id)
			continue;
		if (i == 0)
			return -HV_EINVAL; /* the BSP stays */
		/*
		 * As ACRN: the vCPU is stopped whatever it runs; the Service VM
		 * offlines the CPU first (the HSM does), so Linux no longer uses
		 * it and sends it no STARTUP.  A running vCPU acts on the INIT
		 * request at its next exit (the preemption timer bounds that)
		 * and then waits for a STARTUP that is never delivered again:
		 * its pCPU idles in the hypervisor, free for a User VM.
		 */
		__atomic_store_n(&t->given_up, true, __ATOMIC_RELEASE);
		__atomic_store_n(&hv.pcpu[t->pcpu].given_up, true, __ATOMIC_RELEASE);
		__atomic_store_n(&t->start_req, false, __ATOMIC_RELEASE);
		if (__atomic_load_n(&t->started, __ATOMIC_ACQUIRE))
			__atomic_store_n(&t->init_req, true, __ATOMIC_RELEASE);
		pr_info("pCPU %u (APIC ID %u) given up by the Service VM\n", t->pcpu,
			(u32)lapic_id);
		return 0;
	}
	return -HV_EINVAL;
}

void user_vm_reset(struct vm *vm)
{
	vm->boot_regs_set = 0;
	memset(vm->boot_regs, 0, sizeof(vm->boot_regs));
	virq_reset(vm->virq);
	if (vm->ioreq_page)
		ioreq_reset_all(vm->ioreq_page);
}
