// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the VM table and the VM-lifecycle hypercalls (CREATE_VM,
 * PAUSE_VM, RESET_VM, DESTROY_VM): parameter checks, state rules, ids
 * relative to the caller, and 1000 create/destroy rounds that must give
 * every page and VPID back.  The real VM table, page pool, VPID allocator,
 * EPT and hypercall code run; the VMX-only services (capabilities, the MSR
 * bitmap contents, VMCLEAR) are test doubles.  The Service VM's "RAM" is a
 * buffer of this process (it is identity-mapped).
 */
#include <glib.h>
#include <stdlib.h>
#include "hv.h"
#include "hypercall.h"
#include "msr.h"
#include "page_alloc.h"
#include "virq.h"
#include "virq_io.h"
#include "vm.h"
#include "vmexit.h"
#include "uvm_vcpu.h"
#include "vmx.h"
#include "vpid.h"
#include "acrn_abi.h"

struct hv_state hv;
int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* ---- test doubles for the VMX side ---- */
bool vmx_ept_1g(void)
{
	return true;
}

bool vmx_have_vpid(void)
{
	return true;
}

void msr_bitmap_init(struct vm *vm)
{
	(void)vm;
}

void vcpu_release_vmcs(struct vcpu *v)
{
	free_page(NULL, v->vmcs);
	v->vmcs = NULL;
}

int vmexit_hypercall(struct vcpu *v)
{
	(void)v;
	return 0;
}

/*
 * The pCPU side of User VM vCPUs (uvm_vcpu.c) needs VMX: these doubles only
 * count what the hypercalls asked for.
 */
static unsigned uvm_runs, uvm_pauses, uvm_stops;

int uvm_vm_run(struct vm *vm)
{
	(void)vm;
	uvm_runs++;
	return 0;
}

int uvm_vm_pause(struct vm *vm)
{
	(void)vm;
	uvm_pauses++;
	return 0;
}

int uvm_vm_stop(struct vm *vm)
{
	(void)vm;
	uvm_stops++;
	return 0;
}

bool uvm_vcpu_notify(struct vcpu *v)
{
	(void)v;
	return false; /* no vCPU waits: the hypercall takes the slot back itself */
}

int uvm_pio_request(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)a;
	(void)ctx;
	return 0;
}

/* ---- set-up ---- */
#define RAM_SIZE 0x4000

static u8 *ram;
static u8 *hvmem;
static struct vm *sos;
static struct acrn_hc_vm_creation *param; /* in the Service VM's RAM */

static void setup(void)
{
	static struct e820_map mmap;
	struct vm_config cfg = {
	    .type = VM_SERVICE,
	    .name = "Service VM",
	    .nr_vcpus = 1,
	    .flags = VM_FLAG_PRIVILEGED | VM_FLAG_HYPERCALLS,
	    .mmap = &mmap,
	    .identity_ept = true,
	};

	ram = aligned_alloc(4096, RAM_SIZE);
	hvmem = aligned_alloc(4096, 4096);
	hv.hv_start = (u64)(uintptr_t)hvmem;
	hv.hv_end = hv.hv_start + 4096;
	hv.nr_pcpus = 4;
	for (u32 i = 0; i < hv.nr_pcpus; i++)
		hv.pcpu[i].apic_id = 2 * i; /* as with hyper-threads off */
	e820_add(&hv.boot.mmap, (u64)(uintptr_t)ram, RAM_SIZE, E820_RAM);
	e820_add(&hv.boot.mmap, hv.hv_start, 4096, E820_RAM);
	e820_normalize(&hv.boot.mmap);
	mmap = hv.boot.mmap;
	e820_set_type(&mmap, hv.hv_start, hv.hv_end, E820_RESERVED);
	vpid_init();
	g_assert_cmpint(vm_create(&cfg, &sos), ==, 0);
	g_assert_cmpuint(sos->id, ==, 0);
	param = (struct acrn_hc_vm_creation *)(ram + 0x100);
}

static s64 hc(u64 id, u64 p1)
{
	return hypercall_dispatch(&sos->vcpu[0], id, p1, 0);
}

