/* The control channel (docs/dm-control-protocol.md) against a scripted
 * handler: hello, replies, events before replies, errors, malformed and
 * overlong lines, a new connection replacing the old one, and a start-up
 * failure reported to a client that connected in time. */
#include "config.h"

#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "dm-proto.h"

typedef struct {
	char *dir, *path;
	DmControl *c;
	guint requests;
} Fixture;

static void hello(gpointer ctx, GVariantDict *d)
{
	g_variant_dict_insert(d, "state", "s", "running");
	g_variant_dict_insert(d, "console", "s", "/dev/pts/7");
}

static gboolean request(gpointer ctx, const char *name, GVariant *msg, GVariantDict *reply,
			const char **code, GError **error)
{
	Fixture *f = ctx;

	f->requests++;
	if (g_str_equal(name, "query")) {
		g_variant_dict_insert(reply, "state", "s", "running");
		return TRUE;
	}
	if (g_str_equal(name, "pause")) {
		dm_control_send_event(f->c, "paused", NULL);
		return TRUE;
	}
	*code = "unknown-request";
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "unknown request '%s'", name);
	return FALSE;
}

static void setup(Fixture *f, gconstpointer data)
{
	DmControlOps ops = {hello, request, f};
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("acrn-dm-control-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "vm.sock", NULL);
	/* A stale file from an earlier run is replaced. */
	g_assert_true(g_file_set_contents(f->path, "stale", -1, NULL));
	f->c = dm_control_new(f->path, "vm1", &ops, &error);
	g_assert_no_error(error);
}

static void teardown(Fixture *f, gconstpointer data)
{
	dm_control_free(f->c);
	g_assert_false(g_file_test(f->path, G_FILE_TEST_EXISTS));
	g_rmdir(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

static int connect_to(Fixture *f)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	g_strlcpy(a.sun_path, f->path, sizeof(a.sun_path));
	g_assert_cmpint(connect(fd, (struct sockaddr *)&a, sizeof(a)), ==, 0);
	return fd;
}

/* Runs the main loop until @fd has a line (or EOF: NULL). */
static GVariant *next_msg(int fd)
{
	GString *s = g_string_new(NULL);
	char ch;

	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		while (poll(&p, 1, 0) == 0)
			g_main_context_iteration(NULL, TRUE);
		n = recv(fd, &ch, 1, 0);
		if (n <= 0) {
			g_string_free(s, TRUE);
			return NULL;
		}
		if (ch == '\n')
			break;
		g_string_append_c(s, ch);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autofree char *line = g_string_free(s, FALSE);
		GVariant *v = acrn_dm_proto_decode(line, &error);

		g_assert_no_error(error);
		return v;
	}
}

static void send_line(int fd, const char *line)
{
	g_autofree char *l = g_strconcat(line, "\n", NULL);

	g_assert_cmpint(send(fd, l, strlen(l), 0), ==, (ssize_t)strlen(l));
}

static void test_hello_and_requests(Fixture *f, gconstpointer data)
{
	struct stat st;
	int fd;
	g_autoptr(GVariant) h = NULL, r = NULL, e = NULL;

	g_assert_cmpint(stat(f->path, &st), ==, 0);
	g_assert_true(S_ISSOCK(st.st_mode));
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	fd = connect_to(f);
	h = next_msg(fd);
	g_assert_cmpstr(acrn_dm_proto_get_str(h, "event", NULL), ==, "hello");
	g_assert_cmpint(acrn_dm_proto_get_int(h, "protocol", 0), ==, 1);
	g_assert_cmpint(acrn_dm_proto_get_int(h, "pid", 0), ==, getpid());
	g_assert_cmpstr(acrn_dm_proto_get_str(h, "name", NULL), ==, "vm1");
	g_assert_cmpstr(acrn_dm_proto_get_str(h, "state", NULL), ==, "running");
	g_assert_cmpstr(acrn_dm_proto_get_str(h, "console", NULL), ==, "/dev/pts/7");

	send_line(fd, "{\"id\":1,\"request\":\"query\"}");
	r = next_msg(fd);
	g_assert_cmpint(acrn_dm_proto_get_int(r, "id", 0), ==, 1);
	g_assert_true(acrn_dm_proto_get_bool(r, "ok", FALSE));
	g_assert_cmpstr(acrn_dm_proto_get_str(r, "state", NULL), ==, "running");
	g_clear_pointer(&r, g_variant_unref);

	/* The state event comes before the reply. */
	send_line(fd, "{\"id\":2,\"request\":\"pause\",\"future-field\":true}");
	e = next_msg(fd);
	g_assert_cmpstr(acrn_dm_proto_get_str(e, "event", NULL), ==, "paused");
	r = next_msg(fd);
	g_assert_cmpint(acrn_dm_proto_get_int(r, "id", 0), ==, 2);
	g_assert_true(acrn_dm_proto_get_bool(r, "ok", FALSE));
	g_clear_pointer(&r, g_variant_unref);

	send_line(fd, "{\"id\":3,\"request\":\"frobnicate\"}");
	r = next_msg(fd);
	g_assert_false(acrn_dm_proto_get_bool(r, "ok", TRUE));
	g_assert_cmpstr(acrn_dm_proto_get_str(r, "error", NULL), ==, "unknown-request");
	g_assert_nonnull(strstr(acrn_dm_proto_get_str(r, "message", ""), "frobnicate"));
	close(fd);
}

static void test_malformed(Fixture *f, gconstpointer data)
{
	static const char *const bad[] = {
	    "not json",
	    "{\"id\":1,\"request\":[1]}",
	    "{\"request\":\"query\"}",
	    "{\"id\":\"x\",\"request\":\"query\"}",
	    "{\"id\":4,\"request\":\"query\"} trailing",
	};
	int fd = connect_to(f);
	g_autoptr(GVariant) h = next_msg(fd);
	g_autofree char *huge = g_strnfill(70000, 'x');

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GVariant) e = NULL;

		send_line(fd, bad[i]);
		e = next_msg(fd);
		g_assert_cmpstr(acrn_dm_proto_get_str(e, "event", NULL), ==, "protocol-error");
	}
	g_assert_cmpuint(f->requests, ==, 0);
	/* An overlong line: one protocol-error, the rest of it ignored. */
	send_line(fd, huge);
	{
		g_autoptr(GVariant) e = next_msg(fd);

		g_assert_cmpstr(acrn_dm_proto_get_str(e, "event", NULL), ==, "protocol-error");
	}
	/* The connection still works. */
	send_line(fd, "{\"id\":9,\"request\":\"query\"}");
	{
		g_autoptr(GVariant) r = next_msg(fd);

		g_assert_cmpint(acrn_dm_proto_get_int(r, "id", 0), ==, 9);
	}
	close(fd);
}

