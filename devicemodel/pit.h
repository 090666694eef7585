/* i8254 PIT (ports 0x40-0x43) and the port 0x61 gate/output bits of
 * channel 2.
 *
 * Counters are computed from a nanosecond clock rather than ticked, so
 * reading a counter costs nothing and the values are exact.  Channel 0's
 * interrupt (ISA IRQ 0, GSI 2) needs a timer: the PIT tells its owner the
 * next deadline through @arm, and the owner calls dm_pit_expire() then. */
#pragma once

#include "irq.h"

G_BEGIN_DECLS

#define DM_PIT_PORT   0x40
#define DM_PIT_PORT61 0x61
#define DM_PIT_HZ     1193182ULL

typedef struct DmPit DmPit;

typedef struct {
	gint64 (*now_ns)(gpointer ctx); /* monotonic */
	/* Next channel 0 interrupt at @deadline_ns; -1: none. */
	void (*arm)(gpointer ctx, gint64 deadline_ns);
	gpointer ctx;
} DmPitClock;

DmPit *dm_pit_new(const DmIrqSink *irq, const DmPitClock *clock);
void dm_pit_free(DmPit *pit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmPit, dm_pit_free)

void dm_pit_io(gpointer pit, guint64 offset, guint size, gboolean write, guint64 *value);
void dm_pit_port61_io(gpointer pit, guint64 offset, guint size, gboolean write, guint64 *value);
/* The armed deadline has passed: pulse IRQ 0 and arm the next one. */
void dm_pit_expire(DmPit *pit);

G_END_DECLS
