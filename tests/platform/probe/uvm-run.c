// SPDX-License-Identifier: BSD-3-Clause
/*
 * Runs a User VM through the HSM (/dev/acrn_hsm, Debian's <linux/acrn.h>)
 * as a minimal device model would: CREATE_VM on a pCPU the Service VM gave
 * up, guest RAM from a memfd (SET_MEMSEG), the test guest's ELF loaded and
 * entered like acrn-dm's --elf_file loader does (long mode, identity page
 * tables, RSI = boot_params), CREATE_IOREQ_CLIENT, START_VM, then an
 * ATTACH_IOREQ_CLIENT loop answering its PIO and MMIO requests and
 * NOTIFY_REQUEST_FINISH.  It checks what the guest printed and the values
 * it stored, counts I/O request round trips per second, pauses the VM
 * (no request may come while it is paused), resumes it with START_VM, lets
 * it power off, and resets and destroys it; then N more create/run/destroy
 * rounds.  With FD_GUEST_ELF (tests/guests/fd-guest.c) it then runs that
 * guest with an ioeventfd (data match) on one of its ports and an irqfd
 * that sends it an MSI.  Prints TAP lines; static, like cpuid-probe.
 *
 * With KILL_ROUNDS, that many processes are killed (SIGKILL) while their
 * VM runs; the hypervisor and the kernel must get everything back.
 *
 *   uvm-run GUEST_ELF CPU_AFFINITY [ROUNDS [FD_GUEST_ELF [KILL_ROUNDS]]]
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/io.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/acrn.h>

#include "probe-tap.h"
#include <x86intrin.h>

#define GUEST_RAM     0x400000ULL /* 4 MiB at GPA 0 */
#define BOOT_GDT      0x1000ULL	  /* the same layout as devicemodel/linux-loader.h */
#define BOOT_PARAMS   0x7000ULL
#define BOOT_PML4     0x9000ULL
#define BOOT_PDPT     0xa000ULL
#define BOOT_PD	      0xb000ULL
#define COM1	      0x3f8
#define PORT_PIO_TEST 0x5f0
#define PORT_HEART    0x5f8
#define PORT_BENCH_N  0x5f4
#define PORT_BENCH    0x5fc
#define BENCH_N	      100
#define PM1A_CNT      0x404
#define MMIO_BASE     0xd0000000ULL
#define HEARTBEATS    200
/* fd-guest's ports and what it does on them */
#define PORT_KICK  0x5e0
#define PORT_READY 0x5e4
#define PORT_DONE  0x5e8
#define KICKS	   16
#define KICK_VALUE 0xab
#define VEC_MSI	   0x41

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The MSIs the HSM took so far: its line in /proc/interrupts, summed over CPUs. */
static long long hsm_irqs(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[1024];
	long long total = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "acrn_hsm"))
			continue;
		total = 0;
		for (p++;;) {
			char *end;
			long long n = strtoll(p, &end, 10);

			if (end == p)
				break;
			total += n;
			p = end;
		}
	}
	fclose(f);
	return total;
}

struct vm {
	int fd;
	uint16_t vmid;
	uint8_t *ram;
	struct acrn_io_request_buffer *ioreq;
	/* what the guest did */
	char out[256];
	size_t out_len;
	uint32_t mmio_imm;
	uint64_t mmio_reg;
	unsigned heartbeats, heartbeat_limit;
	unsigned bench_n, bench_reads; /* how many the guest measures; its reads so far */
	uint32_t bench[2];	       /* its TSC ticks: N CPUID exits, N request round trips */
	unsigned bench_got;
	int powered_off;
	unsigned requests;
	/* fd-guest */
	unsigned kick_requests;
	uint32_t kick_value;
	int irqfd;     /* eventfd registered as irqfd when the guest is ready; -1: none */
	int irqfd_err; /* errno of IRQFD, or of signalling it */
	uint32_t msis;
	int done;
};

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* PT_LOAD segments at their physical addresses, as acrn-dm's ELF loader. */
static int load_elf(struct vm *vm, const char *path, uint64_t *entry)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *img;
	Elf64_Ehdr *eh;
	int i;

	if (fd < 0 || fstat(fd, &st))
		return -1;
	img = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED || st.st_size < (off_t)sizeof(*eh))
		return -1;
	eh = (Elf64_Ehdr *)img;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_X86_64)
		return -1;
	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff + i * sizeof(*ph));

		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_paddr < 0x100000 || ph->p_paddr + ph->p_memsz > GUEST_RAM)
			return -1;
		memcpy(vm->ram + ph->p_paddr, img + ph->p_offset, ph->p_filesz);
	}
	*entry = eh->e_entry;
	munmap(img, st.st_size);
	return 0;
}

