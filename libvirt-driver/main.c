/* virtacrnd: serves libvirt's remote RPC protocol on the sockets stock
 * libvirt clients open for acrn:///system (and acrn:///session), and
 * forwards every operation to acrnd over D-Bus. */
#include "config.h"

#include <malloc.h>

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <grp.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acrnd-client.h"
#include "events.h"
#include "rpc-server.h"
#include "sd-daemon.h"

/* Socket names: the FileDescriptorName= of the systemd socket units and the
 * file names in the socket directory. */
#define SOCK_RW	   "virtacrnd-sock"
#define SOCK_RO	   "virtacrnd-sock-ro"
#define SOCK_ADMIN "virtacrnd-admin-sock"
#define SOCK_TCP   "virtacrnd-tcp"

/* libvirt's default TCP port for its remote protocol (libvirtd's tcp_port),
 * which acrn+tcp://HOST/system connects to when the URI names none. */
#define VIRTACRND_DEFAULT_TCP_PORT 16509

/* The libvirt API level we implement, reported by CONNECT_GET_LIB_VERSION
 * (Nova gates on it; Debian 12's libvirt is 9.0.0). */
#define VIRTACRND_LIB_VERSION 9000000ull
/* Stock Nova only runs with virt_type=kvm and then requires a "QEMU"
 * version >= 4.2.0 from CONNECT_GET_VERSION; ACRN's
 * own version numbers are below that, so a compatible level is reported. */
#define VIRTACRND_DEFAULT_HV_VERSION "8.2.0"

typedef struct {
	GMainLoop *loop;
	RpcServer *server;
	int timeout;
	guint idle_id;
	GPtrArray *bound_paths;
} Daemon;

static gboolean on_idle_timeout(gpointer data)
{
	Daemon *d = data;

	d->idle_id = 0;
	g_message("no clients for %d s: exiting", d->timeout);
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static void on_clients_changed(RpcServer *server, gpointer data)
{
	Daemon *d = data;

	if (d->timeout <= 0)
		return;
	if (rpc_server_n_clients(server) == 0 && !d->idle_id)
		d->idle_id = g_timeout_add_seconds((guint)d->timeout, on_idle_timeout, d);
	else if (rpc_server_n_clients(server) > 0 && d->idle_id) {
		g_source_remove(d->idle_id);
		d->idle_id = 0;
	}
}

/* The TCP listener settings of virtacrnd.conf (libvirtd's names). */
typedef struct {
	gboolean listen_tcp;
	char *listen_addr; /* NULL: every local address */
	guint16 tcp_port;
	/* "none" is the only mode; NULL when the file does not say. */
	char *auth_tcp;
} TcpConfig;

static void tcp_config_clear(TcpConfig *tcp)
{
	g_clear_pointer(&tcp->listen_addr, g_free);
	g_clear_pointer(&tcp->auth_tcp, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TcpConfig, tcp_config_clear)

/* A string value as libvirtd.conf writes it (listen_addr = "0.0.0.0"):
 * one pair of double quotes around it is dropped. */
static char *config_string(GKeyFile *kf, const char *path, const char *key, GError **error)
{
	g_autofree char *v = g_key_file_get_value(kf, "server", key, error);
	gsize n;

	if (!v)
		return NULL;
	g_strstrip(v);
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		memmove(v, v + 1, n - 2);
		v[n - 2] = '\0';
	}
	if (!*v || strchr(v, '"')) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: bad value for %s", path, key);
		return NULL;
	}
	return g_steal_pointer(&v);
}

/* listen_tcp, listen_addr, tcp_port and auth_tcp of [server]; FALSE (with
 * error) for a setting that is not one of those or is malformed. */
static gboolean load_tcp_setting(GKeyFile *kf, const char *path, const char *key, TcpConfig *tcp,
				 gboolean *known, GError **error)
{
	g_autofree char *v = NULL;
	guint64 n;

	*known = TRUE;
	if (strcmp(key, "listen_tcp") == 0) {
		if (!(v = config_string(kf, path, key, error)))
			return FALSE;
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "%s: listen_tcp must be 0 or 1", path);
			return FALSE;
		}
		tcp->listen_tcp = v[0] == '1';
	} else if (strcmp(key, "listen_addr") == 0) {
		if (!(v = config_string(kf, path, key, error)))
			return FALSE;
		g_free(tcp->listen_addr);
		tcp->listen_addr = g_steal_pointer(&v);
	} else if (strcmp(key, "tcp_port") == 0) {
		if (!(v = config_string(kf, path, key, error)))
			return FALSE;
		if (!g_ascii_string_to_unsigned(v, 10, 1, 65535, &n, NULL)) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
				    "%s: tcp_port must be a port number from 1 to 65535", path);
			return FALSE;
		}
		tcp->tcp_port = (guint16)n;
	} else if (strcmp(key, "auth_tcp") == 0) {
		if (!(v = config_string(kf, path, key, error)))
			return FALSE;
		/* libvirtd also knows "sasl" and "polkit"; virtacrnd has
		 * neither, and silently downgrading them to "none" would open
		 * the port to everybody. */
		if (strcmp(v, "none") != 0) {
			g_set_error(
			    error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
			    "%s: auth_tcp = \"%s\" is not supported; the only mode is "
			    "\"none\" (no authentication: every client reaching the "
			    "port has full access), otherwise tunnel the local socket over SSH",
			    path, v);
			return FALSE;
		}
		g_free(tcp->auth_tcp);
		tcp->auth_tcp = g_steal_pointer(&v);
	} else {
		*known = FALSE;
	}
	return TRUE;
}

