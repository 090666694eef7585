/* VM collection, persistence of definitions, re-attach and autostart. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "acrnd-error.h"
#include "journal.h"
#include "store.h"
#include "supervisor.h"

/* Definitions wait in the journal until no definition has come for this
 * long, then go to their files a few at a time between other work (each
 * batch holds the main loop for its files' flushes and one of the
 * directory). */
#define WRITE_OUT_QUIET_MS 500
#define WRITE_OUT_BATCH	   8
#define WRITE_OUT_RETRY_MS 5000

struct _AcrnSupervisor {
	GObject parent;
	AcrnVmConfig cfg;
	char *state_dir;
	GHashTable *by_uuid;	/* uuid -> AcrnMachine (owned) */
	GHashTable *by_name;	/* name -> AcrnMachine (borrowed) */
	GQueue autostart_queue; /* of AcrnMachine refs */
	guint autostart_delay_ms, autostart_timer;
	/* Temporary files of interrupted writes found while loading. */
	GPtrArray *stale_tmp;
	/* Persistent definitions are acknowledged once in the journal.  Every
	 * UUID with a record in the journal file is a key of `journaled`, its
	 * value the XML still to be written to the definition file, or NULL
	 * once written.  The journal file goes when all are written. */
	AcrnJournal *journal;
	GHashTable *journaled;
	/* Only the acrnd that owns the bus name writes the journal or removes
	 * it (acrn_supervisor_recover_store). */
	gboolean store_owned;
	/* The journal left by the last run could not be read: it stays as it
	 * is for the administrator, and definitions go straight to files. */
	gboolean journal_unreadable;
	gint64 last_journaled; /* monotonic time of the last record */
	guint write_out_source;
};

G_DEFINE_TYPE(AcrnSupervisor, acrn_supervisor, G_TYPE_OBJECT)

enum { SIG_ADDED, SIG_REMOVED, SIG_VM_CHANGED, SIG_VM_EVENT, N_SIGNALS };
static guint signals[N_SIGNALS];

void acrn_vm_config_clear(AcrnVmConfig *cfg)
{
	g_clear_pointer(&cfg->dm_path, g_free);
	g_clear_pointer(&cfg->run_dir, g_free);
}

static char *def_path(AcrnSupervisor *sup, const char *uuid)
{
	return g_strdup_printf("%s/%s.xml", sup->state_dir, uuid);
}

static char *transient_path(AcrnSupervisor *sup, const char *uuid)
{
	return acrn_machine_runtime_path(&sup->cfg, uuid, ".xml");
}

/* ---- the journal and the definition files ---- */

static void schedule_write_out(AcrnSupervisor *sup, guint delay_ms);

/* Writes every definition still only in the journal to its file, then
 * removes the journal: nothing is left that a restart would replay. */
static gboolean write_out_all(AcrnSupervisor *sup, GError **error)
{
	GHashTableIter it;
	gpointer key, value;
	guint n = 0;

	g_hash_table_iter_init(&it, sup->journaled);
	while (g_hash_table_iter_next(&it, &key, &value)) {
		g_autofree char *path = def_path(sup, key);

		if (!value)
			continue;
		if (!acrn_store_replace(path, value, strlen(value), 0600, error))
			return FALSE;
		n++;
	}
	if ((n && !acrn_store_sync_dir(sup->state_dir, error)) ||
	    !acrn_journal_remove(sup->journal, error))
		return FALSE;
	g_hash_table_remove_all(sup->journaled);
	g_clear_handle_id(&sup->write_out_source, g_source_remove);
	return TRUE;
}

/* A batch of definition files per main loop iteration, once definitions
 * stopped coming: a burst of them pays one journal flush each, and the
 * files' own flushes come later without holding up other calls for long. */
static gboolean on_write_out(gpointer data)
{
	AcrnSupervisor *sup = data;
	gint64 quiet = g_get_monotonic_time() - sup->last_journaled;
	g_autoptr(GError) error = NULL;
	GHashTableIter it;
	gpointer key, value;
	guint n = 0;

	sup->write_out_source = 0;
	if (quiet < WRITE_OUT_QUIET_MS * 1000) {
		schedule_write_out(sup, (guint)(WRITE_OUT_QUIET_MS - quiet / 1000));
		return G_SOURCE_REMOVE;
	}
	g_hash_table_iter_init(&it, sup->journaled);
	while (n < WRITE_OUT_BATCH && g_hash_table_iter_next(&it, &key, &value)) {
		g_autofree char *path = def_path(sup, key);

		if (!value)
			continue;
		if (!acrn_store_replace(path, value, strlen(value), 0600, &error))
			goto retry;
		g_hash_table_iter_replace(&it, NULL);
		n++;
	}
	if (n && !acrn_store_sync_dir(sup->state_dir, &error))
		goto retry;
	if (n == WRITE_OUT_BATCH) {
		sup->write_out_source = g_idle_add_full(G_PRIORITY_LOW, on_write_out, sup, NULL);
		return G_SOURCE_REMOVE;
	}
	if (!write_out_all(sup, &error))
		goto retry;
	return G_SOURCE_REMOVE;

retry:
	/* The journal still holds everything: nothing is lost by waiting. */
	g_warning("cannot write out journaled VM definitions (retrying): %s", error->message);
	schedule_write_out(sup, WRITE_OUT_RETRY_MS);
	return G_SOURCE_REMOVE;
}

