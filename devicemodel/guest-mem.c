/* Guest RAM and its e820 map; see guest-mem.h. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <string.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gio/gio.h>

#include "guest-mem.h"

guint dm_e820_build(guint64 mem_bytes, DmE820Entry out[DM_E820_MAX])
{
	guint64 lowmem = MIN(mem_bytes, DM_LOWMEM_LIMIT);
	guint n = 0;

	out[n++] = (DmE820Entry){0, DM_LEGACY_HOLE, DM_E820_RAM};
	/* The ACPI tables live in 0xE0000..1 MiB; keep the OS off them. */
	out[n++] = (DmE820Entry){0xE0000, 0x100000 - 0xE0000, DM_E820_RESERVED};
	out[n++] = (DmE820Entry){0x100000, lowmem - 0x100000, DM_E820_RAM};
	out[n++] =
	    (DmE820Entry){DM_PCI_ECAM_BASE, DM_HIGHMEM_BASE - DM_PCI_ECAM_BASE, DM_E820_RESERVED};
	if (mem_bytes > lowmem)
		out[n++] = (DmE820Entry){DM_HIGHMEM_BASE, mem_bytes - lowmem, DM_E820_RAM};
	return n;
}

/* memfd of @size bytes, hugetlb first.  The hugetlb reservation happens at
 * mmap time, so a host short of huge pages fails there and we fall back. */
static int memfd_for(guint64 size, gboolean huge)
{
	int fd =
	    memfd_create("acrn-dm-guest", MFD_CLOEXEC | (huge ? MFD_HUGETLB | MFD_HUGE_2MB : 0));

	if (fd < 0)
		return -1;
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static gboolean map_piece(DmGuestMem *m, guint64 gpa, guint64 len, guint64 offset)
{
	void *p;

	if (len == 0)
		return TRUE;
	p = mmap(m->base + gpa, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, m->fd,
		 (off_t)offset);
	return p != MAP_FAILED;
}

DmGuestMem *dm_guest_mem_new(guint64 mem_bytes, GError **error)
{
	g_autoptr(DmGuestMem) m = g_new0(DmGuestMem, 1);

	m->fd = -1;
	g_return_val_if_fail(mem_bytes > 0x100000 && mem_bytes % (2 << 20) == 0, NULL);
	m->lowmem = MIN(mem_bytes, DM_LOWMEM_LIMIT);
	m->highmem = mem_bytes - m->lowmem;
	m->window = m->highmem ? DM_HIGHMEM_BASE + m->highmem : m->lowmem;
	/* Reserve the whole guest-physical window first so that the pieces
	 * land at base + gpa and nothing else gets mapped in the PCI hole. */
	m->base =
	    mmap(NULL, m->window, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "guest memory: cannot reserve %zu bytes of address space: %s",
			    m->window, g_strerror(errno));
		return NULL;
	}
	for (int huge = 1; huge >= 0; huge--) {
		m->fd = memfd_for(mem_bytes, huge);
		if (m->fd < 0)
			continue;
		if (map_piece(m, 0, m->lowmem, 0) &&
		    map_piece(m, DM_HIGHMEM_BASE, m->highmem, m->lowmem)) {
			m->huge = huge;
			return g_steal_pointer(&m);
		}
		close(m->fd);
		m->fd = -1;
		/* Put the reservation back over whatever was mapped. */
		mmap(m->base, m->window, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
		    "guest memory: cannot allocate %" G_GUINT64_FORMAT " MiB: %s", mem_bytes >> 20,
		    g_strerror(errno));
	return NULL;
}

void dm_guest_mem_free(DmGuestMem *m)
{
	if (!m)
		return;
	if (m->base)
		munmap(m->base, m->window);
	if (m->fd >= 0)
		close(m->fd);
	g_free(m);
}

void *dm_guest_mem_ptr(const DmGuestMem *m, guint64 gpa, guint64 len)
{
	guint64 end = gpa + len;

	if (end < gpa)
		return NULL; /* wraps around */
	if (gpa < m->lowmem && end <= m->lowmem)
		return m->base + gpa;
	if (gpa >= DM_HIGHMEM_BASE && end <= DM_HIGHMEM_BASE + m->highmem)
		return m->base + gpa;
	return NULL;
}

gboolean dm_guest_mem_write(const DmGuestMem *m, guint64 gpa, const void *src, gsize len)
{
	void *p = dm_guest_mem_ptr(m, gpa, len);

	if (!p)
		return FALSE;
	memcpy(p, src, len);
	return TRUE;
}
