// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: SET_MEMSEG / UNSET_MEMSEG.
 *
 * Guest RAM is the device model's own memory (memfd, hugetlbfs or plain
 * anonymous pages).  The HSM pins it for as long as the hypervisor may map
 * it into the User VM (FOLL_LONGTERM: no migration, no swap-out) and hands
 * the hypervisor Service VM physical ranges, physically contiguous runs
 * merged (a 2 MiB huge page is one range), at most one page of ranges per
 * VM_SET_MEMORY_REGIONS hypercall.  Pages are unpinned only once the
 * hypervisor has let go of them: after UNSET_MEMSEG's region removal or the
 * VM's destruction succeeded.  If it refuses, the pins stay (counted as
 * leaked in debugfs) rather than giving the guest memory Linux reuses.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/io.h>

#include "hsm.h"
#include "hypercall.h"

#define HSM_REGIONS_PER_BATCH (PAGE_SIZE / sizeof(struct hsm_hc_region))

int hsm_pin_one_page(unsigned long uaddr, struct page **page)
{
	int ret;

	ret = pin_user_pages_fast(uaddr, 1, FOLL_WRITE | FOLL_LONGTERM, page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	atomic_long_inc(&hsm_pinned_pages);
	return 0;
}

void hsm_unpin_one_page(struct page *page)
{
	unpin_user_pages_dirty_lock(&page, 1, true);
	atomic_long_dec(&hsm_pinned_pages);
}

static int hsm_set_regions(struct hsm_vm *vm, struct hsm_hc_region *regions, u32 n,
			   struct hsm_hc_region_batch *batch)
{
	memset(batch, 0, sizeof(*batch));
	batch->vmid = vm->vmid;
	batch->regions_num = n;
	batch->regions_gpa = virt_to_phys(regions);
	return hsm_hc_result(hsm_hypercall1(ACRN_HC_VM_SET_MEMORY_REGIONS, virt_to_phys(batch)));
}

/* One region operation on [gpa, gpa + size): MMIO maps and every removal. */
static int hsm_one_region(struct hsm_vm *vm, u32 op, u32 attr, u64 gpa, u64 service_pa, u64 size)
{
	struct hsm_hc_region *region;
	struct hsm_hc_region_batch *batch;
	int ret = -ENOMEM;

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	batch = kzalloc(sizeof(*batch), GFP_KERNEL);
	if (region && batch) {
		region->type = op;
		region->attr = attr;
		region->user_vm_pa = gpa;
		region->service_vm_pa = service_pa;
		region->size = size;
		ret = hsm_set_regions(vm, region, 1, batch);
	}
	kfree(batch);
	kfree(region);
	return ret;
}

/*
 * Maps pages[0..nr) at guest-physical gpa in batches.  On failure, what the
 * earlier batches mapped is removed again; *undo_failed tells the caller
 * that the removal failed too, so the pages must stay pinned.
 */
static int hsm_map_pages(struct hsm_vm *vm, u64 gpa, struct page **pages, unsigned long nr,
			 u32 attr, bool *undo_failed)
{
	struct hsm_hc_region *regions;
	struct hsm_hc_region_batch *batch;
	unsigned long i = 0, mapped = 0;
	u32 n = 0;
	int ret = 0;

	*undo_failed = false;
	regions = (struct hsm_hc_region *)__get_free_page(GFP_KERNEL);
	batch = kzalloc(sizeof(*batch), GFP_KERNEL);
	if (!regions || !batch) {
		ret = -ENOMEM;
		goto out;
	}
	while (i < nr) {
		phys_addr_t start = page_to_phys(pages[i]);
		unsigned long run = 1;

		while (i + run < nr && page_to_phys(pages[i + run]) == start + run * PAGE_SIZE)
			run++;
		regions[n].type = ACRN_MEM_REGION_ADD;
		regions[n].attr = attr;
		regions[n].user_vm_pa = gpa + (u64)i * PAGE_SIZE;
		regions[n].service_vm_pa = start;
		regions[n].size = (u64)run * PAGE_SIZE;
		n++;
		i += run;
		if (n == HSM_REGIONS_PER_BATCH || i == nr) {
			ret = hsm_set_regions(vm, regions, n, batch);
			if (ret)
				break;
			mapped = i;
			n = 0;
		}
	}
	if (ret && mapped &&
	    hsm_one_region(vm, ACRN_MEM_REGION_DEL, 0, gpa, 0, (u64)mapped * PAGE_SIZE)) {
		pr_err("acrn_hsm: vm %u: cannot undo a partial SET_MEMSEG at %#llx\n", vm->vmid,
		       gpa);
		*undo_failed = true;
	}
out:
	kfree(batch);
	free_page((unsigned long)regions);
	return ret;
}

static void hsm_memseg_unpin(struct hsm_vm *vm, struct hsm_memseg *seg)
{
	unpin_user_pages_dirty_lock(seg->pages, seg->nr_pages, true);
	atomic_long_sub(seg->nr_pages, &hsm_pinned_pages);
	vm->pinned_pages -= seg->nr_pages;
	kvfree(seg->pages);
	seg->pages = NULL;
}

static bool hsm_ranges_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	return a < b + blen && b < a + alen;
}

