/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Just enough x86 instruction decoding to emulate a guest's 32-bit stores to
 * a trapped MMIO page (the local APIC): MOV r/m32,r32 (89), MOV r/m32,imm32
 * (C7 /0) and XCHG r/m32,r32 (87).
 */
#ifndef HV_INSN_H
#define HV_INSN_H

#include "lib.h"

struct mmio_store {
	u32 len;      /* instruction length */
	bool is_imm;  /* value is imm, else GPR number src_reg */
	bool is_xchg; /* register receives the old memory value */
	u32 src_reg;  /* 0-15, VMX exit-qualification order */
	u32 imm;
};

/* Decode a 64-bit-mode store at @code (@avail bytes); -EINVAL if unsupported. */
int insn_decode_store(const u8 *code, u32 avail, struct mmio_store *st);

/*
 * A guest's MMIO access in 64-bit mode, for User VM I/O requests: MOV
 * r/m<->reg (88, 89, 8A, 8B) of 1/2/4/8 bytes, MOV r/m,imm (C6 /0, C7 /0),
 * MOVZX/MOVSX r,r/m8|16 (0F B6/B7/BE/BF), MOV AL/eAX<->moffs64 (A0-A3);
 * 66, REX and segment prefixes.
 */
struct mmio_insn {
	u32 len;	  /* instruction length */
	u32 size;	  /* bytes of memory accessed: 1, 2, 4 or 8 */
	bool write;	  /* a store (register or immediate) */
	bool is_imm;	  /* the stored value is imm */
	u64 imm;	  /* sign-extended as the CPU would */
	u32 reg;	  /* GPR number (VMX exit-qualification order) */
	u32 reg_size;	  /* bytes of the register operand */
	bool high_byte;	  /* AH/CH/DH/BH: bits 15:8 of reg */
	bool sign_extend; /* MOVSX; a narrower load into a wider register zero-extends */
};

/* Decode @code (@avail bytes); -EINVAL if it is not one of the forms above. */
int insn_decode_mmio(const u8 *code, u32 avail, struct mmio_insn *mi);
/* What a store by @mi writes, given the source register's value @regval. */
u64 insn_mmio_store_value(const struct mmio_insn *mi, u64 regval);
/* The destination register after a load of @val by @mi (@old: its value before). */
u64 insn_mmio_load_result(const struct mmio_insn *mi, u64 old, u64 val);

#endif
