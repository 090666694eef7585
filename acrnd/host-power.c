/* Service VM power coordination (see host-power.h): the logind delay
 * inhibitor, host shutdown (S5) and host suspend (S3). */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <gio/gunixfdlist.h>

#include "host-power.h"
#include "store.h"

#define LOGIND_NAME  "org.freedesktop.login1"
#define LOGIND_PATH  "/org/freedesktop/login1"
#define LOGIND_IFACE "org.freedesktop.login1.Manager"

typedef enum {
	PHASE_NORMAL,
	PHASE_SHUTDOWN,	     /* stopping VMs for a host shutdown */
	PHASE_SHUTDOWN_DONE, /* VMs stopped; the lock is not taken again */
	PHASE_SLEEP,	     /* between PrepareForSleep(true) and (false) */
} Phase;

struct _AcrnHostPower {
	GDBusConnection *conn;
	AcrnSupervisor *sup;
	AcrnHostPowerConfig cfg;
	GCancellable *cancel;
	guint watch_id, sub_shutdown, sub_sleep;
	gulong added_id, removed_id, changed_id;
	gboolean logind, said_no_logind;
	int inhibit_fd;
	gboolean inhibit_pending;
	Phase phase;

	/* S5 */
	guint s5_pending;
	gboolean s5_cancelled; /* PrepareForShutdown(false) while stopping */
	GKeyFile *s5_record;
	GPtrArray *s5_waiters; /* GTasks of acrn_host_power_terminate_async */

	/* S3 */
	guint s3_pending;
	gboolean s3_wake_pending;
	GHashTable *slept; /* uuid -> "paused" | "suspended": what acrnd did */
};

gboolean acrn_host_shutdown_action_parse(const char *s, AcrnVmHostShutdown *out)
{
	if (g_strcmp0(s, "shutdown") == 0)
		*out = ACRN_VM_HOST_SHUTDOWN_SHUTDOWN;
	else if (g_strcmp0(s, "leave") == 0)
		*out = ACRN_VM_HOST_SHUTDOWN_LEAVE;
	else
		return FALSE;
	return TRUE;
}

gboolean acrn_host_sleep_action_parse(const char *s, AcrnHostSleepAction *out)
{
	if (g_strcmp0(s, "pause") == 0)
		*out = ACRN_HOST_SLEEP_PAUSE;
	else if (g_strcmp0(s, "suspend") == 0)
		*out = ACRN_HOST_SLEEP_SUSPEND;
	else
		return FALSE;
	return TRUE;
}

/* ---- the delay inhibitor ---- */

static guint count_active(AcrnHostPower *hp)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(hp->sup);
	guint n = 0;

	for (guint i = 0; i < vms->len; i++)
		n += acrn_machine_is_active(vms->pdata[i]);
	return n;
}

static void release_inhibitor(AcrnHostPower *hp, const char *why)
{
	if (hp->inhibit_fd < 0)
		return;
	close(hp->inhibit_fd);
	hp->inhibit_fd = -1;
	g_message("released the logind delay inhibitor (%s)", why);
}

static void update_inhibitor(AcrnHostPower *hp);

