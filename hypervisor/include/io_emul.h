/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port I/O and MMIO emulation.  Each VM has one table of port ranges and
 * one of guest-physical ranges, each range with the handler that owns it
 * (the Service VM's power and reset ports, the hidden hypervisor UART, the
 * trapped LAPIC page, a test guest's ports).  The table logic is pure and
 * host-tested; registering a range also makes the hardware trap it (I/O
 * bitmap, EPT).
 */
#ifndef HV_IO_EMUL_H
#define HV_IO_EMUL_H

#include "lib.h"

struct vcpu;
struct vm;

struct io_access {
	u64 addr; /* port, or guest-physical address */
	u32 size; /* bytes: 1, 2 or 4 (8 for User VM MMIO) */
	bool write;
	u64 value; /* written value; a read handler fills it in */
};

/* 0: done (the guest continues); > 0: stop this vCPU; < 0: error, stop it too. */
typedef int (*io_handler_fn)(struct vcpu *v, struct io_access *a, void *ctx);

struct io_range {
	u64 base, len;
	io_handler_fn fn;
	void *ctx;
};

#define IO_MAX_RANGES 16

struct io_table {
	u32 nr;
	struct io_range r[IO_MAX_RANGES];
};

/* -EINVAL for an empty or wrapping range or no handler, -EEXIST on overlap, -ENOSPC when full. */
int io_table_add(struct io_table *t, u64 base, u64 len, io_handler_fn fn, void *ctx);
/* Remove the range starting at @base; -ENOENT if there is none. */
int io_table_remove(struct io_table *t, u64 base);
/* The range containing @addr (the first byte of an access), or NULL. */
const struct io_range *io_table_find(const struct io_table *t, u64 addr);

/* Own ports [port, port + len) of @vm: they exit and go to @fn. */
int pio_register(struct vm *vm, u32 port, u32 len, io_handler_fn fn, void *ctx);
/*
 * Own guest-physical [gpa, gpa + len) of @vm (page aligned, identity
 * mapped): accesses the EPT does not allow with @ept_flags (0: none) exit
 * and go to @fn.
 */
int mmio_register(struct vm *vm, u64 gpa, u64 len, u64 ept_flags, io_handler_fn fn, void *ctx);
/* A handler that performs the access on the real port (the Service VM's default). */
int pio_passthrough(struct vcpu *v, struct io_access *a, void *ctx);

/* Exit handlers: an I/O instruction, an EPT violation (-ENOENT: no range owns @gpa). */
int io_emul_pio_exit(struct vcpu *v);
int io_emul_mmio_exit(struct vcpu *v, u64 gpa, u64 qual);
/*
 * An EPT violation no range owns, in a VM whose device model emulates it:
 * decode the instruction (insn_decode_mmio), hand the access to @fn, write
 * a load's destination register and step over the instruction.  An
 * instruction it cannot decode gets #GP.
 */
int io_emul_mmio_request(struct vcpu *v, u64 gpa, u64 qual, io_handler_fn fn);

#endif
