// SPDX-License-Identifier: BSD-3-Clause
/*
 * User VM lifecycle from the Service VM, through the HSM's ioctls
 * (/dev/acrn_hsm, Debian's <linux/acrn.h>) down to the hypervisor's
 * hypercalls: create (the hypervisor frees every slot of the I/O request
 * page), start, the states a running VM refuses, pause, resume with
 * START_VM, reset, destroy; hypervisor-side errors passed back (bad vCPU
 * registers, a memory region over the hypervisor, bad IRQ lines and MSIs,
 * PM_GET_CPU_STATE not supported); then N create/pause/destroy rounds and
 * a full VM table, which a leaked VPID or slot would make fail, and the
 * hypervisor's free pages and VPIDs compared (CPUID 0x40000020).
 * Prints TAP lines ("ok - ..."); static, like cpuid-probe.
 *
 *   uvm-lifecycle [ROUNDS] [HV_START]   (HV_START: from acrn_hv_mem=)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/acrn.h>

#include "probe-tap.h"
#include <x86intrin.h>

static int io_val(int fd, unsigned long cmd, unsigned long arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void expect(int got, int want, const char *what)
{
	tap(got == want, "%s: %s (got %s)", what, want ? strerrorname_np(want) : "0",
	    got ? strerrorname_np(got) : "0");
}

static void *ioreq_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	memset(p, 0xa5, 4096);
	return p;
}

/* Open the HSM and create a VM named @name; -errno or the fd. */
static int create(const char *name, void *page, struct acrn_vm_creation *c)
{
	int fd = open("/dev/acrn_hsm", O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	memset(c, 0, sizeof(*c));
	memcpy(&c->uuid, name, strlen(name) + 1 < 16 ? strlen(name) + 1 : 15);
	c->ioreq_buf = (uintptr_t)page;
	err = io(fd, ACRN_IOCTL_CREATE_VM, c);
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static void real_mode_regs(struct acrn_vcpu_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->vcpu_regs.rip = 0xfff0;
	r->vcpu_regs.cs_base = 0xffff0000;
	r->vcpu_regs.cs_sel = 0xf000;
	r->vcpu_regs.cs_limit = 0xffff;
	r->vcpu_regs.cs_ar = 0x9b;
	r->vcpu_regs.cr0 = 0x30; /* ET, NE */
	r->vcpu_regs.rflags = 2;
}

static void states(unsigned long long hv_start)
{
	struct acrn_io_request_buffer *page = ioreq_page();
	struct acrn_vm_creation c;
	struct acrn_vcpu_regs regs;
	struct acrn_vm_memmap map;
	struct acrn_msi_entry msi;
	unsigned long long pm;
	int fd, i, free_slots = 0;

	fd = create("uvm-lifecycle", page, &c);
	tap(fd >= 0 && c.vmid != 0xffff && c.vcpu_num == 1, "CREATE_VM: vm %u with %u vCPU (%s)",
	    c.vmid, c.vcpu_num, fd < 0 ? strerrorname_np(-fd) : "0");
	if (fd < 0)
		return;
	for (i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		free_slots += page->req_slot[i].processed == ACRN_IOREQ_STATE_FREE;
	tap(free_slots == ACRN_IO_REQUEST_MAX,
	    "SET_IOREQ_BUFFER (in CREATE_VM): the hypervisor set all 16 slots FREE (%d)",
	    free_slots);

	real_mode_regs(&regs);
	expect(io(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs), 0, "SET_VCPU_REGS of vCPU 0 in real mode");
	real_mode_regs(&regs);
	regs.vcpu_regs.cr0 = 1ULL << 31; /* PG without PE */
	expect(io(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs), EINVAL,
	       "SET_VCPU_REGS with CR0.PG without PE (the hypervisor's check)");
	real_mode_regs(&regs);
	regs.vcpu_regs.cr4 = 1ULL << 13; /* VMXE */
	expect(io(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs), EINVAL, "SET_VCPU_REGS with CR4.VMXE");
	real_mode_regs(&regs);
	regs.vcpu_regs.ia32_efer = 1ULL << 3; /* reserved */
	expect(io(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs), EINVAL,
	       "SET_VCPU_REGS with a reserved EFER bit");

	if (hv_start) {
		memset(&map, 0, sizeof(map));
		map.type = ACRN_MEMMAP_MMIO;
		map.attr = ACRN_MEM_ACCESS_RWX;
		map.user_vm_pa = 0xc0000000;
		map.service_vm_pa = hv_start;
		map.len = 4096;
		expect(io(fd, ACRN_IOCTL_SET_MEMSEG, &map), EFAULT,
		       "SET_MEMSEG of the hypervisor's first page as MMIO (refused by the "
		       "hypervisor)");
		map.service_vm_pa = hv_start + 0x100000;
		expect(io(fd, ACRN_IOCTL_SET_MEMSEG, &map), EFAULT,
		       "SET_MEMSEG of a page inside the hypervisor as MMIO");
	} else {
		tap(1, "SET_MEMSEG over the hypervisor # SKIP no acrn_hv_mem= on the command line");
	}

	expect(io_val(fd, ACRN_IOCTL_SET_IRQLINE, 4), 0, "SET_IRQLINE GSI 4 assert");
	expect(io_val(fd, ACRN_IOCTL_SET_IRQLINE, 48), EINVAL, "SET_IRQLINE GSI 48");
	expect(io_val(fd, ACRN_IOCTL_SET_IRQLINE, (7ULL << 32) | 4), EINVAL,
	       "SET_IRQLINE operation 7");
	msi.msi_addr = 0xfee00000;
	msi.msi_data = 0x41;
	expect(io(fd, ACRN_IOCTL_INJECT_MSI, &msi), 0, "INJECT_MSI vector 0x41 (validated only)");
	msi.msi_data = 2;
	expect(io(fd, ACRN_IOCTL_INJECT_MSI, &msi), EINVAL, "INJECT_MSI of an exception vector");
	msi.msi_data = 0x41;
	msi.msi_addr = 0xfed00000;
	expect(io(fd, ACRN_IOCTL_INJECT_MSI, &msi), EINVAL, "INJECT_MSI outside the MSI window");
	pm = (unsigned long long)c.vmid << 24;
	expect(io(fd, ACRN_IOCTL_PM_GET_CPU_STATE, &pm), ENODEV, "PM_GET_CPU_STATE: not supported");

	expect(io(fd, ACRN_IOCTL_START_VM, NULL), 0, "START_VM");
	expect(io(fd, ACRN_IOCTL_START_VM, NULL), EINVAL, "START_VM of a running VM");
	expect(io(fd, ACRN_IOCTL_RESET_VM, NULL), EINVAL, "RESET_VM of a running VM");
	real_mode_regs(&regs);
	expect(io(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs), EINVAL, "SET_VCPU_REGS of a running VM");
	expect(io(fd, ACRN_IOCTL_DESTROY_VM, NULL), EINVAL, "DESTROY_VM of a running VM");
	expect(io(fd, ACRN_IOCTL_PAUSE_VM, NULL), 0, "PAUSE_VM");
	expect(io(fd, ACRN_IOCTL_PAUSE_VM, NULL), 0, "PAUSE_VM again (idempotent)");
	expect(io(fd, ACRN_IOCTL_START_VM, NULL), 0, "START_VM of a paused VM (resume)");
	expect(io(fd, ACRN_IOCTL_PAUSE_VM, NULL), 0, "PAUSE_VM");
	page->req_slot[0].processed = ACRN_IOREQ_STATE_PROCESSING;
	expect(io(fd, ACRN_IOCTL_RESET_VM, NULL), 0, "RESET_VM of a paused VM");
	tap(page->req_slot[0].processed == ACRN_IOREQ_STATE_FREE,
	    "RESET_VM put the I/O request slots back to FREE");
	expect(io(fd, ACRN_IOCTL_START_VM, NULL), 0, "START_VM after RESET_VM");
	expect(io(fd, ACRN_IOCTL_PAUSE_VM, NULL), 0, "PAUSE_VM");
	expect(io(fd, ACRN_IOCTL_DESTROY_VM, NULL), 0, "DESTROY_VM");
	expect(io(fd, ACRN_IOCTL_DESTROY_VM, NULL), EINVAL, "DESTROY_VM twice");
	expect(io(fd, ACRN_IOCTL_START_VM, NULL), EINVAL, "START_VM of a destroyed VM");
	close(fd);
	munmap(page, 4096);
}

/* The hypervisor's free pages and VPIDs (CPUID 0x40000020, Service VM only). */
static void hv_counters(unsigned *pages, unsigned *vpids)
{
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000020), "c"(0));
	*pages = a;
	*vpids = c;
}

static void churn(int rounds)
{
	struct acrn_vm_creation c;
	void *page = ioreq_page();
	int fds[8], i, n, bad = 0, first_err = 0;
	unsigned pages0, vpids0, pages1, vpids1;
	unsigned long long t0, ticks;

	hv_counters(&pages0, &vpids0);
	t0 = __rdtsc();
	for (i = 0; i < rounds; i++) {
		int fd = create("churn", page, &c), err = 0;

		if (fd < 0)
			err = -fd;
		else if ((err = io(fd, ACRN_IOCTL_START_VM, NULL)) == 0 &&
			 (err = io(fd, ACRN_IOCTL_PAUSE_VM, NULL)) == 0)
			err = io(fd, ACRN_IOCTL_DESTROY_VM, NULL);
		if (fd >= 0)
			close(fd);
		if (err && !bad++)
			first_err = err;
	}
	ticks = __rdtsc() - t0;
	/* bench/uvm-create.sh: Bochs's TSC counts emulated instructions, so this is stable */
	if (rounds > 0)
		printf("# bench create+destroy: %d rounds, %llu Service VM TSC ticks per round "
		       "(open, CREATE_VM with its request page, START, PAUSE, DESTROY, close)\n",
		       rounds, ticks / (unsigned long long)rounds);
	tap(!bad, "%d rounds of CREATE/START/PAUSE/DESTROY: %d failed%s%s", rounds, bad,
	    bad ? ", first " : "", bad ? strerrorname_np(first_err) : "");
	hv_counters(&pages1, &vpids1);
	tap(pages0 && pages0 == pages1 && vpids0 == vpids1,
	    "the hypervisor's free pages %u -> %u, free VPIDs %u -> %u", pages0, pages1, vpids0,
	    vpids1);
	/* every slot of the VM table is free again: three User VMs at once, not four */
	for (n = 0; n < 8; n++) {
		char name[16];

		snprintf(name, sizeof(name), "full%d", n);
		fds[n] = create(name, page, &c);
		if (fds[n] < 0)
			break;
	}
	tap(n == 3 && fds[3] == -ENOSPC,
	    "after the rounds the VM table holds 3 User VMs, the 4th gets ENOSPC (%d, %s)", n,
	    n < 8 && fds[n] < 0 ? strerrorname_np(-fds[n]) : "none");
	while (n-- > 0)
		close(fds[n]); /* the HSM pauses and destroys on release */
	n = 0;
	for (i = 0; i < 3; i++) {
		fds[i] = create("again", page, &c);
		n += fds[i] >= 0;
		if (fds[i] >= 0)
			close(fds[i]);
	}
	tap(n == 3, "close released them: CREATE_VM works again (%d of 3)", n);
	munmap(page, 4096);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1000;
	unsigned long long hv_start = argc > 2 ? strtoull(argv[2], NULL, 0) : 0;

	states(hv_start);
	churn(rounds);
	return failures ? 1 : 0;
}
