/* Domain procedures: lookups, listing, state queries, definition and the
 * lifecycle.  Every answer comes from acrnd at the time of the call. */
#include "config.h"

#include <libvirt/libvirt.h>
#include <string.h>

#include "acrn-dbus-errors.h"
#include "acrnd-client.h"
#include "dispatch.h"
#include "domain-state.h"
#include "domain-xml.h"
#include "host-info.h"
#include "rpc-error.h"
#include "state-cache.h"

AcrndVm *dispatch_lookup_domain(RpcCall *c, const RpcDomainRef *dom, GError **error)
{
	g_autoptr(AcrndVm) vm = acrnd_client_lookup_uuid(c->acrnd, dom->uuid, error);

	if (!vm && g_error_matches(*error, VIRT_ERROR, VIR_ERR_NO_DOMAIN)) {
		g_autofree char *uuid = acrnd_format_uuid(dom->uuid);

		g_clear_error(error);
		virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching uuid '%s' (%s)",
			       uuid, dom->name);
	}
	return g_steal_pointer(&vm);
}

/* Decodes `remote_nonnull_domain` (plus nothing else) and looks it up. */
static AcrndVm *domain_arg_only(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};

	dispatch_get_domain(&c->args, &dom);
	if (!dispatch_args_end(c))
		return NULL;
	return dispatch_lookup_domain(c, &dom, error);
}

static AcrndVm *domain_arg_flags(RpcCall *c, guint32 *flags, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};

	dispatch_get_domain(&c->args, &dom);
	*flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return NULL;
	return dispatch_lookup_domain(c, &dom, error);
}

/* domain_arg_flags() for procedures that define no flags. */
static AcrndVm *domain_arg_no_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	AcrndVm *vm = domain_arg_flags(c, &flags, error);

	if (vm && flags) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		acrnd_vm_free(vm);
		return NULL;
	}
	return vm;
}

gboolean dispatch_require_active(const AcrndVm *vm, GError **error)
{
	if (!domain_state_is_active(vm->state)) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID, "domain is not running");
		return FALSE;
	}
	return TRUE;
}

gboolean dispatch_require_inactive(const AcrndVm *vm, GError **error)
{
	if (domain_state_is_active(vm->state)) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID, "domain is already running");
		return FALSE;
	}
	return TRUE;
}

static gboolean reply_fresh_domain(RpcCall *c, const char *path, GError **error)
{
	g_autoptr(AcrndVm) vm = acrnd_client_get_vm(c->acrnd, path, error);

	if (!vm)
		return FALSE;
	dispatch_put_domain(c->ret, vm);
	return TRUE;
}

/* ---- lookups ---- */

static gboolean lookup_by_name(RpcCall *c, GError **error)
{
	g_autofree char *name = xdr_get_string(&c->args, RPC_STRING_MAX);
	g_autoptr(AcrndVm) vm = NULL;

	if (!dispatch_args_end(c))
		return FALSE;
	vm = acrnd_client_lookup_name(c->acrnd, name, error);
	if (!vm)
		return FALSE;
	dispatch_put_domain(c->ret, vm);
	return TRUE;
}

static gboolean lookup_by_uuid(RpcCall *c, GError **error)
{
	guint8 uuid[16];
	g_autoptr(AcrndVm) vm = NULL;

	xdr_get_fixed_opaque(&c->args, uuid, 16);
	if (!dispatch_args_end(c))
		return FALSE;
	vm = acrnd_client_lookup_uuid(c->acrnd, uuid, error);
	if (!vm)
		return FALSE;
	dispatch_put_domain(c->ret, vm);
	return TRUE;
}

/* Loads details of the active VMs of a list (their ids need LeaderPID). */
static gboolean load_active_details(RpcCall *c, GPtrArray *vms, gboolean all, GError **error)
{
	for (guint i = 0; i < vms->len; i++) {
		AcrndVm *vm = vms->pdata[i];
		g_autoptr(GError) e = NULL;

		if (vm->have_details || (!all && !domain_state_is_active(vm->state)))
			continue;
		if (acrnd_client_load_details(c->acrnd, vm, &e))
			continue;
		/* Undefined since ListVMs: skip it, like a list taken a moment later. */
		if (g_error_matches(e, VIRT_ERROR, VIR_ERR_NO_DOMAIN)) {
			g_ptr_array_remove_index(vms, i--);
			continue;
		}
		g_propagate_error(error, g_steal_pointer(&e));
		return FALSE;
	}
	return TRUE;
}