static s64 hc2(u64 id, u64 p1, u64 p2)
{
	return hypercall_dispatch(&sos->vcpu[0], id, p1, p2);
}

static void fill(const char *name, u64 affinity)
{
	memset(param, 0, sizeof(*param));
	memcpy(param->name, name, MIN(strlen(name), sizeof(param->name)));
	param->cpu_affinity = affinity;
	param->vm_flag = ~0ULL; /* only the DM's bits may stay */
}

static s64 create(const char *name, u64 affinity)
{
	fill(name, affinity);
	return hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param);
}

static void test_create_destroy(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count();
	struct vm *vm;

	g_assert_cmpint(create("uvm1", 0x6), ==, 0);
	g_assert_cmpuint(param->vmid, ==, 1);
	g_assert_cmpuint(param->vcpu_num, ==, 2);
	vm = vm_get(1);
	g_assert_nonnull(vm);
	g_assert_cmpstr(vm->name, ==, "uvm1");
	g_assert_cmpint(vm->type, ==, VM_USER);
	g_assert_cmpint(vm->state, ==, VM_CREATED);
	g_assert_cmpuint(vm->guest_flags, ==,
			 ACRN_GUEST_FLAG_LAPIC_PASSTHROUGH | ACRN_GUEST_FLAG_IO_COMPLETION_POLLING |
			     ACRN_GUEST_FLAG_RT);
	g_assert_cmpuint(vm->vcpu[0].pcpu, ==, 1);
	g_assert_cmpuint(vm->vcpu[1].pcpu, ==, 2);
	g_assert_cmpuint(vm->vcpu[0].vpid, !=, 0);
	g_assert_cmpuint(vm->vcpu[0].vpid, !=, vm->vcpu[1].vpid);
	g_assert_cmpuint(vpid_free_count(), ==, vpids - 2);
	/* a User VM's EPT maps nothing: not the Service VM's RAM, not the hypervisor */
	{
		u64 pa, flags;

		g_assert_cmpint(pt_lookup(&vm->ept, (u64)(uintptr_t)ram, &pa, &flags), ==,
				-HV_ENOENT);
		g_assert_cmpint(pt_lookup(&vm->ept, hv.hv_start, &pa, &flags), ==, -HV_ENOENT);
	}
	/* its interrupt controllers: APIC IDs of its pCPUs, handlers in its I/O tables */
	g_assert_nonnull(vm->virq);
	g_assert_cmpuint(vm->virq->nr_vcpus, ==, 2);
	g_assert_cmpuint(vm->virq->lapic[0].id, ==, 2);
	g_assert_cmpuint(vm->virq->lapic[1].id, ==, 4);
	g_assert_cmpuint(vcpu_apic_id(&vm->vcpu[1]), ==, 4);
	g_assert_cmpuint(vcpu_apic_id(&sos->vcpu[0]), ==, 0); /* no vLAPIC: the vCPU index */
	{
		static const u64 mmio[] = {0xfee00000, 0xfee00ffc, 0xfec00000, 0xfec00010};
		static const u64 pio[] = {0x20, 0x21, 0xa0, 0xa1, 0x4d0, 0x4d1};
		const struct io_range *r;
		struct io_access a = {0xfee00030, 4, false, 0};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(mmio); i++)
			g_assert_nonnull(io_table_find(&vm->mmio, mmio[i]));
		for (i = 0; i < G_N_ELEMENTS(pio); i++)
			g_assert_nonnull(io_table_find(&vm->pio, pio[i]));
		g_assert_null(io_table_find(&vm->pio, 0x22));
		g_assert_null(io_table_find(&vm->pio, 0x4d2));
		g_assert_null(io_table_find(&vm->mmio, 0xfee01000));
		/* a guest read of the version register through the table, as the run loop will do
		 */
		r = io_table_find(&vm->mmio, a.addr);
		g_assert_cmpint(r->fn(&vm->vcpu[1], &a, r->ctx), ==, 0);
		g_assert_cmphex(a.value, ==, 0x00050014);
		/* malformed: a 2-byte read reads all ones, a misaligned write changes nothing */
		a = (struct io_access){0xfee00080, 2, false, 0};
		g_assert_cmpint(r->fn(&vm->vcpu[1], &a, r->ctx), ==, 0);
		g_assert_cmphex(a.value, ==, 0xffff);
		a = (struct io_access){0xfee00084, 4, true, 0xff};
		g_assert_cmpint(r->fn(&vm->vcpu[1], &a, r->ctx), ==, 0);
		g_assert_cmphex(vm->virq->lapic[1].tpr, ==, 0);
		/* the PIC's ELCR through its port handler */
		r = io_table_find(&vm->pio, 0x4d1);
		a = (struct io_access){0x4d1, 1, true, 0xff};
		g_assert_cmpint(r->fn(&vm->vcpu[0], &a, r->ctx), ==, 0);
		a = (struct io_access){0x4d1, 1, false, 0};
		g_assert_cmpint(r->fn(&vm->vcpu[0], &a, r->ctx), ==, 0);
		g_assert_cmphex(a.value, ==, 0xde);
	}
	/* DESTROY only when PAUSED; PAUSE is idempotent; RESET goes back to CREATED */
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_RESET_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_PAUSED);
	g_assert_cmpint(hc(ACRN_HC_RESET_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_CREATED);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, 0);
	g_assert_null(vm_get(1));
	/* double destroy, unknown ids, the Service VM itself */
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 0), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 0), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 0xffff), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, ~0ULL), ==, -HV_EINVAL);
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
}