/* Reads the [server] group of virtacrnd.conf (a GKeyFile): the limits and
 * the TCP listener. A missing default file means the defaults; a named
 * file must exist. */
static gboolean load_config(const char *path, gboolean must_exist, RpcServerConfig *config,
			    TcpConfig *tcp, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	static const struct {
		const char *key;
		gsize offset;
		guint64 max;
	} keys[] = {
	    {"max_clients", G_STRUCT_OFFSET(RpcServerConfig, max_clients), 1000000},
	    {"max_anonymous_clients", G_STRUCT_OFFSET(RpcServerConfig, max_anonymous_clients),
	     1000000},
	    {"request_timeout", G_STRUCT_OFFSET(RpcServerConfig, request_timeout), 3600},
	    {"keepalive_interval", G_STRUCT_OFFSET(RpcServerConfig, keepalive_interval), 3600},
	    {"keepalive_count", G_STRUCT_OFFSET(RpcServerConfig, keepalive_count), 1000},
	};
	g_auto(GStrv) names = NULL;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error)) {
		if (!must_exist && g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_clear_error(error);
			return TRUE;
		}
		g_prefix_error(error, "%s: ", path);
		return FALSE;
	}
	names = g_key_file_get_keys(kf, "server", NULL, NULL);
	for (gsize i = 0; names && names[i]; i++) {
		gboolean known = FALSE;
		guint64 v;

		if (!load_tcp_setting(kf, path, names[i], tcp, &known, error))
			return FALSE;
		if (known)
			continue;

		for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
			if (strcmp(names[i], keys[k].key) != 0)
				continue;
			known = TRUE;
			v = g_key_file_get_uint64(kf, "server", keys[k].key, error);
			if ((error && *error) || v < 1 || v > keys[k].max) {
				g_clear_error(error);
				g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
					    "%s: %s must be a number from 1 to %" G_GUINT64_FORMAT,
					    path, keys[k].key, keys[k].max);
				return FALSE;
			}
			G_STRUCT_MEMBER(guint, config, keys[k].offset) = (guint)v;
		}
		if (!known) {
			g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
				    "%s: unknown setting '%s' in [server]", path, names[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static gboolean on_signal(gpointer data)
{
	g_main_loop_quit(((Daemon *)data)->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean parse_version(const char *s, guint64 *out)
{
	guint64 major = 0, minor = 0, micro = 0;
	char extra;
	int n = sscanf(s, "%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT ".%" G_GUINT64_FORMAT "%c",
		       &major, &minor, &micro, &extra);

	if (n < 1 || n > 3 || minor > 999 || micro > 999 || major > 1000000)
		return FALSE;
	*out = major * 1000000 + minor * 1000 + micro;
	return TRUE;
}

/* Sockets passed by systemd, matched by FileDescriptorName=. */
static int adopt_activated_sockets(RpcServer *server, gboolean tcp_allowed, const char *config_path)
{
	char **names = NULL;
	int n = acrn_sd_listen_fds(&names);
	int used = 0;

	if (n < 0) {
		g_warning("sockets passed by systemd: %s", g_strerror(-n));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		int fd = ACRN_SD_LISTEN_FDS_START + i;
		const char *name = names ? names[i] : "";

		if (g_strcmp0(name, SOCK_RW) == 0 || g_strcmp0(name, "virtacrnd.socket") == 0)
			rpc_server_add_listener(server, fd, RPC_SOCKET_RW);
		else if (g_strcmp0(name, SOCK_RO) == 0 ||
			 g_strcmp0(name, "virtacrnd-ro.socket") == 0)
			rpc_server_add_listener(server, fd, RPC_SOCKET_RO);
		else if (g_strcmp0(name, SOCK_ADMIN) == 0 ||
			 g_strcmp0(name, "virtacrnd-admin.socket") == 0)
			rpc_server_add_listener(server, fd, RPC_SOCKET_ADMIN);
		else if (g_strcmp0(name, SOCK_TCP) == 0 ||
			 g_strcmp0(name, "virtacrnd-tcp.socket") == 0) {
			/* Opening TCP needs the same explicit consent as
			 * listen_tcp (check_tcp_consent()). */
			if (!tcp_allowed) {
				fprintf(stderr,
					"virtacrnd: systemd passed a TCP socket, but %s sets no "
					"auth_tcp; refusing to start (auth_tcp = \"none\" lets "
					"every client that reaches the port manage all VMs)\n",
					config_path);
				g_strfreev(names);
				return -1;
			}
			rpc_server_add_listener(server, fd, RPC_SOCKET_TCP);
		} else {
			g_warning("ignoring activated socket %d with unknown name '%s'", fd, name);
			close(fd);
			continue;
		}
		used++;
	}
	g_strfreev(names);
	return used;
}

static gboolean bind_sockets(Daemon *d, const char *dir, gboolean session, GError **error)
{
	static const struct {
		const char *name;
		RpcSocketKind kind;
		mode_t system_mode;
	} socks[] = {
	    /* rw is open to connect; the peer credentials decide (rpc-server.c). */
	    {SOCK_RW, RPC_SOCKET_RW, 0666},
	    {SOCK_RO, RPC_SOCKET_RO, 0666},
	    {SOCK_ADMIN, RPC_SOCKET_ADMIN, 0600},
	};

	if (g_mkdir_with_parents(dir, session ? 0700 : 0755) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", dir,
			    g_strerror(errno));
		return FALSE;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(socks); i++) {
		g_autofree char *path = g_build_filename(dir, socks[i].name, NULL);
		int fd = rpc_server_bind_unix(path, session ? 0600 : socks[i].system_mode, error);

		if (fd < 0)
			return FALSE;
		rpc_server_add_listener(d->server, fd, socks[i].kind);
		g_ptr_array_add(d->bound_paths, g_steal_pointer(&path));
	}
	return TRUE;
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
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *socket_dir = NULL;
	g_autofree char *bus_address = NULL;
	g_autofree char *group = NULL;
	g_autofree char *hv_version = NULL;
	g_autofree char *config_path = NULL;
	gboolean session_bus = FALSE, system_mode = FALSE, session_mode = FALSE;
	gboolean verbose = FALSE, version = FALSE, no_activation = FALSE;
	int timeout = 0;
	RpcServerConfig config = {0};
	g_auto(TcpConfig) tcp = {.tcp_port = VIRTACRND_DEFAULT_TCP_PORT};
	AcrndClient *acrnd = NULL;
	Daemon d = {0};
	int activated;
	GOptionEntry entries[] = {
	    {"timeout", 't', 0, G_OPTION_ARG_INT, &timeout,
	     "Exit after SECONDS without clients (0: never)", "SECONDS"},
	    {"system", 0, 0, G_OPTION_ARG_NONE, &system_mode,
	     "Serve acrn:///system (default for root)", NULL},
	    {"session", 0, 0, G_OPTION_ARG_NONE, &session_mode,
	     "Serve acrn:///session in $XDG_RUNTIME_DIR/libvirt (default for other users)", NULL},
	    {"socket-dir", 0, 0, G_OPTION_ARG_FILENAME, &socket_dir,
	     "Create the sockets in DIR instead", "DIR"},
	    {"no-socket-activation", 0, 0, G_OPTION_ARG_NONE, &no_activation,
	     "Ignore sockets passed by systemd", NULL},
	    {"bus-address", 0, 0, G_OPTION_ARG_STRING, &bus_address,
	     "Reach acrnd on the D-Bus bus at ADDR", "ADDR"},
	    {"session-bus", 0, 0, G_OPTION_ARG_NONE, &session_bus, "Reach acrnd on the session bus",
	     NULL},
	    {"group", 'g', 0, G_OPTION_ARG_STRING, &group,
	     "Members of GROUP may use the read-write socket (default: acrn)", "GROUP"},
	    {"hypervisor-version", 0, 0, G_OPTION_ARG_STRING, &hv_version,
	     "Version reported to clients (default " VIRTACRND_DEFAULT_HV_VERSION ")", "X.Y.Z"},
	    {"config", 'f', 0, G_OPTION_ARG_FILENAME, &config_path,
	     "Read limits from FILE (default " VIRTACRND_CONFIG_FILE ")", "FILE"},
	    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log every call", NULL},
	    {"version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
	    {NULL},
	};

	setlocale(LC_ALL, "");
	ctx = g_option_context_new("- libvirt RPC front end for acrnd");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "virtacrnd: %s\n", error->message);
		return 2;
	}
	if (version) {
		printf("virtacrnd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "virtacrnd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (system_mode && session_mode) {
		fprintf(stderr, "virtacrnd: --system and --session exclude each other\n");
		return 2;
	}
	if (bus_address && session_bus) {
		fprintf(stderr, "virtacrnd: --bus-address and --session-bus exclude each other\n");
		return 2;
	}
	if (timeout < 0) {
		fprintf(stderr, "virtacrnd: --timeout must not be negative\n");
		return 2;
	}
	if (!session_mode && !system_mode)
		session_mode = geteuid() != 0;
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);

	if (!load_config(config_path ? config_path : VIRTACRND_CONFIG_FILE, config_path != NULL,
			 &config, &tcp, &error)) {
		fprintf(stderr, "virtacrnd: %s\n", error->message);
		return 2;
	}
	/* Unlike libvirtd (whose default auth_tcp is "sasl"), no default
	 * applies: the only mode gives every client that reaches the port
	 * full access, which must be asked for in so many words. */
	if (tcp.listen_tcp && !tcp.auth_tcp) {
		fprintf(
		    stderr,
		    "virtacrnd: %s: listen_tcp = 1 needs an explicit auth_tcp setting; the only "
		    "one is auth_tcp = \"none\", which lets every client that reaches the port "
		    "manage all VMs\n",
		    config_path ? config_path : VIRTACRND_CONFIG_FILE);
		return 2;
	}
	config.session = session_mode;
	config.lib_version = VIRTACRND_LIB_VERSION;
	if (!parse_version(hv_version ? hv_version : VIRTACRND_DEFAULT_HV_VERSION,
			   &config.hv_version)) {
		fprintf(stderr, "virtacrnd: bad --hypervisor-version '%s'\n", hv_version);
		return 2;
	}
	{
		const char *g = group ? group : "acrn";
		struct group *gr = getgrnam(g);

		if (gr) {
			config.have_rw_gid = TRUE;
			config.rw_gid = gr->gr_gid;
		} else if (group) {
			fprintf(stderr, "virtacrnd: unknown group '%s'\n", group);
			return 2;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	acrnd = acrnd_client_new(bus_address, session_bus, &error);
	if (!acrnd) {
		fprintf(stderr, "virtacrnd: cannot connect to the bus: %s\n", error->message);
		return 1;
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	d.timeout = timeout;
	d.bound_paths = g_ptr_array_new_with_free_func(g_free);
	d.server = rpc_server_new(&config, acrnd);
	d.server->clients_changed = on_clients_changed;
	d.server->clients_changed_data = &d;
	events_attach(d.server);

	activated =
	    no_activation || socket_dir
		? 0
		: adopt_activated_sockets(d.server, tcp.auth_tcp != NULL,
					  config_path ? config_path : VIRTACRND_CONFIG_FILE);
	if (activated < 0)
		return 1;
	if (!activated) {
		g_autofree char *dir = NULL;

		if (socket_dir)
			dir = g_strdup(socket_dir);
		else if (session_mode)
			dir = g_build_filename(g_get_user_runtime_dir(), "libvirt", NULL);
		else
			dir = g_strdup("/run/libvirt");
		if (!bind_sockets(&d, dir, session_mode, &error)) {
			fprintf(stderr, "virtacrnd: %s\n", error->message);
			return 1;
		}
		g_message("listening in %s", dir);
	} else {
		g_message("using %d socket(s) from systemd", activated);
	}
	if (tcp.listen_tcp && activated) {
		/* The shipped unit runs in a network namespace of its own
		 * (PrivateNetwork=yes): a socket bound here would be unreachable. */
		g_warning("listen_tcp is ignored under socket activation: enable "
			  "virtacrnd-tcp.socket instead");
	} else if (tcp.listen_tcp) {
		int n = rpc_server_listen_tcp(d.server, tcp.listen_addr, tcp.tcp_port, &error);

		if (n < 0) {
			fprintf(stderr, "virtacrnd: %s\n", error->message);
			return 1;
		}
		g_message("listening on TCP %s port %u (%d socket(s)), auth_tcp = none: no "
			  "authentication",
			  tcp.listen_addr ? tcp.listen_addr : "(every address)", tcp.tcp_port, n);
	}

	g_unix_signal_add(SIGTERM, on_signal, &d);
	g_unix_signal_add(SIGINT, on_signal, &d);
	on_clients_changed(d.server, &d);
	acrn_sd_notify("READY=1");
	g_main_loop_run(d.loop);
	acrn_sd_notify("STOPPING=1");

	for (guint i = 0; i < d.bound_paths->len; i++)
		unlink(d.bound_paths->pdata[i]);
	rpc_server_free(d.server);
	acrnd_client_free(acrnd);
	g_ptr_array_unref(d.bound_paths);
	g_main_loop_unref(d.loop);
	return 0;
}
