// SPDX-License-Identifier: GPL-2.0
/*
 * The VM of one open file and the ioctls of <linux/acrn.h>.
 *
 * Argument checks happen before any hypercall: a bad pointer is -EFAULT,
 * a non-zero reserved field, a bad size or flag -EINVAL, every VM ioctl
 * before CREATE_VM (or after DESTROY_VM) -EINVAL, a second CREATE_VM
 * -EEXIST.  Whatever the hypervisor answers is passed back unchanged (today's
 * hypervisor has no VM hypercalls and answers -ENOTTY).  The HSM never
 * reports success for something the hypervisor did not do.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/sched.h>
#include <linux/io.h>

#include "hsm.h"
#include "hypercall.h"

void hsm_vm_init(struct hsm_vm *vm)
{
	mutex_init(&vm->lock);
	INIT_LIST_HEAD(&vm->list);
	vm->vmid = HSM_INVALID_VMID;
	vm->state = HSM_VM_NONE;
	mutex_init(&vm->ioreq_lock);
	init_waitqueue_head(&vm->client_wq);
	INIT_LIST_HEAD(&vm->ioeventfds);
	mutex_init(&vm->irqfds_lock);
	INIT_LIST_HEAD(&vm->irqfds);
}

static bool hsm_all_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static int hsm_hc_vm(unsigned long id, struct hsm_vm *vm)
{
	return hsm_hc_result(hsm_hypercall1(id, vm->vmid));
}

/* Everything of the VM but the hypervisor's side, which is gone already. */
static void hsm_vm_teardown(struct hsm_vm *vm, bool hv_released)
{
	mutex_lock(&hsm_vms_lock);
	list_del_init(&vm->list);
	mutex_unlock(&hsm_vms_lock);

	hsm_ioreq_teardown(vm);
	hsm_irqfd_teardown(vm);
	if (hv_released) {
		hsm_unpin_one_page(vm->ioreq_page);
		if (vm->intr_monitor_page)
			hsm_unpin_one_page(vm->intr_monitor_page);
		hsm_unpin_all_memsegs(vm);
	} else {
		/* The hypervisor may still write these pages: keep them pinned. */
		atomic_long_add(1 + !!vm->intr_monitor_page, &hsm_leaked_pages);
		hsm_leak_all_memsegs(vm);
	}
	vm->ioreq_page = NULL;
	vm->intr_monitor_page = NULL;
	vm->pinned_pages = 0;
	vm->vmid = HSM_INVALID_VMID;
	vm->vcpu_num = 0;
	vm->state = HSM_VM_NONE;
}

static int hsm_vm_destroy(struct hsm_vm *vm)
{
	int ret;

	ret = hsm_hc_vm(ACRN_HC_DESTROY_VM, vm);
	if (ret)
		return ret;
	hsm_vm_teardown(vm, true);
	return 0;
}

/* Last close of the file, also when the device model was killed. */
void hsm_vm_release(struct hsm_vm *vm)
{
	int ret;

	mutex_lock(&vm->lock);
	if (vm->state != HSM_VM_NONE) {
		/* The hypervisor destroys paused VMs only. */
		hsm_hc_vm(ACRN_HC_PAUSE_VM, vm);
		ret = hsm_vm_destroy(vm);
		if (ret) {
			pr_err("acrn_hsm: vm %u: DESTROY_VM failed (%d) on release; its memory "
			       "stays pinned\n",
			       vm->vmid, ret);
			hsm_vm_teardown(vm, false);
		}
	}
	mutex_unlock(&vm->lock);
}

