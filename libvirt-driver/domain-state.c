#include "config.h"

#include "domain-state.h"

#include <libvirt/libvirt.h>
#include <string.h>

gboolean domain_state_is_active(const char *state)
{
	static const char *const active[] = {"starting", "running", "paused", "suspended",
					     "stopping"};

	for (gsize i = 0; i < G_N_ELEMENTS(active); i++)
		if (g_strcmp0(state, active[i]) == 0)
			return TRUE;
	return FALSE;
}

static gboolean has_prefix(const char *s, const char *prefix)
{
	return s && g_str_has_prefix(s, prefix);
}

void domain_state_to_libvirt(const char *state, const char *reason, int *vir_state, int *vir_reason)
{
	*vir_reason = 0;
	if (g_strcmp0(state, "running") == 0 || g_strcmp0(state, "starting") == 0) {
		*vir_state = VIR_DOMAIN_RUNNING;
		*vir_reason = g_strcmp0(reason, "restored") == 0 ? VIR_DOMAIN_RUNNING_RESTORED
								 : VIR_DOMAIN_RUNNING_BOOTED;
	} else if (g_strcmp0(state, "saved") == 0) {
		/* A managed save (guest S3 in its device model). */
		*vir_state = VIR_DOMAIN_SHUTOFF;
		*vir_reason = VIR_DOMAIN_SHUTOFF_SAVED;
	} else if (g_strcmp0(state, "paused") == 0) {
		*vir_state = VIR_DOMAIN_PAUSED;
		*vir_reason = VIR_DOMAIN_PAUSED_USER;
	} else if (g_strcmp0(state, "suspended") == 0) {
		*vir_state = VIR_DOMAIN_PMSUSPENDED;
	} else if (g_strcmp0(state, "stopping") == 0) {
		/* The power button was pressed and the guest has not acted yet:
		 * libvirt (QEMU) still says running then.  Nova's graceful
		 * power_off polls the state after asking for a shutdown and
		 * takes VIR_DOMAIN_SHUTDOWN for "already off": it would destroy
		 * a guest that is still shutting down. */
		*vir_state = VIR_DOMAIN_RUNNING;
		*vir_reason = VIR_DOMAIN_RUNNING_BOOTED;
	} else if (g_strcmp0(state, "crashed") == 0) {
		/* acrnd's crashed VM has no device model any more: libvirt's
		 * on_crash=destroy outcome, "shut off (crashed)".  (libvirt's
		 * CRASHED state is on_crash=preserve, which ACRN refuses.) */
		*vir_state = VIR_DOMAIN_SHUTOFF;
		*vir_reason = VIR_DOMAIN_SHUTOFF_CRASHED;
	} else if (g_strcmp0(state, "stopped") == 0) {
		*vir_state = VIR_DOMAIN_SHUTOFF;
		if (g_strcmp0(reason, "guest-poweroff") == 0 ||
		    g_strcmp0(reason, "shutdown") == 0 || g_strcmp0(reason, "guest-reboot") == 0)
			*vir_reason = VIR_DOMAIN_SHUTOFF_SHUTDOWN;
		else if (has_prefix(reason, "force-stop"))
			*vir_reason = VIR_DOMAIN_SHUTOFF_DESTROYED;
		else if (has_prefix(reason, "dm-") || has_prefix(reason, "start-failed"))
			*vir_reason = VIR_DOMAIN_SHUTOFF_FAILED;
		else
			*vir_reason = VIR_DOMAIN_SHUTOFF_UNKNOWN;
	} else {
		*vir_state = VIR_DOMAIN_NOSTATE;
	}
}

int domain_state_id(const AcrndVm *vm)
{
	guint32 h = 0;

	if (!domain_state_is_active(vm->state))
		return -1;
	if (vm->leader_pid > 0 && vm->leader_pid <= G_MAXINT32)
		return (int)vm->leader_pid;
	/* Active without a device-model PID yet (starting): a positive id
	 * derived from the UUID keeps lookups by id working. */
	for (int i = 0; i < 16; i++)
		h = h * 31 + vm->uuid_bytes[i];
	return (int)(h & 0x3fffffff) | 1;
}

