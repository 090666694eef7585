// SPDX-License-Identifier: BSD-3-Clause
/*
 * Debug shell on the hypervisor's own UART (debug builds only).  It is
 * polled on every VM exit of pCPU 0 (a preemption timer guarantees one
 * every millisecond or so), so it needs no interrupts; with the console shared with the Service VM
 * (COM1) it is off.
 */
#include "hv.h"
#include "page_alloc.h"
#include "power.h"
#include "regs_print.h"
#include "shell.h"
#include "uvm_vcpu.h"
#include "prelaunch.h"
#include "vm.h"
#include "vuart.h"
#include "vmexit.h"
#include "vmx.h"
#include "vpid.h"

#define SHELL_LINE_MAX 80
/* Ctrl-] leaves vm_console (Ctrl-Space, NUL, too: what ACRN's shell uses) */
#define CONSOLE_ESCAPE 0x1d

static bool enabled;
static char line[SHELL_LINE_MAX];
static u32 len;
static struct vuart *console_vm; /* vm_console: typed bytes go to this VM's vUART */

bool shell_enabled(void)
{
	return enabled;
}

static void prompt(void)
{
	hv_printf("ACRN:\\> ");
}

void shell_init(void)
{
	u16 port = console_port();

	enabled = port && port != 0x3f8;
	if (!enabled) {
		pr_info("debug shell off: console shared with the Service VM\n");
		return;
	}
	vmx_enable_preemption_timer(1000);
	hv_printf("ACRN-HV: debug shell on UART %x, type 'help'\n", port);
}

static const char *next_word(const char **p)
{
	static char word[SHELL_LINE_MAX];
	u32 n = 0;

	while (**p == ' ')
		(*p)++;
	while (**p && **p != ' ' && n + 1 < sizeof(word))
		word[n++] = *(*p)++;
	word[n] = '\0';
	return word;
}

static int parse_num(const char *w, u64 *v)
{
	return hv_parse_u64(w, strlen(w), v);
}

static void cmd_help(const char *args)
{
	(void)args;
	hv_printf("help                 this list\n"
		  "version              hypervisor version\n"
		  "vm_list              list VMs\n"
		  "vcpu_list            list vCPUs with their pCPU and state\n"
		  "vcpu_dumpreg <vcpu>  registers of a Service VM vCPU (as of its last exit)\n"
		  "vcpu_exits [vcpu]    VM-exit counters per reason\n"
		  "vm_console <vm>      type into a pre-launched VM's console (Ctrl-] returns)\n"
		  "log_level [0-6]      show or set the log level\n"
		  "reboot               reset the platform\n");
}

static void cmd_version(const char *args)
{
	(void)args;
	hv_printf("ACRN-HV %s, %u pCPUs\n", HV_VERSION, hv.nr_pcpus);
}

static const char *const vm_type_names[] = {
    [VM_SERVICE] = "service (privileged)",
    [VM_USER] = "user",
    [VM_PRELAUNCHED] = "pre-launched",
};

static const char *const vm_state_names[] = {
    [VM_POWERED_OFF] = "powered-off",
    [VM_CREATED] = "created",
    [VM_RUNNING] = "running",
    [VM_PAUSED] = "paused",
};

static void cmd_vm_list(const char *args)
{
	const struct vm *vm;
	u16 id;

	(void)args;
	hv_printf("VM_ID  NAME            VCPUS  STATE        TYPE\n");
	for (id = 0; id < MAX_VMS; id++)
		if ((vm = vm_get(id)))
			hv_printf("%-6u %-15s %-6u %-12s %s\n", id, vm->name, vm->nr_vcpus,
				  vm_state_names[vm->state], vm_type_names[vm->type]);
	/* what VMs coming and going must give back */
	hv_printf("free pages %u of %u, free VPIDs %u of %u\n", hv_free_pages(), hv_pool_pages(),
		  vpid_free_count(), VPID_MAX);
}

static void cmd_vcpu_list(const char *args)
{
	const struct vm *vm;
	u16 id;
	u32 i;

	(void)args;
	hv_printf("VM_ID  VCPU  PCPU  STATE      EXITS\n");
	for (id = 0; id < MAX_VMS; id++) {
		if (!(vm = vm_get(id)))
			continue;
		for (i = 0; i < vm->nr_vcpus; i++) {
			const struct vcpu *v = &vm->vcpu[i];
			/* an AP between INIT and STARTUP (never started, or offline) */
			bool waiting =
			    v->running && i && !__atomic_load_n(&v->started, __ATOMIC_ACQUIRE);

			if (vm_is_isolated(vm)) { /* on a pCPU of its own (uvm_vcpu.c) */
				hv_printf("%-6u %-4u  %-4u  %-9s  %llu%s%s\n", id, i, v->pcpu,
					  uvm_state_name(v->uvm_state),
					  (unsigned long long)v->exits_total,
					  v->dead_why ? " " : "", v->dead_why ? v->dead_why : "");
				continue;
			}
			hv_printf("%-6u %-4u  %-4u  %-9s  %llu\n", id, i, v->pcpu,
				  !v->running ? "stopped"
				  : waiting   ? "wait-sipi"
					      : "running",
				  (unsigned long long)v->exits_total);
		}
	}
}

