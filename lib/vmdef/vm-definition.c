/* Parsing, validation, copying and canonical serialization of VM
 * definitions (libvirt domain XML subset, see docs/vm-definition.md). */
#include "config.h"

#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <uuid/uuid.h>

#include "vm-definition.h"
#include "acrn-uuid.h"
#include "xml-read.h"

/* Upstream acrn-dm refuses less than this. */
#define MIN_MEMORY_BYTES (128ull << 20)
/* Keep definitions sane: 16 TiB is far beyond any ACRN platform. */
#define MAX_MEMORY_BYTES (16ull << 40)
#define MAX_VCPUS	 64
#define MAX_HOST_CPU	 1023
/* The size of upstream acrn-dm's bootargs buffer, less its NUL. */
#define MAX_CMDLINE 2047
#define MAX_DISKS   24
#define MAX_NETS    8
/* PCI slots 0 (hostbridge) and 1 (lpc) are taken by acrnd. */
#define FIRST_FREE_SLOT 2
#define LAST_SLOT	31

/* Underscores: clang-format spaced out the dashed name ("acrn - vm - ..."). */
G_DEFINE_QUARK(acrn_vm_def_error_quark, acrn_vm_def_error)

static void disk_free(gpointer p)
{
	AcrnVmDisk *d = p;

	g_free(d->source);
	g_free(d->target);
	g_free(d);
}

static void net_free(gpointer p)
{
	AcrnVmNet *n = p;

	g_free(n->bridge);
	g_free(n->tap);
	g_free(n->mac);
	g_free(n);
}

AcrnVmDef *acrn_vm_def_new(void)
{
	AcrnVmDef *def = g_new0(AcrnVmDef, 1);

	def->cpu_affinity = g_array_new(FALSE, FALSE, sizeof(guint));
	def->vcpupin = g_ptr_array_new_with_free_func(g_free);
	def->disks = g_ptr_array_new_with_free_func(disk_free);
	def->nets = g_ptr_array_new_with_free_func(net_free);
	def->on_poweroff = ACRN_VM_ACTION_DESTROY;
	def->on_reboot = ACRN_VM_ACTION_RESTART;
	def->on_crash = ACRN_VM_ACTION_DESTROY;
	def->vcpus = 1;
	def->rng_pci_slot = -1;
	return def;
}

void acrn_vm_def_free(AcrnVmDef *def)
{
	if (!def)
		return;
	g_free(def->name);
	g_array_unref(def->cpu_affinity);
	g_ptr_array_unref(def->vcpupin);
	g_free(def->vcpu_cpuset);
	g_free(def->kernel);
	g_free(def->initrd);
	g_free(def->cmdline);
	g_free(def->loader);
	g_ptr_array_unref(def->disks);
	g_ptr_array_unref(def->nets);
	g_free(def->console.path);
	g_free(def->console.host);
	g_free(def->title);
	g_free(def->description);
	g_free(def->foreign_metadata);
	g_free(def);
}

AcrnVmDef *acrn_vm_def_copy(const AcrnVmDef *def)
{
	AcrnVmDef *c = acrn_vm_def_new();

	c->name = g_strdup(def->name);
	memcpy(c->uuid, def->uuid, sizeof(c->uuid));
	c->memory_bytes = def->memory_bytes;
	c->current_memory_bytes = def->current_memory_bytes;
	c->vcpus = def->vcpus;
	g_array_append_vals(c->cpu_affinity, def->cpu_affinity->data, def->cpu_affinity->len);
	for (guint i = 0; i < def->vcpupin->len; i++)
		g_ptr_array_add(c->vcpupin, g_strdup(def->vcpupin->pdata[i]));
	c->vcpu_cpuset = g_strdup(def->vcpu_cpuset);
	c->kernel = g_strdup(def->kernel);
	c->initrd = g_strdup(def->initrd);
	c->cmdline = g_strdup(def->cmdline);
	c->loader = g_strdup(def->loader);
	for (guint i = 0; i < def->disks->len; i++) {
		const AcrnVmDisk *d = def->disks->pdata[i];
		AcrnVmDisk *n = g_new0(AcrnVmDisk, 1);

		*n = *d;
		n->source = g_strdup(d->source);
		n->target = g_strdup(d->target);
		g_ptr_array_add(c->disks, n);
	}
	for (guint i = 0; i < def->nets->len; i++) {
		const AcrnVmNet *d = def->nets->pdata[i];
		AcrnVmNet *n = g_new0(AcrnVmNet, 1);

		*n = *d;
		n->bridge = g_strdup(d->bridge);
		n->tap = g_strdup(d->tap);
		n->mac = g_strdup(d->mac);
		g_ptr_array_add(c->nets, n);
	}
	c->console = def->console;
	c->console.path = g_strdup(def->console.path);
	c->console.host = g_strdup(def->console.host);
	c->rng = def->rng;
	c->rng_pci_slot = def->rng_pci_slot;
	c->on_poweroff = def->on_poweroff;
	c->on_reboot = def->on_reboot;
	c->on_crash = def->on_crash;
	c->autostart = def->autostart;
	c->autostart_order = def->autostart_order;
	c->host_shutdown = def->host_shutdown;
	c->host_shutdown_timeout_sec = def->host_shutdown_timeout_sec;
	c->title = g_strdup(def->title);
	c->description = g_strdup(def->description);
	c->foreign_metadata = g_strdup(def->foreign_metadata);
	c->uuid_generated = def->uuid_generated;
	c->autostart_set = def->autostart_set;
	return c;
}

/* ---- small validators ---- */

gboolean acrn_vm_name_is_valid(const char *name, const char **reason)
{
	const char *why = NULL;
	size_t len = name ? strlen(name) : 0;

	if (len == 0)
		why = "must not be empty";
	else if (len > ACRN_VM_NAME_MAX)
		why = "longer than 32 characters";
	else if (!g_ascii_isalpha(name[0]))
		why = "must start with a letter";
	else
		for (size_t i = 0; i < len; i++)
			if (!g_ascii_isalnum(name[i]) && !strchr("_.-", name[i])) {
				why = "may only contain letters, digits, '_', '.' and '-'";
				break;
			}
	if (reason)
		*reason = why;
	return why == NULL;
}

