// SPDX-License-Identifier: GPL-2.0
/*
 * Test module for the platform: makes the hypervisor's User VM hypercalls
 * directly (vmcall, as the HSM does) with bad parameters the HSM would
 * never pass - pointers into hypervisor memory, unaligned or outside RAM,
 * reserved fields, unknown VM ids, wrong states, double destroy - and
 * checks ACRN's error values; then create/set-up/destroy rounds.  Results
 * are TAP lines in the kernel log ("acrn_hctest: ok - ..."), which the
 * uvm-hypercalls scenario passes on; loading fails if a check failed.
 * Uses include/acrn_abi.h (its acrn_hc_* structures) in kernel context.
 *
 * Parameters: hv_start, hv_end (the hypervisor's range, from acrn_hv_mem=
 * on the command line), rounds; offline_apicid=N instead gives the CPU with
 * that APIC ID (which the scenario has offlined) to the hypervisor with
 * SERVICE_VM_OFFLINE_CPU and runs nothing else.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/smp.h>
#include <asm/apic.h>
#include "acrn_abi.h"

static unsigned long hv_start, hv_end;
static int rounds = 1000;
static int offline_apicid = -1;
module_param(hv_start, ulong, 0444);
module_param(offline_apicid, int, 0444);
module_param(hv_end, ulong, 0444);
module_param(rounds, int, 0444);

static int failed;

static long hc(unsigned long id, unsigned long p1, unsigned long p2)
{
	register unsigned long r8 asm("r8") = id;
	long ret;

	asm volatile("vmcall" : "=a"(ret) : "r"(r8), "D"(p1), "S"(p2) : "memory");
	return ret;
}

#define CHECK(expr, want, what)                                                                    \
	do {                                                                                       \
		long got_ = (expr);                                                                \
		bool ok_ = got_ == (want);                                                         \
		pr_info("acrn_hctest: %sok - %s: %ld (got %ld)\n", ok_ ? "" : "not ", what,        \
			(long)(want), got_);                                                       \
		if (!ok_)                                                                          \
			failed++;                                                                  \
	} while (0)

/* Service VM RAM for the parameters (8-byte aligned, physically contiguous) */
struct params {
	struct acrn_hc_vm_creation cv;
	struct acrn_hc_vcpu_regs regs;
	struct acrn_hc_mem_regions batch;
	struct acrn_hc_mem_region region[2];
	struct acrn_hc_gpa2hpa g;
	struct acrn_hc_msi_entry msi;
	u64 ioreq_gpa;
	u32 ver[2];
};

static struct params *p;
static void *ioreq_page, *guest_page;

static unsigned long pa(const void *v)
{
	return virt_to_phys((void *)v);
}

static void fill(const char *name)
{
	memset(&p->cv, 0, sizeof(p->cv));
	strscpy((char *)p->cv.name, name, sizeof(p->cv.name));
}

static long create(const char *name)
{
	fill(name);
	return hc(ACRN_HC_CREATE_VM, pa(&p->cv), 0);
}

static long set_ioreq(u16 vmid, u64 page)
{
	p->ioreq_gpa = page;
	return hc(ACRN_HC_SET_IOREQ_BUFFER, vmid, pa(&p->ioreq_gpa));
}

static long map(u16 vmid, u32 type, u32 attr, u64 gpa, u64 spa, u64 size)
{
	memset(&p->batch, 0, sizeof(p->batch));
	p->batch.vmid = vmid;
	p->batch.regions_num = 1;
	p->batch.regions_gpa = pa(&p->region[0]);
	p->region[0] = (struct acrn_hc_mem_region){type, attr, gpa, spa, size};
	return hc(ACRN_HC_VM_SET_MEMORY_REGIONS, pa(&p->batch), 0);
}