static void schedule_write_out(AcrnSupervisor *sup, guint delay_ms)
{
	if (!sup->write_out_source)
		sup->write_out_source = g_timeout_add(delay_ms, on_write_out, sup);
}

/* The journal's record of @uuid would bring an out-of-date definition back
 * at the next start: write everything out first. */
static gboolean settle_journal(AcrnSupervisor *sup, const char *uuid, GError **error)
{
	g_autoptr(GError) e = NULL;

	if (!g_hash_table_contains(sup->journaled, uuid))
		return TRUE;
	if (!sup->store_owned) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_BUSY,
			    "acrnd is still recovering the definition of VM %s; try again", uuid);
		return FALSE;
	}
	if (!write_out_all(sup, &e)) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_FAILED,
			    "cannot write out journaled definitions: %s", e->message);
		return FALSE;
	}
	return TRUE;
}

static gboolean journal_def(AcrnSupervisor *sup, const char *uuid, char *xml, GError **error)
{
	g_autoptr(GError) e = NULL;

	if (!acrn_journal_append(sup->journal, uuid, xml, &e)) {
		/* Full: write everything out and start a new one. */
		if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
			goto fail;
		g_clear_error(&e);
		if (!write_out_all(sup, &e) || !acrn_journal_append(sup->journal, uuid, xml, &e))
			goto fail;
	}
	g_hash_table_replace(sup->journaled, g_strdup(uuid), xml);
	sup->last_journaled = g_get_monotonic_time();
	schedule_write_out(sup, WRITE_OUT_QUIET_MS);
	return TRUE;

fail:
	g_propagate_error(error, g_steal_pointer(&e));
	g_free(xml);
	return FALSE;
}

static gboolean save_def(AcrnSupervisor *sup, const AcrnVmDef *def, gboolean persistent,
			 GError **error)
{
	g_autofree char *xml = acrn_vm_def_to_xml(def);
	g_autofree char *path =
	    persistent ? def_path(sup, def->uuid) : transient_path(sup, def->uuid);
	g_autoptr(GError) e = NULL;
	gsize len = strlen(xml);

	if (!acrn_store_ensure_dir(persistent ? sup->state_dir : sup->cfg.run_dir, 0755, &e))
		goto fail;
	if (persistent && sup->store_owned && !sup->journal_unreadable) {
		if (journal_def(sup, def->uuid, g_steal_pointer(&xml), &e))
			return TRUE;
		/* Larger than the whole journal: its own file after all. */
		if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
			goto fail;
		g_clear_error(&e);
		xml = acrn_vm_def_to_xml(def);
	} else if (persistent && !settle_journal(sup, def->uuid, error)) {
		return FALSE;
	}
	if (acrn_store_write_atomic(path, xml, len, 0600, &e))
		return TRUE;
fail:
	g_set_error(error, ACRND_ERROR, ACRND_ERROR_FAILED,
		    "cannot save the definition of '%s': %s", def->name, e->message);
	return FALSE;
}

/* ---- lookup ---- */

AcrnMachine *acrn_supervisor_lookup(AcrnSupervisor *sup, const char *name_or_uuid)
{
	char uuid[37];
	AcrnMachine *vm = g_hash_table_lookup(sup->by_name, name_or_uuid);

	if (vm)
		return vm;
	if (acrn_vm_uuid_normalize(name_or_uuid, uuid))
		return g_hash_table_lookup(sup->by_uuid, uuid);
	return NULL;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	AcrnMachine *va = *(AcrnMachine *const *)a, *vb = *(AcrnMachine *const *)b;

	return strcmp(acrn_machine_get_name(va), acrn_machine_get_name(vb));
}

GPtrArray *acrn_supervisor_list(AcrnSupervisor *sup)
{
	GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(sup->by_uuid));
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, sup->by_uuid);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(all, value);
	g_ptr_array_sort(all, compare_names);
	return all;
}

