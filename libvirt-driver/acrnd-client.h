/* virtacrnd's only link to VM state: calls into acrnd over D-Bus through
 * the generated proxies (common/libacrn-dbus.la).  Every error returned
 * here is already a libvirt error (VIRT_ERROR domain). */
#pragma once

#include <gio/gio.h>

typedef struct AcrndClient AcrndClient;

typedef struct {
	char *object_path;
	char *uuid; /* canonical 36-character form */
	guint8 uuid_bytes[16];
	char *name;
	/* acrnd's state, but "saved" for a managed save (acrnd: suspended,
	 * reason managed-save), which libvirt shows as shut off. */
	char *state;
	/* Only valid when `have_details` (filled from the VM's properties). */
	gboolean have_details;
	char *state_reason;
	gboolean autostart;
	gboolean persistent;
	guint32 leader_pid;
	guint32 vcpus;
	guint64 memory_bytes;
	/* Listings and lookups hand out the entries of the kept listing
	 * itself, not copies: they stay valid while referenced, and nobody
	 * changes an entry that has its details. */
	gint refs;
} AcrndVm;

/* Drops a reference (each AcrndVm handed out holds one). */
void acrnd_vm_free(AcrndVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AcrndVm, acrnd_vm_free)

typedef enum {
	ACRND_VM_START,
	ACRND_VM_SHUTDOWN,
	ACRND_VM_FORCE_STOP,
	ACRND_VM_REBOOT,
	ACRND_VM_RESET,
	ACRND_VM_PAUSE,
	ACRND_VM_RESUME,
	ACRND_VM_SUSPEND,
	ACRND_VM_WAKEUP,
	ACRND_VM_UNDEFINE,
	ACRND_VM_MANAGED_SAVE, /* Suspend with managed-save: returns with the guest in S3 */
} AcrndVmAction;

typedef void (*AcrndEventFunc)(const char *object_path, const char *name, const char *event,
			       const char *detail, gpointer data);

/* bus_address NULL: the system bus, or the session bus when `session`. */
AcrndClient *acrnd_client_new(const char *bus_address, gboolean session, GError **error);
void acrnd_client_free(AcrndClient *client);
void acrnd_client_set_event_handler(AcrndClient *client, AcrndEventFunc func, gpointer data);

/* Parses "xxxxxxxx-xxxx-..." or 32 hex digits. */
gboolean acrnd_parse_uuid(const char *s, guint8 out[16]);
char *acrnd_format_uuid(const guint8 uuid[16]);

/* All VMs with uuid/name/state/path (no details), sorted by name. */
GPtrArray *acrnd_client_list(AcrndClient *client, GError **error);
/* Whether acrnd shares its generation counter with us: listings and
 * lookups are then answered from the kept listing with no round trip while
 * nothing changed. */
gboolean acrnd_client_has_counter(AcrndClient *client);
/* Looks a VM up with all its properties: from the kept listing once acrnd
 * confirms it current (a listing was taken before), else from the VM's
 * object.  One round trip either way. */
AcrndVm *acrnd_client_lookup_name(AcrndClient *client, const char *name, GError **error);
AcrndVm *acrnd_client_lookup_uuid(AcrndClient *client, const guint8 uuid[16], GError **error);
/* Loads the properties of a VM known by its object path. */
AcrndVm *acrnd_client_get_vm(AcrndClient *client, const char *object_path, GError **error);
/* Fills in the details of a VM from acrnd_client_list(). */
gboolean acrnd_client_load_details(AcrndClient *client, AcrndVm *vm, GError **error);

char *acrnd_client_define(AcrndClient *client, const char *xml, GError **error);
char *acrnd_client_create(AcrndClient *client, const char *xml, GError **error);
gboolean acrnd_client_vm_action(AcrndClient *client, const char *object_path, AcrndVmAction action,
				GError **error);
gboolean acrnd_client_set_autostart(AcrndClient *client, const char *object_path,
				    gboolean autostart, GError **error);
char *acrnd_client_get_config(AcrndClient *client, const char *object_path, GError **error);
char *acrnd_client_get_console_path(AcrndClient *client, const char *object_path, GError **error);
char *acrnd_client_get_version(AcrndClient *client, GError **error);

/* Turns a D-Bus error from acrnd into the libvirt error clients expect. */
void acrnd_error_to_virt(GError **error, const char *what);
