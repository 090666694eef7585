/* Integration tests of acrnd's D-Bus API.  Each test runs a private
 * dbus-daemon (tests/private-bus.conf at the top), acrnd as a separate process (never in
 * this process: synchronous calls would deadlock) with private state and
 * run directories, and the acrn-dm stand-in (a test double: no hypervisor
 * on the test host) as device model.  Waits are on signals and properties
 * with timeouts; no sleep is a correctness assumption. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gunixfdlist.h>
#include <gio/gunixsocketaddress.h>

#include "acrn-dbus-errors.h"
#include "acrn-dbus-generated.h"
#include "bus-relay.h"
#include "journal.h"
#include "systemd-doubles.h"
#include "test-reaper.h"

#define WAIT_MS 10000

typedef struct {
	char *tmp, *state_dir, *run_dir, *kernel, *address;
	GPid bus_pid, acrnd_pid;
	GDBusConnection *conn;
	AcrnManager *mgr;
	GPtrArray *events; /* "name event detail" */
	guint event_sub;
	GSocket *notify;	   /* sd_notify socket given to acrnd */
	GPtrArray *extra_args;	   /* more acrnd options for the next launch */
	gboolean ready;		   /* READY=1 received from the current acrnd */
	const char *acrnd_address; /* acrnd's bus address when not the bus's own */
} Fixture;

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = g_getenv(name);

	return v ? v : fallback;
}

/* ---- waiting ---- */

static gboolean on_deadline(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

typedef gboolean (*Cond)(gpointer data);

static gboolean tick(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

/* Iterate the main loop until @cond holds or @timeout_ms passed.  A short
 * tick re-checks conditions that are not main loop sources (child exit,
 * the sd_notify datagram). */
static gboolean wait_for(Cond cond, gpointer data, guint timeout_ms)
{
	gboolean expired = FALSE;
	guint id = g_timeout_add(timeout_ms, on_deadline, &expired);
	guint tick_id = g_timeout_add(10, tick, NULL);

	while (!cond(data) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	g_source_remove(tick_id);
	return cond(data);
}

/* ---- the bus and the daemon ---- */

static void on_vm_event(GDBusConnection *c, const char *sender, const char *path, const char *iface,
			const char *signal, GVariant *params, gpointer data)
{
	Fixture *f = data;
	const char *obj, *name, *event, *detail;

	g_variant_get(params, "(&o&s&s&s)", &obj, &name, &event, &detail);
	g_ptr_array_add(f->events, g_strdup_printf("%s %s %s", name, event, detail));
}

/* Open @name in the test directory for a child's stdout/stderr: children
 * never hold the test's own stdout/stderr (a pipe to the TAP driver), so a
 * process that escapes cannot keep that pipe open. */
static int open_log_fd(Fixture *f, const char *name)
{
	g_autofree char *path = g_build_filename(f->tmp, name, NULL);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	g_assert_cmpint(fd, >=, 0);
	return fd;
}

static void start_bus(Fixture *f)
{
	const char *conf = g_getenv("ACRN_TEST_BUS_CONF");
	const char *argv[] = {env_or("DBUS_DAEMON", "dbus-daemon"),
			      "--nofork",
			      "--print-address=1",
			      "--config-file",
			      conf,
			      NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GIOChannel) ch = NULL;
	int out;
	int logfd = open_log_fd(f, "dbus-daemon.log");
	gsize len;

	g_assert_nonnull(conf); /* tests/private-bus.conf, set by acrnd/Makefile.am */
	g_spawn_async_with_pipes_and_fds(
	    NULL, argv, NULL,
	    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL | G_SPAWN_SEARCH_PATH,
	    test_reaper_child_setup, GINT_TO_POINTER(getpid()), -1, -1, logfd, NULL, NULL, 0,
	    &f->bus_pid, NULL, &out, NULL, &error);
	g_assert_no_error(error);
	close(logfd);
	ch = g_io_channel_unix_new(out);
	g_io_channel_set_close_on_unref(ch, TRUE);
	g_assert_cmpint(g_io_channel_read_line(ch, &f->address, &len, NULL, &error), ==,
			G_IO_STATUS_NORMAL);
	g_strchomp(f->address);
	f->conn = g_dbus_connection_new_for_address_sync(
	    f->address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &error);
	g_assert_no_error(error);
	f->event_sub = g_dbus_connection_signal_subscribe(
	    f->conn, NULL, "org.acrn.Acrnd1.Manager", "VMEvent", NULL, NULL,
	    G_DBUS_SIGNAL_FLAGS_NONE, on_vm_event, f, NULL);
}

static gboolean got_ready(gpointer data)
{
	Fixture *f = data;
	char buf[512];
	gssize n;

	if (f->ready)
		return TRUE;
	n = g_socket_receive(f->notify, buf, sizeof(buf) - 1, NULL, NULL);
	if (n <= 0)
		return FALSE;
	buf[n] = '\0';
	f->ready = strstr(buf, "READY=1") != NULL;
	return f->ready;
}

static gboolean ready_or_dead(gpointer data)
{
	Fixture *f = data;
	int status;

	if (!f->acrnd_pid)
		return TRUE;
	if (waitpid(f->acrnd_pid, &status, WNOHANG) == f->acrnd_pid) {
		f->acrnd_pid = 0;
		return TRUE;
	}
	return got_ready(f);
}

/* Launch acrnd; returns when it sent READY=1 (name owned, state loaded). */
static void start_acrnd(Fixture *f)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree char *notify_path = g_build_filename(f->tmp, "notify", NULL);
	g_auto(GStrv) env = g_get_environ();
	g_autoptr(GSocketAddress) addr = NULL;
	struct group *gr = getgrgid(getgid());
	int logfd;

	if (!f->notify) {
		f->notify = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
					 G_SOCKET_PROTOCOL_DEFAULT, &error);
		g_assert_no_error(error);
		addr = g_unix_socket_address_new(notify_path);
		g_assert_true(g_socket_bind(f->notify, addr, TRUE, &error));
		g_socket_set_blocking(f->notify, FALSE);
	}
	env = g_environ_setenv(env, "NOTIFY_SOCKET", notify_path, TRUE);
	f->ready = FALSE;
	g_ptr_array_add(argv, (char *)env_or("ACRND", "acrnd"));
	g_ptr_array_add(argv, "--bus-address");
	g_ptr_array_add(argv, f->acrnd_address ? (char *)f->acrnd_address : f->address);
	g_ptr_array_add(argv, "--state-dir");
	g_ptr_array_add(argv, f->state_dir);
	g_ptr_array_add(argv, "--run-dir");
	g_ptr_array_add(argv, f->run_dir);
	g_ptr_array_add(argv, "--dm-path");
	g_ptr_array_add(argv, (char *)env_or("ACRN_DM_STANDIN", "acrn-dm-standin"));
	g_ptr_array_add(argv, "--log-level");
	g_ptr_array_add(argv, "debug");
	if (gr) {
		/* Our own group may manage (so the tests also pass as non-root). */
		g_ptr_array_add(argv, "--manage-group");
		g_ptr_array_add(argv, gr->gr_name);
	}
	for (guint i = 0; i < f->extra_args->len; i++)
		g_ptr_array_add(argv, f->extra_args->pdata[i]);
	g_ptr_array_add(argv, NULL);
	logfd = open_log_fd(f, "acrnd.log");
	g_assert_true(g_spawn_async_with_fds(
	    NULL, (char **)argv->pdata, env,
	    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL, test_reaper_child_setup,
	    GINT_TO_POINTER(getpid()), &f->acrnd_pid, -1, logfd, logfd, &error));
	g_assert_no_error(error);
	close(logfd);
	g_assert_true(wait_for(ready_or_dead, f, WAIT_MS));
	g_assert_cmpint(f->acrnd_pid, !=, 0); /* it did not die */
	g_clear_object(&f->mgr);
	f->mgr = acrn_manager_proxy_new_sync(f->conn, G_DBUS_PROXY_FLAGS_NONE, ACRN_DBUS_NAME,
					     ACRN_DBUS_MANAGER_PATH, NULL, &error);
	g_assert_no_error(error);
}

static int stop_acrnd(Fixture *f, int sig)
{
	int status = 0;

	if (!f->acrnd_pid)
		return -1;
	kill(f->acrnd_pid, sig);
	g_assert_cmpint(waitpid(f->acrnd_pid, &status, 0), ==, f->acrnd_pid);
	f->acrnd_pid = 0;
	return status;
}

/* What a reboot of the Service VM does to the run directory (a tmpfs) as
 * far as autostart goes: acrnd autostarts again only after that. */
static void forget_autostart(Fixture *f)
{
	g_autofree char *marker = g_build_filename(f->run_dir, "autostarted", NULL);

	g_assert_true(g_unlink(marker) == 0 || errno == ENOENT);
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autofree char *note = NULL;

	f->tmp = g_dir_make_tmp("acrnd-test-XXXXXX", NULL);
	note = g_strdup_printf("# test aborted; logs kept in %s\n", f->tmp);
	test_reaper_set_fatal_note(note);
	f->state_dir = g_build_filename(f->tmp, "state", NULL);
	f->run_dir = g_build_filename(f->tmp, "run", NULL);
	f->kernel = g_build_filename(f->tmp, "bzImage", NULL);
	g_assert_true(g_file_set_contents(f->kernel, "kernel", -1, NULL));
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->extra_args = g_ptr_array_new_with_free_func(g_free);
	start_bus(f);
	if (!data)
		start_acrnd(f);
}

static void rm_rf(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *e;

	while (dir && (e = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, e, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(path);
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *log = g_build_filename(f->tmp, "acrnd.log", NULL);
	g_autofree char *text = NULL;

	int swept;

	stop_acrnd(f, SIGKILL);
	if (g_test_failed() && g_file_get_contents(log, &text, NULL, NULL))
		g_printerr("---- acrnd log ----\n%s---- end ----\n", text);
	g_dbus_connection_signal_unsubscribe(f->conn, f->event_sub);
	g_clear_object(&f->mgr);
	g_dbus_connection_close_sync(f->conn, NULL, NULL);
	g_clear_object(&f->conn);
	g_clear_object(&f->notify);
	kill(f->bus_pid, SIGTERM);
	waitpid(f->bus_pid, NULL, 0);
	/* Device models outlive acrnd by design; this test's ones end here. */
	swept = test_reaper_kill_all();
	if (swept)
		g_test_message("ended %d leftover processes", swept);
	test_reaper_set_fatal_note(NULL);
	rm_rf(f->tmp);
	g_free(f->tmp);
	g_free(f->state_dir);
	g_free(f->run_dir);
	g_free(f->kernel);
	g_free(f->address);
	g_ptr_array_unref(f->events);
	g_ptr_array_unref(f->extra_args);
}

/* ---- helpers ---- */

/* Dispatch what already arrived.  acrnd sends PropertiesChanged before the
 * method reply, and GDBus queues signal dispatches in order, so after a
 * synchronous call returns, draining applies every change the call made. */
static void drain(void)
{
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static GVariant *no_opts(void)
{
	return g_variant_new("a{sv}", NULL);
}

/* An @extra of the form <devices>...</devices> adds to the one <devices>. */
static char *vm_xml(Fixture *f, const char *name, const char *cmdline, const char *extra)
{
	g_autofree char *devices = NULL;

	if (extra && g_str_has_prefix(extra, "<devices>") &&
	    g_str_has_suffix(extra, "</devices>")) {
		devices = g_strndup(extra + strlen("<devices>"),
				    strlen(extra) - strlen("<devices></devices>"));
		extra = NULL;
	}
	return g_strdup_printf("<domain type='acrn'><name>%s</name>"
			       "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
			       "<os><kernel>%s</kernel><cmdline>%s</cmdline></os>%s"
			       "<devices>%s<serial type='pty'/></devices></domain>",
			       name, f->kernel, cmdline ? cmdline : "", extra ? extra : "",
			       devices ? devices : "");
}

static char *define(Fixture *f, const char *name, const char *cmdline, const char *extra)
{
	g_autofree char *xml = vm_xml(f, name, cmdline, extra);
	g_autoptr(GError) error = NULL;
	char *path = NULL;

	g_assert_true(
	    acrn_manager_call_define_vm_sync(f->mgr, xml, no_opts(), &path, NULL, &error));
	g_assert_no_error(error);
	drain();
	return path;
}

static AcrnVM *vm_proxy(Fixture *f, const char *path)
{
	g_autoptr(GError) error = NULL;
	AcrnVM *vm = acrn_vm_proxy_new_sync(f->conn, G_DBUS_PROXY_FLAGS_NONE, ACRN_DBUS_NAME, path,
					    NULL, &error);

	g_assert_no_error(error);
	return vm;
}

typedef struct {
	AcrnVM *vm;
	const char *state;
} StateWait;

static gboolean state_is(gpointer data)
{
	StateWait *w = data;

	return g_strcmp0(acrn_vm_get_state(w->vm), w->state) == 0;
}

static void wait_state(AcrnVM *vm, const char *state)
{
	StateWait w = {vm, state};

	if (!wait_for(state_is, &w, WAIT_MS))
		g_error("VM %s: state is '%s' (%s), expected '%s'", acrn_vm_get_name(vm),
			acrn_vm_get_state(vm), acrn_vm_get_state_reason(vm), state);
}

typedef struct {
	Fixture *f;
	const char *text;
	guint count;
} EventWait;

static guint count_events(Fixture *f, const char *text)
{
	guint n = 0;

	for (guint i = 0; i < f->events->len; i++)
		if (g_str_has_prefix(f->events->pdata[i], text))
			n++;
	return n;
}

static gboolean events_seen(gpointer data)
{
	EventWait *w = data;

	return count_events(w->f, w->text) >= w->count;
}

/* Wait until @count events starting with @text ("name event [detail]") arrived. */
static void wait_events(Fixture *f, const char *text, guint count)
{
	EventWait w = {f, text, count};

	if (!wait_for(events_seen, &w, WAIT_MS)) {
		for (guint i = 0; i < f->events->len; i++)
			g_printerr("event: %s\n", (char *)f->events->pdata[i]);
		g_error("expected %u events '%s'", count, text);
	}
}

#define CALL_OK(expr)                                                                              \
	do {                                                                                       \
		g_autoptr(GError) _e = NULL;                                                       \
		GError **error = &_e;                                                              \
		gboolean _ok = (expr);                                                             \
		drain();                                                                           \
		g_assert_no_error(_e);                                                             \
		g_assert_true(_ok);                                                                \
	} while (0)

#define CALL_FAILS(expr, code)                                                                     \
	do {                                                                                       \
		g_autoptr(GError) _e = NULL;                                                       \
		GError **error = &_e;                                                              \
		gboolean _ok = (expr);                                                             \
		drain();                                                                           \
		g_assert_false(_ok);                                                               \
		g_assert_error(_e, ACRN_ERROR, code);                                              \
	} while (0)

static GVariant *stop_opts(gboolean wait, guint timeout, gboolean force)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "wait", g_variant_new_boolean(wait));
	g_variant_builder_add(&b, "{sv}", "timeout-sec", g_variant_new_uint32(timeout));
	g_variant_builder_add(&b, "{sv}", "force-after-timeout", g_variant_new_boolean(force));
	return g_variant_builder_end(&b);
}

static gboolean pid_alive(guint pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%u/stat", pid);
	g_autofree char *s = NULL;
	const char *rp;

	if (!g_file_get_contents(path, &s, NULL, NULL))
		return FALSE;
	rp = strrchr(s, ')');
	return rp && rp[2] != 'Z';
}

static gboolean pid_gone(gpointer data)
{
	return !pid_alive(GPOINTER_TO_UINT(data));
}

/* ---- tests ---- */

static void test_define_list_get(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "alpha", NULL, NULL);
	g_autofree char *path2 = NULL, *by_uuid = NULL, *by_hex = NULL, *again = NULL;
	g_autofree char *config = NULL;
	g_autoptr(GVariant) list = NULL;
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	char hex[33];
	const char *uuid;

	g_assert_true(g_str_has_prefix(path, ACRN_DBUS_VM_PATH_PREFIX));
	uuid = acrn_vm_get_uuid(vm);
	g_assert_cmpstr(acrn_vm_get_name(vm), ==, "alpha");
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_cmpuint(acrn_vm_get_vcpus(vm), ==, 1);
	g_assert_cmpuint(acrn_vm_get_memory_bytes(vm), ==, 256u << 20);
	g_assert_true(acrn_vm_get_persistent(vm));
	g_assert_false(acrn_vm_get_autostart(vm));
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), ==, 0);
	wait_events(f, "alpha defined", 1);

	path2 = define(f, "beta", NULL, NULL);
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &list, NULL, error));
	g_assert_cmpuint(g_variant_n_children(list), ==, 2);
	{
		const char *u, *n, *s, *p;

		g_variant_get_child(list, 0, "(&s&s&s&o)", &u, &n, &s, &p);
		g_assert_cmpstr(n, ==, "alpha"); /* sorted by name */
		g_assert_cmpstr(s, ==, "stopped");
		g_assert_cmpstr(p, ==, path);
	}
	g_assert_cmpuint(acrn_manager_get_vmcount(f->mgr), ==, 2);
	g_assert_cmpstr(acrn_manager_get_version(f->mgr), ==, PACKAGE_VERSION);
	/* ListVMDetails: the same rows with the properties listings need. */
	{
		g_autoptr(GVariant) details = NULL;
		const char *u, *n, *s, *r, *p;
		gboolean persistent, autostart;
		guint32 pid, vcpus;
		guint64 mem;

		CALL_OK(acrn_manager_call_list_vmdetails_sync(f->mgr, &details, NULL, error));
		g_assert_cmpuint(g_variant_n_children(details), ==, 2);
		g_variant_get_child(details, 0, "(&s&s&s&s&obbuut)", &u, &n, &s, &r, &p,
				    &persistent, &autostart, &pid, &vcpus, &mem);
		g_assert_cmpstr(u, ==, uuid);
		g_assert_cmpstr(n, ==, "alpha");
		g_assert_cmpstr(s, ==, "stopped");
		g_assert_cmpstr(r, ==, acrn_vm_get_state_reason(vm));
		g_assert_cmpstr(p, ==, path);
		g_assert_true(persistent);
		g_assert_false(autostart);
		g_assert_cmpuint(pid, ==, 0);
		g_assert_cmpuint(vcpus, ==, 1);
		g_assert_cmpuint(mem, ==, 256u << 20);
	}

	CALL_OK(acrn_manager_call_get_vm_sync(f->mgr, uuid, &by_uuid, NULL, error));
	g_assert_cmpstr(by_uuid, ==, path);
	memcpy(hex, path + strlen(ACRN_DBUS_VM_PATH_PREFIX), 32);
	hex[32] = '\0';
	CALL_OK(acrn_manager_call_get_vm_sync(f->mgr, hex, &by_hex, NULL, error));
	g_assert_cmpstr(by_hex, ==, path);
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "gamma", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);

	/* GetConfig round trip: defining the returned XML changes nothing. */
	CALL_OK(acrn_vm_call_get_config_sync(vm, no_opts(), &config, NULL, error));
	g_assert_nonnull(strstr(config, "<name>alpha</name>"));
	g_assert_nonnull(strstr(config, uuid));
	CALL_OK(acrn_manager_call_define_vm_sync(f->mgr, config, no_opts(), &again, NULL, error));
	g_assert_cmpstr(again, ==, path);
	wait_events(f, "alpha defined updated", 1);
	g_assert_cmpuint(acrn_manager_get_vmcount(f->mgr), ==, 2);
}

