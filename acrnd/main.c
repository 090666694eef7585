/* acrnd: owns every User VM's definition and state and offers them on
 * D-Bus as org.acrn.Acrnd1. */
#include "config.h"

#include <malloc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>

#include "acrn-dbus-errors.h"
#include "sd-daemon.h"
#include "dbus-service.h"
#include "host-power.h"
#include "machined.h"
#include "supervisor.h"

#ifndef ACRN_DM_DEFAULT_PATH
#define ACRN_DM_DEFAULT_PATH "/usr/bin/acrn-dm"
#endif

static struct {
	gboolean system_bus, session_bus, version, stop_vms_on_exit;
	char *bus_address, *state_dir, *run_dir, *dm_path, *manage_group, *log_level;
	int restart_burst, restart_interval, start_timeout, stop_timeout;
	/* Service VM power coordination (host-power.h) and autostart pacing. */
	char *host_shutdown, *host_sleep;
	int host_shutdown_timeout;
	double autostart_delay;
} opt = {
    .host_shutdown_timeout = 60,
    .restart_burst = 5,
    .restart_interval = 60,
    .start_timeout = 30,
    .stop_timeout = 60,
};

static GLogLevelFlags log_threshold = G_LOG_LEVEL_MESSAGE;
static gboolean log_to_journal;

/* acrnd's "error" level is g_critical(), which GLib's journald writer
 * files at priority 4 (warning); give it 3 (err) so that
 * `journalctl -p err` shows it. */
static GLogWriterOutput write_journal(GLogLevelFlags level, const GLogField *fields, gsize n)
{
	g_autofree GLogField *copy = NULL;

	if (!(level & G_LOG_LEVEL_CRITICAL))
		return g_log_writer_journald(level, fields, n, NULL);
	copy = g_memdup2(fields, n * sizeof(*fields));
	for (gsize i = 0; i < n; i++)
		if (strcmp(copy[i].key, "PRIORITY") == 0) {
			copy[i].value = "3";
			copy[i].length = -1;
		}
	return g_log_writer_journald(level, copy, n, NULL);
}

static GLogWriterOutput write_log(GLogLevelFlags level, const GLogField *fields, gsize n,
				  gpointer data)
{
	const char *msg = NULL;
	const char *tag = "info";
	GLogLevelFlags l = level & G_LOG_LEVEL_MASK;

	/* Lower flag values are more severe. */
	if (l > log_threshold)
		return G_LOG_WRITER_HANDLED;
	/* GLib's own debug chatter (GSocketClient, ...) only when asked for
	 * with G_MESSAGES_DEBUG=all or =<domain>. */
	if (l >= G_LOG_LEVEL_INFO) {
		for (gsize i = 0; i < n; i++) {
			const char *dom = fields[i].value;
			const char *want = g_getenv("G_MESSAGES_DEBUG");

			if (strcmp(fields[i].key, "GLIB_DOMAIN") != 0 || !dom ||
			    strcmp(dom, G_LOG_DOMAIN) == 0)
				continue;
			if (!want || (strcmp(want, "all") != 0 && !strstr(want, dom)))
				return G_LOG_WRITER_HANDLED;
		}
	}
	if (log_to_journal)
		return write_journal(level, fields, n);
	for (gsize i = 0; i < n; i++)
		if (strcmp(fields[i].key, "MESSAGE") == 0)
			msg = fields[i].value;
	switch (l) {
	case G_LOG_LEVEL_ERROR:
		tag = "error";
		break;
	case G_LOG_LEVEL_CRITICAL:
		tag = "error"; /* the --log-level name */
		break;
	case G_LOG_LEVEL_WARNING:
		tag = "warning";
		break;
	case G_LOG_LEVEL_MESSAGE:
		tag = "notice";
		break;
	case G_LOG_LEVEL_DEBUG:
		tag = "debug";
		break;
	default:
		break;
	}
	fprintf(stderr, "acrnd[%d]: %s: %s\n", (int)getpid(), tag, msg ? msg : "");
	return G_LOG_WRITER_HANDLED;
}

