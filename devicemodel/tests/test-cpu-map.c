/* cpu-map.c: local APIC IDs -> the hypervisor's pCPU indices (MADT order)
 * and -> Linux CPU numbers (/proc/cpuinfo). */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "cpu-map.h"

typedef struct {
	guint8 b[512];
	gsize len;
} Madt;

static void put32(guint8 *p, guint32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (guint8)(v >> (8 * i));
}

static void madt_init(Madt *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->b, "APIC", 4);
	m->len = 44;
	put32(m->b + 4, (guint32)m->len);
}

static void madt_lapic(Madt *m, guint8 apic, gboolean enabled)
{
	guint8 *e = m->b + m->len;

	e[0] = 0;
	e[1] = 8;
	e[2] = apic; /* processor UID */
	e[3] = apic;
	put32(e + 4, enabled ? 1 : 0);
	m->len += 8;
	put32(m->b + 4, (guint32)m->len);
}

static void madt_x2apic(Madt *m, guint32 apic)
{
	guint8 *e = m->b + m->len;

	e[0] = 9;
	e[1] = 16;
	put32(e + 4, apic);
	put32(e + 8, 1);
	m->len += 16;
	put32(m->b + 4, (guint32)m->len);
}

static void madt_ioapic(Madt *m)
{
	guint8 *e = m->b + m->len;

	e[0] = 1;
	e[1] = 12;
	m->len += 12;
	put32(m->b + 4, (guint32)m->len);
}

static void test_pcpu_order(void)
{
	Madt m;
	guint64 pcpus = 0;
	g_autoptr(GError) error = NULL;

	/* APIC IDs 0, 2, (6 disabled), 4, an IOAPIC, x2APIC 7: pCPUs 0..3 */
	madt_init(&m);
	madt_lapic(&m, 0, TRUE);
	madt_lapic(&m, 2, TRUE);
	madt_lapic(&m, 6, FALSE);
	madt_ioapic(&m);
	madt_lapic(&m, 4, TRUE);
	madt_x2apic(&m, 7);
	g_assert_true(dm_cpu_lapic_to_pcpu(m.b, m.len, 1ULL << 4, &pcpus, &error));
	g_assert_cmphex(pcpus, ==, 1ULL << 2);
	g_assert_true(dm_cpu_lapic_to_pcpu(m.b, m.len, (1ULL << 2) | (1ULL << 7), &pcpus, &error));
	g_assert_cmphex(pcpus, ==, (1ULL << 1) | (1ULL << 3));
	g_assert_true(dm_cpu_lapic_to_pcpu(m.b, m.len, 0, &pcpus, &error));
	g_assert_cmphex(pcpus, ==, 0);

	/* a disabled or absent CPU is named */
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, m.len, (1ULL << 2) | (1ULL << 6), &pcpus, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "local APIC ID 6"));
	g_clear_error(&error);
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, m.len, 1ULL << 63, &pcpus, &error));
	g_assert_nonnull(strstr(error->message, "local APIC ID 63"));
}

static void test_malformed_madt(void)
{
	Madt m;
	guint64 pcpus = 0;
	g_autoptr(GError) error = NULL;

	madt_init(&m);
	madt_lapic(&m, 1, TRUE);
	/* wrong signature, truncated, length beyond the data */
	memcpy(m.b, "FACP", 4);
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, m.len, 2, &pcpus, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_clear_error(&error);
	memcpy(m.b, "APIC", 4);
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, 20, 2, &pcpus, &error));
	g_clear_error(&error);
	put32(m.b + 4, 4096);
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, m.len, 2, &pcpus, &error));
	g_clear_error(&error);
	/* an entry of length 0 or running past the end stops the walk */
	madt_init(&m);
	m.b[44] = 0;
	m.b[45] = 0;
	m.len = 52;
	put32(m.b + 4, 52);
	g_assert_false(dm_cpu_lapic_to_pcpu(m.b, m.len, 1, &pcpus, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static const char cpuinfo[] = "processor\t: 0\n"
			      "vendor_id\t: GenuineIntel\n"
			      "apicid\t\t: 0\n"
			      "initial apicid\t: 0\n"
			      "\n"
			      "processor\t: 2\n"
			      "apicid\t\t: 4\n"
			      "initial apicid\t: 9\n"
			      "\n";

static void test_online_cpu(void)
{
	g_assert_cmpint(dm_cpu_online_with_apic_id(cpuinfo, 0), ==, 0);
	g_assert_cmpint(dm_cpu_online_with_apic_id(cpuinfo, 4), ==, 2);
	/* "initial apicid" is not the APIC ID; CPU 1 is offline (not listed) */
	g_assert_cmpint(dm_cpu_online_with_apic_id(cpuinfo, 9), ==, -1);
	g_assert_cmpint(dm_cpu_online_with_apic_id(cpuinfo, 1), ==, -1);
	g_assert_cmpint(dm_cpu_online_with_apic_id("", 0), ==, -1);
	g_assert_cmpint(dm_cpu_online_with_apic_id("apicid : 3\n", 3), ==, -1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cpu-map/pcpu-order", test_pcpu_order);
	g_test_add_func("/cpu-map/malformed-madt", test_malformed_madt);
	g_test_add_func("/cpu-map/online-cpu", test_online_cpu);
	return g_test_run();
}
