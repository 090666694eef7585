/* Finding the acrn-dm command line in an upstream-style launch script.
 *
 * Upstream acrnctl ran the launch script to learn about the VM; acrnctl now
 * turns it into a VM definition instead, so the script is never executed
 * and no command it names is ever run.  This module evaluates the shell
 * subset launch scripts use (variable assignments, arrays, quoting, line
 * continuations, functions and their arguments, `shift`, conditions it can
 * decide such as [ "$1" = "-C" ], and command substitutions of the script's
 * own functions that echo or printf) well enough to recover the words
 * acrn-dm would receive.  A value only known at run time (the output of an
 * external command, `read`, a variable assigned under a condition it cannot
 * decide, the environment) is kept as a placeholder with its reason (see
 * DM_ARGV_UNKNOWN_MARK): dm_argv_to_def() fails with that reason if the
 * definition needs the value, and ignores it in options it drops.
 */
#pragma once

#include <glib.h>

#include "dm-argv-to-def.h"

#define LAUNCH_SCRIPT_ERROR (launch_script_error_quark())
GQuark launch_script_error_quark(void);

typedef enum {
	/* The script is not shell we can read (unterminated quote, ...). */
	LAUNCH_SCRIPT_ERROR_SYNTAX,
	/* The script never (or more than once) runs acrn-dm. */
	LAUNCH_SCRIPT_ERROR_NO_DEVICE_MODEL,
	/* acrn-dm's arguments depend on something only known at run time. */
	LAUNCH_SCRIPT_ERROR_UNKNOWN_VALUE,
	/* The script is larger than we are willing to read. */
	LAUNCH_SCRIPT_ERROR_TOO_LARGE,
} LaunchScriptError;

/* Largest script accepted (upstream acrnctl accepted 20 KiB). */
#define LAUNCH_SCRIPT_MAX_SIZE (1024 * 1024)

typedef struct {
	/* acrn-dm's argv as the script would pass it; argv[0] is the program
	 * word as written (e.g. "/usr/bin/acrn-dm"). */
	GStrv argv;
	/* 1-based line of the script where the acrn-dm command starts. */
	guint line;
	/* Reasons for the placeholders in argv (char *). */
	GPtrArray *unknowns;
	/* Things the reader assumed, e.g. what ~ expanded to (char *). */
	GPtrArray *warnings;
	/* The directory acrn-dm runs in if the script changed it with cd:
	 * absolute or relative to the script's directory, possibly a
	 * placeholder; NULL if the script did not change it. */
	char *cwd;
} LaunchScriptCommand;

void launch_script_command_free(LaunchScriptCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LaunchScriptCommand, launch_script_command_free)

/* @text: the script (need not be NUL-terminated at @len; @len may be -1)
 * @script_name: what $0 expands to
 * @args: the script's positional parameters ($1...), may be NULL
 * @home: what ~ expands to (with a warning), or NULL to leave ~ unknown
 *
 * Returns the single acrn-dm command the script runs, or NULL with @error
 * set (LAUNCH_SCRIPT_ERROR) explaining why it cannot be determined. */
LaunchScriptCommand *launch_script_find_dm_command(const char *text, gssize len,
						   const char *script_name, const char *const *args,
						   const char *home, GError **error);

/* The reason of the first placeholder in @arg (an element of @cmd->argv),
 * or NULL if @arg is known. */
const char *launch_script_command_unknown_reason(const LaunchScriptCommand *cmd, const char *arg);
