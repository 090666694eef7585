/* Unit tests of atomic writes (including a crash in the middle of one), of
 * the definition journal and of runtime records. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "journal.h"
#include "store.h"
#include "test-reaper.h"

static char *make_tmpdir(void)
{
	char *dir = g_dir_make_tmp("acrn-store-XXXXXX", NULL);

	g_assert_nonnull(dir);
	return dir;
}

static guint count_entries(const char *dir, const char *suffix)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *e;
	guint n = 0;

	while ((e = g_dir_read_name(d)))
		if (g_str_has_suffix(e, suffix))
			n++;
	return n;
}

static void remove_all(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *e;

	while ((e = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, e, NULL);

		g_unlink(p);
	}
	g_rmdir(dir);
}

static void test_atomic_replace(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "vm.xml", NULL);
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	GStatBuf st;

	g_assert_true(acrn_store_write_atomic(path, "one", 3, 0600, &error));
	g_assert_no_error(error);
	g_assert_true(acrn_store_write_atomic(path, "two!", 4, 0600, &error));
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "two!");
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(count_entries(dir, ".tmp"), ==, 0);
	remove_all(dir);
}

static void test_write_error(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_false(acrn_store_write_atomic("/nonexistent-dir/x.xml", "x", 1, 0600, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "/nonexistent-dir"));
}

/* A writer killed in the middle of a write (here by SIGXFSZ once the file
 * exceeds RLIMIT_FSIZE, which is deterministic) leaves the old file intact
 * and at worst a stray temporary file. */
static void test_crash_mid_write(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "vm.xml", NULL);
	g_autofree char *text = NULL;
	gsize big = 1 << 20;
	int status;
	pid_t pid;

	g_assert_true(acrn_store_write_atomic(path, "old", 3, 0600, NULL));
	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		struct rlimit rl = {4096, 4096};
		char *data = g_malloc(big);

		memset(data, 'x', big);
		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &rl);
		acrn_store_write_atomic(path, data, big, 0600, NULL);
		_exit(0); /* not reached: the write past 4 KiB kills us */
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSIGNALED(status));
	g_assert_cmpint(WTERMSIG(status), ==, SIGXFSZ);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "old");
	g_assert_cmpuint(count_entries(dir, ".tmp"), ==, 1);
	remove_all(dir);
}

static void test_runtime_record(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, "x.state", NULL);
	AcrnRuntimeRecord rec = {.pid = 1234,
				 .start_time = 99,
				 .socket = "/run/x.sock",
				 .console = "/dev/pts/7",
				 .transient = TRUE};
	AcrnRuntimeRecord back;
	g_autoptr(GError) error = NULL;

	g_assert_true(acrn_runtime_record_save(path, &rec, &error));
	g_assert_true(acrn_runtime_record_load(path, &back, &error));
	g_assert_no_error(error);
	g_assert_cmpint(back.pid, ==, 1234);
	g_assert_cmpuint(back.start_time, ==, 99);
	g_assert_cmpstr(back.socket, ==, "/run/x.sock");
	g_assert_cmpstr(back.console, ==, "/dev/pts/7");
	g_assert_true(back.transient);
	acrn_runtime_record_clear(&back);

	g_assert_true(g_file_set_contents(path, "[dm]\npid=abc\n", -1, NULL));
	g_assert_false(acrn_runtime_record_load(path, &back, &error));
	g_assert_nonnull(error);
	remove_all(dir);
}

#define UUID_A "6b3a1a52-8a0e-4c9f-9d35-0a1b2c3d4e5f"
#define UUID_B "7c4b2b63-9b1f-4daf-8e46-1b2c3d4e5f60"

static void collect(const char *uuid, const char *xml, gpointer data)
{
	g_ptr_array_add(data, g_strdup_printf("%s %s", uuid, xml));
}

static GPtrArray *read_journal(const char *path, gint *n)
{
	GPtrArray *recs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;

	*n = acrn_journal_read(path, collect, recs, &error);
	g_assert_no_error(error);
	g_assert_cmpint(*n, ==, (gint)recs->len);
	return recs;
}