/* Identity map of 4 GiB with 2 MiB pages and a flat GDT (selectors 0x10/0x18). */
static void boot_tables(struct vm *vm)
{
	int i;

	wr64(vm->ram + BOOT_PML4, BOOT_PDPT | 3);
	for (i = 0; i < 4; i++)
		wr64(vm->ram + BOOT_PDPT + 8 * i, (BOOT_PD + i * 4096) | 3);
	for (i = 0; i < 4 * 512; i++)
		wr64(vm->ram + BOOT_PD + 8 * i, ((uint64_t)i << 21) | 0x83);
	wr64(vm->ram + BOOT_GDT + 16, 0x00af9b000000ffffULL);
	wr64(vm->ram + BOOT_GDT + 24, 0x00cf93000000ffffULL);
}

/* vCPU 0 in 64-bit mode at @rip on boot_tables()' GDT and page tables, interrupts off. */
static void long_mode_regs(struct acrn_vcpu_regs *regs, uint64_t rip)
{
	struct acrn_regs *r = &regs->vcpu_regs;

	memset(regs, 0, sizeof(*regs));
	r->rip = rip;
	r->gdt.base = BOOT_GDT;
	r->gdt.limit = 31;
	r->cr0 = 0x80050033ULL; /* PG, AM, WP, NE, ET, MP, PE */
	r->cr3 = BOOT_PML4;
	r->cr4 = 0x20;	      /* PAE */
	r->ia32_efer = 0x500; /* LMA, LME */
	r->rflags = 2;
	r->cs_ar = 0xa09b;
	r->cs_limit = 0xffffffff;
	r->cs_sel = 0x10;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = 0x18;
}

