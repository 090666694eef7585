/* Connection-level procedures: open/close, identity and versions, host
 * information, feature negotiation and authentication. */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "capabilities.h"
#include "dispatch.h"
#include "host-info.h"
#include "rpc-error.h"

/* The name we give ourselves; clients print it ("Using API: ACRN"). */
#define VIRTACRND_TYPE "ACRN"

static gboolean uri_acceptable(const char *uri)
{
	const char *rest;

	if (!uri || !*uri)
		return TRUE; /* default URI of the daemon */
	if (!g_str_has_prefix(uri, "acrn://"))
		return FALSE;
	rest = uri + strlen("acrn://");
	/* Only the local host: acrn:///system or acrn:///session (+ query). */
	return (g_str_has_prefix(rest, "/system") &&
		(rest[7] == '\0' || rest[7] == '?' || rest[7] == '/')) ||
	       (g_str_has_prefix(rest, "/session") &&
		(rest[8] == '\0' || rest[8] == '?' || rest[8] == '/'));
}

static gboolean connect_open(RpcCall *c, GError **error)
{
	g_autofree char *name = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	guint32 flags = xdr_get_u32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	if (c->client->opened) {
		virt_error_set(error, VIR_ERR_INTERNAL_ERROR, "connection already open");
		return FALSE;
	}
	if (!uri_acceptable(name)) {
		virt_error_set(error, VIR_ERR_NO_CONNECT,
			       "virtacrnd only serves acrn:///system and acrn:///session, not "
			       "'%s'",
			       name);
		return FALSE;
	}
	if (flags & RPC_CONNECT_OPEN_RO)
		c->client->readonly = TRUE;
	rpc_server_client_opened(c->server, c->client, TRUE);
	g_debug("client %" G_GUINT64_FORMAT " opened %s%s", c->client->id,
		name ? name : "(default)", c->client->readonly ? " read-only" : "");
	return TRUE;
}

static gboolean connect_close(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	rpc_server_client_opened(c->server, c->client, FALSE);
	g_array_set_size(c->client->callbacks, 0);
	return TRUE;
}

static gboolean void_call(RpcCall *c, GError **error)
{
	return dispatch_args_end(c);
}

static gboolean get_type(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	xdr_put_string(c->ret, VIRTACRND_TYPE);
	return TRUE;
}

static gboolean get_version(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	xdr_put_u64(c->ret, c->server->config.hv_version);
	return TRUE;
}

static gboolean get_lib_version(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	xdr_put_u64(c->ret, c->server->config.lib_version);
	return TRUE;
}

static gboolean get_uri(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	xdr_put_string(c->ret, c->server->config.session ? "acrn:///session" : "acrn:///system");
	return TRUE;
}

static gboolean get_hostname(RpcCall *c, GError **error)
{
	char host[256] = "";

	if (!dispatch_args_end(c))
		return FALSE;
	if (gethostname(host, sizeof(host) - 1) < 0) {
		virt_error_set(error, VIR_ERR_SYSTEM_ERROR, "gethostname: %s", g_strerror(errno));
		return FALSE;
	}
	xdr_put_string(c->ret, host);
	return TRUE;
}

static gboolean get_max_vcpus(RpcCall *c, GError **error)
{
	g_autofree char *type = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	HostInfo h;

	if (!dispatch_args_end(c))
		return FALSE;
	host_info_probe(&h);
	xdr_put_i32(c->ret, h.cpus);
	return TRUE;
}

static gboolean node_get_info(RpcCall *c, GError **error)
{
	HostInfo h;

	if (!dispatch_args_end(c))
		return FALSE;
	host_info_probe(&h);
	xdr_put_char_array_fixed(c->ret, "x86_64", 32);
	xdr_put_u64(c->ret, h.memory_kib);
	xdr_put_i32(c->ret, h.cpus);
	xdr_put_i32(c->ret, h.mhz);
	xdr_put_i32(c->ret, 1); /* NUMA nodes */
	xdr_put_i32(c->ret, h.sockets);
	xdr_put_i32(c->ret, h.cores);
	xdr_put_i32(c->ret, h.threads);
	return TRUE;
}

static gboolean get_capabilities(RpcCall *c, GError **error)
{
	g_autofree char *xml = NULL;
	HostInfo h;

	if (!dispatch_args_end(c))
		return FALSE;
	host_info_probe(&h);
	xml = capabilities_xml(&h);
	xdr_put_string(c->ret, xml);
	return TRUE;
}

