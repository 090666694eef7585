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

/* The ModRM memory operand's length after the ModRM byte (SIB, displacement). */
static int modrm_mem_len(const u8 *code, u32 avail, u32 i, u32 mod, u32 rm, u32 *len)
{
	u32 n = 0;

	if (mod == 3)
		return -HV_EINVAL; /* a register operand cannot be MMIO */
	if (rm == 4) {
		if (i >= avail)
			return -HV_EINVAL;
		if (mod == 0 && (code[i] & 7) == 5)
			n += 4;
		n++;
	} else if (mod == 0 && rm == 5) {
		n += 4;
	}
	n += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	*len = n;
	return 0;
}

int insn_decode_mmio(const u8 *code, u32 avail, struct mmio_insn *mi)
{
	u32 i = 0, rex = 0, mod, rm, reg, mlen, opsize = 4, immsize = 0;
	bool opsize16 = false, twobyte = false;
	u8 op, modrm;

	memset(mi, 0, sizeof(*mi));
	for (; i < avail && i < 4; i++) {
		u8 b = code[i];

		if (b == 0x66)
			opsize16 = true;
		else if (!(b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36 || b == 0x64 ||
			   b == 0x65))
			break;
	}
	if (i < avail && (code[i] & 0xf0) == 0x40)
		rex = code[i++];
	if (rex & 8)
		opsize = 8;
	else if (opsize16)
		opsize = 2;
	if (i < avail && code[i] >= 0xa0 && code[i] <= 0xa3) {
		/* mov AL/eAX <-> moffs64: what compilers emit for a constant address above 2 GiB */
		op = code[i++];
		mi->size = mi->reg_size = (op & 1) ? opsize : 1;
		mi->write = op >= 0xa2;
		i += 8;
		if (i > avail)
			return -HV_EINVAL;
		mi->len = i;
		return 0;
	}
	if (i < avail && code[i] == 0x0f) {
		twobyte = true;
		i++;
	}
	if (i + 2 > avail)
		return -HV_EINVAL;
	op = code[i++];
	modrm = code[i++];
	mod = modrm >> 6;
	reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	rm = modrm & 7;
	mi->reg = reg;
	mi->reg_size = opsize;
	if (!twobyte) {
		switch (op) {
		case 0x88: /* mov r/m8, r8 */
		case 0x8a: /* mov r8, r/m8 */
			mi->size = mi->reg_size = 1;
			mi->write = op == 0x88;
			break;
		case 0x89: /* mov r/m, r */
		case 0x8b: /* mov r, r/m */
			mi->size = opsize;
			mi->write = op == 0x89;
			break;
		case 0xc6: /* mov r/m8, imm8 */
		case 0xc7: /* mov r/m, imm16/32 (sign-extended to 64) */
			if ((reg & 7) != 0)
				return -HV_EINVAL;
			mi->size = op == 0xc6 ? 1 : opsize;
			mi->write = true;
			mi->is_imm = true;
			immsize = op == 0xc6 ? 1 : opsize == 2 ? 2 : 4;
			break;
		default:
			return -HV_EINVAL;
		}
	} else {
		switch (op) {
		case 0xb6: /* movzx r, r/m8 */
		case 0xb7: /* movzx r, r/m16 */
		case 0xbe: /* movsx r, r/m8 */
		case 0xbf: /* movsx r, r/m16 */
			mi->size = (op & 1) ? 2 : 1;
			mi->sign_extend = op >= 0xbe;
			break;
		default:
			return -HV_EINVAL;
		}
	}
	/* AH, CH, DH, BH: the second byte of RAX..RBX (no REX prefix) */
	mi->high_byte = mi->reg_size == 1 && !rex && reg >= 4 && reg < 8;
	if (mi->high_byte)
		mi->reg -= 4;
	if (modrm_mem_len(code, avail, i, mod, rm, &mlen))
		return -HV_EINVAL;
	i += mlen;
	if (immsize) {
		u64 imm = 0;
		u32 k;

		if (i + immsize > avail)
			return -HV_EINVAL;
		for (k = 0; k < immsize; k++)
			imm |= (u64)code[i + k] << (8 * k);
		if (immsize == 4 && opsize == 8 && (imm & 0x80000000U))
			imm |= 0xffffffff00000000ULL;
		mi->imm = imm;
		i += immsize;
	}
	if (i > avail || i > 15)
		return -HV_EINVAL;
	mi->len = i;
	return 0;
}

static u64 size_mask(u32 size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

u64 insn_mmio_store_value(const struct mmio_insn *mi, u64 regval)
{
	if (mi->is_imm)
		return mi->imm & size_mask(mi->size);
	if (mi->high_byte)
		regval >>= 8;
	return regval & size_mask(mi->size);
}

u64 insn_mmio_load_result(const struct mmio_insn *mi, u64 old, u64 val)
{
	u64 m;

	val &= size_mask(mi->size);
	if (mi->sign_extend && (val & (1ULL << (8 * mi->size - 1))))
		val |= ~size_mask(mi->size);
	if (mi->high_byte)
		return (old & ~0xff00ULL) | ((val & 0xff) << 8);
	if (mi->reg_size >= 4) /* a 32-bit destination clears bits 63:32 */
		return val & size_mask(mi->reg_size);
	m = size_mask(mi->reg_size);
	return (old & ~m) | (val & m);
}
