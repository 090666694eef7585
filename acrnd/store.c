/* Atomic file writes and runtime records. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "store.h"

static gboolean errno_error(GError **error, const char *what, const char *path)
{
	int e = errno;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s '%s': %s", what, path,
		    g_strerror(e));
	return FALSE;
}

gboolean acrn_store_ensure_dir(const char *dir, mode_t mode, GError **error)
{
	if (g_mkdir_with_parents(dir, (int)mode) != 0)
		return errno_error(error, "cannot create directory", dir);
	return TRUE;
}

gboolean acrn_store_sync_dir(const char *dir, GError **error)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0 || fsync(dfd) != 0) {
		errno_error(error, "cannot fsync directory", dir);
		if (dfd >= 0)
			close(dfd);
		return FALSE;
	}
	close(dfd);
	return TRUE;
}

gboolean acrn_store_replace(const char *path, const char *data, gsize len, mode_t mode,
			    GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX.tmp", dir, base);
	gsize done = 0;
	int fd;

	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, (int)mode);
	if (fd < 0)
		return errno_error(error, "cannot create temporary file in", dir);
	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errno_error(error, "cannot write", tmp);
			goto fail;
		}
		done += (gsize)n;
	}
	if (fsync(fd) != 0) {
		errno_error(error, "cannot fsync", tmp);
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		errno_error(error, "cannot close", tmp);
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		errno_error(error, "cannot rename temporary file to", path);
		goto fail;
	}
	return TRUE;

fail:
	if (fd >= 0)
		close(fd);
	/* Our own half-written temporary file, never the target: remove it. */
	unlink(tmp);
	return FALSE;
}

gboolean acrn_store_write_atomic(const char *path, const char *data, gsize len, mode_t mode,
				 GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);

	/* The directory flush makes the rename itself durable. */
	return acrn_store_replace(path, data, len, mode, error) && acrn_store_sync_dir(dir, error);
}

void acrn_runtime_record_clear(AcrnRuntimeRecord *rec)
{
	g_clear_pointer(&rec->socket, g_free);
	g_clear_pointer(&rec->console, g_free);
	memset(rec, 0, sizeof(*rec));
}

gboolean acrn_runtime_record_save(const char *path, const AcrnRuntimeRecord *rec, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autofree char *data = NULL;
	gsize len;

	g_key_file_set_integer(kf, "dm", "pid", rec->pid);
	g_key_file_set_uint64(kf, "dm", "start-time", rec->start_time);
	g_key_file_set_string(kf, "dm", "socket", rec->socket);
	if (rec->console)
		g_key_file_set_string(kf, "dm", "console", rec->console);
	g_key_file_set_boolean(kf, "dm", "transient", rec->transient);
	if (rec->managed_save)
		g_key_file_set_boolean(kf, "dm", "managed-save", TRUE);
	data = g_key_file_to_data(kf, &len, NULL);
	return acrn_store_write_atomic(path, data, len, 0600, error);
}

gboolean acrn_runtime_record_load(const char *path, AcrnRuntimeRecord *rec, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) e = NULL;

	memset(rec, 0, sizeof(*rec));
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
		return FALSE;
	rec->pid = g_key_file_get_integer(kf, "dm", "pid", &e);
	if (!e)
		rec->start_time = g_key_file_get_uint64(kf, "dm", "start-time", &e);
	if (!e)
		rec->socket = g_key_file_get_string(kf, "dm", "socket", &e);
	if (e || rec->pid <= 1 || !rec->socket || !*rec->socket) {
		acrn_runtime_record_clear(rec);
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: incomplete runtime record%s%s", path, e ? ": " : "",
			    e ? e->message : "");
		return FALSE;
	}
	rec->console = g_key_file_get_string(kf, "dm", "console", NULL);
	rec->transient = g_key_file_get_boolean(kf, "dm", "transient", NULL);
	rec->managed_save = g_key_file_get_boolean(kf, "dm", "managed-save", NULL);
	return TRUE;
}
