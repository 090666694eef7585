/* See cpu-map.h. */
#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu-map.h"

#define MADT_HEADER_LEN	 44
#define MADT_LAPIC	 0
#define MADT_X2APIC	 9
#define MADT_CPU_ENABLED 1u

static guint32 rd32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

gboolean dm_cpu_lapic_to_pcpu(const guint8 *madt, gsize len, guint64 lapic_mask, guint64 *pcpu_mask,
			      GError **error)
{
	guint64 found = 0, pcpus = 0;
	guint idx = 0;
	gsize off = MADT_HEADER_LEN;

	if (len < MADT_HEADER_LEN || memcmp(madt, "APIC", 4) || rd32(madt + 4) > len) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "the ACPI MADT (APIC table) is malformed");
		return FALSE;
	}
	len = rd32(madt + 4);
	while (off + 2 <= len) {
		guint8 type = madt[off], elen = madt[off + 1];
		guint32 apic = G_MAXUINT32;

		if (elen < 2 || off + elen > len)
			break;
		if (type == MADT_LAPIC && elen >= 8 && (rd32(madt + off + 4) & MADT_CPU_ENABLED))
			apic = madt[off + 3];
		else if (type == MADT_X2APIC && elen >= 16 &&
			 (rd32(madt + off + 8) & MADT_CPU_ENABLED))
			apic = rd32(madt + off + 4);
		off += elen;
		if (apic == G_MAXUINT32)
			continue;
		if (apic < 64 && (lapic_mask & (1ULL << apic)) && idx < 64) {
			found |= 1ULL << apic;
			pcpus |= 1ULL << idx;
		}
		idx++;
	}
	if (found != lapic_mask) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "--cpu_affinity: no enabled CPU of this platform has local APIC ID %d",
			    __builtin_ctzll(lapic_mask & ~found));
		return FALSE;
	}
	*pcpu_mask = pcpus;
	return TRUE;
}

/* "key\t: value" lines; a blank line ends a processor's block. */
int dm_cpu_online_with_apic_id(const char *cpuinfo, guint apic_id)
{
	g_auto(GStrv) lines = g_strsplit(cpuinfo, "\n", -1);
	long cpu = -1;

	for (char **l = lines; *l; l++) {
		const char *colon = strchr(*l, ':');
		char *end;
		long v;

		if (!colon)
			continue;
		v = strtol(colon + 1, &end, 10);
		if (end == colon + 1)
			continue;
		if (g_str_has_prefix(*l, "processor"))
			cpu = v;
		else if (g_str_has_prefix(*l, "apicid") && cpu >= 0 && v == (long)apic_id)
			return (int)cpu;
	}
	return -1;
}
