/* One User VM; see vm.h and docs/devicemodel.md for the threads. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "acpi.h"
#include "control.h"
#include "dm-proto.h"
#include "guest-mem.h"
#include "hsm.h"
#include "io-bus.h"
#include "linux-loader.h"
#include "pci.h"
#include "pit.h"
#include "pm.h"
#include "rtc.h"
#include "serial-backend.h"
#include "uart.h"
#include "virtio-blk.h"
#include "virtio-console.h"
#include "virtio-rng.h"
#include "virtio-net.h"
#include "vm.h"

typedef enum { VM_STARTING, VM_RUNNING, VM_PAUSED, VM_SUSPENDED } VmState;
static const char *const state_names[] = {"starting", "running", "paused", "suspended"};

typedef struct {
	GSource source;
	DmVm *vm;
} PitSource;

struct DmVm {
	DmConfig *cfg;
	GMainLoop *loop;
	DmControl *control;
	VmState state;
	int exit_code;
	gboolean ending;

	DmHsm *hsm;
	struct acrn_io_request_buffer *ioreq_page;
	guint16 n_vcpus;
	gboolean vm_created, client_created;
	GThread *ioreq_thread;
	DmGuestMem *mem;
	GBytes *kernel, *initrd;

	/* Everything below is guest-visible state: the request thread and
	 * the main loop take @lock around every access. */
	GMutex lock;
	DmIoBus *pio, *mmio;
	DmPci *pci;
	DmIoDispatcher disp;
	DmIrqSink irq;
	DmUart *com1;
	DmSerialBackend *com1_backend;
	DmRtc *rtc;
	DmPit *pit;
	GSource *pit_source;
	DmPm *pm;
	GPtrArray *blks;     /* DmVirtioBlk*, freed explicitly */
	GPtrArray *consoles; /* Console*, freed explicitly */
	GPtrArray *rngs;     /* DmVirtioRng*, freed explicitly */
	GPtrArray *nets;     /* DmVirtioNet*, freed explicitly */
};

/* A virtio-console and the host end of its line. */
typedef struct {
	DmVirtioConsole *dev;
	DmSerialBackend *backend;
} Console;

/* ---- interrupts: straight to the HSM ---- */

static void irq_line(gpointer ctx, guint gsi, gboolean asserted)
{
	DmVm *vm = ctx;
	g_autoptr(GError) error = NULL;

	if (vm->hsm && vm->vm_created && !dm_hsm_set_irqline(vm->hsm, gsi, asserted, &error))
		g_warning("%s", error->message);
}

static void irq_msi(gpointer ctx, guint64 addr, guint32 data)
{
	DmVm *vm = ctx;
	g_autoptr(GError) error = NULL;

	if (vm->hsm && vm->vm_created && !dm_hsm_inject_msi(vm->hsm, addr, data, &error))
		g_warning("%s", error->message);
}

/* ---- ending the VM ---- */

static void end(DmVm *vm, const char *event, GVariant *fields, int code)
{
	if (vm->ending) {
		if (fields)
			g_variant_unref(g_variant_ref_sink(fields));
		return;
	}
	vm->ending = TRUE;
	vm->exit_code = code;
	/* The event goes first: after an acrnd restart it is all acrnd
	 * learns about why we ended (docs/dm-control-protocol.md 4). */
	if (vm->control)
		dm_control_send_event(vm->control, event, fields);
	else if (fields)
		g_variant_unref(g_variant_ref_sink(fields));
	g_message("%s: %s", vm->cfg->name, event);
	g_main_loop_quit(vm->loop);
}

static void poweroff(DmVm *vm, const char *reason)
{
	end(vm, "poweroff", dm_control_field("reason", reason), ACRN_DM_EXIT_POWEROFF);
}

static void set_state(DmVm *vm, VmState s, const char *event)
{
	vm->state = s;
	if (event && vm->control)
		dm_control_send_event(vm->control, event, NULL);
}

/* ---- guest power requests (PM1, reset register) ---- */

typedef struct {
	DmVm *vm;
	DmPmRequest r;
} PmCall;