static void test_invalid_input(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "vm", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autoptr(GError) gerr = NULL;
	g_autofree char *dup = NULL;
	GVariantBuilder b;

	/* Invalid definition: InvalidConfig naming the element. */
	g_assert_false(acrn_manager_call_define_vm_sync(
	    f->mgr,
	    "<domain type='acrn'><name>x</name><memory unit='MiB'>64</memory>"
	    "<os><kernel>/k</kernel></os></domain>",
	    no_opts(), NULL, NULL, &gerr));
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_INVALID_CONFIG);
	g_assert_nonnull(strstr(gerr->message, "<memory>"));
	g_clear_error(&gerr);
	g_assert_false(
	    acrn_manager_call_define_vm_sync(f->mgr, "garbage", no_opts(), NULL, NULL, &gerr));
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_INVALID_CONFIG);
	g_clear_error(&gerr);

	/* Issue 13, item 4: 90,000 attributes on one element (under 1 MiB)
	 * froze acrnd in libxml2 for ~49 s; now refused before parsing, and
	 * stored as a file it does not slow down acrnd's start either. */
	{
		GString *flood = g_string_new("<domain type='acrn' ");

		for (guint i = 0; i < 90000; i++)
			g_string_append_printf(flood, "a%u='' ", i);
		g_string_append(flood, "><name>flood</name><memory unit='MiB'>256</memory>"
				       "<os><kernel>/k</kernel></os></domain>");
		g_assert_cmpuint(flood->len, <, 1024 * 1024);
		g_assert_false(acrn_manager_call_define_vm_sync(f->mgr, flood->str, no_opts(), NULL,
								NULL, &gerr));
		g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_INVALID_CONFIG);
		g_assert_nonnull(strstr(gerr->message, "more than 32 attributes"));
		g_clear_error(&gerr);
		g_string_free(flood, TRUE);
	}

	/* Same name, different UUID. */
	dup =
	    g_strdup_printf("<domain type='acrn'><name>vm</name>"
			    "<uuid>11111111-2222-3333-4444-555555555555</uuid>"
			    "<memory unit='MiB'>256</memory><os><kernel>/k</kernel></os></domain>");
	g_assert_false(acrn_manager_call_define_vm_sync(f->mgr, dup, no_opts(), NULL, NULL, &gerr));
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_ALREADY_EXISTS);
	g_clear_error(&gerr);

	/* Unknown and mistyped options. */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "wiat", g_variant_new_boolean(TRUE));
	g_assert_false(acrn_vm_call_shutdown_sync(vm, g_variant_builder_end(&b), NULL, &gerr));
	g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
	g_assert_nonnull(strstr(gerr->message, "wiat"));
	g_clear_error(&gerr);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "timeout-sec", g_variant_new_string("10"));
	g_assert_false(acrn_vm_call_shutdown_sync(vm, g_variant_builder_end(&b), NULL, &gerr));
	g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
	g_clear_error(&gerr);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "x", g_variant_new_boolean(TRUE));
	g_assert_false(acrn_manager_call_define_vm_sync(f->mgr, dup, g_variant_builder_end(&b),
							NULL, NULL, &gerr));
	g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
	g_clear_error(&gerr);

	/* Operations that need a running VM. */
	CALL_FAILS(acrn_vm_call_shutdown_sync(vm, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_pause_sync(vm, no_opts(), NULL, error), ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_wakeup_sync(vm, no_opts(), NULL, error), ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_reset_sync(vm, no_opts(), NULL, error), ACRN_ERROR_INVALID_STATE);
}

/* ListVMDetailsSince: the whole list when anything changed since the
 * caller's generation, nothing otherwise. */
static void test_list_since(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "gen", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autoptr(GVariant) vms = NULL;
	guint64 g1, g2, g3;
	gboolean changed;

#define SINCE(known, gen)                                                                          \
	do {                                                                                       \
		g_clear_pointer(&vms, g_variant_unref);                                            \
		CALL_OK(acrn_manager_call_list_vmdetails_since_sync(f->mgr, known, gen, &changed,  \
								    &vms, NULL, error));           \
	} while (0)
	SINCE(0, &g1);
	g_assert_true(changed);
	g_assert_cmpuint(g_variant_n_children(vms), ==, 1);
	SINCE(g1, &g2);
	g_assert_false(changed);
	g_assert_cmpuint(g2, ==, g1);
	g_assert_cmpuint(g_variant_n_children(vms), ==, 0);
	/* a state change */
	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	SINCE(g1, &g2);
	g_assert_true(changed);
	g_assert_cmpuint(g2, !=, g1);
	{
		const char *state;

		g_variant_get_child(vms, 0, "(&s&s&s&s&obbuut)", NULL, NULL, &state, NULL, NULL,
				    NULL, NULL, NULL, NULL, NULL);
		g_assert_cmpstr(state, ==, "running");
	}
	/* autostart, then a new VM */
	CALL_OK(acrn_vm_call_set_autostart_sync(vm, TRUE, no_opts(), NULL, error));
	SINCE(g2, &g3);
	g_assert_true(changed);
	g_free(define(f, "gen2", NULL, NULL));
	SINCE(g3, &g1);
	g_assert_true(changed);
	g_assert_cmpuint(g_variant_n_children(vms), ==, 2);
	/* ListVMDetails says the same */
	{
		g_autoptr(GVariant) all = NULL;

		CALL_OK(acrn_manager_call_list_vmdetails_sync(f->mgr, &all, NULL, error));
		g_assert_true(g_variant_equal(all, vms));
	}
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
#undef SINCE
}

/* GetGenerationCounter: a read-only page that always holds the generation
 * ListVMDetailsSince reports, updated before the reply of the call that
 * changed it, and a lifeline that hangs up once acrnd is gone.
 * ListVMDetailsPackedSince: the same listing as ListVMDetailsSince. */
static void test_generation_counter(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "counter", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autoptr(GVariant) counter_h = NULL, lifeline_h = NULL, vms = NULL, packed = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	const volatile guint64 *counter;
	struct pollfd p = {.events = POLLIN};
	guint64 g1, g2;
	gboolean changed;
	int fd;

	CALL_OK(acrn_manager_call_get_generation_counter_sync(f->mgr, NULL, &counter_h, &lifeline_h,
							      &fds, NULL, error));
	fd = g_unix_fd_list_get(fds, g_variant_get_handle(counter_h), NULL);
	p.fd = g_unix_fd_list_get(fds, g_variant_get_handle(lifeline_h), NULL);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(p.fd, >=, 0);
	/* read-only for clients, and sealed */
	g_assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	g_assert_cmpint(ftruncate(fd, 0), <, 0);
	counter = mmap(NULL, sizeof(guint64), PROT_READ, MAP_SHARED, fd, 0);
	g_assert_true(counter != MAP_FAILED);
	close(fd);

	CALL_OK(acrn_manager_call_list_vmdetails_since_sync(f->mgr, 0, &g1, &changed, &vms, NULL,
							    error));
	g_assert_cmpuint(*counter, ==, g1);
	/* the packed listing is the same list */
	CALL_OK(acrn_manager_call_list_vmdetails_packed_since_sync(f->mgr, 0, &g2, &changed,
								   &packed, NULL, error));
	g_assert_true(changed);
	g_assert_cmpuint(g2, ==, g1);
	{
		g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes(packed);
		g_autoptr(GVariant) unpacked = g_variant_ref_sink(
		    g_variant_new_from_bytes(G_VARIANT_TYPE("a(ssssobbuut)"), bytes, FALSE));

		g_assert_true(g_variant_equal(unpacked, vms));
	}
	g_clear_pointer(&packed, g_variant_unref);
	CALL_OK(acrn_manager_call_list_vmdetails_packed_since_sync(f->mgr, g1, &g2, &changed,
								   &packed, NULL, error));
	g_assert_false(changed);
	g_assert_cmpuint(g_variant_n_children(packed), ==, 0);

	/* a change is in the page by the time its reply arrives */
	CALL_OK(acrn_vm_call_set_autostart_sync(vm, TRUE, no_opts(), NULL, error));
	g_assert_cmpuint(*counter, !=, g1);
	g_clear_pointer(&vms, g_variant_unref);
	CALL_OK(acrn_manager_call_list_vmdetails_since_sync(f->mgr, g1, &g2, &changed, &vms, NULL,
							    error));
	g_assert_true(changed);
	g_assert_cmpuint(*counter, ==, g2);
	g_free(define(f, "counter2", NULL, NULL));
	g_assert_cmpuint(*counter, !=, g2);

	/* alive: nothing on the lifeline; gone: hang-up */
	g_assert_cmpint(poll(&p, 1, 0), ==, 0);
	stop_acrnd(f, SIGKILL);
	/* (the bound only keeps a broken acrnd from hanging the test) */
	g_assert_cmpint(poll(&p, 1, 120 * 1000), ==, 1);
	g_assert_true(p.revents & POLLHUP);
	close(p.fd);
	munmap((void *)counter, sizeof(guint64));
}

/* DefineVM with keep-name refuses to rename a VM (libvirt's rule for
 * define); without it a definition with the same UUID may rename. */
