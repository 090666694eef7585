/* vintr-guest: a User VM that checks the hypervisor's virtual interrupt
 * controllers from the inside (a bzImage that acrn-dm boots with -k, like
 * pm-guest). It programs its vLAPIC through the xAPIC page and the MSRs,
 * its vIOAPIC through its MMIO window and its vPIC through the ports, takes
 * the interrupts in its own IDT, checks string I/O (INS/OUTS) on acrn-dm's
 * UART and prints TAP-like lines on COM1:
 *
 *   vintr-guest: ok N - what          / vintr-guest: not ok N - what
 *   vintr-guest: done P passed F failed
 *
 * then powers off (S5). Times are guest TSC ticks (Bochs ticks once per
 * instruction), never wall time: the timer checks count interrupts and
 * compare their TSC with what was programmed (never early, and a periodic
 * timer's fifth tick before its sixth period). Nothing is printed while a
 * timer runs: every byte on COM1 is an I/O request to acrn-dm, which costs
 * guest time. If an interrupt never comes the guest sleeps in HLT for ever
 * and the scenario's wait for "done" fails. */
#include <stddef.h>
#include <stdint.h>

#include "guest-io.h"
#include "ap-start.h"

#define IOAPIC_BASE	0xfec00000UL
#define LAPIC_ID	0x20
#define LAPIC_VERSION	0x30
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define LAPIC_IRR	0x200
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TMR_ICR	0x380
#define LAPIC_TMR_CCR	0x390
#define LAPIC_TMR_DCR	0x3e0
#define LVT_MASKED	(1U << 16)
#define LVT_PERIODIC	(1U << 17)
#define LVT_TSC_DL	(2U << 17)
#define ICR_SELF	(1U << 18)
#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DL	0x6e0
#define MSR_X2APIC_ID	0x802
#define MSR_X2APIC_EOI	0x80b
#define MSR_SELF_IPI	0x83f
#define APIC_BASE_EN	(1U << 11)
#define APIC_BASE_X2	(1U << 10)
#define APIC_BASE_BSP	(1U << 8)
#define COM1_IER	0x3f9
#define COM1_IIR	0x3fa
#define COM1_MCR	0x3fc
#define COM1_SCR	0x3ff
#define UART_IRQ	4

#define VEC_TIMER  0x30
#define VEC_UART   0x31
#define VEC_SELF   0x33
#define VEC_X2SELF 0x34
#define VEC_PING   0x35 /* vCPU 0 -> vCPU 1 */
#define VEC_PONG   0x36 /* vCPU 1 -> vCPU 0, the answer */
#define VEC_SPUR   0xff

/* the periodic timer's floor is 100 us (350,000 ticks at 3.5 GHz): stay above it */
#define ONESHOT_TSC  2000000ULL
#define PERIOD_TSC   1000000ULL
#define PERIODS	     5
#define DEADLINE_TSC 1500000ULL

void guest_main(const uint8_t *boot_params);
void ap_main(void);

struct iframe;
static volatile uint64_t count[256], when[256];
static uint32_t passed, failed, apic_id;
static volatile uint32_t ap_starts, ap_apic_id, ap_pings;
static uint8_t ap_stack[8192] __attribute__((aligned(16)));
static int x2apic;

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t ioapic_rd(uint32_t reg)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

static void ioapic_wr(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static void put_hex(uint64_t v)
{
	char buf[17];
	int i = 16;

	buf[i] = 0;
	do
		buf[--i] = "0123456789abcdef"[v & 0xf];
	while ((v >>= 4) && i);
	puts_com1("0x");
	puts_com1(buf + i);
}

static void check(int cond, const char *what)
{
	puts_com1(cond ? "vintr-guest: ok " : "vintr-guest: not ok ");
	put_dec(passed + failed + 1);
	puts_com1(" - ");
	puts_com1(what);
	puts_com1("\n");
	if (cond)
		passed++;
	else
		failed++;
}

static void eoi(void)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_EOI, 0);
	else
		lapic_wr(LAPIC_EOI, 0);
}

/* Interrupt handlers: count the vector, note the guest TSC, EOI. */
#define HANDLER(name, vec, extra)                                                                  \
	__attribute__((interrupt)) static void name(struct iframe *f)                              \
	{                                                                                          \
		(void)f;                                                                           \
		when[vec] = rdtsc();                                                               \
		count[vec]++;                                                                      \
		extra;                                                                             \
		eoi();                                                                             \
	}
