/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the Service VM probes (hsm-ioctl, uvm-lifecycle, uvm-run) share: TAP
 * lines on stdout ("ok - ..." / "not ok - ...", counted in `failures`),
 * ioctl results as 0 or errno, and the kernel's count of pinned pages.
 * Each probe is one file plus this header.
 */
#ifndef PROBE_TAP_H
#define PROBE_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

/*
 * The kernel's FOLL_PIN counters (/proc/vmstat); -1 when missing.  They are
 * kept per CPU and folded lazily: writing vm.stat_refresh folds them first,
 * so the numbers are exact.
 */
static inline long long vmstat(const char *key)
{
	char name[64];
	long long v, found = -1;
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	FILE *f;

	if (fd >= 0) {
		if (write(fd, "1\n", 2) < 0)
			perror("vm.stat_refresh");
		close(fd);
	}
	f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2)
		if (!strcmp(name, key))
			found = v;
	fclose(f);
	return found;
}

/* Pins held now: acquired - released. */
static inline long pin_balance(void)
{
	long long acq = vmstat("nr_foll_pin_acquired"), rel = vmstat("nr_foll_pin_released");

	return acq < 0 || rel < 0 ? -1 : (long)(acq - rel);
}

#endif
