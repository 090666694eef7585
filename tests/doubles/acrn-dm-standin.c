/* acrn-dm-standin: a TEST DOUBLE for acrn-dm.
 *
 * No hypervisor runs on the test host, so acrnd's tests launch this program
 * instead of acrn-dm (acrnd --dm-path).  It accepts the command line acrnd
 * builds (vm-dm-argv.c), serves the control protocol of
 * docs/dm-control-protocol.md on --control-socket, and plays a guest whose
 * behaviour the test chooses with tokens in the kernel command line (-B):
 *
 *   standin.start-delay=SECS     report "started" after SECS (default 0)
 *   standin.fail-start[=MSG]     report start-failed and exit 1
 *   standin.shutdown=delay:SECS  power button: guest powers off after SECS
 *   standin.shutdown=ignore      power button: guest ignores it
 *   standin.suspend=ignore       suspend request: guest does not enter S3
 *   standin.crash-after=SECS     guest triple-faults after SECS (exit 4)
 *   standin.reboot-after=SECS    guest reboots itself after SECS (exit 3)
 *   standin.poweroff-after=SECS  guest powers itself off after SECS (exit 0)
 *   standin.abort-after=SECS     the device model itself dies (SIGABRT)
 *   standin.drop-control-after=SECS  close the control connection once
 *   standin.idle-exit=SECS       see "safety net" below (default 300; 0: never)
 *
 * SECS may be fractional.  Signals follow acrn-dm: SIGTERM and SIGRTMIN+4
 * press the power button, SIGINT/SIGHUP power off at once.
 *
 * Safety net (stand-in only; a real acrn-dm must NOT do this, its guest
 * keeps running however long acrnd is away, see docs/dm-control-protocol.md):
 * device models are detached from acrnd (setsid) so that they survive acrnd
 * restarts, which also lets a stand-in outlive a crashed or killed test.
 * So the stand-in exits with status 1, without a poweroff event, when
 *   - its control socket is removed or replaced (e.g. the test's run
 *     directory was deleted), checked once a second, or
 *   - no manager has been connected for standin.idle-exit seconds.
 * The tests also kill every process they started (tests/test-reaper.c);
 * this only covers the cases where that cannot run (a SIGKILLed test).
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dm-proto.h"

typedef enum { GUEST_STARTING, GUEST_RUNNING, GUEST_PAUSED, GUEST_SUSPENDED } GuestState;

static const char *const state_names[] = {"starting", "running", "paused", "suspended"};

static struct {
	/* command line */
	char *name;
	char *control_path;
	char *kernel;
	char *bootargs;
	char *console;
	GHashTable *nodisk_slots; /* slot number -> current path ("" = empty) */

	/* guest behaviour */
	double start_delay;
	char *fail_start;
	double shutdown_delay;
	gboolean shutdown_ignore;
	gboolean suspend_ignore;
	double crash_after, reboot_after, poweroff_after, abort_after, drop_after;
	double idle_exit;

	/* runtime */
	GuestState state;
	char *console_path;
	GSocketListener *listener;
	GSocketConnection *client;
	GDataInputStream *in;
	GOutputStream *out;
	GCancellable *client_cancel;
	guint shutdown_timer;
	guint idle_timer;
	gboolean control_path_lost; /* never unlink a path that is no longer ours */
	dev_t socket_dev;
	ino_t socket_ino;
	GMainLoop *loop;
	int exit_code;
} S;

static void logmsg(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "acrn-dm-standin[%d] %s: ", (int)getpid(), S.name ? S.name : "?");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void send_msg(GVariant *msg)
{
	g_autoptr(GVariant) sunk = g_variant_ref_sink(msg);
	g_autofree char *line = NULL;
	g_autofree char *nl = NULL;

	if (!S.out)
		return;
	line = acrn_dm_proto_encode(sunk, NULL);
	nl = g_strconcat(line, "\n", NULL);
	/* Blocking write: messages are small and the peer reads promptly. */
	if (!g_output_stream_write_all(S.out, nl, strlen(nl), NULL, NULL, NULL))
		logmsg("lost client while writing");
}

static void send_event(const char *event, const char *key, const char *value)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "event", g_variant_new_string(event));
	if (key)
		g_variant_builder_add(&b, "{sv}", key, g_variant_new_string(value));
	send_msg(g_variant_builder_end(&b));
}

static void quit_with(int code)
{
	S.exit_code = code;
	g_main_loop_quit(S.loop);
}

