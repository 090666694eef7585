#include "config.h"

#include "acrn-uuid.h"

#include <string.h>
#include <uuid/uuid.h>

gboolean acrn_uuid_parse(const char *in, guint8 out[16])
{
	char canonical[ACRN_UUID_STRING_LEN];
	gsize len;

	if (!in)
		return FALSE;
	len = strlen(in);
	if (len == 32) {
		for (gsize i = 0; i < 32; i++)
			if (!g_ascii_isxdigit(in[i]))
				return FALSE;
		g_snprintf(canonical, sizeof(canonical), "%.8s-%.4s-%.4s-%.4s-%.12s", in, in + 8,
			   in + 12, in + 16, in + 20);
		in = canonical;
	} else if (len != 36) {
		return FALSE;
	}
	return uuid_parse(in, out) == 0;
}

void acrn_uuid_format(const guint8 uuid[16], char out[ACRN_UUID_STRING_LEN])
{
	uuid_unparse_lower(uuid, out);
}