gboolean acrn_vm_uuid_normalize(const char *in, char out[37])
{
	guint8 u[16];

	if (!acrn_uuid_parse(in, u))
		return FALSE;
	acrn_uuid_format(u, out);
	return TRUE;
}

void acrn_vm_uuid_to_hex32(const char *uuid, char out[33])
{
	size_t n = 0;

	for (const char *p = uuid; *p && n < 32; p++)
		if (*p != '-')
			out[n++] = g_ascii_tolower(*p);
	out[n] = '\0';
}

char *acrn_vm_def_dm_name(const AcrnVmDef *def)
{
	char hex[33];

	if (strlen(def->name) <= ACRN_DM_NAME_MAX)
		return g_strdup(def->name);
	acrn_vm_uuid_to_hex32(def->uuid, hex);
	return g_strdup_printf("%.10s-%.4s", def->name, hex);
}

const char *acrn_vm_action_to_string(AcrnVmAction action)
{
	return action == ACRN_VM_ACTION_RESTART ? "restart" : "destroy";
}

/* ---- XML helpers ---- */

static gboolean set_error(GError **error, AcrnVmDefError code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean set_error(GError **error, AcrnVmDefError code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_propagate_error(error, g_error_new_valist(ACRN_VM_DEF_ERROR, code, fmt, ap));
	va_end(ap);
	return FALSE;
}

static gboolean is_elem(xmlNode *n)
{
	return n->type == XML_ELEMENT_NODE;
}

static gboolean name_is(xmlNode *n, const char *name)
{
	return is_elem(n) && strcmp((const char *)n->name, name) == 0;
}

static char *prop(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *r = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return r;
}

/* Text content, trimmed. */
static char *text(xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	char *r = g_strstrip(g_strdup(v ? (const char *)v : ""));

	xmlFree(v);
	return r;
}

static gboolean parse_u64(const char *s, guint64 *out)
{
	return s && *s && g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, out, NULL);
}

/* PCI address numbers are written in hex ("0x05") or decimal. */
static gboolean parse_pci_num(const char *s, guint64 max, guint64 *out)
{
	if (!s || !*s)
		return FALSE;
	if (g_str_has_prefix(s, "0x") || g_str_has_prefix(s, "0X"))
		return s[2] && g_ascii_string_to_unsigned(s + 2, 16, 0, max, out, NULL);
	return g_ascii_string_to_unsigned(s, 10, 0, max, out, NULL);
}

static gboolean scale_unit(const char *unit, guint64 *mult)
{
	static const struct {
		const char *name;
		guint64 mult;
	} units[] = {
	    {"b", 1},	       {"bytes", 1},	    {"KB", 1000ull},
	    {"k", 1024ull},    {"KiB", 1024ull},    {"MB", 1000000ull},
	    {"M", 1ull << 20}, {"MiB", 1ull << 20}, {"GB", 1000000000ull},
	    {"G", 1ull << 30}, {"GiB", 1ull << 30}, {"TB", 1000000000000ull},
	    {"T", 1ull << 40}, {"TiB", 1ull << 40},
	};

	if (!unit) {
		*mult = 1024; /* libvirt's default unit is KiB */
		return TRUE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(units); i++)
		if (strcmp(unit, units[i].name) == 0) {
			*mult = units[i].mult;
			return TRUE;
		}
	return FALSE;
}

static gboolean parse_memory(xmlNode *n, guint64 *bytes, GError **error)
{
	g_autofree char *unit = prop(n, "unit");
	g_autofree char *value = text(n);
	guint64 mult, v;

	if (!scale_unit(unit, &mult))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<%s>: unknown unit '%s'",
				 n->name, unit);
	if (!parse_u64(value, &v))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<%s>: '%s' is not a non-negative integer", n->name, value);
	if (v > MAX_MEMORY_BYTES / mult)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<%s>: %s %s is too large",
				 n->name, value, unit ? unit : "KiB");
	*bytes = v * mult;
	return TRUE;
}

/* libvirt cpuset syntax: "0-3,^2,6". */
static gboolean parse_cpuset(const char *where, const char *s, GArray *out, GError **error)
{
	gboolean set[MAX_HOST_CPU + 1] = {FALSE};
	g_auto(GStrv) parts = g_strsplit(s, ",", -1);
	gboolean any = FALSE;

	for (guint i = 0; parts[i]; i++) {
		char *p = g_strstrip(parts[i]);
		gboolean neg = FALSE;
		guint64 lo, hi;
		char *dash;

		if (*p == '^') {
			neg = TRUE;
			p++;
		}
		dash = strchr(p, '-');
		if (dash)
			*dash = '\0';
		if (!g_ascii_string_to_unsigned(p, 10, 0, MAX_HOST_CPU, &lo, NULL) ||
		    (dash && (neg || !g_ascii_string_to_unsigned(dash + 1, 10, lo, MAX_HOST_CPU,
								 &hi, NULL))))
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "%s: invalid cpuset '%s' (expected e.g. '0-3,^2,6', CPUs "
					 "0..%d)",
					 where, s, MAX_HOST_CPU);
		if (!dash)
			hi = lo;
		for (guint64 c = lo; c <= hi; c++)
			set[c] = !neg;
		any = TRUE;
	}
	if (!any)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "%s: empty cpuset", where);
	for (guint c = 0; c <= MAX_HOST_CPU; c++)
		if (set[c])
			g_array_append_val(out, c);
	if (out->len == 0)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "%s: cpuset '%s' selects no CPU",
				 where, s);
	return TRUE;
}

