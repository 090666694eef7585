// SPDX-License-Identifier: BSD-3-Clause
/* placeholder replaced below */
#include "hv.h"
void shell_init(void) {}
void shell_poll(void) {}
bool shell_enabled(void) { return false; }
