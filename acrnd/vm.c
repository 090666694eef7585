/* VM lifecycle state machine and acrn-dm supervision. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "acrnd-error.h"
#include "dm-client.h"
#include "dm-process.h"
#include "dm-proto.h"
#include "vm.h"

#define ATTACH_TIMEOUT_MS 5000
#define LOG_MAX_BYTES	  (1 << 20)

typedef enum {
	OP_NONE,
	OP_START, /* also automatic restarts (op_task == NULL) */
	OP_SHUTDOWN,
	OP_REBOOT,
	OP_FORCE_STOP,
	OP_REQUEST, /* pause, resume, suspend, wakeup, reset, blkrescan */
	OP_ATTACH,
	OP_SAVE, /* managed save: guest S3, complete once the guest is in it */
} Op;

struct _AcrnMachine {
	GObject parent;
	const AcrnVmConfig *cfg;
	AcrnVmDef *def;
	gboolean persistent;

	AcrnVmState state;
	char *reason;
	guint64 changed_usec;

	/* the device model process */
	AcrnDmProcess *proc;
	int pid; /* of @proc, kept for messages until the exit is handled */
	AcrnDmClient *dm;
	char *console_path;
	/* The last event that says why the device model ends (poweroff,
	 * reboot, crash, start-failed), or ACRN_DM_EVENT_UNKNOWN. */
	AcrnDmEvent end_event;
	char *end_detail;
	/* The guest's S3 stands for a libvirt managed save (set by
	 * acrn_machine_managed_save_async(), kept in the runtime record). */
	gboolean managed_save;
	gboolean save_waiting; /* the suspend was accepted; waiting for S3 */

	/* the operation in flight */
	Op op;
	GTask *op_task;	 /* NULL once answered early or for internal ops */
	Op preempted_op; /* what a force-stop interrupted */
	GTask *preempted_task;
	char *start_reason;
	gboolean restarting; /* the start in flight is an automatic restart */
	gboolean start_timed_out;
	char *force_reason;
	AcrnVmStopOptions stop_opts;
	gboolean reboot_stopping; /* OP_REBOOT: still in the stop phase */
	guint op_timer;
	guint kill_timer;
	guint reconnect_timer;

	/* The process ended; its last events may still be in the socket. */
	gboolean exit_pending;
	gboolean exit_known;
	int exit_status;
	guint exit_timer;

	GQueue restart_times; /* monotonic usec of recent automatic restarts */
};

G_DEFINE_TYPE(AcrnMachine, acrn_machine, G_TYPE_OBJECT)

enum { SIG_CHANGED, SIG_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *const state_names[] = {"stopped",   "starting", "running", "paused",
					  "suspended", "stopping", "crashed"};

const char *acrn_machine_state_to_string(AcrnVmState state)
{
	return (guint)state < G_N_ELEMENTS(state_names) ? state_names[state] : "unknown";
}

/* ---- accessors ---- */

const AcrnVmDef *acrn_machine_get_def(AcrnMachine *vm)
{
	return vm->def;
}

const char *acrn_machine_get_uuid(AcrnMachine *vm)
{
	return vm->def->uuid;
}

const char *acrn_machine_get_name(AcrnMachine *vm)
{
	return vm->def->name;
}

AcrnVmState acrn_machine_get_state(AcrnMachine *vm)
{
	return vm->state;
}

const char *acrn_machine_get_state_reason(AcrnMachine *vm)
{
	return vm->reason;
}

guint64 acrn_machine_get_state_changed_usec(AcrnMachine *vm)
{
	return vm->changed_usec;
}

guint acrn_machine_get_leader_pid(AcrnMachine *vm)
{
	return (guint)vm->pid;
}

const char *acrn_machine_get_console_path(AcrnMachine *vm)
{
	return vm->console_path;
}

gboolean acrn_machine_is_persistent(AcrnMachine *vm)
{
	return vm->persistent;
}

gboolean acrn_machine_is_active(AcrnMachine *vm)
{
	return vm->state != ACRN_VM_STATE_STOPPED && vm->state != ACRN_VM_STATE_CRASHED;
}

gboolean acrn_machine_is_busy(AcrnMachine *vm)
{
	return vm->op != OP_NONE;
}

char *acrn_machine_runtime_path(const AcrnVmConfig *cfg, const char *uuid, const char *suffix)
{
	return g_strdup_printf("%s/%s%s", cfg->run_dir, uuid, suffix);
}

static void emit_changed(AcrnMachine *vm)
{
	g_signal_emit(vm, signals[SIG_CHANGED], 0);
}

static void emit_event(AcrnMachine *vm, const char *event, const char *detail)
{
	g_info("VM '%s': %s (%s)", vm->def->name, event, detail ? detail : "");
	g_signal_emit(vm, signals[SIG_EVENT], 0, event, detail ? detail : "");
}

static void set_state(AcrnMachine *vm, AcrnVmState state, const char *reason)
{
	if (vm->state != state)
		g_message("VM '%s': %s -> %s (%s)", vm->def->name, state_names[vm->state],
			  state_names[state], reason);
	vm->state = state;
	g_free(vm->reason);
	vm->reason = g_strdup(reason);
	vm->changed_usec = (guint64)g_get_real_time();
	emit_changed(vm);
}

void acrn_machine_replace_def(AcrnMachine *vm, AcrnVmDef *def)
{
	g_return_if_fail(!acrn_machine_is_active(vm));
	acrn_vm_def_free(vm->def);
	vm->def = def;
	emit_changed(vm);
}

void acrn_machine_set_autostart(AcrnMachine *vm, gboolean autostart)
{
	vm->def->autostart = autostart;
	emit_changed(vm);
}

/* ---- helpers for operations ---- */

static GTask *new_task(AcrnMachine *vm, GAsyncReadyCallback cb, gpointer data)
{
	return g_task_new(vm, NULL, cb, data);
}

static void task_fail(GTask *task, AcrndError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void task_fail(GTask *task, AcrndError code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_task_return_error(task, g_error_new_valist(ACRND_ERROR, code, fmt, ap));
	va_end(ap);
	g_object_unref(task);
}

static void task_ok(GTask *task)
{
	g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

/* Common checks: returns FALSE (and answers @task) if the VM is busy. */
static gboolean check_idle(AcrnMachine *vm, GTask *task)
{
	if (vm->op == OP_NONE)
		return TRUE;
	task_fail(task, ACRND_ERROR_BUSY, "VM '%s' is busy with another operation", vm->def->name);
	return FALSE;
}

static gboolean check_state(AcrnMachine *vm, GTask *task, const char *what, guint allowed_mask)
{
	if (allowed_mask & (1u << vm->state))
		return TRUE;
	task_fail(task, ACRND_ERROR_INVALID_STATE, "VM '%s' is %s: cannot %s", vm->def->name,
		  state_names[vm->state], what);
	return FALSE;
}

#define S(x) (1u << ACRN_VM_STATE_##x)

static void finish_op(AcrnMachine *vm)
{
	vm->op = OP_NONE;
	g_clear_handle_id(&vm->op_timer, g_source_remove);
}

static GTask *take_task(AcrnMachine *vm)
{
	return g_steal_pointer(&vm->op_task);
}

static void send_signal(AcrnMachine *vm, int sig)
{
	if (vm->proc)
		acrn_dm_process_signal(vm->proc, sig);
}

/* ---- the device model's exit ---- */

static char *log_tail(AcrnMachine *vm)
{
	g_autofree char *path = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".log");
	g_autofree char *contents = NULL;
	gsize len;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &contents, &len, NULL))
		return NULL;
	lines = g_strsplit(contents, "\n", -1);
	for (int i = (int)g_strv_length(lines) - 1; i >= 0; i--) {
		char *l = g_strstrip(lines[i]);

		if (*l && !g_str_has_prefix(l, "---- acrnd"))
			return g_strndup(l, 300);
	}
	return NULL;
}

