/* Port I/O, COM1 output, CPUID/MSR/LAPIC access and IDT gates: what the
 * freestanding test guests share, and the few platform facts they use.
 * The guests run on acrn-dm's platform: COM1 at 0x3F8, ACPI PM1 at 0x400,
 * SMI_CMD 0xB2, the reset register 0xCF9, PCI configuration at 0xCF8/0xCFC
 * (docs/devicemodel.md). */
#pragma once

#include <stdint.h>

#define COM1_THR	0x3f8
#define PM1A_STS	0x400
#define PM1A_EN		0x402
#define PM1A_CNT	0x404
#define SMI_CMD		0xb2
#define ACPI_ENABLE	0xa0
#define RESET_REG	0xcf9
#define PCI_ADDR	0xcf8
#define PCI_DATA	0xcfc
#define PM1_PWRBTN	0x0100
#define PM1_SLP_EN	0x2000
#define SLP_TYP_S5	5
#define SLP_TYP_SHIFT	10
#define BP_CMD_LINE_PTR 0x228

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#define LAPIC_BASE 0xfee00000UL

static inline void puts_com1(const char *s)
{
	while (*s)
		outb(COM1_THR, (uint8_t)*s++);
}

static inline void put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i);
	puts_com1(buf + i);
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint32_t lapic_rd(uint32_t off)
{
	return *(volatile uint32_t *)(LAPIC_BASE + off);
}

static inline void lapic_wr(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + off) = v;
}

/* What an __attribute__((interrupt)) handler gets, and a 64-bit IDT gate. */
struct interrupt_frame {
	uint64_t ip, cs, flags, sp, ss;
};

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

/* An interrupt gate to @fn in the current code segment. */
static inline struct idt_entry idt_gate(void *fn)
{
	uint64_t a = (uint64_t)(uintptr_t)fn;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return (struct idt_entry){.off_lo = (uint16_t)a,
				  .sel = cs,
				  .type = 0x8e,
				  .off_mid = (uint16_t)(a >> 16),
				  .off_hi = (uint32_t)(a >> 32)};
}

/* Whether the boot_params command line holds @key (as a substring). */
static inline int cmdline_has(const uint8_t *boot_params, const char *key)
{
	const char *c =
	    (const char *)(uintptr_t)(*(const uint32_t *)(boot_params + BP_CMD_LINE_PTR));

	for (; c && *c; c++) {
		int i = 0;

		while (key[i] && c[i] == key[i])
			i++;
		if (!key[i])
			return 1;
	}
	return 0;
}
