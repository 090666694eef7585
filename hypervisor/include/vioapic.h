/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated I/O APIC of a User VM: one IOAPIC at 0xFEC00000 with
 * ACRN_HC_USER_VM_GSIS (48) pins, GSI n = pin n, reached through the
 * IOREGSEL/IOWIN window.  A pure model: it delivers through a callback
 * (virq.c routes the message to the vLAPICs) and learns about EOIs from
 * vioapic_eoi().
 */
#ifndef HV_VIOAPIC_H
#define HV_VIOAPIC_H

#include "lib.h"
#include "vlapic_emul.h"

#define VIOAPIC_BASE	0xfec00000ULL
#define VIOAPIC_SIZE	4096
#define VIOAPIC_PINS	48
#define VIOAPIC_REGSEL	0x00
#define VIOAPIC_WINDOW	0x10
#define VIOAPIC_VERSION 0x11 /* no EOI register, as the 82093AA */
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define IOAPIC_REG_ARB	0x02
#define IOAPIC_REG_RTE0 0x10

/* redirection entry bits */
#define IOAPIC_RTE_LOGICAL    (1ULL << 11)
#define IOAPIC_RTE_PENDING    (1ULL << 12)
#define IOAPIC_RTE_ACTIVE_LOW (1ULL << 13)
#define IOAPIC_RTE_REMOTE_IRR (1ULL << 14)
#define IOAPIC_RTE_LEVEL      (1ULL << 15)
#define IOAPIC_RTE_MASKED     (1ULL << 16)

typedef void (*apic_deliver_fn)(void *ctx, const struct apic_msg *m);

struct vioapic {
	u32 id;
	u32 regsel;
	u64 rte[VIOAPIC_PINS];
	u64 lines; /* bit n: pin n's input is high */
	apic_deliver_fn deliver;
	void *ctx;
};

/* Reset state: every pin masked, edge, active high, lines low. */
void vioapic_init(struct vioapic *io, apic_deliver_fn deliver, void *ctx);
/* -EINVAL for anything but a 32-bit access at IOREGSEL or IOWIN. */
int vioapic_mmio(struct vioapic *io, u32 off, u32 size, bool write, u32 *val);
/* Drive pin @pin to @level (a change of the input, as the device model sets it). */
int vioapic_set_line(struct vioapic *io, u32 pin, bool level);
/* A level-triggered @vector was EOIed: clear Remote IRR, deliver again if still asserted. */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
