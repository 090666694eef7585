/* /dev/acrn_hsm; see hsm.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cpu-map.h"
#include "hsm.h"

/* SET_IRQLINE operations, as the hypervisor's SET_IRQLINE hypercall takes them. */
#define IRQLINE_HIGH 0ULL
#define IRQLINE_LOW  1ULL

struct DmHsm {
	int fd;
	char *path;
	guint16 vmid;
};

static gboolean fail(DmHsm *hsm, const char *what, GError **error)
{
	int e = errno;

	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s: %s", hsm->path, what,
		    g_strerror(e));
	return FALSE;
}

DmHsm *dm_hsm_open(const char *path, GError **error)
{
	g_autoptr(DmHsm) hsm = g_new0(DmHsm, 1);

	hsm->path = g_strdup(path ? path : DM_HSM_PATH);
	hsm->fd = open(hsm->path, O_RDWR | O_CLOEXEC);
	if (hsm->fd < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "%s: %s%s", hsm->path,
			    g_strerror(e),
			    e == ENOENT ? " (is the HSM module loaded, under the hypervisor?)"
					: "");
		return NULL;
	}
	return g_steal_pointer(&hsm);
}

void dm_hsm_close(DmHsm *hsm)
{
	if (!hsm)
		return;
	if (hsm->fd >= 0)
		close(hsm->fd);
	g_free(hsm->path);
	g_free(hsm);
}