static gboolean parse_log_level(const char *s)
{
	static const struct {
		const char *name;
		GLogLevelFlags level;
	} levels[] = {
	    {"error", G_LOG_LEVEL_CRITICAL}, {"warning", G_LOG_LEVEL_WARNING},
	    {"notice", G_LOG_LEVEL_MESSAGE}, {"info", G_LOG_LEVEL_INFO},
	    {"debug", G_LOG_LEVEL_DEBUG},
	};

	for (guint i = 0; i < G_N_ELEMENTS(levels); i++)
		if (strcmp(s, levels[i].name) == 0) {
			log_threshold = levels[i].level;
			return TRUE;
		}
	return FALSE;
}

typedef struct {
	GMainLoop *loop;
	GDBusConnection *conn;
	AcrnSupervisor *sup;
	AcrnDbusService *svc;
	AcrnHostPower *hp;
	AcrnMachined *md;
	guint own_id;
	gboolean loaded, named, stopping;
	int exit_code;
} Daemon;

static void maybe_ready(Daemon *d)
{
	if (!d->loaded || !d->named)
		return;
	/* READY once no definition lives only in a journal. */
	acrn_supervisor_recover_store(d->sup);
	acrn_sd_notifyf("READY=1\nSTATUS=managing %u VMs", acrn_supervisor_count(d->sup));
	g_message("ready: %u VMs defined", acrn_supervisor_count(d->sup));
	acrn_supervisor_autostart(d->sup);
}

static void on_name_acquired(GDBusConnection *conn, const char *name, gpointer data)
{
	Daemon *d = data;

	g_message("acquired bus name %s", name);
	d->named = TRUE;
	maybe_ready(d);
}

static void on_name_lost(GDBusConnection *conn, const char *name, gpointer data)
{
	Daemon *d = data;

	g_critical("cannot own bus name %s (another acrnd running, or not allowed by the bus "
		   "policy)",
		   name);
	d->exit_code = 1;
	g_main_loop_quit(d->loop);
}

static void on_loaded(GObject *src, GAsyncResult *res, gpointer data)
{
	Daemon *d = data;
	g_autoptr(GError) error = NULL;

	if (!acrn_supervisor_load_finish(ACRN_SUPERVISOR(src), res, &error)) {
		g_critical("cannot load VM state: %s", error->message);
		d->exit_code = 1;
		g_main_loop_quit(d->loop);
		return;
	}
	d->loaded = TRUE;
	if (!d->own_id)
		d->own_id = g_bus_own_name_on_connection(d->conn, ACRN_DBUS_NAME,
							 G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
							 on_name_acquired, on_name_lost, d, NULL);
	maybe_ready(d);
}

static void on_all_stopped(GObject *src, GAsyncResult *res, gpointer data)
{
	Daemon *d = data;

	g_message("all VMs stopped");
	g_main_loop_quit(d->loop);
}

static void on_terminated(GObject *src, GAsyncResult *res, gpointer data)
{
	Daemon *d = data;

	if (acrn_host_power_terminate_finish(d->hp, res))
		g_message("terminating: the VMs were stopped for the Service VM shutdown");
	else
		g_message("terminating: VMs keep running and are re-attached on the next start");
	g_main_loop_quit(d->loop);
}

static gboolean on_term(gpointer data)
{
	Daemon *d = data;

	if (d->stopping)
		return G_SOURCE_CONTINUE;
	d->stopping = TRUE;
	acrn_sd_notify("STOPPING=1");
	if (opt.stop_vms_on_exit) {
		g_message("terminating: stopping all VMs (timeout %d s)", opt.stop_timeout);
		/* Leave room for the graceful timeout plus the force-stop. */
		acrn_sd_notifyf("EXTEND_TIMEOUT_USEC=%llu",
				(unsigned long long)(opt.stop_timeout + 10) * G_USEC_PER_SEC);
		acrn_supervisor_stop_all_async(d->sup, (guint)opt.stop_timeout, on_all_stopped, d);
	} else {
		/* Stops the VMs only if the Service VM is shutting down. */
		acrn_sd_notifyf("EXTEND_TIMEOUT_USEC=%llu",
				(unsigned long long)(acrn_host_power_max_timeout_sec(d->hp) + 30) *
				    G_USEC_PER_SEC);
		acrn_host_power_terminate_async(d->hp, on_terminated, d);
	}
	return G_SOURCE_CONTINUE;
}

static void on_closed(GDBusConnection *conn, gboolean remote, GError *error, gpointer data)
{
	Daemon *d = data;

	g_critical("lost the bus connection%s%s", error ? ": " : "", error ? error->message : "");
	d->exit_code = 1;
	g_main_loop_quit(d->loop);
}

