/* Which physical CPUs a User VM runs on.
 *
 * `--cpu_affinity` names CPUs by their local APIC ID, as the Service VM
 * shows them (/proc/cpuinfo "apicid"), because that is what users see and
 * what upstream acrn-dm takes.  The hypervisor's CREATE_VM wants a mask of
 * pCPU indices instead, and the HSM's remove_cpu wants Linux CPU numbers.
 * These pure functions translate between the three; hsm.c reads the files
 * they parse. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The hypervisor numbers pCPUs in the order of the enabled processor
 * entries (types 0 and 9) of the platform's MADT, which the Service VM sees
 * unchanged.  Sets *pcpu_mask from @lapic_mask, or fails naming the first
 * APIC ID that is not an enabled CPU of this platform. */
gboolean dm_cpu_lapic_to_pcpu(const guint8 *madt, gsize len, guint64 lapic_mask, guint64 *pcpu_mask,
			      GError **error);

/* The Linux CPU number of the online CPU with local APIC ID @apic_id,
 * from the text of /proc/cpuinfo; -1 if no online CPU has it (offline CPUs
 * are not listed). */
int dm_cpu_online_with_apic_id(const char *cpuinfo, guint apic_id);

G_END_DECLS
