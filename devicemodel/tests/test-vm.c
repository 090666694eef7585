/* vm.c's whole life on the host, with the HSM replaced by its test double
 * (tests/hsm-double.c): the ioctl order of start-up and teardown, guest
 * I/O answered by the request thread, the control channel driving pause,
 * resume, stop (power button -> SCI -> guest S5), force-stop, suspend and
 * wakeup, the reset register, and start-up failures at each HSM step. */
#include "config.h"

#include <elf.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dm-proto.h"
#include "hsm-double.h"
#include "pm.h"
#include "vm.h"

#define WAIT_S 30 /* only a guard against hanging; never reached when passing */

typedef struct {
	char *dir, *elf, *disk, *com1, *sock;
	int ctl; /* control client, -1 */
} Env;

static void write_elf(const char *path)
{
	Elf64_Ehdr eh = {0};
	Elf64_Phdr ph = {0};
	g_autoptr(GByteArray) a = g_byte_array_new();
	guint8 body[64] = {0xF4}; /* hlt */

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_entry = 0x1000000;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(ph);
	eh.e_phnum = 1;
	ph.p_type = PT_LOAD;
	ph.p_offset = sizeof(eh) + sizeof(ph);
	ph.p_paddr = 0x1000000;
	ph.p_filesz = ph.p_memsz = sizeof(body);
	g_byte_array_append(a, (guint8 *)&eh, sizeof(eh));
	g_byte_array_append(a, (guint8 *)&ph, sizeof(ph));
	g_byte_array_append(a, body, sizeof(body));
	g_assert_true(g_file_set_contents(path, (char *)a->data, a->len, NULL));
}

static void env_setup(Env *e, gconstpointer data)
{
	g_autofree char *zeros = g_malloc0(64 * 512);

	hsm_double_reset();
	e->dir = g_dir_make_tmp("acrn-dm-vm-XXXXXX", NULL);
	e->elf = g_build_filename(e->dir, "vmlinux", NULL);
	e->disk = g_build_filename(e->dir, "disk.img", NULL);
	e->com1 = g_build_filename(e->dir, "com1.log", NULL);
	e->sock = g_build_filename(e->dir, "vm.sock", NULL);
	e->ctl = -1;
	write_elf(e->elf);
	g_assert_true(g_file_set_contents(e->disk, zeros, 64 * 512, NULL));
}

static void env_teardown(Env *e, gconstpointer data)
{
	if (e->ctl >= 0)
		close(e->ctl);
	g_unlink(e->elf);
	g_unlink(e->disk);
	g_unlink(e->com1);
	g_assert_false(g_file_test(e->sock, G_FILE_TEST_EXISTS));
	g_rmdir(e->dir);
	g_free(e->elf);
	g_free(e->disk);
	g_free(e->com1);
	g_free(e->sock);
	g_free(e->dir);
}

/* The VM with its control socket open, not started yet. */
static DmVm *new_vm(Env *e, DmConfig **cfg_out)
{
	g_autofree char *com1 = g_strdup_printf("com1,file:%s", e->com1);
	g_autofree char *blk = g_strdup_printf("2,virtio-blk,%s", e->disk);
	char *argv[] = {"acrn-dm",
			"-m",
			"128M",
			"--elf_file",
			e->elf,
			"-B",
			"console=ttyS0",
			"-s",
			"0:0,hostbridge",
			"-s",
			"1:0,lpc",
			"-l",
			com1,
			"-s",
			blk,
			"-s",
			"3,virtio-blk,nodisk",
			"--control-socket",
			e->sock,
			"vm1",
			NULL};
	DmConfig *cfg = dm_config_parse(G_N_ELEMENTS(argv) - 1, argv, NULL);
	DmVm *vm;

	g_assert_nonnull(cfg);
	*cfg_out = cfg;
	vm = dm_vm_new(cfg);
	g_assert_true(dm_vm_open_control(vm, NULL));
	return vm;
}

static DmVm *start_vm(Env *e, DmConfig **cfg_out, GError **error)
{
	DmVm *vm = new_vm(e, cfg_out);

	if (!dm_vm_start(vm, error))
		dm_vm_report_start_failure(vm, (*error)->message);
	return vm;
}

/* ---- the control client, used from the guest thread ---- */