static void test_bad_parameters(void)
{
	u64 pages = hv_free_pages(), base = (u64)(uintptr_t)ram;

	/* the structure: unaligned, outside RAM, straddling its end, in the hypervisor, null */
	fill("x", 0);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + 0x104), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + RAM_SIZE - 40), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, base + RAM_SIZE), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, 0), ==, -HV_EINVAL);
	/* its fields: reserved, name, affinity; vmid says "none" */
	fill("x", 0);
	param->reserved0 = 1;
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	fill("x", 0);
	param->reserved1 = 1;
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	fill("", 0);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	fill("0123456789abcdef", 0); /* 16 characters: no NUL */
	memcpy(param->name, "0123456789abcdef", 16);
	g_assert_cmpint(hc(ACRN_HC_CREATE_VM, (u64)(uintptr_t)param), ==, -HV_EINVAL);
	g_assert_cmpint(create("x", 1ULL << 4), ==, -HV_EINVAL); /* no pCPU 4 */
	g_assert_cmpint(create("x", 1ULL << 63), ==, -HV_EINVAL);
	g_assert_cmpint(create("Service VM", 0), ==, -HV_EEXIST);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	g_assert_cmpuint(hv_free_pages(), ==, pages);
}

static void test_table_full_and_names(void)
{
	u64 pages = hv_free_pages();
	u32 i;

	g_assert_cmpint(create("a", 0), ==, 0);
	g_assert_cmpint(create("a", 0), ==, -HV_EEXIST);
	g_assert_cmpint(create("b", 0), ==, 0);
	g_assert_cmpint(create("c", 0), ==, 0);
	g_assert_cmpuint(param->vmid, ==, MAX_VMS - 1);
	g_assert_cmpint(create("d", 0), ==, -HV_ENOSPC);
	g_assert_cmpuint(param->vmid, ==, ACRN_INVALID_VMID);
	for (i = 1; i < MAX_VMS; i++) {
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, i), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, i), ==, 0);
	}
	g_assert_cmpuint(hv_free_pages(), ==, pages);
}

/* Only the Service VM may run the lifecycle: to anyone else they do not exist. */
static void test_unprivileged(void)
{
	sos->flags &= ~VM_FLAG_PRIVILEGED;
	g_assert_cmpint(create("u", 0), ==, -HV_ENOTTY);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, -HV_ENOTTY);
	sos->flags |= VM_FLAG_PRIVILEGED;
}

static void test_churn(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count();
	u32 i;

	for (i = 0; i < 1000; i++) {
		g_assert_cmpint(create("churn", 0xf), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, param->vmid), ==, 0);
	}
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
}