static gboolean pm_in_main_loop(gpointer data)
{
	PmCall *c = data;
	DmVm *vm = c->vm;
	g_autoptr(GError) error = NULL;

	switch (c->r) {
	case DM_PM_POWEROFF:
		poweroff(vm, "guest");
		break;
	case DM_PM_RESET:
		/* acrnd decides what a reboot means (on_reboot). */
		end(vm, "reboot", NULL, ACRN_DM_EXIT_REBOOT);
		break;
	case DM_PM_SUSPEND:
		/* pm_request() ran in the request thread, which completes the
		 * guest's S3 write only after it: once the lock is free here that
		 * completion is done, and the vCPU is not paused with its PM1
		 * write still in flight (a wakeup restarts it elsewhere). */
		g_mutex_lock(&vm->lock);
		g_mutex_unlock(&vm->lock);
		if (!dm_hsm_op(vm->hsm, DM_HSM_PAUSE_VM, &error)) {
			g_warning("S3: %s", error->message);
			break;
		}
		set_state(vm, VM_SUSPENDED, "suspended");
		break;
	}
	g_free(c);
	return G_SOURCE_REMOVE;
}

static gboolean crash_in_main_loop(gpointer data)
{
	end(data, "crash", dm_control_field("reason", "fatal-vcpu-exit"), ACRN_DM_EXIT_CRASH);
	return G_SOURCE_REMOVE;
}

/* The request thread saw the hypervisor's S5 for a vCPU it stopped (triple
 * fault, failed entry): a crash.  Queued before the S5 write itself is
 * served, so this end wins over the poweroff that write asks for. */
static void vcpu_fatal(gpointer ctx, guint vcpu)
{
	g_message("the hypervisor stopped vCPU %u (triple fault or fatal exit): the guest crashed",
		  vcpu);
	g_idle_add(crash_in_main_loop, ctx);
}

/* Called by pm.c in the request thread, with the lock held: the HSM
 * calls that follow happen in the main loop. */
static void pm_request(gpointer ctx, DmPmRequest r)
{
	PmCall *c = g_new(PmCall, 1);

	c->vm = ctx;
	c->r = r;
	g_idle_add(pm_in_main_loop, c);
}

/* ---- the PIT's timer ---- */