static void guest_poweroff(const char *reason)
{
	logmsg("guest powered off (%s)", reason);
	send_event("poweroff", "reason", reason);
	quit_with(ACRN_DM_EXIT_POWEROFF);
}

static gboolean on_shutdown_timer(gpointer data)
{
	S.shutdown_timer = 0;
	guest_poweroff("guest");
	return G_SOURCE_REMOVE;
}

/* @by: "control request" or "SIGTERM", so tests can tell acrnd's press
 * from systemd stopping the device model's scope. */
static void press_power_button(const char *by)
{
	if (S.shutdown_ignore) {
		logmsg("power button pressed (%s) at %.6f; guest ignores it", by,
		       g_get_real_time() / 1e6);
		return;
	}
	if (S.shutdown_timer)
		return;
	/* Wall-clock time: tests compare when several device models got
	 * theirs (pressed in parallel or one after the other). */
	logmsg("power button pressed (%s) at %.6f; guest powers off in %.2fs", by,
	       g_get_real_time() / 1e6, S.shutdown_delay);
	S.shutdown_timer = g_timeout_add((guint)(S.shutdown_delay * 1000), on_shutdown_timer, NULL);
}

static void set_state(GuestState st, const char *event)
{
	logmsg("guest %s", event ? event : state_names[st]);
	S.state = st;
	if (event)
		send_event(event, NULL, NULL);
}

static gboolean on_crash(gpointer data)
{
	if (S.state != GUEST_RUNNING)
		return G_SOURCE_CONTINUE; /* a paused guest cannot fault; try later */
	logmsg("guest triple fault");
	send_event("crash", "reason", "triple-fault");
	quit_with(ACRN_DM_EXIT_CRASH);
	return G_SOURCE_REMOVE;
}

static gboolean on_reboot(gpointer data)
{
	if (S.state != GUEST_RUNNING)
		return G_SOURCE_CONTINUE;
	logmsg("guest reboot");
	send_event("reboot", NULL, NULL);
	quit_with(ACRN_DM_EXIT_REBOOT);
	return G_SOURCE_REMOVE;
}

static gboolean on_self_poweroff(gpointer data)
{
	if (S.state != GUEST_RUNNING)
		return G_SOURCE_CONTINUE;
	guest_poweroff("guest");
	return G_SOURCE_REMOVE;
}

static gboolean on_abort(gpointer data)
{
	logmsg("simulating a device model crash");
	abort();
}

static void drop_client(void);

static gboolean on_drop_control(gpointer data)
{
	logmsg("dropping the control connection");
	drop_client();
	return G_SOURCE_REMOVE;
}

static guint after(double secs, GSourceFunc fn)
{
	return g_timeout_add((guint)(secs * 1000), fn, NULL);
}

static gboolean on_started(gpointer data)
{
	if (S.fail_start) {
		logmsg("start failed: %s", S.fail_start);
		send_event("start-failed", "message", S.fail_start);
		quit_with(ACRN_DM_EXIT_FAILURE);
		return G_SOURCE_REMOVE;
	}
	S.state = GUEST_RUNNING;
	logmsg("guest started");
	if (S.console_path)
		send_event("started", "console", S.console_path);
	else
		send_event("started", NULL, NULL);
	if (S.crash_after >= 0)
		after(S.crash_after, on_crash);
	if (S.reboot_after >= 0)
		after(S.reboot_after, on_reboot);
	if (S.poweroff_after >= 0)
		after(S.poweroff_after, on_self_poweroff);
	if (S.abort_after >= 0)
		after(S.abort_after, on_abort);
	if (S.drop_after >= 0)
		after(S.drop_after, on_drop_control);
	return G_SOURCE_REMOVE;
}

/* ---- requests ---- */

static void reply(gint64 id, const char *error_code, const char *message, GVariantBuilder *extra)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_int64(id));
	g_variant_builder_add(&b, "{sv}", "ok", g_variant_new_boolean(error_code == NULL));
	if (error_code) {
		g_variant_builder_add(&b, "{sv}", "error", g_variant_new_string(error_code));
		g_variant_builder_add(&b, "{sv}", "message", g_variant_new_string(message));
	}
	if (extra) {
		g_autoptr(GVariant) e = g_variant_ref_sink(g_variant_builder_end(extra));
		GVariantIter it;
		const char *k;
		GVariant *v;

		g_variant_iter_init(&it, e);
		while (g_variant_iter_loop(&it, "{&sv}", &k, &v))
			g_variant_builder_add(&b, "{sv}", k, v);
	}
	send_msg(g_variant_builder_end(&b));
}