static char *describe_status(gboolean known, int status)
{
	if (!known)
		return g_strdup("dm-exited");
	if (WIFEXITED(status))
		return g_strdup_printf("dm-exit:%d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return g_strdup_printf("dm-killed:%s", g_strsignal(WTERMSIG(status)));
	return g_strdup_printf("dm-status:%d", status);
}

static void release_dm(AcrnMachine *vm)
{
	g_autofree char *rec = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".state");
	g_autofree char *sock = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".sock");

	g_clear_pointer(&vm->proc, acrn_dm_process_free);
	g_clear_handle_id(&vm->kill_timer, g_source_remove);
	g_clear_handle_id(&vm->exit_timer, g_source_remove);
	g_clear_handle_id(&vm->reconnect_timer, g_source_remove);
	vm->exit_pending = FALSE;
	if (vm->dm) {
		g_signal_handlers_disconnect_by_data(vm->dm, vm);
		acrn_dm_client_close(vm->dm);
		g_clear_object(&vm->dm);
	}
	vm->pid = 0;
	vm->managed_save = FALSE;
	vm->save_waiting = FALSE;
	g_clear_pointer(&vm->console_path, g_free);
	g_unlink(rec);
	g_unlink(sock);
}

static void do_start(AcrnMachine *vm, const char *reason);

/* Automatic restart (on_* = restart), bounded by the rate limit.  Returns
 * FALSE when the limit is hit. */
static gboolean restart_allowed(AcrnMachine *vm)
{
	gint64 now = g_get_monotonic_time();
	gint64 window = (gint64)vm->cfg->restart_interval_sec * G_USEC_PER_SEC;

	while (!g_queue_is_empty(&vm->restart_times) &&
	       now - *(gint64 *)g_queue_peek_head(&vm->restart_times) > window)
		g_free(g_queue_pop_head(&vm->restart_times));
	if (g_queue_get_length(&vm->restart_times) >= vm->cfg->restart_burst)
		return FALSE;
	g_queue_push_tail(&vm->restart_times, g_memdup2(&now, sizeof(now)));
	return TRUE;
}

/* Why a device model ended, decided once from its last event and its exit
 * status (see on_dm_exit()). */
typedef enum {
	END_POWEROFF,	  /* the guest powered off, or a stop request */
	END_REBOOT,	  /* the guest asked for a reboot */
	END_CRASH,	  /* the guest crashed (e.g. triple fault) */
	END_START_FAILED, /* acrn-dm said why it could not start */
	END_FAILURE,	  /* acrn-dm itself failed or was killed */
} EndKind;

typedef struct {
	EndKind kind;
	char *detail;	   /* the event's message, or the exit status */
	char *status_text; /* "dm-exit:1", "dm-killed:Killed", ... */
} DmEnd;

static void apply_policy(AcrnMachine *vm, const DmEnd *end)
{
	AcrnVmAction action = vm->def->on_crash;
	const char *restart_reason = "restart-on-crash";
	const char *event = "crashed";
	g_autofree char *reason = NULL;
	gboolean crash = TRUE;

	switch (end->kind) {
	case END_POWEROFF:
		action = vm->def->on_poweroff;
		reason = g_strdup("guest-poweroff");
		restart_reason = "restart-on-poweroff";
		event = "stopped";
		crash = FALSE;
		break;
	case END_REBOOT:
		action = vm->def->on_reboot;
		reason = g_strdup("guest-reboot");
		restart_reason = "restart-on-reboot";
		event = "rebooted";
		crash = FALSE;
		break;
	case END_CRASH:
		reason = g_strdup_printf("guest-crash: %s", end->detail);
		break;
	case END_START_FAILED:
	case END_FAILURE:
		reason = g_strdup_printf("dm-crashed: %s", end->detail);
		break;
	}

	if (action == ACRN_VM_ACTION_RESTART) {
		if (!restart_allowed(vm)) {
			g_autofree char *r = g_strdup_printf(
			    "restart-limit: %u restarts within %u s, last: %s",
			    vm->cfg->restart_burst, vm->cfg->restart_interval_sec, reason);

			g_warning("VM '%s': %s", vm->def->name, r);
			set_state(vm, ACRN_VM_STATE_CRASHED, r);
			emit_event(vm, "crashed", "restart-limit");
			return;
		}
		emit_event(vm, event, reason);
		vm->op = OP_START;
		vm->restarting = TRUE;
		do_start(vm, restart_reason);
		return;
	}
	set_state(vm, crash ? ACRN_VM_STATE_CRASHED : ACRN_VM_STATE_STOPPED, reason);
	emit_event(vm, crash ? "crashed" : "stopped", reason);
}

static void finish_preempted(AcrnMachine *vm)
{
	GTask *t = g_steal_pointer(&vm->preempted_task);

	if (!t)
		return;
	if (vm->preempted_op == OP_SHUTDOWN)
		task_ok(t); /* the caller wanted the VM off, and it is */
	else
		task_fail(t, ACRND_ERROR_CANCELLED, "VM '%s': cancelled by a force-stop",
			  vm->def->name);
	vm->preempted_op = OP_NONE;
}

/* ---- one handler per operation the exit interrupts ---- */

