/* Platform devices fed with I/O requests: 16550 UART, MC146818 RTC, i8254
 * PIT, ACPI PM1 / SMI_CMD / reset register.  Clocks are the test's own, so
 * nothing depends on the host's speed. */
#include "config.h"

#include "io-helpers.h"
#include "pit.h"
#include "pm.h"
#include "rtc.h"
#include "uart.h"

#define COM1 DM_UART_COM1_BASE

typedef struct {
	DmIoBus *pio, *mmio;
	DmIoDispatcher d;
	IrqLog irqs;
	DmIrqSink sink;
	GString *tx;
	guint rx_space_calls;
	DmUart *uart;
	DmRtc *rtc;
	DmPit *pit;
	DmPm *pm;
	gint64 now_ns, now_s, armed;
	GArray *pm_requests;
} Fixture;

static void tx(gpointer ctx, guint8 b)
{
	g_string_append_c(((Fixture *)ctx)->tx, (char)b);
}

static void rx_space(gpointer ctx)
{
	((Fixture *)ctx)->rx_space_calls++;
}

static gint64 clock_ns(gpointer ctx)
{
	return ((Fixture *)ctx)->now_ns;
}

static gint64 clock_s(gpointer ctx)
{
	return ((Fixture *)ctx)->now_s;
}

static void arm(gpointer ctx, gint64 deadline)
{
	((Fixture *)ctx)->armed = deadline;
}

static void pm_request(gpointer ctx, DmPmRequest r)
{
	g_array_append_val(((Fixture *)ctx)->pm_requests, r);
}

static void setup(Fixture *f, gconstpointer data)
{
	DmUartBackendOps ops = {tx, rx_space, f};
	DmPitClock clock = {clock_ns, arm, f};

	f->pio = dm_io_bus_new("pio");
	f->mmio = dm_io_bus_new("mmio");
	f->d = (DmIoDispatcher){f->pio, f->mmio, NULL, NULL, 0};
	f->sink = irqlog_sink(&f->irqs);
	f->tx = g_string_new(NULL);
	f->pm_requests = g_array_new(FALSE, FALSE, sizeof(DmPmRequest));
	f->uart = dm_uart_new(&f->sink, DM_GSI_COM1, &ops);
	f->now_s = 1700000000; /* 2023-11-14 22:13:20 UTC */
	f->rtc = dm_rtc_new(clock_s, f);
	f->now_ns = 1000000000;
	f->armed = -1;
	f->pit = dm_pit_new(&f->sink, &clock);
	f->pm = dm_pm_new(&f->sink, pm_request, f);
	g_assert_true(dm_io_bus_register(f->pio, COM1, 8, "com1", dm_uart_io, f->uart, NULL));
	g_assert_true(dm_io_bus_register(f->pio, DM_RTC_PORT, 2, "rtc", dm_rtc_io, f->rtc, NULL));
	g_assert_true(dm_io_bus_register(f->pio, DM_PIT_PORT, 4, "pit", dm_pit_io, f->pit, NULL));
	g_assert_true(
	    dm_io_bus_register(f->pio, DM_PIT_PORT61, 1, "port61", dm_pit_port61_io, f->pit, NULL));
	g_assert_true(
	    dm_io_bus_register(f->pio, DM_PM1A_EVT, 4, "pm1evt", dm_pm_evt_io, f->pm, NULL));
	g_assert_true(
	    dm_io_bus_register(f->pio, DM_PM1A_CNT, 2, "pm1cnt", dm_pm_cnt_io, f->pm, NULL));
	g_assert_true(dm_io_bus_register(f->pio, DM_SMI_CMD, 1, "smi", dm_pm_smi_io, f->pm, NULL));
	g_assert_true(
	    dm_io_bus_register(f->pio, DM_RESET_PORT, 1, "reset", dm_pm_reset_io, f->pm, NULL));
}

static void teardown(Fixture *f, gconstpointer data)
{
	dm_uart_free(f->uart);
	dm_rtc_free(f->rtc);
	dm_pit_free(f->pit);
	dm_pm_free(f->pm);
	dm_io_bus_free(f->pio);
	dm_io_bus_free(f->mmio);
	g_string_free(f->tx, TRUE);
	g_array_unref(f->pm_requests);
}

