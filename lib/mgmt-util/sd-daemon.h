/* The two pieces of the systemd service protocol acrnd and virtacrnd use,
 * written here so that neither links libsystemd (which maps about 1 MiB of
 * compression and crypto libraries into each daemon for two small
 * protocols):
 *  - readiness notification: a datagram with "KEY=VALUE" lines to the
 *    AF_UNIX socket named by $NOTIFY_SOCKET (a path, or '@' for the
 *    abstract namespace);
 *  - socket activation: $LISTEN_PID (must be this process), $LISTEN_FDS
 *    descriptors from 3 on, and their names in $LISTEN_FDNAMES (separated
 *    by ':').
 * See systemd's sd_notify(3) and sd_listen_fds(3) for the protocols. */
#pragma once

#include <glib.h>

#define ACRN_SD_LISTEN_FDS_START 3

/* Send @state; FALSE (and nothing sent) when not run by systemd or the
 * socket cannot be reached.  Never blocks for long: a datagram. */
gboolean acrn_sd_notify(const char *state);
gboolean acrn_sd_notifyf(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* The number of descriptors systemd passed (0 when none or meant for
 * another process), each made close-on-exec; *names gets one name per
 * descriptor ("unknown" where none was given), or NULL.  The variables are
 * removed from the environment so that children do not see them.  A
 * malformed environment gives -EINVAL. */
int acrn_sd_listen_fds(char ***names);