static void test_replace(Fixture *f, gconstpointer data)
{
	int a = connect_to(f), b;
	g_autoptr(GVariant) h1 = next_msg(a), h2 = NULL, eof = NULL;

	b = connect_to(f);
	h2 = next_msg(b);
	g_assert_cmpstr(acrn_dm_proto_get_str(h2, "event", NULL), ==, "hello");
	/* The old connection was closed. */
	eof = next_msg(a);
	g_assert_null(eof);
	dm_control_send_event(f->c, "resumed", NULL);
	{
		g_autoptr(GVariant) e = next_msg(b);

		g_assert_cmpstr(acrn_dm_proto_get_str(e, "event", NULL), ==, "resumed");
	}
	close(a);
	close(b);
}

/* A client connected during a failing start-up hears why, without the
 * main loop ever running. */
static void test_start_failed(Fixture *f, gconstpointer data)
{
	int fd = connect_to(f);
	char buf[4096];
	ssize_t n;
	g_auto(GStrv) lines = NULL;

	dm_control_accept_pending(f->c);
	dm_control_send_event(f->c, "start-failed",
			      dm_control_field("message", "/dev/acrn_hsm: No such file"));
	dm_control_free(f->c);
	f->c = NULL;
	n = recv(fd, buf, sizeof(buf) - 1, MSG_WAITALL);
	g_assert_cmpint(n, >, 0);
	buf[n] = '\0';
	lines = g_strsplit(buf, "\n", -1);
	g_assert_nonnull(strstr(lines[0], "\"hello\""));
	g_assert_nonnull(strstr(lines[1], "\"start-failed\""));
	g_assert_nonnull(strstr(lines[1], "/dev/acrn_hsm"));
	close(fd);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
	ADD("/control/hello-and-requests", test_hello_and_requests);
	ADD("/control/malformed", test_malformed);
	ADD("/control/replace", test_replace);
	ADD("/control/start-failed", test_start_failed);
	return g_test_run();
}
