/* The systemd service protocols without libsystemd (sd-daemon.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd-daemon.h"

static int bind_dgram(const char *path, gboolean abstract)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	memcpy(addr.sun_path, path, strlen(path));
	if (abstract)
		addr.sun_path[0] = '\0';
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, len), ==, 0);
	return fd;
}

static char *receive(int fd)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	g_assert_cmpint(n, >=, 0);
	buf[n] = '\0';
	return g_strdup(buf);
}

static void test_notify(void)
{
	g_autofree char *dir = g_dir_make_tmp("sd-notify-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "notify", NULL);
	g_autofree char *abstract = g_strdup_printf("@acrn-test-%d", getpid());
	g_autofree char *got = NULL;
	int fd = bind_dgram(path, FALSE);
	int afd = bind_dgram(abstract, TRUE);

	g_unsetenv("NOTIFY_SOCKET");
	g_assert_false(acrn_sd_notify("READY=1")); /* not under systemd */
	g_setenv("NOTIFY_SOCKET", path, TRUE);
	g_assert_true(acrn_sd_notify("READY=1"));
	got = receive(fd);
	g_assert_cmpstr(got, ==, "READY=1");
	g_clear_pointer(&got, g_free);
	g_assert_true(acrn_sd_notifyf("READY=1\nSTATUS=managing %u VMs", 3u));
	got = receive(fd);
	g_assert_cmpstr(got, ==, "READY=1\nSTATUS=managing 3 VMs");
	g_clear_pointer(&got, g_free);
	g_setenv("NOTIFY_SOCKET", abstract, TRUE);
	g_assert_true(acrn_sd_notify("STOPPING=1"));
	got = receive(afd);
	g_assert_cmpstr(got, ==, "STOPPING=1");
	/* Relative paths and nothing to send to are refused. */
	g_setenv("NOTIFY_SOCKET", "notify", TRUE);
	g_assert_false(acrn_sd_notify("READY=1"));
	g_setenv("NOTIFY_SOCKET", "/nonexistent/notify", TRUE);
	g_assert_false(acrn_sd_notify("READY=1"));
	g_unsetenv("NOTIFY_SOCKET");
	close(fd);
	close(afd);
	unlink(path);
	rmdir(dir);
}

static void set_listen_env(const char *pid, const char *fds, const char *names)
{
	g_setenv("LISTEN_PID", pid, TRUE);
	g_setenv("LISTEN_FDS", fds, TRUE);
	if (names)
		g_setenv("LISTEN_FDNAMES", names, TRUE);
	else
		g_unsetenv("LISTEN_FDNAMES");
}

static void test_listen_fds(void)
{
	g_autofree char *pid = g_strdup_printf("%d", getpid());
	char **names = NULL;
	int sv[2];

	/* fds 3 and 4 as systemd would pass them (without close-on-exec) */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	g_assert_cmpint(dup2(sv[0], 3), ==, 3);
	g_assert_cmpint(dup2(sv[1], 4), ==, 4);
	if (sv[0] != 3 && sv[0] != 4)
		close(sv[0]);
	if (sv[1] != 3 && sv[1] != 4)
		close(sv[1]);

	g_unsetenv("LISTEN_PID");
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, 0);
	g_assert_null(names);

	set_listen_env(pid, "2", "virtacrnd.socket:virtacrnd-ro.socket");
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, 2);
	g_assert_cmpuint(g_strv_length(names), ==, 2);
	g_assert_cmpstr(names[0], ==, "virtacrnd.socket");
	g_assert_cmpstr(names[1], ==, "virtacrnd-ro.socket");
	g_assert_cmpint(fcntl(3, F_GETFD) & FD_CLOEXEC, !=, 0);
	g_assert_cmpint(fcntl(4, F_GETFD) & FD_CLOEXEC, !=, 0);
	g_assert_null(g_getenv("LISTEN_PID")); /* children do not see them */
	g_assert_null(g_getenv("LISTEN_FDS"));
	g_assert_null(g_getenv("LISTEN_FDNAMES"));
	g_clear_pointer(&names, g_strfreev);

	/* no or too few names */
	set_listen_env(pid, "2", "only");
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, 2);
	g_assert_cmpstr(names[0], ==, "only");
	g_assert_cmpstr(names[1], ==, "unknown");
	g_clear_pointer(&names, g_strfreev);

	/* for another process */
	set_listen_env("1", "2", NULL);
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, 0);
	g_assert_null(names);
	g_assert_null(g_getenv("LISTEN_FDS"));

	/* malformed */
	set_listen_env("12x", "2", NULL);
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, -EINVAL);
	set_listen_env(pid, "-1", NULL);
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, -EINVAL);
	set_listen_env(pid, "999999", NULL);
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, -EINVAL);
	/* a descriptor that is not open */
	set_listen_env(pid, "3", NULL);
	g_assert_cmpint(acrn_sd_listen_fds(&names), ==, -EBADF);
	close(3);
	close(4);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/sd-daemon/notify", test_notify);
	g_test_add_func("/sd-daemon/listen-fds", test_listen_fds);
	return g_test_run();
}
