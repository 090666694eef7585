// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the emulated 8259A pair (vpic.c): the initialisation
 * sequences Linux and SeaBIOS write, EOIs as they send them, priorities
 * and nesting, the cascade, auto-EOI, poll, ISR/IRR reads, rotation,
 * special mask mode, ELCR level pins and the spurious IRQ7/IRQ15.
 */
#include <glib.h>
#include "hv.h"
#include "vpic.h"

int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

static struct vpic pic;
static u32 notified;

static void count(void *ctx)
{
	g_assert_true(ctx == &pic);
	notified++;
}

static void out(u16 port, u8 v)
{
	u32 val = v;

	g_assert_cmpint(vpic_pio(&pic, port, 1, true, &val), ==, 0);
}

static u8 in(u16 port)
{
	u32 val = 0xabcd;

	g_assert_cmpint(vpic_pio(&pic, port, 1, false, &val), ==, 0);
	g_assert_cmpuint(val, <=, 0xff);
	return (u8)val;
}

static void line(u32 pin, bool level)
{
	g_assert_cmpint(vpic_set_line(&pic, pin, level), ==, 0);
}

static void pulse(u32 pin)
{
	line(pin, true);
	line(pin, false);
}

/* arch/x86/kernel/i8259.c's init_8259A(), then everything unmasked but what @mask says */
static void linux_init(bool auto_eoi, u16 mask)
{
	vpic_init(&pic, count, &pic);
	notified = 0;
	out(0x21, 0xff);
	out(0xa1, 0xff);
	g_assert_cmphex(in(0x21), ==, 0xff); /* Linux's probe: the mask reads back */
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, auto_eoi ? 0x03 : 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x38);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
	out(0x21, (u8)mask);
	out(0xa1, (u8)(mask >> 8));
}

/* Linux's mask_and_ack_8259A() EOI for @irq: specific EOIs, slave then master */
static void linux_eoi(u32 irq)
{
	if (irq >= 8) {
		out(0xa0, 0x60 + (irq & 7));
		out(0x20, 0x60 + 2);
	} else {
		out(0x20, 0x60 + irq);
	}
}

static void test_linux_init_and_eoi(void)
{
	linux_init(false, 0xfffa); /* IRQ0 and the cascade */
	g_assert_cmphex(in(0x21), ==, 0xfa);
	g_assert_cmphex(in(0xa1), ==, 0xff);
	g_assert_false(vpic_intr(&pic));
	pulse(0);
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(notified, ==, 1);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x30);
	g_assert_false(vpic_intr(&pic));
	/* ISR via OCW3 (Linux's i8259A_irq_real) */
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0x01);
	out(0x20, 0x0a);
	g_assert_cmphex(in(0x20), ==, 0x00); /* IRR: the edge was consumed */
	/* the same IRQ again while in service: latched, not raised */
	pulse(0);
	g_assert_false(vpic_intr(&pic));
	g_assert_cmphex(in(0x20), ==, 0x01);
	linux_eoi(0);
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x30);
	linux_eoi(0);
	g_assert_false(vpic_intr(&pic));
	/* a masked IRQ is latched and comes when unmasked */
	pulse(1);
	g_assert_false(vpic_intr(&pic));
	out(0x21, 0xf8);
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x31);
	linux_eoi(1);
}

static void test_seabios_init(void)
{
	vpic_init(&pic, count, &pic);
	out(0x20, 0x11);
	out(0x21, 0x08);
	out(0x21, 0x04);
	out(0x21, 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x70);
	out(0xa1, 0x02);
	out(0xa1, 0x01);
	/* ICW1 left IMR clear; SeaBIOS then masks all but the cascade */
	g_assert_cmphex(in(0x21), ==, 0x00);
	out(0x21, 0xfb);
	out(0xa1, 0xff);
	/* the RTC (IRQ 8) and the keyboard (IRQ 1) unmasked */
	out(0xa1, 0xfe);
	out(0x21, 0xf9);
	pulse(8);
	pulse(1);
	/* IRQ1 outranks the cascade (IRQ2) */
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x09);
	out(0x20, 0x20); /* SeaBIOS: non-specific EOI */
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x70);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	g_assert_false(vpic_intr(&pic));
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0);
	out(0xa0, 0x0b);
	g_assert_cmphex(in(0xa0), ==, 0);
}

