// SPDX-License-Identifier: BSD-3-Clause
/*
 * Local APIC passthrough with trapped writes.  The Service VM reads its
 * pCPU's LAPIC directly; writes fault in the EPT (the page is mapped
 * read-only) and are replayed on the physical LAPIC, except INIT and
 * STARTUP IPIs, which are emulated: a physical INIT would hit a pCPU in VMX
 * operation, and the Service VM's APs are vCPUs that the hypervisor starts.
 */
#include "hv.h"
#include "vmx.h"
#include "insn.h"

#define APIC_ICR_LO	 0x300
#define APIC_ICR_HI	 0x310
#define ICR_MODE_INIT	 5
#define ICR_MODE_STARTUP 6

u64 lapic_base(void)
{
	return hv.acpi.lapic_addr ? hv.acpi.lapic_addr : 0xfee00000ULL;
}

/* Guest-virtual to guest-physical through the guest's 4-level page tables. */
static int gva_to_gpa(u64 gva, u64 *gpa)
{
	u64 cr0 = vmread(GUEST_CR0), table = vmread(GUEST_CR3) & PT_ADDR_MASK;
	int level;

	if (!(cr0 & CR0_PG)) {
		*gpa = gva;
		return 0;
	}
	if (!(vmread(GUEST_EFER) & (1ULL << 10)) || (vmread(GUEST_CR4) & (1ULL << 12)))
		return -HV_ENOSYS; /* only 4-level long-mode paging */
	for (level = 3; level >= 0; level--) {
		u64 e, span = 1ULL << (12 + 9 * level);

		/* the guest's page tables must be its own RAM (mapped by us) */
		if (!e820_is_ram(&hv.sos_e820, table, table + 4096))
			return -HV_EFAULT;
		e = ((const u64 *)(uintptr_t)table)[(gva >> (12 + 9 * level)) & 511];
		if (!(e & 1))
			return -HV_EFAULT;
		if (level == 0 || ((level == 1 || level == 2) && (e & PT_LARGE))) {
			*gpa = (e & PT_ADDR_MASK & ~(span - 1)) | (gva & (span - 1));
			return 0;
		}
		table = e & PT_ADDR_MASK;
	}
	return -HV_EFAULT;
}

static u32 fetch_insn(u64 rip, u8 *buf, u32 max)
{
	u32 n;

	for (n = 0; n < max; n++) {
		u64 gpa;

		if (gva_to_gpa(rip + n, &gpa) || !e820_is_ram(&hv.sos_e820, gpa, gpa + 1))
			break;
		buf[n] = *(const u8 *)(uintptr_t)gpa;
	}
	return n;
}

static struct vcpu *vcpu_by_apic_id(u32 apic_id)
{
	u32 i;

	for (i = 0; i < hv.sos.nr_vcpus; i++)
		if (hv.pcpu[hv.sos.vcpu[i].pcpu].apic_id == apic_id)
			return &hv.sos.vcpu[i];
	return NULL;
}

/*
 * INIT and STARTUP from @src to the AP vCPU @t.  Before its first start @t
 * waits in vlapic_wait_for_startup(); once running, an INIT is a request
 * that @t acts on at its next VM exit (vlapic_check_init(), at the latest
 * after a preemption-timer period): it goes back to waiting for STARTUP,
 * which is how the Service VM takes a CPU offline and online again.  A
 * STARTUP that overtakes the pending INIT is kept for it.
 */
static void deliver_init_sipi(struct vcpu *src, struct vcpu *t, u32 icr)
{
	u32 mode = (icr >> 8) & 7;
	bool started = __atomic_load_n(&t->started, __ATOMIC_ACQUIRE);

	if (t == src || t->id == 0)
		return; /* the BSP is never restarted this way */
	if (mode == ICR_MODE_INIT) {
		/* level de-assert INITs are no-ops on modern CPUs */
		if ((icr & (1U << 15)) && !(icr & (1U << 14)))
			return;
		__atomic_store_n(&t->start_req, false, __ATOMIC_RELEASE);
		if (!started)
			t->init_seen = true;
		else
			__atomic_store_n(&t->init_req, true, __ATOMIC_RELEASE);
	} else if ((t->init_seen && !started) || __atomic_load_n(&t->init_req, __ATOMIC_ACQUIRE)) {
		t->sipi_vector = icr & 0xff;
		__atomic_store_n(&t->start_req, true, __ATOMIC_RELEASE);
	}
}

