/* The device model process: spawn, adopt, exit notification, signals. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib-unix.h>

#include "dm-process.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define POLL_ALIVE_MS 200

struct _AcrnDmProcess {
	GPid pid;
	gboolean is_child;  /* our unreaped child: its PID cannot be reused */
	guint64 start_time; /* of an adopted process (the polling fallback) */
	int pidfd;	    /* of an adopted process, or -1 */
	guint watch;	    /* child watch, pidfd source or poll timer */
	gboolean ended;
	AcrnDmProcessExitFunc on_exit;
	gpointer data;
};

static AcrnDmProcess *process_new(GPid pid, AcrnDmProcessExitFunc on_exit, gpointer data)
{
	AcrnDmProcess *proc = g_new0(AcrnDmProcess, 1);

	proc->pid = pid;
	proc->pidfd = -1;
	proc->on_exit = on_exit;
	proc->data = data;
	return proc;
}

static void ended(AcrnDmProcess *proc, gboolean known, int status)
{
	proc->watch = 0; /* each watch below is a one-shot source */
	proc->ended = TRUE;
	proc->is_child = FALSE; /* reaped: the PID may be reused from now on */
	proc->on_exit(known, status, proc->data);
}

static void on_child_exit(GPid pid, int status, gpointer data)
{
	g_spawn_close_pid(pid);
	ended(data, TRUE, status);
}

/* Not our child: the exit status belongs to whoever reaps it. */
static gboolean on_pidfd(int fd, GIOCondition cond, gpointer data)
{
	ended(data, FALSE, 0);
	return G_SOURCE_REMOVE;
}

static gboolean on_poll_alive(gpointer data)
{
	AcrnDmProcess *proc = data;

	if (acrn_proc_start_time(proc->pid) == proc->start_time)
		return G_SOURCE_CONTINUE;
	ended(proc, FALSE, 0);
	return G_SOURCE_REMOVE;
}

static void child_setup(gpointer data)
{
	setsid();
}

AcrnDmProcess *acrn_dm_process_spawn(char **argv, int logfd, AcrnDmProcessExitFunc on_exit,
				     gpointer data, GError **error)
{
	AcrnDmProcess *proc;
	GPid pid;

	if (!g_spawn_async_with_fds(NULL, argv, NULL,
				    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
				    child_setup, NULL, &pid, -1, logfd, logfd, error))
		return NULL;
	proc = process_new(pid, on_exit, data);
	proc->is_child = TRUE;
	proc->watch = g_child_watch_add(pid, on_child_exit, proc);
	return proc;
}

AcrnDmProcess *acrn_dm_process_adopt(int pid, guint64 start_time, AcrnDmProcessExitFunc on_exit,
				     gpointer data, GError **error)
{
	AcrnDmProcess *proc;
	guint64 st = acrn_proc_start_time(pid);
	int fd;

	if (st == 0 || st != start_time) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "process %d is gone%s", pid,
			    st ? " (PID reused by another process)" : "");
		return NULL;
	}
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno != ENOSYS) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot watch process %d: %s", pid, g_strerror(errno));
		return NULL;
	}
	/* Checked again after opening: the PID could have been recycled
	 * between the first check and pidfd_open. */
	if (acrn_proc_start_time(pid) != start_time) {
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "process %d ended while being adopted", pid);
		return NULL;
	}
	proc = process_new(pid, on_exit, data);
	proc->start_time = start_time;
	proc->pidfd = fd;
	if (fd >= 0) {
		proc->watch = g_unix_fd_add(fd, G_IO_IN, on_pidfd, proc);
	} else {
		g_warning("pidfd_open is not available; watching pid %d by polling", pid);
		proc->watch = g_timeout_add(POLL_ALIVE_MS, on_poll_alive, proc);
	}
	return proc;
}

int acrn_dm_process_get_pid(const AcrnDmProcess *proc)
{
	return proc->pid;
}

void acrn_dm_process_signal(AcrnDmProcess *proc, int sig)
{
	if (proc->ended)
		return;
	if (proc->pidfd >= 0) {
		if (syscall(SYS_pidfd_send_signal, proc->pidfd, sig, NULL, 0) != 0)
			g_debug("pidfd_send_signal: %s", g_strerror(errno));
	} else if (proc->is_child) {
		kill(proc->pid, sig);
	} else if (proc->start_time && acrn_proc_start_time(proc->pid) == proc->start_time) {
		/* No pidfd (kernel < 5.3, valgrind): the start-time check
		 * narrows, but cannot close, the PID reuse window. */
		kill(proc->pid, sig);
	}
}

void acrn_dm_process_free(AcrnDmProcess *proc)
{
	if (!proc)
		return;
	g_clear_handle_id(&proc->watch, g_source_remove);
	if (proc->pidfd >= 0)
		close(proc->pidfd);
	g_free(proc);
}

guint64 acrn_proc_start_time(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *contents = NULL;
	g_auto(GStrv) fields = NULL;
	const char *rp;
	guint64 t;

	if (pid <= 0 || !g_file_get_contents(path, &contents, NULL, NULL))
		return 0;
	/* The command name (field 2) may contain spaces: skip past ')'. */
	rp = strrchr(contents, ')');
	if (!rp)
		return 0;
	fields = g_strsplit(rp + 2, " ", 0);
	/* fields[0] is field 3 (state), so field 22 is fields[19]. */
	if (g_strv_length(fields) < 20 || fields[0][0] == 'Z' || fields[0][0] == 'X')
		return 0;
	if (!g_ascii_string_to_unsigned(fields[19], 10, 0, G_MAXUINT64, &t, NULL))
		return 0;
	return t;
}

/* A device model that acrnd lost track of (its runtime record is gone) may
 * still run the guest on the same disks: it still listens here. */
gboolean acrn_dm_control_socket_answers(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	gboolean alive;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return FALSE;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return FALSE;
	/* A UNIX connect does not block; EAGAIN means a full backlog. */
	alive = connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 || errno == EAGAIN ||
		errno == EINPROGRESS;
	close(fd);
	return alive;
}
