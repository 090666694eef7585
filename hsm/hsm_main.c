// SPDX-License-Identifier: GPL-2.0
/*
 * acrn_hsm: the Service VM's hypervisor service module.
 *
 * It offers /dev/acrn_hsm with the ioctl interface of <linux/acrn.h> to the
 * device model.  This first part does what every later ioctl relies on:
 * it refuses to load unless it runs in the privileged VM of an
 * ACRN-compatible hypervisor (CPUID leaves 0x40000000/0x40000001), checks
 * the hypervisor's API version through the GET_API_VERSION hypercall and
 * registers the device node.  One open file is at most one VM (hsm_vm.c);
 * closing it destroys the VM.  docs/hsm.md describes the whole module.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/io.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/ctype.h>
#include <linux/cpu.h>
#include <linux/device.h>
#include <asm/processor.h>

#include "hsm.h"
#include "hypercall.h"

DEFINE_MUTEX(hsm_vms_lock);
LIST_HEAD(hsm_vms);
/* Pages the HSM holds pinned now, and pages it gave up on (see hsm_mm.c). */
atomic_long_t hsm_pinned_pages = ATOMIC_LONG_INIT(0);
atomic_long_t hsm_leaked_pages = ATOMIC_LONG_INIT(0);
static atomic_t hsm_open_files = ATOMIC_INIT(0);
static struct dentry *hsm_debugfs_dir;

/* A hypercall's RAX as an errno: 0, a -errno, or -EIO for anything else. */
int hsm_hc_result(long ret)
{
	if (ret == 0)
		return 0;
	if (ret < 0 && ret >= -MAX_ERRNO)
		return (int)ret;
	return -EIO;
}

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
	struct hsm_vm *vm;

	/* The VM object, empty until CREATE_VM: the hypervisor knows nothing yet. */
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	hsm_vm_init(vm);
	filp->private_data = vm;
	atomic_inc(&hsm_open_files);
	return 0;
}

static int hsm_release(struct inode *inode, struct file *filp)
{
	struct hsm_vm *vm = filp->private_data;

	hsm_vm_release(vm);
	kfree(vm);
	atomic_dec(&hsm_open_files);
	return 0;
}

static long hsm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return hsm_vm_ioctl(filp->private_data, cmd, arg);
}

static const struct file_operations hsm_fops = {
    .owner = THIS_MODULE,
    .open = hsm_open,
    .release = hsm_release,
    .unlocked_ioctl = hsm_ioctl,
    .llseek = noop_llseek,
};

static const char *const hsm_state_names[] = {
    [HSM_VM_NONE] = "none",
    [HSM_VM_CREATED] = "created",
    [HSM_VM_RUNNING] = "running",
    [HSM_VM_PAUSED] = "paused",
};

