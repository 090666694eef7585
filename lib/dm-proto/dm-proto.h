/* Wire format of the acrnd <-> acrn-dm control protocol
 * (docs/dm-control-protocol.md): one flat JSON object per line.
 *
 * Messages are represented as GVariant dictionaries (a{sv}); values are
 * strings (s), booleans (b) or integers (x).  Nested objects, arrays,
 * fractions and null are rejected: the protocol never uses them, and a
 * strict parser keeps a later acrn-dm implementation honest. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define ACRN_DM_PROTOCOL_VERSION 1
/* Longest line either side accepts, newline included. */
#define ACRN_DM_PROTO_MAX_LINE 65536

/* Exit codes of acrn-dm that carry meaning for acrnd. */
enum {
	ACRN_DM_EXIT_POWEROFF = 0, /* guest S5, stop or force-stop request */
	ACRN_DM_EXIT_FAILURE = 1,  /* startup failure or internal error */
	ACRN_DM_EXIT_USAGE = 2,	   /* bad command line */
	ACRN_DM_EXIT_REBOOT = 3,   /* guest asked for a reboot */
	ACRN_DM_EXIT_CRASH = 4,	   /* guest crashed (e.g. triple fault) */
};

/* The events acrn-dm sends (docs/dm-control-protocol.md, "Events"),
 * parsed once where a message arrives so that no one else compares event
 * names.  Names the protocol does not define are ACRN_DM_EVENT_UNKNOWN. */
typedef enum {
	ACRN_DM_EVENT_UNKNOWN,
	ACRN_DM_EVENT_HELLO,
	ACRN_DM_EVENT_STARTED,
	ACRN_DM_EVENT_PAUSED,
	ACRN_DM_EVENT_RESUMED,
	ACRN_DM_EVENT_SUSPENDED,
	ACRN_DM_EVENT_WOKEN,
	ACRN_DM_EVENT_RESET,
	ACRN_DM_EVENT_POWEROFF,
	ACRN_DM_EVENT_REBOOT,
	ACRN_DM_EVENT_CRASH,
	ACRN_DM_EVENT_START_FAILED,
	ACRN_DM_EVENT_PROTOCOL_ERROR,
} AcrnDmEvent;

AcrnDmEvent acrn_dm_event_parse(const char *name);
/* The wire name of @event ("unknown" for ACRN_DM_EVENT_UNKNOWN). */
const char *acrn_dm_event_name(AcrnDmEvent event);

/* Append @v as a JSON string: quoted, with '"', '\\' and control
 * characters escaped; other bytes (UTF-8) as they are. */
void acrn_json_append_string(GString *out, const char *v);

/* Serialize @msg (a{sv}) as one JSON line without the trailing newline.
 * Returns NULL (and sets @error) for value types outside the protocol. */
char *acrn_dm_proto_encode(GVariant *msg, GError **error);

/* Parse one line (without newline) into a floating-free a{sv} GVariant. */
GVariant *acrn_dm_proto_decode(const char *line, GError **error);

/* Convenience lookups; return the fallback when absent or of another type. */
const char *acrn_dm_proto_get_str(GVariant *msg, const char *key, const char *fallback);
gint64 acrn_dm_proto_get_int(GVariant *msg, const char *key, gint64 fallback);
gboolean acrn_dm_proto_get_bool(GVariant *msg, const char *key, gboolean fallback);

/* The device model's end of docs/dm-control-protocol.md's signals, shared by
 * acrn-dm and its stand-in: call @fn(@data) on the main loop for each
 * SIGRTMIN+4 (systemd's "power off gracefully", sent by `machinectl
 * poweroff`).  One watch per process; 0 on failure. */
guint acrn_dm_proto_add_poweroff_signal_watch(GSourceFunc fn, gpointer data);

G_END_DECLS