HANDLER(irq_timer, VEC_TIMER, )
HANDLER(irq_uart, VEC_UART, (void)inb(COM1_IIR)) /* reading IIR acknowledges THRE */
HANDLER(irq_self, VEC_SELF, )
HANDLER(irq_x2self, VEC_X2SELF, )

/* on vCPU 1: answer vCPU 0's ping with an IPI to it (xAPIC, physical destination) */
HANDLER(irq_ping, VEC_PING,
	(ap_pings++, lapic_wr(LAPIC_ICR_HI, apic_id << 24), lapic_wr(LAPIC_ICR_LO, VEC_PONG)))
HANDLER(irq_pong, VEC_PONG, )

__attribute__((interrupt)) static void irq_spurious(struct iframe *f)
{
	(void)f;
	count[VEC_SPUR]++; /* no EOI for the spurious vector */
}

/* Any exception ends the test: report it and stop (HLT with IF=0 stops the vCPU). */
__attribute__((interrupt)) static void exception(struct iframe *f)
{
	(void)f;
	puts_com1("vintr-guest: not ok 0 - unexpected exception\n");
	for (;;)
		__asm__ volatile("cli; hlt");
}

static struct {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed)) idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vec, void (*fn)(struct iframe *))
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[vec].off0 = (uint16_t)a;
	idt[vec].sel = cs;
	idt[vec].ist = 0;
	idt[vec].type = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
	idt[vec].off1 = (uint16_t)(a >> 16);
	idt[vec].off2 = (uint32_t)(a >> 32);
	idt[vec].zero = 0;
}

static struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) idtr;

static void setup_idt(void)
{

	for (unsigned v = 0; v < 32; v++)
		set_gate(v, exception);
	set_gate(VEC_TIMER, irq_timer);
	set_gate(VEC_UART, irq_uart);
	set_gate(VEC_SELF, irq_self);
	set_gate(VEC_X2SELF, irq_x2self);
	set_gate(VEC_PING, irq_ping);
	set_gate(VEC_PONG, irq_pong);
	set_gate(VEC_SPUR, irq_spurious);
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/* Sleep in HLT with interrupts on until @vec has been taken @n times. */
static void wait_count(unsigned vec, uint64_t n)
{
	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		if (count[vec] >= n)
			break;
		__asm__ volatile("sti; hlt" ::: "memory"); /* no interrupt lost in between */
	}
}

static void test_identity(void)
{
	uint32_t a, b, c, d;
	uint64_t base = rdmsr(MSR_APIC_BASE);

	cpuid(1, &a, &b, &c, &d);
	apic_id = lapic_rd(LAPIC_ID) >> 24;
	puts_com1("vintr-guest: APIC ID ");
	put_dec(apic_id);
	puts_com1(", IA32_APIC_BASE ");
	put_hex(base);
	puts_com1("\n");
	check((c & (1U << 21)) && (c & (1U << 24)) && !(c & (1U << 3)),
	      "CPUID.1 ECX advertises x2APIC and TSC-deadline, not MONITOR/MWAIT");
	check(b >> 24 == apic_id, "CPUID.1 EBX[31:24] is the LAPIC ID register's APIC ID");
	check((base & ~0xfffULL) == LAPIC_BASE && (base & APIC_BASE_EN) && (base & APIC_BASE_BSP),
	      "IA32_APIC_BASE: enabled xAPIC at 0xFEE00000, BSP");
	check((lapic_rd(LAPIC_VERSION) & 0xff00ff) == 0x050014, "LAPIC version 0x14, 6 LVTs");
	cpuid(0x15, &a, &b, &c, &d);
	puts_com1("vintr-guest: CPUID 0x15 ");
	put_dec(a);
	puts_com1("/");
	put_dec(b);
	puts_com1(" crystal ");
	put_dec(c);
	puts_com1(" Hz\n");
	check(a == 1 && b == 1 && c != 0,
	      "CPUID 0x15: TSC = crystal (the vLAPIC timer's clock), Hz given");
}

