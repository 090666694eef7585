/* Unit tests of atomic writes (including a crash in the middle of one) and
 * of runtime records. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

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

int main(int argc, char **argv)
{
	test_reaper_init();
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/store/atomic-replace", test_atomic_replace);
	g_test_add_func("/store/write-error", test_write_error);
	g_test_add_func("/store/crash-mid-write", test_crash_mid_write);
	g_test_add_func("/store/runtime-record", test_runtime_record);
	return g_test_run();
}