/* ---- UART ---- */

static void test_uart_registers(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	/* Divisor latch behind DLAB, scratch register, LSR idle state. */
	outb(d, COM1 + 3, 0x80);
	outb(d, COM1 + 0, 0x01);
	outb(d, COM1 + 1, 0x00);
	g_assert_cmphex(inb(d, COM1 + 0), ==, 0x01);
	outb(d, COM1 + 3, 0x03); /* 8N1 */
	g_assert_cmphex(inb(d, COM1 + 3), ==, 0x03);
	outb(d, COM1 + 7, 0x5A);
	g_assert_cmphex(inb(d, COM1 + 7), ==, 0x5A);
	g_assert_cmphex(inb(d, COM1 + 5), ==, 0x60); /* THRE | TEMT */
	g_assert_cmphex(inb(d, COM1 + 2), ==, 0x01); /* no interrupt, no FIFO */
	outb(d, COM1 + 2, 0x07);		     /* FIFO on, clear both */
	g_assert_cmphex(inb(d, COM1 + 2), ==, 0xC1);
	g_assert_cmphex(inb(d, COM1 + 6) & 0xB0, ==, 0xB0); /* DCD DSR CTS */

	/* Output reaches the backend, in order. */
	for (const char *s = "hello\n"; *s; s++)
		outb(d, COM1, (guint8)*s);
	g_assert_cmpstr(f->tx->str, ==, "hello\n");
	g_assert_cmpuint(f->irqs.edges[DM_GSI_COM1], ==, 0);
}

static void test_uart_rx_fifo(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	guint8 buf[40];

	for (guint i = 0; i < sizeof(buf); i++)
		buf[i] = (guint8)('a' + i % 26);
	/* Without FIFOs one byte fits; with them, sixteen. */
	g_assert_cmpuint(dm_uart_receive(f->uart, buf, sizeof(buf)), ==, 1);
	g_assert_cmphex(inb(d, COM1), ==, 'a');
	outb(d, COM1 + 2, 0x01);
	g_assert_cmpuint(dm_uart_receive(f->uart, buf, sizeof(buf)), ==, DM_UART_FIFO);
	g_assert_cmpuint(dm_uart_rx_room(f->uart), ==, 0);
	g_assert_cmpuint(dm_uart_receive(f->uart, buf, 1), ==, 0);
	g_assert_cmphex(inb(d, COM1 + 5) & 0x03, ==, 0x01); /* DR, no overrun */

	/* The RX interrupt needs IER and OUT2. */
	outb(d, COM1 + 1, 0x01);
	g_assert_false(f->irqs.level[DM_GSI_COM1]);
	outb(d, COM1 + 4, 0x08);
	g_assert_true(f->irqs.level[DM_GSI_COM1]);
	g_assert_cmphex(inb(d, COM1 + 2), ==, 0xC4);
	for (guint i = 0; i < DM_UART_FIFO; i++)
		g_assert_cmphex(inb(d, COM1), ==, buf[i]);
	g_assert_false(f->irqs.level[DM_GSI_COM1]);
	g_assert_cmphex(inb(d, COM1 + 5) & 0x01, ==, 0);
	/* Draining told the backend to send more. */
	g_assert_cmpuint(f->rx_space_calls, >=, 1);
	/* FCR bit 1 empties the FIFO. */
	dm_uart_receive(f->uart, buf, 4);
	outb(d, COM1 + 2, 0x03);
	g_assert_cmphex(inb(d, COM1 + 5) & 0x01, ==, 0);
}

