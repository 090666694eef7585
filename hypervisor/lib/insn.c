// SPDX-License-Identifier: BSD-3-Clause
/* Minimal store decoder for MMIO emulation (pure; host-tested). */
#include "insn.h"

int insn_decode_store(const u8 *code, u32 avail, struct mmio_store *st)
{
	u32 i = 0, mod, rm, reg, rex = 0;
	u8 op, modrm;

	memset(st, 0, sizeof(*st));
	/* segment overrides are harmless for a flat 64-bit address */
	while (i < avail && (code[i] == 0x2e || code[i] == 0x3e || code[i] == 0x26 ||
			     code[i] == 0x36 || code[i] == 0x64 || code[i] == 0x65))
		i++;
	if (i < avail && (code[i] & 0xf0) == 0x40)
		rex = code[i++];
	if (rex & 8) /* REX.W: 64-bit store, not an APIC access */
		return -HV_EINVAL;
	if (i + 2 > avail)
		return -HV_EINVAL;
	op = code[i++];
	modrm = code[i++];
	mod = modrm >> 6;
	reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	rm = modrm & 7;
	if (mod == 3 || (op != 0x89 && op != 0x87 && !(op == 0xc7 && (reg & 7) == 0)))
		return -HV_EINVAL;
	if (rm == 4) { /* SIB */
		if (i >= avail)
			return -HV_EINVAL;
		if (mod == 0 && (code[i] & 7) == 5)
			i += 4;
		i++;
	} else if (mod == 0 && rm == 5) { /* RIP-relative */
		i += 4;
	}
	if (mod == 1)
		i += 1;
	else if (mod == 2)
		i += 4;
	if (op == 0xc7) {
		if (i + 4 > avail)
			return -HV_EINVAL;
		st->is_imm = true;
		st->imm = (u32)code[i] | (u32)code[i + 1] << 8 | (u32)code[i + 2] << 16 |
			  (u32)code[i + 3] << 24;
		i += 4;
	} else {
		st->src_reg = reg;
		st->is_xchg = op == 0x87;
	}
	if (i > avail || i > 15)
		return -HV_EINVAL;
	st->len = i;
	return 0;
}