guint acrn_supervisor_count(AcrnSupervisor *sup)
{
	return g_hash_table_size(sup->by_uuid);
}

/* ---- adding and removing ---- */

static void remove_vm(AcrnSupervisor *sup, AcrnMachine *vm)
{
	g_autoptr(AcrnMachine) hold = g_object_ref(vm);

	g_hash_table_remove(sup->by_name, acrn_machine_get_name(vm));
	g_hash_table_remove(sup->by_uuid, acrn_machine_get_uuid(vm));
	g_signal_emit(sup, signals[SIG_REMOVED], 0, vm);
	/* Calls still holding the VM may end later: nobody hears of it. */
	g_signal_handlers_disconnect_by_data(vm, sup);
}

static gboolean remove_transient_idle(gpointer data)
{
	AcrnMachine *vm = data;
	AcrnSupervisor *sup = g_object_get_data(G_OBJECT(vm), "acrn-supervisor");

	if (sup && !acrn_machine_is_active(vm) && !acrn_machine_is_busy(vm) &&
	    g_hash_table_lookup(sup->by_uuid, acrn_machine_get_uuid(vm)) == vm) {
		g_autofree char *path = transient_path(sup, acrn_machine_get_uuid(vm));

		g_unlink(path);
		g_signal_emit_by_name(vm, "event", "undefined", "transient");
		remove_vm(sup, vm);
	}
	return G_SOURCE_REMOVE;
}

static void on_vm_event(AcrnMachine *vm, const char *event, const char *detail, gpointer data)
{
	/* A transient VM disappears once it is off for good. */
	if (!acrn_machine_is_persistent(vm) &&
	    (strcmp(event, "stopped") == 0 || strcmp(event, "crashed") == 0))
		g_idle_add_full(G_PRIORITY_DEFAULT, remove_transient_idle, g_object_ref(vm),
				g_object_unref);
	g_signal_emit(data, signals[SIG_VM_EVENT], 0, vm, event, detail);
}

static void on_vm_changed(AcrnMachine *vm, gpointer data)
{
	g_signal_emit(data, signals[SIG_VM_CHANGED], 0, vm);
}

static AcrnMachine *add_vm(AcrnSupervisor *sup, AcrnVmDef *def, gboolean persistent)
{
	AcrnMachine *vm = acrn_machine_new(&sup->cfg, def, persistent);

	g_object_set_data(G_OBJECT(vm), "acrn-supervisor", sup);
	/* The only handlers on the VM: everyone else listens to vm-changed
	 * and vm-event here (a handler costs about 250 bytes per VM). */
	g_signal_connect(vm, "event", G_CALLBACK(on_vm_event), sup);
	g_signal_connect(vm, "changed", G_CALLBACK(on_vm_changed), sup);
	g_hash_table_insert(sup->by_uuid, g_strdup(acrn_machine_get_uuid(vm)), vm);
	g_hash_table_insert(sup->by_name, g_strdup(acrn_machine_get_name(vm)), vm);
	g_signal_emit(sup, signals[SIG_ADDED], 0, vm);
	return vm;
}

static GError *config_error(GError *e)
{
	GError *r = g_error_new(ACRND_ERROR, ACRND_ERROR_INVALID_CONFIG,
				"invalid VM definition: %s", e->message);

	g_error_free(e);
	return r;
}