static void on_inhibited(GObject *src, GAsyncResult *res, gpointer data)
{
	AcrnHostPower *hp = data;
	g_autoptr(GUnixFDList) fds = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	gint32 idx = -1;
	int fd;

	reply = g_dbus_connection_call_with_unix_fd_list_finish(G_DBUS_CONNECTION(src), &fds, res,
								&error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	hp->inhibit_pending = FALSE;
	if (!reply) {
		g_warning("cannot take the logind delay inhibitor: %s", error->message);
		return;
	}
	g_variant_get(reply, "(h)", &idx);
	fd = fds ? g_unix_fd_list_get(fds, idx, &error) : -1;
	if (fd < 0) {
		g_warning("logind's Inhibit reply carries no file descriptor");
		return;
	}
	hp->inhibit_fd = fd;
	g_message("holding the logind delay inhibitor for shutdown:sleep");
	/* Things may have changed while the call was out. */
	update_inhibitor(hp);
}

/* Outside a host shutdown or sleep, hold the lock exactly while a VM is
 * active.  During one, the lock is released by the work itself, once the
 * VMs are taken care of. */
static void update_inhibitor(AcrnHostPower *hp)
{
	gboolean want;

	if (hp->phase != PHASE_NORMAL)
		return;
	want = hp->logind && count_active(hp) > 0;
	if (!want) {
		release_inhibitor(hp, "no VM is running");
		return;
	}
	if (hp->inhibit_fd >= 0 || hp->inhibit_pending)
		return;
	hp->inhibit_pending = TRUE;
	g_dbus_connection_call_with_unix_fd_list(
	    hp->conn, LOGIND_NAME, LOGIND_PATH, LOGIND_IFACE, "Inhibit",
	    g_variant_new("(ssss)", "shutdown:sleep", "acrnd", "User VMs running", "delay"),
	    G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, hp->cancel, on_inhibited,
	    hp);
}

static void on_vm_changed(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	update_inhibitor(data);
}

static void on_vm_added(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	update_inhibitor(data);
}

static void on_vm_removed(AcrnSupervisor *sup, AcrnMachine *vm, gpointer data)
{
	update_inhibitor(data);
}

static void on_logind_appeared(GDBusConnection *conn, const char *name, const char *owner,
			       gpointer data)
{
	AcrnHostPower *hp = data;

	g_info("logind is on the bus (%s)", owner);
	hp->logind = TRUE;
	update_inhibitor(hp);
}

static void on_logind_vanished(GDBusConnection *conn, const char *name, gpointer data)
{
	AcrnHostPower *hp = data;

	if (hp->logind) {
		/* logind dropped its side of the lock with it. */
		g_warning("logind left the bus: host shutdown and suspend are no longer "
			  "coordinated through it");
		release_inhibitor(hp, "logind left the bus");
	} else if (!hp->said_no_logind) {
		g_message("logind (%s) is not on the bus: no delay inhibitor; VMs are stopped at "
			  "host shutdown only through SIGTERM",
			  LOGIND_NAME);
	}
	hp->said_no_logind = TRUE;
	hp->logind = FALSE;
}

/* ---- host shutdown (S5) ---- */

typedef struct {
	AcrnHostPower *hp;
	AcrnMachine *vm;
	char *group; /* in the record */
	guint timeout_sec;
	guint timer, poke;
	gulong changed_id;
	gboolean pressed, forced;
} S5Vm;

static void s5_finish(AcrnHostPower *hp)
{
	g_autofree char *data = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *ts = g_date_time_format_iso8601(now);
	gsize len = 0;

	g_key_file_set_string(hp->s5_record, "host-shutdown", "finished", ts);
	data = g_key_file_to_data(hp->s5_record, &len, NULL);
	if (hp->cfg.record_path &&
	    !acrn_store_write_atomic(hp->cfg.record_path, data, len, 0644, &error))
		g_warning("cannot record the VMs' state at host shutdown: %s", error->message);
	/* Kept: a VM started after this round is stopped by a second one
	 * (SIGTERM), which adds to the same record. */
	g_message("host shutdown: every VM is taken care of");
	hp->phase = PHASE_SHUTDOWN_DONE;
	release_inhibitor(hp, "host shutdown may proceed");
	for (guint i = 0; i < hp->s5_waiters->len; i++) {
		GTask *t = hp->s5_waiters->pdata[i];

		g_task_return_boolean(t, TRUE);
	}
	g_ptr_array_set_size(hp->s5_waiters, 0);
	if (hp->s5_cancelled) {
		hp->s5_cancelled = FALSE;
		hp->phase = PHASE_NORMAL;
		update_inhibitor(hp);
	}
}

static void s5_done_one(AcrnHostPower *hp)
{
	if (--hp->s5_pending == 0)
		s5_finish(hp);
}

static void s5vm_free(S5Vm *s)
{
	g_clear_handle_id(&s->timer, g_source_remove);
	g_clear_handle_id(&s->poke, g_source_remove);
	g_clear_signal_handler(&s->changed_id, s->vm);
	g_object_unref(s->vm);
	g_free(s->group);
	g_free(s);
}

static void s5vm_done(S5Vm *s)
{
	AcrnHostPower *hp = s->hp;
	AcrnVmState st = acrn_machine_get_state(s->vm);

	g_key_file_set_string(hp->s5_record, s->group, "result",
			      acrn_machine_is_active(s->vm) ? "still-active"
			      : s->forced		    ? "force-stopped"
							    : "shut-down");
	g_key_file_set_string(hp->s5_record, s->group, "state", acrn_machine_state_to_string(st));
	g_key_file_set_string(hp->s5_record, s->group, "reason",
			      acrn_machine_get_state_reason(s->vm));
	g_message("host shutdown: VM '%s' is %s (%s)%s", acrn_machine_get_name(s->vm),
		  acrn_machine_state_to_string(st), acrn_machine_get_state_reason(s->vm),
		  s->forced ? " after a force-stop" : "");
	s5vm_free(s);
	s5_done_one(hp);
}

static void on_s5_op(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(ACRN_MACHINE(src), res, &error))
		g_info("host shutdown: VM '%s': %s", acrn_machine_get_name(ACRN_MACHINE(src)),
		       error->message);
}

