/* The I/O request dispatcher and PCI configuration space, fed with
 * acrn_io_requests as the HSM delivers them. */
#include "config.h"

#include <gio/gio.h>

#include "guest-mem.h"
#include "io-helpers.h"
#include "pci.h"
#include "acrn_abi.h"

typedef struct {
	guint64 last_off;
	guint last_size;
	guint64 stored;
	guint n;
} Probe;

static void probe_io(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *v)
{
	Probe *p = opaque;

	p->n++;
	p->last_off = off;
	p->last_size = size;
	if (write)
		p->stored = *v;
	else
		*v = 0x1122334455667788ULL;
}

static void test_bus(void)
{
	g_autoptr(DmIoBus) pio_bus = dm_io_bus_new("pio");
	g_autoptr(DmIoBus) mmio_bus = dm_io_bus_new("mmio");
	DmIoDispatcher d = {pio_bus, mmio_bus, NULL, NULL, 0, NULL, NULL};
	g_autoptr(GError) error = NULL;
	Probe a = {0}, b = {0};

	g_assert_true(dm_io_bus_register(pio_bus, 0x100, 8, "a", probe_io, &a, &error));
	g_assert_true(dm_io_bus_register(mmio_bus, 0xC0000000, 0x1000, "b", probe_io, &b, &error));
	/* Overlaps are refused, neighbours are fine. */
	g_assert_false(dm_io_bus_register(pio_bus, 0x107, 2, "c", probe_io, &a, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
	g_assert_true(dm_io_bus_register(pio_bus, 0x108, 2, "d", probe_io, &b, NULL));

	/* Reads are truncated to the access size; offsets are relative. */
	g_assert_cmphex(inw(&d, 0x104), ==, 0x7788);
	g_assert_cmphex(a.last_off, ==, 4);
	g_assert_cmpuint(a.last_size, ==, 2);
	outl(&d, 0x100, 0xCAFEF00D);
	g_assert_cmphex(a.stored, ==, 0xCAFEF00D);
	g_assert_cmphex(mmio(&d, FALSE, 0xC0000ff8, 8, 0), ==, 0x1122334455667788ULL);
	mmio(&d, TRUE, 0xC0000010, 1, 0x1FF);
	g_assert_cmphex(b.stored, ==, 0xFF); /* the value is masked to the size */

	/* Nobody there: all ones, and counted. */
	g_assert_cmphex(inb(&d, 0x80), ==, 0xFF);
	g_assert_cmphex(inl(&d, 0x80), ==, 0xFFFFFFFF);
	g_assert_cmphex(mmio(&d, FALSE, 0xB0000000, 4, 0), ==, 0xFFFFFFFF);
	/* An access straddling the end of a range is not the device's. */
	g_assert_cmphex(inl(&d, 0x106), ==, 0xFFFFFFFF);
	/* Bad sizes and types are dropped, never passed on. */
	a.n = 0;
	g_assert_cmphex(pio(&d, FALSE, 0x100, 3, 0), ==, 0xFFFFFF);
	g_assert_cmphex(pio(&d, FALSE, 0x100, 8, 0), ==, 0xFFFFFFFF);
	g_assert_cmpuint(a.n, ==, 0);
	{
		struct acrn_io_request req = {.type = 7};

		dm_io_dispatch(&d, &req);
	}
	g_assert_cmpuint(d.unhandled, ==, 7);
	g_assert_true(dm_io_bus_unregister(pio_bus, 0x100));
	g_assert_false(dm_io_bus_unregister(pio_bus, 0x100));
	g_assert_cmphex(inb(&d, 0x100), ==, 0xFF);
}

typedef struct {
	DmIoBus *pio, *mmio;
	DmPci *pci;
	DmIoDispatcher d;
	IrqLog irqs;
	DmIrqSink sink;
} PciFixture;

static void pci_setup(PciFixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->pio = dm_io_bus_new("pio");
	f->mmio = dm_io_bus_new("mmio");
	f->sink = irqlog_sink(&f->irqs);
	f->pci = dm_pci_new(f->pio, f->mmio, &f->sink, &error);
	g_assert_no_error(error);
	f->d = (DmIoDispatcher){f->pio, f->mmio, dm_pci_cfg_access, f->pci, 0};
	g_assert_nonnull(dm_pci_add_hostbridge(f->pci, 0, 0, &error));
	g_assert_nonnull(dm_pci_add_lpc(f->pci, 1, 0, &error));
}

static void pci_teardown(PciFixture *f, gconstpointer data)
{
	dm_pci_free(f->pci);
	dm_io_bus_free(f->pio);
	dm_io_bus_free(f->mmio);
}

static void test_pci_ids(PciFixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	g_assert_cmphex(pcicfg(d, FALSE, 0, 0, 0, 4, 0), ==, 0x12751275);
	g_assert_cmphex(pcicfg(d, FALSE, 0, 0, 8, 4, 0) >> 8, ==, 0x060000);
	g_assert_cmphex(pcicfg(d, FALSE, 1, 0, 0, 2, 0), ==, 0x8086);
	g_assert_cmphex(pcicfg(d, FALSE, 1, 0, 2, 2, 0), ==, 0x7000);
	g_assert_cmphex(pcicfg(d, FALSE, 1, 0, 0xB, 1, 0), ==, 0x06); /* bridge */
	g_assert_cmphex(pcicfg(d, FALSE, 1, 0, 0xA, 1, 0), ==, 0x01); /* ISA */
	/* Empty slots and functions read all ones. */
	g_assert_cmphex(pcicfg(d, FALSE, 2, 0, 0, 4, 0), ==, 0xFFFFFFFF);
	g_assert_cmphex(pcicfg(d, FALSE, 0, 1, 0, 2, 0), ==, 0xFFFF);
	/* Read-only IDs stay put. */
	pcicfg(d, TRUE, 0, 0, 0, 4, 0);
	g_assert_cmphex(pcicfg(d, FALSE, 0, 0, 0, 4, 0), ==, 0x12751275);
	/* Unaligned or out-of-space requests are refused. */
	g_assert_cmphex(pcicfg(d, FALSE, 0, 0, 1, 2, 0), ==, 0xFFFF);
	g_assert_cmphex(pcicfg(d, FALSE, 0, 0, 4096, 4, 0), ==, 0xFFFFFFFF);
}

/* The same space through ports 0xCF8/0xCFC, as a guest without the HSM's
 * conversion would use it. */
static void test_pci_cf8(PciFixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;

	outl(d, 0xCF8, 0x80000800); /* bus 0, device 1, function 0, reg 0 */
	g_assert_cmphex(inl(d, 0xCF8), ==, 0x80000800);
	g_assert_cmphex(inl(d, 0xCFC), ==, 0x70008086);
	g_assert_cmphex(inw(d, 0xCFE), ==, 0x7000);
	g_assert_cmphex(inb(d, 0xCFD), ==, 0x80);
	outl(d, 0xCF8, 0x00000800); /* enable bit clear */
	g_assert_cmphex(inl(d, 0xCFC), ==, 0xFFFFFFFF);
	outl(d, 0xCF8, 0x80010000); /* bus 1: nothing */
	g_assert_cmphex(inl(d, 0xCFC), ==, 0xFFFFFFFF);
}

/* The byte at 0xCF9 is the reset control register, inside the latch. */
static void test_pci_cf9(PciFixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	Probe p = {0};

	outb(d, 0xCF9, 0x06);
	g_assert_cmpuint(p.n, ==, 0);
	dm_pci_set_cf9_handler(f->pci, probe_io, &p);
	outl(d, 0xCF8, 0x80000000);
	outb(d, 0xCF9, 0x06);
	g_assert_cmpuint(p.n, ==, 1);
	g_assert_cmphex(p.stored, ==, 0x06);
	g_assert_cmphex(inl(d, 0xCF8), ==, 0x80000000); /* the latch is untouched */
	g_assert_cmphex(inb(d, 0xCF9), ==, 0x88);
	g_assert_cmphex(inb(d, 0xCF8), ==, 0xFF); /* other bytes: nothing */
	g_assert_cmpuint(p.n, ==, 2);
}

static void bar_io(gpointer opaque, guint64 off, guint size, gboolean write, guint64 *v)
{
	if (!write)
		*v = 0xA5000000 | (guint32)off;
}

static void test_pci_bars(PciFixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	g_autoptr(GError) error = NULL;
	DmPciDevice *dev = dm_pci_add(f->pci, 3, 0, "test", 0x1234, 0x5678, 0xFF0000, &error);
	guint32 bar0, bar1;

	g_assert_nonnull(dev);
	g_assert_true(dm_pci_add_bar(dev, 0, FALSE, 0x4000, bar_io, NULL, &error));
	g_assert_true(dm_pci_add_bar(dev, 1, TRUE, 0x20, bar_io, NULL, &error));
	bar0 = pcicfg(d, FALSE, 3, 0, 0x10, 4, 0);
	bar1 = pcicfg(d, FALSE, 3, 0, 0x14, 4, 0);
	g_assert_cmphex(bar0, ==, DM_PCI_MMIO32_BASE);
	g_assert_cmphex(bar1, ==, DM_PCI_IO_BASE | 1);
	/* Not decoded until the command register says so. */
	g_assert_cmphex(mmio(d, FALSE, bar0 + 4, 4, 0), ==, 0xFFFFFFFF);
	pcicfg(d, TRUE, 3, 0, 4, 2, PCI_CMD_MEM | PCI_CMD_IO);
	g_assert_cmphex(mmio(d, FALSE, bar0 + 4, 4, 0), ==, 0xA5000004);
	g_assert_cmphex(inl(d, DM_PCI_IO_BASE + 8), ==, 0xA5000008);
	/* Sizing: all ones reads back the size mask and the flag bits. */
	pcicfg(d, TRUE, 3, 0, 0x10, 4, 0xFFFFFFFF);
	g_assert_cmphex(pcicfg(d, FALSE, 3, 0, 0x10, 4, 0), ==, 0xFFFFC000);
	pcicfg(d, TRUE, 3, 0, 0x14, 4, 0xFFFFFFFF);
	g_assert_cmphex(pcicfg(d, FALSE, 3, 0, 0x14, 4, 0), ==, 0xFFFFFFE1);
	/* Moving the BAR moves the handler. */
	pcicfg(d, TRUE, 3, 0, 0x10, 4, 0x90000000);
	g_assert_cmphex(mmio(d, FALSE, 0x90000010, 4, 0), ==, 0xA5000010);
	g_assert_cmphex(mmio(d, FALSE, bar0 + 4, 4, 0), ==, 0xFFFFFFFF);
	/* Decoding off: gone. */
	pcicfg(d, TRUE, 3, 0, 4, 2, 0);
	g_assert_cmphex(mmio(d, FALSE, 0x90000010, 4, 0), ==, 0xFFFFFFFF);
	/* Status error bits are write-1-to-clear, others read-only. */
	dev->cfg[PCI_STATUS + 1] = 0x80;
	pcicfg(d, TRUE, 3, 0, 6, 2, 0x8000);
	g_assert_cmphex(pcicfg(d, FALSE, 3, 0, 6, 2, 0) & 0x8000, ==, 0);
	/* A second function makes function 0 multi-function. */
	g_assert_cmphex(pcicfg(d, FALSE, 3, 0, PCI_HEADER_TYPE, 1, 0), ==, 0);
	g_assert_nonnull(dm_pci_add(f->pci, 3, 2, "f2", 0x1234, 1, 0xFF0000, &error));
	g_assert_cmphex(pcicfg(d, FALSE, 3, 0, PCI_HEADER_TYPE, 1, 0), ==, 0x80);
	/* A slot can be taken once. */
	g_assert_null(dm_pci_add(f->pci, 3, 0, "again", 1, 1, 0, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
}

static void test_pci_caps_intx(PciFixture *f, gconstpointer data)
{
	DmIoDispatcher *d = &f->d;
	DmPciDevice *dev = dm_pci_add(f->pci, 5, 0, "test", 0x1234, 0x5678, 0xFF0000, NULL);
	guint8 c1 = dm_pci_add_cap(dev, 0x09, 16), c2 = dm_pci_add_cap(dev, 0x11, 12);

	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, PCI_STATUS, 2, 0) & PCI_STATUS_CAPS, !=, 0);
	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, PCI_CAP_PTR, 1, 0), ==, c1);
	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, c1, 2, 0), ==, (guint32)c2 << 8 | 0x09);
	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, c2, 2, 0), ==, 0x0011);

	dm_pci_enable_intx(dev);
	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, PCI_INTERRUPT_PIN, 1, 0), ==, 1);
	g_assert_cmpuint(pcicfg(d, FALSE, 5, 0, PCI_INTERRUPT_LINE, 1, 0), ==, DM_GSI_PCI_BASE + 5);
	dm_pci_set_intx(dev, TRUE);
	g_assert_true(f->irqs.level[DM_GSI_PCI_BASE + 5]);
	g_assert_cmphex(pcicfg(d, FALSE, 5, 0, PCI_STATUS, 2, 0) & PCI_STATUS_INTX, !=, 0);
	/* INTx disable in the command register masks the line. */
	pcicfg(d, TRUE, 5, 0, PCI_COMMAND, 2, PCI_CMD_INTX_OFF);
	g_assert_false(f->irqs.level[DM_GSI_PCI_BASE + 5]);
	pcicfg(d, TRUE, 5, 0, PCI_COMMAND, 2, 0);
	g_assert_true(f->irqs.level[DM_GSI_PCI_BASE + 5]);
}