AcrnMachine *acrn_supervisor_define(AcrnSupervisor *sup, const char *xml, gboolean keep_name,
				    GError **error)
{
	g_autoptr(AcrnVmDef) def = NULL;
	GError *e = NULL;
	AcrnMachine *by_uuid = NULL, *by_name, *vm;

	def = acrn_vm_def_parse(xml, -1, &e);
	if (!def) {
		g_propagate_error(error, config_error(e));
		return NULL;
	}
	by_name = g_hash_table_lookup(sup->by_name, def->name);
	if (!def->uuid_generated)
		by_uuid = g_hash_table_lookup(sup->by_uuid, def->uuid);
	else if (by_name)
		by_uuid = by_name; /* redefinition by name keeps the UUID */

	if (by_name && by_uuid != by_name) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_ALREADY_EXISTS,
			    "a VM named '%s' already exists with UUID %s", def->name,
			    acrn_machine_get_uuid(by_name));
		return NULL;
	}
	if (by_uuid) {
		const AcrnVmDef *old = acrn_machine_get_def(by_uuid);
		g_autofree char *old_name = g_strdup(old->name);

		if (keep_name && strcmp(old->name, def->name) != 0) {
			g_set_error(error, ACRND_ERROR, ACRND_ERROR_ALREADY_EXISTS,
				    "domain '%s' is already defined with uuid %s", old->name,
				    old->uuid);
			return NULL;
		}
		if (acrn_machine_is_active(by_uuid) || acrn_machine_is_busy(by_uuid)) {
			g_set_error(error, ACRND_ERROR, ACRND_ERROR_INVALID_STATE,
				    "VM '%s' is %s: stop it before replacing its definition",
				    old->name,
				    acrn_machine_state_to_string(acrn_machine_get_state(by_uuid)));
			return NULL;
		}
		if (!acrn_machine_is_persistent(by_uuid)) {
			g_set_error(error, ACRND_ERROR, ACRND_ERROR_ALREADY_EXISTS,
				    "transient VM '%s' has UUID %s", old->name, old->uuid);
			return NULL;
		}
		memcpy(def->uuid, old->uuid, sizeof(def->uuid));
		if (!def->autostart_set) {
			def->autostart = old->autostart;
			def->autostart_order = old->autostart_order;
		}
		/* Likewise the host-shutdown policy: a client that rebuilds the
		 * XML (Nova) must not drop what the administrator set. */
		if (def->host_shutdown == ACRN_VM_HOST_SHUTDOWN_DEFAULT) {
			def->host_shutdown = old->host_shutdown;
			def->host_shutdown_timeout_sec = old->host_shutdown_timeout_sec;
		}
		if (!save_def(sup, def, TRUE, error))
			return NULL;
		g_hash_table_remove(sup->by_name, old_name);
		acrn_machine_replace_def(by_uuid, g_steal_pointer(&def));
		g_hash_table_insert(sup->by_name, g_strdup(acrn_machine_get_name(by_uuid)),
				    by_uuid);
		g_signal_emit_by_name(by_uuid, "event", "defined", "updated");
		return by_uuid;
	}
	if (g_hash_table_size(sup->by_uuid) >= ACRN_SUPERVISOR_MAX_VMS) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_FAILED, "too many VMs (limit %d)",
			    ACRN_SUPERVISOR_MAX_VMS);
		return NULL;
	}
	if (!save_def(sup, def, TRUE, error))
		return NULL;
	vm = add_vm(sup, g_steal_pointer(&def), TRUE);
	g_signal_emit_by_name(vm, "event", "defined", "");
	return vm;
}

gboolean acrn_supervisor_undefine(AcrnSupervisor *sup, AcrnMachine *vm, GError **error)
{
	g_autofree char *path = def_path(sup, acrn_machine_get_uuid(vm));

	if (!acrn_machine_is_persistent(vm)) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_INVALID_STATE,
			    "VM '%s' is transient: it goes away when it stops",
			    acrn_machine_get_name(vm));
		return FALSE;
	}
	if (acrn_machine_is_active(vm) || acrn_machine_is_busy(vm)) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_INVALID_STATE,
			    "VM '%s' is %s: stop it before undefining it",
			    acrn_machine_get_name(vm),
			    acrn_machine_state_to_string(acrn_machine_get_state(vm)));
		return FALSE;
	}
	if (!settle_journal(sup, acrn_machine_get_uuid(vm), error))
		return FALSE;
	if (g_unlink(path) != 0 && errno != ENOENT) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_FAILED, "cannot remove '%s': %s", path,
			    g_strerror(errno));
		return FALSE;
	}
	g_signal_emit_by_name(vm, "event", "undefined", "");
	remove_vm(sup, vm);
	return TRUE;
}

gboolean acrn_supervisor_set_autostart(AcrnSupervisor *sup, AcrnMachine *vm, gboolean autostart,
				       GError **error)
{
	g_autoptr(AcrnVmDef) copy = NULL;

	if (!acrn_machine_is_persistent(vm)) {
		g_set_error(error, ACRND_ERROR, ACRND_ERROR_INVALID_STATE,
			    "VM '%s' is transient and cannot autostart", acrn_machine_get_name(vm));
		return FALSE;
	}
	copy = acrn_vm_def_copy(acrn_machine_get_def(vm));
	copy->autostart = autostart;
	if (!save_def(sup, copy, TRUE, error))
		return FALSE;
	acrn_machine_set_autostart(vm, autostart);
	return TRUE;
}

/* ---- transient VMs ---- */

static void on_transient_started(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(GTask) task = data;
	AcrnSupervisor *sup = g_task_get_source_object(task);
	AcrnMachine *vm = ACRN_MACHINE(src);
	GError *error = NULL;

	if (!acrn_machine_op_finish(vm, res, &error)) {
		/* remove_transient_idle runs from the "stopped" event. */
		g_task_return_error(task, error);
		return;
	}
	(void)sup;
	g_task_return_pointer(task, vm, NULL);
}

