/* One User VM as acrn-dm runs it: creation through the HSM, memory,
 * devices, kernel, the I/O request thread, the control channel's requests
 * and the guest's power transitions, and an orderly teardown on every exit
 * path (docs/devicemodel.md). */
#pragma once

#include "dm-options.h"

G_BEGIN_DECLS

typedef struct DmVm DmVm;

DmVm *dm_vm_new(DmConfig *cfg);
/* Creates and starts the VM; on failure reports it (stderr and a
 * start-failed event) and returns FALSE. */
gboolean dm_vm_start(DmVm *vm, GError **error);
/* Serves the VM until it ends; returns acrn-dm's exit status. */
int dm_vm_run(DmVm *vm);
/* Pauses and destroys the VM in the hypervisor, frees everything. */
void dm_vm_free(DmVm *vm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmVm, dm_vm_free)

/* Opens the control socket (before the VM exists, so that acrnd can watch
 * the whole start-up). */
gboolean dm_vm_open_control(DmVm *vm, GError **error);
/* Tells a connected acrnd that the start failed. */
void dm_vm_report_start_failure(DmVm *vm, const char *message);

G_END_DECLS