/* Called on every change of the VM: done once it is down; presses the
 * power button as soon as it can take it (a starting VM once it runs, a
 * paused or suspended one once it is resumed). */
static void s5vm_check(AcrnMachine *vm, gpointer data)
{
	S5Vm *s = data;
	AcrnVmState st = acrn_machine_get_state(vm);

	if (!acrn_machine_is_active(vm)) {
		s5vm_done(s);
		return;
	}
	if (s->pressed || s->forced || acrn_machine_is_busy(vm))
		return;
	if (st == ACRN_VM_STATE_RUNNING) {
		/* The power button; this module's timer, not the VM's own,
		 * decides when to force (its timeout is set beyond ours). */
		AcrnVmStopOptions opts = {FALSE, s->timeout_sec + 60, FALSE};

		s->pressed = TRUE;
		acrn_machine_shutdown_async(vm, &opts, on_s5_op, NULL);
	} else if (st == ACRN_VM_STATE_PAUSED) {
		acrn_machine_request_async(vm, ACRN_VM_REQUEST_RESUME, on_s5_op, NULL);
	} else if (st == ACRN_VM_STATE_SUSPENDED) {
		acrn_machine_request_async(vm, ACRN_VM_REQUEST_WAKEUP, on_s5_op, NULL);
	}
}

/* An operation that blocked the button (a start, a resume) completes
 * without another "changed": look again until the button is pressed. */
static gboolean s5vm_on_poke(gpointer data)
{
	S5Vm *s = data;

	if (s->pressed || s->forced) {
		s->poke = 0;
		return G_SOURCE_REMOVE;
	}
	s5vm_check(s->vm, s);
	return G_SOURCE_CONTINUE;
}

static gboolean s5vm_on_timeout(gpointer data)
{
	S5Vm *s = data;

	s->timer = 0;
	if (s->forced) {
		/* Never hold the host shutdown forever. */
		g_warning("host shutdown: VM '%s' survived a force-stop; giving up on it",
			  acrn_machine_get_name(s->vm));
		s5vm_done(s);
		return G_SOURCE_REMOVE;
	}
	g_message("host shutdown: VM '%s' is still %s after %u s: force-stopping it",
		  acrn_machine_get_name(s->vm),
		  acrn_machine_state_to_string(acrn_machine_get_state(s->vm)), s->timeout_sec);
	s->forced = TRUE;
	/* ForceStop preempts a pending Shutdown; the VM's "changed" signal
	 * then completes this one. */
	acrn_machine_force_stop_async(s->vm, on_s5_op, NULL);
	s->timer = g_timeout_add_seconds(15, s5vm_on_timeout, s);
	return G_SOURCE_REMOVE;
}