static gboolean pit_dispatch(GSource *s, GSourceFunc cb, gpointer data)
{
	DmVm *vm = ((PitSource *)s)->vm;

	g_source_set_ready_time(s, -1);
	g_mutex_lock(&vm->lock);
	dm_pit_expire(vm->pit); /* re-arms through pit_arm() */
	g_mutex_unlock(&vm->lock);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs pit_funcs = {.dispatch = pit_dispatch};

static void pit_arm(gpointer ctx, gint64 deadline_ns)
{
	DmVm *vm = ctx;

	/* Thread-safe: the request thread arms it too. */
	g_source_set_ready_time(vm->pit_source, deadline_ns < 0 ? -1 : deadline_ns / 1000);
}

/* ---- the I/O request thread ---- */

static void request_done(gpointer ctx, guint vcpu)
{
	DmVm *vm = ctx;
	g_autoptr(GError) error = NULL;

	if (!dm_hsm_notify_finish(vm->hsm, vcpu, &error))
		g_warning("%s", error->message);
}

static gpointer ioreq_thread(gpointer data)
{
	DmVm *vm = data;

	for (;;) {
		int r = dm_hsm_attach_ioreq_client(vm->hsm);

		if (r == -EINTR)
			continue;
		if (r < 0)
			break; /* -ENODEV: the client is being destroyed */
		g_mutex_lock(&vm->lock);
		dm_io_service_page(&vm->disp, vm->ioreq_page, vm->n_vcpus, request_done, vm);
		g_mutex_unlock(&vm->lock);
	}
	return NULL;
}

/* ---- COM1 ---- */

static void com1_tx(gpointer ctx, guint8 b)
{
	dm_serial_backend_write(((DmVm *)ctx)->com1_backend, &b, 1);
}

static void com1_rx_space(gpointer ctx)
{
	dm_serial_backend_resume(((DmVm *)ctx)->com1_backend);
}

static gsize com1_input(gpointer ctx, const guint8 *buf, gsize len)
{
	return dm_uart_receive(((DmVm *)ctx)->com1, buf, len);
}

/* ---- virtio-console ---- */

static void console_tx(gpointer ctx, guint8 b)
{
	dm_serial_backend_write(((Console *)ctx)->backend, &b, 1);
}

static void console_rx_space(gpointer ctx)
{
	dm_serial_backend_resume(((Console *)ctx)->backend);
}

static gsize console_input(gpointer ctx, const guint8 *buf, gsize len)
{
	return dm_virtio_console_receive(((Console *)ctx)->dev, buf, len);
}

static gboolean add_console(DmVm *vm, const DmPciDeviceConfig *d, GError **error)
{
	Console *c = g_new0(Console, 1);
	DmUartBackendOps ops = {console_tx, console_rx_space, c};

	g_ptr_array_add(vm->consoles, c);
	c->backend = dm_serial_backend_open(&d->console, error);
	if (!c->backend) {
		g_prefix_error(error, "-s %s: ", d->spec);
		return FALSE;
	}
	c->dev = dm_virtio_console_new(vm->pci, d, vm->mem, &ops, error);
	if (!c->dev)
		return FALSE;
	if (dm_serial_backend_pty(c->backend))
		g_message("%s: virtio-console in slot %u on %s", vm->cfg->name, d->slot,
			  dm_serial_backend_pty(c->backend));
	dm_serial_backend_set_input(c->backend, console_input, c, &vm->lock);
	return TRUE;
}

/* ---- construction ---- */

DmVm *dm_vm_new(DmConfig *cfg)
{
	DmVm *vm = g_new0(DmVm, 1);

	vm->cfg = cfg;
	vm->loop = g_main_loop_new(NULL, FALSE);
	vm->state = VM_STARTING;
	vm->exit_code = ACRN_DM_EXIT_FAILURE;
	g_mutex_init(&vm->lock);
	vm->blks = g_ptr_array_new();
	vm->consoles = g_ptr_array_new();
	vm->rngs = g_ptr_array_new();
	vm->nets = g_ptr_array_new();
	vm->irq = (DmIrqSink){irq_line, irq_msi, vm};
	return vm;
}

static const char *console_path(DmVm *vm)
{
	return vm->com1_backend ? dm_serial_backend_pty(vm->com1_backend) : NULL;
}

static void control_hello(gpointer ctx, GVariantDict *d)
{
	DmVm *vm = ctx;

	g_variant_dict_insert(d, "state", "s", state_names[vm->state]);
	if (console_path(vm))
		g_variant_dict_insert(d, "console", "s", console_path(vm));
}

static gboolean wrong_state(DmVm *vm, const char **code, GError **error)
{
	*code = "invalid-state";
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the guest is %s",
		    state_names[vm->state]);
	return FALSE;
}

static gboolean force_stop_later(gpointer data)
{
	poweroff(data, "force-stop");
	return G_SOURCE_REMOVE;
}

/* The kernel and initrd stay mapped for a reset's reload (the image the VM
 * started with, even if the file is replaced), but once copied into guest
 * RAM their pages are only the Service VM's page cache: counted as acrn-dm's
 * resident memory they were 34 MB of a Debian kernel and initramfs beside
 * under 3 MB of our own (bench/README.md). MADV_DONTNEED on the read-only
 * private file mapping drops them; a reset faults them back in. */
static void drop_resident(GBytes *file)
{
	gsize len;
	const guint8 *p = file ? g_bytes_get_data(file, &len) : NULL;
	guintptr page = (guintptr)sysconf(_SC_PAGESIZE);

	/* GMappedFile maps every non-empty file at a page boundary; anything
	 * else is not a mapping of ours to drop. */
	if (!p || len == 0 || ((guintptr)p & (page - 1)))
		return;
	if (madvise((void *)p, len, MADV_DONTNEED) < 0)
		g_debug("madvise(DONTNEED) of a boot file: %s", g_strerror(errno));
}

/* Restarts vCPU 0 after a reset or an S3 wakeup.  @waking: at the FACS
 * waking vector in real mode, else at the kernel's entry again. */
