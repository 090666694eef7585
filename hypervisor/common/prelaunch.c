// SPDX-License-Identifier: BSD-3-Clause
/*
 * Pre-launched VMs (prelaunch.h): each gets a contiguous block of RAM
 * (guest-physical 0 is the block's start), its kernel loaded there with
 * the 64-bit boot protocol as the Service VM's is, a pCPU the Service VM
 * never sees, and runs on it through the same vCPU loop as User VMs
 * (uvm_vcpu.c) - only without an I/O request page, so what no handler owns
 * reads as all ones and writes go nowhere.
 */
#include "hv.h"
#include "prelaunch.h"
#include "acpi.h"
#include "bootinfo.h"
#include "io_emul.h"
#include "linux_boot.h"
#include "uvm_vcpu.h"
#include "virq_io.h"
#include "vm.h"
#include "vm_load.h"
#include "vuart.h"

#define PL_COM1		0x3f8
#define PL_PM1A_CNT	0x404 /* where the test guests and acrn-dm's FADT put it */
#define PM1_SLP_EN	(1U << 13)
#define PM1_SLP_TYP(v)	(((v) >> 10) & 7)
#define PM1_SLP_TYP_S5	5
#define CR0_BOOT	0x80050033ULL /* PG, AM, WP, NE, ET, MP, PE */
#define CR4_BOOT_PAE	0x20ULL
#define EFER_BOOT	0x500ULL /* LMA, LME */
#define BOOT_CS_SEL	0x10
#define BOOT_DS_SEL	0x18
#define BOOT_CS_AR_LONG 0xa09b

struct prelaunch {
	struct prelaunch_cfg cfg;
	u64 hpa; /* its RAM is [hpa, hpa + cfg.mem) */
	u64 entry;
	struct e820_map mmap;	       /* the guest's view */
	u32 pcpu[PRELAUNCH_MAX_VCPUS]; /* vCPU i runs on pCPU pcpu[i] */
	u32 nr_pcpus;		       /* 0: none claimed, the VM is left out */
	struct vm *vm;
	struct vuart uart;
};

static struct prelaunch pl[PRELAUNCH_MAX];
static u32 nr_pl;
static u64 load_base; /* linux_place() translates guest-physical addresses with this */

static void *guest_phys(u64 gpa)
{
	return phys_to_virt(load_base + gpa);
}

bool prelaunch_is_module(const struct boot_module *m)
{
	struct prelaunch_cfg cfg;
	char err[8];

	return prelaunch_parse(m->string, &cfg, err, sizeof(err)) != 1;
}

/* Where its RAM goes: the highest free block below 4 GiB that overlaps no module. */
static int place_ram(const struct e820_map *sos_mmap, u64 size, u64 *hpa)
{
	static struct e820_map avail;
	u32 i;

	avail = *sos_mmap;
	for (i = 0; i < hv.boot.nr_modules; i++) {
		const struct boot_module *m = &hv.boot.mods[i];

		if (e820_set_type(&avail, ALIGN_DOWN(m->start, 4096), ALIGN_UP(m->end, 4096),
				  E820_RESERVED))
			return -HV_ENOMEM;
	}
	return e820_find_top(&avail, size, MiB(2), MiB(16), GiB(4), hpa);
}