static void test_uart_thre_and_loopback(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	outb(d, COM1 + 4, 0x08); /* OUT2 */
	/* Enabling the THR interrupt with THR empty raises it at once;
	 * reading IIR acknowledges it. */
	outb(d, COM1 + 1, 0x02);
	g_assert_true(f->irqs.level[DM_GSI_COM1]);
	g_assert_cmphex(inb(d, COM1 + 2) & 0x0F, ==, 0x02);
	g_assert_false(f->irqs.level[DM_GSI_COM1]);
	g_assert_cmphex(inb(d, COM1 + 2) & 0x0F, ==, 0x01);
	outb(d, COM1, 'x');
	g_assert_true(f->irqs.level[DM_GSI_COM1]);
	outb(d, COM1 + 1, 0x00);
	g_assert_false(f->irqs.level[DM_GSI_COM1]);

	/* Loopback: output comes back as input, nothing leaves, MSR
	 * mirrors MCR. */
	g_string_truncate(f->tx, 0);
	outb(d, COM1 + 2, 0x01);
	outb(d, COM1 + 4, 0x10 | 0x0B); /* LOOP, OUT2, RTS, DTR */
	outb(d, COM1, 'L');
	g_assert_cmpuint(f->tx->len, ==, 0);
	g_assert_cmphex(inb(d, COM1 + 5) & 0x01, ==, 0x01);
	g_assert_cmphex(inb(d, COM1), ==, 'L');
	g_assert_cmphex(inb(d, COM1 + 6) & 0xF0, ==, 0xB0); /* DCD, DSR, CTS */
	/* External input is cut off in loopback. */
	g_assert_cmpuint(dm_uart_receive(f->uart, (const guint8 *)"z", 1), ==, 0);
}

/* ---- RTC ---- */

static guint8 cmos(Fixture *f, guint8 reg)
{
	outb(&f->d, 0x70, reg);
	return inb(&f->d, 0x71);
}

static void cmos_set(Fixture *f, guint8 reg, guint8 v)
{
	outb(&f->d, 0x70, reg);
	outb(&f->d, 0x71, v);
}

static void test_rtc(Fixture *f, gconstpointer data)
{
	/* 1700000000 = Tuesday 2023-11-14 22:13:20 UTC, BCD, 24 h. */
	g_assert_cmphex(cmos(f, 0x00), ==, 0x20);
	g_assert_cmphex(cmos(f, 0x02), ==, 0x13);
	g_assert_cmphex(cmos(f, 0x04), ==, 0x22);
	g_assert_cmphex(cmos(f, 0x06), ==, 0x03); /* Sunday = 1 */
	g_assert_cmphex(cmos(f, 0x07), ==, 0x14);
	g_assert_cmphex(cmos(f, 0x08), ==, 0x11);
	g_assert_cmphex(cmos(f, 0x09), ==, 0x23);
	g_assert_cmphex(cmos(f, 0x32), ==, 0x20);
	g_assert_cmphex(cmos(f, 0x0A) & 0x80, ==, 0); /* never updating */
	g_assert_cmphex(cmos(f, 0x0D), ==, 0x80);     /* valid RAM and time */
	/* The clock runs with the host clock. */
	f->now_s += 61;
	g_assert_cmphex(cmos(f, 0x00), ==, 0x21);
	g_assert_cmphex(cmos(f, 0x02), ==, 0x14);

	/* Binary, 12-hour: 22 h is 10 PM. */
	cmos_set(f, 0x0B, 0x04);
	g_assert_cmphex(cmos(f, 0x04), ==, 0x80 | 10);
	g_assert_cmphex(cmos(f, 0x00), ==, 21);

	/* Setting the time under SET moves the guest clock only. */
	cmos_set(f, 0x0B, 0x80 | 0x06);
	cmos_set(f, 0x09, 30); /* 2030 */
	cmos_set(f, 0x08, 1);
	cmos_set(f, 0x07, 2);
	cmos_set(f, 0x04, 3);
	cmos_set(f, 0x02, 4);
	cmos_set(f, 0x00, 5);
	cmos_set(f, 0x0B, 0x06);
	{
		g_autoptr(GDateTime) t = g_date_time_new_utc(2030, 1, 2, 3, 4, 5);

		g_assert_cmpint(dm_rtc_guest_time(f->rtc), ==, g_date_time_to_unix(t));
	}
	f->now_s += 10;
	g_assert_cmphex(cmos(f, 0x00), ==, 15);
	/* CMOS RAM keeps what is written; C and D are read-only. */
	cmos_set(f, 0x40, 0x99);
	g_assert_cmphex(cmos(f, 0x40), ==, 0x99);
	cmos_set(f, 0x0D, 0);
	g_assert_cmphex(cmos(f, 0x0D), ==, 0x80);
	/* Index bit 7 (NMI mask) selects the same register. */
	g_assert_cmphex(cmos(f, 0x80 | 0x40), ==, 0x99);
}

