/* D-Bus transport of acrnd: exports the supervisor's VMs through the
 * generated org.acrn.Acrnd1 skeletons under a GDBusObjectManagerServer.
 * Parses arguments, checks authorization, calls the model, replies. */
#pragma once

#include <gio/gio.h>

#include "acrn-dbus-generated.h"
#include "dbus-auth.h"
#include "supervisor.h"

G_BEGIN_DECLS

typedef struct AcrnDbusService AcrnDbusService;

AcrnDbusService *acrn_dbus_service_new(GDBusConnection *conn, AcrnSupervisor *sup,
				       const char *manage_group);
void acrn_dbus_service_free(AcrnDbusService *svc);

/* ---- shared between dbus-service.c and dbus-vm.c ---- */

typedef struct {
	const char *key;
	const char *type; /* GVariant type string */
} AcrnDbusOption;

/* FALSE (after replying InvalidArgs) if @options has an unknown key or a
 * value of the wrong type. */
gboolean acrn_dbus_check_options(GDBusMethodInvocation *inv, GVariant *options,
				 const AcrnDbusOption *allowed);
/* Reply with @error: ACRN_ERROR and G_DBUS_ERROR as they are, the model's
 * ACRND_ERROR codes mapped to their D-Bus names, anything else Failed. */
void acrn_dbus_return_error(GDBusMethodInvocation *inv, const GError *error);

/* Counts a change of the VM set or of a listed VM value.  Clients may read
 * the counter from its shared page at any time (GetGenerationCounter): the
 * store is atomic, and it happens before the reply of the call that made
 * the change is sent. */
static inline void acrn_dbus_generation_bump(guint64 *generation)
{
	__atomic_add_fetch(generation, 1, __ATOMIC_RELEASE);
}

/* The object path of @vm (acrn_dbus_vm_path() of its UUID). */
char *acrn_dbus_machine_path(AcrnMachine *vm);

/* Per-VM object (dbus-vm.c). */
typedef struct AcrnDbusVm AcrnDbusVm;
AcrnDbusVm *acrn_dbus_vm_new(AcrnMachine *vm, AcrnSupervisor *sup, AcrnDbusAuth *auth,
			     AcrnManager *manager, guint64 *generation);
GDBusObjectSkeleton *acrn_dbus_vm_get_object(AcrnDbusVm *dvm);
/* The VM's "changed" and "event" (the supervisor's vm-changed and vm-event,
 * passed on by the service): properties, generation, VMEvent signal. */
void acrn_dbus_vm_changed(AcrnDbusVm *dvm);
void acrn_dbus_vm_event(AcrnDbusVm *dvm, const char *event, const char *detail);
/* Detaches @dvm from its VM; calls still waiting for authorization then
 * fail with NoSuchVM, and the memory goes with the last of them. */
void acrn_dbus_vm_free(AcrnDbusVm *dvm);

G_END_DECLS
