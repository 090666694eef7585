/* One VM: its definition, its lifecycle state machine and the supervision
 * of its acrn-dm process.  Model code: no D-Bus in here.  (The type is
 * AcrnMachine because AcrnVM is the generated D-Bus interface.)
 *
 * Concurrency rule: one mutating operation per VM at a time.  Starting a
 * second one while the first is in flight fails with ACRND_ERROR_BUSY, with
 * one exception: ForceStop may preempt a pending Start, Shutdown or Reboot
 * (the preempted Shutdown then succeeds, Start/Reboot fail with Cancelled).
 * A Shutdown without "wait" keeps the VM busy until the guest is off or
 * the shutdown timeout expires. */
#pragma once

#include <gio/gio.h>

#include "store.h"
#include "vm-definition.h"

G_BEGIN_DECLS

typedef enum {
	ACRN_VM_STATE_STOPPED,
	ACRN_VM_STATE_STARTING,
	ACRN_VM_STATE_RUNNING,
	ACRN_VM_STATE_PAUSED,
	ACRN_VM_STATE_SUSPENDED,
	ACRN_VM_STATE_STOPPING,
	ACRN_VM_STATE_CRASHED,
} AcrnVmState;

const char *acrn_machine_state_to_string(AcrnVmState state);

/* Daemon-wide settings every VM reads (owned by the supervisor). */
typedef struct {
	char *dm_path;
	char *run_dir;
	guint restart_burst;	    /* at most this many automatic restarts ... */
	guint restart_interval_sec; /* ... within this many seconds */
	guint start_timeout_ms;	    /* acrn-dm must report "started" within this */
	guint kill_grace_ms;	    /* force-stop: SIGKILL if still alive after this */
} AcrnVmConfig;

typedef enum {
	ACRN_VM_REQUEST_PAUSE,
	ACRN_VM_REQUEST_RESUME,
	ACRN_VM_REQUEST_SUSPEND,
	ACRN_VM_REQUEST_WAKEUP,
	ACRN_VM_REQUEST_RESET,
} AcrnVmRequest;

typedef struct {
	gboolean wait;		      /* complete only when the guest is off */
	guint timeout_sec;	      /* how long the guest gets */
	gboolean force_after_timeout; /* force-stop on timeout instead of failing */
} AcrnVmStopOptions;

#define ACRN_TYPE_MACHINE (acrn_machine_get_type())
G_DECLARE_FINAL_TYPE(AcrnMachine, acrn_machine, ACRN, MACHINE, GObject)

/* Signals:
 *   "changed" ()                                     any property changed
 *   "event"   (const char *event, const char *detail)  lifecycle events as in
 *             the VMEvent D-Bus signal (started, stopped, crashed, ...) */

/* Takes ownership of @def.  @cfg must outlive the VM. */
AcrnMachine *acrn_machine_new(const AcrnVmConfig *cfg, AcrnVmDef *def, gboolean persistent);

const AcrnVmDef *acrn_machine_get_def(AcrnMachine *vm);
const char *acrn_machine_get_uuid(AcrnMachine *vm);
const char *acrn_machine_get_name(AcrnMachine *vm);
AcrnVmState acrn_machine_get_state(AcrnMachine *vm);
const char *acrn_machine_get_state_reason(AcrnMachine *vm);
guint64 acrn_machine_get_state_changed_usec(AcrnMachine *vm);
guint acrn_machine_get_leader_pid(AcrnMachine *vm);
const char *acrn_machine_get_console_path(AcrnMachine *vm);
gboolean acrn_machine_is_persistent(AcrnMachine *vm);
/* TRUE unless stopped or crashed. */
gboolean acrn_machine_is_active(AcrnMachine *vm);
gboolean acrn_machine_is_busy(AcrnMachine *vm);

/* Replace the definition (takes ownership); only while not active. */
void acrn_machine_replace_def(AcrnMachine *vm, AcrnVmDef *def);
void acrn_machine_set_autostart(AcrnMachine *vm, gboolean autostart);

/* Lifecycle operations; all complete through acrn_machine_op_finish().
 * @reason for start is shown as StateReason once running ("booted",
 * "autostart", ...). */
void acrn_machine_start_async(AcrnMachine *vm, const char *reason, GAsyncReadyCallback cb,
			      gpointer data);
void acrn_machine_shutdown_async(AcrnMachine *vm, const AcrnVmStopOptions *opts,
				 GAsyncReadyCallback cb, gpointer data);
void acrn_machine_reboot_async(AcrnMachine *vm, const AcrnVmStopOptions *opts,
			       GAsyncReadyCallback cb, gpointer data);
void acrn_machine_force_stop_async(AcrnMachine *vm, GAsyncReadyCallback cb, gpointer data);
void acrn_machine_request_async(AcrnMachine *vm, AcrnVmRequest req, GAsyncReadyCallback cb,
				gpointer data);
/* Managed save (libvirt's virDomainManagedSave): ACRN cannot write guest
 * memory to disk, so the guest sleeps in S3 inside its device model.  The
 * VM is "suspended" with the reason "managed-save" (its "suspended" and
 * "woken" events carry the detail "managed-save"; waking it gives the reason
 * "restored"); the mark survives an acrnd restart (runtime record), not a
 * Service VM reboot.  Completes once the guest is in S3, or fails with
 * Timeout after @timeout_sec (the guest keeps running, unmarked). */
void acrn_machine_managed_save_async(AcrnMachine *vm, guint timeout_sec, GAsyncReadyCallback cb,
				     gpointer data);
void acrn_machine_blkrescan_async(AcrnMachine *vm, guint slot, const char *path,
				  GAsyncReadyCallback cb, gpointer data);
/* Re-attach to an acrn-dm that survived an acrnd restart.  Fails (and
 * leaves the VM stopped) if the process is gone or its PID was reused. */
void acrn_machine_attach_async(AcrnMachine *vm, const AcrnRuntimeRecord *rec,
			       GAsyncReadyCallback cb, gpointer data);
gboolean acrn_machine_op_finish(AcrnMachine *vm, GAsyncResult *res, GError **error);

/* Paths of the VM's runtime files. */
char *acrn_machine_runtime_path(const AcrnVmConfig *cfg, const char *uuid, const char *suffix);

G_END_DECLS
