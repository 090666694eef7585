/* acrn-dm's command line: every argv the shared mapping emits (the golden
 * files of lib/vmdef/tests/data) parses, and table tests for the options
 * and the usage errors. */
#include "config.h"

#include <string.h>

#include "dm-options.h"
#include "vm-definition.h"

static DmConfig *parse_line(const char *line, GError **error)
{
	g_auto(GStrv) argv = NULL;
	g_autoptr(GError) shell_error = NULL;
	int argc;

	g_assert_true(g_shell_parse_argv(line, &argc, &argv, &shell_error));
	return dm_config_parse(argc, argv, error);
}

/* Every *.args golden file of lib/vmdef: one argument per line. */
static void test_golden(void)
{
	const char *dir = g_getenv("VMDEF_GOLDEN_DIR");
	g_autoptr(GDir) d = NULL;
	const char *f;
	guint n = 0;

	g_assert_nonnull(dir);
	d = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(d);
	while ((f = g_dir_read_name(d))) {
		g_autofree char *path = NULL, *text = NULL;
		g_auto(GStrv) lines = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(DmConfig) cfg = NULL;

		if (!g_str_has_suffix(f, ".args"))
			continue;
		path = g_build_filename(dir, f, NULL);
		g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
		g_strchomp(text);
		lines = g_strsplit(text, "\n", -1);
		cfg = dm_config_parse((int)g_strv_length(lines), lines, &error);
		if (!cfg)
			g_error("%s: %s", f, error->message);
		g_assert_cmpstr(cfg->name, ==, lines[g_strv_length(lines) - 1]);
		g_assert_nonnull(cfg->control_socket);
		n++;
	}
	g_assert_cmpuint(n, >=, 10);
}

/* Straight from the definitions: acrn_vm_def_to_dm_argv() on every valid
 * golden definition, parsed back, carries the definition's values. */
static void test_from_definitions(void)
{
	const char *dir = g_getenv("VMDEF_GOLDEN_DIR");
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *f;
	guint n = 0;

	g_assert_nonnull(d);
	while ((f = g_dir_read_name(d))) {
		g_autofree char *path = NULL, *xml = NULL, *dm_name = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(AcrnVmDef) def = NULL;
		g_autoptr(DmConfig) cfg = NULL;
		g_auto(GStrv) argv = NULL;
		AcrnDmArgvOptions opts = {"/usr/bin/acrn-dm", "/run/acrn/test.sock"};
		guint64 affinity = 0;

		if (!g_str_has_suffix(f, ".xml") || g_str_has_prefix(f, "err-"))
			continue;
		path = g_build_filename(dir, f, NULL);
		g_assert_true(g_file_get_contents(path, &xml, NULL, NULL));
		def = acrn_vm_def_parse(xml, -1, &error);
		g_assert_no_error(error);
		argv = acrn_vm_def_to_dm_argv(def, &opts, &error);
		g_assert_no_error(error);
		cfg = dm_config_parse((int)g_strv_length(argv), argv, &error);
		if (!cfg)
			g_error("%s: %s", f, error->message);
		dm_name = acrn_vm_def_dm_name(def);
		g_assert_cmpstr(cfg->name, ==, dm_name);
		g_assert_cmpuint(cfg->mem_bytes, >=, def->memory_bytes);
		g_assert_cmpuint(cfg->mem_bytes, <, def->memory_bytes + (3 << 20));
		g_assert_cmpstr(cfg->kernel, ==, def->loader ? NULL : def->kernel);
		g_assert_cmpstr(cfg->ovmf, ==, def->loader);
		g_assert_cmpstr(cfg->ramdisk, ==, def->initrd);
		g_assert_cmpstr(cfg->bootargs, ==, def->cmdline);
		g_assert_cmpstr(cfg->control_socket, ==, opts.control_socket);
		for (guint i = 0; i < def->cpu_affinity->len; i++)
			affinity |= 1ULL << g_array_index(def->cpu_affinity, guint, i);
		g_assert_cmphex(cfg->cpu_affinity, ==, affinity);
		g_assert_cmpuint(cfg->devices->len, ==,
				 2 + def->disks->len + def->nets->len + (def->rng ? 1 : 0));
		if (def->rng)
			g_assert_cmpint(
			    ((const DmPciDeviceConfig *)cfg->devices->pdata[cfg->devices->len - 1])
				->kind,
			    ==, DM_DEV_VIRTIO_RNG);
		g_assert_cmpint(cfg->com1.kind != DM_SERIAL_NONE, ==,
				def->console.type != ACRN_VM_CONSOLE_NONE);
		n++;
	}
	g_assert_cmpuint(n, >=, 10);
}

