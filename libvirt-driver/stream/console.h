/* A console stream: the bytes of a VM's serial console pty relayed over a
 * libvirt stream (STREAM packets that reuse the serial of the opening
 * DOMAIN_OPEN_CONSOLE call). */
#pragma once

#include <glib.h>

#include "rpc-client.h"

/* Opens the pty at `pty_path` of the VM `uuid` for `client`; the stream
 * uses the proc and serial of `call`.  One console per VM across all
 * clients, like libvirt: while another is open this fails unless `force`,
 * which ends the other one.  Fails with a libvirt error. */
ConsoleStream *console_stream_open(RpcClient *client, const RpcHeader *call, const guint8 uuid[16],
				   const char *pty_path, gboolean force, GError **error);
/* Starts relaying (after the reply to the opening call was queued). */
void console_stream_start(ConsoleStream *stream);
gboolean console_stream_matches(const ConsoleStream *stream, const RpcHeader *hdr);
void console_stream_handle_packet(ConsoleStream *stream, const RpcHeader *hdr,
				  const guint8 *payload, gsize len);
void console_stream_free(ConsoleStream *stream);