static void test_define_keep_name(Fixture *f, gconstpointer data)
{
	static const char uuid[] = "7f0a5b1e-2d3c-4b5a-8c6d-0e1f2a3b4c5d";
	g_autofree char *path = NULL, *again = NULL, *renamed = NULL;
	g_autofree char *xml1 = NULL, *xml2 = NULL;
	GVariantBuilder b;

	xml1 = vm_xml(f, "keeper", NULL, NULL);
	xml1 = g_strdup_printf("%.*s<uuid>%s</uuid>%s", (int)(strstr(xml1, "</name>") - xml1 + 7),
			       xml1, uuid, strstr(xml1, "</name>") + 7);
	xml2 = g_strdup(xml1);
	memcpy(strstr(xml2, "keeper"), "kepper", 6);
	CALL_OK(acrn_manager_call_define_vm_sync(f->mgr, xml1, no_opts(), &path, NULL, error));
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "keep-name", g_variant_new_boolean(TRUE));
	CALL_FAILS(acrn_manager_call_define_vm_sync(f->mgr, xml2, g_variant_builder_end(&b), NULL,
						    NULL, error),
		   ACRN_ERROR_ALREADY_EXISTS);
	/* the same name with keep-name is a plain redefinition */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "keep-name", g_variant_new_boolean(TRUE));
	CALL_OK(acrn_manager_call_define_vm_sync(f->mgr, xml1, g_variant_builder_end(&b), &again,
						 NULL, error));
	g_assert_cmpstr(again, ==, path);
	CALL_OK(acrn_manager_call_define_vm_sync(f->mgr, xml2, no_opts(), &renamed, NULL, error));
	g_assert_cmpstr(renamed, ==, path);
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "keeper", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);
}

static void test_lifecycle(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "life", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autofree char *console = NULL;
	guint pid;

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	/* Start returns once the DM reported the guest running. */
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "booted");
	pid = acrn_vm_get_leader_pid(vm);
	g_assert_cmpuint(pid, >, 0);
	g_assert_true(pid_alive(pid));
	wait_events(f, "life starting booted", 1);
	wait_events(f, "life started booted", 1);
	CALL_FAILS(acrn_vm_call_start_sync(vm, no_opts(), NULL, error), ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_undefine_sync(vm, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);

	CALL_OK(acrn_vm_call_get_console_path_sync(vm, no_opts(), &console, NULL, error));
	g_assert_true(g_str_has_prefix(console, "/dev/pts/"));

	CALL_OK(acrn_vm_call_pause_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "paused");
	CALL_FAILS(acrn_vm_call_pause_sync(vm, no_opts(), NULL, error), ACRN_ERROR_INVALID_STATE);
	CALL_FAILS(acrn_vm_call_shutdown_sync(vm, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	CALL_OK(acrn_vm_call_resume_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");

	CALL_OK(acrn_vm_call_suspend_sync(vm, no_opts(), NULL, error));
	wait_state(vm, "suspended");
	CALL_OK(acrn_vm_call_wakeup_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");

	CALL_OK(acrn_vm_call_reset_sync(vm, no_opts(), NULL, error));
	wait_events(f, "life reset", 1);
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), ==, pid); /* same device model */

	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "force-stop");
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), ==, 0);
	g_assert_false(pid_alive(pid));
	wait_events(f, "life stopped force-stop", 1);
	g_assert_cmpuint(count_events(f, "life paused"), ==, 1);
	g_assert_cmpuint(count_events(f, "life resumed"), ==, 1);
	g_assert_cmpuint(count_events(f, "life suspended"), ==, 1);
	g_assert_cmpuint(count_events(f, "life woken"), ==, 1);

	/* Undefine removes the object and the file. */
	CALL_OK(acrn_vm_call_undefine_sync(vm, no_opts(), NULL, error));
	wait_events(f, "life undefined", 1);
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "life", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);
	{
		g_autoptr(GDir) d = g_dir_open(f->state_dir, 0, NULL);

		g_assert_null(g_dir_read_name(d));
	}
}

static void test_shutdown_graceful(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "gentle", "standin.shutdown=delay:0.3", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_shutdown_sync(vm, stop_opts(TRUE, 10, FALSE), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "shutdown");
	wait_events(f, "gentle shutdown-requested", 1);
	wait_events(f, "gentle stopped shutdown", 1);

	/* Without wait the call returns once the button is pressed. */
	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_shutdown_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopping");
	wait_state(vm, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "shutdown");

	/* Issue 13, item 7: a timeout of 0 was silently 1 s; now refused. */
	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	{
		g_autoptr(GError) gerr = NULL;

		g_assert_false(
		    acrn_vm_call_shutdown_sync(vm, stop_opts(TRUE, 0, FALSE), NULL, &gerr));
		g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
		g_assert_nonnull(strstr(gerr->message, "timeout-sec"));
	}
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
}

static void test_shutdown_ignored(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "stubborn", "standin.shutdown=ignore", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	guint pid;

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	pid = acrn_vm_get_leader_pid(vm);
	/* The guest ignores the power button: Timeout, and it keeps running. */
	CALL_FAILS(acrn_vm_call_shutdown_sync(vm, stop_opts(TRUE, 1, FALSE), NULL, error),
		   ACRN_ERROR_TIMEOUT);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "shutdown-timeout");
	g_assert_true(pid_alive(pid));

	/* Escalation: force-stop after the timeout. */
	CALL_OK(acrn_vm_call_shutdown_sync(vm, stop_opts(TRUE, 1, TRUE), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "force-stop: shutdown timed out");
	g_assert_false(pid_alive(pid));
}

static void test_busy(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "busy", "standin.shutdown=ignore", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	/* A pending graceful stop keeps the VM busy ... */
	CALL_OK(acrn_vm_call_shutdown_sync(vm, stop_opts(FALSE, 60, FALSE), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopping");
	CALL_FAILS(acrn_vm_call_pause_sync(vm, no_opts(), NULL, error), ACRN_ERROR_BUSY);
	CALL_FAILS(acrn_vm_call_shutdown_sync(vm, no_opts(), NULL, error), ACRN_ERROR_BUSY);
	CALL_FAILS(acrn_vm_call_reset_sync(vm, no_opts(), NULL, error), ACRN_ERROR_BUSY);
	/* ... but ForceStop preempts it. */
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
}

typedef struct {
	gboolean done;
	GError *error;
} AsyncCall;

static void on_start_done(GObject *src, GAsyncResult *res, gpointer data)
{
	AsyncCall *c = data;

	acrn_vm_call_start_finish(ACRN_VM(src), res, &c->error);
	c->done = TRUE;
}

static gboolean async_done(gpointer data)
{
	return ((AsyncCall *)data)->done;
}

static void test_force_stop_preempts_start(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "slowboot", "standin.start-delay=30", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	AsyncCall start = {FALSE, NULL};

	acrn_vm_call_start(vm, no_opts(), NULL, on_start_done, &start);
	wait_state(vm, "starting");
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), >, 0);
	CALL_FAILS(acrn_vm_call_pause_sync(vm, no_opts(), NULL, error), ACRN_ERROR_BUSY);
	CALL_FAILS(acrn_vm_call_start_sync(vm, no_opts(), NULL, error), ACRN_ERROR_BUSY);
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
	g_assert_true(wait_for(async_done, &start, WAIT_MS));
	g_assert_error(start.error, ACRN_ERROR, ACRN_ERROR_CANCELLED);
	g_clear_error(&start.error);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "force-stop");
}

static void test_reboot(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "reboot", "standin.shutdown=delay:0.1", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	guint pid;

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	pid = acrn_vm_get_leader_pid(vm);
	CALL_OK(acrn_vm_call_reboot_sync(vm, stop_opts(TRUE, 10, FALSE), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(vm), ==, "rebooted");
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), !=, pid);
	wait_events(f, "reboot rebooted", 1);
}

static void test_guest_initiated(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "poweroff", "standin.poweroff-after=0.2", NULL);
	g_autofree char *p2 = define(f, "reboot-destroy", "standin.reboot-after=0.2",
				     "<on_reboot>destroy</on_reboot>");
	g_autofree char *p3 = define(f, "reboot-restart", "standin.reboot-after=0.3", NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autoptr(AcrnVM) v2 = vm_proxy(f, p2);
	g_autoptr(AcrnVM) v3 = vm_proxy(f, p3);
	guint pid3;

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v3, no_opts(), NULL, error));
	pid3 = acrn_vm_get_leader_pid(v3);
	wait_events(f, "poweroff stopped guest-poweroff", 1);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "stopped");
	wait_events(f, "reboot-destroy stopped guest-reboot", 1);
	g_assert_cmpstr(acrn_vm_get_state(v2), ==, "stopped");
	/* on_reboot=restart (the default): a new device model boots it again. */
	wait_events(f, "reboot-restart rebooted guest-reboot", 1);
	wait_events(f, "reboot-restart started restart-on-reboot", 1);
	g_assert_cmpstr(acrn_vm_get_state(v3), ==, "running");
	g_assert_cmpuint(acrn_vm_get_leader_pid(v3), !=, pid3);
	CALL_OK(acrn_vm_call_force_stop_sync(v3, no_opts(), NULL, error));
}

static void test_crash_destroy(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "crashy", "standin.crash-after=0.2", NULL);
	g_autofree char *p2 = define(f, "aborty", "standin.abort-after=0.2", NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autoptr(AcrnVM) v2 = vm_proxy(f, p2);

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	wait_state(v1, "crashed");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "guest-crash: triple-fault");
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, 0);
	/* The device model itself dying is a crash too. */
	wait_state(v2, "crashed");
	g_assert_true(g_str_has_prefix(acrn_vm_get_state_reason(v2), "dm-crashed: dm-killed:"));
	wait_events(f, "crashy crashed", 1);
	/* A crashed VM can be started again. */
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_force_stop_sync(v1, no_opts(), NULL, error));
}

static void test_crash_restart_limit(Fixture *f, gconstpointer data)
{
	g_autofree char *path = NULL;
	g_autoptr(AcrnVM) vm = NULL;

	g_ptr_array_add(f->extra_args, g_strdup("--restart-burst=2"));
	g_ptr_array_add(f->extra_args, g_strdup("--restart-interval=60"));
	start_acrnd(f);
	path = define(f, "phoenix", "standin.crash-after=0.2", "<on_crash>restart</on_crash>");
	vm = vm_proxy(f, path);
	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	/* Two restarts, then the limit stops the loop. */
	wait_events(f, "phoenix crashed restart-limit", 1);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "crashed");
	g_assert_true(g_str_has_prefix(acrn_vm_get_state_reason(vm), "restart-limit: 2 restarts"));
	g_assert_cmpuint(count_events(f, "phoenix started restart-on-crash"), ==, 2);
	g_assert_cmpuint(count_events(f, "phoenix started"), ==, 3);
}

static void test_start_failure(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "nostart", "standin.fail-start=no-bootable-device", NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autofree char *xml = NULL;
	g_autofree char *p2 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;
	g_autoptr(GError) gerr = NULL;

	g_assert_false(acrn_vm_call_start_sync(v1, no_opts(), NULL, &gerr));
	drain();
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_DEVICE_MODEL_FAILED);
	g_assert_nonnull(strstr(gerr->message, "no-bootable-device"));
	g_clear_error(&gerr);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "stopped");
	g_assert_true(g_str_has_prefix(acrn_vm_get_state_reason(v1), "start-failed: "));

	/* A kernel that does not exist: the DM's own gerr reaches the caller. */
	xml = g_strdup_printf("<domain type='acrn'><name>nokernel</name><memory unit='MiB'>256"
			      "</memory><os><kernel>%s/missing</kernel></os></domain>",
			      f->tmp);
	CALL_OK(acrn_manager_call_define_vm_sync(f->mgr, xml, no_opts(), &p2, NULL, error));
	v2 = vm_proxy(f, p2);
	g_assert_false(acrn_vm_call_start_sync(v2, no_opts(), NULL, &gerr));
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_DEVICE_MODEL_FAILED);
	g_assert_nonnull(strstr(gerr->message, "cannot open kernel"));
}

static void test_start_timeout(Fixture *f, gconstpointer data)
{
	g_autofree char *path = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autoptr(GError) gerr = NULL;
	guint pid = 0;

	g_ptr_array_add(f->extra_args, g_strdup("--start-timeout=1"));
	start_acrnd(f);
	path = define(f, "hung", "standin.start-delay=60", NULL);
	vm = vm_proxy(f, path);
	g_assert_false(acrn_vm_call_start_sync(vm, no_opts(), NULL, &gerr));
	drain();
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_TIMEOUT);
	g_assert_nonnull(strstr(gerr->message, "no 'started'"));
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");
	g_assert_true(g_str_has_prefix(acrn_vm_get_state_reason(vm), "start-failed: "));
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), ==, pid);
}

static void test_blkrescan(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "media", NULL,
				       "<devices><disk type='file'><target dev='vdb'/>"
				       "<address type='pci' slot='5'/></disk></devices>");
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autofree char *image = g_build_filename(f->tmp, "media.img", NULL);

	g_assert_true(g_file_set_contents(image, "data", -1, NULL));
	CALL_FAILS(acrn_vm_call_block_rescan_sync(vm, 5, image, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_block_rescan_sync(vm, 5, image, no_opts(), NULL, error));
	CALL_FAILS(acrn_vm_call_block_rescan_sync(vm, 6, image, no_opts(), NULL, error),
		   ACRN_ERROR_DEVICE_MODEL_FAILED);
	/* Issue 13, item 7: a 70 KB path made a control line over the
	 * protocol's 64 KiB limit and the caller waited for a timeout. */
	{
		g_autofree char *longpath = g_strnfill(70000, 'a');
		g_autoptr(GError) gerr = NULL;

		longpath[0] = '/';
		g_assert_false(
		    acrn_vm_call_block_rescan_sync(vm, 5, longpath, no_opts(), NULL, &gerr));
		g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
	}
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
}

typedef struct {
	AcrnVM *vm;
	gboolean ok;
	char *log;
} PauseTry;

/* Latched: wait_for() evaluates the condition again after it held. */
static gboolean pause_works(gpointer data)
{
	PauseTry *t = data;

	if (!t->ok)
		t->ok = acrn_vm_call_pause_sync(t->vm, g_variant_new("a{sv}", NULL), NULL, NULL);
	return t->ok;
}

static gboolean channel_dropped(gpointer data)
{
	PauseTry *t = data;
	g_autofree char *text = NULL;

	return g_file_get_contents(t->log, &text, NULL, NULL) &&
	       strstr(text, "dropping the control connection");
}

