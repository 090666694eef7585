// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the pure parts of the User VM hypercalls: the VM state
 * machine, the parameter checks of SET_VCPU_REGS, VM_SET_MEMORY_REGIONS,
 * SET_IRQLINE, INJECT_MSI and PM_GET_CPU_STATE, and the I/O request slot
 * state machine.  Logging is a test double that drops messages.
 */
#include <glib.h>
#include "hv.h"
#include "hc_check.h"
#include "ioreq.h"
#include "pgtable.h"
#include "vm.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static void test_state_machine(void)
{
	static const struct {
		enum vm_op op;
		enum vm_state from;
		bool ioreq;
		int ret;
		enum vm_state to;
	} t[] = {
	    {VM_OP_START, VM_CREATED, true, 0, VM_RUNNING},
	    {VM_OP_START, VM_CREATED, false, -HV_EINVAL, VM_CREATED},
	    {VM_OP_START, VM_PAUSED, true, 0, VM_RUNNING}, /* acrn-dm's resume */
	    {VM_OP_START, VM_RUNNING, true, -HV_EINVAL, VM_RUNNING},
	    {VM_OP_START, VM_POWERED_OFF, true, -HV_EINVAL, VM_POWERED_OFF},
	    {VM_OP_PAUSE, VM_CREATED, false, 0, VM_PAUSED},
	    {VM_OP_PAUSE, VM_RUNNING, false, 0, VM_PAUSED},
	    {VM_OP_PAUSE, VM_PAUSED, false, 0, VM_PAUSED},
	    {VM_OP_PAUSE, VM_POWERED_OFF, false, -HV_EINVAL, VM_POWERED_OFF},
	    {VM_OP_RESET, VM_PAUSED, true, 0, VM_CREATED},
	    {VM_OP_RESET, VM_RUNNING, true, -HV_EINVAL, VM_RUNNING},
	    {VM_OP_RESET, VM_CREATED, true, -HV_EINVAL, VM_CREATED},
	    {VM_OP_DESTROY, VM_PAUSED, true, 0, VM_POWERED_OFF},
	    {VM_OP_DESTROY, VM_RUNNING, true, -HV_EINVAL, VM_RUNNING},
	    {VM_OP_DESTROY, VM_CREATED, true, -HV_EINVAL, VM_CREATED},
	    {VM_OP_SET_REGS, VM_CREATED, false, 0, VM_CREATED},
	    {VM_OP_SET_REGS, VM_PAUSED, false, 0, VM_PAUSED},
	    {VM_OP_SET_REGS, VM_RUNNING, false, -HV_EINVAL, VM_RUNNING},
	    {VM_OP_SET_IOREQ, VM_CREATED, false, 0, VM_CREATED},
	    {VM_OP_SET_IOREQ, VM_PAUSED, false, -HV_EINVAL, VM_PAUSED},
	    {VM_OP_SET_MEMORY, VM_RUNNING, false, 0, VM_RUNNING},
	    {VM_OP_SET_MEMORY, VM_POWERED_OFF, false, -HV_EINVAL, VM_POWERED_OFF},
	    {VM_OP_IRQ, VM_PAUSED, false, 0, VM_PAUSED},
	    {VM_OP_IRQ, VM_POWERED_OFF, false, -HV_EINVAL, VM_POWERED_OFF},
	    {(enum vm_op)99, VM_CREATED, true, -HV_EINVAL, VM_CREATED},
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(t); i++) {
		enum vm_state s = t[i].from;

		g_assert_cmpint(vm_state_check(t[i].op, t[i].from, t[i].ioreq, &s), ==, t[i].ret);
		g_assert_cmpint(s, ==, t[i].to);
	}
}

/* A 64-bit start state as acrn-dm's would be. */
static void long_mode_regs(struct acrn_hc_vcpu_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->vcpu_id = 0;
	r->regs.cr0 = CR0_PE | CR0_PG | CR0_NE | CR0_ET;
	r->regs.cr4 = CR4_PAE;
	r->regs.ia32_efer = EFER_LME | EFER_LMA;
	r->regs.rflags = 2;
	r->regs.rip = 0x100000;
}