void acrn_supervisor_create_async(AcrnSupervisor *sup, const char *xml, GAsyncReadyCallback cb,
				  gpointer data)
{
	GTask *task = g_task_new(sup, NULL, cb, data);
	g_autoptr(AcrnVmDef) def = NULL;
	GError *e = NULL;
	AcrnMachine *vm;

	def = acrn_vm_def_parse(xml, -1, &e);
	if (!def) {
		g_task_return_error(task, config_error(e));
		g_object_unref(task);
		return;
	}
	if (g_hash_table_lookup(sup->by_name, def->name) ||
	    g_hash_table_lookup(sup->by_uuid, def->uuid)) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_ALREADY_EXISTS,
					"a VM named '%s' or with UUID %s already exists", def->name,
					def->uuid);
		g_object_unref(task);
		return;
	}
	if (g_hash_table_size(sup->by_uuid) >= ACRN_SUPERVISOR_MAX_VMS) {
		g_task_return_new_error(task, ACRND_ERROR, ACRND_ERROR_FAILED,
					"too many VMs (limit %d)", ACRN_SUPERVISOR_MAX_VMS);
		g_object_unref(task);
		return;
	}
	def->autostart = FALSE;
	/* Kept in the run directory so that a restarted acrnd finds it. */
	if (!save_def(sup, def, FALSE, &e)) {
		g_task_return_error(task, e);
		g_object_unref(task);
		return;
	}
	vm = add_vm(sup, g_steal_pointer(&def), FALSE);
	g_signal_emit_by_name(vm, "event", "defined", "transient");
	acrn_machine_start_async(vm, "booted", on_transient_started, task);
}

AcrnMachine *acrn_supervisor_create_finish(AcrnSupervisor *sup, GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* ---- loading ---- */

typedef struct {
	guint pending;
} LoadData;

static void load_done_one(GTask *task)
{
	LoadData *ld = g_task_get_task_data(task);

	if (--ld->pending == 0)
		g_task_return_boolean(task, TRUE);
}

typedef struct {
	GTask *task;
	char *record_path;
} AttachData;

static void on_attached(GObject *src, GAsyncResult *res, gpointer data)
{
	AttachData *ad = data;
	AcrnMachine *vm = ACRN_MACHINE(src);
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(vm, res, &error)) {
		g_message("%s; removing stale runtime record", error->message);
		g_unlink(ad->record_path);
		if (!acrn_machine_is_persistent(vm))
			g_idle_add_full(G_PRIORITY_DEFAULT, remove_transient_idle, g_object_ref(vm),
					g_object_unref);
	}
	load_done_one(ad->task);
	g_object_unref(ad->task);
	g_free(ad->record_path);
	g_free(ad);
}

static AcrnVmDef *load_def_file(const char *path, const char *expect_uuid)
{
	g_autofree char *xml = NULL;
	g_autoptr(GError) error = NULL;
	AcrnVmDef *def;
	gsize len;

	if (!g_file_get_contents(path, &xml, &len, &error)) {
		g_warning("skipping VM definition %s: %s (file left in place)", path,
			  error->message);
		return NULL;
	}
	def = acrn_vm_def_parse(xml, (gssize)len, &error);
	if (!def) {
		g_warning("skipping corrupt VM definition %s: %s (file left in place)", path,
			  error->message);
		return NULL;
	}
	if (def->uuid_generated || strcmp(def->uuid, expect_uuid) != 0) {
		g_warning("skipping VM definition %s: its <uuid> does not match the file name "
			  "(file left in place)",
			  path);
		acrn_vm_def_free(def);
		return NULL;
	}
	return def;
}

static void load_dir(AcrnSupervisor *sup, const char *dir, gboolean persistent)
{
	g_autoptr(GDir) d = NULL;
	g_autoptr(GError) error = NULL;
	const char *entry;

	d = g_dir_open(dir, 0, &error);
	if (!d) {
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("cannot read %s: %s", dir, error->message);
		return;
	}
	while ((entry = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, entry, NULL);
		g_autofree char *stem = NULL;
		char uuid[37];
		AcrnVmDef *def;

		if (entry[0] == '.' && g_str_has_suffix(entry, ".tmp")) {
			/* The rename never happened, so the file it was meant
			 * to replace is intact; removed once acrnd owns its
			 * bus name (no other acrnd can be writing then). */
			g_ptr_array_add(sup->stale_tmp, g_steal_pointer(&path));
			continue;
		}
		if (!g_str_has_suffix(entry, ".xml") || entry[0] == '.')
			continue;
		stem = g_strndup(entry, strlen(entry) - 4);
		if (!acrn_vm_uuid_normalize(stem, uuid) || strcmp(uuid, stem) != 0) {
			g_warning("ignoring %s: not named <uuid>.xml", path);
			continue;
		}
		def = load_def_file(path, uuid);
		if (!def)
			continue;
		if (g_hash_table_lookup(sup->by_uuid, def->uuid) ||
		    g_hash_table_lookup(sup->by_name, def->name)) {
			g_warning("skipping VM definition %s: name '%s' or UUID already used by "
				  "another definition (file left in place)",
				  path, def->name);
			acrn_vm_def_free(def);
			continue;
		}
		if (!persistent) {
			/* A transient VM survives only with its device model. */
			g_autofree char *rec =
			    acrn_machine_runtime_path(&sup->cfg, def->uuid, ".state");

			if (!g_file_test(rec, G_FILE_TEST_EXISTS)) {
				g_unlink(path);
				acrn_vm_def_free(def);
				continue;
			}
		}
		add_vm(sup, def, persistent);
	}
}

