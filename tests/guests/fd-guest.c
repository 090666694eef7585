/* fd-guest: the HSM's ioeventfd and irqfd from inside a User VM, run by
 * tests/platform/probe/uvm-run (an ELF64 at 1 MiB, entered in long mode
 * with RSI = boot_params and interrupts off).  It talks through ports the
 * probe serves or registers:
 *
 *   PORT_KICK  written KICKS times with KICK_VALUE (an ioeventfd with data
 *              match: the HSM completes them in the kernel and signals the
 *              eventfd, user space never sees them), then once with another
 *              value (no match: a normal I/O request to the probe)
 *   PORT_READY written with its APIC ID: the probe registers an irqfd for
 *              an MSI to that APIC ID with vector VEC_MSI and signals it
 *   PORT_DONE  written with the number of MSIs it took (HLT until one came)
 *
 * then it powers off with S5 (PM1a_CNT 0x404). */
#include <stdint.h>

#include "guest-io.h"

#define PORT_KICK  0x5e0
#define PORT_READY 0x5e4
#define PORT_DONE  0x5e8
#define KICKS	   16
#define KICK_VALUE 0xab
#define VEC_MSI	   0x41
#define LAPIC_ID   0x20
#define LAPIC_EOI  0xb0
#define LAPIC_SVR  0xf0
#define WAIT_TSC   (1ULL << 32)

void fd_guest_main(void);

static struct idt_entry idt[VEC_MSI + 1] __attribute__((aligned(16)));
static volatile unsigned msis;
static uint8_t stack[8192] __attribute__((aligned(16), used));

__asm__(".section .text.fd_guest_start, \"ax\"\n"
	".globl fd_guest_start\n"
	"fd_guest_start:\n"
	"	lea stack+8192(%rip), %rsp\n"
	"	call fd_guest_main\n"
	"1:	cli; hlt; jmp 1b\n"
	".previous\n");

__attribute__((interrupt)) static void on_msi(struct interrupt_frame *f)
{
	(void)f;
	msis++;
	lapic_wr(LAPIC_EOI, 0);
}

static void load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	idt[VEC_MSI] = idt_gate((void *)on_msi);
	__asm__ volatile("lidt %0" : : "m"(d));
}

void fd_guest_main(void)
{
	uint64_t give_up;

	load_idt();
	lapic_wr(LAPIC_SVR, 0x1ff);
	for (unsigned i = 0; i < KICKS; i++)
		outb(PORT_KICK, KICK_VALUE);
	outb(PORT_KICK, 1);
	outl(PORT_READY, lapic_rd(LAPIC_ID) >> 24);
	give_up = rdtsc() + WAIT_TSC;
	while (!msis && rdtsc() < give_up)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	outl(PORT_DONE, msis);
	outw(PM1A_CNT, (uint16_t)(PM1_SLP_EN | (SLP_TYP_S5 << SLP_TYP_SHIFT)));
}