static void handle_request(GVariant *msg)
{
	gint64 id = acrn_dm_proto_get_int(msg, "id", -1);
	const char *req = acrn_dm_proto_get_str(msg, "request", NULL);
	const char *bad_state = NULL;

	if (id < 0 || !req) {
		reply(id, "invalid-argument", "request needs 'id' and 'request'", NULL);
		return;
	}
	if (strcmp(req, "query") == 0) {
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&b, "{sv}", "state",
				      g_variant_new_string(state_names[S.state]));
		g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(S.name));
		g_variant_builder_add(&b, "{sv}", "pid", g_variant_new_int64(getpid()));
		if (S.console_path)
			g_variant_builder_add(&b, "{sv}", "console",
					      g_variant_new_string(S.console_path));
		reply(id, NULL, NULL, &b);
		return;
	}
	if (strcmp(req, "force-stop") == 0) {
		reply(id, NULL, NULL, NULL);
		guest_poweroff("force-stop");
		return;
	}
	if (strcmp(req, "stop") == 0) {
		if (S.state != GUEST_RUNNING) {
			bad_state = "the power button works only while the guest runs";
		} else {
			reply(id, NULL, NULL, NULL);
			press_power_button("control request");
			return;
		}
	} else if (strcmp(req, "pause") == 0) {
		if (S.state != GUEST_RUNNING) {
			bad_state = "guest is not running";
		} else {
			set_state(GUEST_PAUSED, "paused");
			reply(id, NULL, NULL, NULL);
			return;
		}
	} else if (strcmp(req, "resume") == 0) {
		if (S.state != GUEST_PAUSED) {
			bad_state = "guest is not paused";
		} else {
			set_state(GUEST_RUNNING, "resumed");
			reply(id, NULL, NULL, NULL);
			return;
		}
	} else if (strcmp(req, "suspend") == 0) {
		if (S.state != GUEST_RUNNING) {
			bad_state = "guest is not running";
		} else {
			/* Events go out before the reply (protocol rule). */
			if (!S.suspend_ignore)
				set_state(GUEST_SUSPENDED, "suspended");
			reply(id, NULL, NULL, NULL);
			return;
		}
	} else if (strcmp(req, "wakeup") == 0) {
		if (S.state != GUEST_SUSPENDED) {
			bad_state = "guest is not suspended";
		} else {
			set_state(GUEST_RUNNING, "woken");
			reply(id, NULL, NULL, NULL);
			return;
		}
	} else if (strcmp(req, "reset") == 0) {
		if (S.state == GUEST_STARTING) {
			bad_state = "guest is still starting";
		} else {
			set_state(GUEST_RUNNING, "reset");
			reply(id, NULL, NULL, NULL);
			return;
		}
	} else if (strcmp(req, "blkrescan") == 0) {
		gint64 slot = acrn_dm_proto_get_int(msg, "slot", -1);
		const char *path = acrn_dm_proto_get_str(msg, "path", NULL);
		gpointer key = GINT_TO_POINTER((int)slot);

		if (!path || slot < 0) {
			reply(id, "invalid-argument", "blkrescan needs 'slot' and 'path'", NULL);
		} else if (!g_hash_table_contains(S.nodisk_slots, key)) {
			reply(id, "invalid-argument", "slot is not a virtio-blk 'nodisk' slot",
			      NULL);
		} else if (*path && access(path, R_OK) != 0) {
			g_autofree char *m =
			    g_strdup_printf("cannot open '%s': %s", path, g_strerror(errno));

			reply(id, "failed", m, NULL);
		} else {
			g_hash_table_insert(S.nodisk_slots, key, g_strdup(path));
			logmsg("slot %d now backed by '%s'", (int)slot, path);
			reply(id, NULL, NULL, NULL);
		}
		return;
	} else {
		reply(id, "unknown-request", "unknown request", NULL);
		return;
	}
	reply(id, "invalid-state", bad_state, NULL);
}

/* ---- safety net (see the top of this file) ---- */

static gboolean on_idle_exit(gpointer data)
{
	S.idle_timer = 0;
	logmsg("no manager connected for %.0fs: test double exits (safety net)", S.idle_exit);
	quit_with(ACRN_DM_EXIT_FAILURE);
	return G_SOURCE_REMOVE;
}

static void arm_idle_exit(void)
{
	if (S.idle_exit > 0 && !S.idle_timer)
		S.idle_timer = after(S.idle_exit, on_idle_exit);
}