static void test_vcpu_regs(void)
{
	struct acrn_hc_vcpu_regs r;

	long_mode_regs(&r);
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, 0);
	/* real mode, all zero but RFLAGS */
	memset(&r, 0, sizeof(r));
	r.regs.rflags = 2;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, 0);
	/* vCPU id */
	long_mode_regs(&r);
	r.vcpu_id = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	g_assert_cmpint(hc_check_vcpu_regs(&r, 2), ==, 0);
	/* every reserved field */
	long_mode_regs(&r);
	r.reserved[2] = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.reserved_64[3] = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.reserved_32[0] = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.gdt.reserved[1] = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.idt.reserved[0] = 1;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	/* reserved bits of CR0, CR4 (and VMXE), EFER, RFLAGS */
	long_mode_regs(&r);
	r.regs.cr0 |= 1ULL << 40;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.cr4 |= CR4_VMXE;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.cr4 |= 1ULL << 15;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.ia32_efer |= 1ULL << 2;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.rflags |= 1ULL << 40;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	/* invalid combinations */
	long_mode_regs(&r);
	r.regs.cr0 &= ~CR0_PE; /* PG without PE */
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.cr0 |= CR0_NW; /* NW without CD */
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	r.regs.cr0 |= CR0_CD;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, 0);
	long_mode_regs(&r);
	r.regs.cr4 &= ~CR4_PAE; /* long mode without PAE */
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.ia32_efer &= ~EFER_LMA; /* LME+PG without LMA */
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	memset(&r, 0, sizeof(r));
	r.regs.cr4 = CR4_PCIDE; /* PCIDE outside long mode */
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, -HV_EINVAL);
	long_mode_regs(&r);
	r.regs.cr4 |= CR4_PCIDE;
	g_assert_cmpint(hc_check_vcpu_regs(&r, 1), ==, 0);
}

static int region(u32 type, u32 attr, u64 gpa, u64 pa, u64 size, u64 *ept)
{
	struct acrn_hc_mem_region r = {type, attr, gpa, pa, size};

	*ept = 0;
	return hc_check_mem_region(&r, 1ULL << 39, ept);
}

static void test_mem_region(void)
{
	u64 ept;
	const u32 rwx = ACRN_HC_MEM_ACCESS_RWX;

	g_assert_cmpint(
	    region(ACRN_MEM_REGION_ADD, rwx | ACRN_HC_MEM_TYPE_WB, 0, 0x1000000, 0x200000, &ept),
	    ==, 0);
	g_assert_cmphex(ept, ==, EPT_RWX | EPT_WB);
	g_assert_cmpint(
	    region(ACRN_MEM_REGION_ADD, ACRN_HC_MEM_ACCESS_READ, 0, 0x1000, 0x1000, &ept), ==, 0);
	g_assert_cmphex(ept, ==, EPT_R | EPT_UC); /* no type: UC, as ACRN */
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx | ACRN_HC_MEM_TYPE_WC, 0, 0, 0x1000, &ept),
			==, 0);
	g_assert_cmphex(ept, ==, EPT_RWX | (1ULL << 3));
	/* DEL needs only the User VM range */
	g_assert_cmpint(region(ACRN_MEM_REGION_DEL, 0xffffffff, 0x1000, ~0ULL, 0x1000, &ept), ==,
			0);
	/* unknown operation (MODIFY 3 too), reserved attribute bits, two types */
	g_assert_cmpint(region(1, rwx, 0, 0, 0x1000, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(3, rwx, 0, 0, 0x1000, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx | 0x800, 0, 0, 0x1000, &ept), ==,
			-HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx | 0x38, 0, 0, 0x1000, &ept), ==,
			-HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx | ACRN_HC_MEM_TYPE_WB | ACRN_HC_MEM_TYPE_UC,
			       0, 0, 0x1000, &ept),
			==, -HV_EINVAL);
	/* no access, write without read */
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, ACRN_HC_MEM_TYPE_WB, 0, 0, 0x1000, &ept), ==,
			-HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, ACRN_HC_MEM_ACCESS_WRITE, 0, 0, 0x1000, &ept),
			==, -HV_EINVAL);
	/* sizes and alignment, wrapping, the address limit */
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, 0, 0, 0, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, 0, 0, 0x1800, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, 0x800, 0, 0x1000, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, 0, 0x800, 0x1000, &ept), ==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, 0, ~0xfffULL, 0x2000, &ept), ==,
			-HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, ~0xfffULL, 0, 0x2000, &ept), ==,
			-HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, (1ULL << 39) - 0x1000, 0, 0x2000, &ept),
			==, -HV_EINVAL);
	g_assert_cmpint(region(ACRN_MEM_REGION_ADD, rwx, (1ULL << 39) - 0x1000, 0, 0x1000, &ept),
			==, 0);
}

