/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the Service VM probes (hsm-ioctl, uvm-lifecycle, uvm-run) share: TAP
 * lines on stdout ("ok - ..." / "not ok - ...", counted in `failures`) and
 * ioctl results as 0 or errno.  Each probe is one file plus this header.
 */
#ifndef PROBE_TAP_H
#define PROBE_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>

static int failures;

__attribute__((format(printf, 2, 3))) static inline void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", ok ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

/* ioctl result as 0 or errno */
static inline int io(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

#endif
