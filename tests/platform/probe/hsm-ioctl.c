/*
 * hsm-ioctl: the HSM's ioctl interface seen from user space, in the Service
 * VM.  Compiled -static against the distribution's /usr/include/linux/acrn.h
 * (not a copy of ours), so the numbers and layouts used are Linux's.
 * Prints TAP lines without numbers ("ok - ...", "not ok - ...", "# ...")
 * for the hsm-ioctl platform scenario.
 *
 *   hsm-ioctl errors        every ioctl's checked error paths
 *   hsm-ioctl fuzz N SEED   N random-argument calls, then the pin balance
 *   hsm-ioctl hold          opens the device and calls ioctls until killed
 *   hsm-ioctl pins          prints the kernel's FOLL_PIN balance
 *
 * Paths that need the hypervisor's VM hypercalls are followed as far as the
 * hypervisor takes them: today it has none and answers -ENOTTY, which must
 * come back from CREATE_VM unchanged; the checks that need a created VM run
 * when CREATE_VM succeeds and are reported as skipped otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/acrn.h>

#include "probe-tap.h"

#define DEV  "/dev/acrn_hsm"
#define PAGE 4096UL

static void skip(const char *what, const char *why)
{
	printf("ok - %s # SKIP %s\n", what, why);
}

static int open_dev(void)
{
	int fd = open(DEV, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("not ok - open %s: %s\n", DEV, strerror(errno));
		exit(1);
	}
	return fd;
}

/* ioctl must fail with errno `want`. */
static void expect_err(int fd, unsigned long cmd, void *arg, int want, const char *what)
{
	int ret = ioctl(fd, cmd, arg);
	int err = ret < 0 ? errno : 0;

	tap(ret == -1 && err == want, "%s: %s (got %d, %s)", what, strerrorname_np(want), ret,
	    err ? strerrorname_np(err) : "success");
}

