// SPDX-License-Identifier: BSD-3-Clause
/* Reading and writing guest memory from the hypervisor (identity-mapped VMs). */
#include "hv.h"
#include "guest_mem.h"
#include "vm.h"

#define PTE_PRESENT 1ULL
#define CR4_LA57    (1ULL << 12)

bool gpa_is_guest_ram(const struct vm *vm, u64 gpa, u64 len)
{
	if (len == 0 || gpa + len < gpa)
		return false;
	/* also carved out of the VM's map: checked again, a mistake here is fatal */
	if (hv_range_overlaps(gpa, len))
		return false;
	return e820_is_ram(&vm->mmap, gpa, gpa + len);
}

/* The VM is identity-mapped, so a checked GPA is the HPA. */
int copy_to_gpa(struct vm *vm, u64 gpa, const void *src, u64 len)
{
	if (!gpa_is_guest_ram(vm, gpa, len))
		return -HV_EFAULT;
	memcpy((void *)(uintptr_t)gpa, src, len);
	return 0;
}

int copy_from_gpa(struct vm *vm, void *dst, u64 gpa, u64 len)
{
	if (!gpa_is_guest_ram(vm, gpa, len))
		return -HV_EFAULT;
	memcpy(dst, (const void *)(uintptr_t)gpa, len);
	return 0;
}

/*
 * A host pointer to [gpa, gpa + len) of @vm, readable (and writable if
 * @write) by the guest through its EPT (within one page for a User VM,
 * whose RAM is wherever its EPT points), or NULL.
 */
static void *gpa_ptr(const struct vm *vm, u64 gpa, u64 len, bool write)
{
	u64 hpa, flags;

	if (!vm_is_isolated(vm))
		return gpa_is_guest_ram(vm, gpa, len) ? (void *)(uintptr_t)gpa : NULL;
	if (!len || (gpa & 0xfff) + len > 4096 || pt_lookup(&vm->ept, gpa, &hpa, &flags) ||
	    !(flags & EPT_R) || (write && !(flags & EPT_W)) || hv_range_overlaps(hpa, len))
		return NULL;
	return (void *)(uintptr_t)hpa;
}

int gva_to_gpa(const struct vm *vm, const struct guest_paging *pg, u64 gva, u64 *ret_gpa)
{
	u64 table = pg->cr3 & PT_ADDR_MASK;
	int level;

	if (!(pg->cr0 & CR0_PG)) {
		*ret_gpa = gva;
		return 0;
	}
	if (!(pg->efer & EFER_LMA) || (pg->cr4 & CR4_LA57))
		return -HV_ENOSYS; /* only 4-level long-mode paging */
	for (level = 3; level >= 0; level--) {
		u64 e, span = 1ULL << (12 + 9 * level);

		const u64 *t = gpa_ptr(vm, table, 4096, false);

		/* the guest's page tables must be its own RAM */
		if (!t)
			return -HV_EFAULT;
		e = t[(gva >> (12 + 9 * level)) & 511];
		if (!(e & PTE_PRESENT))
			return -HV_EFAULT;
		if (level == 0 || ((level == 1 || level == 2) && (e & PT_LARGE))) {
			*ret_gpa = (e & PT_ADDR_MASK & ~(span - 1)) | (gva & (span - 1));
			return 0;
		}
		table = e & PT_ADDR_MASK;
	}
	return -HV_EFAULT;
}

u32 fetch_insn(const struct vm *vm, const struct guest_paging *pg, u64 rip, u8 *buf, u32 max)
{
	u32 n = 0;

	/* one translation per page, not per byte: an MMIO exit's decode is on the EOI path */
	while (n < max) {
		const u8 *b;
		u64 gpa;
		u32 chunk;

		if (gva_to_gpa(vm, pg, rip + n, &gpa))
			break;
		chunk = MIN(max - n, 4096 - (u32)(gpa & 0xfff));
		b = gpa_ptr(vm, gpa, chunk, false);
		if (!b)
			break;
		memcpy(buf + n, b, chunk);
		n += chunk;
	}
	return n;
}

/* One pass over [gva, gva + len): check every page (@copy false) or copy. */
static int walk_gva(const struct vm *vm, const struct guest_paging *pg, u64 gva, u8 *buf, u32 len,
		    bool to_guest, bool copy)
{
	u32 n = 0;

	while (n < len) {
		u64 gpa;
		u32 chunk;
		u8 *g;

		if (gva_to_gpa(vm, pg, gva + n, &gpa))
			return -HV_EFAULT;
		chunk = MIN(len - n, 4096 - (u32)(gpa & 0xfff));
		g = gpa_ptr(vm, gpa, chunk, to_guest);
		if (!g)
			return -HV_EFAULT;
		if (copy && to_guest)
			memcpy(g, buf + n, chunk);
		else if (copy)
			memcpy(buf + n, g, chunk);
		n += chunk;
	}
	return 0;
}

int gva_check(const struct vm *vm, const struct guest_paging *pg, u64 gva, u32 len, bool write)
{
	return walk_gva(vm, pg, gva, NULL, len, write, false);
}

int copy_gva(const struct vm *vm, const struct guest_paging *pg, u64 gva, void *buf, u32 len,
	     bool to_guest)
{
	/* every page checked first: a fault must leave guest memory as it was */
	int ret = walk_gva(vm, pg, gva, buf, len, to_guest, false);

	return ret ? ret : walk_gva(vm, pg, gva, buf, len, to_guest, true);
}