/* A re-attach in flight: the VM was found, and has ended since. */
static void exit_while_attaching(AcrnMachine *vm, const DmEnd *end)
{
	GTask *task = take_task(vm);

	finish_op(vm);
	if (task)
		task_ok(task);
	apply_policy(vm, end);
}

/* A start, or the start phase of a reboot. */
static void exit_while_starting(AcrnMachine *vm, const DmEnd *end)
{
	gboolean reboot = vm->op == OP_REBOOT;
	g_autofree char *msg = NULL;
	g_autofree char *reason = NULL;
	GTask *task;

	if (!vm->start_timed_out &&
	    (end->kind == END_POWEROFF || end->kind == END_REBOOT || end->kind == END_CRASH)) {
		/* The guest ran (it powered off, rebooted or crashed) before
		 * we saw "started": acrnd was slower than the guest.  The start
		 * succeeded; then apply the policy. */
		task = take_task(vm);
		finish_op(vm);
		vm->restarting = FALSE;
		set_state(vm, ACRN_VM_STATE_RUNNING, vm->start_reason);
		emit_event(vm, reboot ? "rebooted" : "started", vm->start_reason);
		if (task)
			task_ok(task);
		apply_policy(vm, end);
		return;
	}
	if (vm->start_timed_out)
		msg = g_strdup_printf("no 'started' from the device model within %u ms",
				      vm->cfg->start_timeout_ms);
	else if (end->kind == END_START_FAILED)
		msg = g_strdup(end->detail);
	else
		msg = log_tail(vm);
	if (!msg)
		msg = g_strdup(end->status_text);
	reason = g_strdup_printf("start-failed: %s", msg);
	task = take_task(vm);
	finish_op(vm);
	set_state(vm, vm->restarting ? ACRN_VM_STATE_CRASHED : ACRN_VM_STATE_STOPPED, reason);
	emit_event(vm, vm->restarting ? "crashed" : "stopped", "start-failed");
	vm->restarting = FALSE;
	if (task)
		task_fail(task,
			  vm->start_timed_out ? ACRND_ERROR_TIMEOUT
					      : ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': the device model failed to start: %s", vm->def->name, msg);
}

/* The stop phase of a reboot: a power-off is what it waits for. */
static void exit_while_rebooting(AcrnMachine *vm, const DmEnd *end)
{
	GTask *task;

	if (end->kind == END_POWEROFF) {
		vm->reboot_stopping = FALSE;
		g_clear_handle_id(&vm->op_timer, g_source_remove);
		do_start(vm, "rebooted");
		return;
	}
	task = take_task(vm);
	finish_op(vm);
	if (task)
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': the device model ended during reboot: %s", vm->def->name,
			  end->detail);
	apply_policy(vm, end);
}

/* A force-stop: whatever the device model says, the VM is off as asked. */
static void exit_while_force_stopping(AcrnMachine *vm, const DmEnd *end)
{
	g_autofree char *reason = g_steal_pointer(&vm->force_reason);
	GTask *task = take_task(vm);

	finish_op(vm);
	set_state(vm, ACRN_VM_STATE_STOPPED, reason ? reason : "force-stop");
	emit_event(vm, "stopped", reason ? reason : "force-stop");
	finish_preempted(vm);
	if (task)
		task_ok(task);
}

static void exit_while_shutting_down(AcrnMachine *vm, const DmEnd *end)
{
	GTask *task = take_task(vm);

	finish_op(vm);
	if (end->kind == END_POWEROFF) {
		set_state(vm, ACRN_VM_STATE_STOPPED, "shutdown");
		emit_event(vm, "stopped", "shutdown");
		if (task)
			task_ok(task);
		return;
	}
	if (task)
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': the device model ended during shutdown: %s", vm->def->name,
			  end->detail);
	apply_policy(vm, end);
}

/* No operation, or a request (pause, reset, ...) that cannot complete now. */
static void exit_while_idle(AcrnMachine *vm, const DmEnd *end)
{
	GTask *task = take_task(vm);

	finish_op(vm);
	if (task)
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': the device model ended: %s", vm->def->name, end->detail);
	apply_policy(vm, end);
}

/* What the ending means: the last event wins; without one, the exit code
 * of our own child (acrn-dm's documented codes); otherwise a failure. */
static void dm_end_init(DmEnd *end, AcrnMachine *vm, gboolean known, int status)
{
	end->status_text = describe_status(known, status);
	end->detail = g_steal_pointer(&vm->end_detail);
	switch (vm->end_event) {
	case ACRN_DM_EVENT_POWEROFF:
		end->kind = END_POWEROFF;
		break;
	case ACRN_DM_EVENT_REBOOT:
		end->kind = END_REBOOT;
		break;
	case ACRN_DM_EVENT_CRASH:
		end->kind = END_CRASH;
		break;
	case ACRN_DM_EVENT_START_FAILED:
		end->kind = END_START_FAILED;
		break;
	default:
		end->kind = END_FAILURE;
		if (!known || !WIFEXITED(status))
			break;
		if (WEXITSTATUS(status) == ACRN_DM_EXIT_POWEROFF) {
			end->kind = END_POWEROFF;
		} else if (WEXITSTATUS(status) == ACRN_DM_EXIT_REBOOT) {
			end->kind = END_REBOOT;
		} else if (WEXITSTATUS(status) == ACRN_DM_EXIT_CRASH) {
			end->kind = END_CRASH;
			g_free(end->detail);
			end->detail = g_strdup("guest-crash");
		}
		break;
	}
	vm->end_event = ACRN_DM_EVENT_UNKNOWN;
	if (!end->detail)
		end->detail = g_strdup(end->status_text);
}

static void on_dm_exit(AcrnMachine *vm, gboolean known, int status)
{
	AcrnDmEvent last = vm->end_event;
	DmEnd end;

	dm_end_init(&end, vm, known, status);
	g_message("VM '%s': device model (pid %d) exited: %s%s%s", vm->def->name, vm->pid,
		  end.status_text, last ? ", last event " : "",
		  last ? acrn_dm_event_name(last) : "");
	release_dm(vm);
	switch (vm->op) {
	case OP_ATTACH:
		exit_while_attaching(vm, &end);
		break;
	case OP_START:
		exit_while_starting(vm, &end);
		break;
	case OP_REBOOT:
		if (vm->reboot_stopping)
			exit_while_rebooting(vm, &end);
		else
			exit_while_starting(vm, &end);
		break;
	case OP_FORCE_STOP:
		exit_while_force_stopping(vm, &end);
		break;
	case OP_SHUTDOWN:
		exit_while_shutting_down(vm, &end);
		break;
	case OP_REQUEST:
	case OP_SAVE:
	case OP_NONE:
		exit_while_idle(vm, &end);
		break;
	}
	g_free(end.detail);
	g_free(end.status_text);
}