static gboolean parse_action(xmlNode *n, AcrnVmAction *out, GError **error)
{
	g_autofree char *v = text(n);

	if (strcmp(v, "destroy") == 0)
		*out = ACRN_VM_ACTION_DESTROY;
	else if (strcmp(v, "restart") == 0)
		*out = ACRN_VM_ACTION_RESTART;
	else if (strcmp(v, "preserve") == 0 || strcmp(v, "rename-restart") == 0 ||
		 strcmp(v, "coredump-destroy") == 0 || strcmp(v, "coredump-restart") == 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<%s>: '%s' is not supported: acrn-dm cannot keep or rename a "
				 "stopped guest (use 'destroy' or 'restart')",
				 n->name, v);
	else
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<%s>: unknown action '%s' (expected 'destroy' or 'restart')",
				 n->name, v);
	return TRUE;
}

/* acrn-dm splits device arguments at ',' so paths must not contain one. */
static gboolean check_dm_arg(const char *where, const char *v, GError **error)
{
	if (strchr(v, ',') || strchr(v, '\n'))
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "%s: '%s' contains ',' or a newline, which acrn-dm cannot parse",
				 where, v);
	return TRUE;
}

gboolean acrn_vm_def_check_path(const char *where, const char *v, GError **error)
{
	if (!v || !*v)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "%s: empty path", where);
	if (v[0] != '/')
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "%s: '%s' is not an absolute path", where, v);
	return check_dm_arg(where, v, error);
}

static gboolean parse_pci_address(const char *where, xmlNode *dev, int *slot, GError **error)
{
	*slot = -1;
	for (xmlNode *c = dev->children; c; c = c->next) {
		g_autofree char *type = NULL, *bus = NULL, *s = NULL, *fn = NULL, *dom = NULL;
		guint64 v;

		if (!name_is(c, "address"))
			continue;
		type = prop(c, "type");
		if (g_strcmp0(type, "pci") != 0)
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "%s <address>: type '%s' is not supported (only 'pci')",
					 where, type ? type : "");
		dom = prop(c, "domain");
		bus = prop(c, "bus");
		fn = prop(c, "function");
		if ((dom && (!parse_pci_num(dom, 0xffff, &v) || v != 0)) ||
		    (bus && (!parse_pci_num(bus, 0xff, &v) || v != 0)) ||
		    (fn && (!parse_pci_num(fn, 7, &v) || v != 0)))
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "%s <address>: only domain 0, bus 0, function 0 are "
					 "supported",
					 where);
		s = prop(c, "slot");
		if (!parse_pci_num(s, 0xff, &v) || v < FIRST_FREE_SLOT || v > LAST_SLOT)
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "%s <address>: slot '%s' must be %d..%d (0 and 1 are the "
					 "host bridge and LPC)",
					 where, s ? s : "", FIRST_FREE_SLOT, LAST_SLOT);
		*slot = (int)v;
	}
	return TRUE;
}

/* ---- element parsers ---- */

static gboolean parse_os(AcrnVmDef *def, xmlNode *os, GError **error)
{
	const char *dup = acrn_xml_duplicate_child(os, acrn_xml_os_singletons);

	if (dup)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<os>: more than one <%s>", dup);
	for (xmlNode *c = os->children; c; c = c->next) {
		if (!is_elem(c))
			continue;
		if (name_is(c, "type")) {
			g_autofree char *t = text(c);

			if (strcmp(t, "hvm") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<os><type>: '%s' is not supported (only 'hvm')",
						 t);
		} else if (name_is(c, "kernel")) {
			g_free(def->kernel);
			def->kernel = text(c);
			if (!acrn_vm_def_check_path("<os><kernel>", def->kernel, error))
				return FALSE;
		} else if (name_is(c, "initrd")) {
			g_free(def->initrd);
			def->initrd = text(c);
			if (!acrn_vm_def_check_path("<os><initrd>", def->initrd, error))
				return FALSE;
		} else if (name_is(c, "cmdline")) {
			g_free(def->cmdline);
			def->cmdline = text(c);
			if (strlen(def->cmdline) > MAX_CMDLINE)
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<os><cmdline>: longer than %d bytes",
						 MAX_CMDLINE);
		} else if (name_is(c, "loader")) {
			g_free(def->loader);
			def->loader = text(c);
			if (!acrn_vm_def_check_path("<os><loader>", def->loader, error))
				return FALSE;
		} else if (name_is(c, "boot") || name_is(c, "bootmenu") || name_is(c, "smbios")) {
			/* Boot order is meaningless with one direct-boot method. */
		} else {
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "<os>: unsupported element <%s>", c->name);
		}
	}
	if (def->kernel && def->loader)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<os>: <kernel> and <loader> are mutually exclusive");
	if (!def->kernel && !def->loader)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<os>: needs <kernel> (direct boot) or <loader> (OVMF)");
	if (!def->kernel && (def->initrd || def->cmdline))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<os>: <initrd> and <cmdline> need <kernel>");
	return TRUE;
}

static gboolean parse_vcpu(AcrnVmDef *def, xmlNode *n, GError **error)
{
	g_autofree char *v = text(n);
	g_autofree char *cpuset = prop(n, "cpuset");
	guint64 count;

	if (!g_ascii_string_to_unsigned(v, 10, 1, MAX_VCPUS, &count, NULL))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<vcpu>: '%s' is not a number of vCPUs in 1..%d", v, MAX_VCPUS);
	def->vcpus = (guint)count;
	if (cpuset) {
		g_autoptr(GArray) tmp = g_array_new(FALSE, FALSE, sizeof(guint));

		if (!parse_cpuset("<vcpu cpuset>", cpuset, tmp, error))
			return FALSE;
		def->vcpu_cpuset = g_steal_pointer(&cpuset);
	}
	return TRUE;
}

