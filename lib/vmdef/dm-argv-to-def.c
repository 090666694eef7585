/* acrn-dm command line -> VM definition; see dm-argv-to-def.h.
 * The option set is upstream acrn-dm's (docs/vm-definition.md maps each one). */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dm-argv-to-def.h"

/* Underscores: clang-format spaces out a dashed name ("dm - argv - ..."). */
G_DEFINE_QUARK(dm_argv_error_quark, dm_argv_error)

typedef enum {
	OPT_MEMSIZE,
	OPT_PCI_SLOT,
	OPT_LPC,
	OPT_KERNEL,
	OPT_RAMDISK,
	OPT_BOOTARGS,
	OPT_CPU_AFFINITY,
	OPT_OVMF,
	OPT_VCPUS,
	OPT_UUID,
	OPT_DROP,   /* accepted, ignored with a warning */
	OPT_REJECT, /* cannot be expressed: error */
} OptKind;

/* --mac_seed and virtio-net's mac_seed= follow one rule: dropped, value
 * unread (scripts compute it from the host's MAC at run time). */
#define MAC_SEED_WHY                                                                               \
	"cannot be kept: acrn-dm derives the guest's MAC address from it at run time, which a "    \
	"VM definition cannot express; the guest gets the MAC address acrn-dm picks without it "   \
	"(give one with mac= or <mac address>)"

typedef struct {
	const char *long_name; /* NULL if the option only has a short form */
	char short_name;       /* 0 if none */
	gboolean has_arg;
	OptKind kind;
	const char *why; /* for OPT_DROP and OPT_REJECT */
} DmOption;

