// SPDX-License-Identifier: BSD-3-Clause
/*
 * Per-CPU descriptor tables, exception handling with register dumps, the
 * panic path and time helpers.
 */
#include "hv.h"
#include "cpu.h"
#include "msr_safe.h"
#include "regs_print.h"
#include "vcpu.h"

#define GDT_ENTRIES (3 + 2 * MAX_PCPUS)

struct tss64 {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3;
	u16 iomap_base;
} __attribute__((packed));

struct desc_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

struct exc_frame {
	u64 rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

u64 hv_gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss64 tss[MAX_PCPUS] __attribute__((aligned(16)));
static u64 idt[32 * 2] __attribute__((aligned(16)));
u8 ap_stacks[MAX_PCPUS * HV_STACK_SIZE] __attribute__((aligned(4096)));

static const char *const exc_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "15",  "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void cpu_set_percpu(struct pcpu *p)
{
	p->self = p;
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)p);
}

void cpu_init_tables(u32 idx)
{
	struct desc_ptr d;
	u64 base = (u64)(uintptr_t)&tss[idx];
	u16 sel = (u16)(0x18 + 16 * idx);
	u32 i;

	if (idx == 0) {
		hv_gdt[0] = 0;
		hv_gdt[1] = 0x00af9a000000ffffULL; /* 0x08: 64-bit code */
		hv_gdt[2] = 0x00cf92000000ffffULL; /* 0x10: data */
		for (i = 0; i < 32; i++) {
			u64 h = (u64)(uintptr_t)(exc_stubs + 16 * i);

			/* interrupt gate, present, DPL0, selector 0x08 */
			idt[2 * i] = (h & 0xffff) | (0x08ULL << 16) | (0x8eULL << 40) |
				     ((h >> 16 & 0xffff) << 48);
			idt[2 * i + 1] = h >> 32;
		}
	}
	tss[idx].iomap_base = sizeof(struct tss64);
	/* 64-bit available TSS descriptor (16 bytes) */
	hv_gdt[3 + 2 * idx] = (sizeof(struct tss64) - 1) | ((base & 0xffffff) << 16) |
			      (0x89ULL << 40) | ((base >> 24 & 0xff) << 56);
	hv_gdt[4 + 2 * idx] = base >> 32;
	d.limit = sizeof(hv_gdt) - 1;
	d.base = (u64)(uintptr_t)hv_gdt;
	load_gdt(&d);
	__asm__ volatile("ltr %0" ::"r"(sel));
	d.limit = sizeof(idt) - 1;
	d.base = (u64)(uintptr_t)idt;
	__asm__ volatile("lidt %0" ::"m"(d));
}