static void test_irqline_msi_pm(void)
{
	struct acrn_hc_msi_entry m;
	u32 gsi, op;
	u16 vmid;

	g_assert_cmpint(hc_check_irqline(ACRN_HC_IRQLINE(4, ACRN_HC_IRQ_ASSERT), &gsi, &op), ==, 0);
	g_assert_cmpuint(gsi, ==, 4);
	g_assert_cmpint(hc_check_irqline(ACRN_HC_IRQLINE(47, ACRN_HC_IRQ_PULSE_FALL), &gsi, &op),
			==, 0);
	g_assert_cmpuint(op, ==, ACRN_HC_IRQ_PULSE_FALL);
	g_assert_cmpint(hc_check_irqline(ACRN_HC_IRQLINE(48, 0), &gsi, &op), ==, -HV_EINVAL);
	g_assert_cmpint(hc_check_irqline(ACRN_HC_IRQLINE(0, 4), &gsi, &op), ==, -HV_EINVAL);
	g_assert_cmpint(hc_check_irqline(~0ULL, &gsi, &op), ==, -HV_EINVAL);

	m = (struct acrn_hc_msi_entry){0xfee00000, 0x41};
	g_assert_cmpint(hc_check_msi(&m), ==, 0);
	m = (struct acrn_hc_msi_entry){0xfee01000, 0x100 | 0x30}; /* lowest priority to APIC 1 */
	g_assert_cmpint(hc_check_msi(&m), ==, 0);
	m = (struct acrn_hc_msi_entry){0xfee00000, 0x400}; /* NMI */
	g_assert_cmpint(hc_check_msi(&m), ==, 0);
	m = (struct acrn_hc_msi_entry){0xfed00000, 0x41}; /* outside the MSI window */
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);
	m = (struct acrn_hc_msi_entry){0x1fee00000ULL, 0x41};
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);
	m = (struct acrn_hc_msi_entry){0xfee00010, 0x41}; /* reserved address bit */
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);
	m = (struct acrn_hc_msi_entry){0xfee00000, 0x0f}; /* an exception vector */
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);
	m = (struct acrn_hc_msi_entry){0xfee00000, 0x10041}; /* reserved data bits */
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);
	m = (struct acrn_hc_msi_entry){0xfee00000, 0x500 | 0x41}; /* INIT */
	g_assert_cmpint(hc_check_msi(&m), ==, -HV_EINVAL);

	g_assert_cmpint(hc_check_pm_cmd((1U << 24) | ACRN_HC_PMCMD_CX_DATA, &vmid), ==, 0);
	g_assert_cmpuint(vmid, ==, 1);
	g_assert_cmpint(hc_check_pm_cmd(4, &vmid), ==, -HV_EINVAL);
	g_assert_cmpint(hc_check_pm_cmd(1ULL << 32, &vmid), ==, -HV_EINVAL);
}

static void set_state(struct acrn_hc_io_request *s, u32 state)
{
	__atomic_store_n(&s->processed, state, __ATOMIC_RELEASE);
}

