/* The ACPI tables: checksums, the pointers between them, the FADT's fixed
 * hardware matching pm.h, the MADT, and the DSDT's AML parsed back by a
 * small reader.  When acpica-tools is installed (tools/install-deps.sh),
 * iasl also disassembles every table without errors. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "acpi.h"
#include "irq.h"
#include "pm.h"

static guint32 rd32(const guint8 *p)
{
	return (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16 | (guint32)p[3] << 24;
}

static guint64 rd64(const guint8 *p)
{
	return rd32(p) | (guint64)rd32(p + 4) << 32;
}

static guint8 sum(const guint8 *p, gsize n)
{
	guint8 s = 0;

	while (n--)
		s = (guint8)(s + *p++);
	return s;
}

typedef struct {
	guint8 buf[DM_ACPI_SIZE];
	DmAcpiConfig cfg;
} Tables;

/* Guest address -> the byte in the buffer, checked to be inside it. */
static const guint8 *at(const Tables *t, guint64 gpa, gsize len)
{
	g_assert_cmphex(gpa, >=, DM_ACPI_BASE);
	g_assert_cmphex(gpa + len, <=, DM_ACPI_BASE + DM_ACPI_SIZE);
	return t->buf + (gpa - DM_ACPI_BASE);
}

static const guint8 *table(const Tables *t, guint64 gpa, const char *sig)
{
	const guint8 *h = at(t, gpa, 36);
	guint32 len = rd32(h + 4);

	g_assert_cmpmem(h, 4, sig, 4);
	at(t, gpa, len);
	g_assert_cmphex(sum(h, len), ==, 0);
	return h;
}

static void build(Tables *t, guint n_cpus, gboolean com1)
{
	memset(&t->cfg, 0, sizeof(t->cfg));
	t->cfg.n_cpus = n_cpus;
	for (guint i = 0; i < n_cpus; i++)
		t->cfg.apic_ids[i] = (guint8)(2 + 2 * i);
	t->cfg.com1 = com1;
	g_assert_cmphex(dm_acpi_build(&t->cfg, t->buf, DM_ACPI_BASE), ==, DM_ACPI_BASE);
}

/* Where @name (a 4-character NameSeg) is defined by a NameOp in @aml. */
static const guint8 *find_name(const guint8 *aml, gsize len, const char *name)
{
	for (gsize i = 0; i + 5 <= len; i++) {
		if (aml[i] == 0x08 && memcmp(aml + i + 1, name, 4) == 0)
			return aml + i + 5;
		if (aml[i] == 0x08 && aml[i + 1] == '\\' && i + 6 <= len &&
		    memcmp(aml + i + 2, name, 4) == 0)
			return aml + i + 6;
	}
	return NULL;
}

static gboolean has_device(const guint8 *aml, gsize len, const char *name)
{
	for (gsize i = 0; i + 7 <= len; i++) {
		if (aml[i] == 0x5B && aml[i + 1] == 0x82) {
			guint n = (aml[i + 2] >> 6) + 1; /* PkgLength bytes */

			if (memcmp(aml + i + 2 + n, name, 4) == 0)
				return TRUE;
		}
	}
	return FALSE;
}

static void test_walk(void)
{
	g_autofree Tables *t = g_new0(Tables, 1);
	const guint8 *rsdp, *xsdt, *fadt, *madt, *dsdt, *facs;

	build(t, 2, TRUE);
	rsdp = at(t, DM_ACPI_BASE, 36);
	g_assert_cmpmem(rsdp, 8, "RSD PTR ", 8);
	g_assert_cmphex(sum(rsdp, 20), ==, 0);
	g_assert_cmphex(sum(rsdp, 36), ==, 0);
	g_assert_cmpuint(rsdp[15], ==, 2);
	g_assert_cmphex(DM_ACPI_BASE % 16, ==, 0); /* found by the legacy scan */

	xsdt = table(t, rd64(rsdp + 24), "XSDT");
	g_assert_cmpuint(rd32(xsdt + 4), ==, 36 + 16);
	fadt = table(t, rd64(xsdt + 36), "FACP");
	madt = table(t, rd64(xsdt + 44), "APIC");
	g_assert_cmpuint(rd32(fadt + 4), ==, 276);
	g_assert_cmpuint(fadt[8], ==, 6);
	dsdt = table(t, rd64(fadt + 140), "DSDT");
	g_assert_cmphex(rd32(fadt + 40), ==, rd64(fadt + 140));
	facs = at(t, rd64(fadt + 132), 64);
	g_assert_cmpmem(facs, 4, "FACS", 4);
	g_assert_cmphex(rd64(fadt + 132) % 64, ==, 0);
	(void)madt;
	(void)dsdt;
}