static gboolean lookup_by_id(RpcCall *c, GError **error)
{
	gint32 id = xdr_get_i32(&c->args);
	g_autoptr(GPtrArray) vms = NULL;

	if (!dispatch_args_end(c))
		return FALSE;
	vms = acrnd_client_list(c->acrnd, error);
	if (!vms || !load_active_details(c, vms, FALSE, error))
		return FALSE;
	for (guint i = 0; id >= 0 && i < vms->len; i++) {
		AcrndVm *vm = vms->pdata[i];

		if (vm->have_details && domain_state_id(vm) == id) {
			dispatch_put_domain(c->ret, vm);
			return TRUE;
		}
	}
	virt_error_set(error, VIR_ERR_NO_DOMAIN, "no domain with matching id %d", id);
	return FALSE;
}

/* ---- listing ---- */

static gboolean group_match(guint flags, guint yes_flag, guint no_flag, gboolean value)
{
	if (!(flags & (yes_flag | no_flag)))
		return TRUE;
	return (value && (flags & yes_flag)) || (!value && (flags & no_flag));
}

static gboolean list_all_domains(RpcCall *c, GError **error)
{
	gint32 need_results = xdr_get_i32(&c->args);
	guint32 flags = xdr_get_u32(&c->args);
	g_autoptr(GPtrArray) vms = NULL;
	g_autoptr(GPtrArray) match = g_ptr_array_new();
	gboolean need_all_details;

	if (!dispatch_args_end(c))
		return FALSE;
	vms = acrnd_client_list(c->acrnd, error);
	if (!vms)
		return FALSE;
	need_all_details =
	    flags & (VIR_CONNECT_LIST_DOMAINS_PERSISTENT | VIR_CONNECT_LIST_DOMAINS_TRANSIENT |
		     VIR_CONNECT_LIST_DOMAINS_AUTOSTART | VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART);
	if (!load_active_details(c, vms, need_all_details, error))
		return FALSE;
	state_cache_fill(c->server->state_cache, vms);
	for (guint i = 0; i < vms->len; i++) {
		AcrndVm *vm = vms->pdata[i];
		int state, reason;
		gboolean active = domain_state_is_active(vm->state);
		gboolean other;

		domain_state_to_libvirt(vm->state, vm->state_reason, &state, &reason);
		other = state != VIR_DOMAIN_RUNNING && state != VIR_DOMAIN_PAUSED &&
			state != VIR_DOMAIN_SHUTOFF;
		if (!group_match(flags, VIR_CONNECT_LIST_DOMAINS_ACTIVE,
				 VIR_CONNECT_LIST_DOMAINS_INACTIVE, active))
			continue;
		if (need_all_details &&
		    !group_match(flags, VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
				 VIR_CONNECT_LIST_DOMAINS_TRANSIENT, vm->persistent))
			continue;
		if (flags & (VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
			     VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER) &&
		    !((flags & VIR_CONNECT_LIST_DOMAINS_RUNNING && state == VIR_DOMAIN_RUNNING) ||
		      (flags & VIR_CONNECT_LIST_DOMAINS_PAUSED && state == VIR_DOMAIN_PAUSED) ||
		      (flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF && state == VIR_DOMAIN_SHUTOFF) ||
		      (flags & VIR_CONNECT_LIST_DOMAINS_OTHER && other)))
			continue;
		/* A managed save is a guest S3 (see managed_save()). */
		if (!group_match(flags, VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
				 VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
				 g_strcmp0(vm->state, "saved") == 0))
			continue;
		if (need_all_details &&
		    !group_match(flags, VIR_CONNECT_LIST_DOMAINS_AUTOSTART,
				 VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, vm->autostart))
			continue;
		/* No snapshots and no checkpoints exist on ACRN. */
		if (flags & VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT)
			continue;
		if (flags & VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT)
			continue;
		g_ptr_array_add(match, vm);
	}
	if (match->len > RPC_DOMAIN_LIST_MAX) {
		virt_error_set(error, VIR_ERR_RPC, "too many domains (%u) for one reply",
			       match->len);
		return FALSE;
	}
	if (need_results) {
		xdr_put_u32(c->ret, match->len);
		for (guint i = 0; i < match->len; i++)
			dispatch_put_domain(c->ret, match->pdata[i]);
	} else {
		xdr_put_u32(c->ret, 0);
	}
	xdr_put_u32(c->ret, match->len);
	return TRUE;
}

