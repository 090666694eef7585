/* The one hardened way acrnd and virtacrnd read XML from clients: size,
 * element, attribute and depth bounds are checked by a linear scan before
 * libxml2 sees the text (libxml2's duplicate-attribute check is quadratic
 * in the attributes of one element), and declarations (DOCTYPE, entities)
 * are refused outright. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#define ACRN_XML_MAX_BYTES	(1024 * 1024)
#define ACRN_XML_MAX_ELEMENTS	10000
#define ACRN_XML_MAX_ATTRIBUTES 32 /* on one element */
#define ACRN_XML_MAX_DEPTH	64

#define ACRN_XML_ERROR (acrn_xml_error_quark())
GQuark acrn_xml_error_quark(void);

typedef enum {
	ACRN_XML_ERROR_TOO_LARGE, /* one of the bounds above */
	ACRN_XML_ERROR_DECLARATION,
	ACRN_XML_ERROR_MALFORMED,
} AcrnXmlError;

/* Checks the bounds only (exposed for tests). */
gboolean acrn_xml_check_bounds(const char *xml, gsize len, GError **error);

/* Parses @xml (@len bytes, or NUL-terminated if negative) without network
 * access or entity expansion; NULL with an error message that names the
 * line. */
xmlDoc *acrn_xml_read(const char *xml, gssize len, GError **error);

/* The first name in @names (NULL-terminated) of which @parent has more
 * than one element child, or NULL.  Definitions must not carry two
 * <memory>s: which one counts would depend on the reader. */
const char *acrn_xml_duplicate_child(xmlNode *parent, const char *const *names);

/* Children that may appear once in <domain> and in <os>. */
extern const char *const acrn_xml_domain_singletons[];
extern const char *const acrn_xml_os_singletons[];
