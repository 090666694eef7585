/* The device model as an operating-system process: spawning it in its own
 * session, adopting one that survived an acrnd restart, noticing its exit
 * (child watch, pidfd, or /proc polling where pidfd_open is missing) and
 * signalling it without hitting a recycled PID.  What the exit means for the
 * VM is decided by vm.c; nothing here knows about VMs. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _AcrnDmProcess AcrnDmProcess;

/* Called once, from the main loop, when the process has ended.
 * @status_known: @status is a wait status (only for our own children; an
 * adopted process is reaped by whoever is its parent). */
typedef void (*AcrnDmProcessExitFunc)(gboolean status_known, int status, gpointer data);

/* Run @argv with stdin from /dev/null and stdout/stderr to @logfd (not
 * closed), in a new session so that it outlives acrnd and gets none of its
 * terminal's signals. */
AcrnDmProcess *acrn_dm_process_spawn(char **argv, int logfd, AcrnDmProcessExitFunc on_exit,
				     gpointer data, GError **error);

/* Watch process @pid, started at @start_time (acrn_proc_start_time()),
 * which is not our child.  Fails if it is gone or its PID now names another
 * process. */
AcrnDmProcess *acrn_dm_process_adopt(int pid, guint64 start_time, AcrnDmProcessExitFunc on_exit,
				     gpointer data, GError **error);

int acrn_dm_process_get_pid(const AcrnDmProcess *proc);
/* Send @sig unless the process is known to be gone; never to a PID that
 * may have been reused by another process. */
void acrn_dm_process_signal(AcrnDmProcess *proc, int sig);
/* Stop watching (the process keeps running) and free. */
void acrn_dm_process_free(AcrnDmProcess *proc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AcrnDmProcess, acrn_dm_process_free)

/* Start time of @pid from /proc, or 0 if it does not exist or is a zombie. */
guint64 acrn_proc_start_time(int pid);

/* Something listens on the control socket at @path. */
gboolean acrn_dm_control_socket_answers(const char *path);

G_END_DECLS
