/* SPDX-License-Identifier: BSD-3-Clause */
/* The debug shell (debug/shell.c), or nothing (release/shell.c). */
#ifndef HV_SHELL_H
#define HV_SHELL_H

#include "lib.h"

void shell_init(void);
/* Called at VM exits: reads and runs commands from the hypervisor UART. */
void shell_poll(void);
bool shell_enabled(void);

#endif
