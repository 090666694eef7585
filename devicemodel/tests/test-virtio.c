/* virtio-pci + virtio-blk driven like a guest driver would: through MMIO
 * and PCICFG requests, with rings built in guest memory.  Malformed
 * descriptors (loops, addresses outside RAM, oversized chains, nested
 * indirect tables, bad indices) each put the device into "needs reset"
 * without touching anything outside guest RAM; a reset brings it back. */
#define _GNU_SOURCE
#include "config.h"

#include <fcntl.h>

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "io-helpers.h"
#include "virtio-blk.h"
#include "virtio-console.h"
#include "virtio-rng.h"
#include "virtio-net.h"

#include <sys/socket.h>

#define SLOT	     3
#define QSIZE	     16
#define DESC	     0x100000ULL
#define AVAIL	     0x101000ULL
#define USED	     0x102000ULL
#define HDR	     0x200000ULL
#define DATA	     0x201000ULL
#define STAT	     0x203000ULL
#define DISK_SECTORS 64

typedef struct {
	DmIoBus *pio, *mmio;
	DmIoDispatcher d;
	IrqLog irqs;
	DmIrqSink sink;
	DmGuestMem *mem;
	DmPci *pci;
	DmVirtioBlk *blk;
	char *disk;
	guint64 bar0, bar1;
	guint16 avail_idx;
} Fixture;

static guint8 *g(Fixture *f, guint64 gpa, gsize len)
{
	guint8 *p = dm_guest_mem_ptr(f->mem, gpa, len);

	g_assert_nonnull(p);
	return p;
}

static void common_w(Fixture *f, guint off, guint size, guint64 v)
{
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_COMMON + off, size, v);
}

static guint64 common_r(Fixture *f, guint off, guint size)
{
	return mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_COMMON + off, size, 0);
}

static guint8 status(Fixture *f)
{
	return (guint8)common_r(f, VIRTIO_COMMON_STATUS, 1);
}

/* The Linux driver's sequence: reset, ACK, DRIVER, features, queue 0,
 * DRIVER_OK. */
static void driver_init(Fixture *f)
{
	guint64 features;

	common_w(f, VIRTIO_COMMON_STATUS, 1, 0);
	common_w(f, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	common_w(f, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	common_w(f, VIRTIO_COMMON_DFSELECT, 4, 1);
	features = common_r(f, VIRTIO_COMMON_DF, 4) << 32;
	common_w(f, VIRTIO_COMMON_DFSELECT, 4, 0);
	features |= common_r(f, VIRTIO_COMMON_DF, 4);
	g_assert_true(features & (1ULL << VIRTIO_F_VERSION_1));
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 0);
	common_w(f, VIRTIO_COMMON_GF, 4, (guint32)features);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 1);
	common_w(f, VIRTIO_COMMON_GF, 4, features >> 32);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	g_assert_cmphex(status(f), ==, 0x0B);
	common_w(f, VIRTIO_COMMON_Q_SELECT, 2, 0);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_Q_SIZE, 2), >=, QSIZE);
	common_w(f, VIRTIO_COMMON_Q_SIZE, 2, QSIZE);
	common_w(f, VIRTIO_COMMON_Q_DESC, 4, (guint32)DESC);
	common_w(f, VIRTIO_COMMON_Q_DESC + 4, 4, 0);
	common_w(f, VIRTIO_COMMON_Q_AVAIL, 8, AVAIL);
	common_w(f, VIRTIO_COMMON_Q_USED, 8, USED);
	common_w(f, VIRTIO_COMMON_Q_ENABLE, 2, 1);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0F);
	memset(g(f, DESC, 0x3000), 0, 0x3000);
	f->avail_idx = 0;
}

