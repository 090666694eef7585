// SPDX-License-Identifier: BSD-3-Clause
/*
 * `selftest` mode: the hypervisor checks itself on the real (or emulated)
 * platform and prints TAP on its console, then powers the platform off.
 */
#include "hv.h"
#include "selftest.h"
#include "hypercall.h"
#include "io_emul.h"
#include "power.h"
#include "smp.h"
#include "vlapic.h"
#include "vm.h"
#include "vm_load.h"
#include "vmexit.h"
#include "vmx.h"
#include "vpid.h"
#include "page_alloc.h"
#include "acrn_abi.h"

/* VMCALL with this in RAX (real mode) or R8: the selftest guest has finished */
#define SELFTEST_DONE 0x53454c46ULL /* "SELF" */
/* VMCALL with this in R8: the hypervisor sends itself an NMI while handling it */
#define SELFTEST_SELF_NMI 0x4e4d4921ULL /* "NMI!" */
/* VMCALL with this in R8: handled as if the VM had no hypercall ABI (#UD) */
#define SELFTEST_NO_HYPERCALLS 0x4e4f4843ULL /* "NOHC" */
#define NR_PORTS	       0x10000

static u32 test_no;
static u32 failures;
/* what the selftest guest's handlers saw */
static struct {
	bool done;
	u64 last_vmcall;
	u32 last_io_port;
	u64 last_io_value;
} seen;

static void tap(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(bool ok, const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	test_no++;
	if (!ok)
		failures++;
	hv_printf("%sok %u - %s\n", ok ? "" : "not ", test_no, buf);
}

static bool e820_sane(const struct e820_map *m)
{
	u32 i;

	for (i = 0; i < m->nr; i++) {
		u64 a = m->e[i].addr, b = a + m->e[i].size;

		if (m->e[i].type == E820_RAM && a < hv.hv_end && b > hv.hv_start)
			return false;
		if (i && m->e[i - 1].addr + m->e[i - 1].size > a)
			return false;
	}
	return e820_ram_total(m) + (hv.hv_end - hv.hv_start) >= e820_ram_total(&hv.boot.mmap) &&
	       e820_ram_total(m) < e820_ram_total(&hv.boot.mmap);
}

/*
 * RAM above 4 GiB (if the machine has any) is mapped write-back, and a
 * hypercall can write its result there (the boot page tables ended at
 * 4 GiB: the same call used to page-fault the hypervisor).
 */
static void test_high_ram(struct vm *vm)
{
	const struct e820_map *m = &vm->mmap;
	u64 high = 0, pa, flags;
	u32 i, *ver;
	bool ok;

	for (i = 0; i < m->nr && !high; i++)
		if (m->e[i].type == E820_RAM && m->e[i].addr + m->e[i].size > GiB(4) + 4096)
			high = MAX(ALIGN_UP(m->e[i].addr, 4096), GiB(4));
	if (!high) {
		tap(true,
		    "RAM above 4 GiB mapped, hypercall buffer there # SKIP no RAM above 4 GiB");
		return;
	}
	ver = (u32 *)(uintptr_t)high;
	ver[0] = ver[1] = 0xdeadbeef;
	ok = !pt_lookup(&hv.host_pt, high, &pa, &flags) && pa == high && !(flags & PTE_UC) &&
	     hypercall_dispatch(&vm->vcpu[0], 0x80000000ULL, high, 0) == 0 && ver[0] == 1 &&
	     ver[1] == 0;
	tap(ok, "RAM above 4 GiB mapped write-back, hypercall buffer at %llx",
	    (unsigned long long)high);
}

static bool bsp_in_madt(void)
{
	u32 i;

	for (i = 0; i < hv.acpi.nr_cpus && i < ACPI_MAX_CPUS; i++)
		if (hv.acpi.apic_ids[i] == hv.pcpu[0].apic_id)
			return true;
	return false;
}

/* What the CPU really uses (CR3), checked against the memory types we want. */
static bool host_map_ok(void)
{
	const u64 mmio[] = {0xc0000000ULL, 0xfec00000ULL, lapic_base(), hv.acpi.ioapic_addr};
	const u64 ram[] = {0x1000, hv.hv_start, MiB(16)};
	u64 pa, flags;
	u32 i;

	if ((u64)(uintptr_t)hv.host_pt.root != (read_cr3() & PT_ADDR_MASK))
		return false;
	for (i = 0; i < ARRAY_SIZE(mmio); i++)
		if (mmio[i] && (pt_lookup(&hv.host_pt, mmio[i], &pa, &flags) || pa != mmio[i] ||
				(flags & PTE_UC) != PTE_UC))
			return false;
	for (i = 0; i < ARRAY_SIZE(ram); i++)
		if (pt_lookup(&hv.host_pt, ram[i], &pa, &flags) || pa != ram[i] || (flags & PTE_UC))
			return false;
	return rdmsr(MSR_PAT) == PAT_POWER_ON;
}

/* Every port of the selftest guest: OUTs are recorded, INs read all ones. */
static int selftest_pio(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)ctx;
	if (a->write) {
		seen.last_io_port = (u32)a->addr;
		seen.last_io_value = a->value;
	}
	return 0;
}

