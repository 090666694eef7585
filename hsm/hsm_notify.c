// SPDX-License-Identifier: GPL-2.0
/*
 * The hypervisor's notification: a virtual PCI function the hypervisor
 * shows the Service VM on bus 0 (ACRN_NOTIFY_PCI_VENDOR/DEVICE in
 * acrn_abi.h).  Its one MSI is raised whenever the hypervisor posts I/O
 * requests; the handler only queues the dispatch (hsm_ioreq_notify()).
 * Upstream ACRN uses vector 0xF3 instead, which needs CONFIG_ACRN_GUEST in
 * the kernel; a PCI driver works on any kernel.
 */
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/interrupt.h>

#include "hsm.h"
#include "acrn_abi.h"

atomic64_t hsm_notify_irqs = ATOMIC64_INIT(0);

static irqreturn_t hsm_notify_irq(int irq, void *data)
{
	atomic64_inc(&hsm_notify_irqs);
	hsm_ioreq_notify();
	return IRQ_HANDLED;
}

static int hsm_notify_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0) {
		dev_err(&pdev->dev, "no MSI: %d\n", ret);
		return ret;
	}
	ret = request_irq(pci_irq_vector(pdev, 0), hsm_notify_irq, 0, "acrn_hsm", pdev);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}
	dev_info(&pdev->dev, "hypervisor notification on IRQ %d\n", pci_irq_vector(pdev, 0));
	return 0;
}

static void hsm_notify_remove(struct pci_dev *pdev)
{
	free_irq(pci_irq_vector(pdev, 0), pdev);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id hsm_notify_ids[] = {
    {PCI_DEVICE(ACRN_NOTIFY_PCI_VENDOR, ACRN_NOTIFY_PCI_DEVICE)},
    {0},
};
MODULE_DEVICE_TABLE(pci, hsm_notify_ids);

static struct pci_driver hsm_notify_driver = {
    .name = "acrn_hsm_notify",
    .id_table = hsm_notify_ids,
    .probe = hsm_notify_probe,
    .remove = hsm_notify_remove,
};

int hsm_notify_init(void)
{
	return pci_register_driver(&hsm_notify_driver);
}

void hsm_notify_exit(void)
{
	pci_unregister_driver(&hsm_notify_driver);
}
