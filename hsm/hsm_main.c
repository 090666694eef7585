// SPDX-License-Identifier: GPL-2.0
/*
 * acrn_hsm: the Service VM's hypervisor service module.
 *
 * It offers /dev/acrn_hsm with the ioctl interface of <linux/acrn.h> to the
 * device model.  This first part does what every later ioctl relies on:
 * it refuses to load unless it runs in the privileged VM of an
 * ACRN-compatible hypervisor (CPUID leaves 0x40000000/0x40000001), checks
 * the hypervisor's API version through the GET_API_VERSION hypercall and
 * registers the device node.  VM ioctls are answered -ENOTTY until the
 * hypervisor implements the VM-management hypercalls.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <asm/processor.h>
#include "hypercall.h"

#include "acrn_abi.h"

struct hsm_api_version {
	u32 major;
	u32 minor;
};

static bool hsm_running_on_acrn(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(ACRN_CPUID_SIGNATURE, &eax, &sig[0], &sig[1], &sig[2]);
	return eax >= ACRN_CPUID_FEATURES && !memcmp(sig, ACRN_SIGNATURE, 12);
}

static bool hsm_is_privileged_vm(void)
{
	return cpuid_eax(ACRN_CPUID_FEATURES) & ACRN_FEATURE_PRIVILEGED_VM;
}

/* The hypervisor copies the answer to a guest-physical address, so the
 * buffer must be physically contiguous: kmalloc, not the stack. */
static int hsm_query_api_version(struct hsm_api_version *out)
{
	struct hsm_api_version *ver;
	long ret;

	ver = kzalloc(sizeof(*ver), GFP_KERNEL);
	if (!ver)
		return -ENOMEM;
	ret = hsm_hypercall1(ACRN_HC_GET_API_VERSION, virt_to_phys(ver));
	if (ret >= 0)
		*out = *ver;
	kfree(ver);
	return ret < 0 ? (int)ret : 0;
}

static int hsm_open(struct inode *inode, struct file *filp)
{
	/* One open file will be one VM; nothing to allocate until CREATE_VM. */
	return 0;
}

static long hsm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations hsm_fops = {
	.owner = THIS_MODULE,
	.open = hsm_open,
	.unlocked_ioctl = hsm_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice hsm_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "acrn_hsm",
	.fops = &hsm_fops,
};

static int __init hsm_init(void)
{
	struct hsm_api_version ver;
	int ret;

	if (!hsm_running_on_acrn()) {
		pr_err("acrn_hsm: not running on an ACRN-compatible hypervisor\n");
		return -ENODEV;
	}
	if (!hsm_is_privileged_vm()) {
		pr_err("acrn_hsm: this VM is not the privileged Service VM\n");
		return -EPERM;
	}
	ret = hsm_query_api_version(&ver);
	if (ret < 0) {
		pr_err("acrn_hsm: GET_API_VERSION hypercall failed: %d\n", ret);
		return ret;
	}
	if (ver.major != ACRN_API_MAJOR) {
		pr_err("acrn_hsm: hypervisor API %u.%u, need major %u\n", ver.major, ver.minor,
		       ACRN_API_MAJOR);
		return -EPROTO;
	}
	ret = misc_register(&hsm_miscdev);
	if (ret) {
		pr_err("acrn_hsm: cannot register /dev/acrn_hsm: %d\n", ret);
		return ret;
	}
	pr_info("acrn_hsm: hypervisor API %u.%u, /dev/acrn_hsm ready\n", ver.major, ver.minor);
	return 0;
}

static void __exit hsm_exit(void)
{
	misc_deregister(&hsm_miscdev);
}

module_init(hsm_init);
module_exit(hsm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ACRN-compatible hypervisor service module (Service VM)");
