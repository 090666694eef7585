// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for the MMIO decoders (Service VM LAPIC stores, User VM MMIO). */
#include <glib.h>
#include "insn.h"

static void ok(const u8 *code, u32 n, u32 len, bool imm, u32 reg_or_imm)
{
	struct mmio_store st;

	g_assert_cmpint(insn_decode_store(code, n, &st), ==, 0);
	g_assert_cmpuint(st.len, ==, len);
	g_assert_cmpint(st.is_imm, ==, imm);
	if (imm)
		g_assert_cmpuint(st.imm, ==, reg_or_imm);
	else
		g_assert_cmpuint(st.src_reg, ==, reg_or_imm);
}

static void test_forms(void)
{
	/* mov %esi,(%rdi) */
	ok((const u8[]){0x89, 0x37}, 2, 2, false, 6);
	/* mov %edx,0xffffffffff5fc300 (absolute via SIB, no base) */
	ok((const u8[]){0x89, 0x14, 0x25, 0x00, 0xc3, 0x5f, 0xff}, 7, 7, false, 2);
	/* mov %r9d,0x300(%rax) */
	ok((const u8[]){0x44, 0x89, 0x88, 0x00, 0x03, 0x00, 0x00}, 7, 7, false, 9);
	/* mov %eax,-0x10(%rbp) */
	ok((const u8[]){0x89, 0x45, 0xf0}, 3, 3, false, 0);
	/* mov %ecx,0x10(%rip) */
	ok((const u8[]){0x89, 0x0d, 0x10, 0, 0, 0}, 6, 6, false, 1);
	/* movl $0x0,0xb0(%rax) */
	ok((const u8[]){0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0}, 10, 10, true, 0);
	/* ds: movl $0x12345678,(%rbx,%rcx,4) */
	ok((const u8[]){0x3e, 0xc7, 0x04, 0x8b, 0x78, 0x56, 0x34, 0x12}, 8, 8, true, 0x12345678);
	{
		struct mmio_store st;

		g_assert_cmpint(insn_decode_store((const u8[]){0x87, 0x37}, 2, &st), ==, 0);
		g_assert_true(st.is_xchg);
	}
}

static void test_rejects(void)
{
	struct mmio_store st;

	/* 64-bit store */
	g_assert_cmpint(insn_decode_store((const u8[]){0x48, 0x89, 0x37}, 3, &st), ==, -HV_EINVAL);
	/* a load */
	g_assert_cmpint(insn_decode_store((const u8[]){0x8b, 0x37}, 2, &st), ==, -HV_EINVAL);
	/* register destination */
	g_assert_cmpint(insn_decode_store((const u8[]){0x89, 0xc0}, 2, &st), ==, -HV_EINVAL);
	/* truncated */
	g_assert_cmpint(insn_decode_store((const u8[]){0x89, 0x80, 0}, 3, &st), ==, -HV_EINVAL);
	g_assert_cmpint(insn_decode_store((const u8[]){0x89}, 1, &st), ==, -HV_EINVAL);
	g_assert_cmpint(insn_decode_store((const u8[]){0xc7, 0x00, 1, 2}, 4, &st), ==, -HV_EINVAL);
	/* C7 /1 is not a MOV */
	g_assert_cmpint(insn_decode_store((const u8[]){0xc7, 0x08, 1, 2, 3, 4}, 6, &st), ==,
			-HV_EINVAL);
}

static struct mmio_insn mi_ok(const u8 *code, u32 n, u32 len, u32 size, bool write)
{
	struct mmio_insn mi;

	g_assert_cmpint(insn_decode_mmio(code, n, &mi), ==, 0);
	g_assert_cmpuint(mi.len, ==, len);
	g_assert_cmpuint(mi.size, ==, size);
	g_assert_cmpint(mi.write, ==, write);
	return mi;
}

