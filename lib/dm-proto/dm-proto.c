/* Flat-JSON encoding of control protocol messages. */
#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "dm-proto.h"

void acrn_json_append_string(GString *s, const char *v)
{
	g_string_append_c(s, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		switch (*p) {
		case '"':
			g_string_append(s, "\\\"");
			break;
		case '\\':
			g_string_append(s, "\\\\");
			break;
		case '\n':
			g_string_append(s, "\\n");
			break;
		case '\r':
			g_string_append(s, "\\r");
			break;
		case '\t':
			g_string_append(s, "\\t");
			break;
		default:
			if (*p < 0x20)
				g_string_append_printf(s, "\\u%04x", *p);
			else
				g_string_append_c(s, (char)*p);
		}
	}
	g_string_append_c(s, '"');
}

static const char *const event_names[] = {
    [ACRN_DM_EVENT_UNKNOWN] = "unknown",
    [ACRN_DM_EVENT_HELLO] = "hello",
    [ACRN_DM_EVENT_STARTED] = "started",
    [ACRN_DM_EVENT_PAUSED] = "paused",
    [ACRN_DM_EVENT_RESUMED] = "resumed",
    [ACRN_DM_EVENT_SUSPENDED] = "suspended",
    [ACRN_DM_EVENT_WOKEN] = "woken",
    [ACRN_DM_EVENT_RESET] = "reset",
    [ACRN_DM_EVENT_POWEROFF] = "poweroff",
    [ACRN_DM_EVENT_REBOOT] = "reboot",
    [ACRN_DM_EVENT_CRASH] = "crash",
    [ACRN_DM_EVENT_START_FAILED] = "start-failed",
    [ACRN_DM_EVENT_PROTOCOL_ERROR] = "protocol-error",
};

AcrnDmEvent acrn_dm_event_parse(const char *name)
{
	for (guint i = ACRN_DM_EVENT_UNKNOWN + 1; name && i < G_N_ELEMENTS(event_names); i++)
		if (strcmp(name, event_names[i]) == 0)
			return (AcrnDmEvent)i;
	return ACRN_DM_EVENT_UNKNOWN;
}

const char *acrn_dm_event_name(AcrnDmEvent event)
{
	return (guint)event < G_N_ELEMENTS(event_names) ? event_names[event] : "unknown";
}

char *acrn_dm_proto_encode(GVariant *msg, GError **error)
{
	g_autoptr(GString) s = g_string_new("{");
	GVariantIter iter;
	const char *key;
	GVariant *value;
	gboolean first = TRUE;

	g_return_val_if_fail(g_variant_is_of_type(msg, G_VARIANT_TYPE_VARDICT), NULL);
	g_variant_iter_init(&iter, msg);
	while (g_variant_iter_loop(&iter, "{&sv}", &key, &value)) {
		if (!first)
			g_string_append_c(s, ',');
		first = FALSE;
		acrn_json_append_string(s, key);
		g_string_append_c(s, ':');
		if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
			const char *str = g_variant_get_string(value, NULL);

			acrn_json_append_string(s, str);
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
			g_string_append(s, g_variant_get_boolean(value) ? "true" : "false");
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT64)) {
			g_string_append_printf(s, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_INT32)) {
			g_string_append_printf(s, "%d", g_variant_get_int32(value));
		} else if (g_variant_is_of_type(value, G_VARIANT_TYPE_UINT32)) {
			g_string_append_printf(s, "%u", g_variant_get_uint32(value));
		} else {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "key '%s': type '%s' cannot be sent", key,
				    g_variant_get_type_string(value));
			g_variant_unref(value);
			return NULL;
		}
	}
	g_string_append_c(s, '}');
	if (s->len >= ACRN_DM_PROTO_MAX_LINE) {
		/* The device model would drop it and the caller wait for a
		 * reply that never comes. */
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "message of %zu bytes exceeds the control protocol's line limit "
			    "(%d bytes)",
			    s->len, ACRN_DM_PROTO_MAX_LINE - 1);
		return NULL;
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

