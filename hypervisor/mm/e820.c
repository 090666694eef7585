// SPDX-License-Identifier: BSD-3-Clause
/* e820 map building and carving: pure logic, unit-tested on the host. */
#include "e820.h"

int e820_add(struct e820_map *m, u64 addr, u64 size, u32 type)
{
	if (size == 0)
		return 0;
	if (m->nr >= E820_MAX)
		return -HV_ENOSPC;
	m->e[m->nr].addr = addr;
	m->e[m->nr].size = size;
	m->e[m->nr].type = type;
	m->nr++;
	return 0;
}

void e820_normalize(struct e820_map *m)
{
	u32 i, j, out = 0;

	/* insertion sort: maps have a few dozen entries */
	for (i = 1; i < m->nr; i++) {
		struct e820_entry t = m->e[i];

		for (j = i; j > 0 && m->e[j - 1].addr > t.addr; j--)
			m->e[j] = m->e[j - 1];
		m->e[j] = t;
	}
	for (i = 0; i < m->nr; i++) {
		struct e820_entry *prev = out ? &m->e[out - 1] : NULL;

		if (m->e[i].size == 0)
			continue;
		if (prev && prev->type == m->e[i].type && prev->addr + prev->size >= m->e[i].addr) {
			u64 end = MAX(prev->addr + prev->size, m->e[i].addr + m->e[i].size);

			prev->size = end - prev->addr;
			continue;
		}
		m->e[out++] = m->e[i];
	}
	m->nr = out;
}

int e820_set_type(struct e820_map *m, u64 start, u64 end, u32 type)
{
	struct e820_map tmp;
	u32 i;
	int ret;

	if (end <= start)
		return -HV_EINVAL;
	tmp.nr = 0;
	for (i = 0; i < m->nr; i++) {
		u64 a = m->e[i].addr, b = a + m->e[i].size;
		u32 t = m->e[i].type;

		if (b <= start || a >= end) {
			ret = e820_add(&tmp, a, b - a, t);
		} else {
			ret = e820_add(&tmp, a, start > a ? start - a : 0, t);
			if (!ret)
				ret = e820_add(&tmp, MAX(a, start), MIN(b, end) - MAX(a, start),
					       type);
			if (!ret && b > end)
				ret = e820_add(&tmp, end, b - end, t);
		}
		if (ret)
			return ret;
	}
	e820_normalize(&tmp);
	*m = tmp;
	return 0;
}

u64 e820_ram_total(const struct e820_map *m)
{
	u64 sum = 0;
	u32 i;

	for (i = 0; i < m->nr; i++)
		if (m->e[i].type == E820_RAM)
			sum += m->e[i].size;
	return sum;
}

u64 e820_max_addr(const struct e820_map *m)
{
	u64 max = 0;
	u32 i;

	for (i = 0; i < m->nr; i++)
		max = MAX(max, m->e[i].addr + m->e[i].size);
	return max;
}

bool e820_is_ram(const struct e820_map *m, u64 start, u64 end)
{
	u32 i;

	/* the map is normalized, so adjacent RAM entries are merged */
	for (i = 0; i < m->nr; i++)
		if (m->e[i].type == E820_RAM && m->e[i].addr <= start &&
		    end <= m->e[i].addr + m->e[i].size)
			return true;
	return false;
}

int e820_find_top(const struct e820_map *m, u64 size, u64 align, u64 floor, u64 limit,
		  u64 *ret_addr)
{
	u64 best = 0;
	bool found = false;
	u32 i;

	for (i = 0; i < m->nr; i++) {
		u64 a = MAX(m->e[i].addr, floor), b = MIN(m->e[i].addr + m->e[i].size, limit);
		u64 cand;

		if (m->e[i].type != E820_RAM || b <= a || b - a < size)
			continue;
		cand = ALIGN_DOWN(b - size, align);
		if (cand < a)
			continue;
		if (!found || cand > best) {
			best = cand;
			found = true;
		}
	}
	if (!found)
		return -HV_ENOMEM;
	*ret_addr = best;
	return 0;
}