static void *map_pages(size_t n, int prot)
{
	void *p = mmap(NULL, n * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

/* An address with nothing mapped: a page that was mapped and unmapped. */
static void *unmapped_page(void)
{
	void *p = map_pages(1, PROT_READ | PROT_WRITE);

	munmap(p, PAGE);
	return p;
}

/* A page whose next page is unmapped: structures placed at its end run off. */
static void *edge_page(void)
{
	char *p = map_pages(2, PROT_READ | PROT_WRITE);

	munmap(p + PAGE, PAGE);
	return p;
}

struct ioctl_def {
	unsigned long cmd;
	const char *name;
	size_t size; /* of the argument structure, 0: none or a value */
};

#define IOC(n, s)                                                                                  \
	{                                                                                          \
		ACRN_IOCTL_##n, #n, s                                                              \
	}
static const struct ioctl_def vm_ioctls[] = {
    IOC(DESTROY_VM, 0),
    IOC(START_VM, 0),
    IOC(PAUSE_VM, 0),
    IOC(RESET_VM, 0),
    IOC(SET_VCPU_REGS, sizeof(struct acrn_vcpu_regs)),
    IOC(INJECT_MSI, sizeof(struct acrn_msi_entry)),
    IOC(VM_INTR_MONITOR, 0),
    IOC(SET_IRQLINE, 0),
    IOC(NOTIFY_REQUEST_FINISH, sizeof(struct acrn_ioreq_notify)),
    IOC(CREATE_IOREQ_CLIENT, 0),
    IOC(ATTACH_IOREQ_CLIENT, 0),
    IOC(DESTROY_IOREQ_CLIENT, 0),
    IOC(CLEAR_VM_IOREQ, 0),
    IOC(SET_MEMSEG, sizeof(struct acrn_vm_memmap)),
    IOC(UNSET_MEMSEG, sizeof(struct acrn_vm_memmap)),
    IOC(PM_GET_CPU_STATE, sizeof(__u64)),
    IOC(IOEVENTFD, sizeof(struct acrn_ioeventfd)),
    IOC(IRQFD, sizeof(struct acrn_irqfd)),
};

static const struct ioctl_def passthrough_ioctls[] = {
    IOC(SET_PTDEV_INTR, sizeof(struct acrn_ptdev_irq)),
    IOC(RESET_PTDEV_INTR, sizeof(struct acrn_ptdev_irq)),
    IOC(ASSIGN_PCIDEV, sizeof(struct acrn_pcidev)),
    IOC(DEASSIGN_PCIDEV, sizeof(struct acrn_pcidev)),
    IOC(ASSIGN_MMIODEV, sizeof(struct acrn_mmiodev)),
    IOC(DEASSIGN_MMIODEV, sizeof(struct acrn_mmiodev)),
    IOC(CREATE_VDEV, sizeof(struct acrn_vdev)),
    IOC(DESTROY_VDEV, sizeof(struct acrn_vdev)),
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void fill_creation(struct acrn_vm_creation *c, void *ioreq_page)
{
	memset(c, 0, sizeof(*c));
	memcpy(&c->uuid, "hsm-ioctl-test", 15);
	c->ioreq_buf = (uintptr_t)ioreq_page;
	c->cpu_affinity = 1;
	c->vmid = 0x1234;
	c->vcpu_num = 0x5678;
}

/* Checks that need a VM the hypervisor created (fd holds it). */
static void vm_checks(int fd, struct acrn_vm_creation *c)
{
	struct acrn_vcpu_regs regs;
	struct acrn_ioreq_notify notify = {0};
	struct acrn_ioeventfd iofd = {0};
	struct acrn_irqfd irqfd = {0};
	struct acrn_vm_memmap map = {0};
	int efd = eventfd(0, EFD_CLOEXEC);
	long pins0 = pin_balance();
	void *ram;

	expect_err(fd, ACRN_IOCTL_CREATE_VM, c, EEXIST, "a second CREATE_VM on one file");
	memset(&regs, 0, sizeof(regs));
	regs.reserved[1] = 1;
	expect_err(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs, EINVAL,
		   "SET_VCPU_REGS with reserved[1] set");
	memset(&regs, 0, sizeof(regs));
	regs.vcpu_regs.reserved_64[2] = 1;
	expect_err(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs, EINVAL,
		   "SET_VCPU_REGS with reserved_64 set");
	memset(&regs, 0, sizeof(regs));
	regs.vcpu_id = c->vcpu_num;
	expect_err(fd, ACRN_IOCTL_SET_VCPU_REGS, &regs, EINVAL,
		   "SET_VCPU_REGS of a vCPU beyond vcpu_num");
	expect_err(fd, ACRN_IOCTL_SET_VCPU_REGS, unmapped_page(), EFAULT,
		   "SET_VCPU_REGS from unmapped memory");

	notify.reserved = 1;
	expect_err(fd, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, &notify, EINVAL,
		   "NOTIFY_REQUEST_FINISH with reserved set");
	notify.reserved = 0;
	notify.vcpu = 16;
	expect_err(fd, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, &notify, EINVAL,
		   "NOTIFY_REQUEST_FINISH of vCPU 16");

	expect_err(fd, ACRN_IOCTL_ATTACH_IOREQ_CLIENT, NULL, ENODEV,
		   "ATTACH_IOREQ_CLIENT without a client");
	expect_err(fd, ACRN_IOCTL_DESTROY_IOREQ_CLIENT, NULL, ENOENT,
		   "DESTROY_IOREQ_CLIENT without a client");
	tap(ioctl(fd, ACRN_IOCTL_CREATE_IOREQ_CLIENT, NULL) == 0, "CREATE_IOREQ_CLIENT");
	expect_err(fd, ACRN_IOCTL_CREATE_IOREQ_CLIENT, NULL, EEXIST,
		   "a second CREATE_IOREQ_CLIENT");
	tap(ioctl(fd, ACRN_IOCTL_DESTROY_IOREQ_CLIENT, NULL) == 0, "DESTROY_IOREQ_CLIENT");

	iofd.fd = efd;
	iofd.addr = 0x1000;
	iofd.len = 4;
	iofd.flags = 0x80;
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, EINVAL, "IOEVENTFD with an unknown flag");
	iofd.flags = ACRN_IOEVENTFD_FLAG_PIO;
	iofd.reserved = 1;
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, EINVAL, "IOEVENTFD with reserved set");
	iofd.reserved = 0;
	iofd.len = 3;
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, EINVAL, "IOEVENTFD of length 3");
	iofd.len = 4;
	iofd.fd = 1000;
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, EBADF, "IOEVENTFD with a closed fd");
	iofd.fd = efd;
	tap(ioctl(fd, ACRN_IOCTL_IOEVENTFD, &iofd) == 0, "IOEVENTFD assign on port 0x1000");
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, EEXIST, "IOEVENTFD assigned twice");
	iofd.flags |= ACRN_IOEVENTFD_FLAG_DEASSIGN;
	tap(ioctl(fd, ACRN_IOCTL_IOEVENTFD, &iofd) == 0, "IOEVENTFD deassign");
	expect_err(fd, ACRN_IOCTL_IOEVENTFD, &iofd, ENOENT, "IOEVENTFD deassigned twice");

	irqfd.fd = efd;
	irqfd.flags = 0x2;
	expect_err(fd, ACRN_IOCTL_IRQFD, &irqfd, EINVAL, "IRQFD with an unknown flag");
	irqfd.flags = 0;
	irqfd.fd = 1000;
	expect_err(fd, ACRN_IOCTL_IRQFD, &irqfd, EBADF, "IRQFD with a closed fd");
	irqfd.fd = efd;
	tap(ioctl(fd, ACRN_IOCTL_IRQFD, &irqfd) == 0, "IRQFD assign");
	expect_err(fd, ACRN_IOCTL_IRQFD, &irqfd, EBUSY, "IRQFD assigned twice");
	irqfd.flags = ACRN_IRQFD_FLAG_DEASSIGN;
	tap(ioctl(fd, ACRN_IOCTL_IRQFD, &irqfd) == 0, "IRQFD deassign");
	expect_err(fd, ACRN_IOCTL_IRQFD, &irqfd, ENOENT, "IRQFD deassigned twice");

	ram = map_pages(512, PROT_READ | PROT_WRITE);
	memset(ram, 0x5a, 512 * PAGE);
	map.type = 7;
	expect_err(fd, ACRN_IOCTL_SET_MEMSEG, &map, EINVAL, "SET_MEMSEG of type 7");
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX;
	map.vma_base = (uintptr_t)ram + 8;
	map.len = 512 * PAGE;
	expect_err(fd, ACRN_IOCTL_SET_MEMSEG, &map, EINVAL, "SET_MEMSEG of an unaligned address");
	map.vma_base = (uintptr_t)unmapped_page();
	map.len = PAGE;
	expect_err(fd, ACRN_IOCTL_SET_MEMSEG, &map, EFAULT, "SET_MEMSEG of unmapped memory");
	tap(pin_balance() == pins0, "failed SET_MEMSEGs leave no pin (balance %ld, was %ld)",
	    pin_balance(), pins0);
	map.vma_base = (uintptr_t)ram;
	map.len = 512 * PAGE;
	if (ioctl(fd, ACRN_IOCTL_SET_MEMSEG, &map) == 0) {
		tap(pin_balance() - pins0 == 512, "SET_MEMSEG of 2 MiB pins 512 pages (%ld)",
		    pin_balance() - pins0);
		tap(ioctl(fd, ACRN_IOCTL_UNSET_MEMSEG, &map) == 0, "UNSET_MEMSEG of that RAM");
		tap(pin_balance() == pins0, "UNSET_MEMSEG unpins it (balance %ld, was %ld)",
		    pin_balance(), pins0);
		tap(ioctl(fd, ACRN_IOCTL_SET_MEMSEG, &map) == 0,
		    "SET_MEMSEG again, left for release to unpin");
	} else {
		tap(pin_balance() == pins0, "SET_MEMSEG refused by the hypervisor (%s) unpins",
		    strerrorname_np(errno));
	}
	expect_err(fd, ACRN_IOCTL_PM_GET_CPU_STATE, unmapped_page(), EFAULT,
		   "PM_GET_CPU_STATE from unmapped memory");

	ioctl(fd, ACRN_IOCTL_PAUSE_VM, NULL);
	tap(ioctl(fd, ACRN_IOCTL_DESTROY_VM, NULL) == 0, "PAUSE_VM then DESTROY_VM");
	expect_err(fd, ACRN_IOCTL_START_VM, NULL, EINVAL, "START_VM on a destroyed VM");
	close(efd);
}