static void bad_pointers(void)
{
	const unsigned long in_hv = hv_start + 0x1000, beyond = 1UL << 45;

	CHECK(hc(ACRN_HC_GET_API_VERSION, pa(p->ver), 0), 0, "GET_API_VERSION");
	CHECK(hc(ACRN_HC_GET_API_VERSION, in_hv, 0), -EINVAL,
	      "GET_API_VERSION into the hypervisor");
	CHECK(hc(0x80000099UL, 0, 0), -ENOTTY, "unknown hypercall 0x80000099");
	CHECK(hc(ACRN_HC_CREATE_VCPU, 0, 0), -ENOTTY, "obsolete CREATE_VCPU");
	CHECK(hc(ACRN_HC_CREATE_VM, in_hv, 0), -EINVAL, "CREATE_VM from hypervisor memory");
	CHECK(hc(ACRN_HC_CREATE_VM, hv_start - 8, 0), -EINVAL,
	      "CREATE_VM straddling into the hypervisor");
	CHECK(hc(ACRN_HC_CREATE_VM, pa(&p->cv) + 4, 0), -EINVAL, "CREATE_VM unaligned");
	CHECK(hc(ACRN_HC_CREATE_VM, beyond, 0), -EINVAL, "CREATE_VM beyond RAM");
	CHECK(hc(ACRN_HC_CREATE_VM, 0xfee00000UL, 0), -EINVAL, "CREATE_VM from the LAPIC page");
	fill("x");
	p->cv.reserved1 = 1;
	CHECK(hc(ACRN_HC_CREATE_VM, pa(&p->cv), 0), -EINVAL, "CREATE_VM with reserved1 set");
	CHECK(p->cv.vmid, ACRN_INVALID_VMID, "... and vmid says none");
	CHECK(create(""), -EINVAL, "CREATE_VM without a name");
	memset(&p->cv, 0, sizeof(p->cv));
	memset(p->cv.name, 'a', sizeof(p->cv.name));
	CHECK(hc(ACRN_HC_CREATE_VM, pa(&p->cv), 0), -EINVAL, "CREATE_VM with an unterminated name");
	fill("x");
	p->cv.cpu_affinity = 1ULL << 63;
	CHECK(hc(ACRN_HC_CREATE_VM, pa(&p->cv), 0), -EINVAL, "CREATE_VM on pCPU 63");
}

/* Every VM-targeted hypercall on a VM id that is not a User VM. */
static void unknown_vm(u16 vmid, const char *which)
{
	char what[96];

#define T(expr, name)                                                                              \
	do {                                                                                       \
		snprintf(what, sizeof(what), "%s on %s", name, which);                             \
		CHECK(expr, -EINVAL, what);                                                        \
	} while (0)
	T(hc(ACRN_HC_START_VM, vmid, 0), "START_VM");
	T(hc(ACRN_HC_PAUSE_VM, vmid, 0), "PAUSE_VM");
	T(hc(ACRN_HC_RESET_VM, vmid, 0), "RESET_VM");
	T(hc(ACRN_HC_DESTROY_VM, vmid, 0), "DESTROY_VM");
	memset(&p->regs, 0, sizeof(p->regs));
	p->regs.regs.rflags = 2;
	T(hc(ACRN_HC_SET_VCPU_REGS, vmid, pa(&p->regs)), "SET_VCPU_REGS");
	T(set_ioreq(vmid, pa(ioreq_page)), "SET_IOREQ_BUFFER");
	T(hc(ACRN_HC_NOTIFY_REQUEST_FINISH, vmid, 0), "NOTIFY_REQUEST_FINISH");
	T(hc(ACRN_HC_SET_IRQLINE, vmid, 4), "SET_IRQLINE");
	p->msi = (struct acrn_hc_msi_entry){0xfee00000, 0x41};
	T(hc(ACRN_HC_INJECT_MSI, vmid, pa(&p->msi)), "INJECT_MSI");
	p->g.gpa = 0;
	T(hc(ACRN_HC_VM_GPA2HPA, vmid, pa(&p->g)), "VM_GPA2HPA");
	T(map(vmid, ACRN_MEM_REGION_ADD, ACRN_HC_MEM_ACCESS_RWX, 0, pa(guest_page), 4096),
	  "VM_SET_MEMORY_REGIONS");
	T(hc(ACRN_HC_PM_GET_CPU_STATE, (unsigned long)(vmid & 0xff) << 24, pa(&p->g)),
	  "PM_GET_CPU_STATE");
#undef T
}

