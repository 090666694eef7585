/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The I/O request page shared with the Service VM (include/acrn_abi.h,
 * one 256-byte slot per vCPU): FREE -> PENDING (hypervisor) -> PROCESSING
 * (HSM) -> COMPLETE (HSM) -> FREE (hypervisor).  The hypervisor only moves
 * a slot out of FREE and COMPLETE; these functions are pure (host-tested)
 * and use release/acquire ordering on the state word.
 */
#ifndef HV_IOREQ_H
#define HV_IOREQ_H

#include "lib.h"
#include "acrn_abi.h"

/* Every slot FREE (SET_IOREQ_BUFFER, RESET_VM). */
void ioreq_reset_all(struct acrn_hc_io_request *page);
/* Post a PIO request in @slot: -EBUSY unless it is FREE; the state is written last. */
int ioreq_post_pio(struct acrn_hc_io_request *slot, u16 port, u32 size, bool write, u32 value);
/* The same port write flagged ACRN_HC_IOREQ_FLAG_FATAL: the hypervisor's, for a dead vCPU. */
int ioreq_post_fatal_write(struct acrn_hc_io_request *slot, u16 port, u32 size, u32 value);
/* Post an MMIO request: -EINVAL for a size other than 1/2/4/8, -EBUSY unless FREE. */
int ioreq_post_mmio(struct acrn_hc_io_request *slot, u64 gpa, u32 size, bool write, u64 value);
/*
 * Take the answer of a COMPLETE slot (*@ret_value: a read's result, masked
 * to its size) and make it FREE; -EBUSY while PENDING or PROCESSING,
 * -ENOENT when FREE (nothing posted), -EINVAL for a corrupt state.
 */
int ioreq_complete(struct acrn_hc_io_request *slot, u64 *ret_value);

#endif