static void test_journal_append_read(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, ACRN_JOURNAL_NAME, NULL);
	g_autoptr(AcrnJournal) j = acrn_journal_new(path, 64 * 1024);
	g_autoptr(GPtrArray) recs = NULL;
	g_autoptr(GError) error = NULL;
	GStatBuf st;
	gint n;

	/* No file: an empty journal, and nothing is created before an append. */
	recs = read_journal(path, &n);
	g_assert_cmpint(n, ==, 0);
	g_assert_false(acrn_journal_exists(j));
	g_assert_true(acrn_journal_append(j, UUID_A, "<domain>one</domain>", &error));
	g_assert_no_error(error);
	/* Created at its full size at once: appends change no metadata. */
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_size, ==, 64 * 1024);
	g_assert_true(acrn_journal_append(j, UUID_B, "<domain>two</domain>", &error));
	g_assert_true(acrn_journal_append(j, UUID_A, "<domain>three</domain>", &error));
	g_assert_true(acrn_journal_exists(j));
	g_clear_pointer(&recs, g_ptr_array_unref);
	recs = read_journal(path, &n);
	g_assert_cmpint(n, ==, 3);
	g_assert_cmpstr(recs->pdata[0], ==, UUID_A " <domain>one</domain>");
	g_assert_cmpstr(recs->pdata[1], ==, UUID_B " <domain>two</domain>");
	g_assert_cmpstr(recs->pdata[2], ==, UUID_A " <domain>three</domain>");
	/* No temporary file left behind. */
	g_assert_cmpuint(count_entries(dir, ".tmp"), ==, 0);

	g_assert_true(acrn_journal_remove(j, &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_false(acrn_journal_exists(j));
	/* The next append starts a new journal. */
	g_assert_true(acrn_journal_append(j, UUID_B, "<domain>four</domain>", &error));
	g_clear_pointer(&recs, g_ptr_array_unref);
	recs = read_journal(path, &n);
	g_assert_cmpint(n, ==, 1);
	g_assert_cmpstr(recs->pdata[0], ==, UUID_B " <domain>four</domain>");
	remove_all(dir);
}

/* A crash in the middle of an append leaves part of a record: reading stops
 * before it, whichever part made it to the disk. */
static void test_journal_torn_record(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, ACRN_JOURNAL_NAME, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *orig = NULL;
	gsize len;
	const char *first = "<domain>first</domain>", *second = "<domain>second one</domain>";
	/* The documented layout: 24 bytes of header, the UUID, the XML. */
	gsize second_at = 24 + 36 + strlen(first),
	      second_end = second_at + 24 + 36 + strlen(second);

	{
		g_autoptr(AcrnJournal) j = acrn_journal_new(path, 4096);

		g_assert_true(acrn_journal_append(j, UUID_A, first, &error));
		g_assert_true(acrn_journal_append(j, UUID_B, second, &error));
		g_assert_no_error(error);
	}
	g_assert_true(g_file_get_contents(path, &orig, &len, NULL));
	g_assert_cmpuint(len, ==, 4096);
	g_assert_cmpint(memcmp(orig + second_at + 24, UUID_B, 36), ==, 0);
	g_assert_cmpint(orig[second_end - 1], ==, '>');
	g_assert_cmpint(orig[second_end], ==, 0);
	/* Each byte of the second record in turn: zeroed (never written),
	 * or flipped (garbage). */
	for (gsize at = second_at; at < second_end; at++) {
		for (int how = 0; how < 2; how++) {
			g_autofree char *copy = g_memdup2(orig, len);
			g_autoptr(GPtrArray) recs = NULL;
			gint n;

			copy[at] = how ? (char)(copy[at] ^ 0x5a) : 0;
			if (copy[at] == orig[at])
				continue;
			g_assert_true(g_file_set_contents(path, copy, (gssize)len, NULL));
			recs = read_journal(path, &n);
			g_assert_cmpint(n, ==, 1);
			g_assert_cmpstr(recs->pdata[0], ==, UUID_A " <domain>first</domain>");
		}
	}
	remove_all(dir);
}

static void test_journal_full(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autofree char *path = g_build_filename(dir, ACRN_JOURNAL_NAME, NULL);
	g_autoptr(AcrnJournal) j = acrn_journal_new(path, 256);
	g_autofree char *big = g_strnfill(300, 'x');
	g_autoptr(GPtrArray) recs = NULL;
	g_autoptr(GError) error = NULL;
	gint n;

	/* 24 + 36 + 100 bytes: one fits, a second does not. */
	g_autofree char *xml = g_strnfill(100, 'y');

	g_assert_true(acrn_journal_append(j, UUID_A, xml, &error));
	g_assert_false(acrn_journal_append(j, UUID_B, xml, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_clear_error(&error);
	/* The refused record left nothing behind. */
	recs = read_journal(path, &n);
	g_assert_cmpint(n, ==, 1);
	g_assert_true(acrn_journal_remove(j, &error));
	g_assert_true(acrn_journal_append(j, UUID_B, xml, &error));
	g_assert_no_error(error);
	/* Larger than the whole journal: never fits, and creates no file. */
	g_assert_true(acrn_journal_remove(j, &error));
	g_assert_false(acrn_journal_append(j, UUID_A, big, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	remove_all(dir);
}

static void test_journal_unreadable(void)
{
	g_autofree char *dir = make_tmpdir();
	g_autoptr(GPtrArray) recs = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;

	/* A directory where the journal should be: an error, not "empty". */
	g_assert_cmpint(acrn_journal_read(dir, collect, recs, &error), ==, -1);
	g_assert_nonnull(error);
	g_assert_cmpuint(recs->len, ==, 0);
	remove_all(dir);
}

int main(int argc, char **argv)
{
	test_reaper_init();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store/atomic-replace", test_atomic_replace);
	g_test_add_func("/store/write-error", test_write_error);
	g_test_add_func("/store/crash-mid-write", test_crash_mid_write);
	g_test_add_func("/store/runtime-record", test_runtime_record);
	g_test_add_func("/journal/append-read", test_journal_append_read);
	g_test_add_func("/journal/torn-record", test_journal_torn_record);
	g_test_add_func("/journal/full", test_journal_full);
	g_test_add_func("/journal/unreadable", test_journal_unreadable);
	return g_test_run();
}
