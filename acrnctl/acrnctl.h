/* acrnctl: command-line client of acrnd (org.acrn.Acrnd1).
 * Shared declarations of the command implementations. */
#pragma once

#include <gio/gio.h>

#include "acrn-dbus-errors.h"
#include "acrn-dbus-generated.h"

/* Exit statuses; documented in acrnctl.1 and in `acrnctl --help`. */
typedef enum {
	ACRNCTL_EXIT_OK = 0,
	ACRNCTL_EXIT_FAILURE = 1,	     /* any other failure */
	ACRNCTL_EXIT_USAGE = 2,		     /* bad command line */
	ACRNCTL_EXIT_NOT_FOUND = 3,	     /* no such VM */
	ACRNCTL_EXIT_INVALID_STATE = 4,	     /* e.g. start of a running VM */
	ACRNCTL_EXIT_PERMISSION = 5,	     /* refused by the bus policy or acrnd */
	ACRNCTL_EXIT_TIMEOUT = 6,	     /* the operation did not finish in time */
	ACRNCTL_EXIT_INVALID_DEFINITION = 7, /* definition or launch script refused */
	ACRNCTL_EXIT_BUSY = 8,		     /* another operation on the VM is in progress */
	ACRNCTL_EXIT_NO_DAEMON = 9,	     /* acrnd or the bus cannot be reached */
} AcrnctlExit;

/* Lifecycle calls may wait for the device model or the guest: far longer
 * than GDBus' 25 s default. */
#define ACRNCTL_CALL_TIMEOUT_MSEC (5 * 60 * 1000)

typedef struct {
	char *address; /* bus address, NULL = system (or session) bus */
	gboolean session;
	GDBusConnection *bus;
	AcrnManager *manager;
} Acrnctl;

/* The connection, opened on first use. */
GDBusConnection *acrnctl_bus(Acrnctl *ctl, GError **error);
AcrnManager *acrnctl_manager(Acrnctl *ctl, GError **error);
/* A proxy for the VM with this name or UUID (no properties loaded). */
AcrnVM *acrnctl_lookup_vm(Acrnctl *ctl, const char *name_or_uuid, GError **error);
/* Same, with its properties loaded (State, Autostart, ...). */
AcrnVM *acrnctl_lookup_vm_with_properties(Acrnctl *ctl, const char *name_or_uuid, GError **error);

/* The exit status for a failure. */
AcrnctlExit acrnctl_exit_status(const GError *error);
/* Prints "acrnctl: <what>: <reason>" to stderr and returns the exit status.
 * @what names the command and the VM, e.g. "stop vm1". */
AcrnctlExit acrnctl_fail(const char *what, const GError *error);
/* Prints a usage error for a command and returns ACRNCTL_EXIT_USAGE. */
AcrnctlExit acrnctl_usage_error(const char *command, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Parses a command's options with GOptionContext (handles --help);
 * returns -1 when parsing succeeded, else the exit status to return. */
int acrnctl_parse_options(const char *command, const char *parameters, const char *summary,
			  const char *description, const GOptionEntry *entries, int *argc,
			  char ***argv);

/* Commands: argv[0] is the command name. */
int acrnctl_cmd_list(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_add(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_convert(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_dumpxml(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_start(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_stop(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_simple(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_autostart(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_blkrescan(Acrnctl *ctl, int argc, char **argv);
int acrnctl_cmd_monitor(Acrnctl *ctl, int argc, char **argv);
