/* acrn-dm's command line; see dm-options.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "dm-options.h"

G_DEFINE_QUARK(dm_config_error_quark, dm_config_error)

typedef enum {
	OPT_MEM,
	OPT_AFFINITY,
	OPT_SLOT,
	OPT_LPC,
	OPT_KERNEL,
	OPT_ELF,
	OPT_RAMDISK,
	OPT_BOOTARGS,
	OPT_OVMF,
	OPT_CONTROL,
	OPT_UUID,
	OPT_HELP,
	OPT_VERSION,
} OptId;

typedef struct {
	const char *long_name;
	char short_name; /* 0: long only */
	gboolean has_arg;
	OptId id;
} OptSpec;

/* Upstream's spellings; --control-socket is ours (docs/dm-control-protocol.md). */
static const OptSpec options[] = {
    {"memsize", 'm', TRUE, OPT_MEM},	  {"cpu_affinity", 0, TRUE, OPT_AFFINITY},
    {"pci_slot", 's', TRUE, OPT_SLOT},	  {"lpc", 'l', TRUE, OPT_LPC},
    {"kernel", 'k', TRUE, OPT_KERNEL},	  {"elf_file", 'E', TRUE, OPT_ELF},
    {"ramdisk", 'r', TRUE, OPT_RAMDISK},  {"bootargs", 'B', TRUE, OPT_BOOTARGS},
    {"ovmf", 0, TRUE, OPT_OVMF},	  {"control-socket", 0, TRUE, OPT_CONTROL},
    {"uuid", 'U', TRUE, OPT_UUID},	  {"help", 'h', FALSE, OPT_HELP},
    {"version", 'v', FALSE, OPT_VERSION},
};

const char *dm_config_usage(void)
{
	return "Usage: acrn-dm [OPTION]... VM_NAME\n"
	       "Device model of one ACRN User VM.\n"
	       "\n"
	       "  -m, --memsize SIZE          guest RAM, suffix K, M or G (default 256M, min "
	       "128M)\n"
	       "      --cpu_affinity LIST     Service VM LAPIC ids of the pCPUs to run on, e.g. "
	       "2,3\n"
	       "  -s, --pci_slot SLOT[:FUNC],DEVICE[,OPTIONS]\n"
	       "                              add a PCI device: hostbridge, lpc,\n"
	       "                              virtio-blk,PATH|nodisk[,ro], "
	       "virtio-net,tap=IF[,mac=MAC],\n"
	       "                              virtio-console,BACKEND, virtio-rnd\n"
	       "  -l, --lpc com1,BACKEND      COM1 on the LPC bridge; BACKEND is stdio, pty,\n"
	       "                              file:PATH or tcp:PORT\n"
	       "  -k, --kernel FILE           Linux bzImage to boot\n"
	       "  -E, --elf_file FILE         ELF vmlinux to boot (64-bit Linux boot protocol)\n"
	       "  -r, --ramdisk FILE          initramfs\n"
	       "  -B, --bootargs CMDLINE      kernel command line\n"
	       "      --ovmf FILE             UEFI firmware (not implemented yet)\n"
	       "      --control-socket PATH   serve the acrnd control protocol on PATH\n"
	       "  -U, --uuid UUID             VM UUID (informational)\n"
	       "  -h, --help                  show this help and exit\n"
	       "  -v, --version               show the version and exit\n"
	       "\n"
	       "Exit status: 0 powered off, 1 start-up or internal error, 2 usage error,\n"
	       "3 guest reboot, 4 guest crash.\n";
}

static gboolean usage_error(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static gboolean usage_error(GError **error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, DM_CONFIG_ERROR, DM_CONFIG_ERROR_USAGE, msg);
	return FALSE;
}

static gboolean parse_uint(const char *s, guint64 max, guint64 *out)
{
	guint64 v;
	char *end;

	if (!g_ascii_isdigit(s[0]))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return FALSE;
	*out = v;
	return TRUE;
}

/* Upstream accepts a number with an optional K/M/G suffix; a bare number
 * below 1 MiB is taken as MiB, as in upstream (and bhyve). */
