/* virConnectGetAllDomainStats / virDomainListGetStats (virsh domstats):
 * the stats groups ACRN can answer from acrnd's view of a VM and its
 * definition - state, balloon (no balloon: the defined memory), vcpu
 * (the defined count) and block (the disks and their sizes). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libvirt/libvirt.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acrnd-client.h"
#include "dispatch.h"
#include "domain-state.h"
#include "domain-xml.h"
#include "rpc-error.h"
#include "xdr.h"

enum {
	PROC_CONNECT_GET_ALL_DOMAIN_STATS = 344,
};

/* remote_typed_param value types. */
enum {
	PARAM_INT = 1,
	PARAM_UINT = 2,
	PARAM_ULLONG = 4,
	PARAM_STRING = 7,
};

#define SUPPORTED_STATS                                                                            \
	(VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON | VIR_DOMAIN_STATS_VCPU |               \
	 VIR_DOMAIN_STATS_BLOCK)

/* The selection flags libvirt defines for a listing without domains. */
#define LIST_FLAGS                                                                                 \
	(VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE | VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE |   \
	 VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT |                                            \
	 VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT | VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | \
	 VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED | VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF |    \
	 VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER)

typedef struct {
	GByteArray *w;
	guint32 n;
} Params;

static void param_head(Params *p, const char *field, gint32 type)
{
	xdr_put_string(p->w, field);
	xdr_put_i32(p->w, type);
	p->n++;
}

static void param_int(Params *p, const char *field, gint32 v)
{
	param_head(p, field, PARAM_INT);
	xdr_put_i32(p->w, v);
}

static void param_uint(Params *p, const char *field, guint32 v)
{
	param_head(p, field, PARAM_UINT);
	xdr_put_u32(p->w, v);
}

static void param_ullong(Params *p, const char *field, guint64 v)
{
	param_head(p, field, PARAM_ULLONG);
	xdr_put_u64(p->w, v);
}

static void param_string(Params *p, const char *field, const char *v)
{
	param_head(p, field, PARAM_STRING);
	xdr_put_string(p->w, v);
}

/* Capacity and allocation of a disk image or block device; FALSE when it
 * cannot be read (the stats then leave them out, as libvirt does). */
static gboolean disk_sizes(const char *path, guint64 *capacity, guint64 *allocation)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0)
		return FALSE;
	*capacity = (guint64)st.st_size;
	*allocation = (guint64)st.st_blocks * 512;
	if (!S_ISBLK(st.st_mode))
		return S_ISREG(st.st_mode);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return FALSE;
	if (ioctl(fd, BLKGETSIZE64, capacity) < 0) {
		close(fd);
		return FALSE;
	}
	close(fd);
	*allocation = *capacity;
	return TRUE;
}

static void block_stats(RpcCall *c, const AcrndVm *vm, Params *p)
{
	g_autofree char *config = acrnd_client_get_config(c->acrnd, vm->object_path, NULL);
	g_autoptr(GPtrArray) disks = config ? domain_xml_disks(config) : NULL;

	if (!disks)
		return;
	param_uint(p, "block.count", disks->len);
	for (guint i = 0; i < disks->len; i++) {
		DomainDisk *d = disks->pdata[i];
		g_autofree char *name = g_strdup_printf("block.%u.name", i);
		g_autofree char *path = g_strdup_printf("block.%u.path", i);
		guint64 capacity, allocation;

		param_string(p, name, d->target);
		param_string(p, path, d->source);
		if (disk_sizes(d->source, &capacity, &allocation)) {
			g_autofree char *cap = g_strdup_printf("block.%u.capacity", i);
			g_autofree char *alloc = g_strdup_printf("block.%u.allocation", i);
			g_autofree char *phys = g_strdup_printf("block.%u.physical", i);

			param_ullong(p, alloc, allocation);
			param_ullong(p, cap, capacity);
			param_ullong(p, phys, capacity);
		}
	}
}

static void put_record(RpcCall *c, const AcrndVm *vm, guint32 stats)
{
	g_autoptr(GByteArray) params = g_byte_array_new();
	Params p = {params, 0};
	int state, reason;

	if (stats & VIR_DOMAIN_STATS_STATE) {
		domain_state_to_libvirt(vm->state, vm->state_reason, &state, &reason);
		param_int(&p, "state.state", state);
		param_int(&p, "state.reason", reason);
	}
	if (stats & VIR_DOMAIN_STATS_BALLOON) {
		/* No balloon: the guest always has all of its memory. */
		param_ullong(&p, "balloon.current", vm->memory_bytes / 1024);
		param_ullong(&p, "balloon.maximum", vm->memory_bytes / 1024);
	}
	if (stats & VIR_DOMAIN_STATS_VCPU) {
		param_uint(&p, "vcpu.current", vm->vcpus);
		param_uint(&p, "vcpu.maximum", vm->vcpus);
	}
	if (stats & VIR_DOMAIN_STATS_BLOCK)
		block_stats(c, vm, &p);
	dispatch_put_domain(c->ret, vm);
	xdr_put_u32(c->ret, p.n);
	g_byte_array_append(c->ret, params->data, params->len);
}

