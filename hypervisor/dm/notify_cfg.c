// SPDX-License-Identifier: BSD-3-Clause
/* The notification device's PCI config space (pure; host-tested). */
#include "notify_dev.h"
#include "acrn_abi.h"

#define CFG_VENDOR	0x00
#define CFG_COMMAND	0x04
#define CFG_STATUS	0x06
#define CFG_REVISION	0x08
#define CFG_HEADER	0x0e
#define CFG_SUBSYS	0x2c
#define CFG_CAP_PTR	0x34
#define CFG_INTR_LINE	0x3c
#define STATUS_CAP_LIST 0x10
/* memory space, bus master, INTx disable: what drivers set; nothing else sticks */
#define COMMAND_WRITABLE 0x0406

/* the MSI capability: 32-bit address, one vector, no per-vector masking */
#define MSI_CAP		 0x40
#define MSI_ID		 0x05
#define MSI_CTRL	 (MSI_CAP + 2)
#define MSI_ADDR	 (MSI_CAP + 4)
#define MSI_DATA	 (MSI_CAP + 8)
#define MSI_CTRL_ON	 0x0001
#define MSI_CTRL_MME	 0x0070 /* multiple message enable: writable, only 1 is used */
#define MSI_ADDR_BASE	 0xfee00000U
#define MSI_ADDR_LOGICAL (1U << 2)
#define ICR_DEST_LOGICAL (1U << 11)

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static u32 get(const u8 *p, u32 n)
{
	u32 v = 0, i;

	for (i = 0; i < n; i++)
		v |= (u32)p[i] << (8 * i);
	return v;
}

void notify_cfg_init(struct notify_cfg *c)
{
	memset(c, 0, sizeof(*c));
	put16(c->b + CFG_VENDOR, ACRN_NOTIFY_PCI_VENDOR);
	put16(c->b + CFG_VENDOR + 2, ACRN_NOTIFY_PCI_DEVICE);
	put16(c->b + CFG_STATUS, STATUS_CAP_LIST);
	c->b[CFG_REVISION] = 1;
	c->b[CFG_REVISION + 1] = (u8)ACRN_NOTIFY_PCI_CLASS;
	c->b[CFG_REVISION + 2] = (u8)(ACRN_NOTIFY_PCI_CLASS >> 8);
	c->b[CFG_REVISION + 3] = (u8)(ACRN_NOTIFY_PCI_CLASS >> 16);
	c->b[CFG_HEADER] = 0;
	put16(c->b + CFG_SUBSYS, ACRN_NOTIFY_PCI_VENDOR);
	put16(c->b + CFG_SUBSYS + 2, ACRN_NOTIFY_PCI_DEVICE);
	c->b[CFG_CAP_PTR] = MSI_CAP;
	c->b[MSI_CAP] = MSI_ID;
	c->b[MSI_CAP + 1] = 0; /* last capability */
}

u32 notify_cfg_read(const struct notify_cfg *c, u32 off, u32 size)
{
	if ((size != 1 && size != 2 && size != 4) || off >= NOTIFY_CFG_SIZE || (off & 3) + size > 4)
		return ~0U;
	return get(c->b + off, size);
}

/* Writable bits of config byte @off. */
static u8 writable(u32 off)
{
	if (off == CFG_COMMAND || off == CFG_COMMAND + 1)
		return (u8)(COMMAND_WRITABLE >> (8 * (off - CFG_COMMAND)));
	if (off == CFG_INTR_LINE)
		return 0xff;
	if (off == MSI_CTRL)
		return MSI_CTRL_ON | MSI_CTRL_MME;
	if (off == MSI_ADDR)
		return 0xfc; /* dword aligned */
	if (off > MSI_ADDR && off < MSI_ADDR + 4)
		return 0xff;
	if (off == MSI_DATA || off == MSI_DATA + 1)
		return 0xff;
	return 0; /* ids, class, BARs (none), capability list: read-only */
}

void notify_cfg_write(struct notify_cfg *c, u32 off, u32 size, u32 val)
{
	u32 i;

	if ((size != 1 && size != 2 && size != 4) || off >= NOTIFY_CFG_SIZE || (off & 3) + size > 4)
		return;
	for (i = 0; i < size; i++) {
		u8 m = writable(off + i), b = (u8)(val >> (8 * i));

		c->b[off + i] = (u8)((c->b[off + i] & ~m) | (b & m));
	}
}

bool notify_cfg_msi(const struct notify_cfg *c, u32 *dest, u32 *icr)
{
	u32 addr = get(c->b + MSI_ADDR, 4), data = get(c->b + MSI_DATA, 2);
	u32 mode = (data >> 8) & 7;

	/* fixed or lowest priority (sent as fixed), to a real vector */
	if (!(get(c->b + MSI_CTRL, 2) & MSI_CTRL_ON) || (addr & 0xfff00000U) != MSI_ADDR_BASE ||
	    (data & 0xff) < 16 || mode > 1)
		return false;
	*dest = (addr >> 12) & 0xff;
	/* the address's destination mode: logical (Linux's flat mode on few CPUs) or physical */
	*icr = (data & 0xff) | ((addr & MSI_ADDR_LOGICAL) ? ICR_DEST_LOGICAL : 0);
	return true;
}
