/* Procedures stock clients ask for beyond the basic lifecycle: reset,
 * vCPU and memory settings, memory and block statistics, the guest time,
 * host sysinfo and node devices.  Where ACRN cannot do what is asked, the
 * answer is the error libvirt gives for it, never "unknown procedure". */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "domain-state.h"
#include "domain-xml.h"
#include "rpc-error.h"

/* remote_protocol.x */
enum {
	PROC_DOMAIN_SET_MAX_MEMORY = 30,
	PROC_DOMAIN_SET_MEMORY = 31,
	PROC_DOMAIN_SET_VCPUS = 32,
	PROC_DOMAIN_MEMORY_STATS = 159,
	PROC_DOMAIN_GET_BLOCK_INFO = 194,
	PROC_DOMAIN_SET_VCPUS_FLAGS = 199,
	PROC_DOMAIN_GET_VCPUS_FLAGS = 200,
	PROC_CONNECT_GET_SYSINFO = 203,
	PROC_DOMAIN_SET_MEMORY_FLAGS = 204,
	PROC_DOMAIN_RESET = 245,
	PROC_CONNECT_LIST_ALL_NODE_DEVICES = 285,
	PROC_DOMAIN_SET_TIME = 338,
};
#define RPC_DOMAIN_MEMORY_STATS_MAX 1024

static AcrndVm *domain_and_flags(RpcCall *c, guint32 *flags, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};

	dispatch_get_domain(&c->args, &dom);
	*flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return NULL;
	return dispatch_lookup_domain(c, &dom, error);
}

static gboolean no_flags(guint32 flags, GError **error)
{
	if (flags)
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
	return !flags;
}

/* libvirt's rule for AFFECT_CURRENT/LIVE/CONFIG: TRUE when the change is
 * to the running domain. */
static gboolean affects_live(const AcrndVm *vm, guint32 flags, gboolean *live, GError **error)
{
	gboolean active = domain_state_is_active(vm->state);

	if ((flags & VIR_DOMAIN_AFFECT_LIVE) && !active) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID, "domain is not running");
		return FALSE;
	}
	*live = (flags & VIR_DOMAIN_AFFECT_LIVE) || (!(flags & VIR_DOMAIN_AFFECT_CONFIG) && active);
	return TRUE;
}

static gboolean reset(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_and_flags(c, &flags, error);

	if (!vm || !no_flags(flags, error) || !dispatch_require_active(vm, error))
		return FALSE;
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_RESET, error);
}

static gboolean get_vcpus_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_and_flags(c, &flags, error);
	gboolean live;

	if (!vm)
		return FALSE;
	if (flags & VIR_DOMAIN_VCPU_GUEST) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "the guest's own vCPU count needs a guest agent, which ACRN lacks");
		return FALSE;
	}
	if ((flags & VIR_DOMAIN_AFFECT_LIVE) && (flags & VIR_DOMAIN_AFFECT_CONFIG)) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "flags 'affect live' and 'affect config' are mutually exclusive");
		return FALSE;
	}
	if (!affects_live(vm, flags & ~(guint32)VIR_DOMAIN_VCPU_MAXIMUM, &live, error))
		return FALSE;
	/* No vCPU hotplug: the maximum is the current count, live or not. */
	xdr_put_i32(c->ret, (gint32)vm->vcpus);
	return TRUE;
}

static gboolean set_in_config(RpcCall *c, const AcrndVm *vm, const char *name, const char *unit,
			      const char *text, GError **error)
{
	g_autofree char *config = acrnd_client_get_config(c->acrnd, vm->object_path, error);
	g_autofree char *changed = NULL;
	g_autofree char *path = NULL;

	if (!config)
		return FALSE;
	changed = domain_xml_set_child(config, name, unit, text, error);
	if (!changed)
		return FALSE;
	path = acrnd_client_define(c->acrnd, changed, error);
	return path != NULL;
}

