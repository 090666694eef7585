// SPDX-License-Identifier: GPL-2.0
/*
 * I/O requests: the per-VM request page (one 256-byte slot per vCPU, shared
 * with the hypervisor), dispatch of PENDING slots, the device model's
 * default client, ioeventfds, completion.
 *
 * Dispatch of a PENDING slot, in order:
 *  1. CLEAR_VM_IOREQ in progress: completed at once.
 *  2. Port 0xCF8 (4 bytes): the PCI address latch, kept here; completed.
 *     Ports 0xCFC-0xCFF: with the latch's enable bit clear, reads give
 *     all-ones and the access is completed; otherwise the slot is rewritten
 *     in place into a PCI-config request (bus/dev/func/reg from the latch)
 *     and goes on to the default client.
 *  3. A write matching an ioeventfd signals its eventfd and is completed in
 *     the kernel (a read of such a range completes with 0).
 *  4. Everything else goes to the default client: the slot turns
 *     PROCESSING with kernel_handled 0, its bit is set in the client's
 *     pending map and ATTACH_IOREQ_CLIENT returns.  With no client, reads
 *     complete with all-ones (counted as unclaimed), so no vCPU waits for
 *     nobody.
 * Completion is a release-store of COMPLETE and, unless the hypervisor
 * polls this slot, the NOTIFY_REQUEST_FINISH hypercall.
 *
 * What starts a dispatch: hsm_ioreq_notify(), to be called from the
 * hypervisor's notification interrupt (docs/hsm.md: a virtual PCI function
 * with MSI that the HSM claims as a PCI driver), queues one work item that
 * scans every VM.  Today it is reached from debugfs (acrn_hsm/dispatch) and
 * from CREATE_IOREQ_CLIENT.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/sched.h>

#include "hsm.h"
#include "hypercall.h"
#include "hsm_route.h"

static struct workqueue_struct *hsm_ioreq_wq;

static int hsm_complete(struct hsm_vm *vm, u16 vcpu, struct acrn_io_request *req)
{
	bool polling = READ_ONCE(req->completion_polling);
	int ret = 0;

	smp_store_release(&req->processed, ACRN_IOREQ_STATE_COMPLETE);
	atomic64_inc(&vm->count.completed);
	if (!polling) {
		ret = hsm_hc_result(hsm_hypercall2(ACRN_HC_NOTIFY_REQUEST_FINISH, vm->vmid, vcpu));
		if (ret)
			atomic64_inc(&vm->count.notify_errors);
	}
	return ret;
}

static void hsm_read_all_ones(struct acrn_io_request *req)
{
	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO:
		if (req->reqs.pio_request.direction == ACRN_IOREQ_DIR_READ)
			req->reqs.pio_request.value = ~0U;
		break;
	case ACRN_IOREQ_TYPE_MMIO:
		if (req->reqs.mmio_request.direction == ACRN_IOREQ_DIR_READ)
			req->reqs.mmio_request.value = ~0ULL;
		break;
	case ACRN_IOREQ_TYPE_PCICFG:
		if (req->reqs.pci_request.direction == ACRN_IOREQ_DIR_READ)
			req->reqs.pci_request.value = ~0U;
		break;
	}
}

/* Step 3: true when an ioeventfd took the request. */
static bool hsm_ioeventfd_handle(struct hsm_vm *vm, struct acrn_io_request *req)
{
	struct hsm_ioeventfd *p;
	struct hsm_access a;

	if (!hsm_route_access(req, &a))
		return false;
	list_for_each_entry(p, &vm->ioeventfds, list)
	{
		if (!hsm_route_ioeventfd_takes(p->type, p->addr, p->len, p->wildcard, p->data,
					       req->type, &a))
			continue;
		if (a.write)
			eventfd_signal(p->ctx, 1);
		else if (req->type == ACRN_IOREQ_TYPE_PORTIO)
			req->reqs.pio_request.value = 0;
		else
			req->reqs.mmio_request.value = 0;
		return true;
	}
	return false;
}

static void hsm_dispatch_one(struct hsm_vm *vm, u16 vcpu, struct acrn_io_request *req)
{
	atomic64_inc(&vm->count.requests);
	if (req->type == ACRN_IOREQ_TYPE_PORTIO)
		atomic64_inc(&vm->count.pio);
	else if (req->type == ACRN_IOREQ_TYPE_MMIO)
		atomic64_inc(&vm->count.mmio);

	if (vm->clearing) {
		req->kernel_handled = 1;
		hsm_complete(vm, vcpu, req);
		return;
	}
	if (hsm_route_pci_cfg(&vm->cf8_latch, req) == HSM_CFG_DONE) {
		atomic64_inc(&vm->count.cf8);
		req->kernel_handled = 1;
		hsm_complete(vm, vcpu, req);
		return;
	}
	if (req->type == ACRN_IOREQ_TYPE_PCICFG)
		atomic64_inc(&vm->count.pcicfg);
	if (hsm_ioeventfd_handle(vm, req)) {
		atomic64_inc(&vm->count.ioeventfd);
		req->kernel_handled = 1;
		hsm_complete(vm, vcpu, req);
		return;
	}
	if (!vm->client_exists) {
		atomic64_inc(&vm->count.unclaimed);
		hsm_read_all_ones(req);
		req->kernel_handled = 1;
		hsm_complete(vm, vcpu, req);
		return;
	}
	req->kernel_handled = 0;
	set_bit(vcpu, &vm->pending);
	smp_store_release(&req->processed, ACRN_IOREQ_STATE_PROCESSING);
	atomic64_inc(&vm->count.to_client);
	wake_up_interruptible(&vm->client_wq);
}

