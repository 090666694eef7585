/* ACPI tables in C; see acpi.h.  Layouts follow the ACPI 6.x
 * specification; the FADT is revision 6 (276 bytes). */
#include "config.h"

#include <string.h>

#include "acpi.h"
#include "guest-mem.h"
#include "irq.h"
#include "pm.h"

#define OEM_ID	     "ACRNDM"
#define OEM_TABLE_ID "ACRNDMVM"
#define HEADER_LEN   36
#define FADT_LEN     276
#define FACS_LEN     64

static void put16(guint8 *p, guint16 v)
{
	p[0] = (guint8)v;
	p[1] = (guint8)(v >> 8);
}

static void put32(guint8 *p, guint32 v)
{
	put16(p, (guint16)v);
	put16(p + 2, (guint16)(v >> 16));
}

static void put64(guint8 *p, guint64 v)
{
	put32(p, (guint32)v);
	put32(p + 4, (guint32)(v >> 32));
}

static guint8 checksum(const guint8 *p, gsize len)
{
	guint8 sum = 0;

	for (gsize i = 0; i < len; i++)
		sum = (guint8)(sum + p[i]);
	return (guint8)(0x100 - sum);
}

static void header(guint8 *t, const char *sig, guint32 len, guint8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put32(t + 24, 1);
	memcpy(t + 28, "ACRN", 4);
	put32(t + 32, 1);
}

static void finish(guint8 *t)
{
	guint32 len = t[4] | t[5] << 8 | t[6] << 16 | (guint32)t[7] << 24;

	t[9] = 0;
	t[9] = checksum(t, len);
}

/* Generic address structure for a SystemIO register. */
static void gas_io(guint8 *p, guint8 bits, guint8 access, guint64 port)
{
	p[0] = 1; /* SystemIO */
	p[1] = bits;
	p[2] = 0;
	p[3] = access;
	put64(p + 4, port);
}

static void build_fadt(guint8 *t, guint64 base)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 36, (guint32)(base + DM_ACPI_FACS));
	put32(t + 40, (guint32)(base + DM_ACPI_DSDT));
	put16(t + 46, DM_GSI_SCI);
	put32(t + 48, DM_SMI_CMD);
	t[52] = DM_ACPI_ENABLE;
	t[53] = DM_ACPI_DISABLE;
	put32(t + 56, DM_PM1A_EVT);
	put32(t + 64, DM_PM1A_CNT);
	t[88] = 4;     /* PM1_EVT_LEN */
	t[89] = 2;     /* PM1_CNT_LEN */
	t[108] = 0x32; /* RTC century register */
	/* IAPC_BOOT_ARCH: legacy devices, no 8042, no VGA. */
	put16(t + 109, 0x0001 | 0x0004);
	/* Flags: WBINVD, PROC_C1, RESET_REG_SUP.  PWR_BUTTON and SLP_BUTTON
	 * stay clear: the buttons are the fixed-feature ones of PM1. */
	put32(t + 112, (1U << 0) | (1U << 2) | (1U << 10));
	gas_io(t + 116, 8, 1, DM_RESET_PORT);
	t[128] = 0x06; /* reset value: RST_CPU | SYS_RST */
	t[131] = 3;    /* FADT minor version: 6.3 */
	put64(t + 132, base + DM_ACPI_FACS);
	put64(t + 140, base + DM_ACPI_DSDT);
	gas_io(t + 148, 32, 2, DM_PM1A_EVT);
	gas_io(t + 172, 16, 2, DM_PM1A_CNT);
	finish(t);
}

static void build_facs(guint8 *t)
{
	memcpy(t, "FACS", 4);
	put32(t + 4, FACS_LEN);
	t[32] = 2; /* version */
}

