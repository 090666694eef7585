#include "config.h"

#include "domain-xml.h"
#include "domain-xml-map.h"
#include "xml-read.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "rpc-error.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

typedef enum {
	XML_PASS,   /* acrnd's schema has it */
	XML_IGNORE, /* stock clients send it; nothing to do for ACRN */
} XmlAction;

typedef struct {
	const char *name;
	XmlAction action;
} XmlRule;

static const XmlRule domain_rules[] = {
    {"name", XML_PASS},
    {"uuid", XML_PASS},
    {"title", XML_PASS},
    {"description", XML_PASS},
    {"metadata", XML_PASS},
    {"memory", XML_PASS},
    {"currentMemory", XML_PASS},
    {"vcpu", XML_PASS},
    {"cputune", XML_PASS},
    {"os", XML_PASS},
    {"on_poweroff", XML_PASS},
    {"on_reboot", XML_PASS},
    {"on_crash", XML_PASS},
    {"devices", XML_PASS},
    {"sysinfo", XML_IGNORE},
    {"features", XML_IGNORE},
    {"clock", XML_IGNORE},
    {"cpu", XML_IGNORE},
    {"pm", XML_IGNORE},
    {"resource", XML_IGNORE},
    {"seclabel", XML_IGNORE},
    {"memoryBacking", XML_IGNORE},
    {"iothreads", XML_IGNORE},
    {"on_lockfailure", XML_IGNORE},
    {NULL, 0},
};

static const XmlRule os_rules[] = {
    {"type", XML_PASS},	      {"kernel", XML_PASS},
    {"initrd", XML_PASS},     {"cmdline", XML_PASS},
    {"loader", XML_PASS},     {"boot", XML_IGNORE},
    {"bootmenu", XML_IGNORE}, {"smbios", XML_IGNORE},
    {"bios", XML_IGNORE},     {NULL, 0},
};

static const XmlRule devices_rules[] = {
    {"disk", XML_PASS},
    {"interface", XML_PASS},
    {"serial", XML_PASS},
    {"console", XML_PASS},
    {"emulator", XML_IGNORE},
    {"controller", XML_IGNORE},
    {"input", XML_IGNORE},
    {"graphics", XML_IGNORE},
    {"video", XML_IGNORE},
    {"memballoon", XML_IGNORE},
    {"rng", XML_PASS},
    {"channel", XML_IGNORE},
    {NULL, 0},
};

static const XmlRule *find_rule(const XmlRule *rules, const xmlChar *name)
{
	for (; rules->name; rules++)
		if (xmlStrEqual(name, (const xmlChar *)rules->name))
			return rules;
	return NULL;
}

/* Drops ignorable children of `parent` and fails on unknown ones. */
static gboolean filter_children(xmlNode *parent, const char *where, const XmlRule *rules,
				GPtrArray *ignored, GError **error)
{
	xmlNode *c = parent->children;

	while (c) {
		xmlNode *next = c->next;
		const XmlRule *rule;

		if (c->type != XML_ELEMENT_NODE) {
			c = next;
			continue;
		}
		rule = find_rule(rules, c->name);
		if (!rule) {
			virt_error_set(error, VIR_ERR_CONFIG_UNSUPPORTED,
				       "element <%s> in <%s> is not supported by ACRN", c->name,
				       where);
			return FALSE;
		}
		if (rule->action == XML_IGNORE) {
			g_autofree char *what = g_strdup_printf("<%s><%s>", where, c->name);

			g_warning("domain XML: ignoring %s (no meaning for ACRN)", what);
			if (ignored)
				g_ptr_array_add(ignored, g_steal_pointer(&what));
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		c = next;
	}
	return TRUE;
}

/* acrnd refuses these too; the error here is libvirt's kind. */
static gboolean no_duplicates(xmlNode *parent, const char *where, const char *const *names,
			      GError **error)
{
	const char *dup = acrn_xml_duplicate_child(parent, names);

	if (dup)
		virt_error_set(error, VIR_ERR_XML_ERROR, "<%s> has more than one <%s>", where, dup);
	return !dup;
}

static xmlNode *child(xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)name))
			return c;
	return NULL;
}

