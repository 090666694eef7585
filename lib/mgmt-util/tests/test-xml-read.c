/* The hardened XML reader: documents within the bounds parse; documents
 * that would make libxml2's cost explode are refused by the linear scan
 * (issue 13, item 4: 90,000 attributes on one element took libxml2 ~49 s). */
#include "config.h"

#include <string.h>

#include "xml-read.h"

static char *repeat(const char *head, const char *unit, guint n, const char *tail)
{
	GString *s = g_string_new(head);

	for (guint i = 0; i < n; i++)
		g_string_append_printf(s, unit, i);
	g_string_append(s, tail);
	return g_string_free(s, FALSE);
}

static void assert_refused(const char *xml, AcrnXmlError code, const char *needle)
{
	g_autoptr(GError) error = NULL;
	xmlDoc *doc = acrn_xml_read(xml, -1, &error);

	g_assert_null(doc);
	g_assert_error(error, ACRN_XML_ERROR, (gint)code);
	if (!strstr(error->message, needle))
		g_error("'%s' does not contain '%s'", error->message, needle);
}

static void assert_parses(const char *xml)
{
	g_autoptr(GError) error = NULL;
	xmlDoc *doc = acrn_xml_read(xml, -1, &error);

	g_assert_no_error(error);
	g_assert_nonnull(doc);
	xmlFreeDoc(doc);
}

static void test_attributes(void)
{
	g_autofree char *many = repeat("<domain ", "a%u='' ", 90000, "/>");
	g_autofree char *limit = repeat("<domain ", "a%u='' ", ACRN_XML_MAX_ATTRIBUTES, "/>");
	g_autofree char *over = repeat("<domain ", "a%u='' ", ACRN_XML_MAX_ATTRIBUTES + 1, "/>");

	g_assert_cmpuint(strlen(many), <, ACRN_XML_MAX_BYTES);
	assert_refused(many, ACRN_XML_ERROR_TOO_LARGE, "line 1: more than 32 attributes");
	assert_parses(limit);
	assert_refused(over, ACRN_XML_ERROR_TOO_LARGE, "attributes on one element");
	/* '=' and '>' inside quoted values are not attributes or tag ends. */
	assert_parses("<d a='x=y=z>' b=\"'=>=\"><e c='/'/></d>");
}

static void test_elements_and_depth(void)
{
	g_autofree char *many = repeat("<d>", "<e/>", ACRN_XML_MAX_ELEMENTS, "</d>");
	g_autofree char *fit = repeat("<d>", "<e/>", ACRN_XML_MAX_ELEMENTS - 1, "</d>");
	g_autofree char *deep = repeat("", "<e>", ACRN_XML_MAX_DEPTH + 1, "");
	g_autofree char *ok_open = repeat("", "<e>", ACRN_XML_MAX_DEPTH, "");
	g_autofree char *ok_close = repeat("", "</e>", ACRN_XML_MAX_DEPTH, "");
	g_autofree char *ok_deep = g_strconcat(ok_open, ok_close, NULL);

	assert_refused(many, ACRN_XML_ERROR_TOO_LARGE, "more than 10000 elements");
	assert_parses(fit);
	assert_refused(deep, ACRN_XML_ERROR_TOO_LARGE, "nested more than 64 deep");
	assert_parses(ok_deep);
	/* siblings do not add depth */
	{
		g_autofree char *wide = repeat("<d>", "<e><f/></e>", 3000, "</d>");

		assert_parses(wide);
	}
}

static void test_declarations_and_markup(void)
{
	g_autofree char *big = g_malloc(ACRN_XML_MAX_BYTES + 2);

	assert_refused("<!DOCTYPE d [<!ENTITY e 'x'>]><d>&e;</d>", ACRN_XML_ERROR_DECLARATION,
		       "DOCTYPE");
	assert_refused("<?xml version='1.0'?>\n<!DOCTYPE d><d/>", ACRN_XML_ERROR_DECLARATION,
		       "line 2");
	/* Comments, CDATA and processing instructions are skipped whole. */
	assert_parses("<?xml version='1.0'?><d><!-- <x a='1' b='2'> --><![CDATA[<<<'\"]]>"
		      "<?pi <e>?></d>");
	assert_refused("<d><e></d>", ACRN_XML_ERROR_MALFORMED, "line 1");
	assert_refused("<d a='1", ACRN_XML_ERROR_MALFORMED, "line");
	memset(big, ' ', ACRN_XML_MAX_BYTES + 1);
	big[ACRN_XML_MAX_BYTES + 1] = '\0';
	assert_refused(big, ACRN_XML_ERROR_TOO_LARGE, "larger than");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/xml-read/attributes", test_attributes);
	g_test_add_func("/xml-read/elements-and-depth", test_elements_and_depth);
	g_test_add_func("/xml-read/declarations-and-markup", test_declarations_and_markup);
	return g_test_run();
}