static gboolean restart(DmVm *vm, gboolean waking, GError **error)
{
	DmBootImages img = {0};
	DmBootResult boot;

	if (!dm_hsm_op(vm->hsm, DM_HSM_PAUSE_VM, error) ||
	    !dm_hsm_op(vm->hsm, DM_HSM_CLEAR_VM_IOREQ, error) ||
	    !dm_hsm_op(vm->hsm, DM_HSM_RESET_VM, error))
		return FALSE;
	if (waking) {
		const guint8 *facs = dm_guest_mem_ptr(vm->mem, DM_ACPI_BASE + DM_ACPI_FACS, 64);
		guint32 vector =
		    facs[12] | facs[13] << 8 | facs[14] << 16 | (guint32)facs[15] << 24;
		struct acrn_regs *r = &boot.regs.vcpu_regs;

		memset(&boot.regs, 0, sizeof(boot.regs));
		r->cs_sel = (guint16)(vector >> 4);
		r->cs_base = vector & ~0xFU;
		r->cs_ar = 0x009B;
		r->cs_limit = 0xFFFF;
		r->rip = vector & 0xF;
		r->cr0 = 0x30;
		r->rflags = 0x2;
		g_mutex_lock(&vm->lock);
		dm_pm_wake(vm->pm);
		g_mutex_unlock(&vm->lock);
	} else {
		/* A reset: the devices start over like the new kernel. */
		g_mutex_lock(&vm->lock);
		dm_pm_reset(vm->pm);
		for (guint i = 0; i < vm->blks->len; i++)
			dm_virtio_system_reset(dm_virtio_blk_device(vm->blks->pdata[i]));
		for (guint i = 0; i < vm->consoles->len; i++)
			dm_virtio_system_reset(
			    dm_virtio_console_device(((Console *)vm->consoles->pdata[i])->dev));
		for (guint i = 0; i < vm->rngs->len; i++)
			dm_virtio_system_reset(dm_virtio_rng_device(vm->rngs->pdata[i]));
		for (guint i = 0; i < vm->nets->len; i++)
			dm_virtio_system_reset(dm_virtio_net_device(vm->nets->pdata[i]));
		g_mutex_unlock(&vm->lock);
		img.kernel = g_bytes_get_data(vm->kernel, &img.kernel_len);
		img.elf = vm->cfg->elf_file != NULL;
		if (vm->initrd)
			img.initrd = g_bytes_get_data(vm->initrd, &img.initrd_len);
		img.cmdline = vm->cfg->bootargs;
		img.rsdp = DM_ACPI_BASE + DM_ACPI_RSDP;
		if (!dm_linux_load(vm->mem, &img, &boot, error))
			return FALSE;
		drop_resident(vm->kernel);
		drop_resident(vm->initrd);
	}
	return dm_hsm_set_vcpu_regs(vm->hsm, &boot.regs, error) &&
	       dm_hsm_op(vm->hsm, DM_HSM_START_VM, error);
}

static DmVirtioBlk *blk_at(DmVm *vm, gint64 slot)
{
	for (guint i = 0; i < vm->blks->len; i++) {
		DmVirtioBlk *b = vm->blks->pdata[i];

		if ((gint64)dm_virtio_blk_device(b)->pci->slot == slot)
			return b;
	}
	return NULL;
}