/* Service VM RAM layout of the User VM tests (RAM_SIZE = 4 pages) */
#define P_U64	  0x900	 /* a u64 parameter */
#define P_REGS	  0xa00	 /* acrn_hc_vcpu_regs */
#define P_BATCH	  0xc00	 /* acrn_hc_mem_regions */
#define P_REGIONS 0xc40	 /* acrn_hc_mem_region[] */
#define P_SMALL	  0xe00	 /* msi, gpa2hpa */
#define IOREQ_PG  0x2000 /* the I/O request page */
#define GUEST_PG  0x3000 /* a page handed to the User VM */
#define UVM_GPA	  0x100000ULL

static u64 at(u64 off)
{
	return (u64)(uintptr_t)ram + off;
}

static s64 set_ioreq(u64 vmid, u64 page)
{
	memcpy(ram + P_U64, &page, 8);
	return hc2(ACRN_HC_SET_IOREQ_BUFFER, vmid, at(P_U64));
}

static s64 map(u16 vmid, u32 type, u32 attr, u64 gpa, u64 pa, u64 size)
{
	struct acrn_hc_mem_regions *b = (void *)(ram + P_BATCH);
	struct acrn_hc_mem_region *r = (void *)(ram + P_REGIONS);

	memset(b, 0, sizeof(*b));
	b->vmid = vmid;
	b->regions_num = 1;
	b->regions_gpa = at(P_REGIONS);
	*r = (struct acrn_hc_mem_region){type, attr, gpa, pa, size};
	return hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH));
}

static s64 gpa2hpa(u64 vmid, u64 gpa, u64 *hpa)
{
	struct acrn_hc_gpa2hpa *g = (void *)(ram + P_SMALL);
	s64 ret;

	g->gpa = gpa;
	g->hpa = 0;
	ret = hc2(ACRN_HC_VM_GPA2HPA, vmid, at(P_SMALL));
	*hpa = g->hpa;
	return ret;
}

static struct acrn_hc_vcpu_regs *regs_param(void)
{
	struct acrn_hc_vcpu_regs *r = (void *)(ram + P_REGS);

	memset(r, 0, sizeof(*r));
	r->regs.rflags = 2;
	r->regs.rip = 0xfff0;
	r->regs.cs_base = 0xffff0000;
	return r;
}