static GDBusConnection *connect_bus(GError **error)
{
	if (opt.bus_address)
		return g_dbus_connection_new_for_address_sync(
		    opt.bus_address,
		    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		    NULL, NULL, error);
	return g_bus_get_sync(opt.session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL,
			      error);
}

/* Keep the heap small and returned to the system: one malloc arena for
 * all threads (the D-Bus worker thread's large replies otherwise stay in
 * an arena of their own), a fixed mmap threshold (glibc raises it after
 * large frees, keeping those in the heap), and trimming above 256 KiB. */
static void __attribute__((constructor)) tune_malloc(void)
{
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024);
}

int main(int argc, char **argv)
{
	const GOptionEntry entries[] = {
	    {"system", 0, 0, G_OPTION_ARG_NONE, &opt.system_bus, "Use the system bus (default)",
	     NULL},
	    {"session", 0, 0, G_OPTION_ARG_NONE, &opt.session_bus, "Use the session bus", NULL},
	    {"bus-address", 0, 0, G_OPTION_ARG_STRING, &opt.bus_address,
	     "Connect to the message bus at ADDR (tests)", "ADDR"},
	    {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.state_dir,
	     "VM definitions (default " ACRN_STATE_DIR ")", "DIR"},
	    {"run-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt.run_dir,
	     "Runtime state and control sockets (default " ACRN_RUN_DIR ")", "DIR"},
	    {"dm-path", 0, 0, G_OPTION_ARG_FILENAME, &opt.dm_path,
	     "The device model to run (default " ACRN_DM_DEFAULT_PATH ")", "PATH"},
	    {"manage-group", 0, 0, G_OPTION_ARG_STRING, &opt.manage_group,
	     "Group whose members may change VMs (default acrn)", "GROUP"},
	    {"log-level", 0, 0, G_OPTION_ARG_STRING, &opt.log_level,
	     "error, warning, notice (default), info or debug", "LEVEL"},
	    {"stop-vms-on-exit", 0, 0, G_OPTION_ARG_NONE, &opt.stop_vms_on_exit,
	     "On SIGTERM stop all VMs instead of leaving them running", NULL},
	    {"stop-timeout", 0, 0, G_OPTION_ARG_INT, &opt.stop_timeout,
	     "With --stop-vms-on-exit: graceful stop timeout (default 60)", "SEC"},
	    {"host-shutdown", 0, 0, G_OPTION_ARG_STRING, &opt.host_shutdown,
	     "At Service VM shutdown: shutdown (default) or leave the VMs", "ACTION"},
	    {"host-shutdown-timeout", 0, 0, G_OPTION_ARG_INT, &opt.host_shutdown_timeout,
	     "Graceful stop timeout at Service VM shutdown (default 60)", "SEC"},
	    {"host-sleep", 0, 0, G_OPTION_ARG_STRING, &opt.host_sleep,
	     "At Service VM suspend: pause (default) or suspend the VMs", "ACTION"},
	    {"autostart-delay", 0, 0, G_OPTION_ARG_DOUBLE, &opt.autostart_delay,
	     "Wait SEC between autostart VMs (default 0)", "SEC"},
	    {"restart-burst", 0, 0, G_OPTION_ARG_INT, &opt.restart_burst,
	     "At most N automatic restarts ... (default 5)", "N"},
	    {"restart-interval", 0, 0, G_OPTION_ARG_INT, &opt.restart_interval,
	     "... within SEC seconds (default 60)", "SEC"},
	    {"start-timeout", 0, 0, G_OPTION_ARG_INT, &opt.start_timeout,
	     "acrn-dm must report a started guest within SEC (default 30)", "SEC"},
	    {"version", 0, 0, G_OPTION_ARG_NONE, &opt.version, "Print the version", NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- ACRN VM manager daemon");
	g_autoptr(GError) error = NULL;
	AcrnVmConfig cfg = {0};
	AcrnHostPowerConfig hp_cfg = {ACRN_VM_HOST_SHUTDOWN_SHUTDOWN, 60, ACRN_HOST_SLEEP_PAUSE,
				      NULL};
	Daemon d = {0};

	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
	    ctx, "acrnd owns the definitions and lifecycle of ACRN User VMs and offers them on\n"
		 "D-Bus as org.acrn.Acrnd1 (see acrnctl). Running VMs survive a restart of\n"
		 "acrnd: on start it re-attaches to their device models.\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "acrnd: %s\n", error->message);
		return 2;
	}
	if (opt.version) {
		printf("acrnd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "acrnd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if ((opt.system_bus + opt.session_bus + (opt.bus_address != NULL)) > 1) {
		fprintf(stderr, "acrnd: --system, --session and --bus-address are exclusive\n");
		return 2;
	}
	if (opt.log_level && !parse_log_level(opt.log_level)) {
		fprintf(stderr, "acrnd: unknown log level '%s'\n", opt.log_level);
		return 2;
	}
	if (opt.restart_burst < 0 || opt.restart_interval < 1 || opt.start_timeout < 1 ||
	    opt.stop_timeout < 1) {
		fprintf(stderr, "acrnd: limits and timeouts must be positive\n");
		return 2;
	}
	if (opt.host_shutdown &&
	    !acrn_host_shutdown_action_parse(opt.host_shutdown, &hp_cfg.shutdown_action)) {
		fprintf(stderr, "acrnd: --host-shutdown must be shutdown or leave\n");
		return 2;
	}
	if (opt.host_sleep && !acrn_host_sleep_action_parse(opt.host_sleep, &hp_cfg.sleep_action)) {
		fprintf(stderr, "acrnd: --host-sleep must be pause or suspend\n");
		return 2;
	}
	if (opt.host_shutdown_timeout < 1 || opt.host_shutdown_timeout > 3600 ||
	    !(opt.autostart_delay >= 0 && opt.autostart_delay <= 3600)) {
		fprintf(stderr, "acrnd: --host-shutdown-timeout must be in 1..3600 and "
				"--autostart-delay in 0..3600\n");
		return 2;
	}
	hp_cfg.shutdown_timeout_sec = (guint)opt.host_shutdown_timeout;
	log_to_journal = g_log_writer_is_journald(fileno(stderr));
	g_log_set_writer_func(write_log, NULL, NULL);

	cfg.dm_path = g_strdup(opt.dm_path ? opt.dm_path : ACRN_DM_DEFAULT_PATH);
	cfg.run_dir = g_strdup(opt.run_dir ? opt.run_dir : ACRN_RUN_DIR);
	cfg.restart_burst = (guint)opt.restart_burst;
	cfg.restart_interval_sec = (guint)opt.restart_interval;
	cfg.start_timeout_ms = (guint)opt.start_timeout * 1000;
	cfg.kill_grace_ms = 3000;

	d.loop = g_main_loop_new(NULL, FALSE);
	d.conn = connect_bus(&error);
	if (!d.conn) {
		g_critical("cannot connect to the bus: %s", error->message);
		return 1;
	}
	g_dbus_connection_set_exit_on_close(d.conn, FALSE);
	g_signal_connect(d.conn, "closed", G_CALLBACK(on_closed), &d);
	(void)acrn_error_quark(); /* register the D-Bus error names */

	d.sup = acrn_supervisor_new(&cfg, opt.state_dir ? opt.state_dir : ACRN_STATE_DIR);
	d.svc = acrn_dbus_service_new(d.conn, d.sup, opt.manage_group ? opt.manage_group : "acrn");
	acrn_supervisor_set_autostart_delay(d.sup, (guint)(opt.autostart_delay * 1000 + 0.5));
	hp_cfg.record_path = g_build_filename(opt.state_dir ? opt.state_dir : ACRN_STATE_DIR,
					      "host-shutdown.record", NULL);
	d.hp = acrn_host_power_new(d.conn, d.sup, &hp_cfg);
	g_free(hp_cfg.record_path);
	d.md = acrn_machined_new(d.conn, d.sup);
	g_unix_signal_add(SIGTERM, on_term, &d);
	g_unix_signal_add(SIGINT, on_term, &d);
	acrn_supervisor_load_async(d.sup, on_loaded, &d);
	g_main_loop_run(d.loop);

	if (d.own_id)
		g_bus_unown_name(d.own_id);
	acrn_machined_free(d.md);
	acrn_host_power_free(d.hp);
	acrn_dbus_service_free(d.svc);
	g_dbus_connection_flush_sync(d.conn, NULL, NULL);
	g_object_unref(d.sup);
	g_object_unref(d.conn);
	g_main_loop_unref(d.loop);
	return d.exit_code;
}
