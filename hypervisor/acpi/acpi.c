// SPDX-License-Identifier: BSD-3-Clause
/*
 * ACPI table parsing: RSDP -> RSDT/XSDT -> MADT, FADT (-> DSDT \_S5).
 * Pure logic over a mapping callback, so the host tests can feed synthetic
 * tables, including broken ones.
 */
#include "acpi.h"

#define SDT_HDR_LEN 36

static bool checksum_ok(const u8 *p, u64 len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static u32 rd32(const u8 *p)
{
	return *(const u32 *)p;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* Map a whole SDT after checking its header; NULL if bad. */
static const u8 *map_sdt(acpi_map_fn map, void *ctx, u64 pa, const char *sig)
{
	const u8 *h = map(ctx, pa, SDT_HDR_LEN);
	u32 len;

	if (!h)
		return NULL;
	len = rd32(h + 4);
	if (len < SDT_HDR_LEN || len > MiB(4))
		return NULL;
	if (sig && memcmp(h, sig, 4))
		return NULL;
	h = map(ctx, pa, len);
	if (!h || !checksum_ok(h, len))
		return NULL;
	return h;
}

static void parse_madt(const u8 *t, struct acpi_info *ai)
{
	u32 len = rd32(t + 4), off = 44;

	ai->lapic_addr = rd32(t + 36);
	while (off + 2 <= len) {
		u8 type = t[off], elen = t[off + 1];

		if (elen < 2 || off + elen > len)
			break;
		if (type == 0 && elen >= 8 && (rd32(t + off + 4) & 1)) {
			if (ai->nr_cpus < ACPI_MAX_CPUS)
				ai->apic_ids[ai->nr_cpus++] = t[off + 3];
		} else if (type == 9 && elen >= 16 && (rd32(t + off + 8) & 1)) {
			if (ai->nr_cpus < ACPI_MAX_CPUS)
				ai->apic_ids[ai->nr_cpus++] = rd32(t + off + 4);
		} else if (type == 1 && elen >= 12) {
			if (!ai->nr_ioapics)
				ai->ioapic_addr = rd32(t + off + 4);
			ai->nr_ioapics++;
		} else if (type == 5 && elen >= 12) {
			ai->lapic_addr = rd64(t + off + 4);
		}
		off += elen;
	}
}

int acpi_madt_disable_cpu(u8 *madt, u32 apic_id)
{
	u32 len, off = 44, i;
	u8 sum = 0;
	int ret = -HV_ENOENT;

	if (memcmp(madt, "APIC", 4) || (len = rd32(madt + 4)) < off)
		return -HV_EINVAL;
	while (off + 2 <= len) {
		u8 type = madt[off], elen = madt[off + 1];
		u8 *flags = NULL;

		if (elen < 2 || off + elen > len)
			return -HV_EINVAL;
		/* flags bit 0: enabled, bit 1: online capable (ACPI 6.3) */
		if (type == 0 && elen >= 8 && madt[off + 3] == apic_id)
			flags = madt + off + 4;
		else if (type == 9 && elen >= 16 && rd32(madt + off + 4) == apic_id)
			flags = madt + off + 8;
		if (flags && (flags[0] & 1)) {
			flags[0] &= (u8)~3U;
			ret = 0;
		}
		off += elen;
	}
	if (ret)
		return ret;
	madt[9] = 0;
	for (i = 0; i < len; i++)
		sum = (u8)(sum + madt[i]);
	madt[9] = (u8)-sum;
	return 0;
}

/* A GAS in system I/O space gives a port; memory space is ignored here. */
static u32 gas_port(const u8 *gas)
{
	return gas[0] == 1 ? (u32)rd64(gas + 4) : 0;
}

static void parse_fadt(const u8 *t, acpi_map_fn map, void *ctx, struct acpi_info *ai)
{
	u32 len = rd32(t + 4);
	const u8 *dsdt;

	ai->have_fadt = true;
	if (len >= 80) {
		ai->pm1a_cnt = rd32(t + 64);
		ai->pm1b_cnt = rd32(t + 68);
		ai->pm_tmr = rd32(t + 76);
		ai->dsdt = rd32(t + 40);
	}
	if (len >= 129) {
		ai->reset_supported = (rd32(t + 112) >> 10) & 1;
		ai->reset_space = t[116];
		ai->reset_addr = rd64(t + 120);
		ai->reset_value = t[128];
	}
	if (len >= 148 && rd64(t + 140))
		ai->dsdt = rd64(t + 140);
	if (len >= 184 && !ai->pm1a_cnt)
		ai->pm1a_cnt = gas_port(t + 172);
	if (len >= 220 && !ai->pm_tmr)
		ai->pm_tmr = gas_port(t + 208);
	if (ai->dsdt) {
		dsdt = map_sdt(map, ctx, ai->dsdt, "DSDT");
		if (dsdt && !acpi_find_s5(dsdt + SDT_HDR_LEN, rd32(dsdt + 4) - SDT_HDR_LEN,
					  &ai->s5_typ_a, &ai->s5_typ_b))
			ai->have_s5 = true;
	}
}

/* One AML integer: ZeroOp, OneOp, BytePrefix or a small constant. */
static int aml_small_int(const u8 *p, const u8 *end, u8 *val, u32 *used)
{
	if (p >= end)
		return -HV_EINVAL;
	if (*p == 0x00 || *p == 0x01) {
		*val = *p;
		*used = 1;
		return 0;
	}
	if (*p == 0x0a && p + 1 < end) {
		*val = p[1];
		*used = 2;
		return 0;
	}
	return -HV_EINVAL;
}

int acpi_find_s5(const u8 *aml, u64 len, u8 *typ_a, u8 *typ_b)
{
	u64 i;

	for (i = 0; i + 8 < len; i++) {
		const u8 *p = aml + i, *end = aml + len;
		u32 used, pkglen_bytes;

		if (memcmp(p, "_S5_", 4))
			continue;
		/* NameOp "_S5_" or "\_S5_" followed by PackageOp */
		if (!(i >= 1 && (p[-1] == 0x08 || (p[-1] == '\\' && i >= 2 && p[-2] == 0x08))))
			continue;
		p += 4;
		if (*p != 0x12)
			continue;
		p++;
		pkglen_bytes = (*p >> 6) + 1;
		p += pkglen_bytes;
		if (p >= end)
			return -HV_ENOENT;
		p++; /* NumElements */
		if (aml_small_int(p, end, typ_a, &used))
			continue;
		p += used;
		if (aml_small_int(p, end, typ_b, &used))
			*typ_b = *typ_a;
		return 0;
	}
	return -HV_ENOENT;
}

int acpi_parse(const u8 *rsdp, u32 rsdp_len, acpi_map_fn map, void *ctx, struct acpi_info *ai)
{
	const u8 *root;
	u32 entry_size, len, off;
	bool have_madt = false;
	u64 root_pa;

	memset(ai, 0, sizeof(*ai));
	if (rsdp_len < 20 || memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20))
		return -HV_EINVAL;
	if (rsdp[15] >= 2 && rsdp_len >= 36 && rd64(rsdp + 24) && checksum_ok(rsdp, 36)) {
		root_pa = rd64(rsdp + 24);
		root = map_sdt(map, ctx, root_pa, "XSDT");
		entry_size = 8;
	} else {
		root_pa = rd32(rsdp + 16);
		root = map_sdt(map, ctx, root_pa, "RSDT");
		entry_size = 4;
	}
	if (!root)
		return -HV_EINVAL;
	len = rd32(root + 4);
	for (off = SDT_HDR_LEN; off + entry_size <= len; off += entry_size) {
		u64 pa = entry_size == 8 ? rd64(root + off) : rd32(root + off);
		const u8 *t = map_sdt(map, ctx, pa, NULL);

		if (!t)
			continue; /* skip a broken table, keep the rest */
		if (!memcmp(t, "APIC", 4) && !have_madt) {
			ai->madt_addr = pa;
			parse_madt(t, ai);
			have_madt = true;
		} else if (!memcmp(t, "FACP", 4) && !ai->have_fadt) {
			parse_fadt(t, map, ctx, ai);
		}
	}
	return have_madt ? 0 : -HV_ENOENT;
}

u64 acpi_scan_rsdp(acpi_map_fn map, void *ctx, u64 pa, u64 len)
{
	u64 off;

	for (off = 0; off + 20 <= len; off += 16) {
		const u8 *p = map(ctx, pa + off, 20);

		if (p && !memcmp(p, "RSD PTR ", 8) && checksum_ok(p, 20))
			return pa + off;
	}
	return 0;
}
