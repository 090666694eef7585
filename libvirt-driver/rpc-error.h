/* libvirt errors as GErrors: the domain is VIRT_ERROR and the code a
 * virErrorNumber from <libvirt/virterror.h>.  rpc_error_encode() writes the
 * virNetMessageError payload the client turns back into a virError. */
#pragma once

#include <glib.h>
#include <libvirt/virterror.h>

#define VIRT_ERROR (virt_error_quark())
GQuark virt_error_quark(void);

/* Sets a libvirt error whose message reads like libvirt's own:
 * "<generic text for code>: <detail>". */
void virt_error_set(GError **error, int code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The virErrorDomain reported with a code (e.g. VIR_FROM_RPC for VIR_ERR_RPC). */
int virt_error_domain_for(int code);

/* Appends a virNetMessageError for `error`; errors outside VIRT_ERROR are
 * reported as VIR_ERR_INTERNAL_ERROR. */
void rpc_error_encode(GByteArray *w, const GError *error);
