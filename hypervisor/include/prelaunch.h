/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-launched VMs (ACRN's partitioned mode): VMs the hypervisor starts at
 * boot from multiboot2 modules, each with its own RAM carved out of the
 * platform and its own pCPU hidden from the Service VM, and no device
 * model: ports and MMIO nobody owns read as all ones, the console is a
 * vUART the hypervisor owns (dm/vuart.c), S5 powers the VM off.  A module
 * becomes one when its string reads
 *
 *   prelaunched_vm name=NAME mem=SIZE[M|G] [cpus=N] [-- KERNEL COMMAND LINE]
 *
 * and holds a Linux kernel (bzImage or ELF).  With cpus=N it gets N pCPUs,
 * one vCPU each; vCPU 0 boots, the others wait for INIT/STARTUP from it.  The Service VM cannot
 * reach them: they are not User VMs, no hypercall names them.
 */
#ifndef HV_PRELAUNCH_H
#define HV_PRELAUNCH_H

#include "lib.h"
#include "e820.h"

#define PRELAUNCH_MAX	      2
#define PRELAUNCH_MAX_VCPUS   4
#define PRELAUNCH_KEYWORD     "prelaunched_vm"
#define PRELAUNCH_NAME_MAX    32
#define PRELAUNCH_CMDLINE_MAX 1024

struct boot_module;
struct vuart;

struct prelaunch_cfg {
	char name[PRELAUNCH_NAME_MAX];
	u64 mem;  /* bytes, a multiple of 2 MiB */
	u32 cpus; /* vCPUs, each on a pCPU of its own; 1 unless cpus= */
	char cmdline[PRELAUNCH_CMDLINE_MAX];
};

/*
 * Parse a module string.  1: not a pre-launched VM's module; 0: @cfg
 * filled; -EINVAL: malformed, with the reason in @err.
 */
int prelaunch_parse(const char *s, struct prelaunch_cfg *cfg, char *err, size_t err_size);
/* Whether module @m is a pre-launched VM's (the Service VM loader skips those). */
bool prelaunch_is_module(const struct boot_module *m);

/*
 * Before the Service VM is loaded: take each pre-launched VM's RAM out of
 * @sos_mmap and load its kernel there (the modules are still intact).
 * A VM that cannot be set up is reported and left out; returns how many
 * are ready.
 */
u32 prelaunch_load(struct e820_map *sos_mmap);
/*
 * After the APs are up, before the Service VM is created: give each
 * loaded VM its cpus= highest pCPUs still free (never pCPU 0), hide those
 * CPUs in the MADT the Service VM reads, and tell their APs to wait for
 * the VM.  A VM that cannot have them all gets none and is left out.
 * Returns how many pCPUs the Service VM keeps.
 */
u32 prelaunch_claim_pcpus(void);
/* Once the Service VM exists: create and start every VM that has a pCPU. */
void prelaunch_start(void);
/* The vUART of VM @vm_id if it is a pre-launched VM, else NULL (debug shell). */
struct vuart *prelaunch_vuart(u16 vm_id);

#endif
