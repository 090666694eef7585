// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host tests of the pure parts of pre-launched VMs: the module string
 * (common/prelaunch_cfg.c) and the hypervisor's vUART (dm/vuart.c).  The
 * console and the port registration are test doubles that record.
 */
#include <glib.h>
#include "hv.h"
#include "io_emul.h"
#include "prelaunch.h"
#include "vm.h"
#include "vuart.h"

int hv_loglevel = 3;
static GString *console;
static io_handler_fn registered_fn;
static u32 registered_port, registered_len;

void hv_printf(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	g_string_append(console, buf);
}

int pio_register(struct vm *vm, u32 port, u32 len, io_handler_fn fn, void *ctx)
{
	(void)vm, (void)ctx;
	registered_port = port;
	registered_len = len;
	registered_fn = fn;
	return 0;
}

static int parse(const char *s, struct prelaunch_cfg *cfg, char *err)
{
	memset(err, 0, 96);
	return prelaunch_parse(s, cfg, err, 96);
}

static void test_parse_good(void)
{
	struct prelaunch_cfg cfg;
	char err[96];

	g_assert_cmpint(parse("prelaunched_vm name=rt0 mem=32M", &cfg, err), ==, 0);
	g_assert_cmpstr(cfg.name, ==, "rt0");
	g_assert_cmpuint(cfg.mem, ==, MiB(32));
	g_assert_cmpstr(cfg.cmdline, ==, "");
	g_assert_cmpuint(cfg.cpus, ==, 1);
	g_assert_cmpint(parse("prelaunched_vm cpus=2 name=rt0 mem=32M", &cfg, err), ==, 0);
	g_assert_cmpuint(cfg.cpus, ==, 2);
	g_assert_cmpint(parse("prelaunched_vm name=rt0 mem=32M cpus=4 -- cpus=9", &cfg, err), ==,
			0);
	g_assert_cmpuint(cfg.cpus, ==, PRELAUNCH_MAX_VCPUS);
	g_assert_cmpstr(cfg.cmdline, ==, "cpus=9");
	/* GRUB may put the path first; the guest's command line keeps its spaces and '=' */
	g_assert_cmpint(parse("/boot/guest.bzImage prelaunched_vm mem=1G  name=hmi -- "
			      "console=ttyS0  pm_guest.mode=poweroff -- x",
			      &cfg, err),
			==, 0);
	g_assert_cmpstr(cfg.name, ==, "hmi");
	g_assert_cmpuint(cfg.mem, ==, GiB(1));
	g_assert_cmpstr(cfg.cmdline, ==, "console=ttyS0  pm_guest.mode=poweroff -- x");
	g_assert_cmpint(parse("prelaunched_vm name=a mem=0x40M --", &cfg, err), ==, 0);
	g_assert_cmpuint(cfg.mem, ==, MiB(64));
}

static void test_parse_not_ours(void)
{
	struct prelaunch_cfg cfg;
	char err[96];

	g_assert_cmpint(parse("", &cfg, err), ==, 1);
	g_assert_cmpint(parse("console=ttyS0 root=/dev/sda", &cfg, err), ==, 1);
	g_assert_cmpint(parse("/boot/initrd", &cfg, err), ==, 1);
	g_assert_cmpint(parse("prelaunched_vmx name=a mem=32M", &cfg, err), ==, 1);
}

static void test_parse_bad(void)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
	    {"prelaunched_vm", "name= missing"},
	    {"prelaunched_vm name=a", "mem= missing"},
	    {"prelaunched_vm mem=32M", "name= missing"},
	    {"prelaunched_vm name= mem=32M", "name= must have"},
	    {"prelaunched_vm name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa mem=32M", "name= must have"},
	    {"prelaunched_vm name=a mem=32", "mem='32'"},
	    {"prelaunched_vm name=a mem=16M", "mem='16M'"},
	    {"prelaunched_vm name=a mem=33M", "mem='33M'"},
	    {"prelaunched_vm name=a mem=3G", "mem='3G'"},
	    {"prelaunched_vm name=a mem=99999999999999999999M", "a multiple of 2 MiB"},
	    {"prelaunched_vm name=a mem=M", "mem='M'"},
	    {"prelaunched_vm name=a mem=32M cpus=0", "cpus='0': a number from 1 to 4"},
	    {"prelaunched_vm name=a mem=32M cpus=5", "cpus='5'"},
	    {"prelaunched_vm name=a mem=32M cpus=two", "cpus='two'"},
	    {"prelaunched_vm name=a mem=32M cpus=", "cpus=''"},
	    {"prelaunched_vm name=a mem=32M console=ttyS0", "unknown option 'console'"},
	    {"prelaunched_vm name=a mem=32M extra", "'extra': expected name=, mem=, cpus= or --"},
	};
	struct prelaunch_cfg cfg;
	char err[96];
	u32 i;

	for (i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_cmpint(parse(bad[i].s, &cfg, err), ==, -HV_EINVAL);
		if (!strstr(err, bad[i].why))
			g_error("'%s': error '%s' lacks '%s'", bad[i].s, err, bad[i].why);
	}
	{
		char s[PRELAUNCH_CMDLINE_MAX + 64];
		size_t n = (size_t)g_snprintf(s, sizeof(s), "prelaunched_vm name=a mem=32M -- ");

		memset(s + n, 'x', PRELAUNCH_CMDLINE_MAX);
		s[n + PRELAUNCH_CMDLINE_MAX] = '\0';
		g_assert_cmpint(parse(s, &cfg, err), ==, -HV_EINVAL);
		g_assert_nonnull(strstr(err, "kernel command line longer"));
	}
}