static void dump_frame(const struct exc_frame *f)
{
	const struct guest_regs r = {
	    .rax = f->rax,
	    .rcx = f->rcx,
	    .rdx = f->rdx,
	    .rbx = f->rbx,
	    .rbp = f->rbp,
	    .rsi = f->rsi,
	    .rdi = f->rdi,
	    .r8 = f->r8,
	    .r9 = f->r9,
	    .r10 = f->r10,
	    .r11 = f->r11,
	    .r12 = f->r12,
	    .r13 = f->r13,
	    .r14 = f->r14,
	    .r15 = f->r15,
	};

	hv_printf("RIP=%016llx RSP=%016llx RFLAGS=%08llx CS=%llx SS=%llx\n",
		  (unsigned long long)f->rip, (unsigned long long)f->rsp,
		  (unsigned long long)f->rflags, (unsigned long long)f->cs,
		  (unsigned long long)f->ss);
	print_gprs(&r);
	hv_printf("CR0=%016llx CR2=%016llx CR3=%016llx CR4=%016llx\n",
		  (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		  (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	/* the top of the stack, if it is one of ours (a bad RSP must not fault again) */
	if (f->rsp >= hv.hv_start && f->rsp + 64 <= hv.hv_end && !(f->rsp & 7)) {
		const u64 *sp = (const u64 *)(uintptr_t)f->rsp;

		hv_printf("STACK: %016llx %016llx %016llx %016llx\n", (unsigned long long)sp[0],
			  (unsigned long long)sp[1], (unsigned long long)sp[2],
			  (unsigned long long)sp[3]);
		hv_printf("       %016llx %016llx %016llx %016llx\n", (unsigned long long)sp[4],
			  (unsigned long long)sp[5], (unsigned long long)sp[6],
			  (unsigned long long)sp[7]);
	}
}

/*
 * An NMI while this pCPU is in VMX root operation (a guest's NMI IPI, the
 * watchdog of a guest that programmed the PMU...): it is the guest's, so it
 * is handed to the vCPU this pCPU runs and injected at its next VM entry.
 * Without a vCPU (boot, an AP not yet given one) it is dropped.  Nothing
 * here may take a lock or print: the NMI may have interrupted either.
 */
static void host_nmi(void)
{
	struct pcpu *p;

	if (!rdmsr(MSR_GS_BASE))
		return; /* per-CPU data not set up yet */
	p = this_pcpu();
	/* on a pCPU that hosts User VMs an NMI is a kick (it ended a HLT), not the guest's */
	if (p->hosting)
		return;
	if (p->vcpu)
		vcpu_queue_nmi(p->vcpu);
	else
		p->nmis_dropped++;
}

void exception_dispatch(struct exc_frame *f)
{
	/* the expected faults: instructions run with a guest's operands (msr_safe.S) */
	static const struct {
		const char *insn, *fixup;
	} fixups[] = {
	    {rdmsr_insn, rdmsr_fixup}, {wrmsr_insn, wrmsr_fixup}, {xsetbv_insn, xsetbv_fixup}};
	u32 v = (u32)f->vector, i;

	if (v == X86_VEC_NMI) {
		host_nmi();
		return;
	}
	for (i = 0; v == X86_VEC_GP && i < ARRAY_SIZE(fixups); i++) {
		if (f->rip == (u64)(uintptr_t)fixups[i].insn) {
			f->rip = (u64)(uintptr_t)fixups[i].fixup;
			return;
		}
	}

	/* this CPU may have faulted while printing: never wait for ourselves */
	console_break_lock();
	hv_printf("ACRN-HV: PANIC: exception %s (vector %u) error=%llx on pCPU %u\n",
		  v < 32 && exc_names[v] ? exc_names[v] : "?", v, (unsigned long long)f->error,
		  hv.nr_pcpus ? this_pcpu()->idx : 0);
	dump_frame(f);
	console_drain();
	halt_forever();
}

void hv_panic(const char *fmt, ...)
{
	char buf[256];
	struct exc_frame f;
	va_list ap;

	va_start(ap, fmt);
	hv_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memset(&f, 0, sizeof(f));
	__asm__ volatile("mov %%rsp, %0; mov %%rbp, %1; lea 0(%%rip), %2"
			 : "=r"(f.rsp), "=r"(f.rbp), "=r"(f.rip));
	__asm__ volatile("pushf; pop %0" : "=r"(f.rflags));
	hv_printf("ACRN-HV: PANIC: %s\n", buf);
	dump_frame(&f);
	console_drain();
	halt_forever();
}

/* Busy wait on the ACPI PM timer (3.579545 MHz), which runs in emulated time. */
void udelay(u32 us)
{
	u32 port = hv.have_acpi ? hv.acpi.pm_tmr : 0;

	if (port) {
		u64 ticks = (u64)us * 3580 / 1000 + 1, waited = 0;
		u32 last = inl((u16)port) & 0xffffff;

		while (waited < ticks) {
			u32 now = inl((u16)port) & 0xffffff;

			waited += (now - last) & 0xffffff;
			last = now;
		}
	} else {
		u64 end = rdtsc() + (u64)us * (hv.tsc_khz ? hv.tsc_khz : 1000000) / 1000;

		while (rdtsc() < end)
			cpu_relax();
	}
}

/* TSC ticks over 10 ms of the ACPI PM timer (3.579545 MHz), in kHz; 0 without one. */
static u64 tsc_calibrate_pm_timer(void)
{
	u64 t0;

	if (!hv.have_acpi || !hv.acpi.pm_tmr)
		return 0;
	t0 = rdtsc();
	udelay(10000);
	return (rdtsc() - t0) / 10;
}

/*
 * TSC frequency from CPUID 0x15/0x16, as Linux itself would find it, else
 * measured against the PM timer (many CPUs leave 0x15's crystal clock 0).
 */
u64 tsc_khz_detect(void)
{
	u32 a, b, c, d, max;

	cpuid_count(0, 0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid_count(0x15, 0, &a, &b, &c, &d);
		if (a && b && c)
			return (u64)c * b / a / 1000;
	}
	if (max >= 0x16) {
		cpuid_count(0x16, 0, &a, &b, &c, &d);
		if (a)
			return (u64)a * 1000;
	}
	return tsc_calibrate_pm_timer();
}

/* This CPU's APIC ID: the 32-bit x2APIC ID (CPUID 0xB) where there is one. */
u32 cpu_apic_id(void)
{
	u32 a, b, c, d, max;

	cpuid_count(0, 0, &max, &b, &c, &d);
	if (max >= 0xb) {
		cpuid_count(0xb, 0, &a, &b, &c, &d);
		if (b)
			return d;
	}
	cpuid_count(1, 0, &a, &b, &c, &d);
	return b >> 24;
}

u64 cpu_tss_base(u32 idx)
{
	return (u64)(uintptr_t)&tss[idx];
}

u64 cpu_idt_base(void)
{
	return (u64)(uintptr_t)idt;
}