typedef struct {
	const char *p;
	const char *start;
	GError **error;
} Parser;

static gboolean fail(Parser *ps, const char *what)
{
	g_set_error(ps->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
		    "malformed message at byte %ld: %s", (long)(ps->p - ps->start), what);
	return FALSE;
}

static void skip_ws(Parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		ps->p++;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = g_ascii_xdigit_value(p[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static gboolean parse_string(Parser *ps, char **out)
{
	g_autoptr(GString) s = g_string_new(NULL);

	if (*ps->p != '"')
		return fail(ps, "expected a string");
	ps->p++;
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '\0')
			return fail(ps, "unterminated string");
		if (c < 0x20)
			return fail(ps, "control character in string");
		ps->p++;
		if (c == '"')
			break;
		if (c != '\\') {
			g_string_append_c(s, (char)c);
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			g_string_append_c(s, (char)c);
			break;
		case 'b':
			g_string_append_c(s, '\b');
			break;
		case 'f':
			g_string_append_c(s, '\f');
			break;
		case 'n':
			g_string_append_c(s, '\n');
			break;
		case 'r':
			g_string_append_c(s, '\r');
			break;
		case 't':
			g_string_append_c(s, '\t');
			break;
		case 'u': {
			int cp = hex4(ps->p);

			if (cp < 0)
				return fail(ps, "bad \\u escape");
			ps->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo = ps->p[0] == '\\' && ps->p[1] == 'u' ? hex4(ps->p + 2) : -1;

				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(ps, "unpaired surrogate");
				ps->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(ps, "unpaired surrogate");
			}
			if (cp == 0)
				return fail(ps, "NUL in string");
			g_string_append_unichar(s, (gunichar)cp);
			break;
		}
		default:
			return fail(ps, "bad escape");
		}
	}
	if (!g_utf8_validate(s->str, (gssize)s->len, NULL))
		return fail(ps, "string is not UTF-8");
	*out = g_string_free(g_steal_pointer(&s), FALSE);
	return TRUE;
}

