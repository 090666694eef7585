// SPDX-License-Identifier: BSD-3-Clause
/*
 * BSP start-up: boot information, console, ACPI, memory carving, the
 * Service VM loader, and then either a native jump or VMX launch.
 */
#include "hv.h"
#include "linux_boot.h"

struct hv_state hv;

void hv_main(u32 magic, u64 mbi);

static const void *identity_map(void *ctx, u64 pa, u64 len)
{
	(void)ctx;
	/* the boot page tables map the low 4 GiB */
	if (pa + len < pa || pa + len > GiB(4))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static void *phys(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

/* Skip a leading "/path/file" word that some loaders include. */
static const char *skip_path(const char *s)
{
	while (*s == ' ')
		s++;
	if (*s != '/')
		return s;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

void build_guest_lowmem(void);
void build_guest_lowmem(void)
{
	u64 *gdt = phys(GUEST_GDT), *pml4 = phys(GUEST_PML4);
	u64 *pdpt = pml4 + 512, *pd = pml4 + 1024;
	u32 i;

	memset(phys(GUEST_GDT), 0, GUEST_LOWMEM_END - GUEST_GDT);
	gdt[2] = 0x00af9a000000ffffULL; /* __BOOT_CS */
	gdt[3] = 0x00cf92000000ffffULL; /* __BOOT_DS */
	/* lgdt operand for the native jump */
	*(u16 *)(uintptr_t)(GUEST_GDT + 0x20) = 0x1f;
	*(u64 *)(uintptr_t)(GUEST_GDT + 0x22) = GUEST_GDT;
	/* a copy of the RSDP Linux can be pointed at */
	memcpy(phys(GUEST_GDT + 0x100), hv.boot.rsdp, hv.boot.rsdp_len);
	pml4[0] = (u64)(uintptr_t)pdpt | 3;
	for (i = 0; i < 4; i++)
		pdpt[i] = ((u64)(uintptr_t)pd + i * 4096) | 3;
	for (i = 0; i < 2048; i++)
		pd[i] = ((u64)i << 21) | 0x83;
}

int sos_prepare(u64 *ret_entry)
{
	struct boot_info *bi = &hv.boot;
	struct boot_module *km = &bi->mods[0];
	struct linux_image li;
	u64 initrd = 0, initrd_size = 0, rsdp_pa = 0;
	char *cmd = phys(GUEST_CMDLINE);
	int ret, n;
	static const char *const fmt_names[] = {"bzImage", "ELF vmlinux", "flat binary"};

	if (bi->nr_modules < 1) {
		pr_err("no Service VM kernel: add 'module2 /boot/<kernel> <cmdline>' to GRUB\n");
		return -HV_ENOENT;
	}
	if (!e820_is_ram(&hv.sos_e820, 0x7000, GUEST_LOWMEM_END)) {
		pr_err("low memory 0x7000-0x%llx is not RAM\n",
		       (unsigned long long)GUEST_LOWMEM_END);
		return -HV_ENOMEM;
	}
	ret = linux_inspect(phys(km->start), km->end - km->start, &li);
	if (ret) {
		pr_err("module 0 is not a usable Linux kernel (%d)\n", ret);
		return ret;
	}
	pr_info("Service VM kernel: %s, %llu bytes, load %llx (+%llx), entry %llx\n",
		fmt_names[li.format], (unsigned long long)li.image_len,
		(unsigned long long)li.load_addr, (unsigned long long)li.mem_size,
		(unsigned long long)li.entry);
	if (!e820_is_ram(&hv.sos_e820, li.load_addr, li.load_addr + li.mem_size)) {
		pr_err("kernel range %llx-%llx is not free RAM\n", (unsigned long long)li.load_addr,
		       (unsigned long long)(li.load_addr + li.mem_size));
		return -HV_ENOMEM;
	}
	if (bi->nr_modules >= 2) {
		struct boot_module *im = &bi->mods[1];
		u64 floor = MAX(li.load_addr + li.mem_size, km->end);
		u64 limit = MIN(li.initrd_max ? li.initrd_max + 1 : GiB(4), GiB(4));

		initrd_size = im->end - im->start;
		ret = e820_find_top(&hv.sos_e820, initrd_size, 4096, floor, limit, &initrd);
		if (ret) {
			pr_err("no room for the %llu-byte initrd\n",
			       (unsigned long long)initrd_size);
			return ret;
		}
		/* move it first: the kernel's destination may cover its source */
		memmove(phys(initrd), phys(im->start), initrd_size);
		pr_info("initrd: %llu bytes at %llx\n", (unsigned long long)initrd_size,
			(unsigned long long)initrd);
	}
	ret = linux_place(&li, phys);
	if (ret)
		return ret;

	n = (int)hv_strlcpy(cmd, skip_path(km->string), 2048);
	if (!hv.opt.native && n < 2000)
		hv_snprintf(cmd + n, 2048 - n, " acrn_hv_mem=0x%llx-0x%llx",
			    (unsigned long long)hv.hv_start, (unsigned long long)hv.hv_end);
	build_guest_lowmem();
	if (hv.boot.rsdp_len)
		rsdp_pa = GUEST_GDT + 0x100;
	ret = linux_build_boot_params(phys(GUEST_BOOT_PARAMS), &li, &hv.sos_e820, GUEST_CMDLINE,
				      (u32)strlen(cmd), initrd, initrd_size, rsdp_pa);
	if (ret)
		return ret;
	pr_info("Service VM command line: %s\n", cmd);
	*ret_entry = li.entry;
	return 0;
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
		len = ((const u8 *)phys(pa))[15] >= 2 ? 36 : 20;
		memcpy(rsdp, phys(pa), len);
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
	if (c & (1U << 26))
		write_cr4(read_cr4() | CR4_OSXSAVE);
}

static void launch_service_vm(u64 entry)
{
	struct vcpu *v = &hv.sos.vcpu[0];
	char why[160];
	int ret;

	ret = vmx_check_caps(why, sizeof(why));
	if (ret)
		hv_panic("%s", why);
	ret = vmx_on(&hv.pcpu[0]);
	if (ret)
		hv_panic("VMXON failed on the BSP (%d)", ret);
	vm_init(&hv.sos, "Service VM", VM_SERVICE, 1);
	ret = vmx_build_ept(&hv.sos, true);
	if (ret)
		hv_panic("cannot build the Service VM EPT (%d)", ret);
	/* LAPIC writes trap (vlapic.c); reads go straight to the hardware */
	ret = pt_map(&hv.sos.ept, lapic_base(), lapic_base(), 4096, EPT_R | EPT_UC);
	if (ret)
		hv_panic("cannot write-protect the LAPIC page (%d)", ret);
	vm_setup_io_policy(&hv.sos);
	smp_start_aps();
	hv.sos.nr_vcpus = hv.nr_pcpus;
	ret = vcpu_setup_vmcs(v);
	if (ret)
		hv_panic("cannot set up the VMCS of vcpu 0 (%d)", ret);
	vcpu_set_linux_state(v, entry, GUEST_BOOT_PARAMS);
	shell_init();
	hv_printf("ACRN-HV: starting Service VM\n");
	ret = vcpu_run_loop(v);
	hv_panic("Service VM vcpu 0 stopped (%d)", ret);
}

void hv_main(u32 magic, u64 mbi)
{
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
	ret = mb2_parse(phys(mbi), MiB(1), &hv.boot);
	bad = hv_parse_cmdline(skip_path(hv.boot.cmdline), &hv.opt, err, sizeof(err));
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
	hv.sos_e820 = hv.boot.mmap;
	ret = e820_set_type(&hv.sos_e820, hv.hv_start, hv.hv_end, E820_RESERVED);
	if (ret)
		hv_panic("cannot carve hypervisor memory from the e820 (%d)", ret);
	pr_info("memory: %llu KiB RAM, hypervisor %llx-%llx, Service VM %llu KiB\n",
		(unsigned long long)(e820_ram_total(&hv.boot.mmap) >> 10),
		(unsigned long long)hv.hv_start, (unsigned long long)hv.hv_end,
		(unsigned long long)(e820_ram_total(&hv.sos_e820) >> 10));

	if (hv.opt.selftest)
		selftest_run();
	ret = sos_prepare(&entry);
	if (ret)
		hv_panic("cannot load the Service VM (%d)", ret);
	if (hv.opt.native) {
		hv_printf("ACRN-HV: native boot\n");
		console_drain();
		native_jump(entry, GUEST_BOOT_PARAMS, GUEST_PML4, GUEST_GDT + 0x20);
	}
	launch_service_vm(entry);
}
