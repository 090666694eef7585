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

int io_emul_pio_exit(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	struct io_access a = {
	    .addr = IO_QUAL_PORT(q),
	    .size = IO_QUAL_SIZE(q),
	    .write = !(q & IO_QUAL_IN),
	};
	u32 mask = a.size == 4 ? 0xffffffffU : (1U << (a.size * 8)) - 1;
	const struct io_range *r;
	int ret = 0;

	if (q & IO_QUAL_STRING) {
		pr_warn("vcpu %u: string I/O on trapped port %llx ignored\n", v->id,
			(unsigned long long)a.addr);
		vcpu_skip_instruction(v);
		return 0;
	}
	a.value = a.write ? (v->regs.rax & mask) : mask;
	r = io_table_find(&v->vm->pio, a.addr);
	if (r)
		ret = r->fn(v, &a, r->ctx);
	else if (v->vm->pio_default)
		ret = v->vm->pio_default(v, &a, NULL);
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
	if (v->vm->type == VM_USER)
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