static gboolean parse_memsize(const char *s, guint64 *out, GError **error)
{
	guint64 v, shift = 0;
	char *end;

	errno = 0;
	if (!g_ascii_isdigit(s[0]))
		goto bad;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno)
		goto bad;
	if (*end) {
		switch (g_ascii_toupper(*end)) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		default:
			goto bad;
		}
		if (end[1] && g_ascii_strcasecmp(end + 1, "B") != 0 &&
		    g_ascii_strcasecmp(end + 1, "iB") != 0)
			goto bad;
	} else if (v < (1ULL << 20)) {
		shift = 20;
	}
	if (v > (DM_MEM_MAX >> shift))
		return usage_error(error, "-m %s: more than the maximum of %llu GiB", s,
				   (unsigned long long)(DM_MEM_MAX >> 30));
	v <<= shift;
	if (v < DM_MEM_MIN)
		return usage_error(error, "-m %s: less than the minimum of 128M", s);
	/* Guest RAM is mapped in 2 MiB pieces (huge pages when available). */
	*out = (v + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	return TRUE;
bad:
	return usage_error(error, "-m %s: not a size (a number with an optional K, M or G suffix)",
			   s);
}

static gboolean parse_affinity(const char *s, DmConfig *cfg, GError **error)
{
	g_auto(GStrv) ids = g_strsplit(s, ",", -1);
	guint64 mask = 0;

	for (guint i = 0; ids[i]; i++) {
		guint64 id;

		if (!parse_uint(ids[i], 63, &id))
			return usage_error(
			    error, "--cpu_affinity %s: '%s' is not a LAPIC id (0..63)", s, ids[i]);
		if (mask & (1ULL << id))
			return usage_error(error, "--cpu_affinity %s: LAPIC id %s given twice", s,
					   ids[i]);
		mask |= 1ULL << id;
	}
	if ((guint)__builtin_popcountll(mask) > DM_MAX_VCPUS)
		return usage_error(error, "--cpu_affinity %s: more than %d vCPUs", s, DM_MAX_VCPUS);
	cfg->cpu_affinity = mask;
	cfg->n_vcpus = (guint)__builtin_popcountll(mask);
	return TRUE;
}

gboolean dm_serial_config_parse(const char *s, const char *what, DmSerialConfig *out,
				GError **error)
{
	guint64 port;

	memset(out, 0, sizeof(*out));
	if (g_str_equal(s, "stdio")) {
		out->kind = DM_SERIAL_STDIO;
	} else if (g_str_equal(s, "pty")) {
		out->kind = DM_SERIAL_PTY;
	} else if (g_str_has_prefix(s, "file:")) {
		if (!g_path_is_absolute(s + 5))
			return usage_error(error, "%s: file backend needs an absolute path", what);
		out->kind = DM_SERIAL_FILE;
		out->path = g_strdup(s + 5);
	} else if (g_str_has_prefix(s, "tcp:")) {
		if (!parse_uint(s + 4, 65535, &port) || port == 0)
			return usage_error(error, "%s: '%s' is not a TCP port (1..65535)", what,
					   s + 4);
		out->kind = DM_SERIAL_TCP;
		out->port = (guint16)port;
	} else {
		return usage_error(
		    error, "%s: unknown backend '%s' (stdio, pty, file:PATH or tcp:PORT)", what, s);
	}
	return TRUE;
}

static gboolean parse_lpc(const char *s, DmConfig *cfg, GError **error)
{
	g_autofree char *what = g_strdup_printf("-l %s", s);
	const char *comma = strchr(s, ',');

	if (!comma)
		return usage_error(error, "%s: expected com1,BACKEND", what);
	if (g_ascii_strncasecmp(s, "com1", (gsize)(comma - s)) != 0 || comma - s != 4)
		return usage_error(error, "%s: only com1 is emulated", what);
	if (cfg->com1.kind != DM_SERIAL_NONE)
		return usage_error(error, "%s: com1 is given twice", what);
	return dm_serial_config_parse(comma + 1, what, &cfg->com1, error);
}