static void setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	gboolean ro = GPOINTER_TO_INT(data);
	guint8 sector[512];
	int fd;
	DmPciDeviceConfig cfg = {.slot = SLOT, .kind = DM_DEV_VIRTIO_BLK, .spec = "3,virtio-blk"};

	f->pio = dm_io_bus_new("pio");
	f->mmio = dm_io_bus_new("mmio");
	f->sink = irqlog_sink(&f->irqs);
	f->mem = dm_guest_mem_new(128ULL << 20, &error);
	g_assert_no_error(error);
	f->pci = dm_pci_new(f->pio, f->mmio, &f->sink, &error);
	f->d = (DmIoDispatcher){f->pio, f->mmio, dm_pci_cfg_access, f->pci, 0};

	fd = g_file_open_tmp("acrn-dm-disk-XXXXXX", &f->disk, &error);
	g_assert_no_error(error);
	for (guint s = 0; s < DISK_SECTORS; s++) {
		memset(sector, (int)s, sizeof(sector));
		g_assert_cmpint(write(fd, sector, sizeof(sector)), ==, sizeof(sector));
	}
	close(fd);
	cfg.path = f->disk;
	cfg.read_only = ro;
	f->blk = dm_virtio_blk_new(f->pci, &cfg, f->mem, &error);
	g_assert_no_error(error);

	g_assert_cmphex(pcicfg(&f->d, FALSE, SLOT, 0, 0, 4, 0), ==, 0x10421AF4);
	f->bar0 = pcicfg(&f->d, FALSE, SLOT, 0, PCI_BAR0, 4, 0) & ~15U;
	f->bar1 = pcicfg(&f->d, FALSE, SLOT, 0, PCI_BAR0 + 4, 4, 0) & ~15U;
	pcicfg(&f->d, TRUE, SLOT, 0, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	driver_init(f);
}

static void teardown(Fixture *f, gconstpointer data)
{
	dm_virtio_blk_free(f->blk);
	dm_pci_free(f->pci);
	dm_guest_mem_free(f->mem);
	dm_io_bus_free(f->pio);
	dm_io_bus_free(f->mmio);
	g_unlink(f->disk);
	g_free(f->disk);
}

static void desc(Fixture *f, guint64 table, guint i, guint64 addr, guint32 len, guint16 flags,
		 guint16 next)
{
	guint8 *p = g(f, table + 16 * i, 16);

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

static void kick(Fixture *f, guint16 head)
{
	guint8 *avail = g(f, AVAIL, 4 + 2 * QSIZE);

	memcpy(avail + 4 + 2 * (f->avail_idx % QSIZE), &head, 2);
	f->avail_idx++;
	memcpy(avail + 2, &f->avail_idx, 2);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY, 2, 0);
}

static guint16 used_idx(Fixture *f)
{
	guint16 v;

	memcpy(&v, g(f, USED + 2, 2), 2);
	return v;
}

static guint32 used_len(Fixture *f, guint16 i)
{
	guint32 v;

	memcpy(&v, g(f, USED + 4 + 8 * (i % QSIZE) + 4, 4), 4);
	return v;
}

/* A three-descriptor request: header, @len bytes of data, status. */
static guint8 request(Fixture *f, guint32 type, guint64 sector, guint32 len, gboolean data_in)
{
	guint8 *h = g(f, HDR, 16);

	memset(h, 0, 16);
	memcpy(h, &type, 4);
	memcpy(h + 8, &sector, 8);
	*g(f, STAT, 1) = 0xFF;
	desc(f, DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(f, DESC, 1, DATA, len, VIRTQ_DESC_F_NEXT | (data_in ? VIRTQ_DESC_F_WRITE : 0), 2);
	desc(f, DESC, 2, STAT, 1, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
	return *g(f, STAT, 1);
}

static void test_read_write(Fixture *f, gconstpointer data)
{
	guint8 cfg[8];
	guint64 capacity;

	/* Capacity in the device configuration. */
	for (guint i = 0; i < 8; i++)
		cfg[i] = (guint8)mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_DEVICE + i, 1, 0);
	memcpy(&capacity, cfg, 8);
	g_assert_cmpuint(capacity, ==, DISK_SECTORS);
	common_w(f, VIRTIO_COMMON_DFSELECT, 4, 0);
	g_assert_true(common_r(f, VIRTIO_COMMON_DF, 4) & (1U << VIRTIO_BLK_F_FLUSH));

	/* Read sectors 5 and 6. */
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 5, 1024, TRUE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmpuint(used_idx(f), ==, 1);
	g_assert_cmpuint(used_len(f, 0), ==, 1025);
	g_assert_cmphex(g(f, DATA, 1024)[0], ==, 5);
	g_assert_cmphex(g(f, DATA, 1024)[1023], ==, 6);
	/* INTx (MSI-X is off): ISR bit 0, cleared by reading it. */
	g_assert_true(f->irqs.level[DM_GSI_PCI_BASE + SLOT]);
	g_assert_cmphex(mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_ISR, 1, 0), ==, 1);
	g_assert_false(f->irqs.level[DM_GSI_PCI_BASE + SLOT]);

	/* Write sector 7, read it back, flush. */
	memset(g(f, DATA, 512), 0xAB, 512);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_OUT, 7, 512, FALSE), ==, VIRTIO_BLK_S_OK);
	memset(g(f, DATA, 512), 0, 512);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 7, 512, TRUE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmphex(g(f, DATA, 512)[511], ==, 0xAB);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_FLUSH, 0, 0, FALSE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_GET_ID, 0, 20, TRUE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmpstr((char *)g(f, DATA, 20), ==, "acrn-blk-3");

	/* Bad requests fail with a status, the device stays live. */
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, DISK_SECTORS, 512, TRUE), ==,
			 VIRTIO_BLK_S_IOERR);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, G_MAXUINT64 / 2, 512, TRUE), ==,
			 VIRTIO_BLK_S_IOERR);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 0, 100, TRUE), ==, VIRTIO_BLK_S_IOERR);
	g_assert_cmpuint(request(f, 99, 0, 512, TRUE), ==, VIRTIO_BLK_S_UNSUPP);
	g_assert_cmphex(status(f) & VIRTIO_STATUS_NEEDS_RESET, ==, 0);
	g_assert_cmpuint(used_idx(f), ==, 9);
}

