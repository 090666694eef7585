/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 4-level page-table builder shared by the EPT and the x86 page tables.
 * Both formats use bits 0-2 as "present" (EPT R/W/X, x86 P/RW/US) and bit 7
 * as the large-page bit, so one builder serves both.
 */
#ifndef HV_PGTABLE_H
#define HV_PGTABLE_H

#include "lib.h"
#include "e820.h"

#define PT_LARGE     (1ULL << 7)
#define PT_ADDR_MASK 0x000ffffffffff000ULL

/*
 * EPT leaf attributes.  Bits 5:3 are the EPT memory type; "ignore PAT"
 * (bit 6) stays clear, so the guest's PAT still combines with it the way
 * the MTRRs would natively (SDM 29.3.7.2): UC for MMIO (a guest WC mapping
 * of a frame buffer stays WC), WB for RAM (the guest's own type wins).
 */
#define EPT_R	1ULL
#define EPT_W	2ULL
#define EPT_X	4ULL
#define EPT_RWX 7ULL
#define EPT_UC	(0ULL << 3)
#define EPT_WB	(6ULL << 3)

/*
 * x86 paging attributes.  The memory type comes from PCD/PWT indexing the
 * power-on IA32_PAT (which the hypervisor loads): 0 = WB, PCD|PWT = UC.
 * The PAT bit itself is never used, so 4 KiB and large leaves agree.
 */
#define PTE_P	     1ULL
#define PTE_RW	     2ULL
#define PTE_PWT	     (1ULL << 3)
#define PTE_PCD	     (1ULL << 4)
#define PTE_UC	     (PTE_PCD | PTE_PWT)
#define PAT_POWER_ON 0x0007040600070406ULL

struct pgtable {
	u64 *root;
	u64 present_mask; /* 7 for EPT, 1 for x86 paging */
	u64 table_flags;  /* flags for non-leaf entries */
	bool allow_1g;
	/* returns a zeroed 4 KiB page, identity-addressable, or NULL */
	void *(*alloc_page)(void *ctx);
	/* gives a table page back; NULL: tables are never freed */
	void (*free_page)(void *ctx, void *page);
	void *ctx;
};

/* Allocate the root; -ENOMEM on failure. */
int pt_init(struct pgtable *pt);
/*
 * Map [va, va+size) to pa with leaf @flags (0 = unmap), using the largest
 * pages alignment allows and splitting existing large pages when needed.
 * va, pa and size must be 4 KiB aligned.
 */
int pt_map(struct pgtable *pt, u64 va, u64 pa, u64 size, u64 flags);
/*
 * Identity map [0, top): every page entirely inside a RAM entry of @m gets
 * @ram_flags, everything else (MMIO, firmware, holes, partial RAM pages)
 * @other_flags.  @top must be 4 KiB aligned.
 */
int pt_identity_map(struct pgtable *pt, const struct e820_map *m, u64 top, u64 ram_flags,
		    u64 other_flags);
/* The usual identity-map end: max(4 GiB, end of the highest e820 entry), GiB aligned. */
u64 pt_identity_top(const struct e820_map *m);
/* Free every table page (with free_page), the root too; the leaves' memory is not ours. */
void pt_destroy(struct pgtable *pt);
/* Translate @va; returns 0 with the physical address and leaf flags, or -ENOENT. */
int pt_lookup(const struct pgtable *pt, u64 va, u64 *ret_pa, u64 *ret_flags);

#endif