static gboolean control_request(gpointer ctx, const char *name, GVariant *msg, GVariantDict *reply,
				const char **code, GError **error)
{
	DmVm *vm = ctx;

	if (g_str_equal(name, "query")) {
		g_variant_dict_insert(reply, "state", "s", state_names[vm->state]);
		g_variant_dict_insert(reply, "name", "s", vm->cfg->name);
		g_variant_dict_insert(reply, "pid", "x", (gint64)getpid());
		if (console_path(vm))
			g_variant_dict_insert(reply, "console", "s", console_path(vm));
		return TRUE;
	}
	if (g_str_equal(name, "force-stop")) {
		/* Reply first, then the poweroff event and the exit. */
		g_idle_add(force_stop_later, vm);
		return TRUE;
	}
	if (g_str_equal(name, "stop") || g_str_equal(name, "suspend")) {
		if (vm->state != VM_RUNNING)
			return wrong_state(vm, code, error);
		g_mutex_lock(&vm->lock);
		if (g_str_equal(name, "stop"))
			dm_pm_press_power_button(vm->pm);
		else
			dm_pm_press_sleep_button(vm->pm);
		g_mutex_unlock(&vm->lock);
		return TRUE;
	}
	if (g_str_equal(name, "pause")) {
		if (vm->state != VM_RUNNING)
			return wrong_state(vm, code, error);
		if (!dm_hsm_op(vm->hsm, DM_HSM_PAUSE_VM, error))
			return FALSE;
		set_state(vm, VM_PAUSED, "paused");
		return TRUE;
	}
	if (g_str_equal(name, "resume")) {
		if (vm->state != VM_PAUSED)
			return wrong_state(vm, code, error);
		if (!dm_hsm_op(vm->hsm, DM_HSM_START_VM, error))
			return FALSE;
		set_state(vm, VM_RUNNING, "resumed");
		return TRUE;
	}
	if (g_str_equal(name, "wakeup") || g_str_equal(name, "reset")) {
		gboolean wake = g_str_equal(name, "wakeup");

		if (wake ? vm->state != VM_SUSPENDED : vm->state == VM_STARTING)
			return wrong_state(vm, code, error);
		if (!restart(vm, wake, error))
			return FALSE;
		set_state(vm, VM_RUNNING, wake ? "woken" : "reset");
		return TRUE;
	}
	if (g_str_equal(name, "blkrescan")) {
		gint64 slot = acrn_dm_proto_get_int(msg, "slot", -1);
		const char *path = acrn_dm_proto_get_str(msg, "path", NULL);
		DmVirtioBlk *b = blk_at(vm, slot);
		gboolean ok;

		if (vm->state != VM_RUNNING && vm->state != VM_PAUSED)
			return wrong_state(vm, code, error);
		*code = "invalid-argument";
		if (!b || !path || !dm_virtio_blk_is_nodisk(b)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "slot %" G_GINT64_FORMAT " is not a nodisk virtio-blk", slot);
			return FALSE;
		}
		g_mutex_lock(&vm->lock);
		ok = dm_virtio_blk_change_medium(b, path, error);
		g_mutex_unlock(&vm->lock);
		return ok;
	}
	*code = "unknown-request";
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "unknown request '%s'", name);
	return FALSE;
}

gboolean dm_vm_open_control(DmVm *vm, GError **error)
{
	DmControlOps ops = {control_hello, control_request, vm};

	if (!vm->cfg->control_socket)
		return TRUE;
	vm->control = dm_control_new(vm->cfg->control_socket, vm->cfg->name, &ops, error);
	return vm->control != NULL;
}

void dm_vm_report_start_failure(DmVm *vm, const char *message)
{
	if (!vm->control)
		return;
	dm_control_accept_pending(vm->control);
	dm_control_send_event(vm->control, "start-failed", dm_control_field("message", message));
}

static gboolean add_port(DmVm *vm, guint16 port, guint len, const char *name, DmIoHandler fn,
			 gpointer dev, GError **error)
{
	return dm_io_bus_register(vm->pio, port, len, name, fn, dev, error);
}

