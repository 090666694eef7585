#include "config.h"

#include "rpc-server.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <libxml/parser.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dispatch.h"
#include "state-cache.h"

struct RpcListener {
	RpcServer *server;
	int fd;
	RpcSocketKind kind;
	/* NULL while accepting is paused (rpc_server_update_listening()). */
	GSource *source;
};

/* After accept() ran out of file descriptors, how long to wait before
 * trying again if no client leaves first. */
#define ACCEPT_RETRY_MS 1000

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data);

RpcServer *rpc_server_new(const RpcServerConfig *config, AcrndClient *acrnd)
{
	RpcServer *server = g_new0(RpcServer, 1);

	/* Domain XML is parsed in worker threads too: libxml2 must be
	 * initialised once from the main thread first. */
	xmlInitParser();
	server->config = *config;
	if (!server->config.max_packet || server->config.max_packet > RPC_MESSAGE_MAX)
		server->config.max_packet = RPC_MESSAGE_MAX;
	if (!server->config.max_clients)
		server->config.max_clients = RPC_DEFAULT_MAX_CLIENTS;
	if (!server->config.max_anonymous_clients)
		server->config.max_anonymous_clients = RPC_DEFAULT_MAX_ANONYMOUS_CLIENTS;
	if (!server->config.max_unprivileged_packet)
		server->config.max_unprivileged_packet = RPC_DEFAULT_MAX_UNPRIVILEGED_PACKET;
	server->config.max_unprivileged_packet =
	    MIN(server->config.max_unprivileged_packet, server->config.max_packet);
	if (!server->config.request_timeout)
		server->config.request_timeout = RPC_DEFAULT_REQUEST_TIMEOUT;
	if (!server->config.keepalive_interval)
		server->config.keepalive_interval = RPC_DEFAULT_KEEPALIVE_INTERVAL;
	if (!server->config.keepalive_count)
		server->config.keepalive_count = RPC_DEFAULT_KEEPALIVE_COUNT;
	server->acrnd = acrnd;
	server->clients = g_hash_table_new(NULL, NULL);
	server->next_client_id = 1;
	server->next_callback_id = 1;
	server->state_cache = state_cache_new();
	server->consoles =
	    g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	/* acrnd serializes operations per VM; a few threads are plenty. */
	server->workers = g_thread_pool_new(dispatch_worker, server, 8, FALSE, NULL);
	return server;
}

static void listener_stop(RpcListener *l)
{
	if (!l->source)
		return;
	g_source_destroy(l->source);
	g_clear_pointer(&l->source, g_source_unref);
}

static void listener_start(RpcListener *l)
{
	if (l->source)
		return;
	l->source = g_unix_fd_source_new(l->fd, G_IO_IN);
	g_source_set_callback(l->source, G_SOURCE_FUNC(on_accept), l, NULL);
	g_source_attach(l->source, NULL);
}

static void listener_free(RpcListener *l)
{
	listener_stop(l);
	close(l->fd);
	g_free(l);
}

static gboolean on_accept_retry(gpointer data)
{
	RpcServer *server = data;

	server->accept_retry_id = 0;
	server->fds_exhausted = FALSE;
	rpc_server_update_listening(server);
	return G_SOURCE_REMOVE;
}

/* Accepting is paused, like libvirtd does, while the server is full (the
 * connections wait in the listen backlog) and after accept() ran out of
 * file descriptors: a listener that stays readable would otherwise make
 * the main loop spin on accept() and starve everything else. */
void rpc_server_update_listening(RpcServer *server)
{
	guint anonymous = server->n_clients_anonymous;
	gboolean full = g_hash_table_size(server->clients) >= server->config.max_clients ||
			anonymous >= server->config.max_anonymous_clients;
	gboolean pause = full || server->fds_exhausted;

	if (pause != server->accept_paused) {
		if (pause)
			g_message("not accepting connections: %s",
				  server->fds_exhausted ? "out of file descriptors"
				  : anonymous >= server->config.max_anonymous_clients
				      ? "max_anonymous_clients reached"
				      : "max_clients reached");
		else
			g_message("accepting connections again");
	}
	server->accept_paused = pause;
	for (GSList *l = server->listeners; l; l = l->next) {
		if (pause)
			listener_stop(l->data);
		else
			listener_start(l->data);
	}
}

void rpc_server_free(RpcServer *server)
{
	GHashTableIter it;
	gpointer key;

	/* Let running calls finish: they use acrnd's connection. */
	g_thread_pool_free(server->workers, FALSE, TRUE);
	if (server->accept_retry_id)
		g_source_remove(server->accept_retry_id);
	g_slist_free_full(server->listeners, (GDestroyNotify)listener_free);
	g_hash_table_iter_init(&it, server->clients);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		((RpcClient *)key)->dead = TRUE;
		rpc_client_unref(key);
	}
	g_hash_table_unref(server->clients);
	g_hash_table_unref(server->consoles);
	state_cache_free(server->state_cache);
	g_free(server);
}