/* A record of the journal a crash (or a kill) left behind: applied over
 * what the definition files say, oldest first, as acrnd had applied it. */
static void replay_record(const char *uuid, const char *xml, gpointer data)
{
	AcrnSupervisor *sup = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(AcrnVmDef) def = acrn_vm_def_parse(xml, -1, &error);
	AcrnMachine *vm, *other;

	if (!def || def->uuid_generated || strcmp(def->uuid, uuid) != 0) {
		g_warning("skipping a journaled definition of VM %s: %s", uuid,
			  def ? "its <uuid> does not match" : error->message);
		return;
	}
	vm = g_hash_table_lookup(sup->by_uuid, uuid);
	other = g_hash_table_lookup(sup->by_name, def->name);
	if ((vm && !acrn_machine_is_persistent(vm)) || (other && other != vm)) {
		g_warning("skipping a journaled definition of VM %s: name '%s' or UUID already "
			  "used by another definition",
			  uuid, def->name);
		return;
	}
	g_hash_table_replace(sup->journaled, g_strdup(uuid), g_strdup(xml));
	if (!vm) {
		add_vm(sup, g_steal_pointer(&def), TRUE);
		return;
	}
	g_hash_table_remove(sup->by_name, acrn_machine_get_name(vm));
	acrn_machine_replace_def(vm, g_steal_pointer(&def));
	g_hash_table_insert(sup->by_name, g_strdup(acrn_machine_get_name(vm)), vm);
}

static void load_journal(AcrnSupervisor *sup)
{
	g_autofree char *path = g_build_filename(sup->state_dir, ACRN_JOURNAL_NAME, NULL);
	g_autoptr(GError) error = NULL;
	gint n = acrn_journal_read(path, replay_record, sup, &error);

	sup->journal_unreadable = n < 0;
	if (n < 0)
		g_warning("cannot read the definition journal: %s (file left in place; "
			  "definitions are written to their files directly)",
			  error->message);
	else if (n > 0)
		g_message("replayed %d journaled VM definitions from %s", n, path);
}

void acrn_supervisor_recover_store(AcrnSupervisor *sup)
{
	g_autoptr(GError) error = NULL;

	sup->store_owned = TRUE;
	if (!sup->journal_unreadable && !write_out_all(sup, &error)) {
		g_warning("cannot write out journaled VM definitions (retrying): %s",
			  error->message);
		schedule_write_out(sup, WRITE_OUT_RETRY_MS);
	}

	for (guint i = 0; i < sup->stale_tmp->len; i++) {
		const char *path = sup->stale_tmp->pdata[i];

		if (g_unlink(path) == 0)
			g_message("removed %s, left by an interrupted write", path);
		else if (errno != ENOENT)
			g_warning("cannot remove %s, left by an interrupted write: %s", path,
				  g_strerror(errno));
	}
	g_ptr_array_set_size(sup->stale_tmp, 0);
}

