// SPDX-License-Identifier: BSD-3-Clause
/*
 * The notification device in the Service VM (notify_dev.h): the trapped
 * PCI configuration ports and the MSI.
 *
 * The MSI is sent as a physical fixed IPI from the pCPU that posted the
 * request, not injected through the VMCS: the Service VM's LAPIC is passed
 * through, so only a real interrupt is in its in-service register when
 * Linux's handler writes EOI (an injected vector would make that EOI retire
 * whatever real interrupt is in service instead), and its pCPU needs no
 * exit to take it.
 */
#include "hv.h"
#include "notify_dev.h"
#include "io_emul.h"
#include "smp.h"
#include "vm.h"

#define PCI_ADDR_PORT	 0xcf8
#define PCI_DATA_PORT	 0xcfc
#define PCI_ADDR_ENABLE	 (1U << 31)
#define PCI_ADDR_BUS(a)	 (((a) >> 16) & 0xff)
#define PCI_ADDR_DEV(a)	 (((a) >> 11) & 0x1f)
#define PCI_ADDR_FUNC(a) (((a) >> 8) & 7)
#define PCI_ADDR_REG(a)	 ((a)&0xfc)
#define PCI_MAX_DEV	 32

static struct notify_cfg cfg;
static struct spinlock cfg_lock;
static u32 dev_slot; /* 0: no device */
static u32 latch;    /* the Service VM's last 0xCF8 dword */
static u64 raised;

static u32 pci_read_vendor(u32 dev)
{
	outl(PCI_ADDR_PORT, PCI_ADDR_ENABLE | dev << 11);
	return inl(PCI_DATA_PORT) & 0xffff;
}

/* 0xCF8: a dword write is the address latch (kept, and passed on); the rest passes through. */
static int addr_port(struct vcpu *v, struct io_access *a, void *ctx)
{
	if (a->size == 4 && a->write)
		__atomic_store_n(&latch, (u32)a->value, __ATOMIC_RELEASE);
	return pio_passthrough(v, a, ctx);
}

/* 0xCFC-0xCFF: our function's config space; any other function's passes through. */
static int data_port(struct vcpu *v, struct io_access *a, void *ctx)
{
	u32 l = __atomic_load_n(&latch, __ATOMIC_ACQUIRE), off;

	if (!(l & PCI_ADDR_ENABLE) || PCI_ADDR_BUS(l) || PCI_ADDR_DEV(l) != dev_slot)
		return pio_passthrough(v, a, ctx);
	off = PCI_ADDR_REG(l) + (u32)(a->addr - PCI_DATA_PORT);
	if (PCI_ADDR_FUNC(l)) { /* a single-function device */
		if (!a->write)
			a->value = ~0ULL;
		return 0;
	}
	spin_lock(&cfg_lock);
	if (a->write)
		notify_cfg_write(&cfg, off, a->size, (u32)a->value);
	else
		a->value = notify_cfg_read(&cfg, off, a->size);
	spin_unlock(&cfg_lock);
	return 0;
}

int notify_dev_init(struct vm *sos)
{
	u32 dev;
	int ret;

	/* the highest free device number; the hypervisor still owns the ports here */
	for (dev = PCI_MAX_DEV - 1; dev > 0; dev--)
		if (pci_read_vendor(dev) == 0xffff)
			break;
	outl(PCI_ADDR_PORT, 0);
	if (!dev) {
		pr_warn("no free PCI device number on bus 0: no notification device\n");
		return 0;
	}
	notify_cfg_init(&cfg);
	ret = pio_register(sos, PCI_ADDR_PORT, 1, addr_port, NULL);
	if (!ret)
		ret = pio_register(sos, PCI_DATA_PORT, 4, data_port, NULL);
	if (ret)
		return ret;
	dev_slot = dev;
	pr_info("notification device at PCI 00:%02x.0 (%04x:%04x)\n", dev, ACRN_NOTIFY_PCI_VENDOR,
		ACRN_NOTIFY_PCI_DEVICE);
	return 0;
}

void notify_dev_raise(void)
{
	u32 dest, icr;
	bool on;

	spin_lock(&cfg_lock);
	on = dev_slot && notify_cfg_msi(&cfg, &dest, &icr);
	spin_unlock(&cfg_lock);
	if (!on)
		return; /* no driver yet: the HSM polls or is not loaded */
	smp_send_ipi(dest, icr);
	__atomic_fetch_add(&raised, 1, __ATOMIC_RELAXED);
}

u64 notify_dev_raised(void)
{
	return __atomic_load_n(&raised, __ATOMIC_RELAXED);
}

u32 notify_dev_slot(void)
{
	return dev_slot;
}