static void dm_gone(AcrnMachine *vm)
{
	if (!vm->exit_pending)
		return;
	vm->exit_pending = FALSE;
	g_clear_handle_id(&vm->exit_timer, g_source_remove);
	on_dm_exit(vm, vm->exit_known, vm->exit_status);
}

static gboolean on_exit_timer(gpointer data)
{
	AcrnMachine *vm = data;

	vm->exit_timer = 0;
	dm_gone(vm);
	return G_SOURCE_REMOVE;
}

/* The process is gone.  Its final event ("poweroff", "crash", ...) may
 * still sit unread in the control socket, so wait for the channel's EOF
 * (bounded) before deciding what the exit means. */
static void on_process_exit(gboolean known, int status, gpointer data)
{
	AcrnMachine *vm = data;

	vm->exit_pending = TRUE;
	vm->exit_known = known;
	vm->exit_status = status;
	if (vm->dm && acrn_dm_client_is_connected(vm->dm)) {
		vm->exit_timer = g_timeout_add(1000, on_exit_timer, vm);
		return;
	}
	dm_gone(vm);
}

/* ---- control channel events ---- */

/* A start (or the start phase of a reboot) is in flight and nothing, such
 * as a force-stop, has taken over. */
static gboolean waiting_for_start(AcrnMachine *vm)
{
	return vm->op == OP_START || (vm->op == OP_REBOOT && !vm->reboot_stopping);
}

/* Record what a restarted acrnd must know besides the process: the
 * console path and the managed-save mark. */
static void update_record(AcrnMachine *vm)
{
	g_autofree char *path = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".state");
	AcrnRuntimeRecord rec = {0};
	g_autoptr(GError) error = NULL;

	if (!acrn_runtime_record_load(path, &rec, &error)) {
		g_warning("VM '%s': %s", vm->def->name, error->message);
		return;
	}
	g_free(rec.console);
	rec.console = g_strdup(vm->console_path);
	rec.managed_save = vm->managed_save;
	if (!acrn_runtime_record_save(path, &rec, &error))
		g_warning("VM '%s': %s", vm->def->name, error->message);
	acrn_runtime_record_clear(&rec);
}

static const char *suspended_reason(AcrnMachine *vm)
{
	return vm->managed_save ? "managed-save" : "guest-suspend";
}

static void save_done(AcrnMachine *vm, gboolean ok);

static void became_running(AcrnMachine *vm, const char *console)
{
	GTask *task;
	g_autofree char *reason = g_strdup(vm->start_reason ? vm->start_reason : "booted");
	gboolean reboot = vm->op == OP_REBOOT;

	if (console) {
		g_free(vm->console_path);
		vm->console_path = g_strdup(console);
	}
	if (vm->console_path)
		update_record(vm);
	task = take_task(vm);
	finish_op(vm);
	vm->restarting = FALSE;
	set_state(vm, ACRN_VM_STATE_RUNNING, reason);
	emit_event(vm, reboot ? "rebooted" : "started", reason);
	if (task)
		task_ok(task);
}

static void on_dm_event(AcrnDmClient *dm, guint event, GVariant *msg, gpointer data)
{
	AcrnMachine *vm = data;

	switch ((AcrnDmEvent)event) {
	case ACRN_DM_EVENT_STARTED:
		if (vm->state == ACRN_VM_STATE_STARTING && waiting_for_start(vm))
			became_running(vm, acrn_dm_proto_get_str(msg, "console", NULL));
		break;
	case ACRN_DM_EVENT_PAUSED:
		set_state(vm, ACRN_VM_STATE_PAUSED, "paused");
		emit_event(vm, "paused", "");
		break;
	case ACRN_DM_EVENT_RESUMED:
		set_state(vm, ACRN_VM_STATE_RUNNING, "resumed");
		emit_event(vm, "resumed", "");
		break;
	case ACRN_DM_EVENT_SUSPENDED:
		if (vm->managed_save)
			update_record(vm);
		set_state(vm, ACRN_VM_STATE_SUSPENDED, suspended_reason(vm));
		emit_event(vm, "suspended", vm->managed_save ? "managed-save" : "");
		if (vm->save_waiting)
			save_done(vm, TRUE);
		break;
	case ACRN_DM_EVENT_WOKEN: {
		gboolean restored = vm->managed_save;

		if (restored) {
			vm->managed_save = FALSE;
			update_record(vm);
		}
		set_state(vm, ACRN_VM_STATE_RUNNING, restored ? "restored" : "woken");
		emit_event(vm, "woken", restored ? "managed-save" : "");
		break;
	}
	case ACRN_DM_EVENT_RESET:
		if (vm->managed_save) {
			vm->managed_save = FALSE;
			update_record(vm);
		}
		set_state(vm, ACRN_VM_STATE_RUNNING, "reset");
		emit_event(vm, "reset", "");
		break;
	case ACRN_DM_EVENT_POWEROFF:
	case ACRN_DM_EVENT_REBOOT:
	case ACRN_DM_EVENT_CRASH:
	case ACRN_DM_EVENT_START_FAILED:
		/* The process exit that follows decides what happens. */
		vm->end_event = (AcrnDmEvent)event;
		g_free(vm->end_detail);
		vm->end_detail = g_strdup(acrn_dm_proto_get_str(
		    msg, "message",
		    acrn_dm_proto_get_str(msg, "reason", acrn_dm_event_name(event))));
		break;
	case ACRN_DM_EVENT_PROTOCOL_ERROR:
		g_warning("VM '%s': device model reports a protocol error: %s", vm->def->name,
			  acrn_dm_proto_get_str(msg, "message", "?"));
		break;
	case ACRN_DM_EVENT_HELLO:
	case ACRN_DM_EVENT_UNKNOWN:
		g_debug("VM '%s': ignoring event '%s'", vm->def->name, acrn_dm_event_name(event));
		break;
	}
}

static void attach_dm_client(AcrnMachine *vm);
static void schedule_reconnect(AcrnMachine *vm, guint delay_ms);

static void on_dm_closed(AcrnDmClient *dm, gpointer data)
{
	AcrnMachine *vm = data;

	if (vm->exit_pending) {
		dm_gone(vm);
	} else if (vm->pid) {
		g_warning("VM '%s': control channel to acrn-dm (pid %d) closed; reconnecting",
			  vm->def->name, (int)vm->pid);
		schedule_reconnect(vm, 200);
	}
}