static void test_fadt(void)
{
	g_autofree Tables *t = g_new0(Tables, 1);
	const guint8 *f;

	build(t, 1, FALSE);
	f = t->buf + DM_ACPI_FADT;
	g_assert_cmpuint(f[46] | f[47] << 8, ==, DM_GSI_SCI);
	g_assert_cmphex(rd32(f + 48), ==, DM_SMI_CMD);
	g_assert_cmphex(f[52], ==, DM_ACPI_ENABLE);
	g_assert_cmphex(f[53], ==, DM_ACPI_DISABLE);
	g_assert_cmphex(rd32(f + 56), ==, DM_PM1A_EVT);
	g_assert_cmphex(rd32(f + 64), ==, DM_PM1A_CNT);
	g_assert_cmpuint(f[88], ==, 4);
	g_assert_cmpuint(f[89], ==, 2);
	g_assert_cmphex(rd32(f + 76), ==, 0); /* no PM timer */
	/* Fixed-feature power and sleep buttons (flags 4 and 5 clear),
	 * reset register supported. */
	g_assert_cmphex(rd32(f + 112) & (3 << 4), ==, 0);
	g_assert_cmphex(rd32(f + 112) & (1 << 10), !=, 0);
	g_assert_cmphex(f[116], ==, 1);
	g_assert_cmphex(rd64(f + 120), ==, DM_RESET_PORT);
	g_assert_cmphex(f[128], ==, 0x06);
	/* No 8042, no VGA. */
	g_assert_cmphex((f[109] | f[110] << 8) & 0x6, ==, 0x4);
	g_assert_cmphex(rd64(f + 152), ==, DM_PM1A_EVT);
	g_assert_cmphex(rd64(f + 176), ==, DM_PM1A_CNT);
}

static void test_madt(void)
{
	g_autofree Tables *t = g_new0(Tables, 1);
	const guint8 *m;
	guint32 len;
	guint n_lapic = 0, n_ioapic = 0, n_iso = 0, n_nmi = 0;

	build(t, 4, FALSE);
	m = t->buf + DM_ACPI_MADT;
	len = rd32(m + 4);
	g_assert_cmphex(rd32(m + 36), ==, 0xFEE00000);
	for (guint32 o = 44; o < len; o += m[o + 1]) {
		g_assert_cmpuint(m[o + 1], >=, 2);
		switch (m[o]) {
		case 0:
			g_assert_cmpuint(m[o + 2], ==, n_lapic); /* processor uid */
			g_assert_cmpuint(m[o + 3], ==, 2 + 2 * n_lapic);
			g_assert_cmpuint(rd32(m + o + 4), ==, 1);
			n_lapic++;
			break;
		case 1:
			g_assert_cmphex(rd32(m + o + 4), ==, 0xFEC00000);
			n_ioapic++;
			break;
		case 2:
			if (m[o + 3] == 0)
				g_assert_cmpuint(rd32(m + o + 4), ==, DM_GSI_PIT);
			else
				g_assert_cmpuint(rd32(m + o + 4), ==, DM_GSI_SCI);
			n_iso++;
			break;
		case 4:
			n_nmi++;
			break;
		default:
			g_assert_not_reached();
		}
	}
	g_assert_cmpuint(n_lapic, ==, 4);
	g_assert_cmpuint(n_ioapic, ==, 1);
	g_assert_cmpuint(n_iso, ==, 2);
	g_assert_cmpuint(n_nmi, ==, 1);
}

