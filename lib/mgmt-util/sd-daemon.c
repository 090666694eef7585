/* systemd's notification and socket activation protocols (sd-daemon.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd-daemon.h"

gboolean acrn_sd_notify(const char *state)
{
	const char *path = g_getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	socklen_t len;
	gsize n;
	gboolean ok;
	int fd;

	if (!path || !state)
		return FALSE;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n < 2 || n >= sizeof(addr.sun_path))
		return FALSE;
	memcpy(addr.sun_path, path, n);
	if (path[0] == '@')
		addr.sun_path[0] = '\0'; /* abstract namespace: no NUL at the end */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FALSE;
	ok = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&addr, len) >= 0;
	close(fd);
	return ok;
}

gboolean acrn_sd_notifyf(const char *format, ...)
{
	g_autofree char *state = NULL;
	va_list ap;

	va_start(ap, format);
	state = g_strdup_vprintf(format, ap);
	va_end(ap);
	return acrn_sd_notify(state);
}

static gboolean parse_uint(const char *s, guint64 max, guint64 *out)
{
	return s && g_ascii_string_to_unsigned(s, 10, 0, max, out, NULL);
}

int acrn_sd_listen_fds(char ***names)
{
	const char *pid_s = g_getenv("LISTEN_PID");
	const char *fds_s = g_getenv("LISTEN_FDS");
	const char *names_s = g_getenv("LISTEN_FDNAMES");
	g_auto(GStrv) split = NULL;
	guint64 pid, n;
	int r = 0;

	if (names)
		*names = NULL;
	if (!pid_s)
		goto out;
	if (!parse_uint(pid_s, G_MAXINT, &pid)) {
		r = -EINVAL;
		goto out;
	}
	/* Meant for another process (e.g. our parent): not ours to take. */
	if ((pid_t)pid != getpid())
		goto out;
	if (!parse_uint(fds_s, 4096, &n)) {
		r = -EINVAL;
		goto out;
	}
	for (guint64 i = 0; i < n; i++) {
		int fd = ACRN_SD_LISTEN_FDS_START + (int)i;
		int flags = fcntl(fd, F_GETFD);

		if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0) {
			r = -errno;
			goto out;
		}
	}
	if (names && n) {
		GPtrArray *v = g_ptr_array_new();

		split = names_s ? g_strsplit(names_s, ":", -1) : NULL;
		for (guint64 i = 0; i < n; i++)
			g_ptr_array_add(v, g_strdup(split && i < g_strv_length(split) && *split[i]
							? split[i]
							: "unknown"));
		g_ptr_array_add(v, NULL);
		*names = (char **)g_ptr_array_free(v, FALSE);
	}
	r = (int)n;
out:
	g_unsetenv("LISTEN_PID");
	g_unsetenv("LISTEN_FDS");
	g_unsetenv("LISTEN_FDNAMES");
	return r;
}