/* Discard punches holes: the sectors read back as zeros afterwards. */
static void test_discard(Fixture *f, gconstpointer data)
{
	guint8 *seg = g(f, DATA, 32);
	guint64 s1 = 10, s2 = 20;
	guint32 n1 = 2, n2 = 1, fl = 0, bad = 1;
	int probe = open(f->disk, O_RDWR);

	/* Hole punching is the file system's; skip where it has none. */
	if (fallocate(probe, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 63 * 512, 512) < 0) {
		close(probe);
		g_test_skip("the temporary directory's file system cannot punch holes");
		return;
	}
	close(probe);
	common_w(f, VIRTIO_COMMON_DFSELECT, 4, 0);
	g_assert_true(common_r(f, VIRTIO_COMMON_DF, 4) & (1U << VIRTIO_BLK_F_DISCARD));
	g_assert_cmpuint(mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_DEVICE + 40, 4, 0), ==, 32);
	memcpy(seg, &s1, 8);
	memcpy(seg + 8, &n1, 4);
	memcpy(seg + 12, &fl, 4);
	memcpy(seg + 16, &s2, 8);
	memcpy(seg + 24, &n2, 4);
	memcpy(seg + 28, &fl, 4);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_DISCARD, 0, 32, FALSE), ==, VIRTIO_BLK_S_OK);
	for (guint64 s = 9; s <= 21; s++) {
		guint8 expect = (s >= 10 && s <= 11) || s == 20 ? 0 : (guint8)s;

		g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, s, 512, TRUE), ==, VIRTIO_BLK_S_OK);
		g_assert_cmphex(g(f, DATA, 512)[0], ==, expect);
		g_assert_cmphex(g(f, DATA, 512)[511], ==, expect);
	}
	/* Unknown flags (unmap is for write-zeroes) and ranges past the end
	 * are refused; a ragged segment list is an error. */
	memcpy(seg, &s1, 8);
	memcpy(seg + 12, &bad, 4);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, FALSE), ==, VIRTIO_BLK_S_UNSUPP);
	s1 = DISK_SECTORS - 1;
	memcpy(seg, &s1, 8);
	memcpy(seg + 12, &fl, 4);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, FALSE), ==, VIRTIO_BLK_S_UNSUPP);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_DISCARD, 0, 12, FALSE), ==, VIRTIO_BLK_S_IOERR);
	g_assert_cmphex(status(f) & VIRTIO_STATUS_NEEDS_RESET, ==, 0);
}

static void test_read_only(Fixture *f, gconstpointer data)
{
	guint64 features;

	common_w(f, VIRTIO_COMMON_DFSELECT, 4, 0);
	features = common_r(f, VIRTIO_COMMON_DF, 4);
	g_assert_true(features & (1U << VIRTIO_BLK_F_RO));
	g_assert_false(features & (1U << VIRTIO_BLK_F_DISCARD));
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_DISCARD, 0, 16, FALSE), ==, VIRTIO_BLK_S_IOERR);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_OUT, 1, 512, FALSE), ==, VIRTIO_BLK_S_IOERR);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 1, 512, TRUE), ==, VIRTIO_BLK_S_OK);
}