/* The guest's VMCALL: SELFTEST_DONE ends the run, anything else is a hypercall. */
static int selftest_vmcall(struct vcpu *v)
{
	if (v->regs.r8 == SELFTEST_DONE || (u32)v->regs.rax == SELFTEST_DONE) {
		seen.last_vmcall = v->regs.rdi;
		seen.done = true;
		vcpu_skip_instruction(v);
		return 1;
	}
	if (v->regs.r8 == SELFTEST_NO_HYPERCALLS) {
		int ret;

		v->vm->flags &= ~VM_FLAG_HYPERCALLS;
		ret = vmexit_hypercall(v);
		v->vm->flags |= VM_FLAG_HYPERCALLS;
		return ret;
	}
	if (v->regs.r8 == SELFTEST_SELF_NMI) {
		smp_send_self_nmi();
		v->regs.rax = 0;
		vcpu_skip_instruction(v);
		return 0;
	}
	return vmexit_hypercall(v);
}

/*
 * What a device model does to a new User VM, through the real hypercalls
 * and hypervisor memory: the I/O request page (a low page the selftest
 * does not use), a page of the caller's RAM mapped at 1 MiB + @round pages
 * (and the hypervisor's first page refused), boot registers, START, PAUSE,
 * resume with START, PAUSE, RESET.  0 if every call did what ACRN says.
 */
