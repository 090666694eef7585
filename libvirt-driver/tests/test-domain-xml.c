/* Domain XML filtering between libvirt clients and acrnd. */
#include "config.h"

#include <libvirt/virterror.h>
#include <string.h>

#include "domain-xml.h"
#include "rpc-error.h"

/* What Debian's Nova 26 generates with virt_type=kvm,
 * plus a direct-boot kernel so that acrnd can run it. */
static const char nova_xml[] =
    "<domain type=\"kvm\">\n"
    "  <uuid>0f6d4b8e-3c2a-4b5e-9a61-2f1e7c9d8b10</uuid>\n"
    "  <name>instance-00000001</name>\n"
    "  <memory>524288</memory>\n"
    "  <vcpu>2</vcpu>\n"
    "  <metadata><nova:instance xmlns:nova=\"http://openstack.org/xmlns/libvirt/nova/1.1\">"
    "<nova:name>vm</nova:name></nova:instance></metadata>\n"
    "  <sysinfo type=\"smbios\"><system><entry name=\"manufacturer\">OpenStack Foundation"
    "</entry></system></sysinfo>\n"
    "  <os><type arch=\"x86_64\" machine=\"pc\">hvm</type><kernel>/boot/vmlinuz</kernel>"
    "<boot dev=\"hd\"/><smbios mode=\"sysinfo\"/></os>\n"
    "  <features><acpi/><apic/><vmcoreinfo/></features>\n"
    "  <clock offset=\"utc\"><timer name=\"pit\" tickpolicy=\"delay\"/></clock>\n"
    "  <cpu mode=\"host-model\" match=\"exact\"><topology sockets=\"2\" cores=\"1\" "
    "threads=\"1\"/></cpu>\n"
    "  <devices>\n"
    "    <disk type=\"file\" device=\"disk\"><driver name=\"qemu\" type=\"raw\" "
    "cache=\"none\"/><source file=\"/var/lib/nova/instances/x/disk\"/>"
    "<target dev=\"vda\" bus=\"virtio\"/></disk>\n"
    "    <serial type=\"pty\"><log file=\"/tmp/console.log\" append=\"off\"/></serial>\n"
    "    <graphics type=\"vnc\" autoport=\"yes\" listen=\"127.0.0.1\"/>\n"
    "    <video><model type=\"virtio\"/></video>\n"
    "    <input type=\"tablet\" bus=\"usb\"/>\n"
    "    <rng model=\"virtio\"><backend model=\"random\">/dev/urandom</backend></rng>\n"
    "    <controller type=\"usb\" index=\"0\"/>\n"
    "    <memballoon model=\"virtio\"><stats period=\"10\"/></memballoon>\n"
    "  </devices>\n"
    "</domain>\n";

static gboolean has_note(GPtrArray *ignored, const char *prefix)
{
	for (guint i = 0; i < ignored->len; i++)
		if (g_str_has_prefix(ignored->pdata[i], prefix))
			return TRUE;
	return FALSE;
}

