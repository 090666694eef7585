/* The shared UUID parser: the forms acrnd and virtacrnd accept. */
#include "config.h"

#include "acrn-uuid.h"

static void test_forms(void)
{
	static const char *const good[] = {
	    "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b01",
	    "6F1C2B1E-8A55-4C0E-9A59-0F4C9A7B9B01",
	    "6f1c2b1e8a554c0e9a590f4c9a7b9b01",
	};
	static const char *const bad[] = {
	    "",
	    "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b0",
	    "6f1c2b1e-8a554c0e-9a59-0f4c9a7b9b01-",
	    "6f1c-2b1e8a55-4c0e-9a59-0f4c9a7b9b01",
	    "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b0g",
	    "{6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b01}",
	    "6f1c2b1e8a554c0e9a590f4c9a7b9b01 ",
	};
	guint8 u[16];
	char s[ACRN_UUID_STRING_LEN];

	for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
		g_assert_true(acrn_uuid_parse(good[i], u));
		acrn_uuid_format(u, s);
		g_assert_cmpstr(s, ==, "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b01");
	}
	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_false(acrn_uuid_parse(bad[i], u));
	g_assert_false(acrn_uuid_parse(NULL, u));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/uuid/forms", test_forms);
	return g_test_run();
}
