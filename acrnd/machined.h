/* Registration of running User VMs with systemd-machined.
 *
 * Once a VM runs (or is re-attached after an acrnd restart), acrnd asks
 * machined to CreateMachine it: class "vm", service "acrn", the VM's UUID,
 * leader = its acrn-dm.  machined moves acrn-dm into its own scope
 * machine-<name>.scope under machine.slice, so `machinectl list` shows the
 * VM, and the scope ends (and machined forgets the machine) when acrn-dm
 * exits.  acrnd remains the owner of the VM's state: what machinectl does
 * to the scope, acrnd sees as what happens to acrn-dm.
 *
 * Without machined on the bus, acrn-dm stays where acrnd started it and
 * acrnd says so once in its log. */
#pragma once

#include <gio/gio.h>

#include "supervisor.h"

G_BEGIN_DECLS

typedef struct _AcrnMachined AcrnMachined;

AcrnMachined *acrn_machined_new(GDBusConnection *conn, AcrnSupervisor *sup);
void acrn_machined_free(AcrnMachined *md);

/* The machine name of a VM: its name when machined accepts it as one (a
 * valid host name label), otherwise "acrn-<uuid as 32 hex digits>". */
char *acrn_machined_name_for(const char *vm_name, const char *uuid);

G_END_DECLS
