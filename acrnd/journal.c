/* Write-ahead journal of VM definitions: one data flush per definition. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

#include "journal.h"
#include "store.h"

#define RECORD_MAGIC  0x314a4441u /* "ADJ1" */
#define HEADER_BYTES  24u	  /* magic, length, 16 bytes of checksum */
#define UUID_CHARS    36u
#define CHECKSUM_SIZE 16u
#define ZERO_CHUNK    (64u * 1024)

struct AcrnJournal {
	char *path;
	char *dir;
	gsize size;
	int fd; /* -1 until the first append */
	gsize end;
};

static gboolean errno_error(GError **error, const char *what, const char *path)
{
	int e = errno;

	g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s '%s': %s", what, path,
		    g_strerror(e));
	return FALSE;
}

static void put_le32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, 4);
}

static guint32 get_le32(const guint8 *p)
{
	guint32 v;

	memcpy(&v, p, 4);
	return GUINT32_FROM_LE(v);
}

/* Covers the length too: a torn length cannot pass for a shorter record. */
static void checksum(const guint8 len_le[4], const guint8 *payload, gsize n,
		     guint8 out[CHECKSUM_SIZE])
{
	g_autoptr(GChecksum) c = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize digest_len = sizeof(digest);

	g_checksum_update(c, len_le, 4);
	g_checksum_update(c, payload, (gssize)n);
	g_checksum_get_digest(c, digest, &digest_len);
	memcpy(out, digest, CHECKSUM_SIZE);
}

gint acrn_journal_read(const char *path, AcrnJournalRecordFunc func, gpointer data, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) e = NULL;
	gsize len, off = 0;
	gint n = 0;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return 0;
		g_propagate_error(error, g_steal_pointer(&e));
		return -1;
	}
	while (len - off >= HEADER_BYTES) {
		const guint8 *h = (const guint8 *)text + off;
		guint32 plen = get_le32(h + 4);
		guint8 sum[CHECKSUM_SIZE];
		g_autofree char *uuid = NULL, *xml = NULL;

		if (get_le32(h) != RECORD_MAGIC || plen <= UUID_CHARS ||
		    plen > len - off - HEADER_BYTES)
			break;
		checksum(h + 4, h + HEADER_BYTES, plen, sum);
		if (memcmp(sum, h + 8, CHECKSUM_SIZE) != 0)
			break;
		uuid = g_strndup((const char *)h + HEADER_BYTES, UUID_CHARS);
		xml = g_strndup((const char *)h + HEADER_BYTES + UUID_CHARS, plen - UUID_CHARS);
		func(uuid, xml, data);
		n++;
		off += HEADER_BYTES + plen;
	}
	return n;
}

AcrnJournal *acrn_journal_new(const char *path, gsize size)
{
	AcrnJournal *j = g_new0(AcrnJournal, 1);

	j->path = g_strdup(path);
	j->dir = g_path_get_dirname(path);
	j->size = size;
	j->fd = -1;
	return j;
}

void acrn_journal_free(AcrnJournal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	g_free(j->path);
	g_free(j->dir);
	g_free(j);
}

gboolean acrn_journal_exists(AcrnJournal *j)
{
	return j->fd >= 0;
}

static gboolean write_all(int fd, const void *buf, gsize n, off_t at)
{
	const guint8 *p = buf;

	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return FALSE;
		p += w;
		at += w;
		n -= (gsize)w;
	}
	return TRUE;
}

/* Creates the zero-filled file under a temporary name and renames it into
 * place, so the journal is either absent or complete: after this, appends
 * only overwrite blocks that already exist. */
static gboolean create_file(AcrnJournal *j, GError **error)
{
	g_autofree char *base = g_path_get_basename(j->path);
	g_autofree char *tmp = g_strdup_printf("%s/.%s.XXXXXX.tmp", j->dir, base);
	g_autofree guint8 *zeros = g_malloc0(ZERO_CHUNK);
	int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	gsize done = 0;

	if (fd < 0)
		return errno_error(error, "cannot create temporary file in", j->dir);
	/* Written, not fallocate()d: unwritten extents would turn into
	 * metadata updates on every append. */
	while (done < j->size) {
		gsize n = MIN(ZERO_CHUNK, j->size - done);

		if (!write_all(fd, zeros, n, (off_t)done)) {
			errno_error(error, "cannot write", tmp);
			goto fail;
		}
		done += n;
	}
	if (fsync(fd) != 0) {
		errno_error(error, "cannot fsync", tmp);
		goto fail;
	}
	if (rename(tmp, j->path) != 0) {
		errno_error(error, "cannot rename temporary file to", j->path);
		goto fail;
	}
	if (!acrn_store_sync_dir(j->dir, error)) {
		close(fd);
		unlink(j->path);
		return FALSE;
	}
	j->fd = fd;
	j->end = 0;
	return TRUE;

fail:
	close(fd);
	unlink(tmp);
	return FALSE;
}

gboolean acrn_journal_append(AcrnJournal *j, const char *uuid, const char *xml, GError **error)
{
	gsize xlen = strlen(xml), plen = UUID_CHARS + xlen;
	g_autofree guint8 *rec = NULL;

	g_return_val_if_fail(strlen(uuid) == UUID_CHARS, FALSE);
	if (plen > G_MAXUINT32 || HEADER_BYTES + plen > j->size - (j->fd >= 0 ? j->end : 0)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "definition journal %s is full",
			    j->path);
		return FALSE;
	}
	if (j->fd < 0 && !create_file(j, error))
		return FALSE;
	rec = g_malloc(HEADER_BYTES + plen);
	put_le32(rec, RECORD_MAGIC);
	put_le32(rec + 4, (guint32)plen);
	memcpy(rec + HEADER_BYTES, uuid, UUID_CHARS);
	memcpy(rec + HEADER_BYTES + UUID_CHARS, xml, xlen);
	checksum(rec + 4, rec + HEADER_BYTES, plen, rec + 8);
	/* On failure the end stays put: the next record overwrites whatever
	 * part of this one reached the disk (it was never acknowledged). */
	if (!write_all(j->fd, rec, HEADER_BYTES + plen, (off_t)j->end))
		return errno_error(error, "cannot write", j->path);
	if (fdatasync(j->fd) != 0)
		return errno_error(error, "cannot flush", j->path);
	j->end += HEADER_BYTES + plen;
	return TRUE;
}

gboolean acrn_journal_remove(AcrnJournal *j, GError **error)
{
	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
		j->end = 0;
	}
	if (g_unlink(j->path) != 0) {
		if (errno == ENOENT)
			return TRUE;
		return errno_error(error, "cannot remove", j->path);
	}
	/* Otherwise a crash could bring back records that are out of date
	 * by then (an undefined VM, an older definition). */
	return acrn_store_sync_dir(j->dir, error);
}