static void s5_start(AcrnHostPower *hp, const char *trigger)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(hp->sup);
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autofree char *ts = g_date_time_format_iso8601(now);
	GPtrArray *started = g_ptr_array_new();

	if (hp->phase == PHASE_SHUTDOWN)
		return;
	hp->phase = PHASE_SHUTDOWN;
	acrn_supervisor_cancel_autostart(hp->sup);
	if (!hp->s5_record) {
		hp->s5_record = g_key_file_new();
		g_key_file_set_string(hp->s5_record, "host-shutdown", "trigger", trigger);
		g_key_file_set_string(hp->s5_record, "host-shutdown", "started", ts);
	} else {
		/* A second round for VMs started after the first. */
		g_autofree char *t =
		    g_key_file_get_string(hp->s5_record, "host-shutdown", "trigger", NULL);
		g_autofree char *both = g_strdup_printf("%s+%s", t ? t : "", trigger);

		g_key_file_set_string(hp->s5_record, "host-shutdown", "trigger", both);
	}
	hp->s5_pending = 1;
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];
		const AcrnVmDef *def = acrn_machine_get_def(vm);
		AcrnVmHostShutdown action =
		    def->host_shutdown ? def->host_shutdown : hp->cfg.shutdown_action;
		g_autofree char *group = g_strdup_printf("vm %s", def->name);
		S5Vm *s;

		g_key_file_set_string(hp->s5_record, group, "uuid", def->uuid);
		g_key_file_set_string(hp->s5_record, group, "policy",
				      action == ACRN_VM_HOST_SHUTDOWN_LEAVE ? "leave" : "shutdown");
		if (!acrn_machine_is_active(vm)) {
			/* (In a second round: keep what the first one found.) */
			if (!g_key_file_has_key(hp->s5_record, group, "result", NULL))
				g_key_file_set_string(hp->s5_record, group, "result",
						      "not-running");
			continue;
		}
		if (action == ACRN_VM_HOST_SHUTDOWN_LEAVE) {
			g_message("host shutdown: leaving VM '%s' to the hypervisor (policy leave)",
				  def->name);
			g_key_file_set_string(hp->s5_record, group, "result", "left-running");
			continue;
		}
		s = g_new0(S5Vm, 1);
		s->hp = hp;
		s->vm = g_object_ref(vm);
		s->group = g_steal_pointer(&group);
		s->timeout_sec = def->host_shutdown_timeout_sec ? def->host_shutdown_timeout_sec
								: hp->cfg.shutdown_timeout_sec;
		s->changed_id = g_signal_connect(vm, "changed", G_CALLBACK(s5vm_check), s);
		s->timer = g_timeout_add_seconds(s->timeout_sec, s5vm_on_timeout, s);
		s->poke = g_timeout_add(200, s5vm_on_poke, s);
		hp->s5_pending++;
		g_ptr_array_add(started, s);
	}
	g_message("host shutdown (%s): stopping %u VMs in parallel", trigger, started->len);
	/* All buttons are pressed before any of them can complete. */
	for (guint i = 0; i < started->len; i++) {
		S5Vm *s = started->pdata[i];

		g_message("host shutdown: pressing the power button of VM '%s' (timeout %u s)",
			  acrn_machine_get_name(s->vm), s->timeout_sec);
	}
	for (guint i = 0; i < started->len; i++) {
		S5Vm *s = started->pdata[i];

		s5vm_check(s->vm, s);
	}
	g_ptr_array_unref(started);
	s5_done_one(hp);
}

/* ---- host sleep (S3) ---- */

/* How long a guest asked to suspend gets to enter S3 before it is paused
 * instead (within logind's InhibitDelayMaxSec). */
#define S3_ENTER_WAIT_SEC 5

typedef struct {
	AcrnHostPower *hp;
	AcrnMachine *vm;
	gboolean fallback; /* suspend did not work: pausing instead */
	gulong changed_id;
	guint timer;
} S3Vm;

static void s3_wake(AcrnHostPower *hp);

static void s3_done_one(AcrnHostPower *hp)
{
	if (--hp->s3_pending)
		return;
	g_message("host sleep: %u VMs paused or suspended", g_hash_table_size(hp->slept));
	release_inhibitor(hp, "the host may sleep");
	if (hp->s3_wake_pending)
		s3_wake(hp);
}

static void s3vm_finish(S3Vm *s, const char *did)
{
	AcrnHostPower *hp = s->hp;

	if (did) {
		g_hash_table_insert(hp->slept, g_strdup(acrn_machine_get_uuid(s->vm)),
				    (gpointer)did);
		g_message("host sleep: VM '%s' %s", acrn_machine_get_name(s->vm), did);
	}
	g_clear_handle_id(&s->timer, g_source_remove);
	g_clear_signal_handler(&s->changed_id, s->vm);
	g_object_unref(s->vm);
	g_free(s);
	s3_done_one(hp);
}

static void on_s3_request(GObject *src, GAsyncResult *res, gpointer data);

/* A guest that does not enter S3 must not run while the host sleeps: stop
 * its vCPUs instead. */