static gboolean create_devices(DmVm *vm, GError **error)
{
	DmConfig *cfg = vm->cfg;
	DmPitClock clock = {NULL, pit_arm, vm};
	gboolean have_lpc = FALSE;

	vm->pio = dm_io_bus_new("port I/O");
	vm->mmio = dm_io_bus_new("MMIO");
	vm->pci = dm_pci_new(vm->pio, vm->mmio, &vm->irq, error);
	if (!vm->pci)
		return FALSE;
	vm->disp =
	    (DmIoDispatcher){vm->pio, vm->mmio, dm_pci_cfg_access, vm->pci, 0, vcpu_fatal, vm};
	for (guint i = 0; i < cfg->devices->len; i++) {
		const DmPciDeviceConfig *d = cfg->devices->pdata[i];
		DmVirtioBlk *blk;

		switch (d->kind) {
		case DM_DEV_HOSTBRIDGE:
			if (!dm_pci_add_hostbridge(vm->pci, d->slot, d->func, error))
				return FALSE;
			break;
		case DM_DEV_LPC:
			if (!dm_pci_add_lpc(vm->pci, d->slot, d->func, error))
				return FALSE;
			have_lpc = TRUE;
			break;
		case DM_DEV_VIRTIO_BLK:
			blk = dm_virtio_blk_new(vm->pci, d, vm->mem, error);
			if (!blk)
				return FALSE;
			g_ptr_array_add(vm->blks, blk);
			break;
		case DM_DEV_VIRTIO_CONSOLE:
			if (!add_console(vm, d, error))
				return FALSE;
			break;
		case DM_DEV_VIRTIO_RNG: {
			DmVirtioRng *rng = dm_virtio_rng_new(vm->pci, d, vm->mem, error);

			if (!rng)
				return FALSE;
			g_ptr_array_add(vm->rngs, rng);
			break;
		}
		case DM_DEV_VIRTIO_NET: {
			DmVirtioNet *net;
			int fd = dm_tap_open(d->tap, error);

			if (fd < 0) {
				g_prefix_error(error, "-s %s: ", d->spec);
				return FALSE;
			}
			net =
			    dm_virtio_net_new(vm->pci, d, vm->mem, fd, cfg->name, &vm->lock, error);
			if (!net)
				return FALSE;
			g_ptr_array_add(vm->nets, net);
			break;
		}
		}
	}
	if (cfg->com1.kind != DM_SERIAL_NONE) {
		DmUartBackendOps ops = {com1_tx, com1_rx_space, vm};

		if (!have_lpc) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "-l com1 needs the LPC bridge (-s 1:0,lpc)");
			return FALSE;
		}
		vm->com1_backend = dm_serial_backend_open(&cfg->com1, error);
		if (!vm->com1_backend) {
			g_prefix_error(error, "-l com1: ");
			return FALSE;
		}
		vm->com1 = dm_uart_new(&vm->irq, DM_GSI_COM1, &ops);
		if (!add_port(vm, DM_UART_COM1_BASE, 8, "com1", dm_uart_io, vm->com1, error))
			return FALSE;
		dm_serial_backend_set_input(vm->com1_backend, com1_input, vm, &vm->lock);
	}
	vm->pit_source = g_source_new(&pit_funcs, sizeof(PitSource));
	((PitSource *)vm->pit_source)->vm = vm;
	g_source_attach(vm->pit_source, NULL);
	vm->rtc = dm_rtc_new(NULL, NULL);
	vm->pit = dm_pit_new(&vm->irq, &clock);
	vm->pm = dm_pm_new(&vm->irq, pm_request, vm);
	return add_port(vm, DM_RTC_PORT, 2, "rtc", dm_rtc_io, vm->rtc, error) &&
	       add_port(vm, DM_PIT_PORT, 4, "pit", dm_pit_io, vm->pit, error) &&
	       add_port(vm, DM_PIT_PORT61, 1, "port 0x61", dm_pit_port61_io, vm->pit, error) &&
	       add_port(vm, DM_PM1A_EVT, 4, "pm1a_evt", dm_pm_evt_io, vm->pm, error) &&
	       add_port(vm, DM_PM1A_CNT, 2, "pm1a_cnt", dm_pm_cnt_io, vm->pm, error) &&
	       add_port(vm, DM_SMI_CMD, 1, "smi_cmd", dm_pm_smi_io, vm->pm, error) &&
	       (dm_pci_set_cf9_handler(vm->pci, dm_pm_reset_io, vm->pm), TRUE);
}

static GBytes *read_file(const char *path, const char *opt, GError **error)
{
	g_autoptr(GMappedFile) f = g_mapped_file_new(path, FALSE, error);

	if (!f) {
		g_prefix_error(error, "%s: ", opt);
		return NULL;
	}
	return g_mapped_file_get_bytes(f);
}

