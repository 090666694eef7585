/* Names of org.acrn.Acrnd1: the bus name, object paths, and the D-Bus error
 * names mapped to a GError domain so that clients can branch on the kind of
 * failure (g_error_matches). */
#pragma once

#include <gio/gio.h>

#define ACRN_DBUS_NAME		 "org.acrn.Acrnd1"
#define ACRN_DBUS_ROOT_PATH	 "/org/acrn/Acrnd1"
#define ACRN_DBUS_MANAGER_PATH	 "/org/acrn/Acrnd1/Manager"
#define ACRN_DBUS_VM_PATH_PREFIX "/org/acrn/Acrnd1/vms/"

/* The object path of the VM with @uuid: ACRN_DBUS_VM_PATH_PREFIX and the
 * UUID's 32 lower-case hex digits.  The contract names VM objects so, which
 * lets a client go from a UUID to its object without a lookup. */
char *acrn_dbus_vm_path(const guint8 uuid[16]);

typedef enum {
	ACRN_ERROR_FAILED,
	ACRN_ERROR_NO_SUCH_VM,
	ACRN_ERROR_ALREADY_EXISTS,
	ACRN_ERROR_INVALID_STATE,
	ACRN_ERROR_INVALID_CONFIG,
	ACRN_ERROR_BUSY,
	ACRN_ERROR_TIMEOUT,
	ACRN_ERROR_CANCELLED,
	ACRN_ERROR_DEVICE_MODEL_FAILED,
	ACRN_ERROR_HYPERVISOR_ERROR,
	ACRN_ERROR_NOT_SUPPORTED,
	ACRN_ERROR_ACCESS_DENIED,
	ACRN_ERROR_N_ERRORS /*< skip >*/
} AcrnError;

#define ACRN_ERROR (acrn_error_quark())
GQuark acrn_error_quark(void);

/* The D-Bus error name of a code, e.g. "org.acrn.Acrnd1.Error.NoSuchVM". */
const char *acrn_error_dbus_name(AcrnError code);