static void on_reconnected(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) hello = NULL;
	const char *state;

	hello = acrn_dm_client_connect_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->dm != (gpointer)src || !vm->pid || vm->exit_pending)
		return;
	if (!hello) {
		g_debug("VM '%s': reconnect failed: %s", vm->def->name, error->message);
		schedule_reconnect(vm, 2000);
		return;
	}
	g_message("VM '%s': control channel restored", vm->def->name);
	/* Events may have been missed meanwhile: take the DM's word for the state. */
	state = acrn_dm_proto_get_str(hello, "state", "running");
	if (vm->state == ACRN_VM_STATE_RUNNING || vm->state == ACRN_VM_STATE_PAUSED ||
	    vm->state == ACRN_VM_STATE_SUSPENDED) {
		if (strcmp(state, "paused") == 0 && vm->state != ACRN_VM_STATE_PAUSED) {
			set_state(vm, ACRN_VM_STATE_PAUSED, "paused");
			emit_event(vm, "paused", "");
		} else if (strcmp(state, "suspended") == 0 &&
			   vm->state != ACRN_VM_STATE_SUSPENDED) {
			set_state(vm, ACRN_VM_STATE_SUSPENDED, suspended_reason(vm));
			emit_event(vm, "suspended", vm->managed_save ? "managed-save" : "");
		} else if (strcmp(state, "running") == 0 && vm->state != ACRN_VM_STATE_RUNNING) {
			set_state(vm, ACRN_VM_STATE_RUNNING, "resumed");
			emit_event(vm, "resumed", "");
		}
	}
}

static gboolean on_reconnect_timer(gpointer data)
{
	AcrnMachine *vm = data;

	vm->reconnect_timer = 0;
	if (!vm->pid || vm->exit_pending || (vm->dm && acrn_dm_client_is_connected(vm->dm)))
		return G_SOURCE_REMOVE;
	if (vm->dm) {
		g_signal_handlers_disconnect_by_data(vm->dm, vm);
		acrn_dm_client_close(vm->dm);
		g_clear_object(&vm->dm);
	}
	attach_dm_client(vm);
	acrn_dm_client_connect_async(vm->dm, 2000, NULL, on_reconnected, g_object_ref(vm));
	return G_SOURCE_REMOVE;
}

/* Keep trying while the process lives: a device model that dropped the
 * connection (or restarted its listener) becomes manageable again. */
static void schedule_reconnect(AcrnMachine *vm, guint delay_ms)
{
	if (!vm->reconnect_timer)
		vm->reconnect_timer = g_timeout_add(delay_ms, on_reconnect_timer, vm);
}

static void attach_dm_client(AcrnMachine *vm)
{
	g_autofree char *sock = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".sock");

	vm->dm = acrn_dm_client_new(sock);
	g_signal_connect(vm->dm, "event", G_CALLBACK(on_dm_event), vm);
	g_signal_connect(vm->dm, "closed", G_CALLBACK(on_dm_closed), vm);
}

/* ---- start ---- */

static gboolean on_start_timeout(gpointer data)
{
	AcrnMachine *vm = data;

	vm->op_timer = 0;
	g_warning("VM '%s': device model did not report 'started' within %u ms; killing it",
		  vm->def->name, vm->cfg->start_timeout_ms);
	vm->start_timed_out = TRUE;
	send_signal(vm, SIGKILL);
	return G_SOURCE_REMOVE;
}

static void on_start_connected(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) hello = NULL;
	const char *state;

	hello = acrn_dm_client_connect_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->dm != (gpointer)src || vm->state != ACRN_VM_STATE_STARTING ||
	    !waiting_for_start(vm))
		return;
	if (!hello) {
		/* The exit handler or the start timeout takes it from here. */
		g_warning("VM '%s': %s", vm->def->name, error->message);
		return;
	}
	state = acrn_dm_proto_get_str(hello, "state", "starting");
	if (strcmp(state, "starting") != 0)
		became_running(vm, acrn_dm_proto_get_str(hello, "console", NULL));
}

static void start_failed_now(AcrnMachine *vm, AcrndError code, const char *msg)
{
	GTask *task = take_task(vm);
	g_autofree char *reason = g_strdup_printf("start-failed: %s", msg);

	finish_op(vm);
	set_state(vm, vm->restarting ? ACRN_VM_STATE_CRASHED : ACRN_VM_STATE_STOPPED, reason);
	emit_event(vm, vm->restarting ? "crashed" : "stopped", "start-failed");
	vm->restarting = FALSE;
	if (task)
		task_fail(task, code, "VM '%s': %s", vm->def->name, msg);
}

static int open_log(AcrnMachine *vm, GError **error)
{
	g_autofree char *path = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".log");
	GStatBuf st;
	int fd;

	/* Keep the log bounded across many restarts. */
	if (g_stat(path, &st) == 0 && st.st_size > LOG_MAX_BYTES)
		g_unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
			    "cannot open log '%s': %s", path, g_strerror(errno));
	return fd;
}

