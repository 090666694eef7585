/* The one UUID parser of acrnd, acrnctl and virtacrnd (libuuid underneath):
 * the canonical 36-character form in any case, or the same 32 hex digits
 * without dashes (D-Bus object paths, acrn-dm's names).  Nothing else:
 * dashes elsewhere, braces or trailing text are refused. */
#pragma once

#include <glib.h>

#define ACRN_UUID_STRING_LEN 37 /* with the NUL */

gboolean acrn_uuid_parse(const char *in, guint8 out[16]);
/* Lower-case canonical form. */
void acrn_uuid_format(const guint8 uuid[16], char out[ACRN_UUID_STRING_LEN]);
