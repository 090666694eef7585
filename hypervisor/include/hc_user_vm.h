/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Service VM's hypercalls that set up and drive a User VM beyond its
 * lifecycle (hc_vm.h): START_VM, SET_VCPU_REGS, VM_SET_MEMORY_REGIONS,
 * VM_GPA2HPA, SET_IOREQ_BUFFER, NOTIFY_REQUEST_FINISH, SET_IRQLINE,
 * INJECT_MSI, PM_GET_CPU_STATE and SERVICE_VM_OFFLINE_CPU.
 */
#ifndef HV_HC_USER_VM_H
#define HV_HC_USER_VM_H

#include "lib.h"

struct vcpu;
struct vm;

s64 hc_start_vm(struct vcpu *v, u64 vmid, u64 unused);
s64 hc_set_vcpu_regs(struct vcpu *v, u64 vmid, u64 gpa);
s64 hc_set_memory_regions(struct vcpu *v, u64 gpa, u64 unused);
s64 hc_gpa2hpa(struct vcpu *v, u64 vmid, u64 gpa);
s64 hc_set_ioreq_buffer(struct vcpu *v, u64 vmid, u64 gpa);
s64 hc_notify_request_finish(struct vcpu *v, u64 vmid, u64 vcpu_id);
s64 hc_set_irqline(struct vcpu *v, u64 vmid, u64 value);
s64 hc_inject_msi(struct vcpu *v, u64 vmid, u64 gpa);
s64 hc_pm_get_cpu_state(struct vcpu *v, u64 cmd, u64 gpa);
s64 hc_service_vm_offline_cpu(struct vcpu *v, u64 lapic_id, u64 unused);
/* RESET_VM's part: vCPU registers forgotten, I/O request slots FREE, controllers reset. */
void user_vm_reset(struct vm *vm);

#endif
