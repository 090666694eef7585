// SPDX-License-Identifier: BSD-3-Clause
/* Range -> handler tables for port I/O and MMIO emulation (pure; host-tested). */
#include "io_emul.h"

int io_table_add(struct io_table *t, u64 base, u64 len, io_handler_fn fn, void *ctx)
{
	u32 i;

	if (!len || base + len < base || !fn)
		return -HV_EINVAL;
	for (i = 0; i < t->nr; i++)
		if (base < t->r[i].base + t->r[i].len && t->r[i].base < base + len)
			return -HV_EEXIST;
	if (t->nr >= IO_MAX_RANGES)
		return -HV_ENOSPC;
	t->r[t->nr].base = base;
	t->r[t->nr].len = len;
	t->r[t->nr].fn = fn;
	t->r[t->nr].ctx = ctx;
	t->nr++;
	return 0;
}

int io_table_remove(struct io_table *t, u64 base)
{
	u32 i;

	for (i = 0; i < t->nr; i++) {
		if (t->r[i].base == base) {
			t->r[i] = t->r[--t->nr];
			return 0;
		}
	}
	return -HV_ENOENT;
}

const struct io_range *io_table_find(const struct io_table *t, u64 addr)
{
	u32 i;

	for (i = 0; i < t->nr; i++)
		if (addr - t->r[i].base < t->r[i].len)
			return &t->r[i];
	return NULL;
}