static gboolean set_vcpus(RpcCall *c, const RpcDomainRef *dom, guint32 n, guint32 flags,
			  GError **error)
{
	g_autoptr(AcrndVm) vm = dispatch_lookup_domain(c, dom, error);
	g_autofree char *text = NULL;
	gboolean live;

	if (!vm)
		return FALSE;
	if (flags & (VIR_DOMAIN_VCPU_GUEST | VIR_DOMAIN_VCPU_HOTPLUGGABLE)) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "ACRN has no vCPU hotplug and no guest agent");
		return FALSE;
	}
	if (!affects_live(vm, flags & ~(guint32)VIR_DOMAIN_VCPU_MAXIMUM, &live, error))
		return FALSE;
	if (live) {
		virt_error_set(error, VIR_ERR_OPERATION_UNSUPPORTED,
			       "ACRN cannot change the vCPUs of a running domain");
		return FALSE;
	}
	if (n == 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "a domain needs at least one vCPU");
		return FALSE;
	}
	/* The maximum and the count are one value without hotplug. */
	text = g_strdup_printf("%u", n);
	return set_in_config(c, vm, "vcpu", NULL, text, error);
}

static gboolean set_vcpus_flags(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	guint32 n, flags;

	dispatch_get_domain(&c->args, &dom);
	n = xdr_get_u32(&c->args);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	return set_vcpus(c, &dom, n, flags, error);
}

/* virDomainSetVcpus: the running domain, as in libvirt's drivers. */
static gboolean set_vcpus_live(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	guint32 n;

	dispatch_get_domain(&c->args, &dom);
	n = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	return set_vcpus(c, &dom, n, VIR_DOMAIN_AFFECT_LIVE, error);
}

static gboolean set_memory(RpcCall *c, const RpcDomainRef *dom, guint64 kib, guint32 flags,
			   GError **error)
{
	g_autoptr(AcrndVm) vm = dispatch_lookup_domain(c, dom, error);
	g_autofree char *text = NULL;
	gboolean live;

	if (!vm || !affects_live(vm, flags & ~(guint32)VIR_DOMAIN_MEM_MAXIMUM, &live, error))
		return FALSE;
	if (live) {
		virt_error_set(error, VIR_ERR_OPERATION_UNSUPPORTED,
			       "ACRN cannot change the memory of a running domain (no balloon)");
		return FALSE;
	}
	if (!(flags & VIR_DOMAIN_MEM_MAXIMUM) && kib > vm->memory_bytes / 1024) {
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "cannot set memory higher than max memory");
		return FALSE;
	}
	text = g_strdup_printf("%" G_GUINT64_FORMAT, kib);
	if (flags & VIR_DOMAIN_MEM_MAXIMUM) {
		/* Like libvirt: a smaller maximum lowers the current amount. */
		if (!set_in_config(c, vm, "memory", "KiB", text, error))
			return FALSE;
		g_clear_pointer(&vm, acrnd_vm_free);
		vm = dispatch_lookup_domain(c, dom, error);
		if (!vm)
			return FALSE;
	}
	return set_in_config(c, vm, "currentMemory", "KiB", text, error);
}

static gboolean set_memory_flags(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	guint64 kib;
	guint32 flags;

	dispatch_get_domain(&c->args, &dom);
	kib = xdr_get_u64(&c->args);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	return set_memory(c, &dom, kib, flags, error);
}

/* virDomainSetMemory is the running domain's, virDomainSetMaxMemory the
 * current definition's maximum, as in libvirt's drivers. */
