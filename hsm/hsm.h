/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The HSM's internal model: one struct hsm_vm per open file of
 * /dev/acrn_hsm, its guest memory segments, its I/O request page and
 * clients, its ioeventfds and irqfds.
 *
 * Locking, outermost first:
 *   vm->lock         every ioctl of the file except ATTACH_IOREQ_CLIENT's
 *                    wait; serialises the VM's life cycle.
 *   hsm_vms_lock     the global list of created VMs (dispatch, debugfs).
 *   vm->ioreq_lock   the request page, the default client, the CF8 latch
 *                    and the ioeventfd list (dispatch runs under it).
 *   vm->irqfds_lock  the irqfd list.
 */
#ifndef HSM_H
#define HSM_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/atomic.h>
#include <linux/mm_types.h>
#include <linux/ioctl.h>
#include <linux/poll.h>
#include <linux/acrn.h>

#define HSM_INVALID_VMID   0xffffU
#define HSM_MAX_MEMSEGS	   256
#define HSM_MAX_IOEVENTFDS 1024
#define HSM_MAX_IRQFDS	   1024

/* The VM as the hypervisor last reported it through a successful hypercall. */
enum hsm_vm_state {
	HSM_VM_NONE,	/* no CREATE_VM yet, or destroyed */
	HSM_VM_CREATED, /* created or reset */
	HSM_VM_RUNNING,
	HSM_VM_PAUSED,
};

/* A SET_MEMSEG of guest RAM: the pinned pages behind [user_vm_pa, +len). */
struct hsm_memseg {
	u64 user_vm_pa;
	u64 len;
	u64 vma_base;
	u32 attr;
	struct page **pages;
	unsigned long nr_pages;
};

struct hsm_ioeventfd {
	struct list_head list;
	struct eventfd_ctx *ctx;
	u64 addr;
	u64 data;
	u32 len;
	u32 type; /* ACRN_IOREQ_TYPE_PORTIO or _MMIO */
	bool wildcard;
};

struct hsm_irqfd {
	struct list_head list;
	struct hsm_vm *vm;
	struct eventfd_ctx *ctx;
	wait_queue_entry_t wait;
	poll_table pt;
	struct work_struct shutdown;
	unsigned long dying;	   /* bit 0: shutdown queued */
	struct acrn_msi_entry msi; /* kmalloc'ed with the irqfd: a hypercall parameter */
};

struct hsm_counters {
	atomic64_t requests; /* PENDING slots the dispatcher picked up */
	atomic64_t pio, mmio, pcicfg;
	atomic64_t cf8;	      /* 0xCF8 latch accesses handled in the kernel */
	atomic64_t ioeventfd; /* completed in the kernel by an ioeventfd */
	atomic64_t to_client; /* handed to the default client */
	atomic64_t unclaimed; /* no client: completed with all-ones */
	atomic64_t completed; /* completions notified to the hypervisor */
	atomic64_t notify_errors;
};

struct hsm_vm {
	struct mutex lock;
	struct list_head list; /* in hsm_vms while created */
	u16 vmid;
	u16 vcpu_num;
	enum hsm_vm_state state;
	u8 name[16];
	pid_t creator;

	/* The I/O request page (CREATE_VM's ioreq_buf), pinned. */
	struct page *ioreq_page;
	struct acrn_io_request_buffer *ioreq_buf;

	struct mutex ioreq_lock;
	bool clearing;
	bool client_exists;
	unsigned long client_gen; /* bumped when the default client goes away */
	unsigned long pending;	  /* slots handed to the default client */
	wait_queue_head_t client_wq;
	u32 cf8_latch;
	struct list_head ioeventfds;
	unsigned int nr_ioeventfds;

	struct mutex irqfds_lock;
	struct list_head irqfds;
	unsigned int nr_irqfds;
	struct workqueue_struct *irqfd_wq;

	struct hsm_memseg memsegs[HSM_MAX_MEMSEGS];
	unsigned int nr_memsegs;
	unsigned long pinned_pages;

	struct page *intr_monitor_page;

	struct hsm_counters count;
};

/* hsm_main.c */
extern struct mutex hsm_vms_lock;
extern struct list_head hsm_vms;
extern atomic_long_t hsm_pinned_pages;
extern atomic_long_t hsm_leaked_pages;
int hsm_hc_result(long ret);

/* hsm_vm.c: life cycle and the ioctls that are one hypercall each */
void hsm_vm_init(struct hsm_vm *vm);
long hsm_vm_ioctl(struct hsm_vm *vm, unsigned int cmd, unsigned long arg);
void hsm_vm_release(struct hsm_vm *vm);

/* hsm_mm.c */
int hsm_set_memseg(struct hsm_vm *vm, struct acrn_vm_memmap *map);
int hsm_unset_memseg(struct hsm_vm *vm, struct acrn_vm_memmap *map);
void hsm_unpin_all_memsegs(struct hsm_vm *vm);
void hsm_leak_all_memsegs(struct hsm_vm *vm);
int hsm_pin_one_page(unsigned long uaddr, struct page **page);
void hsm_unpin_one_page(struct page *page);

/* hsm_ioreq.c */
int hsm_ioreq_create_client(struct hsm_vm *vm);
int hsm_ioreq_destroy_client(struct hsm_vm *vm);
int hsm_ioreq_attach_client(struct hsm_vm *vm);
int hsm_ioreq_notify_finish(struct hsm_vm *vm, struct acrn_ioreq_notify *notify);
int hsm_ioreq_clear(struct hsm_vm *vm);
int hsm_ioeventfd_config(struct hsm_vm *vm, struct acrn_ioeventfd *args);
void hsm_ioreq_teardown(struct hsm_vm *vm);
void hsm_ioreq_dispatch(struct hsm_vm *vm);
void hsm_ioreq_notify(void);
int hsm_ioreq_init(void);
void hsm_ioreq_exit(void);
/* The notification device's PCI driver (hsm_notify.c) and its interrupt count. */
int hsm_notify_init(void);
void hsm_notify_exit(void);
extern atomic64_t hsm_notify_irqs;

/* hsm_irqfd.c */
int hsm_irqfd_init_vm(struct hsm_vm *vm);
int hsm_irqfd_config(struct hsm_vm *vm, struct acrn_irqfd *args);
void hsm_irqfd_teardown(struct hsm_vm *vm);

#endif /* HSM_H */
