/* dm-ioreq: what acrn-dm's side of an I/O request costs on the host, in
 * nanoseconds per request: dispatching a port read (COM1's LSR), a PCI
 * configuration read, serving a request page with one pending slot, and a
 * 4 KiB virtio-blk read through the transport (the disk file in the page
 * cache).  Only acrn-dm's share: the VM exit, the HSM and the hypervisor
 * are not in these numbers (issue 11's in-guest round-trip benchmark
 * needs the platform).
 *
 * Usage: bench/dm-ioreq [ITERATIONS]   (default 200000) */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io-bus.h"
#include "pci.h"
#include "uart.h"
#include "virtio-blk.h"

static double now_ns(void)
{
	return (double)g_get_monotonic_time() * 1000.0;
}

static struct acrn_io_request pio_read(guint16 port, guint size)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PORTIO;
	r.reqs.pio_request.direction = ACRN_IOREQ_DIR_READ;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	return r;
}

static void mmio_write(DmIoDispatcher *d, guint64 addr, guint size, guint64 v)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_MMIO;
	r.reqs.mmio_request.direction = ACRN_IOREQ_DIR_WRITE;
	r.reqs.mmio_request.address = addr;
	r.reqs.mmio_request.size = size;
	r.reqs.mmio_request.value = v;
	dm_io_dispatch(d, &r);
}

static guint32 cfg_read(DmIoDispatcher *d, guint dev, guint reg)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PCICFG;
	r.reqs.pci_request.direction = ACRN_IOREQ_DIR_READ;
	r.reqs.pci_request.size = 4;
	r.reqs.pci_request.dev = dev;
	r.reqs.pci_request.reg = reg;
	dm_io_dispatch(d, &r);
	return r.reqs.pci_request.value;
}

static void nothing(gpointer ctx, guint vcpu)
{
}