/* debugfs acrn_hsm/vms: one line per VM, then the module's totals. */
static int hsm_vms_show(struct seq_file *m, void *unused)
{
	struct hsm_vm *vm;
	char name[17];
	int i;

	mutex_lock(&hsm_vms_lock);
	list_for_each_entry(vm, &hsm_vms, list)
	{
		for (i = 0; i < 16 && vm->name[i]; i++)
			name[i] = isprint(vm->name[i]) ? vm->name[i] : '?';
		name[i] = 0;
		seq_printf(m,
			   "vm %u name=%s state=%s vcpus=%u pid=%d memsegs=%u pinned=%lu "
			   "ioeventfds=%u irqfds=%u client=%d pending=%#lx ",
			   vm->vmid, name, hsm_state_names[vm->state], vm->vcpu_num, vm->creator,
			   vm->nr_memsegs, vm->pinned_pages, vm->nr_ioeventfds, vm->nr_irqfds,
			   vm->client_exists, READ_ONCE(vm->pending));
		seq_printf(m,
			   "requests=%lld pio=%lld mmio=%lld pcicfg=%lld cf8=%lld ioeventfd=%lld "
			   "to_client=%lld unclaimed=%lld completed=%lld notify_errors=%lld\n",
			   atomic64_read(&vm->count.requests), atomic64_read(&vm->count.pio),
			   atomic64_read(&vm->count.mmio), atomic64_read(&vm->count.pcicfg),
			   atomic64_read(&vm->count.cf8), atomic64_read(&vm->count.ioeventfd),
			   atomic64_read(&vm->count.to_client), atomic64_read(&vm->count.unclaimed),
			   atomic64_read(&vm->count.completed),
			   atomic64_read(&vm->count.notify_errors));
	}
	mutex_unlock(&hsm_vms_lock);
	seq_printf(m, "open_files=%d pinned_pages=%ld leaked_pages=%ld\n",
		   atomic_read(&hsm_open_files), atomic_long_read(&hsm_pinned_pages),
		   atomic_long_read(&hsm_leaked_pages));
	seq_printf(m, "notify_irqs=%lld\n", (long long)atomic64_read(&hsm_notify_irqs));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(hsm_vms);

/* debugfs acrn_hsm/dispatch: any write scans every VM's request page now. */
static ssize_t hsm_dispatch_write(struct file *file, const char __user *buf, size_t len,
				  loff_t *ppos)
{
	hsm_ioreq_notify();
	return len;
}

static const struct file_operations hsm_dispatch_fops = {
    .owner = THIS_MODULE,
    .write = hsm_dispatch_write,
    .llseek = noop_llseek,
};

/*
 * /sys/devices/virtual/misc/acrn_hsm/remove_cpu: give a Service VM CPU to
 * the hypervisor for User VMs, as upstream does: hot-remove it from Linux,
 * then SERVICE_VM_OFFLINE_CPU with its local APIC ID.  If the hypervisor
 * refuses (today's answers -ENOTTY), the CPU is brought back online and the
 * write fails with the hypervisor's error.
 */
static ssize_t remove_cpu_store(struct device *dev, struct device_attribute *attr, const char *buf,
				size_t count)
{
	unsigned int cpu;
	int ret;

	if (kstrtouint(buf, 0, &cpu) < 0)
		return -EINVAL;
	if (cpu == 0 || cpu >= nr_cpu_ids || !cpu_possible(cpu) || !cpu_is_hotpluggable(cpu))
		return -EINVAL;
	if (cpu_online(cpu)) {
		ret = remove_cpu(cpu);
		if (ret)
			return ret;
	}
	ret = hsm_hc_result(hsm_hypercall1(ACRN_HC_SERVICE_VM_OFFLINE_CPU, cpu_data(cpu).apicid));
	if (ret) {
		pr_info("acrn_hsm: SERVICE_VM_OFFLINE_CPU of CPU %u failed (%d): CPU back online\n",
			cpu, ret);
		add_cpu(cpu);
		return ret;
	}
	return count;
}
static DEVICE_ATTR_WO(remove_cpu);

static struct attribute *hsm_attrs[] = {
    &dev_attr_remove_cpu.attr,
    NULL,
};
ATTRIBUTE_GROUPS(hsm);

static struct miscdevice hsm_miscdev = {
    .minor = MISC_DYNAMIC_MINOR,
    .name = "acrn_hsm",
    .fops = &hsm_fops,
    .groups = hsm_groups,
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
	ret = hsm_ioreq_init();
	if (ret)
		return ret;
	ret = misc_register(&hsm_miscdev);
	if (ret) {
		pr_err("acrn_hsm: cannot register /dev/acrn_hsm: %d\n", ret);
		hsm_ioreq_exit();
		return ret;
	}
	ret = hsm_notify_init();
	if (ret) {
		pr_err("acrn_hsm: cannot register the notification driver: %d\n", ret);
		misc_deregister(&hsm_miscdev);
		hsm_ioreq_exit();
		return ret;
	}
	/* debugfs is optional: its failures are ignored by design. */
	hsm_debugfs_dir = debugfs_create_dir("acrn_hsm", NULL);
	debugfs_create_file("vms", 0444, hsm_debugfs_dir, NULL, &hsm_vms_fops);
	debugfs_create_file("dispatch", 0200, hsm_debugfs_dir, NULL, &hsm_dispatch_fops);
	pr_info("acrn_hsm: hypervisor API %u.%u, /dev/acrn_hsm ready\n", ver.major, ver.minor);
	return 0;
}

static void __exit hsm_exit(void)
{
	debugfs_remove_recursive(hsm_debugfs_dir);
	hsm_notify_exit();
	misc_deregister(&hsm_miscdev);
	hsm_ioreq_exit();
}

module_init(hsm_init);
module_exit(hsm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("ACRN-compatible hypervisor service module (Service VM)");
