// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of the debug shell's commands.  The hypervisor services the
 * shell calls (console, power, VMX timer, exit names) are test doubles here:
 * the shell reads its input from a string and its output is captured.
 */
#include <glib.h>
#include <setjmp.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "hv.h"
#include "shell.h"
#include "vm.h"
#include "vmexit.h"
#include "vmx.h"
#include "power.h"
#include "prelaunch.h"
#include "vuart.h"

struct hv_state hv;
static struct vm sos;
int hv_loglevel = 3;
static GString *out;
static const char *input;
static bool reset_called;
static jmp_buf reset_env;

/* ---- test doubles for the hypervisor side ---- */
void hv_printf(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	g_string_append(out, buf);
}

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

u16 console_port(void)
{
	return 0x2f8;
}

int console_getc(void)
{
	return *input ? (u8)*input++ : -1;
}

void vmx_enable_preemption_timer(u32 us)
{
	(void)us;
}

void platform_reset(void)
{
	reset_called = true;
	longjmp(reset_env, 1); /* the real one never returns either */
}

/* this_pcpu() reads %gs:0: point GS at a pCPU structure */
static int arch_prctl_set_gs(struct pcpu *p)
{
	return (int)syscall(SYS_arch_prctl, 0x1001 /* ARCH_SET_GS */, (unsigned long)p);
}

u32 hv_free_pages(void)
{
	return 200;
}

u32 hv_pool_pages(void)
{
	return 256;
}

u32 vpid_free_count(void)
{
	return 250;
}

/* VM 1 stands for a pre-launched VM: its vUART is real (dm/vuart.c), its VM is not */
static struct vuart pl_uart;

struct vuart *prelaunch_vuart(u16 vm_id)
{
	return vm_id == 1 ? &pl_uart : NULL;
}

int pio_register(struct vm *vm, u32 port, u32 len, io_handler_fn fn, void *ctx)
{
	(void)vm, (void)port, (void)len, (void)fn, (void)ctx;
	return 0;
}

struct vm *vm_get(u16 id)
{
	return id == 0 ? &sos : NULL;
}

const char *exit_reason_name(u32 reason)
{
	return reason == 10 ? "CPUID" : reason == 30 ? "IO_INSTRUCTION" : "OTHER";
}

/* ---- helpers ---- */
static const char *run(const char *text)
{
	g_string_truncate(out, 0);
	input = text;
	if (!setjmp(reset_env))
		shell_poll();
	return out->str;
}

static void setup(void)
{
	static struct pcpu p0;

	memset(&hv, 0, sizeof(hv));
	hv.nr_pcpus = 2;
	memset(&sos, 0, sizeof(sos));
	strcpy(sos.name, "Service VM");
	sos.used = true;
	sos.state = VM_RUNNING;
	sos.type = VM_SERVICE;
	sos.nr_vcpus = 2;
	sos.vcpu[0].running = true;
	sos.vcpu[0].exits_total = 12;
	sos.vcpu[0].exits[10] = 10;
	sos.vcpu[0].exits[30] = 2;
	sos.vcpu[0].regs.rax = 0x1234;
	sos.vcpu[0].snap.rip = 0xffffffff81000000ULL;
	sos.vcpu[1].id = 1;
	sos.vcpu[1].pcpu = 1;
	p0.self = &p0;
	/* this_pcpu() reads %gs:0 */
	g_assert_cmpint(arch_prctl_set_gs(&p0), ==, 0);
}