static void hsm_dispatch_locked(struct hsm_vm *vm)
{
	u16 i;

	if (!vm->ioreq_buf)
		return;
	for (i = 0; i < vm->vcpu_num; i++) {
		struct acrn_io_request *req = &vm->ioreq_buf->req_slot[i];

		if (smp_load_acquire(&req->processed) == ACRN_IOREQ_STATE_PENDING)
			hsm_dispatch_one(vm, i, req);
	}
}

void hsm_ioreq_dispatch(struct hsm_vm *vm)
{
	mutex_lock(&vm->ioreq_lock);
	hsm_dispatch_locked(vm);
	mutex_unlock(&vm->ioreq_lock);
}

static void hsm_dispatch_all(struct work_struct *work)
{
	struct hsm_vm *vm;

	mutex_lock(&hsm_vms_lock);
	list_for_each_entry(vm, &hsm_vms, list) hsm_ioreq_dispatch(vm);
	mutex_unlock(&hsm_vms_lock);
}

static DECLARE_WORK(hsm_dispatch_work, hsm_dispatch_all);

/* The hypervisor posted requests: safe from interrupt context. */
void hsm_ioreq_notify(void)
{
	queue_work(hsm_ioreq_wq, &hsm_dispatch_work);
}

int hsm_ioreq_create_client(struct hsm_vm *vm)
{
	int ret = 0;

	mutex_lock(&vm->ioreq_lock);
	if (vm->client_exists) {
		ret = -EEXIST;
	} else {
		vm->client_exists = true;
		vm->pending = 0;
		/* Requests posted before the client existed wait no longer. */
		hsm_dispatch_locked(vm);
	}
	mutex_unlock(&vm->ioreq_lock);
	return ret;
}

/* Ends the client: its waiter returns -ENODEV, its requests complete. */
static void hsm_client_end(struct hsm_vm *vm)
{
	u16 i;

	for (i = 0; i < vm->vcpu_num && vm->ioreq_buf; i++) {
		if (test_and_clear_bit(i, &vm->pending)) {
			hsm_read_all_ones(&vm->ioreq_buf->req_slot[i]);
			hsm_complete(vm, i, &vm->ioreq_buf->req_slot[i]);
		}
	}
	vm->client_exists = false;
	vm->pending = 0;
	vm->client_gen++;
	wake_up_interruptible_all(&vm->client_wq);
}

int hsm_ioreq_destroy_client(struct hsm_vm *vm)
{
	int ret = 0;

	mutex_lock(&vm->ioreq_lock);
	if (vm->client_exists)
		hsm_client_end(vm);
	else
		ret = -ENOENT;
	mutex_unlock(&vm->ioreq_lock);
	return ret;
}

/*
 * ATTACH_IOREQ_CLIENT: returns 0 once requests wait for the client (the
 * caller then serves the slots in PROCESSING with kernel_handled 0),
 * -ENODEV when there is no client or it was destroyed meanwhile, -EINTR /
 * -ERESTARTSYS on a signal.
 */
int hsm_ioreq_attach_client(struct hsm_vm *vm)
{
	unsigned long gen;
	bool exists;
	int ret;

	mutex_lock(&vm->lock);
	if (vm->state == HSM_VM_NONE) {
		mutex_unlock(&vm->lock);
		return -EINVAL;
	}
	mutex_lock(&vm->ioreq_lock);
	exists = vm->client_exists;
	gen = vm->client_gen;
	mutex_unlock(&vm->ioreq_lock);
	mutex_unlock(&vm->lock);
	if (!exists)
		return -ENODEV;

	ret = wait_event_interruptible(vm->client_wq,
				       READ_ONCE(vm->pending) || READ_ONCE(vm->client_gen) != gen);
	if (ret)
		return ret;
	return READ_ONCE(vm->client_gen) != gen ? -ENODEV : 0;
}

int hsm_ioreq_notify_finish(struct hsm_vm *vm, struct acrn_ioreq_notify *notify)
{
	int ret;

	if (notify->reserved || notify->vcpu >= vm->vcpu_num)
		return -EINVAL;
	mutex_lock(&vm->ioreq_lock);
	if (!vm->client_exists || !test_and_clear_bit(notify->vcpu, &vm->pending))
		ret = -EINVAL;
	else
		ret = hsm_complete(vm, notify->vcpu, &vm->ioreq_buf->req_slot[notify->vcpu]);
	mutex_unlock(&vm->ioreq_lock);
	return ret;
}