static gboolean set_memory_old(RpcCall *c, guint32 flags, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	guint64 kib;

	dispatch_get_domain(&c->args, &dom);
	kib = xdr_get_u64(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	return set_memory(c, &dom, kib, flags, error);
}

static gboolean set_memory_live(RpcCall *c, GError **error)
{
	return set_memory_old(c, VIR_DOMAIN_AFFECT_LIVE, error);
}

static gboolean set_max_memory(RpcCall *c, GError **error)
{
	return set_memory_old(c, VIR_DOMAIN_MEM_MAXIMUM, error);
}

static guint64 process_rss_kib(guint32 pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%u/status", pid);
	g_autofree char *text = NULL;
	const char *line;

	if (!pid || !g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	line = strstr(text, "\nVmRSS:");
	return line ? g_ascii_strtoull(line + 7, NULL, 10) : 0;
}

static gboolean memory_stats(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	guint32 max, flags, n = 0;
	guint64 rss;
	struct {
		gint32 tag;
		guint64 val;
	} stats[2];

	dispatch_get_domain(&c->args, &dom);
	max = xdr_get_u32(&c->args);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	if (max > RPC_DOMAIN_MEMORY_STATS_MAX) {
		virt_error_set(error, VIR_ERR_RPC, "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX");
		return FALSE;
	}
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm || !no_flags(flags, error) || !dispatch_require_active(vm, error))
		return FALSE;
	/* No balloon: the guest always has all of its memory. */
	stats[n].tag = VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON;
	stats[n++].val = vm->memory_bytes / 1024;
	rss = process_rss_kib(vm->leader_pid);
	if (rss) {
		stats[n].tag = VIR_DOMAIN_MEMORY_STAT_RSS;
		stats[n++].val = rss;
	}
	n = MIN(n, max);
	xdr_put_u32(c->ret, n);
	for (guint32 i = 0; i < n; i++) {
		xdr_put_i32(c->ret, stats[i].tag);
		xdr_put_u64(c->ret, stats[i].val);
	}
	return TRUE;
}

static gboolean get_block_info(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	g_autofree char *path = NULL, *config = NULL, *source = NULL;
	guint64 capacity, allocation;
	guint32 flags;
	struct stat st;

	dispatch_get_domain(&c->args, &dom);
	path = xdr_get_string(&c->args, RPC_STRING_MAX);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm || !no_flags(flags, error))
		return FALSE;
	config = acrnd_client_get_config(c->acrnd, vm->object_path, error);
	if (!config)
		return FALSE;
	source = domain_xml_disk_source(config, path);
	if (!source) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "invalid path %s not assigned to domain",
			       path);
		return FALSE;
	}
	if (stat(source, &st) < 0) {
		virt_error_set(error, VIR_ERR_OPERATION_FAILED, "cannot stat '%s': %s", source,
			       g_strerror(errno));
		return FALSE;
	}
	capacity = (guint64)st.st_size;
	allocation = (guint64)st.st_blocks * 512;
	if (S_ISBLK(st.st_mode)) {
		int fd = open(source, O_RDONLY | O_CLOEXEC);

		if (fd < 0 || ioctl(fd, BLKGETSIZE64, &capacity) < 0) {
			virt_error_set(error, VIR_ERR_OPERATION_FAILED,
				       "cannot read the size of '%s': %s", source,
				       g_strerror(errno));
			if (fd >= 0)
				close(fd);
			return FALSE;
		}
		close(fd);
		allocation = capacity;
	}
	xdr_put_u64(c->ret, allocation);
	xdr_put_u64(c->ret, capacity);
	xdr_put_u64(c->ret, S_ISBLK(st.st_mode) ? capacity : (guint64)st.st_size);
	return TRUE;
}

static gboolean set_time(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;

	dispatch_get_domain(&c->args, &dom);
	xdr_get_i64(&c->args);
	xdr_get_u32(&c->args);
	xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm || !dispatch_require_active(vm, error))
		return FALSE;
	/* Nova calls this on unpause/resume and logs this error at debug. */
	virt_error_set(error, VIR_ERR_OPERATION_UNSUPPORTED,
		       "setting the guest time needs a guest agent, which ACRN lacks");
	return FALSE;
}

static void sysinfo_entry(GString *s, const char *name, const char *file)
{
	g_autofree char *path = g_build_filename("/sys/class/dmi/id", file, NULL);
	g_autofree char *value = NULL;
	g_autofree char *esc = NULL;

	if (!g_file_get_contents(path, &value, NULL, NULL))
		return;
	g_strstrip(value);
	if (!*value)
		return;
	esc = g_markup_escape_text(value, -1);
	g_string_append_printf(s, "    <entry name='%s'>%s</entry>\n", name, esc);
}