static const DmOption dm_options[] = {
    {"memsize", 'm', TRUE, OPT_MEMSIZE, NULL},
    {"pci_slot", 's', TRUE, OPT_PCI_SLOT, NULL},
    {"lpc", 'l', TRUE, OPT_LPC, NULL},
    {"kernel", 'k', TRUE, OPT_KERNEL, NULL},
    {"ramdisk", 'r', TRUE, OPT_RAMDISK, NULL},
    {"bootargs", 'B', TRUE, OPT_BOOTARGS, NULL},
    {"cpu_affinity", 0, TRUE, OPT_CPU_AFFINITY, NULL},
    {"ovmf", 0, TRUE, OPT_OVMF, NULL},
    /* acrn-dm up to v1.3 took the vCPU count; later ones take it from
     * --cpu_affinity or the hypervisor's configuration. */
    {"ncpus", 'c', TRUE, OPT_VCPUS, NULL},

    /* acrn-dm itself ignores these. */
    {"acpi", 'A', FALSE, OPT_DROP, "is obsolete (ACPI is always enabled)"},
    {"mptgen", 'Y', FALSE, OPT_DROP, "is obsolete (acrn-dm always builds an MP table)"},
    {"ioc_node", 'i', TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"gvtargs", 'G', TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"vsbl", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"part_info", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"mac_seed", 0, TRUE, OPT_DROP, MAC_SEED_WHY},
    {"pm_by_vuart", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    /* acrnd provides these itself. */
    {"pm_notify_channel", 0, TRUE, OPT_DROP,
     "is not needed: acrnd stops the VM through its own control channel"},
    {"cmd_monitor", 0, TRUE, OPT_DROP,
     "is not needed: acrnd controls acrn-dm through its own control socket"},
    {"logger_setting", 0, TRUE, OPT_DROP, "is not kept: acrnd sets acrn-dm's logging"},
    {"iasl", 0, TRUE, OPT_DROP, "is not kept: acrn-dm finds iasl in its PATH"},

    {"elf_file", 'E', TRUE, OPT_REJECT,
     "(ELF/Multiboot kernels) cannot be expressed in a VM definition"},
    {"enable_trusty", 0, FALSE, OPT_REJECT,
     "(Trusty secure world) cannot be expressed in a VM definition"},
    {"virtio_poll", 0, TRUE, OPT_REJECT,
     "(virtio polling mode) cannot be expressed in a VM definition"},
    {"virtio_msi", 0, FALSE, OPT_REJECT, "cannot be expressed in a VM definition"},
    {"intr_monitor", 0, TRUE, OPT_REJECT,
     "(interrupt storm mitigation) cannot be expressed in a VM definition"},
    {"acpidev_pt", 0, TRUE, OPT_REJECT, "(ACPI device passthrough) is not supported"},
    {"mmiodev_pt", 0, TRUE, OPT_REJECT, "(MMIO device passthrough) is not supported"},
    {"vtpm2", 0, TRUE, OPT_REJECT, "(virtual TPM) is not supported"},
    {"lapic_pt", 0, FALSE, OPT_REJECT, "(LAPIC passthrough) is not supported"},
    {"rtvm", 0, FALSE, OPT_REJECT, "(real-time VM) is not supported"},
    {"ssram", 0, FALSE, OPT_REJECT, "(software SRAM) is not supported"},
    {"windows", 0, FALSE, OPT_REJECT, "(Windows guest tweaks) is not supported"},
    {"debugexit", 0, FALSE, OPT_REJECT, "(debug exit port) is not supported"},
    {"version", 'v', FALSE, OPT_REJECT, "only prints acrn-dm's version"},
    {"help", 'h', FALSE, OPT_REJECT, "only prints acrn-dm's usage"},
    /* acrn-dm before v2.7 took the VM's UUID (current ones refuse -U). */
    {NULL, 'U', TRUE, OPT_UUID, NULL},
};

static const DmOption *find_long(const char *name, gsize len)
{
	for (guint i = 0; i < G_N_ELEMENTS(dm_options); i++)
		if (dm_options[i].long_name && strlen(dm_options[i].long_name) == len &&
		    strncmp(dm_options[i].long_name, name, len) == 0)
			return &dm_options[i];
	return NULL;
}

static const DmOption *find_short(char c)
{
	for (guint i = 0; i < G_N_ELEMENTS(dm_options); i++)
		if (dm_options[i].short_name == c)
			return &dm_options[i];
	return NULL;
}

/* How the option was written, for messages: "-s" or "--pci_slot". */
typedef struct {
	const DmOption *opt;
	char *spelling;
	char *value;
} ParsedOption;

static void parsed_option_clear(gpointer p)
{
	ParsedOption *o = p;

	g_free(o->spelling);
	g_free(o->value);
}

static gboolean fail(GError **error, DmArgvError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean fail(GError **error, DmArgvError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, DM_ARGV_ERROR, code, msg);
	return FALSE;
}

/* Splits argv into options (getopt_long style, with permutation) and
 * positional arguments. */
static gboolean split_argv(const char *const *argv, GArray *opts, GPtrArray *positional,
			   GError **error)
{
	gboolean only_positional = FALSE;

	for (guint i = 1; argv[i]; i++) {
		const char *a = argv[i];

		if (only_positional || a[0] != '-' || a[1] == '\0') {
			g_ptr_array_add(positional, g_strdup(a));
		} else if (strcmp(a, "--") == 0) {
			only_positional = TRUE;
		} else if (a[1] == '-') {
			const char *name = a + 2;
			const char *eq = strchr(name, '=');
			gsize len = eq ? (gsize)(eq - name) : strlen(name);
			const DmOption *opt = find_long(name, len);
			ParsedOption po = {0};

			if (!opt)
				return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
					    "unknown acrn-dm option '--%.*s'", (int)len, name);
			po.opt = opt;
			po.spelling = g_strdup_printf("--%s", opt->long_name);
			if (opt->has_arg) {
				if (eq) {
					po.value = g_strdup(eq + 1);
				} else if (argv[i + 1]) {
					po.value = g_strdup(argv[++i]);
				} else {
					g_free(po.spelling);
					return fail(error, DM_ARGV_ERROR_INVALID,
						    "acrn-dm option '--%s' needs a value",
						    opt->long_name);
				}
			} else if (eq) {
				g_free(po.spelling);
				return fail(error, DM_ARGV_ERROR_INVALID,
					    "acrn-dm option '--%s' takes no value", opt->long_name);
			}
			g_array_append_val(opts, po);
		} else {
			/* A cluster of short options, e.g. "-A" or "-m2G". */
			for (const char *c = a + 1; *c; c++) {
				const DmOption *opt = find_short(*c);
				ParsedOption po = {0};

				if (!opt)
					return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
						    "unknown acrn-dm option '-%c'", *c);
				po.opt = opt;
				po.spelling = g_strdup_printf("-%c", *c);
				if (opt->has_arg) {
					if (c[1]) {
						po.value = g_strdup(c + 1);
					} else if (argv[i + 1]) {
						po.value = g_strdup(argv[++i]);
					} else {
						g_free(po.spelling);
						return fail(error, DM_ARGV_ERROR_INVALID,
							    "acrn-dm option '-%c' needs a value",
							    *c);
					}
					g_array_append_val(opts, po);
					break;
				}
				g_array_append_val(opts, po);
			}
		}
	}
	return TRUE;
}

