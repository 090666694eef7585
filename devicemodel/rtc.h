/* MC146818 RTC and CMOS RAM (ports 0x70/0x71).
 *
 * The clock is the host's UTC clock plus an offset the guest sets by
 * writing the time registers; BCD and binary, 12- and 24-hour modes.
 * Alarm and periodic interrupts are not generated (Linux does not need
 * them to boot; rtc-cmos falls back to polling the update-in-progress
 * flag, which is never set here). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DM_RTC_PORT 0x70

typedef struct DmRtc DmRtc;

/* @now returns seconds since the epoch (UTC); NULL for the host clock. */
DmRtc *dm_rtc_new(gint64 (*now)(gpointer ctx), gpointer ctx);
void dm_rtc_free(DmRtc *rtc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DmRtc, dm_rtc_free)

/* DmIoHandler for ports 0x70 (index) and 0x71 (data). */
void dm_rtc_io(gpointer rtc, guint64 offset, guint size, gboolean write, guint64 *value);
/* The guest's current time, seconds since the epoch. */
gint64 dm_rtc_guest_time(DmRtc *rtc);

G_END_DECLS
