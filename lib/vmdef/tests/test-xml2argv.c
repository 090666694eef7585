/* Golden-file tests of the definition -> acrn-dm argv conversion, in the
 * style of libvirt's xml2argv tests:
 *   data/NAME.xml + data/NAME.args   parses, converts to exactly these
 *                                    arguments (one per line), and
 *                                    survives an XML round trip
 *   data/NAME.xml + data/NAME.err    fails with exactly this message
 * ACRN_TEST_REGENERATE=1 rewrites the .args files (run by hand only). */
#include "config.h"

#include <string.h>

#include "vm-definition.h"

#define DM_PATH "/usr/bin/acrn-dm"

static char *data_path(const char *name, const char *ext)
{
	g_autofree char *file = g_strconcat(name, ext, NULL);

	return g_test_build_filename(G_TEST_DIST, "data", file, NULL);
}

static char *argv_text(const AcrnVmDef *def, GError **error)
{
	g_autofree char *sock = g_strdup_printf("/run/acrn/%s.sock", def->uuid);
	AcrnDmArgvOptions opts = {DM_PATH, sock};
	g_auto(GStrv) argv = acrn_vm_def_to_dm_argv(def, &opts, error);
	g_autofree char *joined = NULL;

	if (!argv)
		return NULL;
	joined = g_strjoinv("\n", argv);
	return g_strconcat(joined, "\n", NULL);
}

static void test_success(gconstpointer data)
{
	const char *name = data;
	g_autofree char *xml_path = data_path(name, ".xml");
	g_autofree char *args_path = data_path(name, ".args");
	g_autofree char *xml = NULL, *expected = NULL, *actual = NULL;
	g_autofree char *canon = NULL, *canon2 = NULL, *actual2 = NULL;
	g_autoptr(AcrnVmDef) def = NULL;
	g_autoptr(AcrnVmDef) def2 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(xml_path, &xml, NULL, NULL));
	def = acrn_vm_def_parse(xml, -1, &error);
	g_assert_no_error(error);
	actual = argv_text(def, &error);
	g_assert_no_error(error);
	if (g_getenv("ACRN_TEST_REGENERATE")) {
		g_assert_true(g_file_set_contents(args_path, actual, -1, NULL));
		return;
	}
	g_assert_true(g_file_get_contents(args_path, &expected, NULL, NULL));
	g_assert_cmpstr(actual, ==, expected);

	/* Canonical XML parses back to the same definition (same argv, same
	 * canonical text). */
	canon = acrn_vm_def_to_xml(def);
	def2 = acrn_vm_def_parse(canon, -1, &error);
	g_assert_no_error(error);
	g_assert_false(def2->uuid_generated);
	canon2 = acrn_vm_def_to_xml(def2);
	g_assert_cmpstr(canon, ==, canon2);
	actual2 = argv_text(def2, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(actual2, ==, expected);
}

static void test_failure(gconstpointer data)
{
	const char *name = data;
	g_autofree char *xml_path = data_path(name, ".xml");
	g_autofree char *err_path = data_path(name, ".err");
	g_autofree char *xml = NULL, *expected = NULL;
	g_autoptr(AcrnVmDef) def = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) argv = NULL;

	g_assert_true(g_file_get_contents(xml_path, &xml, NULL, NULL));
	g_assert_true(g_file_get_contents(err_path, &expected, NULL, NULL));
	g_strchomp(expected);
	def = acrn_vm_def_parse(xml, -1, &error);
	if (def) {
		/* Some errors (PCI slot conflicts) appear only when building argv. */
		AcrnDmArgvOptions opts = {DM_PATH, NULL};

		argv = acrn_vm_def_to_dm_argv(def, &opts, &error);
		g_assert_null(argv);
	}
	g_assert_nonnull(error);
	g_assert_true(error->domain == ACRN_VM_DEF_ERROR);
	g_assert_cmpstr(error->message, ==, expected);
}

static void test_generated_uuid(void)
{
	g_autoptr(AcrnVmDef) def = NULL;
	g_autoptr(GError) error = NULL;
	char hex[33];

	def = acrn_vm_def_parse("<domain type='acrn'><name>g</name><memory unit='MiB'>128"
				"</memory><os><kernel>/k</kernel></os></domain>",
				-1, &error);
	g_assert_no_error(error);
	g_assert_true(def->uuid_generated);
	g_assert_cmpuint(strlen(def->uuid), ==, 36);
	acrn_vm_uuid_to_hex32(def->uuid, hex);
	g_assert_cmpuint(strlen(hex), ==, 32);
	g_assert_false(def->autostart);
	g_assert_cmpint(def->on_reboot, ==, ACRN_VM_ACTION_RESTART);
}

/* The per-VM host shutdown policy: parsed, defaulted, and kept by the
 * canonical XML. */
