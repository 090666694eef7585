/* partition-guest: a pre-launched VM's test (the hypervisor starts it at
 * boot from a multiboot2 module "prelaunched_vm name=... mem=...", on a pCPU
 * and RAM of its own, with no Service VM and no device model).  It checks
 * what it sees from inside and prints TAP on COM1 - the hypervisor's vUART,
 * which forwards each line to the hypervisor console as "ACRN-HV: vmN
 * NAME: ..." - then powers itself off with S5:
 *
 *   CPUID: the hypervisor bit and ACRN's signature, VMX hidden, not
 *          privileged (leaf 0x40000001), one vCPU
 *   MSRs:  IA32_APIC_BASE reads as an enabled xAPIC (BSP), a VMX capability
 *          MSR faults (#GP)
 *   VMCALL faults (#UD): only the Service VM may call the hypervisor
 *   memory: its own RAM holds what it writes; guest-physical addresses past
 *          its RAM read as all ones and keep nothing that is written there
 *   ports nobody owns read as all ones (the PCI configuration ports)
 *   its vLAPIC's TSC-deadline timer: DEADLINES interrupts, none early (a
 *          real-time controller's periodic work); the lateness is printed
 *   the vLAPIC timer's other modes: one-shot (one interrupt, not early,
 *          the current count back at 0) and periodic (the k-th interrupt
 *          never before k periods; silent once the count is cleared)
 *   a self-IPI through the ICR, held back while the TPR's class is at or
 *          above the vector's and delivered when the TPR drops
 *   with "partition_guest.cpus=2" on its command line (module cpus=2): vCPU
 *          1 started by INIT/STARTUP, its own APIC ID (CPUID agrees), and a
 *          fixed IPI each way between the two vCPUs
 *
 * It also leaves a secret in its RAM at SECRET_GPA for the Service VM to
 * look for through /dev/mem (it must not find it). */
#include <stddef.h>
#include <stdint.h>

#include "guest-io.h"
#include "ap-start.h"

#define SECRET_GPA	  0x1800000ULL
#define SECRET		  "PRELAUNCH-SECRET-4a7c"
#define BP_E820_ENTRIES	  0x1e8
#define BP_E820_TABLE	  0x2d0
#define E820_RAM	  1
#define MSR_APIC_BASE	  0x1b
#define MSR_VMX_BASIC	  0x480
#define APIC_BASE_BSP_XEN 0x900 /* BSP, xAPIC enabled */
#define X86_UD		  6
#define X86_GP		  13
#define MSR_TSC_DEADLINE  0x6e0
#define LAPIC_EOI	  0xb0
#define LAPIC_SVR	  0xf0
#define LAPIC_LVT_TIMER	  0x320
#define LVT_TSC_DEADLINE  (2U << 17)
#define VEC_TIMER	  0x40
#define DEADLINES	  10
#define DEADLINE_PERIOD	  200000ULL /* TSC ticks */
#define LAPIC_TPR	  0x80
#define LAPIC_ICR_LOW	  0x300
#define LAPIC_TMICT	  0x380
#define LAPIC_TMCCT	  0x390
#define LAPIC_TDCR	  0x3e0
#define TDCR_DIV1	  0xb
#define LVT_PERIODIC	  (1U << 17)
#define ICR_SELF	  (1U << 18) /* destination shorthand: self */
#define VEC_IPI		  0x41
#define VEC_PING	  0x42 /* vCPU 0 -> vCPU 1 */
#define VEC_PONG	  0x43 /* vCPU 1 -> vCPU 0 */
#define LAPIC_ID	  0x20
#define LAPIC_ICR_HIGH	  0x310
#define SMP_WAIT	  200000000ULL /* TSC ticks */
#define ONESHOT_COUNT	  300000U      /* the vLAPIC's bus clock is the TSC: ticks at divide-by-1 */
#define PERIODS		  5
#define PERIOD_COUNT	  1000000U

void guest_main(const uint8_t *boot_params);

void ap_main(void);

static struct idt_entry idt[VEC_PONG + 1] __attribute__((aligned(16)));
static const struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
static volatile uint64_t timer_tsc[DEADLINES];
static volatile unsigned timer_hits;
static volatile unsigned ipi_hits;
static volatile uint32_t bsp_apic_id, ap_starts, ap_apic_id, ap_cpuid_id, ap_pings, pongs;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static volatile int last_fault = -1;
static volatile unsigned skip_len; /* bytes of the faulting instruction to step over */
static int tests, failed;

static void put_hex(uint64_t v)
{
	char buf[19] = "0x";
	int n = 0;

	for (int i = 60; i >= 0; i -= 4)
		if ((v >> i) & 0xf || n || !i)
			buf[2 + n++] = "0123456789abcdef"[(v >> i) & 0xf];
	buf[2 + n] = 0;
	puts_com1(buf);
}