static void test_control_reconnect(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "flaky", "standin.drop-control-after=0.2", NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	PauseTry t = {vm, FALSE, NULL};
	guint pid;

	CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
	pid = acrn_vm_get_leader_pid(vm);
	t.log = g_strdup_printf("%s/%s.log", f->run_dir, acrn_vm_get_uuid(vm));
	/* The DM drops the channel (its log says so); acrnd reconnects while
	 * the VM runs on.  Pause fails with DeviceModelFailed until then. */
	g_assert_true(wait_for(channel_dropped, &t, WAIT_MS));
	g_assert_true(wait_for(pause_works, &t, WAIT_MS));
	drain();
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "paused");
	g_assert_cmpuint(acrn_vm_get_leader_pid(vm), ==, pid);
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
	g_free(t.log);
}

static GVariant *save_opts(guint timeout)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "managed-save", g_variant_new_boolean(TRUE));
	if (timeout)
		g_variant_builder_add(&b, "{sv}", "timeout-sec", g_variant_new_uint32(timeout));
	return g_variant_builder_end(&b);
}

/* Managed save: guest S3 marked as such, through an acrnd restart; a plain
 * Suspend stays a plain guest S3; a guest that never sleeps makes the save
 * fail with Timeout and stays running, unmarked. */
static void test_managed_save(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "saved", NULL, NULL);
	g_autofree char *p2 = define(f, "insomniac", "standin.suspend=ignore", NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autoptr(AcrnVM) v2 = vm_proxy(f, p2);
	g_autoptr(GError) gerr = NULL;
	GVariantBuilder b;
	guint pid;

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	pid = acrn_vm_get_leader_pid(v1);
	/* Plain guest S3 first: not a managed save. */
	CALL_OK(acrn_vm_call_suspend_sync(v1, no_opts(), NULL, error));
	wait_state(v1, "suspended");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "guest-suspend");
	CALL_OK(acrn_vm_call_wakeup_sync(v1, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "woken");

	/* The save returns with the guest asleep, no polling needed. */
	CALL_OK(acrn_vm_call_suspend_sync(v1, save_opts(0), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "suspended");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "managed-save");
	wait_events(f, "saved suspended managed-save", 1);
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, pid);

	/* The mark survives acrnd dying hard. */
	stop_acrnd(f, SIGKILL);
	g_clear_object(&v1);
	g_clear_object(&v2);
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	wait_events(f, "saved reattached suspended", 1);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "suspended");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "managed-save");

	/* Waking it restores the saved guest and drops the mark. */
	CALL_OK(acrn_vm_call_wakeup_sync(v1, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "restored");
	wait_events(f, "saved woken managed-save", 1);
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, pid);
	CALL_OK(acrn_vm_call_suspend_sync(v1, no_opts(), NULL, error));
	wait_state(v1, "suspended");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "guest-suspend");
	CALL_FAILS(acrn_vm_call_suspend_sync(v1, save_opts(0), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	CALL_OK(acrn_vm_call_force_stop_sync(v1, no_opts(), NULL, error));

	/* A guest that ignores the request. */
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	CALL_FAILS(acrn_vm_call_suspend_sync(v2, save_opts(1), NULL, error), ACRN_ERROR_TIMEOUT);
	g_assert_cmpstr(acrn_vm_get_state(v2), ==, "running");
	CALL_OK(acrn_vm_call_pause_sync(v2, no_opts(), NULL, error)); /* not busy */
	CALL_OK(acrn_vm_call_force_stop_sync(v2, no_opts(), NULL, error));

	/* Bad options. */
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "timeout-sec", g_variant_new_uint32(5));
	g_assert_false(acrn_vm_call_suspend_sync(v2, g_variant_builder_end(&b), NULL, &gerr));
	g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
	g_clear_error(&gerr);
	g_assert_false(acrn_vm_call_suspend_sync(v2, save_opts(0), NULL, &gerr));
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_INVALID_STATE);
	g_clear_error(&gerr);
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "managed-save", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&b, "{sv}", "timeout-sec", g_variant_new_uint32(0));
	g_assert_false(acrn_vm_call_suspend_sync(v2, g_variant_builder_end(&b), NULL, &gerr));
	g_assert_error(gerr, G_DBUS_ERROR, G_DBUS_ERROR_INVALID_ARGS);
}

static void test_reattach(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "survivor", "standin.shutdown=delay:0.1", NULL);
	g_autofree char *p2 = define(f, "casualty", NULL, NULL);
	g_autofree char *p3 = define(f, "sleeper", NULL, NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autoptr(AcrnVM) v2 = vm_proxy(f, p2);
	g_autoptr(AcrnVM) v3 = vm_proxy(f, p3);
	g_autoptr(AcrnVM) v4 = NULL;
	g_autofree char *p4 = NULL;
	guint pid1, pid2;

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v3, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_pause_sync(v3, no_opts(), NULL, error));
	pid1 = acrn_vm_get_leader_pid(v1);
	pid2 = acrn_vm_get_leader_pid(v2);
	/* A transient VM survives too (its definition is in the run dir). */
	{
		g_autofree char *xml = vm_xml(f, "fleeting", NULL, NULL);

		CALL_OK(acrn_manager_call_create_vm_sync(f->mgr, xml, no_opts(), &p4, NULL, error));
	}

	/* acrnd dies hard; its VMs do not. */
	stop_acrnd(f, SIGKILL);
	g_assert_true(pid_alive(pid1));
	g_assert_true(pid_alive(pid2));
	/* One device model ends while acrnd is away. */
	kill(pid2, SIGKILL);
	g_assert_true(wait_for(pid_gone, GUINT_TO_POINTER(pid2), WAIT_MS));
	g_clear_object(&v1);
	g_clear_object(&v2);
	g_clear_object(&v3);

	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	v3 = vm_proxy(f, p3);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "reattached");
	wait_events(f, "survivor reattached running", 1);
	wait_events(f, "sleeper reattached paused", 1);
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, pid1);
	g_assert_cmpstr(acrn_vm_get_state(v2), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(v2), ==, "dm-exited-while-acrnd-down");
	g_assert_cmpuint(acrn_vm_get_leader_pid(v2), ==, 0);
	g_assert_cmpstr(acrn_vm_get_state(v3), ==, "paused");
	v4 = vm_proxy(f, p4);
	g_assert_cmpstr(acrn_vm_get_state(v4), ==, "running");
	g_assert_false(acrn_vm_get_persistent(v4));
	CALL_OK(acrn_vm_call_force_stop_sync(v4, no_opts(), NULL, error));
	wait_events(f, "fleeting undefined transient", 1);

	/* The control channel works again ... */
	CALL_OK(acrn_vm_call_pause_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_resume_sync(v1, no_opts(), NULL, error));
	/* ... and the exit of a device model that is not our child is seen. */
	CALL_OK(acrn_vm_call_shutdown_sync(v1, stop_opts(TRUE, 10, FALSE), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "stopped");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "shutdown");
	g_assert_false(pid_alive(pid1));
	CALL_OK(acrn_vm_call_force_stop_sync(v3, no_opts(), NULL, error));

	/* A graceful SIGTERM of acrnd also leaves VMs running by default. */
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	pid1 = acrn_vm_get_leader_pid(v1);
	g_assert_cmpint(stop_acrnd(f, SIGTERM), ==, 0);
	g_assert_true(pid_alive(pid1));
	g_clear_object(&v1);
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, pid1);
}

/* Issue 13, item 3: a VM runs only with a runtime record, and a device
 * model that may still live is never joined by a second one. */
static void test_runtime_record_mandatory(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "recordless", NULL, NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autofree char *state = NULL;
	g_autofree char *sock = NULL;
	g_autoptr(GError) gerr = NULL;
	guint pid1;

	/* The record cannot be written (a directory is in its place, as
	 * unwritable as a full run directory): the start fails and the device
	 * model is not left running. */
	state = g_strdup_printf("%s/%s.state", f->run_dir, acrn_vm_get_uuid(v1));
	g_assert_cmpint(g_mkdir(state, 0700), ==, 0);
	g_assert_false(acrn_vm_call_start_sync(v1, no_opts(), NULL, &gerr));
	drain();
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_DEVICE_MODEL_FAILED);
	g_assert_nonnull(strstr(gerr->message, "runtime record"));
	g_clear_error(&gerr);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "stopped");
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, 0);
	g_assert_cmpint(g_rmdir(state), ==, 0);

	/* The record is lost while acrnd is away: after the restart the VM
	 * looks stopped, but its device model still answers on the control
	 * socket, so Start refuses instead of launching a second one. */
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	pid1 = acrn_vm_get_leader_pid(v1);
	stop_acrnd(f, SIGKILL);
	g_assert_cmpint(g_unlink(state), ==, 0);
	g_clear_object(&v1);
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "stopped");
	g_assert_false(acrn_vm_call_start_sync(v1, no_opts(), NULL, &gerr));
	drain();
	g_assert_error(gerr, ACRN_ERROR, ACRN_ERROR_INVALID_STATE);
	g_assert_nonnull(strstr(gerr->message, "may still be running"));
	g_assert_true(pid_alive(pid1));
	g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, 0);
	sock = g_strdup_printf("%s/%s.sock", f->run_dir, acrn_vm_get_uuid(v1));
	g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
	kill(pid1, SIGKILL);
	g_assert_true(wait_for(pid_gone, GUINT_TO_POINTER(pid1), WAIT_MS));
}

static void test_stop_vms_on_exit(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = NULL, *p2 = NULL;
	g_autoptr(AcrnVM) v1 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;
	guint pid1, pid2;

	g_ptr_array_add(f->extra_args, g_strdup("--stop-vms-on-exit"));
	g_ptr_array_add(f->extra_args, g_strdup("--stop-timeout=1"));
	start_acrnd(f);
	p1 = define(f, "polite", "standin.shutdown=delay:0.1", NULL);
	p2 = define(f, "deaf", "standin.shutdown=ignore", NULL);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	pid1 = acrn_vm_get_leader_pid(v1);
	pid2 = acrn_vm_get_leader_pid(v2);
	g_assert_cmpint(stop_acrnd(f, SIGTERM), ==, 0);
	g_assert_false(pid_alive(pid1));
	g_assert_false(pid_alive(pid2)); /* forced after the timeout */
}

static gboolean file_has_autostart(gpointer data)
{
	g_autofree char *text = NULL;

	return g_file_get_contents(data, &text, NULL, NULL) && strstr(text, "enabled='yes'");
}

static void test_autostart(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "second", NULL,
				     "<metadata><acrn:autostart xmlns:acrn='urn:acrn:domain:1' "
				     "enabled='yes' order='2'/></metadata>");
	g_autofree char *p2 = define(f, "first", NULL,
				     "<metadata><acrn:autostart xmlns:acrn='urn:acrn:domain:1' "
				     "enabled='no' order='1'/></metadata>");
	g_autofree char *p3 = define(f, "manual", NULL, NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	g_autoptr(AcrnVM) v2 = vm_proxy(f, p2);
	g_autoptr(AcrnVM) v3 = vm_proxy(f, p3);
	g_autofree char *file = NULL, *text = NULL;
	g_autoptr(GVariant) list = NULL;
	int first = -1, second = -1;

	g_assert_true(acrn_vm_get_autostart(v1));
	g_assert_false(acrn_vm_get_autostart(v2));
	CALL_OK(acrn_vm_call_set_autostart_sync(v2, TRUE, no_opts(), NULL, error));
	g_assert_true(acrn_vm_get_autostart(v2));
	/* Persisted: in the journal at once, in the definition file once
	 * definitions stop coming for a moment. */
	file = g_strdup_printf("%s/%s.xml", f->state_dir, acrn_vm_get_uuid(v2));
	g_assert_true(wait_for(file_has_autostart, file, WAIT_MS));
	/* A redefinition without the metadata keeps the flag. */
	g_free(define(f, "first", NULL, NULL));
	g_assert_true(acrn_vm_get_autostart(v2));

	stop_acrnd(f, SIGTERM);
	g_ptr_array_set_size(f->events, 0);
	g_clear_object(&v1);
	g_clear_object(&v2);
	g_clear_object(&v3);
	forget_autostart(f); /* a reboot */
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	v3 = vm_proxy(f, p3);
	wait_events(f, "second started autostart", 1);
	wait_events(f, "first started autostart", 1);
	wait_state(v1, "running");
	wait_state(v2, "running");
	g_assert_cmpstr(acrn_vm_get_state_reason(v1), ==, "autostart");
	g_assert_cmpstr(acrn_vm_get_state(v3), ==, "stopped");
	for (guint i = 0; i < f->events->len; i++) {
		if (g_str_has_prefix(f->events->pdata[i], "first started"))
			first = (int)i;
		if (g_str_has_prefix(f->events->pdata[i], "second started"))
			second = (int)i;
	}
	g_assert_cmpint(first, >=, 0);
	g_assert_cmpint(first, <, second); /* order 1 before order 2 */

	/* A restart of acrnd in the same boot starts no VM: not "first",
	 * stopped by the user, nor "manual"; "second" is re-attached. */
	CALL_OK(acrn_vm_call_force_stop_sync(v2, no_opts(), NULL, error));
	wait_state(v2, "stopped");
	stop_acrnd(f, SIGTERM);
	g_ptr_array_set_size(f->events, 0);
	g_clear_object(&v1);
	g_clear_object(&v2);
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	/* Answered after whatever READY set off (autostart begins there):
	 * the events of a start would have come before the reply. */
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &list, NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state(v2), ==, "stopped");
	g_assert_cmpuint(count_events(f, "first "), ==, 0);
	g_assert_cmpuint(count_events(f, "manual "), ==, 0);
}

static void write_file(const char *dir, const char *name, const char *text, gssize len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(path, text, len, NULL));
}