/* acrn-dm's -m: a number with an optional K/M/G/T suffix; a bare number
 * below 1 MiB means MiB (acrn-dm inherited this from bhyve). */
static gboolean parse_memsize(const char *s, guint64 *bytes)
{
	char *end = NULL;
	guint64 n;
	guint shift = 0;

	if (!g_ascii_isdigit(*s))
		return FALSE;
	errno = 0;
	n = g_ascii_strtoull(s, &end, 10);
	if (errno)
		return FALSE;
	switch (g_ascii_tolower(*end)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return FALSE;
	}
	if (*end) {
		end++;
		if (g_ascii_tolower(*end) == 'i')
			end++;
		if (g_ascii_tolower(*end) == 'b')
			end++;
		if (*end)
			return FALSE;
	} else if (n < (1u << 20)) {
		shift = 20;
	}
	if (shift && n > (G_MAXUINT64 >> shift))
		return FALSE;
	*bytes = n << shift;
	return TRUE;
}

/* "bus:slot:func", "slot:func" or "slot" (decimal). */
static gboolean parse_pci_location(const char *s, int *bus, int *slot, int *func)
{
	g_auto(GStrv) parts = g_strsplit(s, ":", -1);
	guint n = g_strv_length(parts);
	int vals[3] = {0, 0, 0};

	if (n < 1 || n > 3)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		guint64 v;

		if (!g_ascii_string_to_unsigned(parts[i], 10, 0, 255, &v, NULL))
			return FALSE;
		vals[i] = (int)v;
	}
	if (n == 3) {
		*bus = vals[0];
		*slot = vals[1];
		*func = vals[2];
	} else {
		*bus = 0;
		*slot = vals[0];
		*func = n == 2 ? vals[1] : 0;
	}
	return *slot <= 31 && *func <= 7;
}