static int hsm_set_ram(struct hsm_vm *vm, struct acrn_vm_memmap *map)
{
	struct hsm_memseg *seg;
	struct page **pages;
	unsigned long nr;
	unsigned int i;
	bool undo_failed;
	int pinned, ret;

	if (map->attr & ~(ACRN_MEM_ACCESS_RIGHT_MASK | ACRN_MEM_TYPE_MASK))
		return -EINVAL;
	if (!map->len || !PAGE_ALIGNED(map->len) || !PAGE_ALIGNED(map->user_vm_pa) ||
	    !PAGE_ALIGNED(map->vma_base))
		return -EINVAL;
	if (map->user_vm_pa + map->len < map->user_vm_pa ||
	    map->vma_base + map->len < map->vma_base)
		return -EINVAL;
	nr = map->len >> PAGE_SHIFT;
	if (nr > INT_MAX || nr > totalram_pages())
		return -ENOMEM;
	if (vm->nr_memsegs >= HSM_MAX_MEMSEGS)
		return -ENOMEM;
	for (i = 0; i < vm->nr_memsegs; i++)
		if (hsm_ranges_overlap(map->user_vm_pa, map->len, vm->memsegs[i].user_vm_pa,
				       vm->memsegs[i].len))
			return -EEXIST;

	pages = kvmalloc_array(nr, sizeof(*pages), GFP_KERNEL | __GFP_NOWARN);
	if (!pages)
		return -ENOMEM;
	pinned = pin_user_pages_fast(map->vma_base, nr, FOLL_WRITE | FOLL_LONGTERM, pages);
	if (pinned < 0) {
		ret = pinned;
		goto out_free;
	}
	if (pinned != nr) {
		unpin_user_pages(pages, pinned);
		ret = -EFAULT;
		goto out_free;
	}
	atomic_long_add(nr, &hsm_pinned_pages);
	vm->pinned_pages += nr;

	/* RAM is write-back whatever the caller asked; only its access bits count. */
	ret = hsm_map_pages(vm, map->user_vm_pa, pages, nr,
			    ACRN_MEM_TYPE_WB | (map->attr & ACRN_MEM_ACCESS_RIGHT_MASK),
			    &undo_failed);
	if (ret) {
		if (undo_failed) {
			pr_err("acrn_hsm: vm %u: %lu pages stay pinned\n", vm->vmid, nr);
			atomic_long_add(nr, &hsm_leaked_pages);
			kvfree(pages);
			return ret;
		}
		unpin_user_pages_dirty_lock(pages, nr, false);
		atomic_long_sub(nr, &hsm_pinned_pages);
		vm->pinned_pages -= nr;
		goto out_free;
	}
	seg = &vm->memsegs[vm->nr_memsegs++];
	seg->user_vm_pa = map->user_vm_pa;
	seg->len = map->len;
	seg->vma_base = map->vma_base;
	seg->attr = map->attr;
	seg->pages = pages;
	seg->nr_pages = nr;
	return 0;

out_free:
	kvfree(pages);
	return ret;
}

static int hsm_check_mmio(struct acrn_vm_memmap *map)
{
	if (map->attr & ~ACRN_MEM_ACCESS_RIGHT_MASK)
		return -EINVAL;
	if (!map->len || !PAGE_ALIGNED(map->len) || !PAGE_ALIGNED(map->user_vm_pa) ||
	    !PAGE_ALIGNED(map->service_vm_pa))
		return -EINVAL;
	if (map->user_vm_pa + map->len < map->user_vm_pa ||
	    map->service_vm_pa + map->len < map->service_vm_pa)
		return -EINVAL;
	return 0;
}

int hsm_set_memseg(struct hsm_vm *vm, struct acrn_vm_memmap *map)
{
	int ret;

	switch (map->type) {
	case ACRN_MEMMAP_RAM:
		return hsm_set_ram(vm, map);
	case ACRN_MEMMAP_MMIO:
		ret = hsm_check_mmio(map);
		if (ret)
			return ret;
		return hsm_one_region(vm, ACRN_MEM_REGION_ADD, ACRN_MEM_TYPE_UC | map->attr,
				      map->user_vm_pa, map->service_vm_pa, map->len);
	default:
		return -EINVAL;
	}
}

/*
 * UNSET_MEMSEG: Linux's HSM removes MMIO mappings only; guest RAM is also
 * accepted here, for exactly a segment SET_MEMSEG mapped (same user_vm_pa
 * and len), and unpinned once the hypervisor removed the mapping.
 */
int hsm_unset_memseg(struct hsm_vm *vm, struct acrn_vm_memmap *map)
{
	unsigned int i;
	int ret;

	switch (map->type) {
	case ACRN_MEMMAP_MMIO:
		ret = hsm_check_mmio(map);
		if (ret)
			return ret;
		return hsm_one_region(vm, ACRN_MEM_REGION_DEL, 0, map->user_vm_pa, 0, map->len);
	case ACRN_MEMMAP_RAM:
		for (i = 0; i < vm->nr_memsegs; i++) {
			struct hsm_memseg *seg = &vm->memsegs[i];

			if (seg->user_vm_pa != map->user_vm_pa || seg->len != map->len)
				continue;
			ret = hsm_one_region(vm, ACRN_MEM_REGION_DEL, 0, seg->user_vm_pa, 0,
					     seg->len);
			if (ret)
				return ret;
			hsm_memseg_unpin(vm, seg);
			vm->memsegs[i] = vm->memsegs[--vm->nr_memsegs];
			return 0;
		}
		return -ENOENT;
	default:
		return -EINVAL;
	}
}

/* After the hypervisor destroyed the VM: nothing maps these pages any more. */
void hsm_unpin_all_memsegs(struct hsm_vm *vm)
{
	while (vm->nr_memsegs)
		hsm_memseg_unpin(vm, &vm->memsegs[--vm->nr_memsegs]);
}

/* The hypervisor kept the VM: its memory stays pinned for good. */
void hsm_leak_all_memsegs(struct hsm_vm *vm)
{
	while (vm->nr_memsegs) {
		struct hsm_memseg *seg = &vm->memsegs[--vm->nr_memsegs];

		atomic_long_add(seg->nr_pages, &hsm_leaked_pages);
		kvfree(seg->pages);
		seg->pages = NULL;
	}
}
