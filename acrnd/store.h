/* Files acrnd keeps: VM definitions in the state directory and runtime
 * records of running device models in the run directory. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

/* Write @data to @path atomically: a temporary file in the same directory
 * (".<name>.XXXXXX.tmp"), fsync, rename over @path, fsync the directory.
 * A crash at any point leaves either the old or the new file, plus at
 * worst a stray temporary file. */
gboolean acrn_store_write_atomic(const char *path, const char *data, gsize len, mode_t mode,
				 GError **error);

/* The same without the directory flush: durable once
 * acrn_store_sync_dir() has flushed the directory (one flush for a batch
 * of files). */
gboolean acrn_store_replace(const char *path, const char *data, gsize len, mode_t mode,
			    GError **error);
gboolean acrn_store_sync_dir(const char *dir, GError **error);

/* mkdir -p with @mode for missing components. */
gboolean acrn_store_ensure_dir(const char *dir, mode_t mode, GError **error);

/* What acrnd remembers about a running acrn-dm so that a restarted acrnd
 * can re-attach to it (<run-dir>/<uuid>.state, a GKeyFile). */
typedef struct {
	int pid;
	guint64 start_time; /* /proc/<pid>/stat field 22: guards against PID reuse */
	char *socket;
	char *console; /* pty path or NULL */
	gboolean transient;
	gboolean managed_save; /* the guest's S3 stands for a libvirt managed save */
} AcrnRuntimeRecord;

void acrn_runtime_record_clear(AcrnRuntimeRecord *rec);
gboolean acrn_runtime_record_save(const char *path, const AcrnRuntimeRecord *rec, GError **error);
gboolean acrn_runtime_record_load(const char *path, AcrnRuntimeRecord *rec, GError **error);

G_END_DECLS
