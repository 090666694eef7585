// SPDX-License-Identifier: BSD-3-Clause
/*
 * Port I/O and MMIO emulation: registration makes the hardware trap a
 * range (I/O bitmap bits, EPT permissions) and the exit handlers hand each
 * access to the range's handler.
 */
#include "hv.h"
#include "io_emul.h"
#include "guest_mem.h"
#include "insn.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

#define NR_PORTS 0x10000U

static void trap_ports(struct vm *vm, u32 port, u32 len)
{
	for (; len && port < NR_PORTS; len--, port++)
		vm->io_bitmap[port / 0x8000][(port % 0x8000) / 8] |= (u8)(1U << (port % 8));
}

int pio_register(struct vm *vm, u32 port, u32 len, io_handler_fn fn, void *ctx)
{
	int ret;

	if (port >= NR_PORTS || len > NR_PORTS - port)
		return -HV_EINVAL;
	ret = io_table_add(&vm->pio, port, len, fn, ctx);
	if (ret)
		return ret;
	trap_ports(vm, port, len);
	return 0;
}

int mmio_register(struct vm *vm, u64 gpa, u64 len, u64 ept_flags, io_handler_fn fn, void *ctx)
{
	int ret;

	if ((gpa | len) & 0xfff)
		return -HV_EINVAL;
	ret = io_table_add(&vm->mmio, gpa, len, fn, ctx);
	if (ret)
		return ret;
	ret = pt_map(&vm->ept, gpa, gpa, len, ept_flags);
	if (ret)
		io_table_remove(&vm->mmio, gpa);
	return ret;
}

int pio_passthrough(struct vcpu *v, struct io_access *a, void *ctx)
{
	u16 port = (u16)a->addr;

	(void)v;
	(void)ctx;
	if (a->write) {
		if (a->size == 1)
			outb(port, (u8)a->value);
		else if (a->size == 2)
			outw(port, (u16)a->value);
		else
			outl(port, (u32)a->value);
	} else {
		a->value = a->size == 1 ? inb(port) : a->size == 2 ? inw(port) : inl(port);
	}
	return 0;
}

static int pio_dispatch(struct vcpu *v, struct io_access *a)
{
	const struct io_range *r = io_table_find(&v->vm->pio, a->addr);

	if (r)
		return r->fn(v, a, r->ctx);
	if (v->vm->pio_default)
		return v->vm->pio_default(v, a, NULL);
	return 0;
}

/* @reg stepped by @delta in an address size of @mask (16/32/64 bits), as the CPU writes it. */
static u64 step_reg(u64 reg, u64 delta, u64 mask)
{
	/* a 32-bit result is zero-extended, a 16-bit one leaves bits 63:16 alone */
	if (mask == 0xffffffffULL)
		return (u32)(reg + delta);
	return (reg & ~mask) | ((reg + delta) & mask);
}

/*
 * INS/OUTS on a trapped port: one element per exit, as the CPU would move
 * it.  OUTS reads it at the guest-linear address the exit reports and
 * hands it to the port's handler; INS stores what the handler returned
 * there.  RSI (OUTS) or RDI (INS) steps by the element size, backwards
 * with RFLAGS.DF, in the instruction's address size.  With REP, RCX counts
 * down and the instruction is left to run again (a new exit) until RCX is
 * 0, so interrupts are taken between elements as on hardware.  A memory
 * operand that is not mapped in the guest's RAM gets #GP (not the #PF a
 * CPU would raise: there is no page-fault injection yet).
 */
static int pio_string(struct vcpu *v, u64 q, struct io_access *a, u32 mask)
{
	u32 asz = ((u32)vmread(EXIT_INSTR_INFO) >> 7) & 7; /* 0: 16, 1: 32, 2: 64 bits */
	u64 amask = asz == 0 ? 0xffffULL : asz == 1 ? 0xffffffffULL : ~0ULL;
	u64 *index = a->write ? &v->regs.rsi : &v->regs.rdi;
	u64 lin = vmread(GUEST_LINEAR_ADDR), step;
	struct guest_paging pg = {
	    .cr0 = vmread(GUEST_CR0),
	    .cr3 = vmread(GUEST_CR3),
	    .cr4 = vmread(GUEST_CR4),
	    .efer = vmread(GUEST_EFER),
	};
	u32 elem = 0;
	int ret;

	if (asz > 2)
		return -HV_EINVAL;
	if ((q & IO_QUAL_REP) && !(v->regs.rcx & amask)) {
		vcpu_skip_instruction(v);
		return 0;
	}
	if (a->write) {
		if (copy_gva(v->vm, &pg, lin, &elem, a->size, false))
			goto fault;
		a->value = elem;
	} else {
		/* checked before the port is read: a read may have side effects */
		if (gva_check(v->vm, &pg, lin, a->size, true))
			goto fault;
		a->value = mask; /* what nobody answers reads as */
	}
	ret = pio_dispatch(v, a);
	if (ret)
		return ret;
	if (!a->write) {
		elem = (u32)a->value;
		if (copy_gva(v->vm, &pg, lin, &elem, a->size, true))
			goto fault;
	}
	step = (vmread(GUEST_RFLAGS) & RFLAGS_DF) ? -(u64)a->size : a->size;
	*index = step_reg(*index, step, amask);
	if (q & IO_QUAL_REP) {
		v->regs.rcx = step_reg(v->regs.rcx, ~0ULL, amask);
		if (v->regs.rcx & amask)
			return 0; /* the same instruction again */
	}
	vcpu_skip_instruction(v);
	return 0;
fault:
	pr_warn("vcpu %u: %s on port %llx: operand at linear %llx is not in guest RAM\n", v->id,
		a->write ? "OUTS" : "INS", (unsigned long long)a->addr, (unsigned long long)lin);
	vcpu_inject_gp(v);
	return 0;
}

