/* The one file that talks to the HSM: /dev/acrn_hsm ioctls of
 * <linux/acrn.h> (docs/devicemodel.md lists those acrn-dm uses).  One open file is one VM;
 * closing it (also when acrn-dm dies) makes the HSM destroy the VM.
 *
 * Every failure becomes a GError whose message starts with the device path
 * and the ioctl, e.g. "/dev/acrn_hsm: CREATE_VM: Inappropriate ioctl for
 * device", so that a missing piece of the HSM or hypervisor is named rather
 * than papered over. */
#pragma once

#include <glib.h>
#include <linux/acrn.h>

G_BEGIN_DECLS

#define DM_HSM_PATH "/dev/acrn_hsm"

typedef struct DmHsm DmHsm;

DmHsm *dm_hsm_open(const char *path, GError **error);
void dm_hsm_close(DmHsm *hsm);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmHsm, dm_hsm_close)

/* Hand the CPUs with the local APIC IDs in @lapic_mask over to the
 * hypervisor, as upstream's launch scripts do: each one still online in the
 * Service VM is given up through the HSM's remove_cpu (which offlines it in
 * Linux first); one already offline is taken as given up before (CREATE_VM
 * refuses it otherwise).  The Service VM's boot CPU is refused.  Sets
 * *pcpu_mask to the hypervisor's pCPU indices for CREATE_VM (cpu-map.h);
 * an empty mask stays empty (the hypervisor's default placement). */
gboolean dm_hsm_hand_over_cpus(guint64 lapic_mask, guint64 *pcpu_mask, GError **error);

/* CREATE_VM: the VM's name goes in the 16-byte field the uapi calls uuid.
 * @ioreq_page is the 4 KiB I/O request page the HSM pins for the VM. */
/* @pcpu_mask: from dm_hsm_hand_over_cpus(). */
gboolean dm_hsm_create_vm(DmHsm *hsm, const char *name, guint64 pcpu_mask,
			  struct acrn_io_request_buffer *ioreq_page, guint16 *vcpu_num,
			  GError **error);
/* SET_MEMSEG: guest RAM [gpa, gpa+len) is the host memory at @hva. */
gboolean dm_hsm_set_memseg(DmHsm *hsm, guint64 gpa, void *hva, guint64 len, GError **error);
gboolean dm_hsm_set_vcpu_regs(DmHsm *hsm, const struct acrn_vcpu_regs *regs, GError **error);

typedef enum {
	DM_HSM_START_VM,
	DM_HSM_PAUSE_VM,
	DM_HSM_RESET_VM,
	DM_HSM_DESTROY_VM,
	DM_HSM_CREATE_IOREQ_CLIENT,
	DM_HSM_DESTROY_IOREQ_CLIENT,
	DM_HSM_CLEAR_VM_IOREQ,
} DmHsmOp;
gboolean dm_hsm_op(DmHsm *hsm, DmHsmOp op, GError **error);

/* Blocks until requests are pending; -ENODEV once the client is being
 * destroyed (how the request thread learns to stop). */
int dm_hsm_attach_ioreq_client(DmHsm *hsm);
gboolean dm_hsm_notify_finish(DmHsm *hsm, guint vcpu, GError **error);
gboolean dm_hsm_set_irqline(DmHsm *hsm, guint gsi, gboolean asserted, GError **error);
gboolean dm_hsm_inject_msi(DmHsm *hsm, guint64 addr, guint32 data, GError **error);

G_END_DECLS