static void record_done(gpointer ctx, guint vcpu)
{
	g_array_append_val((GArray *)ctx, vcpu);
}

/* The request page as the HSM leaves it: only PROCESSING slots that no
 * in-kernel client took are ours, within the VM's vCPUs. */
static void test_service_page(void)
{
	g_autoptr(DmIoBus) pio_bus = dm_io_bus_new("pio");
	g_autoptr(DmIoBus) mmio_bus = dm_io_bus_new("mmio");
	DmIoDispatcher d = {pio_bus, mmio_bus, NULL, NULL, 0, NULL, NULL};
	g_autofree struct acrn_io_request_buffer *page = g_new0(struct acrn_io_request_buffer, 1);
	g_autoptr(GArray) done = g_array_new(FALSE, FALSE, sizeof(guint));
	Probe p = {0};
	static const guint32 states[] = {ACRN_IOREQ_STATE_PROCESSING, ACRN_IOREQ_STATE_PENDING,
					 ACRN_IOREQ_STATE_PROCESSING, ACRN_IOREQ_STATE_COMPLETE,
					 ACRN_IOREQ_STATE_FREE,	      ACRN_IOREQ_STATE_PROCESSING};

	G_STATIC_ASSERT(sizeof(struct acrn_io_request) == 256);
	G_STATIC_ASSERT(sizeof(struct acrn_io_request_buffer) == 4096);
	g_assert_true(dm_io_bus_register(pio_bus, 0x3F8, 8, "uart", probe_io, &p, NULL));
	for (guint i = 0; i < ACRN_IO_REQUEST_MAX; i++) {
		struct acrn_io_request *r = &page->req_slot[i];

		r->type = ACRN_IOREQ_TYPE_PORTIO;
		r->reqs.pio_request.direction = ACRN_IOREQ_DIR_READ;
		r->reqs.pio_request.address = 0x3F8;
		r->reqs.pio_request.size = 1;
		r->processed = i < G_N_ELEMENTS(states) ? states[i] : ACRN_IOREQ_STATE_PROCESSING;
	}
	page->req_slot[2].kernel_handled = 1;
	/* 6 vCPUs: slots 0 and 5 are ours (2 is the kernel's, 6.. beyond). */
	g_assert_cmpuint(dm_io_service_page(&d, page, 6, record_done, done), ==, 2);
	g_assert_cmpuint(done->len, ==, 2);
	g_assert_cmpuint(g_array_index(done, guint, 0), ==, 0);
	g_assert_cmpuint(g_array_index(done, guint, 1), ==, 5);
	g_assert_cmphex(page->req_slot[0].reqs.pio_request.value, ==, 0x88);
	g_assert_cmphex(page->req_slot[1].reqs.pio_request.value, ==, 0);
	/* acrn-dm leaves the state to the HSM (NOTIFY_REQUEST_FINISH). */
	g_assert_cmpuint(page->req_slot[0].processed, ==, ACRN_IOREQ_STATE_PROCESSING);
	g_assert_cmpuint(p.n, ==, 2);
}

