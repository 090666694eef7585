/* Write-ahead journal of VM definitions (<state-dir>/definitions.journal).
 *
 * Writing a definition file durably takes two flushes (the file, then the
 * directory holding its new name).  The journal takes one: the file is
 * created once, zero-filled to its full size and flushed with its
 * directory entry, so appending a record later changes no file metadata
 * and fdatasync() only has to write the record's blocks.  The definition
 * files are written later, all at once, and the journal is then removed.
 *
 * Record layout (little endian): magic "ADJ1", payload length (u32), the
 * first 16 bytes of the SHA-256 of length and payload, then the payload:
 * the 36-character UUID followed by the definition XML.  Reading stops at
 * the first record that does not check out: the zeroes after the last
 * record, or the remains of a record whose write a crash interrupted (that
 * one was never acknowledged). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ACRN_JOURNAL_NAME "definitions.journal"
/* Enough for a few thousand typical definitions between two write-outs. */
#define ACRN_JOURNAL_DEFAULT_SIZE (2u * 1024 * 1024)

typedef struct AcrnJournal AcrnJournal;

/* Called for each intact record, oldest first. */
typedef void (*AcrnJournalRecordFunc)(const char *uuid, const char *xml, gpointer data);

/* Reads the journal at @path without changing it.  A missing file is an
 * empty journal.  Returns the number of intact records, or -1 with @error
 * set when the file exists but cannot be read. */
gint acrn_journal_read(const char *path, AcrnJournalRecordFunc func, gpointer data, GError **error);

/* A journal to be created at @path on the first append, @size bytes long. */
AcrnJournal *acrn_journal_new(const char *path, gsize size);
void acrn_journal_free(AcrnJournal *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AcrnJournal, acrn_journal_free)

/* Appends a record and flushes it to stable storage before returning.
 * Fails with G_IO_ERROR_NO_SPACE when the record does not fit in what is
 * left (remove the journal and append again; a record larger than the
 * whole journal never fits), with a G_FILE_ERROR on I/O errors. */
gboolean acrn_journal_append(AcrnJournal *j, const char *uuid, const char *xml, GError **error);
/* TRUE when the journal file exists (it holds records or is being
 * filled); FALSE once removed. */
gboolean acrn_journal_exists(AcrnJournal *j);
/* Deletes the journal file (durably) once everything it held is written
 * elsewhere; the next append starts a new one.  Also deletes a file left
 * by an earlier run that acrn_journal_read() consumed. */
gboolean acrn_journal_remove(AcrnJournal *j, GError **error);

G_END_DECLS