/* The Service VM's vCPUs (VM 0) are the ones the shell inspects. */
static const struct vcpu *arg_vcpu(const char *w)
{
	const struct vm *vm = vm_get(0);
	u64 id;

	if (!vm || parse_num(w, &id) || id >= vm->nr_vcpus) {
		hv_printf("no such vcpu '%s' (0..%u)\n", w, vm ? vm->nr_vcpus - 1 : 0);
		return NULL;
	}
	return &vm->vcpu[id];
}

static void cmd_vcpu_dumpreg(const char *args)
{
	const struct vcpu *v = arg_vcpu(next_word(&args));
	const struct guest_regs *r;

	if (!v)
		return;
	r = &v->regs;
	hv_printf("vcpu %u: RIP=%016llx RSP=%016llx RFLAGS=%llx\n", v->id,
		  (unsigned long long)v->snap.rip, (unsigned long long)v->snap.rsp,
		  (unsigned long long)v->snap.rflags);
	hv_printf("CR0=%llx CR3=%llx CR4=%llx\n", (unsigned long long)v->snap.cr0,
		  (unsigned long long)v->snap.cr3, (unsigned long long)v->snap.cr4);
	print_gprs(r);
}

static void cmd_vcpu_exits(const char *args)
{
	const char *w = next_word(&args);
	const struct vcpu *v;
	u32 i, r;

	const struct vm *vm = vm_get(0);

	for (i = 0; vm && i < vm->nr_vcpus; i++) {
		v = &vm->vcpu[i];
		if (*w && arg_vcpu(w) != v)
			continue;
		hv_printf("vcpu %u: %llu exits\n", i, (unsigned long long)v->exits_total);
		for (r = 0; r < NR_EXIT_REASONS; r++)
			if (v->exits[r])
				hv_printf("  %-24s %llu\n", exit_reason_name(r),
					  (unsigned long long)v->exits[r]);
	}
}

static void cmd_vm_console(const char *args)
{
	const char *w = next_word(&args);
	struct vuart *u;
	u64 id;

	if (parse_num(w, &id) || id >= MAX_VMS || !(u = prelaunch_vuart((u16)id))) {
		hv_printf("no VM with a hypervisor console '%s' (pre-launched VMs only; see "
			  "vm_list)\n",
			  w);
		return;
	}
	hv_printf("console of VM %u; its output shows as 'ACRN-HV: vm%u ...' lines; Ctrl-] "
		  "returns\n",
		  (u32)id, (u32)id);
	console_vm = u;
}

static void cmd_log_level(const char *args)
{
	const char *w = next_word(&args);
	u64 lvl;

	if (*w) {
		if (parse_num(w, &lvl) || lvl > LOG_VERBOSE) {
			hv_printf("log level must be 0..6\n");
			return;
		}
		hv_loglevel = (int)lvl;
	}
	hv_printf("log level %d\n", hv_loglevel);
}

static void cmd_reboot(const char *args)
{
	(void)args;
	hv_printf("ACRN-HV: platform reset\n");
	platform_reset();
}

static const struct {
	const char *name;
	void (*fn)(const char *args);
} cmds[] = {
    {"help", cmd_help},
    {"version", cmd_version},
    {"vm_list", cmd_vm_list},
    {"vcpu_list", cmd_vcpu_list},
    {"vcpu_dumpreg", cmd_vcpu_dumpreg},
    {"vcpu_exits", cmd_vcpu_exits},
    {"vm_console", cmd_vm_console},
    {"log_level", cmd_log_level},
    {"reboot", cmd_reboot},
};

static void execute(const char *l)
{
	const char *p = l;
	const char *w = next_word(&p);
	u32 i;

	if (!*w)
		return;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (!strncmp(w, cmds[i].name, SHELL_LINE_MAX) &&
		    strlen(w) == strlen(cmds[i].name)) {
			cmds[i].fn(p);
			return;
		}
	}
	hv_printf("unknown command '%s': try 'help'\n", w);
}

void shell_poll(void)
{
	int c;

	static bool prompted;

	if (!enabled || this_pcpu()->idx != 0)
		return;
	if (!prompted) {
		prompted = true;
		prompt();
	}
	while ((c = console_getc()) >= 0) {
		if (console_vm) {
			if (c == CONSOLE_ESCAPE || c == 0) {
				console_vm = NULL;
				hv_printf("\nback in the hypervisor shell\n");
				prompt();
			} else if (!vuart_receive(console_vm, (u8)c)) {
				hv_printf("\n(console input dropped: the guest is not reading)\n");
			}
			continue;
		}
		if (c == '\r' || c == '\n') {
			hv_printf("\n");
			line[len] = '\0';
			execute(line);
			len = 0;
			prompt();
		} else if ((c == 8 || c == 127) && len) {
			len--;
			hv_printf("\b \b");
		} else if (c >= ' ' && c < 127 && len + 1 < SHELL_LINE_MAX) {
			line[len++] = (char)c;
			hv_printf("%c", c);
		}
	}
}
