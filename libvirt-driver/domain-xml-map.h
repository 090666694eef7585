/* Finer mapping of what stock clients (Nova, virt-install) put in a domain
 * XML beyond acrnd's schema: <features>, <clock>, disk driver tuning,
 * interface and rng extras, a serial port's <log>.  Part of
 * domain_xml_for_acrnd() (domain-xml.h). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

/* Rewrites @root (a <domain>) in place: drops what acrn-dm does anyway
 * silently, drops what the guest will not get with a warning (logged and
 * appended to @ignored when not NULL), and fails with a libvirt error
 * (VIR_ERR_CONFIG_UNSUPPORTED) where dropping would make the VM wrong,
 * e.g. <clock offset='localtime'>. */
gboolean domain_xml_map_extras(xmlNode *root, GPtrArray *ignored, GError **error);
