/* A TEST DOUBLE of hsm.c: no hypervisor or HSM runs on the test host, so
 * test-vm links this in-process stand-in for /dev/acrn_hsm.  It records
 * every call, keeps the VM's I/O request page, plays the hypervisor's side
 * of it (a "guest" thread posts requests and waits for their completion,
 * as a vCPU would), and can fail a chosen call.  The real path is the
 * platform test of acrn-dm under the hypervisor (issue 11). */
#pragma once

#include <glib.h>
#include <linux/acrn.h>

G_BEGIN_DECLS

void hsm_double_reset(void);
/* Makes the named call ("open", "CREATE_VM", "SET_MEMSEG", ...) fail. */
void hsm_double_fail(const char *call, int err);
/* The calls so far, space-separated, e.g. "CREATE_VM SET_MEMSEG ...". */
char *hsm_double_calls(void);
const struct acrn_vcpu_regs *hsm_double_regs(void);
guint64 hsm_double_memseg_len(void);
/* The next completion acrn-dm sends (NOTIFY_REQUEST_FINISH) waits up to
 * 0.5 s for a PAUSE_VM before it completes; hsm_double_paused_while_pending()
 * counts the PAUSE_VM calls made while a request was not yet completed. */
void hsm_double_hold_next_finish(void);
guint hsm_double_paused_while_pending(void);

/* Posts a port I/O request from vCPU 0 and waits until acrn-dm finished
 * it; returns the value read.  Called from a "guest" thread. */
guint32 hsm_double_pio(gboolean write, guint16 port, guint size, guint32 value);
/* The S5 write the hypervisor posts when it stopped a vCPU (flagged fatal). */
void hsm_double_fatal_s5(void);
guint32 hsm_double_pcicfg(gboolean write, guint dev, guint func, guint reg, guint size,
			  guint32 value);
/* The level of a GSI as acrn-dm last set it; waits up to @timeout_s for
 * @level. */
gboolean hsm_double_wait_irq(guint gsi, gboolean level, guint timeout_s);

G_END_DECLS