static void test_host_shutdown(void)
{
	g_autofree char *path = data_path("host-shutdown", ".xml");
	g_autofree char *xml = NULL, *canon = NULL;
	g_autoptr(AcrnVmDef) def = NULL;
	g_autoptr(AcrnVmDef) def2 = NULL;
	g_autoptr(AcrnVmDef) plain = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
	def = acrn_vm_def_parse(xml, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(def->host_shutdown, ==, ACRN_VM_HOST_SHUTDOWN_LEAVE);
	g_assert_cmpuint(def->host_shutdown_timeout_sec, ==, 120);
	canon = acrn_vm_def_to_xml(def);
	g_assert_nonnull(strstr(canon, "action='leave' timeout='120'"));
	def2 = acrn_vm_def_parse(canon, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(def2->host_shutdown, ==, ACRN_VM_HOST_SHUTDOWN_LEAVE);
	g_assert_cmpuint(def2->host_shutdown_timeout_sec, ==, 120);

	plain = acrn_vm_def_parse("<domain type='acrn'><name>g</name><memory unit='MiB'>128"
				  "</memory><os><kernel>/k</kernel></os></domain>",
				  -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(plain->host_shutdown, ==, ACRN_VM_HOST_SHUTDOWN_DEFAULT);
	g_assert_cmpuint(plain->host_shutdown_timeout_sec, ==, 0);
	g_free(canon);
	canon = acrn_vm_def_to_xml(plain);
	g_assert_null(strstr(canon, "host-shutdown"));
}

static void test_uuid_forms(void)
{
	char out[37];

	g_assert_true(acrn_vm_uuid_normalize("6F1C2B1E8A554C0E9A590F4C9A7B9B02", out));
	g_assert_cmpstr(out, ==, "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b02");
	g_assert_true(acrn_vm_uuid_normalize("6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b02", out));
	g_assert_false(acrn_vm_uuid_normalize("6f1c2b1e8-a55-4c0e-9a59-0f4c9a7b9b02", out));
	g_assert_false(acrn_vm_uuid_normalize("6f1c2b1e", out));
	g_assert_false(acrn_vm_uuid_normalize("zf1c2b1e8a554c0e9a590f4c9a7b9b02", out));
}

static void test_huge_and_garbage(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *big = g_malloc(2 * 1024 * 1024);
	AcrnVmDef *def;

	memset(big, ' ', 2 * 1024 * 1024 - 1);
	big[2 * 1024 * 1024 - 1] = '\0';
	def = acrn_vm_def_parse(big, -1, &error);
	g_assert_null(def);
	g_assert_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_XML);
	g_clear_error(&error);
	/* Entities must not expand into anything outside the document. */
	def = acrn_vm_def_parse("<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
				"<domain type='acrn'><name>&e;</name></domain>",
				-1, &error);
	g_assert_null(def);
	g_assert_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_XML);
	g_clear_error(&error);
	/* "Billion laughs": rejected before any entity is expanded. */
	def = acrn_vm_def_parse("<!DOCTYPE d [<!ENTITY a 'aaaaaaaaaa'>"
				"<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
				"<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>"
				"<!ENTITY d '&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;'>]>"
				"<domain type='acrn'><name>x</name><description>&d;&d;&d;"
				"</description><memory unit='MiB'>256</memory>"
				"<os><kernel>/k</kernel></os></domain>",
				-1, &error);
	g_assert_null(def);
	g_assert_error(error, ACRN_VM_DEF_ERROR, ACRN_VM_DEF_ERROR_XML);
	g_clear_error(&error);
	/* A harmless DOCTYPE is refused too: definitions never need one. */
	def = acrn_vm_def_parse("<!DOCTYPE domain><domain type='acrn'><name>x</name>"
				"<memory unit='MiB'>256</memory><os><kernel>/k</kernel></os>"
				"</domain>",
				-1, &error);
	g_assert_null(def);
	g_assert_nonnull(strstr(error->message, "DOCTYPE"));
}

int main(int argc, char **argv)
{
	g_autoptr(GDir) dir = NULL;
	g_autofree char *data_dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *entry;

	g_test_init(&argc, &argv, NULL);
	data_dir = g_test_build_filename(G_TEST_DIST, "data", NULL);
	dir = g_dir_open(data_dir, 0, NULL);
	g_assert_nonnull(dir);
	while ((entry = g_dir_read_name(dir)))
		if (g_str_has_suffix(entry, ".xml"))
			g_ptr_array_add(names, g_strndup(entry, strlen(entry) - 4));
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *err = data_path(name, ".err");
		g_autofree char *path = NULL;

		if (g_file_test(err, G_FILE_TEST_EXISTS)) {
			path = g_strdup_printf("/xml2argv/fail/%s", name);
			g_test_add_data_func(path, name, test_failure);
		} else {
			path = g_strdup_printf("/xml2argv/ok/%s", name);
			g_test_add_data_func(path, name, test_success);
		}
	}
	g_test_add_func("/vmdef/generated-uuid", test_generated_uuid);
	g_test_add_func("/vmdef/uuid-forms", test_uuid_forms);
	g_test_add_func("/vmdef/host-shutdown", test_host_shutdown);
	g_test_add_func("/vmdef/huge-and-garbage", test_huge_and_garbage);
	return g_test_run();
}
