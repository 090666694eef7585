// SPDX-License-Identifier: BSD-3-Clause
/* Small string utilities shared by the hypervisor and the host tests. */
#include "lib.h"

size_t hv_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int hv_parse_u64(const char *s, size_t len, u64 *ret_val)
{
	u64 v = 0;
	unsigned int base = 10;
	size_t i = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -HV_EINVAL;
	for (; i < len; i++) {
		unsigned int d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -HV_EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -HV_ERANGE;
		v = v * base + d;
	}
	*ret_val = v;
	return 0;
}
