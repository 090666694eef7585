/* Errors of acrnd's model (vm.c, supervisor.c, dm-client.c): a plain GError
 * domain that knows nothing of D-Bus.  The transport (dbus-service.c) maps
 * each code to an org.acrn.Acrnd1.Error name when it replies. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
	ACRND_ERROR_FAILED,
	ACRND_ERROR_NO_SUCH_VM,
	ACRND_ERROR_ALREADY_EXISTS,
	ACRND_ERROR_INVALID_STATE,
	ACRND_ERROR_INVALID_CONFIG,
	ACRND_ERROR_BUSY,
	ACRND_ERROR_TIMEOUT,
	ACRND_ERROR_CANCELLED,
	ACRND_ERROR_DEVICE_MODEL_FAILED,
} AcrndError;

#define ACRND_ERROR (acrnd_error_quark())
GQuark acrnd_error_quark(void);

G_END_DECLS
