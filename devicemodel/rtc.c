/* MC146818 RTC; see rtc.h. */
#include "config.h"

#include "rtc.h"

enum {
	R_SEC = 0x00,
	R_MIN = 0x02,
	R_HOUR = 0x04,
	R_DOW = 0x06,
	R_DAY = 0x07,
	R_MON = 0x08,
	R_YEAR = 0x09,
	R_A = 0x0A,
	R_B = 0x0B,
	R_C = 0x0C,
	R_D = 0x0D,
	R_CENTURY = 0x32,
};

#define B_SET	0x80
#define B_BIN	0x04
#define B_24H	0x02
#define D_VRT	0x80
#define HOUR_PM 0x80

struct DmRtc {
	gint64 (*now)(gpointer);
	gpointer ctx;
	gint64 offset; /* guest time - host time */
	guint8 index;
	guint8 ram[128];
};

static gint64 host_now(gpointer ctx)
{
	return g_get_real_time() / G_USEC_PER_SEC;
}

DmRtc *dm_rtc_new(gint64 (*now)(gpointer ctx), gpointer ctx)
{
	DmRtc *r = g_new0(DmRtc, 1);

	r->now = now ? now : host_now;
	r->ctx = ctx;
	r->ram[R_A] = 0x26; /* 32.768 kHz time base, 1024 Hz rate */
	r->ram[R_B] = B_24H;
	r->ram[R_D] = D_VRT; /* the battery is fine */
	return r;
}

void dm_rtc_free(DmRtc *r)
{
	g_free(r);
}

gint64 dm_rtc_guest_time(DmRtc *r)
{
	return r->now(r->ctx) + r->offset;
}

static guint8 to_reg(const DmRtc *r, guint v)
{
	return (r->ram[R_B] & B_BIN) ? (guint8)v : (guint8)((v / 10) << 4 | v % 10);
}

static guint from_reg(const DmRtc *r, guint8 v)
{
	return (r->ram[R_B] & B_BIN) ? v : (guint)(v >> 4) * 10 + (v & 0xF);
}

/* Time registers <- the guest's clock. */
static void fill_time(DmRtc *r)
{
	g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(dm_rtc_guest_time(r));
	guint hour;

	if (!t)
		return;
	hour = (guint)g_date_time_get_hour(t);
	r->ram[R_SEC] = to_reg(r, (guint)g_date_time_get_second(t));
	r->ram[R_MIN] = to_reg(r, (guint)g_date_time_get_minute(t));
	if (r->ram[R_B] & B_24H)
		r->ram[R_HOUR] = to_reg(r, hour);
	else
		r->ram[R_HOUR] =
		    (guint8)(to_reg(r, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? HOUR_PM : 0));
	r->ram[R_DOW] = to_reg(r, (guint)g_date_time_get_day_of_week(t) % 7 + 1);
	r->ram[R_DAY] = to_reg(r, (guint)g_date_time_get_day_of_month(t));
	r->ram[R_MON] = to_reg(r, (guint)g_date_time_get_month(t));
	r->ram[R_YEAR] = to_reg(r, (guint)g_date_time_get_year(t) % 100);
	r->ram[R_CENTURY] = to_reg(r, (guint)g_date_time_get_year(t) / 100);
}

/* The guest's clock <- time registers.  Invalid dates are ignored, as a
 * real RTC would just count on from garbage. */
static void take_time(DmRtc *r)
{
	guint8 h = r->ram[R_HOUR];
	guint hour;
	g_autoptr(GDateTime) t = NULL;

	if (r->ram[R_B] & B_24H) {
		hour = from_reg(r, h);
	} else {
		hour = from_reg(r, h & 0x7F) % 12;
		if (h & HOUR_PM)
			hour += 12;
	}
	t = g_date_time_new_utc(
	    (gint)(from_reg(r, r->ram[R_CENTURY]) * 100 + from_reg(r, r->ram[R_YEAR])),
	    (gint)from_reg(r, r->ram[R_MON]), (gint)from_reg(r, r->ram[R_DAY]), (gint)hour,
	    (gint)from_reg(r, r->ram[R_MIN]), (gdouble)from_reg(r, r->ram[R_SEC]));
	if (t)
		r->offset = g_date_time_to_unix(t) - r->now(r->ctx);
}

static gboolean is_time_reg(guint8 i)
{
	return i <= R_YEAR || i == R_CENTURY;
}

void dm_rtc_io(gpointer opaque, guint64 offset, guint size, gboolean write, guint64 *value)
{
	DmRtc *r = opaque;
	guint8 i, v = (guint8)*value;

	if (offset == 0) {
		/* Bit 7 of the index port masks NMIs; we have none to mask. */
		if (write)
			r->index = v & 0x7F;
		else
			*value = r->index;
		return;
	}
	i = r->index;
	if (!write) {
		if (is_time_reg(i) && !(r->ram[R_B] & B_SET))
			fill_time(r);
		*value = r->ram[i];
		if (i == R_C)
			r->ram[R_C] = 0; /* reading C acknowledges the flags */
		return;
	}
	switch (i) {
	case R_C:
	case R_D:
		return; /* read-only */
	case R_A:
		r->ram[R_A] = v & 0x7F; /* UIP is read-only */
		return;
	case R_B:
		if ((r->ram[R_B] & B_SET) && !(v & B_SET)) {
			r->ram[R_B] = v;
			take_time(r);
			return;
		}
		/* Freeze the registers at the moment SET goes on, so that a
		 * partial update starts from the current time. */
		if (!(r->ram[R_B] & B_SET) && (v & B_SET))
			fill_time(r);
		/* Changing the format while the clock runs re-encodes it. */
		r->ram[R_B] = v;
		return;
	default:
		break;
	}
	if (is_time_reg(i) && !(r->ram[R_B] & B_SET)) {
		fill_time(r);
		r->ram[i] = v;
		take_time(r);
		return;
	}
	r->ram[i] = v;
}