static int vm_create(struct vm *vm, const char *elf, uint64_t affinity, int quiet)
{
	struct acrn_vm_creation c;
	struct acrn_vm_memmap map;
	struct acrn_vcpu_regs regs;
	uint64_t entry;
	int memfd, err;

	memset(vm, 0, sizeof(*vm));
	vm->irqfd = -1;
	vm->fd = open("/dev/acrn_hsm", O_RDWR | O_CLOEXEC);
	vm->ioreq = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memfd = memfd_create("uvm-run-ram", MFD_CLOEXEC);
	if (vm->fd < 0 || vm->ioreq == MAP_FAILED || memfd < 0 || ftruncate(memfd, GUEST_RAM))
		return errno;
	vm->ram = mmap(NULL, GUEST_RAM, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	close(memfd);
	if (vm->ram == MAP_FAILED)
		return errno;
	memset(&c, 0, sizeof(c));
	memcpy(&c.uuid, "uvm-run", 8);
	c.cpu_affinity = affinity;
	c.ioreq_buf = (uintptr_t)vm->ioreq;
	err = io(vm->fd, ACRN_IOCTL_CREATE_VM, &c);
	if (!quiet)
		tap(!err && c.vcpu_num == 1, "CREATE_VM on pCPU mask %#llx: vm %u, %u vCPU (%s)",
		    (unsigned long long)affinity, c.vmid, c.vcpu_num,
		    err ? strerrorname_np(err) : "0");
	if (err)
		return err;
	vm->vmid = c.vmid;
	memset(&map, 0, sizeof(map));
	map.type = ACRN_MEMMAP_RAM;
	map.attr = ACRN_MEM_ACCESS_RWX;
	map.user_vm_pa = 0;
	map.vma_base = (uintptr_t)vm->ram;
	map.len = GUEST_RAM;
	err = io(vm->fd, ACRN_IOCTL_SET_MEMSEG, &map);
	if (!quiet)
		tap(!err, "SET_MEMSEG: 4 MiB of memfd memory at GPA 0 (%s)",
		    err ? strerrorname_np(err) : "0");
	if (err)
		return err;
	if (load_elf(vm, elf, &entry)) {
		tap(0, "load %s", elf);
		return EINVAL;
	}
	boot_tables(vm);
	long_mode_regs(&regs, entry);
	regs.vcpu_regs.gprs.rsi = BOOT_PARAMS;
	err = io(vm->fd, ACRN_IOCTL_SET_VCPU_REGS, &regs);
	if (!err)
		err = ioctl(vm->fd, ACRN_IOCTL_CREATE_IOREQ_CLIENT, 0) < 0 ? errno : 0;
	if (!quiet)
		tap(!err, "SET_VCPU_REGS (64-bit entry %#llx), CREATE_IOREQ_CLIENT (%s)",
		    (unsigned long long)entry, err ? strerrorname_np(err) : "0");
	return err;
}

/* fd-guest is ready (its APIC ID in @apic_id): an irqfd for an MSI to it, signalled once. */
static void irqfd_fire(struct vm *vm, uint32_t apic_id)
{
	struct acrn_irqfd irqfd = {.fd = vm->irqfd};
	uint64_t one = 1;

	irqfd.msi.msi_addr = 0xfee00000ULL | (uint64_t)(apic_id & 0xff) << 12;
	irqfd.msi.msi_data = VEC_MSI;
	vm->irqfd_err = io(vm->fd, ACRN_IOCTL_IRQFD, &irqfd);
	if (!vm->irqfd_err && write(vm->irqfd, &one, sizeof(one)) != sizeof(one))
		vm->irqfd_err = errno;
}

/* One request of the guest's: 0 handled, -1 unexpected. */
static int handle(struct vm *vm, struct acrn_io_request *r)
{
	if (r->type == ACRN_IOREQ_TYPE_PORTIO) {
		struct acrn_pio_request *p = &r->reqs.pio_request;

		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == COM1 && p->size == 1) {
			if (vm->out_len < sizeof(vm->out) - 1)
				vm->out[vm->out_len++] = (char)p->value;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_READ && p->address == PORT_PIO_TEST &&
		    p->size == 4) {
			p->value = 0xc0ffee01;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_READ && p->address == PORT_BENCH_N &&
		    p->size == 4) {
			/* the first read asks how many; the others are the measured round trips */
			p->value = vm->bench_reads++ ? 0 : vm->bench_n;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == PORT_BENCH &&
		    p->size == 4 && vm->bench_got < 2) {
			vm->bench[vm->bench_got++] = p->value;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_READ && p->address == PORT_HEART) {
			p->value = ++vm->heartbeats >= vm->heartbeat_limit;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == PORT_KICK &&
		    p->size == 1) {
			vm->kick_requests++;
			vm->kick_value = p->value;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == PORT_READY &&
		    p->size == 4 && vm->irqfd >= 0) {
			irqfd_fire(vm, p->value);
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == PORT_DONE &&
		    p->size == 4) {
			vm->msis = p->value;
			vm->done = 1;
			return 0;
		}
		if (p->direction == ACRN_IOREQ_DIR_WRITE && p->address == PM1A_CNT &&
		    p->size == 2 && p->value == 0x3400) {
			vm->powered_off = 1;
			return 0;
		}
		printf("# unexpected PIO %s port %#llx size %llu value %#x\n",
		       p->direction ? "write" : "read", (unsigned long long)p->address,
		       (unsigned long long)p->size, p->value);
		return -1;
	}
	if (r->type == ACRN_IOREQ_TYPE_MMIO) {
		struct acrn_mmio_request *m = &r->reqs.mmio_request;
		uint64_t off = m->address - MMIO_BASE;

		if (m->direction == ACRN_IOREQ_DIR_WRITE && off == 0 && m->size == 4)
			vm->mmio_imm = (uint32_t)m->value;
		else if (m->direction == ACRN_IOREQ_DIR_WRITE && off == 8 && m->size == 8)
			vm->mmio_reg = m->value;
		else if (m->direction == ACRN_IOREQ_DIR_READ && off == 0 && m->size == 4)
			m->value = 0xfeedbeef;
		else if (m->direction == ACRN_IOREQ_DIR_READ && off == 4 && m->size == 1)
			m->value = 0x42;
		else if (m->direction == ACRN_IOREQ_DIR_READ && off == 16 && m->size == 8)
			m->value = 0x1122334455667788ULL;
		else {
			printf("# unexpected MMIO %s %#llx size %llu\n",
			       m->direction ? "write" : "read", (unsigned long long)m->address,
			       (unsigned long long)m->size);
			return -1;
		}
		return 0;
	}
	printf("# unexpected request type %u\n", r->type);
	return -1;
}