static int hsm_vm_create(struct hsm_vm *vm, struct acrn_vm_creation __user *uarg)
{
	struct acrn_vm_creation *req;
	struct page *ioreq_page = NULL;
	u64 *ioreq_pa = NULL;
	int ret;

	if (vm->state != HSM_VM_NONE)
		return -EEXIST;
	req = memdup_user(uarg, sizeof(*req));
	if (IS_ERR(req))
		return PTR_ERR(req);
	if (req->reserved0 || req->reserved1 || !req->ioreq_buf || !PAGE_ALIGNED(req->ioreq_buf)) {
		ret = -EINVAL;
		goto out_free;
	}
	ioreq_pa = kzalloc(sizeof(*ioreq_pa), GFP_KERNEL);
	if (!ioreq_pa) {
		ret = -ENOMEM;
		goto out_free;
	}
	/* Pinned first, so that a bad ioreq_buf never reaches the hypervisor. */
	ret = hsm_pin_one_page(req->ioreq_buf, &ioreq_page);
	if (ret)
		goto out_free;
	ret = hsm_hc_result(hsm_hypercall1(ACRN_HC_CREATE_VM, virt_to_phys(req)));
	if (ret)
		goto out_unpin;
	vm->vmid = req->vmid;
	if (req->vmid == HSM_INVALID_VMID || !req->vcpu_num ||
	    req->vcpu_num > ACRN_IO_REQUEST_MAX) {
		pr_err("acrn_hsm: CREATE_VM answered vmid %u with %u vCPUs\n", req->vmid,
		       req->vcpu_num);
		ret = -EIO;
		goto out_destroy;
	}
	*ioreq_pa = page_to_phys(ioreq_page);
	ret = hsm_hc_result(
	    hsm_hypercall2(ACRN_HC_SET_IOREQ_BUFFER, vm->vmid, virt_to_phys(ioreq_pa)));
	if (ret)
		goto out_destroy;
	ret = hsm_irqfd_init_vm(vm);
	if (ret)
		goto out_destroy;

	vm->vcpu_num = req->vcpu_num;
	memcpy(vm->name, &req->uuid, sizeof(vm->name));
	vm->creator = task_tgid_nr(current);
	vm->ioreq_page = ioreq_page;
	vm->ioreq_buf = page_address(ioreq_page);
	vm->state = HSM_VM_CREATED;
	memset(&vm->count, 0, sizeof(vm->count));
	mutex_lock(&hsm_vms_lock);
	list_add_tail(&vm->list, &hsm_vms);
	mutex_unlock(&hsm_vms_lock);

	if (copy_to_user(uarg, req, sizeof(*req))) {
		hsm_hc_vm(ACRN_HC_PAUSE_VM, vm);
		if (hsm_vm_destroy(vm))
			hsm_vm_teardown(vm, false);
		ret = -EFAULT;
	}
	goto out_free;

out_destroy:
	hsm_hc_vm(ACRN_HC_PAUSE_VM, vm);
	if (hsm_hc_vm(ACRN_HC_DESTROY_VM, vm)) {
		pr_err("acrn_hsm: vm %u: cannot destroy a half-created VM\n", vm->vmid);
		atomic_long_inc(&hsm_leaked_pages);
		ioreq_page = NULL;
	}
	vm->vmid = HSM_INVALID_VMID;
out_unpin:
	if (ioreq_page)
		hsm_unpin_one_page(ioreq_page);
out_free:
	kfree(ioreq_pa);
	kfree(req);
	return ret;
}

static int hsm_set_vcpu_regs(struct hsm_vm *vm, void __user *uarg)
{
	struct acrn_vcpu_regs *regs;
	struct acrn_regs *r;
	int ret = -EINVAL;

	regs = memdup_user(uarg, sizeof(*regs));
	if (IS_ERR(regs))
		return PTR_ERR(regs);
	r = &regs->vcpu_regs;
	if (regs->vcpu_id >= vm->vcpu_num ||
	    !hsm_all_zero(regs->reserved, sizeof(regs->reserved)) ||
	    !hsm_all_zero(r->gdt.reserved, sizeof(r->gdt.reserved)) ||
	    !hsm_all_zero(r->idt.reserved, sizeof(r->idt.reserved)) ||
	    !hsm_all_zero(r->reserved_64, sizeof(r->reserved_64)) ||
	    !hsm_all_zero(r->reserved_32, sizeof(r->reserved_32)))
		goto out;
	ret = hsm_hc_result(hsm_hypercall2(ACRN_HC_SET_VCPU_REGS, vm->vmid, virt_to_phys(regs)));
out:
	kfree(regs);
	return ret;
}

static int hsm_inject_msi(struct hsm_vm *vm, void __user *uarg)
{
	struct acrn_msi_entry *msi;
	int ret;

	msi = memdup_user(uarg, sizeof(*msi));
	if (IS_ERR(msi))
		return PTR_ERR(msi);
	ret = hsm_hc_result(hsm_hypercall2(ACRN_HC_INJECT_MSI, vm->vmid, virt_to_phys(msi)));
	kfree(msi);
	return ret;
}

