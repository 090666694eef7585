/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * User VM vCPUs on the pCPUs the Service VM gave up (SERVICE_VM_OFFLINE_CPU).
 * Such a pCPU runs uvm_pcpu_loop() for ever: it waits in VMX root
 * operation until a START_VM places a vCPU on it, sets up that vCPU's VMCS
 * there and runs it.  The hypercalls (on a Service VM pCPU) only post
 * requests (run, pause, stop) in the vCPU and kick the pCPU with an NMI; the
 * pCPU acts on them between two VM entries and reports its state, so a
 * VMCS is only ever touched on the pCPU it is loaded on.
 */
#ifndef HV_UVM_VCPU_H
#define HV_UVM_VCPU_H

#include "lib.h"

struct vcpu;
struct vm;
struct io_access;

/*
 * The fixed vector a User VM's interrupt controllers send to the pCPU of a
 * vCPU that has something new: it makes the guest exit (or ends its HLT).
 */
#define UVM_KICK_VECTOR 0xf2

/* vcpu->uvm_req */
#define UVM_REQ_NONE  0U
#define UVM_REQ_RUN   1U
#define UVM_REQ_PAUSE 2U
#define UVM_REQ_STOP  3U /* VMCLEAR and free the VMCS; the pCPU is free again */

/* vcpu->uvm_state */
#define UVM_ST_IDLE    0U /* no VMCS (never started, or reset) */
#define UVM_ST_RUNNING 1U
#define UVM_ST_PAUSED  2U /* parked in root operation, VMCS kept */
#define UVM_ST_DEAD    3U /* stopped by something it did; parked until reset/destroy */

/* A given-up pCPU's life from now on (never returns). */
void uvm_pcpu_loop(void) __attribute__((noreturn));

/*
 * START_VM: put each vCPU of @vm on its pCPU and let it run (from CREATED
 * or PAUSED).  -EBUSY if a pCPU hosts another VM's vCPU.  vCPUs whose pCPU
 * the Service VM has not given up do not execute (see docs).
 */
int uvm_vm_run(struct vm *vm);
/* PAUSE_VM: every vCPU parked (or dead) before this returns; 0 or -ETIMEDOUT. */
int uvm_vm_pause(struct vm *vm);
/* RESET_VM/DESTROY_VM: every vCPU's VMCS cleared and freed on its pCPU. */
int uvm_vm_stop(struct vm *vm);
/* NOTIFY_REQUEST_FINISH for @v: true if @v waits for its slot (it takes it back itself). */
bool uvm_vcpu_notify(struct vcpu *v);

/* The default port handler of a User VM: an I/O request to the Service VM. */
int uvm_pio_request(struct vcpu *v, struct io_access *a, void *ctx);
/* The same for an MMIO access the hypervisor does not own. */
int uvm_mmio_request(struct vcpu *v, struct io_access *a, void *ctx);
/* An exit handler found @v unable to go on: record @why; returns > 0 (stop it). */
int uvm_vcpu_dead(struct vcpu *v, const char *why);
/* Exits only User VM vCPUs take: an external interrupt (a kick), HLT. */
int uvm_handle_ext_intr(struct vcpu *v);
int uvm_handle_hlt(struct vcpu *v);
/* "running", "paused", ... for the debug shell. */
static inline const char *uvm_state_name(u32 state)
{
	static const char *const names[] = {"idle", "running", "paused", "dead"};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

#endif
