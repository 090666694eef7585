/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The VM-lifecycle hypercalls of the Service VM: CREATE_VM, PAUSE_VM,
 * RESET_VM, DESTROY_VM (ACRN's ids, parameters and state rules).
 */
#ifndef HV_HC_VM_H
#define HV_HC_VM_H

#include "lib.h"

struct vcpu;
struct vm;

s64 hc_create_vm(struct vcpu *v, u64 gpa, u64 unused);
s64 hc_destroy_vm(struct vcpu *v, u64 vmid, u64 unused);
s64 hc_pause_vm(struct vcpu *v, u64 vmid, u64 unused);
s64 hc_reset_vm(struct vcpu *v, u64 vmid, u64 unused);
/*
 * Run @op on the User VM @vmid (relative to @v's VM) under the lock the
 * lifecycle hypercalls take; -EINVAL if there is no such User VM.
 */
s64 hc_on_user_vm(struct vcpu *v, u64 vmid, s64 (*op)(struct vm *vm, void *arg), void *arg);

#endif