static void test_full(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = parse_line(
	    "acrn-dm -m 2048M --cpu_affinity 2,3 -k /b -r /i -B 'console=ttyS0 quiet' "
	    "-s 0:0,hostbridge -s 1:0,lpc -l com1,pty -s 2,virtio-blk,/r.img "
	    "-s 3,virtio-blk,/d.img,ro -s 4,virtio-net,tap=tap0,mac=00:16:3e:5d:c7:9e "
	    "-s 5:1,virtio-console,file:/tmp/c -s 6,virtio-rnd "
	    "--control-socket /run/acrn/x.sock -U 6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b02 vm1",
	    &error);
	const DmPciDeviceConfig *d;

	g_assert_no_error(error);
	g_assert_cmpuint(cfg->mem_bytes, ==, 2048ULL << 20);
	g_assert_cmphex(cfg->cpu_affinity, ==, 0xc);
	g_assert_cmpuint(cfg->n_vcpus, ==, 2);
	g_assert_cmpstr(cfg->kernel, ==, "/b");
	g_assert_cmpstr(cfg->ramdisk, ==, "/i");
	g_assert_cmpstr(cfg->bootargs, ==, "console=ttyS0 quiet");
	g_assert_cmpint(cfg->com1.kind, ==, DM_SERIAL_PTY);
	g_assert_cmpuint(cfg->devices->len, ==, 7);
	d = cfg->devices->pdata[3];
	g_assert_cmpint(d->kind, ==, DM_DEV_VIRTIO_BLK);
	g_assert_cmpstr(d->path, ==, "/d.img");
	g_assert_true(d->read_only);
	d = cfg->devices->pdata[4];
	g_assert_cmpstr(d->tap, ==, "tap0");
	g_assert_cmpstr(d->mac, ==, "00:16:3e:5d:c7:9e");
	d = cfg->devices->pdata[5];
	g_assert_cmpuint(d->slot, ==, 5);
	g_assert_cmpuint(d->func, ==, 1);
	g_assert_cmpint(d->console.kind, ==, DM_SERIAL_FILE);
	g_assert_cmpstr(cfg->uuid, ==, "6f1c2b1e-8a55-4c0e-9a59-0f4c9a7b9b02");
	g_assert_cmpstr(cfg->name, ==, "vm1");
}

/* Spellings: --long=value, -Xvalue, bus:slot:func, memory suffixes. */
static void test_spellings(void)
{
	static const struct {
		const char *line;
		guint64 mem;
		DmSerialKind com1;
	} cases[] = {
	    {"acrn-dm --memsize=1G --kernel=/k x", 1ULL << 30, DM_SERIAL_NONE},
	    {"acrn-dm -m512M -k/k x", 512ULL << 20, DM_SERIAL_NONE},
	    {"acrn-dm -m 300 -k /k x", 300ULL << 20, DM_SERIAL_NONE},
	    {"acrn-dm -m 262144K -k /k x", 256ULL << 20, DM_SERIAL_NONE},
	    {"acrn-dm -m 129M -k /k x", 130ULL << 20, DM_SERIAL_NONE}, /* 2 MiB multiple */
	    {"acrn-dm --elf_file /v -l com1,stdio x", 256ULL << 20, DM_SERIAL_STDIO},
	    {"acrn-dm -E /v --lpc com1,tcp:4555 x", 256ULL << 20, DM_SERIAL_TCP},
	    {"acrn-dm -k /k -s 0:3:0,virtio-blk,nodisk -- x", 256ULL << 20, DM_SERIAL_NONE},
	    {"acrn-dm --ovmf /OVMF.fd x", 256ULL << 20, DM_SERIAL_NONE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DmConfig) cfg = parse_line(cases[i].line, &error);

		g_assert_no_error(error);
		g_assert_cmpuint(cfg->mem_bytes, ==, cases[i].mem);
		g_assert_cmpint(cfg->com1.kind, ==, cases[i].com1);
		g_assert_cmpstr(cfg->name, ==, "x");
	}
}

