// SPDX-License-Identifier: BSD-3-Clause
/* Page-table / EPT builder (pure; host-tested). */
#include "pgtable.h"
#include "e820.h"

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

/* Free the table @t at @level (3 = root) and every table below it. */
static void free_table(struct pgtable *pt, u64 *t, int level)
{
	int i;

	for (i = 0; level > 0 && i < 512; i++)
		if (present(pt, t[i]) && !(t[i] & PT_LARGE))
			free_table(pt, entry_table(t[i]), level - 1);
	pt->free_page(pt->ctx, t);
}

void pt_destroy(struct pgtable *pt)
{
	if (pt->root && pt->free_page)
		free_table(pt, pt->root, 3);
	pt->root = NULL;
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

/* Does the large leaf @e (covering @span) already map @va to @pa with @flags? */
static bool same_leaf(u64 e, u64 span, u64 va, u64 pa, u64 flags)
{
	u64 base = e & PT_ADDR_MASK & ~(span - 1);

	return (e & ~PT_ADDR_MASK & ~PT_LARGE) == flags && base + (va & (span - 1)) == pa;
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
			/* a table this leaf replaces goes back to the pool */
			if (level && present(pt, *e) && !(*e & PT_LARGE) && pt->free_page)
				free_table(pt, entry_table(*e), level - 1);
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
				if (same_leaf(*e, span, va, pa, flags))
					goto next; /* already mapped so: keep the large page */
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

int pt_identity_map(struct pgtable *pt, const struct e820_map *m, u64 top, u64 ram_flags,
		    u64 other_flags)
{
	u32 pass, i;
	int ret;

	ret = pt_map(pt, 0, 0, top, other_flags);
	/* RAM first, then the other entries again: firmware overlaps end up uncached */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; !ret && i < m->nr; i++) {
			const struct e820_entry *e = &m->e[i];
			bool ram = e->type == E820_RAM;
			u64 a = ram ? ALIGN_UP(e->addr, 4096) : ALIGN_DOWN(e->addr, 4096);
			u64 b = ram ? ALIGN_DOWN(e->addr + e->size, 4096)
				    : ALIGN_UP(e->addr + e->size, 4096);

			b = MIN(b, top);
			if (ram == (pass == 0) && b > a)
				ret = pt_map(pt, a, a, b - a, ram ? ram_flags : other_flags);
		}
	}
	return ret;
}

u64 pt_identity_top(const struct e820_map *m)
{
	return ALIGN_UP(MAX(GiB(4), e820_max_addr(m)), GiB(1));
}