static void device_free(gpointer p)
{
	DmPciDeviceConfig *d = p;

	g_free(d->spec);
	g_free(d->path);
	g_free(d->tap);
	g_free(d->mac);
	g_free(d->console.path);
	g_free(d);
}

static gboolean parse_mac(const char *s)
{
	if (strlen(s) != 17)
		return FALSE;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !g_ascii_isxdigit(s[i]))
			return FALSE;
	}
	/* A multicast address cannot be a NIC's own address. */
	return (g_ascii_xdigit_value(s[1]) & 1) == 0;
}

static gboolean parse_device_options(DmPciDeviceConfig *d, char **opt, const char *what,
				     GError **error)
{
	switch (d->kind) {
	case DM_DEV_HOSTBRIDGE:
	case DM_DEV_LPC:
	case DM_DEV_VIRTIO_RNG:
		if (opt[0])
			return usage_error(error, "%s: the device takes no options", what);
		return TRUE;
	case DM_DEV_VIRTIO_BLK:
		if (!opt[0] || !*opt[0])
			return usage_error(error, "%s: virtio-blk needs a PATH or nodisk", what);
		if (!g_str_equal(opt[0], "nodisk")) {
			if (!g_path_is_absolute(opt[0]))
				return usage_error(error, "%s: the disk path must be absolute",
						   what);
			d->path = g_strdup(opt[0]);
		}
		for (guint i = 1; opt[i]; i++) {
			if (g_str_equal(opt[i], "ro"))
				d->read_only = TRUE;
			else if (!g_str_equal(opt[i], "writeback") &&
				 !g_str_equal(opt[i], "writethru"))
				return usage_error(error, "%s: unknown virtio-blk option '%s'",
						   what, opt[i]);
		}
		return TRUE;
	case DM_DEV_VIRTIO_NET:
		for (guint i = 0; opt[i]; i++) {
			if (g_str_has_prefix(opt[i], "tap=") && opt[i][4] && !d->tap) {
				d->tap = g_strdup(opt[i] + 4);
			} else if (g_str_has_prefix(opt[i], "mac=") && !d->mac) {
				if (!parse_mac(opt[i] + 4))
					return usage_error(error,
							   "%s: bad unicast MAC address '%s'", what,
							   opt[i] + 4);
				d->mac = g_strdup(opt[i] + 4);
			} else {
				return usage_error(error, "%s: unknown virtio-net option '%s'",
						   what, opt[i]);
			}
		}
		if (!d->tap)
			return usage_error(error, "%s: virtio-net needs tap=IFNAME", what);
		return TRUE;
	case DM_DEV_VIRTIO_CONSOLE:
		if (!opt[0] || opt[1])
			return usage_error(error, "%s: virtio-console takes one BACKEND", what);
		return dm_serial_config_parse(opt[0], what, &d->console, error);
	}
	g_assert_not_reached();
}

static const struct {
	const char *name;
	DmDeviceKind kind;
} device_names[] = {
    {"hostbridge", DM_DEV_HOSTBRIDGE},	       {"lpc", DM_DEV_LPC},
    {"virtio-blk", DM_DEV_VIRTIO_BLK},	       {"virtio-net", DM_DEV_VIRTIO_NET},
    {"virtio-console", DM_DEV_VIRTIO_CONSOLE}, {"virtio-rnd", DM_DEV_VIRTIO_RNG},
};