static gboolean count_or_list(RpcCall *c, gboolean active, gboolean names, gint32 max,
			      GError **error)
{
	g_autoptr(GPtrArray) vms = acrnd_client_list(c->acrnd, error);
	g_autoptr(GPtrArray) match = g_ptr_array_new();

	if (!vms)
		return FALSE;
	if (active && names == FALSE && max >= 0 && !load_active_details(c, vms, FALSE, error))
		return FALSE;
	for (guint i = 0; i < vms->len; i++) {
		AcrndVm *vm = vms->pdata[i];

		if (domain_state_is_active(vm->state) == active)
			g_ptr_array_add(match, vm);
	}
	if (max < 0) {
		xdr_put_i32(c->ret, (gint32)match->len);
		return TRUE;
	}
	if ((guint32)max > RPC_DOMAIN_LIST_MAX) {
		virt_error_set(error, VIR_ERR_RPC, "too many domains requested: %d", max);
		return FALSE;
	}
	xdr_put_u32(c->ret, MIN(match->len, (guint)max));
	for (guint i = 0; i < match->len && i < (guint)max; i++) {
		AcrndVm *vm = match->pdata[i];

		if (names)
			xdr_put_string(c->ret, vm->name);
		else
			xdr_put_i32(c->ret, domain_state_id(vm));
	}
	return TRUE;
}

static gboolean num_of_domains(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	return count_or_list(c, TRUE, FALSE, -1, error);
}

static gboolean num_of_defined_domains(RpcCall *c, GError **error)
{
	if (!dispatch_args_end(c))
		return FALSE;
	return count_or_list(c, FALSE, TRUE, -1, error);
}

static gboolean list_domains(RpcCall *c, GError **error)
{
	gint32 max = xdr_get_i32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	if (max < 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "maxids %d", max);
		return FALSE;
	}
	return count_or_list(c, TRUE, FALSE, max, error);
}

static gboolean list_defined_domains(RpcCall *c, GError **error)
{
	gint32 max = xdr_get_i32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	if (max < 0) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "maxnames %d", max);
		return FALSE;
	}
	return count_or_list(c, FALSE, TRUE, max, error);
}

/* ---- state queries ---- */

static gboolean get_state(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	const char *cached, *cached_reason;
	int state, reason;

	dispatch_get_domain(&c->args, &dom);
	xdr_get_u32(&c->args); /* flags: must be 0, ignored like libvirt's drivers */
	if (!dispatch_args_end(c))
		return FALSE;
	/* Right after a listing (virsh list asks each domain's state).  With
	 * acrnd's shared counter the lookup below costs no round trip and is
	 * exact; the snapshot is for an acrnd without one. */
	cached = acrnd_client_has_counter(c->acrnd)
		     ? NULL
		     : state_cache_lookup(c->server->state_cache, dom.uuid, &cached_reason);
	if (cached) {
		domain_state_to_libvirt(cached, cached_reason, &state, &reason);
		xdr_put_i32(c->ret, state);
		xdr_put_i32(c->ret, reason);
		return TRUE;
	}
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm)
		return FALSE;
	domain_state_to_libvirt(vm->state, vm->state_reason, &state, &reason);
	xdr_put_i32(c->ret, state);
	xdr_put_i32(c->ret, reason);
	return TRUE;
}