/* Memory of the kinds a device model gives the HSM; NULL if unavailable. */
static void *memory_of_kind(int kind, size_t len, const char **name)
{
	int fd;
	void *p;

	switch (kind) {
	case 0:
		*name = "anonymous";
		p = map_pages(len / PAGE, PROT_READ | PROT_WRITE);
		memset(p, 0, len);
		return p;
	case 1:
		*name = "memfd";
		fd = memfd_create("hsm-ioctl", MFD_CLOEXEC);
		break;
	default:
		*name = "hugetlb memfd (2 MiB page)";
		fd = memfd_create("hsm-ioctl", MFD_CLOEXEC | MFD_HUGETLB) /* default size: 2 MiB */;
		break;
	}
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)len) < 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
}

/* CREATE_VM pins its I/O request page from each kind of memory. */
static void pin_kinds(void)
{
	struct acrn_vm_creation c;
	const char *name;
	int kind;

	for (kind = 0; kind < 3; kind++) {
		size_t len = kind == 2 ? 512 * PAGE : PAGE;
		void *p = memory_of_kind(kind, len, &name);
		long long acq0 = vmstat("nr_foll_pin_acquired");
		long bal0 = pin_balance();
		int fd, ret, err;

		if (!p) {
			printf("ok - CREATE_VM, I/O request page in %s # SKIP cannot get that "
			       "memory (%s)\n",
			       name, strerror(errno));
			continue;
		}
		fd = open_dev();
		fill_creation(&c, p);
		ret = ioctl(fd, ACRN_IOCTL_CREATE_VM, &c);
		err = ret ? errno : 0;
		if (ret == 0) {
			tap(pin_balance() - bal0 == 1, "CREATE_VM, I/O request page in %s: pinned",
			    name);
			ioctl(fd, ACRN_IOCTL_PAUSE_VM, NULL);
		} else {
			tap(err == ENOTTY && vmstat("nr_foll_pin_acquired") - acq0 >= 1 &&
				pin_balance() == bal0,
			    "CREATE_VM, I/O request page in %s: pinned, the hypervisor's %s passed "
			    "back, "
			    "unpinned (%lld pinned, balance %ld, was %ld)",
			    name, strerrorname_np(err), vmstat("nr_foll_pin_acquired") - acq0,
			    pin_balance(), bal0);
		}
		close(fd);
		tap(pin_balance() == bal0, "... and after close the pin balance is back (%ld)",
		    pin_balance());
		munmap(p, len);
	}
}

