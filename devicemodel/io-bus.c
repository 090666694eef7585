/* I/O ranges and request dispatch; see io-bus.h. */
#include "config.h"

#include <gio/gio.h>

#include "io-bus.h"
#include "acrn_abi.h"

typedef struct {
	guint64 base, len;
	char *owner;
	DmIoHandler fn;
	gpointer opaque;
} Range;

struct DmIoBus {
	char *name;
	GArray *ranges; /* Range, sorted by base */
};

static void range_clear(gpointer p)
{
	g_free(((Range *)p)->owner);
}

DmIoBus *dm_io_bus_new(const char *name)
{
	DmIoBus *bus = g_new0(DmIoBus, 1);

	bus->name = g_strdup(name);
	bus->ranges = g_array_new(FALSE, FALSE, sizeof(Range));
	g_array_set_clear_func(bus->ranges, range_clear);
	return bus;
}

void dm_io_bus_free(DmIoBus *bus)
{
	if (!bus)
		return;
	g_array_unref(bus->ranges);
	g_free(bus->name);
	g_free(bus);
}

gboolean dm_io_bus_register(DmIoBus *bus, guint64 base, guint64 len, const char *owner,
			    DmIoHandler fn, gpointer opaque, GError **error)
{
	guint i;

	g_return_val_if_fail(len > 0 && base + len - 1 >= base, FALSE);
	for (i = 0; i < bus->ranges->len; i++) {
		const Range *r = &g_array_index(bus->ranges, Range, i);

		if (base < r->base + r->len && r->base < base + len) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
				    "%s: %s at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
				    "x overlaps %s",
				    bus->name, owner, base, len, r->owner);
			return FALSE;
		}
		if (r->base > base)
			break;
	}
	Range n = {base, len, g_strdup(owner), fn, opaque};
	g_array_insert_val(bus->ranges, i, n);
	return TRUE;
}

gboolean dm_io_bus_unregister(DmIoBus *bus, guint64 base)
{
	for (guint i = 0; i < bus->ranges->len; i++) {
		if (g_array_index(bus->ranges, Range, i).base == base) {
			g_array_remove_index(bus->ranges, i);
			return TRUE;
		}
	}
	return FALSE;
}

static const Range *lookup(DmIoBus *bus, guint64 addr)
{
	guint lo = 0, hi = bus->ranges->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		const Range *r = &g_array_index(bus->ranges, Range, mid);

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

gboolean dm_io_bus_access(DmIoBus *bus, guint64 addr, guint size, gboolean write, guint64 *value)
{
	const Range *r = lookup(bus, addr);

	if (!r || size == 0 || addr - r->base + size > r->len)
		return FALSE;
	if (!write)
		*value = 0;
	r->fn(r->opaque, addr - r->base, size, write, value);
	return TRUE;
}

static guint64 size_mask(guint size)
{
	return size >= 8 ? G_MAXUINT64 : (1ULL << (8 * size)) - 1;
}

void dm_io_dispatch(DmIoDispatcher *d, struct acrn_io_request *req)
{
	gboolean handled = FALSE;
	guint64 v;

	switch (req->type) {
	case ACRN_IOREQ_TYPE_PORTIO: {
		struct acrn_pio_request *p = &req->reqs.pio_request;
		gboolean write = p->direction == ACRN_IOREQ_DIR_WRITE;
		guint size = (guint)p->size;

		v = write ? p->value & size_mask(size) : 0;
		if ((size == 1 || size == 2 || size == 4) && p->address <= 0xFFFF)
			handled = dm_io_bus_access(d->pio, p->address, size, write, &v);
		if (!write)
			p->value = (guint32)(handled ? v & size_mask(size) : size_mask(size));
		break;
	}
	case ACRN_IOREQ_TYPE_MMIO: {
		struct acrn_mmio_request *m = &req->reqs.mmio_request;
		gboolean write = m->direction == ACRN_IOREQ_DIR_WRITE;
		guint size = (guint)m->size;

		v = write ? m->value & size_mask(size) : 0;
		if (size == 1 || size == 2 || size == 4 || size == 8)
			handled = dm_io_bus_access(d->mmio, m->address, size, write, &v);
		if (!write)
			m->value = handled ? v & size_mask(size) : size_mask(size);
		break;
	}
	case ACRN_IOREQ_TYPE_PCICFG: {
		struct acrn_pci_request *c = &req->reqs.pci_request;
		gboolean write = c->direction == ACRN_IOREQ_DIR_WRITE;
		guint size = (guint)c->size;
		guint32 v32 = write ? (guint32)(c->value & size_mask(size)) : 0;

		if ((size == 1 || size == 2 || size == 4) && d->pci_cfg && c->bus < 256 &&
		    c->dev < 32 && c->func < 8 && c->reg < 4096 && (c->reg & (size - 1)) == 0) {
			d->pci_cfg(d->pci_opaque, (guint)c->bus, (guint)c->dev, (guint)c->func,
				   (guint)c->reg, size, write, &v32);
			handled = TRUE;
		}
		if (!write)
			c->value = handled ? v32 : (guint32)size_mask(size);
		break;
	}
	default:
		break;
	}
	if (!handled)
		d->unhandled++;
}

guint dm_io_service_page(DmIoDispatcher *d, struct acrn_io_request_buffer *page, guint n_vcpus,
			 void (*done)(gpointer ctx, guint vcpu), gpointer ctx)
{
	guint served = 0;

	for (guint i = 0; i < MIN(n_vcpus, (guint)ACRN_IO_REQUEST_MAX); i++) {
		struct acrn_io_request *req = &page->req_slot[i];

		/* Acquire: the request body is read only after its state. */
		if (__atomic_load_n(&req->processed, __ATOMIC_ACQUIRE) !=
			ACRN_IOREQ_STATE_PROCESSING ||
		    req->kernel_handled)
			continue;
		/* upstream's reserved0[0]; our hypervisor's hv_flags (acrn_abi.h) */
		if ((req->reserved0[0] & ACRN_HC_IOREQ_FLAG_FATAL) && d->fatal)
			d->fatal(d->fatal_opaque, i);
		dm_io_dispatch(d, req);
		/* Release: the result is visible before the completion. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		if (done)
			done(ctx, i);
		served++;
	}
	return served;
}