static void write_acpi(DmVm *vm)
{
	DmAcpiConfig a = {.com1 = vm->com1 != NULL};
	guint n = 0;

	/* The MADT's APIC ids are the pinned pCPUs' LAPIC ids, which the
	 * hypervisor gives the vCPUs of a VM pinned to them. */
	for (guint id = 0; id < 64 && n < vm->n_vcpus; id++) {
		if (vm->cfg->cpu_affinity & (1ULL << id))
			a.apic_ids[n++] = (guint8)id;
	}
	for (; n < vm->n_vcpus; n++)
		a.apic_ids[n] = (guint8)n;
	a.n_cpus = vm->n_vcpus;
	dm_acpi_build(&a, dm_guest_mem_ptr(vm->mem, DM_ACPI_BASE, DM_ACPI_SIZE), DM_ACPI_BASE);
}

gboolean dm_vm_start(DmVm *vm, GError **error)
{
	DmConfig *cfg = vm->cfg;
	DmBootImages img = {0};
	DmBootResult boot;
	guint64 pcpu_mask;

	/* Files first: a typo is reported without touching the HSM. */
	vm->kernel = read_file(cfg->kernel ? cfg->kernel : cfg->elf_file,
			       cfg->kernel ? "-k" : "--elf_file", error);
	if (!vm->kernel)
		return FALSE;
	if (cfg->ramdisk && !(vm->initrd = read_file(cfg->ramdisk, "-r", error)))
		return FALSE;
	if (cfg->ovmf) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "--ovmf: UEFI boot is not implemented yet");
		return FALSE;
	}

	vm->hsm = dm_hsm_open(NULL, error);
	if (!vm->hsm || !dm_hsm_hand_over_cpus(cfg->cpu_affinity, &pcpu_mask, error))
		return FALSE;
	vm->ioreq_page = aligned_alloc(4096, sizeof(*vm->ioreq_page));
	memset(vm->ioreq_page, 0, sizeof(*vm->ioreq_page));
	if (!dm_hsm_create_vm(vm->hsm, cfg->name, pcpu_mask, vm->ioreq_page, &vm->n_vcpus, error))
		return FALSE;
	vm->vm_created = TRUE;

	vm->mem = dm_guest_mem_new(cfg->mem_bytes, error);
	if (!vm->mem)
		return FALSE;
	if (!dm_hsm_set_memseg(vm->hsm, 0, vm->mem->base, vm->mem->lowmem, error))
		return FALSE;
	if (vm->mem->highmem &&
	    !dm_hsm_set_memseg(vm->hsm, DM_HIGHMEM_BASE, vm->mem->base + DM_HIGHMEM_BASE,
			       vm->mem->highmem, error))
		return FALSE;
	if (!create_devices(vm, error))
		return FALSE;
	write_acpi(vm);

	img.kernel = g_bytes_get_data(vm->kernel, &img.kernel_len);
	img.elf = cfg->elf_file != NULL;
	if (vm->initrd)
		img.initrd = g_bytes_get_data(vm->initrd, &img.initrd_len);
	img.cmdline = cfg->bootargs;
	img.rsdp = DM_ACPI_BASE + DM_ACPI_RSDP;
	if (!dm_linux_load(vm->mem, &img, &boot, error)) {
		g_prefix_error(error, "%s: ", cfg->kernel ? cfg->kernel : cfg->elf_file);
		return FALSE;
	}
	drop_resident(vm->kernel);
	drop_resident(vm->initrd);
	if (!dm_hsm_set_vcpu_regs(vm->hsm, &boot.regs, error) ||
	    !dm_hsm_op(vm->hsm, DM_HSM_CREATE_IOREQ_CLIENT, error))
		return FALSE;
	vm->client_created = TRUE;
	vm->ioreq_thread = g_thread_new("ioreq", ioreq_thread, vm);
	if (!dm_hsm_op(vm->hsm, DM_HSM_START_VM, error))
		return FALSE;
	vm->state = VM_RUNNING;
	if (vm->control) {
		GVariant *f =
		    console_path(vm) ? dm_control_field("console", console_path(vm)) : NULL;

		dm_control_send_event(vm->control, "started", f);
	}
	g_message("%s: started, %u vCPU(s), %" G_GUINT64_FORMAT " MiB%s%s", cfg->name, vm->n_vcpus,
		  cfg->mem_bytes >> 20, console_path(vm) ? ", console " : "",
		  console_path(vm) ? console_path(vm) : "");
	return TRUE;
}