static void test_msix(Fixture *f, gconstpointer data)
{
	guint8 cap = pcicfg(&f->d, FALSE, SLOT, 0, PCI_CAP_PTR, 1, 0);

	while (pcicfg(&f->d, FALSE, SLOT, 0, cap, 1, 0) != 0x11)
		cap = pcicfg(&f->d, FALSE, SLOT, 0, cap + 1, 1, 0);
	g_assert_cmpuint(pcicfg(&f->d, FALSE, SLOT, 0, cap + 2, 2, 0) & 0x7FF, ==, 1);
	pcicfg(&f->d, TRUE, SLOT, 0, cap + 2, 2, 0x8000);
	/* Vector 1 for queue 0, masked at first: the interrupt is held in
	 * the PBA and delivered on unmask. */
	mmio(&f->d, TRUE, f->bar1 + 16, 8, 0xFEE00000);
	mmio(&f->d, TRUE, f->bar1 + 24, 4, 0x4041);
	common_w(f, VIRTIO_COMMON_Q_SELECT, 2, 0);
	common_w(f, VIRTIO_COMMON_Q_MSIX, 2, 1);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_Q_MSIX, 2), ==, 1);
	common_w(f, VIRTIO_COMMON_Q_MSIX, 2, 7); /* no such vector */
	g_assert_cmphex(common_r(f, VIRTIO_COMMON_Q_MSIX, 2), ==, 0xFFFF);
	common_w(f, VIRTIO_COMMON_Q_MSIX, 2, 1);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 0, 512, TRUE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmpuint(f->irqs.n_msi, ==, 0);
	g_assert_cmphex(mmio(&f->d, FALSE, f->bar1 + 0x800, 8, 0), ==, 2);
	mmio(&f->d, TRUE, f->bar1 + 28, 4, 0);
	g_assert_cmpuint(f->irqs.n_msi, ==, 1);
	g_assert_cmphex(f->irqs.msi_addr, ==, 0xFEE00000);
	g_assert_cmphex(f->irqs.msi_data, ==, 0x4041);
	g_assert_cmphex(mmio(&f->d, FALSE, f->bar1 + 0x800, 8, 0), ==, 0);
	g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 0, 512, TRUE), ==, VIRTIO_BLK_S_OK);
	g_assert_cmpuint(f->irqs.n_msi, ==, 2);
	g_assert_false(f->irqs.level[DM_GSI_PCI_BASE + SLOT]); /* no INTx with MSI-X */
}

static void test_features(Fixture *f, gconstpointer data)
{
	/* A driver without VERSION_1 (a legacy driver) cannot get
	 * FEATURES_OK, nor can one asking for features we do not offer. */
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x03);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 0);
	common_w(f, VIRTIO_COMMON_GF, 4, 1U << VIRTIO_BLK_F_FLUSH);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	g_assert_cmphex(status(f), ==, 0x03);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 1);
	common_w(f, VIRTIO_COMMON_GF, 4, 1 | 2);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	g_assert_cmphex(status(f), ==, 0x03);
	/* Queue size must be a power of two within the maximum. */
	common_w(f, VIRTIO_COMMON_Q_SELECT, 2, 0);
	common_w(f, VIRTIO_COMMON_Q_SIZE, 2, 12);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_Q_SIZE, 2), ==, 256);
	common_w(f, VIRTIO_COMMON_Q_SIZE, 2, 512);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_Q_SIZE, 2), ==, 256);
	/* A queue that does not exist reads as size 0. */
	common_w(f, VIRTIO_COMMON_Q_SELECT, 2, 5);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_Q_SIZE, 2), ==, 0);
}

/* Each malformed submission breaks the device: nothing is used, the
 * driver sees NEEDS_RESET and a configuration interrupt, later kicks are
 * ignored; a reset and re-initialisation make it work again. */
typedef void (*Corruptor)(Fixture *f);

