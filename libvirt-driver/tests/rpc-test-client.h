/* A minimal libvirt RPC client for the in-process tests: it drives the
 * real server code over a socketpair and iterates the GLib main loop
 * while it waits for answers. */
#pragma once

#include <glib.h>

#include "rpc-framing.h"
#include "rpc-server.h"

typedef struct {
	RpcServer *server;
	int fd; /* our end */
	guint32 serial;
} TestConn;

/* Connects a new client of `kind` to `server`. */
void test_conn_open(TestConn *t, RpcServer *server, RpcSocketKind kind);
void test_conn_close(TestConn *t);
/* Sends raw bytes. */
void test_conn_send_raw(TestConn *t, const void *data, gsize len);
/* Sends a CALL of the remote program with `args` (may be NULL). */
guint32 test_conn_call(TestConn *t, int proc, const GByteArray *args);
/* Waits for the next packet; FALSE when the server closed the connection. */
gboolean test_conn_read(TestConn *t, RpcHeader *hdr, GByteArray **payload);
/* Call + wait for its reply; returns the payload (NULL when the connection
 * dropped), and the reply status. */
GByteArray *test_conn_rpc(TestConn *t, int proc, const GByteArray *args, int *status);
/* Decodes the code of an error reply payload. */
int test_error_code(const GByteArray *payload, char **message);