static void do_start(AcrnMachine *vm, const char *reason)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *sock = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".sock");
	g_autofree char *rec_path = acrn_machine_runtime_path(vm->cfg, vm->def->uuid, ".state");
	g_autofree char *cmd = NULL;
	g_auto(GStrv) argv = NULL;
	AcrnDmArgvOptions opts = {vm->cfg->dm_path, sock};
	AcrnRuntimeRecord rec = {0};
	int pid;
	int logfd;

	g_free(vm->start_reason);
	vm->start_reason = g_strdup(reason);
	vm->start_timed_out = FALSE;
	vm->end_event = ACRN_DM_EVENT_UNKNOWN;
	g_clear_pointer(&vm->end_detail, g_free);
	set_state(vm, ACRN_VM_STATE_STARTING, "starting");

	argv = acrn_vm_def_to_dm_argv(vm->def, &opts, &error);
	if (!argv) {
		start_failed_now(vm, ACRND_ERROR_INVALID_CONFIG, error->message);
		return;
	}
	if (!acrn_store_ensure_dir(vm->cfg->run_dir, 0755, &error) ||
	    (logfd = open_log(vm, &error)) < 0) {
		start_failed_now(vm, ACRND_ERROR_FAILED, error->message);
		return;
	}
	cmd = g_strjoinv(" ", argv);
	{
		g_autofree char *hdr = g_strdup_printf("---- acrnd: %s\n", cmd);

		if (write(logfd, hdr, strlen(hdr)) < 0)
			g_debug("log write failed");
	}
	if (acrn_dm_control_socket_answers(sock)) {
		g_autofree char *msg = g_strdup_printf(
		    "a device model for this VM may still be running: its control socket %s "
		    "accepts connections, but acrnd has no runtime record of it; stop that "
		    "process first",
		    sock);

		close(logfd);
		g_warning("VM '%s': %s", vm->def->name, msg);
		start_failed_now(vm, ACRND_ERROR_INVALID_STATE, msg);
		return;
	}
	g_unlink(sock);
	g_debug("VM '%s': running %s", vm->def->name, cmd);
	vm->proc = acrn_dm_process_spawn(argv, logfd, on_process_exit, vm, &error);
	close(logfd);
	if (!vm->proc) {
		start_failed_now(vm, ACRND_ERROR_DEVICE_MODEL_FAILED, error->message);
		return;
	}
	pid = vm->pid = acrn_dm_process_get_pid(vm->proc);

	rec.pid = pid;
	rec.start_time = acrn_proc_start_time(pid);
	rec.socket = sock;
	rec.transient = !vm->persistent;
	if (!acrn_runtime_record_save(rec_path, &rec, &error)) {
		/* Without the record a restarted acrnd would not know this
		 * device model and could start a second one for the VM: a VM
		 * never runs without it. */
		g_warning("VM '%s': cannot write the runtime record; stopping the device model: "
			  "%s",
			  vm->def->name, error->message);
		vm->end_event = ACRN_DM_EVENT_START_FAILED;
		vm->end_detail =
		    g_strdup_printf("cannot write the runtime record: %s", error->message);
		send_signal(vm, SIGKILL);
		emit_changed(vm);
		return;
	}
	emit_changed(vm); /* LeaderPID */
	emit_event(vm, "starting", reason);

	attach_dm_client(vm);
	vm->op_timer = g_timeout_add(vm->cfg->start_timeout_ms, on_start_timeout, vm);
	acrn_dm_client_connect_async(vm->dm, vm->cfg->start_timeout_ms, NULL, on_start_connected,
				     g_object_ref(vm));
}

void acrn_machine_start_async(AcrnMachine *vm, const char *reason, GAsyncReadyCallback cb,
			      gpointer data)
{
	GTask *task = new_task(vm, cb, data);

	if (!check_idle(vm, task) || !check_state(vm, task, "start", S(STOPPED) | S(CRASHED)))
		return;
	vm->op = OP_START;
	vm->op_task = task;
	vm->restarting = FALSE;
	do_start(vm, reason ? reason : "booted");
}

/* ---- force stop ---- */

static gboolean on_kill_timer(gpointer data)
{
	AcrnMachine *vm = data;

	vm->kill_timer = 0;
	g_warning("VM '%s': device model still alive after force-stop; sending SIGKILL",
		  vm->def->name);
	send_signal(vm, SIGKILL);
	return G_SOURCE_REMOVE;
}

static void on_force_stop_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;

	reply = acrn_dm_client_request_finish(ACRN_DM_CLIENT(src), res, &error);
	if (!reply && vm->op == OP_FORCE_STOP && vm->pid) {
		g_debug("VM '%s': force-stop request failed (%s); killing", vm->def->name,
			error->message);
		send_signal(vm, SIGKILL);
	}
}

static void do_force_stop(AcrnMachine *vm, const char *reason)
{
	g_free(vm->force_reason);
	vm->force_reason = g_strdup(reason);
	vm->op = OP_FORCE_STOP;
	g_clear_handle_id(&vm->op_timer, g_source_remove);
	if (vm->dm && acrn_dm_client_is_connected(vm->dm)) {
		acrn_dm_client_request_async(vm->dm, "force-stop", NULL, on_force_stop_reply,
					     g_object_ref(vm));
		vm->kill_timer = g_timeout_add(vm->cfg->kill_grace_ms, on_kill_timer, vm);
	} else {
		send_signal(vm, SIGKILL);
	}
}

void acrn_machine_force_stop_async(AcrnMachine *vm, GAsyncReadyCallback cb, gpointer data)
{
	GTask *task = new_task(vm, cb, data);

	if (vm->op == OP_SHUTDOWN || vm->op == OP_REBOOT || vm->op == OP_START ||
	    vm->op == OP_SAVE) {
		vm->save_waiting = FALSE;
		vm->preempted_op = vm->op;
		vm->preempted_task = take_task(vm);
		vm->restarting = FALSE;
	} else if (!check_idle(vm, task)) {
		return;
	}
	if (!acrn_machine_is_active(vm) || !vm->pid) {
		finish_op(vm);
		task_fail(task, ACRND_ERROR_INVALID_STATE, "VM '%s' is %s: cannot force-stop",
			  vm->def->name, state_names[vm->state]);
		return;
	}
	vm->op_task = task;
	do_force_stop(vm, "force-stop");
}

/* ---- graceful stop and reboot ---- */

static gboolean on_stop_timeout(gpointer data)
{
	AcrnMachine *vm = data;
	GTask *task;

	vm->op_timer = 0;
	if (vm->stop_opts.force_after_timeout) {
		g_message("VM '%s': no power-off within %u s; forcing", vm->def->name,
			  vm->stop_opts.timeout_sec);
		if (vm->op == OP_REBOOT) {
			/* Keep the reboot going: force off, then start. */
			vm->reboot_stopping = TRUE;
			if (vm->dm && acrn_dm_client_is_connected(vm->dm))
				acrn_dm_client_request_async(vm->dm, "force-stop", NULL,
							     on_force_stop_reply, g_object_ref(vm));
			vm->kill_timer = g_timeout_add(vm->cfg->kill_grace_ms, on_kill_timer, vm);
			return G_SOURCE_REMOVE;
		}
		vm->preempted_op = OP_SHUTDOWN;
		vm->preempted_task = take_task(vm);
		do_force_stop(vm, "force-stop: shutdown timed out");
		return G_SOURCE_REMOVE;
	}
	task = take_task(vm);
	finish_op(vm);
	set_state(vm, ACRN_VM_STATE_RUNNING, "shutdown-timeout");
	emit_event(vm, "shutdown-timeout", "");
	if (task)
		task_fail(task, ACRND_ERROR_TIMEOUT, "VM '%s' did not power off within %u s",
			  vm->def->name, vm->stop_opts.timeout_sec);
	return G_SOURCE_REMOVE;
}