static gboolean parse_slot(const char *s, DmConfig *cfg, GError **error)
{
	g_autofree char *what = g_strdup_printf("-s %s", s);
	g_auto(GStrv) parts = g_strsplit(s, ",", -1);
	g_auto(GStrv) bdf = NULL;
	guint64 n[3] = {0, 0, 0};
	guint nb, slot, func;
	DmPciDeviceConfig *d;
	gboolean known = FALSE;

	if (!parts[0] || !parts[1])
		return usage_error(error, "%s: expected SLOT[:FUNC],DEVICE[,OPTIONS]", what);
	bdf = g_strsplit(parts[0], ":", -1);
	nb = g_strv_length(bdf);
	if (nb < 1 || nb > 3)
		return usage_error(error, "%s: bad PCI address '%s'", what, parts[0]);
	for (guint i = 0; i < nb; i++) {
		if (!parse_uint(bdf[i], 255, &n[i]))
			return usage_error(error, "%s: bad PCI address '%s'", what, parts[0]);
	}
	/* SLOT, SLOT:FUNC or BUS:SLOT:FUNC (bus 0 only). */
	if (nb == 3 && n[0] != 0)
		return usage_error(error, "%s: only PCI bus 0 is emulated", what);
	slot = (guint)(nb == 3 ? n[1] : n[0]);
	func = (guint)(nb == 3 ? n[2] : nb == 2 ? n[1] : 0);
	if (slot >= DM_PCI_SLOTS || func > 7)
		return usage_error(error, "%s: slot must be 0..31 and function 0..7", what);
	for (guint i = 0; i < cfg->devices->len; i++) {
		const DmPciDeviceConfig *o = cfg->devices->pdata[i];

		if (o->slot == slot && o->func == func)
			return usage_error(error, "%s: PCI %u:%u is already used by -s %s", what,
					   slot, func, o->spec);
	}
	d = g_new0(DmPciDeviceConfig, 1);
	g_ptr_array_add(cfg->devices, d);
	d->slot = slot;
	d->func = func;
	d->spec = g_strdup(s);
	for (guint i = 0; i < G_N_ELEMENTS(device_names); i++) {
		if (g_str_equal(parts[1], device_names[i].name)) {
			d->kind = device_names[i].kind;
			known = TRUE;
		}
	}
	if (!known)
		return usage_error(error, "%s: unknown device '%s'", what, parts[1]);
	for (guint i = 0; i < cfg->devices->len - 1; i++) {
		const DmPciDeviceConfig *o = cfg->devices->pdata[i];

		if ((d->kind == DM_DEV_HOSTBRIDGE || d->kind == DM_DEV_LPC) && o->kind == d->kind)
			return usage_error(error, "%s: only one %s", what, parts[1]);
	}
	return parse_device_options(d, parts + 2, what, error);
}

static gboolean valid_name(const char *s)
{
	if (!*s || strlen(s) > DM_NAME_MAX)
		return FALSE;
	for (const char *p = s; *p; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return FALSE;
	}
	return TRUE;
}

static gboolean set_once(char **field, const char *value, const char *opt, GError **error)
{
	if (*field)
		return usage_error(error, "%s is given twice", opt);
	*field = g_strdup(value);
	return TRUE;
}

static gboolean apply(DmConfig *cfg, const OptSpec *o, const char *opt, const char *arg,
		      GError **error)
{
	switch (o->id) {
	case OPT_MEM:
		return parse_memsize(arg, &cfg->mem_bytes, error);
	case OPT_AFFINITY:
		return parse_affinity(arg, cfg, error);
	case OPT_SLOT:
		return parse_slot(arg, cfg, error);
	case OPT_LPC:
		return parse_lpc(arg, cfg, error);
	case OPT_KERNEL:
	case OPT_ELF:
	case OPT_RAMDISK:
	case OPT_OVMF: {
		char **field = o->id == OPT_KERNEL ? &cfg->kernel
			       : o->id == OPT_ELF  ? &cfg->elf_file
			       : o->id == OPT_OVMF ? &cfg->ovmf
						   : &cfg->ramdisk;
		if (!*arg)
			return usage_error(error, "%s: empty file name", opt);
		return set_once(field, arg, opt, error);
	}
	case OPT_BOOTARGS:
		if (strlen(arg) > DM_BOOTARGS_MAX)
			return usage_error(error, "%s: longer than %d bytes", opt, DM_BOOTARGS_MAX);
		return set_once(&cfg->bootargs, arg, opt, error);
	case OPT_CONTROL:
		if (!g_path_is_absolute(arg))
			return usage_error(error, "%s %s: needs an absolute path", opt, arg);
		return set_once(&cfg->control_socket, arg, opt, error);
	case OPT_UUID:
		if (!g_uuid_string_is_valid(arg))
			return usage_error(error, "%s %s: not a UUID", opt, arg);
		cfg->have_uuid = TRUE;
		return set_once(&cfg->uuid, arg, opt, error);
	case OPT_HELP:
		cfg->show_help = TRUE;
		return TRUE;
	case OPT_VERSION:
		cfg->show_version = TRUE;
		return TRUE;
	}
	g_assert_not_reached();
}