static int load_one(struct prelaunch *p, const struct boot_module *m, struct e820_map *sos_mmap)
{
	struct linux_image li;
	u32 n;
	int ret;

	ret = linux_inspect(phys_to_virt(m->start), m->end - m->start, &li);
	if (ret) {
		pr_err("pre-launched VM %s: the module is not a usable Linux kernel (%d)\n",
		       p->cfg.name, ret);
		return ret;
	}
	if (li.load_addr < GUEST_LOWMEM_END || li.load_addr + li.mem_size > p->cfg.mem) {
		pr_err("pre-launched VM %s: kernel needs %llx-%llx, RAM is 0-%llx\n", p->cfg.name,
		       (unsigned long long)li.load_addr,
		       (unsigned long long)(li.load_addr + li.mem_size),
		       (unsigned long long)p->cfg.mem);
		return -HV_ENOMEM;
	}
	ret = place_ram(sos_mmap, p->cfg.mem, &p->hpa);
	if (ret) {
		pr_err("pre-launched VM %s: no %llu MiB block of free RAM below 4 GiB\n",
		       p->cfg.name, (unsigned long long)(p->cfg.mem >> 20));
		return ret;
	}
	if (hv.nr_hidden == HV_MAX_HIDDEN)
		return -HV_ENOSPC;
	ret = e820_set_type(sos_mmap, p->hpa, p->hpa + p->cfg.mem, E820_RESERVED);
	if (ret)
		return ret;
	/* the Service VM's EPT leaves it out, no User VM may be given it */
	hv.hidden[hv.nr_hidden].start = p->hpa;
	hv.hidden[hv.nr_hidden].end = p->hpa + p->cfg.mem;
	hv.nr_hidden++;
	/* nothing of the Service VM's (or of an earlier boot) may show through */
	memset(phys_to_virt(p->hpa), 0, p->cfg.mem);
	load_base = p->hpa;
	ret = linux_place(&li, guest_phys);
	if (ret)
		return ret;
	p->mmap.nr = 0;
	ret = e820_add(&p->mmap, 0, GUEST_LOWMEM_END, E820_RAM);
	if (!ret)
		ret = e820_add(&p->mmap, MiB(1), p->cfg.mem - MiB(1), E820_RAM);
	if (ret)
		return ret;
	build_guest_lowmem_at(p->hpa, false);
	n = (u32)hv_strlcpy(phys_to_virt(p->hpa + GUEST_CMDLINE), p->cfg.cmdline,
			    PRELAUNCH_CMDLINE_MAX);
	ret = linux_build_boot_params(phys_to_virt(p->hpa + GUEST_BOOT_PARAMS), &li, &p->mmap,
				      GUEST_CMDLINE, n, 0, 0, 0);
	if (ret)
		return ret;
	p->entry = li.entry;
	pr_info("pre-launched VM %s: %llu MiB at %llx, kernel entry %llx, command line '%s'\n",
		p->cfg.name, (unsigned long long)(p->cfg.mem >> 20), (unsigned long long)p->hpa,
		(unsigned long long)li.entry, p->cfg.cmdline);
	return 0;
}

u32 prelaunch_load(struct e820_map *sos_mmap)
{
	u32 i;

	for (i = 1; i < hv.boot.nr_modules; i++) {
		const struct boot_module *m = &hv.boot.mods[i];
		struct prelaunch *p = &pl[nr_pl];
		char err[96];
		int ret = prelaunch_parse(m->string, &p->cfg, err, sizeof(err));

		if (ret == 1)
			continue;
		if (ret) {
			pr_err("module %u: pre-launched VM left out: %s\n", i, err);
			continue;
		}
		if (nr_pl == PRELAUNCH_MAX) {
			pr_err("module %u: more than %u pre-launched VMs, %s left out\n", i,
			       PRELAUNCH_MAX, p->cfg.name);
			continue;
		}
		if (!load_one(p, m, sos_mmap))
			nr_pl++;
	}
	return nr_pl;
}

/*
 * Take pCPU @idx for @p: hide it in the MADT and send its AP to wait for
 * the VM instead of the Service VM's start-up.
 */
static int claim_one(struct prelaunch *p, u32 idx)
{
	struct pcpu *c = &hv.pcpu[idx];
	int ret = acpi_madt_disable_cpu(phys_to_virt(hv.acpi.madt_addr), c->apic_id);

	if (ret) {
		pr_err("pre-launched VM %s: cannot hide pCPU %u (APIC ID %u) in the MADT (%d)\n",
		       p->cfg.name, c->idx, c->apic_id, ret);
		return ret;
	}
	p->pcpu[p->nr_pcpus++] = idx;
	__atomic_store_n(&c->given_up, true, __ATOMIC_RELEASE);
	pr_info("pre-launched VM %s gets pCPU %u (APIC ID %u), hidden from the Service VM\n",
		p->cfg.name, idx, c->apic_id);
	return 0;
}

u32 prelaunch_claim_pcpus(void)
{
	u32 keep = hv.nr_pcpus, i, j;

	for (i = 0; i < nr_pl; i++) {
		struct prelaunch *p = &pl[i];

		/* pCPU 0 stays the Service VM's */
		if (keep - 1 < p->cfg.cpus || !hv.acpi.madt_addr) {
			pr_err("pre-launched VM %s: needs %u pCPUs, %u free%s\n", p->cfg.name,
			       p->cfg.cpus, keep - 1,
			       hv.acpi.madt_addr ? "" : " (no MADT to hide them in)");
			continue;
		}
		for (j = 0; j < p->cfg.cpus; j++)
			if (claim_one(p, keep - 1 - j))
				break;
		/*
		 * A CPU hidden already stays hidden (the Service VM was not
		 * going to get it back): a VM short of CPUs is left out.
		 */
		keep -= p->nr_pcpus;
		if (p->nr_pcpus < p->cfg.cpus) {
			pr_err("pre-launched VM %s left out: %u of its %u pCPUs could be taken\n",
			       p->cfg.name, p->nr_pcpus, p->cfg.cpus);
			p->nr_pcpus = 0;
		}
	}
	return keep;
}