/* CLEAR_VM_IOREQ (reset, suspend): nothing stays pending or in a client. */
int hsm_ioreq_clear(struct hsm_vm *vm)
{
	u16 i;

	mutex_lock(&vm->ioreq_lock);
	vm->clearing = true;
	for (i = 0; i < vm->vcpu_num; i++) {
		struct acrn_io_request *req = &vm->ioreq_buf->req_slot[i];

		if (test_and_clear_bit(i, &vm->pending) ||
		    smp_load_acquire(&req->processed) == ACRN_IOREQ_STATE_PENDING)
			hsm_complete(vm, i, req);
	}
	vm->clearing = false;
	mutex_unlock(&vm->ioreq_lock);
	return 0;
}

static bool hsm_ioeventfd_same(struct hsm_ioeventfd *p, u32 type, u64 addr, bool wildcard, u64 data)
{
	return p->type == type && p->addr == addr && (p->wildcard || wildcard || p->data == data);
}

int hsm_ioeventfd_config(struct hsm_vm *vm, struct acrn_ioeventfd *args)
{
	const u32 known =
	    ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH | ACRN_IOEVENTFD_FLAG_DEASSIGN;
	struct hsm_ioeventfd *p, *found = NULL;
	struct eventfd_ctx *ctx;
	bool wildcard = !(args->flags & ACRN_IOEVENTFD_FLAG_DATAMATCH);
	u32 type =
	    args->flags & ACRN_IOEVENTFD_FLAG_PIO ? ACRN_IOREQ_TYPE_PORTIO : ACRN_IOREQ_TYPE_MMIO;
	int ret = 0;

	if (args->flags & ~known || args->reserved)
		return -EINVAL;
	if (args->len != 1 && args->len != 2 && args->len != 4 && args->len != 8)
		return -EINVAL;
	if (args->addr + args->len < args->addr)
		return -EINVAL;
	if (type == ACRN_IOREQ_TYPE_PORTIO && (args->len == 8 || args->addr + args->len > 0x10000))
		return -EINVAL;

	ctx = eventfd_ctx_fdget((int)args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	mutex_lock(&vm->ioreq_lock);
	if (args->flags & ACRN_IOEVENTFD_FLAG_DEASSIGN) {
		list_for_each_entry(p, &vm->ioeventfds, list)
		{
			if (p->ctx == ctx && p->type == type && p->addr == args->addr &&
			    p->wildcard == wildcard && (wildcard || p->data == args->data)) {
				found = p;
				break;
			}
		}
		if (found) {
			list_del(&found->list);
			vm->nr_ioeventfds--;
			eventfd_ctx_put(found->ctx);
			kfree(found);
		} else {
			ret = -ENOENT;
		}
		goto out;
	}
	if (vm->nr_ioeventfds >= HSM_MAX_IOEVENTFDS) {
		ret = -ENOSPC;
		goto out;
	}
	list_for_each_entry(p, &vm->ioeventfds, list)
	{
		if (hsm_ioeventfd_same(p, type, args->addr, wildcard, args->data)) {
			ret = -EEXIST;
			goto out;
		}
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	p->ctx = ctx;
	ctx = NULL; /* the list holds the reference now */
	p->addr = args->addr;
	p->len = args->len;
	p->type = type;
	p->wildcard = wildcard;
	p->data = args->data;
	list_add_tail(&p->list, &vm->ioeventfds);
	vm->nr_ioeventfds++;
out:
	mutex_unlock(&vm->ioreq_lock);
	if (ctx)
		eventfd_ctx_put(ctx);
	return ret;
}

/* The VM is gone from the hypervisor: end the client, drop the ioeventfds. */
void hsm_ioreq_teardown(struct hsm_vm *vm)
{
	struct hsm_ioeventfd *p, *next;

	mutex_lock(&vm->ioreq_lock);
	vm->client_exists = false;
	vm->pending = 0;
	vm->client_gen++;
	wake_up_interruptible_all(&vm->client_wq);
	list_for_each_entry_safe(p, next, &vm->ioeventfds, list)
	{
		list_del(&p->list);
		eventfd_ctx_put(p->ctx);
		kfree(p);
	}
	vm->nr_ioeventfds = 0;
	vm->ioreq_buf = NULL;
	vm->cf8_latch = 0;
	mutex_unlock(&vm->ioreq_lock);
}

int hsm_ioreq_init(void)
{
	hsm_ioreq_wq = alloc_ordered_workqueue("acrn_hsm_ioreq", WQ_HIGHPRI | WQ_MEM_RECLAIM);
	return hsm_ioreq_wq ? 0 : -ENOMEM;
}

void hsm_ioreq_exit(void)
{
	destroy_workqueue(hsm_ioreq_wq);
}