static void test_user_vm_hypercalls(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count(), hpa, pa, flags;
	struct acrn_hc_io_request *page = (void *)(ram + IOREQ_PG);
	struct acrn_hc_msi_entry *msi = (void *)(ram + P_SMALL);
	struct acrn_hc_mem_regions *b = (void *)(ram + P_BATCH);
	struct acrn_hc_vcpu_regs *r;
	const u32 wb = ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_WB;
	struct vm *vm;

	g_assert_cmpint(create("user", 0), ==, 0);
	vm = vm_get(1);
	/* START needs the I/O request page */
	g_assert_cmpint(hc(ACRN_HC_START_VM, 1), ==, -HV_EINVAL);
	/* SET_IOREQ_BUFFER: the u64's pointer, then the page itself */
	g_assert_cmpint(hc2(ACRN_HC_SET_IOREQ_BUFFER, 1, at(P_U64) + 4), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_IOREQ_BUFFER, 1, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_IOREQ_BUFFER, 1, 0), ==, -HV_EINVAL);
	g_assert_cmpint(set_ioreq(1, at(IOREQ_PG) + 8), ==, -HV_EINVAL);
	g_assert_cmpint(set_ioreq(1, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(set_ioreq(1, at(RAM_SIZE)), ==, -HV_EINVAL);
	g_assert_cmpint(set_ioreq(2, at(IOREQ_PG)), ==, -HV_EINVAL); /* no VM 2 */
	g_assert_cmpint(set_ioreq(0, at(IOREQ_PG)), ==, -HV_EINVAL); /* the Service VM */
	memset(page, 0, 4096);
	g_assert_cmpint(set_ioreq(1, at(IOREQ_PG)), ==, 0);
	g_assert_cmpuint(page[0].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	g_assert_cmpuint(page[15].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	/* SET_VCPU_REGS */
	r = regs_param();
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, 0);
	g_assert_cmpuint(vm->boot_regs_set, ==, 1);
	g_assert_cmphex(vm->boot_regs[0].cs_base, ==, 0xffff0000);
	r->vcpu_id = 1; /* one vCPU only */
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, -HV_EINVAL);
	r = regs_param();
	r->regs.reserved_64[0] = 1;
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, -HV_EINVAL);
	r = regs_param();
	r->regs.cr0 = CR0_PG; /* paging without protection */
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(RAM_SIZE - 8)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 3, at(P_REGS)), ==, -HV_EINVAL);
	/* memory: a Service VM page at UVM_GPA; the Service VM keeps its own mapping */
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, UVM_GPA, at(GUEST_PG), 4096), ==, 0);
	g_assert_cmpint(gpa2hpa(1, UVM_GPA + 0x10, &hpa), ==, 0);
	g_assert_cmphex(hpa, ==, at(GUEST_PG) + 0x10);
	g_assert_cmpint(pt_lookup(&vm->ept, UVM_GPA, &pa, &flags), ==, 0);
	g_assert_cmphex(flags & 0x3f, ==, EPT_RWX | EPT_WB);
	g_assert_cmpint(pt_lookup(&sos->ept, at(GUEST_PG), &pa, &flags), ==, 0);
	g_assert_cmphex(pa, ==, at(GUEST_PG));
	g_assert_cmpint(gpa2hpa(1, UVM_GPA + 4096, &hpa), ==, -HV_EINVAL);
	g_assert_cmpint(gpa2hpa(2, UVM_GPA, &hpa), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_VM_GPA2HPA, 1, hv.hv_start), ==, -HV_EINVAL);
	/* never the hypervisor; never half RAM; bad regions, batches and VM ids */
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, 0, hv.hv_start, 4096), ==, -HV_EFAULT);
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, 0, at(GUEST_PG), 0x2000), ==, -HV_EFAULT);
	/* nor a pre-launched VM's RAM (not RAM to the Service VM, so it would pass as MMIO) */
	hv.hidden[0].start = 0xd0000000ULL;
	hv.hidden[0].end = 0xd0200000ULL;
	hv.nr_hidden = 1;
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, 0, 0xd0100000ULL, 4096), ==, -HV_EFAULT);
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, 0, 0xcffff000ULL, 0x2000), ==, -HV_EFAULT);
	hv.nr_hidden = 0;
	g_assert_cmpint(pt_lookup(&vm->ept, 0, &pa, &flags), ==, -HV_ENOENT);
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb, 0, at(GUEST_PG), 0x800), ==, -HV_EINVAL);
	g_assert_cmpint(map(1, 3, wb, 0, at(GUEST_PG), 4096), ==, -HV_EINVAL);
	g_assert_cmpint(map(1, ACRN_MEM_REGION_ADD, wb | 0x1000, 0, at(GUEST_PG), 4096), ==,
			-HV_EINVAL);
	g_assert_cmpint(map(2, ACRN_MEM_REGION_ADD, wb, 0, at(GUEST_PG), 4096), ==, -HV_EINVAL);
	g_assert_cmpint(map(0, ACRN_MEM_REGION_ADD, wb, 0, at(GUEST_PG), 4096), ==, -HV_EINVAL);
	b->vmid = 1; /* the batch of the last call, now for VM 1 */
	b->reserved1 = 1;
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH)), ==, -HV_EINVAL);
	b->reserved1 = 0;
	b->regions_num = 0;
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH)), ==, -HV_EINVAL);
	b->regions_num = 0x10000000; /* runs past the end of RAM */
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH)), ==, -HV_EFAULT);
	b->regions_num = 1;
	b->regions_gpa = hv.hv_start;
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH)), ==, -HV_EFAULT);
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, hv.hv_start), ==, -HV_EFAULT);
	g_assert_cmpint(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, at(P_BATCH) + 4), ==, -HV_EFAULT);
	g_assert_cmpint(pt_lookup(&vm->ept, 0, &pa, &flags), ==, -HV_ENOENT);
	/* START, then what RUNNING refuses */
	g_assert_cmpint(hc(ACRN_HC_START_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_RUNNING);
	g_assert_cmpint(hc(ACRN_HC_START_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, -HV_EINVAL);
	g_assert_cmpint(set_ioreq(1, at(IOREQ_PG)), ==, -HV_EINVAL);
	/* NOTIFY_REQUEST_FINISH takes a completed slot back */
	__atomic_store_n(&page[0].processed, ACRN_HC_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
	g_assert_cmpint(hc2(ACRN_HC_NOTIFY_REQUEST_FINISH, 1, 0), ==, 0);
	g_assert_cmpuint(page[0].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	g_assert_cmpint(hc2(ACRN_HC_NOTIFY_REQUEST_FINISH, 1, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_NOTIFY_REQUEST_FINISH, 1, ~0ULL), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_NOTIFY_REQUEST_FINISH, 2, 0), ==, -HV_EINVAL);
	/* interrupts: validated, then delivered to the VM's controllers */
	g_assert_nonnull(vm->virq);
	g_assert_cmpint(hc2(ACRN_HC_SET_IRQLINE, 1, ACRN_HC_IRQLINE(4, ACRN_HC_IRQ_ASSERT)), ==, 0);
	g_assert_cmphex(vm->virq->ioapic.lines, ==, 1ULL << 4);
	g_assert_cmphex(vm->virq->pic.chip[0].lines, ==, 1U << 4);
	g_assert_cmpint(hc2(ACRN_HC_SET_IRQLINE, 1, ACRN_HC_IRQLINE(4, ACRN_HC_IRQ_PULSE_RAISE)),
			==, 0);
	g_assert_cmphex(vm->virq->ioapic.lines, ==, 0);
	g_assert_cmpint(hc2(ACRN_HC_SET_IRQLINE, 1, ACRN_HC_IRQLINE(48, 0)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_IRQLINE, 1, ACRN_HC_IRQLINE(4, 9)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_SET_IRQLINE, 0, ACRN_HC_IRQLINE(4, 0)), ==, -HV_EINVAL);
	g_assert_cmphex(vm->virq->ioapic.lines, ==, 0);
	/* to APIC ID 0, vCPU 0's; its vLAPIC is software-disabled at reset, so enable it */
	{
		u32 svr = 0x1ff;

		g_assert_cmpint(virq_lapic_mmio(vm->virq, 0, 0xf0, 4, true, &svr, 0), ==, 0);
	}
	*msi = (struct acrn_hc_msi_entry){0xfee00000, 0x41};
	g_assert_cmpint(hc2(ACRN_HC_INJECT_MSI, 1, at(P_SMALL)), ==, 0);
	g_assert_cmpint(vlapic_pending(&vm->virq->lapic[0]), ==, 0x41);
	msi->msi_data = 2; /* an exception vector */
	g_assert_cmpint(hc2(ACRN_HC_INJECT_MSI, 1, at(P_SMALL)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_INJECT_MSI, 1, hv.hv_start), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_INJECT_MSI, 1, at(P_SMALL) + 2), ==, -HV_EINVAL);
	g_assert_cmphex(vm->virq->lapic[0].irr[2], ==, 1U << 1); /* only 0x41 */
	/* PM_GET_CPU_STATE: not supported, cleanly */
	g_assert_cmpint(hc2(ACRN_HC_PM_GET_CPU_STATE, 1U << 24, at(P_SMALL)), ==, -HV_ENODEV);
	g_assert_cmpint(hc2(ACRN_HC_PM_GET_CPU_STATE, 2U << 24, at(P_SMALL)), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_PM_GET_CPU_STATE, (1U << 24) | 9, at(P_SMALL)), ==, -HV_EINVAL);
	/* pause, resume with START, pause, reset: CREATED, registers and slots cleared */
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_START_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_RUNNING);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	regs_param();
	g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, 1, at(P_REGS)), ==, 0);
	__atomic_store_n(&page[0].processed, ACRN_HC_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	g_assert_cmpint(hc(ACRN_HC_RESET_VM, 1), ==, 0);
	g_assert_cmpint(vm->state, ==, VM_CREATED);
	g_assert_cmpuint(vm->boot_regs_set, ==, 0);
	g_assert_cmpuint(page[0].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	g_assert_cmpint(vlapic_pending(&vm->virq->lapic[0]), ==, -1); /* controllers reset */
	g_assert_cmphex(vm->virq->lapic[0].svr, ==, 0xff);
	/* unmap, destroy: every page and VPID back */
	g_assert_cmpint(map(1, ACRN_MEM_REGION_DEL, 0, UVM_GPA, 0, 4096), ==, 0);
	g_assert_cmpint(gpa2hpa(1, UVM_GPA, &hpa), ==, -HV_EINVAL);
	g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, 1), ==, 0);
	g_assert_cmpint(hc(ACRN_HC_START_VM, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc2(ACRN_HC_NOTIFY_REQUEST_FINISH, 1, 0), ==, -HV_EINVAL);
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
}

