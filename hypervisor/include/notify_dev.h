/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notification device: a virtual PCI function on bus 0 of the Service
 * VM (include/acrn_abi.h has its ids), seen through the 0xCF8/0xCFC ports,
 * which the hypervisor traps for that (every other device's config access
 * is passed through).  It has one MSI capability and no BARs; raising it
 * sends the vector the Service VM programmed to the destination it
 * programmed.  A stock Linux kernel has no hook for ACRN's upcall vector,
 * but every kernel can bind a PCI driver and request its MSI.
 */
#ifndef HV_NOTIFY_DEV_H
#define HV_NOTIFY_DEV_H

#include "lib.h"

struct vm;

#define NOTIFY_CFG_SIZE 256

/* The function's config space and the MSI it raises (pure; host-tested). */
struct notify_cfg {
	u8 b[NOTIFY_CFG_SIZE];
};

void notify_cfg_init(struct notify_cfg *c);
/* A config read of @size (1/2/4) bytes at @off (not crossing a dword). */
u32 notify_cfg_read(const struct notify_cfg *c, u32 off, u32 size);
/* A config write: only the writable bits change (command, MSI, interrupt line). */
void notify_cfg_write(struct notify_cfg *c, u32 off, u32 size, u32 val);
/*
 * The MSI to send as an IPI: false while MSI is disabled or unusable; else
 * the destination (8-bit APIC ID, physical or logical) and the ICR's low
 * word (vector, fixed delivery, destination mode).
 */
bool notify_cfg_msi(const struct notify_cfg *c, u32 *dest, u32 *icr);

/* Pick a free device number on bus 0 and trap 0xCF8/0xCFC for @sos. */
int notify_dev_init(struct vm *sos);
/* An I/O request was posted: interrupt the Service VM (if its driver enabled MSI). */
void notify_dev_raise(void);
/* MSIs sent so far, and the device number (debug shell). */
u64 notify_dev_raised(void);
u32 notify_dev_slot(void);

#endif
