/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated 8259A pair of a User VM: master at 0x20/0x21, slave at
 * 0xA0/0xA1 cascaded on the master's IRQ2, the edge/level control
 * registers (ELCR) at 0x4D0/0x4D1.  A pure model: the INTR output is read
 * with vpic_intr() and taken with vpic_ack(); @notify is called when INTR
 * rises so the caller can wake vCPU 0, the only vCPU the PIC is wired to
 * (as ACRN does).
 */
#ifndef HV_VPIC_H
#define HV_VPIC_H

#include "lib.h"

#define VPIC_PINS 16

struct i8259 {
	u8 irr, isr, imr;
	u8 lines;     /* input levels */
	u8 elcr;      /* 1: level-triggered */
	u8 base;      /* vector of IRQ0 (ICW2) */
	u8 lowest;    /* the pin of lowest priority is (lowest + 7) & 7: rotation */
	u8 init_step; /* 0: ready, 1-3: ICW2-ICW4 expected next */
	bool need_icw4;
	bool single;
	bool auto_eoi;
	bool rotate_aeoi;
	bool read_isr; /* OCW3 RR/RIS: reads at the command port give ISR */
	bool poll;     /* OCW3 poll: the next read is a poll */
	bool special_mask;
	bool sfnm; /* special fully nested (master: the slave's requests nest) */
};

struct vpic {
	struct i8259 chip[2]; /* master, slave */
	bool intr;	      /* the master's INTR output */
	void (*notify)(void *ctx);
	void *ctx;
};

void vpic_init(struct vpic *p, void (*notify)(void *ctx), void *ctx);
/* Port access (1 byte only; -EINVAL otherwise or for a port that is not the PIC's). */
int vpic_pio(struct vpic *p, u16 port, u32 size, bool write, u32 *val);
/* Drive input @pin (0-15) to @level. */
int vpic_set_line(struct vpic *p, u32 pin, bool level);
/* INTR of the master: something is there for the CPU. */
bool vpic_intr(const struct vpic *p);
/* The CPU's interrupt acknowledge: the vector (IRQ7's of a chip when nothing is left: spurious). */
u8 vpic_ack(struct vpic *p);

#endif
