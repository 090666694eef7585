// SPDX-License-Identifier: BSD-3-Clause
/* Page-table / EPT builder (pure; host-tested). */
#include "pgtable.h"

static inline u64 *entry_table(u64 e)
{
	return (u64 *)(uintptr_t)(e & PT_ADDR_MASK);
}

int pt_init(struct pgtable *pt)
{
	pt->root = pt->alloc_page(pt->ctx);
	return pt->root ? 0 : -HV_ENOMEM;
}

static bool present(const struct pgtable *pt, u64 e)
{
	return (e & pt->present_mask) != 0;
}

/* Replace a large leaf at @level by a table of 512 smaller leaves. */
static int split(struct pgtable *pt, u64 *e, int level)
{
	u64 *t = pt->alloc_page(pt->ctx);
	u64 child = 1ULL << (12 + 9 * (level - 1));
	u64 base = *e & PT_ADDR_MASK & ~(child * 512 - 1);
	u64 flags = *e & ~PT_ADDR_MASK & ~PT_LARGE;
	int i;

	if (!t)
		return -HV_ENOMEM;
	if (level - 1 > 0)
		flags |= PT_LARGE;
	for (i = 0; i < 512; i++)
		t[i] = (base + i * child) | flags;
	*e = (u64)(uintptr_t)t | pt->table_flags;
	return 0;
}

static int map_level(struct pgtable *pt, u64 *table, int level, u64 va, u64 pa, u64 size, u64 flags)
{
	u64 span = 1ULL << (12 + 9 * level);

	while (size) {
		u64 *e = &table[(va >> (12 + 9 * level)) & 511];
		u64 chunk = MIN(size, span - (va & (span - 1)));
		bool leaf_ok = level == 0 || level == 1 || (level == 2 && pt->allow_1g);
		int ret;

		if (leaf_ok && chunk == span && !(pa & (span - 1))) {
			/* tables under a replaced entry are leaked: rare, small */
			*e = flags ? (pa | flags | (level ? PT_LARGE : 0)) : 0;
		} else {
			if (!present(pt, *e)) {
				u64 *t;

				if (!flags)
					goto next; /* nothing to unmap */
				t = pt->alloc_page(pt->ctx);
				if (!t)
					return -HV_ENOMEM;
				*e = (u64)(uintptr_t)t | pt->table_flags;
			} else if (*e & PT_LARGE) {
				ret = split(pt, e, level);
				if (ret)
					return ret;
			}
			ret = map_level(pt, entry_table(*e), level - 1, va, pa, chunk, flags);
			if (ret)
				return ret;
		}
	next:
		va += chunk;
		pa += chunk;
		size -= chunk;
	}
	return 0;
}

int pt_map(struct pgtable *pt, u64 va, u64 pa, u64 size, u64 flags)
{
	if ((va | pa | size) & 0xfff)
		return -HV_EINVAL;
	if (va + size < va || va + size > (1ULL << 48))
		return -HV_EINVAL;
	return map_level(pt, pt->root, 3, va, pa, size, flags);
}

int pt_lookup(const struct pgtable *pt, u64 va, u64 *ret_pa, u64 *ret_flags)
{
	const u64 *table = pt->root;
	int level;

	for (level = 3; level >= 0; level--) {
		u64 e = table[(va >> (12 + 9 * level)) & 511];
		u64 span = 1ULL << (12 + 9 * level);

		if (!present(pt, e))
			return -HV_ENOENT;
		if (level == 0 || (e & PT_LARGE)) {
			*ret_pa = (e & PT_ADDR_MASK & ~(span - 1)) | (va & (span - 1));
			*ret_flags = e & ~PT_ADDR_MASK & ~(level ? PT_LARGE : 0);
			return 0;
		}
		table = entry_table(e);
	}
	return -HV_ENOENT;
}