static int xioctl(DmHsm *hsm, unsigned long req, unsigned long arg)
{
	int r;

	do
		r = ioctl(hsm->fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

gboolean dm_hsm_create_vm(DmHsm *hsm, const char *name, guint64 pcpu_mask,
			  struct acrn_io_request_buffer *ioreq_page, guint16 *vcpu_num,
			  GError **error)
{
	struct acrn_vm_creation c;

	memset(&c, 0, sizeof(c));
	G_STATIC_ASSERT(sizeof(c.uuid) == 16);
	strncpy((char *)&c.uuid, name, sizeof(c.uuid) - 1);
	c.ioreq_buf = (guint64)(guintptr)ioreq_page;
	c.cpu_affinity = pcpu_mask;
	if (xioctl(hsm, ACRN_IOCTL_CREATE_VM, (unsigned long)&c) < 0)
		return fail(hsm, "CREATE_VM", error);
	if (c.vcpu_num < 1 || c.vcpu_num > ACRN_IO_REQUEST_MAX) {
		errno = EPROTO;
		return fail(hsm, "CREATE_VM returned an impossible vCPU count", error);
	}
	hsm->vmid = c.vmid;
	*vcpu_num = c.vcpu_num;
	return TRUE;
}

gboolean dm_hsm_set_memseg(DmHsm *hsm, guint64 gpa, void *hva, guint64 len, GError **error)
{
	struct acrn_vm_memmap m;

	memset(&m, 0, sizeof(m));
	m.type = ACRN_MEMMAP_RAM;
	m.attr = ACRN_MEM_ACCESS_RWX;
	m.user_vm_pa = gpa;
	m.vma_base = (guint64)(guintptr)hva;
	m.len = len;
	if (xioctl(hsm, ACRN_IOCTL_SET_MEMSEG, (unsigned long)&m) < 0)
		return fail(hsm, "SET_MEMSEG", error);
	return TRUE;
}

gboolean dm_hsm_set_vcpu_regs(DmHsm *hsm, const struct acrn_vcpu_regs *regs, GError **error)
{
	if (xioctl(hsm, ACRN_IOCTL_SET_VCPU_REGS, (unsigned long)regs) < 0)
		return fail(hsm, "SET_VCPU_REGS", error);
	return TRUE;
}

gboolean dm_hsm_op(DmHsm *hsm, DmHsmOp op, GError **error)
{
	static const struct {
		unsigned long req;
		const char *name;
	} ops[] = {
	    [DM_HSM_START_VM] = {ACRN_IOCTL_START_VM, "START_VM"},
	    [DM_HSM_PAUSE_VM] = {ACRN_IOCTL_PAUSE_VM, "PAUSE_VM"},
	    [DM_HSM_RESET_VM] = {ACRN_IOCTL_RESET_VM, "RESET_VM"},
	    [DM_HSM_DESTROY_VM] = {ACRN_IOCTL_DESTROY_VM, "DESTROY_VM"},
	    [DM_HSM_CREATE_IOREQ_CLIENT] = {ACRN_IOCTL_CREATE_IOREQ_CLIENT, "CREATE_IOREQ_CLIENT"},
	    [DM_HSM_DESTROY_IOREQ_CLIENT] = {ACRN_IOCTL_DESTROY_IOREQ_CLIENT,
					     "DESTROY_IOREQ_CLIENT"},
	    [DM_HSM_CLEAR_VM_IOREQ] = {ACRN_IOCTL_CLEAR_VM_IOREQ, "CLEAR_VM_IOREQ"},
	};

	if (xioctl(hsm, ops[op].req, 0) < 0)
		return fail(hsm, ops[op].name, error);
	return TRUE;
}

int dm_hsm_attach_ioreq_client(DmHsm *hsm)
{
	return xioctl(hsm, ACRN_IOCTL_ATTACH_IOREQ_CLIENT, 0) < 0 ? -errno : 0;
}

gboolean dm_hsm_notify_finish(DmHsm *hsm, guint vcpu, GError **error)
{
	struct acrn_ioreq_notify n = {.vmid = hsm->vmid, .reserved = 0, .vcpu = vcpu};

	if (xioctl(hsm, ACRN_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n) < 0)
		return fail(hsm, "NOTIFY_REQUEST_FINISH", error);
	return TRUE;
}

gboolean dm_hsm_set_irqline(DmHsm *hsm, guint gsi, gboolean asserted, GError **error)
{
	/* The argument is the value itself: GSI low, operation high. */
	guint64 v = (guint64)gsi | (asserted ? IRQLINE_HIGH : IRQLINE_LOW) << 32;

	if (xioctl(hsm, ACRN_IOCTL_SET_IRQLINE, (unsigned long)v) < 0)
		return fail(hsm, "SET_IRQLINE", error);
	return TRUE;
}

gboolean dm_hsm_inject_msi(DmHsm *hsm, guint64 addr, guint32 data, GError **error)
{
	struct acrn_msi_entry m = {.msi_addr = addr, .msi_data = data};

	if (xioctl(hsm, ACRN_IOCTL_INJECT_MSI, (unsigned long)&m) < 0)
		return fail(hsm, "INJECT_MSI", error);
	return TRUE;
}

#define MADT_PATH	"/sys/firmware/acpi/tables/APIC"
#define CPUINFO_PATH	"/proc/cpuinfo"
#define REMOVE_CPU_PATH "/sys/devices/virtual/misc/acrn_hsm/remove_cpu"

/* sysfs attributes take one write(2) on a write-only open; GLib's file
 * helpers open for reading too, which a write-only attribute refuses. */
static gboolean write_attribute(const char *path, const char *value, GError **error)
{
	size_t len = strlen(value);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		goto fail;
	n = write(fd, value, len);
	if (n != (ssize_t)len) {
		int e = n < 0 ? errno : EIO;

		close(fd);
		errno = e;
		goto fail;
	}
	close(fd);
	return TRUE;
fail:
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", path,
		    g_strerror(errno));
	return FALSE;
}

gboolean dm_hsm_hand_over_cpus(guint64 lapic_mask, guint64 *pcpu_mask, GError **error)
{
	g_autofree char *madt = NULL, *cpuinfo = NULL;
	gsize madt_len = 0;

	*pcpu_mask = 0;
	if (!lapic_mask)
		return TRUE;
	if (!g_file_get_contents(MADT_PATH, &madt, &madt_len, error) ||
	    !dm_cpu_lapic_to_pcpu((const guint8 *)madt, madt_len, lapic_mask, pcpu_mask, error) ||
	    !g_file_get_contents(CPUINFO_PATH, &cpuinfo, NULL, error))
		return FALSE;
	for (guint apic = 0; apic < 64; apic++) {
		g_autofree char *num = NULL;
		g_autoptr(GError) e = NULL;
		int cpu;

		if (!(lapic_mask & (1ULL << apic)))
			continue;
		cpu = dm_cpu_online_with_apic_id(cpuinfo, apic);
		if (cpu < 0)
			continue; /* offline: given up earlier */
		if (cpu == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "--cpu_affinity: local APIC ID %u is CPU 0, the Service VM's "
				    "boot CPU, which cannot be given to a User VM",
				    apic);
			return FALSE;
		}
		num = g_strdup_printf("%d", cpu);
		if (!write_attribute(REMOVE_CPU_PATH, num, &e)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
				    "giving CPU %d (local APIC ID %u) to the hypervisor: %s", cpu,
				    apic, e->message);
			return FALSE;
		}
		g_message("CPU %d (local APIC ID %u) given to the hypervisor", cpu, apic);
	}
	return TRUE;
}
