/* Connecting to acrnd, looking VMs up, and turning failures into messages
 * and exit statuses. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "acrnctl.h"
#include "dm-argv-to-def.h"
#include "launch-script.h"
#include "vm-definition.h"

GDBusConnection *acrnctl_bus(Acrnctl *ctl, GError **error)
{
	if (ctl->bus)
		return ctl->bus;
	if (ctl->address) {
		ctl->bus = g_dbus_connection_new_for_address_sync(
		    ctl->address,
		    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		    NULL, NULL, error);
	} else {
		ctl->bus = g_bus_get_sync(ctl->session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
					  NULL, error);
	}
	if (!ctl->bus) {
		/* Say which bus; a failure to connect means no daemon to talk
		 * to (exit status 9) unless the socket refused us. */
		GError *e = error ? *error : NULL;

		if (e && !g_error_matches(e, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED)) {
			*error = g_error_new(G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER,
					     "cannot connect to the %s: %s",
					     ctl->address   ? ctl->address
					     : ctl->session ? "session bus"
							    : "system bus",
					     e->message);
			g_error_free(e);
		}
		return NULL;
	}
	g_dbus_connection_set_exit_on_close(ctl->bus, FALSE);
	return ctl->bus;
}

AcrnManager *acrnctl_manager(Acrnctl *ctl, GError **error)
{
	GDBusConnection *bus = acrnctl_bus(ctl, error);

	if (!bus)
		return NULL;
	if (!ctl->manager) {
		ctl->manager = acrn_manager_proxy_new_sync(
		    bus,
		    G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
			G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
		    ACRN_DBUS_NAME, ACRN_DBUS_MANAGER_PATH, NULL, error);
		if (ctl->manager)
			g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(ctl->manager),
							 ACRNCTL_CALL_TIMEOUT_MSEC);
	}
	return ctl->manager;
}

static AcrnVM *lookup(Acrnctl *ctl, const char *name_or_uuid, GDBusProxyFlags flags, GError **error)
{
	AcrnManager *manager = acrnctl_manager(ctl, error);
	g_autofree char *path = NULL;
	AcrnVM *vm;

	if (!manager)
		return NULL;
	/* D-Bus strings must be UTF-8; a name that is not cannot exist. */
	if (!g_utf8_validate(name_or_uuid, -1, NULL)) {
		g_autofree char *shown = g_utf8_make_valid(name_or_uuid, -1);

		g_set_error(error, ACRN_ERROR, ACRN_ERROR_NO_SUCH_VM,
			    "no VM is named '%s' (the name is not valid UTF-8)", shown);
		return NULL;
	}
	if (!acrn_manager_call_get_vm_sync(manager, name_or_uuid, &path, NULL, error))
		return NULL;
	vm = acrn_vm_proxy_new_sync(ctl->bus, flags | G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS,
				    ACRN_DBUS_NAME, path, NULL, error);
	if (vm)
		g_dbus_proxy_set_default_timeout(G_DBUS_PROXY(vm), ACRNCTL_CALL_TIMEOUT_MSEC);
	return vm;
}

AcrnVM *acrnctl_lookup_vm(Acrnctl *ctl, const char *name_or_uuid, GError **error)
{
	return lookup(ctl, name_or_uuid, G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES, error);
}

AcrnVM *acrnctl_lookup_vm_with_properties(Acrnctl *ctl, const char *name_or_uuid, GError **error)
{
	return lookup(ctl, name_or_uuid, G_DBUS_PROXY_FLAGS_NONE, error);
}