int io_emul_pio_exit(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	struct io_access a = {
	    .addr = IO_QUAL_PORT(q),
	    .size = IO_QUAL_SIZE(q),
	    .write = !(q & IO_QUAL_IN),
	};
	u32 mask = a.size == 4 ? 0xffffffffU : (1U << (a.size * 8)) - 1;
	int ret;

	if (q & IO_QUAL_STRING)
		return pio_string(v, q, &a, mask);
	a.value = a.write ? (v->regs.rax & mask) : mask;
	ret = pio_dispatch(v, &a);
	if (ret)
		return ret;
	if (!a.write) {
		if (a.size == 4)
			v->regs.rax = (u32)a.value;
		else
			v->regs.rax = (v->regs.rax & ~(u64)mask) | (a.value & mask);
	}
	vcpu_skip_instruction(v);
	return 0;
}

/*
 * An access the EPT refused inside a registered range.  Only stores are
 * decoded today (mov r/m32,r32, mov r/m32,imm32, xchg: lib/insn.c); an
 * xchg reads the old value through the handler first.
 */
int io_emul_mmio_exit(struct vcpu *v, u64 gpa, u64 qual)
{
	const struct io_range *r = io_table_find(&v->vm->mmio, gpa);
	u64 rip = vmread(GUEST_RIP), *reg;
	struct io_access a = {.addr = gpa, .size = 4};
	struct mmio_store st;
	struct guest_paging pg;
	u8 code[15];
	u32 n, val;
	int ret;

	if (!r)
		return -HV_ENOENT;
	/* a User VM's controllers are read as well as written: the full decoder */
	if (vm_is_isolated(v->vm))
		return io_emul_mmio_request(v, gpa, qual, r->fn);
	pg.cr0 = vmread(GUEST_CR0);
	pg.cr3 = vmread(GUEST_CR3);
	pg.cr4 = vmread(GUEST_CR4);
	pg.efer = vmread(GUEST_EFER);
	n = fetch_insn(v->vm, &pg, rip, code, sizeof(code));
	if (!(qual & EPT_QUAL_WRITE) || insn_decode_store(code, n, &st)) {
		pr_err("vcpu %u: cannot emulate MMIO access to %llx at rip %llx (%02x %02x %02x)\n",
		       v->id, (unsigned long long)gpa, (unsigned long long)rip, code[0], code[1],
		       code[2]);
		vcpu_inject_gp(v);
		return 0;
	}
	reg = st.src_reg == 4 ? NULL : &((u64 *)&v->regs)[st.src_reg];
	val = st.is_imm ? st.imm : reg ? (u32)*reg : (u32)vmread(GUEST_RSP);
	if (st.is_xchg && reg) {
		a.write = false;
		ret = r->fn(v, &a, r->ctx);
		if (ret)
			return ret;
		*reg = (u32)a.value;
	}
	a.write = true;
	a.value = val;
	ret = r->fn(v, &a, r->ctx);
	if (ret)
		return ret;
	vmwrite(GUEST_RIP, rip + st.len);
	return 0;
}

/* General-purpose register @n (exit-qualification order; 4 is RSP, kept in the VMCS). */
static u64 gpr_get(struct vcpu *v, u32 n)
{
	return n == 4 ? vmread(GUEST_RSP) : ((u64 *)&v->regs)[n];
}

static void gpr_set(struct vcpu *v, u32 n, u64 val)
{
	if (n == 4)
		vmwrite(GUEST_RSP, val);
	else
		((u64 *)&v->regs)[n] = val;
}

int io_emul_mmio_request(struct vcpu *v, u64 gpa, u64 qual, io_handler_fn fn)
{
	u64 rip = vmread(GUEST_RIP);
	struct guest_paging pg = {
	    .cr0 = vmread(GUEST_CR0),
	    .cr3 = vmread(GUEST_CR3),
	    .cr4 = vmread(GUEST_CR4),
	    .efer = vmread(GUEST_EFER),
	};
	struct io_access a = {.addr = gpa};
	struct mmio_insn mi;
	u8 code[15] = {0};
	u32 n = fetch_insn(v->vm, &pg, rip, code, sizeof(code));
	int ret;

	/* the decoded direction must be the one the EPT saw */
	if (insn_decode_mmio(code, n, &mi) || mi.write != !!(qual & EPT_QUAL_WRITE)) {
		if (v->gp_injected < 16 || !(v->gp_injected & 1023))
			pr_warn("vcpu %u of %s: cannot emulate MMIO at %llx, rip %llx (%02x %02x "
				"%02x %02x): #GP\n",
				v->id, v->vm->name, (unsigned long long)gpa,
				(unsigned long long)rip, code[0], code[1], code[2], code[3]);
		v->gp_injected++;
		vcpu_inject_gp(v);
		return 0;
	}
	a.size = mi.size;
	a.write = mi.write;
	if (mi.write)
		a.value = insn_mmio_store_value(&mi, mi.is_imm ? 0 : gpr_get(v, mi.reg));
	ret = fn(v, &a, NULL);
	if (ret)
		return ret;
	if (!mi.write)
		gpr_set(v, mi.reg, insn_mmio_load_result(&mi, gpr_get(v, mi.reg), a.value));
	vmwrite(GUEST_RIP, rip + mi.len);
	return 0;
}