static void ctl_connect(Env *e)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};

	e->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_strlcpy(a.sun_path, e->sock, sizeof(a.sun_path));
	g_assert_cmpint(connect(e->ctl, (struct sockaddr *)&a, sizeof(a)), ==, 0);
}

static GVariant *ctl_read(Env *e)
{
	g_autoptr(GString) s = g_string_new(NULL);
	char ch;

	for (;;) {
		struct pollfd p = {e->ctl, POLLIN, 0};

		g_assert_cmpint(poll(&p, 1, WAIT_S * 1000), ==, 1);
		if (recv(e->ctl, &ch, 1, 0) != 1)
			return NULL;
		if (ch == '\n')
			return acrn_dm_proto_decode(s->str, NULL);
		g_string_append_c(s, ch);
	}
}

static void ctl_send(Env *e, const char *request)
{
	g_autofree char *l = g_strdup_printf("{\"id\":7,\"request\":\"%s\"}\n", request);

	g_assert_cmpint(send(e->ctl, l, strlen(l), MSG_NOSIGNAL), ==, (ssize_t)strlen(l));
}

/* Reads until the message with @key = @value, checking nothing else
 * arrives out of order: returns it. */
static GVariant *ctl_expect(Env *e, const char *key, const char *value)
{
	GVariant *m = ctl_read(e);

	g_assert_nonnull(m);
	if (g_strcmp0(acrn_dm_proto_get_str(m, key, NULL), value) != 0) {
		g_autofree char *t = g_variant_print(m, FALSE);

		g_error("expected %s=%s, got %s", key, value, t);
	}
	return m;
}

static void ctl_expect_reply(Env *e, gboolean ok)
{
	g_autoptr(GVariant) m = ctl_read(e);

	g_assert_nonnull(m);
	g_assert_cmpint(acrn_dm_proto_get_int(m, "id", -1), ==, 7);
	g_assert_cmpint(acrn_dm_proto_get_bool(m, "ok", !ok), ==, ok);
}

/* ---- tests ---- */

