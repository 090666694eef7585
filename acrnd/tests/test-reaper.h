/* Leave no process behind: every process a test program starts (directly
 * or through acrnd, which detaches device models with setsid) is killed
 * and reaped when a test ends, passes or fails. */
#pragma once

#include <sys/types.h>

/* Make this process a child subreaper (orphaned descendants reparent to it
 * instead of init), and sweep all descendants at exit and on fatal signals
 * (a failed g_assert aborts, g_error traps).  Call once, first in main(). */
void test_reaper_init(void);

/* SIGKILL and reap every descendant (zombies included).  Returns how many
 * it reaped.  Async-signal-safe. */
int test_reaper_kill_all(void);

/* For g_spawn child_setup: die with the test program even when it is
 * SIGKILLed (no handler runs then).  @data: GINT_TO_POINTER(getpid()) of the
 * test program. */
void test_reaper_child_setup(void *data);

/* Text written to stderr when a fatal signal ends the program (e.g. where
 * the failed test's logs are); NULL clears it. */
void test_reaper_set_fatal_note(const char *text);