static void test_persistence_corrupt(Fixture *f, gconstpointer data)
{
	g_autofree char *good = NULL;
	g_autofree char *good_file = NULL;
	g_autoptr(GVariant) list = NULL;
	const char *uuid = "0a2f6d1c-7e1b-4c53-9d84-1f0e6a7b8c9d";
	const char *names[] = {"3d1e2c4b-5a6f-4789-8abc-def012345678.xml",
			       "4d1e2c4b-5a6f-4789-8abc-def012345678.xml",
			       ".0a2f6d1c-7e1b-4c53-9d84-1f0e6a7b8c9d.xml.Q1W2E3.tmp",
			       "5d1e2c4b-5a6f-4789-8abc-def012345678.xml", "notes.txt"};

	/* Prepared before acrnd starts (fixture data != NULL). */
	g_assert_true(g_mkdir_with_parents(f->state_dir, 0755) == 0);
	good = g_strdup_printf("<domain type='acrn'><name>good</name><uuid>%s</uuid>"
			       "<memory unit='MiB'>256</memory><os><kernel>%s</kernel></os>"
			       "</domain>",
			       uuid, f->kernel);
	good_file = g_strdup_printf("%s.xml", uuid);
	write_file(f->state_dir, good_file, good, -1);
	write_file(f->state_dir, names[0], "<domain type='acrn'><name>bad</name>", -1);
	write_file(f->state_dir, names[1], "\0\0\0\0garbage", 11);
	write_file(f->state_dir, names[2], "<domain type='acrn'><na", -1); /* interrupted */
	/* Valid XML but its UUID does not match the file name. */
	write_file(f->state_dir, names[3], good, -1);
	write_file(f->state_dir, names[4], "not a definition", -1);

	start_acrnd(f);
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &list, NULL, error));
	g_assert_cmpuint(g_variant_n_children(list), ==, 1);
	{
		const char *u, *n, *s, *p;

		g_variant_get_child(list, 0, "(&s&s&s&o)", &u, &n, &s, &p);
		g_assert_cmpstr(n, ==, "good");
		g_assert_cmpstr(u, ==, uuid);
	}
	/* Nothing was deleted but the interrupted write's temporary file
	 * (issue 13, item 7: it stayed forever), removed before READY. */
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(f->state_dir, names[i], NULL);

		g_assert_cmpint(g_file_test(p, G_FILE_TEST_EXISTS), ==, i != 2);
	}
}

static char *state_file(Fixture *f, const char *name)
{
	return g_build_filename(f->state_dir, name, NULL);
}

static gboolean file_exists(Fixture *f, const char *name)
{
	g_autofree char *path = state_file(f, name);

	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static char *vm_config(Fixture *f, const char *name)
{
	g_autofree char *path = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	char *xml = NULL;

	CALL_OK(acrn_manager_call_get_vm_sync(f->mgr, name, &path, NULL, error));
	vm = vm_proxy(f, path);
	CALL_OK(acrn_vm_call_get_config_sync(vm, no_opts(), &xml, NULL, error));
	return xml;
}

/* Every acknowledged change of a definition survives acrnd being killed
 * right after the reply, before it writes the definition files (they are
 * written once definitions stop coming for a moment): new definitions, a
 * redefinition, autostart, and an undefine that must not come back. */
static void test_persistence_kill(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GVariant) list = NULL;
	g_autofree char *gone = NULL, *config = NULL, *p1 = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	const guint n = 20;

	/* Undefining a VM whose definition is in the journal writes the
	 * journal out first: a restart must not bring the VM back. */
	gone = define(f, "gone", NULL, NULL);
	vm = vm_proxy(f, gone);
	CALL_OK(acrn_vm_call_undefine_sync(vm, no_opts(), NULL, error));
	g_clear_object(&vm);
	for (guint i = 0; i < n; i++) {
		g_autofree char *name = g_strdup_printf("kept-%02u", i);
		g_autofree char *path = define(f, name, NULL, NULL);
		g_autoptr(AcrnVM) v = vm_proxy(f, path);

		g_ptr_array_add(uuids, g_strdup(acrn_vm_get_uuid(v)));
	}
	g_free(define(f, "kept-00", "console=ttyS0 redefined", NULL));
	CALL_OK(acrn_manager_call_get_vm_sync(f->mgr, "kept-01", &p1, NULL, error));
	vm = vm_proxy(f, p1);
	CALL_OK(acrn_vm_call_set_autostart_sync(vm, TRUE, no_opts(), NULL, error));
	g_clear_object(&vm);
	/* The journal is there unless this host was slow enough for acrnd to
	 * write everything out already; the outcome must be the same. */
	g_test_message("journal %s at the kill",
		       file_exists(f, ACRN_JOURNAL_NAME) ? "present" : "already written out");
	stop_acrnd(f, SIGKILL);

	start_acrnd(f);
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &list, NULL, error));
	g_assert_cmpuint(g_variant_n_children(list), ==, n);
	for (guint i = 0; i < n; i++) {
		const char *u, *name, *s, *p;
		g_autofree char *want = g_strdup_printf("kept-%02u", i);
		g_autofree char *file = g_strdup_printf("%s.xml", (char *)uuids->pdata[i]);

		g_variant_get_child(list, i, "(&s&s&s&o)", &u, &name, &s, &p);
		g_assert_cmpstr(name, ==, want);
		g_assert_cmpstr(u, ==, uuids->pdata[i]);
		/* Written to its file before READY. */
		g_assert_true(file_exists(f, file));
	}
	g_assert_false(file_exists(f, ACRN_JOURNAL_NAME));
	config = vm_config(f, "kept-00");
	g_assert_nonnull(strstr(config, "redefined"));
	vm = vm_proxy(f, p1);
	g_assert_true(acrn_vm_get_autostart(vm));
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "gone", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);
}

static char *uuid_xml(Fixture *f, const char *name, const char *uuid, const char *cmdline)
{
	return g_strdup_printf("<domain type='acrn'><name>%s</name><uuid>%s</uuid>"
			       "<memory unit='MiB'>256</memory><os><kernel>%s</kernel>"
			       "<cmdline>%s</cmdline></os></domain>",
			       name, uuid, f->kernel, cmdline);
}

/* A journal left by a crash is applied over the definition files, record
 * by record, then written out and removed; records that do not fit what
 * came before are skipped, a torn last record is ignored. */
static void test_persistence_journal_replay(Fixture *f, gconstpointer data)
{
	const char *ua = "1a2b3c4d-0000-4000-8000-00000000000a";
	const char *ub = "1a2b3c4d-0000-4000-8000-00000000000b";
	const char *uc = "1a2b3c4d-0000-4000-8000-00000000000c";
	g_autofree char *journal = state_file(f, ACRN_JOURNAL_NAME);
	g_autofree char *fa = g_strdup_printf("%s.xml", ua);
	g_autofree char *fb = g_strdup_printf("%s.xml", ub);
	g_autofree char *fc = g_strdup_printf("%s.xml", uc);
	g_autofree char *old = uuid_xml(f, "alpha", ua, "old");
	g_autofree char *text = NULL, *config = NULL, *path = NULL;
	g_autoptr(GVariant) list = NULL;
	g_autoptr(GError) jerr = NULL;
	gsize len;

	/* Prepared before acrnd starts (fixture data != NULL). */
	g_assert_true(g_mkdir_with_parents(f->state_dir, 0755) == 0);
	write_file(f->state_dir, fa, old, -1);
	{
		g_autoptr(AcrnJournal) j = acrn_journal_new(journal, 64 * 1024);
		g_autofree char *a2 = uuid_xml(f, "alpha", ua, "new");
		g_autofree char *b = uuid_xml(f, "beta", ub, "");
		g_autofree char *b_as_alpha = uuid_xml(f, "alpha", uc, "");
		g_autofree char *last = uuid_xml(f, "gamma", uc, "");

		g_assert_true(acrn_journal_append(j, ua, a2, &jerr));
		g_assert_true(acrn_journal_append(j, ub, b, &jerr));
		/* Another VM by the name alpha: refused as DefineVM would. */
		g_assert_true(acrn_journal_append(j, uc, b_as_alpha, &jerr));
		/* A record whose UUID is not the XML's. */
		g_assert_true(acrn_journal_append(j, ua, last, &jerr));
		g_assert_true(acrn_journal_append(j, uc, last, &jerr));
		g_assert_no_error(jerr);
	}
	/* The last record torn by the crash: its final bytes never written. */
	g_assert_true(g_file_get_contents(journal, &text, &len, NULL));
	{
		char *end = text + len;

		while (end > text && !end[-1])
			end--;
		g_assert_true(end - text > 8);
		memset(end - 8, 0, 8);
		g_assert_true(g_file_set_contents(journal, text, (gssize)len, NULL));
	}

	start_acrnd(f);
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &list, NULL, error));
	g_assert_cmpuint(g_variant_n_children(list), ==, 2);
	config = vm_config(f, "alpha");
	g_assert_nonnull(strstr(config, "<cmdline>new</cmdline>"));
	CALL_OK(acrn_manager_call_get_vm_sync(f->mgr, "beta", &path, NULL, error));
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "gamma", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);
	/* Written out and the journal removed, before READY. */
	g_assert_false(g_file_test(journal, G_FILE_TEST_EXISTS));
	g_assert_true(file_exists(f, fb));
	g_assert_false(file_exists(f, fc));
	g_clear_pointer(&text, g_free);
	{
		g_autofree char *p = state_file(f, fa);

		g_assert_true(g_file_get_contents(p, &text, NULL, NULL));
		g_assert_nonnull(strstr(text, "<cmdline>new</cmdline>"));
	}

	/* From the files alone, the same. */
	stop_acrnd(f, SIGTERM);
	start_acrnd(f);
	g_clear_pointer(&config, g_free);
	config = vm_config(f, "alpha");
	g_assert_nonnull(strstr(config, "<cmdline>new</cmdline>"));
	g_free(vm_config(f, "beta"));
}

static void test_transient(Fixture *f, gconstpointer data)
{
	g_autofree char *xml = vm_xml(f, "ephemeral", NULL, NULL);
	g_autofree char *path = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autoptr(GDir) d = NULL;

	CALL_OK(acrn_manager_call_create_vm_sync(f->mgr, xml, no_opts(), &path, NULL, error));
	vm = vm_proxy(f, path);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "running");
	g_assert_false(acrn_vm_get_persistent(vm));
	CALL_FAILS(acrn_vm_call_set_autostart_sync(vm, TRUE, no_opts(), NULL, error),
		   ACRN_ERROR_INVALID_STATE);
	/* Not in the state directory. */
	d = g_dir_open(f->state_dir, 0, NULL);
	g_assert_null(g_dir_read_name(d));
	CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
	wait_events(f, "ephemeral undefined transient", 1);
	CALL_FAILS(acrn_manager_call_get_vm_sync(f->mgr, "ephemeral", NULL, NULL, error),
		   ACRN_ERROR_NO_SUCH_VM);
}

static gboolean autostart_on(gpointer data)
{
	return acrn_vm_get_autostart(data);
}

/* Run `gdbus call` as another user (child_setup drops privileges, like
 * setpriv --reuid=65534 --regid=65534 --groups=...).  @data: the one
 * supplementary group to keep, or GINT_TO_POINTER(-1) for none. */
static void become_nobody(gpointer data)
{
	gid_t extra = (gid_t)GPOINTER_TO_INT(data);
	int n = GPOINTER_TO_INT(data) < 0 ? 0 : 1;

	if (setgroups(n, &extra) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		_exit(99);
}

static gboolean call_as_nobody_in(Fixture *f, int gid, const char *path, const char *method,
				  char **err_out, va_list ap)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	const char *fixed[] = {"gdbus",	       "call",		"--address", f->address, "--dest",
			       ACRN_DBUS_NAME, "--object-path", path,	     "--method", method};
	g_autoptr(GError) error = NULL;
	const char *a;
	int status;

	for (guint i = 0; i < G_N_ELEMENTS(fixed); i++)
		g_ptr_array_add(argv, (char *)fixed[i]);
	while ((a = va_arg(ap, const char *)))
		g_ptr_array_add(argv, (char *)a);
	g_ptr_array_add(argv, NULL);
	g_autofree char *out = NULL;

	g_assert_true(g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
				   become_nobody, GINT_TO_POINTER(gid), &out, err_out, &status,
				   &error));
	g_assert_no_error(error);
	return g_spawn_check_wait_status(status, NULL);
}

/* Arguments after @err_out: NULL-terminated. */
static gboolean call_as_nobody(Fixture *f, const char *path, const char *method, char **err_out,
			       ...)
{
	va_list ap;
	gboolean ok;

	va_start(ap, err_out);
	ok = call_as_nobody_in(f, -1, path, method, err_out, ap);
	va_end(ap);
	return ok;
}

/* The same, with @gid as the caller's only supplementary group. */
static gboolean call_as_nobody_with_group(Fixture *f, gid_t gid, const char *path,
					  const char *method, char **err_out, ...)
{
	va_list ap;
	gboolean ok;

	va_start(ap, err_out);
	ok = call_as_nobody_in(f, (int)gid, path, method, err_out, ap);
	va_end(ap);
	return ok;
}

static void test_access(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "guarded", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	g_autofree char *err = NULL;

	if (geteuid() != 0 || !getpwuid(65534)) {
		g_test_skip("needs root and a 'nobody' account to run a client as another user");
		return;
	}
	/* Reads are open to everybody the bus lets through ... */
	g_assert_true(call_as_nobody(f, ACRN_DBUS_MANAGER_PATH, "org.acrn.Acrnd1.Manager.ListVMs",
				     &err, NULL));
	g_clear_pointer(&err, g_free);
	g_assert_true(call_as_nobody(f, path, "org.acrn.Acrnd1.VM.GetConfig", &err, "{}", NULL));
	g_clear_pointer(&err, g_free);
	/* ... changes are not. */
	g_assert_false(call_as_nobody(f, path, "org.acrn.Acrnd1.VM.Start", &err, "{}", NULL));
	g_assert_nonnull(strstr(err, "org.acrn.Acrnd1.Error.AccessDenied"));
	g_clear_pointer(&err, g_free);
	g_assert_false(call_as_nobody(f, ACRN_DBUS_MANAGER_PATH, "org.acrn.Acrnd1.Manager.DefineVM",
				      &err, "<domain/>", "{}", NULL));
	g_assert_nonnull(strstr(err, "AccessDenied"));
	g_clear_pointer(&err, g_free);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");

	/* Members of the manage group may. */
	stop_acrnd(f, SIGTERM);
	g_ptr_array_add(f->extra_args, g_strdup("--manage-group"));
	g_ptr_array_add(f->extra_args,
			g_strdup(getgrgid(65534) ? getgrgid(65534)->gr_name : "nogroup"));
	start_acrnd(f);
	g_clear_object(&vm);
	vm = vm_proxy(f, path);
	g_assert_true(
	    call_as_nobody(f, path, "org.acrn.Acrnd1.VM.SetAutostart", &err, "true", "{}", NULL));
	g_clear_pointer(&err, g_free);
	g_assert_true(wait_for(autostart_on, vm, WAIT_MS));
}