static void warn(GPtrArray *warnings, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void warn(GPtrArray *warnings, const char *fmt, ...)
{
	va_list ap;

	if (!warnings)
		return;
	va_start(ap, fmt);
	g_ptr_array_add(warnings, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

/* What the conversion needs besides the definition being built. */
typedef struct {
	const DmArgvToDefOptions *opts;
	GPtrArray *warnings;
	gboolean vcpus_from_c; /* -c gave the vCPU count */
	gboolean uuid_from_u;  /* -U gave the UUID */
} Ctx;

/* @s with its placeholders (see DM_ARGV_UNKNOWN_MARK) shown as "<?>". */
static char *shown(const char *s)
{
	GString *out = g_string_new(NULL);

	for (const char *p = s; *p; p++) {
		if (*p == DM_ARGV_UNKNOWN_MARK) {
			const char *q = strchr(p + 1, DM_ARGV_UNKNOWN_MARK);

			g_string_append(out, "<?>");
			p = q ? q : p + strlen(p) - 1;
		} else {
			g_string_append_c(out, *p);
		}
	}
	return g_string_free(out, FALSE);
}

/* Fails if @value contains a value only known at run time, naming @what
 * and the reason. */
static gboolean known(Ctx *ctx, const char *value, const char *what, GError **error)
{
	const char *m = strchr(value, DM_ARGV_UNKNOWN_MARK);
	GPtrArray *reasons = ctx->opts ? ctx->opts->unknown_reasons : NULL;
	guint64 i;

	if (!m)
		return TRUE;
	i = g_ascii_strtoull(m + 1, NULL, 10);
	return fail(error, DM_ARGV_ERROR_UNKNOWN_VALUE, "cannot determine %s: %s", what,
		    reasons && i < reasons->len ? (const char *)reasons->pdata[i]
						: "it is only known at run time");
}

/* Relative paths are resolved against the script's directory: acrnd does
 * not run in it. */
static char *resolve_path(Ctx *ctx, const char *what, const char *path, GError **error)
{
	char *abs;

	if (g_path_is_absolute(path))
		return g_strdup(path);
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0')) {
		if (!ctx->opts || !ctx->opts->home) {
			fail(error, DM_ARGV_ERROR_INVALID,
			     "%s: '~' depends on the user who runs the script; use an absolute "
			     "path",
			     what);
			return NULL;
		}
		abs = g_canonicalize_filename(path[1] ? path + 2 : ".", ctx->opts->home);
		warn(ctx->warnings,
		     "%s: '%s' resolved to %s (the home directory of the user "
		     "running acrnctl)",
		     what, path, abs);
		return abs;
	}
	if (!ctx->opts || !ctx->opts->base_dir) {
		if (ctx->opts && ctx->opts->base_dir_unknown)
			fail(error, DM_ARGV_ERROR_UNKNOWN_VALUE,
			     "%s: cannot resolve the relative path '%s': %s", what, path,
			     ctx->opts->base_dir_unknown);
		else
			fail(error, DM_ARGV_ERROR_INVALID,
			     "%s: the relative path '%s' needs a directory", what, path);
		return NULL;
	}
	abs = g_canonicalize_filename(path, ctx->opts->base_dir);
	warn(ctx->warnings, "%s: relative path '%s' resolved to %s", what, path, abs);
	return abs;
}

static gboolean add_disk(Ctx *ctx, AcrnVmDef *def, const ParsedOption *po, int slot, GStrv cfg,
			 GError **error)
{
	g_autofree char *what = shown(po->value);
	g_autofree char *where = NULL;
	g_autofree char *path = NULL;
	gboolean readonly = FALSE;
	guint first = 0;
	AcrnVmDisk *d;

	where = g_strdup_printf("%s %s", po->spelling, what);
	/* virtio-blk,b,PATH: "bootable", read by vSBL only (acrn-dm through
	 * v3.x accepts it before the path). */
	if (cfg[0] && strcmp(cfg[0], "b") == 0 && cfg[1]) {
		warn(ctx->warnings,
		     "%s: the boot flag 'b' is dropped (only the removed vSBL read it)", where);
		first = 1;
	}
	if (!cfg[first] || !*cfg[first])
		return fail(error, DM_ARGV_ERROR_INVALID, "%s: virtio-blk needs a file or 'nodisk'",
			    where);
	if (!known(ctx, cfg[first], where, error))
		return FALSE;
	for (guint i = first + 1; cfg[i]; i++) {
		if (strcmp(cfg[i], "ro") != 0)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: virtio-blk option '%s' cannot be expressed in a VM "
				    "definition (only 'ro' can)",
				    where, cfg[i]);
		readonly = TRUE;
	}
	if (def->disks->len >= 26)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED, "%s: too many disks", where);
	if (strcmp(cfg[first], "nodisk") != 0) {
		path = resolve_path(ctx, where, cfg[first], error);
		if (!path)
			return FALSE;
	}
	d = g_new0(AcrnVmDisk, 1);
	d->source = g_steal_pointer(&path);
	d->target = g_strdup_printf("vd%c", 'a' + def->disks->len);
	d->readonly = readonly;
	d->pci_slot = slot;
	g_ptr_array_add(def->disks, d);
	return TRUE;
}