static void s3vm_pause_instead(S3Vm *s, const char *why)
{
	g_message("host sleep: VM '%s' did not suspend (%s): pausing it",
		  acrn_machine_get_name(s->vm), why);
	s->fallback = TRUE;
	acrn_machine_request_async(s->vm, ACRN_VM_REQUEST_PAUSE, on_s3_request, s);
}

static void s3vm_changed(AcrnMachine *vm, gpointer data)
{
	S3Vm *s = data;

	if (acrn_machine_get_state(vm) == ACRN_VM_STATE_SUSPENDED)
		s3vm_finish(s, "suspended");
	else if (!acrn_machine_is_active(vm))
		s3vm_finish(s, NULL);
}

static gboolean s3vm_on_timeout(gpointer data)
{
	S3Vm *s = data;

	s->timer = 0;
	g_clear_signal_handler(&s->changed_id, s->vm);
	if (acrn_machine_get_state(s->vm) == ACRN_VM_STATE_RUNNING && !acrn_machine_is_busy(s->vm))
		s3vm_pause_instead(s, "no S3 entry within " G_STRINGIFY(S3_ENTER_WAIT_SEC) " s");
	else
		s3vm_finish(s, NULL);
	return G_SOURCE_REMOVE;
}

static void on_s3_request(GObject *src, GAsyncResult *res, gpointer data)
{
	S3Vm *s = data;
	AcrnMachine *vm = ACRN_MACHINE(src);
	g_autoptr(GError) error = NULL;
	gboolean ok = acrn_machine_op_finish(vm, res, &error);

	if (s->fallback || s->hp->cfg.sleep_action == ACRN_HOST_SLEEP_PAUSE) {
		if (!ok)
			g_warning("host sleep: VM '%s' keeps running: %s",
				  acrn_machine_get_name(vm), error->message);
		s3vm_finish(s, ok ? "paused" : NULL);
		return;
	}
	if (!ok) {
		if (acrn_machine_get_state(vm) == ACRN_VM_STATE_RUNNING)
			s3vm_pause_instead(s, error->message);
		else
			s3vm_finish(s, NULL);
		return;
	}
	/* The request was made; the guest enters S3 when it gets to it. */
	if (acrn_machine_get_state(vm) == ACRN_VM_STATE_SUSPENDED) {
		s3vm_finish(s, "suspended");
		return;
	}
	s->changed_id = g_signal_connect(vm, "changed", G_CALLBACK(s3vm_changed), s);
	s->timer = g_timeout_add_seconds(S3_ENTER_WAIT_SEC, s3vm_on_timeout, s);
}

static void s3_sleep(AcrnHostPower *hp)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(hp->sup);

	if (hp->phase != PHASE_NORMAL)
		return;
	hp->phase = PHASE_SLEEP;
	hp->s3_wake_pending = FALSE;
	g_hash_table_remove_all(hp->slept);
	hp->s3_pending = 1;
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];
		S3Vm *s;

		/* Paused or suspended by a user already: not ours to resume. */
		if (acrn_machine_get_state(vm) != ACRN_VM_STATE_RUNNING || acrn_machine_is_busy(vm))
			continue;
		s = g_new0(S3Vm, 1);
		s->hp = hp;
		s->vm = g_object_ref(vm);
		hp->s3_pending++;
		acrn_machine_request_async(vm,
					   hp->cfg.sleep_action == ACRN_HOST_SLEEP_SUSPEND
					       ? ACRN_VM_REQUEST_SUSPEND
					       : ACRN_VM_REQUEST_PAUSE,
					   on_s3_request, s);
	}
	g_message("host sleep: %s %u running VMs",
		  hp->cfg.sleep_action == ACRN_HOST_SLEEP_SUSPEND ? "suspending" : "pausing",
		  hp->s3_pending - 1);
	s3_done_one(hp);
}

static void on_wake_request(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(ACRN_MACHINE(src), res, &error))
		g_warning("host resume: VM '%s' stays as it is: %s",
			  acrn_machine_get_name(ACRN_MACHINE(src)), error->message);
}