static void test_priority_and_cascade(void)
{
	linux_init(false, 0x0000);
	pulse(3);
	pulse(1);
	pulse(12);
	/* fixed priority 0 > 1 > 2 (8..15) > 3 ... > 7 */
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x31);
	/* IRQ 1 in service: 12 (through 2) is higher than 3 but lower than 1 */
	g_assert_false(vpic_intr(&pic));
	pulse(0);
	g_assert_true(vpic_intr(&pic)); /* nests over 1 */
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x30);
	linux_eoi(0);
	linux_eoi(1);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x3c);
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0x04);
	out(0xa0, 0x0b);
	g_assert_cmphex(in(0xa0), ==, 0x10);
	linux_eoi(12);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x33);
	linux_eoi(3);
	g_assert_false(vpic_intr(&pic));
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0);
}

static void test_auto_eoi(void)
{
	linux_init(true, 0x0000);
	pulse(5);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x35);
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0); /* nothing in service */
	pulse(6);
	g_assert_true(vpic_intr(&pic)); /* lower priority gets through at once */
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x36);
}

static void test_poll(void)
{
	linux_init(false, 0x0000);
	out(0x20, 0x0c); /* poll with nothing: 0 */
	g_assert_cmphex(in(0x20), ==, 0x00);
	pulse(4);
	out(0x20, 0x0c);
	g_assert_cmphex(in(0x20), ==, 0x84);
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0x10); /* the poll took it into service */
	g_assert_false(vpic_intr(&pic));
	/* after the poll, reads are register reads again */
	g_assert_cmphex(in(0x20), ==, 0x10);
}

static void test_rotation(void)
{
	linux_init(false, 0x0000);
	pulse(0);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x30);
	out(0x20, 0xa0); /* rotate on non-specific EOI: IRQ 0 becomes lowest */
	pulse(0);
	pulse(3);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x33);
	out(0x20, 0x20);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x30);
	out(0x20, 0x20);
	/* set priority: IRQ 4 lowest, so 5 is highest */
	out(0x20, 0xc4);
	pulse(4);
	pulse(5);
	pulse(1);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x35);
	out(0x20, 0x65);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x31);
	out(0x20, 0x61);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x34);
}

static void test_special_mask(void)
{
	linux_init(false, 0x0000);
	pulse(1);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x31);
	pulse(4);
	g_assert_false(vpic_intr(&pic)); /* 1 in service blocks 4 */
	out(0x21, 0x02);		 /* mask 1 */
	out(0x20, 0x68);		 /* special mask mode on */
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x34);
	out(0x20, 0x48); /* off */
	out(0x20, 0x64);
	out(0x20, 0x61);
}

static void test_elcr_level(void)
{
	linux_init(false, 0x0000);
	/* IRQ 0, 1, 2, 8 and 13 cannot be level-triggered */
	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	g_assert_cmphex(in(0x4d0), ==, 0xf8);
	g_assert_cmphex(in(0x4d1), ==, 0xde);
	out(0x4d0, 0x20); /* IRQ 5 */
	out(0x4d1, 0x02); /* IRQ 9 (the SCI) */
	line(9, true);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x39);
	/* EOI with the line still high: requested again */
	linux_eoi(9);
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x39);
	/* the source cleared: EOI and nothing more */
	line(9, false);
	linux_eoi(9);
	g_assert_false(vpic_intr(&pic));
	/* a level request that goes away before the acknowledge: spurious IRQ7 */
	line(5, true);
	g_assert_true(vpic_intr(&pic));
	line(5, false);
	g_assert_false(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x37);
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0); /* IRQ7 not in service: no EOI is owed */
	/* an edge pin on the same chip stays latched after its line falls */
	pulse(6);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x36);
	linux_eoi(6);
	/* ELCR back to edge: a high line no longer re-requests */
	line(5, true);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x35);
	out(0x4d0, 0x00);
	linux_eoi(5);
	g_assert_false(vpic_intr(&pic));
}