static gboolean get_domain_capabilities(RpcCall *c, GError **error)
{
	g_autofree char *emulator = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	g_autofree char *arch = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	g_autofree char *machine = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	g_autofree char *virttype = xdr_get_opt_string(&c->args, RPC_STRING_MAX);
	guint32 flags = xdr_get_u32(&c->args);
	g_autofree char *xml = NULL;
	HostInfo h;

	if (!dispatch_args_end(c))
		return FALSE;
	/* 1: VIR_CONNECT_GET_DOMAIN_CAPABILITIES_DISABLE_DEPRECATED_FEATURES
	 * (nothing here is deprecated). */
	if (flags & ~1u) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	/* The one guest of the capabilities XML: acrn-dm, x86_64, pc, and
	 * the domain types a definition may name. */
	if (emulator && strcmp(emulator, CAPS_EMULATOR) != 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "emulator '%s' is not supported (only %s)", emulator, CAPS_EMULATOR);
		return FALSE;
	}
	if (arch && strcmp(arch, "x86_64") != 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "architecture '%s' is not supported (only x86_64)", arch);
		return FALSE;
	}
	if (machine && strcmp(machine, "pc") != 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "the machine '%s' is not supported by emulator '%s' (only pc)",
			       machine, CAPS_EMULATOR);
		return FALSE;
	}
	if (virttype && strcmp(virttype, "kvm") != 0 && strcmp(virttype, "acrn") != 0 &&
	    strcmp(virttype, "qemu") != 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "virttype '%s' is not supported (kvm, qemu or acrn)", virttype);
		return FALSE;
	}
	host_info_probe(&h);
	xml = domain_capabilities_xml(&h, virttype ? virttype : "kvm");
	xdr_put_string(c->ret, xml);
	return TRUE;
}

static gboolean supports_feature(RpcCall *c, GError **error)
{
	gint32 feature = xdr_get_i32(&c->args);
	gboolean yes;

	if (!dispatch_args_end(c))
		return FALSE;
	/* A client asks this only when it runs an event loop, so it answers
	 * our pings too (libvirtd pings such clients as well). */
	if (feature == RPC_FEATURE_PROGRAM_KEEPALIVE)
		rpc_client_start_keepalive(c->client);
	yes = feature == RPC_FEATURE_PROGRAM_KEEPALIVE ||
	      feature == RPC_FEATURE_REMOTE_EVENT_CALLBACK ||
	      feature == RPC_FEATURE_REMOTE_CLOSE_CALLBACK;
	xdr_put_i32(c->ret, yes);
	return TRUE;
}

static gboolean auth_list(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	/* Access was decided from the peer credentials at accept time. */
	xdr_put_u32(c->ret, 1);
	xdr_put_i32(c->ret, RPC_AUTH_NONE);
	return TRUE;
}

static gboolean node_get_free_memory(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	xdr_put_u64(c->ret, host_free_memory_bytes());
	return TRUE;
}

static gboolean node_get_security_model(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	/* No security driver: empty model and doi, like libvirt's "none". */
	xdr_put_u32(c->ret, 0);
	xdr_put_u32(c->ret, 0);
	return TRUE;
}

static void put_stats(GByteArray *w, const HostStat *stats, gsize n, gint32 nparams)
{
	if (nparams == 0) {
		/* The client first asks how many parameters there are. */
		xdr_put_u32(w, 0);
		xdr_put_i32(w, (gint32)n);
		return;
	}
	n = MIN(n, (gsize)nparams);
	xdr_put_u32(w, (guint32)n);
	for (gsize i = 0; i < n; i++) {
		xdr_put_string(w, stats[i].field);
		xdr_put_u64(w, stats[i].value);
	}
	xdr_put_i32(w, (gint32)n);
}

static gboolean node_get_cpu_stats(RpcCall *c, GError **error)
{
	gint32 cpu = xdr_get_i32(&c->args);
	gint32 nparams = xdr_get_i32(&c->args);
	guint32 flags = xdr_get_u32(&c->args);
	HostStat stats[4];

	if (!dispatch_args_end(c))
		return FALSE;
	if (nparams < 0 || nparams > (gint32)RPC_NODE_CPU_STATS_MAX || flags) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "nparams %d or flags 0x%x", nparams,
			       flags);
		return FALSE;
	}
	if (!host_cpu_stats(cpu == -1 ? -1 : cpu, stats)) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "no such CPU %d", cpu);
		return FALSE;
	}
	put_stats(c->ret, stats, 4, nparams);
	return TRUE;
}

