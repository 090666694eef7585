#include "config.h"

#include "capabilities.h"

#include "acrnd-client.h"

char *capabilities_xml(const HostInfo *h)
{
	GString *x = g_string_new(NULL);
	g_autofree char *uuid = acrnd_format_uuid(h->uuid);
	g_autofree char *model = g_markup_escape_text(h->vendor, -1);

	g_string_append(x, "<capabilities>\n  <host>\n");
	g_string_append_printf(x, "    <uuid>%s</uuid>\n", uuid);
	g_string_append(x, "    <cpu>\n      <arch>x86_64</arch>\n");
	g_string_append_printf(x, "      <vendor>%s</vendor>\n", model);
	g_string_append_printf(x,
			       "      <topology sockets='%d' dies='1' cores='%d' threads='%d'/>\n",
			       h->sockets, h->cores, h->threads);
	if (h->has_vmx)
		g_string_append(x, "      <feature name='vmx'/>\n");
	g_string_append(x, "      <pages unit='KiB' size='4'/>\n"
			   "      <pages unit='KiB' size='2048'/>\n    </cpu>\n");
	g_string_append(x, "    <power_management/>\n    <iommu support='yes'/>\n"
			   "    <migration_features/>\n");
	g_string_append(x, "    <topology>\n      <cells num='1'>\n        <cell id='0'>\n");
	g_string_append_printf(x, "          <memory unit='KiB'>%" G_GUINT64_FORMAT "</memory>\n",
			       h->memory_kib);
	g_string_append_printf(
	    x, "          <pages unit='KiB' size='4'>%" G_GUINT64_FORMAT "</pages>\n",
	    h->memory_kib / 4);
	g_string_append(x, "          <distances>\n            <sibling id='0' value='10'/>\n"
			   "          </distances>\n");
	g_string_append_printf(x, "          <cpus num='%d'>\n", h->cpus);
	for (int c = 0; c < h->cpus; c++) {
		int per_socket = h->cores * h->threads;
		int socket = c / per_socket;
		int core = (c % per_socket) / h->threads;

		g_string_append_printf(x,
				       "            <cpu id='%d' socket_id='%d' die_id='0' "
				       "core_id='%d' siblings='%d'/>\n",
				       c, socket, core, c);
	}
	g_string_append(x, "          </cpus>\n        </cell>\n      </cells>\n    </topology>\n");
	g_string_append(x, "    <secmodel>\n      <model>none</model>\n      <doi>0</doi>\n"
			   "    </secmodel>\n  </host>\n\n");
	g_string_append(x, "  <guest>\n    <os_type>hvm</os_type>\n    <arch name='x86_64'>\n"
			   "      <wordsize>64</wordsize>\n"
			   "      <emulator>" CAPS_EMULATOR "</emulator>\n");
	g_string_append_printf(x, "      <machine maxCpus='%d'>pc</machine>\n", h->cpus);
	g_string_append(x, "      <domain type='kvm'/>\n    </arch>\n"
			   "    <features>\n      <acpi default='on' toggle='yes'/>\n"
			   "      <apic default='on' toggle='no'/>\n    </features>\n"
			   "  </guest>\n</capabilities>\n");
	return g_string_free(x, FALSE);
}

char *domain_capabilities_xml(const HostInfo *h, const char *virttype)
{
	GString *x = g_string_new("<domainCapabilities>\n");

	g_string_append(x, "  <path>" CAPS_EMULATOR "</path>\n");
	g_string_append_printf(x, "  <domain>%s</domain>\n", virttype);
	g_string_append(x, "  <machine>pc</machine>\n  <arch>x86_64</arch>\n");
	g_string_append_printf(x, "  <vcpu max='%d'/>\n", h->cpus);
	g_string_append(x, "  <iothreads supported='no'/>\n");
	/* Direct kernel boot only: no firmware loader (yet). */
	g_string_append(x, "  <os supported='yes'>\n    <enum name='firmware'/>\n"
			   "    <loader supported='no'/>\n  </os>\n");
	/* vCPUs are physical CPUs handed to the VM; no CPU model to choose. */
	g_string_append(x, "  <cpu>\n    <mode name='host-passthrough' supported='no'/>\n"
			   "    <mode name='maximum' supported='no'/>\n"
			   "    <mode name='host-model' supported='no'/>\n"
			   "    <mode name='custom' supported='no'/>\n  </cpu>\n");
	g_string_append(x, "  <memoryBacking supported='no'/>\n");
	g_string_append(x, "  <devices>\n"
			   "    <disk supported='yes'>\n"
			   "      <enum name='diskDevice'>\n        <value>disk</value>\n"
			   "      </enum>\n"
			   "      <enum name='bus'>\n        <value>virtio</value>\n      </enum>\n"
			   "      <enum name='model'/>\n    </disk>\n"
			   "    <graphics supported='no'/>\n    <video supported='no'/>\n"
			   "    <hostdev supported='no'/>\n    <rng supported='no'/>\n"
			   "    <filesystem supported='no'/>\n    <tpm supported='no'/>\n"
			   "    <redirdev supported='no'/>\n    <channel supported='no'/>\n"
			   "    <crypto supported='no'/>\n  </devices>\n");
	g_string_append(x, "  <features>\n    <gic supported='no'/>\n"
			   "    <vmcoreinfo supported='no'/>\n    <genid supported='no'/>\n"
			   "    <backingStoreInput supported='no'/>\n    <backup supported='no'/>\n"
			   "    <async-teardown supported='no'/>\n    <sev supported='no'/>\n"
			   "    <sgx supported='no'/>\n  </features>\n</domainCapabilities>\n");
	return g_string_free(x, FALSE);
}