static void s3_wake(AcrnHostPower *hp)
{
	GHashTableIter it;
	gpointer key, value;

	hp->s3_wake_pending = FALSE;
	g_message("host resumed: resuming %u VMs", g_hash_table_size(hp->slept));
	g_hash_table_iter_init(&it, hp->slept);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		AcrnMachine *vm = acrn_supervisor_lookup(hp->sup, key);
		gboolean susp = strcmp(value, "suspended") == 0;

		/* Only if still in the state acrnd left it in. */
		if (!vm || acrn_machine_is_busy(vm) ||
		    acrn_machine_get_state(vm) !=
			(susp ? ACRN_VM_STATE_SUSPENDED : ACRN_VM_STATE_PAUSED))
			continue;
		acrn_machine_request_async(vm,
					   susp ? ACRN_VM_REQUEST_WAKEUP : ACRN_VM_REQUEST_RESUME,
					   on_wake_request, NULL);
	}
	g_hash_table_remove_all(hp->slept);
	hp->phase = PHASE_NORMAL;
	update_inhibitor(hp);
}

/* ---- logind's signals ---- */

static void on_prepare(GDBusConnection *conn, const char *sender, const char *path,
		       const char *iface, const char *signal, GVariant *params, gpointer data)
{
	AcrnHostPower *hp = data;
	gboolean start = FALSE;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(b)")))
		return;
	g_variant_get(params, "(b)", &start);
	g_message("logind: %s(%s)", signal, start ? "true" : "false");
	if (strcmp(signal, "PrepareForShutdown") == 0) {
		if (start) {
			s5_start(hp, "logind");
		} else if (hp->phase == PHASE_SHUTDOWN) {
			/* The shutdown was cancelled; finish stopping, then
			 * guard the remaining VMs again. */
			hp->s5_cancelled = TRUE;
		} else if (hp->phase == PHASE_SHUTDOWN_DONE) {
			hp->phase = PHASE_NORMAL;
			update_inhibitor(hp);
		}
	} else if (strcmp(signal, "PrepareForSleep") == 0) {
		if (start)
			s3_sleep(hp);
		else if (hp->phase == PHASE_SLEEP && hp->s3_pending)
			hp->s3_wake_pending = TRUE;
		else if (hp->phase == PHASE_SLEEP)
			s3_wake(hp);
	}
}

/* ---- SIGTERM ---- */

static AcrnVmHostShutdown policy_of(AcrnHostPower *hp, AcrnMachine *vm)
{
	const AcrnVmDef *def = acrn_machine_get_def(vm);

	return def->host_shutdown ? def->host_shutdown : hp->cfg.shutdown_action;
}

/* Active VMs a host shutdown would stop. */
static guint count_to_stop(AcrnHostPower *hp)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(hp->sup);
	guint n = 0;

	for (guint i = 0; i < vms->len; i++)
		n += acrn_machine_is_active(vms->pdata[i]) &&
		     policy_of(hp, vms->pdata[i]) == ACRN_VM_HOST_SHUTDOWN_SHUTDOWN;
	return n;
}

guint acrn_host_power_max_timeout_sec(AcrnHostPower *hp)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(hp->sup);
	guint max = hp->cfg.shutdown_timeout_sec;

	for (guint i = 0; i < vms->len; i++)
		max = MAX(max, acrn_machine_get_def(vms->pdata[i])->host_shutdown_timeout_sec);
	return max;
}

static void on_system_state(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GTask) task = data;
	AcrnHostPower *hp = g_task_get_task_data(task);
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) v = NULL;
	g_autoptr(GError) error = NULL;
	const char *state;

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &error);
	if (!reply) {
		g_message("cannot ask systemd whether the Service VM is shutting down (%s): VMs "
			  "keep running",
			  error->message);
		g_task_return_boolean(task, FALSE);
		return;
	}
	g_variant_get(reply, "(v)", &v);
	state = g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ? g_variant_get_string(v, NULL) : "";
	if (strcmp(state, "stopping") != 0 || hp->phase == PHASE_SLEEP) {
		g_message("systemd's state is '%s', not a Service VM shutdown: VMs keep running",
			  state);
		g_task_return_boolean(task, FALSE);
		return;
	}
	g_message("systemd's state is 'stopping': the Service VM is shutting down");
	g_ptr_array_add(hp->s5_waiters, g_steal_pointer(&task));
	s5_start(hp, "sigterm");
}