static void test_spurious_slave_and_mask(void)
{
	linux_init(false, 0x0000);
	/* masked after the request but before the acknowledge */
	pulse(3);
	out(0x21, 0x08);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x37);
	out(0x21, 0x00);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x33);
	linux_eoi(3);
	/* the slave's request masked after the master latched the cascade: IRQ15 */
	out(0x4d1, 0x08);
	line(11, true);
	out(0xa1, 0x08);
	g_assert_true(vpic_intr(&pic));
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x3f);
	out(0xa0, 0x0b);
	g_assert_cmphex(in(0xa0), ==, 0);
	out(0x20, 0x62); /* the master's cascade EOI, as Linux sends for IRQ15 */
	g_assert_false(vpic_intr(&pic));
}

static void test_single_mode_and_icw_reset(void)
{
	vpic_init(&pic, NULL, NULL);
	out(0x20, 0x13); /* single, ICW4 */
	out(0x21, 0x50);
	out(0x21, 0x01); /* ICW4 directly: no ICW3 in single mode */
	out(0x21, 0xfe); /* now OCW1 */
	g_assert_cmphex(in(0x21), ==, 0xfe);
	pulse(0);
	g_assert_cmpuint(vpic_ack(&pic), ==, 0x50);
	/* ICW1 again: ISR, IMR and the edge latches cleared */
	pulse(0);
	out(0x20, 0x11);
	out(0x21, 0x60);
	out(0x21, 0x04);
	out(0x21, 0x01);
	g_assert_cmphex(in(0x21), ==, 0);
	out(0x20, 0x0b);
	g_assert_cmphex(in(0x20), ==, 0);
	g_assert_false(vpic_intr(&pic));
	/* no ICW4 */
	out(0x20, 0x10);
	out(0x21, 0x68);
	out(0x21, 0x04);
	out(0x21, 0x7f); /* OCW1 */
	g_assert_cmphex(in(0x21), ==, 0x7f);
}

static void test_bad_input(void)
{
	u32 v = 0;

	vpic_init(&pic, NULL, NULL);
	g_assert_cmpint(vpic_pio(&pic, 0x20, 2, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_pio(&pic, 0x21, 4, false, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_pio(&pic, 0x4d0, 2, false, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_pio(&pic, 0x22, 1, false, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_pio(&pic, 0x4d2, 1, true, &v), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_set_line(&pic, 16, true), ==, -HV_EINVAL);
	g_assert_cmpint(vpic_set_line(&pic, 2, true), ==, -HV_EINVAL);
	g_assert_false(vpic_intr(&pic));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vpic/linux-init-eoi", test_linux_init_and_eoi);
	g_test_add_func("/vpic/seabios-init", test_seabios_init);
	g_test_add_func("/vpic/priority-cascade", test_priority_and_cascade);
	g_test_add_func("/vpic/auto-eoi", test_auto_eoi);
	g_test_add_func("/vpic/poll", test_poll);
	g_test_add_func("/vpic/rotation", test_rotation);
	g_test_add_func("/vpic/special-mask", test_special_mask);
	g_test_add_func("/vpic/elcr-level", test_elcr_level);
	g_test_add_func("/vpic/spurious", test_spurious_slave_and_mask);
	g_test_add_func("/vpic/single-and-reinit", test_single_mode_and_icw_reset);
	g_test_add_func("/vpic/bad-input", test_bad_input);
	return g_test_run();
}