static void test_mmio_forms(void)
{
	struct mmio_insn mi;

	/* movl $0xa5a55a5a,(%rdi) */
	mi = mi_ok((const u8[]){0xc7, 0x07, 0x5a, 0x5a, 0xa5, 0xa5}, 6, 6, 4, true);
	g_assert_true(mi.is_imm);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0), ==, 0xa5a55a5a);
	/* mov %rax,0x8(%rdi) */
	mi = mi_ok((const u8[]){0x48, 0x89, 0x47, 0x08}, 4, 4, 8, true);
	g_assert_cmpuint(mi.reg, ==, 0);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0x0123456789abcdefULL), ==,
			0x0123456789abcdefULL);
	/* mov (%rdi),%ebx: a 32-bit load clears bits 63:32 */
	mi = mi_ok((const u8[]){0x8b, 0x1f}, 2, 2, 4, false);
	g_assert_cmpuint(mi.reg, ==, 3);
	g_assert_cmphex(insn_mmio_load_result(&mi, ~0ULL, 0xfeedbeef), ==, 0xfeedbeef);
	/* movzbl 0x4(%rdi),%ecx */
	mi = mi_ok((const u8[]){0x0f, 0xb6, 0x4f, 0x04}, 4, 4, 1, false);
	g_assert_cmpuint(mi.reg, ==, 1);
	g_assert_cmphex(insn_mmio_load_result(&mi, ~0ULL, 0xff42), ==, 0x42);
	/* movswq (%rsi),%r8 (REX.W + REX.R, 0f bf) */
	mi = mi_ok((const u8[]){0x4c, 0x0f, 0xbf, 0x06}, 4, 4, 2, false);
	g_assert_cmpuint(mi.reg, ==, 8);
	g_assert_cmphex(insn_mmio_load_result(&mi, 0, 0x8001), ==, 0xffffffffffff8001ULL);
	/* mov 0x10(%rdi),%rdx */
	mi = mi_ok((const u8[]){0x48, 0x8b, 0x57, 0x10}, 4, 4, 8, false);
	g_assert_cmphex(insn_mmio_load_result(&mi, 0, 0x1122334455667788ULL), ==,
			0x1122334455667788ULL);
	/* mov (%rbx),%ax: a 16-bit load keeps bits 63:16 */
	mi = mi_ok((const u8[]){0x66, 0x8b, 0x03}, 3, 3, 2, false);
	g_assert_cmphex(insn_mmio_load_result(&mi, 0x1111222233334444ULL, 0xbeef), ==,
			0x111122223333beefULL);
	/* mov (%rcx),%ah: the second byte of RAX */
	mi = mi_ok((const u8[]){0x8a, 0x21}, 2, 2, 1, false);
	g_assert_true(mi.high_byte);
	g_assert_cmpuint(mi.reg, ==, 0);
	g_assert_cmphex(insn_mmio_load_result(&mi, 0x1234, 0x56), ==, 0x5634);
	/* mov %bh,(%rdx) stores bits 15:8 of RBX */
	mi = mi_ok((const u8[]){0x88, 0x3a}, 2, 2, 1, true);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0xab12), ==, 0xab);
	/* with REX, reg 7 is DIL: mov %dil,(%rdx) */
	mi = mi_ok((const u8[]){0x40, 0x88, 0x3a}, 3, 3, 1, true);
	g_assert_false(mi.high_byte);
	g_assert_cmpuint(mi.reg, ==, 7);
	/* movb $0x7f,0x10(%rax,%rbx,2) */
	mi = mi_ok((const u8[]){0xc6, 0x44, 0x58, 0x10, 0x7f}, 5, 5, 1, true);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0), ==, 0x7f);
	/* movq $-1,(%rax): imm32 sign-extended */
	mi = mi_ok((const u8[]){0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff}, 7, 7, 8, true);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0), ==, ~0ULL);
	/* movw $0x1234,(%rax) */
	mi = mi_ok((const u8[]){0x66, 0xc7, 0x00, 0x34, 0x12}, 5, 5, 2, true);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0), ==, 0x1234);
	/* movabs 0xfee00020,%eax (a1 moffs64): a 32-bit load into EAX */
	mi = mi_ok((const u8[]){0xa1, 0x20, 0, 0xe0, 0xfe, 0, 0, 0, 0}, 9, 9, 4, false);
	g_assert_cmpuint(mi.reg, ==, 0);
	g_assert_cmphex(insn_mmio_load_result(&mi, ~0ULL, 0x14), ==, 0x14);
	/* movabs %al,0xfec00000 (a2) and movabs %rax,moffs (REX.W a3) */
	mi = mi_ok((const u8[]){0xa2, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0}, 9, 9, 1, true);
	g_assert_cmphex(insn_mmio_store_value(&mi, 0x1234), ==, 0x34);
	mi = mi_ok((const u8[]){0x48, 0xa3, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0}, 10, 10, 8, true);
	/* movabs 0x...,%ax (66 a1) keeps bits 63:16 */
	mi = mi_ok((const u8[]){0x66, 0xa1, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0}, 10, 10, 2, false);
	g_assert_cmphex(insn_mmio_load_result(&mi, 0xffff0000ULL, 0xabcd), ==, 0xffffabcdULL);
}

static void test_mmio_rejects(void)
{
	struct mmio_insn mi;

	/* register operands, other opcodes, truncated bytes, C7 /1 */
	g_assert_cmpint(insn_decode_mmio((const u8[]){0x8b, 0xc3}, 2, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0x01, 0x07}, 2, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0xc7, 0x07, 0x01}, 3, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0xc7, 0x0f, 0, 0, 0, 0}, 6, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0x8b, 0x04}, 2, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0x0f, 0xaf, 0x07}, 3, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0x48}, 1, &mi), !=, 0);
	g_assert_cmpint(insn_decode_mmio((const u8[]){0}, 0, &mi), !=, 0);
	/* a moffs without its 8 address bytes */
	g_assert_cmpint(insn_decode_mmio((const u8[]){0xa1, 0x20, 0, 0xe0, 0xfe}, 5, &mi), !=, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/insn/forms", test_forms);
	g_test_add_func("/insn/rejects", test_rejects);
	g_test_add_func("/insn/mmio-forms", test_mmio_forms);
	g_test_add_func("/insn/mmio-rejects", test_mmio_rejects);
	return g_test_run();
}
