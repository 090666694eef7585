/* The two argv mappings of libacrn-vmdef against each other: for every
 * valid golden definition, definition -> acrn-dm argv -> definition ->
 * argv gives the same argv again, so acrnctl's importer and acrnd's
 * launcher (and acrn-dm, which parses the same argv) agree. */
#include "config.h"

#include <string.h>

#include "dm-argv-to-def.h"
#include "vm-definition.h"

static void test_roundtrip(void)
{
	const char *dir = g_test_get_dir(G_TEST_DIST);
	g_autofree char *data = g_build_filename(dir, "data", NULL);
	g_autoptr(GDir) d = g_dir_open(data, 0, NULL);
	const char *f;
	guint n = 0;

	g_assert_nonnull(d);
	while ((f = g_dir_read_name(d))) {
		g_autofree char *path = NULL, *xml = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(AcrnVmDef) def = NULL, back = NULL;
		g_auto(GStrv) argv = NULL, again = NULL;
		AcrnDmArgvOptions opts = {"/usr/bin/acrn-dm", NULL};

		if (!g_str_has_suffix(f, ".xml") || g_str_has_prefix(f, "err-"))
			continue;
		path = g_build_filename(data, f, NULL);
		g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
		def = acrn_vm_def_parse(xml, -1, &error);
		g_assert_no_error(error);
		argv = acrn_vm_def_to_dm_argv(def, &opts, &error);
		g_assert_no_error(error);
		DmArgvToDefOptions import = {.uuid = def->uuid};

		back = dm_argv_to_def((const char *const *)argv, &import, NULL, &error);
		if (!back) {
			/* Only what a definition cannot express may be refused. */
			g_assert_error(error, DM_ARGV_ERROR, DM_ARGV_ERROR_UNSUPPORTED);
			g_test_message("%s: not importable: %s", f, error->message);
			continue;
		}
		again = acrn_vm_def_to_dm_argv(back, &opts, &error);
		g_assert_no_error(error);
		if (!g_strv_equal((const char *const *)argv, (const char *const *)again)) {
			g_autofree char *a = g_strjoinv(" ", argv), *b = g_strjoinv(" ", again);

			g_error("%s: argv changed in the round trip:\n  %s\n  %s", f, a, b);
		}
		n++;
	}
	g_assert_cmpuint(n, >=, 10);
}

/* The error domains' names are what their sources say, not what clang-format
 * made of a dashed name ("dm - argv - error - quark"). */
static void test_error_domain_names(void)
{
	g_assert_cmpstr(g_quark_to_string(DM_ARGV_ERROR), ==, "dm_argv_error_quark");
	g_assert_cmpstr(g_quark_to_string(ACRN_VM_DEF_ERROR), ==, "acrn_vm_def_error_quark");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vmdef/argv-roundtrip", test_roundtrip);
	g_test_add_func("/vmdef/error-domain-names", test_error_domain_names);
	return g_test_run();
}