static gboolean add_net(Ctx *ctx, AcrnVmDef *def, const ParsedOption *po, int slot, GStrv cfg,
			GError **error)
{
	g_autofree char *where = NULL;
	g_autofree char *what = shown(po->value);
	g_autofree char *tap = NULL;
	g_autofree char *mac = NULL;
	AcrnVmNet *n;

	where = g_strdup_printf("%s %s", po->spelling, what);
	for (guint i = 0; cfg[i]; i++) {
		if (g_str_has_prefix(cfg[i], "mac_seed=")) {
			warn(ctx->warnings, "%s: virtio-net option mac_seed= %s; dropped", where,
			     MAC_SEED_WHY);
			continue;
		}
		if (!known(ctx, cfg[i], where, error))
			return FALSE;
		if (g_str_has_prefix(cfg[i], "tap=")) {
			g_free(tap);
			tap = g_strdup(cfg[i] + 4);
		} else if (g_str_has_prefix(cfg[i], "mac=")) {
			g_free(mac);
			mac = g_ascii_strdown(cfg[i] + 4, -1);
		} else if (i == 0 && !strchr(cfg[i], '=')) {
			tap = g_strdup(cfg[i]); /* pre-3.0 syntax: virtio-net,<tap> */
		} else {
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: virtio-net option '%s' cannot be expressed in a VM "
				    "definition (only tap= and mac= can)",
				    where, cfg[i]);
		}
	}
	if (!tap || !*tap)
		return fail(error, DM_ARGV_ERROR_INVALID, "%s: virtio-net needs a tap device",
			    where);
	n = g_new0(AcrnVmNet, 1);
	n->type = ACRN_VM_NET_ETHERNET;
	n->tap = g_steal_pointer(&tap);
	n->mac = g_steal_pointer(&mac);
	n->pci_slot = slot;
	g_ptr_array_add(def->nets, n);
	return TRUE;
}

static gboolean apply_pci_slot(Ctx *ctx, AcrnVmDef *def, const ParsedOption *po, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(po->value, ",", -1);
	g_autofree char *what = shown(po->value);
	g_autofree char *where = g_strdup_printf("%s %s", po->spelling, what);
	int bus, slot, func;
	const char *emul;

	if (!parts[0] || !parts[1])
		return fail(error, DM_ARGV_ERROR_INVALID,
			    "%s: expected <slot>,<device>[,<options>]", where);
	if (!known(ctx, parts[0], where, error) || !known(ctx, parts[1], where, error))
		return FALSE;
	if (!parse_pci_location(parts[0], &bus, &slot, &func))
		return fail(error, DM_ARGV_ERROR_INVALID, "%s: bad PCI location '%s'", where,
			    parts[0]);
	emul = parts[1];

	if (strcmp(emul, "hostbridge") == 0 || strcmp(emul, "lpc") == 0) {
		int expected = emul[0] == 'h' ? 0 : 1;

		if (bus != 0 || slot != expected || func != 0)
			warn(ctx->warnings, "%s: acrnd always puts the %s at 0:%d:0", where,
			     emul[0] == 'h' ? "host bridge" : "LPC bridge", expected);
		if (parts[2])
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: options for %s cannot be expressed in a VM definition",
				    where, emul);
		return TRUE;
	}
	if (strcmp(emul, "virtio-blk") == 0 || strcmp(emul, "virtio-net") == 0) {
		if (bus != 0 || func != 0)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: only function 0 on bus 0 can be expressed in a VM "
				    "definition",
				    where);
		if (emul[7] == 'b')
			return add_disk(ctx, def, po, slot, parts + 2, error);
		return add_net(ctx, def, po, slot, parts + 2, error);
	}
	/* VM definitions have no virtio console yet: the guest loses hvc0,
	 * not its serial console (COM1, -l com1). */
	if (strcmp(emul, "virtio-console") == 0) {
		warn(ctx->warnings,
		     "%s: virtio-console is not supported by VM definitions yet; dropped (the "
		     "guest has no hvc0 console: use COM1, <serial> / -l com1)",
		     where);
		return TRUE;
	}
	/* The same device as <rng model='virtio'> in domain XML. */
	if (strcmp(emul, "virtio-rnd") == 0) {
		if (bus != 0 || func != 0)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: only function 0 on bus 0 can be expressed in a VM "
				    "definition",
				    where);
		if (parts[2])
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: options for virtio-rnd cannot be expressed in a VM "
				    "definition",
				    where);
		if (def->rng)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s: a VM definition has at most one random number device",
				    where);
		def->rng = TRUE;
		def->rng_pci_slot = slot;
		return TRUE;
	}
	if (strcmp(emul, "pci-gvt") == 0)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s: GVT-g graphics ('pci-gvt') is not supported by VM definitions",
			    where);
	if (strcmp(emul, "passthru") == 0)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s: PCI passthrough ('passthru') is not supported by VM "
			    "definitions yet",
			    where);
	return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
		    "%s: PCI device '%s' cannot be expressed in a VM definition (supported: "
		    "hostbridge, lpc, virtio-blk, virtio-net, virtio-rnd; dropped with a "
		    "warning: virtio-console)",
		    where, emul);
}