static gboolean check_socket(gpointer data)
{
	struct stat st;

	if (stat(S.control_path, &st) == 0 && st.st_dev == S.socket_dev &&
	    st.st_ino == S.socket_ino)
		return G_SOURCE_CONTINUE;
	logmsg("control socket %s is gone or replaced: test double exits (safety net)",
	       S.control_path);
	S.control_path_lost = TRUE;
	quit_with(ACRN_DM_EXIT_FAILURE);
	return G_SOURCE_REMOVE;
}

/* ---- control socket ---- */

static void drop_client(void)
{
	if (S.client_cancel) {
		g_cancellable_cancel(S.client_cancel);
		g_clear_object(&S.client_cancel);
	}
	g_clear_object(&S.in);
	S.out = NULL;
	if (S.client)
		g_io_stream_close(G_IO_STREAM(S.client), NULL, NULL);
	g_clear_object(&S.client);
	arm_idle_exit();
}

static void on_line(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;
	g_autoptr(GVariant) msg = NULL;
	GCancellable *cancel = data;

	line =
	    g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, NULL, &error);
	if (g_cancellable_is_cancelled(cancel)) {
		g_object_unref(cancel);
		return;
	}
	g_object_unref(cancel);
	if (!line) {
		if (error)
			logmsg("client read error: %s", error->message);
		drop_client();
		return;
	}
	msg = acrn_dm_proto_decode(line, &error);
	if (!msg) {
		GVariantBuilder b;

		g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(&b, "{sv}", "event", g_variant_new_string("protocol-error"));
		g_variant_builder_add(&b, "{sv}", "message", g_variant_new_string(error->message));
		send_msg(g_variant_builder_end(&b));
	} else {
		handle_request(msg);
	}
	if (S.in)
		g_data_input_stream_read_line_async(S.in, G_PRIORITY_DEFAULT, S.client_cancel,
						    on_line, g_object_ref(S.client_cancel));
}

static void on_accept(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;
	GSocketConnection *conn;
	GVariantBuilder b;

	conn = g_socket_listener_accept_finish(G_SOCKET_LISTENER(src), res, NULL, &error);
	g_socket_listener_accept_async(S.listener, NULL, on_accept, NULL);
	if (!conn) {
		logmsg("accept: %s", error->message);
		return;
	}
	/* One manager at a time: a new connection (e.g. a restarted acrnd)
	 * replaces the old one. */
	drop_client();
	g_clear_handle_id(&S.idle_timer, g_source_remove);
	S.client = conn;
	S.client_cancel = g_cancellable_new();
	S.in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_set_newline_type(S.in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	S.out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "event", g_variant_new_string("hello"));
	g_variant_builder_add(&b, "{sv}", "protocol",
			      g_variant_new_int64(ACRN_DM_PROTOCOL_VERSION));
	g_variant_builder_add(&b, "{sv}", "pid", g_variant_new_int64(getpid()));
	g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(S.name));
	g_variant_builder_add(&b, "{sv}", "state", g_variant_new_string(state_names[S.state]));
	if (S.console_path)
		g_variant_builder_add(&b, "{sv}", "console", g_variant_new_string(S.console_path));
	send_msg(g_variant_builder_end(&b));
	g_data_input_stream_read_line_async(S.in, G_PRIORITY_DEFAULT, S.client_cancel, on_line,
					    g_object_ref(S.client_cancel));
}

static gboolean listen_control(GError **error)
{
	g_autoptr(GSocketAddress) addr = NULL;
	struct stat st;

	unlink(S.control_path); /* a stale socket from a previous run */
	addr = g_unix_socket_address_new(S.control_path);
	S.listener = g_socket_listener_new();
	if (!g_socket_listener_add_address(S.listener, addr, G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error))
		return FALSE;
	chmod(S.control_path, 0600);
	if (stat(S.control_path, &st) != 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "stat: %s",
			    g_strerror(errno));
		return FALSE;
	}
	S.socket_dev = st.st_dev;
	S.socket_ino = st.st_ino;
	g_socket_listener_accept_async(S.listener, NULL, on_accept, NULL);
	return TRUE;
}

/* ---- command line ---- */

static double token_secs(const char *v, const char *token)
{
	char *end;
	double d = g_ascii_strtod(v, &end);

	if (*end || d < 0) {
		logmsg("bad value in %s", token);
		exit(ACRN_DM_EXIT_USAGE);
	}
	return d;
}

