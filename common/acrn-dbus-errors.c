#include "acrn-dbus-errors.h"

#include <string.h>

static const GDBusErrorEntry acrn_error_entries[] = {
    {ACRN_ERROR_FAILED, "org.acrn.Acrnd1.Error.Failed"},
    {ACRN_ERROR_NO_SUCH_VM, "org.acrn.Acrnd1.Error.NoSuchVM"},
    {ACRN_ERROR_ALREADY_EXISTS, "org.acrn.Acrnd1.Error.AlreadyExists"},
    {ACRN_ERROR_INVALID_STATE, "org.acrn.Acrnd1.Error.InvalidState"},
    {ACRN_ERROR_INVALID_CONFIG, "org.acrn.Acrnd1.Error.InvalidConfig"},
    {ACRN_ERROR_BUSY, "org.acrn.Acrnd1.Error.Busy"},
    {ACRN_ERROR_TIMEOUT, "org.acrn.Acrnd1.Error.Timeout"},
    {ACRN_ERROR_CANCELLED, "org.acrn.Acrnd1.Error.Cancelled"},
    {ACRN_ERROR_DEVICE_MODEL_FAILED, "org.acrn.Acrnd1.Error.DeviceModelFailed"},
    {ACRN_ERROR_HYPERVISOR_ERROR, "org.acrn.Acrnd1.Error.HypervisorError"},
    {ACRN_ERROR_NOT_SUPPORTED, "org.acrn.Acrnd1.Error.NotSupported"},
    {ACRN_ERROR_ACCESS_DENIED, "org.acrn.Acrnd1.Error.AccessDenied"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(acrn_error_entries) == ACRN_ERROR_N_ERRORS);

GQuark acrn_error_quark(void)
{
	static gsize quark;

	/* Registering the domain makes GDBus translate remote errors into
	 * ACRN_ERROR codes on the client side and back on the server side. */
	g_dbus_error_register_error_domain("acrn-error-quark", &quark, acrn_error_entries,
					   G_N_ELEMENTS(acrn_error_entries));
	return (GQuark)quark;
}

const char *acrn_error_dbus_name(AcrnError code)
{
	if ((unsigned)code >= G_N_ELEMENTS(acrn_error_entries))
		return "org.acrn.Acrnd1.Error.Failed";
	return acrn_error_entries[code].dbus_error_name;
}

char *acrn_dbus_vm_path(const guint8 uuid[16])
{
	static const char hex[] = "0123456789abcdef";
	const gsize prefix = sizeof(ACRN_DBUS_VM_PATH_PREFIX) - 1;
	char *path = g_malloc(prefix + 33);

	/* Listings build one per VM: no printf here. */
	memcpy(path, ACRN_DBUS_VM_PATH_PREFIX, prefix);
	for (int i = 0; i < 16; i++) {
		path[prefix + 2 * i] = hex[uuid[i] >> 4];
		path[prefix + 2 * i + 1] = hex[uuid[i] & 15];
	}
	path[prefix + 32] = '\0';
	return path;
}
