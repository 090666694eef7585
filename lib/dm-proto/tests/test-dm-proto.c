/* Unit tests of the control protocol's strict flat-JSON codec. */
#include "config.h"

#include <string.h>

#include "dm-proto.h"

static void test_round_trip(void)
{
	GVariantBuilder b;
	g_autoptr(GVariant) msg = NULL;
	g_autoptr(GVariant) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = NULL;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "id", g_variant_new_int64(42));
	g_variant_builder_add(&b, "{sv}", "request", g_variant_new_string("blkrescan"));
	g_variant_builder_add(&b, "{sv}", "path", g_variant_new_string("/a \"b\"\\\n\x01é"));
	g_variant_builder_add(&b, "{sv}", "ok", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&b, "{sv}", "neg", g_variant_new_int64(-7));
	msg = g_variant_ref_sink(g_variant_builder_end(&b));
	line = acrn_dm_proto_encode(msg, &error);
	g_assert_no_error(error);
	g_assert_null(strchr(line, '\n')); /* one message, one line */
	back = acrn_dm_proto_decode(line, &error);
	g_assert_no_error(error);
	g_assert_cmpint(acrn_dm_proto_get_int(back, "id", 0), ==, 42);
	g_assert_cmpint(acrn_dm_proto_get_int(back, "neg", 0), ==, -7);
	g_assert_cmpstr(acrn_dm_proto_get_str(back, "path", NULL), ==, "/a \"b\"\\\n\x01é");
	g_assert_true(acrn_dm_proto_get_bool(back, "ok", FALSE));
	/* Wrong type or absent: the fallback. */
	g_assert_cmpint(acrn_dm_proto_get_int(back, "path", -1), ==, -1);
	g_assert_null(acrn_dm_proto_get_str(back, "missing", NULL));
}

static void test_accepts(void)
{
	const char *good[] = {"{}", " { \"a\" : 1 , \"b\":\"\\u00e9\\ud83d\\ude00\" } ",
			      "{\"x\":false}", "{\"e\":\"\\/\\b\\f\\r\\t\"}"};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) v = acrn_dm_proto_decode(good[i], &error);

		g_assert_no_error(error);
		g_assert_nonnull(v);
	}
}

static void test_rejects(void)
{
	const char *bad[] = {
	    "",
	    "[]",
	    "{\"a\":1",
	    "{\"a\":1}x",
	    "{\"a\":{\"b\":1}}",
	    "{\"a\":[1]}",
	    "{\"a\":null}",
	    "{\"a\":1.5}",
	    "{\"a\":1e3}",
	    "{\"a\":01}",
	    "{\"a\":99999999999999999999}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":\"\\ud800\"}",
	    "{\"a\":\"\\u0000\"}",
	    "{\"a\":\"\x01\"}",
	    "{\"a\":1,\"a\":2}",
	    "{a:1}",
	    "{\"a\" 1}",
	    "{\"a\":tru}",
	    "{\"a\":\"\xff\"}",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) v = acrn_dm_proto_decode(bad[i], &error);

		if (v)
			g_error("accepted: %s", bad[i]);
		g_assert_nonnull(error);
	}
}

static void test_too_long(void)
{
	g_autofree char *line = g_malloc(ACRN_DM_PROTO_MAX_LINE + 10);
	g_autoptr(GError) error = NULL;
	GVariant *v;

	memset(line, ' ', ACRN_DM_PROTO_MAX_LINE + 9);
	line[0] = '{';
	line[ACRN_DM_PROTO_MAX_LINE + 8] = '}';
	line[ACRN_DM_PROTO_MAX_LINE + 9] = '\0';
	v = acrn_dm_proto_decode(line, &error);
	g_assert_null(v);
	g_assert_nonnull(error);
	g_clear_error(&error);

	/* The encoder never produces a line the other side must drop. */
	{
		g_autofree char *big = g_strnfill(ACRN_DM_PROTO_MAX_LINE, 'x');
		GVariantDict d;
		g_autoptr(GVariant) msg = NULL;
		g_autofree char *out = NULL;

		g_variant_dict_init(&d, NULL);
		g_variant_dict_insert(&d, "path", "s", big);
		msg = g_variant_ref_sink(g_variant_dict_end(&d));
		out = acrn_dm_proto_encode(msg, &error);
		g_assert_null(out);
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
	}
}

static void test_encode_rejects_types(void)
{
	GVariantBuilder b;
	g_autoptr(GVariant) msg = NULL;
	g_autoptr(GError) error = NULL;
	char *line;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "d", g_variant_new_double(1.5));
	msg = g_variant_ref_sink(g_variant_builder_end(&b));
	line = acrn_dm_proto_encode(msg, &error);
	g_assert_null(line);
	g_assert_nonnull(error);
}

static void test_json_string(void)
{
	g_autoptr(GString) out = g_string_new(NULL);

	acrn_json_append_string(out, "a\"b\\c\n\r\t\x01\x1f \xc3\xa9/");
	g_assert_cmpstr(out->str, ==, "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u001f \xc3\xa9/\"");
	g_string_truncate(out, 0);
	acrn_json_append_string(out, "");
	g_assert_cmpstr(out->str, ==, "\"\"");
}

static void test_event_names(void)
{
	const char *names[] = {"hello",	    "started", "paused",       "resumed",
			       "suspended", "woken",   "reset",	       "poweroff",
			       "reboot",    "crash",   "start-failed", "protocol-error"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		AcrnDmEvent ev = acrn_dm_event_parse(names[i]);

		g_assert_cmpint(ev, !=, ACRN_DM_EVENT_UNKNOWN);
		g_assert_cmpstr(acrn_dm_event_name(ev), ==, names[i]);
	}
	g_assert_cmpint(acrn_dm_event_parse("Started"), ==, ACRN_DM_EVENT_UNKNOWN);
	g_assert_cmpint(acrn_dm_event_parse("poweroff "), ==, ACRN_DM_EVENT_UNKNOWN);
	g_assert_cmpint(acrn_dm_event_parse(""), ==, ACRN_DM_EVENT_UNKNOWN);
	g_assert_cmpint(acrn_dm_event_parse(NULL), ==, ACRN_DM_EVENT_UNKNOWN);
	g_assert_cmpstr(acrn_dm_event_name((AcrnDmEvent)1000), ==, "unknown");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dm-proto/round-trip", test_round_trip);
	g_test_add_func("/dm-proto/accepts", test_accepts);
	g_test_add_func("/dm-proto/rejects", test_rejects);
	g_test_add_func("/dm-proto/too-long", test_too_long);
	g_test_add_func("/dm-proto/encode-rejects-types", test_encode_rejects_types);
	g_test_add_func("/dm-proto/event-names", test_event_names);
	g_test_add_func("/dm-proto/json-string", test_json_string);
	return g_test_run();
}