/* The group database's idea of the user's groups: only for kernels
 * without SO_PEERGROUPS (before 4.13). */
static gboolean uid_in_group_database(uid_t uid, gid_t wanted)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int ngroups = G_N_ELEMENTS(groups);

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return FALSE;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
		return FALSE;
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == wanted)
			return TRUE;
	return FALSE;
}

/* The same rule as acrnd's (dbus-auth.c): the groups the peer process
 * actually had when it connected, its gid plus SO_PEERGROUPS, which is
 * what dbus-daemon reports to acrnd as UnixGroupIDs.  A group given at
 * run time counts; a group the process dropped does not, whatever the
 * group database says. */
static gboolean peer_in_group(int fd, uid_t uid, gid_t primary, gid_t wanted)
{
	g_autofree gid_t *groups = NULL;
	socklen_t len = 64 * sizeof(gid_t);

	if (primary == wanted)
		return TRUE;
	for (int attempt = 0; attempt < 2; attempt++) {
		g_free(groups);
		groups = g_malloc(len ? len : sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
			for (gsize i = 0; i < len / sizeof(gid_t); i++)
				if (groups[i] == wanted)
					return TRUE;
			return FALSE;
		}
		if (errno != ERANGE)
			break;
		/* len now holds the size needed */
	}
	if (errno == ENOPROTOOPT)
		return uid_in_group_database(uid, wanted);
	return FALSE;
}

/* Like libvirtd's UNIX socket checks: the ro socket is open to everyone,
 * the rw socket to root, the daemon's own user and the configured group,
 * the admin socket to root and the daemon's own user. */
static gboolean peer_authorized(RpcServer *server, RpcClient *client)
{
	if (client->uid == 0 || client->uid == geteuid())
		return TRUE;
	switch (client->kind) {
	case RPC_SOCKET_RO:
		return TRUE;
	case RPC_SOCKET_TCP:
		/* auth_tcp = "none", the only TCP mode (main.c refuses others):
		 * whoever reaches the port is trusted, as with libvirtd. */
		return TRUE;
	case RPC_SOCKET_RW:
		return server->config.have_rw_gid && client->fd >= 0 &&
		       peer_in_group(client->fd, client->uid, client->gid, server->config.rw_gid);
	case RPC_SOCKET_ADMIN:
	default:
		return FALSE;
	}
}

/* Calls are small request/reply exchanges: without TCP_NODELAY, Nagle's
 * algorithm and the peer's delayed ACK hold a reply that follows another
 * small write for up to 40 ms.  TCP keepalive drops peers that vanished
 * without a FIN (a host that went away) even when the client did not ask
 * for libvirt's keepalive. */
static void tcp_client_setup(RpcClient *client)
{
	struct sockaddr_storage sa;
	socklen_t salen = sizeof(sa);
	char host[NI_MAXHOST] = "?", serv[NI_MAXSERV] = "?";
	int one = 1;

	setsockopt(client->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(client->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if (getpeername(client->fd, (struct sockaddr *)&sa, &salen) == 0)
		getnameinfo((struct sockaddr *)&sa, salen, host, sizeof(host), serv, sizeof(serv),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	g_message("client %" G_GUINT64_FORMAT " connected over TCP from %s port %s", client->id,
		  host, serv);
}

RpcClient *rpc_server_adopt(RpcServer *server, int fd, RpcSocketKind kind)
{
	RpcClient *client = rpc_client_new(server, fd, kind);
	struct ucred cred = {0};
	socklen_t len = sizeof(cred);

	client->id = server->next_client_id++;
	if (kind == RPC_SOCKET_TCP) {
		/* No credentials on TCP: the client stays the least privileged
		 * user for logging; peer_authorized() trusts the listener. */
		client->uid = (uid_t)-1;
		client->gid = (gid_t)-1;
		if (fd >= 0)
			tcp_client_setup(client);
	} else if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
		client->uid = cred.uid;
		client->gid = cred.gid;
		client->pid = cred.pid;
	} else {
		/* No credentials: treat as the least privileged user. */
		client->uid = (uid_t)-1;
		client->gid = (gid_t)-1;
	}
	client->authorized = peer_authorized(server, client);
	if (!client->authorized)
		g_message("client %" G_GUINT64_FORMAT " (pid %d uid %u) is not allowed on the %s "
			  "socket; every call will be refused",
			  client->id, (int)client->pid, (unsigned)client->uid,
			  kind == RPC_SOCKET_ADMIN ? "admin" : "read-write");
	g_hash_table_add(server->clients, client);
	server->n_clients_anonymous++;
	rpc_client_arm_timeout(client);
	rpc_server_update_listening(server);
	if (server->clients_changed)
		server->clients_changed(server, server->clients_changed_data);
	return client;
}

void rpc_server_client_opened(RpcServer *server, RpcClient *client, gboolean opened)
{
	if (client->opened == opened)
		return;
	client->opened = opened;
	if (client->dead)
		return;
	if (opened)
		server->n_clients_anonymous--;
	else
		server->n_clients_anonymous++;
	rpc_client_arm_timeout(client);
	rpc_server_update_listening(server);
}

static gboolean free_client_later(gpointer data)
{
	rpc_client_unref(data);
	return G_SOURCE_REMOVE;
}

void rpc_server_remove_client(RpcServer *server, RpcClient *client)
{
	GSource *source;

	if (!g_hash_table_remove(server->clients, client))
		return;
	if (!client->opened)
		server->n_clients_anonymous--;
	/* Freed later: we may be inside one of the client's own callbacks.
	 * Its socket is already closed (rpc_client_close()); the source runs
	 * at default priority so that a busy listener cannot postpone it. */
	source = g_idle_source_new();
	g_source_set_priority(source, G_PRIORITY_DEFAULT);
	g_source_set_callback(source, free_client_later, client, NULL);
	g_source_attach(source, NULL);
	g_source_unref(source);
	/* A client leaving frees a descriptor: try accepting again. */
	server->fds_exhausted = FALSE;
	rpc_server_update_listening(server);
	if (server->clients_changed)
		server->clients_changed(server, server->clients_changed_data);
}

guint rpc_server_n_clients(RpcServer *server)
{
	return g_hash_table_size(server->clients);
}

static gboolean on_accept(gint fd, GIOCondition cond, gpointer data)
{
	RpcListener *l = data;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0) {
		RpcServer *server = l->server;

		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			g_warning("accept: %s; pausing until a client leaves or for %d ms",
				  g_strerror(errno), ACCEPT_RETRY_MS);
			server->fds_exhausted = TRUE;
			if (!server->accept_retry_id)
				server->accept_retry_id =
				    g_timeout_add(ACCEPT_RETRY_MS, on_accept_retry, server);
			/* Destroys this source: nothing of l is used after it. */
			rpc_server_update_listening(server);
			return G_SOURCE_CONTINUE;
		}
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			g_warning("accept: %s", g_strerror(errno));
		return G_SOURCE_CONTINUE;
	}
	rpc_server_adopt(l->server, cfd, l->kind);
	return G_SOURCE_CONTINUE;
}

