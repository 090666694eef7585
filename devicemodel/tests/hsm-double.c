/* A TEST DOUBLE of hsm.c; see hsm-double.h. */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "hsm-double.h"
#include "hsm.h"
#include "pm.h"
#include "acrn_abi.h"

struct DmHsm {
	int unused;
};

static struct {
	GMutex lock;
	GCond cond;
	GString *calls;
	char *fail_call;
	int fail_err;
	struct acrn_io_request_buffer *page;
	gboolean client, destroying;
	struct acrn_vcpu_regs regs;
	guint64 memseg_len;
	gboolean irq[64];
	gboolean hold_next_finish;
	guint paused_while_pending;
} D;

void hsm_double_reset(void)
{
	g_mutex_lock(&D.lock);
	if (!D.calls)
		D.calls = g_string_new(NULL);
	g_string_truncate(D.calls, 0);
	g_clear_pointer(&D.fail_call, g_free);
	D.page = NULL;
	D.client = D.destroying = FALSE;
	D.memseg_len = 0;
	memset(D.irq, 0, sizeof(D.irq));
	D.hold_next_finish = FALSE;
	D.paused_while_pending = 0;
	g_mutex_unlock(&D.lock);
}

void hsm_double_fail(const char *call, int err)
{
	g_mutex_lock(&D.lock);
	g_free(D.fail_call);
	D.fail_call = g_strdup(call);
	D.fail_err = err;
	g_mutex_unlock(&D.lock);
}

char *hsm_double_calls(void)
{
	char *s;

	g_mutex_lock(&D.lock);
	s = g_strdup(D.calls->str);
	g_mutex_unlock(&D.lock);
	return s;
}

const struct acrn_vcpu_regs *hsm_double_regs(void)
{
	return &D.regs;
}

guint64 hsm_double_memseg_len(void)
{
	return D.memseg_len;
}

void hsm_double_hold_next_finish(void)
{
	g_mutex_lock(&D.lock);
	D.hold_next_finish = TRUE;
	g_mutex_unlock(&D.lock);
}

guint hsm_double_paused_while_pending(void)
{
	guint n;

	g_mutex_lock(&D.lock);
	n = D.paused_while_pending;
	g_mutex_unlock(&D.lock);
	return n;
}

/* Records @name; FALSE (with @error set like hsm.c's) if it should fail. */
static gboolean call(const char *name, GError **error)
{
	gboolean fail;

	g_mutex_lock(&D.lock);
	g_string_append_printf(D.calls, "%s%s", D.calls->len ? " " : "", name);
	fail = D.fail_call && g_str_equal(D.fail_call, name);
	g_mutex_unlock(&D.lock);
	if (fail)
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(D.fail_err), "%s: %s: %s",
			    DM_HSM_PATH, name, g_strerror(D.fail_err));
	return !fail;
}

DmHsm *dm_hsm_open(const char *path, GError **error)
{
	if (D.fail_call && g_str_equal(D.fail_call, "open")) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(D.fail_err), "%s: %s",
			    DM_HSM_PATH, g_strerror(D.fail_err));
		return NULL;
	}
	return g_new0(DmHsm, 1);
}

void dm_hsm_close(DmHsm *hsm)
{
	g_free(hsm);
}

/* The double's platform: pCPU i has local APIC ID i, all given up already. */
gboolean dm_hsm_hand_over_cpus(guint64 lapic_mask, guint64 *pcpu_mask, GError **error)
{
	*pcpu_mask = lapic_mask;
	return TRUE;
}

gboolean dm_hsm_create_vm(DmHsm *hsm, const char *name, guint64 pcpu_mask,
			  struct acrn_io_request_buffer *ioreq_page, guint16 *vcpu_num,
			  GError **error)
{
	if (!call("CREATE_VM", error))
		return FALSE;
	D.page = ioreq_page;
	*vcpu_num = pcpu_mask ? (guint16)__builtin_popcountll(pcpu_mask) : 1;
	return TRUE;
}

gboolean dm_hsm_set_memseg(DmHsm *hsm, guint64 gpa, void *hva, guint64 len, GError **error)
{
	D.memseg_len += len;
	return call("SET_MEMSEG", error);
}

gboolean dm_hsm_set_vcpu_regs(DmHsm *hsm, const struct acrn_vcpu_regs *regs, GError **error)
{
	D.regs = *regs;
	return call("SET_VCPU_REGS", error);
}

static gboolean pending(void);

gboolean dm_hsm_op(DmHsm *hsm, DmHsmOp op, GError **error)
{
	static const char *const names[] = {
	    [DM_HSM_START_VM] = "START_VM",
	    [DM_HSM_PAUSE_VM] = "PAUSE_VM",
	    [DM_HSM_RESET_VM] = "RESET_VM",
	    [DM_HSM_DESTROY_VM] = "DESTROY_VM",
	    [DM_HSM_CREATE_IOREQ_CLIENT] = "CREATE_IOREQ_CLIENT",
	    [DM_HSM_DESTROY_IOREQ_CLIENT] = "DESTROY_IOREQ_CLIENT",
	    [DM_HSM_CLEAR_VM_IOREQ] = "CLEAR_VM_IOREQ",
	};

	if (!call(names[op], error))
		return FALSE;
	g_mutex_lock(&D.lock);
	if (op == DM_HSM_CREATE_IOREQ_CLIENT)
		D.client = TRUE;
	if (op == DM_HSM_DESTROY_IOREQ_CLIENT)
		D.destroying = TRUE;
	if (op == DM_HSM_PAUSE_VM && D.page && pending())
		D.paused_while_pending++;
	g_cond_broadcast(&D.cond);
	g_mutex_unlock(&D.lock);
	return TRUE;
}