static void one_vm(void)
{
	const u32 wb = ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_WB;
	u16 id;

	CHECK(create("hctest"), 0, "CREATE_VM");
	id = p->cv.vmid;
	CHECK(create("hctest"), -EEXIST, "CREATE_VM of a name in use");
	CHECK(hc(ACRN_HC_START_VM, id, 0), -EINVAL, "START_VM without an I/O request page");
	/* SET_IOREQ_BUFFER */
	CHECK(hc(ACRN_HC_SET_IOREQ_BUFFER, id, hv_start), -EINVAL,
	      "SET_IOREQ_BUFFER: u64 in the hypervisor");
	CHECK(set_ioreq(id, hv_start), -EINVAL, "SET_IOREQ_BUFFER: page = the hypervisor's");
	CHECK(set_ioreq(id, pa(ioreq_page) + 64), -EINVAL, "SET_IOREQ_BUFFER: unaligned page");
	CHECK(set_ioreq(id, 0xfec00000UL), -EINVAL, "SET_IOREQ_BUFFER: the IOAPIC page");
	CHECK(set_ioreq(id, pa(ioreq_page)), 0, "SET_IOREQ_BUFFER");
	/* SET_VCPU_REGS */
	memset(&p->regs, 0, sizeof(p->regs));
	p->regs.regs.rflags = 2;
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, hv_start + 0x2000), -EINVAL,
	      "SET_VCPU_REGS from the hypervisor");
	p->regs.vcpu_id = 1;
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, pa(&p->regs)), -EINVAL, "SET_VCPU_REGS of vCPU 1 of 1");
	p->regs.vcpu_id = 0;
	p->regs.reserved[0] = 1;
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, pa(&p->regs)), -EINVAL,
	      "SET_VCPU_REGS with reserved set");
	p->regs.reserved[0] = 0;
	p->regs.regs.cr0 = 0x80000000; /* PG without PE */
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, pa(&p->regs)), -EINVAL,
	      "SET_VCPU_REGS with PG without PE");
	p->regs.regs.cr0 = 0x30;
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, pa(&p->regs)), 0, "SET_VCPU_REGS");
	/* memory */
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb, 0, hv_start, 4096), -EFAULT,
	      "region: the hypervisor's first page");
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb, 0, hv_start - 4096, 8192), -EFAULT,
	      "region: running into the hypervisor");
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb, 0, hv_end - 4096, 4096), -EFAULT,
	      "region: the hypervisor's last page");
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb, 0, pa(guest_page), 2048), -EINVAL,
	      "region: half a page");
	CHECK(map(id, 1, wb, 0, pa(guest_page), 4096), -EINVAL, "region: operation 1");
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb | 0x800, 0, pa(guest_page), 4096), -EINVAL,
	      "region: reserved attribute bit");
	map(id, ACRN_MEM_REGION_ADD, wb, 0, pa(guest_page), 4096);
	p->batch.regions_gpa = hv_start;
	CHECK(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, pa(&p->batch), 0), -EFAULT,
	      "regions array in the hypervisor");
	p->batch.regions_gpa = pa(&p->region[0]);
	p->batch.regions_num = 1U << 30;
	CHECK(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, pa(&p->batch), 0), -EFAULT,
	      "regions array past RAM");
	CHECK(hc(ACRN_HC_VM_SET_MEMORY_REGIONS, hv_start, 0), -EFAULT,
	      "regions batch in the hypervisor");
	CHECK(map(id, ACRN_MEM_REGION_ADD, wb, 0x100000, pa(guest_page), 4096), 0,
	      "region: a Service VM page");
	p->g.gpa = 0x100010;
	p->g.hpa = 0;
	CHECK(hc(ACRN_HC_VM_GPA2HPA, id, pa(&p->g)), 0, "VM_GPA2HPA");
	CHECK(p->g.hpa == pa(guest_page) + 0x10, 1, "VM_GPA2HPA gives the page's address");
	p->g.gpa = 0x200000;
	CHECK(hc(ACRN_HC_VM_GPA2HPA, id, pa(&p->g)), -EINVAL, "VM_GPA2HPA of an unmapped address");
	CHECK(hc(ACRN_HC_VM_GPA2HPA, id, hv_start), -EINVAL, "VM_GPA2HPA into the hypervisor");
	/* interrupts, PM, notify */
	CHECK(hc(ACRN_HC_SET_IRQLINE, id, ((u64)ACRN_HC_IRQ_ASSERT << 32) | 48), -EINVAL,
	      "SET_IRQLINE GSI 48");
	CHECK(hc(ACRN_HC_SET_IRQLINE, id, (5ULL << 32) | 4), -EINVAL, "SET_IRQLINE operation 5");
	CHECK(hc(ACRN_HC_SET_IRQLINE, id, 4), 0, "SET_IRQLINE GSI 4");
	CHECK(hc(ACRN_HC_INJECT_MSI, id, hv_start), -EINVAL, "INJECT_MSI from the hypervisor");
	p->msi = (struct acrn_hc_msi_entry){0xfee00000, 0x10041};
	CHECK(hc(ACRN_HC_INJECT_MSI, id, pa(&p->msi)), -EINVAL,
	      "INJECT_MSI with reserved data bits");
	p->msi.msi_data = 0x41;
	CHECK(hc(ACRN_HC_INJECT_MSI, id, pa(&p->msi)), 0, "INJECT_MSI");
	CHECK(hc(ACRN_HC_PM_GET_CPU_STATE, ((unsigned long)id << 24) | 7, pa(&p->g)), -EINVAL,
	      "PM_GET_CPU_STATE of type 7");
	CHECK(hc(ACRN_HC_PM_GET_CPU_STATE, (unsigned long)id << 24, pa(&p->g)), -ENODEV,
	      "PM_GET_CPU_STATE");
	CHECK(hc(ACRN_HC_NOTIFY_REQUEST_FINISH, id, 1), -EINVAL,
	      "NOTIFY_REQUEST_FINISH of vCPU 1 of 1");
	CHECK(hc(ACRN_HC_NOTIFY_REQUEST_FINISH, id, 0), 0, "NOTIFY_REQUEST_FINISH");
	/* states */
	CHECK(hc(ACRN_HC_DESTROY_VM, id, 0), -EINVAL, "DESTROY_VM of a created VM");
	CHECK(hc(ACRN_HC_RESET_VM, id, 0), -EINVAL, "RESET_VM of a created VM");
	CHECK(hc(ACRN_HC_START_VM, id, 0), 0, "START_VM");
	CHECK(hc(ACRN_HC_START_VM, id, 0), -EINVAL, "START_VM of a running VM");
	CHECK(hc(ACRN_HC_SET_VCPU_REGS, id, pa(&p->regs)), -EINVAL,
	      "SET_VCPU_REGS of a running VM");
	CHECK(set_ioreq(id, pa(ioreq_page)), -EINVAL, "SET_IOREQ_BUFFER of a running VM");
	CHECK(hc(ACRN_HC_DESTROY_VM, id, 0), -EINVAL, "DESTROY_VM of a running VM");
	CHECK(hc(ACRN_HC_PAUSE_VM, id, 0), 0, "PAUSE_VM");
	CHECK(hc(ACRN_HC_START_VM, id, 0), 0, "START_VM of a paused VM (resume)");
	CHECK(hc(ACRN_HC_PAUSE_VM, id, 0), 0, "PAUSE_VM");
	CHECK(hc(ACRN_HC_RESET_VM, id, 0), 0, "RESET_VM");
	CHECK(hc(ACRN_HC_PAUSE_VM, id, 0), 0, "PAUSE_VM of the reset VM");
	CHECK(hc(ACRN_HC_DESTROY_VM, id, 0), 0, "DESTROY_VM");
	CHECK(hc(ACRN_HC_DESTROY_VM, id, 0), -EINVAL, "DESTROY_VM twice");
	unknown_vm(id, "the destroyed VM");
}

