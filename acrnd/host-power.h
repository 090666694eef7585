/* Service VM power coordination: acrnd's side of host shutdown (S5) and
 * suspend (S3).
 *
 * While any VM is active acrnd holds a logind "delay" inhibitor for
 * shutdown:sleep.  logind's PrepareForShutdown(true) stops the VMs by
 * their host-shutdown policy before the lock is released;
 * PrepareForSleep(true) pauses or suspends the running ones and
 * PrepareForSleep(false) resumes exactly those again.  Without logind on
 * the bus acrnd works as before (and logs that once).
 *
 * SIGTERM: acrnd stops VMs only when the Service VM itself is shutting
 * down, i.e. systemd's SystemState is "stopping" (shutdown.target is
 * active or queued: what `systemctl is-system-running` prints).  A plain
 * `systemctl stop/restart acrnd` leaves them running. */
#pragma once

#include <gio/gio.h>

#include "supervisor.h"

G_BEGIN_DECLS

typedef enum {
	ACRN_HOST_SLEEP_PAUSE,	 /* pause the vCPUs */
	ACRN_HOST_SLEEP_SUSPEND, /* put the guest in S3 */
} AcrnHostSleepAction;

typedef struct {
	/* Global host-shutdown policy (SHUTDOWN or LEAVE) and timeout; a VM's
	 * <acrn:host-shutdown> overrides either. */
	AcrnVmHostShutdown shutdown_action;
	guint shutdown_timeout_sec;
	AcrnHostSleepAction sleep_action;
	/* Where the outcome of a host shutdown is written (atomically). */
	char *record_path;
} AcrnHostPowerConfig;

typedef struct _AcrnHostPower AcrnHostPower;

/* Watches logind on @conn and the VMs of @sup.  Copies @cfg. */
AcrnHostPower *acrn_host_power_new(GDBusConnection *conn, AcrnSupervisor *sup,
				   const AcrnHostPowerConfig *cfg);
void acrn_host_power_free(AcrnHostPower *hp);

/* acrnd got SIGTERM: if the Service VM is shutting down (or a shutdown
 * that logind announced is in progress), stop the VMs by their policy and
 * complete once they are down; otherwise complete at once and leave them
 * running.  The boolean result says whether VMs were stopped. */
void acrn_host_power_terminate_async(AcrnHostPower *hp, GAsyncReadyCallback cb, gpointer data);
gboolean acrn_host_power_terminate_finish(AcrnHostPower *hp, GAsyncResult *res);

/* The longest graceful-stop timeout any VM has (for EXTEND_TIMEOUT_USEC). */
guint acrn_host_power_max_timeout_sec(AcrnHostPower *hp);

/* Parse "shutdown"/"leave" and "pause"/"suspend" (command line). */
gboolean acrn_host_shutdown_action_parse(const char *s, AcrnVmHostShutdown *out);
gboolean acrn_host_sleep_action_parse(const char *s, AcrnHostSleepAction *out);

G_END_DECLS