void rpc_server_add_listener(RpcServer *server, int fd, RpcSocketKind kind)
{
	RpcListener *l = g_new0(RpcListener, 1);
	int flags = fcntl(fd, F_GETFL);

	if (flags >= 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	l->server = server;
	l->fd = fd;
	l->kind = kind;
	server->listeners = g_slist_prepend(server->listeners, l);
	if (!server->accept_paused)
		listener_start(l);
}

int rpc_server_bind_unix(const char *path, mode_t mode, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "socket path too long: %s", path);
		return -1;
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		goto fail;
	/* A stale socket from a previous run would make bind() fail. */
	if (unlink(path) < 0 && errno != ENOENT)
		goto fail_close;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		goto fail_close;
	if (chmod(path, mode) < 0)
		goto fail_close;
	if (listen(fd, 128) < 0)
		goto fail_close;
	return fd;

fail_close : {
	int saved = errno;

	close(fd);
	errno = saved;
}
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
		    g_strerror(errno));
	return -1;
}

/* One listening TCP socket; -1 with errno set. */
static int bind_tcp_one(const struct addrinfo *ai)
{
	int one = 1;
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);

	if (fd < 0)
		return -1;
	/* A restart must not wait for the previous run's TIME_WAIT sockets. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	/* The IPv4 wildcard is bound separately: a dual-stack IPv6 socket
	 * would take its port and make that bind fail. */
	if (ai->ai_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0)
		goto fail;
	return fd;

fail : {
	int saved = errno;

	close(fd);
	errno = saved;
	return -1;
}
}

int rpc_server_listen_tcp(RpcServer *server, const char *addr, guint16 port, GError **error)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_ADDRCONFIG,
	};
	struct addrinfo *res = NULL;
	char service[8];
	const char *node = addr && *addr ? addr : NULL;
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	int rc, saved = 0;

	g_snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(node, service, &hints, &res);
	if (rc != 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "listen_addr '%s': %s",
			    node ? node : "(any)", gai_strerror(rc));
		return -1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int fd = bind_tcp_one(ai);

		if (fd < 0) {
			/* An address family the host lacks is no error as long
			 * as another address of the name works. */
			if (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL) {
				saved = errno;
				goto fail;
			}
			continue;
		}
		g_array_append_val(fds, fd);
	}
	if (fds->len == 0) {
		saved = EADDRNOTAVAIL;
		goto fail;
	}
	freeaddrinfo(res);
	for (guint i = 0; i < fds->len; i++)
		rpc_server_add_listener(server, g_array_index(fds, int, i), RPC_SOCKET_TCP);
	return (int)fds->len;

fail:
	freeaddrinfo(res);
	for (guint i = 0; i < fds->len; i++)
		close(g_array_index(fds, int, i));
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved), "TCP %s port %u: %s",
		    node ? node : "(any address)", port, g_strerror(saved));
	return -1;
}