static void parse_bootargs(void)
{
	g_auto(GStrv) tokens = NULL;

	S.crash_after = S.reboot_after = S.poweroff_after = S.abort_after = S.drop_after = -1;
	S.idle_exit = 300;
	if (!S.bootargs)
		return;
	tokens = g_strsplit_set(S.bootargs, " \t", -1);
	for (guint i = 0; tokens[i]; i++) {
		const char *t = tokens[i];
		const char *eq = strchr(t, '=');
		const char *v = eq ? eq + 1 : "";

		if (!g_str_has_prefix(t, "standin."))
			continue;
		if (g_str_has_prefix(t, "standin.start-delay="))
			S.start_delay = token_secs(v, t);
		else if (strcmp(t, "standin.fail-start") == 0)
			S.fail_start = g_strdup("guest failed to start (standin.fail-start)");
		else if (g_str_has_prefix(t, "standin.fail-start="))
			S.fail_start = g_strdup(v);
		else if (strcmp(t, "standin.shutdown=ignore") == 0)
			S.shutdown_ignore = TRUE;
		else if (g_str_has_prefix(t, "standin.shutdown=delay:"))
			S.shutdown_delay = token_secs(v + strlen("delay:"), t);
		else if (strcmp(t, "standin.suspend=ignore") == 0)
			S.suspend_ignore = TRUE;
		else if (g_str_has_prefix(t, "standin.crash-after="))
			S.crash_after = token_secs(v, t);
		else if (g_str_has_prefix(t, "standin.reboot-after="))
			S.reboot_after = token_secs(v, t);
		else if (g_str_has_prefix(t, "standin.poweroff-after="))
			S.poweroff_after = token_secs(v, t);
		else if (g_str_has_prefix(t, "standin.abort-after="))
			S.abort_after = token_secs(v, t);
		else if (g_str_has_prefix(t, "standin.drop-control-after="))
			S.drop_after = token_secs(v, t);
		else if (g_str_has_prefix(t, "standin.idle-exit="))
			S.idle_exit = token_secs(v, t);
		else {
			logmsg("unknown stand-in token '%s'", t);
			exit(ACRN_DM_EXIT_USAGE);
		}
	}
}

static G_NORETURN void usage(const char *why)
{
	logmsg("usage error: %s", why);
	exit(ACRN_DM_EXIT_USAGE);
}

/* Check a -s argument the way acrn-dm would; record nodisk slots. */
static void check_pci_slot(const char *arg, GPtrArray *missing)
{
	g_auto(GStrv) f = g_strsplit(arg, ",", -1);
	guint64 slot;
	g_auto(GStrv) bdf = NULL;

	if (!f[0] || !f[1])
		usage("-s needs <slot>,<emulation>");
	bdf = g_strsplit(f[0], ":", -1);
	if (!g_ascii_string_to_unsigned(bdf[0], 10, 0, 31, &slot, NULL))
		usage("bad PCI slot");
	if (strcmp(f[1], "hostbridge") == 0 || strcmp(f[1], "lpc") == 0 ||
	    strcmp(f[1], "virtio-rnd") == 0)
		return;
	if (strcmp(f[1], "virtio-blk") == 0) {
		if (!f[2])
			usage("virtio-blk needs a backing file or nodisk");
		if (strcmp(f[2], "nodisk") == 0)
			g_hash_table_insert(S.nodisk_slots, GINT_TO_POINTER((int)slot),
					    g_strdup(""));
		else if (access(f[2], R_OK) != 0)
			g_ptr_array_add(missing, g_strdup(f[2]));
		return;
	}
	if (strcmp(f[1], "virtio-net") == 0) {
		if (!f[2] || !g_str_has_prefix(f[2], "tap="))
			usage("virtio-net needs tap=<ifname>");
		return; /* the stand-in does not open tap devices */
	}
	usage("unknown PCI emulation");
}

static void open_console(void)
{
	if (!S.console)
		return;
	if (strcmp(S.console, "com1,pty") == 0) {
		int fd = posix_openpt(O_RDWR | O_NOCTTY);

		if (fd >= 0 && grantpt(fd) == 0 && unlockpt(fd) == 0)
			S.console_path = g_strdup(ptsname(fd)); /* fd stays open */
	} else if (g_str_has_prefix(S.console, "com1,file:")) {
		FILE *f = fopen(S.console + strlen("com1,file:"), "a");

		if (f) {
			fprintf(f, "stand-in guest %s booting\n", S.name);
			fclose(f);
		}
	} else if (strcmp(S.console, "com1,stdio") == 0) {
		printf("stand-in guest %s booting\n", S.name);
		fflush(stdout);
	} else if (!g_str_has_prefix(S.console, "com1,tcp:")) {
		usage("unsupported -l backend");
	}
}