/* Serve requests until @stop says so or something is wrong; the number served, or -1. */
static int serve(struct vm *vm, int (*stop)(struct vm *vm))
{
	struct acrn_io_request *r = &vm->ioreq->req_slot[0];
	int served = 0;

	while (!stop(vm)) {
		struct acrn_ioreq_notify n = {.vmid = vm->vmid, .vcpu = 0};
		int err = ioctl(vm->fd, ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) < 0 ? errno : 0;

		if (err) {
			printf("# ATTACH_IOREQ_CLIENT: %s\n", strerrorname_np(err));
			return -1;
		}
		if (__atomic_load_n(&r->processed, __ATOMIC_ACQUIRE) !=
			ACRN_IOREQ_STATE_PROCESSING ||
		    r->kernel_handled)
			continue;
		if (handle(vm, r))
			return -1;
		err = io(vm->fd, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, &n);
		if (err) {
			printf("# NOTIFY_REQUEST_FINISH: %s\n", strerrorname_np(err));
			return -1;
		}
		served++;
		vm->requests++;
	}
	return served;
}

static int said_ok(struct vm *vm)
{
	return strstr(vm->out, "OK\n") || strstr(vm->out, "FAIL");
}

static int bench_done(struct vm *vm)
{
	return vm->bench_got == 2;
}

/*
 * The Service VM's side: TSC ticks of a port read the hypervisor handles
 * itself (0xCF8 dword: trapped, passed through) - the cost of a PIO exit
 * without the round trip.
 */
static void bench_hv_pio(void)
{
	unsigned long long t0, t1;
	int i;

	if (iopl(3)) {
		printf("# uvm-run: iopl: %s\n", strerror(errno));
		return;
	}
	t0 = __rdtsc();
	for (i = 0; i < BENCH_N; i++)
		__asm__ volatile("inl %%dx, %%eax" : : "d"(0xcf8) : "eax");
	t1 = __rdtsc();
	iopl(0);
	printf("# uvm-run: bench Service VM TSC ticks: PIO exit handled in the hypervisor %llu\n",
	       (t1 - t0) / BENCH_N);
}

static int half_heartbeats(struct vm *vm)
{
	return vm->heartbeats >= vm->heartbeat_limit / 2;
}

static int off(struct vm *vm)
{
	return vm->powered_off;
}

static void vm_close(struct vm *vm)
{
	close(vm->fd);
	munmap(vm->ram, GUEST_RAM);
	munmap(vm->ioreq, 4096);
}

static const char expected_out[] = "Hello from the User VM\nOK\n";

