/* pm-guest: a User VM for the whole management chain (acrnctl/virsh ->
 * acrnd -> acrn-dm -> HSM -> hypervisor) that needs no interrupt
 * controller: everything it does is port I/O, i.e. I/O requests answered
 * by acrn-dm.  It prints on COM1, reads the PCI host bridge's IDs, and then
 * does what `pm_guest.mode=` on its command line says:
 *
 *   button    ACPI on, then poll PM1 for the power button (acrn-dm raises it
 *             when acrnd stops the VM gracefully) and power off with S5;
 *             and for the sleep button (acrn-dm's `suspend`): enter S3 with
 *             a real-mode waking vector in the FACS, which after acrn-dm's
 *             `wakeup` says so and waits for the power button again
 *   ignore    never look at the button (only a force-stop ends it)
 *   poweroff  power off with S5 at once
 *   reboot    reset through 0xCF9
 *
 * Both loops print "pm-guest: tick N" about every 2^27 TSC ticks, so a
 * test sees a paused VM's ticks stop and a resumed one's go on. */
#include <stddef.h>
#include <stdint.h>

#include "guest-io.h"

#define TICK_TSC (1ULL << 27)
#define POLL_TSC (1ULL << 23) /* PM1 read (one I/O request) this often */

#define PM1_SLPBTN	   0x0200
#define SLP_TYP_S3	   3 /* the DSDT's \_S3 */
#define BP_ACPI_RSDP_ADDR  0x070
#define FACS_WAKING_VECTOR 12
/* Where the real-mode wake code goes: conventional memory that the boot
 * protocol's data (zero page 0x7000, page tables 0x9000..0xEFFF, command
 * line 0x20000) leaves free. A multiple of 16, so CS:IP = 0x600:0. */
#define WAKE_ADDR 0x6000

void guest_main(const uint8_t *boot_params);

/* The S3 resume path. acrn-dm restarts vCPU 0 in real mode at the FACS
 * waking vector (CS = vector >> 4, IP = vector & 15) with the guest's memory
 * as it was, so this code is copied below 1 MiB. It cannot go back to the
 * 64-bit loop without rebuilding long mode, and needs not: it announces the
 * wakeup (proof that the guest ran again, and where) and then, like the
 * 64-bit loop, polls PM1 for the power button (about every 2^23
 * instructions, so that the poll does not flood acrn-dm with I/O requests)
 * and powers off with S5. Position-independent: data is addressed from
 * CS, set into DS and SS. */
extern const uint8_t wake16_start[], wake16_end[];
__asm__(".pushsection .rodata\n"
	".code16\n"
	"wake16_start:\n"
	"	cli\n"
	"	mov %cs, %ax\n"
	"	mov %ax, %ds\n"
	"	mov %ax, %ss\n"
	"	mov $0xfff0, %sp\n"
	"	mov $(wake16_woke - wake16_start), %si\n"
	"	call wake16_print\n"
	"1:	mov $0x400000, %ecx\n"
	"2:	pause\n"
	"	dec %ecx\n"
	"	jnz 2b\n"
	"	mov $0x400, %dx\n" /* PM1A_STS */
	"	in %dx, %ax\n"
	"	test $0x100, %ax\n" /* PM1_PWRBTN */
	"	jz 1b\n"
	"	mov $0x100, %ax\n"
	"	out %ax, %dx\n" /* write 1 to clear */
	"	mov $(wake16_off - wake16_start), %si\n"
	"	call wake16_print\n"
	"	mov $0x404, %dx\n"  /* PM1A_CNT */
	"	mov $0x3400, %ax\n" /* SLP_TYP 5 | SLP_EN */
	"	out %ax, %dx\n"
	"3:	hlt\n"
	"	jmp 3b\n"
	"wake16_print:\n"
	"	mov $0x3f8, %dx\n"
	"4:	lodsb\n"
	"	test %al, %al\n"
	"	jz 5f\n"
	"	out %al, %dx\n"
	"	jmp 4b\n"
	"5:	ret\n"
	"wake16_woke:\n"
	"	.asciz \"pm-guest: woke from S3 (real mode at the waking vector)\\n"
	"pm-guest: waiting for the power button\\n\"\n"
	"wake16_off:\n"
	"	.asciz \"pm-guest: power button pressed\\npm-guest: powering off (S5)\\n\"\n"
	"wake16_end:\n"
	".code64\n"
	".popsection\n");

