/* pm-guest: a User VM for the whole management chain (acrnctl/virsh ->
 * acrnd -> acrn-dm -> HSM -> hypervisor) that needs no interrupt
 * controller: everything it does is port I/O, i.e. I/O requests answered
 * by acrn-dm.  It prints on COM1, reads the PCI host bridge's IDs, and then
 * does what `pm_guest.mode=` on its command line says:
 *
 *   button    ACPI on, then poll PM1 for the power button (acrn-dm raises it
 *             when acrnd stops the VM gracefully) and power off with S5
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

void guest_main(const uint8_t *boot_params);

static void puts_com1(const char *s)
{
	while (*s)
		outb(COM1_THR, (uint8_t)*s++);
}

static void put_hex(uint32_t v, int digits)
{
	char buf[9];

	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		buf[i] = "0123456789abcdef"[v & 0xf];
	buf[digits] = 0;
	puts_com1(buf);
}

static void put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i);
	puts_com1(buf + i);
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

static void power_off(void)
{
	puts_com1("pm-guest: powering off (S5)\n");
	outw(PM1A_CNT, (uint16_t)(SLP_TYP_S5 << SLP_TYP_SHIFT | PM1_SLP_EN));
	puts_com1("pm-guest: still running after S5!\n");
}

/* Ticks forever; with @watch_button, powers off when the button is seen. */
static void run(int watch_button)
{
	uint64_t start = rdtsc(), next_tick = start + TICK_TSC, next_poll = start, ticks = 0;

	for (;;) {
		uint64_t now = rdtsc();

		if (watch_button && now >= next_poll) {
			next_poll = now + POLL_TSC;
			if (inw(PM1A_STS) & PM1_PWRBTN) {
				outw(PM1A_STS, PM1_PWRBTN); /* write 1 to clear */
				puts_com1("pm-guest: power button pressed\n");
				power_off();
				return;
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
		run(0);
	} else {
		outb(SMI_CMD, ACPI_ENABLE);
		outw(PM1A_EN, PM1_PWRBTN);
		puts_com1("pm-guest: ACPI on, waiting for the power button\n");
		run(1);
	}
	for (;;)
		__asm__ volatile("hlt");
}
