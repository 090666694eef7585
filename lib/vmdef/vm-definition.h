/* The VM definition model shared by acrnd, acrnctl and virtacrnd.
 *
 * A definition is a subset of libvirt's domain XML (documented in
 * docs/vm-definition.md).  This library parses and validates it, serializes
 * it back to canonical XML and turns it into an acrn-dm command line.  It
 * knows nothing about D-Bus, processes or files on disk.
 *
 * Errors are reported in the ACRN_VM_DEF_ERROR domain; messages name the
 * element or attribute and the reason, e.g.
 *   "<memory>: unknown unit 'XiB'".
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define ACRN_VM_DEF_ERROR (acrn_vm_def_error_quark())
GQuark acrn_vm_def_error_quark(void);

typedef enum {
	ACRN_VM_DEF_ERROR_XML,	       /* not well-formed XML */
	ACRN_VM_DEF_ERROR_INVALID,     /* a value is out of range or malformed */
	ACRN_VM_DEF_ERROR_UNSUPPORTED, /* valid libvirt XML that ACRN cannot do */
} AcrnVmDefError;

/* Longest accepted VM name (the name shown to users). */
#define ACRN_VM_NAME_MAX 32
/* Longest name acrn-dm accepts as its positional argument. */
#define ACRN_DM_NAME_MAX 15
/* The XML namespace of acrn-specific elements inside <metadata>. */
#define ACRN_VM_DEF_NAMESPACE "urn:acrn:domain:1"

/* What to do when the guest powers off, reboots or crashes. */
typedef enum {
	ACRN_VM_ACTION_DESTROY,
	ACRN_VM_ACTION_RESTART,
} AcrnVmAction;

/* What acrnd does with a running VM when the Service VM shuts down. */
typedef enum {
	ACRN_VM_HOST_SHUTDOWN_DEFAULT,	/* acrnd's global setting */
	ACRN_VM_HOST_SHUTDOWN_SHUTDOWN, /* graceful stop, force after the timeout */
	ACRN_VM_HOST_SHUTDOWN_LEAVE,	/* leave it to the hypervisor: don't touch */
} AcrnVmHostShutdown;

typedef enum {
	ACRN_VM_NET_BRIDGE,   /* <interface type='bridge'> */
	ACRN_VM_NET_ETHERNET, /* <interface type='ethernet'> */
} AcrnVmNetType;

typedef enum {
	ACRN_VM_CONSOLE_NONE,
	ACRN_VM_CONSOLE_PTY,
	ACRN_VM_CONSOLE_STDIO,
	ACRN_VM_CONSOLE_FILE,
	ACRN_VM_CONSOLE_TCP,
} AcrnVmConsoleType;

typedef struct {
	char *source; /* backing file; NULL = empty slot ("nodisk") */
	char *target; /* target dev, e.g. "vda" */
	gboolean readonly;
	int pci_slot; /* -1 = assign automatically */
} AcrnVmDisk;

typedef struct {
	AcrnVmNetType type;
	char *bridge; /* <source bridge=...>, informational only */
	char *tap;    /* <target dev=...>: the host tap device */
	char *mac;    /* "xx:xx:xx:xx:xx:xx" (lower case) or NULL */
	int pci_slot; /* -1 = assign automatically */
} AcrnVmNet;

typedef struct {
	AcrnVmConsoleType type;
	char *path;	       /* file path for FILE */
	char *host;	       /* TCP bind address, NULL = any */
	guint port;	       /* TCP port */
	gboolean from_console; /* came from <console> rather than <serial> */
} AcrnVmConsole;

