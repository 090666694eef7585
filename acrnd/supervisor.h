/* The set of VMs acrnd manages: definitions on disk, re-attach at start-up,
 * autostart, transient VMs.  Model code: no D-Bus in here. */
#pragma once

#include <gio/gio.h>

#include "vm.h"

G_BEGIN_DECLS

/* Upper bound on defined VMs (every client-controllable resource is bounded). */
#define ACRN_SUPERVISOR_MAX_VMS 4096

#define ACRN_TYPE_SUPERVISOR (acrn_supervisor_get_type())
G_DECLARE_FINAL_TYPE(AcrnSupervisor, acrn_supervisor, ACRN, SUPERVISOR, GObject)

/* Signals: "vm-added" (AcrnMachine *), "vm-removed" (AcrnMachine *), and
 * for every defined VM its own "changed" and "event" as "vm-changed"
 * (AcrnMachine *) and "vm-event" (AcrnMachine *, event, detail): listen
 * here once instead of connecting to each VM. */

/* Takes ownership of @cfg (free its strings with acrn_vm_config_clear). */
AcrnSupervisor *acrn_supervisor_new(AcrnVmConfig *cfg, const char *state_dir);
void acrn_vm_config_clear(AcrnVmConfig *cfg);

/* Read every definition from the state directory (corrupt ones are logged
 * and skipped, never deleted) and re-attach to device models that survived
 * an acrnd restart.  Completes when all re-attach attempts are done. */
void acrn_supervisor_load_async(AcrnSupervisor *sup, GAsyncReadyCallback cb, gpointer data);
gboolean acrn_supervisor_load_finish(AcrnSupervisor *sup, GAsyncResult *res, GError **error);

/* Start every stopped autostart VM, lowest order first (then by name), one
 * after the other; only the first time since the Service VM booted (a
 * marker file "autostarted" in the run directory). */
void acrn_supervisor_autostart(AcrnSupervisor *sup);
/* Wait @delay_ms between one autostart VM's start and the next one's
 * (default 0).  A VM that fails to start does not stop the others. */
void acrn_supervisor_set_autostart_delay(AcrnSupervisor *sup, guint delay_ms);
/* Drop the VMs still waiting for autostart (host shutdown). */
void acrn_supervisor_cancel_autostart(AcrnSupervisor *sup);
/* Call once acrnd is the only one (it owns the bus name): writes the
 * definitions that loading found only in the journal to their files,
 * removes the journal and the temporary files of interrupted writes.
 * Until then persistent definitions are written straight to their files
 * (and those still in the journal cannot change). */
void acrn_supervisor_recover_store(AcrnSupervisor *sup);

/* VMs sorted by name; borrowed pointers. */
GPtrArray *acrn_supervisor_list(AcrnSupervisor *sup);
guint acrn_supervisor_count(AcrnSupervisor *sup);
/* By name or by UUID (with or without dashes).  Borrowed, or NULL. */
AcrnMachine *acrn_supervisor_lookup(AcrnSupervisor *sup, const char *name_or_uuid);

/* Define a persistent VM or replace the definition of a stopped one (same
 * UUID, or same name when the XML has no UUID).  Borrowed result.  The
 * definition is on stable storage when this returns: in the journal
 * (acrnd/journal.h), written to <state-dir>/<uuid>.xml once definitions
 * stop coming for a moment, and at the latest by the next start. */
/* @keep_name: refuse to rename a VM whose UUID @xml names (libvirt's rule). */
AcrnMachine *acrn_supervisor_define(AcrnSupervisor *sup, const char *xml, gboolean keep_name,
				    GError **error);
/* Create and start a transient VM. */
void acrn_supervisor_create_async(AcrnSupervisor *sup, const char *xml, GAsyncReadyCallback cb,
				  gpointer data);
AcrnMachine *acrn_supervisor_create_finish(AcrnSupervisor *sup, GAsyncResult *res, GError **error);
gboolean acrn_supervisor_undefine(AcrnSupervisor *sup, AcrnMachine *vm, GError **error);
gboolean acrn_supervisor_set_autostart(AcrnSupervisor *sup, AcrnMachine *vm, gboolean autostart,
				       GError **error);

/* Gracefully stop every active VM (force-stop after @timeout_sec). */
void acrn_supervisor_stop_all_async(AcrnSupervisor *sup, guint timeout_sec, GAsyncReadyCallback cb,
				    gpointer data);

G_END_DECLS
