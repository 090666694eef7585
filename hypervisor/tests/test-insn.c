// SPDX-License-Identifier: BSD-3-Clause
/* Host tests for the MMIO store decoder. */
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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/insn/forms", test_forms);
	g_test_add_func("/insn/rejects", test_rejects);
	return g_test_run();
}
