/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Access to guest memory from the hypervisor.  The Service VM is
 * identity-mapped (guest-physical = host-physical) over its own RAM, so a
 * GPA that lies wholly in its RAM and outside the hypervisor is usable as
 * is; an isolated VM's (User, pre-launched) goes through its EPT.
 */
#ifndef HV_GUEST_MEM_H
#define HV_GUEST_MEM_H

#include "lib.h"

struct vm;

/* Is [gpa, gpa + len) non-empty, in one RAM entry of @vm and outside the hypervisor? */
bool gpa_is_guest_ram(const struct vm *vm, u64 gpa, u64 len);
int copy_to_gpa(struct vm *vm, u64 gpa, const void *src, u64 len);
int copy_from_gpa(struct vm *vm, void *dst, u64 gpa, u64 len);
/* The guest's paging mode, as of the exit being handled. */
struct guest_paging {
	u64 cr0, cr3, cr4, efer;
};

/* Guest-virtual to guest-physical through the guest's page tables (4-level or none). */
int gva_to_gpa(const struct vm *vm, const struct guest_paging *pg, u64 gva, u64 *ret_gpa);
/*
 * Copy @len bytes between @buf and the guest's linear address @gva
 * (@to_guest: into the guest, which needs write permission): 0, or
 * -EFAULT with nothing copied when a byte is not mapped in its RAM.
 */
int copy_gva(const struct vm *vm, const struct guest_paging *pg, u64 gva, void *buf, u32 len,
	     bool to_guest);
/* 0 if copy_gva() of @len bytes at @gva (@write: into the guest) would succeed, else -EFAULT. */
int gva_check(const struct vm *vm, const struct guest_paging *pg, u64 gva, u32 len, bool write);
/* Copy up to @max instruction bytes at guest RIP @rip; returns how many were readable. */
u32 fetch_insn(const struct vm *vm, const struct guest_paging *pg, u64 rip, u8 *buf, u32 max);

#endif
