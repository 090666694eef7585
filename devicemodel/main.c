/* acrn-dm: the device model of one User VM (docs/devicemodel.md).
 * Options -> DmConfig, control socket, VM start, serve, exit status. */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>

#include "dm-options.h"
#include "dm-proto.h"
#include "vm.h"

/* One line per message on stderr: acrnd quotes the last one when a start
 * fails without a start-failed event. */
static void log_line(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	if ((level & G_LOG_LEVEL_DEBUG) && !g_getenv("G_MESSAGES_DEBUG"))
		return;
	fprintf(stderr, "acrn-dm: %s\n", msg);
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = NULL;

	setlocale(LC_ALL, "");
	g_log_set_default_handler(log_line, NULL);
	signal(SIGPIPE, SIG_IGN);

	cfg = dm_config_parse(argc, argv, &error);
	if (!cfg) {
		fprintf(stderr, "acrn-dm: %s\n", error->message);
		return ACRN_DM_EXIT_USAGE;
	}
	if (cfg->show_help) {
		fputs(dm_config_usage(), stdout);
		return 0;
	}
	if (cfg->show_version) {
		printf("acrn-dm " PACKAGE_VERSION "\n");
		return 0;
	}

	vm = dm_vm_new(cfg);
	if (!dm_vm_open_control(vm, &error)) {
		g_message("%s", error->message);
		return ACRN_DM_EXIT_FAILURE;
	}
	if (!dm_vm_start(vm, &error)) {
		g_message("%s: start failed: %s", cfg->name, error->message);
		dm_vm_report_start_failure(vm, error->message);
		return ACRN_DM_EXIT_FAILURE;
	}
	return dm_vm_run(vm);
}