static gboolean get_info(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);
	int state, reason;
	guint64 kib;

	if (!vm)
		return FALSE;
	domain_state_to_libvirt(vm->state, vm->state_reason, &state, &reason);
	kib = vm->memory_bytes / 1024;
	xdr_put_u32(c->ret, (guint32)state);
	xdr_put_u64(c->ret, kib); /* maxMem */
	xdr_put_u64(c->ret, kib); /* memory: no ballooning on ACRN */
	xdr_put_u32(c->ret, vm->vcpus);
	xdr_put_u64(c->ret, 0); /* cpuTime: not reported by acrnd */
	return TRUE;
}

static gboolean get_max_memory(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_u64(c->ret, vm->memory_bytes / 1024);
	return TRUE;
}

static gboolean get_vcpus(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	g_autoptr(GByteArray) map = NULL;
	gint32 maxinfo, maplen;
	int ncpus, online;
	guint32 n;

	dispatch_get_domain(&c->args, &dom);
	maxinfo = xdr_get_i32(&c->args);
	maplen = xdr_get_i32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	if (maxinfo < 0 || (guint32)maxinfo > RPC_VCPUINFO_MAX || maplen < 0 ||
	    (guint64)maxinfo * (guint64)maplen > RPC_CPUMAPS_MAX) {
		virt_error_set(error, VIR_ERR_RPC, "maxinfo %d / maplen %d out of range", maxinfo,
			       maplen);
		return FALSE;
	}
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm || !dispatch_require_active(vm, error))
		return FALSE;
	n = MIN(vm->vcpus, (guint32)maxinfo);
	xdr_put_u32(c->ret, n);
	for (guint32 i = 0; i < n; i++) {
		xdr_put_u32(c->ret, i);
		xdr_put_i32(c->ret, g_strcmp0(vm->state, "running") == 0 ? VIR_VCPU_RUNNING
									 : VIR_VCPU_OFFLINE);
		xdr_put_u64(c->ret, 0);	 /* CPU time: acrnd does not report it */
		xdr_put_i32(c->ret, -1); /* physical CPU: not reported either */
	}
	/* Affinity: acrnd does not export the pinning, so every online host
	 * CPU is shown as allowed. */
	map = host_cpu_map(&ncpus, &online);
	xdr_put_u32(c->ret, n * (guint32)maplen);
	for (guint32 i = 0; i < n; i++)
		for (gint32 b = 0; b < maplen; b++) {
			guint8 byte = (guint)b < map->len ? map->data[b] : 0;

			g_byte_array_append(c->ret, &byte, 1);
		}
	{
		static const guint8 zeros[4];
		gsize len = (gsize)n * (gsize)maplen;

		g_byte_array_append(c->ret, zeros, (guint)((4 - len % 4) % 4));
	}
	return TRUE;
}

static gboolean get_os_type(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_string(c->ret, "hvm");
	return TRUE;
}

static gboolean get_autostart(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, vm->autostart);
	return TRUE;
}

static gboolean is_active(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, domain_state_is_active(vm->state));
	return TRUE;
}

static gboolean is_persistent(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, vm->persistent);
	return TRUE;
}

static gboolean is_updated(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, 0); /* running VMs always use their definition */
	return TRUE;
}

static gboolean has_managed_save_image(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, g_strcmp0(vm->state, "saved") == 0);
	return TRUE;
}

static gboolean snapshot_num(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	xdr_put_i32(c->ret, 0);
	return TRUE;
}

static gboolean get_messages(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	xdr_put_u32(c->ret, 0);
	return TRUE;
}

static gboolean get_xml_desc(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);
	g_autofree char *config = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *pty = NULL;
	int id;

	if (!vm)
		return FALSE;
	config = acrnd_client_get_config(c->acrnd, vm->object_path, error);
	if (!config)
		return FALSE;
	id = (flags & VIR_DOMAIN_XML_INACTIVE) ? -1 : domain_state_id(vm);
	if (id >= 0) /* the pty's path, when there is one */
		pty = acrnd_client_get_console_path(c->acrnd, vm->object_path, NULL);
	xml = domain_xml_for_client(config, id, pty, error);
	if (!xml)
		return FALSE;
	xdr_put_string(c->ret, xml);
	return TRUE;
}

/* ---- definition ---- */

/* libvirt lets clients re-define a running or saved domain (Nova does it
 * on resume with the XML it just read back).  acrnd only replaces
 * definitions of stopped VMs, so an unchanged definition is accepted as is. */
