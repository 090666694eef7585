// SPDX-License-Identifier: BSD-3-Clause
/* Release builds have no debug shell: nothing reads the hypervisor console. */
#include "hv.h"
#include "shell.h"

void shell_init(void)
{
}

void shell_poll(void)
{
}

bool shell_enabled(void)
{
	return false;
}