/* Each bad command line fails with a message that names the culprit. */
static void test_errors(void)
{
	static const struct {
		const char *line, *message_has;
	} cases[] = {
	    {"acrn-dm -k /k", "missing VM_NAME"},
	    {"acrn-dm x", "nothing to boot"},
	    {"acrn-dm -k /k -E /v x", "exclude each other"},
	    {"acrn-dm -k /k --frobnicate x", "--frobnicate"},
	    {"acrn-dm -k /k -Z x", "-Z"},
	    {"acrn-dm -k /k --help=3 x", "--help takes no argument"},
	    {"acrn-dm -k /k x y", "'y'"},
	    {"acrn-dm -k /k -m", "-m needs an argument"},
	    {"acrn-dm -k /k -m 12Q x", "-m 12Q"},
	    {"acrn-dm -k /k -m 64M x", "minimum"},
	    {"acrn-dm -k /k -m 9999G x", "maximum"},
	    {"acrn-dm -k /k --cpu_affinity 1,x x", "--cpu_affinity 1,x"},
	    {"acrn-dm -k /k --cpu_affinity 1,1 x", "twice"},
	    {"acrn-dm -k /k --cpu_affinity 64 x", "0..63"},
	    {"acrn-dm -k /k -s 32,virtio-rnd x", "-s 32,virtio-rnd"},
	    {"acrn-dm -k /k -s 3:8,virtio-rnd x", "function 0..7"},
	    {"acrn-dm -k /k -s 1:3:0,virtio-rnd x", "bus 0"},
	    {"acrn-dm -k /k -s 3 x", "-s 3"},
	    {"acrn-dm -k /k -s 3,floppy x", "unknown device 'floppy'"},
	    {"acrn-dm -k /k -s 3,virtio-rnd -s 3:0,virtio-rnd x", "already used"},
	    {"acrn-dm -k /k -s 0,hostbridge -s 1,hostbridge x", "only one"},
	    {"acrn-dm -k /k -s 3,virtio-blk x", "PATH or nodisk"},
	    {"acrn-dm -k /k -s 3,virtio-blk,rel.img x", "absolute"},
	    {"acrn-dm -k /k -s 3,virtio-blk,/a,rw x", "'rw'"},
	    {"acrn-dm -k /k -s 3,virtio-net x", "tap="},
	    {"acrn-dm -k /k -s 3,virtio-net,tap=t,mac=01:00:00:00:00:00 x", "MAC"},
	    {"acrn-dm -k /k -s 3,virtio-net,tap=t,vhost x", "'vhost'"},
	    {"acrn-dm -k /k -s 3,hostbridge,x x", "no options"},
	    {"acrn-dm -k /k -s 3,virtio-console,udp:1 x", "udp:1"},
	    {"acrn-dm -k /k -l com2,stdio x", "only com1"},
	    {"acrn-dm -k /k -l com1 x", "com1,BACKEND"},
	    {"acrn-dm -k /k -l com1,tcp:0 x", "TCP port"},
	    {"acrn-dm -k /k -l com1,file:rel x", "absolute"},
	    {"acrn-dm -k /k -l com1,stdio -l com1,pty x", "twice"},
	    {"acrn-dm -k /k -k /k2 x", "-k is given twice"},
	    {"acrn-dm -k '' x", "empty"},
	    {"acrn-dm -k /k --control-socket rel.sock x", "absolute"},
	    {"acrn-dm -k /k -U not-a-uuid x", "-U not-a-uuid"},
	    {"acrn-dm -k /k sixteen-chars-ab", "VM name"},
	    {"acrn-dm -k /k 'a b'", "VM name"},
	    {"acrn-dm --ovmf /o -r /i x", "-r and -B"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(DmConfig) cfg = parse_line(cases[i].line, &error);

		if (cfg)
			g_error("'%s' was accepted", cases[i].line);
		g_assert_error(error, DM_CONFIG_ERROR, DM_CONFIG_ERROR_USAGE);
		if (!strstr(error->message, cases[i].message_has))
			g_error("'%s': message '%s' lacks '%s'", cases[i].line, error->message,
				cases[i].message_has);
	}
}

static void test_long_bootargs(void)
{
	g_autofree char *args = g_strnfill(DM_BOOTARGS_MAX + 1, 'a');
	char *argv[] = {"acrn-dm", "-k", "/k", "-B", args, "x", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(DmConfig) cfg = dm_config_parse(6, argv, &error);

	g_assert_null(cfg);
	g_assert_error(error, DM_CONFIG_ERROR, DM_CONFIG_ERROR_USAGE);
	args[DM_BOOTARGS_MAX] = '\0';
	g_clear_error(&error);
	cfg = dm_config_parse(6, argv, &error);
	g_assert_no_error(error);
}

static void test_help(void)
{
	char *argv[] = {"acrn-dm", "--help", NULL};
	g_autoptr(DmConfig) cfg = dm_config_parse(2, argv, NULL);

	g_assert_nonnull(cfg);
	g_assert_true(cfg->show_help);
	g_assert_nonnull(strstr(dm_config_usage(), "--control-socket"));
}

/* clang-format once turned the quark name into "dm - config - error - quark" */
static void test_error_domain(void)
{
	g_assert_cmpstr(g_quark_to_string(DM_CONFIG_ERROR), ==, "dm_config_error_quark");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/options/error-domain", test_error_domain);
	g_test_add_func("/options/golden", test_golden);
	g_test_add_func("/options/from-definitions", test_from_definitions);
	g_test_add_func("/options/full", test_full);
	g_test_add_func("/options/spellings", test_spellings);
	g_test_add_func("/options/errors", test_errors);
	g_test_add_func("/options/long-bootargs", test_long_bootargs);
	g_test_add_func("/options/help", test_help);
	return g_test_run();
}
