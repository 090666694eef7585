/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-CPU descriptor tables, exceptions, time. */
#ifndef HV_CPU_H
#define HV_CPU_H

#include "lib.h"

struct pcpu;

void cpu_init_tables(u32 idx);
void cpu_set_percpu(struct pcpu *p);
u64 tsc_khz_detect(void);
u32 cpu_apic_id(void);
void udelay(u32 us);
u64 cpu_tss_base(u32 idx);
u64 cpu_idt_base(void);
extern u64 hv_gdt[];

/* the exception path: entry.S, exception.S */
struct desc_ptr;
struct exc_frame;
void load_gdt(struct desc_ptr *d);
void exception_dispatch(struct exc_frame *f);
extern char exc_stubs[];

#endif