static xmlDoc *parse(const char *xml, GError **error)
{
	g_autoptr(GError) xerr = NULL;
	/* Bounded before parsing, no network access, no DTD or entities: the
	 * XML comes from any client allowed on the socket. */
	xmlDoc *doc = acrn_xml_read(xml, -1, &xerr);

	if (!doc)
		virt_error_set(error, VIR_ERR_XML_ERROR, "%s%s",
			       g_error_matches(xerr, ACRN_XML_ERROR, ACRN_XML_ERROR_MALFORMED)
				   ? "malformed XML: "
				   : "domain XML refused: ",
			       xerr->message);
	return doc;
}

static char *serialize(xmlDoc *doc)
{
	xmlChar *buf = NULL;
	int len = 0;
	char *out;

	xmlDocDumpFormatMemory(doc, &buf, &len, 0);
	/* Drop the <?xml ...?> declaration: libvirt XML never carries one. */
	out = g_strdup((const char *)buf);
	xmlFree(buf);
	if (g_str_has_prefix(out, "<?xml")) {
		char *end = strstr(out, "?>");

		if (end) {
			char *rest = g_strdup(end + 2 + (end[2] == '\n'));

			g_free(out);
			out = rest;
		}
	}
	return out;
}

/* acrnd keeps autostart in the definition (<metadata><acrn:autostart>);
 * libvirt keeps it out of the XML.  Dropped from what clients see, and
 * from what they define, so that defining an old dump cannot change it
 * (acrnd keeps the current setting when the definition has none).  Other
 * acrn metadata (<acrn:host-shutdown>) is part of the definition and
 * round-trips, like any application's metadata in libvirt. */
#define ACRN_NAMESPACE "urn:acrn:domain:1"

static void strip_acrn_metadata(xmlNode *root)
{
	xmlNode *metadata = child(root, "metadata");
	gboolean left = FALSE;

	if (!metadata)
		return;
	for (xmlNode *c = metadata->children, *next; c; c = next) {
		next = c->next;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (c->ns && xmlStrEqual(c->ns->href, (const xmlChar *)ACRN_NAMESPACE) &&
		    xmlStrEqual(c->name, (const xmlChar *)"autostart")) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else {
			left = TRUE;
		}
	}
	if (!left) {
		xmlUnlinkNode(metadata);
		xmlFreeNode(metadata);
	}
}

static gboolean is_pty(xmlNode *n)
{
	g_autofree xmlChar *type = xmlGetProp(n, (const xmlChar *)"type");

	return type && xmlStrEqual(type, (const xmlChar *)"pty");
}

static xmlNode *pty_serial(xmlNode *devices)
{
	for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)"serial"))
			return is_pty(c) ? c : NULL;
	return NULL;
}