/* A group that 'nobody' is not in according to the group database. */
static struct group *group_without_nobody(void)
{
	struct passwd *nobody = getpwuid(65534);
	struct group *gr;

	setgrent();
	while ((gr = getgrent())) {
		gboolean listed = FALSE;

		if (gr->gr_gid == 0 || gr->gr_gid == 65534 || gr->gr_gid == nobody->pw_gid)
			continue;
		for (char **m = gr->gr_mem; *m; m++)
			listed |= strcmp(*m, nobody->pw_name) == 0;
		if (!listed)
			break;
	}
	endgrent();
	return gr;
}

/* acrnd checks the groups the caller's process has (as the bus reports
 * them), not the group database: a group given only at run time counts. */
static void test_access_runtime_group(Fixture *f, gconstpointer data)
{
	g_autofree char *path = NULL;
	g_autofree char *err = NULL;
	g_autofree char *group = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	struct group *gr;
	gid_t gid;

	if (geteuid() != 0 || !getpwuid(65534)) {
		g_test_skip("needs root and a 'nobody' account to run a client as another user "
			    "with chosen groups");
		return;
	}
	gr = group_without_nobody();
	if (!gr) {
		g_test_skip("no group without 'nobody' in the group database");
		return;
	}
	group = g_strdup(gr->gr_name);
	gid = gr->gr_gid;
	g_ptr_array_add(f->extra_args, g_strdup("--manage-group"));
	g_ptr_array_add(f->extra_args, g_strdup(group));
	start_acrnd(f);
	path = define(f, "guarded", NULL, NULL);
	vm = vm_proxy(f, path);

	/* Without the group: denied. */
	g_assert_false(
	    call_as_nobody(f, path, "org.acrn.Acrnd1.VM.SetAutostart", &err, "true", "{}", NULL));
	g_assert_nonnull(strstr(err, "org.acrn.Acrnd1.Error.AccessDenied"));
	g_clear_pointer(&err, g_free);
	g_assert_false(acrn_vm_get_autostart(vm));
	/* With the group as a supplementary group of the process only. */
	if (!call_as_nobody_with_group(f, gid, path, "org.acrn.Acrnd1.VM.SetAutostart", &err,
				       "true", "{}", NULL))
		g_error("nobody with runtime group %s (%u) was refused: %s", group, (guint)gid,
			err);
	g_clear_pointer(&err, g_free);
	g_assert_true(wait_for(autostart_on, vm, WAIT_MS));
}

/* ---- authorization is asynchronous ---- */

/* What the asynchronous check must keep: acrnd serves other calls while
 * an authorization is pending, one client's calls complete in the order
 * sent, reads interleave with them, and an object removed while a call
 * waits for authorization fails that call cleanly instead of running it
 * on a VM that is gone. */

static gboolean relay_holds_one(gpointer data)
{
	return bus_relay_held(data) >= 1;
}

/* acrnd serves other calls while a mutating call waits for the bus to say
 * who the caller is.  acrnd talks to the bus through a relay that holds
 * back the bus's answer to GetConnectionCredentials until the test
 * releases it, so the window is as long as the test wants. */
static void test_access_pending_serves_reads(Fixture *f, gconstpointer data)
{
	BusRelay *relay = bus_relay_new(f->tmp, f->address);
	g_autofree char *path = NULL;
	g_autofree char *xml = NULL;
	g_autoptr(AcrnVM) vm = NULL;
	g_autoptr(GVariant) vms = NULL;
	AsyncCall start = {FALSE, NULL};

	g_autoptr(GDBusConnection) other = NULL;
	g_autoptr(AcrnVM) other_vm = NULL;
	g_autoptr(GError) gerr = NULL;

	f->acrnd_address = bus_relay_get_address(relay);
	start_acrnd(f);
	path = define(f, "waiting", NULL, NULL);
	vm = vm_proxy(f, path);
	/* A connection acrnd has not seen yet: its first mutating call
	 * makes acrnd ask the bus who it is. */
	other = g_dbus_connection_new_for_address_sync(
	    f->address,
	    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
		G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
	    NULL, NULL, &gerr);
	g_assert_no_error(gerr);
	other_vm = acrn_vm_proxy_new_sync(other, G_DBUS_PROXY_FLAGS_NONE, ACRN_DBUS_NAME, path,
					  NULL, &gerr);
	g_assert_no_error(gerr);

	bus_relay_hold_credentials(relay);
	acrn_vm_call_start(other_vm, no_opts(), NULL, on_start_done, &start);
	g_assert_true(wait_for(relay_holds_one, relay, WAIT_MS));
	/* Start's authorization is pending now.  Reads are answered ... */
	CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &vms, NULL, error));
	g_assert_cmpuint(g_variant_n_children(vms), ==, 1);
	CALL_OK(acrn_vm_call_get_config_sync(vm, no_opts(), &xml, NULL, error));
	g_assert_nonnull(strstr(xml, "waiting"));
	/* ... and so are mutating calls of a caller the bus has already
	 * named (its DefineVM above): acrnd does not ask again. */
	CALL_OK(acrn_vm_call_set_autostart_sync(vm, TRUE, no_opts(), NULL, error));
	g_assert_cmpuint(bus_relay_held(relay), ==, 1);
	/* ... before Start is: acrnd answers one connection's calls in the
	 * order it completes them, and CALL_OK drained what had arrived.  A
	 * daemon blocked in the credentials call would have answered Start
	 * (with a timeout error) first. */
	g_assert_false(start.done);
	g_assert_cmpstr(acrn_vm_get_state(vm), ==, "stopped");

	bus_relay_release(relay);
	g_assert_true(wait_for(async_done, &start, WAIT_MS));
	g_assert_no_error(start.error);
	wait_state(vm, "running");

	stop_acrnd(f, SIGKILL);
	f->acrnd_address = NULL;
	bus_relay_free(relay);
}

typedef struct {
	GArray *order; /* indices of completed calls, in completion order */
	guint failed;
	guint pending;
} Pipeline;

typedef struct {
	Pipeline *p;
	guint index;
} PipelineCall;

static void on_autostart_done(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autofree PipelineCall *c = data;
	g_autoptr(GError) error = NULL;

	if (!acrn_vm_call_set_autostart_finish(ACRN_VM(src), res, &error)) {
		g_printerr("SetAutostart failed: %s\n", error->message);
		c->p->failed++;
	}
	g_array_append_val(c->p->order, c->index);
	c->p->pending--;
}

static void on_list_done(GObject *src, GAsyncResult *res, gpointer data)
{
	Pipeline *p = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) vms = NULL;

	if (!acrn_manager_call_list_vms_finish(ACRN_MANAGER(src), &vms, res, &error) ||
	    g_variant_n_children(vms) != 1) {
		g_printerr("ListVMs failed: %s\n", error ? error->message : "wrong VM count");
		p->failed++;
	}
	p->pending--;
}

static gboolean pipeline_done(gpointer data)
{
	return ((Pipeline *)data)->pending == 0;
}

/* Many mutating calls sent at once, each authorized asynchronously, are
 * carried out in the order sent: the last one wins. */
static void test_access_pipelined(Fixture *f, gconstpointer data)
{
	g_autofree char *path = define(f, "pipelined", NULL, NULL);
	g_autoptr(AcrnVM) vm = vm_proxy(f, path);
	Pipeline p = {g_array_new(FALSE, FALSE, sizeof(guint)), 0, 0};
	const guint n = 21;

	for (guint i = 0; i < n; i++) {
		/* true, false, true, ... ending with true (n is odd). */
		PipelineCall *c = g_new0(PipelineCall, 1);

		c->p = &p;
		c->index = i;
		acrn_vm_call_set_autostart(vm, i % 2 == 0, no_opts(), NULL, on_autostart_done, c);
		acrn_manager_call_list_vms(f->mgr, NULL, on_list_done, &p);
		p.pending += 2;
	}
	g_assert_true(wait_for(pipeline_done, &p, WAIT_MS));
	g_assert_cmpuint(p.failed, ==, 0);
	g_assert_cmpuint(p.order->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpuint(g_array_index(p.order, guint, i), ==, i);
	g_array_unref(p.order);
	/* The last call turned autostart on; had an earlier "off" been
	 * carried out after it, autostart would be off. */
	drain();
	g_assert_true(acrn_vm_get_autostart(vm));
	stop_acrnd(f, SIGTERM);
	start_acrnd(f); /* and so it was stored */
	g_clear_object(&vm);
	vm = vm_proxy(f, path);
	g_assert_true(acrn_vm_get_autostart(vm));
}

typedef struct {
	gboolean done;
	GError *error;
} RaceCall;

static void on_race_undefine_done(GObject *src, GAsyncResult *res, gpointer data)
{
	RaceCall *c = data;

	acrn_vm_call_undefine_finish(ACRN_VM(src), res, &c->error);
	c->done = TRUE;
}

static void on_race_start_done(GObject *src, GAsyncResult *res, gpointer data)
{
	RaceCall *c = data;

	acrn_vm_call_start_finish(ACRN_VM(src), res, &c->error);
	c->done = TRUE;
}

static gboolean race_done(gpointer data)
{
	RaceCall *c = data;

	return c[0].done && c[1].done;
}

/* Undefine and Start sent together: the Start either reaches an object
 * that is already gone (UnknownMethod) or waits for authorization while
 * the Undefine runs and then fails with NoSuchVM.  It never starts a VM
 * that no longer exists. */
static void test_access_undefine_race(Fixture *f, gconstpointer data)
{
	guint no_such_vm = 0;

	for (guint round = 0; round < 5; round++) {
		g_autofree char *path = define(f, "racer", NULL, NULL);
		g_autoptr(AcrnVM) vm = vm_proxy(f, path);
		g_autoptr(GVariant) vms = NULL;
		RaceCall c[2] = {{FALSE, NULL}, {FALSE, NULL}};

		acrn_vm_call_undefine(vm, no_opts(), NULL, on_race_undefine_done, &c[0]);
		acrn_vm_call_start(vm, no_opts(), NULL, on_race_start_done, &c[1]);
		g_assert_true(wait_for(race_done, c, WAIT_MS));
		g_assert_no_error(c[0].error);
		g_assert_nonnull(c[1].error);
		if (g_error_matches(c[1].error, ACRN_ERROR, ACRN_ERROR_NO_SUCH_VM))
			no_such_vm++;
		else if (!g_error_matches(c[1].error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) &&
			 !g_error_matches(c[1].error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
			g_error("Start after Undefine: unexpected error %s", c[1].error->message);
		g_clear_error(&c[1].error);
		drain();
		CALL_OK(acrn_manager_call_list_vms_sync(f->mgr, &vms, NULL, error));
		g_assert_cmpuint(g_variant_n_children(vms), ==, 0);
	}
	g_test_message("Start failed with NoSuchVM (pending authorization) %u of 5 times",
		       no_such_vm);
	g_assert_cmpuint(count_events(f, "racer starting"), ==, 0);
	g_assert_cmpuint(count_events(f, "racer undefined"), ==, 5);
}

/* ---- logging ---- */

static const char *const log_levels[] = {"error", "warning", "notice", "info", "debug"};

static char *read_acrnd_log(Fixture *f)
{
	g_autofree char *path = g_build_filename(f->tmp, "acrnd.log", NULL);
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

/* Does @log hold a line "acrnd[PID]: @level: ..."? */
static gboolean log_has_level(const char *log, const char *level)
{
	g_autofree char *tag = g_strdup_printf("]: %s: ", level);

	return strstr(log, tag) != NULL;
}

/* Not under systemd, acrnd logs to stderr; --log-level hides everything
 * less severe.  Each level below has a line of its own in this scenario:
 * warning (the manage group does not exist), notice (bus name acquired),
 * info (VM events), debug (the device model's command line). */
static void test_log_level(Fixture *f, gconstpointer data)
{
	g_autofree char *logpath = g_build_filename(f->tmp, "acrnd.log", NULL);

	for (guint l = 1; l < G_N_ELEMENTS(log_levels); l++) {
		g_autofree char *path = NULL;
		g_autofree char *log = NULL;
		g_autoptr(AcrnVM) vm = NULL;

		g_unlink(logpath);
		g_ptr_array_set_size(f->extra_args, 0);
		g_ptr_array_add(f->extra_args, g_strdup("--manage-group=no-such-group-acrnd-test"));
		g_ptr_array_add(f->extra_args, g_strdup_printf("--log-level=%s", log_levels[l]));
		start_acrnd(f);
		path = define(f, "chatty", NULL, NULL);
		vm = vm_proxy(f, path);
		CALL_OK(acrn_vm_call_start_sync(vm, no_opts(), NULL, error));
		CALL_OK(acrn_vm_call_force_stop_sync(vm, no_opts(), NULL, error));
		g_assert_cmpint(stop_acrnd(f, SIGTERM), ==, 0);
		log = read_acrnd_log(f);
		for (guint m = 1; m < G_N_ELEMENTS(log_levels); m++)
			if (log_has_level(log, log_levels[m]) != (m <= l))
				g_error("--log-level=%s: %s lines %s; log:\n%s", log_levels[l],
					log_levels[m], m <= l ? "missing" : "present", log);
	}
}

/* The error level, which a second acrnd on the same bus reaches: it cannot
 * own the name, logs that as an error and exits 1.  A bad level is a usage
 * error (2). */
static void test_log_level_error(Fixture *f, gconstpointer data)
{
	g_autofree char *state = g_build_filename(f->tmp, "state2", NULL);
	g_autofree char *run = g_build_filename(f->tmp, "run2", NULL);
	const char *argv[] = {env_or("ACRND", "acrnd"),
			      "--bus-address",
			      f->address,
			      "--state-dir",
			      state,
			      "--run-dir",
			      run,
			      "--manage-group=no-such-group-acrnd-test",
			      "--log-level=error",
			      NULL,
			      NULL};
	g_autoptr(GError) error = NULL;
	g_autofree char *out = NULL, *err = NULL;
	/* G_DEBUG=fatal-criticals (make check) would turn the error into an
	 * abort. */
	g_auto(GStrv) env = g_environ_unsetenv(g_get_environ(), "G_DEBUG");
	int status;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_STDIN_FROM_DEV_NULL,
				   test_reaper_child_setup, GINT_TO_POINTER(getpid()), &out, &err,
				   &status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 1);
	g_assert_nonnull(strstr(err, ": error: cannot own bus name org.acrn.Acrnd1"));
	for (guint m = 1; m < G_N_ELEMENTS(log_levels); m++)
		if (log_has_level(err, log_levels[m]))
			g_error("--log-level=error: %s lines present:\n%s", log_levels[m], err);
	g_clear_pointer(&err, g_free);
	g_clear_pointer(&out, g_free);

	argv[8] = "--log-level=loud";
	g_assert_true(g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_STDIN_FROM_DEV_NULL,
				   test_reaper_child_setup, GINT_TO_POINTER(getpid()), &out, &err,
				   &status, &error));
	g_assert_no_error(error);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 2);
	g_assert_nonnull(strstr(err, "unknown log level 'loud'"));
}

/* ---- the stand-in's own safety net (tests/acrn-dm-standin.c) ---- */

static GPid spawn_standin(const char *dir, const char *bootargs)
{
	g_autofree char *kernel = g_build_filename(dir, "bzImage", NULL);
	g_autofree char *sock = g_build_filename(dir, "vm.sock", NULL);
	g_autofree char *log = g_build_filename(dir, "standin.log", NULL);
	const char *argv[] = {env_or("ACRN_DM_STANDIN", "acrn-dm-standin"),
			      "-m",
			      "64M",
			      "-k",
			      kernel,
			      "-B",
			      bootargs,
			      "--control-socket",
			      sock,
			      "orphan",
			      NULL};
	g_autoptr(GError) error = NULL;
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	GPid pid;

	g_assert_cmpint(logfd, >=, 0);
	g_assert_true(g_file_set_contents(kernel, "kernel", -1, NULL));
	g_assert_true(g_spawn_async_with_fds(
	    NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
	    NULL, NULL, &pid, -1, logfd, logfd, &error));
	g_assert_no_error(error);
	close(logfd);
	return pid;
}

typedef struct {
	GPid pid;
	int status;
	gboolean done;
} ExitWait;

static gboolean child_exited(gpointer data)
{
	ExitWait *w = data;

	if (!w->done && waitpid(w->pid, &w->status, WNOHANG) == w->pid)
		w->done = TRUE;
	return w->done;
}

static void assert_standin_exits(GPid pid, const char *dir, const char *why)
{
	g_autofree char *log = g_build_filename(dir, "standin.log", NULL);
	g_autofree char *text = NULL;
	ExitWait w = {pid, 0, FALSE};

	g_assert_true(wait_for(child_exited, &w, WAIT_MS));
	g_assert_true(WIFEXITED(w.status));
	g_assert_cmpint(WEXITSTATUS(w.status), ==, 1);
	g_assert_true(g_file_get_contents(log, &text, NULL, NULL));
	g_assert_nonnull(strstr(text, why));
}

static gboolean socket_exists(gpointer data)
{
	return g_file_test(data, G_FILE_TEST_EXISTS);
}

static void test_standin_safety_net(void)
{
	g_autofree char *dir = g_dir_make_tmp("acrnd-standin-XXXXXX", NULL);
	g_autofree char *sock = g_build_filename(dir, "vm.sock", NULL);
	GPid pid;

	/* Nobody connects: it ends after its idle lifetime. */
	pid = spawn_standin(dir, "standin.idle-exit=0.2");
	assert_standin_exits(pid, dir, "no manager connected");
	/* Its socket disappears (the test's run directory was removed). */
	pid = spawn_standin(dir, "");
	g_assert_true(wait_for(socket_exists, sock, WAIT_MS));
	g_assert_cmpint(g_unlink(sock), ==, 0);
	assert_standin_exits(pid, dir, "is gone or replaced");
	rm_rf(dir);
}

/* ---- Service VM power coordination and machined (issue 12) ----
 * logind, machined and systemd's manager are TEST DOUBLES here
 * (tests/systemd-doubles.[ch], served by this process on the private
 * bus); systemd/tests/nspawn.sh runs the same flows with the real ones. */

typedef struct {
	FakeLogind *l;
	guint n;
} LockWait;

static gboolean locks_are(gpointer data)
{
	LockWait *w = data;

	return fake_logind_locks_held(w->l) == w->n;
}

static void wait_locks(FakeLogind *l, guint n)
{
	LockWait w = {l, n};

	if (!wait_for(locks_are, &w, WAIT_MS))
		g_error("logind stand-in: %u inhibitors held, expected %u",
			fake_logind_locks_held(l), n);
}

static char *host_shutdown_meta(const char *action, const char *timeout)
{
	return g_strdup_printf("<metadata><acrn:host-shutdown xmlns:acrn='urn:acrn:domain:1' "
			       "action='%s'%s%s%s/></metadata>",
			       action, timeout ? " timeout='" : "", timeout ? timeout : "",
			       timeout ? "'" : "");
}

static gboolean log_contains(Fixture *f, const char *text, guint *count)
{
	g_autofree char *path = g_build_filename(f->tmp, "acrnd.log", NULL);
	g_autofree char *log = NULL;
	guint n = 0;

	if (!g_file_get_contents(path, &log, NULL, NULL))
		return FALSE;
	for (const char *p = log; (p = strstr(p, text)); p++)
		n++;
	if (count)
		*count = n;
	return n > 0;
}

/* The delay inhibitor is held exactly while a VM is active. */
static void test_host_inhibitor(Fixture *f, gconstpointer data)
{
	FakeLogind *l = fake_logind_new(f->address);
	g_autofree char *p1 = NULL, *p2 = NULL;
	g_autoptr(AcrnVM) v1 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;

	start_acrnd(f);
	p1 = define(f, "one", NULL, NULL);
	p2 = define(f, "two", NULL, NULL);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	g_assert_cmpuint(l->inhibit_calls->len, ==, 0); /* no VM runs */
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	wait_locks(l, 1);
	g_assert_cmpstr(l->inhibit_calls->pdata[0], ==,
			"shutdown:sleep|acrnd|User VMs running|delay");
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_force_stop_sync(v1, no_opts(), NULL, error));
	/* One VM still runs: the one lock stays. */
	drain();
	g_assert_cmpuint(fake_logind_locks_held(l), ==, 1);
	g_assert_cmpuint(l->inhibit_calls->len, ==, 1);
	CALL_OK(acrn_vm_call_force_stop_sync(v2, no_opts(), NULL, error));
	wait_locks(l, 0);
	/* And again for the next VM. */
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	wait_locks(l, 1);
	g_assert_cmpuint(l->inhibit_calls->len, ==, 2);
	/* acrnd dying drops the lock with it (the fd does not leak to acrn-dm). */
	stop_acrnd(f, SIGKILL);
	wait_locks(l, 0);
	fake_logind_free(l);
}