static gboolean parse_cputune(AcrnVmDef *def, xmlNode *n, GPtrArray *pins, GError **error)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		g_autofree char *vcpu = NULL, *cpuset = NULL;
		guint64 idx;

		if (!is_elem(c))
			continue;
		if (!name_is(c, "vcpupin"))
			continue; /* shares, period, emulatorpin: scheduler hints ACRN lacks */
		vcpu = prop(c, "vcpu");
		cpuset = prop(c, "cpuset");
		if (!vcpu || !g_ascii_string_to_unsigned(vcpu, 10, 0, MAX_VCPUS - 1, &idx, NULL))
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "<cputune><vcpupin>: attribute vcpu '%s' is not a vCPU "
					 "index",
					 vcpu ? vcpu : "");
		if (!cpuset)
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "<cputune><vcpupin vcpu='%s'>: missing attribute cpuset",
					 vcpu);
		if (pins->len <= idx)
			g_ptr_array_set_size(pins, (guint)idx + 1);
		if (pins->pdata[idx])
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "<cputune><vcpupin>: vCPU %s is pinned twice", vcpu);
		pins->pdata[idx] = g_steal_pointer(&cpuset);
	}
	return TRUE;
}

static gboolean parse_disk(AcrnVmDef *def, xmlNode *n, GError **error)
{
	g_autofree char *type = prop(n, "type");
	g_autofree char *device = prop(n, "device");
	AcrnVmDisk *d;
	g_autofree char *where = NULL;

	if (device && strcmp(device, "disk") != 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<disk>: device '%s' is not supported (only 'disk' via "
				 "virtio-blk)",
				 device);
	if (type && strcmp(type, "file") != 0 && strcmp(type, "block") != 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<disk>: type '%s' is not supported (only 'file' or 'block')",
				 type);
	if (def->disks->len >= MAX_DISKS)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<disk>: more than %d disks",
				 MAX_DISKS);
	d = g_new0(AcrnVmDisk, 1);
	g_ptr_array_add(def->disks, d);
	d->pci_slot = -1;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (name_is(c, "source")) {
			d->source = prop(c, g_strcmp0(type, "block") == 0 ? "dev" : "file");
		} else if (name_is(c, "target")) {
			g_autofree char *bus = prop(c, "bus");

			d->target = prop(c, "dev");
			if (bus && strcmp(bus, "virtio") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<disk><target>: bus '%s' is not supported (only "
						 "'virtio')",
						 bus);
		} else if (name_is(c, "readonly")) {
			d->readonly = TRUE;
		} else if (name_is(c, "driver")) {
			g_autofree char *fmt = prop(c, "type");

			if (fmt && strcmp(fmt, "raw") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<disk><driver>: format '%s' is not supported "
						 "(acrn-dm reads raw images only)",
						 fmt);
		}
	}
	if (!d->target || !*d->target)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<disk><target>: missing attribute dev");
	where = g_strdup_printf("<disk> '%s' <source>", d->target);
	if (d->source && !acrn_vm_def_check_path(where, d->source, error))
		return FALSE;
	for (guint i = 0; i + 1 < def->disks->len; i++)
		if (strcmp(((AcrnVmDisk *)def->disks->pdata[i])->target, d->target) == 0)
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "<disk><target>: dev '%s' is used twice", d->target);
	g_free(where);
	where = g_strdup_printf("<disk> '%s'", d->target);
	return parse_pci_address(where, n, &d->pci_slot, error);
}

static gboolean valid_mac(const char *s)
{
	if (strlen(s) != 17)
		return FALSE;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (s[i] != ':')
				return FALSE;
		} else if (!g_ascii_isxdigit(s[i])) {
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean parse_interface(AcrnVmDef *def, xmlNode *n, GError **error)
{
	g_autofree char *type = prop(n, "type");
	AcrnVmNet *net;

	if (g_strcmp0(type, "bridge") != 0 && g_strcmp0(type, "ethernet") != 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<interface>: type '%s' is not supported (only 'bridge' or "
				 "'ethernet')",
				 type ? type : "");
	if (def->nets->len >= MAX_NETS)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<interface>: more than %d interfaces", MAX_NETS);
	net = g_new0(AcrnVmNet, 1);
	g_ptr_array_add(def->nets, net);
	net->type = strcmp(type, "bridge") == 0 ? ACRN_VM_NET_BRIDGE : ACRN_VM_NET_ETHERNET;
	net->pci_slot = -1;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (name_is(c, "source")) {
			g_free(net->bridge);
			net->bridge = prop(c, "bridge");
		} else if (name_is(c, "target")) {
			g_free(net->tap);
			net->tap = prop(c, "dev");
		} else if (name_is(c, "mac")) {
			g_autofree char *mac = prop(c, "address");

			if (!mac || !valid_mac(mac))
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<interface><mac>: address '%s' is not a MAC "
						 "address",
						 mac ? mac : "");
			net->mac = g_ascii_strdown(mac, -1);
			if (g_ascii_xdigit_value(net->mac[1]) & 1)
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<interface><mac>: address '%s' is a multicast "
						 "address",
						 net->mac);
		} else if (name_is(c, "model")) {
			g_autofree char *model = prop(c, "type");

			if (g_strcmp0(model, "virtio") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<interface><model>: type '%s' is not supported "
						 "(only 'virtio')",
						 model ? model : "");
		}
	}
	if (net->type == ACRN_VM_NET_BRIDGE && (!net->bridge || !*net->bridge))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<interface type='bridge'><source>: missing attribute bridge");
	if (!net->tap || !*net->tap)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<interface><target>: missing attribute dev (acrn-dm opens an "
				 "existing tap device by name)");
	if (strlen(net->tap) > 15 || strchr(net->tap, '/') || strchr(net->tap, ',') ||
	    strchr(net->tap, '='))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<interface><target>: dev '%s' is not a valid interface name",
				 net->tap);
	for (guint i = 0; i + 1 < def->nets->len; i++)
		if (strcmp(((AcrnVmNet *)def->nets->pdata[i])->tap, net->tap) == 0)
			return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
					 "<interface><target>: dev '%s' is used twice", net->tap);
	return parse_pci_address("<interface>", n, &net->pci_slot, error);
}