static void bad_loop(Fixture *f)
{
	desc(f, DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(f, DESC, 1, DATA, 512, VIRTQ_DESC_F_NEXT, 0);
	kick(f, 0);
}

static void bad_self_loop(Fixture *f)
{
	desc(f, DESC, 4, HDR, 16, VIRTQ_DESC_F_NEXT, 4);
	kick(f, 4);
}

static void bad_address(Fixture *f)
{
	desc(f, DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(f, DESC, 1, (128ULL << 20) - 100, 512, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	desc(f, DESC, 2, STAT, 1, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
}

static void bad_address_wrap(Fixture *f)
{
	desc(f, DESC, 0, G_MAXUINT64 - 8, 16, 0, 0);
	kick(f, 0);
}

static void bad_address_hole(Fixture *f)
{
	desc(f, DESC, 0, 0xFEC00000, 16, VIRTQ_DESC_F_WRITE, 0); /* the IOAPIC */
	kick(f, 0);
}

static void bad_next_index(Fixture *f)
{
	desc(f, DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, QSIZE);
	kick(f, 0);
}

static void bad_head_index(Fixture *f)
{
	kick(f, QSIZE + 3);
}

static void bad_avail_jump(Fixture *f)
{
	guint16 idx = 1000;

	memcpy(g(f, AVAIL + 2, 2), &idx, 2);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY, 2, 0);
}

static void bad_write_before_read(Fixture *f)
{
	desc(f, DESC, 0, STAT, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	desc(f, DESC, 1, HDR, 16, 0, 0);
	kick(f, 0);
}

static void bad_no_status(Fixture *f)
{
	desc(f, DESC, 0, HDR, 16, 0, 0);
	kick(f, 0);
}

/* Oversized: an indirect table of 600 one-byte descriptors. */
static void bad_too_many(Fixture *f)
{
	const guint64 table = 0x300000;

	for (guint i = 0; i < 600; i++)
		desc(f, table, i, DATA + i, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
		     (guint16)(i + 1));
	desc(f, DESC, 0, table, 600 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	kick(f, 0);
}

/* Oversized: more bytes than one chain may carry, all inside RAM. */
static void bad_too_big(Fixture *f)
{
	desc(f, DESC, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(f, DESC, 1, 0x1000000, 40 << 20, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	desc(f, DESC, 2, 0x4000000, 40 << 20, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
}

static void bad_nested_indirect(Fixture *f)
{
	desc(f, 0x300000, 0, 0x301000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	desc(f, DESC, 0, 0x300000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	kick(f, 0);
}

static void bad_indirect_len(Fixture *f)
{
	desc(f, DESC, 0, 0x300000, 24, VIRTQ_DESC_F_INDIRECT, 0);
	kick(f, 0);
}

static void bad_indirect_outside(Fixture *f)
{
	desc(f, DESC, 0, (128ULL << 20) - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	kick(f, 0);
}

static void bad_indirect_loop(Fixture *f)
{
	desc(f, 0x300000, 0, HDR, 16, VIRTQ_DESC_F_NEXT, 1);
	desc(f, 0x300000, 1, STAT, 1, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 0);
	desc(f, DESC, 0, 0x300000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	kick(f, 0);
}

static void bad_rings_outside(Fixture *f)
{
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 1);
	common_w(f, VIRTIO_COMMON_GF, 4, 1);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	common_w(f, VIRTIO_COMMON_Q_SIZE, 2, QSIZE);
	common_w(f, VIRTIO_COMMON_Q_DESC, 8, 0xF0000000ULL);
	common_w(f, VIRTIO_COMMON_Q_AVAIL, 8, AVAIL);
	common_w(f, VIRTIO_COMMON_Q_USED, 8, USED);
	common_w(f, VIRTIO_COMMON_Q_ENABLE, 2, 1);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0F);
	kick(f, 0);
}

static void test_malformed(Fixture *f, gconstpointer data)
{
	static const struct {
		const char *name;
		Corruptor fn;
	} cases[] = {
	    {"loop", bad_loop},
	    {"self-loop", bad_self_loop},
	    {"address beyond RAM", bad_address},
	    {"address wrapping around", bad_address_wrap},
	    {"address in the PCI hole", bad_address_hole},
	    {"next index out of the table", bad_next_index},
	    {"head index out of the table", bad_head_index},
	    {"available index jump", bad_avail_jump},
	    {"writable before readable", bad_write_before_read},
	    {"no status byte", bad_no_status},
	    {"too many descriptors", bad_too_many},
	    {"too many bytes", bad_too_big},
	    {"nested indirect", bad_nested_indirect},
	    {"indirect table length", bad_indirect_len},
	    {"indirect table outside RAM", bad_indirect_outside},
	    {"loop in an indirect table", bad_indirect_loop},
	    {"rings outside RAM", bad_rings_outside},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		guint16 used_before;

		g_test_message("case: %s", cases[i].name);
		driver_init(f);
		mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_ISR, 1, 0);
		used_before = used_idx(f);
		cases[i].fn(f);
		if (!(status(f) & VIRTIO_STATUS_NEEDS_RESET))
			g_error("%s: the device did not ask for a reset", cases[i].name);
		g_test_message("  -> %s", dm_virtio_blk_device(f->blk)->broken);
		g_assert_cmpuint(used_idx(f), ==, used_before);
		/* The configuration-change interrupt. */
		g_assert_cmphex(mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_ISR, 1, 0) & 2, ==, 2);
		/* Broken: kicks do nothing until reset. */
		kick(f, 0);
		g_assert_cmpuint(used_idx(f), ==, used_before);
		/* Reset and re-initialise: working again. */
		driver_init(f);
		g_assert_cmphex(status(f), ==, 0x0F);
		g_assert_cmpuint(request(f, VIRTIO_BLK_T_IN, 2, 512, TRUE), ==, VIRTIO_BLK_S_OK);
		g_assert_cmphex(g(f, DATA, 512)[0], ==, 2);
	}
}

/* ---- virtio-console ---- */

static void con_tx(gpointer ctx, guint8 b)
{
	g_string_append_c(ctx, (char)b);
}

static void con_queue(Fixture *f, guint q, guint64 desc_gpa, guint64 avail, guint64 used)
{
	common_w(f, VIRTIO_COMMON_Q_SELECT, 2, q);
	common_w(f, VIRTIO_COMMON_Q_SIZE, 2, QSIZE);
	common_w(f, VIRTIO_COMMON_Q_DESC, 8, desc_gpa);
	common_w(f, VIRTIO_COMMON_Q_AVAIL, 8, avail);
	common_w(f, VIRTIO_COMMON_Q_USED, 8, used);
	common_w(f, VIRTIO_COMMON_Q_ENABLE, 2, 1);
}

static void avail_push(Fixture *f, guint64 avail, guint16 *idx, guint16 head)
{
	guint8 *a = g(f, avail, 4 + 2 * QSIZE);

	memcpy(a + 4 + 2 * (*idx % QSIZE), &head, 2);
	(*idx)++;
	memcpy(a + 2, idx, 2);
}

static void test_console(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	DmUartBackendOps ops = {con_tx, NULL, out};
	DmPciDeviceConfig cfg = {
	    .slot = 4, .kind = DM_DEV_VIRTIO_CONSOLE, .spec = "4,virtio-console"};
	DmVirtioConsole *con = dm_virtio_console_new(f->pci, &cfg, f->mem, &ops, &error);
	guint64 blk_bar0 = f->bar0;
	guint16 rx_idx = 0, tx_idx = 0, used;
	const guint64 RXD = 0x400000, RXA = 0x401000, RXU = 0x402000;
	const guint64 TXD = 0x410000, TXA = 0x411000, TXU = 0x412000;

	g_assert_no_error(error);
	g_assert_cmphex(pcicfg(&f->d, FALSE, 4, 0, 0, 4, 0), ==, 0x10431AF4);
	f->bar0 = pcicfg(&f->d, FALSE, 4, 0, PCI_BAR0, 4, 0) & ~15U;
	pcicfg(&f->d, TRUE, 4, 0, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	memset(g(f, RXD, 0x20000), 0, 0x20000);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x03);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 1);
	common_w(f, VIRTIO_COMMON_GF, 4, 1);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	g_assert_cmpuint(common_r(f, VIRTIO_COMMON_NUMQ, 2), ==, 2);
	con_queue(f, 0, RXD, RXA, RXU);
	con_queue(f, 1, TXD, TXA, TXU);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0F);

	/* Output: two buffers in one chain, kicked on queue 1. */
	memcpy(g(f, 0x420000, 6), "hello ", 6);
	memcpy(g(f, 0x420100, 6), "world\n", 6);
	desc(f, TXD, 0, 0x420000, 6, VIRTQ_DESC_F_NEXT, 1);
	desc(f, TXD, 1, 0x420100, 6, 0, 0);
	avail_push(f, TXA, &tx_idx, 0);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY + VIRTIO_NOTIFY_MULTIPLIER, 2, 1);
	g_assert_cmpstr(out->str, ==, "hello world\n");

	/* Input: nothing fits before the guest posts buffers; then one
	 * 8-byte buffer takes 8 bytes. */
	g_assert_cmpuint(dm_virtio_console_receive(con, (const guint8 *)"abcdefghij", 10), ==, 0);
	desc(f, RXD, 0, 0x430000, 8, VIRTQ_DESC_F_WRITE, 0);
	avail_push(f, RXA, &rx_idx, 0);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY, 2, 0);
	g_assert_cmpuint(dm_virtio_console_receive(con, (const guint8 *)"abcdefghij", 10), ==, 8);
	g_assert_cmpmem(g(f, 0x430000, 8), 8, "abcdefgh", 8);
	memcpy(&used, g(f, RXU + 2, 2), 2);
	g_assert_cmpuint(used, ==, 1);

	/* A malformed transmit chain breaks the device. */
	desc(f, TXD, 2, 0x420000, 6, VIRTQ_DESC_F_NEXT, 2);
	avail_push(f, TXA, &tx_idx, 2);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY + VIRTIO_NOTIFY_MULTIPLIER, 2, 1);
	g_assert_cmphex(status(f) & VIRTIO_STATUS_NEEDS_RESET, !=, 0);
	g_assert_cmpuint(dm_virtio_console_receive(con, (const guint8 *)"x", 1), ==, 0);

	dm_virtio_console_free(con);
	f->bar0 = blk_bar0;
}

static void test_rng(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	DmPciDeviceConfig cfg = {.slot = 5, .kind = DM_DEV_VIRTIO_RNG, .spec = "5,virtio-rnd"};
	DmVirtioRng *rng = dm_virtio_rng_new(f->pci, &cfg, f->mem, &error);
	guint64 blk_bar0 = f->bar0;
	guint8 *buf;
	guint nonzero = 0;

	g_assert_no_error(error);
	g_assert_cmphex(pcicfg(&f->d, FALSE, 5, 0, 0, 4, 0), ==, 0x10441AF4);
	f->bar0 = pcicfg(&f->d, FALSE, 5, 0, PCI_BAR0, 4, 0) & ~15U;
	pcicfg(&f->d, TRUE, 5, 0, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	driver_init(f);
	/* 64 bytes asked, 64 random bytes given. */
	buf = g(f, DATA, 64);
	memset(buf, 0, 64);
	desc(f, DESC, 0, DATA, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
	g_assert_cmpuint(used_idx(f), ==, 1);
	g_assert_cmpuint(used_len(f, 0), ==, 64);
	for (guint i = 0; i < 64; i++)
		nonzero += buf[i] != 0;
	g_assert_cmpuint(nonzero, >, 32);
	/* A huge request is served in pieces, not refused. */
	desc(f, DESC, 0, 0x1000000, 1 << 20, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
	g_assert_cmpuint(used_len(f, 1), ==, 4096);
	/* A malformed one breaks it. */
	desc(f, DESC, 0, G_MAXUINT64 - 10, 64, VIRTQ_DESC_F_WRITE, 0);
	kick(f, 0);
	g_assert_cmphex(status(f) & VIRTIO_STATUS_NEEDS_RESET, !=, 0);
	dm_virtio_rng_free(rng);
	f->bar0 = blk_bar0;
}

/* virtio-net on a datagram socket pair standing in for the tap. */
static void test_net(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	GMutex lock;
	int sv[2];
	DmPciDeviceConfig cfg = {.slot = 6,
				 .kind = DM_DEV_VIRTIO_NET,
				 .spec = "6,virtio-net,tap=t0,mac=00:16:3e:5d:c7:9e",
				 .tap = "t0",
				 .mac = "00:16:3e:5d:c7:9e"};
	DmVirtioNet *net;
	guint64 blk_bar0 = f->bar0;
	guint8 frame[60], got[100], *rx;
	guint16 rx_idx = 0, tx_idx = 0, used;
	const guint64 RXD = 0x400000, RXA = 0x401000, RXU = 0x402000;
	const guint64 TXD = 0x410000, TXA = 0x411000, TXU = 0x412000;

	g_mutex_init(&lock);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), ==, 0);
	net = dm_virtio_net_new(f->pci, &cfg, f->mem, sv[0], "vm1", &lock, &error);
	g_assert_no_error(error);
	g_assert_cmphex(pcicfg(&f->d, FALSE, 6, 0, 0, 4, 0), ==, 0x10411AF4);
	f->bar0 = pcicfg(&f->d, FALSE, 6, 0, PCI_BAR0, 4, 0) & ~15U;
	pcicfg(&f->d, TRUE, 6, 0, PCI_COMMAND, 2, PCI_CMD_MEM | PCI_CMD_MASTER);
	g_assert_cmphex(mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_DEVICE, 4, 0), ==, 0x5d3e1600);
	g_assert_cmphex(mmio(&f->d, FALSE, f->bar0 + VIRTIO_PCI_DEVICE + 6, 2, 0), ==, 1); /* up */
	memset(g(f, RXD, 0x20000), 0, 0x20000);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x03);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 0);
	common_w(f, VIRTIO_COMMON_GF, 4, 1U << VIRTIO_NET_F_MAC);
	common_w(f, VIRTIO_COMMON_GFSELECT, 4, 1);
	common_w(f, VIRTIO_COMMON_GF, 4, 1);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0B);
	con_queue(f, 0, RXD, RXA, RXU);
	con_queue(f, 1, TXD, TXA, TXU);
	common_w(f, VIRTIO_COMMON_STATUS, 1, 0x0F);

	/* Transmit: header and frame in two descriptors; the tap gets the
	 * frame without the header. */
	for (guint i = 0; i < sizeof(frame); i++)
		frame[i] = (guint8)i;
	memset(g(f, 0x420000, VIRTIO_NET_HDR_LEN), 0, VIRTIO_NET_HDR_LEN);
	memcpy(g(f, 0x420100, sizeof(frame)), frame, sizeof(frame));
	desc(f, TXD, 0, 0x420000, VIRTIO_NET_HDR_LEN, VIRTQ_DESC_F_NEXT, 1);
	desc(f, TXD, 1, 0x420100, sizeof(frame), 0, 0);
	avail_push(f, TXA, &tx_idx, 0);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY + VIRTIO_NOTIFY_MULTIPLIER, 2, 1);
	g_assert_cmpint(recv(sv[1], got, sizeof(got), MSG_DONTWAIT), ==, sizeof(frame));
	g_assert_cmpmem(got, sizeof(frame), frame, sizeof(frame));

	/* Receive: the frame waits until the guest posts a buffer. */
	frame[0] = 0xAA;
	g_assert_cmpint(send(sv[1], frame, sizeof(frame), 0), ==, sizeof(frame));
	while (g_main_context_iteration(NULL, FALSE))
		;
	memcpy(&used, g(f, RXU + 2, 2), 2);
	g_assert_cmpuint(used, ==, 0);
	desc(f, RXD, 0, 0x430000, 1526, VIRTQ_DESC_F_WRITE, 0);
	avail_push(f, RXA, &rx_idx, 0);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY, 2, 0);
	memcpy(&used, g(f, RXU + 2, 2), 2);
	g_assert_cmpuint(used, ==, 1);
	rx = g(f, 0x430000, VIRTIO_NET_HDR_LEN + sizeof(frame));
	g_assert_cmpuint(rx[10], ==, 1); /* num_buffers */
	g_assert_cmpmem(rx + VIRTIO_NET_HDR_LEN, sizeof(frame), frame, sizeof(frame));
	{
		guint32 len;

		memcpy(&len, g(f, RXU + 8, 4), 4);
		g_assert_cmpuint(len, ==, VIRTIO_NET_HDR_LEN + sizeof(frame));
	}
	/* A malformed transmit chain breaks the device. */
	desc(f, TXD, 2, 0x420000, 6, VIRTQ_DESC_F_NEXT, 2);
	avail_push(f, TXA, &tx_idx, 2);
	mmio(&f->d, TRUE, f->bar0 + VIRTIO_PCI_NOTIFY + VIRTIO_NOTIFY_MULTIPLIER, 2, 1);
	g_assert_cmphex(status(f) & VIRTIO_STATUS_NEEDS_RESET, !=, 0);

	while (g_main_context_iteration(NULL, FALSE))
		;
	dm_virtio_net_free(net);
	close(sv[1]);
	g_mutex_clear(&lock);
	f->bar0 = blk_bar0;
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn, ro) g_test_add(name, Fixture, GINT_TO_POINTER(ro), setup, fn, teardown)
	ADD("/virtio/blk/read-write", test_read_write, FALSE);
	ADD("/virtio/blk/read-only", test_read_only, TRUE);
	ADD("/virtio/blk/discard", test_discard, FALSE);
	ADD("/virtio/blk/msix", test_msix, FALSE);
	ADD("/virtio/features", test_features, FALSE);
	ADD("/virtio/malformed", test_malformed, FALSE);
	ADD("/virtio/console", test_console, FALSE);
	ADD("/virtio/rng", test_rng, FALSE);
	ADD("/virtio/net", test_net, FALSE);
	return g_test_run();
}
