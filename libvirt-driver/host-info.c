#include "config.h"

#include "host-info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *read_file(const char *path)
{
	char *contents = NULL;

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

static const char *cpuinfo_value(const char *line, const char *key)
{
	gsize klen = strlen(key);

	if (strncmp(line, key, klen) != 0)
		return NULL;
	line += klen;
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != ':')
		return NULL;
	line++;
	while (*line == ' ')
		line++;
	return line;
}

static guint64 meminfo_kib(const char *meminfo, const char *key)
{
	g_autofree char *pattern = g_strdup_printf("\n%s:", key);
	const char *p;

	if (!meminfo)
		return 0;
	if (g_str_has_prefix(meminfo, pattern + 1))
		p = meminfo + strlen(pattern + 1);
	else if ((p = strstr(meminfo, pattern)))
		p += strlen(pattern);
	else
		return 0;
	return g_ascii_strtoull(p, NULL, 10);
}

static void probe_uuid(guint8 uuid[16])
{
	g_autofree char *id = read_file("/etc/machine-id");
	int n = 0;

	memset(uuid, 0, 16);
	for (const char *p = id; p && *p && n < 32; p++) {
		int v = g_ascii_xdigit_value(*p);

		if (v < 0)
			continue;
		uuid[n / 2] |= (guint8)(n % 2 ? v : v << 4);
		n++;
	}
	if (n != 32) {
		/* No machine-id: a fixed value still lets clients parse the XML. */
		for (int i = 0; i < 16; i++)
			uuid[i] = (guint8)(0xac + i);
	}
}

void host_info_probe(HostInfo *info)
{
	g_autofree char *cpuinfo = read_file("/proc/cpuinfo");
	g_autofree char *meminfo = read_file("/proc/meminfo");
	g_auto(GStrv) lines = NULL;
	g_autoptr(GHashTable) packages = g_hash_table_new(NULL, NULL);
	int siblings = 0, cpu_cores = 0;

	memset(info, 0, sizeof(*info));
	g_strlcpy(info->vendor, "Intel", sizeof(info->vendor));
	info->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (info->cpus < 1)
		info->cpus = 1;
	lines = g_strsplit(cpuinfo ? cpuinfo : "", "\n", -1);
	for (char **l = lines; *l; l++) {
		const char *v;

		if ((v = cpuinfo_value(*l, "model name")) && !*info->model)
			g_strlcpy(info->model, v, sizeof(info->model));
		else if ((v = cpuinfo_value(*l, "vendor_id")))
			g_strlcpy(info->vendor,
				  strcmp(v, "GenuineIntel") == 0   ? "Intel"
				  : strcmp(v, "AuthenticAMD") == 0 ? "AMD"
								   : v,
				  sizeof(info->vendor));
		else if ((v = cpuinfo_value(*l, "cpu MHz")) && !info->mhz)
			info->mhz = (int)g_ascii_strtod(v, NULL);
		else if ((v = cpuinfo_value(*l, "physical id")))
			g_hash_table_add(packages, GINT_TO_POINTER(atoi(v) + 1));
		else if ((v = cpuinfo_value(*l, "siblings")) && !siblings)
			siblings = atoi(v);
		else if ((v = cpuinfo_value(*l, "cpu cores")) && !cpu_cores)
			cpu_cores = atoi(v);
		else if ((v = cpuinfo_value(*l, "flags")) && strstr(v, " vmx"))
			info->has_vmx = TRUE;
	}
	if (!*info->model)
		g_strlcpy(info->model, "unknown", sizeof(info->model));
	info->sockets = MAX(1, (int)g_hash_table_size(packages));
	info->cores = cpu_cores > 0 ? cpu_cores : MAX(1, info->cpus / info->sockets);
	info->threads = siblings > 0 && cpu_cores > 0 ? MAX(1, siblings / cpu_cores) : 1;
	/* The topology must multiply up to the CPU count or clients complain. */
	if (info->sockets * info->cores * info->threads != info->cpus) {
		info->sockets = 1;
		info->cores = info->cpus;
		info->threads = 1;
	}
	info->memory_kib = meminfo_kib(meminfo, "MemTotal");
	probe_uuid(info->uuid);
}

static int max_cpu_index(void)
{
	g_autofree char *possible = read_file("/sys/devices/system/cpu/possible");
	const char *dash;

	if (!possible)
		return (int)sysconf(_SC_NPROCESSORS_CONF) - 1;
	dash = strrchr(possible, '-');
	return atoi(dash ? dash + 1 : possible);
}

GByteArray *host_cpu_map(int *ncpus, int *online)
{
	g_autofree char *list = read_file("/sys/devices/system/cpu/online");
	GByteArray *map;
	int max = max_cpu_index();
	g_auto(GStrv) ranges = NULL;

	if (max < 0)
		max = 0;
	*ncpus = max + 1;
	*online = 0;
	map = g_byte_array_new();
	g_byte_array_set_size(map, (guint)(max / 8 + 1));
	memset(map->data, 0, map->len);
	ranges = g_strsplit(list ? g_strstrip(list) : "0", ",", -1);
	for (char **r = ranges; *r; r++) {
		int lo = atoi(*r), hi = lo;
		const char *dash = strchr(*r, '-');

		if (dash)
			hi = atoi(dash + 1);
		for (int c = MAX(lo, 0); c <= hi && c <= max; c++) {
			map->data[c / 8] |= (guint8)(1u << (c % 8));
			(*online)++;
		}
	}
	return map;
}

gsize host_memory_stats(HostStat out[4])
{
	g_autofree char *meminfo = read_file("/proc/meminfo");

	out[0] = (HostStat){"total", meminfo_kib(meminfo, "MemTotal")};
	out[1] = (HostStat){"free", meminfo_kib(meminfo, "MemFree")};
	out[2] = (HostStat){"buffers", meminfo_kib(meminfo, "Buffers")};
	out[3] = (HostStat){"cached", meminfo_kib(meminfo, "Cached")};
	return 4;
}

guint64 host_free_memory_bytes(void)
{
	g_autofree char *meminfo = read_file("/proc/meminfo");

	return meminfo_kib(meminfo, "MemFree") * 1024;
}

gboolean host_cpu_stats(int cpu, HostStat out[4])
{
	g_autofree char *stat = read_file("/proc/stat");
	g_autofree char *key = cpu < 0 ? g_strdup("cpu ") : g_strdup_printf("cpu%d ", cpu);
	guint64 user, nice, system, idle, iowait;
	const char *line;
	long hz = sysconf(_SC_CLK_TCK);
	guint64 ns_per_tick = hz > 0 ? 1000000000ull / (guint64)hz : 10000000ull;

	if (!stat)
		return FALSE;
	if (g_str_has_prefix(stat, key))
		line = stat;
	else {
		g_autofree char *nkey = g_strconcat("\n", key, NULL);

		line = strstr(stat, nkey);
		if (!line)
			return FALSE;
		line++;
	}
	if (sscanf(line + strlen(key),
		   "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
		   " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
		   &user, &nice, &system, &idle, &iowait) != 5)
		return FALSE;
	out[0] = (HostStat){"kernel", system * ns_per_tick};
	out[1] = (HostStat){"user", (user + nice) * ns_per_tick};
	out[2] = (HostStat){"idle", idle * ns_per_tick};
	out[3] = (HostStat){"iowait", iowait * ns_per_tick};
	return TRUE;
}