static void remove_children(xmlNode *n, const char *name)
{
	for (xmlNode *c = n->children, *next; c; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, (const xmlChar *)name)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

/* What for_client() adds is not part of the definition: removed from what
 * clients define (they send back the live XML, e.g. Nova on resume). */
static void strip_client_console(xmlNode *root)
{
	xmlNode *devices = child(root, "devices");
	xmlNode *serial = pty_serial(devices);

	if (!serial)
		return;
	remove_children(serial, "source");
	remove_children(serial, "alias");
	for (xmlNode *c = devices->children, *next; c; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE &&
		    xmlStrEqual(c->name, (const xmlChar *)"console") && is_pty(c)) {
			/* libvirt's mirror of the serial port */
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
	}
}

static void add_client_console(xmlNode *root, const char *pty)
{
	xmlNode *devices = child(root, "devices");
	xmlNode *serial = pty_serial(devices);
	xmlNode *console, *target;

	if (!serial)
		return;
	strip_client_console(root);
	console = xmlNewNode(NULL, (const xmlChar *)"console");
	xmlSetProp(console, (const xmlChar *)"type", (const xmlChar *)"pty");
	if (pty && *pty) {
		xmlNode *src = xmlNewNode(NULL, (const xmlChar *)"source");

		xmlSetProp(src, (const xmlChar *)"path", (const xmlChar *)pty);
		if (serial->children)
			xmlAddPrevSibling(serial->children, src);
		else
			xmlAddChild(serial, src);
		xmlSetProp(console, (const xmlChar *)"tty", (const xmlChar *)pty);
		xmlNewChild(console, NULL, (const xmlChar *)"source", NULL);
		xmlSetProp(console->children, (const xmlChar *)"path", (const xmlChar *)pty);
	}
	target = xmlNewChild(console, NULL, (const xmlChar *)"target", NULL);
	xmlSetProp(target, (const xmlChar *)"type", (const xmlChar *)"serial");
	xmlSetProp(target, (const xmlChar *)"port", (const xmlChar *)"0");
	xmlAddNextSibling(serial, console);
}

char *domain_xml_for_acrnd(const char *xml, GPtrArray *ignored, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root, *os, *devices;
	g_autofree xmlChar *type = NULL;

	doc = parse(xml, error);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (!root || !xmlStrEqual(root->name, (const xmlChar *)"domain")) {
		virt_error_set(error, VIR_ERR_XML_ERROR, "root element must be <domain>, not <%s>",
			       root ? (const char *)root->name : "");
		return NULL;
	}
	type = xmlGetProp(root, (const xmlChar *)"type");
	if (!type) {
		virt_error_set(error, VIR_ERR_XML_ERROR, "<domain> has no type attribute");
		return NULL;
	}
	/* Stock Nova can only say kvm/qemu (its virt_type choices); those
	 * definitions run on ACRN. */
	if (xmlStrEqual(type, (const xmlChar *)"kvm") || xmlStrEqual(type, (const xmlChar *)"qemu"))
		xmlSetProp(root, (const xmlChar *)"type", (const xmlChar *)"acrn");
	else if (!xmlStrEqual(type, (const xmlChar *)"acrn")) {
		virt_error_set(error, VIR_ERR_CONFIG_UNSUPPORTED,
			       "<domain type='%s'>: only 'acrn', 'kvm' and 'qemu' are supported",
			       type);
		return NULL;
	}
	if (!domain_xml_map_extras(root, ignored, error) ||
	    !filter_children(root, "domain", domain_rules, ignored, error) ||
	    !no_duplicates(root, "domain", acrn_xml_domain_singletons, error))
		return NULL;
	os = child(root, "os");
	if (os && (!filter_children(os, "os", os_rules, ignored, error) ||
		   !no_duplicates(os, "os", acrn_xml_os_singletons, error)))
		return NULL;
	devices = child(root, "devices");
	if (devices && !filter_children(devices, "devices", devices_rules, ignored, error))
		return NULL;
	strip_acrn_metadata(root);
	strip_client_console(root);
	return serialize(doc);
}

char *domain_xml_for_client(const char *acrnd_xml, int id, const char *pty, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	xmlNode *root;

	if (id < 0 && !strstr(acrnd_xml, ACRN_NAMESPACE) && !strstr(acrnd_xml, "pty"))
		return g_strdup(acrnd_xml);
	doc = parse(acrnd_xml, error);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (root) {
		strip_acrn_metadata(root);
		add_client_console(root, id >= 0 ? pty : NULL);
		if (id >= 0) {
			g_autofree char *s = g_strdup_printf("%d", id);

			xmlSetProp(root, (const xmlChar *)"id", (const xmlChar *)s);
		}
	}
	return serialize(doc);
}

/* The definition without runtime decoration, in one serialization, so
 * that two documents can be compared. */
static char *normalized(const char *xml)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) error = NULL;
	xmlNode *root;

	doc = parse(xml, &error);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (root) {
		xmlUnsetProp(root, (const xmlChar *)"id");
		strip_acrn_metadata(root);
		strip_client_console(root);
	}
	return serialize(doc);
}

