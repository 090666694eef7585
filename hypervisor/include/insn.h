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

#endif
