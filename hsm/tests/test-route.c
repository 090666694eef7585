// SPDX-License-Identifier: GPL-2.0
/*
 * Host test of the HSM's request routing logic (hsm_route.h): the
 * 0xCF8/0xCFC combiner and the ioeventfd match, on requests laid out by the
 * system's <linux/acrn.h>.
 */
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/acrn.h>

typedef uint32_t u32;
typedef uint64_t u64;
#include "hsm_route.h"

static struct acrn_io_request pio(u64 port, u64 size, u32 dir, u32 value)
{
	struct acrn_io_request req;

	memset(&req, 0, sizeof(req));
	req.type = ACRN_IOREQ_TYPE_PORTIO;
	req.reqs.pio_request.address = port;
	req.reqs.pio_request.size = size;
	req.reqs.pio_request.direction = dir;
	req.reqs.pio_request.value = value;
	return req;
}

static void test_latch(void)
{
	u32 latch = 0;
	struct acrn_io_request w = pio(0xcf8, 4, ACRN_IOREQ_DIR_WRITE, 0x80001234);
	struct acrn_io_request r = pio(0xcf8, 4, ACRN_IOREQ_DIR_READ, 0);

	g_assert_cmpint(hsm_route_pci_cfg(&latch, &w), ==, HSM_CFG_DONE);
	g_assert_cmphex(latch, ==, 0x80001234);
	g_assert_cmpint(hsm_route_pci_cfg(&latch, &r), ==, HSM_CFG_DONE);
	g_assert_cmphex(r.reqs.pio_request.value, ==, 0x80001234);
	g_assert_cmpint(r.type, ==, ACRN_IOREQ_TYPE_PORTIO);
}

static void test_disabled(void)
{
	u32 latch = 0x00001234; /* enable bit clear */
	struct acrn_io_request r = pio(0xcfc, 4, ACRN_IOREQ_DIR_READ, 0);
	struct acrn_io_request w = pio(0xcfd, 1, ACRN_IOREQ_DIR_WRITE, 0x55);

	g_assert_cmpint(hsm_route_pci_cfg(&latch, &r), ==, HSM_CFG_DONE);
	g_assert_cmphex(r.reqs.pio_request.value, ==, 0xffffffff);
	g_assert_cmpint(hsm_route_pci_cfg(&latch, &w), ==, HSM_CFG_DONE);
	g_assert_cmphex(w.reqs.pio_request.value, ==, 0x55);
}

static void test_convert(void)
{
	/* bus 0x12, dev 0x1f, func 5, register 0x3c; extended bits 0xa. */
	u32 latch = 0x80000000U | (0xaU << 24) | (0x12U << 16) | (0x1fU << 11) | (5U << 8) | 0x3c;
	struct acrn_io_request r = pio(0xcfe, 2, ACRN_IOREQ_DIR_READ, 0);
	struct acrn_io_request w = pio(0xcfc, 4, ACRN_IOREQ_DIR_WRITE, 0xdeadbeef);

	g_assert_cmpint(hsm_route_pci_cfg(&latch, &r), ==, HSM_CFG_CONVERTED);
	g_assert_cmpint(r.type, ==, ACRN_IOREQ_TYPE_PCICFG);
	g_assert_cmpuint(r.reqs.pci_request.bus, ==, 0x12);
	g_assert_cmpuint(r.reqs.pci_request.dev, ==, 0x1f);
	g_assert_cmpuint(r.reqs.pci_request.func, ==, 5);
	g_assert_cmphex(r.reqs.pci_request.reg, ==, 0xa00 + 0x3c + 2);
	g_assert_cmpuint(r.reqs.pci_request.size, ==, 2);
	g_assert_cmpuint(r.reqs.pci_request.direction, ==, ACRN_IOREQ_DIR_READ);
	g_assert_cmpuint(r.reqs.pci_request.reserved[0] | r.reqs.pci_request.reserved[1] |
			     r.reqs.pci_request.reserved[2],
			 ==, 0);

	g_assert_cmpint(hsm_route_pci_cfg(&latch, &w), ==, HSM_CFG_CONVERTED);
	g_assert_cmphex(w.reqs.pci_request.value, ==, 0xdeadbeef);
	g_assert_cmpuint(w.reqs.pci_request.direction, ==, ACRN_IOREQ_DIR_WRITE);
	g_assert_cmphex(w.reqs.pci_request.reg, ==, 0xa00 + 0x3c);
	g_assert_cmphex(latch, ==, 0x8a12fd3c); /* data accesses leave the latch alone */
}