static void full_run(const char *elf, uint64_t affinity)
{
	struct vm vm;
	long long irq0 = hsm_irqs(), irq1;
	unsigned long long tsc0, tsc1;
	double t0, t1;
	int n, err, state;

	if (vm_create(&vm, elf, affinity, 0))
		return;
	vm.heartbeat_limit = HEARTBEATS;
	vm.bench_n = BENCH_N;
	err = io(vm.fd, ACRN_IOCTL_START_VM, NULL);
	tap(!err, "START_VM (%s)", err ? strerrorname_np(err) : "0");
	n = serve(&vm, said_ok);
	tap(n > 0 && !strcmp(vm.out, expected_out),
	    "the guest printed \"%.*s\" byte by byte (%d requests)", (int)strcspn(vm.out, "\n"),
	    vm.out, n);
	tap(strstr(vm.out, "OK\n") != NULL,
	    "the guest's checks of its PIO read and its 32/8/64-bit MMIO loads passed (it said %s)",
	    vm.out_len > 24 ? vm.out + 23 : "nothing");
	tap(vm.mmio_imm == 0xa5a55a5a && vm.mmio_reg == 0x0123456789abcdefULL,
	    "its MMIO stores arrived: imm32 %#x, reg64 %#llx", vm.mmio_imm,
	    (unsigned long long)vm.mmio_reg);

	n = serve(&vm, bench_done);
	tap(n > 0 && vm.bench_got == 2,
	    "the guest measured %u CPUID exits and %u I/O request round trips", BENCH_N, BENCH_N);
	if (vm.bench_got == 2)
		printf(
		    "# uvm-run: bench guest TSC ticks: CPUID exit %u, PIO round trip through the "
		    "Service VM %u\n",
		    vm.bench[0] / BENCH_N, vm.bench[1] / BENCH_N);
	bench_hv_pio();

	t0 = now();
	tsc0 = __rdtsc();
	n = serve(&vm, half_heartbeats);
	tsc1 = __rdtsc();
	t1 = now();
	tap(n > 0, "%d heartbeat PIO reads: %.0f TSC ticks per I/O request round trip", n,
	    n > 0 ? (double)(tsc1 - tsc0) / n : 0.0);
	printf("# uvm-run: %d round trips, %.0f TSC ticks each, %.0f/s of Service VM time\n", n,
	       n > 0 ? (double)(tsc1 - tsc0) / n : 0.0, t1 > t0 ? n / (t1 - t0) : 0.0);

	err = io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
	tap(!err, "PAUSE_VM while the guest runs (%s)", err ? strerrorname_np(err) : "0");
	/*
	 * A request the guest made before the pause is outstanding: let the
	 * HSM dispatch it, answer it; then nothing may come while it is paused.
	 */
	usleep(100000);
	state = __atomic_load_n(&vm.ioreq->req_slot[0].processed, __ATOMIC_ACQUIRE);
	if (state == ACRN_IOREQ_STATE_PROCESSING) {
		struct acrn_ioreq_notify nt = {.vmid = vm.vmid, .vcpu = 0};

		handle(&vm, &vm.ioreq->req_slot[0]);
		err = io(vm.fd, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, &nt);
		printf("# answered the request made before the pause (%s)\n",
		       err ? strerrorname_np(err) : "0");
	}
	n = vm.heartbeats;
	usleep(300000);
	state = __atomic_load_n(&vm.ioreq->req_slot[0].processed, __ATOMIC_ACQUIRE);
	tap(vm.heartbeats == (unsigned)n && state != ACRN_IOREQ_STATE_PENDING &&
		state != ACRN_IOREQ_STATE_PROCESSING,
	    "paused: no request for 300 ms (slot state %d)", state);
	err = io(vm.fd, ACRN_IOCTL_START_VM, NULL);
	tap(!err, "START_VM resumes it (%s)", err ? strerrorname_np(err) : "0");
	n = serve(&vm, off);
	tap(n > 0 && vm.powered_off && vm.heartbeats >= HEARTBEATS,
	    "it went on after the resume: %u heartbeats, then S5 on PM1a_CNT", vm.heartbeats);
	irq1 = hsm_irqs();
	tap(irq0 >= 0 && irq1 - irq0 >= vm.requests,
	    "the HSM's MSI (/proc/interrupts acrn_hsm) fired for every request: %lld -> %lld for "
	    "%u",
	    irq0, irq1, vm.requests);
	err = io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
	tap(!err, "PAUSE_VM of the halted guest (%s)", err ? strerrorname_np(err) : "0");
	err = io(vm.fd, ACRN_IOCTL_RESET_VM, NULL);
	tap(!err, "RESET_VM (%s)", err ? strerrorname_np(err) : "0");
	err = io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
	if (!err)
		err = io(vm.fd, ACRN_IOCTL_DESTROY_VM, NULL);
	tap(!err, "PAUSE_VM and DESTROY_VM of the reset VM (%s)", err ? strerrorname_np(err) : "0");
	vm_close(&vm);
}

/*
 * A guest the hypervisor cannot keep running: UD2 with an empty IDT, i.e.
 * #UD, #DF, triple fault.  Only that VM stops: its device model gets the
 * S5 write on PM1a_CNT (as from ACRN), and it can be paused and destroyed.
 */
static void triple_fault(const char *elf, uint64_t affinity)
{
	struct acrn_vcpu_regs regs;
	struct vm vm;
	int n, err;

	if (vm_create(&vm, elf, affinity, 1)) {
		tap(0, "create the VM that triple-faults");
		vm_close(&vm);
		return;
	}
	vm.ram[0x200000] = 0x0f; /* ud2 */
	vm.ram[0x200001] = 0x0b;
	long_mode_regs(&regs, 0x200000);
	err = io(vm.fd, ACRN_IOCTL_SET_VCPU_REGS, &regs);
	if (!err)
		err = io(vm.fd, ACRN_IOCTL_START_VM, NULL);
	n = err ? -1 : serve(&vm, off);
	tap(n == 1 && vm.powered_off && !vm.out_len,
	    "a guest that triple-faults stops: its only request is the S5 write to PM1a_CNT (%d)",
	    n);
	err = io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
	if (!err)
		err = io(vm.fd, ACRN_IOCTL_DESTROY_VM, NULL);
	tap(!err, "PAUSE_VM and DESTROY_VM of the stopped VM (%s)",
	    err ? strerrorname_np(err) : "0");
	vm_close(&vm);
}

