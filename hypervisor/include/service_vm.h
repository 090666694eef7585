/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Service VM's port traps: ACPI S5 (power-off), the reset ports
 * (0xCF9, the FADT reset register, the i8042 pulse), and the hypervisor's
 * own UART hidden from it.  Everything else is passed through.
 */
#ifndef HV_SERVICE_VM_H
#define HV_SERVICE_VM_H

struct vm;

int service_vm_register_io(struct vm *vm);

#endif