static int cmd_errors(void)
{
	struct acrn_vm_creation c;
	char buf[4096];
	void *ioreq = map_pages(1, PROT_READ | PROT_WRITE);
	void *ro = map_pages(1, PROT_READ);
	long pins0;
	int fd, i, ret, err;

	memset(buf, 0, sizeof(buf));
	memset(ioreq, 0, PAGE);
	fd = open_dev();

	/* Before CREATE_VM, every VM ioctl is -EINVAL, as in Linux's HSM. */
	for (i = 0; i < (int)N(vm_ioctls); i++) {
		char what[96];

		snprintf(what, sizeof(what), "%s before CREATE_VM", vm_ioctls[i].name);
		expect_err(fd, vm_ioctls[i].cmd, buf, EINVAL, what);
	}
	/* Passthrough and hypervisor-emulated devices are not offered. */
	for (i = 0; i < (int)N(passthrough_ioctls); i++) {
		char what[96];

		snprintf(what, sizeof(what), "%s is not supported", passthrough_ioctls[i].name);
		expect_err(fd, passthrough_ioctls[i].cmd, buf, EOPNOTSUPP, what);
	}
	/* Wrong sizes or directions make other numbers: unknown to the HSM. */
	expect_err(fd, _IOW(ACRN_IOCTL_TYPE, 0x41, char[24]), buf, ENOTTY,
		   "SET_MEMSEG number with a 24-byte size");
	expect_err(fd, _IOWR(ACRN_IOCTL_TYPE, 0x10, char[40]), buf, ENOTTY,
		   "CREATE_VM number with a 40-byte size");
	expect_err(fd, _IOW(ACRN_IOCTL_TYPE, 0x16, struct acrn_regs), buf, ENOTTY,
		   "SET_VCPU_REGS number with acrn_regs' size");
	expect_err(fd, _IOR(ACRN_IOCTL_TYPE, 0x41, struct acrn_vm_memmap), buf, ENOTTY,
		   "SET_MEMSEG number read instead of write");
	expect_err(fd, _IO(ACRN_IOCTL_TYPE, 0x99), buf, ENOTTY, "unknown ioctl 0xA299");
	expect_err(fd, _IOW(ACRN_IOCTL_TYPE, 0x90, __u64), buf, ENOTTY,
		   "SETUP_ASYNCIO (not in Linux's uapi)");
	expect_err(fd, _IOW('K', 0x10, int), buf, ENOTTY, "an ioctl of another type");

	/* CREATE_VM's own checks, before any hypercall. */
	expect_err(fd, ACRN_IOCTL_CREATE_VM, NULL, EFAULT, "CREATE_VM from NULL");
	expect_err(fd, ACRN_IOCTL_CREATE_VM, unmapped_page(), EFAULT,
		   "CREATE_VM from unmapped memory");
	expect_err(fd, ACRN_IOCTL_CREATE_VM, (char *)edge_page() + PAGE - 8, EFAULT,
		   "CREATE_VM from a structure running off its mapping");
	fill_creation(&c, ioreq);
	c.reserved0 = 1;
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EINVAL, "CREATE_VM with reserved0 set");
	fill_creation(&c, ioreq);
	c.reserved1 = 0x8000;
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EINVAL, "CREATE_VM with reserved1 set");
	fill_creation(&c, NULL);
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EINVAL, "CREATE_VM without an I/O request page");
	fill_creation(&c, (char *)ioreq + 64);
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EINVAL,
		   "CREATE_VM with an unaligned I/O request page");
	fill_creation(&c, unmapped_page());
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EFAULT,
		   "CREATE_VM with an unmapped I/O request page");
	fill_creation(&c, ro);
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EFAULT,
		   "CREATE_VM with a read-only I/O request page");
	fill_creation(&c, (void *)0xffff888000000000UL);
	expect_err(fd, ACRN_IOCTL_CREATE_VM, &c, EFAULT,
		   "CREATE_VM with a kernel address as I/O request page");

	/* A valid CREATE_VM reaches the hypervisor; its answer comes back. */
	pins0 = pin_balance();
	tap(pins0 >= 0, "/proc/vmstat has the FOLL_PIN counters (balance %ld)", pins0);
	fill_creation(&c, ioreq);
	ret = ioctl(fd, ACRN_IOCTL_CREATE_VM, &c);
	err = ret ? errno : 0;
	if (ret == 0) {
		tap(c.vmid != 0x1234 && c.vcpu_num >= 1 && c.vcpu_num <= 16,
		    "CREATE_VM: the hypervisor created vm %u with %u vCPUs", c.vmid, c.vcpu_num);
		vm_checks(fd, &c);
	} else {
		tap(err == ENOTTY,
		    "CREATE_VM reaches the hypervisor, which has no VM hypercalls yet: "
		    "its -ENOTTY comes back (got %s)",
		    strerrorname_np(err));
		tap(c.vmid == 0x1234 && c.vcpu_num == 0x5678,
		    "a failed CREATE_VM writes nothing back");
		expect_err(fd, ACRN_IOCTL_START_VM, NULL, EINVAL,
			   "a failed CREATE_VM leaves no VM");
		tap(pin_balance() == pins0,
		    "a failed CREATE_VM unpins its I/O request page (balance %ld, was %ld)",
		    pin_balance(), pins0);
		long long acq0 = vmstat("nr_foll_pin_acquired");

		for (i = 0; i < 200; i++)
			ioctl(fd, ACRN_IOCTL_CREATE_VM, &c);
		tap(vmstat("nr_foll_pin_acquired") - acq0 >= 200,
		    "200 more CREATE_VMs pinned the I/O request page each time (%lld pins "
		    "acquired)",
		    vmstat("nr_foll_pin_acquired") - acq0);
		tap(pin_balance() == pins0,
		    "... and unpinned it each time: balance unchanged (%ld)", pin_balance());
		skip("VM-level checks (EEXIST, reserved fields, ioeventfd, irqfd, clients, memory, "
		     "destroy)",
		     "the hypervisor cannot create VMs yet");
	}
	close(fd);
	tap(pin_balance() == pins0, "close: pin balance back to %ld (is %ld)", pins0,
	    pin_balance());

	pin_kinds();

	/* Many files at once, each one VM object. */
	{
		int fds[64], n = 0;

		for (i = 0; i < 64; i++) {
			fds[i] = open(DEV, O_RDWR | O_CLOEXEC);
			if (fds[i] >= 0) {
				fill_creation(&c, ioreq);
				ioctl(fds[i], ACRN_IOCTL_CREATE_VM, &c);
				n++;
			}
		}
		tap(n == 64, "64 files open at once (%d)", n);
		for (i = 0; i < 64; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		tap(pin_balance() == pins0, "64 files closed: pin balance %ld", pin_balance());
	}
	printf("# %d failure(s)\n", failures);
	return 0;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed in the TAP output. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static const unsigned long all_cmds[] = {
    ACRN_IOCTL_CREATE_VM,
    ACRN_IOCTL_DESTROY_VM,
    ACRN_IOCTL_START_VM,
    ACRN_IOCTL_PAUSE_VM,
    ACRN_IOCTL_RESET_VM,
    ACRN_IOCTL_SET_VCPU_REGS,
    ACRN_IOCTL_INJECT_MSI,
    ACRN_IOCTL_VM_INTR_MONITOR,
    ACRN_IOCTL_SET_IRQLINE,
    ACRN_IOCTL_NOTIFY_REQUEST_FINISH,
    ACRN_IOCTL_CREATE_IOREQ_CLIENT,
    ACRN_IOCTL_ATTACH_IOREQ_CLIENT,
    ACRN_IOCTL_DESTROY_IOREQ_CLIENT,
    ACRN_IOCTL_CLEAR_VM_IOREQ,
    ACRN_IOCTL_SET_MEMSEG,
    ACRN_IOCTL_UNSET_MEMSEG,
    ACRN_IOCTL_SET_PTDEV_INTR,
    ACRN_IOCTL_RESET_PTDEV_INTR,
    ACRN_IOCTL_ASSIGN_PCIDEV,
    ACRN_IOCTL_DEASSIGN_PCIDEV,
    ACRN_IOCTL_ASSIGN_MMIODEV,
    ACRN_IOCTL_DEASSIGN_MMIODEV,
    ACRN_IOCTL_CREATE_VDEV,
    ACRN_IOCTL_DESTROY_VDEV,
    ACRN_IOCTL_PM_GET_CPU_STATE,
    ACRN_IOCTL_IOEVENTFD,
    ACRN_IOCTL_IRQFD,
};

static int allowed_errno(int e)
{
	switch (e) {
	case EINVAL:
	case EFAULT:
	case ENOTTY:
	case EOPNOTSUPP:
	case EEXIST:
	case ENOENT:
	case EBADF:
	case ENODEV:
	case EBUSY:
	case ENOSPC:
	case ENOMEM:
	case EPERM:
	case EIO:
		return 1;
	default:
		return 0;
	}
}

static int cmd_fuzz(long n, uint64_t seed)
{
	unsigned char *buf = map_pages(2, PROT_READ | PROT_WRITE);
	void *hole = unmapped_page();
	long pins0 = pin_balance(), bad = 0, ok0 = 0, reopen = 0;
	long hist[256] = {0};
	int fd = open_dev(), has_vm = 0, efd = eventfd(0, EFD_CLOEXEC);
	long i;

	rng_state = seed ? seed : 1;
	printf("# fuzz: %ld calls, seed %llu\n", n, (unsigned long long)seed);
	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		unsigned long cmd;
		void *arg;
		int ret, e;
		size_t k;

		switch (r & 3) {
		case 0:
		case 1:
			cmd = all_cmds[(r >> 8) % N(all_cmds)];
			break;
		case 2:
			cmd = _IOC((r >> 8) & 3, ACRN_IOCTL_TYPE, (r >> 16) & 0xff,
				   (r >> 24) & 0x3fff);
			break;
		default:
			cmd = (unsigned long)(r >> 32);
			break;
		}
		/* An attached client waits for requests: not with a live VM here. */
		if (cmd == ACRN_IOCTL_ATTACH_IOREQ_CLIENT && has_vm)
			continue;
		for (k = 0; k < 2 * PAGE; k += 8) {
			uint64_t v = rnd();

			/* Mostly zeros, so reserved-field checks pass now and then. */
			if (v & 1)
				v = 0;
			else if (v & 2)
				v &= 0xff;
			memcpy(buf + k, &v, 8);
		}
		if ((r >> 40) & 1)
			((struct acrn_vm_creation *)buf)->ioreq_buf = (uintptr_t)buf;
		if ((r >> 41) & 1)
			((struct acrn_ioeventfd *)buf)->fd = efd;
		switch ((r >> 44) & 7) {
		case 0:
			arg = NULL;
			break;
		case 1:
			arg = hole;
			break;
		case 2:
			arg = buf + 2 * PAGE - 1 - ((r >> 48) & 31);
			break; /* runs off the mapping */
		case 3:
			arg = (void *)0xffff888000000000UL;
			break;
		case 4:
			arg = (void *)(uintptr_t)(r >> 50);
			break;
		default:
			arg = buf;
			break;
		}
		ret = ioctl(fd, cmd, arg);
		e = ret ? errno : 0;
		if (ret == 0) {
			ok0++;
			if (cmd == ACRN_IOCTL_CREATE_VM)
				has_vm = 1;
			if (cmd == ACRN_IOCTL_DESTROY_VM)
				has_vm = 0;
		} else if (ret != -1 || !allowed_errno(e)) {
			if (bad++ < 5)
				printf("# fuzz call %ld: cmd %#lx arg %p -> %d (%s)\n", i, cmd, arg,
				       ret, strerrorname_np(e));
		}
		hist[e & 0xff]++;
		if (((r >> 56) & 0x3f) == 0) {
			close(fd);
			fd = open_dev();
			has_vm = 0;
			reopen++;
		}
	}
	close(fd);
	printf("# fuzz: %ld succeeded, %ld reopened files, errno counts:", ok0, reopen);
	for (i = 1; i < 256; i++)
		if (hist[i])
			printf(" %s=%ld", strerrorname_np((int)i), hist[i]);
	printf("\n");
	tap(bad == 0, "fuzz: %ld calls, every answer 0 or an errno of the interface (%ld others)",
	    n, bad);
	tap(pin_balance() == pins0, "fuzz: pin balance back to %ld after close (is %ld)", pins0,
	    pin_balance());
	return 0;
}