/* ---- PIT ---- */

static void test_pit_counter(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	guint16 v;

	/* Channel 2, LSB then MSB, mode 0, count 10000, gate on. */
	outb(d, 0x61, 0x01);
	outb(d, 0x43, 0xB0);
	outb(d, 0x42, 10000 & 0xFF);
	outb(d, 0x42, 10000 >> 8);
	g_assert_cmphex(inb(d, 0x61) & 0x20, ==, 0); /* OUT low while counting */
	/* 1 ms = 1193 ticks. */
	f->now_ns += 1000000;
	outb(d, 0x43, 0x80);  /* latch channel 2 */
	f->now_ns += 5000000; /* the latch holds */
	v = inb(d, 0x42);
	v |= (guint16)(inb(d, 0x42) << 8);
	g_assert_cmpuint(v, ==, 10000 - 1193);
	/* Past terminal count: OUT goes high. */
	f->now_ns += 10000000;
	g_assert_cmphex(inb(d, 0x61) & 0x20, ==, 0x20);

	/* Read-back of the status: mode 0, LSB/MSB access, OUT high. */
	outb(d, 0x43, 0xE8); /* read-back, status only, channel 2 */
	g_assert_cmphex(inb(d, 0x42), ==, 0x80 | 0x30 | 0x00);
	/* The control port is write-only; wide accesses are ignored. */
	g_assert_cmphex(inb(d, 0x43), ==, 0xFF);
	g_assert_cmphex(inw(d, 0x40), ==, 0xFFFF);
}

static void test_pit_irq0(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	gint64 start = f->now_ns, period = 11932 * 1000000000LL / 1193182;

	/* Channel 0, mode 2, ~100 Hz (11932 ticks). */
	outb(d, 0x43, 0x34);
	g_assert_cmpint(f->armed, ==, -1);
	outb(d, 0x40, 11932 & 0xFF);
	outb(d, 0x40, 11932 >> 8);
	g_assert_cmpint(f->armed, ==, start + period);
	/* Early: nothing.  On time: one pulse on GSI 2, the next armed. */
	dm_pit_expire(f->pit);
	g_assert_cmpuint(f->irqs.edges[DM_GSI_PIT], ==, 0);
	f->now_ns = f->armed;
	dm_pit_expire(f->pit);
	g_assert_cmpuint(f->irqs.edges[DM_GSI_PIT], ==, 1);
	g_assert_false(f->irqs.level[DM_GSI_PIT]);
	g_assert_cmpint(f->armed, ==, start + 2 * period);
	/* Late by several periods: one pulse, re-armed in the future. */
	f->now_ns = start + 10 * period + 5;
	dm_pit_expire(f->pit);
	g_assert_cmpuint(f->irqs.edges[DM_GSI_PIT], ==, 2);
	g_assert_cmpint(f->armed, ==, start + 11 * period);
	/* A new mode stops it. */
	outb(d, 0x43, 0x30);
	g_assert_cmpint(f->armed, ==, -1);
	/* Mode 0 is one-shot. */
	outb(d, 0x40, 100);
	outb(d, 0x40, 0);
	f->now_ns = f->armed;
	dm_pit_expire(f->pit);
	g_assert_cmpuint(f->irqs.edges[DM_GSI_PIT], ==, 3);
	g_assert_cmpint(f->armed, ==, -1);
}

/* ---- PM1 ---- */

