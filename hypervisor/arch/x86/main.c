// SPDX-License-Identifier: BSD-3-Clause
/*
 * BSP start-up: boot information, console, ACPI, memory carving, the
 * Service VM loader, and then either a native jump or VMX launch.
 */
#include "hv.h"
#include "cmdline.h"
#include "cpu.h"
#include "notify_dev.h"
#include "prelaunch.h"
#include "selftest.h"
#include "service_vm.h"
#include "shell.h"
#include "smp.h"
#include "vlapic.h"
#include "vm.h"
#include "vm_load.h"
#include "page_alloc.h"

struct hv_state hv;

static const void *identity_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	/* the boot page tables map the low 4 GiB */
	if (pa + len < pa || pa + len > GiB(4))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static void setup_acpi(void)
{
	u8 rsdp[36];
	u32 len = hv.boot.rsdp_len;
	int ret;

	if (len) {
		memcpy(rsdp, hv.boot.rsdp, len);
	} else {
		u64 pa = acpi_scan_rsdp(identity_map, NULL, 0xe0000, 0x20000);

		if (!pa) {
			pr_warn("no ACPI RSDP: single CPU, no S5\n");
			return;
		}
		len = ((const u8 *)phys_to_virt(pa))[15] >= 2 ? 36 : 20;
		memcpy(rsdp, phys_to_virt(pa), len);
		memcpy(hv.boot.rsdp, rsdp, len);
		hv.boot.rsdp_len = len;
	}
	ret = acpi_parse(rsdp, len, identity_map, NULL, &hv.acpi);
	if (ret) {
		pr_warn("ACPI tables unusable (%d)\n", ret);
		return;
	}
	hv.have_acpi = true;
	pr_info("ACPI: %u CPUs, LAPIC %llx, PM1a_CNT %x, PM_TMR %x, S5 %s%u, reset %s\n",
		hv.acpi.nr_cpus, (unsigned long long)hv.acpi.lapic_addr, hv.acpi.pm1a_cnt,
		hv.acpi.pm_tmr, hv.acpi.have_s5 ? "" : "(default) ", hv.acpi.s5_typ_a,
		hv.acpi.reset_supported ? "yes" : "no");
}

/*
 * Replace the boot page tables (the low 4 GiB, all write-back) by an
 * identity map of [0, max(4 GiB, end of the e820)): RAM write-back, and
 * everything else - the PCI hole, LAPIC, IOAPIC, firmware - uncached.  RAM
 * above 4 GiB is reachable, so a hypercall buffer there cannot fault.
 */
static void setup_host_paging(void)
{
	struct pgtable *pt = &hv.host_pt;
	const u64 wb = PTE_P | PTE_RW, uc = PTE_P | PTE_RW | PTE_UC;
	u64 top = pt_identity_top(&hv.boot.mmap);
	u32 a, b, c, d;
	int ret;

	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	pt->present_mask = PTE_P;
	pt->table_flags = PTE_P | PTE_RW;
	pt->allow_1g = (d >> 26) & 1;
	pt->alloc_page = alloc_page;
	ret = pt_init(pt);
	if (!ret)
		ret = pt_identity_map(pt, &hv.boot.mmap, top, wb, uc);
	/* whatever the e820 says about them */
	if (!ret)
		ret = pt_map(pt, lapic_base(), lapic_base(), 4096, uc);
	if (!ret && hv.acpi.ioapic_addr)
		ret = pt_map(pt, ALIGN_DOWN(hv.acpi.ioapic_addr, 4096),
			     ALIGN_DOWN(hv.acpi.ioapic_addr, 4096), 4096, uc);
	if (ret)
		hv_panic("cannot build the hypervisor page tables (%d)", ret);
	/* PCD|PWT means UC only with the power-on PAT */
	wrmsr(MSR_PAT, PAT_POWER_ON);
	write_cr3((u64)(uintptr_t)pt->root);
	pr_info("paging: identity map 0-%llx, RAM write-back, the rest uncached\n",
		(unsigned long long)top);
}