gboolean domain_xml_same_definition(const char *a, const char *b)
{
	g_autofree char *na = normalized(a);
	g_autofree char *nb = normalized(b);

	return na && nb && strcmp(na, nb) == 0;
}

char *domain_xml_get_name(const char *xml)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) error = NULL;
	xmlNode *root, *n;
	xmlChar *content;
	char *out;

	doc = parse(xml, &error);
	if (!doc || !(root = xmlDocGetRootElement(doc)) || !(n = child(root, "name")))
		return NULL;
	content = xmlNodeGetContent(n);
	out = g_strstrip(g_strdup((const char *)content));
	xmlFree(content);
	return out;
}

char *domain_xml_get_identity(const char *xml, gboolean *is_uuid)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(GError) error = NULL;
	xmlNode *root, *n;

	doc = parse(xml, &error);
	if (!doc || !(root = xmlDocGetRootElement(doc)))
		return NULL;
	*is_uuid = TRUE;
	n = child(root, "uuid");
	if (!n) {
		*is_uuid = FALSE;
		n = child(root, "name");
	}
	if (!n)
		return NULL;
	{
		xmlChar *content = xmlNodeGetContent(n);
		char *out = g_strstrip(g_strdup((const char *)content));

		xmlFree(content);
		return out;
	}
}

char *domain_xml_set_child(const char *xml, const char *name, const char *unit, const char *text,
			   GError **error)
{
	g_autoptr(xmlDoc) doc = parse(xml, error);
	xmlNode *root, *n;

	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	n = child(root, name);
	if (!n)
		n = xmlNewChild(root, NULL, (const xmlChar *)name, NULL);
	xmlNodeSetContent(n, (const xmlChar *)text);
	if (unit)
		xmlSetProp(n, (const xmlChar *)"unit", (const xmlChar *)unit);
	return serialize(doc);
}

void domain_disk_free(DomainDisk *disk)
{
	g_free(disk->target);
	g_free(disk->source);
	g_free(disk);
}

GPtrArray *domain_xml_disks(const char *xml)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(xmlDoc) doc = parse(xml, &error);
	GPtrArray *disks = g_ptr_array_new_with_free_func((GDestroyNotify)domain_disk_free);
	xmlNode *devices;

	if (!doc || !(devices = child(xmlDocGetRootElement(doc), "devices")))
		return disks;
	for (xmlNode *d = devices->children; d; d = d->next) {
		xmlNode *source, *target;
		g_autofree xmlChar *dev = NULL, *src = NULL;
		DomainDisk *disk;

		if (d->type != XML_ELEMENT_NODE || !xmlStrEqual(d->name, (const xmlChar *)"disk"))
			continue;
		source = child(d, "source");
		target = child(d, "target");
		if (source) {
			src = xmlGetProp(source, (const xmlChar *)"file");
			if (!src)
				src = xmlGetProp(source, (const xmlChar *)"dev");
		}
		if (target)
			dev = xmlGetProp(target, (const xmlChar *)"dev");
		if (!src)
			continue;
		disk = g_new0(DomainDisk, 1);
		disk->source = g_strdup((const char *)src);
		disk->target = g_strdup(dev ? (const char *)dev : "");
		g_ptr_array_add(disks, disk);
	}
	return disks;
}

char *domain_xml_disk_source(const char *xml, const char *path)
{
	g_autoptr(GPtrArray) disks = domain_xml_disks(xml);

	for (guint i = 0; i < disks->len; i++) {
		DomainDisk *disk = disks->pdata[i];

		if (strcmp(disk->target, path) == 0 || strcmp(disk->source, path) == 0)
			return g_strdup(disk->source);
	}
	return NULL;
}