static gboolean on_sigterm(gpointer data)
{
	if (S.state == GUEST_RUNNING)
		press_power_button(data ? data : "SIGTERM");
	else
		quit_with(ACRN_DM_EXIT_POWEROFF);
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigrt_poweroff(gpointer data)
{
	return on_sigterm("SIGRTMIN+4");
}

static gboolean on_sigint(gpointer data)
{
	guest_poweroff("signal");
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"pci_slot", required_argument, NULL, 's'},
	    {"lpc", required_argument, NULL, 'l'},
	    {"memsize", required_argument, NULL, 'm'},
	    {"kernel", required_argument, NULL, 'k'},
	    {"ramdisk", required_argument, NULL, 'r'},
	    {"bootargs", required_argument, NULL, 'B'},
	    {"ovmf", required_argument, NULL, 'O'},
	    {"cpu_affinity", required_argument, NULL, 'C'},
	    {"control-socket", required_argument, NULL, 'S'},
	    {"version", no_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	char *ramdisk = NULL, *ovmf = NULL;
	int c;

	signal(SIGPIPE, SIG_IGN);
	S.nodisk_slots = g_hash_table_new_full(NULL, NULL, NULL, g_free);
	while ((c = getopt_long(argc, argv, "s:l:m:k:r:B:v", longopts, NULL)) != -1) {
		guint64 mem;
		char *end;

		switch (c) {
		case 's':
			check_pci_slot(optarg, missing);
			break;
		case 'l':
			S.console = optarg;
			break;
		case 'm':
			mem = g_ascii_strtoull(optarg, &end, 10);
			if (mem == 0 || (strcmp(end, "M") != 0 && strcmp(end, "G") != 0))
				usage("bad -m");
			break;
		case 'k':
			S.kernel = optarg;
			break;
		case 'r':
			ramdisk = optarg;
			break;
		case 'B':
			S.bootargs = optarg;
			break;
		case 'O':
			ovmf = optarg;
			break;
		case 'C':
			break;
		case 'S':
			S.control_path = optarg;
			break;
		case 'v':
			printf("acrn-dm-standin (test double) " PACKAGE_VERSION "\n");
			return 0;
		default:
			usage("unknown option");
		}
	}
	if (optind != argc - 1)
		usage("exactly one VM name expected");
	S.name = argv[optind];
	if (strlen(S.name) > 15)
		usage("VM name longer than 15 characters");
	if (!S.control_path)
		usage("--control-socket is required");
	if (!S.kernel && !ovmf)
		usage("no boot method (-k or --ovmf)");
	parse_bootargs();

	S.loop = g_main_loop_new(NULL, FALSE);
	if (!listen_control(&error)) {
		logmsg("cannot listen on %s: %s", S.control_path, error->message);
		return ACRN_DM_EXIT_FAILURE;
	}
	/* Like acrn-dm, fail at startup if an image cannot be opened. */
	if (S.kernel && access(S.kernel, R_OK) != 0)
		S.fail_start =
		    g_strdup_printf("cannot open kernel '%s': %s", S.kernel, g_strerror(errno));
	else if (ramdisk && access(ramdisk, R_OK) != 0)
		S.fail_start = g_strdup_printf("cannot open ramdisk '%s'", ramdisk);
	else if (missing->len)
		S.fail_start =
		    g_strdup_printf("cannot open disk image '%s'", (char *)missing->pdata[0]);
	open_console();
	g_unix_signal_add(SIGTERM, on_sigterm, NULL);
	/* As acrn-dm: `machinectl poweroff` presses the power button too. */
	acrn_dm_proto_add_poweroff_signal_watch(on_sigrt_poweroff, NULL);
	g_unix_signal_add(SIGINT, on_sigint, NULL);
	g_unix_signal_add(SIGHUP, on_sigint, NULL);
	logmsg("control socket %s; booting", S.control_path);
	after(S.start_delay, on_started);
	arm_idle_exit();
	g_timeout_add_seconds(1, check_socket, NULL);
	g_main_loop_run(S.loop);

	/* Deliver the final event before the socket goes away. */
	if (S.out)
		g_output_stream_flush(S.out, NULL, NULL);
	if (!S.control_path_lost)
		unlink(S.control_path);
	return S.exit_code;
}