static gboolean pending(void)
{
	return __atomic_load_n(&D.page->req_slot[0].processed, __ATOMIC_ACQUIRE) ==
	       ACRN_IOREQ_STATE_PROCESSING;
}

int dm_hsm_attach_ioreq_client(DmHsm *hsm)
{
	int r;

	g_mutex_lock(&D.lock);
	while (!D.destroying && !(D.page && pending()))
		g_cond_wait(&D.cond, &D.lock);
	r = D.destroying ? -ENODEV : 0;
	g_mutex_unlock(&D.lock);
	return r;
}

gboolean dm_hsm_notify_finish(DmHsm *hsm, guint vcpu, GError **error)
{
	/* As the HSM does: the completion is ours, not acrn-dm's. */
	g_mutex_lock(&D.lock);
	if (D.hold_next_finish) {
		/* Gives a PAUSE_VM that would overtake this completion the time
		 * to do so (the bound only ends the wait when none comes). */
		gint64 until = g_get_monotonic_time() + G_TIME_SPAN_SECOND / 2;
		guint seen = D.paused_while_pending;

		D.hold_next_finish = FALSE;
		while (D.paused_while_pending == seen && g_cond_wait_until(&D.cond, &D.lock, until))
			;
	}
	__atomic_store_n(&D.page->req_slot[vcpu].processed, ACRN_IOREQ_STATE_COMPLETE,
			 __ATOMIC_RELEASE);
	g_cond_broadcast(&D.cond);
	g_mutex_unlock(&D.lock);
	return TRUE;
}

gboolean dm_hsm_set_irqline(DmHsm *hsm, guint gsi, gboolean asserted, GError **error)
{
	g_mutex_lock(&D.lock);
	if (gsi < G_N_ELEMENTS(D.irq))
		D.irq[gsi] = asserted;
	g_cond_broadcast(&D.cond);
	g_mutex_unlock(&D.lock);
	return TRUE;
}

gboolean dm_hsm_inject_msi(DmHsm *hsm, guint64 addr, guint32 data, GError **error)
{
	return TRUE;
}

/* The hypervisor's side: fill slot 0, mark it PROCESSING (the HSM's
 * dispatch), wait for COMPLETE, free the slot. */
static void post(struct acrn_io_request *tmpl)
{
	struct acrn_io_request *req;

	g_mutex_lock(&D.lock);
	req = &D.page->req_slot[0];
	memcpy(req, tmpl, offsetof(struct acrn_io_request, processed));
	req->kernel_handled = 0;
	__atomic_store_n(&req->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	g_cond_broadcast(&D.cond);
	while (__atomic_load_n(&req->processed, __ATOMIC_ACQUIRE) != ACRN_IOREQ_STATE_COMPLETE &&
	       !D.destroying)
		g_cond_wait(&D.cond, &D.lock);
	memcpy(tmpl, req, sizeof(*req));
	req->processed = ACRN_IOREQ_STATE_FREE;
	g_mutex_unlock(&D.lock);
}

guint32 hsm_double_pio(gboolean write, guint16 port, guint size, guint32 value)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PORTIO;
	r.reqs.pio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = value;
	post(&r);
	return r.reqs.pio_request.value;
}

void hsm_double_fatal_s5(void)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PORTIO;
	r.reserved0[0] = ACRN_HC_IOREQ_FLAG_FATAL; /* hv_flags in acrn_abi.h */
	r.reqs.pio_request.direction = ACRN_IOREQ_DIR_WRITE;
	r.reqs.pio_request.address = DM_PM1A_CNT;
	r.reqs.pio_request.size = 2;
	r.reqs.pio_request.value = DM_SLP_TYP_S5 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN;
	post(&r);
}

guint32 hsm_double_pcicfg(gboolean write, guint dev, guint func, guint reg, guint size,
			  guint32 value)
{
	struct acrn_io_request r;

	memset(&r, 0, sizeof(r));
	r.type = ACRN_IOREQ_TYPE_PCICFG;
	r.reqs.pci_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.pci_request.size = size;
	r.reqs.pci_request.value = value;
	r.reqs.pci_request.dev = dev;
	r.reqs.pci_request.func = func;
	r.reqs.pci_request.reg = reg;
	post(&r);
	return r.reqs.pci_request.value;
}

gboolean hsm_double_wait_irq(guint gsi, gboolean level, guint timeout_s)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_s * G_USEC_PER_SEC;
	gboolean ok;

	g_mutex_lock(&D.lock);
	while (D.irq[gsi] != level && g_cond_wait_until(&D.cond, &D.lock, end))
		;
	ok = D.irq[gsi] == level;
	g_mutex_unlock(&D.lock);
	return ok;
}