static gboolean check_complete(DmConfig *cfg, GError **error)
{
	int boots = !!cfg->kernel + !!cfg->elf_file + !!cfg->ovmf;

	if (!cfg->name)
		return usage_error(error, "missing VM_NAME (see acrn-dm --help)");
	if (boots == 0)
		return usage_error(error, "nothing to boot: give -k, --elf_file or --ovmf");
	if (boots > 1)
		return usage_error(error, "-k, --elf_file and --ovmf exclude each other");
	if ((cfg->ramdisk || cfg->bootargs) && cfg->ovmf)
		return usage_error(error, "-r and -B need -k or --elf_file");
	return TRUE;
}

void dm_config_free(DmConfig *cfg)
{
	if (!cfg)
		return;
	g_free(cfg->name);
	g_free(cfg->kernel);
	g_free(cfg->elf_file);
	g_free(cfg->ramdisk);
	g_free(cfg->bootargs);
	g_free(cfg->ovmf);
	g_free(cfg->control_socket);
	g_free(cfg->uuid);
	g_free(cfg->com1.path);
	g_ptr_array_unref(cfg->devices);
	g_free(cfg);
}

static const OptSpec *find_long(const char *name, gsize len)
{
	for (guint i = 0; i < G_N_ELEMENTS(options); i++) {
		if (strlen(options[i].long_name) == len &&
		    strncmp(options[i].long_name, name, len) == 0)
			return &options[i];
	}
	return NULL;
}

static const OptSpec *find_short(char c)
{
	for (guint i = 0; i < G_N_ELEMENTS(options); i++) {
		if (options[i].short_name == c)
			return &options[i];
	}
	return NULL;
}

DmConfig *dm_config_parse(int argc, char *const *argv, GError **error)
{
	g_autoptr(DmConfig) cfg = g_new0(DmConfig, 1);
	gboolean only_positional = FALSE;

	cfg->mem_bytes = DM_MEM_DEFAULT;
	cfg->n_vcpus = 1;
	cfg->devices = g_ptr_array_new_with_free_func(device_free);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const OptSpec *o = NULL;
		const char *arg = NULL;
		g_autofree char *opt = NULL;

		if (only_positional || a[0] != '-' || a[1] == '\0') {
			if (cfg->name)
				return usage_error(error,
						   "unexpected argument '%s' (VM_NAME is '%s')", a,
						   cfg->name),
				       NULL;
			if (!valid_name(a))
				return usage_error(
					   error,
					   "VM name '%s': 1..%d characters of A-Z a-z 0-9 - _ .", a,
					   DM_NAME_MAX),
				       NULL;
			cfg->name = g_strdup(a);
			continue;
		}
		if (g_str_equal(a, "--")) {
			only_positional = TRUE;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			gsize len = eq ? (gsize)(eq - a - 2) : strlen(a + 2);

			o = find_long(a + 2, len);
			opt = g_strndup(a, len + 2);
			if (o && eq) {
				if (!o->has_arg)
					return usage_error(error, "%s takes no argument", opt),
					       NULL;
				arg = eq + 1;
			}
		} else {
			o = find_short(a[1]);
			opt = g_strndup(a, 2);
			if (o && a[2]) {
				if (!o->has_arg)
					return usage_error(error, "%s takes no argument (in '%s')",
							   opt, a),
					       NULL;
				arg = a + 2;
			}
		}
		if (!o)
			return usage_error(error, "unknown option %s (see acrn-dm --help)", opt),
			       NULL;
		if (o->has_arg && !arg) {
			if (i + 1 >= argc)
				return usage_error(error, "%s needs an argument", opt), NULL;
			arg = argv[++i];
		}
		if (!apply(cfg, o, opt, arg, error))
			return NULL;
	}
	if (cfg->show_help || cfg->show_version)
		return g_steal_pointer(&cfg);
	if (!check_complete(cfg, error))
		return NULL;
	return g_steal_pointer(&cfg);
}
