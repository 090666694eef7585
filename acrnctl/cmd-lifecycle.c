/* Commands that act on existing VMs: start, stop, pause, continue, suspend,
 * resume, reset, reboot, del, autostart, blkrescan. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "acrnctl.h"

/* Every VM method takes an a{sv} of options; most callers pass none. */
static GVariant *no_options(void)
{
	return g_variant_new("a{sv}", NULL);
}

typedef gboolean (*VmMethod)(AcrnVM *vm, GVariant *options, GCancellable *cancellable,
			     GError **error);

/* Runs @method on every VM named in argv[1..]; the exit status is that of the
 * last failure, so `acrnctl start a b` reports a failure of either. */
static int for_each_vm(Acrnctl *ctl, const char *command, int argc, char **argv, VmMethod method,
		       GVariant *(*make_options)(gpointer), gpointer data)
{
	int status = ACRNCTL_EXIT_OK;

	if (argc < 2)
		return acrnctl_usage_error(command, "no VM given");
	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(AcrnVM) vm = acrnctl_lookup_vm(ctl, argv[i], &error);
		g_autofree char *what = g_strdup_printf("%s %s", command, argv[i]);

		if (vm &&
		    method(vm, make_options ? make_options(data) : no_options(), NULL, &error))
			continue;
		status = acrnctl_fail(what, error);
		if (status == ACRNCTL_EXIT_NO_DAEMON)
			break; /* every further VM would fail the same way */
	}
	return status;
}

int acrnctl_cmd_start(Acrnctl *ctl, int argc, char **argv)
{
	int r = acrnctl_parse_options(
	    "start", "VM...", "Start VMs: launch their device model and boot them.",
	    "Returns once the device model reports that the VM runs.", NULL, &argc, &argv);

	if (r >= 0)
		return r;
	return for_each_vm(ctl, "start", argc, argv, acrn_vm_call_start_sync, NULL, NULL);
}

typedef struct {
	gboolean wait;
	gint timeout_sec;
	gboolean force_after_timeout;
} StopOptions;

static GVariant *shutdown_options(gpointer data)
{
	StopOptions *o = data;
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if (o->wait) {
		g_variant_builder_add(&b, "{sv}", "wait", g_variant_new_boolean(TRUE));
		if (o->timeout_sec >= 0)
			g_variant_builder_add(&b, "{sv}", "timeout-sec",
					      g_variant_new_uint32((guint32)o->timeout_sec));
		if (o->force_after_timeout)
			g_variant_builder_add(&b, "{sv}", "force-after-timeout",
					      g_variant_new_boolean(TRUE));
	}
	return g_variant_builder_end(&b);
}

/* The daemon's default graceful-stop timeout (org.acrn.Acrnd1.xml). */
#define DEFAULT_STOP_TIMEOUT_SEC 60

int acrnctl_cmd_stop(Acrnctl *ctl, int argc, char **argv)
{
	gboolean force = FALSE;
	StopOptions o = {FALSE, -1, FALSE};
	const GOptionEntry entries[] = {
	    {"force", 'f', 0, G_OPTION_ARG_NONE, &force,
	     "Power the VM off immediately (kills the device model)", NULL},
	    {"wait", 'w', 0, G_OPTION_ARG_NONE, &o.wait, "Return only when the VM has stopped",
	     NULL},
	    {"timeout", 't', 0, G_OPTION_ARG_INT, &o.timeout_sec,
	     "With --wait: give up after SEC seconds (default 60, exit status 6); implies "
	     "--wait",
	     "SEC"},
	    {"force-after-timeout", 0, 0, G_OPTION_ARG_NONE, &o.force_after_timeout,
	     "With --wait: power the VM off when the timeout expires instead of failing", NULL},
	    {NULL},
	};
	int r = acrnctl_parse_options(
	    "stop", "VM...", "Stop VMs.",
	    "Without --force, the guest is asked to shut down through its ACPI power button\n"
	    "and the command returns at once unless --wait or --timeout is given.",
	    entries, &argc, &argv);
	int status = ACRNCTL_EXIT_OK;

	if (r >= 0)
		return r;
	if (o.timeout_sec >= 0 || o.force_after_timeout)
		o.wait = TRUE;
	if (o.timeout_sec == 0 || o.timeout_sec < -1)
		return acrnctl_usage_error("stop", "--timeout must be at least 1 second");
	if (force && (o.timeout_sec >= 0 || o.force_after_timeout))
		return acrnctl_usage_error("stop", "--force stops at once; it takes no --timeout "
						   "(use --force-after-timeout)");
	if (force)
		return for_each_vm(ctl, "stop", argc, argv, acrn_vm_call_force_stop_sync, NULL,
				   NULL);
	if (argc < 2)
		return acrnctl_usage_error("stop", "no VM given");

	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(AcrnVM) vm = acrnctl_lookup_vm(ctl, argv[i], &error);
		g_autofree char *what = g_strdup_printf("stop %s", argv[i]);

		if (vm && o.wait) {
			/* The daemon enforces the timeout; the call itself must
			 * outlive it. */
			gint sec = o.timeout_sec >= 0 ? o.timeout_sec : DEFAULT_STOP_TIMEOUT_SEC;

			g_dbus_proxy_set_default_timeout(
			    G_DBUS_PROXY(vm), (gint)MIN((gint64)sec * 1000 + 30000, G_MAXINT));
		}
		if (vm && acrn_vm_call_shutdown_sync(vm, shutdown_options(&o), NULL, &error))
			continue;
		status = acrnctl_fail(what, error);
		if (status == ACRNCTL_EXIT_NO_DAEMON)
			break;
	}
	return status;
}