static void test_oneshot(void)
{
	uint64_t t0, dt;
	uint32_t ccr;

	lapic_wr(LAPIC_TMR_DCR, 0xb); /* divide by 1 */
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER);
	t0 = rdtsc();
	lapic_wr(LAPIC_TMR_ICR, (uint32_t)ONESHOT_TSC);
	ccr = lapic_rd(LAPIC_TMR_CCR);
	/* one HLT: it must sleep until the timer, not return before */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	dt = when[VEC_TIMER] - t0;
	check(ccr > 0 && ccr < ONESHOT_TSC, "one-shot: the current count runs down");
	check(count[VEC_TIMER] == 1, "HLT waits for the one-shot timer interrupt (1 taken)");
	check(dt >= ONESHOT_TSC, "one-shot: not before its count (guest TSC)");
	puts_com1("vintr-guest: bench one-shot ");
	put_dec(ONESHOT_TSC);
	puts_com1(" ticks: interrupt after ");
	put_dec(dt);
	puts_com1(" TSC ticks\n");
	check(lapic_rd(LAPIC_TMR_CCR) == 0, "one-shot: the current count is 0 after it fired");
}

static void test_periodic(void)
{
	uint64_t t0, dt, n0 = count[VEC_TIMER];

	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	t0 = rdtsc();
	lapic_wr(LAPIC_TMR_ICR, (uint32_t)PERIOD_TSC);
	wait_count(VEC_TIMER, n0 + PERIODS);
	dt = when[VEC_TIMER] - t0;
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
	lapic_wr(LAPIC_TMR_ICR, 0);
	puts_com1("vintr-guest: bench periodic ");
	put_dec(PERIOD_TSC);
	puts_com1(" ticks: 5th interrupt after ");
	put_dec(dt);
	puts_com1(" TSC ticks\n");
	check(dt >= PERIODS * PERIOD_TSC && dt < (PERIODS + 1) * PERIOD_TSC,
	      "periodic: 5 interrupts, the 5th within its 5th period (guest TSC)");
	n0 = count[VEC_TIMER];
	/* masked and stopped: nothing more comes (a one-shot on another vector would) */
	for (uint64_t t = rdtsc(); rdtsc() - t < 2 * PERIOD_TSC;)
		__asm__ volatile("sti; nop; cli" ::: "memory");
	check(count[VEC_TIMER] == n0, "periodic: stopped by ICR=0, no more interrupts");
}

static void test_tsc_deadline(void)
{
	uint64_t dl, armed, n0 = count[VEC_TIMER];

	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_TSC_DL);
	dl = rdtsc() + DEADLINE_TSC;
	wrmsr(MSR_TSC_DL, dl);
	armed = rdmsr(MSR_TSC_DL);
	wait_count(VEC_TIMER, n0 + 1);
	check(armed == dl, "TSC-deadline: IA32_TSC_DEADLINE reads back while armed");
	puts_com1("vintr-guest: bench TSC deadline: interrupt ");
	put_dec(when[VEC_TIMER] - dl);
	puts_com1(" TSC ticks after the deadline\n");
	check(when[VEC_TIMER] >= dl,
	      "TSC-deadline: the interrupt comes at the deadline, not before");
	check(rdmsr(MSR_TSC_DL) == 0, "TSC-deadline: IA32_TSC_DEADLINE reads 0 once fired");
	/* a deadline in the past fires at once */
	wrmsr(MSR_TSC_DL, 1);
	wait_count(VEC_TIMER, n0 + 2);
	check(count[VEC_TIMER] == n0 + 2, "TSC-deadline: a deadline already passed fires at once");
	lapic_wr(LAPIC_LVT_TIMER, VEC_TIMER | LVT_MASKED);
}

static void test_self_ipi(void)
{
	lapic_wr(LAPIC_ICR_HI, 0);
	lapic_wr(LAPIC_ICR_LO, ICR_SELF | VEC_SELF); /* fixed, edge, self shorthand */
	check((lapic_rd(LAPIC_IRR + (VEC_SELF / 32) * 0x10) >> (VEC_SELF % 32)) & 1,
	      "self-IPI: pending in IRR while interrupts are off");
	__asm__ volatile("sti; nop; cli" ::: "memory");
	check(count[VEC_SELF] == 1, "self-IPI: taken once interrupts are on");
	/* TPR above the vector's class holds it back */
	lapic_wr(LAPIC_TPR, 0x40);
	lapic_wr(LAPIC_ICR_LO, ICR_SELF | VEC_SELF);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	check(count[VEC_SELF] == 1, "self-IPI: held back by TPR 0x40");
	lapic_wr(LAPIC_TPR, 0);
	__asm__ volatile("sti; nop; cli" ::: "memory");
	check(count[VEC_SELF] == 2, "self-IPI: delivered when TPR drops");
}