static guint32 build_madt(guint8 *t, const DmAcpiConfig *cfg)
{
	guint32 off = 44;

	put32(t + 36, 0xFEE00000); /* local APIC address */
	put32(t + 40, 1);	   /* PCAT_COMPAT: there is a (virtual) 8259 */
	for (guint i = 0; i < cfg->n_cpus; i++) {
		guint8 *e = t + off;

		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (guint8)i;
		e[3] = cfg->apic_ids[i];
		put32(e + 4, 1); /* enabled */
		off += 8;
	}
	t[off] = 1; /* I/O APIC, emulated by the hypervisor */
	t[off + 1] = 12;
	t[off + 2] = 0;
	put32(t + off + 4, 0xFEC00000);
	put32(t + off + 8, 0);
	off += 12;
	/* ISA IRQ 0 is wired to pin 2; the SCI is level, active high. */
	static const struct {
		guint8 irq;
		guint32 gsi;
		guint16 flags;
	} iso[] = {{0, DM_GSI_PIT, 0}, {9, DM_GSI_SCI, 0x000D}};
	for (guint i = 0; i < G_N_ELEMENTS(iso); i++) {
		t[off] = 2;
		t[off + 1] = 10;
		t[off + 2] = 0;
		t[off + 3] = iso[i].irq;
		put32(t + off + 4, iso[i].gsi);
		put16(t + off + 8, iso[i].flags);
		off += 10;
	}
	t[off] = 4; /* local APIC NMI on LINT1 of every processor */
	t[off + 1] = 6;
	t[off + 2] = 0xFF;
	put16(t + off + 3, 0x0005);
	t[off + 5] = 1;
	off += 6;
	header(t, "APIC", off, 5);
	finish(t);
	return off;
}

/* ---- AML ---- */

static void aml_pkg(GByteArray *out, guint8 op, GByteArray *body)
{
	guint len = body->len;
	guint8 enc[4];
	guint n;

	/* PkgLength counts its own bytes. */
	if (len + 1 < 64) {
		enc[0] = (guint8)(len + 1);
		n = 1;
	} else if (len + 2 < (1U << 12)) {
		guint v = len + 2;

		enc[0] = (guint8)(0x40 | (v & 0xF));
		enc[1] = (guint8)(v >> 4);
		n = 2;
	} else {
		guint v = len + 3;

		enc[0] = (guint8)(0x80 | (v & 0xF));
		enc[1] = (guint8)(v >> 4);
		enc[2] = (guint8)(v >> 12);
		n = 3;
	}
	g_byte_array_append(out, &op, 1);
	g_byte_array_append(out, enc, n);
	g_byte_array_append(out, body->data, body->len);
}

static void aml_int(GByteArray *b, guint64 v)
{
	guint8 e[9];
	guint n;

	if (v == 0 || v == 1) {
		e[0] = (guint8)v; /* ZeroOp, OneOp */
		n = 1;
	} else if (v <= 0xFF) {
		e[0] = 0x0A;
		n = 2;
	} else if (v <= 0xFFFF) {
		e[0] = 0x0B;
		n = 3;
	} else if (v <= 0xFFFFFFFF) {
		e[0] = 0x0C;
		n = 5;
	} else {
		e[0] = 0x0E;
		n = 9;
	}
	for (guint i = 1; i < n; i++)
		e[i] = (guint8)(v >> (8 * (i - 1)));
	g_byte_array_append(b, e, n);
}

/* A NameSeg is four characters, padded with '_'; a path starting with '\'
 * is absolute.  Only single-segment names are used here. */
static void aml_name_string(GByteArray *b, const char *name)
{
	char seg[4] = {'_', '_', '_', '_'};

	if (name[0] == '\\') {
		g_byte_array_append(b, (const guint8 *)"\\", 1);
		name++;
	}
	memcpy(seg, name, MIN(strlen(name), 4));
	g_byte_array_append(b, (const guint8 *)seg, 4);
}

static void aml_name_int(GByteArray *b, const char *name, guint64 v)
{
	g_byte_array_append(b, (const guint8 *)"\x08", 1);
	aml_name_string(b, name);
	aml_int(b, v);
}

/* EISAID("PNP0A03") as the 32-bit compressed id. */
static guint32 eisa_id(const char *id)
{
	guint16 mfg = (guint16)(((id[0] - 0x40) & 0x1F) << 10 | ((id[1] - 0x40) & 0x1F) << 5 |
				((id[2] - 0x40) & 0x1F));
	guint32 prod = (guint32)g_ascii_strtoull(id + 3, NULL, 16);

	/* Stored big-endian: manufacturer, then product. */
	return (guint32)(mfg >> 8) | (guint32)(mfg & 0xFF) << 8 | (prod >> 8) << 16 |
	       (prod & 0xFF) << 24;
}

