/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plain logic of I/O request routing, free of kernel services, so that
 * the module (hsm_ioreq.c) and its host unit test (tests/test-route.c) run
 * the same code.  The includer provides u32, u64, bool and <linux/acrn.h>.
 */
#ifndef HSM_ROUTE_H
#define HSM_ROUTE_H

#define HSM_PCI_ADDR_PORT 0xcf8
#define HSM_PCI_DATA_PORT 0xcfc
#define HSM_PCI_ENABLE	  (1U << 31)

enum hsm_cfg_route {
	HSM_CFG_OTHER,	   /* not a PCI configuration access: route on */
	HSM_CFG_DONE,	   /* handled here (the latch, or data with it disabled) */
	HSM_CFG_CONVERTED, /* rewritten in place into a PCI-config request: route on */
};

/*
 * The 0xCF8/0xCFC mechanism: port 0xCF8 (4 bytes) is the address latch,
 * kept per VM in *latch; an access to 0xCFC-0xCFF with the latch's enable
 * bit set becomes a PCI-config request for bus/dev/func/reg from the latch
 * (bits 27:24 extend the register number).  PIO and PCI-config requests
 * share direction, size and value, which therefore stay in place.
 */
static inline enum hsm_cfg_route hsm_route_pci_cfg(u32 *latch, struct acrn_io_request *req)
{
	struct acrn_pio_request *pio = &req->reqs.pio_request;
	struct acrn_pci_request *pci = &req->reqs.pci_request;
	u64 port = pio->address, size = pio->size;
	u32 l = *latch;

	if (req->type != ACRN_IOREQ_TYPE_PORTIO)
		return HSM_CFG_OTHER;
	if (port == HSM_PCI_ADDR_PORT && size == 4) {
		if (pio->direction == ACRN_IOREQ_DIR_WRITE)
			*latch = pio->value;
		else
			pio->value = l;
		return HSM_CFG_DONE;
	}
	if (port < HSM_PCI_DATA_PORT || port > HSM_PCI_DATA_PORT + 3 ||
	    (size != 1 && size != 2 && size != 4) || port + size > HSM_PCI_DATA_PORT + 4)
		return HSM_CFG_OTHER;
	if (!(l & HSM_PCI_ENABLE)) {
		if (pio->direction == ACRN_IOREQ_DIR_READ)
			pio->value = ~0U;
		return HSM_CFG_DONE;
	}
	req->type = ACRN_IOREQ_TYPE_PCICFG;
	pci->reserved[0] = pci->reserved[1] = pci->reserved[2] = 0;
	pci->bus = (l >> 16) & 0xff;
	pci->dev = (l >> 11) & 0x1f;
	pci->func = (l >> 8) & 0x7;
	pci->reg = (l & 0xfc) + ((l >> 16) & 0xf00) + (u32)(port - HSM_PCI_DATA_PORT);
	return HSM_CFG_CONVERTED;
}

/* The address, size, value and direction of a PIO or MMIO request. */
struct hsm_access {
	u64 addr;
	u64 size;
	u64 value;
	bool write;
};

static inline bool hsm_route_access(const struct acrn_io_request *req, struct hsm_access *a)
{
	if (req->type == ACRN_IOREQ_TYPE_PORTIO) {
		a->addr = req->reqs.pio_request.address;
		a->size = req->reqs.pio_request.size;
		a->value = req->reqs.pio_request.value;
		a->write = req->reqs.pio_request.direction == ACRN_IOREQ_DIR_WRITE;
		return true;
	}
	if (req->type == ACRN_IOREQ_TYPE_MMIO) {
		a->addr = req->reqs.mmio_request.address;
		a->size = req->reqs.mmio_request.size;
		a->value = req->reqs.mmio_request.value;
		a->write = req->reqs.mmio_request.direction == ACRN_IOREQ_DIR_WRITE;
		return true;
	}
	return false;
}

/*
 * Does an ioeventfd (type, addr, len, datamatch) take this access?  Same
 * type and address, no wider than its length; a write must match the data
 * unless the ioeventfd is a wildcard; a read of its range is taken (and
 * answered 0) whatever the data.
 */
static inline bool hsm_route_ioeventfd_takes(u32 type, u64 addr, u32 len, bool wildcard, u64 data,
					     u32 req_type, const struct hsm_access *a)
{
	if (type != req_type || addr != a->addr || a->size > len)
		return false;
	return !a->write || wildcard || data == a->value;
}

#endif /* HSM_ROUTE_H */