/*
 * Bench: guest TSC ticks from a self-IPI's ICR write to its handler (the
 * ICR exit, the vLAPIC, the injection at the next entry), over 100.
 */
static void bench_self_ipi(void)
{
	uint64_t sum = 0, n0 = count[VEC_SELF], t_read, ids = 0;

	for (int i = 0; i < 100; i++) {
		uint64_t t0 = rdtsc();

		lapic_wr(LAPIC_ICR_LO, ICR_SELF | VEC_SELF);
		__asm__ volatile("sti; nop; cli" ::: "memory");
		sum += when[VEC_SELF] - t0;
	}
	check(count[VEC_SELF] == n0 + 100, "100 self-IPIs, 100 interrupts");
	/* for comparison: a vLAPIC register read, the same MMIO exit without an interrupt */
	t_read = rdtsc();
	for (int i = 0; i < 100; i++)
		ids += lapic_rd(LAPIC_ID) >> 24;
	t_read = rdtsc() - t_read;
	check(ids == 100 * apic_id, "100 LAPIC ID reads");
	puts_com1("vintr-guest: bench LAPIC register read (MMIO exit) ");
	put_dec(t_read / 100);
	puts_com1(" TSC ticks (average of 100)\n");
	puts_com1("vintr-guest: bench self-IPI to handler ");
	put_dec(sum / 100);
	puts_com1(" TSC ticks (average of 100)\n");
}

static void test_ioapic_uart(void)
{
	uint32_t ver = ioapic_rd(1);

	check(((ver >> 16) & 0xff) == 47 && (ver & 0xff) == 0x11, "vIOAPIC: version 0x11, 48 pins");
	/* COM1's IRQ 4: edge, active high, fixed, physical destination = us */
	ioapic_wr(0x10 + 2 * UART_IRQ + 1, apic_id << 24);
	ioapic_wr(0x10 + 2 * UART_IRQ, VEC_UART);
	check(ioapic_rd(0x10 + 2 * UART_IRQ) == VEC_UART, "vIOAPIC: redirection entry reads back");
	/* acrn-dm raises IRQ 4 when THRE interrupts are enabled and OUT2 gates the line */
	outb(COM1_MCR, 0x0b);
	outb(COM1_IER, 0x02);
	wait_count(VEC_UART, 1);
	outb(COM1_IER, 0);
	check(count[VEC_UART] >= 1,
	      "vIOAPIC: the UART's THRE interrupt from acrn-dm (IRQ 4) arrives");
	ioapic_wr(0x10 + 2 * UART_IRQ, VEC_UART | (1U << 16)); /* masked again */
}