static gboolean parse_value(Parser *ps, GVariant **out)
{
	char *str;

	switch (*ps->p) {
	case '"':
		if (!parse_string(ps, &str))
			return FALSE;
		*out = g_variant_new_take_string(str);
		return TRUE;
	case 't':
		if (strncmp(ps->p, "true", 4) != 0)
			return fail(ps, "bad literal");
		ps->p += 4;
		*out = g_variant_new_boolean(TRUE);
		return TRUE;
	case 'f':
		if (strncmp(ps->p, "false", 5) != 0)
			return fail(ps, "bad literal");
		ps->p += 5;
		*out = g_variant_new_boolean(FALSE);
		return TRUE;
	case '{':
	case '[':
		return fail(ps, "nested objects and arrays are not part of the protocol");
	case 'n':
		return fail(ps, "null is not part of the protocol");
	default: {
		const char *b = ps->p;
		g_autofree char *num = NULL;
		gint64 v;

		if (*ps->p == '-')
			ps->p++;
		if (!g_ascii_isdigit(*ps->p))
			return fail(ps, "expected a value");
		if (*ps->p == '0' && g_ascii_isdigit(ps->p[1]))
			return fail(ps, "leading zero");
		while (g_ascii_isdigit(*ps->p))
			ps->p++;
		if (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E')
			return fail(ps, "only integers are part of the protocol");
		num = g_strndup(b, (gsize)(ps->p - b));
		if (!g_ascii_string_to_signed(num, 10, G_MININT64, G_MAXINT64, &v, NULL))
			return fail(ps, "integer out of range");
		*out = g_variant_new_int64(v);
		return TRUE;
	}
	}
}

GVariant *acrn_dm_proto_decode(const char *line, GError **error)
{
	Parser ps = {line, line, error};
	g_auto(GVariantDict) dict;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_variant_dict_init(&dict, NULL);
	if (strlen(line) >= ACRN_DM_PROTO_MAX_LINE) {
		fail(&ps, "line too long");
		return NULL;
	}
	skip_ws(&ps);
	if (*ps.p != '{') {
		fail(&ps, "expected '{'");
		return NULL;
	}
	ps.p++;
	skip_ws(&ps);
	if (*ps.p == '}') {
		ps.p++;
	} else {
		for (;;) {
			char *key;
			GVariant *value;

			skip_ws(&ps);
			if (!parse_string(&ps, &key))
				return NULL;
			if (g_hash_table_contains(seen, key)) {
				g_free(key);
				fail(&ps, "duplicate key");
				return NULL;
			}
			g_hash_table_add(seen, key);
			skip_ws(&ps);
			if (*ps.p != ':') {
				fail(&ps, "expected ':'");
				return NULL;
			}
			ps.p++;
			skip_ws(&ps);
			if (!parse_value(&ps, &value))
				return NULL;
			g_variant_dict_insert_value(&dict, key, value);
			skip_ws(&ps);
			if (*ps.p == ',') {
				ps.p++;
				continue;
			}
			if (*ps.p == '}') {
				ps.p++;
				break;
			}
			fail(&ps, "expected ',' or '}'");
			return NULL;
		}
	}
	skip_ws(&ps);
	if (*ps.p) {
		fail(&ps, "trailing data");
		return NULL;
	}
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

const char *acrn_dm_proto_get_str(GVariant *msg, const char *key, const char *fallback)
{
	const char *v;

	if (!msg || !g_variant_lookup(msg, key, "&s", &v))
		return fallback;
	return v;
}

gint64 acrn_dm_proto_get_int(GVariant *msg, const char *key, gint64 fallback)
{
	gint64 v;

	if (!msg || !g_variant_lookup(msg, key, "x", &v))
		return fallback;
	return v;
}

gboolean acrn_dm_proto_get_bool(GVariant *msg, const char *key, gboolean fallback)
{
	gboolean v;

	if (!msg || !g_variant_lookup(msg, key, "b", &v))
		return fallback;
	return v;
}

/* SIGRTMIN+4 is systemd's "power off gracefully" request: `machinectl
 * poweroff` sends it to a machine's leader.  GLib cannot watch real-time
 * signals, so a handler writes the signal to a pipe that the main loop
 * watches (write() is async-signal-safe; any thread may take it). */
static int poweroff_pipe[2] = {-1, -1};

static void on_rt_poweroff_signal(int signo)
{
	int saved = errno;
	char c = 1;

	if (write(poweroff_pipe[1], &c, 1) < 0) {
		/* Full pipe: a press is pending anyway. */
	}
	errno = saved;
}

typedef struct {
	GSourceFunc fn;
	gpointer data;
} RtPoweroff;

static gboolean on_poweroff_pipe(int fd, GIOCondition cond, gpointer data)
{
	RtPoweroff *w = data;
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	w->fn(w->data);
	return G_SOURCE_CONTINUE;
}

guint acrn_dm_proto_add_poweroff_signal_watch(GSourceFunc fn, gpointer data)
{
	struct sigaction sa = {0};
	RtPoweroff *w;

	if (poweroff_pipe[0] < 0 && !g_unix_open_pipe(poweroff_pipe, FD_CLOEXEC, NULL))
		return 0;
	g_unix_set_fd_nonblocking(poweroff_pipe[0], TRUE, NULL);
	g_unix_set_fd_nonblocking(poweroff_pipe[1], TRUE, NULL);
	sa.sa_handler = on_rt_poweroff_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGRTMIN + 4, &sa, NULL) != 0)
		return 0;
	w = g_new0(RtPoweroff, 1);
	w->fn = fn;
	w->data = data;
	return g_unix_fd_add_full(G_PRIORITY_DEFAULT, poweroff_pipe[0], G_IO_IN, on_poweroff_pipe,
				  w, g_free);
}