static char *redefine_unchanged(RpcCall *c, const char *xml, GError **error)
{
	g_autofree char *key = NULL;
	g_autofree char *current = NULL;
	g_autoptr(AcrndVm) vm = NULL;
	g_autoptr(GError) e = NULL;
	gboolean is_uuid = FALSE;
	guint8 uuid[16];

	key = domain_xml_get_identity(xml, &is_uuid);
	if (!key)
		return NULL;
	if (is_uuid && acrnd_parse_uuid(key, uuid))
		vm = acrnd_client_lookup_uuid(c->acrnd, uuid, &e);
	else
		vm = acrnd_client_lookup_name(c->acrnd, key, &e);
	/* A managed save keeps the device model (and its definition) alive. */
	if (!vm || (!domain_state_is_active(vm->state) && g_strcmp0(vm->state, "saved") != 0))
		return NULL;
	current = acrnd_client_get_config(c->acrnd, vm->object_path, &e);
	if (!current || !domain_xml_same_definition(current, xml))
		return NULL;
	g_clear_error(error);
	return g_strdup(vm->object_path);
}

/* A domain acrnd has just defined: acrnd replaces only stopped VMs, so it
 * is inactive (id -1); its UUID is in its object path, its name in the
 * XML.  No round trip to ask acrnd again. */
static gboolean reply_defined_domain(RpcCall *c, const char *path, const char *xml, GError **error)
{
	const gsize prefix = strlen(ACRN_DBUS_VM_PATH_PREFIX);
	AcrndVm vm = {0};
	g_autofree char *name = domain_xml_get_name(xml);

	if (!name || !g_str_has_prefix(path, ACRN_DBUS_VM_PATH_PREFIX) ||
	    !acrnd_parse_uuid(path + prefix, vm.uuid_bytes))
		return reply_fresh_domain(c, path, error);
	vm.name = name;
	vm.state = (char *)"stopped";
	dispatch_put_domain(c->ret, &vm);
	return TRUE;
}

static gboolean define_common(RpcCall *c, const char *xml, GError **error)
{
	g_autofree char *filtered = NULL;
	g_autofree char *path = NULL;

	filtered = domain_xml_for_acrnd(xml, NULL, error);
	if (!filtered)
		return FALSE;
	/* acrnd refuses a rename (libvirt's rule) within the same call. */
	path = acrnd_client_define(c->acrnd, filtered, error);
	if (!path && g_error_matches(*error, VIRT_ERROR, VIR_ERR_OPERATION_INVALID)) {
		/* An unchanged running or saved domain: answered as it is. */
		path = redefine_unchanged(c, filtered, error);
		return path && reply_fresh_domain(c, path, error);
	}
	if (!path)
		return FALSE;
	return reply_defined_domain(c, path, filtered, error);
}

static gboolean define_xml(RpcCall *c, GError **error)
{
	g_autofree char *xml = xdr_get_string(&c->args, RPC_STRING_MAX);

	if (!dispatch_args_end(c))
		return FALSE;
	return define_common(c, xml, error);
}

static gboolean define_xml_flags(RpcCall *c, GError **error)
{
	g_autofree char *xml = xdr_get_string(&c->args, RPC_STRING_MAX);
	guint32 flags = xdr_get_u32(&c->args);

	if (!dispatch_args_end(c))
		return FALSE;
	/* VALIDATE asks for schema checks: acrnd always validates. */
	if (flags & ~(guint32)VIR_DOMAIN_DEFINE_VALIDATE) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	return define_common(c, xml, error);
}

static gboolean create_xml(RpcCall *c, GError **error)
{
	g_autofree char *xml = xdr_get_string(&c->args, RPC_STRING_MAX);
	guint32 flags = xdr_get_u32(&c->args);
	g_autofree char *filtered = NULL;
	g_autofree char *path = NULL;

	if (!dispatch_args_end(c))
		return FALSE;
	if (flags & ~(guint32)(VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_VALIDATE)) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	filtered = domain_xml_for_acrnd(xml, NULL, error);
	if (!filtered)
		return FALSE;
	path = acrnd_client_create(c->acrnd, filtered, error);
	if (!path)
		return FALSE;
	if ((flags & VIR_DOMAIN_START_PAUSED) &&
	    !acrnd_client_vm_action(c->acrnd, path, ACRND_VM_PAUSE, error))
		return FALSE;
	return reply_fresh_domain(c, path, error);
}