void ap_main(void)
{
	__asm__ volatile("lidt %0" : : "m"(idtr));
	lapic_wr(LAPIC_SVR, 0x100 | VEC_SPUR);
	ap_apic_id = lapic_rd(LAPIC_ID) >> 24;
	__atomic_fetch_add(&ap_starts, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Spin (interrupts on) until *@flag reaches @want or @limit TSC ticks passed. */
static int spin_until(volatile uint32_t *flag, uint32_t want, uint64_t limit)
{
	uint64_t t0 = rdtsc();

	while (*flag < want && rdtsc() - t0 < limit)
		__asm__ volatile("sti; pause; cli" ::: "memory");
	return *flag >= want;
}

/* vCPU 1: INIT/STARTUP from here, then an IPI each way. */
static void test_smp(void)
{
	uint64_t t0;

	ap_start(ap_main, ap_stack + sizeof(ap_stack));
	check(spin_until(&ap_starts, 1, 200000000ULL),
	      "SMP: vCPU 1 started by INIT/STARTUP (real mode at 0x8000 -> long mode)");
	puts_com1("vintr-guest: vCPU 1 has APIC ID ");
	put_dec(ap_apic_id);
	puts_com1("\n");
	check(ap_apic_id != apic_id, "SMP: vCPU 1 has its own APIC ID");
	/* a second STARTUP to a running vCPU is ignored (SDM) */
	ap_send_startup();
	t0 = rdtsc();
	while (rdtsc() - t0 < 20000000ULL)
		__asm__ volatile("pause");
	check(ap_starts == 1, "SMP: a STARTUP to a running vCPU is ignored");
	/* ping vCPU 1 (physical destination), it answers with an IPI to us */
	lapic_wr(LAPIC_ICR_HI, ap_apic_id << 24);
	lapic_wr(LAPIC_ICR_LO, VEC_PING);
	t0 = rdtsc();
	while (count[VEC_PONG] < 1 && rdtsc() - t0 < 200000000ULL)
		__asm__ volatile("sti; pause; cli" ::: "memory");
	check(ap_pings == 1 && count[VEC_PONG] == 1,
	      "SMP: fixed IPI vCPU 0 -> vCPU 1 taken, its IPI back to vCPU 0 taken");
}

/*
 * INS/OUTS on acrn-dm's UART: each element is an I/O request of its own.
 * The first check's whole line goes out through REP OUTSB, so it only
 * shows on COM1 if string output works (the scenario counts the lines).
 */
static void test_string_io(void)
{
	static const char text[] = " - string I/O: this line came through rep outsb\n";
	static char line[96] = "vintr-guest: ok ";
	static volatile uint8_t buf[8];
	char digits[12];
	const char *src = line;
	uint8_t *dst;
	uint64_t cnt, n = 16, v = passed + failed + 1;
	int d = 0, i;

	do
		digits[d++] = (char)('0' + v % 10);
	while ((v /= 10) && d < 11);
	while (d)
		line[n++] = digits[--d];
	for (i = 0; text[i]; i++)
		line[n++] = text[i];
	cnt = n;
	__asm__ volatile("cld; rep outsb" : "+S"(src), "+c"(cnt) : "d"(COM1_THR) : "memory");
	passed++;
	check(cnt == 0 && src == line + n,
	      "string I/O: rep outsb left RCX 0 and RSI past the line");
	outb(COM1_SCR, 0xa5);
	dst = (uint8_t *)buf;
	cnt = 4;
	__asm__ volatile("cld; rep insb" : "+D"(dst), "+c"(cnt) : "d"(COM1_SCR) : "memory");
	check(cnt == 0 && dst == buf + 4 && buf[0] == 0xa5 && buf[3] == 0xa5 && buf[4] == 0,
	      "string I/O: rep insb read the UART's scratch register 4 times into memory");
	outb(COM1_SCR, 0x3c);
	dst = (uint8_t *)&buf[6];
	__asm__ volatile("std; insb; cld" : "+D"(dst) : "d"(COM1_SCR) : "memory");
	check(dst == buf + 5 && buf[6] == 0x3c,
	      "string I/O: insb with RFLAGS.DF set stores and steps RDI backwards");
}

static void test_pic(void)
{
	/* the PIC is the hypervisor's (vPIC): what is written reads back */
	outb(0x21, 0xa5);
	outb(0xa1, 0x5a);
	check(inb(0x21) == 0xa5 && inb(0xa1) == 0x5a, "vPIC: both IMRs read back");
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	outb(0x4d0, 0x20); /* IRQ 5 level */
	check(inb(0x4d0) == 0x20, "vPIC: ELCR reads back");
	outb(0x4d0, 0);
}

static void test_x2apic(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2);
	x2apic = 1;
	check(rdmsr(MSR_X2APIC_ID) == apic_id, "x2APIC: ID MSR = the xAPIC ID");
	wrmsr(MSR_SELF_IPI, VEC_X2SELF);
	__asm__ volatile("sti; nop; cli" ::: "memory");
	check(count[VEC_X2SELF] == 1, "x2APIC: SELF_IPI MSR interrupt taken, EOI by MSR");
}

void guest_main(const uint8_t *boot_params)
{
	int smp = cmdline_has(boot_params, "vintr.cpus=2"); /* vCPU 1 exists */

	puts_com1("vintr-guest: hello\n");
	setup_idt();
	lapic_wr(LAPIC_SVR, 0x100 | VEC_SPUR); /* software-enable the vLAPIC */
	test_identity();
	test_oneshot();
	test_periodic();
	test_tsc_deadline();
	test_self_ipi();
	bench_self_ipi();
	test_ioapic_uart();
	test_pic();
	test_string_io();
	if (smp)
		test_smp();
	test_x2apic();
	check(count[VEC_SPUR] == 0, "no spurious interrupt");
	puts_com1("vintr-guest: done ");
	put_dec(passed);
	puts_com1(" passed ");
	put_dec(failed);
	puts_com1(" failed\n");
	outw(PM1A_CNT, (uint16_t)(SLP_TYP_S5 << SLP_TYP_SHIFT | PM1_SLP_EN));
	for (;;)
		__asm__ volatile("cli; hlt");
}