static gboolean parse_serial(AcrnVmDef *def, xmlNode *n, GError **error)
{
	gboolean is_console = name_is(n, "console");
	const char *el = is_console ? "console" : "serial";
	g_autofree char *type = prop(n, "type");
	AcrnVmConsole con = {0};

	if (!type)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<%s>: missing attribute type",
				 el);
	if (strcmp(type, "pty") == 0)
		con.type = ACRN_VM_CONSOLE_PTY;
	else if (strcmp(type, "stdio") == 0)
		con.type = ACRN_VM_CONSOLE_STDIO;
	else if (strcmp(type, "file") == 0)
		con.type = ACRN_VM_CONSOLE_FILE;
	else if (strcmp(type, "tcp") == 0)
		con.type = ACRN_VM_CONSOLE_TCP;
	else
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<%s>: type '%s' is not supported (pty, stdio, file or tcp)", el,
				 type);
	con.from_console = is_console;
	/* libvirt would also copy the output to this file; acrn-dm's COM1 has
	 * one backend, and ignoring the file would lose the output silently. */
	for (xmlNode *c = n->children; c; c = c->next)
		if (name_is(c, "log"))
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "<%s><log>: acrn-dm cannot also copy the console to a "
					 "file (use <%s type='file'>)",
					 el, el);
	for (xmlNode *c = n->children; c; c = c->next) {
		if (name_is(c, "source")) {
			if (con.type == ACRN_VM_CONSOLE_FILE) {
				g_free(con.path);
				con.path = prop(c, "path");
			} else if (con.type == ACRN_VM_CONSOLE_TCP) {
				g_autofree char *mode = prop(c, "mode");
				g_autofree char *service = prop(c, "service");
				guint64 port;

				if (mode && strcmp(mode, "bind") != 0) {
					g_free(con.path);
					g_free(con.host);
					return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
							 "<%s><source>: mode '%s' is not supported "
							 "(acrn-dm only listens: 'bind')",
							 el, mode);
				}
				if (!g_ascii_string_to_unsigned(service, 10, 1, 65535, &port,
								NULL)) {
					g_free(con.path);
					g_free(con.host);
					return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
							 "<%s><source>: service '%s' is not a TCP "
							 "port",
							 el, service ? service : "");
				}
				con.port = (guint)port;
				g_free(con.host);
				con.host = prop(c, "host");
			}
		} else if (name_is(c, "target") && !is_console) {
			g_autofree char *port = prop(c, "port");

			if (port && strcmp(port, "0") != 0) {
				g_free(con.path);
				g_free(con.host);
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<serial><target>: port '%s' is not supported "
						 "(only port 0 = COM1)",
						 port);
			}
		}
	}
	if (con.type == ACRN_VM_CONSOLE_FILE &&
	    !acrn_vm_def_check_path("<serial type='file'><source>", con.path, error)) {
		g_free(con.path);
		g_free(con.host);
		return FALSE;
	}
	if (con.type == ACRN_VM_CONSOLE_TCP && con.port == 0)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<%s type='tcp'>: missing <source service=...>", el);
	if (def->console.type != ACRN_VM_CONSOLE_NONE) {
		/* libvirt writes a <console> mirroring the first <serial>. */
		gboolean mirror =
		    (is_console || def->console.from_console) && def->console.type == con.type;

		g_free(con.path);
		g_free(con.host);
		if (mirror) {
			def->console.from_console = FALSE;
			return TRUE;
		}
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<%s>: only one serial port (COM1) is supported", el);
	}
	def->console = con;
	return TRUE;
}

/* <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
 * (what Nova and virt-install write) is acrn-dm's virtio-rnd, which reads
 * getrandom(): the same source as /dev/urandom, and as /dev/random on the
 * Linux versions a Service VM runs.  What acrn-dm cannot do is refused. */
static gboolean parse_rng(AcrnVmDef *def, xmlNode *n, GError **error)
{
	g_autofree char *model = prop(n, "model");

	if (def->rng)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<rng>: only one random number device is supported");
	if (g_strcmp0(model, "virtio") != 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<rng>: model '%s' is not supported (only 'virtio')",
				 model ? model : "");
	for (xmlNode *c = n->children; c; c = c->next) {
		if (!is_elem(c) || name_is(c, "address"))
			continue;
		if (name_is(c, "backend")) {
			g_autofree char *bmodel = prop(c, "model");
			g_autofree char *dev = text(c);

			if (g_strcmp0(bmodel, "builtin") == 0)
				continue;
			if (g_strcmp0(bmodel, "random") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<rng><backend>: model '%s' is not supported "
						 "(acrn-dm feeds the device from getrandom(): "
						 "'random' or 'builtin')",
						 bmodel ? bmodel : "");
			if (*dev && strcmp(dev, "/dev/urandom") != 0 &&
			    strcmp(dev, "/dev/random") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
						 "<rng><backend>: source '%s' is not supported "
						 "(acrn-dm reads getrandom(), i.e. /dev/urandom)",
						 dev);
		} else {
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "<rng>: element <%s> is not supported (acrn-dm's "
					 "virtio-rnd has no rate limit or other options)",
					 c->name);
		}
	}
	def->rng = TRUE;
	return parse_pci_address("<rng>", n, &def->rng_pci_slot, error);
}

static gboolean parse_devices(AcrnVmDef *def, xmlNode *n, GError **error)
{
	/* Devices libvirt adds by default that mean nothing for acrn-dm; they
	 * are accepted and dropped so Nova/virt-install XML can pass through. */
	static const char *const ignored[] = {"emulator", "controller", "input", "graphics",
					      "video",	  "memballoon", NULL};

	for (xmlNode *c = n->children; c; c = c->next) {
		gboolean ok = TRUE;

		if (!is_elem(c))
			continue;
		if (name_is(c, "disk"))
			ok = parse_disk(def, c, error);
		else if (name_is(c, "interface"))
			ok = parse_interface(def, c, error);
		else if (name_is(c, "serial") || name_is(c, "console"))
			ok = parse_serial(def, c, error);
		else if (name_is(c, "rng"))
			ok = parse_rng(def, c, error);
		else if (!g_strv_contains(ignored, (const char *)c->name))
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "<devices>: unsupported device <%s>", c->name);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

/* <acrn:host-shutdown action='shutdown|leave' timeout='SEC'/> */
static gboolean parse_host_shutdown(AcrnVmDef *def, xmlNode *c, GError **error)
{
	g_autofree char *action = prop(c, "action");
	g_autofree char *timeout = prop(c, "timeout");
	guint64 t = 0;

	if (def->host_shutdown != ACRN_VM_HOST_SHUTDOWN_DEFAULT)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<metadata>: more than one <acrn:host-shutdown>");
	if (g_strcmp0(action, "shutdown") == 0)
		def->host_shutdown = ACRN_VM_HOST_SHUTDOWN_SHUTDOWN;
	else if (g_strcmp0(action, "leave") == 0)
		def->host_shutdown = ACRN_VM_HOST_SHUTDOWN_LEAVE;
	else
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<acrn:host-shutdown>: attribute action must be 'shutdown' or "
				 "'leave'");
	/* 0 would be "no time at all"; an absent timeout means acrnd's. */
	if (timeout && !g_ascii_string_to_unsigned(timeout, 10, 1, 3600, &t, NULL))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<acrn:host-shutdown>: timeout '%s' is not an integer in 1..3600",
				 timeout);
	def->host_shutdown_timeout_sec = (guint)t;
	return TRUE;
}

