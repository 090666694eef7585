// SPDX-License-Identifier: BSD-3-Clause
/*
 * A User VM's interrupt controllers attached to the VM (virq_io.h).  A
 * User VM traps every port and its EPT maps only what the Service VM gave
 * it, never the APIC or IOAPIC pages, so entries in the VM's I/O tables
 * are all it takes for the guest's accesses to reach these handlers.  A
 * malformed access (size, alignment, offset) reads all ones and writes
 * nothing, as a bus with no decoder there would.  The handlers find the
 * controllers through the vCPU's VM, not @ctx, so a caller that passes no
 * context (a decoder calling the range's handler directly) works too.
 */
#include "hv.h"
#include "virq_io.h"
#include "virq.h"
#include "io_emul.h"
#include "page_alloc.h"
#include "vm.h"

_Static_assert(sizeof(struct virq) <= PAGE_SIZE, "the controllers take one page");
_Static_assert(VIRQ_MAX_VCPUS >= MAX_VCPUS_PER_VM, "a vLAPIC per vCPU");

u64 vcpu_guest_tsc(const struct vcpu *v)
{
	return rdtsc() + v->tsc_offset;
}

static u64 all_ones(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Run a 32-bit model access for @a; reads that fail return all ones. */
static void finish(struct io_access *a, int ret, u32 val)
{
	if (!a->write)
		a->value = ret ? all_ones(a->size) : val;
}

static int lapic_mmio(struct vcpu *v, struct io_access *a, void *ctx)
{
	u32 val = (u32)a->value;
	int ret = virq_lapic_mmio(v->vm->virq, v->id, (u32)(a->addr - VLAPIC_MMIO_BASE), a->size,
				  a->write, &val, vcpu_guest_tsc(v));

	finish(a, ret, val);
	return 0;
}

static int ioapic_mmio(struct vcpu *v, struct io_access *a, void *ctx)
{
	u32 val = (u32)a->value;
	int ret =
	    virq_ioapic_mmio(v->vm->virq, (u32)(a->addr - VIOAPIC_BASE), a->size, a->write, &val);

	finish(a, ret, val);
	return 0;
}

static int pic_pio(struct vcpu *v, struct io_access *a, void *ctx)
{
	u32 val = (u32)a->value;
	int ret = virq_pic_pio(v->vm->virq, (u16)a->addr, a->size, a->write, &val);

	finish(a, ret, val);
	return 0;
}

static const struct {
	bool mmio;
	u64 base, len;
	io_handler_fn fn;
} ranges[] = {
    {true, VLAPIC_MMIO_BASE, 4096, lapic_mmio},
    {true, VIOAPIC_BASE, VIOAPIC_SIZE, ioapic_mmio},
    {false, 0x20, 2, pic_pio},
    {false, 0xa0, 2, pic_pio},
    {false, 0x4d0, 2, pic_pio},
};

static void unregister(struct vm *vm, u32 n)
{
	while (n--)
		io_table_remove(ranges[n].mmio ? &vm->mmio : &vm->pio, ranges[n].base);
}

int vm_virq_create(struct vm *vm)
{
	struct virq *q = alloc_page(NULL);
	u32 i;
	int ret;

	if (!q)
		return -HV_ENOMEM;
	ret = virq_init(q, vm->nr_vcpus, NULL, hv.tsc_khz * 1000);
	if (ret)
		goto err_page;
	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		ret = io_table_add(ranges[i].mmio ? &vm->mmio : &vm->pio, ranges[i].base,
				   ranges[i].len, ranges[i].fn, NULL);
		if (ret)
			goto err_ranges;
	}
	vm->virq = q;
	return 0;

err_ranges:
	unregister(vm, i);
err_page:
	free_page(NULL, q);
	return ret;
}

void vm_virq_destroy(struct vm *vm)
{
	if (!vm->virq)
		return;
	unregister(vm, ARRAY_SIZE(ranges));
	free_page(NULL, vm->virq);
	vm->virq = NULL;
}

void vm_virq_place(struct vm *vm)
{
	u32 i;

	if (!vm->virq)
		return;
	spin_lock(&vm->virq->lock);
	for (i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpu[i].pcpu < hv.nr_pcpus)
			vm->virq->lapic[i].id = hv.pcpu[vm->vcpu[i].pcpu].apic_id;
	spin_unlock(&vm->virq->lock);
}

u32 vcpu_apic_id(const struct vcpu *v)
{
	return v->vm->virq ? v->vm->virq->lapic[v->id].id : v->id;
}

int vlapic_handle_msr(struct vcpu *v, u32 msr, bool write, u64 *val)
{
	if (!v->vm->virq)
		return -HV_ENOENT;
	return virq_lapic_msr(v->vm->virq, v->id, msr, write, val, vcpu_guest_tsc(v));
}