AcrnctlExit acrnctl_exit_status(const GError *error)
{
	if (error->domain == ACRN_ERROR) {
		switch ((AcrnError)error->code) {
		case ACRN_ERROR_NO_SUCH_VM:
			return ACRNCTL_EXIT_NOT_FOUND;
		case ACRN_ERROR_INVALID_STATE:
			return ACRNCTL_EXIT_INVALID_STATE;
		case ACRN_ERROR_ACCESS_DENIED:
			return ACRNCTL_EXIT_PERMISSION;
		case ACRN_ERROR_TIMEOUT:
			return ACRNCTL_EXIT_TIMEOUT;
		case ACRN_ERROR_INVALID_CONFIG:
			return ACRNCTL_EXIT_INVALID_DEFINITION;
		case ACRN_ERROR_BUSY:
			return ACRNCTL_EXIT_BUSY;
		default:
			return ACRNCTL_EXIT_FAILURE;
		}
	}
	if (error->domain == G_DBUS_ERROR) {
		switch ((GDBusError)error->code) {
		case G_DBUS_ERROR_ACCESS_DENIED:
		case G_DBUS_ERROR_AUTH_FAILED:
			return ACRNCTL_EXIT_PERMISSION;
		case G_DBUS_ERROR_TIMEOUT:
		case G_DBUS_ERROR_TIMED_OUT:
		case G_DBUS_ERROR_NO_REPLY:
			return ACRNCTL_EXIT_TIMEOUT;
		case G_DBUS_ERROR_SERVICE_UNKNOWN:
		case G_DBUS_ERROR_NAME_HAS_NO_OWNER:
		case G_DBUS_ERROR_NO_SERVER:
		case G_DBUS_ERROR_SPAWN_FAILED:
		case G_DBUS_ERROR_SPAWN_EXEC_FAILED:
		case G_DBUS_ERROR_SPAWN_CHILD_EXITED:
		case G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND:
			return ACRNCTL_EXIT_NO_DAEMON;
		case G_DBUS_ERROR_UNKNOWN_OBJECT:
			/* The VM was undefined between lookup and call. */
			return ACRNCTL_EXIT_NOT_FOUND;
		default:
			return ACRNCTL_EXIT_FAILURE;
		}
	}
	if (error->domain == G_IO_ERROR) {
		switch ((GIOErrorEnum)error->code) {
		case G_IO_ERROR_TIMED_OUT:
			return ACRNCTL_EXIT_TIMEOUT;
		case G_IO_ERROR_PERMISSION_DENIED:
			return ACRNCTL_EXIT_PERMISSION;
		case G_IO_ERROR_CLOSED:
		case G_IO_ERROR_CONNECTION_REFUSED:
			return ACRNCTL_EXIT_NO_DAEMON;
		default:
			return ACRNCTL_EXIT_FAILURE;
		}
	}
	if (error->domain == LAUNCH_SCRIPT_ERROR || error->domain == DM_ARGV_ERROR ||
	    error->domain == ACRN_VM_DEF_ERROR)
		return ACRNCTL_EXIT_INVALID_DEFINITION;
	return ACRNCTL_EXIT_FAILURE;
}

AcrnctlExit acrnctl_fail(const char *what, const GError *error)
{
	AcrnctlExit status = acrnctl_exit_status(error);
	g_autoptr(GError) copy = g_error_copy(error);

	g_dbus_error_strip_remote_error(copy);
	switch (status) {
	case ACRNCTL_EXIT_PERMISSION:
		if (g_error_matches(error, ACRN_ERROR, ACRN_ERROR_ACCESS_DENIED)) {
			/* acrnd's own refusal names the group it is configured
			 * with (--manage-group). */
			fprintf(stderr, "acrnctl: %s: permission denied: %s\n", what,
				copy->message);
			break;
		}
		/* dbus-daemon's denial text lists match rules; say what it
		 * means instead, and keep the original for debugging.  The
		 * group is acrnd's --manage-group, which the bus policy
		 * names too. */
		fprintf(stderr,
			"acrnctl: %s: permission denied by the bus policy: only root and members "
			"of acrnd's manage group (by default 'acrn') may change VMs (%s)\n",
			what, copy->message);
		break;
	case ACRNCTL_EXIT_NO_DAEMON:
		fprintf(stderr, "acrnctl: %s: cannot reach acrnd (%s): %s\n", what, ACRN_DBUS_NAME,
			copy->message);
		break;
	default:
		fprintf(stderr, "acrnctl: %s: %s\n", what, copy->message);
		break;
	}
	return status;
}

AcrnctlExit acrnctl_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "acrnctl %s: %s\nTry 'acrnctl %s --help'.\n", command, msg, command);
	return ACRNCTL_EXIT_USAGE;
}

int acrnctl_parse_options(const char *command, const char *parameters, const char *summary,
			  const char *description, const GOptionEntry *entries, int *argc,
			  char ***argv)
{
	g_autoptr(GOptionContext) oc = g_option_context_new(parameters);
	g_autoptr(GError) error = NULL;
	g_autofree char *prgname = g_strdup_printf("acrnctl %s", command);

	g_set_prgname(prgname);
	g_option_context_set_summary(oc, summary);
	if (description)
		g_option_context_set_description(oc, description);
	if (entries)
		g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, argc, argv, &error))
		return acrnctl_usage_error(command, "%s", error->message);
	return -1;
}