static gboolean parse_metadata(AcrnVmDef *def, xmlDoc *doc, xmlNode *n, GError **error)
{
	g_autoptr(GString) foreign = g_string_new(NULL);

	for (xmlNode *c = n->children; c; c = c->next) {
		if (!is_elem(c))
			continue;
		if (c->ns && strcmp((const char *)c->ns->href, ACRN_VM_DEF_NAMESPACE) == 0) {
			g_autofree char *enabled = NULL, *order = NULL;
			gint64 o;

			if (strcmp((const char *)c->name, "host-shutdown") == 0) {
				if (!parse_host_shutdown(def, c, error))
					return FALSE;
				continue;
			}
			if (strcmp((const char *)c->name, "autostart") != 0)
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<metadata>: unknown acrn element <%s>", c->name);
			enabled = prop(c, "enabled");
			order = prop(c, "order");
			def->autostart_set = TRUE;
			if (g_strcmp0(enabled, "yes") == 0)
				def->autostart = TRUE;
			else if (g_strcmp0(enabled, "no") == 0)
				def->autostart = FALSE;
			else
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<acrn:autostart>: attribute enabled must be "
						 "'yes' or 'no'");
			if (order) {
				if (!g_ascii_string_to_signed(order, 10, -10000, 10000, &o, NULL))
					return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
							 "<acrn:autostart>: order '%s' is not "
							 "an integer in -10000..10000",
							 order);
				def->autostart_order = (int)o;
			}
		} else {
			xmlBufferPtr buf = xmlBufferCreate();

			xmlNodeDump(buf, doc, c, 0, 0);
			g_string_append_len(foreign, (const char *)xmlBufferContent(buf),
					    xmlBufferLength(buf));
			g_string_append_c(foreign, '\n');
			xmlBufferFree(buf);
		}
	}
	if (foreign->len)
		def->foreign_metadata = g_string_free(g_steal_pointer(&foreign), FALSE);
	return TRUE;
}

/* Combine <vcpu cpuset> and per-vCPU pins into the affinity list. */
static gboolean finish_cpus(AcrnVmDef *def, GPtrArray *pins, GError **error)
{
	gboolean set[MAX_HOST_CPU + 1] = {FALSE};
	gboolean any = FALSE;

	if (pins->len > def->vcpus)
		for (guint i = def->vcpus; i < pins->len; i++)
			if (pins->pdata[i])
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<cputune><vcpupin>: vCPU %u does not exist "
						 "(<vcpu> is %u)",
						 i, def->vcpus);
	for (guint i = 0; i < pins->len; i++) {
		g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));
		g_autofree char *where = NULL;

		if (!pins->pdata[i])
			continue;
		where = g_strdup_printf("<cputune><vcpupin vcpu='%u'>", i);
		if (!parse_cpuset(where, pins->pdata[i], cpus, error))
			return FALSE;
		for (guint j = 0; j < cpus->len; j++)
			set[g_array_index(cpus, guint, j)] = any = TRUE;
	}
	if (!any && def->vcpu_cpuset) {
		g_autoptr(GArray) cpus = g_array_new(FALSE, FALSE, sizeof(guint));

		if (!parse_cpuset("<vcpu cpuset>", def->vcpu_cpuset, cpus, error))
			return FALSE;
		for (guint j = 0; j < cpus->len; j++)
			set[g_array_index(cpus, guint, j)] = TRUE;
	}
	for (guint c = 0; c <= MAX_HOST_CPU; c++)
		if (set[c])
			g_array_append_val(def->cpu_affinity, c);
	g_ptr_array_set_size(pins, MIN(pins->len, def->vcpus));
	for (guint i = 0; i < pins->len; i++)
		g_ptr_array_add(def->vcpupin, g_strdup(pins->pdata[i]));
	/* ACRN runs each vCPU on its own physical CPU. */
	if (def->cpu_affinity->len && def->cpu_affinity->len < def->vcpus)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<vcpu>: %u vCPUs but only %u host CPUs in the pinning "
				 "(ACRN needs one physical CPU per vCPU)",
				 def->vcpus, def->cpu_affinity->len);
	return TRUE;
}