static gboolean list_match(const AcrndVm *vm, guint32 flags)
{
	int state, reason;
	gboolean active = domain_state_is_active(vm->state);

	if ((flags & (VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE |
		      VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE)) &&
	    !(flags & (active ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE
			      : VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE)))
		return FALSE;
	if ((flags & (VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT |
		      VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT)) &&
	    !(flags & (vm->persistent ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT
				      : VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT)))
		return FALSE;
	if (flags &
	    (VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED |
	     VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF | VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER)) {
		guint32 bit;

		domain_state_to_libvirt(vm->state, vm->state_reason, &state, &reason);
		bit = state == VIR_DOMAIN_RUNNING   ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING
		      : state == VIR_DOMAIN_PAUSED  ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED
		      : state == VIR_DOMAIN_SHUTOFF ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF
						    : VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER;
		if (!(flags & bit))
			return FALSE;
	}
	return TRUE;
}

static gboolean get_all_domain_stats(RpcCall *c, GError **error)
{
	g_autoptr(GPtrArray) vms = g_ptr_array_new_with_free_func((GDestroyNotify)acrnd_vm_free);
	RpcDomainRef *doms;
	guint32 n, stats, flags;
	const guint32 known = LIST_FLAGS | VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT |
			      VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING |
			      VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS;
	gboolean ok = TRUE;

	/* remote_nonnull_domain: a name (>= 4 bytes), a UUID (16), an id (4). */
	n = xdr_get_count(&c->args, RPC_DOMAIN_LIST_MAX, 24);
	doms = g_new0(RpcDomainRef, n ? n : 1);
	for (guint32 i = 0; i < n; i++)
		dispatch_get_domain(&c->args, &doms[i]);
	stats = xdr_get_u32(&c->args);
	flags = xdr_get_u32(&c->args);
	if (!dispatch_args_end(c)) {
		ok = FALSE;
	} else if (flags & ~known) {
		virt_error_set(error, VIR_ERR_INVALID_ARG, "unsupported flags (0x%x)", flags);
		ok = FALSE;
	} else if (n && (flags & LIST_FLAGS)) {
		/* libvirt: selection flags go with a listing, not with domains. */
		virt_error_set(error, VIR_ERR_INVALID_ARG,
			       "domain selection flags are not allowed with a list of domains");
		ok = FALSE;
	} else if ((flags & VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS) &&
		   (stats & ~SUPPORTED_STATS)) {
		virt_error_set(error, VIR_ERR_ARGUMENT_UNSUPPORTED,
			       "Stats types bits 0x%x are not supported by this daemon",
			       stats & ~SUPPORTED_STATS);
		ok = FALSE;
	}
	for (guint32 i = 0; ok && i < n; i++) {
		AcrndVm *vm = dispatch_lookup_domain(c, &doms[i], error);

		/* Details (reason, vCPUs, memory) come with the lookup. */
		if (!vm || (!vm->have_details && !acrnd_client_load_details(c->acrnd, vm, error))) {
			if (vm)
				acrnd_vm_free(vm);
			ok = FALSE;
			break;
		}
		g_ptr_array_add(vms, vm);
	}
	for (guint32 i = 0; i < n; i++)
		rpc_domain_ref_clear(&doms[i]);
	g_free(doms);
	if (!ok)
		return FALSE;
	if (!n) {
		g_ptr_array_unref(vms);
		vms = acrnd_client_list(c->acrnd, error);
		if (!vms)
			return FALSE;
		for (guint i = vms->len; i-- > 0;)
			if (!list_match(vms->pdata[i], flags))
				g_ptr_array_remove_index(vms, i);
	}
	stats = stats ? stats & SUPPORTED_STATS : SUPPORTED_STATS;
	xdr_put_u32(c->ret, vms->len);
	for (guint i = 0; i < vms->len; i++)
		put_record(c, vms->pdata[i], stats);
	return TRUE;
}

static const RpcProcedure procs[] = {
    {PROC_CONNECT_GET_ALL_DOMAIN_STATS, "virConnectGetAllDomainStats", get_all_domain_stats, 0},
};

const RpcProcedureTable dispatch_stats_table = {procs, G_N_ELEMENTS(procs)};
