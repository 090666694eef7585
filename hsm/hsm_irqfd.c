// SPDX-License-Identifier: GPL-2.0
/*
 * irqfd: an eventfd whose signal injects an MSI into the VM (INJECT_MSI
 * hypercall), e.g. for vhost.  The HSM waits on the eventfd's wait queue;
 * a signal injects at once (the hypercall is fine in atomic context), the
 * eventfd's close (EPOLLHUP) or a DEASSIGN detaches it through a work item,
 * which is the only place an irqfd is freed.  bit 0 of `dying` makes sure
 * that work is queued once.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/poll.h>
#include <linux/io.h>

#include "hsm.h"
#include "hypercall.h"

static void hsm_irqfd_inject(struct hsm_irqfd *irqfd)
{
	hsm_hypercall2(ACRN_HC_INJECT_MSI, irqfd->vm->vmid, virt_to_phys(&irqfd->msi));
}

static void hsm_irqfd_shutdown(struct work_struct *work)
{
	struct hsm_irqfd *irqfd = container_of(work, struct hsm_irqfd, shutdown);
	struct hsm_vm *vm = irqfd->vm;
	u64 cnt;

	mutex_lock(&vm->irqfds_lock);
	if (!list_empty(&irqfd->list)) {
		list_del_init(&irqfd->list);
		vm->nr_irqfds--;
	}
	mutex_unlock(&vm->irqfds_lock);
	eventfd_ctx_remove_wait_queue(irqfd->ctx, &irqfd->wait, &cnt);
	eventfd_ctx_put(irqfd->ctx);
	kfree(irqfd);
}

static void hsm_irqfd_queue_shutdown(struct hsm_irqfd *irqfd)
{
	if (!test_and_set_bit(0, &irqfd->dying))
		queue_work(irqfd->vm->irqfd_wq, &irqfd->shutdown);
}

static int hsm_irqfd_wakeup(wait_queue_entry_t *wait, unsigned int mode, int sync, void *key)
{
	struct hsm_irqfd *irqfd = container_of(wait, struct hsm_irqfd, wait);
	__poll_t events = key_to_poll(key);
	u64 cnt;

	if (events & EPOLLIN) {
		eventfd_ctx_do_read(irqfd->ctx, &cnt);
		hsm_irqfd_inject(irqfd);
	}
	if (events & EPOLLHUP)
		hsm_irqfd_queue_shutdown(irqfd);
	return 0;
}

static void hsm_irqfd_poll_queue(struct file *file, wait_queue_head_t *wqh, poll_table *pt)
{
	struct hsm_irqfd *irqfd = container_of(pt, struct hsm_irqfd, pt);

	add_wait_queue(wqh, &irqfd->wait);
}

static int hsm_irqfd_assign(struct hsm_vm *vm, struct acrn_irqfd *args)
{
	struct hsm_irqfd *irqfd, *p;
	struct eventfd_ctx *ctx;
	struct fd f;
	__poll_t events;
	int ret = 0;

	f = fdget(args->fd);
	if (!f.file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(f.file);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_fdput;
	}
	irqfd = kzalloc(sizeof(*irqfd), GFP_KERNEL);
	if (!irqfd) {
		ret = -ENOMEM;
		goto out_ctx;
	}
	irqfd->vm = vm;
	irqfd->ctx = ctx;
	irqfd->msi = args->msi;
	INIT_LIST_HEAD(&irqfd->list);
	INIT_WORK(&irqfd->shutdown, hsm_irqfd_shutdown);
	init_waitqueue_func_entry(&irqfd->wait, hsm_irqfd_wakeup);
	init_poll_funcptr(&irqfd->pt, hsm_irqfd_poll_queue);

	mutex_lock(&vm->irqfds_lock);
	if (vm->nr_irqfds >= HSM_MAX_IRQFDS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	list_for_each_entry(p, &vm->irqfds, list)
	{
		if (p->ctx == ctx) {
			ret = -EBUSY;
			goto out_unlock;
		}
	}
	list_add_tail(&irqfd->list, &vm->irqfds);
	vm->nr_irqfds++;
	mutex_unlock(&vm->irqfds_lock);

	/* A signal that came before the assignment is delivered now. */
	events = vfs_poll(f.file, &irqfd->pt);
	if (events & EPOLLIN)
		hsm_irqfd_inject(irqfd);
	fdput(f);
	return 0;

out_unlock:
	mutex_unlock(&vm->irqfds_lock);
	kfree(irqfd);
out_ctx:
	eventfd_ctx_put(ctx);
out_fdput:
	fdput(f);
	return ret;
}

static int hsm_irqfd_deassign(struct hsm_vm *vm, struct acrn_irqfd *args)
{
	struct hsm_irqfd *p;
	struct eventfd_ctx *ctx;
	int ret = -ENOENT;

	ctx = eventfd_ctx_fdget(args->fd);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	mutex_lock(&vm->irqfds_lock);
	list_for_each_entry(p, &vm->irqfds, list)
	{
		if (p->ctx == ctx) {
			hsm_irqfd_queue_shutdown(p);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&vm->irqfds_lock);
	eventfd_ctx_put(ctx);
	flush_workqueue(vm->irqfd_wq);
	return ret;
}

int hsm_irqfd_config(struct hsm_vm *vm, struct acrn_irqfd *args)
{
	if (args->flags & ~ACRN_IRQFD_FLAG_DEASSIGN)
		return -EINVAL;
	if (args->flags & ACRN_IRQFD_FLAG_DEASSIGN)
		return hsm_irqfd_deassign(vm, args);
	return hsm_irqfd_assign(vm, args);
}

int hsm_irqfd_init_vm(struct hsm_vm *vm)
{
	vm->irqfd_wq = alloc_workqueue("acrn_hsm_irqfd-%u", 0, 0, vm->vmid);
	return vm->irqfd_wq ? 0 : -ENOMEM;
}

void hsm_irqfd_teardown(struct hsm_vm *vm)
{
	struct hsm_irqfd *p;

	if (!vm->irqfd_wq)
		return;
	mutex_lock(&vm->irqfds_lock);
	list_for_each_entry(p, &vm->irqfds, list) hsm_irqfd_queue_shutdown(p);
	mutex_unlock(&vm->irqfds_lock);
	destroy_workqueue(vm->irqfd_wq); /* drains: every irqfd is freed */
	vm->irqfd_wq = NULL;
}
