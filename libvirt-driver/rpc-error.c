#include "rpc-error.h"

#include "xdr.h"

/* Underscores: clang-format would space out a name with dashes. */
G_DEFINE_QUARK(virt_error_quark, virt_error)

/* The generic prefixes libvirt puts in front of its messages (virerror.c),
 * so that clients show familiar text. */
static const char *generic_text(int code)
{
	switch (code) {
	case VIR_ERR_INTERNAL_ERROR:
		return "internal error";
	case VIR_ERR_NO_SUPPORT:
		return "this function is not supported by the connection driver";
	case VIR_ERR_NO_CONNECT:
		return "no connection driver available";
	case VIR_ERR_INVALID_ARG:
		return "invalid argument";
	case VIR_ERR_OPERATION_FAILED:
		return "operation failed";
	case VIR_ERR_XML_ERROR:
		return "XML error";
	case VIR_ERR_OPERATION_DENIED:
		return "operation forbidden";
	case VIR_ERR_SYSTEM_ERROR:
		return "system error";
	case VIR_ERR_NO_DOMAIN:
		return "Domain not found";
	case VIR_ERR_AUTH_FAILED:
		return "authentication failed";
	case VIR_ERR_OPERATION_INVALID:
		return "Requested operation is not valid";
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return "unsupported configuration";
	case VIR_ERR_OPERATION_TIMEOUT:
		return "Timed out during operation";
	case VIR_ERR_ARGUMENT_UNSUPPORTED:
		return "argument unsupported";
	case VIR_ERR_OPERATION_UNSUPPORTED:
		return "Operation not supported";
	case VIR_ERR_ACCESS_DENIED:
		return "access denied";
	case VIR_ERR_DOM_EXIST:
		return "operation failed";
	case VIR_ERR_RPC:
		return NULL; /* libvirtd sends RPC errors without a prefix */
	default:
		return "error";
	}
}

void virt_error_set(GError **error, int code, const char *fmt, ...)
{
	g_autofree char *detail = NULL;
	const char *prefix = generic_text(code);
	va_list ap;

	va_start(ap, fmt);
	detail = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (prefix)
		g_set_error(error, VIRT_ERROR, code, "%s: %s", prefix, detail);
	else
		g_set_error_literal(error, VIRT_ERROR, code, detail);
}

int virt_error_domain_for(int code)
{
	switch (code) {
	case VIR_ERR_RPC:
		return VIR_FROM_RPC;
	case VIR_ERR_AUTH_FAILED:
	case VIR_ERR_OPERATION_DENIED:
	case VIR_ERR_NO_CONNECT:
		return VIR_FROM_REMOTE;
	case VIR_ERR_XML_ERROR:
	case VIR_ERR_CONFIG_UNSUPPORTED:
		return VIR_FROM_DOMAIN;
	default:
		return VIR_FROM_DOMAIN;
	}
}

void rpc_error_encode(GByteArray *w, const GError *error)
{
	int code = VIR_ERR_INTERNAL_ERROR;

	if (error->domain == VIRT_ERROR)
		code = error->code;
	xdr_put_i32(w, code);
	xdr_put_i32(w, virt_error_domain_for(code));
	xdr_put_opt_string(w, error->message);
	xdr_put_i32(w, VIR_ERR_ERROR);
	xdr_put_u32(w, 0);		       /* dom: unused */
	xdr_put_opt_string(w, error->message); /* str1 */
	xdr_put_opt_string(w, NULL);
	xdr_put_opt_string(w, NULL);
	xdr_put_i32(w, -1); /* int1 */
	xdr_put_i32(w, -1); /* int2 */
	xdr_put_u32(w, 0);  /* net: unused */
}