/* No logind on the bus: VMs work as before, and acrnd says so once. */
static void test_host_no_logind(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "solo", NULL, NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	guint n = 0;

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_force_stop_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_true(log_contains(f, "logind (org.freedesktop.login1) is not on the bus", &n));
	g_assert_cmpuint(n, ==, 1);
}

static char *read_record(Fixture *f)
{
	g_autofree char *path = g_build_filename(f->state_dir, "host-shutdown.record", NULL);
	char *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	return text;
}

static void assert_record(GKeyFile *k, const char *vm, const char *key, const char *want)
{
	g_autofree char *group = g_strdup_printf("vm %s", vm);
	g_autofree char *v = g_key_file_get_string(k, group, key, NULL);

	if (g_strcmp0(v, want) != 0)
		g_error("host-shutdown.record [%s] %s = %s, expected %s", group, key, v, want);
}

static gssize event_index(Fixture *f, const char *text)
{
	for (guint i = 0; i < f->events->len; i++)
		if (g_str_has_prefix(f->events->pdata[i], text))
			return (gssize)i;
	return -1;
}

/* logind's PrepareForShutdown(true): every VM with policy shutdown gets the
 * power button at once; one that ignores it is force-stopped after its own
 * timeout; one with policy leave is not touched; the outcome is recorded
 * before the lock is released. */