static void churn(void)
{
	const u32 wb = ACRN_HC_MEM_ACCESS_RWX | ACRN_HC_MEM_TYPE_WB;
	int i, bad = 0;

	for (i = 0; i < rounds; i++) {
		u16 id;

		if (create("churn")) {
			bad++;
			continue;
		}
		id = p->cv.vmid;
		if (set_ioreq(id, pa(ioreq_page)) ||
		    map(id, ACRN_MEM_REGION_ADD, wb, (u64)i << 12, pa(guest_page), 4096) ||
		    hc(ACRN_HC_START_VM, id, 0) || hc(ACRN_HC_PAUSE_VM, id, 0))
			bad++;
		hc(ACRN_HC_PAUSE_VM, id, 0);
		if (hc(ACRN_HC_DESTROY_VM, id, 0))
			bad++;
	}
	pr_info("acrn_hctest: %sok - %d rounds of create, I/O request page, memory region, start, "
		"pause, destroy: %d failed\n",
		bad ? "not " : "", rounds, bad);
	failed += !!bad;
}

static int __init hctest_init(void)
{
	if (!hv_start || hv_end <= hv_start) {
		pr_err("acrn_hctest: hv_start/hv_end needed\n");
		return -EINVAL;
	}
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	ioreq_page = (void *)get_zeroed_page(GFP_KERNEL);
	guest_page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!p || !ioreq_page || !guest_page) {
		kfree(p);
		free_page((unsigned long)ioreq_page);
		free_page((unsigned long)guest_page);
		return -ENOMEM;
	}
	if (offline_apicid >= 0) {
		CHECK(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, cpu_physical_id(0), 0), -EINVAL,
		      "SERVICE_VM_OFFLINE_CPU of the BSP");
		CHECK(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, offline_apicid, 0), 0,
		      "SERVICE_VM_OFFLINE_CPU of the offlined CPU");
		CHECK(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, offline_apicid, 0), 0,
		      "SERVICE_VM_OFFLINE_CPU of it again");
		goto out;
	}
	bad_pointers();
	one_vm();
	unknown_vm(0, "the Service VM itself");
	unknown_vm(3, "an unused VM id");
	unknown_vm(0xffff, "VM id 0xffff");
	CHECK(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, cpu_physical_id(0), 0), -EINVAL,
	      "SERVICE_VM_OFFLINE_CPU of the BSP");
	CHECK(hc(ACRN_HC_SERVICE_VM_OFFLINE_CPU, 0xfe, 0), -EINVAL,
	      "SERVICE_VM_OFFLINE_CPU of no CPU");
	churn();
out:
	pr_info("acrn_hctest: done, %d failed\n", failed);
	kfree(p);
	free_page((unsigned long)ioreq_page);
	free_page((unsigned long)guest_page);
	return 0;
}

static void __exit hctest_exit(void)
{
}

module_init(hctest_init);
module_exit(hctest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ACRN hypercall test (platform tests only)");