/* Keeps an open VM file busy until killed (the kill -9 check). */
static int cmd_hold(void)
{
	struct acrn_vm_creation c;
	void *ioreq = map_pages(1, PROT_READ | PROT_WRITE);
	int fd = open_dev();
	int efd = eventfd(0, EFD_CLOEXEC);
	struct acrn_ioeventfd iofd = {
	    .fd = efd, .addr = 0x2000, .len = 4, .flags = ACRN_IOEVENTFD_FLAG_PIO};

	printf("holding\n");
	fflush(stdout);
	for (;;) {
		fill_creation(&c, ioreq);
		if (ioctl(fd, ACRN_IOCTL_CREATE_VM, &c) == 0) {
			ioctl(fd, ACRN_IOCTL_CREATE_IOREQ_CLIENT, NULL);
			ioctl(fd, ACRN_IOCTL_IOEVENTFD, &iofd);
		}
		ioctl(fd, ACRN_IOCTL_START_VM, NULL);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "errors"))
		return cmd_errors();
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc > 2 ? atol(argv[2]) : 10000,
				argc > 3 ? strtoull(argv[3], NULL, 0) : 1);
	if (argc >= 2 && !strcmp(argv[1], "hold"))
		return cmd_hold();
	if (argc >= 2 && !strcmp(argv[1], "pins")) {
		printf("%ld\n", pin_balance());
		return 0;
	}
	fprintf(stderr, "usage: hsm-ioctl errors | fuzz [N [SEED]] | hold | pins\n");
	return 2;
}