static gpointer guest_s5(gpointer data)
{
	Env *e = data;
	g_autoptr(GVariant) hello = NULL, off = NULL;

	/* Guest output on COM1, and PCI enumeration. */
	for (const char *s = "ok\n"; *s; s++)
		hsm_double_pio(TRUE, 0x3F8, 1, (guint8)*s);
	g_assert_cmphex(hsm_double_pcicfg(FALSE, 0, 0, 0, 4, 0), ==, 0x12751275);
	g_assert_cmphex(hsm_double_pcicfg(FALSE, 2, 0, 0, 4, 0), ==, 0x10421AF4);
	g_assert_cmphex(hsm_double_pcicfg(FALSE, 9, 0, 0, 4, 0), ==, 0xFFFFFFFF);
	g_assert_cmphex(hsm_double_pio(FALSE, 0x80, 1, 0), ==, 0xFF);

	ctl_connect(e);
	hello = ctl_expect(e, "event", "hello");
	g_assert_cmpstr(acrn_dm_proto_get_str(hello, "state", NULL), ==, "running");
	g_assert_cmpstr(acrn_dm_proto_get_str(hello, "name", NULL), ==, "vm1");
	ctl_send(e, "pause");
	g_variant_unref(ctl_expect(e, "event", "paused"));
	ctl_expect_reply(e, TRUE);
	ctl_send(e, "pause");
	ctl_expect_reply(e, FALSE); /* invalid-state */
	ctl_send(e, "resume");
	g_variant_unref(ctl_expect(e, "event", "resumed"));
	ctl_expect_reply(e, TRUE);

	/* The OS enables ACPI and the power button; stop presses it; the
	 * SCI rises; the OS acknowledges and enters S5. */
	hsm_double_pio(TRUE, DM_SMI_CMD, 1, DM_ACPI_ENABLE);
	hsm_double_pio(TRUE, DM_PM1A_EVT + 2, 2, PM1_PWRBTN);
	ctl_send(e, "stop");
	ctl_expect_reply(e, TRUE);
	g_assert_true(hsm_double_wait_irq(9, TRUE, WAIT_S));
	g_assert_cmphex(hsm_double_pio(FALSE, DM_PM1A_EVT, 2, 0), ==, PM1_PWRBTN);
	hsm_double_pio(TRUE, DM_PM1A_EVT, 2, PM1_PWRBTN);
	g_assert_true(hsm_double_wait_irq(9, FALSE, WAIT_S));
	hsm_double_pio(TRUE, DM_PM1A_CNT, 2, DM_SLP_TYP_S5 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	off = ctl_expect(e, "event", "poweroff");
	g_assert_cmpstr(acrn_dm_proto_get_str(off, "reason", NULL), ==, "guest");
	return NULL;
}

static void test_lifecycle(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	g_autofree char *calls = NULL, *out = NULL;
	GThread *guest;

	g_assert_no_error(error);
	calls = hsm_double_calls();
	g_assert_cmpstr(calls, ==,
			"CREATE_VM SET_MEMSEG SET_VCPU_REGS CREATE_IOREQ_CLIENT START_VM");
	g_assert_cmpuint(hsm_double_memseg_len(), ==, 128ULL << 20);
	g_assert_cmphex(hsm_double_regs()->vcpu_regs.rip, ==, 0x1000000);
	g_assert_cmphex(hsm_double_regs()->vcpu_regs.gprs.rsi, ==, 0x7000);

	guest = g_thread_new("guest", guest_s5, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 0);
	g_thread_join(guest);
	g_clear_pointer(&vm, dm_vm_free);
	g_free(calls);
	calls = hsm_double_calls();
	g_assert_true(g_str_has_suffix(calls, "START_VM PAUSE_VM START_VM "
					      "PAUSE_VM DESTROY_IOREQ_CLIENT DESTROY_VM"));
	g_assert_true(g_file_get_contents(e->com1, &out, NULL, NULL));
	g_assert_cmpstr(out, ==, "ok\n");
}

static gpointer guest_reset(gpointer data)
{
	hsm_double_pio(TRUE, DM_RESET_PORT, 1, 0x06);
	return NULL;
}

static void test_reboot(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	GThread *guest;

	g_assert_no_error(error);
	guest = g_thread_new("guest", guest_reset, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 3);
	g_thread_join(guest);
}

static gpointer guest_dies(gpointer data)
{
	Env *e = data;
	g_autoptr(GVariant) crash = NULL;

	ctl_connect(e);
	g_variant_unref(ctl_expect(e, "event", "hello"));
	hsm_double_fatal_s5();
	crash = ctl_expect(e, "event", "crash");
	g_assert_cmpstr(acrn_dm_proto_get_str(crash, "reason", NULL), ==, "fatal-vcpu-exit");
	return NULL;
}

/* The hypervisor stopped a vCPU (triple fault): its flagged S5 write is a
 * crash (exit 4), not the poweroff an unflagged one is. */
static void test_vcpu_fatal(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	GThread *guest;

	g_assert_no_error(error);
	guest = g_thread_new("guest", guest_dies, e);
	g_assert_cmpint(dm_vm_run(vm), ==, ACRN_DM_EXIT_CRASH);
	g_thread_join(guest);
}

static gpointer guest_force_stop(gpointer data)
{
	Env *e = data;
	g_autoptr(GVariant) off = NULL;

	ctl_connect(e);
	g_variant_unref(ctl_expect(e, "event", "hello"));
	ctl_send(e, "frobnicate");
	ctl_expect_reply(e, FALSE);
	ctl_send(e, "force-stop");
	ctl_expect_reply(e, TRUE);
	off = ctl_expect(e, "event", "poweroff");
	g_assert_cmpstr(acrn_dm_proto_get_str(off, "reason", NULL), ==, "force-stop");
	return NULL;
}

static void test_force_stop(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	GThread *guest;

	g_assert_no_error(error);
	guest = g_thread_new("guest", guest_force_stop, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 0);
	g_thread_join(guest);
}

/* Resident kB of this process's mapping of @path (/proc/self/smaps), or -1
 * when it has none. */
static gint64 mapping_rss_kb(const char *path)
{
	g_autofree char *smaps = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean in = FALSE;
	gint64 rss = -1;

	g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
	lines = g_strsplit(smaps, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		const char *l = lines[i];

		if (g_ascii_isxdigit(l[0]) && strchr(l, '-') && strchr(l, '-') < strchr(l, ' '))
			in = g_str_has_suffix(l, path);
		else if (in && g_str_has_prefix(l, "Rss:"))
			rss = MAX(rss, 0) + g_ascii_strtoll(l + 4, NULL, 10);
	}
	return rss;
}

static gpointer guest_reset_request(gpointer data)
{
	Env *e = data;

	ctl_connect(e);
	g_variant_unref(ctl_expect(e, "event", "hello"));
	hsm_double_pio(TRUE, DM_SMI_CMD, 1, DM_ACPI_ENABLE);
	g_assert_cmphex(hsm_double_pio(FALSE, DM_PM1A_CNT, 2, 0) & PM1_SCI_EN, ==, PM1_SCI_EN);
	ctl_send(e, "reset");
	g_variant_unref(ctl_expect(e, "event", "reset"));
	ctl_expect_reply(e, TRUE);
	/* The platform starts over: back in legacy mode. */
	g_assert_cmphex(hsm_double_pio(FALSE, DM_PM1A_CNT, 2, 0) & PM1_SCI_EN, ==, 0);
	ctl_send(e, "force-stop");
	ctl_expect_reply(e, TRUE);
	return NULL;
}

static void test_reset_request(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	g_autofree char *calls = NULL;
	GThread *guest;

	g_assert_no_error(error);
	/* The kernel stays mapped for the reset's reload, but its pages are
	 * given back once they are in guest RAM, and again after the reload. */
	g_assert_cmpint(mapping_rss_kb(e->elf), ==, 0);
	guest = g_thread_new("guest", guest_reset_request, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 0);
	g_thread_join(guest);
	g_assert_cmpint(mapping_rss_kb(e->elf), ==, 0);
	calls = hsm_double_calls();
	g_assert_nonnull(
	    strstr(calls, "START_VM PAUSE_VM CLEAR_VM_IOREQ RESET_VM SET_VCPU_REGS START_VM"));
	/* vCPU 0 enters the reloaded kernel again. */
	g_assert_cmphex(hsm_double_regs()->vcpu_regs.rip, ==, 0x1000000);
}

static void ctl_send_raw(Env *e, const char *json)
{
	g_autofree char *l = g_strconcat(json, "\n", NULL);

	g_assert_cmpint(send(e->ctl, l, strlen(l), MSG_NOSIGNAL), ==, (ssize_t)strlen(l));
}

static gpointer guest_blkrescan(gpointer data)
{
	Env *e = data;
	g_autofree char *req = g_strdup_printf(
	    "{\"id\":7,\"request\":\"blkrescan\",\"slot\":3,\"path\":\"%s\"}", e->disk);

	ctl_connect(e);
	g_variant_unref(ctl_expect(e, "event", "hello"));
	/* Slot 2 has a disk of its own; slot 9 has nothing. */
	ctl_send_raw(e, "{\"id\":7,\"request\":\"blkrescan\",\"slot\":2,\"path\":\"/x\"}");
	ctl_expect_reply(e, FALSE);
	ctl_send_raw(e, "{\"id\":7,\"request\":\"blkrescan\",\"slot\":9,\"path\":\"/x\"}");
	ctl_expect_reply(e, FALSE);
	ctl_send_raw(e,
		     "{\"id\":7,\"request\":\"blkrescan\",\"slot\":3,\"path\":\"/nonexistent\"}");
	ctl_expect_reply(e, FALSE);
	ctl_send_raw(e, req);
	ctl_expect_reply(e, TRUE);
	ctl_send_raw(e, "{\"id\":7,\"request\":\"blkrescan\",\"slot\":3,\"path\":\"\"}");
	ctl_expect_reply(e, TRUE);
	ctl_send(e, "force-stop");
	ctl_expect_reply(e, TRUE);
	return NULL;
}

static void test_blkrescan(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	GThread *guest;

	g_assert_no_error(error);
	guest = g_thread_new("guest", guest_blkrescan, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 0);
	g_thread_join(guest);
}

static gpointer guest_s3(gpointer data)
{
	Env *e = data;

	ctl_connect(e);
	g_variant_unref(ctl_expect(e, "event", "hello"));
	ctl_send(e, "wakeup");
	ctl_expect_reply(e, FALSE); /* not suspended */
	/* The S3 write completes before acrn-dm pauses the VM, however late
	 * the completion comes. */
	hsm_double_hold_next_finish();
	hsm_double_pio(TRUE, DM_PM1A_CNT, 2, DM_SLP_TYP_S3 << PM1_SLP_TYP_SHIFT | PM1_SLP_EN);
	g_variant_unref(ctl_expect(e, "event", "suspended"));
	g_assert_cmpuint(hsm_double_paused_while_pending(), ==, 0);
	ctl_send(e, "query");
	{
		g_autoptr(GVariant) r = ctl_read(e);

		g_assert_cmpstr(acrn_dm_proto_get_str(r, "state", NULL), ==, "suspended");
	}
	ctl_send(e, "wakeup");
	g_variant_unref(ctl_expect(e, "event", "woken"));
	ctl_expect_reply(e, TRUE);
	/* Back from S3: WAK_STS is set. */
	g_assert_cmphex(hsm_double_pio(FALSE, DM_PM1A_EVT, 2, 0) & PM1_WAK, ==, PM1_WAK);
	ctl_send(e, "force-stop");
	ctl_expect_reply(e, TRUE);
	return NULL;
}

static void test_suspend_wakeup(Env *e, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = NULL;
	g_autoptr(DmVm) vm = start_vm(e, &cfg, &error);
	g_autofree char *calls = NULL;
	GThread *guest;

	g_assert_no_error(error);
	guest = g_thread_new("guest", guest_s3, e);
	g_assert_cmpint(dm_vm_run(vm), ==, 0);
	g_thread_join(guest);
	calls = hsm_double_calls();
	g_assert_nonnull(strstr(calls, "START_VM PAUSE_VM PAUSE_VM CLEAR_VM_IOREQ RESET_VM "
				       "SET_VCPU_REGS START_VM"));
	/* vCPU 0 restarts in real mode at the FACS waking vector. */
	g_assert_cmphex(hsm_double_regs()->vcpu_regs.cr0 & 1, ==, 0);
}

/* Each HSM step failing: status FALSE, the message names /dev/acrn_hsm
 * and the call, and the teardown undoes exactly what was done. */
static void test_start_failures(Env *e, gconstpointer data)
{
	static const struct {
		const char *fail, *calls;
	} cases[] = {
	    {"open", ""},
	    {"CREATE_VM", "CREATE_VM"},
	    {"SET_MEMSEG", "CREATE_VM SET_MEMSEG PAUSE_VM DESTROY_VM"},
	    {"SET_VCPU_REGS", "CREATE_VM SET_MEMSEG SET_VCPU_REGS PAUSE_VM DESTROY_VM"},
	    {"START_VM", "CREATE_VM SET_MEMSEG SET_VCPU_REGS CREATE_IOREQ_CLIENT START_VM "
			 "PAUSE_VM DESTROY_IOREQ_CLIENT DESTROY_VM"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DmConfig) cfg = NULL;
		DmVm *vm;
		g_autofree char *calls = NULL;
		g_autoptr(GVariant) failed = NULL;

		hsm_double_reset();
		hsm_double_fail(cases[i].fail,
				g_str_equal(cases[i].fail, "open") ? ENOENT : ENOTTY);
		vm = new_vm(e, &cfg);
		ctl_connect(e);
		g_assert_false(dm_vm_start(vm, &error));
		dm_vm_report_start_failure(vm, error->message);
		g_assert_true(g_str_has_prefix(error->message, "/dev/acrn_hsm: "));
		if (!g_str_equal(cases[i].fail, "open"))
			g_assert_nonnull(strstr(error->message, cases[i].fail));
		/* A client that connected in time hears why. */
		g_variant_unref(ctl_expect(e, "event", "hello"));
		failed = ctl_expect(e, "event", "start-failed");
		g_assert_cmpstr(acrn_dm_proto_get_str(failed, "message", NULL), ==, error->message);
		dm_vm_free(vm);
		close(e->ctl);
		e->ctl = -1;
		calls = hsm_double_calls();
		g_assert_cmpstr(calls, ==, cases[i].calls);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Env, NULL, env_setup, fn, env_teardown)
	ADD("/vm/lifecycle", test_lifecycle);
	ADD("/vm/reboot", test_reboot);
	ADD("/vm/vcpu-fatal", test_vcpu_fatal);
	ADD("/vm/force-stop", test_force_stop);
	ADD("/vm/suspend-wakeup", test_suspend_wakeup);
	ADD("/vm/reset-request", test_reset_request);
	ADD("/vm/blkrescan", test_blkrescan);
	ADD("/vm/start-failures", test_start_failures);
	return g_test_run();
}