typedef struct {
	Probe *p;
	guint vcpu, probe_calls_before;
	gboolean called;
} FatalSeen;

static void record_fatal(gpointer opaque, guint vcpu)
{
	FatalSeen *f = opaque;

	f->called = TRUE;
	f->vcpu = vcpu;
	f->probe_calls_before = f->p->n;
}

/* A request the hypervisor flagged fatal (a vCPU it stopped) is reported
 * before it is served, and served like any other; unflagged ones are not. */
static void test_service_page_fatal(void)
{
	g_autoptr(DmIoBus) pio_bus = dm_io_bus_new("pio");
	g_autoptr(DmIoBus) mmio_bus = dm_io_bus_new("mmio");
	Probe p = {0};
	FatalSeen f = {&p, 0, 0, FALSE};
	DmIoDispatcher d = {pio_bus, mmio_bus, NULL, NULL, 0, record_fatal, &f};
	g_autofree struct acrn_io_request_buffer *page = g_new0(struct acrn_io_request_buffer, 1);

	g_assert_true(dm_io_bus_register(pio_bus, 0x3F8, 8, "uart", probe_io, &p, NULL));
	for (guint i = 0; i < 3; i++) {
		struct acrn_io_request *r = &page->req_slot[i];

		r->type = ACRN_IOREQ_TYPE_PORTIO;
		r->reqs.pio_request.direction = ACRN_IOREQ_DIR_READ;
		r->reqs.pio_request.address = 0x3F8;
		r->reqs.pio_request.size = 1;
		r->processed = ACRN_IOREQ_STATE_PROCESSING;
	}
	page->req_slot[0].reserved0[1] = 0xffffffff; /* another reserved word means nothing */
	page->req_slot[2].reserved0[0] = ACRN_HC_IOREQ_FLAG_FATAL;
	g_assert_cmpuint(dm_io_service_page(&d, page, 3, NULL, NULL), ==, 3);
	g_assert_true(f.called);
	g_assert_cmpuint(f.vcpu, ==, 2);
	g_assert_cmpuint(f.probe_calls_before, ==, 2); /* slot 2 not served yet */
	g_assert_cmpuint(p.n, ==, 3);
	/* without a callback it is just served */
	d.fatal = NULL;
	g_assert_cmpuint(dm_io_service_page(&d, page, 3, NULL, NULL), ==, 3);
	g_assert_cmpuint(p.n, ==, 6);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/io/bus", test_bus);
	g_test_add_func("/io/service-page", test_service_page);
	g_test_add_func("/io/service-page-fatal", test_service_page_fatal);
	g_test_add("/io/pci/ids", PciFixture, NULL, pci_setup, test_pci_ids, pci_teardown);
	g_test_add("/io/pci/cf8", PciFixture, NULL, pci_setup, test_pci_cf8, pci_teardown);
	g_test_add("/io/pci/cf9", PciFixture, NULL, pci_setup, test_pci_cf9, pci_teardown);
	g_test_add("/io/pci/bars", PciFixture, NULL, pci_setup, test_pci_bars, pci_teardown);
	g_test_add("/io/pci/caps-intx", PciFixture, NULL, pci_setup, test_pci_caps_intx,
		   pci_teardown);
	return g_test_run();
}