/* The argument is the address of a page the hypervisor fills with counts. */
static int hsm_intr_monitor(struct hsm_vm *vm, unsigned long uaddr)
{
	struct page *page;
	int ret;

	if (!uaddr || !PAGE_ALIGNED(uaddr))
		return -EINVAL;
	ret = hsm_pin_one_page(uaddr, &page);
	if (ret)
		return ret;
	ret = hsm_hc_result(hsm_hypercall2(ACRN_HC_VM_INTR_MONITOR, vm->vmid, page_to_phys(page)));
	if (ret) {
		hsm_unpin_one_page(page);
		return ret;
	}
	if (vm->intr_monitor_page)
		hsm_unpin_one_page(vm->intr_monitor_page);
	vm->intr_monitor_page = page;
	return 0;
}

/*
 * cmd: bits 31:24 vmid, 23:16 vCPU, 15:8 state index, 7:0 type.  The answer
 * is written back over the caller's u64 (a count) or at the same address (a
 * P- or C-state package).  The vmid must be this file's VM.
 */
static int hsm_pm_get_cpu_state(struct hsm_vm *vm, u64 __user *uarg)
{
	size_t size;
	void *buf;
	u64 cmd;
	int ret;

	if (get_user(cmd, uarg))
		return -EFAULT;
	if (cmd >> 32 || ((cmd >> 24) & 0xff) != vm->vmid)
		return -EINVAL;
	switch (cmd & PMCMD_TYPE_MASK) {
	case ACRN_PMCMD_GET_PX_CNT:
	case ACRN_PMCMD_GET_CX_CNT:
		size = sizeof(u64);
		break;
	case ACRN_PMCMD_GET_PX_DATA:
		size = sizeof(struct acrn_pstate_data);
		break;
	case ACRN_PMCMD_GET_CX_DATA:
		size = sizeof(struct acrn_cstate_data);
		break;
	default:
		return -EINVAL;
	}
	buf = kzalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = hsm_hc_result(hsm_hypercall2(ACRN_HC_PM_GET_CPU_STATE, cmd, virt_to_phys(buf)));
	if (!ret && copy_to_user(uarg, buf, size))
		ret = -EFAULT;
	kfree(buf);
	return ret;
}

static int hsm_memseg_ioctl(struct hsm_vm *vm, unsigned int cmd, void __user *uarg)
{
	struct acrn_vm_memmap map;

	if (copy_from_user(&map, uarg, sizeof(map)))
		return -EFAULT;
	return cmd == ACRN_IOCTL_SET_MEMSEG ? hsm_set_memseg(vm, &map) : hsm_unset_memseg(vm, &map);
}

static int hsm_lifecycle(struct hsm_vm *vm, unsigned long id, enum hsm_vm_state next)
{
	int ret = hsm_hc_vm(id, vm);

	if (!ret)
		vm->state = next;
	return ret;
}

