#include "config.h"

#include "xml-read.h"

#include <libxml/parser.h>
#include <string.h>

G_DEFINE_QUARK(acrn_xml_error, acrn_xml_error)

static guint line_of(const char *start, const char *p)
{
	guint line = 1;

	for (const char *q = start; q < p; q++)
		line += *q == '\n';
	return line;
}

/* Skips past @marker, or returns NULL when it is missing (malformed: left
 * to libxml2 to report). */
static const char *skip_past(const char *p, const char *end, const char *marker)
{
	const char *q = g_strstr_len(p, end - p, marker);

	return q ? q + strlen(marker) : NULL;
}

gboolean acrn_xml_check_bounds(const char *xml, gsize len, GError **error)
{
	const char *p = xml, *end = xml + len;
	guint elements = 0, depth = 0;

	if (len > ACRN_XML_MAX_BYTES) {
		g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_TOO_LARGE,
			    "XML larger than %u bytes", ACRN_XML_MAX_BYTES);
		return FALSE;
	}
	while (p < end && (p = memchr(p, '<', end - p))) {
		const char *tag = p++;
		guint attrs = 0;
		char quote = 0;

		if (end - p >= 3 && memcmp(p, "!--", 3) == 0) {
			p = skip_past(p + 3, end, "-->");
		} else if (end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
			p = skip_past(p + 8, end, "]]>");
		} else if (p < end && *p == '?') {
			p = skip_past(p + 1, end, "?>");
		} else if (p < end && *p == '!') {
			g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_DECLARATION,
				    "line %u: a DOCTYPE or other declaration is not allowed",
				    line_of(xml, tag));
			return FALSE;
		} else if (p < end && *p == '/') {
			depth -= depth > 0;
			p = memchr(p, '>', end - p);
		} else {
			if (++elements > ACRN_XML_MAX_ELEMENTS) {
				g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_TOO_LARGE,
					    "line %u: more than %u elements", line_of(xml, tag),
					    ACRN_XML_MAX_ELEMENTS);
				return FALSE;
			}
			for (; p < end; p++) {
				if (quote) {
					quote = *p == quote ? 0 : quote;
				} else if (*p == '"' || *p == '\'') {
					quote = *p;
				} else if (*p == '=') {
					if (++attrs > ACRN_XML_MAX_ATTRIBUTES) {
						g_set_error(
						    error, ACRN_XML_ERROR, ACRN_XML_ERROR_TOO_LARGE,
						    "line %u: more than %u attributes on one "
						    "element",
						    line_of(xml, tag), ACRN_XML_MAX_ATTRIBUTES);
						return FALSE;
					}
				} else if (*p == '>') {
					break;
				}
			}
			if (p >= end)
				break;
			if (p[-1] != '/' && ++depth > ACRN_XML_MAX_DEPTH) {
				g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_TOO_LARGE,
					    "line %u: elements nested more than %u deep",
					    line_of(xml, tag), ACRN_XML_MAX_DEPTH);
				return FALSE;
			}
		}
		if (!p)
			break;
	}
	return TRUE;
}

xmlDoc *acrn_xml_read(const char *xml, gssize len, GError **error)
{
	xmlDoc *doc;

	if (len < 0)
		len = (gssize)strlen(xml);
	if (!acrn_xml_check_bounds(xml, (gsize)len, error))
		return NULL;
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		g_autofree char *msg = g_strdup(e && e->message ? e->message : "parse error");

		g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_MALFORMED, "line %d: %s",
			    e ? e->line : 0, g_strstrip(msg));
		return NULL;
	}
	if (doc->intSubset || doc->extSubset) {
		/* Not reachable after the scan; kept as the last line of defence. */
		xmlFreeDoc(doc);
		g_set_error(error, ACRN_XML_ERROR, ACRN_XML_ERROR_DECLARATION,
			    "a DOCTYPE is not allowed");
		return NULL;
	}
	return doc;
}

const char *const acrn_xml_domain_singletons[] = {
    "name",	 "uuid",	   "title", "description", "metadata",	"memory",   "currentMemory",
    "vcpu",	 "cputune",	   "os",    "on_poweroff", "on_reboot", "on_crash", "devices",
    "features",	 "clock",	   "cpu",   "pm",	   "resource",	"sysinfo",  "memoryBacking",
    "iothreads", "on_lockfailure", NULL,
};

const char *const acrn_xml_os_singletons[] = {
    "type", "kernel", "initrd", "cmdline", "loader", "bootmenu", "smbios", "bios", NULL,
};

const char *acrn_xml_duplicate_child(xmlNode *parent, const char *const *names)
{
	guint n = g_strv_length((char **)names);
	g_autofree gboolean *seen = g_new0(gboolean, n + 1);

	for (xmlNode *c = parent->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (guint i = 0; i < n; i++) {
			if (strcmp((const char *)c->name, names[i]) != 0)
				continue;
			if (seen[i])
				return names[i];
			seen[i] = TRUE;
			break;
		}
	}
	return NULL;
}
