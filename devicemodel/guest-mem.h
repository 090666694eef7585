/* Guest RAM: one memfd mapped so that host address = base + guest-physical
 * address, and the e820 map that describes it to the guest.
 *
 * Layout (upstream acrn-dm's, docs/devicemodel.md): RAM from 0 up to min(size, 2 GiB)
 * ("lowmem"), the 32-bit PCI window and the ECAM area up to 4 GiB, the rest
 * of the RAM from 4 GiB ("highmem").  Every device that touches guest memory
 * goes through dm_guest_mem_ptr(), which refuses any range that is not
 * entirely RAM: a guest-supplied address can never reach host memory
 * outside the guest. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DM_LOWMEM_LIMIT	    0x80000000ULL /* start of the 32-bit PCI window */
#define DM_PCI_MMIO32_BASE  0x80000000ULL
#define DM_PCI_MMIO32_LIMIT 0xE0000000ULL /* exclusive */
#define DM_PCI_ECAM_BASE    0xE0000000ULL /* reserved up to 4 GiB */
#define DM_HIGHMEM_BASE	    0x100000000ULL
#define DM_LEGACY_HOLE	    0xA0000ULL /* VGA and BIOS area up to 1 MiB */

#define DM_E820_RAM	 1
#define DM_E820_RESERVED 2
#define DM_E820_MAX	 8

typedef struct {
	guint64 base, len;
	guint32 type;
} DmE820Entry;

/* The e820 map for @mem_bytes of RAM; returns the number of entries. */
guint dm_e820_build(guint64 mem_bytes, DmE820Entry out[DM_E820_MAX]);

typedef struct {
	int fd;
	guint8 *base; /* host address of guest-physical 0 */
	gsize window; /* bytes reserved at base */
	guint64 lowmem, highmem;
	gboolean huge; /* backed by 2 MiB huge pages */
} DmGuestMem;

/* Allocates @mem_bytes (a 2 MiB multiple) of guest RAM: hugetlb when the
 * host has enough free huge pages, normal pages otherwise. */
DmGuestMem *dm_guest_mem_new(guint64 mem_bytes, GError **error);
void dm_guest_mem_free(DmGuestMem *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmGuestMem, dm_guest_mem_free)

/* Host pointer to guest-physical [gpa, gpa+len), or NULL unless the whole
 * range is RAM.  len 0 is allowed for any gpa inside RAM. */
void *dm_guest_mem_ptr(const DmGuestMem *m, guint64 gpa, guint64 len);

/* Copies into guest memory; FALSE if the range is not RAM. */
gboolean dm_guest_mem_write(const DmGuestMem *m, guint64 gpa, const void *src, gsize len);

G_END_DECLS
