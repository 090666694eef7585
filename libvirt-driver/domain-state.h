/* How acrnd's VM states, reasons and events read in libvirt terms. */
#pragma once

#include <glib.h>

#include "acrnd-client.h"

/* TRUE while the VM has a running (or paused/suspended) device model. */
gboolean domain_state_is_active(const char *state);
/* virDomainState and its reason for acrnd's State/StateReason. */
void domain_state_to_libvirt(const char *state, const char *reason, int *vir_state,
			     int *vir_reason);
/* The libvirt domain id: positive and stable while the VM runs (the PID of
 * its acrn-dm, so it changes when the VM restarts, as Nova's soft reboot
 * expects), -1 when inactive. */
int domain_state_id(const AcrndVm *vm);

typedef enum {
	DOMAIN_EVENT_NONE,
	DOMAIN_EVENT_LIFECYCLE,
	DOMAIN_EVENT_REBOOT,
} DomainEventKind;

/* Maps an acrnd VMEvent to a libvirt lifecycle event (event, detail) or a
 * reboot event; DOMAIN_EVENT_NONE when libvirt has no equivalent. */
DomainEventKind domain_state_event_to_libvirt(const char *event, const char *detail, int *vir_event,
					      int *vir_detail);
