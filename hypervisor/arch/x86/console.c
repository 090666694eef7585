// SPDX-License-Identifier: BSD-3-Clause
/* 16550 console, the optional port-0xE9 mirror and the leveled log. */
#include "hv.h"

#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR	 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

int hv_loglevel = LOG_WARN;
static u16 uart;
static bool mirror_e9;
static struct spinlock console_lock;

void console_init(u16 port, bool e9)
{
	uart = port;
	mirror_e9 = e9;
	if (!uart)
		return;
	outb(uart + UART_IER, 0);
	outb(uart + UART_LCR, 0x80); /* DLAB: 115200 baud */
	outb(uart + 0, 1);
	outb(uart + 1, 0);
	outb(uart + UART_LCR, 0x03); /* 8N1 */
	outb(uart + UART_FCR, 0x07);
	outb(uart + UART_MCR, 0x03);
}

u16 console_port(void)
{
	return uart;
}

void console_putc(char c)
{
	if (mirror_e9)
		outb(0xe9, (u8)c);
	if (!uart)
		return;
	while (!(inb(uart + UART_LSR) & LSR_THRE))
		cpu_relax();
	outb(uart + UART_THR, (u8)c);
}

void console_write(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			console_putc('\r');
		console_putc(s[i]);
	}
}

int console_getc(void)
{
	if (!uart || !(inb(uart + UART_LSR) & LSR_DR))
		return -1;
	return inb(uart + UART_RBR);
}

void console_drain(void)
{
	int spins = 1000000;

	while (uart && !(inb(uart + UART_LSR) & LSR_TEMT) && --spins)
		cpu_relax();
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	int n = 0;

	if (prefix)
		n = hv_snprintf(buf, sizeof(buf), "%s", prefix);
	n += hv_vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	spin_lock(&console_lock);
	console_write(buf, n);
	spin_unlock(&console_lock);
}

/* Panic path: a CPU that faulted inside vlog() holds the lock. */
void console_break_lock(void)
{
	spin_unlock(&console_lock);
}

void hv_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(NULL, fmt, ap);
	va_end(ap);
}

void hv_log(int level, const char *fmt, ...)
{
	static const char *const prefix[] = {
	    "",		 "ACRN-HV: FATAL: ", "ACRN-HV: ERROR: ",  "ACRN-HV: WARN: ",
	    "ACRN-HV: ", "ACRN-HV: debug: ", "ACRN-HV: verbose: "};
	va_list ap;

	if (level > hv_loglevel || level < 1 || level > LOG_VERBOSE)
		return;
	va_start(ap, fmt);
	vlog(prefix[level], fmt, ap);
	va_end(ap);
}