static gboolean node_get_memory_stats(RpcCall *c, GError **error)
{
	gint32 nparams = xdr_get_i32(&c->args);
	gint32 cell = xdr_get_i32(&c->args);
	guint32 flags = xdr_get_u32(&c->args);
	HostStat stats[4];

	if (!dispatch_args_end(c))
		return FALSE;
	if (nparams < 0 || nparams > (gint32)RPC_NODE_MEMORY_STATS_MAX || flags) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "nparams %d or flags 0x%x", nparams,
			       flags);
		return FALSE;
	}
	if (cell != -1 && cell != 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "no NUMA cell %d", cell);
		return FALSE;
	}
	put_stats(c->ret, stats, host_memory_stats(stats), nparams);
	return TRUE;
}

static gboolean node_get_cpu_map(RpcCall *c, GError **error)
{
	gint32 need_map = xdr_get_i32(&c->args);
	gint32 need_online = xdr_get_i32(&c->args);
	guint32 flags = xdr_get_u32(&c->args);
	g_autoptr(GByteArray) map = NULL;
	int ncpus, online;

	if (!dispatch_args_end(c))
		return FALSE;
	if (flags) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags 0x%x", flags);
		return FALSE;
	}
	map = host_cpu_map(&ncpus, &online);
	if (need_map)
		xdr_put_opaque(c->ret, map->data, map->len);
	else
		xdr_put_opaque(c->ret, NULL, 0);
	xdr_put_u32(c->ret, need_online ? (guint32)online : 0);
	xdr_put_i32(c->ret, ncpus);
	return TRUE;
}

static const RpcProcedure procs[] = {
    {PROC_CONNECT_OPEN, "virConnectOpen", connect_open, RPC_PROC_BEFORE_OPEN},
    {PROC_CONNECT_CLOSE, "virConnectClose", connect_close, RPC_PROC_BEFORE_OPEN},
    {PROC_CONNECT_GET_TYPE, "virConnectGetType", get_type, 0},
    {PROC_CONNECT_GET_VERSION, "virConnectGetVersion", get_version, 0},
    {PROC_CONNECT_GET_LIB_VERSION, "virConnectGetLibVersion", get_lib_version, 0},
    {PROC_CONNECT_GET_HOSTNAME, "virConnectGetHostname", get_hostname, 0},
    {PROC_CONNECT_GET_URI, "virConnectGetURI", get_uri, 0},
    {PROC_CONNECT_GET_MAX_VCPUS, "virConnectGetMaxVcpus", get_max_vcpus, 0},
    {PROC_NODE_GET_INFO, "virNodeGetInfo", node_get_info, 0},
    {PROC_CONNECT_GET_CAPABILITIES, "virConnectGetCapabilities", get_capabilities, 0},
    {PROC_CONNECT_GET_DOMAIN_CAPABILITIES, "virConnectGetDomainCapabilities",
     get_domain_capabilities, 0},
    {PROC_CONNECT_SUPPORTS_FEATURE, "virConnectSupportsFeature", supports_feature,
     RPC_PROC_BEFORE_OPEN},
    {PROC_AUTH_LIST, "virConnectAuthList", auth_list, RPC_PROC_BEFORE_OPEN},
    {PROC_NODE_GET_FREE_MEMORY, "virNodeGetFreeMemory", node_get_free_memory, 0},
    {PROC_NODE_GET_SECURITY_MODEL, "virNodeGetSecurityModel", node_get_security_model, 0},
    {PROC_NODE_GET_CPU_STATS, "virNodeGetCPUStats", node_get_cpu_stats, 0},
    {PROC_NODE_GET_MEMORY_STATS, "virNodeGetMemoryStats", node_get_memory_stats, 0},
    {PROC_NODE_GET_CPU_MAP, "virNodeGetCPUMap", node_get_cpu_map, 0},
    {PROC_CONNECT_REGISTER_CLOSE_CALLBACK, "virConnectRegisterCloseCallback", void_call, 0},
    {PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, "virConnectUnregisterCloseCallback", void_call, 0},
};

const RpcProcedureTable dispatch_connect_table = {procs, G_N_ELEMENTS(procs)};

/* The admin program (virt-admin): connect and close only; everything else
 * answers "unknown procedure". */
static gboolean admin_open(RpcCall *c, GError **error)
{
	guint32 flags = xdr_get_u32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	(void)flags;
	rpc_server_client_opened(c->server, c->client, TRUE);
	return TRUE;
}

static const RpcProcedure admin_procs[] = {
    {1, "virAdmConnectOpen", admin_open, RPC_PROC_BEFORE_OPEN},
    {2, "virAdmConnectClose", connect_close, RPC_PROC_BEFORE_OPEN},
};

const RpcProcedureTable dispatch_admin_table = {admin_procs, G_N_ELEMENTS(admin_procs)};