static void result(int ok, const char *what)
{
	tests++;
	if (!ok)
		failed++;
	puts_com1(ok ? "ok - " : "not ok - ");
	puts_com1(what);
	puts_com1("\n");
}

__attribute__((interrupt)) static void on_ud(struct interrupt_frame *f)
{
	last_fault = X86_UD;
	f->ip += skip_len;
}

__attribute__((interrupt)) static void on_gp(struct interrupt_frame *f, uint64_t err)
{
	(void)err;
	last_fault = X86_GP;
	f->ip += skip_len;
}

__attribute__((interrupt)) static void on_timer(struct interrupt_frame *f)
{
	(void)f;
	if (timer_hits < DEADLINES)
		timer_tsc[timer_hits] = rdtsc();
	timer_hits++;
	lapic_wr(LAPIC_EOI, 0);
}

__attribute__((interrupt)) static void on_ipi(struct interrupt_frame *f)
{
	(void)f;
	ipi_hits++;
	lapic_wr(LAPIC_EOI, 0);
}

/* on vCPU 1: answer with an IPI to vCPU 0 */
__attribute__((interrupt)) static void on_ping(struct interrupt_frame *f)
{
	(void)f;
	ap_pings++;
	lapic_wr(LAPIC_EOI, 0);
	lapic_wr(LAPIC_ICR_HIGH, bsp_apic_id << 24);
	lapic_wr(LAPIC_ICR_LOW, VEC_PONG);
}

__attribute__((interrupt)) static void on_pong(struct interrupt_frame *f)
{
	(void)f;
	pongs++;
	lapic_wr(LAPIC_EOI, 0);
}

static void set_gate(int vec, void *fn)
{
	idt[vec] = idt_gate(fn);
}

static void load_idt(void)
{
	set_gate(X86_UD, (void *)on_ud);
	set_gate(X86_GP, (void *)on_gp);
	set_gate(VEC_TIMER, (void *)on_timer);
	set_gate(VEC_IPI, (void *)on_ipi);
	set_gate(VEC_PING, (void *)on_ping);
	set_gate(VEC_PONG, (void *)on_pong);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* RDMSR that may fault: the #GP handler steps over its two bytes. */
static int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	last_fault = -1;
	skip_len = 2;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	*val = (uint64_t)hi << 32 | lo;
	return last_fault;
}

static int same(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static uint64_t ram_end(const uint8_t *bp)
{
	uint64_t end = 0;
	uint8_t n = bp[BP_E820_ENTRIES];

	for (uint8_t i = 0; i < n && i < 128; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + 20U * i;
		uint64_t addr = *(const uint64_t *)e, size = *(const uint64_t *)(e + 8);

		if (*(const uint32_t *)(e + 16) == E820_RAM && addr + size > end)
			end = addr + size;
	}
	return end;
}

static void check_cpuid(void)
{
	uint32_t a, b, c, d;
	char sig[12];

	cpuid(1, &a, &b, &c, &d);
	result((c >> 31) & 1, "CPUID.1: the hypervisor bit is set");
	result(!((c >> 5) & 1), "CPUID.1: VMX is hidden");
	cpuid(0x40000000, &a, &b, &c, &d);
	*(uint32_t *)sig = b;
	*(uint32_t *)(sig + 4) = c;
	*(uint32_t *)(sig + 8) = d;
	result(same(sig, "ACRNACRNACRN", 12), "CPUID 0x40000000: ACRN's signature");
	cpuid(0x40000001, &a, &b, &c, &d);
	result(!(a & 1), "CPUID 0x40000001: not the privileged (Service) VM");
	cpuid(0x40000020, &a, &b, &c, &d);
	result(!a && !b && !c && !d, "CPUID 0x40000020: the hypervisor's counters are not shown");
}

static void check_msrs(void)
{
	uint64_t v = 0;

	result(rdmsr_safe(MSR_APIC_BASE, &v) < 0 && (v & 0xfffff000ULL) == 0xfee00000ULL &&
		   (v & APIC_BASE_BSP_XEN) == APIC_BASE_BSP_XEN,
	       "IA32_APIC_BASE: an enabled xAPIC at 0xfee00000, BSP");
	result(rdmsr_safe(MSR_VMX_BASIC, &v) == X86_GP, "IA32_VMX_BASIC (VMX capability) #GP");
}

static void check_vmcall(void)
{
	last_fault = -1;
	skip_len = 3;
	__asm__ volatile("vmcall" : : "a"(0), "D"(0), "S"(0) : "r8", "memory");
	result(last_fault == X86_UD, "VMCALL #UD: only the Service VM calls the hypervisor");
}

static void check_memory(uint64_t end)
{
	volatile uint32_t *own = (volatile uint32_t *)(uintptr_t)(end - 4096);
	const uint64_t outside[] = {end, 0x40000000ULL, 0xc0000000ULL, 0xfed00000ULL};
	int all_ones = 1, kept = 0;

	puts_com1("# RAM ends at ");
	put_hex(end);
	puts_com1("\n");
	result(end >= 0x1800000ULL + 4096, "boot_params e820: RAM covers the secret's page");
	own[0] = 0x5a5aa5a5U;
	own[1] = 0x12345678U;
	result(own[0] == 0x5a5aa5a5U && own[1] == 0x12345678U, "its own RAM keeps what it writes");
	for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)outside[i];
		uint32_t before = *p;

		*p = 0x13572468U;
		if (before != 0xffffffffU)
			all_ones = 0;
		if (*p == 0x13572468U)
			kept = 1;
		if (before != 0xffffffffU) {
			puts_com1("# read ");
			put_hex(before);
			puts_com1(" at ");
			put_hex(outside[i]);
			puts_com1("\n");
		}
	}
	result(all_ones, "guest-physical addresses past its RAM read as all ones");
	result(!kept, "writes past its RAM are kept nowhere");
	for (size_t i = 0; i < sizeof(SECRET); i++)
		((volatile char *)(uintptr_t)SECRET_GPA)[i] = SECRET[i];
	result(same((const char *)(uintptr_t)SECRET_GPA, SECRET, sizeof(SECRET)),
	       "a secret left in its RAM for the Service VM to look for");
}

