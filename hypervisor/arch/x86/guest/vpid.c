// SPDX-License-Identifier: BSD-3-Clause
/* VPID allocator: a bitmap of VPID_MAX tags (pure; host-tested). */
#include "vpid.h"
#include "x86.h"

static u64 used[(VPID_MAX + 1 + 63) / 64];
static u32 nr_used;
static struct spinlock lock;

void vpid_init(void)
{
	memset(used, 0, sizeof(used));
	nr_used = 0;
}

int vpid_alloc(u16 *ret_vpid)
{
	u32 i;
	int ret = -HV_ENOSPC;

	spin_lock(&lock);
	for (i = 1; i <= VPID_MAX; i++) {
		if (!(used[i / 64] & (1ULL << (i % 64)))) {
			used[i / 64] |= 1ULL << (i % 64);
			nr_used++;
			*ret_vpid = (u16)i;
			ret = 0;
			break;
		}
	}
	spin_unlock(&lock);
	return ret;
}

int vpid_free(u16 vpid)
{
	int ret = 0;

	if (vpid == 0 || vpid > VPID_MAX)
		return -HV_EINVAL;
	spin_lock(&lock);
	if (!(used[vpid / 64] & (1ULL << (vpid % 64)))) {
		ret = -HV_ENOENT;
	} else {
		used[vpid / 64] &= ~(1ULL << (vpid % 64));
		nr_used--;
	}
	spin_unlock(&lock);
	return ret;
}

u32 vpid_free_count(void)
{
	return VPID_MAX - __atomic_load_n(&nr_used, __ATOMIC_RELAXED);
}
