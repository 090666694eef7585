/* acrn-dm command line -> VM definition; see dm-argv-to-def.h.
 * The option set follows acrn-interfaces.md §4.1/§4.2. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dm-argv-to-def.h"

G_DEFINE_QUARK(dm - argv - error - quark, dm_argv_error)

typedef enum {
	OPT_MEMSIZE,
	OPT_PCI_SLOT,
	OPT_LPC,
	OPT_KERNEL,
	OPT_RAMDISK,
	OPT_BOOTARGS,
	OPT_CPU_AFFINITY,
	OPT_OVMF,
	OPT_DROP,   /* accepted, ignored with a warning */
	OPT_REJECT, /* cannot be expressed: error */
} OptKind;

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

    /* acrn-dm itself ignores these. */
    {"acpi", 'A', FALSE, OPT_DROP, "is obsolete (ACPI is always enabled)"},
    {"mptgen", 'Y', FALSE, OPT_DROP, "is obsolete (acrn-dm always builds an MP table)"},
    {"ioc_node", 'i', TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"gvtargs", 'G', TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"vsbl", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"part_info", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm"},
    {"mac_seed", 0, TRUE, OPT_DROP, "is obsolete and ignored by acrn-dm (use mac= on virtio-net)"},
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
    {NULL, 'U', TRUE, OPT_REJECT,
     "is refused by current acrn-dm; give the UUID with 'acrnctl add --uuid'"},
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

static gboolean add_disk(AcrnVmDef *def, const ParsedOption *po, int slot, GStrv cfg,
			 GError **error)
{
	AcrnVmDisk *d;

	if (!cfg[0] || !*cfg[0])
		return fail(error, DM_ARGV_ERROR_INVALID,
			    "%s %s: virtio-blk needs a file or 'nodisk'", po->spelling, po->value);
	for (guint i = 1; cfg[i]; i++)
		if (strcmp(cfg[i], "ro") != 0)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s %s: virtio-blk option '%s' cannot be expressed in a VM "
				    "definition (only 'ro' can)",
				    po->spelling, po->value, cfg[i]);
	if (def->disks->len >= 26)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED, "%s %s: too many disks", po->spelling,
			    po->value);
	d = g_new0(AcrnVmDisk, 1);
	d->source = strcmp(cfg[0], "nodisk") == 0 ? NULL : g_strdup(cfg[0]);
	d->target = g_strdup_printf("vd%c", 'a' + def->disks->len);
	d->readonly = cfg[1] != NULL;
	d->pci_slot = slot;
	g_ptr_array_add(def->disks, d);
	return TRUE;
}

static gboolean add_net(AcrnVmDef *def, const ParsedOption *po, int slot, GStrv cfg, GError **error)
{
	g_autofree char *tap = NULL;
	g_autofree char *mac = NULL;
	AcrnVmNet *n;

	for (guint i = 0; cfg[i]; i++) {
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
				    "%s %s: virtio-net option '%s' cannot be expressed in a VM "
				    "definition (only tap= and mac= can)",
				    po->spelling, po->value, cfg[i]);
		}
	}
	if (!tap || !*tap)
		return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: virtio-net needs a tap device",
			    po->spelling, po->value);
	n = g_new0(AcrnVmNet, 1);
	n->type = ACRN_VM_NET_ETHERNET;
	n->tap = g_steal_pointer(&tap);
	n->mac = g_steal_pointer(&mac);
	n->pci_slot = slot;
	g_ptr_array_add(def->nets, n);
	return TRUE;
}

static gboolean apply_pci_slot(AcrnVmDef *def, const ParsedOption *po, GPtrArray *warnings,
			       GError **error)
{
	g_auto(GStrv) parts = g_strsplit(po->value, ",", -1);
	int bus, slot, func;
	const char *emul;

	if (!parts[0] || !parts[1])
		return fail(error, DM_ARGV_ERROR_INVALID,
			    "%s %s: expected <slot>,<device>[,<options>]", po->spelling, po->value);
	if (!parse_pci_location(parts[0], &bus, &slot, &func))
		return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: bad PCI location '%s'",
			    po->spelling, po->value, parts[0]);
	emul = parts[1];

	if (strcmp(emul, "hostbridge") == 0 || strcmp(emul, "lpc") == 0) {
		int expected = emul[0] == 'h' ? 0 : 1;

		if (bus != 0 || slot != expected || func != 0)
			warn(warnings, "%s %s: acrnd always puts the %s at 0:%d:0", po->spelling,
			     po->value, emul[0] == 'h' ? "host bridge" : "LPC bridge", expected);
		if (parts[2])
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s %s: options for %s cannot be expressed in a VM definition",
				    po->spelling, po->value, emul);
		return TRUE;
	}
	if (strcmp(emul, "virtio-blk") == 0 || strcmp(emul, "virtio-net") == 0) {
		if (bus != 0 || func != 0)
			return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
				    "%s %s: only function 0 on bus 0 can be expressed in a VM "
				    "definition",
				    po->spelling, po->value);
		if (emul[7] == 'b')
			return add_disk(def, po, slot, parts + 2, error);
		return add_net(def, po, slot, parts + 2, error);
	}
	if (strcmp(emul, "passthru") == 0)
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s %s: PCI passthrough ('passthru') is not supported by VM "
			    "definitions yet",
			    po->spelling, po->value);
	return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
		    "%s %s: PCI device '%s' cannot be expressed in a VM definition (supported: "
		    "hostbridge, lpc, virtio-blk, virtio-net)",
		    po->spelling, po->value, emul);
}