void acrn_supervisor_load_async(AcrnSupervisor *sup, GAsyncReadyCallback cb, gpointer data)
{
	GTask *task = g_task_new(sup, NULL, cb, data);
	LoadData *ld = g_new0(LoadData, 1);
	g_autoptr(GPtrArray) vms = NULL;
	g_autoptr(GError) error = NULL;

	g_task_set_task_data(task, ld, g_free);
	if (!acrn_store_ensure_dir(sup->state_dir, 0755, &error) ||
	    !acrn_store_ensure_dir(sup->cfg.run_dir, 0755, &error)) {
		g_task_return_error(task, g_steal_pointer(&error));
		g_object_unref(task);
		return;
	}
	load_dir(sup, sup->state_dir, TRUE);
	load_journal(sup);
	load_dir(sup, sup->cfg.run_dir, FALSE);
	g_message("loaded %u VM definitions from %s", g_hash_table_size(sup->by_uuid),
		  sup->state_dir);

	ld->pending = 1; /* released below, after all attaches are launched */
	vms = acrn_supervisor_list(sup);
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];
		g_autofree char *path =
		    acrn_machine_runtime_path(&sup->cfg, acrn_machine_get_uuid(vm), ".state");
		AcrnRuntimeRecord rec;
		g_autoptr(GError) e = NULL;
		AttachData *ad;

		if (!g_file_test(path, G_FILE_TEST_EXISTS))
			continue;
		if (!acrn_runtime_record_load(path, &rec, &e)) {
			g_warning("VM '%s': unreadable runtime record: %s",
				  acrn_machine_get_name(vm), e->message);
			g_unlink(path);
			continue;
		}
		ad = g_new0(AttachData, 1);
		ad->task = g_object_ref(task);
		ad->record_path = g_steal_pointer(&path);
		ld->pending++;
		acrn_machine_attach_async(vm, &rec, on_attached, ad);
		acrn_runtime_record_clear(&rec);
	}
	load_done_one(task);
	g_object_unref(task);
}

gboolean acrn_supervisor_load_finish(AcrnSupervisor *sup, GAsyncResult *res, GError **error)
{
	return g_task_propagate_boolean(G_TASK(res), error);
}

/* ---- autostart ---- */

static gint compare_autostart(gconstpointer a, gconstpointer b)
{
	AcrnMachine *va = *(AcrnMachine *const *)a, *vb = *(AcrnMachine *const *)b;
	int oa = acrn_machine_get_def(va)->autostart_order,
	    ob = acrn_machine_get_def(vb)->autostart_order;

	if (oa != ob)
		return oa < ob ? -1 : 1;
	return strcmp(acrn_machine_get_name(va), acrn_machine_get_name(vb));
}

static void autostart_next(AcrnSupervisor *sup);

static gboolean on_autostart_delay(gpointer data)
{
	AcrnSupervisor *sup = data;

	sup->autostart_timer = 0;
	autostart_next(sup);
	return G_SOURCE_REMOVE;
}

static void on_autostarted(GObject *src, GAsyncResult *res, gpointer data)
{
	g_autoptr(AcrnSupervisor) sup = data;
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(ACRN_MACHINE(src), res, &error))
		g_warning("autostart of '%s' failed: %s", acrn_machine_get_name(ACRN_MACHINE(src)),
			  error->message);
	if (sup->autostart_delay_ms && !g_queue_is_empty(&sup->autostart_queue)) {
		/* The timer holds no reference: finalize removes it. */
		sup->autostart_timer =
		    g_timeout_add(sup->autostart_delay_ms, on_autostart_delay, sup);
		return;
	}
	autostart_next(sup);
}

void acrn_supervisor_set_autostart_delay(AcrnSupervisor *sup, guint delay_ms)
{
	sup->autostart_delay_ms = delay_ms;
}

void acrn_supervisor_cancel_autostart(AcrnSupervisor *sup)
{
	g_clear_handle_id(&sup->autostart_timer, g_source_remove);
	g_queue_clear_full(&sup->autostart_queue, g_object_unref);
}

static void autostart_next(AcrnSupervisor *sup)
{
	g_autoptr(AcrnMachine) vm = g_queue_pop_head(&sup->autostart_queue);

	if (!vm)
		return;
	/* It may have been started, undefined or made non-autostart meanwhile. */
	if (g_hash_table_lookup(sup->by_uuid, acrn_machine_get_uuid(vm)) != vm ||
	    acrn_machine_is_active(vm) || acrn_machine_is_busy(vm) ||
	    !acrn_machine_get_def(vm)->autostart) {
		autostart_next(sup);
		return;
	}
	g_message("autostarting VM '%s'", acrn_machine_get_name(vm));
	acrn_machine_start_async(vm, "autostart", on_autostarted, g_object_ref(sup));
}

void acrn_supervisor_autostart(AcrnSupervisor *sup)
{
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(sup);
	gboolean idle = g_queue_is_empty(&sup->autostart_queue) && !sup->autostart_timer;
	g_autofree char *marker = g_build_filename(sup->cfg.run_dir, "autostarted", NULL);
	g_autoptr(GError) error = NULL;

	/* Once per boot of the Service VM, as libvirt does: the run directory
	 * is a tmpfs, so the marker goes with a reboot. Without it, a restart
	 * of acrnd (an upgrade, Restart=on-failure) would start again every
	 * autostart VM that a user had stopped since. */
	if (g_file_test(marker, G_FILE_TEST_EXISTS)) {
		g_message("autostart already ran since the Service VM booted (%s exists): "
			  "no VM is started now",
			  marker);
		return;
	}
	if (!acrn_store_write_atomic(marker, "", 0, 0644, &error))
		/* Better a second autostart after a restart than none now. */
		g_warning("autostart: %s; a restart of acrnd will autostart again", error->message);

	g_ptr_array_sort(vms, compare_autostart);
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];

		if (acrn_machine_get_def(vm)->autostart && !acrn_machine_is_active(vm))
			g_queue_push_tail(&sup->autostart_queue, g_object_ref(vm));
	}
	if (idle)
		autostart_next(sup);
}

