/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every number and layout of <linux/acrn.h> that the HSM relies on, as one
 * X-macro list.  It is expanded twice: by abi-dump (user space, compiled
 * against the distribution's /usr/include/linux/acrn.h) into abi_expected.h,
 * and by hsm_abi.c (the module, compiled against the kernel headers' copy of
 * include/uapi/linux/acrn.h) into static_asserts.  A difference between the
 * two headers therefore stops the module build.
 *
 * The includer defines ABI_ITEM(name, value) before including this file.
 */
#define ABI_IOCTL(n)	     ABI_ITEM(IOCTL_##n, ACRN_IOCTL_##n)
#define ABI_SIZE(s)	     ABI_ITEM(SIZE_##s, sizeof(struct s))
#define ABI_OFF(s, f)	     ABI_ITEM(OFF_##s##_##f, offsetof(struct s, f))
#define ABI_OFF2(s, name, f) ABI_ITEM(OFF_##s##_##name, offsetof(struct s, f))
#define ABI_CONST(c)	     ABI_ITEM(CONST_##c, c)

/* The ioctl numbers: all of them. */
#define HSM_ABI_ITEMS                                                                              \
	ABI_CONST(ACRN_IOCTL_TYPE)                                                                 \
	ABI_IOCTL(CREATE_VM)                                                                       \
	ABI_IOCTL(DESTROY_VM)                                                                      \
	ABI_IOCTL(START_VM)                                                                        \
	ABI_IOCTL(PAUSE_VM)                                                                        \
	ABI_IOCTL(RESET_VM)                                                                        \
	ABI_IOCTL(SET_VCPU_REGS)                                                                   \
	ABI_IOCTL(INJECT_MSI)                                                                      \
	ABI_IOCTL(VM_INTR_MONITOR)                                                                 \
	ABI_IOCTL(SET_IRQLINE)                                                                     \
	ABI_IOCTL(NOTIFY_REQUEST_FINISH)                                                           \
	ABI_IOCTL(CREATE_IOREQ_CLIENT)                                                             \
	ABI_IOCTL(ATTACH_IOREQ_CLIENT)                                                             \
	ABI_IOCTL(DESTROY_IOREQ_CLIENT)                                                            \
	ABI_IOCTL(CLEAR_VM_IOREQ)                                                                  \
	ABI_IOCTL(SET_MEMSEG)                                                                      \
	ABI_IOCTL(UNSET_MEMSEG)                                                                    \
	ABI_IOCTL(SET_PTDEV_INTR)                                                                  \
	ABI_IOCTL(RESET_PTDEV_INTR)                                                                \
	ABI_IOCTL(ASSIGN_PCIDEV)                                                                   \
	ABI_IOCTL(DEASSIGN_PCIDEV)                                                                 \
	ABI_IOCTL(ASSIGN_MMIODEV)                                                                  \
	ABI_IOCTL(DEASSIGN_MMIODEV)                                                                \
	ABI_IOCTL(CREATE_VDEV)                                                                     \
	ABI_IOCTL(DESTROY_VDEV)                                                                    \
	ABI_IOCTL(PM_GET_CPU_STATE)                                                                \
	ABI_IOCTL(IOEVENTFD)                                                                       \
	ABI_IOCTL(IRQFD)                                                                           \
	/* Constants the HSM tests or writes. */                                                   \
	ABI_CONST(ACRN_IO_REQUEST_MAX)                                                             \
	ABI_CONST(ACRN_IOREQ_STATE_PENDING)                                                        \
	ABI_CONST(ACRN_IOREQ_STATE_COMPLETE)                                                       \
	ABI_CONST(ACRN_IOREQ_STATE_PROCESSING)                                                     \
	ABI_CONST(ACRN_IOREQ_STATE_FREE)                                                           \
	ABI_CONST(ACRN_IOREQ_TYPE_PORTIO)                                                          \
	ABI_CONST(ACRN_IOREQ_TYPE_MMIO)                                                            \
	ABI_CONST(ACRN_IOREQ_TYPE_PCICFG)                                                          \
	ABI_CONST(ACRN_IOREQ_DIR_READ)                                                             \
	ABI_CONST(ACRN_IOREQ_DIR_WRITE)                                                            \
	ABI_CONST(ACRN_MEM_ACCESS_RIGHT_MASK)                                                      \
	ABI_CONST(ACRN_MEM_TYPE_MASK)                                                              \
	ABI_CONST(ACRN_MEM_TYPE_WB)                                                                \
	ABI_CONST(ACRN_MEM_TYPE_UC)                                                                \
	ABI_CONST(ACRN_MEMMAP_RAM)                                                                 \
	ABI_CONST(ACRN_MEMMAP_MMIO)                                                                \
	ABI_CONST(ACRN_IOEVENTFD_FLAG_PIO)                                                         \
	ABI_CONST(ACRN_IOEVENTFD_FLAG_DATAMATCH)                                                   \
	ABI_CONST(ACRN_IOEVENTFD_FLAG_DEASSIGN)                                                    \
	ABI_CONST(ACRN_IRQFD_FLAG_DEASSIGN)                                                        \
	ABI_CONST(PMCMD_TYPE_MASK)                                                                 \
	ABI_CONST(ACRN_PMCMD_GET_CX_DATA)                                                          \
	/* Sizes and offsets of every structure the HSM reads or writes. */                        \
	ABI_SIZE(acrn_vm_creation)                                                                 \
	ABI_OFF(acrn_vm_creation, vmid)                                                            \
	ABI_OFF(acrn_vm_creation, reserved0)                                                       \
	ABI_OFF(acrn_vm_creation, vcpu_num)                                                        \
	ABI_OFF(acrn_vm_creation, reserved1)                                                       \
	ABI_OFF(acrn_vm_creation, uuid)                                                            \
	ABI_OFF(acrn_vm_creation, vm_flag)                                                         \
	ABI_OFF(acrn_vm_creation, ioreq_buf)                                                       \
	ABI_OFF(acrn_vm_creation, cpu_affinity)                                                    \
	ABI_SIZE(acrn_vcpu_regs)                                                                   \
	ABI_OFF(acrn_vcpu_regs, vcpu_id)                                                           \
	ABI_OFF(acrn_vcpu_regs, reserved)                                                          \
	ABI_OFF(acrn_vcpu_regs, vcpu_regs)                                                         \
	ABI_SIZE(acrn_regs)                                                                        \
	ABI_SIZE(acrn_gp_regs)                                                                     \
	ABI_SIZE(acrn_descriptor_ptr)                                                              \
	ABI_OFF(acrn_descriptor_ptr, base)                                                         \
	ABI_OFF(acrn_descriptor_ptr, reserved)                                                     \
	ABI_OFF(acrn_regs, gdt)                                                                    \
	ABI_OFF(acrn_regs, idt)                                                                    \
	ABI_OFF(acrn_regs, rip)                                                                    \
	ABI_OFF(acrn_regs, rflags)                                                                 \
	ABI_OFF(acrn_regs, reserved_64)                                                            \
	ABI_OFF(acrn_regs, cs_ar)                                                                  \
	ABI_OFF(acrn_regs, reserved_32)                                                            \
	ABI_OFF(acrn_regs, cs_sel)                                                                 \
	ABI_OFF(acrn_regs, tr_sel)                                                                 \
	ABI_SIZE(acrn_io_request)                                                                  \
	ABI_OFF(acrn_io_request, type)                                                             \
	ABI_OFF(acrn_io_request, completion_polling)                                               \
	ABI_OFF(acrn_io_request, reqs)                                                             \
	ABI_OFF(acrn_io_request, reserved1)                                                        \
	ABI_OFF(acrn_io_request, kernel_handled)                                                   \
	ABI_OFF(acrn_io_request, processed)                                                        \
	ABI_SIZE(acrn_io_request_buffer)                                                           \
	ABI_SIZE(acrn_pio_request)                                                                 \
	ABI_OFF(acrn_pio_request, direction)                                                       \
	ABI_OFF(acrn_pio_request, address)                                                         \
	ABI_OFF(acrn_pio_request, size)                                                            \
	ABI_OFF(acrn_pio_request, value)                                                           \
	ABI_SIZE(acrn_mmio_request)                                                                \
	ABI_OFF(acrn_mmio_request, address)                                                        \
	ABI_OFF(acrn_mmio_request, size)                                                           \
	ABI_OFF(acrn_mmio_request, value)                                                          \
	ABI_SIZE(acrn_pci_request)                                                                 \
	ABI_OFF(acrn_pci_request, size)                                                            \
	ABI_OFF(acrn_pci_request, value)                                                           \
	ABI_OFF(acrn_pci_request, bus)                                                             \
	ABI_OFF(acrn_pci_request, dev)                                                             \
	ABI_OFF(acrn_pci_request, func)                                                            \
	ABI_OFF(acrn_pci_request, reg)                                                             \
	ABI_SIZE(acrn_ioreq_notify)                                                                \
	ABI_OFF(acrn_ioreq_notify, reserved)                                                       \
	ABI_OFF(acrn_ioreq_notify, vcpu)                                                           \
	ABI_SIZE(acrn_vm_memmap)                                                                   \
	ABI_OFF(acrn_vm_memmap, type)                                                              \
	ABI_OFF(acrn_vm_memmap, attr)                                                              \
	ABI_OFF(acrn_vm_memmap, user_vm_pa)                                                        \
	ABI_OFF(acrn_vm_memmap, service_vm_pa)                                                     \
	ABI_OFF(acrn_vm_memmap, vma_base)                                                          \
	ABI_OFF(acrn_vm_memmap, len)                                                               \
	ABI_SIZE(acrn_ptdev_irq)                                                                   \
	ABI_SIZE(acrn_pcidev)                                                                      \
	ABI_SIZE(acrn_mmiodev)                                                                     \
	ABI_SIZE(acrn_vdev)                                                                        \
	ABI_SIZE(acrn_msi_entry)                                                                   \
	ABI_OFF(acrn_msi_entry, msi_data)                                                          \
	ABI_SIZE(acrn_cstate_data)                                                                 \
	ABI_SIZE(acrn_pstate_data)                                                                 \
	ABI_SIZE(acrn_ioeventfd)                                                                   \
	ABI_OFF(acrn_ioeventfd, fd)                                                                \
	ABI_OFF(acrn_ioeventfd, flags)                                                             \
	ABI_OFF(acrn_ioeventfd, addr)                                                              \
	ABI_OFF(acrn_ioeventfd, len)                                                               \
	ABI_OFF(acrn_ioeventfd, reserved)                                                          \
	ABI_OFF(acrn_ioeventfd, data)                                                              \
	ABI_SIZE(acrn_irqfd)                                                                       \
	ABI_OFF(acrn_irqfd, fd)                                                                    \
	ABI_OFF(acrn_irqfd, flags)                                                                 \
	ABI_OFF(acrn_irqfd, msi)