/* INIT/STARTUP to @dest (an APIC ID) or to the shorthand's targets. */
static void icr_emulate(struct vcpu *v, u32 icr, u32 dest)
{
	u32 shorthand = (icr >> 18) & 3, i;

	if (shorthand == 0) {
		struct vcpu *t = vcpu_by_apic_id(dest);

		if (t)
			deliver_init_sipi(v, t, icr);
		return;
	}
	for (i = 0; i < hv.sos.nr_vcpus; i++) {
		struct vcpu *t = &hv.sos.vcpu[i];

		if (shorthand == 1 && t != v)
			continue;
		deliver_init_sipi(v, t, icr);
	}
}

static bool is_init_or_startup(u32 icr)
{
	u32 mode = (icr >> 8) & 7;

	return mode == ICR_MODE_INIT || mode == ICR_MODE_STARTUP;
}

static void icr_write(struct vcpu *v, u32 icr)
{
	if (is_init_or_startup(icr)) {
		icr_emulate(v, icr, v->icr_hi >> 24);
		return;
	}
	mmio_write32(lapic_base() + APIC_ICR_HI, v->icr_hi);
	mmio_write32(lapic_base() + APIC_ICR_LO, icr);
}

int wrmsr_safe(u32 msr, u64 val);

/*
 * WRMSR to the x2APIC ICR (0x830), trapped through the MSR bitmap; -EIO
 * (the guest gets #GP) where the CPU would fault: LAPIC not in x2APIC mode,
 * reserved bits.
 */
int vlapic_x2apic_icr_write(struct vcpu *v, u64 val)
{
	if (!(rdmsr(MSR_APIC_BASE) & (1ULL << 10)))
		return -HV_EIO;
	if (!is_init_or_startup((u32)val))
		return wrmsr_safe(MSR_X2APIC_ICR, val);
	icr_emulate(v, (u32)val, (u32)(val >> 32));
	return 0;
}

static void lapic_write(struct vcpu *v, u32 off, u32 val)
{
	if (off == APIC_ICR_HI) {
		v->icr_hi = val;
		mmio_write32(lapic_base() + off, val);
	} else if (off == APIC_ICR_LO) {
		icr_write(v, val);
	} else {
		mmio_write32(lapic_base() + off, val);
	}
}

/* EPT write violation on the LAPIC page: decode the store and replay it. */
int vlapic_write_exit(struct vcpu *v, u64 gpa)
{
	u64 rip = vmread(GUEST_RIP);
	struct mmio_store st;
	u8 code[15];
	u32 n = fetch_insn(rip, code, sizeof(code)), val, off = (u32)(gpa & 0xffc);
	u64 *reg;

	if (insn_decode_store(code, n, &st)) {
		pr_err("vcpu %u: cannot emulate LAPIC write at rip %llx (%02x %02x %02x)\n", v->id,
		       (unsigned long long)rip, code[0], code[1], code[2]);
		vcpu_inject_exception(v, 13, true, 0);
		return 0;
	}
	reg = st.src_reg == 4 ? NULL : &((u64 *)&v->regs)[st.src_reg];
	val = st.is_imm ? st.imm : reg ? (u32)*reg : (u32)vmread(GUEST_RSP);
	if (st.is_xchg && reg)
		*reg = mmio_read32(lapic_base() + off);
	lapic_write(v, off, val);
	vmwrite(GUEST_RIP, rip + st.len);
	return 0;
}

/* An AP's vCPU starts when the Service VM sends it INIT and STARTUP. */
void vlapic_wait_for_startup(struct vcpu *v)
{
	while (!__atomic_exchange_n(&v->start_req, false, __ATOMIC_ACQUIRE))
		cpu_relax();
	pr_info("vcpu %u: STARTUP vector %x, starting at %x:0000\n", v->id, v->sipi_vector,
		v->sipi_vector << 8);
	vcpu_set_realmode_state(v, (u16)(v->sipi_vector << 8), 0);
	v->init_seen = false;
	__atomic_store_n(&v->started, true, __ATOMIC_RELEASE);
}

/*
 * Called on @v's own pCPU at every VM exit: an INIT sent to it while it ran
 * resets it to wait-for-SIPI (the state of the exit is dropped, as the CPU
 * would drop it).  Returns true if that happened.
 */
bool vlapic_check_init(struct vcpu *v)
{
	if (!__atomic_load_n(&v->init_req, __ATOMIC_ACQUIRE))
		return false;
	pr_info("vcpu %u: INIT, waiting for STARTUP\n", v->id);
	__atomic_store_n(&v->started, false, __ATOMIC_RELEASE);
	v->init_seen = true;
	__atomic_store_n(&v->init_req, false, __ATOMIC_RELEASE);
	vlapic_wait_for_startup(v);
	return true;
}