/* The hypervisor's counters (CPUID 0x40000020, Service VM only): free pages, VPIDs. */
static unsigned hv_counters(unsigned *pages, unsigned *total, unsigned *vpids)
{
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x40000020), "c"(0));
	*pages = a;
	*total = b;
	*vpids = c;
	return d; /* VMs in the hypervisor's table */
}

static void churn(const char *elf, uint64_t affinity, int rounds)
{
	unsigned p0, t0, v0, p1, t1, v1;
	int i, good = 0;

	hv_counters(&p0, &t0, &v0);
	for (i = 0; i < rounds; i++) {
		struct vm vm;
		int ok = !vm_create(&vm, elf, affinity, 1);

		vm.heartbeat_limit = 1;
		ok = ok && !io(vm.fd, ACRN_IOCTL_START_VM, NULL);
		ok = ok && serve(&vm, off) > 0 && !strcmp(vm.out, expected_out);
		ok = ok && !io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
		ok = ok && !io(vm.fd, ACRN_IOCTL_DESTROY_VM, NULL);
		good += ok;
		if (!ok)
			printf("# round %d: output \"%s\"\n", i, vm.out);
		vm_close(&vm);
	}
	hv_counters(&p1, &t1, &v1);
	tap(good == rounds,
	    "%d create/run/destroy rounds, each printed the greeting and OK (%d good)", rounds,
	    good);
	tap(p0 == p1 && v0 == v1 && t0 > 0,
	    "free hypervisor pages %u -> %u (of %u), free VPIDs %u -> %u", p0, p1, t1, v0, v1);
}

static int never(struct vm *vm)
{
	(void)vm;
	return 0;
}

static int greeted(struct vm *vm)
{
	return vm->heartbeats > 0;
}

/*
 * kill -9 of a process whose VM runs (the guest in its heartbeat loop, a
 * request outstanding or about to be): closing the file must pause and
 * destroy the VM and unpin its memory.  After @rounds, the hypervisor's VM
 * table, free pages and VPIDs and the kernel's pin count are where they were.
 */