static gboolean apply_lpc(AcrnVmDef *def, const ParsedOption *po, GError **error)
{
	const char *comma = strchr(po->value, ',');
	const char *backend;
	g_autofree char *port = NULL;
	guint64 tcp;

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
		def->console.type = ACRN_VM_CONSOLE_FILE;
		def->console.path = g_strdup(backend + 5);
	} else {
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED,
			    "%s %s: console backend '%s' cannot be expressed in a VM definition "
			    "(supported: stdio, pty, tcp:<port>, file:<path>)",
			    po->spelling, po->value, backend);
	}
	return TRUE;
}

static gboolean apply_option(AcrnVmDef *def, const ParsedOption *po, GPtrArray *warnings,
			     GError **error)
{
	switch (po->opt->kind) {
	case OPT_MEMSIZE:
		if (!parse_memsize(po->value, &def->memory_bytes))
			return fail(error, DM_ARGV_ERROR_INVALID, "%s %s: not a memory size",
				    po->spelling, po->value);
		def->current_memory_bytes = def->memory_bytes;
		return TRUE;
	case OPT_PCI_SLOT:
		return apply_pci_slot(def, po, warnings, error);
	case OPT_LPC:
		return apply_lpc(def, po, error);
	case OPT_KERNEL:
		g_free(def->kernel);
		def->kernel = g_strdup(po->value);
		return TRUE;
	case OPT_RAMDISK:
		g_free(def->initrd);
		def->initrd = g_strdup(po->value);
		return TRUE;
	case OPT_BOOTARGS:
		g_free(def->cmdline);
		def->cmdline = g_strdup(po->value);
		return TRUE;
	case OPT_CPU_AFFINITY: {
		g_auto(GStrv) cpus = g_strsplit(po->value, ",", -1);

		for (guint i = 0; cpus[i]; i++)
			if (!g_ascii_string_to_unsigned(cpus[i], 10, 0, G_MAXUINT, NULL, NULL))
				return fail(error, DM_ARGV_ERROR_INVALID,
					    "%s %s: '%s' is not a CPU number", po->spelling,
					    po->value, cpus[i]);
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
		g_free(def->loader);
		def->loader = g_strdup(po->value);
		return TRUE;
	case OPT_DROP:
		if (po->value)
			warn(warnings, "acrn-dm option %s %s %s; dropped", po->spelling, po->value,
			     po->opt->why);
		else
			warn(warnings, "acrn-dm option %s %s; dropped", po->spelling, po->opt->why);
		return TRUE;
	case OPT_REJECT:
		return fail(error, DM_ARGV_ERROR_UNSUPPORTED, "acrn-dm option %s%s%s %s",
			    po->spelling, po->value ? " " : "", po->value ? po->value : "",
			    po->opt->why);
	}
	g_assert_not_reached();
}

AcrnVmDef *dm_argv_to_def(const char *const *argv, const char *uuid, GPtrArray *warnings,
			  GError **error)
{
	g_autoptr(GArray) opts = g_array_new(FALSE, TRUE, sizeof(ParsedOption));
	g_autoptr(GPtrArray) positional = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(AcrnVmDef) def = acrn_vm_def_new();
	g_autoptr(AcrnVmDef) parsed = NULL;
	g_autofree char *xml = NULL;
	g_auto(GStrv) check_argv = NULL;
	const char *why = NULL;
	GError *local = NULL;
	AcrnDmArgvOptions argv_opts = {.dm_path = "acrn-dm", .control_socket = NULL};

	g_array_set_clear_func(opts, parsed_option_clear);
	g_return_val_if_fail(argv && argv[0], NULL);

	for (guint i = 0; argv[i]; i++)
		if (!g_utf8_validate(argv[i], -1, NULL))
			return (fail(error, DM_ARGV_ERROR_INVALID,
				     "acrn-dm argument %u is not valid UTF-8", i),
				NULL);

	if (!split_argv(argv, opts, positional, error))
		return NULL;
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
	def->memory_bytes = def->current_memory_bytes = 256ull << 20; /* acrn-dm's default */

	for (guint i = 0; i < opts->len; i++)
		if (!apply_option(def, &g_array_index(opts, ParsedOption, i), warnings, error))
			return NULL;

	if (!def->kernel && !def->loader) {
		fail(error, DM_ARGV_ERROR_UNSUPPORTED,
		     "acrn-dm is given neither a kernel (-k) nor an OVMF image (--ovmf)");
		return NULL;
	}
	if (uuid) {
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