static void test_host_prepare_for_shutdown(Fixture *f, gconstpointer data)
{
	FakeLogind *l = fake_logind_new(f->address);
	g_autofree char *m_deaf = host_shutdown_meta("shutdown", "1");
	g_autofree char *m_leave = host_shutdown_meta("leave", NULL);
	g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL, *p4 = NULL, *p5 = NULL;
	g_autofree char *text = NULL;
	g_autoptr(GKeyFile) k = g_key_file_new();
	g_autoptr(AcrnVM) polite = NULL;
	g_autoptr(AcrnVM) polite2 = NULL;
	g_autoptr(AcrnVM) deaf = NULL;
	g_autoptr(AcrnVM) kept = NULL;
	g_autoptr(AcrnVM) idle = NULL;
	guint pid_kept, pid_deaf, pid_late;
	gint64 t0, took;

	/* A redefinition without the element keeps the policy (a client
	 * like Nova rebuilds the XML); checked below, where "deaf" must still
	 * be force-stopped after its own 1 s. */
	/* A global timeout far beyond the test's: only the per-VM one of
	 * "deaf" can end this test in time. */
	g_ptr_array_add(f->extra_args, g_strdup("--host-shutdown-timeout=600"));
	start_acrnd(f);
	p1 = define(f, "polite", "standin.shutdown=delay:0.5", NULL);
	p2 = define(f, "polite2", "standin.shutdown=delay:0.5", NULL);
	p3 = define(f, "deaf", "standin.shutdown=ignore", m_deaf);
	g_free(define(f, "deaf", "standin.shutdown=ignore", NULL));
	p4 = define(f, "kept", NULL, m_leave);
	p5 = define(f, "idle", NULL, NULL);
	polite = vm_proxy(f, p1);
	polite2 = vm_proxy(f, p2);
	deaf = vm_proxy(f, p3);
	kept = vm_proxy(f, p4);
	idle = vm_proxy(f, p5);
	CALL_OK(acrn_vm_call_start_sync(polite, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(polite2, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(deaf, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(kept, no_opts(), NULL, error));
	pid_kept = acrn_vm_get_leader_pid(kept);
	pid_deaf = acrn_vm_get_leader_pid(deaf);
	wait_locks(l, 1);

	t0 = g_get_monotonic_time();
	fake_logind_emit(l, "PrepareForShutdown", TRUE);
	wait_locks(l, 0);
	took = g_get_monotonic_time() - t0;
	/* Written before the lock was released. */
	text = read_record(f);
	g_assert_true(g_key_file_load_from_data(k, text, -1, G_KEY_FILE_NONE, NULL));
	g_test_message("host-shutdown.record:\n%s", text);
	assert_record(k, "polite", "result", "shut-down");
	assert_record(k, "polite", "state", "stopped");
	assert_record(k, "polite", "reason", "shutdown");
	assert_record(k, "polite2", "result", "shut-down");
	assert_record(k, "deaf", "result", "force-stopped");
	assert_record(k, "deaf", "state", "stopped");
	assert_record(k, "kept", "policy", "leave");
	assert_record(k, "kept", "result", "left-running");
	assert_record(k, "idle", "result", "not-running");
	{
		g_autofree char *trigger =
		    g_key_file_get_string(k, "host-shutdown", "trigger", NULL);

		g_assert_cmpstr(trigger, ==, "logind");
	}
	wait_state(polite, "stopped");
	wait_state(deaf, "stopped");
	g_assert_false(pid_alive(pid_deaf));
	g_assert_cmpstr(acrn_vm_get_state(kept), ==, "running");
	g_assert_true(pid_alive(pid_kept));
	/* In parallel: every button was pressed before the first guest was
	 * off, and the whole took about the longest guest's time (the 1 s
	 * timeout of "deaf" plus the force-stop), not the sum. */
	wait_events(f, "polite stopped", 1);
	g_assert_cmpint(event_index(f, "deaf shutdown-requested"), >=, 0);
	g_assert_cmpint(event_index(f, "polite2 shutdown-requested"), <,
			event_index(f, "polite stopped"));
	g_assert_cmpint(event_index(f, "deaf shutdown-requested"), <,
			event_index(f, "polite stopped"));
	g_assert_cmpint(event_index(f, "polite shutdown-requested"), <,
			event_index(f, "polite2 stopped"));
	g_test_message("PrepareForShutdown to lock release: %.2f s", took / 1e6);
	g_assert_cmpint(took, <, 4 * G_USEC_PER_SEC);
	/* A VM started after the lock was released ... */
	CALL_OK(acrn_vm_call_start_sync(idle, no_opts(), NULL, error));
	pid_late = acrn_vm_get_leader_pid(idle);
	/* ... is stopped when systemd's SIGTERM comes (no need to ask
	 * systemd: logind announced the shutdown); the lock is not taken
	 * again for it or for "kept". */
	g_assert_cmpint(stop_acrnd(f, SIGTERM), ==, 0);
	g_assert_false(pid_alive(pid_late));
	g_assert_cmpuint(l->inhibit_calls->len, ==, 1);
	g_assert_true(pid_alive(pid_kept));
	{
		g_autofree char *text2 = read_record(f);
		g_autoptr(GKeyFile) k2 = g_key_file_new();
		g_autofree char *trigger = NULL;

		g_assert_true(g_key_file_load_from_data(k2, text2, -1, G_KEY_FILE_NONE, NULL));
		assert_record(k2, "idle", "result", "shut-down");
		assert_record(k2, "polite", "result", "shut-down"); /* the first round's */
		assert_record(k2, "deaf", "result", "force-stopped");
		trigger = g_key_file_get_string(k2, "host-shutdown", "trigger", NULL);
		g_assert_cmpstr(trigger, ==, "logind+sigterm");
	}
	fake_logind_free(l);
}

/* SIGTERM while systemd's SystemState is "stopping" (a shutdown that did
 * not go through logind): VMs are stopped; when it is "running" (systemctl
 * stop/restart acrnd) they keep running. */
static void test_host_sigterm(Fixture *f, gconstpointer data)
{
	const char *mode = data;
	gboolean stopping = strcmp(mode, "sigterm-stopping") == 0;
	FakeSystemd *sd = fake_systemd_new(f->address, stopping ? "stopping" : "running");
	g_autofree char *p1 = NULL, *p2 = NULL;
	g_autoptr(AcrnVM) v1 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;
	guint pid1, pid2;

	g_ptr_array_add(f->extra_args, g_strdup("--host-shutdown-timeout=1"));
	start_acrnd(f);
	p1 = define(f, "alpha", "standin.shutdown=delay:0.2", NULL);
	p2 = define(f, "beta", "standin.shutdown=ignore", NULL);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	pid1 = acrn_vm_get_leader_pid(v1);
	pid2 = acrn_vm_get_leader_pid(v2);
	/* acrnd asks the systemd stand-in, which this process serves: keep
	 * the main loop running while waiting (stop_acrnd would block it). */
	{
		int status = 0;

		kill(f->acrnd_pid, SIGTERM);
		while (waitpid(f->acrnd_pid, &status, WNOHANG) == 0) {
			g_main_context_iteration(NULL, FALSE);
			g_usleep(5000);
		}
		f->acrnd_pid = 0;
		g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	g_assert_cmpuint(sd->state_queries, >=, 1);
	if (stopping) {
		g_autofree char *text = read_record(f);
		g_autoptr(GKeyFile) k = g_key_file_new();

		g_assert_false(pid_alive(pid1));
		g_assert_false(pid_alive(pid2));
		g_assert_true(g_key_file_load_from_data(k, text, -1, G_KEY_FILE_NONE, NULL));
		assert_record(k, "alpha", "result", "shut-down");
		assert_record(k, "beta", "result", "force-stopped");
	} else {
		g_autofree char *path =
		    g_build_filename(f->state_dir, "host-shutdown.record", NULL);

		g_assert_true(pid_alive(pid1));
		g_assert_true(pid_alive(pid2));
		g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
		/* And the next acrnd re-attaches to them. */
		start_acrnd(f);
		wait_state(v1, "running");
		g_assert_cmpuint(acrn_vm_get_leader_pid(v1), ==, pid1);
	}
	fake_systemd_free(sd);
}

/* logind's PrepareForSleep(true): running VMs are paused (or suspended),
 * then the lock is released; (false): exactly those are resumed, and the
 * lock is taken again. */
static void test_host_prepare_for_sleep(Fixture *f, gconstpointer data)
{
	gboolean suspend = strcmp(data, "sleep-suspend") == 0;
	FakeLogind *l = fake_logind_new(f->address);
	g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
	g_autoptr(AcrnVM) busy = NULL;
	g_autoptr(AcrnVM) user_paused = NULL;
	g_autoptr(AcrnVM) insomniac = NULL;
	const char *slept = suspend ? "suspended" : "paused";

	if (suspend)
		g_ptr_array_add(f->extra_args, g_strdup("--host-sleep=suspend"));
	start_acrnd(f);
	p1 = define(f, "worker", NULL, NULL);
	p2 = define(f, "napping", NULL, NULL);
	/* Under --host-sleep=suspend this guest never enters S3: paused. */
	p3 = define(f, "insomniac", "standin.suspend=ignore", NULL);
	busy = vm_proxy(f, p1);
	user_paused = vm_proxy(f, p2);
	insomniac = vm_proxy(f, p3);
	CALL_OK(acrn_vm_call_start_sync(busy, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(user_paused, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_start_sync(insomniac, no_opts(), NULL, error));
	CALL_OK(acrn_vm_call_pause_sync(user_paused, no_opts(), NULL, error));
	wait_locks(l, 1);

	fake_logind_emit(l, "PrepareForSleep", TRUE);
	wait_locks(l, 0);
	wait_state(busy, slept);
	wait_state(insomniac, "paused");
	g_assert_cmpstr(acrn_vm_get_state(user_paused), ==, "paused");

	fake_logind_emit(l, "PrepareForSleep", FALSE);
	wait_state(busy, "running");
	wait_state(insomniac, "running");
	wait_locks(l, 1);
	g_assert_cmpuint(l->inhibit_calls->len, ==, 2);
	/* The one a user paused stays paused. */
	drain();
	g_assert_cmpstr(acrn_vm_get_state(user_paused), ==, "paused");
	wait_events(f, suspend ? "worker woken" : "worker resumed", 1);
	fake_logind_free(l);
}

typedef struct {
	FakeMachined *m;
	guint n;
} CreateWait;

static gboolean creates_seen(gpointer data)
{
	CreateWait *w = data;

	return w->m->create_calls->len >= w->n;
}

static gboolean has_call(GPtrArray *calls, const char *prefix)
{
	for (guint i = 0; i < calls->len; i++)
		if (g_str_has_prefix(calls->pdata[i], prefix))
			return TRUE;
	return FALSE;
}

static gboolean failing_ended(gpointer data)
{
	return has_call(((FakeMachined *)data)->terminate_calls, "failing");
}

static gboolean terminates_seen(gpointer data)
{
	return ((FakeMachined *)data)->terminate_calls->len >= 1;
}

static gboolean lookups_seen(gpointer data)
{
	/* Two spawns, then two re-attaches. */
	return ((FakeMachined *)data)->by_pid_queries >= 4;
}

/* Each device model is registered with machined (class vm, service acrn,
 * the VM's UUID, leader = acrn-dm), once per spawn; a re-attached one is
 * found registered already. */
static void test_machined(Fixture *f, gconstpointer data)
{
	FakeMachined *m = fake_machined_new(f->address);
	g_autofree char *p1 = NULL, *p2 = NULL;
	g_autoptr(AcrnVM) v1 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;
	g_autofree char *want = NULL;
	g_auto(GStrv) fields = NULL;
	CreateWait w = {m, 1};
	char hex[33] = {0};
	guint j = 0;

	start_acrnd(f);
	p1 = define(f, "machine1", NULL, NULL);
	p2 = define(f, "under_score", NULL, NULL);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	g_assert_true(wait_for(creates_seen, &w, WAIT_MS));
	fields = g_strsplit(m->create_calls->pdata[0], "|", -1);
	for (const char *p = acrn_vm_get_uuid(v1); *p; p++)
		if (*p != '-')
			hex[j++] = *p;
	g_assert_cmpstr(fields[0], ==, "machine1");
	g_assert_cmpstr(fields[1], ==, hex);
	g_assert_cmpstr(fields[2], ==, "acrn");
	g_assert_cmpstr(fields[3], ==, "vm");
	want = g_strdup_printf("%u", acrn_vm_get_leader_pid(v1));
	g_assert_cmpstr(fields[4], ==, want);
	g_assert_nonnull(strstr(fields[5], "'Before', <['acrnd.service']>"));
	/* A VM name that is no host name gets one from its UUID. */
	CALL_OK(acrn_vm_call_start_sync(v2, no_opts(), NULL, error));
	w.n = 2;
	g_assert_true(wait_for(creates_seen, &w, WAIT_MS));
	g_assert_true(g_str_has_prefix(m->create_calls->pdata[1], "acrn-"));
	/* acrnd restarts: the VMs are found in their machines, not created
	 * again. */
	stop_acrnd(f, SIGKILL);
	start_acrnd(f);
	wait_state(v1, "running");
	g_assert_true(wait_for(lookups_seen, m, WAIT_MS));
	drain();
	g_assert_cmpuint(m->create_calls->len, ==, 2);
	g_assert_cmpuint(m->terminate_calls->len, ==, 0);
	/* Its device model ended: its (empty) machine is ended too, so that
	 * none is left behind (a device model that fails at once can leave
	 * an empty scope that systemd never sees empty). */
	CALL_OK(acrn_vm_call_force_stop_sync(v1, no_opts(), NULL, error));
	g_assert_true(wait_for(terminates_seen, m, WAIT_MS));
	g_assert_cmpstr(m->terminate_calls->pdata[0], ==, "machine1");
	/* A device model that fails at once: if its machine got registered
	 * at all, it is ended. */
	{
		g_autofree char *p3 = define(f, "failing", "standin.fail-start=boom", NULL);
		g_autoptr(AcrnVM) v3 = vm_proxy(f, p3);
		g_autoptr(GError) e = NULL;

		g_assert_false(acrn_vm_call_start_sync(v3, no_opts(), NULL, &e));
		drain();
		if (has_call(m->create_calls, "failing|"))
			g_assert_true(wait_for(failing_ended, m, WAIT_MS));
	}
	fake_machined_free(m);
}

/* Without machined: VMs run as before and acrnd says so once. */
static void test_machined_absent(Fixture *f, gconstpointer data)
{
	g_autofree char *p1 = define(f, "plain", NULL, NULL);
	g_autoptr(AcrnVM) v1 = vm_proxy(f, p1);
	guint n = 0;

	CALL_OK(acrn_vm_call_start_sync(v1, no_opts(), NULL, error));
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_true(
	    log_contains(f, "systemd-machined (org.freedesktop.machine1) is not on the bus", &n));
	g_assert_cmpuint(n, ==, 1);
}

/* Autostart: in order, a configurable delay between two starts, and one VM
 * that fails to start does not stop the ones after it. */
static void test_autostart_failure_delay(Fixture *f, gconstpointer data)
{
#define AUTOSTART_META(order)                                                                      \
	"<metadata><acrn:autostart xmlns:acrn='urn:acrn:domain:1' enabled='yes' order='" order     \
	"'/></metadata>"
	const char *m1 = AUTOSTART_META("1"), *m2 = AUTOSTART_META("2"), *m3 = AUTOSTART_META("3");
	g_autofree char *p1 = NULL, *p2 = NULL, *p3 = NULL;
	g_autoptr(AcrnVM) v1 = NULL;
	g_autoptr(AcrnVM) v2 = NULL;
	g_autoptr(AcrnVM) v3 = NULL;
	gint64 t1, t3;

	g_ptr_array_add(f->extra_args, g_strdup("--autostart-delay=0.6"));
	start_acrnd(f);
	p1 = define(f, "first", NULL, m1);
	p2 = define(f, "broken", "standin.fail-start=no bootable disk", m2);
	p3 = define(f, "third", NULL, m3);
	stop_acrnd(f, SIGTERM);
	g_ptr_array_set_size(f->events, 0);
	forget_autostart(f); /* a reboot */
	start_acrnd(f);
	v1 = vm_proxy(f, p1);
	v2 = vm_proxy(f, p2);
	v3 = vm_proxy(f, p3);
	wait_events(f, "first started autostart", 1);
	t1 = g_get_monotonic_time();
	wait_events(f, "third started autostart", 1);
	t3 = g_get_monotonic_time();
	g_assert_cmpstr(acrn_vm_get_state(v1), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state(v3), ==, "running");
	g_assert_cmpstr(acrn_vm_get_state(v2), !=, "running");
	g_assert_true(g_str_has_prefix(acrn_vm_get_state_reason(v2), "start-failed"));
	g_assert_cmpint(event_index(f, "broken starting"), >, event_index(f, "first started"));
	/* Two delays: after "first", and after "broken" failed. */
	g_test_message("first to third started: %.2f s", (t3 - t1) / 1e6);
	g_assert_cmpint(t3 - t1, >=, 2 * 600000 - 50000);
}

int main(int argc, char **argv)
{
	test_reaper_init();
	g_test_init(&argc, &argv, NULL);
	(void)acrn_error_quark();
#define ADD(name, fn, prepare) g_test_add("/acrnd/" name, Fixture, prepare, setup, fn, teardown)
	ADD("define-list-get", test_define_list_get, NULL);
	ADD("invalid-input", test_invalid_input, NULL);
	ADD("list-since", test_list_since, NULL);
	ADD("generation-counter", test_generation_counter, NULL);
	ADD("define-keep-name", test_define_keep_name, NULL);
	ADD("lifecycle", test_lifecycle, NULL);
	ADD("shutdown/graceful", test_shutdown_graceful, NULL);
	ADD("shutdown/ignored-timeout-escalation", test_shutdown_ignored, NULL);
	ADD("busy", test_busy, NULL);
	ADD("force-stop-preempts-start", test_force_stop_preempts_start, NULL);
	ADD("reboot", test_reboot, NULL);
	ADD("guest/poweroff-reboot-policies", test_guest_initiated, NULL);
	ADD("crash/destroy", test_crash_destroy, NULL);
	ADD("crash/restart-rate-limit", test_crash_restart_limit, "manual");
	ADD("start-failure", test_start_failure, NULL);
	ADD("start-timeout", test_start_timeout, "manual");
	ADD("blkrescan", test_blkrescan, NULL);
	ADD("managed-save", test_managed_save, NULL);
	ADD("reattach", test_reattach, NULL);
	ADD("control-reconnect", test_control_reconnect, NULL);
	ADD("runtime-record-mandatory", test_runtime_record_mandatory, NULL);
	ADD("stop-vms-on-exit", test_stop_vms_on_exit, "manual");
	ADD("autostart", test_autostart, NULL);
	ADD("persistence/corrupt-files", test_persistence_corrupt, "manual");
	ADD("persistence/kill-after-reply", test_persistence_kill, NULL);
	ADD("persistence/journal-replay", test_persistence_journal_replay, "manual");
	ADD("transient", test_transient, NULL);
	ADD("access", test_access, NULL);
	ADD("access/runtime-group", test_access_runtime_group, "manual");
	ADD("access/pending-serves-reads", test_access_pending_serves_reads, "manual");
	ADD("access/pipelined-order", test_access_pipelined, NULL);
	ADD("access/undefine-race", test_access_undefine_race, NULL);
	ADD("log-level", test_log_level, "manual");
	ADD("log-level/error", test_log_level_error, NULL);
	ADD("host-power/inhibitor (logind test double)", test_host_inhibitor, "manual");
	ADD("host-power/no-logind", test_host_no_logind, NULL);
	ADD("host-power/prepare-for-shutdown (logind test double)", test_host_prepare_for_shutdown,
	    "manual");
	ADD("host-power/sigterm-at-shutdown (systemd test double, state stopping)",
	    test_host_sigterm, "sigterm-stopping");
	ADD("host-power/sigterm-stop-acrnd (systemd test double, state running)", test_host_sigterm,
	    "sigterm-running");
	ADD("host-power/prepare-for-sleep-pause (logind test double)", test_host_prepare_for_sleep,
	    "sleep-pause");
	ADD("host-power/prepare-for-sleep-suspend (logind test double)",
	    test_host_prepare_for_sleep, "sleep-suspend");
	ADD("machined/register (machined test double)", test_machined, "manual");
	ADD("machined/absent", test_machined_absent, NULL);
	ADD("autostart/failure-and-delay", test_autostart_failure_delay, "manual");
	g_test_add_func("/standin/safety-net", test_standin_safety_net);
	return g_test_run();
}
