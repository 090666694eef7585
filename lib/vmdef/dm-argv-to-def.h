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
} DmArgvError;

/* @argv: acrn-dm's argv, argv[0] being the program
 * @uuid: UUID to give the definition, or NULL for a random one
 * @warnings: (out, element-type utf8): messages about dropped options are
 *            appended; may be NULL
 *
 * Returns a validated definition (it went through acrn_vm_def_parse() and
 * acrn_vm_def_to_dm_argv()) or NULL with @error set. */
AcrnVmDef *dm_argv_to_def(const char *const *argv, const char *uuid, GPtrArray *warnings,
			  GError **error);
