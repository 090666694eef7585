// SPDX-License-Identifier: BSD-3-Clause
/* The I/O request slot state machine (see ioreq.h). */
#include "hv.h"
#include "ioreq.h"

static u32 state_of(const struct acrn_hc_io_request *slot)
{
	return __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
}

void ioreq_reset_all(struct acrn_hc_io_request *page)
{
	u32 i;

	for (i = 0; i < ACRN_HC_IOREQ_SLOTS; i++)
		__atomic_store_n(&page[i].processed, ACRN_HC_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
}

static void post(struct acrn_hc_io_request *slot, u32 type, u32 flags)
{
	slot->type = type;
	slot->hv_flags = flags;
	slot->completion_polling = 0;
	slot->kernel_handled = 0;
	/* the body is complete before the HSM can see PENDING */
	__atomic_store_n(&slot->processed, ACRN_HC_IOREQ_STATE_PENDING, __ATOMIC_RELEASE);
}

static int post_pio(struct acrn_hc_io_request *slot, u16 port, u32 size, bool write, u32 value,
		    u32 flags)
{
	if (size != 1 && size != 2 && size != 4)
		return -HV_EINVAL;
	if (state_of(slot) != ACRN_HC_IOREQ_STATE_FREE)
		return -HV_EBUSY;
	memset(&slot->reqs, 0, sizeof(slot->reqs));
	slot->reqs.pio.direction = write ? ACRN_HC_IOREQ_DIR_WRITE : ACRN_HC_IOREQ_DIR_READ;
	slot->reqs.pio.address = port;
	slot->reqs.pio.size = size;
	slot->reqs.pio.value = write ? value : 0;
	post(slot, ACRN_HC_IOREQ_TYPE_PORTIO, flags);
	return 0;
}

int ioreq_post_pio(struct acrn_hc_io_request *slot, u16 port, u32 size, bool write, u32 value)
{
	return post_pio(slot, port, size, write, value, 0);
}

int ioreq_post_fatal_write(struct acrn_hc_io_request *slot, u16 port, u32 size, u32 value)
{
	return post_pio(slot, port, size, true, value, ACRN_HC_IOREQ_FLAG_FATAL);
}

int ioreq_post_mmio(struct acrn_hc_io_request *slot, u64 gpa, u32 size, bool write, u64 value)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -HV_EINVAL;
	if (state_of(slot) != ACRN_HC_IOREQ_STATE_FREE)
		return -HV_EBUSY;
	memset(&slot->reqs, 0, sizeof(slot->reqs));
	slot->reqs.mmio.direction = write ? ACRN_HC_IOREQ_DIR_WRITE : ACRN_HC_IOREQ_DIR_READ;
	slot->reqs.mmio.address = gpa;
	slot->reqs.mmio.size = size;
	slot->reqs.mmio.value = write ? value : 0;
	post(slot, ACRN_HC_IOREQ_TYPE_MMIO, 0);
	return 0;
}

int ioreq_complete(struct acrn_hc_io_request *slot, u64 *ret_value)
{
	u64 v, size;

	switch (state_of(slot)) {
	case ACRN_HC_IOREQ_STATE_COMPLETE:
		break;
	case ACRN_HC_IOREQ_STATE_PENDING:
	case ACRN_HC_IOREQ_STATE_PROCESSING:
		return -HV_EBUSY;
	case ACRN_HC_IOREQ_STATE_FREE:
		return -HV_ENOENT;
	default:
		return -HV_EINVAL;
	}
	/* the body is the Service VM's: only ever masked, never trusted as a size */
	if (slot->type == ACRN_HC_IOREQ_TYPE_MMIO) {
		v = slot->reqs.mmio.value;
		size = slot->reqs.mmio.size;
	} else {
		v = slot->reqs.pio.value;
		size = slot->reqs.pio.size;
	}
	if (size < 8)
		v &= (1ULL << (8 * (size & 7))) - 1;
	*ret_value = v;
	__atomic_store_n(&slot->processed, ACRN_HC_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	return 0;
}