/* ---- signals (docs/dm-control-protocol.md 5) ---- */

static gboolean on_sigterm(gpointer data)
{
	DmVm *vm = data;
	gboolean acpi;

	g_mutex_lock(&vm->lock);
	acpi = vm->pm && dm_pm_acpi_enabled(vm->pm) && vm->state == VM_RUNNING;
	if (acpi)
		dm_pm_press_power_button(vm->pm);
	g_mutex_unlock(&vm->lock);
	/* A guest that cannot take the button yet is powered off. */
	if (!acpi)
		poweroff(vm, "signal");
	return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer data)
{
	poweroff(data, "signal");
	return G_SOURCE_CONTINUE;
}

int dm_vm_run(DmVm *vm)
{
	guint s1 = g_unix_signal_add(SIGTERM, on_sigterm, vm);
	guint s2 = g_unix_signal_add(SIGINT, on_sigint, vm);
	guint s3 = g_unix_signal_add(SIGHUP, on_sigint, vm);
	/* Like SIGTERM: the power button. */
	guint s4 = acrn_dm_proto_add_poweroff_signal_watch(on_sigterm, vm);

	g_main_loop_run(vm->loop);
	g_source_remove(s1);
	g_source_remove(s2);
	g_source_remove(s3);
	if (s4)
		g_source_remove(s4);
	return vm->exit_code;
}

void dm_vm_free(DmVm *vm)
{
	if (!vm)
		return;
	/* The hypervisor destroys only paused VMs; the request thread
	 * returns once its client is destroyed. */
	if (vm->vm_created)
		dm_hsm_op(vm->hsm, DM_HSM_PAUSE_VM, NULL);
	if (vm->client_created)
		dm_hsm_op(vm->hsm, DM_HSM_DESTROY_IOREQ_CLIENT, NULL);
	if (vm->ioreq_thread)
		g_thread_join(vm->ioreq_thread);
	if (vm->vm_created)
		dm_hsm_op(vm->hsm, DM_HSM_DESTROY_VM, NULL);
	dm_hsm_close(vm->hsm);
	vm->vm_created = FALSE;
	for (guint i = 0; i < vm->blks->len; i++)
		dm_virtio_blk_free(vm->blks->pdata[i]);
	g_ptr_array_unref(vm->blks);
	for (guint i = 0; i < vm->consoles->len; i++) {
		Console *c = vm->consoles->pdata[i];

		dm_virtio_console_free(c->dev);
		dm_serial_backend_free(c->backend);
		g_free(c);
	}
	g_ptr_array_unref(vm->consoles);
	for (guint i = 0; i < vm->rngs->len; i++)
		dm_virtio_rng_free(vm->rngs->pdata[i]);
	g_ptr_array_unref(vm->rngs);
	for (guint i = 0; i < vm->nets->len; i++)
		dm_virtio_net_free(vm->nets->pdata[i]);
	g_ptr_array_unref(vm->nets);
	dm_pci_free(vm->pci);
	dm_uart_free(vm->com1);
	dm_serial_backend_free(vm->com1_backend);
	dm_rtc_free(vm->rtc);
	dm_pit_free(vm->pit);
	dm_pm_free(vm->pm);
	if (vm->pit_source) {
		g_source_destroy(vm->pit_source);
		g_source_unref(vm->pit_source);
	}
	dm_io_bus_free(vm->pio);
	dm_io_bus_free(vm->mmio);
	dm_guest_mem_free(vm->mem);
	free(vm->ioreq_page);
	g_clear_pointer(&vm->kernel, g_bytes_unref);
	g_clear_pointer(&vm->initrd, g_bytes_unref);
	dm_control_free(vm->control);
	g_main_loop_unref(vm->loop);
	g_mutex_clear(&vm->lock);
	g_free(vm);
}
