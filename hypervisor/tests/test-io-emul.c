// SPDX-License-Identifier: BSD-3-Clause
/*
 * Host test of string port I/O (INS/OUTS) in dm/io_emul.c: the VM-exit
 * fields come from a table (a stand-in for VMREAD), guest memory is a host
 * buffer the VM's e820 calls RAM (the Service VM is identity-mapped, paging
 * off), and a registered port handler records what it is given.
 */
#include <glib.h>
#include <stdlib.h>
#include "hv.h"
#include "io_emul.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

struct hv_state hv;
int hv_loglevel = 3;

void hv_log(int level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

/* ---- stand-ins for VMX and the vCPU ---- */

static u64 f_qual, f_info, f_linear, f_rflags;
static u32 skipped, injected_vector;
static bool injected;

u64 vmread(u64 field)
{
	switch (field) {
	case EXIT_QUALIFICATION:
		return f_qual;
	case EXIT_INSTR_INFO:
		return f_info;
	case GUEST_LINEAR_ADDR:
		return f_linear;
	case GUEST_RFLAGS:
		return f_rflags;
	default:
		return 0; /* CR0 without PG: linear = guest-physical */
	}
}

void vmwrite(u64 field, u64 value)
{
	(void)field;
	(void)value;
}

void vcpu_skip_instruction(struct vcpu *v)
{
	(void)v;
	skipped++;
}

void vcpu_inject_exception(struct vcpu *v, u32 vector, bool has_err, u32 err)
{
	(void)v;
	(void)has_err;
	(void)err;
	injected = true;
	injected_vector = vector;
}

/* ---- the port: what it was given, what it answers ---- */

#define PORT 0x3f8
static u8 written[64];
static u32 nr_written, nr_read;
static u8 next_read;

static int port_fn(struct vcpu *v, struct io_access *a, void *ctx)
{
	(void)v;
	(void)ctx;
	g_assert_cmpuint(a->size, ==, 1);
	if (a->write)
		written[nr_written++] = (u8)a->value;
	else
		a->value = next_read++, nr_read++;
	return 0;
}

/* ---- set-up ---- */

#define RAM_SIZE 0x2000
static u8 *ram;
static u8 bitmap[2][4096];
static struct vm vm;
static struct vcpu *v = &vm.vcpu[0];

static void setup(void)
{
	free(ram);
	ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&vm, 0, sizeof(vm));
	memset(&hv, 0, sizeof(hv));
	hv.hv_start = 0x1000;
	hv.hv_end = 0x2000;
	vm.type = VM_SERVICE;
	vm.io_bitmap[0] = bitmap[0];
	vm.io_bitmap[1] = bitmap[1];
	e820_add(&vm.mmap, (u64)(uintptr_t)ram, RAM_SIZE, E820_RAM);
	v->vm = &vm;
	g_assert_cmpint(pio_register(&vm, PORT, 1, port_fn, NULL), ==, 0);
	nr_written = nr_read = skipped = 0;
	next_read = 0x40;
	injected = false;
	f_rflags = 2;
	f_info = 2 << 7; /* 64-bit address size */
}

/* One exit of a byte-sized string instruction at linear address @lin. */
static void exit_at(bool in, bool rep, u64 lin)
{
	f_qual =
	    ((u64)PORT << 16) | IO_QUAL_STRING | (rep ? IO_QUAL_REP : 0) | (in ? IO_QUAL_IN : 0);
	f_linear = lin;
	g_assert_cmpint(io_emul_pio_exit(v), ==, 0);
}

static void test_rep_outsb(void)
{
	u64 base;
	u32 i;

	setup();
	base = (u64)(uintptr_t)ram + 0x100;
	memcpy(ram + 0x100, "abc", 3);
	v->regs.rsi = base;
	v->regs.rcx = 3;
	/* the CPU exits once per element and runs the instruction again until RCX is 0 */
	for (i = 0; i < 3; i++) {
		exit_at(false, true, v->regs.rsi);
		g_assert_cmpuint(skipped, ==, i == 2 ? 1 : 0);
	}
	g_assert_cmpuint(nr_written, ==, 3);
	g_assert_cmpmem(written, 3, "abc", 3);
	g_assert_cmpuint(v->regs.rsi, ==, base + 3);
	g_assert_cmpuint(v->regs.rcx, ==, 0);
	/* REP with RCX 0: nothing moves */
	exit_at(false, true, v->regs.rsi);
	g_assert_cmpuint(nr_written, ==, 3);
	g_assert_cmpuint(skipped, ==, 2);
	g_assert_false(injected);
}