static void aml_name_buffer(GByteArray *b, const char *name, GByteArray *data)
{
	g_autoptr(GByteArray) body = g_byte_array_new();

	g_byte_array_append(b, (const guint8 *)"\x08", 1);
	aml_name_string(b, name);
	aml_int(body, data->len);
	g_byte_array_append(body, data->data, data->len);
	aml_pkg(b, 0x11, body); /* BufferOp */
}

static void res_io(GByteArray *r, guint16 port, guint8 len)
{
	guint8 d[8] = {
	    0x47, 1, (guint8)port, (guint8)(port >> 8), (guint8)port, (guint8)(port >> 8), 1, len};

	g_byte_array_append(r, d, sizeof(d));
}

static void res_irq(GByteArray *r, guint irq)
{
	guint8 d[3] = {0x22, (guint8)(1U << irq), (guint8)((1U << irq) >> 8)};

	g_byte_array_append(r, d, sizeof(d));
}

/* Word address space: @type 1 I/O, 2 bus numbers. */
static void res_word(GByteArray *r, guint8 type, guint16 min, guint16 max)
{
	guint8 d[16] = {0x88, 13, 0, type, 0x0C, type == 1 ? 3 : 0};

	put16(d + 8, min);
	put16(d + 10, max);
	put16(d + 14, (guint16)(max - min + 1));
	d[3] = type;
	g_byte_array_append(r, d, sizeof(d));
}

static void res_dword_mem(GByteArray *r, guint32 min, guint32 max)
{
	guint8 d[26] = {0x87, 23, 0, 0, 0x0C, 0x01};

	put32(d + 10, min);
	put32(d + 14, max);
	put32(d + 22, max - min + 1);
	g_byte_array_append(r, d, sizeof(d));
}

static void res_end(GByteArray *r)
{
	g_byte_array_append(r, (const guint8 *)"\x79\x00", 2);
}

static void aml_device(GByteArray *out, const char *name, const char *hid, guint uid,
		       GByteArray *crs, GByteArray *extra)
{
	g_autoptr(GByteArray) body = g_byte_array_new();
	g_autoptr(GByteArray) dev = g_byte_array_new();

	aml_name_string(body, name);
	aml_name_int(body, "_HID", eisa_id(hid));
	aml_name_int(body, "_UID", uid);
	if (crs)
		aml_name_buffer(body, "_CRS", crs);
	if (extra)
		g_byte_array_append(body, extra->data, extra->len);
	g_byte_array_append(dev, (const guint8 *)"\x5B", 1); /* ExtOpPrefix */
	aml_pkg(dev, 0x82, body);			     /* DeviceOp */
	g_byte_array_append(out, dev->data, dev->len);
}

static void aml_sleep_state(GByteArray *out, const char *name, guint8 typ)
{
	g_autoptr(GByteArray) pkg = g_byte_array_new();

	g_byte_array_append(out, (const guint8 *)"\x08", 1);
	aml_name_string(out, name);
	g_byte_array_append(pkg, (const guint8 *)"\x04", 1); /* 4 elements */
	aml_int(pkg, typ);				     /* PM1a SLP_TYP */
	aml_int(pkg, typ);				     /* PM1b (absent) */
	aml_int(pkg, 0);
	aml_int(pkg, 0);
	aml_pkg(out, 0x12, pkg);
}

/* _PRT: INTA# of slot N goes to GSI 16+N (pci.c's dm_pci_enable_intx). */
static void aml_prt(GByteArray *out)
{
	g_autoptr(GByteArray) list = g_byte_array_new();
	guint8 n = 32;

	g_byte_array_append(list, &n, 1);
	for (guint slot = 0; slot < 32; slot++) {
		g_autoptr(GByteArray) e = g_byte_array_new();

		g_byte_array_append(e, (const guint8 *)"\x04", 1);
		aml_int(e, (guint64)slot << 16 | 0xFFFF);
		aml_int(e, 0); /* INTA# */
		aml_int(e, 0); /* no link device: the next field is a GSI */
		aml_int(e, DM_GSI_PCI_BASE + slot);
		aml_pkg(list, 0x12, e);
	}
	g_byte_array_append(out, (const guint8 *)"\x08", 1);
	aml_name_string(out, "_PRT");
	aml_pkg(out, 0x12, list);
}