void acrn_host_power_terminate_async(AcrnHostPower *hp, GAsyncReadyCallback cb, gpointer data)
{
	GTask *task = g_task_new(NULL, NULL, cb, data);

	g_task_set_task_data(task, hp, NULL);
	if (hp->phase == PHASE_SHUTDOWN) {
		g_ptr_array_add(hp->s5_waiters, task);
		return;
	}
	if (hp->phase == PHASE_SHUTDOWN_DONE) {
		/* logind announced the shutdown already; a VM started since
		 * (after the lock was released) is stopped now. */
		if (count_to_stop(hp) > 0) {
			g_message("host shutdown: VMs were started after the VMs were stopped; "
				  "stopping them too");
			g_ptr_array_add(hp->s5_waiters, task);
			s5_start(hp, "sigterm");
			return;
		}
		g_task_return_boolean(task, TRUE);
		g_object_unref(task);
		return;
	}
	/* SystemState is "stopping" exactly while shutdown.target is active
	 * or has a job queued: a poweroff, reboot or halt, whichever way it
	 * was started.  `systemctl stop acrnd` leaves it "running". */
	g_dbus_connection_call(
	    hp->conn, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.DBus.Properties", "Get",
	    g_variant_new("(ss)", "org.freedesktop.systemd1.Manager", "SystemState"),
	    G_VARIANT_TYPE("(v)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 5000, hp->cancel,
	    on_system_state, task);
}

gboolean acrn_host_power_terminate_finish(AcrnHostPower *hp, GAsyncResult *res)
{
	return g_task_propagate_boolean(G_TASK(res), NULL);
}

/* ---- object ---- */

AcrnHostPower *acrn_host_power_new(GDBusConnection *conn, AcrnSupervisor *sup,
				   const AcrnHostPowerConfig *cfg)
{
	AcrnHostPower *hp = g_new0(AcrnHostPower, 1);

	hp->conn = g_object_ref(conn);
	hp->sup = g_object_ref(sup);
	hp->cfg = *cfg;
	hp->cfg.record_path = g_strdup(cfg->record_path);
	hp->cancel = g_cancellable_new();
	hp->inhibit_fd = -1;
	hp->s5_waiters = g_ptr_array_new_with_free_func(g_object_unref);
	hp->slept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	/* Subscribe before taking the lock, so no announcement is missed. */
	hp->sub_shutdown = g_dbus_connection_signal_subscribe(
	    conn, LOGIND_NAME, LOGIND_IFACE, "PrepareForShutdown", LOGIND_PATH, NULL,
	    G_DBUS_SIGNAL_FLAGS_NONE, on_prepare, hp, NULL);
	hp->sub_sleep = g_dbus_connection_signal_subscribe(
	    conn, LOGIND_NAME, LOGIND_IFACE, "PrepareForSleep", LOGIND_PATH, NULL,
	    G_DBUS_SIGNAL_FLAGS_NONE, on_prepare, hp, NULL);
	hp->added_id = g_signal_connect(sup, "vm-added", G_CALLBACK(on_vm_added), hp);
	hp->removed_id = g_signal_connect(sup, "vm-removed", G_CALLBACK(on_vm_removed), hp);
	hp->changed_id = g_signal_connect(sup, "vm-changed", G_CALLBACK(on_vm_changed), hp);
	hp->watch_id =
	    g_bus_watch_name_on_connection(conn, LOGIND_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
					   on_logind_appeared, on_logind_vanished, hp, NULL);
	return hp;
}

void acrn_host_power_free(AcrnHostPower *hp)
{
	if (!hp)
		return;
	g_cancellable_cancel(hp->cancel);
	g_bus_unwatch_name(hp->watch_id);
	g_dbus_connection_signal_unsubscribe(hp->conn, hp->sub_shutdown);
	g_dbus_connection_signal_unsubscribe(hp->conn, hp->sub_sleep);
	g_clear_signal_handler(&hp->added_id, hp->sup);
	g_clear_signal_handler(&hp->removed_id, hp->sup);
	g_clear_signal_handler(&hp->changed_id, hp->sup);
	/* Exiting drops the lock anyway; closing it says so in the log. */
	release_inhibitor(hp, "acrnd exits");
	g_clear_pointer(&hp->s5_record, g_key_file_free);
	g_ptr_array_unref(hp->s5_waiters);
	g_hash_table_unref(hp->slept);
	g_free(hp->cfg.record_path);
	g_object_unref(hp->cancel);
	g_object_unref(hp->sup);
	g_object_unref(hp->conn);
	g_free(hp);
}
