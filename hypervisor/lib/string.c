// SPDX-License-Identifier: BSD-3-Clause
/* Memory and string primitives for the freestanding hypervisor. */
#include "lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		/* 8-byte steps matter: the loader moves tens of MiB. */
		while (n >= 8 && (((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
			*(u64 *)d = *(const u64 *)s;
			d += 8;
			s += 8;
			n -= 8;
		}
		while (n--)
			*d++ = *s++;
	} else {
		d += n;
		s += n;
		while (n >= 8 && (((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
			d -= 8;
			s -= 8;
			n -= 8;
			*(u64 *)d = *(const u64 *)s;
		}
		while (n--)
			*--d = *--s;
	}
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	u8 *d = dst;

	while (n && ((uintptr_t)d & 7)) {
		*d++ = (u8)c;
		n--;
	}
	if (n >= 8) {
		u64 v = (u8)c * 0x0101010101010101ULL;

		while (n >= 8) {
			*(u64 *)d = v;
			d += 8;
			n -= 8;
		}
	}
	while (n--)
		*d++ = (u8)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (u8)*a - (u8)*b;
		if (!*a)
			break;
	}
	return 0;
}