DomainEventKind domain_state_event_to_libvirt(const char *event, const char *detail, int *vir_event,
					      int *vir_detail)
{
	*vir_detail = 0;
	/* libvirt emits only Started and Stopped for a transient domain
	 * (create/destroy), never Defined/Undefined. */
	if ((g_strcmp0(event, "defined") == 0 || g_strcmp0(event, "undefined") == 0) &&
	    g_strcmp0(detail, "transient") == 0)
		return DOMAIN_EVENT_NONE;
	if (g_strcmp0(event, "defined") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_DEFINED;
		*vir_detail = g_strcmp0(detail, "updated") == 0 ? VIR_DOMAIN_EVENT_DEFINED_UPDATED
								: VIR_DOMAIN_EVENT_DEFINED_ADDED;
	} else if (g_strcmp0(event, "undefined") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_UNDEFINED;
		*vir_detail = VIR_DOMAIN_EVENT_UNDEFINED_REMOVED;
	} else if (g_strcmp0(event, "started") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_STARTED;
		*vir_detail = VIR_DOMAIN_EVENT_STARTED_BOOTED;
	} else if (g_strcmp0(event, "woken") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_STARTED;
		*vir_detail = g_strcmp0(detail, "managed-save") == 0
				  ? VIR_DOMAIN_EVENT_STARTED_RESTORED
				  : VIR_DOMAIN_EVENT_STARTED_WAKEUP;
	} else if (g_strcmp0(event, "suspended") == 0 && g_strcmp0(detail, "managed-save") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_STOPPED;
		*vir_detail = VIR_DOMAIN_EVENT_STOPPED_SAVED;
	} else if (g_strcmp0(event, "paused") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_SUSPENDED;
		*vir_detail = VIR_DOMAIN_EVENT_SUSPENDED_PAUSED;
	} else if (g_strcmp0(event, "resumed") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_RESUMED;
		*vir_detail = VIR_DOMAIN_EVENT_RESUMED_UNPAUSED;
	} else if (g_strcmp0(event, "suspended") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_PMSUSPENDED;
		*vir_detail = VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY;
	} else if (g_strcmp0(event, "stopped") == 0) {
		*vir_event = VIR_DOMAIN_EVENT_STOPPED;
		if (g_strcmp0(detail, "force-stop") == 0)
			*vir_detail = VIR_DOMAIN_EVENT_STOPPED_DESTROYED;
		else if (has_prefix(detail, "dm-crash") || has_prefix(detail, "crash"))
			*vir_detail = VIR_DOMAIN_EVENT_STOPPED_CRASHED;
		else if (has_prefix(detail, "dm-") || has_prefix(detail, "start-failed"))
			*vir_detail = VIR_DOMAIN_EVENT_STOPPED_FAILED;
		else
			*vir_detail = VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;
	} else if (g_strcmp0(event, "crashed") == 0 && has_prefix(detail, "guest-crash")) {
		*vir_event = VIR_DOMAIN_EVENT_CRASHED;
		*vir_detail = VIR_DOMAIN_EVENT_CRASHED_PANICKED;
	} else if (g_strcmp0(event, "crashed") == 0) {
		/* The device model died (or restarts hit the limit): what
		 * libvirt reports when QEMU dies, not a guest panic. */
		*vir_event = VIR_DOMAIN_EVENT_STOPPED;
		*vir_detail = VIR_DOMAIN_EVENT_STOPPED_FAILED;
	} else if (g_strcmp0(event, "rebooted") == 0 || g_strcmp0(event, "reset") == 0) {
		return DOMAIN_EVENT_REBOOT;
	} else {
		/* e.g. shutdown-requested: libvirt reports only the outcome
		 * (its SHUTDOWN event means the guest finished shutting down). */
		return DOMAIN_EVENT_NONE;
	}
	return DOMAIN_EVENT_LIFECYCLE;
}