static gboolean undefine_vm(RpcCall *c, AcrndVm *vm, guint32 flags, GError **error)
{
	if (g_strcmp0(vm->state, "saved") == 0) {
		/* As libvirt: the image goes only when the caller says so. */
		if (!(flags & VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
			virt_error_set(
			    error, VIR_ERR_OPERATION_INVALID,
			    "Refusing to undefine while domain managed save image exists");
			return FALSE;
		}
		if (!acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_FORCE_STOP, error))
			return FALSE;
	} else if (domain_state_is_active(vm->state)) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID,
			       "cannot undefine a running domain on ACRN; destroy it first");
		return FALSE;
	}
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_UNDEFINE, error);
}

static gboolean undefine(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return vm && undefine_vm(c, vm, 0, error);
}

static gboolean undefine_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);
	const guint32 known = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
			      VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM |
			      VIR_DOMAIN_UNDEFINE_KEEP_NVRAM |
			      VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;

	if (!vm)
		return FALSE;
	if (flags & ~known) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	return undefine_vm(c, vm, flags, error);
}

static gboolean set_autostart(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	gint32 autostart;

	dispatch_get_domain(&c->args, &dom);
	autostart = xdr_get_i32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm)
		return FALSE;
	return acrnd_client_set_autostart(c->acrnd, vm->object_path, autostart != 0, error);
}

/* ---- lifecycle ---- */

static gboolean start_vm(RpcCall *c, AcrndVm *vm, guint32 flags, GError **error)
{
	/* A managed save (the guest asleep in S3): starting restores it. */
	if (g_strcmp0(vm->state, "saved") == 0) {
		if (flags & VIR_DOMAIN_START_FORCE_BOOT) {
			/* libvirt: discard the image and boot afresh. */
			if (!acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_FORCE_STOP,
						    error))
				return FALSE;
		} else {
			if (!acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_WAKEUP,
						    error))
				return FALSE;
			if (flags & VIR_DOMAIN_START_PAUSED)
				return acrnd_client_vm_action(c->acrnd, vm->object_path,
							      ACRND_VM_PAUSE, error);
			return TRUE;
		}
	} else if (!dispatch_require_inactive(vm, error)) {
		return FALSE;
	}
	if (!acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_START, error))
		return FALSE;
	if (flags & VIR_DOMAIN_START_PAUSED)
		return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_PAUSE, error);
	return TRUE;
}

static gboolean domain_create(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return vm && start_vm(c, vm, 0, error);
}

static gboolean create_with_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);
	const guint32 known = VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_BYPASS_CACHE |
			      VIR_DOMAIN_START_FORCE_BOOT | VIR_DOMAIN_START_RESET_NVRAM;

	if (!vm)
		return FALSE;
	if (flags & ~known) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "unsupported start flags (0x%x)", flags);
		return FALSE;
	}
	if (!start_vm(c, vm, flags, error))
		return FALSE;
	return reply_fresh_domain(c, vm->object_path, error);
}

static gboolean active_action(RpcCall *c, AcrndVm *vm, AcrndVmAction action, GError **error)
{
	if (!vm || !dispatch_require_active(vm, error))
		return FALSE;
	return acrnd_client_vm_action(c->acrnd, vm->object_path, action, error);
}

static gboolean destroy(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return active_action(c, vm, ACRND_VM_FORCE_STOP, error);
}

static gboolean destroy_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	if (flags & ~(guint32)VIR_DOMAIN_DESTROY_GRACEFUL) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	return active_action(c, vm, ACRND_VM_FORCE_STOP, error);
}

static gboolean shutdown(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return active_action(c, vm, ACRND_VM_SHUTDOWN, error);
}

static gboolean shutdown_flags(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	/* ACRN shuts guests down through the ACPI power button only. */
	if (flags & ~(guint32)VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "only the ACPI power button shutdown mode is supported");
		return FALSE;
	}
	return active_action(c, vm, ACRND_VM_SHUTDOWN, error);
}

