/* acrn-dm's command line -> DmConfig.
 *
 * Accepts upstream acrn-dm's spellings (acrn-dm(1) lists them) and
 * exactly what acrn_vm_def_to_dm_argv() (lib/vmdef) emits.  Parsing is a pure
 * function: nothing is opened or created here, so that a bad command line
 * ends acrn-dm with status 2 before any VM exists. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DM_CONFIG_ERROR (dm_config_error_quark())
GQuark dm_config_error_quark(void);
typedef enum {
	DM_CONFIG_ERROR_USAGE, /* bad command line: acrn-dm exits 2 */
} DmConfigError;

#define DM_NAME_MAX	15 /* the hypervisor's VM name field is 16 bytes with NUL */
#define DM_MEM_MIN	(128ULL << 20)
#define DM_MEM_MAX	(256ULL << 30)
#define DM_MEM_DEFAULT	(256ULL << 20)
#define DM_BOOTARGS_MAX 2047 /* the zero page has room for 2 KiB with NUL */
#define DM_PCI_SLOTS	32
#define DM_MAX_VCPUS	16 /* request slots in the I/O request page */

typedef enum {
	DM_SERIAL_NONE,
	DM_SERIAL_STDIO,
	DM_SERIAL_PTY,
	DM_SERIAL_FILE,
	DM_SERIAL_TCP,
} DmSerialKind;

typedef struct {
	DmSerialKind kind;
	char *path;   /* DM_SERIAL_FILE */
	guint16 port; /* DM_SERIAL_TCP */
} DmSerialConfig;

typedef enum {
	DM_DEV_HOSTBRIDGE,
	DM_DEV_LPC,
	DM_DEV_VIRTIO_BLK,
	DM_DEV_VIRTIO_NET,
	DM_DEV_VIRTIO_CONSOLE,
	DM_DEV_VIRTIO_RNG,
} DmDeviceKind;

/* One -s option. */
typedef struct {
	guint slot, func;
	DmDeviceKind kind;
	char *spec; /* the whole argument, for messages */
	/* virtio-blk */
	char *path; /* NULL for nodisk */
	gboolean read_only;
	/* virtio-net */
	char *tap;
	char *mac;
	/* virtio-console: backend as in -l (stdio, pty, file:PATH, tcp:PORT) */
	DmSerialConfig console;
} DmPciDeviceConfig;

typedef struct {
	char *name;
	guint64 mem_bytes;
	guint64 cpu_affinity; /* bit n: Service VM LAPIC id n; 0: hypervisor's default */
	guint n_vcpus;	      /* popcount of cpu_affinity, 1 without it */
	char *kernel;	      /* -k: bzImage */
	char *elf_file;	      /* --elf_file: ELF vmlinux */
	char *ramdisk;	      /* -r */
	char *bootargs;	      /* -B */
	char *ovmf;	      /* --ovmf: accepted, not implemented yet */
	char *control_socket;
	gboolean have_uuid;
	char *uuid;
	DmSerialConfig com1;
	GPtrArray *devices; /* DmPciDeviceConfig*, in command-line order */
	gboolean show_help, show_version;
} DmConfig;

DmConfig *dm_config_parse(int argc, char *const *argv, GError **error);
void dm_config_free(DmConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmConfig, dm_config_free)

/* Parses a serial backend (stdio, pty, file:PATH, tcp:PORT); @what names
 * the option in messages. */
gboolean dm_serial_config_parse(const char *s, const char *what, DmSerialConfig *out,
				GError **error);

/* The text of `acrn-dm --help`. */
const char *dm_config_usage(void);

G_END_DECLS