static void test_ioreq(void)
{
	static struct acrn_hc_io_request page[ACRN_HC_IOREQ_SLOTS];
	u64 v = 0;
	u32 i;

	memset(page, 0x5a, sizeof(page));
	ioreq_reset_all(page);
	for (i = 0; i < ACRN_HC_IOREQ_SLOTS; i++)
		g_assert_cmpuint(page[i].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	/* nothing posted: nothing to complete */
	g_assert_cmpint(ioreq_complete(&page[0], &v), ==, -HV_ENOENT);
	/* a PIO read: FREE -> PENDING, busy until the HSM says COMPLETE */
	g_assert_cmpint(ioreq_post_pio(&page[0], 0x3f8, 1, false, 0), ==, 0);
	g_assert_cmpuint(page[0].type, ==, ACRN_HC_IOREQ_TYPE_PORTIO);
	g_assert_cmpuint(page[0].reqs.pio.address, ==, 0x3f8);
	g_assert_cmpuint(page[0].reqs.pio.direction, ==, ACRN_HC_IOREQ_DIR_READ);
	g_assert_cmpuint(page[0].processed, ==, ACRN_HC_IOREQ_STATE_PENDING);
	g_assert_cmpuint(page[0].hv_flags, ==, 0); /* the 0x5a fill is gone */
	g_assert_cmpint(ioreq_post_pio(&page[0], 0x3f8, 1, false, 0), ==, -HV_EBUSY);
	g_assert_cmpint(ioreq_complete(&page[0], &v), ==, -HV_EBUSY);
	set_state(&page[0], ACRN_HC_IOREQ_STATE_PROCESSING);
	g_assert_cmpint(ioreq_complete(&page[0], &v), ==, -HV_EBUSY);
	page[0].reqs.pio.value = 0xffffff41; /* the client wrote more than a byte */
	set_state(&page[0], ACRN_HC_IOREQ_STATE_COMPLETE);
	g_assert_cmpint(ioreq_complete(&page[0], &v), ==, 0);
	g_assert_cmphex(v, ==, 0x41);
	g_assert_cmpuint(page[0].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	/* an MMIO write of 8 bytes in another slot; bad sizes refused */
	g_assert_cmpint(ioreq_post_mmio(&page[3], 0xfec00000, 8, true, 0x1122334455667788ULL), ==,
			0);
	g_assert_cmpuint(page[3].reqs.mmio.value, ==, 0x1122334455667788ULL);
	g_assert_cmpuint(page[3].reqs.mmio.direction, ==, ACRN_HC_IOREQ_DIR_WRITE);
	g_assert_cmpint(ioreq_post_mmio(&page[4], 0, 3, false, 0), ==, -HV_EINVAL);
	g_assert_cmpint(ioreq_post_pio(&page[4], 0, 8, false, 0), ==, -HV_EINVAL);
	set_state(&page[3], ACRN_HC_IOREQ_STATE_COMPLETE);
	g_assert_cmpint(ioreq_complete(&page[3], &v), ==, 0);
	/* a state the Service VM scribbled */
	set_state(&page[5], 77);
	g_assert_cmpint(ioreq_complete(&page[5], &v), ==, -HV_EINVAL);
	g_assert_cmpint(ioreq_post_pio(&page[5], 0, 1, false, 0), ==, -HV_EBUSY);
	/* the hypervisor's S5 for a dead vCPU is flagged; the next request is not */
	g_assert_cmpint(ioreq_post_fatal_write(&page[7], 0x404, 2, 0x3400), ==, 0);
	g_assert_cmpuint(page[7].hv_flags, ==, ACRN_HC_IOREQ_FLAG_FATAL);
	g_assert_cmpuint(page[7].reqs.pio.direction, ==, ACRN_HC_IOREQ_DIR_WRITE);
	g_assert_cmphex(page[7].reqs.pio.value, ==, 0x3400);
	g_assert_cmpint(ioreq_post_fatal_write(&page[8], 0x404, 3, 0), ==, -HV_EINVAL);
	set_state(&page[7], ACRN_HC_IOREQ_STATE_COMPLETE);
	g_assert_cmpint(ioreq_complete(&page[7], &v), ==, 0);
	g_assert_cmpint(ioreq_post_pio(&page[7], 0x3f8, 1, false, 0), ==, 0);
	g_assert_cmpuint(page[7].hv_flags, ==, 0);
	/* RESET_VM: everything FREE again */
	g_assert_cmpint(ioreq_post_pio(&page[6], 0x60, 1, false, 0), ==, 0);
	ioreq_reset_all(page);
	g_assert_cmpuint(page[5].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
	g_assert_cmpuint(page[6].processed, ==, ACRN_HC_IOREQ_STATE_FREE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hc-check/state-machine", test_state_machine);
	g_test_add_func("/hc-check/vcpu-regs", test_vcpu_regs);
	g_test_add_func("/hc-check/mem-region", test_mem_region);
	g_test_add_func("/hc-check/irqline-msi-pm", test_irqline_msi_pm);
	g_test_add_func("/hc-check/ioreq", test_ioreq);
	return g_test_run();
}
