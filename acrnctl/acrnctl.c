/* acrnctl: command-line client of acrnd.  Global options, the command
 * table and help; the commands live in cmd-*.c. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acrnctl.h"

typedef struct {
	const char *name;
	const char *synopsis;
	const char *summary;
	int (*run)(Acrnctl *ctl, int argc, char **argv);
} Command;

static const Command commands[] = {
    {"list", "[--json|--names]", "list VMs: name, state, vCPUs, memory, autostart",
     acrnctl_cmd_list},
    {"add", "[--uuid UUID] [--dry-run] FILE [ARGS...]",
     "define a VM from domain XML or an acrn-dm launch script", acrnctl_cmd_add},
    {"convert", "[--uuid UUID] FILE [ARGS...]",
     "print the definition 'add' would create, without adding it", acrnctl_cmd_convert},
    {"del", "VM...", "delete stopped VMs", acrnctl_cmd_simple},
    {"start", "VM...", "start VMs", acrnctl_cmd_start},
    {"stop", "[-f] [--wait] [--timeout SEC] VM...",
     "stop VMs (ACPI power button; -f: power off at once)", acrnctl_cmd_stop},
    {"pause", "VM...", "pause the vCPUs", acrnctl_cmd_simple},
    {"continue", "VM...", "let paused VMs run again", acrnctl_cmd_simple},
    {"suspend", "VM...", "suspend to RAM (guest S3)", acrnctl_cmd_simple},
    {"resume", "VM...", "wake up from suspend to RAM (not: unpause)", acrnctl_cmd_simple},
    {"wakeup", "VM...", "same as resume", acrnctl_cmd_simple},
    {"reset", "VM...", "hard-reset VMs", acrnctl_cmd_simple},
    {"reboot", "VM...", "reboot VMs gracefully", acrnctl_cmd_simple},
    {"autostart", "VM [on|off]", "show or set autostart at acrnd start", acrnctl_cmd_autostart},
    {"dumpxml", "VM", "print a VM's definition", acrnctl_cmd_dumpxml},
    {"blkrescan", "VM SLOT,PATH", "change the file behind an empty virtio-blk slot",
     acrnctl_cmd_blkrescan},
    {"monitor", "[--count N] [VM...]", "print VM events until interrupted", acrnctl_cmd_monitor},
};

static const Command *find_command(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out, "Usage: acrnctl [--address ADDR|--session|--system] COMMAND [ARGS...]\n"
		     "\n"
		     "Manage ACRN User VMs through acrnd (D-Bus service org.acrn.Acrnd1).\n"
		     "\n"
		     "Commands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"'acrnctl help COMMAND' or 'acrnctl COMMAND --help' describes a command.\n"
		"VMs are named by name or UUID.\n"
		"\n"
		"Note: 'pause'/'continue' stop and restart the vCPUs; 'suspend'/'resume' are\n"
		"guest suspend-to-RAM (S3) and wake-up, as in upstream acrnctl. On D-Bus,\n"
		"'continue' is VM.Resume and 'resume' is VM.Wakeup.\n"
		"\n"
		"Global options:\n"
		"  --address ADDR  talk to acrnd on the bus at ADDR (or $ACRNCTL_BUS_ADDRESS)\n"
		"  --session       use the session bus instead of the system bus\n"
		"  --system        use the system bus (default)\n"
		"  -h, --help      show this help\n"
		"  -V, --version   show the version\n"
		"\n"
		"Exit status:\n"
		"  0  success\n"
		"  1  failure not covered below\n"
		"  2  bad command line\n"
		"  3  no such VM\n"
		"  4  the VM is in the wrong state for the command\n"
		"  5  permission denied (only root and acrnd's manage group, by default\n"
		"     'acrn', may change VMs)\n"
		"  6  timeout\n"
		"  7  invalid VM definition, or a launch script that cannot be converted\n"
		"  8  another operation on the VM is in progress\n"
		"  9  acrnd or the bus cannot be reached\n");
}

int main(int argc, char **argv)
{
	Acrnctl ctl = {0};
	const Command *cmd;
	const char *env;
	int i, status;

	setlocale(LC_ALL, "");
	/* Registers the org.acrn.Acrnd1.Error.* names, so that replies from
	 * acrnd arrive as ACRN_ERROR codes. */
	(void)ACRN_ERROR;

	env = g_getenv("ACRNCTL_BUS_ADDRESS");
	if (env && *env)
		ctl.address = g_strdup(env);

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			print_help(stdout);
			return ACRNCTL_EXIT_OK;
		} else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
			printf("acrnctl %s\n", PACKAGE_VERSION);
			return ACRNCTL_EXIT_OK;
		} else if (strcmp(a, "--address") == 0 && i + 1 < argc) {
			g_free(ctl.address);
			ctl.address = g_strdup(argv[++i]);
		} else if (g_str_has_prefix(a, "--address=")) {
			g_free(ctl.address);
			ctl.address = g_strdup(a + strlen("--address="));
		} else if (strcmp(a, "--session") == 0) {
			g_clear_pointer(&ctl.address, g_free);
			ctl.session = TRUE;
		} else if (strcmp(a, "--system") == 0) {
			g_clear_pointer(&ctl.address, g_free);
			ctl.session = FALSE;
		} else {
			fprintf(stderr, "acrnctl: unknown option '%s'\nTry 'acrnctl --help'.\n", a);
			return ACRNCTL_EXIT_USAGE;
		}
	}
	if (i >= argc) {
		print_help(stderr);
		return ACRNCTL_EXIT_USAGE;
	}

	if (strcmp(argv[i], "help") == 0) {
		char *help_argv[] = {NULL, (char *)"--help", NULL};

		if (i + 1 >= argc) {
			print_help(stdout);
			return ACRNCTL_EXIT_OK;
		}
		cmd = find_command(argv[i + 1]);
		if (!cmd) {
			fprintf(stderr, "acrnctl: unknown command '%s'\nTry 'acrnctl --help'.\n",
				argv[i + 1]);
			return ACRNCTL_EXIT_USAGE;
		}
		help_argv[0] = (char *)cmd->name;
		return cmd->run(&ctl, 2, help_argv);
	}

	cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "acrnctl: unknown command '%s'\nTry 'acrnctl --help'.\n", argv[i]);
		return ACRNCTL_EXIT_USAGE;
	}
	status = cmd->run(&ctl, argc - i, argv + i);

	g_clear_object(&ctl.manager);
	g_clear_object(&ctl.bus);
	g_free(ctl.address);
	return status;
}