static void on_stop_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GTask *task;

	reply = acrn_dm_client_request_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->op != OP_SHUTDOWN && vm->op != OP_REBOOT)
		return; /* preempted or already over */
	if (!reply) {
		if (!vm->pid)
			return; /* the exit handler answered */
		task = take_task(vm);
		finish_op(vm);
		if (task)
			task_fail(task, error->code, "VM '%s': %s", vm->def->name, error->message);
		return;
	}
	if (vm->state == ACRN_VM_STATE_RUNNING)
		set_state(vm, ACRN_VM_STATE_STOPPING,
			  vm->op == OP_REBOOT ? "reboot-requested" : "shutdown-requested");
	emit_event(vm, "shutdown-requested", vm->op == OP_REBOOT ? "reboot" : "shutdown");
	vm->op_timer = g_timeout_add_seconds(vm->stop_opts.timeout_sec, on_stop_timeout, vm);
	if (!vm->stop_opts.wait) {
		task = take_task(vm);
		if (task)
			task_ok(task);
	}
}

static void begin_stop(AcrnMachine *vm, Op op, GTask *task, const AcrnVmStopOptions *opts)
{
	if (opts->timeout_sec == 0) {
		/* The transport refuses it already (InvalidArgs). */
		task_fail(task, ACRND_ERROR_FAILED, "VM '%s': a stop timeout of 0 s is not allowed",
			  vm->def->name);
		return;
	}
	if (!check_idle(vm, task) ||
	    !check_state(vm, task, op == OP_REBOOT ? "reboot" : "shut down", S(RUNNING)))
		return;
	if (!vm->dm || !acrn_dm_client_is_connected(vm->dm)) {
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': no control channel to the device model (use force-stop)",
			  vm->def->name);
		return;
	}
	vm->op = op;
	vm->op_task = task;
	vm->stop_opts = *opts;
	vm->reboot_stopping = op == OP_REBOOT;
	acrn_dm_client_request_async(vm->dm, "stop", NULL, on_stop_reply, g_object_ref(vm));
}

void acrn_machine_shutdown_async(AcrnMachine *vm, const AcrnVmStopOptions *opts,
				 GAsyncReadyCallback cb, gpointer data)
{
	begin_stop(vm, OP_SHUTDOWN, new_task(vm, cb, data), opts);
}

void acrn_machine_reboot_async(AcrnMachine *vm, const AcrnVmStopOptions *opts,
			       GAsyncReadyCallback cb, gpointer data)
{
	begin_stop(vm, OP_REBOOT, new_task(vm, cb, data), opts);
}

/* ---- simple requests ---- */

static void on_request_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GTask *task;

	reply = acrn_dm_client_request_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->op != OP_REQUEST)
		return;
	task = take_task(vm);
	finish_op(vm);
	if (!task)
		return;
	if (!reply)
		task_fail(task, error->code, "VM '%s': %s", vm->def->name, error->message);
	else
		task_ok(task);
}

static void send_request(AcrnMachine *vm, GTask *task, const char *what, guint allowed,
			 const char *request, GVariant *args)
{
	if (!check_idle(vm, task) || !check_state(vm, task, what, allowed)) {
		if (args)
			g_variant_unref(g_variant_ref_sink(args));
		return;
	}
	if (!vm->dm || !acrn_dm_client_is_connected(vm->dm)) {
		if (args)
			g_variant_unref(g_variant_ref_sink(args));
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': no control channel to the device model", vm->def->name);
		return;
	}
	vm->op = OP_REQUEST;
	vm->op_task = task;
	/* The DM emits the state event before the reply, so the new state is
	 * visible when the caller gets its answer. */
	acrn_dm_client_request_async(vm->dm, request, args, on_request_reply, g_object_ref(vm));
}

void acrn_machine_request_async(AcrnMachine *vm, AcrnVmRequest req, GAsyncReadyCallback cb,
				gpointer data)
{
	GTask *task = new_task(vm, cb, data);

	switch (req) {
	case ACRN_VM_REQUEST_PAUSE:
		send_request(vm, task, "pause", S(RUNNING), "pause", NULL);
		break;
	case ACRN_VM_REQUEST_RESUME:
		send_request(vm, task, "resume", S(PAUSED), "resume", NULL);
		break;
	case ACRN_VM_REQUEST_SUSPEND:
		send_request(vm, task, "suspend", S(RUNNING), "suspend", NULL);
		break;
	case ACRN_VM_REQUEST_WAKEUP:
		send_request(vm, task, "wake up", S(SUSPENDED), "wakeup", NULL);
		break;
	case ACRN_VM_REQUEST_RESET:
		send_request(vm, task, "reset", S(RUNNING) | S(PAUSED) | S(SUSPENDED), "reset",
			     NULL);
		break;
	}
}

/* ---- managed save ---- */

static void save_done(AcrnMachine *vm, gboolean ok)
{
	GTask *task = take_task(vm);

	vm->save_waiting = FALSE;
	finish_op(vm);
	if (!task)
		return;
	if (ok)
		task_ok(task);
	else
		task_fail(task, ACRND_ERROR_TIMEOUT,
			  "VM '%s': the guest did not enter S3 within %u s; it keeps running "
			  "and has no managed save",
			  vm->def->name, vm->stop_opts.timeout_sec);
}

static gboolean on_save_timeout(gpointer data)
{
	AcrnMachine *vm = data;

	vm->op_timer = 0;
	/* Should the guest sleep later, that is its own S3, not a save. */
	vm->managed_save = FALSE;
	save_done(vm, FALSE);
	return G_SOURCE_REMOVE;
}

static void on_save_reply(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GError) error = NULL;
	GTask *task;

	reply = acrn_dm_client_request_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->op != OP_SAVE)
		return;
	if (!reply) {
		vm->managed_save = FALSE;
		task = take_task(vm);
		finish_op(vm);
		if (task)
			task_fail(task, error->code, "VM '%s': %s", vm->def->name, error->message);
		return;
	}
	if (vm->state == ACRN_VM_STATE_SUSPENDED) {
		save_done(vm, TRUE);
		return;
	}
	/* The request is made; the guest sleeps when it is ready to. */
	vm->save_waiting = TRUE;
	vm->op_timer = g_timeout_add_seconds(vm->stop_opts.timeout_sec, on_save_timeout, vm);
}

void acrn_machine_managed_save_async(AcrnMachine *vm, guint timeout_sec, GAsyncReadyCallback cb,
				     gpointer data)
{
	GTask *task = new_task(vm, cb, data);

	if (!check_idle(vm, task) || !check_state(vm, task, "save", S(RUNNING)))
		return;
	if (timeout_sec == 0) {
		task_fail(task, ACRND_ERROR_FAILED, "VM '%s': a save timeout of 0 s is not allowed",
			  vm->def->name);
		return;
	}
	if (!vm->dm || !acrn_dm_client_is_connected(vm->dm)) {
		task_fail(task, ACRND_ERROR_DEVICE_MODEL_FAILED,
			  "VM '%s': no control channel to the device model", vm->def->name);
		return;
	}
	vm->op = OP_SAVE;
	vm->op_task = task;
	vm->managed_save = TRUE;
	vm->stop_opts.timeout_sec = timeout_sec;
	acrn_dm_client_request_async(vm->dm, "suspend", NULL, on_save_reply, g_object_ref(vm));
}

