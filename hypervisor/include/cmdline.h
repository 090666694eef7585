/* SPDX-License-Identifier: BSD-3-Clause */
/* Hypervisor command-line options. */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H

#include "lib.h"

struct hv_options {
	u16 uart_port; /* 0 = no console UART */
	int loglevel;  /* 0..6 */
	bool native;
	bool selftest;
	bool e9;
};

#define HV_DEFAULT_UART	    0x3f8
#define HV_DEFAULT_LOGLEVEL 3

/*
 * Parse @cmdline into @opt (defaults first).  Unknown words are ignored.
 * Returns the number of malformed options (their defaults are kept) and
 * writes a description of the first one into @err.
 */
int hv_parse_cmdline(const char *cmdline, struct hv_options *opt, char *err, size_t err_size);

/* @s without a leading "/path/file" word (some loaders put the image's own
 * path first in a command line) and the blanks around it. */
const char *cmdline_skip_path(const char *s);

#endif