static gboolean apply_lpc(Ctx *ctx, AcrnVmDef *def, const ParsedOption *po, GError **error)
{
	const char *comma = strchr(po->value, ',');
	const char *backend;
	g_autofree char *port = NULL;
	guint64 tcp;

	if (!known(ctx, po->value, po->spelling, error))
		return FALSE;
	if (!comma)
		return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: expected com<N>,<backend>",
			    po->spelling, po->value);
	port = g_ascii_strdown(po->value, comma - po->value);
	backend = comma + 1;
	if (strcmp(port, "com1") != 0)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s %s: only COM1 can be expressed in a VM definition", po->spelling,
			    po->value);
	if (def->console.type != ACRN_VM_CONSOLE_NONE)
		return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: COM1 is given twice",
			    po->spelling, po->value);
	if (strcmp(backend, "stdio") == 0) {
		def->console.type = ACRN_VM_CONSOLE_STDIO;
	} else if (strcmp(backend, "pty") == 0) {
		def->console.type = ACRN_VM_CONSOLE_PTY;
	} else if (g_str_has_prefix(backend, "tcp:") &&
		   g_ascii_string_to_unsigned(backend + 4, 10, 1, 65535, &tcp, NULL)) {
		def->console.type = ACRN_VM_CONSOLE_TCP;
		def->console.port = (guint)tcp;
	} else if (g_str_has_prefix(backend, "file:") && backend[5]) {
		g_autofree char *where = g_strdup_printf("%s %s", po->spelling, po->value);

		def->console.path = resolve_path(ctx, where, backend + 5, error);
		if (!def->console.path)
			return FALSE;
		def->console.type = ACRN_VM_CONSOLE_FILE;
	} else {
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s %s: console backend '%s' cannot be expressed in a VM definition "
			    "(supported: stdio, pty, tcp:<port>, file:<path>)",
			    po->spelling, po->value, backend);
	}
	return TRUE;
}

/* -s SLOT,DEVICE,...: a device that is refused whatever its options. */
static gboolean is_refused_device(const char *value)
{
	static const char *const kept[] = {
	    "hostbridge", "lpc", "virtio-blk", "virtio-net", "virtio-console", "virtio-rnd"};
	g_auto(GStrv) parts = g_strsplit(value, ",", 3);

	if (!parts[0] || !parts[1] || strchr(parts[1], DM_ARGV_UNKNOWN_MARK))
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(kept); i++)
		if (strcmp(parts[1], kept[i]) == 0)
			return FALSE;
	return TRUE;
}

/* Sets *@field to @value, resolved if it is a relative path. */
static gboolean set_path(Ctx *ctx, const ParsedOption *po, char **field, GError **error)
{
	g_autofree char *where = g_strdup_printf("%s %s", po->spelling, po->value);
	char *path = resolve_path(ctx, where, po->value, error);

	if (!path)
		return FALSE;
	g_free(*field);
	*field = path;
	return TRUE;
}

