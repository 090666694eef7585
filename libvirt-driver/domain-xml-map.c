/* The parts of a stock client's domain XML (Nova's, virt-install's) whose
 * meaning is finer than "acrnd's schema has it" or "ignore it": each one is
 * either what acrn-dm does anyway (kept quiet), dropped with a warning that
 * says what the guest will not get, or refused when running the VM without
 * it would be wrong.  See docs/vm-definition.md, "Through virtacrnd". */
#include "config.h"

#include "domain-xml-map.h"

#include <stdarg.h>
#include <string.h>

#include "rpc-error.h"

static gboolean is_elem(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       (!name || xmlStrEqual(n->name, (const xmlChar *)name));
}

static char *prop(xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
	char *out = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return out;
}

static void note(GPtrArray *ignored, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(GPtrArray *ignored, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_warning("domain XML: %s", msg);
	if (ignored)
		g_ptr_array_add(ignored, msg);
	else
		g_free(msg);
}

static void unlink_free(xmlNode *n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* <features>: acrn-dm always builds ACPI tables and gives each vCPU a local
 * APIC, and a 64-bit guest has PAE; the rest is not there. */
static void map_features(xmlNode *features, GPtrArray *ignored)
{
	static const char *const provided[] = {"acpi", "apic", "pae", NULL};

	for (xmlNode *c = features->children; c; c = c->next)
		if (is_elem(c, NULL) && !g_strv_contains(provided, (const char *)c->name))
			note(ignored, "<features><%s> dropped: acrn-dm does not provide it",
			     c->name);
	unlink_free(features);
}

/* <clock>: acrn-dm's RTC counts UTC.  Another offset would give the guest
 * the wrong time, so it is refused; timer tuning has no counterpart. */
static gboolean map_clock(xmlNode *clock, GPtrArray *ignored, GError **error)
{
	g_autofree char *offset = prop(clock, "offset");

	if (offset && strcmp(offset, "utc") != 0) {
		virt_error_set(error, VIR_ERR_CONFIG_UNSUPPORTED,
			       "<clock offset='%s'> is not supported: acrn-dm's RTC runs in UTC "
			       "(only offset 'utc')",
			       offset);
		return FALSE;
	}
	for (xmlNode *c = clock->children; c; c = c->next) {
		g_autofree char *name = NULL, *present = NULL;

		if (!is_elem(c, "timer"))
			continue;
		name = prop(c, "name");
		present = prop(c, "present");
		/* acrn-dm has no HPET: exactly what present='no' asks for */
		if (g_strcmp0(name, "hpet") == 0 && g_strcmp0(present, "no") == 0)
			continue;
		note(ignored,
		     "<clock><timer name='%s'> dropped: acrn-dm's PIT and RTC have no tick "
		     "policy and it has no other timers",
		     name ? name : "");
	}
	unlink_free(clock);
	return TRUE;
}

/* <disk>: the device and its image are acrnd's; cache and I/O tuning are
 * not: acrn-dm reads and writes through the Service VM's page cache and
 * honours the guest's flushes. */
static gboolean map_disk(xmlNode *disk, GPtrArray *ignored, GError **error)
{
	static const char *const kept_children[] = {"source",	"target",  "driver",
						    "readonly", "address", NULL};
	static const char *const refused[] = {"encryption", "auth", "mirror", NULL};
	static const char *const driver_kept[] = {"name", "type", NULL};

	for (xmlNode *c = disk->children, *next; c; c = next) {
		next = c->next;
		if (!is_elem(c, NULL))
			continue;
		if (g_strv_contains(refused, (const char *)c->name)) {
			virt_error_set(error, VIR_ERR_CONFIG_UNSUPPORTED,
				       "<disk><%s> is not supported by ACRN", c->name);
			return FALSE;
		}
		if (is_elem(c, "driver")) {
			for (xmlAttr *a = c->properties, *an; a; a = an) {
				g_autofree char *v = NULL;

				an = a->next;
				if (g_strv_contains(driver_kept, (const char *)a->name))
					continue;
				v = prop(c, (const char *)a->name);
				note(ignored,
				     "<disk><driver %s='%s'> dropped: acrn-dm has no disk "
				     "cache or I/O modes (it uses the Service VM's page cache "
				     "and honours guest flushes)",
				     a->name, v ? v : "");
				xmlRemoveProp(a);
			}
		} else if (!g_strv_contains(kept_children, (const char *)c->name)) {
			note(ignored, "<disk><%s> dropped: not supported by acrn-dm's virtio-blk",
			     c->name);
			unlink_free(c);
		}
	}
	return TRUE;
}

static void map_interface(xmlNode *iface, GPtrArray *ignored)
{
	static const char *const kept[] = {"source", "target", "mac", "model", "address", NULL};

	for (xmlNode *c = iface->children, *next; c; c = next) {
		next = c->next;
		if (is_elem(c, NULL) && !g_strv_contains(kept, (const char *)c->name)) {
			note(ignored,
			     "<interface><%s> dropped: not supported by acrn-dm's virtio-net",
			     c->name);
			unlink_free(c);
		}
	}
}

/* <serial>/<console> <log file>: libvirt copies a pty's output to a file
 * (Nova's console.log); acrn-dm's COM1 has one backend, the pty. */
static void map_char_log(xmlNode *chr, GPtrArray *ignored)
{
	for (xmlNode *c = chr->children, *next; c; c = next) {
		g_autofree char *file = NULL;

		next = c->next;
		if (!is_elem(c, "log"))
			continue;
		file = prop(c, "file");
		note(ignored,
		     "<%s><log file='%s'> dropped: acrn-dm's COM1 has one backend, so the "
		     "guest's console output is not also written to that file",
		     chr->name, file ? file : "");
		unlink_free(c);
	}
}

/* <rng>: acrn-dm's virtio-rnd (acrnd checks the model and backend); it
 * cannot limit the guest's rate. */
static void map_rng(xmlNode *rng, GPtrArray *ignored)
{
	for (xmlNode *c = rng->children, *next; c; c = next) {
		next = c->next;
		if (is_elem(c, "rate")) {
			note(ignored, "<rng><rate> dropped: acrn-dm's virtio-rnd has no rate "
				      "limit");
			unlink_free(c);
		}
	}
}

static void map_quiet_devices(xmlNode *devices)
{
	for (xmlNode *c = devices->children, *next; c; c = next) {
		g_autofree char *type = NULL, *model = NULL;

		next = c->next;
		if (!is_elem(c, "controller") && !is_elem(c, "memballoon"))
			continue;
		type = prop(c, "type");
		model = prop(c, "model");
		/* "no USB controller" / "no balloon": what acrn-dm has */
		if (g_strcmp0(model, "none") == 0 &&
		    (is_elem(c, "memballoon") || g_strcmp0(type, "usb") == 0))
			unlink_free(c);
	}
}

gboolean domain_xml_map_extras(xmlNode *root, GPtrArray *ignored, GError **error)
{
	for (xmlNode *c = root->children, *next; c; c = next) {
		next = c->next;
		if (is_elem(c, "features"))
			map_features(c, ignored);
		else if (is_elem(c, "clock") && !map_clock(c, ignored, error))
			return FALSE;
	}
	for (xmlNode *devices = root->children; devices; devices = devices->next) {
		if (!is_elem(devices, "devices"))
			continue;
		map_quiet_devices(devices);
		for (xmlNode *c = devices->children; c; c = c->next) {
			if (is_elem(c, "disk") && !map_disk(c, ignored, error))
				return FALSE;
			if (is_elem(c, "interface"))
				map_interface(c, ignored);
			else if (is_elem(c, "serial") || is_elem(c, "console"))
				map_char_log(c, ignored);
			else if (is_elem(c, "rng"))
				map_rng(c, ignored);
		}
	}
	return TRUE;
}