static gboolean parse_domain(AcrnVmDef *def, xmlDoc *doc, xmlNode *root, GError **error)
{
	static const char *const ignored[] = {
	    "features",	 "clock",	   "cpu",      "pm",
	    "resource",	 "sysinfo",	   "seclabel", "memoryBacking",
	    "iothreads", "on_lockfailure", NULL};
	g_autofree char *type = NULL;
	g_autoptr(GPtrArray) pins = g_ptr_array_new_with_free_func(g_free);
	gboolean have_memory = FALSE, have_current = FALSE, have_os = FALSE;
	gboolean ok = TRUE;
	const char *dup;

	if (!name_is(root, "domain"))
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "root element is <%s>, expected <domain>", root->name);
	type = prop(root, "type");
	if (g_strcmp0(type, "acrn") != 0)
		return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
				 "<domain>: attribute type must be 'acrn', not '%s'",
				 type ? type : "");
	dup = acrn_xml_duplicate_child(root, acrn_xml_domain_singletons);
	if (dup)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<domain>: more than one <%s>",
				 dup);

	for (xmlNode *c = root->children; c && ok; c = c->next) {
		if (!is_elem(c))
			continue;
		if (name_is(c, "name")) {
			const char *why;

			g_free(def->name);
			def->name = text(c);
			if (!acrn_vm_name_is_valid(def->name, &why))
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<name>: '%s' %s", def->name, why);
		} else if (name_is(c, "uuid")) {
			g_autofree char *u = text(c);

			if (!acrn_vm_uuid_normalize(u, def->uuid))
				return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
						 "<uuid>: '%s' is not a UUID", u);
		} else if (name_is(c, "title")) {
			g_free(def->title);
			def->title = text(c);
		} else if (name_is(c, "description")) {
			g_free(def->description);
			def->description = text(c);
		} else if (name_is(c, "metadata")) {
			ok = parse_metadata(def, doc, c, error);
		} else if (name_is(c, "memory")) {
			ok = parse_memory(c, &def->memory_bytes, error);
			have_memory = TRUE;
		} else if (name_is(c, "currentMemory")) {
			ok = parse_memory(c, &def->current_memory_bytes, error);
			have_current = TRUE;
		} else if (name_is(c, "vcpu")) {
			ok = parse_vcpu(def, c, error);
		} else if (name_is(c, "cputune")) {
			ok = parse_cputune(def, c, pins, error);
		} else if (name_is(c, "os")) {
			ok = parse_os(def, c, error);
			have_os = TRUE;
		} else if (name_is(c, "on_poweroff")) {
			ok = parse_action(c, &def->on_poweroff, error);
		} else if (name_is(c, "on_reboot")) {
			ok = parse_action(c, &def->on_reboot, error);
		} else if (name_is(c, "on_crash")) {
			ok = parse_action(c, &def->on_crash, error);
		} else if (name_is(c, "devices")) {
			ok = parse_devices(def, c, error);
		} else if (!g_strv_contains(ignored, (const char *)c->name)) {
			return set_error(error, ACRN_VM_DEF_ERROR_UNSUPPORTED,
					 "<domain>: unsupported element <%s>", c->name);
		}
	}
	if (!ok)
		return FALSE;

	if (!def->name)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<name>: missing");
	if (!have_memory)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID, "<memory>: missing");
	if (def->memory_bytes < MIN_MEMORY_BYTES)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<memory>: %" G_GUINT64_FORMAT
				 " bytes is below acrn-dm's minimum of 128 MiB",
				 def->memory_bytes);
	if (!have_current)
		def->current_memory_bytes = def->memory_bytes;
	if (def->current_memory_bytes > def->memory_bytes)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<currentMemory>: larger than <memory>");
	if (!have_os)
		return set_error(error, ACRN_VM_DEF_ERROR_INVALID,
				 "<os>: missing (needs <kernel> or <loader>)");
	if (!finish_cpus(def, pins, error))
		return FALSE;
	if (!def->uuid[0]) {
		uuid_t u;

		uuid_generate_random(u);
		uuid_unparse_lower(u, def->uuid);
		def->uuid_generated = TRUE;
	}
	return TRUE;
}

AcrnVmDef *acrn_vm_def_parse(const char *xml, gssize len, GError **error)
{
	g_autoptr(AcrnVmDef) def = NULL;
	g_autoptr(GError) xerr = NULL;
	xmlDoc *doc;
	gboolean ok;

	if (!xml) {
		set_error(error, ACRN_VM_DEF_ERROR_XML, "no XML given");
		return NULL;
	}
	if (len < 0)
		len = (gssize)strlen(xml);
	/* Bounded before parsing, no network, no DTD or entities: definitions
	 * come from unprivileged clients through the bus. */
	doc = acrn_xml_read(xml, len, &xerr);
	if (!doc) {
		set_error(error, ACRN_VM_DEF_ERROR_XML, "%s%s",
			  g_error_matches(xerr, ACRN_XML_ERROR, ACRN_XML_ERROR_MALFORMED)
			      ? "malformed XML: "
			      : "definition refused: ",
			  xerr->message);
		return NULL;
	}
	def = acrn_vm_def_new();
	ok = parse_domain(def, doc, xmlDocGetRootElement(doc), error);
	xmlFreeDoc(doc);
	if (!ok)
		return NULL;
	return g_steal_pointer(&def);
}

/* ---- serialization ---- */

static void append_elem(GString *s, const char *indent, const char *name, const char *value)
{
	g_autofree char *esc = NULL;

	if (!value)
		return;
	esc = g_markup_escape_text(value, -1);
	g_string_append_printf(s, "%s<%s>%s</%s>\n", indent, name, esc, name);
}

static void append_slot(GString *s, int slot)
{
	if (slot >= 0)
		g_string_append_printf(s,
				       "      <address type='pci' domain='0x0000' bus='0x00' "
				       "slot='0x%02x' function='0x0'/>\n",
				       slot);
}

static void append_console(GString *s, const AcrnVmConsole *c, const char *el)
{
	static const char *const names[] = {"", "pty", "stdio", "file", "tcp"};
	g_autofree char *esc = NULL;

	g_string_append_printf(s, "    <%s type='%s'>\n", el, names[c->type]);
	if (c->type == ACRN_VM_CONSOLE_FILE) {
		esc = g_markup_escape_text(c->path, -1);
		g_string_append_printf(s, "      <source path='%s'/>\n", esc);
	} else if (c->type == ACRN_VM_CONSOLE_TCP) {
		if (c->host) {
			esc = g_markup_escape_text(c->host, -1);
			g_string_append_printf(
			    s, "      <source mode='bind' host='%s' service='%u'/>\n", esc,
			    c->port);
		} else {
			g_string_append_printf(s, "      <source mode='bind' service='%u'/>\n",
					       c->port);
		}
	}
	if (strcmp(el, "serial") == 0)
		g_string_append(s, "      <target port='0'/>\n");
	else
		g_string_append(s, "      <target type='serial' port='0'/>\n");
	g_string_append_printf(s, "    </%s>\n", el);
}

