/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VPID allocator: every vCPU gets its own tag for the TLB while it exists
 * and gives it back when its VM is destroyed (pure; host-tested).
 */
#ifndef HV_VPID_H
#define HV_VPID_H

#include "lib.h"

/* VPIDs 1..VPID_MAX are handed out; 0 is the host's. */
#define VPID_MAX 255

void vpid_init(void);
/* -ENOSPC when all are in use. */
int vpid_alloc(u16 *ret_vpid);
/* -EINVAL for 0 or out of range, -ENOENT if @vpid is not allocated. */
int vpid_free(u16 vpid);
u32 vpid_free_count(void);

#endif
