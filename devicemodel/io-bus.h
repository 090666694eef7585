/* Port-I/O and MMIO address ranges -> device handlers, and the dispatcher
 * that answers one `struct acrn_io_request` (linux/acrn.h) from them.
 *
 * Every guest access the hypervisor forwards ends up in dm_io_dispatch():
 * the HSM's request loop (vm-run.c) calls it for each slot in state
 * PROCESSING, and the unit tests call it directly with requests they build.
 * Reads of addresses nobody claims return all ones, writes are dropped, as
 * on real hardware with nothing decoding the address. */
#pragma once

#include <glib.h>
#include <linux/acrn.h>

G_BEGIN_DECLS

/* @offset is relative to the registered base; @size is 1, 2, 4 or 8.
 * Reads store into *value (zero-extended), writes take it from *value. */
typedef void (*DmIoHandler)(gpointer opaque, guint64 offset, guint size, gboolean write,
			    guint64 *value);

typedef struct DmIoBus DmIoBus;

DmIoBus *dm_io_bus_new(const char *name);
void dm_io_bus_free(DmIoBus *bus);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmIoBus, dm_io_bus_free)

/* Fails when [base, base+len) overlaps a registered range. */
gboolean dm_io_bus_register(DmIoBus *bus, guint64 base, guint64 len, const char *owner,
			    DmIoHandler fn, gpointer opaque, GError **error);
/* Removes the range registered at exactly @base; FALSE if there is none. */
gboolean dm_io_bus_unregister(DmIoBus *bus, guint64 base);
/* TRUE if a handler took the access (which must lie within one range). */
gboolean dm_io_bus_access(DmIoBus *bus, guint64 addr, guint size, gboolean write, guint64 *value);

/* PCI configuration space accesses (the HSM turns 0xCF8/0xCFC into them). */
typedef void (*DmPciCfgHandler)(gpointer opaque, guint bus, guint dev, guint func, guint reg,
				guint size, gboolean write, guint32 *value);

typedef struct {
	DmIoBus *pio;
	DmIoBus *mmio;
	DmPciCfgHandler pci_cfg;
	gpointer pci_opaque;
	guint64 unhandled; /* accesses nobody claimed, for diagnostics */
	/* the hypervisor stopped vCPU @vcpu (its flagged S5 write, acrn_abi.h) */
	void (*fatal)(gpointer opaque, guint vcpu);
	gpointer fatal_opaque;
} DmIoDispatcher;

/* Emulates @req in place: for reads, stores the result into the request.
 * Never touches req->processed; completing it is the caller's job. */
void dm_io_dispatch(DmIoDispatcher *d, struct acrn_io_request *req);

G_END_DECLS

G_BEGIN_DECLS

/* Serves every slot of the I/O request page that the HSM handed to us
 * (state PROCESSING, not kernel-handled) among the first @n_vcpus, then
 * calls @done for its vCPU (NOTIFY_REQUEST_FINISH on the real path; the
 * HSM, not acrn-dm, sets the slot to COMPLETE).  A request the hypervisor
 * flagged fatal (a vCPU died) is reported to @d->fatal first, then served
 * like any other.  Returns how many slots were served. */
guint dm_io_service_page(DmIoDispatcher *d, struct acrn_io_request_buffer *page, guint n_vcpus,
			 void (*done)(gpointer ctx, guint vcpu), gpointer ctx);

G_END_DECLS