#define SELFTEST_IOREQ_PAGE 0x5000ULL
static int user_vm_setup(struct vcpu *v, u16 vmid, u32 round)
{
	u64 *ioreq = (void *)(uintptr_t)(GUEST_SELFTEST_CODE + 0xd00);
	struct acrn_hc_mem_regions *b = (void *)(uintptr_t)(GUEST_SELFTEST_CODE + 0xd40);
	struct acrn_hc_mem_region *r = (void *)(uintptr_t)(GUEST_SELFTEST_CODE + 0xd80);
	struct acrn_hc_vcpu_regs *regs = (void *)(uintptr_t)(GUEST_SELFTEST_CODE + 0xe00);
	u64 uvm_gpa = 0x100000ULL + round * 4096ULL;

	*ioreq = SELFTEST_IOREQ_PAGE;
	memset(b, 0, sizeof(*b));
	b->vmid = vmid;
	b->regions_num = 1;
	b->regions_gpa = (u64)(uintptr_t)r;
	*r = (struct acrn_hc_mem_region){ACRN_MEM_REGION_ADD,
					 ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_WB, uvm_gpa,
					 hv.hv_start, 4096};
	if (hypercall_dispatch(v, ACRN_HC_VM_SET_MEMORY_REGIONS, (u64)(uintptr_t)b, 0) !=
	    -HV_EFAULT)
		return -1;
	r->service_vm_pa = GUEST_SELFTEST_CODE;
	memset(regs, 0, sizeof(*regs));
	regs->regs.rflags = 2;
	if (hypercall_dispatch(v, ACRN_HC_START_VM, vmid, 0) != -HV_EINVAL ||
	    hypercall_dispatch(v, ACRN_HC_SET_IOREQ_BUFFER, vmid, (u64)(uintptr_t)ioreq) ||
	    hypercall_dispatch(v, ACRN_HC_VM_SET_MEMORY_REGIONS, (u64)(uintptr_t)b, 0) ||
	    hypercall_dispatch(v, ACRN_HC_SET_VCPU_REGS, vmid, (u64)(uintptr_t)regs) ||
	    hypercall_dispatch(v, ACRN_HC_START_VM, vmid, 0) ||
	    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, vmid, 0) ||
	    hypercall_dispatch(v, ACRN_HC_START_VM, vmid, 0) ||
	    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, vmid, 0) ||
	    hypercall_dispatch(v, ACRN_HC_RESET_VM, vmid, 0))
		return -1;
	return 0;
}

/*
 * The VM-lifecycle hypercalls as the Service VM would make them (from a
 * stand-in caller VM that runs nothing): errors for wrong states, unknown
 * and double-destroyed VMs, then 1000 create/pause/destroy rounds after
 * which every page and VPID must be back.
 */
static void test_vm_lifecycle(const struct e820_map *sos_mmap)
{
	struct vm_config cfg = {
	    .type = VM_SERVICE,
	    .name = "Service VM stand-in",
	    .nr_vcpus = 1,
	    .flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS,
	    .mmap = sos_mmap,
	};
	struct acrn_hc_vm_creation *c = (void *)(uintptr_t)(GUEST_SELFTEST_CODE + 0xc00);
	u64 gpa = (u64)(uintptr_t)c;
	struct vm *caller;
	struct vcpu *v;
	u32 pages, vpids, i, bad = 0;
	bool errors_ok;

	if (vm_create(&cfg, &caller)) {
		tap(false, "VM lifecycle hypercalls: no caller VM");
		return;
	}
	v = &caller->vcpu[0];
	pages = hv_free_pages();
	vpids = vpid_free_count();
	memset(c, 0, sizeof(*c));
	memcpy(c->name, "selftest-uvm", 13);
	errors_ok = hypercall_dispatch(v, ACRN_HC_CREATE_VM, gpa, 0) == 0 &&
		    hypercall_dispatch(v, ACRN_HC_CREATE_VM, gpa, 0) == -HV_EEXIST &&
		    c->vmid == ACRN_INVALID_VMID;
	memset(c, 0, sizeof(*c));
	memcpy(c->name, "selftest-uvm", 13);
	c->vmid = 1; /* the created VM is the one after the caller */
	errors_ok = errors_ok && hypercall_dispatch(v, ACRN_HC_DESTROY_VM, 1, 0) == -HV_EINVAL &&
		    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, 1, 0) == 0 &&
		    hypercall_dispatch(v, ACRN_HC_RESET_VM, 1, 0) == 0 &&
		    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, 1, 0) == 0 &&
		    hypercall_dispatch(v, ACRN_HC_DESTROY_VM, 1, 0) == 0 &&
		    hypercall_dispatch(v, ACRN_HC_DESTROY_VM, 1, 0) == -HV_EINVAL &&
		    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, 0, 0) == -HV_EINVAL &&
		    hypercall_dispatch(v, ACRN_HC_DESTROY_VM, 0xffff, 0) == -HV_EINVAL;
	tap(errors_ok, "VM lifecycle hypercalls: state rules, duplicate name, double destroy");
	for (i = 0; i < 1000; i++) {
		memset(c, 0, sizeof(*c));
		memcpy(c->name, "churn", 6);
		c->cpu_affinity = 1;
		if (hypercall_dispatch(v, ACRN_HC_CREATE_VM, gpa, 0) ||
		    user_vm_setup(v, c->vmid, i) ||
		    hypercall_dispatch(v, ACRN_HC_PAUSE_VM, c->vmid, 0) ||
		    hypercall_dispatch(v, ACRN_HC_DESTROY_VM, c->vmid, 0))
			bad++;
	}
	hv_printf("ACRN-HV: VM churn: 1000 create/set-up/start/pause/reset/destroy, %u failed; "
		  "free pages %u -> %u, free "
		  "VPIDs %u -> %u\n",
		  bad, pages, hv_free_pages(), vpids, vpid_free_count());
	tap(!bad && hv_free_pages() == pages && vpid_free_count() == vpids,
	    "1000 VM create, set-up (I/O request page, a memory region, registers), start, pause, "
	    "resume, reset, destroy: every page and VPID given back");
	vm_destroy(caller);
}