/* One deadline at a time: arm, sleep in HLT, take the interrupt, note how late it came. */
static void check_deadline_timer(void)
{
	uint64_t deadline[DEADLINES], worst = 0, sum = 0;
	int early = 0;

	lapic_wr(LAPIC_SVR, 0x1ff);
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DEADLINE);
	for (unsigned i = 0; i < DEADLINES; i++) {
		uint64_t give_up;

		deadline[i] = rdtsc() + DEADLINE_PERIOD;
		give_up = deadline[i] + 1000 * DEADLINE_PERIOD;
		wrmsr(MSR_TSC_DEADLINE, deadline[i]);
		while (timer_hits == i && rdtsc() < give_up)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		if (timer_hits != i + 1)
			break;
	}
	for (unsigned i = 0; i < timer_hits && i < DEADLINES; i++) {
		uint64_t late = timer_tsc[i] - deadline[i];

		if (timer_tsc[i] < deadline[i])
			early++;
		else if (late > worst)
			worst = late;
		sum += late;
	}
	result(timer_hits == DEADLINES,
	       "vLAPIC TSC-deadline timer: every deadline interrupts (HLT waits)");
	result(timer_hits && !early, "vLAPIC TSC-deadline timer: no interrupt before its deadline");
	if (timer_hits) {
		puts_com1("# deadline lateness in TSC ticks: mean ");
		put_dec(sum / timer_hits);
		puts_com1(", worst ");
		put_dec(worst);
		puts_com1("\n");
	}
}

/* HLT with interrupts on until the timer has hit @hits times or @give_up passes. */
static void wait_timer(unsigned hits, uint64_t give_up)
{
	while (timer_hits < hits && rdtsc() < give_up)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Interrupts on for @ticks without HLT (nothing may be due to wake it). */
static void run_for(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;

	__asm__ volatile("sti" ::: "memory");
	while (rdtsc() < end)
		__asm__ volatile("pause" ::: "memory");
	__asm__ volatile("cli" ::: "memory");
}

static void check_oneshot_timer(void)
{
	uint64_t armed;

	timer_hits = 0;
	lapic_wr(LAPIC_TDCR, TDCR_DIV1);
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER); /* one-shot */
	armed = rdtsc();
	lapic_wr(LAPIC_TMICT, ONESHOT_COUNT);
	wait_timer(1, armed + 1000ULL * ONESHOT_COUNT);
	result(timer_hits == 1, "vLAPIC one-shot timer: it interrupts");
	result(timer_hits && timer_tsc[0] - armed >= ONESHOT_COUNT,
	       "vLAPIC one-shot timer: not before its count ran down");
	result(lapic_rd(LAPIC_TMCCT) == 0,
	       "vLAPIC one-shot timer: the current count is 0 after it");
	/* it must not come again */
	run_for(3ULL * ONESHOT_COUNT);
	result(timer_hits == 1, "vLAPIC one-shot timer: only once");
}