typedef struct {
	char *name;
	char uuid[37];		      /* canonical lower-case "8-4-4-4-12" */
	guint64 memory_bytes;	      /* <memory> */
	guint64 current_memory_bytes; /* <currentMemory>, <= memory_bytes */
	guint vcpus;
	/* Host CPUs the VM may run on (union of <vcpu cpuset> and
	 * <cputune><vcpupin>), sorted, no duplicates; empty = unpinned. */
	GArray *cpu_affinity; /* of guint */
	/* Per-vCPU pinning as written, index = vcpu; NULL entries = none. */
	GPtrArray *vcpupin; /* of char * cpuset strings */
	char *vcpu_cpuset;  /* <vcpu cpuset=...> as written, or NULL */

	char *kernel;  /* <os><kernel> */
	char *initrd;  /* <os><initrd> */
	char *cmdline; /* <os><cmdline> */
	char *loader;  /* <os><loader> (OVMF image) */

	GPtrArray *disks; /* of AcrnVmDisk * */
	GPtrArray *nets;  /* of AcrnVmNet * */
	AcrnVmConsole console;
	/* <rng model='virtio'>: acrn-dm's virtio-rnd, fed by the Service VM's
	 * getrandom(); at most one. */
	gboolean rng;
	int rng_pci_slot; /* -1 = assign automatically */

	AcrnVmAction on_poweroff;
	AcrnVmAction on_reboot;
	AcrnVmAction on_crash;

	/* <metadata><acrn:autostart enabled='yes|no' order='N'/> */
	gboolean autostart;
	int autostart_order; /* lower starts first; default 0 */

	/* <metadata><acrn:host-shutdown action='shutdown|leave' timeout='SEC'/>:
	 * what acrnd does with this VM when the Service VM shuts down.
	 * DEFAULT (element absent) follows acrnd's global setting; a timeout
	 * of 0 means acrnd's global timeout. */
	AcrnVmHostShutdown host_shutdown;
	guint host_shutdown_timeout_sec;

	char *title;	   /* <title>, kept for round trips */
	char *description; /* <description> */
	/* Other children of <metadata> (e.g. Nova's), serialized verbatim so
	 * that definitions passed through virtacrnd survive a round trip. */
	char *foreign_metadata;

	/* Set by acrn_vm_def_parse(): the XML had no <uuid> (one was
	 * generated) / had an <acrn:autostart> element.  Lets acrnd apply
	 * "redefine by name" and keep the autostart flag on a redefinition. */
	gboolean uuid_generated;
	gboolean autostart_set;
} AcrnVmDef;

AcrnVmDef *acrn_vm_def_new(void);
void acrn_vm_def_free(AcrnVmDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AcrnVmDef, acrn_vm_def_free)

/* Parse and validate a domain XML document.  A missing <uuid> is generated.
 * Returns NULL and sets @error (ACRN_VM_DEF_ERROR) on failure. */
AcrnVmDef *acrn_vm_def_parse(const char *xml, gssize len, GError **error);

/* Canonical XML for @def (the format of GetConfig and of the state files);
 * parsing the result gives an equal definition. */
char *acrn_vm_def_to_xml(const AcrnVmDef *def);

/* A deep copy. */
AcrnVmDef *acrn_vm_def_copy(const AcrnVmDef *def);

/* TRUE if @name is a valid VM name: [A-Za-z0-9_.-], starting with a
 * letter, 1..ACRN_VM_NAME_MAX characters.  On FALSE, @reason (if not NULL)
 * is set to a static string saying why. */
gboolean acrn_vm_name_is_valid(const char *name, const char **reason);

/* Normalize a UUID given with or without dashes, any case, into the
 * canonical form.  Returns FALSE if @in is not a UUID. */
gboolean acrn_vm_uuid_normalize(const char *in, char out[37]);

/* The UUID as 32 hex digits (the last element of the VM's D-Bus path). */
void acrn_vm_uuid_to_hex32(const char *uuid, char out[33]);

/* A file path a definition (or a request to acrn-dm, such as a block
 * rescan) may name: absolute, and without the ',' and newline that acrn-dm's
 * option syntax cannot carry.  @where names the field in the error. */
gboolean acrn_vm_def_check_path(const char *where, const char *path, GError **error);

/* The name handed to acrn-dm (at most ACRN_DM_NAME_MAX characters): the
 * VM name itself when short enough, else its first 10 characters, '-' and
 * the first 4 hex digits of the UUID. Free with g_free(). */
char *acrn_vm_def_dm_name(const AcrnVmDef *def);

/* Name of the enum values as written in XML ("destroy", "restart"). */
const char *acrn_vm_action_to_string(AcrnVmAction action);

/* Options for acrn_vm_def_to_dm_argv() that are not part of the definition. */
typedef struct {
	const char *dm_path;	    /* argv[0], e.g. "/usr/bin/acrn-dm" */
	const char *control_socket; /* path of the per-VM control socket
				     * (docs/dm-control-protocol.md), or NULL */
} AcrnDmArgvOptions;

/* THE one place that turns a definition into an acrn-dm command line.
 * Returns a NULL-terminated argv (free with g_strfreev) or NULL with @error
 * set (e.g. PCI slot conflicts). */
char **acrn_vm_def_to_dm_argv(const AcrnVmDef *def, const AcrnDmArgvOptions *opts, GError **error);

G_END_DECLS
