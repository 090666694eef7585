/* The device model as a process (acrnd/dm-process.c): exit statuses of
 * spawned children, adoption of a process that is not our child, PID reuse
 * guards. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dm-process.h"
#include "test-reaper.h"

typedef struct {
	gboolean ended;
	gboolean known;
	int status;
} Exit;

static void on_exit_cb(gboolean known, int status, gpointer data)
{
	Exit *e = data;

	g_assert_false(e->ended); /* called once */
	e->ended = TRUE;
	e->known = known;
	e->status = status;
}

static gboolean on_timeout(gpointer data)
{
	g_error("the process exit was not noticed within 10 s");
	return G_SOURCE_REMOVE;
}

static void wait_exit(Exit *e)
{
	guint t = g_timeout_add_seconds(10, on_timeout, NULL);

	while (!e->ended)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(t);
}

static void test_spawn_exit_status(void)
{
	char *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	g_autoptr(GError) error = NULL;
	Exit e = {0};
	AcrnDmProcess *proc = acrn_dm_process_spawn(argv, 2, on_exit_cb, &e, &error);

	g_assert_no_error(error);
	g_assert_cmpint(acrn_dm_process_get_pid(proc), >, 0);
	wait_exit(&e);
	g_assert_true(e.known);
	g_assert_true(WIFEXITED(e.status));
	g_assert_cmpint(WEXITSTATUS(e.status), ==, 3);
	/* Reaped: signalling must not reach whatever reuses the PID. */
	acrn_dm_process_signal(proc, SIGKILL);
	acrn_dm_process_free(proc);
}

static void test_spawn_own_session_and_signal(void)
{
	char *argv[] = {"/bin/sleep", "30", NULL};
	g_autoptr(GError) error = NULL;
	Exit e = {0};
	AcrnDmProcess *proc = acrn_dm_process_spawn(argv, 2, on_exit_cb, &e, &error);
	int pid;

	g_assert_no_error(error);
	pid = acrn_dm_process_get_pid(proc);
	/* setsid() in the child: it leads its own session. */
	for (int i = 0; i < 1000 && getsid(pid) != pid; i++)
		g_usleep(1000);
	g_assert_cmpint(getsid(pid), ==, pid);
	acrn_dm_process_signal(proc, SIGTERM);
	wait_exit(&e);
	g_assert_true(WIFSIGNALED(e.status));
	g_assert_cmpint(WTERMSIG(e.status), ==, SIGTERM);
	acrn_dm_process_free(proc);
}

static void test_spawn_failure(void)
{
	char *argv[] = {"/nonexistent/acrn-dm", NULL};
	g_autoptr(GError) error = NULL;
	Exit e = {0};

	g_assert_null(acrn_dm_process_spawn(argv, 2, on_exit_cb, &e, &error));
	g_assert_nonnull(error);
}

/* A process that is not our child: adopted, signalled, its end noticed
 * without an exit status. */
static void test_adopt(void)
{
	g_autoptr(GError) error = NULL;
	Exit e = {0};
	AcrnDmProcess *proc;
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		pause();
		_exit(0);
	}
	/* Our child, but watched as a stranger would be (pidfd or polling). */
	g_assert_null(
	    acrn_dm_process_adopt(pid, acrn_proc_start_time(pid) + 1, on_exit_cb, &e, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_clear_error(&error);
	proc = acrn_dm_process_adopt(pid, acrn_proc_start_time(pid), on_exit_cb, &e, &error);
	g_assert_no_error(error);
	acrn_dm_process_signal(proc, SIGKILL);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSIGNALED(status));
	wait_exit(&e);
	g_assert_false(e.known);
	acrn_dm_process_free(proc);
	g_assert_null(acrn_dm_process_adopt(pid, 1, on_exit_cb, &e, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

/* Freeing stops watching and leaves the process running. */
static void test_free_keeps_process(void)
{
	char *argv[] = {"/bin/sleep", "30", NULL};
	g_autoptr(GError) error = NULL;
	Exit e = {0};
	AcrnDmProcess *proc = acrn_dm_process_spawn(argv, 2, on_exit_cb, &e, &error);
	int pid = acrn_dm_process_get_pid(proc);
	int status;

	acrn_dm_process_free(proc);
	g_assert_cmpint(kill(pid, 0), ==, 0);
	kill(pid, SIGKILL);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_false(e.ended);
}

static void test_proc_start_time(void)
{
	pid_t child;
	int status;

	g_assert_cmpuint(acrn_proc_start_time(getpid()), >, 0);
	g_assert_cmpuint(acrn_proc_start_time(getpid()), ==, acrn_proc_start_time(getpid()));
	g_assert_cmpuint(acrn_proc_start_time(-5), ==, 0);
	/* A zombie counts as gone. */
	child = fork();
	if (child == 0)
		_exit(0);
	while (TRUE) {
		g_autofree char *p = g_strdup_printf("/proc/%d/stat", child);
		g_autofree char *s = NULL;

		g_assert_true(g_file_get_contents(p, &s, NULL, NULL));
		if (strstr(s, ") Z "))
			break;
		g_usleep(1000);
	}
	g_assert_cmpuint(acrn_proc_start_time(child), ==, 0);
	waitpid(child, &status, 0);
}

static void test_control_socket_answers(void)
{
	g_autofree char *dir = g_dir_make_tmp("dm-process-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "vm.sock", NULL);
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autoptr(GSocket) sock = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, 0, NULL);

	g_assert_false(acrn_dm_control_socket_answers(path));
	g_assert_true(g_socket_bind(sock, addr, TRUE, NULL));
	/* Bound but not listening: a stale socket file of a dead process. */
	g_assert_false(acrn_dm_control_socket_answers(path));
	g_assert_true(g_socket_listen(sock, NULL));
	g_assert_true(acrn_dm_control_socket_answers(path));
	g_socket_close(sock, NULL);
	g_assert_false(acrn_dm_control_socket_answers(path));
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	test_reaper_init();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-process/spawn-exit-status", test_spawn_exit_status);
	g_test_add_func("/dm-process/spawn-own-session-and-signal",
			test_spawn_own_session_and_signal);
	g_test_add_func("/dm-process/spawn-failure", test_spawn_failure);
	g_test_add_func("/dm-process/adopt", test_adopt);
	g_test_add_func("/dm-process/free-keeps-process", test_free_keeps_process);
	g_test_add_func("/dm-process/proc-start-time", test_proc_start_time);
	g_test_add_func("/dm-process/control-socket-answers", test_control_socket_answers);
	return g_test_run();
}
