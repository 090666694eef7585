/* What the Service VM knows about its host: CPUs, memory, identity.  Read
 * from /proc and /sys on each query (cheap, and never stale). */
#pragma once

#include <glib.h>

typedef struct {
	char model[64];	 /* "model name" of the first CPU */
	char vendor[32]; /* "Intel" / "AMD" / ... as libvirt prints it */
	int cpus;	 /* online CPUs */
	int mhz;
	int sockets;
	int cores;   /* per socket */
	int threads; /* per core */
	guint64 memory_kib;
	gboolean has_vmx;
	guint8 uuid[16];
} HostInfo;

void host_info_probe(HostInfo *info);
/* Online CPUs as a bitmap of `*ncpus` bits (all CPUs the kernel knows). */
GByteArray *host_cpu_map(int *ncpus, int *online);

typedef struct {
	const char *field;
	guint64 value;
} HostStat;

/* Node memory statistics in KiB: total, free, buffers, cached. */
gsize host_memory_stats(HostStat out[4]);
/* Node CPU time in ns for one CPU (or all when cpu < 0): kernel, user, idle,
 * iowait.  FALSE when the CPU does not exist. */
gboolean host_cpu_stats(int cpu, HostStat out[4]);
guint64 host_free_memory_bytes(void);