static void test_not_pci(void)
{
	u32 latch = 0x80000000;
	struct acrn_io_request reqs[] = {
	    pio(0xcf8, 1, ACRN_IOREQ_DIR_WRITE, 1), /* byte write to 0xCF8: not the latch */
	    pio(0xcf9, 1, ACRN_IOREQ_DIR_WRITE, 6), /* the reset control port */
	    pio(0xcfe, 4, ACRN_IOREQ_DIR_READ, 0),  /* runs past 0xCFF */
	    pio(0xcfd, 3, ACRN_IOREQ_DIR_READ, 0),  /* no 3-byte accesses */
	    pio(0x3f8, 1, ACRN_IOREQ_DIR_WRITE, 'x'),
	};
	struct acrn_io_request mmio;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(reqs); i++) {
		g_assert_cmpint(hsm_route_pci_cfg(&latch, &reqs[i]), ==, HSM_CFG_OTHER);
		g_assert_cmpint(reqs[i].type, ==, ACRN_IOREQ_TYPE_PORTIO);
	}
	memset(&mmio, 0, sizeof(mmio));
	mmio.type = ACRN_IOREQ_TYPE_MMIO;
	mmio.reqs.mmio_request.address = 0xcfc;
	mmio.reqs.mmio_request.size = 4;
	g_assert_cmpint(hsm_route_pci_cfg(&latch, &mmio), ==, HSM_CFG_OTHER);
	g_assert_cmphex(latch, ==, 0x80000000);
}

static void test_ioeventfd(void)
{
	struct acrn_io_request w = pio(0x1000, 2, ACRN_IOREQ_DIR_WRITE, 7);
	struct acrn_io_request r = pio(0x1000, 4, ACRN_IOREQ_DIR_READ, 0);
	struct acrn_io_request wide = pio(0x1000, 4, ACRN_IOREQ_DIR_WRITE, 7);
	struct acrn_io_request m;
	struct hsm_access a;

	g_assert_true(hsm_route_access(&w, &a));
	g_assert_true(a.write && a.addr == 0x1000 && a.size == 2 && a.value == 7);
	/* wildcard, data match, data mismatch, other address, other type */
	g_assert_true(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1000, 2, true, 0, w.type, &a));
	g_assert_true(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1000, 4, false, 7, w.type, &a));
	g_assert_false(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1000, 4, false, 8, w.type, &a));
	g_assert_false(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1002, 2, true, 0, w.type, &a));
	g_assert_false(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_MMIO, 0x1000, 2, true, 0, w.type, &a));
	/* wider than the ioeventfd: not taken */
	g_assert_true(hsm_route_access(&wide, &a));
	g_assert_false(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1000, 2, true, 0, wide.type, &a));
	/* a read of the range is taken whatever the data */
	g_assert_true(hsm_route_access(&r, &a));
	g_assert_true(
	    hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_PORTIO, 0x1000, 4, false, 99, r.type, &a));

	memset(&m, 0, sizeof(m));
	m.type = ACRN_IOREQ_TYPE_MMIO;
	m.reqs.mmio_request.address = 0xfe000010;
	m.reqs.mmio_request.size = 8;
	m.reqs.mmio_request.direction = ACRN_IOREQ_DIR_WRITE;
	m.reqs.mmio_request.value = 0x1122334455667788ULL;
	g_assert_true(hsm_route_access(&m, &a));
	g_assert_true(hsm_route_ioeventfd_takes(ACRN_IOREQ_TYPE_MMIO, 0xfe000010, 8, false,
						0x1122334455667788ULL, m.type, &a));
	m.type = ACRN_IOREQ_TYPE_PCICFG;
	g_assert_false(hsm_route_access(&m, &a));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hsm/route/cf8-latch", test_latch);
	g_test_add_func("/hsm/route/cfc-disabled", test_disabled);
	g_test_add_func("/hsm/route/cfc-to-pcicfg", test_convert);
	g_test_add_func("/hsm/route/not-pci", test_not_pci);
	g_test_add_func("/hsm/route/ioeventfd", test_ioeventfd);
	return g_test_run();
}