static void enable_host_xsave(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (c & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
}

/*
 * The Service VM owns every pCPU (vCPU i on pCPU i), all RAM but the
 * hypervisor's, and the devices; the hypervisor keeps the power and reset
 * ports and the LAPIC writes.
 */
static void launch_service_vm(u64 entry, const struct e820_map *mmap)
{
	struct vm_config cfg = {
	    .type = VM_SERVICE,
	    .name = "Service VM",
	    .flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS,
	    .mmap = mmap,
	    .identity_ept = true,
	};
	struct vm *vm;
	struct vcpu *v;
	char why[160];
	int ret;

	ret = vmx_check_caps(why, sizeof(why));
	if (ret)
		hv_panic("%s", why);
	ret = vmx_on(&hv.pcpu[0]);
	if (ret)
		hv_panic("VMXON failed on the BSP (%d)", ret);
	smp_start_aps();
	cfg.nr_vcpus = prelaunch_claim_pcpus();
	ret = vm_create(&cfg, &vm);
	if (ret)
		hv_panic("cannot create the Service VM (%d)", ret);
	ret = service_vm_register_io(vm);
	if (!ret)
		ret = vlapic_passthrough_init(vm);
	if (!ret)
		ret = notify_dev_init(vm);
	if (ret)
		hv_panic("cannot register the Service VM's I/O traps (%d)", ret);
	smp_run_vcpus(vm);
	prelaunch_start();
	v = &vm->vcpu[0];
	ret = vcpu_setup_vmcs(v);
	if (ret)
		hv_panic("cannot set up the VMCS of vcpu 0 (%d)", ret);
	vcpu_set_linux_state(v, entry, GUEST_BOOT_PARAMS);
	shell_init();
	vm->state = VM_RUNNING;
	hv_printf("ACRN-HV: starting Service VM\n");
	ret = vcpu_run_loop(v);
	vcpu_stopped(v, ret);
}

void hv_main(u32 magic, u64 mbi)
{
	static struct e820_map sos_mmap;
	char err[96];
	u64 entry;
	int ret, bad;

	hv.pcpu[0].idx = 0;
	/* loading segment registers clears GS.base: tables first, then per-CPU */
	cpu_init_tables(0);
	cpu_set_percpu(&hv.pcpu[0]);
	hv.pcpu[0].online = true;
	hv.pcpu[0].apic_id = cpu_apic_id();
	hv.nr_pcpus = 1;
	if (magic != MB2_BOOTLOADER_MAGIC) {
		console_init(HV_DEFAULT_UART, false);
		hv_panic("not started by a multiboot2 loader (magic %x)", magic);
	}
	ret = mb2_parse(phys_to_virt(mbi), MiB(1), &hv.boot);
	bad = hv_parse_cmdline(cmdline_skip_path(hv.boot.cmdline), &hv.opt, err, sizeof(err));
	hv_loglevel = hv.opt.loglevel;
	console_init(hv.opt.uart_port, hv.opt.e9);
	pr_info("version %s starting (loader: %s, command line: '%s')\n", HV_VERSION,
		hv.boot.loader, hv.boot.cmdline);
	if (bad)
		pr_warn("%s: default kept\n", err);
	if (ret)
		hv_panic("malformed multiboot2 boot information (%d)", ret);
	enable_host_xsave();
	setup_acpi();
	hv.tsc_khz = tsc_khz_detect(); /* may calibrate against the ACPI PM timer */
	setup_host_paging();

	/* the hypervisor keeps its image (2 MiB aligned) away from the Service VM */
	hv.hv_start = ALIGN_DOWN((u64)(uintptr_t)_hv_start, MiB(2));
	hv.hv_end = ALIGN_UP((u64)(uintptr_t)_hv_end, MiB(2));
	sos_mmap = hv.boot.mmap;
	ret = e820_set_type(&sos_mmap, hv.hv_start, hv.hv_end, E820_RESERVED);
	if (ret)
		hv_panic("cannot carve hypervisor memory from the e820 (%d)", ret);
	pr_info("memory: %llu KiB RAM, hypervisor %llx-%llx, Service VM %llu KiB\n",
		(unsigned long long)(e820_ram_total(&hv.boot.mmap) >> 10),
		(unsigned long long)hv.hv_start, (unsigned long long)hv.hv_end,
		(unsigned long long)(e820_ram_total(&sos_mmap) >> 10));

	if (hv.opt.selftest)
		selftest_run(&sos_mmap);
	if (!hv.opt.native)
		prelaunch_load(&sos_mmap);
	ret = sos_prepare(&sos_mmap, &entry);
	if (ret)
		hv_panic("cannot load the Service VM (%d)", ret);
	if (hv.opt.native) {
		hv_printf("ACRN-HV: native boot\n");
		console_drain();
		native_jump(entry, GUEST_BOOT_PARAMS, GUEST_PML4, GUEST_GDT_DESC);
	}
	launch_service_vm(entry, &sos_mmap);
}