static void test_nova_xml(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out = domain_xml_for_acrnd(nova_xml, ignored, &error);
	static const char *const dropped[] = {
	    "<sysinfo",	   "<features",	  "<clock", "<cpu ",   "<graphics", "<video", "<input",
	    "<controller", "<memballoon", "<boot ", "<smbios", "<log ",	    "cache="};
	/* one note each: what the guest will not get */
	static const char *const notes[] = {"<domain><sysinfo>",
					    "<features><vmcoreinfo> dropped",
					    "<clock><timer name='pit'> dropped",
					    "<domain><cpu>",
					    "<devices><graphics>",
					    "<devices><video>",
					    "<devices><input>",
					    "<devices><controller>",
					    "<devices><memballoon>",
					    "<os><boot>",
					    "<os><smbios>",
					    "<serial><log file='/tmp/console.log'> dropped",
					    "<disk><driver cache='none'> dropped"};
	static const char *const kept[] = {
	    "<name>instance-00000001</name>", "<uuid>0f6d4b8e-3c2a-4b5e-9a61-2f1e7c9d8b10</uuid>",
	    "<memory>524288</memory>", "<vcpu>2</vcpu>", "<kernel>/boot/vmlinuz</kernel>",
	    "<disk type=\"file\" device=\"disk\">", "<driver name=\"qemu\" type=\"raw\"/>",
	    "<serial type=\"pty\"/>", "nova:instance",
	    /* acrn-dm's virtio-rnd */
	    "<rng model=\"virtio\"><backend model=\"random\">/dev/urandom</backend></rng>"};

	g_assert_no_error(error);
	g_assert_nonnull(out);
	g_assert_true(g_str_has_prefix(out, "<domain type=\"acrn\">"));
	for (gsize i = 0; i < G_N_ELEMENTS(dropped); i++)
		g_assert_null(strstr(out, dropped[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(kept); i++)
		g_assert_nonnull(strstr(out, kept[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(notes); i++)
		if (!has_note(ignored, notes[i]))
			g_error("no note starting with %s", notes[i]);
	g_assert_cmpuint(ignored->len, ==, G_N_ELEMENTS(notes));
}

/* What acrn-dm does anyway is dropped without a warning. */
static void test_quiet_drops(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out = domain_xml_for_acrnd(
	    "<domain type='kvm'><name>a</name><features><acpi/><apic/><pae/></features>"
	    "<clock offset='utc'><timer name='hpet' present='no'/></clock>"
	    "<devices><controller type='usb' index='0' model='none'/>"
	    "<memballoon model='none'/></devices></domain>",
	    ignored, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(ignored->len, ==, 0);
	g_assert_null(strstr(out, "<features"));
	g_assert_null(strstr(out, "<clock"));
	g_assert_null(strstr(out, "<controller"));
	g_assert_null(strstr(out, "<memballoon"));
}

/* Extras of devices acrn-dm has: dropped with a note naming them. */
static void test_device_extras(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *out = domain_xml_for_acrnd(
	    "<domain type='kvm'><name>a</name><devices>"
	    "<disk type='file' device='disk'><driver name='qemu' type='raw' io='native' "
	    "discard='unmap'/><source file='/d'/><target dev='vda' bus='virtio'/>"
	    "<serial>vol-1</serial></disk>"
	    "<interface type='bridge'><mac address='fa:16:3e:00:00:01'/><model type='virtio'/>"
	    "<source bridge='br0'/><mtu size='1450'/><target dev='tap1'/></interface>"
	    "<rng model='virtio'><rate bytes='1024' period='1000'/>"
	    "<backend model='random'>/dev/urandom</backend></rng>"
	    "</devices></domain>",
	    ignored, &error);
	static const char *const notes[] = {
	    "<disk><driver io='native'> dropped", "<disk><driver discard='unmap'> dropped",
	    "<disk><serial> dropped", "<interface><mtu> dropped", "<rng><rate> dropped"};

	g_assert_no_error(error);
	for (gsize i = 0; i < G_N_ELEMENTS(notes); i++)
		if (!has_note(ignored, notes[i]))
			g_error("no note starting with %s", notes[i]);
	g_assert_cmpuint(ignored->len, ==, G_N_ELEMENTS(notes));
	g_assert_nonnull(strstr(out, "<driver name=\"qemu\" type=\"raw\"/>"));
	g_assert_nonnull(strstr(out, "<target dev=\"tap1\"/>"));
	g_assert_nonnull(strstr(out, "<backend model=\"random\">"));
	g_assert_null(strstr(out, "<rate"));
	g_assert_null(strstr(out, "<mtu"));
	g_assert_null(strstr(out, "vol-1"));
}

static void expect_error(const char *xml, int code, const char *needle)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *out = domain_xml_for_acrnd(xml, NULL, &error);

	g_assert_null(out);
	g_assert_error(error, VIRT_ERROR, code);
	g_test_message("%s", error->message);
	g_assert_nonnull(strstr(error->message, needle));
}

static void test_rejects(void)
{
	expect_error("<domain type='acrn'><name>a</name><devices><hostdev mode='subsystem' "
		     "type='pci'/></devices></domain>",
		     VIR_ERR_CONFIG_UNSUPPORTED, "<hostdev>");
	expect_error("<domain type='acrn'><name>a</name><numatune/></domain>",
		     VIR_ERR_CONFIG_UNSUPPORTED, "<numatune>");
	expect_error("<domain type='acrn'><os><nvram>/x</nvram></os></domain>",
		     VIR_ERR_CONFIG_UNSUPPORTED, "<nvram>");
	expect_error("<domain type='xen'><name>a</name></domain>", VIR_ERR_CONFIG_UNSUPPORTED,
		     "'xen'");
	expect_error("<domain><name>a</name></domain>", VIR_ERR_XML_ERROR, "type");
	expect_error("<network/>", VIR_ERR_XML_ERROR, "<domain>");
	expect_error("<domain type='acrn'><name>a</name>", VIR_ERR_XML_ERROR, "malformed");
	expect_error("", VIR_ERR_XML_ERROR, "malformed");
	/* Issue 13, item 7: duplicates are refused, not "first one wins". */
	expect_error("<domain type='acrn'><name>a</name><memory>1</memory><memory>2</memory>"
		     "</domain>",
		     VIR_ERR_XML_ERROR, "<domain> has more than one <memory>");
	expect_error("<domain type='acrn'><name>a</name><name>b</name></domain>", VIR_ERR_XML_ERROR,
		     "more than one <name>");
	expect_error("<domain type='acrn'><os><kernel>/a</kernel><kernel>/b</kernel></os>"
		     "</domain>",
		     VIR_ERR_XML_ERROR, "<os> has more than one <kernel>");
	expect_error("<domain type='acrn'><on_crash>destroy</on_crash><on_crash>restart"
		     "</on_crash></domain>",
		     VIR_ERR_XML_ERROR, "more than one <on_crash>");
	/* the guest's clock would be wrong: acrn-dm's RTC keeps UTC */
	expect_error("<domain type='kvm'><name>a</name><clock offset='localtime'/></domain>",
		     VIR_ERR_CONFIG_UNSUPPORTED, "<clock offset='localtime'>");
	/* the guest would see ciphertext */
	expect_error("<domain type='kvm'><name>a</name><devices><disk type='file'>"
		     "<source file='/d'/><target dev='vda'/><encryption format='luks'/></disk>"
		     "</devices></domain>",
		     VIR_ERR_CONFIG_UNSUPPORTED, "<disk><encryption>");
}

static void test_no_entity_expansion(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *out = domain_xml_for_acrnd(
	    "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
	    "<domain type='acrn'><name>&x;</name></domain>",
	    NULL, &error);

	/* Either refused or passed through unexpanded; never the file contents. */
	if (out)
		g_assert_null(strstr(out, "root:"));
}

/* Issue 13, item 4: refused by the bounds scan before libxml2's quadratic
 * attribute check runs. */
static void test_attribute_flood(void)
{
	g_autoptr(GError) error = NULL;
	GString *flood = g_string_new("<domain type='acrn' ");
	g_autofree char *out = NULL;

	for (guint i = 0; i < 90000; i++)
		g_string_append_printf(flood, "a%u='' ", i);
	g_string_append(flood, "><name>x</name></domain>");
	out = domain_xml_for_acrnd(flood->str, NULL, &error);
	g_assert_null(out);
	g_assert_error(error, VIRT_ERROR, VIR_ERR_XML_ERROR);
	g_assert_nonnull(strstr(error->message, "more than 32 attributes"));
	g_string_free(flood, TRUE);
}

static void test_client_xml(void)
{
	g_autoptr(GError) error = NULL;
	const char *stored = "<domain type='acrn'>\n  <name>a</name>\n</domain>\n";
	g_autofree char *live = domain_xml_for_client(stored, 1234, NULL, &error);
	g_autofree char *inactive = domain_xml_for_client(stored, -1, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(strstr(live, "<domain type=\"acrn\" id=\"1234\">"));
	g_assert_cmpstr(inactive, ==, stored);
	g_assert_true(domain_xml_same_definition(live, stored));
	g_assert_false(
	    domain_xml_same_definition(live, "<domain type='acrn'><name>b</name></domain>"));
}

/* acrn:autostart stays out of what clients see and define; the rest of
 * the acrn metadata (the host-shutdown policy) round-trips. */
static void test_acrn_metadata(void)
{
	g_autoptr(GError) error = NULL;
	const char *stored =
	    "<domain type='acrn'><name>a</name><metadata>"
	    "<acrn:autostart xmlns:acrn='urn:acrn:domain:1' enabled='yes' order='0'/>"
	    "<acrn:host-shutdown xmlns:acrn='urn:acrn:domain:1' action='leave'/>"
	    "</metadata></domain>";
	g_autofree char *client = domain_xml_for_client(stored, -1, NULL, &error);
	g_autofree char *back = NULL;

	g_assert_no_error(error);
	g_assert_null(strstr(client, "autostart"));
	g_assert_nonnull(strstr(client, "host-shutdown"));
	g_assert_nonnull(strstr(client, "action=\"leave\""));
	back = domain_xml_for_acrnd(stored, NULL, &error);
	g_assert_no_error(error);
	g_assert_null(strstr(back, "autostart"));
	g_assert_nonnull(strstr(back, "host-shutdown"));
}

static void test_identity(void)
{
	gboolean is_uuid = FALSE;
	g_autofree char *a = domain_xml_get_identity(nova_xml, &is_uuid);
	g_autofree char *b = NULL;

	g_assert_cmpstr(a, ==, "0f6d4b8e-3c2a-4b5e-9a61-2f1e7c9d8b10");
	g_assert_true(is_uuid);
	b = domain_xml_get_identity("<domain><name> vm1 </name></domain>", &is_uuid);
	g_assert_cmpstr(b, ==, "vm1");
	g_assert_false(is_uuid);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* Dropped elements are logged as warnings: not fatal here. */
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
	g_log_set_fatal_mask(NULL, G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/domain-xml/nova", test_nova_xml);
	g_test_add_func("/domain-xml/quiet-drops", test_quiet_drops);
	g_test_add_func("/domain-xml/device-extras", test_device_extras);
	g_test_add_func("/domain-xml/rejects", test_rejects);
	g_test_add_func("/domain-xml/no-entity-expansion", test_no_entity_expansion);
	g_test_add_func("/domain-xml/attribute-flood", test_attribute_flood);
	g_test_add_func("/domain-xml/client", test_client_xml);
	g_test_add_func("/domain-xml/identity", test_identity);
	g_test_add_func("/domain-xml/acrn-metadata", test_acrn_metadata);
	return g_test_run();
}