static gboolean connect_get_sysinfo(RpcCall *c, GError **error)
{
	static const struct {
		const char *section;
		const char *entries[5][2];
	} sections[] = {
	    {"bios",
	     {{"vendor", "bios_vendor"}, {"version", "bios_version"}, {"date", "bios_date"}}},
	    {"system",
	     {{"manufacturer", "sys_vendor"},
	      {"product", "product_name"},
	      {"version", "product_version"},
	      {"serial", "product_serial"},
	      {"uuid", "product_uuid"}}},
	    {"baseBoard",
	     {{"manufacturer", "board_vendor"},
	      {"product", "board_name"},
	      {"version", "board_version"}}},
	};
	guint32 flags = xdr_get_u32(&c->args);
	g_autoptr(GString) s = g_string_new("<sysinfo type='smbios'>\n");
	gboolean any = FALSE;

	if (!dispatch_args_end(c))
		return FALSE;
	if (!no_flags(flags, error))
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(sections); i++) {
		gsize before;

		g_string_append_printf(s, "  <%s>\n", sections[i].section);
		before = s->len;
		for (gsize e = 0; e < 5 && sections[i].entries[e][0]; e++)
			sysinfo_entry(s, sections[i].entries[e][0], sections[i].entries[e][1]);
		if (s->len == before) {
			g_string_truncate(s, before - strlen(sections[i].section) - 5);
			continue;
		}
		any = TRUE;
		g_string_append_printf(s, "  </%s>\n", sections[i].section);
	}
	if (!any) {
		virt_error_set(error, VIR_ERR_OPERATION_UNSUPPORTED,
			       "this host has no SMBIOS data in /sys/class/dmi/id");
		return FALSE;
	}
	g_string_append(s, "</sysinfo>\n");
	xdr_put_string(c->ret, s->str);
	return TRUE;
}

/* Node devices (PCI passthrough, mediated devices) are not managed
 * through libvirt on ACRN: the list is empty, as on a host without such
 * devices.  Nova asks for it at every resource update. */
static gboolean list_all_node_devices(RpcCall *c, GError **error)
{
	gint32 need_results = xdr_get_i32(&c->args);

	xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	(void)need_results;
	xdr_put_u32(c->ret, 0); /* devices<> */
	xdr_put_u32(c->ret, 0); /* ret */
	return TRUE;
}

static const RpcProcedure procs[] = {
    {PROC_DOMAIN_RESET, "virDomainReset", reset, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_GET_VCPUS_FLAGS, "virDomainGetVcpusFlags", get_vcpus_flags, 0},
    {PROC_DOMAIN_SET_VCPUS_FLAGS, "virDomainSetVcpusFlags", set_vcpus_flags, RPC_PROC_MUTATING},
    {PROC_DOMAIN_SET_MEMORY_FLAGS, "virDomainSetMemoryFlags", set_memory_flags, RPC_PROC_MUTATING},
    {PROC_DOMAIN_SET_VCPUS, "virDomainSetVcpus", set_vcpus_live, RPC_PROC_MUTATING},
    {PROC_DOMAIN_SET_MEMORY, "virDomainSetMemory", set_memory_live, RPC_PROC_MUTATING},
    {PROC_DOMAIN_SET_MAX_MEMORY, "virDomainSetMaxMemory", set_max_memory, RPC_PROC_MUTATING},
    {PROC_DOMAIN_MEMORY_STATS, "virDomainMemoryStats", memory_stats, 0},
    {PROC_DOMAIN_GET_BLOCK_INFO, "virDomainGetBlockInfo", get_block_info, 0},
    {PROC_DOMAIN_SET_TIME, "virDomainSetTime", set_time, RPC_PROC_MUTATING},
    {PROC_CONNECT_GET_SYSINFO, "virConnectGetSysinfo", connect_get_sysinfo, 0},
    {PROC_CONNECT_LIST_ALL_NODE_DEVICES, "virConnectListAllNodeDevices", list_all_node_devices, 0},
};

const RpcProcedureTable dispatch_tuning_table = {procs, G_N_ELEMENTS(procs)};