enum guest_kind { GUEST_REAL_MODE, GUEST_PROTECTED_MODE, GUEST_LONG_MODE };

static int run_guest(struct vm *vm, enum guest_kind kind)
{
	struct vcpu *v = &vm->vcpu[0];
	u8 *code = (u8 *)(uintptr_t)GUEST_SELFTEST_CODE;
	int ret;

	seen.done = false;
	ret = vcpu_setup_vmcs(v);
	if (ret)
		return ret;
	if (kind == GUEST_LONG_MODE) {
		u64 h = GUEST_SELFTEST_CODE + *(u64 *)guest_lm_gp_off;
		u64 n = GUEST_SELFTEST_CODE + *(u64 *)guest_lm_nmi_off;
		u64 ud = GUEST_SELFTEST_CODE + *(u64 *)guest_lm_ud_off;
		u64 *idt = (u64 *)(uintptr_t)(GUEST_SELFTEST_CODE + 0x800);

		memcpy(code, guest_lm_start, guest_lm_end - guest_lm_start);
		*(u64 *)(code + (guest_lm_hv_addr - guest_lm_start)) = hv.hv_start + 0x1000;
		memset(idt, 0, 14 * 16);
		idt[2 * 13] =
		    (h & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) | ((h >> 16 & 0xffff) << 48);
		idt[2 * 13 + 1] = h >> 32;
		idt[2 * X86_VEC_NMI] =
		    (n & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) | ((n >> 16 & 0xffff) << 48);
		idt[2 * X86_VEC_NMI + 1] = n >> 32;
		idt[2 * X86_VEC_UD] =
		    (ud & 0xffff) | (0x10ULL << 16) | (0x8eULL << 40) | ((ud >> 16 & 0xffff) << 48);
		idt[2 * X86_VEC_UD + 1] = ud >> 32;
		build_guest_lowmem();
		vcpu_set_long_mode_state(v, GUEST_SELFTEST_CODE, GUEST_SELFTEST_CODE);
	} else if (kind == GUEST_PROTECTED_MODE) {
		memcpy(code, guest_pm_start, guest_pm_end - guest_pm_start);
		vcpu_set_realmode_state(v, (u16)(GUEST_SELFTEST_CODE >> 4), 0);
	} else {
		memcpy(code, guest_rm_start, guest_rm_end - guest_rm_start);
		vcpu_set_realmode_state(v, (u16)(GUEST_SELFTEST_CODE >> 4), 0);
	}
	ret = vcpu_run_loop(v);
	return ret ? ret : (seen.done ? 0 : -HV_EIO);
}

