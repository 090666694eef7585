#include "config.h"

#include "rpc-server.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>


typedef struct {
	RpcServer *server;
	int fd;
	RpcSocketKind kind;
	GSource *source;
} RpcListener;

RpcServer *rpc_server_new(const RpcServerConfig *config, AcrndClient *acrnd)
{
	RpcServer *server = g_new0(RpcServer, 1);

	server->config = *config;
	if (!server->config.max_packet || server->config.max_packet > RPC_MESSAGE_MAX)
		server->config.max_packet = RPC_MESSAGE_MAX;
	server->acrnd = acrnd;
	server->clients = g_hash_table_new(NULL, NULL);
	server->next_client_id = 1;
	server->next_callback_id = 1;
	return server;
}

static void listener_free(RpcListener *l)
{
	g_source_destroy(l->source);
	g_source_unref(l->source);
	close(l->fd);
	g_free(l);
}

void rpc_server_free(RpcServer *server)
{
	GHashTableIter it;
	gpointer key;

	g_slist_free_full(server->listeners, (GDestroyNotify)listener_free);
	g_hash_table_iter_init(&it, server->clients);
	while (g_hash_table_iter_next(&it, &key, NULL))
		rpc_client_free(key);
	g_hash_table_unref(server->clients);
	g_free(server);
}

static gboolean uid_in_group(uid_t uid, gid_t primary, gid_t wanted)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	gid_t groups[256];
	int ngroups = G_N_ELEMENTS(groups);

	if (primary == wanted)
		return TRUE;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return FALSE;
	if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &ngroups) < 0)
		return FALSE;
	for (int i = 0; i < ngroups; i++)
		if (groups[i] == wanted)
			return TRUE;
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
	case RPC_SOCKET_RW:
		return server->config.have_rw_gid &&
		       uid_in_group(client->uid, client->gid, server->config.rw_gid);
	case RPC_SOCKET_ADMIN:
	default:
		return FALSE;
	}
}

RpcClient *rpc_server_adopt(RpcServer *server, int fd, RpcSocketKind kind)
{
	RpcClient *client = rpc_client_new(server, fd, kind);
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);

	client->id = server->next_client_id++;
	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
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
	if (server->clients_changed)
		server->clients_changed(server, server->clients_changed_data);
	return client;
}

static gboolean free_client_idle(gpointer data)
{
	rpc_client_free(data);
	return G_SOURCE_REMOVE;
}

void rpc_server_remove_client(RpcServer *server, RpcClient *client)
{
	if (!g_hash_table_remove(server->clients, client))
		return;
	/* Freed later: we may be inside one of the client's own callbacks. */
	g_idle_add(free_client_idle, client);
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
	l->source = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(l->source, G_SOURCE_FUNC(on_accept), l, NULL);
	g_source_attach(l->source, NULL);
	server->listeners = g_slist_prepend(server->listeners, l);
}

int rpc_server_bind_unix(const char *path, mode_t mode, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
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

fail_close:
	{
		int saved = errno;

		close(fd);
		errno = saved;
	}
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
		    g_strerror(errno));
	return -1;
}
