/* SPDX-License-Identifier: BSD-3-Clause */
/* Core hypervisor types: the platform the hypervisor found and its physical CPUs. */
#ifndef HV_HV_H
#define HV_HV_H

#include "lib.h"
#include "log.h"
#include "x86.h"
#include "acpi.h"
#include "bootinfo.h"
#include "cmdline.h"
#include "pgtable.h"

#define HV_VERSION    "0.1"
#define MAX_PCPUS     8
#define HV_STACK_SIZE KiB(16)

struct vcpu;

struct pcpu {
	struct pcpu *self; /* %gs:0 */
	u32 idx;
	u32 apic_id;
	u64 stack_top;
	struct vcpu *vcpu;		/* the vCPU this pCPU runs */
	struct vcpu *volatile assigned; /* set by the BSP: an AP starts running it */
	volatile bool online;
	volatile bool vmx_on;
	volatile bool launched;
	volatile bool given_up;	   /* SERVICE_VM_OFFLINE_CPU: hosts User VM vCPUs */
	volatile bool hosting;	   /* its User VM loop runs (uvm_vcpu.c) */
	struct vcpu *volatile uvm; /* the User VM vCPU placed on it; NULL: none */
	u32 nmis_dropped;	   /* host NMIs that found no vCPU to go to */
	u8 *vmxon_region;
};

#define HV_MAX_HIDDEN 4

/* What the hypervisor learnt about the platform at boot. */
struct hv_state {
	struct hv_options opt;
	struct boot_info boot;
	struct acpi_info acpi;
	bool have_acpi;
	u64 hv_start, hv_end; /* reserved physical range, end exclusive */
	/* RAM of pre-launched VMs: never mapped for the Service VM nor handed to User VMs */
	struct {
		u64 start, end;
	} hidden[HV_MAX_HIDDEN];
	u32 nr_hidden;
	struct pgtable host_pt; /* the hypervisor's own identity map */
	u32 nr_pcpus;
	struct pcpu pcpu[MAX_PCPUS];
	u64 tsc_khz;
};

extern struct hv_state hv;
extern char _hv_start[], _hv_end[];

/* the BSP's C entry point (entry.S) */
void hv_main(u32 magic, u64 mbi);

static inline struct pcpu *this_pcpu(void)
{
	struct pcpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Is [gpa, gpa + len) inside the hypervisor's own range? */
static inline bool hv_range_overlaps(u64 gpa, u64 len)
{
	return gpa < hv.hv_end && gpa + len > hv.hv_start;
}

/* Does [pa, pa + len) touch memory the Service VM may never reach (ours, a pre-launched VM's)? */
static inline bool hv_hidden_overlaps(u64 pa, u64 len)
{
	u32 i;

	if (hv_range_overlaps(pa, len))
		return true;
	for (i = 0; i < hv.nr_hidden; i++)
		if (pa < hv.hidden[i].end && pa + len > hv.hidden[i].start)
			return true;
	return false;
}

#endif