/* ---- stop everything ---- */

static void on_stopped_one(GObject *src, GAsyncResult *res, gpointer data)
{
	GTask *task = data;
	guint *pending = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;

	if (!acrn_machine_op_finish(ACRN_MACHINE(src), res, &error))
		g_warning("stopping '%s': %s", acrn_machine_get_name(ACRN_MACHINE(src)),
			  error->message);
	if (--*pending == 0)
		g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

void acrn_supervisor_stop_all_async(AcrnSupervisor *sup, guint timeout_sec, GAsyncReadyCallback cb,
				    gpointer data)
{
	GTask *task = g_task_new(sup, NULL, cb, data);
	guint *pending = g_new0(guint, 1);
	g_autoptr(GPtrArray) vms = acrn_supervisor_list(sup);
	AcrnVmStopOptions opts = {TRUE, timeout_sec, TRUE};

	g_task_set_task_data(task, pending, g_free);
	acrn_supervisor_cancel_autostart(sup);
	*pending = 1;
	for (guint i = 0; i < vms->len; i++) {
		AcrnMachine *vm = vms->pdata[i];

		if (!acrn_machine_is_active(vm))
			continue;
		++*pending;
		if (acrn_machine_get_state(vm) == ACRN_VM_STATE_RUNNING &&
		    !acrn_machine_is_busy(vm))
			acrn_machine_shutdown_async(vm, &opts, on_stopped_one, g_object_ref(task));
		else
			acrn_machine_force_stop_async(vm, on_stopped_one, g_object_ref(task));
	}
	if (--*pending == 0)
		g_task_return_boolean(task, TRUE);
	g_object_unref(task);
}

/* ---- object ---- */

AcrnSupervisor *acrn_supervisor_new(AcrnVmConfig *cfg, const char *state_dir)
{
	AcrnSupervisor *sup = g_object_new(ACRN_TYPE_SUPERVISOR, NULL);

	sup->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	sup->state_dir = g_strdup(state_dir);
	{
		g_autofree char *path = g_build_filename(state_dir, ACRN_JOURNAL_NAME, NULL);

		sup->journal = acrn_journal_new(path, ACRN_JOURNAL_DEFAULT_SIZE);
	}
	return sup;
}

static void acrn_supervisor_finalize(GObject *obj)
{
	AcrnSupervisor *sup = ACRN_SUPERVISOR(obj);

	acrn_supervisor_cancel_autostart(sup);
	g_clear_handle_id(&sup->write_out_source, g_source_remove);
	acrn_journal_free(sup->journal);
	g_hash_table_unref(sup->journaled);
	g_ptr_array_unref(sup->stale_tmp);
	g_hash_table_unref(sup->by_name);
	g_hash_table_unref(sup->by_uuid);
	g_free(sup->state_dir);
	acrn_vm_config_clear(&sup->cfg);
	G_OBJECT_CLASS(acrn_supervisor_parent_class)->finalize(obj);
}

static void acrn_supervisor_init(AcrnSupervisor *sup)
{
	sup->by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	sup->by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_queue_init(&sup->autostart_queue);
	sup->stale_tmp = g_ptr_array_new_with_free_func(g_free);
	sup->journaled = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void acrn_supervisor_class_init(AcrnSupervisorClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);

	oc->finalize = acrn_supervisor_finalize;
	signals[SIG_ADDED] = g_signal_new("vm-added", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
					  0, NULL, NULL, NULL, G_TYPE_NONE, 1, ACRN_TYPE_MACHINE);
	signals[SIG_REMOVED] =
	    g_signal_new("vm-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 1, ACRN_TYPE_MACHINE);
	/* A defined VM's "changed" and "event", in the order they happen. */
	signals[SIG_VM_CHANGED] =
	    g_signal_new("vm-changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 1, ACRN_TYPE_MACHINE);
	signals[SIG_VM_EVENT] =
	    g_signal_new("vm-event", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
			 NULL, G_TYPE_NONE, 3, ACRN_TYPE_MACHINE, G_TYPE_STRING, G_TYPE_STRING);
}