void acrn_machine_blkrescan_async(AcrnMachine *vm, guint slot, const char *path,
				  GAsyncReadyCallback cb, gpointer data)
{
	GTask *task = new_task(vm, cb, data);
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&b, "{sv}", "slot", g_variant_new_int64(slot));
	g_variant_builder_add(&b, "{sv}", "path", g_variant_new_string(path));
	send_request(vm, task, "rescan a block device", S(RUNNING) | S(PAUSED), "blkrescan",
		     g_variant_builder_end(&b));
}

/* ---- re-attach ---- */

static void on_attach_connected(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnMachine) vm = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) hello = NULL;
	const char *state;
	GTask *task;

	hello = acrn_dm_client_connect_finish(ACRN_DM_CLIENT(src), res, &error);
	if (vm->op != OP_ATTACH || vm->dm != (gpointer)src)
		return;
	task = take_task(vm);
	finish_op(vm);
	if (!hello) {
		/* The guest still runs; we just cannot talk to its DM. */
		g_warning("VM '%s': re-attached to pid %d without control channel: %s",
			  vm->def->name, (int)vm->pid, error->message);
		set_state(vm, ACRN_VM_STATE_RUNNING, "reattached: no control channel");
		schedule_reconnect(vm, 2000);
	} else {
		const char *console = acrn_dm_proto_get_str(hello, "console", NULL);

		if (console) {
			g_free(vm->console_path);
			vm->console_path = g_strdup(console);
		}
		state = acrn_dm_proto_get_str(hello, "state", "running");
		if (strcmp(state, "paused") == 0) {
			set_state(vm, ACRN_VM_STATE_PAUSED, "reattached");
		} else if (strcmp(state, "suspended") == 0) {
			set_state(vm, ACRN_VM_STATE_SUSPENDED,
				  vm->managed_save ? "managed-save" : "reattached");
		} else if (strcmp(state, "starting") == 0) {
			/* Still booting: wait for "started" like a normal start. */
			vm->op = OP_START;
			g_free(vm->start_reason);
			vm->start_reason = g_strdup("booted");
			set_state(vm, ACRN_VM_STATE_STARTING, "starting");
			vm->op_timer =
			    g_timeout_add(vm->cfg->start_timeout_ms, on_start_timeout, vm);
		} else {
			set_state(vm, ACRN_VM_STATE_RUNNING, "reattached");
		}
	}
	emit_event(vm, "reattached", acrn_machine_state_to_string(vm->state));
	if (task)
		task_ok(task);
}

void acrn_machine_attach_async(AcrnMachine *vm, const AcrnRuntimeRecord *rec,
			       GAsyncReadyCallback cb, gpointer data)
{
	GTask *task = new_task(vm, cb, data);
	g_autoptr(GError) error = NULL;

	if (!check_idle(vm, task) || !check_state(vm, task, "re-attach", S(STOPPED) | S(CRASHED)))
		return;
	vm->proc = acrn_dm_process_adopt(rec->pid, rec->start_time, on_process_exit, vm, &error);
	if (!vm->proc) {
		/* Why it ended is unknown: it exited while nobody watched. */
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
			set_state(vm, ACRN_VM_STATE_STOPPED, "dm-exited-while-acrnd-down");
		task_fail(task, ACRND_ERROR_FAILED, "VM '%s': device model: %s", vm->def->name,
			  error->message);
		return;
	}
	vm->pid = rec->pid;
	vm->managed_save = rec->managed_save;
	g_free(vm->console_path);
	vm->console_path = g_strdup(rec->console);
	vm->op = OP_ATTACH;
	vm->op_task = task;
	g_message("VM '%s': re-attaching to acrn-dm pid %d", vm->def->name, rec->pid);
	attach_dm_client(vm);
	emit_changed(vm);
	acrn_dm_client_connect_async(vm->dm, ATTACH_TIMEOUT_MS, NULL, on_attach_connected,
				     g_object_ref(vm));
}

gboolean acrn_machine_op_finish(AcrnMachine *vm, GAsyncResult *res, GError **error)
{
	return g_task_propagate_boolean(G_TASK(res), error);
}

/* ---- object ---- */

AcrnMachine *acrn_machine_new(const AcrnVmConfig *cfg, AcrnVmDef *def, gboolean persistent)
{
	AcrnMachine *vm = g_object_new(ACRN_TYPE_MACHINE, NULL);

	vm->cfg = cfg;
	vm->def = def;
	vm->persistent = persistent;
	vm->reason = g_strdup("defined");
	vm->changed_usec = (guint64)g_get_real_time();
	return vm;
}

static void acrn_machine_dispose(GObject *obj)
{
	AcrnMachine *vm = ACRN_MACHINE(obj);

	/* Dropping the object does not stop the VM: acrn-dm keeps running and
	 * a later acrnd re-attaches to it. */
	g_clear_pointer(&vm->proc, acrn_dm_process_free);
	g_clear_handle_id(&vm->op_timer, g_source_remove);
	g_clear_handle_id(&vm->kill_timer, g_source_remove);
	g_clear_handle_id(&vm->exit_timer, g_source_remove);
	g_clear_handle_id(&vm->reconnect_timer, g_source_remove);
	if (vm->dm) {
		g_signal_handlers_disconnect_by_data(vm->dm, vm);
		g_clear_object(&vm->dm);
	}
	G_OBJECT_CLASS(acrn_machine_parent_class)->dispose(obj);
}

static void acrn_machine_finalize(GObject *obj)
{
	AcrnMachine *vm = ACRN_MACHINE(obj);

	acrn_vm_def_free(vm->def);
	g_free(vm->reason);
	g_free(vm->console_path);
	g_free(vm->end_detail);
	g_free(vm->start_reason);
	g_free(vm->force_reason);
	g_queue_clear_full(&vm->restart_times, g_free);
	G_OBJECT_CLASS(acrn_machine_parent_class)->finalize(obj);
}

static void acrn_machine_init(AcrnMachine *vm)
{
	g_queue_init(&vm->restart_times);
}

static void acrn_machine_class_init(AcrnMachineClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);

	oc->dispose = acrn_machine_dispose;
	oc->finalize = acrn_machine_finalize;
	signals[SIG_CHANGED] = g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
					    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
	signals[SIG_EVENT] =
	    g_signal_new("event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
			 G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}