/* The ioctls that need a created VM, under vm->lock. */
static long hsm_vm_ioctl_locked(struct hsm_vm *vm, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct acrn_ioreq_notify notify;
	struct acrn_ioeventfd ioeventfd;
	struct acrn_irqfd irqfd;

	switch (cmd) {
	case ACRN_IOCTL_DESTROY_VM:
		return hsm_vm_destroy(vm);
	case ACRN_IOCTL_START_VM:
		return hsm_lifecycle(vm, ACRN_HC_START_VM, HSM_VM_RUNNING);
	case ACRN_IOCTL_PAUSE_VM:
		return hsm_lifecycle(vm, ACRN_HC_PAUSE_VM, HSM_VM_PAUSED);
	case ACRN_IOCTL_RESET_VM:
		return hsm_lifecycle(vm, ACRN_HC_RESET_VM, HSM_VM_CREATED);
	case ACRN_IOCTL_SET_VCPU_REGS:
		return hsm_set_vcpu_regs(vm, uarg);
	case ACRN_IOCTL_INJECT_MSI:
		return hsm_inject_msi(vm, uarg);
	case ACRN_IOCTL_VM_INTR_MONITOR:
		return hsm_intr_monitor(vm, arg);
	case ACRN_IOCTL_SET_IRQLINE:
		/* The argument is the value itself: GSI in bits 31:0, operation in 63:32. */
		return hsm_hc_result(hsm_hypercall2(ACRN_HC_SET_IRQLINE, vm->vmid, arg));
	case ACRN_IOCTL_NOTIFY_REQUEST_FINISH:
		if (copy_from_user(&notify, uarg, sizeof(notify)))
			return -EFAULT;
		return hsm_ioreq_notify_finish(vm, &notify);
	case ACRN_IOCTL_CREATE_IOREQ_CLIENT:
		return hsm_ioreq_create_client(vm);
	case ACRN_IOCTL_DESTROY_IOREQ_CLIENT:
		return hsm_ioreq_destroy_client(vm);
	case ACRN_IOCTL_CLEAR_VM_IOREQ:
		return hsm_ioreq_clear(vm);
	case ACRN_IOCTL_SET_MEMSEG:
	case ACRN_IOCTL_UNSET_MEMSEG:
		return hsm_memseg_ioctl(vm, cmd, uarg);
	case ACRN_IOCTL_PM_GET_CPU_STATE:
		return hsm_pm_get_cpu_state(vm, uarg);
	case ACRN_IOCTL_IOEVENTFD:
		if (copy_from_user(&ioeventfd, uarg, sizeof(ioeventfd)))
			return -EFAULT;
		return hsm_ioeventfd_config(vm, &ioeventfd);
	case ACRN_IOCTL_IRQFD:
		if (copy_from_user(&irqfd, uarg, sizeof(irqfd)))
			return -EFAULT;
		return hsm_irqfd_config(vm, &irqfd);
	default:
		return -ENOTTY;
	}
}

long hsm_vm_ioctl(struct hsm_vm *vm, unsigned int cmd, unsigned long arg)
{
	long ret;

	switch (cmd) {
	case ACRN_IOCTL_SET_PTDEV_INTR:
	case ACRN_IOCTL_RESET_PTDEV_INTR:
	case ACRN_IOCTL_ASSIGN_PCIDEV:
	case ACRN_IOCTL_DEASSIGN_PCIDEV:
	case ACRN_IOCTL_ASSIGN_MMIODEV:
	case ACRN_IOCTL_DEASSIGN_MMIODEV:
	case ACRN_IOCTL_CREATE_VDEV:
	case ACRN_IOCTL_DESTROY_VDEV:
		/* Device passthrough and hypervisor-emulated devices: not offered. */
		return -EOPNOTSUPP;
	case ACRN_IOCTL_ATTACH_IOREQ_CLIENT:
		/* Sleeps until work arrives: takes the VM's locks only to look. */
		return hsm_ioreq_attach_client(vm);
	case ACRN_IOCTL_CREATE_VM:
		mutex_lock(&vm->lock);
		ret = hsm_vm_create(vm, (void __user *)arg);
		mutex_unlock(&vm->lock);
		return ret;
	case ACRN_IOCTL_DESTROY_VM:
	case ACRN_IOCTL_START_VM:
	case ACRN_IOCTL_PAUSE_VM:
	case ACRN_IOCTL_RESET_VM:
	case ACRN_IOCTL_SET_VCPU_REGS:
	case ACRN_IOCTL_INJECT_MSI:
	case ACRN_IOCTL_VM_INTR_MONITOR:
	case ACRN_IOCTL_SET_IRQLINE:
	case ACRN_IOCTL_NOTIFY_REQUEST_FINISH:
	case ACRN_IOCTL_CREATE_IOREQ_CLIENT:
	case ACRN_IOCTL_DESTROY_IOREQ_CLIENT:
	case ACRN_IOCTL_CLEAR_VM_IOREQ:
	case ACRN_IOCTL_SET_MEMSEG:
	case ACRN_IOCTL_UNSET_MEMSEG:
	case ACRN_IOCTL_PM_GET_CPU_STATE:
	case ACRN_IOCTL_IOEVENTFD:
	case ACRN_IOCTL_IRQFD:
		mutex_lock(&vm->lock);
		if (vm->state == HSM_VM_NONE)
			ret = -EINVAL;
		else
			ret = hsm_vm_ioctl_locked(vm, cmd, arg);
		mutex_unlock(&vm->lock);
		return ret;
	default:
		return -ENOTTY;
	}
}