static void kill_running(const char *elf, uint64_t affinity, int rounds)
{
	unsigned p0, t0, v0, p1, t1, v1, vms0, vms1;
	long pins0 = pin_balance(), pins1;
	int i, good = 0, waited;

	vms0 = hv_counters(&p0, &t0, &v0);
	for (i = 0; i < rounds; i++) {
		int ready[2], status = 0;
		char c = 0;
		pid_t pid;

		if (pipe(ready))
			break;
		pid = fork();
		if (pid == 0) {
			struct vm vm;

			close(ready[0]);
			if (vm_create(&vm, elf, affinity, 1) ||
			    io(vm.fd, ACRN_IOCTL_START_VM, NULL))
				_exit(1);
			vm.heartbeat_limit = ~0U;
			if (serve(&vm, greeted) < 0 || write(ready[1], "r", 1) != 1)
				_exit(1);
			serve(&vm, never);
			_exit(1);
		}
		close(ready[1]);
		if (pid > 0 && read(ready[0], &c, 1) == 1 && c == 'r' && !kill(pid, SIGKILL) &&
		    waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
			good++;
		else if (pid > 0)
			waitpid(pid, &status, 0);
		close(ready[0]);
	}
	/* the last close may finish just after the wait: give it a moment */
	for (waited = 0; (vms1 = hv_counters(&p1, &t1, &v1)) != vms0 && waited < 100; waited++)
		usleep(10000);
	pins1 = pin_balance();
	tap(good == rounds, "%d rounds of kill -9 of a process whose VM was running (%d good)",
	    rounds, good);
	tap(vms1 == vms0 && p0 == p1 && v0 == v1,
	    "after them: VMs in the hypervisor %u -> %u, free pages %u -> %u, VPIDs %u -> %u", vms0,
	    vms1, p0, p1, v0, v1);
	tap(pins0 >= 0 && pins0 == pins1, "pinned pages (FOLL_PIN balance) %ld -> %ld", pins0,
	    pins1);
}

/*
 * The HSM's in-kernel paths with a running guest: writes that match an
 * ioeventfd never reach user space but count on the eventfd, one that does
 * not match does; an irqfd's eventfd becomes an MSI the guest takes.
 */
static void fd_run(const char *elf, uint64_t affinity)
{
	struct acrn_ioeventfd ioe = {.flags =
					 ACRN_IOEVENTFD_FLAG_PIO | ACRN_IOEVENTFD_FLAG_DATAMATCH,
				     .addr = PORT_KICK,
				     .len = 1,
				     .data = KICK_VALUE};
	struct acrn_irqfd irqfd = {.flags = ACRN_IRQFD_FLAG_DEASSIGN};
	struct vm vm;
	uint64_t kicks = 0;
	int efd, err, n;

	err = vm_create(&vm, elf, affinity, 1);
	tap(!err, "fd-guest: VM created and loaded (%s)", err ? strerrorname_np(err) : "0");
	if (err)
		return;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vm.irqfd = eventfd(0, EFD_CLOEXEC);
	ioe.fd = (uint32_t)efd;
	err = efd < 0 || vm.irqfd < 0 ? errno : io(vm.fd, ACRN_IOCTL_IOEVENTFD, &ioe);
	tap(!err, "IOEVENTFD on port %#x, 1 byte, data match %#x (%s)", PORT_KICK, KICK_VALUE,
	    err ? strerrorname_np(err) : "0");
	err = io(vm.fd, ACRN_IOCTL_START_VM, NULL);
	n = serve(&vm, off);
	tap(n > 0 && vm.powered_off && vm.done, "fd-guest ran to its S5 (%d requests served)", n);
	if (read(efd, &kicks, sizeof(kicks)) != sizeof(kicks))
		kicks = 0;
	tap(kicks == KICKS, "ioeventfd: the eventfd counted the guest's %d matching writes (%llu)",
	    KICKS, (unsigned long long)kicks);
	tap(vm.kick_requests == 1 && vm.kick_value == 1,
	    "ioeventfd: only the write that did not match reached user space (%u requests, value "
	    "%#x)",
	    vm.kick_requests, vm.kick_value);
	tap(!vm.irqfd_err, "IRQFD for an MSI (vector %#x) to the guest's APIC ID, signalled (%s)",
	    VEC_MSI, vm.irqfd_err ? strerrorname_np(vm.irqfd_err) : "0");
	tap(vm.msis >= 1, "irqfd: the guest took the MSI (%u interrupts)", vm.msis);
	ioe.flags |= ACRN_IOEVENTFD_FLAG_DEASSIGN;
	err = io(vm.fd, ACRN_IOCTL_IOEVENTFD, &ioe);
	irqfd.fd = vm.irqfd;
	if (!err)
		err = io(vm.fd, ACRN_IOCTL_IRQFD, &irqfd);
	tap(!err, "IOEVENTFD and IRQFD deassigned (%s)", err ? strerrorname_np(err) : "0");
	err = io(vm.fd, ACRN_IOCTL_PAUSE_VM, NULL);
	if (!err)
		err = io(vm.fd, ACRN_IOCTL_DESTROY_VM, NULL);
	tap(!err, "fd-guest: PAUSE_VM and DESTROY_VM (%s)", err ? strerrorname_np(err) : "0");
	close(efd);
	close(vm.irqfd);
	vm_close(&vm);
}

int main(int argc, char **argv)
{
	uint64_t affinity;

	if (argc < 3) {
		fprintf(stderr, "usage: uvm-run GUEST_ELF CPU_AFFINITY [ROUNDS [FD_GUEST_ELF "
				"[KILL_ROUNDS]]]\n");
		return 2;
	}
	affinity = strtoull(argv[2], NULL, 0);
	full_run(argv[1], affinity);
	triple_fault(argv[1], affinity);
	churn(argv[1], affinity, argc > 3 ? atoi(argv[3]) : 20);
	if (argc > 4)
		fd_run(argv[4], affinity);
	if (argc > 5)
		kill_running(argv[1], affinity, atoi(argv[5]));
	return failures ? 1 : 0;
}
