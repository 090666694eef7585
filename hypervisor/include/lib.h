/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Freestanding helpers shared by the hypervisor and its host unit tests.
 * Only compiler-provided headers are used, so the same file compiles for the
 * bare-metal image and for the build machine.
 */
#ifndef HV_LIB_H
#define HV_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((u64)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#undef MIN
#undef MAX
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define KiB(x) ((u64)(x) << 10)
#define MiB(x) ((u64)(x) << 20)
#define GiB(x) ((u64)(x) << 30)

/* The hypervisor maps physical memory 1:1 (its boot page tables). */
static inline void *phys_to_virt(u64 pa)
{
	return (void *)(uintptr_t)pa;
}

/* errno values used in 0/-errno returns (Linux numbering, as ACRN uses). */
#define HV_EPERM     1
#define HV_ENOENT    2
#define HV_EIO	     5
#define HV_E2BIG     7
#define HV_ENOEXEC   8
#define HV_ENOMEM    12
#define HV_EFAULT    14
#define HV_EBUSY     16
#define HV_EEXIST    17
#define HV_ENODEV    19
#define HV_EINVAL    22
#define HV_ENOSPC    28
#define HV_ERANGE    34
#define HV_ENOTTY    25
#define HV_ENOSYS    38
#define HV_ETIMEDOUT 110

/*
 * The host build links the libc versions of these; the hypervisor provides
 * its own in lib/string.c.  Declared here with the standard signatures.
 */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* Bounded string copy that always terminates; returns the source length. */
size_t hv_strlcpy(char *dst, const char *src, size_t size);
/* Parse an unsigned number (0x prefix = hex, else decimal); -EINVAL if junk. */
int hv_parse_u64(const char *s, size_t len, u64 *ret_val);

/* printf subset: %d %i %u %x %X %p %s %c %%, flags '0' '-', width, l/ll/z. */
int hv_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int hv_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
