/* Domain XML between libvirt clients and acrnd's VM definition subset
 * (acrnd/vm-definition.h).  On define, elements that stock clients (Nova,
 * virt-install) always send but that mean nothing for acrn-dm are dropped
 * with a warning, elements we cannot honour are refused with an error
 * naming them, and the rest goes to acrnd, which validates the details. */
#pragma once

#include <glib.h>

/* Largest domain XML accepted from a client (acrnd's own limit). */
#define DOMAIN_XML_MAX (1024 * 1024)

/* Returns the XML to pass to acrnd's DefineVM/CreateVM, or NULL with a
 * libvirt error (VIR_ERR_XML_ERROR, VIR_ERR_CONFIG_UNSUPPORTED).  Dropped
 * elements are appended to `ignored` (if not NULL) and logged. */
char *domain_xml_for_acrnd(const char *xml, GPtrArray *ignored, GError **error);

/* The XML to show a client for acrnd's stored definition: the live id
 * attribute on <domain> when `id` >= 0; the <console> libvirt shows for a
 * pty <serial>; with the running VM's `pty` (may be NULL) its path as
 * <source path> and the console's tty attribute (virsh ttyconsole). */
char *domain_xml_for_client(const char *acrnd_xml, int id, const char *pty, GError **error);

/* TRUE when both documents describe the same definition (ignoring the live
 * id attribute and formatting differences libxml2 normalizes). */
gboolean domain_xml_same_definition(const char *a, const char *b);
/* The <uuid> (or, without one, the <name>) of a domain XML document. */
char *domain_xml_get_identity(const char *xml, gboolean *is_uuid);
/* The <name> of a domain XML document, NULL without one. */
char *domain_xml_get_name(const char *xml);
/* A copy of acrnd's definition with <domain>'s child @name set to @text
 * (created if missing), its unit attribute set when @unit is given. */
char *domain_xml_set_child(const char *xml, const char *name, const char *unit, const char *text,
			   GError **error);
/* A <disk> of a definition: its <target dev> ("" if none) and source. */
typedef struct {
	char *target;
	char *source;
} DomainDisk;

void domain_disk_free(DomainDisk *disk);
/* The disks of @xml that have a source (file or dev), in order. */
GPtrArray *domain_xml_disks(const char *xml);
/* The source (file or dev) of the disk whose <target dev> or source is
 * @path, or NULL. */
char *domain_xml_disk_source(const char *xml, const char *path);