char *acrn_vm_def_to_xml(const AcrnVmDef *def)
{
	GString *s = g_string_new("<domain type='acrn'>\n");
	g_autofree char *esc = NULL;

	append_elem(s, "  ", "name", def->name);
	append_elem(s, "  ", "uuid", def->uuid);
	append_elem(s, "  ", "title", def->title);
	append_elem(s, "  ", "description", def->description);
	if (def->autostart || def->autostart_order || def->foreign_metadata ||
	    def->host_shutdown != ACRN_VM_HOST_SHUTDOWN_DEFAULT) {
		g_string_append(s, "  <metadata>\n");
		if (def->foreign_metadata)
			g_string_append(s, def->foreign_metadata);
		g_string_append_printf(s,
				       "    <acrn:autostart xmlns:acrn='%s' enabled='%s' "
				       "order='%d'/>\n",
				       ACRN_VM_DEF_NAMESPACE, def->autostart ? "yes" : "no",
				       def->autostart_order);
		if (def->host_shutdown != ACRN_VM_HOST_SHUTDOWN_DEFAULT) {
			g_string_append_printf(
			    s, "    <acrn:host-shutdown xmlns:acrn='%s' action='%s'",
			    ACRN_VM_DEF_NAMESPACE,
			    def->host_shutdown == ACRN_VM_HOST_SHUTDOWN_LEAVE ? "leave"
									      : "shutdown");
			if (def->host_shutdown_timeout_sec)
				g_string_append_printf(s, " timeout='%u'",
						       def->host_shutdown_timeout_sec);
			g_string_append(s, "/>\n");
		}
		g_string_append(s, "  </metadata>\n");
	}
	g_string_append_printf(s, "  <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n",
			       (def->memory_bytes + 1023) / 1024);
	g_string_append_printf(
	    s, "  <currentMemory unit='KiB'>%" G_GUINT64_FORMAT "</currentMemory>\n",
	    (def->current_memory_bytes + 1023) / 1024);
	if (def->vcpu_cpuset) {
		esc = g_markup_escape_text(def->vcpu_cpuset, -1);
		g_string_append_printf(s, "  <vcpu placement='static' cpuset='%s'>%u</vcpu>\n", esc,
				       def->vcpus);
	} else {
		g_string_append_printf(s, "  <vcpu placement='static'>%u</vcpu>\n", def->vcpus);
	}
	if (def->vcpupin->len) {
		g_string_append(s, "  <cputune>\n");
		for (guint i = 0; i < def->vcpupin->len; i++) {
			g_autofree char *c = NULL;

			if (!def->vcpupin->pdata[i])
				continue;
			c = g_markup_escape_text(def->vcpupin->pdata[i], -1);
			g_string_append_printf(s, "    <vcpupin vcpu='%u' cpuset='%s'/>\n", i, c);
		}
		g_string_append(s, "  </cputune>\n");
	}
	g_string_append(s, "  <os>\n    <type>hvm</type>\n");
	append_elem(s, "    ", "loader", def->loader);
	append_elem(s, "    ", "kernel", def->kernel);
	append_elem(s, "    ", "initrd", def->initrd);
	if (def->cmdline && *def->cmdline)
		append_elem(s, "    ", "cmdline", def->cmdline);
	g_string_append(s, "  </os>\n");
	append_elem(s, "  ", "on_poweroff", acrn_vm_action_to_string(def->on_poweroff));
	append_elem(s, "  ", "on_reboot", acrn_vm_action_to_string(def->on_reboot));
	append_elem(s, "  ", "on_crash", acrn_vm_action_to_string(def->on_crash));
	g_string_append(s, "  <devices>\n");
	for (guint i = 0; i < def->disks->len; i++) {
		const AcrnVmDisk *d = def->disks->pdata[i];
		g_autofree char *src = d->source ? g_markup_escape_text(d->source, -1) : NULL;
		g_autofree char *tgt = g_markup_escape_text(d->target, -1);

		g_string_append(s, "    <disk type='file' device='disk'>\n");
		g_string_append(s, "      <driver name='acrn-dm' type='raw'/>\n");
		if (src)
			g_string_append_printf(s, "      <source file='%s'/>\n", src);
		g_string_append_printf(s, "      <target dev='%s' bus='virtio'/>\n", tgt);
		if (d->readonly)
			g_string_append(s, "      <readonly/>\n");
		append_slot(s, d->pci_slot);
		g_string_append(s, "    </disk>\n");
	}
	for (guint i = 0; i < def->nets->len; i++) {
		const AcrnVmNet *n = def->nets->pdata[i];
		g_autofree char *tap = g_markup_escape_text(n->tap, -1);

		g_string_append_printf(s, "    <interface type='%s'>\n",
				       n->type == ACRN_VM_NET_BRIDGE ? "bridge" : "ethernet");
		if (n->mac)
			g_string_append_printf(s, "      <mac address='%s'/>\n", n->mac);
		if (n->bridge) {
			g_autofree char *br = g_markup_escape_text(n->bridge, -1);

			g_string_append_printf(s, "      <source bridge='%s'/>\n", br);
		}
		g_string_append_printf(s, "      <target dev='%s'/>\n", tap);
		g_string_append(s, "      <model type='virtio'/>\n");
		append_slot(s, n->pci_slot);
		g_string_append(s, "    </interface>\n");
	}
	if (def->console.type != ACRN_VM_CONSOLE_NONE)
		append_console(s, &def->console, def->console.from_console ? "console" : "serial");
	if (def->rng) {
		g_string_append(s, "    <rng model='virtio'>\n"
				   "      <backend model='random'>/dev/urandom</backend>\n");
		append_slot(s, def->rng_pci_slot);
		g_string_append(s, "    </rng>\n");
	}
	g_string_append(s, "  </devices>\n</domain>\n");
	return g_string_free(s, FALSE);
}
