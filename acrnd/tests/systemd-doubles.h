/* TEST DOUBLES for systemd-logind, systemd-machined and systemd's manager
 * object, served from the test process on the tests' private bus (the
 * host has no systemd as PID 1 and the real services cannot run on a
 * private bus).  Each implements only what acrnd uses, records the calls,
 * and lets the test act as the real service would (emit logind's
 * PrepareFor* signals, set systemd's SystemState).  The real services are
 * exercised by systemd/tests/nspawn.sh. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* ---- logind stand-in: org.freedesktop.login1 ---- */
typedef struct {
	GDBusConnection *conn;
	guint own_id, reg_id;
	gboolean owned;
	/* Inhibit calls: "what|who|why|mode" */
	GPtrArray *inhibit_calls;
	/* Read ends of the inhibitor pipes handed out, newest last.  The lock
	 * is held while any copy of the write end (held by acrnd) is open. */
	GArray *lock_fds;
} FakeLogind;

FakeLogind *fake_logind_new(const char *address);
void fake_logind_free(FakeLogind *l);
/* Emit PrepareForShutdown(@start) / PrepareForSleep(@start). */
void fake_logind_emit(FakeLogind *l, const char *signal, gboolean start);
/* Number of inhibitors currently held (write ends still open somewhere). */
guint fake_logind_locks_held(FakeLogind *l);

/* ---- systemd manager stand-in: org.freedesktop.systemd1 ---- */
typedef struct {
	GDBusConnection *conn;
	guint own_id, reg_id;
	gboolean owned;
	char *system_state; /* "running", "stopping", ... */
	guint state_queries;
} FakeSystemd;

FakeSystemd *fake_systemd_new(const char *address, const char *state);
void fake_systemd_free(FakeSystemd *s);

/* ---- machined stand-in: org.freedesktop.machine1 ---- */
typedef struct {
	GDBusConnection *conn;
	guint own_id, reg_id;
	gboolean owned;
	/* CreateMachine calls: "name|uuid-hex|service|class|leader|props" with
	 * props as GVariant text */
	GPtrArray *create_calls;
	GPtrArray *terminate_calls; /* TerminateMachine: machine names */
	GHashTable *by_pid;	    /* leader pid -> machine name: registered machines */
	guint by_pid_queries;
} FakeMachined;

FakeMachined *fake_machined_new(const char *address);
void fake_machined_free(FakeMachined *m);

G_END_DECLS