static void test_commands(void)
{
	const char *o;

	shell_init();
	g_assert_true(shell_enabled());
	o = run("help\r");
	g_assert_nonnull(strstr(o, "ACRN:\\> "));
	g_assert_nonnull(strstr(o, "vcpu_dumpreg <vcpu>"));
	o = run("vm_list\r");
	g_assert_nonnull(strstr(o, "VM_ID  NAME            VCPUS  STATE        TYPE"));
	g_assert_nonnull(
	    strstr(o, "0      Service VM      2      running      service (privileged)"));
	g_assert_nonnull(strstr(o, "free pages 200 of 256, free VPIDs 250 of 255"));
	o = run("vcpu_list\r");
	g_assert_nonnull(strstr(o, "0      0     0     running    12"));
	g_assert_nonnull(strstr(o, "0      1     1     stopped    0"));
	/* an AP that waits for STARTUP (before its first start or after INIT) */
	sos.vcpu[1].running = true;
	o = run("vcpu_list\r");
	g_assert_nonnull(strstr(o, "0      1     1     wait-sipi  0"));
	sos.vcpu[1].started = true;
	o = run("vcpu_list\r");
	g_assert_nonnull(strstr(o, "0      1     1     running    0"));
	sos.vcpu[1].running = false;
	sos.vcpu[1].started = false;
	o = run("vcpu_exits 0\r");
	g_assert_nonnull(strstr(o, "vcpu 0: 12 exits"));
	g_assert_nonnull(strstr(o, "CPUID"));
	g_assert_nonnull(strstr(o, "IO_INSTRUCTION"));
	g_assert_null(strstr(o, "vcpu 1:"));
	o = run("vcpu_dumpreg 0\r");
	g_assert_nonnull(strstr(o, "RIP=ffffffff81000000"));
	g_assert_nonnull(strstr(o, "RAX=0000000000001234"));
	o = run("log_level 5\r");
	g_assert_cmpint(hv_loglevel, ==, 5);
}

/* vm_console: typed bytes reach the VM's vUART until Ctrl-]; then commands again */
static void test_vm_console(void)
{
	const char *o;

	memset(&pl_uart, 0, sizeof(pl_uart));
	o = run("vm_console 1\r");
	g_assert_nonnull(strstr(o, "console of VM 1"));
	o = run("ls\r\x1dvm_list\r");
	g_assert_nonnull(strstr(o, "back in the hypervisor shell"));
	g_assert_nonnull(strstr(o, "Service VM")); /* vm_list ran after the escape */
	g_assert_cmpuint(pl_uart.rx_head, ==, 3);
	g_assert_cmpuint(vuart_read(&pl_uart, 5) & 1, ==, 1); /* LSR: data ready */
	g_assert_cmpuint(vuart_read(&pl_uart, 0), ==, 'l');
	g_assert_cmpuint(vuart_read(&pl_uart, 0), ==, 's');
	g_assert_cmpuint(vuart_read(&pl_uart, 0), ==, '\r');
	g_assert_cmpuint(vuart_read(&pl_uart, 5) & 1, ==, 0);
	/* a full buffer says so instead of blocking the shell */
	o = run("vm_console 1\r");
	{
		char many[VUART_RX_SIZE + 2];

		memset(many, 'x', sizeof(many) - 1);
		many[sizeof(many) - 1] = '\0';
		o = run(many);
		g_assert_nonnull(strstr(o, "console input dropped"));
	}
	run("\x1d");
	o = run("vm_console 0\r");
	g_assert_nonnull(strstr(o, "no VM with a hypervisor console '0'"));
	o = run("vm_console\r");
	g_assert_nonnull(strstr(o, "no VM with a hypervisor console ''"));
}

/* last: the shell does not come back from a reboot */
static void test_reboot(void)
{
	run("reboot\r");
	g_assert_true(reset_called);
}

static void test_bad_input(void)
{
	const char *o;

	o = run("vcpu_dumpreg 7\r");
	g_assert_nonnull(strstr(o, "no such vcpu '7'"));
	o = run("vcpu_dumpreg\r");
	g_assert_nonnull(strstr(o, "no such vcpu ''"));
	o = run("log_level 9\r");
	g_assert_nonnull(strstr(o, "log level must be 0..6"));
	g_assert_cmpint(hv_loglevel, ==, 5);
	o = run("frobnicate\r");
	g_assert_nonnull(strstr(o, "unknown command 'frobnicate'"));
	/* backspace editing, control characters dropped, overlong line cut */
	o = run("vm_lisx\bt\x01\r");
	g_assert_nonnull(strstr(o, "Service VM"));
	{
		char longline[300];

		memset(longline, 'a', sizeof(longline) - 2);
		longline[sizeof(longline) - 2] = '\r';
		longline[sizeof(longline) - 1] = '\0';
		o = run(longline);
		g_assert_nonnull(strstr(o, "unknown command"));
	}
}

int main(int argc, char **argv)
{
	out = g_string_new(NULL);
	g_test_init(&argc, &argv, NULL);
	setup();
	g_test_add_func("/shell/commands", test_commands);
	g_test_add_func("/shell/bad-input", test_bad_input);
	g_test_add_func("/shell/vm-console", test_vm_console);
	g_test_add_func("/shell/reboot", test_reboot);
	return g_test_run();
}