int main(int argc, char **argv)
{
	guint n = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : 200000;
	g_autoptr(GError) error = NULL;
	DmIoBus *pio = dm_io_bus_new("pio"), *mmio = dm_io_bus_new("mmio");
	DmPci *pci = dm_pci_new(pio, mmio, NULL, &error);
	DmIoDispatcher d = {pio, mmio, dm_pci_cfg_access, pci, 0, NULL, NULL};
	DmUart *uart = dm_uart_new(NULL, 4, NULL);
	DmGuestMem *mem = dm_guest_mem_new(128ULL << 20, &error);
	g_autofree struct acrn_io_request_buffer *page = g_new0(struct acrn_io_request_buffer, 1);
	g_autofree char *disk = NULL;
	g_autofree char *zeros = g_malloc0(1 << 20);
	DmPciDeviceConfig cfg = {.slot = 2, .kind = DM_DEV_VIRTIO_BLK, .spec = "2,virtio-blk"};
	DmVirtioBlk *blk;
	guint64 bar0;
	double t0;
	int fd;

	if (!pci || !mem || n == 0) {
		fprintf(stderr, "dm-ioreq: %s\n", error ? error->message : "bad iteration count");
		return 1;
	}
	dm_pci_add_hostbridge(pci, 0, 0, NULL);
	dm_io_bus_register(pio, DM_UART_COM1_BASE, 8, "com1", dm_uart_io, uart, NULL);

	t0 = now_ns();
	for (guint i = 0; i < n; i++) {
		struct acrn_io_request r = pio_read(DM_UART_COM1_BASE + 5, 1);

		dm_io_dispatch(&d, &r);
	}
	printf("pio-read-uart-lsr-ns %.1f\n", (now_ns() - t0) / n);

	t0 = now_ns();
	for (guint i = 0; i < n; i++)
		cfg_read(&d, 0, 0);
	printf("pcicfg-read-ns %.1f\n", (now_ns() - t0) / n);

	t0 = now_ns();
	for (guint i = 0; i < n; i++) {
		page->req_slot[0] = pio_read(DM_UART_COM1_BASE + 5, 1);
		page->req_slot[0].processed = ACRN_IOREQ_STATE_PROCESSING;
		dm_io_service_page(&d, page, 16, nothing, NULL);
	}
	printf("service-page-1-of-16-ns %.1f\n", (now_ns() - t0) / n);

	/* virtio-blk: 4 KiB reads of a 1 MiB file, queue of 16. */
	fd = g_file_open_tmp("dm-ioreq-XXXXXX", &disk, &error);
	if (fd < 0 || write(fd, zeros, 1 << 20) != 1 << 20) {
		fprintf(stderr, "dm-ioreq: temporary disk: %s\n", error ? error->message : "write");
		return 1;
	}
	close(fd);
	cfg.path = disk;
	blk = dm_virtio_blk_new(pci, &cfg, mem, &error);
	if (!blk) {
		fprintf(stderr, "dm-ioreq: %s\n", error->message);
		return 1;
	}
	{
		struct acrn_io_request r;

		memset(&r, 0, sizeof(r));
		r.type = ACRN_IOREQ_TYPE_PCICFG;
		r.reqs.pci_request.direction = ACRN_IOREQ_DIR_WRITE;
		r.reqs.pci_request.size = 2;
		r.reqs.pci_request.dev = 2;
		r.reqs.pci_request.reg = PCI_COMMAND;
		r.reqs.pci_request.value = PCI_CMD_MEM;
		dm_io_dispatch(&d, &r);
	}
	bar0 = cfg_read(&d, 2, PCI_BAR0) & ~15U;
	mmio_write(&d, bar0 + VIRTIO_COMMON_STATUS, 1, 0x03);
	mmio_write(&d, bar0 + VIRTIO_COMMON_GFSELECT, 4, 1);
	mmio_write(&d, bar0 + VIRTIO_COMMON_GF, 4, 1);
	mmio_write(&d, bar0 + VIRTIO_COMMON_STATUS, 1, 0x0B);
	mmio_write(&d, bar0 + VIRTIO_COMMON_Q_SIZE, 2, 16);
	mmio_write(&d, bar0 + VIRTIO_COMMON_Q_DESC, 8, 0x100000);
	mmio_write(&d, bar0 + VIRTIO_COMMON_Q_AVAIL, 8, 0x101000);
	mmio_write(&d, bar0 + VIRTIO_COMMON_Q_USED, 8, 0x102000);
	mmio_write(&d, bar0 + VIRTIO_COMMON_Q_ENABLE, 2, 1);
	mmio_write(&d, bar0 + VIRTIO_COMMON_STATUS, 1, 0x0F);
	{
		guint8 *desc = dm_guest_mem_ptr(mem, 0x100000, 48);
		guint8 *avail = dm_guest_mem_ptr(mem, 0x101000, 4 + 32);
		guint8 *hdr = dm_guest_mem_ptr(mem, 0x200000, 16);
		guint64 a[3] = {0x200000, 0x201000, 0x203000};
		guint32 l[3] = {16, 4096, 1};
		guint16 fl[3] = {1, 1 | 2, 2}, nx[3] = {1, 2, 0}, idx;
		guint blk_n = MIN(n, 100000u);

		for (guint i = 0; i < 3; i++) {
			memcpy(desc + 16 * i, &a[i], 8);
			memcpy(desc + 16 * i + 8, &l[i], 4);
			memcpy(desc + 16 * i + 12, &fl[i], 2);
			memcpy(desc + 16 * i + 14, &nx[i], 2);
		}
		memset(hdr, 0, 16);
		memset(avail + 4, 0, 32); /* every ring entry is head 0 */
		t0 = now_ns();
		for (guint i = 0; i < blk_n; i++) {
			guint64 sector = (i * 8) % 2048;

			memcpy(hdr + 8, &sector, 8);
			idx = (guint16)(i + 1);
			memcpy(avail + 2, &idx, 2);
			mmio_write(&d, bar0 + VIRTIO_PCI_NOTIFY, 2, 0);
		}
		{
			double ns = (now_ns() - t0) / blk_n;

			printf("virtio-blk-4k-read-ns %.1f\n", ns);
			printf("virtio-blk-4k-read-MiB-per-s %.0f\n",
			       4096.0 / ns * 1e9 / (1 << 20));
		}
	}
	dm_virtio_blk_free(blk);
	g_unlink(disk);
	dm_pci_free(pci);
	dm_uart_free(uart);
	dm_io_bus_free(pio);
	dm_io_bus_free(mmio);
	dm_guest_mem_free(mem);
	return 0;
}