static void test_dsdt(void)
{
	g_autofree Tables *t = g_new0(Tables, 1);
	const guint8 *d, *s5, *s3, *aml;
	gsize len;

	build(t, 1, TRUE);
	d = t->buf + DM_ACPI_DSDT;
	aml = d + 36;
	len = rd32(d + 4) - 36;
	/* \_S5 = Package (4) {5, 5, 0, 0}: PackageOp, PkgLength, count, 5. */
	s5 = find_name(aml, len, "_S5_");
	g_assert_nonnull(s5);
	g_assert_cmphex(s5[0], ==, 0x12);
	g_assert_cmpuint(s5[2], ==, 4);
	g_assert_cmphex(s5[3], ==, 0x0A);
	g_assert_cmpuint(s5[4], ==, DM_SLP_TYP_S5);
	s3 = find_name(aml, len, "_S3_");
	g_assert_nonnull(s3);
	g_assert_cmpuint(s3[4], ==, DM_SLP_TYP_S3);
	g_assert_true(has_device(aml, len, "PCI0"));
	g_assert_true(has_device(aml, len, "RTC_"));
	g_assert_true(has_device(aml, len, "TIMR"));
	g_assert_true(has_device(aml, len, "COM1"));
	g_assert_nonnull(find_name(aml, len, "_PRT"));
	/* Without COM1 there is no COM1 device. */
	build(t, 1, FALSE);
	d = t->buf + DM_ACPI_DSDT;
	g_assert_false(has_device(d + 36, rd32(d + 4) - 36, "COM1"));
}

/* iasl -d on every table: the disassembler parses the AML, resource
 * templates and table fields, and complains about bad checksums. */
static void test_iasl(void)
{
	g_autofree Tables *t = g_new0(Tables, 1);
	g_autofree char *iasl = g_find_program_in_path("iasl");
	g_autofree char *dir = NULL;
	static const struct {
		const char *sig;
		guint off;
	} tabs[] = {{"facp", DM_ACPI_FADT},
		    {"apic", DM_ACPI_MADT},
		    {"dsdt", DM_ACPI_DSDT},
		    {"xsdt", DM_ACPI_XSDT}};

	if (!iasl) {
		g_test_skip("iasl (acpica-tools) is not installed");
		return;
	}
	build(t, 2, TRUE);
	dir = g_dir_make_tmp("acrn-dm-acpi-XXXXXX", NULL);
	g_assert_nonnull(dir);
	for (guint i = 0; i < G_N_ELEMENTS(tabs); i++) {
		g_autofree char *bin = g_strdup_printf("%s/%s.dat", dir, tabs[i].sig);
		g_autofree char *dsl = g_strdup_printf("%s/%s.dsl", dir, tabs[i].sig);
		g_autofree char *out = NULL, *err = NULL, *text = NULL;
		const char *argv[] = {iasl, "-d", bin, NULL};
		const guint8 *h = t->buf + tabs[i].off;
		int status;

		g_assert_true(g_file_set_contents(bin, (const char *)h, rd32(h + 4), NULL));
		g_assert_true(g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
					   &out, &err, &status, NULL));
		if (!g_spawn_check_wait_status(status, NULL))
			g_error("iasl -d %s failed:\n%s\n%s", tabs[i].sig, out, err);
		g_assert_true(g_file_get_contents(dsl, &text, NULL, NULL));
		g_assert_null(strstr(text, "Invalid"));
		g_assert_null(strstr(text, "Incorrect checksum"));
		if (i == 2) {
			g_assert_nonnull(strstr(text, "Name (\\_S5, Package (0x04)"));
			g_assert_nonnull(strstr(text, "EisaId (\"PNP0A03\")"));
			g_assert_nonnull(strstr(text, "EisaId (\"PNP0501\")"));
			g_assert_nonnull(strstr(text, "0x03F8"));
		}
		g_unlink(bin);
		g_unlink(dsl);
	}
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/acpi/walk", test_walk);
	g_test_add_func("/acpi/fadt", test_fadt);
	g_test_add_func("/acpi/madt", test_madt);
	g_test_add_func("/acpi/dsdt", test_dsdt);
	g_test_add_func("/acpi/iasl", test_iasl);
	return g_test_run();
}