static void check_periodic_timer(void)
{
	uint64_t armed;
	int early = 0;

	timer_hits = 0;
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	armed = rdtsc();
	lapic_wr(LAPIC_TMICT, PERIOD_COUNT);
	wait_timer(PERIODS, armed + 1000ULL * PERIODS * PERIOD_COUNT);
	lapic_wr(LAPIC_TMICT, 0); /* stops it */
	for (unsigned k = 0; k < timer_hits && k < PERIODS; k++)
		if (timer_tsc[k] - armed < (k + 1ULL) * PERIOD_COUNT)
			early++;
	result(timer_hits >= PERIODS, "vLAPIC periodic timer: it keeps interrupting");
	result(timer_hits && !early,
	       "vLAPIC periodic timer: the k-th interrupt not before k periods");
	run_for(1000); /* a period that fell due just before the count was cleared */
	armed = timer_hits;
	run_for(3ULL * PERIOD_COUNT);
	result(timer_hits == armed, "vLAPIC periodic timer: silent once its count is cleared");
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | (1U << 16)); /* masked */
}

static void check_self_ipi(void)
{
	ipi_hits = 0;
	lapic_wr(LAPIC_TPR, 0x40); /* class 4: holds vector 0x41 back */
	lapic_wr(LAPIC_ICR_LOW, VEC_IPI | ICR_SELF);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	result(ipi_hits == 0, "self-IPI: held back while the TPR's class is the vector's");
	lapic_wr(LAPIC_TPR, 0);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	result(ipi_hits == 1, "self-IPI: delivered once the TPR drops");
}

/* vCPU 1, from the trampoline: say who it is, then take IPIs in HLT. */
void ap_main(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("lidt %0" : : "m"(idtr));
	lapic_wr(LAPIC_SVR, 0x1ff);
	ap_apic_id = lapic_rd(LAPIC_ID) >> 24;
	cpuid(1, &a, &b, &c, &d);
	ap_cpuid_id = b >> 24;
	__atomic_fetch_add(&ap_starts, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Interrupts on until *@flag reaches @want or SMP_WAIT ticks passed. */
static void spin_until(volatile uint32_t *flag, uint32_t want)
{
	uint64_t t0 = rdtsc();

	while (*flag < want && rdtsc() - t0 < SMP_WAIT)
		__asm__ volatile("sti; pause; cli" ::: "memory");
}

static void check_smp(const uint8_t *boot_params)
{
	if (!cmdline_has(boot_params, "partition_guest.cpus=2"))
		return;
	bsp_apic_id = lapic_rd(LAPIC_ID) >> 24;
	ap_start(ap_main, ap_stack + sizeof(ap_stack));
	spin_until(&ap_starts, 1);
	result(ap_starts == 1, "SMP: vCPU 1 started by INIT/STARTUP (real mode -> long mode)");
	puts_com1("# vCPU 0 APIC ID ");
	put_dec(bsp_apic_id);
	puts_com1(", vCPU 1 APIC ID ");
	put_dec(ap_apic_id);
	puts_com1("\n");
	result(ap_starts && ap_apic_id != bsp_apic_id && ap_cpuid_id == ap_apic_id,
	       "SMP: vCPU 1 has its own APIC ID, and its CPUID says the same");
	lapic_wr(LAPIC_ICR_HIGH, ap_apic_id << 24);
	lapic_wr(LAPIC_ICR_LOW, VEC_PING);
	spin_until(&pongs, 1);
	result(ap_pings == 1 && pongs == 1,
	       "SMP: a fixed IPI vCPU 0 -> vCPU 1 is taken, and its IPI back to vCPU 0");
}

static void check_ports(void)
{
	outl(PCI_ADDR, 0x80000000U);
	result(inl(PCI_DATA) == 0xffffffffU,
	       "PCI configuration (a port nobody owns) reads as all ones");
}

void guest_main(const uint8_t *boot_params)
{
	uint64_t t0 = rdtsc();

	puts_com1("partition-guest: a pre-launched VM, TSC ");
	put_dec(t0);
	puts_com1("\n");
	load_idt();
	check_cpuid();
	check_msrs();
	check_vmcall();
	check_memory(ram_end(boot_params));
	check_ports();
	check_deadline_timer();
	wrmsr(MSR_TSC_DEADLINE, 0);
	check_oneshot_timer();
	check_periodic_timer();
	check_self_ipi();
	check_smp(boot_params);
	result(rdtsc() > t0, "the TSC runs");
	puts_com1("1..");
	put_dec((uint64_t)tests);
	puts_com1("\npartition-guest: done, ");
	put_dec((uint64_t)failed);
	puts_com1(" failed; powering off\n");
	outw(PM1A_CNT, (uint16_t)(PM1_SLP_EN | (SLP_TYP_S5 << SLP_TYP_SHIFT)));
	for (;;)
		__asm__ volatile("cli; hlt");
}
