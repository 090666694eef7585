/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A 4-level page-table builder shared by the EPT and the x86 page tables.
 * Both formats use bits 0-2 as "present" (EPT R/W/X, x86 P/RW/US) and bit 7
 * as the large-page bit, so one builder serves both.
 */
#ifndef HV_PGTABLE_H
#define HV_PGTABLE_H

#include "lib.h"

#define PT_LARGE     (1ULL << 7)
#define PT_ADDR_MASK 0x000ffffffffff000ULL

/* EPT leaf attributes */
#define EPT_R	1ULL
#define EPT_W	2ULL
#define EPT_X	4ULL
#define EPT_RWX 7ULL
#define EPT_UC	(0ULL << 3)
#define EPT_WB	(6ULL << 3)

/* x86 paging attributes */
#define PTE_P  1ULL
#define PTE_RW 2ULL

struct pgtable {
	u64 *root;
	u64 present_mask; /* 7 for EPT, 1 for x86 paging */
	u64 table_flags;  /* flags for non-leaf entries */
	bool allow_1g;
	/* returns a zeroed 4 KiB page, identity-addressable, or NULL */
	void *(*alloc_page)(void *ctx);
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
/* Translate @va; returns 0 with the physical address and leaf flags, or -ENOENT. */
int pt_lookup(const struct pgtable *pt, u64 va, u64 *ret_pa, u64 *ret_flags);

#endif