static void test_offline_cpu(void)
{
	hv.pcpu[0].apic_id = 0;
	g_assert_cmpint(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, 0), ==, -HV_EINVAL); /* the BSP */
	g_assert_cmpint(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, 7), ==, -HV_EINVAL); /* no such CPU */
	g_assert_cmpint(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, ~0ULL), ==, -HV_EINVAL);
	/* an AP the Service VM runs (Linux has offlined it; it still executes its idle loop) */
	sos->nr_vcpus = 2;
	sos->vcpu[1].pcpu = 1;
	sos->vcpu[1].started = true;
	hv.pcpu[1].apic_id = 2;
	g_assert_cmpint(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, 2), ==, 0);
	g_assert_true(sos->vcpu[1].given_up);
	g_assert_true(sos->vcpu[1].init_req); /* it stops at its next exit */
	g_assert_false(sos->vcpu[1].start_req);
	g_assert_cmpint(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, 2), ==, 0); /* again: no harm */
	memset(&sos->vcpu[1], 0, sizeof(sos->vcpu[1]));
	sos->nr_vcpus = 1;
}

/* The whole set-up a device model does, 1000 times: nothing may leak. */
static void test_full_churn(void)
{
	u64 pages = hv_free_pages(), vpids = vpid_free_count();
	const u32 wb = ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_WB;
	unsigned runs = uvm_runs, pauses = uvm_pauses, stops = uvm_stops;
	u32 i;

	for (i = 0; i < 1000; i++) {
		g_assert_cmpint(create("full", 0x3), ==, 0);
		g_assert_cmpint(set_ioreq(param->vmid, at(IOREQ_PG)), ==, 0);
		g_assert_cmpint(map(param->vmid, ACRN_MEM_REGION_ADD, wb, UVM_GPA + i * 4096ULL,
				    at(GUEST_PG), 4096),
				==, 0);
		regs_param();
		g_assert_cmpint(hc2(ACRN_HC_SET_VCPU_REGS, param->vmid, at(P_REGS)), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_START_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_RESET_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_PAUSE_VM, param->vmid), ==, 0);
		g_assert_cmpint(hc(ACRN_HC_DESTROY_VM, param->vmid), ==, 0);
	}
	g_assert_cmpuint(hv_free_pages(), ==, pages);
	g_assert_cmpuint(vpid_free_count(), ==, vpids);
	/* the vCPUs were started, paused twice and stopped twice (reset, destroy) each round */
	g_assert_cmpuint(uvm_runs - runs, ==, 1000);
	g_assert_cmpuint(uvm_pauses - pauses, ==, 2000);
	g_assert_cmpuint(uvm_stops - stops, ==, 2000);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	setup();
	g_test_add_func("/vm-lifecycle/create-destroy", test_create_destroy);
	g_test_add_func("/vm-lifecycle/bad-parameters", test_bad_parameters);
	g_test_add_func("/vm-lifecycle/table-full-and-names", test_table_full_and_names);
	g_test_add_func("/vm-lifecycle/unprivileged", test_unprivileged);
	g_test_add_func("/vm-lifecycle/churn", test_churn);
	g_test_add_func("/vm-lifecycle/user-vm-hypercalls", test_user_vm_hypercalls);
	g_test_add_func("/vm-lifecycle/offline-cpu", test_offline_cpu);
	g_test_add_func("/vm-lifecycle/full-churn", test_full_churn);
	return g_test_run();
}
