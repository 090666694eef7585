/* A relay between one D-Bus client (acrnd) and the test's dbus-daemon that
 * can hold back the bus's answers to GetConnectionCredentials.  It lets a
 * test keep a caller's authorization pending for as long as it likes,
 * without stopping the bus: everything else passes through unchanged. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct BusRelay BusRelay;

/* Listens on a socket in @dir and connects each client to @bus_address. */
BusRelay *bus_relay_new(const char *dir, const char *bus_address);
/* The address for the client's --bus-address. */
const char *bus_relay_get_address(BusRelay *relay);
/* While held, answers to GetConnectionCredentials are queued. */
void bus_relay_hold_credentials(BusRelay *relay);
/* How many answers are queued now. */
guint bus_relay_held(BusRelay *relay);
/* Sends the queued answers, in order, and stops holding. */
void bus_relay_release(BusRelay *relay);
void bus_relay_free(BusRelay *relay);

G_END_DECLS
