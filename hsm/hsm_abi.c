// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time ABI check: the module is compiled against the kernel headers'
 * include/uapi/linux/acrn.h; abi_expected.h was generated from user space's
 * /usr/include/linux/acrn.h (abi-dump).  Every ioctl number, constant, size
 * and offset the HSM uses must be the same in both, or this file does not
 * compile.  Nothing here ends up in the module's code.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/ioctl.h>
#include <linux/acrn.h>

#include "abi_expected.h"

#define ABI_ITEM(name, value)                                                                      \
	static_assert((unsigned long long)(value) == HSM_ABI_##name,                               \
		      "<linux/acrn.h> differs from the kernel's uapi copy: " #name);
#include "abi_items.h"
HSM_ABI_ITEMS
