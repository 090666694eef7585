/* Turning an acrn-dm command line back into a VM definition.
 *
 * This is the inverse of acrn_vm_def_to_dm_argv() for what a definition can
 * express: memory, --cpu_affinity, direct kernel boot, an OVMF image, the
 * host and LPC bridges, virtio-blk and virtio-net devices, the COM1 console
 * and the VM name.  Options that acrn-dm ignores anyway (obsolete ones) and
 * options acrnd takes care of itself (logging, monitor sockets) are dropped
 * with a warning; everything else is rejected with an error that names the
 * option, so that a converted VM never silently differs from the script.
 */
#pragma once

#include <glib.h>

#include "vm-definition.h"

#define DM_ARGV_ERROR (dm_argv_error_quark())
GQuark dm_argv_error_quark(void);

typedef enum {
	/* A valid acrn-dm option that a VM definition cannot express. */
	DM_ARGV_ERROR_UNSUPPORTED,
	/* Something acrn-dm itself would refuse (bad value, missing name). */
	DM_ARGV_ERROR_INVALID,
	/* A value the definition needs is only known when the script runs. */
	DM_ARGV_ERROR_UNKNOWN_VALUE,
} DmArgvError;

/* Arguments may contain values that are only known at run time (a launch
 * script's `$(cat /sys/class/net/e*\/address)`), written as
 * DM_ARGV_UNKNOWN_MARK, the decimal index of the reason in
 * DmArgvToDefOptions.unknown_reasons, and DM_ARGV_UNKNOWN_MARK again.
 * Options and sub-options that are dropped anyway may have such values;
 * anywhere else they make the conversion fail with the reason. */
#define DM_ARGV_UNKNOWN_MARK '\x01'

typedef struct {
	/* UUID to give the definition, or NULL for a random one. */
	const char *uuid;
	/* Relative paths (kernel, initrd, OVMF, disks, console file) are
	 * resolved against this directory with a warning; NULL refuses
	 * them. */
	const char *base_dir;
	/* Why there is no base directory (e.g. the script changes directory
	 * in a way that cannot be followed), for the error; may be NULL. */
	const char *base_dir_unknown;
	/* What a leading ~/ in those paths stands for (with a warning); NULL
	 * refuses it. */
	const char *home;
	/* Reasons for the placeholders in argv (char *), or NULL. */
	GPtrArray *unknown_reasons;
} DmArgvToDefOptions;

/* @argv: acrn-dm's argv, argv[0] being the program
 * @opts: see DmArgvToDefOptions; NULL for the defaults
 * @warnings: (out, element-type utf8): messages about dropped options are
 *            appended; may be NULL
 *
 * Returns a validated definition (it went through acrn_vm_def_parse() and
 * acrn_vm_def_to_dm_argv()) or NULL with @error set. */
AcrnVmDef *dm_argv_to_def(const char *const *argv, const DmArgvToDefOptions *opts,
			  GPtrArray *warnings, GError **error);