static void put_hex(uint32_t v, int digits)
{
	char buf[9];

	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 0xf];
	buf[digits] = 0;
	puts_com1(buf);
}

/* The value of "key=" on the command line, up to the next space. */
static const char *param(const char *cmdline, const char *key, size_t *len)
{
	size_t klen = 0;

	while (key[klen])
		klen++;
	for (const char *p = cmdline; p && *p; p++) {
		size_t i = 0;

		if (p != cmdline && p[-1] != ' ')
			continue;
		while (i < klen && p[i] == key[i])
			i++;
		if (i < klen)
			continue;
		p += klen;
		for (*len = 0; p[*len] && p[*len] != ' '; (*len)++)
			;
		return p;
	}
	return NULL;
}

static int is(const char *v, size_t len, const char *word)
{
	size_t i = 0;

	if (!v)
		return 0;
	while (i < len && word[i] && v[i] == word[i])
		i++;
	return i == len && !word[i];
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static int sig_is(const uint8_t *p, const char *sig)
{
	for (; *sig; p++, sig++)
		if (*p != (uint8_t)*sig)
			return 0;
	return 1;
}

static const uint8_t *phys(uint64_t addr)
{
	return (const uint8_t *)(uintptr_t)addr; /* the first 4 GiB are identity-mapped */
}

/* The FACS, found as an OS finds it: RSDP (from the zero page) -> XSDT, or
 * RSDT -> FADT ("FACP") -> FIRMWARE_CTRL, or X_FIRMWARE_CTRL. */
static uint8_t *find_facs(const uint8_t *boot_params)
{
	const uint8_t *rsdp = phys(rd64(boot_params + BP_ACPI_RSDP_ADDR)), *sdt;
	uint32_t entry, len;

	if (!rsdp || !sig_is(rsdp, "RSD PTR "))
		return NULL;
	entry = rsdp[15] >= 2 && rd64(rsdp + 24) ? 8 : 4;
	sdt = phys(entry == 8 ? rd64(rsdp + 24) : rd32(rsdp + 16));
	len = rd32(sdt + 4);
	for (uint32_t off = 36; off + entry <= len; off += entry) {
		const uint8_t *t = phys(entry == 8 ? rd64(sdt + off) : rd32(sdt + off));
		uint64_t facs;

		if (!sig_is(t, "FACP"))
			continue;
		facs = rd32(t + 36);
		if (!facs && rd32(t + 4) >= 140)
			facs = rd64(t + 132);
		return facs ? (uint8_t *)(uintptr_t)facs : NULL;
	}
	return NULL;
}

static void power_off(void)
{
	puts_com1("pm-guest: powering off (S5)\n");
	outw(PM1A_CNT, (uint16_t)(SLP_TYP_S5 << SLP_TYP_SHIFT | PM1_SLP_EN));
	puts_com1("pm-guest: still running after S5!\n");
}

/* The sleep button: S3 with the real-mode wake code as the waking vector.
 * Returns only if the FACS is missing or S3 was not entered. */
static void suspend(const uint8_t *boot_params)
{
	uint8_t *facs = find_facs(boot_params);
	/* volatile: a plain copy loop may become a memcpy call, and there is no libc */
	volatile uint8_t *dst = (volatile uint8_t *)(uintptr_t)WAKE_ADDR;

	if (!facs) {
		puts_com1("pm-guest: no FACS, cannot enter S3\n");
		return;
	}
	for (const uint8_t *p = wake16_start; p < wake16_end; p++)
		*dst++ = *p;
	for (int i = 0; i < 4; i++)
		((volatile uint8_t *)facs)[FACS_WAKING_VECTOR + i] =
		    (uint8_t)(WAKE_ADDR >> (8 * i));
	puts_com1("pm-guest: sleep button pressed, entering S3 (waking vector 0x");
	put_hex(WAKE_ADDR, 4);
	puts_com1(")\n");
	outw(PM1A_CNT, (uint16_t)(SLP_TYP_S3 << SLP_TYP_SHIFT | PM1_SLP_EN));
	/* acrn-dm pauses the VM after it completed that write (its main loop
	 * does it, not the I/O request), so the vCPU runs on a little: spin
	 * without I/O, as Linux spins on WAK_STS, and complain only if the
	 * pause never comes. A wakeup restarts the vCPU at the waking vector,
	 * never here. */
	for (uint64_t end = rdtsc() + (TICK_TSC << 4); rdtsc() < end;)
		__asm__ volatile("pause");
	puts_com1("pm-guest: still running after S3!\n");
}

/* Ticks forever; with @boot_params (mode button), powers off when the power
 * button is seen and enters S3 when the sleep button is. */
static void run(const uint8_t *boot_params)
{
	uint64_t start = rdtsc(), next_tick = start + TICK_TSC, next_poll = start, ticks = 0;

	for (;;) {
		uint64_t now = rdtsc();

		if (boot_params && now >= next_poll) {
			uint16_t sts = inw(PM1A_STS);

			next_poll = now + POLL_TSC;
			if (sts & PM1_PWRBTN) {
				outw(PM1A_STS, PM1_PWRBTN); /* write 1 to clear */
				puts_com1("pm-guest: power button pressed\n");
				power_off();
				return;
			}
			if (sts & PM1_SLPBTN) {
				outw(PM1A_STS, PM1_SLPBTN);
				suspend(boot_params);
			}
		}
		if (now >= next_tick) {
			next_tick = now + TICK_TSC;
			puts_com1("pm-guest: tick ");
			put_dec(++ticks);
			puts_com1("\n");
		}
		__asm__ volatile("pause");
	}
}

void guest_main(const uint8_t *boot_params)
{
	const char *cmdline =
	    (const char *)(uintptr_t)(*(const uint32_t *)(boot_params + BP_CMD_LINE_PTR));
	size_t len = 0;
	const char *mode = param(cmdline, "pm_guest.mode=", &len);
	uint32_t id;

	puts_com1("pm-guest: hello from a User VM\npm-guest: command line: ");
	puts_com1(cmdline ? cmdline : "(none)");
	puts_com1("\n");
	outl(PCI_ADDR, 0x80000000u); /* bus 0, device 0, function 0, register 0 */
	id = inl(PCI_DATA);
	puts_com1("pm-guest: PCI 00:00.0 vendor ");
	put_hex(id & 0xffff, 4);
	puts_com1(" device ");
	put_hex(id >> 16, 4);
	puts_com1("\n");

	if (is(mode, len, "poweroff")) {
		power_off();
	} else if (is(mode, len, "reboot")) {
		puts_com1("pm-guest: resetting (0xCF9)\n");
		outb(RESET_REG, 0x06);
		puts_com1("pm-guest: still running after reset!\n");
	} else if (is(mode, len, "ignore")) {
		puts_com1("pm-guest: ignoring the power button\n");
		run(NULL);
	} else {
		outb(SMI_CMD, ACPI_ENABLE);
		outw(PM1A_EN, PM1_PWRBTN | PM1_SLPBTN);
		puts_com1("pm-guest: ACPI on, waiting for the power button\n");
		run(boot_params);
	}
	for (;;)
		__asm__ volatile("hlt");
}