static void uart_out(struct vuart *u, const char *s)
{
	for (; *s; s++)
		vuart_write(u, 0, (u8)*s);
}

static void test_vuart(void)
{
	static struct vm vm = {.id = 2, .name = "rt0"};
	struct vuart u;
	struct io_access a = {.addr = 0x3fd, .size = 1};

	g_string_truncate(console, 0);
	g_assert_cmpint(vuart_attach(&u, &vm, 0x3f8), ==, 0);
	g_assert_cmpuint(registered_port, ==, 0x3f8);
	g_assert_cmpuint(registered_len, ==, 8);
	/* LSR through the port handler: transmitter empty, no data */
	g_assert_cmpint(registered_fn(NULL, &a, &u), ==, 0);
	g_assert_cmphex(a.value, ==, 0x60);
	/* lines go out whole, CR dropped, control bytes shown as '?' */
	uart_out(&u, "hello\r\nok - a\x01"
		     "b");
	g_assert_cmpstr(console->str, ==, "ACRN-HV: vm2 rt0: hello\n");
	uart_out(&u, "\n");
	g_assert_cmpstr(console->str, ==, "ACRN-HV: vm2 rt0: hello\nACRN-HV: vm2 rt0: ok - a?b\n");
	/* an endless line is cut, never overflows */
	g_string_truncate(console, 0);
	for (int i = 0; i < 3 * VUART_LINE_MAX; i++)
		vuart_write(&u, 0, 'z');
	g_assert_cmpuint(console->len, ==, 3 * (strlen("ACRN-HV: vm2 rt0: \n") + VUART_LINE_MAX));
	/* divisor latch: DLL/DLM instead of THR/IER, nothing transmitted */
	g_string_truncate(console, 0);
	vuart_write(&u, 3, 0x83);
	vuart_write(&u, 0, 0x01);
	vuart_write(&u, 1, 0x00);
	g_assert_cmpuint(vuart_read(&u, 0), ==, 1);
	vuart_write(&u, 3, 0x03);
	g_assert_cmpuint(console->len, ==, 0);
	g_assert_cmpuint(vuart_read(&u, 3), ==, 3);
	/* scratch register, IER bits, IIR says no interrupt */
	vuart_write(&u, 7, 0x5a);
	g_assert_cmpuint(vuart_read(&u, 7), ==, 0x5a);
	vuart_write(&u, 1, 0xff);
	g_assert_cmpuint(vuart_read(&u, 1), ==, 0x0f);
	g_assert_cmpuint(vuart_read(&u, 2) & 1, ==, 1);
	/* loopback: MSR mirrors MCR, THR goes nowhere */
	vuart_write(&u, 4, 0x1f);
	g_assert_cmphex(vuart_read(&u, 6), ==, 0xf0);
	uart_out(&u, "loop\n");
	g_assert_cmpuint(console->len, ==, 0);
	vuart_write(&u, 4, 0x03);
	/* receive: in order, bounded */
	for (u32 i = 0; i < VUART_RX_SIZE; i++)
		g_assert_true(vuart_receive(&u, (u8)('a' + i % 26)));
	g_assert_false(vuart_receive(&u, 'X'));
	for (u32 i = 0; i < VUART_RX_SIZE; i++) {
		g_assert_cmpuint(vuart_read(&u, 5) & 1, ==, 1);
		g_assert_cmpuint(vuart_read(&u, 0), ==, 'a' + i % 26);
	}
	g_assert_cmpuint(vuart_read(&u, 5) & 1, ==, 0);
	/* a word access reads consecutive registers */
	a = (struct io_access){.addr = 0x3fc, .size = 2};
	g_assert_cmpint(registered_fn(NULL, &a, &u), ==, 0);
	g_assert_cmphex(a.value, ==, 0x6003);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	console = g_string_new(NULL);
	g_test_add_func("/prelaunch/parse-good", test_parse_good);
	g_test_add_func("/prelaunch/parse-not-ours", test_parse_not_ours);
	g_test_add_func("/prelaunch/parse-bad", test_parse_bad);
	g_test_add_func("/prelaunch/vuart", test_vuart);
	return g_test_run();
}