static void test_pm_power_button(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	/* Before the ACPI handshake, a press sets the status but no SCI. */
	dm_pm_press_power_button(f->pm);
	outw(d, DM_PM1A_EVT + 2, PM1_PWRBTN);
	g_assert_false(f->irqs.level[DM_GSI_SCI]);
	g_assert_false(dm_pm_acpi_enabled(f->pm));
	outb(d, DM_SMI_CMD, DM_ACPI_ENABLE);
	g_assert_true(dm_pm_acpi_enabled(f->pm));
	g_assert_cmphex(inw(d, DM_PM1A_CNT) & PM1_SCI_EN, ==, PM1_SCI_EN);
	g_assert_true(f->irqs.level[DM_GSI_SCI]);
	g_assert_cmphex(inw(d, DM_PM1A_EVT), ==, PM1_PWRBTN);
	g_assert_cmphex(inl(d, DM_PM1A_EVT), ==, (guint32)PM1_PWRBTN << 16 | PM1_PWRBTN);
	/* Write-1-to-clear ends the SCI; writing 0 changes nothing. */
	outw(d, DM_PM1A_EVT, 0);
	g_assert_true(f->irqs.level[DM_GSI_SCI]);
	outw(d, DM_PM1A_EVT, PM1_PWRBTN);
	g_assert_false(f->irqs.level[DM_GSI_SCI]);
	g_assert_cmphex(inw(d, DM_PM1A_EVT), ==, 0);
	/* Disabled button: status without SCI. */
	outw(d, DM_PM1A_EVT + 2, 0);
	dm_pm_press_power_button(f->pm);
	g_assert_false(f->irqs.level[DM_GSI_SCI]);
	/* The OS cannot set SCI_EN itself. */
	outb(d, DM_SMI_CMD, DM_ACPI_DISABLE);
	outw(d, DM_PM1A_CNT, PM1_SCI_EN);
	g_assert_false(dm_pm_acpi_enabled(f->pm));
	g_assert_cmpuint(f->pm_requests->len, ==, 0);
}

static void test_pm_sleep_states(Fixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	/* SLP_TYP without SLP_EN does nothing. */
	outw(d, DM_PM1A_CNT, DM_SLP_TYP_S5 << PM1_SLP_TYP_SHIFT);
	g_assert_cmpuint(f->pm_requests->len, ==, 0);
	/* S5 and S3, also written as two bytes. */
	outw(d, DM_PM1A_CNT, DM_SLP_TYP_S5 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	outb(d, DM_PM1A_CNT + 1, (DM_SLP_TYP_S3 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN) >> 8);
	/* An undeclared sleep type is ignored. */
	outw(d, DM_PM1A_CNT, 1 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	g_assert_cmpuint(f->pm_requests->len, ==, 2);
	g_assert_cmpint(g_array_index(f->pm_requests, DmPmRequest, 0), ==, DM_PM_POWEROFF);
	g_assert_cmpint(g_array_index(f->pm_requests, DmPmRequest, 1), ==, DM_PM_SUSPEND);
	/* Waking sets WAK_STS. */
	dm_pm_wake(f->pm);
	g_assert_cmphex(inw(d, DM_PM1A_EVT) & PM1_WAK, ==, PM1_WAK);
	/* Reset register: the FADT's value 0x06 resets; 0x02 alone not. */
	outb(d, DM_RESET_PORT, 0x02);
	g_assert_cmpuint(f->pm_requests->len, ==, 2);
	outb(d, DM_RESET_PORT, 0x06);
	g_assert_cmpuint(f->pm_requests->len, ==, 3);
	g_assert_cmpint(g_array_index(f->pm_requests, DmPmRequest, 2), ==, DM_PM_RESET);
	outw(d, DM_RESET_PORT, 0x06); /* a word access is not the register */
	g_assert_cmpuint(f->pm_requests->len, ==, 3);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
	ADD("/devices/uart/registers", test_uart_registers);
	ADD("/devices/uart/rx-fifo", test_uart_rx_fifo);
	ADD("/devices/uart/thre-loopback", test_uart_thre_and_loopback);
	ADD("/devices/rtc", test_rtc);
	ADD("/devices/pit/counter", test_pit_counter);
	ADD("/devices/pit/irq0", test_pit_irq0);
	ADD("/devices/pm/power-button", test_pm_power_button);
	ADD("/devices/pm/sleep-states", test_pm_sleep_states);
	return g_test_run();
}