void selftest_run(const struct e820_map *sos_mmap)
{
	struct vm_config cfg = {
	    .type = VM_PRELAUNCHED,
	    .name = "selftest",
	    .nr_vcpus = 1,
	    .flags = VM_FLAG_HYPERCALLS, /* but not privileged */
	    .mmap = sos_mmap,
	    .identity_ept = true,
	};
	struct vm *vm = NULL;
	struct vcpu *v;
	char why[160];
	u32 i, up = 0;
	int ret;
	u64 pa, flags;
	bool vmx_ok;

	hv_printf("ACRN-HV: selftest\n");
	tap(hv.boot.mmap.nr > 0 && e820_ram_total(&hv.boot.mmap) > MiB(16),
	    "multiboot2 memory map parsed (%u entries, %llu KiB RAM)", hv.boot.mmap.nr,
	    (unsigned long long)(e820_ram_total(&hv.boot.mmap) >> 10));
	tap(e820_sane(sos_mmap), "e820 carving: hypervisor %llx-%llx not RAM for the Service VM",
	    (unsigned long long)hv.hv_start, (unsigned long long)hv.hv_end);
	tap(hv.have_acpi && hv.acpi.nr_cpus >= 1 && hv.acpi.lapic_addr,
	    "ACPI parsed: MADT %u CPUs, LAPIC %llx", hv.acpi.nr_cpus,
	    (unsigned long long)hv.acpi.lapic_addr);
	tap(hv.acpi.have_fadt && hv.acpi.pm1a_cnt, "ACPI FADT: PM1a_CNT %x, PM timer %x, S5 %s",
	    hv.acpi.pm1a_cnt, hv.acpi.pm_tmr, hv.acpi.have_s5 ? "found" : "default");

	tap(hv.tsc_khz > 0, "TSC frequency %llu kHz (CPUID 0x15/0x16, else the PM timer)",
	    (unsigned long long)hv.tsc_khz);
	tap(bsp_in_madt(), "BSP APIC ID %u is listed in the MADT", hv.pcpu[0].apic_id);
	tap(host_map_ok(),
	    "hypervisor page tables: RAM write-back; LAPIC, IOAPIC, PCI hole uncached");

	ret = vmx_check_caps(why, sizeof(why));
	tap(!ret, "VMX capabilities%s%s", ret ? ": " : "", ret ? why : "");
	vmx_ok = !ret && !vmx_on(&hv.pcpu[0]);
	tap(vmx_ok, "VMXON on the BSP");
	if (!vmx_ok)
		goto out;

	smp_start_aps();
	for (i = 1; i < hv.nr_pcpus; i++)
		up += hv.pcpu[i].launched;
	tap(hv.nr_pcpus == hv.acpi.nr_cpus && up == hv.nr_pcpus - 1,
	    "every pCPU up with VMXON/VMXOFF (%u of %u)", hv.nr_pcpus, hv.acpi.nr_cpus);

	ret = vm_create(&cfg, &vm);
	if (!ret) {
		/* the guest's hooks, registered like any other handler */
		vm->vmcall = selftest_vmcall;
		ret = pio_register(vm, 0, NR_PORTS, selftest_pio, NULL);
	}
	tap(!ret && !pt_lookup(&vm->ept, 0x100000, &pa, &flags) && pa == 0x100000 &&
		flags == (EPT_RWX | EPT_WB) && !pt_lookup(&vm->ept, 0xfec00000, &pa, &flags) &&
		flags == (EPT_RWX | EPT_UC) &&
		pt_lookup(&vm->ept, hv.hv_start, &pa, &flags) == -HV_ENOENT,
	    "EPT identity map built: RAM WB, MMIO UC, hypervisor memory unmapped");
	if (ret)
		goto out_vmx;
	v = &vm->vcpu[0];

	ret = run_guest(vm, GUEST_REAL_MODE);
	tap(!ret && v->exits[EXIT_CPUID] >= 1 && v->exits[EXIT_IO] == 1 &&
		seen.last_io_port == 0x80 && seen.last_io_value == 1 && v->exits[EXIT_VMCALL] == 1,
	    "real-mode guest: CPUID, IO and VMCALL exits (ret %d, port %x value %llx)", ret,
	    seen.last_io_port, (unsigned long long)seen.last_io_value);

	memset(v->exits, 0, sizeof(v->exits));
	v->exits_total = 0;
	ret = run_guest(vm, GUEST_LONG_MODE);
	tap(!ret && (seen.last_vmcall & 3) == 3,
	    "64-bit guest: CPUID 0x40000000 reads ACRNACRNACRN");
	tap(!ret && (seen.last_vmcall & 4), "64-bit guest: HC_GET_API_VERSION returns 1.0");
	tap(!ret && (seen.last_vmcall & 24) == 24,
	    "64-bit guest: unknown hypercall -ENOTTY, bad pointer -EINVAL");
	tap(!ret && (seen.last_vmcall & 512),
	    "64-bit guest: unaligned and hypervisor-memory hypercall pointers -EINVAL");
	tap(!ret && (seen.last_vmcall & 32) && v->exits[EXIT_EPT_VIOLATION] == 1,
	    "64-bit guest: read of hypervisor memory -> EPT violation -> #GP, hypervisor alive");
	tap(!ret && (seen.last_vmcall & 64) && (seen.last_vmcall & 128) &&
		v->exits[EXIT_RDMSR] == 2,
	    "64-bit guest: IA32_FEATURE_CONTROL reads locked/VMX off, VMX MSRs #GP");
	tap(!ret && (seen.last_vmcall & 256) && v->exits[EXIT_CR_ACCESS] >= 1,
	    "64-bit guest: setting CR4.VMXE -> #GP, CR4 read shadow hides VMXE");
	tap(!ret && (seen.last_vmcall & 1024),
	    "64-bit guest: invalid XCR0 values (%llu XSETBV exits) -> #GP, hypervisor alive",
	    (unsigned long long)v->exits[EXIT_XSETBV]);
	tap(!ret && (seen.last_vmcall & 2048) && v->exits[EXIT_CR_ACCESS] >= 2,
	    "64-bit guest: CR0 write with a reserved bit -> #GP, CR0 unchanged");
	tap(!ret && (seen.last_vmcall & 4096) && v->exits[EXIT_VMCALL] >= 1,
	    "64-bit guest: NMI taken in VMX root operation is handed to the guest's NMI handler");
	tap(!ret && (seen.last_vmcall & 8192),
	    "64-bit guest: CR0 write clearing NE and PG in 64-bit mode -> #GP, CR0 unchanged");
	tap(!ret && (seen.last_vmcall & (16384 | 32768)),
	    "64-bit guest: CR0 write clearing NE and PG with CR4.PCIDE set -> #GP%s",
	    (seen.last_vmcall & 32768) ? " # SKIP no PCID" : "");
	tap(!ret && (seen.last_vmcall & 65536),
	    "64-bit guest: VMCALL from a VM without the hypercall ABI -> #UD");
	memset(v->exits, 0, sizeof(v->exits));
	v->exits_total = 0;
	seen.last_vmcall = 0;
	ret = run_guest(vm, GUEST_PROTECTED_MODE);
	tap(!ret && seen.last_vmcall == 1 && v->exits[EXIT_TASK_SWITCH] == 1,
	    "protected-mode guest: task switch -> #GP in the guest, hypervisor alive (ret %d)",
	    ret);
	test_vm_lifecycle(sos_mmap);
	test_high_ram(vm);
	print_exit_stats(vm);
out_vmx:
	if (vm)
		vm_destroy(vm);
	vmx_off();
out:
	hv_printf("1..%u\n", test_no);
	hv_printf("ACRN-HV: selftest %s (%u failed)\n", failures ? "FAILED" : "passed", failures);
	hv_printf("ACRN-HV: platform poweroff\n");
	platform_poweroff();
}