static guint32 build_dsdt(guint8 *t, gsize room, const DmAcpiConfig *cfg)
{
	g_autoptr(GByteArray) aml = g_byte_array_new();
	g_autoptr(GByteArray) sb = g_byte_array_new();
	g_autoptr(GByteArray) crs = g_byte_array_new();
	g_autoptr(GByteArray) pci_extra = g_byte_array_new();
	g_autoptr(GByteArray) lpc = g_byte_array_new();

	aml_sleep_state(aml, "\\_S3_", DM_SLP_TYP_S3);
	aml_sleep_state(aml, "\\_S5_", DM_SLP_TYP_S5);

	aml_name_string(sb, "\\_SB_");
	/* PCI0: bus 0, config ports, I/O and the 32-bit memory window. */
	res_word(crs, 2, 0, 0xFF);
	res_io(crs, 0xCF8, 8);
	res_word(crs, 1, 0x0000, 0x0CF7);
	res_word(crs, 1, 0x0D00, 0xFFFF);
	res_dword_mem(crs, (guint32)DM_PCI_MMIO32_BASE, (guint32)(DM_PCI_MMIO32_LIMIT - 1));
	res_end(crs);
	aml_name_int(pci_extra, "_ADR", 0);
	aml_name_int(pci_extra, "_BBN", 0);
	aml_prt(pci_extra);
	/* The ISA devices, as children of PCI0 like on a PC. */
	{
		g_autoptr(GByteArray) r = g_byte_array_new();

		res_io(r, 0x70, 2);
		res_irq(r, 8);
		res_end(r);
		aml_device(pci_extra, "RTC", "PNP0B00", 0, r, NULL);
	}
	{
		g_autoptr(GByteArray) r = g_byte_array_new();

		res_io(r, 0x40, 4);
		res_irq(r, 0);
		res_end(r);
		aml_device(pci_extra, "TIMR", "PNP0100", 0, r, NULL);
	}
	if (cfg->com1) {
		g_autoptr(GByteArray) r = g_byte_array_new();

		res_io(r, 0x3F8, 8);
		res_irq(r, 4);
		res_end(r);
		aml_device(pci_extra, "COM1", "PNP0501", 1, r, NULL);
	}
	aml_device(lpc, "PCI0", "PNP0A03", 0, crs, pci_extra);
	g_byte_array_append(sb, lpc->data, lpc->len);
	aml_pkg(aml, 0x10, sb); /* ScopeOp */

	g_assert(HEADER_LEN + aml->len <= room);
	memcpy(t + HEADER_LEN, aml->data, aml->len);
	header(t, "DSDT", HEADER_LEN + aml->len, 2);
	finish(t);
	return HEADER_LEN + aml->len;
}

guint64 dm_acpi_build(const DmAcpiConfig *cfg, guint8 *buf, guint64 base)
{
	guint8 *rsdp = buf + DM_ACPI_RSDP, *xsdt = buf + DM_ACPI_XSDT;

	g_return_val_if_fail(cfg->n_cpus >= 1 && cfg->n_cpus <= 16, 0);
	memset(buf, 0, DM_ACPI_SIZE);
	build_fadt(buf + DM_ACPI_FADT, base);
	build_facs(buf + DM_ACPI_FACS);
	build_madt(buf + DM_ACPI_MADT, cfg);
	build_dsdt(buf + DM_ACPI_DSDT, DM_ACPI_SIZE - DM_ACPI_DSDT, cfg);

	header(xsdt, "XSDT", HEADER_LEN + 16, 1);
	put64(xsdt + 36, base + DM_ACPI_FADT);
	put64(xsdt + 44, base + DM_ACPI_MADT);
	finish(xsdt);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, OEM_ID, 6);
	rsdp[15] = 2; /* ACPI 2.0+: use the XSDT */
	put32(rsdp + 20, 36);
	put64(rsdp + 24, base + DM_ACPI_XSDT);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, 36);
	return base + DM_ACPI_RSDP;
}