static gboolean reboot(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);

	if (!vm)
		return FALSE;
	if (flags & ~(guint32)VIR_DOMAIN_REBOOT_ACPI_POWER_BTN) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "only the ACPI power button reboot mode is supported");
		return FALSE;
	}
	return active_action(c, vm, ACRND_VM_REBOOT, error);
}

static gboolean suspend(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return active_action(c, vm, ACRND_VM_PAUSE, error);
}

static gboolean resume(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_only(c, error);

	return active_action(c, vm, ACRND_VM_RESUME, error);
}

/* virsh dompmsuspend / dompmwakeup: guest S3 through the ACPI sleep
 * button, and waking it. */
static gboolean pm_suspend(RpcCall *c, GError **error)
{
	g_auto(RpcDomainRef) dom = {0};
	g_autoptr(AcrndVm) vm = NULL;
	guint32 target, flags;
	guint64 duration;

	dispatch_get_domain(&c->args, &dom);
	target = xdr_get_u32(&c->args);
	duration = xdr_get_u64(&c->args);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c))
		return FALSE;
	if (flags) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	if (target != VIR_NODE_SUSPEND_TARGET_MEM) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "only suspend-to-RAM (mem) is supported on ACRN");
		return FALSE;
	}
	if (duration) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED, "Duration not supported");
		return FALSE;
	}
	vm = dispatch_lookup_domain(c, &dom, error);
	if (!vm || !dispatch_require_active(vm, error))
		return FALSE;
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_SUSPEND, error);
}

static gboolean pm_wakeup(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_no_flags(c, error);

	if (!vm)
		return FALSE;
	if (g_strcmp0(vm->state, "suspended") != 0) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID,
			       "domain is not in pmsuspended state");
		return FALSE;
	}
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_WAKEUP, error);
}

/* ACRN cannot save guest memory to disk; what keeps the guest's state is
 * guest S3 inside its device model (acrnd's Suspend with managed-save, which
 * returns once the guest sleeps).  To clients the domain is then shut off
 * with a managed-save image; starting it wakes the guest (start_vm()),
 * removing the image powers the device model off.  The image lives in the
 * Service VM's RAM: it does not survive a Service VM reboot (see
 * libvirt-driver/README.md). */
static gboolean managed_save(RpcCall *c, GError **error)
{
	guint32 flags;
	g_autoptr(AcrndVm) vm = domain_arg_flags(c, &flags, error);
	const guint32 known =
	    VIR_DOMAIN_SAVE_BYPASS_CACHE | VIR_DOMAIN_SAVE_RUNNING | VIR_DOMAIN_SAVE_PAUSED;

	if (!vm)
		return FALSE;
	if (flags & ~known) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		return FALSE;
	}
	if (vm->have_details && !vm->persistent) {
		virt_error_set(error, VIR_ERR_OPERATION_INVALID,
			       "cannot do managed save for transient domain");
		return FALSE;
	}
	if (g_strcmp0(vm->state, "running") != 0) {
		/* S3 needs a running guest; libvirt would save a paused one,
		 * which ACRN cannot. */
		virt_error_set(error, VIR_ERR_OPERATION_INVALID,
			       domain_state_is_active(vm->state)
				   ? "domain is %s: only a running domain can be saved on ACRN"
				   : "domain is not running (%s)",
			       vm->state);
		return FALSE;
	}
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_MANAGED_SAVE, error);
}

static gboolean managed_save_remove(RpcCall *c, GError **error)
{
	g_autoptr(AcrndVm) vm = domain_arg_no_flags(c, error);

	if (!vm)
		return FALSE;
	/* No image is no error (libvirt's answer too). */
	if (g_strcmp0(vm->state, "saved") != 0)
		return TRUE;
	return acrnd_client_vm_action(c->acrnd, vm->object_path, ACRND_VM_FORCE_STOP, error);
}