/* Commands that map 1:1 onto a method without options. */
static const struct {
	const char *command;
	VmMethod method;
	const char *summary;
	const char *description;
} simple_commands[] = {
    {"pause", acrn_vm_call_pause_sync, "Pause the vCPUs of running VMs.",
     "The guest does not notice; 'continue' lets it run again."},
    {"continue", acrn_vm_call_resume_sync, "Let paused VMs run again.",
     "This is the D-Bus method Resume (resume the vCPUs after 'pause')."},
    {"suspend", acrn_vm_call_suspend_sync, "Suspend VMs to RAM (guest ACPI S3).", NULL},
    {"resume", acrn_vm_call_wakeup_sync, "Wake VMs up from suspend-to-RAM (S3).",
     "Upstream spelling: 'resume' wakes a suspended VM (the D-Bus method Wakeup).\n"
     "To let a paused VM run again, use 'continue' (the D-Bus method Resume)."},
    {"wakeup", acrn_vm_call_wakeup_sync, "Wake VMs up from suspend-to-RAM (same as resume).", NULL},
    {"reset", acrn_vm_call_reset_sync, "Hard-reset VMs (like pressing the reset button).",
     "The device model keeps running; use 'reboot' for a graceful restart."},
    {"reboot", acrn_vm_call_reboot_sync, "Reboot VMs gracefully (stop, then start).", NULL},
    {"del", acrn_vm_call_undefine_sync, "Delete the definitions of stopped VMs.", NULL},
};

int acrnctl_cmd_simple(Acrnctl *ctl, int argc, char **argv)
{
	for (guint i = 0; i < G_N_ELEMENTS(simple_commands); i++) {
		int r;

		if (strcmp(argv[0], simple_commands[i].command) != 0)
			continue;
		r = acrnctl_parse_options(argv[0], "VM...", simple_commands[i].summary,
					  simple_commands[i].description, NULL, &argc, &argv);
		if (r >= 0)
			return r;
		return for_each_vm(ctl, simple_commands[i].command, argc, argv,
				   simple_commands[i].method, NULL, NULL);
	}
	g_return_val_if_reached(ACRNCTL_EXIT_FAILURE);
}

static gboolean parse_on_off(const char *s, gboolean *on)
{
	static const char *const yes[] = {"on", "yes", "true", "enable", "1"};
	static const char *const no[] = {"off", "no", "false", "disable", "0"};

	for (guint i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(s, yes[i]) == 0) {
			*on = TRUE;
			return TRUE;
		}
		if (g_ascii_strcasecmp(s, no[i]) == 0) {
			*on = FALSE;
			return TRUE;
		}
	}
	return FALSE;
}

int acrnctl_cmd_autostart(Acrnctl *ctl, int argc, char **argv)
{
	int r = acrnctl_parse_options(
	    "autostart", "VM [on|off]", "Show or set whether acrnd starts a VM when it starts.",
	    "Without on/off, prints the current setting.", NULL, &argc, &argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autofree char *what = NULL;
	gboolean on = FALSE;

	if (r >= 0)
		return r;
	if (argc < 2 || argc > 3)
		return acrnctl_usage_error("autostart", "expected a VM and optionally on|off");
	if (argc == 3 && !parse_on_off(argv[2], &on))
		return acrnctl_usage_error("autostart", "'%s' is neither on nor off", argv[2]);
	what = g_strdup_printf("autostart %s", argv[1]);
	if (argc == 2) {
		vm = acrnctl_lookup_vm_with_properties(ctl, argv[1], &error);
		if (!vm)
			return acrnctl_fail(what, error);
		printf("%s\n", acrn_vm_get_autostart(vm) ? "on" : "off");
		return ACRNCTL_EXIT_OK;
	}
	vm = acrnctl_lookup_vm(ctl, argv[1], &error);
	if (!vm || !acrn_vm_call_set_autostart_sync(vm, on, no_options(), NULL, &error))
		return acrnctl_fail(what, error);
	return ACRNCTL_EXIT_OK;
}

int acrnctl_cmd_blkrescan(Acrnctl *ctl, int argc, char **argv)
{
	int r = acrnctl_parse_options(
	    "blkrescan", "VM SLOT,PATH",
	    "Change the backing file of a running VM's virtio-blk device.",
	    "SLOT is the PCI slot of a virtio-blk device defined without a source file\n"
	    "('nodisk'); PATH is the new backing file.",
	    NULL, &argc, &argv);
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autofree char *what = NULL;
	const char *comma;
	g_autofree char *slot_str = NULL;
	guint64 slot;

	if (r >= 0)
		return r;
	if (argc != 3)
		return acrnctl_usage_error("blkrescan", "expected a VM and SLOT,PATH");
	comma = strchr(argv[2], ',');
	if (!comma || comma[1] == '\0')
		return acrnctl_usage_error("blkrescan", "'%s' is not SLOT,PATH", argv[2]);
	slot_str = g_strndup(argv[2], (gsize)(comma - argv[2]));
	if (!g_ascii_string_to_unsigned(slot_str, 10, 0, 31, &slot, NULL))
		return acrnctl_usage_error("blkrescan", "'%s' is not a PCI slot (0-31)", slot_str);

	if (!g_utf8_validate(comma + 1, -1, NULL))
		return acrnctl_usage_error("blkrescan", "the path is not valid UTF-8");
	what = g_strdup_printf("blkrescan %s", argv[1]);
	vm = acrnctl_lookup_vm(ctl, argv[1], &error);
	if (!vm ||
	    !acrn_vm_call_block_rescan_sync(vm, (guint)slot, comma + 1, no_options(), NULL, &error))
		return acrnctl_fail(what, error);
	return ACRNCTL_EXIT_OK;
}