/* PM1a_CNT: S5 ends the VM (there is no one to tell); other writes are dropped. */
static int pm1_cnt(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)ctx;
	if (!a->write) {
		a->value = 0;
		return 0;
	}
	if (!(a->value & PM1_SLP_EN) || PM1_SLP_TYP(a->value) != PM1_SLP_TYP_S5)
		return 0;
	hv_printf("ACRN-HV: vm%u %s: powered off (S5)\n", v->vm->id, v->vm->name);
	v->vm->state = VM_POWERED_OFF;
	return uvm_vcpu_dead(v, "powered off (S5)");
}

static void boot_regs(struct acrn_hc_regs *r, u64 entry)
{
	memset(r, 0, sizeof(*r));
	r->rsi = GUEST_BOOT_PARAMS;
	r->rip = entry;
	r->gdt.base = GUEST_GDT;
	r->gdt.limit = 0x1f;
	r->cr0 = CR0_BOOT;
	r->cr3 = GUEST_PML4;
	r->cr4 = CR4_BOOT_PAE;
	r->ia32_efer = EFER_BOOT;
	r->rflags = 2; /* interrupts off */
	r->cs_ar = BOOT_CS_AR_LONG;
	r->cs_limit = 0xffffffffU;
	r->cs_sel = BOOT_CS_SEL;
	r->ss_sel = r->ds_sel = r->es_sel = r->fs_sel = r->gs_sel = BOOT_DS_SEL;
}

static int start_one(struct prelaunch *p)
{
	struct vm_config cfg = {
	    .type = VM_PRELAUNCHED,
	    .name = p->cfg.name,
	    .nr_vcpus = p->nr_pcpus,
	    .mmap = &p->mmap,
	};
	struct vm *vm;
	u32 i;
	int ret;

	ret = vm_create(&cfg, &vm);
	if (ret)
		return ret;
	ret = pt_map(&vm->ept, 0, p->hpa, p->cfg.mem, EPT_RWX | EPT_WB);
	if (ret)
		goto err_vm;
	/* every port exits: the vUART and PM1 are ours, the rest reads as nothing */
	memset(vm->io_bitmap[0], 0xff, 4096);
	memset(vm->io_bitmap[1], 0xff, 4096);
	vm->pio_default = uvm_pio_request;
	ret = vuart_attach(&p->uart, vm, PL_COM1);
	if (!ret)
		ret = pio_register(vm, PL_PM1A_CNT, 2, pm1_cnt, NULL);
	if (ret)
		goto err_vm;
	for (i = 0; i < p->nr_pcpus; i++)
		vm->vcpu[i].pcpu = p->pcpu[i];
	vm_virq_place(vm);
	/* only vCPU 0 boots; the others wait for its INIT/STARTUP */
	boot_regs(&vm->boot_regs[0], p->entry);
	vm->boot_regs_set = 1;
	vm->state = VM_RUNNING;
	p->vm = vm;
	ret = uvm_vm_run(vm);
	if (ret)
		goto err_run;
	return 0;
err_run:
	p->vm = NULL;
	uvm_vm_stop(vm);
err_vm:
	vm_destroy(vm);
	return ret;
}

void prelaunch_start(void)
{
	u32 i;
	int ret;

	for (i = 0; i < nr_pl; i++) {
		if (!pl[i].nr_pcpus)
			continue;
		ret = start_one(&pl[i]);
		if (ret)
			pr_err("pre-launched VM %s could not start (%d)\n", pl[i].cfg.name, ret);
		else
			hv_printf(
			    "ACRN-HV: pre-launched VM %u (%s) started on pCPU %u (%u vCPU%s)\n",
			    pl[i].vm->id, pl[i].cfg.name, pl[i].pcpu[0], pl[i].nr_pcpus,
			    pl[i].nr_pcpus > 1 ? "s" : "");
	}
}

struct vuart *prelaunch_vuart(u16 vm_id)
{
	u32 i;

	for (i = 0; i < nr_pl; i++)
		if (pl[i].vm && pl[i].vm->id == vm_id)
			return &pl[i].uart;
	return NULL;
}