static gboolean apply_option(Ctx *ctx, AcrnVmDef *def, const ParsedOption *po, GError **error)
{
	g_autofree char *value = po->value ? shown(po->value) : NULL;

	/* Values of options that are dropped or refused anyway are never
	 * needed, known or not. */
	if (po->value && po->opt->kind != OPT_DROP && po->opt->kind != OPT_REJECT &&
	    po->opt->kind != OPT_PCI_SLOT) {
		g_autofree char *what = g_strdup_printf("the value of %s", po->spelling);

		if (!known(ctx, po->value, what, error))
			return FALSE;
	}
	switch (po->opt->kind) {
	case OPT_MEMSIZE:
		if (!parse_memsize(po->value, &def->memory_bytes))
			return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: not a memory size",
				    po->spelling, po->value);
		def->current_memory_bytes = def->memory_bytes;
		return TRUE;
	case OPT_PCI_SLOT:
		return apply_pci_slot(ctx, def, po, error);
	case OPT_LPC:
		return apply_lpc(ctx, def, po, error);
	case OPT_KERNEL:
		return set_path(ctx, po, &def->kernel, error);
	case OPT_RAMDISK:
		return set_path(ctx, po, &def->initrd, error);
	case OPT_BOOTARGS:
		g_free(def->cmdline);
		def->cmdline = g_strdup(po->value);
		return TRUE;
	case OPT_VCPUS: {
		guint64 n;

		if (!g_ascii_string_to_unsigned(po->value, 10, 1, 64, &n, NULL))
			return fail(error, DM_ARGV_ERROR_INVALID,
				    "%s %s: the vCPU count must be 1 to 64", po->spelling,
				    po->value);
		if (def->vcpu_cpuset && n != def->vcpus)
			return fail(error, DM_ARGV_ERROR_INVALID,
				    "%s %s: --cpu_affinity gives %u vCPUs", po->spelling, po->value,
				    def->vcpus);
		def->vcpus = (guint)n;
		ctx->vcpus_from_c = TRUE;
		return TRUE;
	}
	case OPT_UUID:
		if (ctx->opts && ctx->opts->uuid) {
			warn(ctx->warnings,
			     "acrn-dm option %s %s: the UUID given to acrnctl is used "
			     "instead",
			     po->spelling, value);
			return TRUE;
		}
		if (!acrn_vm_uuid_normalize(po->value, def->uuid))
			return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: not a UUID", po->spelling,
				    value);
		ctx->uuid_from_u = TRUE;
		return TRUE;
	case OPT_CPU_AFFINITY: {
		g_auto(GStrv) cpus = g_strsplit(po->value, ",", -1);

		for (guint i = 0; cpus[i]; i++)
			if (!g_ascii_string_to_unsigned(cpus[i], 10, 0, G_MAXUINT, NULL, NULL))
				return fail(error, DM_ARGV_ERROR_INVALID,
					    "%s %s: '%s' is not a CPU number", po->spelling,
					    po->value, cpus[i]);
		if (ctx->vcpus_from_c && g_strv_length(cpus) != def->vcpus)
			return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: -c gives %u vCPUs",
				    po->spelling, po->value, def->vcpus);
		g_free(def->vcpu_cpuset);
		def->vcpu_cpuset = g_strdup(po->value);
		/* ACRN runs one vCPU on each CPU of the affinity set. */
		def->vcpus = g_strv_length(cpus);
		return TRUE;
	}
	case OPT_OVMF:
		if (g_str_has_prefix(po->value, "w,") || strstr(po->value, "code=") ||
		    strstr(po->value, "vars="))
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s %s: writable or split OVMF images cannot be expressed in a "
				    "VM definition (only a plain image path can)",
				    po->spelling, po->value);
		return set_path(ctx, po, &def->loader, error);
	case OPT_DROP:
		if (po->value)
			warn(ctx->warnings, "acrn-dm option %s %s %s; dropped", po->spelling, value,
			     po->opt->why);
		else
			warn(ctx->warnings, "acrn-dm option %s %s; dropped", po->spelling,
			     po->opt->why);
		return TRUE;
	case OPT_REJECT:
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED, "acrn-dm option %s%s%s %s",
			    po->spelling, value ? " " : "", value ? value : "", po->opt->why);
	}
	g_assert_not_reached();
}

