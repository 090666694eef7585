/* Port I/O and the few platform facts the freestanding test guests use.
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