static const RpcProcedure procs[] = {
    {PROC_DOMAIN_LOOKUP_BY_NAME, "virDomainLookupByName", lookup_by_name, 0},
    {PROC_DOMAIN_LOOKUP_BY_UUID, "virDomainLookupByUUID", lookup_by_uuid, 0},
    {PROC_DOMAIN_LOOKUP_BY_ID, "virDomainLookupByID", lookup_by_id, 0},
    {PROC_CONNECT_LIST_ALL_DOMAINS, "virConnectListAllDomains", list_all_domains, 0},
    {PROC_CONNECT_NUM_OF_DOMAINS, "virConnectNumOfDomains", num_of_domains, 0},
    {PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, "virConnectNumOfDefinedDomains", num_of_defined_domains,
     0},
    {PROC_CONNECT_LIST_DOMAINS, "virConnectListDomains", list_domains, 0},
    {PROC_CONNECT_LIST_DEFINED_DOMAINS, "virConnectListDefinedDomains", list_defined_domains, 0},
    {PROC_DOMAIN_GET_STATE, "virDomainGetState", get_state, 0},
    {PROC_DOMAIN_GET_INFO, "virDomainGetInfo", get_info, 0},
    {PROC_DOMAIN_GET_MAX_MEMORY, "virDomainGetMaxMemory", get_max_memory, 0},
    {PROC_DOMAIN_GET_OS_TYPE, "virDomainGetOSType", get_os_type, 0},
    {PROC_DOMAIN_GET_VCPUS, "virDomainGetVcpus", get_vcpus, 0},
    {PROC_DOMAIN_GET_AUTOSTART, "virDomainGetAutostart", get_autostart, 0},
    {PROC_DOMAIN_IS_ACTIVE, "virDomainIsActive", is_active, 0},
    {PROC_DOMAIN_IS_PERSISTENT, "virDomainIsPersistent", is_persistent, 0},
    {PROC_DOMAIN_IS_UPDATED, "virDomainIsUpdated", is_updated, 0},
    {PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, "virDomainHasManagedSaveImage", has_managed_save_image, 0},
    {PROC_DOMAIN_SNAPSHOT_NUM, "virDomainSnapshotNum", snapshot_num, 0},
    {PROC_DOMAIN_GET_MESSAGES, "virDomainGetMessages", get_messages, 0},
    {PROC_DOMAIN_GET_XML_DESC, "virDomainGetXMLDesc", get_xml_desc, 0},
    {PROC_DOMAIN_DEFINE_XML, "virDomainDefineXML", define_xml, RPC_PROC_MUTATING},
    {PROC_DOMAIN_DEFINE_XML_FLAGS, "virDomainDefineXMLFlags", define_xml_flags, RPC_PROC_MUTATING},
    {PROC_DOMAIN_CREATE_XML, "virDomainCreateXML", create_xml, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_UNDEFINE, "virDomainUndefine", undefine, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_UNDEFINE_FLAGS, "virDomainUndefineFlags", undefine_flags,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_SET_AUTOSTART, "virDomainSetAutostart", set_autostart, RPC_PROC_MUTATING},
    {PROC_DOMAIN_CREATE, "virDomainCreate", domain_create, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_CREATE_WITH_FLAGS, "virDomainCreateWithFlags", create_with_flags,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_DESTROY, "virDomainDestroy", destroy, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_DESTROY_FLAGS, "virDomainDestroyFlags", destroy_flags,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_SHUTDOWN, "virDomainShutdown", shutdown, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_SHUTDOWN_FLAGS, "virDomainShutdownFlags", shutdown_flags,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_REBOOT, "virDomainReboot", reboot, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_SUSPEND, "virDomainSuspend", suspend, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_RESUME, "virDomainResume", resume, RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_MANAGED_SAVE, "virDomainManagedSave", managed_save,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_MANAGED_SAVE_REMOVE, "virDomainManagedSaveRemove", managed_save_remove,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_PM_SUSPEND_FOR_DURATION, "virDomainPMSuspendForDuration", pm_suspend,
     RPC_PROC_MUTATING | RPC_PROC_SLOW},
    {PROC_DOMAIN_PM_WAKEUP, "virDomainPMWakeup", pm_wakeup, RPC_PROC_MUTATING | RPC_PROC_SLOW},
};

const RpcProcedureTable dispatch_domain_table = {procs, G_N_ELEMENTS(procs)};
