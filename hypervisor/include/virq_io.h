/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A User VM's interrupt controllers (virq.h) attached to the VM: created
 * and freed with it, reached by the guest through handlers in the VM's
 * I/O tables (the LAPIC page at 0xFEE00000, the IOAPIC at 0xFEC00000, the
 * PIC ports 0x20/0x21, 0xA0/0xA1 and the ELCR 0x4D0/0x4D1) and through
 * vlapic_handle_msr() for RDMSR/WRMSR exits.
 *
 * How the run loop uses it:
 *  - exits: a port or EPT-violation exit goes through the VM's I/O tables
 *    (io_table_find) before anything becomes an I/O request, so these
 *    handlers see the guest's accesses; MMIO needs a decoder of loads as
 *    well as stores (guests read the APIC and IOAPIC), and the handlers
 *    ignore their context argument (NULL is fine); an MSR exit calls
 *    vlapic_handle_msr() first (-ENOENT: not an APIC MSR; -EINVAL: #GP).
 *  - entries: vcpu_inject_pending_interrupt() (vintr.h) before each.
 *  - CPUID: leaf 1 EBX[31:24] and leaf 0xB EDX report vcpu_apic_id(v);
 *    leaf 1 ECX may advertise x2APIC (bit 21) and TSC-deadline (bit 24),
 *    both are emulated.
 *  - wake-ups: virq_set_kick(vm->virq, fn, ctx) once; @fn is called when
 *    a vCPU gets something to take (to IPI its pCPU out of the guest or
 *    out of HLT).
 */
#ifndef HV_VIRQ_IO_H
#define HV_VIRQ_IO_H

#include "lib.h"

struct vcpu;
struct vm;

/* For a User VM at creation: the controllers and their I/O handlers; unwinds on error. */
int vm_virq_create(struct vm *vm);
/* Everything vm_virq_create() took (nothing if it did not run). */
void vm_virq_destroy(struct vm *vm);
/* Once the vCPUs have pCPUs: each vLAPIC takes its pCPU's APIC ID (the MADT's). */
void vm_virq_place(struct vm *vm);
/* @v's APIC ID as its vLAPIC has it (CPUID 1 and 0xB must say the same); @v->id without one. */
u32 vcpu_apic_id(const struct vcpu *v);
/* The guest's TSC on @v's pCPU: the timers' "now". */
u64 vcpu_guest_tsc(const struct vcpu *v);
/*
 * RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC MSR by
 * @v.  0: done (*@val read); -ENOENT: not the vLAPIC's (or no vLAPIC);
 * -EINVAL: inject #GP.
 */
int vlapic_handle_msr(struct vcpu *v, u32 msr, bool write, u64 *val);

#endif