static void test_insb_backwards(void)
{
	u64 base;

	setup();
	base = (u64)(uintptr_t)ram + 0x203;
	f_rflags = 2 | RFLAGS_DF;
	v->regs.rdi = base;
	v->regs.rcx = 2;
	exit_at(true, true, v->regs.rdi);
	exit_at(true, true, v->regs.rdi);
	g_assert_cmpuint(ram[0x203], ==, 0x40);
	g_assert_cmpuint(ram[0x202], ==, 0x41);
	g_assert_cmpuint(ram[0x204], ==, 0);
	g_assert_cmpuint(v->regs.rdi, ==, base - 2);
	g_assert_cmpuint(v->regs.rcx, ==, 0);
	g_assert_cmpuint(skipped, ==, 1);
	/* without REP: one element, RCX untouched */
	f_rflags = 2;
	v->regs.rcx = 7;
	exit_at(true, false, v->regs.rdi);
	g_assert_cmpuint(ram[0x201], ==, 0x42);
	g_assert_cmpuint(v->regs.rdi, ==, base - 1);
	g_assert_cmpuint(v->regs.rcx, ==, 7);
	g_assert_cmpuint(skipped, ==, 2);
}

/* RSI/RDI and RCX are written in the instruction's address size. */
static void test_address_size(void)
{
	u64 lin;

	setup();
	lin = (u64)(uintptr_t)ram;
	f_info = 1 << 7; /* 32-bit: the result is zero-extended */
	v->regs.rsi = 0xdeadbeefffffffffULL;
	v->regs.rcx = 0x500000001ULL; /* ECX 1: the last element */
	exit_at(false, true, lin);
	g_assert_cmphex(v->regs.rsi, ==, 0);
	g_assert_cmphex(v->regs.rcx, ==, 0);
	g_assert_cmpuint(skipped, ==, 1);
	f_info = 0; /* 16-bit: bits 63:16 stay */
	v->regs.rsi = 0x123400000000ffffULL;
	v->regs.rcx = 0x10000ULL; /* CX 0: nothing to do */
	exit_at(false, true, lin);
	g_assert_cmphex(v->regs.rsi, ==, 0x123400000000ffffULL);
	g_assert_cmpuint(nr_written, ==, 1);
	v->regs.rcx = 0xabcd0002ULL;
	exit_at(false, true, lin);
	g_assert_cmphex(v->regs.rsi, ==, 0x1234000000000000ULL);
	g_assert_cmphex(v->regs.rcx, ==, 0xabcd0001ULL);
	/* a reserved address size is refused */
	f_info = 3 << 7;
	f_qual = ((u64)PORT << 16) | IO_QUAL_STRING;
	g_assert_cmpint(io_emul_pio_exit(v), ==, -HV_EINVAL);
}

/* An operand outside guest RAM: #GP, the port is not touched, nothing moves. */
static void test_bad_operand(void)
{
	setup();
	v->regs.rsi = v->regs.rdi = 0x42;
	v->regs.rcx = 5;
	exit_at(false, true, hv.hv_start + 0x10);
	g_assert_true(injected);
	g_assert_cmpuint(injected_vector, ==, X86_VEC_GP);
	g_assert_cmpuint(nr_written, ==, 0);
	injected = false;
	exit_at(true, true, (u64)(uintptr_t)ram + RAM_SIZE - 0); /* past its RAM */
	g_assert_true(injected);
	g_assert_cmpuint(nr_read, ==, 0); /* checked before the port is read */
	g_assert_cmpuint(v->regs.rsi, ==, 0x42);
	g_assert_cmpuint(v->regs.rdi, ==, 0x42);
	g_assert_cmpuint(v->regs.rcx, ==, 5);
	g_assert_cmpuint(skipped, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/io-emul/rep-outsb", test_rep_outsb);
	g_test_add_func("/io-emul/insb-backwards", test_insb_backwards);
	g_test_add_func("/io-emul/address-size", test_address_size);
	g_test_add_func("/io-emul/bad-operand", test_bad_operand);
	return g_test_run();
}