AcrnVmDef *dm_argv_to_def(const char *const *argv, const DmArgvToDefOptions *options,
			  GPtrArray *warnings, GError **error)
{
	g_autoptr(GArray) opts = g_array_new(FALSE, TRUE, sizeof(ParsedOption));
	g_autoptr(GPtrArray) positional = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(AcrnVmDef) def = acrn_vm_def_new();
	g_autoptr(AcrnVmDef) parsed = NULL;
	g_autofree char *xml = NULL;
	g_auto(GStrv) check_argv = NULL;
	const char *why = NULL;
	const char *uuid = options ? options->uuid : NULL;
	GError *local = NULL;
	AcrnDmArgvOptions argv_opts = {.dm_path = "acrn-dm", .control_socket = NULL};
	Ctx ctx = {options, warnings, FALSE, FALSE};

	g_array_set_clear_func(opts, parsed_option_clear);
	g_return_val_if_fail(argv && argv[0], NULL);

	for (guint i = 0; argv[i]; i++)
		if (!g_utf8_validate(argv[i], -1, NULL))
			return (fail(error, DM_ARGV_ERROR_INVALID,
				     "acrn-dm argument %u is not valid UTF-8", i),
				NULL);

	if (!split_argv(argv, opts, positional, error))
		return NULL;
	/* A refused option or device is the real reason a script cannot be
	 * converted, whatever else it computes at run time: those first. */
	for (guint i = 0; i < opts->len; i++) {
		const ParsedOption *po = &g_array_index(opts, ParsedOption, i);

		if ((po->opt->kind == OPT_REJECT ||
		     (po->opt->kind == OPT_PCI_SLOT && is_refused_device(po->value))) &&
		    !apply_option(&ctx, def, po, error))
			return NULL;
	}
	def->memory_bytes = def->current_memory_bytes = 256ull << 20; /* acrn-dm's default */
	for (guint i = 0; i < opts->len; i++)
		if (!apply_option(&ctx, def, &g_array_index(opts, ParsedOption, i), error))
			return NULL;
	/* A word only known at run time where an option or the name is
	 * expected: it may be anything, e.g. several options. */
	for (guint i = 0; i < positional->len; i++) {
		g_autofree char *what = shown(positional->pdata[i]);
		g_autofree char *where = g_strdup_printf(
		    "acrn-dm argument '%s' (%s)", what,
		    positional->len == 1 ? "the VM name" : "not the value of an option");

		if (!known(&ctx, positional->pdata[i], where, error))
			return NULL;
	}
	if (positional->len == 0) {
		fail(error, DM_ARGV_ERROR_INVALID, "acrn-dm is given no VM name");
		return NULL;
	}
	if (positional->len > 1) {
		g_ptr_array_add(positional, NULL);
		g_autofree char *all = g_strjoinv("', '", (char **)positional->pdata);
		fail(error, DM_ARGV_ERROR_INVALID,
		     "acrn-dm takes one VM name but is given '%s' (a misspelled option?)", all);
		return NULL;
	}
	def->name = g_strdup(positional->pdata[0]);
	if (!acrn_vm_name_is_valid(def->name, &why)) {
		fail(error, DM_ARGV_ERROR_INVALID, "VM name '%s' %s", def->name, why);
		return NULL;
	}

	if (!def->kernel && !def->loader) {
		fail(error, DM_ARGV_ERROR_UNSUPPORTED,
		     "acrn-dm is given neither a kernel (-k) nor an OVMF image (--ovmf)");
		return NULL;
	}
	if (ctx.uuid_from_u) {
		/* def->uuid is -U's */
	} else if (uuid) {
		if (!acrn_vm_uuid_normalize(uuid, def->uuid)) {
			fail(error, DM_ARGV_ERROR_INVALID, "'%s' is not a UUID", uuid);
			return NULL;
		}
	} else {
		g_autofree char *random = g_uuid_string_random();

		g_strlcpy(def->uuid, random, sizeof(def->uuid));
	}

	/* Let the definition library validate everything it knows about
	 * (memory limits, slot conflicts, ...): the result is exactly what
	 * acrnd would accept. */
	xml = acrn_vm_def_to_xml(def);
	parsed = acrn_vm_def_parse(xml, -1, &local);
	if (!parsed) {
		g_set_error(error, DM_ARGV_ERROR, DM_ARGV_ERROR_INVALID,
			    "the converted definition is invalid: %s", local->message);
		g_error_free(local);
		return NULL;
	}
	check_argv = acrn_vm_def_to_dm_argv(parsed, &argv_opts, &local);
	if (!check_argv) {
		g_set_error(error, DM_ARGV_ERROR, DM_ARGV_ERROR_INVALID,
			    "the converted definition is invalid: %s", local->message);
		g_error_free(local);
		return NULL;
	}
	return g_steal_pointer(&parsed);
}
